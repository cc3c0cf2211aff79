//! Mock exams: the default blueprint, drawing a paper, and marking it.
//!
//! A paper is a list of questions, each with the option order it is shown in. The
//! learner answers any of them in any order and may change an answer until 交卷;
//! nothing is graded before then. Marking is all-or-nothing per question: a 多选 is
//! right only when exactly the key's options are chosen (no partial credit), as in
//! the certificate exam's 理论知识 paper.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::bank::{
    Bank, Blueprint, BlueprintPart, DEFAULT_POINTS, Kind, MAX_EXAM_QUESTIONS, Question,
};

use super::grade::{Verdict, grade};
use super::parse::Response;
use super::present::Presentation;

/// The default paper's mix: 20 单选, 10 多选, 15 判断 (45 questions; 100 points at
/// [`DEFAULT_POINTS`], 2 + 3 + 2). A bank with fewer questions of a kind gives all
/// it has.
pub const DEFAULT_MIX: [(Kind, u32); 3] =
    [(Kind::Single, 20), (Kind::Multi, 10), (Kind::Judge, 15)];
/// Seconds per question on the default paper: 45 questions in 60 minutes.
pub const SECONDS_PER_QUESTION: u32 = 80;
/// The default pass mark: 60% of the paper's points, rounded up.
pub const PASS_PERCENT: u32 = 60;

/// The order kinds appear in on a paper (as on the exam: 单选, 多选, 判断).
pub const KIND_ORDER: [Kind; 3] = [Kind::Single, Kind::Multi, Kind::Judge];

/// The blueprint a paper is drawn by: the bank's own (`[exam]`), else the default.
pub fn blueprint(bank: &Bank) -> Blueprint {
    bank.exam()
        .cloned()
        .unwrap_or_else(|| default_blueprint(bank))
}

/// The default blueprint for `bank`: of each kind, [`DEFAULT_MIX`]'s count (or all the
/// bank has), spread over the chapters in proportion to how many questions of that
/// kind each has (largest remainders, ties to the earlier chapter), so no chapter is
/// asked for more than it holds. [`SECONDS_PER_QUESTION`] per question, rounded up to
/// whole minutes; pass at [`PASS_PERCENT`] of the points.
pub fn default_blueprint(bank: &Bank) -> Blueprint {
    let mut parts = Vec::new();
    for (kind, want) in DEFAULT_MIX {
        let have: Vec<(u8, u32)> = bank
            .chapters()
            .iter()
            .map(|c| {
                let n = bank
                    .questions_in(c.number)
                    .filter(|q| q.kind == kind)
                    .count();
                (c.number, n as u32)
            })
            .collect();
        let total: u32 = have.iter().map(|(_, n)| n).sum();
        let want = want.min(total);
        for (chapter, count) in apportion(&have, want) {
            if count > 0 {
                parts.push(BlueprintPart {
                    chapter,
                    kind,
                    count,
                });
            }
        }
    }
    let mut bp = Blueprint {
        minutes: 1,
        pass: 0,
        points: DEFAULT_POINTS,
        parts,
    };
    let n = bp.questions().min(MAX_EXAM_QUESTIONS);
    bp.minutes = (n * SECONDS_PER_QUESTION).div_ceil(60).max(1);
    bp.pass = (bp.total_points() * PASS_PERCENT).div_ceil(100).max(1);
    bp
}

/// Splits `want` over `(chapter, size)` in proportion to size, by largest remainder.
fn apportion(sizes: &[(u8, u32)], want: u32) -> Vec<(u8, u32)> {
    let total: u64 = sizes.iter().map(|(_, n)| u64::from(*n)).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut out: Vec<(u8, u32, u64)> = sizes
        .iter()
        .map(|&(c, n)| {
            let exact = u64::from(want) * u64::from(n);
            (c, (exact / total) as u32, exact % total)
        })
        .collect();
    let mut left = want - out.iter().map(|(_, k, _)| k).sum::<u32>();
    let mut by_remainder: Vec<usize> = (0..out.len()).collect();
    by_remainder.sort_by(|&a, &b| out[b].2.cmp(&out[a].2).then(a.cmp(&b)));
    for i in by_remainder {
        if left == 0 {
            break;
        }
        if out[i].1 < sizes[i].1 {
            out[i].1 += 1;
            left -= 1;
        }
    }
    out.into_iter().map(|(c, k, _)| (c, k)).collect()
}

/// One question of a paper, with the option order it is shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperItem {
    /// The question's id.
    pub question: String,
    /// The order its options are shown in.
    pub presentation: Presentation,
}

/// Draws a paper by `bp`: each part's count at random from its chapter and kind,
/// options shuffled as on a card. The paper lists 单选, then 多选, then 判断, each
/// in chapter order and, within a chapter, at random. A part asking for more than
/// the bank has (a blueprint checked against another bank) gives what there is.
pub fn draw<R: Rng + ?Sized>(bank: &Bank, bp: &Blueprint, rng: &mut R) -> Vec<PaperItem> {
    let mut parts = bp.parts.clone();
    parts.sort_by_key(|p| (kind_rank(p.kind), p.chapter));
    let mut paper = Vec::new();
    for part in parts {
        let mut pool: Vec<&Question> = bank
            .questions_in(part.chapter)
            .filter(|q| q.kind == part.kind)
            .collect();
        pool.shuffle(rng);
        pool.truncate(part.count as usize);
        for q in pool {
            if paper.len() >= MAX_EXAM_QUESTIONS as usize {
                break;
            }
            paper.push(PaperItem {
                question: q.id.clone(),
                presentation: Presentation::new(q, rng),
            });
        }
    }
    paper
}

fn kind_rank(kind: Kind) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(0)
}

/// How one question of a paper was marked.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    /// Its place on the paper (0-based).
    pub index: usize,
    /// The question's chapter.
    pub chapter: u8,
    /// The question's kind.
    pub kind: Kind,
    /// The verdict; `None` when it was left unanswered (marked wrong).
    pub verdict: Option<Verdict>,
    /// Points earned: the kind's points when right, else 0.
    pub points: u32,
}

impl Marked {
    /// Answered, and exactly right.
    pub fn is_right(&self) -> bool {
        self.verdict.as_ref().is_some_and(Verdict::is_right)
    }
}

/// One chapter's part of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChapterScore {
    /// The chapter's number.
    pub chapter: u8,
    /// Its questions answered right.
    pub right: u32,
    /// Its questions on the paper.
    pub questions: u32,
    /// Points earned on them.
    pub points: u32,
    /// Points they were worth.
    pub total: u32,
}

/// A marked paper.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Points earned.
    pub points: u32,
    /// Points the paper was worth.
    pub total: u32,
    /// Points needed to pass.
    pub pass: u32,
    /// `points >= pass`.
    pub passed: bool,
    /// Questions answered right.
    pub right: u32,
    /// Questions marked.
    pub questions: u32,
    /// Questions left unanswered.
    pub unanswered: u32,
    /// In chapter order.
    pub chapters: Vec<ChapterScore>,
    /// Every question of the paper, in paper order. A question that left the bank
    /// since the paper was drawn is not marked (and counts for nothing).
    pub items: Vec<Marked>,
}

/// Marks `answers` (one slot per paper item, in shown letters) by `bp`'s points and
/// pass mark. The total is what this paper could earn.
pub fn mark(
    bank: &Bank,
    bp: &Blueprint,
    paper: &[PaperItem],
    answers: &[Option<Response>],
) -> Score {
    let mut items = Vec::new();
    let mut chapters: BTreeMap<u8, ChapterScore> = BTreeMap::new();
    for (index, item) in paper.iter().enumerate() {
        let Some(q) = bank.question(&item.question) else {
            continue;
        };
        let worth = bp.points.of(q.kind);
        let verdict = answers
            .get(index)
            .copied()
            .flatten()
            .map(|r| grade(q, &item.presentation, r));
        let right = verdict.as_ref().is_some_and(Verdict::is_right);
        let points = if right { worth } else { 0 };
        let c = chapters.entry(q.chapter).or_insert(ChapterScore {
            chapter: q.chapter,
            right: 0,
            questions: 0,
            points: 0,
            total: 0,
        });
        c.questions += 1;
        c.total += worth;
        c.points += points;
        c.right += u32::from(right);
        items.push(Marked {
            index,
            chapter: q.chapter,
            kind: q.kind,
            verdict,
            points,
        });
    }
    let points = items.iter().map(|m| m.points).sum();
    let total = chapters.values().map(|c| c.total).sum();
    let unanswered = items.iter().filter(|m| m.verdict.is_none()).count() as u32;
    Score {
        points,
        total,
        pass: bp.pass,
        passed: points >= bp.pass,
        right: items.iter().filter(|m| m.is_right()).count() as u32,
        questions: items.len() as u32,
        unanswered,
        chapters: chapters.into_values().collect(),
        items,
    }
}

/// The instant a paper started at `started` must be handed in by.
pub fn deadline(started: DateTime<Utc>, bp: &Blueprint) -> DateTime<Utc> {
    started + chrono::Duration::minutes(i64::from(bp.minutes))
}

/// The time a paper took: from its start to its hand-in, never more than its
/// minutes (a paper submitted automatically after its deadline took all of them)
/// and never negative (a clock that stepped back).
pub fn time_used(
    started: DateTime<Utc>,
    deadline: DateTime<Utc>,
    submitted: DateTime<Utc>,
) -> chrono::Duration {
    let end = submitted.min(deadline);
    (end - started).max(chrono::Duration::zero())
}

/// Whole seconds left before `deadline` at `now` (0 once it passed).
pub fn seconds_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (deadline - now).num_seconds().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::{KindPoints, OptionSet};
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn bank() -> Bank {
        crate::test_bank::bank()
    }

    fn count(bp: &Blueprint, kind: Kind) -> u32 {
        bp.parts
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.count)
            .sum()
    }

    #[test]
    fn apportion_is_proportional_and_never_exceeds_a_chapter() {
        type Sizes = &'static [(u8, u32)];
        let cases: &[(Sizes, u32, Sizes)] = &[
            (&[(1, 10), (2, 10)], 4, &[(1, 2), (2, 2)]),
            (&[(1, 9), (2, 5), (3, 6)], 10, &[(1, 5), (2, 2), (3, 3)]),
            (&[(1, 1), (2, 1), (3, 1)], 2, &[(1, 1), (2, 1), (3, 0)]),
            (&[(1, 3), (2, 0)], 3, &[(1, 3), (2, 0)]),
            (&[(1, 0)], 0, &[]),
            (&[(1, 2), (2, 7)], 9, &[(1, 2), (2, 7)]),
        ];
        for (sizes, want, expected) in cases {
            let got = apportion(sizes, *want);
            let got: Vec<(u8, u32)> = got.into_iter().filter(|_| true).collect();
            let expected: Vec<(u8, u32)> = expected.to_vec();
            if sizes.iter().all(|(_, n)| *n == 0) {
                assert!(got.is_empty());
                continue;
            }
            assert_eq!(got, expected, "{sizes:?} {want}");
        }
    }

    #[test]
    fn the_default_blueprint_fits_the_shipped_bank_and_the_test_bank() {
        let shipped = Bank::embedded().unwrap();
        let bp = default_blueprint(&shipped);
        assert_eq!(count(&bp, Kind::Single), 20);
        assert_eq!(count(&bp, Kind::Multi), 10);
        assert_eq!(count(&bp, Kind::Judge), 15);
        assert_eq!(bp.total_points(), 100);
        assert_eq!(bp.pass, 60);
        assert_eq!(bp.minutes, 60);
        for p in &bp.parts {
            let have = shipped
                .questions_in(p.chapter)
                .filter(|q| q.kind == p.kind)
                .count() as u32;
            assert!(p.count <= have, "{p:?}");
        }
        // Every chapter is on the paper.
        for c in shipped.chapters() {
            assert!(
                bp.parts.iter().any(|p| p.chapter == c.number),
                "chapter {}",
                c.number
            );
        }
        // A small bank gives all it has.
        let small = bank();
        let bp = default_blueprint(&small);
        let all = small.questions().len() as u32;
        assert_eq!(bp.questions(), all);
        assert_eq!(bp.minutes, (all * SECONDS_PER_QUESTION).div_ceil(60));
    }

    #[test]
    fn a_drawn_paper_follows_its_blueprint() {
        let shipped = Bank::embedded().unwrap();
        let bp = default_blueprint(&shipped);
        for seed in 0..5 {
            let paper = draw(&shipped, &bp, &mut StdRng::seed_from_u64(seed));
            assert_eq!(paper.len() as u32, bp.questions());
            let mut ids: Vec<&str> = paper.iter().map(|i| i.question.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), paper.len(), "no question twice");
            let kinds: Vec<Kind> = paper
                .iter()
                .map(|i| shipped.question(&i.question).unwrap().kind)
                .collect();
            let ranks: Vec<usize> = kinds.iter().map(|k| kind_rank(*k)).collect();
            assert!(
                ranks.windows(2).all(|w| w[0] <= w[1]),
                "单选, 多选, 判断 in order"
            );
            for part in &bp.parts {
                let n = paper
                    .iter()
                    .map(|i| shipped.question(&i.question).unwrap())
                    .filter(|q| q.chapter == part.chapter && q.kind == part.kind)
                    .count() as u32;
                assert_eq!(n, part.count, "{part:?}");
            }
            for i in &paper {
                assert!(i.presentation.fits(shipped.question(&i.question).unwrap()));
            }
        }
    }

    /// The right answer to a paper item, in its shown letters.
    fn right(bank: &Bank, item: &PaperItem) -> Response {
        let q = bank.question(&item.question).unwrap();
        match q.key {
            crate::bank::Key::Judge(b) => Response::Judge(b),
            crate::bank::Key::Choice(set) => Response::Choice(item.presentation.to_shown(set)),
        }
    }

    fn wrong(bank: &Bank, item: &PaperItem) -> Response {
        match right(bank, item) {
            Response::Judge(b) => Response::Judge(!b),
            Response::Choice(set) => {
                let n = item.presentation.len();
                let mut other = OptionSet::EMPTY;
                for i in 0..n {
                    if !set.contains(i) {
                        other.insert(i);
                    }
                }
                Response::Choice(other)
            }
        }
    }

    #[test]
    fn marking_is_all_or_nothing_per_question() {
        let b = bank();
        let mut bp = default_blueprint(&b);
        bp.points = KindPoints {
            single: 1,
            multi: 5,
            judge: 2,
        };
        let paper = draw(&b, &bp, &mut StdRng::seed_from_u64(7));
        let total: u32 = paper
            .iter()
            .map(|i| bp.points.of(b.question(&i.question).unwrap().kind))
            .sum();
        bp.pass = total / 2;
        enum A {
            Right,
            Wrong,
            Blank,
            SubsetOfMulti,
        }
        // (what every item gets, points expected, passed)
        let cases = [
            (A::Right, total, true),
            (A::Wrong, 0, false),
            (A::Blank, 0, false),
            (A::SubsetOfMulti, 0, false),
        ];
        for (pick, want, passed) in cases {
            let answers: Vec<Option<Response>> = paper
                .iter()
                .map(|item| match pick {
                    A::Right => Some(right(&b, item)),
                    A::Wrong => Some(wrong(&b, item)),
                    A::Blank => None,
                    A::SubsetOfMulti => match right(&b, item) {
                        Response::Choice(set) if set.len() > 1 => Some(Response::Choice(
                            OptionSet::single(set.iter().next().unwrap()),
                        )),
                        _ => Some(wrong(&b, item)),
                    },
                })
                .collect();
            let s = mark(&b, &bp, &paper, &answers);
            assert_eq!(s.points, want);
            assert_eq!(s.total, total);
            assert_eq!(s.passed, passed);
            assert_eq!(s.questions as usize, paper.len());
            assert_eq!(
                s.chapters.iter().map(|c| c.total).sum::<u32>(),
                total,
                "the chapters add up"
            );
            assert_eq!(s.chapters.iter().map(|c| c.points).sum::<u32>(), want);
        }
        // Half right: the right half's points, and the chapters say where.
        let answers: Vec<Option<Response>> = paper
            .iter()
            .enumerate()
            .map(|(i, item)| (i % 2 == 0).then(|| right(&b, item)))
            .collect();
        let s = mark(&b, &bp, &paper, &answers);
        let want: u32 = paper
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, it)| bp.points.of(b.question(&it.question).unwrap().kind))
            .sum();
        assert_eq!(s.points, want);
        assert_eq!(s.unanswered as usize, paper.len() / 2);
        assert_eq!(s.right as usize, paper.len().div_ceil(2));
        // Short answer lists are unanswered, not a panic.
        let s = mark(&b, &bp, &paper, &[]);
        assert_eq!(s.unanswered as usize, paper.len());
    }

    #[test]
    fn time_used_is_clamped_to_the_paper() {
        let t = |m: i64| {
            Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap() + chrono::Duration::minutes(m)
        };
        let bp = Blueprint {
            minutes: 30,
            pass: 1,
            points: DEFAULT_POINTS,
            parts: vec![],
        };
        let end = deadline(t(0), &bp);
        assert_eq!(end, t(30));
        let cases = [(t(10), 10), (t(30), 30), (t(95), 30), (t(-5), 0)];
        for (submitted, minutes) in cases {
            assert_eq!(
                time_used(t(0), end, submitted),
                chrono::Duration::minutes(minutes)
            );
        }
        assert_eq!(seconds_left(end, t(29)), 60);
        assert_eq!(seconds_left(end, t(31)), 0);
    }
}
