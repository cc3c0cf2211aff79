//! Structured logs on stderr, with the bot token and raw API bodies scrubbed from
//! every line.
//!
//! teloxide already redacts the token in its errors; this is the second line of
//! defence for anything else (a dependency logging a request URL at debug level).
//! teloxide's `InvalidJson` error quotes the body it could not parse (`raw: "…"`),
//! which may hold message texts and names: the quote is cut from every line.

use std::io::{self, Write};
use std::sync::Arc;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber. `RUST_LOG` overrides the default level (`info`).
pub fn init(secret: Option<String>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // Request URLs contain the token: keep HTTP internals quiet whatever RUST_LOG says.
        .add_directive("reqwest=warn".parse().expect("static directive"))
        .add_directive("hyper=warn".parse().expect("static directive"))
        .add_directive("hyper_util=warn".parse().expect("static directive"));
    let writer = Redacting {
        secret: secret.filter(|s| !s.is_empty()).map(Arc::from),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
        .try_init();
}

#[derive(Clone)]
struct Redacting {
    secret: Option<Arc<str>>,
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> RedactingWriter {
        RedactingWriter {
            secret: self.secret.clone(),
            buf: Vec::new(),
        }
    }
}

/// Buffers one event, scrubs it, writes it to stderr in one call on drop.
pub struct RedactingWriter {
    secret: Option<Arc<str>>,
    buf: Vec<u8>,
}

impl Write for RedactingWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingWriter {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.buf);
        let text = omit_raw_bodies(&text);
        let text = match &self.secret {
            Some(s) => redact(&text, s),
            None => text,
        };
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }
}

/// Replaces the secret, and the part after the colon of a bot token, with `[redacted]`.
pub fn redact(text: &str, secret: &str) -> String {
    let mut out = text.replace(secret, "[redacted]");
    if let Some((_, tail)) = secret.split_once(':') {
        if tail.len() >= 8 {
            out = out.replace(tail, "[redacted]");
        }
    }
    out
}

/// Replaces each `raw: "<Rust string literal>"` with `raw: [N bytes omitted]`.
pub fn omit_raw_bodies(text: &str) -> String {
    const MARK: &str = "raw: \"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let body = &rest[at + MARK.len()..];
        // The literal ends at the first quote not escaped by a backslash.
        let mut escaped = false;
        let end = body
            .char_indices()
            .find(|&(_, c)| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end
            })
            .map_or(body.len(), |(i, _)| i);
        out.push_str(&format!("raw: [{end} bytes omitted]"));
        rest = body.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_the_token_and_its_secret_half() {
        let t = "123:abcdefghijklmnop";
        assert_eq!(
            redact("GET /bot123:abcdefghijklmnop/x", t),
            "GET /bot[redacted]/x"
        );
        assert_eq!(redact("key abcdefghijklmnop", t), "key [redacted]");
        assert_eq!(redact("nothing here", t), "nothing here");
    }

    #[test]
    fn raw_bodies_quoted_by_teloxide_are_cut() {
        for (line, want) in [
            (
                r#"error: parsing JSON: EOF (raw: "<html>secret \"q\" 502</html>") at x"#,
                "error: parsing JSON: EOF (raw: [29 bytes omitted]) at x",
            ),
            (
                r#"InvalidJson { source: E, raw: "{\"text\":\"secret\"}" } and raw: "" end"#,
                "InvalidJson { source: E, raw: [21 bytes omitted] } and raw: [0 bytes omitted] end",
            ),
            (
                r#"cut raw: "secret to the end"#,
                "cut raw: [17 bytes omitted]",
            ),
            (
                r#"raw: "ends in a backslash \\" tail"#,
                "raw: [22 bytes omitted] tail",
            ),
            ("nothing raw here", "nothing raw here"),
        ] {
            assert_eq!(omit_raw_bodies(line), want, "{line}");
        }
    }
}
