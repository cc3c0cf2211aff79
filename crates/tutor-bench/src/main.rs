//! `tutor-bench`: benchmark programs that print figures (not timed tests).
//!
//! ```sh
//! cargo run --release -p tutor-bench -- answers|fanout|memory|startup|all [--quick] [--runs N]
//! cargo run --release -p tutor-bench -- answers --arrival 200,500 --secs 30
//! ```
//!
//! Everything runs on this machine: a fake Bot API on 127.0.0.1 in this process
//! (`fake.rs`), and the bot under test as a child process — this binary re-executed
//! as `child-bot` (`tutor::telegram::run` with chosen flood limits) or
//! `child-bare` (a bare teloxide dispatcher), or the real `tutor run` for `startup` —
//! so the CPU time and peak RSS measured are the bot's own. `--quick` runs tiny
//! sizes and checks only that everything completes and the counts add up.
//! docs/benchmarks.md has the method and the figures.

mod answers;
mod arrival;
mod child;
mod disk;
mod fake;
mod fanout;
mod load;
mod memory;
mod optimize;
mod peer;
mod proc;
mod report;
mod startup;

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use crate::report::{Table, mib, ms, verdict};

#[derive(Parser)]
#[command(
    name = "tutor-bench",
    about = "Benchmarks of the tutor bot against a fake Bot API on 127.0.0.1 (see docs/benchmarks.md)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(clap::Args, Clone, Copy)]
struct Common {
    /// Tiny sizes: checks that every scenario completes and its counts add up (never a timing).
    #[arg(long)]
    quick: bool,
    /// Repetitions; figures are medians (default 3, 1 with --quick).
    #[arg(long)]
    runs: Option<usize>,
    /// Keep the temporary databases and the bots' logs.
    #[arg(long)]
    keep: bool,
}

impl Common {
    fn runs(&self) -> usize {
        self.runs.unwrap_or(if self.quick { 1 } else { 3 }).max(1)
    }
}

#[derive(clap::Args, Clone, Copy)]
struct AnswersArgs {
    /// Learners, each with `--cards` open cards (default 1,000; 40 with --quick).
    #[arg(long)]
    learners: Option<usize>,
    /// Open cards per learner (default 20; 5 with --quick).
    #[arg(long)]
    cards: Option<usize>,
    /// Updates per getUpdates answer.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// The paced passes offer this fraction of the tutor's saturating throughput.
    #[arg(long, default_value_t = 0.5)]
    paced_fraction: f64,
}

/// The arrival mode of `answers` (docs/benchmarks.md, "Arrival mode").
#[derive(clap::Args, Clone)]
struct ArrivalArgs {
    /// Arrival mode, instead of the saturating and paced passes: update k arrives at
    /// k/R s and getUpdates answers with what has arrived, as Telegram does. Several
    /// rates run in turn: --arrival 200,500.
    #[arg(long, value_name = "R", value_delimiter = ',')]
    arrival: Vec<f64>,
    /// Seconds of arrivals per pass: the plan is R × S answers (default 30; 2 with --quick).
    #[arg(long, value_name = "S")]
    secs: Option<f64>,
    /// Seconds of the disk probe (4 KiB + fdatasync at R per second) per rate (default: --secs).
    #[arg(long, value_name = "S")]
    disk_secs: Option<f64>,
    /// Leave the aiogram peer out even where `python3 -c "import aiogram"` succeeds.
    #[arg(long)]
    no_peer: bool,
}

#[derive(clap::Args, Clone, Copy)]
struct FanoutArgs {
    /// Subscribed chats (default 100,000; 500 with --quick).
    #[arg(long)]
    chats: Option<usize>,
    /// Telegram's limits times this.
    #[arg(long, default_value_t = 100)]
    scale: u32,
    /// Stop a fan-out run after this many seconds (its rate is still reported).
    #[arg(long, default_value_t = 3600)]
    max_secs: u64,
}

#[derive(clap::Args, Clone, Copy)]
struct MemoryArgs {
    /// Learners in the database (default 100,000; 500 with --quick).
    #[arg(long)]
    learners: Option<usize>,
    /// sled's cache for the bot (as `tutor run --cache-mb`).
    #[arg(long, default_value_t = 64)]
    cache_mb: u64,
}

#[derive(clap::Args, Clone)]
struct OptimizeArgs {
    /// Learners in the bulk-loaded database (default 100,000; 500 with --quick).
    #[arg(long)]
    learners: Option<usize>,
    /// Run on this existing database instead of building one.
    #[arg(long, value_name = "DIR")]
    db: Option<std::path::PathBuf>,
}

#[derive(clap::Args, Clone)]
struct StartupArgs {
    /// Launches per variant (default 9; 2 with --quick).
    #[arg(long)]
    launches: Option<usize>,
    /// Also launch on this existing database (`all` uses the memory scenario's).
    #[arg(long, value_name = "DIR")]
    db: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// 1. Answer throughput and latency: the tutor bot against a bare teloxide dispatcher.
    Answers {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: AnswersArgs,
        #[command(flatten)]
        arrival: ArrivalArgs,
    },
    /// 2. Daily fan-out: due-job scan, send rate under scaled limits, CPU per 1,000 sends.
    Fanout {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: FanoutArgs,
    },
    /// 3. Memory and disk: peak RSS serving load 1 on a large database, bytes per learner.
    Memory {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: MemoryArgs,
    },
    /// 4. Startup: launch of `tutor run` to its first getUpdates.
    Startup {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: StartupArgs,
    },
    /// 5. Optimizer: `tutor optimize --dry-run` and `tutor optimize` on a bulk-loaded database.
    Optimize {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        args: OptimizeArgs,
    },
    /// All four, then the headline table.
    All {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        answers: AnswersArgs,
        #[command(flatten)]
        fanout: FanoutArgs,
        #[command(flatten)]
        startup: StartupArgs,
    },
    #[command(hide = true)]
    ChildBot(child::BotArgs),
    #[command(hide = true)]
    ChildBare(child::BareArgs),
}

fn answers_opts(c: Common, a: AnswersArgs) -> answers::Opts {
    answers::Opts {
        learners: a.learners.unwrap_or(if c.quick { 40 } else { 1000 }),
        cards: a.cards.unwrap_or(if c.quick { 5 } else { 20 }),
        batch: a.batch.clamp(1, 100),
        runs: c.runs(),
        paced_fraction: a.paced_fraction,
        quick: c.quick,
        keep: c.keep,
    }
}

fn arrival_opts(c: Common, a: AnswersArgs, r: ArrivalArgs) -> anyhow::Result<arrival::Opts> {
    anyhow::ensure!(
        a.cards.is_none(),
        "--cards is not for the arrival mode: its plan is R × --secs answers over the learners"
    );
    let secs = r.secs.unwrap_or(if c.quick { 2.0 } else { 30.0 });
    Ok(arrival::Opts {
        learners: a.learners.unwrap_or(if c.quick { 40 } else { 1000 }),
        rates: r.arrival,
        secs,
        disk_secs: r.disk_secs.unwrap_or(secs),
        batch: a.batch.clamp(1, 100),
        runs: c.runs(),
        peer: !r.no_peer,
        keep: c.keep,
    })
}

fn fanout_opts(c: Common, a: FanoutArgs) -> fanout::Opts {
    fanout::Opts {
        chats: a.chats.unwrap_or(if c.quick { 500 } else { 100_000 }),
        runs: c.runs(),
        scale: a.scale.max(1),
        max_secs: a.max_secs,
        quick: c.quick,
        keep: c.keep,
    }
}

fn memory_opts(c: Common, a: MemoryArgs) -> memory::Opts {
    memory::Opts {
        learners: a.learners.unwrap_or(if c.quick { 500 } else { 100_000 }),
        progress: 50,
        log: 200,
        load_learners: if c.quick { 20 } else { 1000 },
        load_cards: if c.quick { 5 } else { 20 },
        cache_mb: a.cache_mb,
        runs: c.runs(),
        quick: c.quick,
        keep: c.keep,
    }
}

fn startup_opts(c: Common, a: StartupArgs) -> startup::Opts {
    startup::Opts {
        launches: a.launches.unwrap_or(if c.quick { 2 } else { 9 }).max(1),
        keep: c.keep,
        large_db: a.db,
    }
}

fn header(what: &str, c: Common) {
    report::QUICK.store(c.quick, std::sync::atomic::Ordering::Relaxed);
    println!(
        "# tutor-bench {what}{}: {}; profile {}; {}; load average {}\n",
        if c.quick { " --quick" } else { "" },
        proc::machine(),
        proc::profile(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        proc::load_average()
    );
    if c.quick {
        println!("(--quick: tiny sizes; the figures below mean nothing, only that it all ran)\n");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = Instant::now();
    let result = match cli.cmd {
        Cmd::ChildBot(args) => child::bot(args),
        Cmd::ChildBare(args) => child::bare(args),
        Cmd::Answers {
            common,
            args,
            arrival,
        } => {
            if arrival.arrival.is_empty() {
                if arrival.secs.is_some() || arrival.disk_secs.is_some() || arrival.no_peer {
                    Err(anyhow::anyhow!(
                        "--secs, --disk-secs and --no-peer are for the arrival mode: add --arrival R"
                    ))
                } else {
                    header("answers", common);
                    answers::run(&answers_opts(common, args)).map(drop)
                }
            } else {
                arrival_opts(common, args, arrival).and_then(|o| {
                    header("answers --arrival", common);
                    arrival::run(&o)
                })
            }
        }
        Cmd::Fanout { common, args } => {
            header("fanout", common);
            fanout::run(&fanout_opts(common, args)).map(drop)
        }
        Cmd::Memory { common, args } => {
            header("memory", common);
            memory::run(&memory_opts(common, args)).map(drop)
        }
        Cmd::Optimize { common, args } => {
            header("optimize", common);
            optimize::run(&optimize::Opts {
                learners: args
                    .learners
                    .unwrap_or(if common.quick { 500 } else { 100_000 }),
                db: args.db,
                keep: common.keep,
            })
        }
        Cmd::Startup { common, args } => {
            header("startup", common);
            startup::run(&startup_opts(common, args)).map(drop)
        }
        Cmd::All {
            common,
            answers,
            fanout,
            startup,
        } => {
            header("all", common);
            all(common, answers, fanout, startup)
        }
    };
    match result {
        Ok(()) => {
            if !matches!(std::env::args().nth(1).as_deref(), Some(a) if a.starts_with("child-")) {
                eprintln!(
                    "tutor-bench: done in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tutor-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn all(c: Common, a: AnswersArgs, f: FanoutArgs, s: StartupArgs) -> anyhow::Result<()> {
    let ans = answers::run(&answers_opts(c, a))?;
    println!("(load average {})\n", proc::load_average());
    let fan = fanout::run(&fanout_opts(c, f))?;
    println!("(load average {})\n", proc::load_average());
    let mem = memory::run(&memory_opts(
        c,
        MemoryArgs {
            learners: None,
            cache_mb: 64,
        },
    ))?;
    let mut s = s;
    s.db = s.db.or_else(|| Some(mem.db.1.clone()));
    println!("(load average {})\n", proc::load_average());
    let up = startup::run(&startup_opts(c, s))?;
    println!("## headline\n");
    let mut t = Table::new(&["scenario", "figure", "result", "target", ""]);
    t.row(vec![
        "answers".into(),
        "throughput tutor / bare teloxide".into(),
        format!(
            "{:.2} ({:.0} answers/s)",
            ans.ratio_plain, ans.tutor_throughput
        ),
        "≥ 0.7".into(),
        verdict(ans.ratio_plain >= 0.7),
    ]);
    t.row(vec![
        "answers".into(),
        "  the same, bare teloxide with its Throttle".into(),
        format!("{:.2}", ans.ratio_throttle),
        "".into(),
        "".into(),
    ]);
    t.row(vec![
        "answers".into(),
        "p99 latency, saturating".into(),
        format!("{:.1} ms", ms(ans.p99_saturating)),
        "≤ 20 ms".into(),
        verdict(ans.p99_saturating.as_millis() <= 20),
    ]);
    t.row(vec![
        "answers".into(),
        format!("p99 latency at {:.0} answers/s (taps only)", ans.paced_rate),
        format!(
            "{:.1} ms ({:.1} ms)",
            ms(ans.p99_paced),
            ms(ans.p99_paced_taps)
        ),
        "≤ 20 ms".into(),
        verdict(ans.p99_paced.as_millis() <= 20),
    ]);
    t.row(vec![
        "fanout".into(),
        "due_jobs over all due chats (cold / warm)".into(),
        format!("{:.0} / {:.0} ms", ms(fan.scan_cold), ms(fan.scan_warm)),
        "< 1 s".into(),
        verdict(fan.scan_cold.as_secs_f64() < 1.0),
    ]);
    t.row(vec![
        "fanout".into(),
        "send rate under limits ×100".into(),
        format!(
            "{:.0}/s = {:.1}% of {:.0}/s{}",
            fan.rate,
            100.0 * fan.rate / fan.configured,
            fan.configured,
            if fan.completed {
                ""
            } else {
                " (stopped early)"
            }
        ),
        "within 5%".into(),
        verdict((fan.rate / fan.configured - 1.0).abs() <= 0.05),
    ]);
    t.row(vec![
        "fanout".into(),
        "429 answers".into(),
        fan.rejected.to_string(),
        "0".into(),
        verdict(fan.rejected == 0),
    ]);
    t.row(vec![
        "fanout".into(),
        "bot CPU per 1,000 sends".into(),
        format!("{:.0} ms", ms(fan.cpu_per_1000)),
        String::new(),
        String::new(),
    ]);
    t.row(vec![
        "memory".into(),
        "peak RSS serving load 1 (cache 64 MiB)".into(),
        mib(mem.peak_rss),
        "≤ 150 MiB".into(),
        verdict(mem.peak_rss <= 150.0 * 1048576.0),
    ]);
    t.row(vec![
        "memory".into(),
        "disk per learner after backup".into(),
        format!("{:.2} KiB", mem.bytes_per_learner / 1024.0),
        "≤ 8 KiB".into(),
        verdict(mem.bytes_per_learner <= 8192.0),
    ]);
    t.row(vec![
        "startup".into(),
        "launch → first getUpdates (new / existing db)".into(),
        format!("{:.0} / {:.0} ms", ms(up.cold), ms(up.warm)),
        "≤ 300 ms".into(),
        verdict(up.cold.as_millis() <= 300 && up.warm.as_millis() <= 300),
    ]);
    if let Some(large) = up.large {
        t.row(vec![
            "startup".into(),
            "launch → first getUpdates on the memory scenario's database".into(),
            format!("{:.0} ms", ms(large)),
            "≤ 300 ms".into(),
            verdict(large.as_millis() <= 300),
        ]);
    }
    t.print();
    Ok(())
}
