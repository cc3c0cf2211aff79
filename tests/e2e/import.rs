//! `tutor import` and `tutor export` as a teacher runs them: the seed document and
//! the shipped bank through the real binary, and hostile files, which must end with
//! exit 1 and a message naming the file, never a panic.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::run_tutor;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
        .display()
        .to_string()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn the_seed_document_imports_to_a_bank_tutor_check_accepts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("bank");
    let out = run_tutor(
        &["import", &fixture("seed.txt"), "--out", &path(&out_dir)],
        "",
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("41 questions (single 7, multi 14, judge 20), 8 chapters"),
        "{stdout}"
    );
    assert!(stderr.contains("conversion artefact `效劳`"), "{stderr}");
    let names: Vec<String> = (1..=8).map(|n| format!("ch{n:02}.toml")).collect();
    for n in &names {
        assert!(out_dir.join(n).is_file(), "{n} written");
    }
    let check = run_tutor(&["check", &path(&out_dir)], "");
    let (stdout, stderr) = text(&check);
    assert_eq!(check.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("8 chapters, 41 questions"), "{stdout}");

    // Re-importing with the artefacts repaired keeps every id.
    let ids = |dir: &Path| -> Vec<String> {
        let out = run_tutor(&["bank", "--json", "--content", &path(dir)], "");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("bank JSON");
        json["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .map(|q| q["id"].as_str().expect("id").to_string())
            .collect()
    };
    let before = ids(&out_dir);
    let again = run_tutor(
        &[
            "import",
            &fixture("seed.txt"),
            "--out",
            &path(&out_dir),
            "--fix-artefacts",
        ],
        "",
    );
    assert_eq!(again.status.code(), Some(0), "{:?}", text(&again));
    assert_eq!(ids(&out_dir), before);
    let toml = std::fs::read_to_string(out_dir.join("ch01.toml")).expect("ch01");
    assert!(
        !toml.contains("效劳") && toml.contains("客户服务"),
        "repaired"
    );
}

#[test]
fn export_then_import_gives_the_shipped_bank_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shipped = run_tutor(&["bank", "--json"], "");
    let shipped: serde_json::Value = serde_json::from_slice(&shipped.stdout).expect("JSON");
    for format in ["txt", "xlsx"] {
        let file = dir.path().join(format!("bank.{format}"));
        let out = run_tutor(&["export", "--format", format, "--out", &path(&file)], "");
        assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
        let bank_dir = dir.path().join(format!("from-{format}"));
        let out = run_tutor(&["import", &path(&file), "--out", &path(&bank_dir)], "");
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        let back = run_tutor(&["bank", "--json", "--content", &path(&bank_dir)], "");
        let back: serde_json::Value = serde_json::from_slice(&back.stdout).expect("JSON");
        assert_eq!(back, shipped, "import(export(bank)) as {format}");
    }
    // Text goes to standard output without --out; xlsx needs a file.
    let out = run_tutor(&["export", "--format", "txt"], "");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("第1章 "));
    let out = run_tutor(&["export", "--format", "xlsx"], "");
    assert_eq!(out.status.code(), Some(2), "clap usage error");
}

#[test]
fn hostile_files_exit_1_with_a_message_and_write_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, bytes: &[u8]| -> String {
        let p: PathBuf = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        path(&p)
    };
    let xlsx = dir.path().join("good.xlsx");
    let out = run_tutor(&["export", "--format", "xlsx", "--out", &path(&xlsx)], "");
    assert_eq!(out.status.code(), Some(0));
    let good = std::fs::read(&xlsx).expect("xlsx");
    let cases: Vec<(String, &str)> = vec![
        (fixture("bomb.docx"), "zip bomb"),
        (fixture("bomb.xlsx"), "zip bomb"),
        (
            write("cut.xlsx", &good[..good.len() / 3]),
            "not a valid workbook",
        ),
        (
            write(
                "random.txt",
                &[
                    0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc,
                ],
            ),
            "UTF-8",
        ),
        (write("zeros.docx", &[0u8; 4096]), "not a valid Office file"),
    ];
    for (file, want) in cases {
        let out_dir = dir.path().join("never");
        let out = run_tutor(&["import", &file, "--out", &path(&out_dir)], "");
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {stdout}\n{stderr}");
        assert!(stderr.contains(want), "{file}: {stderr}");
        assert!(
            stderr.contains(&file),
            "the message names the file: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out_dir.exists(), "nothing written for {file}");
    }
}

#[test]
fn an_item_that_cannot_be_read_is_reported_and_the_rest_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("q.txt");
    std::fs::write(
        &file,
        "1、客户是产品的（ ）。\nA. 使用者\nB. 生产者\n答案：A\n2、坏题\nA. 甲\nB. 乙\n答案：E\n3、服务是无形的。\n答案：对\n",
    )
    .expect("write");
    let out_dir = dir.path().join("bank");
    let out = run_tutor(&["import", &path(&file), "--out", &path(&out_dir)], "");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("{}:5:1: error: the answer names E", path(&file))),
        "{stderr}"
    );
    assert!(
        stdout.contains("2 questions (single 1, multi 0, judge 1), 1 chapters"),
        "{stdout}"
    );
    assert!(stdout.contains("1 errors"), "{stdout}");
    let check = run_tutor(&["check", &path(&out_dir)], "");
    assert_eq!(check.status.code(), Some(0), "{:?}", text(&check));
}

/// An operator (`--admins`) sends a bank in a private chat: the bot fetches it
/// (`getFile`, then the file URL), imports it into `--uploads DIR/bank`, and replies
/// with the counts and where it went; the bank passes `tutor check`. A member's
/// document is refused, and so is a file over 5 MB, announced or real.
#[tokio::test]
async fn an_operator_uploads_a_bank_in_a_private_chat() {
    use crate::support::{T, TestApp};
    let (operator, member) = (501_i64, 777_i64);
    let app = TestApp::builder()
        .args(["--admins", "501,502", "--uploads", "{dir}/uploads"])
        .spawn()
        .await;
    let reply = |chat: i64, mark: u64, needle: &'static str| {
        let fake = app.fake.clone();
        async move {
            fake.wait_for_sent(
                |s| {
                    s.seq >= mark
                        && s.chat_id == Some(chat)
                        && s.method == "sendmessage"
                        && s.text.as_deref().is_some_and(|t| t.contains(needle))
                },
                T,
            )
            .await
            .text
            .unwrap()
        }
    };
    let bytes = std::fs::read(fixture("clean.txt")).unwrap();
    app.fake.put_file("doc-1", bytes.clone());

    let mark = app.fake.mark();
    app.fake
        .push_document(member, member, "doc-1", "题库.txt", bytes.len() as u64);
    reply(member, mark, "上传题库只对本机器人的运营者开放").await;

    let mark = app.fake.mark();
    app.fake
        .push_document(operator, operator, "doc-1", "题库.txt", bytes.len() as u64);
    let report = reply(operator, mark, "道题").await;
    assert!(report.contains("题库.txt："), "{report}");
    assert!(report.contains("tutor run --content"), "{report}");
    let bank = app.dir.path().join("uploads/bank");
    assert!(report.contains(&bank.display().to_string()), "{report}");
    let out = crate::support::run_tutor(&["check", &path(&bank)], "");
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(app.fake.requests_of("getfile").len(), 1);

    // Too big: refused before getFile when announced, after it when the file is.
    let mark = app.fake.mark();
    app.fake
        .push_document(operator, operator, "doc-1", "大.xlsx", 6 * 1024 * 1024);
    reply(operator, mark, "文件超过 5 MB").await;
    assert_eq!(app.fake.requests_of("getfile").len(), 1);
    app.fake.put_file("doc-2", vec![b'x'; 5 * 1024 * 1024 + 1]);
    let mark = app.fake.mark();
    app.fake
        .push_document(operator, operator, "doc-2", "大.csv", 100);
    reply(operator, mark, "文件超过 5 MB").await;
    assert_eq!(app.fake.requests_of("getfile").len(), 2);

    // A type the importer does not read.
    let mark = app.fake.mark();
    app.fake
        .push_document(operator, operator, "doc-1", "题库.pdf", 100);
    reply(operator, mark, "无法读取这种文件").await;
}
