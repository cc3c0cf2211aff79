use std::time::Duration;
use crate::support::TestApp;
#[tokio::test]
async fn smoke_real_bot() {
    let mut app = TestApp::spawn().await;
    app.fake.push_text(42, 42, "/start");
    let s = app.fake.wait_for_sent(|s| s.chat_id == Some(42), Duration::from_secs(15)).await;
    eprintln!("SENT: {:?}", s.text);
    let id = app.fake.push_callback(42, 42, s.message_id.unwrap_or(1), "x");
    let _ = id;
    tokio::time::sleep(Duration::from_secs(2)).await;
    eprintln!("{}", app.fake.dump(30));
    app.sigterm();
    let st = app.wait_exit(Duration::from_secs(20)).await;
    eprintln!("EXIT {st}");
    let out = app.output();
    eprintln!("{}", &out[..out.len().min(6000)]);
    app.assert_no_token_leak();
}
