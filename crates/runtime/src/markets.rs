//! Markets as the wizard and the details view show them: search, lookup by URL/slug/id, and a
//! book's metrics. Read-only calls to the chosen exchange's public API.
//!
//! Invariants: closed and resolved markets are returned (with `closed`/`accepting_orders` set)
//! rather than hidden, so the UI can say why one cannot be traded; `create_bot` still refuses
//! them with `MARKET_CLOSED`. Decimals cross as strings.

use polyagent_domain::trading::TokenId;
use polyagent_venue::gamma::{GammaMarketResponse, MarketRef};
use polyagent_venue::types::DEPTH_BANDS;
use serde::Serialize;

use crate::key_guard;
use crate::restore::venue_error;
use crate::{ApiError, ErrorCode, Runtime};

/// At most this many markets answer a search.
const SEARCH_LIMIT: usize = 25;

/// One market with its outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MarketSummary {
    pub condition_id: String,
    pub slug: String,
    pub question: String,
    /// ISO-8601 as the exchange gives it.
    pub end_date: Option<String>,
    pub closed: bool,
    /// Active, not closed, not resolved and accepting orders: a bot may trade it.
    pub tradable: bool,
    pub liquidity: Option<String>,
    pub volume: Option<String>,
    pub outcomes: Vec<OutcomeInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeInfo {
    pub name: String,
    pub token_id: String,
}

/// What the UI shows about one outcome's order book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BookSummary {
    pub token_id: String,
    pub best_bid: Option<String>,
    pub best_ask: Option<String>,
    pub spread: Option<String>,
    pub midpoint: Option<String>,
    /// The price Polymarket shows (midpoint, or last trade when the spread is wide).
    pub price: Option<String>,
    /// pUSD resting within 5 cents of the best bid / ask.
    pub bid_depth: String,
    pub ask_depth: String,
    /// pUSD resting on both sides in all.
    pub liquidity: String,
    pub tick_size: Option<String>,
    pub min_order_size: Option<String>,
}

fn summary(market: &GammaMarketResponse) -> Option<MarketSummary> {
    let info = market.to_market_info().ok()?;
    Some(MarketSummary {
        condition_id: info.condition_id.clone(),
        slug: info.slug.clone(),
        question: info.question.clone(),
        end_date: info.end_date.clone(),
        closed: info.closed || market.is_resolved(),
        tradable: info.is_tradable() && !market.is_resolved(),
        liquidity: market.liquidity_num.map(|d| d.0.to_string()),
        volume: market.volume_num.map(|d| d.0.to_string()),
        outcomes: info
            .outcomes
            .iter()
            .map(|o| OutcomeInfo {
                name: o.name.clone(),
                token_id: o.token_id.as_str().to_owned(),
            })
            .collect(),
    })
}

fn check_text(what: &str, text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 500 || text.chars().any(char::is_control) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("{what} must be 1 to 500 printable characters"),
        ));
    }
    Ok(text.to_owned())
}

fn book_summary_of(token_id: &str, book: &polyagent_venue::book::LocalBook) -> BookSummary {
    let metrics = polyagent_venue::types::BookMetrics::compute(
        book.bids().iter().copied(),
        book.asks().iter().copied(),
        book.last_trade_price,
    );
    summarize_metrics(token_id, &metrics, None, None)
}

fn summarize_metrics(
    token_id: &str,
    metrics: &polyagent_venue::types::BookMetrics,
    tick_size: Option<String>,
    min_order_size: Option<rust_decimal::Decimal>,
) -> BookSummary {
    let widest = DEPTH_BANDS.len() - 1;
    let text = |d: Option<rust_decimal::Decimal>| d.map(|d| d.normalize().to_string());
    BookSummary {
        token_id: token_id.to_owned(),
        best_bid: text(metrics.best_bid),
        best_ask: text(metrics.best_ask),
        spread: text(metrics.spread),
        midpoint: text(metrics.midpoint),
        price: text(metrics.displayed_price),
        bid_depth: metrics.bid_depth[widest].notional.normalize().to_string(),
        ask_depth: metrics.ask_depth[widest].notional.normalize().to_string(),
        liquidity: metrics.liquidity.normalize().to_string(),
        tick_size,
        min_order_size: text(min_order_size),
    }
}

/// The most book updates a watcher gets per second.
const BOOK_UPDATES_PER_SECOND: u64 = 10;

impl Runtime {
    /// Streams an outcome's book metrics from the shared market feed to `sink`, at most ten a
    /// second, until `sink` answers `false` or another watch replaces this one (one book is
    /// watched at a time: the details view's).
    ///
    /// # Errors
    /// `INVALID_INPUT` for a malformed token id.
    pub fn watch_book(
        &self,
        token_id: &str,
        mut sink: Box<dyn FnMut(BookSummary) -> bool + Send>,
    ) -> Result<(), ApiError> {
        TokenId::new(token_id.to_owned())
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("token id: {e}")))?;
        // Called from the shell's thread, which is in no tokio runtime: the feed and the task
        // start on the runtime's own.
        let _entered = self.inner.tokio.enter();
        let mut feed = self.feed()?.subscribe(token_id);
        let token = token_id.to_owned();
        let task = tokio::spawn(async move {
            let pace = std::time::Duration::from_millis(1000 / BOOK_UPDATES_PER_SECOND);
            loop {
                if feed.state.changed().await.is_err() {
                    return;
                }
                let summary = feed
                    .state
                    .borrow_and_update()
                    .live_book()
                    .map(|book| book_summary_of(&token, book));
                if let Some(summary) = summary
                    && !sink(summary)
                {
                    return;
                }
                tokio::time::sleep(pace).await;
            }
        });
        if let Some(previous) = crate::lock(&self.inner.book_watch).replace(task) {
            previous.abort();
        }
        Ok(())
    }

    /// Stops the book stream started by [`Runtime::watch_book`].
    pub fn unwatch_book(&self) {
        if let Some(task) = crate::lock(&self.inner.book_watch).take() {
            task.abort();
        }
    }

    /// Markets matching search text, best first (closed ones flagged, not hidden).
    pub async fn search_markets(&self, query: &str) -> Result<Vec<MarketSummary>, ApiError> {
        key_guard::refuse_own_keys(&self.inner.db, "the search", query).await?;
        let query = check_text("the search", query)?;
        let found = self
            .public_client()?
            .search_markets(&query)
            .await
            .map_err(|e| venue_error(&e))?;
        // Tradable markets first, in the exchange's order otherwise.
        let mut markets: Vec<MarketSummary> = found.iter().filter_map(summary).collect();
        markets.sort_by_key(|m| !m.tradable);
        markets.truncate(SEARCH_LIMIT);
        Ok(markets)
    }

    /// One market from a polymarket.com URL, a slug, a condition id or an outcome token id.
    pub async fn lookup_market(&self, input: &str) -> Result<MarketSummary, ApiError> {
        key_guard::refuse_own_keys(&self.inner.db, "the market", input).await?;
        let input = check_text("the market", input)?;
        let reference = if input.bytes().all(|b| b.is_ascii_digit()) {
            MarketRef::Token(input)
        } else {
            MarketRef::parse(&input).map_err(|e| venue_error(&e))?
        };
        let found = self
            .public_client()?
            .find_market(&reference)
            .await
            .map_err(|e| venue_error(&e))?;
        summary(&found).ok_or_else(|| {
            ApiError::new(
                ErrorCode::VenueUnavailable,
                format!(
                    "the exchange described {:?} in a way this app cannot read",
                    found.slug
                ),
            )
        })
    }

    /// Spread, depth and liquidity of an outcome's book, fresh from the exchange.
    pub async fn book_summary(&self, token_id: &str) -> Result<BookSummary, ApiError> {
        let token = TokenId::new(token_id.to_owned())
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("token id: {e}")))?;
        let book = self
            .public_client()?
            .book(&token)
            .await
            .map_err(|e| venue_error(&e))?;
        let metrics = book.metrics();
        Ok(summarize_metrics(
            token_id,
            &metrics,
            book.tick_size.map(|t| t.to_string()),
            book.min_order_size,
        ))
    }
}
