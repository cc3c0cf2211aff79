//! The question bank: chapters, sections and questions, loaded from TOML and validated.
//!
//! The bank is immutable once loaded. Everything else refers to questions and sections
//! by their string ids, which are stable forever (progress is keyed by them).

pub mod export;
pub mod import;
mod lint;
pub mod search;
pub use lint::letters_named;
mod load;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

pub use load::{Diagnostic, MAX_EXAM_QUESTIONS, Severity};

/// The most options a choice question may have (A–H): one keyboard row, one byte of bits.
pub const MAX_OPTIONS: usize = 8;

/// The kind of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Single,
    Multi,
    Judge,
}

impl Kind {
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Single => "单选",
            Kind::Multi => "多选",
            Kind::Judge => "判断",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Kind::Single => "single choice",
            Kind::Multi => "multiple choice",
            Kind::Judge => "true/false",
        }
    }
}

/// Where a question comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Seed,
    Authored,
}

/// A set of option indices (0 = A), as a bit set. Order never matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct OptionSet(pub u8);

impl OptionSet {
    pub const EMPTY: OptionSet = OptionSet(0);

    pub fn single(index: usize) -> Self {
        debug_assert!(index < MAX_OPTIONS);
        OptionSet(1 << index)
    }

    pub fn contains(self, index: usize) -> bool {
        index < MAX_OPTIONS && self.0 & (1 << index) != 0
    }

    pub fn insert(&mut self, index: usize) {
        if index < MAX_OPTIONS {
            self.0 |= 1 << index;
        }
    }

    pub fn toggle(&mut self, index: usize) {
        if index < MAX_OPTIONS {
            self.0 ^= 1 << index;
        }
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..MAX_OPTIONS).filter(move |&i| self.contains(i))
    }

    pub fn difference(self, other: OptionSet) -> OptionSet {
        OptionSet(self.0 & !other.0)
    }

    pub fn is_subset(self, other: OptionSet) -> bool {
        self.0 & !other.0 == 0
    }

    /// The letters of the set in alphabetical order, e.g. `"BDE"`.
    pub fn letters(self) -> String {
        self.iter().map(letter).collect()
    }
}

/// The letter of option `index` (0 → 'A').
pub fn letter(index: usize) -> char {
    (b'A' + index as u8) as char
}

/// A question's correct answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Choice(OptionSet),
    Judge(bool),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Choice(set) => f.write_str(&set.letters()),
            Key::Judge(true) => f.write_str("对"),
            Key::Judge(false) => f.write_str("错"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub text: String,
}

impl Section {
    /// About `max` characters of the section, cut after a sentence end when there is one.
    pub fn excerpt(&self, max: usize) -> String {
        excerpt(&self.text, max)
    }
}

/// Telegram's measure of a text: UTF-16 code units.
pub fn tg_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Cuts `text` to at most `max` UTF-16 units (Telegram's measure), after the last
/// sentence end (。！？；!? or a paragraph break) in the allowed span; adds "……" when
/// it had to cut mid-sentence.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    if tg_len(text) <= max {
        return text.to_string();
    }
    let mut units = 0;
    let cut: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= max
        })
        .collect();
    let ends = ['。', '！', '？', '；', '!', '?', '\n'];
    match cut.rfind(|c| ends.contains(&c)) {
        Some(pos) if pos >= cut.len() / 3 => {
            let end = pos + cut[pos..].chars().next().map_or(0, char::len_utf8);
            format!("{}……", cut[..end].trim_end())
        }
        _ => format!("{}……", cut.trim_end()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub number: u8,
    pub title: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub chapter: u8,
    pub kind: Kind,
    pub stem: String,
    /// Option texts, keyed A, B, C … by position. Empty for judge questions.
    pub options: Vec<String>,
    pub key: Key,
    pub explanation: String,
    pub sections: Vec<String>,
    pub source: Source,
    pub shuffle: bool,
}

/// Points for a right answer, per kind of question (a mock exam's marking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindPoints {
    pub single: u32,
    pub multi: u32,
    pub judge: u32,
}

impl KindPoints {
    pub fn of(&self, kind: Kind) -> u32 {
        match kind {
            Kind::Single => self.single,
            Kind::Multi => self.multi,
            Kind::Judge => self.judge,
        }
    }
}

/// The points per kind when a blueprint names none: a 多选 is harder to get all right.
pub const DEFAULT_POINTS: KindPoints = KindPoints {
    single: 2,
    multi: 3,
    judge: 2,
};

/// How many questions of one kind a mock exam draws from one chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlueprintPart {
    pub chapter: u8,
    pub kind: Kind,
    pub count: u32,
}

/// A mock exam's blueprint: what a paper is drawn from, its time and its marking.
/// A bank may declare its own (`[exam]`, see docs/content-format.md); otherwise
/// `learn::exam::default_blueprint` makes one from the bank's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blueprint {
    pub minutes: u32,
    /// Points needed to pass.
    pub pass: u32,
    pub points: KindPoints,
    /// Counts per chapter and kind (no two parts for the same pair).
    pub parts: Vec<BlueprintPart>,
}

impl Blueprint {
    /// The number of questions on a paper.
    pub fn questions(&self) -> u32 {
        self.parts.iter().map(|p| p.count).sum()
    }

    /// The points of a paper answered all right.
    pub fn total_points(&self) -> u32 {
        self.parts
            .iter()
            .map(|p| p.count * self.points.of(p.kind))
            .sum()
    }
}

/// A loaded, validated bank.
#[derive(Debug, Clone)]
pub struct Bank {
    chapters: Vec<Chapter>,
    questions: Vec<Question>,
    by_id: HashMap<String, usize>,
    sections: HashMap<String, (usize, usize)>,
    exam: Option<Blueprint>,
}

/// Why a bank could not be loaded: every problem found, each with its place.
#[derive(Debug, thiserror::Error)]
#[error("{}", render_diagnostics(.0))]
pub struct BankError(pub Vec<Diagnostic>);

fn render_diagnostics(diags: &[Diagnostic]) -> String {
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect();
    format!(
        "the question bank has {} error(s):\n{}",
        errors.len(),
        errors.join("\n")
    )
}

/// The bank shipped in the binary: `content/*.toml` at build time.
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_content.rs"));

impl Bank {
    /// The embedded bank. It is checked in tests and at build time, strictly
    /// (conversion artefacts and lints are errors), so failing here is a build defect.
    pub fn embedded() -> Result<Bank, BankError> {
        let files: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(name, text)| (format!("content/{name}"), text.to_string()))
            .collect();
        Self::from_sources(&files, true).map(|(bank, _)| bank)
    }

    /// Loads every `*.toml` file in `dir` (a teacher's own bank).
    /// Returns the bank and any warnings.
    pub fn load_dir(dir: &Path) -> Result<(Bank, Vec<Diagnostic>), BankError> {
        let files = load::read_dir(dir)?;
        Self::from_sources(&files, false)
    }

    /// Loads `dir` with conversion artefacts as errors, as for the embedded bank.
    pub fn load_dir_strict(dir: &Path) -> Result<Bank, BankError> {
        let files = load::read_dir(dir)?;
        Self::from_sources(&files, true).map(|(bank, _)| bank)
    }

    /// Loads a bank from `(file name, TOML text)` pairs. With `strict`, conversion
    /// artefacts are errors rather than warnings.
    pub fn from_sources(
        files: &[(String, String)],
        strict: bool,
    ) -> Result<(Bank, Vec<Diagnostic>), BankError> {
        let (chapters, questions, exam, diags) = load::parse_and_validate(files, strict);
        if diags.iter().any(|d| d.severity == Severity::Error) {
            return Err(BankError(diags));
        }
        let mut bank = Bank::new(chapters, questions);
        bank.exam = exam;
        Ok((bank, diags))
    }

    /// The mock-exam blueprint the bank declares (`[exam]`), if any.
    pub fn exam(&self) -> Option<&Blueprint> {
        self.exam.as_ref()
    }

    fn new(mut chapters: Vec<Chapter>, mut questions: Vec<Question>) -> Bank {
        chapters.sort_by_key(|c| c.number);
        // Chapter order, then file order within a chapter (sort is stable).
        questions.sort_by_key(|q| q.chapter);
        let by_id = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let sections = chapters
            .iter()
            .enumerate()
            .flat_map(|(ci, c)| {
                c.sections
                    .iter()
                    .enumerate()
                    .map(move |(si, s)| (s.id.clone(), (ci, si)))
            })
            .collect();
        Bank {
            chapters,
            questions,
            by_id,
            sections,
            exam: None,
        }
    }

    pub fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    pub fn chapter(&self, number: u8) -> Option<&Chapter> {
        self.chapters.iter().find(|c| c.number == number)
    }

    /// All questions, in chapter order and, within a chapter, file order.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.by_id.get(id).map(|&i| &self.questions[i])
    }

    /// The position of a question in [`Bank::questions`].
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn questions_in(&self, chapter: u8) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(move |q| q.chapter == chapter)
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections
            .get(id)
            .map(|&(c, s)| &self.chapters[c].sections[s])
    }

    /// The chapter number and position within it of a section.
    pub fn section_position(&self, id: &str) -> Option<(u8, usize)> {
        self.sections
            .get(id)
            .map(|&(c, s)| (self.chapters[c].number, s))
    }

    /// The normalized bank as one JSON document (`tutor bank --json`).
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        struct J<'a> {
            chapters: Vec<JC<'a>>,
            questions: Vec<JQ<'a>>,
        }
        #[derive(Serialize)]
        struct JC<'a> {
            number: u8,
            title: &'a str,
            sections: Vec<JS<'a>>,
        }
        #[derive(Serialize)]
        struct JS<'a> {
            id: &'a str,
            title: &'a str,
            text: &'a str,
        }
        #[derive(Serialize)]
        struct JQ<'a> {
            id: &'a str,
            chapter: u8,
            kind: Kind,
            stem: &'a str,
            options: Vec<JO<'a>>,
            answer: String,
            explanation: &'a str,
            sections: &'a [String],
            source: Source,
            shuffle: bool,
        }
        #[derive(Serialize)]
        struct JO<'a> {
            key: String,
            text: &'a str,
        }
        let doc = J {
            chapters: self
                .chapters
                .iter()
                .map(|c| JC {
                    number: c.number,
                    title: &c.title,
                    sections: c
                        .sections
                        .iter()
                        .map(|s| JS {
                            id: &s.id,
                            title: &s.title,
                            text: &s.text,
                        })
                        .collect(),
                })
                .collect(),
            questions: self
                .questions
                .iter()
                .map(|q| JQ {
                    id: &q.id,
                    chapter: q.chapter,
                    kind: q.kind,
                    stem: &q.stem,
                    options: q
                        .options
                        .iter()
                        .enumerate()
                        .map(|(i, t)| JO {
                            key: letter(i).to_string(),
                            text: t,
                        })
                        .collect(),
                    answer: q.key.to_string(),
                    explanation: &q.explanation,
                    sections: &q.sections,
                    source: q.source,
                    shuffle: q.shuffle,
                })
                .collect(),
        };
        serde_json::to_value(doc).expect("bank JSON is plain data")
    }

    /// A readable overview: per chapter, sections and question counts by kind and source.
    pub fn overview(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let (mut ts, mut tq) = (0, 0);
        for c in &self.chapters {
            let qs: Vec<&Question> = self.questions_in(c.number).collect();
            let count = |f: &dyn Fn(&Question) -> bool| qs.iter().filter(|q| f(q)).count();
            let _ = writeln!(
                out,
                "第{}章 {}: {} sections, {} questions (single {}, multi {}, judge {}; seed {}, authored {})",
                c.number,
                c.title,
                c.sections.len(),
                qs.len(),
                count(&|q| q.kind == Kind::Single),
                count(&|q| q.kind == Kind::Multi),
                count(&|q| q.kind == Kind::Judge),
                count(&|q| q.source == Source::Seed),
                count(&|q| q.source == Source::Authored),
            );
            ts += c.sections.len();
            tq += qs.len();
        }
        let _ = writeln!(
            out,
            "total: {} chapters, {} sections, {} questions",
            self.chapters.len(),
            ts,
            tq
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_set_basics() {
        let mut s = OptionSet::EMPTY;
        s.insert(1);
        s.insert(3);
        s.insert(4);
        assert_eq!(s.letters(), "BDE");
        assert_eq!(s.len(), 3);
        s.toggle(3);
        assert_eq!(s.letters(), "BE");
        assert!(OptionSet::single(1).is_subset(s));
        assert_eq!(s.difference(OptionSet::single(1)).letters(), "E");
        s.insert(99); // out of range is ignored, not a panic
        assert_eq!(s.letters(), "BE");
    }

    #[test]
    fn excerpt_cuts_at_sentence_end() {
        let text = "第一句话。第二句话比较长一些。第三句";
        assert_eq!(excerpt(text, 100), text);
        assert_eq!(excerpt(text, 16), "第一句话。第二句话比较长一些。……");
        // No sentence end in range: hard cut with an ellipsis.
        assert_eq!(excerpt("一二三四五六七八九十", 4), "一二三四……");
    }

    #[test]
    fn a_declared_blueprint_is_loaded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exam_valid");
        let (bank, _) = Bank::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
        let bp = bank.exam().expect("the blueprint");
        assert_eq!(bp.minutes, 10);
        assert_eq!(bp.pass, 3);
        assert_eq!(
            bp.points,
            KindPoints {
                single: 2,
                multi: 3,
                judge: 1
            }
        );
        assert_eq!(bp.questions(), 2);
        assert_eq!(bp.total_points(), 3);
        assert!(Bank::embedded().unwrap().exam().is_none());
    }

    #[test]
    fn embedded_bank_is_valid_and_complete() {
        let bank = Bank::embedded().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bank.chapters().len(), 8);
        for c in bank.chapters() {
            assert!(
                bank.questions_in(c.number).count() >= 6,
                "chapter {} has fewer than 6 questions",
                c.number
            );
        }
        let seed = bank
            .questions()
            .iter()
            .filter(|q| q.source == Source::Seed)
            .count();
        assert_eq!(seed, 41, "every seed question is in the bank");
        assert!(
            bank.questions_in(8).all(|q| q.source == Source::Authored),
            "chapter 8 has no seed questions"
        );
    }
}
