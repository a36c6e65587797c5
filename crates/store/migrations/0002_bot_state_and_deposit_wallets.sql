-- Schema version 2.
-- * bots.state: the runtime's saved bot (engine state, execution mode, paper account) as JSON,
--   written in the same transaction as the fills and journal updates it reflects, so a restart
--   resumes from a consistent point. NULL for a bot saved by version 1 (restored from config).
-- * wallets: signature type 3 (Polymarket deposit wallet, CLOB V2). SQLite cannot alter a CHECK
--   constraint, so the table is rebuilt with its rows.

ALTER TABLE bots ADD COLUMN state TEXT CHECK (state IS NULL OR json_valid(state));

CREATE TABLE wallets_v2 (
    address         TEXT PRIMARY KEY NOT NULL,
    label           TEXT NOT NULL,
    signature_type  INTEGER NOT NULL CHECK (signature_type IN (0, 1, 2, 3)),
    funder          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
INSERT INTO wallets_v2 (address, label, signature_type, funder, created_at, updated_at)
    SELECT address, label, signature_type, funder, created_at, updated_at FROM wallets;
DROP TABLE wallets;
ALTER TABLE wallets_v2 RENAME TO wallets;
