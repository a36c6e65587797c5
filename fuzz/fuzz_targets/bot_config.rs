//! Bot config JSON (`polyagent bot create FILE`, the wizard, saved bots): a `BotSpec` parsed
//! and resolved (defaults, profile, overrides, validation); a resolved config must build a
//! bot engine, and the daily limits' JSON must validate without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_engine::bot::BotEngine;
use polyagent_engine::config::{BotSpec, DailyLimits};

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = serde_json::from_slice::<BotSpec>(data)
        && let Ok(config) = spec.resolve()
    {
        // Saved bots travel through JSON: the round trip gives the same config.
        let text = serde_json::to_string(&config).expect("a config serializes");
        let back: polyagent_engine::config::BotConfig =
            serde_json::from_str(&text).expect("a saved config reads back");
        assert_eq!(back, config);
        // An unknown strategy is refused with an error; nothing that resolved may panic.
        let _ = BotEngine::new(config);
    }
    if let Ok(limits) = serde_json::from_slice::<DailyLimits>(data) {
        let _ = limits.validate();
    }
});
