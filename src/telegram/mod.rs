//! The Telegram adapter: a thin layer of teloxide over the learn core and the store.
//!
//! - [`run`] wires the bot: paced sends (`pace`, Telegram's limits) and HTML parse mode, the handler
//!   schema, the scheduler task, graceful shutdown.
//! - `handlers`: private-chat commands, cards, typed answers, callbacks.
//! - `group`: group quizzes, reveals, rounds, leaderboards, admin checks.
//! - `daily`: the scheduler (daily questions, reminders, group deadlines).
//! - `render`, `chart`, `codec`, `commands`: pure helpers (HTML, PNG, callback data).

pub mod codec;
pub mod commands;
mod daily;
mod group;
mod handlers;
mod live;
mod outage;
pub mod render;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;
use teloxide::adaptors::DefaultParseMode;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatId, InputFile, Me, Message, ParseMode, ReplyMarkup, UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::Presentation;
use crate::store::{self, Card, Chat, ChatKind, Learner, Store};

/// Due jobs the scheduler takes per wake (the fan-out benchmark measures this scan).
pub const SCHEDULER_BATCH: usize = daily::BATCH;

/// The bot as the dispatcher sees it: HTML by default.
pub type Tg = DefaultParseMode<Bot>;
/// The bot as the handlers use it: sends paced to Telegram's limits.
pub(crate) type Sender = tg_transport::pace::Paced<Tg>;

/// Everything `tutor run` needs, parsed and validated at the edge.
pub struct RunConfig {
    pub token: String,
    pub api_url: Option<url::Url>,
    pub db: PathBuf,
    pub bank: Bank,
    pub default_tz: Tz,
    pub webhook: Option<Webhook>,
    pub cache_bytes: u64,
    /// Telegram's flood limits the sends are paced to (the default is Telegram's).
    pub limits: Limits,
    /// Added to the system clock: a test seam for clock jumps (zero in service).
    pub clock_offset: chrono::TimeDelta,
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
    pub bot: Sender,
    /// The use cases, with the store, the bank, the clock and the default zone.
    pub tutor: crate::app::Tutor,
    pub me: Me,
    /// (chat, user) → (is admin, when checked).
    admins: Mutex<HashMap<(i64, i64), (bool, Instant)>>,
    /// Records answers, many to a transaction (group commit).
    pub answers: crate::app::AnswerWriter,
    /// Group cards with a live-count edit task running, and each group's message budget.
    pending_edits: live::LiveEdits,
}

const ADMIN_CACHE: Duration = Duration::from_secs(300);
pub(crate) use tg_transport::gate::Dropped;
use tg_transport::gate::FloodGate;

static GATE: std::sync::LazyLock<Mutex<FloodGate>> = std::sync::LazyLock::new(Default::default);

fn gate() -> std::sync::MutexGuard<'static, FloodGate> {
    GATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the handler tree handles this kind of update (others are only logged).
fn handled(upd: &Update) -> bool {
    matches!(
        upd.kind,
        UpdateKind::Message(_) | UpdateKind::CallbackQuery(_) | UpdateKind::MyChatMember(_)
    )
}

/// The dispatcher's distribution function: an admitted update waits in its chat's
/// queue (updates of one chat are handled in order); a dropped one, or one of a kind
/// the bot ignores, goes to the concurrent default worker, where
/// [`handlers::on_dropped`] (or the default handler) disposes of it at once.
fn distribute(upd: &Update) -> Option<i64> {
    if !handled(upd) {
        return None;
    }
    let chat = upd.chat()?.id.0;
    let user = upd.from().map(|u| u.id.0 as i64);
    gate()
        .admit(upd.id.0, chat, user, Instant::now())
        .then_some(chat)
}

/// First thing for every handled update: `Some` if it was dropped at the door.
fn at_handlers(upd: Update) -> Option<Dropped> {
    gate().reached(upd.id.0, upd.chat().map(|c| c.id.0))
}

/// Starts the bot and runs until SIGINT or SIGTERM.
pub async fn run(cfg: RunConfig) -> anyhow::Result<()> {
    // One listener for SIGINT and SIGTERM for the whole run, before anything else: a
    // signal is never lost between start-up steps.
    let (term_tx, term_rx) = watch::channel(false);
    tokio::spawn(async move {
        terminated().await;
        let _ = term_tx.send(true);
    });
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
    let bot: Tg = raw.parse_mode(ParseMode::Html);

    // Start-up waits on the Bot API; a signal meanwhile ends the run at once.
    let stopped_early = |store: &Store| {
        info!("stopped before start-up finished");
        if let Err(e) = store.seal() {
            warn!(error = %e, "sealing the database failed; the next start cannot check it");
        }
        Ok(())
    };
    let me = tokio::select! {
        me = get_me_with_retry(&bot) => me?,
        _ = became_true(term_rx.clone()) => return stopped_early(&store),
    };
    info!(bot = %me.username(), "connected to the Bot API");
    tokio::select! {
        () = register_commands(&bot) => {}
        _ = became_true(term_rx.clone()) => return stopped_early(&store),
    }

    let bank = Arc::new(cfg.bank);
    let app = Arc::new(App {
        bot: tg_transport::pace::Paced::new(bot.clone(), cfg.limits),
        answers: crate::app::AnswerWriter::spawn(store.clone(), bank.clone()),
        tutor: crate::app::Tutor::new(
            store.clone(),
            bank,
            cfg.default_tz,
            crate::app::Clock::System {
                offset: cfg.clock_offset,
            },
        ),
        me,
        admins: Mutex::new(HashMap::new()),
        pending_edits: Default::default(),
    });

    // Inside each kind's branch, so the allowed updates asked of Telegram stay these.
    let dropped = || dptree::filter_map(at_handlers).endpoint(handlers::on_dropped);
    let handler = dptree::entry()
        .branch(Update::filter_message().branch(dropped()).endpoint(
            |app: Arc<App>, msg: Message| async move {
                let chat = msg.chat.id.0;
                let to = outage::Asker::of_message(&msg);
                if !app.tutor.store.writable() {
                    return outage::tell(&app, to).await;
                }
                let result = handlers::on_message(app.clone(), msg).await;
                let result = outage::after(&app, to, result).await;
                after_handler(&app, Some(chat), result)
            },
        ))
        .branch(Update::filter_callback_query().branch(dropped()).endpoint(
            |app: Arc<App>, q: teloxide::types::CallbackQuery| async move {
                let chat = q.message.as_ref().map(|m| m.chat().id.0);
                let to = outage::Asker::of_callback(&q);
                if !app.tutor.store.writable() {
                    return outage::tell(&app, to).await;
                }
                let result = handlers::on_callback(app.clone(), q).await;
                let result = outage::after(&app, to, result).await;
                after_handler(&app, chat, result)
            },
        ))
        .branch(
            Update::filter_my_chat_member()
                .branch(dropped())
                .endpoint(group::on_my_chat_member),
        );

    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .distribution_function(distribute)
        .worker_queue_size(tg_transport::gate::WORKER_QUEUE)
        .dependencies(dptree::deps![app.clone()])
        .default_handler(|upd| async move {
            tracing::debug!(update = upd.id.0, "ignored update kind");
        })
        .error_handler(Arc::new(|e: anyhow::Error| {
            Box::pin(async move { warn!(error = %e, "handler failed") })
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        }))
        .build();

    let (stop_tx, stop_rx) = watch::channel(false);
    let (fatal_tx, fatal_rx) = watch::channel(None::<String>);
    let scheduler = tokio::spawn(daily::run(app.clone(), stop_rx.clone()));
    let watchdog = tokio::spawn(outage::watchdog(app.clone(), stop_rx, fatal_tx));
    // A signal, or a store that cannot recover, stops the dispatcher: it drains the
    // updates in flight, for at most DRAIN_TIMEOUT.
    let stopping = {
        let (term, fatal) = (term_rx.clone(), fatal_rx.clone());
        async move {
            tokio::select! {
                _ = became_true(term) => info!("signal: draining in-flight updates"),
                _ = became_some(fatal) => {}
            }
        }
    };
    let shutdown = dispatcher.shutdown_token();
    let stopper = tokio::spawn(async move {
        stopping.await;
        // The dispatcher may not be running yet (it refuses a shutdown while idle).
        while shutdown.shutdown().is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let drain_limit = {
        let (term, fatal) = (term_rx.clone(), fatal_rx.clone());
        async move {
            tokio::select! {
                _ = became_true(term) => {}
                _ = became_some(fatal) => {}
            }
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        }
    };
    tokio::select! {
        done = dispatch(&mut dispatcher, &bot, cfg.webhook) => done?,
        _ = drain_limit => warn!(
            seconds = DRAIN_TIMEOUT.as_secs(),
            "updates in flight did not finish in time; stopping without them"
        ),
    }
    stopper.abort();

    let _ = stop_tx.send(true);
    let mut scheduler = scheduler;
    if tokio::time::timeout(Duration::from_secs(5), &mut scheduler)
        .await
        .is_err()
    {
        // Its claimed days are skipped (at most once a day), never sent twice.
        warn!("the scheduler did not stop in time");
        scheduler.abort();
    }
    let _ = watchdog.await;
    let flushed = store.flush().await;
    if let Some(reason) = fatal_rx.borrow().clone() {
        anyhow::bail!(reason);
    }
    flushed.context("flushing the database on the way out")?;
    // What it holds now is what the next start must find (store::seal).
    if let Err(e) = store.seal() {
        warn!(error = %e, "sealing the database failed; the next start cannot check it");
    }
    info!("stopped; the store is flushed and sealed");
    Ok(())
}

/// How long a stop waits for the updates in flight (systemd's default stop timeout
/// is 90 s; README's unit sets 30).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves once `rx` holds `true` (never, if its sender is gone first).
async fn became_true(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Resolves once `rx` holds a value (never, if its sender is gone first).
async fn became_some(mut rx: watch::Receiver<Option<String>>) {
    if rx.wait_for(Option::is_some).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs the dispatcher on long polling or a webhook until it is shut down.
async fn dispatch(
    dispatcher: &mut Dispatcher<Tg, anyhow::Error, i64>,
    bot: &Tg,
    webhook: Option<Webhook>,
) -> anyhow::Result<()> {
    match webhook {
        None => {
            // A webhook set earlier would make getUpdates fail with 409.
            if let Err(e) = with_retries(|| bot.delete_webhook().send()).await {
                warn!(error = %e, "deleteWebhook failed; polling anyway");
            }
            dispatcher
                .dispatch_with_listener(
                    tg_transport::poll::listener(bot.inner()),
                    LoggingErrorHandler::with_custom_text("An error from the update listener"),
                )
                .await
        }
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
            let cmds: Vec<BotCommand> = crate::view::catalogue::commands(lang, group)
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
        // An answer that is not the Bot API's JSON (a proxy's HTML error page, an empty
        // or cut body) says nothing of the request: try it again, as after a 5xx.
        RequestError::Network(_)
        | RequestError::Io(_)
        | RequestError::RetryAfter(_)
        | RequestError::InvalidJson { .. } => SendFailure::Transient,
        RequestError::Api(ApiError::Unknown(d))
            if d.contains("Internal Server Error")
                || d.contains("Bad Gateway")
                || d.contains("Service Unavailable")
                || d.contains("Gateway Timeout") =>
        {
            SendFailure::Transient
        }
        _ => SendFailure::Other,
    }
}

/// Attempts of [`with_retries`].
const SEND_ATTEMPTS: u32 = 5;

/// Runs a Telegram call again while it fails transiently (network, timeout, 5xx,
/// 429): for messages that must not be lost, such as a verdict. teloxide already
/// waits 10 s after a 5xx, and a paced send waits out a 429 itself, so this adds
/// only short pauses. A timed-out call may have reached Telegram: the retry can then
/// show the message twice, which beats not at all.
pub(crate) async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RequestError>>,
{
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if attempt < SEND_ATTEMPTS && classify(&e) == SendFailure::Transient => {
                let wait = match &e {
                    RequestError::RetryAfter(s) => s.duration(),
                    _ => pause,
                };
                warn!(attempt, error = %e, "Telegram call failed; retrying");
                tokio::time::sleep(wait).await;
                pause = (pause * 2).min(Duration::from_secs(8));
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// A handler failed because its chat is gone (blocked, deactivated, not found) or
/// became a supergroup: deactivate or move the chat, whichever call failed.
fn after_handler(app: &App, chat: Option<i64>, result: anyhow::Result<()>) -> anyhow::Result<()> {
    if let (Err(e), Some(chat)) = (&result, chat) {
        if let Some(e) = e.downcast_ref::<RequestError>() {
            if matches!(classify(e), SendFailure::Gone | SendFailure::Migrated(_)) {
                app.on_send_error(chat, e);
            }
        }
    }
    result
}

/// How long a toast may take. After a 5xx teloxide waits 10 s before it returns, and
/// the chat's next update would wait behind that.
const TOAST_TIMEOUT: Duration = Duration::from_secs(3);

/// Answers a button tap (`answerCallbackQuery`), giving up after [`TOAST_TIMEOUT`]
/// or on an error, which is logged: a lost toast costs the learner a spinner, a slow
/// one their next tap. (The answer it acknowledges is already on disk.)
pub(crate) async fn bounded_toast<R, T>(request: R)
where
    R: std::future::IntoFuture<Output = Result<T, RequestError>>,
{
    match tokio::time::timeout(TOAST_TIMEOUT, request.into_future()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => debug!(error = %e, "answerCallbackQuery failed"),
        Err(_) => debug!("answerCallbackQuery took too long; moving on"),
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
        self.tutor.now()
    }

    pub fn tz_of(&self, name: &str) -> Tz {
        self.tutor.tz_of(name)
    }

    /// The chat record, created with the defaults on first sight.
    pub fn ensure_chat(&self, chat: &teloxide::types::Chat) -> anyhow::Result<Chat> {
        let title = chat.title().or(chat.first_name()).unwrap_or_default();
        Ok(self.tutor.ensure_chat(chat.id.0, chat_kind(chat), title)?)
    }

    /// The learner record, created on first sight and reactivated if they return.
    pub fn ensure_learner(&self, user: &teloxide::types::User) -> anyhow::Result<Learner> {
        let name = display_name(user);
        Ok(self.tutor.ensure_learner(person(user, &name))?)
    }

    /// The learner's language: their `/lang`, else Telegram's language code.
    pub fn lang_of(&self, learner: Option<&Learner>, user: Option<&teloxide::types::User>) -> Lang {
        self.tutor
            .lang_of(learner, user.and_then(|u| u.language_code.as_deref()))
    }

    /// A learner's zone: their own, else their private chat's, else the default.
    pub fn learner_tz(&self, learner: Option<&Learner>) -> Tz {
        self.tutor.learner_tz(learner)
    }

    /// Sends a private question card and records it as presented.
    pub async fn send_card(
        &self,
        chat: i64,
        q: &Question,
        p: Presentation,
        lang: Lang,
        daily: bool,
    ) -> Result<Card, RequestError> {
        use crate::view::{Front, study};
        let msg = self
            .bot
            .send_message(
                ChatId(chat),
                render::html(&study::card(q, &p, lang, Front::Chat, None)),
            )
            .reply_markup(render::keyboard(&study::card_buttons(
                q,
                &p,
                crate::bank::OptionSet::EMPTY,
            )))
            .await?;
        let card =
            Card::private(chat, msg.id.0, &q.id, p.order().to_vec(), self.now()).daily(daily);
        if let Err(e) = self.tutor.presented(&card) {
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

    /// Sends a document as HTML, in parts if it is long; its buttons go on the last part.
    pub async fn send_doc(
        &self,
        chat: i64,
        doc: &crate::view::Doc,
    ) -> Result<Option<Message>, RequestError> {
        let markup = render::markup(doc).map(ReplyMarkup::from);
        self.send_long(chat, &render::html(doc), markup).await
    }

    /// `/tz ZONE` for a chat (and, in a private chat, the learner).
    pub async fn zone_command(
        &self,
        chat: i64,
        user: Option<i64>,
        args: &str,
        lang: Lang,
    ) -> anyhow::Result<()> {
        let Ok(tz) = args.trim().parse::<Tz>() else {
            let current = self.tutor.chat_zone(chat)?;
            let text = crate::view::catalogue::current_zone(current.name(), lang);
            self.send_doc(chat, &crate::view::Doc::plain(text)).await?;
            return Ok(());
        };
        let set = self.tutor.set_zone(chat, user, tz)?;
        if set.next_daily.is_some() {
            self.tutor.wake.notify_one();
        }
        self.tutor.durable().await?;
        let text = crate::view::catalogue::zone_set(set.tz.name(), lang);
        self.send_doc(chat, &crate::view::Doc::plain(text)).await?;
        Ok(())
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
        if let Err(e) = self.tutor.deactivate(chat) {
            warn!(chat, error = %e, "could not record that a chat is gone");
        }
    }

    /// Deals with a failed send: deactivates gone chats, moves migrated ones.
    pub fn on_send_error(&self, chat: i64, e: &RequestError) {
        match classify(e) {
            SendFailure::Gone => self.deactivate(chat),
            SendFailure::Migrated(new) => {
                info!(chat, new, "group migrated to a supergroup; moving its data");
                if let Err(e) = self.tutor.store.migrate_chat(chat, new) {
                    warn!(chat, error = %e, "migrating chat data failed");
                }
                self.tutor.wake.notify_one();
            }
            _ => warn!(chat, error = %e, "Telegram call failed"),
        }
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
}

/// Telegram's chat type as the store's chat kind.
pub(crate) fn chat_kind(chat: &teloxide::types::Chat) -> ChatKind {
    if chat.is_private() {
        ChatKind::Private
    } else {
        ChatKind::Group
    }
}

/// A Telegram user as `app` knows them (`name` is their [`display_name`]).
pub(crate) fn person<'a>(user: &'a teloxide::types::User, name: &'a str) -> crate::app::Person<'a> {
    crate::app::Person {
        id: user.id.0 as i64,
        name,
        lang_code: user.language_code.as_deref(),
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
