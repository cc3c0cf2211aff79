//! Scenario 1, `answers`: answer throughput and latency over the real dispatcher,
//! learn core and store (durable flushes), against a bare teloxide dispatcher.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use tutor::bank::Bank;
use tutor::store::Store;

use crate::child::{BotArgs, UNBOUND};
use crate::fake::{Fake, Feed, Release, Setup, arrival_at};
use crate::load::{FIRST_LEARNER, Plan, seed_learners};
use crate::peer::Peer;
use crate::proc::{Child, TempDir, self_cpu};
use crate::report::{Table, median, ms, percentile, spread, thousands};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Tutor,
    BareThrottle,
    BarePlain,
    /// `peer/peer.py` (aiogram 3 + SQLite), when Python has aiogram.
    Peer,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Tutor => "tutor",
            Engine::BareThrottle => "bare teloxide (Throttle)",
            Engine::BarePlain => "bare teloxide (no Throttle)",
            Engine::Peer => "aiogram + SQLite peer",
        }
    }

    fn file_label(self) -> &'static str {
        match self {
            Engine::Tutor => "tutor",
            Engine::BareThrottle => "bare-throttle",
            Engine::BarePlain => "bare-plain",
            Engine::Peer => "peer",
        }
    }
}

/// One pass of load 1 through one engine.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub answered: usize,
    pub rights: usize,
    /// Answers per second: answers / (last verdict message − first update leaving, or
    /// arriving in arrival mode).
    pub throughput: f64,
    pub all: Latency,
    pub taps: Latency,
    pub typed: Latency,
    /// CPU time of the bot process per answer.
    pub cpu_per_answer: Duration,
    /// CPU time of the benchmark process (mostly the fake) per answer.
    pub fake_cpu_per_answer: Duration,
    pub peak_rss: u64,
    /// RSS when the bot was ready, before the load.
    pub rss_before: u64,
    /// TCP connections the bot opened to the fake (start-up included).
    pub connections: usize,
    /// Bot API requests other than `getUpdates` after the load began, per answer.
    pub requests_per_answer: f64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latency {
    pub fn of(mut v: Vec<Duration>) -> Latency {
        v.sort();
        Latency {
            p50: percentile(&v, 50.0),
            p99: percentile(&v, 99.0),
            max: v.last().copied().unwrap_or_default(),
        }
    }
}

/// How a pass feeds the updates.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Every batch as soon as the bot polls for it.
    Saturating,
    /// One batch per interval (an offered rate below capacity).
    Paced(Duration),
    /// Update `k` arrives at `k / R` s (R per second) and a poll answers with what has
    /// arrived, as Telegram does; latency counts from the arrival.
    Arrival(f64),
}

impl Pace {
    fn label(self) -> &'static str {
        match self {
            Pace::Saturating => "saturating",
            Pace::Paced(_) => "paced",
            Pace::Arrival(_) => "arrival",
        }
    }
}

/// Writes learner, chat and open-card records for `plan` into a new database.
pub fn prepare_db(db: &Path, plan: &Plan) -> anyhow::Result<()> {
    let store = Store::open(db, Default::default())?;
    seed_learners(&store, &plan.learners, Utc::now())?;
    plan.put_cards(&store)?;
    store.flush_blocking()?;
    Ok(())
}

/// How to run one pass.
#[derive(Clone, Copy)]
pub struct PassConfig<'a> {
    pub batch: usize,
    pub pace: Pace,
    /// The tutor bot's database (it must hold the plan's cards).
    pub db: &'a Path,
    pub cache_mb: u64,
    /// Where the logs go.
    pub tmp: &'a TempDir,
    pub timeout: Duration,
    /// For [`Engine::Peer`]: the peer, and its plan file (`peer::write_plan`).
    pub peer: Option<(&'a Peer, &'a Path)>,
}

/// Runs `plan` through `engine` and measures it.
pub fn pass(engine: Engine, plan: &Plan, cfg: &PassConfig<'_>) -> anyhow::Result<Outcome> {
    let PassConfig {
        batch,
        pace,
        db,
        cache_mb,
        tmp,
        timeout,
        peer,
    } = *cfg;
    let fake = Fake::start(Setup {
        feed: Some(Feed {
            updates: plan.updates.clone(),
            batch,
            release: match pace {
                Pace::Saturating => Release::Ready,
                Pace::Paced(iv) => Release::Paced(iv),
                Pace::Arrival(rate) => Release::Arrival(rate),
            },
        }),
        cards: plan.card_index.clone(),
        limits: None,
    })?;
    let api: url::Url = fake.url().parse()?;
    let rate_label = match pace {
        Pace::Arrival(rate) => format!("-{rate}"),
        _ => String::new(),
    };
    let log = tmp.join(&format!(
        "{}-{}{rate_label}.log",
        engine.file_label(),
        pace.label()
    ));
    let bare = |throttle: bool| {
        let mut a = vec!["child-bare".to_string(), "--api".into(), api.to_string()];
        if throttle {
            a.push("--throttle".into());
        }
        a
    };
    let mut child = match engine {
        Engine::Tutor => Child::spawn_self(
            &BotArgs::with_limits(db.to_path_buf(), api.clone(), UNBOUND, cache_mb).to_args(),
            &log,
        )?,
        Engine::BareThrottle => Child::spawn_self(&bare(true), &log)?,
        Engine::BarePlain => Child::spawn_self(&bare(false), &log)?,
        Engine::Peer => {
            let (peer, plan_file) = peer.context("no peer to run")?;
            Child::spawn(peer.command(api.as_str(), plan_file, db), &log)?
        }
    };
    wait_for(&mut child, Duration::from_secs(60), || {
        fake.first_poll().is_some()
    })
    .context("the bot under test never polled for updates")?;
    let rss_before = child.rss()?;
    let cpu0 = child.cpu()?;
    let self0 = self_cpu()?;
    fake.go();
    let n = plan.len();
    let done = wait_for(&mut child, timeout, || fake.verdicts() >= n);
    let cpu1 = child.cpu()?;
    let self1 = self_cpu()?;
    let requests = fake.requests();
    let peak_rss = child.peak_rss()?;
    fake.stop_polls();
    let status = child.terminate(Duration::from_secs(30))?;
    if let Err(e) = done {
        bail!(
            "{}: only {} of {n} verdicts within {timeout:?} ({e}); log: {}",
            engine.label(),
            fake.verdicts(),
            log.display()
        );
    }
    if !status.success() {
        bail!("{} exited with {status}", engine.label());
    }
    let rec = fake.record();
    let go = fake.go_at().context("the load never began")?;
    let mut all = Vec::with_capacity(n);
    let (mut taps, mut typed) = (Vec::new(), Vec::new());
    let mut rights = 0;
    let mut first_left: Option<Instant> = None;
    let mut last_verdict: Option<Instant> = None;
    for k in 0..n {
        let left = rec.left[k].context("an update never left")?;
        // Latency counts from the update's arrival (arrival mode) or from its leaving.
        let start = match pace {
            Pace::Arrival(rate) => arrival_at(go, k, rate),
            Pace::Saturating | Pace::Paced(_) => left,
        };
        let (verdict_at, right) = rec.verdict[k].context("an update got no verdict")?;
        rights += usize::from(right);
        let end = rec.toast[k].map_or(verdict_at, |t| t.min(verdict_at));
        let lat = end.saturating_duration_since(start);
        all.push(lat);
        if plan.is_tap[k] {
            taps.push(lat);
        } else {
            typed.push(lat);
        }
        first_left = Some(first_left.map_or(start, |f| f.min(start)));
        last_verdict = Some(last_verdict.map_or(verdict_at, |l| l.max(verdict_at)));
    }
    let span = match (first_left, last_verdict) {
        (Some(a), Some(b)) => b.saturating_duration_since(a),
        _ => Duration::ZERO,
    };
    let per = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    Ok(Outcome {
        answered: rec.verdict.iter().filter(|v| v.is_some()).count(),
        rights,
        throughput: n as f64 / span.as_secs_f64().max(1e-9),
        all: Latency::of(all),
        taps: Latency::of(taps),
        typed: Latency::of(typed),
        cpu_per_answer: cpu1.saturating_sub(cpu0) / per,
        fake_cpu_per_answer: self1.saturating_sub(self0) / per,
        peak_rss,
        rss_before,
        connections: fake.connections(),
        requests_per_answer: requests as f64 / n.max(1) as f64,
    })
}

/// Polls `done` every 2 ms until true or `timeout`, failing if the child exits.
pub fn wait_for(
    child: &mut Child,
    timeout: Duration,
    mut done: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let end = Instant::now() + timeout;
    let mut checks = 0u32;
    loop {
        if done() {
            return Ok(());
        }
        if Instant::now() >= end {
            bail!("timed out after {timeout:?}");
        }
        checks += 1;
        if checks % 50 == 0 {
            child.check_alive()?;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub struct Opts {
    pub learners: usize,
    pub cards: usize,
    pub batch: usize,
    pub runs: usize,
    /// The paced passes offer this fraction of the tutor's saturating throughput.
    pub paced_fraction: f64,
    pub quick: bool,
    pub keep: bool,
}

/// The figures the summary needs (medians over the runs).
pub struct Summary {
    pub tutor_throughput: f64,
    pub ratio_throttle: f64,
    pub ratio_plain: f64,
    pub p99_saturating: Duration,
    pub p99_paced: Duration,
    pub p99_paced_taps: Duration,
    pub paced_rate: f64,
}

const ENGINES: [Engine; 3] = [Engine::Tutor, Engine::BareThrottle, Engine::BarePlain];

pub fn run(o: &Opts) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        o.learners >= 1 && o.cards >= 1,
        "--learners and --cards must be at least 1"
    );
    anyhow::ensure!(
        o.learners
            .checked_mul(o.cards)
            .is_some_and(|n| n <= 2_000_000),
        "--learners × --cards is over the 2,000,000 answers a pass may have"
    );
    let bank = Bank::embedded().map_err(|e| anyhow::anyhow!("embedded bank: {e:?}"))?;
    let learners: Vec<i64> = (0..o.learners as i64).map(|i| FIRST_LEARNER + i).collect();
    let plan = Plan::new(&bank, &learners, o.cards, 100, Utc::now())?;
    let n = plan.len();
    println!(
        "## answers — {} learners × {} open cards = {} answers ({} taps, {} typed replies; {} right), getUpdates batches of {}",
        thousands(o.learners as u64),
        o.cards,
        thousands(n as u64),
        thousands(plan.is_tap.iter().filter(|t| **t).count() as u64),
        thousands(plan.is_tap.iter().filter(|t| !**t).count() as u64),
        thousands(plan.expected_right() as u64),
        o.batch
    );
    println!(
        "Flood limits {}/s overall and per chat, {}/min per chat: never binding (the tutor's pace; the bare bot's Throttle in its Throttle pass). The tutor bot runs with a fresh database per pass, sled cache 64 MiB, durable flushes.\n",
        thousands(UNBOUND.messages_per_sec_overall.into()),
        thousands(UNBOUND.messages_per_min_chat.into()),
    );
    let timeout = Duration::from_secs(if o.quick { 120 } else { 900 });
    // results[engine][0 = saturating, 1 = paced] = outcomes over runs
    let mut results: Vec<[Vec<Outcome>; 2]> =
        vec![Default::default(), Default::default(), Default::default()];
    let mut rates = Vec::new();
    for run in 0..o.runs {
        let tmp = TempDir::new("answers", o.keep)?;
        let mut rate = None;
        for (phase, pace_kind) in [(0usize, "saturating"), (1, "paced")] {
            for (e, engine) in ENGINES.iter().enumerate() {
                let pace = match phase {
                    0 => Pace::Saturating,
                    _ => {
                        let r: f64 = rate.context("no saturating tutor figure")?;
                        Pace::Paced(Duration::from_secs_f64(o.batch as f64 / r))
                    }
                };
                let db = tmp.join(&format!("db-{pace_kind}"));
                if *engine == Engine::Tutor {
                    prepare_db(&db, &plan)?;
                }
                let cfg = PassConfig {
                    batch: o.batch,
                    pace,
                    db: &db,
                    cache_mb: 64,
                    tmp: &tmp,
                    timeout,
                    peer: None,
                };
                let out = pass(*engine, &plan, &cfg)
                    .with_context(|| format!("{} ({pace_kind})", engine.label()))?;
                anyhow::ensure!(
                    out.answered == n,
                    "{}: {} of {n} answers got a verdict",
                    engine.label(),
                    out.answered
                );
                if *engine == Engine::Tutor {
                    anyhow::ensure!(
                        out.rights == plan.expected_right(),
                        "tutor graded {} answers right, expected {}",
                        out.rights,
                        plan.expected_right()
                    );
                }
                println!(
                    "run {}: {:<28} {:<10} {:>6.0} answers/s  p50 {:>7.1} ms  p99 {:>7.1} ms  bot CPU {:>4.0} µs/answer (fake {:>3.0})  peak RSS {:>6.1} MiB  {:.2} requests/answer  {:>4} connections",
                    run + 1,
                    engine.label(),
                    pace_kind,
                    out.throughput,
                    ms(out.all.p50),
                    ms(out.all.p99),
                    out.cpu_per_answer.as_secs_f64() * 1e6,
                    out.fake_cpu_per_answer.as_secs_f64() * 1e6,
                    out.peak_rss as f64 / 1048576.0,
                    out.requests_per_answer,
                    out.connections,
                );
                if phase == 0 && *engine == Engine::Tutor {
                    rate = Some((out.throughput * o.paced_fraction).max(1.0));
                    rates.push(out.throughput * o.paced_fraction);
                }
                results[e][phase].push(out);
            }
        }
    }
    println!();
    let f0 = |x: f64| format!("{x:.0}");
    let f1 = |x: f64| format!("{x:.1}");
    let mut t = Table::new(&[
        "engine",
        "load",
        "answers/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "taps p99 ms",
        "typed p99 ms",
        "CPU µs/answer",
        "peak RSS MiB",
        "requests/answer",
        "connections",
    ]);
    let paced_rate = median(&rates);
    for (phase, label) in [
        (0, "saturating".to_string()),
        (1, format!("paced {paced_rate:.0}/s")),
    ] {
        for (e, engine) in ENGINES.iter().enumerate() {
            let v = &results[e][phase];
            let col = |f: &dyn Fn(&Outcome) -> f64| v.iter().map(f).collect::<Vec<f64>>();
            t.row(vec![
                engine.label().into(),
                label.clone(),
                spread(&col(&|o| o.throughput), f0),
                spread(&col(&|o| ms(o.all.p50)), f1),
                spread(&col(&|o| ms(o.all.p99)), f1),
                f1(median(&col(&|o| ms(o.all.max)))),
                f1(median(&col(&|o| ms(o.taps.p99)))),
                f1(median(&col(&|o| ms(o.typed.p99)))),
                f0(median(&col(&|o| o.cpu_per_answer.as_secs_f64() * 1e6))),
                f1(median(&col(&|o| o.peak_rss as f64 / 1048576.0))),
                format!("{:.2}", median(&col(&|o| o.requests_per_answer))),
                spread(&col(&|o| o.connections as f64), f0),
            ]);
        }
    }
    println!(
        "answers: medians of {} run(s) (min–max in parentheses); latency = getUpdates answer leaving the fake → first verdict request (✅/❌ toast or verdict message) reaching it",
        o.runs
    );
    t.print();
    let thr = |e: usize| {
        median(
            &results[e][0]
                .iter()
                .map(|o| o.throughput)
                .collect::<Vec<_>>(),
        )
    };
    let ratio_throttle = thr(0) / thr(1);
    let ratio_plain = thr(0) / thr(2);
    let p99 = |phase: usize, f: &dyn Fn(&Outcome) -> Duration| {
        Duration::from_secs_f64(median(
            &results[0][phase]
                .iter()
                .map(|o| f(o).as_secs_f64())
                .collect::<Vec<_>>(),
        ))
    };
    let summary = Summary {
        tutor_throughput: thr(0),
        ratio_throttle,
        ratio_plain,
        p99_saturating: p99(0, &|o| o.all.p99),
        p99_paced: p99(1, &|o| o.all.p99),
        p99_paced_taps: p99(1, &|o| o.taps.p99),
        paced_rate,
    };
    let mut r = Table::new(&["figure", "value", "target", ""]);
    r.row(vec![
        "throughput ratio tutor / bare teloxide".into(),
        format!("{ratio_plain:.2}"),
        "≥ 0.7".into(),
        crate::report::verdict(ratio_plain >= 0.7),
    ]);
    r.row(vec![
        "  tutor / bare teloxide with its Throttle".into(),
        format!("{ratio_throttle:.2}"),
        "".into(),
        "".into(),
    ]);
    r.row(vec![
        "tutor p99 latency, saturating".into(),
        format!("{:.1} ms", ms(summary.p99_saturating)),
        "≤ 20 ms".into(),
        crate::report::verdict(summary.p99_saturating <= Duration::from_millis(20)),
    ]);
    r.row(vec![
        format!("tutor p99 latency, paced {paced_rate:.0}/s"),
        format!("{:.1} ms", ms(summary.p99_paced)),
        "≤ 20 ms".into(),
        crate::report::verdict(summary.p99_paced <= Duration::from_millis(20)),
    ]);
    r.print();
    Ok(summary)
}
