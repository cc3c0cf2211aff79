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

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::ChatId;

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
