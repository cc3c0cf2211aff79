//! Groups: commands, typed answers to cards, posting and revealing cards, rounds, the
//! daily group card, joining and leaving. The rules are `app::group`'s; this is the
//! Telegram side (admin checks, sends, edits, retries).
//!
//! Everything works with privacy mode on: the bot sees commands addressed to it and
//! replies to its own messages, so typed answers are replies to the card. Feedback is
//! private (the button toast begins with ✅ or ❌); the card shows a live count
//! ([`super::live`]); the reveal closes the card exactly once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use teloxide::prelude::*;
use teloxide::types::{ChatMemberUpdated, MessageId, ReactionType, User};
use tracing::{debug, info, warn};

use crate::app::group::{
    Busy, Closed, Deadline, Draft, GroupReply, MAX_LIMIT_SECS, MAX_ROUND, MIN_LIMIT_SECS, Post,
};
use crate::app::{Answer, Answered};
use crate::lang::Lang;
use crate::learn::Response;
use crate::store::{Card, Chat};
use crate::view::catalogue as cat;
use crate::view::{self, Doc, Say, study};

use super::commands::ChapterArg;
use super::live::{final_edit, schedule_live_edit};
use super::{App, Delivery, commands, render};

type HandlerResult = anyhow::Result<()>;

/// Telegram's stand-in sender for anonymous group admins (`@GroupAnonymousBot`).
const GROUP_ANONYMOUS_BOT: u64 = 1_087_968_824;

fn group_lang(chat: &Chat) -> Lang {
    chat.lang.unwrap_or_default()
}

/// Sends a document to a group (see [`App::deliver`]).
async fn say(
    app: &App,
    chat: i64,
    reply_to: Option<MessageId>,
    doc: &Doc,
    retry: bool,
) -> Result<(), teloxide::RequestError> {
    let how = Delivery {
        reply_to,
        retry,
        group: true,
    };
    app.deliver(chat, doc, how).await.map(drop)
}

// ----- messages and commands ----------------------------------------------------

/// A message in a group: commands addressed to the bot, and replies to its cards.
pub async fn on_group_message(app: Arc<App>, msg: Message, from: User) -> HandlerResult {
    let chat = app.ensure_chat(&msg.chat)?;
    let lang = group_lang(&chat);
    let Some(text) = msg.text() else {
        return Ok(());
    };
    if let Some(cmd) = commands::parse(text, app.me.username()) {
        return group_command(&app, &msg, &from, &chat, cmd, lang).await;
    }
    // Anonymous admins and channels post as a chat: they can run commands, not answer.
    // Privacy mode: other text reaches us only as a reply to one of our messages.
    let Some(reply_to) = msg
        .reply_to_message()
        .filter(|_| !from.is_bot && msg.sender_chat.is_none())
    else {
        return Ok(());
    };
    let reply = app
        .tutor
        .group_reply(chat.id, reply_to.id.0, from.id.0 as i64, text)?;
    match reply {
        None => Ok(()),
        Some(GroupReply::Closed { card, reveal_due }) => {
            if reveal_due {
                reveal_logged(&app, card.chat, card.message).await;
            }
            app.reply(&msg, Say::GroupCardClosed.text(lang)).await
        }
        Some(GroupReply::AlreadyAnswered) => {
            app.reply(&msg, Say::GroupAlreadyAnswered.text(lang)).await
        }
        Some(GroupReply::Answer { card, response }) => {
            let via = Via::Reply {
                msg: &msg,
                hide: chat.hide_typed,
            };
            submit(&app, &card, &from, response, text, lang, via).await
        }
        Some(GroupReply::NotAnswer(q)) => {
            let hint = view::not_an_answer(q.kind, lang, view::Front::Chat);
            app.reply(&msg, hint).await
        }
        Some(GroupReply::Invalid(why, q)) => {
            app.reply(&msg, &cat::invalid_answer(&why, q.kind, lang))
                .await
        }
    }
}

async fn group_command(
    app: &Arc<App>,
    msg: &Message,
    from: &User,
    chat: &Chat,
    cmd: commands::Command<'_>,
    lang: Lang,
) -> HandlerResult {
    use commands::{Admin, Group};
    let user = from.id.0 as i64;
    match Group::parse(&cmd) {
        Group::Help => say(app, chat.id, None, &study::help(lang, true), false).await?,
        Group::Quiz(arg) => {
            let Some(chapter) = chapter_of(app, arg) else {
                return app.reply(msg, Say::GroupQuizUsage.text(lang)).await;
            };
            match app.tutor.busy(chat)? {
                Some(busy) => app.reply(msg, busy_text(busy, lang)).await?,
                None => drop(post_question(app, chat, user, chapter).await?),
            }
        }
        Group::Round(Some(n), arg) if (1..=MAX_ROUND).contains(&n) => {
            let Some(chapter) = chapter_of(app, arg) else {
                return app.reply(msg, &cat::round_usage(MAX_ROUND, lang)).await;
            };
            match app.tutor.busy(chat)? {
                Some(busy) => app.reply(msg, busy_text(busy, lang)).await?,
                None => start_round(app, chat, user, (n, chapter), lang).await?,
            }
        }
        Group::Round(..) => app.reply(msg, &cat::round_usage(MAX_ROUND, lang)).await?,
        Group::Reveal => {
            let Some(card) = app.tutor.open_card(chat)? else {
                return app.reply(msg, Say::NothingOpen.text(lang)).await;
            };
            if card.asked_by != user && !is_admin(app, msg, from).await {
                return app.reply(msg, Say::RevealNotAllowed.text(lang)).await;
            }
            reveal(app, chat.id, card.message).await?;
        }
        Group::Top { all } => {
            let board = app.tutor.board(chat, all)?;
            say(app, chat.id, None, &view::group::board(&board, lang), false).await?;
        }
        Group::Admin(setting) if is_admin(app, msg, from).await => {
            admin_setting(app, msg, chat, setting, lang).await?
        }
        Group::Admin(setting) => {
            let why = match setting {
                Admin::SetTime(_) => Say::AdminsSetTime,
                Admin::Daily(_) => Say::AdminsDaily,
                Admin::Tz(_) => Say::AdminsZone,
                Admin::Lang(_) => Say::AdminsLang,
                Admin::Settings(_) => Say::AdminsSettings,
                Admin::Class { .. } => Say::AdminsClass,
            };
            app.reply(msg, why.text(lang)).await?
        }
        Group::PrivateOnly => {
            app.reply(msg, &cat::private_only(app.me.username(), lang))
                .await?
        }
        Group::Other => {} // another bot's command, or none at all
    }
    Ok(())
}

/// A command's chapter: `Some(None)` for every chapter, `None` for one the bank lacks.
fn chapter_of(app: &App, arg: ChapterArg) -> Option<Option<u8>> {
    match arg {
        ChapterArg::All => Some(None),
        ChapterArg::Number(n) if app.tutor.bank.chapter(n).is_some() => Some(Some(n)),
        _ => None,
    }
}

fn busy_text(busy: Busy, lang: Lang) -> &'static str {
    match busy {
        Busy::QuestionOpen => Say::QuestionOpen.text(lang),
        Busy::RoundRunning => Say::RoundRunning.text(lang),
    }
}

/// `/round N [CHAPTER]`: the round is recorded, announced, and its first question
/// posted.
async fn start_round(
    app: &Arc<App>,
    chat: &Chat,
    user: i64,
    (n, chapter): (u8, Option<u8>),
    lang: Lang,
) -> HandlerResult {
    let c = app.tutor.start_round(chat.id, user, n, chapter)?;
    let of = chapter.map(|n| cat::chapter_label(n, lang));
    let start = Doc::plain(cat::round_start(n, of.as_deref(), c.time_limit_secs, lang));
    say(app, chat.id, None, &start, false).await?;
    match post_question(app, &c, user, chapter).await {
        Ok(true) => Ok(()),
        other => {
            app.tutor.end_round(chat.id);
            other.map(drop)
        }
    }
}

/// An admin's `/settime`, `/daily`, `/tz` or `/lang` in a group.
async fn admin_setting(
    app: &Arc<App>,
    msg: &Message,
    chat: &Chat,
    setting: commands::Admin,
    lang: Lang,
) -> HandlerResult {
    use commands::Admin;
    match setting {
        Admin::SetTime(Some(s)) if app.tutor.set_time_limit(chat.id, s)? => {
            app.reply(msg, &cat::time_limit_set(s, lang)).await
        }
        Admin::SetTime(_) => {
            let (now, min, max) = (chat.time_limit_secs, MIN_LIMIT_SECS, MAX_LIMIT_SECS);
            app.reply(msg, &cat::time_limit_usage(now, min, max, lang))
                .await
        }
        Admin::Daily(arg) => {
            let outcome = app.tutor.daily(chat, arg)?;
            app.tutor.durable().await?;
            let doc = view::schedule::daily(&outcome, true, lang);
            Ok(say(app, chat.id, None, &doc, false).await?)
        }
        Admin::Tz(arg) => app.zone_command(chat, None, arg, lang).await,
        Admin::Lang(Some(new)) => {
            app.tutor.set_chat_lang(chat.id, new)?;
            app.reply(msg, Say::GroupLangSet.text(new)).await
        }
        Admin::Lang(None) => app.reply(msg, Say::LangUsage.text(lang)).await,
        Admin::Settings(Some(commands::Setting::HideTyped(on))) => {
            app.tutor.set_hide_typed(chat.id, on)?;
            app.tutor.durable().await?;
            app.reply(msg, &cat::hide_typed(on, lang)).await
        }
        Admin::Settings(Some(commands::Setting::StreakBonus(on))) => {
            app.tutor.set_streak_bonus(chat.id, on)?;
            app.tutor.durable().await?;
            app.reply(msg, &cat::streak_bonus(on, lang)).await
        }
        Admin::Settings(None) => {
            let text = cat::settings(chat.hide_typed, chat.streak_bonus, lang);
            app.reply(msg, &text).await
        }
        Admin::Class { csv } => class_report(app, chat, csv, lang).await,
    }
}

/// `/class`: the report as a message, or `/class csv` as a document.
async fn class_report(app: &Arc<App>, chat: &Chat, csv: bool, lang: Lang) -> HandlerResult {
    let report = app.tutor.class_report(chat)?;
    if !csv {
        let doc = view::group::class_report(&report, lang);
        return Ok(say(app, chat.id, None, &doc, false).await?);
    }
    let bytes = view::group::class_csv(&report, lang);
    let zone = view::time::zone_label(chat.tz, lang);
    let file = teloxide::types::InputFile::memory(bytes).file_name("class.csv");
    app.pending_edits.spend(chat.id);
    app.bot
        .send_document(ChatId(chat.id), file)
        .caption(cat::class_csv_caption(report.rows.len(), &zone, lang))
        .await?;
    Ok(())
}

/// Admins, the chat's creator, and anonymous admins posting as the group.
async fn is_admin(app: &App, msg: &Message, from: &User) -> bool {
    if msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id)
        || from.id.0 == GROUP_ANONYMOUS_BOT
    {
        return true;
    }
    app.admins.check(&*app.bot, msg.chat.id.0, from.id.0).await
}

// ----- cards ---------------------------------------------------------------------

/// Sends a drafted card; its message id, for [`crate::app::Tutor::posted`].
async fn send_draft(app: &App, draft: &Draft<'_>) -> Result<i32, teloxide::RequestError> {
    let doc = view::group::card(&draft.look);
    let chat = draft.chat();
    app.pending_edits.spend(chat);
    let mut req = app.bot.send_message(ChatId(chat), render::html(&doc));
    if let Some(markup) = render::markup(&doc) {
        req = req.reply_markup(markup);
    }
    Ok(req.await?.id.0)
}

/// Posts the next question of the chat's shuffle bag, with the chat's time limit.
/// False when there was nothing to draw.
async fn post_question(
    app: &Arc<App>,
    chat: &Chat,
    asked_by: i64,
    chapter: Option<u8>,
) -> anyhow::Result<bool> {
    let post = Post::Quiz { asked_by, chapter };
    let Some(draft) = app.tutor.draw(chat, post, &mut rand::rng())? else {
        return Ok(false);
    };
    match send_draft(app, &draft).await {
        Ok(message) => app.tutor.posted(draft, message)?,
        Err(e) => {
            app.on_send_error(chat.id, &e);
            return Err(e.into());
        }
    };
    Ok(true)
}

// ----- answers -------------------------------------------------------------------

/// Records a group answer; then the private toast and the live count.
pub async fn submit(
    app: &Arc<App>,
    card: &Card,
    from: &User,
    response: Response,
    text: &str,
    lang: Lang,
    via: Via<'_>,
) -> HandlerResult {
    let name = super::display_name(from);
    let answer = Answer {
        card,
        who: super::person(from, &name),
        response,
        text,
    };
    let outcome = app.tutor.answer(&app.answers, answer).await?;
    match &outcome {
        // Time is up: the reveal is due (or running); a late answer scores nothing.
        Answered::Late => reveal_logged(app, card.chat, card.message).await,
        Answered::Graded { card, .. } => schedule_live_edit(app, card.chat, card.message),
        _ => {}
    }
    match via {
        Via::Tap(cb) => {
            let toast = app.bot.answer_callback_query(cb.id.clone());
            super::bounded_toast(toast.text(toast_text(&outcome, lang))).await;
        }
        Via::Reply { msg, hide } if matches!(outcome, Answered::Graded { .. }) => {
            acknowledge(app, msg, hide).await;
        }
        Via::Reply { .. } => {}
    }
    debug!(
        chat = card.chat,
        message = card.message,
        "group answer handled"
    );
    Ok(())
}

/// How a group answer came: a button tap (answered with a toast), or a typed reply
/// to the card (acknowledged on it; `hide`: the group deletes typed answers).
#[derive(Clone, Copy)]
pub enum Via<'a> {
    Tap(&'a CallbackQuery),
    Reply { msg: &'a Message, hide: bool },
}

/// A recorded typed answer, acknowledged without a word in the group (the result
/// stays private until the reveal): deleted if the group hides typed answers, else
/// ✍ on it if the group's minute has room.
async fn acknowledge(app: &App, msg: &Message, hide: bool) {
    let result = if hide {
        app.pending_edits.spend(msg.chat.id.0);
        app.bot.delete_message(msg.chat.id, msg.id).await.map(drop)
    } else if app.pending_edits.spend_spare(msg.chat.id.0) {
        let written = vec![ReactionType::Emoji {
            emoji: "✍".into()
        }];
        let react = app.bot.set_message_reaction(msg.chat.id, msg.id);
        react.reaction(written).await.map(drop)
    } else {
        Ok(())
    };
    if let Err(e) = result {
        // No right to delete, or reactions are off in this group: the answer counts.
        debug!(error = %e, "could not acknowledge a typed answer");
    }
}

/// The private toast for a group answer: ✅/❌ first for a recorded one.
pub(crate) fn toast_text(outcome: &Answered, lang: Lang) -> String {
    match outcome {
        Answered::Graded {
            verdict, points, ..
        } if verdict.is_right() => cat::group_right(*points, lang),
        Answered::Graded { .. } => Say::GroupWrong.text(lang).into(),
        Answered::AlreadyAnswered { .. } => Say::GroupAlreadyAnswered.text(lang).into(),
        Answered::Closed | Answered::Late => Say::CardClosed.text(lang).into(),
        Answered::Invalid => Say::Invalid.text(lang).into(),
    }
}

// ----- the reveal ----------------------------------------------------------------

/// Closes a card and posts the reveal; continues or ends a round. Runs once per card.
pub async fn reveal(app: &Arc<App>, chat: i64, message: i32) -> HandlerResult {
    let Some(closed) = app.tutor.close(chat, message).await? else {
        return Ok(()); // already revealed
    };
    if !closed.chat.active {
        return Ok(()); // closed quietly: we are not in that chat any more
    }
    show_reveal(app, closed).await
}

/// The closed card's last look, the reveal (worth a few attempts: the card is closed
/// for good) and, at a round's end, the podium.
async fn show_reveal(app: &App, closed: Closed<'_>) -> HandlerResult {
    let Closed {
        chat,
        message,
        look,
        reveal,
        podium,
    } = closed;
    let lang = group_lang(&chat);
    if let Some(look) = &look {
        final_edit(app, chat.id, message, look).await;
    }
    let reveal = reveal.map(|r| view::group::reveal(&app.tutor.bank, &r, lang));
    let podium = podium.map(|p| view::group::podium(&p, lang));
    let mut result = Ok(());
    for (doc, reply_to) in [(reveal, Some(MessageId(message))), (podium, None)] {
        let Some(doc) = doc else { continue };
        if let Err(e) = say(app, chat.id, reply_to, &doc, true).await {
            app.on_send_error(chat.id, &e);
            result = Err(e.into());
        }
    }
    result
}

async fn reveal_logged(app: &Arc<App>, chat: i64, message: i32) {
    if let Err(e) = reveal(app, chat, message).await {
        warn!(chat, error = %e, "reveal failed");
    }
}

// ----- scheduled: the daily group card and deadlines -----------------------------

/// Posts the group's daily question, open until its reveal time. Yesterday's card,
/// if still open, is revealed first: one daily card at a time.
pub async fn post_daily(
    app: &Arc<App>,
    chat: &Chat,
    reveal_at: DateTime<Utc>,
) -> Result<(), teloxide::RequestError> {
    let store_err = |e: crate::store::StoreError| {
        teloxide::RequestError::Io(std::io::Error::other(e.to_string()).into())
    };
    for old in app.tutor.open_daily_cards(chat.id).map_err(store_err)? {
        reveal_logged(app, chat.id, old).await;
    }
    let post = Post::Daily { reveal_at };
    let Some(draft) = app
        .tutor
        .draw(chat, post, &mut rand::rng())
        .map_err(store_err)?
    else {
        return Ok(());
    };
    let message = send_draft(app, &draft).await?;
    if let Err(e) = app.tutor.posted(draft, message) {
        warn!(chat = chat.id, error = %e, "could not record the daily card");
    }
    Ok(())
}

/// The daily group card's reveal time (from the scheduler).
pub async fn on_daily_reveal(app: &Arc<App>, chat: i64) {
    match app.tutor.due_daily_reveals(chat) {
        Ok(due) => {
            for message in due {
                reveal_logged(app, chat, message).await;
            }
        }
        Err(e) => warn!(chat, error = %e, "listing the daily cards failed"),
    }
}

/// The chat's `Close` job (from the scheduler): the open card's deadline, or the
/// next question of a round.
pub async fn on_deadline(app: &Arc<App>, chat: i64) {
    match app.tutor.deadline(chat) {
        Ok(Deadline::Nothing) => {}
        Ok(Deadline::Reveal(message)) => reveal_logged(app, chat, message).await,
        Ok(Deadline::NextQuestion {
            chat: c,
            asked_by,
            chapter,
        }) => match post_question(app, &c, asked_by, chapter).await {
            Ok(true) => {}
            Ok(false) => app.tutor.end_round(chat),
            Err(e) => {
                warn!(chat, error = %e, "the round's next question failed; ending the round");
                app.tutor.end_round(chat);
            }
        },
        Err(e) => warn!(chat, error = %e, "reading the open card failed"),
    }
}

// ----- joining and leaving -------------------------------------------------------

/// The bot was added to, removed from, or blocked in a chat.
pub async fn on_my_chat_member(app: Arc<App>, upd: ChatMemberUpdated) -> HandlerResult {
    let chat = upd.chat.id.0;
    let was_in = upd.old_chat_member.is_present();
    let is_in = upd.new_chat_member.is_present();
    debug!(chat, was_in, is_in, "my_chat_member");
    if is_in && !was_in {
        let c = app.ensure_chat(&upd.chat)?;
        if upd.chat.is_private() {
            return Ok(());
        }
        info!(chat, "added to a group");
        app.tutor.rejoined(&c)?;
        let intro = Doc::plain(intro(group_lang(&c)));
        if let Err(e) = say(&app, chat, None, &intro, false).await {
            app.on_send_error(chat, &e);
        }
    } else if was_in && !is_in {
        info!(
            chat,
            "removed from the chat (or blocked); stopping sends, keeping scores"
        );
        if upd.chat.is_private() {
            app.deactivate(chat);
            app.tutor.durable().await?;
        } else {
            app.tutor.left_group(chat).await?;
        }
    }
    Ok(())
}

/// The one message the bot posts when it joins a group.
pub(crate) fn intro(lang: Lang) -> &'static str {
    Say::GroupIntro.text(lang)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::app::group::{self as app_group, Board};
    use crate::bank::{Bank, OptionSet, Question};
    use crate::learn::{self, Presentation, Standing};
    use crate::store::{CardAnswer, Round};

    /// Chapter 1 of the test bank (the end-to-end bank).
    fn bank() -> Bank {
        crate::test_bank::chapters(&[1])
    }

    // The group's documents as Telegram shows them.
    fn reveal_text(
        bank: &Bank,
        c: &Card,
        q: &Question,
        lang: Lang,
        round: Option<(u8, u8)>,
    ) -> String {
        let r = app_group::reveal(c, q, round);
        render::html(&view::group::reveal(bank, &r, lang))
    }

    fn podium_text(r: &Round, lang: Lang) -> String {
        render::html(&view::group::podium(&app_group::podium(r), lang))
    }

    fn top_text(rows: &[(&str, &Standing)], all: bool, lang: Lang) -> String {
        let rows = rows
            .iter()
            .map(|(n, s)| (n.to_string(), (*s).clone()))
            .collect();
        render::html(&view::group::board(&Board { all, rows }, lang))
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 3, 12, 0, 0).unwrap()
    }

    fn answer(user: i64, name: &str, right: bool, ms: i64, points: u32) -> CardAnswer {
        CardAnswer {
            user,
            name: name.into(),
            response: Response::Choice(OptionSet::single(0)),
            right,
            at: t0() + chrono::Duration::milliseconds(ms),
            points,
        }
    }

    fn card(question: &str, answers: Vec<CardAnswer>) -> Card {
        Card {
            chat: -42,
            message: 7,
            question: question.into(),
            order: Vec::new(),
            asked_by: 1,
            posted: t0(),
            limit_secs: Some(60),
            deadline: Some(t0() + chrono::Duration::seconds(60)),
            open: false,
            kind: crate::store::CardKind::GroupQuiz,
            answers,
            selections: Vec::new(),
        }
    }

    #[test]
    fn reveal_lists_the_right_fastest_first_and_counts_the_wrong() {
        let bank = bank();
        let q = bank.question("e1-q01").unwrap();
        let c = card(
            "e1-q01",
            vec![
                answer(3, "Slow", true, 9_000, 925),
                answer(2, "Wrong <b>", false, 1_000, 0),
                answer(1, "Fast & first", true, 1_500, 988),
            ],
        );
        let text = reveal_text(&bank, &c, q, Lang::Zh, None);
        assert!(
            text.starts_with("<b>🔔 公布答案 · 正确答案：A</b>\nA. 抽象和无形"),
            "{text}"
        );
        assert!(
            text.contains("<b>解析</b>\n服务的本质是抽象和无形的。"),
            "{text}"
        );
        assert!(text.contains("<blockquote>"), "{text}");
        let fast = text
            .find("1. Fast &amp; first — 1.5 秒 · +988 分")
            .expect(&text);
        let slow = text.find("2. Slow — 9.0 秒 · +925 分").expect(&text);
        assert!(fast < slow);
        assert!(
            text.contains("答对：2 人") && text.contains("答错：1 人"),
            "{text}"
        );
        assert!(!text.contains("Wrong <b>") && !text.contains("Wrong &lt;b&gt;"));

        let en = reveal_text(&bank, &c, q, Lang::En, Some((2, 3)));
        assert!(en.starts_with("<b>🔔 Question 2/3 · answer: A</b>"), "{en}");
        assert!(en.contains("1. Fast &amp; first — 1.5 s · +988"), "{en}");
        assert!(en.contains("Wrong: 1"), "{en}");
    }

    #[test]
    fn reveal_of_multi_judge_daily_and_unanswered_cards() {
        let bank = bank();
        let multi = bank.question("e1-q02").unwrap();
        let text = reveal_text(
            &bank,
            &card("e1-q02", vec![]),
            multi,
            Lang::Zh,
            Some((1, 3)),
        );
        assert!(
            text.starts_with("<b>🔔 第 1/3 题 · 正确答案：AC</b>\nA. 无形性\nC. 有偿性"),
            "{text}"
        );
        assert!(text.ends_with("这道题无人作答。"), "{text}");

        // A shuffled card names the letters the group saw.
        let mut shuffled = card("e1-q02", vec![]);
        shuffled.order = vec![3, 2, 1, 0];
        let text = reveal_text(&bank, &shuffled, multi, Lang::Zh, None);
        assert!(
            text.contains("正确答案：BD</b>\nB. 有偿性\nD. 无形性"),
            "{text}"
        );

        let judge = bank.question("e1-q03").unwrap();
        let mut daily = card("e1-q03", vec![answer(5, "W", false, 100, 0)]);
        daily.kind = crate::store::CardKind::GroupDaily;
        let text = reveal_text(&bank, &daily, judge, Lang::Zh, Some((1, 2)));
        assert!(
            text.starts_with("<b>☀️ 今日群题 · 正确答案：对</b>\n\n"),
            "{text}"
        );
        assert!(text.contains("答对：0 人</b>\n❌ 答错：1 人"), "{text}");
    }

    #[test]
    fn a_crowd_is_counted_not_listed() {
        let answers = (0..40)
            .map(|i| answer(i, &format!("M{i}"), true, i * 100, 1000))
            .collect();
        let bank = bank();
        let q = bank.question("e1-q01").unwrap();
        let text = reveal_text(&bank, &card("e1-q01", answers), q, Lang::Zh, None);
        assert!(text.contains("\n30. M29 — 2.9 秒"), "{text}");
        assert!(!text.contains("M30 —"), "{text}");
        assert!(text.contains("……还有 10 人"), "{text}");
    }

    #[test]
    fn a_reveal_explains_points_a_streak_bonus_made_higher() {
        let bank = bank();
        let q = bank.question("e1-q01").unwrap();
        // The slower member earned more: their streak bonus says why.
        let c = card(
            "e1-q01",
            vec![
                answer(5, "Ann", true, 5_300, 956),
                answer(6, "Bob", true, 6_100, 1049),
            ],
        );
        let text = reveal_text(&bank, &c, q, Lang::Zh, None);
        assert!(text.contains("\n1. Ann — 5.3 秒 · +956 分\n"), "{text}");
        assert!(
            text.contains("\n2. Bob — 6.1 秒 · +1049 分（速度 +949，连对 +100）"),
            "{text}"
        );
        assert!(
            !text.contains("答错"),
            "no wrong line for nobody wrong: {text}"
        );
    }

    #[test]
    fn podium_ranks_everyone_once_with_medals_for_the_top_three() {
        let round = Round {
            total: 3,
            asked: 3,
            started_by: 1,
            scores: vec![
                (1, "Ann".into(), 1900),
                (2, "Bob".into(), 2800),
                (3, "Cy".into(), 0),
                (4, "Di".into(), 950),
                (5, "Ed".into(), 900),
            ],
            chapter: None,
        };
        let text = podium_text(&round, Lang::Zh);
        assert_eq!(
            text,
            "<b>🏆 本轮结束！</b>\n🥇 Bob — 2800 分\n🥈 Ann — 1900 分\n🥉 Di — 950 分\
             \n4. Ed — 900 分\n5. Cy — 0 分"
        );
    }

    #[test]
    fn podium_ties_share_a_medal_and_zero_gets_none() {
        let mut round = Round {
            total: 2,
            asked: 2,
            started_by: 1,
            scores: vec![
                (1, "A".into(), 900),
                (2, "B".into(), 900),
                (3, "C".into(), 800),
                (4, "D".into(), 0),
            ],
            chapter: None,
        };
        let text = podium_text(&round, Lang::En);
        assert!(
            text.ends_with("\n🥇 A — 900\n🥇 B — 900\n🥉 C — 800\n4. D — 0"),
            "{text}"
        );
        round.scores = vec![(1, "A".into(), 0)];
        let text = podium_text(&round, Lang::Zh);
        assert!(!text.contains('🥇') && text.contains("1. A — 0"), "{text}");
        round.scores.clear();
        assert!(podium_text(&round, Lang::Zh).contains("这一轮没有人作答"));
    }

    #[test]
    fn top_shows_points_right_answers_and_streaks() {
        let a = Standing {
            user: 1,
            points: 1960,
            correct: 2,
            streak: 2,
        };
        let b = Standing {
            user: 2,
            points: 0,
            correct: 0,
            streak: 0,
        };
        let text = top_text(&[("Ann", &a), ("<Bob>", &b)], false, Lang::Zh);
        assert!(
            text.starts_with(
                "<b>🏆 本周排行</b>\n1. Ann — 1960 分 · 答对 2 · 连对 2\n2. &lt;Bob&gt; — 0 分"
            ),
            "{text}"
        );
        let text = top_text(&[], true, Lang::En);
        assert_eq!(
            text,
            "<b>🏆 All time</b>\nNo points yet. Send /quiz to start!"
        );
    }

    #[test]
    fn toasts_begin_with_the_mark() {
        let bank = bank();
        let q = bank.question("e1-q01").unwrap();
        let p = Presentation::identity(q.options.len());
        for (response, mark) in [
            (Response::Choice(OptionSet::single(0)), "✅"),
            (Response::Choice(OptionSet::single(1)), "❌"),
        ] {
            let verdict = learn::grade(q, &p, response);
            let outcome = Answered::Graded {
                verdict,
                points: 990,
                streak: learn::StreakChange::SameDay,
                streak_days: 1,
                card: card("e1-q01", vec![]),
            };
            for lang in [Lang::Zh, Lang::En] {
                let t = toast_text(&outcome, lang);
                assert!(t.starts_with(mark), "{t}");
                assert_eq!(t.contains("990"), mark == "✅", "{t}");
            }
        }
        let again = Answered::AlreadyAnswered {
            card: card("e1-q01", vec![]),
        };
        assert!(toast_text(&again, Lang::Zh).contains("已经作答"));
        assert!(toast_text(&Answered::Closed, Lang::Zh).contains("已结束"));
    }

    #[test]
    fn intro_mentions_the_commands_and_admins() {
        for lang in [Lang::Zh, Lang::En] {
            let text = intro(lang);
            for cmd in ["/quiz", "/round", "/top", "/reveal", "/daily", "/settime"] {
                assert!(text.contains(cmd), "{cmd} in {text}");
            }
        }
        assert!(intro(Lang::Zh).contains("仅管理员"));
    }
}
