//! The REST clients: [`PublicClient`] (market data, Gamma) and [`AuthedClient`] (trading).
//!
//! Invariants:
//! - typestate: only an [`AuthedClient`] can post or cancel; it exists only with an
//!   [`OrderSigner`] and L2 credentials bound to that signer's address;
//! - every host is configurable ([`Endpoints`]) so the same code drives the simulator;
//! - a `POST /order` (or `/orders`) whose outcome is unknown — timeout, connection lost after
//!   the request may have been written, any 5xx — is never retried: it fails with
//!   [`VenueError::SubmitOutcomeUnknown`] carrying the order id (our EIP-712 digest) and the
//!   caller settles it with [`AuthedClient::reconcile_submission`];
//! - requests that the server refused before doing anything are retried through one bounded
//!   policy ([`crate::retry`]: backoff with jitter, at most `max_retries` waits and
//!   `max_retry_wait` in all, never shorter than the server's `Retry-After`): 429, and 425
//!   (engine restarting) on reads and cancels; a 401 once, after re-deriving the API key;
//!   `order_version_mismatch` once, after re-reading `/version`. An order post answered
//!   425 or 503 post-only / cancel-only is a typed pause ([`VenueError::pause`]) for the
//!   caller, never retried here;
//! - every request takes a token from the global budget before it is sent; orders and
//!   cancels also take their cost from the signer's order or cancel bucket (§13.3, sized by
//!   its tier, read back from every trading answer: [`AuthedClient::rate_limit_status`]),
//!   other authenticated requests from the wallet's budget. Clone one [`PublicClient`] for
//!   every wallet of the process so that they share the global budget.
//!
//! A public client has no way to post:
//!
//! ```compile_fail
//! # async fn f(
//! #     public: polyagent_venue::client::PublicClient,
//! #     spec: polyagent_venue::order_build::OrderSpec,
//! # ) {
//! public.post_order(&spec).await;
//! # }
//! ```

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use polyagent_domain::trading::{SignatureType, TickSize, TokenId};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::auth::{HttpMethod, L2Credentials};
use crate::clob_wire::{
    self, BalanceAllowanceResponse, BookResponse, END_CURSOR, FIRST_CURSOR, HistoryResponse,
    LastTradeResponse, MidpointResponse, OpenOrderResponse, PageResponse, SpreadResponse,
    TickSizeResponse, TradeResponse, VersionResponse,
};
pub use crate::endpoints::{ClientConfig, Endpoints};
use crate::gamma::{
    GammaEventResponse, GammaMarketResponse, GammaSearchResponse, MarketRef, require_tradable,
};
use crate::rate::{Clock, JitterRng, MonotonicClock, RateBudget, SystemWallClock, WallClock};
use crate::signer_rate::SignerLimits;
use crate::signing::OrderSigner;
pub use crate::trading::PreparedOrder;
use crate::transport::{Host, SendFailure, Shared, create_or_derive, parse_answer};
use crate::types::{
    AssetType, BalanceAllowance, FeeCurve, HistoryWindow, LastTrade, MarketInfo, OpenOrder,
    OrderBook, OrderStatus, PricePoint, Submission, Trade,
};
use crate::venue_error::VenueError;

/// The `/version` our orders are built for: the V2 order struct, which Exchange V3 shares.
pub const ORDER_FORMAT_VERSION: u64 = 2;

/// The most the client corrects signature timestamps by to match the exchange's clock. Beyond
/// it [`PublicClient::check_clock_skew`] refuses with [`VenueError::ClockSkew`] and keeps the
/// previous correction: an exchange (or a relay posing as one) cannot make the wallet sign L1
/// auth or orders timed minutes or days away from now.
pub const MAX_SIGNING_SKEW: Duration = Duration::from_secs(30);

/// Public (unauthenticated) client: market data and Gamma. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PublicClient {
    pub(crate) shared: Arc<Shared>,
}

impl PublicClient {
    pub fn new(config: ClientConfig) -> Result<Self, VenueError> {
        Self::with_clocks(
            config,
            Arc::new(MonotonicClock::default()),
            Arc::new(SystemWallClock),
        )
    }

    /// With injected clocks (tests).
    pub fn with_clocks(
        config: ClientConfig,
        clock: Arc<dyn Clock>,
        wall: Arc<dyn WallClock>,
    ) -> Result<Self, VenueError> {
        // No redirects, ever: reqwest would forward the `POLY_*` headers (and a 307/308
        // would re-send a signed order) to wherever the answer points. Polymarket's own
        // endpoints are reached over HTTPS only, so nothing can downgrade them.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(config.endpoints.is_polymarket())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("polyagent/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VenueError::Network(e.to_string()))?;
        let global = RateBudget::new(
            config.limits.global_per_second,
            config.limits.global_burst,
            clock.now_ms(),
        );
        let rng = config
            .jitter_seed
            .map_or_else(JitterRng::from_entropy, JitterRng::new);
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                config,
                clock,
                wall,
                global,
                rng: Mutex::new(rng),
                skew_ms: AtomicI64::new(0),
                version: AtomicU64::new(0),
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.shared.config.endpoints
    }

    /// Server-corrected unix seconds, for L1/L2 timestamps.
    pub fn server_now_s(&self) -> u64 {
        let local = i128::from(self.shared.wall.unix_ms());
        let skew = i128::from(self.shared.skew_ms.load(Ordering::Relaxed));
        u64::try_from((local + skew).max(0) / 1000).unwrap_or(0)
    }

    /// Last measured clock skew (server minus local), milliseconds.
    pub fn clock_skew_ms(&self) -> i64 {
        self.shared.skew_ms.load(Ordering::Relaxed)
    }

    // --- health, time, version -------------------------------------------------------------

    /// `GET /time`: server unix seconds.
    pub async fn server_time_s(&self) -> Result<u64, VenueError> {
        self.get_json::<clob_wire::LenientU64>(Host::Clob, "/time", &[])
            .await
            .map(|t| t.0)
    }

    /// Measures server minus local time (ms, midpoint of the round trip), stores it for
    /// timestamps, and warns above the configured threshold.
    ///
    /// # Errors
    /// [`VenueError::ClockSkew`] beyond [`MAX_SIGNING_SKEW`] (the correction is not stored);
    /// the `/time` call's own errors.
    pub async fn check_clock_skew(&self) -> Result<i64, VenueError> {
        let before = self.shared.wall.unix_ms();
        let server_s = self.server_time_s().await?;
        let after = self.shared.wall.unix_ms();
        let local_mid = i128::from(before / 2 + after / 2);
        // The server answers in whole seconds: its true time is in [s, s+1), so compare
        // against the middle of that second.
        let server_mid = i128::from(server_s) * 1000 + 500;
        let skew = i64::try_from(server_mid - local_mid).unwrap_or(i64::MAX);
        // Within the server's one-second resolution we cannot tell: call it zero.
        let skew = if skew.abs() <= 500 { 0 } else { skew };
        let max = i64::try_from(MAX_SIGNING_SKEW.as_millis()).unwrap_or(i64::MAX);
        if skew.abs() > max {
            tracing::warn!(
                skew_ms = skew,
                "local clock too far from the exchange's to sign"
            );
            return Err(VenueError::ClockSkew { skew_ms: skew });
        }
        self.shared.skew_ms.store(skew, Ordering::Relaxed);
        let limit = i64::try_from(self.shared.config.skew_warning.as_millis()).unwrap_or(i64::MAX);
        if skew.abs() > limit {
            tracing::warn!(skew_ms = skew, "local clock differs from the exchange's");
        }
        Ok(skew)
    }

    /// `GET /version`, cached.
    pub async fn version(&self) -> Result<u64, VenueError> {
        match self.shared.version.load(Ordering::Relaxed) {
            0 => self.refresh_version().await,
            v => Ok(v),
        }
    }

    /// Re-reads `/version` (after an `order_version_mismatch`).
    pub async fn refresh_version(&self) -> Result<u64, VenueError> {
        let answer: VersionResponse = self.get_json(Host::Clob, "/version", &[]).await?;
        // SDKs default to 2 when absent.
        let version = answer.version.unwrap_or(2);
        self.shared.version.store(version, Ordering::Relaxed);
        Ok(version)
    }

    // --- market lookup (Gamma) ---------------------------------------------------------------

    /// Finds a tradable market from a slug, a polymarket.com URL, a condition id or search
    /// text. Closed, resolved, unknown and not-accepting markets are typed errors.
    pub async fn lookup(&self, input: &str) -> Result<MarketInfo, VenueError> {
        let market = self.find_market(&MarketRef::parse(input)?).await?;
        require_tradable(&market)
    }

    /// Like [`PublicClient::lookup`] but returns the market whatever its state.
    pub async fn find_market(
        &self,
        reference: &MarketRef,
    ) -> Result<GammaMarketResponse, VenueError> {
        let not_found = || VenueError::MarketNotFound(format!("{reference:?}"));
        match reference {
            MarketRef::Slug(slug) => {
                let found: Vec<GammaMarketResponse> = self
                    .get_json(Host::Gamma, "/markets", &[("slug", slug.clone())])
                    .await?;
                found.into_iter().next().ok_or_else(not_found)
            }
            MarketRef::ConditionId(id) => {
                let found: Vec<GammaMarketResponse> = self
                    .get_json(Host::Gamma, "/markets", &[("condition_ids", id.clone())])
                    .await?;
                found.into_iter().next().ok_or_else(not_found)
            }
            MarketRef::Token(token) => {
                let found: Vec<GammaMarketResponse> = self
                    .get_json(
                        Host::Gamma,
                        "/markets",
                        &[("clob_token_ids", token.clone())],
                    )
                    .await?;
                found.into_iter().next().ok_or_else(not_found)
            }
            MarketRef::Event {
                event_slug,
                market_slug,
            } => {
                let events: Vec<GammaEventResponse> = self
                    .get_json(Host::Gamma, "/events", &[("slug", event_slug.clone())])
                    .await?;
                let event = events.into_iter().next().ok_or_else(not_found)?;
                pick_from_event(event, market_slug.as_deref()).ok_or_else(not_found)
            }
            MarketRef::Search(text) => {
                let found: GammaSearchResponse = self
                    .get_json(Host::Gamma, "/public-search", &[("q", text.clone())])
                    .await?;
                // Events come best-ranked first; inside them, prefer an open market whose own
                // question or slug has every word, then any open market, then any.
                let markets: Vec<GammaMarketResponse> =
                    found.events.into_iter().flat_map(|e| e.markets).collect();
                let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
                let matches = |m: &GammaMarketResponse| {
                    let haystack = format!("{} {}", m.question, m.slug).to_lowercase();
                    words.iter().all(|w| haystack.contains(w.as_str()))
                };
                let open = |m: &GammaMarketResponse| require_tradable(m).is_ok();
                let best = markets
                    .iter()
                    .position(|m| open(m) && matches(m))
                    .or_else(|| markets.iter().position(open))
                    .unwrap_or(0);
                markets.into_iter().nth(best).ok_or_else(not_found)
            }
        }
    }

    /// Every market whose event matches `text` (Gamma's `/public-search`), best-ranked events
    /// first; closed ones included, so a caller can say why it cannot trade them.
    pub async fn search_markets(&self, text: &str) -> Result<Vec<GammaMarketResponse>, VenueError> {
        let found: GammaSearchResponse = self
            .get_json(Host::Gamma, "/public-search", &[("q", text.to_owned())])
            .await?;
        Ok(found.events.into_iter().flat_map(|e| e.markets).collect())
    }

    /// The fee curve the operator applies to a market's trades (`GET /clob-markets/{id}`,
    /// its `fd` field); a market without one trades free.
    pub async fn fee_curve(&self, condition_id: &str) -> Result<FeeCurve, VenueError> {
        let path = format!("/clob-markets/{condition_id}");
        let market: crate::clob_wire::ClobMarketResponse =
            self.get_json(Host::Clob, &path, &[]).await?;
        Ok(market.fee_curve())
    }

    // --- market data ----------------------------------------------------------------------

    fn token_query(token: &TokenId) -> [(&'static str, String); 1] {
        [("token_id", token.as_str().to_owned())]
    }

    pub async fn book(&self, token: &TokenId) -> Result<OrderBook, VenueError> {
        let answer: BookResponse = self
            .get_json(Host::Clob, "/book", &Self::token_query(token))
            .await?;
        answer.into_book()
    }

    pub async fn midpoint(&self, token: &TokenId) -> Result<Decimal, VenueError> {
        let answer: MidpointResponse = self
            .get_json(Host::Clob, "/midpoint", &Self::token_query(token))
            .await?;
        Ok(answer.mid.0)
    }

    pub async fn spread(&self, token: &TokenId) -> Result<Decimal, VenueError> {
        let answer: SpreadResponse = self
            .get_json(Host::Clob, "/spread", &Self::token_query(token))
            .await?;
        Ok(answer.spread.0)
    }

    pub async fn last_trade(&self, token: &TokenId) -> Result<LastTrade, VenueError> {
        let answer: LastTradeResponse = self
            .get_json(Host::Clob, "/last-trade-price", &Self::token_query(token))
            .await?;
        Ok(LastTrade {
            price: answer.price.0,
            side: answer.side.parse().ok(),
        })
    }

    pub async fn tick_size(&self, token: &TokenId) -> Result<TickSize, VenueError> {
        let answer: TickSizeResponse = self
            .get_json(Host::Clob, "/tick-size", &Self::token_query(token))
            .await?;
        clob_wire::tick_from_decimal(answer.minimum_tick_size.0)
    }

    /// The price polymarket.com shows (§7): the book's midpoint while the spread is at most
    /// 10 cents, else the last trade.
    pub async fn displayed_price(&self, token: &TokenId) -> Result<Option<Decimal>, VenueError> {
        let book = self.book(token).await?;
        let last = match book.last_trade_price {
            Some(price) => Some(price),
            None => Some(self.last_trade(token).await?.price),
        };
        Ok(crate::types::displayed_price(
            book.best_bid(),
            book.best_ask(),
            last,
        ))
    }

    /// `GET /prices-history`; `fidelity_minutes` is the spacing of points.
    pub async fn prices_history(
        &self,
        token: &TokenId,
        window: HistoryWindow,
        fidelity_minutes: Option<u32>,
    ) -> Result<Vec<PricePoint>, VenueError> {
        let mut query = vec![("market", token.as_str().to_owned())];
        match window {
            HistoryWindow::Interval(interval) => {
                query.push(("interval", interval.as_str().to_owned()));
            }
            HistoryWindow::Range { start_s, end_s } => {
                query.push(("startTs", start_s.to_string()));
                query.push(("endTs", end_s.to_string()));
            }
        }
        if let Some(fidelity) = fidelity_minutes {
            query.push(("fidelity", fidelity.to_string()));
        }
        let answer: HistoryResponse = self.get_json(Host::Clob, "/prices-history", &query).await?;
        Ok(answer
            .history
            .into_iter()
            .map(|p| PricePoint {
                time_s: p.t,
                price: p.p.0,
            })
            .collect())
    }
}

fn pick_from_event(
    event: GammaEventResponse,
    market_slug: Option<&str>,
) -> Option<GammaMarketResponse> {
    match market_slug {
        Some(slug) => event.markets.into_iter().find(|m| m.slug == slug),
        // An event URL without a market: the event's only market, or its first open one.
        None => {
            let open = event
                .markets
                .iter()
                .position(|m| require_tradable(m).is_ok())
                .unwrap_or(0);
            event.markets.into_iter().nth(open)
        }
    }
}

/// An authenticated client for one wallet: everything [`PublicClient`] does, plus orders.
pub struct AuthedClient {
    pub(crate) public: PublicClient,
    pub(crate) signer: OrderSigner,
    pub(crate) signature_type: SignatureType,
    /// L1 nonce the API key was created/derived with.
    pub(crate) nonce: u64,
    pub(crate) credentials: RwLock<Arc<L2Credentials>>,
    pub(crate) wallet_budget: RateBudget,
    /// The signer's order and cancel buckets and the exchange's last word on them.
    pub(crate) signer_limits: SignerLimits,
    /// Orders we believe rest on the book: heartbeats run while this is non-empty.
    pub(crate) live_orders: Mutex<HashSet<String>>,
    pub(crate) heartbeat_id: Mutex<Option<String>>,
    pub(crate) heartbeats_sent: AtomicU64,
}

impl std::fmt::Debug for AuthedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthedClient")
            .field("address", &self.signer.address())
            .field("signature_type", &self.signature_type)
            .finish_non_exhaustive()
    }
}

/// An authenticated client reads market data like a public one.
impl std::ops::Deref for AuthedClient {
    type Target = PublicClient;
    fn deref(&self) -> &PublicClient {
        &self.public
    }
}

impl AuthedClient {
    /// Creates (or, when it exists, derives) the API key with an L1 signature.
    pub async fn connect(
        public: PublicClient,
        signer: OrderSigner,
        signature_type: SignatureType,
        nonce: u64,
    ) -> Result<Self, VenueError> {
        let credentials = create_or_derive(&public, &signer, nonce).await?;
        Ok(Self::with_credentials(
            public,
            signer,
            signature_type,
            nonce,
            credentials,
        ))
    }

    /// With credentials given (e.g. from the vault). They must belong to the signer.
    pub fn with_credentials(
        public: PublicClient,
        signer: OrderSigner,
        signature_type: SignatureType,
        nonce: u64,
        credentials: L2Credentials,
    ) -> Self {
        let limits = public.shared.config.limits;
        let wallet_budget = RateBudget::new(
            limits.wallet_per_second,
            limits.wallet_burst,
            public.shared.clock.now_ms(),
        );
        let signer_limits = SignerLimits::new(limits.signer_pacing, public.shared.clock.now_ms());
        Self {
            public,
            signer,
            signature_type,
            nonce,
            credentials: RwLock::new(Arc::new(credentials)),
            wallet_budget,
            signer_limits,
            live_orders: Mutex::new(HashSet::new()),
            heartbeat_id: Mutex::new(None),
            heartbeats_sent: AtomicU64::new(0),
        }
    }

    pub fn public(&self) -> &PublicClient {
        &self.public
    }

    pub fn signer(&self) -> &OrderSigner {
        &self.signer
    }

    pub fn signature_type(&self) -> SignatureType {
        self.signature_type
    }

    /// The current L2 credentials (they change after a re-derive).
    pub fn credentials(&self) -> Arc<L2Credentials> {
        self.credentials
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// `DELETE /auth/api-key`: revokes the current API key. The next request re-derives.
    pub async fn delete_api_key(&self) -> Result<(), VenueError> {
        let _: serde_json::Value = self
            .l2_json(HttpMethod::Delete, "/auth/api-key", &[], None)
            .await?;
        Ok(())
    }

    /// `GET /data/order/{id}`: the exchange's record of an order, if any.
    pub async fn order(&self, order_id: &str) -> Result<Option<OpenOrder>, VenueError> {
        let path = format!("/data/order/{order_id}");
        let answer = self
            .l2(HttpMethod::Get, &path, &[], &|_| None)
            .await
            .map_err(|f| match f {
                SendFailure::NotSent(e) | SendFailure::Unknown(e) => VenueError::Network(e),
            })?;
        if answer.status == 404 {
            return Ok(None);
        }
        let trimmed = String::from_utf8_lossy(&answer.body);
        let trimmed = trimmed.trim();
        // Polymarket answers an unknown id with an empty body or `null` as well as a 404.
        if (200..300).contains(&answer.status)
            && (trimmed.is_empty() || trimmed == "null" || trimmed == "{}")
        {
            return Ok(None);
        }
        let order: OpenOrderResponse =
            parse_answer(&answer, self.public.shared.config.backoff_max)?;
        order.into_order().map(Some)
    }

    /// Settles a submission whose outcome was unknown: the order id is the EIP-712 digest,
    /// so the exchange either has that exact order or does not.
    ///
    /// `Absent` is true *now*: a request still in flight (slow network, a queue on the
    /// exchange) can land later, so ask again after the request can no longer arrive
    /// (e.g. after the client timeout has passed once more). If the intent is re-posted,
    /// post the *same* [`OrderSpec`] (same salt and timestamp): it signs to the same id,
    /// and the exchange refuses a duplicate id, so at most one order can ever exist.
    pub async fn reconcile_submission(&self, order_id: &str) -> Result<Submission, VenueError> {
        Ok(match self.order(order_id).await? {
            Some(order) => {
                if order.status == OrderStatus::Live {
                    self.track_live(&order.id);
                }
                Submission::Found(order)
            }
            None => Submission::Absent,
        })
    }

    pub(crate) fn track_live(&self, id: &str) {
        self.live_orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned());
    }

    /// Forgets orders that no longer rest (canceled or fully matched), so heartbeats stop
    /// when nothing is left to protect.
    pub(crate) fn untrack(&self, ids: &[String]) {
        let mut live = self
            .live_orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in ids {
            live.remove(id);
        }
    }

    /// How many orders this client believes are resting.
    pub fn live_order_count(&self) -> usize {
        self.live_orders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// All open orders (every page), optionally of one market (condition id) and, within
    /// it, one token. Also resets the set of orders heartbeats protect.
    ///
    /// A token filter needs its market: from 14 December 2026 production refuses
    /// `asset_id` without `market` (PROTOCOL.md §13.2), so that query is refused here with
    /// [`VenueError::InvalidInput`] before anything is sent.
    pub async fn open_orders(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> Result<Vec<OpenOrder>, VenueError> {
        if token.is_some() && condition_id.is_none_or(|m| m.trim().is_empty()) {
            return Err(VenueError::InvalidInput(
                "open orders filtered by token need the market (condition id) too".into(),
            ));
        }
        let mut filter = Vec::new();
        if let Some(market) = condition_id {
            filter.push(("market", market.to_owned()));
        }
        if let Some(token) = token {
            filter.push(("asset_id", token.as_str().to_owned()));
        }
        let orders: Vec<OpenOrder> = self
            .pages::<OpenOrderResponse>("/data/orders", filter)
            .await?
            .into_iter()
            .map(OpenOrderResponse::into_order)
            .collect::<Result<_, _>>()?;
        if condition_id.is_none() && token.is_none() {
            let mut live = self
                .live_orders
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            live.clear();
            live.extend(
                orders
                    .iter()
                    .filter(|o| o.status == OrderStatus::Live)
                    .map(|o| o.id.clone()),
            );
        }
        Ok(orders)
    }

    /// Trades of this wallet (every page); `after_s` keeps those matched after that time.
    pub async fn trades(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
        after_s: Option<u64>,
    ) -> Result<Vec<Trade>, VenueError> {
        let mut filter = Vec::new();
        if let Some(market) = condition_id {
            filter.push(("market", market.to_owned()));
        }
        if let Some(token) = token {
            filter.push(("asset_id", token.as_str().to_owned()));
        }
        if let Some(after) = after_s {
            filter.push(("after", after.to_string()));
        }
        self.pages::<TradeResponse>("/data/trades", filter)
            .await?
            .into_iter()
            .map(TradeResponse::into_trade)
            .collect()
    }

    async fn pages<T: DeserializeOwned>(
        &self,
        path: &str,
        filter: Vec<(&str, String)>,
    ) -> Result<Vec<T>, VenueError> {
        let mut out = Vec::new();
        let mut cursor = FIRST_CURSOR.to_owned();
        // A runaway cursor must not loop forever.
        for _ in 0..1000 {
            let mut query = filter.clone();
            query.push(("next_cursor", cursor.clone()));
            let page: PageResponse<T> = self.l2_json(HttpMethod::Get, path, &query, None).await?;
            out.extend(page.data);
            match page.next_cursor {
                Some(next) if !next.is_empty() && next != END_CURSOR && next != cursor => {
                    cursor = next;
                }
                _ => return Ok(out),
            }
        }
        Err(VenueError::Protocol(format!("{path}: too many pages")))
    }

    fn balance_query(&self, asset: &AssetType) -> Vec<(&'static str, String)> {
        let mut query = vec![("signature_type", self.signature_type.code().to_string())];
        match asset {
            AssetType::Collateral => query.push(("asset_type", "COLLATERAL".into())),
            AssetType::Conditional(token) => {
                query.push(("asset_type", "CONDITIONAL".into()));
                query.push(("token_id", token.as_str().into()));
            }
            AssetType::ConditionalV2(token) => {
                query.push(("asset_type", "CONDITIONAL-V2".into()));
                query.push(("token_id", token.as_str().into()));
            }
        }
        query
    }

    pub async fn balance_allowance(
        &self,
        asset: &AssetType,
    ) -> Result<BalanceAllowance, VenueError> {
        let query = self.balance_query(asset);
        let answer: BalanceAllowanceResponse = self
            .l2_json(HttpMethod::Get, "/balance-allowance", &query, None)
            .await?;
        Ok(answer.into_balance())
    }

    /// Asks the exchange to re-read the on-chain balance and allowances.
    pub async fn update_balance_allowance(&self, asset: &AssetType) -> Result<(), VenueError> {
        let query = self.balance_query(asset);
        let _: serde_json::Value = self
            .l2_json(HttpMethod::Get, "/balance-allowance/update", &query, None)
            .await?;
        Ok(())
    }

    /// One heartbeat, chaining the previous id. Returns the new id.
    pub async fn heartbeat(&self) -> Result<String, VenueError> {
        #[derive(serde::Deserialize)]
        struct HeartbeatResponse {
            heartbeat_id: String,
        }
        let previous = self
            .heartbeat_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let body = serde_json::json!({ "heartbeat_id": previous }).to_string();
        let answer: HeartbeatResponse = self
            .l2_json(HttpMethod::Post, "/v1/heartbeats", &[], Some(body))
            .await?;
        *self
            .heartbeat_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(answer.heartbeat_id.clone());
        self.heartbeats_sent.fetch_add(1, Ordering::Relaxed);
        Ok(answer.heartbeat_id)
    }

    /// Heartbeats accepted by the exchange so far.
    pub fn heartbeats_sent(&self) -> u64 {
        self.heartbeats_sent.load(Ordering::Relaxed)
    }

    /// Sends a heartbeat every `every` while this client has live orders; once started,
    /// the exchange cancels everything if they stop (10 s), which is the point: a crashed
    /// app leaves no orders behind. Stops when the returned handle is aborted or dropped
    /// with the client.
    pub fn spawn_heartbeats(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let client = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(client) = client.upgrade() else {
                    return;
                };
                if client.live_order_count() == 0 {
                    continue;
                }
                if let Err(error) = client.heartbeat().await {
                    tracing::warn!(%error, "heartbeat failed");
                    // A rejected chain id restarts the chain.
                    *client
                        .heartbeat_id
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                }
            }
        })
    }
}
