//! Spaced repetition: FSRS (the `rs-fsrs` crate, default parameters) and a learner's
//! progress on one question.
//!
//! A right answer is rated Good, a wrong or incomplete one Again. The scheduler runs
//! with short-term steps, as rs-fsrs does by default: a new card answered right comes
//! back after 10 minutes (Learning), and graduates to Review with its next right answer.

use chrono::{DateTime, TimeDelta, Utc};
use rs_fsrs::{Card, FSRS, Parameters, State};

/// The longest interval rs-fsrs schedules, plus a day: scheduling at an instant
/// closer than this to the end of time would overflow, so it is not attempted.
const MAX_INTERVAL_DAYS: i64 = 36_501;

/// Where a card is in its FSRS life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Never answered.
    New,
    /// Being learned: short steps (minutes) until answered right.
    Learning,
    /// Learned: reviewed at growing intervals (days).
    Review,
    /// Forgotten in review: short steps again.
    Relearning,
}

impl From<State> for Phase {
    fn from(s: State) -> Self {
        match s {
            State::New => Phase::New,
            State::Learning => Phase::Learning,
            State::Review => Phase::Review,
            State::Relearning => Phase::Relearning,
        }
    }
}

impl From<Phase> for State {
    fn from(p: Phase) -> Self {
        match p {
            Phase::New => State::New,
            Phase::Learning => State::Learning,
            Phase::Review => State::Review,
            Phase::Relearning => State::Relearning,
        }
    }
}

/// The FSRS memory state of one question for one learner (an rs-fsrs `Card`).
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    /// When the question is due for review.
    pub due: DateTime<Utc>,
    /// FSRS stability: days until recall falls to 90%.
    pub stability: f64,
    /// FSRS difficulty, 1 (easy) to 10 (hard); 0 while new.
    pub difficulty: f64,
    /// Whole days between the last two reviews.
    pub elapsed_days: i64,
    /// The interval scheduled at the last review, in whole days (0 for minutes).
    pub scheduled_days: i64,
    /// Reviews so far.
    pub reps: i32,
    /// Times forgotten in review.
    pub lapses: i32,
    /// Where the card is in its FSRS life.
    pub phase: Phase,
    /// When it was last reviewed.
    pub last_review: DateTime<Utc>,
}

impl Memory {
    /// Whether the question is due at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.due <= now
    }

    /// A memory that has never been reviewed, due at `now`.
    fn fresh(now: DateTime<Utc>) -> Self {
        Memory {
            due: now,
            stability: 0.0,
            difficulty: 0.0,
            elapsed_days: 0,
            scheduled_days: 0,
            reps: 0,
            lapses: 0,
            phase: Phase::New,
            last_review: now,
        }
    }

    /// Whether the numbers can be fed to FSRS (a store may hold anything).
    fn is_sane(&self) -> bool {
        self.stability.is_finite()
            && self.difficulty.is_finite()
            && (self.phase == Phase::New || self.stability > 0.0)
    }

    fn to_card(&self) -> Card {
        Card {
            due: self.due,
            stability: self.stability,
            difficulty: self.difficulty,
            elapsed_days: self.elapsed_days,
            scheduled_days: self.scheduled_days,
            reps: self.reps,
            lapses: self.lapses,
            state: self.phase.into(),
            last_review: self.last_review,
        }
    }

    fn from_card(c: Card) -> Self {
        Memory {
            due: c.due,
            stability: c.stability,
            difficulty: c.difficulty,
            elapsed_days: c.elapsed_days,
            scheduled_days: c.scheduled_days,
            reps: c.reps,
            lapses: c.lapses,
            phase: c.state.into(),
            last_review: c.last_review,
        }
    }
}

/// How an answer is rated for FSRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// A wrong or incomplete answer.
    Again,
    /// A right answer.
    Good,
}

impl Rating {
    /// Good for a right answer, Again otherwise.
    pub fn from_right(right: bool) -> Self {
        if right { Rating::Good } else { Rating::Again }
    }
}

impl From<Rating> for rs_fsrs::Rating {
    fn from(r: Rating) -> Self {
        match r {
            Rating::Again => rs_fsrs::Rating::Again,
            Rating::Good => rs_fsrs::Rating::Good,
        }
    }
}

/// The memory after answering at `now` (`prev` is `None` for a first answer, which
/// is scheduled like any other). Never panics: a stored memory with impossible
/// numbers restarts as new (keeping its reps and lapses), a `last_review` after
/// `now` (a clock that went back) is taken as `now`, and at the end of time the
/// question is simply due at `now`.
pub fn schedule(prev: Option<&Memory>, rating: Rating, now: DateTime<Utc>) -> Memory {
    let mut memory = match prev {
        Some(m) if m.is_sane() => m.clone(),
        Some(m) => Memory {
            reps: m.reps,
            lapses: m.lapses,
            ..Memory::fresh(now)
        },
        None => Memory::fresh(now),
    };
    if memory.last_review > now {
        memory.last_review = now;
    }
    if now
        .checked_add_signed(TimeDelta::days(MAX_INTERVAL_DAYS))
        .is_none()
    {
        return Memory {
            due: now,
            last_review: now,
            reps: memory.reps.saturating_add(1),
            ..memory
        };
    }
    let info = FSRS::default().next(memory.to_card(), now, rating.into());
    Memory::from_card(info.card)
}

/// The probability of recalling the question at `now` (0.0 for a new card or
/// impossible numbers), on the FSRS forgetting curve of rs-fsrs.
///
/// Unlike rs-fsrs's `Card::get_retrievability`, elapsed time counts in fractional
/// days, so it falls off within the first day too.
pub fn retrievability(m: &Memory, now: DateTime<Utc>) -> f64 {
    if m.phase == Phase::New || !m.is_sane() {
        return 0.0;
    }
    let elapsed = now.signed_duration_since(m.last_review);
    let days = (elapsed.num_seconds() as f64 / 86_400.0).max(0.0);
    let r = Parameters::forgetting_curve(days, m.stability);
    if r.is_finite() {
        r.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A learner's progress on one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The FSRS memory state.
    pub memory: Memory,
    /// How many times the question was answered.
    pub seen: u32,
    /// How many of those answers were right.
    pub right: u32,
    /// When it was last answered.
    pub last_seen: DateTime<Utc>,
    /// Whether the last answer was right.
    pub last_right: bool,
    /// The last answer as given (e.g. "BD" or "对").
    pub last_answer: String,
}

/// The progress after answering at `now`: right → Good, wrong or incomplete → Again.
pub fn update_progress(
    prev: Option<&Progress>,
    right: bool,
    answer: &str,
    now: DateTime<Utc>,
) -> Progress {
    let memory = schedule(prev.map(|p| &p.memory), Rating::from_right(right), now);
    let (seen, right_count) = prev.map_or((0, 0), |p| (p.seen, p.right));
    Progress {
        memory,
        seen: seen.saturating_add(1),
        right: right_count.saturating_add(u32::from(right)),
        last_seen: now,
        last_right: right,
        last_answer: answer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(y, mo, d, h, mi, 0) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad date"),
        }
    }

    fn t0() -> DateTime<Utc> {
        at(2026, 3, 1, 8, 0)
    }

    /// Answers at the given times (each a right/wrong), from nothing.
    fn run(answers: &[(DateTime<Utc>, bool)]) -> Memory {
        let mut m: Option<Memory> = None;
        for &(now, right) in answers {
            m = Some(schedule(m.as_ref(), Rating::from_right(right), now));
        }
        match m {
            Some(m) => m,
            None => panic!("no answers"),
        }
    }

    #[test]
    fn first_answers() {
        for (rating, phase, due_in) in [
            (Rating::Good, Phase::Learning, TimeDelta::minutes(10)),
            (Rating::Again, Phase::Learning, TimeDelta::minutes(1)),
        ] {
            let m = schedule(None, rating, t0());
            assert_eq!(m.phase, phase, "{rating:?}");
            assert_eq!(m.due, t0() + due_in, "{rating:?}");
            assert_eq!(m.reps, 1);
            assert_eq!(m.lapses, 0);
            assert_eq!(m.last_review, t0());
            assert!(m.stability > 0.0);
        }
    }

    #[test]
    fn sequences() {
        let t = t0();
        let min = TimeDelta::minutes;
        let day = TimeDelta::days;
        // (answers, phase, lapses, scheduled at least / at most days)
        let cases = vec![
            // Right twice: graduates to Review, due in days.
            (
                vec![(t, true), (t + min(10), true)],
                Phase::Review,
                0,
                1,
                30,
            ),
            // Wrong, then right: still graduates.
            (
                vec![(t, false), (t + min(1), true)],
                Phase::Review,
                0,
                1,
                30,
            ),
            // Wrong in Review: a lapse, relearning in minutes.
            (
                vec![(t, true), (t + min(10), true), (t + day(3), false)],
                Phase::Relearning,
                1,
                0,
                0,
            ),
            // Wrong again while learning: stays Learning.
            (
                vec![(t, false), (t + min(1), false)],
                Phase::Learning,
                0,
                0,
                0,
            ),
        ];
        for (answers, phase, lapses, lo, hi) in cases {
            let m = run(&answers);
            assert_eq!(m.phase, phase, "{answers:?}");
            assert_eq!(m.lapses, lapses, "{answers:?}");
            assert!(
                (lo..=hi).contains(&m.scheduled_days),
                "{answers:?}: {}",
                m.scheduled_days
            );
            assert_eq!(m.reps as usize, answers.len());
        }
    }

    #[test]
    fn intervals_grow_when_answered_on_time() {
        let mut m = run(&[(t0(), true), (t0() + TimeDelta::minutes(10), true)]);
        let mut last = m.scheduled_days;
        for _ in 0..5 {
            let now = m.due;
            m = schedule(Some(&m), Rating::Good, now);
            assert_eq!(m.phase, Phase::Review);
            assert!(m.scheduled_days > last, "{} > {last}", m.scheduled_days);
            last = m.scheduled_days;
        }
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let base = run(&[(t0(), true), (t0() + TimeDelta::minutes(10), true)]);
        let odd = [
            Memory {
                stability: f64::NAN,
                ..base.clone()
            },
            Memory {
                stability: 0.0,
                ..base.clone()
            },
            Memory {
                difficulty: f64::INFINITY,
                ..base.clone()
            },
            Memory {
                stability: -3.0,
                phase: Phase::Relearning,
                ..base.clone()
            },
        ];
        for m in &odd {
            for rating in [Rating::Again, Rating::Good] {
                let next = schedule(Some(m), rating, t0() + TimeDelta::days(1));
                // Restarted as new: a first answer, keeping the count of reviews.
                assert_eq!(next.phase, Phase::Learning, "{m:?}");
                assert_eq!(next.reps, base.reps + 1);
                assert!(next.stability.is_finite() && next.stability > 0.0);
            }
            assert_eq!(retrievability(m, t0()), 0.0);
        }
        // The clock went back: no panic, reviewed "now".
        let back = schedule(Some(&base), Rating::Good, t0() - TimeDelta::days(30));
        assert_eq!(back.last_review, t0() - TimeDelta::days(30));
        assert!(back.stability.is_finite());
        // The end of time: due at once, no overflow.
        let end = DateTime::<Utc>::MAX_UTC;
        for prev in [None, Some(&base)] {
            let m = schedule(prev, Rating::Good, end);
            assert_eq!(m.due, end);
        }
        assert!((0.0..=1.0).contains(&retrievability(&base, end)));
        assert!((0.0..=1.0).contains(&retrievability(&base, DateTime::<Utc>::MIN_UTC)));
    }

    #[test]
    fn retrievability_table() {
        let review = run(&[(t0(), true), (t0() + TimeDelta::minutes(10), true)]);
        let reviewed = review.last_review;
        let new = Memory::fresh(t0());
        for (m, now, lo, hi) in [
            (&new, t0(), 0.0, 0.0),
            (&new, t0() + TimeDelta::days(5), 0.0, 0.0),
            (&review, reviewed, 1.0, 1.0),
            // Before the last review (clock skew): as if just reviewed.
            (&review, reviewed - TimeDelta::days(1), 1.0, 1.0),
            (&review, reviewed + TimeDelta::hours(12), 0.97, 0.999),
            // At the due date, about the requested retention (0.9).
            (&review, review.due, 0.88, 0.92),
            (&review, reviewed + TimeDelta::days(365), 0.0, 0.6),
        ] {
            let r = retrievability(m, now);
            assert!((lo..=hi).contains(&r), "{now}: {r} not in {lo}..={hi}");
        }
        // Monotone: never rises with time.
        let mut prev = 1.0;
        for d in 0..60 {
            let r = retrievability(&review, reviewed + TimeDelta::days(d));
            assert!(r <= prev);
            prev = r;
        }
    }

    #[test]
    fn progress_counts() {
        let t = t0();
        let p1 = update_progress(None, true, "B", t);
        assert_eq!(
            (p1.seen, p1.right, p1.last_right, p1.last_answer.as_str()),
            (1, 1, true, "B")
        );
        assert_eq!(p1.last_seen, t);
        assert_eq!(p1.memory, schedule(None, Rating::Good, t));
        let later = t + TimeDelta::minutes(10);
        let p2 = update_progress(Some(&p1), false, "AC", later);
        assert_eq!(
            (p2.seen, p2.right, p2.last_right, p2.last_answer.as_str()),
            (2, 1, false, "AC")
        );
        assert_eq!(p2.last_seen, later);
        assert_eq!(p2.memory, schedule(Some(&p1.memory), Rating::Again, later));
        // Counters saturate rather than overflow.
        let full = Progress {
            seen: u32::MAX,
            right: u32::MAX,
            ..p2
        };
        let p3 = update_progress(Some(&full), true, "对", later);
        assert_eq!((p3.seen, p3.right), (u32::MAX, u32::MAX));
    }

    #[test]
    fn phase_round_trips() {
        for p in [
            Phase::New,
            Phase::Learning,
            Phase::Review,
            Phase::Relearning,
        ] {
            assert_eq!(Phase::from(State::from(p)), p);
        }
        assert_eq!(Rating::from_right(true), Rating::Good);
        assert_eq!(Rating::from_right(false), Rating::Again);
    }
}
