//! Live counts on group cards, and each group's message budget.
//!
//! A group card shows how many have answered. One task per card edits it at once,
//! then every [`LIVE_EDIT_EVERY`] while the count changes; the reveal's final edit is
//! ordered after any live edit, so a stale one never brings the buttons back.
//! Telegram allows a group about 20 messages a minute: every send and edit to a group
//! is counted here, and live edits use only what is left.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::MessageId;
use tracing::debug;

use crate::app::group::CardLook;
use crate::view;

use super::{App, SendFailure, classify, render};

/// Live-count edits of one card are at most this often (a group allows about 20
/// messages a minute; a card gets at most 12 live edits a minute).
pub const LIVE_EDIT_EVERY: Duration = Duration::from_secs(5);

/// What a group may get from us in a minute: Telegram allows about 20 messages a
/// minute in a group. The pace holds sends only, so the quiz counts its own sends
/// and edits, and the optional ones (live counts) use only what is left.
const GROUP_PER_MINUTE: usize = 20;
/// Kept free of live edits: room for a reveal, the next card, a podium, a reply.
const LIVE_RESERVE: usize = 4;
const MINUTE: Duration = Duration::from_secs(60);

/// Live-count edit tasks and each group's message budget.
///
/// One entry per card with a running edit task; its lock orders the task's edits
/// against the reveal's final edit, so a stale live edit can never bring the
/// buttons back after the reveal.
#[derive(Default)]
pub(crate) struct LiveEdits {
    cards: Mutex<EditTasks>,
    /// chat → when we sent or edited something there, within the last minute.
    sent: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

/// (chat, message) → the lock of the card's running edit task.
type EditTasks = HashMap<(i64, i32), Arc<tokio::sync::Mutex<()>>>;

impl LiveEdits {
    pub(super) fn map(&self) -> std::sync::MutexGuard<'_, EditTasks> {
        self.cards.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a send or edit to `chat` against its budget.
    pub(super) fn spend(&self, chat: i64) {
        self.take(chat, usize::MAX);
    }

    /// Counts a live edit if fewer than `GROUP_PER_MINUTE - LIVE_RESERVE` messages
    /// went to `chat` in the last minute; false (nothing counted) otherwise.
    pub(super) fn spend_spare(&self, chat: i64) -> bool {
        self.take(chat, GROUP_PER_MINUTE - LIVE_RESERVE)
    }

    fn take(&self, chat: i64, below: usize) -> bool {
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if sent.len() > 10_000 {
            sent.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < MINUTE));
        }
        let q = sent.entry(chat).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
            q.pop_front();
        }
        if q.len() >= below {
            return false;
        }
        q.push_back(now);
        true
    }
}

/// Keeps the card's answer count current: one task per card edits it at once, then
/// every [`LIVE_EDIT_EVERY`] while the count changes, and ends when it stops changing
/// (the next answer starts a new task, never sooner than [`LIVE_EDIT_EVERY`] after
/// the last edit) or the card closes.
pub(super) fn schedule_live_edit(app: &Arc<App>, chat: i64, message: i32) {
    let key = (chat, message);
    let lock = {
        let mut map = app.pending_edits.map();
        if map.contains_key(&key) {
            return; // the running task will see this answer
        }
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(key, lock.clone());
        lock
    };
    let app = app.clone();
    tokio::spawn(async move {
        let mut shown = None;
        loop {
            let guard = lock.lock().await;
            // Read under the map lock: an answer recorded before this read is seen
            // here; one recorded after it finds no task and starts one.
            let (count, look) = {
                let mut map = app.pending_edits.map();
                match app.tutor.live_look(chat, message, shown) {
                    Some(now) => now,
                    None => {
                        if map.get(&key).is_some_and(|l| Arc::ptr_eq(l, &lock)) {
                            map.remove(&key);
                        }
                        return;
                    }
                }
            };
            if !app.pending_edits.spend_spare(chat) {
                // The group's minute is nearly used up: try again next time.
                drop(guard);
                tokio::time::sleep(LIVE_EDIT_EVERY).await;
                continue;
            }
            let mut pause = LIVE_EDIT_EVERY;
            match edit(&app, chat, message, &look).await {
                Ok(()) => shown = Some(count),
                Err(e) => {
                    debug!(chat, error = %e, "live count edit failed");
                    if let SendFailure::Gone | SendFailure::Migrated(_) = classify(&e) {
                        app.on_send_error(chat, &e);
                        app.pending_edits.map().remove(&key);
                        return;
                    }
                    if let teloxide::RequestError::RetryAfter(s) = &e {
                        pause = pause.max(s.duration());
                    }
                }
            }
            drop(guard);
            tokio::time::sleep(pause).await;
        }
    });
}

/// Shows a card as it looks now (with its buttons while open, without once closed).
async fn edit(
    app: &App,
    chat: i64,
    message: i32,
    look: &CardLook<'_>,
) -> Result<(), teloxide::RequestError> {
    let doc = view::group::card(look);
    let mut req = app
        .bot
        .edit_message_text(ChatId(chat), MessageId(message), render::html(&doc));
    if let Some(markup) = render::markup(&doc) {
        req = req.reply_markup(markup);
    }
    super::ignore_not_modified(req.await)
}

/// The card's final look: the count, no buttons. Ordered after any live edit.
pub(super) async fn final_edit(app: &App, chat: i64, message: i32, look: &CardLook<'_>) {
    let lock = app.pending_edits.map().get(&(chat, message)).cloned();
    let _guard = match &lock {
        Some(l) => Some(l.lock().await),
        None => None,
    };
    app.pending_edits.spend(chat);
    if let Err(e) = edit(app, chat, message, look).await {
        debug!(chat, error = %e, "closing the card failed");
        // At least take the buttons away.
        let _ = super::ignore_not_modified(
            app.bot
                .edit_message_reply_markup(ChatId(chat), MessageId(message))
                .await,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_edits_use_only_the_spare_budget() {
        let live = LiveEdits::default();
        let (g, other) = (-1, -2);
        for _ in 0..GROUP_PER_MINUTE - LIVE_RESERVE - 1 {
            live.spend(g);
        }
        assert!(live.spend_spare(g), "one spare slot left");
        assert!(!live.spend_spare(g), "the reserve is for sends");
        // Sends are always counted (the pace holds them), and other groups are apart.
        live.spend(g);
        assert_eq!(
            live.sent.lock().unwrap()[&g].len(),
            GROUP_PER_MINUTE - LIVE_RESERVE + 1
        );
        assert!(live.spend_spare(other));
    }
}
