//! Markup-neutral documents: runs of text with a style, and buttons described by what
//! they ask for. Telegram turns a [`Doc`] into escaped HTML with an inline keyboard;
//! the terminal into plain or ANSI text. Text in a `Doc` is never markup: the front
//! end escapes it.

/// How a run of text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
    Italic,
    /// Quoted text (the guide's own words under a verdict), shown as a block.
    Quote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub style: Style,
    pub text: String,
}

/// A button: its label and its intent (what a tap asks for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub intent: Intent,
}

impl Button {
    pub fn new(label: impl Into<String>, intent: Intent) -> Button {
        Button {
            label: label.into(),
            intent,
        }
    }
}

/// What a button asks for. Telegram carries it in callback data (`telegram::codec`);
/// the terminal has typed commands instead and ignores buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Answer a single-choice or judge card with shown option `index` (judge: 0 = 对, 1 = 错).
    Answer { question: String, index: u8 },
    /// Toggle shown option `index` of a multi card.
    Toggle { question: String, index: u8 },
    /// Submit the toggled options of a multi card.
    Submit { question: String },
    /// The next question, in a scope.
    Next(NextScope),
    /// Read a section in full.
    Read { section: String },
    /// Page through a chapter: section `index` of chapter `chapter`.
    Page { chapter: u8, index: u16 },
    /// One-tap daily subscription at the default time.
    Subscribe,
    /// Confirm or cancel `/forget`.
    Forget { confirm: bool },
    // Issue 19: favourites and search.
    /// Star or unstar a question (☆ / ★ under a verdict).
    Star { question: String },
    /// A search result: this question as a card, to practise it.
    Open { question: String },
    /// Page `page` of the learner's last search, named by its hash.
    SearchPage { hash: u32, page: u16 },
    /// Study mode (背题): the next question with its answer, of a chapter or all.
    Study { chapter: Option<u8> },
    // -- issue 19: the mock exam's answer sheet --
    /// `op` on mock-exam paper `exam` (its nonce: a button of another paper, or of
    /// another learner's, changes nothing).
    Exam { exam: u32, op: SheetOp },
}

/// What a button of a mock exam's sheet does (see `app::exam::ExamOp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetOp {
    /// Show question `i` (0-based).
    Go(u16),
    /// Tap shown option `o` of question `i`.
    Pick(u16, u8),
    /// 交卷 (warns about unanswered questions first).
    Submit,
    /// 交卷 after the warning.
    Confirm,
}

/// The scope of a "next question" button.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextScope {
    All,
    Chapter(u8),
    Review,
    /// The wrong-answer book or the favourites (issue 19).
    Drill(crate::learn::Drill),
}

impl NextScope {
    /// The practice scope it names, or the drill.
    pub fn scope(self) -> Result<crate::learn::Scope, crate::learn::Drill> {
        match self {
            NextScope::All => Ok(crate::learn::Scope::All),
            NextScope::Review => Ok(crate::learn::Scope::Review),
            NextScope::Chapter(n) => Ok(crate::learn::Scope::Chapter(n)),
            NextScope::Drill(d) => Err(d),
        }
    }
}

/// A document: styled runs of text, then rows of buttons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    pub spans: Vec<Span>,
    pub buttons: Vec<Vec<Button>>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    /// A document of one plain run.
    pub fn plain(text: impl Into<String>) -> Doc {
        let mut d = Doc::new();
        d.text(text);
        d
    }

    fn push(&mut self, style: Style, text: impl Into<String>) -> &mut Doc {
        let text = text.into();
        if text.is_empty() {
            return self;
        }
        match self.spans.last_mut() {
            Some(last) if last.style == style && style != Style::Quote => last.text.push_str(&text),
            _ => self.spans.push(Span { style, text }),
        }
        self
    }

    pub fn text(&mut self, text: impl Into<String>) -> &mut Doc {
        self.push(Style::Plain, text)
    }

    pub fn bold(&mut self, text: impl Into<String>) -> &mut Doc {
        self.push(Style::Bold, text)
    }

    pub fn italic(&mut self, text: impl Into<String>) -> &mut Doc {
        self.push(Style::Italic, text)
    }

    /// A quoted block (never merged with the quote before it).
    pub fn quote(&mut self, text: impl Into<String>) -> &mut Doc {
        self.push(Style::Quote, text)
    }

    /// Appends another document's text (its buttons too, as further rows).
    pub fn append(&mut self, other: Doc) -> &mut Doc {
        for s in other.spans {
            self.push(s.style, s.text);
        }
        self.buttons.extend(other.buttons);
        self
    }

    pub fn row(&mut self, row: Vec<Button>) -> &mut Doc {
        if !row.is_empty() {
            self.buttons.push(row);
        }
        self
    }

    pub fn with_buttons(mut self, rows: Vec<Vec<Button>>) -> Doc {
        self.buttons = rows.into_iter().filter(|r| !r.is_empty()).collect();
        self
    }

    /// The text without any styling (tests, lengths, logs of shapes).
    pub fn plain_text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_one_style_merge_except_quotes() {
        let mut d = Doc::new();
        d.text("a")
            .text("b")
            .bold("c")
            .quote("q1")
            .quote("q2")
            .text("");
        assert_eq!(d.spans.len(), 4);
        assert_eq!(d.plain_text(), "abcq1q2");
        assert!(Doc::new().is_empty());
        let d =
            Doc::plain("x").with_buttons(vec![vec![], vec![Button::new("b", Intent::Subscribe)]]);
        assert_eq!(d.buttons.len(), 1);
    }
}
