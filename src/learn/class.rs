//! The class report of a study group (`/class`, `/class csv`): for each member who
//! answered in the group, their answers and accuracy (all time and this week), their
//! run of right answers, when they last answered, and their weakest chapter; and the
//! group's weakest chapter.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::score::{MemberScore, week_start};
use super::stats::LogEntry;
use super::streak::local_day;

/// A chapter is someone's weakest only after this many answers in it.
pub const WEAKEST_MIN_ANSWERS: u32 = 2;

/// Answers and right answers in one chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChapterTally {
    /// The chapter number.
    pub chapter: u8,
    /// Answers to its questions.
    pub answered: u32,
    /// Right ones among them.
    pub right: u32,
}

impl ChapterTally {
    /// Accuracy in whole percent (0 without answers).
    pub fn percent(&self) -> u32 {
        percent(self.right, self.answered)
    }
}

/// `right / answered` in whole percent, rounded down (0 without answers).
pub fn percent(right: u32, answered: u32) -> u32 {
    if answered == 0 {
        return 0;
    }
    (u64::from(right.min(answered)) * 100 / u64::from(answered)) as u32
}

/// One member of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassRow {
    /// The Telegram user id.
    pub user: i64,
    /// The name the group's score knows.
    pub name: String,
    /// Answers in this group, all time.
    pub answered: u32,
    /// Right answers in this group, all time.
    pub right: u32,
    /// Answers this week (from the group's local Monday).
    pub week_answered: u32,
    /// Right answers this week.
    pub week_right: u32,
    /// Right answers in a row, up to the last answer in this group.
    pub streak: u32,
    /// The last answer in this group (`None` when the log has none left).
    pub last_active: Option<DateTime<Utc>>,
    /// The chapter with the lowest accuracy of those with at least
    /// [`WEAKEST_MIN_ANSWERS`] answers.
    pub weakest: Option<ChapterTally>,
}

/// The report: members by answers, most first; the group's weakest chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassReport {
    /// The members, most answers first.
    pub rows: Vec<ClassRow>,
    /// The group's weakest chapter (all members' answers together).
    pub weakest: Option<ChapterTally>,
    /// The Monday the week's figures start from.
    pub week_of: NaiveDate,
    /// The group's zone (for the last answers).
    pub tz: Tz,
}

/// One member's input: their score in the group and their log entries in it.
pub struct Member<'a> {
    /// The Telegram user id.
    pub user: i64,
    /// Their name on the group's score.
    pub name: &'a str,
    /// Their score in the group.
    pub score: &'a MemberScore,
    /// Their log entries in the group.
    pub log: &'a [LogEntry],
}

/// The lowest accuracy among chapters with enough answers; ties go to the chapter
/// with more answers, then the lower number.
fn weakest(tallies: &BTreeMap<u8, ChapterTally>) -> Option<ChapterTally> {
    tallies
        .values()
        .filter(|t| t.answered >= WEAKEST_MIN_ANSWERS)
        .min_by(|a, b| {
            // a.right / a.answered against b.right / b.answered, exactly.
            let (l, r) = (
                u64::from(a.right) * u64::from(b.answered),
                u64::from(b.right) * u64::from(a.answered),
            );
            l.cmp(&r)
                .then(b.answered.cmp(&a.answered))
                .then(a.chapter.cmp(&b.chapter))
        })
        .copied()
}

/// The weakest chapter of `entries` by the same rule (the weekly report's).
/// `chapter_of` names a question's chapter (`None`: it left the bank).
pub fn weakest_of<'a>(
    entries: impl IntoIterator<Item = &'a LogEntry>,
    chapter_of: impl Fn(&str) -> Option<u8>,
) -> Option<ChapterTally> {
    let mut tallies = BTreeMap::new();
    for e in entries {
        if let Some(c) = chapter_of(&e.question) {
            tally(&mut tallies, c, e.right);
        }
    }
    weakest(&tallies)
}

fn tally(tallies: &mut BTreeMap<u8, ChapterTally>, chapter: u8, right: bool) {
    let t = tallies.entry(chapter).or_insert(ChapterTally {
        chapter,
        answered: 0,
        right: 0,
    });
    t.answered = t.answered.saturating_add(1);
    t.right = t.right.saturating_add(u32::from(right));
}

/// The report at `now` in the group's zone `tz`. `chapter_of` names a question's
/// chapter (`None` for a question that left the bank: it counts everywhere but in
/// the chapters).
pub fn report(
    members: &[Member<'_>],
    chapter_of: impl Fn(&str) -> Option<u8>,
    now: DateTime<Utc>,
    tz: Tz,
) -> ClassReport {
    let week_of = week_start(now, tz);
    let mut group = BTreeMap::new();
    let mut rows: Vec<ClassRow> = members
        .iter()
        .map(|m| {
            let mut mine = BTreeMap::new();
            let (mut week_answered, mut week_right) = (0u32, 0u32);
            for e in m.log {
                if local_day(e.at, tz) >= week_of {
                    week_answered = week_answered.saturating_add(1);
                    week_right = week_right.saturating_add(u32::from(e.right));
                }
                if let Some(c) = chapter_of(&e.question) {
                    tally(&mut mine, c, e.right);
                    tally(&mut group, c, e.right);
                }
            }
            ClassRow {
                user: m.user,
                name: m.name.to_string(),
                answered: m.score.answered,
                right: m.score.correct,
                week_answered,
                week_right,
                streak: m.score.streak,
                last_active: m.log.iter().map(|e| e.at).max(),
                weakest: weakest(&mine),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.answered
            .cmp(&a.answered)
            .then(b.right.cmp(&a.right))
            .then_with(|| a.name.cmp(&b.name))
            .then(a.user.cmp(&b.user))
    });
    ClassReport {
        rows,
        weakest: weakest(&group),
        week_of,
        tz,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
    }

    fn entry(at: &str, question: &str, right: bool) -> LogEntry {
        LogEntry {
            at: utc(at),
            question: question.into(),
            right,
        }
    }

    fn score(answered: u32, correct: u32, streak: u32) -> MemberScore {
        MemberScore {
            answered,
            correct,
            streak,
            ..MemberScore::default()
        }
    }

    /// `c3-q01` → chapter 3; `gone` → none.
    fn chapter_of(q: &str) -> Option<u8> {
        q.strip_prefix('c')?.split('-').next()?.parse().ok()
    }

    #[test]
    fn percents_round_down_and_never_divide_by_zero() {
        for (right, answered, want) in [(0, 0, 0), (1, 3, 33), (2, 3, 66), (3, 3, 100), (5, 3, 100)]
        {
            assert_eq!(percent(right, answered), want, "{right}/{answered}");
        }
    }

    #[test]
    fn a_report_of_two_members() {
        // Wednesday 2026-03-04 in Shanghai; the week starts Monday 2026-03-02.
        let now = utc("2026-03-04 04:00");
        let tz = chrono_tz::Asia::Shanghai;
        let ann_log = [
            entry("2026-02-20 01:00", "c1-q01", true),
            entry("2026-02-20 01:01", "c1-q02", true),
            entry("2026-03-01 15:59", "c2-q01", false), // Sunday 23:59 local
            entry("2026-03-01 16:00", "c2-q02", true),  // Monday 00:00 local
            entry("2026-03-03 09:30", "gone", true),
        ];
        let bo_log = [
            entry("2026-03-02 02:00", "c1-q01", false),
            entry("2026-03-02 02:01", "c1-q02", false),
            entry("2026-03-02 02:02", "c2-q01", true),
        ];
        let (ann, bo) = (score(5, 4, 2), score(3, 1, 1));
        let members = [
            Member {
                user: 2,
                name: "Bo",
                score: &bo,
                log: &bo_log,
            },
            Member {
                user: 1,
                name: "Ann",
                score: &ann,
                log: &ann_log,
            },
        ];
        let r = report(&members, chapter_of, now, tz);
        assert_eq!(r.week_of, NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        let names: Vec<&str> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Ann", "Bo"]);
        let a = &r.rows[0];
        assert_eq!((a.answered, a.right, a.streak), (5, 4, 2));
        assert_eq!((a.week_answered, a.week_right), (2, 2));
        assert_eq!(a.last_active, Some(utc("2026-03-03 09:30")));
        // Chapter 2: 1 of 2; chapter 1: 2 of 2.
        assert_eq!(
            a.weakest,
            Some(ChapterTally {
                chapter: 2,
                answered: 2,
                right: 1
            })
        );
        let b = &r.rows[1];
        assert_eq!((b.week_answered, b.week_right), (3, 1));
        // Chapter 2 has one answer only: not enough to be the weakest.
        assert_eq!(b.weakest.map(|t| (t.chapter, t.percent())), Some((1, 0)));
        // The group: chapter 1 is 2 of 4, chapter 2 is 2 of 3.
        assert_eq!(r.weakest.map(|t| (t.chapter, t.percent())), Some((1, 50)));
    }

    #[test]
    fn weakest_ties_and_thresholds() {
        let t = |chapter, answered, right| ChapterTally {
            chapter,
            answered,
            right,
        };
        let cases: &[(&[ChapterTally], Option<u8>)] = &[
            (&[], None),
            (&[t(1, 1, 0)], None),
            (&[t(1, 2, 1), t(2, 4, 2)], Some(2)), // equal accuracy: more answers
            (&[t(3, 2, 1), t(2, 2, 1)], Some(2)), // then the lower number
            (&[t(1, 10, 9), t(2, 3, 2)], Some(2)),
            (&[t(1, 2, 0), t(2, 1, 0)], Some(1)),
        ];
        for (tallies, want) in cases {
            let map: BTreeMap<u8, ChapterTally> = tallies.iter().map(|t| (t.chapter, *t)).collect();
            assert_eq!(weakest(&map).map(|t| t.chapter), *want, "{tallies:?}");
        }
    }

    #[test]
    fn an_empty_group_has_an_empty_report() {
        let r = report(&[], chapter_of, utc("2026-03-04 04:00"), Tz::UTC);
        assert!(r.rows.is_empty() && r.weakest.is_none());
    }
}
