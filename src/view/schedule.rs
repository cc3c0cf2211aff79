//! The replies to `/daily …`, in a private chat and in a group.

use crate::app::{DailyOutcome, DailyPlan};
use crate::lang::Lang;

use super::Doc;
use super::catalogue::{self as cat, Say};
use super::group::hhmm;
use super::study::local_time;

/// The reply to `/daily …` (`group`: the chat is a group).
pub fn daily(outcome: &DailyOutcome, group: bool, lang: Lang) -> Doc {
    let usage = if group {
        Say::GroupDailyUsage
    } else {
        Say::DailyUsage
    };
    let say = |s: Say| s.text(lang).to_string();
    Doc::plain(match outcome {
        DailyOutcome::Status(Some(p)) => status(p, usage.text(lang), lang),
        DailyOutcome::Status(None) if group => say(usage),
        DailyOutcome::Status(None) => {
            format!("{}\n{}", Say::DailyNone.text(lang), usage.text(lang))
        }
        DailyOutcome::Set(p) => set(p, lang),
        DailyOutcome::Stopped if group => say(Say::GroupDailyStopped),
        DailyOutcome::Stopped => say(Say::DailyStopped),
        DailyOutcome::Remind(true) => say(Say::RemindOn),
        DailyOutcome::Remind(false) => say(Say::RemindOff),
        DailyOutcome::NeedsTimeFirst if group => say(Say::GroupDailyFirst),
        DailyOutcome::NeedsTimeFirst => say(Say::SubscribeFirst),
        DailyOutcome::Usage => say(usage),
        DailyOutcome::RemindUsage => say(Say::RemindUsage),
    })
}

fn next_of(p: &DailyPlan) -> String {
    p.next.map_or_else(|| "—".into(), |at| local_time(at, p.tz))
}

fn status(p: &DailyPlan, usage: &str, lang: Lang) -> String {
    let (time, zone) = (hhmm(p.time), p.tz.name());
    match p.reveal {
        Some(reveal) => cat::group_daily_status(&time, &hhmm(reveal), zone, usage, lang),
        None => cat::daily_status(&time, zone, &next_of(p), usage, lang),
    }
}

fn set(p: &DailyPlan, lang: Lang) -> String {
    let (time, zone, next) = (hhmm(p.time), p.tz.name(), next_of(p));
    match p.reveal {
        Some(reveal) => cat::group_daily_set(&time, &hhmm(reveal), zone, &next, lang),
        None => cat::daily_subscribed(&time, zone, &next, lang),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeZone, Utc};

    use super::*;

    fn plan(reveal: Option<NaiveTime>) -> DailyPlan {
        DailyPlan {
            time: NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
            reveal,
            tz: chrono_tz::Asia::Shanghai,
            next: Some(Utc.with_ymd_and_hms(2026, 3, 2, 23, 30, 0).unwrap()),
        }
    }

    fn text(outcome: DailyOutcome, group: bool) -> String {
        daily(&outcome, group, Lang::Zh).plain_text()
    }

    #[test]
    fn a_learners_status_names_the_time_the_zone_and_the_next_send() {
        let s = text(DailyOutcome::Status(Some(plan(None))), false);
        assert!(
            s.starts_with("⏰ 每日一题：每天 07:30（Asia/Shanghai）。"),
            "{s}"
        );
        assert!(s.contains("下一题：2026-03-03 07:30"), "{s}");
        assert!(s.contains("用法：/daily 08:30"), "{s}");
        let none = text(DailyOutcome::Status(None), false);
        assert!(none.starts_with("还没有订阅每日一题。\n用法"), "{none}");
    }

    #[test]
    fn a_group_sees_its_reveal_and_its_own_usage() {
        let reveal = NaiveTime::from_hms_opt(9, 30, 0);
        let s = text(DailyOutcome::Set(plan(reveal)), true);
        assert!(s.contains("每天 07:30 出题，09:30 公布答案"), "{s}");
        assert_eq!(
            text(DailyOutcome::Status(None), true),
            Say::GroupDailyUsage.text(Lang::Zh)
        );
        assert_eq!(
            text(DailyOutcome::NeedsTimeFirst, true),
            Say::GroupDailyFirst.text(Lang::Zh)
        );
        assert_eq!(
            text(DailyOutcome::NeedsTimeFirst, false),
            Say::SubscribeFirst.text(Lang::Zh)
        );
    }
}
