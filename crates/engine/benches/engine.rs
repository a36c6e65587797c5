//! Throughput of one bot: ticks through strategy + risk (+ paper fills), and a backtest of
//! one million synthetic ticks.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polyagent_domain::trading::TickSize;
use polyagent_engine::Timestamp;
use polyagent_engine::backtest::{self, Options, Row, Series};
use polyagent_engine::bot::{BotEngine, Lifecycle};
use polyagent_engine::config::{BotConfig, BotSpec, Overrides, Profile};
use polyagent_engine::event::{Action, Event, Quote};
use polyagent_engine::paper::{Book, FeeCurve, PaperAccount};
use polyagent_engine::risk::GlobalView;
use rust_decimal::Decimal;

/// A deterministic random walk in cents (xorshift, fixed seed), one quote a minute, with
/// occasional jumps so strategies trade.
fn walk(n: usize) -> Vec<Row> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut cents = 50i64;
    (0..n)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let step = match state % 100 {
                0 => -4,
                1 => 4,
                2..=20 => -1,
                21..=39 => 1,
                _ => 0,
            };
            cents = (cents + step).clamp(10, 90);
            Row {
                at: Timestamp::from_secs(1_783_728_000 + 60 * i as i64),
                bid: Some(Decimal::new(cents - 1, 2)),
                ask: Some(Decimal::new(cents + 1, 2)),
                mid: Some(Decimal::new(cents, 2)),
            }
        })
        .collect()
}

fn config(strategy: &str) -> BotConfig {
    BotSpec {
        name: "bench".into(),
        wallet: "paper".into(),
        token_id: "1".into(),
        complement_token_id: None,
        strategy: strategy.into(),
        profile: Profile::Normal,
        overrides: Overrides::default(),
    }
    .resolve()
    .expect("valid")
}

fn ticks(c: &mut Criterion) {
    let rows = walk(10_000);
    let quotes: Vec<(Timestamp, Quote, Book)> = rows
        .iter()
        .map(|r| {
            let q = Quote {
                price: r.mid.unwrap_or_default(),
                bid: r.bid,
                ask: r.ask,
            };
            (r.at, q, Book::top(r.bid, r.ask, Decimal::from(1000)))
        })
        .collect();
    let global = GlobalView::default();
    let mut group = c.benchmark_group("bot");
    group.throughput(Throughput::Elements(quotes.len() as u64));
    for strategy in ["spike-sam", "train-of-trade"] {
        group.bench_function(
            format!("{strategy}: 10k ticks, strategy + risk + paper"),
            |b| {
                b.iter(|| {
                    let mut bot = BotEngine::new(config(strategy)).expect("bot");
                    bot.command(&Lifecycle::Start, quotes[0].0).expect("start");
                    let mut account =
                        PaperAccount::new(Decimal::from(1000), FeeCurve::FREE, TickSize::Hundredth);
                    let mut placed = 0u32;
                    for (at, quote, book) in &quotes {
                        for action in bot.on_event(&global, &Event::Tick(*quote), *at) {
                            if let Action::Place(order) = action {
                                placed += 1;
                                let fill = account.execute(&order, book);
                                black_box(bot.on_event(&global, &fill, *at));
                            }
                        }
                    }
                    black_box(placed)
                });
            },
        );
    }
    group.finish();
}

fn million(c: &mut Criterion) {
    let series = Series {
        slug: "synthetic".into(),
        rows: walk(1_000_000),
    };
    let opts = Options::default();
    let mut group = c.benchmark_group("backtest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(series.rows.len() as u64));
    for strategy in ["spike-sam", "train-of-trade"] {
        let config = config(strategy);
        group.bench_function(format!("{strategy}: 1M ticks"), |b| {
            b.iter(|| {
                black_box(
                    backtest::run(&config, &series, &opts)
                        .expect("run")
                        .summary
                        .trades,
                )
            });
        });
    }
    group.finish();
}

criterion_group!(benches, ticks, million);
criterion_main!(benches);
