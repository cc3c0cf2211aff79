//! Persistence: the only module that knows sled, the key layouts and the encodings.
//!
//! Everything else calls the typed methods of [`Store`]. Methods are synchronous
//! (sled is fast) except [`Store::flush`], which batches concurrent callers into one
//! fsync. An answer must be flushed before the bot acknowledges it.
//!
//! Invariants:
//! - every multi-record change (an answer, closing a card, moving a chat, forgetting
//!   a user) is one sled transaction, so a crash or a retry never leaves half of it;
//! - the transaction closures are pure (they may be retried); no Telegram call ever
//!   happens inside one;
//! - the derived indexes (`open_cards`, `schedule_by_chat`) change in the same
//!   transaction as the records they index, except `put_card`, which orders its two
//!   writes so that a crash between them leaves only an index entry readers skip;
//! - values are versioned records (see `records.rs`), keys are built in `keys.rs`.

mod backup;
mod bulk;
mod cards;
mod exam;
mod health;
mod keys;
mod model;
mod privacy;
mod records;
mod schedule;
mod schema;
mod seal;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use crate::bank::Bank;
use crate::learn::{self, LogEntry, MemberScore, Progress};

pub use bulk::{LoggedAnswer, TreeSize};
pub use exam::{Exam, ExamAnswer, ExamItem, ExamResult, NotSubmitted};
pub use health::Probe;
pub use model::{
    AnswerOutcome, AnswerRequest, Card, CardAnswer, CardKind, Chat, ChatKind,
    DEFAULT_TIME_LIMIT_SECS, Daily, FALLBACK_ZONE, FsrsParameters, Job, JobKind, Learner,
    ReportSetting, Round, Shelf,
};
pub use schema::SCHEMA_VERSION;

use records::{Codec, LogChunk, LogItem, ProgressSet, ScoreValue, month_of};

/// The key of [`FsrsParameters`] in `meta`.
const FSRS_PARAMETERS_KEY: &[u8] = b"fsrs_parameters";

/// How the store is opened.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most memory sled's page cache may use.
    pub cache_bytes: u64,
    /// The zone of a learner who has none and no private chat (`--tz`): a migration
    /// that replays answers counts their days there.
    pub default_tz: chrono_tz::Tz,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cache_bytes: 64 * 1024 * 1024,
            default_tz: chrono_tz::Asia::Shanghai,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database {} is in use by another tutor process (stop it first, or use another --db)",
        .0.display()
    )]
    Locked(PathBuf),
    #[error(
        "the database has schema version {found}, newer than this tutor supports ({supported}); \
         run a newer tutor or restore a backup"
    )]
    NewerSchema { found: u32, supported: u32 },
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    #[error("{} exists and is not empty; refusing to overwrite it", .0.display())]
    NotEmpty(PathBuf),
    /// A problem with a path itself (missing, not a directory, no permission).
    #[error("{}: {msg}", path.display())]
    Path { path: PathBuf, msg: String },
    #[error("database I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Sled(sled::Error),
    #[error("cannot decode a {tree} record (key {key_hex}): {msg}")]
    Decode {
        tree: &'static str,
        key_hex: String,
        msg: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> StoreError {
        match e {
            sled::Error::Io(io) => StoreError::Io(io),
            sled::Error::Corruption { at, .. } => StoreError::Corrupt(match at {
                Some(at) => format!("sled found corruption at {at:?}"),
                None => "sled found corruption".to_string(),
            }),
            other => StoreError::Sled(other),
        }
    }
}

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> StoreError {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        }
    }
}

/// The error type inside transaction closures.
type TxError = ConflictableTransactionError<StoreError>;

/// The trees of a learner's progress and log (schema 2: one value per learner, and
/// per learner and month; see `keys.rs`).
pub(crate) const PROGRESS_TREE: &str = "progress_by_learner";
pub(crate) const LOG_TREE: &str = "log_by_month";
/// A learner's favourites, practice set and last search (see `model::Shelf`).
pub(crate) const SHELF_TREE: &str = "shelf";
/// A learner's weekly report setting (see `model::ReportSetting`).
pub(crate) const REPORTS_TREE: &str = "reports";

/// The sled trees.
#[derive(Clone)]
pub(crate) struct Trees {
    pub meta: sled::Tree,
    pub learners: sled::Tree,
    pub chats: sled::Tree,
    pub progress: sled::Tree,
    pub log: sled::Tree,
    pub cards: sled::Tree,
    pub open_cards: sled::Tree,
    pub scores: sled::Tree,
    pub schedule: sled::Tree,
    pub schedule_by_chat: sled::Tree,
    pub exams: sled::Tree,
    pub exam_results: sled::Tree,
    /// Favourites, the practice set in use, the last search (issue 19).
    pub shelf: sled::Tree,
    /// The weekly report's setting (issue 19).
    pub reports: sled::Tree,
}

impl Trees {
    fn open(db: &sled::Db) -> Result<Trees, StoreError> {
        Ok(Trees {
            meta: db.open_tree("meta")?,
            learners: db.open_tree("learners")?,
            chats: db.open_tree("chats")?,
            progress: db.open_tree(PROGRESS_TREE)?,
            log: db.open_tree(LOG_TREE)?,
            cards: db.open_tree("cards")?,
            open_cards: db.open_tree("open_cards")?,
            scores: db.open_tree("scores")?,
            schedule: db.open_tree("schedule")?,
            schedule_by_chat: db.open_tree("schedule_by_chat")?,
            exams: db.open_tree(exam::EXAMS_TREE)?,
            exam_results: db.open_tree(exam::EXAM_RESULTS_TREE)?,
            shelf: db.open_tree(SHELF_TREE)?,
            reports: db.open_tree(REPORTS_TREE)?,
        })
    }

    /// Every tree with its name, in `TREE_NAMES` order.
    pub fn all(&self) -> [(&'static str, &sled::Tree); 14] {
        [
            ("meta", &self.meta),
            ("learners", &self.learners),
            ("chats", &self.chats),
            (PROGRESS_TREE, &self.progress),
            (LOG_TREE, &self.log),
            ("cards", &self.cards),
            ("open_cards", &self.open_cards),
            ("scores", &self.scores),
            ("schedule", &self.schedule),
            ("schedule_by_chat", &self.schedule_by_chat),
            (exam::EXAMS_TREE, &self.exams),
            (exam::EXAM_RESULTS_TREE, &self.exam_results),
            (SHELF_TREE, &self.shelf),
            (REPORTS_TREE, &self.reports),
        ]
    }
}

/// The tutor database. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    db: sled::Db,
    t: Trees,
    /// Writers hold it shared; whole-database operations (backup, forget,
    /// migrate_chat) hold it exclusively, so their scan-then-write is consistent.
    gate: RwLock<()>,
    /// Bumped after every committed write.
    written: AtomicU64,
    /// Bumped (with `written`) after every committed write to `meta`.
    written_meta: AtomicU64,
    /// The trees as measured by the open's seal check: `seal` reuses it when
    /// nothing but `meta` was written since (`written == written_meta`; see `seal`).
    opened: std::sync::Mutex<Option<seal::Measured>>,
    /// The `written` value covered by the last completed flush.
    flushed: AtomicU64,
    flush_lock: tokio::sync::Mutex<()>,
    /// Whether writes reach the disk (see [`Store::writable`]).
    health: health::Health,
    /// See [`Options::default_tz`].
    default_tz: chrono_tz::Tz,
    /// The FSRS parameters answers are scheduled with: FSRS-6's defaults, or the set
    /// `tutor optimize` adopted, as stored when the database was opened (or set
    /// since by [`Store::put_fsrs_parameters`] in this process).
    srs: std::sync::RwLock<crate::learn::Srs>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Creates `path` (and its parents) with the leaf directory private to the owner.
fn create_private_dir(path: &Path) -> Result<(), StoreError> {
    let at = |path: &Path, what: &str| {
        let path = path.to_path_buf();
        let what = what.to_owned();
        move |e: std::io::Error| StoreError::Path {
            path,
            msg: format!("{what}: {e}"),
        }
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(at(parent, "cannot create the directory"))?;
    }
    match fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {
            let mode = fs::metadata(path)
                .map_err(at(path, "cannot read the directory"))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    "database directory {} was readable by others (mode {:o}); making it private",
                    path.display(),
                    mode & 0o777
                );
                fs::set_permissions(path, fs::Permissions::from_mode(0o700))
                    .map_err(at(path, "cannot make the directory private"))?;
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(StoreError::Path {
            path: path.to_path_buf(),
            msg: "is a file, not a database directory".into(),
        }),
        Err(e) => Err(at(path, "cannot create the database directory")(e)),
    }
}

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

/// How long opening waits for a lock that may be about to go: sled's worker threads
/// can hold a just-closed database's file lock for a moment.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens sled at `path`, turning a lock conflict that lasts into `Locked` and a
/// panic inside sled (it panics on some damaged files) into `Corrupt`.
fn open_sled(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let start = std::time::Instant::now();
    loop {
        match open_sled_once(path, cache_bytes) {
            Err(StoreError::Locked(_)) if start.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

fn open_sled_once(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
    match catch_unwind(AssertUnwindSafe(|| config.open())) {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) if is_lock_error(&e) => Err(StoreError::Locked(path.to_path_buf())),
        Ok(Err(sled::Error::Unsupported(msg))) => Err(StoreError::Corrupt(format!(
            "sled cannot open {}: {msg}",
            path.display()
        ))),
        Ok(Err(sled::Error::Io(e))) => Err(StoreError::Path {
            path: path.to_path_buf(),
            msg: format!("cannot open the database: {e}"),
        }),
        Ok(Err(e)) => Err(e.into()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(StoreError::Corrupt(format!(
                "sled failed while opening {}: {msg}",
                path.display()
            )))
        }
    }
}

/// Whether `path` already holds (the remains of) a sled database.
fn has_sled_files(path: &Path) -> bool {
    ["conf", "db", "snap"].iter().any(|f| path.join(f).exists())
        || fs::read_dir(path).is_ok_and(|mut d| {
            d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("snap.")))
        })
}

fn decode<T: Codec>(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<T, StoreError> {
    T::decode(bytes).map_err(|msg| StoreError::Decode {
        tree,
        key_hex: keys::hex(key),
        msg,
    })
}

/// A typed read inside a transaction; a decode failure aborts it.
fn tx_get<T: Codec>(
    t: &TransactionalTree,
    tree: &'static str,
    key: &[u8],
) -> Result<Option<T>, TxError> {
    match t.get(key)? {
        None => Ok(None),
        Some(bytes) => decode(tree, key, &bytes)
            .map(Some)
            .map_err(ConflictableTransactionError::Abort),
    }
}

/// A `log` chunk read inside a transaction (empty if missing); a decode failure
/// aborts it.
fn tx_get_chunk(
    t: &TransactionalTree,
    user: i64,
    month: i32,
    key: &[u8],
) -> Result<LogChunk, TxError> {
    match t.get(key)? {
        None => Ok(LogChunk::default()),
        Some(bytes) => LogChunk::decode(user, month, &bytes).map_err(|msg| {
            ConflictableTransactionError::Abort(StoreError::Decode {
                tree: LOG_TREE,
                key_hex: keys::hex(key),
                msg,
            })
        }),
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    ///
    /// The directory is created with mode 0700. A database held by another process
    /// gives [`StoreError::Locked`]; one from a newer tutor gives
    /// [`StoreError::NewerSchema`]; an older one is migrated; a damaged one gives
    /// [`StoreError::Corrupt`] and is left untouched.
    pub fn open(path: &Path, opts: Options) -> Result<Store, StoreError> {
        create_private_dir(path)?;
        let existed = has_sled_files(path);
        let db = open_sled(path, opts.cache_bytes)?;
        // Files without our trees: refuse before creating any (see `schema`).
        if existed && !db.tree_names().iter().any(|n| n.as_ref() == b"meta") {
            return Err(schema::no_schema(path));
        }
        // Changed since its last clean shutdown (a flipped bit, a cut file): refused.
        let measured = match existed {
            true => seal::check_and_break(path, &db)?,
            false => None,
        };
        let t = Trees::open(&db)?;
        let store = Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                db,
                t,
                gate: RwLock::new(()),
                written: AtomicU64::new(0),
                written_meta: AtomicU64::new(0),
                opened: Default::default(),
                flushed: AtomicU64::new(0),
                flush_lock: tokio::sync::Mutex::new(()),
                health: Default::default(),
                default_tz: opts.default_tz,
                srs: Default::default(),
            }),
        };
        let migrated = schema::check_and_migrate(&store, existed)?;
        if let (Some(measured), schema::Migrated::Current) = (measured, migrated) {
            *store.opened() = Some(measured);
        }
        if let Some(p) = store.fsrs_parameters()? {
            store.use_parameters(&p)?;
        }
        Ok(store)
    }

    /// Opens a database that must already exist: a missing or empty `path` is an
    /// error, not a new database (for commands that read one, such as `backup`).
    pub fn open_existing(path: &Path, opts: Options) -> Result<Store, StoreError> {
        let problem = if !path.exists() {
            Some("does not exist")
        } else if !path.is_dir() {
            Some("is a file, not a database directory")
        } else if !has_sled_files(path) {
            Some("holds no database")
        } else {
            None
        };
        if let Some(msg) = problem {
            return Err(StoreError::Path {
                path: path.to_path_buf(),
                msg: msg.into(),
            });
        }
        Store::open(path, opts)
    }

    /// Flushes and seals the database at a clean shutdown (see `seal`): the next open
    /// refuses it if it changed while closed. Call when no more writes will come.
    ///
    /// Measuring reads every record. When the open measured the database and nothing
    /// but `meta` was written since, that measurement is used with `meta` (and any
    /// tree created since) measured again.
    pub fn seal(&self) -> Result<(), StoreError> {
        let _x = self.exclusive();
        self.checked(self.inner.db.flush().map_err(StoreError::from))?;
        let db = &self.inner.db;
        // Both counters start at 0 with the store, before the open's measurement is
        // kept, so equal counters mean every write since touched only `meta`.
        let only_meta = self.inner.written.load(Ordering::SeqCst)
            == self.inner.written_meta.load(Ordering::SeqCst);
        let reused = self.opened().take().filter(|_| only_meta);
        let measured = match reused {
            Some(mut measured) => {
                measured.refresh(db, b"meta")?;
                debug_assert_eq!(
                    measured,
                    seal::Measured::of(db)?,
                    "the seal reused a measurement that a write changed"
                );
                measured
            }
            None => seal::Measured::of(db)?,
        };
        seal::write(self.path(), &measured)
    }

    fn opened(&self) -> std::sync::MutexGuard<'_, Option<seal::Measured>> {
        self.inner.opened.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub(crate) fn trees(&self) -> &Trees {
        &self.inner.t
    }

    /// Shared access for an ordinary write.
    fn write_gate(&self) -> RwLockReadGuard<'_, ()> {
        self.inner.gate.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access for a whole-database operation.
    fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.inner.gate.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a committed write (for flush batching and the seal).
    fn wrote(&self) {
        self.inner.written.fetch_add(1, Ordering::SeqCst);
    }

    /// Notes a committed write that touched `meta` and no other tree.
    fn wrote_meta(&self) {
        self.inner.written_meta.fetch_add(1, Ordering::SeqCst);
        self.wrote();
    }

    /// Makes every write committed before this call durable. Concurrent callers
    /// share one fsync: a caller whose writes a completed flush already covers
    /// returns at once, and callers queued behind a running flush are covered by the
    /// next one.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let target = inner.written.load(Ordering::SeqCst);
        if inner.flushed.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        let _turn = inner.flush_lock.lock().await;
        if inner.flushed.load(Ordering::SeqCst) >= target {
            return Ok(());
        }
        let upto = inner.written.load(Ordering::SeqCst);
        self.checked(inner.db.flush_async().await.map_err(StoreError::from))?;
        inner.flushed.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }

    /// [`Store::flush`] for synchronous callers (the console, shutdown).
    pub fn flush_blocking(&self) -> Result<(), StoreError> {
        let inner = &self.inner;
        let upto = inner.written.load(Ordering::SeqCst);
        self.checked(inner.db.flush().map_err(StoreError::from))?;
        inner.flushed.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }

    /// Every learner's id, in order.
    pub fn learner_ids(&self) -> Result<Vec<i64>, StoreError> {
        let mut out = Vec::new();
        for k in self.trees().learners.iter().keys() {
            let k = k?;
            let mut r = keys::Reader::new(&k);
            match (r.i64(), r.is_empty()) {
                (Some(id), true) => out.push(id),
                _ => return Err(bad_key("learners", &k)),
            }
        }
        Ok(out)
    }

    /// The parameter set `tutor optimize` stored, if any.
    pub fn fsrs_parameters(&self) -> Result<Option<FsrsParameters>, StoreError> {
        self.get(&self.trees().meta, "meta", FSRS_PARAMETERS_KEY)
    }

    /// Stores the parameter set `tutor optimize` chose and schedules with it from
    /// now on in this process (a running bot is another process: it reads the set
    /// at its next start).
    pub fn put_fsrs_parameters(&self, p: &FsrsParameters) -> Result<(), StoreError> {
        let srs = Self::srs_of(p)?;
        let _gate = self.write_gate();
        let written = self
            .trees()
            .meta
            .insert(FSRS_PARAMETERS_KEY, p.encode())
            .map(|_| ())
            .map_err(StoreError::from);
        self.checked(written)?;
        self.wrote_meta();
        self.set_srs(srs);
        Ok(())
    }

    fn srs_of(p: &FsrsParameters) -> Result<crate::learn::Srs, StoreError> {
        crate::learn::Srs::new(&p.parameters).map_err(|msg| StoreError::Decode {
            tree: "meta",
            key_hex: keys::hex(FSRS_PARAMETERS_KEY),
            msg: format!("{msg} (run `tutor optimize` again to replace them)"),
        })
    }

    fn use_parameters(&self, p: &FsrsParameters) -> Result<(), StoreError> {
        let srs = Self::srs_of(p)?;
        self.set_srs(srs);
        Ok(())
    }

    fn set_srs(&self, srs: crate::learn::Srs) {
        match self.inner.srs.write() {
            Ok(mut g) => *g = srs,
            Err(poisoned) => *poisoned.into_inner() = srs,
        }
    }

    /// The FSRS scheduler answers are recorded with.
    pub fn srs(&self) -> crate::learn::Srs {
        match self.inner.srs.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads and decodes one value.
    fn get<T: Codec>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match tree.get(key)? {
            None => Ok(None),
            Some(bytes) => decode(name, key, &bytes).map(Some),
        }
    }

    /// A compare-and-swap loop on one record. `f` sees the current value and returns
    /// the new one (`None`: leave it as it is) and a result.
    fn cas<T: Codec, Out>(
        &self,
        tree: &sled::Tree,
        name: &'static str,
        key: &[u8],
        mut f: impl FnMut(Option<T>) -> (Option<T>, Out),
    ) -> Result<Out, StoreError> {
        loop {
            let old = tree.get(key)?;
            let current = match &old {
                None => None,
                Some(bytes) => Some(decode(name, key, bytes)?),
            };
            let (new, out) = f(current);
            let Some(new) = new else {
                return Ok(out);
            };
            // The gate covers only the swap: `f` may call back into the store.
            let swapped = {
                let _gate = self.write_gate();
                self.checked(
                    tree.compare_and_swap(key, old, Some(new.encode()))
                        .map_err(StoreError::from),
                )?
            };
            if swapped.is_ok() {
                self.wrote();
                return Ok(out);
            }
        }
    }

    pub fn learner(&self, id: i64) -> Result<Option<Learner>, StoreError> {
        self.get(
            &self.trees().learners,
            "learners",
            &keys::learner(id).build(),
        )
    }

    /// Read-modify-write of a learner, atomically (retried on a concurrent change,
    /// so `f` may run more than once). The stored id is always `id`.
    pub fn update_learner(
        &self,
        id: i64,
        mut f: impl FnMut(Option<Learner>) -> Learner,
    ) -> Result<Learner, StoreError> {
        let key = keys::learner(id).build();
        self.cas(&self.trees().learners, "learners", &key, |cur| {
            let mut next = f(cur);
            next.id = id;
            (Some(next.clone()), next)
        })
    }

    pub fn chat(&self, id: i64) -> Result<Option<Chat>, StoreError> {
        self.get(&self.trees().chats, "chats", &keys::chat(id).build())
    }

    /// Read-modify-write of a chat, atomically (retried on a concurrent change, so
    /// `f` may run more than once). The stored id is always `id`.
    pub fn update_chat(
        &self,
        id: i64,
        mut f: impl FnMut(Option<Chat>) -> Chat,
    ) -> Result<Chat, StoreError> {
        let key = keys::chat(id).build();
        self.cas(&self.trees().chats, "chats", &key, |cur| {
            let mut next = f(cur);
            next.id = id;
            (Some(next.clone()), next)
        })
    }

    /// Every chat (the console's overview; not for hot paths).
    pub fn chats(&self) -> Result<Vec<Chat>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees().chats.iter() {
            let (k, v) = kv?;
            out.push(decode("chats", &k, &v)?);
        }
        Ok(out)
    }

    /// Sets `daily.last_sent = day` unless it already is; true if this call did it,
    /// so the daily question goes out exactly once a day. False for a chat without a
    /// daily question.
    pub fn claim_daily(&self, chat: i64, day: NaiveDate) -> Result<bool, StoreError> {
        let key = keys::chat(chat).build();
        self.cas(
            &self.trees().chats,
            "chats",
            &key,
            |cur: Option<Chat>| match cur {
                Some(mut c) => match c.daily.as_mut() {
                    Some(d) if d.last_sent != Some(day) => {
                        d.last_sent = Some(day);
                        (Some(c), true)
                    }
                    _ => (None, false),
                },
                None => (None, false),
            },
        )
    }

    /// Like [`Store::claim_daily`] for the daily reminder (`daily.last_reminded`).
    pub fn claim_reminder(&self, chat: i64, day: NaiveDate) -> Result<bool, StoreError> {
        let key = keys::chat(chat).build();
        self.cas(
            &self.trees().chats,
            "chats",
            &key,
            |cur: Option<Chat>| match cur {
                Some(mut c) => match c.daily.as_mut() {
                    Some(d) if d.last_reminded != Some(day) => {
                        d.last_reminded = Some(day);
                        (Some(c), true)
                    }
                    _ => (None, false),
                },
                None => (None, false),
            },
        )
    }

    /// A learner's progress on every question they have answered, including
    /// questions that have since left the bank (callers go through the bank).
    pub fn progress(&self, user: i64) -> Result<HashMap<String, Progress>, StoreError> {
        let set: Option<ProgressSet> = self.get(
            &self.trees().progress,
            PROGRESS_TREE,
            &keys::progress(user).build(),
        )?;
        Ok(set.unwrap_or_default().into_vec().into_iter().collect())
    }

    /// A learner's answers since `since` (inclusive), oldest first.
    pub fn log(&self, user: i64, since: DateTime<Utc>) -> Result<Vec<LogEntry>, StoreError> {
        let mut out = Vec::new();
        for item in self.log_items(user, Some(since))? {
            out.push(LogEntry {
                at: item.at,
                question: item.question,
                right: item.right,
            });
        }
        Ok(out)
    }

    /// A learner's answers in one chat, all time, oldest first (the class report).
    pub fn chat_log(&self, user: i64, chat: i64) -> Result<Vec<LogEntry>, StoreError> {
        Ok(self
            .log_items(user, None)?
            .into_iter()
            .filter(|item| item.chat == chat)
            .map(|item| LogEntry {
                at: item.at,
                question: item.question,
                right: item.right,
            })
            .collect())
    }

    /// The zone a learner's answers are counted in, as `app` resolves it: their own,
    /// else their private chat's, else [`Options::default_tz`].
    pub(crate) fn replay_zone(&self, user: i64) -> Result<chrono_tz::Tz, StoreError> {
        let zone = match self.learner(user)? {
            Some(l) if l.tz.is_some() => l.tz,
            Some(_) => self.chat(user)?.map(|c| c.tz),
            None => None,
        };
        Ok(zone.unwrap_or(self.inner.default_tz))
    }

    /// A learner's log entries (since `since`, if given), oldest first.
    pub(crate) fn log_items(
        &self,
        user: i64,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<LogItem>, StoreError> {
        let prefix = keys::learner(user).build();
        let start = match since {
            Some(t) => keys::log_chunk(user, month_of(t)).build(),
            None => prefix.clone(),
        };
        let mut out = Vec::new();
        for kv in self.trees().log.range(start..) {
            let (k, v) = kv?;
            if !k.starts_with(&prefix) {
                break;
            }
            let chunk = decode_chunk(&k, &v)?;
            out.extend(
                chunk
                    .into_items()
                    .into_iter()
                    .filter(|e| since.is_none_or(|t| e.at >= t)),
            );
        }
        Ok(out)
    }

    /// A learner's statistics, computed from the bank (progress on questions no
    /// longer in it is ignored there) and the last month of their log.
    pub fn stats(
        &self,
        bank: &Bank,
        user: i64,
        now: DateTime<Utc>,
        tz: Tz,
    ) -> Result<learn::Stats, StoreError> {
        let progress = self.progress(user)?;
        // The whole log: the wrong-answer book's count is derived from every answer.
        let log = self.log(user, DateTime::<Utc>::MIN_UTC)?;
        let streak = self
            .learner(user)?
            .map_or_else(model::empty_streak, |l| l.streak);
        Ok(learn::compute(
            bank,
            &progress,
            &log,
            &streak,
            now,
            tz,
            &self.srs(),
        ))
    }

    /// The members' scores in a chat: (user, display name, score), highest total
    /// first.
    pub fn scores(&self, chat: i64) -> Result<Vec<(i64, String, MemberScore)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.trees().scores.scan_prefix(keys::chat(chat)) {
            let (k, v) = kv?;
            let mut r = keys::Reader::new(&k);
            r.i64();
            let user = r.i64().ok_or_else(|| bad_key("scores", &k))?;
            let value: ScoreValue = decode("scores", &k, &v)?;
            out.push((user, value.name, value.score));
        }
        out.sort_by(|a, b| b.2.total.cmp(&a.2.total).then_with(|| a.1.cmp(&b.1)));
        Ok(out)
    }

    /// A learner's shelf: favourites, practice set, last search (empty if none).
    pub fn shelf(&self, user: i64) -> Result<Shelf, StoreError> {
        let key = keys::learner(user).build();
        Ok(self
            .get(&self.trees().shelf, SHELF_TREE, &key)?
            .unwrap_or_default())
    }

    /// Read-modify-write of a learner's shelf, atomically (retried on a concurrent
    /// change, so `f` may run more than once). `f` returns whether to write the
    /// shelf it was given back, and a result.
    pub fn update_shelf<Out>(
        &self,
        user: i64,
        mut f: impl FnMut(&mut Shelf) -> (bool, Out),
    ) -> Result<Out, StoreError> {
        let key = keys::learner(user).build();
        self.cas(
            &self.trees().shelf,
            SHELF_TREE,
            &key,
            |cur: Option<Shelf>| {
                let mut shelf = cur.unwrap_or_default();
                match f(&mut shelf) {
                    (true, out) => (Some(shelf), out),
                    (false, out) => (None, out),
                }
            },
        )
    }

    /// A learner's weekly report setting (off if none).
    pub fn report_setting(&self, user: i64) -> Result<ReportSetting, StoreError> {
        let key = keys::learner(user).build();
        Ok(self
            .get(&self.trees().reports, REPORTS_TREE, &key)?
            .unwrap_or_default())
    }

    /// `/report on|off`: keeps the last week sent, so that turning it off and on
    /// again never sends a week twice; `skip` (a week whose time passed before the
    /// report was turned on) counts as sent.
    pub fn set_report(
        &self,
        user: i64,
        on: bool,
        skip: Option<NaiveDate>,
    ) -> Result<ReportSetting, StoreError> {
        let key = keys::learner(user).build();
        self.cas(
            &self.trees().reports,
            REPORTS_TREE,
            &key,
            |cur: Option<ReportSetting>| {
                let cur = cur.unwrap_or_default();
                let next = ReportSetting {
                    on,
                    last_sent: cur.last_sent.max(skip),
                };
                (Some(next), next)
            },
        )
    }

    /// Sets `last_sent = week` of a learner whose report is on, unless it already
    /// is; true if this call did it, so that each week's report goes out once.
    pub fn claim_report(&self, user: i64, week: NaiveDate) -> Result<bool, StoreError> {
        let key = keys::learner(user).build();
        self.cas(
            &self.trees().reports,
            REPORTS_TREE,
            &key,
            |cur: Option<ReportSetting>| match cur {
                Some(r) if r.on && r.last_sent != Some(week) => {
                    let next = ReportSetting {
                        last_sent: Some(week),
                        ..r
                    };
                    (Some(next), true)
                }
                _ => (None, false),
            },
        )
    }

    /// The size of the database files.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.inner.db.size_on_disk()?)
    }
}

fn bad_key(tree: &'static str, key: &[u8]) -> StoreError {
    StoreError::Decode {
        tree,
        key_hex: keys::hex(key),
        msg: "malformed key".into(),
    }
}

/// The (user, month) of a `log` chunk's key.
/// The user of a `progress_by_learner` key.
fn progress_key(k: &[u8]) -> Result<i64, StoreError> {
    let mut r = keys::Reader::new(k);
    match (r.i64(), r.is_empty()) {
        (Some(user), true) => Ok(user),
        _ => Err(bad_key(PROGRESS_TREE, k)),
    }
}

fn chunk_key(k: &[u8]) -> Result<(i64, i32), StoreError> {
    let mut r = keys::Reader::new(k);
    match (r.i64(), r.i32(), r.is_empty()) {
        (Some(user), Some(month), true) => Ok((user, month)),
        _ => Err(bad_key(LOG_TREE, k)),
    }
}

/// A `log` chunk, from its key (user and month) and value.
fn decode_chunk(k: &[u8], v: &[u8]) -> Result<LogChunk, StoreError> {
    let (user, month) = chunk_key(k)?;
    LogChunk::decode(user, month, v).map_err(|msg| StoreError::Decode {
        tree: LOG_TREE,
        key_hex: keys::hex(k),
        msg,
    })
}
