//! `ghost infer` (paid on chain, or off chain from a prover) and `ghost verify`.

use crate::{
    channel::{audited_line, SwarmArgs},
    global::{self, done, Global, Rejected, Verdict},
};
use anyhow::{bail, Result};
use clap::Args;
use ghost_client::{
    answer::{self, verify_answer},
    api::ProverUrl,
    paid::{self, InferOptions},
    wire::{Answer, InputArgs},
};
use ghost_model::store;
use ghost_primitives::{hex0x, parse_hash, Input, ModelId};
use std::path::PathBuf;

#[derive(Args)]
pub struct InferArgs {
    /// The registered model's id (0x-hex), paid with the --suri key: asked of its bonded
    /// provers over payment channels (reused, or opened), or on chain with --on-chain.
    #[arg(long, conflicts_with_all = ["prover", "ghost_file", "save"], value_parser = parse_hash)]
    model: Option<ModelId>,
    /// Pay on chain instead: a request, a result with its proof, a settlement (seconds,
    /// not milliseconds; the answer is disputed on chain).
    #[arg(long, requires = "model")]
    on_chain: bool,
    /// On chain: most credit to pay (default: the model's price).
    #[arg(long, requires = "on_chain")]
    max_price: Option<u128>,
    /// On chain: accept a verified result at once ("I checked it and give up disputes").
    /// By default the challenge window is waited out (watchers holding the weights may
    /// still convict the result), then the request is settled.
    #[arg(long, requires = "on_chain")]
    accept: bool,
    /// Over channels: the provers, the deposit, the records and the auditor.
    #[command(flatten)]
    swarm: SwarmArgs,
    /// Off chain: the prover's URL, e.g. http://127.0.0.1:9955.
    #[arg(long, requires = "ghost_file")]
    prover: Option<ProverUrl>,
    /// Off chain: the model's ghost file (or its model directory).
    #[arg(long, requires = "prover")]
    ghost_file: Option<PathBuf>,
    /// The input.
    #[command(flatten)]
    input: InputArgs,
    /// Keep the answer (JSON) in this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print the answer as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The model's ghost file (or its model directory).
    #[arg(long)]
    ghost_file: PathBuf,
    /// A saved answer (`ghost infer --save`).
    #[arg(long)]
    response: PathBuf,
}

/// `ghost infer`: paid over channels with `--model` (on chain with `--on-chain`), else off
/// chain from `--prover`, unpaid.
pub fn run(args: InferArgs, global: &Global) -> Verdict {
    match args.model {
        Some(model) if args.on_chain => on_chain(&args, model, global),
        Some(model) => over_channels(&args, model, global),
        None => off_chain(&args),
    }
}

/// Ask the model's provers over channels: the answer is verified, its receipt kept, and
/// only then paid by a voucher. With no channel to be had, it is paid on chain.
fn over_channels(args: &InferArgs, model: ModelId, global: &Global) -> Verdict {
    use ghost_client::channel::swarm::track_best;
    let input = read_input(&args.input)?;
    let runtime = global::runtime()?;
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    let swarm = match runtime.block_on(args.swarm.join(&chain, &key, &model)) {
        Ok((swarm, _)) => swarm,
        Err(why) => {
            println!("no channel to pay on ({why:#}): paying on chain");
            return on_chain(args, model, global);
        }
    };
    let (served, paid, audited) = runtime.block_on(async {
        // Losing the node does not drop the request under way: it finishes and is paid.
        let stop = std::sync::atomic::AtomicBool::new(false);
        let served = tokio::select! {
            served = swarm.ask(&input) => served,
            never = track_best(&swarm, &chain, &stop) => match never {},
        };
        let paid = swarm.pay_up().await;
        let mut audited = Vec::new();
        for member in swarm.members() {
            audited.extend(member.session.finish_audit().await);
        }
        Ok::<_, anyhow::Error>((served, paid, audited))
    })?;
    for forwarded in &audited {
        println!("{}", audited_line(forwarded));
    }
    let served = match served {
        Ok(served) => served,
        Err(failures) => {
            let why: Vec<String> = failures
                .iter()
                .map(|(i, why)| format!("{}: {why}", ghost_client::keys::show_account(&swarm.members()[*i].prover)))
                .collect();
            return Ok(Err(Rejected(format!("no prover gave a verified answer: {}", why.join("; ")))));
        }
    };
    for (i, paid) in &paid {
        if let (Err(e), true) = (paid, *i != served.member) {
            let prover = ghost_client::keys::show_account(&swarm.members()[*i].prover);
            println!("not paid yet, prover {prover}: {e:#} (the voucher rides on the next request)");
        }
    }
    for (i, why) in &served.failed {
        println!("failed over from {}: {why}", ghost_client::keys::show_account(&swarm.members()[*i].prover));
    }
    let member = &swarm.members()[served.member];
    let answer = &served.taken.answer;
    if args.json {
        println!("{}", serde_json::to_string(answer)?);
    } else {
        print_answer(answer);
    }
    let receipt = &served.taken.receipt;
    println!(
        "verified: model {}, proof {} bytes; receipt {} of channel {} from {} kept in {}",
        hex0x(&model),
        answer.proof.0.len(),
        receipt.seq,
        receipt.channel,
        ghost_client::keys::show_account(&member.prover),
        member.session.dir().display()
    );
    match &paid[served.member].1 {
        Ok(total) => {
            println!("paid: {} credit by voucher; the channel has paid {total} in all", receipt.price);
            println!("verdict: verified and paid");
        }
        Err(e) => {
            println!("owed: {} credit, not paid yet ({e:#}): the voucher rides on the next request", receipt.price);
            println!("verdict: verified; paid with the next request");
        }
    }
    done()
}

fn on_chain(args: &InferArgs, model: ModelId, global: &Global) -> Verdict {
    let input = read_input(&args.input)?;
    let runtime = global::runtime()?;
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    let options = InferOptions { max_price: args.max_price, accept: args.accept };
    let (verdict, claim) =
        runtime.block_on(paid::infer(&chain, &key, &model, &input, options, |event| println!("{event}")))?;
    if let Some(claim) = &claim {
        let answer = Answer::new(&model, &input, claim, &[]);
        if args.json {
            println!("{}", serde_json::to_string(&answer)?);
        } else {
            print_answer(&answer);
        }
    }
    match verdict {
        paid::Verdict::Accepted => {
            println!("verdict: verified and paid");
            done()
        }
        paid::Verdict::Settled => {
            println!("verdict: verified and paid after the challenge window");
            done()
        }
        paid::Verdict::Refunded(why) => Ok(Err(Rejected(format!("{why}; the price was refunded")))),
        paid::Verdict::Unverified(why) => Ok(Err(Rejected(why))),
    }
}

fn off_chain(args: &InferArgs) -> Verdict {
    let (Some(prover), Some(ghost_file)) = (&args.prover, &args.ghost_file) else {
        bail!("say where to ask: --model ID (on chain), or --prover URL --ghost-file DIR (off chain)");
    };
    let (file, _) = store::read_ghost_file(ghost_file)?;
    let input = read_input(&args.input)?;
    let runtime = global::runtime()?;
    let answer = runtime.block_on(answer::ask(prover.as_str(), &file, &input))?;
    if let Some(path) = &args.save {
        answer::save_answer(path, &answer)?;
    }
    match verify_answer(&file, &answer, Some(&input)) {
        Ok(v) => {
            if args.json {
                println!("{}", serde_json::to_string(&answer)?);
            } else {
                print_answer(&answer);
                println!(
                    "verified: model {}, proof {} bytes, checked in {:.0} us",
                    hex0x(&file.id()),
                    v.proof_bytes,
                    v.elapsed.as_secs_f64() * 1e6
                );
            }
            done()
        }
        Err(why) => Ok(Err(Rejected(why.to_string()))),
    }
}

/// `ghost verify`: a saved answer against a ghost file.
pub fn verify(args: VerifyArgs) -> Verdict {
    let (file, _) = store::read_ghost_file(&args.ghost_file)?;
    let answer = match answer::read_answer(&args.response)? {
        Ok(answer) => answer,
        Err(why) => return Ok(Err(Rejected(why))),
    };
    match verify_answer(&file, &answer, None) {
        Ok(v) => {
            print_answer(&answer);
            println!("verified: proof {} bytes, checked in {:.0} us", v.proof_bytes, v.elapsed.as_secs_f64() * 1e6);
            done()
        }
        Err(why) => Ok(Err(Rejected(why.to_string()))),
    }
}

/// The input of `ghost infer`, with its warning printed.
fn read_input(args: &InputArgs) -> Result<Input> {
    let (input, warning) = args.read()?;
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    Ok(input)
}

fn print_answer(answer: &Answer) {
    let out: Vec<f32> = answer.output.iter().map(|&q| ghost_primitives::to_f32(q)).collect();
    let shown: Vec<String> = out.iter().take(16).map(|v| format!("{v:.4}")).collect();
    let more = if out.len() > 16 { format!(", ... ({} values)", out.len()) } else { String::new() };
    println!("output: [{}{more}]", shown.join(", "));
    println!("argmax: {}", ghost_primitives::argmax(&out));
}
