//! Fitting FSRS-6 parameters to the bank's own answer log (`tutor optimize`).
//!
//! The pooled log of all learners is one data set: a card is a learner × question,
//! each answer a review rated Again (1) or Good (3), its elapsed time in calendar
//! days of the learner's zone, as [`super::srs`] schedules. fsrs-rs's
//! `compute_parameters` fits a set on most learners; the rest are held out, and
//! `evaluate` measures log loss and RMSE (binned) on them for the defaults and for
//! the fitted set. The fitted set is adopted only when it beats the defaults on the
//! held-out learners and the log holds enough data ([`MIN_ANSWERS`], and fsrs-rs's
//! own minimum of [`MIN_TRAIN_ITEMS`] training items, below which it does not train
//! at all). Splitting by learner, not by answer, keeps one learner's answers on one
//! side, so the held-out figures say how the set does for learners it has not seen.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fsrs::{ComputeParametersInput, FSRS, FSRSItem, FSRSReview, ModelEvaluation};
use rand::Rng;
use rand::seq::SliceRandom;

use super::srs::{PARAMETER_COUNT, Rating};
use super::streak::local_day;

/// Fewer answers than this in the log: the defaults are kept. fsrs-rs trains from 64
/// items; with a few thousand answers a held-out fifth still holds hundreds, enough
/// for its log loss to mean something.
pub const MIN_ANSWERS: usize = 2_000;

/// fsrs-rs's minimum: with fewer training items `compute_parameters` returns the
/// defaults, or only refits the initial stabilities.
pub const MIN_TRAIN_ITEMS: usize = 64;

/// The share of learners held out for the evaluation (at least one).
pub const HELD_OUT_SHARE: f64 = 0.2;

/// One logged answer, as the fit needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// When it was given.
    pub at: DateTime<Utc>,
    /// The question answered.
    pub question: String,
    /// Whether it was right.
    pub right: bool,
}

/// One learner's answers, oldest first, and the zone their days count in.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerLog {
    /// The learner's zone.
    pub tz: Tz,
    /// Their answers, oldest first.
    pub answers: Vec<Answer>,
}

/// Log loss and RMSE (fsrs-rs's binned RMSE) of a parameter set on a data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// Mean binary cross-entropy of the predicted recall (lower is better).
    pub log_loss: f64,
    /// Root mean square error of predicted against actual recall over bins.
    pub rmse: f64,
}

impl From<ModelEvaluation> for Figures {
    fn from(e: ModelEvaluation) -> Self {
        Figures {
            log_loss: f64::from(e.log_loss),
            rmse: f64::from(e.rmse_bins),
        }
    }
}

/// What the fit decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The fitted set beat the defaults on the held-out learners: use it.
    Adopt,
    /// The fitted set did not beat the defaults on the held-out learners.
    DefaultsBetter,
    /// Too little data to fit or to judge a fit: the defaults stay.
    TooLittleData {
        /// Why, in a sentence.
        reason: String,
    },
}

/// The result of [`fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Learners with at least one answer.
    pub learners: usize,
    /// Answers in the log.
    pub reviews: usize,
    /// Learners fitted on.
    pub train_learners: usize,
    /// Learners held out for the evaluation.
    pub test_learners: usize,
    /// FSRS items (answers a day or more after the one before) fitted on.
    pub train_items: usize,
    /// FSRS items of the held-out learners.
    pub test_items: usize,
    /// The defaults on the held-out learners.
    pub defaults: Option<Figures>,
    /// The fitted set on the held-out learners.
    pub fitted: Option<Figures>,
    /// The fitted set, if one was fitted.
    pub parameters: Option<[f32; PARAMETER_COUNT]>,
    /// Whether to adopt it.
    pub verdict: Verdict,
}

/// The FSRS items of one learner's log, with their card ids (`next_card` and on):
/// per question, one item for each answer given a day or more after the one before
/// it, holding every answer to that question so far.
fn items_of(
    log: &LearnerLog,
    next_card: &mut i64,
    items: &mut Vec<FSRSItem>,
    cards: &mut Vec<i64>,
) {
    let mut by_question: std::collections::BTreeMap<&str, Vec<&Answer>> = Default::default();
    for a in &log.answers {
        by_question.entry(a.question.as_str()).or_default().push(a);
    }
    for answers in by_question.values() {
        let card = *next_card;
        *next_card += 1;
        let mut reviews: Vec<FSRSReview> = Vec::with_capacity(answers.len());
        let mut prev: Option<DateTime<Utc>> = None;
        for a in answers {
            let delta_t = prev.map_or(0, |p| {
                (local_day(a.at, log.tz) - local_day(p, log.tz))
                    .num_days()
                    .clamp(0, i64::from(u32::MAX)) as u32
            });
            reviews.push(FSRSReview {
                rating: Rating::from_right(a.right).number(),
                delta_t,
            });
            prev = Some(a.at);
            if reviews.len() > 1 && delta_t > 0 {
                items.push(FSRSItem {
                    reviews: reviews.clone(),
                });
                cards.push(card);
            }
        }
    }
}

fn items(logs: &[&LearnerLog]) -> (Vec<FSRSItem>, Vec<i64>) {
    let mut items = Vec::new();
    let mut cards = Vec::new();
    let mut next = 0;
    for log in logs {
        items_of(log, &mut next, &mut items, &mut cards);
    }
    (items, cards)
}

fn evaluate(parameters: &[f32], items: &[FSRSItem], cards: &[i64]) -> Result<Figures, String> {
    let model = FSRS::new(parameters).map_err(|e| format!("FSRS parameters: {e}"))?;
    model
        .evaluate_with_card_ids(items.to_vec(), cards.to_vec(), |_| true)
        .map(Figures::from)
        .map_err(|e| format!("evaluation: {e}"))
}

/// Fits a parameter set to `logs` and judges it against the defaults on held-out
/// learners (chosen with `rng`). An error is fsrs-rs refusing the data, which the
/// items built here should never make it do.
pub fn fit(logs: &[LearnerLog], rng: &mut impl Rng) -> Result<Fit, String> {
    let mut active: Vec<&LearnerLog> = logs.iter().filter(|l| !l.answers.is_empty()).collect();
    let reviews: usize = active.iter().map(|l| l.answers.len()).sum();
    let learners = active.len();
    active.shuffle(rng);
    let test_learners = if learners < 2 {
        0
    } else {
        ((learners as f64 * HELD_OUT_SHARE).round() as usize).clamp(1, learners - 1)
    };
    let (test, train) = active.split_at(test_learners);
    let (train_items, train_cards) = items(train);
    let (test_items, test_cards) = items(test);
    let mut out = Fit {
        learners,
        reviews,
        train_learners: train.len(),
        test_learners,
        train_items: train_items.len(),
        test_items: test_items.len(),
        defaults: None,
        fitted: None,
        parameters: None,
        verdict: Verdict::Adopt,
    };
    let too_little = if reviews < MIN_ANSWERS {
        Some(format!(
            "the log holds {reviews} answers; fitting needs at least {MIN_ANSWERS}"
        ))
    } else if train_items.len() < MIN_TRAIN_ITEMS {
        Some(format!(
            "{} answers given a day or more after the one before (fsrs-rs trains from {MIN_TRAIN_ITEMS})",
            train_items.len()
        ))
    } else if test_items.is_empty() {
        Some("the held-out learners have no answer a day or more after another".to_string())
    } else {
        None
    };
    if let Some(reason) = too_little {
        out.verdict = Verdict::TooLittleData { reason };
        return Ok(out);
    }
    let fitted = fsrs::compute_parameters(ComputeParametersInput {
        train_set: train_items,
        card_ids: Some(train_cards),
        num_relearning_steps: Some(super::srs::RELEARNING_STEPS.len()),
        ..Default::default()
    })
    .map_err(|e| format!("fitting: {e}"))?;
    let fitted: [f32; PARAMETER_COUNT] = fitted
        .as_slice()
        .try_into()
        .map_err(|_| format!("fsrs-rs fitted {} parameters", fitted.len()))?;
    let defaults = evaluate(&fsrs::DEFAULT_PARAMETERS, &test_items, &test_cards)?;
    let figures = evaluate(&fitted, &test_items, &test_cards)?;
    out.defaults = Some(defaults);
    out.fitted = Some(figures);
    out.parameters = Some(fitted);
    out.verdict = if figures.log_loss < defaults.log_loss {
        Verdict::Adopt
    } else {
        Verdict::DefaultsBetter
    };
    Ok(out)
}

/// Simulated logs, for the fit's tests and `tutor optimize`'s.
#[cfg(test)]
pub(crate) mod sim {
    use chrono::{TimeDelta, TimeZone, Utc};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::{Answer, LearnerLog};
    use crate::learn::srs::{Phase, Rating, Srs};

    /// `learners` learners answering `each` times, questions drawn from 30, at the
    /// scheduled time plus up to a day, recalling with the probability `truth`'s
    /// forgetting curve gives.
    pub(crate) fn simulate(
        learners: usize,
        each: usize,
        truth: &Srs,
        seed: u64,
    ) -> Vec<LearnerLog> {
        let mut rng = StdRng::seed_from_u64(seed);
        let tz = chrono_tz::Asia::Shanghai;
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).single().unwrap();
        (0..learners)
            .map(|_| {
                let mut memories: std::collections::BTreeMap<usize, crate::learn::Memory> =
                    Default::default();
                let mut answers = Vec::new();
                let mut now = start;
                for _ in 0..each {
                    now += TimeDelta::minutes(rng.random_range(1..600));
                    // The most overdue question, else a new one.
                    let due = memories
                        .iter()
                        .filter(|(_, m)| m.due <= now)
                        .min_by_key(|(_, m)| m.due)
                        .map(|(q, _)| *q);
                    let q = due.unwrap_or_else(|| rng.random_range(0..30));
                    let prev = memories.get(&q);
                    let right = match prev {
                        Some(m) if m.phase != Phase::New => {
                            rng.random_bool(truth.retrievability(m, now).clamp(0.0, 1.0))
                        }
                        _ => rng.random_bool(0.6),
                    };
                    let next = truth.schedule(prev, Rating::from_right(right), now, tz);
                    memories.insert(q, next);
                    answers.push(Answer {
                        at: now,
                        question: format!("q{q}"),
                        right,
                    });
                }
                LearnerLog { tz, answers }
            })
            .collect()
    }

    pub(crate) fn truth() -> Srs {
        // Learners who remember far better than the average person.
        let mut w = fsrs::DEFAULT_PARAMETERS;
        for s in &mut w[..4] {
            *s *= 4.0;
        }
        w[8] += 0.6;
        Srs::new(&w).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::sim::{simulate, truth};
    use super::*;
    use crate::learn::srs::Srs;

    #[test]
    fn fits_and_adopts_with_enough_data_and_keeps_defaults_without() {
        let truth = truth();
        // (learners, answers each, adopted?)
        for (learners, each, adopt) in [
            (0, 0, false),
            (1, 300, false),
            (30, 50, false),
            (200, 60, true),
        ] {
            let logs = simulate(learners, each, &truth, 3);
            let fit = fit(&logs, &mut StdRng::seed_from_u64(1)).unwrap();
            let case = format!("{learners} × {each}");
            assert_eq!(fit.learners, learners, "{case}");
            assert_eq!(fit.reviews, learners * each, "{case}");
            assert_eq!(fit.train_learners + fit.test_learners, learners, "{case}");
            if learners >= 2 {
                let share = (learners as f64 * HELD_OUT_SHARE).round() as usize;
                assert_eq!(fit.test_learners, share.max(1), "{case}");
            }
            match (&fit.verdict, adopt) {
                (Verdict::Adopt, true) => {
                    let (d, f) = (fit.defaults.unwrap(), fit.fitted.unwrap());
                    assert!(f.log_loss < d.log_loss, "{case}: {f:?} vs {d:?}");
                    assert!(f.rmse < d.rmse, "{case}: {f:?} vs {d:?}");
                    let w = fit.parameters.unwrap();
                    // Initial stability of Good: nearer the truth than the default.
                    let (t, d0) = (truth.parameters()[2], fsrs::DEFAULT_PARAMETERS[2]);
                    assert!((w[2] - t).abs() < (d0 - t).abs(), "{case}: {w:?}");
                    assert!(Srs::new(&w).is_ok());
                }
                (Verdict::TooLittleData { reason }, false) => {
                    assert!(fit.parameters.is_none() && fit.fitted.is_none(), "{case}");
                    assert!(!reason.is_empty());
                }
                (v, _) => panic!("{case}: {v:?}"),
            }
        }
    }

    #[test]
    fn data_like_the_defaults_keeps_the_defaults_or_barely_moves() {
        // Learners exactly as the defaults model them: a fitted set may win by a
        // hair on held-out learners, but must not lose by much.
        let logs = simulate(200, 60, &Srs::default(), 5);
        let fit = fit(&logs, &mut StdRng::seed_from_u64(2)).unwrap();
        let (d, f) = (fit.defaults.unwrap(), fit.fitted.unwrap());
        assert!((f.log_loss - d.log_loss).abs() < 0.02, "{f:?} vs {d:?}");
        match fit.verdict {
            Verdict::Adopt => assert!(f.log_loss < d.log_loss),
            Verdict::DefaultsBetter => assert!(f.log_loss >= d.log_loss),
            Verdict::TooLittleData { .. } => panic!("enough data"),
        }
    }

    #[test]
    fn items_are_cards_of_learner_and_question_with_days_in_the_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let t = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).single().unwrap();
        let a = |at, q: &str, right| Answer {
            at,
            question: q.into(),
            right,
        };
        // 15:00 and 17:00 UTC are 23:00 and 01:00 in Shanghai: a day apart there.
        let log = LearnerLog {
            tz,
            answers: vec![
                a(t(1, 15), "x", true),
                a(t(1, 17), "x", false),
                a(t(1, 18), "y", true),
                a(t(1, 19), "x", true),
                a(t(4, 2), "x", true),
            ],
        };
        let (items, cards) = items(&[&log, &log]);
        let r = |rating, delta_t| FSRSReview { rating, delta_t };
        let x = vec![r(3, 0), r(1, 1), r(3, 0), r(3, 2)];
        assert_eq!(
            items,
            [
                FSRSItem {
                    reviews: x[..2].to_vec()
                },
                FSRSItem { reviews: x.clone() },
                FSRSItem {
                    reviews: x[..2].to_vec()
                },
                FSRSItem { reviews: x },
            ]
        );
        // The same questions of another learner are other cards.
        assert_eq!(cards, [0, 0, 2, 2]);
    }
}
