//! Samples of the server and the machine from /proc: resident memory, CPU ticks, CPU count.

/// The server's resident memory in KiB: `VmRSS` and its parts (`RssAnon`, `RssFile`, `RssShmem`).
pub(super) fn rss_kib(pid: Option<u32>) -> Option<[u64; 4]> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some([
        field("VmRSS:")?,
        field("RssAnon:")?,
        field("RssFile:")?,
        field("RssShmem:")?,
    ])
}

/// `VmRSS` in MiB, with its parts.
pub(super) fn rss_text(r: Option<[u64; 4]>) -> String {
    let m = |k: u64| k as f64 / 1024.0;
    r.map_or("n/a".into(), |[all, anon, file, shmem]| {
        format!(
            "{:.1} MiB (anon {:.1}, file {:.1}, shmem {:.1})",
            m(all),
            m(anon),
            m(file),
            m(shmem)
        )
    })
}

/// CPU time of the server (utime + stime) in clock ticks.
pub(super) fn proc_ticks(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // fields after the command name, which is in parentheses and may hold spaces
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Busy clock ticks of the whole machine (user, nice, system, irq, softirq, steal).
pub(super) fn busy_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = s
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    Some(f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)? + f.get(7)?)
}

pub(super) const CLK_TCK: f64 = 100.0;

/// CPUs of the machine (not of this process, which may be pinned to one).
pub(super) fn cpus() -> usize {
    std::fs::read_to_string("/proc/stat").map_or(0, |s| {
        s.lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count()
    })
}
