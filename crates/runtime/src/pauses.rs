//! Posting an order through the exchange's pauses (PROTOCOL.md §13.4: a matching-engine
//! restart answers 425, post-only and cancel-only modes answer 503), and the refusals that
//! stop a bot instead (§13.7: a wallet the exchange will not take orders from).
//!
//! Invariants:
//! - a pause refuses the order before anything happens, so the bot waits (its order stays in
//!   flight: no error state, nothing else placed) and posts the *same* signed order again
//!   after the wait the exchange asked for: one intent, one exchange id, and the exchange
//!   refuses a second order with that id, so a pause can never make two orders;
//! - the user is told once per kind of pause, in words ("exchange in post-only mode"), and
//!   again when the order goes through;
//! - a cancel request (stop, killswitch, time-to-live) ends the waiting: the last POST was
//!   refused, so nothing is at the exchange and the intent fails as never placed;
//! - a bot whose task ends while waiting stops the waiting: the intent stays `sent` and the
//!   next start looks it up (absent: failed);
//! - a refusal of the wallet itself (an EOA on an account that must use a deposit wallet, a
//!   deposit wallet not deployed yet, its signature, signer or funder) or of where it trades
//!   from (geoblocked) would refuse every order of the bot: the bot stops, with the venue's
//!   sentence for a person as its reason and as the order's rejection.

use std::time::Duration;

use polyagent_venue::client::PreparedOrder;
use polyagent_venue::types::OrderAck;
use polyagent_venue::venue_error::VenueError;
use tokio::sync::mpsc;

use crate::live::{ExecutionReport, LiveMarket};
use crate::outcome::short;

/// The wait when the exchange names none, and the bounds on what it names.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);
const MIN_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The pause behind `error`, if it is one: what the user is told, and the wait asked for.
fn pause_of(error: &VenueError) -> Option<(&'static str, Option<Duration>)> {
    error
        .pause()
        .map(|pause| (pause.kind.user_sentence(), pause.retry_after))
}

/// Posts `prepared` once, or again after each pause of the exchange (see the module docs).
/// `Ok(None)`: cancelled while the exchange was paused; nothing was placed.
pub(crate) async fn submit(
    market: &LiveMarket,
    prepared: &PreparedOrder,
    cancel: &tokio::sync::Notify,
    results: &mpsc::UnboundedSender<ExecutionReport>,
) -> Result<Option<OrderAck>, VenueError> {
    let mut told: Option<&'static str> = None;
    loop {
        let error = match market.client.submit(prepared).await {
            Ok(ack) => {
                if told.is_some() {
                    let _ = results.send(ExecutionReport::note(&format!(
                        "the exchange accepts orders again: order {} sent",
                        short(prepared.order_id())
                    )));
                }
                return Ok(Some(ack));
            }
            Err(error) => error,
        };
        let Some((sentence, asked)) = pause_of(&error) else {
            return Err(error);
        };
        if results.is_closed() {
            return Err(error);
        }
        let wait = asked.unwrap_or(DEFAULT_WAIT).clamp(MIN_WAIT, MAX_WAIT);
        if told != Some(sentence) {
            told = Some(sentence);
            let _ = results.send(ExecutionReport::note(&format!(
                "{sentence} (order {} is sent again in {} s)",
                short(prepared.order_id()),
                wait.as_secs()
            )));
        }
        tracing::info!(order = %prepared.order_id(), ?wait, "the exchange is paused; waiting");
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = cancel.notified() => return Ok(None),
        }
    }
}

/// The reason a bot stops on `error`, in the venue's words for a person, when every order of
/// it would be refused the same way (the wallet itself, or where it trades from).
pub(crate) fn stops_the_bot(error: &VenueError) -> Option<String> {
    match error {
        VenueError::DepositWalletRequired(_)
        | VenueError::DepositWalletNotDeployed(_)
        | VenueError::InvalidSignature(_)
        | VenueError::Geoblocked(_) => Some(error.user_sentence()),
        _ => None,
    }
}
