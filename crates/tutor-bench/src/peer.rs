//! The optional peer engine: `peer/peer.py`, the bot a user would otherwise write
//! (aiogram 3, SQLite in WAL mode with `synchronous=FULL`, one transaction per
//! answer), doing the tutor's work for load 1: grade the answer, record it, then the
//! tutor's calls for that kind of update (a tap: the ✅/❌ toast, the card's keyboard
//! removed, the verdict message replying to the card; a typed reply: the keyboard
//! removed and the verdict message).
//!
//! It runs only when `python3 -c "import aiogram"` succeeds (`peer/requirements.txt`
//! lists what it needs); otherwise it is skipped with the reason printed. Nothing
//! else in the benchmark, and nothing in CI, needs Python.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::json;
use tutor::bank::{Bank, Key, Kind};

use crate::fake::TOKEN;
use crate::load::Plan;

/// The interpreter the peer runs on (from `PATH`: activate a virtualenv to choose one).
const PYTHON: &str = "python3";

/// A Python that can run the peer.
#[derive(Debug, Clone)]
pub struct Peer {
    script: PathBuf,
    /// aiogram's version, as the interpreter reports it.
    pub aiogram: String,
}

/// The peer, or why it cannot run here.
pub fn detect() -> Result<Peer, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peer/peer.py");
    if !script.is_file() {
        return Err(format!("{} is missing", script.display()));
    }
    let out = Command::new(PYTHON)
        .args(["-c", "import aiogram; print(aiogram.__version__)"])
        .output()
        .map_err(|e| format!("`{PYTHON}` could not be run ({e})"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("no message").trim();
        return Err(format!(
            "`{PYTHON} -c \"import aiogram\"` failed ({last}); pip install -r crates/tutor-bench/peer/requirements.txt"
        ));
    }
    Ok(Peer {
        script,
        aiogram: String::from_utf8_lossy(&out.stdout).trim().to_string(),
    })
}

impl Peer {
    /// The command line that runs the peer against `api`, loading `plan` (written by
    /// [`write_plan`]) into a new SQLite database at `db` before its first poll.
    pub fn command(&self, api: &str, plan: &Path, db: &Path) -> Command {
        let mut cmd = Command::new(PYTHON);
        cmd.arg(&self.script)
            .arg("--api")
            .arg(api)
            .arg("--token")
            .arg(TOKEN)
            .arg("--plan")
            .arg(plan)
            .arg("--db")
            .arg(db);
        cmd
    }
}

/// Writes what the peer's database starts with, as JSON: the questions the plan's
/// cards show (kind, options, key in bank order, explanation, first section) and the
/// open cards (chat, message, question, shown order).
pub fn write_plan(bank: &Bank, plan: &Plan, path: &Path) -> anyhow::Result<()> {
    let mut questions = serde_json::Map::new();
    let mut cards = Vec::with_capacity(plan.cards.len());
    for c in &plan.cards {
        if !questions.contains_key(&c.question) {
            let q = bank
                .question(&c.question)
                .with_context(|| format!("question {} is not in the bank", c.question))?;
            let (kind, key) = match (q.kind, q.key) {
                (Kind::Judge, Key::Judge(truth)) => ("judge", json!(truth)),
                (_, Key::Choice(set)) => ("single", json!(set.iter().collect::<Vec<_>>())),
                (kind, key) => anyhow::bail!("question {}: {kind:?} with key {key}", q.id),
            };
            questions.insert(
                q.id.clone(),
                json!({
                    "kind": kind,
                    "options": q.options,
                    "key": key,
                    "explanation": q.explanation,
                    "section": q.sections.first(),
                }),
            );
        }
        cards.push(json!([c.chat, c.message, c.question, c.order]));
    }
    let doc = json!({ "questions": questions, "cards": cards });
    let text = serde_json::to_vec(&doc)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
