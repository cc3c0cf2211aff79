//! A database that cannot write (disk full on a small tmpfs; the data file made
//! immutable): the bot survives it, tells learners it can't save, sends no card it
//! could not record, doesn't spin on a due job, and resumes when writes work again:
//! by itself, or by exiting for its service manager when sled cannot recover in the
//! process. Nothing acknowledged is lost, nothing counted twice.
//!
//! Both need root (mount, chattr); each is skipped with a printed reason where the
//! machine refuses.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{Timelike, Utc};

use crate::support::{T, TestApp, builder_on, card_after, data, eventually, verdict_after};

const CANT_SAVE: &str = "暂时无法保存";

/// Starts the bot on `db` (a path outside the harness's temp dir).
async fn spawn_on(db: &Path) -> TestApp {
    builder_on(db).spawn().await
}

/// One question answered through its buttons (the first option; for a multiple
/// choice, then 提交); returns the verdict.
async fn answer_one(app: &TestApp, u: i64) -> String {
    let card = card_after(app, u, u, "/quiz").await;
    let message = card.message_id.unwrap();
    let mark = app.fake.mark();
    let buttons = card.buttons();
    let (_, first) = buttons.first().cloned().expect("a button");
    app.fake.push_callback(u, u, message, &first);
    if let Some((label, _)) = buttons.iter().find(|(l, _)| l.contains("提交")) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.fake.push_callback(u, u, message, &data(&card, label));
    }
    verdict_after(app, u, mark).await
}

/// Sends `/quiz` until the bot says it can't save (the first card may still go out:
/// sled buffers writes, so the fault shows at its next flush).
async fn until_cant_save(app: &TestApp, u: i64) {
    // Writes of many new learners at once: sled's log outgrows the pages it has.
    for other in 9000..9060 {
        app.fake.push_text(other, other, "/start");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mark = app.fake.mark();
        app.fake.push_text(u, u, "/quiz");
        let said = eventually(Duration::from_secs(3), || {
            app.fake
                .sent_to(u)
                .into_iter()
                .find(|s| s.seq >= mark && s.text.as_deref().is_some_and(|t| t.contains(CANT_SAVE)))
        })
        .await;
        if said.is_some() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "never said it can't save\n{}",
            app.output()
        );
    }
}

/// CPU seconds (user + system) the process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: state is field 0, utime 11, stime 12.
    (ticks(11) + ticks(12)) / 100.0
}

/// Subscribes `u` to the daily question at the next minute; returns when it is due.
async fn daily_next_minute(app: &TestApp, u: i64) -> chrono::DateTime<Utc> {
    let tz: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let mut at = (Utc::now() + chrono::Duration::seconds(60)).with_timezone(&tz);
    at = at.with_second(0).unwrap();
    let hhmm = format!("{:02}:{:02}", at.hour(), at.minute());
    app.fake.push_text(u, u, &format!("/daily {hhmm}"));
    app.fake.wait_for_text(u, "已订阅每日一题", T).await;
    at.with_timezone(&Utc)
}

/// While writes fail: every /quiz gets "can't save", no card goes out, and a due
/// daily job neither spins nor floods the log.
async fn outage_is_calm(app: &mut TestApp, u: i64, daily_due: chrono::DateTime<Utc>) {
    until_cant_save(app, u).await;
    let mark = app.fake.mark();
    let cpu_before = cpu_seconds(app.pid());
    let logged_before = app.stderr().matches("scheduled job").count();
    // Past the daily time, plus a few scheduler rounds.
    let wait = (daily_due - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(4);
    tokio::time::sleep(wait).await;
    app.fake.push_text(u, u, "/quiz");
    app.fake.wait_for_text(u, CANT_SAVE, T).await;
    let cards = app
        .fake
        .sent_to(u)
        .into_iter()
        .filter(|s| s.seq >= mark && !s.buttons().is_empty())
        .count();
    assert_eq!(
        cards,
        0,
        "no card while nothing can be recorded\n{}",
        app.output()
    );
    let cpu = cpu_seconds(app.pid()) - cpu_before;
    let elapsed = wait.as_secs_f64();
    assert!(
        cpu < elapsed * 0.3,
        "{cpu:.1} s of CPU in {elapsed:.0} s: spinning"
    );
    let logged = app.stderr().matches("scheduled job").count() - logged_before;
    assert!(
        logged <= 3,
        "{logged} scheduler log lines during the outage"
    );
    assert!(app.is_running(), "the bot died\n{}", app.output());
}

/// After writes work again: the bot resumes by itself, or exits with the documented
/// message (sled cannot recover in-process) and is restarted, as systemd would.
async fn resumes(app: &mut TestApp, u: i64) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(status) = app.try_wait() {
            assert!(!status.success(), "exit status {status}");
            assert!(
                app.stderr().contains("cannot recover in this process"),
                "{}",
                app.output()
            );
            eprintln!(
                "outage: sled could not recover in the process; the bot exited and was restarted"
            );
            app.restart().await;
            break;
        }
        if !app.stderr().contains("database writes are failing")
            || app.stderr().contains("database writes work again")
        {
            eprintln!("outage: the bot resumed by itself");
            break;
        }
        assert!(Instant::now() < deadline, "never resumed\n{}", app.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    answer_one(app, u).await;
}

/// Stops the bot (within the drain timeout) and counts `u`'s recorded answers.
async fn stop_and_count(app: &mut TestApp, db: &Path, u: i64) -> usize {
    let start = Instant::now();
    app.sigterm();
    app.wait_exit(Duration::from_secs(20)).await;
    assert!(start.elapsed() < Duration::from_secs(15), "slow stop");
    let store = tutor::store::Store::open(db, Default::default()).expect("reopen");
    store
        .log(u, Utc::now() - chrono::Duration::days(1))
        .unwrap()
        .len()
}

struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_is_an_outage_the_bot_survives() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mnt)
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!("skipped: cannot mount a tmpfs here ({other:?})");
            return;
        }
    }
    let _guard = Tmpfs(mnt.clone());
    let db = mnt.join("db");
    let mut app = spawn_on(&db).await;
    let u = 7001;
    answer_one(&app, u).await;
    let due = daily_next_minute(&app, u).await;

    // Fill the disk.
    let filler = mnt.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", filler.display()))
        .output();
    outage_is_calm(&mut app, u, due).await;

    std::fs::remove_file(&filler).unwrap();
    resumes(&mut app, u).await;
    assert_eq!(
        stop_and_count(&mut app, &db, u).await,
        2,
        "{}",
        app.output()
    );
    app.assert_no_token_leak();
}

#[tokio::test]
async fn an_immutable_data_file_is_an_outage_the_bot_survives() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut app = spawn_on(&db).await;
    let u = 7002;
    answer_one(&app, u).await;
    let due = daily_next_minute(&app, u).await;
    let data = db.join("db");
    match Command::new("chattr").arg("+i").arg(&data).output() {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!("skipped: chattr +i is refused here ({other:?})");
            app.sigterm();
            app.wait_exit(T).await;
            return;
        }
    }
    struct Mutable(PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
    let guard = Mutable(data);
    outage_is_calm(&mut app, u, due).await;
    drop(guard);
    resumes(&mut app, u).await;
    assert_eq!(
        stop_and_count(&mut app, &db, u).await,
        2,
        "{}",
        app.output()
    );
}
