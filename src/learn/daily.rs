//! The daily question: when it is due for a chat, in the chat's time zone, right
//! across daylight-saving changes.

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

use super::parse::fold_width;
use super::streak::local_day;

/// The instant of local `time` on `day` in `tz`.
///
/// A local time skipped by a spring-forward gap gives the first valid instant after
/// the gap (Berlin 02:30 on the switch day → 03:00 CEST); a local time that occurs
/// twice (fall back) gives the earlier instant.
pub fn send_instant(day: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = day.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => first_instant_at_or_after(local, tz),
    }
}

/// The local wall-clock time of `t` in `tz`, if representable.
fn local_time(t: DateTime<Utc>, tz: Tz) -> Option<NaiveDateTime> {
    let utc = t.naive_utc();
    let offset = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
}

/// The first whole-second instant whose local time in `tz` is at or after `local`
/// (for a local time inside a gap: the end of the gap).
fn first_instant_at_or_after(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    let base = local.and_utc();
    // UTC offsets lie within −12 h … +14 h, so the local time 15 h before `base` (as
    // UTC) is before `local`, and 13 h after it is after `local`.
    let (Some(lo), Some(hi)) = (
        base.checked_sub_signed(TimeDelta::hours(15)),
        base.checked_add_signed(TimeDelta::hours(13)),
    ) else {
        return base;
    };
    let reached = |ts: i64| {
        DateTime::from_timestamp(ts, 0)
            .and_then(|t| local_time(t, tz))
            .is_none_or(|l| l >= local)
    };
    // Invariant: `lo` has not reached `local`, `hi` has.
    let (mut lo, mut hi) = (lo.timestamp(), hi.timestamp());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or(base)
}

/// How far ahead of `now` anything the bot plans can lie: the day after tomorrow's
/// send (a zone change can move "today" by a day) is at most three days and a DST
/// hour away, a reminder or reveal under two days, a group card's deadline minutes. A
/// time or day further ahead was written while the clock ran fast, and is planned
/// again from now. (A day of margin: a legitimate time beyond the horizon would be
/// planned again, to the same time, at every wake of the scheduler.)
pub const PLANNING_HORIZON: TimeDelta = TimeDelta::days(4);

/// Whether `at` lies beyond the [`PLANNING_HORIZON`] from `now`: the mark of a clock
/// that jumped forward and was set right.
pub fn beyond_horizon(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now.checked_add_signed(PLANNING_HORIZON)
        .is_some_and(|limit| at > limit)
}

/// Whether local `day` lies after tomorrow of `today`: no zone change explains it, a
/// clock that ran fast does.
pub fn day_beyond_tomorrow(day: NaiveDate, today: NaiveDate) -> bool {
    day.signed_duration_since(today).num_days() > 1
}

/// What to do about a chat's daily question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyAction {
    /// Send the question now (then record `day` as last sent).
    SendNow {
        /// The local day the question is for: today.
        day: NaiveDate,
    },
    /// Nothing to send before this instant.
    WaitUntil(DateTime<Utc>),
}

/// Decides, at `now`, about a daily question at local `time` in `tz`, given the last
/// local day one was sent for.
///
/// - Already sent today: wait until tomorrow's time.
/// - Today's time has passed: send today's (also after downtime the same day; after
///   days of downtime the missed days are skipped and only today's is sent).
/// - Else: wait until today's time.
///
/// A `last_sent` of tomorrow (a time-zone change) counts as sent today, and the next
/// question is for the day after `last_sent`: a chat never gets two daily questions
/// for the same date. A `last_sent` further ahead was claimed while the clock ran
/// fast: it is ignored, so a corrected clock does not silence the chat until then.
pub fn daily_action(
    time: NaiveTime,
    tz: Tz,
    last_sent: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DailyAction {
    let today = local_day(now, tz);
    let last_sent = last_sent.filter(|&sent| !day_beyond_tomorrow(sent, today));
    if let Some(sent) = last_sent.filter(|&sent| sent >= today) {
        return DailyAction::WaitUntil(match sent.succ_opt() {
            Some(next) => send_instant(next, time, tz),
            None => DateTime::<Utc>::MAX_UTC,
        });
    }
    let at = send_instant(today, time, tz);
    if now >= at {
        DailyAction::SendNow { day: today }
    } else {
        DailyAction::WaitUntil(at)
    }
}

/// The daily time of a subscription that names none.
pub const DEFAULT_DAILY_TIME: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// How long after a group's daily question its answer is revealed, unless the group
/// set a reveal time.
pub const DEFAULT_REVEAL_AFTER: TimeDelta = TimeDelta::hours(2);

/// The reveal time of a group's daily question at `time` (wrapping past midnight).
pub fn default_reveal(time: NaiveTime) -> NaiveTime {
    time + DEFAULT_REVEAL_AFTER
}

/// A subscription made this long after today's time still gets today's question.
pub const SUBSCRIBE_SAME_MINUTE: TimeDelta = TimeDelta::seconds(59);

/// When a daily question at `time` first goes out after the schedule was set or
/// changed (subscribed, new time, new zone) at `now`: today's time if it is still
/// ahead (or passed less than a minute ago, and nothing was sent today), else
/// tomorrow's. Setting a schedule never sends a question at once for a time that
/// has long passed; it waits for the next one.
pub fn first_send(
    time: NaiveTime,
    tz: Tz,
    last_sent: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let today = local_day(now, tz);
    match daily_action(time, tz, last_sent, now) {
        DailyAction::WaitUntil(at) => at,
        DailyAction::SendNow { .. }
            if now - send_instant(today, time, tz) <= SUBSCRIBE_SAME_MINUTE =>
        {
            now
        }
        DailyAction::SendNow { day } => send_instant(day.succ_opt().unwrap_or(day), time, tz),
    }
}

/// The next streak reminder after `now`: today's 21:00 if still ahead, else
/// tomorrow's.
pub fn next_reminder(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    match daily_action(REMIND_AT, tz, None, now) {
        DailyAction::WaitUntil(t) => t,
        DailyAction::SendNow { day } => send_instant(day.succ_opt().unwrap_or(day), REMIND_AT, tz),
    }
}

/// When the group's daily question for `day` (asked at `time`) is revealed: at
/// `reveal` (default [`default_reveal`]) that day, or the next day if that instant is
/// not after `now` (a reveal time before the question's).
pub fn reveal_instant(
    day: NaiveDate,
    time: NaiveTime,
    reveal: Option<NaiveTime>,
    tz: Tz,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let reveal = reveal.unwrap_or_else(|| default_reveal(time));
    let at = send_instant(day, reveal, tz);
    if at > now {
        at
    } else {
        send_instant(day.succ_opt().unwrap_or(day), reveal, tz)
    }
}

/// The local time of the streak reminder.
pub const REMIND_AT: NaiveTime = match NaiveTime::from_hms_opt(21, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The smallest streak worth a reminder.
pub const REMIND_MIN_STREAK: u32 = 3;

/// Whether a learner gets the streak reminder now: it is 21:00 local or later, they
/// have a live streak of at least 3 days, have not answered today, and have not been
/// reminded today. At most one reminder a day follows from the last condition.
pub fn should_remind(
    streak: &super::Streak,
    last_reminded: Option<NaiveDate>,
    now: DateTime<Utc>,
    tz: Tz,
) -> bool {
    let today = local_day(now, tz);
    now >= send_instant(today, REMIND_AT, tz)
        && super::shown_streak(streak, today) >= REMIND_MIN_STREAK
        && streak.last_day != Some(today)
        && last_reminded != Some(today)
}

/// Parses a time of day as `H:MM` or `HH:MM` (00:00–23:59), in half- or full-width
/// digits and colon ("9:00", "21:30", "０９：００").
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    if s.chars().nth(5).is_some() {
        return None;
    }
    let s: String = s.chars().map(fold_width).collect();
    let (h, m) = s.split_once(':')?;
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !(1..=2).contains(&h.len()) || m.len() != 2 || !digits(h) || !digits(m) {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

#[cfg(test)]
mod tests {
    use chrono_tz::{America, Asia, Europe, Pacific};

    use super::*;

    fn d(s: &str) -> NaiveDate {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn t(s: &str) -> NaiveTime {
        match NaiveTime::parse_from_str(s, "%H:%M") {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        {
            Ok(t) => t.and_utc(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn send_instant_table() {
        for (day, time, tz, want) in [
            ("2026-03-10", "09:00", Asia::Shanghai, "2026-03-10 01:00"),
            ("2026-03-10", "00:00", Asia::Shanghai, "2026-03-09 16:00"),
            ("2026-03-10", "23:59", Asia::Shanghai, "2026-03-10 15:59"),
            ("2026-01-15", "09:00", America::New_York, "2026-01-15 14:00"),
            ("2026-07-15", "09:00", America::New_York, "2026-07-15 13:00"),
            ("2026-01-15", "09:00", Europe::Berlin, "2026-01-15 08:00"),
            ("2026-07-15", "09:00", Europe::Berlin, "2026-07-15 07:00"),
            // Auckland is ahead: its morning is the previous UTC day.
            ("2026-03-10", "07:00", Pacific::Auckland, "2026-03-09 18:00"),
            ("2026-07-10", "07:00", Pacific::Auckland, "2026-07-09 19:00"),
            // Berlin spring forward, 2026-03-29 02:00 CET → 03:00 CEST.
            ("2026-03-29", "01:59", Europe::Berlin, "2026-03-29 00:59"),
            ("2026-03-29", "02:00", Europe::Berlin, "2026-03-29 01:00"),
            ("2026-03-29", "02:30", Europe::Berlin, "2026-03-29 01:00"),
            ("2026-03-29", "02:59", Europe::Berlin, "2026-03-29 01:00"),
            ("2026-03-29", "03:00", Europe::Berlin, "2026-03-29 01:00"),
            ("2026-03-29", "03:30", Europe::Berlin, "2026-03-29 01:30"),
            ("2026-03-29", "09:00", Europe::Berlin, "2026-03-29 07:00"),
            // Berlin fall back, 2026-10-25 03:00 CEST → 02:00 CET: the earlier 02:30.
            ("2026-10-25", "02:30", Europe::Berlin, "2026-10-25 00:30"),
            ("2026-10-25", "02:00", Europe::Berlin, "2026-10-25 00:00"),
            ("2026-10-25", "03:00", Europe::Berlin, "2026-10-25 02:00"),
            ("2026-10-25", "09:00", Europe::Berlin, "2026-10-25 08:00"),
            // New York spring forward, 2026-03-08 02:00 EST → 03:00 EDT.
            ("2026-03-08", "02:30", America::New_York, "2026-03-08 07:00"),
            // New York fall back, 2026-11-01 02:00 EDT → 01:00 EST.
            ("2026-11-01", "01:30", America::New_York, "2026-11-01 05:30"),
            // Auckland fall back, 2026-04-05 03:00 NZDT → 02:00 NZST.
            ("2026-04-05", "02:30", Pacific::Auckland, "2026-04-04 13:30"),
            // Auckland spring forward, 2026-09-27 02:00 NZST → 03:00 NZDT.
            ("2026-09-27", "02:30", Pacific::Auckland, "2026-09-26 14:00"),
            // Samoa skipped 2011-12-30 entirely: the first instant of 12-31.
            ("2011-12-30", "09:00", Pacific::Apia, "2011-12-30 10:00"),
        ] {
            assert_eq!(
                send_instant(d(day), t(time), tz),
                utc(want),
                "{day} {time} {tz}"
            );
        }
    }

    #[test]
    fn send_instant_at_the_ends_of_time() {
        for tz in [Asia::Shanghai, America::New_York, Pacific::Apia] {
            for day in [NaiveDate::MIN, NaiveDate::MAX] {
                let _ = send_instant(day, t("09:00"), tz);
                let _ = daily_action(t("09:00"), tz, Some(day), utc("2026-03-10 00:00"));
            }
            for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                let _ = daily_action(t("09:00"), tz, None, now);
            }
        }
    }

    #[test]
    fn daily_action_table() {
        use DailyAction::*;
        let sh = Asia::Shanghai;
        let ber = Europe::Berlin;
        let ny = America::New_York;
        let akl = Pacific::Auckland;
        let send = |day: &str| SendNow { day: d(day) };
        let wait = |at: &str| WaitUntil(utc(at));
        // (name, time, tz, last_sent, now (UTC), action)
        let cases = [
            // Shanghai 09:00 = 01:00 UTC.
            (
                "subscribed a minute before",
                "09:00",
                sh,
                None,
                "2026-03-10 00:59",
                wait("2026-03-10 01:00"),
            ),
            (
                "subscribed a minute after",
                "09:00",
                sh,
                None,
                "2026-03-10 01:01",
                send("2026-03-10"),
            ),
            (
                "exactly on time",
                "09:00",
                sh,
                Some("2026-03-09"),
                "2026-03-10 01:00",
                send("2026-03-10"),
            ),
            (
                "catch-up the same day",
                "09:00",
                sh,
                Some("2026-03-09"),
                "2026-03-10 14:00",
                send("2026-03-10"),
            ),
            (
                "restart after sending",
                "09:00",
                sh,
                Some("2026-03-10"),
                "2026-03-10 01:05",
                wait("2026-03-11 01:00"),
            ),
            (
                "sent, late evening",
                "09:00",
                sh,
                Some("2026-03-10"),
                "2026-03-10 15:59",
                wait("2026-03-11 01:00"),
            ),
            // 16:00 UTC is already the next local day in Shanghai.
            (
                "next local day, before time",
                "09:00",
                sh,
                Some("2026-03-10"),
                "2026-03-10 16:00",
                wait("2026-03-11 01:00"),
            ),
            (
                "skipped days: only today",
                "09:00",
                sh,
                Some("2026-03-06"),
                "2026-03-10 02:00",
                send("2026-03-10"),
            ),
            (
                "skipped days, before time",
                "09:00",
                sh,
                Some("2026-03-06"),
                "2026-03-10 00:00",
                wait("2026-03-10 01:00"),
            ),
            (
                "last sent tomorrow (a zone change): the day after",
                "09:00",
                sh,
                Some("2026-03-11"),
                "2026-03-10 02:00",
                wait("2026-03-12 01:00"),
            ),
            (
                "last sent further ahead (the clock ran fast): ignored",
                "09:00",
                sh,
                Some("2026-03-12"),
                "2026-03-10 02:00",
                send("2026-03-10"),
            ),
            (
                "last sent a month ahead, before today's time",
                "09:00",
                sh,
                Some("2026-04-10"),
                "2026-03-10 00:30",
                wait("2026-03-10 01:00"),
            ),
            // New York 08:00.
            (
                "NY: evening is still today",
                "08:00",
                ny,
                Some("2026-01-14"),
                "2026-01-16 03:00",
                send("2026-01-15"),
            ),
            (
                "NY: sent today",
                "08:00",
                ny,
                Some("2026-01-15"),
                "2026-01-16 03:00",
                wait("2026-01-16 13:00"),
            ),
            (
                "NY: spring forward, before",
                "08:00",
                ny,
                Some("2026-03-07"),
                "2026-03-08 11:59",
                wait("2026-03-08 12:00"),
            ),
            (
                "NY: spring forward, after",
                "08:00",
                ny,
                Some("2026-03-07"),
                "2026-03-08 12:30",
                send("2026-03-08"),
            ),
            (
                "NY: the day before, EST",
                "08:00",
                ny,
                Some("2026-03-06"),
                "2026-03-07 12:30",
                wait("2026-03-07 13:00"),
            ),
            // Auckland 07:00 (NZDT = UTC+13).
            (
                "AKL: morning before time",
                "07:00",
                akl,
                Some("2026-03-09"),
                "2026-03-09 17:30",
                wait("2026-03-09 18:00"),
            ),
            (
                "AKL: on time",
                "07:00",
                akl,
                Some("2026-03-09"),
                "2026-03-09 18:00",
                send("2026-03-10"),
            ),
            // Berlin 02:30 on the spring-forward day: 03:00 CEST = 01:00 UTC.
            (
                "BER: gap, before",
                "02:30",
                ber,
                Some("2026-03-28"),
                "2026-03-29 00:59",
                wait("2026-03-29 01:00"),
            ),
            (
                "BER: gap, at the end",
                "02:30",
                ber,
                Some("2026-03-28"),
                "2026-03-29 01:00",
                send("2026-03-29"),
            ),
            (
                "BER: gap, sent; next day normal",
                "02:30",
                ber,
                Some("2026-03-29"),
                "2026-03-29 01:00",
                wait("2026-03-30 00:30"),
            ),
            (
                "BER: day before the gap",
                "02:30",
                ber,
                Some("2026-03-27"),
                "2026-03-28 00:00",
                wait("2026-03-28 01:30"),
            ),
            (
                "BER: sent the day before; the gap day",
                "02:30",
                ber,
                Some("2026-03-28"),
                "2026-03-28 02:00",
                wait("2026-03-29 01:00"),
            ),
            // Berlin 02:30 on the fall-back day: the first 02:30 (CEST) = 00:30 UTC.
            (
                "BER: fall back, before",
                "02:30",
                ber,
                Some("2026-10-24"),
                "2026-10-25 00:29",
                wait("2026-10-25 00:30"),
            ),
            (
                "BER: fall back, first 02:30",
                "02:30",
                ber,
                Some("2026-10-24"),
                "2026-10-25 00:30",
                send("2026-10-25"),
            ),
            (
                "BER: fall back, second 02:30 after sending",
                "02:30",
                ber,
                Some("2026-10-25"),
                "2026-10-25 01:30",
                wait("2026-10-26 01:30"),
            ),
            (
                "BER: fall back, restart during the repeat hour",
                "02:30",
                ber,
                Some("2026-10-24"),
                "2026-10-25 01:15",
                send("2026-10-25"),
            ),
            // Berlin 09:00 around the spring switch: 08:00, 07:00 UTC.
            (
                "BER: 09:00 before the switch",
                "09:00",
                ber,
                Some("2026-03-27"),
                "2026-03-28 07:30",
                wait("2026-03-28 08:00"),
            ),
            (
                "BER: 09:00 after the switch",
                "09:00",
                ber,
                Some("2026-03-28"),
                "2026-03-29 07:00",
                send("2026-03-29"),
            ),
            (
                "BER: 09:00 sent, next",
                "09:00",
                ber,
                Some("2026-03-28"),
                "2026-03-28 08:00",
                wait("2026-03-29 07:00"),
            ),
        ];
        for (name, time, tz, last, now, want) in cases {
            let got = daily_action(t(time), tz, last.map(d), utc(now));
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn first_send_table() {
        let sh = Asia::Shanghai;
        // (time, last sent, now (UTC), first send (UTC)); Shanghai = UTC+8.
        for (time, last, now, want) in [
            // Ahead today: today.
            ("09:00", None, "2026-03-10 00:30", "2026-03-10 01:00"),
            // This very minute: now.
            ("09:00", None, "2026-03-10 01:00", "2026-03-10 01:00"),
            ("09:00", None, "2026-03-10 01:00:59", "2026-03-10 01:00:59"),
            // Passed a minute ago or more: tomorrow, never at once.
            ("09:00", None, "2026-03-10 01:01:00", "2026-03-11 01:00"),
            ("07:30", None, "2026-03-09 22:37", "2026-03-09 23:30"),
            (
                "07:30",
                Some("2026-03-09"),
                "2026-03-10 04:00",
                "2026-03-10 23:30",
            ),
            // Already sent today: tomorrow, even within the minute.
            (
                "09:00",
                Some("2026-03-10"),
                "2026-03-10 01:00",
                "2026-03-11 01:00",
            ),
        ] {
            let got = first_send(t(time), sh, last.map(d), utc(now));
            assert_eq!(got, utc(want), "{time} {last:?} at {now}");
        }
        // `/daily 07:30` at 06:37 in Shanghai, then `/tz Europe/Berlin` (23:37 there):
        // the next send is 07:30 Berlin, not a card at once.
        assert_eq!(
            first_send(t("07:30"), Europe::Berlin, None, utc("2026-03-09 22:37")),
            utc("2026-03-10 06:30")
        );
    }

    #[test]
    fn next_reminder_and_reveal_table() {
        let sh = Asia::Shanghai;
        assert_eq!(
            next_reminder(utc("2026-03-10 12:59"), sh),
            utc("2026-03-10 13:00")
        );
        assert_eq!(
            next_reminder(utc("2026-03-10 13:00"), sh),
            utc("2026-03-11 13:00")
        );
        // (day, time, reveal, now, reveal instant)
        for (time, reveal, now, want) in [
            // Two hours after the question by default.
            ("09:00", None, "2026-03-10 01:00", "2026-03-10 03:00"),
            // Past midnight: 23:00 + 2 h is 01:00 of the next day.
            ("23:00", None, "2026-03-10 15:00", "2026-03-10 17:00"),
            (
                "09:00",
                Some("12:30"),
                "2026-03-10 01:00",
                "2026-03-10 04:30",
            ),
            // A reveal time before the question's: the next day.
            (
                "20:00",
                Some("19:00"),
                "2026-03-10 12:00",
                "2026-03-11 11:00",
            ),
        ] {
            let got = reveal_instant(d("2026-03-10"), t(time), reveal.map(t), sh, utc(now));
            assert_eq!(got, utc(want), "{time} {reveal:?}");
        }
        assert_eq!(default_reveal(t("23:30")), t("01:30"));
        assert_eq!(DEFAULT_DAILY_TIME, t("09:00"));
    }

    #[test]
    fn nothing_the_daily_rules_plan_lies_beyond_the_horizon() {
        // Every zone-change case, at every hour of a DST week: the next send stays
        // within the horizon (else the scheduler would plan it again at every wake).
        for tz in [
            Asia::Shanghai,
            Europe::Berlin,
            America::New_York,
            Pacific::Auckland,
        ] {
            for hour in 0..(24 * 8) {
                let now = utc("2026-03-26 00:00") + TimeDelta::hours(hour);
                let today = local_day(now, tz);
                for last in [None, Some(today), today.succ_opt()] {
                    for time in ["00:00", "09:00", "23:59"] {
                        let at = match daily_action(t(time), tz, last, now) {
                            DailyAction::WaitUntil(at) => at,
                            DailyAction::SendNow { .. } => now,
                        };
                        assert!(
                            !beyond_horizon(at, now),
                            "{tz} {time} {last:?} at {now}: {at}"
                        );
                        assert!(!beyond_horizon(first_send(t(time), tz, last, now), now));
                    }
                }
                assert!(!beyond_horizon(next_reminder(now, tz), now));
                let reveal = reveal_instant(today, t("23:00"), Some(t("22:00")), tz, now);
                assert!(!beyond_horizon(reveal, now));
            }
        }
    }

    #[test]
    fn the_planning_horizon_table() {
        let now = utc("2026-03-10 12:00");
        for (at, beyond) in [
            ("2026-03-10 12:00", false),
            ("2026-03-12 23:59", false),
            ("2026-03-14 12:00", false),
            ("2026-03-14 12:01", true),
            ("2026-04-10 12:00", true),
            ("2020-01-01 00:00", false),
        ] {
            assert_eq!(beyond_horizon(utc(at), now), beyond, "{at}");
        }
        assert!(!beyond_horizon(
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::MAX_UTC
        ));
        for (day, beyond) in [
            ("2026-03-09", false),
            ("2026-03-10", false),
            ("2026-03-11", false),
            ("2026-03-12", true),
        ] {
            assert_eq!(
                day_beyond_tomorrow(d(day), d("2026-03-10")),
                beyond,
                "{day}"
            );
        }
    }

    #[test]
    fn parse_hhmm_table() {
        for (input, want) in [
            ("9:00", Some("09:00")),
            ("09:00", Some("09:00")),
            ("21:30", Some("21:30")),
            ("0:00", Some("00:00")),
            ("23:59", Some("23:59")),
            (" 7:05 ", Some("07:05")),
            ("０９：００", Some("09:00")),
            ("９:３０", Some("09:30")),
            ("21：30", Some("21:30")),
            ("24:00", None),
            ("23:60", None),
            ("9", None),
            ("900", None),
            ("ab", None),
            ("ab:cd", None),
            ("9:0", None),
            ("9:000", None),
            ("123:00", None),
            ("+9:00", None),
            ("-1:00", None),
            ("9:-1", None),
            ("09:00:00", None),
            (":00", None),
            ("", None),
            ("９点", None),
        ] {
            assert_eq!(parse_hhmm(input), want.map(t), "{input:?}");
        }
        let long = "9".repeat(4096);
        assert_eq!(parse_hhmm(&long), None);
    }

    #[test]
    fn streak_reminder_rules() {
        use crate::learn::Streak;
        let tz = Asia::Shanghai;
        let at = |day: &str, hm: &str| send_instant(d(day), t(hm), tz);
        let streak = |current: u32, last: &str| Streak {
            current,
            best: current,
            last_day: Some(d(last)),
            last_repair: None,
        };
        // (streak, last reminded, now, remind?)
        let cases = [
            (
                streak(3, "2026-11-27"),
                None,
                at("2026-11-28", "21:00"),
                true,
            ),
            (
                streak(5, "2026-11-27"),
                None,
                at("2026-11-28", "23:59"),
                true,
            ),
            (
                streak(3, "2026-11-27"),
                None,
                at("2026-11-28", "20:59"),
                false,
            ),
            (
                streak(2, "2026-11-27"),
                None,
                at("2026-11-28", "21:30"),
                false,
            ),
            // answered today already
            (
                streak(4, "2026-11-28"),
                None,
                at("2026-11-28", "21:30"),
                false,
            ),
            // reminded today already: once a day
            (
                streak(4, "2026-11-27"),
                Some(d("2026-11-28")),
                at("2026-11-28", "21:30"),
                false,
            ),
            (
                streak(4, "2026-11-27"),
                Some(d("2026-11-27")),
                at("2026-11-28", "21:30"),
                true,
            ),
            // the streak already lapsed (last day long ago): nothing to keep
            (
                streak(9, "2026-11-20"),
                None,
                at("2026-11-28", "21:30"),
                false,
            ),
        ];
        for (i, (s, reminded, now, want)) in cases.into_iter().enumerate() {
            assert_eq!(should_remind(&s, reminded, now, tz), want, "case {i}");
        }
    }
}
