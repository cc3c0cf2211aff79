//! What a failed Bot API call means, and how to retry one: a chat that is gone or
//! moved, a transient failure worth another attempt, or a mistake of ours; retries
//! with backoff for messages that must not be lost; bounded button answers.

use std::time::Duration;

use teloxide::{ApiError, RequestError};
use tracing::{debug, warn};

/// What a failed Telegram call means for the chat.
#[derive(Debug, PartialEq, Eq)]
pub enum SendFailure {
    /// Blocked, deactivated, kicked or chat not found: stop sending.
    Gone,
    /// The group became a supergroup with this id.
    Migrated(i64),
    /// Worth retrying: network, 5xx, timeouts.
    Transient,
    /// Anything else (a bad request of ours): log, don't retry.
    Other,
}

pub fn classify(e: &RequestError) -> SendFailure {
    match e {
        RequestError::Api(
            ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::GroupDeactivated
            | ApiError::CantInitiateConversation
            | ApiError::CantTalkWithBots,
        ) => SendFailure::Gone,
        RequestError::Api(ApiError::Unknown(d))
            if d.contains("blocked")
                || d.contains("deactivated")
                || d.contains("chat not found")
                || d.contains("kicked") =>
        {
            SendFailure::Gone
        }
        RequestError::MigrateToChatId(id) => SendFailure::Migrated(id.0),
        // An answer that is not the Bot API's JSON (a proxy's HTML error page, an empty
        // or cut body) says nothing of the request: try it again, as after a 5xx.
        RequestError::Network(_)
        | RequestError::Io(_)
        | RequestError::RetryAfter(_)
        | RequestError::InvalidJson { .. } => SendFailure::Transient,
        RequestError::Api(ApiError::Unknown(d))
            if d.contains("Internal Server Error")
                || d.contains("Bad Gateway")
                || d.contains("Service Unavailable")
                || d.contains("Gateway Timeout") =>
        {
            SendFailure::Transient
        }
        _ => SendFailure::Other,
    }
}

/// Attempts of [`with_retries`].
const SEND_ATTEMPTS: u32 = 5;

/// Runs a Telegram call again while it fails transiently (network, timeout, 5xx,
/// 429): for messages that must not be lost, such as a verdict. teloxide already
/// waits 10 s after a 5xx, and a paced send waits out a 429 itself, so this adds
/// only short pauses. A timed-out call may have reached Telegram: the retry can then
/// show the message twice, which beats not at all.
pub async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RequestError>>,
{
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if attempt < SEND_ATTEMPTS && classify(&e) == SendFailure::Transient => {
                let wait = match &e {
                    RequestError::RetryAfter(s) => s.duration(),
                    _ => pause,
                };
                warn!(attempt, error = %e, "Telegram call failed; retrying");
                tokio::time::sleep(wait).await;
                pause = (pause * 2).min(Duration::from_secs(8));
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// What became of a send that must arrive at most once.
#[derive(Debug, PartialEq, Eq)]
pub enum Once {
    Sent,
    /// The chat (the one last tried, if the group moved) is gone: stop sending there.
    Gone(i64),
    /// Not sent, and not to be tried again now.
    NotSent,
}

/// Sends something that must arrive at most once (a daily question) to `chat`: a
/// transient failure is retried, up to `attempts` in all (after a 429, once its
/// wait is over; else with a doubling pause); a timed-out send is not, since it may
/// have arrived; a group that became a supergroup is followed to its new id
/// (`moved(old, new, error)` is told first).
pub async fn at_most_once<F, Fut>(
    mut chat: i64,
    attempts: u32,
    mut moved: impl FnMut(i64, i64, &RequestError),
    mut send: F,
) -> Once
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<(), RequestError>>,
{
    let mut pause = Duration::from_secs(1);
    for attempt in 1..=attempts {
        let Err(e) = send(chat).await else {
            return Once::Sent;
        };
        match classify(&e) {
            SendFailure::Gone => return Once::Gone(chat),
            SendFailure::Migrated(new) => {
                moved(chat, new, &e);
                chat = new;
            }
            _ if matches!(&e, RequestError::Network(n) if n.is_timeout()) => {
                warn!(chat, error = %e, "send timed out; not retried (it may have arrived)");
                return Once::NotSent;
            }
            SendFailure::Transient if attempt < attempts => {
                let wait = match &e {
                    RequestError::RetryAfter(s) => s.duration(),
                    _ => pause,
                };
                warn!(chat, attempt, error = %e, "send failed; retrying");
                tokio::time::sleep(wait).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            _ => {
                warn!(chat, error = %e, "could not send");
                return Once::NotSent;
            }
        }
    }
    Once::NotSent
}

/// How long a toast may take. After a 5xx teloxide waits 10 s before it returns, and
/// the chat's next update would wait behind that.
const TOAST_TIMEOUT: Duration = Duration::from_secs(3);

/// Answers a button tap (`answerCallbackQuery`), giving up after [`TOAST_TIMEOUT`]
/// or on an error, which is logged: a lost toast costs the learner a spinner, a slow
/// one their next tap. (The answer it acknowledges is already on disk.)
pub async fn bounded_toast<R, T>(request: R)
where
    R: std::future::IntoFuture<Output = Result<T, RequestError>>,
{
    match tokio::time::timeout(TOAST_TIMEOUT, request.into_future()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => debug!(error = %e, "answerCallbackQuery failed"),
        Err(_) => debug!("answerCallbackQuery took too long; moving on"),
    }
}

/// "message is not modified" is not an error for us.
pub fn ignore_not_modified<T>(r: Result<T, RequestError>) -> Result<(), RequestError> {
    match r {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Idle connections to the Bot API kept open for reuse: as many as updates may be in
/// flight ([`crate::intake::INTAKE`]), so the connections a burst opened serve the
/// next one instead of being opened again.
pub const POOL_IDLE: usize = crate::intake::INTAKE;
/// How long an idle connection is kept.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// TCP keep-alive probes on idle connections (NATs and proxies drop silent ones).
pub const TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// The HTTP client for the Bot API: teloxide's settings (timeouts, no Nagle) with a
/// bounded, kept-alive pool.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    teloxide::net::default_reqwest_settings()
        .pool_max_idle_per_host(POOL_IDLE)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .tcp_keepalive(TCP_KEEPALIVE)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::ChatId;

    /// What the Bot API answers to each attempt, in turn.
    type Answers = Vec<Result<(), RequestError>>;

    /// Runs `at_most_once` against a script of answers; what it did, the chats it
    /// tried and the moves it was told of.
    async fn script(answers: Answers) -> (Once, Vec<i64>, Vec<(i64, i64)>) {
        let answers = std::sync::Mutex::new(answers.into_iter());
        let tried = std::sync::Mutex::new(Vec::new());
        let mut moves = Vec::new();
        let once = at_most_once(
            -5,
            3,
            |old, new, _| moves.push((old, new)),
            |chat| {
                tried.lock().unwrap().push(chat);
                let next = answers.lock().unwrap().next().unwrap_or(Ok(()));
                async move { next }
            },
        )
        .await;
        (once, tried.into_inner().unwrap(), moves)
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_that_must_arrive_at_most_once() {
        use teloxide::types::Seconds;
        let retry = || RequestError::RetryAfter(Seconds::from_seconds(2));
        let cases: Vec<(Answers, Once, Vec<i64>)> = vec![
            (vec![Ok(())], Once::Sent, vec![-5]),
            (vec![Err(retry()), Ok(())], Once::Sent, vec![-5, -5]),
            (
                vec![Err(retry()), Err(retry()), Err(retry())],
                Once::NotSent,
                vec![-5, -5, -5],
            ),
            (
                vec![Err(RequestError::Api(ApiError::BotKicked))],
                Once::Gone(-5),
                vec![-5],
            ),
            (
                vec![Err(RequestError::MigrateToChatId(ChatId(-1009))), Ok(())],
                Once::Sent,
                vec![-5, -1009],
            ),
            (
                vec![
                    Err(RequestError::MigrateToChatId(ChatId(-1009))),
                    Err(RequestError::Api(ApiError::ChatNotFound)),
                ],
                Once::Gone(-1009),
                vec![-5, -1009],
            ),
            (
                vec![Err(RequestError::Api(ApiError::MessageNotModified))],
                Once::NotSent,
                vec![-5],
            ),
        ];
        for (answers, want, chats) in cases {
            let (once, tried, moves) = script(answers).await;
            assert_eq!((&once, &tried), (&want, &chats));
            assert_eq!(moves.len(), chats.iter().filter(|c| **c == -1009).count());
        }
    }

    #[test]
    fn classifies_failures() {
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            SendFailure::Gone
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::ChatNotFound)),
            SendFailure::Gone
        );
        assert_eq!(
            classify(&RequestError::MigrateToChatId(ChatId(-1001))),
            SendFailure::Migrated(-1001)
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::MessageNotModified)),
            SendFailure::Other
        );
    }
}
