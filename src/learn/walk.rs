//! `/practice order|random [N]`: walking a chapter or the whole bank, in bank order
//! from where the learner left off, or at random without repeats until every
//! question of the scope was answered once; then the walk starts again.
//!
//! A walk moves on when its card is **answered** (not when it is shown), so a card
//! left unanswered comes again next time. `ids` is always the scope's questions in
//! bank order (chapters in order, questions in file order) as the bank is now: a
//! question that left the bank is simply not among them.

use rand::Rng;
use rand::seq::IndexedRandom;

/// How a practice walk goes through its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In bank order (顺序练习).
    Order,
    /// At random, without repeats until the scope is exhausted (随机练习).
    Random,
}

/// Where a learner is in the walk of one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Walk {
    /// In bank order: the last question answered, and its place in the scope then
    /// (what the walk goes on from if that question left the bank).
    Order {
        /// The question answered last.
        last: String,
        /// Its place in the scope (0 for the first).
        place: usize,
    },
    /// At random: the questions answered in this pass, in the order they were.
    Random {
        /// The question ids, oldest first.
        answered: Vec<String>,
    },
}

impl Walk {
    /// The mode this walk goes in.
    pub fn mode(&self) -> Mode {
        match self {
            Walk::Order { .. } => Mode::Order,
            Walk::Random { .. } => Mode::Random,
        }
    }
}

/// The next question of a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    /// The question id.
    pub id: &'a str,
    /// How many questions of the scope this pass has answered before this one.
    pub done: usize,
    /// Every question of the scope was answered: this one begins the walk again.
    pub restart: bool,
}

/// The order walk's next question: the one after the last answered (if that left
/// the bank, the one now in its place); after the last, the first again.
fn in_order<'a>(ids: &[&'a str], walk: Option<&Walk>) -> Option<Step<'a>> {
    let next = match walk {
        Some(Walk::Order { last, place }) => match ids.iter().position(|id| id == last) {
            Some(i) => i + 1,
            None => *place,
        },
        _ => 0,
    };
    let (id, done, restart) = match ids.get(next) {
        Some(id) => (*id, next, false),
        None => (*ids.first()?, 0, next > 0),
    };
    Some(Step { id, done, restart })
}

/// The next question of a walk of `ids` with `mode`, from `walk` (`None`: not
/// begun). `rng` draws the random walk's question. `None` for an empty scope.
pub fn next_step<'a, R: Rng + ?Sized>(
    ids: &[&'a str],
    mode: Mode,
    walk: Option<&Walk>,
    rng: &mut R,
) -> Option<Step<'a>> {
    match mode {
        Mode::Order => in_order(ids, walk),
        Mode::Random => {
            let answered = match walk {
                Some(Walk::Random { answered }) => answered.as_slice(),
                _ => &[],
            };
            let left: Vec<&str> = ids
                .iter()
                .copied()
                .filter(|id| !answered.iter().any(|a| a == id))
                .collect();
            let done = ids.len() - left.len();
            if let Some(id) = left.choose(rng) {
                return Some(Step {
                    id,
                    done,
                    restart: false,
                });
            }
            // A new pass: not the question answered last, unless it is the only one.
            let last = answered.last().map(String::as_str);
            let others: Vec<&str> = ids.iter().copied().filter(|id| Some(*id) != last).collect();
            let id = others.choose(rng).or(ids.first())?;
            Some(Step {
                id,
                done: 0,
                restart: true,
            })
        }
    }
}

/// The walk after `question` was answered while walking `ids` with `mode`; `None`
/// when that answer is not the walk's (order: not the question it would ask next;
/// random: outside the scope, or already answered in this pass): nothing changes.
pub fn answered(ids: &[&str], mode: Mode, walk: Option<&Walk>, question: &str) -> Option<Walk> {
    match mode {
        Mode::Order => {
            let next = in_order(ids, walk)?;
            (next.id == question).then(|| Walk::Order {
                last: question.to_string(),
                place: next.done,
            })
        }
        Mode::Random => {
            if !ids.contains(&question) {
                return None;
            }
            // Questions that left the bank are dropped as the walk is written.
            let mut kept: Vec<String> = match walk {
                Some(Walk::Random { answered }) => answered
                    .iter()
                    .filter(|a| ids.contains(&a.as_str()))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            if kept.len() >= ids.len() {
                kept.clear(); // exhausted: this answer begins the next pass
            } else if kept.iter().any(|a| a == question) {
                return None;
            }
            kept.push(question.to_string());
            Some(Walk::Random { answered: kept })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn order(last: &str, place: usize) -> Option<Walk> {
        Some(Walk::Order {
            last: last.into(),
            place,
        })
    }

    fn random(answered: &[&str]) -> Option<Walk> {
        Some(Walk::Random {
            answered: answered.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn the_order_walk_goes_on_after_the_last_answered_and_starts_again_at_the_end() {
        let abc: &[&str] = &["a", "b", "c"];
        // (ids, walk) → (next, done, restart)
        type Case<'a> = (&'a [&'a str], Option<Walk>, Option<(&'a str, usize, bool)>);
        let cases: Vec<Case> = vec![
            (&[], None, None),
            (&[], order("a", 0), None),
            (abc, None, Some(("a", 0, false))),
            (abc, order("a", 0), Some(("b", 1, false))),
            (abc, order("b", 1), Some(("c", 2, false))),
            (abc, order("c", 2), Some(("a", 0, true))),
            // The bank was edited: the last one moved, or left it.
            (&["x", "a", "b", "c"], order("a", 0), Some(("b", 2, false))),
            (&["a", "c"], order("b", 1), Some(("c", 1, false))),
            (&["a", "b"], order("c", 2), Some(("a", 0, true))),
            (&["a"], order("zz", 7), Some(("a", 0, true))),
            // A random walk's state does not steer the order walk.
            (abc, random(&["b"]), Some(("a", 0, false))),
        ];
        let mut rng = StdRng::seed_from_u64(0);
        for (ids, walk, want) in cases {
            let got = next_step(ids, Mode::Order, walk.as_ref(), &mut rng);
            let got = got.map(|s| (s.id, s.done, s.restart));
            assert_eq!(got, want, "{ids:?} {walk:?}");
        }
    }

    #[test]
    fn only_the_next_question_moves_the_order_walk_on() {
        let abc: &[&str] = &["a", "b", "c"];
        // (walk, answered) → walk after
        let cases: Vec<(Option<Walk>, &str, Option<Walk>)> = vec![
            (None, "a", order("a", 0)),
            (None, "b", None),
            (order("a", 0), "b", order("b", 1)),
            (order("a", 0), "a", None),
            (order("c", 2), "a", order("a", 0)),
            (order("gone", 1), "b", order("b", 1)),
            (None, "zz", None),
        ];
        for (walk, question, want) in cases {
            let got = answered(abc, Mode::Order, walk.as_ref(), question);
            assert_eq!(got, want, "{walk:?} {question}");
        }
        assert_eq!(answered(&[], Mode::Order, None, "a"), None);
    }

    #[test]
    fn answers_are_noted_in_the_random_walk_once_per_pass() {
        let abc: &[&str] = &["a", "b", "c"];
        // (walk, answered) → walk after
        let cases: Vec<(Option<Walk>, &str, Option<Walk>)> = vec![
            (None, "b", random(&["b"])),
            (random(&["b"]), "a", random(&["b", "a"])),
            (random(&["b"]), "b", None),
            (random(&["b"]), "zz", None),
            // Exhausted: the answer begins the next pass.
            (random(&["b", "a", "c"]), "c", random(&["c"])),
            // Questions that left the bank are dropped.
            (random(&["gone", "b"]), "c", random(&["b", "c"])),
            (random(&["x", "y", "z"]), "a", random(&["a"])),
            (order("a", 0), "a", random(&["a"])),
        ];
        for (walk, question, want) in cases {
            let got = answered(abc, Mode::Random, walk.as_ref(), question);
            assert_eq!(got, want, "{walk:?} {question}");
        }
    }

    #[test]
    fn the_random_walk_serves_every_question_once_before_any_repeats() {
        let ids: &[&str] = &["a", "b", "c", "d", "e", "f", "g"];
        for seed in 0..100 {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut walk: Option<Walk> = None;
            let mut last: Option<&str> = None;
            for pass in 0..3 {
                let mut seen = HashSet::new();
                for n in 0..ids.len() {
                    let Some(step) = next_step(ids, Mode::Random, walk.as_ref(), &mut rng) else {
                        panic!("a scope with questions")
                    };
                    assert_eq!(step.done, n, "seed {seed}");
                    assert_eq!(step.restart, n == 0 && pass > 0, "seed {seed}");
                    if n == 0 {
                        assert_ne!(Some(step.id), last, "a pass never begins with the last");
                    }
                    assert!(seen.insert(step.id), "seed {seed}: {} twice", step.id);
                    walk = answered(ids, Mode::Random, walk.as_ref(), step.id);
                    assert!(walk.is_some());
                    last = Some(step.id);
                }
                assert_eq!(seen.len(), ids.len());
            }
        }
        let mut rng = StdRng::seed_from_u64(1);
        let one = next_step(&["a"], Mode::Random, random(&["a"]).as_ref(), &mut rng);
        assert_eq!(
            one,
            Some(Step {
                id: "a",
                done: 0,
                restart: true
            })
        );
        assert_eq!(next_step(&[], Mode::Random, None, &mut rng), None);
    }
}
