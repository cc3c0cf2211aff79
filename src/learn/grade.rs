//! Grading: an answer to a question, as shown on a card → a verdict.

use crate::bank::{Key, Kind, OptionSet, Question};

use super::parse::Response;
use super::present::Presentation;

/// How an answer turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exactly right.
    Right,
    /// Wrong: a wrong letter or value, or letters chosen that are not in the key.
    Wrong,
    /// Multi only: a strict, non-empty subset of the key. Counts as wrong.
    Incomplete,
}

/// The verdict on one answer, in the card's SHOWN letters.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The question id.
    pub question: String,
    /// Right, wrong or incomplete.
    pub outcome: Outcome,
    /// The answer given, in shown letters (what the learner saw).
    pub given: Response,
    /// The correct answer, in shown letters.
    pub correct: Response,
    /// Shown letters the learner should also have chosen (choice questions).
    pub missed: OptionSet,
    /// Shown letters chosen that are wrong (choice questions).
    pub extra: OptionSet,
    /// The question's explanation.
    pub explanation: String,
    /// Ids of the sections that explain the question.
    pub sections: Vec<String>,
}

impl Verdict {
    /// Only [`Outcome::Right`] is right; an incomplete answer is wrong.
    pub fn is_right(&self) -> bool {
        self.outcome == Outcome::Right
    }
}

/// Grades `given` (in the shown letters of `p`) against `q`'s key.
///
/// Single and judge questions are right or wrong. A multi answer is right only when
/// the set is exact; a strict non-empty subset is [`Outcome::Incomplete`]; anything
/// else (extras, or nothing chosen) is wrong. For any choice question, `missed` and
/// `extra` name the key letters not chosen and the chosen letters not in the key.
/// A response of the wrong type (对 on a choice question, letters on a judge
/// question) is wrong. A presentation that does not fit the question (stale after a
/// bank edit) is replaced by the bank order.
pub fn grade(q: &Question, p: &Presentation, given: Response) -> Verdict {
    let identity;
    let p = if p.fits(q) {
        p
    } else {
        identity = Presentation::identity(q.options.len());
        &identity
    };
    let (outcome, correct, missed, extra) = match q.key {
        Key::Judge(value) => {
            let outcome = if given == Response::Judge(value) {
                Outcome::Right
            } else {
                Outcome::Wrong
            };
            let none = OptionSet::EMPTY;
            (outcome, Response::Judge(value), none, none)
        }
        Key::Choice(key) => {
            let key = p.to_shown(key);
            let chosen = match given {
                Response::Choice(set) => Some(set),
                Response::Judge(_) => None,
            };
            let outcome = match chosen {
                Some(set) if set == key => Outcome::Right,
                Some(set) if q.kind == Kind::Multi && !set.is_empty() && set.is_subset(key) => {
                    Outcome::Incomplete
                }
                _ => Outcome::Wrong,
            };
            let set = chosen.unwrap_or(OptionSet::EMPTY);
            (
                outcome,
                Response::Choice(key),
                key.difference(set),
                set.difference(key),
            )
        }
    };
    Verdict {
        question: q.id.clone(),
        outcome,
        given,
        correct,
        missed,
        extra,
        explanation: q.explanation.clone(),
        sections: q.sections.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_bank::{bank, q};

    fn set(letters: &str) -> OptionSet {
        let mut s = OptionSet::EMPTY;
        for c in letters.chars() {
            s.insert((c as u8 - b'A') as usize);
        }
        s
    }

    fn letters(s: &str) -> Response {
        Response::Choice(set(s))
    }

    fn order(o: &[u8]) -> Presentation {
        match Presentation::from_order(o.to_vec()) {
            Some(p) => p,
            None => panic!("bad order {o:?}"),
        }
    }

    #[test]
    fn multi_in_bank_order() {
        // c3-q02: five options, key BDE.
        let bank = bank();
        let question = q(&bank, "c3-q02");
        let p = Presentation::identity(5);
        for (given, outcome, missed, extra) in [
            ("BDE", Outcome::Right, "", ""),
            ("BD", Outcome::Incomplete, "E", ""),
            ("E", Outcome::Incomplete, "BD", ""),
            ("ABDE", Outcome::Wrong, "", "A"),
            ("AB", Outcome::Wrong, "DE", "A"),
            ("AC", Outcome::Wrong, "BDE", "AC"),
            ("ABCDE", Outcome::Wrong, "", "AC"),
            ("", Outcome::Wrong, "BDE", ""),
            // Letters beyond the options (never parsed, but possible) are extras.
            ("BDEH", Outcome::Wrong, "", "H"),
        ] {
            let v = grade(question, &p, letters(given));
            assert_eq!(v.outcome, outcome, "{given}");
            assert_eq!(v.missed, set(missed), "{given} missed");
            assert_eq!(v.extra, set(extra), "{given} extra");
            assert_eq!(v.is_right(), outcome == Outcome::Right);
            assert_eq!(v.correct, letters("BDE"));
            assert_eq!(v.given, letters(given));
        }
    }

    #[test]
    fn multi_shuffled_uses_shown_letters() {
        // Shown A..E show bank options E D C B A: the key BDE is shown as ABD.
        let bank = bank();
        let question = q(&bank, "c3-q02");
        let p = order(&[4, 3, 2, 1, 0]);
        for (given, outcome, missed, extra) in [
            ("ABD", Outcome::Right, "", ""),
            ("BDE", Outcome::Wrong, "A", "E"),
            ("AD", Outcome::Incomplete, "B", ""),
            ("ABCD", Outcome::Wrong, "", "C"),
        ] {
            let v = grade(question, &p, letters(given));
            assert_eq!(v.outcome, outcome, "{given}");
            assert_eq!(v.correct, letters("ABD"));
            assert_eq!((v.missed, v.extra), (set(missed), set(extra)), "{given}");
        }
    }

    #[test]
    fn single_questions() {
        // c3-q01: key B; shown order C A D B puts bank B at shown D.
        let bank = bank();
        let question = q(&bank, "c3-q01");
        for (p, given, outcome, correct, missed, extra) in [
            (Presentation::identity(4), "B", Outcome::Right, "B", "", ""),
            (
                Presentation::identity(4),
                "A",
                Outcome::Wrong,
                "B",
                "B",
                "A",
            ),
            // Never Incomplete on a single question, even for a superset.
            (
                Presentation::identity(4),
                "AB",
                Outcome::Wrong,
                "B",
                "",
                "A",
            ),
            (Presentation::identity(4), "", Outcome::Wrong, "B", "B", ""),
            (order(&[2, 0, 3, 1]), "D", Outcome::Right, "D", "", ""),
            (order(&[2, 0, 3, 1]), "B", Outcome::Wrong, "D", "D", "B"),
        ] {
            let v = grade(question, &p, letters(given));
            assert_eq!(v.outcome, outcome, "{given} with {p:?}");
            assert_eq!(v.correct, letters(correct));
            assert_eq!((v.missed, v.extra), (set(missed), set(extra)), "{given}");
        }
    }

    #[test]
    fn judge_questions() {
        let bank = bank();
        let p = Presentation::identity(0);
        for (id, given, outcome) in [
            ("c3-q03", Response::Judge(true), Outcome::Right),
            ("c3-q03", Response::Judge(false), Outcome::Wrong),
            ("c4-q02", Response::Judge(false), Outcome::Right),
            ("c4-q02", Response::Judge(true), Outcome::Wrong),
            // Letters on a judge question: wrong, not a panic.
            ("c3-q03", letters("A"), Outcome::Wrong),
            ("c3-q03", letters(""), Outcome::Wrong),
        ] {
            let v = grade(q(&bank, id), &p, given);
            assert_eq!(v.outcome, outcome, "{id} {given:?}");
            assert_eq!(v.given, given);
            assert_eq!(v.missed, OptionSet::EMPTY);
            assert_eq!(v.extra, OptionSet::EMPTY);
        }
        let v = grade(q(&bank, "c4-q02"), &p, Response::Judge(true));
        assert_eq!(v.correct, Response::Judge(false));
        assert_eq!(v.question, "c4-q02");
        assert_eq!(v.explanation, "错误。");
        assert_eq!(v.sections, ["c4-s01"]);
    }

    #[test]
    fn mismatched_response_and_presentation() {
        let bank = bank();
        let multi = q(&bank, "c3-q02");
        // A judge answer to a choice question: wrong, everything missed.
        let v = grade(multi, &Presentation::identity(5), Response::Judge(true));
        assert_eq!(v.outcome, Outcome::Wrong);
        assert_eq!(v.missed, set("BDE"));
        assert_eq!(v.extra, OptionSet::EMPTY);
        // A stale presentation (wrong length) falls back to the bank order.
        for stale in [
            Presentation::identity(0),
            Presentation::identity(3),
            order(&[1, 0]),
        ] {
            let v = grade(multi, &stale, letters("BDE"));
            assert_eq!(v.outcome, Outcome::Right, "{stale:?}");
        }
        // A choice presentation on a judge question is ignored.
        let v = grade(
            q(&bank, "c3-q03"),
            &Presentation::identity(4),
            Response::Judge(true),
        );
        assert!(v.is_right());
    }
}
