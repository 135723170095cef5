//! Exclusion fraud proofs: a prover that leaves out a better row or list is convicted by
//! one proof; a bogus accusation is rejected.

mod common;

use codec::Encode;
use ghost_primitives::{
    decode_fraud, Beta, Error, Evidence, ExcludedList, ExcludedRow, FraudProof, Input, LinkOpening, LookupParams,
    Model, Trace,
};
use proptest::prelude::*;

/// Replace the best selected row of `layer` with the best row left out of it, if any.
fn drop_best_row(model: &Model, input: &Input, layer: u32) -> Option<Trace> {
    model.lazy_trace(input, layer, &[]).unwrap()
}

/// Probe a list the honest pass would not, instead of one it would.
fn swap_list(model: &Model, input: &Input, layer: u32) -> Option<Trace> {
    let honest = model.trace(input).ok()?;
    let committed = &honest.openings[layer as usize];
    let lists = model.ghost_file().lookup(layer).ok()?.lists();
    let outsider = (0..lists).find(|j| !committed.probed.contains(j))?;
    let first = *committed.probed.first()?;
    model
        .trace_with(input, &mut |l, p, s| {
            if l == layer {
                p.retain(|&j| j != first);
                p.push(outsider);
                // Stay consistent: select only from the lists now probed.
                let spec = model.ghost_file().lookup(layer).unwrap();
                s.retain(|&r| spec.list_of(r).is_some_and(|j| p.contains(&j)));
            }
        })
        .ok()
}

fn vector_params() -> impl Strategy<Value = common::Params> {
    common::params().prop_map(|mut p| {
        p.embedding = None;
        p
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn honest_traces_give_no_fraud(p in common::params(), q in any::<u64>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let trace = model.trace(&input).unwrap();
        prop_assert_eq!(model.find_fraud(&input, &trace).unwrap(), None);
    }

    #[test]
    fn an_excluded_row_convicts(p in vector_params(), q in any::<u64>(), layer in 0u32..3) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        prop_assume!((layer as usize) < p.shapes.len());
        let cheat = drop_best_row(&model, &input, layer);
        prop_assume!(cheat.is_some(), "every candidate row is selected");
        let cheat = cheat.unwrap();
        let links = cheat.claim().links;
        let fraud = model.find_fraud(&input, &cheat).unwrap().expect("the watcher finds the dropped row");
        prop_assert!(matches!(fraud.evidence, Evidence::ExcludedRow(_)), "unexpected verdict");
        prop_assert_eq!(model.verifier().verify_fraud(&[], &input, &links, &fraud), Ok(()));
        // The same evidence, SCALE-encoded as the chain receives it.
        let decoded = decode_fraud(&fraud.encode()).unwrap();
        prop_assert_eq!(model.verifier().verify_fraud(&[], &input, &links, &decoded), Ok(()));

        // Bogus variants: roles swapped, against the honest claim, a tampered row.
        let mut swapped = fraud.clone();
        if let Evidence::ExcludedRow(e) = &mut swapped.evidence {
            core::mem::swap(&mut e.excluded, &mut e.beaten);
            core::mem::swap(&mut e.excluded_key, &mut e.beaten_key);
            core::mem::swap(&mut e.excluded_value, &mut e.beaten_value);
        }
        prop_assert!(model.verifier().verify_fraud(&[], &input, &links, &swapped).is_err());
        let honest_links = model.trace(&input).unwrap().claim().links;
        prop_assert!(model.verifier().verify_fraud(&[], &input, &honest_links, &fraud).is_err());
        let mut tampered = fraud.clone();
        if let Evidence::ExcludedRow(e) = &mut tampered.evidence {
            e.excluded_key[0] = e.excluded_key[0].wrapping_add(1);
        }
        prop_assert!(matches!(model.verifier().verify_fraud(&[], &input, &links, &tampered), Err(Error::RootMismatch { .. })), "unexpected verdict");
    }

    #[test]
    fn an_excluded_list_convicts(p in vector_params(), q in any::<u64>(), layer in 0u32..3) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        prop_assume!((layer as usize) < p.shapes.len());
        let cheat = swap_list(&model, &input, layer);
        prop_assume!(cheat.is_some(), "every list is probed");
        let cheat = cheat.unwrap();
        let links = cheat.claim().links;
        let fraud = model.find_fraud(&input, &cheat).unwrap().expect("the watcher finds the skipped list");
        prop_assert!(matches!(fraud.evidence, Evidence::ExcludedList(_)), "unexpected verdict");
        prop_assert_eq!(model.verifier().verify_fraud(&[], &input, &links, &fraud), Ok(()));
        let mut swapped = fraud.clone();
        if let Evidence::ExcludedList(e) = &mut swapped.evidence {
            core::mem::swap(&mut e.excluded, &mut e.beaten);
            core::mem::swap(&mut e.excluded_centroid, &mut e.beaten_centroid);
        }
        prop_assert!(model.verifier().verify_fraud(&[], &input, &links, &swapped).is_err());
        // A forged input link (another input to the layer) does not match the chain.
        if let Some(prev) = &fraud.input_link {
            let mut forged = fraud.clone();
            let mut other = prev.clone();
            other.output[0] = other.output[0].wrapping_add(1);
            forged.input_link = Some(other);
            prop_assert!(matches!(model.verifier().verify_fraud(&[], &input, &links, &forged), Err(Error::LinkMismatch { .. })), "unexpected verdict");
        }
    }
}

#[test]
fn accusing_an_honest_prover_fails_with_the_reason() {
    let p = common::Params {
        seed: 11,
        embedding: None,
        shapes: vec![ghost_primitives::Shape {
            rows: 300,
            lists: 6,
            layer: LookupParams { d: 8, e: 4, k: 4, beta: Beta::from_int(8), n_probe: 2, normalize: true },
        }],
    };
    let model = common::model(&p);
    let input = common::input(&p, 5);
    let honest = model.trace(&input).unwrap();
    let links = honest.claim().links;
    let cheat = drop_best_row(&model, &input, 0).unwrap();
    let fraud = model.find_fraud(&input, &cheat).unwrap().unwrap();
    // Replayed against the honest claim: the opened link is not the posted one.
    assert_eq!(model.verifier().verify_fraud(&[], &input, &links, &fraud), Err(Error::LinkMismatch { layer: 0 }));
    // Against the honest link: the "excluded" row was selected.
    let mut on_honest = fraud.clone();
    on_honest.link = honest.openings[0].clone();
    assert!(matches!(
        model.verifier().verify_fraud(&[], &input, &links, &on_honest),
        Err(Error::NotExcluded { .. } | Error::NotCommitted { .. })
    ));
    // Wrong layer kind, wrong chain length.
    let mut wrong_layer = fraud.clone();
    wrong_layer.layer = 3;
    assert_eq!(
        model.verifier().verify_fraud(&[], &input, &links, &wrong_layer),
        Err(Error::NotALookupLayer { layer: 3 })
    );
    assert!(matches!(model.verifier().verify_fraud(&[], &input, &[], &fraud), Err(Error::TraceLength { .. })));
    assert!(decode_fraud(&[1, 2, 3]).is_err());
}

/// A fraud proof's SCALE encoding (what the chain's `report_exclusion` decodes) keeps the
/// layout it had when the evidence's fields were its variants' own: variant index, then
/// the fields in order.
#[test]
fn fraud_proofs_keep_their_encoding() {
    let link = LinkOpening { prev: [3; 32], layer: 1, probed: vec![0, 2], selected: vec![4, 9], output: vec![-5, 6] };
    let row = ExcludedRow {
        excluded: 7,
        beaten: 9,
        excluded_key: vec![1, -2],
        excluded_value: vec![3],
        beaten_key: vec![-4, 5],
        beaten_value: vec![6],
        proof: vec![[8; 32]],
    };
    let list = ExcludedList {
        excluded: 1,
        beaten: 2,
        excluded_centroid: vec![7, -7],
        beaten_centroid: vec![8, -8],
        proof: vec![[9; 32], [10; 32]],
    };
    let flat_row = (
        0u8,
        (row.excluded, row.beaten, &row.excluded_key, &row.excluded_value, &row.beaten_key, &row.beaten_value),
        &row.proof,
    );
    let flat_list = (1u8, (list.excluded, list.beaten, &list.excluded_centroid, &list.beaten_centroid, &list.proof));
    assert_eq!(Evidence::ExcludedRow(row.clone()).encode(), flat_row.encode());
    assert_eq!(Evidence::ExcludedList(list.clone()).encode(), flat_list.encode());
    let fraud =
        FraudProof { layer: 1, input_link: None, link: link.clone(), evidence: Evidence::ExcludedRow(row.clone()) };
    let bytes = fraud.encode();
    assert_eq!(bytes, (1u32, None::<LinkOpening>, &link, 0u8, flat_row.1, flat_row.2).encode());
    assert_eq!(decode_fraud(&bytes), Ok(fraud));
}
