//! The embedded migrations and the schema version check.
//!
//! Invariants:
//! - the schema version is the highest applied migration version in `_sqlx_migrations`;
//! - migrations are append-only: a released migration file is never edited (sqlx checks its
//!   checksum), a change is a new file `migrations/NNNN_what.sql`, and [`SCHEMA_VERSION`] moves
//!   to its number;
//! - [`check_not_newer`] only reads, through a plain connection that sets no journal mode; when
//!   it closes, SQLite removes the `-wal`/`-shm` files it opened, so refusing a newer database
//!   leaves its bytes and its folder as they were (only a WAL left behind by a crash is
//!   checkpointed into the file, as by any SQLite reader; the content is unchanged). (A `read_only` connection would leave empty
//!   `-wal`/`-shm` files behind, and an `immutable` one misreads a database whose recent commits
//!   are still in its WAL.)
//! - should a newer migration hide in an uncheckpointed WAL that the immutable read cannot see,
//!   the migrator's own "applied migration unknown to this build" error is reported as the same
//!   [`StoreError::NewerSchema`] before any migration runs.

use std::path::Path;

use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

use crate::StoreError;

/// The schema this build creates and understands: the number of the newest migration file.
pub const SCHEMA_VERSION: i64 = 3;

pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Refuses a database whose schema is newer than [`SCHEMA_VERSION`]. A missing file passes.
pub(crate) async fn check_not_newer(path: &Path) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .map_err(open_error)?;
    let found = applied_version(&mut conn).await.map_err(open_error)?;
    conn.close().await.map_err(open_error)?;
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// The highest successfully applied migration, or `None` for a database never migrated.
pub(crate) async fn applied_version(
    conn: &mut sqlx::SqliteConnection,
) -> Result<Option<i64>, sqlx::Error> {
    let has_table: i64 = sqlx::query(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    if has_table == 0 {
        return Ok(None);
    }
    sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)
}

#[cfg(test)]
mod tests {
    //! Upgrade tests: "a database written at every earlier schema opens and keeps its data".
    //!
    //! To add schema version N+1: add the migration file, bump [`SCHEMA_VERSION`], then append a
    //! `(N+1, SEED_V{N+1})` entry to [`SEEDS`] written against the new schema, and extend
    //! [`assert_seed_survived`] with what a database seeded at each earlier version must still
    //! show after upgrading. The loop then covers every earlier version automatically.

    use std::borrow::Cow;

    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};

    use super::*;
    use crate::{Database, Decimal, IntentState, Timestamp};

    /// Representative rows written with the raw SQL of schema 1.
    const SEED_V1: &str = "
        INSERT INTO bots VALUES ('bot-1', 'Seed bot', '{\"strategy\":\"spike\"}', 'stopped', 1000, 1000);
        INSERT INTO settings VALUES ('killswitch', '{\"engaged\":true}', 1000);
        INSERT INTO wallets VALUES ('0xabc', 'main', 2, '0xdef', 1000, 1000);
        INSERT INTO order_intents VALUES ('int-1', 'bot-1', 'coid-1', 'BUY', '123456789012345678901234567890',
            '0.52', '10.00', 'GTC', 'sent', NULL, NULL, 1000, 1001);
        INSERT INTO fills VALUES ('trade-1', 'ex-1', 'bot-1', '123456789012345678901234567890', 'BUY',
            '0.52', '10.00', '0.01', 'MINED', 1002, 1002);
        INSERT INTO positions VALUES ('bot-1', '123456789012345678901234567890', '10.00', '0.52', '0', '0.01', 1002);
        INSERT INTO activity (bot_id, ts, kind, message, detail) VALUES ('bot-1', 1002, 'fill', 'filled', NULL);
        INSERT INTO price_history VALUES ('token', '123456789012345678901234567890', 0, 1002, 1002, '0.52', '0.52', '0.52');
    ";

    /// Schema 2: a bot with saved runtime state and a deposit wallet (signature type 3), on
    /// top of everything schema 1 seeds.
    const SEED_V2: &str = concat!(
        "
        INSERT INTO bots VALUES ('bot-1', 'Seed bot', '{\"strategy\":\"spike\"}', 'stopped', 1000, 1000, NULL);
        INSERT INTO bots VALUES ('bot-2', 'Saved bot', '{}', 'running', 1000, 1003, '{\"engine\":{}}');
        INSERT INTO wallets VALUES ('0x333', 'deposit', 3, '0x444', 1000, 1000);
        ",
        "
        INSERT INTO settings VALUES ('killswitch', '{\"engaged\":true}', 1000);
        INSERT INTO wallets VALUES ('0xabc', 'main', 2, '0xdef', 1000, 1000);
        INSERT INTO order_intents VALUES ('int-1', 'bot-1', 'coid-1', 'BUY', '123456789012345678901234567890',
            '0.52', '10.00', 'GTC', 'sent', NULL, NULL, 1000, 1001);
        INSERT INTO fills VALUES ('trade-1', 'ex-1', 'bot-1', '123456789012345678901234567890', 'BUY',
            '0.52', '10.00', '0.01', 'MINED', 1002, 1002);
        INSERT INTO positions VALUES ('bot-1', '123456789012345678901234567890', '10.00', '0.52', '0', '0.01', 1002);
        INSERT INTO activity (bot_id, ts, kind, message, detail) VALUES ('bot-1', 1002, 'fill', 'filled', NULL);
        INSERT INTO price_history VALUES ('token', '123456789012345678901234567890', 0, 1002, 1002, '0.52', '0.52', '0.52');
        "
    );

    /// Schema 3: a wallet imported as a test key, on top of everything schema 2 seeds.
    const SEED_V3: &str = concat!(
        "
        INSERT INTO bots VALUES ('bot-1', 'Seed bot', '{\"strategy\":\"spike\"}', 'stopped', 1000, 1000, NULL);
        INSERT INTO bots VALUES ('bot-2', 'Saved bot', '{}', 'running', 1000, 1003, '{\"engine\":{}}');
        INSERT INTO wallets VALUES ('0x333', 'deposit', 3, '0x444', 1000, 1000, 0);
        INSERT INTO wallets VALUES ('0x555', 'test', 0, NULL, 1000, 1000, 1);
        ",
        "
        INSERT INTO settings VALUES ('killswitch', '{\"engaged\":true}', 1000);
        INSERT INTO wallets VALUES ('0xabc', 'main', 2, '0xdef', 1000, 1000, 0);
        INSERT INTO order_intents VALUES ('int-1', 'bot-1', 'coid-1', 'BUY', '123456789012345678901234567890',
            '0.52', '10.00', 'GTC', 'sent', NULL, NULL, 1000, 1001);
        INSERT INTO fills VALUES ('trade-1', 'ex-1', 'bot-1', '123456789012345678901234567890', 'BUY',
            '0.52', '10.00', '0.01', 'MINED', 1002, 1002);
        INSERT INTO positions VALUES ('bot-1', '123456789012345678901234567890', '10.00', '0.52', '0', '0.01', 1002);
        INSERT INTO activity (bot_id, ts, kind, message, detail) VALUES ('bot-1', 1002, 'fill', 'filled', NULL);
        INSERT INTO price_history VALUES ('token', '123456789012345678901234567890', 0, 1002, 1002, '0.52', '0.52', '0.52');
        "
    );

    /// Every schema version this build can upgrade from, each with its seed.
    const SEEDS: &[(i64, &str)] = &[(1, SEED_V1), (2, SEED_V2), (3, SEED_V3)];

    fn migrator_up_to(version: i64) -> Migrator {
        Migrator {
            migrations: Cow::Owned(
                MIGRATOR
                    .migrations
                    .iter()
                    .filter(|m| m.version <= version)
                    .cloned()
                    .collect(),
            ),
            ..Migrator::DEFAULT
        }
    }

    async fn assert_seed_survived(db: &Database, seeded_at: i64) {
        // Everything seeded at schema 1 must survive every later upgrade.
        assert!(seeded_at >= 1);
        let bot = db.bots().get("bot-1").await.unwrap().unwrap();
        assert_eq!(bot.config["strategy"], "spike");
        let killswitch: serde_json::Value = db.settings().get("killswitch").await.unwrap().unwrap();
        assert_eq!(killswitch["engaged"], true);
        let unresolved = db.order_journal().unresolved().await.unwrap();
        assert_eq!(unresolved.len(), 1);
        assert_eq!(unresolved[0].state, IntentState::Sent);
        assert_eq!(unresolved[0].size.to_string(), "10.00");
        let position = db
            .positions()
            .get("bot-1", "123456789012345678901234567890")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(position.fees_paid, Decimal::new(1, 2));
        let fill = db.fills().get("trade-1").await.unwrap().unwrap();
        assert_eq!(fill.ts, Timestamp::from_millis(1002));
        // Schema 2: wallets keep their rows through the table rebuild.
        let wallet = db.wallets().get("0xabc").await.unwrap().unwrap();
        assert_eq!(
            wallet.signature_type,
            crate::wallets::SignatureType::PolyGnosisSafe
        );
        // Schema 3: a wallet from before is never a test key.
        assert!(!wallet.test_key);
        if seeded_at >= 3 {
            let test = db.wallets().get("0x555").await.unwrap().unwrap();
            assert!(test.test_key);
        }
        if seeded_at >= 2 {
            let saved = db.bots().get("bot-2").await.unwrap().unwrap();
            assert_eq!(saved.state.as_deref(), Some("{\"engine\":{}}"));
            let deposit = db.wallets().get("0x333").await.unwrap().unwrap();
            assert_eq!(
                deposit.signature_type,
                crate::wallets::SignatureType::DepositWallet
            );
        } else {
            assert_eq!(bot.state, None);
        }
    }

    #[test]
    fn schema_version_is_the_newest_embedded_migration() {
        let newest = MIGRATOR.migrations.iter().map(|m| m.version).max();
        assert_eq!(newest, Some(SCHEMA_VERSION));
    }

    #[test]
    fn every_schema_version_has_a_seed() {
        let seeded: Vec<i64> = SEEDS.iter().map(|(v, _)| *v).collect();
        let versions: Vec<i64> = MIGRATOR.migrations.iter().map(|m| m.version).collect();
        assert_eq!(seeded, versions, "add a SEED for every new schema version");
    }

    #[tokio::test]
    async fn a_database_at_every_earlier_schema_upgrades_and_keeps_its_data() {
        for &(version, seed) in SEEDS {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("polyagent.db");
            let mut conn = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .connect()
                .await
                .unwrap();
            migrator_up_to(version).run(&mut conn).await.unwrap();
            sqlx::raw_sql(seed).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();

            let db = Database::open(&path).await.unwrap();
            assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
            assert_seed_survived(&db, version).await;
            db.close().await;
        }
    }
}
