//! `/practice order|random [N]` (issue 19): a chapter or the whole bank, in bank
//! order from where the learner left off, or at random without repeats until every
//! question was answered once. The walks live in the learner's shelf, one per mode
//! and chapter; the rules are `learn::walk`'s. A walk moves on when its card is
//! answered ([`Tutor::walk_answered`], after the answer is durable); practising a
//! walk is a drill, so a verdict's 下一题 goes on with it.

use rand::Rng;

use crate::bank::Question;
use crate::learn::{self, Drill, Mode, Presentation};
use crate::store::StoreError;

use super::Tutor;

/// The next card of a walk.
#[derive(Debug)]
pub struct Walked<'b> {
    pub question: &'b Question,
    pub presentation: Presentation,
    /// Questions of the scope answered in this pass before this one.
    pub done: usize,
    /// Questions in the scope.
    pub total: usize,
    /// Every question of the scope was answered: this card begins the walk again.
    pub restart: bool,
}

impl Tutor {
    /// The questions of chapter `chapter` (or every chapter) in bank order.
    pub(crate) fn scope_questions(&self, chapter: Option<u8>) -> Vec<&Question> {
        let questions = self.bank.questions().iter();
        questions
            .filter(|q| chapter.is_none_or(|c| q.chapter == c))
            .collect()
    }

    /// The next card of the learner's walk of `chapter` (or the whole bank) in
    /// `mode`, which becomes their drill (stored, not yet durable). `None`: the scope
    /// has no questions.
    pub fn practice_card(
        &self,
        learner: i64,
        mode: Mode,
        chapter: Option<u8>,
        rng: &mut impl Rng,
    ) -> Result<Option<Walked<'_>>, StoreError> {
        let questions = self.scope_questions(chapter);
        let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        let shelf = self.store.shelf(learner)?;
        let Some(step) = learn::walk::next_step(&ids, mode, shelf.walk(mode, chapter), rng) else {
            self.set_drill(learner, None)?;
            return Ok(None);
        };
        self.set_drill(learner, Some(Drill::Practice(mode, chapter)))?;
        let question = questions
            .into_iter()
            .find(|q| q.id == step.id)
            .ok_or_else(|| StoreError::Corrupt("a walk lost its question".into()))?;
        Ok(Some(Walked {
            question,
            presentation: Presentation::new(question, rng),
            done: step.done,
            total: ids.len(),
            restart: step.restart,
        }))
    }

    /// Notes a private answer to `question` in the learner's walk, if they are in one
    /// and it is the walk's (stored, durable with the next flush: a crash before it
    /// asks that question again).
    pub fn walk_answered(&self, learner: i64, question: &str) -> Result<(), StoreError> {
        let Some(Drill::Practice(mode, chapter)) = self.drill(learner)? else {
            return Ok(());
        };
        let questions = self.scope_questions(chapter);
        let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        self.store.update_shelf(learner, |s| {
            let walk = learn::walk::answered(&ids, mode, s.walk(mode, chapter), question);
            match walk {
                Some(w) if s.drill == Some(Drill::Practice(mode, chapter)) => {
                    s.set_walk(chapter, w);
                    (true, ())
                }
                _ => (false, ()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::super::Next;
    use super::super::testing::{answer, at, t0};
    use super::*;
    use crate::learn::Scope;

    const U: i64 = 9;

    /// The next card of a walk: (question, done, total, restart).
    fn next(t: &Tutor, mode: Mode, chapter: Option<u8>) -> Option<(String, usize, usize, bool)> {
        let mut rng = StdRng::seed_from_u64(7);
        let w = t.practice_card(U, mode, chapter, &mut rng).unwrap()?;
        Some((w.question.id.clone(), w.done, w.total, w.restart))
    }

    #[test]
    fn the_order_walk_resumes_after_the_last_answer_and_starts_again() {
        let t = at(t0());
        let ids: Vec<String> = t.bank.questions_in(1).map(|q| q.id.clone()).collect();
        assert_eq!(ids.len(), 3);
        let first = next(&t, Mode::Order, Some(1)).unwrap();
        assert_eq!(first, (ids[0].clone(), 0, 3, false));
        // Shown but not answered: the same again.
        assert_eq!(next(&t, Mode::Order, Some(1)).unwrap().0, ids[0]);
        assert_eq!(
            t.drill(U).unwrap(),
            Some(Drill::Practice(Mode::Order, Some(1)))
        );
        answer(&t, U, 1, &ids[0], true);
        assert_eq!(
            next(&t, Mode::Order, Some(1)).unwrap(),
            (ids[1].clone(), 1, 3, false)
        );
        // Another scope's walk is its own, and leaves chapter 1's where it was.
        assert_eq!(next(&t, Mode::Order, None).unwrap().0, ids[0]);
        answer(&t, U, 2, &ids[0], true);
        assert_eq!(next(&t, Mode::Order, None).unwrap().0, ids[1]);
        assert_eq!(next(&t, Mode::Order, Some(1)).unwrap().0, ids[1]);
        // An answer to another question does not move the walk.
        answer(&t, U, 3, &ids[2], true);
        assert_eq!(next(&t, Mode::Order, Some(1)).unwrap().0, ids[1]);
        answer(&t, U, 4, &ids[1], true);
        assert_eq!(next(&t, Mode::Order, Some(1)).unwrap().0, ids[2]);
        answer(&t, U, 5, &ids[2], true);
        assert_eq!(
            next(&t, Mode::Order, Some(1)).unwrap(),
            (ids[0].clone(), 0, 3, true)
        );
        // Exported, and forgotten.
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        assert_eq!(
            export["practising"],
            serde_json::json!({ "set": "in_order", "chapter": 1 })
        );
        let walks = export["practice_walks"].as_array().unwrap();
        assert!(walks.contains(&serde_json::json!({
            "mode": "order", "chapter": 1, "last": ids[2], "place": 2
        })));
        assert!(walks.contains(&serde_json::json!({
            "mode": "order", "chapter": null, "last": ids[0], "place": 0
        })));
        t.forget(U).unwrap();
        assert!(t.store.shelf(U).unwrap().walks.is_empty());
        assert_eq!(next(&t, Mode::Order, Some(1)).unwrap().0, ids[0]);
    }

    #[test]
    fn the_random_walk_serves_every_question_once_before_repeating() {
        let t = at(t0());
        let all = t.bank.questions().len();
        let mut message = 0;
        let mut last = None;
        for pass in 0..2 {
            let mut seen = HashSet::new();
            for n in 0..all {
                let (id, done, total, restart) = next(&t, Mode::Random, None).unwrap();
                assert_eq!((done, total, restart), (n, all, pass > 0 && n == 0));
                assert!(seen.insert(id.clone()), "{id} twice in pass {pass}");
                if n == 0 {
                    assert_ne!(Some(&id), last.as_ref());
                }
                message += 1;
                answer(&t, U, message, &id, true);
                last = Some(id);
            }
        }
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        let walk = &export["practice_walks"][0];
        assert_eq!(walk["mode"], "random");
        assert_eq!(walk["answered"].as_array().map(Vec::len), Some(all));
    }

    #[test]
    fn a_walk_of_a_chapter_stays_in_it_and_an_empty_scope_has_none() {
        let t = at(t0());
        for _ in 0..5 {
            let (id, _, total, _) = next(&t, Mode::Random, Some(3)).unwrap();
            assert_eq!(t.bank.question(&id).unwrap().chapter, 3);
            assert_eq!(total, 4);
        }
        assert_eq!(
            next(&t, Mode::Order, Some(6)),
            None,
            "a chapter without questions"
        );
        assert_eq!(next(&t, Mode::Random, Some(99)), None);
        assert_eq!(t.drill(U).unwrap(), None);
    }

    #[test]
    fn a_walk_goes_on_from_a_question_that_left_the_bank() {
        let mut t = at(t0());
        let e1: Vec<String> = t.bank.questions_in(1).map(|q| q.id.clone()).collect();
        for (i, id) in e1.iter().enumerate() {
            assert_eq!(next(&t, Mode::Order, None).unwrap().0, *id);
            answer(&t, U, i as i32 + 1, id, true);
        }
        let mut random = StdRng::seed_from_u64(3);
        let r = t
            .practice_card(U, Mode::Random, None, &mut random)
            .unwrap()
            .unwrap();
        let gone = r.question.id.clone();
        answer(&t, U, 10, &gone, true);
        // The bank is edited: chapter 1 left it.
        t.tutor.bank = Arc::new(crate::test_bank::chapters(&[2, 3, 4, 5]));
        let (id, done, total, restart) = next(&t, Mode::Order, None).unwrap();
        let second: Vec<&str> = t.bank.questions().iter().map(|q| q.id.as_str()).collect();
        // The last one answered was third: the one now in third place comes.
        assert_eq!(
            (id.as_str(), done, total, restart),
            (second[2], 2, second.len(), false)
        );
        answer(&t, U, 11, &id, true);
        assert_eq!(next(&t, Mode::Order, None).unwrap().0, second[3]);
        let (_, done, _, _) = next(&t, Mode::Random, None).unwrap();
        assert_eq!(done, usize::from(t.bank.question(&gone).is_some()));
        // An ordinary card leaves the walk; its place is kept.
        t.next_card(U, Scope::All, None, &mut random).unwrap();
        assert_eq!(t.drill(U).unwrap(), None);
        let Some(Next::Post { question, .. }) = t
            .next_drill_card(U, Drill::Practice(Mode::Order, None), None, &mut random)
            .unwrap()
        else {
            panic!("a walk of the whole bank")
        };
        assert_eq!(question.id, second[3]);
    }
}
