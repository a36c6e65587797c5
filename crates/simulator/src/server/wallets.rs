//! Who may make orders (PROTOCOL.md §13.7): accounts that must use a deposit wallet (an EOA
//! maker, signature type 0, is refused) and deposit wallets that are registered but not yet
//! deployed (every POLY_1271 order of theirs is refused), both with production's texts. Set
//! by the scenario and at run time through `POST /admin/deposit-wallet` and
//! `POST /admin/wallet-rules`.

// Handlers return early with a ready `Response` on refusal; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use alloy_primitives::Address;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use polyagent_domain::trading::SignatureType;
use polyagent_venue::eip712::OrderV2;
use serde::Deserialize;
use serde_json::json;

use super::Shared;
use super::http::{address_text, bad_request, json_ok};

/// The wallet rules in force.
#[derive(Debug, Default)]
pub struct WalletRules {
    /// Deposit wallet -> the EOA that owns (signs for) it.
    pub owners: HashMap<Address, Address>,
    /// Deposit wallets registered but not deployed yet.
    pub undeployed: HashSet<Address>,
    /// Accounts (EOAs) that may not be an order's maker: they must use a deposit wallet.
    pub deposit_wallet_required: HashSet<Address>,
}

/// Why an order's wallet may not trade; `Display` is production's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletRefusal {
    #[error("maker address not allowed, please use the deposit wallet flow")]
    MakerNotAllowed,
    /// Production's answer for a deposit wallet without code on chain (the signature cannot
    /// be checked against it).
    #[error("the order signer address has to be the address of the API KEY")]
    NotDeployed,
}

impl WalletRules {
    /// Checks an order's maker and signature type against the rules.
    pub fn check(&self, order: &OrderV2) -> Result<(), WalletRefusal> {
        match order.signature_type {
            SignatureType::Eoa if self.deposit_wallet_required.contains(&order.maker) => {
                Err(WalletRefusal::MakerNotAllowed)
            }
            SignatureType::Poly1271 if self.undeployed.contains(&order.maker) => {
                Err(WalletRefusal::NotDeployed)
            }
            _ => Ok(()),
        }
    }

    /// Registers (or re-registers) a deposit wallet; `deployed: true` deploys it.
    pub fn register(&mut self, wallet: Address, owner: Address, deployed: bool) {
        self.owners.insert(wallet, owner);
        if deployed {
            self.undeployed.remove(&wallet);
        } else {
            self.undeployed.insert(wallet);
        }
    }
}

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/admin/deposit-wallet", post(admin_deposit_wallet))
        .route("/admin/wallet-rules", post(admin_wallet_rules))
}

fn admin_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| bad_request(&format!("invalid admin request: {e}")))
}

fn yes() -> bool {
    true
}

async fn admin_deposit_wallet(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Register {
        wallet: String,
        owner: String,
        #[serde(default = "yes")]
        deployed: bool,
    }
    let register: Register = or_respond!(admin_body(&body));
    let (Ok(wallet), Ok(owner)) = (
        register.wallet.parse::<Address>(),
        register.owner.parse::<Address>(),
    ) else {
        return bad_request("wallet and owner must be 0x addresses");
    };
    shared
        .lock()
        .wallet_rules
        .register(wallet, owner, register.deployed);
    json_ok(
        json!({"wallet": address_text(wallet), "owner": address_text(owner), "deployed": register.deployed})
            .to_string(),
    )
}

async fn admin_wallet_rules(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    struct Rules {
        address: String,
        deposit_wallet_required: bool,
    }
    let rules: Rules = or_respond!(admin_body(&body));
    let Ok(address) = rules.address.parse::<Address>() else {
        return bad_request("address must be a 0x address");
    };
    let mut sim = shared.lock();
    let required = &mut sim.wallet_rules.deposit_wallet_required;
    if rules.deposit_wallet_required {
        required.insert(address);
    } else {
        required.remove(&address);
    }
    json_ok(
        json!({"address": address_text(address), "deposit_wallet_required": rules.deposit_wallet_required})
            .to_string(),
    )
}
