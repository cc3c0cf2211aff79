//! The command lists registered at start-up: five `setMyCommands` calls before the
//! first `getUpdates`, in order, each with its scope, its language and the list
//! `/help` shows in that language and kind of chat.

use serde_json::{Value, json};
use tutor::lang::Lang;
use tutor::view::catalogue;

use crate::support::spawn;

/// A list as `setMyCommands` carries it.
fn list(lang: Lang, group: bool) -> Value {
    let commands = catalogue::commands(lang, group)
        .into_iter()
        .map(|(command, description)| json!({ "command": command, "description": description }));
    Value::Array(commands.collect())
}

#[tokio::test]
async fn five_command_lists_are_registered_in_order_with_their_scope_and_language() {
    let app = spawn().await;
    let calls = app.fake.requests_of("setmycommands");
    let got: Vec<(Option<&str>, Option<&str>)> = calls
        .iter()
        .map(|r| {
            let scope = r.body.get("scope").map(|s| s["type"].as_str().unwrap());
            (scope, r.str("language_code"))
        })
        .collect();
    let want = [
        (Some("all_private_chats"), None),
        // The default scope and language: Chinese, the private chats' list.
        (None, None),
        (Some("all_private_chats"), Some("en")),
        (Some("all_group_chats"), None),
        (Some("all_group_chats"), Some("en")),
    ];
    assert_eq!(got, want, "{}", app.fake.dump(20));
    let lists = [
        (Lang::Zh, false),
        (Lang::Zh, false),
        (Lang::En, false),
        (Lang::Zh, true),
        (Lang::En, true),
    ];
    for (call, (lang, group)) in calls.iter().zip(lists) {
        assert!(call.ok(), "{call:?}");
        assert_eq!(
            call.body["commands"],
            list(lang, group),
            "{lang:?} group {group}"
        );
    }
    // All of them at start-up, before the bot polls.
    let first_poll = app.fake.find(|r| r.method == "getupdates").unwrap();
    assert!(calls.iter().all(|r| r.seq < first_poll.seq));
}
