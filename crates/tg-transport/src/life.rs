//! Start-up and shutdown: `getMe` until the Bot API answers, the stop signals, and
//! waits on the watch channels a bot's tasks stop by.

use std::time::Duration;

use teloxide::RequestError;
use teloxide::requests::Requester;
use teloxide::types::Me;
use tokio::sync::watch;
use tracing::warn;

/// The longest pause between two `getMe` attempts.
const MAX_DELAY: Duration = Duration::from_secs(5);

/// `getMe`, retried with backoff while the Bot API is unreachable. A refused token
/// is final (the error names the API's answer, never the token).
pub async fn get_me<R>(bot: &R) -> Result<Me, RequestError>
where
    R: Requester<Err = RequestError>,
{
    let mut delay = Duration::from_millis(250);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match bot.get_me().await {
            Ok(me) => return Ok(me),
            Err(e @ RequestError::Api(_)) => return Err(e),
            Err(e) => {
                warn!(error = %e, attempt, "getMe failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_DELAY);
            }
        }
    }
}

/// SIGINT or SIGTERM (never, where signals cannot be listened to).
pub async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

/// Resolves once `rx` holds `true` (never, if its sender is gone first).
pub async fn became_true(mut rx: watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Resolves once `rx` holds a value (never, if its sender is gone first).
pub async fn became_some<T>(mut rx: watch::Receiver<Option<T>>) {
    if rx.wait_for(Option::is_some).await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_watch_resolves_on_its_value_and_never_once_its_sender_is_gone() {
        let (tx, rx) = watch::channel(false);
        let waiting = tokio::spawn(became_true(rx.clone()));
        tx.send(true).unwrap();
        waiting.await.unwrap();
        let (tx, rx) = watch::channel(None::<String>);
        drop(tx);
        let never = tokio::time::timeout(Duration::from_millis(50), became_some(rx)).await;
        assert!(never.is_err(), "a dropped sender is not a stop");
    }
}
