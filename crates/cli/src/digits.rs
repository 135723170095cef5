//! `ghost digits`: the digits classifier's accuracy, and the fine-tuning experiment.

use anyhow::Result;
use clap::Args;
use ghost_model::{digits, tune::Steps};

#[derive(Args)]
pub struct DigitsArgs {
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Instead: align a base model to shifted local data at two sites by sparse
    /// fine-tuning, merge the two, and report accuracy before and after.
    #[arg(long)]
    align: bool,
    /// The steps of each site's tuning (with --align).
    #[command(flatten)]
    steps: Steps,
}

/// Run `ghost digits`.
pub fn run(args: DigitsArgs) -> Result<()> {
    if args.align {
        return align(&args);
    }
    let (_, accuracy) = digits::run()?;
    if args.json {
        println!("{}", serde_json::to_string(&accuracy)?);
    } else {
        println!(
            "digits ({} test images): fixed-point sparse {:.2}%, f32 sparse {:.2}%, f32 dense {:.2}%; fixed sparse \
             and f32 dense agree on {:.2}%",
            accuracy.test_images, accuracy.sparse_fixed, accuracy.sparse_f32, accuracy.dense_f32, accuracy.agreement
        );
    }
    Ok(())
}

fn align(args: &DigitsArgs) -> Result<()> {
    let (_, _, r) = digits::align(&args.steps)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    println!(
        "base: {} images; two sites of {} and {} images shifted one pixel right",
        r.base_images, r.site_images[0], r.site_images[1]
    );
    println!("accuracy        local (shifted)   original");
    let rows = [("base", r.base), ("site A", r.sites[0]), ("site B", r.sites[1]), ("merged", r.merged)];
    for (name, s) in rows {
        println!("{name:<15} {:>14.2}%   {:>7.2}%", s.local, s.original);
    }
    println!(
        "version 2 changes {} of {} rows; update {} bytes (multiproof {}); per example: {:.2} rows changed, {:.0} us \
         of tuning",
        r.rows_changed, r.rows, r.update_bytes, r.update_proof_bytes, r.rows_changed_per_example, r.tune_us_per_example
    );
    Ok(())
}
