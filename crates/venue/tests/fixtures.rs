//! Every recorded payload of `tests/fixtures/{rest,ws_market,ws_user}` (real-shaped REST
//! answers and WebSocket frames, written from production's documented shapes: PROTOCOL.md
//! §4.3, §6.3, §6.4, §13) is read with the venue's own parsers and its values are checked.
//! A fixture file without a check here fails the run, so the record and the parsers cannot
//! drift apart silently.

use std::collections::BTreeSet;
use std::path::PathBuf;

use polyagent_domain::trading::{OrderType, Side, TickSize};
use polyagent_venue::VenueError;
use polyagent_venue::book::{LocalBook, MarketMessage, parse_frame};
use polyagent_venue::clob_wire::{
    OpenOrderResponse, PageResponse, TradeResponse, ack_from, error_text,
};
use polyagent_venue::types::{OpenOrder, OrderAck, OrderStatus, Trade, TradeStatus};
use polyagent_venue::user_ws::{OrderEvent, OrderEventKind, UserFrameItem, read_user_frame};
use polyagent_venue::wire::PostOrderResponse;
use rust_decimal::Decimal;

const COND: &str = "0x9c1fa3e5d5b1c0c4a6f0e2b7d8c9a1b2c3d4e5f60718293a4b5c6d7e8f901234";
const YES: &str = "48331043336612883890938759509493159234755048973500640148014422747788308965732";
const NO: &str = "104411547841791877252227935410049230769909951522603517050502627610163580155485";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn order(name: &str) -> OpenOrder {
    serde_json::from_str::<OpenOrderResponse>(&read(name))
        .unwrap()
        .into_order()
        .unwrap()
}

fn ack(name: &str) -> OrderAck {
    ack_from(serde_json::from_str::<PostOrderResponse>(&read(name)).unwrap()).unwrap()
}

fn reason(text: &str) -> Option<String> {
    Some(text.to_owned())
}

fn check_rest(name: &str) {
    match name {
        "rest/get_data_order.json" => {
            let o = order(name);
            assert_eq!((o.status, o.status_reason), (OrderStatus::Live, None));
            assert_eq!((o.market.as_str(), o.token_id.as_str()), (COND, YES));
            assert_eq!(
                (o.side, o.price, o.original_size),
                (Side::Buy, d("0.457"), d("100"))
            );
            assert_eq!(o.size_matched, d("25"));
            assert_eq!(
                (o.order_type, o.created_at_s),
                (Some(OrderType::Gtc), Some(1_796_601_600))
            );
        }
        "rest/get_data_order_canceled_market_resolved.json" => {
            let o = order(name);
            assert_eq!(o.status, OrderStatus::CanceledMarketResolved);
            // associate_trades is present here but fills come from size_matched only.
            assert_eq!(o.size_matched, d("40"));
        }
        "rest/get_data_orders_page.json" => {
            let page: PageResponse<OpenOrderResponse> = serde_json::from_str(&read(name)).unwrap();
            assert_eq!(page.next_cursor.as_deref(), Some("LTE="));
            let orders: Vec<OpenOrder> = page
                .data
                .into_iter()
                .map(|o| o.into_order().unwrap())
                .collect();
            let statuses: Vec<_> = orders
                .iter()
                .map(|o| (o.status.clone(), o.status_reason.clone()))
                .collect();
            assert_eq!(
                statuses,
                [
                    (OrderStatus::Live, None),
                    (OrderStatus::Live, None),
                    (OrderStatus::Matched, None),
                    (
                        OrderStatus::Canceled,
                        reason(
                            "order couldn't be fully filled. FOK orders are fully filled or killed."
                        )
                    ),
                    (OrderStatus::Invalid, None),
                ]
            );
            let matched: Vec<Decimal> = orders.iter().map(|o| o.size_matched).collect();
            assert_eq!(matched, [d("25"), d("0"), d("10"), d("0"), d("0")]);
            assert_eq!(orders[1].token_id.as_str(), NO);
            assert_eq!(
                (orders[1].side, orders[1].original_size),
                (Side::Sell, d("12.5"))
            );
            assert_eq!(orders[1].order_type, Some(OrderType::Gtd));
            assert_eq!(orders[3].order_type, Some(OrderType::Fok));
            assert_eq!(orders[4].created_at_s, Some(1_796_601_601));
        }
        "rest/get_data_trades_page.json" => {
            let page: PageResponse<TradeResponse> = serde_json::from_str(&read(name)).unwrap();
            let trades: Vec<Trade> = page
                .data
                .into_iter()
                .map(|t| t.into_trade().unwrap())
                .collect();
            let statuses: Vec<_> = trades
                .iter()
                .map(|t| (t.status.clone(), t.status_reason.clone(), t.fee_rate_bps))
                .collect();
            assert_eq!(
                statuses,
                [
                    (TradeStatus::Matched, None, None),
                    (TradeStatus::Mined, None, None),
                    (TradeStatus::Confirmed, None, Some(d("100"))),
                    (TradeStatus::Retrying, None, None),
                    (TradeStatus::Failed, reason("transaction reverted"), None),
                    (
                        TradeStatus::Unknown("TRADE_STATUS_SETTLING".into()),
                        None,
                        None
                    ),
                ]
            );
            let t = &trades[0];
            assert_eq!((t.market.as_str(), t.token_id.as_str()), (COND, YES));
            assert_eq!((t.side, t.size, t.price), (Side::Buy, d("25"), d("0.457")));
            assert_eq!(
                (t.taker_order_id.as_str(), t.match_time_s),
                ("0x5d", 1_796_601_605)
            );
            assert_eq!(t.maker_order_ids, ["0x9f"]);
            assert!(trades[5].maker_order_ids.is_empty(), "maker_orders: null");
        }
        "rest/post_order_live.json" => {
            let a = ack(name);
            assert_eq!((a.order_id.as_str(), a.status), ("0x3b", OrderStatus::Live));
            assert_eq!((a.making_amount, a.taking_amount), (None, None));
        }
        "rest/post_order_matched.json" => {
            let a = ack(name);
            assert_eq!(a.status, OrderStatus::Matched);
            assert_eq!(
                (a.making_amount, a.taking_amount),
                (Some(d("11.42")), Some(d("25")))
            );
            assert_eq!(a.trade_ids, ["c0ffee00-0000-4000-8000-000000000001"]);
        }
        "rest/post_order_delayed.json" => assert_eq!(ack(name).status, OrderStatus::Delayed),
        "rest/post_order_unmatched_reason.json" => {
            let a = ack(name);
            assert_eq!(
                (a.status, a.status_reason),
                (OrderStatus::Unmatched, reason("insufficient liquidity"))
            );
        }
        "rest/post_orders_batch.json" => {
            let answers: Vec<PostOrderResponse> = serde_json::from_str(&read(name)).unwrap();
            let mut answers = answers.into_iter();
            let first = ack_from(answers.next().unwrap()).unwrap();
            assert_eq!(
                (first.order_id.as_str(), first.status),
                ("0x61", OrderStatus::Live)
            );
            let second = ack_from(answers.next().unwrap()).unwrap_err();
            assert!(
                matches!(second, VenueError::InsufficientBalance(_)),
                "{second:?}"
            );
        }
        "rest/post_order_refused_marketable_precision.json" => {
            assert_eq!(
                error_text(read(name).as_bytes()),
                "invalid amounts, the market buy orders maker amount supports a max accuracy of 2 decimals, taker amount a max of 4 decimals"
            );
        }
        other => panic!("{other}: fixture without a check"),
    }
}

fn messages(text: &str) -> Vec<MarketMessage<'_>> {
    parse_frame(text).unwrap()
}

/// The book of `asset` after `frames`, in order.
fn book_after(asset: &str, frames: &[&str]) -> LocalBook {
    let mut book = LocalBook::default();
    for frame in frames {
        for message in messages(frame) {
            let applied = book.apply(asset, &message).unwrap();
            assert!(!applied.gap_suspected, "{frame}");
        }
    }
    book
}

fn check_ws_market(name: &str) {
    let text = read(name);
    let book = read("ws_market/book.json");
    let dump = read("ws_market/book_initial_dump_array.json");
    match name {
        "ws_market/book.json" => {
            let b = book_after(YES, &[&text]);
            assert_eq!(
                (b.best_bid(), b.best_ask()),
                (Some(d("0.456")), Some(d("0.458")))
            );
            assert_eq!((b.bids().len(), b.asks().len()), (2, 2));
            assert_eq!(
                (b.tick_size, b.last_trade_price),
                (Some(TickSize::Thousandth), Some(d("0.457")))
            );
            assert_eq!(b.timestamp_ms, 1_796_601_600_123);
            assert!(b.has_snapshot && !b.hash.is_empty());
        }
        "ws_market/book_initial_dump_array.json" => {
            assert_eq!(messages(&text).len(), 2);
            let no = book_after(NO, &[&text]);
            assert_eq!(
                (no.best_bid(), no.best_ask()),
                (Some(d("0.541")), Some(d("0.544")))
            );
            assert_eq!(book_after(YES, &[&text]).best_bid(), Some(d("0.456")));
        }
        "ws_market/price_change.json" => {
            // YES: a bid at 0.457 appears, the 0.458 ask goes; its last entry states ""
            // tops, which are "not stated" (§13.6), so no gap is suspected.
            let yes = book_after(YES, &[&book, &text]);
            assert_eq!(
                (yes.best_bid(), yes.best_ask()),
                (Some(d("0.457")), Some(d("0.459")))
            );
            assert_eq!(yes.timestamp_ms, 1_796_601_600_456);
            let no = book_after(NO, &[&dump, &text]);
            assert_eq!(
                (no.best_bid(), no.best_ask()),
                (Some(d("0.541")), Some(d("0.543")))
            );
        }
        "ws_market/tick_size_change.json" => {
            let mut b = LocalBook::default();
            let applied = b.apply(YES, &messages(&text)[0]).unwrap();
            assert!(applied.tick_changed);
            assert_eq!(b.tick_size, Some(TickSize::Thousandth));
        }
        "ws_market/last_trade_price.json" => {
            let m = &messages(&text)[0];
            assert_eq!(
                (m.price, m.side, m.size),
                (Some("0.458"), Some("BUY"), Some("12.5"))
            );
            let mut b = LocalBook::default();
            assert!(b.apply(YES, m).unwrap().last_trade_changed);
            assert_eq!(b.last_trade_price, Some(d("0.458")));
        }
        "ws_market/best_bid_ask.json" => {
            let m = &messages(&text)[0];
            assert_eq!((m.best_bid, m.best_ask), (Some("0.456"), Some("0.458")));
            // Agrees with the snapshot: no gap (book_after asserts it).
            book_after(YES, &[&book, &text]);
        }
        "ws_market/new_market.json" => {
            let m = &messages(&text)[0];
            assert_eq!((m.event_type, m.market), ("new_market", Some(COND)));
            assert_eq!(m.assets_ids.as_deref(), Some(&[YES, NO][..]));
            assert_eq!(m.timestamp, Some("1796601601000"));
            // Nothing a book acts on.
            assert!(!LocalBook::default().apply(YES, m).unwrap().any());
        }
        "ws_market/market_resolved.json" => {
            let m = &messages(&text)[0];
            assert_eq!(m.event_type, "market_resolved");
            assert_eq!(
                (m.winning_asset_id, m.winning_outcome),
                (Some(YES), Some("Yes"))
            );
            assert_eq!(m.assets_ids.as_deref(), Some(&[YES, NO][..]));
        }
        "ws_market/unknown_event.json" => {
            let all = messages(&text);
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].event_type, "market_paused");
            assert!(!LocalBook::default().apply(YES, &all[0]).unwrap().any());
        }
        other => panic!("{other}: fixture without a check"),
    }
}

fn one_order(text: &str) -> OrderEvent {
    match read_user_frame(text).as_slice() {
        [UserFrameItem::Order(order)] => order.clone(),
        other => panic!("{other:?}"),
    }
}

fn one_trade(text: &str) -> Trade {
    match read_user_frame(text).as_slice() {
        [UserFrameItem::Trade(trade)] => trade.clone(),
        other => panic!("{other:?}"),
    }
}

fn check_ws_user(name: &str) {
    let text = read(name);
    let trade_status = |status: TradeStatus, why: Option<String>, fee: Option<Decimal>| {
        let t = one_trade(&text);
        assert_eq!(
            (t.status.clone(), t.status_reason.clone(), t.fee_rate_bps),
            (status, why, fee)
        );
        assert_eq!((t.side, t.size, t.price), (Side::Buy, d("25"), d("0.457")));
        assert_eq!(
            (t.taker_order_id.as_str(), t.maker_order_ids.as_slice()),
            ("0x5d", &["0x3b".to_owned()][..])
        );
        assert_eq!((t.market.as_str(), t.token_id.as_str()), (COND, YES));
        t
    };
    match name {
        "ws_user/order_placement.json" => {
            let o = one_order(&text);
            assert_eq!(
                (o.kind, o.order_id.as_str()),
                (OrderEventKind::Placement, "0x3b")
            );
            // size_matched "" is "nothing matched".
            assert_eq!(
                (o.size_matched, o.original_size, o.price),
                (d("0"), d("100"), d("0.457"))
            );
            assert_eq!(
                (o.status, o.order_type),
                (Some(OrderStatus::Live), Some(OrderType::Gtc))
            );
            assert_eq!(
                (o.market.as_str(), o.asset_id.as_str(), o.side),
                (COND, YES, Side::Buy)
            );
        }
        "ws_user/order_update.json" => {
            let o = one_order(&text);
            assert_eq!((o.kind, o.size_matched), (OrderEventKind::Update, d("25")));
            assert_eq!(o.status, Some(OrderStatus::Live));
        }
        "ws_user/order_cancellation.json" => {
            let o = one_order(&text);
            assert_eq!(o.kind, OrderEventKind::Cancellation);
            assert_eq!(
                (o.status, o.status_reason),
                (Some(OrderStatus::CanceledMarketResolved), None)
            );
        }
        "ws_user/order_cancellation_fok_reason.json" => {
            let o = one_order(&text);
            assert_eq!(
                (o.kind, o.order_type),
                (OrderEventKind::Cancellation, Some(OrderType::Fok))
            );
            assert_eq!(
                (o.status, o.status_reason),
                (
                    Some(OrderStatus::Canceled),
                    reason(
                        "order couldn't be fully filled. FOK orders are fully filled or killed."
                    )
                )
            );
        }
        "ws_user/trade_matched.json" => {
            let t = trade_status(TradeStatus::Matched, None, None);
            assert_eq!(t.match_time_s, 1_796_601_605);
        }
        "ws_user/trade_mined.json" => {
            trade_status(TradeStatus::Mined, None, None);
        }
        "ws_user/trade_confirmed.json" => {
            trade_status(TradeStatus::Confirmed, None, Some(d("100")));
        }
        "ws_user/trade_retrying.json" => {
            trade_status(TradeStatus::Retrying, None, None);
        }
        "ws_user/trade_failed.json" => {
            trade_status(TradeStatus::Failed, reason("transaction reverted"), None);
        }
        "ws_user/trade_matchtime_spelling.json" => {
            let t = trade_status(TradeStatus::Matched, None, None);
            assert_eq!(t.match_time_s, 1_796_601_606);
        }
        "ws_user/unknown_event.json" => assert!(read_user_frame(&text).is_empty()),
        "ws_user/mixed_array.json" => {
            let items = read_user_frame(&text);
            assert!(
                matches!(
                    items.as_slice(),
                    [UserFrameItem::Order(o), UserFrameItem::Trade(t)]
                        if o.status == Some(OrderStatus::Live) && t.status == TradeStatus::Matched
                ),
                "{items:?}"
            );
        }
        other => panic!("{other}: fixture without a check"),
    }
}

#[test]
fn every_recorded_payload_parses_to_its_values() {
    let mut checked = BTreeSet::new();
    for (folder, check) in [
        ("rest", check_rest as fn(&str)),
        ("ws_market", check_ws_market),
        ("ws_user", check_ws_user),
    ] {
        let mut names: Vec<String> = std::fs::read_dir(dir().join(folder))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".json"))
            .collect();
        names.sort();
        for name in names {
            let name = format!("{folder}/{name}");
            check(&name);
            checked.insert(name);
        }
    }
    // 10 REST answers, 9 market frames, 12 user frames.
    assert_eq!(checked.len(), 31, "{checked:?}");
}
