//! The exam documents, on a real paper of the test bank.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::app::exam::{ExamOp, ExamOutcome};
use crate::app::testing::{self, t0};

fn sheet_of(o: ExamOutcome<'_>) -> Sheet<'_> {
    match o {
        ExamOutcome::Sheet(s) => s,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_sheet_marks_answered_numbers_and_carries_the_paper_in_every_button() {
    let t = testing::at(t0());
    t.private_chat(7);
    let s = sheet_of(t.exam_start(7, &mut StdRng::seed_from_u64(3)).unwrap());
    let nonce = s.nonce;
    let n = s.answered.len();
    let s = sheet_of(t.exam_op(7, nonce, ExamOp::Pick(1, 0)).unwrap());
    for lang in [Lang::Zh, Lang::En] {
        let d = sheet(&s, lang, Front::Chat);
        let text = d.plain_text();
        assert!(text.contains(&format!("2/{n}")), "{text}");
        let labels: Vec<&str> = d
            .buttons
            .iter()
            .flatten()
            .map(|b| b.label.as_str())
            .collect();
        assert!(labels.contains(&"·2·"), "{labels:?}");
        assert!(labels.contains(&"1"), "{labels:?}");
        assert!(
            labels.iter().any(|l| l.starts_with('✔')),
            "the picked option: {labels:?}"
        );
        for b in d.buttons.iter().flatten() {
            assert!(matches!(b.intent, Intent::Exam { exam, .. } if exam == nonce));
        }
        // The terminal's sheet has no buttons.
        assert!(sheet(&s, lang, Front::Terminal).buttons.is_empty());
    }
    // Move on: question 3 shown, 2 answered.
    let s = sheet_of(t.exam_op(7, nonce, ExamOp::Go(2)).unwrap());
    let d = sheet(&s, Lang::Zh, Front::Chat);
    let labels: Vec<&str> = d
        .buttons
        .iter()
        .flatten()
        .map(|b| b.label.as_str())
        .collect();
    assert!(
        labels.contains(&"✔2") && labels.contains(&"·3·"),
        "{labels:?}"
    );
    assert!(d.plain_text().contains("已答 1/"));
}

#[test]
fn the_warning_the_result_and_the_history_read_well() {
    let t = testing::at(t0());
    t.private_chat(7);
    let s = sheet_of(t.exam_start(7, &mut StdRng::seed_from_u64(3)).unwrap());
    let nonce = s.nonce;
    let (s, unanswered) = match t.exam_op(7, nonce, ExamOp::Submit).unwrap() {
        ExamOutcome::Confirm { sheet, unanswered } => (sheet, unanswered),
        other => panic!("{other:?}"),
    };
    let d = confirm(&s, &unanswered, Lang::Zh);
    assert!(d.plain_text().contains("未作答"), "{}", d.plain_text());
    assert_eq!(d.buttons[0].len(), 2);
    let report = match t.exam_op(7, nonce, ExamOp::ConfirmSubmit).unwrap() {
        ExamOutcome::Submitted(r) => r,
        other => panic!("{other:?}"),
    };
    let zh = result(&t.bank, &report, Lang::Zh).plain_text();
    assert!(
        zh.contains("得分：0 / ") && zh.contains("❌ 未通过"),
        "{zh}"
    );
    assert!(zh.contains("各章得分") && zh.contains("错题回顾") && zh.contains("未作答"));
    assert!(
        zh.contains("解析："),
        "every wrong question is explained: {zh}"
    );
    let en = result(&t.bank, &report, Lang::En).plain_text();
    assert!(
        en.contains("Score: 0 / ") && en.contains("not passed"),
        "{en}"
    );
    let results = t.exam_history(7, 10).unwrap();
    let tz = chrono_tz::Asia::Shanghai;
    let h = history(&results, tz, Lang::Zh).plain_text();
    assert!(h.contains("3月2日 12:00") && h.contains("❌ 未通过"), "{h}");
    assert!(
        history(&[], tz, Lang::En)
            .plain_text()
            .contains("No results yet")
    );
    assert!(stats_lines(&[], tz, Lang::Zh).is_empty());
    assert!(
        stats_lines(&results, tz, Lang::Zh)
            .plain_text()
            .contains("最近模拟考试")
    );
}
