//! What a careful editor would flag in a bank that loads: the mistakes a teacher (or
//! a converted seed) makes that no learner should see. Each lint has a name; a
//! question or section may waive one with a reason (`waive = { lint = "reason" }`),
//! and a waiver that waives nothing is itself reported.

use std::collections::{HashMap, HashSet};

use super::{Chapter, Key, Kind, Question, letter};

/// Every lint, by name, with what it means.
pub const LINTS: &[(&str, &str)] = &[
    (
        "option-letters",
        "a shuffled question's explanation names option letters (learners see the options in another order)",
    ),
    (
        "duplicate-options",
        "two options are the same once width, spaces and punctuation are ignored",
    ),
    ("all-options", "a multiple-choice answer is every option"),
    (
        "verdict-in-stem",
        "a true/false stem states its own verdict (正确的是, 错误的是 …)",
    ),
    ("unlinked-section", "no question links to this section"),
    (
        "unrelated-sections",
        "the question shares no words with the sections it links (a wrong link?)",
    ),
];

/// One finding: the lint, the question or section id, and what exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub lint: &'static str,
    pub id: String,
    pub message: String,
}

/// Runs every lint over a bank that loaded (waivers are applied by the caller).
pub fn run(chapters: &[Chapter], questions: &[Question]) -> Vec<Finding> {
    let mut out = Vec::new();
    let sections: HashMap<&str, (&str, &str)> = chapters
        .iter()
        .flat_map(|c| c.sections.iter())
        .map(|s| (s.id.as_str(), (s.title.as_str(), s.text.as_str())))
        .collect();
    let mut find = |lint: &'static str, id: &str, message: String| {
        out.push(Finding {
            lint,
            id: id.to_string(),
            message,
        })
    };
    for q in questions {
        if q.shuffle && q.kind != Kind::Judge {
            let named = letters_named(&q.explanation, q.options.len());
            if !named.is_empty() {
                find(
                    "option-letters",
                    &q.id,
                    format!(
                        "the explanation of `{}` names option {} but its options are shuffled: quote the option or cite the rule",
                        q.id,
                        named.iter().collect::<String>()
                    ),
                );
            }
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, o) in q.options.iter().enumerate() {
            if let Some(first) = seen.insert(normalized(o), i) {
                find(
                    "duplicate-options",
                    &q.id,
                    format!(
                        "options {} and {} of `{}` are the same text",
                        letter(first),
                        letter(i),
                        q.id
                    ),
                );
            }
        }
        if let Key::Choice(set) = q.key {
            if q.kind == Kind::Multi && set.len() == q.options.len() {
                find(
                    "all-options",
                    &q.id,
                    format!("the answer of `{}` is every option", q.id),
                );
            }
        }
        if q.kind == Kind::Judge {
            if let Some(p) = VERDICT_WORDS.iter().find(|p| q.stem.contains(*p)) {
                find(
                    "verdict-in-stem",
                    &q.id,
                    format!(
                        "the stem of `{}` says `{p}`: a true/false stem is one statement",
                        q.id
                    ),
                );
            }
        }
        let own = bigrams(
            std::iter::once(q.stem.as_str())
                .chain(q.options.iter().map(String::as_str))
                .chain(std::iter::once(q.explanation.as_str())),
        );
        let linked = bigrams(
            q.sections
                .iter()
                .filter_map(|s| sections.get(s.as_str()))
                .flat_map(|(title, text)| [*title, *text]),
        );
        if !own.is_empty() && own.is_disjoint(&linked) {
            find(
                "unrelated-sections",
                &q.id,
                format!(
                    "`{}` shares no words with its sections ({}): is the link right?",
                    q.id,
                    q.sections.join(", ")
                ),
            );
        }
    }
    let linked: HashSet<&str> = questions
        .iter()
        .flat_map(|q| q.sections.iter().map(String::as_str))
        .collect();
    for c in chapters {
        for s in &c.sections {
            if !linked.contains(s.id.as_str()) {
                find(
                    "unlinked-section",
                    &s.id,
                    format!("no question links section `{}`", s.id),
                );
            }
        }
    }
    out
}

/// Stems of true/false questions that carry their verdict.
const VERDICT_WORDS: &[&str] = &["正确的是", "错误的是", "不正确的是", "是正确的", "是错误的"];

/// The option letters (A …, as many as there are options) that `text` names on their
/// own: a capital not touching another ASCII letter or digit, so 4P, B2C or CA are not
/// letters.
pub fn letters_named(text: &str, options: usize) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut named = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let index = (c as u32).wrapping_sub('A' as u32) as usize;
        if !c.is_ascii_uppercase() || index >= options {
            continue;
        }
        let alone = |n: Option<&char>| n.is_none_or(|n| !n.is_ascii_alphanumeric());
        if alone(i.checked_sub(1).and_then(|p| chars.get(p)))
            && alone(chars.get(i + 1))
            && !named.contains(&c)
        {
            named.push(c);
        }
    }
    named.sort_unstable();
    named
}

/// `text` without spaces and punctuation, in half width and lower case.
pub(super) fn normalized(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !is_cjk_punctuation(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_cjk_punctuation(c: char) -> bool {
    // CJK symbols and punctuation, general punctuation (dashes, quotes, …), CJK
    // compatibility forms. (Full-width ASCII punctuation is folded before.)
    matches!(c, '\u{3001}'..='\u{303F}' | '\u{2010}'..='\u{2027}' | '\u{FE30}'..='\u{FE4F}')
}

/// The pairs of neighbouring Han characters in `texts` (a word list for Chinese that
/// needs no dictionary). Pairs of the most common function characters are left out.
pub(super) fn bigrams<'a>(texts: impl Iterator<Item = &'a str>) -> HashSet<(char, char)> {
    const COMMON: &[char] = &[
        '的', '是', '了', '在', '和', '与', '不', '以', '下', '有', '为', '对', '中',
    ];
    let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let mut out = HashSet::new();
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        for w in chars.windows(2) {
            if han(w[0]) && han(w[1]) && !(COMMON.contains(&w[0]) && COMMON.contains(&w[1])) {
                out.insert((w[0], w[1]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_letters_are_told_from_names() {
        for (text, options, want) in [
            ("所以选B、D。", 5, "BD"),
            ("（A、C错）；E正确", 5, "ACE"),
            ("选项C不对", 4, "C"),
            ("4P理论与4C理论；B2C、C2C；CA和KM", 5, ""),
            ("选H", 4, ""),
            ("A", 1, "A"),
            ("没有字母", 4, ""),
            ("iPhone 体验", 5, ""),
        ] {
            let got: String = letters_named(text, options).into_iter().collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn options_are_compared_without_width_spaces_and_punctuation() {
        assert_eq!(
            normalized("开辟专栏，传授知识。"),
            normalized("开辟专栏 传授知识")
        );
        assert_eq!(normalized("ＡＢ（１）"), normalized("ab1"));
        assert_ne!(normalized("售前服务"), normalized("售后服务"));
    }

    #[test]
    fn bigrams_skip_function_pairs() {
        let b = bigrams(["优质的服务，good"].into_iter());
        assert!(b.contains(&('优', '质')) && b.contains(&('服', '务')));
        assert_eq!(b.len(), 4, "{b:?}");
        assert!(bigrams(["是的", "在中"].into_iter()).is_empty());
    }
}
