//! Opening the database file and handing out the repositories.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::MigrateError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::private_files;
use crate::schema::{self, MIGRATOR};
use crate::{
    ActivityLog, Bots, Fills, OrderJournal, Positions, PriceHistory, Settings, StoreError, Wallets,
};

/// The open database. Cheap to clone (connection pools behind an `Arc`).
///
/// Every write goes through one connection: SQLite admits one writer at a time anyway, and
/// queueing writers here (an async wait) instead of in SQLite (a busy handler that sleeps in
/// millisecond steps) keeps an order's journal commit off the sleep path. Reads use their
/// own connections and never wait for writes (WAL).
#[derive(Debug, Clone)]
pub struct Database {
    pools: Pools,
    path: PathBuf,
}

/// The writer (one connection) and the readers.
#[derive(Debug, Clone)]
pub(crate) struct Pools {
    pub writer: SqlitePool,
    pub reader: SqlitePool,
}

impl Database {
    /// Opens (creating if missing) the database file at `path` and brings its schema up to date.
    ///
    /// Refuses with [`StoreError::NewerSchema`], before writing anything, a file written by a
    /// newer PolyAgent. Missing parent folders are created (the app passes its app-data folder,
    /// which does not exist on first run).
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        schema::check_not_newer(&path).await?;

        let io_error = |e| StoreError::Open {
            path: path.clone(),
            source: sqlx::Error::Io(e),
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !folder.is_dir()
        {
            private_files::private_dir(folder).map_err(io_error)?;
        }
        // Created owner-only before SQLite opens it (an empty file is an empty database):
        // SQLite gives the WAL and shared-memory files the same mode.
        private_files::private_file(&path).map_err(io_error)?;
        private_files::restrict_database(&path).map_err(io_error)?;
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            // WAL: readers (UI queries) never block the engine's writes.
            .journal_mode(SqliteJournalMode::Wal)
            // FULL, not NORMAL: in WAL mode NORMAL can lose the last commits on power loss, and
            // the order journal must hold every intent that may have reached the exchange.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let connect = |connections: u32| {
            SqlitePoolOptions::new()
                .max_connections(connections)
                .connect_with(options.clone())
        };
        let open_error = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let pool = connect(1).await.map_err(open_error)?;
        match MIGRATOR.run(&pool).await {
            Ok(()) => {
                let reader = connect(3).await.map_err(open_error)?;
                Ok(Self {
                    pools: Pools {
                        writer: pool,
                        reader,
                    },
                    path,
                })
            }
            Err(MigrateError::VersionMissing(found)) => {
                pool.close().await;
                Err(StoreError::NewerSchema {
                    found,
                    supported: schema::SCHEMA_VERSION,
                    path,
                })
            }
            Err(other) => {
                pool.close().await;
                Err(other.into())
            }
        }
    }

    /// The schema version recorded in the file (equals [`crate::SCHEMA_VERSION`] once open).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let mut conn = self.pools.reader.acquire().await?;
        Ok(schema::applied_version(&mut conn).await?.unwrap_or(0))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn pools(&self) -> &Pools {
        &self.pools
    }

    /// Waits for in-flight queries, checkpoints the WAL and closes every connection.
    pub async fn close(self) {
        self.pools.writer.close().await;
        self.pools.reader.close().await;
    }

    /// How many rows each table holds, by table name (SQLite's own tables left out): a cheap
    /// fingerprint for checks that something changed nothing.
    pub async fn row_counts(&self) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
        use sqlx::Row as _;
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE '_sqlx_%' ORDER BY name",
        )
        .fetch_all(&self.pools.reader)
        .await?;
        let mut counts = std::collections::BTreeMap::new();
        for table in tables {
            // The names come from sqlite_master, not from a caller; quoted as identifiers.
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
            let row = sqlx::query(&sql).fetch_one(&self.pools.reader).await?;
            counts.insert(table, row.try_get::<i64, _>(0)?);
        }
        Ok(counts)
    }

    pub fn bots(&self) -> Bots<'_> {
        Bots::new(&self.pools)
    }

    pub fn settings(&self) -> Settings<'_> {
        Settings::new(&self.pools)
    }

    pub fn wallets(&self) -> Wallets<'_> {
        Wallets::new(&self.pools)
    }

    pub fn order_journal(&self) -> OrderJournal<'_> {
        OrderJournal::new(&self.pools)
    }

    pub fn fills(&self) -> Fills<'_> {
        Fills::new(&self.pools)
    }

    pub fn positions(&self) -> Positions<'_> {
        Positions::new(&self.pools)
    }

    pub fn activity(&self) -> ActivityLog<'_> {
        ActivityLog::new(&self.pools)
    }

    pub fn price_history(&self) -> PriceHistory<'_> {
        PriceHistory::new(&self.pools)
    }
}
