//! Practice: the next card for a learner, its record once shown, and statistics.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::bank::Question;
use crate::learn::{self, Pick, Presentation, Scope, Stats};
use crate::store::{Card, StoreError};

use super::Tutor;

/// What `/quiz` (or the terminal's next card) gets.
#[derive(Debug)]
pub enum Next<'b> {
    /// Show this question, its options in this order; then record it with
    /// [`Tutor::presented`].
    Post {
        question: &'b Question,
        presentation: Presentation,
        /// The question just answered, again: nothing else in the scope to ask.
        again: bool,
    },
    /// Nothing to ask in this scope; the next review falls due then, if ever.
    NothingDue { next_due: Option<DateTime<Utc>> },
}

impl Tutor {
    /// The learner's next question in `scope` (never `exclude`, the question just
    /// answered, unless it is the only one), shuffled with `rng`.
    pub fn next_card(
        &self,
        learner: i64,
        scope: Scope,
        exclude: Option<&str>,
        rng: &mut impl Rng,
    ) -> Result<Next<'_>, StoreError> {
        // An ordinary card ends a drill of the wrong-answer book or the favourites.
        self.set_drill(learner, None)?;
        let progress = self.store.progress(learner)?;
        // Never the question just answered while there is another to ask.
        let last = progress
            .iter()
            .filter(|(_, p)| p.seen > 0)
            .max_by_key(|(_, p)| p.last_seen)
            .map(|(id, _)| id.as_str());
        let exclude = exclude.or(last);
        let pick = learn::next_question(&self.bank, &progress, scope, self.now(), exclude);
        let question = pick.question().and_then(|id| self.bank.question(id));
        Ok(match (question, pick) {
            (Some(question), _) => Next::Post {
                question,
                presentation: Presentation::new(question, rng),
                again: exclude == Some(question.id.as_str()),
            },
            (None, Pick::Done { next_due }) => Next::NothingDue { next_due },
            (None, _) => Next::NothingDue { next_due: None },
        })
    }

    pub fn presented(&self, card: &Card) -> Result<(), StoreError> {
        self.store.put_card(card)
    }

    /// The first message number from `from` on that no card of `chat` uses (the
    /// terminal numbers its own cards); `None` when none is left.
    pub fn free_message(&self, chat: i64, from: i32) -> Result<Option<i32>, StoreError> {
        let mut message = from;
        while self.store.card(chat, message)?.is_some() {
            match message.checked_add(1) {
                Some(m) => message = m,
                None => return Ok(None),
            }
        }
        Ok(Some(message))
    }

    /// Closes a card without an answer (the terminal moved on).
    pub fn abandon(&self, card: &Card) -> Result<(), StoreError> {
        self.store.close_card(card.chat, card.message).map(|_| ())
    }

    /// A learner's statistics, days counted in their zone.
    pub fn stats(&self, learner: i64) -> Result<Stats, StoreError> {
        let tz = self.learner_tz_of(learner)?;
        self.store.stats(&self.bank, learner, self.now(), tz)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::super::testing;
    use super::*;

    #[test]
    fn next_cards_cover_the_scope_then_say_when_the_next_review_is_due() {
        let t = testing::at(testing::t0());
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        match t.next_card(1, Scope::Chapter(2), None, &mut rng).unwrap() {
            Next::Post {
                question,
                presentation,
                ..
            } => {
                assert_eq!(question.chapter, 2);
                assert!(presentation.fits(question));
            }
            other => panic!("{other:?}"),
        }
        // Review with no history: nothing due, and no date to promise.
        assert!(matches!(
            t.next_card(1, Scope::Review, None, &mut rng).unwrap(),
            Next::NothingDue { next_due: None }
        ));
        // The question just answered is not served again while others are new.
        for _ in 0..20 {
            let Next::Post { question, .. } = t
                .next_card(1, Scope::All, Some("e1-q01"), &mut rng)
                .unwrap()
            else {
                panic!("nothing to ask")
            };
            assert_ne!(question.id, "e1-q01");
        }
    }

    #[test]
    fn a_presented_card_is_stored_and_an_abandoned_one_closed() {
        let t = testing::at(testing::t0());
        let card = Card::private(7, 100, "c3-q01", vec![0, 1, 2, 3], t.now());
        t.presented(&card).unwrap();
        assert!(t.store.card(7, 100).unwrap().unwrap().open);
        assert_eq!(t.free_message(7, 99).unwrap(), Some(99));
        assert_eq!(t.free_message(7, 100).unwrap(), Some(101));
        let last = Card::private(7, i32::MAX, "c3-q01", vec![0, 1, 2, 3], t.now());
        t.presented(&last).unwrap();
        assert_eq!(t.free_message(7, i32::MAX).unwrap(), None);
        t.abandon(&card).unwrap();
        assert!(!t.store.card(7, 100).unwrap().unwrap().open);
        assert_eq!(t.stats(7).unwrap().answered, 0);
    }

    #[test]
    fn a_wrong_answer_waits_for_its_step_while_new_questions_come_first() {
        let t = testing::at(testing::t0());
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        testing::answer(&t, 1, 1, "e1-q01", false);
        // /quiz (no card to exclude): not the question whose verdict just showed.
        for _ in 0..10 {
            let Next::Post {
                question, again, ..
            } = t.next_card(1, Scope::All, None, &mut rng).unwrap()
            else {
                panic!("nothing to ask")
            };
            assert_ne!(question.id, "e1-q01");
            assert!(!again);
        }
        // A chapter of one question: it comes again, and says so.
        let mut t = t;
        t.tutor.clock = super::super::Clock::Fixed(testing::t0() + chrono::TimeDelta::minutes(1));
        testing::answer(&t, 1, 2, "e2-q01", true);
        match t.next_card(1, Scope::Chapter(2), None, &mut rng).unwrap() {
            Next::Post {
                question, again, ..
            } => assert!(question.id == "e2-q01" && again),
            other => panic!("{other:?}"),
        }
    }
}
