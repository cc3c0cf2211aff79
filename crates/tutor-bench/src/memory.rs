//! Scenario 3, `memory`: a database of many learners with history; the bot's peak
//! RSS while serving load 1 on it, and the bytes on disk per learner after a
//! compaction (a backup into a fresh directory).

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tutor::bank::{Bank, Kind};
use tutor::learn::{Progress, update_progress};
use tutor::store::{Chat, ChatKind, Learner, LoggedAnswer, Store};

use crate::answers::{Engine, Pace, PassConfig, pass};
use crate::load::{FIRST_LEARNER, Plan};
use crate::proc::{TempDir, dir_size};
use crate::report::{Table, median, mib, ms, spread, thousands, verdict};

pub struct Opts {
    pub learners: usize,
    pub progress: usize,
    pub log: usize,
    /// Load 1 on the first `load_learners` learners, `load_cards` cards each.
    pub load_learners: usize,
    pub load_cards: usize,
    pub cache_mb: u64,
    pub runs: usize,
    pub quick: bool,
    pub keep: bool,
}

pub struct Summary {
    pub peak_rss: f64,
    pub bytes_per_learner: f64,
    /// The database (for `startup` on a large database), removed when dropped.
    pub db: (TempDir, std::path::PathBuf),
}

/// A spread of plausible progress records: FSRS states after a few answers.
fn progress_pool(now: chrono::DateTime<Utc>) -> Vec<Progress> {
    let mut rng = StdRng::seed_from_u64(7);
    (0..64)
        .map(|_| {
            let answers = rng.random_range(1..8);
            let mut at = now - chrono::Duration::days(120);
            let mut p: Option<Progress> = None;
            for _ in 0..answers {
                at += chrono::Duration::hours(rng.random_range(12..24 * 20));
                let right = rng.random_bool(0.7);
                p = Some(update_progress(
                    p.as_ref(),
                    right,
                    if right { "B" } else { "C" },
                    at,
                    chrono_tz::UTC,
                ));
            }
            p.expect("at least one answer")
        })
        .collect()
}

pub(crate) fn build(
    store: &Store,
    bank: &Bank,
    learners: usize,
    per_progress: usize,
    per_log: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let now = Utc::now();
    let pool = progress_pool(now);
    let questions = bank.questions();
    anyhow::ensure!(
        questions.len() >= per_progress,
        "the bank has {} questions, fewer than {per_progress}",
        questions.len()
    );
    let mut rng = StdRng::seed_from_u64(11);
    for i in 0..learners as i64 {
        let id = FIRST_LEARNER + i;
        let name = format!("L{id}");
        let learner = Learner::new(id, name.clone(), now - chrono::Duration::days(200));
        let start = rng.random_range(0..questions.len());
        let picked: Vec<&tutor::bank::Question> = (0..per_progress)
            .map(|k| &questions[(start + k) % questions.len()])
            .collect();
        let progress: Vec<(String, Progress)> = picked
            .iter()
            .map(|q| (q.id.clone(), pool[rng.random_range(0..pool.len())].clone()))
            .collect();
        let log: Vec<LoggedAnswer> = (0..per_log)
            .map(|k| {
                let q = picked[k % picked.len()];
                let answer = match q.kind {
                    Kind::Judge => "对",
                    Kind::Single => "B",
                    Kind::Multi => "BD",
                };
                LoggedAnswer {
                    at: now - chrono::Duration::minutes(((per_log - k) * 1440) as i64)
                        + chrono::Duration::seconds(rng.random_range(0..3600)),
                    chat: id,
                    message: 1000 + k as i32,
                    question: q.id.clone(),
                    right: rng.random_bool(0.7),
                    answer: answer.into(),
                }
            })
            .collect();
        store.update_chat(id, |_| {
            Chat::new(
                id,
                ChatKind::Private,
                name.clone(),
                chrono_tz::Asia::Shanghai,
            )
        })?;
        store.import_history(&learner, &progress, &log)?;
        if (i + 1) % 20_000 == 0 {
            eprintln!(
                "  … {} learners in {:.0} s",
                thousands((i + 1) as u64),
                started.elapsed().as_secs_f64()
            );
        }
    }
    store.flush_blocking()?;
    Ok(started.elapsed())
}

pub fn run(o: &Opts) -> anyhow::Result<Summary> {
    println!(
        "## memory — {} learners × ({} progress records + {} logged answers) and a private chat each; load 1 ({} learners × {} cards) served on it with --cache-mb {}\n",
        thousands(o.learners as u64),
        o.progress,
        o.log,
        thousands(o.load_learners as u64),
        o.load_cards,
        o.cache_mb
    );
    let bank = Bank::embedded().map_err(|e| anyhow::anyhow!("embedded bank: {e:?}"))?;
    let tmp = TempDir::new("memory", o.keep)?;
    let db = tmp.join("db");
    let logical = {
        let store = Store::open(&db, Default::default())?;
        let took = build(&store, &bank, o.learners, o.progress, o.log)?;
        let records = o.learners * (o.progress + o.log + 2);
        println!(
            "built through Store::import_history in {:.1} s ({:.0} records/s)",
            took.as_secs_f64(),
            records as f64 / took.as_secs_f64()
        );
        // The counts add up: a sample of learners reads back whole.
        for id in [FIRST_LEARNER, FIRST_LEARNER + o.learners as i64 - 1] {
            let p = store.progress(id)?.len();
            let l = store
                .log(id, Utc::now() - chrono::Duration::days(400))?
                .len();
            anyhow::ensure!(
                p == o.progress && l == o.log,
                "learner {id}: {p} progress, {l} log entries"
            );
        }
        store.tree_sizes()?
    };
    let mut t = Table::new(&["tree", "records", "key bytes", "value bytes", "per learner"]);
    let mut total = 0;
    for s in logical.iter().filter(|s| s.records > 0) {
        total += s.key_bytes + s.value_bytes;
        t.row(vec![
            s.tree.into(),
            thousands(s.records),
            thousands(s.key_bytes),
            thousands(s.value_bytes),
            format!(
                "{:.0} B",
                (s.key_bytes + s.value_bytes) as f64 / o.learners as f64
            ),
        ]);
    }
    let logical_per_learner = total as f64 / o.learners as f64;
    t.row(vec![
        "all".into(),
        String::new(),
        String::new(),
        String::new(),
        format!("{logical_per_learner:.0} B"),
    ]);
    println!("the data itself (keys + values, before sled's overhead):");
    t.print();
    let (raw_apparent, raw_alloc) = dir_size(&db)?;
    println!(
        "database as written: {} apparent, {} allocated ({:.0} bytes per learner allocated)",
        mib(raw_apparent as f64),
        mib(raw_alloc as f64),
        raw_alloc as f64 / o.learners as f64
    );

    let learners: Vec<i64> = (0..o.load_learners as i64)
        .map(|i| FIRST_LEARNER + i)
        .collect();
    let timeout = Duration::from_secs(if o.quick { 120 } else { 900 });
    let mut peaks = Vec::new();
    let mut paced_peaks = Vec::new();
    let mut ready = Vec::new();
    let mut throughputs = Vec::new();
    let mut per_learner = Vec::new();
    let mut backup_secs = Vec::new();
    for run in 0..o.runs {
        // Saturating, then paced at half that rate; fresh open cards for each pass.
        let mut rate = None;
        for phase in 0..2 {
            let base = 100_000 * (2 * run as i32 + phase + 1);
            let plan = Plan::new(&bank, &learners, o.load_cards, base, Utc::now())?;
            {
                let store = Store::open(&db, Default::default())?;
                plan.put_cards(&store)?;
                store.flush_blocking()?;
            }
            let pace = match rate {
                None => Pace::Saturating,
                Some(r) => Pace::Paced(Duration::from_secs_f64(100.0 / r)),
            };
            let cfg = PassConfig {
                batch: 100,
                pace,
                db: &db,
                cache_mb: o.cache_mb,
                tmp: &tmp,
                timeout,
                peer: None,
            };
            let out = pass(Engine::Tutor, &plan, &cfg).context("serving load 1")?;
            anyhow::ensure!(
                out.answered == plan.len() && out.rights == plan.expected_right(),
                "{} of {} answers graded, {} right (expected {})",
                out.answered,
                plan.len(),
                out.rights,
                plan.expected_right()
            );
            println!(
                "run {}: {} load 1: {:.0} answers/s, p99 {:.1} ms; RSS {} when ready, peak {} ({} connections)",
                run + 1,
                if rate.is_none() {
                    "saturating"
                } else {
                    "paced"
                },
                out.throughput,
                ms(out.all.p99),
                mib(out.rss_before as f64),
                mib(out.peak_rss as f64),
                out.connections
            );
            if rate.is_none() {
                rate = Some((out.throughput / 2.0).max(1.0));
                peaks.push(out.peak_rss as f64);
                ready.push(out.rss_before as f64);
                throughputs.push(out.throughput);
            } else {
                paced_peaks.push(out.peak_rss as f64);
            }
        }
        let backup = tmp.join(&format!("backup-{run}"));
        let t = Instant::now();
        Store::open(&db, Default::default())?.backup(&backup)?;
        let took = t.elapsed();
        let (_, alloc) = dir_size(&backup)?;
        let _ = std::fs::remove_dir_all(&backup);
        println!(
            "run {}: backup in {:.1} s: {} allocated = {:.0} bytes per learner",
            run + 1,
            took.as_secs_f64(),
            mib(alloc as f64),
            alloc as f64 / o.learners as f64
        );
        per_learner.push(alloc as f64 / o.learners as f64);
        backup_secs.push(took.as_secs_f64());
    }
    println!();
    let summary = Summary {
        peak_rss: median(&peaks),
        bytes_per_learner: median(&per_learner),
        db: (tmp, db),
    };
    let mut t = Table::new(&["figure", "value", "target", ""]);
    t.row(vec![
        format!(
            "peak RSS (VmHWM) of the bot serving load 1, saturating, cache {} MiB",
            o.cache_mb
        ),
        spread(&peaks, mib),
        "≤ 150 MiB".into(),
        verdict(summary.peak_rss <= 150.0 * 1024.0 * 1024.0),
    ]);
    t.row(vec![
        "  the same, paced at half that rate".into(),
        spread(&paced_peaks, mib),
        "≤ 150 MiB".into(),
        verdict(median(&paced_peaks) <= 150.0 * 1024.0 * 1024.0),
    ]);
    t.row(vec![
        "  RSS when ready, before the load".into(),
        spread(&ready, mib),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "  saturating answers/s on this database".into(),
        spread(&throughputs, |x| format!("{x:.0}")),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "on disk per learner after backup (allocated bytes / learners)".into(),
        format!(
            "{} B = {:.1} KiB",
            spread(&per_learner, |x| format!("{x:.0}")),
            summary.bytes_per_learner / 1024.0
        ),
        "≤ 8 KiB".into(),
        verdict(summary.bytes_per_learner <= 8192.0),
    ]);
    t.row(vec![
        "  as written, before the backup".into(),
        format!("{:.0} B", raw_alloc as f64 / o.learners as f64),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "  the data itself (keys + values)".into(),
        format!("{logical_per_learner:.0} B"),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "backup (compaction) time".into(),
        format!("{} s", spread(&backup_secs, |x| format!("{x:.1}"))),
        String::new(),
        String::new(),
    ]);
    println!("memory: medians of {} run(s)", o.runs);
    t.print();
    Ok(summary)
}
