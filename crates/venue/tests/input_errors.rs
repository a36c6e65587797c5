//! Bad inputs to `build_from_input` give clear, typed errors; good edge cases stay exact.

use polyagent_domain::money::MoneyError;
use polyagent_domain::secret::PrivateKey;
use polyagent_domain::trading::TradingParseError;
use polyagent_venue::Error;
use polyagent_venue::amounts::AmountError;
use polyagent_venue::order_build::build_from_input;
use serde_json::{Value, json};

const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn limit() -> Value {
    json!({
        "version": 2, "chain_id": 137, "neg_risk": false, "tick_size": "0.01",
        "token_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
        "side": "BUY", "price": 0.57, "size": 10.5, "signature_type": 0, "funder": null,
        "salt": 1234567890u64, "timestamp": 1767225600001u64, "expiration": 0,
        "metadata": "0x0000000000000000000000000000000000000000000000000000000000000000",
        "builder_code": "0x0000000000000000000000000000000000000000000000000000000000000000",
        "order_type": "GTC", "post_only": false, "defer_exec": false
    })
}

fn market() -> Value {
    json!({
        "chain_id": 137, "neg_risk": false, "tick_size": "0.01",
        "token_id": "71321045679252212594626385532706912750332728571942532289631379312455583992563",
        "side": "BUY", "amount": 40, "order_type": "FOK",
        "asks": [{"price": "0.60", "size": "100"}, {"price": "0.55", "size": "100"}],
        "bids": [{"price": "0.40", "size": "100"}],
        "salt": 1u64, "timestamp": 1767225600101u64, "signature_type": 0, "funder": null
    })
}

fn with(mut base: Value, field: &str, value: Value) -> String {
    base[field] = value;
    base.to_string()
}

fn build(input: &str) -> Result<Value, Error> {
    let key = PrivateKey::from_hex(KEY).unwrap();
    build_from_input(input, &key).map(|out| serde_json::from_str(&out).unwrap())
}

fn err(input: &str) -> Error {
    build(input).expect_err("input should be refused")
}

#[test]
fn baseline_inputs_build() {
    let out = build(&limit().to_string()).unwrap();
    assert_eq!(out["makerAmount"], "5985000");
    let out = build(&market().to_string()).unwrap();
    assert_eq!(out["takerAmount"], "72727200");
}

#[test]
fn price_errors() {
    assert!(matches!(
        err(&with(limit(), "price", json!(0.575))),
        Error::Amount(AmountError::PriceOffTick { .. })
    ));
    assert!(matches!(
        err(&with(limit(), "price", json!(-0.5))),
        Error::Money(MoneyError::Negative { what: "price", .. })
    ));
    for bad in [json!(0), json!(1), json!(0.995), json!(1.5)] {
        assert!(
            matches!(
                err(&with(limit(), "price", bad.clone())),
                Error::Amount(AmountError::PriceOutOfRange { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        err(&with(limit(), "price", json!("abc"))),
        Error::InputJson(_)
    ));
}

#[test]
fn size_errors() {
    assert!(matches!(
        err(&with(limit(), "size", json!(0))),
        Error::Amount(AmountError::SizeNotPositive(_))
    ));
    assert!(matches!(
        err(&with(limit(), "size", json!(-5))),
        Error::Money(MoneyError::Negative { .. })
    ));
    assert!(matches!(
        err(&with(limit(), "size", json!(0.004))),
        Error::Amount(AmountError::SizeBelowLot(_))
    ));
    assert!(matches!(
        err(&with(market(), "amount", json!(0))),
        Error::Amount(AmountError::AmountNotPositive(_))
    ));
    assert!(matches!(
        err(&with(market(), "amount", json!(-1))),
        Error::Money(MoneyError::Negative { .. })
    ));
    let negative_level = json!([{"price": "0.5", "size": "-1"}]);
    assert!(matches!(
        err(&with(market(), "asks", negative_level)),
        Error::Money(MoneyError::Negative { .. })
    ));
}

#[test]
fn shape_errors() {
    let mut unknown = limit();
    unknown["colour"] = json!("blue");
    assert!(matches!(err(&unknown.to_string()), Error::InputJson(m) if m.contains("colour")));

    let mut no_price = limit();
    no_price.as_object_mut().unwrap().remove("price");
    assert!(matches!(
        err(&no_price.to_string()),
        Error::MissingField { field: "price" }
    ));

    assert!(matches!(
        err(&with(limit(), "amount", json!(5))),
        Error::UnexpectedField {
            field: "amount",
            ..
        }
    ));
    let mut no_book = market();
    no_book.as_object_mut().unwrap().remove("asks");
    no_book.as_object_mut().unwrap().remove("bids");
    assert!(matches!(
        err(&no_book.to_string()),
        Error::MissingField { field: "bids/asks" }
    ));
    assert!(matches!(err("not json"), Error::InputJson(_)));
}

#[test]
fn order_type_and_flag_rules() {
    // A price/size order may be sent as FOK/FAK, held to production's marketable caps
    // (PROTOCOL.md §13.1): 10.5 × 0.57 = 5.985 is a 3-decimal maker, refused with the size
    // that fits; 10 shares (5.70) build.
    assert!(matches!(
        err(&with(limit(), "order_type", json!("FOK"))),
        Error::Amount(AmountError::MarketablePrecision { .. })
    ));
    let mut fits = limit();
    fits["size"] = json!(10);
    let out = build(&with(fits, "order_type", json!("FAK"))).unwrap();
    assert_eq!(out["makerAmount"], "5700000");
    assert!(matches!(
        err(&with(market(), "order_type", json!("GTC"))),
        Error::InvalidField {
            field: "order_type",
            ..
        }
    ));
    assert!(matches!(
        err(&with(limit(), "order_type", json!("IOC"))),
        Error::Trading(TradingParseError::OrderType(_))
    ));
    assert!(matches!(
        err(&with(market(), "post_only", json!(true))),
        Error::UnexpectedField {
            field: "post_only",
            ..
        }
    ));
    assert!(matches!(
        err(&with(limit(), "expiration", json!(1767312000))),
        Error::UnexpectedField {
            field: "expiration",
            ..
        }
    ));
    assert!(matches!(
        err(&with(limit(), "order_type", json!("GTD"))),
        Error::MissingField {
            field: "expiration"
        }
    ));
    assert!(matches!(
        err(&with(limit(), "salt", json!(1u64 << 53))),
        Error::InvalidField { field: "salt", .. }
    ));
}

#[test]
fn market_depth_errors() {
    assert!(matches!(
        err(&with(market(), "amount", json!(1000))),
        Error::Amount(AmountError::InsufficientLiquidity { .. })
    ));
    assert!(matches!(
        err(&with(market(), "asks", json!([]))),
        Error::Amount(AmountError::EmptyBook("ask"))
    ));
    // FAK takes the worst level instead.
    let fak = with(
        with_value(market(), "order_type", json!("FAK")),
        "amount",
        json!(1000),
    );
    assert_eq!(build(&fak).unwrap()["makerAmount"], "1000000000");
}

fn with_value(mut base: Value, field: &str, value: Value) -> Value {
    base[field] = value;
    base
}

#[test]
fn identity_and_market_errors() {
    assert!(matches!(
        err(&with(limit(), "chain_id", json!(1))),
        Error::UnsupportedChain(1)
    ));
    assert!(matches!(
        err(&with(limit(), "version", json!(1))),
        Error::UnsupportedVersion(1)
    ));
    assert!(matches!(
        err(&with(limit(), "signature_type", json!(4))),
        Error::Trading(TradingParseError::SignatureType(4))
    ));
    assert!(matches!(
        err(&with(limit(), "tick_size", json!("0.02"))),
        Error::Trading(TradingParseError::TickSize(_))
    ));
    assert!(matches!(
        err(&with(limit(), "side", json!("buy"))),
        Error::Trading(TradingParseError::Side(_))
    ));
    assert!(matches!(
        err(&with(limit(), "token_id", json!("0xabc"))),
        Error::Trading(TradingParseError::TokenId(_))
    ));
    assert!(matches!(
        err(&with(limit(), "token_id", json!("9".repeat(78)))),
        Error::InvalidField {
            field: "token_id",
            ..
        }
    ));
    assert!(matches!(
        err(&with(
            limit(),
            "funder",
            json!("0x3333333333333333333333333333333333333333")
        )),
        Error::Funder(_)
    ));
    assert!(matches!(
        err(&with(limit(), "signature_type", json!(3))),
        Error::Funder(_)
    ));
    let amoy_proxy = with(
        with_value(limit(), "chain_id", json!(80002)),
        "signature_type",
        json!(1),
    );
    assert!(matches!(err(&amoy_proxy), Error::Funder(_)));
    assert!(matches!(
        err(&with(limit(), "funder", json!("0x12"))),
        Error::InvalidField {
            field: "funder",
            ..
        }
    ));
    assert!(matches!(
        err(&with(limit(), "metadata", json!("0x12"))),
        Error::InvalidField {
            field: "metadata",
            ..
        }
    ));
}

#[test]
fn credential_errors_do_not_echo_secrets() {
    let creds = json!({"key": "k", "secret": "s3cr3t!!not-base64", "passphrase": "p"});
    let no_ts = with(limit(), "api_creds", creds.clone());
    assert!(matches!(
        err(&no_ts),
        Error::MissingField {
            field: "l2_timestamp"
        }
    ));
    let bad_secret = with(
        with_value(limit(), "api_creds", creds),
        "l2_timestamp",
        json!(1),
    );
    let e = err(&bad_secret);
    assert!(matches!(e, Error::ApiSecret));
    assert!(!e.to_string().contains("s3cr3t"));
    assert!(matches!(
        err(&with(limit(), "l2_timestamp", json!(1))),
        Error::MissingField { field: "api_creds" }
    ));
}

#[test]
fn numbers_are_read_exactly() {
    // 0.07 * 100 is 7.000000000000001 in binary floats.
    let out = build(&with(
        with_value(limit(), "price", json!(0.07)),
        "size",
        json!(100),
    ))
    .unwrap();
    assert_eq!(out["makerAmount"], "7000000");
    // Numeric strings and trailing zeros are the same price.
    let a = build(&with(limit(), "price", json!("0.570"))).unwrap();
    let b = build(&limit().to_string()).unwrap();
    assert_eq!(a["signature"], b["signature"]);
    // A size with more than two decimals is truncated to the lot, never rounded up.
    let out = build(&with(limit(), "size", json!(10.559))).unwrap();
    assert_eq!(out["takerAmount"], "10550000");
    // The raw JSON text is what counts: a long decimal is not squeezed through f64.
    let text = limit()
        .to_string()
        .replace("10.5", "10.50000000000000000001");
    assert_eq!(build(&text).unwrap()["takerAmount"], "10500000");
}
