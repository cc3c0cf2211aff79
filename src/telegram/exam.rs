//! `/exam` in a private chat: one sheet message, edited in place on every tap (each
//! edit answers the learner's own tap, and goes through the paced bot like every
//! send), and the result sent as its own message(s). The countdown on the sheet is
//! refreshed on every tap and by the exam job (`JobKind::Exam`) at most once a
//! minute; the same job hands the paper in at the deadline and sends the result,
//! also when the learner is away or the bot restarted.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, MessageId};

use crate::app::exam::{ExamDue, ExamOp, ExamOutcome, HISTORY_RESULTS};
use crate::lang::Lang;
use crate::view::catalogue as cat;
use crate::view::{Doc, Front, SheetOp, exam as view};

use super::{App, render};

type HandlerResult = anyhow::Result<()>;

/// `/exam` (start or resume) and `/exam history`.
pub async fn command(app: &Arc<App>, user: i64, args: &str, lang: Lang) -> HandlerResult {
    match args.trim().to_ascii_lowercase().as_str() {
        "" => {
            let outcome = app.tutor.exam_start(user, &mut rand::rng())?;
            app.tutor.durable().await?;
            show(app, user, outcome, lang, None).await
        }
        "history" | "记录" => {
            let results = app.tutor.exam_history(user, HISTORY_RESULTS)?;
            let tz = app.tutor.learner_tz_of(user)?;
            app.send_doc(user, &view::history(&results, tz, lang))
                .await?;
            Ok(())
        }
        _ => app.say(user, cat::exam_usage(lang)).await,
    }
}

/// A tap on a sheet (the tapper's own private chat: the adapter checked).
pub async fn tap(
    app: &Arc<App>,
    q: &CallbackQuery,
    at: MessageId,
    user: i64,
    (exam, op): (u32, SheetOp),
    lang: Lang,
) -> HandlerResult {
    let op = match op {
        SheetOp::Go(i) => ExamOp::Go(i),
        SheetOp::Pick(i, o) => ExamOp::Pick(i, o),
        SheetOp::Submit => ExamOp::Submit,
        SheetOp::Confirm => ExamOp::ConfirmSubmit,
    };
    let outcome = app.tutor.exam_op(user, exam, op)?;
    app.tutor.durable().await?;
    let toast = match &outcome {
        ExamOutcome::AlreadySubmitted => Some(cat::exam_already_submitted(lang)),
        ExamOutcome::NoExam => Some(cat::exam_no_such(lang)),
        _ => None,
    };
    let answer = app.bot.answer_callback_query(q.id.clone());
    super::bounded_toast(match toast {
        Some(text) => answer.text(text),
        None => answer,
    })
    .await;
    show(app, user, outcome, lang, Some(at)).await
}

/// The scheduler's exam job: once a minute the sheet's countdown (one edit), and at
/// the deadline the paper handed in and the result sent.
pub async fn on_deadline(app: &Arc<App>, user: i64) {
    let due = match app.tutor.exam_due(user) {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(user, error = %e, "the exam job failed");
            return;
        }
    };
    if app.tutor.durable().await.is_err() {
        return;
    }
    let learner = app.tutor.store.learner(user).ok().flatten();
    let chat = app.tutor.store.chat(user).ok().flatten();
    let lang = app.tutor.unprompted_lang(learner.as_ref(), chat.as_ref());
    let sent = match due {
        ExamDue::Submitted(report) => {
            let doc = view::result(&app.tutor.bank, &report, lang);
            finish(app, user, &doc, lang, None).await
        }
        ExamDue::Countdown { sheet, message } => {
            let doc = view::sheet(&sheet, lang, Front::Chat);
            let edit =
                app.bot
                    .edit_message_text(ChatId(user), MessageId(message), render::html(&doc));
            let edited = edit.reply_markup(render::keyboard(&doc.buttons)).await;
            super::ignore_not_modified(edited)
        }
        ExamDue::Nothing => Ok(()),
    };
    if let Err(e) = sent {
        app.on_send_error(user, &e);
    }
}

/// Shows what an exam use case did: the sheet or the warning (edited in place when a
/// sheet was tapped), or the result.
async fn show(
    app: &Arc<App>,
    user: i64,
    outcome: ExamOutcome<'_>,
    lang: Lang,
    at: Option<MessageId>,
) -> HandlerResult {
    let doc = match outcome {
        ExamOutcome::Sheet(s) => {
            let doc = view::sheet(&s, lang, Front::Chat);
            return put_sheet(app, user, s.nonce, &doc, at).await;
        }
        ExamOutcome::Confirm { sheet, unanswered } => {
            let doc = view::confirm(&sheet, &unanswered, lang);
            return put_sheet(app, user, sheet.nonce, &doc, at).await;
        }
        ExamOutcome::Submitted(r) | ExamOutcome::TimeUp(r) => {
            view::result(&app.tutor.bank, &r, lang)
        }
        ExamOutcome::Empty => return app.say(user, cat::exam_empty(lang)).await,
        ExamOutcome::AlreadySubmitted | ExamOutcome::NoExam => return Ok(()),
    };
    finish(app, user, &doc, lang, at).await?;
    Ok(())
}

/// Edits the sheet message `at` (else sends a new one and remembers it).
async fn put_sheet(
    app: &Arc<App>,
    user: i64,
    nonce: u32,
    doc: &Doc,
    at: Option<MessageId>,
) -> HandlerResult {
    let text = render::html(doc);
    if let Some(at) = at.filter(|_| render::tg_len(&text) <= render::MESSAGE_LIMIT) {
        let edit = app.bot.edit_message_text(ChatId(user), at, text);
        super::ignore_not_modified(edit.reply_markup(render::keyboard(&doc.buttons)).await)?;
        return Ok(());
    }
    if let Some(msg) = app.send_doc(user, doc).await? {
        app.tutor.set_exam_message(user, nonce, msg.id.0)?;
        app.tutor.durable().await?;
    }
    Ok(())
}

/// The paper is handed in: its sheet loses its buttons, then the result follows.
async fn finish(
    app: &Arc<App>,
    user: i64,
    result: &Doc,
    lang: Lang,
    at: Option<MessageId>,
) -> Result<(), teloxide::RequestError> {
    let stored = app
        .tutor
        .exam_message(user)
        .ok()
        .flatten()
        .and_then(|(_, m)| m);
    if let Some(sheet) = at.or(stored.map(MessageId)) {
        let closed = render::html(&Doc::plain(cat::exam_sheet_closed(lang)));
        let _ = app.bot.edit_message_text(ChatId(user), sheet, closed).await;
    }
    let how = super::Delivery {
        retry: true,
        ..super::Delivery::default()
    };
    app.deliver(user, result, how).await?;
    Ok(())
}
