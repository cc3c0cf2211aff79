//! End-to-end tests: the real `tutor` binary against a fake Telegram Bot API.
//!
//! `support` holds the fake server (`FakeApi`), the Bot API JSON shapes (`tg`),
//! the process harness (`TestApp`, `run_tutor`) and the steps the scenarios share
//! (`flow`, `steps`); `harness` tests them.

mod bank;
mod bot;
mod chaos;
mod commands;
mod daily;
mod exam;
mod faults;
mod group;
mod harness;
mod hostile;
mod import;
mod outage;
mod report;
mod shelf;
mod support;
mod webhook;
