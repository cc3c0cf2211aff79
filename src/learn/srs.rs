//! Spaced repetition: FSRS-6 (the `fsrs` crate, fsrs-rs) and a learner's progress on
//! one question.
//!
//! fsrs-rs computes memory states (stability, difficulty) and intervals; it has no
//! learning steps, so the step machine here follows the reference implementation,
//! py-fsrs 6: a new question answered right comes back after 1 minute's step and then
//! 10 minutes' step ([`LEARNING_STEPS`]), graduating to Review with the right answer
//! on its last step; a question forgotten in Review relearns with one 10-minute step
//! ([`RELEARNING_STEPS`]). Any wrong answer while learning goes back to the first step.
//! Intervals in Review are FSRS's for a desired retention of 0.9, rounded to whole
//! days (1 to 36,500), without fuzz. `tests/fixtures/fsrs/reference.json` holds
//! py-fsrs's states for 300 histories and the tests hold this module to it.
//!
//! A right answer is rated Good (3), a wrong or incomplete one Again (1), for every
//! kind of question: see [`Rating::of`] and `docs/scheduling.md` on judgement
//! questions' guessing floor.
//!
//! Elapsed days are calendar days in the learner's zone (an answer at 23:50 and one
//! at 00:10 are a day apart), as Anki counts them; on the same day FSRS uses its
//! short-term stability.
//!
//! The parameters are FSRS-6's defaults ([`fsrs::DEFAULT_PARAMETERS`]) unless a set
//! fitted by `tutor optimize` was adopted: a [`Srs`] holds the set in use.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use fsrs::{FSRS, MemoryState};

use super::streak::local_day;
use crate::bank::Kind;

/// The longest interval scheduled, in days (py-fsrs's `maximum_interval`).
pub const MAX_INTERVAL_DAYS: i64 = 36_500;

/// The probability of recall an interval in Review aims for.
pub const DESIRED_RETENTION: f32 = 0.9;

/// The steps of a new question: 1 minute, then 10 minutes.
pub const LEARNING_STEPS: [TimeDelta; 2] = [TimeDelta::minutes(1), TimeDelta::minutes(10)];

/// The steps of a question forgotten in Review: 10 minutes.
pub const RELEARNING_STEPS: [TimeDelta; 1] = [TimeDelta::minutes(10)];

/// How many FSRS-6 parameters there are.
pub const PARAMETER_COUNT: usize = 21;

/// Where a card is in its FSRS life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Never answered.
    New,
    /// Being learned: short steps (minutes) until answered right on the last one.
    Learning,
    /// Learned: reviewed at growing intervals (days).
    Review,
    /// Forgotten in review: short steps again.
    Relearning,
}

/// The FSRS memory state of one question for one learner.
#[derive(Debug, Clone, PartialEq)]
pub struct Memory {
    /// When the question is due for review.
    pub due: DateTime<Utc>,
    /// FSRS stability: days until recall falls to 90%.
    pub stability: f64,
    /// FSRS difficulty, 1 (easy) to 10 (hard); 0 while new.
    pub difficulty: f64,
    /// Calendar days (in the learner's zone) between the last two reviews.
    pub elapsed_days: i64,
    /// The interval scheduled at the last review, in whole days (0 for a step).
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
        self.phase == Phase::New
            || (self.stability.is_finite()
                && self.difficulty.is_finite()
                && self.stability > 0.0
                && (1.0..=10.0).contains(&self.difficulty))
    }

    /// The learning or relearning step the card is on. The step is not stored: the
    /// first learning step is 1 minute and the second 10, so a Learning card due 10
    /// minutes after its last review is on its second step; relearning has one step.
    pub fn step(&self) -> usize {
        match self.phase {
            Phase::Learning if self.due - self.last_review == LEARNING_STEPS[1] => 1,
            _ => 0,
        }
    }
}

/// How an answer is rated for FSRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// A wrong or incomplete answer (FSRS rating 1).
    Again,
    /// A right answer (FSRS rating 3).
    Good,
}

impl Rating {
    /// Good for a right answer, Again otherwise.
    pub fn from_right(right: bool) -> Self {
        if right { Rating::Good } else { Rating::Again }
    }

    /// The rating of an answer to a question of `kind`. Judgement questions (判断)
    /// are rated like the others: a right one is plain Good, though a guess is right
    /// half the time. FSRS fits recall probabilities, guesses included, so the
    /// fitted parameters (`tutor optimize`) absorb the floor on average, and a
    /// lucky guess is found out at the next review. `docs/scheduling.md` has the
    /// reasoning; the migration replays the log with [`Rating::from_right`], which
    /// is the same thing for every kind.
    pub fn of(kind: Kind, right: bool) -> Self {
        match kind {
            Kind::Single | Kind::Multi | Kind::Judge => Rating::from_right(right),
        }
    }

    /// The FSRS rating number (1 = Again, 3 = Good).
    pub fn number(self) -> u32 {
        match self {
            Rating::Again => 1,
            Rating::Good => 3,
        }
    }
}

/// A parameter set for FSRS-6, checked, with the model built from it.
#[derive(Debug, Clone)]
pub struct Srs {
    fsrs: FSRS,
    parameters: [f32; PARAMETER_COUNT],
}

impl Default for Srs {
    fn default() -> Self {
        Srs {
            fsrs: FSRS::default(),
            parameters: fsrs::DEFAULT_PARAMETERS,
        }
    }
}

impl Srs {
    /// The scheduler with `parameters` (21 finite numbers, as `tutor optimize` fits
    /// them). fsrs-rs clamps each into its range.
    pub fn new(parameters: &[f32]) -> Result<Srs, String> {
        let parameters: [f32; PARAMETER_COUNT] = parameters.try_into().map_err(|_| {
            format!(
                "FSRS-6 takes {PARAMETER_COUNT} parameters, not {}",
                parameters.len()
            )
        })?;
        if parameters.iter().any(|w| !w.is_finite()) {
            return Err("an FSRS parameter is not a finite number".to_string());
        }
        let fsrs = FSRS::new(&parameters).map_err(|e| format!("FSRS parameters: {e}"))?;
        Ok(Srs { fsrs, parameters })
    }

    /// The parameters in use.
    pub fn parameters(&self) -> &[f32; PARAMETER_COUNT] {
        &self.parameters
    }

    /// Whether these are FSRS-6's defaults.
    pub fn is_default(&self) -> bool {
        self.parameters == fsrs::DEFAULT_PARAMETERS
    }

    /// The memory after answering at `now` in the learner's zone `tz` (`prev` is
    /// `None` for a first answer). Never panics: a stored memory with impossible
    /// numbers restarts as new (keeping its reps and lapses), a `last_review` after
    /// `now` (a clock that went back) counts as the same day, and at the end of time
    /// the question is simply due at `now`.
    pub fn schedule(
        &self,
        prev: Option<&Memory>,
        rating: Rating,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Memory {
        let prev = match prev {
            Some(m) if m.is_sane() => m.clone(),
            Some(m) => Memory {
                reps: m.reps,
                lapses: m.lapses,
                ..Memory::fresh(now)
            },
            None => Memory::fresh(now),
        };
        let reps = prev.reps.saturating_add(1);
        if now
            .checked_add_signed(TimeDelta::days(MAX_INTERVAL_DAYS + 1))
            .is_none()
        {
            return Memory {
                due: now,
                last_review: now,
                reps,
                ..prev
            };
        }
        let (state, phase, step, days) = if prev.phase == Phase::New {
            (None, Phase::Learning, 0, 0)
        } else {
            let days = (local_day(now, tz) - local_day(prev.last_review, tz))
                .num_days()
                .clamp(0, i64::from(u32::MAX));
            let state = MemoryState {
                stability: prev.stability as f32,
                difficulty: prev.difficulty as f32,
            };
            (Some(state), prev.phase, prev.step(), days)
        };
        let next = self
            .fsrs
            .next_states(state, DESIRED_RETENTION, days as u32)
            .or_else(|_| self.fsrs.next_states(None, DESIRED_RETENTION, 0));
        let Ok(next) = next else {
            // Unreachable with checked parameters; stay put rather than panic.
            return Memory {
                due: now,
                last_review: now,
                reps,
                ..prev
            };
        };
        let item = match rating {
            Rating::Again => next.again,
            Rating::Good => next.good,
        };
        let interval_days = || {
            let d = f64::from(item.interval).round();
            if d.is_finite() {
                (d as i64).clamp(1, MAX_INTERVAL_DAYS)
            } else {
                1
            }
        };
        // (phase, whole days scheduled, or the step's interval)
        let (phase, wait) = match (phase, rating) {
            (Phase::New | Phase::Learning, Rating::Again) => {
                (Phase::Learning, Err(LEARNING_STEPS[0]))
            }
            (Phase::New | Phase::Learning, Rating::Good) if step + 1 < LEARNING_STEPS.len() => {
                (Phase::Learning, Err(LEARNING_STEPS[step + 1]))
            }
            (Phase::Review, Rating::Again) | (Phase::Relearning, Rating::Again) => {
                (Phase::Relearning, Err(RELEARNING_STEPS[0]))
            }
            (Phase::Relearning, Rating::Good) if step + 1 < RELEARNING_STEPS.len() => {
                (Phase::Relearning, Err(RELEARNING_STEPS[step + 1]))
            }
            (_, Rating::Good) => (Phase::Review, Ok(interval_days())),
        };
        let lapses = if prev.phase == Phase::Review && rating == Rating::Again {
            prev.lapses.saturating_add(1)
        } else {
            prev.lapses
        };
        let (due, scheduled_days) = match wait {
            Ok(days) => (now + TimeDelta::days(days), days),
            Err(step) => (now + step, 0),
        };
        Memory {
            due,
            stability: f64::from(item.memory.stability),
            difficulty: f64::from(item.memory.difficulty),
            elapsed_days: days,
            scheduled_days,
            reps,
            lapses,
            phase,
            last_review: now,
        }
    }

    /// The probability of recalling the question at `now` (0.0 for a new card or
    /// impossible numbers), on the FSRS-6 forgetting curve of these parameters.
    /// Elapsed time counts in fractional days, so it falls off within a day too.
    pub fn retrievability(&self, m: &Memory, now: DateTime<Utc>) -> f64 {
        if m.phase == Phase::New || !m.is_sane() {
            return 0.0;
        }
        let elapsed = now.signed_duration_since(m.last_review);
        let days = (elapsed.num_seconds() as f64 / 86_400.0).max(0.0);
        let state = MemoryState {
            stability: m.stability as f32,
            difficulty: m.difficulty as f32,
        };
        let r = f64::from(fsrs::current_retrievability(
            state,
            days as f32,
            self.parameters[20],
        ));
        if r.is_finite() {
            r.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// The progress after answering at `now` in zone `tz` with `rating`.
    pub fn update_progress(
        &self,
        prev: Option<&Progress>,
        rating: Rating,
        answer: &str,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Progress {
        let memory = self.schedule(prev.map(|p| &p.memory), rating, now, tz);
        let right = rating == Rating::Good;
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
}

/// [`Srs::schedule`] at the default parameters.
pub fn schedule(prev: Option<&Memory>, rating: Rating, now: DateTime<Utc>, tz: Tz) -> Memory {
    Srs::default().schedule(prev, rating, now, tz)
}

/// [`Srs::retrievability`] at the default parameters.
pub fn retrievability(m: &Memory, now: DateTime<Utc>) -> f64 {
    Srs::default().retrievability(m, now)
}

/// [`Srs::update_progress`] at the default parameters: right → Good, wrong or
/// incomplete → Again.
pub fn update_progress(
    prev: Option<&Progress>,
    right: bool,
    answer: &str,
    now: DateTime<Utc>,
    tz: Tz,
) -> Progress {
    Srs::default().update_progress(prev, Rating::from_right(right), answer, now, tz)
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Tz;

    use super::*;

    const UTC: Tz = chrono_tz::UTC;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        match Utc.with_ymd_and_hms(y, mo, d, h, mi, 0) {
            chrono::LocalResult::Single(t) => t,
            _ => panic!("bad date"),
        }
    }

    fn t0() -> DateTime<Utc> {
        at(2026, 3, 1, 8, 0)
    }

    /// Answers at the given times (each a right/wrong), from nothing, in `tz`.
    fn run_in(answers: &[(DateTime<Utc>, bool)], tz: Tz) -> Memory {
        let mut m: Option<Memory> = None;
        for &(now, right) in answers {
            m = Some(schedule(m.as_ref(), Rating::from_right(right), now, tz));
        }
        match m {
            Some(m) => m,
            None => panic!("no answers"),
        }
    }

    fn run(answers: &[(DateTime<Utc>, bool)]) -> Memory {
        run_in(answers, UTC)
    }

    #[derive(serde::Deserialize)]
    struct Reference {
        parameters: Vec<f32>,
        desired_retention: f32,
        histories: Vec<History>,
    }

    #[derive(serde::Deserialize)]
    struct History {
        reviews: Vec<Review>,
    }

    #[derive(serde::Deserialize)]
    struct Review {
        at_ms: i64,
        right: bool,
        state: String,
        step: Option<usize>,
        stability: f64,
        difficulty: f64,
        due_ms: i64,
    }

    fn close(ours: f64, theirs: f64) -> bool {
        (ours - theirs).abs() <= 1e-4 * theirs.abs().max(1e-9)
    }

    /// py-fsrs 6's states for 300 histories (`tests/fixtures/fsrs/gen.py`): the same
    /// phase, step, due instant, and stability and difficulty within 1e-4 relative,
    /// at every review.
    #[test]
    fn matches_py_fsrs_reference_vectors() {
        let reference: Reference =
            match serde_json::from_str(include_str!("../../tests/fixtures/fsrs/reference.json")) {
                Ok(r) => r,
                Err(e) => panic!("reference.json: {e}"),
            };
        assert_eq!(reference.parameters, fsrs::DEFAULT_PARAMETERS.to_vec());
        assert_eq!(reference.desired_retention, DESIRED_RETENTION);
        assert_eq!(reference.histories.len(), 300);
        let srs = Srs::default();
        let mut checked = 0;
        let mut reviewed = 0;
        for (h, history) in reference.histories.iter().enumerate() {
            let mut m: Option<Memory> = None;
            for (i, r) in history.reviews.iter().enumerate() {
                let now = match DateTime::from_timestamp_millis(r.at_ms) {
                    Some(t) => t,
                    None => panic!("history {h}: bad instant"),
                };
                let next = srs.schedule(m.as_ref(), Rating::from_right(r.right), now, UTC);
                let phase = match r.state.as_str() {
                    "Learning" => Phase::Learning,
                    "Review" => Phase::Review,
                    "Relearning" => Phase::Relearning,
                    other => panic!("history {h}: state {other}"),
                };
                let at = format!("history {h}, review {i}");
                assert_eq!(next.phase, phase, "{at}");
                assert_eq!(
                    (next.phase != Phase::Review).then(|| next.step()),
                    r.step,
                    "{at}"
                );
                assert_eq!(next.due.timestamp_millis(), r.due_ms, "{at}");
                assert!(
                    close(next.stability, r.stability),
                    "{at}: S {} vs {}",
                    next.stability,
                    r.stability
                );
                assert!(
                    close(next.difficulty, r.difficulty),
                    "{at}: D {} vs {}",
                    next.difficulty,
                    r.difficulty
                );
                checked += 1;
                reviewed += usize::from(phase == Phase::Review);
                m = Some(next);
            }
        }
        assert!(checked > 2000, "{checked}");
        assert!(reviewed > 1000, "{reviewed}");
    }

    #[test]
    fn first_answers() {
        for (rating, due_in, step) in [
            (Rating::Good, TimeDelta::minutes(10), 1),
            (Rating::Again, TimeDelta::minutes(1), 0),
        ] {
            let m = schedule(None, rating, t0(), UTC);
            assert_eq!(m.phase, Phase::Learning, "{rating:?}");
            assert_eq!(m.step(), step, "{rating:?}");
            assert_eq!(m.due, t0() + due_in, "{rating:?}");
            assert_eq!(m.reps, 1);
            assert_eq!(m.lapses, 0);
            assert_eq!(m.last_review, t0());
            // FSRS-6's initial stabilities: w0 for Again, w2 for Good.
            let w = fsrs::DEFAULT_PARAMETERS;
            let s0 = if rating == Rating::Good { w[2] } else { w[0] };
            assert!((m.stability - f64::from(s0)).abs() < 1e-6);
        }
    }

    #[test]
    fn sequences() {
        let t = t0();
        let min = TimeDelta::minutes;
        let day = TimeDelta::days;
        // (answers, phase, step, lapses, scheduled at least / at most days)
        let cases = vec![
            // Right once: the second learning step.
            (vec![(t, true)], Phase::Learning, 1, 0, 0, 0),
            // Right twice: graduates to Review, due in days.
            (
                vec![(t, true), (t + min(10), true)],
                Phase::Review,
                0,
                0,
                1,
                30,
            ),
            // Wrong, then right: the second step; right again: Review.
            (
                vec![(t, false), (t + min(1), true)],
                Phase::Learning,
                1,
                0,
                0,
                0,
            ),
            (
                vec![(t, false), (t + min(1), true), (t + min(11), true)],
                Phase::Review,
                0,
                0,
                1,
                30,
            ),
            // Wrong on the second step: back to the first.
            (
                vec![(t, true), (t + min(10), false)],
                Phase::Learning,
                0,
                0,
                0,
                0,
            ),
            // Wrong in Review: a lapse, relearning in minutes.
            (
                vec![(t, true), (t + min(10), true), (t + day(3), false)],
                Phase::Relearning,
                0,
                1,
                0,
                0,
            ),
            // Right after relearning: back in Review.
            (
                vec![
                    (t, true),
                    (t + min(10), true),
                    (t + day(3), false),
                    (t + day(3) + min(10), true),
                ],
                Phase::Review,
                0,
                1,
                1,
                30,
            ),
        ];
        for (answers, phase, step, lapses, lo, hi) in cases {
            let m = run(&answers);
            assert_eq!(m.phase, phase, "{answers:?}");
            assert_eq!(m.step(), step, "{answers:?}");
            assert_eq!(m.lapses, lapses, "{answers:?}");
            assert!(
                (lo..=hi).contains(&m.scheduled_days),
                "{answers:?}: {}",
                m.scheduled_days
            );
            assert_eq!(m.reps as usize, answers.len());
            if m.phase == Phase::Review {
                assert_eq!(m.due, m.last_review + TimeDelta::days(m.scheduled_days));
            }
        }
    }

    /// The case: right, then right again 5 days later. FSRS-6 takes the
    /// long-term formula (elapsed days > 0) whatever the card's phase.
    #[test]
    fn elapsed_time_chooses_the_formula() {
        let t = t0();
        let same_day = run(&[(t, true), (t + TimeDelta::hours(5), true)]);
        let later = run(&[(t, true), (t + TimeDelta::days(5), true)]);
        assert!(later.stability > 10.0, "{}", later.stability);
        assert!(same_day.stability < 3.0, "{}", same_day.stability);
        assert_eq!(later.elapsed_days, 5);
        assert_eq!(same_day.elapsed_days, 0);
    }

    /// Elapsed days are calendar days in the learner's zone.
    #[test]
    fn elapsed_days_in_the_learners_zone() {
        let shanghai: Tz = chrono_tz::Asia::Shanghai;
        let la: Tz = chrono_tz::America::Los_Angeles;
        // 15:50 and 16:10 UTC: the same day in UTC and Los Angeles, not in Shanghai
        // (23:50 and 00:10).
        let a = at(2026, 3, 1, 15, 50);
        let b = at(2026, 3, 1, 16, 10);
        for (tz, days) in [(UTC, 0), (shanghai, 1), (la, 0)] {
            let m = run_in(&[(a, true), (b, true)], tz);
            assert_eq!(m.elapsed_days, days, "{tz}");
        }
        let utc = run_in(&[(a, true), (b, true)], UTC);
        let sh = run_in(&[(a, true), (b, true)], shanghai);
        assert_ne!(utc.stability, sh.stability);
    }

    #[test]
    fn judgement_questions_are_rated_like_the_others() {
        // (kind, right, rating): a right 判断 is plain Good (docs/scheduling.md).
        for (kind, right, rating) in [
            (Kind::Judge, true, Rating::Good),
            (Kind::Judge, false, Rating::Again),
            (Kind::Single, true, Rating::Good),
            (Kind::Single, false, Rating::Again),
            (Kind::Multi, true, Rating::Good),
            (Kind::Multi, false, Rating::Again),
        ] {
            assert_eq!(Rating::of(kind, right), rating, "{kind:?} {right}");
            assert_eq!(Rating::of(kind, right), Rating::from_right(right));
        }
        assert_eq!((Rating::Again.number(), Rating::Good.number()), (1, 3));
    }

    #[test]
    fn intervals_grow_when_answered_on_time() {
        let mut m = run(&[(t0(), true), (t0() + TimeDelta::minutes(10), true)]);
        let mut last = m.scheduled_days;
        for _ in 0..5 {
            let now = m.due;
            m = schedule(Some(&m), Rating::Good, now, UTC);
            assert_eq!(m.phase, Phase::Review);
            assert!(m.scheduled_days > last, "{} > {last}", m.scheduled_days);
            last = m.scheduled_days;
        }
    }

    #[test]
    fn parameters() {
        assert!(Srs::default().is_default());
        assert_eq!(Srs::default().parameters(), &fsrs::DEFAULT_PARAMETERS);
        let mut w = fsrs::DEFAULT_PARAMETERS.to_vec();
        w[2] = 5.0;
        let fitted = match Srs::new(&w) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert!(!fitted.is_default());
        let m = fitted.schedule(None, Rating::Good, t0(), UTC);
        assert!((m.stability - 5.0).abs() < 1e-6);
        for bad in [vec![], vec![1.0; 19], {
            let mut nan = fsrs::DEFAULT_PARAMETERS.to_vec();
            nan[3] = f32::NAN;
            nan
        }] {
            assert!(Srs::new(&bad).is_err(), "{bad:?}");
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
                difficulty: 0.0,
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
                let next = schedule(Some(m), rating, t0() + TimeDelta::days(1), UTC);
                // Restarted as new: a first answer, keeping the count of reviews.
                assert_eq!(next.phase, Phase::Learning, "{m:?}");
                assert_eq!(next.reps, base.reps + 1);
                assert!(next.stability.is_finite() && next.stability > 0.0);
            }
            assert_eq!(retrievability(m, t0()), 0.0);
        }
        // The clock went back: no panic, reviewed "now", the same day.
        let back = schedule(Some(&base), Rating::Good, t0() - TimeDelta::days(30), UTC);
        assert_eq!(back.last_review, t0() - TimeDelta::days(30));
        assert_eq!(back.elapsed_days, 0);
        assert!(back.stability.is_finite());
        // The end and the start of time: no overflow.
        for now in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
            for prev in [None, Some(&base)] {
                let m = schedule(prev, Rating::Good, now, UTC);
                assert!(m.stability.is_finite());
            }
        }
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(schedule(None, Rating::Good, end, UTC).due, end);
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
            (&review, reviewed + TimeDelta::hours(12), 0.95, 0.999),
            // At the due date, about the requested retention (0.9).
            (&review, review.due, 0.88, 0.92),
            (&review, reviewed + TimeDelta::days(365), 0.0, 0.75),
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
        let p1 = update_progress(None, true, "B", t, UTC);
        assert_eq!(
            (p1.seen, p1.right, p1.last_right, p1.last_answer.as_str()),
            (1, 1, true, "B")
        );
        assert_eq!(p1.last_seen, t);
        assert_eq!(p1.memory, schedule(None, Rating::Good, t, UTC));
        let later = t + TimeDelta::minutes(10);
        let p2 = update_progress(Some(&p1), false, "AC", later, UTC);
        assert_eq!(
            (p2.seen, p2.right, p2.last_right, p2.last_answer.as_str()),
            (2, 1, false, "AC")
        );
        assert_eq!(p2.last_seen, later);
        assert_eq!(
            p2.memory,
            schedule(Some(&p1.memory), Rating::Again, later, UTC)
        );
        // Counters saturate rather than overflow.
        let full = Progress {
            seen: u32::MAX,
            right: u32::MAX,
            ..p2
        };
        let p3 = update_progress(Some(&full), true, "对", later, UTC);
        assert_eq!((p3.seen, p3.right), (u32::MAX, u32::MAX));
    }
}
