//! Plain text (and a Word document's paragraphs): the layout Chinese question banks
//! use, on separate lines or run together as a scraped page leaves them.
//!
//! Every question ends with its answer (`答案：BD`, `答案:对`, `【答案】√`), so the
//! answers are the anchors: between one answer and the next lie the previous
//! question's tail (解析：, 章节：, and the export's 编号：/知识点：/来源：/乱序：), any
//! headings (第N章 chapters with their text, split into sections at 一、二、…; kind
//! headings 单选题/多选题/判断题/选择题; exercise headings such as TEST or 练习), and
//! the next question's number (`1、` `1.` `1．` `（1）`), stem and options (`A.` `A、`
//! `A．` `A)` `（A）`, or a bare letter when nothing else is found).

use std::sync::LazyLock;

use regex::Regex;

use super::{ChapterRef, Draft, DraftChapter, DraftQuestion, DraftSection, MAX_CELL_CHARS, Place};
use crate::bank::{Key, Kind, OptionSet, Source};

/// Decodes a text file: UTF-8 (with or without BOM), UTF-16 with a BOM, or, detected,
/// GBK/GB18030 or Big5. Returns the text and a note when it was not UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(String, Option<String>), String> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(format!("not valid {} text", enc.name()));
        }
        let note = (enc != encoding_rs::UTF_8).then(|| format!("read as {}", enc.name()));
        return Ok((text.into_owned(), note));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            if s.contains('\0') {
                return Err("this is a binary file, not text".into());
            }
            Ok((s.to_string(), None))
        }
        Err(e) => {
            let at = e.valid_up_to();
            if bytes.contains(&0) {
                return Err("this is a binary file, not text".into());
            }
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
            let known = [encoding_rs::GBK, encoding_rs::GB18030, encoding_rs::BIG5];
            if known.contains(&enc) {
                let (text, had_errors) = enc.decode_without_bom_handling(bytes);
                if !had_errors {
                    return Ok((
                        text.into_owned(),
                        Some(format!(
                            "not UTF-8: read as {} (detected); save it as UTF-8 to be sure",
                            enc.name()
                        )),
                    ));
                }
            }
            Err(format!(
                "not valid UTF-8 (at byte {at}), and not GBK or Big5 text either: save it as UTF-8"
            ))
        }
    }
}

/// Why `text` (a stem, option or explanation) would not read back from the text
/// template: it holds an answer or metadata marker.
pub fn conflicts_with_template(text: &str) -> Option<&'static str> {
    static LINE_MARK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?m)^[ \t\u3000]*(?:[（(]?[A-H\d][）)]?[ \t]*[.、．)）:：]|[（(][A-H\d]{1,3}[）)])",
        )
        .unwrap()
    });
    let later_lines = text.split_once('\n').map_or("", |(_, rest)| rest);
    if CHAPTER.is_match(text) || TEST.is_match(text) {
        Some("it holds a chapter or exercise heading (第N章, TEST)")
    } else if KIND.is_match(later_lines) || LINE_MARK.is_match(later_lines) {
        Some("a line of it starts like a heading, a question number or an option")
    } else if ANSWER.is_match(text) {
        Some("it holds `答案：`")
    } else if META.is_match(text) {
        Some("it holds a marker such as `解析：` or `章节：`")
    } else if SECTION_BLOCK.is_match(text) || EXERCISE_LINE.is_match(text) {
        Some("a line of it looks like a section or exercise heading")
    } else {
        None
    }
}

/// Why a section's text would not read back from the text template.
pub fn section_conflicts(text: &str) -> Option<&'static str> {
    let chapter_line = text
        .lines()
        .any(|l| CHAPTER.find(l.trim_start()).is_some_and(|m| m.start() == 0));
    if SECTION_BLOCK.is_match(text) || EXERCISE_LINE.is_match(text) || chapter_line {
        Some("a line of it looks like a heading")
    } else {
        None
    }
}

/// Chinese (一 … 九十九, 两, 〇) or Arabic numerals, 1..=255.
pub fn chinese_number(s: &str) -> Option<u8> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u8>() {
        return Some(n);
    }
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .or(if c == '两' {
                Some(2)
            } else if c == '零' {
                Some(0)
            } else {
                None
            })
    };
    let cs: Vec<char> = s.chars().collect();
    let n = match cs.as_slice() {
        [] => return None,
        ['十'] => 10,
        ['十', u] => 10 + digit(*u)?,
        [t, '十'] => digit(*t)? * 10,
        [t, '十', u] => digit(*t)? * 10 + digit(*u)?,
        [u] => digit(*u)?,
        _ => return None,
    };
    u8::try_from(n).ok().filter(|n| *n > 0)
}

static ANSWER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"【(?:正确|参考)?答案】[ \t\u3000:：]*|(?:正确|参考|标准)?答案[ \t\u3000]*[:：][ \t\u3000]*").unwrap()
});
static CHAPTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"第([一二三四五六七八九十两〇零\d]{1,4})章").unwrap());
static KIND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(单项选择题|多项选择题|不定项选择题|单选题|多选题|判断题|选择题)").unwrap()
});
static EXERCISE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t\u3000]*(?:【练习】|练习|习题|练习题|课后练习|章节练习|本章练习|测试题|课后习题)[ \t\u3000]*$").unwrap()
});
static TEST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"TEST").unwrap());
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{1,3})[ \t]*[、.．]|[（(](\d{1,3})[）)]").unwrap());
static SECTION_BLOCK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^【([A-Za-z0-9_-]{1,24})】").unwrap());
static META: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"【解析】|(?:答案解析|解析|章节|编号|知识点|来源|乱序|难度)[ \t\u3000]*[:：]")
        .unwrap()
});

/// Offsets in the joined document → original line and column.
struct Lines {
    /// (offset of a piece, its original line number), sorted by offset.
    starts: Vec<(usize, usize)>,
}

impl Lines {
    fn place(&self, file: &str, doc: &str, offset: usize) -> Place {
        let i = self
            .starts
            .partition_point(|(o, _)| *o <= offset)
            .saturating_sub(1);
        let (start, line) = self.starts.get(i).copied().unwrap_or((0, 1));
        let col = doc.get(start..offset).map_or(1, |s| s.chars().count() + 1);
        Place {
            file: file.to_string(),
            line: Some((line, col)),
        }
    }
}

/// Joins the lines into one document. A scraped page whose every paragraph starts
/// with its page number (`1、` `2、` … in order, long paragraphs) has the numbers
/// removed and the pages joined without a break, since pages end mid-word.
fn join(lines: &[(usize, String)], draft: &mut Draft) -> (String, Lines) {
    static PAGE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(\d{1,3})、").unwrap());
    let nonempty: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].1.trim().is_empty())
        .collect();
    // The longest run of non-empty lines numbered 1, 2, 3 … that are long.
    let mut best: Option<(usize, usize)> = None;
    let mut k = 0;
    while k < nonempty.len() {
        let num = |j: usize| {
            PAGE.captures(&lines[nonempty[j]].1)
                .and_then(|c| c[1].parse::<usize>().ok())
        };
        if num(k) == Some(1) {
            let mut end = k + 1;
            while end < nonempty.len() && num(end) == Some(end - k + 1) {
                end += 1;
            }
            let long =
                (k..end.saturating_sub(1)).all(|j| lines[nonempty[j]].1.chars().count() > 200);
            if end - k >= 3 && long && best.is_none_or(|(a, b)| b - a < end - k) {
                best = Some((k, end));
            }
            k = end;
        } else {
            k += 1;
        }
    }
    let pages: Option<(usize, usize)> = best.map(|(a, b)| (nonempty[a], nonempty[b - 1]));
    let mut doc = String::new();
    let mut starts = Vec::new();
    // Lines after the last page are the scraped page's surroundings (its footer).
    let mut trailer: Option<(usize, usize)> = None;
    for (i, (line, text)) in lines.iter().enumerate() {
        if pages.is_some_and(|(_, b)| i > b) {
            if substantive(text) {
                trailer = Some((trailer.map_or(*line, |t| t.0), *line));
            }
            continue;
        }
        let text: String = if text.chars().count() > MAX_CELL_CHARS * 10 {
            draft.error(
                &Place {
                    file: draft.name.clone(),
                    line: Some((*line, 1)),
                },
                format!(
                    "a line of {} characters: longer than {} are not read",
                    text.chars().count(),
                    MAX_CELL_CHARS * 10
                ),
            );
            String::new()
        } else {
            text.clone()
        };
        match pages {
            Some((a, b)) if (a..=b).contains(&i) => {
                if text.trim().is_empty() {
                    continue;
                }
                let body = PAGE.replace(&text, "");
                if i == a && !doc.is_empty() {
                    doc.push('\n');
                }
                starts.push((doc.len(), *line));
                doc.push_str(&body);
                if i == b {
                    doc.push('\n');
                }
            }
            _ => {
                starts.push((doc.len(), *line));
                doc.push_str(&text);
                doc.push('\n');
            }
        }
    }
    if let Some((a, b)) = pages {
        let (la, lb) = (lines[a].0, lines[b].0);
        draft.warn(
            &Place {
                file: draft.name.clone(),
                line: Some((la, 1)),
            },
            format!(
                "lines {la}–{lb} are numbered as the pages of a scraped document (1、 2、 …): the page numbers were removed and the pages joined"
            ),
        );
    }
    if let Some((from, to)) = trailer {
        draft.warn(
            &Place {
                file: draft.name.clone(),
                line: Some((from, 1)),
            },
            format!("lines {from}–{to}, after the last page, are the page's surroundings and were not imported"),
        );
    }
    (doc, Lines { starts })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Heading {
    Single,
    Multi,
    Judge,
    Choice,
}

#[derive(Debug)]
enum Event {
    Chapter { number: u8, title_end: usize },
    Kind(Heading),
    Exercise,
}

#[derive(Debug)]
enum Value {
    Letters(OptionSet, String),
    Judge(bool),
    Bad(String),
}

struct Anchor {
    start: usize,
    end: usize,
    value: Value,
}

fn answer_value(rest: &str) -> (Value, usize) {
    for (word, v) in [
        ("正确", true),
        ("错误", false),
        ("对", true),
        ("错", false),
        ("√", true),
        ("✓", true),
        ("✔", true),
        ("×", false),
        ("✗", false),
        ("✘", false),
    ] {
        if rest.starts_with(word) {
            return (Value::Judge(v), word.len());
        }
    }
    let mut set = OptionSet::EMPTY;
    let mut letters = String::new();
    let mut end = 0;
    for (i, c) in rest.char_indices() {
        match c {
            'A'..='H' => {
                set.insert(c as usize - 'A' as usize);
                letters.push(c);
                end = i + 1;
            }
            ' ' | '\t' | ',' | '，' | '、' if !letters.is_empty() => {}
            _ => break,
        }
    }
    if letters.is_empty() {
        let shown: String = rest.chars().take_while(|c| *c != '\n').take(12).collect();
        (Value::Bad(shown), 0)
    } else {
        (Value::Letters(set, letters), end)
    }
}

fn line_start(doc: &str, pos: usize) -> bool {
    doc[..pos]
        .chars()
        .rev()
        .take_while(|c| *c != '\n')
        .all(|c| c == ' ' || c == '\t' || c == '\u{3000}')
}

/// Whether a span holds anything worth reporting (not only spaces and punctuation).
fn substantive(s: &str) -> bool {
    s.chars().any(|c| c.is_alphanumeric())
}

/// Numbered question starts in `doc[from..to]`: (start, end of marker, number).
fn numbers(doc: &str, from: usize, to: usize) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    let hay = &doc[from..to];
    for m in NUMBER.captures_iter(hay) {
        let all = m.get(0).expect("match");
        let (s, e) = (from + all.start(), from + all.end());
        let n: u32 = m
            .get(1)
            .or(m.get(2))
            .and_then(|d| d.as_str().parse().ok())
            .unwrap_or(0);
        let before = doc[..s].chars().next_back();
        let after = doc[e..].chars().next();
        // `3.5` is a number, not question 3; `1、2` is question 1 about 2.
        let decimal = all.as_str().ends_with(['.', '．']);
        if before.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == '．')
            || (decimal && after.is_some_and(|c| c.is_ascii_digit()))
        {
            continue;
        }
        out.push((s, e, n));
    }
    out
}

/// Headings in `doc[from..to]`, in order: (start, end, event).
fn events(
    doc: &str,
    from: usize,
    to: usize,
    chapter: u8,
    masks: &[(usize, usize)],
) -> Vec<(usize, usize, Event)> {
    let hay = &doc[from..to];
    let mut out: Vec<(usize, usize, Event)> = Vec::new();
    let mut last_chapter = chapter;
    for m in CHAPTER.captures_iter(hay) {
        let all = m.get(0).expect("match");
        let s = from + all.start();
        let Some(number) = chinese_number(&m[1]) else {
            continue;
        };
        if in_masks(masks, s) {
            continue;
        }
        // Mid-line, only the next chapter counts (a stem may cite 第三章).
        if !line_start(doc, s) && number != last_chapter.saturating_add(1) {
            continue;
        }
        last_chapter = number;
        out.push((
            s,
            from + all.end(),
            Event::Chapter {
                number,
                title_end: from + all.end(),
            },
        ));
    }
    for m in EXERCISE_LINE.find_iter(hay) {
        out.push((from + m.start(), from + m.end(), Event::Exercise));
    }
    for m in TEST.find_iter(hay) {
        let (s, e) = (from + m.start(), from + m.end());
        let before = doc[..s].chars().next_back();
        let after = doc[e..].chars().next();
        if before.is_some_and(|c| c.is_ascii_alphabetic())
            || after.is_some_and(|c| c.is_ascii_alphabetic())
        {
            continue;
        }
        out.push((s, e, Event::Exercise));
    }
    out.sort_by_key(|(s, _, _)| *s);
    let exercise_ends: std::collections::HashSet<usize> = out
        .iter()
        .filter(|(_, _, e)| matches!(e, Event::Exercise))
        .map(|(_, e, _)| *e)
        .collect();
    static NUMBERING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[一二三四五六七八九十]+[、.．][ \t\u3000]*$").unwrap());
    for m in KIND.find_iter(hay) {
        let (mut s, mut e) = (from + m.start(), from + m.end());
        let heading = match m.as_str() {
            "单项选择题" | "单选题" => Heading::Single,
            "多项选择题" | "多选题" | "不定项选择题" => Heading::Multi,
            "判断题" => Heading::Judge,
            _ => Heading::Choice,
        };
        // A numbering like 一、 or 十二． just before: at most 8 characters back.
        let back = doc[from..s]
            .char_indices()
            .rev()
            .take(8)
            .last()
            .map_or(s, |(i, _)| from + i);
        let numbered = NUMBERING.find(&doc[back..s]).map(|n| back + n.start());
        let at_line = line_start(doc, s) || numbered.is_some_and(|n| line_start(doc, n));
        let after_exercise = exercise_ends.contains(&s);
        if !(at_line || after_exercise) {
            continue;
        }
        if let Some(n) = numbered.filter(|n| line_start(doc, *n)) {
            s = n;
        }
        if at_line {
            // The rest of a heading line (（每题1分）…) belongs to the heading.
            let line_end = doc[e..].find('\n').map_or(doc.len(), |p| e + p);
            let rest = &doc[e..line_end.min(to)];
            if !NUMBER.is_match(rest.trim_start()) || rest.chars().count() > 40 {
                e = line_end.min(to);
            }
        }
        out.push((s, e, Event::Kind(heading)));
    }
    // Headings inside an explicit section block are its text.
    out.retain(|(s, _, _)| !in_masks(masks, *s));
    out.sort_by_key(|(s, _, _)| *s);
    out
}

/// Parses a document given as numbered lines (or a Word document's paragraphs).
pub fn parse(lines: &[(usize, String)], draft: &mut Draft) {
    let (doc, lines) = join(lines, draft);
    let file = draft.name.clone();
    let at = |o: usize| lines.place(&file, &doc, o);

    // Explicit section blocks (the export's `【c1-s01】title`) are text, not questions.
    let mut masks: Vec<(usize, usize)> = Vec::new();
    let blocks: Vec<usize> = SECTION_BLOCK.find_iter(&doc).map(|m| m.start()).collect();
    for &b in &blocks {
        let rest = &doc[b..];
        let mut end = doc.len();
        for (off, l) in line_offsets(rest).skip(1) {
            let t = l.trim_start();
            if SECTION_BLOCK.is_match(l)
                || EXERCISE_LINE.is_match(l)
                || CHAPTER.find(t).is_some_and(|m| m.start() == 0)
            {
                end = b + off;
                break;
            }
        }
        masks.push((b, end));
    }
    let masked = |p: usize| in_masks(&masks, p);

    let mut anchors: Vec<Anchor> = Vec::new();
    for m in ANSWER.find_iter(&doc) {
        if masked(m.start()) {
            continue;
        }
        let (value, len) = answer_value(&doc[m.end()..]);
        anchors.push(Anchor {
            start: m.start(),
            end: m.end() + len,
            value,
        });
    }

    let mut chapter: u8 = 0;
    let mut heading: Option<Heading> = None;
    let mut last_number: u32 = 0;
    let mut prev: Option<usize> = None; // index into draft.questions
    let mut cursor = 0;
    for i in 0..=anchors.len() {
        let range_end = anchors.get(i).map_or(doc.len(), |a| a.start);
        if range_end < cursor {
            continue;
        }
        let evs = events(&doc, cursor, range_end, chapter, &masks);
        let after_events = evs.last().map_or(cursor, |(_, e, _)| *e);
        // The question's number: after the last heading.
        let start = if i < anchors.len() {
            let cands = numbers(&doc, after_events, range_end);
            let at_line: Vec<_> = cands
                .iter()
                .filter(|c| line_start(&doc, c.0))
                .copied()
                .collect();
            let reset = !evs.is_empty();
            let expect = if reset { 1 } else { last_number + 1 };
            if !at_line.is_empty() {
                at_line
                    .iter()
                    .rev()
                    .find(|c| c.2 >= expect)
                    .or_else(|| at_line.iter().rev().find(|c| c.2 == 1))
                    .or(at_line.last())
                    .copied()
            } else {
                cands
                    .iter()
                    .find(|c| c.2 == expect)
                    .or_else(|| cands.iter().find(|c| c.2 == 1))
                    .or(cands.first())
                    .copied()
            }
        } else {
            None
        };
        let tail_end = evs
            .first()
            .map(|(s, _, _)| *s)
            .or(start.map(|s| s.0))
            .unwrap_or(range_end);

        // A numbered item with options but no answer, before this question.
        let unanswered = unanswered(&doc, cursor, tail_end);
        if let Some((p, n)) = unanswered {
            draft.error(
                &at(p),
                format!("question {n} has no answer: expected `答案：` after its options"),
            );
        }
        let tail_to = unanswered.map_or(tail_end, |u| u.0);
        // The previous question's tail, or the text before the first item.
        match prev {
            Some(q) => tail(&doc, cursor, tail_to, &mut draft.questions[q]),
            None => {
                let pre = &doc[cursor..tail_to];
                if substantive(pre) {
                    let to = at(tail_to.saturating_sub(1)).line.map_or(0, |l| l.0);
                    let from = at(cursor).line.map_or(0, |l| l.0);
                    let what = if i == 0 {
                        "before the first chapter heading or question, are not part of the bank"
                    } else {
                        "after an item that could not be read, belong to no question"
                    };
                    draft.warn(
                        &at(cursor),
                        format!("lines {from}–{to}, {what} and were not imported"),
                    );
                }
            }
        }

        // Headings, chapter texts, stray text.
        for (k, (s, e, ev)) in evs.iter().enumerate() {
            // Headings never overlap in a sane document; in any other, each one's
            // text ends where the next begins, and never before its own end.
            let next = evs
                .get(k + 1)
                .map(|x| x.0)
                .or(start.map(|s| s.0))
                .unwrap_or(range_end)
                .max(*e);
            match ev {
                Event::Chapter { number, title_end } => {
                    chapter = *number;
                    heading = None;
                    let whole_line = line_start(&doc, *s);
                    let (title, body_start) = chapter_title(&doc, *title_end, next, whole_line);
                    let mut sections = sections(&doc, body_start, next, chapter, &masks, &at);
                    for s in &mut sections {
                        s.text = s.text.trim().to_string();
                    }
                    draft.chapters.push(DraftChapter {
                        number: chapter,
                        title,
                        sections,
                        place: at(*s),
                    });
                }
                Event::Kind(h) => {
                    heading = Some(*h);
                    stray(&doc, *e, next, &at, draft);
                }
                Event::Exercise => stray(&doc, *e, next, &at, draft),
            }
        }
        if !evs.is_empty() {
            last_number = 0;
        }

        let Some(anchor) = anchors.get(i) else {
            break;
        };
        if draft.given_up() || draft.questions.len() > super::MAX_QUESTIONS {
            break;
        }
        cursor = anchor.end;
        let Some((qs, qe, number)) = start else {
            draft.error(
                &at(anchor.start),
                "an answer with no numbered question before it: expected `1、` `1.` or `（1）` before the stem",
            );
            prev = None;
            continue;
        };
        last_number = number;
        let place = at(qs);
        let body = &doc[qe..anchor.start];
        match question(body, &anchor.value, heading, chapter, place.clone(), draft) {
            Some(q) => {
                draft.questions.push(q);
                prev = Some(draft.questions.len() - 1);
            }
            None => prev = None,
        }
    }
}

/// A line-start numbered item followed by a line-start option `A.` in `doc[from..to]`:
/// a question whose answer is missing.
fn unanswered(doc: &str, from: usize, to: usize) -> Option<(usize, u32)> {
    static OPTION_A: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^[ \t\u3000]*(?:[（(]A[）)]|A[ \t]*[.、．)）])").unwrap()
    });
    let mut found = None;
    let mut searched_to = from;
    for n in numbers(doc, from, to) {
        if !line_start(doc, n.0) {
            continue;
        }
        // The first option A after this number (searched once, forwards only).
        if found.is_none_or(|a| a < n.1) && searched_to < to {
            let start = n.1.max(searched_to);
            found = OPTION_A.find(&doc[start..to]).map(|m| start + m.start());
            searched_to = found.map_or(to, |a| a + 1);
        }
        if found.is_some_and(|a| a >= n.1) {
            return Some((n.0, n.2));
        }
    }
    None
}

/// Whether `p` lies in one of the sorted, disjoint `masks`.
fn in_masks(masks: &[(usize, usize)], p: usize) -> bool {
    let i = masks.partition_point(|(a, _)| *a <= p);
    i > 0 && p < masks[i - 1].1
}

fn line_offsets(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut off = 0;
    s.split_inclusive('\n').map(move |l| {
        let at = off;
        off += l.len();
        (at, l)
    })
}

/// Text after an exercise or kind heading that is no question.
fn stray(doc: &str, from: usize, to: usize, at: &dyn Fn(usize) -> Place, draft: &mut Draft) {
    let text = &doc[from..to];
    if !substantive(text) {
        return;
    }
    let shown: String = text.trim().chars().take(30).collect();
    if numbers(doc, from, to)
        .iter()
        .any(|n| line_start(doc, n.0) || n.0 == from)
    {
        draft.error(
            &at(from),
            format!("a numbered item with no answer: expected `答案：` and the answer after it (`{shown}`)"),
        );
    } else {
        draft.warn(
            &at(from),
            format!("text after a heading was not imported: `{shown}`"),
        );
    }
}

/// Whether `title`, written as the heading line `第N章 title`, reads back as
/// exactly that title (a long title is cut at its first space when read).
pub(crate) fn reads_back_as_chapter_title(title: &str) -> bool {
    let line = format!("第1章 {title}");
    let from = "第1章".len();
    chapter_title(&line, from, line.len(), true).0 == title
}

/// A chapter heading's title: the rest of its line, up to a section heading, a space
/// after the title, or 60 characters.
fn chapter_title(doc: &str, from: usize, to: usize, whole_line: bool) -> (String, usize) {
    static SKIP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[ \t\u3000:：、.．]*").unwrap());
    static CUT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\n|[一二三四五六七八九十]+、|[ \t\u3000]").unwrap());
    let begin = from + SKIP.find(&doc[from..to]).map_or(0, |m| m.end());
    let rest = &doc[begin..to];
    let line = rest.find('\n').map_or(rest, |p| &rest[..p]);
    // A heading on a line of its own is the whole line.
    if whole_line && line.chars().count() <= 60 {
        return (line.trim().to_string(), begin + line.len());
    }
    let mut end = CUT.find(rest).map_or(rest.len(), |m| m.start());
    if let Some((i, _)) = rest[..end].char_indices().nth(60) {
        end = i;
    }
    (rest[..end].trim().to_string(), begin + end)
}

/// A chapter's text split into sections: at the export's `【id】title` lines, or at
/// 一、二、三、… headings in order. Text before the first heading is a section too.
fn sections(
    doc: &str,
    from: usize,
    to: usize,
    chapter: u8,
    masks: &[(usize, usize)],
    at: &dyn Fn(usize) -> Place,
) -> Vec<DraftSection> {
    let mut out = Vec::new();
    let explicit: Vec<&(usize, usize)> = masks
        .iter()
        .filter(|(a, _)| (from..to).contains(a))
        .collect();
    if !explicit.is_empty() {
        for &&(a, b) in &explicit {
            let b = b.min(to);
            let block = &doc[a..b];
            let caps = SECTION_BLOCK
                .captures(block)
                .expect("a block starts with its id");
            let id = caps[1].to_string();
            let head_end = caps.get(0).expect("match").end();
            let line_end = block[head_end..]
                .find('\n')
                .map_or(block.len(), |p| head_end + p);
            out.push(DraftSection {
                id: Some(id),
                title: block[head_end..line_end].trim().to_string(),
                text: block[line_end..].trim().to_string(),
                place: at(a),
            });
        }
        return out;
    }
    const NUMERALS: [&str; 20] = [
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四",
        "十五", "十六", "十七", "十八", "十九", "二十",
    ];
    let text = &doc[from..to];
    let mut heads: Vec<usize> = Vec::new();
    let mut search = 0;
    for n in NUMERALS {
        let pat = format!("{n}、");
        // The next numeral in order; 十 must not be the tail of 二十 etc.
        let found = text[search..]
            .match_indices(&pat)
            .map(|(p, _)| search + p)
            .find(|&p| {
                !text[..p]
                    .chars()
                    .next_back()
                    .is_some_and(|c| "一二三四五六七八九十".contains(c))
            });
        match found {
            Some(p) => {
                heads.push(p);
                search = p + pat.len();
            }
            None => break,
        }
    }
    let _ = chapter;
    let first = heads.first().copied().unwrap_or(text.len());
    if substantive(&text[..first]) {
        out.push(DraftSection {
            id: None,
            title: String::new(),
            text: text[..first].trim().to_string(),
            place: at(from),
        });
    }
    for (k, &h) in heads.iter().enumerate() {
        let end = heads.get(k + 1).copied().unwrap_or(text.len());
        let (title, body) = section_title(&text[h..end]);
        out.push(DraftSection {
            id: None,
            title,
            text: body.trim().to_string(),
            place: at(from + h),
        });
    }
    out
}

/// A section heading's title and the text after it: the heading's own line when it
/// is short, else (run-on text) up to a space, punctuation or a sub-heading.
fn section_title(s: &str) -> (String, &str) {
    static CUT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"[ \t\u3000。，,；;：:]|[（(]?[一二三四五六七八九十][）)]").unwrap()
    });
    let line_end = s.find('\n').unwrap_or(s.len());
    if s[..line_end].chars().count() <= 40 && line_end < s.len() {
        return (s[..line_end].trim().to_string(), &s[line_end..]);
    }
    // Skip the numeral and 、, then at least two characters of title.
    let head = s.find('、').map_or(0, |p| p + '、'.len_utf8());
    let min = s[head..]
        .char_indices()
        .nth(2)
        .map_or(s.len(), |(i, _)| head + i);
    let mut end = CUT.find_at(s, min).map_or(s.len(), |m| m.start());
    if let Some((i, _)) = s[..end].char_indices().nth(16) {
        end = i;
    }
    (s[..end].trim().to_string(), &s[end..])
}

/// The metadata and explanation that follow a question's answer.
fn tail(doc: &str, from: usize, to: usize, q: &mut DraftQuestion) {
    let text = &doc[from..to];
    let marks: Vec<(usize, usize, String)> = META
        .find_iter(text)
        .map(|m| {
            let name: String = m
                .as_str()
                .chars()
                .filter(|c| !matches!(c, '【' | '】' | ':' | '：' | ' ' | '\t' | '\u{3000}'))
                .collect();
            (m.start(), m.end(), name)
        })
        .collect();
    let free_end = marks.first().map_or(text.len(), |m| m.0);
    let trim = |s: &str| -> String {
        s.trim_start_matches(|c: char| c.is_whitespace() || ",，。.;；:：".contains(c))
            .trim_end()
            .to_string()
    };
    let mut explanation = trim(&text[..free_end]);
    for (k, (_, e, name)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map_or(text.len(), |m| m.0);
        let value = text[*e..end].trim();
        let first_line = value.lines().next().unwrap_or("").trim();
        match name.as_str() {
            "解析" | "答案解析" => {
                if !explanation.is_empty() && !value.is_empty() {
                    explanation.push('\n');
                }
                explanation.push_str(value);
            }
            "章节" => q.chapter = ChapterRef::parse(first_line),
            "编号" => q.id = Some(first_line.to_string()),
            "知识点" => {
                q.sections = first_line
                    .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "来源" => q.source = parse_source(first_line),
            "乱序" => q.shuffle = parse_bool(first_line),
            _ => {} // 难度: not kept by the bank
        }
    }
    q.explanation = explanation;
}

pub fn parse_source(v: &str) -> Option<Source> {
    match v.trim() {
        "seed" | "原书" | "原题" => Some(Source::Seed),
        "authored" | "自编" | "新编" => Some(Source::Authored),
        _ => None,
    }
}

pub fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "是" | "true" | "TRUE" | "1" | "yes" => Some(true),
        "否" | "false" | "FALSE" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// A question's body (after its number, before 答案) and its answer.
fn question(
    body: &str,
    value: &Value,
    heading: Option<Heading>,
    chapter: u8,
    place: Place,
    draft: &mut Draft,
) -> Option<DraftQuestion> {
    let chapter = ChapterRef::Current((chapter > 0).then_some(chapter));
    let (kind, key, stem, options) = match value {
        Value::Bad(shown) => {
            draft.error(
                &place,
                format!("the answer `{shown}` is not letters A–H nor 对/错/√/×/正确/错误"),
            );
            return None;
        }
        Value::Judge(v) => (
            Kind::Judge,
            Key::Judge(*v),
            body.trim().to_string(),
            Vec::new(),
        ),
        Value::Letters(set, letters) => {
            let Some((stem, options)) = split_options(body) else {
                draft.error(
                    &place,
                    format!("answer `{letters}`, but no options were found: expected `A.` `A、` `A)` or `（A）` before each option"),
                );
                return None;
            };
            if let Some(bad) = set.iter().find(|&i| i >= options.len()) {
                draft.error(
                    &place,
                    format!(
                        "the answer names {}, but only options A–{} were found",
                        crate::bank::letter(bad),
                        crate::bank::letter(options.len() - 1)
                    ),
                );
                return None;
            }
            let kind = match (heading, set.len()) {
                (Some(Heading::Single), n) if n > 1 => {
                    draft.warn(&place, format!("under 单选题, but the answer `{letters}` has {n} letters: imported as multiple choice"));
                    Kind::Multi
                }
                (Some(Heading::Multi), 1) => {
                    draft.warn(&place, format!("under 多选题, but the answer `{letters}` is one letter: imported as single choice"));
                    Kind::Single
                }
                (Some(Heading::Judge), _) => {
                    draft.warn(
                        &place,
                        "under 判断题, but the answer is letters: imported as a choice question",
                    );
                    if set.len() == 1 {
                        Kind::Single
                    } else {
                        Kind::Multi
                    }
                }
                (_, 1) => Kind::Single,
                _ => Kind::Multi,
            };
            (kind, Key::Choice(*set), stem, options)
        }
    };
    if stem.chars().count() > MAX_CELL_CHARS {
        draft.error(
            &place,
            format!(
                "the stem is {} characters: at most {MAX_CELL_CHARS} are imported",
                stem.chars().count()
            ),
        );
        return None;
    }
    Some(DraftQuestion {
        id: None,
        chapter,
        kind,
        stem: tidy(&stem),
        options: options.iter().map(|o| tidy(o).replace('\n', "")).collect(),
        key,
        explanation: String::new(),
        sections: Vec::new(),
        source: None,
        shuffle: None,
        place,
    })
}

/// Trims every line and drops empty ones.
fn tidy(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits a body into stem and options A, B, C … in order. Options at line starts
/// win; then delimited letters anywhere (`A.` `A、` `（A）` …); then bare letters.
fn split_options(body: &str) -> Option<(String, Vec<String>)> {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^[ \t\u3000]*(?:[（(]([A-H])[）)]|([A-H])[ \t]*[.、．)）:：])").unwrap()
    });
    static DELIMITED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[（(]([A-H])[）)]|([A-H])[ \t]*[.、．)）]").unwrap());
    static BARE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"([A-H])[ \t]*[.、．)）]?").unwrap());
    for (tier, re) in [&*LINE, &*DELIMITED, &*BARE].into_iter().enumerate() {
        let mut marks: Vec<(usize, usize, usize)> = Vec::new(); // start, end, letter
        for m in re.captures_iter(body) {
            let all = m.get(0).expect("match");
            let letter = m.get(1).or(m.get(2)).expect("a letter group");
            let idx = letter.as_str().as_bytes()[0] as usize - b'A' as usize;
            let before = body[..letter.start()].chars().next_back();
            let after = body[letter.end()..].chars().next();
            if tier > 0 && before.is_some_and(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if tier == 2 && after.is_some_and(|c| c.is_ascii_alphabetic()) {
                continue;
            }
            if idx == marks.len() {
                marks.push((all.start(), all.end(), idx));
            }
        }
        if marks.len() >= 2 {
            let stem = body[..marks[0].0].to_string();
            let options = (0..marks.len())
                .map(|k| {
                    let end = marks.get(k + 1).map_or(body.len(), |m| m.0);
                    body[marks[k].1..end].to_string()
                })
                .collect();
            return Some((stem, options));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Draft {
        let mut d = Draft::new("t.txt");
        let lines: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect();
        parse(&lines, &mut d);
        d
    }

    /// The export writes a chapter's title on its heading line only when it reads
    /// back whole (a case the round-trip fuzzer found: 61 characters with an
    /// ideographic space in `（　）`).
    #[test]
    fn chapter_titles_that_read_back() {
        let long = "1、正确正确【练习】（4）ABCDEFGH【c1-s01】正确第一百章对（\u{3000}）1、（4）【练习】【练习】1、第一百章对1、";
        for (title, back) in [
            ("客户服务基础知识", true),
            ("", true),
            ("客户 服务", true),
            (long, false),
            (&"长".repeat(61), false),
            ("、开头", false),
        ] {
            assert_eq!(reads_back_as_chapter_title(title), back, "{title}");
        }
    }

    #[test]
    fn chinese_numbers() {
        let cases = [
            ("一", Some(1)),
            ("十", Some(10)),
            ("十二", Some(12)),
            ("二十", Some(20)),
            ("九十九", Some(99)),
            ("3", Some(3)),
            ("两", Some(2)),
            ("", None),
            ("百", None),
        ];
        for (s, want) in cases {
            assert_eq!(chinese_number(s), want, "{s}");
        }
    }

    #[test]
    fn answers_are_read_in_every_form() {
        let cases: &[(&str, &str)] = &[
            ("BDE2、next", "BDE"),
            ("A、C next", "AC"),
            ("A, B", "AB"),
            ("ABCDETEST", "ABCDE"),
            ("对", "对"),
            ("错,应是整洁", "错"),
            ("√", "对"),
            ("×", "错"),
            ("正确", "对"),
            ("错误", "错"),
            ("D身体应稍向前", "D"),
        ];
        for (s, want) in cases {
            let (v, _) = answer_value(s);
            let got = match v {
                Value::Letters(_, l) => l,
                Value::Judge(true) => "对".into(),
                Value::Judge(false) => "错".into(),
                Value::Bad(b) => format!("bad {b}"),
            };
            assert_eq!(got, *want, "{s}");
        }
        assert!(matches!(answer_value("见解析").0, Value::Bad(_)));
        // A line break ends the letters.
        assert!(
            matches!(answer_value("A\nB. x").0, Value::Letters(set, _) if set.letters() == "A")
        );
    }

    #[test]
    fn options_in_every_layout() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("题干\nA. 甲\nB. 乙\nC. 丙", "题干", &["甲", "乙", "丙"]),
            ("题干\nA、甲\nB、乙", "题干", &["甲", "乙"]),
            ("题干\nA．甲\nB．乙", "题干", &["甲", "乙"]),
            ("题干\nA)甲\nB)乙", "题干", &["甲", "乙"]),
            ("题干\n（A）甲\n（B）乙", "题干", &["甲", "乙"]),
            ("题干 A.甲 B.乙 C.丙", "题干", &["甲", "乙", "丙"]),
            (
                "题干\nA. 甲  B. 乙\nC. 丙  D. 丁",
                "题干",
                &["甲", "乙", "丙", "丁"],
            ),
            ("题干。A客户B沟通C便利", "题干。", &["客户", "沟通", "便利"]),
            (
                "劳动者提前日。A10B15C20D30",
                "劳动者提前日。",
                &["10", "15", "20", "30"],
            ),
            (
                "“4C理论认为。A客户B沟通",
                "“4C理论认为。",
                &["客户", "沟通"],
            ),
            (
                "题干\nA. 很长的\n选项\nB. 乙",
                "题干",
                &["很长的选项", "乙"],
            ),
        ];
        for (body, stem, opts) in cases {
            let (s, o) = split_options(body).unwrap_or_else(|| panic!("{body}"));
            assert_eq!(tidy(&s), *stem, "{body}");
            let o: Vec<String> = o.iter().map(|x| tidy(x).replace('\n', "")).collect();
            assert_eq!(o, *opts, "{body}");
        }
        assert!(split_options("没有选项的题干").is_none());
    }

    #[test]
    fn a_clean_document() {
        let d = parse_str(
            "第一章 客户服务基础知识\n一、认识客户\n客户是产品或服务的使用者。\n二、客户服务\n服务有五大特性。\n\n单选题\n1、客户是（ ）。\nA. 使用者\nB. 生产者\n答案：A\n解析：见定义。\n\n多选题\n2. 服务的特性有（ ）。\nA、无形性\nB、不可分性\nC、永久性\n答案：AB\n\n判断题\n（3）客户是使用者。\n答案：√\n\n第2章 服务意识\n1．优质服务意识重要。\n【答案】错误\n章节：第二章\n",
        );
        assert!(
            d.diags
                .iter()
                .all(|x| x.severity != crate::bank::Severity::Error),
            "{:?}",
            d.diags
        );
        assert_eq!(d.chapters.len(), 2);
        assert_eq!(d.chapters[0].title, "客户服务基础知识");
        let titles: Vec<&str> = d.chapters[0]
            .sections
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(titles, ["一、认识客户", "二、客户服务"]);
        assert_eq!(d.chapters[1].number, 2);
        let qs: Vec<(Kind, String, &str)> = d
            .questions
            .iter()
            .map(|q| (q.kind, q.key.to_string(), q.stem.as_str()))
            .collect();
        assert_eq!(
            qs,
            [
                (Kind::Single, "A".into(), "客户是（ ）。"),
                (Kind::Multi, "AB".into(), "服务的特性有（ ）。"),
                (Kind::Judge, "对".into(), "客户是使用者。"),
                (Kind::Judge, "错".into(), "优质服务意识重要。"),
            ]
        );
        assert_eq!(d.questions[0].explanation, "见定义。");
        assert_eq!(d.questions[3].chapter, ChapterRef::Number(2));
        assert_eq!(d.questions[1].options, ["无形性", "不可分性", "永久性"]);
    }

    #[test]
    fn problems_have_places() {
        let d = parse_str(
            "1、题干\nA. 甲\nB. 乙\n答案：C\n2、题干二\n答案：见书\n3、无选项\n答案：AB\n4、题干四\nA. 甲\nB. 乙\n5、题干五\nA. 甲\nB. 乙\n答案：A\n",
        );
        let errs: Vec<String> = d
            .diags
            .iter()
            .filter(|x| x.severity == crate::bank::Severity::Error)
            .map(|x| x.to_string())
            .collect();
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(
            errs[0].starts_with("t.txt:1:1: error: the answer names C"),
            "{errs:#?}"
        );
        assert!(
            errs[1].starts_with("t.txt:5:1: error: the answer `见书`"),
            "{errs:#?}"
        );
        assert!(
            errs[2].starts_with("t.txt:7:1: error: answer `AB`, but no options"),
            "{errs:#?}"
        );
        assert!(
            errs[3].starts_with("t.txt:9:1: error: question 4 has no answer"),
            "{errs:#?}"
        );
        // Question 4 has no answer; question 5 after it is read.
        assert_eq!(d.questions.len(), 1);
        assert_eq!(d.questions[0].stem, "题干五");
    }

    #[test]
    fn gbk_text_is_detected() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("1、客户服务的特性是什么？\nA. 无形性\nB. 有形性\n答案：A\n");
        let (text, note) = decode(&bytes).expect("GBK decodes");
        assert!(text.contains("客户服务"));
        assert!(note.is_some_and(|n| n.contains("GBK")));
        assert!(decode(&[0xff, 0xfe, 0x00]).is_err() || decode(&[0xff, 0xfe, 0x00]).is_ok());
        assert!(decode(b"abc\0def").is_err());
        assert!(decode(&[0x80, 0x81, 0xff, 0xfe, 0xfd, 0x00, 0x01]).is_err());
    }
}
