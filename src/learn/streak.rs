//! Daily study streaks, on the learner's local calendar.
//!
//! A streak is a run of consecutive local days with at least one graded answer.
//! One missed day is forgiven at most once per 7 days ("streak repair").

use chrono::{DateTime, NaiveDate, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Days that must pass between two repairs: a repair is allowed on `day` when
/// `day - last_repair >= REPAIR_EVERY_DAYS` (`last_repair` is the forgiven day).
pub const REPAIR_EVERY_DAYS: i64 = 7;

/// A learner's streak.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Streak {
    /// Length of the streak ending on `last_day`.
    pub current: u32,
    /// The longest streak ever.
    pub best: u32,
    /// The last local day with a graded answer.
    pub last_day: Option<NaiveDate>,
    /// The last missed day that was forgiven.
    pub last_repair: Option<NaiveDate>,
}

/// What recording a day did to the streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreakChange {
    /// The first day ever.
    Started,
    /// Already counted today (or a day before the last one: nothing changes).
    SameDay,
    /// The day after the last one.
    Extended,
    /// One day was missed and forgiven.
    Repaired {
        /// The day that was missed.
        missed: NaiveDate,
    },
    /// The streak had lapsed; it starts again at 1.
    Restarted,
}

/// The calendar day of `now` in `tz`. (At the very ends of chrono's range, where
/// the local time is not representable, the UTC day.)
pub fn local_day(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let utc = now.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
        .unwrap_or(utc)
        .date()
}

/// Whether a repair may forgive a missed day when answering on `day`.
fn repair_available(s: &Streak, day: NaiveDate) -> bool {
    s.last_repair
        .is_none_or(|r| day.signed_duration_since(r) >= TimeDelta::days(REPAIR_EVERY_DAYS))
}

/// Records a graded answer on local `day`.
///
/// A day just before `last_day` (a time-zone change) changes nothing and is reported
/// as [`StreakChange::SameDay`]. A `last_day` more than a day ahead was recorded while
/// the clock ran fast: the learner is not to blame, so `day` extends the streak as if
/// that day had been yesterday.
pub fn record_day(s: &Streak, day: NaiveDate) -> (Streak, StreakChange) {
    let Some(last) = s.last_day else {
        let next = Streak {
            current: 1,
            best: s.best.max(1),
            last_day: Some(day),
            last_repair: s.last_repair,
        };
        return (next, StreakChange::Started);
    };
    let gap = match day.signed_duration_since(last).num_days() {
        ..-1 => 1,
        gap => gap,
    };
    let (current, last_repair, change) = match gap {
        ..=0 => return (s.clone(), StreakChange::SameDay),
        1 => (
            s.current.saturating_add(1),
            s.last_repair,
            StreakChange::Extended,
        ),
        2 if repair_available(s, day) => match last.succ_opt() {
            Some(missed) => (
                s.current.saturating_add(1),
                Some(missed),
                StreakChange::Repaired { missed },
            ),
            None => (1, s.last_repair, StreakChange::Restarted),
        },
        _ => (1, s.last_repair, StreakChange::Restarted),
    };
    let next = Streak {
        current,
        best: s.best.max(current),
        last_day: Some(day),
        last_repair,
    };
    (next, change)
}

/// The streak to show on `today`: `current` while it can still be continued (last
/// day today or yesterday, or two days ago when a repair is available), else 0.
pub fn shown_streak(s: &Streak, today: NaiveDate) -> u32 {
    let Some(last) = s.last_day else {
        return 0;
    };
    match today.signed_duration_since(last).num_days() {
        ..=1 => s.current,
        2 if repair_available(s, today) => s.current,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use chrono_tz::{America, Asia, Europe};

    use super::*;

    fn d(s: &str) -> NaiveDate {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
            Ok(t) => t.and_utc(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    /// The instant of a local wall-clock time (the earlier one when ambiguous).
    fn local(tz: Tz, s: &str) -> DateTime<Utc> {
        let naive = match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        };
        match tz.from_local_datetime(&naive).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => panic!("{s} does not exist in {tz}"),
        }
    }

    fn streak(current: u32, best: u32, last: &str, repair: Option<&str>) -> Streak {
        Streak {
            current,
            best,
            last_day: Some(d(last)),
            last_repair: repair.map(d),
        }
    }

    #[test]
    fn record_day_table() {
        use StreakChange::*;
        let s5 = streak(5, 9, "2026-03-10", None);
        for (before, day, after, change) in [
            (
                Streak::default(),
                "2026-03-10",
                streak(1, 1, "2026-03-10", None),
                Started,
            ),
            // A best from before is kept.
            (
                Streak {
                    best: 4,
                    ..Streak::default()
                },
                "2026-03-10",
                streak(1, 4, "2026-03-10", None),
                Started,
            ),
            (s5.clone(), "2026-03-10", s5.clone(), SameDay),
            // The day before (a zone change) changes nothing.
            (s5.clone(), "2026-03-09", s5.clone(), SameDay),
            // A last day further ahead was counted while the clock ran fast: today
            // extends the streak as if it had been yesterday.
            (
                s5.clone(),
                "2026-03-08",
                streak(6, 9, "2026-03-08", None),
                Extended,
            ),
            (
                s5.clone(),
                "2026-02-08",
                streak(6, 9, "2026-02-08", None),
                Extended,
            ),
            (
                s5.clone(),
                "2026-03-11",
                streak(6, 9, "2026-03-11", None),
                Extended,
            ),
            // A new best.
            (
                streak(9, 9, "2026-03-10", None),
                "2026-03-11",
                streak(10, 10, "2026-03-11", None),
                Extended,
            ),
            // One missed day, never repaired before: forgiven.
            (
                s5.clone(),
                "2026-03-12",
                streak(6, 9, "2026-03-12", Some("2026-03-11")),
                Repaired {
                    missed: d("2026-03-11"),
                },
            ),
            // Last repair exactly 7 days before: allowed again.
            (
                streak(5, 9, "2026-03-10", Some("2026-03-05")),
                "2026-03-12",
                streak(6, 9, "2026-03-12", Some("2026-03-11")),
                Repaired {
                    missed: d("2026-03-11"),
                },
            ),
            // Last repair 6 days before: not yet.
            (
                streak(5, 9, "2026-03-10", Some("2026-03-06")),
                "2026-03-12",
                streak(1, 9, "2026-03-12", Some("2026-03-06")),
                Restarted,
            ),
            // Two missed days: never forgiven.
            (
                s5.clone(),
                "2026-03-13",
                streak(1, 9, "2026-03-13", None),
                Restarted,
            ),
            (
                s5.clone(),
                "2027-01-01",
                streak(1, 9, "2027-01-01", None),
                Restarted,
            ),
            // Across a month and a year end.
            (
                streak(3, 3, "2026-12-31", None),
                "2027-01-01",
                streak(4, 4, "2027-01-01", None),
                Extended,
            ),
            (
                streak(3, 3, "2028-02-28", None),
                "2028-03-01",
                streak(4, 4, "2028-03-01", Some("2028-02-29")),
                Repaired {
                    missed: d("2028-02-29"),
                },
            ),
            // Saturation instead of overflow.
            (
                streak(u32::MAX, u32::MAX, "2026-03-10", None),
                "2026-03-11",
                streak(u32::MAX, u32::MAX, "2026-03-11", None),
                Extended,
            ),
        ] {
            assert_eq!(
                record_day(&before, d(day)),
                (after, change),
                "{before:?} on {day}"
            );
        }
        // The end of the calendar: no panic.
        let end = Streak {
            current: 2,
            best: 2,
            last_day: Some(NaiveDate::MAX),
            last_repair: None,
        };
        assert_eq!(record_day(&end, NaiveDate::MAX).1, SameDay);
        assert_eq!(record_day(&end, NaiveDate::MIN).1, Extended);
    }

    #[test]
    fn repair_once_per_week_in_a_run() {
        // Answers every day except 03-03 and 03-06: the second gap is within 7 days.
        let mut s = Streak::default();
        let mut changes = Vec::new();
        for day in [
            "2026-03-01",
            "2026-03-02",
            "2026-03-04",
            "2026-03-05",
            "2026-03-07",
        ] {
            let (next, change) = record_day(&s, d(day));
            changes.push(change);
            s = next;
        }
        use StreakChange::*;
        assert_eq!(
            changes,
            [
                Started,
                Extended,
                Repaired {
                    missed: d("2026-03-03")
                },
                Extended,
                Restarted
            ]
        );
        assert_eq!((s.current, s.best), (1, 4));
    }

    #[test]
    fn shown_streak_table() {
        for (s, today, want) in [
            (Streak::default(), "2026-03-10", 0),
            (streak(5, 9, "2026-03-10", None), "2026-03-10", 5),
            (streak(5, 9, "2026-03-10", None), "2026-03-11", 5),
            // Two days ago, repair available: still alive.
            (streak(5, 9, "2026-03-10", None), "2026-03-12", 5),
            (
                streak(5, 9, "2026-03-10", Some("2026-03-05")),
                "2026-03-12",
                5,
            ),
            // Two days ago, repair used recently: lapsed.
            (
                streak(5, 9, "2026-03-10", Some("2026-03-06")),
                "2026-03-12",
                0,
            ),
            (streak(5, 9, "2026-03-10", None), "2026-03-13", 0),
            // A last day in the future (clock skew): shown as is.
            (streak(5, 9, "2026-03-10", None), "2026-03-09", 5),
        ] {
            assert_eq!(shown_streak(&s, d(today)), want, "{s:?} on {today}");
        }
    }

    #[test]
    fn local_day_table() {
        let berlin = Europe::Berlin;
        for (now, tz, day) in [
            // 23:30 UTC is already tomorrow in Berlin (00:30 CET) and Shanghai.
            ("2026-01-15 23:30", berlin, "2026-01-16"),
            ("2026-01-15 22:59", berlin, "2026-01-15"),
            ("2026-01-15 23:00", berlin, "2026-01-16"),
            // In summer (CEST, UTC+2) local midnight is 22:00 UTC.
            ("2026-07-15 21:59", berlin, "2026-07-15"),
            ("2026-07-15 22:00", berlin, "2026-07-16"),
            ("2026-01-15 15:59", Asia::Shanghai, "2026-01-15"),
            ("2026-01-15 16:00", Asia::Shanghai, "2026-01-16"),
            // New York is behind UTC: 03:00 UTC is still yesterday evening.
            ("2026-01-16 03:00", America::New_York, "2026-01-15"),
            ("2026-01-15 23:30", Tz::UTC, "2026-01-15"),
        ] {
            assert_eq!(local_day(utc(now), tz), d(day), "{now} in {tz}");
        }
        // The ends of time: no panic.
        for tz in [Asia::Shanghai, America::New_York, Tz::UTC] {
            let _ = local_day(DateTime::<Utc>::MAX_UTC, tz);
            let _ = local_day(DateTime::<Utc>::MIN_UTC, tz);
        }
    }

    /// Answers at 23:30 local on each day around both 2026 DST changes in Berlin
    /// are consecutive days, though they are 23 or 25 hours apart.
    #[test]
    fn berlin_dst_streaks() {
        let tz = Europe::Berlin;
        for days in [
            // Spring forward on 2026-03-29 (02:00 → 03:00).
            ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"],
            // Fall back on 2026-10-25 (03:00 → 02:00).
            ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26"],
        ] {
            let mut s = Streak::default();
            for (i, day) in days.iter().enumerate() {
                let now = local(tz, &format!("{day} 23:30"));
                let (next, change) = record_day(&s, local_day(now, tz));
                let want = if i == 0 {
                    StreakChange::Started
                } else {
                    StreakChange::Extended
                };
                assert_eq!(change, want, "{day}");
                s = next;
            }
            assert_eq!(s.current, 4);
        }
        // 23:30 local on 03-28 (CET) to 23:30 local on 03-29 (CEST) is 23 hours.
        let a = local(tz, "2026-03-28 23:30");
        let b = local(tz, "2026-03-29 23:30");
        assert_eq!(b - a, TimeDelta::hours(23));
        // 00:30 local just after the switch is the new day; 23:30 UTC that day is
        // already 01:30 the next local day.
        for (now, day) in [
            ("2026-03-28 23:30", "2026-03-29"), // 00:30 CET
            ("2026-03-29 00:59", "2026-03-29"), // 01:59 CET, just before the gap
            ("2026-03-29 01:00", "2026-03-29"), // 03:00 CEST
            ("2026-03-29 21:59", "2026-03-29"), // 23:59 CEST
            ("2026-03-29 22:00", "2026-03-30"), // 00:00 CEST
            ("2026-03-29 23:30", "2026-03-30"), // 01:30 CEST
            ("2026-10-24 22:30", "2026-10-25"), // 00:30 CEST
            ("2026-10-25 00:30", "2026-10-25"), // 02:30 CEST (first)
            ("2026-10-25 01:30", "2026-10-25"), // 02:30 CET (second)
            ("2026-10-25 22:59", "2026-10-25"), // 23:59 CET
            ("2026-10-25 23:00", "2026-10-26"), // 00:00 CET
        ] {
            assert_eq!(local_day(utc(now), tz), d(day), "{now} UTC");
        }
        // Answers at 00:30 and 23:30 local on the 25-hour day are one day.
        let first = local_day(local(tz, "2026-10-25 00:30"), tz);
        let second = local_day(local(tz, "2026-10-25 23:30"), tz);
        let (s, _) = record_day(&Streak::default(), first);
        assert_eq!(record_day(&s, second).1, StreakChange::SameDay);
    }
}
