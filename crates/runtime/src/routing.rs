//! Routing a wallet's user-WebSocket events to the live orders that own them.
//!
//! Invariants:
//! - a live order is registered under its exchange id (the EIP-712 digest, known before the
//!   POST) before its POST leaves, so no event about it can arrive unrouted;
//! - a trade event goes to every registered order it names (the taker order, any maker
//!   order); an order event to the order it is about; `Reconciled` (the feed caught up over
//!   REST after a (re)connect) to every registered order, which then checks its own order
//!   once over REST;
//! - the router books nothing: the order's executor books each trade id once (see
//!   [`TradeBook`]); the store's fills table is keyed by trade id as a second guard;
//! - [`FillRouter::is_live`] is true only while the feed is connected and caught up and its
//!   watcher is running; otherwise executors read REST instead of waiting for events.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use polyagent_venue::market_ws::FeedHealth;
use polyagent_venue::types::Trade;
use polyagent_venue::user_ws::OrderEvent;
use rust_decimal::Decimal;
use tokio::sync::{mpsc, watch};

/// What the router hands an order's executor.
#[derive(Debug, Clone)]
pub(crate) enum Routed {
    /// A trade naming the order (each status change of a trade comes again).
    Trade(Trade),
    /// An update (a part traded) or the cancellation of the order.
    Order(OrderEvent),
    /// The feed reconnected and caught up: events may have been missed before it.
    Reconciled,
}

type Routes = HashMap<String, mpsc::UnboundedSender<Routed>>;

/// One wallet's router (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct FillRouter {
    routes: Arc<Mutex<Routes>>,
    health: watch::Receiver<FeedHealth>,
}

impl FillRouter {
    /// A router whose feed health is `health` (the user feed's).
    pub(crate) fn new(health: watch::Receiver<FeedHealth>) -> Self {
        Self {
            routes: Arc::default(),
            health,
        }
    }

    /// A router with no feed behind it: never live, so its orders always read REST.
    #[cfg(test)]
    pub(crate) fn detached() -> Self {
        let (_, health) = watch::channel(FeedHealth::Reconnecting);
        Self::new(health)
    }

    fn routes(&self) -> std::sync::MutexGuard<'_, Routes> {
        self.routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers `order_id`; its events arrive on the returned watch until it is dropped.
    pub(crate) fn register(&self, order_id: &str) -> OrderWatch {
        let (tx, events) = mpsc::unbounded_channel();
        self.routes().insert(order_id.to_owned(), tx);
        OrderWatch {
            order_id: order_id.to_owned(),
            events,
            router: self.clone(),
        }
    }

    /// Whether the feed is connected, caught up and watched right now.
    pub(crate) fn is_live(&self) -> bool {
        // A dropped sender (the watcher stopped) makes `has_changed` an error.
        self.health.has_changed().is_ok() && *self.health.borrow() == FeedHealth::Live
    }

    /// Routes one trade to the orders it names; how many orders took it.
    pub(crate) fn trade(&self, trade: &Trade) -> usize {
        let routes = self.routes();
        let mut sent = 0;
        let mut named: Vec<&str> = vec![trade.taker_order_id.as_str()];
        named.extend(trade.maker_order_ids.iter().map(String::as_str));
        let mut seen = HashSet::new();
        for id in named {
            if seen.insert(id)
                && let Some(route) = routes.get(id)
                && route.send(Routed::Trade(trade.clone())).is_ok()
            {
                sent += 1;
            }
        }
        sent
    }

    pub(crate) fn order(&self, event: &OrderEvent) {
        if let Some(route) = self.routes().get(&event.order_id) {
            let _ = route.send(Routed::Order(event.clone()));
        }
    }

    /// Tells every registered order that the feed reconnected and caught up.
    pub(crate) fn reconciled(&self) {
        for route in self.routes().values() {
            let _ = route.send(Routed::Reconciled);
        }
    }

    #[cfg(test)]
    pub(crate) fn registered(&self) -> usize {
        self.routes().len()
    }
}

/// One order's events; dropping it unregisters the order.
#[derive(Debug)]
pub(crate) struct OrderWatch {
    pub order_id: String,
    pub events: mpsc::UnboundedReceiver<Routed>,
    router: FillRouter,
}

impl OrderWatch {
    pub(crate) fn router(&self) -> &FillRouter {
        &self.router
    }
}

impl Drop for OrderWatch {
    fn drop(&mut self) {
        self.router.routes().remove(&self.order_id);
    }
}

/// The trades of one order booked so far: each trade id once, whichever path (socket, a
/// replay after a reconnect, REST) brought it.
#[derive(Debug, Default, Clone)]
pub(crate) struct TradeBook {
    ids: HashSet<String>,
    /// The order's shares traded in the booked trades.
    pub shares: Decimal,
}

impl TradeBook {
    pub(crate) fn with_booked(ids: HashSet<String>) -> Self {
        Self {
            ids,
            shares: Decimal::ZERO,
        }
    }

    pub(crate) fn contains(&self, trade_id: &str) -> bool {
        self.ids.contains(trade_id)
    }

    /// Of `trades`, those of `order_id` not booked yet (each once), now marked booked.
    pub(crate) fn take_new(&mut self, order_id: &str, trades: Vec<Trade>) -> Vec<Trade> {
        let mut new = Vec::new();
        for trade in trades {
            let mine = trade.taker_order_id == order_id
                || trade.maker_order_ids.iter().any(|m| m == order_id);
            if mine && self.ids.insert(trade.id.clone()) {
                self.shares += trade.size;
                new.push(trade);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyagent_domain::trading::{Side, TokenId};
    use polyagent_venue::types::TradeStatus;

    fn trade(id: &str, taker: &str, makers: &[&str], status: TradeStatus) -> Trade {
        Trade {
            id: id.into(),
            status,
            market: "0xc".into(),
            token_id: TokenId::new("1001").unwrap(),
            side: Side::Buy,
            price: Decimal::new(48, 2),
            size: Decimal::TEN,
            taker_order_id: taker.into(),
            maker_order_ids: makers.iter().map(|m| (*m).to_owned()).collect(),
            match_time_s: 1,
            status_reason: None,
            fee_rate_bps: None,
        }
    }

    #[tokio::test]
    async fn trades_go_to_the_orders_they_name_and_a_dropped_watch_unregisters() {
        let router = FillRouter::detached();
        let mut taker = router.register("0xa");
        let mut maker = router.register("0xb");
        let other = router.register("0xc");
        assert_eq!(
            router.trade(&trade("t1", "0xa", &["0xb", "0xz"], TradeStatus::Matched)),
            2
        );
        assert!(matches!(taker.events.try_recv(), Ok(Routed::Trade(t)) if t.id == "t1"));
        assert!(matches!(maker.events.try_recv(), Ok(Routed::Trade(t)) if t.id == "t1"));
        router.reconciled();
        assert!(matches!(taker.events.try_recv(), Ok(Routed::Reconciled)));
        drop(other);
        drop(taker);
        assert_eq!(router.registered(), 1);
        assert!(!router.is_live(), "a detached router is never live");
    }

    #[test]
    fn a_replayed_trade_is_booked_once() {
        let mut book = TradeBook::default();
        let first = book.take_new("0xa", vec![trade("t1", "0xa", &[], TradeStatus::Matched)]);
        assert_eq!(first.len(), 1);
        // The same trade again: a later status over the socket, then the REST catch-up after
        // a reconnect, and a trade of another order.
        let again = book.take_new(
            "0xa",
            vec![
                trade("t1", "0xa", &[], TradeStatus::Mined),
                trade("t1", "0xa", &[], TradeStatus::Matched),
                trade("t2", "0xq", &["0xr"], TradeStatus::Matched),
            ],
        );
        assert!(again.is_empty());
        assert_eq!(book.shares, Decimal::TEN);
        let maker = book.take_new(
            "0xa",
            vec![trade("t3", "0xq", &["0xa"], TradeStatus::Matched)],
        );
        assert_eq!(maker.len(), 1);
        assert_eq!(book.shares, Decimal::from(20));
    }
}
