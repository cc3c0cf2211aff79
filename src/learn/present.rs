//! Option shuffling: the order in which a card shows a question's options.
//!
//! A card shows the options under fresh letters. The learner answers in those *shown*
//! letters; grading maps them back to the bank's letters. A [`Presentation`] is that
//! mapping: `order()[shown_index]` is the bank option index shown at `shown_index`.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::bank::{Kind, MAX_OPTIONS, OptionSet, Question};

/// The order in which a card shows a question's options.
///
/// Always a permutation of `0..n` with `n <= MAX_OPTIONS` (empty for judge questions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    order: Vec<u8>,
}

impl Presentation {
    /// A presentation for `q`: shuffled for a choice question with `shuffle = true`,
    /// the bank order when `shuffle = false`, and empty for a judge question.
    pub fn new<R: Rng + ?Sized>(q: &Question, rng: &mut R) -> Self {
        if q.kind == Kind::Judge {
            return Self::identity(0);
        }
        let mut p = Self::identity(q.options.len());
        if q.shuffle {
            p.order.shuffle(rng);
        }
        p
    }

    /// The bank order for `n` options (`n` is capped at [`MAX_OPTIONS`]).
    pub fn identity(n: usize) -> Self {
        // `n` is at most MAX_OPTIONS (8), so every index fits a u8.
        let order = (0..n.min(MAX_OPTIONS) as u8).collect();
        Presentation { order }
    }

    /// A stored order, checked: `None` unless it is a permutation of `0..n` with
    /// `n <= MAX_OPTIONS`.
    pub fn from_order(order: Vec<u8>) -> Option<Self> {
        if order.len() > MAX_OPTIONS {
            return None;
        }
        let mut seen = OptionSet::EMPTY;
        for &i in &order {
            let i = usize::from(i);
            if i >= order.len() || seen.contains(i) {
                return None;
            }
            seen.insert(i);
        }
        Some(Presentation { order })
    }

    /// `order()[shown_index]` = the bank option index shown at `shown_index`.
    pub fn order(&self) -> &[u8] {
        &self.order
    }

    /// How many options are shown.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no options are shown (a judge question).
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Whether this presentation fits `q`: as many shown options as the question has
    /// (none for a judge question). A stored presentation may not fit after a bank edit.
    pub fn fits(&self, q: &Question) -> bool {
        match q.kind {
            Kind::Judge => self.is_empty(),
            Kind::Single | Kind::Multi => self.len() == q.options.len(),
        }
    }

    /// Shown letters → bank letters. Shown letters beyond the shown options are dropped.
    pub fn to_bank(&self, shown: OptionSet) -> OptionSet {
        let mut bank = OptionSet::EMPTY;
        for (s, &b) in self.order.iter().enumerate() {
            if shown.contains(s) {
                bank.insert(usize::from(b));
            }
        }
        bank
    }

    /// Bank letters → shown letters. Bank letters that are not shown are dropped.
    pub fn to_shown(&self, bank: OptionSet) -> OptionSet {
        let mut shown = OptionSet::EMPTY;
        for (s, &b) in self.order.iter().enumerate() {
            if bank.contains(usize::from(b)) {
                shown.insert(s);
            }
        }
        shown
    }

    /// The option texts of `q` in shown order (indices `q` lacks are skipped).
    pub fn shown_options<'q>(&self, q: &'q Question) -> Vec<&'q str> {
        self.order
            .iter()
            .filter_map(|&b| q.options.get(usize::from(b)))
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::test_bank::{bank, q};

    fn set(letters: &str) -> OptionSet {
        let mut s = OptionSet::EMPTY;
        for c in letters.chars() {
            s.insert((c as u8 - b'A') as usize);
        }
        s
    }

    #[test]
    fn identity_and_caps() {
        for (n, want) in [
            (0, vec![]),
            (1, vec![0]),
            (4, vec![0, 1, 2, 3]),
            (8, vec![0, 1, 2, 3, 4, 5, 6, 7]),
            (9, vec![0, 1, 2, 3, 4, 5, 6, 7]),
            (usize::MAX, vec![0, 1, 2, 3, 4, 5, 6, 7]),
        ] {
            let p = Presentation::identity(n);
            assert_eq!(p.order(), want.as_slice(), "n = {n}");
            assert_eq!(p.len(), want.len());
            assert_eq!(p.is_empty(), want.is_empty());
        }
    }

    #[test]
    fn from_order_accepts_only_permutations() {
        for (order, ok) in [
            (vec![], true),
            (vec![0], true),
            (vec![2, 0, 1], true),
            (vec![7, 6, 5, 4, 3, 2, 1, 0], true),
            (vec![1], false),
            (vec![0, 0], false),
            (vec![0, 2], false),
            (vec![3, 1, 2], false),
            (vec![0, 1, 2, 3, 4, 5, 6, 7, 8], false),
            (vec![255, 0], false),
        ] {
            let p = Presentation::from_order(order.clone());
            assert_eq!(p.is_some(), ok, "{order:?}");
            if let Some(p) = p {
                assert_eq!(p.order(), order.as_slice());
            }
        }
    }

    #[test]
    fn mapping_between_shown_and_bank_letters() {
        // Shown A B C D show bank options C A D B.
        let Some(p) = Presentation::from_order(vec![2, 0, 3, 1]) else {
            panic!("valid order");
        };
        for (shown, bank) in [
            ("", ""),
            ("A", "C"),
            ("B", "A"),
            ("C", "D"),
            ("D", "B"),
            ("AD", "BC"),
            ("ABCD", "ABCD"),
        ] {
            assert_eq!(p.to_bank(set(shown)), set(bank), "shown {shown}");
            assert_eq!(p.to_shown(set(bank)), set(shown), "bank {bank}");
        }
        // Letters beyond the shown options are dropped, not a panic.
        assert_eq!(p.to_bank(set("AEH")), set("C"));
        assert_eq!(p.to_shown(set("BGH")), set("D"));
        // A judge presentation maps everything to nothing.
        let empty = Presentation::identity(0);
        assert_eq!(empty.to_bank(set("AB")), OptionSet::EMPTY);
        assert_eq!(empty.to_shown(set("AB")), OptionSet::EMPTY);
    }

    #[test]
    fn new_follows_kind_and_shuffle_flag() {
        let bank = bank();
        let mut rng = StdRng::seed_from_u64(7);
        // Judge: empty.
        let judge = q(&bank, "c3-q03");
        assert!(Presentation::new(judge, &mut rng).is_empty());
        assert!(Presentation::new(judge, &mut rng).fits(judge));
        // shuffle = false: always the bank order.
        let fixed = q(&bank, "c3-q04");
        for _ in 0..20 {
            let p = Presentation::new(fixed, &mut rng);
            assert_eq!(p, Presentation::identity(4));
            assert_eq!(p.shown_options(fixed), ["甲", "乙", "丙", "以上都对"]);
        }
        // shuffle = true: a permutation, and over many draws more than one order.
        let multi = q(&bank, "c4-q03");
        let mut orders = HashSet::new();
        for _ in 0..50 {
            let p = Presentation::new(multi, &mut rng);
            assert!(p.fits(multi));
            assert!(Presentation::from_order(p.order().to_vec()).is_some());
            let texts = p.shown_options(multi);
            let mut sorted = texts.clone();
            sorted.sort();
            assert_eq!(sorted, ["1", "2", "3", "4", "5", "6", "7", "8"]);
            orders.insert(p.order().to_vec());
        }
        assert!(orders.len() > 10, "shuffled orders vary");
    }

    #[test]
    fn fits_and_shown_options_on_mismatch() {
        let bank = bank();
        let single = q(&bank, "c3-q01");
        let judge = q(&bank, "c3-q03");
        for (p, question, fits) in [
            (Presentation::identity(4), single, true),
            (Presentation::identity(3), single, false),
            (Presentation::identity(5), single, false),
            (Presentation::identity(0), judge, true),
            (Presentation::identity(2), judge, false),
        ] {
            assert_eq!(p.fits(question), fits, "{p:?} on {}", question.id);
        }
        // A stale presentation never panics: missing options are skipped.
        let Some(p) = Presentation::from_order(vec![4, 0, 1, 2, 3]) else {
            panic!("valid order");
        };
        assert_eq!(
            p.shown_options(q(&bank, "c3-q01")),
            ["甲", "乙", "丙", "丁"]
        );
        assert!(p.shown_options(judge).is_empty());
    }
}
