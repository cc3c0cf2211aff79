//! `tutor play` end to end: the real binary, scripted or driven line by line on pipes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn command(db: &Path, content: Option<&str>, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tutor"));
    cmd.arg("play").arg("--db").arg(db);
    if !extra.contains(&"--learner") {
        cmd.args(["--learner", "t"]);
    }
    cmd.args(extra)
        .env_remove("TUTOR_PLAY_DB")
        .env_remove("NO_COLOR");
    if let Some(dir) = content {
        cmd.arg("--content").arg(fixture(dir));
    }
    cmd
}

/// Runs `tutor play` with all of `input` on stdin, then end of input.
fn scripted(
    db: &Path,
    content: Option<&str>,
    extra: &[&str],
    input: &[u8],
) -> (ExitStatus, String, String) {
    let mut child = command(db, content, extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tutor");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Written from a thread: the child may stop reading (q) before the end.
    let writer = thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = wait_with_timeout(child);
    let _ = writer.join();
    out
}

fn wait_with_timeout(mut child: Child) -> (ExitStatus, String, String) {
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("tutor play did not exit within {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let text = |h: thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
    };
    (status, text(out), text(err))
}

/// A running `tutor play`, driven one line at a time.
struct Live {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
    /// How much of `out` has been looked at by [`Live::wait_for`].
    seen: usize,
}

impl Live {
    fn start(db: &Path, content: Option<&str>) -> Live {
        let mut child = command(db, content, &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tutor");
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&out);
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut pending = Vec::new();
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                pending.extend_from_slice(&buf[..n]);
                // Only whole UTF-8 sequences are appended.
                let valid = match std::str::from_utf8(&pending) {
                    Ok(s) => s.len(),
                    Err(e) => e.valid_up_to(),
                };
                let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
                pending.drain(..valid);
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&text);
            }
        });
        Live {
            child: Some(child),
            stdin,
            out,
            seen: 0,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .expect("write to tutor");
    }

    /// Waits until output after the last match satisfies `find`, which returns the
    /// end of the match; returns the output from the last match to there.
    fn wait_for(&mut self, what: &str, find: impl Fn(&str) -> Option<usize>) -> String {
        let start = Instant::now();
        loop {
            {
                let out = self.out.lock().unwrap_or_else(|e| e.into_inner());
                let fresh = &out[self.seen..];
                if let Some(end) = find(fresh) {
                    let got = fresh[..end].to_string();
                    self.seen += end;
                    return got;
                }
                if start.elapsed() > TIMEOUT {
                    panic!("timed out waiting for {what}; output so far:\n{out}");
                }
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_text(&mut self, text: &str) -> String {
        self.wait_for(text, |s| s.find(text).map(|i| i + text.len()))
    }

    /// Waits for a whole card and returns the letter of the option `option`.
    fn wait_option(&mut self, option: &str) -> String {
        let suffix = format!(". {option}\n");
        let got = self.wait_for(option, |s| s.find(&suffix).map(|i| i + suffix.len()));
        let line = got.lines().last().unwrap_or_default();
        line.chars().next().expect("a letter").to_string()
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Closes stdin (if still open) and waits for the exit; returns the status and
    /// the whole output.
    fn finish(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let mut child = self.child.take().expect("running");
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            if start.elapsed() > TIMEOUT {
                let _ = child.kill();
                panic!("tutor play did not exit within {TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(20));
        };
        // Let the reader thread take the last bytes.
        thread::sleep(Duration::from_millis(100));
        let out = self.out.lock().unwrap_or_else(|e| e.into_inner()).clone();
        (status, out)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The heads of the verdicts in `out`.
fn verdicts(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with('✅') || l.starts_with('❌'))
        .collect()
}

#[test]
fn right_and_wrong_answers_are_kept_across_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    let mut live = Live::start(&db, Some("valid"));
    // t1-q01 first (bank order): options shuffled, so read the right letter.
    let right = live.wait_option("无形性");
    live.send(&right);
    let verdict = live.wait_text("q 退出\n");
    assert!(verdict.contains("\n✅ 回答正确！\n"), "{verdict}");
    assert!(
        verdict.contains(&format!("你的答案：{right}\n正确答案：{right}\n")),
        "{verdict}"
    );
    assert!(verdict.contains("解析\n见本节。"), "{verdict}");
    assert!(
        verdict.contains("📖 第一章 · 一、测试\n│ 服务的特性包括无形性。"),
        "{verdict}"
    );
    // `r` reads the whole section.
    live.send("r");
    live.wait_text("一、测试  (1/1)\n\n服务的特性包括无形性。");
    // Enter: the next card, the judge question t1-q02; answer it wrong.
    live.send("");
    live.wait_text("第一章 · 判断\n\n服务具有无形性。\n");
    live.send("错");
    let verdict = live.wait_text("q 退出\n");
    assert!(
        verdict.contains("\n❌ 回答错误\n你的答案：错\n正确答案：对\n"),
        "{verdict}"
    );
    live.send("s");
    let stats = live.wait_text("答对：1 题\n");
    assert!(stats.contains("已答：2 题\n"), "{stats}");
    let (status, out) = live.finish();
    assert!(status.success(), "{status:?}\n{out}");
    assert!(!out.contains('\x1b'), "no colour on a pipe: {out:?}");
    assert!(
        out.trim_end()
            .ends_with("本次练习：作答 2 题，答对 1 题，正确率 50%。再见！"),
        "{out}"
    );
    assert_eq!(verdicts(&out), ["✅ 回答正确！", "❌ 回答错误"]);

    // A second run on the same database keeps the numbers.
    let (status, out, err) = scripted(&db, Some("valid"), &[], b"s\n");
    assert!(status.success(), "{err}");
    assert!(out.contains("已答：2 题\n答对：1 题\n正确率：50%"), "{out}");
    assert!(out.contains("第一章 测试章：答 2 · 对 1"), "{out}");
    assert!(out.trim_end().ends_with("本次没有作答。再见！"), "{out}");
}

#[test]
fn full_width_multi_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    let (status, out, err) = scripted(&db, Some("play_multi"), &[], "ＡＣ\n\nb d\n".as_bytes());
    assert!(status.success(), "{err}");
    assert!(
        out.contains("第一章 · 多选\n\n服务的特性包括（　）。\n\nA. 无形性\nB. 有形性\nC. 不可分性\nD. 可储存性\n"),
        "{out}"
    );
    assert!(
        out.contains("✅ 回答正确！\n你的答案：A C\n正确答案：A C\n"),
        "{out}"
    );
    // The only question comes again; a wrong answer names missed and extra letters.
    assert!(
        out.contains(
            "❌ 回答错误\n你的答案：B D\n正确答案：A C\nA. 无形性\nC. 不可分性\n漏选：A C\n错选：B D\n"
        ),
        "{out}"
    );
    assert!(out.contains("作答 2 题，答对 1 题"), "{out}");
}

#[test]
fn garbage_input_gets_hints_and_a_clean_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    // Deterministic "random" bytes without line ends or letters (so never an answer).
    let mut x: u32 = 12345;
    let noise: Vec<u8> = std::iter::repeat_with(|| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as u8
    })
    .filter(|b| *b != b'\n' && !b.is_ascii_alphabetic())
    .take(300)
    .collect();
    let mut input = Vec::new();
    input.extend_from_slice(&noise);
    input.extend_from_slice(b"\n\xff\xfe\xc0\x80\n\n");
    input.extend_from_slice("y".repeat(4096).as_bytes());
    input.extend_from_slice(b"\nhello\nE\n\x1b[A\n\x00\n");
    let (status, out, err) = scripted(&db, Some("valid"), &[], &input);
    assert!(status.success(), "{status:?}\n{err}\n{out}");
    assert!(!err.contains("panicked"), "{err}");
    // The hint fits the card (a single choice): one letter.
    let hint = "请输入一个选项字母作答（如 B），? 查看帮助";
    assert_eq!(out.matches(hint).count(), 7, "{out}");
    assert!(out.contains("没有选项 E。请回复选项字母 A–B"), "{out}");
    // The card stayed: shown once, never graded.
    assert_eq!(out.matches("服务的特性包括（　）。").count(), 1, "{out}");
    assert!(verdicts(&out).is_empty(), "{out}");
    assert!(out.trim_end().ends_with("本次没有作答。再见！"), "{out}");
}

#[test]
fn ctrl_c_exits_cleanly_and_keeps_the_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    let mut live = Live::start(&db, Some("valid"));
    let right = live.wait_option("无形性");
    live.send(&right);
    live.wait_text("q 退出\n");
    let pid = i32::try_from(live.pid()).expect("pid");
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(rc, 0);
    live.wait_text("已中断。");
    let (status, out) = live.finish();
    assert_eq!(status.code(), Some(0), "{out}");
    assert!(
        out.contains("已中断。本次练习：作答 1 题，答对 1 题"),
        "{out}"
    );
    let (status, out, err) = scripted(&db, Some("valid"), &[], b"s\n");
    assert!(status.success(), "{err}");
    assert!(out.contains("已答：1 题\n答对：1 题\n"), "{out}");
}

#[test]
fn review_with_nothing_due_and_bad_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    let (status, out, err) = scripted(&db, Some("valid"), &["--review"], b"A\n");
    assert!(status.success(), "{err}");
    assert!(out.contains("🎉 没有需要复习的题了。"), "{out}");
    assert!(!out.contains("服务的特性包括"), "{out}");
    // The embedded bank, one chapter.
    let (status, out, err) = scripted(&db, None, &["--chapter", "3"], b"q\n");
    assert!(status.success(), "{err}");
    assert!(out.contains("\n第三章 · "), "{out}");
    // A learner name that cannot be used.
    let (status, _, err) = scripted(&db, Some("valid"), &["--learner", " "], b"");
    assert_eq!(status.code(), Some(1), "{err}");
}

#[test]
fn a_mock_exam_is_answered_handed_in_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // The paper of `valid`: 1 a 单选, 2 a 判断 (2 + 2 points, pass 3).
    let script = "exam\nA\nn\n对\n交卷\nexam history\ns\nq\n";
    let (status, out, err) = scripted(&db, Some("valid"), &[], script.as_bytes());
    assert!(status.success(), "{err}");
    assert!(out.contains("模拟考试 · 第 1/2 题"), "{out}");
    assert!(out.contains("第 2/2 题"), "{out}");
    assert!(out.contains("你的答案：对（交卷前可修改）"), "{out}");
    assert!(out.contains("📝 模拟考试成绩"), "{out}");
    assert!(out.contains("（及格线 3）"), "{out}");
    assert!(out.contains("各章得分") && out.contains("用时"), "{out}");
    assert!(out.contains("📝 模拟考试记录"), "{out}");
    assert!(out.contains("最近模拟考试"), "`s` lists it: {out}");
    // Both answers were recorded for spaced repetition.
    assert!(out.contains("已答：2 题"), "{out}");
}

#[test]
fn handing_in_an_unanswered_paper_warns_and_a_paper_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // Answer the first question, then leave: the paper keeps.
    let (status, out, err) = scripted(&db, Some("valid"), &[], b"exam\nA\nq\n");
    assert!(status.success(), "{err}");
    assert!(out.contains("试卷已保存，计时继续"), "{out}");
    // Back: the same paper, its answer kept; 交卷 warns about question 2, then y.
    let script = "exam\n交卷\ny\nq\n";
    let (status, out, err) = scripted(&db, Some("valid"), &[], script.as_bytes());
    assert!(status.success(), "{err}");
    assert!(out.contains("你的答案：A"), "{out}");
    assert!(out.contains("还有 1 题未作答：第 2 题"), "{out}");
    assert!(
        out.contains("得分：") && out.contains("/ 4（及格线 3）"),
        "{out}"
    );
    assert!(out.contains("未作答"), "{out}");
}

#[test]
fn the_book_favourites_and_search_from_a_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    // The test bank: e1-q01 first (single, A right, never shuffled).
    let input = "B\nstar\nmistakes\nsearch 本质\npm\nA\n\nA\n\nq\n";
    let (status, out, err) = scripted(&db, Some("bank"), &[], input.as_bytes());
    assert!(status.success(), "{err}");
    assert!(out.contains("★ 已收藏"), "{out}");
    assert!(out.contains("连续答对两次即移出错题本"), "{out}");
    assert!(out.contains("错 1 次 · 已连对 0/2"), "{out}");
    assert!(out.contains("🔍 “本质”：找到"), "{out}");
    assert_eq!(
        verdicts(&out),
        ["❌ 回答错误", "✅ 回答正确！", "✅ 回答正确！"]
    );
    assert!(out.contains("🎉 错题本里没有要练的题了"), "{out}");
    // The next run: the star is kept, the book is empty.
    let input = b"starred\nmistakes\nstudy\ns\nq\n";
    let (status, out, err) = scripted(&db, Some("bank"), &[], input);
    assert!(status.success(), "{err}");
    assert!(
        out.contains("⭐ 收藏夹\n\n第一章 测试章（1 题）\n• 服务的本质是（　）的。"),
        "{out}"
    );
    assert!(out.contains("📕 错题本是空的"), "{out}");
    assert!(out.contains("📖 背题 · 第一章 · 单选"), "{out}");
    assert!(out.contains("背题模式已看：1 题"), "{out}");
}

#[test]
fn the_weekly_report_from_a_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("db");
    // e1-q01 right, `report` after its verdict, at the next card's prompt, and after
    // that card's verdict (e1-q02 right).
    let input = "A\nreport\n\nreport\nAC\nreport\n?\nq\n";
    let (status, out, err) = scripted(&db, Some("bank"), &[], input.as_bytes());
    assert!(status.success(), "{err}");
    assert_eq!(out.matches("📊 学习周报 · ").count(), 3, "{out}");
    assert_eq!(verdicts(&out), ["✅ 回答正确！", "✅ 回答正确！"]);
    assert!(
        out.contains("作答：1 题\n正确率：100%\n连续学习：1 天\n"),
        "{out}"
    );
    assert!(out.contains("作答：2 题\n正确率：100%\n"), "{out}");
    assert!(
        out.contains("最弱章节：第一章 测试章（正确率 100%）"),
        "{out}"
    );
    assert!(out.contains("终端里不显示"), "{out}");
    // `?` lists it.
    assert!(out.contains("report      学习周报（近 7 天）"), "{out}");
}
