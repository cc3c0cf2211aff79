//! A tiny bank for the tests of this module, independent of the real content.

use crate::bank::Bank;

/// Chapter 1: four questions (single, multi, judge, unshuffled single).
pub const CH1: &str = r#"
[chapter]
number = 1
title = "第一章"

[[sections]]
id = "c1-s01"
title = "一节"
text = "第一节的内容。"

[[questions]]
id = "c1-q01"
kind = "single"
stem = "单选题一（　）。"
options = ["甲", "乙", "丙", "丁"]
answer = "B"
explanation = "选乙。"
sections = ["c1-s01"]
source = "seed"

[[questions]]
id = "c1-q02"
kind = "multi"
stem = "多选题二（　）。"
options = ["一", "二", "三", "四", "五"]
answer = "BDE"
explanation = "二、四、五。"
sections = ["c1-s01"]
source = "seed"

[[questions]]
id = "c1-q03"
kind = "judge"
stem = "判断题三。"
answer = "对"
explanation = "正确。"
sections = ["c1-s01"]
source = "authored"

[[questions]]
id = "c1-q04"
kind = "single"
stem = "以上都对的单选题（　）。"
options = ["甲", "乙", "丙", "以上都对"]
answer = "D"
explanation = "以上都对。"
sections = ["c1-s01"]
source = "authored"
shuffle = false
"#;

/// Chapter 2: three questions (three-option single, judge, eight-option multi).
pub const CH2: &str = r#"
[chapter]
number = 2
title = "第二章"

[[sections]]
id = "c2-s01"
title = "二节"
text = "第二节的内容。"

[[questions]]
id = "c2-q01"
kind = "single"
stem = "三个选项（　）。"
options = ["对的", "错的", "都不是"]
answer = "A"
explanation = "甲。"
sections = ["c2-s01"]
source = "authored"

[[questions]]
id = "c2-q02"
kind = "judge"
stem = "判断题。"
answer = "错"
explanation = "错误。"
sections = ["c2-s01"]
source = "authored"

[[questions]]
id = "c2-q03"
kind = "multi"
stem = "八个选项（　）。"
options = ["1", "2", "3", "4", "5", "6", "7", "8"]
answer = "ACH"
explanation = "1、3、8。"
sections = ["c2-s01", "c1-s01"]
source = "authored"
"#;

/// The test bank: chapters 1 and 2 (given in reverse order, to check bank order).
pub fn bank() -> Bank {
    let files = [
        ("t2.toml".into(), CH2.into()),
        ("t.toml".into(), CH1.into()),
    ];
    match Bank::from_sources(&files, false) {
        Ok((bank, _)) => bank,
        Err(e) => panic!("test bank: {e}"),
    }
}

/// The ids of the test bank, in bank order.
pub fn ids(bank: &Bank) -> Vec<String> {
    bank.questions().iter().map(|q| q.id.clone()).collect()
}

/// A question of the test bank by id.
pub fn q<'b>(bank: &'b Bank, id: &str) -> &'b crate::bank::Question {
    match bank.question(id) {
        Some(q) => q,
        None => panic!("no question {id}"),
    }
}

/// A bank with one chapter and a single question, `c3-q01` (judge, 对).
pub fn bank_one() -> Bank {
    let toml = r#"
[chapter]
number = 3
title = "第三章"

[[sections]]
id = "c3-s01"
title = "三节"
text = "第三节。"

[[questions]]
id = "c3-q01"
kind = "judge"
stem = "唯一的题。"
answer = "对"
explanation = "对。"
sections = ["c3-s01"]
source = "authored"
"#;
    match Bank::from_sources(&[("one.toml".into(), toml.into())], false) {
        Ok((bank, _)) => bank,
        Err(e) => panic!("test bank: {e}"),
    }
}

/// A bank with a chapter but no questions.
pub fn bank_empty() -> Bank {
    let toml = r#"
[chapter]
number = 4
title = "第四章"

[[sections]]
id = "c4-s01"
title = "四节"
text = "第四节。"
"#;
    match Bank::from_sources(&[("empty.toml".into(), toml.into())], false) {
        Ok((bank, _)) => bank,
        Err(e) => panic!("test bank: {e}"),
    }
}
