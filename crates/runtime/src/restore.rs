//! Bringing bots to life: creating new ones, restoring saved ones at start, and reconciling
//! every order whose outcome was not known when the app stopped.
//!
//! Invariants:
//! - a live bot never trades again before each of its unresolved journal intents has been
//!   settled: `pending` ones were never sent (failed), `sent`/`unknown` ones are looked up on
//!   the exchange by their order id (found → its trades are booked; absent → failed). The
//!   outcomes are handed to the bot's task as its first events, ahead of any market data.
//!   Armed intents (signed and journaled ahead of a trigger, see `live.rs`) are `sent` ones:
//!   each is looked up; the absent ones are failed in the journal without telling the
//!   engine (at most one of a set was posted, and only that one is its order's outcome);
//! - an order the engine still has in flight with no unresolved intent was never sent (the
//!   intent is written before sending), so it is rejected with that reason;
//! - a live bot whose wallet cannot be used yet (locked vault, unreachable exchange) waits
//!   in the list with the reason shown; unlocking the vault or starting it tries again.

use std::collections::HashSet;
use std::sync::Arc;

use polyagent_domain::text::quoted;
use polyagent_domain::trading::TokenId;
use polyagent_engine::bot::{BotEngine, BotStatus, Lifecycle};
use polyagent_engine::event::{Leg, OrderRequest, Side};
use polyagent_engine::paper::{FeeCurve, PaperAccount};
use polyagent_store::{IntentSettlement, IntentState, NewBot};
use polyagent_venue::client::AuthedClient;
use polyagent_venue::eip712::Exchange;
use polyagent_venue::gamma::{MarketRef, require_tradable};
use polyagent_venue::venue_error::VenueError;

use crate::api_error::{ApiError, ErrorCode};
use crate::bots::{self, BotContext, BotHandle, BotSummary, Execution, FeedState};
use crate::live::{ExecutionReport, LiveMarket};
use crate::persist::{self, MarketTerms, SavedBot};
use crate::wallets;

/// A clock difference with the exchange beyond this (ms) is told to the user.
const CLOCK_SKEW_TOLD_MS: u64 = 1_000;
use crate::{NewBotRequest, Runtime, RuntimeEvent, lock};

/// A bot in the runtime's list.
pub(crate) enum BotSlot {
    Active {
        handle: BotHandle,
        wallet: Option<String>,
    },
    /// A live bot that cannot trade yet. Its saved status is kept: a bot that was running
    /// runs again once activated.
    Waiting {
        saved: Box<SavedBot>,
        summary: Box<BotSummary>,
        reason: String,
    },
}

impl BotSlot {
    pub(crate) fn summary(&self) -> BotSummary {
        match self {
            BotSlot::Active { handle, .. } => handle.summary(),
            BotSlot::Waiting { summary, .. } => (**summary).clone(),
        }
    }

    pub(crate) fn handle(&self) -> Option<BotHandle> {
        match self {
            BotSlot::Active { handle, .. } => Some(handle.clone()),
            BotSlot::Waiting { .. } => None,
        }
    }

    pub(crate) fn wallet_address(&self) -> Option<String> {
        match self {
            BotSlot::Active { wallet, .. } => wallet.clone(),
            BotSlot::Waiting { saved, .. } => saved.wallet_address.clone(),
        }
    }
}

pub(crate) fn venue_error(error: &VenueError) -> ApiError {
    let code = match error {
        VenueError::MarketClosed(_)
        | VenueError::MarketResolved(_)
        | VenueError::TradingDisabled(_) => ErrorCode::MarketClosed,
        VenueError::MarketNotFound(_) | VenueError::InvalidInput(_) => ErrorCode::InvalidInput,
        VenueError::InsufficientBalance(_) => ErrorCode::InsufficientBalance,
        VenueError::ClockSkew { .. } => ErrorCode::ClockSkew,
        _ => ErrorCode::VenueUnavailable,
    };
    ApiError::new(code, error.to_string())
}

fn venue(error: &VenueError) -> ApiError {
    venue_error(error)
}

impl Runtime {
    /// Restores every saved bot (see the module docs).
    pub(crate) async fn restore_all(&self) -> Result<(), ApiError> {
        let rows = self
            .db()
            .bots()
            .list()
            .await
            .map_err(|e| wallets::store_error(&e))?;
        for row in rows {
            let Some(state) = row.state else {
                tracing::warn!(bot = %row.id, "a bot saved without state is skipped");
                continue;
            };
            let saved: SavedBot = match serde_json::from_str(&state) {
                Ok(saved) => saved,
                Err(error) => {
                    tracing::error!(bot = %row.id, %error, "a saved bot could not be read");
                    continue;
                }
            };
            let errored = row.status == "error";
            let saved = if self.refuse_while_unsafe().is_err() {
                self.stop_for_safety(&row.id, saved).await
            } else {
                saved
            };
            self.bring_up(&row.id, saved, errored).await;
        }
        Ok(())
    }

    /// Activates a bot, or lists it as waiting when its wallet cannot be used yet (or when
    /// this runtime does not run bots).
    pub(crate) async fn bring_up(&self, id: &str, saved: SavedBot, errored: bool) {
        let activated = if let Err(unsafe_state) = self.refuse_while_unsafe() {
            Err(unsafe_state)
        } else if self.inner.config.run_bots {
            self.activate(id, &saved, errored).await
        } else {
            Err(ApiError::new(
                ErrorCode::Conflict,
                "bots run only under `polyagent run` or the app",
            ))
        };
        let slot = match activated {
            Ok(handle) => BotSlot::Active {
                handle,
                wallet: saved.wallet_address.clone(),
            },
            Err(error) => {
                tracing::warn!(bot = %id, %error, "bot waits");
                let mut summary = bots::summary_of(
                    id,
                    &saved,
                    FeedState::Reconnecting,
                    self.inner.config.clock.now(),
                );
                if self.inner.config.run_bots {
                    summary.status = "stopped".into();
                    summary.status_detail = Some(format!("waiting: {}", error.message));
                    summary.waiting_for = Some(crate::WaitReason::of(&error));
                }
                BotSlot::Waiting {
                    saved: Box::new(saved),
                    summary: Box::new(summary),
                    reason: error.message,
                }
            }
        };
        let summary = slot.summary();
        lock(&self.inner.bots).insert(id.to_owned(), slot);
        let _ = self
            .inner
            .events
            .send(RuntimeEvent::BotStatus(Box::new(summary)));
    }

    /// Spawns the bot's task, after settling its unresolved orders when it trades live.
    async fn activate(
        &self,
        id: &str,
        saved: &SavedBot,
        errored: bool,
    ) -> Result<BotHandle, ApiError> {
        let mut engine: BotEngine = saved.engine.clone();
        let now = self.inner.config.clock.now();
        if errored && !matches!(engine.status(), BotStatus::Error { .. }) {
            let _ = engine.command(
                &Lifecycle::Fail {
                    message: "stopped after an internal error".into(),
                },
                now,
            );
        }
        let (execution, pending) = match &saved.wallet_address {
            None => {
                let account = match &saved.paper {
                    Some(account) => account.clone(),
                    None => {
                        let cash = saved.execution.paper_cash()?.unwrap_or_default();
                        PaperAccount::new(cash, saved.market.fees, saved.market.tick())
                    }
                };
                // Paper orders complete within one turn of the loop: one still in flight was
                // cut short by a crash and never filled.
                let pending = engine
                    .open_order()
                    .map(|o| {
                        vec![ExecutionReport::rejected(
                            o.id,
                            "the app stopped before this paper order was filled".into(),
                            None,
                        )]
                    })
                    .unwrap_or_default();
                (Execution::Paper(account), pending)
            }
            Some(address) => {
                // A key never confirmed saved first: that is the user's next step wherever
                // they trade; then whether this exchange lets the wallet trade live at all.
                self.require_backup(address).await?;
                self.check_live_wallet(address).await?;
                let wallets::Connected { client, fills } = self.connected(address).await?;
                let funder = match self.db().wallets().get(address).await {
                    Ok(Some(w)) => w.funder.and_then(|f| f.parse().ok()),
                    _ => None,
                };
                let market = LiveMarket {
                    client,
                    tick: saved.market.tick(),
                    exchange: Exchange::for_market(
                        saved.market.order_protocol,
                        saved.market.neg_risk,
                    )
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?,
                    fees: saved.market.fees,
                    funder,
                    arm_orders: self.inner.config.arm_orders,
                    fills,
                };
                // Orders sent after the bot's last save used numbers the saved engine
                // would give out again: skip past every number the journal holds.
                let used = self
                    .db()
                    .order_journal()
                    .for_bot(id)
                    .await
                    .map_err(|e| wallets::store_error(&e))?
                    .iter()
                    .filter_map(|i| persist::order_of_intent(id, &i.intent_id))
                    .map(|n| n.0 + 1)
                    .max()
                    .unwrap_or(0);
                engine.skip_order_numbers_to(used);
                let pending = self.reconcile(id, saved, &engine, &market).await?;
                (Execution::Live(market), pending)
            }
        };
        let feed = self.feed()?.subscribe(&saved.spec.token_id);
        let context = BotContext {
            id: id.to_owned(),
            events: self.inner.events.clone(),
            global: self.inner.global.subscribe(),
            clock: self.inner.config.clock.clone(),
            db: self.db().clone(),
            saved: saved.clone(),
            prices: self.inner.prices.clone(),
            latency_probe: self.inner.config.latency_probe.clone(),
            stop_reason: None,
        };
        Ok(bots::spawn(engine, execution, feed, context, pending))
    }

    /// The outcomes of this bot's orders that the journal does not know yet.
    async fn reconcile(
        &self,
        id: &str,
        saved: &SavedBot,
        engine: &BotEngine,
        market: &LiveMarket,
    ) -> Result<Vec<ExecutionReport>, ApiError> {
        let unresolved = self
            .db()
            .order_journal()
            .unresolved()
            .await
            .map_err(|e| wallets::store_error(&e))?;
        let now = self.inner.config.clock.now();
        let mut reports = Vec::new();
        let mut covered = HashSet::new();
        // Trades booked already (parts of a resting order) are not booked again.
        let booked: HashSet<String> = self
            .db()
            .fills()
            .list(
                Some(id),
                polyagent_store::Timestamp::from_millis(0),
                polyagent_store::Timestamp::from_millis(i64::MAX),
            )
            .await
            .map_err(|e| wallets::store_error(&e))?
            .into_iter()
            .map(|f| f.trade_id)
            .collect();
        for intent in unresolved
            .iter()
            .filter(|i| i.bot_id.as_deref() == Some(id))
        {
            let Some(number) = persist::order_of_intent(id, &intent.intent_id) else {
                continue;
            };
            let armed = persist::is_armed_intent(&intent.intent_id);
            if !armed {
                covered.insert(number);
            }
            let order = engine
                .open_order()
                .filter(|o| o.id == number)
                .cloned()
                .unwrap_or_else(|| OrderRequest {
                    id: number,
                    leg: if intent.token_id == saved.spec.token_id {
                        Leg::Primary
                    } else {
                        Leg::Complement
                    },
                    side: match intent.side {
                        polyagent_store::Side::Buy => Side::Buy,
                        polyagent_store::Side::Sell => Side::Sell,
                    },
                    size: intent.size,
                    limit: intent.price,
                    reason: "recovered after a restart".into(),
                    placed_at: now,
                    style: polyagent_engine::config::ExecutionStyle::default(),
                });
            let report = match intent.state {
                IntentState::Pending => {
                    let reason = "never sent: the app stopped before sending it".to_owned();
                    ExecutionReport::rejected(
                        number,
                        reason.clone(),
                        Some(IntentSettlement::Failed {
                            intent_id: intent.intent_id.clone(),
                            reason,
                        }),
                    )
                }
                _ => {
                    let token = TokenId::new(&intent.token_id)
                        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                    // Trades are read from just before the intent was written, on the
                    // exchange's clock, less the lookback: never the whole history.
                    let created_s = intent.created_at.as_millis() / 1000;
                    let skew_s = market.client.clock_skew_ms() / 1000;
                    let after_s = u64::try_from(created_s + skew_s)
                        .unwrap_or(0)
                        .saturating_sub(crate::outcome::TRADES_LOOKBACK_S);
                    let posted = crate::outcome::Posted {
                        market,
                        bot_id: id,
                        intent_id: &intent.intent_id,
                        exchange_id: &intent.client_order_id,
                        token: &token,
                        order: &order,
                        after_s,
                    };
                    crate::outcome::settle(&posted, &booked)
                        .await
                        .map_err(|e| {
                            ApiError::new(
                                ErrorCode::VenueUnavailable,
                                format!(
                                    "an order's outcome could not be checked with the exchange: {e}"
                                ),
                            )
                        })?
                }
            };
            tracing::info!(bot = %id, intent = %intent.intent_id, event = ?report.event, "reconciled");
            if armed {
                // Of an armed set at most one was posted. The others were never sent: they
                // are retired here, and the engine hears only of the one the exchange knows.
                if let Some(IntentSettlement::Failed { reason, .. }) = &report.settlement {
                    self.db()
                        .order_journal()
                        .mark_failed(&intent.intent_id, reason, persist_now(now))
                        .await
                        .map_err(|e| wallets::store_error(&e))?;
                    continue;
                }
                covered.insert(number);
            }
            reports.push(report);
        }
        if let Some(open) = engine.open_order()
            && !covered.contains(&open.id)
        {
            reports.push(ExecutionReport::rejected(
                open.id,
                "the app stopped before this order was sent; nothing was traded".into(),
                None,
            ));
        }
        Ok(reports)
    }

    /// The exchange client of a wallet, connecting it on first use.
    pub(crate) async fn client_for(&self, address: &str) -> Result<Arc<AuthedClient>, ApiError> {
        Ok(self.connected(address).await?.client)
    }

    /// The exchange client of a wallet and the router of its user feed, connecting it (and
    /// starting its watcher) on first use.
    pub(crate) async fn connected(&self, address: &str) -> Result<wallets::Connected, ApiError> {
        let mut clients = self.inner.clients.lock().await;
        if let Some(connected) = clients.get(address) {
            return Ok(connected);
        }
        let wallet = self
            .db()
            .wallets()
            .get(address)
            .await
            .map_err(|e| wallets::store_error(&e))?
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::WalletNotFound,
                    format!("no wallet {}", quoted(address)),
                )
            })?;
        let signer = {
            let mut slot = lock(&self.inner.vault);
            wallets::signer(slot.vault()?, address)?
        };
        let public = self.public_client()?;
        // Signatures are timed by the exchange's clock: measure how far ours is off first
        // (the client then corrects every timestamp) and tell the user when it is.
        let skew_ms = match public.check_clock_skew().await {
            Ok(skew_ms) => Some(skew_ms),
            // Too far off to sign with: the wallet does not connect, and the error says why.
            Err(error @ VenueError::ClockSkew { .. }) => return Err(venue_error(&error)),
            Err(_) => None,
        };
        let client = wallets::connect(public, signer, &wallet).await?;
        // The user feed of the exchange this client was built for, not of whatever the
        // settings say now: credentials derived on one exchange never go to another's (L-8).
        let user_ws = crate::exchange_target::user_ws_of(&client)?;
        let (watcher, fills) = crate::settlement::watch(
            client.clone(),
            user_ws,
            self.db().clone(),
            self.inner.events.clone(),
            self.inner.config.clock.clone(),
        );
        lock(&self.inner.watchers).push(watcher);
        let connected = clients.insert(address, wallets::Connected { client, fills });
        self.inner
            .tiers
            .connected(address, connected.client.clone());
        if let Some(skew_ms) = skew_ms.filter(|s| s.unsigned_abs() > CLOCK_SKEW_TOLD_MS) {
            self.tell_clock_skew(address, skew_ms).await;
        }
        Ok(connected)
    }

    /// An activity line (for every bot) saying how far the exchange's clock is from ours.
    async fn tell_clock_skew(&self, address: &str, skew_ms: i64) {
        let seconds = rust_decimal::Decimal::new(skew_ms.abs(), 3).round();
        let direction = if skew_ms > 0 { "ahead of" } else { "behind" };
        let now = polyagent_store::Timestamp::from_millis(self.inner.config.clock.now().millis());
        let line = polyagent_store::NewActivity {
            bot_id: None,
            ts: now,
            kind: polyagent_store::ActivityKind::System,
            message: format!(
                "the exchange's clock is {seconds} s {direction} this computer's (measured \
                 connecting {address}); orders are timed by the exchange's clock"
            ),
            detail: None,
        };
        if let Err(error) = self.db().activity().append(&line).await {
            tracing::warn!(%error, "could not append to the activity log");
        }
    }

    /// Creates a bot from the wizard's request (see [`NewBotRequest`]).
    ///
    /// # Errors
    /// `INVALID_CONFIG` with every problem named; `MARKET_CLOSED` for a market that cannot
    /// be traded; `WALLET_NOT_FOUND`, `VAULT_LOCKED` for a live bot whose wallet cannot sign.
    /// Nothing is saved on error.
    pub async fn create_bot(&self, request: NewBotRequest) -> Result<BotSummary, ApiError> {
        let config = request
            .spec
            .resolve()
            .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
        if request.execution.is_live() && config.params.dry_run {
            return Err(ApiError::new(
                ErrorCode::InvalidConfig,
                "the profile is a dry run: choose paper execution, or a live profile (or set dry_run to false)",
            ));
        }
        let engine = BotEngine::new(config)
            .map_err(|e| ApiError::new(ErrorCode::InvalidConfig, e.to_string()))?;
        let cash = request.execution.paper_cash()?;
        let wallet_address = if request.execution.is_live() {
            let wallet = wallets::find(self.db(), &request.spec.wallet).await?;
            self.require_backup(&wallet.address).await?;
            self.check_live_wallet(&wallet.address).await?;
            let address = wallets::parse_address(&wallet.address)?;
            let has_key = lock(&self.inner.vault).vault()?.contains(address);
            if !has_key {
                return Err(ApiError::new(
                    ErrorCode::WalletNotFound,
                    format!("the vault has no key for {}", wallet.address),
                ));
            }
            Some(wallet.address)
        } else {
            None
        };
        let market = self
            .market_terms(
                &request.spec.token_id,
                request.spec.complement_token_id.as_deref(),
            )
            .await?;
        if let (Some(wallet), true) = (&wallet_address, request.start) {
            self.confirm_live_creation(&request.spec, &engine.config().params, wallet, &market)
                .await?;
        }
        let paper = cash.map(|cash| PaperAccount::new(cash, market.fees, market.tick()));
        let saved = SavedBot {
            spec: request.spec.clone(),
            execution: request.execution.clone(),
            market,
            wallet_address,
            engine,
            paper,
        };
        let id = {
            let _creating = self.inner.creating.lock().await;
            let id = self.next_bot_id().await?;
            let config = serde_json::to_value(&request.spec)
                .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
            let now = self.now();
            self.db()
                .bots()
                .create(
                    &NewBot {
                        id: id.clone(),
                        name: request.spec.name.clone(),
                        config,
                        status: "created".into(),
                    },
                    now,
                )
                .await
                .map_err(|e| wallets::store_error(&e))?;
            let progress = persist::progress(&id, &saved, Vec::new(), None)?;
            self.db()
                .save_bot_progress(&progress, now)
                .await
                .map_err(|e| wallets::store_error(&e))?;
            id
        };
        self.bring_up(&id, saved, false).await;
        if request.start {
            // Confirmed above for a live bot: not asked twice.
            self.lifecycle(&id, Lifecycle::Start).await?;
        }
        self.get_bot(&id)
    }

    async fn next_bot_id(&self) -> Result<String, ApiError> {
        let rows = self
            .db()
            .bots()
            .list()
            .await
            .map_err(|e| wallets::store_error(&e))?;
        let highest = rows
            .iter()
            .filter_map(|b| b.id.strip_prefix("bot-")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        Ok(format!("bot-{:04}", highest + 1))
    }

    /// Looks the bot's market up: it must exist and be tradable.
    async fn market_terms(
        &self,
        token: &str,
        complement: Option<&str>,
    ) -> Result<MarketTerms, ApiError> {
        if token.is_empty() || token.len() > 100 || !token.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::new(
                ErrorCode::InvalidConfig,
                format!(
                    "token_id must be an outcome token id (decimal digits), not {}",
                    quoted(token)
                ),
            ));
        }
        let public = self.public_client()?;
        let found = public
            .find_market(&MarketRef::Token(token.to_owned()))
            .await
            .map_err(|e| venue(&e))?;
        let info = require_tradable(&found).map_err(|e| venue(&e))?;
        let outcome = info
            .outcomes
            .iter()
            .find(|o| o.token_id.as_str() == token)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        if let Some(other) = complement
            && !info
                .outcomes
                .iter()
                .any(|o| o.token_id.as_str() == other && other != token)
        {
            return Err(ApiError::new(
                ErrorCode::InvalidConfig,
                "complement_token_id is not the other outcome of the same market",
            ));
        }
        let fees = public
            .fee_curve(&info.condition_id)
            .await
            .map_err(|e| venue(&e))?;
        Ok(MarketTerms {
            condition_id: info.condition_id.clone(),
            question: info.question.clone(),
            outcome,
            tick: info.tick_size.to_string(),
            neg_risk: info.neg_risk,
            order_protocol: info.protocol.order_protocol(),
            fees: FeeCurve {
                rate: fees.rate,
                exponent: fees.exponent,
            },
        })
    }

    /// Applies a lifecycle command to a saved bot without running it (management mode).
    pub(crate) async fn save_lifecycle(
        &self,
        id: &str,
        command: &Lifecycle,
    ) -> Result<(), ApiError> {
        let mut saved = match lock(&self.inner.bots).get(id) {
            Some(BotSlot::Waiting { saved, .. }) => (**saved).clone(),
            Some(BotSlot::Active { .. }) => {
                return Err(ApiError::new(
                    ErrorCode::Internal,
                    "a managed bot is running",
                ));
            }
            None => {
                return Err(ApiError::new(
                    ErrorCode::BotNotFound,
                    format!("no bot with id {}", quoted(id)),
                ));
            }
        };
        let now = self.inner.config.clock.now();
        saved
            .engine
            .command(command, now)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let progress = persist::progress(id, &saved, Vec::new(), None)?;
        self.db()
            .save_bot_progress(&progress, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        let summary = bots::summary_of(id, &saved, FeedState::Reconnecting, now);
        if let Some(BotSlot::Waiting {
            saved: slot_saved,
            summary: slot_summary,
            ..
        }) = lock(&self.inner.bots).get_mut(id)
        {
            **slot_saved = saved;
            **slot_summary = summary;
        }
        Ok(())
    }

    /// Tries again to activate every waiting bot (after the vault was unlocked).
    pub(crate) async fn wake_waiting(&self) {
        let waiting: Vec<String> = lock(&self.inner.bots)
            .iter()
            .filter(|(_, slot)| matches!(slot, BotSlot::Waiting { .. }))
            .map(|(id, _)| id.clone())
            .collect();
        for id in waiting {
            let _ = self.activate_waiting(&id).await;
        }
    }

    /// Activates one waiting bot; a bot already active is left alone.
    pub(crate) async fn activate_waiting(&self, id: &str) -> Result<(), ApiError> {
        self.refuse_while_unsafe()?;
        let saved = match lock(&self.inner.bots).get(id) {
            Some(BotSlot::Waiting { saved, .. }) => (**saved).clone(),
            Some(BotSlot::Active { .. }) => return Ok(()),
            None => {
                return Err(ApiError::new(
                    ErrorCode::BotNotFound,
                    format!("no bot with id {}", quoted(id)),
                ));
            }
        };
        let handle = self.activate(id, &saved, false).await?;
        let wallet = saved.wallet_address.clone();
        lock(&self.inner.bots).insert(
            id.to_owned(),
            BotSlot::Active {
                handle: handle.clone(),
                wallet,
            },
        );
        let _ = self
            .inner
            .events
            .send(RuntimeEvent::BotStatus(Box::new(handle.summary())));
        Ok(())
    }
}

fn persist_now(now: polyagent_engine::Timestamp) -> polyagent_store::Timestamp {
    polyagent_store::Timestamp::from_millis(now.millis())
}
