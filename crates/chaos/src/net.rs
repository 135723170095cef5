//! Where the validators listen: each in a network namespace of its own on a bridge, so that
//! they can be partitioned from each other (blackhole routes) while their RPC stays
//! reachable from the host; or, where namespaces cannot be made (not root, no `ip`), all on
//! loopback with no partitions.

use anyhow::{bail, Context, Result};
use std::{
    collections::BTreeSet,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

/// The validators' network.
pub struct Net {
    kind: Kind,
    validators: usize,
    /// Where the namespaces' tag is written for scripts/chaos.sh, while they exist.
    tag_file: Option<PathBuf>,
}

enum Kind {
    Namespaces { tag: String, subnet: u8 },
    Loopback { p2p: Vec<u16>, rpc: Vec<u16> },
}

const RPC_PORT: u16 = 9944;
/// The validators' subnets are `10.77.N.0/24` for N from here to 254.
const FIRST_SUBNET: u8 = 100;
const SUBNETS: u32 = 255 - FIRST_SUBNET as u32;
const P2P_PORT: u16 = 30333;

/// Run `ip` with `args`, failing with what it said.
fn ip(args: &[&str]) -> Result<()> {
    let out = Command::new("ip").args(args).output().context("running ip (from iproute2)")?;
    if !out.status.success() {
        bail!("ip {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// A loopback port for a process that must find it again when restarted (a prover behind
/// its proxy, a watcher, a validator).
///
/// Not one the OS picks: those come from the ephemeral range, where any outgoing connection
/// of the run (a validator's peer link, a client's subscription) may take it as its local
/// port between being picked and being bound, or while the process that had it is down
/// between a kill and its restart. So the port comes from the band just below the
/// ephemeral range, which connections never use: free when picked, and never handed out
/// twice by this process.
pub fn free_port() -> Result<u16> {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let (low, high) = reserved_band();
    let span = u32::from(high - low);
    // Where to start looking: a run's own, so that two runs on one machine seldom probe
    // the same ports.
    let start = std::process::id().wrapping_mul(2_654_435_761) % span;
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    for step in 0..span {
        let port = low + ((start + step * 7) % span) as u16;
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return Ok(port);
        }
    }
    bail!("no free loopback port in {low}..{high}, below the ephemeral range")
}

/// The ports below the ephemeral range (`ip_local_port_range`) that the harness hands out.
fn reserved_band() -> (u16, u16) {
    const WIDTH: u16 = 8_000;
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32_768);
    let high = ephemeral_low.max(WIDTH + 1_024);
    (high - WIDTH, high)
}

impl Net {
    /// Namespaces if `namespaces` and they can be made, else loopback. The namespaces'
    /// tag is written to `tag_file` as soon as their subnet is claimed, and removed before
    /// it is given back: what scripts/chaos.sh removes if the run is killed.
    pub fn create(validators: usize, namespaces: bool, tag_file: &Path) -> Result<Self> {
        if namespaces {
            match Self::namespaces(validators, tag_file) {
                Ok(net) => return Ok(net),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "no network namespaces: validators on loopback, no partitions")
                }
            }
        }
        let ports = |n| (0..n).map(|_| free_port()).collect::<Result<Vec<_>>>();
        Ok(Self {
            kind: Kind::Loopback { p2p: ports(validators)?, rpc: ports(validators)? },
            validators,
            tag_file: None,
        })
    }

    fn namespaces(validators: usize, tag_file: &Path) -> Result<Self> {
        // A subnet and names of this run's own, so that two runs on one machine never meet:
        // the bridge is the claim (creating a link that exists fails), tried from a place
        // of this process's own; a subnet left by a killed run stays taken until
        // scripts/chaos.sh removes it.
        let first = std::process::id() % SUBNETS;
        let subnet = (0..SUBNETS)
            .map(|i| FIRST_SUBNET + ((first + i) % SUBNETS) as u8)
            .find(|subnet| ip(&["link", "add", &format!("gc{subnet}br"), "type", "bridge"]).is_ok())
            .ok_or_else(|| anyhow::anyhow!("every subnet 10.77.{FIRST_SUBNET}-254.0/24 is taken by a bridge gcNbr"))?;
        let tag = format!("gc{subnet}");
        let net = Self {
            kind: Kind::Namespaces { tag: tag.clone(), subnet },
            validators,
            tag_file: Some(tag_file.to_path_buf()),
        };
        std::fs::write(tag_file, &tag).with_context(|| format!("writing {}", tag_file.display()))?;
        let bridge = format!("{tag}br");
        ip(&["addr", "add", &format!("10.77.{subnet}.254/24"), "dev", &bridge])?;
        ip(&["link", "set", &bridge, "up"])?;
        for i in 0..validators {
            let (ns, host) = (net.namespace(i), format!("{tag}h{i}"));
            ip(&["netns", "add", &ns])?;
            ip(&["link", "add", &host, "type", "veth", "peer", "name", "eth0", "netns", &ns])?;
            ip(&["link", "set", &host, "master", &bridge, "up"])?;
            ip(&["-n", &ns, "addr", "add", &format!("10.77.{subnet}.{}/24", i + 1), "dev", "eth0"])?;
            ip(&["-n", &ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }

    fn namespace(&self, i: usize) -> String {
        match &self.kind {
            Kind::Namespaces { tag, .. } => format!("{tag}v{i}"),
            Kind::Loopback { .. } => String::new(),
        }
    }

    /// Whether validators can be partitioned.
    pub fn partitions(&self) -> bool {
        matches!(self.kind, Kind::Namespaces { .. })
    }

    fn host(&self, i: usize) -> String {
        match &self.kind {
            Kind::Namespaces { subnet, .. } => format!("10.77.{subnet}.{}", i + 1),
            Kind::Loopback { .. } => "127.0.0.1".into(),
        }
    }

    fn rpc_port(&self, i: usize) -> u16 {
        match &self.kind {
            Kind::Namespaces { .. } => RPC_PORT,
            Kind::Loopback { rpc, .. } => rpc[i],
        }
    }

    fn p2p_port(&self, i: usize) -> u16 {
        match &self.kind {
            Kind::Namespaces { .. } => P2P_PORT,
            Kind::Loopback { p2p, .. } => p2p[i],
        }
    }

    /// Validator `i`'s RPC, as a WebSocket URL.
    pub fn ws_url(&self, i: usize) -> String {
        format!("ws://{}:{}", self.host(i), self.rpc_port(i))
    }

    /// Validator `i`'s RPC, as an HTTP URL.
    pub fn http_url(&self, i: usize) -> String {
        format!("http://{}:{}", self.host(i), self.rpc_port(i))
    }

    /// The node's arguments for where validator `i` listens.
    pub fn node_args(&self, i: usize) -> Vec<String> {
        let mut args = vec![
            "--rpc-port".into(),
            self.rpc_port(i).to_string(),
            "--listen-addr".into(),
            format!("/ip4/{}/tcp/{}", self.host(i), self.p2p_port(i)),
        ];
        if self.partitions() {
            // A validator's RPC reached from another namespace (the host's).
            args.extend(["--unsafe-rpc-external".into(), "--rpc-methods".into(), "safe".into()]);
        }
        args
    }

    /// The address of validator `i` for others' `--bootnodes`, with its peer id.
    pub fn boot_addr(&self, i: usize, peer: &str) -> String {
        format!("/ip4/{}/tcp/{}/p2p/{peer}", self.host(i), self.p2p_port(i))
    }

    /// The command that runs `program` as validator `i` (inside its namespace).
    pub fn wrap(&self, i: usize, program: &str, args: Vec<String>) -> (String, Vec<String>) {
        match self.kind {
            Kind::Namespaces { .. } => {
                let mut all = vec!["netns".into(), "exec".into(), self.namespace(i), program.into()];
                all.extend(args);
                ("ip".into(), all)
            }
            Kind::Loopback { .. } => (program.into(), args),
        }
    }

    /// Cut the validators of `side` off from the others (both ways).
    pub fn partition(&self, side: &[usize]) -> Result<()> {
        if !self.partitions() {
            bail!("validators on loopback cannot be partitioned");
        }
        for a in side {
            for b in (0..self.validators).filter(|b| !side.contains(b)) {
                ip(&["-n", &self.namespace(*a), "route", "add", "blackhole", &format!("{}/32", self.host(b))])?;
                ip(&["-n", &self.namespace(b), "route", "add", "blackhole", &format!("{}/32", self.host(*a))])?;
            }
        }
        Ok(())
    }

    /// Remove every partition.
    pub fn heal(&self) -> Result<()> {
        if self.partitions() {
            for i in 0..self.validators {
                ip(&["-n", &self.namespace(i), "route", "flush", "type", "blackhole"])?;
            }
        }
        Ok(())
    }

    fn remove(&self) {
        // The tag goes first: once the bridge is gone, another run may claim the subnet.
        if let Some(file) = &self.tag_file {
            let _ = std::fs::remove_file(file);
        }
        if let Kind::Namespaces { tag, .. } = &self.kind {
            for i in 0..self.validators {
                let _ = ip(&["link", "del", &format!("{tag}h{i}")]);
                let _ = ip(&["netns", "del", &self.namespace(i)]);
            }
            let _ = ip(&["link", "del", &format!("{tag}br")]);
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.remove();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_bindable_and_below_the_ephemeral_range() {
        let (low, high) = reserved_band();
        let ports: Vec<u16> = (0..50).map(|_| free_port().unwrap()).collect();
        let distinct: BTreeSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len(), "a port was handed out twice");
        for port in ports {
            assert!((low..high).contains(&port), "{port} is outside {low}..{high}");
            TcpListener::bind(("127.0.0.1", port)).unwrap();
        }
    }
}
