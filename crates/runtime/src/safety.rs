//! Safety state that fails closed: the killswitch, the daily limits and the settings (which
//! exchange) are read at open, and one that cannot be read, or that this version no longer
//! accepts, stops every bot from trading until the user sets it again.
//!
//! Invariants:
//! - a row that is absent is a first run: its defaults apply. A row that is present but
//!   unreadable (bad JSON, a shape this version does not write, a failed read) or no longer
//!   valid (a simulator address off this computer, a limit above its ceiling, stored by an
//!   older version) is a [`SafetyFault`], never silently replaced by the defaults;
//! - while any fault stands, the killswitch the bots obey is tripped (the engine refuses
//!   every entry), no bot is activated or started, and the bots saved as running or paused
//!   are saved as stopped (so repairing the state never restarts a bot by itself, as with a
//!   killswitch: each is started again by the user);
//! - a fault is cleared only by an explicit, valid write of its row: arming or tripping the
//!   killswitch, setting the daily limits, saving the settings. The value in memory until then
//!   is the default (Polymarket, the default limits), which is never written back;
//! - faults are typed ([`SafetySetting`], [`SafetyProblem`]): the UI and `polyagent status`
//!   decide from them, never from the sentence.

use std::collections::BTreeMap;

use polyagent_engine::bot::{BotStatus, Lifecycle};
use polyagent_engine::config::DailyLimits;
use polyagent_engine::risk::Killswitch;
use polyagent_store::{Database, setting_keys};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorCode};
use crate::persist::{self, SavedBot};
use crate::settings::{self, AppSettings};
use crate::{Runtime, lock, wallets};

/// Which piece of safety state is at fault.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum SafetySetting {
    Killswitch,
    DailyLimits,
    /// The app settings, the exchange among them.
    Settings,
}

/// What is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SafetyProblem {
    /// Stored, but it could not be read (damaged, or not in a shape this version writes).
    Unreadable,
    /// Read, but refused by this version's rules (e.g. a simulator address that is not on
    /// this computer, a limit above its ceiling): it was stored by an older version.
    NoLongerValid,
}

/// One piece of safety state that stops the bots until it is set again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SafetyFault {
    pub setting: SafetySetting,
    pub problem: SafetyProblem,
}

impl SafetyFault {
    /// A sentence for logs and the killswitch reason (the UI decides from the fields).
    pub fn describe(&self) -> String {
        let what = match self.setting {
            SafetySetting::Killswitch => "the killswitch state",
            SafetySetting::DailyLimits => "the daily limits",
            SafetySetting::Settings => "the settings (exchange)",
        };
        let how = match self.problem {
            SafetyProblem::Unreadable => "unreadable",
            SafetyProblem::NoLongerValid => "no longer valid",
        };
        let fix = match self.setting {
            SafetySetting::Killswitch => "arm or trip the killswitch",
            SafetySetting::DailyLimits => "set the daily limits again",
            SafetySetting::Settings => "save the settings again",
        };
        format!("{what}: {how}; {fix}")
    }
}

/// The faults found at open, at most one per setting.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults(BTreeMap<SafetySetting, SafetyProblem>);

impl Faults {
    pub(crate) fn list(&self) -> Vec<SafetyFault> {
        self.0
            .iter()
            .map(|(&setting, &problem)| SafetyFault { setting, problem })
            .collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn clear(&mut self, setting: SafetySetting) {
        self.0.remove(&setting);
    }

    /// Why trading is stopped, in one sentence.
    pub(crate) fn reason(&self) -> Option<String> {
        (!self.is_empty()).then(|| {
            let parts: Vec<String> = self.list().iter().map(SafetyFault::describe).collect();
            format!(
                "safety state failed closed, no bot trades: {}",
                parts.join("; ")
            )
        })
    }
}

/// The safety state as read at open: the values to use and what was wrong.
pub(crate) struct Loaded {
    pub(crate) settings: AppSettings,
    pub(crate) limits: DailyLimits,
    pub(crate) killswitch: Killswitch,
    pub(crate) faults: Faults,
}

/// Reads the three rows (see the module docs).
pub(crate) async fn load(db: &Database) -> Loaded {
    let mut faults = Faults::default();
    let settings = read(
        db,
        settings::SETTINGS_KEY,
        SafetySetting::Settings,
        &mut faults,
        |s: &AppSettings| s.validate().is_ok(),
    )
    .await;
    let limits = read(
        db,
        setting_keys::DAILY_LIMITS,
        SafetySetting::DailyLimits,
        &mut faults,
        |l: &DailyLimits| l.validate().is_ok(),
    )
    .await;
    let killswitch = read(
        db,
        setting_keys::KILLSWITCH,
        SafetySetting::Killswitch,
        &mut faults,
        |_: &Killswitch| true,
    )
    .await;
    for fault in faults.list() {
        tracing::error!(
            setting = ?fault.setting,
            problem = ?fault.problem,
            "safety state failed closed: {}",
            fault.describe()
        );
    }
    Loaded {
        settings,
        limits,
        killswitch,
        faults,
    }
}

/// One row: its value, or the default with the fault noted (absent = first run, no fault).
async fn read<T: DeserializeOwned + Default>(
    db: &Database,
    key: &str,
    setting: SafetySetting,
    faults: &mut Faults,
    valid: impl FnOnce(&T) -> bool,
) -> T {
    let problem = match db.settings().get::<T>(key).await {
        Ok(None) => return T::default(),
        Ok(Some(value)) if valid(&value) => return value,
        Ok(Some(_)) => SafetyProblem::NoLongerValid,
        Err(error) => {
            tracing::error!(key, %error, "a safety setting could not be read");
            SafetyProblem::Unreadable
        }
    };
    faults.0.insert(setting, problem);
    T::default()
}

/// The killswitch the bots obey: tripped while any fault stands, else the user's.
pub(crate) fn effective(
    user: &Killswitch,
    faults: &Faults,
    at: polyagent_engine::Timestamp,
) -> Killswitch {
    match (user, faults.reason()) {
        (Killswitch::Tripped { .. }, _) | (Killswitch::Armed, None) => user.clone(),
        (Killswitch::Armed, Some(reason)) => Killswitch::Tripped { reason, at },
    }
}

/// The killswitch as the user last set it, the faults, and when they were found.
#[derive(Debug)]
pub(crate) struct Board {
    pub(crate) user: Killswitch,
    pub(crate) faults: Faults,
    pub(crate) found_at: polyagent_engine::Timestamp,
}

impl Runtime {
    /// What stops the bots because safety state is at fault; empty when nothing does.
    pub fn safety_faults(&self) -> Vec<SafetyFault> {
        lock(&self.inner.safety).faults.list()
    }

    /// Refuses to start or activate a bot while safety state is at fault.
    pub(crate) fn refuse_while_unsafe(&self) -> Result<(), ApiError> {
        match lock(&self.inner.safety).faults.reason() {
            None => Ok(()),
            Some(reason) => Err(ApiError::new(ErrorCode::SafetyStateInvalid, reason)),
        }
    }

    /// `setting` was just written anew and valid: its fault (if any) is over.
    pub(crate) fn clear_fault(&self, setting: SafetySetting) {
        let changed = {
            let mut board = lock(&self.inner.safety);
            let had = board.faults.list().len();
            board.faults.clear(setting);
            had != board.faults.list().len()
        };
        if changed {
            tracing::info!(?setting, "safety state set again");
            self.publish_killswitch();
        }
    }

    /// Saves a bot that was running or paused as stopped, because safety state is at fault.
    pub(crate) async fn stop_for_safety(&self, id: &str, mut saved: SavedBot) -> SavedBot {
        if !matches!(
            saved.engine.status(),
            BotStatus::Running | BotStatus::Paused { .. }
        ) {
            return saved;
        }
        if saved
            .engine
            .command(&Lifecycle::Stop, self.inner.config.clock.now())
            .is_err()
        {
            return saved;
        }
        let saving = match persist::progress(id, &saved, Vec::new(), None) {
            Ok(progress) => self
                .db()
                .save_bot_progress(&progress, self.now())
                .await
                .map_err(|e| wallets::store_error(&e)),
            Err(error) => Err(error),
        };
        match saving {
            Ok(()) => tracing::warn!(bot = %id, "stopped: safety state failed closed"),
            // It is not activated in this process either way.
            Err(error) => tracing::error!(bot = %id, %error, "could not save the stop"),
        }
        saved
    }

    pub fn daily_limits(&self) -> DailyLimits {
        self.inner.global.borrow().limits.clone()
    }

    /// Replaces the daily limits (validated, ceilings included; nothing changes on error).
    /// Setting them clears a fault of the stored limits.
    pub async fn set_daily_limits(&self, limits: DailyLimits) -> Result<(), ApiError> {
        settings::validate_limits(&limits)?;
        self.confirm_daily_limits(&limits).await?;
        self.inner
            .db
            .settings()
            .put(setting_keys::DAILY_LIMITS, &limits, self.now())
            .await
            .map_err(|e| wallets::store_error(&e))?;
        self.inner.global.send_modify(|g| g.limits = limits);
        self.clear_fault(SafetySetting::DailyLimits);
        Ok(())
    }
}
