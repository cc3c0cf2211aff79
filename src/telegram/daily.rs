//! The scheduler: one task that sleeps until the earliest job in the store's schedule
//! index (daily questions, streak reminders, group deadlines and daily reveals).
//!
//! It never walks every chat: each wake takes the due jobs by a range scan, so the
//! work is proportional to the chats due. Exactly once a day per chat: the day is
//! claimed in the store before the send, so a restart cannot send it twice.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::learn::{self, DailyAction, Scope};
use crate::store::{ChatKind, Job, JobKind};

use super::{App, SendFailure, classify, group};

/// Jobs handled at once: Throttle paces the sends; a slow chat doesn't hold the others.
const CONCURRENCY: usize = 32;
/// Jobs taken per wake.
const BATCH: usize = 1000;
/// Attempts for a send that fails with a network error.
const ATTEMPTS: u32 = 5;
/// The longest sleep without looking at the index again.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let now = Utc::now();
        let jobs = match app.store.due_jobs(now, BATCH) {
            Ok(j) => j,
            Err(e) => {
                warn!(error = %e, "reading the schedule failed");
                Vec::new()
            }
        };
        if !jobs.is_empty() {
            debug!(count = jobs.len(), "due jobs");
            futures::stream::iter(jobs)
                .for_each_concurrent(CONCURRENCY, |job| {
                    let app = app.clone();
                    async move { run_job(&app, job).await }
                })
                .await;
            continue;
        }
        let sleep = match app.store.next_job_time() {
            Ok(Some(at)) => (at - Utc::now())
                .to_std()
                .unwrap_or_default()
                .min(MAX_SLEEP),
            _ => MAX_SLEEP,
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = app.wake.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Runs one job. Every path leaves the job rescheduled or removed, so it never spins.
async fn run_job(app: &Arc<App>, job: Job) {
    let result = match job.kind {
        JobKind::Daily => daily(app, job).await,
        JobKind::Reminder => reminder(app, job).await,
        JobKind::Close => {
            let _ = app.store.schedule(job.chat, JobKind::Close, None);
            group::on_deadline(app, job.chat).await;
            Ok(())
        }
        JobKind::Reveal => {
            let _ = app.store.schedule(job.chat, JobKind::Reveal, None);
            group::on_daily_reveal(app, job.chat).await;
            Ok(())
        }
    };
    if let Err(e) = result {
        warn!(chat = job.chat, kind = ?job.kind, error = %e, "scheduled job failed");
        // Never leave a failing job at the head of the index.
        let _ = app.store.schedule(
            job.chat,
            job.kind,
            Some(Utc::now() + chrono::Duration::minutes(5)),
        );
    }
}

async fn daily(app: &Arc<App>, job: Job) -> anyhow::Result<()> {
    let Some(chat) = app.store.chat(job.chat)? else {
        app.store.schedule(job.chat, JobKind::Daily, None)?;
        return Ok(());
    };
    let Some(d) = chat.daily.clone().filter(|_| chat.active) else {
        app.store.schedule(job.chat, JobKind::Daily, None)?;
        return Ok(());
    };
    let tz = app.tz_of(&chat.tz);
    let now = Utc::now();
    let day = match learn::daily_action(d.time, tz, d.last_sent, now) {
        DailyAction::WaitUntil(at) => {
            app.store.schedule(chat.id, JobKind::Daily, Some(at))?;
            return Ok(());
        }
        DailyAction::SendNow { day } => day,
    };
    let next = learn::send_instant(day.succ_opt().unwrap_or(day), d.time, tz);
    // Claim first: a crash after this point skips the day rather than sending it twice.
    if !app.store.claim_daily(chat.id, day)? {
        app.store.schedule(chat.id, JobKind::Daily, Some(next))?;
        return Ok(());
    }
    app.store.flush().await?;
    app.store.schedule(chat.id, JobKind::Daily, Some(next))?;
    info!(chat = chat.id, %day, "sending the daily question");
    let mut target = chat.id;
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=ATTEMPTS {
        let result = match chat.kind {
            ChatKind::Private => send_private_daily(app, target).await,
            ChatKind::Group => {
                let reveal = d
                    .reveal
                    .unwrap_or_else(|| d.time + chrono::Duration::hours(2));
                let mut reveal_at = learn::send_instant(day, reveal, tz);
                if reveal_at <= now {
                    reveal_at = learn::send_instant(day.succ_opt().unwrap_or(day), reveal, tz);
                }
                let mut c = chat.clone();
                c.id = target;
                group::post_daily(app, &c, reveal_at).await
            }
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) => match classify(&e) {
                SendFailure::Gone => {
                    app.deactivate(target);
                    return Ok(());
                }
                SendFailure::Migrated(new) => {
                    app.on_send_error(target, &e);
                    target = new;
                }
                // A timed-out send may have been delivered: at most once a day, so no retry.
                _ if matches!(&e, RequestError::Network(n) if n.is_timeout()) => {
                    warn!(chat = target, error = %e, "daily send timed out; not retried (it may have arrived)");
                    return Ok(());
                }
                SendFailure::Transient if attempt < ATTEMPTS => {
                    let wait = match &e {
                        RequestError::RetryAfter(s) => s.duration(),
                        _ => delay,
                    };
                    warn!(chat = target, attempt, error = %e, "daily send failed; retrying");
                    tokio::time::sleep(wait).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                _ => return Err(e.into()),
            },
        }
    }
    Ok(())
}

async fn send_private_daily(app: &Arc<App>, chat: i64) -> Result<(), RequestError> {
    let learner = app.store.learner(chat).ok().flatten();
    let lang = learner.as_ref().and_then(|l| l.lang).unwrap_or_default();
    let progress = app.store.progress(chat).unwrap_or_default();
    let pick = learn::next_question(&app.bank, &progress, Scope::All, Utc::now(), None);
    let Some(q) = pick.question().and_then(|id| app.bank.question(id)) else {
        return Ok(());
    };
    // One message per chat: the card itself (fan-out is bounded by Telegram's 30/s).
    app.send_card(chat, q, chat, lang, None, true).await?;
    Ok(())
}

/// One nudge at 21:00 local for a learner with a streak of 3+ who hasn't answered today.
async fn reminder(app: &Arc<App>, job: Job) -> anyhow::Result<()> {
    let chat = app.store.chat(job.chat)?;
    let Some(chat) = chat.filter(|c| c.active && c.daily.as_ref().is_some_and(|d| d.remind)) else {
        app.store.schedule(job.chat, JobKind::Reminder, None)?;
        return Ok(());
    };
    let tz = app.tz_of(&chat.tz);
    let now = Utc::now();
    app.store.schedule(
        chat.id,
        JobKind::Reminder,
        Some(super::handlers::next_reminder(now, tz)),
    )?;
    let Some(learner) = app.store.learner(chat.id)? else {
        return Ok(());
    };
    let last_reminded = chat.daily.as_ref().and_then(|d| d.last_reminded);
    if !learn::should_remind(&learner.streak, last_reminded, now, tz) {
        return Ok(());
    }
    let today = learn::local_day(now, tz);
    let streak = learn::shown_streak(&learner.streak, today);
    if !app.store.claim_reminder(chat.id, today)? {
        return Ok(());
    }
    let lang = learner.lang.unwrap_or_default();
    let text = match lang {
        crate::lang::Lang::Zh => {
            format!("🔥 你已连续学习 {streak} 天，今天还没练习哦！发送 /quiz 保持连续。")
        }
        crate::lang::Lang::En => {
            format!("🔥 {streak}-day streak! You haven't practised today: /quiz keeps it going.")
        }
    };
    if let Err(e) = app.bot.send_message(ChatId(chat.id), text).await {
        app.on_send_error(chat.id, &e);
    }
    Ok(())
}
