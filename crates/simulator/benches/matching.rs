//! Matching engine throughput: orders per second through `Exchange::place`.
//!
//! Two shapes: a passive order that rests (the common case for a book full of quotes) and an
//! aggressive order that crosses and fills against one resting order (mint or transfer), with
//! the book replenished each round so its depth stays constant.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use polyagent_simulator::exchange::{
    Exchange, FeeCurve, Market, MarketStatus, NewOrder, OrderType, Side,
};
use polyagent_simulator::units::{Micros, Pips, notional};

fn exchange() -> Exchange {
    let mut ex = Exchange::default();
    ex.add_market(Market {
        condition_id: "0xbench".into(),
        tokens: ["1".into(), "2".into()],
        outcomes: ["Yes".into(), "No".into()],
        tick: Pips(100),
        min_size: Micros::units(5),
        neg_risk: false,
        fees: FeeCurve {
            rate: rust_decimal::Decimal::new(2, 2),
            exponent: 1,
            taker_only: true,
        },
        status: MarketStatus::Open,
        book: Default::default(),
        locked: Micros::ZERO,
        last_trade: None,
    });
    for who in ["maker", "taker"] {
        assert!(ex.mint_collateral(who, Micros::units(1_000_000_000)));
        ex.split(who, "0xbench", Micros::units(100_000_000))
            .unwrap();
    }
    ex
}

fn order(id: u64, owner: &str, side: Side, cents: u32, shares: u64) -> NewOrder {
    let price = Pips(cents * 100);
    let size = Micros::units(shares);
    let collateral = notional(size, price);
    let (maker_amount, taker_amount) = if side == Side::Buy {
        (collateral, size)
    } else {
        (size, collateral)
    };
    NewOrder {
        id: format!("0x{id:064x}"),
        owner: owner.into(),
        api_key: owner.into(),
        token: "1".into(),
        side,
        maker_amount,
        taker_amount,
        order_type: OrderType::Gtc,
        post_only: false,
        expiration: 0,
    }
}

fn matching(c: &mut Criterion) {
    let mut group = c.benchmark_group("matching");
    group.throughput(Throughput::Elements(1));

    let mut ex = exchange();
    let mut id = 0u64;
    // 20 levels of depth on each side.
    for level in 0..20 {
        id += 1;
        ex.place(order(id, "maker", Side::Sell, 51 + level, 100), 0)
            .unwrap();
        id += 1;
        ex.place(order(id, "maker", Side::Buy, 49 - level, 100), 0)
            .unwrap();
    }
    group.bench_function("passive order rests", |b| {
        b.iter(|| {
            id += 1;
            // Alternate levels behind the best so the book does not grow without bound.
            let cents = 30 + (id % 10) as u32;
            ex.place(order(id, "maker", Side::Buy, cents, 5), 0)
                .unwrap();
            id += 1;
            ex.cancel("maker", &format!("0x{:064x}", id - 1)).unwrap();
            let _ = ex.drain_events();
        });
    });

    group.bench_function("aggressive order fills one maker", |b| {
        b.iter(|| {
            id += 1;
            ex.place(order(id, "maker", Side::Sell, 51, 10), 0).unwrap();
            id += 1;
            ex.place(order(id, "taker", Side::Buy, 51, 10), 0).unwrap();
            let _ = ex.drain_events();
        });
    });
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
