//! What the front ends show, independent of Telegram and terminals. So far: the
//! catalogue's first entries, the hints both front ends give for text that is not an
//! answer (issue 15 moves all user-facing text here, with markup-neutral documents).
//!
//! `view` may import `bank`, `learn` and `lang`; never `store`, `telegram` or
//! `console`.

use crate::bank::Kind;
use crate::lang::Lang;

/// Where a text is shown: a chat (buttons and replies) or the terminal (typed
/// input, `?` for help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    Chat,
    Terminal,
}

/// The one-line hint for input that is not an answer to an open card of `kind`.
pub fn not_an_answer(kind: Kind, lang: Lang, front: Front) -> &'static str {
    match (front, kind, lang) {
        (Front::Chat, Kind::Judge, Lang::Zh) => "请回复 对 或 错（也可用 √ ×）作答。",
        (Front::Chat, Kind::Judge, Lang::En) => "Reply 对 (true) or 错 (false) to answer.",
        (Front::Chat, _, Lang::Zh) => "请回复选项字母作答，例如 B 或 BD。",
        (Front::Chat, _, Lang::En) => "Reply with option letters, e.g. B or BD.",
        (Front::Terminal, Kind::Judge, Lang::Zh) => "输入 对 或 错 作答（也可用 √ ×），? 查看帮助",
        (Front::Terminal, Kind::Judge, Lang::En) => {
            "Type 对 (true) or 错 (false) to answer (√ × work too); ? for help"
        }
        (Front::Terminal, _, Lang::Zh) => "输入选项字母作答（如 B 或 BD），? 查看帮助",
        (Front::Terminal, _, Lang::En) => {
            "Type option letters to answer (e.g. B or BD); ? for help"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hint_names_how_to_answer() {
        for kind in [Kind::Single, Kind::Multi, Kind::Judge] {
            for lang in [Lang::Zh, Lang::En] {
                for front in [Front::Chat, Front::Terminal] {
                    let hint = not_an_answer(kind, lang, front);
                    let named = if kind == Kind::Judge { "对" } else { "B" };
                    assert!(hint.contains(named), "{kind:?} {lang:?} {front:?}: {hint}");
                    assert_eq!(hint.contains('?'), front == Front::Terminal, "{hint}");
                }
            }
        }
    }
}
