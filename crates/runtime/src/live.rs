//! Live execution: the engine's orders as real, signed Polymarket orders.
//!
//! Invariants:
//! - every order is fill-and-kill (FAK), priced by walking the live book as the official
//!   clients do, and refused before signing when that price is worse than the engine's limit
//!   (the slippage cap); it never rests, so it never needs cancelling;
//! - an order is journaled before it is sent: the intent (with the order's exchange id, the
//!   EIP-712 digest, known before sending) is committed as `sent`, and only then does the
//!   POST go out. A crash at any point leaves either an intent that was never
//!   sent or one the next start looks up on the exchange;
//! - an order is posted once. When the POST's outcome is unknown (timeout, 5xx) the order is
//!   looked up by its id: found means it traded as the exchange says, absent means it did
//!   not; it is never posted again for the same intent. When the exchange cannot be asked,
//!   the order stays in flight and the question is asked again until it is answered;
//! - fills are read back from the exchange's trades of that order, so shares, prices and fees
//!   are what the exchange recorded, not what was hoped for; the intent is settled in the
//!   same transaction that books them (see [`crate::persist`]);
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
use polyagent_engine::config::BotConfig;
use polyagent_engine::event::{Event, Fill, Leg, OrderId, OrderRequest, Side};
use polyagent_engine::paper::FeeCurve;
use polyagent_store::{Database, IntentSettlement, NewFill, NewOrderIntent};
use polyagent_venue::amounts::{BookLevel, MarketAmount};
use polyagent_venue::book::LocalBook;
use polyagent_venue::client::AuthedClient;
use polyagent_venue::eip712::Exchange;
use polyagent_venue::order_build::{OrderSize, OrderSpec};
use polyagent_venue::types::{Submission, Trade, TradeStatus};
use polyagent_venue::venue_error::VenueError;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use crate::bots::Clock;
use crate::persist;

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
}

/// The outcome of one order as the bot's loop books it: the engine event, the exchange's
/// trades behind it and the journal settlement, saved together.
#[derive(Debug, Clone)]
pub(crate) struct ExecutionReport {
    pub event: Event,
    pub fills: Vec<NewFill>,
    pub settlement: Option<IntentSettlement>,
}

impl ExecutionReport {
    pub(crate) fn rejected(
        order: OrderId,
        reason: String,
        settlement: Option<IntentSettlement>,
    ) -> Self {
        Self {
            event: Event::Rejected { order, reason },
            fills: Vec::new(),
            settlement,
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
    fn now(&self) -> polyagent_store::Timestamp {
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
}

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
        let results = self.results.clone();
        let spec = match spec {
            Ok(spec) => spec,
            Err(reason) => {
                let _ = results.send(ExecutionReport::rejected(order.id, reason, None));
                return;
            }
        };
        let market = self.market.clone();
        let journal = self.journal.clone();
        let order = order.clone();
        let collateral = self.collateral.clone();
        let settled = self.settled.clone();
        tokio::spawn(async move {
            let report = match settled_shares(&market, &spec, &order, &settled).await {
                Ok(()) => execute(&market, &journal, &spec, &order).await,
                Err(reason) => ExecutionReport::rejected(order.id, reason, None),
            };
            let bought = match &report.event {
                Event::Fill(f) if f.side == Side::Buy => Some(f.shares),
                _ => None,
            };
            let sold = matches!(&report.event, Event::Fill(f) if f.side == Side::Sell);
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

    fn spec(
        &self,
        order: &OrderRequest,
        token: &str,
        book: &LocalBook,
        now: Timestamp,
    ) -> Result<OrderSpec, String> {
        let levels = |levels: &[polyagent_venue::types::Level]| -> Vec<BookLevel> {
            // REST and the official clients order levels best-last.
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
        };
        let (side, amount) = match order.side {
            Side::Buy => (
                VenueSide::Buy,
                MarketAmount::Collateral(Collateral::new(order.size).map_err(|e| e.to_string())?),
            ),
            Side::Sell => (
                VenueSide::Sell,
                MarketAmount::Shares(Shares::new(order.size).map_err(|e| e.to_string())?),
            ),
        };
        // Salt: unique per order and below 2^53 (it travels as a JSON number).
        let salt = (u64::try_from(now.millis()).unwrap_or(0) % 1_000_000_000_000) * 1000
            + self.salts.fetch_add(1, Ordering::Relaxed) % 1000;
        let spec = OrderSpec {
            chain: self.market.client.config().chain,
            exchange: self.market.exchange,
            tick_size: book.tick_size.unwrap_or(self.market.tick),
            token_id: TokenId::new(token).map_err(|e| e.to_string())?,
            side,
            size: OrderSize::Market {
                amount,
                bids: levels(book.bids()),
                asks: levels(book.asks()),
            },
            signature_type: self.market.client.signature_type(),
            funder: self.market.funder,
            salt,
            timestamp_ms: u64::try_from(now.millis()).unwrap_or(0),
            expiration: 0,
            metadata: Default::default(),
            builder: Default::default(),
            order_type: OrderType::Fak,
            post_only: false,
            defer_exec: false,
        };
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
        Ok(spec)
    }
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

/// Journals, posts once, and settles the order with what the exchange says.
async fn execute(
    market: &LiveMarket,
    journal: &Journal,
    spec: &OrderSpec,
    order: &OrderRequest,
) -> ExecutionReport {
    let prepared = match market.client.prepare_order(spec) {
        Ok(prepared) => prepared,
        Err(error) => return ExecutionReport::rejected(order.id, error.to_string(), None),
    };
    let exchange_id = prepared.order_id().to_owned();
    let intent_id = persist::intent_id(&journal.bot_id, order.id);
    let intent = NewOrderIntent {
        intent_id: intent_id.clone(),
        bot_id: Some(journal.bot_id.clone()),
        client_order_id: exchange_id.clone(),
        side: persist::store_side(order.side),
        token_id: spec.token_id.as_str().to_owned(),
        price: order.limit,
        size: order.size,
        order_type: "FAK".to_owned(),
    };
    let entries = journal.db.order_journal();
    // One commit, and the POST follows at once.
    let recorded = entries.record_sending(&intent, journal.now()).await;
    if let Err(error) = recorded {
        // Nothing left the process: safe to say it failed.
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
    let posted = match market.client.submit(&prepared).await {
        Ok(_) => Ok(()),
        Err(VenueError::SubmitOutcomeUnknown { .. }) => {
            let _ = entries.mark_unknown(&intent_id, journal.now()).await;
            Err(None)
        }
        Err(error) => Err(Some(error.to_string())),
    };
    if let Err(Some(reason)) = posted {
        let settlement = IntentSettlement::Failed {
            intent_id,
            reason: reason.clone(),
        };
        return ExecutionReport::rejected(order.id, reason, Some(settlement));
    }
    // Accepted, or unknown: from here on only the exchange's answer settles the order.
    settle_until_known(
        market,
        &journal.bot_id,
        &intent_id,
        &exchange_id,
        &spec.token_id,
        order,
    )
    .await
}

/// How long between attempts to learn an order's outcome when the exchange cannot be asked.
const SETTLE_RETRY: Duration = Duration::from_secs(2);

/// Asks the exchange about the order until it answers. Never posts anything.
async fn settle_until_known(
    market: &LiveMarket,
    bot_id: &str,
    intent_id: &str,
    exchange_id: &str,
    token: &TokenId,
    order: &OrderRequest,
) -> ExecutionReport {
    loop {
        match settle(market, bot_id, intent_id, exchange_id, token, order).await {
            Ok(report) => return report,
            Err(error) => {
                tracing::warn!(%bot_id, %intent_id, %error, "order outcome not known yet; asking again");
                tokio::time::sleep(SETTLE_RETRY).await;
            }
        }
    }
}

/// The order's outcome as the exchange records it: absent (never accepted), or accepted
/// with its trades (none for a FAK that found nothing to match).
pub(crate) async fn settle(
    market: &LiveMarket,
    bot_id: &str,
    intent_id: &str,
    exchange_id: &str,
    token: &TokenId,
    order: &OrderRequest,
) -> Result<ExecutionReport, VenueError> {
    match market.client.reconcile_submission(exchange_id).await? {
        Submission::Absent => {
            let reason = "the exchange never received the order".to_owned();
            return Ok(ExecutionReport::rejected(
                order.id,
                reason.clone(),
                Some(IntentSettlement::Failed {
                    intent_id: intent_id.to_owned(),
                    reason,
                }),
            ));
        }
        Submission::Found(_) => {}
    }
    let trades = market.client.trades(None, Some(token), None).await?;
    let mine: Vec<&Trade> = trades
        .iter()
        .filter(|t| t.taker_order_id == exchange_id)
        .collect();
    let settlement = Some(IntentSettlement::Acknowledged {
        intent_id: intent_id.to_owned(),
        exchange_order_id: exchange_id.to_owned(),
    });
    if mine.is_empty() {
        return Ok(ExecutionReport::rejected(
            order.id,
            format!("nothing matched order {exchange_id}"),
            settlement,
        ));
    }
    let shares: Decimal = mine.iter().map(|t| t.size).sum();
    let notional: Decimal = mine.iter().map(|t| t.size * t.price).sum();
    let fees: Vec<Decimal> = mine
        .iter()
        .map(|t| market.fees.fee(t.size, t.price))
        .collect();
    let fills = mine
        .iter()
        .zip(&fees)
        .map(|(t, fee)| NewFill {
            trade_id: t.id.clone(),
            exchange_order_id: exchange_id.to_owned(),
            bot_id: Some(bot_id.to_owned()),
            token_id: token.as_str().to_owned(),
            side: persist::store_side(order.side),
            price: t.price,
            size: t.size,
            fee: *fee,
            status: fill_status(&t.status),
            ts: polyagent_store::Timestamp::from_secs(
                i64::try_from(t.match_time_s).unwrap_or(i64::MAX / 1000),
            ),
        })
        .collect();
    Ok(ExecutionReport {
        event: Event::Fill(Fill {
            order: order.id,
            leg: order.leg,
            side: order.side,
            shares,
            notional,
            fee: fees.iter().sum(),
            last: true,
        }),
        fills,
        settlement,
    })
}

fn fill_status(status: &TradeStatus) -> polyagent_store::FillStatus {
    match status {
        TradeStatus::Mined => polyagent_store::FillStatus::Mined,
        TradeStatus::Confirmed => polyagent_store::FillStatus::Confirmed,
        TradeStatus::Failed => polyagent_store::FillStatus::Failed,
        TradeStatus::Matched | TradeStatus::Retrying | TradeStatus::Other(_) => {
            polyagent_store::FillStatus::Matched
        }
    }
}
