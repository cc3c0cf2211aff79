//! The weekly report (`/report`): the replies to `/report …` and the report itself
//! (its chart is the `/stats` chart, `view::chart`).

use crate::app::report::{Report, ReportOutcome, ReportPlan};
use crate::bank::Bank;
use crate::lang::Lang;
use crate::learn::report::REPORT_TIME;

use super::Doc;
use super::catalogue as cat;
use super::group::hhmm;
use super::time::{when, zone_label};

/// The reply to `/report …` (`terminal`: under a report, say where the chart is).
pub fn reply(bank: &Bank, outcome: &ReportOutcome, terminal: bool, lang: Lang) -> Doc {
    match outcome {
        ReportOutcome::Status(p) => Doc::plain(cat::report_status(
            when_on(p, lang)
                .as_ref()
                .map(|(t, z, n)| (t.as_str(), z.as_str(), n.as_str())),
            lang,
        )),
        ReportOutcome::On(p) => {
            let (time, zone, next) = when_on(p, lang).unwrap_or_default();
            Doc::plain(cat::report_on(&time, &zone, &next, lang))
        }
        ReportOutcome::Off => Doc::plain(cat::report_off(lang)),
        ReportOutcome::Now(r) => report(bank, r, terminal, lang),
        ReportOutcome::Usage => Doc::plain(cat::report_usage(lang)),
    }
}

/// The time, zone and next report of a report that is on.
fn when_on(p: &ReportPlan, lang: Lang) -> Option<(String, String, String)> {
    let next = p.next.filter(|_| p.on)?;
    Some((
        hhmm(REPORT_TIME),
        zone_label(p.tz, lang),
        when(next, p.now, p.tz, lang),
    ))
}

/// A report: its days, its figures, and a note on the chart (which Telegram sends
/// after it).
pub fn report(bank: &Bank, r: &Report, terminal: bool, lang: Lang) -> Doc {
    let s = &r.summary;
    let weakest = s.weakest.map(|w| {
        let title = bank.chapter(w.chapter).map_or("", |c| c.title.as_str());
        let label = format!("{} {title}", cat::chapter_label(w.chapter, lang));
        (label.trim_end().to_string(), w.percent())
    });
    let mut d = Doc::new();
    d.bold(cat::report_title(s.week.first, s.week.last, lang))
        .text("\n")
        .text(cat::report_figures(
            (s.answered, s.percent()),
            s.streak,
            weakest.as_ref().map(|(c, p)| (c.as_str(), *p)),
            s.due_next_week,
            lang,
        ))
        .italic(cat::report_chart_note(terminal, lang));
    d
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::learn::class::ChapterTally;
    use crate::learn::report::{Week, WeekSummary};

    fn report(answered: u32, right: u32, weakest: Option<ChapterTally>) -> Report {
        let bank = crate::test_bank::bank();
        let stats = crate::learn::compute(
            &bank,
            &Default::default(),
            &[],
            &Default::default(),
            Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap(),
            chrono_tz::Asia::Shanghai,
            &Default::default(),
        );
        let summary = WeekSummary {
            week: Week::before(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            answered,
            right,
            streak: 3,
            weakest,
            due_next_week: 5,
        };
        Report { summary, stats }
    }

    #[test]
    fn a_report_reads_in_both_languages() {
        let bank = crate::test_bank::bank();
        let weak = ChapterTally {
            chapter: 2,
            answered: 4,
            right: 1,
        };
        let r = report(8, 6, Some(weak));
        let zh = super::report(&bank, &r, false, Lang::Zh).plain_text();
        for want in [
            "📊 学习周报 · 3月2日–3月8日",
            "作答：8 题\n正确率：75%\n连续学习：3 天\n",
            "最弱章节：第二章 第二测试章（正确率 25%）",
            "未来 7 天到期：5 题",
            "/report off",
        ] {
            assert!(zh.contains(want), "{want:?} in {zh}");
        }
        let en = super::report(&bank, &r, true, Lang::En).plain_text();
        for want in [
            "Weekly report · Mar 2 – Mar 8",
            "Answered: 8\nAccuracy: 75%\nStreak: 3 days\n",
            "Weakest chapter: Chapter 2 第二测试章 (25% right)",
            "Due in the next 7 days: 5",
            "the terminal shows none",
        ] {
            assert!(en.contains(want), "{want:?} in {en}");
        }
        // A quiet week: no accuracy, no weakest chapter, and it says why.
        let quiet = super::report(&bank, &report(0, 0, None), false, Lang::Zh).plain_text();
        assert!(quiet.contains("正确率：暂无\n"), "{quiet}");
        assert!(
            quiet.contains("最弱章节：暂无（某章答满 2 题后计算）"),
            "{quiet}"
        );
    }

    #[test]
    fn the_replies_name_monday_the_time_the_zone_and_the_next_report() {
        let bank = crate::test_bank::bank();
        let now = Utc.with_ymd_and_hms(2026, 3, 4, 4, 0, 0).unwrap();
        let plan = ReportPlan {
            on: true,
            next: Some(Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap()),
            tz: chrono_tz::Asia::Shanghai,
            now,
        };
        let on = reply(&bank, &ReportOutcome::On(plan.clone()), false, Lang::Zh).plain_text();
        assert!(on.contains("每周一 09:00（北京时间）"), "{on}");
        assert!(on.contains("下一份：3月9日 09:00"), "{on}");
        let status = reply(&bank, &ReportOutcome::Status(plan.clone()), false, Lang::En);
        let status = status.plain_text();
        assert!(status.contains("on, every Monday at 09:00"), "{status}");
        assert!(status.contains("Next one: Mar 9 09:00"), "{status}");
        let off = ReportPlan {
            on: false,
            next: None,
            ..plan
        };
        let status = reply(&bank, &ReportOutcome::Status(off), false, Lang::Zh).plain_text();
        assert!(
            status.starts_with("📊 每周学习报告：未开启。\n/report on"),
            "{status}"
        );
        let usage = reply(&bank, &ReportOutcome::Usage, false, Lang::En).plain_text();
        assert!(usage.contains("/report now"), "{usage}");
        let off = reply(&bank, &ReportOutcome::Off, false, Lang::Zh).plain_text();
        assert!(off.contains("已关闭每周学习报告"), "{off}");
    }

    #[test]
    fn help_and_the_command_lists_name_report_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            let private = cat::commands(lang, false);
            assert!(private.iter().any(|(c, _)| *c == "report"), "{lang:?}");
            let group = cat::commands(lang, true);
            assert!(!group.iter().any(|(c, _)| *c == "report"), "{lang:?}");
            let help = crate::view::study::help(lang, false).plain_text();
            assert!(help.contains("/report — "), "{help}");
            assert!(
                cat::terminal_help(lang).contains("\n  report      "),
                "{lang:?}"
            );
        }
    }
}
