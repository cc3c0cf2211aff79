//! The two UI languages. Chinese is the default: the learners are Chinese speakers.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The language for a Telegram `language_code`: English for `en*`, otherwise Chinese.
    pub fn from_code(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = ();

    fn from_str(s: &str) -> Result<Lang, ()> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "cn" | "中文" => Ok(Lang::Zh),
            "en" | "english" | "英文" => Ok(Lang::En),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_code() {
        for (code, want) in [
            (None, Lang::Zh),
            (Some("zh-hans"), Lang::Zh),
            (Some("en"), Lang::En),
            (Some("en-GB"), Lang::En),
            (Some("ru"), Lang::Zh),
        ] {
            assert_eq!(Lang::from_code(code), want, "{code:?}");
        }
        assert_eq!("EN".parse(), Ok(Lang::En));
        assert_eq!("xx".parse::<Lang>(), Err(()));
    }
}
