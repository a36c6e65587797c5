//! The simulator as a real HTTP + WebSocket server on 127.0.0.1.
//!
//! Routes follow Polymarket's paths: the CLOB at `/`, Gamma under `/gamma`, the market and user
//! WebSockets at `/ws/market` and `/ws/user`, and test controls under `/admin`.
//!
//! Only this computer's programs are served: `Host` and `Origin` are checked, bodies must be
//! JSON, and the admin controls need the run's random token ([`SimServer::admin_token`]);
//! see `local_guard`.
//!
//! Invariants: all exchange state sits behind one mutex, held only for synchronous work; every
//! change is drained into feed messages and broadcast before the lock is released, so every
//! subscriber sees messages in the order the exchange produced them.

/// Unwraps a `Result<T, Response>` or returns the ready response (a refusal) from the handler.
macro_rules! or_respond {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

mod account;
mod auth;
mod clob_reads;
mod feed;
mod gate;
mod http;
pub mod limits;
mod local_guard;
mod orders;
mod rate_tier;
mod route_switch;
mod wallets;
mod ws;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use polyagent_venue::eip712::Chain;
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

pub use auth::{
    AuthError, IssuedKey, KeyRegistry, OrderAuthError, ParsedOrder, PostedOrder, domain_for,
    parse_order, verify_l1, verify_l2, verify_order,
};
pub use feed::{MarketMessage, UserMessage, book_summary};
pub use local_guard::{AdminToken, random_bytes};
pub use route_switch::DISABLED_ROUTES_ENV;

use crate::scenario::{Scenario, World};
use crate::units::Pips;

/// How simulated time moves.
#[derive(Debug, Clone, Copy)]
pub enum ClockMode {
    /// Time stands still until `POST /admin/clock` moves it (tests).
    Manual { start_ms: u64 },
    /// Wall-clock time, `speed` times faster (1 = real time).
    Wall { speed: u32 },
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub scenario: Scenario,
    /// Folder the scenario's relative paths (replay files) start from.
    pub base_dir: PathBuf,
    pub clock: ClockMode,
    /// 0 picks a free port.
    pub port: u16,
    /// Seed for issued API credentials.
    pub seed: [u8; 32],
    /// Times each order from the last market frame sent before it (the tick-to-order bench).
    pub latency_probe: Option<Arc<LatencyProbe>>,
}

/// Measures tick-to-order from the exchange's side: the time from the last market-channel
/// frame written to a socket to each order post arriving, and which order it was (so a bench
/// can tell which path in the client each one took). Meaningful when one client trades on
/// one quiet market that moves only when the bench moves it.
///
/// The same probe times tick-to-decision when the client runs in this process (the scale
/// bench): per asset, from the newest book frame written since the asset's last decision to
/// the next decision a bot reports for it ([`LatencyProbe::decision_made`]). The newest, not
/// the oldest: a requote that leaves the book as it was is still a frame, and the client,
/// rightly, decides nothing on it. So when frames pile up behind a busy bot, the wait for all
/// but the last of them is not counted (at most one frame interval of that asset).
#[derive(Debug, Default)]
pub struct LatencyProbe {
    last_market_send: std::sync::Mutex<Option<std::time::Instant>>,
    samples: std::sync::Mutex<Vec<ProbeSample>>,
    /// Per asset: when the newest frame not yet decided on was written.
    undecided: std::sync::Mutex<HashMap<String, std::time::Instant>>,
    decisions: std::sync::Mutex<Vec<Duration>>,
    frames: std::sync::atomic::AtomicU64,
}

/// One timed order post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSample {
    pub delay: Duration,
    /// The order id (its EIP-712 hash) the exchange gave it; `None` when it was refused.
    pub order_id: Option<String>,
}

fn locked<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LatencyProbe {
    fn lock_samples(&self) -> std::sync::MutexGuard<'_, Vec<ProbeSample>> {
        locked(&self.samples)
    }

    /// A market frame about `assets` (those whose book it changes) was written to a socket.
    pub(crate) fn market_frame_sent(&self, assets: &[String]) {
        let now = std::time::Instant::now();
        *locked(&self.last_market_send) = Some(now);
        self.frames
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if assets.is_empty() {
            return;
        }
        let mut undecided = locked(&self.undecided);
        for asset in assets {
            match undecided.get_mut(asset) {
                Some(at) => *at = now,
                None => {
                    undecided.insert(asset.clone(), now);
                }
            }
        }
    }

    /// Records a post's arrival; the index names the sample for [`Self::order_placed`].
    pub(crate) fn order_arrived(&self, at: std::time::Instant) -> Option<usize> {
        let sent = (*locked(&self.last_market_send))?;
        let mut samples = self.lock_samples();
        samples.push(ProbeSample {
            delay: at.saturating_duration_since(sent),
            order_id: None,
        });
        Some(samples.len() - 1)
    }

    /// Names the order sample `index` timed, once the exchange has accepted it.
    pub(crate) fn order_placed(&self, index: usize, order_id: String) {
        if let Some(sample) = self.lock_samples().get_mut(index) {
            sample.order_id = Some(order_id);
        }
    }

    /// A bot in this process decided on `asset`'s latest market data: times it from the
    /// newest frame for the asset written since its previous decision (none: not timed).
    pub fn decision_made(&self, asset: &str) {
        let now = std::time::Instant::now();
        let sent = locked(&self.undecided).remove(asset);
        if let Some(sent) = sent {
            locked(&self.decisions).push(now.saturating_duration_since(sent));
        }
    }

    /// Every measured delay so far, in arrival order.
    pub fn samples(&self) -> Vec<Duration> {
        self.lock_samples().iter().map(|s| s.delay).collect()
    }

    /// Every measured delay so far with the order it timed, in arrival order.
    pub fn named_samples(&self) -> Vec<ProbeSample> {
        self.lock_samples().clone()
    }

    pub fn count(&self) -> usize {
        self.lock_samples().len()
    }

    /// Every timed tick-to-decision so far, in order.
    pub fn decisions(&self) -> Vec<Duration> {
        locked(&self.decisions).clone()
    }

    /// Market-channel frames written to sockets so far (all connections).
    pub fn frames_sent(&self) -> u64 {
        self.frames.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl SimConfig {
    /// A test or bench setup: a manual clock starting at `start_ms`, a free port, fixed seed.
    pub fn manual(scenario: Scenario, start_ms: u64) -> Self {
        Self {
            scenario,
            base_dir: PathBuf::from("."),
            clock: ClockMode::Manual { start_ms },
            port: 0,
            seed: [1; 32],
            latency_probe: None,
        }
    }
}

/// Fault switches. Counts apply to that many next requests; flags stay until cleared.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Answer 429 Too Many Requests to the next N requests.
    pub http_429: u32,
    /// Delay every response by this many milliseconds.
    pub delay_ms: u64,
    /// Accept the next N orders, then answer 500 "could not run the execution".
    pub post_500_after_accept: u32,
    /// Answer 500 to the next N order posts without accepting them.
    pub post_500_before_accept: u32,
    /// Refuse the next N orders with "not enough balance / allowance".
    pub reject_balance: u32,
    /// The next N trades go RETRYING then FAILED (and are reversed).
    pub fail_trades: u32,
    /// WebSockets go silent (no data, no PONG) while set.
    pub stall_ws: bool,
    /// `GET /time` answers this many milliseconds off.
    pub clock_skew_ms: i64,
    /// A matching-engine restart (§13.4): every trading route answers 425 `service not ready`
    /// for this many seconds from when the switch is set...
    pub restart_s: u64,
    /// ...and then the engine runs this many seconds in post-only mode: cancels work, an
    /// order without `postOnly: true` is refused 503 with code `post_only_mode`.
    pub post_only_s: u64,
    /// Cancel-only mode for this many seconds from when the switch is set: orders are refused
    /// 503, cancels work.
    pub cancel_only_s: u64,
    /// The next N answers of `/auth/api-key` and `/auth/derive-api-key` are 2xx but malformed
    /// (`"passphrase": null`, the passphrase under another name): the issued secret and
    /// passphrase are in a body the client cannot read, for leak tests.
    pub malformed_api_key: u32,
}

/// When the engine's restricted modes end (server-clock milliseconds), set with the faults.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineModes {
    pub restart_until_ms: u64,
    pub post_only_until_ms: u64,
    pub cancel_only_until_ms: u64,
}

impl EngineModes {
    /// The modes `faults` start at `now_ms`: restart first, post-only after it.
    pub fn starting(faults: &Faults, now_ms: u64) -> Self {
        let restart_until_ms = now_ms + faults.restart_s * 1000;
        Self {
            restart_until_ms,
            post_only_until_ms: restart_until_ms + faults.post_only_s * 1000,
            cancel_only_until_ms: now_ms + faults.cancel_only_s * 1000,
        }
    }
}

/// What every WebSocket connection watches: a bumped `drops` closes it; `stalled` mutes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WsControl {
    pub drops: u64,
    pub stalled: bool,
}

/// A market's price history for `/prices-history`: (unix seconds, displayed price).
const HISTORY_POINTS: usize = 20_000;
/// Heartbeats must arrive at least this often once started, or the key's orders are cancelled.
pub const HEARTBEAT_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug)]
pub(crate) struct SimState {
    pub world: World,
    clock: Clock,
    start_ms: u64,
    /// Simulated time the world has been stepped to.
    stepped_ms: u64,
    pub keys: KeyRegistry,
    pub faults: Faults,
    pub engine: EngineModes,
    /// api key -> (last heartbeat id, time it arrived)
    pub heartbeats: HashMap<String, (String, u64)>,
    /// Deposit wallets and the accounts that must use one.
    pub wallet_rules: wallets::WalletRules,
    /// Per-signer trading rate limits.
    pub limits: limits::SignerLimits,
    pub history: HashMap<String, VecDeque<(u64, Pips)>>,
    pub chain: Chain,
    next_heartbeat: u64,
    /// Messages of each simulation step since the last publish, oldest first: one step's
    /// changes form one message, so a client sees every intermediate price of a jump.
    pending: Vec<feed::Outbox>,
}

#[derive(Debug, Clone, Copy)]
enum Clock {
    Manual {
        now_ms: u64,
    },
    Wall {
        origin: std::time::Instant,
        origin_ms: u64,
        speed: u32,
    },
}

impl SimState {
    pub fn now_ms(&self) -> u64 {
        match self.clock {
            Clock::Manual { now_ms } => now_ms,
            Clock::Wall {
                origin,
                origin_ms,
                speed,
            } => {
                origin_ms
                    + u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX)
                        * u64::from(speed)
            }
        }
    }

    /// Steps the world up to now: quotes, expiry, settlement, heartbeat timeouts, history.
    fn catch_up(&mut self) {
        let now = self.now_ms();
        let step = self.world.step_ms;
        while self.stepped_ms + step <= now {
            self.stepped_ms += step;
            let t = self.stepped_ms;
            self.world.step(t - self.start_ms, t);
            self.expire_heartbeats(t);
            self.record_history(t);
            let world = &mut self.world;
            let outbox = feed::drain(
                &mut world.exchange,
                &world.listings,
                world.order_query_rules,
                t,
            );
            self.pending.push(outbox);
        }
    }

    fn expire_heartbeats(&mut self, now_ms: u64) {
        let stale: Vec<String> = self
            .heartbeats
            .iter()
            .filter(|(_, (_, at))| now_ms.saturating_sub(*at) > HEARTBEAT_TIMEOUT_MS)
            .map(|(key, _)| key.clone())
            .collect();
        for key in stale {
            self.heartbeats.remove(&key);
            let ids: Vec<String> = self
                .world
                .exchange
                .orders
                .values()
                .filter(|o| o.api_key == key && o.status == crate::exchange::OrderStatus::Live)
                .map(|o| o.id.clone())
                .collect();
            for id in ids {
                let owner = self.world.exchange.orders[&id].owner.clone();
                let _ = self.world.exchange.cancel(&owner, &id);
            }
        }
    }

    fn record_history(&mut self, now_ms: u64) {
        // One point per simulated second is plenty for charts and keeps memory bounded.
        if now_ms % 1000 >= self.world.step_ms {
            return;
        }
        for market in self.world.exchange.markets.values() {
            for outcome in [crate::exchange::Outcome::Yes, crate::exchange::Outcome::No] {
                if let Some(price) = displayed_price(market, outcome) {
                    let series = self
                        .history
                        .entry(market.token(outcome).to_owned())
                        .or_default();
                    series.push_back((now_ms / 1000, price));
                    if series.len() > HISTORY_POINTS {
                        series.pop_front();
                    }
                }
            }
        }
    }

    /// A UUID, as production's `heartbeat_id` is (the official Rust SDK's too): version 4 and
    /// variant bits set, the rest a counter, so runs stay reproducible.
    pub fn next_heartbeat_id(&mut self) -> String {
        self.next_heartbeat += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.next_heartbeat)
    }
}

/// Polymarket's displayed price: the midpoint while the spread is at most 0.10, else the last
/// trade price.
pub fn displayed_price(
    market: &crate::exchange::Market,
    outcome: crate::exchange::Outcome,
) -> Option<Pips> {
    let (bids, asks) = market.levels(outcome);
    let last = market.last_trade.map(|(p, _)| match outcome {
        crate::exchange::Outcome::Yes => p,
        crate::exchange::Outcome::No => p.complement(),
    });
    match (bids.first(), asks.first()) {
        (Some((bid, _)), Some((ask, _))) if ask.0 - bid.0 <= 1000 => {
            Some(Pips((bid.0 + ask.0) / 2))
        }
        _ => last,
    }
}

pub(crate) struct Shared {
    state: Mutex<SimState>,
    pub market_tx: broadcast::Sender<Arc<MarketMessage>>,
    /// Sequence number of the last market message published; assigned under the state lock,
    /// so a snapshot taken under the lock is exactly "as of" the current value.
    pub market_seq: std::sync::atomic::AtomicU64,
    pub latency_probe: Option<Arc<LatencyProbe>>,
    pub user_tx: broadcast::Sender<Arc<UserMessage>>,
    pub ws_control: watch::Sender<WsControl>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    /// Locks the state after stepping the world to the current time.
    pub fn lock(&self) -> Guard<'_> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.catch_up();
        Guard {
            state,
            shared: self,
        }
    }
}

/// The locked state. Dropping it publishes what the exchange did meanwhile.
pub(crate) struct Guard<'a> {
    pub state: MutexGuard<'a, SimState>,
    shared: &'a Shared,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let now = self.state.now_ms();
        let rules = self.state.world.order_query_rules;
        let world = &mut self.state.world;
        let last = feed::drain(&mut world.exchange, &world.listings, rules, now);
        let mut outboxes = std::mem::take(&mut self.state.pending);
        outboxes.push(last);
        for outbox in outboxes {
            for mut message in outbox.market {
                message.seq = self
                    .shared
                    .market_seq
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                    + 1;
                let _ = self.shared.market_tx.send(Arc::new(message));
            }
            for message in outbox.user {
                let _ = self.shared.user_tx.send(Arc::new(message));
            }
        }
    }
}

impl std::ops::Deref for Guard<'_> {
    type Target = SimState;
    fn deref(&self) -> &SimState {
        &self.state
    }
}

impl std::ops::DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut SimState {
        &mut self.state
    }
}

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct SimServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    admin_token: AdminToken,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Binds 127.0.0.1 and starts serving. The world is built and quoted before this returns.
    pub async fn start(config: SimConfig) -> Result<Self, String> {
        let start_ms = match config.clock {
            ClockMode::Manual { start_ms } => start_ms,
            ClockMode::Wall { .. } => unix_now_ms(),
        };
        let world = config.scenario.build(&config.base_dir, start_ms)?;
        let chain = Chain::from_id(world.chain_id).map_err(|e| e.to_string())?;
        let clock = match config.clock {
            ClockMode::Manual { start_ms } => Clock::Manual { now_ms: start_ms },
            ClockMode::Wall { speed } => Clock::Wall {
                origin: std::time::Instant::now(),
                origin_ms: start_ms,
                speed: speed.max(1),
            },
        };
        let step_ms = world.step_ms;
        let mut wallet_rules = wallets::WalletRules::default();
        for (wallet, owner, deployed) in &world.deposit_wallets {
            wallet_rules.register(*wallet, *owner, *deployed);
        }
        wallet_rules.deposit_wallet_required = world.deposit_wallet_required.clone();
        let limits =
            limits::SignerLimits::new(world.rate_limit_mode, world.rate_limit_tiers.clone());
        let state = SimState {
            world,
            clock,
            start_ms,
            stepped_ms: start_ms,
            keys: KeyRegistry::new(config.seed),
            faults: Faults::default(),
            engine: EngineModes::default(),
            heartbeats: HashMap::new(),
            wallet_rules,
            limits,
            history: HashMap::new(),
            chain,
            next_heartbeat: 0,
            pending: Vec::new(),
        };
        let (market_tx, _) = broadcast::channel(65_536);
        let (user_tx, _) = broadcast::channel(16_384);
        let (ws_control, _) = watch::channel(WsControl::default());
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            market_tx,
            market_seq: std::sync::atomic::AtomicU64::new(0),
            latency_probe: config.latency_probe.clone(),
            user_tx,
            ws_control,
        });

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let admin_token = AdminToken::random();
        let router = local_guard::apply(
            http::router(shared.clone()),
            admin_token.clone(),
            addr.port(),
        );
        let (shutdown, stopped) = oneshot::channel::<()>();
        let ticker_shared = shared.clone();
        let wall = matches!(config.clock, ClockMode::Wall { .. });
        let speed = match config.clock {
            ClockMode::Wall { speed } => u64::from(speed.max(1)),
            ClockMode::Manual { .. } => 1,
        };
        let task = tokio::spawn(async move {
            // With a running clock the world moves even when nobody asks.
            let ticker = async move {
                if !wall {
                    return std::future::pending::<()>().await;
                }
                let mut interval =
                    tokio::time::interval(Duration::from_millis((step_ms / speed).max(5)));
                loop {
                    interval.tick().await;
                    drop(ticker_shared.lock());
                }
            };
            // Small frames go out at once: with Nagle on, a market frame waits for the
            // client's delayed ACK (40 ms on Linux) and every tick-to-order would too.
            let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::debug!(%error, "TCP_NODELAY not set");
                }
            });
            let server = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            tokio::select! {
                result = server.into_future() => {
                    if let Err(error) = result {
                        tracing::error!(%error, "simulator server stopped");
                    }
                }
                () = ticker => {}
            }
        });
        Ok(Self {
            addr,
            shared,
            admin_token,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`: the CLOB host. Gamma is at `{base_url}/gamma`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The token every `/admin/*` request must carry (`Authorization: Bearer TOKEN`): random
    /// for each run, known only to whoever started the server.
    pub fn admin_token(&self) -> &str {
        self.admin_token.as_str()
    }

    /// `ws://127.0.0.1:PORT/ws`: append `/market` or `/user`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Labels and addresses of the scenario's wallets.
    pub fn wallets(&self) -> Vec<(String, String)> {
        self.shared.lock().world.wallets.clone()
    }

    /// The outcome token ids of the market listed as `slug` (first outcome first); empty for
    /// an unknown slug.
    pub fn tokens(&self, slug: &str) -> Vec<String> {
        let sim = self.shared.lock();
        sim.world
            .listings
            .iter()
            .find(|l| l.slug == slug)
            .and_then(|l| sim.world.exchange.markets.get(&l.condition_id))
            .map(|m| m.tokens.to_vec())
            .unwrap_or_default()
    }

    /// Market-channel messages published so far (every market, before any subscriber's
    /// filter): the feed's message rate, for benches.
    pub fn market_messages_published(&self) -> u64 {
        self.shared
            .market_seq
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every API secret and passphrase issued so far: what a leak test searches for.
    pub fn issued_secrets(&self) -> Vec<(String, String)> {
        self.shared.lock().keys.issued_secrets()
    }

    /// Stops serving and closes every connection.
    pub async fn stop(mut self) {
        self.shutdown_now().await;
    }

    async fn shutdown_now(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.shared.ws_control.send_modify(|c| c.drops += 1);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.shared.ws_control.send_modify(|c| c.drops += 1);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
}

/// Manual clock only: moves simulated time forward, stepping the world on the way.
pub(crate) fn advance_clock(state: &mut SimState, by_ms: u64) -> Result<u64, &'static str> {
    match &mut state.clock {
        Clock::Manual { now_ms } => {
            *now_ms += by_ms;
            state.catch_up();
            Ok(state.now_ms())
        }
        Clock::Wall { .. } => {
            Err("the clock runs on its own in this simulator; start it with a manual clock")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LatencyProbe;

    #[test]
    fn a_decision_is_timed_from_the_newest_undecided_frame_of_its_asset() {
        let probe = LatencyProbe::default();
        let (yes, no) = ("yes".to_owned(), "no".to_owned());
        probe.market_frame_sent(&[yes.clone(), no.clone()]);
        // A second frame before the decision is folded into it: one sample.
        probe.market_frame_sent(std::slice::from_ref(&yes));
        probe.decision_made("yes");
        assert_eq!(probe.decisions().len(), 1);
        // No frame since: nothing to time.
        probe.decision_made("yes");
        assert_eq!(probe.decisions().len(), 1);
        // The other asset's frame is still waiting for its decision.
        probe.decision_made("no");
        assert_eq!(probe.decisions().len(), 2);
        assert_eq!(probe.frames_sent(), 2);
        // Orders are timed from the last frame of any asset, as before.
        assert_eq!(probe.count(), 0);
        probe.order_arrived(std::time::Instant::now());
        assert_eq!(probe.count(), 1);
    }
}
