-- Schema version 3.
-- * wallets.test_key: 1 for a wallet whose key was imported as a test key (issue #16): only such
--   wallets may trade live on an exchange that is not Polymarket (a simulator or the demo). Every
--   wallet from before is not a test key, so an upgrade never lets a real key trade off
--   Polymarket.

ALTER TABLE wallets ADD COLUMN test_key INTEGER NOT NULL DEFAULT 0 CHECK (test_key IN (0, 1));
