//! Parsing of incoming commands (their lists, for `/help` and `setMyCommands`, are in
//! the catalogue: `view::catalogue::commands`).

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
}
