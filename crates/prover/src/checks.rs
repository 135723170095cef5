//! The watcher's schedule of checks: which results it checks next (the earliest deadline
//! first, each once, none too late to be reported), and how a check's task carries on
//! after a failed try (backing off, stopping at the deadline, giving up when the chain
//! goes quiet so that a later block takes the result up again).

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

/// Blocks a report needs after the finalised head before its result's deadline: the
/// commitment in one block, its reveal in a later one.
pub const REPORT_BLOCKS: u32 = 2;
/// First wait before a failed step is tried again; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Longest wait between tries.
const MAX_RETRY: Duration = Duration::from_secs(8);
/// First wait after a failed report (a transaction that may have cost a fee); it doubles
/// up to [`MAX_REPORT_RETRY`].
const FIRST_REPORT_RETRY: Duration = Duration::from_secs(8);
/// Longest wait after a failed report.
const MAX_REPORT_RETRY: Duration = Duration::from_secs(64);
/// Failed tries in a row with no new finalised block seen, after which a task gives up
/// (the connection is likely gone: a later block takes the result up again).
const STALE_TRIES: u32 = 5;

/// Whether a report on a result due by block `deadline` can still land, at finalised
/// block `now`.
pub fn reportable(now: u32, deadline: u32) -> bool {
    now.saturating_add(REPORT_BLOCKS) <= deadline
}

/// Checks waiting for a task, by deadline, and every result taken up (each once, until
/// forgotten).
pub struct Schedule<S> {
    pending: BTreeMap<(u32, u64), S>,
    seen: BTreeSet<u64>,
}

impl<S> Default for Schedule<S> {
    fn default() -> Self {
        Self { pending: BTreeMap::new(), seen: BTreeSet::new() }
    }
}

impl<S> Schedule<S> {
    /// Queue the check of request `id`'s result, due by block `deadline`, unless it was
    /// taken up already.
    pub fn offer(&mut self, id: u64, deadline: u32, source: S) {
        if self.seen.insert(id) {
            self.pending.insert((deadline, id), source);
        }
    }

    /// Whether request `id`'s result was taken up.
    pub fn taken(&self, id: u64) -> bool {
        self.seen.contains(&id)
    }

    /// Forget request `id`, so that it is taken up again when offered.
    pub fn forget(&mut self, id: u64) {
        self.seen.remove(&id);
        self.pending.retain(|&(_, i), _| i != id);
    }

    /// Keep only the requests `open` says are (the others closed).
    pub fn retain(&mut self, open: impl Fn(u64) -> bool) {
        self.seen.retain(|&id| open(id));
        self.pending.retain(|&(_, id), _| open(id));
    }

    /// The next check at finalised block `now`: the earliest deadline that a report can
    /// still meet (those that cannot are dropped, still taken up).
    pub fn next(&mut self, now: u32) -> Option<(u64, S)> {
        while let Some(((deadline, id), source)) = self.pending.pop_first() {
            if reportable(now, deadline) {
                return Some((id, source));
            }
            tracing::info!(request = id, deadline, now, "too late to report on the result: not checked");
        }
        None
    }
}

/// How a check's task carries on after a failed try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Try again after this wait.
    Retry(Duration),
    /// Stop: the request closed or its deadline passed.
    Stop,
    /// Give up for now: no news of the chain for several tries (forget the result, so
    /// that a later block takes it up again).
    GiveUp,
}

/// The tries of one task.
pub struct Tries {
    retry: Duration,
    /// The finalised block seen at the last try, and the tries since it changed.
    last: u32,
    stale: u32,
}

impl Tries {
    /// A task started at finalised block `now`.
    pub fn new(now: u32) -> Self {
        Self { retry: FIRST_RETRY, last: now, stale: 0 }
    }

    /// After a failed try (`costly`: a report, which may have cost a fee), at finalised
    /// block `now`, the request due by `deadline` (`None`: closed).
    pub fn after(&mut self, costly: bool, now: u32, deadline: Option<u32>) -> Next {
        if deadline.is_none_or(|deadline| now > deadline) {
            return Next::Stop;
        }
        if now == self.last {
            self.stale += 1;
            if self.stale >= STALE_TRIES {
                return Next::GiveUp;
            }
        } else {
            (self.last, self.stale) = (now, 0);
        }
        let (first, max) = if costly { (FIRST_REPORT_RETRY, MAX_REPORT_RETRY) } else { (FIRST_RETRY, MAX_RETRY) };
        let wait = self.retry.max(first);
        self.retry = (wait * 2).min(max);
        Next::Retry(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks go earliest deadline first, each once until forgotten; those too late to be
    /// reported are dropped; closed requests leave the schedule.
    #[test]
    fn checks_go_earliest_deadline_first() {
        let mut s = Schedule::default();
        s.offer(1, 40, 'a');
        s.offer(2, 30, 'b');
        s.offer(3, 11, 'c');
        s.offer(2, 30, 'x');
        assert_eq!(s.next(10), Some((2, 'b')), "3 is too late to report at block 10");
        assert!(s.taken(3));
        s.offer(3, 11, 'c');
        assert_eq!(s.next(10), Some((1, 'a')), "taken up once");
        assert_eq!(s.next(10), None);
        s.forget(2);
        s.offer(2, 30, 'y');
        assert_eq!(s.next(10), Some((2, 'y')), "forgotten, taken up again");
        s.offer(4, 50, 'd');
        s.retain(|id| id != 4);
        assert!(!s.taken(4));
        assert_eq!(s.next(10), None, "closed, not checked");
        assert!(reportable(8, 10) && !reportable(9, 10));
    }

    /// A task backs off (longer after a failed report), stops at the deadline or when the
    /// request closed, and gives up when no new block comes.
    #[test]
    fn tasks_back_off_stop_and_give_up() {
        let mut t = Tries::new(10);
        assert_eq!(t.after(false, 11, Some(30)), Next::Retry(Duration::from_secs(1)));
        assert_eq!(t.after(false, 12, Some(30)), Next::Retry(Duration::from_secs(2)));
        assert_eq!(t.after(true, 13, Some(30)), Next::Retry(Duration::from_secs(8)), "a report waits longer");
        assert_eq!(t.after(true, 14, Some(30)), Next::Retry(Duration::from_secs(16)));
        assert_eq!(t.after(false, 31, Some(30)), Next::Stop, "past the deadline");
        assert_eq!(t.after(false, 15, None), Next::Stop, "closed");
        let mut t = Tries::new(10);
        for _ in 1..STALE_TRIES {
            assert!(matches!(t.after(false, 10, Some(30)), Next::Retry(_)));
        }
        assert_eq!(t.after(false, 10, Some(30)), Next::GiveUp, "no news of the chain");
        let mut t = Tries::new(10);
        for now in 11..40 {
            assert!(matches!(t.after(false, now, Some(40)), Next::Retry(d) if d <= MAX_RETRY));
        }
    }
}
