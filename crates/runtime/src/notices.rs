//! Desktop notifications, decided here and shown by the shell: a fill, a bot stopping with an
//! error, a daily limit pausing a bot, a market feed going stale. Each kind can be muted in the
//! settings.
//!
//! Invariants:
//! - the decision is a pure function of (what was known of the bot, the event, the choices),
//!   so it is tested without a desktop; the shell only displays [`Notice`]s;
//! - a notice is raised on a change (running → error, live → stale), never again for the same
//!   state, so a flapping status cannot flood the desktop;
//! - the newest [`LOG_SIZE`] notices are kept in memory ([`crate::Runtime::recent_notices`]):
//!   the app's notification list, and what end-to-end tests observe.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::bots::{BotFill, BotSummary, FeedState};
use crate::settings::NotificationChoices;
use crate::{RuntimeEvent, lock};

/// How many notices are kept.
pub const LOG_SIZE: usize = 200;

/// What a notice is about (each kind has its own mute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum NoticeKind {
    Fill,
    BotError,
    DailyLimit,
    StaleFeed,
}

/// One desktop notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub kind: NoticeKind,
    pub bot_id: String,
    pub title: String,
    pub body: String,
    #[specta(type = u32)]
    pub at_ms: i64,
}

/// What the notifier remembers of a bot between events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    status: String,
    detail: Option<String>,
    feed: Option<FeedState>,
}

impl NoticeKind {
    fn allowed(self, choices: &NotificationChoices) -> bool {
        match self {
            NoticeKind::Fill => choices.fills,
            NoticeKind::BotError => choices.bot_errors,
            NoticeKind::DailyLimit => choices.daily_limits,
            NoticeKind::StaleFeed => choices.stale_feeds,
        }
    }
}

/// The notice a fill raises.
pub fn for_fill(fill: &BotFill, choices: &NotificationChoices) -> Option<Notice> {
    let notice = Notice {
        kind: NoticeKind::Fill,
        bot_id: fill.bot_id.clone(),
        title: format!("{}: {} filled", fill.bot_name, fill.side.to_uppercase()),
        body: format!(
            "{} {} shares at {} (fee {})",
            capitalized(&fill.side),
            fill.shares,
            fill.avg_price,
            fill.fee
        ),
        at_ms: fill.at_ms,
    };
    notice.kind.allowed(choices).then_some(notice)
}

/// The notices a status change raises, given what was seen of the bot before; updates `seen`.
pub fn for_status(
    bot: &BotSummary,
    seen: &mut Seen,
    choices: &NotificationChoices,
    at_ms: i64,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let mut raise = |kind: NoticeKind, title: String, body: String| {
        if kind.allowed(choices) {
            out.push(Notice {
                kind,
                bot_id: bot.id.clone(),
                title,
                body,
                at_ms,
            });
        }
    };
    let detail = bot.status_detail.clone().unwrap_or_default();
    if bot.status == "error" && seen.status != "error" {
        raise(
            NoticeKind::BotError,
            format!("{} stopped with an error", bot.name),
            detail.clone(),
        );
    }
    let limited = bot.status == "paused" && detail.starts_with("daily limit");
    if limited && (seen.status != "paused" || seen.detail != bot.status_detail) {
        raise(
            NoticeKind::DailyLimit,
            format!("{} paused for the day", bot.name),
            detail,
        );
    }
    // A bot that is not trading has no feed worth a notice.
    let trading = bot.status == "running" || bot.status == "paused";
    if trading && bot.feed == FeedState::Stale && seen.feed != Some(FeedState::Stale) {
        raise(
            NoticeKind::StaleFeed,
            format!("{}: market data stopped", bot.name),
            "No price updates arrive for this market; the bot will not trade until they resume."
                .to_owned(),
        );
    }
    *seen = Seen {
        status: bot.status.clone(),
        detail: bot.status_detail.clone(),
        feed: Some(bot.feed),
    };
    out
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The newest notices.
#[derive(Debug, Clone, Default)]
pub(crate) struct NoticeLog(Arc<Mutex<VecDeque<Notice>>>);

impl NoticeLog {
    fn push(&self, notice: Notice) {
        let mut log = lock(&self.0);
        if log.len() == LOG_SIZE {
            log.pop_front();
        }
        log.push_back(notice);
    }

    /// Newest first.
    pub(crate) fn recent(&self) -> Vec<Notice> {
        lock(&self.0).iter().rev().cloned().collect()
    }
}

/// Watches the runtime's events and publishes a [`RuntimeEvent::Notice`] for each notice.
pub(crate) fn start(
    events: broadcast::Sender<RuntimeEvent>,
    settings: Arc<Mutex<crate::AppSettings>>,
    log: NoticeLog,
    clock: Arc<dyn crate::Clock>,
) -> tokio::task::JoinHandle<()> {
    let mut received = events.subscribe();
    tokio::spawn(async move {
        let mut seen: HashMap<String, Seen> = HashMap::new();
        loop {
            let event = match received.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let choices = lock(&settings).notifications;
            let notices = match &event {
                RuntimeEvent::BotFill(fill) => for_fill(fill, &choices).into_iter().collect(),
                RuntimeEvent::BotStatus(bot) => for_status(
                    bot,
                    seen.entry(bot.id.clone()).or_default(),
                    &choices,
                    clock.now().millis(),
                ),
                _ => Vec::new(),
            };
            for notice in notices {
                log.push(notice.clone());
                let _ = events.send(RuntimeEvent::Notice(notice));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bot(status: &str, detail: Option<&str>, feed: FeedState) -> BotSummary {
        let mut summary: BotSummary = serde_json::from_value(serde_json::json!({
            "id": "bot-1", "name": "Dip buyer", "tokenId": "1", "strategy": "spike-sam",
            "profile": "normal", "status": status, "statusDetail": detail, "mode": "paper",
            "feed": feed, "price": null, "positionShares": null, "positionAvgEntry": null,
            "realizedPnl": "0", "unrealizedPnl": "0", "fees": "0", "trades": 0,
            "paperCash": "100", "question": "Q?", "outcome": "Yes", "wallet": null,
            "buyTarget": null, "sellTarget": null, "positionOpenedAtMs": null,
            "takeProfitPrice": null, "stopLossPrice": null, "unrealizedPct": "0",
            "takeProfitPct": "5", "stopLossPct": "3", "tradeSize": "5", "maxHoldSecs": 3600,
            "wins": 0, "winRatePct": "0", "todayTrades": 0, "todayRealizedPnl": "0"
        }))
        .unwrap();
        summary.feed = feed;
        summary
    }

    fn fill() -> BotFill {
        BotFill {
            bot_id: "bot-1".into(),
            bot_name: "Dip buyer".into(),
            side: "buy".into(),
            shares: "10".into(),
            avg_price: "0.45".into(),
            fee: "0.01".into(),
            at_ms: 7,
        }
    }

    #[test]
    fn a_fill_says_side_size_price_and_bot_unless_muted() {
        let mut choices = NotificationChoices::default();
        let notice = for_fill(&fill(), &choices).unwrap();
        assert_eq!(notice.title, "Dip buyer: BUY filled");
        assert_eq!(notice.body, "Buy 10 shares at 0.45 (fee 0.01)");
        choices.fills = false;
        assert_eq!(for_fill(&fill(), &choices), None);
    }

    #[test]
    fn an_error_is_told_once_when_it_happens() {
        let choices = NotificationChoices::default();
        let mut seen = Seen::default();
        assert!(
            for_status(
                &bot("running", None, FeedState::Live),
                &mut seen,
                &choices,
                1
            )
            .is_empty()
        );
        let failed = bot("error", Some("the ledger refused a fill"), FeedState::Live);
        let notices = for_status(&failed, &mut seen, &choices, 2);
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].kind, NoticeKind::BotError);
        assert_eq!(notices[0].body, "the ledger refused a fill");
        assert!(for_status(&failed, &mut seen, &choices, 3).is_empty());
    }

    #[test]
    fn a_daily_limit_and_a_stale_feed_each_raise_their_own_notice_and_obey_mutes() {
        let mut choices = NotificationChoices::default();
        let mut seen = Seen::default();
        for_status(
            &bot("running", None, FeedState::Live),
            &mut seen,
            &choices,
            1,
        );
        let limited = bot(
            "paused",
            Some("daily limit reached: daily loss 50"),
            FeedState::Stale,
        );
        let kinds: Vec<NoticeKind> = for_status(&limited, &mut seen, &choices, 2)
            .into_iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(kinds, [NoticeKind::DailyLimit, NoticeKind::StaleFeed]);
        choices.stale_feeds = false;
        let mut seen = Seen::default();
        let kinds: Vec<NoticeKind> = for_status(&limited, &mut seen, &choices, 3)
            .into_iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(kinds, [NoticeKind::DailyLimit]);
    }

    #[test]
    fn a_stopped_bot_s_feed_raises_nothing() {
        let choices = NotificationChoices::default();
        let mut seen = Seen::default();
        assert!(
            for_status(
                &bot("stopped", None, FeedState::Stale),
                &mut seen,
                &choices,
                1
            )
            .is_empty()
        );
    }

    #[test]
    fn the_log_keeps_the_newest_first_and_is_bounded() {
        let log = NoticeLog::default();
        for at in 0..(LOG_SIZE as i64 + 5) {
            let mut notice = for_fill(&fill(), &NotificationChoices::default()).unwrap();
            notice.at_ms = at;
            log.push(notice);
        }
        let recent = log.recent();
        assert_eq!(recent.len(), LOG_SIZE);
        assert_eq!(recent[0].at_ms, LOG_SIZE as i64 + 4);
    }
}
