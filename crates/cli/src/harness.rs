//! What `polyagent soak` and `polyagent scale` share: a runtime on a throwaway folder, pointed at
//! their in-process simulator, with the daily limits lifted so the run, not a limit, decides
//! how much the bots trade.

use polyagent_engine::config::DailyLimits;
use polyagent_runtime::{AppSettings, ExchangeChoice, Runtime};
use rust_decimal::Decimal;

/// Points `runtime` at the simulator at `url` and lifts its daily limits.
pub async fn use_simulator_without_daily_limits(
    runtime: &Runtime,
    url: String,
) -> Result<(), String> {
    runtime
        .update_settings(AppSettings {
            exchange: ExchangeChoice::Simulator { url },
            ..AppSettings::default()
        })
        .await
        .map_err(|e| e.message)?;
    runtime
        .set_daily_limits(DailyLimits {
            max_daily_loss: polyagent_engine::ceilings::MAX_DAILY_LOSS,
            max_trades_per_day: polyagent_engine::ceilings::MAX_TRADES_PER_DAY,
            max_exposure_per_bot: Decimal::from(1_000),
            max_exposure_total: polyagent_engine::ceilings::MAX_EXPOSURE_TOTAL,
        })
        .await
        .map_err(|e| e.message)
}
