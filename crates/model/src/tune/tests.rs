//! Tuning and merging: what changes, what does not, and that the published update is the
//! tuned model.

use super::*;
use crate::build::{commit, lookup_layer, synthetic_matrices, tests::params};
use ghost_primitives::LookupWeights;
use proptest::prelude::*;
use rand::Rng;

fn model(seed: u64) -> Model {
    let (k, v) = synthetic_matrices(256, 8, 4, 8, seed);
    let (layer, _) = lookup_layer(k, v, &params(8, 3, 4), false).unwrap();
    commit("tune-test", &[layer.into()]).unwrap().0
}

fn examples(seed: u64, n: usize) -> Examples {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let inputs = (0..n * 8).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let targets = (0..n * 4).map(|_| rng.gen_range(-1.0..1.0)).collect();
    Examples { d: 8, e: 4, inputs, targets }
}

fn values(m: &Model) -> &[i16] {
    &m.lookup_weights(0).expect("a lookup model").values
}

fn steps(seed: u64, epochs: u32, learning_rate: f32) -> Steps {
    Steps { seed, epochs, learning_rate, ..Steps::DEFAULT }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Only rows some example selected change, only in their values, and the record
    /// names exactly the rows whose bytes changed.
    #[test]
    fn a_tune_changes_no_row_that_no_example_selected(
        seed in 0u64..1000, n in 1usize..12, lr in 0.05f32..3.0,
    ) {
        let base = model(seed % 4);
        let ex = examples(seed, n);
        let tuned = tune(&base, &ex, &steps(seed, 2, lr), None, false).unwrap();
        let mut selected = std::collections::BTreeSet::new();
        for i in 0..ex.len() {
            let trace = base.trace(&quantise_vector(ex.get(i).0, false)).unwrap();
            selected.extend(trace.openings[0].selected.iter().copied());
        }
        let (old, new) = (values(&base), values(&tuned.model));
        let changed: Vec<u32> = (0..256u32).filter(|&r| row(old, 4, r).unwrap() != row(new, 4, r).unwrap()).collect();
        prop_assert!(changed.iter().all(|r| selected.contains(r)), "{changed:?} not in {selected:?}");
        prop_assert_eq!(&tuned.record.changed_rows, &changed);
        for (a, b) in base.weights().iter().zip(tuned.model.weights()) {
            let same_index = a
                .as_lookup()
                .zip(b.as_lookup())
                .is_some_and(|(a, b)| a.keys == b.keys && a.centroids == b.centroids && a.offsets == b.offsets);
            prop_assert!(same_index);
        }
    }

    /// The update published from a tune turns the old ghost file into one whose
    /// roots are the tuned directory's.
    #[test]
    fn the_published_update_has_the_tuned_root(seed in 0u64..1000, n in 1usize..12) {
        let base = model(seed % 4);
        let tuned = tune(&base, &examples(seed, n), &steps(seed, 3, 1.0), None, false).unwrap();
        prop_assume!(!tuned.record.changed_rows.is_empty());
        let update = crate::update::diff(&base, &tuned.model, Some(tuned.record.training_data_hash().unwrap())).unwrap();
        prop_assert_eq!(&update.indices, &tuned.record.changed_rows);
        let next = base.ghost_file().apply_update(&update).unwrap();
        prop_assert_eq!(&next.layers, &tuned.model.ghost_file().layers);
    }

    /// A row budget keeps the rows that changed most and puts back the others.
    #[test]
    fn a_row_budget_keeps_the_largest_changes(seed in 0u64..1000, n in 1usize..12, max in 0usize..20) {
        let base = model(seed % 4);
        let ex = examples(seed, n);
        let all = tune(&base, &ex, &steps(seed, 2, 1.0), None, false).unwrap();
        let held = tune(&base, &ex, &steps(seed, 2, 1.0), Some(max), false).unwrap();
        prop_assert_eq!(held.record.changed_rows.len(), all.record.changed_rows.len().min(max));
        let (v0, va, vh) = (values(&base), values(&all.model), values(&held.model));
        let change = |r: u32| -> i64 {
            (0..4).map(|j| (va[r as usize * 4 + j] as i64 - v0[r as usize * 4 + j] as i64).pow(2)).sum()
        };
        for r in 0..256u32 {
            let row = |v: &[i16]| row(v, 4, r).unwrap().to_vec();
            let kept = held.record.changed_rows.contains(&r);
            prop_assert_eq!(row(vh), if kept { row(va) } else { row(v0) });
        }
        let least_kept = held.record.changed_rows.iter().map(|&r| change(r)).min();
        let most_dropped = all.record.changed_rows.iter().filter(|r| !held.record.changed_rows.contains(r)).map(|&r| change(r)).max();
        if let (Some(k), Some(d)) = (least_kept, most_dropped) {
            prop_assert!(k >= d);
        }
    }

    /// Merging one tuning gives that tuning's weights, byte for byte.
    #[test]
    fn merging_one_contribution_equals_it(seed in 0u64..1000, n in 1usize..12) {
        let base = model(seed % 4);
        let tuned = tune(&base, &examples(seed, n), &steps(seed, 2, 1.0), None, false).unwrap();
        let weights = tuned.model.weights().to_vec();
        let rows = tuned.record.changed_rows.clone();
        let merged = merge(&base, &[tuned], None).unwrap();
        prop_assert_eq!(merged.model.weights(), weights.as_slice());
        prop_assert_eq!(merged.record.changed_rows, rows);
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_tuning_lowers_the_loss() {
    let base = model(1);
    let ex = examples(7, 10);
    let a = tune(&base, &ex, &Steps::DEFAULT, None, false).unwrap();
    let b = tune(&base, &ex, &Steps::DEFAULT, None, false).unwrap();
    assert_eq!(a.model.weights(), b.model.weights());
    assert_eq!(a.record, b.record);
    assert!(a.record.loss_after < a.record.loss_before, "{:?}", a.record);
    let other = tune(&base, &ex, &steps(1, 3, 0.5), None, false).unwrap();
    assert_eq!(other.record.training_data, a.record.training_data, "the data hash is the data's");
}

#[test]
fn a_merge_averages_the_changes_of_the_tunings_that_made_them() {
    let base = model(2);
    let a = tune(&base, &examples(3, 6), &Steps::DEFAULT, None, false).unwrap();
    let b = tune(&base, &examples(4, 6), &Steps::DEFAULT, None, false).unwrap();
    let (va, vb, v0) = (values(&a.model).to_vec(), values(&b.model).to_vec(), values(&base).to_vec());
    let (ra, rb) = (a.record.changed_rows.clone(), b.record.changed_rows.clone());
    let hashes = [
        (a.model.id(), a.record.training_data_hash().unwrap()),
        (b.model.id(), b.record.training_data_hash().unwrap()),
    ];
    let merged = merge(&base, &[a, b], None).unwrap();
    let vm = values(&merged.model);
    for r in 0..256u32 {
        let row = |v: &[i16]| row(v, 4, r).unwrap().to_vec();
        let want = match (ra.contains(&r), rb.contains(&r)) {
            (true, true) => {
                row(&va).iter().zip(row(&vb)).map(|(&x, y)| ((x as i32 + y as i32 + 1).div_euclid(2)) as i16).collect()
            }
            (true, false) => row(&va),
            (false, true) => row(&vb),
            (false, false) => row(&v0),
        };
        assert_eq!(row(vm), want, "row {r}");
    }
    assert_eq!(merged.record.training_data, ghost_primitives::hex0x(&merge_hash(&hashes)));
    assert_eq!(merged.record.contributions.len(), 2);
}

#[test]
fn tunings_of_another_version_or_no_examples_are_refused() {
    let (base, other) = (model(1), model(2));
    let t = tune(&other, &examples(1, 3), &Steps::DEFAULT, None, false).unwrap();
    let err = merge(&base, &[t], None).err().unwrap().to_string();
    assert!(err.contains("not from the base"), "{err}");
    // A contribution that also moved a key (which would move the lists) is refused,
    // though its record names the base.
    let honest = tune(&base, &examples(2, 3), &Steps::DEFAULT, None, false).unwrap();
    let mut weights = honest.model.weights().to_vec();
    let LookupWeights { keys, .. } = weights[0].as_lookup_mut().expect("a lookup model");
    keys[0] = keys[0].wrapping_add(1);
    let forged = Tuned { model: Model::new(b"tune-test".to_vec(), weights).unwrap(), record: honest.record };
    let err = merge(&base, &[forged], None).err().unwrap().to_string();
    assert!(err.contains("changed more than value rows"), "{err}");
    assert!(merge(&base, &[], None).is_err());
    let none = Examples { d: 8, e: 4, inputs: vec![], targets: vec![] };
    assert!(tune(&base, &none, &Steps::DEFAULT, None, false).is_err());
    let rows = ndarray::Array2::from_shape_vec((1, 9), vec![0.0; 9]).unwrap();
    assert!(Examples::from_rows(&rows, 8, 4, None).unwrap_err().to_string().contains("12 are expected"));
    let rows = ndarray::Array2::from_shape_vec((1, 9), vec![0.5; 9]).unwrap();
    assert!(Examples::from_rows(&rows, 8, 4, Some(4)).unwrap_err().to_string().contains("not one of 0..4"));
}
