//! The bots under test, run as child processes of the benchmark (this binary
//! re-executed with a hidden `child-*` command), so each has its own CPU time and
//! peak RSS, and the fake's work is not counted against it.
//!
//! - `child-bot`: the real bot, `tutor::telegram::run` (dispatcher, handlers, learn
//!   core, sled store with durable flushes, scheduler), with the embedded bank and
//!   chosen flood limits (its pace). Stops on SIGTERM like `tutor run`.
//! - `child-bare`: a bare teloxide dispatcher over the same transport that answers
//!   each button tap and sends a fixed text for each update.

use std::path::PathBuf;

use anyhow::Context;
use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::{DefaultParseMode, Throttle};
use teloxide::prelude::*;
use teloxide::types::{ParseMode, ReplyParameters};

use crate::fake::TOKEN;

/// Flood limits far above anything the benchmarks send (the `answers` and
/// `memory` scenarios measure the engine, not Telegram's limits).
pub const UNBOUND: Limits = Limits {
    messages_per_sec_chat: 100_000,
    messages_per_min_chat: 1_000_000,
    messages_per_min_channel_or_supergroup: 1_000_000,
    messages_per_sec_overall: 100_000,
};

#[derive(clap::Args, Debug)]
pub struct BotArgs {
    #[arg(long)]
    pub db: PathBuf,
    #[arg(long)]
    pub api: url::Url,
    #[arg(long)]
    pub overall: u32,
    #[arg(long)]
    pub per_chat: u32,
    #[arg(long)]
    pub per_min_chat: u32,
    #[arg(long)]
    pub per_min_group: u32,
    #[arg(long, default_value_t = 64)]
    pub cache_mb: u64,
}

impl BotArgs {
    /// The command line for `child-bot`.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "child-bot".into(),
            "--db".into(),
            self.db.display().to_string(),
            "--api".into(),
            self.api.to_string(),
            "--overall".into(),
            self.overall.to_string(),
            "--per-chat".into(),
            self.per_chat.to_string(),
            "--per-min-chat".into(),
            self.per_min_chat.to_string(),
            "--per-min-group".into(),
            self.per_min_group.to_string(),
            "--cache-mb".into(),
            self.cache_mb.to_string(),
        ]
    }

    pub fn with_limits(db: PathBuf, api: url::Url, limits: Limits, cache_mb: u64) -> BotArgs {
        BotArgs {
            db,
            api,
            overall: limits.messages_per_sec_overall,
            per_chat: limits.messages_per_sec_chat,
            per_min_chat: limits.messages_per_min_chat,
            per_min_group: limits.messages_per_min_channel_or_supergroup,
            cache_mb,
        }
    }
}

/// `child-bot`: the tutor bot, as `tutor run` runs it, with these limits.
pub fn bot(args: BotArgs) -> anyhow::Result<()> {
    tutor::log::init(Some(TOKEN.to_string()));
    let bank = tutor::bank::Bank::embedded()
        .map_err(|e| anyhow::anyhow!("the embedded bank is invalid: {e:?}"))?;
    let cfg = tutor::telegram::RunConfig {
        clock_offset: chrono::TimeDelta::zero(),
        admins: Vec::new(),
        uploads: std::env::temp_dir().join("tutor-bench-uploads"),
        token: TOKEN.to_string(),
        api_url: Some(args.api),
        db: args.db,
        bank,
        default_tz: chrono_tz::Asia::Shanghai,
        webhook: None,
        cache_bytes: args.cache_mb.max(1) * 1024 * 1024,
        limits: Limits {
            messages_per_sec_chat: args.per_chat,
            messages_per_min_chat: args.per_min_chat,
            messages_per_min_channel_or_supergroup: args.per_min_group,
            messages_per_sec_overall: args.overall,
        },
    };
    tokio::runtime::Runtime::new()
        .context("starting the runtime")?
        .block_on(tutor::telegram::run(cfg))
}

#[derive(clap::Args, Debug)]
pub struct BareArgs {
    #[arg(long)]
    pub api: url::Url,
    /// Put teloxide's Throttle (with [`UNBOUND`] limits) under it: what a bot paced by
    /// Throttle pays (its worker wakes every 250 ms).
    #[arg(long)]
    pub throttle: bool,
}

const FIXED: &str = "✅ ok";

/// The bare dispatcher over a concrete bot type: a fixed text for every message
/// (replying to the message it replies to), a toast and the fixed text for every
/// button tap. Stops on SIGTERM.
macro_rules! bare_dispatcher {
    ($ty:ty, $bot:expr) => {{
        let handler = dptree::entry()
            .branch(
                Update::filter_message().endpoint(|bot: $ty, msg: Message| async move {
                    let mut req = bot.send_message(msg.chat.id, FIXED);
                    if let Some(card) = msg.reply_to_message() {
                        req = req.reply_parameters(ReplyParameters::new(card.id));
                    }
                    req.await?;
                    anyhow::Ok(())
                }),
            )
            .branch(Update::filter_callback_query().endpoint(
                |bot: $ty, q: CallbackQuery| async move {
                    bot.answer_callback_query(q.id.clone()).text("✅").await?;
                    if let Some(card) = q.regular_message() {
                        bot.send_message(card.chat.id, FIXED)
                            .reply_parameters(ReplyParameters::new(card.id))
                            .await?;
                    }
                    anyhow::Ok(())
                },
            ));
        let bot: $ty = $bot;
        let mut dispatcher = Dispatcher::builder(bot, handler).build();
        let shutdown = dispatcher.shutdown_token();
        tokio::spawn(async move {
            if let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                term.recv().await;
                if let Ok(done) = shutdown.shutdown() {
                    done.await;
                }
            }
        });
        dispatcher.dispatch().await;
    }};
}

/// `child-bare`: a bare teloxide dispatcher.
pub fn bare(args: BareArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Runtime::new().context("starting the runtime")?;
    rt.block_on(async move {
        let bot = Bot::new(TOKEN).set_api_url(args.api);
        if args.throttle {
            bare_dispatcher!(
                DefaultParseMode<Throttle<Bot>>,
                bot.throttle(UNBOUND).parse_mode(ParseMode::Html)
            );
        } else {
            bare_dispatcher!(DefaultParseMode<Bot>, bot.parse_mode(ParseMode::Html));
        }
    });
    Ok(())
}
