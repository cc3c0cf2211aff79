//! Parsing the TOML files and validating them, with `file:line:col` for every problem.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{BankError, Chapter, Key, Kind, MAX_OPTIONS, OptionSet, Question, Section, Source};

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

/// Words left behind by the faulty Traditional→Simplified conversion of the seed.
/// None may appear in the embedded bank.
pub const ARTEFACTS: &[&str] = &[
    "效劳",
    "根底",
    "根本",
    "本钱",
    "购置",
    "开展",
    "局部",
    "平安",
    "那么",
    "防止",
    "最正确",
    "鼓励机制",
    "储藏",
    "比照",
    "臵",
    "表达",
    "举旗不定",
    "严励",
    "另其注意",
    "化装",
    "TOP",
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
    chapter: Spanned<RawChapter>,
    #[serde(default)]
    sections: Vec<Spanned<RawSection>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
}

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
) -> (Vec<Chapter>, Vec<Question>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut chapters = Vec::new();
    let mut questions = Vec::new();
    // id → (file, line) of its first definition, across all files.
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    let mut chapter_numbers: HashMap<u8, String> = HashMap::new();
    // Section references are checked once every file is read.
    let mut refs: Vec<SectionRef> = Vec::new();
    let mut section_ids: HashSet<String> = HashSet::new();

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
            for word in ARTEFACTS {
                for (pos, _) in text.match_indices(word) {
                    r.error(
                        pos..pos + word.len(),
                        format!("conversion artefact `{word}`: fix the wording"),
                    );
                }
            }
        }

        let chapter_span = raw.chapter.span();
        let rc = raw.chapter.into_inner();
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
            let s = s.get_ref();
            claim(&mut r, &s.id, "section");
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
    (chapters, questions, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let t = "ab\n第一行\nxyz";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 6), (2, 2));
        assert_eq!(line_col(t, 1000), (3, 4));
    }
}
