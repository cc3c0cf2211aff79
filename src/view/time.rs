//! Times as people read them: 4 分钟后, 今天 21:00, 明天 09:00, 3月5日 09:00; and a
//! zone by the name people use for it (北京时间, UTC+8), not only its IANA name.

use chrono::{DateTime, Datelike, Offset, Utc};
use chrono_tz::Tz;

use crate::lang::Lang;

/// When `at` is, seen at `now` in `tz`.
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let seconds = (at - now).num_seconds();
    if seconds <= 0 {
        return lang.pick("现在", "now").into();
    }
    let minutes = (seconds + 59) / 60;
    if minutes < 60 {
        return match lang {
            Lang::Zh => format!("{minutes} 分钟后"),
            Lang::En => format!("in {minutes} min"),
        };
    }
    let (local, today) = (at.with_timezone(&tz), now.with_timezone(&tz).date_naive());
    let hhmm = local.format("%H:%M");
    let days = (local.date_naive() - today).num_days();
    match (days, lang) {
        (0, Lang::Zh) => format!("今天 {hhmm}"),
        (0, Lang::En) => format!("today {hhmm}"),
        (1, Lang::Zh) => format!("明天 {hhmm}"),
        (1, Lang::En) => format!("tomorrow {hhmm}"),
        (_, Lang::Zh) if local.year() == today.year() => {
            format!("{}月{}日 {hhmm}", local.month(), local.day())
        }
        (_, Lang::Zh) => format!(
            "{}年{}月{}日 {hhmm}",
            local.year(),
            local.month(),
            local.day()
        ),
        (_, Lang::En) if local.year() == today.year() => {
            format!("{} {hhmm}", local.format("%b %-d"))
        }
        (_, Lang::En) => format!("{} {hhmm}", local.format("%b %-d %Y")),
    }
}

/// A zone as people name it: 北京时间 for China's, UTC+8 for a fixed offset, else
/// its IANA name.
pub fn zone_label(tz: Tz, lang: Lang) -> String {
    match tz {
        Tz::Asia__Shanghai => lang.pick("北京时间", "China time").into(),
        _ if tz.name().starts_with("Etc/") => {
            let offset = Utc::now()
                .with_timezone(&tz)
                .offset()
                .fix()
                .local_minus_utc();
            match offset / 3600 {
                0 => "UTC".into(),
                h => format!("UTC{h:+}"),
            }
        }
        _ => tz.name().into(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_read_relative_to_now_in_the_chats_zone() {
        // 2026-03-02 12:00 in Shanghai.
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap();
        let sh = Tz::Asia__Shanghai;
        let at = |h: i64, m: i64| now + chrono::TimeDelta::hours(h) + chrono::TimeDelta::minutes(m);
        let cases = [
            (at(0, -5), Lang::Zh, "现在"),
            (at(0, 4), Lang::Zh, "4 分钟后"),
            (at(0, 4), Lang::En, "in 4 min"),
            (at(9, 0), Lang::Zh, "今天 21:00"),
            (at(21, 0), Lang::Zh, "明天 09:00"),
            (at(21, 0), Lang::En, "tomorrow 09:00"),
            (at(24 * 3, 0), Lang::Zh, "3月5日 12:00"),
            (at(24 * 3, 0), Lang::En, "Mar 5 12:00"),
            (at(24 * 365, 0), Lang::Zh, "2027年3月2日 12:00"),
        ];
        for (t, lang, want) in cases {
            assert_eq!(when(t, now, sh, lang), want, "{t}");
        }
        // The same instant is "tomorrow" in Shanghai and "today" in Berlin.
        let late = Utc.with_ymd_and_hms(2026, 3, 2, 17, 0, 0).unwrap();
        assert_eq!(when(late, now, sh, Lang::En), "tomorrow 01:00");
        assert_eq!(when(late, now, Tz::Europe__Berlin, Lang::En), "today 18:00");
    }

    #[test]
    fn zones_are_named_as_people_name_them() {
        assert_eq!(zone_label(Tz::Asia__Shanghai, Lang::Zh), "北京时间");
        assert_eq!(zone_label(Tz::Etc__GMTMinus8, Lang::Zh), "UTC+8");
        assert_eq!(zone_label(Tz::Etc__GMTPlus5, Lang::En), "UTC-5");
        assert_eq!(zone_label(Tz::Etc__GMT, Lang::En), "UTC");
        assert_eq!(zone_label(Tz::Europe__Berlin, Lang::Zh), "Europe/Berlin");
    }
}
