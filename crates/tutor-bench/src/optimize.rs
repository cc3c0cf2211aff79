//! Scenario 5, `optimize`: `tutor optimize --dry-run` on the memory scenario's
//! bulk-loaded database (100,000 learners × 200 logged answers), timed from launch to
//! its printed table; with `--db`, on an existing database instead.

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
    let started = Instant::now();
    let out = Command::new(&tutor)
        .args(["optimize", "--dry-run", "--db"])
        .arg(&db)
        .output()
        .with_context(|| format!("running {}", tutor.display()))?;
    let wall = started.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "tutor optimize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("```\n{}```\n", String::from_utf8_lossy(&out.stdout));
    println!(
        "tutor optimize --dry-run: {:.2} s from launch to its table (open, sample, fit, evaluate)",
        wall.as_secs_f64()
    );
    Ok(())
}
