//! Parsing of incoming commands into typed commands, once (their lists, for `/help`
//! and `setMyCommands`, are in the catalogue: `view::catalogue::commands`).

use crate::app::{DailyArg, ReportArg, on_off};
use crate::lang::Lang;
use crate::learn::{Mode, ZoneArg, parse_zone};

/// A command addressed to this bot: its lowercased name and the rest of the line.
#[derive(Debug, PartialEq, Eq)]
pub struct Command<'a> {
    pub name: String,
    pub args: &'a str,
}

/// Parses `/name@bot args`. `None` when the text is not a command, or is addressed
/// to another bot.
pub fn parse<'a>(text: &'a str, bot_username: &str) -> Option<Command<'a>> {
    let text = text.trim_start();
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match head.split_once('@') {
        Some((n, t)) => (n, Some(t)),
        None => (head, None),
    };
    if let Some(t) = target {
        if !t.eq_ignore_ascii_case(bot_username) {
            return None;
        }
    }
    if name.is_empty()
        || name.len() > 32
        || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    Some(Command {
        name: name.to_ascii_lowercase(),
        args,
    })
}

/// A chapter argument: none (every chapter), a number, or something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChapterArg {
    All,
    Number(u8),
    Bad,
}

impl ChapterArg {
    fn parse(args: &str) -> ChapterArg {
        match args {
            "" => ChapterArg::All,
            n => n.parse().map_or(ChapterArg::Bad, ChapterArg::Number),
        }
    }
}

/// A command in a private chat, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Private {
    /// `/start`, with a deep link `ch3` to start chapter 3.
    Start {
        chapter: Option<u8>,
    },
    Help,
    Quiz(ChapterArg),
    Review,
    Chapters,
    /// `/read N`; without a number (or a bad one) the chapter list.
    Read(Option<u8>),
    Stats,
    /// `/exam` or `/exam history` (the adapter reads the arguments).
    Exam,
    Daily(DailyArg),
    Tz(ZoneArg),
    /// `/lang zh|en`; `None`: not a language.
    Lang(Option<Lang>),
    Export,
    Forget,
    /// Issue 19: `/mistakes`, `/starred`, `/search …`.
    Shelf(ShelfCommand),
    /// `/report on|off|now`, plain `/report`: the weekly report.
    Report(ReportArg),
    /// `/practice order|random [N]`; no mode: neither word.
    Practice(Option<Mode>, ChapterArg),
    /// A group command used in a private chat.
    GroupOnly,
    Unknown,
}

impl Private {
    pub fn parse(cmd: &Command<'_>) -> Private {
        let args = cmd.args;
        match cmd.name.as_str() {
            "start" => Private::Start {
                chapter: args.strip_prefix("ch").and_then(|n| n.parse().ok()),
            },
            "help" => Private::Help,
            "quiz" => Private::Quiz(ChapterArg::parse(args)),
            "review" => Private::Review,
            "chapters" => Private::Chapters,
            "read" => Private::Read(args.parse().ok()),
            "stats" => Private::Stats,
            "exam" => Private::Exam,
            "daily" => Private::Daily(DailyArg::parse(args)),
            "tz" => Private::Tz(parse_zone(args)),
            "lang" => Private::Lang(args.parse().ok()),
            "export" => Private::Export,
            "forget" => Private::Forget,
            "mistakes" => Private::Shelf(ShelfCommand::Mistakes),
            "starred" => Private::Shelf(ShelfCommand::Starred),
            "search" => Private::Shelf(ShelfCommand::Search(args.to_string())),
            "study" => Private::Shelf(ShelfCommand::Study(ChapterArg::parse(args))),
            "report" => Private::Report(ReportArg::parse(args)),
            "practice" => {
                let (mode, chapter) = args.split_once(' ').unwrap_or((args, ""));
                let mode = match mode.to_ascii_lowercase().as_str() {
                    "order" | "顺序" => Some(Mode::Order),
                    "random" | "随机" => Some(Mode::Random),
                    _ => None,
                };
                Private::Practice(mode, ChapterArg::parse(chapter.trim()))
            }
            "round" | "top" | "reveal" | "settime" | "settings" | "class" => Private::GroupOnly,
            _ => Private::Unknown,
        }
    }
}

/// The commands of a learner's own collections (issue 19).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShelfCommand {
    Mistakes,
    Starred,
    /// `/search …`: the rest of the line, as typed.
    Search(String),
    /// `/study [N]`: study mode (背题).
    Study(ChapterArg),
}

/// A command in a group, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    Help,
    Quiz(ChapterArg),
    /// `/round N [CHAPTER]`; `None`: not a number.
    Round(Option<u8>, ChapterArg),
    Reveal,
    /// `/top` (this week) or `/top all`.
    Top {
        all: bool,
    },
    /// Admins only.
    Admin(Admin),
    /// A private-chat command used in a group.
    PrivateOnly,
    /// Another bot's command, or none of ours: ignored.
    Other,
}

/// The admins' group settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admin {
    /// `/settime S`; `None`: not a number.
    SetTime(Option<u32>),
    Daily(DailyArg),
    Tz(ZoneArg),
    Lang(Option<Lang>),
    /// `/settings hide_typed|streak_bonus on|off`; `None`: show the settings and the
    /// usage.
    Settings(Option<Setting>),
    /// `/class` (the report as a message) or `/class csv` (as a CSV document).
    Class {
        csv: bool,
    },
}

/// One group setting of `/settings NAME on|off` (the words of [`on_off`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Typed answers are deleted once recorded.
    HideTyped(bool),
    /// Right answers in a row earn the streak bonus.
    StreakBonus(bool),
}

impl Setting {
    fn parse(args: &str) -> Option<Setting> {
        let words: Vec<String> = args
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let (name, value) = match &words[..] {
            [n, v] => (n.as_str(), v.as_str()),
            _ => return None,
        };
        let on = on_off(value)?;
        match name {
            "hide_typed" => Some(Setting::HideTyped(on)),
            "streak_bonus" => Some(Setting::StreakBonus(on)),
            _ => None,
        }
    }
}

impl Group {
    pub fn parse(cmd: &Command<'_>) -> Group {
        let args = cmd.args;
        match cmd.name.as_str() {
            "start" | "help" => Group::Help,
            "quiz" => Group::Quiz(ChapterArg::parse(args)),
            "round" => {
                let (n, chapter) = args.split_once(' ').unwrap_or((args, ""));
                Group::Round(n.parse().ok(), ChapterArg::parse(chapter.trim()))
            }
            "reveal" => Group::Reveal,
            "top" => Group::Top {
                all: matches!(
                    args.to_ascii_lowercase().as_str(),
                    "all" | "全部" | "总" | "总榜"
                ),
            },
            "settime" => Group::Admin(Admin::SetTime(args.parse().ok())),
            "daily" => Group::Admin(Admin::Daily(DailyArg::parse(args))),
            "tz" => Group::Admin(Admin::Tz(parse_zone(args))),
            "lang" => Group::Admin(Admin::Lang(args.parse().ok())),
            "settings" => Group::Admin(Admin::Settings(Setting::parse(args))),
            "class" => Group::Admin(Admin::Class {
                csv: args.eq_ignore_ascii_case("csv"),
            }),
            "stats" | "review" | "chapters" | "read" | "export" | "forget" | "mistakes"
            | "starred" | "search" | "study" | "report" | "practice" => Group::PrivateOnly,
            _ => Group::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(h: u32, m: u32) -> chrono::NaiveTime {
        chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn parses_commands() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("/quiz", Some(("quiz", ""))),
            ("/quiz 3", Some(("quiz", "3"))),
            ("/Quiz@Tutor_Test_Bot  3 ", Some(("quiz", "3"))),
            ("/quiz@other_bot 3", None),
            ("/daily 08:30", Some(("daily", "08:30"))),
            ("/start ch3", Some(("start", "ch3"))),
            ("quiz", None),
            ("/", None),
            ("/题目", None),
            ("/@tutor_test_bot", None),
        ];
        for (text, want) in cases {
            let got = parse(text, "tutor_test_bot").map(|c| (c.name, c.args));
            let want = want.map(|(n, a)| (n.to_string(), a));
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn private_commands_are_typed() {
        let cases: &[(&str, Private)] = &[
            ("/start", Private::Start { chapter: None }),
            ("/start ch3", Private::Start { chapter: Some(3) }),
            ("/start chx", Private::Start { chapter: None }),
            ("/quiz", Private::Quiz(ChapterArg::All)),
            ("/quiz 3", Private::Quiz(ChapterArg::Number(3))),
            ("/quiz 999", Private::Quiz(ChapterArg::Bad)),
            ("/quiz x", Private::Quiz(ChapterArg::Bad)),
            ("/read 2", Private::Read(Some(2))),
            ("/read", Private::Read(None)),
            ("/daily 08:30", Private::Daily(DailyArg::At(hm(8, 30)))),
            ("/daily", Private::Daily(DailyArg::Status)),
            (
                "/tz Asia/Tokyo",
                Private::Tz(ZoneArg::Zone(chrono_tz::Asia::Tokyo)),
            ),
            ("/tz 火星", Private::Tz(ZoneArg::Unknown)),
            ("/lang en", Private::Lang(Some(Lang::En))),
            ("/lang xx", Private::Lang(None)),
            ("/round 5", Private::GroupOnly),
            ("/nope", Private::Unknown),
            ("/Stats", Private::Stats),
            ("/report", Private::Report(ReportArg::Status)),
            ("/report ON", Private::Report(ReportArg::On)),
            ("/report now", Private::Report(ReportArg::Now)),
            ("/report weekly", Private::Report(ReportArg::Bad)),
            ("/mistakes", Private::Shelf(ShelfCommand::Mistakes)),
            ("/starred", Private::Shelf(ShelfCommand::Starred)),
            (
                "/search  服务 特性 ",
                Private::Shelf(ShelfCommand::Search("服务 特性".into())),
            ),
            (
                "/search",
                Private::Shelf(ShelfCommand::Search(String::new())),
            ),
            (
                "/study",
                Private::Shelf(ShelfCommand::Study(ChapterArg::All)),
            ),
            (
                "/study 2",
                Private::Shelf(ShelfCommand::Study(ChapterArg::Number(2))),
            ),
            (
                "/practice order",
                Private::Practice(Some(Mode::Order), ChapterArg::All),
            ),
            (
                "/practice Random  3",
                Private::Practice(Some(Mode::Random), ChapterArg::Number(3)),
            ),
            (
                "/practice 顺序 x",
                Private::Practice(Some(Mode::Order), ChapterArg::Bad),
            ),
            ("/practice", Private::Practice(None, ChapterArg::All)),
            ("/practice 3", Private::Practice(None, ChapterArg::All)),
        ];
        for (text, want) in cases {
            let cmd = parse(text, "tutor_test_bot").unwrap();
            assert_eq!(&Private::parse(&cmd), want, "{text:?}");
        }
    }

    #[test]
    fn group_commands_are_typed() {
        let cases: &[(&str, Group)] = &[
            ("/help", Group::Help),
            ("/start", Group::Help),
            ("/quiz 2", Group::Quiz(ChapterArg::Number(2))),
            ("/round 5", Group::Round(Some(5), ChapterArg::All)),
            ("/round 2 6", Group::Round(Some(2), ChapterArg::Number(6))),
            ("/round 2 x", Group::Round(Some(2), ChapterArg::Bad)),
            ("/round x", Group::Round(None, ChapterArg::All)),
            (
                "/settings hide_typed on",
                Group::Admin(Admin::Settings(Some(Setting::HideTyped(true)))),
            ),
            (
                "/settings hide_typed off",
                Group::Admin(Admin::Settings(Some(Setting::HideTyped(false)))),
            ),
            (
                "/settings streak_bonus off",
                Group::Admin(Admin::Settings(Some(Setting::StreakBonus(false)))),
            ),
            (
                "/settings Streak_Bonus  ON",
                Group::Admin(Admin::Settings(Some(Setting::StreakBonus(true)))),
            ),
            (
                "/settings streak_bonus",
                Group::Admin(Admin::Settings(None)),
            ),
            (
                "/settings streak_bonus maybe",
                Group::Admin(Admin::Settings(None)),
            ),
            ("/settings colour on", Group::Admin(Admin::Settings(None))),
            ("/class", Group::Admin(Admin::Class { csv: false })),
            ("/class CSV", Group::Admin(Admin::Class { csv: true })),
            ("/settings", Group::Admin(Admin::Settings(None))),
            ("/top", Group::Top { all: false }),
            ("/top ALL", Group::Top { all: true }),
            ("/top 总榜", Group::Top { all: true }),
            ("/settime 30", Group::Admin(Admin::SetTime(Some(30)))),
            ("/settime -1", Group::Admin(Admin::SetTime(None))),
            ("/daily off", Group::Admin(Admin::Daily(DailyArg::Off))),
            ("/lang zh", Group::Admin(Admin::Lang(Some(Lang::Zh)))),
            ("/stats", Group::PrivateOnly),
            ("/search 服务", Group::PrivateOnly),
            ("/report on", Group::PrivateOnly),
            ("/practice order", Group::PrivateOnly),
            ("/whatever", Group::Other),
        ];
        for (text, want) in cases {
            let cmd = parse(text, "tutor_test_bot").unwrap();
            assert_eq!(&Group::parse(&cmd), want, "{text:?}");
        }
        for (word, on) in crate::app::schedule::on_off_words() {
            let hide = format!("hide_typed {word}");
            assert_eq!(
                Setting::parse(&hide),
                Some(Setting::HideTyped(on)),
                "{hide:?}"
            );
            let bonus = format!("streak_bonus {word}");
            let want = Some(Setting::StreakBonus(on));
            assert_eq!(Setting::parse(&bonus), want, "{bonus:?}");
        }
    }
}
