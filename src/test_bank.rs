//! The test bank, `tests/fixtures/bank/`, for the unit tests: one TOML file per
//! chapter, independent of the real content. The end-to-end tests run on its chapter
//! 1 alone, and `tests/*.rs` load the directory.
//!
//! 1. 测试章 (`e1-*`): deterministic (no shuffling): a three-option single (A), a
//!    four-option multi (AC), a judge question (对); `<`, `>` and `&` in its section.
//! 2. 第二测试章 (`e2-*`): one two-option single (A), unshuffled.
//! 3. 第三章 (`c3-*`): a shuffled four-option single (B), a five-option multi (BDE),
//!    a judge question (对), an unshuffled single (以上都对, D).
//! 4. 第四章 (`c4-*`): a three-option single (A), a judge question (错), an
//!    eight-option multi (ACH) linked to two sections (`c4-s01`, `c3-s01`).
//! 5. 第五章 (`c5-*`): one judge question (对).
//! 6. 第六章 (`c6-*`): a section and no questions.

use crate::bank::{Bank, Question};

/// The chapter files, by chapter number (index + 1).
const FILES: [(&str, &str); 6] = [
    (
        "ch01.toml",
        include_str!("../tests/fixtures/bank/ch01.toml"),
    ),
    (
        "ch02.toml",
        include_str!("../tests/fixtures/bank/ch02.toml"),
    ),
    (
        "ch03.toml",
        include_str!("../tests/fixtures/bank/ch03.toml"),
    ),
    (
        "ch04.toml",
        include_str!("../tests/fixtures/bank/ch04.toml"),
    ),
    (
        "ch05.toml",
        include_str!("../tests/fixtures/bank/ch05.toml"),
    ),
    (
        "ch06.toml",
        include_str!("../tests/fixtures/bank/ch06.toml"),
    ),
];

/// The TOML text of chapter `number`.
pub fn text(number: u8) -> &'static str {
    match FILES.get(usize::from(number).wrapping_sub(1)) {
        Some((_, text)) => text,
        None => panic!("the test bank has no chapter {number}"),
    }
}

/// A bank of `(file name, TOML text)` pairs, which must load (lint warnings allowed:
/// the texts are placeholders).
pub fn from(files: &[(String, String)]) -> Bank {
    match Bank::from_sources(files, false) {
        Ok((bank, _warnings)) => bank,
        Err(e) => panic!("test bank: {e}"),
    }
}

/// A bank of the chapters `numbers`, their files given in that order.
pub fn chapters(numbers: &[u8]) -> Bank {
    let files: Vec<(String, String)> = numbers
        .iter()
        .map(|&n| (FILES[usize::from(n) - 1].0.to_string(), text(n).to_string()))
        .collect();
    from(&files)
}

/// The whole test bank.
pub fn bank() -> Bank {
    chapters(&[1, 2, 3, 4, 5, 6])
}

/// Chapters 3 and 4, given in reverse order (to check bank order): the bank of the
/// `learn` rule tables.
pub fn pair() -> Bank {
    chapters(&[4, 3])
}

/// The ids of `bank`, in bank order.
pub fn ids(bank: &Bank) -> Vec<String> {
    bank.questions().iter().map(|q| q.id.clone()).collect()
}

/// A question of `bank` by id.
pub fn q<'b>(bank: &'b Bank, id: &str) -> &'b Question {
    match bank.question(id) {
        Some(q) => q,
        None => panic!("no question {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::Kind;

    #[test]
    fn the_test_bank_is_what_its_tests_rely_on() {
        let bank = bank();
        let numbers: Vec<u8> = bank.chapters().iter().map(|c| c.number).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
        let shape = |id: &str| {
            let q = q(&bank, id);
            (q.chapter, q.kind, q.options.len(), q.shuffle)
        };
        for (id, want) in [
            ("e1-q01", (1, Kind::Single, 3, false)),
            ("e1-q02", (1, Kind::Multi, 4, false)),
            ("e1-q03", (1, Kind::Judge, 0, true)),
            ("e2-q01", (2, Kind::Single, 2, false)),
            ("c3-q01", (3, Kind::Single, 4, true)),
            ("c3-q02", (3, Kind::Multi, 5, true)),
            ("c3-q03", (3, Kind::Judge, 0, true)),
            ("c3-q04", (3, Kind::Single, 4, false)),
            ("c4-q01", (4, Kind::Single, 3, true)),
            ("c4-q02", (4, Kind::Judge, 0, true)),
            ("c4-q03", (4, Kind::Multi, 8, true)),
            ("c5-q01", (5, Kind::Judge, 0, true)),
        ] {
            assert_eq!(shape(id), want, "{id}");
        }
        assert_eq!(ids(&bank).len(), 12);
        assert_eq!(q(&bank, "c4-q03").sections, ["c4-s01", "c3-s01"]);
        // Each chapter loads alone but chapter 4 (it links a section of chapter 3),
        // and the pair comes in bank order.
        for n in [1, 2, 3, 5, 6] {
            assert_eq!(chapters(&[n]).chapters().len(), 1, "chapter {n}");
        }
        assert!(chapters(&[6]).questions().is_empty());
        assert_eq!(ids(&pair())[0], "c3-q01");
    }
}
