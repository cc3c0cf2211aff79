//! Bounded intake: the updates the bot has taken from Telegram and not yet finished
//! are counted, and the `getUpdates` listener asks for no more than there is room
//! for. Past the bound the rest wait at Telegram, which keeps them for a day, instead
//! of in a queue inside the bot: a busy bot's latency is then its own work, not the
//! length of an in-process queue.
//!
//! A chat counts for at most [`PER_CHAT`] of its own updates in flight. A chat whose
//! handlers are slow (a learner past the pace of one message a second, a group
//! waiting for its 20 a minute) has its own bounded backlog in the flood gate; here it
//! must not fill the door for everyone else.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::Notify;

/// Updates in flight, at most (counted as described in the module's docs).
pub const INTAKE: usize = 128;
/// Of one chat's updates in flight, this many count against [`INTAKE`].
pub const PER_CHAT: usize = 8;

/// The count of updates in flight, shared by the dispatcher's door and the listener.
pub struct Intake {
    max: usize,
    per_chat: usize,
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Default)]
struct State {
    /// Per update in flight: its chat.
    updates: HashMap<u32, i64>,
    /// Per chat: its updates in flight.
    chats: HashMap<i64, usize>,
    /// Σ over chats of min(in flight, per_chat).
    load: usize,
    /// The highest `load` seen.
    peak: usize,
}

impl Default for Intake {
    fn default() -> Intake {
        Intake::new(INTAKE, PER_CHAT)
    }
}

impl Intake {
    pub fn new(max: usize, per_chat: usize) -> Intake {
        Intake {
            max: max.max(1),
            per_chat: per_chat.max(1),
            state: Mutex::default(),
            freed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An update of `chat` was admitted on its way to its handler. (An update
    /// entered twice counts once.)
    pub fn entered(&self, update: u32, chat: i64) {
        let per_chat = self.per_chat;
        let mut s = self.state();
        if s.updates.insert(update, chat).is_some() {
            return;
        }
        let n = s.chats.entry(chat).or_default();
        *n += 1;
        if *n <= per_chat {
            s.load += 1;
            s.peak = s.peak.max(s.load);
        }
    }

    /// The update's handler is done. Nothing happens for one never entered.
    pub fn left(&self, update: u32) {
        let per_chat = self.per_chat;
        let mut s = self.state();
        let Some(chat) = s.updates.remove(&update) else {
            return;
        };
        let Some(n) = s.chats.get_mut(&chat) else {
            return;
        };
        let counted = *n <= per_chat;
        *n -= 1;
        if *n == 0 {
            s.chats.remove(&chat);
        }
        if counted {
            s.load -= 1;
            drop(s);
            self.freed.notify_waiters();
        }
    }

    /// Updates in flight, as counted against the bound.
    pub fn load(&self) -> usize {
        self.state().load
    }

    /// The highest load seen since the start.
    pub fn peak(&self) -> usize {
        self.state().peak
    }

    /// How many more updates may be taken now: 0 when full.
    pub fn room(&self) -> usize {
        self.max.saturating_sub(self.load())
    }

    /// Waits until there is room, and returns how much.
    pub async fn wait_for_room(&self) -> usize {
        loop {
            let freed = self.freed.notified();
            let room = self.room();
            if room > 0 {
                return room;
            }
            freed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_load_counts_each_chat_up_to_its_share_and_frees_as_handlers_finish() {
        let i = Intake::new(10, 3);
        // (update, chat, entered or left, load after)
        let steps: &[(u32, i64, bool, usize)] = &[
            (1, 7, true, 1),
            (2, 7, true, 2),
            (3, 7, true, 3),
            (4, 7, true, 3), // chat 7 past its share: not counted
            (5, -9, true, 4),
            (5, -9, true, 4), // entered twice: once
            (4, 7, false, 4), // one leaves: 7 is still at its share
            (1, 7, false, 3),
            (99, 7, false, 3), // never entered
            (5, -9, false, 2),
            (5, -9, false, 2), // left twice: once
        ];
        for &(update, chat, enter, load) in steps {
            match enter {
                true => i.entered(update, chat),
                false => i.left(update),
            }
            assert_eq!(i.load(), load, "after update {update} {enter}");
        }
        assert_eq!((i.peak(), i.room()), (4, 8));
    }

    #[tokio::test]
    async fn the_listener_waits_while_full_and_resumes_when_a_handler_finishes() {
        let i = Arc::new(Intake::new(2, 8));
        i.entered(1, 1);
        i.entered(2, 2);
        assert_eq!(i.room(), 0);
        let waiter = tokio::spawn({
            let i = i.clone();
            async move { i.wait_for_room().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "no room: the listener waits");
        i.left(2);
        let room = tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("woken when a handler finished")
            .unwrap();
        assert_eq!(room, 1);
    }
}
