//! A learner's statistics: totals, per chapter, and answers per day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::bank::Bank;

use super::srs::{Phase, Progress, Srs};
use super::streak::{Streak, local_day, shown_streak};

/// How many days [`Stats::last_30_days`] covers.
pub const HISTORY_DAYS: usize = 30;

/// How many days [`Stats::due_forecast`] covers, today first.
pub const FORECAST_DAYS: usize = 7;

/// A question counts as mastered at this retrievability (once in Review).
pub const MASTERED_RETRIEVABILITY: f64 = 0.9;

/// One graded answer, as logged.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// When the answer was graded.
    pub at: DateTime<Utc>,
    /// The question id.
    pub question: String,
    /// Whether it was right.
    pub right: bool,
}

/// A learner's numbers for one chapter.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterStats {
    /// The chapter number.
    pub number: u8,
    /// The chapter title.
    pub title: String,
    /// Questions in the chapter.
    pub total: usize,
    /// Distinct questions answered at least once.
    pub seen: usize,
    /// Answers given (repeats count).
    pub answered: u32,
    /// Right answers.
    pub right: u32,
    /// Questions mastered now (see [`compute`]).
    pub mastered: usize,
}

/// A learner's statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Answers given to questions of the bank.
    pub answered: u32,
    /// Right answers among them.
    pub right: u32,
    /// The streak shown today (see [`shown_streak`]).
    pub streak: u32,
    /// The longest streak ever.
    pub best_streak: u32,
    /// Questions due for review now.
    pub due_now: usize,
    /// Questions never answered.
    pub unseen: usize,
    /// Questions of the bank in the wrong-answer book (错题本, [`crate::learn::book`]:
    /// in with a wrong answer, out after two right in a row), as `/mistakes` lists them.
    pub wrong: usize,
    /// Per chapter, in chapter order.
    pub chapters: Vec<ChapterStats>,
    /// Answers per local day, oldest first: 30 entries ending today.
    pub last_30_days: Vec<(NaiveDate, u32)>,
    /// Questions falling due on each of the next 7 local days, today first (today's
    /// count includes those already due).
    pub due_forecast: Vec<(NaiveDate, usize)>,
    /// The mean FSRS probability of recall now over the questions answered (`None`
    /// before the first answer).
    pub average_retrievability: Option<f64>,
}

impl Stats {
    /// The share of right answers, 0.0 when nothing was answered.
    pub fn accuracy(&self) -> f64 {
        if self.answered == 0 {
            0.0
        } else {
            f64::from(self.right) / f64::from(self.answered)
        }
    }
}

/// Computes a learner's statistics at `now`, with days in `tz` and recall
/// probabilities on the forgetting curve of `srs`'s parameters.
///
/// Totals count only questions in the bank (progress for removed questions is
/// ignored). A question is *mastered* when it has graduated to review (FSRS phase
/// Review, so neither new, nor being learned, nor relearning after a lapse) and its
/// retrievability now is at least 0.9. `last_30_days` counts every log entry by its
/// local day, including answers to questions since removed from the bank. `wrong`
/// follows the wrong-answer book, so `log` is the learner's whole log, oldest first.
pub fn compute(
    bank: &Bank,
    progress: &HashMap<String, Progress>,
    log: &[LogEntry],
    streak: &Streak,
    now: DateTime<Utc>,
    tz: Tz,
    srs: &Srs,
) -> Stats {
    let today = local_day(now, tz);
    let mut due_forecast: Vec<(NaiveDate, usize)> = (0..FORECAST_DAYS)
        .filter_map(|ahead| today.checked_add_signed(TimeDelta::days(ahead as i64)))
        .map(|day| (day, 0))
        .collect();
    let (mut recall_sum, mut recall_count) = (0.0, 0usize);
    let mut stats = Stats {
        answered: 0,
        right: 0,
        streak: shown_streak(streak, local_day(now, tz)),
        best_streak: streak.best,
        due_now: 0,
        unseen: 0,
        wrong: crate::learn::wrong_book(log.iter().map(|e| (e.question.as_str(), e.right, e.at)))
            .iter()
            .filter(|e| bank.question(&e.question).is_some())
            .count(),
        chapters: Vec::with_capacity(bank.chapters().len()),
        last_30_days: last_days(log, now, tz),
        due_forecast: Vec::new(),
        average_retrievability: None,
    };
    for chapter in bank.chapters() {
        let mut c = ChapterStats {
            number: chapter.number,
            title: chapter.title.clone(),
            total: 0,
            seen: 0,
            answered: 0,
            right: 0,
            mastered: 0,
        };
        for q in bank.questions_in(chapter.number) {
            c.total += 1;
            let Some(p) = progress.get(&q.id).filter(|p| p.seen > 0) else {
                stats.unseen += 1;
                continue;
            };
            c.seen += 1;
            c.answered = c.answered.saturating_add(p.seen);
            c.right = c.right.saturating_add(p.right.min(p.seen));
            if p.memory.is_due(now) {
                stats.due_now += 1;
            }
            let ahead = (local_day(p.memory.due, tz) - today).num_days().max(0);
            if let Some(slot) = usize::try_from(ahead)
                .ok()
                .and_then(|i| due_forecast.get_mut(i))
            {
                slot.1 += 1;
            }
            if p.memory.phase != Phase::New {
                recall_sum += srs.retrievability(&p.memory, now);
                recall_count += 1;
            }
            if is_mastered(srs, p, now) {
                c.mastered += 1;
            }
        }
        stats.answered = stats.answered.saturating_add(c.answered);
        stats.right = stats.right.saturating_add(c.right);
        stats.chapters.push(c);
    }
    stats.due_forecast = due_forecast;
    stats.average_retrievability = (recall_count > 0).then(|| recall_sum / recall_count as f64);
    stats
}

/// Graduated to review, and recalled with probability at least 0.9 now.
fn is_mastered(srs: &Srs, p: &Progress, now: DateTime<Utc>) -> bool {
    p.memory.phase == Phase::Review && srs.retrievability(&p.memory, now) >= MASTERED_RETRIEVABILITY
}

/// Answers per local day for the 30 days ending today, oldest first.
fn last_days(log: &[LogEntry], now: DateTime<Utc>, tz: Tz) -> Vec<(NaiveDate, u32)> {
    let today = local_day(now, tz);
    let mut days: Vec<(NaiveDate, u32)> = (0..HISTORY_DAYS)
        .rev()
        .filter_map(|back| today.checked_sub_signed(TimeDelta::days(back as i64)))
        .map(|day| (day, 0))
        .collect();
    let Some(&(first, _)) = days.first() else {
        return days;
    };
    for entry in log {
        let day = local_day(entry.at, tz);
        if day < first || day > today {
            continue;
        }
        let index = day.signed_duration_since(first).num_days();
        if let Some(slot) = usize::try_from(index).ok().and_then(|i| days.get_mut(i)) {
            slot.1 = slot.1.saturating_add(1);
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;
    use chrono_tz::{Asia, Europe};

    use super::*;
    use crate::learn::srs::{Memory, update_progress};
    use crate::test_bank::pair as bank;

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

    /// Answers `id` at the given times with the given results.
    fn answered(answers: &[(&str, bool)]) -> Progress {
        let mut p: Option<Progress> = None;
        for (at, right) in answers {
            p = Some(update_progress(
                p.as_ref(),
                *right,
                "",
                utc(at),
                chrono_tz::UTC,
            ));
        }
        match p {
            Some(p) => p,
            None => panic!("no answers"),
        }
    }

    fn entry(at: &str, right: bool) -> LogEntry {
        LogEntry {
            at: utc(at),
            question: "c3-q01".into(),
            right,
        }
    }

    #[test]
    fn empty_learner() {
        let bank = bank();
        let now = utc("2026-03-10 12:00");
        let s = compute(
            &bank,
            &HashMap::new(),
            &[],
            &Streak::default(),
            now,
            Asia::Shanghai,
            &Srs::default(),
        );
        assert_eq!((s.answered, s.right, s.streak, s.best_streak), (0, 0, 0, 0));
        assert_eq!((s.due_now, s.unseen), (0, 7));
        assert_eq!(s.accuracy(), 0.0);
        let chapters: Vec<_> = s
            .chapters
            .iter()
            .map(|c| (c.number, c.title.as_str(), c.total, c.seen, c.mastered))
            .collect();
        assert_eq!(chapters, [(3, "第三章", 4, 0, 0), (4, "第四章", 3, 0, 0)]);
        assert_eq!(s.last_30_days.len(), 30);
        assert_eq!(s.last_30_days[0], (d("2026-02-09"), 0));
        assert_eq!(s.last_30_days[29], (d("2026-03-10"), 0));
    }

    #[test]
    fn totals_per_chapter_due_and_mastered() {
        let bank = bank();
        let now = utc("2026-03-10 12:00");
        let mut progress = HashMap::new();
        // Graduated yesterday: in Review, retrievability high → mastered.
        progress.insert(
            "c3-q01".to_string(),
            answered(&[("2026-03-09 08:00", true), ("2026-03-09 08:10", true)]),
        );
        // Wrong just now: Learning → not mastered, not due yet.
        progress.insert(
            "c3-q02".to_string(),
            answered(&[("2026-03-10 12:00", false)]),
        );
        // Right once, 10 minutes ago: Learning, due now, not mastered.
        progress.insert(
            "c4-q01".to_string(),
            answered(&[("2026-03-10 11:50", true)]),
        );
        // Graduated long ago, never reviewed: due and forgotten.
        progress.insert(
            "c4-q02".to_string(),
            answered(&[
                ("2025-01-01 08:00", false),
                ("2025-01-01 08:01", true),
                ("2025-01-01 08:02", false),
            ]),
        );
        // Removed from the bank: ignored everywhere.
        progress.insert(
            "gone".to_string(),
            answered(&[("2026-03-10 08:00", true), ("2026-03-10 08:10", true)]),
        );
        let streak = Streak {
            current: 4,
            best: 9,
            last_day: Some(d("2026-03-09")),
            last_repair: None,
        };
        // The same answers in the log.
        let log: Vec<LogEntry> = [
            ("c3-q01", "2026-03-09 08:00", true),
            ("c3-q01", "2026-03-09 08:10", true),
            ("c3-q02", "2026-03-10 12:00", false),
            ("c4-q01", "2026-03-10 11:50", true),
            ("c4-q02", "2025-01-01 08:00", false),
            ("c4-q02", "2025-01-01 08:01", true),
            ("c4-q02", "2025-01-01 08:02", false),
            ("gone", "2026-03-10 08:00", false),
        ]
        .iter()
        .map(|(q, at, right)| LogEntry {
            at: utc(at),
            question: q.to_string(),
            right: *right,
        })
        .collect();
        let s = compute(
            &bank,
            &progress,
            &log,
            &streak,
            now,
            Tz::UTC,
            &Srs::default(),
        );
        assert_eq!((s.answered, s.right), (7, 4));
        assert!((s.accuracy() - 4.0 / 7.0).abs() < 1e-12);
        assert_eq!((s.streak, s.best_streak), (4, 9));
        assert_eq!((s.due_now, s.unseen), (2, 3));
        // In the wrong-answer book: c3-q02 and c4-q02 (the removed question does not count).
        assert_eq!(s.wrong, 2);
        let chapters: Vec<_> = s
            .chapters
            .iter()
            .map(|c| (c.number, c.total, c.seen, c.answered, c.right, c.mastered))
            .collect();
        assert_eq!(chapters, [(3, 4, 2, 3, 2, 1), (4, 3, 2, 4, 2, 0)]);
        // Much later, the mastered question has faded.
        let later = utc("2026-09-10 12:00");
        let s = compute(
            &bank,
            &progress,
            &[],
            &streak,
            later,
            Tz::UTC,
            &Srs::default(),
        );
        assert_eq!(s.chapters[0].mastered, 0);
        assert_eq!(s.streak, 0);
        assert_eq!(s.best_streak, 9);
    }

    #[test]
    fn the_wrong_figure_follows_the_wrong_answer_book() {
        let bank = bank();
        let now = utc("2026-03-10 12:00");
        // Answers ("question:R|W", oldest first) → questions in the book.
        let cases: &[(&str, usize)] = &[
            ("", 0),
            ("c3-q01:W", 1),
            ("c3-q01:W c3-q01:R", 1),
            ("c3-q01:W c3-q01:R c3-q01:R", 0),
            ("c3-q01:W c3-q01:R c3-q01:W c3-q01:R", 1),
            ("c3-q01:R c3-q01:R", 0),
            ("gone:W", 0),
            ("c3-q01:W c4-q01:W c4-q01:R c4-q01:R", 1),
        ];
        for (answers, want) in cases {
            let log: Vec<LogEntry> = answers
                .split_whitespace()
                .enumerate()
                .map(|(i, a)| LogEntry {
                    at: now - TimeDelta::minutes(100 - i as i64),
                    question: a[..a.len() - 2].to_string(),
                    right: a.ends_with(":R"),
                })
                .collect();
            let s = compute(
                &bank,
                &HashMap::new(),
                &log,
                &Streak::default(),
                now,
                Tz::UTC,
                &Srs::default(),
            );
            assert_eq!(s.wrong, *want, "{answers:?}");
        }
    }

    #[test]
    fn due_forecast_and_average_recall() {
        let bank = bank();
        // 23:00 UTC on 10 March is 07:00 on 11 March in Shanghai.
        let now = utc("2026-03-10 23:00");
        let tz: Tz = chrono_tz::Asia::Shanghai;
        let review = |due: &str, stability: f64, reviewed: &str| Progress {
            memory: Memory {
                due: utc(due),
                stability,
                difficulty: 5.0,
                elapsed_days: 0,
                scheduled_days: 1,
                reps: 2,
                lapses: 0,
                phase: Phase::Review,
                last_review: utc(reviewed),
            },
            seen: 2,
            right: 2,
            last_seen: utc(reviewed),
            last_right: true,
            last_answer: String::new(),
        };
        // (question, due, stability, last reviewed): local day of `due` in Shanghai.
        let cases = [
            ("c3-q01", "2026-03-01 00:00", 3.0, "2026-02-27 00:00"), // overdue: today
            ("c3-q02", "2026-03-11 15:00", 4.0, "2026-03-10 15:00"), // 23:00 today
            ("c3-q03", "2026-03-11 16:30", 9.0, "2026-03-10 16:30"), // 00:30 tomorrow
            ("c4-q01", "2026-03-17 12:00", 20.0, "2026-03-06 12:00"), // day 6
            ("c4-q02", "2026-03-17 16:30", 20.0, "2026-03-06 16:30"), // day 7: beyond
            ("gone", "2026-03-11 00:00", 1.0, "2026-03-10 00:00"),   // not in the bank
        ];
        let srs = Srs::default();
        let progress: HashMap<String, Progress> = cases
            .iter()
            .map(|&(q, due, s, at)| (q.to_string(), review(due, s, at)))
            .collect();
        let s = compute(&bank, &progress, &[], &Streak::default(), now, tz, &srs);
        let counts: Vec<usize> = s.due_forecast.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [2, 1, 0, 0, 0, 0, 1]);
        assert_eq!(s.due_forecast[0].0, d("2026-03-11"));
        assert_eq!(s.due_forecast[6].0, d("2026-03-17"));
        let want: f64 = cases[..5]
            .iter()
            .map(|&(q, ..)| srs.retrievability(&progress[q].memory, now))
            .sum::<f64>()
            / 5.0;
        let got = s.average_retrievability.unwrap();
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert!(got > 0.5 && got < 1.0, "{got}");
        // Nothing answered: no average, an empty forecast.
        let empty = compute(
            &bank,
            &HashMap::new(),
            &[],
            &Streak::default(),
            now,
            tz,
            &srs,
        );
        assert_eq!(empty.average_retrievability, None);
        assert_eq!(empty.due_forecast.len(), FORECAST_DAYS);
        assert!(empty.due_forecast.iter().all(|(_, n)| *n == 0));
    }

    #[test]
    fn mastered_needs_review_phase_and_recall() {
        let now = utc("2026-03-10 12:00");
        let memory = |phase, stability, days_ago| Memory {
            due: now,
            stability,
            difficulty: 5.0,
            elapsed_days: 0,
            scheduled_days: 0,
            reps: 3,
            lapses: 0,
            phase,
            last_review: now - TimeDelta::days(days_ago),
        };
        for (phase, stability, days_ago, want) in [
            (Phase::Review, 10.0, 0, true),
            (Phase::Review, 10.0, 3, true),
            (Phase::Review, 10.0, 20, false),
            (Phase::Learning, 10.0, 0, false),
            (Phase::Relearning, 10.0, 0, false),
            (Phase::New, 10.0, 0, false),
            (Phase::Review, f64::NAN, 0, false),
        ] {
            let p = Progress {
                memory: memory(phase, stability, days_ago),
                seen: 3,
                right: 3,
                last_seen: now,
                last_right: true,
                last_answer: String::new(),
            };
            assert_eq!(
                is_mastered(&Srs::default(), &p, now),
                want,
                "{phase:?} {stability} {days_ago}"
            );
        }
    }

    #[test]
    fn last_30_days_by_local_day() {
        let bank = bank();
        let tz = Europe::Berlin;
        // Today in Berlin is 2026-03-30 (CEST).
        let now = utc("2026-03-30 10:00");
        let log = [
            // 2026-03-29 23:30 UTC is 03-30 01:30 CEST: today.
            entry("2026-03-29 23:30", true),
            // 2026-03-29 21:30 UTC is 23:30 CEST: yesterday.
            entry("2026-03-29 21:30", false),
            // 2026-03-28 23:30 UTC is 03-29 00:30 CET: yesterday.
            entry("2026-03-28 23:30", true),
            entry("2026-03-28 22:30", true), // 23:30 CET on 03-28
            // 29 days ago, local: the oldest day shown.
            entry("2026-03-01 12:00", true),
            // 30 days ago: too old.
            entry("2026-02-28 12:00", true),
            // In the future: ignored.
            entry("2026-04-02 12:00", true),
            entry("2026-03-30 09:59", false),
        ];
        let s = compute(
            &bank,
            &HashMap::new(),
            &log,
            &Streak::default(),
            now,
            tz,
            &Srs::default(),
        );
        assert_eq!(s.last_30_days.len(), 30);
        let nonzero: Vec<(NaiveDate, u32)> = s
            .last_30_days
            .iter()
            .copied()
            .filter(|&(_, n)| n > 0)
            .collect();
        assert_eq!(
            nonzero,
            [
                (d("2026-03-01"), 1),
                (d("2026-03-28"), 1),
                (d("2026-03-29"), 2),
                (d("2026-03-30"), 2),
            ]
        );
        assert_eq!(s.last_30_days[0].0, d("2026-03-01"));
        // Consecutive days, oldest first.
        for pair in s.last_30_days.windows(2) {
            assert_eq!(pair[1].0.signed_duration_since(pair[0].0).num_days(), 1);
        }
    }

    #[test]
    fn accuracy_table() {
        let base = Stats {
            answered: 0,
            right: 0,
            streak: 0,
            best_streak: 0,
            due_now: 0,
            unseen: 0,
            wrong: 0,
            chapters: vec![],
            last_30_days: vec![],
            due_forecast: vec![],
            average_retrievability: None,
        };
        for (answered, right, want) in [(0, 0, 0.0), (4, 1, 0.25), (3, 3, 1.0), (5, 0, 0.0)] {
            let s = Stats {
                answered,
                right,
                ..base.clone()
            };
            assert_eq!(s.accuracy(), want);
        }
    }

    #[test]
    fn odd_counts_and_times_do_not_panic() {
        let bank = bank();
        let mut progress = HashMap::new();
        let mut p = answered(&[("2026-03-10 08:00", true)]);
        p.seen = u32::MAX;
        p.right = u32::MAX;
        progress.insert("c3-q01".to_string(), p.clone());
        progress.insert("c3-q02".to_string(), p);
        let log = [LogEntry {
            at: DateTime::<Utc>::MIN_UTC,
            question: "x".into(),
            right: true,
        }];
        for now in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            utc("2026-03-10 12:00"),
        ] {
            for tz in [Tz::UTC, Asia::Shanghai, chrono_tz::America::New_York] {
                let s = compute(
                    &bank,
                    &progress,
                    &log,
                    &Streak::default(),
                    now,
                    tz,
                    &Srs::default(),
                );
                assert_eq!(s.answered, u32::MAX);
                assert!(s.accuracy() <= 1.0);
            }
        }
    }
}
