//! What the front ends show, independent of Telegram and terminals: markup-neutral
//! documents ([`Doc`]) with buttons described by intent, and the one catalogue of
//! user-facing text ([`catalogue`], zh and en).
//!
//! `view` may import `bank`, `learn`, `lang` and the plain outcome types of `app`
//! (which never imports `view`); never `store`, `telegram` or `console`.

pub mod catalogue;
pub mod chart;
mod doc;
pub mod exam;
pub mod group;
pub mod report;
pub mod schedule;
pub mod shelf;
pub mod study;
pub mod time;

pub use catalogue::{Say, not_an_answer};
pub use doc::{Button, Doc, Intent, NextScope, SheetOp, Span, Style};

/// Where a text is shown: a chat (buttons and replies) or the terminal (typed
/// input, `?` for help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    Chat,
    Terminal,
}
