//! Telegram's flood limits, kept by pacing each send before it leaves.
//!
//! Telegram answers 429 to a bot that sends more than about 1 message a second to
//! one chat, 20 a minute to one group, or 30 a second overall. teloxide's `Throttle`
//! keeps those limits with a worker that wakes every 250 ms, so every send under load
//! waits up to a quarter of a second, and a 429 freezes all chats. Here each send
//! takes a cell from `governor` rate limiters instead (GCRA, one per chat and one
//! overall) and leaves as soon as its cell is due: no tick, no queue, and a 429
//! holds back only the request that got it.
//!
//! [`Paced`] wraps the bot. Its `send_*` methods return a [`PacedRequest`] that has
//! the same setters (they are implemented for anything with the payload) and waits
//! for its cells when awaited; everything else (edits, callback answers, getUpdates)
//! goes straight through `Deref`, as with `Throttle`.

use std::future::IntoFuture;
use std::num::NonZeroU32;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::RequestError;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::requests::{HasPayload, Output};
use teloxide::types::{InputFile, Recipient};

/// Cells are spaced this much wider than the limit allows (0.5%), so that a counter
/// over a sliding window, as Telegram keeps, never sees one send too many.
const MARGIN: f64 = 1.005;
/// Attempts of one send answered 429 before the error is returned.
const RETRY_AFTER_ATTEMPTS: u32 = 3;
/// Chats whose limiter state is kept; beyond it, idle chats are forgotten.
const KEYS_KEPT: usize = 10_000;

/// Whether `chat` is a group, supergroup or channel: the Bot API gives those negative
/// ids and users positive ones. (teloxide's `ChatId::is_channel_or_supergroup` panics
/// on ids beyond MTProto's 40-bit ranges, which the Bot API's 52-bit ids can reach, so
/// nothing from the wire is classified by it.)
fn is_group(chat: i64) -> bool {
    chat < 0
}

/// The send budget: one cell per send from the chat's limiters, then the overall one.
pub struct Pace {
    overall: DefaultDirectRateLimiter,
    chat_sec: DefaultKeyedRateLimiter<i64>,
    chat_min: DefaultKeyedRateLimiter<i64>,
    group_min: DefaultKeyedRateLimiter<i64>,
    /// Replies to chatter (hints for text that is not an answer): a third of the
    /// overall rate (a second's worth may go at once), so that answers and cards keep
    /// the rest under load.
    chatter: DefaultDirectRateLimiter,
    /// Waiters for an overall cell, first come first served: only the first polls
    /// the limiter (no herd of sleepers waking at once).
    overall_turn: tokio::sync::Mutex<()>,
    clock: DefaultClock,
    sends: AtomicU64,
}

/// At most `n` in any `period`: a burst of `b` (1% of `n`, so a waiter woken a
/// little late by the timer catches up) and one cell every `period / (n - b + 1)`,
/// widened by [`MARGIN`]. Any window of `period` then holds `b + (n - b)` cells.
fn spaced(n: u32, period: Duration) -> Quota {
    let n = n.max(1);
    let burst = (n / 100).max(1);
    let each = period.mul_f64(MARGIN / f64::from(n - burst + 1));
    Quota::with_period(each.max(Duration::from_nanos(1)))
        .expect("a period above zero")
        .allow_burst(NonZeroU32::new(burst).expect("at least one"))
}

/// `n` per minute, up to `n` at once (Telegram counts these over a minute).
fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl Pace {
    pub fn new(limits: Limits) -> Pace {
        let clock = DefaultClock::default();
        let keyed = |q| RateLimiter::dashmap_with_clock(q, clock.clone());
        Pace {
            overall: RateLimiter::direct_with_clock(
                spaced(limits.messages_per_sec_overall, Duration::from_secs(1)),
                clock.clone(),
            ),
            chat_sec: keyed(spaced(limits.messages_per_sec_chat, Duration::from_secs(1))),
            chat_min: keyed(per_minute(limits.messages_per_min_chat)),
            group_min: keyed(per_minute(limits.messages_per_min_channel_or_supergroup)),
            // A second's worth at once: two hints in a row from one learner both go.
            chatter: RateLimiter::direct_with_clock(
                Quota::per_second(
                    NonZeroU32::new((limits.messages_per_sec_overall / 3).max(1))
                        .expect("at least one"),
                ),
                clock.clone(),
            ),
            overall_turn: tokio::sync::Mutex::new(()),
            clock,
            sends: AtomicU64::new(0),
        }
    }

    /// Waits until a message may be sent to `chat` now, and takes its cells.
    pub async fn ready(&self, chat: i64) {
        let minute = if is_group(chat) {
            &self.group_min
        } else {
            &self.chat_min
        };
        // The chat's own limits first: waiting on them must not hold an overall cell.
        while let Err(not_until) = minute.check_key(&chat) {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
        while let Err(not_until) = self.chat_sec.check_key(&chat) {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
        let turn = self.overall_turn.lock().await;
        while let Err(not_until) = self.overall.check() {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
        drop(turn);
        if self.sends.fetch_add(1, Ordering::Relaxed) % 4096 == 0 {
            self.forget_idle();
        }
    }

    /// Whether a reply to chatter may go out now (it takes a cell of the chatter
    /// budget). Over the budget the reply is skipped, not queued: a hint that comes a
    /// minute late helps no one, and must not delay anyone's verdict.
    pub fn chatter_allowed(&self) -> bool {
        self.chatter.check().is_ok()
    }

    /// Drops the state of chats whose limiters are back to full: it is the same as none.
    fn forget_idle(&self) {
        for l in [&self.chat_sec, &self.chat_min, &self.group_min] {
            if l.len() > KEYS_KEPT {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
    }

    #[cfg(test)]
    fn kept(&self) -> usize {
        self.chat_sec.len()
    }
}

/// The bot, with its sends paced by a [`Pace`].
#[derive(Clone)]
pub struct Paced<B> {
    bot: B,
    pace: Arc<Pace>,
}

impl<B> Paced<B> {
    pub fn new(bot: B, limits: Limits) -> Paced<B> {
        Paced {
            bot,
            pace: Arc::new(Pace::new(limits)),
        }
    }

    /// See [`Pace::chatter_allowed`].
    pub fn chatter_allowed(&self) -> bool {
        self.pace.chatter_allowed()
    }

    fn paced<R>(&self, chat: Recipient, inner: R) -> PacedRequest<R> {
        PacedRequest {
            inner,
            // Sends by @username don't occur here; they would share one budget.
            chat: match chat {
                Recipient::Id(id) => id.0,
                Recipient::ChannelUsername(_) => 0,
            },
            pace: self.pace.clone(),
        }
    }
}

impl<B> Deref for Paced<B> {
    type Target = B;
    fn deref(&self) -> &B {
        &self.bot
    }
}

/// The sends the bot makes; each is paced. (Inherent methods come before the
/// `Requester` methods reached through `Deref`.)
impl<B: Requester> Paced<B> {
    pub fn send_message<C, T>(&self, chat_id: C, text: T) -> PacedRequest<B::SendMessage>
    where
        C: Into<Recipient>,
        T: Into<String>,
    {
        let chat = chat_id.into();
        self.paced(chat.clone(), self.bot.send_message(chat, text))
    }

    pub fn send_photo<C>(&self, chat_id: C, photo: InputFile) -> PacedRequest<B::SendPhoto>
    where
        C: Into<Recipient>,
    {
        let chat = chat_id.into();
        self.paced(chat.clone(), self.bot.send_photo(chat, photo))
    }

    pub fn send_document<C>(&self, chat_id: C, document: InputFile) -> PacedRequest<B::SendDocument>
    where
        C: Into<Recipient>,
    {
        let chat = chat_id.into();
        self.paced(chat.clone(), self.bot.send_document(chat, document))
    }
}

/// A send that waits for its chat's and the bot's budget when awaited.
#[must_use = "requests do nothing unless awaited"]
pub struct PacedRequest<R> {
    inner: R,
    chat: i64,
    pace: Arc<Pace>,
}

impl<R: HasPayload> HasPayload for PacedRequest<R> {
    type Payload = R::Payload;

    fn payload_mut(&mut self) -> &mut R::Payload {
        self.inner.payload_mut()
    }

    fn payload_ref(&self) -> &R::Payload {
        self.inner.payload_ref()
    }
}

impl<R> IntoFuture for PacedRequest<R>
where
    R: Request<Err = RequestError> + Send + Sync + 'static,
    R::SendRef: Send,
    Output<R>: Send,
{
    type Output = Result<Output<R>, RequestError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut attempt = 1;
            loop {
                self.pace.ready(self.chat).await;
                match self.inner.send_ref().await {
                    // Over a limit after all (another bot on the token, a changed
                    // limit): only this request waits it out.
                    Err(RequestError::RetryAfter(after)) if attempt < RETRY_AFTER_ATTEMPTS => {
                        tracing::warn!(chat = self.chat, after = ?after.duration(), "429 from Telegram; waiting");
                        tokio::time::sleep(after.duration()).await;
                        attempt += 1;
                    }
                    result => return result,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn limits(overall: u32, chat: u32) -> Limits {
        Limits {
            messages_per_sec_chat: chat,
            messages_per_min_chat: 1_000_000,
            messages_per_min_channel_or_supergroup: 20,
            messages_per_sec_overall: overall,
        }
    }

    /// Cells taken for `chats` (one send each, round robin) within `window`.
    async fn sent_within(pace: &Pace, chats: &[i64], window: Duration) -> usize {
        let start = Instant::now();
        let mut n = 0;
        for chat in chats.iter().cycle() {
            pace.ready(*chat).await;
            if start.elapsed() >= window {
                return n;
            }
            n += 1;
        }
        n
    }

    #[tokio::test]
    async fn the_overall_limit_is_kept_over_any_second() {
        // 200/s overall: at most 200 sends in a second, and not far below.
        let pace = Pace::new(limits(200, 1_000));
        let chats: Vec<i64> = (1..=1000).collect();
        let n = sent_within(&pace, &chats, Duration::from_secs(1)).await;
        assert!((190..=200).contains(&n), "{n} sends in 1 s at 200/s");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_senders_share_the_limit_and_none_starves() {
        // 50 tasks × 8 sends at 150/s overall: no 1 s window holds more than 150,
        // and all 400 are through in about (400 - 150) / 150 s after the first second.
        let pace = Arc::new(Pace::new(limits(150, 1_000)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..50)
            .map(|t| {
                let pace = pace.clone();
                tokio::spawn(async move {
                    let mut at = Vec::new();
                    for i in 0..8 {
                        pace.ready(t * 100 + i).await;
                        at.push(start.elapsed());
                    }
                    at
                })
            })
            .collect();
        let mut stamps = Vec::new();
        for t in tasks {
            stamps.extend(t.await.unwrap());
        }
        stamps.sort();
        for (i, first) in stamps.iter().enumerate() {
            let within = stamps[i..]
                .iter()
                .take_while(|t| **t - *first < Duration::from_secs(1))
                .count();
            assert!(within <= 150, "{within} sends within 1 s of {first:?}");
        }
        // Not before the limit allows; the upper bound only catches a starved task
        // (it is loose: a loaded machine may wake the tasks late).
        let last = *stamps.last().unwrap();
        assert!(
            (Duration::from_millis(2_500)..Duration::from_millis(6_000)).contains(&last),
            "400 sends at 150/s took {last:?}"
        );
    }

    #[tokio::test]
    async fn one_chat_gets_its_own_rate_and_others_are_not_held() {
        let pace = Pace::new(limits(10_000, 20));
        // One chat at 20/s: 5 or fewer in 0.25 s.
        let n = sent_within(&pace, &[7], Duration::from_millis(250)).await;
        assert!(
            (4..=5).contains(&n),
            "{n} sends to one chat in 0.25 s at 20/s"
        );
        // Another chat is ready at once.
        let start = Instant::now();
        pace.ready(8).await;
        assert!(start.elapsed() < Duration::from_millis(20));
    }

    #[tokio::test]
    async fn a_supergroup_has_its_per_minute_budget() {
        let pace = Pace::new(limits(10_000, 10_000));
        let group = -1_001_234_567_890;
        let n = sent_within(&pace, &[group], Duration::from_millis(300)).await;
        assert_eq!(n, 20, "20 a minute, all at once, then none");
    }

    #[tokio::test]
    async fn wire_ids_of_any_size_are_paced_without_a_panic() {
        // The Bot API's ids reach 52 bits; MTProto's ranges (which teloxide checks) end
        // at 40. Groups of any size get the group budget, users the chat budget.
        let pace = Pace::new(limits(10_000, 10_000));
        let big = (1i64 << 52) - 1;
        for chat in [1 << 41, big, -(1 << 41), -big, i64::MAX, i64::MIN + 1] {
            pace.ready(chat).await;
        }
        let n = sent_within(&pace, &[-big], Duration::from_millis(200)).await;
        assert_eq!(
            n, 19,
            "a 52-bit group keeps its 20 a minute (one already sent)"
        );
        assert!(is_group(-(1 << 41)) && !is_group(1 << 41));
    }

    #[test]
    fn chatter_gets_a_third_of_the_overall_rate() {
        let pace = Pace::new(limits(30, 1));
        let start = Instant::now();
        let mut allowed = 0;
        while start.elapsed() < Duration::from_secs(1) {
            if pace.chatter_allowed() {
                allowed += 1;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        // A burst of a second's worth (10), then 10 a second.
        assert!(
            (18..=21).contains(&allowed),
            "{allowed} chatter replies in 1 s"
        );
        let pace = Pace::new(limits(30, 1));
        assert!(
            (0..10).all(|_| pace.chatter_allowed()),
            "a burst of 10 at once"
        );
        assert!(!pace.chatter_allowed());
    }

    #[tokio::test]
    async fn idle_chats_are_forgotten() {
        let pace = Pace::new(limits(1_000_000, 100_000));
        for chat in 0..(KEYS_KEPT as i64 + 10) {
            pace.ready(chat).await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        pace.forget_idle();
        assert!(pace.kept() < 10, "{} chats kept", pace.kept());
    }
}
