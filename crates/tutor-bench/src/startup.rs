//! Scenario 4, `startup`: from launching the real `tutor run` (with
//! `TELOXIDE_API_URL` at the fake) to its first `getUpdates`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::answers::wait_for;
use crate::fake::{Fake, Setup, TOKEN};
use crate::proc::{Child, TempDir, profile};
use crate::report::{Table, median, mib, ms, spread, verdict};

pub struct Opts {
    pub launches: usize,
    pub keep: bool,
    /// Also launch on this (large) existing database.
    pub large_db: Option<PathBuf>,
}

pub struct Summary {
    pub cold: Duration,
    pub warm: Duration,
    pub large: Option<Duration>,
}

/// `tutor` next to this binary, rebuilt first when run under cargo so that it is the
/// current code.
pub(crate) fn tutor_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no directory")?;
    let bin = dir.join("tutor");
    if let Ok(cargo) = std::env::var("CARGO") {
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "tutor", "--bin", "tutor"]);
        match profile().as_str() {
            "debug" => {}
            "release" => {
                cmd.arg("--release");
            }
            other => {
                cmd.args(["--profile", other]);
            }
        }
        // Under `cargo run` the lock file is already up to date.
        cmd.arg("--locked");
        let status = cmd.status().context("running cargo build --bin tutor")?;
        if !status.success() {
            bail!("cargo build --bin tutor failed ({status})");
        }
    }
    if !bin.exists() {
        bail!(
            "{} is missing: build it first (cargo build --release --bins)",
            bin.display()
        );
    }
    Ok(bin)
}

/// One launch: the time to the first `getUpdates`, and the RSS then.
fn launch(tutor: &Path, db: &Path, log: &Path) -> anyhow::Result<(Duration, f64)> {
    let fake = Fake::start(Setup::default())?;
    let mut cmd = Command::new(tutor);
    cmd.arg("run")
        .arg("--db")
        .arg(db)
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", fake.url())
        .env_remove("TUTOR_DB")
        .env_remove("TUTOR_WEBHOOK_URL")
        .env_remove("TUTOR_LISTEN");
    let spawned = Instant::now();
    let mut child = Child::spawn(cmd, log)?;
    wait_for(&mut child, Duration::from_secs(60), || {
        fake.first_poll().is_some()
    })
    .context("tutor run never polled for updates")?;
    let took = fake
        .first_poll()
        .context("no poll")?
        .saturating_duration_since(spawned);
    let rss = child.rss()? as f64;
    fake.stop_polls();
    let status = child.terminate(Duration::from_secs(30))?;
    if !status.success() {
        bail!("tutor run exited with {status} after SIGTERM");
    }
    Ok((took, rss))
}

pub fn run(o: &Opts) -> anyhow::Result<Summary> {
    let tutor = tutor_binary()?;
    println!(
        "## startup — {} run (embedded bank validated, sled opened, getMe, 5 × setMyCommands, deleteWebhook) until its first getUpdates; {} launches each\n",
        tutor.display(),
        o.launches
    );
    let tmp = TempDir::new("startup", o.keep)?;
    let mut cold = Vec::new();
    for i in 0..o.launches {
        let db = tmp.join(&format!("cold-{i}"));
        cold.push(launch(&tutor, &db, &tmp.join(&format!("cold-{i}.log")))?);
    }
    let warm_db = tmp.join("warm");
    launch(&tutor, &warm_db, &tmp.join("warm-init.log"))?;
    let mut warm = Vec::new();
    for i in 0..o.launches {
        warm.push(launch(
            &tutor,
            &warm_db,
            &tmp.join(&format!("warm-{i}.log")),
        )?);
    }
    let mut large = Vec::new();
    if let Some(db) = &o.large_db {
        for i in 0..o.launches {
            large.push(launch(&tutor, db, &tmp.join(&format!("large-{i}.log")))?);
        }
    }
    let times = |v: &[(Duration, f64)]| v.iter().map(|(d, _)| ms(*d)).collect::<Vec<f64>>();
    let rss = |v: &[(Duration, f64)]| median(&v.iter().map(|(_, r)| *r).collect::<Vec<f64>>());
    let (c, w, l) = (times(&cold), times(&warm), times(&large));
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("new database: {} ms", list(&c));
    println!("existing database: {} ms", list(&w));
    if !l.is_empty() {
        println!("existing large database: {} ms", list(&l));
    }
    println!();
    let summary = Summary {
        cold: Duration::from_secs_f64(median(&c) / 1000.0),
        warm: Duration::from_secs_f64(median(&w) / 1000.0),
        large: (!l.is_empty()).then(|| Duration::from_secs_f64(median(&l) / 1000.0)),
    };
    let mut t = Table::new(&[
        "launch → first getUpdates",
        "median (min–max)",
        "RSS then",
        "target",
        "",
    ]);
    t.row(vec![
        "new database".into(),
        format!("{} ms", spread(&c, |x| format!("{x:.0}"))),
        mib(rss(&cold)),
        "≤ 300 ms".into(),
        verdict(summary.cold <= Duration::from_millis(300)),
    ]);
    t.row(vec![
        "existing database".into(),
        format!("{} ms", spread(&w, |x| format!("{x:.0}"))),
        mib(rss(&warm)),
        "≤ 300 ms".into(),
        verdict(summary.warm <= Duration::from_millis(300)),
    ]);
    if let (Some(large_time), Some(db)) = (summary.large, &o.large_db) {
        let (_, bytes) = crate::proc::dir_size(db)?;
        t.row(vec![
            format!("existing database of {}", mib(bytes as f64)),
            format!("{} ms", spread(&l, |x| format!("{x:.0}"))),
            mib(rss(&large)),
            "≤ 300 ms".into(),
            verdict(large_time <= Duration::from_millis(300)),
        ]);
    }
    println!("startup: medians of {} launches", o.launches);
    t.print();
    Ok(summary)
}
