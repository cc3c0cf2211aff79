//! Spreadsheets (.xlsx .xls .ods via calamine) and CSV: the common template, one
//! question a row, columns found by their header (题干, 题型, 选项A–H, 正确答案, 解析,
//! 章节, 难度, and the export's 编号, 知识点, 来源, 乱序) in any order, data after the
//! header row. `--map` names other headers. A sheet named 章节与正文 (the export's)
//! holds the chapters' titles and sections.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::Reader;

use super::{
    ChapterRef, Draft, DraftChapter, DraftQuestion, DraftSection, Field, ImportOptions,
    MAX_CELL_CHARS, MAX_UNPACKED_BYTES, Place, text,
};
use crate::bank::{Key, Kind, OptionSet};

/// The sheet of chapters and sections the export writes next to the questions.
pub const SECTIONS_SHEET: &str = "章节与正文";
/// Its headers.
pub const SECTION_HEADERS: [&str; 5] = ["章", "章名", "节编号", "节标题", "正文"];

/// Every member of a zip-based workbook is unpacked through a counting cap before
/// calamine reads it, so a zip bomb is refused instead of filling memory.
fn check_zip(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a valid workbook (a zip archive): {e}"))?;
    let mut total: u64 = 0;
    let mut sink = [0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut member = archive
            .by_index(i)
            .map_err(|e| format!("the workbook is damaged: {e}"))?;
        let name = member.name().to_string();
        loop {
            let n = member.read(&mut sink).map_err(|e| {
                format!("`{name}` cannot be unpacked (truncated or damaged file?): {e}")
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > MAX_UNPACKED_BYTES {
                return Err(format!(
                    "the workbook unpacks to more than {} MiB (a zip bomb?): not read",
                    MAX_UNPACKED_BYTES >> 20
                ));
            }
        }
    }
    Ok(())
}

/// Reads a workbook: every sheet with a 题干 column, and the sections sheet.
pub fn read_book(bytes: &[u8], ext: &str, opts: &ImportOptions, draft: &mut Draft) {
    let whole = Place {
        file: draft.name.clone(),
        line: None,
    };
    if matches!(ext, "xlsx" | "xlsm" | "xlsb" | "ods") {
        if let Err(e) = check_zip(bytes) {
            draft.error(&whole, e);
            return;
        }
    }
    let mut book = match calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => {
            draft.error(&whole, format!("not a readable workbook: {e}"));
            return;
        }
    };
    let names = book.sheet_names();
    let mut any = false;
    for name in names {
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                draft.error(&whole, format!("sheet `{name}` cannot be read: {e}"));
                continue;
            }
        };
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        let first_col = range.start().map_or(0, |(_, c)| c as usize);
        let rows: Vec<(usize, Vec<String>)> = range
            .rows()
            .enumerate()
            .map(|(i, r)| {
                let mut cells = vec![String::new(); first_col];
                cells.extend(r.iter().map(|d| match d {
                    calamine::Data::Empty => String::new(),
                    d => d.to_string(),
                }));
                (first_row + i + 1, cells)
            })
            .collect();
        let file = draft.name.clone();
        let place = move |row: usize| Place {
            file: format!("{file}:{name}!{row}"),
            line: None,
        };
        if rows_of(rows, &place, opts, draft) {
            any = true;
        }
    }
    if !any {
        draft.error(
            &whole,
            "no sheet has a header row with 题干 (expected the template's columns: 题干, 题型, 选项A…, 正确答案, 解析, 章节; or name yours with --map)",
        );
    }
}

/// Reads a CSV file (UTF-8, or GBK as Excel saves it in China).
pub fn read_csv(bytes: &[u8], opts: &ImportOptions, draft: &mut Draft) {
    let whole = Place {
        file: draft.name.clone(),
        line: None,
    };
    let (content, note) = match text::decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            draft.error(&whole, e);
            return;
        }
    };
    if let Some(note) = note {
        draft.warn(&whole, note);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(content.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                rows.push((line, r.iter().map(str::to_string).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                draft.error(
                    &Place {
                        file: draft.name.clone(),
                        line: Some((line, 1)),
                    },
                    format!("not valid CSV: {e}"),
                );
                return;
            }
        }
    }
    let file = draft.name.clone();
    let place = move |row: usize| Place {
        file: file.clone(),
        line: Some((row, 1)),
    };
    if !rows_of(rows, &place, opts, draft) {
        draft.error(
            &whole,
            "no header row with 题干 (expected the template's columns: 题干, 题型, 选项A…, 正确答案, 解析, 章节; or name yours with --map)",
        );
    }
}

/// Reads one table. Returns whether it had a header row it knew.
fn rows_of(
    rows: Vec<(usize, Vec<String>)>,
    place: &dyn Fn(usize) -> Place,
    opts: &ImportOptions,
    draft: &mut Draft,
) -> bool {
    let field_of = |h: &str| {
        let h = h.trim();
        opts.mapping
            .iter()
            .find(|(m, _)| m == h)
            .map(|(_, f)| *f)
            .or_else(|| Field::from_header(h))
    };
    // The sections sheet of an export.
    if let Some(hi) = rows
        .iter()
        .take(10)
        .position(|(_, r)| r.iter().map(|c| c.trim()).collect::<Vec<_>>() == SECTION_HEADERS)
    {
        for (row, cells) in rows.iter().skip(hi + 1) {
            let get = |i: usize| cells.get(i).map_or("", |c| c.trim());
            if cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let Some(number) = get(0).parse::<u8>().ok().filter(|n| (1..=99).contains(n)) else {
                draft.error(
                    &place(*row),
                    format!("`{}` is not a chapter number (1–99)", get(0)),
                );
                continue;
            };
            let p = place(*row);
            let idx = match draft.chapters.iter().position(|c| c.number == number) {
                Some(i) => i,
                None => {
                    draft.chapters.push(DraftChapter {
                        number,
                        title: get(1).to_string(),
                        sections: Vec::new(),
                        place: p.clone(),
                    });
                    draft.chapters.len() - 1
                }
            };
            if !get(3).is_empty() || !get(4).is_empty() {
                draft.chapters[idx].sections.push(DraftSection {
                    id: Some(get(2).to_string()).filter(|s| !s.is_empty()),
                    title: get(3).to_string(),
                    text: get(4).to_string(),
                    place: p,
                });
            }
        }
        return true;
    }
    let Some(hi) = rows
        .iter()
        .take(10)
        .position(|(_, r)| r.iter().any(|c| field_of(c) == Some(Field::Stem)))
    else {
        return false;
    };
    let header = &rows[hi].1;
    let mut columns: HashMap<Field, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match field_of(h) {
            Some(f) if columns.insert(f, i).is_some() => {
                draft.warn(
                    &place(rows[hi].0),
                    format!("column `{h}` appears twice: the last one is read"),
                );
            }
            Some(_) => {}
            None if !h.trim().is_empty() => ignored.push(h.trim().to_string()),
            None => {}
        }
    }
    if !ignored.is_empty() {
        draft.warn(
            &place(rows[hi].0),
            format!(
                "columns not read: {} (name them with --map HEADER=FIELD)",
                ignored.join(", ")
            ),
        );
    }
    if columns.contains_key(&Field::Difficulty) {
        draft.warn(
            &place(rows[hi].0),
            "the 难度 column is not kept: the bank has no difficulty",
        );
    }
    if !columns.contains_key(&Field::Answer) {
        draft.error(
            &place(rows[hi].0),
            "no answer column (正确答案 or 答案): no question can be read",
        );
        return true;
    }
    for (row, cells) in rows.iter().skip(hi + 1) {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if draft.given_up() || draft.questions.len() > super::MAX_QUESTIONS {
            break;
        }
        let p = place(*row);
        if let Some((i, c)) = cells
            .iter()
            .enumerate()
            .find(|(_, c)| c.chars().count() > MAX_CELL_CHARS)
        {
            draft.error(
                &p,
                format!(
                    "cell {} is {} characters: at most {MAX_CELL_CHARS} are read; row not imported",
                    i + 1,
                    c.chars().count()
                ),
            );
            continue;
        }
        let get = |f: Field| {
            columns
                .get(&f)
                .and_then(|&i| cells.get(i))
                .map_or("", |c| c.trim())
        };
        if let Some(q) = row_question(&get, p, draft) {
            draft.questions.push(q);
        }
    }
    true
}

/// An answer cell: letters (`BD`, `B,D`, `B、D`) or a verdict (对 错 √ × 正确 错误 …).
pub fn parse_answer(s: &str) -> Option<Key> {
    let s = s.trim();
    match s {
        "对" | "正确" | "√" | "✓" | "✔" | "T" | "true" | "TRUE" | "是" => {
            return Some(Key::Judge(true));
        }
        "错" | "错误" | "×" | "✗" | "✘" | "F" | "false" | "FALSE" | "否" => {
            return Some(Key::Judge(false));
        }
        _ => {}
    }
    let mut set = OptionSet::EMPTY;
    for c in s.chars() {
        match c.to_ascii_uppercase() {
            c @ 'A'..='H' => set.insert(c as usize - 'A' as usize),
            c @ 'Ａ'..='Ｈ' => set.insert(c as usize - 'Ａ' as usize),
            ' ' | ',' | '，' | '、' | ';' | '；' | '|' => {}
            _ => return None,
        }
    }
    (!set.is_empty()).then_some(Key::Choice(set))
}

/// A 题型 cell.
pub fn parse_kind(s: &str) -> Option<Option<Kind>> {
    let s = s.trim();
    Some(match s {
        "" => None,
        _ if s.contains("判断") || s == "judge" => Some(Kind::Judge),
        _ if s.contains("多选") || s.contains("多项") || s.contains("不定项") || s == "multi" => {
            Some(Kind::Multi)
        }
        _ if s.contains("单选") || s.contains("单项") || s == "single" => Some(Kind::Single),
        _ if s.contains("选择") => None,
        _ => return None,
    })
}

fn row_question<'a>(
    get: &dyn Fn(Field) -> &'a str,
    place: Place,
    draft: &mut Draft,
) -> Option<DraftQuestion> {
    let stem = get(Field::Stem);
    if stem.is_empty() {
        draft.error(&place, "the 题干 cell is empty");
        return None;
    }
    let mut options: Vec<String> = Vec::new();
    let mut gap = None;
    for i in 0..crate::bank::MAX_OPTIONS {
        let o = get(Field::Option(i));
        if o.is_empty() {
            gap.get_or_insert(i);
        } else {
            if let Some(g) = gap {
                draft.error(
                    &place,
                    format!(
                        "选项{} is empty but 选项{} is not: options must be A, B, C … without gaps",
                        crate::bank::letter(g),
                        crate::bank::letter(i)
                    ),
                );
                return None;
            }
            options.push(o.to_string());
        }
    }
    let answer = get(Field::Answer);
    let Some(key) = parse_answer(answer) else {
        draft.error(
            &place,
            format!("the answer `{answer}` is not letters A–H nor 对/错/√/×/正确/错误"),
        );
        return None;
    };
    let kind_cell = get(Field::Kind);
    let Some(declared) = parse_kind(kind_cell) else {
        draft.error(
            &place,
            format!("the 题型 `{kind_cell}` is not 单选题, 多选题, 判断题 or 选择题"),
        );
        return None;
    };
    // A judge question given as options 对/错 with a letter answer.
    let (key, options) = match (declared, key) {
        (Some(Kind::Judge), Key::Choice(set)) if set.len() == 1 && options.len() == 2 => {
            let picked = &options[set.iter().next().unwrap_or(0)];
            match parse_answer(picked) {
                Some(k @ Key::Judge(_)) => (k, Vec::new()),
                _ => {
                    draft.error(
                        &place,
                        "a 判断题 whose answer is a letter, but its options are not 对/错",
                    );
                    return None;
                }
            }
        }
        (_, k) => (k, options),
    };
    let kind = match key {
        Key::Judge(_) => {
            if !options.is_empty() {
                draft.warn(&place, "a true/false answer: the options are not kept");
            }
            Kind::Judge
        }
        Key::Choice(set) => {
            if options.len() < 2 {
                draft.error(
                    &place,
                    "a choice answer, but fewer than 2 options (选项A, 选项B …)",
                );
                return None;
            }
            if let Some(bad) = set.iter().find(|&i| i >= options.len()) {
                draft.error(
                    &place,
                    format!(
                        "the answer names {}, but only options A–{} are filled",
                        crate::bank::letter(bad),
                        crate::bank::letter(options.len() - 1)
                    ),
                );
                return None;
            }
            let inferred = if set.len() == 1 {
                Kind::Single
            } else {
                Kind::Multi
            };
            if let Some(d) = declared.filter(|d| *d != inferred) {
                draft.warn(
                    &place,
                    format!(
                        "题型 says {} but the answer `{}` has {} letter(s): imported as {}",
                        d.label_zh(),
                        set.letters(),
                        set.len(),
                        inferred.label_zh()
                    ),
                );
            }
            inferred
        }
    };
    let options = if kind == Kind::Judge {
        Vec::new()
    } else {
        options
    };
    let chapter = match get(Field::Chapter) {
        "" => ChapterRef::Current(None),
        c => ChapterRef::parse(c),
    };
    let id = Some(get(Field::Id).to_string()).filter(|s| !s.is_empty());
    let sections = get(Field::Sections)
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some(DraftQuestion {
        id,
        chapter,
        kind,
        stem: stem.to_string(),
        options,
        key,
        explanation: get(Field::Explanation).to_string(),
        sections,
        source: text::parse_source(get(Field::Source)),
        shuffle: text::parse_bool(get(Field::Shuffle)),
        place,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_kinds() {
        let cases: &[(&str, Option<&str>)] = &[
            ("BD", Some("BD")),
            ("B,D", Some("BD")),
            ("b、d", Some("BD")),
            ("Ａ", Some("A")),
            ("对", Some("对")),
            ("×", Some("错")),
            ("正确", Some("对")),
            ("", None),
            ("Z", None),
            ("见解析", None),
        ];
        for (s, want) in cases {
            assert_eq!(
                parse_answer(s).map(|k| k.to_string()).as_deref(),
                *want,
                "{s}"
            );
        }
        assert_eq!(parse_kind("单选题"), Some(Some(Kind::Single)));
        assert_eq!(parse_kind("多选"), Some(Some(Kind::Multi)));
        assert_eq!(parse_kind("判断题"), Some(Some(Kind::Judge)));
        assert_eq!(parse_kind("选择题"), Some(None));
        assert_eq!(parse_kind(""), Some(None));
        assert_eq!(parse_kind("填空题"), None);
    }

    #[test]
    fn csv_with_headers_in_any_order() {
        let csv = "答案,题干,选项B,选项A,题型,章节,备注\nA,客户是？,生产者,使用者,单选题,1,x\n对,服务是无形的。,,,判断题,1,\nZ,坏答案,乙,甲,,,\n";
        let mut d = Draft::new("q.csv");
        read_csv(csv.as_bytes(), &ImportOptions::default(), &mut d);
        assert_eq!(d.questions.len(), 2, "{:?}", d.diags);
        assert_eq!(d.questions[0].options, ["使用者", "生产者"]);
        assert_eq!(d.questions[0].key.to_string(), "A");
        assert_eq!(d.questions[1].kind, Kind::Judge);
        let msgs: Vec<String> = d.diags.iter().map(|x| x.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("q.csv:4:1: error: the answer `Z`")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("columns not read: 备注")),
            "{msgs:#?}"
        );
    }

    #[test]
    fn a_mapping_names_other_headers() {
        let csv = "问题,甲,乙,答\n客户是？,使用者,生产者,A\n";
        let mut d = Draft::new("q.csv");
        read_csv(csv.as_bytes(), &ImportOptions::default(), &mut d);
        assert!(d.questions.is_empty());
        let opts = ImportOptions {
            mapping: ["问题=题干", "甲=选项A", "乙=选项B", "答=答案"]
                .iter()
                .map(|m| ImportOptions::parse_mapping(m).unwrap())
                .collect(),
            ..ImportOptions::default()
        };
        let mut d = Draft::new("q.csv");
        read_csv(csv.as_bytes(), &opts, &mut d);
        assert_eq!(d.questions.len(), 1, "{:?}", d.diags);
    }
}
