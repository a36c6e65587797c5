//! Step-up confirmation: the few actions that can spend money or undo a safety stop need a
//! "yes" that the caller of the API cannot give by itself (issue #16, point 3).
//!
//! The desktop's webview can call every command; code that gets into its bundle (a bad npm
//! package, an XSS) could otherwise switch the exchange, start live bots, raise the limits or
//! re-arm the killswitch on its own. So the runtime, not the shell, decides which actions are
//! guarded ([`GuardedAction`]), and asks a [`Confirmer`] the shell injected at
//! [`crate::Runtime::open`]: the desktop shows a native dialog from Rust, which the webview can
//! neither see nor answer; the CLI's commands are typed by the user in their own terminal, so
//! the command itself is the confirmation ([`TypedCommand`]).
//!
//! Invariants:
//! - the list is decided here, in Rust; a guarded operation asks after validating its input
//!   and before changing anything, and a decline answers `CONFIRMATION_DECLINED` with nothing
//!   changed;
//! - the question is written here from the runtime's own facts (the exchange, the wallet
//!   address, the amounts); names that came from a caller or the exchange are quoted;
//! - fail closed: the default confirmer ([`NobodyToAsk`]) declines everything, and a dialog
//!   that cannot be shown counts as a decline;
//! - one question at a time: while one waits for its answer, another guarded call is declined
//!   at once, so a webview cannot pile dialogs up behind the one the user is reading;
//! - lowering a limit, stopping, pausing and tripping the killswitch are never guarded: what
//!   makes trading safer must always work without a question.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use polyagent_domain::text::quoted;
use polyagent_engine::config::{BotSpec, DailyLimits, TradingParams};
use polyagent_engine::risk::Killswitch;
use rust_decimal::Decimal;

use crate::api_error::{ApiError, ErrorCode};
use crate::settings::ExchangeChoice;
use crate::{Runtime, lock, restore};

/// An action that needs the user's confirmation outside the webview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardedAction {
    /// The exchange changes to anything but the app's own demo (`update_settings`). The demo is
    /// not guarded: it runs inside the app, paper bots only, and nothing it receives can be
    /// spent anywhere.
    SwitchExchange {
        from: ExchangeChoice,
        to: ExchangeChoice,
    },
    /// A live bot starts trading: created with `start` (`create_bot`), started (`start_bot`)
    /// or resumed (`resume_bot`).
    StartLiveBot(LiveBotStart),
    /// Any of the daily limits over all bots goes up (`set_daily_limits`).
    RaiseDailyLimits { raised: Vec<Raise> },
    /// A live bot's own limits go up (`update_bot`).
    RaiseBotLimits {
        bot_id: String,
        name: String,
        raised: Vec<Raise>,
    },
    /// The tripped killswitch is re-armed (`arm_killswitch`).
    ArmKillswitch { tripped_because: String },
    /// A wallet's key is deleted (`delete_wallet`). Guarded by the vault passphrase checked in
    /// Rust, not by a dialog.
    DeleteWallet { address: String },
    /// A wallet's key is exported (`export_wallet_key`). Guarded by the vault passphrase
    /// checked in Rust, not by a dialog.
    ExportWalletKey { address: String },
}

/// What a live bot would do once started: what the question shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBotStart {
    /// `None` while the bot is being created.
    pub bot_id: Option<String>,
    pub name: String,
    /// How it starts.
    pub how: StartKind,
    /// The address its orders are signed with.
    pub wallet: String,
    pub exchange: ExchangeChoice,
    /// The market's question and the outcome the bot buys.
    pub question: String,
    pub outcome: String,
    /// pUSD an order.
    pub trade_size: Decimal,
    /// The daily loss limit over all bots, pUSD.
    pub max_daily_loss: Decimal,
}

/// How a live bot comes to trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartKind {
    CreateAndStart,
    Start,
    Resume,
}

/// One limit that goes up, with its old and new value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raise {
    MaxDailyLoss {
        from: Decimal,
        to: Decimal,
    },
    MaxTradesPerDay {
        from: u32,
        to: u32,
    },
    MaxExposurePerBot {
        from: Decimal,
        to: Decimal,
    },
    MaxExposureTotal {
        from: Decimal,
        to: Decimal,
    },
    TradeSize {
        from: Decimal,
        to: Decimal,
    },
    StopLossPct {
        from: Decimal,
        to: Decimal,
    },
    MaxHoldSecs {
        from: u64,
        to: u64,
    },
    /// The bot buys both outcomes, not one.
    TradeBothSides,
}

impl fmt::Display for Raise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raise::MaxDailyLoss { from, to } => {
                write!(f, "maximum loss a day: {from} → {to} pUSD")
            }
            Raise::MaxTradesPerDay { from, to } => {
                write!(f, "maximum trades a day: {from} → {to}")
            }
            Raise::MaxExposurePerBot { from, to } => {
                write!(f, "maximum held by one bot: {from} → {to} pUSD")
            }
            Raise::MaxExposureTotal { from, to } => {
                write!(f, "maximum held by all bots: {from} → {to} pUSD")
            }
            Raise::TradeSize { from, to } => write!(f, "trade size: {from} → {to} pUSD an order"),
            Raise::StopLossPct { from, to } => write!(f, "stop loss: {from} % → {to} %"),
            Raise::MaxHoldSecs { from, to } => {
                write!(f, "longest hold: {from} s → {to} s")
            }
            Raise::TradeBothSides => f.write_str("trades both outcomes of the market, not one"),
        }
    }
}

/// What guards an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// A question the user answers outside the webview ([`Confirmer`]).
    Confirmation,
    /// The vault's passphrase, typed again and checked in Rust.
    Passphrase,
}

/// A question as a dialog shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub title: String,
    pub body: String,
    /// The label of the button that confirms (the other one cancels).
    pub confirm: String,
}

impl GuardedAction {
    /// How this action is guarded.
    pub fn guard(&self) -> Guard {
        match self {
            GuardedAction::DeleteWallet { .. } | GuardedAction::ExportWalletKey { .. } => {
                Guard::Passphrase
            }
            _ => Guard::Confirmation,
        }
    }

    /// The question to ask, from the runtime's facts.
    pub fn question(&self) -> Question {
        let (title, body, confirm) = match self {
            GuardedAction::SwitchExchange { from, to } => (
                "Switch the exchange?".to_owned(),
                format!(
                    "Switch the exchange from {} to {}?\n\nBots will take their prices from it, \
                     and live bots will send it orders signed by your wallets.",
                    exchange_words(from),
                    exchange_words(to)
                ),
                "Switch exchange",
            ),
            GuardedAction::StartLiveBot(start) => {
                let verb = match start.how {
                    StartKind::CreateAndStart => "Create and start",
                    StartKind::Start => "Start",
                    StartKind::Resume => "Resume",
                };
                (
                    format!("{verb} a live bot?"),
                    format!(
                        "{verb} live bot {} on {}?\n\nIt trades real money from wallet {}, on \
                         {} ({}), {} pUSD an order, within your daily limits (at most {} pUSD \
                         lost a day over all bots).",
                        quoted(&start.name),
                        exchange_words(&start.exchange),
                        start.wallet,
                        quoted(&start.question),
                        quoted(&start.outcome),
                        start.trade_size.normalize(),
                        start.max_daily_loss.normalize()
                    ),
                    "Start live bot",
                )
            }
            GuardedAction::RaiseDailyLimits { raised } => (
                "Raise the daily limits?".to_owned(),
                format!(
                    "Raise the daily limits that hold every bot back?\n\n{}",
                    lines(raised)
                ),
                "Raise limits",
            ),
            GuardedAction::RaiseBotLimits { name, raised, .. } => (
                "Raise a live bot's limits?".to_owned(),
                format!(
                    "Raise the limits of live bot {}?\n\n{}",
                    quoted(name),
                    lines(raised)
                ),
                "Raise limits",
            ),
            GuardedAction::ArmKillswitch { tripped_because } => (
                "Re-arm the killswitch?".to_owned(),
                format!(
                    "The killswitch stopped every bot ({}).\n\nRe-arming it lets bots trade \
                     again once they are started; stopped bots stay stopped until then.",
                    quoted(tripped_because)
                ),
                "Re-arm",
            ),
            GuardedAction::DeleteWallet { address } => (
                "Delete a wallet?".to_owned(),
                format!("Delete the key of wallet {address} from the vault?"),
                "Delete",
            ),
            GuardedAction::ExportWalletKey { address } => (
                "Show a wallet's key?".to_owned(),
                format!("Show the private key of wallet {address}?"),
                "Show key",
            ),
        };
        Question {
            title,
            body,
            confirm: confirm.to_owned(),
        }
    }

    /// A few words for errors and logs (no amounts, no names).
    fn short(&self) -> &'static str {
        match self {
            GuardedAction::SwitchExchange { .. } => "switching the exchange",
            GuardedAction::StartLiveBot(_) => "starting a live bot",
            GuardedAction::RaiseDailyLimits { .. } => "raising the daily limits",
            GuardedAction::RaiseBotLimits { .. } => "raising a live bot's limits",
            GuardedAction::ArmKillswitch { .. } => "re-arming the killswitch",
            GuardedAction::DeleteWallet { .. } => "deleting a wallet",
            GuardedAction::ExportWalletKey { .. } => "exporting a wallet's key",
        }
    }
}

fn exchange_words(exchange: &ExchangeChoice) -> String {
    match exchange {
        ExchangeChoice::Polymarket => "Polymarket (real money)".to_owned(),
        ExchangeChoice::Simulator { url } => format!("the simulator at {url}"),
        ExchangeChoice::Demo => "the built-in demo".to_owned(),
    }
}

fn lines(raised: &[Raise]) -> String {
    raised
        .iter()
        .map(|r| format!("• {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    Confirmed,
    Declined,
}

/// A pending answer.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Confirmation> + Send + 'a>>;

/// Asks the user to confirm a guarded action, somewhere the API's caller cannot answer for
/// them. Implementations must not block the thread they are called on (the desktop's dialog
/// answers through a callback).
pub trait Confirmer: Send + Sync + fmt::Debug {
    fn confirm<'a>(&'a self, action: &'a GuardedAction) -> Answer<'a>;
}

/// Declines everything: the default, so a shell that installs no confirmer cannot spend.
#[derive(Debug, Clone, Copy, Default)]
pub struct NobodyToAsk;

impl Confirmer for NobodyToAsk {
    fn confirm<'a>(&'a self, _action: &'a GuardedAction) -> Answer<'a> {
        Box::pin(std::future::ready(Confirmation::Declined))
    }
}

/// Confirms everything: for a command the user typed in their own terminal (`polyagent …`),
/// where the command is the confirmation. There is no webview between the user and the CLI,
/// and whatever can run it as the user can read the data folder anyway. Never for a shell that
/// hosts a webview.
#[derive(Debug, Clone, Copy, Default)]
pub struct TypedCommand;

impl Confirmer for TypedCommand {
    fn confirm<'a>(&'a self, _action: &'a GuardedAction) -> Answer<'a> {
        Box::pin(std::future::ready(Confirmation::Confirmed))
    }
}

/// The runtime's side of asking: one question at a time.
#[derive(Debug, Default)]
pub(crate) struct Asking(tokio::sync::Mutex<()>);

fn declined(text: String) -> ApiError {
    ApiError::new(ErrorCode::ConfirmationDeclined, text)
}

/// The raises from `old` to `new` daily limits, in field order.
pub(crate) fn raised_daily_limits(old: &DailyLimits, new: &DailyLimits) -> Vec<Raise> {
    let mut raised = Vec::new();
    if new.max_daily_loss > old.max_daily_loss {
        raised.push(Raise::MaxDailyLoss {
            from: old.max_daily_loss,
            to: new.max_daily_loss,
        });
    }
    if new.max_trades_per_day > old.max_trades_per_day {
        raised.push(Raise::MaxTradesPerDay {
            from: old.max_trades_per_day,
            to: new.max_trades_per_day,
        });
    }
    if new.max_exposure_per_bot > old.max_exposure_per_bot {
        raised.push(Raise::MaxExposurePerBot {
            from: old.max_exposure_per_bot,
            to: new.max_exposure_per_bot,
        });
    }
    if new.max_exposure_total > old.max_exposure_total {
        raised.push(Raise::MaxExposureTotal {
            from: old.max_exposure_total,
            to: new.max_exposure_total,
        });
    }
    raised
}

/// `params` with every limit [`raised_bot_limits`] compares at its lowest.
fn nothing(params: &TradingParams) -> TradingParams {
    TradingParams {
        trade_size: Decimal::ZERO,
        stop_loss_pct: Decimal::ZERO,
        max_hold_secs: 0,
        trade_both_sides: false,
        ..params.clone()
    }
}

/// The raises of a bot's own limits: what it spends an order, how far a position may fall
/// before it is sold, how long it may be held, and whether both outcomes are bought.
pub(crate) fn raised_bot_limits(old: &TradingParams, new: &TradingParams) -> Vec<Raise> {
    let mut raised = Vec::new();
    if new.trade_size > old.trade_size {
        raised.push(Raise::TradeSize {
            from: old.trade_size,
            to: new.trade_size,
        });
    }
    if new.stop_loss_pct > old.stop_loss_pct {
        raised.push(Raise::StopLossPct {
            from: old.stop_loss_pct,
            to: new.stop_loss_pct,
        });
    }
    if new.max_hold_secs > old.max_hold_secs {
        raised.push(Raise::MaxHoldSecs {
            from: old.max_hold_secs,
            to: new.max_hold_secs,
        });
    }
    if new.trade_both_sides && !old.trade_both_sides {
        raised.push(Raise::TradeBothSides);
    }
    raised
}

impl Runtime {
    /// Asks the configured [`Confirmer`]; `CONFIRMATION_DECLINED` unless the user confirmed.
    pub(crate) async fn confirm(&self, action: GuardedAction) -> Result<(), ApiError> {
        debug_assert_eq!(action.guard(), Guard::Confirmation, "{action:?}");
        let Ok(_asking) = self.inner.asking.0.try_lock() else {
            tracing::info!(
                action = action.short(),
                "not asked: another question is waiting for its answer"
            );
            return Err(declined(format!(
                "another question is waiting for your answer; {} was not asked and nothing \
                 was changed",
                action.short()
            )));
        };
        tracing::info!(action = action.short(), "asking the user");
        match self.inner.config.confirmer.confirm(&action).await {
            Confirmation::Confirmed => {
                tracing::info!(action = action.short(), "confirmed by the user");
                Ok(())
            }
            Confirmation::Declined => {
                tracing::info!(action = action.short(), "not confirmed");
                Err(declined(format!(
                    "{} was not confirmed, so nothing was changed",
                    action.short()
                )))
            }
        }
    }

    /// Before the exchange changes to `to`.
    pub(crate) async fn confirm_exchange_switch(
        &self,
        to: &ExchangeChoice,
    ) -> Result<(), ApiError> {
        let from = self.settings().exchange;
        if from == *to || *to == ExchangeChoice::Demo {
            return Ok(());
        }
        self.confirm(GuardedAction::SwitchExchange {
            from,
            to: to.clone(),
        })
        .await
    }

    /// Before the daily limits become `new`: asked only when one goes up.
    pub(crate) async fn confirm_daily_limits(&self, new: &DailyLimits) -> Result<(), ApiError> {
        let raised = raised_daily_limits(&self.daily_limits(), new);
        if raised.is_empty() {
            return Ok(());
        }
        self.confirm(GuardedAction::RaiseDailyLimits { raised })
            .await
    }

    /// Before the killswitch is re-armed: asked only while it is tripped. A trip while the
    /// question was open is not undone by its answer: the user said yes to re-arming the
    /// earlier one.
    pub(crate) async fn confirm_arming(&self) -> Result<(), ApiError> {
        let asked_about = self.inner.global.borrow().killswitch.clone();
        let tripped_because = match &asked_about {
            Killswitch::Tripped { reason, .. } => reason.clone(),
            Killswitch::Armed => return Ok(()),
        };
        self.confirm(GuardedAction::ArmKillswitch { tripped_because })
            .await?;
        if self.inner.global.borrow().killswitch != asked_about {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the killswitch was tripped again while you were asked; it stays tripped",
            ));
        }
        Ok(())
    }

    /// Before a bot is started or resumed: asked only for a live bot that would start
    /// trading (not for a paper bot, nor for one already running).
    pub(crate) async fn confirm_live_start(
        &self,
        id: &str,
        how: StartKind,
    ) -> Result<(), ApiError> {
        let (summary, wallet) = match lock(&self.inner.bots).get(id) {
            Some(slot) => (slot.summary(), slot.wallet_address()),
            None => return Ok(()), // refused as BOT_NOT_FOUND by the command itself
        };
        let Some(wallet) = wallet else {
            return Ok(());
        };
        let would_trade = match how {
            StartKind::Resume => summary.status == "paused",
            StartKind::Start | StartKind::CreateAndStart => {
                summary.status != "running" && summary.status != "paused"
            }
        };
        if !would_trade {
            return Ok(());
        }
        let start = LiveBotStart {
            bot_id: Some(id.to_owned()),
            name: summary.name,
            how,
            wallet,
            exchange: self.settings().exchange,
            question: summary.question,
            outcome: summary.outcome,
            trade_size: Decimal::from_str_exact(&summary.trade_size).unwrap_or_default(),
            max_daily_loss: self.daily_limits().max_daily_loss,
        };
        self.confirm(GuardedAction::StartLiveBot(start)).await
    }

    /// Before a live bot is created with `start`.
    pub(crate) async fn confirm_live_creation(
        &self,
        spec: &BotSpec,
        params: &TradingParams,
        wallet: &str,
        market: &crate::persist::MarketTerms,
    ) -> Result<(), ApiError> {
        let start = LiveBotStart {
            bot_id: None,
            name: spec.name.clone(),
            how: StartKind::CreateAndStart,
            wallet: wallet.to_owned(),
            exchange: self.settings().exchange,
            question: market.question.clone(),
            outcome: market.outcome.clone(),
            trade_size: params.trade_size,
            max_daily_loss: self.daily_limits().max_daily_loss,
        };
        self.confirm(GuardedAction::StartLiveBot(start)).await
    }

    /// Before a bot's spec becomes `spec`: asked only for a live bot whose own limits go up
    /// while it is stopped (a running bot refuses to be edited anyway).
    pub(crate) async fn confirm_bot_update(
        &self,
        id: &str,
        spec: &BotSpec,
    ) -> Result<(), ApiError> {
        let (summary, live) = match lock(&self.inner.bots).get(id) {
            Some(slot @ restore::BotSlot::Active { .. }) => {
                (slot.summary(), slot.wallet_address().is_some())
            }
            _ => return Ok(()), // refused by the command itself
        };
        if !live || summary.status == "running" || summary.status == "paused" {
            return Ok(());
        }
        let Ok(new) = spec.resolve() else {
            return Ok(()); // refused as INVALID_CONFIG by the command itself
        };
        let row = self
            .db()
            .bots()
            .get(id)
            .await
            .map_err(|e| crate::wallets::store_error(&e))?;
        let old = row
            .and_then(|row| serde_json::from_value::<BotSpec>(row.config).ok())
            .and_then(|old| old.resolve().ok());
        let Some(old) = old else {
            // The saved spec cannot be read back: treat every limit as raised from nothing
            // rather than let the edit through unasked.
            return self
                .confirm(GuardedAction::RaiseBotLimits {
                    bot_id: id.to_owned(),
                    name: summary.name,
                    raised: raised_bot_limits(&nothing(&new.params), &new.params),
                })
                .await;
        };
        let raised = raised_bot_limits(&old.params, &new.params);
        if raised.is_empty() {
            return Ok(());
        }
        self.confirm(GuardedAction::RaiseBotLimits {
            bot_id: id.to_owned(),
            name: summary.name,
            raised,
        })
        .await
    }
}

#[cfg(test)]
mod tests;
