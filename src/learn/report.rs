//! The weekly report (`/report on`): when it goes out in the learner's zone, right
//! across daylight-saving changes, and its figures.
//!
//! It goes out on Monday at [`REPORT_TIME`] local (the default daily time, so that
//! it comes at the hour the daily question comes by default), once per local week,
//! and covers the 7 local days before that Monday (last Monday to Sunday). A bot that
//! was down on Monday sends it when it is back, the same week; after a week of
//! downtime that week's is skipped.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::class::{ChapterTally, percent, weakest_of};
use super::daily::{DEFAULT_DAILY_TIME, day_beyond_tomorrow, send_instant};
use super::score::week_start;
use super::stats::{LogEntry, Stats};
use super::streak::local_day;

/// The local time of the weekly report, on Mondays.
pub const REPORT_TIME: NaiveTime = DEFAULT_DAILY_TIME;

/// The days a report covers.
pub const REPORT_DAYS: i64 = 7;

/// How far ahead a report's job is planned at most: the next Monday can lie a week
/// away, beyond the [`super::daily::PLANNING_HORIZON`] (past which a time counts as
/// written by a clock that ran fast), so the job wakes every few days and is planned
/// again, until its Monday is near.
pub const REPORT_HOP: TimeDelta = TimeDelta::days(3);

/// What to do about a learner's weekly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// Send it now (then record `week` as sent).
    SendNow {
        /// The Monday of the local week it is for.
        week: NaiveDate,
    },
    /// Nothing to send before this instant.
    WaitUntil(DateTime<Utc>),
}

/// The instant of the report of the week starting on Monday `week`.
pub fn report_instant(week: NaiveDate, tz: Tz) -> DateTime<Utc> {
    send_instant(week, REPORT_TIME, tz)
}

/// The Monday of the week of `day`.
fn monday_of(day: NaiveDate) -> NaiveDate {
    let back = TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
    day.checked_sub_signed(back).unwrap_or(day)
}

/// The Monday a week after `week`.
pub fn next_week(week: NaiveDate) -> NaiveDate {
    week.checked_add_signed(TimeDelta::days(REPORT_DAYS))
        .unwrap_or(week)
}

/// Decides, at `now`, about a weekly report in `tz`, given the Monday of the last week
/// one was sent for.
///
/// - Already sent this week: wait until next Monday's time.
/// - This Monday's time has passed: send this week's (also later in the week, after
///   downtime).
/// - Else (Monday morning): wait until today's time.
///
/// As for the daily question, a `last_sent` beyond tomorrow was claimed while the
/// clock ran fast and is ignored.
pub fn report_action(tz: Tz, last_sent: Option<NaiveDate>, now: DateTime<Utc>) -> ReportAction {
    let today = local_day(now, tz);
    let monday = week_start(now, tz);
    let last_sent = last_sent.filter(|&sent| !day_beyond_tomorrow(sent, today));
    if let Some(sent) = last_sent.filter(|&sent| sent >= monday) {
        return ReportAction::WaitUntil(report_instant(next_week(monday_of(sent)), tz));
    }
    let at = report_instant(monday, tz);
    if now >= at {
        ReportAction::SendNow { week: monday }
    } else {
        ReportAction::WaitUntil(at)
    }
}

/// The week that turning the report on at `now` skips: this week's, when its time
/// has passed and it was not sent. Turning the report on never sends one at once
/// (`/report now` does); the first comes next Monday, or this Monday if it is still
/// ahead.
pub fn skipped_on(tz: Tz, last_sent: Option<NaiveDate>, now: DateTime<Utc>) -> Option<NaiveDate> {
    match report_action(tz, last_sent, now) {
        ReportAction::SendNow { week } => Some(week),
        ReportAction::WaitUntil(_) => None,
    }
}

/// When to look at a report's job again: at `at`, or after [`REPORT_HOP`] if that is
/// sooner.
pub fn plan_at(at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    now.checked_add_signed(REPORT_HOP)
        .map_or(at, |hop| at.min(hop))
}

/// Seven local days, `first` to `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// The first day.
    pub first: NaiveDate,
    /// The last day.
    pub last: NaiveDate,
}

impl Week {
    /// The 7 local days before `day` (a scheduled report: the week before its Monday).
    pub fn before(day: NaiveDate) -> Week {
        let last = day.pred_opt().unwrap_or(day);
        Week::ending(last)
    }

    /// The 7 local days ending with `day` (`/report now`: today included).
    pub fn ending(day: NaiveDate) -> Week {
        let first = day
            .checked_sub_signed(TimeDelta::days(REPORT_DAYS - 1))
            .unwrap_or(day);
        Week { first, last: day }
    }

    /// Whether local `day` is one of the seven.
    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.first..=self.last).contains(&day)
    }
}

/// The figures of a weekly report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekSummary {
    /// The days it covers.
    pub week: Week,
    /// Answers given in those days.
    pub answered: u32,
    /// Right ones among them.
    pub right: u32,
    /// The streak shown now (as `/stats` shows it).
    pub streak: u32,
    /// The chapter with the lowest accuracy in those days (by `/class`'s rule: at
    /// least [`super::class::WEAKEST_MIN_ANSWERS`] answers in it).
    pub weakest: Option<ChapterTally>,
    /// Questions falling due in the next 7 local days, today and those already due
    /// included (the sum of `/stats`' forecast).
    pub due_next_week: usize,
}

impl WeekSummary {
    /// The week's accuracy in whole percent (`None` without answers).
    pub fn percent(&self) -> Option<u32> {
        (self.answered > 0).then(|| percent(self.right, self.answered))
    }
}

/// The report of `week` from the learner's log (answers by their local day in `tz`)
/// and their statistics now. `chapter_of` names a question's chapter (`None`: it
/// left the bank, and counts everywhere but in the chapters).
pub fn summary(
    week: Week,
    log: &[LogEntry],
    chapter_of: impl Fn(&str) -> Option<u8>,
    stats: &Stats,
    tz: Tz,
) -> WeekSummary {
    let entries: Vec<&LogEntry> = log
        .iter()
        .filter(|e| week.contains(local_day(e.at, tz)))
        .collect();
    let answered = u32::try_from(entries.len()).unwrap_or(u32::MAX);
    let right = u32::try_from(entries.iter().filter(|e| e.right).count()).unwrap_or(u32::MAX);
    WeekSummary {
        week,
        answered,
        right,
        streak: stats.streak,
        weakest: weakest_of(entries, chapter_of),
        due_next_week: stats
            .due_forecast
            .iter()
            .fold(0usize, |sum, (_, n)| sum.saturating_add(*n)),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use chrono_tz::{America, Asia, Europe, Pacific};

    use super::*;
    use crate::learn::daily::beyond_horizon;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
    }

    #[test]
    fn report_action_table() {
        use ReportAction::*;
        let (sh, ber, ny) = (Asia::Shanghai, Europe::Berlin, America::New_York);
        let send = |week: &str| SendNow { week: d(week) };
        let wait = |at: &str| WaitUntil(utc(at));
        // (name, tz, last sent, now (UTC), action). 2026-03-02 and 03-09 are Mondays;
        // Shanghai 09:00 is 01:00 UTC.
        let cases = [
            (
                "Monday, before",
                sh,
                None,
                "2026-03-09 00:59",
                wait("2026-03-09 01:00"),
            ),
            (
                "Monday, on time",
                sh,
                Some("2026-03-02"),
                "2026-03-09 01:00",
                send("2026-03-09"),
            ),
            (
                "sent this week: next Monday",
                sh,
                Some("2026-03-09"),
                "2026-03-09 01:00",
                wait("2026-03-16 01:00"),
            ),
            (
                "Sunday night, sent: next Monday",
                sh,
                Some("2026-03-09"),
                "2026-03-15 15:59",
                wait("2026-03-16 01:00"),
            ),
            (
                "down on Monday, back on Wednesday: this week's",
                sh,
                Some("2026-03-02"),
                "2026-03-11 06:00",
                send("2026-03-09"),
            ),
            (
                "weeks of downtime: only this week's",
                sh,
                Some("2026-01-05"),
                "2026-03-10 06:00",
                send("2026-03-09"),
            ),
            // 16:00 UTC on Sunday 03-08 is already Monday 03-09 in Shanghai.
            (
                "local Monday, UTC Sunday",
                sh,
                Some("2026-03-02"),
                "2026-03-08 16:00",
                wait("2026-03-09 01:00"),
            ),
            (
                "last sent tomorrow (a zone change): the week after",
                sh,
                Some("2026-03-16"),
                "2026-03-15 06:00",
                wait("2026-03-23 01:00"),
            ),
            (
                "last sent weeks ahead (the clock ran fast): ignored",
                sh,
                Some("2026-04-13"),
                "2026-03-11 06:00",
                send("2026-03-09"),
            ),
            // Berlin springs forward on Sunday 2026-03-29: 09:00 is 08:00 UTC on the
            // Monday before, 07:00 UTC on the Monday after.
            (
                "BER: before the switch",
                ber,
                Some("2026-03-16"),
                "2026-03-23 07:59",
                wait("2026-03-23 08:00"),
            ),
            (
                "BER: sent before the switch, next after it",
                ber,
                Some("2026-03-23"),
                "2026-03-28 12:00",
                wait("2026-03-30 07:00"),
            ),
            (
                "BER: after the switch, on time",
                ber,
                Some("2026-03-23"),
                "2026-03-30 07:00",
                send("2026-03-30"),
            ),
            // Berlin falls back on Sunday 2026-10-25: Monday 09:00 CET is 08:00 UTC.
            (
                "BER: fall back",
                ber,
                Some("2026-10-19"),
                "2026-10-26 07:30",
                wait("2026-10-26 08:00"),
            ),
            // New York falls back on Sunday 2026-11-01: Monday 09:00 EST is 14:00 UTC.
            (
                "NY: after fall back",
                ny,
                Some("2026-10-26"),
                "2026-11-02 13:59",
                wait("2026-11-02 14:00"),
            ),
            (
                "NY: Monday evening is Tuesday in UTC",
                ny,
                Some("2026-10-26"),
                "2026-11-03 03:00",
                send("2026-11-02"),
            ),
        ];
        for (name, tz, last, now, want) in cases {
            assert_eq!(report_action(tz, last.map(d), utc(now)), want, "{name}");
        }
    }

    #[test]
    fn first_report_never_sends_at_once() {
        let sh = Asia::Shanghai;
        for (last, now, want) in [
            // Monday morning: today's.
            (None, "2026-03-09 00:30", "2026-03-09 01:00"),
            // Monday, after 09:00: next week's, never now.
            (None, "2026-03-09 01:00", "2026-03-16 01:00"),
            (None, "2026-03-11 06:00", "2026-03-16 01:00"),
            (Some("2026-03-09"), "2026-03-11 06:00", "2026-03-16 01:00"),
            // Sunday night: tomorrow's.
            (Some("2026-03-02"), "2026-03-15 15:00", "2026-03-16 01:00"),
        ] {
            let got = first_report(sh, last.map(d), utc(now));
            assert_eq!(got, utc(want), "{last:?} at {now}");
        }
    }

    /// When the first report comes after `/report on` at `now`.
    fn first_report(tz: Tz, last: Option<NaiveDate>, now: DateTime<Utc>) -> DateTime<Utc> {
        let last = last.max(skipped_on(tz, last, now));
        match report_action(tz, last, now) {
            ReportAction::WaitUntil(at) => at,
            ReportAction::SendNow { week } => panic!("{week} is sent at once"),
        }
    }

    #[test]
    fn a_report_job_is_never_planned_beyond_the_horizon() {
        for tz in [
            Asia::Shanghai,
            Europe::Berlin,
            America::New_York,
            Pacific::Auckland,
        ] {
            // Every hour of two weeks around Berlin's and Auckland's DST changes.
            for start in ["2026-03-22 00:00", "2026-09-20 00:00"] {
                for hour in 0..(24 * 15) {
                    let now = utc(start) + TimeDelta::hours(hour);
                    let today = local_day(now, tz);
                    for last in [None, Some(week_start(now, tz)), today.succ_opt()] {
                        let at = first_report(tz, last, now);
                        assert!(at > now, "{tz} {last:?} {now}: {at}");
                        assert!(!beyond_horizon(plan_at(at, now), now), "{tz} {now}");
                        // A week ahead, or two at most after a zone change moved "this week".
                        assert!(at - now <= TimeDelta::days(9), "{tz} {now}: {at}");
                    }
                }
            }
        }
        let now = utc("2026-03-10 00:00");
        assert_eq!(
            plan_at(utc("2026-03-11 00:00"), now),
            utc("2026-03-11 00:00")
        );
        assert_eq!(plan_at(utc("2026-03-16 01:00"), now), now + REPORT_HOP);
        assert_eq!(
            plan_at(DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MAX_UTC),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn the_ends_of_time_do_not_panic() {
        for tz in [Asia::Shanghai, Pacific::Apia] {
            for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = report_action(tz, None, now);
                let _ = first_report(tz, Some(NaiveDate::MAX), now);
            }
            for day in [NaiveDate::MIN, NaiveDate::MAX] {
                let _ = report_action(tz, Some(day), utc("2026-03-10 00:00"));
                let _ = (Week::before(day), Week::ending(day));
            }
        }
    }

    #[test]
    fn weeks() {
        let w = Week::before(d("2026-03-09"));
        assert_eq!((w.first, w.last), (d("2026-03-02"), d("2026-03-08")));
        let w = Week::ending(d("2026-03-11"));
        assert_eq!((w.first, w.last), (d("2026-03-05"), d("2026-03-11")));
        for (day, inside) in [
            ("2026-03-04", false),
            ("2026-03-05", true),
            ("2026-03-11", true),
            ("2026-03-12", false),
        ] {
            assert_eq!(w.contains(d(day)), inside, "{day}");
        }
    }

    #[test]
    fn summary_table() {
        let tz = Asia::Shanghai;
        let entry = |at: &str, q: &str, right| LogEntry {
            at: utc(at),
            question: q.into(),
            right,
        };
        let chapter_of = |q: &str| match q.as_bytes().get(1) {
            Some(b'1') => Some(1),
            Some(b'2') => Some(2),
            _ => None,
        };
        let stats = Stats {
            answered: 40,
            right: 30,
            streak: 4,
            best_streak: 9,
            due_now: 2,
            unseen: 0,
            wrong: 0,
            chapters: vec![],
            last_30_days: vec![],
            due_forecast: vec![
                (d("2026-03-09"), 3),
                (d("2026-03-10"), 0),
                (d("2026-03-11"), 2),
            ],
            average_retrievability: None,
        };
        // The week of Monday 2026-03-02 to Sunday 03-08, Shanghai (UTC+8).
        let week = Week::before(d("2026-03-09"));
        let log = [
            // 2026-03-01 16:30 UTC is Monday 03-02 00:30 local: in.
            entry("2026-03-01 16:30", "c1-q01", true),
            // Sunday 23:59 local: in.
            entry("2026-03-08 15:59", "c1-q02", false),
            // Monday 00:00 local, the report's day: out.
            entry("2026-03-08 16:00", "c2-q01", false),
            // Sunday 03-01 23:00 local: out.
            entry("2026-03-01 15:00", "c2-q01", false),
            entry("2026-03-03 02:00", "c2-q01", false),
            entry("2026-03-03 02:01", "c2-q02", true),
            entry("2026-03-03 02:02", "c2-q02", false),
            entry("2026-03-04 02:00", "c1-q01", true),
            // A question that left the bank counts, but in no chapter.
            entry("2026-03-05 02:00", "gone", false),
        ];
        let s = summary(week, &log, chapter_of, &stats, tz);
        assert_eq!((s.answered, s.right, s.percent()), (7, 3, Some(42)));
        assert_eq!((s.streak, s.due_next_week), (4, 5));
        // Chapter 1: 2 of 3 right; chapter 2: 1 of 3.
        assert_eq!(
            s.weakest,
            Some(ChapterTally {
                chapter: 2,
                answered: 3,
                right: 1
            })
        );
        // A quiet week: no accuracy, no weakest chapter.
        let quiet = summary(Week::before(d("2026-03-30")), &log, chapter_of, &stats, tz);
        assert_eq!(
            (quiet.answered, quiet.percent(), quiet.weakest),
            (0, None, None)
        );
        // One answer per chapter is not enough to name the weakest.
        let one = summary(
            week,
            &[log[0].clone(), log[4].clone()],
            chapter_of,
            &stats,
            tz,
        );
        assert_eq!((one.answered, one.weakest), (2, None));
    }
}
