//! REST answers (CLOB and Gamma): the first byte picks the route whose answer the rest of the
//! input is read as; the body is parsed into its wire type and converted into the domain type,
//! exactly as the client does, and error bodies are classified as the client classifies them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_venue::VenueError;
use polyagent_venue::clob_wire::{
    self, BalanceAllowanceResponse, BookResponse, CancelResponse, ClobMarketResponse,
    HistoryResponse, LastTradeResponse, MidpointResponse, OpenOrderResponse, PageResponse,
    SpreadResponse, TickSizeResponse, TradeResponse, VersionResponse,
};
use polyagent_venue::gamma::{
    GammaEventResponse, GammaMarketResponse, GammaSearchResponse, MarketRef, require_tradable,
};
use polyagent_venue::wire::PostOrderResponse;

fn read<T: serde::de::DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}

fn gamma_market(market: &GammaMarketResponse) {
    let _ = market.is_resolved();
    let _ = market.to_market_info();
    let _ = require_tradable(market);
}

fuzz_target!(|data: &[u8]| {
    let Some((&route, body)) = data.split_first() else {
        return;
    };
    match route % 20 {
        0 => {
            if let Some(book) = read::<BookResponse>(body)
                && let Ok(book) = book.into_book()
            {
                let _ = (book.best_bid(), book.best_ask(), book.metrics());
            }
        }
        1 => {
            if let Some(order) = read::<OpenOrderResponse>(body) {
                let _ = order.into_order();
            }
        }
        2 => {
            if let Some(trade) = read::<TradeResponse>(body) {
                let _ = trade.into_trade();
            }
        }
        3 => {
            if let Some(page) = read::<PageResponse<TradeResponse>>(body) {
                for trade in page.data {
                    let _ = trade.into_trade();
                }
            }
        }
        4 => {
            if let Some(page) = read::<PageResponse<OpenOrderResponse>>(body) {
                for order in page.data {
                    let _ = order.into_order();
                }
            }
        }
        5 => {
            if let Some(cancel) = read::<CancelResponse>(body) {
                let _ = cancel.into_outcome();
            }
        }
        6 => {
            if let Some(balance) = read::<BalanceAllowanceResponse>(body) {
                let _ = balance.into_balance();
            }
        }
        7 => {
            if let Some(answer) = read::<PostOrderResponse>(body) {
                let _ = clob_wire::ack_from(answer);
            }
        }
        8 => {
            if let Some(answers) = read::<Vec<PostOrderResponse>>(body) {
                for answer in answers {
                    let _ = clob_wire::ack_from(answer);
                }
            }
        }
        9 => {
            if let Some(market) = read::<ClobMarketResponse>(body) {
                let _ = market.fee_curve();
            }
        }
        10 => {
            if let Some(tick) = read::<TickSizeResponse>(body) {
                let _ = clob_wire::tick_from_decimal(tick.minimum_tick_size.0);
            }
        }
        11 => {
            let _ = read::<MidpointResponse>(body);
            let _ = read::<SpreadResponse>(body);
            let _ = read::<LastTradeResponse>(body);
            let _ = read::<VersionResponse>(body);
            let _ = read::<HistoryResponse>(body);
        }
        12 => {
            if let Some(market) = read::<GammaMarketResponse>(body) {
                gamma_market(&market);
            }
        }
        13 => {
            if let Some(markets) = read::<Vec<GammaMarketResponse>>(body) {
                markets.iter().for_each(gamma_market);
            }
        }
        14 => {
            if let Some(event) = read::<GammaEventResponse>(body) {
                event.markets.iter().for_each(gamma_market);
            }
        }
        15 => {
            if let Some(search) = read::<GammaSearchResponse>(body) {
                for event in &search.events {
                    event.markets.iter().for_each(gamma_market);
                }
            }
        }
        16 => {
            // What a user types (or pastes) to name a market.
            if let Ok(text) = std::str::from_utf8(body) {
                let _ = MarketRef::parse(text);
            }
        }
        _ => {
            // A refusal: any status, any body.
            let status = 400 + u16::from(route) % 200;
            let text = clob_wire::error_text(body);
            let _ = VenueError::classify(status, &text).to_string();
        }
    }
});
