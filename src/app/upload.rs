//! Operators upload a bank to the bot: a user listed in `tutor run --admins` sends a
//! .docx, .xlsx, .xls, .ods, .csv or .txt in a private chat; the bot imports it with
//! `tutor import`'s importer into the uploads directory (`--uploads DIR`, its `bank/`),
//! and says what it found. The running bot keeps its bank: a restart with
//! `--content DIR/bank` loads the new one (its ids are kept across uploads by the
//! importer's registry, so progress carries over). No hot swap: the bank is shared,
//! immutably, by every card in flight and by the answer writer.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::bank::import::{self, ImportOptions};
use crate::bank::{Diagnostic, Kind, Severity};

/// Uploads larger than this are refused before they are downloaded.
pub const MAX_UPLOAD_BYTES: u64 = 5 * 1024 * 1024;
/// The file types the importer reads.
pub const UPLOAD_TYPES: &[&str] = &["docx", "xlsx", "xls", "ods", "csv", "txt"];
/// The report names at most this many problems.
pub const MAX_PROBLEMS: usize = 15;

/// Why an upload is refused before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not an operator (`--admins`).
    NotAllowed,
    /// Larger than [`MAX_UPLOAD_BYTES`].
    TooBig,
    /// Not one of [`UPLOAD_TYPES`].
    WrongType,
}

/// What an upload came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReport {
    /// The file's name as sent (its last component, bounded).
    pub file: String,
    /// Questions by kind: single, multi, judge.
    pub questions: (usize, usize, usize),
    pub chapters: usize,
    pub sections: usize,
    /// Items not imported, and warnings.
    pub errors: usize,
    pub warnings: usize,
    /// The first [`MAX_PROBLEMS`] problems with their places (`题库.docx:12: error: …`).
    pub problems: Vec<String>,
    /// Problems beyond those.
    pub more: usize,
    /// Where the bank was written; `None` when nothing could be imported.
    pub written: Option<PathBuf>,
}

/// The operators and the uploads directory.
#[derive(Debug)]
pub struct Uploads {
    admins: Vec<i64>,
    dir: PathBuf,
    /// One import at a time into the directory.
    lock: Mutex<()>,
}

/// The upload's file name: its last path component, without control characters,
/// at most 64 characters (its extension kept).
pub fn file_name(sent: &str) -> String {
    let last = sent.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let ext = extension(&clean);
    let stem = match clean.rsplit_once('.') {
        Some((stem, _)) if !ext.is_empty() => stem,
        _ => clean.as_str(),
    };
    let stem: String = stem
        .chars()
        .take(63usize.saturating_sub(ext.len()))
        .collect();
    let stem = if stem.trim().trim_matches('.').is_empty() {
        "upload".to_string()
    } else {
        stem
    };
    let ext = if ext.is_empty() {
        "txt".to_string()
    } else {
        ext
    };
    format!("{stem}.{ext}")
}

fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, e)) if e.len() <= 8 => e.to_ascii_lowercase(),
        _ => String::new(),
    }
}

impl Uploads {
    pub fn new(admins: Vec<i64>, dir: PathBuf) -> Uploads {
        Uploads {
            admins,
            dir,
            lock: Mutex::new(()),
        }
    }

    /// Where uploaded banks are written (`DIR/bank`).
    pub fn bank_dir(&self) -> PathBuf {
        self.dir.join("bank")
    }

    /// Whether `user` may upload a document named `name` of `size` bytes.
    pub fn check(&self, user: i64, name: &str, size: u64) -> Result<(), Refusal> {
        if !self.admins.contains(&user) {
            return Err(Refusal::NotAllowed);
        }
        let last = name.rsplit(['/', '\\']).next().unwrap_or("");
        if !UPLOAD_TYPES.contains(&extension(last).as_str()) {
            return Err(Refusal::WrongType);
        }
        if size > MAX_UPLOAD_BYTES {
            return Err(Refusal::TooBig);
        }
        Ok(())
    }

    /// Imports the uploaded `bytes` (of the file `name`) into [`Self::bank_dir`]
    /// (blocking: run it off the async threads). An I/O error writing the upload
    /// down is an error; every problem of the file is in the report.
    pub fn import(&self, name: &str, bytes: &[u8]) -> std::io::Result<UploadReport> {
        let _one = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if bytes.len() as u64 > MAX_UPLOAD_BYTES {
            return Err(std::io::Error::other("the upload is too large"));
        }
        let file = file_name(name);
        let incoming = self.dir.join("incoming");
        std::fs::create_dir_all(&incoming)?;
        let path = incoming.join(&file);
        std::fs::write(&path, bytes)?;
        let out = self.bank_dir();
        let result = import::import(std::slice::from_ref(&path), &out, &ImportOptions::default());
        let _ = std::fs::remove_file(&path);
        let placed = |d: &Diagnostic| {
            let mut d = d.clone();
            if Path::new(&d.file) == path {
                d.file.clone_from(&file);
            }
            d.to_string()
        };
        Ok(match result {
            Ok(imported) => {
                let qs = imported.bank.questions();
                let n = |k: Kind| qs.iter().filter(|q| q.kind == k).count();
                let problems: Vec<String> = imported.diags.iter().map(placed).collect();
                UploadReport {
                    file,
                    questions: (n(Kind::Single), n(Kind::Multi), n(Kind::Judge)),
                    chapters: imported.bank.chapters().len(),
                    sections: imported
                        .bank
                        .chapters()
                        .iter()
                        .map(|c| c.sections.len())
                        .sum(),
                    errors: imported.errors(),
                    warnings: imported.warnings(),
                    more: problems.len().saturating_sub(MAX_PROBLEMS),
                    problems: problems.into_iter().take(MAX_PROBLEMS).collect(),
                    written: Some(out),
                }
            }
            Err(e) => {
                let errors = e.0.iter().filter(|d| d.severity == Severity::Error).count();
                let problems: Vec<String> = e.0.iter().map(placed).collect();
                UploadReport {
                    file,
                    questions: (0, 0, 0),
                    chapters: 0,
                    sections: 0,
                    errors,
                    warnings: e.0.len() - errors,
                    more: problems.len().saturating_sub(MAX_PROBLEMS),
                    problems: problems.into_iter().take(MAX_PROBLEMS).collect(),
                    written: None,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "第一章 服务\n\n1、客户是产品的（　）。\nA. 生产者\nB. 使用者\n答案：B\n\n2、服务是无形的。\n答案：对\n\n3、坏题\nA. 甲\n答案：C\n";

    #[test]
    fn only_operators_with_small_files_of_known_types() {
        let dir = tempfile::tempdir().unwrap();
        let u = Uploads::new(vec![7], dir.path().to_path_buf());
        let cases: &[(i64, &str, u64, Result<(), Refusal>)] = &[
            (7, "题库.docx", 1000, Ok(())),
            (7, "题库.XLSX", MAX_UPLOAD_BYTES, Ok(())),
            (7, "a.csv", 10, Ok(())),
            (8, "题库.docx", 1000, Err(Refusal::NotAllowed)),
            (7, "题库.docx", MAX_UPLOAD_BYTES + 1, Err(Refusal::TooBig)),
            (7, "题库.pdf", 1000, Err(Refusal::WrongType)),
            (7, "noext", 1000, Err(Refusal::WrongType)),
        ];
        for (user, name, size, want) in cases {
            assert_eq!(u.check(*user, name, *size), *want, "{user} {name} {size}");
        }
    }

    #[test]
    fn file_names_are_bounded_and_keep_their_extension() {
        assert_eq!(file_name("题库.docx"), "题库.docx");
        assert_eq!(file_name("../../etc/passwd.txt"), "passwd.txt");
        assert_eq!(file_name("a\\b\u{0}c.csv"), "bc.csv");
        assert_eq!(file_name(".csv"), "upload.csv");
        assert_eq!(file_name(""), "upload.txt");
        assert_eq!(file_name("noext"), "noext.txt");
        let long = file_name(&format!("{}.xlsx", "长".repeat(100)));
        assert!(
            long.ends_with(".xlsx") && long.chars().count() <= 64,
            "{long}"
        );
    }

    #[test]
    fn an_upload_is_imported_with_its_problems_in_place_and_keeps_its_ids() {
        let dir = tempfile::tempdir().unwrap();
        let u = Uploads::new(vec![7], dir.path().to_path_buf());
        let r = u.import("题库.txt", TEXT.as_bytes()).unwrap();
        assert_eq!(
            (r.questions, r.chapters, r.errors),
            ((1, 0, 1), 1, 1),
            "{r:?}"
        );
        assert!(
            r.problems.iter().any(|p| p.starts_with("题库.txt:11")),
            "{:?}",
            r.problems
        );
        let out = r.written.clone().unwrap();
        let (bank, _) = crate::bank::Bank::load_dir(&out).unwrap();
        assert_eq!(bank.questions().len(), 2);
        let ids = |b: &crate::bank::Bank| {
            b.questions()
                .iter()
                .map(|q| q.id.clone())
                .collect::<Vec<_>>()
        };
        // The same upload again: the same ids; nothing left in `incoming`.
        let again = u.import("题库.txt", TEXT.as_bytes()).unwrap();
        assert_eq!(
            ids(&crate::bank::Bank::load_dir(&again.written.unwrap())
                .unwrap()
                .0),
            ids(&bank)
        );
        assert_eq!(
            std::fs::read_dir(dir.path().join("incoming"))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn a_file_with_nothing_to_import_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let u = Uploads::new(vec![7], dir.path().to_path_buf());
        let r = u.import("坏.xlsx", b"PK\x03\x04 not a workbook").unwrap();
        assert_eq!(r.written, None, "{r:?}");
        assert!(
            r.errors >= 1 && r.problems[0].starts_with("坏.xlsx"),
            "{r:?}"
        );
    }
}
