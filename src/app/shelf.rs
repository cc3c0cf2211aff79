//! A learner's own collections: the wrong-answer book (错题本, derived from the answer
//! log by `learn::wrong_book`), favourites (收藏, in the store's `shelf`), practising
//! either of them, and searching the bank (`/search`), whose last query the shelf
//! keeps for the result pages' buttons.

use rand::Rng;

use crate::bank::Question;
use crate::bank::search::{self, Found, Query, QueryError};
use crate::learn::{self, Drill, Presentation};
use crate::store::StoreError;

use super::{Next, Tutor};

/// A question in the wrong-answer book.
#[derive(Debug, Clone)]
pub struct BookItem<'b> {
    pub question: &'b Question,
    /// Wrong answers to it in all.
    pub wrong: u32,
    /// Right answers in a row since the last wrong one.
    pub right_since: u32,
}

/// Questions of one chapter, in bank order.
#[derive(Debug, Clone)]
pub struct ChapterSet<T> {
    pub chapter: u8,
    pub items: Vec<T>,
}

/// A star toggled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starred {
    /// Starred now (`true`) or not any more; stored, not yet durable.
    Now(bool),
    /// No such question in the bank: nothing changed.
    NoSuchQuestion,
}

/// A search, or a page of it.
#[derive(Debug)]
pub enum Searched<'b> {
    /// What the query found (possibly nothing); `hash` names it on page buttons.
    Found {
        query: String,
        hash: u32,
        found: Found<'b>,
    },
    /// The query cannot be searched.
    Bad(QueryError),
    /// A page button of an earlier search than the learner's last one.
    Stale,
}

/// One result of a search, by its number on the result pages.
#[derive(Debug, Clone, Copy)]
pub enum SearchHit<'b> {
    /// A question, to practise.
    Question(&'b Question),
    /// A section of the guide (its id), to read.
    Section(&'b str),
}

/// Groups items per chapter, chapters in bank order and items in bank order.
fn per_chapter<'b, T>(
    bank: &'b crate::bank::Bank,
    mut items: Vec<(&'b Question, T)>,
) -> Vec<ChapterSet<T>> {
    let position = |q: &Question| {
        bank.questions()
            .iter()
            .position(|x| x.id == q.id)
            .unwrap_or(usize::MAX)
    };
    items.sort_by_key(|(q, _)| position(q));
    let mut out: Vec<ChapterSet<T>> = Vec::new();
    for ch in bank.chapters() {
        let mut set = ChapterSet {
            chapter: ch.number,
            items: Vec::new(),
        };
        let mut rest = Vec::new();
        for (q, t) in items {
            if q.chapter == ch.number {
                set.items.push(t);
            } else {
                rest.push((q, t));
            }
        }
        items = rest;
        if !set.items.is_empty() {
            out.push(set);
        }
    }
    out
}

impl Tutor {
    /// The learner's wrong-answer book, per chapter (questions that left the bank
    /// are not shown).
    pub fn mistakes(&self, learner: i64) -> Result<Vec<ChapterSet<BookItem<'_>>>, StoreError> {
        let log = self
            .store
            .log(learner, chrono::DateTime::<chrono::Utc>::MIN_UTC)?;
        let book = learn::wrong_book(log.iter().map(|e| (e.question.as_str(), e.right, e.at)));
        let items = book
            .into_iter()
            .filter_map(|e| {
                let q = self.bank.question(&e.question)?;
                let item = BookItem {
                    question: q,
                    wrong: e.wrong,
                    right_since: e.right_since,
                };
                Some((q, item))
            })
            .collect();
        Ok(per_chapter(&self.bank, items))
    }

    /// The learner's starred questions, per chapter.
    pub fn starred(&self, learner: i64) -> Result<Vec<ChapterSet<&Question>>, StoreError> {
        let shelf = self.store.shelf(learner)?;
        let items = shelf
            .starred
            .iter()
            .filter_map(|(id, _)| self.bank.question(id))
            .map(|q| (q, q))
            .collect();
        Ok(per_chapter(&self.bank, items))
    }

    pub fn is_starred(&self, learner: i64, question: &str) -> Result<bool, StoreError> {
        Ok(self.store.shelf(learner)?.is_starred(question))
    }

    /// Stars or unstars a question of the bank (make it durable before saying so).
    pub fn toggle_star(&self, learner: i64, question: &str) -> Result<Starred, StoreError> {
        if self.bank.question(question).is_none() {
            return Ok(Starred::NoSuchQuestion);
        }
        let now = self.now();
        let on = self
            .store
            .update_shelf(learner, |s| (true, s.toggle_star(question, now)))?;
        Ok(Starred::Now(on))
    }

    /// The question ids of a drill, in the order to go through them.
    fn drill_ids(&self, learner: i64, drill: Drill) -> Result<Vec<&Question>, StoreError> {
        let sets: Vec<Vec<&Question>> = match drill {
            Drill::Mistakes(_) => self
                .mistakes(learner)?
                .into_iter()
                .filter(|s| drill.chapter().is_none_or(|c| c == s.chapter))
                .map(|s| s.items.into_iter().map(|i| i.question).collect())
                .collect(),
            Drill::Starred(_) => self
                .starred(learner)?
                .into_iter()
                .filter(|s| drill.chapter().is_none_or(|c| c == s.chapter))
                .map(|s| s.items)
                .collect(),
            Drill::Practice(_, chapter) => vec![self.scope_questions(chapter)],
        };
        Ok(sets.into_iter().flatten().collect())
    }

    /// The next card of a drill (never `exclude` while there is another), and the
    /// drill remembered for the verdict's 下一题. `None`: the set is empty.
    pub fn next_drill_card(
        &self,
        learner: i64,
        drill: Drill,
        exclude: Option<&str>,
        rng: &mut impl Rng,
    ) -> Result<Option<Next<'_>>, StoreError> {
        if let Drill::Practice(mode, chapter) = drill {
            let walked = self.practice_card(learner, mode, chapter, rng)?;
            return Ok(walked.map(|w| Next::Post {
                question: w.question,
                presentation: w.presentation,
                again: false,
            }));
        }
        let questions = self.drill_ids(learner, drill)?;
        let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        let progress = self.store.progress(learner)?;
        let Some(id) = learn::next_in_set(&ids, &progress, exclude) else {
            self.set_drill(learner, None)?;
            return Ok(None);
        };
        self.set_drill(learner, Some(drill))?;
        let question = questions
            .into_iter()
            .find(|q| q.id == id)
            .ok_or_else(|| StoreError::Corrupt("a drill lost its question".into()))?;
        Ok(Some(Next::Post {
            question,
            presentation: Presentation::new(question, rng),
            again: exclude == Some(id),
        }))
    }

    /// The drill the learner is in (what a verdict's 下一题 goes on with).
    pub fn drill(&self, learner: i64) -> Result<Option<Drill>, StoreError> {
        Ok(self.store.shelf(learner)?.drill)
    }

    /// Leaves (`None`) or enters a drill; writes only when it changes.
    pub(crate) fn set_drill(&self, learner: i64, drill: Option<Drill>) -> Result<(), StoreError> {
        if self.store.shelf(learner)?.drill == drill {
            return Ok(());
        }
        self.store.update_shelf(learner, |s| {
            let changed = s.drill != drill;
            s.drill = drill;
            (changed, ())
        })
    }

    /// Study mode (背题): the next question of chapter `chapter` (or every chapter) to
    /// look at with its answer, noted as seen in study mode (make it durable before
    /// showing it). Nothing is graded. `None` when the scope has no questions.
    pub fn study_next(
        &self,
        learner: i64,
        chapter: Option<u8>,
    ) -> Result<Option<&Question>, StoreError> {
        let shelf = self.store.shelf(learner)?;
        let ids: Vec<&str> = self
            .bank
            .questions()
            .iter()
            .filter(|q| chapter.is_none_or(|c| q.chapter == c))
            .map(|q| q.id.as_str())
            .collect();
        // Oldest first: the shelf keeps them in the order they were last studied.
        let last = |id: &str| shelf.studied.iter().position(|(q, _)| q == id);
        let exclude = shelf.studied.last().map(|(q, _)| q.as_str());
        let Some(id) = learn::next_to_study(&ids, last, exclude) else {
            return Ok(None);
        };
        let now = self.now();
        self.store.update_shelf(learner, |s| {
            s.studied(id, now);
            (true, ())
        })?;
        Ok(self.bank.question(id))
    }

    /// How many questions of the bank the learner has seen in study mode.
    pub fn studied(&self, learner: i64) -> Result<usize, StoreError> {
        let shelf = self.store.shelf(learner)?;
        Ok(shelf
            .studied
            .iter()
            .filter(|(q, _)| self.bank.question(q).is_some())
            .count())
    }

    /// One question of the bank as a card (a search result opened to practise it);
    /// `None` for an id the bank does not have.
    pub fn open_question(&self, question: &str, rng: &mut impl Rng) -> Option<Next<'_>> {
        let question = self.bank.question(question)?;
        Some(Next::Post {
            question,
            presentation: Presentation::new(question, rng),
            again: false,
        })
    }

    /// Searches the bank for `text`, remembered as the learner's last search (make it
    /// durable before showing the page buttons that refer to it).
    pub fn search(&self, learner: i64, text: &str) -> Result<Searched<'_>, StoreError> {
        let query = match Query::parse(text) {
            Ok(q) => q,
            Err(e) => return Ok(Searched::Bad(e)),
        };
        let typed = text.trim().to_string();
        self.store.update_shelf(learner, |s| {
            let changed = s.search.as_deref() != Some(typed.as_str());
            s.search = Some(typed.clone());
            (changed, ())
        })?;
        Ok(Searched::Found {
            hash: search::query_hash(&query),
            found: search::search(&self.bank, &query),
            query: typed,
        })
    }

    /// Result `n` (from 1, numbered as on the result pages) of the learner's last
    /// search; `None` when there is no such result (or no search).
    pub fn search_result(
        &self,
        learner: i64,
        n: usize,
    ) -> Result<Option<SearchHit<'_>>, StoreError> {
        let Some(text) = self.store.shelf(learner)?.search else {
            return Ok(None);
        };
        let Ok(query) = Query::parse(&text) else {
            return Ok(None);
        };
        let found = search::search(&self.bank, &query);
        let Some(i) = n.checked_sub(1) else {
            return Ok(None);
        };
        let question = found
            .questions
            .get(i)
            .map(|h| SearchHit::Question(h.question));
        let section = || {
            let j = i.checked_sub(found.questions.len())?;
            let hit = found.sections.get(j)?;
            Some(SearchHit::Section(hit.section.id.as_str()))
        };
        Ok(question.or_else(section))
    }

    /// The learner's last search again (for a page button naming it by `hash`).
    pub fn search_again(&self, learner: i64, hash: u32) -> Result<Searched<'_>, StoreError> {
        let Some(text) = self.store.shelf(learner)?.search else {
            return Ok(Searched::Stale);
        };
        match Query::parse(&text) {
            Ok(q) if search::query_hash(&q) == hash => Ok(Searched::Found {
                hash,
                found: search::search(&self.bank, &q),
                query: text,
            }),
            _ => Ok(Searched::Stale),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::super::testing::{answer, at, t0};
    use super::super::{Answer, Person};
    use super::*;
    use crate::learn::{Response, Scope};

    const U: i64 = 5;

    /// (question, wrong, right since) per chapter.
    type Book = Vec<(u8, Vec<(String, u32, u32)>)>;

    fn book(t: &Tutor) -> Book {
        t.mistakes(U)
            .unwrap()
            .into_iter()
            .map(|s| {
                let items = s
                    .items
                    .into_iter()
                    .map(|i| (i.question.id.clone(), i.wrong, i.right_since))
                    .collect();
                (s.chapter, items)
            })
            .collect()
    }

    #[test]
    fn the_book_holds_wrong_answers_until_two_right_in_a_row() {
        let t = at(t0());
        answer(&t, U, 1, "e2-q01", false);
        answer(&t, U, 2, "e1-q03", false);
        answer(&t, U, 3, "e1-q01", true);
        let want = vec![
            (1, vec![("e1-q03".to_string(), 1, 0)]),
            (2, vec![("e2-q01".to_string(), 1, 0)]),
        ];
        assert_eq!(book(&t), want, "per chapter, in bank order");
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        let exported: Vec<&str> = export["wrong_book"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["question"].as_str())
            .collect();
        assert_eq!(exported, ["e2-q01", "e1-q03"], "in the order they went in");
        answer(&t, U, 4, "e1-q03", true);
        assert_eq!(book(&t)[0].1, vec![("e1-q03".to_string(), 1, 1)]);
        // /stats' 错题 is the book's count: e1-q03 is still in, its last answer right.
        assert_eq!(t.stats(U).unwrap().wrong, 2);
        // A redelivered answer is not counted twice.
        let card = t.store.card(U, 4).unwrap().unwrap();
        let again = Answer {
            card: &card,
            who: Person {
                id: U,
                name: "Lin",
                lang_code: None,
            },
            response: Response::Judge(true),
            text: "",
        };
        assert!(matches!(
            t.answer_blocking(again).unwrap(),
            crate::app::Answered::AlreadyAnswered { .. }
        ));
        assert_eq!(book(&t)[0].1, vec![("e1-q03".to_string(), 1, 1)]);
        answer(&t, U, 5, "e1-q03", true);
        assert_eq!(book(&t), vec![(2, vec![("e2-q01".to_string(), 1, 0)])]);
        assert_eq!(t.stats(U).unwrap().wrong, 1);
    }

    #[test]
    fn practising_the_book_runs_through_it_and_ends_when_it_is_empty() {
        let t = at(t0());
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        answer(&t, U, 1, "e1-q01", false);
        answer(&t, U, 2, "e1-q03", false);
        answer(&t, U, 3, "e2-q01", false);
        let drill = Drill::Mistakes(Some(1));
        let mut next = |exclude| match t.next_drill_card(U, drill, exclude, &mut rng).unwrap() {
            Some(Next::Post { question, .. }) => Some(question.id.clone()),
            _ => None,
        };
        // Oldest first, and never the one just answered.
        assert_eq!(next(None).as_deref(), Some("e1-q01"));
        assert_eq!(next(Some("e1-q01")).as_deref(), Some("e1-q03"));
        assert_eq!(t.drill(U).unwrap(), Some(drill));
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        assert_eq!(
            export["practising"],
            serde_json::json!({ "set": "wrong_book", "chapter": 1 })
        );
        for (i, q) in ["e1-q01", "e1-q01", "e1-q03", "e1-q03"].iter().enumerate() {
            answer(&t, U, 10 + i as i32, q, true);
        }
        assert_eq!(next(None), None, "chapter 1 is cleared");
        assert_eq!(t.drill(U).unwrap(), None);
        // An ordinary card leaves a drill.
        t.next_drill_card(U, Drill::Mistakes(None), None, &mut rng)
            .unwrap()
            .unwrap();
        assert!(t.drill(U).unwrap().is_some());
        t.next_card(U, Scope::All, None, &mut rng).unwrap();
        assert_eq!(t.drill(U).unwrap(), None);
    }

    #[test]
    fn stars_toggle_and_a_forged_id_changes_nothing() {
        let t = at(t0());
        assert_eq!(t.toggle_star(U, "e2-q01").unwrap(), Starred::Now(true));
        assert_eq!(t.toggle_star(U, "e1-q02").unwrap(), Starred::Now(true));
        assert_eq!(
            t.toggle_star(U, "nope-q99").unwrap(),
            Starred::NoSuchQuestion
        );
        let shelf = t.store.shelf(U).unwrap();
        assert_eq!(shelf.starred.len(), 2);
        let lists: Vec<(u8, Vec<String>)> = t
            .starred(U)
            .unwrap()
            .into_iter()
            .map(|s| (s.chapter, s.items.iter().map(|q| q.id.clone()).collect()))
            .collect();
        assert_eq!(
            lists,
            vec![(1, vec!["e1-q02".into()]), (2, vec!["e2-q01".into()])]
        );
        assert!(t.is_starred(U, "e1-q02").unwrap());
        assert_eq!(t.toggle_star(U, "e1-q02").unwrap(), Starred::Now(false));
        assert!(!t.is_starred(U, "e1-q02").unwrap());
        // Exported, and forgotten.
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        assert_eq!(export["starred"][0]["question"], "e2-q01");
        t.forget(U).unwrap();
        assert!(t.store.shelf(U).unwrap().starred.is_empty());
    }

    #[test]
    fn study_mode_walks_the_scope_grades_nothing_and_counts_what_was_seen() {
        let t = at(t0());
        let ids: Vec<String> = t.bank.questions_in(1).map(|q| q.id.clone()).collect();
        let mut seen = Vec::new();
        for _ in 0..ids.len() {
            seen.push(t.study_next(U, Some(1)).unwrap().unwrap().id.clone());
        }
        assert_eq!(seen, ids, "in bank order, each once");
        // Then the one seen longest ago, never the one just seen.
        assert_eq!(t.study_next(U, Some(1)).unwrap().unwrap().id, ids[0]);
        assert_eq!(t.studied(U).unwrap(), ids.len());
        let stats = t.stats(U).unwrap();
        assert_eq!(stats.answered, 0, "nothing graded");
        assert!(t.store.progress(U).unwrap().is_empty());
        assert!(t.study_next(U, Some(99)).unwrap().is_none());
        let export: serde_json::Value = serde_json::from_slice(&t.export(U).unwrap()).unwrap();
        assert_eq!(export["studied"].as_array().map(Vec::len), Some(ids.len()));
    }

    #[test]
    fn a_search_is_remembered_for_its_pages() {
        let t = at(t0());
        let Searched::Found { hash, found, .. } = t.search(U, "服务 特性").unwrap() else {
            panic!("not found")
        };
        assert!(!found.is_empty());
        assert!(matches!(
            t.search_again(U, hash).unwrap(),
            Searched::Found { .. }
        ));
        assert!(matches!(
            t.search_again(U, hash ^ 1).unwrap(),
            Searched::Stale
        ));
        assert!(matches!(
            t.search(U, &"长".repeat(100)).unwrap(),
            Searched::Bad(QueryError::TooLong)
        ));
        assert!(matches!(
            t.search(U, "，").unwrap(),
            Searched::Bad(QueryError::Empty)
        ));
        // The bad query did not replace the last one.
        assert!(matches!(
            t.search_again(U, hash).unwrap(),
            Searched::Found { .. }
        ));
        // Results by number: questions first, then sections, as the pages number them.
        assert!(matches!(
            t.search_result(U, 1).unwrap(),
            Some(SearchHit::Question(q)) if q.id == found.questions[0].question.id
        ));
        let n = found.questions.len() + 1;
        if let Some(first) = found.sections.first() {
            assert!(matches!(
                t.search_result(U, n).unwrap(),
                Some(SearchHit::Section(id)) if id == first.section.id
            ));
        }
        assert!(t.search_result(U, 0).unwrap().is_none());
        assert!(t.search_result(U, found.len() + 1).unwrap().is_none());
        assert!(
            t.search_result(U + 1, 1).unwrap().is_none(),
            "no search yet"
        );
        assert!(t.open_question("nope-q99", &mut rand::rng()).is_none());
        assert!(t.open_question("e1-q01", &mut rand::rng()).is_some());
    }
}
