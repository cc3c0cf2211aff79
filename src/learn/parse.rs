//! Typed answers: what a learner's text message means for the question on the table.
//!
//! Three outcomes are kept apart, so that a remark in a study group is never graded:
//! an [`Parsed::Answer`], [`Parsed::NotAnswer`] (chatter, ignored), and
//! [`Parsed::Invalid`] (clearly an attempt, but not an acceptable one; its
//! [`Invalid::message`] says what is accepted).
//!
//! Choice answers are in the card's *shown* letters (see [`super::Presentation`]).

use std::fmt;

use crate::bank::{Kind, MAX_OPTIONS, OptionSet, letter};

/// Replies longer than this many characters (after trimming) are never answers.
/// It also bounds the work done per message.
const MAX_ANSWER_CHARS: usize = 64;

/// Prefixes a learner may put before the answer ("答案：BD", "我选 B"), longest first.
/// A `:` and spaces after the prefix are skipped too.
const PREFIXES: &[&str] = &["答案是", "答案", "我选择", "我选", "选择", "选项", "选"];

/// Trailing punctuation tolerated after an answer (full-width forms are folded first).
const TRAILING: &[char] = &['。', '.', '!'];

/// Words meaning "true" on a judge question (lower case, half-width).
const TRUE_WORDS: &[&str] = &[
    "对",
    "√",
    "✓",
    "✔",
    "正确",
    "是",
    "t",
    "true",
    "yes",
    "y",
    "对的",
    "是的",
    "正确的",
];

/// Words meaning "false" on a judge question (lower case, half-width).
const FALSE_WORDS: &[&str] = &[
    "错",
    "×",
    "✗",
    "✘",
    "错误",
    "否",
    "不对",
    "f",
    "false",
    "no",
    "n",
    "错的",
    "错误的",
    "不是",
    "不正确",
];

/// A learner's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Option letters, in the card's SHOWN letters.
    Choice(OptionSet),
    /// 对 (`true`) or 错 (`false`).
    Judge(bool),
}

impl fmt::Display for Response {
    /// Letters in alphabetical order ("BD"), or 对 / 错.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Response::Choice(set) => f.write_str(&set.letters()),
            Response::Judge(true) => f.write_str("对"),
            Response::Judge(false) => f.write_str("错"),
        }
    }
}

/// What a text message means for the current question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A well-formed answer for this question.
    Answer(Response),
    /// Not an answer at all (chatter, a sentence, an empty message): ignore it.
    NotAnswer,
    /// Clearly an attempt at answering, but not acceptable for this question.
    Invalid(Invalid),
}

/// Why an attempt at answering is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Letters within A–H but beyond this question's options.
    OutOfRange {
        /// The offending letters, e.g. "EF".
        letters: String,
        /// The last option's letter, e.g. 'D'.
        last: char,
    },
    /// 对 / 错 (or another true/false word) on a choice question.
    JudgeOnChoice,
    /// Option letters on a true/false question.
    ChoiceOnJudge,
    /// More than one letter on a single-choice question.
    SingleNeedsOne,
}

/// Reads a typed reply to a question of `kind` with `n_options` options (ignored for
/// judge questions; capped at [`MAX_OPTIONS`]).
///
/// - Choice: letters in any case and width, run together ("bde") or separated by
///   spaces, `,` `，` `、` `;` `；` `/` or 和; an optional prefix 答案: / 答案 / 选 / 我选
///   (also 答案是, 选择, 我选择, 选项); trailing 。 . ! tolerated; repeats count once.
/// - Judge: 对 √ ✓ ✔ 正确 是 T true yes Y / 错 × ✗ ✘ 错误 否 不对 F false no N
///   (also 对的 是的 正确的 / 错的 错误的 不是 不正确), in any case and width.
///
/// A reply is an attempt at letters only when every letter in it is within A–H, so
/// "hello" is chatter while "bad" is the answer ABD. On a choice question, a letter
/// within A–H is always a letter ("F" is option F), a lone T / Y / N is chatter, and
/// other true/false words are [`Invalid::JudgeOnChoice`].
pub fn parse_answer(input: &str, kind: Kind, n_options: usize) -> Parsed {
    let trimmed = input.trim();
    if trimmed.chars().nth(MAX_ANSWER_CHARS).is_some() {
        return Parsed::NotAnswer;
    }
    let folded: String = trimmed
        .chars()
        .map(|c| fold_width(c).to_ascii_lowercase())
        .collect();
    let body = strip_decoration(&folded);
    if body.is_empty() {
        return Parsed::NotAnswer;
    }
    let judge = judge_word(body);
    let letters = letter_attempt(body);
    match kind {
        Kind::Judge => match (judge, letters) {
            (Some(value), _) => Parsed::Answer(Response::Judge(value)),
            (None, Some(_)) => Parsed::Invalid(Invalid::ChoiceOnJudge),
            (None, None) => Parsed::NotAnswer,
        },
        Kind::Single | Kind::Multi => {
            if let Some(set) = letters {
                return choice(set, kind, n_options);
            }
            let lone_letter = body.len() == 1 && body.is_ascii();
            if judge.is_some() && !lone_letter {
                Parsed::Invalid(Invalid::JudgeOnChoice)
            } else {
                Parsed::NotAnswer
            }
        }
    }
}

/// Checks a set of letters (all within A–H) against the question.
fn choice(set: OptionSet, kind: Kind, n_options: usize) -> Parsed {
    let n = n_options.min(MAX_OPTIONS);
    let mut beyond = OptionSet::EMPTY;
    for i in set.iter().filter(|&i| i >= n) {
        beyond.insert(i);
    }
    if !beyond.is_empty() {
        return Parsed::Invalid(Invalid::OutOfRange {
            letters: beyond.letters(),
            last: letter(n.saturating_sub(1)),
        });
    }
    if kind == Kind::Single && set.len() > 1 {
        return Parsed::Invalid(Invalid::SingleNeedsOne);
    }
    Parsed::Answer(Response::Choice(set))
}

/// Full-width ASCII (U+FF01–U+FF5E) → ASCII, and the ideographic space → a space.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Strips tolerated trailing punctuation and a leading prefix such as 答案: or 我选.
fn strip_decoration(text: &str) -> &str {
    let mut body = text.trim_end_matches(|c: char| TRAILING.contains(&c) || c.is_whitespace());
    if let Some(rest) = PREFIXES.iter().find_map(|p| body.strip_prefix(p)) {
        body = rest.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
    }
    body.trim()
}

/// `Some(value)` when the whole body is a true/false word.
fn judge_word(body: &str) -> Option<bool> {
    if TRUE_WORDS.contains(&body) {
        Some(true)
    } else if FALSE_WORDS.contains(&body) {
        Some(false)
    } else {
        None
    }
}

/// Whether `c` separates letters: whitespace , 、 ; / 和 (after width folding).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '、' | ';' | '/' | '和')
}

/// The set of letters when the body consists only of letters a–h and separators,
/// with at least one letter; `None` otherwise.
fn letter_attempt(body: &str) -> Option<OptionSet> {
    let mut set = OptionSet::EMPTY;
    for c in body.chars() {
        match c {
            'a'..='h' => set.insert(usize::from(c as u8 - b'a')),
            c if is_separator(c) => {}
            _ => return None,
        }
    }
    (!set.is_empty()).then_some(set)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn set(letters: &str) -> OptionSet {
        let mut s = OptionSet::EMPTY;
        for c in letters.chars() {
            s.insert((c as u8 - b'A') as usize);
        }
        s
    }

    fn choice_answer(letters: &str) -> Parsed {
        Parsed::Answer(Response::Choice(set(letters)))
    }

    fn out_of_range(letters: &str, last: char) -> Parsed {
        Parsed::Invalid(Invalid::OutOfRange {
            letters: letters.into(),
            last,
        })
    }

    #[test]
    fn multi_answers() {
        // A five-option multi question (A–E).
        for (input, want) in [
            ("BDE", choice_answer("BDE")),
            ("bde", choice_answer("BDE")),
            ("EDB", choice_answer("BDE")),
            ("ＢＤ", choice_answer("BD")),
            ("ｂｄ", choice_answer("BD")),
            ("B D E", choice_answer("BDE")),
            ("B,D,E", choice_answer("BDE")),
            ("B，D，E", choice_answer("BDE")),
            ("B、D、E", choice_answer("BDE")),
            ("B;D；E", choice_answer("BDE")),
            ("B/D／E", choice_answer("BDE")),
            ("B和D", choice_answer("BD")),
            ("B, D、e；b", choice_answer("BDE")),
            ("B\u{3000}D", choice_answer("BD")),
            ("  bd\n", choice_answer("BD")),
            ("BBDD", choice_answer("BD")),
            ("bad", choice_answer("ABD")),
            ("答案:BD", choice_answer("BD")),
            ("答案：BD", choice_answer("BD")),
            ("答案 BD", choice_answer("BD")),
            ("答案BD", choice_answer("BD")),
            ("答案是 BD", choice_answer("BD")),
            ("选BD", choice_answer("BD")),
            ("我选 B、D", choice_answer("BD")),
            ("我选择BD", choice_answer("BD")),
            ("选项 B，D", choice_answer("BD")),
            ("BD。", choice_answer("BD")),
            ("BD.", choice_answer("BD")),
            ("BD!", choice_answer("BD")),
            ("BD！", choice_answer("BD")),
            ("答案：ＢＤ！！", choice_answer("BD")),
            ("A", choice_answer("A")),
            ("ABCDE", choice_answer("ABCDE")),
            // Letters beyond E but within A–H: an attempt, out of range.
            ("F", out_of_range("F", 'E')),
            ("BF", out_of_range("F", 'E')),
            ("bdgh", out_of_range("GH", 'E')),
            ("ＨＧ", out_of_range("GH", 'E')),
            // True/false words on a choice question.
            ("对", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("错", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("√", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("true", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("答案：对", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("不对", Parsed::Invalid(Invalid::JudgeOnChoice)),
            // A lone T / Y / N is beyond H: chatter, not a true/false word here.
            ("T", Parsed::NotAnswer),
            ("y", Parsed::NotAnswer),
            ("N", Parsed::NotAnswer),
            // Chatter.
            ("", Parsed::NotAnswer),
            ("   ", Parsed::NotAnswer),
            ("\u{3000}", Parsed::NotAnswer),
            ("好难啊", Parsed::NotAnswer),
            ("谢谢", Parsed::NotAnswer),
            ("hello", Parsed::NotAnswer),
            ("Bad idea", Parsed::NotAnswer),
            ("我觉得是B", Parsed::NotAnswer),
            ("B?", Parsed::NotAnswer),
            ("B吗", Parsed::NotAnswer),
            ("选", Parsed::NotAnswer),
            ("答案：", Parsed::NotAnswer),
            (",,、", Parsed::NotAnswer),
            ("。", Parsed::NotAnswer),
            ("A1", Parsed::NotAnswer),
        ] {
            assert_eq!(parse_answer(input, Kind::Multi, 5), want, "{input:?}");
        }
    }

    #[test]
    fn single_answers() {
        // A four-option single question (A–D).
        for (input, want) in [
            ("B", choice_answer("B")),
            ("b", choice_answer("B")),
            ("ｂ", choice_answer("B")),
            ("bb", choice_answer("B")),
            ("选 D。", choice_answer("D")),
            ("BD", Parsed::Invalid(Invalid::SingleNeedsOne)),
            ("B，D", Parsed::Invalid(Invalid::SingleNeedsOne)),
            ("bad", Parsed::Invalid(Invalid::SingleNeedsOne)),
            ("E", out_of_range("E", 'D')),
            ("F", out_of_range("F", 'D')),
            // Out of range is reported before "needs one".
            ("AE", out_of_range("E", 'D')),
            ("对", Parsed::Invalid(Invalid::JudgeOnChoice)),
            ("Y", Parsed::NotAnswer),
            ("I", Parsed::NotAnswer),
            ("hi", Parsed::NotAnswer),
        ] {
            assert_eq!(parse_answer(input, Kind::Single, 4), want, "{input:?}");
        }
        // With six or more options, F is simply option F.
        assert_eq!(parse_answer("f", Kind::Single, 6), choice_answer("F"));
        assert_eq!(parse_answer("H", Kind::Multi, 8), choice_answer("H"));
        assert_eq!(parse_answer("C", Kind::Single, 2), out_of_range("C", 'B'));
    }

    #[test]
    fn judge_answers() {
        let yes = Parsed::Answer(Response::Judge(true));
        let no = Parsed::Answer(Response::Judge(false));
        for (input, want) in [
            ("对", yes.clone()),
            ("√", yes.clone()),
            ("✓", yes.clone()),
            ("✔", yes.clone()),
            ("正确", yes.clone()),
            ("是", yes.clone()),
            ("T", yes.clone()),
            ("t", yes.clone()),
            ("Ｔ", yes.clone()),
            ("true", yes.clone()),
            ("TRUE", yes.clone()),
            ("ｔｒｕｅ", yes.clone()),
            ("Yes", yes.clone()),
            ("y", yes.clone()),
            ("对的", yes.clone()),
            ("答案：对", yes.clone()),
            ("我选 对。", yes.clone()),
            ("对！", yes.clone()),
            ("  对 ", yes.clone()),
            ("错", no.clone()),
            ("×", no.clone()),
            ("✗", no.clone()),
            ("✘", no.clone()),
            ("错误", no.clone()),
            ("否", no.clone()),
            ("不对", no.clone()),
            ("F", no.clone()),
            ("ｆ", no.clone()),
            ("false", no.clone()),
            ("No", no.clone()),
            ("NO", no.clone()),
            ("n", no.clone()),
            ("答案 错", no.clone()),
            ("A", Parsed::Invalid(Invalid::ChoiceOnJudge)),
            ("B", Parsed::Invalid(Invalid::ChoiceOnJudge)),
            ("ａ", Parsed::Invalid(Invalid::ChoiceOnJudge)),
            ("AB", Parsed::Invalid(Invalid::ChoiceOnJudge)),
            ("bad", Parsed::Invalid(Invalid::ChoiceOnJudge)),
            ("", Parsed::NotAnswer),
            ("好难啊", Parsed::NotAnswer),
            ("对吗", Parsed::NotAnswer),
            ("hello", Parsed::NotAnswer),
            ("x", Parsed::NotAnswer),
            ("对错", Parsed::NotAnswer),
        ] {
            assert_eq!(parse_answer(input, Kind::Judge, 0), want, "{input:?}");
            // n_options does not matter for a judge question.
            assert_eq!(parse_answer(input, Kind::Judge, 4), want, "{input:?}");
        }
    }

    #[test]
    fn long_inputs_are_not_answers() {
        let exactly = "A".repeat(MAX_ANSWER_CHARS);
        assert_eq!(parse_answer(&exactly, Kind::Multi, 4), choice_answer("A"));
        let longer = "A".repeat(MAX_ANSWER_CHARS + 1);
        assert_eq!(parse_answer(&longer, Kind::Multi, 4), Parsed::NotAnswer);
        let huge = format!("B{}", " ".repeat(4000));
        assert_eq!(parse_answer(&huge, Kind::Single, 4), choice_answer("B"));
        let chatter = "好".repeat(4096);
        assert_eq!(parse_answer(&chatter, Kind::Judge, 0), Parsed::NotAnswer);
    }

    #[test]
    fn degenerate_option_counts_do_not_panic() {
        assert_eq!(parse_answer("A", Kind::Single, 0), out_of_range("A", 'A'));
        assert_eq!(parse_answer("A", Kind::Multi, 100), choice_answer("A"));
        assert_eq!(
            parse_answer("H", Kind::Multi, usize::MAX),
            choice_answer("H")
        );
    }

    #[test]
    fn response_display() {
        for (r, want) in [
            (Response::Choice(set("DB")), "BD"),
            (Response::Choice(OptionSet::EMPTY), ""),
            (Response::Judge(true), "对"),
            (Response::Judge(false), "错"),
        ] {
            assert_eq!(r.to_string(), want);
        }
    }

    #[test]
    fn fold_width_table() {
        for (c, want) in [
            ('Ａ', 'A'),
            ('ｚ', 'z'),
            ('０', '0'),
            ('：', ':'),
            ('，', ','),
            ('！', '!'),
            ('～', '~'),
            ('\u{3000}', ' '),
            ('、', '、'),
            ('对', '对'),
            ('a', 'a'),
        ] {
            assert_eq!(fold_width(c), want, "{c}");
        }
    }

    /// Pieces that answers (and near-answers) are made of.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Zａ-ｚＡ-Ｚ]",
            prop::sample::select(vec![
                " ",
                ",",
                "，",
                "、",
                ";",
                "；",
                "/",
                "和",
                "\u{3000}",
                "。",
                ".",
                "!",
                "！",
                "答案",
                "答案：",
                "选",
                "我选",
                "对",
                "错",
                "√",
                "×",
                "正确",
                "不对",
                "是",
            ])
            .prop_map(String::from),
            "\\PC",
        ]
    }

    fn check(input: &str) -> Result<(), TestCaseError> {
        for kind in [Kind::Single, Kind::Multi, Kind::Judge] {
            for n in 2..=MAX_OPTIONS {
                match parse_answer(input, kind, n) {
                    Parsed::Answer(Response::Choice(s)) => {
                        prop_assert!(kind != Kind::Judge, "{input:?}: letters on a judge");
                        prop_assert!(!s.is_empty(), "{input:?}: empty choice");
                        prop_assert!(s.iter().all(|i| i < n), "{input:?} n={n}: {s:?}");
                        if kind == Kind::Single {
                            prop_assert_eq!(s.len(), 1, "{:?}", input);
                        }
                    }
                    Parsed::Answer(Response::Judge(_)) => {
                        prop_assert_eq!(kind, Kind::Judge, "{:?}", input);
                    }
                    Parsed::Invalid(Invalid::OutOfRange { letters, last }) => {
                        prop_assert!(!letters.is_empty());
                        prop_assert_eq!(last, letter(n - 1));
                    }
                    Parsed::Invalid(_) | Parsed::NotAnswer => {}
                }
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(input in any::<String>()) {
            check(&input)?;
        }

        #[test]
        fn never_panics_on_printable_text(input in "\\PC*") {
            check(&input)?;
        }

        #[test]
        fn never_panics_on_letter_mixes(pieces in prop::collection::vec(piece(), 0..12)) {
            check(&pieces.concat())?;
        }

        #[test]
        fn letters_in_range_are_answers(bits in 1u8..=255, n in 2usize..=8, sep in "[ ,，、;；/]{0,2}") {
            let given = OptionSet(bits);
            let text = given.letters().chars().map(String::from).collect::<Vec<_>>().join(&sep);
            let got = parse_answer(&text, Kind::Multi, n);
            if given.iter().all(|i| i < n) {
                prop_assert_eq!(got, Parsed::Answer(Response::Choice(given)));
            } else {
                let is_oor = matches!(got, Parsed::Invalid(Invalid::OutOfRange { .. }));
                prop_assert!(is_oor, "{:?}", text);
            }
        }
    }
}
