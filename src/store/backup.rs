//! Consistent backups (a copy of every tree into a fresh sled database) and restore.

use std::fs;
use std::path::Path;

use super::records::{LogChunk, ProgressSet};
use super::schema::{SCHEMA_KEY, SCHEMA_VERSION};
use super::{
    LOG_TREE, PROGRESS_TREE, Store, StoreError, chunk_key, create_private_dir, has_sled_files,
    open_sled, seal,
};

/// The page cache of a database opened only to copy it.
const COPY_CACHE_BYTES: u64 = 8 * 1024 * 1024;
const META: &[u8] = b"meta";

/// Fails unless `path` is missing or an empty directory.
fn ensure_empty_or_missing(path: &Path) -> Result<(), StoreError> {
    match fs::read_dir(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(StoreError::NotEmpty(path.to_path_buf())),
        },
    }
}

/// A value as the copy holds it: a learner's packed progress or month of log in an
/// older record version is written in the current one (smaller; the same data).
/// Anything else, a value that does not decode included, is copied as it is.
fn current_form(tree: &[u8], k: &[u8], v: sled::IVec) -> sled::IVec {
    let upgraded = if tree == PROGRESS_TREE.as_bytes() {
        ProgressSet::upgrade(&v)
    } else if tree == LOG_TREE.as_bytes() {
        chunk_key(k)
            .ok()
            .and_then(|(user, month)| LogChunk::upgrade(user, month, &v))
    } else {
        None
    };
    upgraded.map_or(v, sled::IVec::from)
}

/// Copies every tree of `src` into `dst`, `meta` (the schema version) last: a copy
/// cut short has no schema version and is refused as damaged when opened. Packed
/// records of an older version are copied in the current one (see `current_form`).
fn copy_db(src: &sled::Db, dst: &sled::Db) -> Result<(), StoreError> {
    let mut names = src.tree_names();
    names.sort_by_key(|n| n.as_ref() == META);
    for name in names {
        let from = src.open_tree(&name)?;
        let to = dst.open_tree(&name)?;
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        for kv in from.iter() {
            let (k, v) = kv?;
            let v = current_form(&name, &k, v);
            batch.insert(k, v);
            pending += 1;
            if pending == 4096 {
                to.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        to.apply_batch(batch)?;
    }
    dst.flush()?;
    Ok(())
}

/// Runs `f` to fill the directory `dir` (missing or empty before); on failure
/// removes what it wrote, so no half copy remains.
fn fill_fresh_dir(
    dir: &Path,
    f: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let existed = dir.exists();
    let result = create_private_dir(dir).and_then(|()| f());
    if result.is_err() {
        if existed {
            if let Ok(entries) = fs::read_dir(dir) {
                for e in entries.flatten() {
                    let p = e.path();
                    let _ = if p.is_dir() {
                        fs::remove_dir_all(&p)
                    } else {
                        fs::remove_file(&p)
                    };
                }
            }
        } else {
            let _ = fs::remove_dir_all(dir);
        }
    }
    result
}

impl Store {
    /// Writes a consistent snapshot of the database to `out`, a new sled database
    /// directory (which must be missing or empty), sealed (see `seal`) so that a
    /// restore can tell whether it changed since. Writers wait while it runs.
    pub fn backup(&self, out: &Path) -> Result<(), StoreError> {
        ensure_empty_or_missing(out)?;
        if out == self.path() {
            return Err(StoreError::NotEmpty(out.to_path_buf()));
        }
        let _x = self.exclusive();
        fill_fresh_dir(out, || {
            let dst = open_sled(out, COPY_CACHE_BYTES)?;
            copy_db(&self.inner.db, &dst)?;
            seal::write(out, &seal::Measured::of(&dst)?)
        })
    }

    /// Restores the backup at `from` into `db`, which must be missing or empty.
    /// The backup is only read: sled writes to the files it opens, so it opens a copy
    /// (beside `db`, removed afterwards). The copy is checked first (a tutor database,
    /// not from a newer tutor, unchanged since its seal); an older one is migrated the
    /// next time it is opened. The restored database is sealed like a backup.
    pub fn restore(from: &Path, db: &Path) -> Result<(), StoreError> {
        ensure_empty_or_missing(db)?;
        if !from.is_dir() || !has_sled_files(from) {
            return Err(StoreError::Corrupt(format!(
                "{} is not a tutor database backup",
                from.display()
            )));
        }
        let staging = Staging::beside(db)?;
        copy_files(from, &staging.0).map_err(|e| StoreError::Path {
            path: from.to_path_buf(),
            msg: format!("cannot read the backup: {e}"),
        })?;
        let src = open_sled(&staging.0, COPY_CACHE_BYTES)?;
        seal::check_and_break(&staging.0, &src).map_err(|e| match e {
            StoreError::Corrupt(msg) => StoreError::Corrupt(format!(
                "the backup {}: {}",
                from.display(),
                msg.replace(
                    &staging.0.display().to_string(),
                    &from.display().to_string()
                )
            )),
            other => other,
        })?;
        let not_tutor = || {
            StoreError::Corrupt(format!(
                "{} has no tutor schema version: not a tutor backup, or damaged",
                from.display()
            ))
        };
        if !src.tree_names().iter().any(|n| n.as_ref() == META) {
            return Err(not_tutor());
        }
        let version = src
            .open_tree(META)?
            .get(SCHEMA_KEY)?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(not_tutor)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        fill_fresh_dir(db, || {
            let dst = open_sled(db, COPY_CACHE_BYTES)?;
            copy_db(&src, &dst)?;
            seal::write(db, &seal::Measured::of(&dst)?)
        })
    }
}

/// A scratch directory beside a path, removed when dropped.
struct Staging(std::path::PathBuf);

impl Staging {
    fn beside(path: &Path) -> Result<Staging, StoreError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "db".into());
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(format!(".{name}.restoring-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        create_private_dir(&dir)?;
        Ok(Staging(dir))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copies the files of directory `from` into `to`, recursively.
fn copy_files(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_files(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
