//! Handlers for messages and button taps in private chats (and the shared parts of groups).

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, Message, MessageId, UpdateKind, User};
use tracing::{debug, warn};

use crate::lang::Lang;
use crate::learn::{self, Parsed, Response, Scope};
use crate::store::{Card, CardKind, Chat};

use super::codec::{Action, NextScope};
use super::{App, commands, group, render};
use crate::app::cards::{Refused, Typed};
use crate::app::{Answer, Answered, DailyArg, Next};
use crate::view::catalogue as cat;
use crate::view::{self, Say, study};

pub(super) type HandlerResult = anyhow::Result<()>;

/// An update dropped by flood control (see `FloodGate`): nothing is done for it, except
/// one notice when a flood starts (a private message, or a toast for a button).
pub async fn on_dropped(app: Arc<App>, upd: Update, dropped: super::Dropped) -> HandlerResult {
    use super::Dropped;
    debug!(update = upd.id.0, ?dropped, "dropped at the door");
    let Some(from) = upd.from() else {
        return Ok(());
    };
    let code = from.language_code.as_deref();
    let lang = || {
        app.tutor
            .user_lang(from.id.0 as i64, code)
            .unwrap_or_default()
    };
    match (&upd.kind, dropped) {
        // Every tap is answered, or the client spins until it times out.
        (UpdateKind::CallbackQuery(q), Dropped::Flood { notify: false }) => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
        }
        (UpdateKind::CallbackQuery(q), Dropped::Flood { notify: true }) => {
            let text = Say::TooFast.text(lang());
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(text)).await;
        }
        (UpdateKind::CallbackQuery(q), Dropped::Busy) => {
            let text = Say::TooManyAnswers.text(lang());
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(text)).await;
        }
        (UpdateKind::Message(m), Dropped::Flood { notify: true }) if m.chat.is_private() => {
            let lang = lang();
            app.bot
                .send_message(m.chat.id, Say::TooManyMessages.text(lang))
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// A group became a supergroup: its data moves to the new id.
pub async fn on_migrated(app: Arc<App>, msg: Message, new: ChatId) -> HandlerResult {
    let chat = msg.chat.id.0;
    tracing::info!(
        chat,
        new = new.0,
        "group migrated to a supergroup; moving its data"
    );
    app.tutor.migrate(chat, new.0)?;
    Ok(())
}

/// A message in a private chat: a command, a typed answer, or something else.
pub async fn on_private(app: Arc<App>, msg: Message, from: User) -> HandlerResult {
    let chat = msg.chat.id.0;
    debug!(chat, message = msg.id.0, "private message");
    let here = app.ensure_chat(&msg.chat)?;
    let learner = app.ensure_learner(&from)?;
    let lang = app.lang_of(Some(&learner), Some(&from));
    if let Some(doc) = msg.document() {
        return super::upload::on_document(&app, &msg, &from, doc, lang).await;
    }
    let Some(text) = msg.text() else {
        if !app.bot.chatter_allowed() {
            return Ok(());
        }
        return app.say(chat, Say::TextOnly.text(lang)).await;
    };
    if let Some(cmd) = commands::parse(text, app.me.username()) {
        return private_command(&app, &msg, &here, &from, cmd, lang).await;
    }
    if text.trim_start().starts_with('/') {
        // A command for another bot, or not a command at all: one hint.
        return unknown_command(&app, chat, lang).await;
    }
    // A typed answer: the card it replies to, else the latest card if it is open.
    let reply_to = msg.reply_to_message().map(|r| r.id.0);
    let user = from.id.0 as i64;
    let card = match app
        .tutor
        .typed_card(chat, msg.id.0, reply_to, user, msg.date)?
    {
        Typed::Card(card) if card.open => card,
        _ if !app.bot.chatter_allowed() => return Ok(()),
        Typed::ReplyToOlder => return app.say(chat, Say::ReplyToOlder.text(lang)).await,
        _ => return app.say(chat, Say::NoOpenQuestion.text(lang)).await,
    };
    let Some(q) = app.tutor.bank.question(&card.question) else {
        return Ok(());
    };
    match learn::parse_answer(text, q.kind, card.order.len()) {
        Parsed::Answer(response) => submit(&app, &card, &from, response, text, lang, None).await,
        Parsed::NotAnswer if !app.bot.chatter_allowed() => Ok(()),
        Parsed::NotAnswer => {
            let hint = crate::view::not_an_answer(q.kind, lang, crate::view::Front::Chat);
            app.reply(&msg, hint).await
        }
        Parsed::Invalid(why) => {
            app.reply(&msg, &cat::invalid_answer(&why, q.kind, lang))
                .await
        }
    }
}

/// The chapter list with the learner's progress, counted in their own zone.
async fn send_chapters(app: &App, chat: i64, user: i64, lang: Lang) -> HandlerResult {
    let stats = app.tutor.stats(user)?;
    let doc = study::chapters(&app.tutor.bank, &stats, lang);
    app.send_doc(chat, &doc).await?;
    Ok(())
}

async fn unknown_command(app: &App, chat: i64, lang: Lang) -> HandlerResult {
    if !app.bot.chatter_allowed() {
        return Ok(());
    }
    app.say(chat, Say::UnknownCommand.text(lang)).await
}

async fn private_command(
    app: &Arc<App>,
    msg: &Message,
    here: &Chat,
    from: &teloxide::types::User,
    cmd: commands::Command<'_>,
    lang: Lang,
) -> HandlerResult {
    use commands::{ChapterArg, Private};
    let chat = msg.chat.id.0;
    let user = from.id.0 as i64;
    let bank = &app.tutor.bank;
    let say = |text: &str| app.bot.send_message(msg.chat.id, text.to_string());
    match Private::parse(&cmd) {
        Private::Start { chapter } => {
            let doc = study::welcome(lang, &super::display_name(from), here.daily.is_some());
            app.send_doc(chat, &doc).await?;
            // Deep link: /start ch3 starts chapter 3.
            if let Some(n) = chapter.filter(|n| bank.chapter(*n).is_some()) {
                next_card(app, chat, user, Scope::Chapter(n), lang, None).await?;
            }
        }
        Private::Help => app
            .send_doc(chat, &study::help(lang, false))
            .await
            .map(drop)?,
        Private::Quiz(arg) => match arg {
            ChapterArg::All => next_card(app, chat, user, Scope::All, lang, None).await?,
            ChapterArg::Number(n) if bank.chapter(n).is_some() => {
                next_card(app, chat, user, Scope::Chapter(n), lang, None).await?;
            }
            _ => say(&cat::chapter_usage(bank.chapters().len(), lang))
                .await
                .map(drop)?,
        },
        Private::Review => next_card(app, chat, user, Scope::Review, lang, None).await?,
        // Without a chapter, /read is the same list as /chapters.
        Private::Read(Some(n)) if bank.chapter(n).is_some() => {
            send_page(app, chat, n, 0, lang).await?;
        }
        Private::Read(Some(n)) => {
            app.say(chat, &cat::no_such_chapter(n, lang)).await?;
            send_chapters(app, chat, user, lang).await?;
        }
        Private::Chapters | Private::Read(None) => send_chapters(app, chat, user, lang).await?,
        Private::Stats => send_stats(app, chat, user, lang).await?,
        Private::Exam => super::exam::command(app, user, cmd.args, lang).await?,
        Private::Daily(arg) => daily_command(app, here, arg, lang).await?,
        Private::Tz(arg) => app.zone_command(here, Some(user), arg, lang).await?,
        Private::Lang(Some(new)) => {
            app.tutor.set_lang(user, new)?;
            app.tutor.durable().await?;
            say(Say::LangSet.text(new)).await?;
        }
        Private::Lang(None) => say(Say::LangUsage.text(lang)).await.map(drop)?,
        Private::Export => {
            let bytes = app.tutor.export(user)?;
            let file =
                teloxide::types::InputFile::memory(bytes).file_name(format!("tutor-{user}.json"));
            app.bot
                .send_document(msg.chat.id, file)
                .caption(Say::ExportCaption.text(lang))
                .await?;
        }
        Private::Forget => app
            .send_doc(chat, &study::forget_question(lang))
            .await
            .map(drop)?,
        Private::Shelf(cmd) => super::shelf::command(app, chat, user, cmd, lang).await?,
        Private::Report(arg) => super::report::command(app, chat, user, arg, lang).await?,
        Private::Practice(mode, arg) => {
            super::shelf::practice(app, chat, user, mode, arg, lang).await?
        }
        Private::GroupOnly => say(Say::GroupOnly.text(lang)).await.map(drop)?,
        Private::Unknown => unknown_command(app, chat, lang).await?,
    }
    Ok(())
}

/// Sends the learner's next card in `scope`, or says when the next review falls due.
pub async fn next_card(
    app: &Arc<App>,
    chat: i64,
    user: i64,
    scope: Scope,
    lang: Lang,
    exclude: Option<&str>,
) -> HandlerResult {
    let next = app
        .tutor
        .next_card(user, scope, exclude, &mut rand::rng())?;
    let (q, p) = match next {
        Next::Post {
            question,
            presentation,
            again,
        } => {
            if again {
                app.say(chat, Say::OnlyThisOne.text(lang)).await?;
            }
            (question, presentation)
        }
        Next::NothingDue { next_due } => {
            let tz = app.tutor.learner_tz_of(user)?;
            app.send_doc(chat, &study::nothing_due(next_due, app.now(), tz, lang))
                .await?;
            return Ok(());
        }
    };
    match app.send_card(chat, q, p, lang, None).await {
        Ok(_) => Ok(()),
        Err(e) => {
            app.on_send_error(chat, &e);
            Err(e.into())
        }
    }
}

async fn send_page(app: &App, chat: i64, chapter: u8, index: usize, lang: Lang) -> HandlerResult {
    let Some(doc) = study::read_page(&app.tutor.bank, chapter, index, lang) else {
        return Ok(());
    };
    app.send_doc(chat, &doc).await?;
    Ok(())
}

async fn send_stats(app: &App, chat: i64, user: i64, lang: Lang) -> HandlerResult {
    let stats = app.tutor.stats(user)?;
    let mut doc = study::stats(&app.tutor.bank, &stats, lang);
    let exams = app
        .tutor
        .exam_history(user, crate::app::exam::STATS_RESULTS)?;
    let tz = app.tutor.learner_tz_of(user)?;
    doc.append(view::exam::stats_lines(&exams, tz, lang));
    doc.append(crate::view::shelf::studied(app.tutor.studied(user)?, lang));
    app.send_doc(chat, &doc).await?;
    match crate::view::chart::stats_png(&stats, lang) {
        Ok(png) => app.send_photo(chat, png).await?,
        Err(e) => warn!(chat, error = %e, "stats chart failed"),
    }
    Ok(())
}

/// `/daily …` in a private chat: stored and durable before it is confirmed.
pub async fn daily_command(app: &App, chat: &Chat, arg: DailyArg, lang: Lang) -> HandlerResult {
    let outcome = app.tutor.daily(chat, arg)?;
    app.tutor.durable().await?;
    app.send_doc(chat.id, &view::schedule::daily(&outcome, false, lang))
        .await?;
    Ok(())
}

/// Records an answer, flushes it, then tells the learner. Shared by buttons and text.
pub async fn submit(
    app: &Arc<App>,
    card: &Card,
    from: &teloxide::types::User,
    response: Response,
    answer_text: &str,
    lang: Lang,
    callback: Option<&CallbackQuery>,
) -> HandlerResult {
    if card.is_group() {
        let Some(cb) = callback else {
            return Ok(()); // a group's typed answers go through group::on_group_message
        };
        let via = group::Via::Tap(cb);
        return group::submit(app, card, from, response, answer_text, lang, via).await;
    }
    let name = super::display_name(from);
    let answer = Answer {
        card,
        who: super::person(from, &name),
        response,
        text: answer_text,
    };
    let answered = app.tutor.answer(&app.answers, answer).await?;
    match answered {
        Answered::Graded {
            verdict,
            streak,
            streak_days,
            ..
        } => {
            let Some(q) = app.tutor.bank.question(&card.question) else {
                return Ok(());
            };
            let p = crate::app::group::presentation(card, q);
            let streak = Some((streak, streak_days));
            let doc = study::verdict(&app.tutor.bank, q, &p, &verdict, streak, lang)
                .with_buttons(super::shelf::verdict_buttons(app, card.chat, q, lang)?);
            match callback {
                Some(cb) => {
                    let say = if verdict.is_right() {
                        Say::Right
                    } else {
                        Say::Wrong
                    };
                    let toast = app.bot.answer_callback_query(cb.id.clone());
                    super::bounded_toast(toast.text(say.text(lang))).await;
                    close_into_verdict(app, card, q, &p, doc, lang).await?;
                }
                // A typed answer: one message. The card keeps its buttons, which
                // now answer "closed" (the card is closed in the store).
                None => reply_verdict(app, card, &doc).await?,
            }
        }
        Answered::AlreadyAnswered { .. } | Answered::Closed | Answered::Late => {
            toast_or_say(app, card.chat, callback, Say::CardClosed.text(lang)).await?;
        }
        Answered::Invalid => {
            toast_or_say(app, card.chat, callback, Say::Invalid.text(lang)).await?;
        }
    }
    Ok(())
}

/// A tapped card becomes its verdict: one edit, the question as shown and the verdict
/// under it, with the verdict's buttons. When that would not fit one message, or the
/// edit fails, the card only loses its keyboard and the verdict comes as a reply.
async fn close_into_verdict(
    app: &App,
    card: &Card,
    q: &crate::bank::Question,
    p: &crate::learn::Presentation,
    verdict: crate::view::Doc,
    lang: Lang,
) -> HandlerResult {
    let daily = match card.kind {
        CardKind::Daily => {
            let tz = app.tutor.learner_tz_of(card.chat)?;
            Some(card.posted.with_timezone(&tz).date_naive())
        }
        _ => None,
    };
    let answered = study::answered_card(q, p, daily, verdict.clone(), lang);
    let html = render::html(&answered);
    if render::split_message(&html, render::MESSAGE_LIMIT).len() == 1 {
        let (chat, message) = (ChatId(card.chat), MessageId(card.message));
        let edit = || {
            let req = app.bot.edit_message_text(chat, message, html.clone());
            match render::markup(&answered) {
                Some(m) => req.reply_markup(m).into_future(),
                None => req.into_future(),
            }
        };
        match super::ignore_not_modified(super::with_retries(edit).await) {
            Ok(()) => return Ok(()),
            Err(e) => debug!(error = %e, "the card could not become its verdict"),
        }
    }
    // Close the card: no keyboard, so it cannot be graded twice.
    let _ = super::ignore_not_modified(
        app.bot
            .edit_message_reply_markup(ChatId(card.chat), MessageId(card.message))
            .await,
    );
    reply_verdict(app, card, &verdict).await
}

/// The verdict as a reply to its card. The answer is recorded: its verdict is worth a
/// few attempts.
async fn reply_verdict(app: &App, card: &Card, doc: &crate::view::Doc) -> HandlerResult {
    let how = super::Delivery {
        reply_to: Some(MessageId(card.message)),
        retry: true,
        group: false,
    };
    app.deliver(card.chat, doc, how).await?;
    Ok(())
}

async fn toast_or_say(
    app: &App,
    chat: i64,
    cb: Option<&CallbackQuery>,
    text: &str,
) -> HandlerResult {
    match cb {
        Some(cb) => {
            super::bounded_toast(app.bot.answer_callback_query(cb.id.clone()).text(text)).await;
        }
        None => {
            app.bot.send_message(ChatId(chat), text).await?;
        }
    }
    Ok(())
}

/// Every button tap.
pub async fn on_callback(app: Arc<App>, q: CallbackQuery) -> HandlerResult {
    let user = q.from.id.0 as i64;
    let lang = app.tutor.user_lang(user, q.from.language_code.as_deref())?;
    debug!(user, "callback");
    let toast = |say: Say| {
        super::bounded_toast(
            app.bot
                .answer_callback_query(q.id.clone())
                .text(say.text(lang)),
        )
    };
    let Some(Ok(action)) = q.data.as_deref().map(Action::decode) else {
        toast(Say::Invalid).await;
        return Ok(());
    };
    let Some(msg) = q.regular_message() else {
        toast(Say::CardClosed).await;
        return Ok(());
    };
    let (chat, group) = (msg.chat.id.0, !msg.chat.is_private());
    // A private chat's buttons are its owner's (the chat id is the user id): a tap by
    // anyone else can only be forged, and must not answer, subscribe or forget.
    if !group && chat != user {
        toast(Say::Invalid).await;
        return Ok(());
    }
    let tap = Tap {
        app: &app,
        q: &q,
        msg,
        chat,
        user,
        group,
        lang,
    };
    match action {
        Action::Answer { question, index } => tap_answer(&tap, question, index).await,
        Action::Toggle { question, index } => tap_toggle(&tap, question, index).await,
        Action::Submit { question } => tap_submit(&tap, question).await,
        Action::Next(scope) => tap_next(&tap, scope).await,
        Action::Read { section } => tap_read(&tap, section).await,
        Action::Page { chapter, index } => tap_page(&tap, chapter, index).await,
        Action::Subscribe => tap_subscribe(&tap).await,
        Action::Forget { confirm } => tap_forget(&tap, confirm).await,
        Action::Exam { .. } if group => {
            tap.toast(Say::Invalid).await;
            Ok(())
        }
        Action::Exam { exam, op } => {
            super::exam::tap(&app, &q, msg.id, user, (exam, op), lang).await
        }
        Action::Star { question } => super::shelf::tap_star(&tap, question).await,
        Action::Open { question } => super::shelf::tap_open(&tap, question).await,
        Action::SearchPage { hash, page } => super::shelf::tap_search_page(&tap, hash, page).await,
        Action::Study { chapter } => super::shelf::tap_study(&tap, chapter).await,
    }
}

/// A button tap being handled: who tapped what, where.
pub(super) struct Tap<'a> {
    pub app: &'a Arc<App>,
    q: &'a CallbackQuery,
    pub msg: &'a Message,
    pub chat: i64,
    pub user: i64,
    pub group: bool,
    pub lang: Lang,
}

impl Tap<'_> {
    /// Answers the tap with a toast.
    pub async fn toast(&self, say: Say) {
        let text = say.text(self.lang);
        let answer = self.app.bot.answer_callback_query(self.q.id.clone());
        super::bounded_toast(answer.text(text)).await;
    }

    /// Answers the tap without a toast; true when it came from a private chat (the
    /// taps that only mean something there).
    pub async fn private_ack(&self) -> bool {
        super::bounded_toast(self.app.bot.answer_callback_query(self.q.id.clone())).await;
        !self.group
    }

    /// The open card this tap is on, unanswered by the tapper; or a toast why not.
    async fn card(&self, question: &str) -> anyhow::Result<Option<Card>> {
        let (chat, message) = (self.chat, self.msg.id.0);
        match self
            .app
            .tutor
            .tapped_card(chat, message, question, self.user)?
        {
            Ok(card) => Ok(Some(card)),
            Err(why) => self.refuse(why).await.map(|()| None),
        }
    }

    async fn refuse(&self, why: Refused) -> HandlerResult {
        self.toast(match why {
            Refused::Invalid => Say::Invalid,
            Refused::Closed => Say::CardClosed,
            Refused::AlreadyAnswered => Say::AlreadyAnswered,
            Refused::ChooseFirst => Say::ChooseFirst,
        })
        .await;
        Ok(())
    }

    /// Records the tapper's answer on `card`.
    async fn submit(&self, card: &Card, response: Response, text: &str) -> HandlerResult {
        if !self.group {
            self.app.ensure_chat(&self.msg.chat)?;
        }
        let (app, from, lang) = (self.app, &self.q.from, self.lang);
        submit(app, card, from, response, text, lang, Some(self.q)).await
    }
}

async fn tap_answer(tap: &Tap<'_>, question: String, index: u8) -> HandlerResult {
    let Some(card) = tap.card(&question).await? else {
        return Ok(());
    };
    match tap.app.tutor.button_answer(&card, index) {
        Some((response, text)) => tap.submit(&card, response, &text).await,
        None => tap.refuse(Refused::Invalid).await,
    }
}

async fn tap_toggle(tap: &Tap<'_>, question: String, index: u8) -> HandlerResult {
    let Some(card) = tap.card(&question).await? else {
        return Ok(());
    };
    let t = match tap.app.tutor.toggle(&card, tap.user, index)? {
        Ok(t) => t,
        Err(why) => return tap.refuse(why).await,
    };
    let chosen = match t.chosen.is_empty() {
        true => "—".to_string(),
        false => t.chosen.letters(),
    };
    let text = cat::chosen(&chosen, tap.lang);
    super::bounded_toast(
        tap.app
            .bot
            .answer_callback_query(tap.q.id.clone())
            .text(text),
    )
    .await;
    if !tap.group {
        let buttons = study::card_buttons(t.question, &t.presentation, t.chosen, tap.lang);
        let edit = tap
            .app
            .bot
            .edit_message_reply_markup(tap.msg.chat.id, tap.msg.id);
        let _ = super::ignore_not_modified(edit.reply_markup(render::keyboard(&buttons)).await);
    }
    Ok(())
}

async fn tap_submit(tap: &Tap<'_>, question: String) -> HandlerResult {
    let Some(card) = tap.card(&question).await? else {
        return Ok(());
    };
    match tap.app.tutor.submission(&card, tap.user) {
        Ok(response @ Response::Choice(chosen)) => {
            tap.submit(&card, response, &chosen.letters()).await
        }
        Ok(_) => tap.refuse(Refused::Invalid).await,
        Err(why) => tap.refuse(why).await,
    }
}

async fn tap_next(tap: &Tap<'_>, scope: NextScope) -> HandlerResult {
    if !tap.private_ack().await {
        return Ok(());
    }
    tap.app.ensure_learner(&tap.q.from)?;
    let exclude = tap.app.tutor.card_question(tap.chat, tap.msg.id.0)?;
    let (app, chat, user, lang) = (tap.app, tap.chat, tap.user, tap.lang);
    super::shelf::practise(app, chat, user, scope, lang, exclude.as_deref()).await
}

async fn tap_read(tap: &Tap<'_>, section: String) -> HandlerResult {
    tap.private_ack().await;
    let Some((chapter, index)) = tap.app.tutor.bank.section_position(&section) else {
        return Ok(());
    };
    send_page(tap.app, tap.chat, chapter, index, tap.lang).await
}

async fn tap_page(tap: &Tap<'_>, chapter: u8, index: u16) -> HandlerResult {
    tap.private_ack().await;
    let (app, msg, index) = (tap.app, tap.msg, usize::from(index));
    let Some(doc) = study::read_page(&app.tutor.bank, chapter, index, tap.lang) else {
        return Ok(());
    };
    let text = render::html(&doc);
    if render::tg_len(&text) > render::MESSAGE_LIMIT {
        return send_page(app, tap.chat, chapter, index, tap.lang).await;
    }
    let edit = app.bot.edit_message_text(msg.chat.id, msg.id, text);
    super::ignore_not_modified(edit.reply_markup(render::keyboard(&doc.buttons)).await)?;
    Ok(())
}

async fn tap_subscribe(tap: &Tap<'_>) -> HandlerResult {
    if !tap.private_ack().await {
        return Ok(());
    }
    let here = tap.app.ensure_chat(&tap.msg.chat)?;
    daily_command(tap.app, &here, DailyArg::On, tap.lang).await
}

async fn tap_forget(tap: &Tap<'_>, confirm: bool) -> HandlerResult {
    let (app, msg) = (tap.app, tap.msg);
    if tap.group {
        tap.toast(Say::Invalid).await;
        return Ok(());
    }
    let (toast, text) = if confirm {
        app.tutor.forget(tap.user)?;
        app.tutor.durable().await?;
        (Say::Deleted, Say::DeletedAll)
    } else {
        (Say::Cancelled, Say::CancelledNothingDeleted)
    };
    tap.toast(toast).await;
    let edit = app
        .bot
        .edit_message_text(msg.chat.id, msg.id, text.text(tap.lang));
    let _ = edit.await;
    Ok(())
}
