//! `FakeApi`: an in-process fake Telegram Bot API server for end-to-end tests.
//!
//! It runs on its own tokio runtime (its own threads), so it keeps answering
//! whatever the test thread does (blocking waits, a current-thread
//! `#[tokio::test]`, a child process). It listens on `127.0.0.1:<random port>`;
//! point teloxide at [`FakeApi::url`] (`TELOXIDE_API_URL`).
//!
//! What it does, in the order a request meets it:
//! 1. `POST /bot<TOKEN>/<Method>`; the method is matched case-insensitively
//!    and recorded lowercased, with the token, the body and the arrival time.
//! 2. A wrong token gets 401 "Unauthorized" (teloxide: `ApiError::InvalidToken`).
//! 3. Programmed faults ([`FakeApi::fail_next`]) for the method (and chat).
//! 4. Blocked chats ([`FakeApi::block_chat`]): send/copy/forward/edit → 403.
//! 5. Rate limits ([`FakeApi::set_rate_limit`]) on send/copy/forward → 429.
//! 6. The method itself (see [`FakeApi`] docs for what each returns).

use std::{
    collections::{HashMap, HashSet, VecDeque},
    fmt::Write as _,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, FromRequest, Multipart, State as AxState},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use tokio::{net::TcpSocket, sync::Notify, task::JoinHandle};

use super::tg;

/// The token `TestApp` gives the bot and `FakeApi::start` expects.
pub const TEST_TOKEN: &str = "123456:TEST-token-SECRET-abcdefghijklmnopqrstuv";

/// A fault to inject into matching requests ([`FakeApi::fail_next`]).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Any error: `{"ok":false,"error_code":code,"description":description}`
    /// with HTTP status `code`. Beware: teloxide sleeps 10 s after any 5xx.
    Error { code: u16, description: String },
    /// 429 "Too Many Requests: retry after N" with `parameters.retry_after`
    /// (teloxide: `RequestError::RetryAfter`).
    RetryAfter(u32),
    /// 400 with `parameters.migrate_to_chat_id` (teloxide:
    /// `RequestError::MigrateToChatId`).
    Migrate(i64),
    /// Answer normally, but only after this long.
    Delay(Duration),
    /// 403 "Forbidden: bot was blocked by the user" (`ApiError::BotBlocked`).
    Blocked,
    /// 400 "Bad Request: chat not found" (`ApiError::ChatNotFound`).
    ChatNotFound,
    /// 403 "Forbidden: user is deactivated" (`ApiError::UserDeactivated`).
    Deactivated,
    /// This status and body as they are, `text/html` (a proxy's error page, an empty
    /// or cut answer). teloxide: `RequestError::InvalidJson`.
    Raw { status: u16, body: String },
}

/// The key under which [`Fault::Raw`]'s body travels to `handle`.
const RAW_BODY: &str = "\u{0}raw body";

/// An uploaded file of a multipart request.
#[derive(Clone, Debug)]
pub struct UploadedFile {
    /// The multipart part name (teloxide uses a random id and puts
    /// `attach://<id>` in the field, e.g. `photo`).
    pub part: String,
    pub file_name: Option<String>,
    pub len: usize,
    /// The file's bytes (kept so tests can read e.g. an `/export` document).
    pub bytes: Vec<u8>,
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Request {
    /// Increasing across the fake's life (not reset by `clear_log`).
    pub seq: u64,
    /// Lowercased method name, e.g. "sendmessage".
    pub method: String,
    /// The token from the URL.
    pub token: String,
    /// JSON body. For multipart bodies: the text fields (numbers, booleans and
    /// JSON objects/arrays parsed; `caption`/`text` kept as strings), and each
    /// `attach://` field replaced by `{"file_name":..,"len":N}`.
    pub body: Value,
    pub files: Vec<UploadedFile>,
    /// When the request arrived.
    pub at: Instant,
    /// HTTP status answered; 0 while the request is still in flight (a held
    /// `getUpdates`).
    pub status: u16,
    /// The JSON answered (`Null` while in flight).
    pub response: Value,
}

impl Request {
    /// `chat_id` of the body, if numeric.
    pub fn chat_id(&self) -> Option<i64> {
        tg::chat_id_of(&self.body)
    }
    /// A string field of the body.
    pub fn str(&self, field: &str) -> Option<&str> {
        self.body.get(field)?.as_str()
    }
    /// An integer field of the body (number or numeric string).
    pub fn i64(&self, field: &str) -> Option<i64> {
        tg::as_i64(self.body.get(field)?)
    }
    /// `text`, else `caption`, else a poll's `question`.
    pub fn text(&self) -> Option<&str> {
        self.str("text")
            .or_else(|| self.str("caption"))
            .or_else(|| self.str("question"))
    }
    /// Answered with `ok: true`.
    pub fn ok(&self) -> bool {
        self.response.get("ok") == Some(&Value::Bool(true))
    }
    /// `result` of the answer.
    pub fn result(&self) -> Option<&Value> {
        self.response.get("result")
    }
}

/// Something the bot showed a chat: a send, an edit, a delete or a callback
/// answer. Built from successful requests only.
#[derive(Clone, Debug)]
pub struct Sent {
    pub seq: u64,
    pub method: String,
    pub chat_id: Option<i64>,
    /// The new message's id for sends, the edited/deleted one for edits and
    /// deletes.
    pub message_id: Option<i64>,
    /// `text`, `caption` or poll `question`; for a callback answer its `text`.
    pub text: Option<String>,
    pub reply_markup: Option<Value>,
    pub callback_query_id: Option<String>,
    pub show_alert: bool,
    pub at: Instant,
    /// The full request body.
    pub body: Value,
}

impl Sent {
    /// The `callback_data` of every inline button, row by row.
    pub fn buttons(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let rows = self
            .reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array);
        for row in rows.into_iter().flatten() {
            for b in row.as_array().into_iter().flatten() {
                let text = b.get("text").and_then(Value::as_str).unwrap_or("");
                let data = b.get("callback_data").and_then(Value::as_str).unwrap_or("");
                out.push((text.to_owned(), data.to_owned()));
            }
        }
        out
    }
}

const SEND_METHODS: &[&str] = &[
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendpoll",
    "sendsticker",
    "sendmediagroup",
    "sendanimation",
    "sendaudio",
    "sendvideo",
    "sendvoice",
    "senddice",
    "copymessage",
    "forwardmessage",
];
const EDIT_METHODS: &[&str] = &[
    "editmessagetext",
    "editmessagecaption",
    "editmessagereplymarkup",
    "editmessagemedia",
];

fn is_counted_send(method: &str) -> bool {
    SEND_METHODS.contains(&method)
}

fn is_blockable(method: &str) -> bool {
    is_counted_send(method)
        || EDIT_METHODS.contains(&method)
        || method == "sendchataction"
        || method.starts_with("send")
}

#[derive(Debug)]
struct FaultRule {
    method: String,
    chat: Option<i64>,
    fault: Fault,
    remaining: usize,
}

#[derive(Default)]
struct RateLimit {
    per_chat: Option<f64>,
    global: Option<f64>,
    chat_hits: HashMap<i64, VecDeque<Instant>>,
    global_hits: VecDeque<Instant>,
    limited: usize,
}

/// Window and count for "`rate` per second": at least a 1 s window.
fn window(rate: f64) -> (Duration, usize) {
    if rate >= 1.0 {
        (Duration::from_secs(1), rate.floor() as usize)
    } else {
        (Duration::from_secs_f64(1.0 / rate.max(1e-6)), 1)
    }
}

/// `None` if allowed, else the seconds to wait.
fn check_window(hits: &mut VecDeque<Instant>, rate: f64, now: Instant) -> Option<u32> {
    let (w, n) = window(rate);
    while hits.front().is_some_and(|t| now.duration_since(*t) >= w) {
        hits.pop_front();
    }
    if hits.len() >= n.max(1) {
        let oldest = *hits.front().expect("non-empty");
        let wait = w.saturating_sub(now.duration_since(oldest));
        Some((wait.as_secs_f64().ceil() as u32).max(1))
    } else {
        None
    }
}

struct StateInner {
    token: String,
    started: Instant,
    log: Vec<Request>,
    next_seq: u64,
    /// Unconfirmed updates, in id order.
    updates: VecDeque<(u32, Value)>,
    next_update_id: u32,
    next_message_id: i64,
    /// The bot's messages as last sent/edited, by (chat, message_id).
    messages: HashMap<(i64, i64), Value>,
    faults: Vec<FaultRule>,
    blocked: HashSet<i64>,
    members: HashMap<(i64, i64), String>,
    user_langs: HashMap<i64, String>,
    callback_chats: HashMap<String, i64>,
    next_callback: u64,
    rate: RateLimit,
    not_modified_errors: bool,
    poll_generation: u64,
    /// Files users sent, by file id (`getFile` and the file endpoint).
    files: HashMap<String, Vec<u8>>,
}

struct Shared {
    state: Mutex<StateInner>,
    /// Signalled when updates are pushed or a newer getUpdates arrives.
    updates_changed: Notify,
    /// Signalled when the request log changes.
    log_changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, StateInner> {
        // A panicking test thread must not poison the server for the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Server {
    accept: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Mutex<Server>,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(rt) = self
            .runtime
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            rt.shutdown_background();
        }
    }
}

/// The fake Bot API. Cheap to clone (all clones share one server).
///
/// Method answers:
/// - `getMe` → the bot (id 999000, `tutor_test_bot`); `getWebhookInfo` → no
///   webhook; `getMyCommands` → `[]`; unknown methods → `true`.
/// - `getUpdates` → real semantics: `offset` confirms (drops) smaller ids,
///   unconfirmed updates are redelivered, `limit`, long polling up to
///   `timeout` s (woken by a push); a newer `getUpdates` ends a held older one
///   with 409 Conflict, as Telegram does.
/// - `send*`, `copyMessage`, `forwardMessage` → a Message from the bot
///   (incrementing `message_id`, text/caption echoed, inline `reply_markup`
///   echoed, photo/document/poll/sticker/dice content as sent);
///   `sendMediaGroup` → an array; `edit*` → the stored message updated
///   (`editMessageText` without `reply_markup` drops the keyboard, as
///   Telegram does); `answerCallbackQuery`, `deleteMessage`, `pinChatMessage`
///   → `true`.
/// - `getChatMember` → status per [`FakeApi::set_member_status`] (default
///   "member"); `getChatAdministrators` → the configured creators/admins;
///   `getChat` → a `ChatFullInfo`; `getChatMemberCount` → 2.
#[derive(Clone)]
pub struct FakeApi {
    inner: Arc<Inner>,
}

impl FakeApi {
    /// Starts a fake that expects [`TEST_TOKEN`].
    pub fn start() -> FakeApi {
        FakeApi::start_with_token(TEST_TOKEN)
    }

    /// Starts a fake that expects `token`.
    pub fn start_with_token(token: &str) -> FakeApi {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fake-bot-api")
            .enable_all()
            .build()
            .expect("fake api runtime");
        let shared = Arc::new(Shared {
            state: Mutex::new(StateInner {
                token: token.to_owned(),
                started: Instant::now(),
                log: Vec::new(),
                next_seq: 0,
                updates: VecDeque::new(),
                next_update_id: 10_001,
                next_message_id: 1,
                messages: HashMap::new(),
                faults: Vec::new(),
                blocked: HashSet::new(),
                members: HashMap::new(),
                user_langs: HashMap::new(),
                callback_chats: HashMap::new(),
                next_callback: 1,
                rate: RateLimit::default(),
                not_modified_errors: false,
                poll_generation: 0,
                files: HashMap::new(),
            }),
            updates_changed: Notify::new(),
            log_changed: Notify::new(),
        });
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let (server, addr) = listen(&runtime, shared.clone(), addr).expect("fake api: listen");
        FakeApi {
            inner: Arc::new(Inner {
                shared,
                addr,
                server: Mutex::new(server),
                runtime: Mutex::new(Some(runtime)),
            }),
        }
    }

    /// `http://127.0.0.1:<port>/` — the value for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.inner.addr)
    }

    /// [`Self::url`] parsed, for `Bot::set_api_url`.
    pub fn api_url(&self) -> reqwest::Url {
        self.url().parse().expect("url")
    }

    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The token this fake accepts.
    pub fn token(&self) -> String {
        self.shared().lock().token.clone()
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    fn with_state<R>(&self, f: impl FnOnce(&mut StateInner) -> R) -> R {
        f(&mut self.shared().lock())
    }

    // ----- server lifecycle -------------------------------------------------

    /// Closes the listener and every open connection (in-flight requests,
    /// e.g. a held `getUpdates`, are cut): new connections are refused.
    pub async fn stop(&self) {
        let (accept, conns) = {
            let mut server = self.inner.server.lock().unwrap_or_else(|e| e.into_inner());
            let accept = server.accept.take();
            let conns: Vec<_> =
                std::mem::take(&mut *server.conns.lock().unwrap_or_else(|e| e.into_inner()));
            (accept, conns)
        };
        if let Some(accept) = accept {
            accept.abort();
            let _ = accept.await;
        }
        for c in conns {
            c.abort();
            let _ = c.await;
        }
    }

    /// Listens again on the same port (after [`Self::stop`]; a no-op if running).
    pub async fn restart(&self) {
        let running = self
            .inner
            .server
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .accept
            .is_some();
        if running {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Binding right after a close can briefly fail; retry.
            let bound = {
                let rt = self.inner.runtime.lock().unwrap_or_else(|e| e.into_inner());
                let rt = rt.as_ref().expect("runtime alive");
                listen(rt, self.inner.shared.clone(), self.inner.addr)
            };
            match bound {
                Ok((server, _)) => {
                    *self.inner.server.lock().unwrap_or_else(|e| e.into_inner()) = server;
                    return;
                }
                Err(e) if Instant::now() > deadline => {
                    panic!("fake api: re-listen on {}: {e}", self.inner.addr)
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    // ----- fault injection --------------------------------------------------

    /// The next `times` requests of `method` (case-insensitive; "*" = any),
    /// to `chat` if given, get `fault`. Rules are consumed in the order added.
    pub fn fail_next(&self, method: &str, chat: Option<i64>, fault: Fault, times: usize) {
        self.with_state(|s| {
            s.faults.push(FaultRule {
                method: method.to_ascii_lowercase(),
                chat,
                fault,
                remaining: times,
            })
        });
    }

    /// Drops all pending fault rules.
    pub fn clear_faults(&self) {
        self.with_state(|s| s.faults.clear());
    }

    /// Every send/edit/chat action to `chat` fails with 403 "bot was blocked
    /// by the user" until [`Self::unblock_chat`].
    pub fn block_chat(&self, chat: i64) {
        self.with_state(|s| s.blocked.insert(chat));
    }

    pub fn unblock_chat(&self, chat: i64) {
        self.with_state(|s| s.blocked.remove(&chat));
    }

    /// Rate limits on sends (send*/copyMessage/forwardMessage; edits and
    /// callback answers are not counted), in messages per second, sliding
    /// window of 1 s (or 1/rate s for rates below 1). Exceeding sends get 429
    /// with `retry_after` and are not counted as sent. `None` = no limit.
    /// Resets the counters.
    pub fn set_rate_limit(&self, per_chat_per_sec: Option<f64>, global_per_sec: Option<f64>) {
        self.with_state(|s| {
            s.rate = RateLimit {
                per_chat: per_chat_per_sec,
                global: global_per_sec,
                limited: s.rate.limited,
                ..RateLimit::default()
            }
        });
    }

    /// How many requests got a 429 from the rate limiter (not from
    /// `Fault::RetryAfter`).
    pub fn rate_limited_count(&self) -> usize {
        self.with_state(|s| s.rate.limited)
    }

    /// When on, `editMessageText`/`editMessageReplyMarkup` that change nothing
    /// get Telegram's 400 "message is not modified" (`ApiError::MessageNotModified`).
    /// Off by default.
    pub fn set_not_modified_errors(&self, on: bool) {
        self.with_state(|s| s.not_modified_errors = on);
    }

    /// `getChatMember(chat, user)` answers this status ("creator",
    /// "administrator", "member", "restricted", "left", "kicked").
    pub fn set_member_status(&self, chat: i64, user: i64, status: &str) {
        self.with_state(|s| s.members.insert((chat, user), status.to_owned()));
    }

    /// A file a user sends: `getFile` for `file_id` answers its path, and
    /// `GET /file/bot<token>/<path>` its bytes.
    pub fn put_file(&self, file_id: &str, bytes: Vec<u8>) {
        self.with_state(|s| s.files.insert(file_id.to_owned(), bytes));
    }

    /// A document message from `user` in `chat` (its file put with [`Self::put_file`];
    /// `size` is the size the message announces).
    pub fn push_document(&self, chat: i64, user: i64, file_id: &str, name: &str, size: u64) -> u32 {
        self.msg(chat, user)
            .content(json!({ "document": tg::document(file_id, name, size) }))
            .push()
    }

    /// The `language_code` of updates from `user` (default "zh-hans").
    pub fn set_user_lang(&self, user: i64, lang: &str) {
        self.with_state(|s| s.user_langs.insert(user, lang.to_owned()));
    }

    // ----- queries ------------------------------------------------------------

    /// Every recorded request (since the last `clear_log`).
    pub fn requests(&self) -> Vec<Request> {
        self.with_state(|s| s.log.clone())
    }

    /// Recorded requests of one method (case-insensitive).
    pub fn requests_of(&self, method: &str) -> Vec<Request> {
        let m = method.to_ascii_lowercase();
        self.with_state(|s| s.log.iter().filter(|r| r.method == m).cloned().collect())
    }

    /// The first recorded request matching `pred`, if any (no waiting).
    pub fn find(&self, pred: impl Fn(&Request) -> bool) -> Option<Request> {
        self.with_state(|s| s.log.iter().find(|r| pred(r)).cloned())
    }

    /// The `seq` the next request will get: remember it, then filter
    /// `r.seq >= mark` to look only at later requests.
    pub fn mark(&self) -> u64 {
        self.with_state(|s| s.next_seq)
    }

    pub fn clear_log(&self) {
        self.with_state(|s| s.log.clear());
    }

    /// What the bot successfully showed `chat` (sends, edits, deletes, callback
    /// answers to queries from that chat), in order.
    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == Some(chat))
            .collect()
    }

    /// Every successful send/edit/delete/callback answer, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.with_state(|s| s.log.iter().filter_map(|r| to_sent(s, r)).collect())
    }

    /// Successful `answerCallbackQuery` calls.
    pub fn callback_answers(&self) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.method == "answercallbackquery")
            .collect()
    }

    /// The bot's message as last sent/edited.
    pub fn message(&self, chat: i64, message_id: i64) -> Option<Value> {
        self.with_state(|s| s.messages.get(&(chat, message_id)).cloned())
    }

    /// Ids of updates not yet confirmed by an `offset`.
    pub fn pending_updates(&self) -> Vec<u32> {
        self.with_state(|s| s.updates.iter().map(|(id, _)| *id).collect())
    }

    /// A compact dump of the last `n` requests (for failure messages).
    pub fn dump(&self, n: usize) -> String {
        self.with_state(|s| dump_log(s, n))
    }

    /// Waits until a recorded request matches `pred`; returns the first match.
    /// Panics on timeout with a dump of the recent requests.
    pub async fn wait_for(&self, pred: impl Fn(&Request) -> bool, timeout: Duration) -> Request {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared().log_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(r) = self.with_state(|s| s.log.iter().find(|r| pred(r)).cloned()) {
                return r;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "FakeApi::wait_for: no matching request within {timeout:?}\n{}",
                    self.dump(40)
                );
            }
        }
    }

    /// Waits until a successful [`Sent`] matches `pred`. Panics on timeout.
    pub async fn wait_for_sent(&self, pred: impl Fn(&Sent) -> bool, timeout: Duration) -> Sent {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared().log_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(s) = self.sent().into_iter().find(|s| pred(s)) {
                return s;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "FakeApi::wait_for_sent: nothing matching within {timeout:?}\n{}",
                    self.dump(40)
                );
            }
        }
    }

    /// Waits until the bot shows `chat` a text/caption/poll question containing
    /// `substring` (sends and edits; callback answers are not texts here).
    /// Panics on timeout with a dump of the recent requests.
    pub async fn wait_for_text(&self, chat: i64, substring: &str, timeout: Duration) -> Sent {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared().log_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let found = self.sent_to(chat).into_iter().find(|s| {
                s.method != "answercallbackquery"
                    && s.text.as_deref().is_some_and(|t| t.contains(substring))
            });
            if let Some(s) = found {
                return s;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "FakeApi::wait_for_text: chat {chat} got no text containing {substring:?} \
                     within {timeout:?}\n{}",
                    self.dump(40)
                );
            }
        }
    }

    /// Like [`Self::wait_for_text`], for a message sent to `chat` at or after `mark`
    /// (see [`Self::mark`]) whose text starts with or contains `substring`.
    pub async fn wait_for_text_after(
        &self,
        chat: i64,
        mark: u64,
        substring: &str,
        timeout: Duration,
    ) -> Sent {
        self.wait_for_sent(
            |s| {
                s.seq >= mark
                    && s.chat_id == Some(chat)
                    && s.method != "answercallbackquery"
                    && s.text.as_deref().is_some_and(|t| t.contains(substring))
            },
            timeout,
        )
        .await
    }

    /// Waits `quiet` and panics if anything was shown to `chat` from now on.
    pub async fn expect_silence(&self, chat: i64, quiet: Duration) {
        let mark = self.mark();
        tokio::time::sleep(quiet).await;
        let late: Vec<_> = self
            .sent_to(chat)
            .into_iter()
            .filter(|s| s.seq >= mark)
            .collect();
        assert!(
            late.is_empty(),
            "expected nothing sent to {chat}, got {late:#?}\n{}",
            self.dump(40)
        );
    }

    /// Waits until every pushed update is confirmed (the bot asked for a
    /// later `offset`). Panics on timeout.
    pub async fn wait_updates_confirmed(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.pending_updates().is_empty() {
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "updates {:?} not confirmed within {timeout:?}\n{}",
                    self.pending_updates(),
                    self.dump(40)
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // ----- update builders ----------------------------------------------------

    /// A fresh message id (shared counter with the bot's messages).
    pub fn next_message_id(&self) -> i64 {
        self.with_state(|s| {
            let id = s.next_message_id;
            s.next_message_id += 1;
            id
        })
    }

    /// Queues an update (`{"<kind>": ...}`); sets `update_id`; returns it.
    pub fn push_raw(&self, mut update: Value) -> u32 {
        let id = self.with_state(|s| {
            let id = s.next_update_id;
            s.next_update_id += 1;
            update["update_id"] = json!(id);
            s.updates.push_back((id, update));
            id
        });
        self.shared().updates_changed.notify_waiters();
        id
    }

    /// A `User` JSON for `user` (its language per [`Self::set_user_lang`]).
    pub fn user_json(&self, user: i64) -> Value {
        let lang = self.with_state(|s| s.user_langs.get(&user).cloned());
        tg::user(
            user,
            &format!("U{user}"),
            Some(lang.as_deref().unwrap_or(tg::DEFAULT_LANG)),
        )
    }

    /// A message builder from `user` in `chat` (private: chat == user; group:
    /// negative chat).
    pub fn msg(&self, chat: i64, user: i64) -> MessageBuilder<'_> {
        MessageBuilder {
            fake: self,
            chat,
            user,
            text: None,
            lang: None,
            first_name: None,
            username: None,
            reply_to: None,
            content: Map::new(),
            edited: None,
        }
    }

    /// A text message (commands get `bot_command` entities).
    pub fn push_text(&self, chat: i64, user: i64, text: &str) -> u32 {
        self.msg(chat, user).text(text).push()
    }

    /// A text reply to the bot's message `reply_to_message_id` (the full
    /// message as the bot last sent/edited it is embedded).
    pub fn push_reply(&self, chat: i64, user: i64, reply_to_message_id: i64, text: &str) -> u32 {
        self.msg(chat, user)
            .reply_to(reply_to_message_id)
            .text(text)
            .push()
    }

    /// A callback query from `user` pressing a button of the bot's message
    /// `message_id` in `chat`. The query id is unique ("cbq-N").
    pub fn push_callback(&self, chat: i64, user: i64, message_id: i64, data: &str) -> u32 {
        self.push_callback_id(chat, user, message_id, data).0
    }

    /// Like [`Self::push_callback`], also returning the callback query id.
    pub fn push_callback_id(
        &self,
        chat: i64,
        user: i64,
        message_id: i64,
        data: &str,
    ) -> (u32, String) {
        let from = self.user_json(user);
        let message = self.bot_message_or_stub(chat, message_id);
        let id = self.with_state(|s| {
            let id = format!("cbq-{}", s.next_callback);
            s.next_callback += 1;
            s.callback_chats.insert(id.clone(), chat);
            id
        });
        let update_id = self.push_raw(json!({
            "callback_query": {
                "id": id,
                "from": from,
                "message": message,
                "chat_instance": format!("ci{chat}"),
                "data": data,
            }
        }));
        (update_id, id)
    }

    /// The bot's own membership changed in `chat`: added to a group
    /// ("left"→"member"), removed ("member"→"kicked"/"left"), private block
    /// ("member"→"kicked") or unblock ("kicked"→"member"). The performer is
    /// the user `chat` in a private chat, else user 1000.
    pub fn push_my_chat_member(&self, chat: i64, old_status: &str, new_status: &str) -> u32 {
        let by = if chat > 0 { chat } else { 1000 };
        self.push_my_chat_member_by(chat, by, old_status, new_status)
    }

    /// [`Self::push_my_chat_member`] with an explicit performer.
    pub fn push_my_chat_member_by(
        &self,
        chat: i64,
        by: i64,
        old_status: &str,
        new_status: &str,
    ) -> u32 {
        let from = self.user_json(by);
        self.push_raw(json!({
            "my_chat_member": {
                "chat": tg::chat(chat),
                "from": from,
                "date": tg::now(),
                "old_chat_member": tg::chat_member(tg::bot_user(), old_status),
                "new_chat_member": tg::chat_member(tg::bot_user(), new_status),
            }
        }))
    }

    /// The service message in the old group telling it became `new_chat`.
    pub fn push_migrate(&self, old_chat: i64, new_chat: i64) -> u32 {
        let id = self.next_message_id();
        let from = self.user_json(1000);
        self.push_raw(json!({
            "message": tg::message(id, old_chat, Some(from),
                json!({ "migrate_to_chat_id": new_chat })),
        }))
    }

    /// The matching service message in the new supergroup.
    pub fn push_migrate_from(&self, new_chat: i64, old_chat: i64) -> u32 {
        let id = self.next_message_id();
        let from = self.user_json(1000);
        self.push_raw(json!({
            "message": tg::message(id, new_chat, Some(from),
                json!({ "migrate_from_chat_id": old_chat })),
        }))
    }

    /// A message from `user` in `chat` with arbitrary content (for
    /// `push_raw`: stickers, photos, ...): `{"sticker": tg::sticker()}`.
    pub fn user_message_json(&self, chat: i64, user: i64, content: Value) -> Value {
        let id = self.next_message_id();
        tg::message(id, chat, Some(self.user_json(user)), content)
    }

    fn bot_message_or_stub(&self, chat: i64, message_id: i64) -> Value {
        self.message(chat, message_id).unwrap_or_else(|| {
            tg::message(
                message_id,
                chat,
                Some(tg::bot_user()),
                json!({ "text": "" }),
            )
        })
    }
}

/// Builds a user's message update; see [`FakeApi::msg`].
pub struct MessageBuilder<'a> {
    fake: &'a FakeApi,
    chat: i64,
    user: i64,
    text: Option<String>,
    lang: Option<String>,
    first_name: Option<String>,
    username: Option<String>,
    reply_to: Option<i64>,
    content: Map<String, Value>,
    edited: Option<i64>,
}

impl MessageBuilder<'_> {
    pub fn text(mut self, text: &str) -> Self {
        self.text = Some(text.to_owned());
        self
    }
    /// `from.language_code` (default per `set_user_lang`, else "zh-hans").
    pub fn lang(mut self, lang: &str) -> Self {
        self.lang = Some(lang.to_owned());
        self
    }
    pub fn first_name(mut self, name: &str) -> Self {
        self.first_name = Some(name.to_owned());
        self
    }
    pub fn username(mut self, name: &str) -> Self {
        self.username = Some(name.to_owned());
        self
    }
    /// Reply to the bot's message `message_id`.
    pub fn reply_to(mut self, message_id: i64) -> Self {
        self.reply_to = Some(message_id);
        self
    }
    /// Extra message fields (`photo`, `sticker`, `caption`, ...).
    pub fn content(mut self, content: Value) -> Self {
        if let Value::Object(m) = content {
            self.content.extend(m);
        }
        self
    }
    /// Makes it an `edited_message` of the user's message `message_id`.
    pub fn edited(mut self, message_id: i64) -> Self {
        self.edited = Some(message_id);
        self
    }

    /// The message JSON (allocates a message id unless `edited`).
    pub fn build(&self) -> Value {
        let mut from = self.fake.user_json(self.user);
        if let Some(lang) = &self.lang {
            from["language_code"] = json!(lang);
        }
        if let Some(name) = &self.first_name {
            from["first_name"] = json!(name);
        }
        if let Some(name) = &self.username {
            from["username"] = json!(name);
        }
        let mut content = self.content.clone();
        if let Some(text) = &self.text {
            content.insert("text".into(), json!(text));
            if let Some(e) = tg::command_entities(text) {
                content.insert("entities".into(), e);
            }
        }
        if let Some(reply_to) = self.reply_to {
            let mut replied = self.fake.bot_message_or_stub(self.chat, reply_to);
            if let Some(m) = replied.as_object_mut() {
                m.remove("reply_to_message");
            }
            content.insert("reply_to_message".into(), replied);
        }
        let id = match self.edited {
            Some(id) => {
                content.insert("edit_date".into(), json!(tg::now()));
                id
            }
            None => self.fake.next_message_id(),
        };
        tg::message(id, self.chat, Some(from), Value::Object(content))
    }

    /// Queues the update; returns its `update_id`.
    pub fn push(self) -> u32 {
        let kind = if self.edited.is_some() {
            "edited_message"
        } else {
            "message"
        };
        let message = self.build();
        self.fake.push_raw(json!({ kind: message }))
    }
}

// ----- server internals -------------------------------------------------------

fn listen(
    rt: &tokio::runtime::Runtime,
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> std::io::Result<(Server, SocketAddr)> {
    let _guard = rt.enter();
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let listener = socket.listen(1024)?;
    let local = listener.local_addr()?;
    let router = Router::new()
        .fallback(handle)
        .with_state(shared)
        .layer(DefaultBodyLimit::disable());
    let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
    let conns2 = conns.clone();
    let accept = rt.spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let service = hyper_util::service::TowerToHyperService::new(router.clone());
            let task = tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
            let mut conns = conns2.lock().unwrap_or_else(|e| e.into_inner());
            conns.retain(|c| !c.is_finished());
            conns.push(task);
        }
    });
    Ok((
        Server {
            accept: Some(accept),
            conns,
        },
        local,
    ))
}

fn error_body(code: u16, description: &str, parameters: Option<Value>) -> Value {
    let mut v = json!({ "ok": false, "error_code": code, "description": description });
    if let Some(p) = parameters {
        v["parameters"] = p;
    }
    v
}

fn fault_answer(fault: &Fault) -> (u16, Value) {
    match fault {
        Fault::Error { code, description } => (*code, error_body(*code, description, None)),
        Fault::RetryAfter(secs) => (
            429,
            error_body(
                429,
                &format!("Too Many Requests: retry after {secs}"),
                Some(json!({ "retry_after": secs })),
            ),
        ),
        Fault::Migrate(to) => (
            400,
            error_body(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                Some(json!({ "migrate_to_chat_id": to })),
            ),
        ),
        Fault::Blocked => (
            403,
            error_body(403, "Forbidden: bot was blocked by the user", None),
        ),
        Fault::ChatNotFound => (400, error_body(400, "Bad Request: chat not found", None)),
        Fault::Deactivated => (403, error_body(403, "Forbidden: user is deactivated", None)),
        Fault::Raw { status, body } => (*status, json!({ RAW_BODY: body })),
        Fault::Delay(_) => unreachable!("delay is not an answer"),
    }
}

fn ok(result: Value) -> (u16, Value) {
    (200, json!({ "ok": true, "result": result }))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `/bot<token>/<Method>` → (token, lowercased method).
fn parse_path(path: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let i = segs.iter().position(|s| s.starts_with("bot"))?;
    let token = percent_decode(&segs[i][3..]);
    let method = segs.get(i + 1)?.to_ascii_lowercase();
    if segs.len() != i + 2 {
        return None;
    }
    Some((token, method))
}

async fn read_body(req: axum::extract::Request) -> (Value, Vec<UploadedFile>) {
    let is_multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if is_multipart {
        let Ok(mut mp) = Multipart::from_request(req, &()).await else {
            return (json!({ "_error": "bad multipart" }), Vec::new());
        };
        let mut fields = Map::new();
        let mut files = Vec::new();
        while let Ok(Some(field)) = mp.next_field().await {
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let data = field.bytes().await.unwrap_or_default();
            if file_name.is_some() {
                files.push(UploadedFile {
                    part: name,
                    file_name,
                    len: data.len(),
                    bytes: data.to_vec(),
                });
            } else {
                let text = String::from_utf8_lossy(&data).into_owned();
                let value = if name == "caption" || name == "text" {
                    Value::String(text)
                } else {
                    match serde_json::from_str::<Value>(&text) {
                        Ok(
                            v @ (Value::Number(_)
                            | Value::Bool(_)
                            | Value::Object(_)
                            | Value::Array(_)),
                        ) => v,
                        _ => Value::String(text),
                    }
                };
                fields.insert(name, value);
            }
        }
        for v in fields.values_mut() {
            let attach = v.as_str().and_then(|s| s.strip_prefix("attach://"));
            if let Some(f) = attach.and_then(|id| files.iter().find(|f| f.part == id)) {
                *v = json!({ "file_name": f.file_name, "len": f.len });
            }
        }
        (Value::Object(fields), files)
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return (json!({}), Vec::new());
        }
        let body = serde_json::from_slice(&bytes).unwrap_or_else(
            |_| json!({ "_unparsed": String::from_utf8_lossy(&bytes).into_owned() }),
        );
        (body, Vec::new())
    }
}

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: axum::extract::Request) -> Response {
    let path = req.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/file/bot") {
        return file_download(&shared, rest);
    }
    let Some((token, method)) = parse_path(&path) else {
        return (
            StatusCode::NOT_FOUND,
            Json(error_body(404, "Not Found", None)),
        )
            .into_response();
    };
    let (body, files) = read_body(req).await;
    let (seq, generation) = {
        let mut s = shared.lock();
        let seq = s.next_seq;
        s.next_seq += 1;
        // A newer getUpdates ends older held ones (409), as Telegram does;
        // counted on arrival, so "recorded" implies "is the newest poll".
        if method == "getupdates" && token == s.token {
            s.poll_generation += 1;
        }
        let generation = s.poll_generation;
        s.log.push(Request {
            seq,
            method: method.clone(),
            token: token.clone(),
            body: body.clone(),
            files: files.clone(),
            at: Instant::now(),
            status: 0,
            response: Value::Null,
        });
        (seq, generation)
    };
    shared.log_changed.notify_waiters();
    if method == "getupdates" {
        shared.updates_changed.notify_waiters();
    }
    let (status, response) = respond(&shared, &method, &token, &body, &files, generation).await;
    {
        let mut s = shared.lock();
        if let Some(r) = s.log.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = status;
            r.response = response.clone();
        }
    }
    shared.log_changed.notify_waiters();
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(raw) = response.get(RAW_BODY).and_then(Value::as_str) {
        return (
            code,
            [(axum::http::header::CONTENT_TYPE, "text/html")],
            raw.to_owned(),
        )
            .into_response();
    }
    (code, Json(response)).into_response()
}

/// `GET /file/bot<token>/documents/<file id>`: a file's bytes (not logged as a
/// method call).
fn file_download(shared: &Shared, rest: &str) -> Response {
    let s = shared.lock();
    // teloxide escapes the file path's slashes (`documents%2Fdoc-1`).
    let found = rest.split_once('/').and_then(|(token, path)| {
        let path = percent_decode(path);
        let id = path.strip_prefix("documents/")?;
        (percent_decode(token) == s.token).then(|| s.files.get(id).cloned())?
    });
    match found {
        Some(bytes) => (StatusCode::OK, bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "Not Found").into_response(),
    }
}

async fn respond(
    shared: &Shared,
    method: &str,
    token: &str,
    body: &Value,
    files: &[UploadedFile],
    generation: u64,
) -> (u16, Value) {
    let chat = tg::chat_id_of(body);
    let delay = {
        let mut s = shared.lock();
        if token != s.token {
            return (401, error_body(401, "Unauthorized", None));
        }
        let pos = s.faults.iter().position(|f| {
            (f.method == "*" || f.method == method) && (f.chat.is_none() || f.chat == chat)
        });
        let mut delay = None;
        if let Some(pos) = pos {
            let rule = &mut s.faults[pos];
            rule.remaining = rule.remaining.saturating_sub(1);
            let fault = rule.fault.clone();
            if rule.remaining == 0 {
                s.faults.remove(pos);
            }
            match fault {
                Fault::Delay(d) => delay = Some(d),
                other => return fault_answer(&other),
            }
        }
        delay
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    if method == "getupdates" {
        return get_updates(shared, body, generation).await;
    }
    let mut s = shared.lock();
    if let Some(chat) = chat {
        if is_blockable(method) && s.blocked.contains(&chat) {
            return fault_answer(&Fault::Blocked);
        }
    }
    if is_counted_send(method) {
        let now = Instant::now();
        let mut wait = None;
        let rate = &mut s.rate;
        if let (Some(limit), Some(chat)) = (rate.per_chat, chat) {
            wait = check_window(rate.chat_hits.entry(chat).or_default(), limit, now);
        }
        if wait.is_none() {
            if let Some(limit) = rate.global {
                wait = check_window(&mut rate.global_hits, limit, now);
            }
        }
        if let Some(secs) = wait {
            rate.limited += 1;
            return fault_answer(&Fault::RetryAfter(secs));
        }
        if let Some(chat) = chat {
            rate.chat_hits.entry(chat).or_default().push_back(now);
        }
        rate.global_hits.push_back(now);
    }
    dispatch(&mut s, method, body, files)
}

async fn get_updates(shared: &Shared, body: &Value, generation: u64) -> (u16, Value) {
    let offset = body.get("offset").and_then(tg::as_i64);
    let limit = body
        .get("limit")
        .and_then(tg::as_i64)
        .unwrap_or(100)
        .clamp(1, 100) as usize;
    let timeout = body.get("timeout").and_then(tg::as_i64).unwrap_or(0).max(0) as u64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    {
        let mut s = shared.lock();
        match offset {
            Some(off) if off > 0 => s.updates.retain(|(id, _)| i64::from(*id) >= off),
            Some(off) if off < 0 => {
                let keep = off.unsigned_abs() as usize;
                while s.updates.len() > keep {
                    s.updates.pop_front();
                }
            }
            _ => {}
        }
    }
    loop {
        let notified = shared.updates_changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let s = shared.lock();
            if s.poll_generation != generation {
                return (
                    409,
                    error_body(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that \
                         only one bot instance is running",
                        None,
                    ),
                );
            }
            let batch: Vec<Value> = s
                .updates
                .iter()
                .take(limit)
                .map(|(_, u)| u.clone())
                .collect();
            if !batch.is_empty() {
                return ok(Value::Array(batch));
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return ok(json!([]));
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

fn inline_markup(body: &Value) -> Option<Value> {
    body.get("reply_markup")
        .filter(|m| m.get("inline_keyboard").is_some())
        .cloned()
}

fn dispatch(
    s: &mut StateInner,
    method: &str,
    body: &Value,
    files: &[UploadedFile],
) -> (u16, Value) {
    let chat = tg::chat_id_of(body);
    match method {
        "getme" => ok(tg::me()),
        "getwebhookinfo" => ok(json!({
            "url": "", "has_custom_certificate": false, "pending_update_count": s.updates.len(),
        })),
        "getmycommands" => ok(json!([])),
        "getfile" => {
            let id = body.get("file_id").and_then(Value::as_str).unwrap_or("");
            match s.files.get(id) {
                Some(bytes) => ok(json!({
                    "file_id": id,
                    "file_unique_id": format!("{id}-u"),
                    "file_size": bytes.len(),
                    "file_path": format!("documents/{id}"),
                })),
                None => (400, error_body(400, "Bad Request: invalid file_id", None)),
            }
        }
        "getchat" => ok(tg::chat_full_info(chat.unwrap_or(0))),
        "getchatmembercount" => ok(json!(2)),
        "getchatmember" => {
            let chat = chat.unwrap_or(0);
            let user = body.get("user_id").and_then(tg::as_i64).unwrap_or(0);
            let status = s
                .members
                .get(&(chat, user))
                .cloned()
                .unwrap_or_else(|| "member".into());
            ok(tg::chat_member(member_user(s, user), &status))
        }
        "getchatadministrators" => {
            let chat = chat.unwrap_or(0);
            let mut admins: Vec<_> = s
                .members
                .iter()
                .filter(|((c, _), st)| *c == chat && (*st == "creator" || *st == "administrator"))
                .map(|((_, u), st)| (*u, st.clone()))
                .collect();
            admins.sort();
            let list: Vec<Value> = admins
                .into_iter()
                .map(|(u, st)| tg::chat_member(member_user(s, u), &st))
                .collect();
            ok(Value::Array(list))
        }
        "editmessagetext" | "editmessagecaption" | "editmessagereplymarkup" => {
            edit_message(s, method, body)
        }
        "sendmediagroup" => {
            let chat = chat.unwrap_or(0);
            let media = body
                .get("media")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let list = media
                .iter()
                .map(|m| {
                    let kind = m.get("type").and_then(Value::as_str).unwrap_or("photo");
                    let mut content = Map::new();
                    if let Some(c) = m.get("caption") {
                        content.insert("caption".into(), c.clone());
                    }
                    let fid = format!("{kind}-{}", s.next_message_id);
                    if kind == "photo" {
                        content.insert("photo".into(), tg::photo_sizes(&fid, 1000));
                    } else {
                        content.insert("document".into(), tg::document(&fid, "file", 1000));
                    }
                    new_bot_message(s, chat, content)
                })
                .collect();
            ok(Value::Array(list))
        }
        "copymessage" | "forwardmessage" => {
            let chat = chat.unwrap_or(0);
            let from_chat = body.get("from_chat_id").and_then(tg::as_i64).unwrap_or(0);
            let mid = body.get("message_id").and_then(tg::as_i64).unwrap_or(0);
            let mut content = Map::new();
            if let Some(Value::Object(src)) = s.messages.get(&(from_chat, mid)) {
                for (k, v) in src {
                    if !matches!(
                        k.as_str(),
                        "message_id" | "date" | "chat" | "from" | "reply_to_message"
                    ) {
                        content.insert(k.clone(), v.clone());
                    }
                }
            } else {
                content.insert("text".into(), json!(""));
            }
            if let Some(c) = body.get("caption") {
                content.insert("caption".into(), c.clone());
            }
            if let Some(m) = inline_markup(body) {
                content.insert("reply_markup".into(), m);
            }
            ok(new_bot_message(s, chat, content))
        }
        "stoppoll" => {
            let chat = chat.unwrap_or(0);
            let mid = body.get("message_id").and_then(tg::as_i64).unwrap_or(0);
            let mut poll = s
                .messages
                .get(&(chat, mid))
                .and_then(|m| m.get("poll").cloned())
                .unwrap_or_else(|| poll_json("poll-0", &json!({"question": "", "options": []})));
            poll["is_closed"] = json!(true);
            ok(poll)
        }
        m if m.starts_with("send") && m != "sendchataction" => {
            let chat = chat.unwrap_or(0);
            let mut content = Map::new();
            for key in ["text", "caption", "entities", "caption_entities"] {
                if let Some(v) = body.get(key) {
                    content.insert(key.into(), v.clone());
                }
            }
            if let Some(mk) = inline_markup(body) {
                content.insert("reply_markup".into(), mk);
            }
            let reply_to = body
                .get("reply_parameters")
                .and_then(|r| r.get("message_id"))
                .or_else(|| body.get("reply_to_message_id"))
                .and_then(tg::as_i64);
            if let Some(r) = reply_to.and_then(|r| s.messages.get(&(chat, r)).cloned()) {
                let mut r = r;
                if let Some(o) = r.as_object_mut() {
                    o.remove("reply_to_message");
                }
                content.insert("reply_to_message".into(), r);
            }
            let fid = format!("file-{}", s.next_message_id);
            let upload_len = |field: &str| {
                body.get(field)
                    .and_then(|v| v.get("len"))
                    .and_then(Value::as_u64)
                    .or_else(|| files.first().map(|f| f.len as u64))
                    .unwrap_or(1000)
            };
            match m {
                "sendphoto" => {
                    content.insert("photo".into(), tg::photo_sizes(&fid, upload_len("photo")));
                }
                "senddocument" => {
                    let name = body
                        .get("document")
                        .and_then(|d| d.get("file_name"))
                        .and_then(Value::as_str)
                        .unwrap_or("file")
                        .to_owned();
                    content.insert(
                        "document".into(),
                        tg::document(&fid, &name, upload_len("document")),
                    );
                }
                "sendpoll" => {
                    content.insert("poll".into(), poll_json(&format!("poll-{fid}"), body));
                }
                "sendsticker" => {
                    content.insert("sticker".into(), tg::sticker());
                }
                "senddice" => {
                    let emoji = body.get("emoji").and_then(Value::as_str).unwrap_or("🎲");
                    content.insert("dice".into(), json!({ "emoji": emoji, "value": 1 }));
                }
                "sendmessage" => {
                    content.entry("text").or_insert_with(|| json!(""));
                }
                _ => {}
            }
            ok(new_bot_message(s, chat, content))
        }
        _ => ok(json!(true)),
    }
}

fn member_user(s: &StateInner, user: i64) -> Value {
    if user == tg::BOT_ID {
        tg::bot_user()
    } else {
        let lang = s
            .user_langs
            .get(&user)
            .map(String::as_str)
            .unwrap_or(tg::DEFAULT_LANG);
        tg::user(user, &format!("U{user}"), Some(lang))
    }
}

fn poll_json(id: &str, body: &Value) -> Value {
    let options: Vec<Value> = body
        .get("options")
        .and_then(Value::as_array)
        .map(|opts| {
            opts.iter()
                .map(|o| {
                    let text = o.as_str().or_else(|| o.get("text").and_then(Value::as_str));
                    json!({ "text": text.unwrap_or(""), "voter_count": 0 })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut poll = json!({
        "id": id,
        "question": body.get("question").and_then(Value::as_str).unwrap_or(""),
        "options": options,
        "total_voter_count": 0,
        "is_closed": false,
        "is_anonymous": body.get("is_anonymous").and_then(Value::as_bool).unwrap_or(true),
        "type": body.get("type").and_then(Value::as_str).unwrap_or("regular"),
        "allows_multiple_answers": body.get("allows_multiple_answers").and_then(Value::as_bool).unwrap_or(false),
    });
    for key in ["correct_option_id", "explanation", "open_period"] {
        if let Some(v) = body.get(key) {
            poll[key] = v.clone();
        }
    }
    poll
}

fn new_bot_message(s: &mut StateInner, chat: i64, content: Map<String, Value>) -> Value {
    let id = s.next_message_id;
    s.next_message_id += 1;
    let msg = tg::message(id, chat, Some(tg::bot_user()), Value::Object(content));
    s.messages.insert((chat, id), msg.clone());
    msg
}

fn edit_message(s: &mut StateInner, method: &str, body: &Value) -> (u16, Value) {
    if body.get("inline_message_id").is_some() {
        return ok(json!(true));
    }
    let chat = tg::chat_id_of(body).unwrap_or(0);
    let mid = body.get("message_id").and_then(tg::as_i64).unwrap_or(0);
    let old = s
        .messages
        .get(&(chat, mid))
        .cloned()
        .unwrap_or_else(|| tg::message(mid, chat, Some(tg::bot_user()), json!({ "text": "" })));
    let mut new = old.clone();
    let o = new.as_object_mut().expect("message object");
    match method {
        "editmessagetext" => {
            o.insert(
                "text".into(),
                body.get("text").cloned().unwrap_or(json!("")),
            );
            o.remove("entities");
            if let Some(e) = body.get("entities") {
                o.insert("entities".into(), e.clone());
            }
        }
        "editmessagecaption" => {
            o.remove("caption");
            if let Some(c) = body.get("caption") {
                o.insert("caption".into(), c.clone());
            }
        }
        _ => {}
    }
    // Telegram drops the inline keyboard when an edit does not repeat it.
    o.remove("reply_markup");
    if let Some(m) = inline_markup(body) {
        o.insert("reply_markup".into(), m);
    }
    if s.not_modified_errors
        && old.get("text") == new.get("text")
        && old.get("caption") == new.get("caption")
        && old.get("reply_markup") == new.get("reply_markup")
    {
        return (
            400,
            error_body(
                400,
                "Bad Request: message is not modified: specified new message content and reply \
                 markup are exactly the same as a current content and reply markup of the message",
                None,
            ),
        );
    }
    new["edit_date"] = json!(tg::now());
    s.messages.insert((chat, mid), new.clone());
    ok(new)
}

fn to_sent(s: &StateInner, r: &Request) -> Option<Sent> {
    if r.status != 200 {
        return None;
    }
    let m = r.method.as_str();
    let is_send = m.starts_with("send") && m != "sendchataction"
        || m == "copymessage"
        || m == "forwardmessage";
    let is_edit = EDIT_METHODS.contains(&m) || m == "deletemessage";
    let is_answer = m == "answercallbackquery";
    if !(is_send || is_edit || is_answer) {
        return None;
    }
    let callback_query_id = r.str("callback_query_id").map(str::to_owned);
    let chat_id = if is_answer {
        callback_query_id
            .as_ref()
            .and_then(|id| s.callback_chats.get(id).copied())
    } else {
        r.chat_id()
    };
    let message_id = if is_send {
        r.result().and_then(|res| {
            res.get("message_id")
                .or_else(|| res.get(0).and_then(|m| m.get("message_id")))
                .and_then(Value::as_i64)
        })
    } else {
        r.i64("message_id")
    };
    Some(Sent {
        seq: r.seq,
        method: r.method.clone(),
        chat_id,
        message_id,
        text: r.text().map(str::to_owned),
        reply_markup: r.body.get("reply_markup").cloned(),
        callback_query_id,
        show_alert: r
            .body
            .get("show_alert")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        at: r.at,
        body: r.body.clone(),
    })
}

fn dump_log(s: &StateInner, n: usize) -> String {
    let mut out = format!(
        "--- last {} of {} recorded requests (pending updates: {:?}) ---\n",
        n.min(s.log.len()),
        s.log.len(),
        s.updates.iter().map(|(id, _)| *id).collect::<Vec<_>>()
    );
    let start = s.log.len().saturating_sub(n);
    for r in &s.log[start..] {
        let ms = r.at.duration_since(s.started).as_millis();
        let mut line = format!("#{} +{}ms {} -> {}", r.seq, ms, r.method, r.status);
        if let Some(c) = r.chat_id() {
            let _ = write!(line, " chat={c}");
        }
        if let Some(m) = r.i64("message_id") {
            let _ = write!(line, " message_id={m}");
        }
        if let Some(t) = r.text() {
            let t: String = t.chars().take(80).collect();
            let _ = write!(line, " text={t:?}");
        }
        if r.method == "getupdates" {
            let _ = write!(line, " body={}", r.body);
        }
        if r.status >= 400 {
            let _ = write!(
                line,
                " error={}",
                r.response.get("description").unwrap_or(&Value::Null)
            );
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
