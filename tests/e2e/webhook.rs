//! Webhook mode: the bot registers its webhook with a secret token, serves updates
//! that carry it, and refuses those that don't.

use std::time::Duration;

use serde_json::json;

use crate::support::{T, TestApp, bank_dir};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn webhook_serves_updates_with_the_secret_only() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let app = TestApp::builder()
        .args(["--content", &bank_dir()])
        .args([
            "--webhook-url",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .args(["--webhook-secret", "s3cret-token_1"])
        .no_wait()
        .spawn()
        .await;
    let set = app.fake.wait_for(|r| r.method == "setwebhook", T).await;
    assert_eq!(set.body["url"], url.as_str());
    assert_eq!(set.body["secret_token"], "s3cret-token_1");

    let update =
        |id: u32| json!({ "update_id": id, "message": app.fake.msg(5, 5).text("/start").build() });
    let client = reqwest::Client::new();
    // The listener may take a moment to bind after setWebhook.
    let mut status = None;
    for _ in 0..50 {
        match client
            .post(&url)
            .header("X-Telegram-Bot-Api-Secret-Token", "wrong")
            .json(&update(1))
            .send()
            .await
        {
            Ok(r) => {
                status = Some(r.status());
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert_eq!(
        status.map(|s| s.is_success()),
        Some(false),
        "a wrong secret is refused"
    );
    let r = client
        .post(&url)
        .header("X-Telegram-Bot-Api-Secret-Token", "s3cret-token_1")
        .json(&update(2))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    app.fake.wait_for_text(5, "你好", T).await;
    assert_eq!(
        app.fake
            .sent_to(5)
            .iter()
            .filter(|s| s.text.as_deref().is_some_and(|t| t.contains("你好")))
            .count(),
        1,
        "only the update with the right secret was served"
    );
    assert!(app.fake.requests_of("getupdates").is_empty());
}
