//! Child processes (the bot under test), their CPU time and peak RSS from /proc,
//! temporary directories, sizes on disk, and the machine description.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A child process, killed if still running when dropped.
pub struct Child {
    proc: std::process::Child,
    /// Where its stderr (the bot's log) goes.
    pub log: PathBuf,
}

impl Child {
    /// Spawns `cmd` with stdout discarded and stderr to `log`.
    pub fn spawn(mut cmd: Command, log: &Path) -> anyhow::Result<Child> {
        use std::os::unix::process::CommandExt;
        let err = fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        // SAFETY: prctl(2) is async-signal-safe; the child dies with the benchmark.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let proc = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .context("spawning the bot under test")?;
        Ok(Child {
            proc,
            log: log.to_path_buf(),
        })
    }

    /// This benchmark binary again, with `args` (a hidden `child-*` mode). Through
    /// /proc/self/exe: the very same program even if a build has replaced the file.
    pub fn spawn_self(args: &[String], log: &Path) -> anyhow::Result<Child> {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new("/proc/self/exe");
        cmd.arg0("tutor-bench").args(args);
        Child::spawn(cmd, log)
    }

    pub fn pid(&self) -> u32 {
        self.proc.id()
    }

    /// Fails (with the end of its log) if the child has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.proc.try_wait()? {
            bail!(
                "the bot under test exited early ({status}); its log ends:\n{}",
                tail(&self.log, 20)
            );
        }
        Ok(())
    }

    /// User + system CPU time of the process so far.
    pub fn cpu(&self) -> anyhow::Result<Duration> {
        cpu_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// Peak resident set size (VmHWM), in bytes.
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        status_kib(self.pid(), "VmHWM:").map(|k| k * 1024)
    }

    /// Resident set size now (VmRSS), in bytes.
    pub fn rss(&self) -> anyhow::Result<u64> {
        status_kib(self.pid(), "VmRSS:").map(|k| k * 1024)
    }

    /// SIGTERM, then waits up to `grace` (SIGKILL after that).
    pub fn terminate(mut self, grace: Duration) -> anyhow::Result<ExitStatus> {
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
        unsafe {
            libc::kill(self.pid() as libc::pid_t, libc::SIGTERM);
        }
        let end = Instant::now() + grace;
        loop {
            if let Some(status) = self.proc.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= end {
                let _ = self.proc.kill();
                let status = self.proc.wait()?;
                bail!(
                    "the bot under test did not stop within {grace:?} of SIGTERM ({status}); log:\n{}",
                    tail(&self.log, 20)
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Ok(None) = self.proc.try_wait() {
            let _ = self.proc.kill();
            let _ = self.proc.wait();
        }
    }
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// utime + stime from a `/proc/<pid>/stat` file.
fn cpu_of(stat: &str) -> anyhow::Result<Duration> {
    let text = fs::read_to_string(stat).with_context(|| format!("reading {stat}"))?;
    // The command name is in parentheses and may contain spaces: fields follow the last ')'.
    let rest = text
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("malformed stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .context("short stat")?
            .parse::<u64>()
            .context("stat field")
    };
    // Fields 14 and 15 of stat(5); index 0 here is field 3 (state).
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_micros(total * 1_000_000 / clock_ticks()))
}

/// A `kB` line of `/proc/<pid>/status`.
fn status_kib(pid: u32, key: &str) -> anyhow::Result<u64> {
    let text = fs::read_to_string(format!("/proc/{pid}/status"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no {key} in /proc/{pid}/status"))
}

/// CPU time of this process so far.
pub fn self_cpu() -> anyhow::Result<Duration> {
    cpu_of("/proc/self/stat")
}

/// A directory removed on drop (unless `keep`).
pub struct TempDir {
    pub path: PathBuf,
    keep: bool,
}

impl TempDir {
    pub fn new(label: &str, keep: bool) -> anyhow::Result<TempDir> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("tutor-bench-{}-{n}-{label}", std::process::id()));
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir { path, keep })
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.path.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("kept {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// (apparent bytes, allocated bytes) of every file under `path`.
pub fn dir_size(path: &Path) -> anyhow::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let mut apparent = 0;
    let mut allocated = 0;
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            let (a, b) = dir_size(&entry.path())?;
            apparent += a;
            allocated += b;
        } else {
            apparent += meta.len();
            allocated += meta.blocks() * 512;
        }
    }
    Ok((apparent, allocated))
}

/// Copies a directory tree (a closed sled database).
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// "N × model, M GiB RAM" from /proc/cpuinfo and /proc/meminfo.
pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem_kib: u64 = fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    format!(
        "{cores} × {model}, {:.1} GiB RAM, {}",
        mem_kib as f64 / 1024.0 / 1024.0,
        std::env::consts::ARCH
    )
}

/// The profile this binary was built with ("release", "debug", …).
pub fn profile() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.file_name()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into())
}

/// The 1-minute load average (other work on the machine skews the figures).
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
