//! Simulator scenario files (`polyagent sim --scenario FILE`): parsed, built into a world
//! (exchange, providers, wallets) and stepped a few times.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_simulator::scenario::Scenario;

const START_MS: u64 = 1_767_225_600_000;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json(text) else {
        return;
    };
    // Replay paths name files relative to this folder; none exists, so they are refused.
    let base = std::path::Path::new("/nonexistent-polyagent-fuzz");
    let Ok(mut world) = scenario.build(base, START_MS) else {
        return;
    };
    let step = world.step_ms.max(1);
    for i in 1..=3u64 {
        world.step(i * step, START_MS + i * step);
    }
});
