//! The use cases of the tutor, for both front ends: account, practice, answer,
//! statistics, schedules, the scheduler's due work and group quizzes.
//!
//! A [`Tutor`] holds the store and the bank, the clock and the default zone. Each use
//! case composes `store` and `learn` and returns a plain outcome type; it knows
//! nothing of Telegram or terminals. The front ends (`telegram`, `console`) call these
//! and render the outcome with `view`.
//!
//! Durability: a use case that writes leaves its writes in sled's memory; the front
//! end makes them durable ([`Tutor::durable`], [`Tutor::durable_blocking`]) before it
//! acknowledges anything. Answers are the exception: [`answer`] records and flushes
//! them itself (in batches for the bot, one by one for the console).
//!
//! `app` may import `bank`, `learn`, `store`, `lang`; never `view`, `telegram` or
//! `console`.

pub mod account;
pub mod answer;
pub mod cards;
pub mod class;
pub mod due;
pub mod exam;
pub mod group;
mod health;
pub mod optimize;
pub mod practice;
pub mod report;
pub mod schedule;
pub mod shelf;
pub mod upload;
pub mod walk;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::bank::Bank;
use crate::store::{Store, StoreError};

pub use account::Person;
pub use answer::{Answer, AnswerWriter, Answered};
pub use practice::Next;
pub use report::{ReportArg, ReportOutcome};
pub use schedule::{DailyArg, DailyOutcome, DailyPlan, ZoneOutcome, ZoneSet, on_off};
pub use shelf::{BookItem, ChapterSet, SearchHit, Searched, Starred};
pub use walk::Walked;

/// The clock of every rule: the system clock, shifted by an offset (a test seam:
/// `--clock-offset`), or a fixed instant (use-case tests).
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System { offset: chrono::Duration },
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match *self {
            Clock::System { offset } => Utc::now()
                .checked_add_signed(offset)
                .unwrap_or_else(Utc::now),
            Clock::Fixed(at) => at,
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::System {
            offset: chrono::Duration::zero(),
        }
    }
}

/// The application: store, bank, clock and the default zone of new chats.
pub struct Tutor {
    pub store: Store,
    pub bank: Arc<Bank>,
    pub default_tz: Tz,
    pub clock: Clock,
    /// Told whenever a use case changes the schedule (the bot's scheduler waits on it).
    pub wake: tokio::sync::Notify,
}

impl Tutor {
    pub fn new(store: Store, bank: Arc<Bank>, default_tz: Tz, clock: Clock) -> Tutor {
        Tutor {
            store,
            bank,
            default_tz,
            clock,
            wake: tokio::sync::Notify::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Makes every write so far durable (the bot, before it acknowledges).
    pub async fn durable(&self) -> Result<(), StoreError> {
        self.store.flush().await
    }

    /// Makes every write so far durable, blocking (the terminal).
    pub fn durable_blocking(&self) -> Result<(), StoreError> {
        self.store.flush_blocking()
    }

    /// False during a disk outage (writes failing), until [`Tutor::probe`] succeeds.
    pub fn writable(&self) -> bool {
        self.store.writable()
    }

    /// Tries a small write and flush: ends an outage when it works, else tells whether
    /// the disk or only this database is at fault.
    pub async fn probe(&self) -> crate::store::Probe {
        self.store.probe().await
    }

    /// Seals the database as it is now, for the next open to check (after
    /// [`Tutor::durable`], on the way out).
    pub fn seal(&self) -> Result<(), StoreError> {
        self.store.seal()
    }

    /// A clean stop: everything durable, and the database sealed for the next open.
    pub fn close_blocking(&self) -> Result<(), StoreError> {
        self.store.flush_blocking()?;
        self.store.seal()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A tutor on a temporary store, at a fixed instant, with the unit-test bank, and
    //! a learner's answer as the use-case tests give it.

    use super::*;
    use crate::store::Card;

    pub struct TestTutor {
        pub tutor: Tutor,
        _dir: tempfile::TempDir,
    }

    impl std::ops::Deref for TestTutor {
        type Target = Tutor;
        fn deref(&self) -> &Tutor {
            &self.tutor
        }
    }

    pub fn at(now: DateTime<Utc>) -> TestTutor {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("db"), crate::store::Options::default())
            .expect("open store");
        let bank = Arc::new(crate::test_bank::bank());
        TestTutor {
            tutor: Tutor::new(store, bank, chrono_tz::Asia::Shanghai, Clock::Fixed(now)),
            _dir: dir,
        }
    }

    impl TestTutor {
        /// A private chat as the bot ensures it on a message (Telegram's type: private).
        pub fn private_chat(&self, id: i64) -> crate::store::Chat {
            let kind = crate::store::ChatKind::Private;
            self.ensure_chat(id, kind, "Ann").expect("ensure a chat")
        }

        /// When the chat's job of `kind` is due, if one is scheduled.
        pub fn scheduled(&self, chat: i64, kind: crate::store::JobKind) -> Option<DateTime<Utc>> {
            self.store.scheduled(chat, kind).expect("read the schedule")
        }
    }

    pub fn t0() -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap()
    }

    /// The right response to `q` shown with its options in bank order, or a wrong
    /// one (a choice question: the first option that is not in the key).
    pub fn response(q: &crate::bank::Question, right: bool) -> crate::learn::Response {
        use crate::bank::{Key, OptionSet};
        use crate::learn::Response;
        match (q.key, right) {
            (Key::Judge(v), r) => Response::Judge(v == r),
            (Key::Choice(set), true) => Response::Choice(set),
            (Key::Choice(set), false) => {
                let wrong = (0..q.options.len()).map(OptionSet::single);
                let wrong = wrong.into_iter().find(|o| set.0 & o.0 == 0);
                Response::Choice(wrong.expect("a choice question with an option not in its key"))
            }
        }
    }

    /// `who` answers `card` (shown already, its options in bank order) right or
    /// wrong; the answer must be graded.
    pub fn answer_card(t: &Tutor, card: &Card, who: Person<'_>, right: bool) -> Answered {
        let q = t
            .bank
            .question(&card.question)
            .expect("the card's question");
        let a = Answer {
            card,
            who,
            response: response(q, right),
            text: "",
        };
        let answered = t.answer_blocking(a).expect("answer");
        assert!(
            matches!(answered, Answered::Graded { .. }),
            "{} on card {}: {answered:?}",
            card.question,
            card.message
        );
        answered
    }

    /// Learner `user` (Ann) answers `question` right or wrong on a new card
    /// `message` in their private chat, shown at the tutor's clock.
    pub fn answer(t: &Tutor, user: i64, message: i32, question: &str, right: bool) -> Answered {
        let q = t
            .bank
            .question(question)
            .expect("a question of the test bank");
        let order = crate::learn::Presentation::identity(q.options.len());
        let card = Card::private(user, message, question, order.order().to_vec(), t.now());
        t.presented(&card).expect("show the card");
        let who = Person {
            id: user,
            name: "Ann",
            lang_code: None,
        };
        answer_card(t, &card, who, right)
    }
}
