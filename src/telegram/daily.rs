//! The scheduler: one task that sleeps until the earliest job in the store's schedule
//! index (daily questions, streak reminders, group deadlines and daily reveals).
//!
//! It never walks every chat: each wake takes the due jobs by a range scan, so the
//! work is proportional to the chats due. Exactly once a day per chat: the day is
//! claimed in the store before the send, so a restart cannot send it twice.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use futures::StreamExt;
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::learn::{self, DailyAction, Scope};
use crate::store::{Chat, ChatKind, Daily, Job, JobKind};

use super::{App, SendFailure, classify, group};

/// Jobs handled at once: the pace (Telegram's limits) decides when each send leaves;
/// enough in flight that a slow chat or a flush doesn't hold the rate below it.
const CONCURRENCY: usize = 256;
/// Jobs taken per wake. The sends of a wake overlap, and a wake waits for its last
/// one: large enough that this pause is rare at a fan-out's rate.
pub(crate) const BATCH: usize = 10_000;
/// Daily questions claimed per flush. A crash skips the day of at most these many
/// chats (claimed, not yet sent), in exchange for one fsync per chunk, not per send.
const CLAIM_CHUNK: usize = 128;
/// Attempts for a send that fails with a network error.
const ATTEMPTS: u32 = 5;
/// The longest sleep without looking at the index again.
const MAX_SLEEP: Duration = Duration::from_secs(3600);
/// The pause after a wake with failures: doubling from MIN to MAX.
const MIN_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often the scheduler looks again while the store cannot write.
const OUTAGE_POLL: Duration = Duration::from_secs(1);

/// Failures since the scheduler last looked (see `run`).
static FAILURES: AtomicUsize = AtomicUsize::new(0);

/// Counts a failure of a scheduled job (logged at debug: `run` logs the state).
fn failed(e: &dyn std::fmt::Display) {
    FAILURES.fetch_add(1, Ordering::SeqCst);
    debug!(error = %e, "a scheduled job failed");
}

pub async fn run(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    // After a wake in which something failed, the next waits (doubling up to
    // MAX_BACKOFF): a job whose rescheduling failed is still due, and must not be
    // taken again at once. The state is logged when it changes, not per attempt.
    let mut backoff = Duration::ZERO;
    // Whether jobs beyond the planning horizon were seen at the last wake (logged once).
    let mut jumped = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = if !app.tutor.store.writable() {
            // Nothing goes out that could not be recorded; the watchdog wakes us.
            Some(OUTAGE_POLL)
        } else if FAILURES.swap(0, Ordering::SeqCst) > 0 {
            if backoff.is_zero() {
                warn!("scheduled jobs are failing; retrying with backoff");
            }
            backoff = (backoff * 2).clamp(MIN_BACKOFF, MAX_BACKOFF);
            Some(backoff)
        } else {
            if !backoff.is_zero() {
                info!("scheduled jobs run again");
                backoff = Duration::ZERO;
            }
            None
        };
        if let Some(pause) = pause {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = app.tutor.wake.notified() => {}
                _ = stop.changed() => return,
            }
            if !app.tutor.store.writable() {
                continue;
            }
        }
        let now = app.now();
        let mut jobs = match app.tutor.store.due_jobs(now, BATCH) {
            Ok(j) => j,
            Err(e) => {
                failed(&e);
                continue;
            }
        };
        // Times set while the clock ran fast: due now, so that they are planned again.
        let ahead = now
            .checked_add_signed(learn::daily::PLANNING_HORIZON)
            .and_then(|horizon| app.tutor.store.jobs_after(horizon, BATCH).ok())
            .unwrap_or_default();
        let jumping = !ahead.is_empty();
        if jumping != jumped {
            jumped = jumping;
            if jumping {
                warn!(
                    count = ahead.len(),
                    latest = %ahead[0].at,
                    "scheduled jobs lie beyond the planning horizon: the clock jumped back; planning them again from now"
                );
            }
        }
        jobs.extend(ahead);
        if !jobs.is_empty() {
            debug!(count = jobs.len(), "due jobs");
            let sent = AtomicUsize::new(0);
            // Daily questions are claimed a chunk at a time with one flush for the
            // chunk, while the sends of the chunk before are under way.
            futures::stream::iter(jobs)
                .chunks(CLAIM_CHUNK)
                .then(|chunk| claim_chunk(&app, chunk))
                .flat_map(futures::stream::iter)
                .for_each_concurrent(CONCURRENCY, |work| async {
                    let sent_one = match work {
                        Work::Daily(claimed) => deliver(&app, *claimed).await,
                        Work::Other(job) => {
                            run_job(&app, job).await;
                            false
                        }
                    };
                    if sent_one {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .await;
            let sent = sent.into_inner();
            if sent > 0 {
                info!(count = sent, "daily questions sent");
            }
            // Always yield between wakes, even when every job failed at once.
            tokio::task::yield_now().await;
            continue;
        }
        let sleep = match app.tutor.store.next_job_time() {
            Ok(Some(at)) => (at - app.now()).to_std().unwrap_or_default().min(MAX_SLEEP),
            _ => MAX_SLEEP,
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = app.tutor.wake.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Runs one job. Every path leaves the job rescheduled or removed, so it never spins.
async fn run_job(app: &Arc<App>, job: Job) {
    let result = match job.kind {
        JobKind::Daily => {
            for work in claim_chunk(app, vec![job]).await {
                if let Work::Daily(claimed) = work {
                    deliver(app, *claimed).await;
                }
            }
            Ok(())
        }
        JobKind::Reminder => reminder(app, job).await,
        JobKind::Close => {
            if let Err(e) = app.tutor.store.schedule(job.chat, JobKind::Close, None) {
                failed(&e);
            }
            group::on_deadline(app, job.chat).await;
            Ok(())
        }
        JobKind::Reveal => {
            if let Err(e) = app.tutor.store.schedule(job.chat, JobKind::Reveal, None) {
                failed(&e);
            }
            group::on_daily_reveal(app, job.chat).await;
            Ok(())
        }
    };
    if let Err(e) = result {
        retry_later(app, &job, &e);
    }
}

/// A scheduled job, after its chunk's claims.
enum Work {
    /// A daily question claimed for today (durable once its chunk is flushed).
    Daily(Box<Claimed>),
    Other(Job),
}

/// A daily question to send: the chat, the local day claimed, and when it was due.
struct Claimed {
    chat: Chat,
    daily: Daily,
    tz: Tz,
    day: NaiveDate,
    now: DateTime<Utc>,
}

/// Claims the daily questions among `jobs` and flushes the claims once, so that a
/// restart cannot send them twice (a crash after it skips their day instead).
async fn claim_chunk(app: &Arc<App>, jobs: Vec<Job>) -> Vec<Work> {
    let mut work = Vec::with_capacity(jobs.len());
    let mut claimed = Vec::new();
    let mut next = Vec::with_capacity(jobs.len());
    for job in jobs {
        if job.kind != JobKind::Daily {
            work.push(Work::Other(job));
            continue;
        }
        match claim(app, &job) {
            Ok((at, c)) => {
                next.push((job.chat, JobKind::Daily, at));
                claimed.extend(c);
            }
            Err(e) => retry_later(app, &job, &e),
        }
    }
    // One transaction for the chunk's new times.
    if let Err(e) = app.tutor.store.schedule_many(&next) {
        failed(&e);
    }
    if !claimed.is_empty() {
        if let Err(e) = app.tutor.store.flush().await {
            // Not durable: not sent. The claims stand, so the day is skipped.
            warn!(error = %e, count = claimed.len(), "flushing daily claims failed; not sending them");
            failed(&e);
            return work;
        }
        work.extend(claimed.into_iter().map(|c| Work::Daily(Box::new(c))));
    }
    work
}

/// Decides a daily job now: its next time (`None`: no longer scheduled), and today's
/// question when it is due and this call claimed it.
fn claim(app: &App, job: &Job) -> anyhow::Result<(Option<DateTime<Utc>>, Option<Claimed>)> {
    let Some(chat) = app.tutor.store.chat(job.chat)? else {
        return Ok((None, None));
    };
    let Some(daily) = chat.daily.clone().filter(|_| chat.active) else {
        return Ok((None, None));
    };
    let tz = app.tz_of(&chat.tz);
    let now = app.now();
    let day = match learn::daily_action(daily.time, tz, daily.last_sent, now) {
        DailyAction::WaitUntil(at) => return Ok((Some(at), None)),
        DailyAction::SendNow { day } => day,
    };
    let next = learn::send_instant(day.succ_opt().unwrap_or(day), daily.time, tz);
    let won = app.tutor.store.claim_daily(chat.id, day)?;
    let claimed = won.then_some(Claimed {
        chat,
        daily,
        tz,
        day,
        now,
    });
    Ok((Some(next), claimed))
}

/// Moves a failing job back by five minutes; when even that write fails, the job
/// stays due and the scheduler's backoff keeps it from being taken again at once.
fn retry_later(app: &App, job: &Job, e: &anyhow::Error) {
    failed(e);
    let later = Some(app.now() + chrono::Duration::minutes(5));
    if app.tutor.store.schedule(job.chat, job.kind, later).is_ok() {
        warn!(chat = job.chat, kind = ?job.kind, error = %e, "scheduled job failed; retrying in 5 minutes");
    }
}

/// Sends a claimed daily question; `true` when it was delivered.
async fn deliver(app: &Arc<App>, claimed: Claimed) -> bool {
    let Claimed {
        chat,
        daily: d,
        tz,
        day,
        now,
    } = claimed;
    debug!(chat = chat.id, %day, "sending the daily question");
    let mut target = chat.id;
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=ATTEMPTS {
        let result = match chat.kind {
            ChatKind::Private => send_private_daily(app, target).await,
            ChatKind::Group => {
                let reveal_at = learn::reveal_instant(day, d.time, d.reveal, tz, now);
                let mut c = chat.clone();
                c.id = target;
                group::post_daily(app, &c, reveal_at).await
            }
        };
        match result {
            Ok(()) => return true,
            Err(e) => match classify(&e) {
                SendFailure::Gone => {
                    app.deactivate(target);
                    return false;
                }
                SendFailure::Migrated(new) => {
                    app.on_send_error(target, &e);
                    target = new;
                }
                // A timed-out send may have been delivered: at most once a day, so no retry.
                _ if matches!(&e, RequestError::Network(n) if n.is_timeout()) => {
                    warn!(chat = target, error = %e, "daily send timed out; not retried (it may have arrived)");
                    return false;
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
                _ => {
                    warn!(chat = target, error = %e, "the daily question could not be sent");
                    return false;
                }
            },
        }
    }
    false
}

async fn send_private_daily(app: &Arc<App>, chat: i64) -> Result<(), RequestError> {
    let learner = app.tutor.store.learner(chat).ok().flatten();
    let lang = learner.as_ref().and_then(|l| l.lang).unwrap_or_default();
    let next = app
        .tutor
        .next_card(chat, Scope::All, None, &mut rand::rng());
    let Ok(crate::app::Next::Post {
        question: q,
        presentation: p,
    }) = next
    else {
        return Ok(());
    };
    // One message per chat: the card itself (fan-out is bounded by Telegram's 30/s).
    app.send_card(chat, q, p, lang, true).await?;
    Ok(())
}

/// One nudge at 21:00 local for a learner with a streak of 3+ who hasn't answered today.
async fn reminder(app: &Arc<App>, job: Job) -> anyhow::Result<()> {
    let chat = app.tutor.store.chat(job.chat)?;
    let Some(chat) = chat.filter(|c| c.active && c.daily.as_ref().is_some_and(|d| d.remind)) else {
        app.tutor
            .store
            .schedule(job.chat, JobKind::Reminder, None)?;
        return Ok(());
    };
    let tz = app.tz_of(&chat.tz);
    let now = app.now();
    app.tutor.store.schedule(
        chat.id,
        JobKind::Reminder,
        Some(learn::next_reminder(now, tz)),
    )?;
    let Some(learner) = app.tutor.store.learner(chat.id)? else {
        return Ok(());
    };
    let last_reminded = chat.daily.as_ref().and_then(|d| d.last_reminded);
    if !learn::should_remind(&learner.streak, last_reminded, now, tz) {
        return Ok(());
    }
    let today = learn::local_day(now, tz);
    let streak = learn::shown_streak(&learner.streak, today);
    if !app.tutor.store.claim_reminder(chat.id, today)? {
        return Ok(());
    }
    let lang = learner.lang.unwrap_or_default();
    let text = crate::view::catalogue::streak_reminder(streak, lang);
    if let Err(e) = app.bot.send_message(ChatId(chat.id), text).await {
        app.on_send_error(chat.id, &e);
    }
    Ok(())
}
