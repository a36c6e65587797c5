//! Conversions between Rust values and the TEXT/INTEGER columns, shared by the repositories.

use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::time::Timestamp;

/// Buy or sell, stored as `BUY` / `SELL` (the exchange's spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "BUY",
            Side::Sell => "SELL",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "BUY" => Ok(Side::Buy),
            "SELL" => Ok(Side::Sell),
            other => Err(corrupt("side", other)),
        }
    }
}

pub(crate) fn corrupt(column: &'static str, value: &str) -> StoreError {
    StoreError::CorruptValue {
        column,
        value: value.to_owned(),
    }
}

/// Decimals are written with `to_string`, which keeps the scale: "0.50" reads back as "0.50".
pub(crate) fn decimal_text(value: Decimal) -> String {
    value.to_string()
}

pub(crate) fn get_decimal(row: &SqliteRow, column: &'static str) -> Result<Decimal, StoreError> {
    let text: String = row.try_get(column)?;
    Decimal::from_str(&text).map_err(|_| corrupt(column, &text))
}

pub(crate) fn get_ts(row: &SqliteRow, column: &'static str) -> Result<Timestamp, StoreError> {
    Ok(Timestamp::from_millis(row.try_get::<i64, _>(column)?))
}

pub(crate) fn get_json(
    row: &SqliteRow,
    column: &'static str,
) -> Result<serde_json::Value, StoreError> {
    let text: String = row.try_get(column)?;
    Ok(serde_json::from_str(&text)?)
}

/// True when the error is SQLite refusing a duplicate primary/unique key.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Shared parsing of enum columns that are stored as one of a fixed set of words.
pub(crate) fn parse_word<T: Copy>(
    column: &'static str,
    text: &str,
    table: &[(&str, T)],
) -> Result<T, StoreError> {
    table
        .iter()
        .find(|(word, _)| *word == text)
        .map(|(_, value)| *value)
        .ok_or_else(|| corrupt(column, text))
}
