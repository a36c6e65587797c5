//! What became of a posted order: its fills, taken from the user WebSocket first, from REST
//! only when the socket cannot tell.
//!
//! Invariants:
//! - a marketable (FAK/FOK) order's fills are the trades its POST's answer lists, as they
//!   arrive routed from the user WebSocket (see [`crate::routing`]); an answer with no
//!   trades and status UNMATCHED/CANCELED means nothing filled, with no read at all;
//! - an order the exchange holds for the market's taker delay (DELAYED) is looked at every
//!   [`DELAYED_LOOK`] until it is not, then its trades are read;
//! - REST is read only when the socket is not live, after it reconnected, when the trades
//!   do not arrive in time, or when the POST's outcome is unknown; and then only the trades
//!   matched after the time just before the POST (less [`TRADES_LOOKBACK_S`], on the
//!   exchange's clock), never the whole history;
//! - each trade id is booked once, whichever path brought it ([`TradeBook`]);
//! - every read goes through the bounded policy ([`crate::retry`]). When the outcome still
//!   cannot be learned, the intent stays in the journal (`unknown` when the POST's answer was
//!   lost), the bot is told once in its activity, and the order is asked about again after
//!   the next reconnect of the user feed or [`SLOW_RECHECK`] later, whichever is first, while
//!   the bot runs (the next start reconciles it otherwise). Nothing is ever posted again for
//!   the intent, and the bot, whose order is still in flight, places nothing meanwhile.

use std::collections::HashSet;
use std::time::Duration;

use polyagent_domain::trading::TokenId;
use polyagent_engine::event::{Event, Fill, OrderRequest};
use polyagent_store::{IntentSettlement, NewFill};
use polyagent_venue::client::AuthedClient;
use polyagent_venue::types::{OrderAck, OrderStatus, Submission, Trade, TradeStatus};
use polyagent_venue::venue_error::VenueError;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use crate::live::{ExecutionReport, LiveMarket};
use crate::persist;
use crate::retry::EXCHANGE_CALLS;
use crate::routing::{OrderWatch, Routed, TradeBook};

/// How far before the POST a REST read of trades starts: covers trades matched in the same
/// second and a difference between the exchange's clock and ours (measured at connect, and
/// a test exchange's clock that only moves when told). Still minutes of one token's trades,
/// not the wallet's whole history.
pub(crate) const TRADES_LOOKBACK_S: u64 = 300;
/// How long a marketable order's trades may take to arrive over the socket after its POST
/// was answered before they are read over REST.
const ACK_FILLS_WAIT: Duration = Duration::from_secs(2);
/// How long an order whose outcome could not be learned waits before asking again, when the
/// user feed does not reconnect sooner.
pub(crate) const SLOW_RECHECK: Duration = Duration::from_secs(30);

/// Where REST reads of an order's trades start: the exchange's now less the lookback.
pub(crate) fn trades_after_now(client: &AuthedClient) -> u64 {
    client.server_now_s().saturating_sub(TRADES_LOOKBACK_S)
}

/// One posted order, as its outcome is learned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Posted<'a> {
    pub market: &'a LiveMarket,
    pub bot_id: &'a str,
    pub intent_id: &'a str,
    pub exchange_id: &'a str,
    pub token: &'a TokenId,
    pub order: &'a OrderRequest,
    /// REST reads ask for the trades matched after this (exchange unix seconds).
    pub after_s: u64,
}

impl Posted<'_> {
    pub(crate) fn acknowledged(&self) -> IntentSettlement {
        IntentSettlement::Acknowledged {
            intent_id: self.intent_id.to_owned(),
            exchange_order_id: self.exchange_id.to_owned(),
        }
    }

    fn absent(&self) -> ExecutionReport {
        let reason = "the exchange never received the order".to_owned();
        ExecutionReport::rejected(
            self.order.id,
            reason.clone(),
            Some(IntentSettlement::Failed {
                intent_id: self.intent_id.to_owned(),
                reason,
            }),
        )
    }

    /// The order's trades matched after `after_s` not booked yet (now booked in `book`).
    pub(crate) async fn new_trades(&self, book: &mut TradeBook) -> Result<Vec<Trade>, VenueError> {
        let client = &self.market.client;
        let trades = EXCHANGE_CALLS
            .call(|| client.trades(None, Some(self.token), Some(self.after_s)))
            .await?;
        Ok(book.take_new(self.exchange_id, trades))
    }

    /// The report of an order that is over: its last trades (`last`), or that nothing more
    /// traded.
    pub(crate) fn over(&self, last: &[Trade]) -> ExecutionReport {
        if last.is_empty() {
            return ExecutionReport::rejected(
                self.order.id,
                format!("nothing (more) matched order {}", self.exchange_id),
                Some(self.acknowledged()),
            );
        }
        report_trades(self, last, true, Some(self.acknowledged()))
    }
}

/// A marketable order whose POST was answered: its fills from the routed trade events, or
/// REST when they do not come (see the module docs).
pub(crate) async fn after_ack(
    posted: &Posted<'_>,
    ack: &OrderAck,
    watch: &mut OrderWatch,
    results: &mpsc::UnboundedSender<ExecutionReport>,
) -> ExecutionReport {
    let expected: HashSet<&str> = ack.trade_ids.iter().map(String::as_str).collect();
    if expected.is_empty() && matches!(ack.status, OrderStatus::Unmatched | OrderStatus::Canceled) {
        return posted.over(&[]);
    }
    let mut book = TradeBook::default();
    let mut got = Vec::new();
    if !expected.is_empty() && watch.router().is_live() {
        let deadline = tokio::time::Instant::now() + ACK_FILLS_WAIT;
        loop {
            if expected.iter().all(|id| book.contains(id)) {
                return posted.over(&got);
            }
            match tokio::time::timeout_at(deadline, watch.events.recv()).await {
                Ok(Some(Routed::Trade(trade))) => {
                    got.extend(book.take_new(posted.exchange_id, vec![trade]));
                }
                Ok(Some(Routed::Order(_))) => {}
                // A reconnect may have lost events; no trades in time: ask REST.
                Ok(Some(Routed::Reconciled) | None) | Err(_) => break,
            }
        }
    }
    // A delayed order (the market's taker delay) is matched later: wait until it is not.
    let known = if ack.status == OrderStatus::Delayed {
        Known::NotFinal
    } else {
        Known::Final
    };
    let expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
    let mut reading = Reading {
        book,
        got,
        known,
        expected: &expected,
    };
    settle_by_rest(posted, &mut reading, watch, results).await
}

/// What is known of a posted order while its outcome is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Its POST's answer was lost: the exchange may not have it.
    Unknown,
    /// The exchange has it, maybe still held (DELAYED) before matching.
    NotFinal,
    /// The exchange has it and it is done matching.
    Final,
}

/// How long a delayed order is waited for between two looks at its status, and how many
/// looks before the user is told it takes long.
const DELAYED_LOOK: Duration = Duration::from_secs(1);
const DELAYED_LOOKS: u32 = 60;

/// A POST whose answer was lost: the order is looked up over REST (see the module docs).
pub(crate) async fn after_unknown(
    posted: &Posted<'_>,
    watch: &mut OrderWatch,
    results: &mpsc::UnboundedSender<ExecutionReport>,
) -> ExecutionReport {
    let mut reading = Reading {
        book: TradeBook::default(),
        got: Vec::new(),
        known: Known::Unknown,
        expected: &[],
    };
    settle_by_rest(posted, &mut reading, watch, results).await
}

/// What a REST reading of an order's outcome has so far.
struct Reading<'a> {
    book: TradeBook,
    /// Trades booked and not reported yet.
    got: Vec<Trade>,
    known: Known,
    /// Trade ids the POST's answer listed: the outcome is not read whole before they show.
    expected: &'a [String],
}

/// Reads the order's outcome over REST in bounded rounds; between rounds the bot is told
/// (once) and the order waits for a reconnect or [`SLOW_RECHECK`].
async fn settle_by_rest(
    posted: &Posted<'_>,
    reading: &mut Reading<'_>,
    watch: &mut OrderWatch,
    results: &mpsc::UnboundedSender<ExecutionReport>,
) -> ExecutionReport {
    let Reading {
        book,
        got,
        known,
        expected,
    } = reading;
    let mut told = false;
    let mut looks = 0;
    loop {
        let round = async {
            if *known != Known::Final {
                match lookup(posted).await? {
                    None if *known == Known::Unknown => return Ok(Round::Absent),
                    Some(OrderStatus::Delayed) => return Ok(Round::Held),
                    _ => *known = Known::Final,
                }
            }
            posted.new_trades(book).await.map(Round::Over)
        };
        let error = match round.await {
            Ok(Round::Absent) => return posted.absent(),
            Ok(Round::Over(trades)) => {
                got.extend(trades);
                let missing = expected.iter().any(|id| !book.contains(id));
                if !missing || looks >= DELAYED_LOOKS {
                    return posted.over(got);
                }
                // The answer listed trades REST does not show yet: look again shortly.
                looks += 1;
                tokio::time::sleep(DELAYED_LOOK).await;
                continue;
            }
            Ok(Round::Held) if looks < DELAYED_LOOKS => {
                looks += 1;
                // Its trades may come over the socket meanwhile; REST reads them all anyway.
                let deadline = tokio::time::Instant::now() + DELAYED_LOOK;
                while let Ok(Some(routed)) =
                    tokio::time::timeout_at(deadline, watch.events.recv()).await
                {
                    if let Routed::Trade(trade) = routed {
                        got.extend(book.take_new(posted.exchange_id, vec![trade]));
                    }
                }
                continue;
            }
            Ok(Round::Held) => VenueError::Protocol("the order is still held (DELAYED)".into()),
            Err(error) => error,
        };
        tracing::warn!(bot = %posted.bot_id, intent = %posted.intent_id, %error, "order outcome not known yet");
        if !told {
            told = true;
            let _ = results.send(ExecutionReport::note(&format!(
                "the outcome of order {} could not be checked with the exchange ({error}); \
                 it is checked again when the exchange answers. No other order is sent meanwhile",
                short(posted.exchange_id)
            )));
        }
        if results.is_closed() {
            // The bot stopped: the next start reconciles the intent.
            return ExecutionReport::note("the bot stopped before the order's outcome was known");
        }
        wait_for_recheck(watch).await;
    }
}

/// Waits for the user feed's next reconnect or [`SLOW_RECHECK`], whichever is first.
pub(crate) async fn wait_for_recheck(watch: &mut OrderWatch) {
    let deadline = tokio::time::Instant::now() + SLOW_RECHECK;
    loop {
        match tokio::time::timeout_at(deadline, watch.events.recv()).await {
            Ok(Some(Routed::Reconciled)) | Err(_) => return,
            Ok(Some(_)) => {}
            Ok(None) => {
                tokio::time::sleep_until(deadline).await;
                return;
            }
        }
    }
}

/// One round of reading an order's outcome over REST.
enum Round {
    Absent,
    /// Still held before matching (DELAYED).
    Held,
    /// Done: its trades not booked yet.
    Over(Vec<Trade>),
}

/// The order's status at the exchange (`None`: it does not have it). An order still live
/// (a resting order left on the book by a crash, with no one watching it) is cancelled.
async fn lookup(posted: &Posted<'_>) -> Result<Option<OrderStatus>, VenueError> {
    let client = &posted.market.client;
    match EXCHANGE_CALLS
        .call(|| client.reconcile_submission(posted.exchange_id))
        .await?
    {
        Submission::Absent => Ok(None),
        Submission::Found(found) => {
            if found.status == OrderStatus::Live {
                EXCHANGE_CALLS
                    .call(|| client.cancel_order(posted.exchange_id))
                    .await?;
                return Ok(Some(OrderStatus::Canceled));
            }
            Ok(Some(found.status))
        }
    }
}

/// The order's outcome as the exchange records it, for the reconciliation at start: absent
/// (never accepted), or accepted with its trades matched after `after_s` (none for a FAK that
/// found nothing to match), as taker or maker, less those in `booked` (a resting order's
/// parts booked before a restart). A resting order still live is cancelled first. One
/// bounded attempt: an error leaves the intent for the next try.
pub(crate) async fn settle(
    posted: &Posted<'_>,
    booked: &HashSet<String>,
) -> Result<ExecutionReport, VenueError> {
    if lookup(posted).await?.is_none() {
        return Ok(posted.absent());
    }
    // A DELAYED order left by a crash was released long before the next start.
    let mut book = TradeBook::with_booked(booked.clone());
    let trades = posted.new_trades(&mut book).await?;
    Ok(posted.over(&trades))
}

/// The engine fill and the trade rows of `trades` of one order: taker trades pay the taker
/// fee; maker trades (a resting order's) pay none, at the order's own price.
pub(crate) fn report_trades(
    posted: &Posted<'_>,
    trades: &[Trade],
    last: bool,
    settlement: Option<IntentSettlement>,
) -> ExecutionReport {
    let exchange_id = posted.exchange_id;
    let order = posted.order;
    let fee_of = |t: &Trade| {
        if t.taker_order_id == exchange_id {
            posted.market.fees.fee(t.size, t.price)
        } else {
            Decimal::ZERO
        }
    };
    let fills: Vec<NewFill> = trades
        .iter()
        .map(|t| NewFill {
            trade_id: t.id.clone(),
            exchange_order_id: exchange_id.to_owned(),
            bot_id: Some(posted.bot_id.to_owned()),
            token_id: posted.token.as_str().to_owned(),
            side: persist::store_side(order.side),
            price: t.price,
            size: t.size,
            fee: fee_of(t),
            status: fill_status(&t.status),
            ts: polyagent_store::Timestamp::from_secs(
                i64::try_from(t.match_time_s).unwrap_or(i64::MAX / 1000),
            ),
        })
        .collect();
    ExecutionReport {
        event: Some(Event::Fill(Fill {
            order: order.id,
            leg: order.leg,
            side: order.side,
            shares: trades.iter().map(|t| t.size).sum(),
            notional: trades.iter().map(|t| t.size * t.price).sum(),
            fee: fills.iter().map(|f| f.fee).sum(),
            last,
        })),
        fills,
        settlement,
        note: None,
        stop: None,
    }
}

fn fill_status(status: &TradeStatus) -> polyagent_store::FillStatus {
    match status {
        TradeStatus::Mined => polyagent_store::FillStatus::Mined,
        TradeStatus::Confirmed => polyagent_store::FillStatus::Confirmed,
        TradeStatus::Failed => polyagent_store::FillStatus::Failed,
        TradeStatus::Matched | TradeStatus::Retrying | TradeStatus::Unknown(_) => {
            polyagent_store::FillStatus::Matched
        }
    }
}

/// An order id as the user reads it: its first bytes.
pub(crate) fn short(exchange_id: &str) -> &str {
    &exchange_id[..exchange_id.len().min(12)]
}
