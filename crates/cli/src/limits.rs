//! `polyagent limits show | set`: the daily limits every bot shares.
//!
//! Invariants:
//! - `set` takes every limit at once (no field silently keeps an old value) and is validated
//!   by the runtime, ceilings included: a refused value changes nothing;
//! - setting the limits is also how limits that failed closed (unreadable, or above a ceiling
//!   after an upgrade) are repaired.

use std::process::ExitCode;

use clap::Subcommand;
use polyagent_engine::config::DailyLimits;
use rust_decimal::Decimal;

use crate::control::{FolderArgs, manage};

#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// The daily limits in force.
    Show {
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Replace the daily limits (all four; refused above their ceilings).
    Set {
        /// Realized loss (pUSD) after which new entries stop for the UTC day.
        #[arg(long)]
        max_daily_loss: Decimal,
        /// Fills per day, over all bots.
        #[arg(long)]
        max_trades_per_day: u32,
        /// Cost basis (pUSD) one bot may hold at once.
        #[arg(long)]
        max_exposure_per_bot: Decimal,
        /// Cost basis (pUSD) all bots together may hold at once.
        #[arg(long)]
        max_exposure_total: Decimal,
        #[command(flatten)]
        folder: FolderArgs,
    },
}

fn text(limits: &DailyLimits) -> String {
    format!(
        "daily loss {} pUSD, {} trades a day, exposure {} pUSD a bot, {} pUSD in all",
        limits.max_daily_loss,
        limits.max_trades_per_day,
        limits.max_exposure_per_bot,
        limits.max_exposure_total
    )
}

pub fn limits(command: LimitsCommand) -> ExitCode {
    match command {
        LimitsCommand::Show { folder } => manage(&folder, async |rt| Ok(rt.daily_limits()), text),
        LimitsCommand::Set {
            max_daily_loss,
            max_trades_per_day,
            max_exposure_per_bot,
            max_exposure_total,
            folder,
        } => {
            let limits = DailyLimits {
                max_daily_loss,
                max_trades_per_day,
                max_exposure_per_bot,
                max_exposure_total,
            };
            manage(
                &folder,
                async |rt| {
                    rt.set_daily_limits(limits).await?;
                    Ok(rt.daily_limits())
                },
                text,
            )
        }
    }
}
