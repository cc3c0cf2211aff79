//! Telegram transport for teloxide bots, independent of what the bot does:
//!
//! - [`poll`]: a `getUpdates` listener that one bad update cannot stop (bounded
//!   reads, each update parsed on its own, nothing but update ids logged);
//! - [`calls`]: what a failed call means (gone, moved, transient, ours), retries
//!   with backoff, bounded button answers;
//! - [`gate`]: flood control at the dispatcher's door (a muted flooder, bounded
//!   per-chat backlogs);
//! - [`pace`]: a sender that keeps Telegram's flood limits (overall and per chat)
//!   by holding each send until it may go, instead of failing it.

pub mod calls;
pub mod gate;
pub mod pace;
pub mod poll;
