//! Group quiz scoring (Kahoot-style): points for speed, a bonus for answer streaks,
//! all-time and weekly totals, leaderboards and the order of the reveal.

use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use super::streak::local_day;

/// Points for an instant right answer.
pub const MAX_POINTS: u32 = 1000;
/// Bonus per consecutive right answer before this one.
pub const STREAK_BONUS_STEP: u32 = 100;
/// The largest streak bonus.
pub const STREAK_BONUS_MAX: u32 = 500;

/// Points for a right answer after `elapsed` of a `limit`:
/// `round(1000 × (1 − t/T/2))` with `t` clamped to `[0, T]`, so 1000 for an instant
/// answer down to 500 at the limit. A zero limit gives 1000.
pub fn points(elapsed: Duration, limit: Duration) -> u32 {
    if limit.is_zero() {
        return MAX_POINTS;
    }
    let ratio = elapsed.min(limit).as_secs_f64() / limit.as_secs_f64();
    let p = (f64::from(MAX_POINTS) * (1.0 - ratio / 2.0)).round();
    // `ratio` is within [0, 1], so `p` is within [500, 1000].
    p.clamp(f64::from(MAX_POINTS / 2), f64::from(MAX_POINTS)) as u32
}

/// An answer this long after a card's deadline still counts (it was on its way).
pub const LATE_GRACE: TimeDelta = TimeDelta::seconds(1);

/// Whether an answer at `now` is late: after the card's deadline and its grace. A
/// card without a deadline is never late.
pub fn is_late(deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    deadline.is_some_and(|d| now > d + LATE_GRACE)
}

/// What a round does after one of its questions is revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStep {
    /// Ask the next question.
    Next,
    /// The round is over: show the podium.
    Over,
}

/// Counts the question just revealed (`asked` before it, of `total`): the round goes
/// on while questions remain and the chat is still active. Returns the new count.
pub fn round_step(asked: u8, total: u8, active: bool) -> (u8, RoundStep) {
    let asked = asked.saturating_add(1);
    let step = if asked < total && active {
        RoundStep::Next
    } else {
        RoundStep::Over
    };
    (asked, step)
}

/// A round's scores ranked for the podium: by points, highest first, ties in the
/// order given (who answered first), each with its competition rank from 0 (two
/// members tied for first are both 0, and the next is 2).
pub fn podium<T: Clone>(scores: &[(T, u64)]) -> Vec<(T, u64, usize)> {
    let mut sorted = scores.to_vec();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.1));
    sorted
        .iter()
        .map(|(who, pts)| {
            let rank = sorted.iter().filter(|s| s.1 > *pts).count();
            (who.clone(), *pts, rank)
        })
        .collect()
}

/// The two parts of the points a right answer earned (`earned`, after `elapsed` of a
/// card open for `limit`): for speed ([`points`]) and the streak bonus, the rest.
pub fn breakdown(earned: u32, elapsed: Duration, limit: Duration) -> (u32, u32) {
    let speed = points(elapsed, limit).min(earned);
    (speed, earned - speed)
}

/// The streak bonus for a right answer after `streak` consecutive right answers.
pub fn streak_bonus(streak: u32) -> u32 {
    streak
        .saturating_mul(STREAK_BONUS_STEP)
        .min(STREAK_BONUS_MAX)
}

/// A member's score in one chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberScore {
    /// All-time points.
    pub total: u64,
    /// Points in the week starting `week_of`.
    pub week: u64,
    /// The Monday (local) of the week `week` counts.
    pub week_of: Option<NaiveDate>,
    /// Right answers, all time.
    pub correct: u32,
    /// Answers, all time.
    pub answered: u32,
    /// Consecutive right answers, up to the last answer.
    pub streak: u32,
    /// The longest run of right answers.
    pub best_streak: u32,
}

/// The Monday of the local week of `now` in `tz` (weeks start Monday 00:00 local).
pub fn week_start(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let day = local_day(now, tz);
    let back = TimeDelta::days(i64::from(day.weekday().num_days_from_monday()));
    day.checked_sub_signed(back).unwrap_or(day)
}

/// Scores one answer: a right answer earns [`points`] plus the streak bonus
/// (+100 per consecutive right answer before it, at most +500) and extends the
/// streak; a wrong one earns 0 and resets it. Without `streak_bonus` (a group's
/// `/settings streak_bonus off`) a right answer earns its [`points`] alone; the streak
/// is still counted. The weekly total starts from 0 when `week_of` is not this week.
/// Returns the new score and the points earned.
pub fn apply(
    prev: &MemberScore,
    right: bool,
    elapsed: Duration,
    limit: Duration,
    now: DateTime<Utc>,
    tz: Tz,
    streak_bonus: bool,
) -> (MemberScore, u32) {
    let this_week = week_start(now, tz);
    let week = if prev.week_of == Some(this_week) {
        prev.week
    } else {
        0
    };
    let (earned, streak) = if right {
        let bonus = if streak_bonus {
            self::streak_bonus(prev.streak)
        } else {
            0
        };
        (
            points(elapsed, limit) + bonus,
            prev.streak.saturating_add(1),
        )
    } else {
        (0, 0)
    };
    let next = MemberScore {
        total: prev.total.saturating_add(u64::from(earned)),
        week: week.saturating_add(u64::from(earned)),
        week_of: Some(this_week),
        correct: prev.correct.saturating_add(u32::from(right)),
        answered: prev.answered.saturating_add(1),
        streak,
        best_streak: prev.best_streak.max(streak),
    };
    (next, earned)
}

/// The member's points this week (0 when `week_of` is another week).
pub fn week_points(s: &MemberScore, now: DateTime<Utc>, tz: Tz) -> u64 {
    if s.week_of == Some(week_start(now, tz)) {
        s.week
    } else {
        0
    }
}

/// One row of a leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The Telegram user id.
    pub user: i64,
    /// All-time or this week's points.
    pub points: u64,
    /// Right answers, all time.
    pub correct: u32,
    /// The current answer streak.
    pub streak: u32,
}

/// The top `n` members, by points (all-time, or this week's with `weekly`), then
/// right answers (all time), then user id. The weekly board leaves out members
/// without points this week.
pub fn leaderboard(
    entries: &[(i64, MemberScore)],
    weekly: bool,
    now: DateTime<Utc>,
    tz: Tz,
    n: usize,
) -> Vec<Standing> {
    let mut rows: Vec<Standing> = entries
        .iter()
        .map(|(user, s)| Standing {
            user: *user,
            points: if weekly {
                week_points(s, now, tz)
            } else {
                s.total
            },
            correct: s.correct,
            streak: s.streak,
        })
        .filter(|row| !weekly || row.points > 0)
        .collect();
    rows.sort_by(|a, b| {
        b.points
            .cmp(&a.points)
            .then(b.correct.cmp(&a.correct))
            .then(a.user.cmp(&b.user))
    });
    rows.truncate(n);
    rows
}

/// One right answer in a round's reveal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealLine {
    /// The Telegram user id.
    pub user: i64,
    /// Time from the question to the answer.
    pub elapsed_ms: u64,
    /// Points earned.
    pub points: u32,
}

/// The right answers of a round, fastest first (ties by user id).
pub fn reveal_order(right_answers: &[RevealLine]) -> Vec<RevealLine> {
    let mut lines = right_answers.to_vec();
    lines.sort_by_key(|l| (l.elapsed_ms, l.user));
    lines
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use chrono_tz::{America, Asia, Europe};

    use super::*;

    #[test]
    fn lateness_round_steps_and_the_podium() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let s = |n: i64| t0 + TimeDelta::seconds(n);
        for (deadline, now, late) in [
            (None, s(1_000), false),
            (Some(s(60)), s(60), false),
            (Some(s(60)), s(61), false),
            (Some(s(60)), s(61) + TimeDelta::milliseconds(1), true),
        ] {
            assert_eq!(is_late(deadline, now), late, "{deadline:?} {now}");
        }
        for (asked, total, active, want) in [
            (0, 5, true, (1, RoundStep::Next)),
            (3, 5, true, (4, RoundStep::Next)),
            (4, 5, true, (5, RoundStep::Over)),
            (1, 5, false, (2, RoundStep::Over)),
            (0, 1, true, (1, RoundStep::Over)),
            (u8::MAX, 5, true, (u8::MAX, RoundStep::Over)),
        ] {
            assert_eq!(round_step(asked, total, active), want, "{asked}/{total}");
        }
        let ranked = podium(&[("a", 500), ("b", 900), ("c", 500), ("d", 0), ("e", 900)]);
        assert_eq!(
            ranked,
            [
                ("b", 900, 0),
                ("e", 900, 0),
                ("a", 500, 2),
                ("c", 500, 2),
                ("d", 0, 4)
            ]
        );
        assert!(podium::<&str>(&[]).is_empty());
    }

    fn utc(s: &str) -> DateTime<Utc> {
        match NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M") {
            Ok(t) => t.and_utc(),
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn d(s: &str) -> NaiveDate {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => d,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn points_table() {
        let t = ms(20_000);
        for (elapsed, limit, want) in [
            (ms(0), t, 1000),
            (ms(1), t, 1000),
            (ms(10_000), t, 750),
            (ms(5_000), t, 875),
            (ms(19_999), t, 500),
            (ms(20_000), t, 500),
            (ms(60_000), t, 500),
            (Duration::MAX, t, 500),
            (ms(4), ms(1000), 998),
            // 1000 × (1 − 1/3/2) = 833.33…
            (ms(10_000), ms(30_000), 833),
            // 1000 × (1 − 1/8/2) = 937.5 rounds up.
            (ms(2_500), t, 938),
            (ms(0), Duration::ZERO, 1000),
            (ms(5_000), Duration::ZERO, 1000),
            (Duration::MAX, Duration::MAX, 500),
        ] {
            assert_eq!(points(elapsed, limit), want, "{elapsed:?} of {limit:?}");
        }
    }

    #[test]
    fn points_break_down_into_speed_and_streak() {
        let limit = Duration::from_secs(60);
        for (earned, elapsed_ms, want) in [
            // 6.1 s of 60: 949 for speed; the rest is the streak bonus.
            (1049, 6_100, (949, 100)),
            (949, 6_100, (949, 0)),
            (1000, 0, (1000, 0)),
            // A record that holds less than the speed part (an older formula): no bonus.
            (10, 6_100, (10, 0)),
        ] {
            let got = breakdown(earned, Duration::from_millis(elapsed_ms), limit);
            assert_eq!(got, want, "{earned} after {elapsed_ms} ms");
        }
    }

    #[test]
    fn streak_bonus_table() {
        for (streak, bonus) in [
            (0, 0),
            (1, 100),
            (2, 200),
            (4, 400),
            (5, 500),
            (6, 500),
            (u32::MAX, 500),
        ] {
            assert_eq!(streak_bonus(streak), bonus, "{streak}");
        }
    }

    #[test]
    fn week_start_table() {
        for (now, tz, monday) in [
            // 2026-03-02 is a Monday.
            ("2026-03-02 00:00", Tz::UTC, "2026-03-02"),
            ("2026-03-08 23:59", Tz::UTC, "2026-03-02"),
            ("2026-03-09 00:00", Tz::UTC, "2026-03-09"),
            // Sunday 16:00 UTC is already Monday 00:00 in Shanghai.
            ("2026-03-08 15:59", Asia::Shanghai, "2026-03-02"),
            ("2026-03-08 16:00", Asia::Shanghai, "2026-03-09"),
            // Monday 03:00 UTC is still Sunday evening in New York.
            ("2026-03-09 03:00", America::New_York, "2026-03-02"),
            // Berlin, week of the spring-forward Sunday (2026-03-29).
            ("2026-03-29 21:59", Europe::Berlin, "2026-03-23"),
            ("2026-03-29 22:00", Europe::Berlin, "2026-03-30"),
            // Across a year end: Thursday 2026-12-31 → Monday 2026-12-28.
            ("2027-01-01 12:00", Tz::UTC, "2026-12-28"),
        ] {
            assert_eq!(week_start(utc(now), tz), d(monday), "{now} in {tz}");
        }
    }

    #[test]
    fn apply_sequence() {
        let tz = Asia::Shanghai;
        let now = utc("2026-03-04 12:00");
        let limit = ms(20_000);
        // (right, elapsed ms, earned, streak after)
        let steps = [
            (true, 0, 1000, 1),
            (true, 10_000, 850, 2),
            (true, 20_000, 700, 3),
            (false, 1_000, 0, 0),
            (true, 0, 1000, 1),
            (true, 0, 1100, 2),
            (true, 0, 1200, 3),
            (true, 0, 1300, 4),
            (true, 0, 1400, 5),
            (true, 0, 1500, 6),
            (true, 0, 1500, 7),
            (true, 20_000, 1000, 8),
        ];
        let mut s = MemberScore::default();
        let mut total = 0u64;
        for (i, (right, elapsed, earned, streak)) in steps.into_iter().enumerate() {
            let (next, got) = apply(&s, right, ms(elapsed), limit, now, tz, true);
            assert_eq!(got, earned, "step {i}");
            assert_eq!(next.streak, streak, "step {i}");
            total += u64::from(earned);
            assert_eq!((next.total, next.week), (total, total), "step {i}");
            s = next;
        }
        assert_eq!(s.answered, 12);
        assert_eq!(s.correct, 11);
        assert_eq!(s.best_streak, 8);
        assert_eq!(s.week_of, Some(d("2026-03-02")));
    }

    #[test]
    fn weekly_total_resets_on_local_monday() {
        let tz = Asia::Shanghai;
        let limit = ms(20_000);
        let sunday = utc("2026-03-08 15:00"); // Sunday 23:00 in Shanghai
        let monday = utc("2026-03-08 16:30"); // Monday 00:30 in Shanghai
        let (s, _) = apply(
            &MemberScore::default(),
            true,
            ms(0),
            limit,
            sunday,
            tz,
            true,
        );
        assert_eq!((s.total, s.week), (1000, 1000));
        assert_eq!(week_points(&s, sunday, tz), 1000);
        assert_eq!(week_points(&s, monday, tz), 0);
        // The streak carries over the week boundary; the weekly total does not.
        let (s, earned) = apply(&s, true, ms(0), limit, monday, tz, true);
        assert_eq!(earned, 1100);
        assert_eq!((s.total, s.week), (2100, 1100));
        assert_eq!(s.week_of, Some(d("2026-03-09")));
        // A wrong answer in a new week also starts the week at 0.
        let later = utc("2026-03-20 12:00");
        let (s, earned) = apply(&s, false, ms(0), limit, later, tz, true);
        assert_eq!(earned, 0);
        assert_eq!((s.total, s.week, s.streak), (2100, 0, 0));
        assert_eq!(s.week_of, Some(d("2026-03-16")));
        // Never scored: no week.
        assert_eq!(week_points(&MemberScore::default(), later, tz), 0);
    }

    #[test]
    fn apply_saturates() {
        let full = MemberScore {
            total: u64::MAX,
            week: u64::MAX,
            week_of: Some(d("2026-03-02")),
            correct: u32::MAX,
            answered: u32::MAX,
            streak: u32::MAX,
            best_streak: u32::MAX,
        };
        let at = utc("2026-03-04 00:00");
        let (s, earned) = apply(&full, true, ms(0), ms(1), at, Tz::UTC, true);
        assert_eq!(earned, 1500);
        assert_eq!(s, full);
        let (s, earned) = apply(&full, true, ms(0), ms(1), at, Tz::UTC, false);
        assert_eq!(earned, 1000);
        assert_eq!(s, full);
    }

    /// A group that turned the streak bonus off: points for speed alone, the streak
    /// still counted (for `/class` and the board), and the breakdown shows no bonus.
    #[test]
    fn without_the_streak_bonus_points_are_for_speed_alone() {
        let tz = Asia::Shanghai;
        let now = utc("2026-03-04 12:00");
        let limit = ms(20_000);
        // (right, elapsed ms, earned with the bonus, earned without, streak after)
        let steps = [
            (true, 0, 1000, 1000, 1),
            (true, 10_000, 850, 750, 2),
            (true, 0, 1200, 1000, 3),
            (false, 0, 0, 0, 0),
            (true, 20_000, 500, 500, 1),
            (true, 20_000, 600, 500, 2),
        ];
        let (mut on, mut off) = (MemberScore::default(), MemberScore::default());
        for (i, (right, elapsed, with, without, streak)) in steps.into_iter().enumerate() {
            let (next_on, got_on) = apply(&on, right, ms(elapsed), limit, now, tz, true);
            let (next_off, got_off) = apply(&off, right, ms(elapsed), limit, now, tz, false);
            assert_eq!((got_on, got_off), (with, without), "step {i}");
            assert_eq!(
                (next_on.streak, next_off.streak),
                (streak, streak),
                "step {i}"
            );
            assert_eq!(breakdown(got_off, ms(elapsed), limit).1, 0, "step {i}");
            (on, off) = (next_on, next_off);
        }
        assert_eq!((on.total, off.total), (4150, 3750));
        assert_eq!((off.best_streak, off.correct, off.answered), (3, 5, 6));
    }

    fn member(total: u64, week: u64, week_of: &str, correct: u32) -> MemberScore {
        MemberScore {
            total,
            week,
            week_of: Some(d(week_of)),
            correct,
            answered: correct + 1,
            streak: correct % 3,
            best_streak: correct,
        }
    }

    #[test]
    fn leaderboard_table() {
        let now = utc("2026-03-04 12:00");
        let tz = Tz::UTC;
        let entries = vec![
            (5, member(3000, 0, "2026-02-23", 3)), // last week only
            (3, member(2000, 1500, "2026-03-02", 2)),
            (9, member(2000, 1500, "2026-03-02", 4)),
            (1, member(2000, 900, "2026-03-02", 2)),
            (7, member(0, 0, "2026-03-02", 0)),
            (2, MemberScore::default()),
        ];
        let users = |rows: Vec<Standing>| rows.iter().map(|r| r.user).collect::<Vec<_>>();
        for (weekly, n, want) in [
            (false, 10, vec![5, 9, 1, 3, 2, 7]),
            (false, 2, vec![5, 9]),
            (false, 0, vec![]),
            (true, 10, vec![9, 3, 1]),
            (true, 1, vec![9]),
        ] {
            let rows = leaderboard(&entries, weekly, now, tz, n);
            assert_eq!(users(rows), want, "weekly {weekly}, n {n}");
        }
        let weekly = leaderboard(&entries, true, now, tz, 10);
        assert_eq!(
            weekly[0],
            Standing {
                user: 9,
                points: 1500,
                correct: 4,
                streak: 1
            }
        );
        // Next week everyone's weekly total is 0: an empty board.
        let next_week = utc("2026-03-09 00:00");
        assert!(leaderboard(&entries, true, next_week, tz, 10).is_empty());
        assert!(leaderboard(&[], false, now, tz, 10).is_empty());
    }

    #[test]
    fn reveal_order_table() {
        let line = |user, elapsed_ms, points| RevealLine {
            user,
            elapsed_ms,
            points,
        };
        for (input, want) in [
            (vec![], vec![]),
            (vec![line(1, 500, 990)], vec![1]),
            (
                vec![line(4, 3000, 900), line(2, 1200, 970), line(3, 9000, 800)],
                vec![2, 4, 3],
            ),
            // Ties by user id.
            (
                vec![line(8, 1000, 975), line(3, 1000, 975), line(5, 999, 975)],
                vec![5, 3, 8],
            ),
        ] {
            let got: Vec<i64> = reveal_order(&input).iter().map(|l| l.user).collect();
            assert_eq!(got, want);
        }
    }
}
