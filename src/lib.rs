//! tutor: a Telegram tutor bot for the 客户服务管理师 certificate.
//!
//! The crate is a library with a thin binary (`src/main.rs`). See `ARCHITECTURE.md`
//! for the code map and the invariants between the modules.

pub mod app;
pub mod bank;
pub mod console;
pub mod lang;
pub mod learn;
pub mod log;
pub mod store;
pub mod telegram;
#[cfg(test)]
mod test_bank;
pub mod view;
