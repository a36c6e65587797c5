//! Backtests over the shipped CC BY series.

use std::path::PathBuf;

use polyagent_engine::backtest::{self, Options, SHIPPED_SERIES};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_engine::strategy::registry;

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(SHIPPED_SERIES)
}

fn spec(strategy: &str, profile: Profile) -> BotSpec {
    BotSpec {
        name: "bt".into(),
        wallet: "paper".into(),
        token_id: "1".into(),
        complement_token_id: Some("2".into()),
        strategy: strategy.into(),
        profile,
        overrides: Overrides::default(),
    }
}

#[test]
fn a_backtest_of_the_shipped_series_is_deterministic() {
    let series = backtest::load_series(&shipped(), None).unwrap();
    assert_eq!(series.slug, "apdc-trumpadmin-2026-suswil");
    let config = spec("spike-sam", Profile::Normal).resolve().unwrap();
    let first = backtest::run(&config, &series, &Options::default()).unwrap();
    let again = backtest::run(
        &config,
        &backtest::load_series(&shipped(), None).unwrap(),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(first, again);
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    assert!(first.summary.ticks > 1000, "{:?}", first.summary);
    assert_eq!(first.summary.trades as usize, first.trades.len());
    let pnl: rust_decimal::Decimal = first.trades.iter().map(|t| t.pnl).sum();
    assert_eq!(pnl.round_dp(6), first.summary.realized_pnl);
}

#[test]
fn every_strategy_and_profile_runs_on_every_market() {
    let text = {
        use std::io::Read;
        let bytes = std::fs::read(shipped()).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let slugs = [
        "cpc-btc-hitprice-high-yr-12-31-2026-100k",
        "rdc-usfed-fomc-2026-07-29-nochng",
        "tpoyc-2026-chatgp",
    ];
    for slug in slugs {
        let series = backtest::parse_series(&text, Some(slug)).unwrap();
        for strategy in registry::names() {
            for profile in Profile::ALL {
                let config = spec(strategy, profile).resolve().unwrap();
                let report = backtest::run(&config, &series, &Options::default()).unwrap();
                let s = &report.summary;
                let flat_equity = s.starting_cash + s.realized_pnl + s.unrealized_pnl;
                assert_eq!(
                    flat_equity.round_dp(4),
                    s.final_equity.round_dp(4),
                    "{slug} {strategy} {profile}: {s:?}"
                );
            }
        }
    }
}

#[test]
fn mid_only_quotes_around_the_mid() {
    let csv = "\"ts\",\"slug\",\"bid\",\"ask\",\"mid\"\n2026-07-10 20:25:46,\"a\",0.30,0.38,0.345\n2026-07-10 20:27:46,\"a\",,,0.5\n2026-07-10 20:29:46,\"a\",,,\n";
    let s = backtest::parse_series(csv, None).unwrap();
    let opts = Options::default();
    let tick = polyagent_domain::trading::TickSize::Hundredth;
    let q = backtest::quote_of(&s.rows[0], &opts, tick).unwrap();
    assert_eq!((q.bid, q.ask), (Some(d("0.30")), Some(d("0.38"))));
    let mid_only = Options {
        mid_only: true,
        ..Options::default()
    };
    let q = backtest::quote_of(&s.rows[0], &mid_only, tick).unwrap();
    // 0.345 ∓ 0.01, snapped outward to the cent grid.
    assert_eq!(
        (q.price, q.bid, q.ask),
        (d("0.345"), Some(d("0.33")), Some(d("0.36")))
    );
    let q = backtest::quote_of(&s.rows[1], &opts, tick).unwrap();
    assert_eq!((q.bid, q.ask), (Some(d("0.49")), Some(d("0.51"))));
    assert!(backtest::quote_of(&s.rows[2], &opts, tick).is_none());
}

fn d(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

#[test]
fn series_errors_are_clear() {
    let err = backtest::parse_series("\"ts\",\"slug\"\n", None).unwrap_err();
    assert!(err.to_string().contains("no \"bid\" column"), "{err}");
    let csv = "\"ts\",\"slug\",\"bid\",\"ask\",\"mid\"\n2026-07-10 20:25:46,\"a\",0.33,0.35,0.34\n";
    assert!(
        backtest::parse_series(csv, Some("b"))
            .unwrap_err()
            .to_string()
            .contains("no rows for slug")
    );
    let s = backtest::parse_series(csv, None).unwrap();
    assert_eq!((s.slug.as_str(), s.rows.len()), ("a", 1));
    let config = spec("spike-sam", Profile::Normal).resolve().unwrap();
    let negative_fee = Options {
        fees: polyagent_engine::paper::FeeCurve {
            rate: d("-0.01"),
            exponent: 1,
        },
        ..Options::default()
    };
    let err = backtest::run(&config, &s, &negative_fee).unwrap_err();
    assert!(
        err.to_string().contains("fee rate must be in [0, 1]"),
        "{err}"
    );
}
