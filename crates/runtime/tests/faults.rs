//! The fault suite: one live bot against the simulator while one of its fault switches is on
//! (a dropped socket, a silent stall, a 429 storm, a 500 after or before the order is accepted,
//! slow answers, a tick size change while holding, the market resolved while holding, a
//! balance refusal, a skewed exchange clock, a fill made while the user socket was down, an
//! outcome that cannot be learned for a while, a taker delay, a 0.001-tick market, a
//! matching-engine restart with post-only mode after it, an EOA on a deposit-wallet account).
//!
//! The runtime reaches the simulator through a counting proxy ([`common::CountingProxy`]), so
//! a test can tell whether fills came from the user WebSocket or from REST reads.
//!
//! Every test ends with the same audit ([`Rig::audit`]), read from the simulator and from the
//! bot's own database after the runtime has shut down:
//! - no duplicate order: every order the simulator holds for the wallet is one journal intent
//!   of the bot, found by its id, and no intent is left unresolved;
//! - no lost fill: the bot's booked fills are exactly the simulator's trades of those orders
//!   (as taker or maker), each booked once;
//! - the bot's position is the simulator's (to within the dust below one 0.01-share sell lot
//!   that the ledger writes off when it closes a position);
//! - the user was told: each test checks its own activity line or status.
//!
//! Waiting is always on a condition with a deadline (`common::wait_for`), never a sleep.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::{SignatureType, TokenId};
use polyagent_engine::config::{BotSpec, ExecutionStyle, Overrides, Profile};
use polyagent_runtime::{
    AppSettings, ExchangeChoice, ExecutionPlan, FeedState, NewBotRequest, Runtime, RuntimeConfig,
    RuntimeEvent,
};
use polyagent_simulator::scenario::Scenario;
use polyagent_simulator::server::{SimConfig, SimServer, unix_now_ms};
use polyagent_store::{Database, IntentState};
use polyagent_venue::client::{AuthedClient, ClientConfig, PublicClient};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::sync::broadcast;

mod common;

use common::{CountingProxy, ReadCounts, wait_for};

/// Hardhat test account #1: a public test key, funded only inside the simulator.
const KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// One simulator, one runtime with the trader's key, one live bot on the "spiky" market.
struct Rig {
    sim: SimServer,
    http: reqwest::Client,
    /// The trader's own client, to ask the exchange what it holds.
    client: Arc<AuthedClient>,
    token: String,
    dir: tempfile::TempDir,
    runtime: Runtime,
    events: broadcast::Receiver<RuntimeEvent>,
    bot: String,
    /// Every activity line the bot was told, in order.
    told: Vec<String>,
    /// The runtime's order and trade reads at the exchange.
    reads: Arc<ReadCounts>,
    _proxy: CountingProxy,
}

/// How a test wants its runtime.
#[derive(Clone, Copy)]
struct Setup {
    /// Silence after which the market feed counts as stale.
    stale_after: Duration,
    /// How far the exchange's clock is off, from before the wallet connects.
    clock_skew_ms: i64,
    /// The bot rests GTC orders (Train of Trade) instead of taking the book with FAK orders.
    resting: bool,
    /// How long the runtime waits for an answer from the exchange.
    request_timeout: Duration,
    /// The market's taker delay: marketable orders are held (DELAYED) this long.
    taker_delay_ms: u64,
    /// The market's tick size.
    tick_size: &'static str,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            stale_after: Duration::from_secs(15),
            clock_skew_ms: 0,
            resting: false,
            request_timeout: Duration::from_secs(5),
            taker_delay_ms: 0,
            tick_size: "0.01",
        }
    }
}

async fn rig(setup: Setup) -> Rig {
    let scenario = json!({
        "name": "faults", "step_ms": 500,
        "markets": [{"slug": "spiky", "question": "Spiky?",
            "liquidity": {"spread": "0.02", "levels": 3, "size": "500"},
            "taker_delay_ms": setup.taker_delay_ms,
            "tick_size": setup.tick_size,
            "path": {"kind": "scripted", "points": [[0, "0.50"]]}}],
        "wallets": [{"label": "trader", "private_key": KEY, "pusd": "100"}]
    });
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    // A manual clock (the test moves the world) that starts at the real time, so the
    // exchange's clock agrees with this computer's unless the skew switch says otherwise.
    let sim = SimServer::start(SimConfig::manual(scenario, unix_now_ms() / 1000 * 1000))
        .await
        .unwrap();
    let token = sim.tokens("spiky")[0].clone();
    let public = PublicClient::new(ClientConfig::simulator(&sim.base_url())).unwrap();
    let signer =
        polyagent_venue::signing::OrderSigner::new(&PrivateKey::from_hex(KEY).unwrap()).unwrap();
    let client = Arc::new(
        AuthedClient::connect(public, signer, SignatureType::Eoa, 0)
            .await
            .unwrap(),
    );

    let http = common::admin_http(&sim);
    if setup.clock_skew_ms != 0 {
        http.post(format!("{}/admin/faults", sim.base_url()))
            .body(json!({"clock_skew_ms": setup.clock_skew_ms}).to_string())
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    let proxy = CountingProxy::start(&sim.base_url()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::new(dir.path());
    config.confirmer = std::sync::Arc::new(polyagent_runtime::stepup::TypedCommand);
    config.vault = polyagent_vault::VaultConfig::new(dir.path())
        .no_keychain()
        .with_kdf(polyagent_vault::KdfParams::INSECURE_FAST);
    config.vault_passphrase =
        Some(polyagent_vault::SecretString::new("a test vault passphrase").unwrap());
    config.feed_stale_after = setup.stale_after;
    config.request_timeout = setup.request_timeout;
    let runtime = Runtime::open(config).await.unwrap();
    runtime
        .update_settings(AppSettings {
            exchange: ExchangeChoice::Simulator {
                url: proxy.url.clone(),
            },
            ..AppSettings::default()
        })
        .await
        .unwrap();
    runtime
        .import_test_key(
            "trader",
            &polyagent_vault::SecretString::new(KEY).unwrap(),
            0,
            None,
        )
        .await
        .unwrap();
    let events = runtime.subscribe();
    let mut spec = BotSpec {
        name: "Fault fader".into(),
        wallet: "trader".into(),
        token_id: token.clone(),
        complement_token_id: None,
        strategy: "spike-sam".into(),
        profile: Profile::Live,
        overrides: Overrides {
            trade_size: Some(Decimal::from(10)),
            ..Overrides::default()
        },
    };
    if setup.resting {
        // Rests its buy at 0.50 × (1 − 2.5 %) = 0.4875 → 0.48, its sale at take profit.
        spec.strategy = "train-of-trade".into();
        spec.overrides.execution = Some(ExecutionStyle::Resting { ttl_secs: 600 });
        spec.overrides.take_profit_pct = Some(Decimal::from(4));
        spec.overrides.cooldown_secs = Some(0);
    }
    let bot = runtime
        .create_bot(NewBotRequest {
            spec,
            execution: ExecutionPlan::Live,
            start: false,
        })
        .await
        .unwrap();
    // The wallet's user feed has connected and caught up (its first REST read of trades):
    // from here on the bot's own reads are what the counts show.
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    while proxy.counts.now().1 == 0 {
        assert!(
            tokio::time::Instant::now() < give_up,
            "the user feed never caught up"
        );
        tokio::task::yield_now().await;
    }
    Rig {
        sim,
        http,
        client,
        token,
        dir,
        runtime,
        events,
        bot: bot.id,
        told: Vec::new(),
        reads: proxy.counts.clone(),
        _proxy: proxy,
    }
}

/// What the audit found, for the test's own checks.
#[derive(Debug)]
struct Audit {
    /// The bot's booked fills: (trade id, side, size).
    fills: Vec<(String, String, Decimal)>,
    /// Journal intents by final state.
    acknowledged: usize,
    failed: usize,
    /// The wallet's pUSD at the simulator.
    pusd: Decimal,
}

impl Rig {
    async fn admin(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/admin/{path}", self.sim.base_url()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "admin {path}: {response:?}");
        response.json().await.unwrap()
    }

    async fn state(&self) -> Value {
        self.http
            .get(format!("{}/admin/state", self.sim.base_url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Sets the fault switches (those not named are cleared).
    async fn faults(&self, switches: Value) {
        self.admin("faults", switches).await;
    }

    /// Waits for the first event `wanted` accepts, keeping every activity line on the way.
    async fn until<T>(&mut self, mut wanted: impl FnMut(&RuntimeEvent) -> Option<T>) -> T {
        let bot = self.bot.clone();
        let told = &mut self.told;
        wait_for(&mut self.events, |event| {
            if let RuntimeEvent::BotActivity(a) = event
                && a.bot_id == bot
            {
                told.push(a.text.clone());
            }
            wanted(event)
        })
        .await
    }

    /// Waits for an activity line containing `text`, or returns the one already told.
    async fn told(&mut self, text: &str) -> String {
        if let Some(line) = self.told.iter().find(|l| l.contains(text)) {
            return line.clone();
        }
        let bot = self.bot.clone();
        self.until(|e| match e {
            RuntimeEvent::BotActivity(a) if a.bot_id == bot && a.text.contains(text) => {
                Some(a.text.clone())
            }
            _ => None,
        })
        .await
    }

    async fn feed(&mut self, state: FeedState) {
        let bot = self.bot.clone();
        self.until(|e| match e {
            RuntimeEvent::BotStatus(s) if s.id == bot && s.feed == state => Some(()),
            _ => None,
        })
        .await;
    }

    /// Moves the market to `price` and the world half a second on.
    async fn quote(&self, price: &str) {
        self.admin("price", json!({"slug": "spiky", "price": price}))
            .await;
        self.admin("clock", json!({"advance_ms": 500})).await;
    }

    async fn seen(&mut self, price: &'static str) {
        let bot = self.bot.clone();
        // Compared as numbers: a finer tick writes more decimals.
        let price: Decimal = price.parse().unwrap();
        self.until(|e| match e {
            RuntimeEvent::BotPrice(p) if p.bot_id == bot && p.price.parse() == Ok(price) => {
                Some(())
            }
            _ => None,
        })
        .await;
    }

    async fn start(&mut self) {
        self.runtime.start_bot(&self.bot).await.unwrap();
        self.seen("0.50").await;
    }

    /// A calm market for the spike detector's baseline.
    async fn calm(&mut self) {
        for price in ["0.51", "0.50", "0.51", "0.50"] {
            self.quote(price).await;
            self.seen(price).await;
        }
    }

    /// The price drops 10%: the fader buys.
    async fn spike_down(&self) {
        self.quote("0.45").await;
    }

    async fn fill(&mut self, side: &'static str) -> Decimal {
        let bot = self.bot.clone();
        self.until(|e| match e {
            RuntimeEvent::BotFill(f) if f.bot_id == bot && f.side == side => {
                Some(f.shares.parse::<Decimal>().unwrap())
            }
            _ => None,
        })
        .await
    }

    /// A buy on the dip, booked.
    async fn buy(&mut self) -> Decimal {
        self.calm().await;
        self.spike_down().await;
        self.fill("buy").await
    }

    /// The shares the bot says it holds.
    async fn position(&self) -> Decimal {
        let summary = self.runtime.get_bot(&self.bot).unwrap();
        summary
            .position_shares
            .map_or(Decimal::ZERO, |s| s.parse().unwrap())
    }

    /// Waits until the trader has `n` open orders at the exchange.
    async fn open_orders(&self, n: usize) {
        let give_up = tokio::time::Instant::now() + common::DEADLINE;
        while self.client.open_orders(None, None).await.unwrap().len() != n {
            assert!(
                tokio::time::Instant::now() < give_up,
                "open orders never became {n}"
            );
            tokio::task::yield_now().await;
        }
    }

    /// The wallet's trades at the exchange, asked directly (not through the counting proxy).
    async fn exchange_trades(&self) -> usize {
        let token = TokenId::new(self.token.clone()).unwrap();
        self.client
            .trades(None, Some(&token), None)
            .await
            .unwrap()
            .len()
    }

    /// The checks every fault test ends with (see the module doc).
    async fn audit(self) -> Audit {
        // Stopped first: the bot books whatever it has in flight, and its figures are final.
        self.runtime.shutdown(false).await;
        let position = self.position().await;
        let state = self.state().await;
        let wallet = state["wallets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["label"] == "trader")
            .unwrap()
            .clone();
        let sim_orders = wallet["orders"].as_u64().unwrap();
        let sim_shares: Decimal = wallet["shares"][&self.token]
            .as_str()
            .map_or(Decimal::ZERO, |s| s.parse().unwrap());
        let pusd: Decimal = wallet["pusd"].as_str().unwrap().parse().unwrap();
        let trades = self
            .client
            .trades(None, Some(&TokenId::new(self.token.clone()).unwrap()), None)
            .await
            .unwrap();

        drop(self.runtime);
        let db = Database::open(self.dir.path().join(polyagent_runtime::DATABASE_FILE))
            .await
            .unwrap();
        let intents = db.order_journal().for_bot(&self.bot).await.unwrap();
        let booked = db
            .fills()
            .list(
                Some(&self.bot),
                polyagent_store::Timestamp::from_millis(0),
                polyagent_store::Timestamp::from_millis(i64::MAX),
            )
            .await
            .unwrap();
        db.close().await;

        // No duplicate order: one order at the exchange per intent that reached it.
        for intent in &intents {
            assert!(
                intent.state.is_final(),
                "intent {} left {:?}",
                intent.intent_id,
                intent.state
            );
        }
        let acknowledged: Vec<&str> = intents
            .iter()
            .filter(|i| i.state == IntentState::Acknowledged)
            .map(|i| i.client_order_id.as_str())
            .collect();
        // Armed orders that were never sent are retired as failed; they are not failed orders.
        let failed = intents
            .iter()
            .filter(|i| i.state == IntentState::Failed)
            .filter(|i| {
                i.failure_reason.as_deref() != Some(polyagent_runtime::RETIRED_ARMED_REASON)
            })
            .count();
        for id in &acknowledged {
            assert!(
                self.client.order(id).await.unwrap().is_some(),
                "the exchange has no order {id}"
            );
        }
        for intent in intents.iter().filter(|i| i.state == IntentState::Failed) {
            assert!(
                self.client
                    .order(&intent.client_order_id)
                    .await
                    .unwrap()
                    .is_none(),
                "failed intent {} is an order at the exchange",
                intent.intent_id
            );
        }
        assert_eq!(
            sim_orders,
            acknowledged.len() as u64,
            "orders at the exchange against the bot's acknowledged intents"
        );

        // No lost fill: the bot booked exactly the exchange's trades of its orders.
        let exchange_trades: BTreeSet<(String, Decimal)> = trades
            .iter()
            .filter(|t| {
                acknowledged.contains(&t.taker_order_id.as_str())
                    || t.maker_order_ids
                        .iter()
                        .any(|m| acknowledged.contains(&m.as_str()))
            })
            .map(|t| (t.id.clone(), t.size))
            .collect();
        assert_eq!(
            trades.len(),
            exchange_trades.len(),
            "the wallet traded only through the bot"
        );
        let booked_trades: BTreeSet<(String, Decimal)> = booked
            .iter()
            .map(|f| (f.trade_id.clone(), f.size))
            .collect();
        assert_eq!(
            booked_trades, exchange_trades,
            "booked fills = exchange trades"
        );

        // The bot's position is the exchange's.
        if position.is_zero() {
            assert!(
                sim_shares < Decimal::new(1, 2),
                "the bot is flat, the exchange holds {sim_shares}"
            );
        } else {
            assert_eq!(position, sim_shares, "position against the exchange's");
        }
        Audit {
            fills: booked
                .iter()
                .map(|f| (f.trade_id.clone(), f.side.as_str().to_owned(), f.size))
                .collect(),
            acknowledged: acknowledged.len(),
            failed,
            pusd,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_drop_the_feed_reconnects_and_the_bot_trades_on_the_fresh_book() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.admin("drop-ws", json!({})).await;
    // The user sees the feed reconnecting, then live again.
    rig.feed(FeedState::Reconnecting).await;
    rig.feed(FeedState::Live).await;
    let bought = rig.buy().await;
    assert!(bought > Decimal::ZERO);
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_stall_the_feed_goes_stale_no_order_goes_out_and_trading_resumes() {
    let mut rig = rig(Setup {
        stale_after: Duration::from_millis(400),
        ..Setup::default()
    })
    .await;
    rig.start().await;
    rig.calm().await;
    rig.faults(json!({"stall_ws": true})).await;
    rig.feed(FeedState::Stale).await;
    // The spike happens while the bot hears nothing: it must not trade on what it missed.
    rig.spike_down().await;
    rig.quote("0.50").await;
    rig.faults(json!({})).await;
    // Recovered: the feed is live again and the book is the exchange's current one.
    rig.feed(FeedState::Live).await;
    rig.seen("0.50").await;
    assert_eq!(rig.state().await["wallets"][0]["orders"], 0);
    rig.calm().await;
    rig.spike_down().await;
    rig.fill("buy").await;
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_refuses_the_order_without_sending_it_twice() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    // Every request answers 429 for a while: the order POST among them.
    rig.faults(json!({"http_429": 1000})).await;
    rig.spike_down().await;
    let told = rig.told("rejected").await;
    assert!(told.to_lowercase().contains("rate"), "{told}");
    rig.faults(json!({})).await;
    let audit = rig.audit().await;
    assert_eq!(audit.acknowledged, 0);
    assert!(audit.fills.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_after_accept_is_looked_up_and_its_fill_booked_once() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    rig.faults(json!({"post_500_after_accept": 1})).await;
    let shares = {
        rig.spike_down().await;
        rig.fill("buy").await
    };
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
    assert_eq!(audit.fills.len(), 1);
    assert_eq!(audit.fills[0].2, shares);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_before_accept_is_looked_up_found_absent_and_told() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    rig.faults(json!({"post_500_before_accept": 1})).await;
    rig.spike_down().await;
    let told = rig.told("never received").await;
    assert!(told.contains("rejected"), "{told}");
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (0, 1));
    assert!(audit.fills.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_responses_delay_the_order_but_it_is_sent_and_booked_once() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    rig.faults(json!({"delay_ms": 300})).await;
    rig.spike_down().await;
    rig.fill("buy").await;
    rig.faults(json!({})).await;
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tick_size_change_mid_position_prices_the_sale_on_the_new_tick() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    let bought = rig.buy().await;
    rig.admin("tick-size", json!({"slug": "spiky", "tick_size": "0.001"}))
        .await;
    let state = rig.state().await;
    assert_eq!(state["markets"][0]["tick_size"], "0.001");
    rig.quote("0.50").await;
    let sold = rig.fill("sell").await;
    assert_eq!(
        sold,
        bought.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
    );
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_market_resolved_while_holding_closes_the_position_at_the_payout() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    let bought = rig.buy().await;
    let before = rig.state().await["wallets"][0]["pusd"]
        .as_str()
        .unwrap()
        .parse::<Decimal>()
        .unwrap();
    rig.admin("resolve", json!({"slug": "spiky", "winner": "Yes"}))
        .await;
    let told = rig.told("the market resolved").await;
    assert!(told.contains("Yes won"), "{told}");
    assert!(
        told.contains(&format!("{bought} outcome shares paid out at 1")),
        "{told}"
    );
    let bot = rig.bot.clone();
    let summary = rig
        .until(|e| match e {
            RuntimeEvent::BotStatus(s) if s.id == bot && s.status == "stopped" => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(summary.position_shares, None);
    assert_eq!(summary.trades, 1);
    let audit = rig.audit().await;
    // The winning shares were paid out at 1 pUSD each.
    assert_eq!(audit.pusd - before, bought);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balance_refusal_is_told_and_nothing_is_booked() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    rig.faults(json!({"reject_balance": 1})).await;
    rig.spike_down().await;
    let told = rig.told("not enough balance").await;
    assert!(told.contains("rejected"), "{told}");
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (0, 1));
    assert!(audit.fills.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_is_measured_told_and_trading_goes_on() {
    // The exchange's clock runs 20 s ahead of this computer's: within the 30 s signatures may
    // be corrected by (beyond it the wallet does not connect: no_mainnet_signatures.rs).
    let mut rig = rig(Setup {
        clock_skew_ms: 20_000,
        ..Setup::default()
    })
    .await;
    rig.start().await;
    let lines = rig
        .runtime
        .activity(None, Some("system"), 50)
        .await
        .unwrap();
    let skew = lines
        .iter()
        .find(|l| l.message.contains("clock"))
        .unwrap_or_else(|| panic!("no clock line in {lines:?}"));
    // 20 s, give or take the second the setup took (the exchange answers in whole seconds).
    let seconds: i64 = skew
        .message
        .split("clock is ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", skew.message));
    assert!((18..=21).contains(&seconds), "{}", skew.message);
    assert!(skew.message.contains("s ahead of"), "{}", skew.message);
    rig.buy().await;
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketable_orders_fills_come_from_the_user_socket_with_no_rest_read() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    let before = rig.reads.now();
    rig.spike_down().await;
    rig.fill("buy").await;
    // The POST's answer listed the trades; they came routed from the user WebSocket.
    assert_eq!(rig.reads.now(), before, "(order, trades) reads");
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_order_makes_no_rest_read_while_its_socket_is_live() {
    let mut rig = rig(Setup {
        resting: true,
        ..Setup::default()
    })
    .await;
    rig.start().await;
    rig.open_orders(1).await;
    let before = rig.reads.now();
    // An observation window, not a synchronisation: a task that polled (every 250 ms before
    // this change) would read the order several times in it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        rig.reads.now(),
        before,
        "(order, trades) reads while resting"
    );
    // The market comes down to the bid: the fill arrives over the socket, and the sale rests.
    rig.quote("0.47").await;
    let bought = rig.fill("buy").await;
    assert_eq!(bought, Decimal::new(2083, 2));
    rig.open_orders(1).await;
    assert_eq!(
        rig.reads.now(),
        before,
        "(order, trades) reads through the fill"
    );
    let audit = rig.audit().await;
    // The buy, and the sale the shutdown cancelled.
    assert_eq!((audit.acknowledged, audit.failed), (2, 0));
    assert_eq!(audit.fills.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_made_while_the_user_socket_was_down_is_booked_once_after_the_reconnect() {
    let mut rig = rig(Setup {
        resting: true,
        ..Setup::default()
    })
    .await;
    rig.start().await;
    rig.open_orders(1).await;
    // The sockets go silent: the trade's event is lost, not delayed.
    rig.faults(json!({"stall_ws": true})).await;
    rig.quote("0.47").await;
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    while rig.exchange_trades().await == 0 {
        assert!(
            tokio::time::Instant::now() < give_up,
            "no trade at the exchange"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(rig.position().await, Decimal::ZERO, "booked with no event");
    let before = rig.reads.now();
    // The socket comes back: the feed's catch-up replays the trade and the order reads its
    // trades `after` its POST; the fill is booked once.
    rig.faults(json!({})).await;
    rig.admin("drop-ws", json!({})).await;
    let bought = rig.fill("buy").await;
    assert_eq!(bought, Decimal::new(2083, 2));
    let after = rig.reads.now();
    assert!(
        after.0 > before.0 && after.1 > before.1,
        "{before:?} → {after:?}"
    );
    rig.open_orders(1).await;
    assert_eq!(rig.position().await, bought);
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (2, 0));
    assert_eq!(audit.fills.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outcome_that_cannot_be_learned_is_told_waits_and_settles_after_the_reconnect() {
    let mut rig = rig(Setup {
        request_timeout: Duration::from_secs(1),
        ..Setup::default()
    })
    .await;
    rig.start().await;
    rig.calm().await;
    // Every answer comes after the runtime stopped waiting: the POST's outcome is unknown,
    // and so is every lookup within the bounded retries.
    rig.faults(json!({"delay_ms": 3000})).await;
    rig.spike_down().await;
    let told = rig.told("could not be checked").await;
    assert!(told.contains("No other order is sent"), "{told}");
    // Not an error state: the bot waits with its order in flight.
    let summary = rig.runtime.get_bot(&rig.bot).unwrap();
    assert_eq!(summary.status, "running", "{summary:?}");
    // The exchange answers again, and the user feed reconnects: the order is asked about
    // again and settled (the POST may have landed or not; either way, once).
    rig.faults(json!({})).await;
    rig.admin("drop-ws", json!({})).await;
    let bot = rig.bot.clone();
    rig.until(|e| match e {
        RuntimeEvent::BotFill(f) if f.bot_id == bot => Some(()),
        RuntimeEvent::BotActivity(a) if a.bot_id == bot && a.text.contains("never received") => {
            Some(())
        }
        _ => None,
    })
    .await;
    let audit = rig.audit().await;
    assert_eq!(audit.acknowledged + audit.failed, 1, "{audit:?}");
    assert!(audit.fills.len() <= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_order_is_waited_for_and_its_fill_booked_when_it_matches() {
    let mut rig = rig(Setup {
        taker_delay_ms: 1000,
        ..Setup::default()
    })
    .await;
    rig.start().await;
    rig.calm().await;
    let before = rig.reads.now();
    rig.spike_down().await;
    // The POST answers DELAYED: the order is held, nothing traded yet, and the bot has
    // looked at it (and found it still held).
    let give_up = tokio::time::Instant::now() + common::DEADLINE;
    while rig.state().await["wallets"][0]["orders"] != 1 || rig.reads.now().0 == before.0 {
        assert!(
            tokio::time::Instant::now() < give_up,
            "no delayed order looked at"
        );
        tokio::task::yield_now().await;
    }
    assert_eq!(rig.exchange_trades().await, 0);
    // The delay ends: the order matches, and the bot books what it traded.
    rig.admin("clock", json!({"advance_ms": 1000})).await;
    let bought = rig.fill("buy").await;
    assert!(bought > Decimal::ZERO);
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
    assert_eq!(audit.fills.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_bot_on_a_thousandth_tick_market_buys_and_sells() {
    // Marketable orders on a 0.001 tick: maker amount at most 2 decimals, taker at most 4
    // (production's rule, PROTOCOL §13.1), which the simulator enforces as production does.
    let mut rig = rig(Setup {
        tick_size: "0.001",
        ..Setup::default()
    })
    .await;
    rig.start().await;
    let bought = rig.buy().await;
    assert!(bought > Decimal::ZERO);
    // The price comes back: the fader sells what it holds (in whole hundredths of a share).
    rig.quote("0.50").await;
    let sold = rig.fill("sell").await;
    assert_eq!(
        sold,
        bought.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
    );
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (2, 0));
    assert_eq!(audit.fills.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_engine_restart_makes_the_bot_wait_and_resume_with_one_order() {
    let mut rig = rig(Setup::default()).await;
    rig.start().await;
    rig.calm().await;
    // The engine restarts for 2 s of the exchange's clock, then runs 2 s in post-only mode.
    rig.faults(json!({"restart_s": 2, "post_only_s": 2})).await;
    rig.spike_down().await;
    let told = rig.told("restarting").await;
    assert!(told.contains("waits"), "{told}");
    // Waiting is not an error: the bot runs, its order in flight, nothing else sent.
    let summary = rig.runtime.get_bot(&rig.bot).unwrap();
    assert_eq!(summary.status, "running", "{summary:?}");
    assert_eq!(rig.state().await["wallets"][0]["orders"], 0);
    // The restart ends; post-only mode refuses a taker order too: still waiting.
    rig.admin("clock", json!({"advance_ms": 2000})).await;
    rig.told("post-only").await;
    assert_eq!(rig.runtime.get_bot(&rig.bot).unwrap().status, "running");
    // The exchange takes orders again: the same order goes out, once, and fills.
    rig.admin("clock", json!({"advance_ms": 2000})).await;
    let bought = rig.fill("buy").await;
    assert!(bought > Decimal::ZERO);
    rig.told("accepts orders again").await;
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
    assert_eq!(audit.fills.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resting_bot_waits_out_a_restart_and_rests_its_order_once() {
    let mut rig = rig(Setup {
        resting: true,
        ..Setup::default()
    })
    .await;
    // The engine restarts before the bot starts: its first resting order meets the restart.
    rig.faults(json!({"restart_s": 2, "post_only_s": 2})).await;
    rig.start().await;
    rig.told("restarting").await;
    assert_eq!(rig.runtime.get_bot(&rig.bot).unwrap().status, "running");
    rig.admin("clock", json!({"advance_ms": 2000})).await;
    rig.told("post-only").await;
    rig.admin("clock", json!({"advance_ms": 2000})).await;
    rig.open_orders(1).await;
    rig.told("accepts orders again").await;
    let audit = rig.audit().await;
    // One order for the intent, cancelled by the shutdown.
    assert_eq!((audit.acknowledged, audit.failed), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eoa_on_a_deposit_wallet_account_stops_the_bot_with_the_venues_sentence() {
    let mut rig = rig(Setup::default()).await;
    let address = format!("{:#x}", rig.client.signer().address());
    rig.admin(
        "wallet-rules",
        json!({"address": address, "deposit_wallet_required": true}),
    )
    .await;
    rig.start().await;
    rig.calm().await;
    rig.spike_down().await;
    let told = rig.told("stopped:").await;
    assert!(
        told.contains("must trade through a deposit wallet"),
        "{told}"
    );
    let rejected = rig.told("rejected").await;
    assert!(rejected.contains("deposit wallet"), "{rejected}");
    let bot = rig.bot.clone();
    let summary = rig
        .until(|e| match e {
            RuntimeEvent::BotStatus(s) if s.id == bot && s.status == "stopped" => Some(s.clone()),
            _ => None,
        })
        .await;
    let detail = summary.status_detail.unwrap_or_default();
    assert!(detail.contains("deposit wallet"), "{detail}");
    let audit = rig.audit().await;
    assert_eq!((audit.acknowledged, audit.failed), (0, 1));
    assert!(audit.fills.is_empty());
}
