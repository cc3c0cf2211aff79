//! The Telegram adapter: a thin layer of teloxide over the learn core and the store.
//!
//! - [`run`] wires the bot: Throttle (rate limits) and HTML parse mode, the handler
//!   schema, the scheduler task, graceful shutdown.
//! - `handlers`: private-chat commands, cards, typed answers, callbacks.
//! - `group`: group quizzes, reveals, rounds, leaderboards, admin checks.
//! - `daily`: the scheduler (daily questions, reminders, group deadlines).
//! - `render`, `chart`, `codec`, `commands`: pure helpers (HTML, PNG, callback data).

mod chart;
pub mod codec;
pub mod commands;
mod daily;
mod group;
mod handlers;
pub mod render;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::{DefaultParseMode, Throttle};
use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatId, InputFile, Me, Message, ParseMode, ReplyMarkup,
};
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::{self, Presentation};
use crate::store::{self, Card, Chat, ChatKind, Learner, Store};

/// The bot as the handlers use it: rate-limited, HTML by default.
pub type Tg = DefaultParseMode<Throttle<Bot>>;

/// Everything `tutor run` needs, parsed and validated at the edge.
pub struct RunConfig {
    pub token: String,
    pub api_url: Option<url::Url>,
    pub db: PathBuf,
    pub bank: Bank,
    pub default_tz: Tz,
    pub webhook: Option<Webhook>,
    pub cache_bytes: u64,
    /// Throttle limits (the default is Telegram's).
    pub limits: Limits,
}

pub struct Webhook {
    pub url: url::Url,
    pub listen: SocketAddr,
    pub secret: String,
}

/// Checks the shape of a bot token (`<digits>:<at least 30 of A-Z a-z 0-9 _ ->`)
/// without ever echoing it.
pub fn token_is_well_formed(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 30
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Shared state of the running bot.
pub(crate) struct App {
    pub bot: Tg,
    pub bank: Arc<Bank>,
    pub store: Store,
    pub default_tz: Tz,
    pub me: Me,
    /// Wakes the scheduler when the schedule changes.
    pub wake: Notify,
    /// (chat, user) → (is admin, when checked).
    admins: Mutex<HashMap<(i64, i64), (bool, Instant)>>,
    /// Group cards with a live-count edit pending.
    pending_edits: Mutex<std::collections::HashSet<(i64, i32)>>,
    /// Per-user flood control: user → (window start, messages in window, warned).
    floods: Mutex<HashMap<i64, (Instant, u32, bool)>>,
}

const ADMIN_CACHE: Duration = Duration::from_secs(300);
/// Updates one user may send per window before the bot stops answering them.
const FLOOD_LIMIT: u32 = 30;
const FLOOD_WINDOW: Duration = Duration::from_secs(10);

/// Starts the bot and runs until SIGINT or SIGTERM.
pub async fn run(cfg: RunConfig) -> anyhow::Result<()> {
    let store = Store::open(
        &cfg.db,
        store::Options {
            cache_bytes: cfg.cache_bytes,
        },
    )?;
    let mut raw = Bot::new(cfg.token.clone());
    if let Some(url) = cfg.api_url.clone() {
        raw = raw.set_api_url(url);
    }
    let bot: Tg = raw.throttle(cfg.limits).parse_mode(ParseMode::Html);

    let me = tokio::select! {
        me = get_me_with_retry(&bot) => me?,
        _ = terminated() => {
            info!("stopped before start-up finished");
            return Ok(());
        }
    };
    info!(bot = %me.username(), "connected to the Bot API");
    register_commands(&bot).await;

    let app = Arc::new(App {
        bot: bot.clone(),
        bank: Arc::new(cfg.bank),
        store: store.clone(),
        default_tz: cfg.default_tz,
        me,
        wake: Notify::new(),
        admins: Mutex::new(HashMap::new()),
        pending_edits: Mutex::new(Default::default()),
        floods: Mutex::new(HashMap::new()),
    });

    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::on_message))
        .branch(Update::filter_callback_query().endpoint(handlers::on_callback))
        .branch(Update::filter_my_chat_member().endpoint(group::on_my_chat_member));

    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![app.clone()])
        .default_handler(|upd| async move {
            tracing::debug!(update = upd.id.0, "ignored update kind");
        })
        .error_handler(Arc::new(|e: anyhow::Error| {
            Box::pin(async move { warn!(error = %e, "handler failed") })
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        }))
        .enable_ctrlc_handler()
        .build();

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(daily::run(app.clone(), stop_rx));
    let shutdown = dispatcher.shutdown_token();
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            info!("SIGTERM: draining in-flight updates");
            if let Ok(done) = shutdown.shutdown() {
                done.await;
            }
        }
    });

    match cfg.webhook {
        None => dispatcher.dispatch().await,
        Some(w) => {
            let options = teloxide::update_listeners::webhooks::Options::new(w.listen, w.url)
                .secret_token(w.secret);
            let listener = teloxide::update_listeners::webhooks::axum(bot.clone(), options)
                .await
                .context("setting up the webhook")?;
            dispatcher
                .dispatch_with_listener(
                    listener,
                    LoggingErrorHandler::with_custom_text("webhook listener failed"),
                )
                .await
        }
    }

    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    store.flush().await?;
    info!("stopped; the store is flushed");
    Ok(())
}

/// SIGINT or SIGTERM.
async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// `getMe`, retried with backoff while the Bot API is unreachable. A refused token is final.
async fn get_me_with_retry(bot: &Tg) -> anyhow::Result<Me> {
    let mut delay = Duration::from_millis(250);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match bot.get_me().await {
            Ok(me) => return Ok(me),
            Err(RequestError::Api(e)) => {
                anyhow::bail!("the Bot API refused the token: {e}")
            }
            Err(e) => {
                warn!(error = %e, attempt, "getMe failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn register_commands(bot: &Tg) {
    for group in [false, true] {
        let scope = if group {
            BotCommandScope::AllGroupChats
        } else {
            BotCommandScope::AllPrivateChats
        };
        for lang in [Lang::Zh, Lang::En] {
            let cmds: Vec<BotCommand> = commands::list(lang, group)
                .into_iter()
                .map(|(c, d)| BotCommand::new(c, d))
                .collect();
            let mut req = bot.set_my_commands(cmds.clone()).scope(scope.clone());
            if lang == Lang::En {
                req = req.language_code("en");
            }
            if let Err(e) = req.await {
                warn!(error = %e, "setMyCommands failed");
            }
            if !group && lang == Lang::Zh {
                // The default list, for clients in any other language.
                if let Err(e) = bot.set_my_commands(cmds).await {
                    warn!(error = %e, "setMyCommands failed");
                }
            }
        }
    }
}

/// What a failed Telegram call means for the chat.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SendFailure {
    /// Blocked, deactivated, kicked or chat not found: stop sending.
    Gone,
    /// The group became a supergroup with this id.
    Migrated(i64),
    /// Worth retrying: network, 5xx, timeouts.
    Transient,
    /// Anything else (a bad request of ours): log, don't retry.
    Other,
}

pub(crate) fn classify(e: &RequestError) -> SendFailure {
    match e {
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::GroupDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots,
        ) => SendFailure::Gone,
        RequestError::Api(ApiError::Unknown(d))
            if d.contains("blocked")
                || d.contains("deactivated")
                || d.contains("chat not found")
                || d.contains("kicked") =>
        {
            SendFailure::Gone
        }
        RequestError::MigrateToChatId(id) => SendFailure::Migrated(id.0),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::RetryAfter(_) => {
            SendFailure::Transient
        }
        RequestError::Api(ApiError::Unknown(d))
            if d.contains("Internal Server Error") || d.contains("Bad Gateway") =>
        {
            SendFailure::Transient
        }
        _ => SendFailure::Other,
    }
}

/// "message is not modified" is not an error for us.
pub(crate) fn ignore_not_modified<T>(r: Result<T, RequestError>) -> Result<(), RequestError> {
    match r {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e),
    }
}

impl App {
    pub fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now()
    }

    pub fn tz_of(&self, name: &str) -> Tz {
        name.parse().unwrap_or(self.default_tz)
    }

    /// The chat record, created with the defaults on first sight.
    pub fn ensure_chat(&self, chat: &teloxide::types::Chat) -> anyhow::Result<Chat> {
        let kind = if chat.is_private() {
            ChatKind::Private
        } else {
            ChatKind::Group
        };
        if let Some(c) = self.store.chat(chat.id.0)? {
            if c.active {
                return Ok(c);
            }
        }
        let title = chat
            .title()
            .or(chat.first_name())
            .unwrap_or_default()
            .to_string();
        let tz = self.default_tz.name().to_string();
        Ok(self.store.update_chat(chat.id.0, |old| {
            let mut c =
                old.unwrap_or_else(|| Chat::new(chat.id.0, kind, title.clone(), tz.clone()));
            c.active = true;
            c
        })?)
    }

    /// The learner record, created on first sight and reactivated if they return.
    pub fn ensure_learner(&self, user: &teloxide::types::User) -> anyhow::Result<Learner> {
        let id = user.id.0 as i64;
        let name = display_name(user);
        if let Some(l) = self.store.learner(id)? {
            if l.active && l.name == name {
                return Ok(l);
            }
        }
        let now = self.now();
        Ok(self.store.update_learner(id, |old| {
            let mut l = old.unwrap_or_else(|| Learner::new(id, name.clone(), now));
            l.name = name.clone();
            l.active = true;
            l
        })?)
    }

    /// The learner's language: their `/lang`, else Telegram's language code.
    pub fn lang_of(&self, learner: Option<&Learner>, user: Option<&teloxide::types::User>) -> Lang {
        learner
            .and_then(|l| l.lang)
            .unwrap_or_else(|| Lang::from_code(user.and_then(|u| u.language_code.as_deref())))
    }

    /// A learner's zone: their own, else their private chat's, else the default.
    pub fn learner_tz(&self, learner: Option<&Learner>) -> Tz {
        if let Some(tz) = learner.and_then(|l| l.tz.as_deref()) {
            return self.tz_of(tz);
        }
        if let Some(l) = learner {
            if let Ok(Some(c)) = self.store.chat(l.id) {
                return self.tz_of(&c.tz);
            }
        }
        self.default_tz
    }

    /// Sends a question card and records it as presented.
    pub async fn send_card(
        &self,
        chat: i64,
        q: &Question,
        asked_by: i64,
        lang: Lang,
        group: Option<u32>,
        daily: bool,
    ) -> Result<Card, RequestError> {
        let p = Presentation::new(q, &mut rand::rng());
        let line = group.map(|limit_secs| render::GroupLine {
            limit_secs,
            answered: 0,
        });
        let text = render::card_text(q, &p, lang, line.as_ref());
        let msg = self
            .bot
            .send_message(ChatId(chat), text)
            .reply_markup(render::card_keyboard(q, &p, crate::bank::OptionSet::EMPTY))
            .await?;
        let now = self.now();
        let card = Card {
            chat,
            message: msg.id.0,
            question: q.id.clone(),
            order: p.order().to_vec(),
            asked_by,
            posted: now,
            limit_secs: group,
            deadline: group.map(|s| now + chrono::Duration::seconds(s as i64)),
            open: true,
            group: group.is_some(),
            daily,
            answers: Vec::new(),
            selections: Vec::new(),
        };
        if let Err(e) = self.store.put_card(&card) {
            warn!(chat, error = %e, "could not record a card");
        }
        Ok(card)
    }

    /// Sends a long text in parts; the keyboard goes on the last part.
    pub async fn send_long(
        &self,
        chat: i64,
        text: &str,
        markup: Option<ReplyMarkup>,
    ) -> Result<Option<Message>, RequestError> {
        let parts = render::split_message(text, render::MESSAGE_LIMIT);
        let n = parts.len();
        let mut last = None;
        for (i, part) in parts.into_iter().enumerate() {
            let mut req = self.bot.send_message(ChatId(chat), part);
            if i + 1 == n {
                if let Some(m) = markup.clone() {
                    req = req.reply_markup(m);
                }
            }
            last = Some(req.await?);
        }
        Ok(last)
    }

    pub async fn send_photo(&self, chat: i64, png: Vec<u8>) -> Result<(), RequestError> {
        self.bot
            .send_photo(ChatId(chat), InputFile::memory(png).file_name("stats.png"))
            .await?;
        Ok(())
    }

    /// Marks a chat (and, for a private chat, its learner) as gone after 403/400.
    pub fn deactivate(&self, chat: i64) {
        info!(
            chat,
            "chat is gone (blocked, deactivated or not found); stopping sends"
        );
        let _ = self.store.update_chat(chat, |old| {
            let mut c = old.unwrap_or_else(|| {
                Chat::new(
                    chat,
                    if chat > 0 {
                        ChatKind::Private
                    } else {
                        ChatKind::Group
                    },
                    "",
                    self.default_tz.name(),
                )
            });
            c.active = false;
            c.open_card = None;
            c.round = None;
            c
        });
        for kind in store::JobKind::ALL {
            let _ = self.store.schedule(chat, kind, None);
        }
        if chat > 0 {
            if let Ok(Some(_)) = self.store.learner(chat) {
                let _ = self.store.update_learner(chat, |old| {
                    let mut l = old.expect("checked above");
                    l.active = false;
                    l
                });
            }
        }
    }

    /// Deals with a failed send: deactivates gone chats, moves migrated ones.
    pub fn on_send_error(&self, chat: i64, e: &RequestError) {
        match classify(e) {
            SendFailure::Gone => self.deactivate(chat),
            SendFailure::Migrated(new) => {
                info!(chat, new, "group migrated to a supergroup; moving its data");
                if let Err(e) = self.store.migrate_chat(chat, new) {
                    warn!(chat, error = %e, "migrating chat data failed");
                }
                self.wake.notify_one();
            }
            _ => warn!(chat, error = %e, "Telegram call failed"),
        }
    }

    /// Per-user flood control. Returns `Some(first)` when the user is over the limit
    /// (`first` is true the first time in a window, to warn them once).
    pub fn flooding(&self, user: i64) -> Option<bool> {
        let mut floods = self.floods.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if floods.len() > 100_000 {
            floods.retain(|_, (start, _, _)| now.duration_since(*start) < FLOOD_WINDOW);
        }
        let entry = floods.entry(user).or_insert((now, 0, false));
        if now.duration_since(entry.0) >= FLOOD_WINDOW {
            *entry = (now, 0, false);
        }
        entry.1 += 1;
        if entry.1 <= FLOOD_LIMIT {
            return None;
        }
        let first = !entry.2;
        entry.2 = true;
        Some(first)
    }

    /// Is `user` an administrator of `chat`? Cached for a few minutes.
    pub async fn is_admin(&self, chat: i64, user: i64) -> bool {
        if let Some(&(yes, at)) = self
            .admins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(chat, user))
        {
            if at.elapsed() < ADMIN_CACHE {
                return yes;
            }
        }
        let yes = match self
            .bot
            .get_chat_member(ChatId(chat), UserId(user as u64))
            .await
        {
            Ok(m) => m.is_privileged(),
            Err(e) => {
                warn!(chat, user, error = %e, "getChatMember failed");
                return false;
            }
        };
        self.admins
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((chat, user), (yes, Instant::now()));
        yes
    }

    /// Picks the learner's next question in `scope`.
    pub fn pick(
        &self,
        user: i64,
        scope: learn::Scope,
        exclude: Option<&str>,
    ) -> anyhow::Result<learn::Pick> {
        let progress = self.store.progress(user)?;
        Ok(learn::next_question(
            &self.bank,
            &progress,
            scope,
            self.now(),
            exclude,
        ))
    }
}

pub(crate) fn display_name(user: &teloxide::types::User) -> String {
    let mut name = user.first_name.clone();
    if let Some(last) = &user.last_name {
        name.push(' ');
        name.push_str(last);
    }
    let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
    if name.trim().is_empty() {
        format!("#{}", user.id.0)
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes() {
        for (token, ok) in [
            ("123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", true),
            ("123456:TEST-token-SECRET-abcdefghijklmnopqrstuv", true),
            ("", false),
            ("123456", false),
            (":ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", false),
            ("12a:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", false),
            ("123456:short", false),
            ("123456:ABCdefGHIjklMNOpqrSTUvwxYZ01234567 9", false),
        ] {
            assert_eq!(token_is_well_formed(token), ok, "{token}");
        }
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            SendFailure::Gone
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::ChatNotFound)),
            SendFailure::Gone
        );
        assert_eq!(
            classify(&RequestError::MigrateToChatId(ChatId(-1001))),
            SendFailure::Migrated(-1001)
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::MessageNotModified)),
            SendFailure::Other
        );
    }
}
