//! Telegram Bot API JSON shapes, as teloxide-core 0.13 (Bot API 9.x) parses them.
//!
//! Every builder here returns a `serde_json::Value` that deserializes into the
//! matching teloxide type; the `harness` self-tests check that. Notes on the
//! required fields are next to each builder.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The fake bot's user id (`getMe`).
pub const BOT_ID: i64 = 999_000;
/// The fake bot's username (`getMe`), without `@`.
pub const BOT_USERNAME: &str = "tutor_test_bot";
/// Default `language_code` of a pushed user.
pub const DEFAULT_LANG: &str = "zh-hans";
/// Chat ids below this are supergroups (`-100…`), between it and 0 plain groups.
pub const SUPERGROUP_BELOW: i64 = -1_000_000_000_000;

/// Unix time now, in seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The bot as a `User` (`from` of every message the bot sends).
pub fn bot_user() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": "Tutor",
        "username": BOT_USERNAME,
    })
}

/// `getMe` result. teloxide's `Me` requires `username` (it `expect`s it) and the
/// four booleans `can_join_groups`, `can_read_all_group_messages`,
/// `supports_inline_queries`, `has_main_web_app`: without any of them the
/// dispatcher fails at start-up.
pub fn me() -> Value {
    let mut me = bot_user();
    let m = me.as_object_mut().expect("object");
    m.insert("can_join_groups".into(), json!(true));
    m.insert("can_read_all_group_messages".into(), json!(false));
    m.insert("supports_inline_queries".into(), json!(false));
    m.insert("can_connect_to_business".into(), json!(false));
    m.insert("has_main_web_app".into(), json!(false));
    me
}

/// A human `User`. `first_name` is required; `language_code` is optional.
pub fn user(id: i64, first_name: &str, lang: Option<&str>) -> Value {
    let mut u = json!({ "id": id, "is_bot": false, "first_name": first_name });
    if let Some(lang) = lang {
        u["language_code"] = json!(lang);
    }
    u
}

/// A `Chat` for an id: positive → private, `< -10^12` → supergroup, other
/// negative → group. A private chat must say `"type":"private"` (teloxide checks
/// it); public chats are internally tagged by `type`.
pub fn chat(id: i64) -> Value {
    if id > 0 {
        json!({ "id": id, "type": "private", "first_name": "U" })
    } else if id < SUPERGROUP_BELOW {
        json!({ "id": id, "type": "supergroup", "title": "G" })
    } else {
        json!({ "id": id, "type": "group", "title": "G" })
    }
}

/// A channel `Chat` (for `channel_post`).
pub fn channel(id: i64) -> Value {
    json!({ "id": id, "type": "channel", "title": "C" })
}

/// `getChat` result (`ChatFullInfo`). Besides the `Chat` fields teloxide
/// requires `max_reaction_count` and `accepted_gift_types` (four booleans).
pub fn chat_full_info(id: i64) -> Value {
    let mut c = chat(id);
    let m = c.as_object_mut().expect("object");
    m.insert("max_reaction_count".into(), json!(11));
    m.insert(
        "accepted_gift_types".into(),
        json!({
            "unlimited_gifts": false,
            "limited_gifts": false,
            "unique_gifts": false,
            "premium_subscription": false,
        }),
    );
    c
}

/// A `ChatMember` of `user` with a Bot API `status`: "creator", "administrator",
/// "member", "restricted", "left" or "kicked". teloxide requires for
/// "creator" `is_anonymous`; for "administrator" `is_anonymous`, `can_be_edited`,
/// `can_manage_chat`, `can_change_info`, `can_delete_messages`,
/// `can_manage_video_chats`, `can_invite_users`, `can_restrict_members`,
/// `can_promote_members`; for "restricted" `until_date`, `is_member` and every
/// `can_send_*`; for "kicked" `until_date` (0 = forever).
pub fn chat_member(user: Value, status: &str) -> Value {
    let mut m = Map::new();
    m.insert("user".into(), user);
    m.insert("status".into(), json!(status));
    let flags: &[(&str, bool)] = match status {
        "creator" => &[("is_anonymous", false)],
        "administrator" => &[
            ("is_anonymous", false),
            ("can_be_edited", false),
            ("can_manage_chat", true),
            ("can_change_info", true),
            ("can_post_messages", false),
            ("can_edit_messages", false),
            ("can_delete_messages", true),
            ("can_post_stories", false),
            ("can_edit_stories", false),
            ("can_delete_stories", false),
            ("can_manage_video_chats", true),
            ("can_invite_users", true),
            ("can_restrict_members", true),
            ("can_pin_messages", true),
            ("can_manage_topics", false),
            ("can_promote_members", false),
        ],
        "restricted" => &[
            ("is_member", true),
            ("can_send_messages", true),
            ("can_send_audios", false),
            ("can_send_documents", false),
            ("can_send_photos", false),
            ("can_send_videos", false),
            ("can_send_video_notes", false),
            ("can_send_voice_notes", false),
            ("can_send_other_messages", false),
            ("can_add_web_page_previews", false),
            ("can_change_info", false),
            ("can_invite_users", false),
            ("can_pin_messages", false),
            ("can_manage_topics", false),
            ("can_send_polls", false),
        ],
        _ => &[],
    };
    for (k, v) in flags {
        m.insert((*k).into(), json!(v));
    }
    if status == "restricted" || status == "kicked" {
        m.insert("until_date".into(), json!(0));
    }
    Value::Object(m)
}

/// `bot_command` entities for a text that starts with `/` (Telegram sends them;
/// offsets and lengths are in UTF-16 code units).
pub fn command_entities(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let cmd = text.split_whitespace().next().unwrap_or(text);
    let len: usize = cmd.encode_utf16().count();
    Some(json!([{ "type": "bot_command", "offset": 0, "length": len }]))
}

/// A `PhotoSize` array (what a photo message carries).
pub fn photo_sizes(file_id: &str, size: u64) -> Value {
    json!([
        { "file_id": format!("{file_id}-s"), "file_unique_id": format!("{file_id}-us"),
          "file_size": size / 4, "width": 90, "height": 90 },
        { "file_id": file_id, "file_unique_id": format!("{file_id}-u"),
          "file_size": size, "width": 800, "height": 600 },
    ])
}

/// A `Document`.
pub fn document(file_id: &str, file_name: &str, size: u64) -> Value {
    json!({
        "file_id": file_id,
        "file_unique_id": format!("{file_id}-u"),
        "file_size": size,
        "file_name": file_name,
    })
}

/// A regular static `Sticker`: `type` ("regular"), `width`, `height`,
/// `is_animated`, `is_video` and the file ids are needed.
pub fn sticker() -> Value {
    json!({
        "file_id": "sticker-file",
        "file_unique_id": "sticker-u",
        "file_size": 1000,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": false,
        "is_video": false,
        "emoji": "👍",
        "set_name": "TestSet",
    })
}

/// A message JSON: `message_id`, `date`, `chat` are required; `content` is
/// merged in (`text`, `photo`, `sticker`, `reply_markup`, ...). A message with
/// no known content field parses as teloxide's `MessageKind::Empty`.
pub fn message(message_id: i64, chat_id: i64, from: Option<Value>, content: Value) -> Value {
    let mut m = Map::new();
    m.insert("message_id".into(), json!(message_id));
    m.insert("date".into(), json!(now()));
    m.insert("chat".into(), chat(chat_id));
    if let Some(from) = from {
        m.insert("from".into(), from);
    }
    if let Value::Object(c) = content {
        m.extend(c);
    }
    Value::Object(m)
}

/// A `channel_post` message (no `from`; `sender_chat` is the channel).
pub fn channel_post(message_id: i64, channel_id: i64, text: &str) -> Value {
    json!({
        "message_id": message_id,
        "date": now(),
        "chat": channel(channel_id),
        "sender_chat": channel(channel_id),
        "text": text,
    })
}

/// Chat id of a request body's `chat_id` (number or numeric string).
pub fn chat_id_of(body: &Value) -> Option<i64> {
    as_i64(body.get("chat_id")?)
}

/// A JSON number or numeric string as i64.
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
