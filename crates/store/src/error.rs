//! The store's error type. Messages name what failed; they never contain secrets (the store holds
//! none) and carry ids so a log line is actionable.

use std::path::PathBuf;

use crate::journal::IntentState;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file was written by a newer PolyAgent. Nothing was changed in it.
    #[error(
        "this database was written by a newer PolyAgent (schema {found}); this app understands \
         up to {supported} — upgrade PolyAgent ({path})"
    )]
    NewerSchema {
        found: i64,
        supported: i64,
        path: PathBuf,
    },
    #[error("cannot open the database at {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot upgrade the database schema: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{what} {id:?} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{what} {id:?} already exists")]
    AlreadyExists { what: &'static str, id: String },
    #[error("order intent {intent_id:?} cannot go from {from} to {to}")]
    InvalidTransition {
        intent_id: String,
        from: IntentState,
        to: IntentState,
    },
    #[error(
        "order intent {intent_id:?} is already acknowledged as exchange order \
         {existing:?}, not {requested:?}"
    )]
    ConflictingExchangeOrderId {
        intent_id: String,
        existing: String,
        requested: String,
    },
    /// A row holds a value this version cannot read (e.g. a malformed decimal): the file was
    /// edited by hand or damaged.
    #[error("unreadable value in {column}: {value:?}")]
    CorruptValue { column: &'static str, value: String },
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the export: {0}")]
    Export(#[from] std::io::Error),
}
