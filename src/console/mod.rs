//! `tutor play`: the terminal practice mode.
//!
//! The same use cases and the same store as the bot: each card comes from
//! [`Tutor::next_card`], shown with its options shuffled in the layout Telegram uses
//! (the same `view` documents, as terminal text), recorded with [`Tutor::presented`],
//! and answered through [`Tutor::answer_blocking`] (FSRS, streak, log), which is
//! flushed to disk before the verdict is shown.
//!
//! Learners: several people can share one machine with `--learner NAME`. A learner's
//! id in the store is [`learner_id`]`(NAME)`, a negative number far below any
//! Telegram id; the console's "chat" for cards is the same id.
//!
//! Ctrl-C: `play` installs handlers for SIGINT, SIGTERM and SIGHUP (`signal-hook`)
//! and reads stdin on a background thread (see `input.rs`). An interruption is
//! handled between inputs like `q`: the session summary is printed and `play`
//! returns `Ok`. Nothing can be lost: every answer is already flushed before its
//! verdict appears, and the store is flushed once more on the way out. The console
//! never changes terminal modes (no raw mode), and every colour it prints is switched
//! off in the same line, so the terminal is left as it was. A second Ctrl-C, should
//! the first somehow not end the session, exits at once with status 130.
//!
//! Scripted input works: without a terminal on stdin there are no prompts, without
//! one on stdout (or with `NO_COLOR` set, or `TERM=dumb`) no colour; end of input
//! ends the session cleanly.

mod input;
mod session;
mod text;

use std::fs;
use std::io::{self, IsTerminal};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use anyhow::{anyhow, bail};
use chrono_tz::Tz;

use crate::app::{Clock, Person, Tutor};
use crate::bank::Bank;
use crate::learn::Scope;
use crate::store::{self, Store, StoreError};

use session::{Session, Setup};

/// The longest learner name accepted, in characters.
const MAX_NAME_CHARS: usize = 64;

/// The options of `tutor play`.
#[derive(Debug, Clone, Default)]
pub struct PlayOptions {
    /// `--chapter N`: practise one chapter.
    pub chapter: Option<u8>,
    /// `--review`: only due reviews and questions last answered wrong.
    pub review: bool,
    /// `--db PATH`; `None`: `<per-user data dir>/db` (e.g. `~/.local/share/tutor/db`).
    pub db: Option<PathBuf>,
    /// `--learner NAME`; `None`: the OS user ($USER / $USERNAME, else "learner").
    pub learner: Option<String>,
}

/// Runs the practice loop on stdin/stdout. Returns Ok on a clean exit (q, Ctrl-D,
/// end of input, Ctrl-C).
pub fn play(bank: Bank, opts: PlayOptions) -> anyhow::Result<()> {
    let scope = scope_of(&bank, &opts)?;
    let name = learner_name(opts.learner.as_deref())?;
    let path = match opts.db {
        Some(p) => p,
        None => default_db()?,
    };
    let store = open_store(&path)?;
    let id = learner_id(&name);
    let tutor = Tutor::new(store, Arc::new(bank), system_tz(), Clock::default());
    let learner = tutor.ensure_learner(Person {
        id,
        name: &name,
        lang_code: None,
    })?;
    let tz = tutor.learner_tz(Some(&learner));

    let stdout = io::stdout();
    let setup = Setup {
        tutor: &tutor,
        learner: id,
        name,
        tz,
        scope,
        prompt: io::stdin().is_terminal(),
        ansi: stdout.is_terminal() && colour_allowed(),
    };
    let mut inputs =
        input::Inputs::start().map_err(|e| anyhow!("无法读取输入或安装 Ctrl-C 处理：{e}"))?;
    let mut session = Session::new(setup, stdout.lock());
    let result = session.run(&mut || inputs.next());
    let flushed = tutor.close_blocking();
    result?;
    flushed.map_err(|e| anyhow!("保存进度失败：{e}"))?;
    Ok(())
}

/// The scope of `--chapter` / `--review`, checked against the bank.
fn scope_of(bank: &Bank, opts: &PlayOptions) -> anyhow::Result<Scope> {
    match (opts.chapter, opts.review) {
        (Some(_), true) => bail!("--chapter 和 --review 不能同时使用"),
        (None, true) => Ok(Scope::Review),
        (None, false) => Ok(Scope::All),
        (Some(n), false) => {
            if bank.questions_in(n).next().is_none() {
                bail!("题库中没有第 {n} 章（可选：{}）", text::chapter_range(bank));
            }
            Ok(Scope::Chapter(n))
        }
    }
}

/// `--learner NAME` (trimmed), else the OS user, else "learner".
fn learner_name(given: Option<&str>) -> anyhow::Result<String> {
    let name = match given {
        Some(n) => n.trim().to_string(),
        None => ["USER", "USERNAME"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty() && !v.chars().any(char::is_control))
            .unwrap_or_else(|| "learner".to_string()),
    };
    if name.is_empty() {
        bail!("--learner 的名字不能为空");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        bail!("--learner 的名字太长（最多 {MAX_NAME_CHARS} 个字符）");
    }
    if name.chars().any(char::is_control) {
        bail!("--learner 的名字不能包含控制字符");
    }
    Ok(name)
}

/// A console learner's id: FNV-1a (64 bit) of `"console:" + name`, mapped into
/// `-2^63 < id <= -2^62`. Stable across runs and machines, never positive (Telegram
/// user ids are) and far below Telegram's negative group ids (|id| < 2^53).
pub fn learner_id(name: &str) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = b"console:"
        .iter()
        .chain(name.as_bytes())
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    // hash >> 2 < 2^62, so this neither overflows nor reaches i64::MIN.
    -(1i64 << 62) - (hash >> 2) as i64
}

/// `<data dir>/db`, creating the data dir (private to the user) if needed.
fn default_db() -> anyhow::Result<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "tutor")
        .ok_or_else(|| anyhow!("找不到用户数据目录（HOME 未设置？），请用 --db 指定数据库目录"))?;
    let data = dirs.data_dir();
    let cannot = |e: io::Error| anyhow!("无法创建数据目录 {}：{e}", data.display());
    if let Some(parent) = data.parent() {
        fs::create_dir_all(parent).map_err(cannot)?;
    }
    match fs::DirBuilder::new().mode(0o700).create(data) {
        Err(e) if !(e.kind() == io::ErrorKind::AlreadyExists && data.is_dir()) => {
            return Err(cannot(e));
        }
        _ => {}
    }
    Ok(data.join("db"))
}

fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path, store::Options::default()).map_err(|e| match e {
        StoreError::Locked(_) => anyhow!(
            "数据库 {} 正被另一个 tutor 进程使用（练习或机器人），请先关闭它，或用 --db 指定其他数据库",
            path.display()
        ),
        e => anyhow!("无法打开数据库 {}：{e}", path.display()),
    })
}

/// The machine's zone: `$TZ`, else the system setting, else Asia/Shanghai.
fn system_tz() -> Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|z| z.trim_start_matches(':').parse().ok())
        .or_else(|| {
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|z| z.parse().ok())
        })
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Colour unless `NO_COLOR` is set (non-empty) or `TERM=dumb`.
fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

#[cfg(test)]
mod tests;
