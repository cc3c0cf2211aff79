//! Search of the bank (`/search 关键词`): stems, options, explanations and section
//! texts, matched the way Chinese text is searched.
//!
//! Text and keywords are compared normalised: full-width ASCII folded to half-width,
//! letters lowercased, and everything that is neither a letter nor a digit
//! (punctuation, symbols, whitespace) removed, so `服务。特性` finds `服务特性` and
//! `ＡＢＣ` finds `abc`. A keyword is a substring of the normalised text; several
//! keywords (separated by spaces, or by `，` `、` `；`) must all occur in one question (in any of its
//! texts) or one section. Hits keep their place in the original text, to be
//! highlighted there.

use std::ops::Range;

use super::{Bank, Question, Section};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 40;
/// Keywords in a query, at most.
pub const MAX_KEYWORDS: usize = 5;
/// Characters of a text shown around its first hit.
pub const SNIPPET_CHARS: usize = 60;

/// What separates keywords besides whitespace (a list typed the Chinese way).
const KEYWORD_SEPARATORS: &[char] = &[',', '，', '、', ';', '；'];

/// Why a query cannot be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing to search for (only spaces or punctuation).
    Empty,
    /// Longer than [`MAX_QUERY_CHARS`], or more than [`MAX_KEYWORDS`] keywords.
    TooLong,
}

/// A parsed query: its normalised keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    keywords: Vec<Vec<char>>,
}

/// One character of a normalised text, folded, and where it came from.
#[derive(Debug, Clone, Copy)]
struct Folded {
    c: char,
    /// Its byte range in the original text.
    from: usize,
    to: usize,
}

/// `c` as search compares it: `None` for what it ignores.
fn fold(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if !c.is_alphanumeric() {
        return None;
    }
    Some(c.to_lowercase().next().unwrap_or(c))
}

fn folded(text: &str) -> Vec<Folded> {
    text.char_indices()
        .filter_map(|(i, c)| {
            fold(c).map(|f| Folded {
                c: f,
                from: i,
                to: i + c.len_utf8(),
            })
        })
        .collect()
}

/// The normalised form of a text (what search compares).
pub fn normalise(text: &str) -> String {
    text.chars().filter_map(fold).collect()
}

impl Query {
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut keywords: Vec<Vec<char>> = text
            .split(|c: char| c.is_whitespace() || KEYWORD_SEPARATORS.contains(&c))
            .map(|w| w.chars().filter_map(fold).collect::<Vec<char>>())
            .filter(|k| !k.is_empty())
            .collect();
        keywords.dedup();
        match keywords.len() {
            0 => Err(QueryError::Empty),
            n if n > MAX_KEYWORDS => Err(QueryError::TooLong),
            _ => Ok(Query { keywords }),
        }
    }

    /// The keywords joined, normalised: the same for queries that search the same.
    pub fn normalised(&self) -> String {
        let words: Vec<String> = self.keywords.iter().map(|k| k.iter().collect()).collect();
        words.join(" ")
    }

    /// Where each keyword occurs in `text`: byte ranges of the original, in order.
    /// Also which keywords occur (a bit per keyword).
    fn hits(&self, text: &str) -> (Vec<Range<usize>>, u32) {
        let f = folded(text);
        let mut ranges = Vec::new();
        let mut found = 0u32;
        for (k, key) in self.keywords.iter().enumerate() {
            let n = key.len();
            if n == 0 || n > f.len() {
                continue;
            }
            for i in 0..=(f.len() - n) {
                if f[i..i + n].iter().zip(key).all(|(a, b)| a.c == *b) {
                    ranges.push(f[i].from..f[i + n - 1].to);
                    found |= 1 << k;
                }
            }
        }
        ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        // Overlapping hits become one.
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        (merged, found)
    }

    fn all(&self) -> u32 {
        (1u32 << self.keywords.len()) - 1
    }
}

/// A piece of text cut around its hits: runs of plain and highlighted text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Marked(pub Vec<(String, bool)>);

impl Marked {
    /// The text without marks.
    pub fn plain(&self) -> String {
        self.0.iter().map(|(s, _)| s.as_str()).collect()
    }
}

/// `text` cut to about [`SNIPPET_CHARS`] characters around its first hit (with `…`
/// where it was cut), the hits marked.
fn snippet(text: &str, hits: &[Range<usize>]) -> Marked {
    let text_chars: Vec<(usize, char)> = text.char_indices().collect();
    let first = hits.first().map_or(0, |r| r.start);
    let first_char = text_chars
        .iter()
        .position(|(i, _)| *i >= first)
        .unwrap_or(0);
    let start_char = first_char.saturating_sub(SNIPPET_CHARS / 4);
    let end_char = (start_char + SNIPPET_CHARS).min(text_chars.len());
    let start = text_chars.get(start_char).map_or(text.len(), |(i, _)| *i);
    let end = text_chars.get(end_char).map_or(text.len(), |(i, _)| *i);
    let mut out = Vec::new();
    if start > 0 {
        out.push(("…".to_string(), false));
    }
    let mut at = start;
    for r in hits {
        let (s, e) = (r.start.max(start), r.end.min(end));
        if s >= e {
            continue;
        }
        if s > at {
            out.push((text[at..s].to_string(), false));
        }
        out.push((text[s..e].to_string(), true));
        at = e;
    }
    if at < end {
        out.push((text[at..end].to_string(), false));
    }
    if end < text.len() {
        out.push(("…".to_string(), false));
    }
    // Line breaks of a section would break the list apart.
    Marked(
        out.into_iter()
            .map(|(s, m)| (s.replace(['\n', '\r'], " "), m))
            .collect(),
    )
}

/// A question that matched: its stem and, when a keyword is elsewhere, the text that
/// has it (an option, or the explanation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionHit<'b> {
    pub question: &'b Question,
    pub stem: Marked,
    pub more: Option<Marked>,
}

/// A section that matched: its chapter, title, and the text around the hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionHit<'b> {
    pub chapter: u8,
    pub section: &'b Section,
    pub title: Marked,
    pub text: Option<Marked>,
}

/// What a search found, in bank order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Found<'b> {
    pub questions: Vec<QuestionHit<'b>>,
    pub sections: Vec<SectionHit<'b>>,
}

impl Found<'_> {
    pub fn len(&self) -> usize {
        self.questions.len() + self.sections.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Every question and section of `bank` that has all of the query's keywords.
pub fn search<'b>(bank: &'b Bank, query: &Query) -> Found<'b> {
    let all = query.all();
    let mut found = Found::default();
    for q in bank.questions() {
        let (stem_hits, mut seen) = query.hits(&q.stem);
        let mut more = None;
        for text in q.options.iter().chain(std::iter::once(&q.explanation)) {
            let (hits, f) = query.hits(text);
            if f & !seen != 0 && more.is_none() {
                more = Some(snippet(text, &hits));
            }
            seen |= f;
        }
        if seen == all {
            found.questions.push(QuestionHit {
                question: q,
                stem: snippet(&q.stem, &stem_hits),
                more,
            });
        }
    }
    for ch in bank.chapters() {
        for s in &ch.sections {
            let (title_hits, t) = query.hits(&s.title);
            let (text_hits, x) = query.hits(&s.text);
            if t | x == all {
                found.sections.push(SectionHit {
                    chapter: ch.number,
                    section: s,
                    title: snippet(&s.title, &title_hits),
                    text: (x != 0).then(|| snippet(&s.text, &text_hits)),
                });
            }
        }
    }
    found
}

/// A short, stable hash of a query's normalised keywords (FNV-1a, 32 bits): a page
/// button names its search by it, without the query itself.
pub fn query_hash(query: &Query) -> u32 {
    query.normalised().bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_for_width_case_and_punctuation() {
        for (text, want) in [
            ("服务，特性", "服务特性"),
            ("ＡＢＣ abc", "abcabc"),
            ("《客户 服务》（一）", "客户服务一"),
            ("Ｑ１：是否？", "q1是否"),
            ("  ", ""),
            ("无形性、不可分性", "无形性不可分性"),
        ] {
            assert_eq!(normalise(text), want, "{text:?}");
        }
    }

    #[test]
    fn queries_are_keywords_within_limits() {
        let q = |s: &str| Query::parse(s).map(|q| q.normalised());
        assert_eq!(q("服务 特性"), Ok("服务 特性".into()));
        assert_eq!(q("　服务，　ＡＢ "), Ok("服务 ab".into()));
        assert_eq!(q("服务 服务"), Ok("服务".into()));
        assert_eq!(q("无形，本质、服务"), Ok("无形 本质 服务".into()));
        assert_eq!(q("服务。特性"), Ok("服务特性".into()));
        assert_eq!(q(""), Err(QueryError::Empty));
        assert_eq!(q("，。！"), Err(QueryError::Empty));
        assert_eq!(
            q(&"长".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong)
        );
        assert_eq!(q("a b c d e f"), Err(QueryError::TooLong));
        let h = |s: &str| query_hash(&Query::parse(s).unwrap());
        assert_eq!(h("服务 特性"), h("服务，  特性"));
        assert_ne!(h("服务 特性"), h("服务特性"));
    }

    #[test]
    fn hits_are_found_in_the_original_text_and_marked() {
        // (text, query) → the marked runs of its snippet, '*' around hits.
        let cases = [
            (
                "服务的本质是抽象和无形的。",
                "无形",
                "服务的本质是抽象和*无形*的。",
            ),
            (
                "服务的本质是抽象和无形的。",
                "抽象，和",
                "服务的本质是*抽象和*无形的。",
            ),
            (
                "五大特性：无形性、不可分性",
                "性不",
                "五大特性：无形*性、不*可分性",
            ),
            ("ABC abc", "ｂ", "A*B*C a*b*c"),
            ("无形无形", "无形 形无", "*无形无形*"),
        ];
        for (text, query, want) in cases {
            let query = Query::parse(query).unwrap();
            let (hits, _) = query.hits(text);
            let shown: String = snippet(text, &hits)
                .0
                .iter()
                .map(|(s, m)| if *m { format!("*{s}*") } else { s.clone() })
                .collect();
            assert_eq!(shown, want, "{text:?}");
        }
        // A long text is cut around its first hit.
        let long = format!("{}关键{}", "前".repeat(100), "后".repeat(100));
        let query = Query::parse("关键").unwrap();
        let s = snippet(&long, &query.hits(&long).0);
        assert!(s.0.first().is_some_and(|(t, _)| t == "…"));
        assert!(s.0.iter().any(|(t, m)| *m && t == "关键"));
        assert!(s.plain().chars().count() <= SNIPPET_CHARS + 2);
    }

    #[test]
    fn every_keyword_must_be_in_one_question_or_section() {
        let bank = crate::test_bank::chapters(&[1]);
        let ids = |query: &str| {
            let f = search(&bank, &Query::parse(query).unwrap());
            let q: Vec<&str> = f.questions.iter().map(|h| h.question.id.as_str()).collect();
            let s: Vec<&str> = f.sections.iter().map(|h| h.section.id.as_str()).collect();
            (q.join(","), s.join(","))
        };
        let cases = [
            ("无形", ("e1-q01,e1-q02", "e1-s01")),
            ("易消失性", ("e1-q02,e1-q03", "e1-s01")),
            ("本质 免费", ("e1-q01", "")),
            ("可储存", ("e1-q02", "")),
            ("服务特性", ("e1-q02", "")),
            ("服务 特性", ("e1-q02,e1-q03", "e1-s01")),
            ("火星", ("", "")),
        ];
        for (query, (q, s)) in cases {
            assert_eq!(ids(query), (q.to_string(), s.to_string()), "{query:?}");
        }
        // A keyword found only in an option is shown from there.
        let f = search(&bank, &Query::parse("可储存").unwrap());
        let more = f.questions[0].more.as_ref().unwrap();
        assert!(more.0.iter().any(|(t, m)| *m && t == "可储存"), "{more:?}");
    }
}
