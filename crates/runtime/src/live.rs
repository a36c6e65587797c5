//! Live execution: the engine's orders as real, signed Polymarket orders.
//!
//! Invariants:
//! - a marketable order (FAK, or FOK by the bot's execution style) is priced by walking the
//!   live book as the official clients do, and refused before signing when that price is
//!   worse than the engine's limit (the slippage cap);
//! - a resting order (resting execution) is a GTC limit at the engine's limit, put on the
//!   tick grid on the safe side, followed through the user WebSocket (see
//!   [`crate::resting`]);
//! - an order is journaled before it is sent: the intent (with the order's exchange id, the
//!   EIP-712 digest, known before sending) is committed as `sent`, and only then does the
//!   POST go out. A crash at any point leaves either an intent that was never
//!   sent or one the next start looks up on the exchange;
//! - armed orders keep that commit off the hot path. While a bot waits for its trigger, the
//!   order the trigger will place is largely known ([`BotEngine::next_order`]: its number,
//!   side and size; only the price is the market's). For each price on the tick grid near
//!   the book (up to [`ARM_TICKS`] either side) the order is built exactly as it would be at
//!   the trigger, signed, and all of them are journaled as `sent` in one commit, in the
//!   background. Only after that commit are they usable. At the trigger, the order priced
//!   from the live book is looked up among them (same number, token, side, size, tick and
//!   price): found, it is posted at once with no write; not found, it takes the slow path
//!   (journal, then POST). A trigger that comes while its own order is still being armed
//!   claims that arming and waits for its commit (up to [`CLAIM_WAIT`]), which is sooner
//!   than a second signing and commit. Either way exactly one order goes out for the
//!   trigger, and the unused armed ones are retired (`failed`, never sent) after the POST,
//!   off its path. A crash leaves armed intents
//!   `sent`: the next start looks each up by its order id like any other, and the one that
//!   was posted, if any, is booked. Re-armed when the forecast changes, the book moves
//!   [`REARM_DRIFT_TICKS`](crate::arming::REARM_DRIFT_TICKS) from where it was armed, or after [`ARM_MAX_AGE_MS`](crate::arming::ARM_MAX_AGE_MS) (the
//!   signed `timestamp` is the arming time); disarmed when nothing is forecast;
//! - an order is posted once. When the POST's outcome is unknown (timeout, 5xx) the order is
//!   looked up by its id: found means it traded as the exchange says, absent means it did
//!   not; it is never posted again for the same intent. When the exchange cannot be asked
//!   within the bounded retries, the order stays in flight (`unknown`), the bot is told, and
//!   the question is asked again after the user feed's next reconnect or a slow interval
//!   (see [`crate::outcome`]);
//! - fills are the exchange's trades of that order, routed from the wallet's user WebSocket
//!   (registered before the POST) and read over REST (`after` the POST) only when the socket
//!   cannot tell, so shares, prices and fees are what the exchange recorded, not what was
//!   hoped for; the intent is settled in the same transaction that books them (see
//!   [`crate::persist`]);
//! - posting happens on its own task: the bot's loop keeps serving commands and market data;
//! - a buy the wallet's pUSD cannot cover is refused before anything is sent, against a
//!   balance read off the hot path (at start and after each order); a sale waits until the
//!   exchange shows the shares settled in the wallet (asking it to refresh), and is refused
//!   with the reason when they do not arrive in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use polyagent_domain::money::{Collateral, Price, Shares};
use polyagent_domain::trading::{OrderType, Side as VenueSide, TickSize, TokenId};
use polyagent_engine::Timestamp;
use polyagent_engine::bot::OrderForecast;
use polyagent_engine::config::{BotConfig, ExecutionStyle};
use polyagent_engine::event::{Event, Leg, OrderId, OrderRequest, Side};
use polyagent_engine::paper::FeeCurve;
use polyagent_store::{Database, IntentSettlement, NewFill, NewOrderIntent};
use polyagent_venue::amounts::{BookLevel, MarketAmount};
use polyagent_venue::book::LocalBook;
use polyagent_venue::client::AuthedClient;
use polyagent_venue::eip712::Exchange;
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::venue_error::VenueError;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

pub use crate::arming::RETIRED;
use crate::arming::{
    ARM_DEPTH, ARM_TICKS, ArmKey, ArmedOrder, Armory, CLAIM_WAIT, Taken, arm_set, armory_of,
    armory_take, retire_armed,
};
use crate::bots::Clock;
use crate::outcome::{self, Posted};
use crate::persist;
use crate::routing::FillRouter;

/// What a live bot trades through and the market facts its orders need.
#[derive(Debug, Clone)]
pub struct LiveMarket {
    pub client: Arc<AuthedClient>,
    pub tick: TickSize,
    /// The exchange contract the market's orders are signed for (V2, neg-risk V2 or V3).
    pub exchange: Exchange,
    /// The market's fee curve, to account the taker fee of each trade.
    pub fees: FeeCurve,
    /// The address holding the funds when it is not the signer's (proxy, Safe, deposit
    /// wallets); `None` derives it where the protocol allows.
    pub funder: Option<polyagent_vault::Address>,
    /// Sign and journal the next order ahead of its trigger (see the module docs).
    pub arm_orders: bool,
    /// The wallet's user-feed router: the orders' fills arrive through it.
    pub(crate) fills: FillRouter,
}

/// The outcome of one order as the bot's loop books it: the engine event, the exchange's
/// trades behind it and the journal settlement, saved together; or only a line for the bot's
/// activity (an order whose outcome is still being learned).
#[derive(Debug, Clone)]
pub(crate) struct ExecutionReport {
    pub event: Option<Event>,
    pub fills: Vec<NewFill>,
    pub settlement: Option<IntentSettlement>,
    /// Told to the user in the bot's activity (not an error: the bot is waiting).
    pub note: Option<String>,
    /// The bot must stop, for this reason: the exchange refused the order in a way every
    /// order of the bot would be refused (see [`crate::pauses::stops_the_bot`]).
    pub stop: Option<String>,
}

impl ExecutionReport {
    pub(crate) fn rejected(
        order: OrderId,
        reason: String,
        settlement: Option<IntentSettlement>,
    ) -> Self {
        Self {
            event: Some(Event::Rejected { order, reason }),
            fills: Vec::new(),
            settlement,
            note: None,
            stop: None,
        }
    }

    /// A line for the bot's activity, with nothing to book.
    pub(crate) fn note(text: &str) -> Self {
        Self {
            event: None,
            fills: Vec::new(),
            settlement: None,
            note: Some(text.to_owned()),
            stop: None,
        }
    }
}

/// Where a live order's journal entry goes.
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    pub db: Database,
    pub bot_id: String,
    pub clock: Arc<dyn Clock>,
}

impl Journal {
    pub(crate) fn now(&self) -> polyagent_store::Timestamp {
        polyagent_store::Timestamp::from_millis(self.clock.now().millis())
    }
}

#[derive(Debug)]
pub(crate) struct LiveExecutor {
    market: LiveMarket,
    journal: Journal,
    results: mpsc::UnboundedSender<ExecutionReport>,
    salts: Arc<AtomicU64>,
    /// The wallet's pUSD as last read (`None` until the first read answers).
    collateral: Arc<std::sync::Mutex<Option<Decimal>>>,
    /// Shares the exchange showed settled in the wallet, per token, as last read: a sale
    /// covered by them goes out without asking again.
    settled: SettledShares,
    /// Orders signed and journaled ahead of their trigger (see the module docs).
    armed: Arc<std::sync::Mutex<Armory>>,
    /// Orders in flight, by engine order: a cancel request wakes their task.
    in_flight: InFlight,
}

type InFlight = Arc<std::sync::Mutex<std::collections::HashMap<OrderId, Arc<tokio::sync::Notify>>>>;

type SettledShares = Arc<std::sync::Mutex<std::collections::HashMap<String, Decimal>>>;

/// Reads the wallet's pUSD in the background into `slot`.
fn refresh_collateral(client: Arc<AuthedClient>, slot: Arc<std::sync::Mutex<Option<Decimal>>>) {
    tokio::spawn(async move {
        if let Ok(balance) = client
            .balance_allowance(&polyagent_venue::types::AssetType::Collateral)
            .await
        {
            *slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(balance.balance);
        }
    });
}

/// REST and the official clients order levels best-last.
fn book_levels(levels: &[polyagent_venue::types::Level]) -> Vec<BookLevel> {
    levels
        .iter()
        .rev()
        .filter_map(|l| {
            Some(BookLevel {
                price: Price::new(l.price).ok()?,
                size: Shares::new(l.size).ok()?,
            })
        })
        .collect()
}

impl LiveExecutor {
    pub(crate) fn new(
        market: LiveMarket,
        journal: Journal,
        results: mpsc::UnboundedSender<ExecutionReport>,
    ) -> Self {
        let collateral = Arc::new(std::sync::Mutex::new(None));
        refresh_collateral(market.client.clone(), collateral.clone());
        Self {
            market,
            journal,
            results,
            salts: Arc::new(AtomicU64::new(0)),
            collateral,
            settled: SettledShares::default(),
            armed: Arc::default(),
            in_flight: InFlight::default(),
        }
    }

    /// Sends `order` on its own task; the fill or the rejection comes back on `results`.
    pub(crate) fn place(
        &self,
        order: &OrderRequest,
        config: &BotConfig,
        book: Option<&LocalBook>,
        now: Timestamp,
    ) {
        let token = match order.leg {
            Leg::Primary => Some(config.token_id.clone()),
            Leg::Complement => config.complement_token_id.clone(),
        };
        let spec = match (token, book) {
            (Some(token), Some(book)) if order.style.rests() => {
                self.resting_spec(order, &token, book, now)
            }
            (Some(token), Some(book)) => self.spec(order, &token, book, now),
            (None, _) => Err("the bot has no token for the other outcome".to_owned()),
            (_, None) => Err("no live order book to price the order from".to_owned()),
        };
        let known = *self
            .collateral
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let spec = spec.and_then(|spec| match known {
            Some(balance) if order.side == Side::Buy && balance < order.size => Err(format!(
                "not enough pUSD: the wallet holds {balance}, the order needs {}",
                order.size
            )),
            _ => Ok(spec),
        });
        // Whatever happens to this order, the armed set was for it (or is stale now).
        let taken = armory_take(&self.armed, order);
        let results = self.results.clone();
        let (spec, price) = match spec {
            Ok(spec) => spec,
            Err(reason) => {
                let _ = results.send(ExecutionReport::rejected(order.id, reason, None));
                // A set still being armed is retired by its arming when the claim is dropped.
                if let Taken::Set(set) = taken {
                    self.retire_later(set.intent_ids());
                }
                return;
            }
        };
        let market = self.market.clone();
        let journal = self.journal.clone();
        let order = order.clone();
        let collateral = self.collateral.clone();
        let settled = self.settled.clone();
        // A cancel request reaches the order's task: a resting order is cancelled on the
        // exchange; any order waiting out a pause of the exchange is not sent again.
        let cancel = Arc::new(tokio::sync::Notify::new());
        in_flight_of(&self.in_flight).insert(order.id, cancel.clone());
        let registry = self.in_flight.clone();
        tokio::spawn(async move {
            let set = match taken {
                Taken::Set(set) => Some(set),
                Taken::Arming(arriving) => tokio::time::timeout(CLAIM_WAIT, arriving)
                    .await
                    .ok()
                    .and_then(Result::ok),
                Taken::Nothing => None,
            };
            let (armed, retire) = match set {
                Some(mut set) if set.key.fits(&order, &spec) => {
                    let armed = set.orders.remove(&price);
                    (armed, set.intent_ids())
                }
                Some(set) => (None, set.intent_ids()),
                None => (None, Vec::new()),
            };
            let report = match settled_shares(&market, &spec, &order, &settled).await {
                Ok(()) if order.style.rests() => {
                    retire_armed(&journal, &retire).await;
                    crate::resting::execute_resting(
                        &market, &journal, &spec, &order, &cancel, &results,
                    )
                    .await
                }
                Ok(()) => {
                    let sending = Sending {
                        armed,
                        retire,
                        cancel: &cancel,
                        results: &results,
                    };
                    execute(&market, &journal, &spec, &order, sending).await
                }
                Err(reason) => {
                    let mut retire = retire;
                    retire.extend(armed.map(|a| a.intent_id));
                    retire_armed(&journal, &retire).await;
                    ExecutionReport::rejected(order.id, reason, None)
                }
            };
            in_flight_of(&registry).remove(&order.id);
            let bought = match &report.event {
                Some(Event::Fill(f)) if f.side == Side::Buy => Some(f.shares),
                _ => None,
            };
            let sold = matches!(&report.event, Some(Event::Fill(f)) if f.side == Side::Sell);
            let _ = results.send(report);
            refresh_collateral(market.client.clone(), collateral);
            if sold {
                settled_of(&settled).remove(spec.token_id.as_str());
            }
            if let Some(shares) = bought {
                // Learn, off the path of the next order, when the bought shares have settled.
                let _ = wait_until_settled(&market, &spec.token_id, shares, &settled).await;
            }
        });
    }

    /// Asks the task of order `order` to cancel it: a resting order on the exchange, an order
    /// waiting out a pause of the exchange before it is sent (marketable orders otherwise end
    /// on their own).
    pub(crate) fn cancel(&self, order: OrderId) {
        if let Some(cancel) = in_flight_of(&self.in_flight).get(&order) {
            cancel.notify_one();
        }
    }

    /// A resting order: GTC at the engine's limit on the grid (buys down, sales up), for the
    /// shares the size buys at that price (a buy) or the shares to sell.
    fn resting_spec(
        &self,
        order: &OrderRequest,
        token: &str,
        book: &LocalBook,
        now: Timestamp,
    ) -> Result<(OrderSpec, Decimal), String> {
        let tick = book.tick_size.unwrap_or(self.market.tick);
        let price = polyagent_engine::paper::on_grid(order.limit, order.side, tick);
        let shares = match order.side {
            Side::Buy => order.size / price,
            Side::Sell => order.size,
        }
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
        let mut spec = self.build_spec(
            order.side,
            MarketAmount::Shares(Shares::new(shares).map_err(|e| e.to_string())?),
            TokenId::new(token).map_err(|e| e.to_string())?,
            tick,
            Vec::new(),
            Vec::new(),
            OrderType::Gtc,
            now,
        );
        spec.size = OrderSize::Limit {
            price: Price::new(price).map_err(|e| e.to_string())?,
            size: Shares::new(shares).map_err(|e| e.to_string())?,
        };
        spec.amounts()
            .map_err(|e| format!("cannot place a resting order at {price}: {e}"))?;
        Ok((spec, price))
    }

    fn retire_later(&self, intent_ids: Vec<String>) {
        if intent_ids.is_empty() {
            return;
        }
        let journal = self.journal.clone();
        tokio::spawn(async move { retire_armed(&journal, &intent_ids).await });
    }

    /// Keeps the armed set in line with what the engine would place next (see the module
    /// docs). Cheap when nothing changed: a comparison under a lock. Signing and journaling
    /// happen on other tasks.
    pub(crate) fn arm(
        &self,
        forecast: Option<OrderForecast>,
        config: &BotConfig,
        book: Option<&LocalBook>,
        now: Timestamp,
    ) {
        // Resting entries are GTC orders placed at a target, not triggered: nothing to arm.
        let forecast =
            forecast.filter(|_| self.market.arm_orders && !config.params.execution.rests());
        let wanted = forecast.and_then(|forecast| {
            let token = match forecast.leg {
                Leg::Primary => Some(config.token_id.clone()),
                Leg::Complement => config.complement_token_id.clone(),
            }?;
            let book = book?;
            let center = match forecast.side {
                Side::Buy => book.best_ask(),
                Side::Sell => book.best_bid(),
            }?;
            Some(ArmKey {
                forecast,
                token: TokenId::new(token).ok()?,
                tick: book.tick_size.unwrap_or(self.market.tick),
                order_type: marketable_type(config.params.execution),
                center,
                armed_at_ms: now.millis(),
            })
        });
        let mut armory = armory_of(&self.armed);
        if book.is_none() && wanted.is_none() && forecast.is_some() {
            // Nothing to judge the price by (a command's turn): leave the set as it is.
            return;
        }
        let current = armory.wanted.as_ref();
        let keep = match (current, &wanted) {
            (None, None) => true,
            (Some(have), Some(want)) => have.still_fits(want),
            _ => false,
        };
        if keep {
            return;
        }
        armory.generation += 1;
        armory.claim = None;
        let generation = armory.generation;
        let retire = armory
            .set
            .take()
            .map(|set| set.intent_ids())
            .unwrap_or_default();
        armory.wanted = wanted.clone();
        let Some(key) = wanted else {
            drop(armory);
            self.retire_later(retire);
            return;
        };
        let client = self.market.client.clone();
        let specs = self.armed_specs(&key, now);
        let journal = self.journal.clone();
        let slot = self.armed.clone();
        let task = tokio::spawn(async move {
            arm_set(client, journal, slot, key, specs, retire, generation).await;
        });
        armory.task = Some(task);
    }

    /// Retires the armed set and waits for an arming in progress: nothing armed stays
    /// `sent` after a clean stop.
    pub(crate) async fn disarm(&self) {
        let (retire, task) = {
            let mut armory = armory_of(&self.armed);
            armory.generation += 1;
            armory.wanted = None;
            armory.claim = None;
            (
                armory
                    .set
                    .take()
                    .map(|s| s.intent_ids())
                    .unwrap_or_default(),
                armory.task.take(),
            )
        };
        if let Some(task) = task {
            let _ = task.await;
        }
        retire_armed(&self.journal, &retire).await;
    }

    /// The orders of an armed set: the forecast order at each grid price near the book, as
    /// [`LiveExecutor::spec`] would build it at the trigger when the book walks to that price.
    fn armed_specs(&self, key: &ArmKey, now: Timestamp) -> Vec<(Decimal, OrderSpec)> {
        let tick = key.tick.as_decimal();
        let Ok(size) = key.forecast_amount() else {
            return Vec::new();
        };
        let mut specs = Vec::new();
        for step in -ARM_TICKS..=ARM_TICKS {
            let price = key.center + tick * Decimal::from(step);
            if price < tick || price > Decimal::ONE - tick {
                continue;
            }
            let (Ok(level_price), Ok(depth)) = (Price::new(price), Shares::new(ARM_DEPTH)) else {
                continue;
            };
            // One level deep enough for any size: the book walks to exactly this price.
            let level = vec![BookLevel {
                price: level_price,
                size: depth,
            }];
            let (bids, asks) = match key.forecast.side {
                Side::Buy => (Vec::new(), level),
                Side::Sell => (level, Vec::new()),
            };
            let spec = self.build_spec(
                key.forecast.side,
                size,
                key.token.clone(),
                key.tick,
                bids,
                asks,
                key.order_type,
                now,
            );
            if spec.amounts().is_ok_and(|a| a.price == price) {
                specs.push((price, spec));
            }
        }
        specs
    }

    #[allow(clippy::too_many_arguments)] // the order's own fields
    fn build_spec(
        &self,
        side: Side,
        amount: MarketAmount,
        token: TokenId,
        tick: TickSize,
        bids: Vec<BookLevel>,
        asks: Vec<BookLevel>,
        order_type: OrderType,
        now: Timestamp,
    ) -> OrderSpec {
        // Salt: unique per order and below 2^53 (it travels as a JSON number).
        let salt = (u64::try_from(now.millis()).unwrap_or(0) % 1_000_000_000_000) * 1000
            + self.salts.fetch_add(1, Ordering::Relaxed) % 1000;
        OrderSpec {
            chain: self.market.client.config().chain,
            exchange: self.market.exchange,
            tick_size: tick,
            token_id: token,
            side: match side {
                Side::Buy => VenueSide::Buy,
                Side::Sell => VenueSide::Sell,
            },
            size: OrderSize::Market { amount, bids, asks },
            signature_type: self.market.client.signature_type(),
            funder: self.market.funder,
            salt,
            timestamp_ms: u64::try_from(now.millis()).unwrap_or(0),
            expiration: 0,
            metadata: Default::default(),
            builder: Default::default(),
            order_type,
            post_only: false,
            defer_exec: false,
        }
    }

    /// The order priced from the live book, and the price it walks to.
    fn spec(
        &self,
        order: &OrderRequest,
        token: &str,
        book: &LocalBook,
        now: Timestamp,
    ) -> Result<(OrderSpec, Decimal), String> {
        let amount = match order.side {
            Side::Buy => {
                MarketAmount::Collateral(Collateral::new(order.size).map_err(|e| e.to_string())?)
            }
            Side::Sell => MarketAmount::Shares(Shares::new(order.size).map_err(|e| e.to_string())?),
        };
        let spec = self.build_spec(
            order.side,
            amount,
            TokenId::new(token).map_err(|e| e.to_string())?,
            book.tick_size.unwrap_or(self.market.tick),
            book_levels(book.bids()),
            book_levels(book.asks()),
            marketable_type(order.style),
            now,
        );
        let amounts = spec
            .amounts()
            .map_err(|e| format!("cannot price the order from the book: {e}"))?;
        let beyond_limit = match order.side {
            Side::Buy => amounts.price > order.limit,
            Side::Sell => amounts.price < order.limit,
        };
        if beyond_limit {
            return Err(format!(
                "the book would fill at {} against a limit of {}: refused to protect against slippage",
                amounts.price, order.limit
            ));
        }
        Ok((spec, amounts.price))
    }
}

/// The venue's order type of a marketable order in `style` (resting ones are GTC).
fn marketable_type(style: ExecutionStyle) -> OrderType {
    match style {
        ExecutionStyle::Fok => OrderType::Fok,
        ExecutionStyle::Fak | ExecutionStyle::Resting { .. } => OrderType::Fak,
    }
}

fn in_flight_of(
    resting: &InFlight,
) -> std::sync::MutexGuard<'_, std::collections::HashMap<OrderId, Arc<tokio::sync::Notify>>> {
    resting
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How often, and how many times, a sale asks whether the shares it sells have settled.
const SETTLED_POLL: Duration = Duration::from_millis(500);
const SETTLED_TRIES: u32 = 10;

fn settled_of(
    settled: &SettledShares,
) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Decimal>> {
    settled
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Before a sale: the shares must be in the wallet as the exchange sees it (a buy's shares
/// arrive when its trade settles). Known settled shares answer at once; otherwise the
/// exchange is asked, and asked to refresh, while they are short.
async fn settled_shares(
    market: &LiveMarket,
    spec: &OrderSpec,
    order: &OrderRequest,
    settled: &SettledShares,
) -> Result<(), String> {
    if order.side != Side::Sell {
        return Ok(());
    }
    let known = settled_of(settled).get(spec.token_id.as_str()).copied();
    if known.is_some_and(|held| held >= order.size) {
        return Ok(());
    }
    wait_until_settled(market, &spec.token_id, order.size, settled).await
}

/// Polls the wallet's shares of `token` until at least `needed` show, remembering what it read.
async fn wait_until_settled(
    market: &LiveMarket,
    token: &TokenId,
    needed: Decimal,
    settled: &SettledShares,
) -> Result<(), String> {
    let asset = polyagent_venue::types::AssetType::Conditional(token.clone());
    let mut held = Decimal::ZERO;
    for attempt in 0..SETTLED_TRIES {
        match market.client.balance_allowance(&asset).await {
            Ok(balance) => {
                held = balance.balance;
                settled_of(settled).insert(token.as_str().to_owned(), held);
                if held >= needed {
                    return Ok(());
                }
            }
            Err(error) => return Err(format!("the wallet's shares could not be read: {error}")),
        }
        if attempt + 1 < SETTLED_TRIES {
            let _ = market.client.update_balance_allowance(&asset).await;
            tokio::time::sleep(SETTLED_POLL).await;
        }
    }
    Err(format!(
        "the shares have not settled in the wallet yet ({held} of {needed}); will try again"
    ))
}

/// Journals (unless the order was armed, hence journaled already), posts once, and settles
/// the order with what the exchange says. `retire` are armed orders that will not be sent.
/// How a marketable order goes out: armed (journaled already) or not, the armed orders to
/// retire, its cancel request and where its reports go.
struct Sending<'a> {
    armed: Option<ArmedOrder>,
    retire: Vec<String>,
    cancel: &'a tokio::sync::Notify,
    results: &'a mpsc::UnboundedSender<ExecutionReport>,
}

async fn execute(
    market: &LiveMarket,
    journal: &Journal,
    spec: &OrderSpec,
    order: &OrderRequest,
    sending: Sending<'_>,
) -> ExecutionReport {
    let Sending {
        armed,
        retire,
        cancel,
        results,
    } = sending;
    let entries = journal.db.order_journal();
    let (prepared, intent_id) = match armed {
        // Journaled as `sent` when it was armed: nothing to write before the POST.
        Some(armed) => (armed.prepared, armed.intent_id),
        // The armed orders not used are retired after the POST (below), not before it: a
        // crash in between leaves them `sent`, and the next start looks them up and fails them.
        None => {
            let prepared = match market.client.prepare_order(spec) {
                Ok(prepared) => prepared,
                Err(error) => {
                    retire_armed(journal, &retire).await;
                    return ExecutionReport::rejected(order.id, error.to_string(), None);
                }
            };
            let intent_id = persist::intent_id(&journal.bot_id, order.id);
            let intent = NewOrderIntent {
                intent_id: intent_id.clone(),
                bot_id: Some(journal.bot_id.clone()),
                client_order_id: prepared.order_id().to_owned(),
                side: persist::store_side(order.side),
                token_id: spec.token_id.as_str().to_owned(),
                price: order.limit,
                size: order.size,
                order_type: spec.order_type.as_str().to_owned(),
            };
            // One commit, and the POST follows at once.
            let recorded = entries.record_sending(&intent, journal.now()).await;
            if let Err(error) = recorded {
                // Nothing left the process: safe to say it failed.
                retire_armed(journal, &retire).await;
                let failed = IntentSettlement::Failed {
                    intent_id,
                    reason: format!("not sent: the order journal could not be written: {error}"),
                };
                return ExecutionReport::rejected(
                    order.id,
                    format!("not sent: the order journal could not be written: {error}"),
                    Some(failed),
                );
            }
            (prepared, intent_id)
        }
    };
    let exchange_id = prepared.order_id().to_owned();
    // Registered before the POST: the order's trades cannot arrive unrouted.
    let mut watch = market.fills.register(&exchange_id);
    let posted_order = Posted {
        market,
        bot_id: &journal.bot_id,
        intent_id: &intent_id,
        exchange_id: &exchange_id,
        token: &spec.token_id,
        order,
        after_s: outcome::trades_after_now(&market.client),
    };
    let posted = match crate::pauses::submit(market, &prepared, cancel, results).await {
        Ok(Some(ack)) => Ok(Some(ack)),
        Ok(None) => Err((
            "not sent: cancelled while the exchange was paused".to_owned(),
            None,
        )),
        // A POST again after a pause found the order there already: it landed; look it up.
        Err(VenueError::SubmitOutcomeUnknown { .. } | VenueError::DuplicateOrder(_)) => {
            let _ = entries.mark_unknown(&intent_id, journal.now()).await;
            Ok(None)
        }
        Err(error) => {
            // A refusal that stops the bot is told in the venue's words for a person.
            let stop = crate::pauses::stops_the_bot(&error);
            Err((stop.clone().unwrap_or_else(|| error.to_string()), stop))
        }
    };
    // The armed orders not taken are retired after the POST, off its path.
    retire_armed(journal, &retire).await;
    match posted {
        Err((reason, stop)) => {
            let settlement = IntentSettlement::Failed {
                intent_id,
                reason: reason.clone(),
            };
            let mut report = ExecutionReport::rejected(order.id, reason, Some(settlement));
            report.stop = stop;
            report
        }
        // Accepted: its fills come routed from the user feed (REST when they cannot).
        Ok(Some(ack)) => outcome::after_ack(&posted_order, &ack, &mut watch, results).await,
        // Unknown: only the exchange's answer settles the order; it is never posted again.
        Ok(None) => outcome::after_unknown(&posted_order, &mut watch, results).await,
    }
}
