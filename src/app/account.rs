//! Accounts: learners and chats, their language and zone, leaving and coming back,
//! moving a group, export and forget.

use chrono_tz::Tz;

use crate::lang::Lang;
use crate::store::{Chat, ChatKind, JobKind, Learner, StoreError};

use super::Tutor;

/// Who is acting, as a front end knows them.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub id: i64,
    /// The name shown on boards (Telegram's first and last name; the terminal's
    /// `--learner`).
    pub name: &'a str,
    /// The client's language (Telegram's `language_code`), if any.
    pub lang_code: Option<&'a str>,
}

impl Tutor {
    /// The learner record, created on first sight, reactivated if they return, and
    /// its name kept up to date.
    pub fn ensure_learner(&self, who: Person<'_>) -> Result<Learner, StoreError> {
        if let Some(l) = self.store.learner(who.id)? {
            if l.active && l.name == who.name {
                return Ok(l);
            }
        }
        let now = self.now();
        self.store.update_learner(who.id, |old| {
            let mut l = old.unwrap_or_else(|| Learner::new(who.id, who.name, now));
            l.name = who.name.to_string();
            l.active = true;
            l
        })
    }

    /// The chat record, created with the defaults on first sight and reactivated.
    pub fn ensure_chat(&self, id: i64, kind: ChatKind, title: &str) -> Result<Chat, StoreError> {
        if let Some(c) = self.store.chat(id)? {
            if c.active {
                return Ok(c);
            }
        }
        self.store.update_chat(id, |old| {
            let mut c = old.unwrap_or_else(|| self.fresh_chat(id, kind, title));
            c.active = true;
            c
        })
    }

    /// A chat record with the defaults.
    pub fn fresh_chat(&self, id: i64, kind: ChatKind, title: &str) -> Chat {
        Chat::new(id, kind, title, self.default_tz)
    }

    /// A learner's language: their `/lang`, else their client's language.
    pub fn lang_of(&self, learner: Option<&Learner>, lang_code: Option<&str>) -> Lang {
        learner
            .and_then(|l| l.lang)
            .unwrap_or_else(|| Lang::from_code(lang_code))
    }

    /// The language of user `id`: their choice, else Telegram's for them.
    pub fn user_lang(&self, id: i64, lang_code: Option<&str>) -> Result<Lang, StoreError> {
        Ok(self.lang_of(self.store.learner(id)?.as_ref(), lang_code))
    }

    /// Remembers the language a learner's client reports (Telegram's
    /// `language_code`) in their private chat's record, for what they get unprompted
    /// (see [`Tutor::unprompted_lang`]). Written only when it changed; nothing when no
    /// language is reported or the private chat is not recorded.
    pub fn note_client_lang(&self, user: i64, lang_code: Option<&str>) -> Result<(), StoreError> {
        let Some(code) = lang_code else {
            return Ok(());
        };
        let lang = Lang::from_code(Some(code));
        match self.store.chat(user)? {
            Some(c) if c.kind == ChatKind::Private && c.lang != Some(lang) => {}
            _ => return Ok(()),
        }
        self.store.update_chat(user, |old| {
            let mut c = self.chat_or_new(user, ChatKind::Private, old);
            c.lang = Some(lang);
            c
        })?;
        Ok(())
    }

    /// A learner's language for what they get without an update of theirs to answer
    /// (the daily question, the streak reminder): their `/lang`, else the language
    /// their client last reported in their private chat (`Chat::lang`), else Chinese.
    pub fn unprompted_lang(&self, learner: Option<&Learner>, private: Option<&Chat>) -> Lang {
        let client = private
            .filter(|c| c.kind == ChatKind::Private)
            .and_then(|c| c.lang);
        learner.and_then(|l| l.lang).or(client).unwrap_or_default()
    }

    /// A learner's zone: their own, else their private chat's, else the default.
    pub fn learner_tz(&self, learner: Option<&Learner>) -> Tz {
        if let Some(tz) = learner.and_then(|l| l.tz) {
            return tz;
        }
        if let Some(l) = learner {
            if let Ok(Some(c)) = self.store.chat(l.id) {
                return c.tz;
            }
        }
        self.default_tz
    }

    /// The zone of learner `id` (see [`Tutor::learner_tz`]).
    pub fn learner_tz_of(&self, id: i64) -> Result<Tz, StoreError> {
        Ok(self.learner_tz(self.store.learner(id)?.as_ref()))
    }

    /// `/lang`: the learner's language from now on.
    pub fn set_lang(&self, user: i64, lang: Lang) -> Result<(), StoreError> {
        let now = self.now();
        self.store.update_learner(user, |old| {
            let mut l = old.unwrap_or_else(|| Learner::new(user, "", now));
            l.lang = Some(lang);
            l
        })?;
        Ok(())
    }

    /// A chat (and, for a private chat, its learner) is gone: blocked, deactivated
    /// or not found. Nothing more is sent to it; its records stay.
    pub fn deactivate(&self, chat: i64) -> Result<(), StoreError> {
        // The kind is the record's (Telegram's chat type when it was first seen). A
        // chat never recorded gets no record now; only a learner shares a private
        // chat's id.
        let kind = self.store.chat(chat)?.map(|c| c.kind);
        if let Some(kind) = kind {
            self.store.update_chat(chat, |old| {
                let mut c = self.chat_or_new(chat, kind, old);
                c.active = false;
                c.open_card = None;
                c.round = None;
                c
            })?;
        }
        for job in JobKind::ALL {
            self.store.schedule(chat, job, None)?;
        }
        if kind != Some(ChatKind::Group) && self.store.learner(chat)?.is_some() {
            let now = self.now();
            self.store.update_learner(chat, |old| {
                let mut l = old.unwrap_or_else(|| Learner::new(chat, "", now));
                l.active = false;
                l
            })?;
        }
        Ok(())
    }

    /// A group became a supergroup: its records move to the new id.
    pub fn migrate(&self, old: i64, new: i64) -> Result<(), StoreError> {
        self.store.migrate_chat(old, new)?;
        self.wake.notify_one(); // its jobs moved
        Ok(())
    }

    /// Everything stored about a learner, as JSON bytes.
    pub fn export(&self, user: i64) -> anyhow::Result<Vec<u8>> {
        Ok(serde_json::to_vec_pretty(&self.store.export(user)?)?)
    }

    /// Erases a learner's data.
    pub fn forget(&self, user: i64) -> Result<(), StoreError> {
        self.store.forget(user)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::*;

    fn person(name: &str) -> Person<'_> {
        Person {
            id: 42,
            name,
            lang_code: Some("en-GB"),
        }
    }

    #[test]
    fn a_learner_is_created_renamed_and_comes_back() {
        let t = testing::at(testing::t0());
        let l = t.ensure_learner(person("Ann")).unwrap();
        assert_eq!((l.id, l.name.as_str(), l.active), (42, "Ann", true));
        assert_eq!(l.created, testing::t0());
        t.ensure_learner(person("Ann B")).unwrap();
        assert_eq!(t.store.learner(42).unwrap().unwrap().name, "Ann B");
        t.ensure_chat(42, ChatKind::Private, "Ann").unwrap();
        t.deactivate(42).unwrap();
        assert!(!t.store.learner(42).unwrap().unwrap().active);
        assert!(!t.store.chat(42).unwrap().unwrap().active);
        assert!(t.ensure_learner(person("Ann B")).unwrap().active);
        assert!(t.ensure_chat(42, ChatKind::Private, "").unwrap().active);
    }

    #[test]
    fn a_gone_chat_never_recorded_gets_no_record_but_its_learner_stops() {
        let t = testing::at(testing::t0());
        t.ensure_learner(person("Ann")).unwrap();
        t.store
            .schedule(42, JobKind::Daily, Some(testing::t0()))
            .unwrap();
        t.deactivate(42).unwrap();
        assert_eq!(t.store.chat(42).unwrap(), None);
        assert!(!t.store.learner(42).unwrap().unwrap().active);
        assert_eq!(t.scheduled(42, JobKind::Daily), None);
        // A group's id is never a learner's: nothing else is touched.
        t.deactivate(-42).unwrap();
        assert_eq!(t.store.chat(-42).unwrap(), None);
    }

    #[test]
    fn language_and_zone_follow_the_learner_then_the_client_then_the_default() {
        let t = testing::at(testing::t0());
        let l = t.ensure_learner(person("Ann")).unwrap();
        assert_eq!(t.lang_of(Some(&l), Some("en")), Lang::En);
        assert_eq!(t.lang_of(None, None), Lang::Zh);
        t.set_lang(42, Lang::Zh).unwrap();
        let l = t.store.learner(42).unwrap().unwrap();
        assert_eq!(t.lang_of(Some(&l), Some("en")), Lang::Zh);
        assert_eq!(t.learner_tz(Some(&l)), chrono_tz::Asia::Shanghai);
        t.store
            .update_chat(42, |_| {
                Chat::new(42, ChatKind::Private, "", chrono_tz::Europe::Berlin)
            })
            .unwrap();
        assert_eq!(t.learner_tz_of(42).unwrap(), chrono_tz::Europe::Berlin);
    }
}
