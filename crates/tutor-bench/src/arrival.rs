//! `answers --arrival R[,R…]`: load 1 arriving as Telegram delivers it to a busy bot.
//! Update `k` becomes available at `go + k/R` s, and a `getUpdates` answers with what
//! has arrived by then (up to its limit), long-polling until at least one update has
//! arrived or its timeout ends. The plan is `R × secs` answers, spread over the
//! learners. For each rate, in the same run and one after the other: the disk's own
//! limit (4 KiB + `fdatasync` at R per second in the database's directory), the
//! tutor, bare teloxide, and the aiogram peer where Python has aiogram.
//!
//! Latency is from the update's arrival instant (`go + k/R`, when it became
//! available, not when it left in a `getUpdates` answer) to the first verdict request
//! for it reaching the fake (the ✅/❌ toast for a tap, the verdict message for a
//! typed reply).

use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tutor::bank::Bank;

use crate::answers::{Engine, Outcome, Pace, PassConfig, pass, prepare_db};
use crate::disk::{self, Probe};
use crate::load::{FIRST_LEARNER, Plan};
use crate::peer::{self, Peer};
use crate::proc::TempDir;
use crate::report::{Table, median, ms, spread, thousands, verdict};

pub struct Opts {
    pub learners: usize,
    pub rates: Vec<f64>,
    /// Seconds of arrivals per pass.
    pub secs: f64,
    /// Seconds of the disk probe per rate.
    pub disk_secs: f64,
    pub batch: usize,
    pub runs: usize,
    /// Run the aiogram peer if Python has aiogram.
    pub peer: bool,
    pub keep: bool,
}

/// The most answers one pass may plan (R × secs), and the most disk probe writes.
const MAX_ANSWERS: f64 = 2_000_000.0;
/// The longest a pass or a disk probe may be.
const MAX_SECS: f64 = 86_400.0;

/// Checks a number of seconds given as `what`.
fn check_secs(what: &str, secs: f64) -> anyhow::Result<()> {
    anyhow::ensure!(
        secs.is_finite() && secs > 0.0 && secs <= MAX_SECS,
        "{what} must be a positive number of seconds up to {MAX_SECS}, not {secs}"
    );
    Ok(())
}

/// The answers a pass at `rate` for `secs` plans, or why it cannot.
fn answers_for(rate: f64, secs: f64) -> anyhow::Result<usize> {
    anyhow::ensure!(
        rate.is_finite() && rate > 0.0,
        "--arrival: a rate must be a positive number of updates per second, not {rate}"
    );
    check_secs("--secs", secs)?;
    let n = (rate * secs).round();
    anyhow::ensure!(
        n >= 1.0,
        "--arrival {rate} for {secs} s plans no answer at all"
    );
    anyhow::ensure!(
        n <= MAX_ANSWERS,
        "--arrival {rate} for {secs} s plans {n} answers, over the {MAX_ANSWERS} a pass may have"
    );
    Ok(n as usize)
}

/// One engine's passes at one rate: an outcome, or why the pass failed (the peer's
/// failures are reported, not fatal).
type Passes = Vec<Result<Outcome, String>>;

pub fn run(o: &Opts) -> anyhow::Result<()> {
    anyhow::ensure!(!o.rates.is_empty(), "--arrival needs at least one rate");
    anyhow::ensure!(o.learners >= 1, "--learners must be at least 1");
    check_secs("--secs", o.secs)?;
    check_secs("--disk-secs", o.disk_secs)?;
    let sizes = o
        .rates
        .iter()
        .map(|&r| answers_for(r, o.secs))
        .collect::<anyhow::Result<Vec<usize>>>()?;
    for &r in &o.rates {
        anyhow::ensure!(
            (r * o.disk_secs).round() <= MAX_ANSWERS,
            "--disk-secs {} at {r}/s is over the {MAX_ANSWERS} writes a probe may make",
            o.disk_secs
        );
    }
    // More learners than answers would only be learners without an answer.
    let most = sizes.iter().copied().max().unwrap_or(1);
    let learner_count = o.learners.min(most);
    let bank = Bank::embedded().map_err(|e| anyhow::anyhow!("embedded bank: {e:?}"))?;
    let learners: Vec<i64> = (0..learner_count as i64)
        .map(|i| FIRST_LEARNER + i)
        .collect();
    let mut plans = Vec::with_capacity(sizes.len());
    for &n in &sizes {
        let m = learner_count.min(n);
        let mut plan = Plan::new(&bank, &learners[..m], n.div_ceil(m), 100, Utc::now())?;
        plan.truncate(n);
        plans.push(plan);
    }
    let peer = if o.peer {
        match peer::detect() {
            Ok(p) => Some(p),
            Err(why) => {
                println!("The aiogram peer is skipped: {why}.\n");
                None
            }
        }
    } else {
        println!("The aiogram peer is skipped: --no-peer.\n");
        None
    };
    let mut engines = vec![Engine::Tutor, Engine::BarePlain];
    if peer.is_some() {
        engines.push(Engine::Peer);
    }
    let where_ = TempDir::new("arrival-fs", false)?;
    let fs = disk::fs_type(&where_.path);
    drop(where_);
    println!(
        "## answers, arrival mode — update k arrives at k/R s; {} learners; for each rate R: {} s of arrivals (R × {} answers, half taps, half typed replies), getUpdates answers of at most {} updates; the disk probe {} s; databases in {} ({fs})",
        thousands(learner_count as u64),
        o.secs,
        o.secs,
        o.batch,
        o.disk_secs,
        std::env::temp_dir().display(),
    );
    println!(
        "Engines: {}. The tutor has a fresh database per pass, sled cache 64 MiB, durable flushes{}.\n",
        engines
            .iter()
            .map(|e| e.label())
            .collect::<Vec<_>>()
            .join(", "),
        peer.as_ref().map_or(String::new(), |p| format!(
            "; the peer runs aiogram {} with SQLite (WAL, synchronous=FULL, one transaction per answer)",
            p.aiogram
        )),
    );
    let timeout = Duration::from_secs_f64(o.secs + 300.0);
    // results[rate][engine] over the runs; disks[rate] over the runs.
    let mut results: Vec<Vec<Passes>> = vec![vec![Vec::new(); engines.len()]; o.rates.len()];
    let mut disks: Vec<Vec<Probe>> = vec![Vec::new(); o.rates.len()];
    for run in 0..o.runs {
        for (ri, (&rate, plan)) in o.rates.iter().zip(&plans).enumerate() {
            let tmp = TempDir::new(&format!("arrival-{rate}"), o.keep)?;
            let probe = disk::probe(&tmp.path, rate, o.disk_secs).context("the disk probe")?;
            println!(
                "run {}: {:<28} {:>6}/s  {:>6} writes, {:>6.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
                run + 1,
                "disk: 4 KiB + fdatasync",
                rate,
                probe.writes,
                probe.rate,
                ms(probe.sync.p50),
                ms(probe.sync.p99),
                ms(probe.sync.max),
            );
            disks[ri].push(probe);
            for (e, &engine) in engines.iter().enumerate() {
                let got = one(engine, plan, rate, o, &bank, &tmp, timeout, peer.as_ref());
                match got {
                    Ok(out) => {
                        println!(
                            "run {}: {:<28} {:>6}/s  {:>6.0} answers/s  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  CPU {:>5.0} µs/answer  peak RSS {:>6.1} MiB  {:.2} requests/answer  {:>4} connections",
                            run + 1,
                            engine.label(),
                            rate,
                            out.throughput,
                            ms(out.all.p50),
                            ms(out.all.p99),
                            ms(out.all.max),
                            out.cpu_per_answer.as_secs_f64() * 1e6,
                            out.peak_rss as f64 / 1048576.0,
                            out.requests_per_answer,
                            out.connections,
                        );
                        results[ri][e].push(Ok(out));
                    }
                    Err(err) if engine == Engine::Peer => {
                        println!(
                            "run {}: {} at {rate}/s failed: {err:#}",
                            run + 1,
                            engine.label()
                        );
                        results[ri][e].push(Err(format!("{err:#}")));
                    }
                    Err(err) => return Err(err.context(format!("{} at {rate}/s", engine.label()))),
                }
            }
        }
    }
    println!();
    print_table(o, &engines, &results, &disks);
    print_targets(o, &engines, &results, &disks);
    Ok(())
}

/// One pass of `engine` at `rate`, its counts checked.
#[allow(clippy::too_many_arguments)]
fn one(
    engine: Engine,
    plan: &Plan,
    rate: f64,
    o: &Opts,
    bank: &Bank,
    tmp: &TempDir,
    timeout: Duration,
    peer: Option<&Peer>,
) -> anyhow::Result<Outcome> {
    let n = plan.len();
    let db = tmp.join(&format!("db-{}", engine_file(engine)));
    let plan_file = tmp.join("peer-plan.json");
    match engine {
        Engine::Tutor => prepare_db(&db, plan)?,
        Engine::Peer => peer::write_plan(bank, plan, &plan_file)?,
        Engine::BarePlain | Engine::BareThrottle => {}
    }
    let cfg = PassConfig {
        batch: o.batch,
        pace: Pace::Arrival(rate),
        db: &db,
        cache_mb: 64,
        tmp,
        timeout,
        peer: peer.map(|p| (p, plan_file.as_path())),
    };
    let out = pass(engine, plan, &cfg)?;
    anyhow::ensure!(
        out.answered == n,
        "{} of {n} answers got a verdict",
        out.answered
    );
    if engine != Engine::BarePlain {
        anyhow::ensure!(
            out.rights == plan.expected_right(),
            "graded {} answers right, expected {}",
            out.rights,
            plan.expected_right()
        );
    }
    Ok(out)
}

fn engine_file(e: Engine) -> &'static str {
    match e {
        Engine::Tutor => "tutor",
        Engine::BareThrottle | Engine::BarePlain => "bare",
        Engine::Peer => "peer.sqlite",
    }
}

fn print_table(o: &Opts, engines: &[Engine], results: &[Vec<Passes>], disks: &[Vec<Probe>]) {
    let f0 = |x: f64| format!("{x:.0}");
    let f1 = |x: f64| format!("{x:.1}");
    let f2 = |x: f64| format!("{x:.2}");
    let mut t = Table::new(&[
        "engine",
        "load",
        "answers/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "CPU µs/answer",
        "peak RSS MiB",
        "requests/answer",
        "connections",
    ]);
    for (ri, rate) in o.rates.iter().enumerate() {
        let load = format!("arrival {rate}/s");
        for (e, engine) in engines.iter().enumerate() {
            let ok: Vec<&Outcome> = results[ri][e]
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .collect();
            let failed = results[ri][e].len() - ok.len();
            let mut label = engine.label().to_string();
            if failed > 0 {
                label.push_str(&format!(" ({failed} run(s) failed)"));
            }
            if ok.is_empty() {
                let why = results[ri][e]
                    .iter()
                    .find_map(|r| r.as_ref().err())
                    .map_or("no run", String::as_str);
                t.row(vec![label, load.clone(), format!("failed: {why}")]);
                continue;
            }
            let col = |f: &dyn Fn(&Outcome) -> f64| ok.iter().map(|o| f(o)).collect::<Vec<f64>>();
            t.row(vec![
                label,
                load.clone(),
                spread(&col(&|o| o.throughput), f0),
                spread(&col(&|o| ms(o.all.p50)), f1),
                spread(&col(&|o| ms(o.all.p99)), f1),
                f1(median(&col(&|o| ms(o.all.max)))),
                f0(median(&col(&|o| o.cpu_per_answer.as_secs_f64() * 1e6))),
                f1(median(&col(&|o| o.peak_rss as f64 / 1048576.0))),
                f2(median(&col(&|o| o.requests_per_answer))),
                spread(&col(&|o| o.connections as f64), f0),
            ]);
        }
        let d = &disks[ri];
        let col = |f: &dyn Fn(&Probe) -> f64| d.iter().map(f).collect::<Vec<f64>>();
        t.row(vec![
            "disk: 4 KiB write + fdatasync".into(),
            format!("{rate}/s for {} s", o.disk_secs),
            format!("{} writes/s", f0(median(&col(&|p| p.rate)))),
            spread(&col(&|p| ms(p.sync.p50)), f2),
            spread(&col(&|p| ms(p.sync.p99)), f2),
            f2(median(&col(&|p| ms(p.sync.max)))),
            "—".into(),
            "—".into(),
            "—".into(),
            "—".into(),
        ]);
    }
    println!(
        "answers, arrival mode: medians of {} run(s) (min–max in parentheses). Latency = the first verdict request for an update (✅/❌ toast for a tap, verdict message for a typed reply) reaching the fake − the update's arrival instant (go + k/R; not when it left in a getUpdates answer). answers/s = answers / (last verdict − first arrival). CPU = the bot process's user + system time from go to the last verdict, per answer. requests/answer = Bot API requests other than getUpdates received after go, per answer. connections = TCP connections the bot opened to the fake, start-up included. disk = one 4 KiB append + fdatasync, its own duration, at the same rate in the databases' directory, alone (no bot running).",
        o.runs
    );
    t.print();
}

/// The targets that the arrival mode measures, for each rate (met / MISSED
/// only at 200/s, where they are set).
fn print_targets(o: &Opts, engines: &[Engine], results: &[Vec<Passes>], disks: &[Vec<Probe>]) {
    let med = |ri: usize, engine: Engine, f: &dyn Fn(&Outcome) -> f64| {
        let e = engines.iter().position(|x| *x == engine)?;
        let v: Vec<f64> = results[ri][e]
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(f)
            .collect();
        (!v.is_empty()).then(|| median(&v))
    };
    let mut t = Table::new(&["figure", "rate", "value", "target", ""]);
    for (ri, &rate) in o.rates.iter().enumerate() {
        let judged = |ok: bool| {
            if rate == 200.0 {
                verdict(ok)
            } else {
                String::new()
            }
        };
        let disk_p99 = median(&disks[ri].iter().map(|p| ms(p.sync.p99)).collect::<Vec<_>>());
        if let Some(p99) = med(ri, Engine::Tutor, &|o| ms(o.all.p99)) {
            t.row(vec![
                "tutor p99 against the disk's fdatasync p99".into(),
                format!("{rate}/s"),
                format!("{p99:.1} ms (disk {disk_p99:.2} ms)"),
                "≤ disk p99 + 10 ms".into(),
                judged(p99 <= disk_p99 + 10.0),
            ]);
        }
        let cpu = |e| med(ri, e, &|o| o.cpu_per_answer.as_secs_f64() * 1e6);
        if let (Some(tutor), Some(bare)) = (cpu(Engine::Tutor), cpu(Engine::BarePlain)) {
            let r = tutor / bare.max(1e-9);
            t.row(vec![
                "CPU per answer, tutor / bare teloxide".into(),
                format!("{rate}/s"),
                format!("{r:.2} ({tutor:.0} / {bare:.0} µs)"),
                "≤ 2".into(),
                judged(r <= 2.0),
            ]);
        }
        if let Some(rss) = med(ri, Engine::Tutor, &|o| o.peak_rss as f64 / 1048576.0) {
            t.row(vec![
                "tutor peak RSS".into(),
                format!("{rate}/s"),
                format!("{rss:.1} MiB"),
                "≤ 40 MiB".into(),
                judged(rss <= 40.0),
            ]);
        }
        if let (Some(tutor), Some(peer)) = (cpu(Engine::Tutor), cpu(Engine::Peer)) {
            t.row(vec![
                "CPU per answer, tutor / aiogram peer".into(),
                format!("{rate}/s"),
                format!("{:.2} ({tutor:.0} / {peer:.0} µs)", tutor / peer.max(1e-9)),
                String::new(),
                String::new(),
            ]);
        }
    }
    println!("targets (issue 21; judged at 200/s, where they are set):");
    t.print();
}
