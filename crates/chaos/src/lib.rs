//! `ghost-chaos`: the whole system under faults, as Jepsen tests databases.
//!
//! A run starts a local network of four validators (GRANDPA finalises with three, so it
//! survives one down), three provers (one lazy), two watchers and three clients (two pay
//! over channels, one on chain), all real `ghost-node` and `ghost` processes. For the
//! run's length, one fault a window is drawn from the seed ([`schedule`]) and injected:
//! SIGKILL and restart, SIGSTOP and SIGCONT, two validators stopped (finality stalls),
//! validators partitioned in network namespaces, a full disk under a journal, a prover's
//! RPC cut mid-response. Then every fault is healed, the clients close their channels and
//! the run settles. Every actor's doings go to a history ([`history`]); the checker
//! ([`check`]) reads it with the actors' journals and the final chain state and names each
//! guarantee broken.
//!
//! Map: [`run`] drives [`cluster`], which owns the processes ([`actors`]), the validators'
//! network ([`net`]), the disks ([`disk`]) and the provers' proxies ([`proxy`]); [`sample`]
//! records finality and memory; [`inputs`] draws what clients ask.

pub mod actors;
pub mod check;
pub mod cluster;
pub mod disk;
pub mod history;
pub mod inputs;
pub mod net;
pub mod proxy;
pub mod run;
pub mod sample;
pub mod schedule;
