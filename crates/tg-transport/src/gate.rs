//! Flood control at the door of teloxide's dispatcher: a sender past a rate limit is
//! muted (one notice), and each chat's queue of admitted, unhandled updates is
//! bounded, so a flood costs the flooder's chat and nobody else.
//!
//! Use [`FloodGate::admit`] in the dispatcher's distribution function (before an
//! update waits in its chat's queue) and [`FloodGate::reached`] first thing in the
//! handlers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Updates one user may send per window; past it they are muted (one notice) until
/// they pause for a window, or for at most `FLOOD_MUTE`.
pub const FLOOD_LIMIT: u32 = 30;
pub const FLOOD_WINDOW: Duration = Duration::from_secs(10);
pub const FLOOD_MUTE: Duration = Duration::from_secs(60);
/// teloxide's queue per chat. When one chat's queue is full the dispatcher waits for
/// it, and so does every other chat: the gate keeps each chat's backlog below it.
pub const WORKER_QUEUE: usize = 512;
/// Updates admitted to a chat's queue and not yet handled, at most (a private chat is
/// one user; a group may get a burst of answers from all its members at once).
pub const PRIVATE_BACKLOG: usize = 40;
pub const GROUP_BACKLOG: usize = 400;
const _: () = assert!(PRIVATE_BACKLOG < WORKER_QUEUE && GROUP_BACKLOG < WORKER_QUEUE);

/// Flood control at the door: decided when the dispatcher receives an update, before
/// it waits in its chat's queue (teloxide's distribution function), so a flood costs
/// the flooder's chat and nobody else. Handlers see dropped updates as [`Dropped`]. Chats with a positive id are
/// private (one user), others groups.
#[derive(Default)]
pub struct FloodGate {
    users: HashMap<i64, Flood>,
    /// When `users` was last swept of senders gone quiet.
    swept: Option<Instant>,
    /// Admitted and not yet handled, per chat.
    backlog: HashMap<i64, usize>,
    /// Updates dropped at the door, and why.
    dropped: HashMap<u32, Dropped>,
}

/// Senders tracked before quiet ones are swept out (at most once a window, so the
/// gate's cost per update does not grow with the number of senders).
const FLOOD_USERS_KEPT: usize = 10_000;

struct Flood {
    start: Instant,
    count: u32,
    last: Instant,
    muted_at: Option<Instant>,
}

/// Why the [`FloodGate`] refused an update. A dropped button tap is still answered
/// (a toast, or at least an empty answer that stops the client's spinner).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropped {
    /// The sender is flooding; `notify`: the first of the flood, which gets a notice.
    Flood { notify: bool },
    /// The chat's backlog is full (a burst of answers in a big group).
    Busy,
}

impl FloodGate {
    /// `Some(notify)` when `user` is over the limit: muted (no more updates handled)
    /// until they pause for a window, with one notice when the mute starts.
    fn flooding(&mut self, user: i64, now: Instant) -> Option<bool> {
        let due = self
            .swept
            .is_none_or(|at| now.duration_since(at) >= FLOOD_WINDOW);
        if self.users.len() > FLOOD_USERS_KEPT && due {
            self.users
                .retain(|_, f| now.duration_since(f.last) < FLOOD_MUTE.max(FLOOD_WINDOW));
            self.swept = Some(now);
        }
        let f = self.users.entry(user).or_insert(Flood {
            start: now,
            count: 0,
            last: now,
            muted_at: None,
        });
        let quiet = now.duration_since(f.last) >= FLOOD_WINDOW;
        f.last = now;
        if let Some(at) = f.muted_at {
            if !quiet && now.duration_since(at) < FLOOD_MUTE {
                return Some(false);
            }
            f.muted_at = None;
            f.start = now;
            f.count = 0;
        }
        if now.duration_since(f.start) >= FLOOD_WINDOW {
            f.start = now;
            f.count = 0;
        }
        f.count += 1;
        if f.count <= FLOOD_LIMIT {
            return None;
        }
        f.muted_at = Some(now);
        Some(true)
    }

    /// Admits an update to `chat`'s queue, or drops it (flooding sender, or a chat
    /// whose backlog is full).
    pub fn admit(&mut self, update: u32, chat: i64, user: Option<i64>, now: Instant) -> bool {
        let dropped = match user.and_then(|u| self.flooding(u, now)) {
            Some(notify) => Some(Dropped::Flood { notify }),
            None => {
                let cap = if chat > 0 {
                    PRIVATE_BACKLOG
                } else {
                    GROUP_BACKLOG
                };
                let queued = self.backlog.entry(chat).or_default();
                if *queued < cap {
                    *queued += 1;
                    None
                } else {
                    Some(Dropped::Busy)
                }
            }
        };
        match dropped {
            None => true,
            Some(why) => {
                if self.dropped.len() > 100_000 {
                    self.dropped.clear();
                }
                self.dropped.insert(update, why);
                false
            }
        }
    }

    /// An update reached the handlers: takes it off its chat's backlog, or returns
    /// how it was dropped.
    pub fn reached(&mut self, update: u32, chat: Option<i64>) -> Option<Dropped> {
        if let Some(why) = self.dropped.remove(&update) {
            return Some(why);
        }
        if let Some(chat) = chat {
            if let Some(q) = self.backlog.get_mut(&chat) {
                *q = q.saturating_sub(1);
                if *q == 0 {
                    self.backlog.remove(&chat);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flood_gate_mutes_a_flooder_once_and_bounds_each_backlog() {
        let mut g = FloodGate::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        // 30 updates in a window pass; the 31st is dropped with a notice, later ones
        // silently, as long as the flood goes on.
        for i in 0..30 {
            assert!(g.admit(i, 7, Some(7), at(u64::from(i))));
            assert!(g.reached(i, Some(7)).is_none());
        }
        assert!(!g.admit(30, 7, Some(7), at(30)));
        assert_eq!(
            g.reached(30, Some(7)),
            Some(Dropped::Flood { notify: true })
        );
        for i in 31..200 {
            assert!(!g.admit(i, 7, Some(7), at(100 * u64::from(i))));
            assert_eq!(
                g.reached(i, Some(7)),
                Some(Dropped::Flood { notify: false })
            );
        }
        // Another user is not affected.
        assert!(g.admit(1000, 8, Some(8), at(20_000)));
        assert!(g.reached(1000, Some(8)).is_none());
        // After a pause of a window the flooder is welcome again.
        assert!(g.admit(2000, 7, Some(7), at(19_900 + 10_000)));
        // A chat whose handler is stuck keeps at most its backlog queued.
        let mut g = FloodGate::default();
        let admitted = (0..100)
            .filter(|i| g.admit(*i, 9, Some(10_000 + i64::from(*i)), at(0)))
            .count();
        assert_eq!(admitted, PRIVATE_BACKLOG);
        assert_eq!(g.reached(99, Some(9)), Some(Dropped::Busy));
        assert!(g.reached(0, Some(9)).is_none());
        assert!(g.admit(100, 9, Some(1), at(0)));
        // Groups take a burst of answers from many members.
        let admitted = (200..700)
            .filter(|i| g.admit(*i, -9, Some(i64::from(*i)), at(0)))
            .count();
        assert_eq!(admitted, GROUP_BACKLOG);
    }

    #[test]
    fn the_flood_gate_sweeps_quiet_senders_at_most_once_a_window() {
        let mut g = FloodGate::default();
        let t0 = Instant::now();
        let n = FLOOD_USERS_KEPT as i64 * 3;
        for u in 0..n {
            assert!(g.admit(u as u32, u, Some(u), t0));
            g.reached(u as u32, Some(u));
        }
        // All were active just now: none is swept, and no sweep runs again at once
        // (which made every update cost a scan of every sender).
        assert_eq!(g.users.len(), n as usize);
        let later = t0 + FLOOD_MUTE + FLOOD_WINDOW;
        g.admit(1, 1, Some(1), later);
        assert_eq!(
            g.users.len(),
            1,
            "the quiet senders are swept after a window"
        );
        assert_eq!(g.swept, Some(later));
    }
}
