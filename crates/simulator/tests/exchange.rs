//! The matching engine and ledger, driven as the server drives it.

use polyagent_simulator::exchange::{
    Exchange, FeeCurve, Market, MarketStatus, NewOrder, OrderStatus, OrderType, Outcome,
    PlaceError, SettlementDelays, Side, TradeStatus,
};
use polyagent_simulator::units::{Micros, Pips, notional};
use rust_decimal::Decimal;

const YES: &str = "1001";
const NO: &str = "1002";
const MARKET: &str = "0xc0ffee";

fn market(fees: FeeCurve) -> Market {
    Market {
        condition_id: MARKET.into(),
        tokens: [YES.into(), NO.into()],
        outcomes: ["Yes".into(), "No".into()],
        tick: Pips(100),
        min_size: Micros::units(5),
        neg_risk: false,
        fees,
        status: MarketStatus::Open,
        book: Default::default(),
        locked: Micros::ZERO,
        last_trade: None,
    }
}

/// An exchange with one market; alice, bob and carol each hold 1,000 pUSD and 500 YES/NO pairs.
fn exchange_with(fees: FeeCurve) -> Exchange {
    let mut ex = Exchange::new(SettlementDelays {
        mined_after_ms: 1_000,
        confirmed_after_ms: 3_000,
    });
    ex.add_market(market(fees));
    for who in ["alice", "bob", "carol"] {
        assert!(ex.mint_collateral(who, Micros::units(1_500)));
        ex.split(who, MARKET, Micros::units(500)).unwrap();
    }
    ex
}

fn exchange() -> Exchange {
    exchange_with(FeeCurve::free())
}

/// A limit order with amounts computed as the official clients do.
fn limit(id: &str, owner: &str, token: &str, side: Side, price: &str, size: &str) -> NewOrder {
    let price = Pips::parse(price).unwrap();
    let size = Micros::parse(size).unwrap();
    let collateral = notional(size, price);
    let (maker_amount, taker_amount) = match side {
        Side::Buy => (collateral, size),
        Side::Sell => (size, collateral),
    };
    NewOrder {
        id: id.into(),
        owner: owner.into(),
        api_key: format!("key-{owner}"),
        token: token.into(),
        side,
        maker_amount,
        taker_amount,
        order_type: OrderType::Gtc,
        post_only: false,
        expiration: 0,
    }
}

fn with_type(mut order: NewOrder, order_type: OrderType) -> NewOrder {
    order.order_type = order_type;
    order
}

fn pusd(ex: &Exchange, who: &str) -> Micros {
    ex.account(who).unwrap().pusd
}

fn shares(ex: &Exchange, who: &str, token: &str) -> Micros {
    ex.account(who).unwrap().shares_of(token)
}

#[test]
fn a_crossing_sell_fills_a_resting_buy_at_the_makers_price() {
    let mut ex = exchange();
    let total = ex.total_collateral();
    let placed = ex
        .place(limit("0x01", "alice", YES, Side::Buy, "0.57", "10.5"), 1)
        .unwrap();
    assert_eq!(placed.status, "live");
    assert_eq!(
        ex.account("alice").unwrap().pusd_reserved,
        Micros(5_985_000)
    );

    let taken = ex
        .place(limit("0x02", "bob", YES, Side::Sell, "0.55", "10.5"), 2)
        .unwrap();
    assert_eq!(taken.status, "matched");
    assert_eq!(taken.making_amount, Micros::parse("10.5").unwrap());
    assert_eq!(
        taken.taking_amount,
        Micros(5_985_000),
        "price improvement goes to the taker at the maker's price"
    );
    assert_eq!(pusd(&ex, "alice"), Micros::units(1_000) - Micros(5_985_000));
    assert_eq!(pusd(&ex, "bob"), Micros::units(1_000) + Micros(5_985_000));
    assert_eq!(shares(&ex, "alice", YES), Micros::parse("510.5").unwrap());
    assert_eq!(shares(&ex, "bob", YES), Micros::parse("489.5").unwrap());
    assert_eq!(ex.account("alice").unwrap().pusd_reserved, Micros::ZERO);
    assert_eq!(ex.orders["0x01"].status, OrderStatus::Matched);
    assert_eq!(ex.total_collateral(), total);
}

#[test]
fn partial_fills_follow_price_then_time_priority() {
    let mut ex = exchange();
    ex.place(limit("0xa1", "alice", YES, Side::Sell, "0.60", "10"), 1)
        .unwrap();
    ex.place(limit("0xb1", "bob", YES, Side::Sell, "0.58", "10"), 2)
        .unwrap();
    ex.place(limit("0xc1", "carol", YES, Side::Sell, "0.58", "10"), 3)
        .unwrap();

    let placed = ex
        .place(limit("0xd1", "carol", YES, Side::Buy, "0.60", "15"), 4)
        .unwrap();
    assert_eq!(placed.status, "matched");
    // Best price first (0.58), and within it bob before carol.
    assert_eq!(ex.orders["0xb1"].size_matched, Micros::units(10));
    assert_eq!(ex.orders["0xc1"].size_matched, Micros::units(5));
    assert_eq!(ex.orders["0xa1"].size_matched, Micros::ZERO);
    assert_eq!(ex.orders["0xc1"].status, OrderStatus::Live);
    let (_, asks) = ex.markets[MARKET].levels(Outcome::Yes);
    assert_eq!(
        asks,
        vec![
            (Pips(5800), Micros::units(5)),
            (Pips(6000), Micros::units(10))
        ]
    );

    // A bigger buy walks levels and rests what is left.
    let rest = ex
        .place(limit("0xd2", "bob", YES, Side::Buy, "0.60", "20"), 5)
        .unwrap();
    assert_eq!(rest.status, "live");
    assert_eq!(ex.orders["0xd2"].size_matched, Micros::units(15));
    let (bids, asks) = ex.markets[MARKET].levels(Outcome::Yes);
    assert_eq!(bids, vec![(Pips(6000), Micros::units(5))]);
    assert!(asks.is_empty());
}

#[test]
fn fok_is_all_or_nothing_and_fak_keeps_what_it_got() {
    let mut ex = exchange();
    ex.place(limit("0xa1", "alice", YES, Side::Sell, "0.55", "10"), 1)
        .unwrap();
    let fok = with_type(
        limit("0xf1", "bob", YES, Side::Buy, "0.55", "12"),
        OrderType::Fok,
    );
    assert_eq!(ex.place(fok, 2), Err(PlaceError::FokNotFilled));
    assert_eq!(
        ex.orders["0xa1"].size_matched,
        Micros::ZERO,
        "a killed FOK trades nothing"
    );

    let fak = with_type(
        limit("0xf2", "bob", YES, Side::Buy, "0.55", "12"),
        OrderType::Fak,
    );
    let placed = ex.place(fak, 3).unwrap();
    assert_eq!(placed.status, "matched");
    assert_eq!(ex.orders["0xf2"].size_matched, Micros::units(10));
    assert_eq!(
        ex.orders["0xf2"].status,
        OrderStatus::Canceled,
        "the unfilled rest of a FAK is cancelled"
    );
    assert!(ex.markets[MARKET].book.bids.is_empty(), "a FAK never rests");

    let nothing = with_type(
        limit("0xf3", "bob", YES, Side::Buy, "0.55", "12"),
        OrderType::Fak,
    );
    assert_eq!(ex.place(nothing, 4), Err(PlaceError::FakNoMatch));
}

#[test]
fn post_only_rests_or_is_refused_but_never_takes() {
    let mut ex = exchange();
    ex.place(limit("0xa1", "alice", YES, Side::Sell, "0.55", "10"), 1)
        .unwrap();
    let mut crossing = limit("0xb1", "bob", YES, Side::Buy, "0.55", "10");
    crossing.post_only = true;
    assert_eq!(ex.place(crossing, 2), Err(PlaceError::PostOnlyCrosses));
    let mut passive = limit("0xb2", "bob", YES, Side::Buy, "0.54", "10");
    passive.post_only = true;
    assert_eq!(ex.place(passive, 3).unwrap().status, "live");
    let mut market_post_only = with_type(
        limit("0xb3", "bob", YES, Side::Buy, "0.55", "10"),
        OrderType::Fok,
    );
    market_post_only.post_only = true;
    assert_eq!(
        ex.place(market_post_only, 4),
        Err(PlaceError::PostOnlyMarketOrder)
    );
}

#[test]
fn buying_yes_against_buying_no_mints_pairs() {
    let mut ex = exchange();
    let total = ex.total_collateral();
    // BUY NO @0.60 rests as an ask on YES at 0.40.
    ex.place(limit("0xa1", "alice", NO, Side::Buy, "0.60", "10"), 1)
        .unwrap();
    let (_, yes_asks) = ex.markets[MARKET].levels(Outcome::Yes);
    assert_eq!(yes_asks, vec![(Pips(4000), Micros::units(10))]);
    let (no_bids, _) = ex.markets[MARKET].levels(Outcome::No);
    assert_eq!(no_bids, vec![(Pips(6000), Micros::units(10))]);

    let locked_before = ex.markets[MARKET].locked;
    ex.place(limit("0xb1", "bob", YES, Side::Buy, "0.40", "10"), 2)
        .unwrap();
    assert_eq!(pusd(&ex, "alice"), Micros::units(994));
    assert_eq!(pusd(&ex, "bob"), Micros::units(996));
    assert_eq!(shares(&ex, "alice", NO), Micros::units(510));
    assert_eq!(shares(&ex, "bob", YES), Micros::units(510));
    assert_eq!(ex.markets[MARKET].locked, locked_before + Micros::units(10));
    assert_eq!(ex.total_collateral(), total);
}

#[test]
fn selling_yes_against_selling_no_merges_pairs() {
    let mut ex = exchange();
    let total = ex.total_collateral();
    // SELL NO @0.30 rests as a bid on YES at 0.70.
    ex.place(limit("0xa1", "alice", NO, Side::Sell, "0.30", "10"), 1)
        .unwrap();
    ex.place(limit("0xb1", "bob", YES, Side::Sell, "0.70", "10"), 2)
        .unwrap();
    assert_eq!(pusd(&ex, "alice"), Micros::units(1_003));
    assert_eq!(pusd(&ex, "bob"), Micros::units(1_007));
    assert_eq!(ex.markets[MARKET].locked, Micros::units(1_490));
    assert_eq!(ex.total_collateral(), total);
}

#[test]
fn takers_pay_the_v2_fee_curve() {
    // fee = shares × rate × (p(1-p))^e = 100 × 0.02 × 0.25 = 0.5 pUSD at p = 0.5.
    let mut ex = exchange_with(FeeCurve {
        rate: Decimal::new(2, 2),
        exponent: 1,
        taker_only: true,
    });
    let total = ex.total_collateral();
    ex.place(limit("0xa1", "alice", YES, Side::Sell, "0.50", "100"), 1)
        .unwrap();
    let placed = ex
        .place(limit("0xb1", "bob", YES, Side::Buy, "0.50", "100"), 2)
        .unwrap();
    assert_eq!(placed.making_amount, Micros::parse("50.5").unwrap());
    assert_eq!(pusd(&ex, "bob"), Micros::parse("949.5").unwrap());
    assert_eq!(
        pusd(&ex, "alice"),
        Micros::units(1_050),
        "makers pay nothing on a taker-only curve"
    );
    assert_eq!(ex.fees_collected, Micros::parse("0.5").unwrap());
    assert_eq!(ex.total_collateral(), total);
}

#[test]
fn orders_that_break_the_rules_are_refused_with_polymarkets_words() {
    let mut ex = exchange();
    let off_tick = limit("0x01", "alice", YES, Side::Buy, "0.575", "10");
    assert!(matches!(
        ex.place(off_tick, 1),
        Err(PlaceError::OffTick { .. })
    ));
    let small = limit("0x02", "alice", YES, Side::Buy, "0.57", "1.08");
    assert_eq!(
        ex.place(small, 1).unwrap_err().to_string(),
        "order 0x02 is invalid. Size (1.08) lower than the minimum: 5"
    );
    let mut precise = limit("0x03", "alice", YES, Side::Buy, "0.57", "10");
    precise.taker_amount = Micros(10_000_001);
    assert!(matches!(
        ex.place(precise, 1),
        Err(PlaceError::Precision { .. })
    ));
    let rich = limit("0x04", "alice", YES, Side::Buy, "0.57", "5000");
    assert_eq!(
        ex.place(rich, 1).unwrap_err().to_string(),
        "not enough balance / allowance"
    );
    let too_many_shares = limit("0x05", "alice", YES, Side::Sell, "0.57", "501");
    assert_eq!(
        ex.place(too_many_shares, 1),
        Err(PlaceError::NotEnoughBalance)
    );
    let extreme = limit("0x06", "alice", YES, Side::Buy, "0.995", "10");
    assert!(matches!(
        ex.place(extreme, 1),
        Err(PlaceError::PriceOutOfRange { .. } | PlaceError::OffTick { .. })
    ));
    let unknown = limit("0x07", "alice", "999", Side::Buy, "0.5", "10");
    assert_eq!(ex.place(unknown, 1), Err(PlaceError::UnknownToken));

    ex.place(limit("0x08", "alice", YES, Side::Buy, "0.50", "10"), 1)
        .unwrap();
    assert!(matches!(
        ex.place(limit("0x08", "alice", YES, Side::Buy, "0.50", "10"), 2),
        Err(PlaceError::Duplicate(_))
    ));
    // Reserved funds count: a second order cannot spend what the first one holds.
    let all_in = limit("0x09", "alice", YES, Side::Buy, "0.50", "1995");
    assert_eq!(ex.place(all_in, 3), Err(PlaceError::NotEnoughBalance));
}

#[test]
fn cancels_release_funds_and_say_why_when_they_cannot() {
    let mut ex = exchange();
    ex.place(limit("0x01", "alice", YES, Side::Buy, "0.50", "10"), 1)
        .unwrap();
    assert_eq!(
        ex.cancel("bob", "0x01"),
        Err("order not found"),
        "only the owner may cancel"
    );
    assert_eq!(ex.cancel("alice", "0x01"), Ok(()));
    assert_eq!(
        ex.cancel("alice", "0x01"),
        Err("the order is already canceled")
    );
    assert_eq!(ex.account("alice").unwrap().pusd_reserved, Micros::ZERO);
    assert!(ex.markets[MARKET].book.bids.is_empty());

    ex.place(limit("0x02", "alice", YES, Side::Buy, "0.50", "10"), 2)
        .unwrap();
    ex.place(limit("0x03", "alice", NO, Side::Sell, "0.60", "10"), 3)
        .unwrap();
    assert_eq!(
        ex.cancel_all("alice", None, Some(NO)),
        vec!["0x03".to_owned()]
    );
    assert_eq!(ex.cancel_all("alice", None, None), vec!["0x02".to_owned()]);
    assert!(ex.open_orders("alice", None, None).is_empty());
}

#[test]
fn gtd_orders_expire_and_trades_settle_through_their_lifecycle() {
    let mut ex = exchange();
    let now_ms = 1_767_225_600_000;
    let mut gtd = with_type(
        limit("0x01", "alice", YES, Side::Buy, "0.50", "10"),
        OrderType::Gtd,
    );
    gtd.expiration = now_ms / 1000 + 30;
    assert_eq!(
        ex.place(gtd.clone(), now_ms),
        Err(PlaceError::BadExpiration)
    );
    gtd.expiration = now_ms / 1000 + 120;
    ex.place(gtd, now_ms).unwrap();
    ex.advance(now_ms + 119_000);
    assert_eq!(ex.orders["0x01"].status, OrderStatus::Live);
    ex.advance(now_ms + 120_000);
    assert_eq!(ex.orders["0x01"].status, OrderStatus::Canceled);

    ex.place(
        limit("0x02", "alice", YES, Side::Sell, "0.50", "10"),
        now_ms,
    )
    .unwrap();
    let placed = ex
        .place(limit("0x03", "bob", YES, Side::Buy, "0.50", "10"), now_ms)
        .unwrap();
    let trade_id = placed.trade_ids[0].clone();
    assert_eq!(ex.trade(&trade_id).unwrap().status, TradeStatus::Matched);
    ex.advance(now_ms + 1_000);
    assert_eq!(ex.trade(&trade_id).unwrap().status, TradeStatus::Mined);
    assert!(!ex.trade(&trade_id).unwrap().transaction_hash.is_empty());
    ex.advance(now_ms + 3_000);
    assert_eq!(ex.trade(&trade_id).unwrap().status, TradeStatus::Confirmed);
}

#[test]
fn a_failed_trade_is_reversed() {
    let mut ex = exchange();
    let before_alice = (pusd(&ex, "alice"), shares(&ex, "alice", YES));
    let before_bob = (pusd(&ex, "bob"), shares(&ex, "bob", YES));
    ex.fail_next_trades = 1;
    ex.place(limit("0x01", "alice", YES, Side::Sell, "0.50", "10"), 0)
        .unwrap();
    let placed = ex
        .place(limit("0x02", "bob", YES, Side::Buy, "0.50", "10"), 0)
        .unwrap();
    let id = placed.trade_ids[0].clone();
    assert_eq!(ex.trade(&id).unwrap().status, TradeStatus::Retrying);
    ex.advance(1_000);
    assert_eq!(ex.trade(&id).unwrap().status, TradeStatus::Failed);
    assert_eq!(
        (pusd(&ex, "alice"), shares(&ex, "alice", YES)),
        before_alice
    );
    assert_eq!((pusd(&ex, "bob"), shares(&ex, "bob", YES)), before_bob);
}

#[test]
fn resolution_cancels_orders_and_pays_the_winners() {
    let mut ex = exchange();
    let total = ex.total_collateral();
    ex.place(limit("0x01", "alice", YES, Side::Buy, "0.50", "10"), 0)
        .unwrap();
    assert!(ex.resolve(MARKET, Outcome::Yes));
    assert_eq!(
        ex.orders["0x01"].status,
        OrderStatus::CanceledMarketResolved
    );
    assert_eq!(pusd(&ex, "alice"), Micros::units(1_500));
    assert_eq!(shares(&ex, "alice", YES), Micros::ZERO);
    assert_eq!(ex.markets[MARKET].locked, Micros::ZERO);
    assert_eq!(ex.total_collateral(), total);
    assert_eq!(
        ex.place(limit("0x02", "bob", YES, Side::Buy, "0.50", "10"), 0),
        Err(PlaceError::MarketClosed)
    );
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    fn arbitrary_order() -> impl Strategy<Value = (usize, bool, bool, u32, u32, u8)> {
        // (who, no-token?, sell?, price in cents 1..=99, size in shares 5..=60, order type)
        (
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            1u32..=99,
            5u32..=60,
            0u8..4,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// No pUSD or share is created or lost across a run of random orders, cancels and
        /// settlement, with fees on.
        #[test]
        fn nothing_is_created_or_lost(orders in proptest::collection::vec(arbitrary_order(), 1..80)) {
            let mut ex = exchange_with(FeeCurve { rate: Decimal::new(3, 2), exponent: 2, taker_only: true });
            let total = ex.total_collateral();
            let owners = ["alice", "bob", "carol"];
            for (i, (who, no, sell, cents, size, kind)) in orders.into_iter().enumerate() {
                let token = if no { NO } else { YES };
                let side = if sell { Side::Sell } else { Side::Buy };
                let price = format!("0.{cents:02}");
                let order_type = [OrderType::Gtc, OrderType::Fok, OrderType::Fak, OrderType::Gtc][usize::from(kind)];
                let order = with_type(limit(&format!("0x{i:x}"), owners[who], token, side, &price, &size.to_string()), order_type);
                let _ = ex.place(order, i as u64);
                if i % 7 == 6 {
                    ex.cancel_all(owners[i % 3], None, None);
                }
                ex.advance(i as u64 * 500);
                prop_assert_eq!(ex.total_collateral(), total);
                let market = &ex.markets[MARKET];
                let yes: u64 = ex.accounts.values().map(|a| a.shares_of(YES).0).sum();
                let no: u64 = ex.accounts.values().map(|a| a.shares_of(NO).0).sum();
                prop_assert_eq!(yes, market.locked.0);
                prop_assert_eq!(no, market.locked.0);
                for account in ex.accounts.values() {
                    prop_assert!(account.pusd_reserved <= account.pusd);
                    prop_assert!(account.available_shares(YES) <= account.shares_of(YES));
                }
                // The book never stays crossed.
                if let (Some(bid), Some(ask)) = (market.book.best_bid(), market.book.best_ask()) {
                    prop_assert!(bid < ask);
                }
            }
        }
    }
}

#[test]
fn a_market_maker_requoting_every_step_leaves_no_dead_quotes_behind() {
    // A walk that moves every step, quoted 3 levels a side with random trades: the order
    // table keeps the live quotes and what traded, not every quote ever made.
    let scenario = polyagent_simulator::scenario::Scenario::from_json(
        r#"{"name": "t", "step_ms": 100, "markets": [{"slug": "a", "question": "A?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "100", "trade_chance": "0.05"},
            "path": {"kind": "random_walk", "seed": 3, "start": "0.5",
                     "step_volatility": "0.01", "step_ms": 100}}]}"#,
    )
    .unwrap();
    let mut world = scenario.build(std::path::Path::new("."), 0).unwrap();
    for step in 1..=2_000u64 {
        world.step(step * 100, step * 100);
    }
    let exchange = &world.exchange;
    let live = exchange
        .orders
        .values()
        .filter(|o| o.status == OrderStatus::Live)
        .count();
    assert!(live <= 6, "{live} live quotes");
    let traded = exchange
        .orders
        .values()
        .filter(|o| !o.trade_ids.is_empty())
        .count();
    assert!(traded > 0, "the walk traded now and then");
    // Left: the live quotes, the quotes that traded and the ~100 random takers' orders.
    // Without forgetting, 2,000 requotes of 6 quotes would leave over 12,000.
    assert!(
        exchange.orders.len() < 400,
        "{} orders: {live} live, {traded} traded",
        exchange.orders.len()
    );
}
