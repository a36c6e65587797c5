//! Process hardening (issue #16, point 4): after `harden_process` this process writes no core
//! dump and, on Linux, cannot be attached by other processes of the same user. Its own test
//! binary, so no other test runs in a hardened process.

#[cfg(unix)]
#[test]
fn after_hardening_no_core_dump_and_no_ptrace_attach() {
    use rustix::process::{Resource, getrlimit};

    let done = polyagent_vault::harden_process();
    assert!(done.core_dumps_off, "{done:?}");
    let core = getrlimit(Resource::Core);
    assert_eq!((core.current, core.maximum), (Some(0), Some(0)));

    #[cfg(target_os = "linux")]
    {
        assert!(done.not_dumpable, "{done:?}");
        assert_eq!(
            rustix::process::dumpable_behavior().unwrap(),
            rustix::process::DumpableBehavior::NotDumpable
        );
        // What the kernel reports for this process.
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
        let core_line = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .unwrap();
        assert!(
            core_line.split_whitespace().filter(|w| *w == "0").count() >= 2,
            "{core_line}"
        );
    }
    // Calling it again is harmless.
    assert_eq!(polyagent_vault::harden_process(), done);
}
