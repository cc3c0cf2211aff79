//! The seal: what the database held at its last clean shutdown.
//!
//! sled recovers a damaged log by cutting it at the first bad record, and cannot tell
//! that from the torn tail a crash leaves: a flipped bit or a truncated file opens
//! without an error, with records lost. So at each clean shutdown the store writes,
//! beside sled's files, `tutor-seal`: for every tree its record count and a CRC-32 of
//! its keys and values, and a CRC-32 of the seal itself. The next open measures the
//! trees again and refuses a database that does not match, naming the counts; a
//! database that matches is opened and the seal removed (durably, before any write),
//! so a later crash cannot leave a stale one behind. After a crash there is no seal and
//! sled's recovery stands as before.
//!
//! Measuring reads every record, which on a large database (1.2 GiB at 100,000
//! learners) takes seconds. So the measurement the open took is kept: a process that
//! wrote nothing since (`tutor optimize --dry-run`) seals with it as it is, and one
//! that wrote only to `meta` (`tutor optimize`) measures `meta` again and nothing else
//! (see `Store::seal`). Debug builds check such a seal against a full measurement.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use super::StoreError;

/// The seal's file name inside the database directory.
pub const SEAL_FILE: &str = "tutor-seal";
const HEADER: &str = "tutor-seal 1";

/// One tree as sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TreeSeal {
    name: Vec<u8>,
    count: u64,
    crc: u32,
}

/// A measurement of every tree of a database, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Measured(Vec<TreeSeal>);

impl Measured {
    /// Measures every tree of `db`, a tree at a time on each core: the work is
    /// sled's page reads, and the large trees (progress, the log) go in parallel.
    pub(crate) fn of(db: &sled::Db) -> Result<Measured, StoreError> {
        let mut names = db.tree_names();
        names.sort();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let work = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(name) = names.get(i) else {
                    return Ok(done);
                };
                done.push((i, measure_tree(db, name)?));
            }
        };
        let results: Vec<Result<Vec<(usize, TreeSeal)>, StoreError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..workers).map(|_| s.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        let mut trees = Vec::with_capacity(names.len());
        for r in results {
            trees.extend(r?);
        }
        trees.sort_by_key(|(i, _)| *i);
        Ok(Measured(trees.into_iter().map(|(_, t)| t).collect()))
    }

    /// Measures `name` again, and any tree of `db` this measurement lacks (trees
    /// created since it was taken).
    pub(crate) fn refresh(&mut self, db: &sled::Db, name: &[u8]) -> Result<(), StoreError> {
        for tree in db.tree_names() {
            if tree.as_ref() == name || !self.0.iter().any(|t| t.name == tree.as_ref()) {
                let fresh = measure_tree(db, &tree)?;
                self.0.retain(|t| t.name != fresh.name);
                self.0.push(fresh);
            }
        }
        self.0.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(())
    }
}

/// One tree: its record count and the CRC of its keys and values.
fn measure_tree(db: &sled::Db, name: &[u8]) -> Result<TreeSeal, StoreError> {
    let tree = db.open_tree(name)?;
    let mut crc = crc32fast::Hasher::new();
    let mut count = 0u64;
    for kv in tree.iter() {
        let (k, v) = kv?;
        // Lengths first, so that the boundary between key and value counts.
        crc.update(&(k.len() as u64).to_le_bytes());
        crc.update(&k);
        crc.update(&(v.len() as u64).to_le_bytes());
        crc.update(&v);
        count += 1;
    }
    Ok(TreeSeal {
        name: name.to_vec(),
        count,
        crc: crc.finalize(),
    })
}

fn encode(trees: &[TreeSeal]) -> String {
    let mut body = format!("{HEADER}\n");
    for t in trees {
        let _ = writeln!(body, "{} {} {:08x}", hex(&t.name), t.count, t.crc);
    }
    let _ = writeln!(body, "crc {:08x}", crc32fast::hash(body.as_bytes()));
    body
}

fn decode(text: &str) -> Result<Vec<TreeSeal>, String> {
    let (body, last) = text
        .trim_end_matches('\n')
        .rsplit_once('\n')
        .ok_or("no checksum line")?;
    let body = format!("{body}\n");
    let want = last
        .strip_prefix("crc ")
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or("no checksum line")?;
    if crc32fast::hash(body.as_bytes()) != want {
        return Err("its checksum does not match".into());
    }
    let mut lines = body.lines();
    if lines.next() != Some(HEADER) {
        return Err("an unknown format".into());
    }
    lines
        .map(|line| {
            let mut f = line.split(' ');
            let (Some(name), Some(count), Some(crc), None) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                return Err(format!("a malformed line {line:?}"));
            };
            Ok(TreeSeal {
                name: unhex(name).ok_or_else(|| format!("a malformed name {name:?}"))?,
                count: count
                    .parse()
                    .map_err(|_| format!("a malformed count {count:?}"))?,
                crc: u32::from_str_radix(crc, 16)
                    .map_err(|_| format!("a malformed crc {crc:?}"))?,
            })
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A tree's name as people read it.
fn shown(name: &[u8]) -> String {
    match std::str::from_utf8(name) {
        Ok("__sled__default") => "default".into(),
        Ok(s) => s.into(),
        Err(_) => hex(name),
    }
}

/// Writes `measured`, the seal of a flushed database with no writer running, into
/// `dir`: a temporary file, synced, renamed over the old one, and the directory synced.
pub(crate) fn write(dir: &Path, measured: &Measured) -> Result<(), StoreError> {
    let text = encode(&measured.0);
    let tmp = dir.join(format!("{SEAL_FILE}.tmp"));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(SEAL_FILE))?;
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Compares `db` with the seal in `dir`, if there is one, and removes the seal when
/// they agree, returning the measurement. A database that differs from its seal is
/// refused with the differences.
pub(crate) fn check_and_break(dir: &Path, db: &sled::Db) -> Result<Option<Measured>, StoreError> {
    let path = dir.join(SEAL_FILE);
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let refuse = |what: String| {
        StoreError::Corrupt(format!(
            "{what}. Restore a backup (tutor restore), or delete {} to open the database as it is",
            path.display()
        ))
    };
    let sealed = std::str::from_utf8(&text)
        .map_err(|_| "not text".to_string())
        .and_then(decode)
        .map_err(|e| {
            refuse(format!(
                "its seal from the last clean shutdown is unreadable: {e}"
            ))
        })?;
    let Measured(now) = Measured::of(db)?;
    let mut differences = Vec::new();
    for s in &sealed {
        match now.iter().find(|t| t.name == s.name) {
            None => differences.push(format!(
                "{}: missing ({} records sealed)",
                shown(&s.name),
                s.count
            )),
            Some(t) if t.count != s.count => differences.push(format!(
                "{}: {} of {} records",
                shown(&s.name),
                t.count,
                s.count
            )),
            Some(t) if t.crc != s.crc => differences.push(format!(
                "{}: {} records, contents changed",
                shown(&s.name),
                t.count
            )),
            Some(_) => {}
        }
    }
    for t in now
        .iter()
        .filter(|t| !sealed.iter().any(|s| s.name == t.name))
    {
        differences.push(format!(
            "{}: {} records not sealed",
            shown(&t.name),
            t.count
        ));
    }
    if !differences.is_empty() {
        return Err(refuse(format!(
            "it changed since its last clean shutdown ({})",
            differences.join("; ")
        )));
    }
    fs::remove_file(&path)?;
    fs::File::open(dir)?.sync_all()?;
    Ok(Some(Measured(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path) -> sled::Db {
        sled::Config::new().path(dir).open().unwrap()
    }

    fn fill(db: &sled::Db) {
        let t = db.open_tree("learners").unwrap();
        for i in 0..3u8 {
            t.insert([i], vec![i; 10]).unwrap();
        }
        db.open_tree("log").unwrap().insert("k", "v").unwrap();
        db.flush().unwrap();
    }

    #[test]
    fn a_sealed_database_opens_once_and_the_seal_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let d = db(dir.path());
        fill(&d);
        write(dir.path(), &Measured::of(&d).unwrap()).unwrap();
        assert!(dir.path().join(SEAL_FILE).exists());
        let measured = check_and_break(dir.path(), &d).unwrap();
        assert_eq!(measured, Some(Measured::of(&d).unwrap()));
        assert!(!dir.path().join(SEAL_FILE).exists());
        // No seal: nothing to compare, nothing measured.
        assert_eq!(check_and_break(dir.path(), &d).unwrap(), None);
    }

    #[test]
    fn a_refreshed_measurement_is_a_full_one() {
        type Change = fn(&sled::Db);
        // Each change touches only "log" (or creates a tree), which is refreshed.
        let cases: [(&str, Change); 4] = [
            ("nothing", |_| {}),
            ("a record changed", |d| {
                d.open_tree("log").unwrap().insert("k", "w").unwrap();
            }),
            ("a record added", |d| {
                d.open_tree("log").unwrap().insert("k2", "v").unwrap();
            }),
            ("an empty tree created", |d| {
                d.open_tree("new").unwrap();
            }),
        ];
        for (name, change) in cases {
            let dir = tempfile::tempdir().unwrap();
            let d = db(dir.path());
            fill(&d);
            let mut measured = Measured::of(&d).unwrap();
            change(&d);
            measured.refresh(&d, b"log").unwrap();
            assert_eq!(measured, Measured::of(&d).unwrap(), "{name}");
        }
        // A change elsewhere is not seen: that is why `Store::seal` refreshes only
        // after writes to the refreshed tree alone.
        let dir = tempfile::tempdir().unwrap();
        let d = db(dir.path());
        fill(&d);
        let mut measured = Measured::of(&d).unwrap();
        d.open_tree("learners").unwrap().remove([0u8]).unwrap();
        measured.refresh(&d, b"log").unwrap();
        assert_ne!(measured, Measured::of(&d).unwrap());
    }

    #[test]
    fn every_change_after_the_seal_is_named() {
        type Change = fn(&sled::Db);
        let cases: [(&str, Change, &str); 4] = [
            (
                "lost",
                |d| {
                    d.open_tree("learners").unwrap().remove([1u8]).unwrap();
                },
                "learners: 2 of 3 records",
            ),
            (
                "flipped",
                |d| {
                    d.open_tree("log").unwrap().insert("k", "w").unwrap();
                },
                "log: 1 records, contents changed",
            ),
            (
                "tree gone",
                |d| {
                    d.drop_tree("log").unwrap();
                },
                "log: missing (1 records sealed)",
            ),
            (
                "new tree",
                |d| {
                    d.open_tree("extra").unwrap().insert("a", "b").unwrap();
                },
                "extra: 1 records not sealed",
            ),
        ];
        for (name, change, want) in cases {
            let dir = tempfile::tempdir().unwrap();
            let d = db(dir.path());
            fill(&d);
            write(dir.path(), &Measured::of(&d).unwrap()).unwrap();
            change(&d);
            let e = check_and_break(dir.path(), &d).unwrap_err().to_string();
            assert!(e.contains(want), "{name}: {e}");
            assert!(
                e.contains("tutor restore") && e.contains(SEAL_FILE),
                "{name}: {e}"
            );
            // Refused, the seal stays: the next open refuses too.
            assert!(dir.path().join(SEAL_FILE).exists(), "{name}");
        }
    }

    #[test]
    fn a_damaged_seal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = db(dir.path());
        fill(&d);
        write(dir.path(), &Measured::of(&d).unwrap()).unwrap();
        let p = dir.path().join(SEAL_FILE);
        let mut text = fs::read_to_string(&p).unwrap();
        text = text.replacen(" 3 ", " 4 ", 1);
        fs::write(&p, text).unwrap();
        let e = check_and_break(dir.path(), &d).unwrap_err().to_string();
        assert!(e.contains("checksum does not match"), "{e}");
        fs::write(&p, [0xff, 0xfe]).unwrap();
        assert!(check_and_break(dir.path(), &d).is_err());
    }

    #[test]
    fn the_encoding_round_trips() {
        let trees = vec![
            TreeSeal {
                name: b"__sled__default".to_vec(),
                count: 0,
                crc: 0,
            },
            TreeSeal {
                name: vec![0, 255, b' '],
                count: u64::MAX,
                crc: 0xdead_beef,
            },
        ];
        assert_eq!(decode(&encode(&trees)).unwrap(), trees);
        for bad in ["", "crc 0", "tutor-seal 1\ncrc zz\n", "x\ncrc 00000000\n"] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }
}
