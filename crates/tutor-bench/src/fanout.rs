//! Scenario 2, `fanout`: the daily question to every subscribed chat at once, under
//! Telegram's limits scaled ×100, kept by the bot's pace and enforced by the fake.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveTime, Timelike, Utc};
use teloxide::adaptors::throttle::Limits;
use tutor::store::{Chat, ChatKind, Daily, JobKind, Learner, Store};

use crate::answers::wait_for;
use crate::child::BotArgs;
use crate::fake::{Fake, RateLimits, Setup};
use crate::load::FIRST_LEARNER;
use crate::proc::{Child, TempDir, copy_dir};
use crate::report::{Table, median, ms, spread, thousands, verdict};
use tutor::telegram::SCHEDULER_BATCH;

pub struct Opts {
    pub chats: usize,
    pub runs: usize,
    /// Telegram's limits × this (30/s overall, 1/s per chat, 20/min per chat).
    pub scale: u32,
    /// Stop a run that has not finished after this long (its rate is still reported).
    pub max_secs: u64,
    pub quick: bool,
    pub keep: bool,
}

pub struct Summary {
    pub scan_cold: Duration,
    pub scan_warm: Duration,
    pub rate: f64,
    pub configured: f64,
    pub rejected: usize,
    pub cpu_per_1000: Duration,
    pub completed: bool,
    pub duration: Duration,
}

/// A fixed-offset zone where it is now between 10:00 and 21:59, so a 09:00 daily
/// question is due today and the local day does not change during the run.
fn zone_past_nine(now: DateTime<Utc>) -> String {
    let h = i64::from(now.hour());
    let off = (-12..=14)
        .min_by_key(|o| ((h + o).rem_euclid(24) - 15).abs())
        .unwrap_or(0);
    match off {
        0 => "Etc/UTC".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// `chats` private chats subscribed at 09:00, all due at one instant ≤ now.
fn build(db: &Path, chats: usize) -> anyhow::Result<(String, Duration)> {
    let started = Instant::now();
    let now = Utc::now();
    let tz = zone_past_nine(now);
    let due = now - chrono::Duration::seconds(i64::from(now.second()) + 60);
    let store = Store::open(db, Default::default())?;
    let nine = NaiveTime::from_hms_opt(9, 0, 0).context("09:00")?;
    for i in 0..chats as i64 {
        let id = FIRST_LEARNER + i;
        let name = format!("L{id}");
        store.update_learner(id, |_| Learner::new(id, name.clone(), now))?;
        store.update_chat(id, |_| {
            let zone = tz.parse().unwrap_or(chrono_tz::UTC);
            let mut c = Chat::new(id, ChatKind::Private, name.clone(), zone);
            c.daily = Some(Daily {
                time: nine,
                reveal: None,
                last_sent: None,
                remind: false,
                last_reminded: None,
            });
            c
        })?;
        store.schedule(id, JobKind::Daily, Some(due))?;
    }
    store.flush_blocking()?;
    Ok((tz, started.elapsed()))
}

pub fn run(o: &Opts) -> anyhow::Result<Summary> {
    let s = o.scale;
    let limits = Limits {
        messages_per_sec_chat: s,
        messages_per_min_chat: 20 * s,
        messages_per_min_channel_or_supergroup: 10 * s,
        messages_per_sec_overall: 30 * s,
    };
    println!(
        "## fanout — {} private chats subscribed at 09:00, all due at one instant; Telegram's limits ×{s}: {}/s overall, {}/s and {}/min per chat, in the bot's pace and in the fake (429 + retry_after beyond them)\n",
        thousands(o.chats as u64),
        thousands(limits.messages_per_sec_overall.into()),
        limits.messages_per_sec_chat,
        limits.messages_per_min_chat
    );
    let tmp = TempDir::new("fanout", o.keep)?;
    let src = tmp.join("db-src");
    let (tz, took) = build(&src, o.chats)?;
    println!(
        "built the database in {:.1} s (zone {tz}, where 09:00 has passed today)",
        took.as_secs_f64()
    );

    // Finding the due chats: a range scan of the schedule index.
    let store = Store::open(&src, Default::default())?;
    let t = Instant::now();
    let jobs = store.due_jobs(Utc::now(), usize::MAX)?;
    let scan_cold = t.elapsed();
    anyhow::ensure!(
        jobs.len() == o.chats,
        "due_jobs found {} of {} chats",
        jobs.len(),
        o.chats
    );
    let t = Instant::now();
    let again = store.due_jobs(Utc::now(), usize::MAX)?.len();
    let scan_warm = t.elapsed();
    let t = Instant::now();
    let first_batch = store.due_jobs(Utc::now(), SCHEDULER_BATCH)?.len();
    let scan_batch = t.elapsed();
    anyhow::ensure!(again == o.chats && first_batch == o.chats.min(SCHEDULER_BATCH));
    drop(store);

    let configured = f64::from(limits.messages_per_sec_overall);
    let mut outs = Vec::new();
    let mut per_chat = 0.0;
    for run in 0..o.runs {
        let db = tmp.join(&format!("db-run{run}"));
        copy_dir(&src, &db)?;
        let fake = Fake::start(Setup {
            limits: Some(RateLimits {
                overall: limits.messages_per_sec_overall as usize,
                per_chat: limits.messages_per_sec_chat as usize,
            }),
            ..Setup::default()
        })?;
        let args = BotArgs::with_limits(db.clone(), fake.url().parse()?, limits, 64);
        let log = tmp.join(&format!("fanout-run{run}.log"));
        let mut child = Child::spawn_self(&args.to_args(), &log)?;
        wait_for(&mut child, Duration::from_secs(60), || fake.sends() > 0)
            .context("no daily question was sent")?;
        let cpu0 = child.cpu()?;
        let sends0 = fake.sends();
        let deadline = Duration::from_secs(o.max_secs);
        let mut last_report = Instant::now();
        // Done when every chat has its daily question and no send followed for 1 s.
        let mut last_count = (0, Instant::now());
        let completed = wait_for(&mut child, deadline, || {
            let sends = fake.sends();
            if sends != last_count.0 {
                last_count = (sends, Instant::now());
            }
            if last_report.elapsed() >= Duration::from_secs(15) {
                last_report = Instant::now();
                eprintln!(
                    "  … {} of {} chats served ({} messages), {} answered 429",
                    thousands(fake.chats() as u64),
                    thousands(o.chats as u64),
                    thousands(sends as u64),
                    fake.rejected()
                );
            }
            fake.chats() >= o.chats && last_count.1.elapsed() >= Duration::from_secs(1)
        })
        .is_ok();
        let cpu1 = child.cpu()?;
        let sends1 = fake.sends();
        fake.stop_polls();
        child.terminate(Duration::from_secs(60))?;
        let rec = fake.record();
        if o.quick && !completed {
            bail!("fan-out served {} of {} chats", rec.chats.len(), o.chats);
        }
        if completed {
            // The counts add up: every chat claimed today's question, once.
            let store = Store::open(&db, Default::default())?;
            let claimed = store
                .chats()?
                .iter()
                .filter(|c| c.daily.as_ref().is_some_and(|d| d.last_sent.is_some()))
                .count();
            anyhow::ensure!(
                claimed == o.chats && rec.chats.len() == o.chats,
                "{claimed} chats claimed today's question, {} received one, of {}",
                rec.chats.len(),
                o.chats
            );
            let requests = rec.methods.get("sendmessage").copied().unwrap_or(0)
                + rec.methods.get("sendphoto").copied().unwrap_or(0);
            anyhow::ensure!(
                requests == rec.sends.len() + rec.rejected,
                "send requests {requests} ≠ {} accepted + {} rejected",
                rec.sends.len(),
                rec.rejected
            );
            per_chat = rec.sends.len() as f64 / o.chats as f64;
        }
        let (first, last) = (rec.sends[0], rec.sends[rec.sends.len() - 1]);
        let span = last.saturating_duration_since(first);
        let rate = (rec.sends.len() - 1) as f64 / span.as_secs_f64().max(1e-9);
        let cpu_per_1000 =
            (cpu1.saturating_sub(cpu0)).mul_f64(1000.0 / (sends1 - sends0).max(1) as f64);
        println!(
            "run {}: {} chats, {} messages in {:.1} s: {:.0} messages/s ({:.1}% of {configured:.0}/s), {} answered 429, {} connections, bot CPU {:.0} ms per 1,000 sends{}",
            run + 1,
            thousands(rec.chats.len() as u64),
            thousands(rec.sends.len() as u64),
            span.as_secs_f64(),
            rate,
            100.0 * rate / configured,
            rec.rejected,
            fake.connections(),
            ms(cpu_per_1000),
            if completed {
                ""
            } else {
                " (stopped: --max-secs)"
            }
        );
        outs.push((rate, rec.rejected, cpu_per_1000, completed, span));
    }
    println!();
    let rates: Vec<f64> = outs.iter().map(|o| o.0).collect();
    let summary = Summary {
        scan_cold,
        scan_warm,
        rate: median(&rates),
        configured,
        rejected: outs.iter().map(|o| o.1).max().unwrap_or(0),
        cpu_per_1000: Duration::from_secs_f64(median(
            &outs.iter().map(|o| o.2.as_secs_f64()).collect::<Vec<_>>(),
        )),
        completed: outs.iter().all(|o| o.3),
        duration: Duration::from_secs_f64(median(
            &outs.iter().map(|o| o.4.as_secs_f64()).collect::<Vec<_>>(),
        )),
    };
    let within = (summary.rate / configured - 1.0).abs() <= 0.05;
    let mut t = Table::new(&["figure", "value", "target", ""]);
    t.row(vec![
        format!(
            "due_jobs: all {} due chats, cold cache",
            thousands(o.chats as u64)
        ),
        format!("{:.1} ms", ms(scan_cold)),
        "< 1 s".into(),
        verdict(scan_cold < Duration::from_secs(1)),
    ]);
    t.row(vec![
        "due_jobs: all due chats, warm".into(),
        format!("{:.1} ms", ms(scan_warm)),
        "< 1 s".into(),
        verdict(scan_warm < Duration::from_secs(1)),
    ]);
    t.row(vec![
        format!(
            "due_jobs: the scheduler's batch of {}",
            thousands(SCHEDULER_BATCH as u64)
        ),
        format!("{:.2} ms", ms(scan_batch)),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "achieved send rate".into(),
        format!(
            "{} msg/s = {:.1}% of {configured:.0}/s",
            spread(&rates, |x| format!("{x:.0}")),
            100.0 * summary.rate / configured
        ),
        "within 5%".into(),
        verdict(within),
    ]);
    t.row(vec![
        "sends answered 429 (worst run)".into(),
        summary.rejected.to_string(),
        "0".into(),
        verdict(summary.rejected == 0),
    ]);
    t.row(vec![
        "bot process CPU per 1,000 sends".into(),
        format!("{:.0} ms", ms(summary.cpu_per_1000)),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        format!(
            "time for the whole fan-out ({:.1} messages per chat)",
            per_chat
        ),
        if summary.completed {
            format!("{:.1} s", summary.duration.as_secs_f64())
        } else {
            format!(
                "not finished within {} s (projected {:.0} s)",
                o.max_secs,
                o.chats as f64 * per_chat.max(1.0) / summary.rate
            )
        },
        format!(
            "{:.1} s at the limit",
            o.chats as f64 * per_chat.max(1.0) / configured
        ),
        String::new(),
    ]);
    println!("fanout: medians of {} run(s)", o.runs);
    t.print();
    Ok(summary)
}
