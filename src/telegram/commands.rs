//! Commands: the lists registered with `setMyCommands`, and parsing of incoming ones.

use crate::lang::Lang;

const PRIVATE: &[(&str, &str, &str)] = &[
    ("start", "开始使用", "Start"),
    ("help", "帮助与全部命令", "Help and all commands"),
    (
        "quiz",
        "练一题；/quiz 3 练第三章",
        "A question; /quiz 3 for chapter 3",
    ),
    (
        "review",
        "复习到期和答错的题",
        "Review what is due or was wrong",
    ),
    ("chapters", "章节与进度", "Chapters and progress"),
    ("read", "阅读教材；/read 1", "Read the guide; /read 1"),
    ("stats", "学习统计与图表", "Statistics and chart"),
    (
        "daily",
        "每日一题；/daily 08:30，/daily off",
        "Daily question; /daily 08:30, /daily off",
    ),
    (
        "tz",
        "时区；/tz Asia/Shanghai",
        "Time zone; /tz Europe/Berlin",
    ),
    (
        "lang",
        "界面语言；/lang zh 或 /lang en",
        "Language; /lang en or /lang zh",
    ),
    ("export", "导出我的数据", "Export my data"),
    ("forget", "删除我的数据", "Delete my data"),
];

const GROUP: &[(&str, &str, &str)] = &[
    (
        "quiz",
        "出一道群题；/quiz 3 出第三章",
        "Post a question; /quiz 3 for chapter 3",
    ),
    (
        "round",
        "连续出 N 题；/round 5",
        "A round of N questions; /round 5",
    ),
    (
        "reveal",
        "公布答案（出题人或管理员）",
        "Reveal now (starter or admin)",
    ),
    (
        "top",
        "本周排行；/top all 总排行",
        "This week's leaderboard; /top all",
    ),
    (
        "daily",
        "每日群题（管理员）；/daily 20:00",
        "Daily group question (admins)",
    ),
    (
        "settime",
        "答题时限（管理员）；/settime 60",
        "Time limit (admins); /settime 60",
    ),
    ("tz", "群时区（管理员）", "Group time zone (admins)"),
    (
        "lang",
        "群语言（管理员）；/lang en",
        "Group language (admins)",
    ),
    ("help", "帮助", "Help"),
];

/// `(command, description)` for a language and chat kind.
pub fn list(lang: Lang, group: bool) -> Vec<(&'static str, &'static str)> {
    let table = if group { GROUP } else { PRIVATE };
    table
        .iter()
        .map(|&(c, zh, en)| (c, lang.pick(zh, en)))
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn lists_fit_telegram() {
        for lang in [Lang::Zh, Lang::En] {
            for group in [false, true] {
                for (c, d) in list(lang, group) {
                    assert!((1..=32).contains(&c.len()));
                    assert!((1..=256).contains(&d.chars().count()));
                }
            }
        }
    }
}
