//! `polyagent killswitch on | off` and `polyagent status`.
//!
//! Invariants:
//! - `killswitch on` always reaches the exchange: with no PolyAgent running on the folder it
//!   opens the folder itself, signs in every stored wallet (the vault opened as every command
//!   opens it: the OS keychain or POLYAGENT_VAULT_PASSPHRASE) and cancels each wallet's orders;
//!   with `polyagent run` or the app holding the folder it asks that process, over the
//!   folder's control socket, to trip (the sweep then runs there, on its connections);
//! - each wallet's outcome is printed; the exit status is 1 unless every wallet was swept
//!   (the trip itself is recorded either way: bots stay stopped);
//! - `status` says whether bots may trade and why not (the killswitch, safety state that
//!   failed closed), from the running instance when there is one.

use std::process::ExitCode;

use clap::Subcommand;
use polyagent_runtime::control_socket::{self, ControlRequest, ControlResponse, FolderStatus};
use polyagent_runtime::{
    ApiError, ErrorCode, Runtime, SafetyFault, SafetyProblem, SafetySetting, SweepOutcome,
    TripReport,
};
use serde::Serialize;

use crate::control::{FolderArgs, config, data_dir, fail, manage, print, tokio};

#[derive(Debug, Subcommand)]
pub enum KillswitchCommand {
    /// Trip it: every wallet's open orders are cancelled at the exchange (wallets not
    /// connected are signed in to do it), then every bot stops. Reaches a running
    /// `polyagent run` or app on the same folder.
    On {
        #[arg(long, default_value = "tripped from the command line")]
        reason: String,
        #[command(flatten)]
        folder: FolderArgs,
    },
    /// Re-arm it (bots stay stopped until started).
    Off {
        #[command(flatten)]
        folder: FolderArgs,
    },
}

/// Where the trip ran.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
enum Via {
    /// This command opened the folder itself: nothing else was running on it.
    ThisProcess,
    /// The PolyAgent running on the folder tripped, asked over its control socket.
    RunningInstance,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Tripped {
    via: Via,
    report: TripReport,
}

pub fn killswitch(command: KillswitchCommand) -> ExitCode {
    match command {
        KillswitchCommand::On { reason, folder } => on(&reason, &folder),
        KillswitchCommand::Off { folder } => manage(
            &folder,
            async |rt| rt.arm_killswitch().await.map(|()| "armed"),
            |_| "killswitch off".to_owned(),
        ),
    }
}

fn on(reason: &str, folder: &FolderArgs) -> ExitCode {
    let config = match config(folder, false) {
        Ok(config) => config,
        Err(error) => return fail(folder.json, &error),
    };
    let dir = config.data_dir.clone();
    let result: Result<Tripped, ApiError> = tokio().block_on(async {
        match Runtime::open(config).await {
            Ok(runtime) => {
                let report = runtime.trip_killswitch_report(reason).await;
                runtime.shutdown(false).await;
                Ok(Tripped {
                    via: Via::ThisProcess,
                    report: report?,
                })
            }
            // The folder's lock is held: another PolyAgent runs it.
            Err(error) if error.code == ErrorCode::Conflict => {
                let request = ControlRequest::TripKillswitch {
                    reason: reason.to_owned(),
                };
                match control_socket::send(&dir, request).await? {
                    ControlResponse::Tripped { report } => Ok(Tripped {
                        via: Via::RunningInstance,
                        report,
                    }),
                    ControlResponse::Refused { error } => Err(error),
                    ControlResponse::Status { .. } => Err(ApiError::new(
                        ErrorCode::Internal,
                        "the running PolyAgent answered another question",
                    )),
                }
            }
            Err(error) => Err(error),
        }
    });
    let tripped = match result {
        Ok(tripped) => tripped,
        Err(error) => return fail(folder.json, &error),
    };
    let all_swept = tripped.report.unswept().is_empty();
    print(folder.json, &tripped, trip_text);
    if all_swept {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn trip_text(tripped: &Tripped) -> String {
    let report = &tripped.report;
    let via = match tripped.via {
        Via::ThisProcess => "",
        Via::RunningInstance => " in the running PolyAgent",
    };
    let mut lines = vec![format!(
        "killswitch on{via}; {} open orders cancelled",
        report.cancelled().len()
    )];
    for wallet in &report.wallets {
        let outcome = match &wallet.outcome {
            SweepOutcome::Swept { cancelled, refused } if refused.is_empty() => {
                format!("{} cancelled", cancelled.len())
            }
            SweepOutcome::Swept { cancelled, refused } => format!(
                "{} cancelled, {} kept by the exchange: {}",
                cancelled.len(),
                refused.len(),
                refused.join("; ")
            ),
            SweepOutcome::NotConnected { error } => {
                format!("NOT SWEPT, could not sign in: {}", error.message)
            }
            SweepOutcome::Failed { error } => format!("NOT SWEPT: {}", error.message),
            SweepOutcome::TimedOut => "NOT SWEPT: no answer in time".to_owned(),
        };
        lines.push(format!(
            "  {} {:<16} {outcome}",
            wallet.address, wallet.label
        ));
    }
    lines.join("\n")
}

/// `polyagent status`: asked of the running instance, else read from the folder.
pub fn status(folder: &FolderArgs) -> ExitCode {
    let dir = data_dir(folder);
    let asked = tokio().block_on(control_socket::send(&dir, ControlRequest::Status));
    match asked {
        Ok(ControlResponse::Status { status }) => {
            print(folder.json, &status, |s| status_text(s, true))
        }
        Ok(ControlResponse::Refused { error }) => fail(folder.json, &error),
        Ok(ControlResponse::Tripped { .. }) => fail(
            folder.json,
            &ApiError::new(
                ErrorCode::Internal,
                "the running PolyAgent answered another question",
            ),
        ),
        // Nothing answers on the folder: read it here.
        Err(error) if error.code == ErrorCode::Conflict => manage(
            folder,
            async |rt| Ok(rt.folder_status()),
            |s| status_text(s, false),
        ),
        Err(error) => fail(folder.json, &error),
    }
}

fn fault_text(fault: &SafetyFault) -> String {
    let (what, repair) = match fault.setting {
        SafetySetting::Killswitch => ("killswitch state", "`polyagent killswitch off` (or on)"),
        SafetySetting::DailyLimits => ("daily limits", "`polyagent limits set ...`"),
        SafetySetting::Settings => (
            "settings",
            "`polyagent exchange polymarket` (or a simulator on this computer)",
        ),
    };
    let how = match fault.problem {
        SafetyProblem::Unreadable => "could not be read",
        SafetyProblem::NoLongerValid => "no longer valid",
    };
    format!("  {what}: {how}; repair: {repair}")
}

fn status_text(status: &FolderStatus, running: bool) -> String {
    let mut lines = vec![format!(
        "{}; bots: {} ({} running); vault: {}",
        if running {
            "a PolyAgent is running on this folder"
        } else {
            "no PolyAgent is running on this folder"
        },
        status.bots,
        status.running,
        status.vault.state
    )];
    let killswitch = &status.killswitch;
    if !killswitch.faults.is_empty() {
        lines.push("SAFETY STATE FAILED CLOSED: no bot trades until it is set again".to_owned());
        lines.extend(killswitch.faults.iter().map(fault_text));
    } else if killswitch.tripped {
        lines.push(format!(
            "killswitch ON: {}",
            killswitch.reason.as_deref().unwrap_or("no reason given")
        ));
    } else {
        lines.push("killswitch off (armed)".to_owned());
    }
    lines.join("\n")
}
