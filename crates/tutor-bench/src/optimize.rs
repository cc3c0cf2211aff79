//! Scenario 5, `optimize`: `tutor optimize --dry-run`, then `tutor optimize`, on the
//! memory scenario's bulk-loaded database (100,000 learners × 200 logged answers),
//! each timed from launch to its printed table; with `--db`, on an existing database
//! instead, where only the dry run is timed.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use tutor::bank::Bank;
use tutor::store::Store;

use crate::proc::TempDir;
use crate::report::thousands;

pub struct Opts {
    pub learners: usize,
    pub db: Option<PathBuf>,
    pub keep: bool,
}

pub fn run(o: &Opts) -> anyhow::Result<()> {
    let _tmp;
    let db = match &o.db {
        Some(db) => {
            println!(
                "## optimize — `tutor optimize --dry-run` on {}\n",
                db.display()
            );
            db.clone()
        }
        None => {
            println!(
                "## optimize — `tutor optimize --dry-run` on {} learners × (50 progress records + 200 logged answers), bulk-loaded as in `memory`\n",
                thousands(o.learners as u64)
            );
            let bank = Bank::embedded().map_err(|e| anyhow::anyhow!("embedded bank: {e:?}"))?;
            let tmp = TempDir::new("optimize", o.keep)?;
            let db = tmp.join("db");
            let store = Store::open(&db, Default::default())?;
            let took = crate::memory::build(&store, &bank, o.learners, 50, 200)?;
            store.seal()?;
            drop(store);
            println!("built in {:.1} s\n", took.as_secs_f64());
            _tmp = tmp;
            db
        }
    };
    let tutor = crate::startup::tutor_binary()?;
    // The dry run first (it leaves the database as it was), then, on a database of
    // its own, the real run, which stores the set chosen.
    let runs: &[bool] = match o.db {
        Some(_) => &[true],
        None => &[true, false],
    };
    for &dry_run in runs {
        let mut cmd = Command::new(&tutor);
        cmd.arg("optimize");
        if dry_run {
            cmd.arg("--dry-run");
        }
        let started = Instant::now();
        let out = cmd
            .arg("--db")
            .arg(&db)
            .output()
            .with_context(|| format!("running {}", tutor.display()))?;
        let wall = started.elapsed();
        anyhow::ensure!(
            out.status.success(),
            "tutor optimize failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = if dry_run {
            "tutor optimize --dry-run"
        } else {
            "tutor optimize"
        };
        if dry_run {
            println!("```\n{}```\n", String::from_utf8_lossy(&out.stdout));
        }
        println!(
            "{name}: {:.2} s from launch to its table (open, sample, fit, evaluate, seal)",
            wall.as_secs_f64()
        );
    }
    Ok(())
}
