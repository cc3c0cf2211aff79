//! Which card an answer is for, and what a tap on it means: an answer button, a
//! multiple-choice toggle, the submit button. The answer itself is then recorded by
//! [`Tutor::answer`](super::Tutor::answer).

use chrono::{DateTime, Utc};

use crate::bank::{Kind, OptionSet, Question};
use crate::learn::{Presentation, Response};
use crate::store::{Card, StoreError};

use super::Tutor;

/// The card a typed answer is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// The card replied to, or the latest one (closed only for an answer delivered
    /// again).
    Card(Card),
    /// The latest card is closed, and an older one is still open: reply to it.
    ReplyToOlder,
    /// No card to answer.
    Nothing,
}

/// Why a tap on a card does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a button of this card (stale or forged).
    Invalid,
    Closed,
    AlreadyAnswered,
    /// Submit with nothing chosen.
    ChooseFirst,
}

/// A toggle's result: the options now chosen, and the card's buttons to show them.
#[derive(Debug)]
pub struct Toggled<'b> {
    pub chosen: OptionSet,
    pub question: &'b Question,
    pub presentation: Presentation,
}

impl Tutor {
    /// The open card of message `message` showing `question`, unanswered by `user`.
    pub fn tapped_card(
        &self,
        chat: i64,
        message: i32,
        question: &str,
        user: i64,
    ) -> Result<Result<Card, Refused>, StoreError> {
        Ok(match self.store.card(chat, message)? {
            None => Err(Refused::Invalid),
            Some(c) if c.question != question => Err(Refused::Invalid),
            Some(c) if !c.open => Err(Refused::Closed),
            Some(c) if c.answer_of(user).is_some() => Err(Refused::AlreadyAnswered),
            Some(c) => Ok(c),
        })
    }

    /// The answer button `index` of a single-choice or judge card, with its text as
    /// typed (`对`, `错`, a letter).
    pub fn button_answer(&self, card: &Card, index: u8) -> Option<(Response, String)> {
        let q = self.bank.question(&card.question)?;
        let response = match q.kind {
            Kind::Judge if index < 2 => Response::Judge(index == 0),
            Kind::Single if usize::from(index) < card.order.len() => {
                Response::Choice(OptionSet::single(usize::from(index)))
            }
            _ => return None,
        };
        let text = match response {
            Response::Judge(true) => "对".to_string(),
            Response::Judge(false) => "错".to_string(),
            Response::Choice(s) => s.letters(),
        };
        Some((response, text))
    }

    /// Toggles option `index` of a multiple-choice card for `user` (only such a card
    /// has toggles: a forged one on another kind is refused, or a later submit would
    /// grade it).
    pub fn toggle(
        &self,
        card: &Card,
        user: i64,
        index: u8,
    ) -> Result<Result<Toggled<'_>, Refused>, StoreError> {
        let index = usize::from(index);
        let Some(q) = self.multi(card).filter(|_| index < card.order.len()) else {
            return Ok(Err(Refused::Invalid));
        };
        let Some((card, chosen)) =
            self.store
                .toggle_selection(card.chat, card.message, user, index)?
        else {
            return Ok(Err(Refused::Closed));
        };
        Ok(Ok(Toggled {
            chosen,
            question: q,
            presentation: super::group::presentation(&card, q),
        }))
    }

    /// What submitting a multiple-choice card answers: the options `user` chose.
    pub fn submission(&self, card: &Card, user: i64) -> Result<Response, Refused> {
        if self.multi(card).is_none() {
            return Err(Refused::Invalid);
        }
        match card.selection_of(user) {
            chosen if chosen.is_empty() => Err(Refused::ChooseFirst),
            chosen => Ok(Response::Choice(chosen)),
        }
    }

    fn multi(&self, card: &Card) -> Option<&Question> {
        self.bank
            .question(&card.question)
            .filter(|q| q.kind == Kind::Multi)
    }

    /// The card a typed answer (message `message`, sent at `sent`) is for: the card
    /// it replies to; else the latest card posted before the message, if it is still
    /// open. An older open card is answered only by replying to it (a second "B"
    /// must not slip onto a card further up the chat). If the latest card was
    /// already answered by this learner after the message was sent, the message is
    /// that answer delivered again after a restart: it gets that (closed) card, and
    /// is not counted a second time on another one.
    pub fn typed_card(
        &self,
        chat: i64,
        message: i32,
        reply_to: Option<i32>,
        user: i64,
        sent: DateTime<Utc>,
    ) -> Result<Typed, StoreError> {
        if let Some(r) = reply_to {
            return Ok(self
                .store
                .card(chat, r)?
                .map_or(Typed::Nothing, Typed::Card));
        }
        let Some(last) = self.store.card_before(chat, message, false)? else {
            return Ok(Typed::Nothing);
        };
        if last.open || last.answer_of(user).is_some_and(|a| a.at >= sent) {
            return Ok(Typed::Card(last));
        }
        Ok(match self.store.card_before(chat, message, true)? {
            Some(_) => Typed::ReplyToOlder,
            None => Typed::Nothing,
        })
    }

    /// The question a card shows (for "next", which avoids asking it again at once).
    pub fn card_question(&self, chat: i64, message: i32) -> Result<Option<String>, StoreError> {
        Ok(self.store.card(chat, message)?.map(|c| c.question))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::app::testing::{at, t0};

    const U: i64 = 5;

    fn card(t: &Tutor, message: i32, question: &str) -> Card {
        let q = t.bank.question(question).unwrap();
        let p = Presentation::identity(q.options.len());
        let c = Card::private(U, message, question, p.order().to_vec(), t0());
        t.presented(&c).unwrap();
        c
    }

    #[test]
    fn a_tap_needs_its_own_open_unanswered_card() {
        let t = at(t0());
        card(&t, 10, "e1-q01");
        assert!(t.tapped_card(U, 10, "e1-q01", U).unwrap().is_ok());
        assert_eq!(
            t.tapped_card(U, 10, "e1-q02", U).unwrap().err(),
            Some(Refused::Invalid)
        );
        assert_eq!(
            t.tapped_card(U, 11, "e1-q01", U).unwrap().err(),
            Some(Refused::Invalid)
        );
        t.store.close_card(U, 10).unwrap();
        assert_eq!(
            t.tapped_card(U, 10, "e1-q01", U).unwrap().err(),
            Some(Refused::Closed)
        );
    }

    #[test]
    fn answer_buttons_fit_their_card() {
        let t = at(t0());
        let single = card(&t, 10, "e1-q01");
        let judge = card(&t, 11, "e1-q03");
        let multi = card(&t, 12, "e1-q02");
        let b = |c: &Card, i| t.button_answer(c, i);
        assert_eq!(
            b(&single, 1),
            Some((Response::Choice(OptionSet::single(1)), "B".into()))
        );
        assert_eq!(b(&single, 3), None, "three options");
        assert_eq!(b(&judge, 0), Some((Response::Judge(true), "对".into())));
        assert_eq!(b(&judge, 1), Some((Response::Judge(false), "错".into())));
        assert_eq!(b(&judge, 2), None);
        assert_eq!(b(&multi, 0), None, "a multi card is answered by submit");
    }

    #[test]
    fn toggles_and_submit_only_on_a_multi_card() {
        let t = at(t0());
        let single = card(&t, 10, "e1-q01");
        let multi = card(&t, 12, "e1-q02");
        assert_eq!(
            t.toggle(&single, U, 0).unwrap().err(),
            Some(Refused::Invalid)
        );
        assert_eq!(
            t.toggle(&multi, U, 9).unwrap().err(),
            Some(Refused::Invalid)
        );
        assert_eq!(t.submission(&multi, U), Err(Refused::ChooseFirst));
        let chosen = |i| t.toggle(&multi, U, i).unwrap().unwrap().chosen.letters();
        assert_eq!(chosen(0), "A");
        assert_eq!(chosen(2), "AC");
        assert_eq!(chosen(0), "C");
        let multi = t.store.card(U, 12).unwrap().unwrap();
        assert_eq!(
            t.submission(&multi, U),
            Ok(Response::Choice(OptionSet::single(2)))
        );
        assert_eq!(t.submission(&single, U), Err(Refused::Invalid));
        t.store.close_card(U, 12).unwrap();
        assert_eq!(t.toggle(&multi, U, 1).unwrap().err(), Some(Refused::Closed));
    }

    #[test]
    fn a_typed_answer_goes_only_to_the_latest_card_before_it() {
        let t = at(t0());
        card(&t, 10, "e1-q01");
        card(&t, 20, "e1-q02");
        let sent = t0() + Duration::seconds(5);
        let typed = |message, reply| t.typed_card(U, message, reply, U, sent).unwrap();
        let card = |message, reply| match typed(message, reply) {
            Typed::Card(c) => Some(c.message),
            _ => None,
        };
        assert_eq!(card(15, None), Some(10));
        assert_eq!(card(25, None), Some(20));
        assert_eq!(card(25, Some(10)), Some(10), "a reply");
        assert_eq!(typed(5, None), Typed::Nothing);
        // Once the latest card is closed, an older open one needs a reply.
        t.store.close_card(U, 20).unwrap();
        assert_eq!(typed(25, None), Typed::ReplyToOlder);
        assert_eq!(card(25, Some(10)), Some(10));
        assert_eq!(t.card_question(U, 20).unwrap().as_deref(), Some("e1-q02"));
    }
}
