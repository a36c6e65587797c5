//! Market-feed throughput per core: one message parsed from its text frame and applied to
//! a local book.
//!
//! - `book/parse+apply`: a `book` snapshot with 15 levels a side (a busy market), real
//!   77-digit token ids; target > 150,000 / s;
//! - `price_change/parse+apply`: a current-format `price_change` with its two entries
//!   (both tokens of a market), applied to a 15-level book; target > 1,000,000 / s;
//!   `price_change/parse`: the parse alone;
//! - `cpu-time …` lines: the same per CPU-second of the benchmark thread, which a shared
//!   machine's load does not deflate the way it does wall-clock rates.
//!
//! Both frames take the byte scanner (`market_scan`); serde parses only frames it declines,
//! so a regression that makes it decline these frames shows here as a ~1.7x slowdown.
//! Measured 2026-11-24 on a shared 2-core EPYC VM under other builds' load (cpu-time, best
//! of 5; in brackets, serde and `Decimal::from_str_exact` alone, before the scanner and the
//! plain-decimal reader): book ≈ 550,000 / s (280,000), price_change ≈ 2.0 M / s (1.2 M),
//! its parse alone ≈ 2.5 M / s (1.38 M).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polyagent_venue::book::{LocalBook, for_each_message, parse_frame};

const YES: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const NO: &str = "52114319501245915516055106046884209969926127482827954674443846427813813222426";
const MARKET: &str = "0x5f65177b394277fd294cd75650044e32ba009a95022d88a0c1d565897d72f8f1";

fn book_frame() -> String {
    let mut text = format!(
        r#"{{"event_type":"book","asset_id":"{YES}","market":"{MARKET}","timestamp":"1767225600123","hash":"0c5b8c4a0a1f3d1c2b4e5f60718293a4b5c6d7e8","bids":["#
    );
    // Best last, as the venue sends them.
    for i in 0..15 {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(
            text,
            r#"{{"price":"0.{:02}","size":"{}.5"}}"#,
            35 + i,
            100 + i * 7
        );
    }
    text.push_str(r#"],"asks":["#);
    for i in 0..15 {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(
            text,
            r#"{{"price":"0.{:02}","size":"{}"}}"#,
            66 - i,
            80 + i * 11
        );
    }
    text.push_str("]}");
    text
}

fn price_change_frame(price: &str, size: &str) -> String {
    format!(
        r#"{{"event_type":"price_change","market":"{MARKET}","timestamp":"1767225600456","price_changes":[{{"asset_id":"{YES}","price":"{price}","size":"{size}","side":"BUY","hash":"56621a121a47ed9333273e21c83b660cff37ae50","best_bid":"0.49","best_ask":"0.52"}},{{"asset_id":"{NO}","price":"0.52","size":"{size}","side":"SELL","hash":"1895759e4df7a796bf4f1c5a5950b748e5923e2f","best_bid":"0.48","best_ask":"0.51"}}]}}"#
    )
}

fn benches(c: &mut Criterion) {
    let book = book_frame();
    let mut group = c.benchmark_group("book");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse+apply", |b| {
        let mut local = LocalBook::default();
        b.iter(|| {
            for_each_message(black_box(&book), |message| {
                black_box(local.apply(YES, message).unwrap());
            })
            .unwrap();
        });
    });
    group.finish();

    // Alternate between two sizes so every message really changes a level.
    let changes = [
        price_change_frame("0.49", "120.5"),
        price_change_frame("0.49", "80"),
    ];
    let mut group = c.benchmark_group("price_change");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse", |b| {
        b.iter(|| {
            for_each_message(black_box(&changes[0]), |m| {
                black_box(m);
            })
            .unwrap();
        });
    });
    group.bench_function("parse+apply", |b| {
        let mut local = LocalBook::default();
        for message in parse_frame(&book).unwrap() {
            local.apply(YES, &message).unwrap();
        }
        let mut n = 0usize;
        b.iter(|| {
            n += 1;
            for_each_message(black_box(&changes[n & 1]), |message| {
                black_box(local.apply(YES, message).unwrap());
            })
            .unwrap();
        });
    });
    group.finish();
}

/// CPU time of this thread in ns (Linux `/proc/thread-self/schedstat`), or `None`.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Messages per CPU-second of this thread: on a shared machine wall-clock rates (what
/// criterion reports) fall with other processes' load, CPU time does not.
fn per_cpu_second(name: &str, iterations: u64, mut run: impl FnMut(u64)) {
    let Some(start) = thread_cpu_ns() else { return };
    for i in 0..iterations {
        run(i);
    }
    let Some(end) = thread_cpu_ns() else { return };
    let per_s = u128::from(iterations) * 1_000_000_000 / u128::from((end - start).max(1));
    println!("{name}: {per_s} messages per CPU-second ({iterations} messages)");
}

fn cpu_time(_: &mut Criterion) {
    let book = book_frame();
    let mut local = LocalBook::default();
    per_cpu_second("cpu-time book/parse+apply", 300_000, |_| {
        for_each_message(black_box(&book), |m| {
            black_box(local.apply(YES, m).unwrap());
        })
        .unwrap();
    });
    let changes = [
        price_change_frame("0.49", "120.5"),
        price_change_frame("0.49", "80"),
    ];
    per_cpu_second("cpu-time price_change/parse", 2_000_000, |i| {
        for_each_message(black_box(&changes[(i & 1) as usize]), |m| {
            black_box(m);
        })
        .unwrap();
    });
    per_cpu_second("cpu-time price_change/parse+apply", 2_000_000, |i| {
        for_each_message(black_box(&changes[(i & 1) as usize]), |m| {
            black_box(local.apply(YES, m).unwrap());
        })
        .unwrap();
    });
}

criterion_group!(market_data, benches, cpu_time);
criterion_main!(market_data);
