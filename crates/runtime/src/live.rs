//! Live execution: the engine's orders as real, signed Polymarket orders.
//!
//! Invariants:
//! - every order is fill-and-kill (FAK), priced by walking the live book as the official
//!   clients do, and refused before signing when that price is worse than the engine's limit
//!   (the slippage cap); it never rests, so it never needs cancelling;
//! - an order is posted once. When the POST's outcome is unknown (timeout, 5xx) the order is
//!   looked up by its id (the EIP-712 digest, known before sending): found means it traded as
//!   the exchange says, absent means it did not; it is never posted again for the same intent;
//! - fills are read back from the exchange's trades of that order, so shares, prices and fees
//!   are what the exchange recorded, not what was hoped for;
//! - posting happens on its own task: the bot's loop keeps serving commands and market data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{OrderType, Side as VenueSide, TickSize, TokenId};
use polyagent_engine::Timestamp;
use polyagent_engine::config::BotConfig;
use polyagent_engine::event::{Event, Fill, Leg, OrderRequest, Side};
use polyagent_engine::paper::FeeCurve;
use polyagent_venue::amounts::{BookLevel, MarketAmount};
use polyagent_venue::book::LocalBook;
use polyagent_venue::client::AuthedClient;
use polyagent_venue::eip712::Exchange;
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::types::Submission;
use polyagent_venue::venue_error::VenueError;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

/// What a live bot trades through and the market facts its orders need.
#[derive(Debug, Clone)]
pub struct LiveMarket {
    pub client: Arc<AuthedClient>,
    pub tick: TickSize,
    /// The exchange contract the market's orders are signed for (V2, neg-risk V2 or V3).
    pub exchange: Exchange,
    /// The market's fee curve, to account the taker fee of each trade.
    pub fees: FeeCurve,
}

#[derive(Debug)]
pub(crate) struct LiveExecutor {
    market: LiveMarket,
    results: mpsc::UnboundedSender<Event>,
    salts: Arc<AtomicU64>,
}

impl LiveExecutor {
    pub(crate) fn new(market: LiveMarket, results: mpsc::UnboundedSender<Event>) -> Self {
        Self {
            market,
            results,
            salts: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Sends `order` on its own task; the fill or the rejection comes back on `results`.
    pub(crate) fn place(
        &self,
        order: &OrderRequest,
        config: &BotConfig,
        book: Option<&LocalBook>,
        now: Timestamp,
    ) {
        let token = match order.leg {
            Leg::Primary => Some(config.token_id.clone()),
            Leg::Complement => config.complement_token_id.clone(),
        };
        let spec = match (token, book) {
            (Some(token), Some(book)) => self.spec(order, &token, book, now),
            (None, _) => Err("the bot has no token for the other outcome".to_owned()),
            (_, None) => Err("no live order book to price the order from".to_owned()),
        };
        let results = self.results.clone();
        let (id, side, leg) = (order.id, order.side, order.leg);
        let market = self.market.clone();
        let spec = match spec {
            Ok(spec) => spec,
            Err(reason) => {
                let _ = results.send(Event::Rejected { order: id, reason });
                return;
            }
        };
        tokio::spawn(async move {
            let event = execute(&market, &spec, id, side, leg).await;
            let _ = results.send(event);
        });
    }

    fn spec(
        &self,
        order: &OrderRequest,
        token: &str,
        book: &LocalBook,
        now: Timestamp,
    ) -> Result<OrderSpec, String> {
        let levels = |levels: &[polyagent_venue::types::Level]| -> Vec<BookLevel> {
            // REST and the official clients order levels best-last.
            levels
                .iter()
                .rev()
                .filter_map(|l| {
                    Some(BookLevel {
                        price: Price::new(l.price).ok()?,
                        size: Shares::new(l.size).ok()?,
                    })
                })
                .collect()
        };
        let (side, amount) = match order.side {
            Side::Buy => (
                VenueSide::Buy,
                MarketAmount::Collateral(Collateral::new(order.size).map_err(|e| e.to_string())?),
            ),
            Side::Sell => (
                VenueSide::Sell,
                MarketAmount::Shares(Shares::new(order.size).map_err(|e| e.to_string())?),
            ),
        };
        // Salt: unique per order and below 2^53 (it travels as a JSON number).
        let salt = (u64::try_from(now.millis()).unwrap_or(0) % 1_000_000_000_000) * 1000
            + self.salts.fetch_add(1, Ordering::Relaxed) % 1000;
        let spec = OrderSpec {
            chain: self.market.client.config().chain,
            exchange: self.market.exchange,
            tick_size: book.tick_size.unwrap_or(self.market.tick),
            token_id: TokenId::new(token).map_err(|e| e.to_string())?,
            side,
            size: OrderSize::Market {
                amount,
                bids: levels(book.bids()),
                asks: levels(book.asks()),
            },
            signature_type: self.market.client.signature_type(),
            funder: None,
            salt,
            timestamp_ms: u64::try_from(now.millis()).unwrap_or(0),
            expiration: 0,
            metadata: Default::default(),
            builder: Default::default(),
            order_type: OrderType::Fak,
            post_only: false,
            defer_exec: false,
        };
        let amounts = spec
            .amounts()
            .map_err(|e| format!("cannot price the order from the book: {e}"))?;
        let beyond_limit = match order.side {
            Side::Buy => amounts.price > order.limit,
            Side::Sell => amounts.price < order.limit,
        };
        if beyond_limit {
            return Err(format!(
                "the book would fill at {} against a limit of {}: refused to protect against slippage",
                amounts.price, order.limit
            ));
        }
        Ok(spec)
    }
}

/// Posts once; reconciles an unknown outcome; reads the fills back from the exchange.
async fn execute(
    market: &LiveMarket,
    spec: &OrderSpec,
    id: polyagent_engine::event::OrderId,
    side: Side,
    leg: Leg,
) -> Event {
    let rejected = |reason: String| Event::Rejected { order: id, reason };
    let order_id = match market.client.post_order(spec).await {
        Ok(ack) => ack.order_id,
        Err(VenueError::SubmitOutcomeUnknown { order_id, .. }) => {
            // The POST may have reached the exchange: ask it, never post again.
            match market.client.reconcile_submission(&order_id).await {
                Ok(Submission::Found(_)) => order_id,
                Ok(Submission::Absent) => {
                    return rejected("the exchange never received the order".to_owned());
                }
                Err(error) => {
                    return rejected(format!(
                        "the order's outcome is unknown and could not be checked: {error}"
                    ));
                }
            }
        }
        Err(error) => return rejected(error.to_string()),
    };
    let token = spec.token_id.clone();
    let trades = match market.client.trades(None, Some(&token), None).await {
        Ok(trades) => trades,
        Err(error) => {
            return rejected(format!(
                "the order {order_id} was sent but its trades could not be read: {error}"
            ));
        }
    };
    let mine: Vec<_> = trades
        .iter()
        .filter(|t| t.taker_order_id == order_id)
        .collect();
    if mine.is_empty() {
        return rejected(format!("nothing matched order {order_id}"));
    }
    let shares: Decimal = mine.iter().map(|t| t.size).sum();
    let notional: Decimal = mine.iter().map(|t| t.size * t.price).sum();
    let fee: Decimal = mine.iter().map(|t| market.fees.fee(t.size, t.price)).sum();
    Event::Fill(Fill {
        order: id,
        leg,
        side,
        shares,
        notional,
        fee,
        last: true,
    })
}
