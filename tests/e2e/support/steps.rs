//! More steps the scenarios share, beside [`super::flow`]: a command and its reply, a
//! restart with the bot's clock moved, a blocked chat's refused send, and the check
//! that a restart after a scheduled send sends nothing twice.

use std::time::Duration;

use super::app::TestApp;
use super::fake_api::{Request, Sent};
use super::flow::T;

/// Sends `text` from `user` in their private chat and waits for the bot's message
/// there, after it, that contains `reply`.
pub async fn reply(app: &TestApp, user: i64, text: &str, reply: &str) -> Sent {
    let mark = app.fake.mark();
    app.fake.push_text(user, user, text);
    app.fake.wait_for_text_after(user, mark, reply, T).await
}

/// Restarts the bot (stopped or running) with `TUTOR_CLOCK_OFFSET` set to `offset`
/// seconds (`None`: the right clock). Returns the fake's mark from before the restart,
/// to look only at what the restarted bot sends.
pub async fn restart_with_clock(app: &mut TestApp, offset: Option<&str>) -> u64 {
    app.set_env("TUTOR_CLOCK_OFFSET", offset);
    let mark = app.fake.mark();
    app.restart().await;
    mark
}

/// Waits until a `sendMessage` to `chat` was refused (a chat that blocked the bot:
/// 403).
pub async fn refused(app: &TestApp, chat: i64) -> Request {
    app.fake
        .wait_for(
            |r| r.method == "sendmessage" && r.chat_id() == Some(chat) && !r.ok(),
            T,
        )
        .await
}

/// Right after a scheduled send to `chat`: stops the bot and starts it again, which
/// sends `chat` nothing more; of all `chat` was sent, exactly one message is `is`
/// (`what`, in the failure).
pub async fn once_across_restart(
    app: &mut TestApp,
    chat: i64,
    what: &str,
    is: impl Fn(&Sent) -> bool,
) {
    app.sigterm();
    assert!(app.wait_exit(T).await.success(), "{}", app.output());
    app.restart().await;
    app.fake.expect_silence(chat, Duration::from_secs(5)).await;
    let sent = app.fake.sent_to(chat).into_iter().filter(|s| is(s)).count();
    assert_eq!(sent, 1, "exactly one {what}");
}
