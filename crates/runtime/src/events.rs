//! Events the runtime publishes. The shell forwards each variant to the webview as a typed event;
//! the CLI prints them.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Everything the runtime tells its subscribers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuntimeEvent {
    Heartbeat(Heartbeat),
    /// A bot's status or figures changed.
    BotStatus(Box<crate::bots::BotSummary>),
    /// A bot saw a new price (high rate: consumers coalesce).
    BotPrice(crate::bots::BotPrice),
    /// One of a bot's orders (partly) filled.
    BotFill(crate::bots::BotFill),
    /// A line for a bot's activity log.
    BotActivity(crate::bots::BotActivity),
    /// A move beyond a bot's spike threshold.
    BotSpike(crate::bots::BotSpike),
    /// The killswitch was tripped or re-armed.
    Killswitch(KillswitchState),
    /// The settings changed (from any window or the CLI of this process).
    Settings(crate::settings::AppSettings),
    /// A desktop notification to show.
    Notice(crate::notices::Notice),
    /// The vault was locked (by the user or after idling) or unlocked.
    Vault(crate::wallets::VaultStatus),
}

/// Whether the killswitch is tripped, and why; whether safety state failed closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KillswitchState {
    pub tripped: bool,
    pub reason: Option<String>,
    /// When it was tripped (unix ms).
    #[specta(type = Option<u32>)]
    pub at_ms: Option<i64>,
    /// Safety state that could not be read or is no longer valid. While any is listed the
    /// bots do not trade (`tripped` is true) until the user sets it again.
    #[serde(default)]
    pub faults: Vec<crate::safety::SafetyFault>,
}

/// Proof of life from the backend, sent at a fixed interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    /// 1 for the first heartbeat after start, then one more each time.
    pub seq: u32,
    /// Milliseconds since the runtime started, measured by the runtime's monotonic clock.
    pub uptime_ms: u32,
}

pub(crate) async fn run_heartbeat(events: broadcast::Sender<RuntimeEvent>, interval: Duration) {
    let started = tokio::time::Instant::now();
    let mut ticker = tokio::time::interval_at(started + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq: u32 = 0;
    loop {
        ticker.tick().await;
        seq = seq.saturating_add(1);
        let uptime_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        // No subscriber is not an error: the UI may not have attached yet.
        let _ = events.send(RuntimeEvent::Heartbeat(Heartbeat { seq, uptime_ms }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heartbeat task on its own channel, as the runtime starts it.
    fn heartbeats(interval: Duration) -> broadcast::Sender<RuntimeEvent> {
        let (events, _) = broadcast::channel(crate::EVENT_BUFFER);
        tokio::spawn(run_heartbeat(events.clone(), interval));
        events
    }

    #[tokio::test(start_paused = true)]
    async fn heartbeats_arrive_in_order_at_the_configured_interval() {
        let runtime = heartbeats(Duration::from_millis(250));
        let mut events = runtime.subscribe();
        for expected in 1..=3u32 {
            let RuntimeEvent::Heartbeat(beat) = events.recv().await.unwrap() else {
                panic!("only heartbeats without bots")
            };
            assert_eq!(beat.seq, expected);
            assert_eq!(beat.uptime_ms, 250 * expected);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lagging_subscriber_skips_old_events_but_sees_new_ones() {
        let runtime = heartbeats(Duration::from_millis(1));
        let mut slow = runtime.subscribe();
        tokio::time::sleep(Duration::from_millis(2_000)).await; // virtual time: no real wait
        let skipped = match slow.recv().await {
            Err(broadcast::error::RecvError::Lagged(skipped)) => skipped,
            other => panic!("expected a lag notice, got {other:?}"),
        };
        // The subscriber resumes right after what it missed, with a bounded backlog.
        let RuntimeEvent::Heartbeat(beat) = slow.recv().await.unwrap() else {
            panic!("only heartbeats without bots")
        };
        assert!(skipped > 0);
        assert_eq!(u64::from(beat.seq), skipped + 1);
    }
}
