//! On-disk encodings: postcard of versioned serde mirrors of the domain types.
//!
//! Every value is a `…Record` enum whose variant index (postcard's first byte) is the
//! record version. A new version adds a variant, and decoding converts any older
//! variant to the current domain type, so old values stay readable forever.
//! Times are stored as i64 milliseconds since the epoch, dates as i32 days from CE,
//! times of day as u32 seconds from midnight.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::bank::OptionSet;
use crate::lang::Lang;
use crate::learn::{Bag, MemberScore, Memory, Phase, Progress, Response, Streak};

use super::model::{Card, CardAnswer, Chat, ChatKind, Daily, Learner, Round};

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

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum LangRec {
    Zh,
    En,
}

impl From<Lang> for LangRec {
    fn from(l: Lang) -> Self {
        match l {
            Lang::Zh => LangRec::Zh,
            Lang::En => LangRec::En,
        }
    }
}

impl From<LangRec> for Lang {
    fn from(l: LangRec) -> Self {
        match l {
            LangRec::Zh => Lang::Zh,
            LangRec::En => Lang::En,
        }
    }
}

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

impl StreakRec {
    fn into_domain(self) -> R<Streak> {
        Ok(Streak {
            current: self.current,
            best: self.best,
            last_day: opt_date(self.last_day)?,
            last_repair: opt_date(self.last_repair)?,
        })
    }
}

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

// ---- question ids ---------------------------------------------------------------

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
pub(crate) struct LearnerV1 {
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
pub(crate) enum LearnerRecord {
    V1(LearnerV1),
}

impl Codec for Learner {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LearnerRecord::V1(LearnerV1 {
            id: self.id,
            name: self.name.clone(),
            lang: self.lang.map(Into::into),
            tz: self.tz.clone(),
            active: self.active,
            streak: (&self.streak).into(),
            remind: self.remind,
            created: ms(self.created),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LearnerRecord::V1(r) => Ok(Learner {
                id: r.id,
                name: r.name,
                lang: r.lang.map(Into::into),
                tz: r.tz,
                active: r.active,
                streak: r.streak.into_domain()?,
                remind: r.remind,
                created: time(r.created)?,
            }),
        }
    }
}

// ---- chats ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum ChatKindRec {
    Private,
    Group,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DailyRec {
    time: u32,
    reveal: Option<u32>,
    last_sent: Option<i32>,
    remind: bool,
    last_reminded: Option<i32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct BagRec {
    remaining: Vec<String>,
    last: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoundRec {
    total: u8,
    asked: u8,
    started_by: i64,
    scores: Vec<(i64, String, u64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChatV1 {
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ChatRecord {
    V1(ChatV1),
}

impl Codec for Chat {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&ChatRecord::V1(ChatV1 {
            id: self.id,
            kind: match self.kind {
                ChatKind::Private => ChatKindRec::Private,
                ChatKind::Group => ChatKindRec::Group,
            },
            title: self.title.clone(),
            tz: self.tz.clone(),
            lang: self.lang.map(Into::into),
            daily: self.daily.as_ref().map(|d| DailyRec {
                time: secs(d.time),
                reveal: d.reveal.map(secs),
                last_sent: d.last_sent.map(day),
                remind: d.remind,
                last_reminded: d.last_reminded.map(day),
            }),
            active: self.active,
            time_limit_secs: self.time_limit_secs,
            bag: BagRec {
                remaining: self.bag.remaining.clone(),
                last: self.bag.last.clone(),
            },
            round: self.round.as_ref().map(|r| RoundRec {
                total: r.total,
                asked: r.asked,
                started_by: r.started_by,
                scores: r.scores.clone(),
            }),
            open_card: self.open_card,
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ChatRecord::V1(r) => Ok(Chat {
                id: r.id,
                kind: match r.kind {
                    ChatKindRec::Private => ChatKind::Private,
                    ChatKindRec::Group => ChatKind::Group,
                },
                title: r.title,
                tz: r.tz,
                lang: r.lang.map(Into::into),
                daily: match r.daily {
                    None => None,
                    Some(d) => Some(Daily {
                        time: clock(d.time)?,
                        reveal: d.reveal.map(clock).transpose()?,
                        last_sent: opt_date(d.last_sent)?,
                        remind: d.remind,
                        last_reminded: opt_date(d.last_reminded)?,
                    }),
                },
                active: r.active,
                time_limit_secs: r.time_limit_secs,
                bag: Bag {
                    remaining: r.bag.remaining,
                    last: r.bag.last,
                },
                round: r.round.map(|r| Round {
                    total: r.total,
                    asked: r.asked,
                    started_by: r.started_by,
                    scores: r.scores,
                }),
                open_card: r.open_card,
            }),
        }
    }
}

// ---- progress -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum PhaseRec {
    New,
    Learning,
    Review,
    Relearning,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemoryRec {
    due: i64,
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    phase: PhaseRec,
    last_review: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProgressV1 {
    memory: MemoryRec,
    seen: u32,
    right: u32,
    last_seen: i64,
    last_right: bool,
    last_answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ProgressRecord {
    V1(ProgressV1),
}

fn phase_rec(p: Phase) -> PhaseRec {
    match p {
        Phase::New => PhaseRec::New,
        Phase::Learning => PhaseRec::Learning,
        Phase::Review => PhaseRec::Review,
        Phase::Relearning => PhaseRec::Relearning,
    }
}

fn phase(p: PhaseRec) -> Phase {
    match p {
        PhaseRec::New => Phase::New,
        PhaseRec::Learning => Phase::Learning,
        PhaseRec::Review => Phase::Review,
        PhaseRec::Relearning => Phase::Relearning,
    }
}

/// The single-question record of the schema-1 `progress` tree (key user · question
/// id). Only read now: by the migration to schema 2 (see `schema.rs`).
impl Codec for Progress {
    fn encode(&self) -> Vec<u8> {
        let m = &self.memory;
        to_bytes(&ProgressRecord::V1(ProgressV1 {
            memory: MemoryRec {
                due: ms(m.due),
                stability: m.stability,
                difficulty: m.difficulty,
                elapsed_days: m.elapsed_days,
                scheduled_days: m.scheduled_days,
                reps: m.reps,
                lapses: m.lapses,
                phase: phase_rec(m.phase),
                last_review: ms(m.last_review),
            },
            seen: self.seen,
            right: self.right,
            last_seen: ms(self.last_seen),
            last_right: self.last_right,
            last_answer: self.last_answer.clone(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ProgressRecord::V1(r) => {
                let m = r.memory;
                Ok(Progress {
                    memory: Memory {
                        due: time(m.due)?,
                        stability: m.stability,
                        difficulty: m.difficulty,
                        elapsed_days: m.elapsed_days,
                        scheduled_days: m.scheduled_days,
                        reps: m.reps,
                        lapses: m.lapses,
                        phase: phase(m.phase),
                        last_review: time(m.last_review)?,
                    },
                    seen: r.seen,
                    right: r.right,
                    last_seen: time(r.last_seen)?,
                    last_right: r.last_right,
                    last_answer: r.last_answer,
                })
            }
        }
    }
}

/// One question's progress inside a [`ProgressSetRecord`]. The two other instants
/// are stored as differences from `last_review` (zigzag varints: `last_seen` is
/// usually the same instant, one byte).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProgressItemV1 {
    question: String,
    last_review: i64,
    due_after: i64,
    seen_after: i64,
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    phase: PhaseRec,
    seen: u32,
    right: u32,
    last_right: bool,
    last_answer: String,
}

/// One question's progress inside a [`ProgressSetRecord`], version 2: the question
/// as a [`QuestionRef`], and `due` relative to `last_review` plus `scheduled_days`
/// (a review is due exactly that many days after it: one byte instead of five).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ProgressItemV2 {
    question: QuestionRef,
    last_review: i64,
    due_after_scheduled: i64,
    seen_after: i64,
    stability: f64,
    difficulty: f64,
    elapsed_days: i64,
    scheduled_days: i64,
    reps: i32,
    lapses: i32,
    phase: PhaseRec,
    seen: u32,
    right: u32,
    last_right: bool,
    last_answer: String,
}

const DAY_MS: i64 = 86_400_000;

/// All of one learner's progress (schema 2, tree `progress_by_learner`, key user):
/// one value per learner instead of one per question, so sled's per-entry overhead
/// is paid once. Written as V2; V1 (question ids as strings, `due` relative to
/// `last_review` only) is still read, and rewritten as V2 when next written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum ProgressSetRecord {
    V1(Vec<ProgressItemV1>),
    V2(Vec<ProgressItemV2>),
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
            .map(|(q, p)| {
                let m = &p.memory;
                let base = ms(m.last_review);
                let scheduled = base.wrapping_add(m.scheduled_days.wrapping_mul(DAY_MS));
                ProgressItemV2 {
                    question: QuestionRef::new(q),
                    last_review: base,
                    due_after_scheduled: ms(m.due).wrapping_sub(scheduled),
                    seen_after: ms(p.last_seen).wrapping_sub(base),
                    stability: m.stability,
                    difficulty: m.difficulty,
                    elapsed_days: m.elapsed_days,
                    scheduled_days: m.scheduled_days,
                    reps: m.reps,
                    lapses: m.lapses,
                    phase: phase_rec(m.phase),
                    seen: p.seen,
                    right: p.right,
                    last_right: p.last_right,
                    last_answer: p.last_answer.clone(),
                }
            })
            .collect();
        to_bytes(&ProgressSetRecord::V2(items))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        let mut set = ProgressSet::default();
        match from_bytes(bytes)? {
            ProgressSetRecord::V1(items) => {
                set.0.reserve(items.len());
                for r in items {
                    let p = Progress {
                        memory: Memory {
                            due: time(r.last_review.wrapping_add(r.due_after))?,
                            stability: r.stability,
                            difficulty: r.difficulty,
                            elapsed_days: r.elapsed_days,
                            scheduled_days: r.scheduled_days,
                            reps: r.reps,
                            lapses: r.lapses,
                            phase: phase(r.phase),
                            last_review: time(r.last_review)?,
                        },
                        seen: r.seen,
                        right: r.right,
                        last_seen: time(r.last_review.wrapping_add(r.seen_after))?,
                        last_right: r.last_right,
                        last_answer: r.last_answer,
                    };
                    set.put(&r.question, p);
                }
            }
            ProgressSetRecord::V2(items) => {
                set.0.reserve(items.len());
                for r in items {
                    let scheduled = r
                        .last_review
                        .wrapping_add(r.scheduled_days.wrapping_mul(DAY_MS));
                    let p = Progress {
                        memory: Memory {
                            due: time(scheduled.wrapping_add(r.due_after_scheduled))?,
                            stability: r.stability,
                            difficulty: r.difficulty,
                            elapsed_days: r.elapsed_days,
                            scheduled_days: r.scheduled_days,
                            reps: r.reps,
                            lapses: r.lapses,
                            phase: phase(r.phase),
                            last_review: time(r.last_review)?,
                        },
                        seen: r.seen,
                        right: r.right,
                        last_seen: time(r.last_review.wrapping_add(r.seen_after))?,
                        last_right: r.last_right,
                        last_answer: r.last_answer,
                    };
                    set.put(&r.question.into_id(), p);
                }
            }
        }
        Ok(set)
    }
}

// ---- log ------------------------------------------------------------------------

/// One answer in the schema-1 `log` tree; the key holds user, time, chat and
/// message. Only read now: by the migration to schema 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogValue {
    pub question: String,
    pub right: bool,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogV1 {
    question: String,
    right: bool,
    answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LogRecord {
    V1(LogV1),
}

impl Codec for LogValue {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&LogRecord::V1(LogV1 {
            question: self.question.clone(),
            right: self.right,
            answer: self.answer.clone(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            LogRecord::V1(r) => Ok(LogValue {
                question: r.question,
                right: r.right,
                answer: r.answer,
            }),
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

/// One answer inside a [`LogChunkRecord`]. `after`: milliseconds since the previous
/// entry (the first: since the chunk's month began); `chat`: the chat id minus the
/// learner's id (0 in their private chat). Both are varints, a few bytes each.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogItemV1 {
    after: u64,
    chat: i64,
    message: i32,
    question: String,
    right: bool,
    answer: String,
}

/// One answer inside a [`LogChunkRecord`], version 2: as version 1, but the
/// message id as a difference from the previous entry's (the first: from 0; one
/// byte for consecutive messages in a chat) and the question as a [`QuestionRef`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogItemV2 {
    after: u64,
    chat: i64,
    message_after: i32,
    question: QuestionRef,
    right: bool,
    answer: String,
}

/// A learner's answers in one calendar month (UTC) (schema 2, tree `log_by_month`,
/// key user · month), oldest first. Written as V2; V1 is still read, and rewritten
/// as V2 when next written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum LogChunkRecord {
    V1(Vec<LogItemV1>),
    V2(Vec<LogItemV2>),
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
                    question: QuestionRef::new(&e.question),
                    right: e.right,
                    answer: e.answer.clone(),
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
        let step = |at: i64, after: u64| {
            at.checked_add_unsigned(after)
                .ok_or_else(|| format!("log time overflows after {at}"))
        };
        match from_bytes(bytes)? {
            LogChunkRecord::V1(items) => {
                let mut at = start;
                let mut out = Vec::with_capacity(items.len());
                for r in items {
                    at = step(at, r.after)?;
                    out.push(LogItem {
                        at: time(at)?,
                        chat: r.chat.wrapping_add(user),
                        message: r.message,
                        question: r.question,
                        right: r.right,
                        answer: r.answer,
                    });
                }
                Ok(LogChunk(out))
            }
            LogChunkRecord::V2(items) => {
                let mut at = start;
                let mut message = 0i32;
                let mut out = Vec::with_capacity(items.len());
                for r in items {
                    at = step(at, r.after)?;
                    message = message.wrapping_add(r.message_after);
                    out.push(LogItem {
                        at: time(at)?,
                        chat: r.chat.wrapping_add(user),
                        message,
                        question: r.question.into_id(),
                        right: r.right,
                        answer: r.answer,
                    });
                }
                Ok(LogChunk(out))
            }
        }
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CardV1 {
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
pub(crate) enum CardRecord {
    V1(CardV1),
}

impl Codec for Card {
    fn encode(&self) -> Vec<u8> {
        to_bytes(&CardRecord::V1(CardV1 {
            chat: self.chat,
            message: self.message,
            question: self.question.clone(),
            order: self.order.clone(),
            asked_by: self.asked_by,
            posted: ms(self.posted),
            limit_secs: self.limit_secs,
            deadline: self.deadline.map(ms),
            open: self.open,
            group: self.group,
            daily: self.daily,
            answers: self
                .answers
                .iter()
                .map(|a| CardAnswerRec {
                    user: a.user,
                    name: a.name.clone(),
                    response: a.response.into(),
                    right: a.right,
                    at: ms(a.at),
                    points: a.points,
                })
                .collect(),
            selections: self.selections.iter().map(|(u, s)| (*u, s.0)).collect(),
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            CardRecord::V1(r) => Ok(Card {
                chat: r.chat,
                message: r.message,
                question: r.question,
                order: r.order,
                asked_by: r.asked_by,
                posted: time(r.posted)?,
                limit_secs: r.limit_secs,
                deadline: r.deadline.map(time).transpose()?,
                open: r.open,
                group: r.group,
                daily: r.daily,
                answers: r
                    .answers
                    .into_iter()
                    .map(|a| {
                        Ok(CardAnswer {
                            user: a.user,
                            name: a.name,
                            response: a.response.into(),
                            right: a.right,
                            at: time(a.at)?,
                            points: a.points,
                        })
                    })
                    .collect::<R<Vec<_>>>()?,
                selections: r
                    .selections
                    .into_iter()
                    .map(|(u, s)| (u, OptionSet(s)))
                    .collect(),
            }),
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ScoreV1 {
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
pub(crate) enum ScoreRecord {
    V1(ScoreV1),
}

impl Codec for ScoreValue {
    fn encode(&self) -> Vec<u8> {
        let s = &self.score;
        to_bytes(&ScoreRecord::V1(ScoreV1 {
            name: self.name.clone(),
            total: s.total,
            week: s.week,
            week_of: s.week_of.map(day),
            correct: s.correct,
            answered: s.answered,
            streak: s.streak,
            best_streak: s.best_streak,
        }))
    }

    fn decode(bytes: &[u8]) -> R<Self> {
        match from_bytes(bytes)? {
            ScoreRecord::V1(r) => Ok(ScoreValue {
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
            }),
        }
    }
}

#[cfg(test)]
mod old_database;
#[cfg(test)]
mod tests;
