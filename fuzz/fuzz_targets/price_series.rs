//! Price series CSV (`polyagent backtest --series FILE`): parsed as the backtest loader parses
//! it, and, when it is accepted, replayed through a bot as a backtest does.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use polyagent_engine::backtest::{self, Options};
use polyagent_engine::config::{BotConfig, BotSpec, Overrides, Profile};

fn config() -> &'static BotConfig {
    static CONFIG: OnceLock<BotConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        BotSpec {
            name: "fuzz".into(),
            wallet: "paper".into(),
            token_id: "1".into(),
            complement_token_id: None,
            strategy: "spike-sam".into(),
            profile: Profile::Normal,
            overrides: Overrides::default(),
        }
        .resolve()
        .expect("a valid spec")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(series) = backtest::parse_series(text, None) else {
        return;
    };
    for mid_only in [false, true] {
        let options = Options {
            mid_only,
            ..Options::default()
        };
        let _ = backtest::run(config(), &series, &options);
    }
});
