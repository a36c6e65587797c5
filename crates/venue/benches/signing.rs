//! Per-operation cost of the signing core, against the floor of a bare secp256k1 sign of
//! a precomputed digest plus the keccak struct hash.
//!
//! - `floor-libsecp256k1/…`: what any implementation must pay (libsecp256k1, which
//!   `OrderSigner` uses); `floor-k256/…`: the same with alloy's default k256 backend;
//! - `order/build+sign+body`: amounts from decimals, order struct, hash, sign, POST body;
//! - `order/build_from_input`: the same from vector-shaped JSON (parse + key setup included);
//! - `l2/headers`: HMAC headers for one `POST /order` body;
//! - `floor-hmac/l2_signature`: the floor under it, a bare HMAC-SHA256 of the same message with
//!   the secret already decoded, base64url-encoded.

use std::hint::black_box;

use alloy_primitives::{B256, U256};
use base64::Engine;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use k256::ecdsa::SigningKey;
use polyagent_domain::money::{Price, Shares};
use polyagent_domain::secret::{PrivateKey, SecretString};
use polyagent_domain::trading::{OrderType, Side, SignatureType, TickSize, TokenId};
use polyagent_venue::amounts::limit_order_amounts;
use polyagent_venue::auth::{HttpMethod, L2Credentials};
use polyagent_venue::eip712::{Chain, Exchange, ExchangeDomain, OrderV2};
use polyagent_venue::order_build::{OrderSize, OrderSpec, build_from_input};
use polyagent_venue::signing::OrderSigner;
use polyagent_venue::wire::PostOrderRequest;
use rust_decimal::Decimal;
use sha2::Sha256;

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TOKEN: &str = "71321045679252212594626385532706912750332728571942532289631379312455583992563";
const INPUT: &str = r#"{"version":2,"chain_id":137,"neg_risk":false,"tick_size":"0.01","token_id":"71321045679252212594626385532706912750332728571942532289631379312455583992563","side":"BUY","price":0.57,"size":10.5,"signature_type":0,"funder":null,"salt":1234567890,"timestamp":1767225600001,"expiration":0,"metadata":"0x0000000000000000000000000000000000000000000000000000000000000000","builder_code":"0x0000000000000000000000000000000000000000000000000000000000000000","order_type":"GTC","post_only":false,"defer_exec":false,"api_creds":{"key":"3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00","secret":"CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=","passphrase":"test-passphrase-0123456789abcdef"},"l2_timestamp":1767225600}"#;

fn spec() -> OrderSpec {
    OrderSpec {
        chain: Chain::Polygon,
        exchange: Exchange::CtfV2,
        tick_size: TickSize::Hundredth,
        token_id: TokenId::new(TOKEN).unwrap(),
        side: Side::Buy,
        size: OrderSize::Limit {
            price: Price::new(Decimal::new(57, 2)).unwrap(),
            size: Shares::new(Decimal::new(105, 1)).unwrap(),
        },
        signature_type: SignatureType::Eoa,
        funder: None,
        salt: 1_234_567_890,
        timestamp_ms: 1_767_225_600_001,
        expiration: 0,
        metadata: B256::ZERO,
        builder: B256::ZERO,
        order_type: OrderType::Gtc,
        post_only: false,
        defer_exec: false,
    }
}

fn benches(c: &mut Criterion) {
    let key = PrivateKey::from_hex(KEY).unwrap();
    let signer = OrderSigner::new(&key).unwrap();
    let spec = spec();

    let order = OrderV2 {
        salt: 1_234_567_890,
        maker: signer.address(),
        signer: signer.address(),
        token_id: U256::from_str_radix(TOKEN, 10).unwrap(),
        maker_amount: 5_985_000,
        taker_amount: 10_500_000,
        side: Side::Buy,
        signature_type: SignatureType::Eoa,
        timestamp_ms: 1_767_225_600_001,
        metadata: B256::ZERO,
        builder: B256::ZERO,
    };
    let domain = ExchangeDomain::get(Chain::Polygon, Exchange::CtfV2);
    let bare_key = SigningKey::from_bytes(key.expose_bytes().into()).unwrap();
    c.bench_function("floor-k256/struct_hash+digest+sign", |b| {
        b.iter(|| {
            let digest = domain.digest(&black_box(&order).struct_hash());
            black_box(
                bare_key
                    .sign_prehash_recoverable(digest.as_slice())
                    .unwrap(),
            )
        })
    });

    let libsecp = secp256k1::SecretKey::from_byte_array(key.expose_bytes()).unwrap();
    let context = secp256k1::Secp256k1::signing_only();
    c.bench_function("floor-libsecp256k1/struct_hash+digest+sign", |b| {
        b.iter(|| {
            let digest = domain.digest(&black_box(&order).struct_hash());
            let message = secp256k1::Message::from_digest(digest.0);
            black_box(context.sign_ecdsa_recoverable(&message, &libsecp))
        })
    });

    c.bench_function("order/build+sign+body", |b| {
        b.iter(|| {
            let (signed, _) = black_box(&spec).sign(&signer).unwrap();
            let body = PostOrderRequest {
                order: &signed,
                expiration: 0,
                owner: "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00",
                order_type: OrderType::Gtc,
                defer_exec: false,
                post_only: false,
            }
            .to_json();
            black_box(body)
        })
    });

    let (presigned, _) = spec.sign(&signer).unwrap();
    c.bench_function("parts/post_body_json", |b| {
        b.iter(|| {
            black_box(
                PostOrderRequest {
                    order: black_box(&presigned),
                    expiration: 0,
                    owner: "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00",
                    order_type: OrderType::Gtc,
                    defer_exec: false,
                    post_only: false,
                }
                .to_json(),
            )
        })
    });
    c.bench_function("parts/limit_amounts", |b| {
        b.iter(|| {
            black_box(
                limit_order_amounts(
                    Side::Buy,
                    black_box(Price::new(Decimal::new(57, 2)).unwrap()),
                    Shares::new(Decimal::new(105, 1)).unwrap(),
                    TickSize::Hundredth,
                )
                .unwrap(),
            )
        })
    });
    c.bench_function("parts/token_id_parse", |b| {
        b.iter(|| black_box(U256::from_str_radix(black_box(TOKEN), 10).unwrap()))
    });

    c.bench_function("order/build_from_input", |b| {
        b.iter(|| black_box(build_from_input(black_box(INPUT), &key).unwrap()))
    });

    let creds = L2Credentials::new(
        signer.address(),
        "3f2c8a51-6b7d-4e09-9a12-5c4b3e2d1f00",
        SecretString::new("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=").unwrap(),
        SecretString::new("test-passphrase-0123456789abcdef").unwrap(),
    )
    .unwrap();
    let (signed, _) = spec.sign(&signer).unwrap();
    let body = PostOrderRequest {
        order: &signed,
        expiration: 0,
        owner: creds.api_key(),
        order_type: OrderType::Gtc,
        defer_exec: false,
        post_only: false,
    }
    .to_json();
    c.bench_function("l2/headers", |b| {
        b.iter(|| {
            let headers = creds.headers(1_767_225_600, HttpMethod::Post, "/order", Some(&body));
            black_box(headers.signature().len())
        })
    });

    let secret = base64::engine::general_purpose::URL_SAFE
        .decode("CzBVep_E6Q4zWH2ix-wRNluApcrvFDleg6jN8hc8YYY=")
        .unwrap();
    c.bench_function("floor-hmac/l2_signature", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
            mac.update(b"1767225600POST/order");
            mac.update(black_box(&body).as_bytes());
            black_box(base64::engine::general_purpose::URL_SAFE.encode(mac.finalize().into_bytes()))
        })
    });
}

criterion_group!(signing, benches);
criterion_main!(signing);
