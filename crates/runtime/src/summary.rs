//! A bot's [`BotSummary`] as the UI shows it, built from its engine and saved document.
//!
//! Invariants: decimals travel as text (nothing lost to binary floats); a figure the bot does
//! not have (no position, no target) is absent, never zero.

use polyagent_engine::Timestamp;
use polyagent_engine::bot::{BotEngine, BotStatus};

use crate::bots::{BotSummary, FeedState};
use crate::persist::SavedBot;

/// The summary of a saved bot that is not running (waiting for its wallet).
pub(crate) fn summary_of(
    id: &str,
    saved: &SavedBot,
    feed: FeedState,
    now: Timestamp,
) -> BotSummary {
    let (mode, cash) = match &saved.paper {
        Some(account) => ("paper", Some(account.cash.to_string())),
        None if saved.execution.is_live() => ("live", None),
        None => ("paper", None),
    };
    summary_from(id, saved, &saved.engine, mode, cash, feed, now)
}

pub(crate) fn summary_from(
    id: &str,
    saved: &SavedBot,
    engine: &BotEngine,
    mode: &str,
    paper_cash: Option<String>,
    feed: FeedState,
    now: Timestamp,
) -> BotSummary {
    let config = engine.config();
    let params = &config.params;
    let report = engine.report(now);
    let (status, detail) = match engine.status() {
        BotStatus::Paused { reason } => ("paused", Some(pause_words(reason))),
        BotStatus::Error { message } => ("error", Some(message.clone())),
        other => (other.name(), None),
    };
    let target = |side: polyagent_engine::event::Side| {
        engine
            .target()
            .filter(|t| t.side == side)
            .map(|t| t.price.normalize().to_string())
    };
    let entry = report.position.as_ref().map(|p| p.avg_entry());
    let hundred = rust_decimal::Decimal::ONE_HUNDRED;
    let exit_price = |pct: rust_decimal::Decimal| {
        entry.map(|e| {
            (e * (hundred + pct) / hundred)
                .round_dp(4)
                .normalize()
                .to_string()
        })
    };
    BotSummary {
        id: id.to_owned(),
        name: config.name.clone(),
        token_id: config.token_id.clone(),
        strategy: config.strategy.clone(),
        profile: format!("{:?}", config.profile).to_lowercase(),
        status: status.to_owned(),
        status_detail: detail,
        waiting_for: None,
        mode: mode.to_owned(),
        feed,
        price: engine.quote().map(|q| q.price.to_string()),
        position_shares: report.position.as_ref().map(|p| p.shares.to_string()),
        position_avg_entry: entry.map(|e| e.round_dp(4).to_string()),
        realized_pnl: report.total.realized_pnl.to_string(),
        unrealized_pnl: report.unrealized.round_dp(6).to_string(),
        fees: report.total.fees.to_string(),
        trades: report.total.trades,
        paper_cash,
        question: saved.market.question.clone(),
        outcome: saved.market.outcome.clone(),
        wallet: saved.wallet_address.clone(),
        buy_target: target(polyagent_engine::event::Side::Buy),
        sell_target: target(polyagent_engine::event::Side::Sell),
        position_opened_at_ms: report.position.as_ref().map(|p| p.opened_at.millis()),
        take_profit_price: exit_price(params.take_profit_pct),
        stop_loss_price: exit_price(-params.stop_loss_pct),
        unrealized_pct: report.unrealized_pct.round_dp(2).to_string(),
        take_profit_pct: params.take_profit_pct.to_string(),
        stop_loss_pct: params.stop_loss_pct.to_string(),
        trade_size: params.trade_size.to_string(),
        max_hold_secs: u32::try_from(params.max_hold_secs).unwrap_or(u32::MAX),
        wins: report.total.wins,
        win_rate_pct: report.win_rate_pct.round_dp(1).to_string(),
        today_trades: report.today.trades,
        today_realized_pnl: report.today.realized_pnl.to_string(),
    }
}

/// Why a bot is paused, in words.
fn pause_words(reason: &polyagent_engine::bot::PauseReason) -> String {
    match reason {
        polyagent_engine::bot::PauseReason::DailyLimit { why, .. } => {
            format!("daily limit reached: {why}")
        }
        polyagent_engine::bot::PauseReason::User => "paused by you".to_owned(),
    }
}
