//! Telegram transport for teloxide bots, independent of what the bot does:
//!
//! - [`poll`]: a `getUpdates` listener that one bad update cannot stop (bounded
//!   reads, each update parsed on its own, nothing but update ids logged);
//! - [`admins`]: who administers a group (cached `getChatMember`), and the bot
//!   token's shape;
//! - [`calls`]: what a failed call means (gone, moved, transient, ours), retries
//!   with backoff, bounded button answers;
//! - [`gate`]: flood control at the dispatcher's door (a muted flooder, bounded
//!   per-chat backlogs);
//! - [`intake`]: the updates in flight, bounded (the listener asks for no more than
//!   there is room for);
//! - [`life`]: start-up and shutdown (`getMe` with backoff, SIGINT/SIGTERM,
//!   watch-channel waits);
//! - [`pace`]: a sender that keeps Telegram's flood limits (overall and per chat)
//!   by holding each send until it may go, instead of failing it.

pub mod admins;
pub mod calls;
pub mod gate;
pub mod intake;
pub mod life;
pub mod pace;
pub mod poll;
