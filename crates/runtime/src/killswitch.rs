//! The killswitch: trip it and every wallet's orders are cancelled at the exchange first, then
//! every bot stops; re-arm it and stopped bots stay stopped.
//!
//! Invariants:
//! - a trip never waits on anything but the exchange: the new state is published to the
//!   bots (which then refuse every entry) before any network call, and saved for the next
//!   start whatever the exchange answers;
//! - every stored wallet is swept, not only the connected ones: a wallet with no client yet
//!   is signed in for the sweep (a client of its own, not registered, no feed started). The
//!   sweeps run concurrently and are joined with [`SWEEP_DEADLINE`]; each wallet's outcome
//!   is reported as a [`WalletSweep`], so a failure is never hidden behind a success;
//! - bots are stopped after the sweep (a live bot's stop cancels its own resting orders too);
//! - tripping is never refused for its reason: the reason is cleaned ([`killswitch_reason`]).

use std::sync::Arc;
use std::time::Duration;

use polyagent_engine::bot::Lifecycle;
use polyagent_engine::risk::Killswitch;
use polyagent_store::setting_keys;
use polyagent_venue::client::AuthedClient;
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};
use crate::safety::{self, SafetySetting};
use crate::{BotHandle, KillswitchState, Runtime, RuntimeEvent, lock, restore, wallets};

/// How long a trip waits by default for every wallet's cancel-all (signing in included)
/// before it reports the wallets still pending as timed out and stops the bots regardless
/// (`RuntimeConfig::killswitch_deadline`).
pub const SWEEP_DEADLINE: Duration = Duration::from_secs(20);

/// What became of one wallet's cancel-all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SweepOutcome {
    /// The exchange answered: `cancelled` are gone; `refused` it kept (usually already
    /// matched or cancelled), with its reasons.
    Swept {
        cancelled: Vec<String>,
        refused: Vec<String>,
    },
    /// The wallet could not be signed in to send the cancel (vault locked, no key, the
    /// exchange unreachable): its orders may still rest.
    NotConnected { error: ApiError },
    /// The cancel-all was sent and failed, or its answer was lost: its orders may still rest.
    Failed { error: ApiError },
    /// No answer within the deadline: its orders may still rest.
    TimedOut,
}

/// One wallet's part of a trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WalletSweep {
    pub address: String,
    pub label: String,
    pub outcome: SweepOutcome,
}

/// What a trip did: each wallet's sweep, and the state it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TripReport {
    pub wallets: Vec<WalletSweep>,
    pub killswitch: KillswitchState,
}

impl TripReport {
    /// The ids of every order cancelled, over all wallets.
    pub fn cancelled(&self) -> Vec<String> {
        self.wallets
            .iter()
            .filter_map(|w| match &w.outcome {
                SweepOutcome::Swept { cancelled, .. } => Some(cancelled.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The wallets whose orders may still rest (not swept).
    pub fn unswept(&self) -> Vec<&WalletSweep> {
        self.wallets
            .iter()
            .filter(|w| !matches!(w.outcome, SweepOutcome::Swept { .. }))
            .collect()
    }
}

/// The longest killswitch reason kept, in characters.
const REASON_CHARS: usize = 200;

/// A killswitch reason as it is kept and shown: control and direction characters dropped,
/// at most [`REASON_CHARS`], never empty. Tripping is never refused for its reason: the
/// killswitch must always work.
fn killswitch_reason(reason: &str) -> String {
    let kept: String = reason
        .chars()
        .filter(|c| !polyagent_domain::text::is_hidden_control(*c))
        .take(REASON_CHARS)
        .collect();
    match kept.trim() {
        "" => "no reason given".to_owned(),
        trimmed => trimmed.to_owned(),
    }
}

impl Runtime {
    /// Trips the killswitch (see the module docs). `reason` is shown to the user; the state
    /// survives a restart. Returns the ids of the cancelled orders.
    ///
    /// # Errors
    /// `VENUE_UNAVAILABLE` when a wallet's cancel-all could not be confirmed (the bots are
    /// stopped regardless; [`Runtime::trip_killswitch_report`] says which wallet and why);
    /// `INTERNAL` when the trip could not be saved.
    pub async fn trip_killswitch(&self, reason: &str) -> Result<Vec<String>, ApiError> {
        let report = self.trip_killswitch_report(reason).await?;
        let unswept = report.unswept();
        if unswept.is_empty() {
            return Ok(report.cancelled());
        }
        let failures: Vec<String> = unswept
            .iter()
            .map(|w| match &w.outcome {
                SweepOutcome::NotConnected { error } | SweepOutcome::Failed { error } => {
                    format!("{}: {}", w.address, error.message)
                }
                _ => format!("{}: no answer in time", w.address),
            })
            .collect();
        Err(ApiError::new(
            ErrorCode::VenueUnavailable,
            format!(
                "bots are stopped, but open orders could not all be cancelled: {}",
                failures.join("; ")
            ),
        ))
    }

    /// Trips the killswitch and reports each wallet's sweep.
    ///
    /// # Errors
    /// `INTERNAL` when the trip could not be saved (it holds in this process regardless:
    /// the sweep and the stops are done first).
    pub async fn trip_killswitch_report(&self, reason: &str) -> Result<TripReport, ApiError> {
        let state = Killswitch::Tripped {
            reason: killswitch_reason(reason),
            at: self.inner.config.clock.now(),
        };
        lock(&self.inner.safety).user = state.clone();
        self.publish_killswitch();
        let saved = self
            .inner
            .db
            .settings()
            .put(setting_keys::KILLSWITCH, &state, self.now())
            .await;
        let wallets = self.sweep_every_wallet().await;
        let handles: Vec<BotHandle> = lock(&self.inner.bots)
            .values()
            .filter_map(restore::BotSlot::handle)
            .collect();
        for handle in handles {
            // Stop is refused by bots that are already stopped or never started: fine.
            let _ = handle.command(Lifecycle::Stop).await;
        }
        // Bots not running in this process (waiting for their wallet, or a folder opened by
        // a command) are saved as stopped: an unlock or the next `run` does not restart them.
        let waiting: Vec<String> = lock(&self.inner.bots)
            .iter()
            .filter(|(_, slot)| slot.handle().is_none())
            .map(|(id, _)| id.clone())
            .collect();
        for id in waiting {
            let _ = self.save_lifecycle(&id, &Lifecycle::Stop).await;
        }
        saved.map_err(|e| wallets::store_error(&e))?;
        // Written anew: a killswitch row that could not be read is repaired.
        self.clear_fault(SafetySetting::Killswitch);
        for sweep in &wallets {
            if matches!(sweep.outcome, SweepOutcome::Swept { .. }) {
                tracing::info!(wallet = %sweep.address, outcome = ?sweep.outcome, "killswitch sweep");
            } else {
                tracing::error!(wallet = %sweep.address, outcome = ?sweep.outcome, "killswitch sweep: orders may still rest");
            }
        }
        Ok(TripReport {
            wallets,
            killswitch: self.killswitch_state(),
        })
    }

    /// Every stored wallet's cancel-all, concurrently, joined with [`SWEEP_DEADLINE`].
    async fn sweep_every_wallet(&self) -> Vec<WalletSweep> {
        let stored = match self.db().wallets().list().await {
            Ok(stored) => stored,
            Err(error) => {
                // Still sweep the wallets this process has connected.
                tracing::error!(%error, "the wallets could not be listed for the killswitch");
                Vec::new()
            }
        };
        let mut targets: Vec<(String, String)> =
            stored.into_iter().map(|w| (w.address, w.label)).collect();
        if let Ok(clients) = self.inner.clients.try_lock() {
            for address in clients.addresses() {
                if !targets.iter().any(|(a, _)| *a == address) {
                    targets.push((address, String::new()));
                }
            }
        }
        let mut sweeps = tokio::task::JoinSet::new();
        for (index, (address, _)) in targets.iter().enumerate() {
            let runtime = self.clone();
            let address = address.clone();
            sweeps.spawn(async move { (index, runtime.sweep_wallet(&address).await) });
        }
        let mut outcomes: Vec<SweepOutcome> = vec![SweepOutcome::TimedOut; targets.len()];
        let give_up = tokio::time::Instant::now() + self.inner.config.killswitch_deadline;
        while let Ok(Some(joined)) = tokio::time::timeout_at(give_up, sweeps.join_next()).await {
            match joined {
                Ok((index, outcome)) => outcomes[index] = outcome,
                Err(error) => tracing::error!(%error, "a killswitch sweep task failed"),
            }
        }
        sweeps.abort_all();
        targets
            .into_iter()
            .zip(outcomes)
            .map(|((address, label), outcome)| WalletSweep {
                address,
                label,
                outcome,
            })
            .collect()
    }

    /// One wallet's cancel-all, signing it in first when it has no client yet.
    async fn sweep_wallet(&self, address: &str) -> SweepOutcome {
        let client = match self.sweep_client(address).await {
            Ok(client) => client,
            Err(error) => return SweepOutcome::NotConnected { error },
        };
        match client.cancel_all().await {
            Ok(outcome) => SweepOutcome::Swept {
                cancelled: outcome.canceled,
                refused: outcome
                    .not_canceled
                    .into_iter()
                    .map(|(id, why)| format!("{id}: {why}"))
                    .collect(),
            },
            Err(error) => SweepOutcome::Failed {
                error: restore::venue_error(&error),
            },
        }
    }

    /// The wallet's client when connected (without waiting on a connect in progress), else
    /// a client of its own for the sweep.
    async fn sweep_client(&self, address: &str) -> Result<Arc<AuthedClient>, ApiError> {
        if let Ok(clients) = self.inner.clients.try_lock()
            && let Some(connected) = clients.get(address)
        {
            return Ok(connected.client);
        }
        let wallet = wallets::find(self.db(), address).await?;
        let signer = {
            let mut slot = lock(&self.inner.vault);
            wallets::signer(slot.vault()?, address)?
        };
        wallets::connect(self.public_client()?, signer, &wallet).await
    }

    /// Cancels every stored wallet's orders, as a trip does (the same concurrent sweep with
    /// its deadline), for a shutdown that was asked to. Returns the cancelled ids; a wallet
    /// that could not be swept is logged (its orders may still rest).
    pub(crate) async fn cancel_all_orders(&self) -> Vec<String> {
        let mut cancelled = Vec::new();
        for sweep in self.sweep_every_wallet().await {
            match sweep.outcome {
                SweepOutcome::Swept { cancelled: ids, .. } => cancelled.extend(ids),
                outcome => {
                    tracing::warn!(wallet = %sweep.address, ?outcome, "orders not cancelled at quit");
                }
            }
        }
        cancelled
    }

    /// Re-arms the killswitch; stopped bots stay stopped until started. It repairs a
    /// killswitch row that could not be read; other safety faults keep the bots stopped.
    pub async fn arm_killswitch(&self) -> Result<(), ApiError> {
        self.confirm_arming().await?;
        self.inner
            .db
            .settings()
            .put(setting_keys::KILLSWITCH, &Killswitch::Armed, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        lock(&self.inner.safety).user = Killswitch::Armed;
        self.clear_fault(SafetySetting::Killswitch);
        self.publish_killswitch();
        Ok(())
    }

    /// Puts the killswitch the bots obey (the user's, tripped while safety state is at
    /// fault) into their view and tells the subscribers.
    pub(crate) fn publish_killswitch(&self) {
        let effective = {
            let board = lock(&self.inner.safety);
            safety::effective(&board.user, &board.faults, board.found_at)
        };
        self.inner
            .global
            .send_modify(|g| g.killswitch = effective.clone());
        let _ = self
            .inner
            .events
            .send(RuntimeEvent::Killswitch(self.killswitch_state()));
    }

    /// Whether the bots may not trade: the killswitch is tripped or safety state is at fault.
    pub fn killswitch_tripped(&self) -> bool {
        self.inner.global.borrow().killswitch.is_tripped()
    }

    /// Whether the killswitch is tripped, why and since when, and the safety faults.
    pub fn killswitch_state(&self) -> KillswitchState {
        let faults = self.safety_faults();
        match &self.inner.global.borrow().killswitch {
            Killswitch::Tripped { reason, at } => KillswitchState {
                tripped: true,
                reason: Some(reason.clone()),
                at_ms: Some(at.millis()),
                faults,
            },
            Killswitch::Armed => KillswitchState {
                tripped: false,
                reason: None,
                at_ms: None,
                faults,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn killswitch_reasons_are_kept_short_visible_and_never_empty() {
        assert_eq!(killswitch_reason("  market crash "), "market crash");
        assert_eq!(killswitch_reason(""), "no reason given");
        assert_eq!(killswitch_reason("\0\u{202e}"), "no reason given");
        assert_eq!(killswitch_reason("a\0b\u{202e}c"), "abc");
        let huge = killswitch_reason(&"x".repeat(1 << 20));
        assert_eq!(huge.chars().count(), REASON_CHARS);
    }
}
