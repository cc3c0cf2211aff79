//! Load 1 (answers): learners with open cards in the store, and the updates that
//! answer them — button taps (`1:a:<qid>:<i>` callback queries on the card) and typed
//! replies to the card, half of them right.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use hyper::body::Bytes;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use tutor::bank::{Bank, Key, Kind, letter};
use tutor::learn::Presentation;
use tutor::store::{Card, Chat, ChatKind, Learner, Store};
use tutor::telegram::codec::Action;

use crate::fake::BOT_ID;

/// The first learner id (learner ids are consecutive; a private chat id is the user id).
pub const FIRST_LEARNER: i64 = 1_000_001;

/// Load 1: `learners × cards` answers.
pub struct Plan {
    pub learners: Vec<i64>,
    pub cards: Vec<Card>,
    /// One JSON `Update` per answer, `update_id` = index + 1.
    pub updates: Vec<Bytes>,
    /// (chat, card message) → update index.
    pub card_index: HashMap<(i64, i32), usize>,
    pub is_tap: Vec<bool>,
    pub right: Vec<bool>,
}

impl Plan {
    /// `cards_each` cards for each of `learners`; card message ids start at `msg_base`.
    ///
    /// Update `k` answers card `k / M` of learner `k % M` (M learners), so a batch of
    /// up to M consecutive updates has one update per learner. Right and wrong, taps
    /// and typed replies alternate so that each is half of the load.
    pub fn new(
        bank: &Bank,
        learners: &[i64],
        cards_each: usize,
        msg_base: i32,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Plan> {
        let eligible: Vec<_> = bank
            .questions()
            .iter()
            .filter(|q| matches!(q.kind, Kind::Single | Kind::Judge))
            .collect();
        anyhow::ensure!(
            !eligible.is_empty(),
            "no single or judge questions in the bank"
        );
        let m = learners.len();
        let n = m * cards_each;
        let date = now.timestamp();
        let bot =
            json!({"id": BOT_ID, "is_bot": true, "first_name": "Bench", "username": "bench_bot"});
        let mut plan = Plan {
            learners: learners.to_vec(),
            cards: Vec::with_capacity(n),
            updates: Vec::with_capacity(n),
            card_index: HashMap::with_capacity(n),
            is_tap: Vec::with_capacity(n),
            right: Vec::with_capacity(n),
        };
        for k in 0..n {
            let (i, j) = (k % m, k / m);
            let uid = learners[i];
            let q = eligible[(i * 7 + j * 3) % eligible.len()];
            let p = Presentation::new(q, &mut StdRng::seed_from_u64(k as u64));
            let message = msg_base + i32::try_from(j).context("too many cards")?;
            let right = (i + j) % 2 == 0;
            let tap = (i / 2 + j) % 2 == 0;
            // The shown index to choose (judge: 0 = 对, 1 = 错) and the typed text.
            let (index, text) = match q.key {
                Key::Judge(truth) => {
                    let say = if right { truth } else { !truth };
                    (usize::from(!say), if say { "对" } else { "错" }.to_string())
                }
                Key::Choice(set) => {
                    let shown = p.to_shown(set).iter().next().context("no right option")?;
                    let idx = if right { shown } else { (shown + 1) % p.len() };
                    (idx, letter(idx).to_string())
                }
            };
            plan.cards
                .push(Card::private(uid, message, &q.id, p.order().to_vec(), now));
            let name = format!("L{uid}");
            let chat = json!({"id": uid, "type": "private", "first_name": name});
            let user =
                json!({"id": uid, "is_bot": false, "first_name": name, "language_code": "zh-hans"});
            let card_msg = json!({
                "message_id": message, "date": date, "chat": chat, "from": bot, "text": "card",
            });
            let update = if tap {
                let data = Action::Answer {
                    question: q.id.clone(),
                    index: u8::try_from(index).context("option index")?,
                }
                .encode();
                json!({
                    "update_id": k + 1,
                    "callback_query": {
                        "id": k.to_string(), "from": user, "message": card_msg,
                        "chat_instance": "bench", "data": data,
                    }
                })
            } else {
                json!({
                    "update_id": k + 1,
                    "message": {
                        "message_id": message + 500_000, "date": date, "chat": chat,
                        "from": user, "text": text, "reply_to_message": card_msg,
                    }
                })
            };
            plan.updates.push(Bytes::from(update.to_string()));
            plan.card_index.insert((uid, message), k);
            plan.is_tap.push(tap);
            plan.right.push(right);
        }
        Ok(plan)
    }

    pub fn len(&self) -> usize {
        self.updates.len()
    }

    /// Keeps the first `n` answers (and their cards) only.
    pub fn truncate(&mut self, n: usize) {
        self.cards.truncate(n);
        self.updates.truncate(n);
        self.is_tap.truncate(n);
        self.right.truncate(n);
        self.card_index.retain(|_, k| *k < n);
    }

    pub fn expected_right(&self) -> usize {
        self.right.iter().filter(|r| **r).count()
    }

    /// Writes the cards (open, as if just posted) with `Store::put_card`.
    pub fn put_cards(&self, store: &Store) -> anyhow::Result<()> {
        for c in &self.cards {
            store.put_card(c)?;
        }
        Ok(())
    }
}

/// Learner and private-chat records for `ids`, as the bot creates them on `/start`.
pub fn seed_learners(store: &Store, ids: &[i64], now: DateTime<Utc>) -> anyhow::Result<()> {
    for &id in ids {
        let name = format!("L{id}");
        store.update_learner(id, |_| Learner::new(id, name.clone(), now))?;
        store.update_chat(id, |_| {
            Chat::new(
                id,
                ChatKind::Private,
                name.clone(),
                chrono_tz::Asia::Shanghai,
            )
        })?;
    }
    Ok(())
}
