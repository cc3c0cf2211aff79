//! On-disk encodings: postcard of versioned serde mirrors of the domain types.
//!
//! Every value is a `…Record` enum whose variant index (postcard's first byte) is the
//! record version, and each version is a struct (`LearnerV1`, `ProgressItemV2`, …)
//! made of small sub-records (`…Rec`). Versions share the sub-records they agree on;
//! postcard writes a nested struct as its fields in order, so sharing one changes no
//! byte.
//!
//! Decoding goes up a chain: an old version becomes the next one (`From<V1> for V2`,
//! lossless), until the current one, which alone converts into the domain type; and
//! encoding writes the current one. So each domain type has one conversion in and
//! one out, and old values stay readable forever. A new version adds a variant, a
//! struct for it, a step of the chain, and a frozen fixture of its bytes (see
//! `records/tests.rs`).
//!
//! Times are stored as i64 milliseconds since the epoch, dates as i32 days from CE,
//! times of day as u32 seconds from midnight.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::bank::OptionSet;
use crate::lang::Lang;
use crate::learn::{Bag, MemberScore, Memory, Phase, Progress, Response, Streak};

use super::model::{
    Card, CardAnswer, CardKind, Chat, ChatKind, Daily, FsrsParameters, Learner, ReportSetting,
    Round, Shelf,
};

type R<T> = Result<T, String>;

/// A value stored in a tree, with its on-disk encoding.
pub(crate) trait Codec: Sized {
    fn encode(&self) -> Vec<u8>;
    fn decode(bytes: &[u8]) -> R<Self>;
}

fn to_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    // Serializing plain structs into a Vec cannot fail.
    postcard::to_stdvec(v).expect("postcard encoding of a plain record")
}

fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> R<T> {
    postcard::from_bytes(bytes).map_err(|e| e.to_string())
}

// ---- scalar helpers -------------------------------------------------------------

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> R<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| format!("timestamp {ms} out of range"))
}

/// A stored zone name. One this build's zone database does not know (a record from
/// a newer build) reads as the fallback zone, with a warning: the chat keeps working.
fn zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or_else(|_| {
        tracing::warn!(
            zone = name,
            "unknown zone in a record; using the fallback zone"
        );
        super::model::FALLBACK_ZONE
    })
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(n: i32) -> R<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(n).ok_or_else(|| format!("date {n} out of range"))
}

fn opt_date(n: Option<i32>) -> R<Option<NaiveDate>> {
    n.map(date).transpose()
}

fn secs(t: NaiveTime) -> u32 {
    t.num_seconds_from_midnight()
}

fn clock(s: u32) -> R<NaiveTime> {
    NaiveTime::from_num_seconds_from_midnight_opt(s, 0)
        .ok_or_else(|| format!("time of day {s} out of range"))
}

// ---- sub-records shared by several records ---------------------------------------

/// A field-less domain enum's mirror `$rec`, with the conversions both ways. Its
/// variants are listed in their on-disk order (postcard writes the index).
macro_rules! mirror_enum {
    ($rec:ident <-> $domain:ident { $($v:ident),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, Serialize, Deserialize)]
        enum $rec {
            $($v),+
        }

        impl From<$domain> for $rec {
            fn from(x: $domain) -> Self {
                match x {
                    $($domain::$v => $rec::$v),+
                }
            }
        }

        impl From<$rec> for $domain {
            fn from(x: $rec) -> Self {
                match x {
                    $($rec::$v => $domain::$v),+
                }
            }
        }
    };
}

mirror_enum!(LangRec <-> Lang { Zh, En });
mirror_enum!(ChatKindRec <-> ChatKind { Private, Group });
mirror_enum!(PhaseRec <-> Phase { New, Learning, Review, Relearning });

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum ResponseRec {
    Choice(u8),
    Judge(bool),
}

impl From<Response> for ResponseRec {
    fn from(r: Response) -> Self {
        match r {
            Response::Choice(s) => ResponseRec::Choice(s.0),
            Response::Judge(b) => ResponseRec::Judge(b),
        }
    }
}

impl From<ResponseRec> for Response {
    fn from(r: ResponseRec) -> Self {
        match r {
            ResponseRec::Choice(s) => Response::Choice(OptionSet(s)),
            ResponseRec::Judge(b) => Response::Judge(b),
        }
    }
}

/// A question id inside a packed record (version 2 of [`ProgressSetRecord`] and
/// [`LogChunkRecord`]). Bank ids look like `c1-q01`: `Short` holds such an id as its
/// two numbers (3 bytes instead of 7), and only when formatting them back gives the
/// identical string (`c1-q1`, `c1-q001`, `c01-q01` or `c300-q01` stay `Other`), so
/// an id always reads back exactly as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum QuestionRef {
    Short { chapter: u8, number: u16 },
    Other(String),
}

impl QuestionRef {
    pub fn new(id: &str) -> QuestionRef {
        Self::short(id).unwrap_or_else(|| QuestionRef::Other(id.to_string()))
    }

    fn short(id: &str) -> Option<QuestionRef> {
        let (chapter, number) = id.strip_prefix('c')?.split_once("-q")?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(chapter) || !digits(number) {
            return None;
        }
        let short = QuestionRef::Short {
            chapter: chapter.parse().ok()?,
            number: number.parse().ok()?,
        };
        (short.id() == id).then_some(short)
    }

    pub fn id(&self) -> String {
        match self {
            QuestionRef::Short { chapter, number } => format!("c{chapter}-q{number:02}"),
            QuestionRef::Other(s) => s.clone(),
        }
    }

    fn into_id(self) -> String {
        match self {
            QuestionRef::Other(s) => s,
            short => short.id(),
        }
    }
}

// ---- learners -------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreakRec {
    current: u32,
    best: u32,
    last_day: Option<i32>,
    last_repair: Option<i32>,
}

impl From<&Streak> for StreakRec {
    fn from(s: &Streak) -> Self {
        StreakRec {
            current: s.current,
            best: s.best,
            last_day: s.last_day.map(day),
            last_repair: s.last_repair.map(day),
        }
    }
}

impl TryFrom<StreakRec> for Streak {
    type Error = String;

    fn try_from(r: StreakRec) -> R<Streak> {
        Ok(Streak {
            current: r.current,
            best: r.best,
            last_day: opt_date(r.last_day)?,
            last_repair: opt_date(r.last_repair)?,
        })
    }
}

/// A learner (tree `learners`, key user). Version 1: the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LearnerV1 {
    id: i64,
    name: String,
    lang: Option<LangRec>,
    tz: Option<String>,
    active: bool,
    streak: StreakRec,
    remind: bool,
    created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum LearnerRecord {
    V1(LearnerV1),
}

impl From<&Learner> for LearnerV1 {
    fn from(l: &Learner) -> Self {
        LearnerV1 {
            id: l.id,
            name: l.name.clone(),
            lang: l.lang.map(Into::into),
            tz: l.tz.map(|tz| tz.name().to_string()),
            active: l.active,
            streak: (&l.streak).into(),
            remind: l.remind,
            created: ms(l.created),
        }
    }
}

impl TryFrom<LearnerV1> for Learner {
    type Error = String;

    fn try_from(r: LearnerV1) -> R<Learner> {
        Ok(Learner {
            id: r.id,
            name: r.name,
            lang: r.lang.map(Into::into),
            tz: r.tz.as_deref().map(zone),
            active: r.active,
            streak: r.streak.try_into()?,
            remind: r.remind,
            created: time(r.created)?,
        })
    }
}

impl Codec for Learner {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LearnerRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LearnerRecord::V1(r) => r.try_into(),
        }
    }
}

// ---- chats ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DailyRec {
    time: u32,
    reveal: Option<u32>,
    last_sent: Option<i32>,
    remind: bool,
    last_reminded: Option<i32>,
}

impl From<&Daily> for DailyRec {
    fn from(d: &Daily) -> Self {
        DailyRec {
            time: secs(d.time),
            reveal: d.reveal.map(secs),
            last_sent: d.last_sent.map(day),
            remind: d.remind,
            last_reminded: d.last_reminded.map(day),
        }
    }
}

impl TryFrom<DailyRec> for Daily {
    type Error = String;

    fn try_from(r: DailyRec) -> R<Daily> {
        Ok(Daily {
            time: clock(r.time)?,
            reveal: r.reveal.map(clock).transpose()?,
            last_sent: opt_date(r.last_sent)?,
            remind: r.remind,
            last_reminded: opt_date(r.last_reminded)?,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BagRec {
    remaining: Vec<String>,
    last: Option<String>,
}

impl From<&Bag> for BagRec {
    fn from(b: &Bag) -> Self {
        BagRec {
            remaining: b.remaining.clone(),
            last: b.last.clone(),
        }
    }
}

impl From<BagRec> for Bag {
    fn from(r: BagRec) -> Self {
        Bag {
            remaining: r.remaining,
            last: r.last,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundRec {
    total: u8,
    asked: u8,
    started_by: i64,
    scores: Vec<(i64, String, u64)>,
}

/// A round, version 2 (in [`ChatV2`]): version 1 and its chapter.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundRecV2 {
    total: u8,
    asked: u8,
    started_by: i64,
    scores: Vec<(i64, String, u64)>,
    chapter: Option<u8>,
}

impl From<RoundRec> for RoundRecV2 {
    fn from(r: RoundRec) -> Self {
        RoundRecV2 {
            total: r.total,
            asked: r.asked,
            started_by: r.started_by,
            scores: r.scores,
            chapter: None,
        }
    }
}

impl From<&Round> for RoundRecV2 {
    fn from(r: &Round) -> Self {
        RoundRecV2 {
            total: r.total,
            asked: r.asked,
            started_by: r.started_by,
            scores: r.scores.clone(),
            chapter: r.chapter,
        }
    }
}

impl From<RoundRecV2> for Round {
    fn from(r: RoundRecV2) -> Self {
        Round {
            total: r.total,
            asked: r.asked,
            started_by: r.started_by,
            scores: r.scores,
            chapter: r.chapter,
        }
    }
}

/// A chat (tree `chats`, key chat). Version 1: the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatV1 {
    id: i64,
    kind: ChatKindRec,
    title: String,
    tz: String,
    lang: Option<LangRec>,
    daily: Option<DailyRec>,
    active: bool,
    time_limit_secs: u32,
    bag: BagRec,
    round: Option<RoundRec>,
    open_card: Option<i32>,
}

/// A chat, version 2 (commit of `/round N CHAPTER` and `/settings hide_typed`):
/// version 1, a round's chapter, and whether typed answers are hidden.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatV2 {
    id: i64,
    kind: ChatKindRec,
    title: String,
    tz: String,
    lang: Option<LangRec>,
    daily: Option<DailyRec>,
    active: bool,
    time_limit_secs: u32,
    bag: BagRec,
    round: Option<RoundRecV2>,
    open_card: Option<i32>,
    hide_typed: bool,
}

/// A chat, version 3 (`/settings streak_bonus`): version 2 and whether right
/// answers in a row earn the streak bonus in group scoring.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatV3 {
    id: i64,
    kind: ChatKindRec,
    title: String,
    tz: String,
    lang: Option<LangRec>,
    daily: Option<DailyRec>,
    active: bool,
    time_limit_secs: u32,
    bag: BagRec,
    round: Option<RoundRecV2>,
    open_card: Option<i32>,
    hide_typed: bool,
    streak_bonus: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ChatRecord {
    V1(ChatV1),
    V2(ChatV2),
    V3(ChatV3),
}

impl From<ChatV1> for ChatV2 {
    fn from(r: ChatV1) -> Self {
        ChatV2 {
            id: r.id,
            kind: r.kind,
            title: r.title,
            tz: r.tz,
            lang: r.lang,
            daily: r.daily,
            active: r.active,
            time_limit_secs: r.time_limit_secs,
            bag: r.bag,
            round: r.round.map(Into::into),
            open_card: r.open_card,
            hide_typed: false,
        }
    }
}

impl From<ChatV2> for ChatV3 {
    fn from(r: ChatV2) -> Self {
        ChatV3 {
            id: r.id,
            kind: r.kind,
            title: r.title,
            tz: r.tz,
            lang: r.lang,
            daily: r.daily,
            active: r.active,
            time_limit_secs: r.time_limit_secs,
            bag: r.bag,
            round: r.round,
            open_card: r.open_card,
            hide_typed: r.hide_typed,
            streak_bonus: true,
        }
    }
}

impl From<&Chat> for ChatV3 {
    fn from(c: &Chat) -> Self {
        ChatV3 {
            id: c.id,
            kind: c.kind.into(),
            title: c.title.clone(),
            tz: c.tz.name().to_string(),
            lang: c.lang.map(Into::into),
            daily: c.daily.as_ref().map(Into::into),
            active: c.active,
            time_limit_secs: c.time_limit_secs,
            bag: (&c.bag).into(),
            round: c.round.as_ref().map(Into::into),
            open_card: c.open_card,
            hide_typed: c.hide_typed,
            streak_bonus: c.streak_bonus,
        }
    }
}

impl TryFrom<ChatV3> for Chat {
    type Error = String;

    fn try_from(r: ChatV3) -> R<Chat> {
        Ok(Chat {
            id: r.id,
            kind: r.kind.into(),
            title: r.title,
            tz: zone(&r.tz),
            lang: r.lang.map(Into::into),
            daily: r.daily.map(Daily::try_from).transpose()?,
            active: r.active,
            time_limit_secs: r.time_limit_secs,
            bag: r.bag.into(),
            round: r.round.map(Into::into),
            open_card: r.open_card,
            hide_typed: r.hide_typed,
            streak_bonus: r.streak_bonus,
        })
    }
}

impl Codec for Chat {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ChatRecord::V3(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ChatRecord::V1(r) => ChatV3::from(ChatV2::from(r)).try_into(),
            ChatRecord::V2(r) => ChatV3::from(r).try_into(),
            ChatRecord::V3(r) => r.try_into(),
        }
    }
}

// ---- progress -------------------------------------------------------------------

/// The FSRS state of a question apart from its two instants: the same in every
/// progress record, single or packed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FsrsRec {
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    phase: PhaseRec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemoryRec {
    due: i64,
    fsrs: FsrsRec,
    last_review: i64,
}

impl From<&Memory> for MemoryRec {
    fn from(m: &Memory) -> Self {
        MemoryRec {
            due: ms(m.due),
            fsrs: FsrsRec {
                stability: m.stability,
                difficulty: m.difficulty,
                elapsed_days: m.elapsed_days,
                scheduled_days: m.scheduled_days,
                reps: m.reps,
                lapses: m.lapses,
                phase: m.phase.into(),
            },
            last_review: ms(m.last_review),
        }
    }
}

impl TryFrom<MemoryRec> for Memory {
    type Error = String;

    fn try_from(r: MemoryRec) -> R<Memory> {
        let f = r.fsrs;
        Ok(Memory {
            due: time(r.due)?,
            stability: f.stability,
            difficulty: f.difficulty,
            elapsed_days: f.elapsed_days,
            scheduled_days: f.scheduled_days,
            reps: f.reps,
            lapses: f.lapses,
            phase: f.phase.into(),
            last_review: time(r.last_review)?,
        })
    }
}

/// One question's progress with its instants in full. Version 1 of the schema-1
/// `progress` tree (key user · question id), only read now, by the migration to
/// schema 2 (see `schema.rs`); and the form a packed item unpacks to
/// ([`ProgressItemV2::unpack`]), so that [`Progress`] is converted from one record.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProgressV1 {
    memory: MemoryRec,
    seen: u32,
    right: u32,
    last_seen: i64,
    last_right: bool,
    last_answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ProgressRecord {
    V1(ProgressV1),
}

impl From<&Progress> for ProgressV1 {
    fn from(p: &Progress) -> Self {
        ProgressV1 {
            memory: (&p.memory).into(),
            seen: p.seen,
            right: p.right,
            last_seen: ms(p.last_seen),
            last_right: p.last_right,
            last_answer: p.last_answer.clone(),
        }
    }
}

impl TryFrom<ProgressV1> for Progress {
    type Error = String;

    fn try_from(r: ProgressV1) -> R<Progress> {
        Ok(Progress {
            memory: r.memory.try_into()?,
            seen: r.seen,
            right: r.right,
            last_seen: time(r.last_seen)?,
            last_right: r.last_right,
            last_answer: r.last_answer,
        })
    }
}

impl Codec for Progress {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ProgressRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ProgressRecord::V1(r) => r.try_into(),
        }
    }
}

/// What a packed progress item holds after its question and two instants: the same
/// in every version. `last_seen` is stored as a difference from `last_review` (a
/// zigzag varint: usually the same instant, one byte).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PackedProgressRec {
    seen_after: i64,
    fsrs: FsrsRec,
    seen: u32,
    right: u32,
    last_right: bool,
    last_answer: String,
}

/// One question's progress inside a [`ProgressSetRecord`], version 1 (schema 2,
/// commit 9ff1051): the question id as a string, `due` relative to `last_review`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProgressItemV1 {
    question: String,
    last_review: i64,
    due_after: i64,
    rest: PackedProgressRec,
}

/// One question's progress inside a [`ProgressSetRecord`], version 2 (commit
/// fc1772e): the question as a [`QuestionRef`], and `due` relative to `last_review`
/// plus `scheduled_days` (a review is due exactly that many days after it: one byte
/// instead of five).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProgressItemV2 {
    question: QuestionRef,
    last_review: i64,
    due_after_scheduled: i64,
    rest: PackedProgressRec,
}

const DAY_MS: i64 = 86_400_000;

/// When a review at `last_review` scheduled `days` ahead is due (wrapping: the stored
/// days need not match `due`, and every difference reads back exactly).
fn scheduled(last_review: i64, days: i64) -> i64 {
    last_review.wrapping_add(days.wrapping_mul(DAY_MS))
}

impl From<ProgressItemV1> for ProgressItemV2 {
    fn from(v1: ProgressItemV1) -> Self {
        let due = v1.last_review.wrapping_add(v1.due_after);
        let base = scheduled(v1.last_review, v1.rest.fsrs.scheduled_days);
        ProgressItemV2 {
            question: QuestionRef::new(&v1.question),
            last_review: v1.last_review,
            due_after_scheduled: due.wrapping_sub(base),
            rest: v1.rest,
        }
    }
}

impl ProgressItemV2 {
    fn pack(question: &str, p: ProgressV1) -> ProgressItemV2 {
        let base = p.memory.last_review;
        let due_base = scheduled(base, p.memory.fsrs.scheduled_days);
        ProgressItemV2 {
            question: QuestionRef::new(question),
            last_review: base,
            due_after_scheduled: p.memory.due.wrapping_sub(due_base),
            rest: PackedProgressRec {
                seen_after: p.last_seen.wrapping_sub(base),
                fsrs: p.memory.fsrs,
                seen: p.seen,
                right: p.right,
                last_right: p.last_right,
                last_answer: p.last_answer,
            },
        }
    }

    /// The question id and its progress with the instants in full.
    fn unpack(self) -> (String, ProgressV1) {
        let base = self.last_review;
        let r = self.rest;
        let due = scheduled(base, r.fsrs.scheduled_days).wrapping_add(self.due_after_scheduled);
        let progress = ProgressV1 {
            memory: MemoryRec {
                due,
                fsrs: r.fsrs,
                last_review: base,
            },
            seen: r.seen,
            right: r.right,
            last_seen: base.wrapping_add(r.seen_after),
            last_right: r.last_right,
            last_answer: r.last_answer,
        };
        (self.question.into_id(), progress)
    }
}

/// All of one learner's progress (schema 2, tree `progress_by_learner`, key user):
/// one value per learner instead of one per question, so sled's per-entry overhead
/// is paid once. Written as V2; V1 is still read, and rewritten as V2 when next
/// written.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum ProgressSetRecord {
    V1(Vec<ProgressItemV1>),
    V2(Vec<ProgressItemV2>),
}

impl ProgressSetRecord {
    /// The items in the current version's form.
    fn current(self) -> Vec<ProgressItemV2> {
        match self {
            ProgressSetRecord::V1(items) => items.into_iter().map(Into::into).collect(),
            ProgressSetRecord::V2(items) => items,
        }
    }
}

/// A learner's progress by question id, sorted by id, each id once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ProgressSet(Vec<(String, Progress)>);

impl ProgressSet {
    pub fn get(&self, question: &str) -> Option<&Progress> {
        self.0
            .binary_search_by(|(q, _)| q.as_str().cmp(question))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Adds or replaces the progress on `question`.
    pub fn put(&mut self, question: &str, progress: Progress) {
        match self.0.binary_search_by(|(q, _)| q.as_str().cmp(question)) {
            Ok(i) => self.0[i].1 = progress,
            Err(i) => self.0.insert(i, (question.to_string(), progress)),
        }
    }

    pub fn into_vec(self) -> Vec<(String, Progress)> {
        self.0
    }
}

/// The first byte (postcard's variant index) of the packed records as this build
/// writes them: [`ProgressSetRecord::V2`] and [`LogChunkRecord::V2`].
const PACKED_CURRENT: u8 = 1;

impl ProgressSet {
    /// For a value of an older [`ProgressSetRecord`] version: the same progress
    /// encoded as this build writes it. `None` if `bytes` is current or does not
    /// decode.
    pub(crate) fn upgrade(bytes: &[u8]) -> Option<Vec<u8>> {
        if bytes.first() == Some(&PACKED_CURRENT) {
            return None;
        }
        ProgressSet::decode(bytes).ok().map(|set| set.encode())
    }
}

impl Codec for ProgressSet {
    fn encode(&self) -> Vec<u8> {
        let items = self
            .0
            .iter()
            .map(|(q, p)| ProgressItemV2::pack(q, p.into()))
            .collect();
        to_bytes(&ProgressSetRecord::V2(items))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        let items = from_bytes::<ProgressSetRecord>(bytes)?.current();
        let mut set = ProgressSet::default();
        set.0.reserve(items.len());
        for item in items {
            let (question, progress) = item.unpack();
            set.put(&question, progress.try_into()?);
        }
        Ok(set)
    }
}

// ---- log ------------------------------------------------------------------------

/// An answer to a question: the question (an id string, or in version 2 of the
/// packed log a [`QuestionRef`]), whether it was right, and the answer as given.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AnswerRec<Q> {
    question: Q,
    right: bool,
    answer: String,
}

impl From<AnswerRec<String>> for AnswerRec<QuestionRef> {
    fn from(a: AnswerRec<String>) -> Self {
        AnswerRec {
            question: QuestionRef::new(&a.question),
            right: a.right,
            answer: a.answer,
        }
    }
}

/// One answer in the schema-1 `log` tree; the key holds user, time, chat and
/// message. Only read now: by the migration to schema 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogValue {
    pub question: String,
    pub right: bool,
    pub answer: String,
}

/// A [`LogValue`], version 1: the first.
type LogV1 = AnswerRec<String>;

#[derive(Debug, Clone, Serialize, Deserialize)]
enum LogRecord {
    V1(LogV1),
}

impl From<&LogValue> for LogV1 {
    fn from(v: &LogValue) -> Self {
        AnswerRec {
            question: v.question.clone(),
            right: v.right,
            answer: v.answer.clone(),
        }
    }
}

impl From<LogV1> for LogValue {
    fn from(r: LogV1) -> Self {
        LogValue {
            question: r.question,
            right: r.right,
            answer: r.answer,
        }
    }
}

impl Codec for LogValue {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LogRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LogRecord::V1(r) => Ok(r.into()),
        }
    }
}

/// One answer in a learner's log (schema 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogItem {
    pub at: DateTime<Utc>,
    pub chat: i64,
    pub message: i32,
    pub question: String,
    pub right: bool,
    pub answer: String,
}

impl LogItem {
    /// The identity of an entry, as the schema-1 key was: an entry with the same
    /// identity replaces the old one.
    fn id(&self) -> (i64, i64, i32) {
        (ms(self.at), self.chat, self.message)
    }
}

/// One answer inside a [`LogChunkRecord`], version 1 (schema 2, commit 9ff1051).
/// `after`: milliseconds since the previous entry (the first: since the chunk's
/// month began); `chat`: the chat id minus the learner's id (0 in their private
/// chat). Both are varints, a few bytes each.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LogItemV1 {
    after: u64,
    chat: i64,
    message: i32,
    answered: AnswerRec<String>,
}

/// One answer inside a [`LogChunkRecord`], version 2 (commit fc1772e): as version
/// 1, but the message id as a difference from the previous entry's (the first: from
/// 0; one byte for consecutive messages in a chat) and the question as a
/// [`QuestionRef`].
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LogItemV2 {
    after: u64,
    chat: i64,
    message_after: i32,
    answered: AnswerRec<QuestionRef>,
}

/// A learner's answers in one calendar month (UTC) (schema 2, tree `log_by_month`,
/// key user · month), oldest first. Written as V2; V1 is still read, and rewritten
/// as V2 when next written.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum LogChunkRecord {
    V1(Vec<LogItemV1>),
    V2(Vec<LogItemV2>),
}

impl LogChunkRecord {
    /// The items in the current version's form. V1 → V2 is a step over the whole
    /// chunk, not item by item: a V2 message id is relative to the previous item's.
    fn current(self) -> Vec<LogItemV2> {
        match self {
            LogChunkRecord::V1(items) => {
                let mut prev_message = 0i32;
                items
                    .into_iter()
                    .map(|e| {
                        let message_after = e.message.wrapping_sub(prev_message);
                        prev_message = e.message;
                        LogItemV2 {
                            after: e.after,
                            chat: e.chat,
                            message_after,
                            answered: e.answered.into(),
                        }
                    })
                    .collect()
            }
            LogChunkRecord::V2(items) => items,
        }
    }
}

/// The months since 0000-01 (proleptic Gregorian, UTC) that `at` falls in.
pub(crate) fn month_of(at: DateTime<Utc>) -> i32 {
    at.year() * 12 + at.month0() as i32
}

/// The first instant of `month` (as [`month_of`] counts), in ms since the epoch.
pub(crate) fn month_start_ms(month: i32) -> R<i64> {
    NaiveDate::from_ymd_opt(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
        .map(|d| d.and_time(NaiveTime::MIN).and_utc().timestamp_millis())
        .ok_or_else(|| format!("month {month} out of range"))
}

/// A learner's answers in one month, oldest first, each identity once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogChunk(Vec<LogItem>);

impl LogChunk {
    /// Adds an entry in time order; one with the same time, chat and message
    /// replaces the old one (a repeated import, or a retried write, adds nothing).
    pub fn put(&mut self, item: LogItem) {
        match self.0.binary_search_by(|e| e.id().cmp(&item.id())) {
            Ok(i) => self.0[i] = item,
            Err(i) => self.0.insert(i, item),
        }
    }

    pub fn into_items(self) -> Vec<LogItem> {
        self.0
    }

    /// The encoding for the chunk of `user`'s answers in `month`. Every entry must
    /// fall in that month.
    pub fn encode(&self, user: i64, month: i32) -> Vec<u8> {
        let mut prev = month_start_ms(month).unwrap_or(i64::MIN);
        let mut prev_message = 0i32;
        let items = self
            .0
            .iter()
            .map(|e| {
                let at = ms(e.at);
                debug_assert!(
                    at >= prev && month_of(e.at) == month,
                    "entry outside its chunk"
                );
                let after = at.wrapping_sub(prev) as u64;
                prev = at;
                let message_after = e.message.wrapping_sub(prev_message);
                prev_message = e.message;
                LogItemV2 {
                    after,
                    chat: e.chat.wrapping_sub(user),
                    message_after,
                    answered: AnswerRec {
                        question: QuestionRef::new(&e.question),
                        right: e.right,
                        answer: e.answer.clone(),
                    },
                }
            })
            .collect();
        to_bytes(&LogChunkRecord::V2(items))
    }

    /// For a value of an older [`LogChunkRecord`] version: the same chunk encoded
    /// as this build writes it. `None` if `bytes` is current or does not decode.
    pub(crate) fn upgrade(user: i64, month: i32, bytes: &[u8]) -> Option<Vec<u8>> {
        if bytes.first() == Some(&PACKED_CURRENT) {
            return None;
        }
        let chunk = LogChunk::decode(user, month, bytes).ok()?;
        let in_month = chunk.0.iter().all(|e| month_of(e.at) == month);
        in_month.then(|| chunk.encode(user, month))
    }

    pub fn decode(user: i64, month: i32, bytes: &[u8]) -> R<LogChunk> {
        let start = month_start_ms(month)?;
        let items = from_bytes::<LogChunkRecord>(bytes)?.current();
        let mut at = start;
        let mut message = 0i32;
        let mut out = Vec::with_capacity(items.len());
        for r in items {
            at = at
                .checked_add_unsigned(r.after)
                .ok_or_else(|| format!("log time overflows after {at}"))?;
            message = message.wrapping_add(r.message_after);
            out.push(LogItem {
                at: time(at)?,
                chat: r.chat.wrapping_add(user),
                message,
                question: r.answered.question.into_id(),
                right: r.answered.right,
                answer: r.answered.answer,
            });
        }
        Ok(LogChunk(out))
    }
}

// ---- cards ----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardAnswerRec {
    user: i64,
    name: String,
    response: ResponseRec,
    right: bool,
    at: i64,
    points: u32,
}

impl From<&CardAnswer> for CardAnswerRec {
    fn from(a: &CardAnswer) -> Self {
        CardAnswerRec {
            user: a.user,
            name: a.name.clone(),
            response: a.response.into(),
            right: a.right,
            at: ms(a.at),
            points: a.points,
        }
    }
}

impl TryFrom<CardAnswerRec> for CardAnswer {
    type Error = String;

    fn try_from(r: CardAnswerRec) -> R<CardAnswer> {
        Ok(CardAnswer {
            user: r.user,
            name: r.name,
            response: r.response.into(),
            right: r.right,
            at: time(r.at)?,
            points: r.points,
        })
    }
}

/// A card (tree `cards`, key chat · message). Version 1: the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardV1 {
    chat: i64,
    message: i32,
    question: String,
    order: Vec<u8>,
    asked_by: i64,
    posted: i64,
    limit_secs: Option<u32>,
    deadline: Option<i64>,
    open: bool,
    group: bool,
    daily: bool,
    answers: Vec<CardAnswerRec>,
    selections: Vec<(i64, u8)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum CardRecord {
    V1(CardV1),
}

impl From<&Card> for CardV1 {
    fn from(c: &Card) -> Self {
        CardV1 {
            chat: c.chat,
            message: c.message,
            question: c.question.clone(),
            order: c.order.clone(),
            asked_by: c.asked_by,
            posted: ms(c.posted),
            limit_secs: c.limit_secs,
            deadline: c.deadline.map(ms),
            open: c.open,
            group: c.is_group(),
            daily: c.is_daily(),
            answers: c.answers.iter().map(Into::into).collect(),
            selections: c.selections.iter().map(|(u, s)| (*u, s.0)).collect(),
        }
    }
}

impl TryFrom<CardV1> for Card {
    type Error = String;

    fn try_from(r: CardV1) -> R<Card> {
        Ok(Card {
            chat: r.chat,
            message: r.message,
            question: r.question,
            order: r.order,
            asked_by: r.asked_by,
            posted: time(r.posted)?,
            limit_secs: r.limit_secs,
            deadline: r.deadline.map(time).transpose()?,
            open: r.open,
            kind: CardKind::of(r.group, r.daily),
            answers: r
                .answers
                .into_iter()
                .map(CardAnswer::try_from)
                .collect::<R<_>>()?,
            selections: r
                .selections
                .into_iter()
                .map(|(u, s)| (u, OptionSet(s)))
                .collect(),
        })
    }
}

impl Codec for Card {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&CardRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            CardRecord::V1(r) => r.try_into(),
        }
    }
}

// ---- scores ---------------------------------------------------------------------

/// A member's score in a chat, with their display name.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScoreValue {
    pub name: String,
    pub score: MemberScore,
}

/// A member's score (tree `scores`, key chat · user). Version 1: the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScoreV1 {
    name: String,
    total: u64,
    week: u64,
    week_of: Option<i32>,
    correct: u32,
    answered: u32,
    streak: u32,
    best_streak: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ScoreRecord {
    V1(ScoreV1),
}

impl From<&ScoreValue> for ScoreV1 {
    fn from(v: &ScoreValue) -> Self {
        let s = &v.score;
        ScoreV1 {
            name: v.name.clone(),
            total: s.total,
            week: s.week,
            week_of: s.week_of.map(day),
            correct: s.correct,
            answered: s.answered,
            streak: s.streak,
            best_streak: s.best_streak,
        }
    }
}

impl TryFrom<ScoreV1> for ScoreValue {
    type Error = String;

    fn try_from(r: ScoreV1) -> R<ScoreValue> {
        Ok(ScoreValue {
            name: r.name,
            score: MemberScore {
                total: r.total,
                week: r.week,
                week_of: opt_date(r.week_of)?,
                correct: r.correct,
                answered: r.answered,
                streak: r.streak,
                best_streak: r.best_streak,
            },
        })
    }
}

impl Codec for ScoreValue {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ScoreRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ScoreRecord::V1(r) => r.try_into(),
        }
    }
}

// ---- shelf (favourites, practice set, last search) ------------------------------

/// The drill of [`ShelfV1`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum DrillRec {
    Mistakes(Option<u8>),
    Starred(Option<u8>),
}

/// The drill of [`ShelfV2`]: version 1's and the `/practice` walks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum DrillRecV2 {
    Mistakes(Option<u8>),
    Starred(Option<u8>),
    Order(Option<u8>),
    Random(Option<u8>),
}

impl From<DrillRec> for DrillRecV2 {
    fn from(d: DrillRec) -> Self {
        match d {
            DrillRec::Mistakes(c) => DrillRecV2::Mistakes(c),
            DrillRec::Starred(c) => DrillRecV2::Starred(c),
        }
    }
}

impl From<crate::learn::Drill> for DrillRecV2 {
    fn from(d: crate::learn::Drill) -> Self {
        use crate::learn::{Drill, Mode};
        match d {
            Drill::Mistakes(c) => DrillRecV2::Mistakes(c),
            Drill::Starred(c) => DrillRecV2::Starred(c),
            Drill::Practice(Mode::Order, c) => DrillRecV2::Order(c),
            Drill::Practice(Mode::Random, c) => DrillRecV2::Random(c),
        }
    }
}

impl From<DrillRecV2> for crate::learn::Drill {
    fn from(d: DrillRecV2) -> Self {
        use crate::learn::{Drill, Mode};
        match d {
            DrillRecV2::Mistakes(c) => Drill::Mistakes(c),
            DrillRecV2::Starred(c) => Drill::Starred(c),
            DrillRecV2::Order(c) => Drill::Practice(Mode::Order, c),
            DrillRecV2::Random(c) => Drill::Practice(Mode::Random, c),
        }
    }
}

/// A `/practice` walk of one chapter (`None`: the whole bank).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum WalkRec {
    Order {
        chapter: Option<u8>,
        last: QuestionRef,
        place: u32,
    },
    Random {
        chapter: Option<u8>,
        answered: Vec<QuestionRef>,
    },
}

impl From<&(Option<u8>, crate::learn::Walk)> for WalkRec {
    fn from((chapter, walk): &(Option<u8>, crate::learn::Walk)) -> Self {
        let chapter = *chapter;
        match walk {
            crate::learn::Walk::Order { last, place } => WalkRec::Order {
                chapter,
                last: QuestionRef::new(last),
                place: u32::try_from(*place).unwrap_or(u32::MAX),
            },
            crate::learn::Walk::Random { answered } => WalkRec::Random {
                chapter,
                answered: answered.iter().map(|q| QuestionRef::new(q)).collect(),
            },
        }
    }
}

impl From<WalkRec> for (Option<u8>, crate::learn::Walk) {
    fn from(r: WalkRec) -> Self {
        match r {
            WalkRec::Order {
                chapter,
                last,
                place,
            } => (
                chapter,
                crate::learn::Walk::Order {
                    last: last.into_id(),
                    place: usize::try_from(place).unwrap_or(usize::MAX),
                },
            ),
            WalkRec::Random { chapter, answered } => (
                chapter,
                crate::learn::Walk::Random {
                    answered: answered.into_iter().map(QuestionRef::into_id).collect(),
                },
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShelfV1 {
    /// (question id, starred at ms).
    starred: Vec<(String, i64)>,
    drill: Option<DrillRec>,
    search: Option<String>,
    /// (question id, last studied at ms).
    studied: Vec<(String, i64)>,
}

/// Version 2: version 1, a drill that can be a `/practice` walk, and the walks.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShelfV2 {
    /// (question id, starred at ms).
    starred: Vec<(String, i64)>,
    drill: Option<DrillRecV2>,
    search: Option<String>,
    /// (question id, last studied at ms).
    studied: Vec<(String, i64)>,
    walks: Vec<WalkRec>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ShelfRecord {
    V1(ShelfV1),
    V2(ShelfV2),
}

impl From<ShelfV1> for ShelfV2 {
    fn from(r: ShelfV1) -> Self {
        ShelfV2 {
            starred: r.starred,
            drill: r.drill.map(Into::into),
            search: r.search,
            studied: r.studied,
            walks: Vec::new(),
        }
    }
}

impl Codec for Shelf {
    fn encode(&self) -> Vec<u8> {
        let at =
            |v: &[(String, DateTime<Utc>)]| v.iter().map(|(q, t)| (q.clone(), ms(*t))).collect();
        to_bytes(&ShelfRecord::V2(ShelfV2 {
            starred: at(&self.starred),
            drill: self.drill.map(Into::into),
            search: self.search.clone(),
            studied: at(&self.studied),
            walks: self.walks.iter().map(Into::into).collect(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        let r = match from_bytes(bytes)? {
            ShelfRecord::V1(r) => ShelfV2::from(r),
            ShelfRecord::V2(r) => r,
        };
        let at = |v: Vec<(String, i64)>| {
            v.into_iter()
                .map(|(q, t)| Ok((q, time(t)?)))
                .collect::<R<Vec<_>>>()
        };
        Ok(Shelf {
            starred: at(r.starred)?,
            drill: r.drill.map(Into::into),
            search: r.search,
            studied: at(r.studied)?,
            walks: r.walks.into_iter().map(Into::into).collect(),
        })
    }
}

// ---- the weekly report (issue 19) ------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReportV1 {
    on: bool,
    /// The Monday of the last week sent (days from CE).
    last_sent: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ReportRecord {
    V1(ReportV1),
}

impl Codec for ReportSetting {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ReportRecord::V1(ReportV1 {
            on: self.on,
            last_sent: self.last_sent.map(day),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ReportRecord::V1(r) => Ok(ReportSetting {
                on: r.on,
                last_sent: opt_date(r.last_sent)?,
            }),
        }
    }
}

#[cfg(test)]
mod old_database;
#[cfg(test)]
mod tests;

// ---- FSRS parameters ------------------------------------------------------------

/// The parameter set `tutor optimize` chose (`meta`, key `fsrs_parameters`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct FsrsParametersV1 {
    parameters: Vec<f32>,
    fitted: bool,
    at: i64,
    reviews: u64,
    learners: u64,
    default_log_loss: f64,
    default_rmse: f64,
    fitted_log_loss: f64,
    fitted_rmse: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum FsrsParametersRecord {
    V1(FsrsParametersV1),
}

impl Codec for FsrsParameters {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&FsrsParametersRecord::V1(FsrsParametersV1 {
            parameters: self.parameters.clone(),
            fitted: self.fitted,
            at: ms(self.at),
            reviews: self.reviews,
            learners: self.learners,
            default_log_loss: self.default_log_loss,
            default_rmse: self.default_rmse,
            fitted_log_loss: self.fitted_log_loss,
            fitted_rmse: self.fitted_rmse,
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            FsrsParametersRecord::V1(r) => Ok(FsrsParameters {
                parameters: r.parameters,
                fitted: r.fitted,
                at: time(r.at)?,
                reviews: r.reviews,
                learners: r.learners,
                default_log_loss: r.default_log_loss,
                default_rmse: r.default_rmse,
                fitted_log_loss: r.fitted_log_loss,
                fitted_rmse: r.fitted_rmse,
            }),
        }
    }
}

// ---- mock exams (issue 19) -----------------------------------------------------

use super::exam::{Exam, ExamItem, ExamResult};
use crate::learn::exam::ChapterScore;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExamChapterRec {
    chapter: u8,
    right: u32,
    questions: u32,
    points: u32,
    total: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExamResultV1 {
    nonce: u32,
    started: i64,
    submitted: i64,
    timed_out: bool,
    points: u32,
    total: u32,
    pass: u32,
    passed: bool,
    right: u32,
    questions: u32,
    unanswered: u32,
    seconds_used: u32,
    chapters: Vec<ExamChapterRec>,
}

/// A mock exam's result (`exam_results`, and inside an `ExamRecord`).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum ExamResultRecord {
    V1(ExamResultV1),
}

impl From<&ExamResult> for ExamResultV1 {
    fn from(r: &ExamResult) -> Self {
        ExamResultV1 {
            nonce: r.nonce,
            started: ms(r.started),
            submitted: ms(r.submitted),
            timed_out: r.timed_out,
            points: r.points,
            total: r.total,
            pass: r.pass,
            passed: r.passed,
            right: r.right,
            questions: r.questions,
            unanswered: r.unanswered,
            seconds_used: r.seconds_used,
            chapters: r
                .chapters
                .iter()
                .map(|c| ExamChapterRec {
                    chapter: c.chapter,
                    right: c.right,
                    questions: c.questions,
                    points: c.points,
                    total: c.total,
                })
                .collect(),
        }
    }
}

impl TryFrom<ExamResultV1> for ExamResult {
    type Error = String;
    fn try_from(r: ExamResultV1) -> R<Self> {
        Ok(ExamResult {
            nonce: r.nonce,
            started: time(r.started)?,
            submitted: time(r.submitted)?,
            timed_out: r.timed_out,
            points: r.points,
            total: r.total,
            pass: r.pass,
            passed: r.passed,
            right: r.right,
            questions: r.questions,
            unanswered: r.unanswered,
            seconds_used: r.seconds_used,
            chapters: r
                .chapters
                .into_iter()
                .map(|c| ChapterScore {
                    chapter: c.chapter,
                    right: c.right,
                    questions: c.questions,
                    points: c.points,
                    total: c.total,
                })
                .collect(),
        })
    }
}

impl Codec for ExamResult {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ExamResultRecord::V1(self.into()))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ExamResultRecord::V1(r) => r.try_into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExamItemRec {
    question: String,
    order: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExamV1 {
    user: i64,
    nonce: u32,
    items: Vec<ExamItemRec>,
    answers: Vec<Option<ResponseRec>>,
    current: u16,
    started: i64,
    deadline: i64,
    pass: u32,
    points: (u32, u32, u32),
    message: Option<i32>,
    result: Option<ExamResultV1>,
}

/// A learner's current or last paper (`exams`).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum ExamRecord {
    V1(ExamV1),
}

impl Codec for Exam {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ExamRecord::V1(ExamV1 {
            user: self.user,
            nonce: self.nonce,
            items: self
                .items
                .iter()
                .map(|i| ExamItemRec {
                    question: i.question.clone(),
                    order: i.order.clone(),
                })
                .collect(),
            answers: self
                .answers
                .iter()
                .map(|a| a.map(ResponseRec::from))
                .collect(),
            current: self.current,
            started: ms(self.started),
            deadline: ms(self.deadline),
            pass: self.pass,
            points: (self.points.single, self.points.multi, self.points.judge),
            message: self.message,
            result: self.result.as_ref().map(ExamResultV1::from),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ExamRecord::V1(r) => Ok(Exam {
                user: r.user,
                nonce: r.nonce,
                items: r
                    .items
                    .into_iter()
                    .map(|i| ExamItem {
                        question: i.question,
                        order: i.order,
                    })
                    .collect(),
                answers: r
                    .answers
                    .into_iter()
                    .map(|a| a.map(Response::from))
                    .collect(),
                current: r.current,
                started: time(r.started)?,
                deadline: time(r.deadline)?,
                pass: r.pass,
                points: crate::bank::KindPoints {
                    single: r.points.0,
                    multi: r.points.1,
                    judge: r.points.2,
                },
                message: r.message,
                result: r.result.map(ExamResult::try_from).transpose()?,
            }),
        }
    }
}
