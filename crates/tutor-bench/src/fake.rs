//! A fast, lean fake Bot API on 127.0.0.1: hyper (HTTP/1.1, keep-alive, no
//! routing framework) on a current-thread runtime of its own thread.
//!
//! - `getUpdates` serves a pre-built feed in batches once [`Fake::go`] is called (at
//!   most one batch per `interval` when paced), and otherwise holds the poll for its
//!   timeout, as Telegram does.
//! - `sendMessage`, `answerCallbackQuery` and `editMessage*` answer minimal valid
//!   JSON; every other method answers `true` (`getMe` and `getWebhookInfo` what
//!   teloxide needs).
//! - Optional rate limits (per second, overall and per chat) answer sends over the
//!   limit with 429 and `retry_after`, as Telegram does.
//! - Arrival instants are recorded: when each update left in a `getUpdates`
//!   response, when each answer's verdict (a `sendMessage` beginning with ✅/❌
//!   replying to the card, or a callback answer with a ✅/❌ toast) arrived, and
//!   when every accepted send arrived.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::sync::Notify;

/// The token every bot under test uses (well formed, never a real one).
pub const TOKEN: &str = "123456:BENCH-token-abcdefghijklmnopqrstuvwxyz0123";
/// The fake bot's user id.
pub const BOT_ID: i64 = 999_000;

/// Updates to serve through `getUpdates`.
pub struct Feed {
    /// One JSON `Update` per entry; update ids are 1, 2, … in this order.
    pub updates: Vec<Bytes>,
    /// Updates per `getUpdates` answer (Telegram's maximum is 100).
    pub batch: usize,
    /// Paced feed: batch `b` leaves no earlier than `go + b × interval`.
    pub interval: Option<Duration>,
}

/// Telegram's flood limits, enforced on sends over a sliding one-second window.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    pub overall: usize,
    pub per_chat: usize,
}

#[derive(Default)]
pub struct Setup {
    pub feed: Option<Feed>,
    /// (chat, card message id) → index of the update that answers that card.
    pub cards: HashMap<(i64, i32), usize>,
    pub limits: Option<RateLimits>,
}

/// What the fake recorded (see [`Fake::record`]).
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// Per update: when it left in a `getUpdates` answer.
    pub left: Vec<Option<Instant>>,
    /// Per update: when a ✅/❌ callback answer for it arrived.
    pub toast: Vec<Option<Instant>>,
    /// Per update: when the ✅/❌ verdict message replying to its card arrived, and
    /// whether it was ✅.
    pub verdict: Vec<Option<(Instant, bool)>>,
    /// Every accepted send (`send*`), in arrival order.
    pub sends: Vec<Instant>,
    /// The chats that received at least one message.
    pub chats: std::collections::HashSet<i64>,
    /// Sends answered with 429.
    pub rejected: usize,
    /// Requests per method (lowercase).
    pub methods: HashMap<String, usize>,
}

struct Batches {
    updates: Vec<Bytes>,
    /// The `getUpdates` body of each aligned batch, built in advance.
    bodies: Vec<Bytes>,
    batch: usize,
    interval: Option<Duration>,
}

struct Shared {
    feed: Option<Batches>,
    cards: HashMap<(i64, i32), usize>,
    limits: Option<RateLimits>,
    go_at: OnceLock<Instant>,
    first_poll: OnceLock<Instant>,
    polls: AtomicU64,
    stopping: AtomicBool,
    wake: Notify,
    next_message: AtomicI32,
    verdicts: AtomicUsize,
    sends: AtomicUsize,
    rejected: AtomicUsize,
    connections: AtomicUsize,
    chats: AtomicUsize,
    rec: Mutex<Record>,
    windows: Mutex<Windows>,
}

#[derive(Default)]
struct Windows {
    overall: VecDeque<Instant>,
    chats: HashMap<i64, VecDeque<Instant>>,
}

impl Windows {
    /// Admits a send at `now` unless it would exceed a limit within the last second.
    fn admit(&mut self, chat: Option<i64>, now: Instant, lim: RateLimits) -> bool {
        let since = now.checked_sub(Duration::from_secs(1)).unwrap_or(now);
        while self.overall.front().is_some_and(|t| *t <= since) {
            self.overall.pop_front();
        }
        if self.overall.len() >= lim.overall {
            return false;
        }
        if let Some(chat) = chat {
            let w = self.chats.entry(chat).or_default();
            while w.front().is_some_and(|t| *t <= since) {
                w.pop_front();
            }
            if w.len() >= lim.per_chat {
                return false;
            }
            w.push_back(now);
        }
        self.overall.push_back(now);
        true
    }
}

/// A running fake. Dropping it stops the server.
pub struct Fake {
    url: String,
    shared: Arc<Shared>,
    stop: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Fake {
    pub fn start(setup: Setup) -> anyhow::Result<Fake> {
        let n = setup.feed.as_ref().map_or(0, |f| f.updates.len());
        let feed = setup.feed.map(|f| {
            let batch = f.batch.clamp(1, 100);
            let bodies = f.updates.chunks(batch).map(updates_body).collect();
            Batches {
                updates: f.updates,
                bodies,
                batch,
                interval: f.interval,
            }
        });
        let shared = Arc::new(Shared {
            feed,
            cards: setup.cards,
            limits: setup.limits,
            go_at: OnceLock::new(),
            first_poll: OnceLock::new(),
            polls: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            wake: Notify::new(),
            next_message: AtomicI32::new(50_000_000),
            verdicts: AtomicUsize::new(0),
            sends: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            chats: AtomicUsize::new(0),
            rec: Mutex::new(Record {
                left: vec![None; n],
                toast: vec![None; n],
                verdict: vec![None; n],
                ..Record::default()
            }),
            windows: Mutex::new(Windows::default()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding the fake")?;
        listener.set_nonblocking(true)?;
        let addr: SocketAddr = listener.local_addr()?;
        let stop = Arc::new(Notify::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (sh, st) = (shared.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("fake-bot-api".into())
            .spawn(move || runtime.block_on(serve(listener, sh, st)))?;
        Ok(Fake {
            url: format!("http://{addr}/"),
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// The API URL for `TELOXIDE_API_URL` / `Bot::set_api_url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Starts serving the feed.
    pub fn go(&self) {
        let _ = self.shared.go_at.set(Instant::now());
        self.shared.wake.notify_waiters();
    }

    /// From now on `getUpdates` answers at once with nothing (before a shutdown).
    pub fn stop_polls(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.wake.notify_waiters();
    }

    /// When the first `getUpdates` arrived.
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// Verdict messages received so far (one per answered update).
    pub fn verdicts(&self) -> usize {
        self.shared.verdicts.load(Ordering::SeqCst)
    }

    /// Accepted sends so far.
    pub fn sends(&self) -> usize {
        self.shared.sends.load(Ordering::SeqCst)
    }

    /// Distinct chats that received a message so far.
    pub fn chats(&self) -> usize {
        self.shared.chats.load(Ordering::SeqCst)
    }

    /// Sends answered with 429 so far.
    pub fn rejected(&self) -> usize {
        self.shared.rejected.load(Ordering::SeqCst)
    }

    /// TCP connections the bot opened so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// A copy of what was recorded.
    pub fn record(&self) -> Record {
        let mut r = lock(&self.shared.rec).clone();
        r.rejected = self.rejected();
        r
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop_polls();
        self.stop.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn updates_body(updates: &[Bytes]) -> Bytes {
    let len = updates.iter().map(Bytes::len).sum::<usize>() + updates.len() + 32;
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(br#"{"ok":true,"result":["#);
    for (i, u) in updates.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(u);
    }
    out.extend_from_slice(b"]}");
    Bytes::from(out)
}

async fn serve(listener: std::net::TcpListener, shared: Arc<Shared>, stop: Arc<Notify>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.notified() => return,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    chat_id: Option<i64>,
    text: Option<String>,
    message_id: Option<i32>,
    reply_parameters: Option<ReplyTo>,
    callback_query_id: Option<String>,
    offset: Option<i64>,
    timeout: Option<u64>,
}

#[derive(Deserialize)]
struct ReplyTo {
    message_id: i32,
}

type Resp = Response<Full<Bytes>>;

fn json(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn ok(result: &str) -> Resp {
    json(
        StatusCode::OK,
        format!(r#"{{"ok":true,"result":{result}}}"#),
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn message(id: i32, chat: i64) -> Resp {
    let chat_json = if chat >= 0 {
        format!(r#"{{"id":{chat},"type":"private","first_name":"U"}}"#)
    } else {
        format!(r#"{{"id":{chat},"type":"group","title":"G"}}"#)
    };
    ok(&format!(
        r#"{{"message_id":{id},"date":{},"chat":{chat_json},"from":{{"id":{BOT_ID},"is_bot":true,"first_name":"Bench","username":"bench_bot"}},"text":"ok"}}"#,
        unix_now()
    ))
}

/// The verdict mark a text begins with: Some(true) for ✅, Some(false) for ❌.
fn mark(text: Option<&str>) -> Option<bool> {
    let t = text?;
    if t.starts_with('✅') {
        Some(true)
    } else if t.starts_with('❌') {
        Some(false)
    } else {
        None
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let at = Instant::now();
    let method = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let body: Body = serde_json::from_slice(&bytes).unwrap_or_default();
    *lock(&shared.rec).methods.entry(method.clone()).or_insert(0) += 1;
    let resp = match method.as_str() {
        "getupdates" => get_updates(&shared, &body).await,
        "getme" => ok(&format!(
            r#"{{"id":{BOT_ID},"is_bot":true,"first_name":"Bench","username":"bench_bot","can_join_groups":true,"can_read_all_group_messages":false,"supports_inline_queries":false,"can_connect_to_business":false,"has_main_web_app":false}}"#
        )),
        "getwebhookinfo" => {
            ok(r#"{"url":"","has_custom_certificate":false,"pending_update_count":0}"#)
        }
        "answercallbackquery" => {
            if mark(body.text.as_deref()).is_some() {
                if let Some(i) = body
                    .callback_query_id
                    .as_deref()
                    .and_then(|id| id.parse::<usize>().ok())
                {
                    let mut rec = lock(&shared.rec);
                    if let Some(slot @ None) = rec.toast.get_mut(i) {
                        *slot = Some(at);
                    }
                }
            }
            ok("true")
        }
        m if m.starts_with("editmessage") => {
            message(body.message_id.unwrap_or(1), body.chat_id.unwrap_or(1))
        }
        m if m.starts_with("send") => send(&shared, m, &body, at),
        _ => ok("true"),
    };
    Ok(resp)
}

fn send(shared: &Shared, method: &str, body: &Body, at: Instant) -> Resp {
    if let Some(lim) = shared.limits {
        if !lock(&shared.windows).admit(body.chat_id, at, lim) {
            shared.rejected.fetch_add(1, Ordering::SeqCst);
            return json(
                StatusCode::TOO_MANY_REQUESTS,
                r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
            );
        }
    }
    let chat = body.chat_id.unwrap_or(1);
    {
        let mut rec = lock(&shared.rec);
        rec.sends.push(at);
        if rec.chats.insert(chat) {
            shared.chats.fetch_add(1, Ordering::SeqCst);
        }
        if method == "sendmessage" {
            if let (Some(right), Some(reply)) = (mark(body.text.as_deref()), &body.reply_parameters)
            {
                if let Some(&i) = shared.cards.get(&(chat, reply.message_id)) {
                    if let Some(slot @ None) = rec.verdict.get_mut(i) {
                        *slot = Some((at, right));
                        shared.verdicts.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }
    }
    shared.sends.fetch_add(1, Ordering::SeqCst);
    let id = shared.next_message.fetch_add(1, Ordering::Relaxed);
    message(id, chat)
}

async fn get_updates(shared: &Shared, body: &Body) -> Resp {
    let _ = shared.first_poll.set(Instant::now());
    shared.polls.fetch_add(1, Ordering::SeqCst);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(body.timeout.unwrap_or(0));
    loop {
        let notified = shared.wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if shared.stopping.load(Ordering::SeqCst) {
            return ok("[]");
        }
        if let (Some(feed), Some(go)) = (&shared.feed, shared.go_at.get()) {
            let next = usize::try_from(body.offset.unwrap_or(0).max(1) - 1).unwrap_or(0);
            if next < feed.updates.len() {
                let b = next / feed.batch;
                let release = feed.interval.map(|iv| *go + iv * b as u32);
                if let Some(release) = release.filter(|r| *r > Instant::now()) {
                    tokio::select! {
                        _ = tokio::time::sleep_until(release.into()) => {}
                        _ = &mut notified => {}
                    }
                    continue;
                }
                let (end, bytes) = if next % feed.batch == 0 {
                    (
                        (next + feed.batch).min(feed.updates.len()),
                        feed.bodies[b].clone(),
                    )
                } else {
                    let end = (next + feed.batch).min(feed.updates.len());
                    (end, updates_body(&feed.updates[next..end]))
                };
                let now = Instant::now();
                {
                    let mut rec = lock(&shared.rec);
                    for slot in &mut rec.left[next..end] {
                        slot.get_or_insert(now);
                    }
                }
                return json(StatusCode::OK, bytes);
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return ok("[]");
        }
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = &mut notified => {}
        }
    }
}
