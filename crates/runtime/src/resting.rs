//! Resting orders on the exchange: a GTC limit, watched through the user WebSocket until the
//! exchange says it is over.
//!
//! Invariants:
//! - the order is journaled, then registered with its wallet's router (see
//!   [`crate::routing`]), then posted once; its task books each trade routed to it as a
//!   part as it happens (each trade id once), and ends when the order is over: filled
//!   (its booked shares reach its size, or an update says so), or cancelled (a cancellation
//!   event, or REST says it no longer rests);
//! - no polling: while the socket is live the task makes no REST read. It reads the order and
//!   its trades (matched after the POST, less a lookback) once after each reconnect of the
//!   feed, when the POST's outcome is unknown, when the order ended but its trades did not
//!   all arrive within [`OVER_WAIT`], and every [`SLOW_RECHECK`] while the socket is down;
//! - a cancel request goes to the exchange (bounded retries; asked again later when it does
//!   not get through) and the task still ends only when the exchange says the order is over.
//!   Until then the intent stays `sent`, so a crash leaves it for the next start to look up.

use polyagent_engine::event::OrderRequest;
use polyagent_store::{IntentSettlement, NewOrderIntent};
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::types::OrderStatus;
use polyagent_venue::user_ws::OrderEventKind;
use polyagent_venue::venue_error::VenueError;
use rust_decimal::Decimal;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::live::{ExecutionReport, Journal, LiveMarket};
use crate::outcome::{Posted, SLOW_RECHECK, report_trades, short, trades_after_now};
use crate::persist;
use crate::retry::EXCHANGE_CALLS;
use crate::routing::{Routed, TradeBook};

/// How long an order the exchange ended may wait for its last trades over the socket
/// before they are read over REST.
const OVER_WAIT: Duration = Duration::from_secs(2);
/// How many REST checks an ended order whose trades fall short of what it matched waits for
/// them (the trades may be recorded a moment after the order) before it settles with what the
/// exchange shows.
const LAGGING_CHECKS: u32 = 5;

/// Journals and posts a resting order once, then follows it until the exchange says it is
/// over, sending each newly traded part to the bot as it happens (`results`); returns the
/// last report (the last part, or the end of the order), which settles the intent.
pub(crate) async fn execute_resting(
    market: &LiveMarket,
    journal: &Journal,
    spec: &OrderSpec,
    order: &OrderRequest,
    cancel: &tokio::sync::Notify,
    results: &mpsc::UnboundedSender<ExecutionReport>,
) -> ExecutionReport {
    let prepared = match market.client.prepare_order(spec) {
        Ok(prepared) => prepared,
        Err(error) => return ExecutionReport::rejected(order.id, error.to_string(), None),
    };
    let exchange_id = prepared.order_id().to_owned();
    let intent_id = persist::intent_id(&journal.bot_id, order.id);
    let (price, size) = match &spec.size {
        OrderSize::Limit { price, size } => (price.get(), size.get()),
        OrderSize::Market { .. } => (order.limit, order.size),
    };
    let intent = NewOrderIntent {
        intent_id: intent_id.clone(),
        bot_id: Some(journal.bot_id.clone()),
        client_order_id: exchange_id.clone(),
        side: persist::store_side(order.side),
        token_id: spec.token_id.as_str().to_owned(),
        price,
        size,
        order_type: spec.order_type.as_str().to_owned(),
    };
    let entries = journal.db.order_journal();
    if let Err(error) = entries.record_sending(&intent, journal.now()).await {
        let reason = format!("not sent: the order journal could not be written: {error}");
        let failed = IntentSettlement::Failed {
            intent_id,
            reason: reason.clone(),
        };
        return ExecutionReport::rejected(order.id, reason, Some(failed));
    }
    // Registered before the POST: no event about the order can come unrouted.
    let mut watch = market.fills.register(&exchange_id);
    let posted = Posted {
        market,
        bot_id: &journal.bot_id,
        intent_id: &intent_id,
        exchange_id: &exchange_id,
        token: &spec.token_id,
        order,
        after_s: trades_after_now(&market.client),
    };
    let mut known = true;
    // When to read the order over REST (see the module docs).
    let mut check_at = None;
    match crate::pauses::submit(market, &prepared, cancel, results).await {
        Ok(Some(ack)) => {
            if !matches!(ack.status, OrderStatus::Live | OrderStatus::Delayed) {
                // Matched (or killed) on arrival: its trades come over the socket, else REST.
                check_at = Some(Instant::now() + OVER_WAIT);
            }
        }
        Ok(None) => {
            let reason = "not sent: cancelled while the exchange was paused".to_owned();
            let failed = IntentSettlement::Failed {
                intent_id,
                reason: reason.clone(),
            };
            return ExecutionReport::rejected(order.id, reason, Some(failed));
        }
        // A POST again after a pause found the order there already: it landed.
        Err(VenueError::SubmitOutcomeUnknown { .. } | VenueError::DuplicateOrder(_)) => {
            // Looked up below; it is never posted again.
            let _ = entries.mark_unknown(&intent_id, journal.now()).await;
            known = false;
            check_at = Some(Instant::now());
        }
        Err(error) => {
            // A refusal that stops the bot is told in the venue's words for a person.
            let stop = crate::pauses::stops_the_bot(&error);
            let reason = stop.clone().unwrap_or_else(|| error.to_string());
            let failed = IntentSettlement::Failed {
                intent_id,
                reason: reason.clone(),
            };
            let mut report = ExecutionReport::rejected(order.id, reason, Some(failed));
            report.stop = stop;
            return report;
        }
    }
    if !watch.router().is_live() {
        check_at = Some(Instant::now());
    }
    let mut book = TradeBook::default();
    // The shares booked once the order is over, when an event said it is over.
    let mut over_at: Option<Decimal> = None;
    // When to (re)send the cancel, once asked for; `None` when not asked or sent.
    let mut cancel_at: Option<Instant> = None;
    let mut cancel_sent = false;
    let mut told = false;
    let mut routed_open = true;
    // Checks that found the order over with fewer shares in its trades than it matched.
    let mut lagging = 0;
    loop {
        if check_at.is_some_and(|at| at <= Instant::now()) {
            check_at = None;
            match check(&posted, &mut book, known).await {
                Ok(None) => {
                    let reason = "the exchange never received the order".to_owned();
                    let failed = IntentSettlement::Failed {
                        intent_id: intent_id.clone(),
                        reason: reason.clone(),
                    };
                    return ExecutionReport::rejected(order.id, reason, Some(failed));
                }
                Ok(Some((live, matched, new))) => {
                    known = true;
                    let behind = book.shares < matched && lagging < LAGGING_CHECKS;
                    if (!live && !behind) || book.shares >= size {
                        return posted.over(&new);
                    }
                    if !new.is_empty() {
                        let _ = results.send(report_trades(&posted, &new, false, None));
                    }
                    if !live {
                        // Over, but its last trades are not readable yet: ask again shortly.
                        lagging += 1;
                        check_at = Some(Instant::now() + OVER_WAIT);
                    }
                }
                Err(error) => {
                    tracing::warn!(bot = %journal.bot_id, %error, "resting order not readable yet");
                    if !std::mem::replace(&mut told, true) {
                        let _ = results.send(ExecutionReport::note(&format!(
                            "resting order {} could not be checked with the exchange ({error}); \
                             it is checked again when the exchange answers",
                            short(&exchange_id)
                        )));
                    }
                    check_at = Some(Instant::now() + SLOW_RECHECK);
                }
            }
            continue;
        }
        if cancel_at.is_some_and(|at| at <= Instant::now()) {
            cancel_at = None;
            let client = &market.client;
            match EXCHANGE_CALLS
                .call(|| client.cancel_order(&exchange_id))
                .await
            {
                Ok(outcome) => {
                    cancel_sent = true;
                    // The cancellation event ends the task; REST when it cannot come.
                    let wait =
                        if watch.router().is_live() && outcome.canceled.contains(&exchange_id) {
                            OVER_WAIT
                        } else {
                            Duration::ZERO
                        };
                    check_at = Some(
                        check_at.map_or(Instant::now() + wait, |at| at.min(Instant::now() + wait)),
                    );
                }
                Err(error) => {
                    tracing::warn!(bot = %journal.bot_id, %error, "cancel not through yet; asking again");
                    let _ = results.send(ExecutionReport::note(&format!(
                        "resting order {} could not be cancelled yet ({error}); asking again",
                        short(&exchange_id)
                    )));
                    cancel_at = Some(Instant::now() + SLOW_RECHECK);
                }
            }
            continue;
        }
        if check_at.is_none() && !watch.router().is_live() {
            // The socket is down: its reconnect triggers a check; this one is the fallback.
            check_at = Some(Instant::now() + SLOW_RECHECK);
        }
        let wake = [check_at, cancel_at].into_iter().flatten().min();
        tokio::select! {
            () = cancel.notified(), if !cancel_sent && cancel_at.is_none() => {
                cancel_at = Some(Instant::now());
            }
            routed = watch.events.recv(), if routed_open => match routed {
                Some(Routed::Trade(trade)) => {
                    let new = book.take_new(&exchange_id, vec![trade]);
                    if new.is_empty() {
                        continue;
                    }
                    known = true;
                    if book.shares >= size || over_at.is_some_and(|at| book.shares >= at) {
                        return posted.over(&new);
                    }
                    let _ = results.send(report_trades(&posted, &new, false, None));
                }
                Some(Routed::Order(event)) => {
                    known = true;
                    // Over: cancelled, filled, or a status that no longer rests (INVALID,
                    // CANCELED_MARKET_RESOLVED) on newer frames.
                    let ended = match event.kind {
                        OrderEventKind::Cancellation => true,
                        OrderEventKind::Update => event.size_matched >= event.original_size,
                        OrderEventKind::Placement => false,
                    } || event.status.as_ref().is_some_and(|status| !still_rests(status));
                    if ended {
                        if book.shares >= event.size_matched {
                            return posted.over(&[]);
                        }
                        // Its last trades are on their way; REST if they do not come.
                        over_at = Some(event.size_matched);
                        check_at = Some(Instant::now() + OVER_WAIT);
                    }
                }
                Some(Routed::Reconciled) => check_at = Some(Instant::now()),
                None => routed_open = false,
            },
            () = sleep_until(wake), if wake.is_some() => {}
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// One look at the order over REST.
type Checked = (bool, Decimal, Vec<polyagent_venue::types::Trade>);

/// One REST look at the order: `None` when the exchange does not have it (only asked when the
/// POST's outcome is unknown), else whether it still rests, the shares it matched, and its
/// trades not booked yet.
async fn check(
    posted: &Posted<'_>,
    book: &mut TradeBook,
    known: bool,
) -> Result<Option<Checked>, VenueError> {
    let client = &posted.market.client;
    let standing = EXCHANGE_CALLS
        .call(|| client.order(posted.exchange_id))
        .await?;
    let (live, matched) = match standing {
        None if !known => return Ok(None),
        // Known to the exchange but not found now: over.
        None => (false, Decimal::ZERO),
        Some(order) => (still_rests(&order.status), order.size_matched),
    };
    let new = posted.new_trades(book).await?;
    Ok(Some((live, matched, new)))
}

/// Whether an order in `status` may still trade: resting, held for a taker delay, or a status
/// this version does not know (the next event or check says more).
fn still_rests(status: &OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Live | OrderStatus::Delayed | OrderStatus::Unknown(_)
    )
}
