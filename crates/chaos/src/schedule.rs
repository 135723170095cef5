//! The fault schedule, drawn from a seed: the same seed, shape and length give the same
//! faults at the same times, so a run that found a breach can be played again.

use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::{fmt, time::Duration};

/// What the faults can reach.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Validators (GRANDPA finalises with more than two thirds of them).
    pub validators: usize,
    /// Provers.
    pub provers: usize,
    /// Watchers.
    pub watchers: usize,
    /// Clients; the first `channel_clients` pay over channels and keep receipts on a disk
    /// that can fill up.
    pub clients: usize,
    /// Clients that pay over channels.
    pub channel_clients: usize,
    /// Whether validators can be partitioned (they run in network namespaces).
    pub partitions: bool,
}

/// One process of the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Actor {
    /// A validator, by index.
    Validator(usize),
    /// A prover daemon.
    Prover(usize),
    /// A watcher.
    Watcher(usize),
    /// A client's loop of runs.
    Client(usize),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Validator(i) => write!(f, "validator {i}"),
            Self::Prover(i) => write!(f, "prover {i}"),
            Self::Watcher(i) => write!(f, "watcher {i}"),
            Self::Client(i) => write!(f, "client {i}"),
        }
    }
}

/// A fault, from its start to its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// SIGKILL, and no restart until the fault ends.
    Kill(Actor),
    /// SIGSTOP, then SIGCONT: the process wakes with stale state.
    Pause(Actor),
    /// Two validators stopped: finality (three of four) stalls while blocks go on.
    Stall(usize, usize),
    /// These validators cut off from the others (their RPC stays reachable).
    Partition(Vec<usize>),
    /// The disk under the actor's journal or receipts is full.
    DiskFull(Actor),
    /// The prover's RPC connections are cut in the middle of responses.
    CutRpc(usize),
}

impl Fault {
    /// Its kind, for counting.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Kill(_) => "kill",
            Self::Pause(_) => "pause",
            Self::Stall(..) => "stall",
            Self::Partition(_) => "partition",
            Self::DiskFull(_) => "disk-full",
            Self::CutRpc(_) => "cut-rpc",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kill(a) => write!(f, "SIGKILL {a}"),
            Self::Pause(a) => write!(f, "SIGSTOP {a}"),
            Self::Stall(a, b) => write!(f, "stall finality: stop validators {a} and {b}"),
            Self::Partition(side) => write!(f, "partition validators {side:?} from the rest"),
            Self::DiskFull(a) => write!(f, "fill the disk of {a}"),
            Self::CutRpc(p) => write!(f, "cut the RPC connections of prover {p} mid-response"),
        }
    }
}

/// A fault at its time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// Milliseconds after the faults begin.
    pub at_ms: u64,
    /// How long it lasts, in milliseconds.
    pub lasts_ms: u64,
    /// The fault.
    pub fault: Fault,
}

/// What a fault holds while it lasts: two faults that hold the same thing never overlap,
/// since the end of one would undo the other (a SIGCONT waking a process another pause
/// holds, a heal removing another partition's routes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Process(Actor),
    Network,
    Disk(Actor),
    Proxy(usize),
}

fn targets(fault: &Fault) -> Vec<Target> {
    match fault {
        Fault::Kill(a) | Fault::Pause(a) => vec![Target::Process(*a)],
        Fault::Stall(a, b) => vec![Target::Process(Actor::Validator(*a)), Target::Process(Actor::Validator(*b))],
        Fault::Partition(_) => vec![Target::Network],
        Fault::DiskFull(a) => vec![Target::Disk(*a)],
        Fault::CutRpc(p) => vec![Target::Proxy(*p)],
    }
}

/// The faults of a run of `length`, one drawn in each `window` (at a random moment of its
/// first half), each lasting up to two windows, so that faults overlap, though never two
/// on the same target (a window whose draws all meet one under way has none).
pub fn draw(seed: u64, shape: &Shape, length: Duration, window: Duration) -> Vec<Planned> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let window_ms = window.as_millis().max(2) as u64;
    let length_ms = length.as_millis() as u64;
    let mut plan: Vec<Planned> = Vec::new();
    let mut start = 0;
    while start < length_ms {
        let at_ms = start + rng.gen_range(0..window_ms / 2);
        let held: Vec<Target> =
            plan.iter().filter(|p| p.at_ms + p.lasts_ms > at_ms).flat_map(|p| targets(&p.fault)).collect();
        let Some(fault) = (0..8).map(|_| one(&mut rng, shape)).find(|f| targets(f).iter().all(|t| !held.contains(t)))
        else {
            start += window_ms;
            continue;
        };
        let lasts_ms = match fault {
            Fault::Kill(_) => rng.gen_range(1_000..=window_ms.max(1_001)),
            Fault::Pause(_) => rng.gen_range(1_000..=(2 * window_ms).max(1_001)),
            Fault::Stall(..) => rng.gen_range(window_ms..=2 * window_ms),
            Fault::Partition(_) | Fault::DiskFull(_) => rng.gen_range(window_ms / 2..=2 * window_ms),
            Fault::CutRpc(_) => rng.gen_range(window_ms / 2..=window_ms),
        };
        if at_ms < length_ms {
            plan.push(Planned { at_ms, lasts_ms, fault });
        }
        start += window_ms;
    }
    plan
}

fn one(rng: &mut ChaCha8Rng, shape: &Shape) -> Fault {
    let mut kinds = vec![("kill", 3), ("pause", 2), ("disk", 2), ("cut", 2)];
    if shape.validators >= 2 {
        kinds.push(("stall", 1));
    }
    if shape.partitions && shape.validators >= 2 {
        kinds.push(("partition", 1));
    }
    let kind = kinds.choose_weighted(rng, |(_, w)| *w).map(|(k, _)| *k).unwrap_or("kill");
    match kind {
        "pause" => Fault::Pause(any_actor(rng, shape)),
        "disk" => {
            // Provers' journals and the channel clients' receipts are on disks that fill.
            let i = rng.gen_range(0..shape.provers + shape.channel_clients);
            Fault::DiskFull(if i < shape.provers { Actor::Prover(i) } else { Actor::Client(i - shape.provers) })
        }
        "cut" => Fault::CutRpc(rng.gen_range(0..shape.provers)),
        "stall" => {
            let mut v: Vec<usize> = (0..shape.validators).collect();
            v.shuffle(rng);
            Fault::Stall(v[0].min(v[1]), v[0].max(v[1]))
        }
        "partition" => {
            let mut v: Vec<usize> = (0..shape.validators).collect();
            v.shuffle(rng);
            // One cut off (finality goes on), or an even split (it stalls).
            let side = if rng.gen_bool(0.5) { 1 } else { shape.validators / 2 };
            let mut side: Vec<usize> = v[..side].to_vec();
            side.sort_unstable();
            Fault::Partition(side)
        }
        _ => Fault::Kill(any_actor(rng, shape)),
    }
}

fn any_actor(rng: &mut ChaCha8Rng, shape: &Shape) -> Actor {
    let all = shape.validators + shape.provers + shape.watchers + shape.clients;
    let mut i = rng.gen_range(0..all);
    for (n, make) in [
        (shape.validators, Actor::Validator as fn(usize) -> Actor),
        (shape.provers, Actor::Prover),
        (shape.watchers, Actor::Watcher),
    ] {
        if i < n {
            return make(i);
        }
        i -= n;
    }
    Actor::Client(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shape() -> Shape {
        Shape { validators: 4, provers: 3, watchers: 2, clients: 3, channel_clients: 2, partitions: true }
    }

    #[test]
    fn a_seed_gives_the_same_schedule_and_another_seed_another() {
        let (length, window) = (Duration::from_secs(300), Duration::from_secs(15));
        assert_eq!(draw(7, &shape(), length, window), draw(7, &shape(), length, window));
        assert_ne!(draw(7, &shape(), length, window), draw(8, &shape(), length, window));
    }

    #[test]
    fn a_long_run_draws_every_kind_of_fault() {
        let plan = draw(1, &shape(), Duration::from_secs(1800), Duration::from_secs(15));
        for kind in ["kill", "pause", "stall", "partition", "disk-full", "cut-rpc"] {
            assert!(plan.iter().any(|p| p.fault.kind() == kind), "no {kind} in 30 minutes");
        }
        let no_partitions = Shape { partitions: false, ..shape() };
        let plan = draw(1, &no_partitions, Duration::from_secs(1800), Duration::from_secs(15));
        assert!(plan.iter().all(|p| p.fault.kind() != "partition"), "partitions drawn without namespaces");
    }

    proptest! {
        #[test]
        fn faults_name_only_what_exists_and_fit_their_windows(seed in any::<u64>(), minutes in 1u64..20) {
            let s = shape();
            let window = Duration::from_secs(15);
            let plan = draw(seed, &s, Duration::from_secs(minutes * 60), window);
            prop_assert!(plan.len() as u64 <= minutes * 4 && plan.len() as u64 >= minutes * 3);
            for (i, a) in plan.iter().enumerate() {
                for b in &plan[i + 1..] {
                    let overlap = b.at_ms < a.at_ms + a.lasts_ms;
                    let shared = targets(&a.fault).iter().any(|t| targets(&b.fault).contains(t));
                    prop_assert!(!(overlap && shared), "{:?} and {:?} overlap on a target", a, b);
                }
            }
            let exists = |a: &Actor| match *a {
                Actor::Validator(i) => i < s.validators,
                Actor::Prover(i) => i < s.provers,
                Actor::Watcher(i) => i < s.watchers,
                Actor::Client(i) => i < s.clients,
            };
            for p in &plan {
                prop_assert!(p.at_ms % 15_000 < 7_500);
                prop_assert!(p.lasts_ms >= 1_000 && p.lasts_ms <= 30_000);
                match &p.fault {
                    Fault::Kill(a) | Fault::Pause(a) => prop_assert!(exists(a)),
                    Fault::DiskFull(a) => prop_assert!(matches!(a, Actor::Prover(i) if *i < s.provers)
                        || matches!(a, Actor::Client(i) if *i < s.channel_clients)),
                    Fault::Stall(a, b) => prop_assert!(a < b && *b < s.validators),
                    Fault::Partition(side) => prop_assert!(!side.is_empty() && side.len() < s.validators),
                    Fault::CutRpc(p) => prop_assert!(*p < s.provers),
                }
            }
        }
    }
}
