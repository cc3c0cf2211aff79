//! The replies to `/daily …` (in a private chat and in a group) and `/tz …`.

use chrono::NaiveTime;

use crate::app::{DailyOutcome, DailyPlan, ZoneOutcome};
use crate::lang::Lang;

use super::Doc;
use super::catalogue::{self as cat, Say};
use super::group::hhmm;
use super::time::{when, zone_label};

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

fn next_of(p: &DailyPlan, lang: Lang) -> String {
    p.next
        .map_or_else(|| "—".into(), |at| when(at, p.now, p.tz, lang))
}

/// A group's reveal time; one not after the question's is the next day's.
fn reveal_of(p: &DailyPlan, reveal: NaiveTime, lang: Lang) -> String {
    match reveal <= p.time {
        true => cat::next_day(&hhmm(reveal), lang),
        false => hhmm(reveal),
    }
}

fn status(p: &DailyPlan, usage: &str, lang: Lang) -> String {
    let (time, zone) = (hhmm(p.time), zone_label(p.tz, lang));
    match p.reveal {
        Some(r) => cat::group_daily_status(&time, &reveal_of(p, r, lang), &zone, usage, lang),
        None => cat::daily_status(&time, &zone, &next_of(p, lang), usage, lang),
    }
}

fn set(p: &DailyPlan, lang: Lang) -> String {
    let (time, zone, next) = (hhmm(p.time), zone_label(p.tz, lang), next_of(p, lang));
    match p.reveal {
        Some(r) => cat::group_daily_set(&time, &reveal_of(p, r, lang), &zone, &next, lang),
        None => cat::daily_subscribed(&time, &zone, &next, lang),
    }
}

/// The reply to `/tz …`: the zone, or what a new one means for the daily question.
pub fn zone(outcome: &ZoneOutcome, lang: Lang) -> Doc {
    Doc::plain(match outcome {
        ZoneOutcome::Current(tz) => cat::current_zone(&zone_label(*tz, lang), lang),
        ZoneOutcome::Unknown { current } => cat::zone_unknown(&zone_label(*current, lang), lang),
        ZoneOutcome::Set(z) => {
            let local = z.now.with_timezone(&z.tz).format("%H:%M").to_string();
            let daily = z
                .daily
                .map(|(time, next)| (hhmm(time), when(next, z.now, z.tz, lang)));
            let daily = daily.as_ref().map(|(t, n)| (t.as_str(), n.as_str()));
            cat::zone_set(&zone_label(z.tz, lang), &local, daily, lang)
        }
    })
}

#[cfg(test)]
mod tests {
    use crate::app::ZoneSet;

    use chrono::{TimeZone, Utc};

    use super::*;

    fn plan(reveal: Option<NaiveTime>) -> DailyPlan {
        DailyPlan {
            time: NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
            reveal,
            tz: chrono_tz::Asia::Shanghai,
            next: Some(Utc.with_ymd_and_hms(2026, 3, 2, 23, 30, 0).unwrap()),
            now: Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap(),
        }
    }

    fn text(outcome: DailyOutcome, group: bool) -> String {
        daily(&outcome, group, Lang::Zh).plain_text()
    }

    #[test]
    fn a_learners_status_names_the_time_the_zone_and_the_next_send() {
        let s = text(DailyOutcome::Status(Some(plan(None))), false);
        assert!(
            s.starts_with("⏰ 每日一题：每天 07:30（北京时间）。"),
            "{s}"
        );
        assert!(s.contains("下一题：明天 07:30"), "{s}");
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
        // A reveal before the question is the next day's.
        let early = text(
            DailyOutcome::Set(plan(NaiveTime::from_hms_opt(7, 0, 0))),
            true,
        );
        assert!(early.contains("07:30 出题，次日 07:00 公布答案"), "{early}");
        assert_eq!(
            text(DailyOutcome::NeedsTimeFirst, false),
            Say::SubscribeFirst.text(Lang::Zh)
        );
    }

    #[test]
    fn a_new_zone_restates_the_daily_time_and_an_unknown_one_is_named_as_such() {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap();
        let next = Utc.with_ymd_and_hms(2026, 3, 2, 6, 30, 0).unwrap();
        let set = ZoneSet {
            tz: chrono_tz::Europe::Berlin,
            daily: Some((NaiveTime::from_hms_opt(7, 30, 0).unwrap(), next)),
            now,
        };
        let s = zone(&ZoneOutcome::Set(set), Lang::Zh).plain_text();
        assert!(
            s.starts_with("时区已设为 Europe/Berlin（当地时间 05:00）"),
            "{s}"
        );
        assert!(
            s.contains("每日一题：每天 07:30，下一题：今天 07:30"),
            "{s}"
        );
        let current = chrono_tz::Asia::Shanghai;
        let s = zone(&ZoneOutcome::Unknown { current }, Lang::Zh).plain_text();
        assert!(
            s.starts_with("没有识别出这个时区") && s.contains("北京时间"),
            "{s}"
        );
        let s = zone(&ZoneOutcome::Current(current), Lang::En).plain_text();
        assert!(s.starts_with("Current zone: China time."), "{s}");
    }
}
