//! Market WebSocket frames: parsed (byte scanner, serde fallback) and applied to a local book,
//! as the feed does; and wherever the byte scanner accepts a frame, serde must read the very
//! same message from it (the scanner's contract, `crates/venue/src/market_scan.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_venue::book::{LocalBook, for_each_message, parse_frame};
use polyagent_venue::market_frame_readers::{scan, with_serde};

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8 by protocol; tungstenite refuses anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let trimmed = text.trim_start();
    if let Some(scanned) = scan(trimmed) {
        match with_serde(trimmed) {
            Ok(reference) => assert_eq!(scanned, reference, "scanner and serde disagree"),
            Err(error) => panic!("the scanner accepted a frame serde refuses: {error}"),
        }
    }
    let listed = parse_frame(text);
    let mut books: Vec<(String, LocalBook)> = Vec::new();
    let mut seen = 0usize;
    let walked = for_each_message(text, |message| {
        seen += 1;
        let mut assets: Vec<&str> = message.asset_id.into_iter().collect();
        if let Some(changes) = &message.price_changes {
            assets.extend(changes.iter().map(|c| c.asset_id));
        }
        assets.extend(message.assets_ids.iter().flatten().copied());
        for asset in assets {
            let index = match books.iter().position(|(a, _)| a == asset) {
                Some(index) => index,
                None => {
                    books.push((asset.to_owned(), LocalBook::default()));
                    books.len() - 1
                }
            };
            let book = &mut books[index].1;
            if book.apply(asset, message).is_ok() {
                // The book keeps each side sorted best first, whatever it was sent.
                assert!(book.bids().windows(2).all(|w| w[0].price > w[1].price));
                assert!(book.asks().windows(2).all(|w| w[0].price < w[1].price));
                let _ = book.metrics();
            }
        }
    });
    // Both entry points agree on whether the frame is readable, and on its messages.
    assert_eq!(listed.is_ok(), walked.is_ok());
    if let Ok(listed) = listed {
        assert_eq!(listed.len(), seen);
    }
});
