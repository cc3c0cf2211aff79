//! Use-case tests of mock exams on a temporary store, with the injected clock.

use chrono::Duration;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::app::Clock;
use crate::app::testing::{self, t0};
use crate::bank::Key;

const ANN: i64 = 501;
const BOB: i64 = 502;

fn start(t: &testing::TestTutor, user: i64) -> (u32, usize) {
    t.private_chat(user);
    match t
        .exam_start(user, &mut StdRng::seed_from_u64(user as u64))
        .unwrap()
    {
        ExamOutcome::Sheet(s) => (s.nonce, s.answered.len()),
        other => panic!("{other:?}"),
    }
}

/// The right answer to question `i` of the learner's paper, in shown letters.
fn right(t: &testing::TestTutor, user: i64, i: usize) -> Response {
    let exam = t.store.exam(user).unwrap().unwrap();
    let item = &exam.items[i];
    let q = t.bank.question(&item.question).unwrap();
    let p = Presentation::from_order(item.order.clone()).unwrap();
    match q.key {
        Key::Judge(b) => Response::Judge(b),
        Key::Choice(set) => Response::Choice(p.to_shown(set)),
    }
}

fn answered(t: &testing::TestTutor, user: i64) -> usize {
    t.store.progress(user).unwrap().len()
}

#[test]
fn a_full_exam_is_answered_changed_and_handed_in() {
    let t = testing::at(t0());
    let (nonce, n) = start(&t, ANN);
    assert!(n > 0);
    // The exam job is scheduled: a minute on (the countdown), before the deadline.
    let deadline = t.store.exam(ANN).unwrap().unwrap().deadline;
    assert_eq!(
        t.scheduled(ANN, JobKind::Exam),
        Some(t0() + COUNTDOWN_EVERY)
    );
    assert!(t0() + COUNTDOWN_EVERY < deadline);
    // Starting again resumes the same paper.
    match t.exam_start(ANN, &mut StdRng::seed_from_u64(2)).unwrap() {
        ExamOutcome::Sheet(s) => assert_eq!(s.nonce, nonce),
        other => panic!("{other:?}"),
    }
    // Answer the first wrong, then change it; answer all right.
    let wrong = match right(&t, ANN, 0) {
        Response::Judge(b) => Response::Judge(!b),
        Response::Choice(_) => Response::Choice(OptionSet::EMPTY),
    };
    t.exam_op(ANN, nonce, ExamOp::Set(0, wrong)).unwrap();
    for i in 0..n {
        let r = right(&t, ANN, i);
        match t.exam_op(ANN, nonce, ExamOp::Set(i as u16, r)).unwrap() {
            ExamOutcome::Sheet(s) => assert_eq!(s.answer, Some(r)),
            other => panic!("{other:?}"),
        }
    }
    // Nothing graded yet.
    assert_eq!(answered(&t, ANN), 0);
    let report = match t.exam_op(ANN, nonce, ExamOp::Submit).unwrap() {
        ExamOutcome::Submitted(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(report.result.points, report.result.total);
    assert!(report.result.passed);
    assert!(report.wrong.is_empty());
    assert_eq!(report.result.questions as usize, n);
    assert_eq!(
        report
            .result
            .chapters
            .iter()
            .map(|c| c.questions)
            .sum::<u32>() as usize,
        n
    );
    // Spaced repetition and the log saw every answer.
    assert_eq!(answered(&t, ANN), n);
    assert_eq!(t.store.log(ANN, t0()).unwrap().len(), n);
    assert!(t.scheduled(ANN, JobKind::Exam).is_none());
    // A late answer after 交卷 is refused and changes nothing.
    let r = right(&t, ANN, 0);
    assert!(matches!(
        t.exam_op(ANN, nonce, ExamOp::Set(0, r)).unwrap(),
        ExamOutcome::AlreadySubmitted
    ));
    assert!(matches!(
        t.exam_op(ANN, nonce, ExamOp::ConfirmSubmit).unwrap(),
        ExamOutcome::AlreadySubmitted
    ));
    assert_eq!(t.store.log(ANN, t0()).unwrap().len(), n);
    assert_eq!(t.exam_history(ANN, 10).unwrap().len(), 1);
}

#[test]
fn handing_in_with_unanswered_questions_warns_first() {
    let t = testing::at(t0());
    let (nonce, n) = start(&t, ANN);
    t.exam_op(ANN, nonce, ExamOp::Set(0, right(&t, ANN, 0)))
        .unwrap();
    match t.exam_op(ANN, nonce, ExamOp::Submit).unwrap() {
        ExamOutcome::Confirm { unanswered, .. } => {
            assert_eq!(unanswered, (2..=n).collect::<Vec<_>>())
        }
        other => panic!("{other:?}"),
    }
    assert!(
        t.store.exam(ANN).unwrap().unwrap().is_open(),
        "not yet handed in"
    );
    let report = match t.exam_op(ANN, nonce, ExamOp::ConfirmSubmit).unwrap() {
        ExamOutcome::Submitted(r) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(report.result.unanswered as usize, n - 1);
    assert_eq!(report.wrong.len(), n - 1);
    assert!(report.wrong.iter().all(|w| w.verdict.is_none()));
    // Only the answered question feeds spaced repetition.
    assert_eq!(answered(&t, ANN), 1);
}

#[test]
fn taps_pick_single_and_judge_and_toggle_multi() {
    let cases = [
        (Kind::Judge, 2, None, 0, Some(Response::Judge(true))),
        (
            Kind::Judge,
            2,
            Some(Response::Judge(true)),
            1,
            Some(Response::Judge(false)),
        ),
        (Kind::Judge, 2, None, 5, None),
        (
            Kind::Single,
            4,
            None,
            2,
            Some(Response::Choice(OptionSet::single(2))),
        ),
        (
            Kind::Single,
            4,
            Some(Response::Choice(OptionSet::single(2))),
            0,
            Some(Response::Choice(OptionSet::single(0))),
        ),
        (Kind::Single, 4, None, 4, None),
        (
            Kind::Multi,
            4,
            None,
            1,
            Some(Response::Choice(OptionSet(0b10))),
        ),
        (
            Kind::Multi,
            4,
            Some(Response::Choice(OptionSet(0b10))),
            3,
            Some(Response::Choice(OptionSet(0b1010))),
        ),
        (
            Kind::Multi,
            4,
            Some(Response::Choice(OptionSet(0b10))),
            1,
            None,
        ),
    ];
    for (kind, width, before, option, want) in cases {
        assert_eq!(
            picked(kind, width, before, option),
            want,
            "{kind:?} {option}"
        );
    }
}

#[test]
fn the_deadline_hands_the_paper_in_and_refuses_a_late_answer() {
    let mut t = testing::at(t0());
    let (nonce, _) = start(&t, ANN);
    t.exam_op(ANN, nonce, ExamOp::Set(0, right(&t, ANN, 0)))
        .unwrap();
    let deadline = t.store.exam(ANN).unwrap().unwrap().deadline;
    // Before the deadline, the job plans itself again, never past the deadline; with
    // a sheet message, it gives the sheet for the countdown.
    t.tutor.clock = Clock::Fixed(deadline - Duration::seconds(1));
    assert!(matches!(t.exam_due(ANN).unwrap(), ExamDue::Nothing));
    assert_eq!(t.scheduled(ANN, JobKind::Exam), Some(deadline));
    t.set_exam_message(ANN, nonce, 77).unwrap();
    match t.exam_due(ANN).unwrap() {
        ExamDue::Countdown { sheet, message } => {
            assert_eq!(message, 77);
            assert_eq!(sheet.seconds_left, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(t.store.exam(ANN).unwrap().unwrap().is_open());
    // A late answer is refused, and the paper is handed in by the deadline.
    t.tutor.clock = Clock::Fixed(deadline + Duration::seconds(5));
    let r = right(&t, ANN, 1);
    let report = match t.exam_op(ANN, nonce, ExamOp::Set(1, r)).unwrap() {
        ExamOutcome::TimeUp(report) => report,
        other => panic!("{other:?}"),
    };
    assert!(report.result.timed_out);
    assert_eq!(report.result.submitted, deadline);
    let exam = t.store.exam(ANN).unwrap().unwrap();
    assert_eq!(exam.answers[1], None, "the late answer was not taken");
    assert_eq!(
        i64::from(report.result.seconds_used),
        (deadline - exam.started).num_seconds()
    );
    // The scheduler's job finds nothing more to do.
    assert!(matches!(t.exam_due(ANN).unwrap(), ExamDue::Nothing));
    assert!(t.scheduled(ANN, JobKind::Exam).is_none());
    assert_eq!(t.exam_history(ANN, 10).unwrap().len(), 1);
}

#[test]
fn the_scheduler_hands_in_a_paper_whose_time_is_up() {
    let mut t = testing::at(t0());
    let (_, _) = start(&t, ANN);
    let deadline = t.store.exam(ANN).unwrap().unwrap().deadline;
    t.tutor.clock = Clock::Fixed(deadline + Duration::minutes(90));
    let ExamDue::Submitted(report) = t.exam_due(ANN).unwrap() else {
        panic!("handed in")
    };
    assert!(report.result.timed_out);
    assert!(!report.result.passed);
    assert!(t.scheduled(ANN, JobKind::Exam).is_none());
    // And /exam then starts a new paper.
    match t.exam_start(ANN, &mut StdRng::seed_from_u64(9)).unwrap() {
        ExamOutcome::Sheet(s) => assert_eq!(s.answered.iter().filter(|a| **a).count(), 0),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.exam_history(ANN, 10).unwrap().len(), 1);
}

#[test]
fn another_papers_nonce_changes_nothing() {
    let t = testing::at(t0());
    let (ann, _) = start(&t, ANN);
    let (bob, _) = start(&t, BOB);
    let before = t.store.exam(ANN).unwrap();
    // Bob's nonce on Ann's paper, and a made-up one: nothing changes.
    for nonce in [bob, ann.wrapping_add(1)] {
        if nonce == ann {
            continue;
        }
        for op in [
            ExamOp::Set(0, right(&t, ANN, 0)),
            ExamOp::Pick(0, 0),
            ExamOp::ConfirmSubmit,
            ExamOp::Go(1),
        ] {
            assert!(matches!(
                t.exam_op(ANN, nonce, op).unwrap(),
                ExamOutcome::NoExam
            ));
        }
    }
    assert_eq!(t.store.exam(ANN).unwrap(), before);
    // An old paper's nonce, after a new paper started, changes nothing either.
    t.exam_op(ANN, ann, ExamOp::ConfirmSubmit).unwrap();
    let (fresh, _) = start(&t, ANN);
    assert_ne!(fresh, ann);
    assert!(matches!(
        t.exam_op(ANN, ann, ExamOp::Pick(0, 0)).unwrap(),
        ExamOutcome::NoExam
    ));
}

#[test]
fn exams_are_exported_and_forgotten() {
    let t = testing::at(t0());
    let (nonce, _) = start(&t, ANN);
    t.exam_op(ANN, nonce, ExamOp::ConfirmSubmit).unwrap();
    start(&t, ANN);
    let doc = t.store.export(ANN).unwrap();
    assert!(doc["exam"]["deadline"].is_string(), "{doc}");
    assert_eq!(doc["exam_results"].as_array().unwrap().len(), 1);
    t.store.forget(ANN).unwrap();
    assert!(t.store.exam(ANN).unwrap().is_none());
    assert!(t.exam_history(ANN, 10).unwrap().is_empty());
}
