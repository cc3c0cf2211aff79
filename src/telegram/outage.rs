//! While the store cannot write (disk full, a read-only file, an I/O error), the bot
//! starts no work it could not record: every message and tap gets one short
//! "can't save right now" instead, and the scheduler sends nothing. The watchdog
//! ([`crate::app::Tutor::watchdog`]) ends the outage when writes work again, or stops
//! the bot when only reopening the database can help.

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, CallbackQueryId, Message, User};

use crate::lang::Lang;
use crate::store::StoreError;

use super::App;

/// Who to tell: the chat of a message, or the tap to answer.
pub(crate) struct Asker {
    chat: Option<ChatId>,
    callback: Option<CallbackQueryId>,
    lang: Lang,
}

impl Asker {
    pub fn of_message(msg: &Message) -> Asker {
        Asker {
            // In a group the bot sees only commands and replies to it: answer those too.
            chat: msg.from.as_ref().map(|_| msg.chat.id),
            callback: None,
            lang: lang_of(msg.from.as_ref()),
        }
    }

    pub fn of_callback(q: &CallbackQuery) -> Asker {
        Asker {
            chat: None,
            callback: Some(q.id.clone()),
            lang: lang_of(Some(&q.from)),
        }
    }
}

fn lang_of(user: Option<&User>) -> Lang {
    Lang::from_code(user.and_then(|u| u.language_code.as_deref()))
}

/// The message of the outage.
pub(crate) fn text(lang: Lang) -> &'static str {
    crate::view::Say::CannotSave.text(lang)
}

/// Tells the sender that nothing can be saved now.
pub(crate) async fn tell(app: &App, to: Asker) -> anyhow::Result<()> {
    let text = text(to.lang);
    if let Some(id) = to.callback {
        super::bounded_toast(app.bot.answer_callback_query(id).text(text)).await;
    } else if let Some(chat) = to.chat {
        app.bot.send_message(chat, text).await?;
    }
    Ok(())
}

/// A handler that failed on a store write has not told its sender anything true:
/// tell them now (the error is still logged by the dispatcher).
pub(crate) async fn after(app: &App, to: Asker, result: anyhow::Result<()>) -> anyhow::Result<()> {
    if let Err(e) = &result
        && (!app.tutor.writable()
            || e.downcast_ref::<StoreError>()
                .is_some_and(StoreError::is_write_failure))
    {
        let _ = tell(app, to).await;
    }
    result
}
