//! Process hardening for an app that holds keys in memory (issue #16, point 4; review M-5):
//! no core dumps, and on Linux no ptrace attach by other processes of the same user.
//!
//! What [`harden_process`] does, per OS:
//! - Linux: `prctl(PR_SET_DUMPABLE, 0)`: no core dump is written (systemd-coredump, apport)
//!   and processes of the same user can no longer attach with ptrace (unless root) nor read
//!   `/proc/PID/mem` or `/proc/PID/environ` (they become root-owned); and `RLIMIT_CORE` = 0, so
//!   a later `PR_SET_DUMPABLE 1` (an exec of a set-id helper) still dumps nothing;
//! - other Unix (macOS, the BSDs): `RLIMIT_CORE` = 0. macOS's `PT_DENY_ATTACH` has no safe
//!   wrapper (the workspace forbids `unsafe`); a signed build with the hardened runtime refuses
//!   debuggers instead, which is the supported way there;
//! - Windows: nothing here. Windows Error Reporting keeps crash dumps local to the user, and
//!   processes of the same user can open each other; the threat model (SECURITY.md) says so.
//!
//! It is called first thing by the desktop app and the `polyagent` command, before any key is
//! read. It never fails the start: a step that the OS refuses is reported, and the app goes on.

/// What [`harden_process`] managed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hardening {
    /// No core dumps: `RLIMIT_CORE` is 0 (Unix).
    pub core_dumps_off: bool,
    /// Not dumpable and not attachable by same-user processes (Linux `PR_SET_DUMPABLE 0`).
    pub not_dumpable: bool,
}

/// Hardens the current process (see the module docs). Safe to call more than once.
pub fn harden_process() -> Hardening {
    Hardening {
        core_dumps_off: core_dumps_off(),
        not_dumpable: not_dumpable(),
    }
}

#[cfg(unix)]
fn core_dumps_off() -> bool {
    use rustix::process::{Resource, Rlimit, setrlimit};
    setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    )
    .is_ok()
}

#[cfg(not(unix))]
fn core_dumps_off() -> bool {
    false
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn not_dumpable() -> bool {
    use rustix::process::{DumpableBehavior, set_dumpable_behavior};
    set_dumpable_behavior(DumpableBehavior::NotDumpable).is_ok()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn not_dumpable() -> bool {
    false
}
