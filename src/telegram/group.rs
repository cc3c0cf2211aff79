//! Group quizzes: live questions with private feedback, reveals, rounds, leaderboards,
//! admin-only settings, joining and leaving.
//!
//! Everything works with privacy mode on: the bot sees commands addressed to it and
//! replies to its own messages, so typed answers are replies to the card.
//!
//! - A chat has at most one open `/quiz` card (`Chat::open_card`), plus possibly the
//!   daily group card. The card's deadline is a `JobKind::Close` job; a round's next
//!   question is the same job with no open card, so rounds survive a restart.
//! - Feedback is private: the button toast begins with ✅ or ❌. The card shows a live
//!   count of answers, edited at most once per [`LIVE_EDIT_EVERY`] per card.
//! - The reveal closes the card exactly once ([`crate::store::Store::close_card`]),
//!   removes its buttons and lists who was right, fastest first, with points.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQuery, ChatMemberUpdated, Message, MessageId, ReplyParameters, User,
};
use teloxide::utils::html::escape as esc;
use tracing::{debug, info, warn};

use crate::app::Answered;
use crate::bank::{Bank, Key, OptionSet, Question};
use crate::lang::Lang;
use crate::learn::{self, Parsed, Presentation, RevealLine, Standing};
use crate::store::{Card, Chat, ChatKind, JobKind, Round};

use super::{App, SendFailure, classify, commands, handlers, render};
use crate::view::catalogue::{self as cat, CardState, status_line};
use crate::view::{Front, Say, study};

type HandlerResult = anyhow::Result<()>;

/// The most questions in one `/round`.
pub const MAX_ROUND: u8 = 20;
/// The shortest and longest time limit `/settime` accepts, in seconds.
pub const MIN_LIMIT_SECS: u32 = 10;
pub const MAX_LIMIT_SECS: u32 = 600;
/// Live-count edits of one card are at most this often (a group allows about 20
/// messages a minute; a card gets at most 12 live edits a minute).
pub const LIVE_EDIT_EVERY: Duration = Duration::from_secs(5);
/// Pause between a reveal and the next question of a round.
const ROUND_PAUSE: Duration = Duration::from_secs(3);
/// Rows of `/top`.
const TOP_N: usize = 10;
/// Right answers named in a reveal; the rest are counted.
const REVEAL_NAMES: usize = 30;
/// Telegram's stand-in sender for anonymous group admins (`@GroupAnonymousBot`).
const GROUP_ANONYMOUS_BOT: u64 = 1_087_968_824;

/// What a group may get from us in a minute: Telegram allows about 20 messages a
/// minute in a group. The pace holds sends only, so the quiz counts its own sends
/// and edits, and the optional ones (live counts) use only what is left.
const GROUP_PER_MINUTE: usize = 20;
/// Kept free of live edits: room for a reveal, the next card, a podium, a reply.
const LIVE_RESERVE: usize = 4;
const MINUTE: Duration = Duration::from_secs(60);

/// Live-count edit tasks and each group's message budget.
///
/// One entry per card with a running edit task; its lock orders the task's edits
/// against the reveal's final edit, so a stale live edit can never bring the
/// buttons back after the reveal.
#[derive(Default)]
pub(crate) struct LiveEdits {
    cards: Mutex<EditTasks>,
    /// chat → when we sent or edited something there, within the last minute.
    sent: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

/// (chat, message) → the lock of the card's running edit task.
type EditTasks = HashMap<(i64, i32), Arc<tokio::sync::Mutex<()>>>;

impl LiveEdits {
    fn map(&self) -> std::sync::MutexGuard<'_, EditTasks> {
        self.cards.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a send or edit to `chat` against its budget.
    fn spend(&self, chat: i64) {
        self.take(chat, usize::MAX);
    }

    /// Counts a live edit if fewer than `GROUP_PER_MINUTE - LIVE_RESERVE` messages
    /// went to `chat` in the last minute; false (nothing counted) otherwise.
    fn spend_spare(&self, chat: i64) -> bool {
        self.take(chat, GROUP_PER_MINUTE - LIVE_RESERVE)
    }

    fn take(&self, chat: i64, below: usize) -> bool {
        let now = Instant::now();
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if sent.len() > 10_000 {
            sent.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < MINUTE));
        }
        let q = sent.entry(chat).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= MINUTE) {
            q.pop_front();
        }
        if q.len() >= below {
            return false;
        }
        q.push_back(now);
        true
    }
}

fn group_lang(chat: &Chat) -> Lang {
    chat.lang.unwrap_or_default()
}

/// The stored chat, or a fresh group record (for a chat that vanished meanwhile).
fn or_new(app: &App, id: i64, old: Option<Chat>) -> Chat {
    old.unwrap_or_else(|| Chat::new(id, ChatKind::Group, "", app.tutor.default_tz.name()))
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
    if from.is_bot || msg.sender_chat.is_some() {
        return Ok(());
    }
    // Privacy mode: other text reaches us only as a reply to one of our messages.
    let Some(reply_to) = msg.reply_to_message() else {
        return Ok(());
    };
    let Some(card) = app
        .tutor
        .store
        .card(chat.id, reply_to.id.0)?
        .filter(|c| c.group)
    else {
        return Ok(()); // a reply to the intro, a reveal, …
    };
    let Some(q) = app.tutor.bank.question(&card.question) else {
        return Ok(());
    };
    let say = |text: &str| {
        app.pending_edits.spend(chat.id);
        app.bot
            .send_message(msg.chat.id, text.to_string())
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
    };
    let late = overdue(&card, app.now());
    match learn::parse_answer(text, q.kind, card.order.len()) {
        Parsed::Answer(response) => {
            if !card.open || late {
                if late {
                    reveal_logged(&app, card.chat, card.message).await;
                }
                say(Say::GroupCardClosed.text(lang)).await?;
                return Ok(());
            }
            if card.answer_of(from.id.0 as i64).is_some() {
                say(Say::GroupAlreadyAnswered.text(lang)).await?;
                return Ok(());
            }
            // No reply in the group: the result stays private until the reveal.
            handlers::submit(&app, &card, &from, response, text, lang, None).await
        }
        // Chatter under a closed card is nobody's business.
        _ if !card.open || late => Ok(()),
        Parsed::NotAnswer => {
            say(crate::view::not_an_answer(
                q.kind,
                lang,
                crate::view::Front::Chat,
            ))
            .await?;
            Ok(())
        }
        Parsed::Invalid(why) => {
            say(&esc(&why.message(lang))).await?;
            Ok(())
        }
    }
}

/// Past the card's deadline (plus its grace)?
fn overdue(card: &Card, now: DateTime<Utc>) -> bool {
    learn::is_late(card.deadline, now)
}

async fn group_command(
    app: &Arc<App>,
    msg: &Message,
    from: &User,
    chat: &Chat,
    cmd: commands::Command<'_>,
    lang: Lang,
) -> HandlerResult {
    use commands::{Admin, ChapterArg, Group};
    let user = from.id.0 as i64;
    let reply = |text: &str| {
        app.pending_edits.spend(chat.id);
        app.bot
            .send_message(msg.chat.id, text.to_string())
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
    };
    match Group::parse(&cmd) {
        Group::Help => {
            app.pending_edits.spend(chat.id);
            app.send_doc(chat.id, &study::help(lang, true)).await?;
        }
        Group::Quiz(arg) => {
            let chapter = match arg {
                ChapterArg::All => None,
                ChapterArg::Number(n) if app.tutor.bank.chapter(n).is_some() => Some(n),
                _ => {
                    return reply(Say::GroupQuizUsage.text(lang))
                        .await
                        .map(drop)
                        .map_err(Into::into);
                }
            };
            match busy(app, chat, lang)? {
                Some(busy) => drop(reply(busy).await?),
                None => drop(post_question(app, chat.id, user, chapter).await?),
            }
        }
        Group::Round(Some(n)) if (1..=MAX_ROUND).contains(&n) => match busy(app, chat, lang)? {
            Some(busy) => drop(reply(busy).await?),
            None => start_round(app, chat, user, n, lang).await?,
        },
        Group::Round(_) => drop(reply(&cat::round_usage(MAX_ROUND, lang)).await?),
        Group::Reveal => {
            let Some(card) = open_card(app, chat)? else {
                reply(Say::NothingOpen.text(lang)).await?;
                return Ok(());
            };
            if card.asked_by != user && !is_admin(app, msg, from).await {
                reply(Say::RevealNotAllowed.text(lang)).await?;
                return Ok(());
            }
            reveal(app, chat.id, card.message).await?;
        }
        Group::Top { all } => send_top(app, chat, all, lang).await?,
        Group::Admin(setting) => {
            if !is_admin(app, msg, from).await {
                let why = match setting {
                    Admin::SetTime(_) => Say::AdminsSetTime,
                    Admin::Daily(_) => Say::AdminsDaily,
                    Admin::Tz(_) => Say::AdminsZone,
                    Admin::Lang(_) => Say::AdminsLang,
                };
                reply(why.text(lang)).await?;
                return Ok(());
            }
            admin_setting(app, msg, chat, setting, lang).await?;
        }
        Group::PrivateOnly => drop(reply(&cat::private_only(app.me.username(), lang)).await?),
        Group::Other => {} // another bot's command, or none at all
    }
    Ok(())
}

/// `/round N`: the round is recorded, announced, and its first question posted.
async fn start_round(app: &Arc<App>, chat: &Chat, user: i64, n: u8, lang: Lang) -> HandlerResult {
    let c = app.tutor.store.update_chat(chat.id, |old| {
        let mut c = or_new(app, chat.id, old);
        c.round = Some(Round {
            total: n,
            asked: 0,
            started_by: user,
            scores: Vec::new(),
        });
        c
    })?;
    app.pending_edits.spend(chat.id);
    app.bot
        .send_message(
            ChatId(chat.id),
            cat::round_start(n, c.time_limit_secs, lang),
        )
        .await?;
    match post_question(app, chat.id, user, None).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            end_round(app, chat.id);
            Ok(())
        }
        Err(e) => {
            end_round(app, chat.id);
            Err(e)
        }
    }
}

/// An admin's `/settime`, `/daily`, `/tz` or `/lang` in a group.
async fn admin_setting(
    app: &Arc<App>,
    msg: &Message,
    chat: &Chat,
    setting: commands::Admin<'_>,
    lang: Lang,
) -> HandlerResult {
    use commands::Admin;
    let reply = |text: &str| {
        app.pending_edits.spend(chat.id);
        app.bot
            .send_message(msg.chat.id, text.to_string())
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply())
    };
    match setting {
        Admin::SetTime(Some(s)) if (MIN_LIMIT_SECS..=MAX_LIMIT_SECS).contains(&s) => {
            app.tutor.store.update_chat(chat.id, |old| {
                let mut c = or_new(app, chat.id, old);
                c.time_limit_secs = s;
                c
            })?;
            reply(&cat::time_limit_set(s, lang)).await?;
        }
        Admin::SetTime(_) => {
            let (min, max) = (MIN_LIMIT_SECS, MAX_LIMIT_SECS);
            reply(&cat::time_limit_usage(chat.time_limit_secs, min, max, lang)).await?;
        }
        Admin::Daily(args) => group_daily(app, chat, args, lang).await?,
        Admin::Tz(args) => handlers::tz_command(app, chat.id, None, args, lang).await?,
        Admin::Lang(Some(new)) => {
            app.tutor.store.update_chat(chat.id, |old| {
                let mut c = or_new(app, chat.id, old);
                c.lang = Some(new);
                c
            })?;
            reply(Say::GroupLangSet.text(new)).await?;
        }
        Admin::Lang(None) => drop(reply(Say::LangUsage.text(lang)).await?),
    }
    Ok(())
}

/// Why a new question or round cannot start now, if it cannot.
fn busy(app: &App, chat: &Chat, lang: Lang) -> anyhow::Result<Option<&'static str>> {
    if open_card(app, chat)?.is_some() {
        return Ok(Some(Say::QuestionOpen.text(lang)));
    }
    if let Some(r) = &chat.round {
        if r.asked < r.total {
            // Between two questions of a round. Its next question is a scheduled job;
            // if that was lost (a crash mid-way), the round resumes now.
            if app
                .tutor
                .store
                .scheduled(chat.id, JobKind::Close)?
                .is_none()
            {
                app.tutor
                    .store
                    .schedule(chat.id, JobKind::Close, Some(app.now()))?;
                app.wake.notify_one();
            }
            return Ok(Some(Say::RoundRunning.text(lang)));
        }
        end_round(app, chat.id);
    }
    Ok(None)
}

fn end_round(app: &App, chat: i64) {
    if let Err(e) = app.tutor.store.update_chat(chat, |old| {
        let mut c = or_new(app, chat, old);
        c.round = None;
        c
    }) {
        warn!(chat, error = %e, "ending a round failed");
    }
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
    app.is_admin(msg.chat.id.0, from.id.0 as i64).await
}

/// The chat's open `/quiz` card, if it is still open.
fn open_card(app: &App, chat: &Chat) -> anyhow::Result<Option<Card>> {
    let Some(m) = chat.open_card else {
        return Ok(None);
    };
    Ok(app.tutor.store.card(chat.id, m)?.filter(|c| c.open))
}

// ----- cards ---------------------------------------------------------------------

/// A group card: the private layout, then the status line.
fn group_card_text(q: &Question, p: &Presentation, lang: Lang, state: CardState<'_>) -> String {
    format!(
        "{}\n{}",
        render::html(&study::card(q, p, lang, Front::Chat, None)),
        status_line(state, lang)
    )
}

fn presentation(card: &Card, q: &Question) -> Presentation {
    Presentation::from_order(card.order.clone())
        .filter(|p| p.fits(q))
        .unwrap_or_else(|| Presentation::identity(q.options.len()))
}

/// The text of `card` as it should look now.
fn current_card_text(app: &App, chat: Option<&Chat>, card: &Card, q: &Question) -> String {
    let lang = chat.map(group_lang).unwrap_or_default();
    let p = presentation(card, q);
    let answered = card.answers.len();
    if !card.open {
        return group_card_text(q, &p, lang, CardState::Closed { answered });
    }
    if card.daily {
        let tz = chat.map_or(app.tutor.default_tz, |c| app.tz_of(&c.tz));
        let at = hhmm(card.deadline.unwrap_or(card.posted), tz);
        return group_card_text(
            q,
            &p,
            lang,
            CardState::Daily {
                reveal_at: &at,
                answered,
            },
        );
    }
    let round = chat
        .and_then(|c| c.round.as_ref())
        .map(|r| (r.asked.saturating_add(1).min(r.total), r.total));
    group_card_text(
        q,
        &p,
        lang,
        CardState::Open {
            limit_secs: card.limit_secs.unwrap_or(0),
            answered,
            round,
        },
    )
}

fn hhmm(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// Sends a group card and records it (open, with its deadline).
async fn send_group_card(
    app: &App,
    chat: &Chat,
    q: &Question,
    asked_by: i64,
    limit_secs: u32,
    daily: bool,
) -> Result<Card, teloxide::RequestError> {
    let p = Presentation::new(q, &mut rand::rng());
    let now = app.now();
    let mut card = Card::group(
        chat.id,
        0,
        &q.id,
        p.order().to_vec(),
        asked_by,
        now,
        limit_secs,
    )
    .daily(daily);
    let text = current_card_text(app, Some(chat), &card, q);
    app.pending_edits.spend(chat.id);
    let msg = app
        .bot
        .send_message(ChatId(chat.id), text)
        .reply_markup(render::keyboard(&study::card_buttons(
            q,
            &p,
            OptionSet::EMPTY,
        )))
        .await?;
    card.message = msg.id.0;
    // The clock starts when the card is visible.
    card.posted = app.now();
    card.deadline = Some(card.posted + chrono::Duration::seconds(i64::from(limit_secs)));
    if let Err(e) = app.tutor.store.put_card(&card) {
        warn!(chat = chat.id, error = %e, "could not record a group card");
    }
    Ok(card)
}

/// Posts the next question of the chat's shuffle bag, with the chat's time limit.
/// False when there was nothing to draw.
pub async fn post_question(
    app: &Arc<App>,
    chat: i64,
    asked_by: i64,
    chapter: Option<u8>,
) -> anyhow::Result<bool> {
    let mut picked = None;
    let c = app.tutor.store.update_chat(chat, |old| {
        let mut c = or_new(app, chat, old);
        picked = learn::draw(&mut c.bag, &app.tutor.bank, chapter, &mut rand::rng());
        c
    })?;
    let Some(q) = picked.and_then(|id| app.tutor.bank.question(&id)) else {
        return Ok(false);
    };
    let card = match send_group_card(app, &c, q, asked_by, c.time_limit_secs, false).await {
        Ok(card) => card,
        Err(e) => {
            app.on_send_error(chat, &e);
            return Err(e.into());
        }
    };
    app.tutor.store.update_chat(chat, |old| {
        let mut c = or_new(app, chat, old);
        c.open_card = Some(card.message);
        c
    })?;
    app.tutor
        .store
        .schedule(chat, JobKind::Close, card.deadline)?;
    app.wake.notify_one();
    Ok(true)
}

// ----- answers -------------------------------------------------------------------

/// After a group answer was recorded (or refused): the private toast and the live count.
pub async fn after_answer(
    app: &Arc<App>,
    card: &Card,
    outcome: Answered,
    lang: Lang,
    callback: Option<&CallbackQuery>,
) -> HandlerResult {
    if let Answered::Graded { card, .. } = &outcome {
        schedule_live_edit(app, card.chat, card.message);
    }
    if let Some(cb) = callback {
        super::bounded_toast(
            app.bot
                .answer_callback_query(cb.id.clone())
                .text(toast_text(&outcome, lang)),
        )
        .await;
    }
    debug!(
        chat = card.chat,
        message = card.message,
        "group answer handled"
    );
    Ok(())
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

/// Keeps the card's answer count current: one task per card edits it at once, then
/// every [`LIVE_EDIT_EVERY`] while the count changes, and ends when it stops changing
/// (the next answer starts a new task, never sooner than [`LIVE_EDIT_EVERY`] after
/// the last edit) or the card closes.
fn schedule_live_edit(app: &Arc<App>, chat: i64, message: i32) {
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
            let card = {
                let mut map = app.pending_edits.map();
                let card = app.tutor.store.card(chat, message).ok().flatten();
                match card.filter(|c| c.open && shown != Some(c.answers.len())) {
                    Some(c) => c,
                    None => {
                        if map.get(&key).is_some_and(|l| Arc::ptr_eq(l, &lock)) {
                            map.remove(&key);
                        }
                        return;
                    }
                }
            };
            let Some(q) = app.tutor.bank.question(&card.question) else {
                app.pending_edits.map().remove(&key);
                return;
            };
            if !app.pending_edits.spend_spare(chat) {
                // The group's minute is nearly used up: try again next time.
                drop(guard);
                tokio::time::sleep(LIVE_EDIT_EVERY).await;
                continue;
            }
            let c = app.tutor.store.chat(chat).ok().flatten();
            let p = presentation(&card, q);
            let r = app
                .bot
                .edit_message_text(
                    ChatId(chat),
                    MessageId(message),
                    current_card_text(&app, c.as_ref(), &card, q),
                )
                .reply_markup(render::keyboard(&study::card_buttons(
                    q,
                    &p,
                    OptionSet::EMPTY,
                )))
                .await;
            let mut pause = LIVE_EDIT_EVERY;
            match super::ignore_not_modified(r) {
                Ok(()) => shown = Some(card.answers.len()),
                Err(e) => {
                    debug!(chat, error = %e, "live count edit failed");
                    match classify(&e) {
                        SendFailure::Gone | SendFailure::Migrated(_) => {
                            app.on_send_error(chat, &e);
                            app.pending_edits.map().remove(&key);
                            return;
                        }
                        _ => {
                            if let teloxide::RequestError::RetryAfter(s) = &e {
                                pause = pause.max(s.duration());
                            }
                        }
                    }
                }
            }
            drop(guard);
            tokio::time::sleep(pause).await;
        }
    });
}

/// The card's final look: the count, no buttons. Ordered after any live edit.
async fn final_edit(app: &App, chat: Option<&Chat>, card: &Card, q: &Question) {
    let lock = app
        .pending_edits
        .map()
        .get(&(card.chat, card.message))
        .cloned();
    let _guard = match &lock {
        Some(l) => Some(l.lock().await),
        None => None,
    };
    app.pending_edits.spend(card.chat);
    let r = app
        .bot
        .edit_message_text(
            ChatId(card.chat),
            MessageId(card.message),
            current_card_text(app, chat, card, q),
        )
        .await;
    if let Err(e) = super::ignore_not_modified(r) {
        debug!(chat = card.chat, error = %e, "closing the card failed");
        // At least take the buttons away.
        let _ = super::ignore_not_modified(
            app.bot
                .edit_message_reply_markup(ChatId(card.chat), MessageId(card.message))
                .await,
        );
    }
}

// ----- the reveal ----------------------------------------------------------------

/// What a reveal means for the chat's round.
enum RoundStep {
    None,
    Next,
    Over(Round),
}

/// Closes a card and posts the reveal; continues or ends a round. Runs once per card.
pub async fn reveal(app: &Arc<App>, chat: i64, message: i32) -> HandlerResult {
    let Some(card) = app.tutor.store.close_card(chat, message)? else {
        return Ok(()); // already revealed
    };
    app.tutor.store.flush().await?;
    let mut step = RoundStep::None;
    let mut number = None;
    let c = app.tutor.store.update_chat(chat, |old| {
        let mut c = or_new(app, chat, old);
        step = RoundStep::None;
        number = None;
        if c.open_card == Some(message) {
            c.open_card = None;
        }
        if card.daily {
            return c;
        }
        let active = c.active;
        if let Some(r) = c.round.as_mut() {
            let (asked, next) = learn::round_step(r.asked, r.total, active);
            r.asked = asked;
            number = Some((r.asked, r.total));
            add_round_scores(r, &card);
            if next == learn::RoundStep::Next {
                step = RoundStep::Next;
            } else {
                step = RoundStep::Over(r.clone());
                c.round = None;
            }
        }
        c
    })?;
    if !card.daily {
        let next = matches!(step, RoundStep::Next)
            .then(|| app.now() + chrono::Duration::from_std(ROUND_PAUSE).unwrap_or_default());
        app.tutor.store.schedule(chat, JobKind::Close, next)?;
        app.wake.notify_one();
    }
    if !c.active {
        return Ok(()); // closed quietly: we are not in that chat any more
    }
    let lang = group_lang(&c);
    let q = app.tutor.bank.question(&card.question);
    if let Some(q) = q {
        final_edit(app, Some(&c), &card, q).await;
    }
    let text = q.map(|q| reveal_text(&app.tutor.bank, &card, q, lang, number));
    let mut result = Ok(());
    let parts = text.map(|t| render::split_message(&t, render::MESSAGE_LIMIT));
    for (i, part) in parts.into_iter().flatten().enumerate() {
        app.pending_edits.spend(chat);
        // The card is closed for good: its reveal is worth a few attempts.
        let sent = super::with_retries(|| {
            let mut req = app.bot.send_message(ChatId(chat), part.clone());
            if i == 0 {
                req = req.reply_parameters(
                    ReplyParameters::new(MessageId(message)).allow_sending_without_reply(),
                );
            }
            req.into_future()
        })
        .await;
        if let Err(e) = sent {
            app.on_send_error(chat, &e);
            result = Err(e.into());
            break;
        }
    }
    if let RoundStep::Over(r) = step {
        for part in render::split_message(&podium_text(&r, lang), render::MESSAGE_LIMIT) {
            app.pending_edits.spend(chat);
            let sent = super::with_retries(|| {
                app.bot
                    .send_message(ChatId(chat), part.clone())
                    .into_future()
            })
            .await;
            if let Err(e) = sent {
                app.on_send_error(chat, &e);
                return Err(e.into());
            }
        }
    }
    result
}

async fn reveal_logged(app: &Arc<App>, chat: i64, message: i32) {
    if let Err(e) = reveal(app, chat, message).await {
        warn!(chat, error = %e, "reveal failed");
    }
}

/// Adds a revealed card's points to the round: right answers their points, wrong
/// ones 0 (so everyone who took part is on the podium's list).
fn add_round_scores(r: &mut Round, card: &Card) {
    for a in &card.answers {
        let earned = if a.right { u64::from(a.points) } else { 0 };
        match r.scores.iter_mut().find(|(u, _, _)| *u == a.user) {
            Some(s) => {
                s.2 += earned;
                s.1.clone_from(&a.name);
            }
            None => r.scores.push((a.user, a.name.clone(), earned)),
        }
    }
}

/// The reveal: the answer, the explanation and the section excerpt; then who was
/// right, fastest first with points, and how many were wrong.
pub(crate) fn reveal_text(
    bank: &Bank,
    card: &Card,
    q: &Question,
    lang: Lang,
    round: Option<(u8, u8)>,
) -> String {
    let p = presentation(card, q);
    let (correct, options) = match q.key {
        Key::Judge(true) => (cat::judge(true, lang).to_string(), Vec::new()),
        Key::Judge(false) => (cat::judge(false, lang).to_string(), Vec::new()),
        Key::Choice(set) => {
            let shown = p.to_shown(set);
            let texts = p.shown_options(q);
            let lines = shown
                .iter()
                .filter_map(|i| texts.get(i).map(|t| (i, *t)))
                .map(|(i, t)| format!("{}. {}", crate::bank::letter(i), esc(t)))
                .collect();
            (shown.letters(), lines)
        }
    };
    let head = cat::reveal_head(card.daily, round, lang);
    let mut out = format!("<b>{head} · {}{correct}</b>", Say::RevealAnswer.text(lang));
    for line in options {
        out.push('\n');
        out.push_str(&line);
    }
    out.push_str(&format!(
        "\n\n<b>{}</b>\n{}",
        Say::Explanation.text(lang),
        esc(&q.explanation)
    ));
    out.push_str(&render::html(&study::excerpts(bank, q, lang)));
    out.push_str("\n\n");
    out.push_str(&results_text(card, lang));
    out
}

/// Who was right (fastest first, with points) and how many were wrong.
pub(crate) fn results_text(card: &Card, lang: Lang) -> String {
    if card.answers.is_empty() {
        return Say::NobodyAnswered.text(lang).into();
    }
    let lines: Vec<RevealLine> = card
        .answers
        .iter()
        .filter(|a| a.right)
        .map(|a| RevealLine {
            user: a.user,
            elapsed_ms: u64::try_from((a.at - card.posted).num_milliseconds()).unwrap_or(0),
            points: a.points,
        })
        .collect();
    let ordered = learn::reveal_order(&lines);
    let name_of = |u: i64| {
        card.answer_of(u)
            .map_or_else(|| format!("#{u}"), |a| a.name.clone())
    };
    let mut out = format!("<b>{}</b>", cat::right_count(ordered.len(), lang));
    for (i, l) in ordered.iter().take(REVEAL_NAMES).enumerate() {
        let secs = l.elapsed_ms as f64 / 1000.0;
        out.push_str(&cat::reveal_line(
            i + 1,
            &esc(&name_of(l.user)),
            secs,
            l.points,
            lang,
        ));
    }
    if ordered.len() > REVEAL_NAMES {
        let more = ordered.len() - REVEAL_NAMES;
        out.push_str(&cat::and_more(more, lang));
    }
    let wrong = card.answers.iter().filter(|a| !a.right).count();
    out.push_str(&cat::wrong_count(wrong, lang));
    out
}

/// The end of a round: medals for the top three (ties share), then everyone's score.
pub(crate) fn podium_text(r: &Round, lang: Lang) -> String {
    // Ties keep the order in which members first answered.
    let scores = learn::podium(
        &r.scores
            .iter()
            .map(|(_, name, pts)| (name.as_str(), *pts))
            .collect::<Vec<_>>(),
    );
    let mut out = format!("<b>{}</b>", Say::RoundOver.text(lang));
    if scores.is_empty() {
        out.push('\n');
        out.push_str(Say::NobodyThisRound.text(lang));
        return out;
    }
    let medals = ["🥇", "🥈", "🥉"];
    for &(name, pts, rank) in &scores {
        if rank >= medals.len() || pts == 0 {
            break;
        }
        out.push_str(&cat::medal_line(medals[rank], &esc(name), pts, lang));
    }
    out.push_str(&format!("\n\n<b>{}</b>", Say::RoundScores.text(lang)));
    for &(name, pts, rank) in &scores {
        out.push_str(&format!("\n{}. {} — {pts}", rank + 1, esc(name)));
    }
    out
}

// ----- leaderboard ---------------------------------------------------------------

async fn send_top(app: &App, chat: &Chat, all: bool, lang: Lang) -> HandlerResult {
    let tz = app.tz_of(&chat.tz);
    let entries = app.tutor.store.scores(chat.id)?;
    let plain: Vec<(i64, learn::MemberScore)> =
        entries.iter().map(|(u, _, s)| (*u, s.clone())).collect();
    let board = learn::leaderboard(&plain, !all, app.now(), tz, TOP_N);
    let rows: Vec<(&str, &Standing)> = board
        .iter()
        .map(|s| {
            let name = entries
                .iter()
                .find(|(u, _, _)| *u == s.user)
                .map_or("?", |(_, n, _)| n.as_str());
            (name, s)
        })
        .collect();
    app.pending_edits.spend(chat.id);
    app.bot
        .send_message(ChatId(chat.id), top_text(&rows, all, lang))
        .await?;
    Ok(())
}

/// `/top`: rank, name, points, right answers, current answer streak.
pub(crate) fn top_text(rows: &[(&str, &Standing)], all: bool, lang: Lang) -> String {
    let title = cat::top_title(all, lang);
    let mut out = format!("<b>{title}</b>");
    if rows.is_empty() {
        out.push('\n');
        out.push_str(Say::NoPointsYet.text(lang));
    }
    for (i, (name, s)) in rows.iter().enumerate() {
        out.push_str(&cat::top_line(
            i + 1,
            &esc(name),
            s.points,
            s.correct,
            s.streak,
            lang,
        ));
    }
    if !all && !rows.is_empty() {
        out.push_str(Say::WeeklyReset.text(lang));
    }
    out
}

// ----- the daily group question --------------------------------------------------

/// `/daily HH:MM`, `/daily off`, `/daily reveal HH:MM` in a group (admins only).
async fn group_daily(app: &Arc<App>, chat: &Chat, args: &str, lang: Lang) -> HandlerResult {
    let args = args.trim();
    let say = |text: String| {
        app.pending_edits.spend(chat.id);
        app.bot.send_message(ChatId(chat.id), text)
    };
    let usage = Say::GroupDailyUsage.text(lang);
    if args.is_empty() {
        let text = match &chat.daily {
            Some(d) => {
                let reveal = d.reveal.unwrap_or_else(|| learn::default_reveal(d.time));
                cat::group_daily_status(
                    &d.time.format("%H:%M").to_string(),
                    &reveal.format("%H:%M").to_string(),
                    &esc(&chat.tz),
                    usage,
                    lang,
                )
            }
            None => usage.to_string(),
        };
        say(text).await?;
        return Ok(());
    }
    if args.eq_ignore_ascii_case("off") || args == "关" || args == "关闭" {
        app.tutor.store.update_chat(chat.id, |old| {
            let mut c = or_new(app, chat.id, old);
            c.daily = None;
            c
        })?;
        app.tutor.store.schedule(chat.id, JobKind::Daily, None)?;
        say(Say::GroupDailyStopped.text(lang).into()).await?;
        return Ok(());
    }
    let (time, reveal) = if let Some(rest) = args.strip_prefix("reveal") {
        let Some(reveal) = learn::parse_hhmm(rest.trim()) else {
            say(usage.into()).await?;
            return Ok(());
        };
        let Some(d) = &chat.daily else {
            say(Say::GroupDailyFirst.text(lang).into()).await?;
            return Ok(());
        };
        (d.time, reveal)
    } else {
        let Some(time) = learn::parse_hhmm(args) else {
            say(usage.into()).await?;
            return Ok(());
        };
        let reveal = chat
            .daily
            .as_ref()
            .and_then(|d| d.reveal)
            .filter(|_| chat.daily.as_ref().is_some_and(|d| d.time == time))
            .unwrap_or_else(|| learn::default_reveal(time));
        (time, reveal)
    };
    let planned = app.tutor.set_daily(chat.id, time, Some(reveal))?;
    app.wake.notify_one();
    let (tz, next) = (planned.tz, planned.next);
    let (t, r) = (time.format("%H:%M"), reveal.format("%H:%M"));
    say(cat::group_daily_set(
        &t.to_string(),
        &r.to_string(),
        tz.name(),
        &study::local_time(next, tz),
        lang,
    ))
    .await?;
    Ok(())
}

/// Posts the group's daily question, open until its reveal time.
pub async fn post_daily(
    app: &Arc<App>,
    chat: &Chat,
    reveal_at: DateTime<Utc>,
) -> Result<(), teloxide::RequestError> {
    let store_err = |e: crate::store::StoreError| {
        teloxide::RequestError::Io(std::io::Error::other(e.to_string()).into())
    };
    // Yesterday's card, if still open, is revealed first: one daily card at a time.
    for old in app.tutor.store.open_cards(chat.id).map_err(store_err)? {
        if old.daily {
            reveal_logged(app, chat.id, old.message).await;
        }
    }
    let mut picked = None;
    let c = app
        .tutor
        .store
        .update_chat(chat.id, |old| {
            let mut c = old.unwrap_or_else(|| chat.clone());
            picked = learn::draw(&mut c.bag, &app.tutor.bank, None, &mut rand::rng());
            c
        })
        .map_err(store_err)?;
    let Some(q) = picked.and_then(|id| app.tutor.bank.question(&id)) else {
        return Ok(());
    };
    let limit = (reveal_at - app.now()).num_seconds().clamp(60, 24 * 3600) as u32;
    let mut card = send_group_card(app, &c, q, 0, limit, true).await?;
    // Revealed at the set time, whatever the send's latency.
    card.deadline = Some(reveal_at);
    if let Err(e) = app.tutor.store.put_card(&card) {
        warn!(chat = chat.id, error = %e, "could not record the daily card");
    }
    if let Err(e) = app
        .tutor
        .store
        .schedule(chat.id, JobKind::Reveal, Some(reveal_at))
    {
        warn!(chat = chat.id, error = %e, "could not schedule the daily reveal");
    }
    app.wake.notify_one();
    Ok(())
}

/// The daily group card's reveal time (from the scheduler): reveals the chat's
/// due daily cards and re-arms the job for any that are not due yet.
pub async fn on_daily_reveal(app: &Arc<App>, chat: i64) {
    let cards = match app.tutor.store.open_cards(chat) {
        Ok(c) => c,
        Err(e) => {
            warn!(chat, error = %e, "listing open cards failed");
            return;
        }
    };
    let now = app.now();
    let mut later: Option<DateTime<Utc>> = None;
    for card in cards.into_iter().filter(|c| c.daily) {
        match card.deadline {
            Some(d) if d > now + learn::LATE_GRACE && !learn::daily::beyond_horizon(d, now) => {
                later = Some(later.map_or(d, |l| l.min(d)))
            }
            _ => reveal_logged(app, chat, card.message).await,
        }
    }
    if let Some(at) = later {
        let _ = app.tutor.store.schedule(chat, JobKind::Reveal, Some(at));
        app.wake.notify_one();
    }
}

// ----- the deadline --------------------------------------------------------------

/// The chat's `Close` job (from the scheduler): the open card's deadline, or the
/// next question of a round.
pub async fn on_deadline(app: &Arc<App>, chat: i64) {
    let c = match app.tutor.store.chat(chat) {
        Ok(Some(c)) if c.active => c,
        _ => return,
    };
    match open_card(app, &c) {
        Ok(Some(card)) => {
            let now = app.now();
            if card.deadline.is_some_and(|d| {
                d > now + learn::LATE_GRACE && !learn::daily::beyond_horizon(d, now)
            }) {
                // Not yet (a stale job): wait for the card's own deadline. (One set
                // while the clock ran fast is due now.)
                let _ = app
                    .tutor
                    .store
                    .schedule(chat, JobKind::Close, card.deadline);
                app.wake.notify_one();
                return;
            }
            reveal_logged(app, chat, card.message).await;
        }
        Ok(None) => {
            let Some(r) = c.round.filter(|r| r.asked < r.total) else {
                return;
            };
            match post_question(app, chat, r.started_by, None).await {
                Ok(true) => {}
                Ok(false) => end_round(app, chat),
                Err(e) => {
                    warn!(chat, error = %e, "the round's next question failed; ending the round");
                    end_round(app, chat);
                }
            }
        }
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
        // Back after a removal: the daily question resumes.
        if let Some(d) = &c.daily {
            if app.tutor.store.scheduled(chat, JobKind::Daily)?.is_none() {
                app.tutor.set_daily(chat, d.time, d.reveal)?;
                app.wake.notify_one();
            }
        }
        app.pending_edits.spend(chat);
        if let Err(e) = app
            .bot
            .send_message(upd.chat.id, intro(group_lang(&c)))
            .await
        {
            app.on_send_error(chat, &e);
        }
    } else if was_in && !is_in {
        info!(
            chat,
            "removed from the chat (or blocked); stopping sends, keeping scores"
        );
        if !upd.chat.is_private() {
            // Its open cards end quietly: no reveal goes to a chat we are not in.
            for card in app.tutor.store.open_cards(chat)? {
                app.tutor.store.close_card(chat, card.message)?;
            }
        }
        app.deactivate(chat);
        app.tutor.store.flush().await?;
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
    use crate::learn::Response;
    use crate::store::CardAnswer;

    /// Chapter 1 of the test bank (the end-to-end bank).
    fn bank() -> Bank {
        crate::test_bank::chapters(&[1])
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
            group: true,
            daily: false,
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
        daily.daily = true;
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
        let text = results_text(&card("e1-q01", answers), Lang::Zh);
        assert!(text.contains("\n30. M29 — 2.9 秒"), "{text}");
        assert!(!text.contains("M30 —"), "{text}");
        assert!(text.contains("……还有 10 人"), "{text}");
    }

    #[test]
    fn podium_medals_the_top_three_and_lists_everyone() {
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
        };
        let text = podium_text(&round, Lang::Zh);
        assert_eq!(
            text,
            "<b>🏆 本轮结束！</b>\n🥇 Bob — 2800 分\n🥈 Ann — 1900 分\n🥉 Di — 950 分\
             \n\n<b>本轮得分</b>\n1. Bob — 2800\n2. Ann — 1900\n3. Di — 950\n4. Ed — 900\n5. Cy — 0"
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
        };
        let text = podium_text(&round, Lang::En);
        assert!(
            text.contains("\n🥇 A — 900\n🥇 B — 900\n🥉 C — 800\n\n"),
            "{text}"
        );
        assert!(
            text.contains("\n1. A — 900\n1. B — 900\n3. C — 800\n4. D — 0"),
            "{text}"
        );
        round.scores = vec![(1, "A".into(), 0)];
        let text = podium_text(&round, Lang::Zh);
        assert!(!text.contains('🥇') && text.contains("1. A — 0"), "{text}");
        round.scores.clear();
        assert!(podium_text(&round, Lang::Zh).contains("这一轮没有人作答"));
    }

    #[test]
    fn round_scores_add_up_across_cards() {
        let mut r = Round {
            total: 2,
            asked: 0,
            started_by: 1,
            scores: Vec::new(),
        };
        add_round_scores(
            &mut r,
            &card(
                "e1-q01",
                vec![answer(1, "A", true, 1, 990), answer(2, "B", false, 2, 0)],
            ),
        );
        add_round_scores(
            &mut r,
            &card(
                "e1-q03",
                vec![
                    answer(2, "B2", true, 1, 1000),
                    answer(1, "A", true, 5, 1080),
                ],
            ),
        );
        assert_eq!(
            r.scores,
            vec![(1, "A".to_string(), 2070), (2, "B2".to_string(), 1000)]
        );
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
    fn status_lines() {
        let open = CardState::Open {
            limit_secs: 60,
            answered: 3,
            round: None,
        };
        assert_eq!(status_line(open, Lang::Zh), "⏱ 60 秒 · 已作答 3 人");
        let round = CardState::Open {
            limit_secs: 10,
            answered: 0,
            round: Some((2, 5)),
        };
        assert_eq!(
            status_line(round, Lang::Zh),
            "⏱ 10 秒 · 已作答 0 人 · 第 2/5 题"
        );
        assert_eq!(
            status_line(round, Lang::En),
            "⏱ 10 s · 0 answered · question 2/5"
        );
        let daily = CardState::Daily {
            reveal_at: "22:00",
            answered: 1,
        };
        assert_eq!(
            status_line(daily, Lang::Zh),
            "☀️ 每日群题 · 22:00 公布答案 · 已作答 1 人"
        );
        // The closed line does not look like a live count.
        let closed = status_line(CardState::Closed { answered: 4 }, Lang::Zh);
        assert!(
            !closed.contains("已作答") && closed.contains('4'),
            "{closed}"
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
    fn live_edits_use_only_the_spare_budget() {
        let live = LiveEdits::default();
        let (g, other) = (-1, -2);
        for _ in 0..GROUP_PER_MINUTE - LIVE_RESERVE - 1 {
            live.spend(g);
        }
        assert!(live.spend_spare(g), "one spare slot left");
        assert!(!live.spend_spare(g), "the reserve is for sends");
        // Sends are always counted (the pace holds them), and other groups are apart.
        live.spend(g);
        assert_eq!(
            live.sent.lock().unwrap()[&g].len(),
            GROUP_PER_MINUTE - LIVE_RESERVE + 1
        );
        assert!(live.spend_spare(other));
    }

    #[test]
    fn lateness_has_a_second_of_grace() {
        let c = card("e1-q01", vec![]);
        let deadline = c.deadline.unwrap();
        assert!(!overdue(&c, deadline));
        assert!(!overdue(&c, deadline + chrono::Duration::milliseconds(999)));
        assert!(overdue(&c, deadline + chrono::Duration::milliseconds(1001)));
        let mut private = c.clone();
        private.deadline = None;
        assert!(!overdue(&private, deadline + chrono::Duration::days(1)));
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
