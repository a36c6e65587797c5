//! Behaviour of the store on real SQLite files in temporary folders.

use std::str::FromStr;

use polyagent_store::{
    ActivityKind, ActivityQuery, Database, Decimal, FillRecorded, FillStatus, IntentState,
    NewActivity, NewBot, NewFill, NewOrderIntent, Position, PriceSeries, PriceTick, Resolution,
    SCHEMA_VERSION, Side, SignatureType, StoreError, Timestamp, setting_keys,
};
use serde_json::json;
use sqlx::ConnectOptions;
use tempfile::TempDir;

const T0: Timestamp = Timestamp::from_millis(1_795_000_000_000);
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

async fn fresh() -> (TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("polyagent.db"))
        .await
        .unwrap();
    (dir, db)
}

#[tokio::test]
async fn the_app_data_folder_is_created_on_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("PolyAgent")
        .join("data")
        .join("polyagent.db");
    let db = Database::open(&path).await.unwrap();
    assert_eq!(db.path(), path);
    db.close().await;
    assert!(path.exists());
}

async fn with_bot(db: &Database, id: &str) {
    db.bots()
        .create(
            &NewBot {
                id: id.into(),
                name: format!("Bot {id}"),
                config: json!({"strategy": "spike", "threshold": "0.05"}),
                status: "stopped".into(),
            },
            T0,
        )
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Opening, migrations, schema version

#[tokio::test]
async fn migrations_run_from_an_empty_folder() {
    let (dir, db) = fresh().await;
    assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert!(db.bots().list().await.unwrap().is_empty());
    // WAL mode and foreign keys are on for every connection.
    let mut conn = db_conn(&dir).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    db.close().await;
}

async fn db_conn(dir: &TempDir) -> sqlx::SqliteConnection {
    sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("polyagent.db"))
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn reopening_is_idempotent_and_keeps_data() {
    let (dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    db.close().await;
    for _ in 0..2 {
        let db = Database::open(dir.path().join("polyagent.db"))
            .await
            .unwrap();
        assert_eq!(db.schema_version().await.unwrap(), SCHEMA_VERSION);
        assert_eq!(db.bots().list().await.unwrap().len(), 1);
        db.close().await;
    }
    let mut conn = db_conn(&dir).await;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(applied, SCHEMA_VERSION);
}

#[tokio::test]
async fn a_database_from_a_newer_app_is_refused_and_left_untouched() {
    let (dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    db.close().await;
    let path = dir.path().join("polyagent.db");
    // Pretend a future PolyAgent applied migration SCHEMA_VERSION + 1.
    {
        let mut conn = db_conn(&dir).await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum,
                 execution_time)
             VALUES (?, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
        )
        .bind(SCHEMA_VERSION + 1)
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::Connection::close(conn).await.unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let files_before = folder_listing(&dir);

    let error = Database::open(&path).await.unwrap_err();
    match &error {
        StoreError::NewerSchema {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 1);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("newer PolyAgent"), "{message}");
    assert!(message.contains("upgrade PolyAgent"), "{message}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not change"
    );
    assert_eq!(folder_listing(&dir), files_before);
}

fn folder_listing(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Bots, settings, wallets, positions

#[tokio::test]
async fn bots_crud() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let duplicate = db
        .bots()
        .create(
            &NewBot {
                id: "b1".into(),
                name: "again".into(),
                config: json!({}),
                status: "stopped".into(),
            },
            T0,
        )
        .await;
    assert!(matches!(duplicate, Err(StoreError::AlreadyExists { .. })));

    let later = T0.plus_millis(5);
    db.bots().rename("b1", "Renamed", later).await.unwrap();
    db.bots().set_status("b1", "running", later).await.unwrap();
    db.bots()
        .set_config("b1", &json!({"strategy": "grid"}), later)
        .await
        .unwrap();
    let bot = db.bots().get("b1").await.unwrap().unwrap();
    assert_eq!(
        (bot.name.as_str(), bot.status.as_str()),
        ("Renamed", "running")
    );
    assert_eq!(bot.config, json!({"strategy": "grid"}));
    assert_eq!((bot.created_at, bot.updated_at), (T0, later));

    assert!(matches!(
        db.bots().rename("nope", "x", later).await,
        Err(StoreError::NotFound { .. })
    ));
    db.bots().delete("b1").await.unwrap();
    assert!(db.bots().get("b1").await.unwrap().is_none());
    assert!(matches!(
        db.bots().delete("b1").await,
        Err(StoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn settings_get_put_remove() {
    let (_dir, db) = fresh().await;
    let settings = db.settings();
    assert_eq!(
        settings
            .get::<serde_json::Value>(setting_keys::KILLSWITCH)
            .await
            .unwrap(),
        None
    );
    settings
        .put(setting_keys::KILLSWITCH, &json!({"engaged": false}), T0)
        .await
        .unwrap();
    settings
        .put(setting_keys::KILLSWITCH, &json!({"engaged": true}), T0)
        .await
        .unwrap();
    let value: serde_json::Value = settings
        .get(setting_keys::KILLSWITCH)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(value, json!({"engaged": true}));
    settings
        .put(
            setting_keys::DAILY_LIMITS,
            &json!({"max_loss": "25.00"}),
            T0,
        )
        .await
        .unwrap();
    assert!(settings.remove(setting_keys::KILLSWITCH).await.unwrap());
    assert!(!settings.remove(setting_keys::KILLSWITCH).await.unwrap());
}

#[tokio::test]
async fn wallets_crud_with_case_insensitive_addresses() {
    let (_dir, db) = fresh().await;
    let address = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    db.wallets()
        .add(address, "main", SignatureType::Eoa, None, T0)
        .await
        .unwrap();
    assert!(matches!(
        db.wallets()
            .add(&address.to_lowercase(), "dup", SignatureType::Eoa, None, T0)
            .await,
        Err(StoreError::AlreadyExists { .. })
    ));
    db.wallets()
        .update(
            address,
            "proxy",
            SignatureType::PolyGnosisSafe,
            Some("0xABC"),
            T0,
        )
        .await
        .unwrap();
    let wallet = db
        .wallets()
        .get(&address.to_uppercase().replace("0X", "0x"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(wallet.address, address.to_lowercase());
    assert_eq!(wallet.signature_type, SignatureType::PolyGnosisSafe);
    assert_eq!(wallet.funder.as_deref(), Some("0xabc"));
    assert_eq!(db.wallets().list().await.unwrap().len(), 1);
    db.wallets().delete(address).await.unwrap();
    assert!(db.wallets().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn positions_upsert_and_get() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let mut position = Position {
        bot_id: "b1".into(),
        token_id: TOKEN.into(),
        size: dec("10.00"),
        average_entry_price: dec("0.52"),
        realized_pnl: dec("0"),
        fees_paid: dec("0.01"),
        updated_at: T0,
    };
    db.positions().upsert(&position).await.unwrap();
    position.size = dec("4.50");
    position.realized_pnl = dec("-1.25");
    position.updated_at = T0.plus_millis(1);
    db.positions().upsert(&position).await.unwrap();
    assert_eq!(
        db.positions().get("b1", TOKEN).await.unwrap(),
        Some(position.clone())
    );
    assert_eq!(db.positions().for_bot("b1").await.unwrap(), vec![position]);
    // A position needs its bot; deleting the bot deletes its positions.
    let orphan = Position {
        bot_id: "ghost".into(),
        ..db.positions().get("b1", TOKEN).await.unwrap().unwrap()
    };
    assert!(db.positions().upsert(&orphan).await.is_err());
    db.bots().delete("b1").await.unwrap();
    assert!(db.positions().all().await.unwrap().is_empty());
}

#[tokio::test]
async fn decimals_round_trip_exactly_with_their_scale() {
    let (dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let values = [
        "0.1",
        "0.10",
        "0.000001",
        "-1.25",
        "123456789012345678.123456789",
        "79228162514264337593543950335", // Decimal::MAX
        "0.3333333333333333333333333333",
    ];
    for (i, text) in values.iter().enumerate() {
        db.positions()
            .upsert(&Position {
                bot_id: "b1".into(),
                token_id: format!("t{i}"),
                size: dec(text),
                average_entry_price: dec(text),
                realized_pnl: dec(text),
                fees_paid: dec(text),
                updated_at: T0,
            })
            .await
            .unwrap();
    }
    db.close().await;
    let db = Database::open(dir.path().join("polyagent.db"))
        .await
        .unwrap();
    for (i, text) in values.iter().enumerate() {
        let p = db
            .positions()
            .get("b1", &format!("t{i}"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.size, dec(text));
        assert_eq!(p.realized_pnl.to_string(), *text, "scale is kept");
    }
    // 0.1 + 0.2 is exactly 0.3: nothing went through a float.
    let sum = db.positions().get("b1", "t0").await.unwrap().unwrap().size + dec("0.2");
    assert_eq!(sum, dec("0.3"));
}

// ---------------------------------------------------------------------------------------------
// Order journal and fills

fn intent(id: &str) -> NewOrderIntent {
    NewOrderIntent {
        intent_id: id.into(),
        bot_id: Some("b1".into()),
        client_order_id: format!("coid-{id}"),
        side: Side::Buy,
        token_id: TOKEN.into(),
        price: dec("0.52"),
        size: dec("10.00"),
        order_type: "GTC".into(),
    }
}

#[tokio::test]
async fn journal_state_machine() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let journal = db.order_journal();
    let t = |ms| T0.plus_millis(ms);

    let recorded = journal.record_intent(&intent("i1"), t(1)).await.unwrap();
    assert_eq!(recorded.state, IntentState::Pending);
    assert!(matches!(
        journal.record_intent(&intent("i1"), t(1)).await,
        Err(StoreError::AlreadyExists { .. })
    ));

    // pending cannot be acknowledged: it was never sent.
    assert!(matches!(
        journal.mark_acknowledged("i1", "ex-1", t(2)).await,
        Err(StoreError::InvalidTransition {
            from: IntentState::Pending,
            to: IntentState::Acknowledged,
            ..
        })
    ));
    journal.mark_sent("i1", t(2)).await.unwrap();
    assert!(matches!(
        journal.mark_sent("i1", t(3)).await,
        Err(StoreError::InvalidTransition {
            from: IntentState::Sent,
            ..
        })
    ));
    journal.mark_acknowledged("i1", "ex-1", t(3)).await.unwrap();
    // Repeating the same acknowledgement is harmless; a different exchange id is not.
    journal.mark_acknowledged("i1", "ex-1", t(4)).await.unwrap();
    assert!(matches!(
        journal.mark_acknowledged("i1", "ex-2", t(4)).await,
        Err(StoreError::ConflictingExchangeOrderId { .. })
    ));
    assert!(matches!(
        journal.mark_failed("i1", "late", t(4)).await,
        Err(StoreError::InvalidTransition {
            from: IntentState::Acknowledged,
            to: IntentState::Failed,
            ..
        })
    ));
    let acked = journal.get("i1").await.unwrap().unwrap();
    assert_eq!(acked.state, IntentState::Acknowledged);
    assert_eq!(acked.exchange_order_id.as_deref(), Some("ex-1"));
    assert_eq!((acked.created_at, acked.updated_at), (t(1), t(3)));

    // sent → unknown → failed; failing twice keeps the first reason.
    journal.record_intent(&intent("i2"), t(5)).await.unwrap();
    journal.mark_sent("i2", t(6)).await.unwrap();
    journal.mark_unknown("i2", t(7)).await.unwrap();
    journal
        .mark_failed("i2", "not found on exchange", t(8))
        .await
        .unwrap();
    journal.mark_failed("i2", "again", t(9)).await.unwrap();
    let failed = journal.get("i2").await.unwrap().unwrap();
    assert_eq!(failed.state, IntentState::Failed);
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("not found on exchange")
    );

    // unknown → acknowledged after reconciliation.
    journal.record_intent(&intent("i3"), t(10)).await.unwrap();
    journal.mark_sent("i3", t(11)).await.unwrap();
    journal.mark_unknown("i3", t(12)).await.unwrap();
    journal
        .mark_acknowledged("i3", "ex-3", t(13))
        .await
        .unwrap();

    // An exchange order id belongs to one intent only.
    journal.record_intent(&intent("i4"), t(14)).await.unwrap();
    journal.mark_sent("i4", t(15)).await.unwrap();
    assert!(matches!(
        journal.mark_acknowledged("i4", "ex-3", t(16)).await,
        Err(StoreError::AlreadyExists { .. })
    ));

    assert!(matches!(
        journal.mark_sent("missing", t(17)).await,
        Err(StoreError::NotFound { .. })
    ));
    let by_client = journal.find_by_client_order_id("coid-i3").await.unwrap();
    assert_eq!(by_client.unwrap().intent_id, "i3");
}

#[tokio::test]
async fn unresolved_intents_survive_a_reopen_for_reconciliation() {
    let (dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let journal = db.order_journal();
    for id in ["a", "b", "c", "d", "e"] {
        journal.record_intent(&intent(id), T0).await.unwrap();
    }
    journal.mark_sent("b", T0).await.unwrap();
    journal.mark_sent("c", T0).await.unwrap();
    journal.mark_unknown("c", T0).await.unwrap();
    journal.mark_sent("d", T0).await.unwrap();
    journal.mark_acknowledged("d", "ex-d", T0).await.unwrap();
    journal.mark_failed("e", "rejected", T0).await.unwrap();
    // "Crash": drop without closing, then reopen.
    drop(db);
    let db = Database::open(dir.path().join("polyagent.db"))
        .await
        .unwrap();
    let unresolved: Vec<(String, IntentState)> = db
        .order_journal()
        .unresolved()
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.intent_id, i.state))
        .collect();
    assert_eq!(
        unresolved,
        vec![
            ("a".into(), IntentState::Pending),
            ("b".into(), IntentState::Sent),
            ("c".into(), IntentState::Unknown),
        ]
    );
}

fn fill(trade_id: &str, status: FillStatus) -> NewFill {
    NewFill {
        trade_id: trade_id.into(),
        exchange_order_id: "ex-1".into(),
        bot_id: Some("b1".into()),
        token_id: TOKEN.into(),
        side: Side::Buy,
        price: dec("0.52"),
        size: dec("10.00"),
        fee: dec("0.0100"),
        status,
        ts: T0,
    }
}

#[tokio::test]
async fn a_fill_reported_twice_is_stored_once() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let fills = db.fills();
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Matched), T0)
            .await
            .unwrap(),
        FillRecorded::Inserted
    );
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Matched), T0)
            .await
            .unwrap(),
        FillRecorded::Unchanged
    );
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Mined), T0)
            .await
            .unwrap(),
        FillRecorded::StatusAdvanced {
            from: FillStatus::Matched,
            to: FillStatus::Mined
        }
    );
    // A stale report does not move it back.
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Matched), T0)
            .await
            .unwrap(),
        FillRecorded::Unchanged
    );
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Confirmed), T0)
            .await
            .unwrap(),
        FillRecorded::StatusAdvanced {
            from: FillStatus::Mined,
            to: FillStatus::Confirmed
        }
    );
    assert_eq!(
        fills
            .record(&fill("tr-1", FillStatus::Failed), T0)
            .await
            .unwrap(),
        FillRecorded::Unchanged,
        "CONFIRMED is final"
    );
    let all = fills.list(None, T0, T0.plus_millis(1)).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, FillStatus::Confirmed);
    assert_eq!(all[0].fee.to_string(), "0.0100");
}

// ---------------------------------------------------------------------------------------------
// Activity

#[tokio::test]
async fn activity_pages_newest_first_with_filters() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    with_bot(&db, "b2").await;
    let log = db.activity();
    let kinds = [
        ActivityKind::Order,
        ActivityKind::Fill,
        ActivityKind::System,
    ];
    // 30 entries; every third timestamp repeats to exercise the seq tie-break.
    for i in 0..30i64 {
        log.append(&NewActivity {
            bot_id: match i % 3 {
                0 => Some("b1".into()),
                1 => Some("b2".into()),
                _ => None,
            },
            ts: T0.plus_millis(i / 2),
            kind: kinds[(i % 3) as usize],
            message: format!("entry {i}"),
            detail: Some(json!({"i": i})),
        })
        .await
        .unwrap();
    }

    // Page through everything, 7 at a time.
    let mut query = ActivityQuery::newest(7);
    let mut seen = Vec::new();
    loop {
        let page = log.page(&query).await.unwrap();
        seen.extend(page.entries.iter().map(|e| e.message.clone()));
        match page.next {
            Some(cursor) => query.before = Some(cursor),
            None => break,
        }
    }
    let expected: Vec<String> = (0..30).rev().map(|i| format!("entry {i}")).collect();
    assert_eq!(seen, expected);

    // A page boundary is stable when new entries arrive meanwhile.
    let first = log.page(&ActivityQuery::newest(5)).await.unwrap();
    log.append(&NewActivity {
        bot_id: None,
        ts: T0.plus_millis(1000),
        kind: ActivityKind::Error,
        message: "late".into(),
        detail: None,
    })
    .await
    .unwrap();
    let second = log
        .page(&ActivityQuery {
            before: first.next,
            ..ActivityQuery::newest(5)
        })
        .await
        .unwrap();
    assert_eq!(second.entries[0].message, "entry 24");

    // By bot and by kinds.
    let b1 = log
        .page(&ActivityQuery {
            bot_id: Some("b1".into()),
            ..ActivityQuery::newest(100)
        })
        .await
        .unwrap();
    assert_eq!(b1.entries.len(), 10);
    assert!(b1.entries.iter().all(|e| e.bot_id.as_deref() == Some("b1")));
    assert!(b1.next.is_none());
    let fills_and_errors = log
        .page(&ActivityQuery {
            kinds: vec![ActivityKind::Fill, ActivityKind::Error],
            ..ActivityQuery::newest(100)
        })
        .await
        .unwrap();
    assert_eq!(fills_and_errors.entries.len(), 11);
    assert_eq!(fills_and_errors.entries[0].message, "late");
    let b2_system = log
        .page(&ActivityQuery {
            bot_id: Some("b2".into()),
            kinds: vec![ActivityKind::System],
            ..ActivityQuery::newest(100)
        })
        .await
        .unwrap();
    assert!(b2_system.entries.is_empty());
    assert_eq!(fills_and_errors.entries[1].detail, Some(json!({"i": 28})));
}

// ---------------------------------------------------------------------------------------------
// CSV exports

#[tokio::test]
async fn csv_exports_escape_commas_quotes_and_newlines() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    db.activity()
        .append(&NewActivity {
            bot_id: Some("b1".into()),
            ts: Timestamp::from_millis(0),
            kind: ActivityKind::Spike,
            message: "price jumped, \"fast\"\nsecond line".into(),
            detail: Some(json!({"from": "0.40", "to": "0.55"})),
        })
        .await
        .unwrap();
    db.activity()
        .append(&NewActivity {
            bot_id: None,
            ts: Timestamp::from_millis(1),
            kind: ActivityKind::System,
            message: "=cmd|' /C calc'!A0".into(),
            detail: None,
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    let written = db.activity().export_csv(&mut out, None, &[]).await.unwrap();
    assert_eq!(written, 2);
    let csv = String::from_utf8(out).unwrap();
    assert_eq!(
        csv,
        "time,bot_id,kind,message,detail\r\n\
         1970-01-01T00:00:00.000Z,b1,spike,\"price jumped, \"\"fast\"\"\nsecond line\",\
         \"{\"\"from\"\":\"\"0.40\"\",\"\"to\"\":\"\"0.55\"\"}\"\r\n\
         1970-01-01T00:00:00.001Z,,system,'=cmd|' /C calc'!A0,\r\n"
    );

    let mut fill_with_commas = fill("trade,\"1\"", FillStatus::Confirmed);
    fill_with_commas.ts = Timestamp::from_millis(2);
    db.fills().record(&fill_with_commas, T0).await.unwrap();
    let mut out = Vec::new();
    db.fills()
        .export_csv(
            &mut out,
            Some("b1"),
            Timestamp::from_millis(0),
            Timestamp::from_millis(10),
        )
        .await
        .unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert_eq!(
        csv,
        format!(
            "time,trade_id,order_id,bot_id,token_id,side,price,size,fee,status\r\n\
             1970-01-01T00:00:00.002Z,\"trade,\"\"1\"\"\",ex-1,b1,{TOKEN},BUY,0.52,10.00,0.0100,CONFIRMED\r\n"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Price history

#[tokio::test]
async fn compaction_buckets_keep_close_high_and_low() {
    let (_dir, db) = fresh().await;
    let series = PriceSeries::Token(TOKEN.into());
    let history = db.price_history();
    // Aligned start: a whole hour.
    let start = Timestamp::from_millis(1_795_000_000_000 / 3_600_000 * 3_600_000);
    let prices = ["0.50", "0.58", "0.41", "0.47"];
    let ticks: Vec<PriceTick> = prices
        .iter()
        .enumerate()
        .map(|(i, p)| PriceTick {
            ts: start.plus_millis(i as i64 * 10_000),
            price: dec(p),
        })
        .collect();
    history.append_many(&series, &ticks).await.unwrap();
    // Two days later the minute is folded into one bucket; nine days later into an hour bucket.
    let report = history
        .compact(start.plus_millis(2 * 86_400_000))
        .await
        .unwrap();
    assert_eq!((report.raw_folded, report.buckets_written), (4, 1));
    let points = history
        .range(&series, start, start.plus_millis(3_600_000))
        .await
        .unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].resolution, Resolution::Minute);
    assert_eq!(points[0].ts, start);
    assert_eq!(
        (points[0].price, points[0].high, points[0].low),
        (dec("0.47"), dec("0.58"), dec("0.41"))
    );
    assert_eq!(points[0].close_ts, start.plus_millis(30_000));

    // A late tick for that minute is merged, not lost; compaction is idempotent.
    history
        .append(
            &series,
            PriceTick {
                ts: start.plus_millis(50_000),
                price: dec("0.60"),
            },
        )
        .await
        .unwrap();
    history
        .compact(start.plus_millis(2 * 86_400_000))
        .await
        .unwrap();
    history
        .compact(start.plus_millis(2 * 86_400_000))
        .await
        .unwrap();
    history
        .compact(start.plus_millis(9 * 86_400_000))
        .await
        .unwrap();
    let points = history
        .range(&series, start, start.plus_millis(3_600_000))
        .await
        .unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0].resolution, Resolution::Hour);
    assert_eq!(
        (points[0].price, points[0].high, points[0].low),
        (dec("0.60"), dec("0.60"), dec("0.41"))
    );
}

/// A year of one tick per second for one token, compacted hourly as the app does, stays within
/// 86 400 raw + 6 × 1 440 minute buckets + 358 × 24 hour buckets (≈ 103 700 rows, not 31.5 M).
///
/// Inserting 31.5 M rows would take minutes in a debug build, and compaction's row count does
/// not depend on how many ticks fall into a bucket, only on which buckets have any. So the
/// oldest 358 days get one tick per hour bucket (what survives compaction of their 1-second
/// ticks), days 2-7 one tick per minute bucket, and the last day the full 86 400 1-second ticks.
#[tokio::test]
async fn a_year_of_one_second_ticks_compacts_to_a_bounded_row_count() {
    const DAY: i64 = 86_400_000;
    let (_dir, db) = fresh().await;
    let series = PriceSeries::Token(TOKEN.into());
    let other = PriceSeries::Bot("b1".into());
    let history = db.price_history();
    let year_start = Timestamp::from_millis(1_767_225_600_000); // 2026-01-01T00:00:00Z
    let now = year_start.plus_millis(365 * DAY);
    let price = |i: i64| Decimal::new(40 + (i % 20), 2);

    let mut ticks = Vec::new();
    // Days 0..358: hourly. Raw ticks at every second would leave the same hour buckets.
    for hour in 0..358 * 24 {
        ticks.push(PriceTick {
            ts: year_start.plus_millis(hour * 3_600_000 + 1234),
            price: price(hour),
        });
    }
    history.append_many(&series, &ticks).await.unwrap();
    history
        .compact(year_start.plus_millis(359 * DAY))
        .await
        .unwrap();
    // Days 358..364: one tick per minute.
    ticks.clear();
    for minute in 0..6 * 1440 {
        ticks.push(PriceTick {
            ts: year_start.plus_millis(358 * DAY + minute * 60_000 + 999),
            price: price(minute),
        });
    }
    history.append_many(&series, &ticks).await.unwrap();
    history
        .compact(year_start.plus_millis(364 * DAY))
        .await
        .unwrap();
    // The last day: every second, appended and compacted hourly like the running app does.
    for hour in 0..24 {
        ticks.clear();
        for second in 0..3600 {
            ticks.push(PriceTick {
                ts: year_start.plus_millis(364 * DAY + hour * 3_600_000 + second * 1000),
                price: price(second),
            });
        }
        history.append_many(&series, &ticks).await.unwrap();
        history
            .compact(year_start.plus_millis(364 * DAY + (hour + 1) * 3_600_000))
            .await
            .unwrap();
    }
    // Another series is compacted independently.
    history
        .append(
            &other,
            PriceTick {
                ts: year_start,
                price: dec("0.5"),
            },
        )
        .await
        .unwrap();
    history.compact(now).await.unwrap();

    let rows = history.point_count(&series).await.unwrap();
    let bound = 86_400 + 6 * 1_440 + 358 * 24;
    assert!(rows <= bound, "{rows} rows > bound {bound}");
    assert_eq!(rows, bound, "every bucket that had ticks is kept");
    let year = history.range(&series, year_start, now).await.unwrap();
    assert_eq!(year.len() as u64, rows);
    let count = |r| year.iter().filter(|p| p.resolution == r).count();
    assert_eq!(count(Resolution::Raw), 86_400);
    assert_eq!(count(Resolution::Minute), 6 * 1_440);
    assert_eq!(count(Resolution::Hour), 358 * 24);
    assert!(
        year.windows(2).all(|w| w[0].ts < w[1].ts),
        "ordered, no overlap"
    );
    assert_eq!(history.point_count(&other).await.unwrap(), 1);
    assert_eq!(history.delete_series(&other).await.unwrap(), 1);
}

/// Every cell of the state table in the journal's module docs.
#[tokio::test]
async fn journal_transition_table_is_exhaustive() {
    #[derive(Debug, Clone, Copy)]
    enum Call {
        Sent,
        Acknowledged,
        Failed,
        Unknown,
    }
    use IntentState::*;
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let journal = db.order_journal();
    // How to reach each state from pending.
    let paths: [(IntentState, &[Call]); 5] = [
        (Pending, &[]),
        (Sent, &[Call::Sent]),
        (Unknown, &[Call::Sent, Call::Unknown]),
        (Acknowledged, &[Call::Sent, Call::Acknowledged]),
        (Failed, &[Call::Failed]),
    ];
    // Resulting state, or None when the call is refused.
    let table = |from: IntentState, call: Call| -> Option<IntentState> {
        match (from, call) {
            (Pending, Call::Sent) => Some(Sent),
            (Pending | Sent | Unknown, Call::Failed) => Some(Failed),
            (Pending | Sent | Unknown, Call::Unknown) => Some(Unknown),
            (Sent | Unknown, Call::Acknowledged) => Some(Acknowledged),
            (Acknowledged, Call::Acknowledged) => Some(Acknowledged),
            (Failed, Call::Failed) => Some(Failed),
            _ => None,
        }
    };
    let run = |id: String, call: Call| async move {
        match call {
            Call::Sent => journal.mark_sent(&id, T0).await,
            Call::Acknowledged => {
                journal
                    .mark_acknowledged(&id, &format!("ex-{id}"), T0)
                    .await
            }
            Call::Failed => journal.mark_failed(&id, "reason", T0).await,
            Call::Unknown => journal.mark_unknown(&id, T0).await,
        }
    };
    let mut n = 0;
    for (from, path) in paths {
        for call in [Call::Sent, Call::Acknowledged, Call::Failed, Call::Unknown] {
            n += 1;
            let id = format!("t{n}");
            journal.record_intent(&intent(&id), T0).await.unwrap();
            for step in path {
                run(id.clone(), *step).await.unwrap();
            }
            assert_eq!(journal.get(&id).await.unwrap().unwrap().state, from);
            let result = run(id.clone(), call).await;
            let state = journal.get(&id).await.unwrap().unwrap().state;
            match table(from, call) {
                Some(expected) => {
                    assert!(result.is_ok(), "{from} + {call:?}: {result:?}");
                    assert_eq!(state, expected, "{from} + {call:?}");
                }
                None => {
                    assert!(
                        matches!(result, Err(StoreError::InvalidTransition { .. })),
                        "{from} + {call:?} must be refused: {result:?}"
                    );
                    assert_eq!(state, from, "a refused call changes nothing");
                }
            }
        }
    }
}

#[tokio::test]
async fn an_intent_recorded_as_sending_is_sent_in_one_write() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let journal = db.order_journal();
    journal
        .record_sending(&intent("int-9"), Timestamp::from_millis(5))
        .await
        .unwrap();
    let stored = journal.get("int-9").await.unwrap().unwrap();
    assert_eq!(stored.state, IntentState::Sent);
    let unresolved = journal.unresolved().await.unwrap();
    assert_eq!(
        unresolved.len(),
        1,
        "a crash now leaves it for reconciliation"
    );
    journal
        .mark_acknowledged("int-9", "0xabc", Timestamp::from_millis(6))
        .await
        .unwrap();
    assert!(journal.unresolved().await.unwrap().is_empty());
}

#[tokio::test]
async fn armed_intents_are_sent_in_one_commit_and_retired_ones_fail() {
    let (_dir, db) = fresh().await;
    with_bot(&db, "b1").await;
    let journal = db.order_journal();
    let first = [intent("b1:1/a1-0.50"), intent("b1:1/a1-0.51")];
    journal
        .record_armed(&first, &[], "", Timestamp::from_millis(5))
        .await
        .unwrap();
    for armed in &first {
        let stored = journal.get(&armed.intent_id).await.unwrap().unwrap();
        assert_eq!(stored.state, IntentState::Sent, "its POST needs no write");
    }
    // Re-arming retires the old set in the same commit; one of it was sent meanwhile and
    // already settled, which retiring leaves alone.
    journal
        .mark_acknowledged("b1:1/a1-0.51", "0xsent", Timestamp::from_millis(6))
        .await
        .unwrap();
    let retire: Vec<String> = first.iter().map(|i| i.intent_id.clone()).collect();
    journal
        .record_armed(
            &[intent("b1:1/a2-0.49")],
            &retire,
            "armed, never sent",
            Timestamp::from_millis(7),
        )
        .await
        .unwrap();
    let state = |id: &'static str| {
        let journal = db.order_journal();
        async move { journal.get(id).await.unwrap().unwrap() }
    };
    let retired = state("b1:1/a1-0.50").await;
    assert_eq!(retired.state, IntentState::Failed);
    assert_eq!(retired.failure_reason.as_deref(), Some("armed, never sent"));
    assert_eq!(state("b1:1/a1-0.51").await.state, IntentState::Acknowledged);
    assert_eq!(state("b1:1/a2-0.49").await.state, IntentState::Sent);
    // A duplicate id refuses the whole set: nothing of it is armed.
    let refused = journal
        .record_armed(
            &[intent("b1:2/a3-0.40"), intent("b1:1/a2-0.49")],
            &[],
            "",
            Timestamp::from_millis(8),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::AlreadyExists { .. })),
        "{refused:?}"
    );
    assert!(journal.get("b1:2/a3-0.40").await.unwrap().is_none());
    journal
        .retire_armed(
            &["b1:1/a2-0.49".to_owned()],
            "disarmed",
            Timestamp::from_millis(9),
        )
        .await
        .unwrap();
    assert!(journal.unresolved().await.unwrap().is_empty());
}

#[tokio::test]
async fn row_counts_cover_every_table_and_follow_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(dir.path().join("p.db")).await.unwrap();
    let before = db.row_counts().await.unwrap();
    for table in ["activity", "bots", "fills", "settings", "wallets"] {
        assert_eq!(before.get(table), Some(&0), "{table}: {before:?}");
    }
    assert!(
        before
            .keys()
            .all(|t| !t.starts_with("sqlite_") && !t.starts_with("_sqlx"))
    );
    db.settings()
        .put("theme", &json!("dark"), Timestamp::from_millis(1))
        .await
        .unwrap();
    let after = db.row_counts().await.unwrap();
    assert_eq!(after["settings"], 1);
    assert_eq!(after.len(), before.len());
}
