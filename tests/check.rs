//! `tutor check` and `tutor bank` against fixture banks: every error class names its place.

use std::path::PathBuf;
use std::process::{Command, Output};

fn tutor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tutor"))
        .args(args)
        .output()
        .expect("run tutor")
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Runs `tutor check` on a fixture and returns its stderr, asserting the exit code.
fn check_fails(name: &str, extra: &[&str]) -> String {
    let dir = fixture(name);
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    args.push(&dir);
    let out = tutor(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    stderr
}

#[test]
fn embedded_bank_passes() {
    let out = tutor(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("8 chapters"), "{stdout}");
}

#[test]
fn valid_fixture_passes() {
    let out = tutor(&["check", &fixture("valid")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn each_error_class_is_reported_with_its_place() {
    // (fixture, file:line:col or file prefix, message fragment)
    let cases: &[(&str, &str, &str)] = &[
        ("toml_syntax", "ch01.toml:3:13", "invalid basic string"),
        (
            "missing_field",
            "ch01.toml:12:1",
            "missing field `explanation`",
        ),
        (
            "duplicate_id",
            "ch01.toml:23:6",
            "duplicate id `t1-q01` (first defined at",
        ),
        (
            "duplicate_id_across_files",
            "ch02.toml:13:6",
            "duplicate id `t1-q01`",
        ),
        (
            "answer_not_option",
            "ch01.toml:17:10",
            "answer key `C` is not among the options (A–B)",
        ),
        (
            "single_two_answers",
            "ch01.toml:17:10",
            "a single question has exactly 1 answer, not 2",
        ),
        (
            "multi_one_answer",
            "ch01.toml:17:10",
            "a multi question has at least 2 answers, not 1",
        ),
        (
            "judge_with_options",
            "ch01.toml:26:11",
            "a judge question has no options",
        ),
        (
            "judge_bad_answer",
            "ch01.toml:26:10",
            "judge answer must be 对 or 错, not `是`",
        ),
        (
            "unknown_section",
            "ch01.toml:19:13",
            "unknown section `t1-s99`",
        ),
        ("empty_text", "ch01.toml:8:8", "section text is empty"),
        (
            "card_too_long",
            "ch01.toml:12:1",
            "a Telegram message holds 4096",
        ),
        (
            "too_many_options",
            "ch01.toml:16:11",
            "at most 8 (A–H) fit the button row",
        ),
        ("unknown_kind", "ch01.toml:14:8", "unknown kind `choice`"),
    ];
    for (name, place, msg) in cases {
        let stderr = check_fails(name, &[]);
        let line = stderr
            .lines()
            .find(|l| l.contains(msg))
            .unwrap_or_else(|| panic!("{name}: no `{msg}` in:\n{stderr}"));
        assert!(
            line.contains(place),
            "{name}: expected `{place}` in `{line}`"
        );
        assert!(line.contains("error:"), "{name}: {line}");
    }
}

#[test]
fn an_exam_blueprint_is_checked_against_the_bank() {
    let out = tutor(&["check", &fixture("exam_valid")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = check_fails("exam_bad", &[]);
    // (file:line:col, message fragment)
    let cases = [
        ("exam.toml:2:11", "exam minutes must be between 1 and 600"),
        (
            "exam.toml:9:9",
            "asks for 2 多选 (multi) questions from chapter 1, which has 0",
        ),
        ("exam.toml:13:11", "the bank has no chapter 3"),
        (
            "exam.toml:17:11",
            "chapter 1 is listed twice (also at line 7)",
        ),
        (
            "exam.toml:3:8",
            "the pass mark (points) must be between 1 and 4",
        ),
    ];
    for (place, msg) in cases {
        let line = stderr
            .lines()
            .find(|l| l.contains(msg))
            .unwrap_or_else(|| panic!("no `{msg}` in:\n{stderr}"));
        assert!(line.contains(place), "expected `{place}` in `{line}`");
        assert!(line.contains("error:"), "{line}");
    }
}

#[test]
fn artefacts_are_errors_when_strict_and_warnings_otherwise() {
    let stderr = check_fails("artefact", &["--strict"]);
    assert!(
        stderr.contains("ch01.toml:25:9: error: conversion artefact `效劳`"),
        "{stderr}"
    );
    let out = tutor(&["check", &fixture("artefact")]);
    assert!(out.status.success());
}

#[test]
fn missing_directory_is_a_clear_error() {
    let stderr = check_fails("does-not-exist", &[]);
    assert!(stderr.contains("cannot read directory"), "{stderr}");
}

#[test]
fn bank_json_has_the_documented_shape() {
    let out = tutor(&["bank", "--json"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let chapters = doc["chapters"].as_array().unwrap();
    assert_eq!(chapters.len(), 8);
    assert!(chapters[0]["sections"][0]["text"].as_str().is_some());
    let questions = doc["questions"].as_array().unwrap();
    let seed = questions.iter().filter(|q| q["source"] == "seed").count();
    assert_eq!(seed, 41);
    for q in questions {
        let answer = q["answer"].as_str().unwrap();
        match q["kind"].as_str().unwrap() {
            "judge" => {
                assert!(q["options"].as_array().unwrap().is_empty());
                assert!(answer == "对" || answer == "错");
            }
            _ => {
                let mut sorted: Vec<char> = answer.chars().collect();
                sorted.sort();
                assert_eq!(sorted.into_iter().collect::<String>(), answer);
                assert_eq!(q["options"][0]["key"], "A");
            }
        }
        assert!(q["shuffle"].is_boolean());
    }
    // A seed answer is kept exactly as the seed gives it.
    let q = questions.iter().find(|q| q["id"] == "c1-q01").unwrap();
    assert_eq!(q["answer"], "BDE");
}

#[test]
fn bank_overview_lists_every_chapter() {
    let out = tutor(&["bank"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for n in 1..=8 {
        assert!(stdout.contains(&format!("第{n}章")), "{stdout}");
    }
    let out = tutor(&["bank", "--content", &fixture("valid")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("total: 1 chapters"));
}

#[test]
fn lints_are_warnings_with_their_place_and_errors_when_strict() {
    let dir = fixture("lints");
    let out = tutor(&["check", &dir]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // (line of the question or section, lint)
    for (line, lint) in [
        (29, "option-letters"),
        (39, "duplicate-options"),
        (49, "all-options"),
        (59, "verdict-in-stem"),
        (68, "unrelated-sections"),
        (22, "unlinked-section"),
    ] {
        let place = format!("ch01.toml:{line}:1: warning: ");
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&place) && l.contains(&format!("[{lint};"))),
            "{lint} at line {line}:\n{stderr}"
        );
    }
    assert_eq!(stderr.lines().count(), 6, "{stderr}");
    let stderr = check_fails("lints", &["--strict"]);
    assert_eq!(stderr.matches(": error: ").count(), 6, "{stderr}");
}

#[test]
fn a_waiver_silences_its_lint_and_an_unused_one_is_reported() {
    let dir = fixture("lints_waived");
    let out = tutor(&["check", &dir]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("`l1-q04` waives `unrelated-sections`, which it does not trip"),
        "{stderr}"
    );
    let stderr = check_fails("lints_waived", &["--strict"]);
    assert_eq!(stderr.matches(": error: ").count(), 1, "{stderr}");
}
