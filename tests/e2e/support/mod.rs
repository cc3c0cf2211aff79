//! Helpers of the `e2e` test binary: a fake Telegram Bot API ([`fake_api`]),
//! the Bot API JSON shapes it speaks ([`tg`]), a harness that runs the real
//! `tutor` binary against it ([`app`]), and the steps the scenarios share
//! ([`flow`], [`steps`]). Scenario files import only from here, never from each other.

// Not every scenario uses every helper.
#![allow(dead_code)]

pub mod app;
pub mod fake_api;
pub mod flow;
pub mod steps;
pub mod tg;

// Shortcuts for scenario tests (`use crate::support::*`).
#[allow(unused_imports)]
pub use app::{TestApp, run_tutor};
#[allow(unused_imports)]
pub use fake_api::{FakeApi, Fault, Request, Sent, TEST_TOKEN};
#[allow(unused_imports)]
pub use flow::{
    T, answer_taps, bank_dir, builder_on, card_after, data, eventually, is_card, is_verdict,
    parse_stats, right_button, spawn, stats, stop_and_open, toast_after, typed, verdict_after,
    verdict_message_after, verdict_text,
};
#[allow(unused_imports)]
pub use steps::{once_across_restart, refused, reply, restart_with_clock};

use std::time::Duration;

/// A teloxide `Bot` talking to `fake` (no system proxy), for in-process checks.
pub fn bot_for(fake: &FakeApi) -> teloxide::Bot {
    let client = teloxide::net::default_reqwest_settings()
        .no_proxy()
        .build()
        .expect("reqwest client");
    teloxide::Bot::with_client(fake.token(), client).set_api_url(fake.api_url())
}

/// Default patience for "the bot should have answered by now".
pub const WAIT: Duration = Duration::from_secs(10);
