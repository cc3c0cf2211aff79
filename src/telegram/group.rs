//! Group quizzes: live questions with private feedback, reveals, rounds, leaderboards,
//! admin-only settings, joining and leaving.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatMemberUpdated, Message, MessageId, ReplyParameters, User,
};
use teloxide::utils::html::escape as esc;
use tracing::{debug, info, warn};

use crate::bank::Kind;
use crate::lang::Lang;
use crate::learn::{self, Parsed, Presentation, Response, RevealLine};
use crate::store::{AnswerOutcome, Card, Chat, JobKind, Round};

use super::{App, commands, handlers, render};

type HandlerResult = anyhow::Result<()>;

/// The most questions in one `/round`.
const MAX_ROUND: u8 = 20;
/// Live-count edits of a card are at most this often (a group allows 20 messages/min).
const LIVE_EDIT_EVERY: Duration = Duration::from_secs(5);
/// Pause between a reveal and the next question of a round.
const ROUND_PAUSE: Duration = Duration::from_secs(3);

fn group_lang(chat: &Chat) -> Lang {
    chat.lang.unwrap_or_default()
}

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
    // Privacy mode: other text reaches us only as a reply to one of our messages.
    let Some(reply_to) = msg.reply_to_message() else {
        return Ok(());
    };
    let Some(card) = app.store.card(chat.id, reply_to.id.0)? else {
        return Ok(());
    };
    let Some(q) = app.bank.question(&card.question) else {
        return Ok(());
    };
    let say = |text: String| {
        app.bot
            .send_message(msg.chat.id, text)
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
    };
    if !card.open {
        say(lang
            .pick("这道题已结束。", "This question is closed.")
            .into())
        .await?;
        return Ok(());
    }
    match learn::parse_answer(text, q.kind, card.order.len()) {
        Parsed::Answer(response) => {
            if card.answer_of(from.id.0 as i64).is_some() {
                say(lang
                    .pick("你已经作答过了。", "You already answered.")
                    .into())
                .await?;
                return Ok(());
            }
            handlers::submit(&app, &card, &from, response, text, lang, None).await
        }
        Parsed::NotAnswer => {
            let hint = match q.kind {
                Kind::Judge => lang.pick("回复 对 或 错 作答。", "Reply 对 or 错 to answer."),
                _ => lang.pick(
                    "回复选项字母作答，例如 B 或 BD。",
                    "Reply with letters, e.g. B or BD.",
                ),
            };
            say(hint.into()).await?;
            Ok(())
        }
        Parsed::Invalid(why) => {
            say(esc(&why.message(lang))).await?;
            Ok(())
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
    let user = from.id.0 as i64;
    let reply = |text: String| {
        app.bot
            .send_message(msg.chat.id, text)
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
    };
    match cmd.name.as_str() {
        "start" | "help" => {
            app.bot
                .send_message(msg.chat.id, render::help(lang, true))
                .await?;
        }
        "quiz" => {
            let chapter = match cmd.args {
                "" => None,
                n => match n
                    .parse::<u8>()
                    .ok()
                    .filter(|n| app.bank.chapter(*n).is_some())
                {
                    Some(n) => Some(n),
                    None => {
                        reply(
                            lang.pick(
                                "用法：/quiz 或 /quiz 3（章节号）",
                                "Usage: /quiz or /quiz 3 (chapter)",
                            )
                            .into(),
                        )
                        .await?;
                        return Ok(());
                    }
                },
            };
            if let Some(open) = open_card(app, chat)? {
                reply(
                    lang.pick(
                        "已经有一道题在进行中，请先作答。",
                        "A question is already open; answer it first.",
                    )
                    .into(),
                )
                .await?;
                let _ = open;
                return Ok(());
            }
            post_question(app, chat.id, user, chapter).await?;
        }
        "round" => {
            let n = match cmd.args.parse::<u8>() {
                Ok(n) if (1..=MAX_ROUND).contains(&n) => n,
                _ => {
                    reply(format!(
                        "{}{MAX_ROUND}",
                        lang.pick("用法：/round N，N 为 1–", "Usage: /round N, N from 1 to ")
                    ))
                    .await?;
                    return Ok(());
                }
            };
            if chat.round.is_some() || open_card(app, chat)?.is_some() {
                reply(
                    lang.pick(
                        "已经有题目在进行中。",
                        "A question or round is already running.",
                    )
                    .into(),
                )
                .await?;
                return Ok(());
            }
            app.store.update_chat(chat.id, |old| {
                let mut c = old.expect("ensured");
                c.round = Some(Round {
                    total: n,
                    asked: 0,
                    started_by: user,
                    scores: Vec::new(),
                });
                c
            })?;
            app.bot
                .send_message(
                    msg.chat.id,
                    match lang {
                        Lang::Zh => {
                            format!("🏁 开始一轮 {n} 题！每题限时 {} 秒。", chat.time_limit_secs)
                        }
                        Lang::En => format!(
                            "🏁 A round of {n} questions! {} s each.",
                            chat.time_limit_secs
                        ),
                    },
                )
                .await?;
            post_question(app, chat.id, user, None).await?;
        }
        "reveal" => {
            let Some(card) = open_card(app, chat)? else {
                reply(
                    lang.pick("现在没有进行中的题。", "No open question.")
                        .into(),
                )
                .await?;
                return Ok(());
            };
            let allowed = card.asked_by == user || is_admin(app, msg, from).await;
            if !allowed {
                reply(
                    lang.pick(
                        "仅出题人或管理员可以提前公布答案。",
                        "Only whoever started it or an admin can reveal early.",
                    )
                    .into(),
                )
                .await?;
                return Ok(());
            }
            reveal(app, chat.id, card.message).await?;
        }
        "top" => {
            let all = matches!(cmd.args, "all" | "全部" | "总");
            send_top(app, chat, all, lang).await?;
        }
        "settime" | "daily" | "tz" | "lang" => {
            if !is_admin(app, msg, from).await {
                let what = match cmd.name.as_str() {
                    "settime" => lang.pick(
                        "仅管理员可以修改答题时限。",
                        "Only admins can change the time limit.",
                    ),
                    "daily" => lang.pick(
                        "仅管理员可以设置每日群题。",
                        "Only admins can set the daily question.",
                    ),
                    "tz" => lang.pick(
                        "仅管理员可以修改群时区。",
                        "Only admins can change the time zone.",
                    ),
                    _ => lang.pick(
                        "仅管理员可以修改群语言。",
                        "Only admins can change the language.",
                    ),
                };
                reply(what.into()).await?;
                return Ok(());
            }
            match cmd.name.as_str() {
                "settime" => match cmd.args.parse::<u32>() {
                    Ok(s) if (10..=600).contains(&s) => {
                        app.store.update_chat(chat.id, |old| {
                            let mut c = old.expect("ensured");
                            c.time_limit_secs = s;
                            c
                        })?;
                        reply(format!(
                            "{}{s}{}",
                            lang.pick("答题时限已设为 ", "Time limit: "),
                            lang.pick(" 秒。", " s.")
                        ))
                        .await?;
                    }
                    _ => {
                        reply(
                            lang.pick(
                                "用法：/settime 10–600（秒）",
                                "Usage: /settime 10..600 (seconds)",
                            )
                            .into(),
                        )
                        .await?;
                    }
                },
                "daily" => group_daily(app, chat, cmd.args, lang).await?,
                "tz" => handlers::tz_command(app, chat.id, None, cmd.args, lang).await?,
                _ => match cmd.args.parse::<Lang>() {
                    Ok(new) => {
                        app.store.update_chat(chat.id, |old| {
                            let mut c = old.expect("ensured");
                            c.lang = Some(new);
                            c
                        })?;
                        reply(new.pick("群语言：中文", "Group language: English").into()).await?;
                    }
                    Err(()) => {
                        reply(
                            lang.pick("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en")
                                .into(),
                        )
                        .await?;
                    }
                },
            }
        }
        _ => {}
    }
    Ok(())
}

/// Admins, the chat's creator, and anonymous admins posting as the group.
async fn is_admin(app: &App, msg: &Message, from: &User) -> bool {
    if msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id)
    {
        return true;
    }
    // GroupAnonymousBot: Telegram's stand-in sender for anonymous admins.
    if from.id.0 == 1_087_968_824 {
        return true;
    }
    app.is_admin(msg.chat.id.0, from.id.0 as i64).await
}

/// The chat's open /quiz card, if it is still open.
fn open_card(app: &App, chat: &Chat) -> anyhow::Result<Option<Card>> {
    let Some(m) = chat.open_card else {
        return Ok(None);
    };
    Ok(app.store.card(chat.id, m)?.filter(|c| c.open))
}

/// Posts the next question of the chat's shuffle bag, with the chat's time limit.
pub async fn post_question(
    app: &Arc<App>,
    chat: i64,
    asked_by: i64,
    chapter: Option<u8>,
) -> HandlerResult {
    let mut picked = None;
    let c = app.store.update_chat(chat, |old| {
        let mut c = old.expect("ensured");
        picked = learn::draw(&mut c.bag, &app.bank, chapter, &mut rand::rng());
        c
    })?;
    let Some(q) = picked.and_then(|id| app.bank.question(&id)) else {
        return Ok(());
    };
    let lang = group_lang(&c);
    let card = match app
        .send_card(chat, q, asked_by, lang, Some(c.time_limit_secs), false)
        .await
    {
        Ok(card) => card,
        Err(e) => {
            app.on_send_error(chat, &e);
            return Err(e.into());
        }
    };
    app.store.update_chat(chat, |old| {
        let mut c = old.expect("ensured");
        c.open_card = Some(card.message);
        c
    })?;
    app.store.schedule(chat, JobKind::Close, card.deadline)?;
    app.wake.notify_one();
    Ok(())
}

/// After a group answer was recorded (or refused): the private toast and the live count.
pub async fn after_answer(
    app: &Arc<App>,
    card: &Card,
    outcome: AnswerOutcome,
    lang: Lang,
    callback: Option<&CallbackQuery>,
) -> HandlerResult {
    let toast = match &outcome {
        AnswerOutcome::Recorded {
            verdict, points, ..
        } => {
            if verdict.is_right() {
                match lang {
                    Lang::Zh => format!("✅ 正确！+{points} 分"),
                    Lang::En => format!("✅ Correct! +{points}"),
                }
            } else {
                lang.pick(
                    "❌ 错误，等公布答案时看解析。",
                    "❌ Wrong; see the reveal for why.",
                )
                .to_string()
            }
        }
        AnswerOutcome::AlreadyAnswered { .. } => {
            lang.pick("你已经作答过了", "You already answered").into()
        }
        AnswerOutcome::Closed => lang.pick("这道题已结束", "This question is closed").into(),
        AnswerOutcome::NoSuchCard | AnswerOutcome::UnknownQuestion => {
            lang.pick("无效操作", "Invalid action").into()
        }
    };
    if let Some(cb) = callback {
        app.bot
            .answer_callback_query(cb.id.clone())
            .text(toast)
            .await?;
    }
    if let AnswerOutcome::Recorded { card, .. } = outcome {
        schedule_live_edit(app, card.chat, card.message);
    }
    let _ = card;
    Ok(())
}

/// Edits the card's answer count at most every few seconds.
fn schedule_live_edit(app: &Arc<App>, chat: i64, message: i32) {
    {
        let mut pending = app.pending_edits.lock().unwrap_or_else(|e| e.into_inner());
        if !pending.insert((chat, message)) {
            return;
        }
    }
    let app = app.clone();
    tokio::spawn(async move {
        tokio::time::sleep(LIVE_EDIT_EVERY).await;
        app.pending_edits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(chat, message));
        let Ok(Some(card)) = app.store.card(chat, message) else {
            return;
        };
        if !card.open {
            return;
        }
        let Some(q) = app.bank.question(&card.question) else {
            return;
        };
        let lang = app
            .store
            .chat(chat)
            .ok()
            .flatten()
            .map(|c| group_lang(&c))
            .unwrap_or_default();
        let p = Presentation::from_order(card.order.clone())
            .unwrap_or_else(|| Presentation::identity(q.options.len()));
        let line = render::GroupLine {
            limit_secs: card.limit_secs.unwrap_or(0),
            answered: card.answers.len(),
        };
        let r = app
            .bot
            .edit_message_text(
                ChatId(chat),
                MessageId(message),
                render::card_text(q, &p, lang, Some(&line)),
            )
            .reply_markup(render::card_keyboard(q, &p, crate::bank::OptionSet::EMPTY))
            .await;
        if let Err(e) = super::ignore_not_modified(r) {
            debug!(chat, error = %e, "live count edit failed");
        }
    });
}

/// Closes a card and posts the reveal; continues or ends a round. Runs once per card.
pub async fn reveal(app: &Arc<App>, chat: i64, message: i32) -> HandlerResult {
    let Some(card) = app.store.close_card(chat, message)? else {
        return Ok(()); // already revealed
    };
    app.store.flush().await?;
    let c = app.store.update_chat(chat, |old| {
        let mut c = old.unwrap_or_else(|| {
            Chat::new(
                chat,
                crate::store::ChatKind::Group,
                "",
                app.default_tz.name(),
            )
        });
        if c.open_card == Some(message) {
            c.open_card = None;
        }
        if let Some(r) = c.round.as_mut().filter(|_| !card.daily) {
            r.asked += 1;
            for a in card.answers.iter().filter(|a| a.right) {
                match r.scores.iter_mut().find(|(u, _, _)| *u == a.user) {
                    Some(s) => s.2 += a.points as u64,
                    None => r.scores.push((a.user, a.name.clone(), a.points as u64)),
                }
            }
            for a in card.answers.iter().filter(|a| !a.right) {
                if !r.scores.iter().any(|(u, _, _)| *u == a.user) {
                    r.scores.push((a.user, a.name.clone(), 0));
                }
            }
        }
        c
    })?;
    if !card.daily {
        app.store.schedule(chat, JobKind::Close, None)?;
    }
    let lang = group_lang(&c);
    let _ = super::ignore_not_modified(
        app.bot
            .edit_message_reply_markup(ChatId(chat), MessageId(message))
            .await,
    );
    if let Some(q) = app.bank.question(&card.question) {
        let text = reveal_text(app, &card, q, lang);
        if let Err(e) = app
            .bot
            .send_message(ChatId(chat), text)
            .reply_parameters(
                ReplyParameters::new(MessageId(message)).allow_sending_without_reply(),
            )
            .await
        {
            app.on_send_error(chat, &e);
            return Err(e.into());
        }
    }
    if let Some(r) = c.round.clone().filter(|_| !card.daily) {
        if r.asked < r.total && c.active {
            tokio::time::sleep(ROUND_PAUSE).await;
            post_question(app, chat, r.started_by, None).await?;
        } else {
            app.store.update_chat(chat, |old| {
                let mut c = old.expect("exists");
                c.round = None;
                c
            })?;
            app.bot
                .send_message(ChatId(chat), podium_text(&r, lang))
                .await?;
        }
    }
    Ok(())
}

/// The reveal: answer, explanation, excerpt, who was right (fastest first), how many wrong.
pub fn reveal_text(app: &App, card: &Card, q: &crate::bank::Question, lang: Lang) -> String {
    let p = Presentation::from_order(card.order.clone())
        .unwrap_or_else(|| Presentation::identity(q.options.len()));
    let correct = match q.key {
        crate::bank::Key::Judge(true) => "对".to_string(),
        crate::bank::Key::Judge(false) => "错".to_string(),
        crate::bank::Key::Choice(set) => p.to_shown(set).letters(),
    };
    let mut out = match lang {
        Lang::Zh => format!(
            "<b>🔔 公布答案：{correct}</b>\n\n<b>解析</b>\n{}",
            esc(&q.explanation)
        ),
        Lang::En => format!(
            "<b>🔔 Answer: {correct}</b>\n\n<b>Explanation</b>\n{}",
            esc(&q.explanation)
        ),
    };
    out.push_str(&render::excerpt_block(&app.bank, q, lang));
    let lines: Vec<RevealLine> = card
        .answers
        .iter()
        .filter(|a| a.right)
        .map(|a| RevealLine {
            user: a.user,
            elapsed_ms: (a.at - card.posted).num_milliseconds().max(0) as u64,
            points: a.points,
        })
        .collect();
    let ordered = learn::reveal_order(&lines);
    let name_of = |u: i64| {
        card.answers
            .iter()
            .find(|a| a.user == u)
            .map_or_else(|| format!("#{u}"), |a| a.name.clone())
    };
    out.push_str(&format!(
        "\n\n<b>{}</b>",
        lang.pick("答对的同学", "Right answers")
    ));
    if ordered.is_empty() {
        out.push_str(lang.pick("\n（无）", "\n(none)"));
    }
    for (i, l) in ordered.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {} — {:.1}s · +{}",
            i + 1,
            esc(&name_of(l.user)),
            l.elapsed_ms as f64 / 1000.0,
            l.points
        ));
    }
    let wrong = card.answers.iter().filter(|a| !a.right).count();
    out.push_str(&match lang {
        Lang::Zh => format!("\n答错：{wrong} 人"),
        Lang::En => format!("\nWrong: {wrong}"),
    });
    out
}

fn podium_text(r: &Round, lang: Lang) -> String {
    let mut scores = r.scores.clone();
    scores.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut out = format!("<b>{}</b>\n", lang.pick("🏆 本轮结束！", "🏆 Round over!"));
    let medals = ["🥇", "🥈", "🥉"];
    for (i, (_, name, pts)) in scores.iter().take(3).enumerate() {
        out.push_str(&format!("{} {} — {pts}\n", medals[i], esc(name)));
    }
    if scores.is_empty() {
        out.push_str(lang.pick("这一轮没有人作答。\n", "Nobody answered this round.\n"));
    } else {
        out.push_str(&format!(
            "\n<b>{}</b>\n",
            lang.pick("全部得分", "All scores")
        ));
        for (name, pts) in scores.iter().map(|(_, n, p)| (n, p)) {
            out.push_str(&format!("{} — {pts}\n", esc(name)));
        }
    }
    out
}

async fn send_top(app: &App, chat: &Chat, all: bool, lang: Lang) -> HandlerResult {
    let tz = app.tz_of(&chat.tz);
    let entries = app.store.scores(chat.id)?;
    let plain: Vec<(i64, learn::MemberScore)> =
        entries.iter().map(|(u, _, s)| (*u, s.clone())).collect();
    let board = learn::leaderboard(&plain, !all, app.now(), tz, 10);
    let title = match (all, lang) {
        (false, Lang::Zh) => "🏆 本周排行",
        (false, Lang::En) => "🏆 This week",
        (true, Lang::Zh) => "🏆 总排行",
        (true, Lang::En) => "🏆 All time",
    };
    let mut out = format!("<b>{title}</b>\n");
    if board.is_empty() {
        out.push_str(lang.pick(
            "还没有得分。发送 /quiz 开始！",
            "No points yet. Send /quiz to start!",
        ));
    }
    for (i, s) in board.iter().enumerate() {
        let name = entries
            .iter()
            .find(|(u, _, _)| *u == s.user)
            .map_or("?", |(_, n, _)| n.as_str());
        out.push_str(&match lang {
            Lang::Zh => format!(
                "{}. {} — {} 分 · 答对 {} · 连对 {}\n",
                i + 1,
                esc(name),
                s.points,
                s.correct,
                s.streak
            ),
            Lang::En => format!(
                "{}. {} — {} pts · {} right · streak {}\n",
                i + 1,
                esc(name),
                s.points,
                s.correct,
                s.streak
            ),
        });
    }
    app.bot.send_message(ChatId(chat.id), out).await?;
    Ok(())
}

/// `/daily HH:MM`, `/daily off`, `/daily reveal HH:MM` in a group (admins only).
async fn group_daily(app: &Arc<App>, chat: &Chat, args: &str, lang: Lang) -> HandlerResult {
    let args = args.trim();
    if args.eq_ignore_ascii_case("off") {
        app.store.update_chat(chat.id, |old| {
            let mut c = old.expect("ensured");
            c.daily = None;
            c
        })?;
        app.store.schedule(chat.id, JobKind::Daily, None)?;
        app.bot
            .send_message(
                ChatId(chat.id),
                lang.pick("已取消每日群题。", "Daily group question stopped."),
            )
            .await?;
        return Ok(());
    }
    if let Some(rest) = args.strip_prefix("reveal") {
        let Some(time) = learn::parse_hhmm(rest.trim()) else {
            app.bot
                .send_message(
                    ChatId(chat.id),
                    lang.pick("用法：/daily reveal 22:00", "Usage: /daily reveal 22:00"),
                )
                .await?;
            return Ok(());
        };
        let Some(d) = chat.daily.clone() else {
            app.bot
                .send_message(
                    ChatId(chat.id),
                    lang.pick(
                        "请先用 /daily HH:MM 设置每日群题。",
                        "Set the daily question first: /daily HH:MM.",
                    ),
                )
                .await?;
            return Ok(());
        };
        return handlers::subscribe(app, chat.id, d.time, Some(time), lang).await;
    }
    let time = if args.is_empty() {
        NaiveTime::from_hms_opt(9, 0, 0)
    } else {
        learn::parse_hhmm(args)
    };
    let Some(time) = time else {
        app.bot
            .send_message(
                ChatId(chat.id),
                lang.pick(
                    "用法：/daily 20:00，/daily reveal 22:00，/daily off",
                    "Usage: /daily 20:00, /daily reveal 22:00, /daily off",
                ),
            )
            .await?;
        return Ok(());
    };
    let reveal = time + chrono::Duration::hours(2);
    handlers::subscribe(app, chat.id, time, Some(reveal), lang).await
}

/// The bot was added to, removed from, or blocked in a chat.
pub async fn on_my_chat_member(app: Arc<App>, upd: ChatMemberUpdated) -> HandlerResult {
    let chat = upd.chat.id.0;
    let was_in = upd.old_chat_member.is_present();
    let is_in = upd.new_chat_member.is_present();
    debug!(chat, was_in, is_in, "my_chat_member");
    if is_in && !was_in {
        if upd.chat.is_private() {
            app.ensure_chat(&upd.chat)?;
            return Ok(());
        }
        let c = app.ensure_chat(&upd.chat)?;
        let lang = group_lang(&c);
        info!(chat, "added to a group");
        let intro = match lang {
            Lang::Zh => {
                "大家好！我是《客户服务管理师基础理论》练习助手。\n\n\
                 /quiz 出一道题，大家点按钮或回复题目作答，限时结束后公布答案和得分；\n\
                 /round 5 连续 5 题；/top 本周排行；/reveal 提前公布。\n\
                 每日群题、时区、答题时限只有管理员可以设置：/daily 20:00、/tz、/settime 60。"
            }
            Lang::En => {
                "Hello! I run quizzes for the 客户服务管理师 certificate.\n\n\
                 /quiz posts a question: tap a button or reply to it; the answer and points are revealed when time is up.\n\
                 /round 5 for five in a row; /top for the leaderboard; /reveal to reveal early.\n\
                 Only admins change settings: /daily 20:00, /tz, /settime 60."
            }
        };
        if let Err(e) = app.bot.send_message(upd.chat.id, intro).await {
            app.on_send_error(chat, &e);
        }
    } else if was_in && !is_in {
        info!(
            chat,
            "removed from the chat (or blocked); stopping sends, keeping scores"
        );
        app.deactivate(chat);
    }
    Ok(())
}

/// Deadline of a group card reached (from the scheduler).
pub async fn on_deadline(app: &Arc<App>, chat: i64) {
    let Ok(Some(c)) = app.store.chat(chat) else {
        return;
    };
    let Some(m) = c.open_card else { return };
    if let Err(e) = reveal(app, chat, m).await {
        warn!(chat, error = %e, "reveal failed");
    }
}

/// The daily group card's reveal time (from the scheduler).
pub async fn on_daily_reveal(app: &Arc<App>, chat: i64) {
    let cards = match app.store.open_group_cards() {
        Ok(c) => c,
        Err(e) => {
            warn!(chat, error = %e, "listing open cards failed");
            return;
        }
    };
    for card in cards.into_iter().filter(|c| c.chat == chat && c.daily) {
        if let Err(e) = reveal(app, chat, card.message).await {
            warn!(chat, error = %e, "daily reveal failed");
        }
    }
}

/// Posts the group's daily question, open until its reveal time.
pub async fn post_daily(
    app: &Arc<App>,
    chat: &Chat,
    reveal_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), teloxide::RequestError> {
    let mut picked = None;
    let c = app
        .store
        .update_chat(chat.id, |old| {
            let mut c = old.unwrap_or_else(|| chat.clone());
            picked = learn::draw(&mut c.bag, &app.bank, None, &mut rand::rng());
            c
        })
        .map_err(|e| teloxide::RequestError::Io(std::io::Error::other(e.to_string()).into()))?;
    let Some(q) = picked.and_then(|id| app.bank.question(&id)) else {
        return Ok(());
    };
    let lang = group_lang(&c);
    let limit = (reveal_at - app.now()).num_seconds().clamp(60, 24 * 3600) as u32;
    let mut card = app
        .send_card(chat.id, q, 0, lang, Some(limit), true)
        .await?;
    card.daily = true;
    card.deadline = Some(reveal_at);
    let _ = app.store.put_card(&card);
    let _ = app
        .store
        .schedule(chat.id, JobKind::Reveal, Some(reveal_at));
    Ok(())
}

#[allow(dead_code)]
fn response_letters(r: &Response) -> String {
    match r {
        Response::Choice(s) => s.letters(),
        Response::Judge(true) => "对".into(),
        Response::Judge(false) => "错".into(),
    }
}
