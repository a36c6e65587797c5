//! Wallets: keys in the vault, public data in the store, and one authenticated exchange client
//! per wallet.
//!
//! Invariants:
//! - keys never leave this module except into an [`OrderSigner`]; what it returns carries
//!   addresses, labels and signature types only ([`WalletInfo`]);
//! - a wallet is in the store if and only if its key is in the vault: import and generate
//!   write the vault first (the key is what cannot be recreated), and a store row without a
//!   key is reported as such rather than hidden;
//! - one [`AuthedClient`] per wallet address, shared by every bot trading from it, so its
//!   rate budget and heartbeats are per wallet as Polymarket counts them.

use std::collections::HashMap;
use std::sync::Arc;

use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::text::quoted;
use polyagent_domain::trading::SignatureType;
use polyagent_store::Database;
use polyagent_vault::{Address, Vault, VaultConfig, VaultError, VaultMode};
use polyagent_venue::client::{AuthedClient, PublicClient};
use polyagent_venue::signing::OrderSigner;
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};

/// A wallet as the UI and the CLI see it: public data only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WalletInfo {
    /// Lowercase `0x…` address.
    pub address: String,
    pub label: String,
    /// 0 EOA, 1 proxy, 2 Safe, 3 deposit wallet.
    pub signature_type: u8,
    pub funder: Option<String>,
    /// False when the store knows the wallet but the vault has no key for it.
    pub has_key: bool,
    /// Imported as a test key (`Runtime::import_test_key`): the only wallets that may trade
    /// live on an exchange that is not Polymarket.
    pub test_key: bool,
    /// Ids of the bots trading from this wallet (the UI warns when two live bots share one).
    pub used_by: Vec<String>,
    /// Polymarket's per-wallet order limit tier (PROTOCOL.md §13.3), while the wallet is
    /// connected to the exchange and the exchange has named it; `None` otherwise.
    pub rate_limit_tier: Option<crate::rate_tier::RateLimitTierView>,
    /// A generated wallet whose key the user has not confirmed saving: it cannot trade live.
    #[serde(default)]
    pub needs_backup: bool,
}

/// Whether keys can be used now, and how the vault keeps its data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatus {
    /// `missing` (no vault yet), `locked` (the passphrase is needed) or `open`.
    pub state: String,
    /// `keychain` (the OS keychain holds the data key) or `passphrase` (asked at each start).
    pub mode: Option<String>,
    /// Why the passphrase is needed, in words, when it is.
    pub detail: Option<String>,
}

pub(crate) enum VaultSlot {
    Missing,
    Locked(String),
    Open(Box<Vault>),
}

/// Opens the vault the way the config allows: keychain first, then the passphrase given.
pub(crate) fn open_vault(config: &VaultConfig, passphrase: Option<&SecretString>) -> VaultSlot {
    if !Vault::exists(config) {
        // A headless first run creates the vault from the given passphrase: the rule for a new
        // passphrase applies to it as to one typed in the window.
        let checked = passphrase.map(|p| {
            crate::passphrase_policy::new_passphrase(p.expose_str())
                .map_err(|e| e.message)
                .and_then(|p| Vault::create(config, &p).map_err(|e| e.to_string()))
        });
        return match checked {
            Some(Ok(vault)) => VaultSlot::Open(Box::new(vault)),
            Some(Err(error)) => VaultSlot::Locked(error.to_string()),
            None => VaultSlot::Missing,
        };
    }
    match Vault::open(config) {
        Ok(vault) => VaultSlot::Open(Box::new(vault)),
        Err(first) => match passphrase.map(|p| Vault::open_with_passphrase(config, p)) {
            Some(Ok(vault)) => VaultSlot::Open(Box::new(vault)),
            Some(Err(error)) => VaultSlot::Locked(error.to_string()),
            None => VaultSlot::Locked(first.to_string()),
        },
    }
}

impl VaultSlot {
    pub(crate) fn status(&self) -> VaultStatus {
        match self {
            VaultSlot::Missing => VaultStatus {
                state: "missing".into(),
                mode: None,
                detail: None,
            },
            VaultSlot::Locked(why) => VaultStatus {
                state: "locked".into(),
                mode: Some("passphrase".into()),
                detail: Some(why.clone()),
            },
            VaultSlot::Open(vault) => VaultStatus {
                state: "open".into(),
                mode: Some(
                    match vault.mode() {
                        VaultMode::Keychain => "keychain",
                        VaultMode::Passphrase(_) => "passphrase",
                    }
                    .into(),
                ),
                detail: match vault.mode() {
                    VaultMode::Keychain => None,
                    VaultMode::Passphrase(problem) => Some(problem.to_string()),
                },
            },
        }
    }

    pub(crate) fn vault(&mut self) -> Result<&mut Vault, ApiError> {
        match self {
            VaultSlot::Open(vault) => Ok(vault),
            VaultSlot::Locked(_) => Err(ApiError::new(
                ErrorCode::VaultLocked,
                "the vault is locked: enter its passphrase first",
            )),
            VaultSlot::Missing => Err(ApiError::new(
                ErrorCode::VaultMissing,
                "there is no vault yet: create one with a passphrase first",
            )),
        }
    }
}

pub(crate) fn vault_error(error: &VaultError) -> ApiError {
    let code = match error {
        VaultError::WrongPassphrase | VaultError::PassphraseRequired(_) => ErrorCode::VaultLocked,
        VaultError::NoVault(_) => ErrorCode::VaultMissing,
        VaultError::KeyNotFound(_) => ErrorCode::WalletNotFound,
        VaultError::KeyAlreadyExists(_) | VaultError::AlreadyExists(_) => ErrorCode::Conflict,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, error.to_string())
}

pub(crate) fn store_error(error: &polyagent_store::StoreError) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("the database failed: {error}"))
}

/// An address typed or stored as text. The error never quotes the text: a funder field is
/// where a private key gets pasted by mistake.
pub(crate) fn parse_address(text: &str) -> Result<Address, ApiError> {
    text.trim().parse::<Address>().map_err(|_| {
        let message = if polyagent_domain::text::holds_private_key(text) {
            format!("this {}", polyagent_domain::text::PRIVATE_KEY_REFUSED)
        } else {
            format!(
                "not a wallet address (0x + 40 hex digits; this has {} characters)",
                text.trim().chars().count()
            )
        };
        ApiError::new(ErrorCode::InvalidInput, message)
    })
}

pub(crate) fn signature_type(code: u8) -> Result<SignatureType, ApiError> {
    match code {
        0 => Ok(SignatureType::Eoa),
        1 => Ok(SignatureType::PolyProxy),
        2 => Ok(SignatureType::PolyGnosisSafe),
        3 => Ok(SignatureType::Poly1271),
        other => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "signature type must be 0 (EOA), 1 (proxy), 2 (Safe) or 3 (deposit wallet), not {other}"
            ),
        )),
    }
}

fn store_signature_type(code: u8) -> polyagent_store::SignatureType {
    match code {
        1 => polyagent_store::SignatureType::PolyProxy,
        2 => polyagent_store::SignatureType::PolyGnosisSafe,
        3 => polyagent_store::SignatureType::DepositWallet,
        _ => polyagent_store::SignatureType::Eoa,
    }
}

fn info(wallet: &polyagent_store::Wallet, has_key: bool) -> WalletInfo {
    WalletInfo {
        address: wallet.address.clone(),
        label: wallet.label.clone(),
        signature_type: u8::try_from(wallet.signature_type.code()).unwrap_or(0),
        funder: wallet.funder.clone(),
        has_key,
        test_key: wallet.test_key,
        used_by: Vec::new(),
        rate_limit_tier: None,
        needs_backup: false,
    }
}

/// Every wallet the store knows, with whether its key is in the (open) vault.
pub(crate) async fn list(
    db: &Database,
    vault: &std::sync::Mutex<VaultSlot>,
) -> Result<Vec<WalletInfo>, ApiError> {
    let rows = db.wallets().list().await.map_err(|e| store_error(&e))?;
    let vault = vault
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let vault = &*vault;
    Ok(rows
        .iter()
        .map(|w| {
            let has_key = match (vault, w.address.parse::<Address>()) {
                (VaultSlot::Open(v), Ok(address)) => v.contains(address),
                _ => false,
            };
            info(w, has_key)
        })
        .collect())
}

/// Finds a wallet by address or label (labels compare case-insensitively).
pub(crate) async fn find(db: &Database, name: &str) -> Result<polyagent_store::Wallet, ApiError> {
    let rows = db.wallets().list().await.map_err(|e| store_error(&e))?;
    let name = name.trim();
    rows.into_iter()
        .find(|w| w.address.eq_ignore_ascii_case(name) || w.label.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::WalletNotFound,
                format!("no wallet named {}", quoted(name)),
            )
        })
}

/// The longest wallet label, in characters.
const LABEL_CHARS: usize = 64;

fn check_label(label: &str) -> Result<String, ApiError> {
    if let Some(problem) = polyagent_domain::text::name_problem(label, LABEL_CHARS) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("a wallet label {problem} (1 to {LABEL_CHARS} characters)"),
        ));
    }
    Ok(label.trim().to_owned())
}

/// Relabels a wallet (labels stay unique, case-insensitively).
pub(crate) async fn rename(
    db: &Database,
    address_or_label: &str,
    label: &str,
    now: polyagent_store::Timestamp,
) -> Result<(), ApiError> {
    let label = check_label(label)?;
    let wallet = find(db, address_or_label).await?;
    let rows = db.wallets().list().await.map_err(|e| store_error(&e))?;
    if rows
        .iter()
        .any(|w| w.address != wallet.address && w.label.eq_ignore_ascii_case(&label))
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("a wallet is already labelled {}", quoted(&label)),
        ));
    }
    db.wallets()
        .update(
            &wallet.address,
            &label,
            wallet.signature_type,
            wallet.funder.as_deref(),
            now,
        )
        .await
        .map_err(|e| store_error(&e))
}

/// Adds a key to the vault and the wallet to the store.
pub(crate) async fn add(
    db: &Database,
    vault: &std::sync::Mutex<VaultSlot>,
    key: Option<&PrivateKey>,
    label: &str,
    signature_code: u8,
    funder: Option<&str>,
    now: polyagent_store::Timestamp,
) -> Result<WalletInfo, ApiError> {
    let label = check_label(label)?;
    signature_type(signature_code)?;
    let funder = match funder.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(format!("{:#x}", parse_address(f)?)),
        None => None,
    };
    if signature_code == 0 && funder.is_some() {
        // Kept, it would be silently ignored: an EOA holds its own pUSD.
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "a plain key wallet (signature type 0) holds its own pUSD: leave the funder out",
        ));
    }
    if signature_code != 0 && funder.is_none() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "proxy, Safe and deposit wallets need the funder address (the wallet that holds the pUSD)",
        ));
    }
    let labels = db.wallets().list().await.map_err(|e| store_error(&e))?;
    if labels.iter().any(|w| w.label.eq_ignore_ascii_case(&label)) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("a wallet is already labelled {}", quoted(&label)),
        ));
    }
    // The vault is locked only for the (synchronous) key write, never across an await.
    let address = {
        let mut slot = vault
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let vault = slot.vault()?;
        match key {
            Some(key) => vault.import_key(key),
            None => vault.generate_key(),
        }
        .map_err(|e| vault_error(&e))?
    };
    let address = format!("{address:#x}");
    let wallet = db
        .wallets()
        .add(
            &address,
            &label,
            store_signature_type(signature_code),
            funder.as_deref(),
            now,
        )
        .await
        .map_err(|e| store_error(&e))?;
    Ok(info(&wallet, true))
}

/// Exchange clients per wallet address, created on first use, each with the router of its
/// user WebSocket (see [`crate::routing`]).
#[derive(Default)]
pub(crate) struct Clients {
    by_address: HashMap<String, Connected>,
}

/// A wallet's exchange client and the router of its user feed.
#[derive(Clone)]
pub(crate) struct Connected {
    pub client: Arc<AuthedClient>,
    pub fills: crate::routing::FillRouter,
}

impl Clients {
    pub(crate) fn addresses(&self) -> Vec<String> {
        self.by_address.keys().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.by_address.clear();
    }

    pub(crate) fn get(&self, address: &str) -> Option<Connected> {
        self.by_address.get(address).cloned()
    }

    pub(crate) fn insert(&mut self, address: &str, connected: Connected) -> Connected {
        self.by_address
            .entry(address.to_owned())
            .or_insert(connected)
            .clone()
    }
}

/// Connects a wallet to the exchange: derives (or creates) its API key with an L1 signature.
pub(crate) async fn connect(
    public: PublicClient,
    signer: OrderSigner,
    wallet: &polyagent_store::Wallet,
) -> Result<Arc<AuthedClient>, ApiError> {
    let kind = signature_type(u8::try_from(wallet.signature_type.code()).unwrap_or(0))?;
    let client = AuthedClient::connect(public, signer, kind, 0)
        .await
        .map_err(|e| {
            ApiError::new(
                ErrorCode::VenueUnavailable,
                format!(
                    "could not sign in to the exchange with {}: {e}",
                    wallet.address
                ),
            )
        })?;
    Ok(Arc::new(client))
}

/// The signer for a wallet; the key stays inside it.
pub(crate) fn signer(vault: &Vault, address: &str) -> Result<OrderSigner, ApiError> {
    let key = vault
        .signing_key(parse_address(address)?)
        .map_err(|e| vault_error(&e))?;
    OrderSigner::new(&key).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
}

/// A new vault passphrase, checked by the policy (see [`crate::passphrase_policy`]).
pub(crate) fn passphrase(text: &str) -> Result<SecretString, ApiError> {
    crate::passphrase_policy::new_passphrase(text)
}

pub(crate) fn create_vault(
    config: &VaultConfig,
    passphrase: &SecretString,
) -> Result<Vault, ApiError> {
    Vault::create(config, passphrase).map_err(|e| vault_error(&e))
}

pub(crate) fn unlock_vault(
    config: &VaultConfig,
    passphrase: &SecretString,
) -> Result<Vault, ApiError> {
    Vault::open_with_passphrase(config, passphrase).map_err(|e| vault_error(&e))
}

/// A wallet's pUSD on the exchange and whether the exchange contracts may spend it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WalletBalance {
    pub address: String,
    pub pusd: String,
    /// Every exchange contract has an allowance above zero: buys can settle.
    pub allowance_ok: bool,
}

impl crate::Runtime {
    /// The wallet's pUSD balance and allowance, asked of the exchange now.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VAULT_LOCKED`; `VENUE_UNAVAILABLE`.
    pub async fn wallet_balance(&self, address_or_label: &str) -> Result<WalletBalance, ApiError> {
        let wallet = find(self.db(), address_or_label).await?;
        let client = self.client_for(&wallet.address).await?;
        let answer = client
            .balance_allowance(&polyagent_venue::types::AssetType::Collateral)
            .await
            .map_err(|e| crate::restore::venue_error(&e))?;
        Ok(WalletBalance {
            address: wallet.address,
            pusd: answer.balance.normalize().to_string(),
            allowance_ok: !answer.allowances.is_empty()
                && answer.allowances.iter().all(|(_, a)| !a.is_zero()),
        })
    }
}
