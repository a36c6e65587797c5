//! One bot's engine: config + lifecycle + strategy + risk + ledger, fed one event at a time.
//!
//! Per event, in order:
//! 1. a new UTC day lifts a daily-limit pause;
//! 2. fills are booked in the ledger (always, whatever the status: they are facts), start the
//!    cooldown when the order completes, and close round trips;
//! 3. if the bot is running or paused and the killswitch is not tripped: the risk layer
//!    checks exits on the latest quote (take profit, stop loss, time exit) and sells if one
//!    fires; then the strategy sees the event, and its decisions pass the risk gate;
//! 4. a daily limit reached pauses the bot and says why.
//!
//! Invariants:
//! - one order in flight at a time, one position at a time, no averaging down: decisions
//!   that would break these are dropped;
//! - an order still in flight [`ORDER_TIMEOUT_SECS`] after it was placed is cancelled once
//!   (an [`Action::Cancel`]); it stays in flight until the executor reports its last fill or
//!   a rejection, so a late fill is still booked against it;
//! - paused means no new entries; exits keep working (a paused bot still protects its
//!   position). Stopped, created and errored bots place nothing;
//! - lifecycle transitions follow [`BotStatus::apply`]'s table, nothing else changes status
//!   except daily-limit pauses (and their lifting) and ledger errors (→ error);
//! - the whole engine is `Clone` + serde: an actor can persist it and restore it.

use polyagent_domain::money::{Price, Shares};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::config::{BotConfig, ConfigError, ExecutionStyle};
use crate::event::{
    Action, Activity, Decision, Event, Fill, Leg, OrderRequest, Quote, Side, Target, Topic,
};
use crate::ledger::{Ledger, PnlReport};
use crate::risk::{self, GlobalView, RiskState};
use crate::strategy::{AnyStrategy, View, registry};

/// How long an order may stay in flight before the engine asks to cancel it. Paper orders
/// fill or fail at once; this bounds a live order that rests on the book.
pub const ORDER_TIMEOUT_SECS: u64 = 60;

/// How long after a refused resting order (not one we cancelled) the same target is tried
/// again: a refusal (no balance yet, shares not settled yet) may pass, but not in a loop.
pub const REST_RETRY_SECS: u64 = 10;

/// Why a bot is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum PauseReason {
    User,
    /// A daily limit; lifted automatically on the next UTC day.
    DailyLimit {
        day: i64,
        why: String,
    },
}

/// Where a bot is in its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BotStatus {
    Created,
    Stopped,
    Running,
    Paused { reason: PauseReason },
    Error { message: String },
}

/// A lifecycle request from the user or the runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Lifecycle {
    Start,
    Stop,
    Pause,
    Resume,
    Fail { message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {command} a bot that is {from}")]
pub struct LifecycleError {
    pub from: &'static str,
    pub command: &'static str,
}

impl BotStatus {
    pub fn name(&self) -> &'static str {
        match self {
            BotStatus::Created => "created",
            BotStatus::Stopped => "stopped",
            BotStatus::Running => "running",
            BotStatus::Paused { .. } => "paused",
            BotStatus::Error { .. } => "error",
        }
    }

    /// The transition table:
    ///
    /// | from \ command | start   | stop    | pause  | resume  | fail  |
    /// |----------------|---------|---------|--------|---------|-------|
    /// | created        | running | stopped | –      | –       | error |
    /// | stopped        | running | –       | –      | –       | error |
    /// | running        | –       | stopped | paused | –       | error |
    /// | paused         | –       | stopped | –      | running | error |
    /// | error          | running | stopped | –      | –       | error |
    pub fn apply(&self, command: &Lifecycle) -> Result<BotStatus, LifecycleError> {
        use BotStatus as S;
        use Lifecycle as L;
        let next = match (self, command) {
            (_, L::Fail { message }) => Some(S::Error {
                message: message.clone(),
            }),
            (S::Created | S::Stopped | S::Error { .. }, L::Start) => Some(S::Running),
            (S::Created | S::Running | S::Paused { .. } | S::Error { .. }, L::Stop) => {
                Some(S::Stopped)
            }
            (S::Running, L::Pause) => Some(S::Paused {
                reason: PauseReason::User,
            }),
            (S::Paused { .. }, L::Resume) => Some(S::Running),
            _ => None,
        };
        next.ok_or(LifecycleError {
            from: self.name(),
            command: match command {
                L::Start => "start",
                L::Stop => "stop",
                L::Pause => "pause",
                L::Resume => "resume",
                L::Fail { .. } => "fail",
            },
        })
    }
}

/// What a user asks a bot to do by hand (the bot's card, `Close position`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ManualOrder {
    /// Buy the bot's outcome at the ask for `amount` pUSD (its trade size when absent).
    Buy { amount: Option<Decimal> },
    /// Sell the whole position at the bid.
    ClosePosition,
}

/// Why a manual order was refused; nothing was placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ManualRefusal(pub String);

/// The order a bot would place next, known before its trigger (see [`BotEngine::next_order`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderForecast {
    pub id: crate::event::OrderId,
    pub leg: Leg,
    pub side: Side,
    /// pUSD to spend for a buy, shares to sell for a sell (as in [`OrderRequest::size`]).
    pub size: Decimal,
}

/// One bot's complete trading state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotEngine {
    config: BotConfig,
    status: BotStatus,
    strategy: AnyStrategy,
    risk: RiskState,
    ledger: Ledger,
    quote: Option<Quote>,
    open_order: Option<OrderRequest>,
    next_order: u64,
    target: Option<Target>,
    /// The last note logged, so a condition that persists is logged once, not every tick.
    last_note: Option<String>,
    /// The in-flight order a cancel was already asked for (asked once, not every tick).
    #[serde(default)]
    cancel_requested: Option<crate::event::OrderId>,
    /// The order in flight has had fills already (a resting order fills in parts).
    #[serde(default)]
    open_filled: bool,
    /// The target whose resting order was refused (not cancelled by us), and when: it is
    /// retried only after [`REST_RETRY_SECS`], or at once for a new target.
    #[serde(default)]
    rest_refused: Option<(Target, Timestamp)>,
}

impl BotEngine {
    /// A created (not yet running) bot.
    pub fn new(config: BotConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let Some(strategy) = registry::build(&config.strategy, &config) else {
            unreachable_validated()
        };
        Ok(Self {
            config,
            status: BotStatus::Created,
            strategy,
            risk: RiskState::default(),
            ledger: Ledger::default(),
            quote: None,
            open_order: None,
            next_order: 1,
            target: None,
            last_note: None,
            cancel_requested: None,
            open_filled: false,
            rest_refused: None,
        })
    }

    /// Applies an edited config, keeping the books, status and risk state. The strategy
    /// starts afresh when its name or parameters change (its state was built for the old
    /// ones). The market cannot change while a position or an order is open.
    pub fn reconfigure(&mut self, config: BotConfig) -> Result<(), ConfigError> {
        config.validate()?;
        let busy = self.ledger.position().is_some() || self.open_order.is_some();
        let market_changed = config.token_id != self.config.token_id
            || config.complement_token_id != self.config.complement_token_id;
        if busy && market_changed {
            return Err(ConfigError {
                problems: vec![crate::config::FieldError {
                    field: "token_id",
                    reason: "cannot change the market while a position or an order is open".into(),
                }],
            });
        }
        if config.strategy != self.config.strategy || config.params != self.config.params {
            let Some(strategy) = registry::build(&config.strategy, &config) else {
                unreachable_validated()
            };
            self.strategy = strategy;
        }
        self.config = config;
        Ok(())
    }

    pub fn config(&self) -> &BotConfig {
        &self.config
    }
    pub fn status(&self) -> &BotStatus {
        &self.status
    }
    pub fn strategy(&self) -> &AnyStrategy {
        &self.strategy
    }
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }
    pub fn quote(&self) -> Option<&Quote> {
        self.quote.as_ref()
    }
    pub fn open_order(&self) -> Option<&OrderRequest> {
        self.open_order.as_ref()
    }
    pub fn target(&self) -> Option<&Target> {
        self.target.as_ref()
    }
    pub fn risk(&self) -> &RiskState {
        &self.risk
    }

    /// The order the engine would place next if a trigger fired now, as far as it is known
    /// before the trigger: its number, leg, side and size. The limit price is not part of
    /// it (the market sets it at the trigger). `None` while an order is in flight, when the
    /// bot places nothing (stopped, created, errored) or, flat and paused, opens nothing.
    ///
    /// Live execution signs and journals this order ahead of time (see the runtime's
    /// `live.rs`, "armed orders"); a different order at the trigger simply goes the slow way.
    pub fn next_order(&self) -> Option<OrderForecast> {
        if self.open_order.is_some() {
            return None;
        }
        let running = match &self.status {
            BotStatus::Running => true,
            BotStatus::Paused { .. } => false,
            _ => return None,
        };
        let id = crate::event::OrderId(self.next_order);
        match self.ledger.position() {
            Some(position) => Some(OrderForecast {
                id,
                leg: position.leg,
                side: Side::Sell,
                size: position.shares,
            }),
            None if running => Some(OrderForecast {
                id,
                leg: Leg::Primary,
                side: Side::Buy,
                size: self.config.params.trade_size,
            }),
            None => None,
        }
    }

    /// Makes the next order number at least `next`: after a restart, numbers the journal
    /// already used (an order sent after the last save) are never given out again.
    pub fn skip_order_numbers_to(&mut self, next: u64) {
        self.next_order = self.next_order.max(next);
    }

    /// P&L marked at the latest displayed price of the held leg.
    pub fn report(&self, now: Timestamp) -> PnlReport {
        let mark = match (self.ledger.position(), &self.quote) {
            (Some(p), Some(q)) => Some(q.for_leg(p.leg).price),
            _ => None,
        };
        self.ledger.report(mark, now)
    }

    /// Applies a lifecycle command.
    pub fn command(
        &mut self,
        command: &Lifecycle,
        now: Timestamp,
    ) -> Result<Vec<Action>, LifecycleError> {
        let next = self.status.apply(command)?;
        let text = format!("{} → {}", self.status.name(), next.name());
        self.status = next;
        self.last_note = None;
        let mut out = vec![Action::Activity(Activity {
            at: now,
            text,
            topic: Topic::System,
        })];
        // A stopped bot leaves nothing resting on the book.
        if !matches!(self.status, BotStatus::Running | BotStatus::Paused { .. }) {
            self.cancel_resting("the bot stopped", now, &mut out);
        }
        Ok(out)
    }

    /// Places a manual order, whatever the bot's status (a stopped bot can still be closed
    /// out), under the rules every order follows: one order in flight, one position, no
    /// order while the killswitch is tripped, and a live price to trade at.
    pub fn manual(
        &mut self,
        order: &ManualOrder,
        global: &GlobalView,
        now: Timestamp,
    ) -> Result<Vec<Action>, ManualRefusal> {
        let refuse = |why: &str| Err(ManualRefusal(why.to_owned()));
        if global.killswitch.is_tripped() {
            return refuse("the killswitch is on: no orders");
        }
        if self.open_order.is_some() {
            return refuse("an order is already in flight: wait for its outcome");
        }
        let Some(quote) = self.quote else {
            return refuse("no live price yet");
        };
        let mut out = Vec::new();
        match order {
            ManualOrder::Buy { amount } => {
                if self.ledger.position().is_some() {
                    return refuse("the bot already holds a position: close it first");
                }
                let amount = amount.unwrap_or(self.config.params.trade_size);
                if amount <= Decimal::ZERO {
                    return refuse("the amount must be above 0 pUSD");
                }
                if amount > global.limits.max_exposure_per_bot {
                    return Err(ManualRefusal(format!(
                        "{amount} pUSD is above the per-bot exposure limit of {}",
                        global.limits.max_exposure_per_bot
                    )));
                }
                let Some(ask) = quote.ask.filter(|a| *a > Decimal::ZERO) else {
                    return refuse("no one is selling");
                };
                self.place(
                    Leg::Primary,
                    Side::Buy,
                    amount,
                    ask,
                    "bought by hand".into(),
                    self.config.params.execution.marketable(),
                    now,
                    &mut out,
                );
            }
            ManualOrder::ClosePosition => {
                let Some(position) = self.ledger.position() else {
                    return refuse("the bot holds no position");
                };
                let (leg, shares) = (position.leg, position.shares);
                let Some(bid) = quote.for_leg(leg).bid.filter(|b| *b > Decimal::ZERO) else {
                    return refuse("no one is bidding");
                };
                self.place(
                    leg,
                    Side::Sell,
                    shares,
                    bid,
                    "position closed by hand".into(),
                    self.config.params.execution.marketable(),
                    now,
                    &mut out,
                );
            }
        }
        Ok(out)
    }

    /// Feeds one event; returns what the owner must do (place orders) and record.
    pub fn on_event(&mut self, global: &GlobalView, event: &Event, now: Timestamp) -> Vec<Action> {
        let mut out = Vec::new();
        if let BotStatus::Paused {
            reason: PauseReason::DailyLimit { day, .. },
        } = &self.status
            && now.utc_day() > *day
        {
            self.status = BotStatus::Running;
            out.push(Action::Resumed {
                reason: "a new UTC day lifted the daily limit".into(),
            });
        }
        match event {
            Event::Tick(q) => self.quote = Some(*q),
            Event::Fill(f) => self.book_fill(f, now, &mut out),
            Event::Rejected { order, reason } => {
                if let Some(open) = self.open_order.as_ref().filter(|o| o.id == *order) {
                    if open.style.rests() && self.cancel_requested != Some(*order) {
                        self.rest_refused = self.target.map(|t| (t, now));
                    }
                    self.open_order = None;
                    if std::mem::take(&mut self.open_filled) {
                        // Part of it traded: the order is over like a completed one.
                        self.risk.note_fill(&self.config.params, now);
                    }
                }
                log(
                    now,
                    format!("order {} rejected: {reason}", order.0),
                    &mut out,
                );
            }
            Event::Timer => {}
        }
        if let Some(order) = &self.open_order
            && self.cancel_requested != Some(order.id)
        {
            // A resting order lives for its time-to-live; anything else is expected back at
            // once and is cancelled when it is not.
            let timeout = match order.style {
                ExecutionStyle::Resting { ttl_secs } => ttl_secs,
                _ => ORDER_TIMEOUT_SECS,
            };
            if now.secs_since(order.placed_at) >= timeout {
                let id = order.id;
                self.cancel_requested = Some(id);
                log(
                    now,
                    format!("order {} still open after {timeout} s: cancelling", id.0),
                    &mut out,
                );
                out.push(Action::Cancel { order: id });
            }
        }
        let running = match &self.status {
            BotStatus::Running => true,
            BotStatus::Paused { .. } => false,
            _ => return out,
        };
        if let risk::Killswitch::Tripped { reason, .. } = &global.killswitch {
            self.cancel_resting("killswitch tripped", now, &mut out);
            self.note(
                now,
                format!("killswitch tripped: {reason}; no orders"),
                &mut out,
            );
            return out;
        }
        // Exits are judged on market data and the timer only: a refused exit is tried again
        // on the next tick, never in a loop on its own rejection.
        let exiting =
            matches!(event, Event::Tick(_) | Event::Timer) && self.check_exits(now, &mut out);
        let decisions = {
            let view = View {
                config: &self.config,
                position: self.ledger.position(),
                quote: self.quote.as_ref(),
                order_open: self.open_order.is_some() || exiting,
            };
            self.strategy.on_event(&view, event, now)
        };
        for decision in decisions {
            self.decide(decision, global, running, now, &mut out);
        }
        // Resting execution keeps an order at the target whenever none is in flight (after
        // a fill, a cooldown, or a time-to-live that ran out), judged on market data and the
        // timer only: a refused one waits REST_RETRY_SECS (or a new target) before the next.
        if let Some(target) = self.target
            && self.open_order.is_none()
            && matches!(event, Event::Tick(_) | Event::Timer)
            && !self.rest_refused.is_some_and(|(refused, at)| {
                refused == target && now.secs_since(at) < REST_RETRY_SECS
            })
        {
            self.rest_at_target(target, global, running, now, &mut out);
        }
        if running && let Some(block) = risk::daily_limit(global, &self.ledger.today(now)) {
            self.pause_for_the_day(block.describe(), now, &mut out);
        }
        out
    }

    fn book_fill(&mut self, fill: &Fill, now: Timestamp, out: &mut Vec<Action>) {
        let ours = self
            .open_order
            .as_ref()
            .filter(|o| o.id == fill.order)
            .map(|o| o.reason.clone());
        let reason = ours
            .clone()
            .unwrap_or_else(|| "an order not in flight".to_owned());
        if ours.is_none() {
            log(
                now,
                format!(
                    "fill for order {} that is not in flight; booked anyway",
                    fill.order.0
                ),
                out,
            );
        }
        let verb = match fill.side {
            Side::Buy => "bought",
            Side::Sell => "sold",
        };
        log(
            now,
            format!(
                "{verb} {} {} at {} (fee {})",
                fill.shares,
                leg_name(fill.leg),
                fill.avg_price().round_dp(4),
                fill.fee
            ),
            out,
        );
        match self.ledger.apply(fill, now, &reason) {
            Ok(closed) => {
                if let Some(trade) = closed {
                    log(
                        now,
                        format!(
                            "trade closed: P&L {} pUSD ({:+}%)",
                            trade.pnl.round_dp(4),
                            trade.pnl_pct.round_dp(2)
                        ),
                        out,
                    );
                    out.push(Action::TradeClosed(trade));
                }
            }
            Err(error) => {
                let message = format!("ledger refused a fill: {error}");
                log_as(Topic::Error, now, message.clone(), out);
                self.status = BotStatus::Error { message };
            }
        }
        if fill.last {
            if ours.is_some() {
                self.open_order = None;
                self.open_filled = false;
            }
            self.risk.note_fill(&self.config.params, now);
        } else if ours.is_some() {
            self.open_filled = true;
        }
    }

    /// Sells the position if an exit fires; returns whether a sale was placed.
    fn check_exits(&mut self, now: Timestamp, out: &mut Vec<Action>) -> bool {
        let (Some(pos), Some(q)) = (self.ledger.position(), self.quote) else {
            return false;
        };
        let leg_quote = q.for_leg(pos.leg);
        let Some(reason) = risk::exit_signal(&self.config.params, pos, leg_quote.price, now) else {
            return false;
        };
        if let Some(order) = &self.open_order {
            // A resting order stands in the way of the exit: cancel it; the exit sells on a
            // later tick, once the cancel is through. A resting sale is itself the take
            // profit: it stays.
            let resting_sale = order.side == Side::Sell;
            let take_profit = matches!(reason, risk::ExitReason::TakeProfit { .. });
            if order.style.rests()
                && !(resting_sale && take_profit)
                && self.cancel_requested != Some(order.id)
            {
                let id = order.id;
                self.cancel_requested = Some(id);
                log(
                    now,
                    format!("{}: cancelling resting order {}", reason.describe(), id.0),
                    out,
                );
                out.push(Action::Cancel { order: id });
            }
            return false;
        }
        let (leg, shares) = (pos.leg, pos.shares);
        match leg_quote.bid.filter(|b| *b > Decimal::ZERO) {
            Some(bid) => {
                let style = self.config.params.execution.marketable();
                self.place(
                    leg,
                    Side::Sell,
                    shares,
                    bid,
                    reason.describe(),
                    style,
                    now,
                    out,
                );
                true
            }
            None => {
                self.note(
                    now,
                    format!("{}, but no one is bidding", reason.describe()),
                    out,
                );
                false
            }
        }
    }

    fn decide(
        &mut self,
        decision: Decision,
        global: &GlobalView,
        running: bool,
        now: Timestamp,
        out: &mut Vec<Action>,
    ) {
        match decision {
            Decision::PlaceBuy {
                leg,
                amount,
                limit,
                reason,
            } => {
                if self.open_order.is_some() || self.ledger.position().is_some() {
                    return;
                }
                if !running {
                    self.note(now, "paused: not opening new positions".to_owned(), out);
                    return;
                }
                let today = self.ledger.today(now);
                let price = self.quote.map_or(limit.get(), |q| q.for_leg(leg).price);
                let block = risk::entry_block(
                    &self.risk,
                    global,
                    &today,
                    self.ledger.exposure(),
                    amount.get(),
                    now,
                )
                .or_else(|| risk::spread_block(&self.config.params, limit.get(), price));
                if let Some(block) = block {
                    if block.pauses_for_the_day() {
                        self.pause_for_the_day(block.describe(), now, out);
                    } else {
                        self.note(now, format!("not buying: {}", block.describe()), out);
                    }
                    return;
                }
                let style = self.config.params.execution;
                self.place(
                    leg,
                    Side::Buy,
                    amount.get(),
                    limit.get(),
                    reason,
                    style,
                    now,
                    out,
                );
            }
            Decision::PlaceSell {
                leg,
                shares,
                limit,
                reason,
            } => {
                let Some(pos) = self.ledger.position().filter(|p| p.leg == leg) else {
                    return;
                };
                if self.open_order.is_some() {
                    return;
                }
                let size = shares.map_or(pos.shares, Shares::get).min(pos.shares);
                if size > Decimal::ZERO {
                    let style = self.config.params.execution;
                    self.place(
                        leg,
                        Side::Sell,
                        size,
                        Price::get(limit),
                        reason,
                        style,
                        now,
                        out,
                    );
                }
            }
            Decision::Cancel { order } => {
                if self.open_order.as_ref().is_some_and(|o| o.id == order)
                    && self.cancel_requested != Some(order)
                {
                    self.cancel_requested = Some(order);
                    out.push(Action::Cancel { order });
                }
            }
            Decision::SetTarget(target) => {
                if self.target != Some(target) {
                    self.target = Some(target);
                    out.push(Action::Target(Some(target)));
                }
            }
            Decision::ClearTarget => {
                if self.target.take().is_some() {
                    out.push(Action::Target(None));
                }
            }
            Decision::Spike(spike) => out.push(Action::Spike(spike)),
            Decision::Log(text) => log(now, text, out),
        }
    }

    /// With resting execution, a new target is an order resting at the target price at
    /// once (a buy when flat, a sale of the position when holding), under the same gates as
    /// any order: it trades when the market comes to it.
    fn rest_at_target(
        &mut self,
        target: Target,
        global: &GlobalView,
        running: bool,
        now: Timestamp,
        out: &mut Vec<Action>,
    ) {
        if !self.config.params.execution.rests() || self.open_order.is_some() {
            return;
        }
        let Ok(limit) = Price::new(target.price) else {
            return;
        };
        let reason = format!("resting at the target {}", target.price.round_dp(4));
        let decision = match (target.side, self.ledger.position()) {
            (Side::Buy, None) => {
                let Ok(amount) =
                    polyagent_domain::money::Collateral::new(self.config.params.trade_size)
                else {
                    return;
                };
                Decision::PlaceBuy {
                    leg: target.leg,
                    amount,
                    limit,
                    reason,
                }
            }
            (Side::Sell, Some(pos)) if pos.leg == target.leg => Decision::PlaceSell {
                leg: target.leg,
                shares: None,
                limit,
                reason,
            },
            _ => return,
        };
        self.decide(decision, global, running, now, out);
    }

    /// Asks to cancel the order in flight when it rests on the book (once).
    fn cancel_resting(&mut self, why: &str, now: Timestamp, out: &mut Vec<Action>) {
        if let Some(order) = &self.open_order
            && order.style.rests()
            && self.cancel_requested != Some(order.id)
        {
            let id = order.id;
            self.cancel_requested = Some(id);
            log(
                now,
                format!("{why}: cancelling resting order {}", id.0),
                out,
            );
            out.push(Action::Cancel { order: id });
        }
    }

    #[allow(clippy::too_many_arguments)] // all are the order's own fields
    fn place(
        &mut self,
        leg: Leg,
        side: Side,
        size: Decimal,
        limit: Decimal,
        reason: String,
        style: ExecutionStyle,
        now: Timestamp,
        out: &mut Vec<Action>,
    ) {
        let id = crate::event::OrderId(self.next_order);
        self.next_order += 1;
        let rests = if style.rests() { " (resting)" } else { "" };
        let what = match side {
            Side::Buy => format!("BUY {size} pUSD of {} at ≤ {limit}{rests}", leg_name(leg)),
            Side::Sell => format!("SELL {size} {} at ≥ {limit}{rests}", leg_name(leg)),
        };
        log_as(Topic::Order, now, format!("{what}: {reason}"), out);
        let request = OrderRequest {
            id,
            leg,
            side,
            size,
            limit,
            reason,
            placed_at: now,
            style,
        };
        self.open_order = Some(request.clone());
        self.open_filled = false;
        self.last_note = None;
        out.push(Action::Place(request));
    }

    fn pause_for_the_day(&mut self, why: String, now: Timestamp, out: &mut Vec<Action>) {
        log_as(
            Topic::Risk,
            now,
            format!("paused until the next UTC day: {why}"),
            out,
        );
        self.status = BotStatus::Paused {
            reason: PauseReason::DailyLimit {
                day: now.utc_day(),
                why: why.clone(),
            },
        };
        out.push(Action::Paused { reason: why });
    }

    /// Logs a persisting condition once.
    fn note(&mut self, now: Timestamp, text: String, out: &mut Vec<Action>) {
        if self.last_note.as_deref() != Some(text.as_str()) {
            self.last_note = Some(text.clone());
            log(now, text, out);
        }
    }
}

fn log(now: Timestamp, text: String, out: &mut Vec<Action>) {
    log_as(Topic::System, now, text, out);
}

fn log_as(topic: Topic, now: Timestamp, text: String, out: &mut Vec<Action>) {
    out.push(Action::Activity(Activity {
        at: now,
        text,
        topic,
    }));
}

fn leg_name(leg: Leg) -> &'static str {
    match leg {
        Leg::Primary => "outcome",
        Leg::Complement => "other outcome",
    }
}

#[cold]
fn unreachable_validated() -> ! {
    panic!("a validated config names a registered strategy")
}
