//! Which question comes next: for a learner (spaced repetition first), and for a
//! group (a shuffle bag, so no question repeats before every one was asked).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};

use crate::bank::{Bank, Question};

use super::srs::Progress;

/// Which questions a learner is studying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole bank.
    All,
    /// One chapter, by number.
    Chapter(u8),
    /// Only due reviews and questions last answered wrong.
    Review,
}

/// A learner's own set of questions to practise: the wrong-answer book, the
/// favourites, or the bank walked in order or at random (`/practice`), of one
/// chapter or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drill {
    /// The wrong-answer book (错题本).
    Mistakes(Option<u8>),
    /// The starred questions (收藏).
    Starred(Option<u8>),
    /// `/practice order|random [N]` (see [`crate::learn::walk`]).
    Practice(crate::learn::Mode, Option<u8>),
}

impl Drill {
    /// The chapter it is limited to, if any.
    pub fn chapter(self) -> Option<u8> {
        match self {
            Drill::Mistakes(c) | Drill::Starred(c) | Drill::Practice(_, c) => c,
        }
    }
}

/// The next question to study (背题) among `ids`, in order: the first never studied,
/// else the one studied longest ago (`last` tells when each was, or its place in the
/// order they were studied); never `exclude` unless it is the only one.
pub fn next_to_study<'a, K: Ord>(
    ids: &[&'a str],
    last: impl Fn(&str) -> Option<K>,
    exclude: Option<&str>,
) -> Option<&'a str> {
    let choose = |skip: Option<&str>| {
        let candidates = ids.iter().copied().filter(|id| Some(*id) != skip);
        candidates.min_by_key(|id| last(id))
    };
    choose(exclude).or_else(|| choose(None))
}

/// The next question of a set (`ids`, in the order to go through them): the first
/// never answered, else the one answered longest ago; never `exclude` (the card just
/// answered) unless it is the only one. `None` for an empty set.
pub fn next_in_set<'a>(
    ids: &[&'a str],
    progress: &HashMap<String, Progress>,
    exclude: Option<&str>,
) -> Option<&'a str> {
    let choose = |skip: Option<&str>| {
        let candidates = ids.iter().copied().filter(|id| Some(*id) != skip);
        candidates.min_by_key(|id| seen(progress, id).map(|p| p.last_seen))
    };
    choose(exclude).or_else(|| choose(None))
}

/// The next question, and why it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    /// A review that is due.
    Due(String),
    /// A question never seen before.
    New(String),
    /// Nothing due or new: the question seen longest ago.
    LeastRecent(String),
    /// (Review scope) a question whose last answer was wrong.
    Wrong(String),
    /// Nothing to ask: the scope is empty, or (Review scope) nothing is due or wrong.
    Done {
        /// The earliest due date among the seen questions of the scope.
        next_due: Option<DateTime<Utc>>,
    },
}

impl Pick {
    /// The chosen question id, unless [`Pick::Done`].
    pub fn question(&self) -> Option<&str> {
        match self {
            Pick::Due(id) | Pick::New(id) | Pick::LeastRecent(id) | Pick::Wrong(id) => Some(id),
            Pick::Done { .. } => None,
        }
    }
}

/// The progress of a question the learner has answered at least once.
fn seen<'p>(progress: &'p HashMap<String, Progress>, id: &str) -> Option<&'p Progress> {
    progress.get(id).filter(|p| p.seen > 0)
}

/// The next question for a learner.
///
/// - `All` / `Chapter(n)`: due reviews, most overdue first; then questions never
///   seen, in bank order; then the question seen longest ago. [`Pick::Done`] only
///   when the scope has no questions.
/// - `Review`: due reviews, most overdue first; then questions last answered wrong,
///   seen longest ago first; else [`Pick::Done`].
///
/// Ties go to bank order. `exclude` (the card just answered) is skipped unless it is
/// the only candidate. Progress for ids not in the bank is ignored.
pub fn next_question(
    bank: &Bank,
    progress: &HashMap<String, Progress>,
    scope: Scope,
    now: DateTime<Utc>,
    exclude: Option<&str>,
) -> Pick {
    let in_scope: Vec<&Question> = match scope {
        Scope::All | Scope::Review => bank.questions().iter().collect(),
        Scope::Chapter(n) => bank.questions_in(n).collect(),
    };
    let choose = |skip: Option<&str>| -> Option<Pick> {
        let candidates = || {
            in_scope
                .iter()
                .filter(move |q| Some(q.id.as_str()) != skip)
                .map(|q| (q.id.as_str(), seen(progress, &q.id)))
        };
        let seen_ones = || candidates().filter_map(|(id, p)| p.map(|p| (id, p)));
        if let Some((id, _)) = seen_ones()
            .filter(|(_, p)| p.memory.is_due(now))
            .min_by_key(|(_, p)| p.memory.due)
        {
            return Some(Pick::Due(id.to_string()));
        }
        if scope == Scope::Review {
            return seen_ones()
                .filter(|(_, p)| !p.last_right)
                .min_by_key(|(_, p)| p.last_seen)
                .map(|(id, _)| Pick::Wrong(id.to_string()));
        }
        if let Some((id, _)) = candidates().find(|(_, p)| p.is_none()) {
            return Some(Pick::New(id.to_string()));
        }
        seen_ones()
            .min_by_key(|(_, p)| p.last_seen)
            .map(|(id, _)| Pick::LeastRecent(id.to_string()))
    };
    choose(exclude)
        .or_else(|| exclude.and_then(|_| choose(None)))
        .unwrap_or_else(|| Pick::Done {
            next_due: in_scope
                .iter()
                .filter_map(|q| seen(progress, &q.id))
                .map(|p| p.memory.due)
                .min(),
        })
}

/// A chat's shuffle bag: the questions not yet asked in this round, in draw order,
/// and the last question drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bag {
    /// Question ids not yet asked in this round, in draw order.
    pub remaining: Vec<String>,
    /// The last question drawn.
    pub last: Option<String>,
}

/// Draws the next group question.
///
/// Without a chapter: the next question of the bag; an empty bag is refilled with
/// the whole bank, shuffled, never starting with the previous bag's last question
/// (unless the bank has only that question). With `Some(n)`: the first remaining
/// question of chapter `n`; when the bag has none, a random question of chapter `n`
/// other than `last` (without refilling). Ids no longer in the bank (and repeats)
/// are dropped from the bag first. Returns `None` when there is nothing to draw
/// (an empty bank, or no chapter `n`). `last` is updated on every draw.
pub fn draw<R: Rng + ?Sized>(
    bag: &mut Bag,
    bank: &Bank,
    chapter: Option<u8>,
    rng: &mut R,
) -> Option<String> {
    let mut kept = HashSet::new();
    bag.remaining
        .retain(|id| bank.question(id).is_some() && kept.insert(id.clone()));
    let id = match chapter {
        None => {
            if bag.remaining.is_empty() {
                refill(bag, bank, rng);
            }
            if bag.remaining.is_empty() {
                return None;
            }
            bag.remaining.remove(0)
        }
        Some(n) => {
            let in_chapter = |id: &String| bank.question(id).is_some_and(|q| q.chapter == n);
            match bag.remaining.iter().position(in_chapter) {
                Some(pos) => bag.remaining.remove(pos),
                None => {
                    let ids: Vec<&str> = bank.questions_in(n).map(|q| q.id.as_str()).collect();
                    let others: Vec<&str> = ids
                        .iter()
                        .copied()
                        .filter(|id| Some(*id) != bag.last.as_deref())
                        .collect();
                    others.choose(rng).or(ids.first())?.to_string()
                }
            }
        }
    };
    bag.last = Some(id.clone());
    Some(id)
}

/// Refills the bag with the whole bank, shuffled, not starting with `bag.last`.
fn refill<R: Rng + ?Sized>(bag: &mut Bag, bank: &Bank, rng: &mut R) {
    let mut ids: Vec<String> = bank.questions().iter().map(|q| q.id.clone()).collect();
    ids.shuffle(rng);
    if ids.len() > 1 && ids.first() == bag.last.as_ref() {
        let j = rng.random_range(1..ids.len());
        ids.swap(0, j);
    }
    bag.remaining = ids;
}

#[cfg(test)]
mod set_tests {
    use super::*;
    use crate::learn::srs::update_progress;

    #[test]
    fn a_set_is_gone_through_never_seen_first_then_oldest() {
        let t = |s: i64| DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap_or_default();
        let mut progress = HashMap::new();
        let tz = chrono_tz::UTC;
        progress.insert(
            "a".to_string(),
            update_progress(None, false, "B", t(10), tz),
        );
        progress.insert("b".to_string(), update_progress(None, false, "B", t(5), tz));
        // (set, exclude) → next
        let cases: &[(&[&str], Option<&str>, Option<&str>)] = &[
            (&[], None, None),
            (&["a"], None, Some("a")),
            (&["a"], Some("a"), Some("a")),
            (&["a", "b"], None, Some("b")),
            (&["a", "b"], Some("b"), Some("a")),
            (&["a", "b", "c"], None, Some("c")),
            (&["a", "b", "c", "d"], Some("c"), Some("d")),
        ];
        for (ids, exclude, want) in cases {
            assert_eq!(
                next_in_set(ids, &progress, *exclude),
                *want,
                "{ids:?} {exclude:?}"
            );
            let studied = |id: &str| progress.get(id).map(|p| p.last_seen);
            assert_eq!(next_to_study(ids, studied, *exclude), *want, "{ids:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::learn::srs::{Memory, Phase};
    use crate::test_bank::{chapters, ids, pair as bank};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    /// Progress due `due_h` hours from now, last seen `seen_h_ago` hours ago.
    fn prog(due_h: i64, seen_h_ago: i64, last_right: bool) -> Progress {
        let last = now() - TimeDelta::hours(seen_h_ago);
        Progress {
            memory: Memory {
                due: now() + TimeDelta::hours(due_h),
                stability: 3.0,
                difficulty: 5.0,
                elapsed_days: 0,
                scheduled_days: 1,
                reps: 1,
                lapses: 0,
                phase: Phase::Review,
                last_review: last,
            },
            seen: 1,
            right: u32::from(last_right),
            last_seen: last,
            last_right,
            last_answer: String::new(),
        }
    }

    fn map(entries: &[(&str, Progress)]) -> HashMap<String, Progress> {
        entries
            .iter()
            .map(|(id, p)| (id.to_string(), p.clone()))
            .collect()
    }

    fn due(id: &str) -> Pick {
        Pick::Due(id.into())
    }
    fn new(id: &str) -> Pick {
        Pick::New(id.into())
    }
    fn least(id: &str) -> Pick {
        Pick::LeastRecent(id.into())
    }
    fn wrong(id: &str) -> Pick {
        Pick::Wrong(id.into())
    }

    /// Every bank question seen, none due, right; c4-q01 seen longest ago.
    fn all_seen() -> Vec<(&'static str, Progress)> {
        vec![
            ("c3-q01", prog(5, 1, true)),
            ("c3-q02", prog(6, 2, true)),
            ("c3-q03", prog(7, 3, true)),
            ("c3-q04", prog(8, 4, true)),
            ("c4-q01", prog(9, 50, true)),
            ("c4-q02", prog(3, 6, true)),
            ("c4-q03", prog(4, 7, true)),
        ]
    }

    fn with(
        mut base: Vec<(&'static str, Progress)>,
        changes: &[(&'static str, Progress)],
    ) -> Vec<(&'static str, Progress)> {
        for (id, p) in changes {
            match base.iter_mut().find(|(b, _)| b == id) {
                Some(slot) => slot.1 = p.clone(),
                None => base.push((id, p.clone())),
            }
        }
        base
    }

    #[test]
    fn next_question_table() {
        use Scope::*;
        let bank = bank();
        let nothing: Vec<(&str, Progress)> = vec![];
        let two_due = vec![
            ("c3-q01", prog(5, 1, true)),
            ("c3-q02", prog(-1, 30, true)),
            ("c4-q01", prog(-2, 30, true)),
        ];
        let cases = vec![
            ("fresh learner", nothing.clone(), All, None, new("c3-q01")),
            (
                "fresh, chapter 4",
                nothing.clone(),
                Chapter(4),
                None,
                new("c4-q01"),
            ),
            (
                "fresh, excluded first",
                nothing.clone(),
                All,
                Some("c3-q01"),
                new("c3-q02"),
            ),
            (
                "fresh, review",
                nothing.clone(),
                Review,
                None,
                Pick::Done { next_due: None },
            ),
            (
                "no such chapter",
                nothing.clone(),
                Chapter(9),
                None,
                Pick::Done { next_due: None },
            ),
            (
                "seen, not due: next new",
                vec![("c3-q01", prog(5, 1, true))],
                All,
                None,
                new("c3-q02"),
            ),
            (
                "most overdue first",
                two_due.clone(),
                All,
                None,
                due("c4-q01"),
            ),
            (
                "due within the chapter",
                two_due.clone(),
                Chapter(3),
                None,
                due("c3-q02"),
            ),
            (
                "due, review scope",
                two_due.clone(),
                Review,
                None,
                due("c4-q01"),
            ),
            (
                "excluded due is skipped",
                two_due.clone(),
                All,
                Some("c4-q01"),
                due("c3-q02"),
            ),
            (
                "due beats new",
                two_due.clone(),
                Chapter(4),
                Some("c4-q01"),
                new("c4-q02"),
            ),
            (
                "due exactly now",
                vec![("c3-q03", prog(0, 1, true))],
                All,
                None,
                due("c3-q03"),
            ),
            (
                "equal due: bank order",
                vec![("c4-q02", prog(-1, 1, true)), ("c3-q04", prog(-1, 1, true))],
                All,
                None,
                due("c3-q04"),
            ),
            (
                "all seen: least recent",
                all_seen(),
                All,
                None,
                least("c4-q01"),
            ),
            (
                "all seen, chapter 3",
                all_seen(),
                Chapter(3),
                None,
                least("c3-q04"),
            ),
            (
                "all seen, least recent excluded",
                all_seen(),
                All,
                Some("c4-q01"),
                least("c4-q03"),
            ),
            (
                "seen == 0 counts as unseen",
                with(
                    all_seen(),
                    &[(
                        "c3-q03",
                        Progress {
                            seen: 0,
                            ..prog(-9, 99, false)
                        },
                    )],
                ),
                All,
                None,
                new("c3-q03"),
            ),
            (
                "progress outside the bank is ignored",
                with(all_seen(), &[("zz-q99", prog(-100, 100, false))]),
                All,
                None,
                least("c4-q01"),
            ),
            (
                "review: wrong, least recent first",
                with(
                    all_seen(),
                    &[("c4-q02", prog(3, 6, false)), ("c3-q03", prog(3, 9, false))],
                ),
                Review,
                None,
                wrong("c3-q03"),
            ),
            (
                "review: wrong, first excluded",
                with(
                    all_seen(),
                    &[("c4-q02", prog(3, 6, false)), ("c3-q03", prog(3, 9, false))],
                ),
                Review,
                Some("c3-q03"),
                wrong("c4-q02"),
            ),
            (
                "review: due beats wrong",
                with(
                    all_seen(),
                    &[("c3-q03", prog(3, 9, false)), ("c4-q03", prog(-1, 1, true))],
                ),
                Review,
                None,
                due("c4-q03"),
            ),
            (
                "review: the only wrong one is excluded, so asked again",
                with(all_seen(), &[("c3-q03", prog(3, 9, false))]),
                Review,
                Some("c3-q03"),
                wrong("c3-q03"),
            ),
            (
                "review: done, with the earliest due",
                all_seen(),
                Review,
                None,
                Pick::Done {
                    next_due: Some(now() + TimeDelta::hours(3)),
                },
            ),
            (
                "review: done; outside ids do not count for next_due",
                with(all_seen(), &[("zz-q99", prog(1, 100, true))]),
                Review,
                None,
                Pick::Done {
                    next_due: Some(now() + TimeDelta::hours(3)),
                },
            ),
        ];
        for (name, entries, scope, exclude, want) in cases {
            let got = next_question(&bank, &map(&entries), scope, now(), exclude);
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn only_candidate_is_asked_even_when_excluded() {
        let one = chapters(&[5]);
        let none = HashMap::new();
        for (progress, want) in [
            (none.clone(), new("c5-q01")),
            (map(&[("c5-q01", prog(5, 1, true))]), least("c5-q01")),
            (map(&[("c5-q01", prog(-5, 1, true))]), due("c5-q01")),
        ] {
            for scope in [Scope::All, Scope::Chapter(5)] {
                let got = next_question(&one, &progress, scope, now(), Some("c5-q01"));
                assert_eq!(got, want, "{scope:?}");
            }
        }
        let empty = chapters(&[6]);
        for scope in [Scope::All, Scope::Chapter(6), Scope::Review] {
            let got = next_question(&empty, &none, scope, now(), Some("c5-q01"));
            assert_eq!(got, Pick::Done { next_due: None });
        }
    }

    #[test]
    fn pick_question() {
        for (pick, want) in [
            (due("a"), Some("a")),
            (new("b"), Some("b")),
            (least("c"), Some("c")),
            (wrong("d"), Some("d")),
            (Pick::Done { next_due: None }, None),
        ] {
            assert_eq!(pick.question(), want);
        }
    }

    #[test]
    fn bag_cycles_through_the_bank_across_refills() {
        let bank = bank();
        let all = {
            let mut v = ids(&bank);
            v.sort();
            v
        };
        for seed in 0..200 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut bag = Bag::default();
            let mut prev_last: Option<String> = None;
            for round in 0..4 {
                let mut drawn = Vec::new();
                for _ in 0..all.len() {
                    match draw(&mut bag, &bank, None, &mut rng) {
                        Some(id) => {
                            assert_eq!(bag.last.as_ref(), Some(&id));
                            drawn.push(id);
                        }
                        None => panic!("non-empty bank"),
                    }
                }
                // The first draw of a new bag is never the previous bag's last.
                if let Some(prev) = &prev_last {
                    assert_ne!(&drawn[0], prev, "seed {seed} round {round}");
                }
                prev_last = drawn.last().cloned();
                assert!(bag.remaining.is_empty());
                drawn.sort();
                assert_eq!(drawn, all, "seed {seed} round {round}: each once");
            }
        }
    }

    #[test]
    fn bag_with_one_question_repeats_it() {
        let one = chapters(&[5]);
        let mut rng = StdRng::seed_from_u64(1);
        let mut bag = Bag::default();
        for _ in 0..3 {
            assert_eq!(
                draw(&mut bag, &one, None, &mut rng).as_deref(),
                Some("c5-q01")
            );
        }
        assert_eq!(
            draw(&mut bag, &one, Some(5), &mut rng).as_deref(),
            Some("c5-q01")
        );
    }

    #[test]
    fn bag_chapter_draws() {
        let bank = bank();
        let mut rng = StdRng::seed_from_u64(3);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (remaining, last, chapter) → (drawn, remaining after)
        let cases = vec![
            // The first remaining question of the chapter.
            (
                vec!["c3-q02", "c4-q03", "c3-q01", "c4-q01"],
                None,
                Some(4),
                Some("c4-q03"),
                vec!["c3-q02", "c3-q01", "c4-q01"],
            ),
            (
                vec!["c3-q02", "c4-q03"],
                None,
                Some(3),
                Some("c3-q02"),
                vec!["c4-q03"],
            ),
            // Stale ids and repeats are dropped.
            (
                vec!["gone", "c4-q01", "c4-q01", "c3-q04"],
                None,
                None,
                Some("c4-q01"),
                vec!["c3-q04"],
            ),
            // No such chapter: nothing, the bag untouched (apart from stale ids).
            (
                vec!["c3-q01", "gone"],
                Some("c3-q01"),
                Some(9),
                None,
                vec!["c3-q01"],
            ),
        ];
        for (remaining, last, chapter, want, after) in cases {
            let mut bag = Bag {
                remaining: strings(&remaining),
                last: last.map(String::from),
            };
            let got = draw(&mut bag, &bank, chapter, &mut rng);
            assert_eq!(got.as_deref(), want, "{remaining:?} {chapter:?}");
            assert_eq!(bag.remaining, strings(&after), "{remaining:?} {chapter:?}");
            let want_last = want.or(last).map(String::from);
            assert_eq!(bag.last, want_last);
        }
    }

    #[test]
    fn bag_without_the_chapter_picks_randomly_without_refill() {
        let bank = bank();
        let mut seen = HashSet::new();
        for seed in 0..100 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut bag = Bag {
                remaining: vec!["c3-q01".into()],
                last: Some("c4-q02".into()),
            };
            let got = draw(&mut bag, &bank, Some(4), &mut rng);
            let Some(id) = got else {
                panic!("chapter 4 has questions");
            };
            assert!(
                id == "c4-q01" || id == "c4-q03",
                "{id}: not last, in chapter 4"
            );
            assert_eq!(bag.remaining, ["c3-q01"], "no refill");
            assert_eq!(bag.last.as_deref(), Some(id.as_str()));
            seen.insert(id);
        }
        assert_eq!(seen.len(), 2, "both other questions come up");
        // An empty bag is not refilled by a chapter draw either.
        let mut rng = StdRng::seed_from_u64(0);
        let mut bag = Bag::default();
        assert!(draw(&mut bag, &bank, Some(3), &mut rng).is_some());
        assert!(bag.remaining.is_empty());
    }

    #[test]
    fn bag_on_an_empty_bank() {
        let empty = chapters(&[6]);
        let mut rng = StdRng::seed_from_u64(0);
        let mut bag = Bag {
            remaining: vec!["c3-q01".into()],
            last: Some("c3-q01".into()),
        };
        assert_eq!(draw(&mut bag, &empty, None, &mut rng), None);
        assert_eq!(draw(&mut bag, &empty, Some(6), &mut rng), None);
        assert!(bag.remaining.is_empty());
        assert_eq!(bag.last.as_deref(), Some("c3-q01"));
    }
}
