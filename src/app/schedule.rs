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

/// The words that turn a setting on or off, in every command that takes them
/// (`/daily`, `/daily remind`, `/report`, a group's `/settings NAME`), in any case:
/// on, 开, 开启 → `true`; off, 关, 关闭 → `false`; anything else → `None`.
pub fn on_off(word: &str) -> Option<bool> {
    match word.trim().to_ascii_lowercase().as_str() {
        "on" | "开" | "开启" => Some(true),
        "off" | "关" | "关闭" => Some(false),
        _ => None,
    }
}

/// `/daily …`, parsed at the edge: the same words in a private chat and a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyArg {
    /// `/daily`: show the setting.
    Status,
    /// `/daily on` (开, 开启): subscribe (at the default time unless already subscribed).
    On,
    /// `/daily off` (关, 关闭).
    Off,
    /// `/daily HH:MM`.
    At(NaiveTime),
    /// `/daily reveal HH:MM` (groups); `None`: no valid time.
    Reveal(Option<NaiveTime>),
    /// `/daily remind [on|off]` (private chats; the words of [`on_off`], and plain
    /// `remind` is on); `None`: neither.
    Remind(Option<bool>),
    /// Anything else.
    Bad,
}

impl DailyArg {
    pub fn parse(args: &str) -> DailyArg {
        let args = args.trim();
        let word = args.to_ascii_lowercase();
        if let Some(rest) = word.strip_prefix("reveal") {
            return DailyArg::Reveal(learn::parse_hhmm(rest.trim()));
        }
        if let Some(rest) = word.strip_prefix("remind") {
            let rest = rest.trim();
            return DailyArg::Remind(if rest.is_empty() {
                Some(true)
            } else {
                on_off(rest)
            });
        }
        match on_off(&word) {
            Some(true) => DailyArg::On,
            Some(false) => DailyArg::Off,
            None if word.is_empty() => DailyArg::Status,
            None => learn::parse_hhmm(args).map_or(DailyArg::Bad, DailyArg::At),
        }
    }
}

/// A chat's daily question as set: its time, its reveal (groups) and the next send.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyPlan {
    pub time: NaiveTime,
    /// Groups: when the answer is revealed (the default if none was set).
    pub reveal: Option<NaiveTime>,
    pub tz: Tz,
    /// The next send, if one is planned.
    pub next: Option<DateTime<Utc>>,
    /// When this was read (the view says 明天 09:00 relative to it).
    pub now: DateTime<Utc>,
}

/// What `/daily …` did (or would not do).
#[derive(Debug, Clone, PartialEq)]
pub enum DailyOutcome {
    /// `/daily`: the setting, if subscribed.
    Status(Option<DailyPlan>),
    /// Subscribed, or the time or reveal changed.
    Set(DailyPlan),
    Stopped,
    /// The streak reminder is on (or off).
    Remind(bool),
    /// A reveal or a reminder before a daily time was set: subscribe first.
    NeedsTimeFirst,
    Usage,
    RemindUsage,
}

/// What `/tz` changed.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneSet {
    pub tz: Tz,
    /// The daily question's time and next send, re-planned in the new zone (if
    /// subscribed).
    pub daily: Option<(NaiveTime, DateTime<Utc>)>,
    pub now: DateTime<Utc>,
}

/// What `/tz …` did.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneOutcome {
    /// `/tz`: the chat's zone.
    Current(Tz),
    /// Not a zone: nothing changed.
    Unknown {
        current: Tz,
    },
    Set(ZoneSet),
}

impl Tutor {
    /// `/daily …` in a private chat or a group. In a group a new time keeps a custom
    /// reveal only if the time did not change; reminders are a learner's, reveals a
    /// group's. The caller makes the change durable before it confirms it.
    pub fn daily(&self, chat: &Chat, arg: DailyArg) -> Result<DailyOutcome, StoreError> {
        let group = chat.kind == ChatKind::Group;
        let current = chat.daily.as_ref();
        let set = |time, reveal| -> Result<DailyOutcome, StoreError> {
            let p = self.set_daily(chat, time, reveal)?;
            let reveal = group.then(|| reveal.unwrap_or_else(|| learn::default_reveal(time)));
            Ok(DailyOutcome::Set(DailyPlan {
                time,
                reveal,
                tz: p.tz,
                next: Some(p.next),
                now: self.now(),
            }))
        };
        let reveal_for = |time| {
            let custom = current.filter(|d| d.time == time).and_then(|d| d.reveal);
            group.then(|| custom.unwrap_or_else(|| learn::default_reveal(time)))
        };
        Ok(match arg {
            DailyArg::Status => DailyOutcome::Status(match current {
                Some(d) => Some(DailyPlan {
                    time: d.time,
                    reveal: group
                        .then(|| d.reveal.unwrap_or_else(|| learn::default_reveal(d.time))),
                    tz: chat.tz,
                    next: self.store.scheduled(chat.id, JobKind::Daily)?,
                    now: self.now(),
                }),
                None => None,
            }),
            DailyArg::On => match current {
                Some(d) => set(d.time, d.reveal)?,
                None => set(
                    learn::DEFAULT_DAILY_TIME,
                    reveal_for(learn::DEFAULT_DAILY_TIME),
                )?,
            },
            DailyArg::Off => {
                self.daily_off(chat)?;
                DailyOutcome::Stopped
            }
            DailyArg::At(time) => set(time, reveal_for(time))?,
            DailyArg::Reveal(Some(reveal)) if group => match current {
                Some(d) => set(d.time, Some(reveal))?,
                None => DailyOutcome::NeedsTimeFirst,
            },
            DailyArg::Remind(Some(on)) if !group => match self.set_remind(chat, on)? {
                true => DailyOutcome::Remind(on),
                false => DailyOutcome::NeedsTimeFirst,
            },
            DailyArg::Remind(None) if !group => DailyOutcome::RemindUsage,
            DailyArg::Reveal(_) | DailyArg::Remind(_) | DailyArg::Bad => DailyOutcome::Usage,
        })
    }

    /// `/tz …`: shows the chat's zone, or sets it (in a private chat, the learner's
    /// too). The caller makes a change durable before it confirms it.
    pub fn zone(
        &self,
        chat: &Chat,
        user: Option<i64>,
        arg: learn::ZoneArg,
    ) -> Result<ZoneOutcome, StoreError> {
        Ok(match arg {
            learn::ZoneArg::Show => ZoneOutcome::Current(chat.tz),
            learn::ZoneArg::Unknown => ZoneOutcome::Unknown { current: chat.tz },
            learn::ZoneArg::Zone(tz) => ZoneOutcome::Set(self.set_zone(chat, user, tz)?),
        })
    }

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
        self.wake.notify_one();
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
            self.replan_report(user)?;
        }
        let mut daily = None;
        if let Some(d) = &c.daily {
            let at = learn::first_send(d.time, tz, d.last_sent, self.now());
            self.store.schedule(chat.id, JobKind::Daily, Some(at))?;
            if d.remind {
                let remind = learn::next_reminder(self.now(), tz);
                self.store
                    .schedule(chat.id, JobKind::Reminder, Some(remind))?;
            }
            daily = Some((d.time, at));
            self.wake.notify_one();
        }
        let now = self.now();
        Ok(ZoneSet { tz, daily, now })
    }
}

/// [`on_off`]'s words and what they mean, for every parser that takes them to test
/// against.
#[cfg(test)]
pub(crate) const ON_OFF_WORDS: &[(&str, Option<bool>)] = &[
    ("on", Some(true)),
    ("ON", Some(true)),
    (" On ", Some(true)),
    ("开", Some(true)),
    ("开启", Some(true)),
    ("off", Some(false)),
    ("Off", Some(false)),
    ("关", Some(false)),
    ("关闭", Some(false)),
    ("", None),
    ("yes", None),
    ("on off", None),
    ("打开", None),
];

/// The words of [`ON_OFF_WORDS`] that turn something on (`true`) or off.
#[cfg(test)]
pub(crate) fn on_off_words() -> impl Iterator<Item = (&'static str, bool)> {
    ON_OFF_WORDS.iter().filter_map(|&(w, on)| Some((w, on?)))
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
    fn on_and_off_are_the_same_words_everywhere() {
        for &(input, want) in ON_OFF_WORDS {
            assert_eq!(on_off(input), want, "{input:?}");
        }
    }

    #[test]
    fn daily_arguments_parse_the_same_everywhere() {
        use DailyArg::*;
        let cases = [
            ("", Status),
            ("  ", Status),
            ("07:30", At(hm(7, 30))),
            ("7:30", At(hm(7, 30))),
            ("25:00", Bad),
            ("8点", Bad),
            ("reveal 21:00", Reveal(Some(hm(21, 0)))),
            ("reveal", Reveal(None)),
            ("reveal soon", Reveal(None)),
            ("remind", Remind(Some(true))),
            ("remind on", Remind(Some(true))),
            ("remind off", Remind(Some(false))),
            ("remind maybe", Remind(None)),
        ];
        for (input, want) in cases {
            assert_eq!(DailyArg::parse(input), want, "{input:?}");
        }
        for (word, on) in on_off_words() {
            assert_eq!(DailyArg::parse(word), if on { On } else { Off }, "{word:?}");
            let remind = format!("remind {word}");
            assert_eq!(DailyArg::parse(&remind), Remind(Some(on)), "{remind:?}");
        }
    }

    #[test]
    fn a_private_daily_shows_its_status_and_on_keeps_the_time() {
        let t = testing::at(testing::t0());
        let daily = |arg| t.daily(&t.private_chat(7), arg).unwrap();
        assert_eq!(daily(DailyArg::Status), DailyOutcome::Status(None));
        assert_eq!(
            daily(DailyArg::Remind(Some(true))),
            DailyOutcome::NeedsTimeFirst
        );
        let DailyOutcome::Set(p) = daily(DailyArg::At(hm(7, 30))) else {
            panic!("not set");
        };
        assert_eq!((p.time, p.reveal), (hm(7, 30), None));
        // Plain /daily only shows the setting; /daily on keeps it.
        assert_eq!(
            daily(DailyArg::Status),
            DailyOutcome::Status(Some(p.clone()))
        );
        assert_eq!(daily(DailyArg::On), DailyOutcome::Set(p));
        assert_eq!(
            daily(DailyArg::Remind(Some(true))),
            DailyOutcome::Remind(true)
        );
        assert_eq!(daily(DailyArg::Remind(None)), DailyOutcome::RemindUsage);
        assert_eq!(daily(DailyArg::Reveal(Some(hm(9, 0)))), DailyOutcome::Usage);
        assert_eq!(daily(DailyArg::Off), DailyOutcome::Stopped);
        assert_eq!(t.scheduled(7, JobKind::Daily), None);
        let DailyOutcome::Set(p) = daily(DailyArg::On) else {
            panic!("not set");
        };
        assert_eq!(p.time, learn::DEFAULT_DAILY_TIME);
    }

    #[test]
    fn group_daily_settings() {
        let t = testing::at(testing::t0());
        let chat = || t.ensure_chat(-5, ChatKind::Group, "G").unwrap();
        let daily = |arg: &str| t.daily(&chat(), DailyArg::parse(arg)).unwrap();
        let reveal_of = |o: DailyOutcome| match o {
            DailyOutcome::Set(p) => (p.time, p.reveal.unwrap()),
            other => panic!("{other:?}"),
        };
        assert_eq!(daily(""), DailyOutcome::Status(None));
        assert_eq!(daily("reveal 21:00"), DailyOutcome::NeedsTimeFirst);
        assert_eq!(daily("8点"), DailyOutcome::Usage);
        assert_eq!(daily("remind on"), DailyOutcome::Usage);
        let default = learn::default_reveal(hm(8, 0));
        assert_eq!(reveal_of(daily("08:00")), (hm(8, 0), default));
        assert!(t.scheduled(-5, JobKind::Daily).is_some());
        assert_eq!(reveal_of(daily("reveal 21:30")), (hm(8, 0), hm(21, 30)));
        // The same time keeps a custom reveal; a new time brings back the default.
        assert_eq!(reveal_of(daily("08:00")), (hm(8, 0), hm(21, 30)));
        let nine = hm(9, 0);
        assert_eq!(
            reveal_of(daily("09:00")),
            (nine, learn::default_reveal(nine))
        );
        match daily("") {
            DailyOutcome::Status(Some(p)) => {
                assert_eq!((p.time, p.tz), (nine, chrono_tz::Asia::Shanghai));
                assert_eq!(p.next, t.scheduled(-5, JobKind::Daily));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(daily("off"), DailyOutcome::Stopped);
        assert!(chat().daily.is_none() && t.scheduled(-5, JobKind::Daily).is_none());
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
        let eight = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
        assert_eq!(z.daily, Some((hm(9, 0), eight)));
        assert_eq!(t.learner_tz_of(7).unwrap(), chrono_tz::Europe::Berlin);
        assert_eq!(
            t.store.chat(7).unwrap().unwrap().tz,
            chrono_tz::Europe::Berlin
        );
        let z = t
            .set_zone(&t.private_chat(8), None, chrono_tz::Asia::Tokyo)
            .unwrap();
        assert_eq!(z.daily, None);
        let c = t.private_chat(8);
        let zone = |arg| t.zone(&c, Some(8), arg).unwrap();
        let tokyo = chrono_tz::Asia::Tokyo;
        assert_eq!(zone(learn::ZoneArg::Show), ZoneOutcome::Current(tokyo));
        assert_eq!(
            zone(learn::ZoneArg::Unknown),
            ZoneOutcome::Unknown { current: tokyo }
        );
    }
}
