//! A fast, lean fake Bot API on 127.0.0.1: hyper (HTTP/1.1, keep-alive, no
//! routing framework) on a current-thread runtime of its own thread.
//!
//! - `getUpdates` serves a pre-built feed once [`Fake::go`] is called, as its
//!   [`Release`] says: in batches as fast as the bot polls, one batch per interval
//!   (paced), or update by update at their arrival instants (`go + k/R`: a poll
//!   answers with what has arrived, up to its `limit`, and is held until something
//!   arrives or its timeout ends, as Telegram does). Otherwise it holds the poll for
//!   its timeout.
//! - Request bodies are read as JSON (teloxide) or as an urlencoded form (aiogram).
//! - `sendMessage`, `answerCallbackQuery` and `editMessage*` answer minimal valid
//!   JSON; every other method answers `true` (`getMe` and `getWebhookInfo` what
//!   teloxide needs).
//! - Optional rate limits (per second, overall and per chat) answer sends over the
//!   limit with 429 and `retry_after`, as Telegram does.
//! - Arrival instants are recorded: when each update left in a `getUpdates`
//!   response, when each answer's verdict (a `sendMessage` beginning with ✅/❌
//!   replying to the card, an `editMessageText` of the card with a ✅/❌ line, or a
//!   callback answer with a ✅/❌ toast) arrived, and when every accepted send
//!   arrived; and how many requests other than `getUpdates` came after `go`.

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
    pub release: Release,
}

/// When the feed's updates may leave.
#[derive(Debug, Clone, Copy)]
pub enum Release {
    /// Every batch as soon as the bot polls for it.
    Ready,
    /// Batch `b` leaves no earlier than `go + b × interval`.
    Paced(Duration),
    /// Update `k` (0-based) becomes available at `go + k / rate` seconds; a poll
    /// answers with the available updates from its offset, at most `min(limit,
    /// batch)` of them.
    Arrival(f64),
}

/// When update `k` (0-based) arrives at `rate` per second, counted from `go`.
pub fn arrival_at(go: Instant, k: usize, rate: f64) -> Instant {
    go + Duration::from_secs_f64(k as f64 / rate)
}

/// How many of `n` updates arriving at `rate` per second from `go` have arrived at `now`.
fn arrived(go: Instant, n: usize, rate: f64, now: Instant) -> usize {
    let elapsed = now.saturating_duration_since(go).as_secs_f64();
    let mut count = ((elapsed * rate).floor() as usize).saturating_add(1).min(n);
    // The float estimate may be one off either way at a boundary: settle on the instants.
    while count > 0 && arrival_at(go, count - 1, rate) > now {
        count -= 1;
    }
    while count < n && arrival_at(go, count, rate) <= now {
        count += 1;
    }
    count
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
    release: Release,
}

struct Shared {
    feed: Option<Batches>,
    cards: HashMap<(i64, i32), usize>,
    limits: Option<RateLimits>,
    go_at: OnceLock<Instant>,
    first_poll: OnceLock<Instant>,
    polls: AtomicU64,
    /// Requests other than `getUpdates` after `go`.
    requests: AtomicUsize,
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
                release: f.release,
            }
        });
        let shared = Arc::new(Shared {
            feed,
            cards: setup.cards,
            limits: setup.limits,
            go_at: OnceLock::new(),
            first_poll: OnceLock::new(),
            polls: AtomicU64::new(0),
            requests: AtomicUsize::new(0),
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

    /// When [`Fake::go`] was called.
    pub fn go_at(&self) -> Option<Instant> {
        self.shared.go_at.get().copied()
    }

    /// Requests other than `getUpdates` received since [`Fake::go`].
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
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
    /// An older form of `reply_parameters` (some clients still send it).
    reply_to_message_id: Option<i32>,
    offset: Option<i64>,
    timeout: Option<u64>,
    limit: Option<u64>,
}

impl Body {
    /// The card a message replies to, in either form.
    fn reply_to(&self) -> Option<i32> {
        self.reply_parameters
            .as_ref()
            .map(|r| r.message_id)
            .or(self.reply_to_message_id)
    }

    /// Reads a JSON body, or an `application/x-www-form-urlencoded` one (each field a
    /// string; numbers and `reply_parameters`' JSON are parsed). Anything unreadable
    /// is an empty body.
    fn read(content_type: &str, bytes: &[u8]) -> Body {
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return serde_json::from_slice(bytes).unwrap_or_default();
        }
        let mut b = Body::default();
        for (k, v) in url::form_urlencoded::parse(bytes) {
            match k.as_ref() {
                "chat_id" => b.chat_id = v.parse().ok(),
                "text" => b.text = Some(v.into_owned()),
                "message_id" => b.message_id = v.parse().ok(),
                "reply_parameters" => b.reply_parameters = serde_json::from_str(&v).ok(),
                "reply_to_message_id" => b.reply_to_message_id = v.parse().ok(),
                "callback_query_id" => b.callback_query_id = Some(v.into_owned()),
                "offset" => b.offset = v.parse().ok(),
                "timeout" => b.timeout = v.parse().ok(),
                "limit" => b.limit = v.parse().ok(),
                _ => {}
            }
        }
        b
    }
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

/// The verdict mark of a card edited into its verdict: the question, then a line
/// beginning with ✅/❌ (or, as a verdict message, the mark first).
fn edited_mark(text: Option<&str>) -> Option<bool> {
    let t = text?;
    mark(Some(t)).or_else(|| {
        ["\n✅ ", "\n❌ "]
            .iter()
            .filter_map(|m| t.find(m))
            .min()
            .and_then(|at| mark(Some(&t[at + 1..])))
    })
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
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bytes = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let body = Body::read(&content_type, &bytes);
    *lock(&shared.rec).methods.entry(method.clone()).or_insert(0) += 1;
    if method != "getupdates" && shared.go_at.get().is_some() {
        shared.requests.fetch_add(1, Ordering::SeqCst);
    }
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
            let chat = body.chat_id.unwrap_or(1);
            if m == "editmessagetext" {
                if let (Some(right), Some(card)) =
                    (edited_mark(body.text.as_deref()), body.message_id)
                {
                    verdict(&shared, &mut lock(&shared.rec), chat, card, at, right);
                }
            }
            message(body.message_id.unwrap_or(1), chat)
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
            if let (Some(right), Some(card)) = (mark(body.text.as_deref()), body.reply_to()) {
                verdict(shared, &mut rec, chat, card, at, right);
            }
        }
    }
    shared.sends.fetch_add(1, Ordering::SeqCst);
    let id = shared.next_message.fetch_add(1, Ordering::Relaxed);
    message(id, chat)
}

/// Records the verdict on `card` of `chat` (its first only).
fn verdict(shared: &Shared, rec: &mut Record, chat: i64, card: i32, at: Instant, right: bool) {
    if let Some(&i) = shared.cards.get(&(chat, card)) {
        if let Some(slot @ None) = rec.verdict.get_mut(i) {
            *slot = Some((at, right));
            shared.verdicts.fetch_add(1, Ordering::SeqCst);
        }
    }
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
        // Held until this instant (or a wake-up) when nothing may leave yet.
        let mut hold: Option<tokio::time::Instant> = None;
        if let (Some(feed), Some(go)) = (&shared.feed, shared.go_at.get()) {
            let next = usize::try_from(body.offset.unwrap_or(0).max(1) - 1).unwrap_or(0);
            let n = feed.updates.len();
            if next < n {
                let now = Instant::now();
                let served = match feed.release {
                    Release::Ready => Some(aligned(feed, next)),
                    Release::Paced(iv) => {
                        let b = next / feed.batch;
                        let release = *go + iv.saturating_mul(u32::try_from(b).unwrap_or(u32::MAX));
                        if release > now {
                            // As before the arrival mode: held until the release,
                            // whatever the poll's timeout.
                            hold = Some(release.into());
                            None
                        } else {
                            Some(aligned(feed, next))
                        }
                    }
                    Release::Arrival(rate) => {
                        let have = arrived(*go, n, rate, now);
                        if have > next {
                            let limit = usize::try_from(body.limit.unwrap_or(100))
                                .unwrap_or(100)
                                .clamp(1, 100)
                                .min(feed.batch);
                            let end = have.min(next + limit);
                            Some((end, updates_body(&feed.updates[next..end])))
                        } else {
                            // Until the next arrival, within the poll's timeout.
                            let at = arrival_at(*go, next, rate).into();
                            hold = (at < deadline).then_some(at);
                            None
                        }
                    }
                };
                if let Some((end, bytes)) = served {
                    let now = Instant::now();
                    {
                        let mut rec = lock(&shared.rec);
                        for slot in &mut rec.left[next..end] {
                            slot.get_or_insert(now);
                        }
                    }
                    return json(StatusCode::OK, bytes);
                }
                if let Some(until) = hold {
                    tokio::select! {
                        _ = tokio::time::sleep_until(until) => {}
                        _ = &mut notified => {}
                    }
                    continue;
                }
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

/// The batch from `next` (its pre-built body when `next` starts a batch).
fn aligned(feed: &Batches, next: usize) -> (usize, Bytes) {
    let end = (next + feed.batch).min(feed.updates.len());
    if next % feed.batch == 0 {
        if let Some(body) = feed.bodies.get(next / feed.batch) {
            return (end, body.clone());
        }
    }
    (end, updates_body(&feed.updates[next..end]))
}
