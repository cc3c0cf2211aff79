//! The Telegram adapter: a thin layer of teloxide over the learn core and the store.
//!
//! - [`run`] wires the bot: paced sends (`pace`, Telegram's limits) and HTML parse mode, the handler
//!   schema, the scheduler task, graceful shutdown.
//! - `handlers`: private-chat commands, cards, typed answers, callbacks.
//! - `group`: group quizzes, reveals, rounds, leaderboards, admin checks.
//! - `scheduler`: the scheduler task (sends daily questions and reminders, runs group
//!   deadlines and reveals; `app::due` decides and claims them).
//! - `render`, `chart`, `codec`, `commands`: pure helpers (HTML, PNG, callback data).

pub mod codec;
pub mod commands;
mod exam;
mod group;
mod handlers;
mod live;
mod outage;
pub mod render;
mod report;
mod scheduler;
mod schema;
mod shelf;
mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;
use teloxide::RequestError;
use teloxide::adaptors::DefaultParseMode;
use teloxide::adaptors::throttle::Limits;
use teloxide::dispatching::Dispatcher;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ChatId, InputFile, Me, Message, ParseMode, ReplyParameters,
};
use teloxide::utils::html::escape as esc;
use tg_transport::life::{self, became_some, became_true};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::bank::{Bank, Question};
use crate::lang::Lang;
use crate::learn::Presentation;
use crate::store::{self, Card, Chat, ChatKind, Learner, Store};

/// Due jobs the scheduler takes per wake (the fan-out benchmark measures this scan).
pub const SCHEDULER_BATCH: usize = scheduler::BATCH;

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
    /// The operators (`--admins`): they may upload a bank in a private chat.
    pub admins: Vec<i64>,
    /// Where uploaded banks are imported (`--uploads`; the bank is `DIR/bank`).
    pub uploads: PathBuf,
}

pub struct Webhook {
    pub url: url::Url,
    pub listen: SocketAddr,
    pub secret: String,
}

pub use tg_transport::admins::token_is_well_formed;

/// Shared state of the running bot.
pub(crate) struct App {
    pub bot: Sender,
    /// The use cases, with the store, the bank, the clock and the default zone.
    pub tutor: crate::app::Tutor,
    pub me: Me,
    /// Who administers which group (cached `getChatMember`).
    pub admins: tg_transport::admins::Admins,
    /// Records answers, many to a transaction (group commit).
    pub answers: crate::app::AnswerWriter,
    /// The operators' uploads of banks.
    pub uploads: Arc<crate::app::upload::Uploads>,
    /// Group cards with a live-count edit task running, and each group's message budget.
    pending_edits: live::LiveEdits,
}

/// How [`App::deliver`] sends a document.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Delivery {
    /// The message the first part replies to (sent anyway if it is gone).
    pub reply_to: Option<teloxide::types::MessageId>,
    /// A few attempts per part (for what was recorded already: a verdict, a reveal).
    pub retry: bool,
    /// The chat is a group: its sends count against its budget (`live`).
    pub group: bool,
}

pub(crate) use tg_transport::calls::{
    SendFailure, bounded_toast, classify, ignore_not_modified, with_retries,
};
pub(crate) use tg_transport::gate::Dropped;

/// Starts the bot and runs until SIGINT or SIGTERM.
pub async fn run(cfg: RunConfig) -> anyhow::Result<()> {
    // One listener for SIGINT and SIGTERM for the whole run, before anything else: a
    // signal is never lost between start-up steps.
    let (term_tx, term_rx) = watch::channel(false);
    tokio::spawn(async move {
        life::terminated().await;
        let _ = term_tx.send(true);
    });
    let options = store::Options {
        cache_bytes: cfg.cache_bytes,
        default_tz: cfg.default_tz,
    };
    let store = Store::open(&cfg.db, options)?;
    let client = tg_transport::calls::http_client().context("building the HTTP client")?;
    let mut raw = Bot::with_client(cfg.token.clone(), client);
    if let Some(url) = cfg.api_url.clone() {
        raw = raw.set_api_url(url);
    }
    let bot: Tg = raw.parse_mode(ParseMode::Html);
    // Start-up waits on the Bot API; a signal meanwhile ends the run at once.
    let Some(me) = connect(&bot, &term_rx).await? else {
        info!("stopped before start-up finished");
        if let Err(e) = store.seal() {
            warn!(error = %e, "sealing the database failed; the next start cannot check it");
        }
        return Ok(());
    };
    let webhook = cfg.webhook;
    let bank = Arc::new(cfg.bank);
    let clock = crate::app::Clock::System {
        offset: cfg.clock_offset,
    };
    let app = Arc::new(App {
        bot: tg_transport::pace::Paced::new(bot.clone(), cfg.limits),
        answers: crate::app::AnswerWriter::spawn(store.clone(), bank.clone()),
        tutor: crate::app::Tutor::new(store, bank, cfg.default_tz, clock),
        me,
        admins: Default::default(),
        uploads: Arc::new(crate::app::upload::Uploads::new(cfg.admins, cfg.uploads)),
        pending_edits: Default::default(),
    });
    serve(&bot, &app, webhook, term_rx).await
}

/// `getMe` and the command lists; `None` if a signal came first.
async fn connect(bot: &Tg, term: &watch::Receiver<bool>) -> anyhow::Result<Option<Me>> {
    let me = tokio::select! {
        me = life::get_me(bot) => me.context("the Bot API refused the token")?,
        _ = became_true(term.clone()) => return Ok(None),
    };
    info!(bot = %me.username(), "connected to the Bot API");
    tokio::select! {
        () = set_commands(bot, &COMMAND_LISTS) => Ok(Some(me)),
        _ = became_true(term.clone()) => Ok(None),
    }
}

/// The dispatcher over the update tree, with the flood gate at its door.
fn dispatcher(bot: &Tg, app: &Arc<App>) -> Dispatcher<Tg, anyhow::Error, i64> {
    Dispatcher::builder(bot.clone(), schema::tree())
        .distribution_function(schema::distribute)
        .worker_queue_size(tg_transport::gate::WORKER_QUEUE)
        .dependencies(dptree::deps![app.clone()])
        .default_handler(|upd| async move {
            tracing::debug!(update = upd.id.0, "ignored update kind");
        })
        .error_handler(Arc::new(|e: anyhow::Error| {
            Box::pin(async move { warn!(error = %e, "handler failed") })
                as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        }))
        .build()
}

/// Serves updates, with the scheduler and the disk watchdog beside, until a signal
/// or a store that cannot recover; then drains and stops everything in order.
async fn serve(
    bot: &Tg,
    app: &Arc<App>,
    webhook: Option<Webhook>,
    term: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut dispatcher = dispatcher(bot, app);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (fatal_tx, fatal) = watch::channel(None::<String>);
    let scheduler = tokio::spawn(scheduler::run(app.clone(), stop_rx.clone()));
    let watchdog = {
        let app = app.clone();
        tokio::spawn(async move { app.tutor.watchdog(stop_rx, fatal_tx).await })
    };
    // A signal, or a store that cannot recover, stops the dispatcher: it drains the
    // updates in flight, for at most DRAIN_TIMEOUT.
    let stopping = {
        let (term, fatal) = (term.clone(), fatal.clone());
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
        let (term, fatal) = (term.clone(), fatal.clone());
        async move {
            tokio::select! {
                _ = became_true(term) => {}
                _ = became_some(fatal) => {}
            }
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        }
    };
    tokio::select! {
        done = dispatch(&mut dispatcher, bot, webhook) => done?,
        _ = drain_limit => warn!(
            seconds = DRAIN_TIMEOUT.as_secs(),
            "updates in flight did not finish in time; stopping without them"
        ),
    }
    stopper.abort();
    let _ = stop_tx.send(true);
    shut_down(app, scheduler, watchdog, fatal).await
}

/// After the dispatcher: the scheduler and the watchdog stop, the store is flushed
/// and sealed.
async fn shut_down(
    app: &App,
    mut scheduler: tokio::task::JoinHandle<()>,
    watchdog: tokio::task::JoinHandle<()>,
    fatal: watch::Receiver<Option<String>>,
) -> anyhow::Result<()> {
    if tokio::time::timeout(Duration::from_secs(5), &mut scheduler)
        .await
        .is_err()
    {
        // Its claimed days are skipped (at most once a day), never sent twice.
        warn!("the scheduler did not stop in time");
        scheduler.abort();
    }
    let _ = watchdog.await;
    let flushed = app.tutor.durable().await;
    if let Some(reason) = fatal.borrow().clone() {
        anyhow::bail!(reason);
    }
    flushed.context("flushing the database on the way out")?;
    // What it holds now is what the next start must find (store::seal).
    if let Err(e) = app.tutor.seal() {
        warn!(error = %e, "sealing the database failed; the next start cannot check it");
    }
    let intake = schema::intake();
    info!(
        peak = intake.peak(),
        bound = tg_transport::intake::INTAKE,
        "stopped; the store is flushed and sealed"
    );
    Ok(())
}

/// How long a stop waits for the updates in flight (systemd's default stop timeout
/// is 90 s; README's unit sets 30).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

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
                    tg_transport::poll::listener(bot.inner(), schema::intake()),
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

/// One `setMyCommands` call: the command list of `lang` for private chats or groups,
/// registered for `scope` (`None`: the default scope) and the clients whose language
/// is `language` (`None`: any language without a list of its own).
struct CommandList {
    scope: Option<BotCommandScope>,
    language: Option<&'static str>,
    lang: Lang,
    group: bool,
}

/// The command lists registered at start-up, in this order: Chinese by default,
/// English for `en` clients, in private chats and in groups.
const COMMAND_LISTS: [CommandList; 5] = [
    CommandList {
        scope: Some(BotCommandScope::AllPrivateChats),
        language: None,
        lang: Lang::Zh,
        group: false,
    },
    // The default list, for clients in any other language (and chats of no scope).
    CommandList {
        scope: None,
        language: None,
        lang: Lang::Zh,
        group: false,
    },
    CommandList {
        scope: Some(BotCommandScope::AllPrivateChats),
        language: Some("en"),
        lang: Lang::En,
        group: false,
    },
    CommandList {
        scope: Some(BotCommandScope::AllGroupChats),
        language: None,
        lang: Lang::Zh,
        group: true,
    },
    CommandList {
        scope: Some(BotCommandScope::AllGroupChats),
        language: Some("en"),
        lang: Lang::En,
        group: true,
    },
];

/// Sends `setMyCommands` for each list, one after the other; a refusal is logged and
/// the next list sent.
async fn set_commands(bot: &Tg, lists: &[CommandList]) {
    for list in lists {
        let cmds: Vec<BotCommand> = crate::view::catalogue::commands(list.lang, list.group)
            .into_iter()
            .map(|(c, d)| BotCommand::new(c, d))
            .collect();
        let mut req = bot.set_my_commands(cmds);
        if let Some(scope) = &list.scope {
            req = req.scope(scope.clone());
        }
        if let Some(language) = list.language {
            req = req.language_code(language);
        }
        if let Err(e) = req.await {
            warn!(error = %e, "setMyCommands failed");
        }
    }
}

impl App {
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.tutor.now()
    }

    /// The chat record, created with the defaults on first sight.
    pub fn ensure_chat(&self, chat: &teloxide::types::Chat) -> anyhow::Result<Chat> {
        let title = chat.title().or(chat.first_name()).unwrap_or_default();
        Ok(self.tutor.ensure_chat(chat.id.0, chat_kind(chat), title)?)
    }

    /// The learner record, created on first sight and reactivated if they return; the
    /// language their client reports is remembered in their private chat.
    pub fn ensure_learner(&self, user: &teloxide::types::User) -> anyhow::Result<Learner> {
        let name = display_name(user);
        let who = person(user, &name);
        self.tutor.note_client_lang(who.id, who.lang_code)?;
        Ok(self.tutor.ensure_learner(who)?)
    }

    /// The learner's language: their `/lang`, else Telegram's language code.
    pub fn lang_of(&self, learner: Option<&Learner>, user: Option<&teloxide::types::User>) -> Lang {
        self.tutor
            .lang_of(learner, user.and_then(|u| u.language_code.as_deref()))
    }

    /// Sends a private question card (a daily one, with its local day, under the
    /// daily head) and records it as presented.
    pub async fn send_card(
        &self,
        chat: i64,
        q: &Question,
        p: Presentation,
        lang: Lang,
        daily: Option<chrono::NaiveDate>,
    ) -> Result<Card, RequestError> {
        use crate::view::{Front, study};
        let doc = match daily {
            Some(day) => study::daily_card(q, &p, day, lang),
            None => study::card(q, &p, lang, Front::Chat, None),
        };
        let buttons = study::card_buttons(q, &p, crate::bank::OptionSet::EMPTY, lang);
        let msg = self
            .bot
            .send_message(ChatId(chat), render::html(&doc))
            .reply_markup(render::keyboard(&buttons))
            .await?;
        let order = p.order().to_vec();
        let card = Card::private(chat, msg.id.0, &q.id, order, self.now()).daily(daily.is_some());
        if let Err(e) = self.tutor.presented(&card) {
            warn!(chat, error = %e, "could not record a card");
        }
        Ok(card)
    }

    /// Sends a document as HTML, in parts if it is long: the first part replies to
    /// `how.reply_to`, the buttons go on the last. A group's sends count against its
    /// budget; with `how.retry` each part gets a few attempts.
    pub async fn deliver(
        &self,
        chat: i64,
        doc: &crate::view::Doc,
        how: Delivery,
    ) -> Result<Option<Message>, RequestError> {
        let parts = render::split_message(&render::html(doc), render::MESSAGE_LIMIT);
        let (n, markup) = (parts.len(), render::markup(doc));
        let mut last = None;
        for (i, part) in parts.into_iter().enumerate() {
            if how.group {
                self.pending_edits.spend(chat);
            }
            let send = || {
                let mut req = self.bot.send_message(ChatId(chat), part.clone());
                if let Some(to) = how.reply_to.filter(|_| i == 0) {
                    let to = ReplyParameters::new(to).allow_sending_without_reply();
                    req = req.reply_parameters(to);
                }
                if let Some(m) = markup.clone().filter(|_| i + 1 == n) {
                    req = req.reply_markup(m);
                }
                req.into_future()
            };
            last = Some(match how.retry {
                true => with_retries(send).await?,
                false => send().await?,
            });
        }
        Ok(last)
    }

    /// Sends a short plain text to a chat.
    pub async fn say(&self, chat: i64, text: &str) -> anyhow::Result<()> {
        self.bot.send_message(ChatId(chat), esc(text)).await?;
        Ok(())
    }

    /// A short plain reply to a message (in a group, counted against its budget).
    pub async fn reply(&self, msg: &Message, text: &str) -> anyhow::Result<()> {
        let how = Delivery {
            reply_to: Some(msg.id),
            retry: false,
            group: !msg.chat.is_private(),
        };
        let doc = crate::view::Doc::plain(text);
        self.deliver(msg.chat.id.0, &doc, how).await?;
        Ok(())
    }

    /// Sends a document to a private chat (see [`App::deliver`]).
    pub async fn send_doc(
        &self,
        chat: i64,
        doc: &crate::view::Doc,
    ) -> Result<Option<Message>, RequestError> {
        self.deliver(chat, doc, Delivery::default()).await
    }

    /// `/tz …` in a chat (in a private chat, for the learner too).
    pub async fn zone_command(
        &self,
        chat: &Chat,
        user: Option<i64>,
        arg: crate::learn::ZoneArg,
        lang: Lang,
    ) -> anyhow::Result<()> {
        let outcome = self.tutor.zone(chat, user, arg)?;
        self.tutor.durable().await?;
        let doc = crate::view::schedule::zone(&outcome, lang);
        let how = Delivery {
            group: chat.kind == ChatKind::Group,
            ..Delivery::default()
        };
        self.deliver(chat.id, &doc, how).await?;
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
                if let Err(e) = self.tutor.migrate(chat, new) {
                    warn!(chat, error = %e, "migrating chat data failed");
                }
            }
            _ => warn!(chat, error = %e, "Telegram call failed"),
        }
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
