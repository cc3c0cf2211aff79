//! `/tz`: what a learner types for a time zone, read generously. An IANA name in any
//! case, a few names people use (北京, 上海, 中国, Beijing …), or a whole-hour offset
//! (UTC+8, GMT-5, +09:00) as a fixed zone.

use chrono_tz::{TZ_VARIANTS, Tz};

/// A `/tz` argument, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneArg {
    /// No argument: show the zone.
    Show,
    /// A zone this build knows.
    Zone(Tz),
    /// Something that is not a zone.
    Unknown,
}

/// Names people type for a zone, with the zone they mean (matched without case).
const ALIASES: &[(&str, Tz)] = &[
    ("北京", Tz::Asia__Shanghai),
    ("北京时间", Tz::Asia__Shanghai),
    ("上海", Tz::Asia__Shanghai),
    ("中国", Tz::Asia__Shanghai),
    ("china", Tz::Asia__Shanghai),
    ("beijing", Tz::Asia__Shanghai),
    ("香港", Tz::Asia__Hong_Kong),
    ("澳门", Tz::Asia__Macau),
    ("台北", Tz::Asia__Taipei),
    ("台湾", Tz::Asia__Taipei),
    ("新加坡", Tz::Asia__Singapore),
    ("东京", Tz::Asia__Tokyo),
    ("日本", Tz::Asia__Tokyo),
    ("首尔", Tz::Asia__Seoul),
    ("伦敦", Tz::Europe__London),
    ("柏林", Tz::Europe__Berlin),
    ("巴黎", Tz::Europe__Paris),
    ("纽约", Tz::America__New_York),
    ("洛杉矶", Tz::America__Los_Angeles),
    ("悉尼", Tz::Australia__Sydney),
    ("utc", Tz::UTC),
    ("gmt", Tz::UTC),
];

/// Reads a `/tz` argument.
pub fn parse_zone(input: &str) -> ZoneArg {
    let s = input.trim();
    if s.is_empty() {
        return ZoneArg::Show;
    }
    if let Ok(tz) = s.parse::<Tz>() {
        return ZoneArg::Zone(tz);
    }
    let exact = TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(s));
    let alias = || {
        ALIASES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, tz)| *tz)
    };
    match exact.copied().or_else(alias).or_else(|| offset(s)) {
        Some(tz) => ZoneArg::Zone(tz),
        None => ZoneArg::Unknown,
    }
}

/// A whole-hour offset from UTC as its fixed `Etc/GMT…` zone (whose sign is
/// inverted: UTC+8 is `Etc/GMT-8`). `UTC+8`, `GMT+8`, `UTC+08:00`, `+8`, `-05:00`.
fn offset(s: &str) -> Option<Tz> {
    let upper = s.to_ascii_uppercase();
    let rest = ["UTC", "GMT"]
        .iter()
        .find_map(|p| upper.strip_prefix(p))
        .unwrap_or(&upper)
        .trim();
    let (sign, digits) = match rest.split_at_checked(1)? {
        ("+", d) => (1, d),
        ("-", d) => (-1, d),
        _ => return None,
    };
    let hours = match digits.split_once(':') {
        Some((h, "00")) => h,
        Some(_) => return None,
        None => digits,
    };
    let hours: i32 = hours.parse().ok().filter(|h| (0..=14).contains(h))?;
    let name = match sign * hours {
        0 => "Etc/GMT".to_string(),
        h => format!("Etc/GMT{:+}", -h),
    };
    name.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_read_generously_and_nothing_else_is_a_zone() {
        use ZoneArg::*;
        let cases = [
            ("", Show),
            ("  ", Show),
            ("Asia/Shanghai", Zone(Tz::Asia__Shanghai)),
            ("asia/shanghai", Zone(Tz::Asia__Shanghai)),
            ("EUROPE/BERLIN", Zone(Tz::Europe__Berlin)),
            ("北京", Zone(Tz::Asia__Shanghai)),
            ("上海", Zone(Tz::Asia__Shanghai)),
            ("中国", Zone(Tz::Asia__Shanghai)),
            ("Beijing", Zone(Tz::Asia__Shanghai)),
            ("东京", Zone(Tz::Asia__Tokyo)),
            ("UTC", Zone(Tz::UTC)),
            ("UTC+8", Zone(Tz::Etc__GMTMinus8)),
            ("utc+08:00", Zone(Tz::Etc__GMTMinus8)),
            ("GMT-5", Zone(Tz::Etc__GMTPlus5)),
            ("+9", Zone(Tz::Etc__GMTMinus9)),
            ("UTC+0", Zone(Tz::Etc__GMT)),
            ("UTC+5:30", Unknown),
            ("UTC+15", Unknown),
            ("Mars/Olympus", Unknown),
            ("北京x", Unknown),
            // Ambiguous abbreviations are not guessed (CST is also US Central time).
            ("CST", Unknown),
            ("8", Unknown),
        ];
        for (input, want) in cases {
            assert_eq!(parse_zone(input), want, "{input:?}");
        }
    }
}
