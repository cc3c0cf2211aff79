//! While the store cannot write (disk full, a read-only file, an I/O error), the bot
//! starts no work it could not record: every message and tap gets one short
//! "can't save right now" instead, and the scheduler sends nothing. The watchdog
//! probes the store with backoff and ends the outage when writes work again, or
//! stops the bot when only reopening the database can help (see `store::health`).

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, CallbackQueryId, Message, User};
use tokio::sync::watch;
use tracing::{error, warn};

use crate::lang::Lang;
use crate::store::{Probe, StoreError};

use super::App;

/// The first probe after an outage starts, and the longest wait between probes.
const FIRST_PROBE: Duration = Duration::from_millis(500);
const MAX_PROBE_WAIT: Duration = Duration::from_secs(30);
/// How often the watchdog looks at the store's state while writes work.
const WATCH: Duration = Duration::from_millis(250);
/// Probes in a row that find sled stuck (the disk takes writes, the database does
/// not) before the bot stops for a restart.
const STUCK_PROBES: u32 = 3;

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

/// The watchdog: while writes fail it probes the store with backoff; it returns an
/// error (the bot then stops, for its service manager to restart it) when sled is
/// stuck, and `Ok` when `stop` turns true.
pub(crate) async fn watchdog(
    app: Arc<App>,
    mut stop: watch::Receiver<bool>,
    fatal: watch::Sender<Option<String>>,
) {
    let mut wait = FIRST_PROBE;
    let mut stuck = 0;
    loop {
        let next = if app.tutor.writable() {
            wait = FIRST_PROBE;
            stuck = 0;
            WATCH
        } else {
            wait
        };
        tokio::select! {
            _ = tokio::time::sleep(next) => {}
            _ = stop.changed() => return,
        }
        if app.tutor.writable() {
            continue;
        }
        match app.tutor.probe().await {
            Probe::Healthy => {
                app.tutor.wake.notify_one();
            }
            Probe::Failing(why) => {
                stuck = 0;
                tracing::debug!(error = %why, "database writes still fail");
                wait = (wait * 2).min(MAX_PROBE_WAIT);
            }
            Probe::Stuck(why) => {
                stuck += 1;
                if stuck >= STUCK_PROBES {
                    error!(error = %why, "the disk takes writes again but the database does not");
                    let _ = fatal.send(Some(format!(
                        "database writes failed ({why}) and the database cannot recover in this \
                         process; exiting so that the service manager restarts tutor"
                    )));
                    return;
                }
                warn!(error = %why, "the disk takes writes again; checking the database once more");
                wait = FIRST_PROBE;
            }
        }
    }
}
