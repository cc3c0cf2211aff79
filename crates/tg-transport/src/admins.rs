//! Who may change a group's settings: `getChatMember`, cached for a few minutes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::RequestError;
use teloxide::requests::Requester;
use teloxide::types::{ChatId, UserId};
use tracing::warn;

/// How long an answer is trusted: a demoted admin keeps the rights this long at most.
pub const TTL: Duration = Duration::from_secs(300);
/// Entries kept before the expired ones are dropped.
const MAX_ENTRIES: usize = 10_000;

/// (chat, user) → (is an administrator or the creator, when asked).
#[derive(Default)]
pub struct Admins {
    known: Mutex<HashMap<(i64, u64), (bool, Instant)>>,
}

impl Admins {
    /// Is `user` an administrator (or the creator) of `chat`? A failed call counts as
    /// no (and is not cached).
    pub async fn check<R>(&self, bot: &R, chat: i64, user: u64) -> bool
    where
        R: Requester<Err = RequestError>,
    {
        if let Some(yes) = self.cached(chat, user) {
            return yes;
        }
        let yes = match bot.get_chat_member(ChatId(chat), UserId(user)).await {
            Ok(m) => m.is_privileged(),
            Err(e) => {
                warn!(chat, user, error = %e, "getChatMember failed");
                return false;
            }
        };
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= MAX_ENTRIES {
            known.retain(|_, (_, at)| at.elapsed() < TTL);
        }
        known.insert((chat, user), (yes, Instant::now()));
        yes
    }

    fn cached(&self, chat: i64, user: u64) -> Option<bool> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known
            .get(&(chat, user))
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(yes, _)| *yes)
    }
}

/// Checks the shape of a bot token (`<digits>:<at least 30 of A-Z a-z 0-9 _ ->`)
/// without ever echoing it.
pub fn token_is_well_formed(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 30
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes() {
        for (token, ok) in [
            ("123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", true),
            ("123456:TEST-token-SECRET-abcdefghijklmnopqrstuv", true),
            ("", false),
            ("123456", false),
            (":ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", false),
            ("12a:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789", false),
            ("123456:short", false),
            ("123456:ABCdefGHIjklMNOpqrSTUvwxYZ01234567 9", false),
        ] {
            assert_eq!(token_is_well_formed(token), ok, "{token}");
        }
    }

    #[test]
    fn an_answer_is_trusted_until_it_expires() {
        let admins = Admins::default();
        assert_eq!(admins.cached(-1, 7), None);
        admins
            .known
            .lock()
            .unwrap()
            .insert((-1, 7), (true, Instant::now()));
        assert_eq!(admins.cached(-1, 7), Some(true));
        assert_eq!(admins.cached(-2, 7), None, "per chat");
        let old = Instant::now().checked_sub(TTL + Duration::from_secs(1));
        if let Some(old) = old {
            admins.known.lock().unwrap().insert((-1, 7), (true, old));
            assert_eq!(admins.cached(-1, 7), None, "expired");
        }
    }
}
