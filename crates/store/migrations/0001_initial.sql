-- Schema version 1.
-- Conventions (kept by every later migration):
-- * timestamps are INTEGER milliseconds since the Unix epoch (UTC), always supplied by the caller;
-- * money, prices, sizes and fees are exact decimals stored as TEXT (rust_decimal's canonical form),
--   never REAL, so nothing is ever rounded by the database;
-- * ids are TEXT supplied by the caller (ULID/UUID strings); token ids are TEXT (they exceed 64 bits);
-- * JSON columns are TEXT checked with json_valid().

CREATE TABLE bots (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    config      TEXT NOT NULL CHECK (json_valid(config)),
    status      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL CHECK (json_valid(value)),
    updated_at  INTEGER NOT NULL
) STRICT;

-- Public wallet data only. Private keys live in the vault, never here.
CREATE TABLE wallets (
    address         TEXT PRIMARY KEY NOT NULL,
    label           TEXT NOT NULL,
    signature_type  INTEGER NOT NULL CHECK (signature_type IN (0, 1, 2)),
    funder          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- The order journal: a row is written before the order leaves the process.
-- bot_id survives the bot's deletion as NULL: the journal is an audit trail.
CREATE TABLE order_intents (
    intent_id          TEXT PRIMARY KEY NOT NULL,
    bot_id             TEXT REFERENCES bots(id) ON DELETE SET NULL,
    client_order_id    TEXT NOT NULL UNIQUE,
    side               TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    token_id           TEXT NOT NULL,
    price              TEXT NOT NULL,
    size               TEXT NOT NULL,
    order_type         TEXT NOT NULL,
    state              TEXT NOT NULL
                       CHECK (state IN ('pending', 'sent', 'acknowledged', 'failed', 'unknown')),
    exchange_order_id  TEXT UNIQUE,
    failure_reason     TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX order_intents_by_state ON order_intents (state);
CREATE INDEX order_intents_by_bot ON order_intents (bot_id, created_at);

-- One row per exchange trade: the trade id is the idempotency key.
CREATE TABLE fills (
    trade_id           TEXT PRIMARY KEY NOT NULL,
    exchange_order_id  TEXT NOT NULL,
    bot_id             TEXT REFERENCES bots(id) ON DELETE SET NULL,
    token_id           TEXT NOT NULL,
    side               TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price              TEXT NOT NULL,
    size               TEXT NOT NULL,
    fee                TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('MATCHED', 'MINED', 'CONFIRMED', 'FAILED')),
    ts                 INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX fills_by_bot_ts ON fills (bot_id, ts);
CREATE INDEX fills_by_ts ON fills (ts);
CREATE INDEX fills_by_order ON fills (exchange_order_id);

-- A position belongs to its bot: deleting the bot deletes its positions.
CREATE TABLE positions (
    bot_id               TEXT NOT NULL REFERENCES bots(id) ON DELETE CASCADE,
    token_id             TEXT NOT NULL,
    size                 TEXT NOT NULL,
    average_entry_price  TEXT NOT NULL,
    realized_pnl         TEXT NOT NULL,
    fees_paid            TEXT NOT NULL,
    updated_at           INTEGER NOT NULL,
    PRIMARY KEY (bot_id, token_id)
) STRICT;

-- seq orders rows that share a timestamp and is the second half of the paging cursor.
CREATE TABLE activity (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id   TEXT REFERENCES bots(id) ON DELETE SET NULL,
    ts       INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('order', 'fill', 'spike', 'risk', 'error', 'system')),
    message  TEXT NOT NULL,
    detail   TEXT CHECK (detail IS NULL OR json_valid(detail))
) STRICT;
CREATE INDEX activity_by_ts ON activity (ts, seq);
CREATE INDEX activity_by_bot_ts ON activity (bot_id, ts, seq);
CREATE INDEX activity_by_kind_ts ON activity (kind, ts, seq);

-- Price history: one series per bot or per token. resolution_s = 0 is a raw tick (ts = tick time);
-- 60 and 3600 are buckets (ts = bucket start) that keep the last price (close, at close_ts) and the
-- bucket's high and low. No foreign key: a token series has no owner, and a deleted bot's chart
-- is removed explicitly by the caller if wanted.
CREATE TABLE price_history (
    series_kind   TEXT NOT NULL CHECK (series_kind IN ('bot', 'token')),
    series_key    TEXT NOT NULL,
    resolution_s  INTEGER NOT NULL CHECK (resolution_s IN (0, 60, 3600)),
    ts            INTEGER NOT NULL,
    close_ts      INTEGER NOT NULL,
    price         TEXT NOT NULL,
    high          TEXT NOT NULL,
    low           TEXT NOT NULL,
    PRIMARY KEY (series_kind, series_key, resolution_s, ts)
) STRICT, WITHOUT ROWID;
CREATE INDEX price_history_by_resolution_ts ON price_history (resolution_s, ts);
