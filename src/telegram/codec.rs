//! The callback-data codec: compact, versioned, at most 64 bytes, checked on the way in.
//!
//! Layout: `<version>:<op>[:<field>…]`, ASCII only. The card a button acts on is the
//! message the button is attached to, so answers carry only the question id (checked
//! against the card) and the shown option index.

use std::fmt;

/// Telegram's limit on callback data, in bytes.
pub const MAX_BYTES: usize = 64;
const VERSION: &str = "1";

use crate::learn::{Drill, Mode};
/// What a button asks for: `view`'s intents, carried as callback data.
pub use crate::view::{Intent as Action, NextScope, SheetOp};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooLong,
    Version,
    Malformed,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::TooLong => "callback data longer than 64 bytes",
            DecodeError::Version => "callback data from another codec version",
            DecodeError::Malformed => "malformed callback data",
        })
    }
}

/// Ids in callback data: the bank restricts them to this alphabet and 24 bytes.
fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 24
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A decimal number as written by `encode` (no sign, no leading zeros).
fn number<T: std::str::FromStr>(s: &str) -> Result<T, DecodeError> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DecodeError::Malformed);
    }
    s.parse().map_err(|_| DecodeError::Malformed)
}

/// The operation of an exam sheet's button.
fn sheet_op(fields: &[&str]) -> Result<SheetOp, DecodeError> {
    Ok(match fields {
        ["g", i] => SheetOp::Go(number(i)?),
        ["p", i, o] => {
            let o: u8 = number(o)?;
            if o >= 8 {
                return Err(DecodeError::Malformed);
            }
            SheetOp::Pick(number(i)?, o)
        }
        ["s"] => SheetOp::Submit,
        ["c"] => SheetOp::Confirm,
        _ => return Err(DecodeError::Malformed),
    })
}

impl Action {
    pub fn encode(&self) -> String {
        let body = match self {
            Action::Answer { question, index } => format!("a:{question}:{index}"),
            Action::Toggle { question, index } => format!("t:{question}:{index}"),
            Action::Submit { question } => format!("s:{question}"),
            Action::Next(NextScope::All) => "n:a".into(),
            Action::Next(NextScope::Review) => "n:r".into(),
            Action::Next(NextScope::Chapter(c)) => format!("n:{c}"),
            Action::Read { section } => format!("r:{section}"),
            Action::Page { chapter, index } => format!("p:{chapter}:{index}"),
            Action::Subscribe => "d".into(),
            Action::Forget { confirm } => format!("f:{}", u8::from(*confirm)),
            Action::Exam { exam, op } => match op {
                SheetOp::Go(i) => format!("x:{exam}:g:{i}"),
                SheetOp::Pick(i, o) => format!("x:{exam}:p:{i}:{o}"),
                SheetOp::Submit => format!("x:{exam}:s"),
                SheetOp::Confirm => format!("x:{exam}:c"),
            },
            Action::Next(NextScope::Drill(d)) => {
                let set = match d {
                    Drill::Mistakes(_) => "m",
                    Drill::Starred(_) => "s",
                    Drill::Practice(Mode::Order, _) => "o",
                    Drill::Practice(Mode::Random, _) => "u",
                };
                match d.chapter() {
                    Some(c) => format!("n:{set}:{c}"),
                    None => format!("n:{set}"),
                }
            }
            Action::Star { question } => format!("v:{question}"),
            Action::Open { question } => format!("o:{question}"),
            Action::SearchPage { hash, page } => format!("g:{hash:08x}:{page}"),
            Action::Study { chapter: None } => "y".into(),
            Action::Study { chapter: Some(c) } => format!("y:{c}"),
        };
        let data = format!("{VERSION}:{body}");
        debug_assert!(data.len() <= MAX_BYTES, "callback data too long: {data}");
        data
    }

    pub fn decode(data: &str) -> Result<Action, DecodeError> {
        if data.len() > MAX_BYTES {
            return Err(DecodeError::TooLong);
        }
        let mut parts = data.split(':');
        if parts.next() != Some(VERSION) {
            return Err(DecodeError::Version);
        }
        let op = parts.next().ok_or(DecodeError::Malformed)?;
        let fields: Vec<&str> = parts.collect();
        let id = |s: &str| {
            if valid_id(s) {
                Ok(s.to_string())
            } else {
                Err(DecodeError::Malformed)
            }
        };
        let index = |s: &str| match s.parse::<u8>() {
            Ok(i) if i < 8 && s.len() == 1 => Ok(i),
            _ => Err(DecodeError::Malformed),
        };
        let action = match (op, fields.as_slice()) {
            ("a", [q, i]) => Action::Answer {
                question: id(q)?,
                index: index(i)?,
            },
            ("t", [q, i]) => Action::Toggle {
                question: id(q)?,
                index: index(i)?,
            },
            ("s", [q]) => Action::Submit { question: id(q)? },
            ("n", [set @ ("m" | "s" | "o" | "u"), rest @ ..]) if rest.len() <= 1 => {
                let chapter = match rest {
                    [c] => Some(c.parse().map_err(|_| DecodeError::Malformed)?),
                    _ => None,
                };
                Action::Next(NextScope::Drill(match *set {
                    "m" => Drill::Mistakes(chapter),
                    "o" => Drill::Practice(Mode::Order, chapter),
                    "u" => Drill::Practice(Mode::Random, chapter),
                    _ => Drill::Starred(chapter),
                }))
            }
            ("n", ["a"]) => Action::Next(NextScope::All),
            ("n", ["r"]) => Action::Next(NextScope::Review),
            ("n", [c]) => Action::Next(NextScope::Chapter(
                c.parse().map_err(|_| DecodeError::Malformed)?,
            )),
            ("r", [s]) => Action::Read { section: id(s)? },
            ("p", [c, i]) => Action::Page {
                chapter: c.parse().map_err(|_| DecodeError::Malformed)?,
                index: i.parse().map_err(|_| DecodeError::Malformed)?,
            },
            ("v", [q]) => Action::Star { question: id(q)? },
            ("o", [q]) => Action::Open { question: id(q)? },
            ("g", [h, p]) if h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Action::SearchPage {
                    hash: u32::from_str_radix(h, 16).map_err(|_| DecodeError::Malformed)?,
                    page: p.parse().map_err(|_| DecodeError::Malformed)?,
                }
            }
            ("y", []) => Action::Study { chapter: None },
            ("y", [c]) => Action::Study {
                chapter: Some(c.parse().map_err(|_| DecodeError::Malformed)?),
            },
            ("d", []) => Action::Subscribe,
            ("f", ["1"]) => Action::Forget { confirm: true },
            ("f", ["0"]) => Action::Forget { confirm: false },
            ("x", [exam, rest @ ..]) => Action::Exam {
                exam: number(exam)?,
                op: sheet_op(rest)?,
            },
            _ => return Err(DecodeError::Malformed),
        };
        Ok(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn long_id() -> String {
        "c99-q99-abcdefghijklmnop".to_string() // 24 bytes, the longest id the bank allows
    }

    #[test]
    fn round_trips() {
        let cases = [
            Action::Answer {
                question: long_id(),
                index: 7,
            },
            Action::Toggle {
                question: "c1-q01".into(),
                index: 0,
            },
            Action::Submit {
                question: long_id(),
            },
            Action::Next(NextScope::All),
            Action::Next(NextScope::Review),
            Action::Next(NextScope::Chapter(8)),
            Action::Read { section: long_id() },
            Action::Page {
                chapter: 99,
                index: 65535,
            },
            Action::Subscribe,
            Action::Forget { confirm: true },
            Action::Forget { confirm: false },
            Action::Exam {
                exam: u32::MAX,
                op: SheetOp::Pick(u16::MAX, 7),
            },
            Action::Exam {
                exam: 0,
                op: SheetOp::Go(89),
            },
            Action::Exam {
                exam: 12345,
                op: SheetOp::Submit,
            },
            Action::Exam {
                exam: 12345,
                op: SheetOp::Confirm,
            },
            Action::Next(NextScope::Drill(Drill::Mistakes(None))),
            Action::Next(NextScope::Drill(Drill::Mistakes(Some(255)))),
            Action::Next(NextScope::Drill(Drill::Starred(None))),
            Action::Next(NextScope::Drill(Drill::Starred(Some(3)))),
            Action::Next(NextScope::Drill(Drill::Practice(Mode::Order, None))),
            Action::Next(NextScope::Drill(Drill::Practice(Mode::Order, Some(255)))),
            Action::Next(NextScope::Drill(Drill::Practice(Mode::Random, None))),
            Action::Next(NextScope::Drill(Drill::Practice(Mode::Random, Some(1)))),
            Action::Star {
                question: long_id(),
            },
            Action::Open {
                question: long_id(),
            },
            Action::SearchPage {
                hash: u32::MAX,
                page: u16::MAX,
            },
            Action::SearchPage { hash: 0, page: 0 },
            Action::Study { chapter: None },
            Action::Study { chapter: Some(255) },
        ];
        for a in cases {
            let data = a.encode();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert_eq!(Action::decode(&data), Ok(a), "{data}");
        }
    }

    #[test]
    fn rejects_bad_data() {
        let cases: &[(&str, DecodeError)] = &[
            ("", DecodeError::Version),
            ("0:a:c1-q01:1", DecodeError::Version),
            ("2:a:c1-q01:1", DecodeError::Version),
            ("1", DecodeError::Malformed),
            ("1:a:c1-q01", DecodeError::Malformed),
            ("1:a:c1-q01:8", DecodeError::Malformed),
            ("1:a:c1-q01:01", DecodeError::Malformed),
            ("1:a:c1 q01:1", DecodeError::Malformed),
            ("1:a::1", DecodeError::Malformed),
            ("1:a:题目:1", DecodeError::Malformed),
            ("1:z", DecodeError::Malformed),
            ("1:f:2", DecodeError::Malformed),
            ("1:p:300:1", DecodeError::Malformed),
            ("1:d:x", DecodeError::Malformed),
            ("1:x:12:p:1:8", DecodeError::Malformed),
            ("1:x:012:s", DecodeError::Malformed),
            ("1:x:-1:s", DecodeError::Malformed),
            ("1:x:4294967296:s", DecodeError::Malformed),
            ("1:x:1:g:70000", DecodeError::Malformed),
            ("1:x:1:q", DecodeError::Malformed),
            ("1:x:1", DecodeError::Malformed),
            ("1:x:1:s:1", DecodeError::Malformed),
            ("1:n:m:x", DecodeError::Malformed),
            ("1:n:m:1:2", DecodeError::Malformed),
            ("1:n:s:256", DecodeError::Malformed),
            ("1:n:o:x", DecodeError::Malformed),
            ("1:n:u:1:2", DecodeError::Malformed),
            ("1:v", DecodeError::Malformed),
            ("1:v:题", DecodeError::Malformed),
            ("1:o:a:b", DecodeError::Malformed),
            ("1:g:1234567:0", DecodeError::Malformed),
            ("1:g:zzzzzzzz:0", DecodeError::Malformed),
            ("1:g:00000000:70000", DecodeError::Malformed),
            ("1:y:x", DecodeError::Malformed),
            ("1:y:1:2", DecodeError::Malformed),
        ];
        for (data, want) in cases {
            assert_eq!(Action::decode(data).as_ref(), Err(want), "{data:?}");
        }
        let long = format!("1:r:{}", "x".repeat(70));
        assert_eq!(Action::decode(&long), Err(DecodeError::TooLong));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_data(data in "\\PC{0,80}") {
            let _ = Action::decode(&data);
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let data = String::from_utf8_lossy(&bytes);
            if let Ok(a) = Action::decode(&data) {
                // Whatever decodes re-encodes to data that decodes the same.
                prop_assert_eq!(Action::decode(&a.encode()), Ok(a));
            }
        }
    }
}
