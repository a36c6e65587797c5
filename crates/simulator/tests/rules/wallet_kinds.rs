//! §13.7: an account that must use a deposit wallet has its EOA orders refused, and a deposit
//! wallet that is not deployed yet has every order refused, each with production's text.

use polyagent_domain::trading::{OrderType, Side, SignatureType};
use polyagent_simulator::scenario::DepositWalletSpec;
use serde_json::json;

use super::common::*;
use super::error_of;

const EOA_REFUSED: &str = "maker address not allowed, please use the deposit wallet flow";
const NOT_DEPLOYED: &str = "the order signer address has to be the address of the API KEY";
const WALLET: &str = "0x00000000000000000000000000000000000d3b05";

#[tokio::test]
async fn an_account_that_must_use_a_deposit_wallet_is_refused_as_an_eoa_maker() {
    let mut scenario = scenario();
    scenario.wallets[1].deposit_wallet_required = true; // bob
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    let bob = sim.trader(BOB_KEY).await;
    let alice = sim.trader(ALICE_KEY).await;
    let order = || limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc);
    let (status, answer, _) = bob.post(&sim, order()).await;
    assert_eq!((status, error_of(&answer)), (400, EOA_REFUSED));
    assert_eq!(
        alice.post(&sim, order()).await.0,
        200,
        "only the flagged account"
    );

    // Flipped at run time.
    let flag = |address: String, required: bool| json!({"address": address, "deposit_wallet_required": required});
    sim.admin("wallet-rules", flag(bob.address(), false)).await;
    assert_eq!(bob.post(&sim, order()).await.0, 200);
    sim.admin("wallet-rules", flag(alice.address(), true)).await;
    let (status, answer, _) = alice.post(&sim, order()).await;
    assert_eq!((status, error_of(&answer)), (400, EOA_REFUSED));
}

#[tokio::test]
async fn a_deposit_wallet_trades_only_once_it_is_deployed() {
    let alice_address = {
        let key = polyagent_domain::secret::PrivateKey::from_hex(ALICE_KEY).unwrap();
        format!(
            "{:#x}",
            polyagent_venue::signing::OrderSigner::new(&key)
                .unwrap()
                .address()
        )
    };
    let mut scenario = scenario();
    scenario.deposit_wallets.push(DepositWalletSpec {
        wallet: WALLET.into(),
        owner: alice_address.clone(),
        deployed: false,
    });
    // The owner account must use its deposit wallet: it is the way it trades.
    scenario.wallets[0].deposit_wallet_required = true;
    let sim = TestSim::start_with(scenario).await;
    let (yes, _) = sim.tokens("test-market").await;
    sim.admin("fund", json!({"address": WALLET, "pusd": "100"}))
        .await;
    let wallet = sim.deposit_trader(ALICE_KEY, WALLET).await;
    let order = || {
        let mut spec = limit(&yes, Side::Buy, "0.40", "5", OrderType::Gtc);
        spec.signature_type = SignatureType::Poly1271;
        spec.funder = Some(WALLET.parse().unwrap());
        spec
    };
    let (status, answer, _) = wallet.post(&sim, order()).await;
    assert_eq!((status, error_of(&answer)), (400, NOT_DEPLOYED));

    sim.admin(
        "deposit-wallet",
        json!({"wallet": WALLET, "owner": alice_address, "deployed": true}),
    )
    .await;
    let (status, answer, _) = wallet.post(&sim, order()).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("live")),
        "{answer}"
    );

    // Registering without `deployed` means a deployed wallet (the route's old meaning).
    sim.admin(
        "deposit-wallet",
        json!({"wallet": WALLET, "owner": alice_address, "deployed": false}),
    )
    .await;
    assert_eq!(wallet.post(&sim, order()).await.0, 400);
    sim.admin(
        "deposit-wallet",
        json!({"wallet": WALLET, "owner": alice_address}),
    )
    .await;
    assert_eq!(wallet.post(&sim, order()).await.0, 200);
}
