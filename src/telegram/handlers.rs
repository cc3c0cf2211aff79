//! Handlers for messages and button taps in private chats (and the shared parts of groups).

use std::sync::Arc;

use chrono::NaiveTime;
use chrono_tz::Tz;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, InlineKeyboardMarkup, Message, MessageId, ReplyParameters, UpdateKind,
};
use teloxide::utils::html::escape as esc;
use tracing::{debug, warn};

use crate::bank::{Kind, OptionSet};
use crate::lang::Lang;
use crate::learn::{self, Parsed, Pick, Presentation, Response, Scope};
use crate::store::{AnswerOutcome, AnswerRequest, Card, Daily, JobKind};

use super::codec::{Action, NextScope};
use super::{App, commands, group, render};

type HandlerResult = anyhow::Result<()>;

/// An update dropped by flood control (see `FloodGate`): nothing is done for it, except
/// one notice when a flood starts (a private message, or a toast for a button).
pub async fn on_dropped(app: Arc<App>, upd: Update, dropped: super::Dropped) -> HandlerResult {
    use super::Dropped;
    debug!(update = upd.id.0, ?dropped, "dropped at the door");
    let Some(from) = upd.from() else {
        return Ok(());
    };
    let lang = || {
        let learner = app.store.learner(from.id.0 as i64).ok().flatten();
        app.lang_of(learner.as_ref(), Some(from))
    };
    match (&upd.kind, dropped) {
        // Every tap is answered, or the client spins until it times out.
        (UpdateKind::CallbackQuery(q), Dropped::Flood { notify: false }) => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
        }
        (UpdateKind::CallbackQuery(q), Dropped::Flood { notify: true }) => {
            let text = lang().pick("操作太快了，请稍等。", "Too fast; please wait.");
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(text)).await;
        }
        (UpdateKind::CallbackQuery(q), Dropped::Busy) => {
            let text = lang().pick(
                "太多人同时作答，请再点一次。",
                "Too many answers at once; please tap again.",
            );
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(text)).await;
        }
        (UpdateKind::Message(m), Dropped::Flood { notify: true }) if m.chat.is_private() => {
            let lang = lang();
            app.bot
                .send_message(
                    m.chat.id,
                    lang.pick(
                        "消息太多了，请稍等片刻再试。",
                        "Too many messages; please wait a moment.",
                    ),
                )
                .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Every message: commands, typed answers, service messages.
pub async fn on_message(app: Arc<App>, msg: Message) -> HandlerResult {
    let chat = msg.chat.id.0;
    let user = msg.from.as_ref().map(|u| u.id.0 as i64);
    debug!(chat, user, message = msg.id.0, "message");

    if let Some(new) = msg.migrate_to_chat_id() {
        tracing::info!(
            chat,
            new = new.0,
            "group migrated to a supergroup; moving its data"
        );
        app.store.migrate_chat(chat, new.0)?;
        app.wake.notify_one();
        return Ok(());
    }
    let Some(from) = msg.from.clone() else {
        return Ok(()); // channel posts and the like
    };
    // Bots are ignored, except Telegram's stand-in for an anonymous group admin, which
    // posts as the group itself (`sender_chat`).
    if from.is_bot && msg.sender_chat.as_ref().is_none_or(|c| c.id != msg.chat.id) {
        return Ok(());
    }
    if !msg.chat.is_private() {
        return group::on_group_message(app, msg, from).await;
    }

    app.ensure_chat(&msg.chat)?;
    let learner = app.ensure_learner(&from)?;
    let lang = app.lang_of(Some(&learner), Some(&from));
    let Some(text) = msg.text() else {
        if !app.bot.chatter_allowed() {
            return Ok(());
        }
        app.bot
            .send_message(
                msg.chat.id,
                lang.pick(
                    "我只看得懂文字：回复选项字母作答，或发送 /quiz 练一题、/help 查看命令。",
                    "I read text only: reply with letters to answer, /quiz for a question, /help for commands.",
                ),
            )
            .await?;
        return Ok(());
    };
    if let Some(cmd) = commands::parse(text, app.me.username()) {
        return private_command(&app, &msg, &from, cmd, lang).await;
    }
    if text.trim_start().starts_with('/') {
        // A command for another bot, or not a command at all: one hint.
        return unknown_command(&app, chat, lang).await;
    }
    // A typed answer: the card it replies to, else the most recent open card.
    let card = match msg.reply_to_message() {
        Some(r) => app.store.card(chat, r.id.0)?,
        None => typed_answer_card(&app, &msg, from.id.0 as i64)?,
    };
    let Some(card) = card.filter(|c| c.open) else {
        if !app.bot.chatter_allowed() {
            return Ok(());
        }
        app.bot
            .send_message(
                msg.chat.id,
                lang.pick(
                    "现在没有待答的题。发送 /quiz 练一题，/help 查看命令。",
                    "No open question. Send /quiz for one, /help for commands.",
                ),
            )
            .await?;
        return Ok(());
    };
    let Some(q) = app.bank.question(&card.question) else {
        return Ok(());
    };
    match learn::parse_answer(text, q.kind, card.order.len()) {
        Parsed::Answer(response) => submit(&app, &card, &from, response, text, lang, None).await,
        Parsed::NotAnswer if !app.bot.chatter_allowed() => Ok(()),
        Parsed::NotAnswer => {
            let hint = crate::view::not_an_answer(q.kind, lang, crate::view::Front::Chat);
            app.bot
                .send_message(msg.chat.id, hint)
                .reply_parameters(ReplyParameters::new(msg.id))
                .await?;
            Ok(())
        }
        Parsed::Invalid(why) => {
            app.bot
                .send_message(msg.chat.id, esc(&why.message(lang)))
                .reply_parameters(ReplyParameters::new(msg.id))
                .await?;
            Ok(())
        }
    }
}

/// The card a typed answer that is not a reply is for: the latest card still open
/// that was posted before the message (a card that arrives while the learner types is
/// not the one they answer). If the last card before it was already answered by this
/// learner after the message was sent, the message is that answer, delivered again
/// after a restart: it gets that (closed) card, and is not counted a second time on
/// another one.
fn typed_answer_card(app: &App, msg: &Message, user: i64) -> anyhow::Result<Option<Card>> {
    let chat = msg.chat.id.0;
    if let Some(last) = app.store.card_before(chat, msg.id.0, false)? {
        if !last.open && last.answer_of(user).is_some_and(|a| a.at >= msg.date) {
            return Ok(Some(last));
        }
    }
    Ok(app.store.card_before(chat, msg.id.0, true)?)
}

/// The chapter list with the learner's progress, counted in their own zone.
async fn send_chapters(app: &App, chat: i64, user: i64, lang: Lang) -> HandlerResult {
    let tz = app.learner_tz(app.store.learner(user)?.as_ref());
    let stats = app.store.stats(&app.bank, user, app.now(), tz)?;
    let (text, kb) = render::chapters_text(&app.bank, &stats, lang);
    app.bot
        .send_message(ChatId(chat), text)
        .reply_markup(kb)
        .await?;
    Ok(())
}

async fn unknown_command(app: &App, chat: i64, lang: Lang) -> HandlerResult {
    if !app.bot.chatter_allowed() {
        return Ok(());
    }
    app.bot
        .send_message(
            ChatId(chat),
            lang.pick(
                "没有这个命令。发送 /help 查看全部命令。",
                "Unknown command. Send /help for the list.",
            ),
        )
        .await?;
    Ok(())
}

async fn private_command(
    app: &Arc<App>,
    msg: &Message,
    from: &teloxide::types::User,
    cmd: commands::Command<'_>,
    lang: Lang,
) -> HandlerResult {
    let chat = msg.chat.id.0;
    let user = from.id.0 as i64;
    match cmd.name.as_str() {
        "start" => {
            let kb = InlineKeyboardMarkup::new(vec![
                vec![render::button(
                    &match lang {
                        Lang::Zh => format!(
                            "⏰ 订阅每日一题（{}）",
                            learn::DEFAULT_DAILY_TIME.format("%H:%M")
                        ),
                        Lang::En => format!(
                            "⏰ Daily question at {}",
                            learn::DEFAULT_DAILY_TIME.format("%H:%M")
                        ),
                    },
                    Action::Subscribe,
                )],
                vec![render::button(
                    lang.pick("开始练习 ▶", "Start ▶"),
                    Action::Next(NextScope::All),
                )],
            ]);
            app.bot
                .send_message(
                    msg.chat.id,
                    render::welcome(lang, &super::display_name(from)),
                )
                .reply_markup(kb)
                .await?;
            // Deep link: /start ch3 starts chapter 3.
            if let Some(n) = cmd
                .args
                .strip_prefix("ch")
                .and_then(|n| n.parse::<u8>().ok())
            {
                if app.bank.chapter(n).is_some() {
                    next_card(app, chat, user, Scope::Chapter(n), lang, None).await?;
                }
            }
        }
        "help" => {
            app.bot
                .send_message(msg.chat.id, render::help(lang, false))
                .await?;
        }
        "quiz" => {
            let scope = match cmd.args {
                "" => Scope::All,
                n => match n
                    .parse::<u8>()
                    .ok()
                    .filter(|n| app.bank.chapter(*n).is_some())
                {
                    Some(n) => Scope::Chapter(n),
                    None => {
                        let max = app.bank.chapters().len();
                        app.bot
                            .send_message(
                                msg.chat.id,
                                format!(
                                    "{}{max}{}",
                                    lang.pick("请输入章节号 1–", "Chapter number 1–"),
                                    lang.pick("，例如 /quiz 3。", ", e.g. /quiz 3.")
                                ),
                            )
                            .await?;
                        return Ok(());
                    }
                },
            };
            next_card(app, chat, user, scope, lang, None).await?;
        }
        "review" => next_card(app, chat, user, Scope::Review, lang, None).await?,
        "chapters" => send_chapters(app, chat, user, lang).await?,
        "read" => {
            let n = cmd
                .args
                .parse::<u8>()
                .ok()
                .filter(|n| app.bank.chapter(*n).is_some());
            match n {
                Some(n) => send_page(app, chat, n, 0, lang).await?,
                // Without a chapter, the same list as /chapters.
                None => send_chapters(app, chat, user, lang).await?,
            }
        }
        "stats" => send_stats(app, chat, user, lang).await?,
        "daily" => daily_command(app, chat, user, cmd.args, lang).await?,
        "tz" => tz_command(app, chat, Some(user), cmd.args, lang).await?,
        "lang" => match cmd.args.parse::<Lang>() {
            Ok(new) => {
                app.store.update_learner(user, |old| {
                    let mut l =
                        old.unwrap_or_else(|| crate::store::Learner::new(user, "", app.now()));
                    l.lang = Some(new);
                    l
                })?;
                app.store.flush().await?;
                app.bot
                    .send_message(msg.chat.id, new.pick("界面语言：中文", "Language: English"))
                    .await?;
            }
            Err(()) => {
                app.bot
                    .send_message(
                        msg.chat.id,
                        lang.pick("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en"),
                    )
                    .await?;
            }
        },
        "export" => {
            let data = app.store.export(user)?;
            let bytes = serde_json::to_vec_pretty(&data)?;
            app.bot
                .send_document(
                    msg.chat.id,
                    teloxide::types::InputFile::memory(bytes)
                        .file_name(format!("tutor-{user}.json")),
                )
                .caption(lang.pick("你的全部学习数据（JSON）。", "All your data (JSON)."))
                .await?;
        }
        "forget" => {
            let kb = InlineKeyboardMarkup::new(vec![vec![
                render::button(
                    lang.pick("确认删除", "Delete"),
                    Action::Forget { confirm: true },
                ),
                render::button(
                    lang.pick("取消", "Cancel"),
                    Action::Forget { confirm: false },
                ),
            ]]);
            app.bot
                .send_message(
                    msg.chat.id,
                    lang.pick(
                        "确定要删除你的全部学习数据吗？进度、统计和连续天数都会清空，且无法恢复。",
                        "Delete all your data? Progress, statistics and streaks are erased for good.",
                    ),
                )
                .reply_markup(kb)
                .await?;
        }
        "round" | "top" | "reveal" | "settime" => {
            app.bot
                .send_message(
                    msg.chat.id,
                    lang.pick(
                        "这个命令在学习群里使用。",
                        "This command works in study groups.",
                    ),
                )
                .await?;
        }
        _ => unknown_command(app, chat, lang).await?,
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
    let pick = app.pick(user, scope, exclude)?;
    let Some(id) = pick.question() else {
        let text = match pick {
            Pick::Done { next_due: Some(at) } => {
                let tz = app.learner_tz(app.store.learner(user)?.as_ref());
                format!(
                    "{}{}{}",
                    lang.pick(
                        "🎉 没有需要复习的题了。下一题到期：",
                        "🎉 Nothing to review. Next one due: "
                    ),
                    render::local_time(at, tz),
                    lang.pick(
                        "。发送 /quiz 继续练新题。",
                        ". Send /quiz for new questions."
                    )
                )
            }
            _ => lang
                .pick(
                    "🎉 没有需要复习的题。发送 /quiz 继续练习。",
                    "🎉 Nothing to review. Send /quiz to practise.",
                )
                .to_string(),
        };
        app.bot.send_message(ChatId(chat), text).await?;
        return Ok(());
    };
    let Some(q) = app.bank.question(id) else {
        return Ok(());
    };
    match app.send_card(chat, q, user, lang, None, false).await {
        Ok(_) => Ok(()),
        Err(e) => {
            app.on_send_error(chat, &e);
            Err(e.into())
        }
    }
}

async fn send_page(app: &App, chat: i64, chapter: u8, index: usize, lang: Lang) -> HandlerResult {
    let Some((parts, kb)) = render::read_page(&app.bank, chapter, index, lang) else {
        return Ok(());
    };
    app.send_long(chat, &parts.join("\n\n"), Some(kb.into()))
        .await?;
    Ok(())
}

async fn send_stats(app: &App, chat: i64, user: i64, lang: Lang) -> HandlerResult {
    let tz = app.learner_tz(app.store.learner(user)?.as_ref());
    let stats = app.store.stats(&app.bank, user, app.now(), tz)?;
    app.send_long(chat, &render::stats_text(&app.bank, &stats, lang), None)
        .await?;
    match super::chart::stats_png(&stats) {
        Ok(png) => app.send_photo(chat, png).await?,
        Err(e) => warn!(chat, error = %e, "stats chart failed"),
    }
    Ok(())
}

/// `/daily [HH:MM|off|remind on|remind off]` in a private chat.
async fn daily_command(app: &App, chat: i64, user: i64, args: &str, lang: Lang) -> HandlerResult {
    let args = args.trim();
    let reply = |text: String| app.bot.send_message(ChatId(chat), text);
    if args.eq_ignore_ascii_case("off") || args == "关" || args == "关闭" {
        app.store.update_chat(chat, |old| {
            let mut c = old.unwrap_or_else(|| fresh_chat(app, chat));
            c.daily = None;
            c
        })?;
        app.store.schedule(chat, JobKind::Daily, None)?;
        app.store.schedule(chat, JobKind::Reminder, None)?;
        app.store.flush().await?;
        reply(
            lang.pick("已取消每日一题。", "Daily question stopped.")
                .into(),
        )
        .await?;
        return Ok(());
    }
    if let Some(rest) = args.strip_prefix("remind") {
        let on = match rest.trim() {
            "on" | "" => true,
            "off" => false,
            _ => {
                reply(
                    lang.pick("用法：/daily remind on|off", "Usage: /daily remind on|off")
                        .into(),
                )
                .await?;
                return Ok(());
            }
        };
        let c = app.store.update_chat(chat, |old| {
            let mut c = old.unwrap_or_else(|| fresh_chat(app, chat));
            if let Some(d) = c.daily.as_mut() {
                d.remind = on;
            }
            c
        })?;
        if c.daily.is_none() {
            reply(
                lang.pick(
                    "请先用 /daily 订阅每日一题。",
                    "Subscribe first with /daily.",
                )
                .into(),
            )
            .await?;
            return Ok(());
        }
        let tz = app.tz_of(&c.tz);
        let at = on.then(|| learn::next_reminder(app.now(), tz));
        app.store.schedule(chat, JobKind::Reminder, at)?;
        app.wake.notify_one();
        app.store.flush().await?;
        reply(if on {
            lang.pick("已开启连续学习提醒：连续 3 天以上、当天 21:00 前还没练习时提醒你一次。", "Streak reminder on: one nudge at 21:00 if you have a 3+ day streak and haven't practised.").into()
        } else {
            lang.pick("已关闭连续学习提醒。", "Streak reminder off.").into()
        })
        .await?;
        let _ = user;
        return Ok(());
    }
    let time = if args.is_empty() {
        Some(learn::DEFAULT_DAILY_TIME)
    } else {
        learn::parse_hhmm(args)
    };
    let Some(time) = time else {
        reply(
            lang.pick(
                "用法：/daily 08:30（24 小时制），/daily off 取消。",
                "Usage: /daily 08:30 (24-hour), /daily off to stop.",
            )
            .into(),
        )
        .await?;
        return Ok(());
    };
    subscribe(app, chat, time, None, lang).await
}

/// Stores a chat's daily schedule (keeping what was sent) and schedules its next
/// send; says nothing. Returns the chat and the instant of that send.
pub(crate) fn plan_daily(
    app: &App,
    chat: i64,
    time: NaiveTime,
    reveal: Option<NaiveTime>,
) -> anyhow::Result<(crate::store::Chat, chrono::DateTime<chrono::Utc>)> {
    let c = app.store.update_chat(chat, |old| {
        let mut c = old.unwrap_or_else(|| fresh_chat(app, chat));
        let prev = c.daily.take();
        c.daily = Some(Daily {
            time,
            reveal,
            last_sent: prev.as_ref().and_then(|d| d.last_sent),
            remind: prev.as_ref().is_some_and(|d| d.remind),
            last_reminded: prev.and_then(|d| d.last_reminded),
        });
        c
    })?;
    let tz: Tz = app.tz_of(&c.tz);
    let last = c.daily.as_ref().and_then(|d| d.last_sent);
    // A subscription made after today's time starts tomorrow (no surprise card now).
    let at = learn::first_send(time, tz, last, app.now());
    app.store.schedule(chat, JobKind::Daily, Some(at))?;
    app.wake.notify_one();
    Ok((c, at))
}

/// Stores a daily schedule and confirms it with the time, the zone and the next send.
pub async fn subscribe(
    app: &App,
    chat: i64,
    time: NaiveTime,
    reveal: Option<NaiveTime>,
    lang: Lang,
) -> HandlerResult {
    let (c, at) = plan_daily(app, chat, time, reveal)?;
    // Durable before it is confirmed.
    app.store.flush().await?;
    let tz: Tz = app.tz_of(&c.tz);
    let hhmm = time.format("%H:%M");
    let text = match lang {
        Lang::Zh => format!(
            "⏰ 已订阅每日一题：每天 {hhmm}（{}）。\n下一题：{}\n/daily off 取消，/tz 修改时区。",
            tz.name(),
            render::local_time(at, tz)
        ),
        Lang::En => format!(
            "⏰ Daily question at {hhmm} ({}).\nNext one: {}\n/daily off stops it, /tz changes the zone.",
            tz.name(),
            render::local_time(at, tz)
        ),
    };
    app.bot.send_message(ChatId(chat), text).await?;
    Ok(())
}

/// `/tz ZONE` for a chat (and, in a private chat, the learner).
pub async fn tz_command(
    app: &App,
    chat: i64,
    user: Option<i64>,
    args: &str,
    lang: Lang,
) -> HandlerResult {
    let name = args.trim();
    let Ok(tz) = name.parse::<Tz>() else {
        let current = app.store.chat(chat)?.map(|c| c.tz).unwrap_or_default();
        app.bot
            .send_message(
                ChatId(chat),
                format!(
                    "{}{}{}",
                    lang.pick("当前时区：", "Current zone: "),
                    esc(&current),
                    lang.pick(
                        "。用法：/tz Asia/Shanghai（IANA 时区名）",
                        ". Usage: /tz Europe/Berlin (an IANA zone name)"
                    )
                ),
            )
            .await?;
        return Ok(());
    };
    let c = app.store.update_chat(chat, |old| {
        let mut c = old.unwrap_or_else(|| fresh_chat(app, chat));
        c.tz = tz.name().to_string();
        c
    })?;
    if let Some(user) = user {
        app.store.update_learner(user, |old| {
            let mut l = old.unwrap_or_else(|| crate::store::Learner::new(user, "", app.now()));
            l.tz = Some(tz.name().to_string());
            l
        })?;
    }
    // Re-plan the daily send in the new zone.
    if let Some(d) = &c.daily {
        // A new zone re-plans the next send; it never fires one at once.
        let at = learn::first_send(d.time, tz, d.last_sent, app.now());
        app.store.schedule(chat, JobKind::Daily, Some(at))?;
        if d.remind {
            app.store.schedule(
                chat,
                JobKind::Reminder,
                Some(learn::next_reminder(app.now(), tz)),
            )?;
        }
        app.wake.notify_one();
    }
    app.store.flush().await?;
    app.bot
        .send_message(
            ChatId(chat),
            format!(
                "{}{}",
                lang.pick("时区已设为 ", "Time zone set to "),
                tz.name()
            ),
        )
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
    let user = from.id.0 as i64;
    let learner = app.ensure_learner(from)?;
    let learner_tz = app.learner_tz(Some(&learner));
    let chat_tz = match app.store.chat(card.chat)? {
        Some(c) => app.tz_of(&c.tz),
        None => app.default_tz,
    };
    let req = AnswerRequest {
        chat: card.chat,
        message: card.message,
        user,
        name: learner.name.clone(),
        response,
        answer_text: answer_text.chars().take(64).collect(),
        now: app.now(),
        learner_tz,
        chat_tz,
    };
    if card.group
        && card
            .deadline
            .is_some_and(|d| req.now > d + chrono::Duration::seconds(1))
    {
        // Time is up: the reveal is due (or running); a late answer scores nothing.
        let _ = group::reveal(app, card.chat, card.message).await;
        return group::after_answer(app, card, AnswerOutcome::Closed, lang, callback).await;
    }
    // The answer (or the first delivery of a redelivered one) is on disk before the
    // learner hears about it: the writer returns after its flush.
    let outcome = app.answers.record(req).await?;
    if card.group {
        return group::after_answer(app, card, outcome, lang, callback).await;
    }
    match outcome {
        AnswerOutcome::Recorded {
            verdict, streak, ..
        } => {
            let Some(q) = app.bank.question(&card.question) else {
                return Ok(());
            };
            if let Some(cb) = callback {
                let toast = if verdict.is_right() {
                    lang.pick("✅ 正确", "✅ Correct")
                } else {
                    lang.pick("❌ 错误", "❌ Wrong")
                };
                super::bounded_toast(app.bot.answer_callback_query(cb.id.clone()).text(toast))
                    .await;
            }
            // Close the card: no keyboard, so it cannot be graded twice.
            let _ = super::ignore_not_modified(
                app.bot
                    .edit_message_reply_markup(ChatId(card.chat), MessageId(card.message))
                    .await,
            );
            let days = app.store.learner(user)?.map_or(0, |l| l.streak.current);
            let text = render::verdict_text(&app.bank, q, &verdict, Some((streak, days)), lang);
            let scope = NextScope::All;
            // The answer is recorded: its verdict is worth a few attempts.
            super::with_retries(|| {
                app.bot
                    .send_message(ChatId(card.chat), text.clone())
                    .reply_parameters(
                        ReplyParameters::new(MessageId(card.message)).allow_sending_without_reply(),
                    )
                    .reply_markup(render::verdict_keyboard(q, scope, lang))
                    .into_future()
            })
            .await?;
        }
        AnswerOutcome::AlreadyAnswered { .. } | AnswerOutcome::Closed => {
            toast_or_say(
                app,
                card.chat,
                callback,
                lang.pick("这道题已结束", "This question is closed"),
            )
            .await?;
        }
        AnswerOutcome::NoSuchCard | AnswerOutcome::UnknownQuestion => {
            toast_or_say(
                app,
                card.chat,
                callback,
                lang.pick("无效操作", "Invalid action"),
            )
            .await?;
        }
    }
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
    let learner = app.store.learner(user)?;
    let lang = app.lang_of(learner.as_ref(), Some(&q.from));
    debug!(user, "callback");
    let invalid = lang.pick("无效操作", "Invalid action");
    let closed = lang.pick("这道题已结束", "This question is closed");
    let action = match q.data.as_deref().map(Action::decode) {
        Some(Ok(a)) => a,
        _ => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid)).await;
            return Ok(());
        }
    };
    let Some(msg) = q.regular_message() else {
        super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(closed)).await;
        return Ok(());
    };
    let chat = msg.chat.id.0;
    let group = !msg.chat.is_private();
    // A private chat's buttons are its owner's (the chat id is the user id): a tap by
    // anyone else can only be forged, and must not answer, subscribe or forget.
    if !group && chat != user {
        super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid)).await;
        return Ok(());
    }
    match action {
        Action::Answer { question, index } => {
            let Some(card) = card_for(&app, chat, msg.id.0, &question, &q, lang).await? else {
                return Ok(());
            };
            let Some(qq) = app.bank.question(&card.question) else {
                return Ok(());
            };
            let response = match qq.kind {
                Kind::Judge if index < 2 => Response::Judge(index == 0),
                Kind::Single if (index as usize) < card.order.len() => {
                    Response::Choice(OptionSet::single(index as usize))
                }
                _ => {
                    super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid))
                        .await;
                    return Ok(());
                }
            };
            let text = match response {
                Response::Judge(true) => "对".to_string(),
                Response::Judge(false) => "错".to_string(),
                Response::Choice(s) => s.letters(),
            };
            ensure_private_chat(&app, msg, group)?;
            submit(&app, &card, &q.from, response, &text, lang, Some(&q)).await?;
        }
        Action::Toggle { question, index } => {
            let Some(card) = card_for(&app, chat, msg.id.0, &question, &q, lang).await? else {
                return Ok(());
            };
            if card.answer_of(user).is_some() {
                super::bounded_toast(
                    app.bot
                        .answer_callback_query(q.id.clone())
                        .text(lang.pick("你已经作答过了", "You already answered")),
                )
                .await;
                return Ok(());
            }
            // Only a multiple-choice card has toggles (a forged one on another kind is
            // refused, or a later submit would grade it).
            if index as usize >= card.order.len() || !is_multi(&app, &card) {
                super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid))
                    .await;
                return Ok(());
            }
            let Some((card, sel)) =
                app.store
                    .toggle_selection(chat, card.message, user, index as usize)?
            else {
                super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(closed))
                    .await;
                return Ok(());
            };
            let chosen = if sel.is_empty() {
                "—".to_string()
            } else {
                sel.letters()
            };
            super::bounded_toast(
                app.bot
                    .answer_callback_query(q.id.clone())
                    .text(format!("{}{chosen}", lang.pick("已选：", "Chosen: "))),
            )
            .await;
            if !group {
                if let Some(qq) = app.bank.question(&card.question) {
                    let p = Presentation::from_order(card.order.clone())
                        .unwrap_or_else(|| Presentation::identity(qq.options.len()));
                    let _ = super::ignore_not_modified(
                        app.bot
                            .edit_message_reply_markup(msg.chat.id, msg.id)
                            .reply_markup(render::card_keyboard(qq, &p, sel))
                            .await,
                    );
                }
            }
        }
        Action::Submit { question } => {
            let Some(card) = card_for(&app, chat, msg.id.0, &question, &q, lang).await? else {
                return Ok(());
            };
            if !is_multi(&app, &card) {
                super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid))
                    .await;
                return Ok(());
            }
            let sel = card.selection_of(user);
            if card.answer_of(user).is_some() {
                super::bounded_toast(
                    app.bot
                        .answer_callback_query(q.id.clone())
                        .text(lang.pick("你已经作答过了", "You already answered")),
                )
                .await;
                return Ok(());
            }
            if sel.is_empty() {
                super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(lang.pick(
                    "请先点选选项，再按提交",
                    "Choose options first, then submit",
                )))
                .await;
                return Ok(());
            }
            ensure_private_chat(&app, msg, group)?;
            submit(
                &app,
                &card,
                &q.from,
                Response::Choice(sel),
                &sel.letters(),
                lang,
                Some(&q),
            )
            .await?;
        }
        Action::Next(scope) => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
            if group {
                return Ok(());
            }
            app.ensure_learner(&q.from)?;
            let scope = match scope {
                NextScope::All => Scope::All,
                NextScope::Review => Scope::Review,
                NextScope::Chapter(n) => Scope::Chapter(n),
            };
            let card = app.store.card(chat, msg.id.0)?;
            let exclude = card.as_ref().map(|c| c.question.clone());
            next_card(&app, chat, user, scope, lang, exclude.as_deref()).await?;
        }
        Action::Read { section } => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
            let Some((chapter, index)) = app.bank.section_position(&section) else {
                return Ok(());
            };
            send_page(&app, chat, chapter, index, lang).await?;
        }
        Action::Page { chapter, index } => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
            let Some((parts, kb)) = render::read_page(&app.bank, chapter, index as usize, lang)
            else {
                return Ok(());
            };
            if parts.len() == 1 {
                let r = app
                    .bot
                    .edit_message_text(msg.chat.id, msg.id, parts[0].clone())
                    .reply_markup(kb)
                    .await;
                super::ignore_not_modified(r)?;
            } else {
                send_page(&app, chat, chapter, index as usize, lang).await?;
            }
        }
        Action::Subscribe => {
            super::bounded_toast(app.bot.answer_callback_query(q.id.clone())).await;
            if group {
                return Ok(());
            }
            app.ensure_chat(&msg.chat)?;
            subscribe(&app, chat, learn::DEFAULT_DAILY_TIME, None, lang).await?;
        }
        Action::Forget { confirm } => {
            if group {
                super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(invalid))
                    .await;
                return Ok(());
            }
            if confirm {
                app.store.forget(user)?;
                app.store.flush().await?;
                super::bounded_toast(
                    app.bot
                        .answer_callback_query(q.id.clone())
                        .text(lang.pick("已删除", "Deleted")),
                )
                .await;
                let _ = app
                    .bot
                    .edit_message_text(
                        msg.chat.id,
                        msg.id,
                        lang.pick(
                            "🗑 你的数据已全部删除。发送 /start 可以重新开始。",
                            "🗑 All your data is deleted. /start begins again.",
                        ),
                    )
                    .await;
            } else {
                super::bounded_toast(
                    app.bot
                        .answer_callback_query(q.id.clone())
                        .text(lang.pick("已取消", "Cancelled")),
                )
                .await;
                let _ = app
                    .bot
                    .edit_message_text(
                        msg.chat.id,
                        msg.id,
                        lang.pick("已取消，数据未删除。", "Cancelled; nothing deleted."),
                    )
                    .await;
            }
        }
    }
    Ok(())
}

/// A chat record with the defaults, for the rare update that races a `/forget` or a
/// deactivation (the record is normally ensured when the update arrives).
fn fresh_chat(app: &App, id: i64) -> crate::store::Chat {
    let kind = if id > 0 {
        crate::store::ChatKind::Private
    } else {
        crate::store::ChatKind::Group
    };
    crate::store::Chat::new(id, kind, "", app.default_tz.name())
}

/// Whether `card` shows a multiple-choice question (the only kind with toggles).
fn is_multi(app: &App, card: &Card) -> bool {
    app.bank
        .question(&card.question)
        .is_some_and(|q| q.kind == Kind::Multi)
}

fn ensure_private_chat(app: &App, msg: &Message, group: bool) -> anyhow::Result<()> {
    if !group {
        app.ensure_chat(&msg.chat)?;
    }
    Ok(())
}

/// The open card a button belongs to, or a toast saying why there is none.
async fn card_for(
    app: &App,
    chat: i64,
    message: i32,
    question: &str,
    q: &CallbackQuery,
    lang: Lang,
) -> anyhow::Result<Option<Card>> {
    let card = app.store.card(chat, message)?;
    let toast = match &card {
        None => Some(lang.pick("无效操作", "Invalid action")),
        Some(c) if c.question != question => Some(lang.pick("无效操作", "Invalid action")),
        Some(c) if !c.open => Some(lang.pick("这道题已结束", "This question is closed")),
        Some(c) if c.answer_of(q.from.id.0 as i64).is_some() => {
            Some(lang.pick("你已经作答过了", "You already answered"))
        }
        Some(_) => None,
    };
    if let Some(t) = toast {
        super::bounded_toast(app.bot.answer_callback_query(q.id.clone()).text(t)).await;
        return Ok(None);
    }
    Ok(card)
}
