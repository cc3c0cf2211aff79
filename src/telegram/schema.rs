//! The update tree (dptree): private messages, group messages, button taps and
//! membership changes, each behind the flood gate and the outage guard; and the
//! dispatcher's distribution function, which applies the gate at the door.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use teloxide::RequestError;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, UpdateKind, User};
use tg_transport::gate::FloodGate;
use tg_transport::intake::Intake;

use super::{App, Dropped, SendFailure, classify, group, handlers, outage};

/// The handler tree. Inside each kind's branch, so that the allowed updates asked of
/// Telegram stay these three kinds.
pub(super) fn tree() -> UpdateHandler<anyhow::Error> {
    let dropped = || dptree::filter_map(at_handlers).endpoint(handlers::on_dropped);
    let messages = Update::filter_message()
        .branch(dropped())
        .branch(dptree::filter_map(migrated).endpoint(
            |app: Arc<App>, msg: Message, new: ChatId| async move {
                let to = outage::Asker::of_message(&msg);
                let chat = Some(msg.chat.id.0);
                guarded(&app, to, chat, handlers::on_migrated(app.clone(), msg, new)).await
            },
        ))
        .branch(
            dptree::filter_map(sender)
                .branch(dptree::filter(|m: Message| m.chat.is_private()).endpoint(
                    |app: Arc<App>, msg: Message, from: User| async move {
                        let to = outage::Asker::of_message(&msg);
                        let chat = Some(msg.chat.id.0);
                        guarded(&app, to, chat, handlers::on_private(app.clone(), msg, from)).await
                    },
                ))
                .endpoint(|app: Arc<App>, msg: Message, from: User| async move {
                    let to = outage::Asker::of_message(&msg);
                    let chat = Some(msg.chat.id.0);
                    guarded(
                        &app,
                        to,
                        chat,
                        group::on_group_message(app.clone(), msg, from),
                    )
                    .await
                }),
        );
    let taps = Update::filter_callback_query().branch(dropped()).endpoint(
        |app: Arc<App>, q: CallbackQuery| async move {
            let chat = q.message.as_ref().map(|m| m.chat().id.0);
            let to = outage::Asker::of_callback(&q);
            guarded(&app, to, chat, handlers::on_callback(app.clone(), q)).await
        },
    );
    let membership = Update::filter_my_chat_member()
        .branch(dropped())
        .endpoint(group::on_my_chat_member);
    // First for every update: a guard that takes it off the intake's count when its
    // handling ends, whichever branch (or none) handles it.
    dptree::map(|upd: Update| Arc::new(InFlight(upd.id.0)))
        .branch(messages)
        .branch(taps)
        .branch(membership)
}

/// A group that became a supergroup: the id it moved to.
fn migrated(msg: Message) -> Option<ChatId> {
    msg.migrate_to_chat_id().copied()
}

/// Who sent a message the bot handles: a person, or Telegram's stand-in for an
/// anonymous group admin (which posts as the group itself, `sender_chat`). Other
/// bots, channel posts and the like are ignored.
fn sender(msg: Message) -> Option<User> {
    let from = msg.from.clone()?;
    let as_group = msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id);
    (!from.is_bot || as_group).then_some(from)
}

/// Runs a handler unless the disk is failing (then the asker is told so), tells the
/// asker about a failure to save, and deals with a chat found gone meanwhile.
async fn guarded(
    app: &Arc<App>,
    to: outage::Asker,
    chat: Option<i64>,
    handler: impl Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    if !app.tutor.writable() {
        return outage::tell(app, to).await;
    }
    let result = outage::after(app, to, handler.await).await;
    after_handler(app, chat, result)
}

/// An update being handled; dropped with the handler's dependencies when it is done.
struct InFlight(u32);

impl Drop for InFlight {
    fn drop(&mut self) {
        INTAKE.left(self.0);
    }
}

/// The updates in flight: counted at the door, bounded by the listener.
static INTAKE: std::sync::LazyLock<Arc<Intake>> = std::sync::LazyLock::new(Default::default);

pub(super) fn intake() -> Arc<Intake> {
    INTAKE.clone()
}

static GATE: std::sync::LazyLock<Mutex<FloodGate>> = std::sync::LazyLock::new(Default::default);

fn gate() -> std::sync::MutexGuard<'static, FloodGate> {
    GATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the handler tree handles this kind of update (others are only logged).
fn handled(upd: &Update) -> bool {
    matches!(
        upd.kind,
        UpdateKind::Message(_) | UpdateKind::CallbackQuery(_) | UpdateKind::MyChatMember(_)
    )
}

/// The dispatcher's distribution function: an admitted update waits in its chat's
/// queue (updates of one chat are handled in order); a dropped one, or one of a kind
/// the bot ignores, goes to the concurrent default worker, where
/// [`handlers::on_dropped`] (or the default handler) disposes of it at once.
pub(super) fn distribute(upd: &Update) -> Option<i64> {
    if !handled(upd) {
        return None;
    }
    let chat = upd.chat()?.id.0;
    let user = upd.from().map(|u| u.id.0 as i64);
    let admitted = gate().admit(upd.id.0, chat, user, Instant::now());
    if admitted {
        INTAKE.entered(upd.id.0, chat);
    }
    admitted.then_some(chat)
}

/// First thing for every handled update: `Some` if it was dropped at the door.
fn at_handlers(upd: Update) -> Option<Dropped> {
    gate().reached(upd.id.0, upd.chat().map(|c| c.id.0))
}

/// A handler failed because its chat is gone (blocked, deactivated, not found) or
/// became a supergroup: deactivate or move the chat, whichever call failed.
fn after_handler(app: &App, chat: Option<i64>, result: anyhow::Result<()>) -> anyhow::Result<()> {
    if let (Err(e), Some(chat)) = (&result, chat) {
        if let Some(e) = e.downcast_ref::<RequestError>() {
            if matches!(classify(e), SendFailure::Gone | SendFailure::Migrated(_)) {
                app.on_send_error(chat, e);
            }
        }
    }
    result
}
