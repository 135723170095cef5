//! The checker: the history, the actors' own journals and the final chain state, against
//! the guarantees. Each breach is a sentence; the summary counts what happened.

use crate::{
    history::{self, Event, Line},
    schedule::{Actor, Fault},
};
use anyhow::{Context, Result};
use ghost_client::{
    chain::{runtime, Chain},
    channel::session::{abandoned, KeptReceipt},
    durable::Log,
};
use ghost_primitives::{hex0x, ModelId};
use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

/// Who is who, and where they keep their records.
pub struct Evidence {
    /// The history.
    pub history: PathBuf,
    /// Every validator's RPC (HTTP).
    pub nodes: Vec<String>,
    /// A validator's RPC (WebSocket) for the chain's state.
    pub chain_url: String,
    /// The model served.
    pub model: ModelId,
    /// Provers: name, account, whether lazy, journal directory.
    pub provers: Vec<(String, [u8; 32], bool, PathBuf)>,
    /// Channel clients: name, account, receipts directory.
    pub clients: Vec<(String, [u8; 32], PathBuf)>,
    /// Watchers' audit logs (archived over all their lives), and the validator each follows.
    pub watchers: Vec<(PathBuf, usize)>,
    /// Bytes of memory growth over a process's life that count as unbounded.
    pub memory_slack_kib: u64,
}

/// What the run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Faults begun, by kind; and how many could not be done.
    pub faults: BTreeMap<&'static str, u64>,
    /// Faults skipped (nothing to do: e.g. pausing a process that was down).
    pub faults_skipped: u64,
    /// Client runs that ended well, and the others.
    pub runs: (u64, u64),
    /// Daemons that exited on their own (not by a fault), by actor.
    pub crashes: BTreeMap<String, u64>,
    /// Verified answers the channel clients kept receipts for.
    pub channel_answers: u64,
    /// Channels opened.
    pub channels: u64,
    /// Channels their clients gave up: the prover held answers never taken as unpaid.
    pub abandoned: u64,
    /// Redemptions, and credit redeemed in all.
    pub redemptions: (u64, u128),
    /// On-chain requests, settled (paid), expired.
    pub requests: (u64, u64, u64),
    /// Convictions: by receipt, and of on-chain results.
    pub convictions: (u64, u64),
    /// Lazy answers that were excused (no watcher could audit them in time, or the liar's
    /// bond was gone).
    pub excused: u64,
    /// The longest time the network's finalised head stood still.
    pub longest_stall: Duration,
    /// Finalised blocks at the end.
    pub finalized: u32,
    /// Largest resident memory seen, by actor, MiB.
    pub memory_mib: BTreeMap<String, u64>,
}

/// The verdict.
#[derive(Debug, Default)]
pub struct Report {
    /// Every guarantee broken, in words.
    pub breaches: Vec<String>,
    /// What happened.
    pub summary: Summary,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        let faults: Vec<String> = s.faults.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(f, "faults: {} ({} skipped)", faults.join(", "), s.faults_skipped)?;
        writeln!(f, "client runs: {} ok, {} failed or cut short", s.runs.0, s.runs.1)?;
        let crashes: Vec<String> = s.crashes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        writeln!(
            f,
            "daemon exits not caused by a fault: {}",
            if crashes.is_empty() { "none".into() } else { crashes.join(", ") }
        )?;
        writeln!(
            f,
            "channels: {} opened, {} given up, {} verified answers kept, {} redemptions paying {} credit",
            s.channels, s.abandoned, s.channel_answers, s.redemptions.0, s.redemptions.1
        )?;
        writeln!(f, "on chain: {} requests, {} settled, {} expired", s.requests.0, s.requests.1, s.requests.2)?;
        writeln!(
            f,
            "convictions: {} by receipt, {} of on-chain results; {} lazy answers excused",
            s.convictions.0, s.convictions.1, s.excused
        )?;
        writeln!(f, "finalised: #{}; longest finality stall {:.1} s", s.finalized, s.longest_stall.as_secs_f64())?;
        let memory: Vec<String> = s.memory_mib.iter().map(|(k, m)| format!("{k} {m}")).collect();
        writeln!(f, "largest resident memory, MiB: {}", memory.join(", "))?;
        if self.breaches.is_empty() {
            write!(f, "checker: every guarantee held")
        } else {
            writeln!(f, "checker: {} breach(es):", self.breaches.len())?;
            for b in &self.breaches {
                writeln!(f, "  - {b}")?;
            }
            Ok(())
        }
    }
}

/// A channel as its events tell it.
#[derive(Clone, Copy)]
struct Seen {
    client: [u8; 32],
    prover: [u8; 32],
    price: u128,
    deposit: u128,
    redeemed: u128,
}

/// What the chain's events say, from genesis to the finalised head.
#[derive(Default)]
struct Chained {
    channels: BTreeMap<u64, Seen>,
    redemptions: (u64, u128),
    /// Receipt digests convicted, with their provers.
    convicted_receipts: BTreeMap<[u8; 32], [u8; 32]>,
    /// Request: prover of the result, block it was posted in, last block to report it.
    results: BTreeMap<u64, ([u8; 32], u32, u32)>,
    requests: u64,
    settled: BTreeSet<u64>,
    expired: u64,
    convicted_results: BTreeSet<u64>,
    /// Provers slashed, by account.
    slashed: BTreeMap<[u8; 32], u128>,
}

/// Check the run.
pub async fn check(evidence: &Evidence) -> Result<Report> {
    let lines = history::read(&evidence.history)?;
    let mut report = Report::default();
    summarise_history(&lines, &mut report.summary);
    let chain = Chain::connect(&evidence.chain_url, Duration::from_secs(60)).await?;
    let (head, _) = chain.finalized().await?;
    report.summary.finalized = head;
    let chained = read_chain(&chain, head).await?;
    report.summary.channels = chained.channels.len() as u64;
    report.summary.redemptions = chained.redemptions;
    report.summary.requests = (chained.requests, chained.settled.len() as u64, chained.expired);
    report.summary.convictions = (chained.convicted_receipts.len() as u64, chained.convicted_results.len() as u64);
    let breaches = &mut report.breaches;

    // Daemons exit only when a fault ends them; every client is served again once healed.
    for (actor, n) in &report.summary.crashes {
        breaches.push(format!("{actor} exited {n} time(s) with no fault to end it"));
    }
    recovered(&lines, breaches);
    // Validators agree on the finalised chain: every sampled head, and the chain now, up to
    // the lowest head among them.
    let mut lowest = head;
    for url in &evidence.nodes {
        match crate::sample::finalized(url).await {
            Ok((n, _)) => lowest = lowest.min(n),
            Err(e) => breaches.push(format!("validator at {url} does not answer at the end: {e:#}")),
        }
    }
    agreement(&lines, evidence, lowest, breaches).await;
    // Credit sums to zero; native issuance is what the accounts hold.
    let credit = chain.credit_total().await?;
    if credit != 0 {
        breaches.push(format!("credit sums to {credit}, not zero"));
    }
    issuance(&chain, breaches).await?;
    // No honest prover is slashed.
    for (name, account, lazy, _) in &evidence.provers {
        if let (false, Some(amount)) = (lazy, chained.slashed.get(account)) {
            breaches.push(format!("honest prover {name} was slashed {amount} planck"));
        }
        let convicted = chained.convicted_receipts.values().filter(|p| *p == account).count()
            + chained
                .results
                .iter()
                .filter(|(id, r)| r.0 == *account && chained.convicted_results.contains(id))
                .count();
        if !lazy && convicted > 0 {
            breaches.push(format!("honest prover {name} was convicted {convicted} time(s)"));
        }
    }
    // Acknowledged vouchers are redeemed; clients pay only verified answers, once.
    for (name, account, _, journal) in &evidence.provers {
        let logs = crate::actors::find(journal, "vouchers.jsonl", 2);
        if logs.is_empty() {
            breaches.push(format!("prover {name} left no voucher log under {}", journal.display()));
        }
        for (channel, acked) in
            logs.iter().map(|log| acknowledged(log)).collect::<Result<Vec<_>>>()?.into_iter().flatten()
        {
            let Some(&Seen { prover, deposit, redeemed, .. }) = chained.channels.get(&channel) else {
                breaches.push(format!("prover {name} acknowledged a voucher on channel {channel}, which never opened"));
                continue;
            };
            if prover != *account {
                continue; // a voucher for someone else's channel is refused, never acknowledged
            }
            if redeemed < acked.min(deposit) {
                breaches.push(format!(
                    "prover {name} acknowledged {acked} credit on channel {channel} but {redeemed} was redeemed"
                ));
            }
        }
    }
    let genesis = hex0x(&chain.genesis());
    for (name, account, dir) in &evidence.clients {
        let kept = kept_by_client(&dir.join(&genesis))?;
        report.summary.abandoned += kept.keys().filter(|c| abandoned(dir, &chain.genesis(), **c)).count() as u64;
        for (channel, (verified, signed, duplicates)) in &kept {
            report.summary.channel_answers += *verified;
            let Some(&Seen { client, price, redeemed, .. }) = chained.channels.get(channel) else {
                breaches.push(format!("client {name} kept receipts of channel {channel}, which never opened"));
                continue;
            };
            if client != *account {
                breaches.push(format!("client {name} kept receipts of channel {channel}, which is not its own"));
            }
            if *duplicates > 0 {
                breaches.push(format!("client {name} kept {duplicates} verified receipt(s) of channel {channel} with a sequence number already kept"));
            }
            if *signed > u128::from(*verified).saturating_mul(price) {
                breaches.push(format!(
                    "client {name} signed {signed} credit on channel {channel} for {verified} verified answer(s) at {price}"
                ));
            }
            if redeemed > *signed {
                breaches.push(format!(
                    "channel {channel} redeemed {redeemed} credit, above the {signed} client {name} signed"
                ));
            }
        }
        for (channel, seen) in &chained.channels {
            if seen.client == *account && !kept.contains_key(channel) {
                let redeemed = seen.redeemed;
                if redeemed > 0 {
                    breaches
                        .push(format!("channel {channel} of client {name} redeemed {redeemed} with no receipt kept"));
                }
            }
        }
    }
    // Lazy answers audited in time are convicted.
    let impaired = impairments(&lines);
    let clock = BlockClock::of(&lines);
    let lazy: BTreeSet<[u8; 32]> = evidence.provers.iter().filter(|p| p.2).map(|p| p.1).collect();
    let min_slash = chain.constant_u128("Inference", "MinSlash")?;
    // Whether a conviction could still take anything from `who` at block `number`.
    let bond_gone = |who: [u8; 32], number: u32| {
        let (chain, model) = (&chain, evidence.model);
        async move {
            let hash = chain.block_hash(number.min(head)).await?;
            let bonds = runtime::storage().ghost_registry().bonds(model, subxt::utils::AccountId32(who));
            let bond = chain.api.storage().at(hash).fetch(&bonds).await?;
            anyhow::Ok(bond.is_none_or(|b| b.amount.saturating_sub(b.locked) < min_slash))
        }
    };
    for (w, (audits, node)) in evidence.watchers.iter().enumerate() {
        for (digest, prover, at) in taken_receipts(audits)? {
            if !lazy.contains(&prover) || chained.convicted_receipts.contains_key(&digest) {
                continue;
            }
            let until = at.saturating_add(RECEIPT_WINDOW);
            let window = clock.span(at, until);
            if bond_gone(prover, until).await? || impaired.kept_from(w, *node, window) {
                report.summary.excused += 1;
            } else {
                breaches.push(format!(
                    "watcher {w} took lazy receipt {} (dated #{at}) and it was not convicted",
                    hex0x(&digest)
                ));
            }
        }
    }
    for (id, (prover, posted, until)) in &chained.results {
        if !lazy.contains(prover) || chained.convicted_results.contains(id) {
            continue;
        }
        let window = clock.span(*posted, *until);
        let gone = bond_gone(*prover, *until).await?;
        let audited = evidence.watchers.iter().enumerate().any(|(w, (_, node))| !impaired.kept_from(w, *node, window));
        if chained.settled.contains(id) && audited && !gone {
            breaches.push(format!(
                "lazy result of request {id} (posted in #{posted}) was paid, though a watcher could audit it"
            ));
        } else if !chained.settled.contains(id) && audited && !gone {
            breaches
                .push(format!("lazy result of request {id} (posted in #{posted}) was neither convicted nor settled"));
        } else {
            report.summary.excused += 1;
        }
    }
    // Nothing is stuck open after settlement.
    for (id, request) in chain.requests().await? {
        breaches.push(format!("request {id} is still open after settlement (deadline #{})", request.deadline));
    }
    let clients: BTreeSet<[u8; 32]> = evidence.clients.iter().map(|c| c.1).collect();
    for (id, channel) in chain.channels().await? {
        if clients.contains(&channel.client.0) {
            breaches.push(format!("channel {id} is still open after settlement"));
        }
    }
    // No process's memory grows without bound.
    memory(&lines, evidence.memory_slack_kib, &mut report.summary, breaches);
    Ok(report)
}

/// Receipts can be reported for this many blocks after their date (the runtime's
/// `ReceiptWindow`).
const RECEIPT_WINDOW: u32 = 30;
/// A watcher kept from its work for this share of a window is excused from it.
const IMPAIRED_SHARE: f64 = 0.25;
/// What a watcher needs after being kept from its work to catch up: to reconnect (its
/// backoff reaches 10 s) and report its backlog (16 receipts, about one a second). A
/// window that ends sooner after an impairment is excused.
const RECOVERY_SECONDS: f64 = 30.0;

fn summarise_history(lines: &[Line], s: &mut Summary) {
    for line in lines {
        match &line.event {
            Event::FaultStarted { fault, detail, .. } => {
                if detail.starts_with("skipped") {
                    s.faults_skipped += 1;
                } else {
                    *s.faults.entry(fault.kind()).or_default() += 1;
                }
            }
            Event::Ran { code, .. } => {
                if *code == Some(0) {
                    s.runs.0 += 1;
                } else {
                    s.runs.1 += 1;
                }
            }
            Event::Exited { actor, by_harness: false, daemon: true, .. } => {
                *s.crashes.entry(actor.clone()).or_default() += 1
            }
            _ => {}
        }
    }
    // The longest time the highest finalised number seen did not rise, once faults began.
    let began = lines
        .iter()
        .find(|l| matches!(&l.event, Event::Phase { name } if name == "faults"))
        .map(|l| l.t)
        .unwrap_or(0.0);
    let (mut best, mut since, mut longest) = (0u32, began, 0f64);
    for line in lines {
        if let Event::Finalized { number, .. } = line.event {
            if number > best {
                if line.t > began {
                    longest = longest.max(line.t - since);
                    since = line.t;
                }
                best = number;
            }
        }
    }
    s.longest_stall = Duration::from_secs_f64(longest.max(0.0));
}

/// Every client had a run that began after the faults were healed and went well.
fn recovered(lines: &[Line], breaches: &mut Vec<String>) {
    let Some(healed) =
        lines.iter().find(|l| matches!(&l.event, Event::Phase { name } if name == "healed")).map(|l| l.t)
    else {
        return breaches.push("the history has no end of the faults".into());
    };
    let mut clients: BTreeMap<&str, bool> = BTreeMap::new();
    for line in lines {
        if let Event::Ran { actor, code, seconds, .. } = &line.event {
            let ok = *code == Some(0) && line.t - seconds > healed;
            *clients.entry(actor.as_str()).or_default() |= ok;
        }
    }
    for (client, ok) in clients {
        if !ok {
            breaches.push(format!("{client} was not served again once the faults were healed"));
        }
    }
}

async fn read_chain(chain: &Chain, head: u32) -> Result<Chained> {
    use runtime::{channels::events as ch, ghost_registry::events as reg, inference::events as inf};
    let mut c = Chained::default();
    for number in 1..=head {
        let hash = chain.block_hash(number).await?;
        let events = chain.api.events().at(hash).await.with_context(|| format!("reading the events of #{number}"))?;
        for event in events.iter() {
            let event = event?;
            if let Some(e) = event.as_event::<ch::Opened>()? {
                let seen =
                    Seen { client: e.client.0, prover: e.prover.0, price: e.price, deposit: e.deposit, redeemed: 0 };
                c.channels.insert(e.channel, seen);
            } else if let Some(e) = event.as_event::<ch::ToppedUp>()? {
                if let Some(entry) = c.channels.get_mut(&e.channel) {
                    entry.deposit = e.deposit;
                }
            } else if let Some(e) = event.as_event::<ch::Redeemed>()? {
                c.redemptions.0 += 1;
                c.redemptions.1 += e.fee + e.royalty;
                if let Some(entry) = c.channels.get_mut(&e.channel) {
                    entry.redeemed = entry.redeemed.max(e.redeemed);
                }
            } else if let Some(e) = event.as_event::<ch::Closed>()? {
                if let Some(entry) = c.channels.get_mut(&e.channel) {
                    entry.redeemed = entry.redeemed.max(e.redeemed);
                }
            } else if let Some(e) = event.as_event::<ch::ReceiptConvicted>()? {
                c.convicted_receipts.insert(e.receipt, e.prover.0);
            } else if let Some(e) = event.as_event::<reg::Slashed>()? {
                *c.slashed.entry(e.prover.0).or_default() += e.amount;
            } else if event.as_event::<inf::Requested>()?.is_some() {
                c.requests += 1;
            } else if let Some(e) = event.as_event::<inf::ResultSubmitted>()? {
                c.results.insert(e.id, (e.prover.0, number, e.challenge_until));
            } else if let Some(e) = event.as_event::<inf::Settled>()? {
                c.settled.insert(e.id);
            } else if event.as_event::<inf::Expired>()?.is_some() {
                c.expired += 1;
            } else if let Some(e) = event.as_event::<inf::ProverConvicted>()? {
                c.convicted_results.insert(e.id);
            }
        }
    }
    Ok(c)
}

async fn agreement(lines: &[Line], evidence: &Evidence, head: u32, breaches: &mut Vec<String>) {
    let mut seen: BTreeMap<u32, BTreeMap<String, BTreeSet<usize>>> = BTreeMap::new();
    for line in lines {
        if let Event::Finalized { node, number, hash } = &line.event {
            seen.entry(*number).or_default().entry(hash.clone()).or_default().insert(*node);
        }
    }
    for (number, hashes) in &seen {
        if hashes.len() > 1 {
            breaches.push(format!("validators finalised different blocks at #{number}: {hashes:?}"));
        }
    }
    // Now: every validator's block at heights up to the head is the same.
    let mut heights: Vec<u32> = (1..=head).step_by(50).collect();
    heights.push(head);
    for number in heights {
        let mut hashes = BTreeMap::new();
        for (i, url) in evidence.nodes.iter().enumerate() {
            match crate::sample::block_hash(url, number).await {
                Ok(hash) => {
                    hashes.insert(i, hash);
                }
                Err(e) => breaches.push(format!("validator {i} has no block #{number} at the end: {e:#}")),
            }
        }
        if hashes.values().collect::<BTreeSet<_>>().len() > 1 {
            breaches.push(format!("validators disagree on finalised block #{number}: {hashes:?}"));
        }
    }
}

async fn issuance(chain: &Chain, breaches: &mut Vec<String>) -> Result<()> {
    let (_, at) = chain.finalized().await?;
    let storage = chain.api.storage().at(at);
    let total = storage.fetch(&runtime::storage().balances().total_issuance()).await?.unwrap_or(0);
    let mut held = 0u128;
    let mut accounts = storage.iter(runtime::storage().system().account_iter()).await?;
    while let Some(kv) = accounts.next().await {
        let info = kv?.value;
        held = held.saturating_add(info.data.free).saturating_add(info.data.reserved);
    }
    if held != total {
        breaches.push(format!("accounts hold {held} planck but the total issuance is {total}"));
    }
    Ok(())
}

/// The highest voucher a prover's log (`vouchers.jsonl`) acknowledged, by channel.
fn acknowledged(path: &Path) -> Result<BTreeMap<u64, u128>> {
    let mut best = BTreeMap::new();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    for line in text.lines() {
        // A torn last line was never acknowledged.
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let voucher = &value["voucher"];
        let (Some(channel), Some(amount)) =
            (voucher["channel"].as_u64(), voucher["amount"].as_str().and_then(|a| a.parse::<u128>().ok()))
        else {
            continue;
        };
        let held = best.entry(channel).or_insert(0);
        *held = amount.max(*held);
    }
    Ok(best)
}

/// By channel: verified answers kept (distinct sequence numbers), the most signed, and
/// verified receipts whose number was already kept.
fn kept_by_client(dir: &Path) -> Result<BTreeMap<u64, (u64, u128, u64)>> {
    let mut kept = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(kept) };
    for entry in entries {
        let path = entry?.path();
        let Some(channel) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<u64>().ok()) else {
            continue;
        };
        let (_, receipts) = Log::open::<KeptReceipt>(&path.join("receipts.jsonl"))
            .with_context(|| format!("reading the receipts of channel {channel}"))?;
        let (mut seqs, mut duplicates) = (BTreeSet::new(), 0);
        for r in receipts.records.iter().filter(|r| r.verified) {
            if !seqs.insert(r.receipt.seq) {
                duplicates += 1;
            }
        }
        let (_, signed) = Log::open::<serde_json::Value>(&path.join("vouchers.jsonl"))?;
        let signed =
            signed.records.iter().filter_map(|v| v["amount"].as_str()?.parse::<u128>().ok()).max().unwrap_or(0);
        kept.insert(channel, (seqs.len() as u64, signed, duplicates));
    }
    Ok(kept)
}

/// A receipt a watcher took for audit: its digest, its prover, its date.
type Taken = ([u8; 32], [u8; 32], u32);

/// Receipts a watcher took for audit (each once), from its archived audit logs.
fn taken_receipts(archive: &Path) -> Result<Vec<Taken>> {
    let mut taken = BTreeMap::new();
    let text = std::fs::read_to_string(archive).with_context(|| format!("reading {}", archive.display()))?;
    for line in text.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let Some(receipt) = value.get("taken").and_then(|t| t.get("receipt")) else { continue };
        let receipt: ghost_client::wire::WireReceipt = serde_json::from_value(receipt.clone())?;
        let (parsed, _) = receipt.parse()?;
        taken.insert(parsed.digest(), (parsed.prover, parsed.at));
    }
    Ok(taken.into_iter().map(|(digest, (prover, at))| (digest, prover, at)).collect())
}

/// When each block was first seen made, on any validator. The runtime counts its windows
/// (a receipt's, a result's) in blocks made, not finalised: during a finality stall a
/// window runs on while the watchers, who act on finalised blocks, wait.
struct BlockClock {
    seen: Vec<(u32, f64)>,
}

impl BlockClock {
    fn of(lines: &[Line]) -> Self {
        let mut seen = Vec::new();
        let mut best = 0;
        for line in lines {
            if let Event::Best { number, .. } = line.event {
                if number > best {
                    seen.push((number, line.t));
                    best = number;
                }
            }
        }
        Self { seen }
    }

    /// The time from block `from` to block `to` being made.
    fn span(&self, from: u32, to: u32) -> (f64, f64) {
        let at = |n: u32| self.seen.iter().find(|(b, _)| *b >= n).map(|(_, t)| *t).unwrap_or(f64::MAX);
        (at(from), at(to))
    }
}

/// When each watcher was kept from its work: it or its validator down or stopped or cut
/// off, or finality stalled (as sampled: whatever caused it).
struct Impairments {
    /// Intervals, by the fault (`None`: a finality stall seen in the samples).
    spans: Vec<(Option<Fault>, f64, f64)>,
}

/// Finality standing still this long counts as a stall (blocks come every 2 s, and each is
/// finalised about a block later).
const STALL_SECONDS: f64 = 8.0;

fn impairments(lines: &[Line]) -> Impairments {
    let mut open: Vec<(Fault, f64)> = Vec::new();
    let mut spans = Vec::new();
    let end = lines.last().map(|l| l.t).unwrap_or(0.0);
    let (mut best, mut since) = (0u32, 0f64);
    for line in lines {
        match &line.event {
            Event::FaultStarted { fault, detail, .. } if !detail.starts_with("skipped") => {
                open.push((fault.clone(), line.t))
            }
            Event::FaultEnded { fault } => {
                if let Some(i) = open.iter().position(|(f, _)| f == fault) {
                    let (f, t) = open.remove(i);
                    spans.push((Some(f), t, line.t));
                }
            }
            Event::Finalized { number, .. } if *number > best => {
                if best > 0 && line.t - since > STALL_SECONDS {
                    spans.push((None, since, line.t));
                }
                best = *number;
                since = line.t;
            }
            _ => {}
        }
    }
    spans.extend(open.into_iter().map(|(f, t)| (Some(f), t, end)));
    if end - since > STALL_SECONDS {
        spans.push((None, since, end));
    }
    Impairments { spans }
}

impl Impairments {
    fn touches(fault: &Option<Fault>, watcher: usize, node: usize) -> bool {
        match fault {
            None => true,
            Some(Fault::Kill(a) | Fault::Pause(a)) => *a == Actor::Watcher(watcher) || *a == Actor::Validator(node),
            Some(Fault::Stall(a, b)) => node == *a || node == *b,
            Some(Fault::Partition(side)) => side.contains(&node),
            Some(Fault::DiskFull(_) | Fault::CutRpc(_)) => false,
        }
    }

    /// Whether watcher `watcher` (following validator `node`) was kept from its work in
    /// `window`: for a quarter of it or more, or so late in it that too little was left to
    /// catch up.
    fn kept_from(&self, watcher: usize, node: usize, (from, to): (f64, f64)) -> bool {
        if self.share(watcher, node, (from, to)) >= IMPAIRED_SHARE {
            return true;
        }
        let last_end = self
            .spans
            .iter()
            .filter(|(f, a, b)| Self::touches(f, watcher, node) && *a < to && *b > from)
            .map(|(_, _, b)| *b)
            .fold(f64::NEG_INFINITY, f64::max);
        last_end > f64::NEG_INFINITY && to - last_end < RECOVERY_SECONDS
    }

    /// The share of `window` during which watcher `watcher` (following validator `node`)
    /// was kept from its work.
    fn share(&self, watcher: usize, node: usize, (from, to): (f64, f64)) -> f64 {
        if to <= from || to == f64::MAX {
            return 1.0; // a window that never closed in the run
        }
        let mut covered: Vec<(f64, f64)> = self
            .spans
            .iter()
            .filter(|(f, ..)| Self::touches(f, watcher, node))
            .map(|(_, a, b)| (a.max(from), b.min(to)))
            .filter(|(a, b)| b > a)
            .collect();
        covered.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut total, mut reach) = (0.0, from);
        for (a, b) in covered {
            let a = a.max(reach);
            if b > a {
                total += b - a;
                reach = b;
            }
        }
        total / (to - from)
    }
}

fn memory(lines: &[Line], slack_kib: u64, summary: &mut Summary, breaches: &mut Vec<String>) {
    // By process (actor, pid): its samples (time, KiB).
    type Lives = BTreeMap<(String, u32), Vec<(f64, u64)>>;
    let mut lives = Lives::new();
    for line in lines {
        if let Event::Memory { actor, pid, kib } = &line.event {
            lives.entry((actor.clone(), *pid)).or_default().push((line.t, *kib));
            let mib = summary.memory_mib.entry(actor.clone()).or_default();
            *mib = (*mib).max(kib / 1024);
        }
    }
    for ((actor, pid), samples) in lives {
        // A life long enough to tell: its first quarter against its last.
        if samples.len() < 24 {
            continue;
        }
        let quarter = samples.len() / 4;
        let early = samples[..quarter].iter().map(|s| s.1).max().unwrap_or(0);
        let late = samples[samples.len() - quarter..].iter().map(|s| s.1).min().unwrap_or(0);
        if late > early.saturating_mul(2).saturating_add(slack_kib) {
            breaches.push(format!(
                "{actor} (pid {pid}) grew from {} MiB to {} MiB over {:.0} s",
                early / 1024,
                late / 1024,
                samples[samples.len() - 1].0 - samples[0].0
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t: f64, event: Event) -> Line {
        Line { t, event }
    }

    #[test]
    fn a_watcher_is_impaired_by_its_own_faults_its_nodes_and_stalls_only() {
        let fin = |t, number| line(t, Event::Finalized { node: 0, number, hash: format!("0x{number}") });
        let lines = vec![
            fin(0.0, 1),
            line(
                0.0,
                Event::FaultStarted { fault: Fault::Pause(Actor::Watcher(0)), lasts_ms: 0, detail: "stopped".into() },
            ),
            fin(2.0, 2),
            line(10.0, Event::FaultEnded { fault: Fault::Pause(Actor::Watcher(0)) }),
            fin(10.0, 3),
            line(
                20.0,
                Event::FaultStarted { fault: Fault::Kill(Actor::Validator(3)), lasts_ms: 0, detail: "killed".into() },
            ),
            fin(20.0, 4),
            line(30.0, Event::FaultEnded { fault: Fault::Kill(Actor::Validator(3)) }),
            fin(30.0, 5),
            fin(36.0, 6),
            fin(40.0, 7),
            line(40.0, Event::FaultStarted { fault: Fault::Stall(0, 1), lasts_ms: 0, detail: "skipped: x".into() }),
            line(50.0, Event::FaultEnded { fault: Fault::Stall(0, 1) }),
            fin(50.0, 8),
        ];
        let imp = impairments(&lines);
        // Finality stood still from 10 to 20 and 20 to 30 (sampled stalls: everyone).
        assert_eq!(imp.share(1, 2, (0.0, 40.0)), 0.5);
        assert_eq!(imp.share(0, 2, (0.0, 40.0)), 0.75, "its own pause, then the stalls");
        assert_eq!(imp.share(1, 3, (30.0, 40.0)), 0.0);
        assert_eq!(imp.share(0, 3, (5.0, 35.0)), 25.0 / 30.0, "overlaps are counted once");
        assert_eq!(imp.share(1, 2, (40.0, 50.0)), 1.0, "finality stood still, whatever the fault was");
        assert_eq!(imp.share(0, 2, (40.0, f64::MAX)), 1.0);
        // Kept from work briefly, with too little of the window left to catch up: excused;
        // with time enough left: not.
        assert!(imp.kept_from(1, 3, (25.0, 55.0)), "its node came back at 30, 25 s before the end");
        assert!(!imp.kept_from(1, 3, (28.0, 100.0)));
    }

    #[test]
    fn a_window_runs_in_blocks_made_through_a_finality_stall() {
        // Seed 5's shape: blocks made every 2 s throughout, finality standing still from
        // 112 s to 167 s, then catching up at once.
        let mut lines = Vec::new();
        for n in 1..=80u32 {
            lines.push(line(f64::from(n) * 2.0 + 81.0, Event::Best { node: 0, number: n }));
        }
        lines.push(line(112.0, Event::Finalized { node: 0, number: 27, hash: "0x27".into() }));
        lines.push(line(167.0, Event::Finalized { node: 0, number: 43, hash: "0x43".into() }));
        lines.push(line(195.0, Event::Finalized { node: 0, number: 59, hash: "0x59".into() }));
        lines.sort_by(|a, b| a.t.total_cmp(&b.t));
        let (clock, imp) = (BlockClock::of(&lines), impairments(&lines));
        // A receipt dated #29 may be reported until #59: made at 139 s and 199 s.
        let window = clock.span(29, 59);
        assert_eq!(window, (139.0, 199.0));
        // Finality stood still for half of that window: the watcher is excused. Measured
        // from #29's finalisation (167 s), the stall would have missed the window.
        assert!(imp.share(0, 0, window) > 0.45);
        assert!(imp.kept_from(0, 0, window));
        assert_eq!(clock.span(29, 200).1, f64::MAX, "a window still open at the end of the run");
    }

    #[test]
    fn the_longest_stall_is_measured_from_the_network_head() {
        let fin = |t, node, number| line(t, Event::Finalized { node, number, hash: format!("0x{number}") });
        let lines = vec![
            fin(0.0, 0, 1),
            line(1.0, Event::Phase { name: "faults".into() }),
            fin(2.0, 0, 2),
            fin(3.0, 1, 2),
            fin(20.0, 1, 3),
            fin(21.0, 0, 4),
        ];
        let mut s = Summary::default();
        summarise_history(&lines, &mut s);
        assert_eq!(s.longest_stall, Duration::from_secs(18));
    }

    #[test]
    fn memory_that_keeps_growing_is_a_breach_and_a_plateau_is_not() {
        let mut lines = Vec::new();
        for i in 0..40u64 {
            lines.push(line(i as f64 * 5.0, Event::Memory { actor: "grows".into(), pid: 1, kib: 10_000 + i * 20_000 }));
            lines.push(line(
                i as f64 * 5.0,
                Event::Memory { actor: "flat".into(), pid: 2, kib: 50_000 + (i % 3) * 1000 },
            ));
        }
        let (mut s, mut breaches) = (Summary::default(), Vec::new());
        memory(&lines, 100 * 1024, &mut s, &mut breaches);
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        assert!(breaches[0].starts_with("grows"));
        assert_eq!(s.memory_mib["flat"], 50);
    }

    #[test]
    fn a_prover_acknowledges_its_best_whole_voucher_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vouchers.jsonl"),
            concat!(
                r#"{"voucher":{"channel":3,"amount":"20","signature":"0x"}}"#,
                "\n",
                r#"{"served":{"channel":3,"count":2,"seq":1,"nonce":5}}"#,
                "\n",
                r#"{"voucher":{"channel":3,"amount":"10","signature":"0x"}}"#,
                "\n",
                r#"{"voucher":{"channel":4,"amount":"90","signat"#
            ),
        )
        .unwrap();
        assert_eq!(acknowledged(&dir.path().join("vouchers.jsonl")).unwrap(), BTreeMap::from([(3, 20)]));
        assert!(acknowledged(&dir.path().join("none.jsonl")).is_err(), "a missing log is no evidence of nothing");
    }
}
