//! Wallets: public data only (address, label, signature type, funder). The private key of a
//! wallet lives in the vault, keyed by the same address.
//!
//! Addresses are stored lowercase so lookups do not depend on EIP-55 checksum casing.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::StoreError;
use crate::database::Pools;
use crate::sql::{get_ts, is_unique_violation};
use crate::time::Timestamp;

/// How orders for this wallet are signed (Polymarket's `signatureType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureType {
    /// 0: a plain externally-owned account signs and funds.
    Eoa,
    /// 1: a Polymarket proxy wallet (email/Magic login) funded by `funder`.
    PolyProxy,
    /// 2: a Polymarket Gnosis Safe funded by `funder`.
    PolyGnosisSafe,
    /// 3: a Polymarket deposit wallet (CLOB V2) funded by `funder`.
    DepositWallet,
}

impl SignatureType {
    pub const fn code(self) -> i64 {
        match self {
            SignatureType::Eoa => 0,
            SignatureType::PolyProxy => 1,
            SignatureType::PolyGnosisSafe => 2,
            SignatureType::DepositWallet => 3,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(SignatureType::Eoa),
            1 => Some(SignatureType::PolyProxy),
            2 => Some(SignatureType::PolyGnosisSafe),
            3 => Some(SignatureType::DepositWallet),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    /// Lowercase `0x…` address.
    pub address: String,
    pub label: String,
    pub signature_type: SignatureType,
    /// The address holding the funds when it differs from the signer (proxy/safe wallets).
    pub funder: Option<String>,
    /// Imported as a test key: the only kind of wallet that may trade live on an exchange
    /// that is not Polymarket. False unless [`Wallets::mark_test_key`] was called.
    pub test_key: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The wallets table.
#[derive(Debug, Clone, Copy)]
pub struct Wallets<'db> {
    pools: &'db Pools,
}

impl<'db> Wallets<'db> {
    pub(crate) fn new(pools: &'db Pools) -> Self {
        Self { pools }
    }

    /// Adds a wallet; [`StoreError::AlreadyExists`] if the address is already known.
    pub async fn add(
        &self,
        address: &str,
        label: &str,
        signature_type: SignatureType,
        funder: Option<&str>,
        now: Timestamp,
    ) -> Result<Wallet, StoreError> {
        let address = address.to_ascii_lowercase();
        let funder = funder.map(str::to_ascii_lowercase);
        let result = sqlx::query(
            "INSERT INTO wallets (address, label, signature_type, funder, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&address)
        .bind(label)
        .bind(signature_type.code())
        .bind(&funder)
        .bind(now.as_millis())
        .bind(now.as_millis())
        .execute(&self.pools.writer)
        .await;
        match result {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::AlreadyExists {
                    what: "wallet",
                    id: address,
                });
            }
            other => other?,
        };
        Ok(Wallet {
            address,
            label: label.to_owned(),
            signature_type,
            funder,
            test_key: false,
            created_at: now,
            updated_at: now,
        })
    }

    /// Marks a wallet as imported from a test key (set once, at import; never cleared).
    pub async fn mark_test_key(&self, address: &str, now: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE wallets SET test_key = 1, updated_at = ? WHERE address = ?")
            .bind(now.as_millis())
            .bind(address.to_ascii_lowercase())
            .execute(&self.pools.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "wallet",
                id: address.to_owned(),
            });
        }
        Ok(())
    }

    pub async fn get(&self, address: &str) -> Result<Option<Wallet>, StoreError> {
        sqlx::query("SELECT * FROM wallets WHERE address = ?")
            .bind(address.to_ascii_lowercase())
            .fetch_optional(&self.pools.reader)
            .await?
            .map(|row| wallet_from_row(&row))
            .transpose()
    }

    pub async fn list(&self) -> Result<Vec<Wallet>, StoreError> {
        sqlx::query("SELECT * FROM wallets ORDER BY created_at, address")
            .fetch_all(&self.pools.reader)
            .await?
            .iter()
            .map(wallet_from_row)
            .collect()
    }

    /// Changes label, signature type and funder of an existing wallet.
    pub async fn update(
        &self,
        address: &str,
        label: &str,
        signature_type: SignatureType,
        funder: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE wallets SET label = ?, signature_type = ?, funder = ?, updated_at = ?
             WHERE address = ?",
        )
        .bind(label)
        .bind(signature_type.code())
        .bind(funder.map(str::to_ascii_lowercase))
        .bind(now.as_millis())
        .bind(address.to_ascii_lowercase())
        .execute(&self.pools.writer)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "wallet",
                id: address.to_owned(),
            });
        }
        Ok(())
    }

    /// Removes the wallet's public record (the caller removes the key from the vault).
    pub async fn delete(&self, address: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM wallets WHERE address = ?")
            .bind(address.to_ascii_lowercase())
            .execute(&self.pools.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "wallet",
                id: address.to_owned(),
            });
        }
        Ok(())
    }
}

fn wallet_from_row(row: &SqliteRow) -> Result<Wallet, StoreError> {
    let code: i64 = row.try_get("signature_type")?;
    Ok(Wallet {
        address: row.try_get("address")?,
        label: row.try_get("label")?,
        signature_type: SignatureType::from_code(code)
            .ok_or_else(|| crate::sql::corrupt("wallets.signature_type", &code.to_string()))?,
        funder: row.try_get("funder")?,
        test_key: row.try_get::<i64, _>("test_key")? == 1,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}
