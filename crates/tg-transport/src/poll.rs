//! Long polling that one bad update cannot stop.
//!
//! teloxide's `Polling` parses a `getUpdates` answer in one piece: a single update it
//! cannot read (nested past serde_json's recursion limit, say) fails the whole batch,
//! the offset never moves, and the bot stays deaf while logging the raw batch, message
//! texts and all, on every retry. It also reads a body of any size into memory.
//!
//! Here the answer is read up to [`MAX_BODY`] bytes and split into its updates without
//! recursion (`RawValue`); each update is parsed on its own. One that cannot be read
//! is skipped by its id, which is all that is logged. A batch over the size limit is
//! fetched again one update at a time, and a single update over it is skipped by the
//! id at its start. Failures (network, an HTML page from a proxy, a Bot API error) are
//! retried with a short backoff, and logged without the request URL (it holds the
//! token) or the body.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures::Stream;
use serde::Deserialize;
use serde_json::value::RawValue;
use teloxide::Bot;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, Update};
use teloxide::update_listeners::{StatefulListener, UpdateListener};
use tracing::{debug, info, warn};

use crate::intake::Intake;

/// The largest `getUpdates` answer read: a batch of 100 of the largest real updates
/// is a few MiB.
pub const MAX_BODY: usize = 16 << 20;
/// Updates asked for per call.
const LIMIT: u32 = 100;
/// The long poll's timeout, in seconds (below the HTTP client's 17 s).
const POLL_TIMEOUT: u32 = 10;

/// A `getUpdates` listener over `bot`'s client, API URL and token, that asks for no
/// more updates than `intake` has room for (and waits while it has none).
pub fn listener(bot: &Bot, intake: Arc<Intake>) -> impl UpdateListener<Err = Infallible> + use<> {
    let (token, flag) = mk_stop_token();
    let url = method_url(bot.api_url(), bot.token());
    let state = Poller {
        client: bot.client().clone(),
        url,
        allowed: None,
        offset: Arc::new(AtomicI64::new(0)),
        intake,
        token,
        flag,
    };
    let hint: fn(&mut Poller, &mut dyn Iterator<Item = AllowedUpdate>) =
        |p, allowed| p.allowed = Some(allowed.collect());
    StatefulListener::new_with_hints(
        state,
        |p: &mut Poller| p.stream(),
        |p: &mut Poller| p.token.clone(),
        Some(hint),
    )
}

/// `<api>/bot<token>/getUpdates`, built as teloxide builds its method URLs.
fn method_url(mut url: reqwest::Url, token: &str) -> Option<reqwest::Url> {
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .push(&format!("bot{token}"))
        .push("getUpdates");
    Some(url)
}

struct Poller {
    client: reqwest::Client,
    /// `…/bot<token>/getUpdates`: never logged. `None` if the API URL cannot hold it.
    url: Option<reqwest::Url>,
    allowed: Option<Vec<AllowedUpdate>>,
    /// The next update id to ask for (all before it are confirmed).
    offset: Arc<AtomicI64>,
    intake: Arc<Intake>,
    token: StopToken,
    flag: StopFlag,
}

impl Poller {
    fn stream(&mut self) -> impl Stream<Item = Result<Update, Infallible>> + Send + use<> {
        let run = Run {
            client: self.client.clone(),
            url: self.url.clone(),
            allowed: self.allowed.clone(),
            offset: self.offset.clone(),
            intake: self.intake.clone(),
            flag: self.flag.clone(),
            buffer: VecDeque::new(),
            one_at_a_time: false,
            errors: 0,
            failing: false,
            done: false,
        };
        futures::stream::unfold(run, |mut run| async move {
            let update = run.next().await?;
            Some((Ok(update), run))
        })
    }
}

/// One stream's state.
struct Run {
    client: reqwest::Client,
    url: Option<reqwest::Url>,
    allowed: Option<Vec<AllowedUpdate>>,
    offset: Arc<AtomicI64>,
    intake: Arc<Intake>,
    flag: StopFlag,
    buffer: VecDeque<Update>,
    /// The last batch was over [`MAX_BODY`]: ask for one update.
    one_at_a_time: bool,
    /// Failed calls in a row (for the backoff).
    errors: u32,
    /// Whether the last call failed (the condition is logged when it changes).
    failing: bool,
    done: bool,
}

impl Run {
    /// The next update, or `None` once stopped (after confirming what was handed out).
    async fn next(&mut self) -> Option<Update> {
        loop {
            if let Some(u) = self.buffer.pop_front() {
                return Some(u);
            }
            if self.done {
                return None;
            }
            if self.flag.is_stopped() {
                self.stop().await;
                return None;
            }
            // The buffer is empty: everything taken so far is in the intake's count.
            let room = tokio::select! {
                room = self.intake.wait_for_room() => room,
                _ = self.flag.clone() => continue,
            };
            let most = u32::try_from(room).unwrap_or(LIMIT).min(LIMIT);
            let limit = if self.one_at_a_time { 1 } else { most };
            let offset = self.offset.load(Ordering::SeqCst);
            let fetched = tokio::select! {
                f = self.fetch(offset, limit, POLL_TIMEOUT) => f,
                _ = self.flag.clone() => continue,
            };
            let pause = match fetched {
                Ok(raw) => match self.take(&raw, limit) {
                    Ok(()) => {
                        self.recovered();
                        continue;
                    }
                    Err(e) => self.failed(e),
                },
                Err(Failure::TooBig { .. }) if limit > 1 => {
                    warn!(
                        limit = MAX_BODY,
                        "a batch of updates is over the size limit; reading them one at a time"
                    );
                    self.one_at_a_time = true;
                    continue;
                }
                Err(Failure::TooBig { first_id: Some(id) }) => {
                    warn!(
                        update_id = id,
                        limit = MAX_BODY,
                        "skipping an update over the size limit"
                    );
                    self.advance(id);
                    self.one_at_a_time = false;
                    continue;
                }
                Err(Failure::RetryAfter(secs)) => {
                    info!(secs, "getUpdates: flood control; waiting");
                    Duration::from_secs(secs.clamp(1, 3600))
                }
                Err(e) => self.failed(e),
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.flag.clone() => {}
            }
        }
    }

    /// Logs a failed call (once per state change) and returns the pause before the
    /// next: 1, 2, then 4 s.
    fn failed(&mut self, e: Failure) -> Duration {
        self.errors = self.errors.saturating_add(1);
        if !self.failing {
            warn!(error = %e, "getUpdates failed; retrying");
            self.failing = true;
        } else {
            debug!(error = %e, attempt = self.errors, "getUpdates failed again");
        }
        Duration::from_millis(500 << self.errors.min(3))
    }

    fn recovered(&mut self) {
        if self.failing {
            info!("getUpdates works again");
        }
        self.failing = false;
        self.errors = 0;
    }

    /// Queues the batch's readable updates and moves the offset past all of them.
    /// Queues the batch's readable updates and moves the offset past all of them.
    /// An error when the answer cannot be read at all, or when nothing in it could
    /// move the offset (an update without a readable id): the caller backs off, so
    /// the same answer is not fetched again in a tight loop.
    fn take(&mut self, raw: &[u8], limit: u32) -> Result<(), Failure> {
        let batch = parse_batch(raw).map_err(Failure::Unreadable)?;
        let before = self.offset.load(Ordering::SeqCst);
        let mut unreadable = 0;
        for item in batch {
            match item {
                Item::Update(u) => {
                    self.advance(i64::from(u.id.0));
                    self.buffer.push_back(*u);
                }
                Item::Unreadable { id, error } => {
                    warn!(
                        update_id = id,
                        error, "skipping an update that cannot be read"
                    );
                    self.advance(id);
                }
                Item::NoId => unreadable += 1,
            }
        }
        if unreadable == 0 {
            if limit == 1 {
                self.one_at_a_time = false;
            }
            return Ok(());
        }
        // Not even an id: the offset cannot pass it unless a later update does.
        self.one_at_a_time = limit > 1;
        if self.offset.load(Ordering::SeqCst) == before {
            return Err(Failure::Unreadable(format!(
                "{unreadable} update(s) without a readable id"
            )));
        }
        Ok(())
    }

    fn advance(&self, id: i64) {
        self.offset
            .fetch_max(id.saturating_add(1), Ordering::SeqCst);
    }

    /// Confirms the updates handed out (Telegram forgets those before the offset).
    async fn stop(&mut self) {
        self.done = true;
        let offset = self.offset.load(Ordering::SeqCst);
        if offset != 0 {
            if let Err(e) = self.fetch(offset, 1, 0).await {
                debug!(error = %e, "confirming the last updates failed");
            }
        }
    }

    /// One `getUpdates` call: the answer's bytes when it is `ok`.
    async fn fetch(&self, offset: i64, limit: u32, timeout: u32) -> Result<Vec<u8>, Failure> {
        let url = self.url.clone().ok_or(Failure::NoUrl)?;
        let mut payload = serde_json::json!({ "limit": limit, "timeout": timeout });
        if offset != 0 {
            payload["offset"] = offset.into();
        }
        if let Some(allowed) = &self.allowed {
            payload["allowed_updates"] = serde_json::to_value(allowed).unwrap_or_default();
        }
        let mut response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload.to_string())
            .timeout(Duration::from_secs(u64::from(timeout) + 7))
            .send()
            .await
            .map_err(Failure::network)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(Failure::network)? {
            if body.len() + chunk.len() > MAX_BODY {
                // Past the limit only the last bytes are kept, to find the id in.
                body.truncate(ID_WINDOW);
                let mut tail = chunk.to_vec();
                while let Some(chunk) = response.chunk().await.map_err(Failure::network)? {
                    tail.extend_from_slice(&chunk);
                    let extra = tail.len().saturating_sub(ID_WINDOW);
                    tail.drain(..extra);
                }
                return Err(Failure::TooBig {
                    first_id: update_id_in(&body).or_else(|| update_id_in(&tail)),
                });
            }
            body.extend_from_slice(&chunk);
        }
        match serde_json::from_slice::<Envelope>(&body) {
            Ok(Envelope { ok: true, .. }) => Ok(body),
            Ok(Envelope {
                parameters:
                    Some(Parameters {
                        retry_after: Some(secs),
                    }),
                ..
            }) => Err(Failure::RetryAfter(secs)),
            Ok(e) => Err(Failure::Api {
                status,
                description: e
                    .description
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            }),
            Err(_) => Err(Failure::NotJson {
                status,
                bytes: body.len(),
            }),
        }
    }
}

/// A failed `getUpdates`, safe to log: no URL, no body.
#[derive(Debug)]
enum Failure {
    NoUrl,
    Network(String),
    TooBig {
        first_id: Option<i64>,
    },
    RetryAfter(u64),
    Api {
        status: u16,
        description: String,
    },
    NotJson {
        status: u16,
        bytes: usize,
    },
    /// An `ok` answer whose updates cannot be taken (the reason names no content).
    Unreadable(String),
}

impl Failure {
    fn network(e: reqwest::Error) -> Failure {
        let mut causes = String::new();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            causes.push_str(": ");
            causes.push_str(&s.to_string());
            source = s.source();
        }
        Failure::Network(format!("{}{causes}", e.without_url()))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NoUrl => write!(f, "the API URL cannot hold the method's path"),
            Failure::Network(e) => write!(f, "network: {e}"),
            Failure::TooBig { .. } => write!(f, "an answer over {MAX_BODY} bytes"),
            Failure::RetryAfter(s) => write!(f, "retry after {s} s"),
            Failure::Api {
                status,
                description,
            } => write!(f, "the Bot API answered {status}: {description}"),
            Failure::Unreadable(why) => write!(f, "an answer that cannot be read: {why}"),
            Failure::NotJson { status, bytes } => {
                write!(
                    f,
                    "HTTP {status} with {bytes} bytes that are not the Bot API's JSON"
                )
            }
        }
    }
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

/// The updates of an `ok` answer, each left unparsed.
#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(borrow)]
    result: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct IdOnly {
    update_id: i64,
}

/// One element of a batch.
#[derive(Debug)]
enum Item {
    Update(Box<Update>),
    /// An update teloxide cannot read: its id, and the kind of error (never its text).
    Unreadable {
        id: i64,
        error: &'static str,
    },
    NoId,
}

/// Splits an `ok` answer into its updates. (`RawValue` skips nested values without
/// recursion, so depth fails only the update that has it.)
fn parse_batch(body: &[u8]) -> Result<Vec<Item>, String> {
    let batch: Batch = serde_json::from_slice(body).map_err(|e| {
        format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    Ok(batch
        .result
        .into_iter()
        .map(|raw| match serde_json::from_str::<Update>(raw.get()) {
            Ok(u) => Item::Update(Box::new(u)),
            Err(e) => match serde_json::from_str::<IdOnly>(raw.get()) {
                Ok(IdOnly { update_id }) => Item::Unreadable {
                    id: update_id,
                    error: match e.classify() {
                        serde_json::error::Category::Syntax => "syntax",
                        serde_json::error::Category::Data => "data",
                        serde_json::error::Category::Eof => "eof",
                        serde_json::error::Category::Io => "io",
                    },
                },
                Err(_) => Item::NoId,
            },
        })
        .collect())
}

/// The bytes kept at each end of an answer over the size limit.
const ID_WINDOW: usize = 64 << 10;

/// The id of the first update whose `"update_id":N` lies within a piece of an answer
/// (its start or its end). A key that opens an object member (after `{` or `,`) is
/// one: inside a string, a quote is always escaped.
fn update_id_in(piece: &[u8]) -> Option<i64> {
    const KEY: &[u8] = b"\"update_id\"";
    let mut from = 0;
    while let Some(found) = piece[from..].windows(KEY.len()).position(|w| w == KEY) {
        let at = from + found;
        from = at + KEY.len();
        let opens = piece[..at]
            .iter()
            .rev()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b','));
        let rest = &piece[from..];
        let Some(colon) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        if !opens || rest[colon] != b':' {
            continue;
        }
        let rest = &rest[colon + 1..];
        let Some(start) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        // A number that runs to the end of the piece may be cut: no end, no id.
        let Some(len) = rest[start..].iter().position(|b| !b.is_ascii_digit()) else {
            continue;
        };
        if let Ok(id) = std::str::from_utf8(&rest[start..start + len])
            .unwrap_or_default()
            .parse()
        {
            return Some(id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_update(id: i64, text: &str) -> String {
        serde_json::json!({
            "update_id": id,
            "message": {
                "message_id": 1, "date": 0,
                "chat": { "id": 5, "type": "private", "first_name": "A" },
                "from": { "id": 5, "is_bot": false, "first_name": "A" },
                "text": text
            }
        })
        .to_string()
    }

    fn deep(id: i64, depth: usize) -> String {
        let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        format!(
            r#"{{"update_id":{id},"message":{{"message_id":1,"date":0,"chat":{{"id":5,"type":"private"}},"text":"secret words","entities":{nested}}}}}"#
        )
    }

    fn ids(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Update(u) => format!("ok {}", u.id.0),
                Item::Unreadable { id, .. } => format!("skip {id}"),
                Item::NoId => "no id".into(),
            })
            .collect()
    }

    #[test]
    fn one_poisoned_update_fails_only_itself() {
        let body = format!(
            r#"{{"ok":true,"result":[{},{},{},{{"no":"id"}},{}]}}"#,
            message_update(7, "hello"),
            deep(8, 600),
            r#"{"update_id":9,"message":{"message_id":"not a number"}}"#,
            message_update(11, "after"),
        );
        let items = parse_batch(body.as_bytes()).unwrap();
        // (teloxide reads a malformed message as an update of an unknown kind, which
        // the dispatcher ignores; only what serde_json cannot walk is skipped here.)
        assert_eq!(ids(&items), ["ok 7", "skip 8", "ok 9", "no id", "ok 11"]);
        // The error named is a category, never the update's text.
        for item in &items {
            if let Item::Unreadable { error, .. } = item {
                assert!(!error.contains("secret") && !error.contains("not a number"));
            }
        }
    }

    fn run() -> Run {
        Run {
            client: reqwest::Client::new(),
            url: None,
            allowed: None,
            offset: Arc::new(AtomicI64::new(0)),
            intake: Arc::default(),
            flag: mk_stop_token().1,
            buffer: VecDeque::new(),
            one_at_a_time: false,
            errors: 0,
            failing: false,
            done: false,
        }
    }

    #[test]
    fn an_answer_that_cannot_move_the_offset_is_a_failure_to_back_off_from() {
        let mut r = run();
        // Nothing to read: a failure (the caller backs off instead of refetching).
        assert!(r.take(br#"{"ok":true,"result":{}}"#, 100).is_err());
        // Only updates without an id: a failure, and the next call asks for one.
        let none = br#"{"ok":true,"result":[{"no":"id"}]}"#;
        assert!(r.take(none, 100).is_err() && r.one_at_a_time);
        assert!(r.take(none, 1).is_err());
        assert_eq!(r.offset.load(Ordering::SeqCst), 0);
        // One readable update beside it moves the offset: no failure.
        let body = format!(
            r#"{{"ok":true,"result":[{{"no":"id"}},{}]}}"#,
            message_update(41, "x")
        );
        assert!(r.take(body.as_bytes(), 100).is_ok());
        assert_eq!(r.offset.load(Ordering::SeqCst), 42);
        assert_eq!(r.buffer.len(), 1);
        // An empty batch (a long poll that timed out) is the normal idle case.
        assert!(r.take(br#"{"ok":true,"result":[]}"#, 100).is_ok());
        assert!(r.failed(Failure::Unreadable("x".into())) >= Duration::from_secs(1));
    }

    #[test]
    fn unknown_update_kinds_are_kept_for_the_dispatcher_to_ignore() {
        let body = r#"{"ok":true,"result":[{"update_id":3,"brand_new_kind":{"x":1}}]}"#;
        assert_eq!(ids(&parse_batch(body.as_bytes()).unwrap()), ["ok 3"]);
    }

    #[test]
    fn bodies_that_are_not_a_batch_are_errors_without_their_text() {
        for body in [
            "<html><body>502 Bad Gateway secret</body></html>",
            "",
            r#"{"ok":true,"result":[{"update_id":1,"message":{"text":"secret"#,
            r#"{"ok":true}"#,
        ] {
            let e = parse_batch(body.as_bytes()).unwrap_err();
            assert!(!e.contains("secret"), "{e}");
        }
    }

    #[test]
    fn the_update_id_is_read_from_either_end_of_a_cut_answer() {
        for (piece, want) in [
            (
                r#"{"ok":true,"result":[{"update_id":123456,"message":{"text":"aaa"#,
                Some(123456),
            ),
            (r#"{"ok":true,"result":[{"update_id": 42"#, None),
            (r#"{"ok":true,"result":[{"update_id" : 42,"#, Some(42)),
            (r#"{"ok":true,"result":[{"upd"#, None),
            (
                r#"{"ok":true,"result":[{"message":{"text":"\"update_id\":5"}"#,
                None,
            ),
            (
                r#"{"ok":true,"result":[{"message":{"text":"a,\"update_id\":5"}"#,
                None,
            ),
            // The end of an answer whose keys are in another order.
            (r#"aaaa"},"update_id":77}]}"#, Some(77)),
            (r#"aa\"update_id\":1 "},"update_id":78}]}"#, Some(78)),
        ] {
            assert_eq!(update_id_in(piece.as_bytes()), want, "{piece}");
        }
    }

    #[test]
    fn the_method_url_is_teloxides() {
        for (base, want) in [
            (
                "https://api.telegram.org",
                "https://api.telegram.org/bot1:AB-c/getUpdates",
            ),
            (
                "http://127.0.0.1:8081/",
                "http://127.0.0.1:8081/bot1:AB-c/getUpdates",
            ),
            (
                "https://example.com/tg",
                "https://example.com/tg/bot1:AB-c/getUpdates",
            ),
        ] {
            let url = method_url(base.parse().unwrap(), "1:AB-c").unwrap();
            assert_eq!(url.as_str(), want);
        }
        assert!(method_url("mailto:a@b".parse().unwrap(), "1:A").is_none());
    }

    #[test]
    fn failures_display_no_url_and_no_body() {
        let f = Failure::NotJson {
            status: 502,
            bytes: 120,
        };
        assert_eq!(
            f.to_string(),
            "HTTP 502 with 120 bytes that are not the Bot API's JSON"
        );
    }
}
