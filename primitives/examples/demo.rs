//! A tour of the protocol without a chain: commit a model, answer a query with a ghost
//! proof, verify it, reject a tampered answer, and convict a prover that skipped a row.
//!
//! `cargo run --release -p ghost-primitives --example demo [-- ROWS]`

use ghost_primitives::{hex0x, quantise, quantise_input, synthetic, FloatInput, LookupParams, Model, Shape};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(1 << 16);
    let shape = Shape::new(n, (n / 1024).max(1));
    let LookupParams { d, k, n_probe, .. } = shape.layer;
    println!("model: one lookup layer, N = {n}, d = e = {d}, C = {}, k = {k}, n_probe = {n_probe}", shape.lists);

    let started = Instant::now();
    let layers = synthetic::model(1, &[shape]);
    let (weights, stats) = quantise(&layers);
    let model = Model::new(b"demo".to_vec(), weights)?;
    let file = model.ghost_file();
    let verifier = model.verifier();
    println!(
        "committed in {:.2?}: model id {}, ghost file {} bytes, {} entries saturated by quantisation",
        started.elapsed(),
        hex0x(&model.id()),
        codec::Encode::encoded_size(file),
        stats.saturated
    );

    let input = quantise_input(&FloatInput::Vector(synthetic::query(2, 64)));
    let started = Instant::now();
    let (trace, proof) = model.prove(&input)?;
    let elapsed = started.elapsed();
    let claim = trace.claim();
    let bytes = proof.encode();
    println!(
        "answered with proof in {elapsed:.2?}: proof {} bytes (floor {}), {} rows of {n} used",
        bytes.len(),
        proof.floor_bytes(),
        trace.openings[0].selected.len()
    );

    let started = Instant::now();
    verifier.verify(&[], &input, &claim, &bytes)?;
    println!("verified by the client in {:.2?}", started.elapsed());

    let mut tampered = bytes.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x10;
    let verdict = verifier.verify(&[], &input, &claim, &tampered);
    println!("tampered proof byte {at}: rejected: {}", verdict.err().map(|e| e.to_string()).unwrap_or_default());

    // A lazy prover: swaps its best row for a worse one and proves what it used.
    let cheat = model.lazy_trace(&input, 0, &[])?.ok_or("no row to leave out")?;
    let cheat_claim = cheat.claim();
    let cheat_proof = model.prove_trace(&cheat)?;
    println!(
        "lazy prover's own ghost proof verifies: {}",
        verifier.verify_decoded(&[], &input, &cheat_claim, &cheat_proof).is_ok()
    );
    match model.find_fraud(&input, &cheat)? {
        Some(fraud) => {
            let verdict = verifier.verify_fraud(&[], &input, &cheat_claim.links, &fraud);
            println!(
                "watcher's exclusion fraud proof ({} bytes SCALE): convicts = {}",
                codec::Encode::encoded_size(&fraud),
                verdict.is_ok()
            );
        }
        None => println!("watcher found no exclusion (the swapped row was no worse)"),
    }
    Ok(())
}
