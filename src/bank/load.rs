//! Parsing the TOML files and validating them, with `file:line:col` for every problem.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{
    BankError, Blueprint, BlueprintPart, Chapter, Key, Kind, MAX_OPTIONS, OptionSet, Question,
    Section, Source,
};

/// Telegram's message limit, in characters.
const MESSAGE_LIMIT: usize = 4096;
/// Room kept in a card for the header, the answering hint and the group line (the
/// longest, an English multiple-choice group card, takes 131 characters; the
/// fuzz tests render every card of random banks and check it fits).
const CARD_OVERHEAD: usize = 160;
/// The longest option text: a card line, and it must stay readable beside its button.
const MAX_OPTION_CHARS: usize = 300;
/// The longest explanation: a verdict (header, answers, explanation, a 500-character
/// excerpt and its title) then always fits one message.
const MAX_EXPLANATION_CHARS: usize = 2000;
/// The longest section title (shown above excerpts and pages).
const MAX_TITLE_CHARS: usize = 200;

/// What the faulty Traditional→Simplified conversion of the seed left behind, each
/// with what was meant. Most are ordinary words elsewhere (开展活动, 根本原因, 防止事故,
/// 表达意见, 局部地区, 如果……那么), so each is matched in the context the conversion
/// produced it; only words that are never right (效劳, 根底, 臵 …) stand alone.
/// None may appear in the embedded bank.
pub const ARTEFACTS: &[(&str, &str)] = &[
    ("效劳", "服务"),
    ("根底", "基础"),
    ("本钱", "成本"),
    ("最正确", "最佳"),
    ("鼓励机制", "激励机制"),
    ("臵", "置"),
    ("举旗不定", "举棋不定"),
    ("严励", "严厉"),
    ("另其注意", "令其注意"),
    ("根本要求", "基本要求"),
    ("根本需求", "基本需求"),
    ("根本态度", "基本态度"),
    ("根本组成", "基本组成"),
    ("根本价格", "基本价格"),
    ("根本职能", "基本职能"),
    ("根本等同", "基本等同"),
    ("可持续性开展", "可持续性发展"),
    ("进一步开展", "进一步发展"),
    ("稳定开展", "稳定发展"),
    ("职业开展", "职业发展"),
    ("建设的开展", "建设的发展"),
    ("在开展", "在发展"),
    ("良好开展", "良好发展"),
    ("原那么", "原则"),
    ("层那么", "层则"),
    ("不可防止", "不可避免"),
    ("需防止", "需避免"),
    ("防止表达", "避免表现"),
    ("表达在", "体现在"),
    ("精神表达", "精神体现"),
    ("增值局部", "增值部分"),
    ("关联的局部", "关联的部分"),
    ("平安需求", "安全需求"),
    ("平安保障", "安全保障"),
    ("平安性", "安全性"),
    ("购置的决策", "购买的决策"),
    ("购置一个", "购买一个"),
    ("购置意愿", "购买意愿"),
    ("购置能力", "购买能力"),
    ("购置了", "购买了"),
    ("产品比照", "产品对比"),
    ("比照实物", "对比实物"),
    ("知识“储藏", "知识“储备"),
    ("知识储藏", "知识储备"),
    ("、化装", "、化妆"),
    ("化装和", "化妆和"),
    ("TOP着装", "TPO着装"),
    ("TOP原", "TPO原"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in a bank, with its place when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub line: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {level}: {}", self.file, self.message),
            None => write!(f, "{}: {level}: {}", self.file, self.message),
        }
    }
}

/// Reads every `*.toml` file of `dir`, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, BankError> {
    let fail = |msg: String| {
        BankError(vec![Diagnostic {
            severity: Severity::Error,
            file: dir.display().to_string(),
            line: None,
            message: msg,
        }])
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read directory: {e}")))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(fail("no *.toml files in this directory".into()));
    }
    let mut files = Vec::with_capacity(paths.len());
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::read(&p) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((p.display().to_string(), text)),
                Err(e) => errors.push(Diagnostic {
                    severity: Severity::Error,
                    file: p.display().to_string(),
                    line: None,
                    message: format!("not valid UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
                }),
            },
            Err(e) => errors.push(Diagnostic {
                severity: Severity::Error,
                file: p.display().to_string(),
                line: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(BankError(errors))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    chapter: Option<Spanned<RawChapter>>,
    #[serde(default)]
    sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
    /// The bank's mock-exam blueprint (at most one file declares it).
    exam: Option<Spanned<RawExam>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExam {
    minutes: Spanned<i64>,
    pass: Spanned<i64>,
    points: Option<Spanned<RawPoints>>,
    chapters: Spanned<Vec<Spanned<RawExamChapter>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoints {
    single: Option<Spanned<i64>>,
    multi: Option<Spanned<i64>>,
    judge: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExamChapter {
    chapter: Spanned<i64>,
    single: Option<Spanned<i64>>,
    multi: Option<Spanned<i64>>,
    judge: Option<Spanned<i64>>,
}

/// The most minutes a blueprint may give (ten hours).
const MAX_EXAM_MINUTES: i64 = 600;
/// The most questions on a paper: its answer sheet is one keyboard (Telegram allows
/// 100 buttons; the sheet keeps room for ‹ › and 交卷).
pub const MAX_EXAM_QUESTIONS: u32 = 90;
/// The most points one question may carry.
const MAX_POINTS: i64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChapter {
    number: Spanned<i64>,
    title: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    waive: Option<Spanned<HashMap<String, String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    kind: Spanned<String>,
    stem: Spanned<String>,
    options: Option<Spanned<Vec<Spanned<String>>>>,
    answer: Spanned<String>,
    explanation: Spanned<String>,
    sections: Spanned<Vec<Spanned<String>>>,
    source: Spanned<String>,
    shuffle: Option<bool>,
    /// Lints this question is known to trip, each with the reason it stands.
    #[serde(default)]
    waive: Option<Spanned<HashMap<String, String>>>,
}

/// Where an id is defined, and the lints it waives (lint → whether a finding used it).
struct Place {
    file: String,
    line: (usize, usize),
    waived: HashMap<String, bool>,
}

/// Records the waivers of `id`; an unknown lint or an empty reason is an error.
fn waivers(
    r: &mut Reporter,
    waive: &Option<Spanned<HashMap<String, String>>>,
) -> HashMap<String, bool> {
    let mut out = HashMap::new();
    if let Some(w) = waive {
        for (lint, reason) in w.get_ref() {
            if !super::lint::LINTS.iter().any(|(name, _)| name == lint) {
                let known: Vec<&str> = super::lint::LINTS.iter().map(|(n, _)| *n).collect();
                r.error(
                    w.span(),
                    format!(
                        "unknown lint `{lint}` in waive (known: {})",
                        known.join(", ")
                    ),
                );
            } else if reason.trim().is_empty() {
                r.error(w.span(), format!("the waiver of `{lint}` gives no reason"));
            } else {
                out.insert(lint.clone(), false);
            }
        }
    }
    out
}

/// Collects diagnostics for one file, turning byte spans into line and column.
struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Reporter<'_> {
    fn at(&mut self, severity: Severity, span: Option<Range<usize>>, message: impl Into<String>) {
        let line = span.map(|s| line_col(self.text, s.start));
        self.diags.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            line,
            message: message.into(),
        });
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.at(Severity::Error, Some(span), message);
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn non_empty(r: &mut Reporter, what: &str, s: &Spanned<String>) -> String {
    let v = s.get_ref().trim();
    if v.is_empty() {
        r.error(s.span(), format!("{what} is empty"));
    }
    v.to_string()
}

/// A section id used by a question: (file, line and column, id).
type SectionRef = (String, Option<(usize, usize)>, String);

/// Parses all files and validates the whole bank.
pub fn parse_and_validate(
    files: &[(String, String)],
    strict: bool,
) -> (
    Vec<Chapter>,
    Vec<Question>,
    Option<Blueprint>,
    Vec<Diagnostic>,
) {
    // Strict: conversion artefacts and the lints' findings are errors.
    let lints = if strict {
        Severity::Error
    } else {
        Severity::Warning
    };
    let mut diags = Vec::new();
    let mut chapters = Vec::new();
    let mut questions = Vec::new();
    // id → (file, line) of its first definition, across all files.
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    let mut chapter_numbers: HashMap<u8, String> = HashMap::new();
    // Section references are checked once every file is read.
    let mut refs: Vec<SectionRef> = Vec::new();
    let mut section_ids: HashSet<String> = HashSet::new();
    let mut places: HashMap<String, Place> = HashMap::new();
    // The `[exam]` table: (file, text, table), from the first file that declares one.
    let mut exam: Option<(&String, &String, Spanned<RawExam>)> = None;

    for (file, text) in files {
        let mut r = Reporter {
            file,
            text,
            diags: &mut diags,
        };
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let msg = e.message().trim().to_string();
                r.at(Severity::Error, e.span(), msg);
                continue;
            }
        };
        if strict {
            for (word, meant) in ARTEFACTS {
                for (pos, _) in text.match_indices(word) {
                    r.error(
                        pos..pos + word.len(),
                        format!("conversion artefact `{word}`: write `{meant}`"),
                    );
                }
            }
        }

        if let Some(e) = raw.exam {
            match &exam {
                Some((first, _, _)) => r.error(
                    e.span(),
                    format!("a second [exam] blueprint (the first is in {first})"),
                ),
                None => exam = Some((file, text, e)),
            }
        }
        let Some(raw_chapter) = raw.chapter else {
            if !raw.sections.is_empty() || !raw.questions.is_empty() {
                r.at(
                    Severity::Error,
                    None,
                    "sections and questions need a [chapter] table in their file",
                );
            } else if exam.as_ref().is_none_or(|(f, _, _)| *f != file) {
                r.at(
                    Severity::Error,
                    None,
                    "expected a [chapter] table (a chapter) or an [exam] table (the mock-exam blueprint)",
                );
            }
            continue;
        };
        let chapter_span = raw_chapter.span();
        let rc = raw_chapter.into_inner();
        let number = match u8::try_from(*rc.number.get_ref()) {
            Ok(n) if (1..=99).contains(&n) => n,
            _ => {
                r.error(rc.number.span(), "chapter number must be between 1 and 99");
                0
            }
        };
        if number != 0 {
            let place = format!("{file}:{}", line_col(text, chapter_span.start).0);
            if let Some(first) = chapter_numbers.insert(number, place) {
                r.error(
                    rc.number.span(),
                    format!("duplicate chapter number {number} (also at {first})"),
                );
            }
        }
        let title = non_empty(&mut r, "chapter title", &rc.title);

        let mut claim = |r: &mut Reporter, id: &Spanned<String>, what: &str| -> bool {
            let v = id.get_ref().trim();
            if v.is_empty() {
                r.error(id.span(), format!("{what} id is empty"));
                return false;
            }
            if !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                r.error(
                    id.span(),
                    format!("{what} id `{v}` may use only A-Z a-z 0-9 - _"),
                );
                return false;
            }
            if v.len() > 24 {
                r.error(
                    id.span(),
                    format!("{what} id `{v}` is longer than 24 bytes"),
                );
                return false;
            }
            let place = format!("{}:{}", r.file, line_col(r.text, id.span().start).0);
            if let Some(first) = seen_ids.get(v) {
                r.error(
                    id.span(),
                    format!("duplicate id `{v}` (first defined at {first})"),
                );
                return false;
            }
            seen_ids.insert(v.to_string(), place);
            true
        };

        if raw.sections.is_empty() {
            r.error(chapter_span.clone(), "chapter has no [[sections]]");
        }
        let mut sections = Vec::new();
        for s in &raw.sections {
            let at = line_col(text, s.span().start);
            let s = s.get_ref();
            claim(&mut r, &s.id, "section");
            let waived = waivers(&mut r, &s.waive);
            places.insert(
                s.id.get_ref().trim().to_string(),
                Place {
                    file: file.clone(),
                    line: at,
                    waived,
                },
            );
            section_ids.insert(s.id.get_ref().trim().to_string());
            if s.title.get_ref().encode_utf16().count() > MAX_TITLE_CHARS {
                r.error(
                    s.title.span(),
                    format!("section title is longer than {MAX_TITLE_CHARS} characters"),
                );
            }
            sections.push(Section {
                id: s.id.get_ref().trim().to_string(),
                title: non_empty(&mut r, "section title", &s.title),
                text: non_empty(&mut r, "section text", &s.text),
            });
        }

        for q in &raw.questions {
            let qspan = q.span();
            let q = q.get_ref();
            claim(&mut r, &q.id, "question");
            let id = q.id.get_ref().trim().to_string();
            let waived = waivers(&mut r, &q.waive);
            places.insert(
                id.clone(),
                Place {
                    file: file.clone(),
                    line: line_col(text, qspan.start),
                    waived,
                },
            );
            let kind = match q.kind.get_ref().as_str() {
                "single" => Kind::Single,
                "multi" => Kind::Multi,
                "judge" => Kind::Judge,
                other => {
                    r.error(
                        q.kind.span(),
                        format!("unknown kind `{other}`: expected single, multi or judge"),
                    );
                    continue;
                }
            };
            let stem = non_empty(&mut r, "stem", &q.stem);
            let explanation = non_empty(&mut r, "explanation", &q.explanation);
            if explanation.encode_utf16().count() > MAX_EXPLANATION_CHARS {
                r.error(
                    q.explanation.span(),
                    format!(
                        "explanation is {} characters; at most {MAX_EXPLANATION_CHARS} keep a verdict in one message",
                        explanation.encode_utf16().count()
                    ),
                );
            }
            let source = match q.source.get_ref().as_str() {
                "seed" => Source::Seed,
                "authored" => Source::Authored,
                other => {
                    r.error(
                        q.source.span(),
                        format!("unknown source `{other}`: expected seed or authored"),
                    );
                    Source::Authored
                }
            };
            let mut options = Vec::new();
            if let Some(opts) = &q.options {
                for o in opts.get_ref() {
                    let t = non_empty(&mut r, "option", o);
                    if t.encode_utf16().count() > MAX_OPTION_CHARS {
                        r.error(
                            o.span(),
                            format!(
                                "option is {} characters; at most {MAX_OPTION_CHARS} fit a card line",
                                t.encode_utf16().count()
                            ),
                        );
                    }
                    options.push(t);
                }
            }
            let answer = q.answer.get_ref().trim();
            let key = match kind {
                Kind::Judge => {
                    if let Some(opts) = &q.options {
                        r.error(opts.span(), "a judge question has no options");
                    }
                    match answer {
                        "对" => Key::Judge(true),
                        "错" => Key::Judge(false),
                        _ => {
                            r.error(
                                q.answer.span(),
                                format!("judge answer must be 对 or 错, not `{answer}`"),
                            );
                            continue;
                        }
                    }
                }
                Kind::Single | Kind::Multi => {
                    let Some(opts) = &q.options else {
                        r.error(
                            qspan.clone(),
                            format!("{} question `{id}` has no options", q.kind.get_ref()),
                        );
                        continue;
                    };
                    if options.len() < 2 {
                        r.error(opts.span(), "a choice question needs at least 2 options");
                    }
                    if options.len() > MAX_OPTIONS {
                        r.error(
                            opts.span(),
                            format!(
                                "{} options: at most {MAX_OPTIONS} (A–H) fit the button row",
                                options.len()
                            ),
                        );
                        continue;
                    }
                    let mut set = OptionSet::EMPTY;
                    let mut bad = false;
                    for ch in answer.chars() {
                        let idx = (ch as u32).wrapping_sub('A' as u32) as usize;
                        if !ch.is_ascii_uppercase() || idx >= options.len() {
                            r.error(
                                q.answer.span(),
                                format!(
                                    "answer key `{ch}` is not among the options (A–{})",
                                    super::letter(options.len().saturating_sub(1))
                                ),
                            );
                            bad = true;
                            break;
                        }
                        set.insert(idx);
                    }
                    if bad {
                        continue;
                    }
                    match (kind, set.len()) {
                        (Kind::Single, 1) => {}
                        (Kind::Single, n) => {
                            r.error(
                                q.answer.span(),
                                format!("a single question has exactly 1 answer, not {n}"),
                            );
                        }
                        (Kind::Multi, n) if n < 2 => {
                            r.error(
                                q.answer.span(),
                                format!("a multi question has at least 2 answers, not {n}"),
                            );
                        }
                        _ => {}
                    }
                    Key::Choice(set)
                }
            };
            let mut linked = Vec::new();
            if q.sections.get_ref().is_empty() {
                r.error(q.sections.span(), "question links no section");
            }
            for s in q.sections.get_ref() {
                let sid = s.get_ref().trim().to_string();
                refs.push((
                    file.clone(),
                    Some(line_col(text, s.span().start)),
                    sid.clone(),
                ));
                linked.push(sid);
            }
            // Telegram counts UTF-16 units.
            let card_len = stem.encode_utf16().count()
                + options
                    .iter()
                    .map(|o| o.encode_utf16().count() + 4)
                    .sum::<usize>()
                + CARD_OVERHEAD;
            if card_len > MESSAGE_LIMIT {
                r.error(
                    qspan.clone(),
                    format!("card of `{id}` is {card_len} characters; a Telegram message holds {MESSAGE_LIMIT}"),
                );
            }
            questions.push(Question {
                id,
                chapter: number,
                kind,
                stem,
                options,
                key,
                explanation,
                sections: linked,
                source,
                shuffle: q.shuffle.unwrap_or(true),
            });
        }
        chapters.push(Chapter {
            number,
            title,
            sections,
        });
    }

    for (file, line, sid) in refs {
        if !section_ids.contains(&sid) {
            diags.push(Diagnostic {
                severity: Severity::Error,
                file,
                line,
                message: format!("unknown section `{sid}`"),
            });
        }
    }
    if files.is_empty() {
        diags.push(Diagnostic {
            severity: Severity::Error,
            file: "<bank>".into(),
            line: None,
            message: "no content files".into(),
        });
    }
    if !diags.iter().any(|d| d.severity == Severity::Error) {
        lint_diagnostics(&chapters, &questions, &mut places, lints, &mut diags);
    }
    let blueprint = exam.and_then(|(file, text, raw)| {
        let mut r = Reporter {
            file,
            text,
            diags: &mut diags,
        };
        blueprint(&mut r, raw.into_inner(), &chapters, &questions)
    });
    (chapters, questions, blueprint, diags)
}

/// A number of a blueprint in `range`, or an error at its place.
fn in_range(
    r: &mut Reporter,
    v: &Spanned<i64>,
    range: std::ops::RangeInclusive<i64>,
    what: &str,
) -> Option<u32> {
    match u32::try_from(*v.get_ref()) {
        Ok(n) if range.contains(v.get_ref()) => Some(n),
        _ => {
            r.error(
                v.span(),
                format!(
                    "{what} must be between {} and {}",
                    range.start(),
                    range.end()
                ),
            );
            None
        }
    }
}

/// Validates the `[exam]` table against the bank: chapters that exist, no more
/// questions of a kind than a chapter has, a pass mark the paper can reach.
fn blueprint(
    r: &mut Reporter,
    raw: RawExam,
    chapters: &[Chapter],
    questions: &[Question],
) -> Option<Blueprint> {
    let errors_before = r.diags.len();
    let minutes = in_range(r, &raw.minutes, 1..=MAX_EXAM_MINUTES, "exam minutes");
    let d = super::DEFAULT_POINTS;
    let mut points = d;
    if let Some(p) = &raw.points {
        let p = p.get_ref();
        for (v, slot, kind) in [
            (&p.single, &mut points.single, "single"),
            (&p.multi, &mut points.multi, "multi"),
            (&p.judge, &mut points.judge, "judge"),
        ] {
            if let Some(v) = v {
                *slot = in_range(r, v, 1..=MAX_POINTS, &format!("points for {kind}")).unwrap_or(1);
            }
        }
    }
    let mut parts = Vec::new();
    let mut seen: HashMap<u8, usize> = HashMap::new();
    for c in raw.chapters.get_ref() {
        let c = c.get_ref();
        let Some(number) = in_range(r, &c.chapter, 1..=99, "exam chapter").map(|n| n as u8) else {
            continue;
        };
        if chapters.iter().all(|ch| ch.number != number) {
            r.error(
                c.chapter.span(),
                format!("the bank has no chapter {number}"),
            );
            continue;
        }
        let line = line_col(r.text, c.chapter.span().start).0;
        if let Some(first) = seen.insert(number, line) {
            r.error(
                c.chapter.span(),
                format!("chapter {number} is listed twice (also at line {first})"),
            );
            continue;
        }
        for (v, kind) in [
            (&c.single, Kind::Single),
            (&c.multi, Kind::Multi),
            (&c.judge, Kind::Judge),
        ] {
            let Some(v) = v else { continue };
            let name = format!("{} count", kind_word(kind));
            let Some(count) = in_range(r, v, 0..=i64::from(MAX_EXAM_QUESTIONS), &name) else {
                continue;
            };
            let have = questions
                .iter()
                .filter(|q| q.chapter == number && q.kind == kind)
                .count() as u32;
            if count > have {
                r.error(
                    v.span(),
                    format!(
                        "asks for {count} {} ({}) questions from chapter {number}, which has {have}",
                        kind.label_zh(),
                        kind_word(kind)
                    ),
                );
            } else if count > 0 {
                parts.push(BlueprintPart {
                    chapter: number,
                    kind,
                    count,
                });
            }
        }
    }
    let bp = Blueprint {
        minutes: minutes.unwrap_or(1),
        pass: 0,
        points,
        parts,
    };
    let n = bp.questions();
    if n == 0 && r.diags.len() == errors_before {
        r.error(raw.chapters.span(), "the blueprint asks for no questions");
    } else if n > MAX_EXAM_QUESTIONS {
        r.error(
            raw.chapters.span(),
            format!(
                "the blueprint asks for {n} questions; a paper has at most {MAX_EXAM_QUESTIONS}"
            ),
        );
    }
    let total = bp.total_points();
    let pass = in_range(
        r,
        &raw.pass,
        1..=i64::from(total.max(1)),
        "the pass mark (points)",
    );
    if r.diags.len() > errors_before {
        return None;
    }
    Some(Blueprint {
        pass: pass.unwrap_or(total),
        ..bp
    })
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Single => "single",
        Kind::Multi => "multi",
        Kind::Judge => "judge",
    }
}

/// The lints' findings not waived, then the waivers that waived nothing.
fn lint_diagnostics(
    chapters: &[Chapter],
    questions: &[Question],
    places: &mut HashMap<String, Place>,
    severity: Severity,
    diags: &mut Vec<Diagnostic>,
) {
    for f in super::lint::run(chapters, questions) {
        if let Some(used) = places.get_mut(&f.id).and_then(|p| p.waived.get_mut(f.lint)) {
            *used = true;
            continue;
        }
        let (file, line) = places.get(&f.id).map_or(("<bank>".to_string(), None), |p| {
            (p.file.clone(), Some(p.line))
        });
        diags.push(Diagnostic {
            severity,
            file,
            line,
            message: format!(
                "{} [{}; if it must stay, add waive = {{ {} = \"why\" }}]",
                f.message, f.lint, f.lint
            ),
        });
    }
    let mut unused: Vec<(&String, &Place, &String)> = places
        .iter()
        .flat_map(|(id, p)| {
            p.waived
                .iter()
                .filter(|(_, used)| !**used)
                .map(move |(lint, _)| (id, p, lint))
        })
        .collect();
    unused.sort_by(|a, b| (&a.1.file, a.1.line).cmp(&(&b.1.file, b.1.line)));
    for (id, p, lint) in unused {
        diags.push(Diagnostic {
            severity,
            file: p.file.clone(),
            line: Some(p.line),
            message: format!("`{id}` waives `{lint}`, which it does not trip: remove the waiver"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-question bank with `text` in its section.
    fn bank_with(text: &str) -> String {
        format!(
            "[chapter]\nnumber = 1\ntitle = \"t\"\n[[sections]]\nid = \"c1-s01\"\ntitle = \"s\"\n\
             text = \"{text}\"\n[[questions]]\nid = \"c1-q01\"\nkind = \"judge\"\nstem = \"x\"\n\
             answer = \"对\"\nexplanation = \"y\"\nsections = [\"c1-s01\"]\nsource = \"authored\"\n"
        )
    }

    fn strict_errors(text: &str) -> Vec<String> {
        let (_, _, _, diags) = parse_and_validate(&[("t.toml".into(), bank_with(text))], true);
        diags
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn artefacts_are_found_in_context_and_ordinary_words_pass() {
        for ok in [
            "开展活动，开展工作。",
            "从根本上解决问题，根本原因。",
            "如果双方达成协议，那么称发生了交易。",
            "防止事故发生。",
            "表达意见要清楚。",
            "局部地区。",
            "出入平安。",
            "购置设备。",
            "比照执行。",
        ] {
            assert_eq!(strict_errors(ok), Vec::<String>::new(), "{ok}");
        }
        for (bad, word) in [
            ("客户效劳管理师", "效劳"),
            ("获得可持续性开展的战略", "可持续性开展"),
            ("时间原那么", "原那么"),
            ("冲突是不可防止的", "不可防止"),
            ("优质服务的价值表达在", "表达在"),
            ("产品价值的重要增值局部", "增值局部"),
            ("平安需求", "平安需求"),
            ("消费者在购置的决策中", "购置的决策"),
            ("着装的根本要求", "根本要求"),
            ("注意首饰、化装和鞋袜", "、化装"),
            ("TOP着装理论", "TOP着装"),
        ] {
            let errors = strict_errors(bad);
            assert!(
                errors.iter().any(|e| e.contains(&format!("`{word}`"))),
                "{bad}: {errors:?}"
            );
        }
    }

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\n第一行\nxyz";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 6), (2, 2));
        assert_eq!(line_col(t, 1000), (3, 4));
    }
}
