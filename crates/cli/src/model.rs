//! `ghost model`: build, inspect, tune, merge and patch model directories; register,
//! update, show and list models on chain.

use crate::global::{self, Global};
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use ghost_client::{
    outcome::Outcome,
    registry::{self, royalty_parts, UpdateSummary},
    wire::parse_vector,
};
use ghost_model::{
    source::{self, Source},
    store,
    tune::{self, TuneParams, TuneRecord, Tuned},
    update,
};
use ghost_primitives::{hex0x, parse_hash, Hash, Model, ModelId};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Build a model directory from matrices, synthetic data or the digits data.
    #[command(subcommand)]
    Build(Source),
    /// Describe a model directory or ghost file.
    #[command(after_help = "Example:\n  ghost model info ./digits")]
    Info {
        /// Model directory or ghost file.
        path: PathBuf,
    },
    /// Copy a model with one pattern's value row replaced (for example, a corrected label):
    /// the smallest new version, to publish with `model update`.
    #[command(
        after_help = "Example:\n  ghost model patch ./digits --out ./digits-v2 --row 17 --value 0,0,0,1,0,0,0,0,0,0"
    )]
    Patch {
        /// The model directory to copy.
        dir: PathBuf,
        /// Where the patched copy goes.
        #[arg(long)]
        out: PathBuf,
        /// Lookup layer of the pattern.
        #[arg(long, default_value_t = 0)]
        layer: u32,
        /// Pattern (row) index, in the layer's list order.
        #[arg(long)]
        row: u32,
        /// The new value row: comma-separated numbers (quantised to Q14 as given).
        #[arg(long, allow_hyphen_values = true)]
        value: String,
    },
    /// Fine-tune a model on local examples: gradient steps on the value rows its lookups
    /// select, nothing else; writes the model and `tune.json` (changed rows, data hash).
    #[command(
        after_help = "Example:\n  ghost model tune --model ./digits --data local.csv --classes 10 --out ./digits-local"
    )]
    Tune {
        /// The model directory to tune.
        #[arg(long)]
        model: PathBuf,
        /// Where the tuned model goes.
        #[arg(long)]
        out: PathBuf,
        /// The examples and the steps.
        #[command(flatten)]
        params: TuneParams,
    },
    /// Merge tunings of one version: each changed row becomes the base row plus the mean
    /// change of the tunings that changed it (FedAvg over the rows touched).
    #[command(after_help = "Example:\n  ghost model merge --base ./digits --from ./a --from ./b --out ./digits-v2")]
    Merge {
        /// The version every tuning started from.
        #[arg(long)]
        base: PathBuf,
        /// A tuned model directory (with its `tune.json`); repeat.
        #[arg(long = "from", required = true)]
        from: Vec<PathBuf>,
        /// Where the merged model goes.
        #[arg(long)]
        out: PathBuf,
        /// Keep at most this many changed rows: those that changed most. The chain takes
        /// at most 256 rows a version (`MaxUpdateRows`).
        #[arg(long)]
        max_rows: Option<usize>,
    },
    /// Register a model directory's ghost file on chain (commit, then reveal a block later).
    #[command(after_help = "Example:\n  ghost model register ./digits --price 10 --royalty 10 --suri //Alice")]
    Register {
        /// Model directory or ghost file.
        dir: PathBuf,
        /// Price of one inference, in credit.
        #[arg(long)]
        price: u128,
        /// The owner's share of each price, in percent.
        #[arg(long, default_value_t = 0.0)]
        royalty: f64,
    },
    /// Publish the model in DIR as the next version of the one in --from, by a sparse update.
    #[command(
        after_help = "Example:\n  ghost model update ./digits-v2 --from ./digits --training-data-hash 0x1234... --suri //Alice"
    )]
    Update {
        /// The new version's model directory (its ghost file becomes the published one).
        dir: PathBuf,
        /// The registered version's model directory.
        #[arg(long)]
        from: PathBuf,
        /// BLAKE2b-256 of the data the new version was trained on (0x-hex); default: the
        /// one in the directory's `tune.json`, when `ghost model tune` or `merge` made it.
        #[arg(long, value_parser = parse_hash)]
        training_data_hash: Option<Hash>,
        /// New price (default: the old version's).
        #[arg(long)]
        price: Option<u128>,
        /// New royalty in percent (default: the old version's).
        #[arg(long)]
        royalty: Option<f64>,
    },
    /// A registered model: terms, shape, lineage, provers and their endpoints.
    #[command(after_help = "Example:\n  ghost model show 0x5f3c...")]
    Show {
        /// Model id (0x-hex).
        #[arg(value_parser = parse_hash)]
        id: ModelId,
    },
    /// Every registered model.
    #[command(after_help = "Example:\n  ghost model list --chain-url ws://127.0.0.1:9944")]
    List,
}

/// Run a `ghost model` command.
pub fn run(command: ModelCommand, global: &Global) -> Result<()> {
    match command {
        ModelCommand::Build(source) => build(&source),
        ModelCommand::Info { path } => info(&path),
        ModelCommand::Patch { dir, out, layer, row, value } => patch(&dir, &out, layer, row, &parse_vector(&value)?),
        ModelCommand::Tune { model, out, params } => tune(&model, &out, &params),
        ModelCommand::Merge { base, from, out, max_rows } => merge(&base, &from, &out, max_rows),
        ModelCommand::Register { dir, price, royalty } => register(global, &dir, price, royalty),
        ModelCommand::Update { dir, from, training_data_hash, price, royalty } => {
            publish(global, &dir, &from, training_data_hash, price, royalty)
        }
        ModelCommand::Show { id } => {
            let runtime = global::runtime()?;
            let chain = global.chain(&runtime)?;
            println!("{}", runtime.block_on(registry::show(&chain, &id))?);
            Ok(())
        }
        ModelCommand::List => {
            let runtime = global::runtime()?;
            let chain = global.chain(&runtime)?;
            let models = runtime.block_on(registry::list(&chain))?;
            if models.is_empty() {
                println!("no models registered");
            }
            for line in models {
                println!("{line}");
            }
            Ok(())
        }
    }
}

fn build(source: &Source) -> Result<()> {
    let how = std::env::args().collect::<Vec<_>>().join(" ");
    let manifest = source::build(source, &how, true)?;
    println!("built {} at {}", manifest.model_id, source.output().out.display());
    for line in &manifest.layers {
        println!("  {line}");
    }
    Ok(())
}

fn info(path: &Path) -> Result<()> {
    let (file, bytes) = store::read_ghost_file(path)?;
    println!("model id    {}", hex0x(&file.id()));
    println!("name        {}", String::from_utf8_lossy(&file.file().name));
    println!("ghost file  {} bytes", bytes.len());
    println!("parent      {}", file.file().parent.map(|p| hex0x(&p)).unwrap_or_else(|| "none".into()));
    for (i, layer) in file.file().layers.iter().enumerate() {
        println!("layer {i:<4}  {}", store::describe(layer));
    }
    Ok(())
}

fn patch(dir: &Path, out: &Path, layer: u32, row: u32, value: &[f32]) -> Result<()> {
    let model = store::load(dir)?;
    let patched = update::patch_value(&model, layer, row, value)?;
    let how = format!("{} with row {row} of layer {layer} patched", dir.display());
    let manifest = store::save(out, &patched, &Default::default(), &how)?;
    println!("built {} at {} (from {})", manifest.model_id, out.display(), hex0x(&model.id()));
    Ok(())
}

fn tune(model: &Path, out: &Path, params: &TuneParams) -> Result<()> {
    refuse_overwrite(out, &[model])?;
    let base = store::load(model)?;
    let examples = tune::Examples::read(params, &base)?;
    let started = std::time::Instant::now();
    let tuned = tune::tune(&base, &examples, &params.steps, params.max_rows, true)?;
    let how = format!("{} tuned on {}", model.display(), params.data.display());
    let manifest = tune::save(out, &tuned, &how)?;
    let r = &tuned.record;
    println!("built {} at {} (tuned from {})", manifest.model_id, out.display(), r.parent);
    println!(
        "{} example(s), {} epoch(s) in {:.2} s: loss {:.4} -> {:.4}",
        r.examples,
        r.epochs,
        started.elapsed().as_secs_f64(),
        r.loss_before,
        r.loss_after
    );
    println!("{} row(s) of layer {} changed; training data {}", r.changed_rows.len(), r.layer, r.training_data);
    Ok(())
}

fn merge(base: &Path, from: &[PathBuf], out: &Path, max_rows: Option<usize>) -> Result<()> {
    let inputs: Vec<&Path> = std::iter::once(base).chain(from.iter().map(PathBuf::as_path)).collect();
    refuse_overwrite(out, &inputs)?;
    let base_model = store::load(base)?;
    let tunings = from
        .iter()
        .map(|dir| {
            let record = TuneRecord::read(dir)?
                .with_context(|| format!("{} has no tune.json: it is not a tuning", dir.display()))?;
            Ok(Tuned { model: store::load(dir)?, record })
        })
        .collect::<Result<Vec<_>>>()?;
    let merged = tune::merge(&base_model, &tunings, max_rows)?;
    let how = format!("{} merged from {} tuning(s)", base.display(), from.len());
    let manifest = tune::save(out, &merged, &how)?;
    println!("built {} at {} (merged into {})", manifest.model_id, out.display(), merged.record.parent);
    println!(
        "{} row(s) of layer {} changed; training data {} (commits to {} contribution(s))",
        merged.record.changed_rows.len(),
        merged.record.layer,
        merged.record.training_data,
        from.len()
    );
    Ok(())
}

fn register(global: &Global, dir: &Path, price: u128, royalty: f64) -> Result<()> {
    let royalty = royalty_parts(royalty)?;
    let (file, bytes) = store::read_ghost_file(dir)?;
    let runtime = global::runtime()?;
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    let committed = |outcome: &Outcome| println!("{}", outcome.report("committed to the registration"));
    let registered =
        runtime.block_on(registry::register(&chain, &key, &file, bytes, price, royalty, global.wait(), committed))?;
    println!("{}", registered.report("registered"));
    println!("model {}", hex0x(&file.id()));
    Ok(())
}

/// `ghost model update`: the sparse update from the version in `from` to the one in `dir`,
/// published as the next version; `dir`'s ghost file becomes the published one (it names
/// its parent), so that it can be served.
fn publish(
    global: &Global,
    dir: &Path,
    from: &Path,
    training_data_hash: Option<Hash>,
    price: Option<u128>,
    royalty: Option<f64>,
) -> Result<()> {
    let training = match training_data_hash {
        Some(hash) => Some(hash),
        None => TuneRecord::read(dir)?.map(|r| r.training_data_hash()).transpose()?,
    };
    let royalty = royalty.map(royalty_parts).transpose()?;
    let (old, new) = (store::load(from)?, store::load(dir)?);
    let update = update::diff(&old, &new, training)?;
    println!("{}", UpdateSummary::of(&update));
    let runtime = global::runtime()?;
    let (key, chain) = (global.key()?, global.chain(&runtime)?);
    let terms = (price, royalty);
    let published =
        runtime.block_on(registry::publish_update(&chain, &key, old.verifier(), update, terms, global.wait()))?;
    println!("{}", published.outcome.report("published"));
    // Serve the version the chain holds: the same weights under the published ghost file.
    let id = published.next.id();
    let served = Model::for_ghost_file(published.next, new.weights().to_vec())
        .map_err(|e| anyhow::anyhow!("the published version does not match {}: {e}", dir.display()))?;
    store::save_ghost_file(dir, &served)?;
    println!("version {} (parent {})", hex0x(&id), hex0x(&published.parent));
    Ok(())
}

/// Refuse to write a model to `out` when it is one of the `inputs`: the version tuned or
/// merged from must survive (the update is published against it).
fn refuse_overwrite(out: &Path, inputs: &[&Path]) -> Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(input) = inputs.iter().find(|i| same(out, i)) {
        bail!("--out {} is an input of this command: write the new version elsewhere", input.display());
    }
    Ok(())
}
