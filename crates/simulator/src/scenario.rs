//! Scenario files: the markets, wallets and liquidity a simulator run starts with.
//!
//! A scenario is JSON (see `data/scenarios/`). Ids that are not given are derived from the
//! market's slug (keccak-256), so every run of a scenario has the same condition and token ids.

use std::path::Path;

use alloy_primitives::{Address, U256, keccak256};
use polyagent_domain::secret::PrivateKey;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::exchange::{Exchange, FeeCurve, Market, MarketStatus, NewOrder, OrderType, Side};
use crate::paths::{PathSpec, PricePath, read_series};
use crate::server::limits::{LimitMode, Tier};
use crate::units::{Micros, PIPS_PER_UNIT, Pips};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The chain orders and L1 auth are signed for: Amoy (80002), the default and the only
    /// one accepted. Polygon mainnet (137) is refused, so nothing signed for a simulator is
    /// valid on Polymarket (issue #16).
    #[serde(default = "amoy")]
    pub chain_id: u64,
    /// Simulated milliseconds between simulation steps (quotes, expiry, settlement).
    #[serde(default = "default_step_ms")]
    pub step_ms: u64,
    pub markets: Vec<MarketSpec>,
    #[serde(default)]
    pub wallets: Vec<WalletSpec>,
    /// Which order-query rules the exchange follows (PROTOCOL.md §13.2); production's newest
    /// by default.
    #[serde(default)]
    pub order_query_rules: OrderQueryRules,
    /// Per-signer trading rate limits (§13.3): `enforce` (the default), `warn` or `off`.
    #[serde(default)]
    pub rate_limit_mode: LimitMode,
    /// Deposit wallets (signature type 3) and the EOAs that own them (§13.7).
    #[serde(default)]
    pub deposit_wallets: Vec<DepositWalletSpec>,
}

/// A deposit wallet known to the exchange.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepositWalletSpec {
    pub wallet: String,
    /// The EOA whose signature the wallet accepts.
    pub owner: String,
    /// Until deployed, every order of the wallet is refused.
    #[serde(default = "yes")]
    pub deployed: bool,
}

/// The order-query rules in force: Polymarket changed them on 14 December 2026.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum OrderQueryRules {
    /// From 2026-12-14: `GET /data/orders` filtered by `asset_id` must carry `market` too, and
    /// orders no longer carry `associate_trades` (fills are counted from `size_matched`).
    #[default]
    #[serde(rename = "2026-12-14")]
    December2026,
    /// Before: an asset filter alone is fine and orders list their trade ids.
    #[serde(rename = "legacy")]
    Legacy,
}

impl OrderQueryRules {
    /// Whether orders still list their trade ids in `associate_trades`.
    pub fn lists_associate_trades(self) -> bool {
        self == Self::Legacy
    }
}

/// Amoy, Polygon's test chain: Polymarket's official clients know its contracts.
pub const AMOY_CHAIN_ID: u64 = 80002;
/// Polygon mainnet, where Polymarket trades.
pub const MAINNET_CHAIN_ID: u64 = 137;

fn amoy() -> u64 {
    AMOY_CHAIN_ID
}

/// Refuses every chain but Amoy: mainnet (137) by name, because a scenario on it would make
/// the simulator accept, and so invite, signatures valid on Polymarket.
fn check_chain(chain_id: u64) -> Result<(), String> {
    match chain_id {
        AMOY_CHAIN_ID => Ok(()),
        MAINNET_CHAIN_ID => Err(format!(
            "invalid scenario: chain_id {MAINNET_CHAIN_ID} is Polygon mainnet; a simulator \
             verifies signatures for Amoy ({AMOY_CHAIN_ID}) only, so nothing signed for it is \
             valid on Polymarket"
        )),
        other => Err(format!(
            "invalid scenario: chain_id {other} is not supported; use {AMOY_CHAIN_ID} (Amoy)"
        )),
    }
}
fn default_step_ms() -> u64 {
    500
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    pub slug: String,
    pub question: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub event_slug: Option<String>,
    #[serde(default)]
    pub condition_id: Option<String>,
    #[serde(default)]
    pub tokens: Option<[String; 2]>,
    #[serde(default = "yes_no")]
    pub outcomes: [String; 2],
    #[serde(default = "default_tick")]
    pub tick_size: Decimal,
    #[serde(default = "default_min_size")]
    pub min_order_size: Decimal,
    #[serde(default)]
    pub neg_risk: bool,
    /// Gamma's protocol version: "v1" (Exchange V2, domain "2") or "v2" (Exchange V3, domain "3").
    #[serde(default = "v1")]
    pub version: String,
    #[serde(default)]
    pub fee: Option<FeeSpec>,
    #[serde(default = "default_end_date")]
    pub end_date: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub closed: bool,
    #[serde(default = "yes")]
    pub accepting_orders: bool,
    /// Milliseconds a marketable order is held (status DELAYED) before it may match; 0 = none.
    #[serde(default)]
    pub taker_delay_ms: u64,
    pub liquidity: LiquiditySpec,
    pub path: PathSpec,
}

fn yes_no() -> [String; 2] {
    ["Yes".to_owned(), "No".to_owned()]
}
fn default_tick() -> Decimal {
    Decimal::new(1, 2)
}
fn default_min_size() -> Decimal {
    Decimal::from(5)
}
fn v1() -> String {
    "v1".to_owned()
}
fn default_end_date() -> String {
    "2027-12-31T00:00:00Z".to_owned()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSpec {
    pub rate: Decimal,
    #[serde(default = "one_u32")]
    pub exponent: u32,
    #[serde(default = "yes")]
    pub taker_only: bool,
}

fn one_u32() -> u32 {
    1
}

/// How the market's liquidity provider quotes around the path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquiditySpec {
    /// Distance between the best bid and the best ask.
    pub spread: Decimal,
    /// Price levels quoted on each side.
    pub levels: u32,
    /// Shares per level.
    pub size: Decimal,
    /// Chance per step (0..1) of a small trade crossing the spread, so trades print.
    #[serde(default)]
    pub trade_chance: Decimal,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletSpec {
    pub label: String,
    /// A test key (never a real one): the address is derived from it.
    #[serde(default)]
    pub private_key: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    pub pusd: Decimal,
    /// YES/NO pairs to hold per market slug.
    #[serde(default)]
    pub pairs: std::collections::BTreeMap<String, Decimal>,
    /// The wallet's rate-limit tier as a signer (§13.3); `standard` when not given.
    #[serde(default)]
    pub rate_limit_tier: Tier,
    /// The account may not make orders as an EOA (signature type 0): it must use a deposit
    /// wallet (§13.7).
    #[serde(default)]
    pub deposit_wallet_required: bool,
}

/// Gamma-side facts about a market that the exchange itself does not need.
#[derive(Debug, Clone)]
pub struct MarketListing {
    pub slug: String,
    pub event_slug: String,
    pub question: String,
    pub description: String,
    pub condition_id: String,
    pub version: String,
    pub end_date: String,
    pub active: bool,
    pub closed: bool,
    pub accepting_orders: bool,
}

/// A market's liquidity provider: an internal account that re-quotes around the price path.
#[derive(Debug, Clone)]
pub struct LiquidityProvider {
    pub address: String,
    /// A separate account that now and then crosses the spread, so trades print.
    noise_address: String,
    pub condition_id: String,
    pub path: PricePath,
    half_spread: Pips,
    levels: u32,
    size: Micros,
    trade_chance_ppm: u64,
    rng: u64,
    quoted_mid: Option<Pips>,
    /// Ids of the quotes last placed; a taken one triggers a fresh set.
    quote_ids: Vec<String>,
    next_id: u64,
}

/// Everything a scenario sets up.
#[derive(Debug)]
pub struct World {
    pub exchange: Exchange,
    pub listings: Vec<MarketListing>,
    pub providers: Vec<LiquidityProvider>,
    pub wallets: Vec<(String, String)>,
    pub chain_id: u64,
    pub step_ms: u64,
    pub order_query_rules: OrderQueryRules,
    pub rate_limit_mode: LimitMode,
    /// Rate-limit tiers of the scenario's wallets, by address.
    pub rate_limit_tiers: std::collections::HashMap<String, Tier>,
    /// (deposit wallet, owner, deployed).
    pub deposit_wallets: Vec<(Address, Address, bool)>,
    /// Wallets that must use a deposit wallet.
    pub deposit_wallet_required: std::collections::HashSet<Address>,
}

/// Price levels a liquidity provider may quote on each side: it re-quotes every level every
/// step, so this bounds the work of a step (and a scenario file cannot make it endless).
pub const MAX_LEVELS: u32 = 100;
/// The longest world step: a coarser clock would make quotes jump rather than move.
pub const MAX_STEP_MS: u64 = 60_000;

impl Scenario {
    pub fn from_json(text: &str) -> Result<Self, String> {
        let scenario: Scenario =
            serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))?;
        if scenario.markets.is_empty() {
            return Err("invalid scenario: it has no markets".to_owned());
        }
        check_chain(scenario.chain_id)?;
        Ok(scenario)
    }

    pub fn load(path: &Path) -> Result<(Self, std::path::PathBuf), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok((Self::from_json(&text)?, base))
    }

    /// Builds the exchange, funds the wallets and places the first quotes.
    /// `base_dir` resolves replay files; `now_ms` is the simulated start time.
    pub fn build(&self, base_dir: &Path, now_ms: u64) -> Result<World, String> {
        check_chain(self.chain_id)?;
        if !(1..=MAX_STEP_MS).contains(&self.step_ms) {
            return Err(format!(
                "invalid scenario: step_ms must lie between 1 and {MAX_STEP_MS} (it is {})",
                self.step_ms
            ));
        }
        let mut exchange = Exchange::default();
        let mut listings = Vec::new();
        let mut providers = Vec::new();
        for (index, spec) in self.markets.iter().enumerate() {
            let condition_id = spec
                .condition_id
                .clone()
                .unwrap_or_else(|| format!("{}", keccak256(spec.slug.as_bytes())));
            let tokens = spec.tokens.clone().unwrap_or_else(|| {
                let id = |outcome: &str| {
                    U256::from_be_bytes(keccak256(format!("{}:{outcome}", spec.slug)).0).to_string()
                };
                [id(&spec.outcomes[0]), id(&spec.outcomes[1])]
            });
            let bad = |what: &str| format!("market '{}': {what}", spec.slug);
            let tick = Pips::from_decimal(spec.tick_size).map_err(|e| bad(&e.to_string()))?;
            if tick.0 == 0 || !PIPS_PER_UNIT.is_multiple_of(tick.0) {
                return Err(bad("the tick size must divide 1"));
            }
            let min_size =
                Micros::parse(&spec.min_order_size.to_string()).map_err(|e| bad(&e.to_string()))?;
            let fees = spec
                .fee
                .as_ref()
                .map(|f| FeeCurve {
                    rate: f.rate,
                    exponent: f.exponent,
                    taker_only: f.taker_only,
                })
                .unwrap_or_else(FeeCurve::free);
            exchange.add_market(Market {
                condition_id: condition_id.clone(),
                tokens,
                outcomes: spec.outcomes.clone(),
                tick,
                min_size,
                neg_risk: spec.neg_risk,
                fees,
                status: MarketStatus::Open,
                book: Default::default(),
                locked: Micros::ZERO,
                last_trade: None,
            });
            if spec.taker_delay_ms > 0 {
                exchange
                    .taker_delays_ms
                    .insert(condition_id.clone(), spec.taker_delay_ms);
            }
            listings.push(MarketListing {
                slug: spec.slug.clone(),
                event_slug: spec.event_slug.clone().unwrap_or_else(|| spec.slug.clone()),
                question: spec.question.clone(),
                description: spec.description.clone(),
                condition_id: condition_id.clone(),
                version: spec.version.clone(),
                end_date: spec.end_date.clone(),
                active: spec.active,
                closed: spec.closed,
                accepting_orders: spec.accepting_orders,
            });
            let path = match &spec.path {
                PathSpec::RandomWalk {
                    seed,
                    start,
                    step_volatility,
                    step_ms,
                    spikes,
                } => PricePath::walk(*seed, *start, *step_volatility, *step_ms, spikes)
                    .map_err(|e| bad(&e))?,
                PathSpec::Replay { file, slug, speed } => {
                    let csv = read_text(&base_dir.join(file))?;
                    PricePath::from_points(read_series(&csv, slug, *speed).map_err(|e| bad(&e))?)
                }
                PathSpec::Scripted { points } => PricePath::from_points(
                    points
                        .iter()
                        .map(|(t, p)| Pips::from_decimal(*p).map(|p| (*t, p)))
                        .collect::<Result<_, _>>()
                        .map_err(|e| bad(&e.to_string()))?,
                ),
            };
            let liquidity = &spec.liquidity;
            let half_spread = Pips::from_decimal(liquidity.spread / Decimal::TWO)
                .map_err(|e| bad(&e.to_string()))?;
            let provider_address = format!("0x{:040x}", 0x1000 + index);
            let size =
                Micros::parse(&liquidity.size.to_string()).map_err(|e| bad(&e.to_string()))?;
            if liquidity.levels > MAX_LEVELS {
                return Err(bad(&format!("at most {MAX_LEVELS} price levels a side")));
            }
            // A chance per step: a huge one overflowed its conversion to parts per million.
            if liquidity.trade_chance < Decimal::ZERO || liquidity.trade_chance > Decimal::ONE {
                return Err(bad("trade_chance must be between 0 and 1"));
            }
            // Enough inventory to quote both sides for a very long run.
            let inventory = size
                .0
                .checked_mul(u64::from(liquidity.levels.max(1)))
                .and_then(|v| v.checked_mul(1_000))
                .map(Micros)
                .ok_or_else(|| bad("the liquidity size is too large"))?;
            let funds = Micros(
                inventory
                    .0
                    .checked_mul(2)
                    .ok_or_else(|| bad("the liquidity size is too large"))?,
            );
            if !exchange.mint_collateral(&provider_address, funds) {
                return Err(bad("the scenario issues more pUSD than the ledger holds"));
            }
            exchange
                .split(&provider_address, &condition_id, inventory)
                .map_err(|e| bad(&e.to_string()))?;
            let noise_address = format!("0x{:040x}", 0x2000 + index);
            if !exchange.mint_collateral(&noise_address, funds) {
                return Err(bad("the scenario issues more pUSD than the ledger holds"));
            }
            exchange
                .split(&noise_address, &condition_id, inventory)
                .map_err(|e| bad(&e.to_string()))?;
            providers.push(LiquidityProvider {
                address: provider_address,
                noise_address,
                condition_id,
                path,
                half_spread: Pips(half_spread.0.max(tick.0 / 2).max(1)),
                levels: liquidity.levels.max(1),
                size,
                trade_chance_ppm: (liquidity.trade_chance * Decimal::from(1_000_000))
                    .round()
                    .mantissa()
                    .clamp(0, 1_000_000) as u64,
                rng: 0x5EED ^ index as u64,
                quoted_mid: None,
                quote_ids: Vec::new(),
                next_id: 0,
            });
        }
        let mut wallets = Vec::new();
        let mut rate_limit_tiers = std::collections::HashMap::new();
        let mut deposit_wallet_required = std::collections::HashSet::new();
        for wallet in &self.wallets {
            let address = wallet_address(wallet)?;
            let pusd = Micros::parse(&wallet.pusd.to_string())
                .map_err(|e| format!("wallet '{}': {e}", wallet.label))?;
            let too_much = || format!("wallet '{}': more pUSD than the ledger holds", wallet.label);
            let pairs_total: u64 = wallet
                .pairs
                .values()
                .map(|p| Micros::parse(&p.to_string()).map(|m| m.0))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("wallet '{}': {e}", wallet.label))?
                .iter()
                .try_fold(0u64, |sum, p| sum.checked_add(*p))
                .ok_or_else(too_much)?;
            let total = pusd.0.checked_add(pairs_total).ok_or_else(too_much)?;
            if !exchange.mint_collateral(&address, Micros(total)) {
                return Err(too_much());
            }
            for (slug, amount) in &wallet.pairs {
                let listing = listings
                    .iter()
                    .find(|l| &l.slug == slug)
                    .ok_or(format!("wallet '{}': no market '{slug}'", wallet.label))?;
                let amount = Micros::parse(&amount.to_string()).map_err(|e| e.to_string())?;
                exchange
                    .split(&address, &listing.condition_id, amount)
                    .map_err(|e| e.to_string())?;
            }
            rate_limit_tiers.insert(address.clone(), wallet.rate_limit_tier);
            if wallet.deposit_wallet_required {
                deposit_wallet_required.insert(parse_address(&address)?);
            }
            wallets.push((wallet.label.clone(), address));
        }
        let mut world = World {
            exchange,
            listings,
            providers,
            wallets,
            chain_id: self.chain_id,
            step_ms: self.step_ms.max(1),
            order_query_rules: self.order_query_rules,
            rate_limit_mode: self.rate_limit_mode,
            rate_limit_tiers,
            deposit_wallets: self
                .deposit_wallets
                .iter()
                .map(|d| {
                    Ok((
                        parse_address(&d.wallet)?,
                        parse_address(&d.owner)?,
                        d.deployed,
                    ))
                })
                .collect::<Result<_, String>>()?,
            deposit_wallet_required,
        };
        world.step(0, now_ms);
        Ok(world)
    }
}

/// Scenarios built into the binary, so the app and `polyagent sim` work with no data folder.
const BUILTIN_SCENARIOS: &[(&str, &str)] =
    &[("demo", include_str!("../../../data/scenarios/demo.json"))];

/// Files the built-in scenarios refer to, by file name.
const BUILTIN_FILES: &[(&str, &[u8])] = &[(
    "quotes_8markets_2026-07-10_to_07-17.csv.gz",
    include_bytes!(
        "../../../data/market/polymarket-orderbook-ccby/quotes_8markets_2026-07-10_to_07-17.csv.gz"
    ),
)];

impl Scenario {
    /// A scenario that ships inside the binary, by name (`demo`).
    pub fn builtin(name: &str) -> Option<Self> {
        BUILTIN_SCENARIOS
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, text)| Self::from_json(text).ok())
    }

    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN_SCENARIOS.iter().map(|(n, _)| *n).collect()
    }
}

/// A `base_dir` that makes a scenario read the files built into the binary and nothing from
/// disk (the in-app demo: a file planted in the working folder must not change it).
pub const EMBEDDED_ONLY: &str = "<embedded>";

fn read_text(path: &Path) -> Result<String, String> {
    let embedded_only = path.starts_with(EMBEDDED_ONLY);
    let embedded = path
        .file_name()
        .and_then(|name| {
            BUILTIN_FILES
                .iter()
                .find(|(n, _)| std::ffi::OsStr::new(n) == name)
        })
        .filter(|_| embedded_only || !path.exists());
    if embedded_only && embedded.is_none() {
        return Err(format!("{} is not built into this binary", path.display()));
    }
    let bytes = match embedded {
        Some((_, bytes)) => bytes.to_vec(),
        None => std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    };
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .map_err(|e| format!("cannot unpack {}: {e}", path.display()))?;
        Ok(text)
    } else {
        String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
    }
}

fn parse_address(text: &str) -> Result<Address, String> {
    text.parse()
        .map_err(|_| format!("invalid scenario: '{text}' is not a 0x address"))
}

fn wallet_address(wallet: &WalletSpec) -> Result<String, String> {
    match (&wallet.private_key, &wallet.address) {
        (Some(key), _) => {
            let key =
                PrivateKey::from_hex(key).map_err(|e| format!("wallet '{}': {e}", wallet.label))?;
            let signer =
                polyagent_venue::signing::OrderSigner::new(&key).map_err(|e| e.to_string())?;
            Ok(format!("{:#x}", signer.address()))
        }
        (None, Some(address)) => Ok(address.to_lowercase()),
        (None, None) => Err(format!(
            "wallet '{}' needs a private_key or an address",
            wallet.label
        )),
    }
}

impl World {
    /// Moves the simulation to `t_ms` after the start (`now_ms` on the exchange clock): the
    /// providers re-quote around their paths, then time-driven state (expiry, settlement) moves.
    pub fn step(&mut self, t_ms: u64, now_ms: u64) {
        for provider in &mut self.providers {
            provider.requote(&mut self.exchange, t_ms, now_ms);
        }
        self.exchange.advance(now_ms);
    }
}

impl LiquidityProvider {
    fn requote(&mut self, exchange: &mut Exchange, t_ms: u64, now_ms: u64) {
        let Some(market) = exchange.markets.get(&self.condition_id) else {
            return;
        };
        if market.status != MarketStatus::Open {
            return;
        }
        let tick = market.tick.0;
        let yes_token = market.tokens[0].clone();
        let mid = self.path.price_at(t_ms);
        let taken = self.quote_ids.iter().any(|id| {
            exchange
                .orders
                .get(id)
                .is_none_or(|o| o.status != crate::exchange::OrderStatus::Live)
        });
        if self.quoted_mid != Some(mid) || taken {
            exchange.cancel_all(&self.address, Some(&self.condition_id), None);
            exchange.forget_untraded_cancelled(&self.quote_ids);
            self.quote_ids.clear();
            let best_bid = round_down(mid.0.saturating_sub(self.half_spread.0), tick).max(tick);
            let best_ask = round_up(mid.0 + self.half_spread.0, tick).min(PIPS_PER_UNIT - tick);
            for level in 0..self.levels {
                let step = level * tick;
                if let Some(bid) = best_bid.checked_sub(step).filter(|p| *p >= tick) {
                    self.quote(exchange, &yes_token, Side::Buy, Pips(bid), now_ms);
                }
                let ask = best_ask + step;
                if ask <= PIPS_PER_UNIT - tick && ask > best_bid {
                    self.quote(exchange, &yes_token, Side::Sell, Pips(ask), now_ms);
                }
            }
            self.quoted_mid = Some(mid);
        }
        // Now and then someone crosses the spread, so trades print on the tape.
        if self.trade_chance_ppm > 0
            && crate::paths::draw_ppm(&mut self.rng) < self.trade_chance_ppm
        {
            let side = if crate::paths::draw_ppm(&mut self.rng).is_multiple_of(2) {
                Side::Buy
            } else {
                Side::Sell
            };
            let price = if side == Side::Buy {
                Pips(PIPS_PER_UNIT - tick)
            } else {
                Pips(tick)
            };
            let size = Micros(self.size.0 / 10).max(exchange.markets[&self.condition_id].min_size);
            let noise = self.noise_address.clone();
            self.send(
                exchange,
                &noise,
                &yes_token,
                (side, price, size, OrderType::Fak),
                now_ms,
            );
        }
    }

    fn quote(
        &mut self,
        exchange: &mut Exchange,
        token: &str,
        side: Side,
        price: Pips,
        now_ms: u64,
    ) {
        let owner = self.address.clone();
        let order = (side, price, self.size, OrderType::Gtc);
        if let Some(id) = self.send(exchange, &owner, token, order, now_ms) {
            self.quote_ids.push(id);
        }
    }

    fn send(
        &mut self,
        exchange: &mut Exchange,
        owner: &str,
        token: &str,
        order: (Side, Pips, Micros, OrderType),
        now_ms: u64,
    ) -> Option<String> {
        let (side, price, size, order_type) = order;
        let collateral = crate::units::notional(size, price);
        let (maker_amount, taker_amount) = match (side, order_type.may_rest()) {
            (Side::Buy, true) => (collateral, size),
            (Side::Sell, true) => (size, collateral),
            // A marketable order as production wants it (§13.1): maker to 2 decimals, taker
            // computed from it and truncated to 4.
            (Side::Buy, false) => {
                let maker = Micros(collateral.0 / 10_000 * 10_000);
                let taker = u128::from(maker.0) * u128::from(PIPS_PER_UNIT) / u128::from(price.0);
                (maker, Micros(u64::try_from(taker).unwrap_or(0) / 100 * 100))
            }
            (Side::Sell, false) => {
                let maker = Micros(size.0 / 10_000 * 10_000);
                let taker = u128::from(maker.0) * u128::from(price.0) / u128::from(PIPS_PER_UNIT);
                (maker, Micros(u64::try_from(taker).unwrap_or(0) / 100 * 100))
            }
        };
        self.next_id += 1;
        let order = NewOrder {
            id: format!("lp-{}-{}", &self.condition_id[2..10], self.next_id),
            owner: owner.to_owned(),
            api_key: "liquidity-provider".to_owned(),
            token: token.to_owned(),
            side,
            maker_amount,
            taker_amount,
            order_type,
            post_only: false,
            expiration: 0,
        };
        // A refused quote (e.g. a FAK into an empty side) is simply not placed.
        exchange
            .place(order, now_ms)
            .ok()
            .map(|placed| placed.order_id)
    }
}

fn round_down(value: u32, tick: u32) -> u32 {
    value / tick * tick
}

fn round_up(value: u32, tick: u32) -> u32 {
    value.div_ceil(tick) * tick
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(liquidity: &str, wallet_pusd: &str) -> Scenario {
        Scenario::from_json(&format!(
            r#"{{"name": "t", "markets": [
                {{"slug": "a", "question": "A?", "liquidity": {liquidity},
                  "path": {{"kind": "scripted", "points": [[0, "0.5"]]}}}},
                {{"slug": "b", "question": "B?", "liquidity": {liquidity},
                  "path": {{"kind": "scripted", "points": [[0, "0.5"]]}}}}],
              "wallets": [{{"label": "w", "address": "0x0000000000000000000000000000000000000abc",
                            "pusd": "{wallet_pusd}", "pairs": {{"a": "1"}}}}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_scenario_is_on_amoy_and_never_on_mainnet() {
        let one_market = |chain: &str| {
            format!(
                r#"{{"name": "t", {chain} "markets": [
                    {{"slug": "a", "question": "A?",
                      "liquidity": {{"spread": "0.02", "levels": 1, "size": "1"}},
                      "path": {{"kind": "scripted", "points": [[0, "0.5"]]}}}}]}}"#
            )
        };
        assert_eq!(
            Scenario::from_json(&one_market("")).unwrap().chain_id,
            80002
        );
        let amoy = Scenario::from_json(&one_market(r#""chain_id": 80002,"#)).unwrap();
        assert_eq!(
            amoy.build(std::path::Path::new("."), 0).unwrap().chain_id,
            80002
        );
        let mainnet = Scenario::from_json(&one_market(r#""chain_id": 137,"#)).unwrap_err();
        assert!(mainnet.contains("137 is Polygon mainnet"), "{mainnet}");
        let other = Scenario::from_json(&one_market(r#""chain_id": 1,"#)).unwrap_err();
        assert!(other.contains("not supported"), "{other}");
        // A scenario built in code is checked too, before any world exists.
        let mut built = amoy;
        built.chain_id = 137;
        let refused = built.build(std::path::Path::new("."), 0).unwrap_err();
        assert!(refused.contains("137 is Polygon mainnet"), "{refused}");
        // The shipped demo signs for Amoy.
        assert_eq!(Scenario::builtin("demo").unwrap().chain_id, 80002);
    }

    #[test]
    fn liquidity_or_funds_beyond_the_ledger_are_refused_not_overflowed_or_hung() {
        // Found by the scenario fuzz target: 4e9 levels overflowed the minted pUSD (and
        // would have been re-quoted every step), a huge size or balance overflowed too.
        let base = std::path::Path::new(".");
        let refused = |liquidity: &str, pusd: &str| {
            scenario(liquidity, pusd)
                .build(base, 0)
                .err()
                .unwrap_or_default()
        };
        let levels = refused(
            r#"{"spread": "0.02", "levels": 4000000000, "size": "500"}"#,
            "1",
        );
        assert!(levels.contains("at most 100 price levels"), "{levels}");
        let size = refused(
            r#"{"spread": "0.02", "levels": 100, "size": "1000000000000"}"#,
            "1",
        );
        assert!(size.contains("too large"), "{size}");
        let both = refused(
            r#"{"spread": "0.02", "levels": 100, "size": "40000000"}"#,
            "1",
        );
        assert!(both.contains("more pUSD than the ledger holds"), "{both}");
        let wallet = refused(
            r#"{"spread": "0.02", "levels": 3, "size": "500"}"#,
            "18446744073709",
        );
        assert!(
            wallet.contains("more pUSD than the ledger holds"),
            "{wallet}"
        );
        // Found by the scenario fuzz target: a 26-digit trade chance overflowed its conversion
        // to parts per million.
        for chance in ["1300135331369697138219518.3", "-0.1", "1.01"] {
            let refused = refused(
                &format!(
                    r#"{{"spread": "0.02", "levels": 3, "size": "500", "trade_chance": "{chance}"}}"#
                ),
                "1",
            );
            assert!(refused.contains("between 0 and 1"), "{chance}: {refused}");
        }
        assert!(
            scenario(r#"{"spread": "0.02", "levels": 100, "size": "500"}"#, "100")
                .build(base, 0)
                .is_ok()
        );
    }

    #[test]
    fn a_walk_too_fine_for_its_clock_is_refused_not_left_to_eat_memory() {
        // Found by the scenario fuzz target: a 1 ms walk stepped by a clock of u64::MAX / 3 ms
        // stored one value per walk step and ran out of memory.
        let walk = |step_ms: u64, walk_step_ms: u64| {
            Scenario::from_json(&format!(
                r#"{{"name": "t", "step_ms": {step_ms}, "markets": [{{"slug": "a", "question": "A?",
                    "liquidity": {{"spread": "0.02", "levels": 1, "size": "5"}},
                    "path": {{"kind": "random_walk", "seed": 1, "start": "0.5",
                              "step_volatility": "0.01", "step_ms": {walk_step_ms}}}}}]}}"#
            ))
            .unwrap()
            .build(std::path::Path::new("."), 0)
            .map(|world| world.step_ms)
        };
        let clock = walk(u64::MAX / 3, 10).unwrap_err();
        assert!(
            clock.contains("step_ms must lie between 1 and 60000"),
            "{clock}"
        );
        let fine = walk(500, 1).unwrap_err();
        assert!(
            fine.contains("market 'a': the walk's step_ms must be at least 10"),
            "{fine}"
        );
        assert_eq!(walk(60_000, 10), Ok(60_000));
    }

    #[test]
    fn embedded_only_reads_nothing_from_disk() {
        let demo = Scenario::builtin("demo").unwrap();
        assert!(
            demo.build(Path::new(EMBEDDED_ONLY), 1_767_225_600_000)
                .is_ok()
        );
        // A file that is not built in is refused, even if one of that name exists on disk.
        let planted = Path::new(EMBEDDED_ONLY).join("Cargo.toml");
        assert!(super::read_text(&planted).is_err());
    }
}
