//! Schedules: a chat's daily question (time, reveal, streak reminder) and its zone.
//! Each use case stores the setting and plans the next job; the scheduler task of the
//! bot sends what falls due.

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::learn;
use crate::store::{Chat, ChatKind, Daily, JobKind, Learner, StoreError};

use super::Tutor;

/// A daily schedule as stored and planned.
#[derive(Debug, Clone)]
pub struct Planned {
    pub chat: Chat,
    pub tz: Tz,
    /// The next daily send.
    pub next: DateTime<Utc>,
}

/// What `/tz` changed.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    pub tz: Tz,
    /// The next daily send, re-planned in the new zone (if subscribed).
    pub next_daily: Option<DateTime<Utc>>,
}

impl Tutor {
    /// The chat's record, or a fresh one of `kind` (a chat that raced a `/forget` or
    /// a deactivation; normally ensured when the update arrives, with Telegram's
    /// chat type as its kind).
    pub(super) fn chat_or_new(&self, id: i64, kind: ChatKind, old: Option<Chat>) -> Chat {
        old.unwrap_or_else(|| self.fresh_chat(id, kind, ""))
    }

    /// Subscribes a chat to the daily question at `time` (and, in a group, reveals it
    /// at `reveal`), keeping what was already sent and the reminder setting. A
    /// subscription made after today's time starts tomorrow: no surprise card now.
    pub fn set_daily(
        &self,
        chat: &Chat,
        time: NaiveTime,
        reveal: Option<NaiveTime>,
    ) -> Result<Planned, StoreError> {
        let c = self.store.update_chat(chat.id, |old| {
            let mut c = self.chat_or_new(chat.id, chat.kind, old);
            let prev = c.daily.take();
            c.daily = Some(Daily {
                time,
                reveal,
                last_sent: prev.as_ref().and_then(|d| d.last_sent),
                remind: prev.as_ref().is_some_and(|d| d.remind),
                last_reminded: prev.and_then(|d| d.last_reminded),
            });
            c
        })?;
        let tz = c.tz;
        let last = c.daily.as_ref().and_then(|d| d.last_sent);
        let next = learn::first_send(time, tz, last, self.now());
        self.store.schedule(chat.id, JobKind::Daily, Some(next))?;
        self.wake.notify_one();
        Ok(Planned { chat: c, tz, next })
    }

    /// `/daily off`: no daily question, no reminder.
    pub fn daily_off(&self, chat: &Chat) -> Result<(), StoreError> {
        self.store.update_chat(chat.id, |old| {
            let mut c = self.chat_or_new(chat.id, chat.kind, old);
            c.daily = None;
            c
        })?;
        self.store.schedule(chat.id, JobKind::Daily, None)?;
        self.store.schedule(chat.id, JobKind::Reminder, None)
    }

    /// `/daily remind on|off`. False when the chat has no daily question (nothing is
    /// changed: subscribe first).
    pub fn set_remind(&self, chat: &Chat, on: bool) -> Result<bool, StoreError> {
        let c = self.store.update_chat(chat.id, |old| {
            let mut c = self.chat_or_new(chat.id, chat.kind, old);
            if let Some(d) = c.daily.as_mut() {
                d.remind = on;
            }
            c
        })?;
        if c.daily.is_none() {
            return Ok(false);
        }
        let at = on.then(|| learn::next_reminder(self.now(), c.tz));
        self.store.schedule(chat.id, JobKind::Reminder, at)?;
        Ok(true)
    }

    /// `/tz`: the chat's zone (and, in a private chat, the learner's). A new zone
    /// re-plans the next daily send and reminder; it never fires one at once.
    pub fn set_zone(&self, chat: &Chat, user: Option<i64>, tz: Tz) -> Result<ZoneSet, StoreError> {
        let c = self.store.update_chat(chat.id, |old| {
            let mut c = self.chat_or_new(chat.id, chat.kind, old);
            c.tz = tz;
            c
        })?;
        if let Some(user) = user {
            let now = self.now();
            self.store.update_learner(user, |old| {
                let mut l = old.unwrap_or_else(|| Learner::new(user, "", now));
                l.tz = Some(tz);
                l
            })?;
        }
        let mut next_daily = None;
        if let Some(d) = &c.daily {
            let at = learn::first_send(d.time, tz, d.last_sent, self.now());
            self.store.schedule(chat.id, JobKind::Daily, Some(at))?;
            if d.remind {
                let remind = learn::next_reminder(self.now(), tz);
                self.store
                    .schedule(chat.id, JobKind::Reminder, Some(remind))?;
            }
            next_daily = Some(at);
        }
        Ok(ZoneSet { tz, next_daily })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::testing;
    use super::*;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_subscription_after_todays_time_starts_tomorrow() {
        // 2026-03-02 04:00 UTC is 12:00 in Shanghai.
        let t = testing::at(testing::t0());
        let p = t.set_daily(&t.private_chat(7), hm(9, 0), None).unwrap();
        assert_eq!(p.next, Utc.with_ymd_and_hms(2026, 3, 3, 1, 0, 0).unwrap());
        let p = t.set_daily(&t.private_chat(7), hm(13, 30), None).unwrap();
        assert_eq!(p.next, Utc.with_ymd_and_hms(2026, 3, 2, 5, 30, 0).unwrap());
        assert_eq!(t.store.due_jobs(p.next, 10).unwrap().len(), 1);
    }

    #[test]
    fn reminders_need_a_subscription_and_off_clears_both_jobs() {
        let t = testing::at(testing::t0());
        assert!(!t.set_remind(&t.private_chat(7), true).unwrap());
        t.set_daily(&t.private_chat(7), hm(9, 0), None).unwrap();
        assert!(t.set_remind(&t.private_chat(7), true).unwrap());
        let week = t.now() + chrono::Duration::days(7);
        assert_eq!(t.store.due_jobs(week, 10).unwrap().len(), 2);
        // Set again: the reminder setting is kept.
        t.set_daily(&t.private_chat(7), hm(10, 0), None).unwrap();
        assert!(t.store.chat(7).unwrap().unwrap().daily.unwrap().remind);
        t.daily_off(&t.private_chat(7)).unwrap();
        assert!(t.store.due_jobs(week, 10).unwrap().is_empty());
        assert!(t.store.chat(7).unwrap().unwrap().daily.is_none());
    }

    #[test]
    fn a_new_zone_replans_the_daily_send_in_that_zone() {
        let t = testing::at(testing::t0());
        t.set_daily(&t.private_chat(7), hm(9, 0), None).unwrap();
        // 04:00 UTC is 05:00 in Berlin: today's 09:00 there is still ahead.
        let z = t
            .set_zone(&t.private_chat(7), Some(7), chrono_tz::Europe::Berlin)
            .unwrap();
        assert_eq!(
            z.next_daily,
            Some(Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap())
        );
        assert_eq!(t.learner_tz_of(7).unwrap(), chrono_tz::Europe::Berlin);
        assert_eq!(
            t.store.chat(7).unwrap().unwrap().tz,
            chrono_tz::Europe::Berlin
        );
        let z = t
            .set_zone(&t.private_chat(8), None, chrono_tz::Asia::Tokyo)
            .unwrap();
        assert_eq!(z.next_daily, None);
    }
}
