//! `ghost channel`: payment channels. Open one to a prover, top it up, close and finish
//! it, show and list them, and pay for verified answers on it at serving speed.

use crate::global::{self, Global};
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use ghost_client::{
    chain::Chain,
    channel::{
        audit::{Auditor, Forwarded},
        onchain::{self, ChannelInfo},
        session::{ask_many, track_best, KeptReceipt, Session},
        swarm::{Joined, Swarm, SwarmOptions},
    },
    keys::{account_of, parse_account, show_account},
    wire::InputArgs,
};
use ghost_primitives::{channel::ChannelId, hex0x, parse_hash, ModelId, Verifier};
use std::path::PathBuf;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// Answers a newly opened channel's deposit pays for, by default.
pub const DEFAULT_DEPOSIT_ANSWERS: u128 = 100;

/// Handing receipts to a watcher for audit.
#[derive(clap::Args, Clone, Debug)]
pub struct AuditArgs {
    /// Hand receipts to the watcher at this URL for audit (`ghost watch --listen`): every
    /// answer that did not verify, and a share of those that did.
    #[arg(long)]
    audit: Option<String>,
    /// The share of verified answers whose receipts are handed in (0 to 1).
    #[arg(long, default_value_t = 1.0, requires = "audit")]
    audit_rate: f64,
}

/// How `ghost infer --model` and `ghost load --channels` reach a model's provers.
#[derive(clap::Args, Clone, Debug)]
pub struct SwarmArgs {
    /// Provers to spread requests over at most.
    #[arg(long, default_value_t = 3)]
    provers: usize,
    /// Credit to escrow in each channel opened (default: 100 answers at the model's price);
    /// 0 opens none and uses only channels already open.
    #[arg(long)]
    deposit: Option<u128>,
    /// Where receipts and vouchers are kept; keep it across runs.
    #[arg(long, default_value = "ghost-channels")]
    state: PathBuf,
    #[command(flatten)]
    audit: AuditArgs,
}

impl SwarmArgs {
    /// Join `model`'s swarm with `key`, printing each prover's channel; with the number of
    /// channels opened.
    pub async fn join(&self, chain: &Chain, key: &Keypair, model: &ModelId) -> Result<(Swarm, usize)> {
        let deposit = match self.deposit {
            Some(0) => None,
            Some(deposit) => Some(deposit),
            None => {
                let info =
                    chain.model(model).await?.ok_or_else(|| anyhow!("model {} is not registered", hex0x(model)))?;
                Some(info.price.saturating_mul(DEFAULT_DEPOSIT_ANSWERS).max(1))
            }
        };
        let audit = self.audit.audit.clone().map(|url| (url, self.audit.audit_rate));
        let options = SwarmOptions { provers: self.provers, deposit, audit };
        let mut opened = 0;
        let swarm = Swarm::join(chain, key, model, &self.state, &options, |joined| {
            opened += usize::from(matches!(joined, Joined::Opened { .. }));
            println!("{joined}");
        })
        .await?;
        Ok((swarm, opened))
    }
}

/// A line saying what was handed in for audit.
pub fn audited_line(forwarded: &Forwarded) -> String {
    let mut line = format!("{} receipt(s) handed in for audit", forwarded.handed);
    if forwarded.failed + forwarded.dropped > 0 {
        line.push_str(&format!(
            "; {} not taken, {} dropped ({})",
            forwarded.failed,
            forwarded.dropped,
            forwarded.first_failure.as_deref().unwrap_or("the queue was full")
        ));
    }
    line
}

#[derive(Subcommand)]
pub enum ChannelCommand {
    /// Open a channel to a prover bonded on a model, escrowing a deposit of credit.
    #[command(
        after_help = "Example:\n  ghost channel open --model 0x5f3c... --prover charlie --deposit 100000 --suri //Bob"
    )]
    Open {
        /// The model id.
        #[arg(long, value_parser = parse_hash)]
        model: ModelId,
        /// The prover (SS58, 0x-hex or a dev name).
        #[arg(long, value_parser = parse_account)]
        prover: AccountId32,
        /// Credit to escrow: at least the model's price.
        #[arg(long)]
        deposit: u128,
    },
    /// Escrow more credit in a channel.
    TopUp {
        /// The channel id.
        channel: ChannelId,
        /// Credit to add.
        amount: u128,
    },
    /// Close a channel: its client starts the timeout (the prover redeems meanwhile), its
    /// prover closes it at once.
    Close {
        /// The channel id.
        channel: ChannelId,
    },
    /// Finish closing a channel after its timeout: the client gets the rest back.
    Finish {
        /// The channel id.
        channel: ChannelId,
    },
    /// Show a channel.
    Show {
        /// The channel id.
        channel: ChannelId,
    },
    /// List the open channels of the key (as client or prover), or all with --all.
    List {
        /// Every open channel on the chain.
        #[arg(long)]
        all: bool,
    },
    /// Report a receipt kept as evidence (its answer did not verify): it convicts the
    /// channel's prover in one call, and the price comes back.
    #[command(after_help = "Example:\n  ghost channel report 3 --seq 17 --state ./ghost-channels --suri //Bob")]
    Report {
        /// The channel id.
        channel: ChannelId,
        /// The receipt's sequence number.
        #[arg(long)]
        seq: u64,
        /// Where the client keeps its receipts.
        #[arg(long, default_value = "ghost-channels")]
        state: PathBuf,
    },
    /// Ask the channel's prover for answers, verify each, keep its receipt, and pay for it
    /// with vouchers: the chain is not touched.
    #[command(
        after_help = "Example:\n  ghost channel ask 0 --input 0,3,12,... --count 1000 --concurrency 8 --suri //Bob"
    )]
    Ask {
        /// The channel id.
        channel: ChannelId,
        #[command(flatten)]
        input: InputArgs,
        /// Answers to ask for.
        #[arg(long, default_value_t = 1)]
        count: u64,
        /// Requests in flight at once (the prover allows a few unpaid).
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Where receipts and vouchers are kept; keep it across runs.
        #[arg(long, default_value = "ghost-channels")]
        state: PathBuf,
        /// The prover's URL (default: the endpoint of its bond on chain).
        #[arg(long)]
        prover_url: Option<String>,
        #[command(flatten)]
        audit: AuditArgs,
    },
}

/// Run a `ghost channel` command.
pub fn run(command: ChannelCommand, global: &Global) -> Result<()> {
    let runtime = global::runtime()?;
    let chain = global.chain(&runtime)?;
    // Reading channels needs no key; everything else signs (or pays, for `ask`).
    let key = match &command {
        ChannelCommand::Show { .. } | ChannelCommand::List { all: true } => None,
        _ => Some(global.key()?),
    };
    let key = move || key.ok_or_else(|| anyhow!("this command needs a key"));
    match command {
        ChannelCommand::Open { model, prover, deposit } => {
            let (id, outcome) = runtime.block_on(onchain::open(&chain, &key()?, &prover, &model, deposit))?;
            println!("{}", outcome.report(&format!("opened channel {id}")));
        }
        ChannelCommand::TopUp { channel, amount } => {
            println!("{}", runtime.block_on(onchain::top_up(&chain, &key()?, channel, amount))?.report("topped up"));
        }
        ChannelCommand::Close { channel } => {
            println!("{}", runtime.block_on(onchain::close(&chain, &key()?, channel))?.report("closing"));
        }
        ChannelCommand::Finish { channel } => {
            println!("{}", runtime.block_on(onchain::finish(&chain, &key()?, channel))?.report("closed"));
        }
        ChannelCommand::Show { channel } => {
            let info = runtime
                .block_on(chain.channel(channel))?
                .ok_or_else(|| anyhow!("channel {channel} is not open on the finalised chain"))?;
            println!("{}", show(channel, &info));
        }
        ChannelCommand::List { all } => {
            let me = if all { None } else { Some(account_of(&key()?)) };
            let open = runtime.block_on(chain.channels())?;
            let mine: Vec<_> =
                open.iter().filter(|(_, c)| me.as_ref().is_none_or(|me| &c.client == me || &c.prover == me)).collect();
            if mine.is_empty() {
                println!("no open channel{}", if all { "" } else { " of this account" });
            }
            for (id, info) in mine {
                println!("{}", show(*id, info));
            }
        }
        ChannelCommand::Report { channel, seq, state } => {
            let path = state.join(hex0x(&chain.genesis())).join(channel.to_string()).join("receipts.jsonl");
            let (_, kept) = ghost_client::durable::Log::open::<KeptReceipt>(&path)
                .map_err(|e| anyhow!("reading {}: {e}", path.display()))?;
            let kept =
                kept.records.into_iter().find(|k| k.receipt.seq == seq && k.proof.is_some()).ok_or_else(|| {
                    anyhow!("no receipt {seq} of channel {channel} is kept as evidence in {}", path.display())
                })?;
            let (receipt, signature) = kept.receipt.parse()?;
            let input: ghost_primitives::Input = kept.input.into();
            let proof = kept.proof.map(|p| p.0).unwrap_or_default();
            // Judged here first, as the chain will: a receipt refused for another reason
            // than its proof (its date, say) would be acquitted, and the fee lost.
            let file = runtime
                .block_on(chain.ghost_file(&receipt.model))?
                .ok_or_else(|| anyhow!("model {} has no ghost file on chain", hex0x(&receipt.model)))?;
            let verifier = Verifier::decode_expecting(&file, &receipt.model)?;
            let evidence = ghost_primitives::channel::ReceiptEvidence::Proof(&proof);
            if let Err(acquittal) = ghost_primitives::channel::judge(&verifier, &receipt, &input, evidence) {
                bail!("the chain would acquit receipt {seq} of channel {channel} ({acquittal:?}): not reported");
            }
            let evidence = onchain::Evidence::Proof(proof);
            let outcome =
                runtime.block_on(onchain::report_receipt(&chain, &key()?, &receipt, &signature, &input, evidence))?;
            println!("{}", outcome.report(&format!("reported receipt {seq} of channel {channel}")));
        }
        ChannelCommand::Ask { channel, input, count, concurrency, state, prover_url, audit } => {
            let (input, warning) = input.read()?;
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            let report = runtime.block_on(async {
                let info = chain.channel(channel).await?.ok_or_else(|| anyhow!("channel {channel} is not open"))?;
                let url = match prover_url {
                    Some(url) => url,
                    None => {
                        let bond = chain
                            .bond(&info.model, &info.prover)
                            .await?
                            .ok_or_else(|| anyhow!("the channel's prover is no longer bonded on its model"))?;
                        String::from_utf8(bond.endpoint.0).map_err(|_| anyhow!("the prover's endpoint is not text"))?
                    }
                };
                let file = chain
                    .ghost_file(&info.model)
                    .await?
                    .ok_or_else(|| anyhow!("model {} has no ghost file on chain", hex0x(&info.model)))?;
                let verifier = Verifier::decode_expecting(&file, &info.model)?;
                let mut session = Session::open(&chain, key()?, channel, &url, verifier, &state).await?;
                if let Some(watcher) = &audit.audit {
                    session = session.with_audit(Auditor::start(watcher, audit.audit_rate)?);
                }
                // Losing the node stops new requests; those under way finish and are paid.
                let stop = std::sync::atomic::AtomicBool::new(false);
                let run = tokio::select! {
                    run = ask_many(&session, &input, count, concurrency, &stop) => run,
                    never = track_best(&session, &chain, &stop) => match never {},
                };
                Ok::<_, anyhow::Error>((run, session.owed_and_signed()))
            })?;
            let (run, (owed, signed)) = report;
            println!(
                "{} verified answer(s) in {:.2} s: {:.0} a second; latency p50 {:.2} ms, p99 {:.2} ms; owed {owed}, voucher signed for {signed}",
                run.taken,
                run.elapsed.as_secs_f64(),
                run.rate(),
                run.quantile(0.5).as_secs_f64() * 1e3,
                run.quantile(0.99).as_secs_f64() * 1e3,
            );
            if let Some(forwarded) = &run.audited {
                println!("{}", audited_line(forwarded));
            }
            if run.failed > 0 {
                bail!("{} of {count} answer(s) were not taken: {}", run.failed, run.first_failure.unwrap_or_default());
            }
            // Every answer taken, but the voucher for the last ones did not reach the prover:
            // it is kept, and rides on this channel's next request.
            if let Some(why) = run.first_failure {
                bail!("{why}");
            }
        }
    }
    Ok(())
}

fn show(id: ChannelId, info: &ChannelInfo) -> String {
    let state = match info.closes_at {
        Some(at) => format!("closing (prover redeems until block #{at})"),
        None => "open".into(),
    };
    format!(
        "channel {id}: client {} -> prover {}, model {}, price {}, deposit {}, redeemed {}, {state}",
        show_account(&info.client),
        show_account(&info.prover),
        hex0x(&info.model),
        info.price,
        info.deposit,
        info.redeemed,
    )
}
