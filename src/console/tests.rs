//! Sessions driven with scripted input against a temporary store.

use chrono_tz::Asia;

use super::input::Input;
use super::session::{Ended, Session, Setup};
use super::*;

/// Chapters 1 and 2 of the test bank: deterministic (no shuffling).
fn bank() -> Bank {
    crate::test_bank::chapters(&[1, 2])
}

struct Env {
    _dir: tempfile::TempDir,
    tutor: crate::app::Tutor,
}

impl std::ops::Deref for Env {
    type Target = crate::app::Tutor;
    fn deref(&self) -> &crate::app::Tutor {
        &self.tutor
    }
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db"), store::Options::default()).expect("open");
    let tutor = crate::app::Tutor::new(
        store,
        std::sync::Arc::new(bank()),
        Asia::Shanghai,
        crate::app::Clock::default(),
    );
    Env { _dir: dir, tutor }
}

/// Runs a session over `lines` (then end of input) and returns how it ended and
/// what it printed.
fn run_with(env: &Env, scope: Scope, inputs: Vec<Input>, ansi: bool) -> (Ended, String) {
    let id = learner_id("t");
    let setup = Setup {
        tutor: &env.tutor,
        learner: id,
        name: "t".into(),
        tz: Asia::Shanghai,
        scope,
        prompt: false,
        ansi,
    };
    let mut out = Vec::new();
    let mut queue = inputs.into_iter();
    let ended = {
        let mut session = Session::new(setup, &mut out);
        match session.run(&mut || queue.next().unwrap_or(Input::End)) {
            Ok(e) => e,
            Err(e) => panic!("session failed: {e:#}"),
        }
    };
    (ended, String::from_utf8_lossy(&out).into_owned())
}

fn lines(ls: &[&str]) -> Vec<Input> {
    ls.iter().map(|l| Input::Line(l.to_string())).collect()
}

fn run(env: &Env, scope: Scope, ls: &[&str]) -> (Ended, String) {
    run_with(env, scope, lines(ls), false)
}

#[test]
fn answers_are_graded_recorded_and_counted() {
    let env = env();
    // Bank order: e1-q01 (single, A), e1-q02 (multi, AC), e1-q03 (judge 对).
    let (ended, out) = run(&env, Scope::All, &["A", "", "ＡＣ", "", "×", "", "s", "q"]);
    assert_eq!(ended, Ended::Quit);
    // The card, as on Telegram.
    assert!(
        out.contains(
            "第一章 · 单选\n\n服务的本质是（　）的。\n\nA. 抽象和无形\nB. 具体和有形\nC. 免费\n"
        ),
        "{out}"
    );
    assert!(out.contains("第一章 · 多选"), "{out}");
    assert!(
        out.contains("第一章 · 判断\n\n服务具有易消失性。\n"),
        "{out}"
    );
    assert!(
        !out.contains("点按钮"),
        "Telegram's button hint is not shown: {out}"
    );
    // Verdicts begin with ✅ / ❌ on their own line.
    let heads: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('✅') || l.starts_with('❌'))
        .collect();
    assert_eq!(
        heads,
        ["✅ 回答正确！", "✅ 回答正确！", "❌ 回答错误"],
        "{out}"
    );
    assert!(out.contains("你的答案：错\n正确答案：对"), "{out}");
    assert!(out.contains("解析\n服务的本质是抽象和无形的。"), "{out}");
    // The excerpt, unescaped and quoted.
    assert!(out.contains("│ 先记两个 <无形> & <不可分>。"), "{out}");
    // Statistics with the same numbers as /stats.
    assert!(out.contains("已答：3 题\n答对：2 题\n正确率：67%"), "{out}");
    assert!(out.contains("第一章 测试章：答 3 · 对 2"), "{out}");
    assert!(
        out.ends_with("本次练习：作答 3 题，答对 2 题，正确率 67%。再见！\n"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour without a terminal");

    // In the store: progress, log, streak, and the cards (closed, answered).
    let id = learner_id("t");
    let progress = env.store.progress(id).unwrap_or_default();
    assert_eq!(progress.len(), 3);
    assert!(progress["e1-q02"].last_right);
    assert!(!progress["e1-q03"].last_right);
    let learner = env.store.learner(id).ok().flatten().expect("learner");
    assert_eq!(learner.name, "t");
    assert_eq!(learner.streak.current, 1);
    assert!(env.store.latest_open_card(id).ok().flatten().is_none());

    // A second session continues from there, and says so.
    let (_, out) = run(&env, Scope::All, &["s"]);
    assert!(out.contains("\n欢迎回来！已答 3 题，"), "{out}");
    assert!(out.contains("已答：3 题\n答对：2 题"), "{out}");
    assert!(out.ends_with("本次没有作答。再见！\n"), "{out}");
}

#[test]
fn multi_answers_name_missed_and_extra() {
    let env = env();
    let (_, out) = run(&env, Scope::All, &["A", "", "a", "", "n", "c 1", "ab d"]);
    // The right options are named by their text too, then what was missed.
    assert!(
        out.contains("❌ 答案不完整\n你的答案：A\n正确答案：A C\nA. "),
        "{out}"
    );
    assert!(out.contains("\n漏选：C\n"), "{out}");
    // `n` after a verdict is "next", on a judge card it is 错.
    assert!(out.contains("你的答案：错"), "{out}");
    assert!(out.contains("已切换到第一章 测试章。"), "{out}");
}

#[test]
fn garbage_gets_a_hint_and_the_card_stays() {
    let env = env();
    let long = "x".repeat(4096);
    let ls = [
        "",
        "hello",
        long.as_str(),
        "\u{FFFD}\u{FFFD}abc",
        "E",
        "BC",
        "对",
        "\x1b[A",
        "c 99",
        "c 300",
        "r",
        "A",
        "hello",
        "B",
    ];
    let (ended, out) = run(&env, Scope::All, &ls);
    assert_eq!(ended, Ended::End);
    // Each hint fits its question: one letter for a single choice, all for a multiple.
    let single = out
        .matches("请输入一个选项字母作答（如 B），? 查看帮助")
        .count();
    let multi = out
        .matches("请输入所有正确选项的字母作答（如 BD），? 查看帮助")
        .count();
    assert_eq!(single + multi, 5, "{out}");
    assert!(out.contains("没有选项 E。"), "{out}");
    assert!(out.contains("这是单选题，请只回复一个字母"), "{out}");
    assert!(
        out.contains("这是单选题，请回复一个选项字母")
            || out.contains("这是多选题，请回复所有正确选项的字母"),
        "{out}"
    );
    assert!(
        out.contains("没有第 99 章（可选：1–2；c 0 练全部章节）。"),
        "{out}"
    );
    assert!(out.contains("没有第 300 章"), "{out}");
    assert!(out.contains("先作答"), "{out}");
    // One card only until the answer, then a hint after the verdict.
    assert_eq!(out.matches("服务的本质是（　）的。").count(), 1, "{out}");
    assert_eq!(out.matches("✅").count(), 1, "{out}");
    assert_eq!(
        out.matches(crate::view::Say::AfterVerdictHint.text(crate::lang::Lang::Zh))
            .count(),
        2,
        "{out}"
    );
}

#[test]
fn help_read_and_chapter_switch() {
    let env = env();
    let (_, out) = run(&env, Scope::Chapter(2), &["?", "A", "r", "c 1", "c 0", "q"]);
    assert!(out.contains("学习者：t · 第二章 第二测试章"), "{out}");
    assert!(out.contains("c N         只练第 N 章"), "{out}");
    assert!(out.contains("第二章 · 单选\n\n第二章题干"), "{out}");
    // `r` shows the whole section as /read does.
    assert!(
        out.contains("第二章 第二测试章\n一、另一节  (1/1)\n\n另一节的内容。"),
        "{out}"
    );
    assert!(out.contains("已切换到第一章 测试章。"), "{out}");
    assert!(out.contains("服务的本质是（　）的。"), "{out}");
    assert!(out.contains("已切换到全部章节。"), "{out}");
}

#[test]
fn review_with_nothing_due_says_so() {
    let env = env();
    let (ended, out) = run(&env, Scope::Review, &["A"]);
    assert_eq!(ended, Ended::NothingToDo);
    assert!(out.contains("🎉 没有需要复习的题了。"), "{out}");
    assert!(!out.contains("服务的本质是（　）的。"), "{out}");
    // A wrong answer is up for review at once.
    run(&env, Scope::All, &["B", ""]);
    let (_, out) = run(&env, Scope::Review, &["A", ""]);
    assert!(out.contains("✅"), "{out}");
    assert!(out.contains("下一题到期："), "{out}");
    assert!(out.contains("接下来练习全部章节"), "{out}");
    assert!(out.contains("以下属于服务特性的是（　）。"), "{out}");
}

#[test]
fn interrupt_and_colour() {
    let env = env();
    let mut inputs = lines(&["A"]);
    inputs.push(Input::Interrupt);
    let (ended, out) = run_with(&env, Scope::All, inputs, true);
    assert_eq!(ended, Ended::Interrupted);
    assert!(
        out.contains("\x1b[32m✅ \x1b[1m回答正确！\x1b[22m\x1b[39m\n"),
        "{out:?}"
    );
    assert!(
        out.contains("已中断。本次练习：作答 1 题，答对 1 题"),
        "{out}"
    );
    assert_eq!(
        env.store
            .progress(learner_id("t"))
            .unwrap_or_default()
            .len(),
        1
    );
}

#[test]
fn learner_ids_are_stable_negative_and_distinct() {
    let names = ["t", "小明", "小红", "", "a very long name indeed", "T"];
    let ids: Vec<i64> = names.iter().map(|n| learner_id(n)).collect();
    for (&id, name) in ids.iter().zip(names) {
        assert!(id < -(1i64 << 62) + 1 && id > i64::MIN, "{name}: {id}");
        assert_eq!(learner_id(name), id);
    }
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    // Pinned: ids must never change, or learners lose their progress.
    assert_eq!(learner_id("t"), -6_088_539_329_827_167_499);
}

#[test]
fn options_are_checked() {
    let bank = bank();
    let opts = |chapter, review| PlayOptions {
        chapter,
        review,
        ..PlayOptions::default()
    };
    assert_eq!(scope_of(&bank, &opts(None, false)).ok(), Some(Scope::All));
    assert_eq!(scope_of(&bank, &opts(None, true)).ok(), Some(Scope::Review));
    assert_eq!(
        scope_of(&bank, &opts(Some(2), false)).ok(),
        Some(Scope::Chapter(2))
    );
    let err = |o| scope_of(&bank, &o).err().map(|e| e.to_string());
    assert_eq!(
        err(opts(Some(9), false)).as_deref(),
        Some("题库中没有第 9 章（可选：1–2）")
    );
    assert!(err(opts(Some(1), true)).is_some());
    assert_eq!(learner_name(Some("  小明 ")).ok().as_deref(), Some("小明"));
    assert!(learner_name(Some("  ")).is_err());
    assert!(learner_name(Some("a\u{7}b")).is_err());
    assert!(learner_name(Some(&"长".repeat(65))).is_err());
    assert!(learner_name(None).is_ok_and(|n| !n.is_empty()));
}

#[test]
fn the_book_favourites_and_search_on_the_terminal() {
    let env = env();
    let (ended, out) = run(
        &env,
        Scope::All,
        &[
            "B",
            "star",
            "", // e1-q01 wrong, starred
            "mistakes",
            "starred",
            "search 无形 本质",
            "search",
            "pm", // e1-q02's card is left
            "A",
            "",
            "A",
            "", // the book's one question, right twice
            "q",
        ],
    );
    assert_eq!(ended, Ended::Quit);
    assert!(out.contains("★ 已收藏"), "{out}");
    assert!(
        out.contains("📕 错题本\n答错的题记在这里；连续答对两次即移出错题本。"),
        "{out}"
    );
    assert!(
        out.contains("• 服务的本质是（　）的。\n  错 1 次 · 已连对 0/2"),
        "{out}"
    );
    assert!(out.contains("输入 pm 练习错题本"), "{out}");
    assert!(
        out.contains("⭐ 收藏夹\n\n第一章 测试章（1 题）\n• 服务的本质是（　）的。"),
        "{out}"
    );
    assert!(out.contains("🔍 “无形 本质”：找到 2 条"), "{out}");
    assert!(out.contains("用法：/search 关键词"), "{out}");
    let heads: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('✅') || l.starts_with('❌'))
        .collect();
    assert_eq!(
        heads,
        ["❌ 回答错误", "✅ 回答正确！", "✅ 回答正确！"],
        "{out}"
    );
    assert!(out.contains("🎉 错题本里没有要练的题了"), "{out}");
    let id = learner_id("t");
    assert!(env.mistakes(id).unwrap().is_empty());
    assert_eq!(env.store.shelf(id).unwrap().starred.len(), 1);
}

#[test]
fn study_mode_on_the_terminal_shows_answers_and_grades_nothing() {
    let env = env();
    let (_, out) = run(&env, Scope::All, &["study", "study 2", "s", "q"]);
    assert!(
        out.contains(
            "📖 背题 · 第一章 · 单选\n\n服务的本质是（　）的。\n✅ A. 抽象和无形\n▫️ B. 具体和有形"
        ),
        "{out}"
    );
    assert!(out.contains("📖 背题 · 第二章"), "{out}");
    assert!(out.contains("已答：0 题"), "{out}");
    assert!(out.contains("背题模式已看：2 题（不计分）"), "{out}");
}

#[test]
fn practice_in_order_resumes_across_sessions_and_starts_again_at_the_end() {
    let env = env();
    let (_, out) = run(&env, Scope::All, &["po 1", "A", "", "AC", "", "q"]);
    assert!(out.contains("▶ 顺序练习 · 第一章：第 1/3 题"), "{out}");
    let after = out.split("第 1/3 题").nth(1).unwrap_or_default();
    let (first, second) = (after.find("服务的本质"), after.find("以下属于服务特性"));
    assert!(first.is_some() && first < second, "in bank order: {after}");
    // A new session goes on where the last one left off.
    let (_, out) = run(&env, Scope::All, &["po 1", "对", "", "q"]);
    let after = out.split("第 3/3 题").nth(1).unwrap_or_default();
    assert!(after.contains("服务具有易消失性"), "{out}");
    let again = after.split("已练完本章全部题目，重新开始").nth(1);
    assert!(again.is_some_and(|t| t.contains("服务的本质")), "{out}");
    // At random: chapter 2 has one question.
    let (_, out) = run(&env, Scope::All, &["pr 2", "A", "", "q"]);
    assert!(out.contains("🎲 随机练习 · 第二章：本轮第 1/1 题"), "{out}");
    assert!(out.contains("已练完本章全部题目，重新开始"), "{out}");
    let (_, out) = run(&env, Scope::All, &["?", "q"]);
    assert!(out.contains("po [N]"), "{out}");
}

#[test]
fn stats_count_the_wrong_answer_book_as_mistakes_lists_it() {
    let env = env();
    // e1-q01 wrong, then right once from the book: still in it (two right to leave).
    let (_, out) = run(&env, Scope::All, &["B", "pm", "A", "s", "mistakes", "q"]);
    assert!(out.contains("错题：1 题"), "{out}");
    assert!(out.contains("服务的本质是（　）的。"), "{out}");
}

#[test]
fn search_results_open_by_number_to_practise_or_read() {
    let env = env();
    let script = [
        "A",
        "search 无形 本质",
        "open 2",
        "open 1",
        "A",
        "open 9",
        "q",
    ];
    let (_, out) = run(&env, Scope::All, &script);
    assert!(out.contains("输入 open N 打开第 N 条"), "{out}");
    // Result 2 is the section, read in full.
    assert!(out.contains("客户服务有五大特性"), "{out}");
    // Result 1 is e1-q01 again as a card (the next card would have been e1-q02).
    let card = "第一章 · 单选\n\n服务的本质是（　）的。";
    assert_eq!(out.matches(card).count(), 2, "{out}");
    assert!(!out.contains("以下属于服务特性的是"), "{out}");
    assert!(out.contains("没有这一条搜索结果"), "{out}");
}
