//! Due work: what the bot's scheduler takes from the schedule index, and the claims
//! that keep each daily question and reminder to at most one a day.
//!
//! [`Tutor::due`] takes the jobs due now, plus those set beyond the planning horizon
//! by a clock that ran fast (due now, so that they are planned again).
//! [`Tutor::claim_daily`] claims the local day of the daily questions among them,
//! plans each chat's next send and flushes the claims once: a [`Claimed`] is made only
//! after its claim is durable, so a restart cannot send that day again (a crash
//! between the flush and the send skips the day instead). A streak reminder is decided
//! and claimed by [`Tutor::reminder_due`]; a group deadline or daily reveal is taken
//! off the schedule by [`Tutor::unschedule`] before the front end runs it.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tracing::warn;

use crate::lang::Lang;
use crate::learn::{self, DailyAction};
use crate::store::{Chat, ChatKind, Daily, Job, JobKind, StoreError};

use super::Tutor;

/// How long a failing job waits before it is tried again.
const RETRY_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// The jobs to run now.
#[derive(Debug, Clone)]
pub struct Due {
    /// Those due (oldest first), then those beyond the planning horizon (latest first).
    pub jobs: Vec<Job>,
    /// Set when jobs lay beyond the planning horizon: the clock jumped back.
    pub beyond: Option<Beyond>,
}

/// Jobs found beyond the planning horizon (written while the clock ran fast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Beyond {
    pub count: usize,
    /// The latest of them.
    pub latest: DateTime<Utc>,
}

/// What [`Tutor::claim_daily`] won: the questions to send, and the store errors on
/// the way (each job an error hit was moved back, where that could be written).
#[derive(Debug)]
pub struct Claims {
    pub claimed: Vec<Claimed>,
    pub errors: Vec<StoreError>,
}

/// A daily question claimed for its chat's local day, the claim durable: send it.
/// Only [`Tutor::claim_daily`] makes one, after the flush.
#[derive(Debug)]
pub struct Claimed(Pending);

/// A claim not yet flushed.
#[derive(Debug)]
struct Pending {
    chat: Chat,
    daily: Daily,
    tz: Tz,
    day: NaiveDate,
    /// When it was claimed.
    now: DateTime<Utc>,
    lang: Lang,
}

impl Claimed {
    /// The chat, as it was when claimed.
    pub fn chat(&self) -> &Chat {
        &self.0.chat
    }

    /// The local day claimed.
    pub fn day(&self) -> NaiveDate {
        self.0.day
    }

    /// The language of the card: in a private chat the learner's (see
    /// [`Tutor::unprompted_lang`]), in a group the group's.
    pub fn lang(&self) -> Lang {
        self.0.lang
    }

    /// A group's daily question: when its answer is revealed.
    pub fn reveal_at(&self) -> DateTime<Utc> {
        let p = &self.0;
        learn::reveal_instant(p.day, p.daily.time, p.daily.reveal, p.tz, p.now)
    }
}

/// A streak reminder to send now (claimed for today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminder {
    pub lang: Lang,
    /// The streak it names.
    pub streak: u32,
}

impl Tutor {
    /// The time of the earliest scheduled job.
    pub fn next_job_time(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.store.next_job_time()
    }

    /// The jobs due now, at most `batch`, and (at most `batch` more) the jobs set beyond
    /// the planning horizon: times written while the clock ran fast are due now, so
    /// that they are planned again.
    pub fn due(&self, batch: usize) -> Result<Due, StoreError> {
        let now = self.now();
        let mut jobs = self.store.due_jobs(now, batch)?;
        let ahead = now
            .checked_add_signed(learn::daily::PLANNING_HORIZON)
            .and_then(|horizon| self.store.jobs_after(horizon, batch).ok())
            .unwrap_or_default();
        let beyond = ahead.first().map(|j| Beyond {
            count: ahead.len(),
            latest: j.at,
        });
        jobs.extend(ahead);
        Ok(Due { jobs, beyond })
    }

    /// Claims the daily questions among `jobs` (other kinds are skipped), plans each
    /// chat's next send in one transaction and flushes once, so that a restart cannot
    /// send them twice (a crash after it skips their day instead). When the flush
    /// fails nothing is claimed for sending: the claims stand, so the day is skipped.
    pub async fn claim_daily(&self, jobs: &[Job]) -> Claims {
        let mut pending = Vec::new();
        let mut errors = Vec::new();
        let mut next = Vec::with_capacity(jobs.len());
        for job in jobs.iter().filter(|j| j.kind == JobKind::Daily) {
            match self.claim(job) {
                Ok((at, p)) => {
                    next.push((job.chat, JobKind::Daily, at));
                    pending.extend(p);
                }
                Err(e) => {
                    self.retry_later(job, &e);
                    errors.push(e);
                }
            }
        }
        if let Err(e) = self.store.schedule_many(&next) {
            errors.push(e);
        }
        if pending.is_empty() {
            return Claims {
                claimed: Vec::new(),
                errors,
            };
        }
        if let Err(e) = self.durable().await {
            warn!(error = %e, count = pending.len(), "flushing daily claims failed; not sending them");
            errors.push(e);
            pending.clear();
        }
        let claimed = pending.into_iter().map(Claimed).collect();
        Claims { claimed, errors }
    }

    /// Decides a daily job now: its next time (`None`: no longer scheduled), and
    /// today's question when it is due and this call claimed it.
    fn claim(&self, job: &Job) -> Result<(Option<DateTime<Utc>>, Option<Pending>), StoreError> {
        let Some(chat) = self.store.chat(job.chat)? else {
            return Ok((None, None));
        };
        let Some(daily) = chat.daily.clone().filter(|_| chat.active) else {
            return Ok((None, None));
        };
        let tz = chat.tz;
        let now = self.now();
        let day = match learn::daily_action(daily.time, tz, daily.last_sent, now) {
            DailyAction::WaitUntil(at) => return Ok((Some(at), None)),
            DailyAction::SendNow { day } => day,
        };
        let next = learn::send_instant(day.succ_opt().unwrap_or(day), daily.time, tz);
        if !self.store.claim_daily(chat.id, day)? {
            return Ok((Some(next), None));
        }
        let lang = match chat.kind {
            ChatKind::Private => {
                let learner = self.store.learner(chat.id).ok().flatten();
                self.unprompted_lang(learner.as_ref(), Some(&chat))
            }
            ChatKind::Group => chat.lang.unwrap_or_default(),
        };
        let pending = Pending {
            chat,
            daily,
            tz,
            day,
            now,
            lang,
        };
        Ok((Some(next), Some(pending)))
    }

    /// Moves a failing job back by five minutes; when even that write fails, the job
    /// stays due (the scheduler's backoff keeps it from being taken again at once).
    pub fn retry_later(&self, job: &Job, error: &dyn std::fmt::Display) {
        let later = Some(self.now() + RETRY_AFTER);
        if self.store.schedule(job.chat, job.kind, later).is_ok() {
            warn!(chat = job.chat, kind = ?job.kind, error = %error, "scheduled job failed; retrying in 5 minutes");
        }
    }

    /// Takes a job off the schedule (a group deadline or daily reveal, before it runs:
    /// the use case it starts plans what follows).
    pub fn unschedule(&self, job: &Job) -> Result<(), StoreError> {
        self.store.schedule(job.chat, job.kind, None)
    }

    /// The streak reminder of `chat`, when one is due now: one nudge at 21:00 local for
    /// a learner with a streak of 3+ who hasn't answered today, claimed so that it goes
    /// out once a day. The next reminder is planned first (and the job removed when
    /// the chat is gone or no longer wants reminders).
    pub fn reminder_due(&self, chat: i64) -> Result<Option<Reminder>, StoreError> {
        let c = self.store.chat(chat)?;
        let Some(c) = c.filter(|c| c.active && c.daily.as_ref().is_some_and(|d| d.remind)) else {
            self.store.schedule(chat, JobKind::Reminder, None)?;
            return Ok(None);
        };
        let tz = c.tz;
        let now = self.now();
        let next = learn::next_reminder(now, tz);
        self.store.schedule(chat, JobKind::Reminder, Some(next))?;
        let Some(learner) = self.store.learner(chat)? else {
            return Ok(None);
        };
        let last_reminded = c.daily.as_ref().and_then(|d| d.last_reminded);
        if !learn::should_remind(&learner.streak, last_reminded, now, tz) {
            return Ok(None);
        }
        let today = learn::local_day(now, tz);
        if !self.store.claim_reminder(chat, today)? {
            return Ok(None);
        }
        Ok(Some(Reminder {
            lang: self.unprompted_lang(Some(&learner), Some(&c)),
            streak: learn::shown_streak(&learner.streak, today),
        }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone};

    use super::super::Clock;
    use super::super::testing::{TestTutor, at, t0};
    use super::*;
    use crate::app::Person;
    use crate::learn::Streak;
    use crate::store::Learner;

    /// 2026-03-02 09:00 in Shanghai.
    fn nine() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn set_clock(t: &mut TestTutor, now: DateTime<Utc>) {
        t.tutor.clock = Clock::Fixed(now);
    }

    fn daily_job(chat: i64) -> Job {
        Job {
            at: nine(),
            chat,
            kind: JobKind::Daily,
        }
    }

    /// A private chat and its learner, as the bot ensures them (client language `code`).
    fn learner(t: &Tutor, id: i64, code: Option<&str>) {
        t.ensure_chat(id, ChatKind::Private, "Ann").unwrap();
        let who = Person {
            id,
            name: "Ann",
            lang_code: code,
        };
        t.note_client_lang(id, code).unwrap();
        t.ensure_learner(who).unwrap();
    }

    /// Subscribed at 09:00 the evening before, so that today's 09:00 is due at `nine()`.
    fn subscribed(id: i64) -> TestTutor {
        let mut t = at(nine() - chrono::Duration::hours(12));
        t.set_daily(&t.private_chat(id), hm(9, 0), None).unwrap();
        set_clock(&mut t, nine());
        t
    }

    #[tokio::test]
    async fn a_due_day_is_claimed_once_and_the_next_send_planned() {
        let t = subscribed(7);
        let due = t.due(10).unwrap();
        assert_eq!(due.jobs.len(), 1);
        assert_eq!(due.beyond, None);
        // The same job twice in one chunk: the second finds the day claimed.
        let claims = t.claim_daily(&[due.jobs[0], due.jobs[0]]).await;
        assert!(claims.errors.is_empty(), "{:?}", claims.errors);
        assert_eq!(claims.claimed.len(), 1);
        let c = &claims.claimed[0];
        assert_eq!((c.chat().id, c.day()), (7, nine().date_naive()));
        assert_eq!(c.lang(), Lang::Zh);
        let tomorrow = nine() + chrono::Duration::days(1);
        assert_eq!(t.scheduled(7, JobKind::Daily), Some(tomorrow));
        let sent = t.store.chat(7).unwrap().unwrap().daily.unwrap().last_sent;
        assert_eq!(sent, Some(nine().date_naive()));
        // Taken again (a restart): nothing more today, and the plan stands.
        assert!(t.due(10).unwrap().jobs.is_empty());
        let again = t.claim_daily(&[daily_job(7)]).await;
        assert!(again.claimed.is_empty() && again.errors.is_empty());
        assert_eq!(t.scheduled(7, JobKind::Daily), Some(tomorrow));
    }

    #[tokio::test]
    async fn a_job_not_yet_due_is_planned_for_its_time() {
        let mut t = subscribed(7);
        set_clock(&mut t, nine() - chrono::Duration::hours(1));
        let claims = t.claim_daily(&[daily_job(7)]).await;
        assert!(claims.claimed.is_empty() && claims.errors.is_empty());
        assert_eq!(t.scheduled(7, JobKind::Daily), Some(nine()));
    }

    #[tokio::test]
    async fn an_inactive_unsubscribed_or_unknown_chat_yields_nothing_and_is_unscheduled() {
        let t = subscribed(7);
        t.set_daily(&t.private_chat(8), hm(9, 0), None).unwrap();
        t.daily_off(&t.private_chat(8)).unwrap();
        t.deactivate(7).unwrap();
        t.store.schedule(7, JobKind::Daily, Some(nine())).unwrap();
        // Other kinds are not claimed here.
        let close = Job {
            kind: JobKind::Close,
            ..daily_job(7)
        };
        let jobs = [daily_job(7), daily_job(8), daily_job(9), close];
        let claims = t.claim_daily(&jobs).await;
        assert!(claims.claimed.is_empty() && claims.errors.is_empty());
        for chat in [7, 8, 9] {
            assert_eq!(t.scheduled(chat, JobKind::Daily), None, "chat {chat}");
        }
    }

    #[test]
    fn jobs_beyond_the_horizon_are_due_and_reported() {
        let t = at(t0());
        let far = t0() + learn::daily::PLANNING_HORIZON + chrono::Duration::days(1);
        t.store.schedule(5, JobKind::Daily, Some(far)).unwrap();
        t.store.schedule(6, JobKind::Daily, Some(t0())).unwrap();
        let soon = t0() + chrono::Duration::days(1);
        t.store.schedule(7, JobKind::Daily, Some(soon)).unwrap();
        let due = t.due(10).unwrap();
        let chats: Vec<i64> = due.jobs.iter().map(|j| j.chat).collect();
        assert_eq!(chats, [6, 5]);
        assert_eq!(
            due.beyond,
            Some(Beyond {
                count: 1,
                latest: far
            })
        );
        assert_eq!(t.next_job_time().unwrap(), Some(t0()));
    }

    #[test]
    fn a_failing_job_waits_five_minutes_and_a_deadline_is_unscheduled() {
        let t = at(t0());
        let job = Job {
            at: t0(),
            chat: -5,
            kind: JobKind::Close,
        };
        t.store.schedule(-5, JobKind::Close, Some(t0())).unwrap();
        t.retry_later(&job, &"boom");
        let later = t0() + chrono::Duration::minutes(5);
        assert_eq!(t.scheduled(-5, JobKind::Close), Some(later));
        t.unschedule(&job).unwrap();
        assert_eq!(t.scheduled(-5, JobKind::Close), None);
    }

    /// A learner with a streak of `days` up to yesterday, subscribed with reminders.
    fn on_a_streak(days: u32) -> TestTutor {
        let t = at(t0());
        learner(&t, 7, Some("zh-hans"));
        t.set_daily(&t.private_chat(7), hm(9, 0), None).unwrap();
        assert!(t.set_remind(&t.private_chat(7), true).unwrap());
        let yesterday = t0().date_naive().pred_opt().unwrap();
        t.store
            .update_learner(7, |old| {
                let mut l = old.unwrap_or_else(|| Learner::new(7, "", t0()));
                l.streak = Streak {
                    current: days,
                    best: days,
                    last_day: Some(yesterday),
                    last_repair: None,
                };
                l
            })
            .unwrap();
        t
    }

    /// 2026-03-02 21:00 in Shanghai.
    fn evening() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 13, 0, 0).unwrap()
    }

    #[test]
    fn a_reminder_is_due_at_nine_in_the_evening_once() {
        let mut t = on_a_streak(3);
        // Noon: not yet; the job waits for 21:00.
        assert_eq!(t.reminder_due(7).unwrap(), None);
        assert_eq!(t.scheduled(7, JobKind::Reminder), Some(evening()));
        set_clock(&mut t, evening());
        let r = t.reminder_due(7).unwrap();
        assert_eq!(
            r,
            Some(Reminder {
                lang: Lang::Zh,
                streak: 3
            })
        );
        let tomorrow = evening() + chrono::Duration::days(1);
        assert_eq!(t.scheduled(7, JobKind::Reminder), Some(tomorrow));
        // Claimed: a second run the same evening sends nothing.
        assert_eq!(t.reminder_due(7).unwrap(), None);
    }

    #[test]
    fn no_reminder_for_a_short_streak_or_without_the_setting() {
        let mut t = on_a_streak(2);
        set_clock(&mut t, evening());
        assert_eq!(t.reminder_due(7).unwrap(), None);
        let mut t = on_a_streak(5);
        set_clock(&mut t, evening());
        t.set_remind(&t.private_chat(7), false).unwrap();
        t.store
            .schedule(7, JobKind::Reminder, Some(evening()))
            .unwrap();
        assert_eq!(t.reminder_due(7).unwrap(), None);
        assert_eq!(t.scheduled(7, JobKind::Reminder), None);
        t.deactivate(7).unwrap();
        assert_eq!(t.reminder_due(7).unwrap(), None);
    }

    #[tokio::test]
    async fn unprompted_sends_speak_the_learners_lang_else_their_clients_else_chinese() {
        // An English client, no /lang: the daily card and the reminder are in English.
        let mut t = on_a_streak(3);
        learner(&t, 7, Some("en-US"));
        assert_eq!(t.store.chat(7).unwrap().unwrap().lang, Some(Lang::En));
        set_clock(&mut t, evening());
        assert_eq!(t.reminder_due(7).unwrap().map(|r| r.lang), Some(Lang::En));
        let claims = t.claim_daily(&[daily_job(7)]).await;
        assert_eq!(claims.claimed[0].lang(), Lang::En);
        // An update without a language keeps what was reported last.
        learner(&t, 7, None);
        assert_eq!(t.store.chat(7).unwrap().unwrap().lang, Some(Lang::En));
        // The learner's /lang comes first.
        t.set_lang(7, Lang::Zh).unwrap();
        let l = t.store.learner(7).unwrap();
        let c = t.store.chat(7).unwrap();
        assert_eq!(t.unprompted_lang(l.as_ref(), c.as_ref()), Lang::Zh);
        // Never reported: Chinese. A group's language is not a learner's.
        let l = Learner::new(8, "", t0());
        assert_eq!(t.unprompted_lang(Some(&l), None), Lang::Zh);
        let mut g = Chat::new(-8, ChatKind::Group, "G", chrono_tz::Asia::Shanghai);
        g.lang = Some(Lang::En);
        assert_eq!(t.unprompted_lang(Some(&l), Some(&g)), Lang::Zh);
    }

    #[test]
    fn the_client_language_is_noted_only_in_a_recorded_private_chat() {
        let t = at(t0());
        t.note_client_lang(7, Some("en")).unwrap();
        assert_eq!(t.store.chat(7).unwrap(), None);
        t.ensure_chat(-7, ChatKind::Group, "G").unwrap();
        t.note_client_lang(-7, Some("en")).unwrap();
        assert_eq!(t.store.chat(-7).unwrap().unwrap().lang, None);
        learner(&t, 7, Some("en"));
        assert_eq!(t.store.chat(7).unwrap().unwrap().lang, Some(Lang::En));
        learner(&t, 7, Some("ru"));
        assert_eq!(t.store.chat(7).unwrap().unwrap().lang, Some(Lang::Zh));
    }
}
