//! The disk's own limit: 4 KiB appended to a file and `fdatasync`ed
//! (`File::sync_data`), at a fixed rate, in the directory the database is in. Write
//! `k` starts at `k / rate` s (or as soon as write `k − 1` is done, if that is later);
//! each write's time is from its `write` call to its `fdatasync` returning.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::answers::Latency;

/// What the probe measured.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub writes: usize,
    /// Writes per second over the probe (below the rate if the disk could not keep up).
    pub rate: f64,
    /// Time of one write + `fdatasync`.
    pub sync: Latency,
}

/// Appends 4 KiB + `fdatasync` at `rate` per second for `secs` in `dir`; the file is
/// removed afterwards.
pub fn probe(dir: &Path, rate: f64, secs: f64) -> anyhow::Result<Probe> {
    anyhow::ensure!(
        rate.is_finite() && rate > 0.0 && secs.is_finite() && secs > 0.0,
        "the disk probe needs a positive rate and duration"
    );
    let path = dir.join("fdatasync-probe");
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    let block = [0x5au8; 4096];
    let total = ((rate * secs).round() as usize).max(1);
    let mut times = Vec::with_capacity(total);
    let go = Instant::now();
    let mut last_end = go;
    for k in 0..total {
        let at = go + Duration::from_secs_f64(k as f64 / rate);
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
        let t0 = Instant::now();
        file.write_all(&block)
            .and_then(|()| file.sync_data())
            .with_context(|| format!("writing {}", path.display()))?;
        last_end = Instant::now();
        times.push(last_end - t0);
    }
    drop(file);
    let _ = fs::remove_file(&path);
    let span = last_end.saturating_duration_since(go).as_secs_f64();
    Ok(Probe {
        writes: times.len(),
        rate: times.len() as f64 / span.max(1e-9),
        sync: Latency::of(times),
    })
}

/// The file system `path` is on ("ext4", "tmpfs", …), from the longest matching
/// mount point in /proc/mounts.
pub fn fs_type(path: &Path) -> String {
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mounts = fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let mut f = line.split_whitespace();
        let (Some(dev), Some(point), Some(kind)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        // /proc/mounts escapes spaces and the like as octal (\040).
        let point = point.replace("\\040", " ");
        if path.starts_with(&point) && best.as_ref().is_none_or(|(len, _)| point.len() >= *len) {
            best = Some((point.len(), format!("{kind} on {dev}")));
        }
    }
    best.map_or_else(|| "unknown".into(), |(_, k)| k)
}
