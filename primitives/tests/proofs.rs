//! Property tests of ghost proofs: honest ones verify, any bit changed is rejected.

mod common;

use ghost_primitives::{Beta, Claim, Error, GhostProof, LayerProof, LookupParams, ProofFault, TreeKind, Verifier};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn honest_proofs_verify(p in common::params(), q in any::<u64>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let (trace, proof) = model.prove(&input).unwrap();
        let claim = trace.claim();
        let bytes = proof.encode();
        let decoded = GhostProof::decode(&bytes, model.ghost_file()).unwrap();
        prop_assert_eq!(&decoded, &proof);
        let proven = model.verifier().verify_decoded(&[], &input, &claim, &decoded).unwrap();
        prop_assert_eq!(proven, trace);
        model.verifier().verify(&[], &input, &claim, &bytes).unwrap();
        // The hash work counted is what the shape's bound allows, and at least one leaf,
        // node-less root per tree.
        let bound = model.ghost_file().proof_bound();
        prop_assert!(proof.compressions() <= bound.compressions, "{} > {}", proof.compressions(), bound.compressions);
        prop_assert!(proof.compressions() >= 2 * model.ghost_file().layers.len() as u64);
        // Entries take at most 3 bytes (2 raw); indices and counts a few bytes a layer.
        prop_assert!(bytes.len() <= proof.floor_bytes() * 3 / 2 + 64 * model.ghost_file().layers.len() + 64,
            "proof {} bytes vs floor {}", bytes.len(), proof.floor_bytes());
    }

    #[test]
    fn any_bit_flip_of_the_proof_is_rejected(p in common::params(), q in any::<u64>(), bits in prop::collection::vec(any::<prop::sample::Index>(), 16)) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let (trace, proof) = model.prove(&input).unwrap();
        let claim = trace.claim();
        let bytes = proof.encode();
        for bit in bits {
            let at = bit.index(bytes.len() * 8);
            let mut bad = bytes.clone();
            bad[at / 8] ^= 1 << (at % 8);
            let verdict = model.verifier().verify(&[], &input, &claim, &bad);
            prop_assert!(verdict.is_err(), "bit {} of {} accepted", at, bytes.len() * 8);
        }
    }

    #[test]
    fn any_bit_flip_of_the_output_or_links_is_rejected(p in common::params(), q in any::<u64>(), bit in any::<prop::sample::Index>(), link_bit in any::<prop::sample::Index>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let (trace, proof) = model.prove(&input).unwrap();
        let claim = trace.claim();
        let at = bit.index(claim.output.len() * 16);
        let mut output = claim.output.clone();
        output[at / 16] ^= 1 << (at % 16);
        let changed = Claim { output, links: claim.links.clone() };
        prop_assert_eq!(model.verifier().verify_decoded(&[], &input, &changed, &proof).err(), Some(Error::OutputMismatch));
        let mut bad = claim.clone();
        let at = link_bit.index(bad.links.len() * 256);
        bad.links[at / 256][(at % 256) / 8] ^= 1 << (at % 8);
        prop_assert!(matches!(model.verifier().verify_decoded(&[], &input, &bad, &proof), Err(Error::TraceMismatch { .. })), "unexpected verdict");
    }

    #[test]
    fn a_ghost_file_is_bound_to_its_id(p in common::params(), bit in any::<prop::sample::Index>()) {
        let model = common::model(&p);
        let bytes = codec::Encode::encode(model.ghost_file());
        let id = model.id();
        prop_assert_eq!(&Verifier::decode_expecting(&bytes, &id).unwrap().into_file(), model.ghost_file());
        let at = bit.index(bytes.len() * 8);
        let mut bad = bytes.clone();
        bad[at / 8] ^= 1 << (at % 8);
        prop_assert_eq!(Verifier::decode_expecting(&bad, &id), Err(Error::ModelIdMismatch));
        // A wrong id for the right bytes is rejected too.
        let mut other = id;
        other[0] ^= 1;
        prop_assert_eq!(Verifier::decode_expecting(&bytes, &other), Err(Error::ModelIdMismatch));
    }

    #[test]
    fn a_proof_for_another_input_is_rejected(p in common::params(), q in any::<u64>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let other = common::input(&p, q.wrapping_add(1));
        prop_assume!(input != other);
        let (trace, proof) = model.prove(&input).unwrap();
        prop_assert!(model.verifier().verify_decoded(&[], &other, &trace.claim(), &proof).is_err());
    }
}

/// A two-layer model with list sizes large enough for every tamper below.
fn fixture() -> (ghost_primitives::Model, ghost_primitives::Input) {
    let p = common::Params {
        seed: 7,
        embedding: None,
        shapes: vec![
            ghost_primitives::Shape {
                rows: 400,
                lists: 4,
                layer: LookupParams { d: 8, e: 6, k: 5, beta: Beta::from_int(8), n_probe: 2, normalize: true },
            },
            ghost_primitives::Shape {
                rows: 100,
                lists: 3,
                layer: LookupParams { d: 6, e: 3, k: 3, beta: Beta::from_int(4), n_probe: 1, normalize: false },
            },
        ],
    };
    (common::model(&p), common::input(&p, 3))
}

#[test]
fn structural_forgeries_are_rejected_with_their_reason() {
    let (model, input) = fixture();
    let file = model.ghost_file();
    let verifier = model.verifier();
    let (trace, proof) = model.prove(&input).unwrap();
    let claim = trace.claim();
    let LayerProof::Lookup(first) = &proof.layers[0] else { panic!("lookup layer") };

    // Duplicate selected index: caught before any Merkle work.
    let mut dup = proof.clone();
    if let LayerProof::Lookup(p) = &mut dup.layers[0] {
        p.selected[1] = p.selected[0];
    }
    assert_eq!(verifier.verify_decoded(&[], &input, &claim, &dup), Err(Error::IndicesNotStrictlyIncreasing));

    // One row fewer than min(k, rows in probed lists).
    let mut short = proof.clone();
    if let LayerProof::Lookup(p) = &mut short.layers[0] {
        p.selected.pop();
        p.keys.truncate(p.keys.len() - 8);
        p.values.truncate(p.values.len() - 6);
    }
    assert_eq!(
        verifier.verify_decoded(&[], &input, &claim, &short),
        Err(Error::SelectedCount { layer: 0, expected: 5, got: 4 })
    );

    // A probed list id beyond the last list.
    let mut far = proof.clone();
    if let LayerProof::Lookup(p) = &mut far.layers[0] {
        *p.probed.last_mut().unwrap() = 99;
    }
    assert_eq!(verifier.verify_decoded(&[], &input, &claim, &far), Err(Error::ListOutOfRange { layer: 0, list: 99 }));

    // A row value changed: the Merkle root no longer matches.
    let mut forged = proof.clone();
    if let LayerProof::Lookup(p) = &mut forged.layers[1] {
        p.values[0] = p.values[0].wrapping_add(1);
    }
    assert_eq!(
        verifier.verify_decoded(&[], &input, &claim, &forged),
        Err(Error::RootMismatch { layer: 1, tree: TreeKind::Patterns })
    );

    // Spare multiproof hash.
    let mut spare = proof.clone();
    if let LayerProof::Lookup(p) = &mut spare.layers[0] {
        p.patterns_proof.push([0; 32]);
    }
    assert!(matches!(verifier.verify_decoded(&[], &input, &claim, &spare), Err(Error::WrongProofHashCount { .. })));

    // Wrong number of layers, wrong input dimension.
    let mut fewer = proof.clone();
    fewer.layers.pop();
    assert!(matches!(verifier.verify_decoded(&[], &input, &claim, &fewer), Err(Error::LayerKindMismatch { .. })));
    let wide = ghost_primitives::Input::Vector(vec![0; 9]);
    assert_eq!(verifier.verify_decoded(&[], &wide, &claim, &proof), Err(Error::WrongDimension { expected: 8, got: 9 }));
    assert_eq!(
        verifier.verify_decoded(&[], &ghost_primitives::Input::Token(1), &claim, &proof),
        Err(Error::WrongInputKind)
    );

    // Truncated, trailing and oversized encodings.
    let bytes = proof.encode();
    assert!(matches!(GhostProof::decode(&bytes[..bytes.len() - 1], file), Err(Error::ProofMalformed { .. })));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(GhostProof::decode(&trailing, file), Err(Error::ProofTrailingBytes { .. })));
    let huge = vec![1u8; ghost_primitives::limits::MAX_PROOF_BYTES + 1];
    assert!(matches!(GhostProof::decode(&huge, file), Err(Error::ProofTooLarge { .. })));
    // Each rejection names its reason (the wire primitives' own are unit tests of them).
    let fault = |r: Result<_, Error>| match r {
        Err(Error::ProofMalformed { fault, .. }) => Some(fault),
        _ => None,
    };
    let mut versioned = bytes.clone();
    versioned[0] = 2;
    assert_eq!(fault(GhostProof::decode(&versioned, file).map(drop)), Some(ProofFault::UnknownVersion));
    assert_eq!(fault(GhostProof::decode(&bytes[..bytes.len() - 1], file).map(drop)), Some(ProofFault::CountBeyondEnd));
    let shown = GhostProof::decode(&versioned, file).unwrap_err().to_string();
    assert_eq!(shown, "proof is malformed at byte 0: unknown proof version (1 expected)");
    assert!(!first.selected.is_empty() && !first.probed.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The chain admits models by `proof_bound`: no honest (or any accepted) proof may be
    /// larger, and its verification opens no more than the bound's leaves.
    #[test]
    fn no_proof_exceeds_the_shape_bound(p in common::params(), q in any::<u64>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let (_, proof) = model.prove(&input).unwrap();
        let bound = model.ghost_file().proof_bound();
        let bytes = proof.encode().len() as u64;
        prop_assert!(bytes <= bound.bytes, "proof {} bytes over the bound {}", bytes, bound.bytes);
        // The bound is a bound, not a guess: within a small factor of the real thing.
        prop_assert!(bound.bytes <= 4 * bytes + 4096, "bound {} far above {}", bound.bytes, bytes);
    }

    /// A claim bound to one prover does not verify for another: copied links convict.
    #[test]
    fn a_claim_is_bound_to_its_prover(p in common::params(), q in any::<u64>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let alice = model.trace_bound(&input, &[1; 32]).unwrap();
        let proof = model.prove_trace(&alice).unwrap();
        model.verifier().verify_decoded(&[1; 32], &input, &alice.claim(), &proof).unwrap();
        let copied = model.verifier().verify_decoded(&[2; 32], &input, &alice.claim(), &proof);
        prop_assert!(matches!(copied, Err(Error::TraceMismatch { layer: 0 })), "{:?}", copied);
        // The empty binding is the unbound (off-chain) chain.
        prop_assert_eq!(model.trace_bound(&input, &[]).unwrap(), model.trace(&input).unwrap());
    }
}
