//! Property-based fuzzing of everything that parses outside input:
//!
//! - `learn::parse_answer` (any text a learner types),
//! - `telegram::codec::Action::decode` (any callback data a client sends),
//! - `bank::Bank::from_sources` (any content a teacher writes: random text, mutated
//!   valid banks, and random well-formed TOML with random fields).
//!
//! Every target must never panic, and what it accepts must be sound: an accepted
//! answer names existing options, decoded data re-encodes to the same action within
//! 64 bytes, a loaded bank only has cards, verdicts and buttons that Telegram takes.
//!
//! `cargo test` runs 256 cases per property (proptest's default). For a long run:
//! `PROPTEST_CASES=1000000 cargo test --release --test fuzz` (docs/reliability.md has
//! the results).

use proptest::prelude::*;
use proptest::sample::select;
use rand::SeedableRng;

use tutor::bank::{Bank, Key, Kind, MAX_OPTIONS, OptionSet, Severity};
use tutor::lang::Lang;
use tutor::learn::{self, Parsed, Presentation, Response};
use tutor::telegram::codec::{Action, MAX_BYTES, NextScope};
use tutor::telegram::render;
use tutor::view::{Front, study};

fn config() -> ProptestConfig {
    // PROPTEST_CASES (read by the default config) sets the number of cases.
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ----- the answer parser -------------------------------------------------------------

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Single), Just(Kind::Multi), Just(Kind::Judge)]
}

/// Text a learner might type: anything, or close to an answer.
fn typed_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-hA-H]{1,3}",
        "[ａ-ｈＡ-Ｈ]{1,2}",
        select(vec![
            " ",
            ",",
            "，",
            "、",
            ";",
            "；",
            "/",
            "和",
            "。",
            ".",
            "!",
            "！",
            ":",
            "：",
            "答案",
            "答案是",
            "我选",
            "选",
            "选项",
            "对",
            "错",
            "√",
            "×",
            "✓",
            "✗",
            "正确",
            "错误",
            "是",
            "否",
            "不对",
            "true",
            "FALSE",
            "yes",
            "N",
            "t",
            "\u{200B}",
            "\u{202E}",
            "\u{FEFF}",
            "\u{0}",
            "\n",
            "\t",
            "𝐀",
            "é",
            "I",
            "z",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,3}",
    ];
    prop_oneof![
        4 => proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat()),
        1 => "\\PC{0,80}",
        1 => any::<String>(),
        1 => (proptest::char::any(), 60usize..5000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn check_parse(text: &str, kind: Kind, n: usize) -> Result<(), TestCaseError> {
    let parsed = learn::parse_answer(text, kind, n);
    match &parsed {
        Parsed::Answer(Response::Choice(set)) => {
            prop_assert!(kind != Kind::Judge, "letters accepted on a judge question");
            prop_assert!(!set.is_empty());
            prop_assert!(
                set.iter().all(|i| i < n.min(MAX_OPTIONS)),
                "{set:?} beyond {n} options"
            );
            if kind == Kind::Single {
                prop_assert_eq!(set.len(), 1);
            }
        }
        Parsed::Answer(Response::Judge(_)) => prop_assert_eq!(kind, Kind::Judge),
        Parsed::Invalid(why) => {
            for lang in [Lang::Zh, Lang::En] {
                prop_assert!(!tutor::view::catalogue::invalid_answer(why, kind, lang).is_empty());
            }
        }
        Parsed::NotAnswer => {}
    }
    // Deterministic, and blind to case, width and surrounding space.
    prop_assert_eq!(&learn::parse_answer(text, kind, n), &parsed);
    let padded = format!(" \t{text}\n ");
    prop_assert_eq!(&learn::parse_answer(&padded, kind, n), &parsed);
    if text.chars().count() <= 64 {
        prop_assert_eq!(
            &learn::parse_answer(&text.to_ascii_uppercase(), kind, n),
            &parsed
        );
        prop_assert_eq!(&learn::parse_answer(&full_width(text), kind, n), &parsed);
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_answer_never_panics_and_accepts_only_real_options(
        text in typed_text(),
        kind in kind(),
        n in prop_oneof![2usize..=8, Just(0usize), Just(1usize), 9usize..100],
    ) {
        check_parse(&text, kind, n)?;
    }

    #[test]
    fn parse_answer_reads_every_spelling_of_a_valid_answer(
        (n, bits) in (2usize..=8).prop_flat_map(|n| (Just(n), 1u16..(1u16 << n))),
        seps in proptest::collection::vec(
            select(vec!["", " ", ",", "，", "、", ";", "；", "/", "和", " , "]), 8),
        prefix in select(vec!["", "答案：", "答案:", "答案 ", "我选", "选", "答案是", "选项"]),
        suffix in select(vec!["", "。", ".", "!"]),
        lower in any::<bool>(),
        wide in any::<bool>(),
    ) {
        let set = OptionSet(bits as u8);
        let mut body = String::new();
        for (k, i) in set.iter().enumerate() {
            if k > 0 {
                body.push_str(seps[k % seps.len()]);
            }
            body.push(tutor::bank::letter(i));
        }
        if lower {
            body = body.to_lowercase();
        }
        if wide {
            body = full_width(&body);
        }
        let text = format!("{prefix}{body}{suffix}");
        prop_assert_eq!(
            learn::parse_answer(&text, Kind::Multi, n),
            Parsed::Answer(Response::Choice(set)),
            "{}", text
        );
    }

    #[test]
    fn parse_answer_reads_every_true_false_word(
        word in select(vec![
            ("对", true), ("√", true), ("✓", true), ("✔", true), ("正确", true), ("是", true),
            ("T", true), ("true", true), ("Yes", true), ("y", true), ("对的", true),
            ("错", false), ("×", false), ("✗", false), ("✘", false), ("错误", false),
            ("否", false), ("不对", false), ("F", false), ("FALSE", false), ("no", false),
            ("n", false), ("不正确", false),
        ]),
        wide in any::<bool>(),
        suffix in select(vec!["", "。", "!"]),
    ) {
        let (w, value) = word;
        let w = if wide { full_width(w) } else { w.to_owned() };
        let text = format!("{w}{suffix}");
        prop_assert_eq!(
            learn::parse_answer(&text, Kind::Judge, 0),
            Parsed::Answer(Response::Judge(value)),
            "{}", text
        );
    }
}

// ----- the callback codec ----------------------------------------------------------------

fn valid_id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,24}"
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (valid_id(), 0u8..8).prop_map(|(question, index)| Action::Answer { question, index }),
        (valid_id(), 0u8..8).prop_map(|(question, index)| Action::Toggle { question, index }),
        valid_id().prop_map(|question| Action::Submit { question }),
        Just(Action::Next(NextScope::All)),
        Just(Action::Next(NextScope::Review)),
        any::<u8>().prop_map(|c| Action::Next(NextScope::Chapter(c))),
        valid_id().prop_map(|section| Action::Read { section }),
        (any::<u8>(), any::<u16>()).prop_map(|(chapter, index)| Action::Page { chapter, index }),
        Just(Action::Subscribe),
        any::<bool>().prop_map(|confirm| Action::Forget { confirm }),
    ]
}

/// Callback data as a client could send it: anything, or almost valid.
fn callback_data() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..=80)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        "[0-9a-z:_+-]{0,70}",
        "[012]:[atsnrpdfz]:[a-z0-9:-]{0,30}",
        (action(), 0usize..4, "[0-9a-z:]{0,3}").prop_map(|(a, cut, junk)| {
            let mut s = a.encode();
            for _ in 0..cut {
                s.pop();
            }
            s.push_str(&junk);
            s
        }),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn codec_round_trips_every_action_within_64_bytes(a in action()) {
        let data = a.encode();
        prop_assert!(data.len() <= MAX_BYTES, "{} bytes: {}", data.len(), data);
        prop_assert!(data.is_ascii());
        prop_assert_eq!(Action::decode(&data), Ok(a));
    }

    #[test]
    fn codec_decode_never_panics_and_is_canonical(data in callback_data()) {
        if let Ok(a) = Action::decode(&data) {
            let again = a.encode();
            prop_assert!(again.len() <= MAX_BYTES);
            prop_assert_eq!(Action::decode(&again), Ok(a.clone()));
            // Ids out of callback data are always the bank's alphabet.
            let id = match &a {
                Action::Answer { question, .. }
                | Action::Toggle { question, .. }
                | Action::Submit { question } => Some(question),
                Action::Read { section } => Some(section),
                _ => None,
            };
            if let Some(id) = id {
                prop_assert!(!id.is_empty() && id.len() <= 24);
                prop_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            }
        }
    }
}

// ----- the content loader ----------------------------------------------------------------

/// The mutation base: chapter 1 of the test bank (three questions, one per kind).
const BASE: &str = include_str!("fixtures/bank/ch01.toml");

/// Strips tags and decodes the entities `render` produces: the text Telegram counts.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// What `from_sources` returned must be sound.
fn check_bank(files: &[(String, String)]) -> Result<(), TestCaseError> {
    match Bank::from_sources(files, false) {
        Err(e) => {
            prop_assert!(e.0.iter().any(|d| d.severity == Severity::Error));
            for d in &e.0 {
                prop_assert!(!d.message.is_empty());
                let text = files.iter().find(|(name, _)| *name == d.file);
                prop_assert!(text.is_some(), "diagnostic for an unknown file: {}", d);
                if let (Some((l, c)), Some((_, text))) = (d.line, text) {
                    prop_assert!(l >= 1 && c >= 1, "{}", d);
                    prop_assert!(l <= text.lines().count() + 1, "{}", d);
                }
                prop_assert!(!d.to_string().is_empty());
            }
        }
        Ok((bank, _warnings)) => {
            let mut rng = rand::rngs::StdRng::seed_from_u64(1);
            let mut ids = std::collections::HashSet::new();
            let mut chapters: Vec<u8> = bank.chapters().iter().map(|c| c.number).collect();
            let sorted = {
                let mut s = chapters.clone();
                s.sort();
                s.dedup();
                s
            };
            prop_assert_eq!(&chapters, &sorted, "chapters unique and in order");
            chapters.dedup();
            for q in bank.questions() {
                prop_assert!(ids.insert(q.id.clone()), "duplicate id {}", q.id);
                prop_assert!(bank.question(&q.id).is_some());
                prop_assert!(bank.chapter(q.chapter).is_some());
                prop_assert!(q.options.len() <= MAX_OPTIONS);
                match (q.kind, q.key) {
                    (Kind::Judge, Key::Judge(_)) => prop_assert!(q.options.is_empty()),
                    (Kind::Single, Key::Choice(s)) => prop_assert_eq!(s.len(), 1),
                    (Kind::Multi, Key::Choice(s)) => prop_assert!(s.len() >= 2),
                    (k, key) => prop_assert!(false, "{:?} with key {:?}", k, key),
                }
                if let Key::Choice(s) = q.key {
                    prop_assert!(s.iter().all(|i| i < q.options.len()));
                }
                for s in &q.sections {
                    prop_assert!(bank.section(s).is_some(), "unknown section {}", s);
                }
                // Every card, button and verdict fits Telegram.
                let p = Presentation::new(q, &mut rng);
                for lang in [Lang::Zh, Lang::En] {
                    let line = study::GroupLine {
                        limit_secs: 600,
                        answered: 9999,
                    };
                    let card = render::html(&study::card(q, &p, lang, Front::Chat, Some(&line)));
                    prop_assert!(
                        visible(&card).chars().count() <= render::MESSAGE_LIMIT,
                        "card of {} too long",
                        q.id
                    );
                    let given = match q.kind {
                        Kind::Judge => Response::Judge(false),
                        _ => Response::Choice(OptionSet(((1u16 << p.order().len()) - 1) as u8)),
                    };
                    let v = learn::grade(q, &p, given);
                    let verdict = render::html(&study::verdict(&bank, q, &p, &v, None, lang));
                    prop_assert!(
                        visible(&verdict).chars().count() <= render::MESSAGE_LIMIT,
                        "verdict of {} is {} characters",
                        q.id,
                        visible(&verdict).chars().count()
                    );
                }
                let kb = render::keyboard(&study::card_buttons(q, &p, OptionSet::EMPTY, Lang::En));
                for row in &kb.inline_keyboard {
                    for b in row {
                        if let teloxide::types::InlineKeyboardButtonKind::CallbackData(d) = &b.kind
                        {
                            prop_assert!(d.len() <= MAX_BYTES, "{} bytes: {}", d.len(), d);
                            prop_assert!(Action::decode(d).is_ok(), "{}", d);
                        }
                    }
                }
            }
            let _ = bank.to_json();
            let _ = bank.overview();
        }
    }
    Ok(())
}

/// A line-level edit of a TOML text.
#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    InsertLine(usize, String),
    ReplaceChar(usize, char),
    Truncate(usize),
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "[chapter]",
            "[[sections]]",
            "[[questions]]",
            "number = 0",
            "number = 9",
            "number = -1",
            "number = 256",
            "number = 1.5",
            "number = \"1\"",
            "kind = \"multi\"",
            "kind = \"single\"",
            "kind = \"judge\"",
            "kind = \"essay\"",
            "answer = \"Z\"",
            "answer = \"\"",
            "answer = \"ABCDEFGH\"",
            "answer = \"对\"",
            "answer = 1",
            "options = []",
            "options = [\"\"]",
            "options = [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]",
            "id = \"e1-q01\"",
            "id = \"e1-s01\"",
            "id = \"\"",
            "id = \"题目\"",
            "sections = []",
            "sections = [\"nope\"]",
            "shuffle = \"yes\"",
            "shuffle = false",
            "source = \"other\"",
            "text = \"\"",
            "stem = \"\"",
            "explanation = \"\"",
            "\"\"\"",
            "'''",
            "[",
            "]",
            "=",
            "\\",
            "title = \"\u{202E}\u{0}<b>&\"",
            "x = { y = [1, [2, [3]]] }",
            "a.b.c = 1",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,40}",
        (
            select(vec!["stem", "explanation", "text", "title"]),
            1usize..6000
        )
            .prop_map(|(k, n)| format!("{k} = \"{}\"", "长".repeat(n))),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), fragment()).prop_map(|(a, f)| Edit::InsertLine(a, f)),
        (any::<usize>(), any::<char>()).prop_map(|(a, c)| Edit::ReplaceChar(a, c)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for e in edits {
        let n = lines.len().max(1);
        match e {
            Edit::DeleteLine(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) if !lines.is_empty() => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Edit::InsertLine(i, f) => lines.insert(i % (lines.len() + 1), f.clone()),
            Edit::ReplaceChar(i, c) => {
                let mut all: Vec<char> = lines.join("\n").chars().collect();
                if !all.is_empty() {
                    let k = i % all.len();
                    all[k] = *c;
                }
                lines = all
                    .iter()
                    .collect::<String>()
                    .lines()
                    .map(str::to_owned)
                    .collect();
            }
            Edit::Truncate(i) => {
                let all: Vec<char> = lines.join("\n").chars().collect();
                let keep = if all.is_empty() { 0 } else { i % all.len() };
                lines = all[..keep]
                    .iter()
                    .collect::<String>()
                    .lines()
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// Random but well-formed TOML with the bank's shape and random values.
fn toml_value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[\\p{Han}a-z，。（）　 ]{1,30}",
        1 => Just(String::new()),
        1 => "\\PC{0,20}",
        1 => (1usize..5000).prop_map(|n| "字".repeat(n)),
        1 => Just("<b>&amp;</b>\u{202E}\u{200B}".to_owned()),
    ]
}

fn id_pool() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec!["c1-s01", "c1-s02", "c2-s01", "c1-q01", "c1-q02", "c1-q03", "c2-q01"])
            .prop_map(str::to_owned),
        1 => "[a-z0-9_-]{0,30}",
        1 => "\\PC{0,8}",
    ]
}

#[derive(Debug, Clone)]
struct GenQuestion {
    id: Option<String>,
    kind: Option<String>,
    stem: Option<String>,
    options: Option<Vec<String>>,
    answer: Option<String>,
    explanation: Option<String>,
    sections: Option<Vec<String>>,
    source: Option<String>,
    shuffle: Option<bool>,
}

/// A question that is mostly right: the kind, options and answer agree.
fn coherent_question() -> impl Strategy<Value = GenQuestion> {
    (
        "c[1-3]-q[0-9]{2}",
        0usize..3,
        2usize..=8,
        any::<u8>(),
        toml_value_text(),
        toml_value_text(),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(id, kind, n, bits, stem, explanation, shuffle)| {
            let letters = |set: u8| -> String {
                (0..n)
                    .filter(|i| set & (1 << i) != 0)
                    .map(tutor::bank::letter)
                    .collect()
            };
            let (kind, options, answer) = match kind {
                0 => ("single", n, letters(1 << (bits as usize % n))),
                1 => ("multi", n, letters(bits | 0b11)),
                _ => (
                    "judge",
                    0,
                    if bits % 2 == 0 { "对" } else { "错" }.to_owned(),
                ),
            };
            GenQuestion {
                id: Some(id),
                kind: Some(kind.to_owned()),
                stem: Some(if stem.is_empty() {
                    "题".to_owned()
                } else {
                    stem
                }),
                options: (options > 0).then(|| (0..options).map(|i| format!("选项{i}")).collect()),
                answer: Some(answer),
                explanation: Some(if explanation.is_empty() {
                    "解".to_owned()
                } else {
                    explanation
                }),
                sections: Some(vec!["c1-s01".to_owned()]),
                source: Some("authored".to_owned()),
                shuffle,
            }
        })
}

fn gen_question() -> impl Strategy<Value = GenQuestion> {
    prop_oneof![2 => coherent_question(), 1 => random_question()]
}

fn random_question() -> impl Strategy<Value = GenQuestion> {
    (
        (
            proptest::option::weighted(0.95, id_pool()),
            proptest::option::weighted(
                0.95,
                select(vec!["single", "multi", "judge", "essay", ""]).prop_map(str::to_owned),
            ),
            proptest::option::weighted(0.95, toml_value_text()),
            proptest::option::weighted(0.8, proptest::collection::vec(toml_value_text(), 0..10)),
            proptest::option::weighted(
                0.95,
                prop_oneof![
                    "[A-J]{1,4}",
                    Just("对".to_owned()),
                    Just("错".to_owned()),
                    "\\PC{0,3}"
                ],
            ),
        ),
        (
            proptest::option::weighted(0.95, toml_value_text()),
            proptest::option::weighted(0.95, proptest::collection::vec(id_pool(), 0..3)),
            proptest::option::weighted(
                0.95,
                select(vec!["seed", "authored", "other"]).prop_map(str::to_owned),
            ),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((id, kind, stem, options, answer), (explanation, sections, source, shuffle))| {
                GenQuestion {
                    id,
                    kind,
                    stem,
                    options,
                    answer,
                    explanation,
                    sections,
                    source,
                    shuffle,
                }
            },
        )
}

fn gen_file() -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => 1i64..=3, 1 => any::<i64>(), 1 => Just(0i64), 1 => Just(256i64)],
        toml_value_text(),
        proptest::collection::vec((id_pool(), toml_value_text(), toml_value_text()), 0..3),
        proptest::collection::vec(gen_question(), 0..6),
    )
        .prop_map(|(number, title, sections, questions)| {
            let mut doc = toml::Table::new();
            let mut chapter = toml::Table::new();
            chapter.insert("number".into(), toml::Value::Integer(number));
            chapter.insert("title".into(), toml::Value::String(title));
            doc.insert("chapter".into(), toml::Value::Table(chapter));
            let sections: Vec<toml::Value> = std::iter::once((
                "c1-s01".to_owned(),
                "一、节".to_owned(),
                "正文。".to_owned(),
            ))
            .chain(sections)
            .map(|(id, title, text)| {
                let mut t = toml::Table::new();
                t.insert("id".into(), toml::Value::String(id));
                t.insert("title".into(), toml::Value::String(title));
                t.insert("text".into(), toml::Value::String(text));
                toml::Value::Table(t)
            })
            .collect();
            doc.insert("sections".into(), toml::Value::Array(sections));
            let questions: Vec<toml::Value> = questions
                .into_iter()
                .map(|q| {
                    let mut t = toml::Table::new();
                    let s = toml::Value::String;
                    let list = |v: Vec<String>| toml::Value::Array(v.into_iter().map(s).collect());
                    if let Some(v) = q.id {
                        t.insert("id".into(), s(v));
                    }
                    if let Some(v) = q.kind {
                        t.insert("kind".into(), s(v));
                    }
                    if let Some(v) = q.stem {
                        t.insert("stem".into(), s(v));
                    }
                    if let Some(v) = q.options {
                        t.insert("options".into(), list(v));
                    }
                    if let Some(v) = q.answer {
                        t.insert("answer".into(), s(v));
                    }
                    if let Some(v) = q.explanation {
                        t.insert("explanation".into(), s(v));
                    }
                    if let Some(v) = q.sections {
                        t.insert("sections".into(), list(v));
                    }
                    if let Some(v) = q.source {
                        t.insert("source".into(), s(v));
                    }
                    if let Some(v) = q.shuffle {
                        t.insert("shuffle".into(), toml::Value::Boolean(v));
                    }
                    toml::Value::Table(t)
                })
                .collect();
            doc.insert("questions".into(), toml::Value::Array(questions));
            toml::to_string(&doc).expect("a table serializes")
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bank_loader_survives_arbitrary_text(
        files in proptest::collection::vec(any::<String>(), 1..3),
    ) {
        let files: Vec<(String, String)> = files
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("ch{i}.toml"), t))
            .collect();
        check_bank(&files)?;
    }

    #[test]
    fn bank_loader_survives_mutated_banks(
        edits in proptest::collection::vec(edit(), 1..6),
        second in proptest::option::of(proptest::collection::vec(edit(), 0..4)),
    ) {
        let mut files = vec![("ch01.toml".to_string(), apply(BASE, &edits))];
        if let Some(more) = second {
            let other = BASE.replace("number = 1", "number = 2").replace("e1-", "e2-");
            files.push(("ch02.toml".to_string(), apply(&other, &more)));
        }
        check_bank(&files)?;
    }

    #[test]
    fn bank_loader_survives_random_well_formed_toml(
        files in proptest::collection::vec(gen_file(), 1..3),
    ) {
        let files: Vec<(String, String)> = files
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("ch{i}.toml"), t))
            .collect();
        check_bank(&files)?;
    }
}

/// The generators reach the loader's success path too, not only its errors.
#[test]
fn the_generators_produce_some_valid_banks() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut ok = 0;
    let n = 300;
    for _ in 0..n {
        let text = gen_file().new_tree(&mut runner).unwrap().current();
        if Bank::from_sources(&[("ch.toml".to_string(), text)], false).is_ok() {
            ok += 1;
        }
    }
    let edits = proptest::collection::vec(edit(), 1..3);
    let mut mutated_ok = 0;
    for _ in 0..n {
        let e = edits.new_tree(&mut runner).unwrap().current();
        let files = vec![("ch01.toml".to_string(), apply(BASE, &e))];
        if Bank::from_sources(&files, false).is_ok() {
            mutated_ok += 1;
        }
    }
    eprintln!("valid banks: {ok}/{n} generated, {mutated_ok}/{n} mutated");
    assert!(ok * 10 >= n, "only {ok} of {n} generated banks load");
    assert!(
        mutated_ok * 20 >= n,
        "only {mutated_ok} of {n} mutated banks load"
    );
}

#[test]
fn the_mutation_base_is_a_valid_bank() {
    let files = vec![("ch01.toml".to_string(), BASE.to_string())];
    let (bank, _) = Bank::from_sources(&files, false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bank.questions().len(), 3);
}
