//! What Linux says about this process: resident memory, open file descriptors and CPU time,
//! read from `/proc/self`. The soak and scale runs sample them; elsewhere they read as absent.

use std::time::Duration;

/// Resident set size in bytes (`VmRSS` of `/proc/self/status`).
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Open file descriptors (entries of `/proc/self/fd`, less the one reading it).
pub fn open_fds() -> Option<u64> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    let count = u64::try_from(entries.count()).ok()?;
    Some(count.saturating_sub(1))
}

/// User + system CPU time of the whole process (fields 14 and 15 of `/proc/self/stat`).
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let ticks = stat_ticks(&stat)?;
    Some(Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64))
}

/// User + system CPU time of this process's threads whose name starts with `prefix`
/// (`/proc/self/task/*/comm`; Linux keeps 15 bytes of a thread's name).
pub fn cpu_time_of_threads(prefix: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ticks = 0;
    for task in tasks.flatten() {
        let path = task.path();
        let named = std::fs::read_to_string(path.join("comm"))
            .is_ok_and(|name| name.trim_end().starts_with(prefix));
        if !named {
            continue;
        }
        if let Some(t) = std::fs::read_to_string(path.join("stat"))
            .ok()
            .as_deref()
            .and_then(stat_ticks)
        {
            ticks += t;
        }
    }
    Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
}

/// utime + stime, in clock ticks, from a `stat` line.
fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed:
    // the rest starts at field 3 (state), so utime (field 14) is its 12th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `sysconf(_SC_CLK_TCK)`: 100 on every Linux this runs on (the kernel's USER_HZ, fixed by
/// its ABI), read from `getconf` when available so an odd kernel is not mismeasured.
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|t| *t > 0)
            .unwrap_or(100)
    })
}

/// Percentile of sorted values (nearest rank), 0 for none.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_descriptors_and_cpu_time() {
        assert!(rss_bytes().is_some_and(|b| b > 0));
        assert!(open_fds().is_some_and(|n| n >= 3));
        assert!(cpu_time().is_some());
        assert_eq!(cpu_time_of_threads("no thread is named so"), Duration::ZERO);
    }

    #[test]
    fn cpu_ticks_are_read_past_a_name_with_spaces() {
        let stat = "42 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0";
        assert_eq!(stat_ticks(stat), Some(300));
    }

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 0.5), Duration::from_millis(51));
        assert_eq!(percentile(&values, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 0.99), Duration::ZERO);
    }
}
