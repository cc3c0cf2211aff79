//! Console input: lines from stdin (as bytes, capped, decoded lossily) and
//! interruptions (SIGINT, SIGTERM, SIGHUP), merged into one stream of [`Input`]s.
//!
//! Two background threads feed a bounded channel: one reads stdin, one waits for
//! signals (`signal-hook`). The main thread only ever handles one [`Input`] at a
//! time, so an interruption is acted on between answers, never in the middle of
//! recording one.

use std::io::{self, BufRead};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

/// Bytes kept of one input line; the rest of a longer line is read and dropped.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// How many lines may wait unread (so `yes | tutor play` cannot fill the memory).
const QUEUE: usize = 8;

/// One thing that happened at the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line, without its line end; invalid UTF-8 replaced by U+FFFD.
    Line(String),
    /// End of input (Ctrl-D at the start of a line, end of a script) or a read error.
    End,
    /// Ctrl-C (or SIGTERM / SIGHUP).
    Interrupt,
}

/// Reads one line of at most `max` bytes (the rest of a longer line is consumed and
/// dropped). `Ok(None)` at end of input; a last line without `\n` is still a line.
/// `\n` and a `\r` before it are not part of the line.
pub fn read_line_capped<R: BufRead>(r: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut any = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(any.then(|| trim_cr(line)));
        }
        any = true;
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = done.unwrap_or(buf.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(trim_cr(line)));
        }
    }
}

fn trim_cr(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

/// The merged input of the real console.
pub struct Inputs {
    rx: Receiver<Input>,
    interrupted: Arc<AtomicBool>,
    ended: bool,
}

impl Inputs {
    /// Starts the stdin reader and the signal watcher.
    ///
    /// Signal handlers are installed before this returns, so from now on Ctrl-C no
    /// longer kills the process: the first one is delivered as [`Input::Interrupt`]
    /// (ahead of any queued lines); a second one, should the first not have ended the
    /// session, exits the process at once with status 130.
    pub fn start() -> io::Result<Inputs> {
        let (tx, rx) = sync_channel(QUEUE);
        let interrupted = Arc::new(AtomicBool::new(false));
        watch_signals(tx.clone(), Arc::clone(&interrupted))?;
        thread::Builder::new()
            .name("tutor-stdin".into())
            .spawn(move || read_stdin(tx))?;
        Ok(Inputs {
            rx,
            interrupted,
            ended: false,
        })
    }

    /// Waits for the next input. After [`Input::End`] or [`Input::Interrupt`], it
    /// keeps returning that.
    pub fn next(&mut self) -> Input {
        if self.interrupted.load(Ordering::SeqCst) {
            return Input::Interrupt;
        }
        if self.ended {
            return Input::End;
        }
        let input = self.rx.recv().unwrap_or(Input::End);
        if self.interrupted.load(Ordering::SeqCst) {
            return Input::Interrupt;
        }
        if input == Input::End {
            self.ended = true;
        }
        input
    }
}

fn read_stdin(tx: SyncSender<Input>) {
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    loop {
        match read_line_capped(&mut lock, MAX_LINE_BYTES) {
            Ok(Some(bytes)) => {
                let line = String::from_utf8_lossy(&bytes).into_owned();
                if tx.send(Input::Line(line)).is_err() {
                    return;
                }
            }
            // End of input, or an error such as EIO after the terminal hung up.
            Ok(None) | Err(_) => {
                let _ = tx.send(Input::End);
                return;
            }
        }
    }
}

fn watch_signals(tx: SyncSender<Input>, flag: Arc<AtomicBool>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new()
        .name("tutor-signals".into())
        .spawn(move || {
            for _ in signals.forever() {
                if flag.swap(true, Ordering::SeqCst) {
                    // The session did not end on the first one: give up at once.
                    std::process::exit(130);
                }
                // Wakes the main thread if it is waiting; if the queue is full, it is
                // busy and sees the flag before its next line.
                let _ = tx.try_send(Input::Interrupt);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Vec<u8>> {
        // A tiny buffer exercises lines spanning several fills.
        let mut r = io::BufReader::with_capacity(3, input);
        let mut out = Vec::new();
        while let Some(l) = read_line_capped(&mut r, max).unwrap_or(None) {
            out.push(l);
        }
        out
    }

    #[test]
    fn reads_capped_lines() {
        let v = |s: &str| s.as_bytes().to_vec();
        assert_eq!(lines(b"", 10), Vec::<Vec<u8>>::new());
        assert_eq!(
            lines(b"a\nbc\r\n\nd", 10),
            vec![v("a"), v("bc"), v(""), v("d")]
        );
        assert_eq!(lines(b"\n", 10), vec![v("")]);
        assert_eq!(
            lines(b"0123456789abcdef\nok\n", 4),
            vec![v("0123"), v("ok")]
        );
        let long = vec![b'x'; 100_000];
        let got = lines(&[&long[..], b"\nB\n"].concat(), MAX_LINE_BYTES);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_LINE_BYTES);
        assert_eq!(got[1], v("B"));
        // Invalid UTF-8 is kept as bytes (decoded lossily by the reader thread).
        assert_eq!(lines(b"\xff\xfe\n", 10), vec![vec![0xff, 0xfe]]);
    }
}
