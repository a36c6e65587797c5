//! The official clients' golden outputs (data/vectors/polymarket) pass the simulator's
//! verifier, and each one altered in a single field is refused with the right error.

use std::collections::HashMap;

use alloy_primitives::Address;
use polyagent_simulator::server::{
    AuthError, IssuedKey, KeyRegistry, OrderAuthError, domain_for, parse_order, verify_l1,
    verify_l2, verify_order,
};
use polyagent_venue::eip712::Chain;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../../data/vectors/polymarket/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn order_vectors() -> Vec<Value> {
    let mut all = Vec::new();
    for file in ["limit_orders_v2.json", "market_orders_v2.json"] {
        all.extend(load(file)["vectors"].as_array().unwrap().iter().cloned());
    }
    all
}

const SIGNER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DEPOSIT_WALLET: &str = "0x3333333333333333333333333333333333333333";

/// Runs the server's own order checks on one vector's posted body (or a tampered copy).
fn verify(
    vector: &Value,
    order: &Value,
    domain_override: Option<(&str, bool)>,
) -> Result<String, String> {
    let input = &vector["input"];
    let chain = Chain::from_id(input["chain_id"].as_u64().unwrap()).unwrap();
    let gamma_version = if input["version"].as_u64() == Some(3) {
        "v2"
    } else {
        "v1"
    };
    let (version, neg_risk) =
        domain_override.unwrap_or((gamma_version, input["neg_risk"].as_bool().unwrap()));
    let domain = domain_for(chain, version, neg_risk);
    let parsed = parse_order(order)?;
    let signer: Address = SIGNER.parse().unwrap();
    let wallet: Address = DEPOSIT_WALLET.parse().unwrap();
    let key_owner = if parsed.posted.order.signature_type.code() == 3 {
        wallet
    } else {
        signer
    };
    verify_order(&parsed.posted, domain, key_owner, chain, |w| {
        (w == wallet).then_some(signer)
    })
    .map(|digest| format!("{digest:#x}"))
    .map_err(|e| e.to_string())
}

fn posted_order(vector: &Value) -> Value {
    let body: Value = serde_json::from_str(vector["post_body"].as_str().unwrap()).unwrap();
    body["order"].clone()
}

#[test]
fn every_v2_and_v3_vector_is_accepted_with_its_digest_as_order_id() {
    let vectors = order_vectors();
    assert_eq!(vectors.len(), 15, "12 limit + 3 market orders");
    for vector in &vectors {
        let digest = verify(vector, &posted_order(vector), None)
            .unwrap_or_else(|e| panic!("{}: {e}", vector["id"]));
        assert_eq!(
            digest,
            vector["eip712"]["digest"].as_str().unwrap().to_lowercase(),
            "{}",
            vector["id"]
        );
    }
}

#[test]
fn each_vector_altered_in_one_field_is_refused() {
    for vector in order_vectors() {
        let id = vector["id"].as_str().unwrap().to_owned();
        let original = posted_order(&vector);
        let alter = |field: &str, value: Value| {
            let mut order = original.clone();
            order[field] = value;
            verify(&vector, &order, None)
        };
        let bump = |text: &str| (text.parse::<u128>().unwrap() + 1).to_string();

        // Price and size live in the amounts: any change breaks the signature.
        assert_eq!(
            alter(
                "makerAmount",
                bump(original["makerAmount"].as_str().unwrap()).into()
            ),
            Err("invalid signature".into()),
            "{id}: price"
        );
        assert_eq!(
            alter(
                "takerAmount",
                bump(original["takerAmount"].as_str().unwrap()).into()
            ),
            Err("invalid signature".into()),
            "{id}: size"
        );
        let flipped = if original["side"] == "BUY" {
            "SELL"
        } else {
            "BUY"
        };
        assert_eq!(
            alter("side", flipped.into()),
            Err("invalid signature".into()),
            "{id}: side"
        );

        // Another signer is not the API key's owner.
        let other = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
        assert_eq!(
            alter("signer", other.into()),
            Err(OrderAuthError::SignerNotKeyOwner.to_string()),
            "{id}: signer"
        );

        // The same order checked against another exchange's domain.
        let input = &vector["input"];
        let other_domain = if input["version"].as_u64() == Some(3) {
            ("v1", false)
        } else {
            ("v1", !input["neg_risk"].as_bool().unwrap())
        };
        assert_eq!(
            verify(&vector, &original, Some(other_domain)),
            Err("invalid signature".into()),
            "{id}: domain"
        );

        // One byte of the signature.
        let mut signature = original["signature"].as_str().unwrap().to_owned();
        let last = signature.pop().unwrap();
        signature.push(if last == '0' { '1' } else { '0' });
        let mut byte_flipped = original.clone();
        byte_flipped["signature"] = signature.into();
        assert_eq!(
            verify(&vector, &byte_flipped, None),
            Err("invalid signature".into()),
            "{id}: signature byte"
        );
    }
}

#[test]
fn a_v1_shaped_order_gets_the_version_mismatch_error() {
    let v1 = load("limit_orders_v2.json")["vectors"][0].clone();
    let mut order = posted_order(&v1);
    order["nonce"] = "0".into();
    order["feeRateBps"] = "0".into();
    let error = parse_order(&order).unwrap_err();
    assert!(error.contains("order_version_mismatch"), "{error}");
}

#[test]
fn l1_vectors_verify_and_a_changed_header_does_not() {
    for vector in load("l1_auth.json")["vectors"].as_array().unwrap() {
        let chain = Chain::from_id(vector["input"]["chain_id"].as_u64().unwrap()).unwrap();
        let headers: HashMap<String, String> = vector["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.as_str().unwrap().to_owned()))
            .collect();
        let (address, nonce) = verify_l1(&headers, chain).unwrap();
        assert_eq!(address, SIGNER.parse::<Address>().unwrap());
        assert_eq!(nonce, vector["input"]["nonce"].as_u64().unwrap());
        let mut stale = headers.clone();
        let ts: u64 = stale["poly_timestamp"].parse().unwrap();
        stale.insert("poly_timestamp".into(), (ts + 1).to_string());
        assert_eq!(verify_l1(&stale, chain), Err(AuthError::InvalidL1));
    }
}

#[test]
fn l2_vectors_verify_over_the_raw_body_and_a_changed_byte_does_not() {
    let file = load("l2_hmac.json");
    let mut registry = KeyRegistry::new([0; 32]);
    let key = "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00";
    for vector in file["vectors"].as_array().unwrap() {
        let input = &vector["input"];
        registry.insert(IssuedKey {
            api_key: key.into(),
            address: SIGNER.parse().unwrap(),
            secret: input["secret"].as_str().unwrap().into(),
            passphrase: "pass".into(),
        });
        let headers: HashMap<String, String> = [
            ("poly_api_key", key.to_owned()),
            ("poly_passphrase", "pass".into()),
            ("poly_address", SIGNER.into()),
            ("poly_timestamp", input["timestamp"].to_string()),
            (
                "poly_signature",
                vector["signature"].as_str().unwrap().into(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let method = input["method"].as_str().unwrap();
        let path = input["request_path"].as_str().unwrap();
        let body = input["body"].as_str().unwrap_or("").as_bytes().to_vec();
        assert!(
            verify_l2(&registry, &headers, method, path, &body).is_ok(),
            "{}",
            vector["signed_message_python"]
        );
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert_eq!(
            verify_l2(&registry, &headers, method, path, &tampered).unwrap_err(),
            AuthError::InvalidApiKey
        );
        let mut wrong_pass = headers.clone();
        wrong_pass.insert("poly_passphrase".into(), "nope".into());
        assert_eq!(
            verify_l2(&registry, &wrong_pass, method, path, &body).unwrap_err(),
            AuthError::InvalidApiKey
        );
    }
}
