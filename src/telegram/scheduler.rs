//! The scheduler: one task that sleeps until the earliest job in the store's schedule
//! index (daily questions, streak reminders, group deadlines and daily reveals,
//! mock exams' deadlines, weekly reports).
//!
//! It never walks every chat: each wake takes the due jobs by a range scan
//! ([`crate::app::Tutor::due`]), so the work is proportional to the chats due.
//! Exactly once a day per chat: `app` claims the day in the store and flushes the
//! claim before it hands a [`Claimed`] question over, so a restart cannot send it
//! twice. This module is the Telegram side: sleeps and wakes, backoff, concurrency
//! and the sends.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::app::due::{Beyond, Claimed};
use crate::learn::Scope;
use crate::store::{ChatKind, Job, JobKind};

use tg_transport::calls::Once;

use super::{App, group};

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
pub(super) const ATTEMPTS: u32 = 5;
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
pub(super) fn failed(e: &dyn std::fmt::Display) {
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
        if let Some(pause) = pause(&app, &mut backoff) {
            if !wait(&app, &mut stop, pause).await {
                return;
            }
            if !app.tutor.writable() {
                continue;
            }
        }
        let due = match app.tutor.due(BATCH) {
            Ok(d) => d,
            Err(e) => {
                failed(&e);
                continue;
            }
        };
        note_jump(&mut jumped, due.beyond);
        if !due.jobs.is_empty() {
            run_due(&app, due.jobs).await;
            // Always yield between wakes, even when every job failed at once.
            tokio::task::yield_now().await;
            continue;
        }
        let sleep = match app.tutor.next_job_time() {
            Ok(Some(at)) => (at - app.now()).to_std().unwrap_or_default().min(MAX_SLEEP),
            _ => MAX_SLEEP,
        };
        if !wait(&app, &mut stop, sleep).await {
            return;
        }
    }
}

/// The pause before the next look, if any: while the store cannot write (nothing
/// goes out that could not be recorded; the watchdog wakes us), or after failures.
fn pause(app: &App, backoff: &mut Duration) -> Option<Duration> {
    if !app.tutor.writable() {
        Some(OUTAGE_POLL)
    } else if FAILURES.swap(0, Ordering::SeqCst) > 0 {
        if backoff.is_zero() {
            warn!("scheduled jobs are failing; retrying with backoff");
        }
        *backoff = (*backoff * 2).clamp(MIN_BACKOFF, MAX_BACKOFF);
        Some(*backoff)
    } else {
        if !backoff.is_zero() {
            info!("scheduled jobs run again");
            *backoff = Duration::ZERO;
        }
        None
    }
}

/// Sleeps for `pause` or until a use case wakes the scheduler; false when told to stop.
async fn wait(app: &App, stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => true,
        _ = app.tutor.wake.notified() => true,
        _ = stop.changed() => false,
    }
}

/// Logs once when jobs start to lie beyond the planning horizon.
fn note_jump(jumped: &mut bool, beyond: Option<Beyond>) {
    if beyond.is_some() != *jumped {
        *jumped = beyond.is_some();
        if let Some(b) = beyond {
            warn!(
                count = b.count,
                latest = %b.latest,
                "scheduled jobs lie beyond the planning horizon: the clock jumped back; planning them again from now"
            );
        }
    }
}

/// Runs a wake's jobs. Daily questions are claimed a chunk at a time with one flush
/// for the chunk, while the sends of the chunk before are under way.
async fn run_due(app: &Arc<App>, jobs: Vec<Job>) {
    debug!(count = jobs.len(), "due jobs");
    let sent = AtomicUsize::new(0);
    futures::stream::iter(jobs)
        .chunks(CLAIM_CHUNK)
        .then(|chunk| claim_chunk(app, chunk))
        .flat_map(futures::stream::iter)
        .for_each_concurrent(CONCURRENCY, |work| async {
            let sent_one = match work {
                Work::Daily(claimed) => deliver(app, *claimed).await,
                Work::Other(job) => {
                    run_job(app, job).await;
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
}

/// Runs one job. Every path leaves the job rescheduled or removed, so it never spins.
async fn run_job(app: &Arc<App>, job: Job) {
    match job.kind {
        JobKind::Daily => {
            for claimed in claim(app, &[job]).await {
                deliver(app, claimed).await;
            }
        }
        JobKind::Reminder => remind(app, job).await,
        JobKind::Close => {
            if let Err(e) = app.tutor.unschedule(&job) {
                failed(&e);
            }
            group::on_deadline(app, job.chat).await;
        }
        JobKind::Exam => super::exam::on_deadline(app, job.chat).await,
        JobKind::Report => super::report::on_due(app, job).await,
        JobKind::Reveal => {
            if let Err(e) = app.tutor.unschedule(&job) {
                failed(&e);
            }
            group::on_daily_reveal(app, job.chat).await;
        }
    }
}

/// A scheduled job, after its chunk's claims.
enum Work {
    /// A daily question claimed for today (durable: its chunk was flushed).
    Daily(Box<Claimed>),
    Other(Job),
}

/// Claims the daily questions of a chunk; the other jobs pass through.
async fn claim_chunk(app: &Arc<App>, jobs: Vec<Job>) -> Vec<Work> {
    let (daily, other): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| j.kind == JobKind::Daily);
    let mut work: Vec<Work> = other.into_iter().map(Work::Other).collect();
    let claimed = claim(app, &daily).await;
    work.extend(claimed.into_iter().map(|c| Work::Daily(Box::new(c))));
    work
}

/// Claims daily jobs (one flush for all); what failed counts towards the backoff.
async fn claim(app: &App, jobs: &[Job]) -> Vec<Claimed> {
    let claims = app.tutor.claim_daily(jobs).await;
    for e in &claims.errors {
        failed(e);
    }
    claims.claimed
}

/// Sends a claimed daily question; `true` when it was delivered. At most once: a
/// timed-out send is not tried again.
async fn deliver(app: &Arc<App>, claimed: Claimed) -> bool {
    let chat = claimed.chat().id;
    debug!(chat, day = %claimed.day(), "sending the daily question");
    let moved = |old, _new, e: &RequestError| app.on_send_error(old, e);
    let send = |target| send_daily(app, &claimed, target);
    match tg_transport::calls::at_most_once(chat, ATTEMPTS, moved, send).await {
        Once::Sent => true,
        Once::Gone(chat) => {
            app.deactivate(chat);
            false
        }
        Once::NotSent => false,
    }
}

/// One attempt at a claimed daily question, to `target` (its chat, or where a group
/// moved).
async fn send_daily(app: &Arc<App>, claimed: &Claimed, target: i64) -> Result<(), RequestError> {
    match claimed.chat().kind {
        ChatKind::Private => send_private_daily(app, target, claimed).await,
        ChatKind::Group => {
            let mut c = claimed.chat().clone();
            c.id = target;
            group::post_daily(app, &c, claimed.reveal_at()).await
        }
    }
}

async fn send_private_daily(
    app: &Arc<App>,
    chat: i64,
    claimed: &Claimed,
) -> Result<(), RequestError> {
    let next = app
        .tutor
        .next_card(chat, Scope::All, None, &mut rand::rng());
    let Ok(crate::app::Next::Post {
        question: q,
        presentation: p,
        ..
    }) = next
    else {
        return Ok(());
    };
    // One message per chat: the card itself (fan-out is bounded by Telegram's 30/s).
    app.send_card(chat, q, p, claimed.lang(), Some(claimed.day()))
        .await?;
    Ok(())
}

/// Sends the streak reminder when `app` finds one due (and claims it).
async fn remind(app: &Arc<App>, job: Job) {
    let reminder = match app.tutor.reminder_due(job.chat) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            failed(&e);
            app.tutor.retry_later(&job, &e);
            return;
        }
    };
    let text = crate::view::catalogue::streak_reminder(reminder.streak, reminder.lang);
    if let Err(e) = app.bot.send_message(ChatId(job.chat), text).await {
        app.on_send_error(job.chat, &e);
    }
}
