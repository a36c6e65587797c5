//! One binary market's order book, kept once in YES terms.
//!
//! Polymarket's YES and NO books are mirror images: a BUY of NO at p is an offer to sell YES at
//! 1 - p. Keeping a single book in YES terms makes that exact by construction: every resting
//! order sits in it once, and the NO book is derived by mirroring prices.
//!
//! Invariants: levels hold only orders with remaining size > 0; a level's `total` is the sum of
//! its orders' remaining sizes; empty levels are removed; within a level orders are in arrival
//! order (price-time priority).

use std::collections::{BTreeMap, VecDeque};

use crate::units::{Micros, Pips};

/// Which side of the YES book an order rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookSide {
    Bid,
    Ask,
}

impl BookSide {
    pub fn opposite(self) -> Self {
        match self {
            BookSide::Bid => BookSide::Ask,
            BookSide::Ask => BookSide::Bid,
        }
    }
}

/// The engine's handle on a resting order (arrival sequence number).
pub type OrderKey = u64;

#[derive(Debug, Default, Clone)]
pub struct Level {
    pub orders: VecDeque<OrderKey>,
    pub total: Micros,
}

#[derive(Debug, Default, Clone)]
pub struct Book {
    pub bids: BTreeMap<Pips, Level>,
    pub asks: BTreeMap<Pips, Level>,
}

impl Book {
    fn side_mut(&mut self, side: BookSide) -> &mut BTreeMap<Pips, Level> {
        match side {
            BookSide::Bid => &mut self.bids,
            BookSide::Ask => &mut self.asks,
        }
    }

    pub fn side(&self, side: BookSide) -> &BTreeMap<Pips, Level> {
        match side {
            BookSide::Bid => &self.bids,
            BookSide::Ask => &self.asks,
        }
    }

    /// Appends an order at the back of its level. Returns the level's new total.
    pub fn insert(&mut self, side: BookSide, price: Pips, key: OrderKey, size: Micros) -> Micros {
        let level = self.side_mut(side).entry(price).or_default();
        level.orders.push_back(key);
        level.total = Micros(level.total.0 + size.0);
        level.total
    }

    /// Takes `size` off an order's level (after a fill or a cancel). `remove` drops the order
    /// from the queue too. Returns the level's new total (0 when the level is gone).
    pub fn reduce(
        &mut self,
        side: BookSide,
        price: Pips,
        key: OrderKey,
        size: Micros,
        remove: bool,
    ) -> Micros {
        let levels = self.side_mut(side);
        let Some(level) = levels.get_mut(&price) else {
            return Micros::ZERO;
        };
        level.total = level.total.saturating_sub(size);
        if remove {
            if level.orders.front() == Some(&key) {
                level.orders.pop_front();
            } else {
                level.orders.retain(|k| *k != key);
            }
        }
        let total = level.total;
        if level.orders.is_empty() {
            levels.remove(&price);
            return Micros::ZERO;
        }
        total
    }

    pub fn best_bid(&self) -> Option<Pips> {
        self.bids.keys().next_back().copied()
    }

    pub fn best_ask(&self) -> Option<Pips> {
        self.asks.keys().next().copied()
    }

    /// Whether an order at `price` on `side` would trade immediately.
    pub fn crosses(&self, side: BookSide, price: Pips) -> bool {
        match side {
            BookSide::Bid => self.best_ask().is_some_and(|ask| ask <= price),
            BookSide::Ask => self.best_bid().is_some_and(|bid| bid >= price),
        }
    }

    /// Levels an incoming order on `side` with limit `price` may trade against, best first.
    pub fn matchable(&self, side: BookSide, price: Pips) -> Vec<Pips> {
        match side {
            BookSide::Bid => self.asks.range(..=price).map(|(p, _)| *p).collect(),
            BookSide::Ask => self.bids.range(price..).rev().map(|(p, _)| *p).collect(),
        }
    }

    /// Shares available to an incoming order on `side` with limit `price` (for FOK checks).
    pub fn depth_within(&self, side: BookSide, price: Pips) -> Micros {
        let sum = match side {
            BookSide::Bid => self.asks.range(..=price).map(|(_, l)| l.total.0).sum(),
            BookSide::Ask => self.bids.range(price..).map(|(_, l)| l.total.0).sum(),
        };
        Micros(sum)
    }
}
