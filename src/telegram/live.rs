//! Live counts on group cards, and each group's message budget.
//!
//! A group card shows how many have answered. One task per card edits it at once,
//! then every [`LIVE_EDIT_EVERY`] while the count changes; the reveal's final edit is
//! ordered after any live edit, so a stale one never brings the buttons back.
//! Telegram allows a group about 20 messages a minute: every send and edit to a group
//! is counted here, and live edits use only what is left.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use teloxide::prelude::*;
use teloxide::types::MessageId;
use tracing::debug;

use crate::app::group::CardLook;
use crate::view;

use super::{App, SendFailure, classify, render};

/// Live-count edits of one card are at most this often (a group allows about 20
/// messages a minute; a card gets at most 12 live edits a minute).
pub const LIVE_EDIT_EVERY: Duration = Duration::from_secs(5);

/// Telegram allows a group about 20 messages a minute. The pace holds sends only,
/// so every send and edit to a group is counted here as well, and the optional ones
/// (live counts) go only while the group's budget has room: a keyed GCRA limiter of
/// `GROUP_PER_MINUTE - LIVE_RESERVE` a minute, so the last few of a minute are kept
/// for a reveal, the next card, a podium, a reply.
const GROUP_PER_MINUTE: u32 = 20;
const LIVE_RESERVE: u32 = 4;
/// Groups tracked before the limiter forgets the ones whose budget is full again.
const TRACKED_GROUPS: usize = 10_000;

/// Live-count edit tasks and each group's message budget.
///
/// One entry per card with a running edit task; its lock orders the task's edits
/// against the reveal's final edit, so a stale live edit can never bring the
/// buttons back after the reveal.
pub(crate) struct LiveEdits {
    cards: Mutex<EditTasks>,
    /// What each group has had from us lately.
    budget: DefaultKeyedRateLimiter<i64>,
}

/// (chat, message) → the lock of the card's running edit task.
type EditTasks = HashMap<(i64, i32), Arc<tokio::sync::Mutex<()>>>;

impl Default for LiveEdits {
    fn default() -> Self {
        let per_minute =
            NonZeroU32::new(GROUP_PER_MINUTE - LIVE_RESERVE).unwrap_or(NonZeroU32::MIN);
        LiveEdits {
            cards: Mutex::default(),
            budget: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }
}

impl LiveEdits {
    pub(super) fn map(&self) -> std::sync::MutexGuard<'_, EditTasks> {
        self.cards.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a send or edit to `chat` against its budget (it goes anyway: the pace
    /// holds it if need be).
    pub(super) fn spend(&self, chat: i64) {
        let _ = self.spend_spare(chat);
    }

    /// Counts a live edit if the group's budget has room; false (nothing counted)
    /// otherwise.
    pub(super) fn spend_spare(&self, chat: i64) -> bool {
        if self.budget.len() > TRACKED_GROUPS {
            self.budget.retain_recent();
        }
        self.budget.check_key(&chat).is_ok()
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
        // Sends still go (the pace holds them); other groups are apart.
        live.spend(g);
        assert!(!live.spend_spare(g));
        assert!(live.spend_spare(other));
    }
}
