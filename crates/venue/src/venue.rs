//! The project's own venue interface: what a bot needs from an exchange. The live
//! Polymarket clients implement it here; the paper engine and test doubles implement it
//! elsewhere, so bots never know which one they talk to.
//!
//! Invariants: [`MarketData`] has no way to spend money; only [`Venue`] does, and the live
//! implementation of it is [`AuthedClient`] (an unauthenticated client cannot post).

use std::future::Future;

use polyagent_domain::trading::{TickSize, TokenId};
use rust_decimal::Decimal;

use crate::client::{AuthedClient, PublicClient};
use crate::order_build::OrderSpec;
use crate::types::{
    AssetType, BalanceAllowance, CancelOutcome, HistoryWindow, LastTrade, MarketInfo, OpenOrder,
    OrderAck, OrderBook, PricePoint, Trade,
};
use crate::venue_error::VenueError;

/// Read-only market data and discovery.
pub trait MarketData: Send + Sync {
    /// A tradable market from a slug, URL, condition id or search text.
    fn lookup(&self, input: &str) -> impl Future<Output = Result<MarketInfo, VenueError>> + Send;
    fn book(&self, token: &TokenId) -> impl Future<Output = Result<OrderBook, VenueError>> + Send;
    fn midpoint(&self, token: &TokenId)
    -> impl Future<Output = Result<Decimal, VenueError>> + Send;
    fn spread(&self, token: &TokenId) -> impl Future<Output = Result<Decimal, VenueError>> + Send;
    fn last_trade(
        &self,
        token: &TokenId,
    ) -> impl Future<Output = Result<LastTrade, VenueError>> + Send;
    /// The price polymarket.com shows (midpoint, or last trade when the spread > 0.10).
    fn displayed_price(
        &self,
        token: &TokenId,
    ) -> impl Future<Output = Result<Option<Decimal>, VenueError>> + Send;
    fn prices_history(
        &self,
        token: &TokenId,
        window: HistoryWindow,
        fidelity_minutes: Option<u32>,
    ) -> impl Future<Output = Result<Vec<PricePoint>, VenueError>> + Send;
    fn tick_size(
        &self,
        token: &TokenId,
    ) -> impl Future<Output = Result<TickSize, VenueError>> + Send;
}

/// Trading: everything that spends money or touches the wallet's orders.
pub trait Venue: MarketData {
    fn post_order(
        &self,
        spec: &OrderSpec,
    ) -> impl Future<Output = Result<OrderAck, VenueError>> + Send;
    fn post_orders(
        &self,
        specs: &[OrderSpec],
    ) -> impl Future<Output = Result<Vec<Result<OrderAck, VenueError>>, VenueError>> + Send;
    fn cancel_order(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<CancelOutcome, VenueError>> + Send;
    fn cancel_orders(
        &self,
        order_ids: &[String],
    ) -> impl Future<Output = Result<CancelOutcome, VenueError>> + Send;
    fn cancel_all(&self) -> impl Future<Output = Result<CancelOutcome, VenueError>> + Send;
    fn cancel_market(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> impl Future<Output = Result<CancelOutcome, VenueError>> + Send;
    fn open_orders(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> impl Future<Output = Result<Vec<OpenOrder>, VenueError>> + Send;
    fn trades(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
        after_s: Option<u64>,
    ) -> impl Future<Output = Result<Vec<Trade>, VenueError>> + Send;
    fn balance_allowance(
        &self,
        asset: &AssetType,
    ) -> impl Future<Output = Result<BalanceAllowance, VenueError>> + Send;
    fn update_balance_allowance(
        &self,
        asset: &AssetType,
    ) -> impl Future<Output = Result<(), VenueError>> + Send;
}

macro_rules! market_data_via {
    ($ty:ty, |$this:ident| $public:expr) => {
        impl MarketData for $ty {
            async fn lookup(&self, input: &str) -> Result<MarketInfo, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.lookup(input).await
            }
            async fn book(&self, token: &TokenId) -> Result<OrderBook, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.book(token).await
            }
            async fn midpoint(&self, token: &TokenId) -> Result<Decimal, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.midpoint(token).await
            }
            async fn spread(&self, token: &TokenId) -> Result<Decimal, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.spread(token).await
            }
            async fn last_trade(&self, token: &TokenId) -> Result<LastTrade, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.last_trade(token).await
            }
            async fn displayed_price(
                &self,
                token: &TokenId,
            ) -> Result<Option<Decimal>, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.displayed_price(token).await
            }
            async fn prices_history(
                &self,
                token: &TokenId,
                window: HistoryWindow,
                fidelity_minutes: Option<u32>,
            ) -> Result<Vec<PricePoint>, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.prices_history(token, window, fidelity_minutes).await
            }
            async fn tick_size(&self, token: &TokenId) -> Result<TickSize, VenueError> {
                let $this = self;
                let public: &PublicClient = $public;
                public.tick_size(token).await
            }
        }
    };
}

market_data_via!(PublicClient, |c| c);
market_data_via!(AuthedClient, |c| c.public());

impl Venue for AuthedClient {
    async fn post_order(&self, spec: &OrderSpec) -> Result<OrderAck, VenueError> {
        AuthedClient::post_order(self, spec).await
    }
    async fn post_orders(
        &self,
        specs: &[OrderSpec],
    ) -> Result<Vec<Result<OrderAck, VenueError>>, VenueError> {
        AuthedClient::post_orders(self, specs).await
    }
    async fn cancel_order(&self, order_id: &str) -> Result<CancelOutcome, VenueError> {
        AuthedClient::cancel_order(self, order_id).await
    }
    async fn cancel_orders(&self, order_ids: &[String]) -> Result<CancelOutcome, VenueError> {
        AuthedClient::cancel_orders(self, order_ids).await
    }
    async fn cancel_all(&self) -> Result<CancelOutcome, VenueError> {
        AuthedClient::cancel_all(self).await
    }
    async fn cancel_market(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> Result<CancelOutcome, VenueError> {
        AuthedClient::cancel_market(self, condition_id, token).await
    }
    async fn open_orders(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
    ) -> Result<Vec<OpenOrder>, VenueError> {
        AuthedClient::open_orders(self, condition_id, token).await
    }
    async fn trades(
        &self,
        condition_id: Option<&str>,
        token: Option<&TokenId>,
        after_s: Option<u64>,
    ) -> Result<Vec<Trade>, VenueError> {
        AuthedClient::trades(self, condition_id, token, after_s).await
    }
    async fn balance_allowance(&self, asset: &AssetType) -> Result<BalanceAllowance, VenueError> {
        AuthedClient::balance_allowance(self, asset).await
    }
    async fn update_balance_allowance(&self, asset: &AssetType) -> Result<(), VenueError> {
        AuthedClient::update_balance_allowance(self, asset).await
    }
}
