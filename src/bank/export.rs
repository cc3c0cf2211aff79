//! `tutor export`: a bank written back in the import template, as text or as an
//! .xlsx workbook, so that importing the export gives the same bank (ids, sections,
//! links, sources and shuffling included; the tests check it on the shipped bank).
//!
//! Text: `第N章 title`, each section as `【id】title` and its text, `【练习】`, then
//! the questions (`1、stem`, `A. option`, `答案：`, `编号：`, `知识点：`, `来源：`,
//! `乱序：`, `解析：`). Workbook: a 题库 sheet in the template's columns and a
//! 章节与正文 sheet with the chapters and their sections.

use std::fmt::Write;

use super::import::Field;
use super::import::sheet::{SECTION_HEADERS, SECTIONS_SHEET};
use super::import::text::{conflicts_with_template, section_conflicts};
use super::{Bank, Kind, Question, Source, letter};

/// Why a bank cannot be written in a format.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExportError(pub String);

fn kind_zh(k: Kind) -> &'static str {
    match k {
        Kind::Single => "单选题",
        Kind::Multi => "多选题",
        Kind::Judge => "判断题",
    }
}

fn source_zh(s: Source) -> &'static str {
    match s {
        Source::Seed => "原书",
        Source::Authored => "自编",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// The bank as template text. Fails when a text would read back as template markup
/// (an explanation holding `答案：`, …): the workbook has no such limit.
pub fn to_text(bank: &Bank) -> Result<String, ExportError> {
    let mut out = String::new();
    for c in bank.chapters() {
        // A chapter the import had no title for is called 第N章: its heading alone.
        let title = if c.title == format!("第{}章", c.number) {
            ""
        } else {
            c.title.as_str()
        };
        if let Some(why) = conflicts_with_template(title) {
            return Err(ExportError(format!(
                "the title of chapter {} cannot be written as text ({why}): export as xlsx",
                c.number
            )));
        }
        if !super::import::text::reads_back_as_chapter_title(title) {
            return Err(ExportError(format!(
                "the title of chapter {} cannot be written as text (over 60 characters with a space in it): export as xlsx",
                c.number
            )));
        }
        let _ = writeln!(out, "第{}章 {title}\n", c.number);
        for s in &c.sections {
            if let Some(why) = section_conflicts(&s.text) {
                return Err(ExportError(format!(
                    "section `{}` cannot be written as text ({why}): export as xlsx",
                    s.id
                )));
            }
            let _ = writeln!(out, "【{}】{}\n{}\n", s.id, s.title, s.text.trim());
        }
        let _ = writeln!(out, "【练习】\n");
        for (n, q) in bank.questions_in(c.number).enumerate() {
            question_text(&mut out, n + 1, q)?;
        }
    }
    Ok(out)
}

fn question_text(out: &mut String, n: usize, q: &Question) -> Result<(), ExportError> {
    for (what, t) in std::iter::once(("stem", q.stem.as_str()))
        .chain(q.options.iter().map(|o| ("option", o.as_str())))
        .chain(std::iter::once(("explanation", q.explanation.as_str())))
    {
        if let Some(why) = conflicts_with_template(t) {
            return Err(ExportError(format!(
                "the {what} of `{}` cannot be written as text ({why}): export as xlsx",
                q.id
            )));
        }
    }
    let _ = writeln!(out, "{n}、{}", q.stem.trim());
    for (i, o) in q.options.iter().enumerate() {
        let _ = writeln!(out, "{}. {}", letter(i), o.trim());
    }
    let _ = writeln!(
        out,
        "答案：{}\n编号：{}\n知识点：{}\n来源：{}\n乱序：{}\n解析：{}\n",
        q.key,
        q.id,
        q.sections.join("，"),
        source_zh(q.source),
        yes_no(q.shuffle),
        q.explanation.trim()
    );
    Ok(())
}

/// The columns of the 题库 sheet, in order.
pub fn columns() -> Vec<Field> {
    let mut cols = vec![Field::Id, Field::Chapter, Field::Kind, Field::Stem];
    cols.extend((0..super::MAX_OPTIONS).map(Field::Option));
    cols.extend([
        Field::Answer,
        Field::Explanation,
        Field::Sections,
        Field::Source,
        Field::Shuffle,
    ]);
    cols
}

/// The bank as an .xlsx workbook.
pub fn to_xlsx(bank: &Bank) -> Result<Vec<u8>, ExportError> {
    let err =
        |e: rust_xlsxwriter::XlsxError| ExportError(format!("cannot write the workbook: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("题库").map_err(err)?;
    let cols = columns();
    for (i, f) in cols.iter().enumerate() {
        sheet.write_string(0, i as u16, f.header()).map_err(err)?;
    }
    for (r, q) in bank.questions().iter().enumerate() {
        let row = r as u32 + 1;
        for (i, f) in cols.iter().enumerate() {
            let v: String = match f {
                Field::Id => q.id.clone(),
                Field::Chapter => q.chapter.to_string(),
                Field::Kind => kind_zh(q.kind).into(),
                Field::Stem => q.stem.clone(),
                Field::Option(k) => q.options.get(*k).cloned().unwrap_or_default(),
                Field::Answer => q.key.to_string(),
                Field::Explanation => q.explanation.clone(),
                Field::Sections => q.sections.join("，"),
                Field::Source => source_zh(q.source).into(),
                Field::Shuffle => yes_no(q.shuffle).into(),
                Field::Difficulty => String::new(),
            };
            if !v.is_empty() {
                sheet.write_string(row, i as u16, v).map_err(err)?;
            }
        }
    }
    let sheet = book.add_worksheet();
    sheet.set_name(SECTIONS_SHEET).map_err(err)?;
    for (i, h) in SECTION_HEADERS.iter().enumerate() {
        sheet.write_string(0, i as u16, *h).map_err(err)?;
    }
    let mut row = 1;
    for c in bank.chapters() {
        for s in &c.sections {
            let cells = [
                c.number.to_string(),
                c.title.clone(),
                s.id.clone(),
                s.title.clone(),
                s.text.clone(),
            ];
            for (i, v) in cells.into_iter().enumerate() {
                sheet.write_string(row, i as u16, v).map_err(err)?;
            }
            row += 1;
        }
    }
    book.save_to_buffer().map_err(err)
}
