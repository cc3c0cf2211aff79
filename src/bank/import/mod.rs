//! `tutor import`: teachers' own banks from plain text, Word and spreadsheets, into a
//! bank directory (one TOML per chapter) that `tutor check` accepts.
//!
//! Each reader (`text`, `docx`, `sheet`) turns one file into a [`Draft`]: chapters,
//! sections and questions with the place each came from, and a [`Diagnostic`] for
//! every item it could not read. [`build`] then merges the drafts, repairs or reports
//! conversion artefacts, assigns stable ids (kept across re-imports, matched by
//! normalised stem, never reused), links each question to the section that shares
//! the most words with it, renders the TOML and loads it back as a [`Bank`], so what
//! is written is what `tutor check` reads.
//!
//! Hostile input is bounded: files over [`MAX_FILE_BYTES`] are refused, zip members
//! (docx, xlsx, ods) are read through a cap of [`MAX_UNPACKED_BYTES`], and cells and
//! paragraphs longer than [`MAX_CELL_CHARS`] are reported, not imported.

pub mod docx;
pub mod sheet;
pub mod text;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::load::ARTEFACTS;
use super::{Bank, Diagnostic, Key, Kind, MAX_OPTIONS, Severity, Source, lint};

/// The largest input file read.
pub const MAX_FILE_BYTES: u64 = 32 << 20;
/// The most bytes read out of one member of a zip container (docx, xlsx, ods), and
/// of all of them together: a zip bomb stops here.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// The longest cell or paragraph imported, in characters.
pub const MAX_CELL_CHARS: usize = 10_000;
/// The most questions one import takes.
pub const MAX_QUESTIONS: usize = 20_000;
/// The most problems reported for one file before it stops being read.
pub const MAX_PROBLEMS: usize = 1000;
/// The file in the output directory that remembers every id ever issued there.
pub const ID_REGISTRY: &str = ".tutor-ids";

/// The limits of the bank's loader, checked per item so one long cell is reported
/// with its place instead of failing the whole import.
const MAX_OPTION_CHARS: usize = 300;
const MAX_EXPLANATION_CHARS: usize = 2000;
const MAX_TITLE_CHARS: usize = 200;
const MAX_CARD_CHARS: usize = 4096 - 160;

/// What the explanation says when the document gives none (the bank needs one).
pub const NO_EXPLANATION: &str = "（原题未附解析）";
/// The text of the section made for a chapter whose document has no text of its own.
pub const NO_TEXT: &str = "（导入的文件中本章没有正文。）";

/// A column of the question template (also the fields a `--map` can name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Chapter,
    Kind,
    Stem,
    /// Option A (0) … H (7).
    Option(usize),
    Answer,
    Explanation,
    Difficulty,
    Sections,
    Source,
    Shuffle,
}

impl Field {
    /// The field a template header names: 题干, 题型, 选项A … 选项H, 正确答案/答案, 解析,
    /// 章节, 难度, and the export's 编号, 知识点, 来源, 乱序.
    pub fn from_header(header: &str) -> Option<Field> {
        let h: String = header
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '：' | ':'))
            .map(|c| match c {
                'Ａ'..='Ｈ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                'a'..='h' => c.to_ascii_uppercase(),
                c => c,
            })
            .collect();
        let field = match h.as_str() {
            "编号" | "题号" | "ID" | "Id" | "id" => Field::Id,
            "章节" | "章" | "所属章节" | "章节名称" => Field::Chapter,
            "题型" | "类型" | "题目类型" => Field::Kind,
            "题干" | "题目" | "试题" | "问题" | "题目内容" => Field::Stem,
            "正确答案" | "答案" | "标准答案" | "参考答案" => Field::Answer,
            "解析" | "答案解析" | "试题解析" | "解释" => Field::Explanation,
            "难度" => Field::Difficulty,
            "知识点" | "小节" => Field::Sections,
            "来源" => Field::Source,
            "乱序" => Field::Shuffle,
            _ => {
                let rest = h
                    .strip_prefix("选项")
                    .or_else(|| h.strip_prefix("Option"))
                    .unwrap_or(&h);
                let mut cs = rest.chars();
                match (cs.next(), cs.next()) {
                    (Some(c @ 'A'..='H'), None) => Field::Option(c as usize - 'A' as usize),
                    _ => return None,
                }
            }
        };
        Some(field)
    }

    /// The header the export writes for this field.
    pub fn header(self) -> String {
        match self {
            Field::Id => "编号".into(),
            Field::Chapter => "章节".into(),
            Field::Kind => "题型".into(),
            Field::Stem => "题干".into(),
            Field::Option(i) => format!("选项{}", super::letter(i)),
            Field::Answer => "正确答案".into(),
            Field::Explanation => "解析".into(),
            Field::Difficulty => "难度".into(),
            Field::Sections => "知识点".into(),
            Field::Source => "来源".into(),
            Field::Shuffle => "乱序".into(),
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Replace the seed's known conversion artefacts (效劳 → 服务 …) instead of
    /// only reporting them.
    pub fix_artefacts: bool,
    /// Extra header → field mappings for sheets whose headers are not the template's
    /// (`--map 问题=题干`).
    pub mapping: Vec<(String, Field)>,
}

impl ImportOptions {
    /// Parses one `--map HEADER=FIELD` argument, FIELD being a template header.
    pub fn parse_mapping(arg: &str) -> Result<(String, Field), String> {
        let (header, field) = arg
            .split_once('=')
            .ok_or_else(|| format!("`{arg}`: expected HEADER=FIELD, e.g. 问题=题干"))?;
        let field = Field::from_header(field).ok_or_else(|| {
            format!(
                "`{field}` is not a template column (题干 题型 选项A…选项H 正确答案 解析 章节 难度 编号 知识点 来源 乱序)"
            )
        })?;
        Ok((header.trim().to_string(), field))
    }
}

/// Which chapter a question belongs to, as its document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChapterRef {
    /// The chapter whose heading the question follows, or else the file's own chapter.
    Current(Option<u8>),
    Number(u8),
    Title(String),
}

impl ChapterRef {
    /// `第二章`, `第2章 标题`, `2` or a title.
    pub fn parse(value: &str) -> ChapterRef {
        let v = value.trim();
        if let Ok(n) = v.parse::<u8>() {
            return ChapterRef::Number(n);
        }
        if let Some(rest) = v.strip_prefix('第') {
            if let Some((num, _)) = rest.split_once('章') {
                if let Some(n) = text::chinese_number(num) {
                    return ChapterRef::Number(n);
                }
            }
        }
        ChapterRef::Title(v.to_string())
    }
}

/// Where an item came from: `file:line:col`, or `file:sheet!row` for sheets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub file: String,
    pub line: Option<(usize, usize)>,
}

impl Place {
    pub fn diag(&self, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            file: self.file.clone(),
            line: self.line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some((l, _)) => write!(f, "{}:{l}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftChapter {
    pub number: u8,
    pub title: String,
    pub sections: Vec<DraftSection>,
    pub place: Place,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSection {
    pub id: Option<String>,
    pub title: String,
    pub text: String,
    pub place: Place,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftQuestion {
    pub id: Option<String>,
    pub chapter: ChapterRef,
    pub kind: Kind,
    pub stem: String,
    pub options: Vec<String>,
    pub key: Key,
    pub explanation: String,
    pub sections: Vec<String>,
    pub source: Option<Source>,
    pub shuffle: Option<bool>,
    pub place: Place,
}

/// What one file holds.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// The file's name, for a chapter of its own when it has no chapter headings.
    pub name: String,
    pub chapters: Vec<DraftChapter>,
    pub questions: Vec<DraftQuestion>,
    pub diags: Vec<Diagnostic>,
}

impl Draft {
    pub fn new(name: &str) -> Draft {
        Draft {
            name: name.to_string(),
            ..Draft::default()
        }
    }

    pub fn error(&mut self, place: &Place, message: impl Into<String>) {
        self.push(place.diag(Severity::Error, message));
    }

    pub fn warn(&mut self, place: &Place, message: impl Into<String>) {
        self.push(place.diag(Severity::Warning, message));
    }

    /// Records a problem; past [`MAX_PROBLEMS`] only one more, saying the file
    /// stops being read.
    fn push(&mut self, d: Diagnostic) {
        if self.diags.len() < MAX_PROBLEMS {
            self.diags.push(d);
        } else if !self.given_up() {
            self.diags.push(Diagnostic {
                severity: Severity::Error,
                file: self.name.clone(),
                line: None,
                message: format!(
                    "more than {MAX_PROBLEMS} problems: the rest of this file is not read (is it a question bank?)"
                ),
            });
        }
    }

    /// Whether the file has too many problems to go on.
    pub fn given_up(&self) -> bool {
        self.diags.len() > MAX_PROBLEMS
    }
}

/// Why nothing was imported: the file could not be read at all, or no question in
/// any file could be.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ImportError(pub Vec<Diagnostic>);

/// An import's result: the bank, its files, every problem, and the counts.
#[derive(Debug)]
pub struct Imported {
    pub bank: Bank,
    /// `(file name, TOML text)`, one per chapter.
    pub files: Vec<(String, String)>,
    /// The id registry after this import: `(id, normalised stem)`.
    pub registry: Vec<(String, String)>,
    pub diags: Vec<Diagnostic>,
    pub placeholders: usize,
}

impl Imported {
    pub fn errors(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diags.len() - self.errors()
    }

    /// The counts: questions by kind, chapters, sections, problems.
    pub fn summary(&self) -> String {
        let qs = self.bank.questions();
        let n = |k: Kind| qs.iter().filter(|q| q.kind == k).count();
        let sections: usize = self.bank.chapters().iter().map(|c| c.sections.len()).sum();
        format!(
            "{} questions (single {}, multi {}, judge {}), {} chapters, {} sections; {} problems ({} errors: items not imported, {} warnings)",
            qs.len(),
            n(Kind::Single),
            n(Kind::Multi),
            n(Kind::Judge),
            self.bank.chapters().len(),
            sections,
            self.diags.len(),
            self.errors(),
            self.warnings(),
        )
    }
}

/// Reads one input file into a draft, by its extension.
pub fn read_file(path: &Path, opts: &ImportOptions) -> Draft {
    // The readers are written not to panic, and the crates under them (calamine, zip,
    // quick-xml) are not ours: a panic on a damaged file is still that file's error.
    match std::panic::catch_unwind(|| read_file_unguarded(path, opts)) {
        Ok(draft) => draft,
        Err(_) => {
            let name = path.display().to_string();
            let mut draft = Draft::new(&name);
            let whole = Place {
                file: name,
                line: None,
            };
            draft.error(&whole, "the file is damaged: its reader failed on it");
            draft
        }
    }
}

fn read_file_unguarded(path: &Path, opts: &ImportOptions) -> Draft {
    let name = path.display().to_string();
    let mut draft = Draft::new(&name);
    let whole = Place {
        file: name.clone(),
        line: None,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => {
            draft.error(&whole, e);
            return draft;
        }
    };
    match ext.as_str() {
        "txt" | "text" | "md" => match text::decode(&bytes) {
            Ok((s, note)) => {
                if let Some(note) = note {
                    draft.warn(&whole, note);
                }
                let lines: Vec<(usize, String)> = s
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (i + 1, l.to_string()))
                    .collect();
                text::parse(&lines, &mut draft);
            }
            Err(e) => draft.error(&whole, e),
        },
        "docx" => match docx::paragraphs(&bytes) {
            Ok(paras) => text::parse(&paras, &mut draft),
            Err(e) => draft.error(&whole, e),
        },
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => {
            sheet::read_book(&bytes, &ext, opts, &mut draft)
        }
        "csv" => sheet::read_csv(&bytes, opts, &mut draft),
        _ => draft.error(
            &whole,
            format!("unknown file type `.{ext}`: expected .txt, .docx, .xlsx, .xls, .ods or .csv"),
        ),
    }
    draft
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "the file is larger than {} MiB: split it",
            MAX_FILE_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// Imports `inputs` into the bank directory `out`: reads, builds, and writes the
/// chapter files and the id registry. Chapter files of an earlier import into `out`
/// (`chNN.toml`) that this import does not write are removed.
pub fn import(
    inputs: &[PathBuf],
    out: &Path,
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    let drafts: Vec<Draft> = inputs.iter().map(|p| read_file(p, opts)).collect();
    let registry = read_registry(out);
    let mut imported = build(drafts, &registry, opts)?;
    // The bank's own findings (lints) name the written files by their place in `out`.
    for d in &mut imported.diags {
        if imported.files.iter().any(|(name, _)| *name == d.file) {
            d.file = out.join(&d.file).display().to_string();
        }
    }
    write(out, &imported).map_err(|e| {
        ImportError(vec![Diagnostic {
            severity: Severity::Error,
            file: out.display().to_string(),
            line: None,
            message: format!("cannot write the bank: {e}"),
        }])
    })?;
    Ok(imported)
}

/// The ids issued before in `out`: its registry, and the questions of a bank there.
pub fn read_registry(out: &Path) -> Vec<(String, String)> {
    let mut reg = Vec::new();
    if let Ok(text) = std::fs::read_to_string(out.join(ID_REGISTRY)) {
        for line in text.lines() {
            if let Some((id, stem)) = line.split_once('\t') {
                reg.push((id.to_string(), stem.to_string()));
            }
        }
    }
    if let Ok((bank, _)) = Bank::load_dir(out) {
        for q in bank.questions() {
            if !reg.iter().any(|(id, _)| *id == q.id) {
                reg.push((q.id.clone(), normalized_stem(&q.stem)));
            }
        }
    }
    reg
}

fn write(out: &Path, imported: &Imported) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let written: HashSet<&str> = imported.files.iter().map(|(n, _)| n.as_str()).collect();
    for entry in std::fs::read_dir(out)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ours = name.len() == 9
            && name.starts_with("ch")
            && name.ends_with(".toml")
            && name[2..4].bytes().all(|b| b.is_ascii_digit());
        if ours && !written.contains(name) {
            std::fs::remove_file(&path)?;
        }
    }
    for (name, text) in &imported.files {
        std::fs::write(out.join(name), text)?;
    }
    let mut reg = String::from(
        "# Every question id `tutor import` issued in this directory, with its normalised stem.\n\
         # Re-imports keep a question's id by its stem and never reuse one. Keep this file.\n",
    );
    for (id, stem) in &imported.registry {
        reg.push_str(id);
        reg.push('\t');
        reg.push_str(stem);
        reg.push('\n');
    }
    std::fs::write(out.join(ID_REGISTRY), reg)
}

/// A stem as re-imports compare it: artefacts repaired, width, case, spaces and
/// punctuation ignored.
pub fn normalized_stem(stem: &str) -> String {
    lint::normalized(&fix_artefacts(stem))
}

/// Every known conversion artefact in `text` replaced by what was meant.
pub fn fix_artefacts(text: &str) -> String {
    let mut out = text.to_string();
    for (word, meant) in ARTEFACTS {
        if out.contains(word) {
            out = out.replace(word, meant);
        }
    }
    out
}

/// Merges the drafts into one bank. Errors only when no question could be read.
pub fn build(
    drafts: Vec<Draft>,
    registry: &[(String, String)],
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut chapters: Vec<DraftChapter> = Vec::new();
    let mut questions: Vec<DraftQuestion> = Vec::new();

    for mut draft in drafts {
        diags.append(&mut draft.diags);
        let file_place = Place {
            file: draft.name.clone(),
            line: None,
        };
        for c in draft.chapters {
            match chapters.iter_mut().find(|x| x.number == c.number) {
                Some(existing) => {
                    if lint::normalized(&existing.title) != lint::normalized(&c.title) {
                        diags.push(c.place.diag(
                            Severity::Warning,
                            format!(
                                "chapter {} is also `{}` at {}: its title stays `{}`",
                                c.number, existing.title, existing.place, existing.title
                            ),
                        ));
                    }
                    existing.sections.extend(c.sections);
                }
                None => chapters.push(c),
            }
        }
        // A file without chapter headings is a chapter of its own, named after it.
        let mut own: Option<u8> = None;
        for mut q in draft.questions {
            let number = match &q.chapter {
                ChapterRef::Current(Some(n)) | ChapterRef::Number(n) => Some(*n),
                ChapterRef::Title(t) => chapters
                    .iter()
                    .find(|c| lint::normalized(&c.title) == lint::normalized(t))
                    .map(|c| c.number)
                    .or_else(|| {
                        let n = next_free_chapter(&chapters)?;
                        chapters.push(DraftChapter {
                            number: n,
                            title: t.clone(),
                            sections: Vec::new(),
                            place: q.place.clone(),
                        });
                        Some(n)
                    }),
                ChapterRef::Current(None) => own.or_else(|| {
                    let n = next_free_chapter(&chapters)?;
                    let stem = Path::new(&draft.name)
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or("导入")
                        .to_string();
                    chapters.push(DraftChapter {
                        number: n,
                        title: stem,
                        sections: Vec::new(),
                        place: file_place.clone(),
                    });
                    own = Some(n);
                    own
                }),
            };
            let Some(number) = number.filter(|n| (1..=99).contains(n)) else {
                diags.push(q.place.diag(
                    Severity::Error,
                    "chapter out of range: a bank has chapters 1–99",
                ));
                continue;
            };
            if !chapters.iter().any(|c| c.number == number) {
                chapters.push(DraftChapter {
                    number,
                    title: format!("第{number}章"),
                    sections: Vec::new(),
                    place: q.place.clone(),
                });
            }
            q.chapter = ChapterRef::Number(number);
            questions.push(q);
        }
    }
    if questions.len() > MAX_QUESTIONS {
        diags.push(Diagnostic {
            severity: Severity::Error,
            file: "<import>".into(),
            line: None,
            message: format!(
                "{} questions: at most {MAX_QUESTIONS} are imported at once; the rest are not",
                questions.len()
            ),
        });
        questions.truncate(MAX_QUESTIONS);
    }
    chapters.retain(|c| {
        let ok = (1..=99).contains(&c.number);
        if !ok {
            diags.push(c.place.diag(
                Severity::Error,
                format!(
                    "chapter {} is out of range (a bank has chapters 1–99): not imported",
                    c.number
                ),
            ));
        }
        ok
    });
    questions.retain(|q| {
        let ChapterRef::Number(n) = q.chapter else {
            return true;
        };
        chapters.iter().any(|c| c.number == n)
    });
    chapters.sort_by_key(|c| c.number);

    // Conversion artefacts: reported with their place, repaired on request.
    let fix = opts.fix_artefacts;
    let mut artefact = |place: &Place, what: &str, s: &mut String| {
        for (word, meant) in ARTEFACTS {
            if s.contains(word) {
                let verb = if fix { "repaired" } else { "found" };
                diags.push(place.diag(
                    Severity::Warning,
                    format!(
                        "conversion artefact `{word}` in the {what} ({verb}: `{meant}`{})",
                        if fix {
                            ""
                        } else {
                            "; --fix-artefacts repairs it"
                        }
                    ),
                ));
                if fix {
                    *s = s.replace(word, meant);
                }
            }
        }
    };
    for c in &mut chapters {
        artefact(&c.place, "chapter title", &mut c.title);
        for s in &mut c.sections {
            artefact(&s.place, "section title", &mut s.title);
            artefact(&s.place, "section text", &mut s.text);
        }
    }
    for q in &mut questions {
        let place = q.place.clone();
        artefact(&place, "stem", &mut q.stem);
        for o in &mut q.options {
            artefact(&place, "option", o);
        }
        artefact(&place, "explanation", &mut q.explanation);
    }

    // The limits of a card, checked per item.
    questions.retain(|q| {
        let problem = if q.options.len() > MAX_OPTIONS {
            Some(format!(
                "{} options: at most {MAX_OPTIONS} (A–H)",
                q.options.len()
            ))
        } else if let Some((i, o)) = q
            .options
            .iter()
            .enumerate()
            .find(|(_, o)| super::tg_len(o) > MAX_OPTION_CHARS)
        {
            Some(format!(
                "option {} is {} characters: at most {MAX_OPTION_CHARS} fit a card line",
                super::letter(i),
                super::tg_len(o)
            ))
        } else if super::tg_len(&q.explanation) > MAX_EXPLANATION_CHARS {
            Some(format!(
                "the explanation is {} characters: at most {MAX_EXPLANATION_CHARS}",
                super::tg_len(&q.explanation)
            ))
        } else if super::tg_len(&q.stem)
            + q.options
                .iter()
                .map(|o| super::tg_len(o) + 4)
                .sum::<usize>()
            > MAX_CARD_CHARS
        {
            Some("the stem and options do not fit one Telegram message (4096 characters)".into())
        } else if q.stem.trim().is_empty() {
            Some("the stem is empty".into())
        } else if q.options.iter().any(|o| o.trim().is_empty()) {
            Some("an option is empty".into())
        } else {
            None
        };
        match problem {
            Some(p) => {
                diags.push(q.place.diag(Severity::Error, format!("not imported: {p}")));
                false
            }
            None => true,
        }
    });

    if questions.is_empty() {
        diags.push(Diagnostic {
            severity: Severity::Error,
            file: "<import>".into(),
            line: None,
            message: "no question could be read: nothing was written (expected numbered questions with 答案：, or a sheet with a 题干 column)".into(),
        });
        return Err(ImportError(diags));
    }

    // Sections: every chapter has at least one; ids are c<chapter>-s<NN>.
    let mut used_ids: HashSet<String> = HashSet::new();
    for c in &mut chapters {
        if c.title.trim().is_empty() {
            c.title = format!("第{}章", c.number);
        }
        if c.sections.is_empty() {
            c.sections.push(DraftSection {
                id: None,
                title: c.title.clone(),
                text: NO_TEXT.to_string(),
                place: c.place.clone(),
            });
        }
        for s in &mut c.sections {
            if super::tg_len(&s.title) > MAX_TITLE_CHARS {
                let cut: String = s.title.chars().take(MAX_TITLE_CHARS - 1).collect();
                diags.push(s.place.diag(
                    Severity::Warning,
                    format!("section title longer than {MAX_TITLE_CHARS} characters: cut"),
                ));
                s.title = format!("{cut}…");
            }
            if s.title.trim().is_empty() {
                s.title = c.title.clone();
            }
            if s.text.trim().is_empty() {
                s.text = s.title.clone();
            }
            if let Some(id) = &s.id {
                if !valid_id(id) || !used_ids.insert(id.clone()) {
                    diags.push(s.place.diag(
                        Severity::Warning,
                        format!("section id `{id}` is invalid or used twice: a new one is given"),
                    ));
                    s.id = None;
                }
            }
        }
        let mut n = 0;
        for s in &mut c.sections {
            if s.id.is_none() {
                let id = loop {
                    n += 1;
                    let id = format!("c{}-s{n:02}", c.number);
                    if !used_ids.contains(&id) {
                        break id;
                    }
                };
                used_ids.insert(id.clone());
                s.id = Some(id);
            }
        }
    }

    // Question ids: explicit, else the registry's by stem, else the next number.
    let mut registry: Vec<(String, String)> = registry.to_vec();
    let mut taken: HashSet<String> = used_ids.clone();
    for q in &mut questions {
        if let Some(id) = &q.id {
            if !valid_id(id) || !taken.insert(id.clone()) {
                diags.push(q.place.diag(
                    Severity::Warning,
                    format!("question id `{id}` is invalid or used twice: a new one is given"),
                ));
                q.id = None;
            }
        }
    }
    for q in &mut questions {
        if q.id.is_some() {
            continue;
        }
        let norm = normalized_stem(&q.stem);
        if let Some((id, _)) = registry
            .iter()
            .find(|(id, stem)| *stem == norm && !taken.contains(id))
        {
            let id = id.clone();
            taken.insert(id.clone());
            q.id = Some(id);
        }
    }
    let mut highest: HashMap<u8, u32> = HashMap::new();
    for id in registry.iter().map(|(id, _)| id).chain(taken.iter()) {
        if let Some((c, n)) = parse_question_id(id) {
            let h = highest.entry(c).or_default();
            *h = (*h).max(n);
        }
    }
    for q in &mut questions {
        let ChapterRef::Number(c) = q.chapter else {
            unreachable!("chapters are resolved above")
        };
        if q.id.is_none() {
            let h = highest.entry(c).or_default();
            *h += 1;
            let id = format!("c{c}-q{:02}", *h);
            taken.insert(id.clone());
            q.id = Some(id);
        }
    }
    for q in &questions {
        let id = q.id.clone().unwrap_or_default();
        let norm = normalized_stem(&q.stem);
        match registry.iter_mut().find(|(i, _)| *i == id) {
            Some(entry) => entry.1 = norm,
            None => registry.push((id, norm)),
        }
    }

    // Links, explanations, defaults.
    let mut placeholders = 0;
    type Words = HashSet<(char, char)>;
    let section_words: HashMap<u8, Vec<(String, Words)>> = chapters
        .iter()
        .map(|c| {
            (
                c.number,
                c.sections
                    .iter()
                    .map(|s| {
                        (
                            s.id.clone().unwrap_or_default(),
                            lint::bigrams([s.title.as_str(), s.text.as_str()].into_iter()),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let all_sections: HashSet<String> = used_ids;
    for q in &mut questions {
        let ChapterRef::Number(c) = q.chapter else {
            continue;
        };
        q.sections.retain(|s| {
            let known = all_sections.contains(s);
            if !known {
                diags.push(q.place.diag(
                    Severity::Warning,
                    format!("unknown section `{s}`: linked by words instead"),
                ));
            }
            known
        });
        if q.sections.is_empty() {
            let own = lint::bigrams(
                std::iter::once(q.stem.as_str())
                    .chain(q.options.iter().map(String::as_str))
                    .chain(std::iter::once(q.explanation.as_str())),
            );
            let candidates = &section_words[&c];
            let best = candidates
                .iter()
                .enumerate()
                .max_by_key(|(i, (_, words))| (words.intersection(&own).count(), usize::MAX - i))
                .map(|(_, (id, _))| id.clone());
            q.sections.extend(best);
        }
        if q.explanation.trim().is_empty() {
            q.explanation = NO_EXPLANATION.to_string();
            placeholders += 1;
        }
        if q.shuffle.is_none() {
            let refers = q
                .options
                .iter()
                .any(|o| o.contains("以上") || o.contains("全部") || o.contains("都不"));
            let names = !lint::letters_named(&q.explanation, q.options.len()).is_empty();
            q.shuffle = Some(!(refers || names));
        }
    }

    let files = render(&chapters, &questions);
    match Bank::from_sources(&files, false) {
        Ok((bank, warnings)) => {
            diags.extend(warnings);
            Ok(Imported {
                bank,
                files,
                registry,
                diags,
                placeholders,
            })
        }
        Err(e) => {
            // A defect of the importer: what it renders must load. Say so plainly.
            diags.extend(e.0.into_iter().map(|mut d| {
                d.message = format!("(importer defect, please report) {}", d.message);
                d
            }));
            Err(ImportError(diags))
        }
    }
}

fn next_free_chapter(chapters: &[DraftChapter]) -> Option<u8> {
    (1..=99).find(|n| !chapters.iter().any(|c| c.number == *n))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 24
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `c3-q07` → (3, 7).
fn parse_question_id(id: &str) -> Option<(u8, u32)> {
    let rest = id.strip_prefix('c')?;
    let (c, n) = rest.split_once("-q")?;
    Some((c.parse().ok()?, n.parse().ok()?))
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A TOML multi-line basic string, for section texts.
fn multiline(s: &str) -> String {
    let mut out = String::from("\"\"\"\n");
    for c in s.trim().chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("\n\"\"\"");
    out
}

fn render(chapters: &[DraftChapter], questions: &[DraftQuestion]) -> Vec<(String, String)> {
    use std::fmt::Write;
    let mut files = Vec::new();
    for c in chapters {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "# Imported by `tutor import`. Question ids are stable (progress is keyed by them):\n# edit the text freely, but don't renumber.\n\n[chapter]\nnumber = {}\ntitle = {}",
            c.number,
            quoted(c.title.trim())
        );
        for s in &c.sections {
            let _ = writeln!(
                t,
                "\n[[sections]]\nid = {}\ntitle = {}\ntext = {}",
                quoted(s.id.as_deref().unwrap_or_default()),
                quoted(s.title.trim()),
                multiline(&s.text)
            );
        }
        for q in questions
            .iter()
            .filter(|q| q.chapter == ChapterRef::Number(c.number))
        {
            let kind = match q.kind {
                Kind::Single => "single",
                Kind::Multi => "multi",
                Kind::Judge => "judge",
            };
            let _ = write!(
                t,
                "\n[[questions]]\nid = {}\nkind = \"{kind}\"\nstem = {}\n",
                quoted(q.id.as_deref().unwrap_or_default()),
                quoted(q.stem.trim())
            );
            if q.kind != Kind::Judge {
                let opts: Vec<String> = q.options.iter().map(|o| quoted(o.trim())).collect();
                let _ = writeln!(t, "options = [\n  {},\n]", opts.join(",\n  "));
            }
            let sections: Vec<String> = q.sections.iter().map(|s| quoted(s)).collect();
            let source = match q.source.unwrap_or(Source::Seed) {
                Source::Seed => "seed",
                Source::Authored => "authored",
            };
            let _ = writeln!(
                t,
                "answer = {}\nexplanation = {}\nsections = [{}]\nsource = \"{source}\"\nshuffle = {}",
                quoted(&q.key.to_string()),
                quoted(q.explanation.trim()),
                sections.join(", "),
                q.shuffle.unwrap_or(true)
            );
        }
        files.push((format!("ch{:02}.toml", c.number), t));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_headers_are_recognised() {
        let cases: &[(&str, Option<Field>)] = &[
            ("题干", Some(Field::Stem)),
            (" 题型 ", Some(Field::Kind)),
            ("选项A", Some(Field::Option(0))),
            ("选项Ｈ", Some(Field::Option(7))),
            ("选项h", Some(Field::Option(7))),
            ("选项I", None),
            ("正确答案", Some(Field::Answer)),
            ("答案", Some(Field::Answer)),
            ("*解析", Some(Field::Explanation)),
            ("章节", Some(Field::Chapter)),
            ("难度", Some(Field::Difficulty)),
            ("备注", None),
        ];
        for (header, want) in cases {
            assert_eq!(Field::from_header(header), *want, "{header}");
        }
        for f in [
            Field::Stem,
            Field::Option(3),
            Field::Answer,
            Field::Sections,
        ] {
            assert_eq!(Field::from_header(&f.header()), Some(f));
        }
    }

    #[test]
    fn mappings_parse() {
        assert_eq!(
            ImportOptions::parse_mapping("问题=题干"),
            Ok(("问题".to_string(), Field::Stem))
        );
        assert!(ImportOptions::parse_mapping("问题").is_err());
        assert!(ImportOptions::parse_mapping("问题=备注").is_err());
    }

    #[test]
    fn chapter_refs_parse() {
        let cases: &[(&str, ChapterRef)] = &[
            ("3", ChapterRef::Number(3)),
            ("第二章", ChapterRef::Number(2)),
            ("第12章 市场营销", ChapterRef::Number(12)),
            ("市场营销知识", ChapterRef::Title("市场营销知识".into())),
        ];
        for (v, want) in cases {
            assert_eq!(ChapterRef::parse(v), *want, "{v}");
        }
    }

    #[test]
    fn stems_normalise_across_width_punctuation_and_artefacts() {
        assert_eq!(
            normalized_stem("客户效劳的特性是（ ）。"),
            normalized_stem("客户服务的特性是()")
        );
        assert_ne!(normalized_stem("客户服务"), normalized_stem("客户"));
    }

    #[test]
    fn question_ids_parse() {
        assert_eq!(parse_question_id("c3-q07"), Some((3, 7)));
        assert_eq!(parse_question_id("c12-q100"), Some((12, 100)));
        assert_eq!(parse_question_id("x3-q07"), None);
        assert_eq!(parse_question_id("c3-s07"), None);
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod fixture_tests;
