//! The wrong-answer book (错题本): which questions a learner still has to get right.
//!
//! A question enters the book with a wrong answer and leaves it after
//! [`LEAVE_AFTER`] right answers in a row; a wrong answer on the way out starts the
//! count again. The book is derived from the answer log (every answer, each once,
//! in time order), so it needs no record of its own and cannot count an answer twice.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// Right answers in a row that take a question out of the book.
pub const LEAVE_AFTER: u32 = 2;

/// A question in the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookEntry {
    /// The question's id.
    pub question: String,
    /// Wrong answers to it, in all.
    pub wrong: u32,
    /// Right answers in a row since its last wrong one (fewer than [`LEAVE_AFTER`]).
    pub right_since: u32,
    /// When it was last answered wrong.
    pub last_wrong: DateTime<Utc>,
}

/// The book from a learner's answers, oldest first: `(question, right, at)`. The
/// entries come in the order their questions were first answered wrong.
pub fn wrong_book<'a>(
    answers: impl IntoIterator<Item = (&'a str, bool, DateTime<Utc>)>,
) -> Vec<BookEntry> {
    let mut order: Vec<&'a str> = Vec::new();
    let mut state: HashMap<&'a str, BookEntry> = HashMap::new();
    for (question, right, at) in answers {
        match (state.get_mut(question), right) {
            (Some(e), false) => {
                e.wrong += 1;
                e.right_since = 0;
                e.last_wrong = at;
            }
            (Some(e), true) => e.right_since += 1,
            (None, false) => {
                order.push(question);
                state.insert(
                    question,
                    BookEntry {
                        question: question.to_string(),
                        wrong: 1,
                        right_since: 0,
                        last_wrong: at,
                    },
                );
            }
            (None, true) => {}
        }
    }
    order
        .into_iter()
        .filter_map(|q| state.remove(q))
        .filter(|e| e.right_since < LEAVE_AFTER)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + s, 0).unwrap_or_default()
    }

    #[test]
    fn a_question_leaves_after_two_right_answers_in_a_row() {
        // (answers as "q:R" / "q:W", oldest first) → (question, wrong, right_since) in the book.
        type Entry<'a> = (&'a str, u32, u32);
        let cases: &[(&str, &[Entry<'_>])] = &[
            ("", &[]),
            ("a:R", &[]),
            ("a:R a:R", &[]),
            ("a:W", &[("a", 1, 0)]),
            ("a:W a:R", &[("a", 1, 1)]),
            ("a:W a:R a:R", &[]),
            ("a:W a:R a:W a:R", &[("a", 2, 1)]),
            ("a:W a:R a:W a:R a:R", &[]),
            ("a:W a:R a:R a:W", &[("a", 2, 0)]),
            ("a:R a:R a:W", &[("a", 1, 0)]),
            ("a:W b:W a:R b:R b:R", &[("a", 1, 1)]),
            ("b:W a:W", &[("b", 1, 0), ("a", 1, 0)]),
            ("a:W a:W a:W", &[("a", 3, 0)]),
        ];
        for (log, want) in cases {
            let answers: Vec<(&str, bool, DateTime<Utc>)> = log
                .split_whitespace()
                .enumerate()
                .map(|(i, a)| {
                    let (q, r) = a.split_once(':').unwrap_or((a, "R"));
                    (q, r == "R", t(i as i64))
                })
                .collect();
            let got: Vec<(String, u32, u32)> = wrong_book(answers)
                .into_iter()
                .map(|e| (e.question, e.wrong, e.right_since))
                .collect();
            let want: Vec<(String, u32, u32)> = want
                .iter()
                .map(|(q, w, r)| (q.to_string(), *w, *r))
                .collect();
            assert_eq!(got, want, "{log:?}");
        }
    }

    #[test]
    fn the_last_wrong_answer_is_remembered() {
        let book = wrong_book([("a", false, t(1)), ("a", true, t(2)), ("a", false, t(3))]);
        assert_eq!(book[0].last_wrong, t(3));
    }
}
