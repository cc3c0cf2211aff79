//! `tutor optimize`: fit FSRS-6 parameters to the bank's own answer log, judge them
//! on held-out learners, and store the set chosen (see `learn::fit`).
//!
//! The pooled log of every learner is read (a random sample of learners when it is
//! larger than [`SAMPLE_ANSWERS`]: the fit needs a few hundred thousand answers, not
//! every one), each learner's days counted in their zone. The set chosen is stored
//! in the database with its date and figures; a running bot holds the database
//! open, so `tutor optimize` runs while it is stopped, and the bot schedules with the
//! new set from its next start.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::learn::fit::{self, Answer, Fit, LearnerLog, Verdict};
use crate::store::{FsrsParameters, Store, StoreError};

/// At most this many answers are read and fitted on: learners are drawn at random
/// until their answers reach it.
pub const SAMPLE_ANSWERS: usize = 400_000;

/// How `tutor optimize` runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Only report; store nothing.
    pub dry_run: bool,
    /// The seed of the learner sample and of the held-out split.
    pub seed: u64,
    /// See [`SAMPLE_ANSWERS`].
    pub sample_answers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dry_run: false,
            seed: 17,
            sample_answers: SAMPLE_ANSWERS,
        }
    }
}

/// What `tutor optimize` found and did.
#[derive(Debug, Clone)]
pub struct Optimized {
    /// The fit and its figures.
    pub fit: Fit,
    /// Learners in the database (the fit may have read a sample of them).
    pub all_learners: usize,
    /// The record stored (`None`: a dry run, or too little data to compare).
    pub stored: Option<FsrsParameters>,
    /// Reading the log, and fitting and evaluating.
    pub read: Duration,
    pub fitted: Duration,
}

/// Fits, judges and (unless `dry_run`) stores the set chosen at `now`.
pub fn optimize(store: &Store, now: DateTime<Utc>, opts: Options) -> Result<Optimized, StoreError> {
    let started = Instant::now();
    let mut ids = store.learner_ids()?;
    let all_learners = ids.len();
    let mut rng = StdRng::seed_from_u64(opts.seed);
    ids.shuffle(&mut rng);
    let mut logs = Vec::new();
    let mut answers = 0;
    for id in ids {
        if answers >= opts.sample_answers {
            break;
        }
        let items = store.log_items(id, None)?;
        if items.is_empty() {
            continue;
        }
        answers += items.len();
        logs.push(LearnerLog {
            tz: store.replay_zone(id)?,
            answers: items
                .into_iter()
                .map(|e| Answer {
                    at: e.at,
                    question: e.question,
                    right: e.right,
                })
                .collect(),
        });
    }
    let read = started.elapsed();
    let fit = fit::fit(&logs, &mut rng).map_err(StoreError::Corrupt)?;
    let fitted = started.elapsed() - read;
    let chosen = match (&fit.verdict, fit.parameters, fit.defaults, fit.fitted) {
        (Verdict::TooLittleData { .. }, ..) => None,
        (verdict, Some(w), Some(d), Some(f)) => {
            let adopt = *verdict == Verdict::Adopt;
            Some(FsrsParameters {
                parameters: if adopt {
                    w.to_vec()
                } else {
                    fsrs::DEFAULT_PARAMETERS.to_vec()
                },
                fitted: adopt,
                at: now,
                reviews: fit.reviews as u64,
                learners: fit.learners as u64,
                default_log_loss: d.log_loss,
                default_rmse: d.rmse,
                fitted_log_loss: f.log_loss,
                fitted_rmse: f.rmse,
            })
        }
        _ => None,
    };
    let stored = match chosen {
        Some(p) if !opts.dry_run => {
            store.put_fsrs_parameters(&p)?;
            store.flush_blocking()?;
            Some(p)
        }
        _ => None,
    };
    Ok(Optimized {
        fit,
        all_learners,
        stored,
        read,
        fitted,
    })
}

impl Optimized {
    /// The report `tutor optimize` prints: a table and what was decided.
    pub fn report(&self, dry_run: bool) -> String {
        let f = &self.fit;
        let mut out = String::new();
        let sample = if f.learners < self.all_learners {
            format!(" (a random sample of {} learners)", self.all_learners)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "answers {}, learners {}{sample}: fitted on {} learners ({} reviews after a day or more), judged on {} held out ({} reviews)\n\n",
            f.reviews, f.learners, f.train_learners, f.train_items, f.test_learners, f.test_items
        ));
        out.push_str("| parameters | log loss | RMSE   |\n|------------|----------|--------|\n");
        let row = |name: &str, x: Option<fit::Figures>| match x {
            Some(x) => format!("| {name:<10} | {:>8.4} | {:>6.4} |\n", x.log_loss, x.rmse),
            None => format!("| {name:<10} | {:>8} | {:>6} |\n", "-", "-"),
        };
        out.push_str(&row("defaults", f.defaults));
        out.push_str(&row("fitted", f.fitted));
        out.push('\n');
        let decision = match &f.verdict {
            Verdict::Adopt => {
                "the fitted set beats FSRS-6's defaults on the held-out learners: adopted"
            }
            Verdict::DefaultsBetter => {
                "the fitted set does not beat FSRS-6's defaults on the held-out learners: the defaults are kept"
            }
            Verdict::TooLittleData { .. } => "too little data: FSRS-6's defaults are kept",
        };
        out.push_str(decision);
        if let Verdict::TooLittleData { reason } = &f.verdict {
            out.push_str(&format!(" ({reason})"));
        }
        out.push('\n');
        if let Some(w) = &f.parameters {
            let list: Vec<String> = w.iter().map(|x| format!("{x:.4}")).collect();
            out.push_str(&format!("fitted: [{}]\n", list.join(", ")));
        }
        match (&self.stored, dry_run) {
            (_, true) => out.push_str("dry run: nothing stored\n"),
            (Some(_), false) => out.push_str(
                "stored in the database; the bot schedules with it from its next start\n",
            ),
            (None, false) => out.push_str("nothing stored\n"),
        }
        out.push_str(&format!(
            "read the log in {:.2} s, fitted and evaluated in {:.2} s\n",
            self.read.as_secs_f64(),
            self.fitted.as_secs_f64()
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::learn::fit::sim::{simulate, truth};
    use crate::store::{Learner, LoggedAnswer, Options as StoreOptions};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 1, 0, 0, 0).single().unwrap()
    }

    /// A database at `path` holding `learners` simulated learners' logs.
    fn seeded(path: &std::path::Path, learners: usize, each: usize) -> Store {
        let store = Store::open(path, StoreOptions::default()).unwrap();
        for (i, log) in simulate(learners, each, &truth(), 9)
            .into_iter()
            .enumerate()
        {
            let id = 1_000 + i as i64;
            let answers: Vec<LoggedAnswer> = log
                .answers
                .iter()
                .enumerate()
                .map(|(k, a)| LoggedAnswer {
                    at: a.at,
                    chat: id,
                    message: k as i32,
                    question: a.question.clone(),
                    right: a.right,
                    answer: "B".into(),
                })
                .collect();
            let learner = Learner::new(id, "x", now());
            store.import_history(&learner, &[], &answers).unwrap();
        }
        store
    }

    #[test]
    fn stores_the_chosen_set_unless_dry_run_and_the_store_schedules_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        // (learners, answers each, dry run, stored?)
        let store = seeded(&path, 200, 60);
        let dry = optimize(
            &store,
            now(),
            Options {
                dry_run: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(dry.fit.verdict, Verdict::Adopt);
        assert!(dry.stored.is_none());
        assert_eq!(store.fsrs_parameters().unwrap(), None);
        assert!(store.srs().is_default());
        assert!(dry.report(true).contains("dry run: nothing stored"));

        let done = optimize(&store, now(), Options::default()).unwrap();
        let stored = done.stored.clone().unwrap();
        assert!(stored.fitted);
        assert_eq!((stored.reviews, stored.learners), (12_000, 200));
        assert_eq!(stored.at, now());
        assert!(stored.fitted_log_loss < stored.default_log_loss);
        assert_eq!(store.fsrs_parameters().unwrap().as_ref(), Some(&stored));
        assert_eq!(store.srs().parameters().to_vec(), stored.parameters);
        let report = done.report(false);
        for part in [
            "answers 12000, learners 200",
            "| defaults",
            "| fitted",
            "adopted",
            "stored in the database",
        ] {
            assert!(report.contains(part), "{part}: {report}");
        }
        // The same seed gives the same fit (RMSE only to float noise: fsrs-rs sums its
        // bins in hash-map order).
        assert_eq!(done.fit.parameters, dry.fit.parameters);
        assert_eq!(
            done.fit.fitted.map(|f| f.log_loss),
            dry.fit.fitted.map(|f| f.log_loss)
        );
        let (a, b) = (done.fit.fitted.unwrap().rmse, dry.fit.fitted.unwrap().rmse);
        assert!((a - b).abs() < 1e-6);

        // Reopened (the bot's next start): scheduled with the stored set.
        store.seal().unwrap();
        drop(store);
        let store = Store::open(&path, StoreOptions::default()).unwrap();
        assert_eq!(store.srs().parameters().to_vec(), stored.parameters);
        assert!(!store.srs().is_default());
    }

    #[test]
    fn too_little_data_keeps_the_defaults_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        for (learners, each) in [(0, 0), (3, 40), (40, 40)] {
            let store = seeded(&dir.path().join(format!("db{learners}")), learners, each);
            let done = optimize(&store, now(), Options::default()).unwrap();
            assert!(
                matches!(done.fit.verdict, Verdict::TooLittleData { .. }),
                "{learners}"
            );
            assert!(done.stored.is_none());
            assert_eq!(store.fsrs_parameters().unwrap(), None);
            assert!(done.report(false).contains("too little data"));
        }
    }

    #[test]
    fn a_sample_of_learners_when_the_log_is_large() {
        let dir = tempfile::tempdir().unwrap();
        let store = seeded(&dir.path().join("db"), 100, 30);
        let opts = Options {
            dry_run: true,
            sample_answers: 1_500,
            ..Default::default()
        };
        let done = optimize(&store, now(), opts).unwrap();
        assert_eq!(done.all_learners, 100);
        assert_eq!((done.fit.learners, done.fit.reviews), (50, 1_500));
        assert!(
            done.report(true)
                .contains("a random sample of 100 learners")
        );
    }
}
