//! The catalogue: every user-facing text of the tutor, in Chinese and English, in
//! one place. Fixed texts are [`Say`]; texts with values are the functions below.
//! The layout of documents (which text goes where, bold or quoted) is in the other
//! `view` modules; the words are here.

use chrono::{NaiveDate, NaiveTime};

use crate::bank::Kind;
use crate::lang::Lang;
use crate::learn::{Invalid, Outcome, StreakChange};

use super::Front;

/// Fixed texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Say {
    Explanation,
    Missed,
    WronglyChosen,
    ReadSection,
    Next,
    StatsTitle,
    ChaptersTitle,
    Practise,
    PractiseChapter,
    Commands,
    StartPractice,
    NextChapter,
    Submit,
    NothingToReview,
    NoOpenQuestion,
    ReplyToOlder,
    OnlyThisOne,
    UnknownCommand,
    TextOnly,
    CardClosed,
    Invalid,
    AlreadyAnswered,
    ChooseFirst,
    Deleted,
    Cancelled,
    DeletedAll,
    CancelledNothingDeleted,
    ForgetConfirm,
    ForgetQuestion,
    Cancel,
    ExportCaption,
    GroupOnly,
    LangUsage,
    LangSet,
    TooFast,
    TooManyAnswers,
    TooManyMessages,
    Right,
    Wrong,
    GroupWrong,
    GroupAlreadyAnswered,
    GroupCardClosed,
    GroupQuizUsage,
    NothingOpen,
    RevealNotAllowed,
    AdminsSetTime,
    AdminsDaily,
    AdminsZone,
    AdminsLang,
    AdminsSettings,
    AdminsClass,
    ClassEmpty,
    UploadNotAllowed,
    UploadWrongType,
    UploadTooBig,
    UploadFailed,
    UploadReading,
    GroupLangSet,
    QuestionOpen,
    RoundRunning,
    RevealAnswer,
    NobodyAnswered,
    RoundOver,
    NobodyThisRound,
    NoPointsYet,
    WeeklyReset,
    GroupDailyUsage,
    GroupDailyStopped,
    GroupDailyFirst,
    GroupIntro,
    CannotSave,
    DailyStopped,
    RemindUsage,
    SubscribeFirst,
    RemindOn,
    RemindOff,
    DailyUsage,
    DailyNone,
    // The terminal's own lines.
    ReadAfterAnswering,
    QuestionGone,
    NoSectionText,
    AfterSection,
    AfterVerdict,
    AfterVerdictHint,
    NothingToPractise,
    AllChapters,
    ReviewScope,
    SwitchedToAll,
    // Issue 19: the wrong-answer book, favourites, search.
    StarButton,
    UnstarButton,
    StarredToast,
    UnstarredToast,
    MistakesTitle,
    MistakesRule,
    MistakesEmpty,
    MistakesCleared,
    PractiseAll,
    StarredTitle,
    StarredEmpty,
    SearchUsage,
    SearchTooLong,
    SearchStale,
    SearchQuestions,
    SearchSections,
    NoSuchQuestion,
    TerminalPractiseMistakes,
    TerminalPractiseStarred,
    TerminalStarFirst,
    StudyHead,
    PracticeUsage,
    TerminalOpenResult,
    TerminalNoSuchResult,
}

impl Say {
    pub fn text(self, lang: Lang) -> &'static str {
        use Say::*;
        let (zh, en) = match self {
            Explanation => ("解析", "Explanation"),
            Missed => ("漏选：", "Missed: "),
            WronglyChosen => ("错选：", "Wrongly chosen: "),
            ReadSection => ("📖 阅读本节", "📖 Read section"),
            Next => ("下一题 ▶", "Next ▶"),
            StatsTitle => ("📊 学习统计", "📊 Statistics"),
            ChaptersTitle => ("📚 章节", "📚 Chapters"),
            Practise => ("练习", "Practise"),
            PractiseChapter => ("练习本章", "Practise this chapter"),
            Commands => ("命令", "Commands"),
            StartPractice => ("开始练习 ▶", "Start ▶"),
            NextChapter => ("下一章 ▶", "Next chapter ▶"),
            Submit => ("提交", "Submit"),
            NothingToReview => (
                "🎉 没有需要复习的题。发送 /quiz 继续练习。",
                "🎉 Nothing to review. Send /quiz to practise.",
            ),
            OnlyThisOne => (
                "这个范围里没有别的题了，再练一次这道。",
                "Nothing else to ask in this scope: this one again.",
            ),
            ReplyToOlder => (
                "最近的一题已经答过了。要回答更早的题，请回复（引用）那道题。",
                "The latest question is answered. To answer an earlier one, reply to it.",
            ),
            NoOpenQuestion => (
                "现在没有待答的题。发送 /quiz 练一题，/help 查看命令。",
                "No open question. Send /quiz for one, /help for commands.",
            ),
            UnknownCommand => (
                "没有这个命令。发送 /help 查看全部命令。",
                "Unknown command. Send /help for the list.",
            ),
            TextOnly => (
                "我只看得懂文字：回复选项字母作答，或发送 /quiz 练一题、/help 查看命令。",
                "I read text only: reply with letters to answer, /quiz for a question, /help for commands.",
            ),
            CardClosed => ("这道题已结束", "This question is closed"),
            Invalid => ("无效操作", "Invalid action"),
            AlreadyAnswered => ("你已经作答过了", "You already answered"),
            ChooseFirst => (
                "请先点选选项，再按提交",
                "Choose options first, then submit",
            ),
            Deleted => ("已删除", "Deleted"),
            Cancelled => ("已取消", "Cancelled"),
            DeletedAll => (
                "🗑 你的数据已全部删除。发送 /start 可以重新开始。",
                "🗑 All your data is deleted. /start begins again.",
            ),
            CancelledNothingDeleted => ("已取消，数据未删除。", "Cancelled; nothing deleted."),
            ForgetConfirm => ("确认删除", "Delete"),
            ForgetQuestion => (
                "确定要删除你的全部学习数据吗？进度、统计和连续天数都会清空，且无法恢复。",
                "Delete all your data? Progress, statistics and streaks are erased for good.",
            ),
            Cancel => ("取消", "Cancel"),
            ExportCaption => ("你的全部学习数据（JSON）。", "All your data (JSON)."),
            GroupOnly => (
                "这个命令在学习群里使用。",
                "This command works in study groups.",
            ),
            LangUsage => ("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en"),
            LangSet => ("界面语言：中文", "Language: English"),
            TooFast => ("操作太快了，请稍等。", "Too fast; please wait."),
            TooManyAnswers => (
                "太多人同时作答，请再点一次。",
                "Too many answers at once; please tap again.",
            ),
            TooManyMessages => (
                "消息太多了，请稍等片刻再试。",
                "Too many messages; please wait a moment.",
            ),
            Right => ("✅ 正确", "✅ Correct"),
            Wrong => ("❌ 错误", "❌ Wrong"),
            GroupCardClosed => ("这道题已结束。", "This question is closed."),
            GroupQuizUsage => (
                "用法：/quiz 或 /quiz 3（章节号）",
                "Usage: /quiz or /quiz 3 (a chapter)",
            ),
            NothingOpen => ("现在没有进行中的题。", "No question is open."),
            RevealNotAllowed => (
                "仅出题人或管理员可以提前公布答案。",
                "Only whoever started it or an admin can reveal early.",
            ),
            AdminsSetTime => (
                "仅管理员可以修改答题时限。",
                "Only admins can change the time limit.",
            ),
            AdminsDaily => (
                "仅管理员可以设置每日群题。",
                "Only admins can set the daily question.",
            ),
            AdminsZone => (
                "仅管理员可以修改群时区。",
                "Only admins can change the time zone.",
            ),
            AdminsSettings => (
                "只有管理员可以修改群设置。",
                "Only admins can change the group's settings.",
            ),
            AdminsClass => (
                "只有管理员可以查看班级报告。",
                "Only admins can see the class report.",
            ),
            ClassEmpty => (
                "本群还没有人答过题。",
                "Nobody has answered in this group yet.",
            ),
            UploadNotAllowed => (
                "我只看得懂文字，不读文件：上传题库只对本机器人的运营者开放。回复选项字母作答，或发送 /quiz 练一题。",
                "I read text only, not files: uploading a bank is for the bot's operators. Reply with letters to answer, or /quiz for a question.",
            ),
            UploadWrongType => (
                "无法读取这种文件。请发送 .docx、.xlsx、.xls、.ods、.csv 或 .txt 文件。",
                "Cannot read this kind of file. Send a .docx, .xlsx, .xls, .ods, .csv or .txt file.",
            ),
            UploadTooBig => (
                "文件超过 5 MB，请拆分后再发送。",
                "The file is over 5 MB: split it and send the parts.",
            ),
            UploadFailed => (
                "下载或保存文件失败，请稍后再试。",
                "Downloading or saving the file failed; please try again later.",
            ),
            UploadReading => ("📥 收到，正在导入…", "📥 Got it, importing…"),
            AdminsLang => (
                "仅管理员可以修改群语言。",
                "Only admins can change the language.",
            ),
            GroupLangSet => ("群语言：中文", "Group language: English"),
            QuestionOpen => (
                "已经有一道题在进行中，请先作答或等待公布答案。",
                "A question is already open: answer it or wait for the reveal.",
            ),
            RoundRunning => ("一轮题目正在进行中。", "A round is running."),
            RevealAnswer => ("正确答案：", "answer: "),
            NobodyAnswered => ("这道题无人作答。", "Nobody answered."),
            RoundOver => ("🏆 本轮结束！", "🏆 Round over!"),
            NobodyThisRound => ("这一轮没有人作答。", "Nobody answered this round."),
            NoPointsYet => (
                "还没有得分。发送 /quiz 开始！",
                "No points yet. Send /quiz to start!",
            ),
            WeeklyReset => (
                "\n\n每周一 00:00 重新计分；/top all 查看总排行。",
                "\n\nResets Monday 00:00; /top all for all time.",
            ),
            GroupDailyUsage => (
                "用法：/daily 20:00 每天出题，/daily reveal 22:00 公布时间（默认出题后两小时），/daily off 取消。",
                "Usage: /daily 20:00 posts daily, /daily reveal 22:00 sets the reveal (default: two hours later), /daily off stops it.",
            ),
            GroupDailyStopped => ("已取消每日群题。", "Daily group question stopped."),
            GroupDailyFirst => (
                "请先用 /daily HH:MM 设置每日群题。",
                "Set the daily question first: /daily HH:MM.",
            ),
            GroupIntro => (
                "大家好！我是练习助手，陪大家一起刷题。\n\n\
         /quiz 出一道题：点按钮或回复题目作答，每人一次，对错只有自己看得到；时间到后公布答案和得分。\n\
         /round 5 连续 5 题，最后颁奖；/top 本周排行；/reveal 提前公布（出题人或管理员）。\n\
         每日群题、时区、答题时限、群设置仅管理员可以设置：/daily 20:00、/tz、/settime 60、/settings。",
                "Hello! I run quizzes for this group.\n\n\
         /quiz posts a question: tap a button or reply to it, once each; only you see whether you were right, until the reveal when time is up.\n\
         /round 5 for five in a row with a podium; /top for the leaderboard; /reveal to reveal early (starter or admins).\n\
         Only admins change settings: /daily 20:00, /tz, /settime 60, /settings.",
            ),
            CannotSave => (
                "暂时无法保存，请稍后再试。",
                "Can't save right now; please try again in a little while.",
            ),
            DailyStopped => ("已取消每日一题。", "Daily question stopped."),
            RemindUsage => ("用法：/daily remind on|off", "Usage: /daily remind on|off"),
            SubscribeFirst => (
                "请先用 /daily 08:30 或 /daily on 订阅每日一题。",
                "Subscribe first: /daily 08:30, or /daily on.",
            ),
            DailyNone => ("还没有订阅每日一题。", "No daily question yet."),
            RemindOn => (
                "已开启连续学习提醒：连续 3 天以上、当天 21:00 前还没练习时提醒你一次。",
                "Streak reminder on: one nudge at 21:00 if you have a 3+ day streak and haven't practised.",
            ),
            RemindOff => ("已关闭连续学习提醒。", "Streak reminder off."),
            DailyUsage => (
                "用法：/daily 08:30（24 小时制），/daily on（默认 09:00），/daily off 取消，/daily remind on|off 连续学习提醒。",
                "Usage: /daily 08:30 (24-hour), /daily on (09:00 by default), /daily off to stop, /daily remind on|off for the streak reminder.",
            ),
            GroupWrong => (
                "❌ 错误。公布答案时可以看到解析。",
                "❌ Wrong. The reveal explains why.",
            ),
            GroupAlreadyAnswered => (
                "你已经作答过了，以第一次作答为准。",
                "You already answered; your first answer counts.",
            ),
            ReadAfterAnswering => (
                "先作答；看完解析后可用 r 阅读本节全文。",
                "Answer first; after the verdict, r reads the section.",
            ),
            QuestionGone => (
                "这道题已失效，换一道。",
                "This question is gone; here is another.",
            ),
            NoSectionText => (
                "本题没有对应的教材原文。",
                "This question has no section text.",
            ),
            AfterSection => ("回车 下一题 · q 退出", "Enter: next · q: quit"),
            AfterVerdict => (
                "回车 下一题 · r 阅读本节全文 · s 统计 · q 退出",
                "Enter: next · r: read the section · s: statistics · q: quit",
            ),
            AfterVerdictHint => (
                "按回车进入下一题，r 阅读本节全文，? 查看帮助",
                "Press Enter for the next question, r to read the section, ? for help",
            ),
            NothingToPractise => ("没有可练的题目。", "Nothing to practise."),
            AllChapters => ("全部章节", "all chapters"),
            ReviewScope => ("复习到期和答错的题", "due reviews and wrong answers"),
            SwitchedToAll => ("已切换到全部章节。", "Switched to all chapters."),
            StarButton => ("☆ 收藏", "☆ Star"),
            UnstarButton => ("★ 已收藏", "★ Starred"),
            StarredToast => ("★ 已收藏，/starred 查看", "★ Starred; /starred lists them"),
            UnstarredToast => ("已取消收藏", "Unstarred"),
            MistakesTitle => ("📕 错题本", "📕 Wrong-answer book"),
            MistakesRule => (
                "答错的题记在这里；连续答对两次即移出错题本。",
                "Questions you answered wrong stay here until you answer them right twice in a row.",
            ),
            MistakesEmpty => (
                "📕 错题本是空的。答错的题会记在这里，连续答对两次后移出。",
                "📕 Your wrong-answer book is empty. A question you answer wrong goes in, and leaves after two right answers in a row.",
            ),
            MistakesCleared => (
                "🎉 错题本里没有要练的题了（连续答对两次的题会移出）。",
                "🎉 Nothing left to practise in the book (a question leaves it after two right answers in a row).",
            ),
            PractiseAll => ("练习全部 ▶", "Practise all ▶"),
            StarredTitle => ("⭐ 收藏夹", "⭐ Starred"),
            StarredEmpty => (
                "⭐ 还没有收藏的题。答题后点 ☆ 收藏 即可收藏。",
                "⭐ Nothing starred yet. Tap ☆ Star under a verdict.",
            ),
            SearchUsage => (
                "用法：/search 关键词（几个关键词用空格分开，须都出现）",
                "Usage: /search keyword (several keywords separated by spaces must all occur)",
            ),
            SearchTooLong => (
                "关键词太长了：最多 40 个字、5 个词。",
                "That search is too long: at most 40 characters and 5 keywords.",
            ),
            SearchStale => (
                "这是之前的搜索，请重新搜索。",
                "That was an earlier search; please search again.",
            ),
            SearchQuestions => ("题目", "Questions"),
            SearchSections => ("教材", "Guide"),
            NoSuchQuestion => ("题库里没有这道题。", "The bank has no such question."),
            TerminalPractiseMistakes => (
                "输入 pm 练习错题本（pm 3 只练第三章），c 0 回到全部章节。",
                "Type pm to practise the book (pm 3: chapter 3 only), c 0 for all chapters.",
            ),
            TerminalPractiseStarred => (
                "输入 ps 练习收藏的题（ps 3 只练第三章），c 0 回到全部章节。",
                "Type ps to practise your starred questions (ps 3: chapter 3 only), c 0 for all chapters.",
            ),
            StudyHead => ("📖 背题", "📖 Study"),
            TerminalOpenResult => (
                "输入 open N 打开第 N 条：练习该题，或阅读该节。",
                "Type open N to open result N: practise the question, or read the section.",
            ),
            TerminalNoSuchResult => (
                "没有这一条搜索结果：先 search 关键词，再 open N（N 是结果的序号）。",
                "No such search result: search first, then open N (N is the result's number).",
            ),
            PracticeUsage => (
                "用法：/practice order 按题库顺序练习（从上次停下的地方继续），/practice random 随机练习（练完才重复）；加章节号只练一章，如 /practice order 3。",
                "Usage: /practice order goes through the bank in order (on from where you left off), /practice random at random (no repeats until all are done); add a chapter for one chapter, e.g. /practice order 3.",
            ),
            TerminalStarFirst => (
                "看完解析后输入 star 收藏本题。",
                "Type star after a verdict to star its question.",
            ),
        };
        lang.pick(zh, en)
    }
}

const CHINESE_NUMERALS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// `第三章` / `Chapter 3`.
pub fn chapter_label(n: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第{}章", zh_number(n)),
        Lang::En => format!("Chapter {n}"),
    }
}

/// `第三章 标题`, as the terminal names a chapter (the numerals of [`chapter_label`]).
pub fn chapter_name(n: u8, title: &str) -> String {
    format!("{} {title}", chapter_label(n, Lang::Zh))
        .trim_end()
        .to_string()
}

pub(crate) fn zh_number(n: u8) -> String {
    let digit = |d: u8| CHINESE_NUMERALS[usize::from(d % 10)];
    let units = |d: u8| if d == 0 { "" } else { digit(d) };
    match n {
        0..=9 => digit(n).to_string(),
        10..=19 => format!("十{}", units(n % 10)),
        20..=99 => format!("{}十{}", digit(n / 10), units(n % 10)),
        _ => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", digit(rest)),
                _ => format!("{}十{}", digit(rest / 10), units(rest % 10)),
            };
            format!("{}百{tail}", digit(n / 100))
        }
    }
}

pub fn kind_label(kind: Kind, lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => kind.label_en(),
    }
}

/// `对` / `错` as an answer.
pub fn judge(value: bool, lang: Lang) -> &'static str {
    match (value, lang) {
        (true, Lang::Zh) => "对",
        (true, Lang::En) => "true (对)",
        (false, Lang::Zh) => "错",
        (false, Lang::En) => "false (错)",
    }
}

/// How to answer a card: the italic line under a chat card (buttons or letters), or
/// the line under a terminal card (typed letters, `?` for help).
pub fn card_hint(kind: Kind, lang: Lang, front: Front) -> &'static str {
    match (front, kind, lang) {
        (Front::Chat, Kind::Multi, Lang::Zh) => {
            "点选所有正确选项后按「提交」，或直接回复字母（如 BD）。"
        }
        (Front::Chat, Kind::Multi, Lang::En) => {
            "Tap every right option, then Submit; or reply with letters (e.g. BD)."
        }
        (Front::Chat, Kind::Judge, Lang::Zh) => "点按钮或回复 对 / 错。",
        (Front::Chat, Kind::Judge, Lang::En) => "Tap a button or reply 对 (true) / 错 (false).",
        (Front::Chat, _, Lang::Zh) => "点按钮或回复字母作答。",
        (Front::Chat, _, Lang::En) => "Tap a button or reply with a letter.",
        (Front::Terminal, Kind::Single, Lang::Zh) => "输入选项字母作答（如 B），? 查看帮助",
        (Front::Terminal, Kind::Multi, Lang::Zh) => {
            "输入所有正确选项的字母作答（如 BD），? 查看帮助"
        }
        (Front::Terminal, Kind::Judge, Lang::Zh) => "输入 对 或 错 作答（也可用 √ ×），? 查看帮助",
        (Front::Terminal, Kind::Single, Lang::En) => "Type an option letter (e.g. B); ? for help",
        (Front::Terminal, Kind::Multi, Lang::En) => {
            "Type every right option's letter (e.g. BD); ? for help"
        }
        (Front::Terminal, Kind::Judge, Lang::En) => {
            "Type 对 (true) or 错 (false) to answer (√ × work too); ? for help"
        }
    }
}

/// The one-line hint for input that is not an answer to an open card of `kind`.
pub fn not_an_answer(kind: Kind, lang: Lang, front: Front) -> &'static str {
    match (front, kind, lang) {
        (Front::Chat, Kind::Judge, Lang::Zh) => "请回复 对 或 错（也可用 √ ×）作答。",
        (Front::Chat, Kind::Judge, Lang::En) => "Reply 对 (true) or 错 (false) to answer.",
        (Front::Chat, Kind::Multi, Lang::Zh) => "请回复所有正确选项的字母作答，例如 BD。",
        (Front::Chat, Kind::Multi, Lang::En) => "Reply with every right option's letter, e.g. BD.",
        (Front::Chat, _, Lang::Zh) => "请回复一个选项字母作答，例如 B。",
        (Front::Chat, _, Lang::En) => "Reply with one option letter, e.g. B.",
        (Front::Terminal, Kind::Judge, Lang::Zh) => "输入 对 或 错 作答（也可用 √ ×），? 查看帮助",
        (Front::Terminal, Kind::Judge, Lang::En) => {
            "Type 对 (true) or 错 (false) to answer (√ × work too); ? for help"
        }
        (Front::Terminal, Kind::Multi, Lang::Zh) => {
            "请输入所有正确选项的字母作答（如 BD），? 查看帮助"
        }
        (Front::Terminal, Kind::Multi, Lang::En) => {
            "Please type every right option's letter (e.g. BD); ? for help"
        }
        (Front::Terminal, _, Lang::Zh) => "请输入一个选项字母作答（如 B），? 查看帮助",
        (Front::Terminal, _, Lang::En) => "Please type one option letter (e.g. B); ? for help",
    }
}

/// A typed reply that tried to answer and could not be read as an answer to a
/// question of `kind`: what is accepted, with an example that fits the question.
pub fn invalid_answer(why: &Invalid, kind: Kind, lang: Lang) -> String {
    let multi = kind == Kind::Multi;
    match (why, lang) {
        (Invalid::OutOfRange { letters, last }, Lang::Zh) => {
            let example = example(multi, *last);
            format!("没有选项 {letters}。请回复选项字母 A–{last}，例如 {example}。")
        }
        (Invalid::OutOfRange { letters, last }, Lang::En) => {
            let example = example(multi, *last);
            format!("There is no option {letters}. Reply with option letters A–{last}, e.g. {example}.")
        }
        (Invalid::JudgeOnChoice, _) if multi => lang
            .pick(
                "这是多选题，请回复所有正确选项的字母，例如 BD。",
                "This is a multiple-choice question: reply with every right option's letter, e.g. BD.",
            )
            .into(),
        (Invalid::JudgeOnChoice, _) => lang
            .pick(
                "这是单选题，请回复一个选项字母，例如 B。",
                "This is a single-choice question: reply with one option letter, e.g. B.",
            )
            .into(),
        (Invalid::ChoiceOnJudge, _) => lang
            .pick(
                "这是判断题，请回复 对 或 错（也可用 √ ×）。",
                "This is a true/false question: reply 对 (true) or 错 (false) (also T / F, √ / ×).",
            )
            .into(),
        (Invalid::SingleNeedsOne, _) => lang
            .pick(
                "这是单选题，请只回复一个字母，例如 B。",
                "This is a single-choice question: reply with one letter, e.g. B.",
            )
            .into(),
    }
}

/// An example answer within A–`last`: one letter, or two for a multiple choice.
fn example(multi: bool, last: char) -> &'static str {
    match (multi, last >= 'D') {
        (false, _) => "B",
        (true, true) => "BD",
        (true, false) => "AB",
    }
}

/// The line under a group card: time limit and the live answer count.
pub fn group_card_line(limit_secs: u32, answered: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("⏱ {limit_secs} 秒 · 已作答 {answered} 人"),
        Lang::En => format!("⏱ {limit_secs} s · {answered} answered"),
    }
}

pub fn verdict_head(outcome: Outcome, lang: Lang) -> &'static str {
    match (outcome, lang) {
        (Outcome::Right, Lang::Zh) => "回答正确！",
        (Outcome::Right, Lang::En) => "Correct!",
        (Outcome::Incomplete, Lang::Zh) => "答案不完整",
        (Outcome::Incomplete, Lang::En) => "Incomplete",
        (Outcome::Wrong, Lang::Zh) => "回答错误",
        (Outcome::Wrong, Lang::En) => "Wrong",
    }
}

/// `你的答案：` / `正确答案：` labels.
pub fn your_answer(lang: Lang) -> &'static str {
    lang.pick("你的答案：", "Your answer: ")
}

pub fn right_answer(lang: Lang) -> &'static str {
    lang.pick("正确答案：", "Right answer: ")
}

/// The streak line under a verdict (empty on a second answer the same day).
pub fn streak_line(change: StreakChange, days: u32, lang: Lang) -> String {
    match (change, lang) {
        (StreakChange::Repaired { .. }, Lang::Zh) => {
            format!("🩹 昨天漏了一天，已为你补签（每 7 天一次）。连续学习 {days} 天")
        }
        (StreakChange::Repaired { .. }, Lang::En) => {
            format!(
                "🩹 You missed a day; it was forgiven (once per 7 days). Streak: {}",
                days_en(days)
            )
        }
        (StreakChange::SameDay, _) => String::new(),
        (_, Lang::Zh) => format!("🔥 连续学习 {days} 天"),
        (_, Lang::En) => format!("🔥 Streak: {}", days_en(days)),
    }
}

/// The figures of `/stats` above the chapters.
pub fn stats_summary(s: &crate::learn::Stats, lang: Lang) -> String {
    let forecast: Vec<String> = s.due_forecast.iter().map(|(_, n)| n.to_string()).collect();
    let forecast = forecast.join(" · ");
    let recall = s
        .average_retrievability
        .map_or_else(|| "—".to_string(), |r| format!("{:.0}%", r * 100.0));
    // No answers, no accuracy (not 0%).
    let accuracy = match (s.answered, lang) {
        (0, Lang::Zh) => "暂无".to_string(),
        (0, Lang::En) => "none yet".to_string(),
        _ => format!("{:.0}%", s.accuracy() * 100.0),
    };
    match lang {
        Lang::Zh => format!(
            "已答：{} 题\n答对：{} 题\n正确率：{accuracy}\n连续学习：{} 天（最佳 {} 天）\n待复习：{} 题 · 错题：{} 题 · 未学：{} 题\n未来 7 天到期（从今天起）：{forecast}\n平均回忆概率：{recall}\n\n",
            s.answered, s.right, s.streak, s.best_streak, s.due_now, s.wrong, s.unseen
        ),
        Lang::En => format!(
            "已答：{} 题 (answered)\n答对：{} 题 (right)\nAccuracy: {accuracy}\nStreak: {} (best {})\nDue now: {} · Wrong-answer book: {} · New: {}\nDue in the next 7 days (from today): {forecast}\nAverage recall probability: {recall}\n\n",
            s.answered,
            s.right,
            days_en(s.streak),
            days_en(s.best_streak),
            s.due_now,
            s.wrong,
            s.unseen
        ),
    }
}

/// `1 day`, `3 days`.
fn days_en(n: u32) -> String {
    match n {
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

/// One chapter's line of `/stats`.
pub fn stats_chapter(c: &crate::learn::ChapterStats, title: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{} {}：答 {} · 对 {} · 掌握 {}/{} 题\n",
            chapter_label(c.number, lang),
            title,
            c.answered,
            c.right,
            c.mastered,
            c.total
        ),
        Lang::En => format!(
            "Ch. {} {}: answered {} · right {} · mastered {}/{}\n",
            c.number, title, c.answered, c.right, c.mastered, c.total
        ),
    }
}

/// What `/stats`' 掌握 means, under the chapters.
pub fn mastered_means(lang: Lang) -> &'static str {
    lang.pick(
        "\n掌握：已连续答对、进入复习阶段，且现在记住的概率不低于 90% 的题。",
        "\nMastered: answered right until it reached review, and recalled now with a probability of at least 90%.",
    )
}

/// A chapter's line of `/chapters`: how many of its questions were practised.
pub fn chapters_line(label: &str, title: &str, seen: usize, total: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{label} {title} — 已练 {seen}/{total} 题\n"),
        Lang::En => format!("{label} {title} — practised {seen}/{total}\n"),
    }
}

/// `🎉 … 下一题到期：{at}。…`, with the local time already formatted.
pub fn nothing_due_until(at: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("🎉 没有需要复习的题了。下一题到期：{at}。发送 /quiz 继续练新题。"),
        Lang::En => {
            format!("🎉 Nothing to review. Next one due: {at}. Send /quiz for new questions.")
        }
    }
}

/// The welcome of `/start`, with the learner's name.
pub fn welcome(lang: Lang, first_name: &str) -> String {
    match lang {
        Lang::Zh => format!(
            "你好，{first_name}！我是《客户服务管理师基础理论》练习助手。\n\n\
             • /quiz 练一题（/quiz 3 练第三章）\n\
             • /review 复习到期和答错的题\n\
             • /read 1 阅读第一章\n\
             • /chapters 章节与进度 · /stats 学习统计\n\
             • /daily 08:30 每天定时推送一题\n\n\
             点按钮或直接回复字母（如 BD、对、×）作答；每题都有解析和教材原文。\n\
             /help 查看全部命令。"
        ),
        Lang::En => format!(
            "Hi {first_name}! I help you practise for the 客户服务管理师 certificate.\n\n\
             • /quiz a question (/quiz 3 for chapter 3)\n\
             • /review what is due or was wrong\n\
             • /read 1 read chapter 1\n\
             • /chapters progress · /stats statistics\n\
             • /daily 08:30 a question every day\n\n\
             Tap a button or reply with letters (BD, 对, ×). Every answer comes with an explanation \
             and the guide's text. /help lists all commands."
        ),
    }
}

/// The one-tap subscription button of `/start`.
pub fn subscribe_button(time: NaiveTime, lang: Lang) -> String {
    let hhmm = time.format("%H:%M");
    match lang {
        Lang::Zh => format!("⏰ 订阅每日一题（{hhmm}）"),
        Lang::En => format!("⏰ Daily question at {hhmm}"),
    }
}

/// `/quiz` with a chapter the bank doesn't have.
/// `/read N` for a chapter the bank does not have (the list follows).
pub fn no_such_chapter(n: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("没有第 {n} 章。"),
        Lang::En => format!("There is no chapter {n}."),
    }
}

pub fn chapter_usage(max: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("请输入章节号 1–{max}，例如 /quiz 3。"),
        Lang::En => format!("Chapter number 1–{max}, e.g. /quiz 3."),
    }
}

/// A private daily subscription confirmed: time, zone and the next send (local).
pub fn daily_subscribed(hhmm: &str, zone: &str, next: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "⏰ 已订阅每日一题：每天 {hhmm}（{zone}）。\n下一题：{next}\n/daily off 取消，/tz 修改时区。"
        ),
        Lang::En => format!(
            "⏰ Daily question at {hhmm} ({zone}).\nNext one: {next}\n/daily off stops it, /tz changes the zone."
        ),
    }
}

/// A learner's `/daily`: the time, the zone, the next send (local) and the usage.
pub fn daily_status(hhmm: &str, zone: &str, next: &str, usage: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("⏰ 每日一题：每天 {hhmm}（{zone}）。\n下一题：{next}\n{usage}"),
        Lang::En => format!("⏰ Daily question at {hhmm} ({zone}).\nNext one: {next}\n{usage}"),
    }
}

/// `/tz` without a zone it knows: the current one and the usage.
pub fn current_zone(zone: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "当前时区：{zone}。用法：/tz Asia/Shanghai（IANA 时区名；也可以写 北京、东京、UTC+8）"
        ),
        Lang::En => format!(
            "Current zone: {zone}. Usage: /tz Europe/Berlin (an IANA zone name; Beijing or UTC+8 work too)"
        ),
    }
}

/// `/tz` with something that is not a zone.
pub fn zone_unknown(current: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "没有识别出这个时区。请用 IANA 时区名，如 /tz Asia/Shanghai、/tz Europe/Berlin；也可以写 北京、东京、UTC+8。当前时区：{current}。"
        ),
        Lang::En => format!(
            "That is not a time zone I know. Use an IANA zone name such as /tz Europe/Berlin or /tz Asia/Shanghai; Beijing or UTC+8 work too. Current zone: {current}."
        ),
    }
}

/// A new zone, its local time now, and the daily question's time and next send in it.
pub fn zone_set(zone: &str, local_now: &str, daily: Option<(&str, &str)>, lang: Lang) -> String {
    let daily = match (daily, lang) {
        (None, _) => String::new(),
        (Some((time, next)), Lang::Zh) => format!("\n每日一题：每天 {time}，下一题：{next}。"),
        (Some((time, next)), Lang::En) => format!("\nDaily question at {time}; next one {next}."),
    };
    match lang {
        Lang::Zh => format!("时区已设为 {zone}（当地时间 {local_now}）。{daily}"),
        Lang::En => format!("Time zone set to {zone} (local time {local_now}).{daily}"),
    }
}

/// The head of a learner's daily question card, with its local day.
pub fn daily_card_head(day: chrono::NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    match lang {
        Lang::Zh => format!("📅 每日一题 · {}月{}日", day.month(), day.day()),
        Lang::En => format!("📅 Daily question · {}", day.format("%b %-d")),
    }
}

/// A time of the next day (a reveal set before the question's time).
pub fn next_day(hhmm: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("次日 {hhmm}"),
        Lang::En => format!("{hhmm} the next day"),
    }
}

/// The toast of a right group answer, with its points.
pub fn group_right(points: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("✅ 正确！+{points} 分"),
        Lang::En => format!("✅ Correct! +{points} points"),
    }
}

/// The toast of a multi card's toggle.
pub fn chosen(letters: &str, lang: Lang) -> String {
    format!("{}{letters}", lang.pick("已选：", "Chosen: "))
}

// ---- issue 19: the wrong-answer book, favourites, search ----------------------------

/// One question of `/mistakes`: its stem (cut), wrong answers, right ones in a row.
pub fn book_line(stem: &str, wrong: u32, right_since: u32, lang: Lang) -> String {
    let need = crate::learn::LEAVE_AFTER;
    match lang {
        Lang::Zh => format!("• {stem}\n  错 {wrong} 次 · 已连对 {right_since}/{need}\n"),
        Lang::En => format!("• {stem}\n  wrong {wrong}× · right in a row {right_since}/{need}\n"),
    }
}

/// One question of `/starred`.
pub fn starred_line(stem: &str) -> String {
    format!("• {stem}\n")
}

/// A chapter's head in `/mistakes` and `/starred`: `第一章 测试章（3 题）`.
pub fn set_chapter_head(label: &str, title: &str, n: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{label} {title}（{n} 题）"),
        Lang::En => format!("{label} {title} ({n})"),
    }
}

/// The "practise these" button of one chapter.
pub fn practise_chapter_button(label: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("练习{label}"),
        Lang::En => format!("Practise {label}"),
    }
}

/// The head of a page of search results.
pub fn search_head(query: &str, found: usize, page: usize, pages: usize, lang: Lang) -> String {
    match (lang, pages) {
        (Lang::Zh, 1) => format!("🔍 “{query}”：找到 {found} 条"),
        (Lang::Zh, _) => format!("🔍 “{query}”：找到 {found} 条（第 {page}/{pages} 页）"),
        (Lang::En, 1) => format!("🔍 “{query}”: {found} found"),
        (Lang::En, _) => format!("🔍 “{query}”: {found} found (page {page}/{pages})"),
    }
}

/// A search that found nothing.
pub fn search_none(query: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("🔍 没有找到“{query}”。换个关键词试试，或用空格分开几个词。"),
        Lang::En => format!("🔍 Nothing found for “{query}”. Try other keywords."),
    }
}

/// The button opening search result `n` to practise it.
pub fn open_result_button(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("练习 {n}"),
        Lang::En => format!("Practise {n}"),
    }
}

/// The line before a `/practice` card: the mode, the scope (`None`: every chapter)
/// and where the walk is.
pub fn practice_head(
    mode: crate::learn::Mode,
    chapter: Option<u8>,
    done: usize,
    total: usize,
    lang: Lang,
) -> String {
    let scope = match chapter {
        Some(n) => chapter_label(n, lang),
        None => Say::AllChapters.text(lang).to_string(),
    };
    let n = done + 1;
    match (mode, lang) {
        (crate::learn::Mode::Order, Lang::Zh) => format!("▶ 顺序练习 · {scope}：第 {n}/{total} 题"),
        (crate::learn::Mode::Order, Lang::En) => {
            format!("▶ In order · {scope}: question {n} of {total}")
        }
        (crate::learn::Mode::Random, Lang::Zh) => {
            format!("🎲 随机练习 · {scope}：本轮第 {n}/{total} 题")
        }
        (crate::learn::Mode::Random, Lang::En) => {
            format!("🎲 At random · {scope}: question {n} of {total} this round")
        }
    }
}

/// A `/practice` walk went through its whole scope and begins again.
pub fn practice_restart(chapter: Option<u8>, lang: Lang) -> &'static str {
    match chapter {
        Some(_) => lang.pick(
            "🔁 已练完本章全部题目，重新开始。",
            "🔁 You have been through every question of this chapter; starting again.",
        ),
        None => lang.pick(
            "🔁 已练完全部题目，重新开始。",
            "🔁 You have been through every question; starting again.",
        ),
    }
}

/// `/stats`' line of study mode.
pub fn studied_line(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n背题模式已看：{n} 题（不计分）"),
        Lang::En => format!("\nSeen in study mode: {n} (not graded)"),
    }
}

/// The button opening search result `n` (a section) to read it.
pub fn read_result_button(n: usize) -> String {
    format!("📖 {n}")
}

const PRIVATE_COMMANDS: &[(&str, &str, &str)] = &[
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
        "exam",
        "模拟考试；/exam history 成绩记录",
        "Mock exam; /exam history for results",
    ),
    (
        "mistakes",
        "错题本：答错的题，连续答对两次移出",
        "Wrong-answer book: wrong until right twice in a row",
    ),
    ("starred", "收藏的题", "Starred questions"),
    (
        "study",
        "背题：看题目和答案，不计分；/study 3",
        "Study: questions with their answers, not graded; /study 3",
    ),
    (
        "practice",
        "顺序或随机练习；/practice order 3，/practice random",
        "Practise in order or at random; /practice order 3, /practice random",
    ),
    (
        "search",
        "搜题；/search 关键词",
        "Search the bank; /search keyword",
    ),
    (
        "daily",
        "每日一题；/daily 08:30，/daily off",
        "Daily question; /daily 08:30, /daily off",
    ),
    (
        "report",
        "每周学习报告；/report on，/report now",
        "Weekly report; /report on, /report now",
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

const GROUP_COMMANDS: &[(&str, &str, &str)] = &[
    (
        "quiz",
        "出一道群题；/quiz 3 出第三章",
        "Post a question; /quiz 3 for chapter 3",
    ),
    (
        "round",
        "连续出 N 题；/round 5，/round 5 3 只出第三章",
        "A round of N questions; /round 5, /round 5 3 for chapter 3",
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
        "settings",
        "群设置（管理员）；/settings hide_typed on 删除回复作答，/settings streak_bonus off 关闭连对加分",
        "Group settings (admins); /settings hide_typed on, /settings streak_bonus off",
    ),
    (
        "class",
        "班级报告（管理员）；/class csv 导出表格",
        "Class report (admins); /class csv for a spreadsheet",
    ),
    (
        "lang",
        "群语言（管理员）；/lang en",
        "Group language (admins)",
    ),
    ("help", "帮助", "Help"),
];

/// `(command, description)` for a language and chat kind, as `/help` lists them and
/// `setMyCommands` registers them.
pub fn commands(lang: Lang, group: bool) -> Vec<(&'static str, &'static str)> {
    let table = if group {
        GROUP_COMMANDS
    } else {
        PRIVATE_COMMANDS
    };
    table
        .iter()
        .map(|&(c, zh, en)| (c, lang.pick(zh, en)))
        .collect()
}

/// The terminal's `?`: every command (the chapters follow).
pub fn terminal_help(lang: Lang) -> &'static str {
    lang.pick(
        "命令：\n\
         \u{20} 字母        作答，如 B、BD、b,d、ＢＤ；判断题答 对 / 错（√ ×）\n\
         \u{20} 回车        （看完解析后）下一题\n\
         \u{20} r           （看完解析后）阅读本节全文\n\
         \u{20} s           学习统计\n\
         \u{20} report      学习周报（近 7 天）\n\
         \u{20} c N         只练第 N 章；c 0 练全部章节\n\
         \u{20} exam        模拟考试（exam history 成绩记录）\n\
         \u{20} mistakes    错题本（答错的题，连续答对两次移出）；pm [N] 练习错题\n\
         \u{20} star        （看完解析后）收藏或取消收藏本题\n\
         \u{20} starred     收藏夹；ps [N] 练习收藏的题\n\
         \u{20} search 词   搜索题目和教材（几个词用空格分开）\n\
         \u{20} study [N]   背题：看下一题的题目、答案和解析，不计分\n\
         \u{20} open N      打开搜索结果第 N 条（练习该题或阅读该节）\n\
         \u{20} po [N]      顺序练习（从上次停下的地方继续）；pr [N] 随机练习（练完才重复）\n\
         \u{20} ?           显示本帮助\n\
         \u{20} q           退出（Ctrl-D、Ctrl-C 亦可；进度每答一题即已保存）\n",
        "Commands:\n\
         \u{20} letters     answer, e.g. B, BD, b,d, ＢＤ; judge: 对 / 错 (√ ×)\n\
         \u{20} Enter       (after a verdict) next question\n\
         \u{20} r           (after a verdict) read the section\n\
         \u{20} s           statistics\n\
         \u{20} report      weekly report (the last 7 days)\n\
         \u{20} c N         chapter N only; c 0 for all chapters\n\
         \u{20} exam        mock exam (exam history for results)\n\
         \u{20} mistakes    wrong-answer book (wrong until right twice in a row); pm [N] practises it\n\
         \u{20} star        (after a verdict) star or unstar the question\n\
         \u{20} starred     starred questions; ps [N] practises them\n\
         \u{20} search W    search questions and the guide (keywords separated by spaces)\n\
         \u{20} study [N]   study: the next question with its answer and explanation, not graded\n\
         \u{20} open N      open search result N (practise the question or read the section)\n\
         \u{20} po [N]      practise in order (on from where you left off); pr [N] at random (no repeats until all are done)\n\
         \u{20} ?           this help\n\
         \u{20} q           quit (Ctrl-D, Ctrl-C too; every answer is saved at once)\n",
    )
}

pub fn terminal_chapters_heading(lang: Lang) -> &'static str {
    lang.pick("\n章节：\n", "\nChapters:\n")
}

/// One chapter of the terminal's help.
pub fn terminal_chapter_line(number: u8, title: &str, questions: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("  {number:>2}  {title}（{questions} 题）\n"),
        Lang::En => format!("  {number:>2}  {title} ({questions} questions)\n"),
    }
}

/// The terminal's line for a learner who comes back: what they answered, what is due.
pub fn terminal_welcome_back(answered: u32, due: usize, lang: Lang) -> String {
    match (lang, due) {
        (Lang::Zh, 0) => format!("\n欢迎回来！已答 {answered} 题，现在没有待复习的题。"),
        (Lang::Zh, _) => format!("\n欢迎回来！已答 {answered} 题，{due} 题待复习。"),
        (Lang::En, 0) => format!("\nWelcome back! {answered} answered; nothing due for review."),
        (Lang::En, _) => format!("\nWelcome back! {answered} answered; {due} due for review."),
    }
}

/// The terminal's welcome line.
pub fn terminal_welcome(name: &str, scope: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            format!("《客户服务管理师》练习 · 学习者：{name} · {scope}\n输入 ? 查看命令，q 退出。")
        }
        Lang::En => format!(
            "客户服务管理师 practice · learner: {name} · {scope}\nType ? for commands, q to quit."
        ),
    }
}

/// The terminal's session summary.
pub fn terminal_summary(answered: u32, right: u32, lang: Lang) -> String {
    if answered == 0 {
        return lang
            .pick("本次没有作答。再见！", "Nothing answered this time. Bye!")
            .into();
    }
    let pct = f64::from(right) / f64::from(answered) * 100.0;
    match lang {
        Lang::Zh => {
            format!("本次练习：作答 {answered} 题，答对 {right} 题，正确率 {pct:.0}%。再见！")
        }
        Lang::En => format!("This session: {answered} answered, {right} right, {pct:.0}%. Bye!"),
    }
}

pub fn terminal_interrupted(lang: Lang) -> &'static str {
    lang.pick("\n已中断。", "\nInterrupted. ")
}

/// The terminal's review is done; `at` is the next due time, already formatted.
pub fn terminal_review_done(at: Option<&str>, lang: Lang) -> String {
    match (at, lang) {
        (Some(at), Lang::Zh) => format!("🎉 没有需要复习的题了。下一题到期：{at}。"),
        (Some(at), Lang::En) => format!("🎉 Nothing left to review. Next one due: {at}. "),
        (None, _) => lang
            .pick("🎉 没有需要复习的题了。", "🎉 Nothing left to review. ")
            .into(),
    }
}

pub fn terminal_review_only(lang: Lang) -> &'static str {
    lang.pick(
        "不带 --review 运行 tutor play 可练新题。",
        "Run tutor play without --review for new questions.",
    )
}

pub fn terminal_review_then_all(lang: Lang) -> &'static str {
    lang.pick(
        "接下来练习全部章节（q 退出）。",
        "Now practising all chapters (q quits).",
    )
}

pub fn terminal_switched_to(chapter: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("已切换到{chapter}。"),
        Lang::En => format!("Switched to {chapter}."),
    }
}

pub fn terminal_no_chapter(n: &str, range: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("没有第 {n} 章（可选：{range}；c 0 练全部章节）。"),
        Lang::En => format!("There is no chapter {n} (choose {range}; c 0 for all chapters)."),
    }
}

/// What the last line of a group card says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState<'a> {
    /// A `/quiz` card: its limit, the answers so far, the round's progress.
    Open {
        limit_secs: u32,
        answered: usize,
        round: Option<(u8, u8)>,
    },
    /// The daily card: when it is revealed (local `HH:MM`), the answers so far.
    Daily { reveal_at: &'a str, answered: usize },
    /// Revealed.
    Closed { answered: usize },
}

/// The status line under a group card.
pub fn status_line(state: CardState<'_>, lang: Lang) -> String {
    match (state, lang) {
        (
            CardState::Open {
                limit_secs,
                answered,
                round,
            },
            _,
        ) => {
            let mut line = match lang {
                Lang::Zh => format!("⏱ {limit_secs} 秒 · 已作答 {answered} 人"),
                Lang::En => format!("⏱ {limit_secs} s · {answered} answered"),
            };
            if let Some((n, total)) = round {
                line.push_str(&match lang {
                    Lang::Zh => format!(" · 第 {n}/{total} 题"),
                    Lang::En => format!(" · question {n}/{total}"),
                });
            }
            line
        }
        (
            CardState::Daily {
                reveal_at,
                answered,
            },
            Lang::Zh,
        ) => format!("☀️ 每日群题 · {reveal_at} 公布答案 · 已作答 {answered} 人"),
        (
            CardState::Daily {
                reveal_at,
                answered,
            },
            Lang::En,
        ) => format!("☀️ Daily question · revealed at {reveal_at} · {answered} answered"),
        (CardState::Closed { answered }, Lang::Zh) => {
            format!("🔔 已公布答案 · 共 {answered} 人作答")
        }
        (CardState::Closed { answered }, Lang::En) => {
            format!("🔔 Revealed · {answered} answered")
        }
    }
}

/// The head of a group reveal: today's question, a round's n-th, or a `/quiz`.
pub fn reveal_head(daily: bool, round: Option<(u8, u8)>, lang: Lang) -> String {
    match (daily, round, lang) {
        (true, _, Lang::Zh) => "☀️ 今日群题".to_string(),
        (true, _, Lang::En) => "☀️ Today's question".to_string(),
        (false, Some((n, total)), Lang::Zh) => format!("🔔 第 {n}/{total} 题"),
        (false, Some((n, total)), Lang::En) => format!("🔔 Question {n}/{total}"),
        (false, None, Lang::Zh) => "🔔 公布答案".to_string(),
        (false, None, Lang::En) => "🔔 The answer".to_string(),
    }
}

pub fn right_count(n: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("✅ 答对：{n} 人"),
        Lang::En => format!("✅ Right: {n}"),
    }
}

/// One right answer of a reveal (`name` already escaped for the front end).
pub fn reveal_line(rank: usize, name: &str, secs: f64, points: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n{rank}. {name} — {secs:.1} 秒 · +{points} 分"),
        Lang::En => format!("\n{rank}. {name} — {secs:.1} s · +{points}"),
    }
}

/// How a right answer's points came about: speed, and the answer streak's bonus.
pub fn points_breakdown(speed: u32, bonus: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（速度 +{speed}，连对 +{bonus}）"),
        Lang::En => format!(" (speed +{speed}, streak +{bonus})"),
    }
}

pub fn and_more(more: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n……还有 {more} 人"),
        Lang::En => format!("\n… and {more} more"),
    }
}

pub fn wrong_count(wrong: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n❌ 答错：{wrong} 人"),
        Lang::En => format!("\n❌ Wrong: {wrong}"),
    }
}

/// A line of a round's podium: a medal (or the rank) and the points (`name`
/// already escaped).
pub fn medal_line(medal: &str, name: &str, points: u64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n{medal} {name} — {points} 分"),
        Lang::En => format!("\n{medal} {name} — {points}"),
    }
}

pub fn top_title(all: bool, lang: Lang) -> &'static str {
    match (all, lang) {
        (false, Lang::Zh) => "🏆 本周排行",
        (false, Lang::En) => "🏆 This week",
        (true, Lang::Zh) => "🏆 总排行",
        (true, Lang::En) => "🏆 All time",
    }
}

/// One row of `/top` (`name` already escaped).
pub fn top_line(
    rank: usize,
    name: &str,
    points: u64,
    correct: u32,
    streak: u32,
    lang: Lang,
) -> String {
    match lang {
        Lang::Zh => format!("\n{rank}. {name} — {points} 分 · 答对 {correct} · 连对 {streak}"),
        Lang::En => format!("\n{rank}. {name} — {points} pts · {correct} right · streak {streak}"),
    }
}

pub fn round_usage(max: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            format!("用法：/round N [章]（N 为 1–{max}；加章节号只出该章的题，如 /round 5 3）")
        }
        Lang::En => format!(
            "Usage: /round N [chapter] (N from 1 to {max}; with a chapter, only its questions, e.g. /round 5 3)"
        ),
    }
}

/// A round starts: its length, its chapter (if it has one) and the time limit.
pub fn round_start(n: u8, chapter: Option<&str>, limit: u32, lang: Lang) -> String {
    match (lang, chapter) {
        (Lang::Zh, None) => format!("🏁 开始一轮 {n} 题！每题限时 {limit} 秒。"),
        (Lang::Zh, Some(c)) => format!("🏁 开始一轮 {n} 题（{c}）！每题限时 {limit} 秒。"),
        (Lang::En, None) => format!("🏁 A round of {n} questions, {limit} s each!"),
        (Lang::En, Some(c)) => format!("🏁 A round of {n} questions from {c}, {limit} s each!"),
    }
}

/// `/settings hide_typed on|off` done.
pub fn hide_typed(on: bool, lang: Lang) -> String {
    match (on, lang) {
        (true, Lang::Zh) => "已开启：回复作答的消息记录后会被删除，公布答案前谁也看不到（机器人需要有删除消息的管理员权限）。".into(),
        (false, Lang::Zh) => "已关闭：回复作答的消息保留在群里。".into(),
        (true, Lang::En) => "On: typed answers are deleted once recorded, so nobody sees them before the reveal (the bot needs the admin right to delete messages).".into(),
        (false, Lang::En) => "Off: typed answers stay in the group.".into(),
    }
}

/// `/settings streak_bonus on|off` done.
pub fn streak_bonus(on: bool, lang: Lang) -> String {
    match (on, lang) {
        (true, Lang::Zh) => "已开启连对加分：连续答对每题多得 100 分，最多 500 分（从下一题起）。".into(),
        (false, Lang::Zh) => "已关闭连对加分：得分只看答对和速度，人人都追得上（从下一题起）。".into(),
        (true, Lang::En) => "Streak bonus on: each right answer in a row earns 100 more points, up to 500 (from the next question).".into(),
        (false, Lang::En) => "Streak bonus off: points are for right answers and speed alone, so everyone can catch up (from the next question).".into(),
    }
}

/// `/settings`: the group's settings and how to change them.
pub fn settings(hide_typed: bool, streak_bonus: bool, lang: Lang) -> String {
    let state = |on: bool| match (on, lang) {
        (true, Lang::Zh) => "开",
        (false, Lang::Zh) => "关",
        (true, Lang::En) => "on",
        (false, Lang::En) => "off",
    };
    let (hide, bonus) = (state(hide_typed), state(streak_bonus));
    match lang {
        Lang::Zh => format!(
            "隐藏回复作答：{hide}\n连对加分：{bonus}\n用法：/settings hide_typed on|off，/settings streak_bonus on|off（管理员）"
        ),
        Lang::En => format!(
            "Hide typed answers: {hide}\nStreak bonus: {bonus}\nUsage: /settings hide_typed on|off, /settings streak_bonus on|off (admins)"
        ),
    }
}

pub fn time_limit_set(secs: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("⏱ 答题时限已设为 {secs} 秒（从下一题起）。"),
        Lang::En => format!("⏱ Time limit: {secs} s (from the next question)."),
    }
}

pub fn time_limit_usage(current: u32, min: u32, max: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("当前答题时限：{current} 秒。用法：/settime {min}–{max}（秒）"),
        Lang::En => format!("Time limit: {current} s. Usage: /settime {min}..{max} (seconds)"),
    }
}

/// A private-chat command used in a group.
pub fn private_only(bot: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("这个命令请私聊我使用：@{bot}"),
        Lang::En => format!("Use this command in a private chat with me: @{bot}"),
    }
}

/// A group's daily question as set (`zone` already escaped), then the usage.
pub fn group_daily_status(time: &str, reveal: &str, zone: &str, usage: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("每日群题：每天 {time} 出题，{reveal} 公布答案（{zone}）。\n{usage}"),
        Lang::En => format!("Daily question at {time}, revealed at {reveal} ({zone}).\n{usage}"),
    }
}

/// A group's daily question confirmed, with the next send (local).
pub fn group_daily_set(time: &str, reveal: &str, zone: &str, next: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "⏰ 每日群题：每天 {time} 出题，{reveal} 公布答案（{zone}）。\n下一题：{next}\n/daily reveal HH:MM 修改公布时间，/daily off 取消。"
        ),
        Lang::En => format!(
            "⏰ Daily group question at {time}, revealed at {reveal} ({zone}).\nNext one: {next}\n/daily reveal HH:MM changes the reveal, /daily off stops it."
        ),
    }
}

/// The 21:00 nudge to a learner with a streak who hasn't practised today.
pub fn streak_reminder(streak: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("🔥 你已连续学习 {streak} 天，今天还没练习哦！发送 /quiz 保持连续。"),
        Lang::En => {
            format!("🔥 {streak}-day streak! You haven't practised today: /quiz keeps it going.")
        }
    }
}

// ----- the weekly report (/report) -----------------------------------------------

/// `/report`'s usage.
pub fn report_usage(lang: Lang) -> &'static str {
    lang.pick(
        "/report on 开启每周学习报告，/report off 关闭，/report now 立即发送近 7 天的报告。",
        "/report on turns the weekly report on, /report off turns it off, /report now sends the last 7 days' report at once.",
    )
}

/// `/report on`: when reports come (weekday and time in the learner's zone) and the
/// next one (already formatted).
pub fn report_on(hhmm: &str, zone: &str, next: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "📊 已开启每周学习报告：每周一 {hhmm}（{zone}）发送上周（周一至周日）的学习情况和图表。\n下一份：{next}\n/report off 关闭，/report now 立即查看。"
        ),
        Lang::En => format!(
            "📊 Weekly report on: every Monday at {hhmm} ({zone}), last week (Monday to Sunday) with a chart.\nNext one: {next}\n/report off turns it off, /report now shows it at once."
        ),
    }
}

/// Plain `/report`: the setting (the next report when on) and the usage.
pub fn report_status(on: Option<(&str, &str, &str)>, lang: Lang) -> String {
    let usage = report_usage(lang);
    match (on, lang) {
        (Some((hhmm, zone, next)), Lang::Zh) => {
            format!("📊 每周学习报告：已开启，每周一 {hhmm}（{zone}）。\n下一份：{next}\n{usage}")
        }
        (Some((hhmm, zone, next)), Lang::En) => format!(
            "📊 Weekly report: on, every Monday at {hhmm} ({zone}).\nNext one: {next}\n{usage}"
        ),
        (None, Lang::Zh) => format!("📊 每周学习报告：未开启。\n{usage}"),
        (None, Lang::En) => format!("📊 Weekly report: off.\n{usage}"),
    }
}

/// `/report off`.
pub fn report_off(lang: Lang) -> &'static str {
    lang.pick(
        "已关闭每周学习报告。/report on 重新开启。",
        "Weekly report off. /report on turns it on again.",
    )
}

/// A report's heading, with its first and last local day.
pub fn report_title(first: NaiveDate, last: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    match lang {
        Lang::Zh => format!(
            "📊 学习周报 · {}月{}日–{}月{}日",
            first.month(),
            first.day(),
            last.month(),
            last.day()
        ),
        Lang::En => format!(
            "📊 Weekly report · {} – {}",
            first.format("%b %-d"),
            last.format("%b %-d")
        ),
    }
}

/// A report's figures: answers and accuracy in its days (`None` without answers),
/// the streak now, the weakest chapter (already labelled, with its accuracy) and
/// the questions due in the next 7 days.
pub fn report_figures(
    (answered, percent): (u32, Option<u32>),
    streak: u32,
    weakest: Option<(&str, u32)>,
    due: usize,
    lang: Lang,
) -> String {
    let min = crate::learn::class::WEAKEST_MIN_ANSWERS;
    match lang {
        Lang::Zh => {
            let accuracy = percent.map_or("暂无".to_string(), |p| format!("{p}%"));
            let weakest = weakest.map_or(
                format!("暂无（某章答满 {min} 题后计算）"),
                |(c, p)| format!("{c}（正确率 {p}%）"),
            );
            format!(
                "作答：{answered} 题\n正确率：{accuracy}\n连续学习：{streak} 天\n最弱章节：{weakest}\n未来 7 天到期：{due} 题\n"
            )
        }
        Lang::En => {
            let accuracy = percent.map_or("none yet".to_string(), |p| format!("{p}%"));
            let weakest = weakest.map_or(
                format!("none yet (after {min} answers in a chapter)"),
                |(c, p)| format!("{c} ({p}% right)"),
            );
            format!(
                "Answered: {answered}\nAccuracy: {accuracy}\nStreak: {}\nWeakest chapter: {weakest}\nDue in the next 7 days: {due}\n",
                days_en(streak)
            )
        }
    }
}

/// Under a report: the chart follows (Telegram), or where it is (the terminal).
pub fn report_chart_note(terminal: bool, lang: Lang) -> &'static str {
    match terminal {
        false => lang.pick(
            "\n图表：各章进度和近 30 天作答。/report off 关闭周报。",
            "\nThe chart: progress per chapter and the last 30 days. /report off stops the report.",
        ),
        true => lang.pick(
            "\n（图表随 Telegram 的 /report 发送，终端里不显示。）",
            "\n(The chart comes with /report in Telegram; the terminal shows none.)",
        ),
    }
}

// The `/stats` chart. It draws with a bundled font that has only the glyphs these
// texts can produce (`assets/chart-font-subset.otf`, made by
// `assets/subset-chart-font.sh`): a new or changed character here needs the subset
// regenerated, and `view::chart`'s tests fail until it is.

/// The caption of the chart's panel of mastery per chapter.
pub fn chart_mastery_caption(lang: Lang) -> &'static str {
    lang.pick(
        "各章进度（%）：深色 = 已掌握，浅色 = 已练过",
        "Per chapter (%): dark = mastered, light = seen",
    )
}

/// The caption of the chart's panel of answers per day.
pub fn chart_activity_caption(lang: Lang) -> String {
    let days = crate::learn::stats::HISTORY_DAYS;
    match lang {
        Lang::Zh => format!("近 {days} 天每天作答次数"),
        Lang::En => format!("Answers per day, last {days} days"),
    }
}

/// A chapter under its bar: `第三章` / `Ch3`.
pub fn chart_chapter(n: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => chapter_label(n, lang),
        Lang::En => format!("Ch{n}"),
    }
}

/// A day under its bar: `11-02` in both languages.
pub fn chart_day(day: NaiveDate, _lang: Lang) -> String {
    day.format("%m-%d").to_string()
}

// ----- the class report (/class, /class csv) -------------------------------------

/// `/class`: the heading, with the number of members and the week's Monday.
pub fn class_title(members: usize, week_of: chrono::NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    let (m, d) = (week_of.month(), week_of.day());
    match lang {
        Lang::Zh => format!("📋 班级报告（{members} 人；本周自 {m}月{d}日 起）"),
        Lang::En => format!(
            "📋 Class report ({members} member{}; this week from {})",
            if members == 1 { "" } else { "s" },
            week_of.format("%b %-d")
        ),
    }
}

/// One member: rank, name, answers, accuracy, this week, run of right answers, last
/// answer (already formatted), weakest chapter (already labelled, with its accuracy).
#[allow(clippy::too_many_arguments)]
pub fn class_line(
    rank: usize,
    name: &str,
    (answered, percent): (u32, u32),
    (week, week_percent): (u32, u32),
    streak: u32,
    last: &str,
    weakest: Option<(&str, u32)>,
    lang: Lang,
) -> String {
    match lang {
        Lang::Zh => {
            let weak = weakest.map_or(String::new(), |(c, p)| format!(" · 最弱 {c}（{p}%）"));
            format!(
                "\n{rank}. {name} — 答 {answered} 题 · 正确率 {percent}% · 本周 {week} 题（{week_percent}%） · 连对 {streak} · 最近 {last}{weak}"
            )
        }
        Lang::En => {
            let weak = weakest.map_or(String::new(), |(c, p)| format!(" · weakest {c} ({p}%)"));
            format!(
                "\n{rank}. {name} — {answered} answers · {percent}% right · this week {week} ({week_percent}%) · streak {streak} · last {last}{weak}"
            )
        }
    }
}

/// The group's weakest chapter, under the members.
pub fn class_weakest(chapter: &str, percent: u32, answered: u32, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n\n全群最弱：{chapter}（正确率 {percent}%，共 {answered} 次作答）"),
        Lang::En => {
            format!("\n\nThe group's weakest: {chapter} ({percent}% right of {answered} answers)")
        }
    }
}

/// The report shows the first `shown` of `total` members.
pub fn class_truncated(shown: usize, total: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n\n只列出前 {shown} 人（共 {total} 人）。完整名单请用 /class csv。"),
        Lang::En => format!("\n\nThe first {shown} of {total} members. For everyone: /class csv"),
    }
}

/// Where the full list is.
pub fn class_csv_hint(lang: Lang) -> &'static str {
    lang.pick("\n表格版：/class csv", "\nAs a spreadsheet: /class csv")
}

/// The CSV's header row.
pub fn class_csv_header(lang: Lang) -> [&'static str; 10] {
    match lang {
        Lang::Zh => [
            "姓名",
            "用户ID",
            "答题数",
            "答对数",
            "正确率%",
            "本周答题数",
            "本周答对数",
            "连对",
            "最近答题",
            "最弱章节",
        ],
        Lang::En => [
            "name",
            "user id",
            "answers",
            "right",
            "accuracy %",
            "answers this week",
            "right this week",
            "streak",
            "last answer",
            "weakest chapter",
        ],
    }
}

/// The CSV document's caption.
pub fn class_csv_caption(members: usize, zone: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("📋 班级报告，{members} 人（时间为{zone}）"),
        Lang::En => format!(
            "📋 Class report, {members} member{} (times in {zone})",
            if members == 1 { "" } else { "s" }
        ),
    }
}

// ----- an operator's upload -------------------------------------------------------

/// The counts of an imported upload.
pub fn upload_counts(
    file: &str,
    (single, multi, judge): (usize, usize, usize),
    chapters: usize,
    sections: usize,
    lang: Lang,
) -> String {
    let all = single + multi + judge;
    match lang {
        Lang::Zh => format!(
            "📥 {file}：{all} 道题（单选 {single}，多选 {multi}，判断 {judge}），{chapters} 章，{sections} 节"
        ),
        Lang::En => format!(
            "📥 {file}: {all} questions (single {single}, multi {multi}, judge {judge}), {chapters} chapters, {sections} sections"
        ),
    }
}

/// The problems' heading: items not imported and warnings.
pub fn upload_problems(errors: usize, warnings: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n\n问题：{errors} 个错误（这些题未导入），{warnings} 个警告"),
        Lang::En => {
            format!("\n\nProblems: {errors} errors (items not imported), {warnings} warnings")
        }
    }
}

/// More problems than the report lists.
pub fn upload_more(more: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("\n……还有 {more} 个问题（用 tutor import 可看全部）"),
        Lang::En => format!("\n… and {more} more (tutor import lists them all)"),
    }
}

/// Where the bank went, and how it is loaded.
pub fn upload_written(dir: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "\n\n题库已写入 {dir}。机器人仍在使用当前题库；用 tutor run --content {dir} 重启后生效（题目编号在多次上传间保持不变）。"
        ),
        Lang::En => format!(
            "\n\nThe bank was written to {dir}. The bot keeps its current bank; restart it with tutor run --content {dir} to load this one (ids stay the same across uploads)."
        ),
    }
}

/// Nothing could be imported.
pub fn upload_nothing(lang: Lang) -> &'static str {
    lang.pick(
        "\n\n没有可导入的题目，什么也没有写入。",
        "\n\nNothing could be imported; nothing was written.",
    )
}

// ---- the mock exam (issue 19) ------------------------------------------------------

/// The sheet's head: `📝 模拟考试 · 第 3/45 题`.
pub fn exam_head(index: usize, total: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("📝 模拟考试 · 第 {}/{total} 题", index + 1),
        Lang::En => format!("📝 Mock exam · question {}/{total}", index + 1),
    }
}

/// The countdown: `⏱ 剩余 12 分钟 · 已答 3/45` (minutes rounded up; under a
/// minute in seconds).
pub fn exam_countdown(seconds_left: i64, answered: usize, total: usize, lang: Lang) -> String {
    let left = match (lang, seconds_left) {
        (Lang::Zh, s) if s < 60 => format!("{s} 秒"),
        (Lang::Zh, s) => format!("{} 分钟", (s + 59) / 60),
        (Lang::En, s) if s < 60 => format!("{s} s"),
        (Lang::En, s) => format!("{} min", (s + 59) / 60),
    };
    match lang {
        Lang::Zh => format!("⏱ 剩余 {left} · 已答 {answered}/{total}"),
        Lang::En => format!("⏱ {left} left · {answered}/{total} answered"),
    }
}

/// The sheet's line for the answer so far.
pub fn exam_your_answer(answer: Option<&str>, lang: Lang) -> String {
    match (lang, answer) {
        (Lang::Zh, Some(a)) => format!("你的答案：{a}（交卷前可修改）"),
        (Lang::Zh, None) => "尚未作答".to_string(),
        (Lang::En, Some(a)) => format!("Your answer: {a} (you may change it until you hand in)"),
        (Lang::En, None) => "Not answered yet".to_string(),
    }
}

/// How the sheet is used (under the question).
pub fn exam_hint(front: Front, lang: Lang) -> &'static str {
    match (front, lang) {
        (Front::Chat, Lang::Zh) => {
            "点选项作答（多选题可点多个）；下方题号带 ✔ 的为已答。交卷后统一评分。"
        }
        (Front::Chat, Lang::En) => {
            "Tap an option to answer (several for multiple choice); ✔ marks answered numbers. Marked when you hand in."
        }
        (Front::Terminal, Lang::Zh) => {
            "输入答案（如 B、BD、对）；g N 跳到第 N 题，n 下一题，p 上一题，交卷 或 submit 交卷，? 帮助。"
        }
        (Front::Terminal, Lang::En) => {
            "Type an answer (B, BD, 对); g N goes to question N, n next, p previous, submit hands in, ? help."
        }
    }
}

pub fn exam_prev(lang: Lang) -> &'static str {
    lang.pick("◀ 上一题", "◀ Previous")
}

pub fn exam_next(lang: Lang) -> &'static str {
    lang.pick("下一题 ▶", "Next ▶")
}

pub fn exam_submit(lang: Lang) -> &'static str {
    lang.pick("📤 交卷", "📤 Hand in")
}

pub fn exam_confirm(lang: Lang) -> &'static str {
    lang.pick("确定交卷", "Hand in now")
}

pub fn exam_keep_going(lang: Lang) -> &'static str {
    lang.pick("继续作答", "Keep answering")
}

/// The warning before handing in with unanswered questions (their 1-based numbers).
pub fn exam_unanswered_warning(numbers: &[usize], lang: Lang) -> String {
    let list = numbers
        .iter()
        .take(30)
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(lang.pick("、", ", "));
    let more = if numbers.len() > 30 {
        lang.pick("……", " …")
    } else {
        ""
    };
    match lang {
        Lang::Zh => format!(
            "⚠️ 还有 {} 题未作答：第 {list}{more} 题。未答的题不得分。确定交卷吗？",
            numbers.len()
        ),
        Lang::En => format!(
            "⚠️ {} unanswered: {list}{more}. They score nothing. Hand in anyway?",
            numbers.len()
        ),
    }
}

/// The result's head.
pub fn exam_result_head(timed_out: bool, lang: Lang) -> &'static str {
    match (timed_out, lang) {
        (false, Lang::Zh) => "📝 模拟考试成绩",
        (true, Lang::Zh) => "⏰ 考试时间到，已自动交卷",
        (false, Lang::En) => "📝 Mock exam result",
        (true, Lang::En) => "⏰ Time is up: your paper was handed in",
    }
}

/// `得分：78 / 100（及格线 60）· ✅ 通过`.
pub fn exam_score_line(points: u32, total: u32, pass: u32, passed: bool, lang: Lang) -> String {
    match (lang, passed) {
        (Lang::Zh, true) => format!("得分：{points} / {total}（及格线 {pass}）· ✅ 通过"),
        (Lang::Zh, false) => format!("得分：{points} / {total}（及格线 {pass}）· ❌ 未通过"),
        (Lang::En, true) => format!("Score: {points} / {total} (pass mark {pass}) · ✅ passed"),
        (Lang::En, false) => {
            format!("Score: {points} / {total} (pass mark {pass}) · ❌ not passed")
        }
    }
}

/// A duration as `23 分 10 秒` / `23 min 10 s`.
pub fn exam_duration(seconds: u32, lang: Lang) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match lang {
        Lang::Zh => format!("{m} 分 {s} 秒"),
        Lang::En => format!("{m} min {s} s"),
    }
}

/// `用时 23 分 10 秒 · 答对 30/45 题 · 未答 2 题`.
pub fn exam_summary_line(
    seconds: u32,
    right: u32,
    questions: u32,
    unanswered: u32,
    lang: Lang,
) -> String {
    let used = exam_duration(seconds, lang);
    match lang {
        Lang::Zh => format!("用时 {used} · 答对 {right}/{questions} 题 · 未答 {unanswered} 题"),
        Lang::En => format!("Time {used} · {right}/{questions} right · {unanswered} unanswered"),
    }
}

pub fn exam_chapters_heading(lang: Lang) -> &'static str {
    lang.pick("各章得分", "By chapter")
}

/// One chapter of a result: (right, questions, points, points possible).
pub fn exam_chapter_line(label: &str, title: &str, figures: [u32; 4], lang: Lang) -> String {
    let [right, questions, points, total] = figures;
    match lang {
        Lang::Zh => format!("{label} {title}：答对 {right}/{questions} 题，{points}/{total} 分\n"),
        Lang::En => {
            format!("{label} {title}: {right}/{questions} right, {points}/{total} points\n")
        }
    }
}

pub fn exam_review_heading(lang: Lang) -> &'static str {
    lang.pick("错题回顾", "Review of what was wrong")
}

pub fn exam_all_right(lang: Lang) -> &'static str {
    lang.pick("🎉 全部答对！", "🎉 All right!")
}

/// The head of one reviewed question: `第 3 题 · 第二章 · 单选`.
pub fn exam_review_item(index: usize, chapter: &str, kind: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("第 {} 题 · {chapter} · {kind}", index + 1),
        Lang::En => format!("Question {} · {chapter} · {kind}", index + 1),
    }
}

pub fn exam_unanswered(lang: Lang) -> &'static str {
    lang.pick("未作答", "not answered")
}

/// What follows a result.
pub fn exam_after(lang: Lang) -> &'static str {
    lang.pick(
        "答过的题已计入复习计划：/review 复习错题，/exam 再考一次，/exam history 看历次成绩。",
        "Your answers now count in your reviews: /review for the wrong ones, /exam to try again, /exam history for past results.",
    )
}

/// The sheet message once its paper is handed in.
pub fn exam_sheet_closed(lang: Lang) -> &'static str {
    lang.pick("📝 已交卷，成绩见下。", "📝 Handed in; the result follows.")
}

/// A tap on a sheet whose paper was handed in (a late answer).
pub fn exam_already_submitted(lang: Lang) -> &'static str {
    lang.pick(
        "已交卷，答案不能再修改。",
        "Already handed in: answers can no longer change.",
    )
}

/// A tap on a sheet of no open paper (an old one, or not the learner's).
pub fn exam_no_such(lang: Lang) -> &'static str {
    lang.pick(
        "这份试卷已失效。发送 /exam 开始考试。",
        "This paper is no longer valid. Send /exam to start one.",
    )
}

pub fn exam_empty(lang: Lang) -> &'static str {
    lang.pick(
        "题库里没有题，无法组卷。",
        "The bank has no questions for a paper.",
    )
}

pub fn exam_history_title(lang: Lang) -> &'static str {
    lang.pick("📝 模拟考试记录", "📝 Mock exam results")
}

pub fn exam_history_empty(lang: Lang) -> &'static str {
    lang.pick(
        "还没有考试记录。发送 /exam 开始一次模拟考试。",
        "No results yet. Send /exam to take a mock exam.",
    )
}

/// One result of the history: `3月2日 12:00 · 78/100 · ✅ 通过 · 用时 23 分 10 秒`.
pub fn exam_history_line(
    when: &str,
    points: u32,
    total: u32,
    passed: bool,
    seconds: u32,
    lang: Lang,
) -> String {
    let used = exam_duration(seconds, lang);
    match (lang, passed) {
        (Lang::Zh, true) => format!("{when} · {points}/{total} · ✅ 通过 · 用时 {used}\n"),
        (Lang::Zh, false) => format!("{when} · {points}/{total} · ❌ 未通过 · 用时 {used}\n"),
        (Lang::En, true) => format!("{when} · {points}/{total} · ✅ passed · {used}\n"),
        (Lang::En, false) => format!("{when} · {points}/{total} · ❌ not passed · {used}\n"),
    }
}

/// When a result was handed in, in the learner's zone: `3月2日 12:00`, `Mar 2 12:00`.
pub fn exam_date(local: chrono::NaiveDateTime, lang: Lang) -> String {
    use chrono::{Datelike, Timelike};
    match lang {
        Lang::Zh => format!(
            "{}月{}日 {:02}:{:02}",
            local.month(),
            local.day(),
            local.hour(),
            local.minute()
        ),
        Lang::En => local.format("%b %-d %H:%M").to_string(),
    }
}

/// `/stats`'s heading over the last results.
pub fn exam_stats_heading(lang: Lang) -> &'static str {
    lang.pick("最近模拟考试", "Recent mock exams")
}

/// The terminal's prompt after the warning before 交卷.
pub fn exam_terminal_confirm(lang: Lang) -> &'static str {
    lang.pick(
        "输入 y 确定交卷，其他任意输入继续作答。",
        "Type y to hand in; anything else to keep answering.",
    )
}

/// The terminal leaves an open paper (`q`, end of input): it keeps, and so does its clock.
pub fn exam_terminal_left(lang: Lang) -> &'static str {
    lang.pick(
        "试卷已保存，计时继续；输入 exam 回到考试。",
        "Your paper is saved and its clock keeps running; type exam to return to it.",
    )
}

/// `/exam` with an argument it does not know.
pub fn exam_usage(lang: Lang) -> &'static str {
    lang.pick(
        "用法：/exam 开始或继续模拟考试；/exam history 查看成绩记录。",
        "Usage: /exam starts or resumes a mock exam; /exam history shows your results.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (n, want) in [
            (1, "一"),
            (8, "八"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (35, "三十五"),
            (99, "九十九"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (255, "二百五十五"),
        ] {
            assert_eq!(zh_number(n), want);
        }
    }

    #[test]
    fn every_hint_names_how_to_answer() {
        for kind in [Kind::Single, Kind::Multi, Kind::Judge] {
            for lang in [Lang::Zh, Lang::En] {
                for front in [Front::Chat, Front::Terminal] {
                    let named = if kind == Kind::Judge { "对" } else { "B" };
                    let hint = not_an_answer(kind, lang, front);
                    assert!(hint.contains(named), "{kind:?} {lang:?} {front:?}: {hint}");
                    assert_eq!(hint.contains('?'), front == Front::Terminal, "{hint}");
                }
            }
        }
    }

    #[test]
    fn command_lists_fit_telegram() {
        for lang in [Lang::Zh, Lang::En] {
            for group in [false, true] {
                for (c, d) in commands(lang, group) {
                    assert!((1..=32).contains(&c.len()));
                    assert!((1..=256).contains(&d.chars().count()));
                }
            }
        }
    }

    #[test]
    fn summary_lines() {
        assert_eq!(terminal_summary(0, 0, Lang::Zh), "本次没有作答。再见！");
        assert_eq!(
            terminal_summary(3, 2, Lang::Zh),
            "本次练习：作答 3 题，答对 2 题，正确率 67%。再见！"
        );
    }

    #[test]
    fn replies_that_are_not_answers_get_a_hint_that_fits_the_question() {
        use crate::learn::Invalid::*;
        let oor = |letters: &str, last| OutOfRange {
            letters: letters.into(),
            last,
        };
        let cases = [
            (
                oor("E", 'D'),
                Kind::Multi,
                Lang::Zh,
                "没有选项 E。请回复选项字母 A–D，例如 BD。",
            ),
            (
                oor("E", 'D'),
                Kind::Single,
                Lang::Zh,
                "没有选项 E。请回复选项字母 A–D，例如 B。",
            ),
            (
                oor("C", 'B'),
                Kind::Multi,
                Lang::Zh,
                "没有选项 C。请回复选项字母 A–B，例如 AB。",
            ),
            (
                oor("E", 'D'),
                Kind::Multi,
                Lang::En,
                "There is no option E. Reply with option letters A–D, e.g. BD.",
            ),
            (
                JudgeOnChoice,
                Kind::Single,
                Lang::Zh,
                "这是单选题，请回复一个选项字母，例如 B。",
            ),
            (
                JudgeOnChoice,
                Kind::Multi,
                Lang::Zh,
                "这是多选题，请回复所有正确选项的字母，例如 BD。",
            ),
            (
                ChoiceOnJudge,
                Kind::Judge,
                Lang::Zh,
                "这是判断题，请回复 对 或 错（也可用 √ ×）。",
            ),
            (
                SingleNeedsOne,
                Kind::Single,
                Lang::En,
                "This is a single-choice question: reply with one letter, e.g. B.",
            ),
        ];
        for (why, kind, lang, want) in cases {
            assert_eq!(invalid_answer(&why, kind, lang), want, "{why:?} {kind:?}");
        }
        // Chatter under a card: a single choice never suggests two letters.
        for front in [Front::Chat, Front::Terminal] {
            assert!(!not_an_answer(Kind::Single, Lang::Zh, front).contains("BD"));
            assert!(not_an_answer(Kind::Multi, Lang::Zh, front).contains("BD"));
            assert!(not_an_answer(Kind::Judge, Lang::Zh, front).contains("对"));
        }
    }

    #[test]
    fn stats_figures_are_defined_and_read_right() {
        let mut s = crate::learn::Stats {
            answered: 0,
            right: 0,
            streak: 1,
            best_streak: 1,
            due_now: 2,
            unseen: 5,
            wrong: 3,
            chapters: vec![],
            last_30_days: vec![],
            due_forecast: vec![],
            average_retrievability: None,
        };
        let zh = stats_summary(&s, Lang::Zh);
        assert!(zh.contains("正确率：暂无\n"), "{zh}");
        assert!(
            zh.contains("待复习：2 题 · 错题：3 题 · 未学：5 题"),
            "{zh}"
        );
        let en = stats_summary(&s, Lang::En);
        assert!(
            en.contains("Accuracy: none yet") && en.contains("Streak: 1 day (best 1 day)"),
            "{en}"
        );
        s.answered = 4;
        s.right = 3;
        assert!(stats_summary(&s, Lang::Zh).contains("正确率：75%"));
        assert!(mastered_means(Lang::Zh).contains("掌握："));
        assert_eq!(
            chapters_line("第一章", "基础", 5, 8, Lang::Zh),
            "第一章 基础 — 已练 5/8 题\n"
        );
        assert_eq!(
            streak_line(StreakChange::Extended, 1, Lang::En),
            "🔥 Streak: 1 day"
        );
    }
}
