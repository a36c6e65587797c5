//! Streaming a book is started from a thread outside any tokio runtime, as a desktop shell's
//! synchronous command does: it must start on the runtime's own, not panic.

mod common;

use std::time::Duration;

use common::{DEADLINE, open_runtime, simulator};
use serde_json::json;

#[test]
fn a_book_watch_started_outside_tokio_streams_the_book() {
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sim, runtime) = tokio.block_on(async {
        let sim = simulator(json!({
            "name": "watch", "step_ms": 500,
            "markets": [{"slug": "calm", "question": "Calm?", "tokens": ["1001", "1002"],
                "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
                "path": {"kind": "scripted", "points": [[0, "0.50"]]}}]
        }))
        .await;
        let runtime = open_runtime(dir.path(), &sim).await;
        (sim, runtime)
    });

    // This thread is in no runtime.
    assert!(tokio::runtime::Handle::try_current().is_err());
    let (books, seen) = std::sync::mpsc::channel();
    runtime
        .watch_book("1001", Box::new(move |book| books.send(book).is_ok()))
        .unwrap();
    let book = seen
        .recv_timeout(DEADLINE)
        .expect("a book within the deadline");
    assert_eq!(book.best_bid.as_deref(), Some("0.49"));
    runtime.unwatch_book();
    tokio.block_on(async move {
        drop(runtime);
        sim.stop().await;
    });
    tokio.shutdown_timeout(Duration::from_secs(5));
}
