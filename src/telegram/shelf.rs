//! Issue 19 in private chats: `/mistakes`, `/starred`, `/search`, the ☆ of a
//! verdict, practising the book or the favourites, search results and their pages;
//! `/practice order|random [N]`.

use std::sync::Arc;

use teloxide::prelude::*;

use super::commands::{ChapterArg, ShelfCommand};
use super::handlers::{HandlerResult, Tap, next_card};
use super::{App, render};
use crate::app::{Next, Searched, Starred};
use crate::bank::search::QueryError;
use crate::lang::Lang;
use crate::learn::{Drill, Mode};
use crate::view::catalogue as cat;
use crate::view::{NextScope, Say, shelf, study};

/// `/mistakes`, `/starred`, `/search …`.
pub async fn command(
    app: &Arc<App>,
    chat: i64,
    user: i64,
    cmd: ShelfCommand,
    lang: Lang,
) -> HandlerResult {
    let bank = &app.tutor.bank;
    let doc = match cmd {
        ShelfCommand::Mistakes => shelf::mistakes(bank, &app.tutor.mistakes(user)?, lang),
        ShelfCommand::Starred => shelf::starred(bank, &app.tutor.starred(user)?, lang),
        ShelfCommand::Search(text) => match app.tutor.search(user, &text)? {
            Searched::Found { query, hash, found } => {
                // The page buttons refer to the stored query.
                app.tutor.durable().await?;
                shelf::search_page(&query, hash, &found, 0, lang).unwrap_or_default()
            }
            Searched::Bad(QueryError::Empty) => {
                crate::view::Doc::plain(Say::SearchUsage.text(lang))
            }
            Searched::Bad(QueryError::TooLong) | Searched::Stale => {
                crate::view::Doc::plain(Say::SearchTooLong.text(lang))
            }
        },
        ShelfCommand::Study(ChapterArg::All) => return study(app, chat, user, None, lang).await,
        ShelfCommand::Study(ChapterArg::Number(n)) if bank.chapter(n).is_some() => {
            return study(app, chat, user, Some(n), lang).await;
        }
        ShelfCommand::Study(_) => crate::view::Doc::plain(crate::view::catalogue::chapter_usage(
            bank.chapters().len(),
            lang,
        )),
    };
    app.send_doc(chat, &doc).await?;
    Ok(())
}

/// Study mode: the next question with its answer, noted (durably) as seen.
async fn study(app: &App, chat: i64, user: i64, chapter: Option<u8>, lang: Lang) -> HandlerResult {
    let doc = match app.tutor.study_next(user, chapter)? {
        Some(q) => {
            app.tutor.durable().await?;
            shelf::study_card(&app.tutor.bank, q, chapter, lang)
        }
        None => crate::view::Doc::plain(Say::NothingToPractise.text(lang)),
    };
    app.send_doc(chat, &doc).await?;
    Ok(())
}

/// 下一题 under a study card.
pub async fn tap_study(tap: &Tap<'_>, chapter: Option<u8>) -> HandlerResult {
    if !tap.private_ack().await {
        return Ok(());
    }
    study(tap.app, tap.chat, tap.user, chapter, tap.lang).await
}

/// The buttons of a learner's verdict: ☆ or ★ as the question is now, and 下一题 of
/// their drill, if they are in one.
pub fn verdict_buttons(
    app: &App,
    user: i64,
    q: &crate::bank::Question,
    lang: Lang,
) -> anyhow::Result<Vec<Vec<crate::view::Button>>> {
    let next = app
        .tutor
        .drill(user)?
        .map_or(NextScope::All, NextScope::Drill);
    let starred = app.tutor.is_starred(user, &q.id)?;
    Ok(study::verdict_buttons(q, next, starred, lang))
}

/// The next card of a scope or a drill.
pub async fn practise(
    app: &Arc<App>,
    chat: i64,
    user: i64,
    scope: NextScope,
    lang: Lang,
    exclude: Option<&str>,
) -> HandlerResult {
    let drill: Drill = match scope.scope() {
        Ok(scope) => return next_card(app, chat, user, scope, lang, exclude).await,
        Err(Drill::Practice(mode, chapter)) => {
            return walk(app, chat, user, mode, chapter, false, lang).await;
        }
        Err(drill) => drill,
    };
    let next = app
        .tutor
        .next_drill_card(user, drill, exclude, &mut rand::rng())?;
    match next {
        Some(Next::Post {
            question,
            presentation,
            ..
        }) => send_card(app, chat, question, presentation, lang).await,
        _ => {
            app.send_doc(chat, &shelf::drill_empty(drill, lang)).await?;
            Ok(())
        }
    }
}

/// `/practice order|random [N]`: the walk's next card, after a line saying where
/// the walk is.
pub async fn practice(
    app: &Arc<App>,
    chat: i64,
    user: i64,
    mode: Option<Mode>,
    arg: ChapterArg,
    lang: Lang,
) -> HandlerResult {
    let bank = &app.tutor.bank;
    let text = match (mode, arg) {
        (None, _) => Say::PracticeUsage.text(lang).to_string(),
        (Some(mode), ChapterArg::All) => {
            return walk(app, chat, user, mode, None, true, lang).await;
        }
        (Some(mode), ChapterArg::Number(n)) if bank.chapter(n).is_some() => {
            return walk(app, chat, user, mode, Some(n), true, lang).await;
        }
        (Some(_), _) => crate::view::catalogue::chapter_usage(bank.chapters().len(), lang),
    };
    app.say(chat, &text).await?;
    Ok(())
}

/// The next card of a walk (its drill from now on), after the line saying where the
/// walk is (`head`) or that it begins again.
async fn walk(
    app: &Arc<App>,
    chat: i64,
    user: i64,
    mode: Mode,
    chapter: Option<u8>,
    head: bool,
    lang: Lang,
) -> HandlerResult {
    let next = app
        .tutor
        .practice_card(user, mode, chapter, &mut rand::rng())?;
    let Some(w) = next else {
        app.say(chat, Say::NothingToPractise.text(lang)).await?;
        return Ok(());
    };
    if w.restart {
        app.say(chat, cat::practice_restart(chapter, lang)).await?;
    } else if head {
        let line = cat::practice_head(mode, chapter, w.done, w.total, lang);
        app.say(chat, &line).await?;
    }
    send_card(app, chat, w.question, w.presentation, lang).await
}

async fn send_card(
    app: &Arc<App>,
    chat: i64,
    q: &crate::bank::Question,
    p: crate::learn::Presentation,
    lang: Lang,
) -> HandlerResult {
    if let Err(e) = app.send_card(chat, q, p, lang, None).await {
        app.on_send_error(chat, &e);
        return Err(e.into());
    }
    Ok(())
}

/// ☆ / ★ under a verdict: stored and durable, then the toast and the new button.
pub async fn tap_star(tap: &Tap<'_>, question: String) -> HandlerResult {
    if tap.group {
        return say(tap, Say::Invalid).await;
    }
    let on = match tap.app.tutor.toggle_star(tap.user, &question)? {
        Starred::Now(on) => on,
        Starred::NoSuchQuestion => return say(tap, Say::Invalid).await,
    };
    tap.app.tutor.durable().await?;
    let toast = if on {
        Say::StarredToast
    } else {
        Say::UnstarredToast
    };
    tap.toast(toast).await;
    let Some(q) = tap.app.tutor.bank.question(&question) else {
        return Ok(());
    };
    let buttons = verdict_buttons(tap.app, tap.user, q, tap.lang)?;
    let edit = (tap.app.bot).edit_message_reply_markup(tap.msg.chat.id, tap.msg.id);
    let _ = super::ignore_not_modified(edit.reply_markup(render::keyboard(&buttons)).await);
    Ok(())
}

/// A search result's "practise" button: that question as a card.
pub async fn tap_open(tap: &Tap<'_>, question: String) -> HandlerResult {
    if tap.group {
        return say(tap, Say::Invalid).await;
    }
    let Some(Next::Post {
        question,
        presentation,
        ..
    }) = tap.app.tutor.open_question(&question, &mut rand::rng())
    else {
        return say(tap, Say::NoSuchQuestion).await;
    };
    tap.private_ack().await;
    send_card(tap.app, tap.chat, question, presentation, tap.lang).await
}

/// ◀ ▶ of search results: the page of the learner's last search, in place.
pub async fn tap_search_page(tap: &Tap<'_>, hash: u32, page: u16) -> HandlerResult {
    let (app, lang) = (tap.app, tap.lang);
    let doc = match app.tutor.search_again(tap.user, hash)? {
        Searched::Found { query, hash, found } if !tap.group => {
            shelf::search_page(&query, hash, &found, usize::from(page), lang)
        }
        Searched::Found { .. } | Searched::Bad(_) => None,
        Searched::Stale => return say(tap, Say::SearchStale).await,
    };
    let Some(doc) = doc else {
        return say(tap, Say::Invalid).await;
    };
    tap.private_ack().await;
    let edit = (app.bot).edit_message_text(tap.msg.chat.id, tap.msg.id, render::html(&doc));
    super::ignore_not_modified(edit.reply_markup(render::keyboard(&doc.buttons)).await)?;
    Ok(())
}

/// Answers the tap with a toast, and nothing else.
async fn say(tap: &Tap<'_>, say: Say) -> HandlerResult {
    tap.toast(say).await;
    Ok(())
}
