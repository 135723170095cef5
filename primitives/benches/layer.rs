//! One lookup layer at the brief's headline shape: `N = 2^20` rows in `C = 1024` lists,
//! with the default `LookupParams` (64-wide, 32 of 8 lists). Forward pass, proof
//! generation, verification, encoding.
//! Prints the proof's size against the floor (multiproof hashes plus raw rows) once.
//!
//! `GHOST_BENCH_ROWS` overrides `N` (e.g. for a quick run).

// criterion's macros generate the undocumented entry points.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ghost_primitives::{quantise, quantise_input, synthetic, FloatInput, FloatLayer, GhostProof, Model, Shape};
use rand::{Rng, SeedableRng};

fn setup() -> (Model, Vec<ghost_primitives::Input>) {
    let n = std::env::var("GHOST_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1u32 << 20);
    let shape = Shape::new(n, 1024);
    let layer = synthetic::layer(42, &shape);
    let keys = &layer.keys;
    // Queries near stored keys, as real lookups are.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let inputs = (0..64)
        .map(|_| {
            let i = rng.gen_range(0..n as usize);
            let mut q: Vec<f32> = ghost_primitives::row(keys, 64, i as u32)
                .unwrap()
                .iter()
                .map(|x| x + 0.05 * (rng.gen::<f32>() - 0.5))
                .collect();
            let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
            q.iter_mut().for_each(|x| *x /= norm);
            quantise_input(&FloatInput::Vector(q))
        })
        .collect();
    let (weights, _) = quantise(&[FloatLayer::Lookup(layer)]);
    (Model::new(b"bench".to_vec(), weights).expect("valid model"), inputs)
}

fn bench(c: &mut Criterion) {
    let (model, inputs) = setup();
    let file = model.ghost_file().clone();
    let (trace, proof) = model.prove(&inputs[0]).unwrap();
    let bytes = proof.encode();
    let mut sizes = (0usize, 0usize);
    for input in &inputs {
        let (_, p) = model.prove(input).unwrap();
        sizes.0 += p.encode().len();
        sizes.1 += p.floor_bytes();
    }
    println!(
        "proof bytes (mean of {}): {} encoded, {} floor (hashes + raw rows), ratio {:.3}",
        inputs.len(),
        sizes.0 / inputs.len(),
        sizes.1 / inputs.len(),
        sizes.0 as f64 / sizes.1 as f64
    );

    let mut g = c.benchmark_group("layer_2^20x64_k32_c1024_p8");
    let mut i = 0;
    g.bench_function("forward", |b| {
        b.iter(|| {
            i = (i + 1) % inputs.len();
            model.trace(&inputs[i]).unwrap()
        })
    });
    g.bench_function("prove_trace", |b| b.iter(|| model.prove_trace(&trace).unwrap()));
    g.bench_function("forward_and_prove", |b| {
        b.iter(|| {
            i = (i + 1) % inputs.len();
            model.prove(&inputs[i]).unwrap()
        })
    });
    let claim = trace.claim();
    let verifier = model.verifier();
    g.bench_function("verify", |b| b.iter(|| verifier.verify_decoded(&[], &inputs[0], &claim, &proof).unwrap()));
    g.bench_function("encode", |b| b.iter(|| proof.encode()));
    g.bench_function("decode", |b| b.iter(|| GhostProof::decode(&bytes, &file).unwrap()));
    g.bench_function("decode_and_verify", |b| {
        b.iter_batched(
            || bytes.clone(),
            |bytes| verifier.verify(&[], &inputs[0], &claim, &bytes).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
