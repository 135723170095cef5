//! Federated merging: several tunings of one version, averaged per row over the tunings
//! that changed it.

use super::*;

/// The training-data hash of a merge: BLAKE2b-256 of the tag `ghost-merge-v1`, the `u32`
/// LE count of contributions, then each contribution's model id and training-data hash
/// in the order given. A contributor finds its own pair in the published list and checks
/// the hash.
pub fn merge_hash(contributions: &[(ModelId, Hash)]) -> Hash {
    let mut h = Blake2b256::new();
    h.update(b"ghost-merge-v1").update(&(contributions.len() as u32).to_le_bytes());
    for (model, data) in contributions {
        h.update(model).update(data);
    }
    h.finalize()
}

/// Merge tunings of `base`: each row any of them changed becomes the base row plus the
/// mean of the changes of the tunings that changed it (each entry rounded half up, in
/// integers: merging one tuning gives that tuning's rows exactly), keeping at most
/// `max_rows` changed rows. Every tuning must name `base` as its parent, tune the same
/// layer, and change nothing but value rows.
pub fn merge(base: &Model, tunings: &[Tuned], max_rows: Option<usize>) -> Result<Tuned> {
    ensure!(!tunings.is_empty(), "nothing to merge: give at least one --from");
    let base_id = ghost_primitives::hex0x(&base.id());
    let layer = tunings[0].record.layer;
    let Some(LayerWeights::Lookup(LookupWeights { params, keys, values, .. })) = base.weights().get(layer as usize)
    else {
        bail!("layer {layer} is not a lookup layer of the base")
    };
    let e = params.e as usize;
    let mut sums: BTreeMap<u32, (Vec<i64>, i64)> = BTreeMap::new();
    let mut contributions = Vec::new();
    for (i, Tuned { model, record }) in tunings.iter().enumerate() {
        ensure!(
            record.parent == base_id,
            "tuning {} was made from {}, not from the base {base_id}",
            i + 1,
            record.parent
        );
        ensure!(
            record.layer == layer,
            "tuning {} changed layer {}, the first changed layer {layer}",
            i + 1,
            record.layer
        );
        let Some(LayerWeights::Lookup(LookupWeights { keys: k2, values: v2, params: p2, .. })) =
            model.weights().get(layer as usize)
        else {
            bail!("tuning {}: layer {layer} is not a lookup layer", i + 1)
        };
        ensure!(
            p2 == params && k2 == keys && v2.len() == values.len() && model.weights().len() == base.weights().len(),
            "tuning {} changed more than value rows of layer {layer}",
            i + 1
        );
        for (l, (a, b)) in base.weights().iter().zip(model.weights()).enumerate() {
            ensure!(l == layer as usize || a == b, "tuning {} changed layer {l} too", i + 1);
        }
        for r in crate::update::changed_rows(&[(values, v2, e)]) {
            let (old, new) = (row(values, e, r)?, row(v2, e, r)?);
            let (sum, count) = sums.entry(r).or_insert_with(|| (vec![0; e], 0));
            sum.iter_mut().zip(old.iter().zip(new)).for_each(|(s, (&o, &n))| *s += n as i64 - o as i64);
            *count += 1;
        }
        contributions.push((model.id(), record.training_data_hash()?));
    }
    let mut weights = base.weights().to_vec();
    let Some(LayerWeights::Lookup(LookupWeights { values: merged, .. })) = weights.get_mut(layer as usize) else {
        bail!("layer {layer} is not a lookup layer")
    };
    let mut changed = Vec::new();
    for (&r, (sum, count)) in &sums {
        let slot = row_mut(merged, e, r)?;
        for (v, s) in slot.iter_mut().zip(sum) {
            // floor(s / count + 1/2): the mean change, rounded half up. The result is a
            // mean of i16 values, so it is one.
            let mean = (2 * s + count).div_euclid(2 * count);
            *v = (*v as i64 + mean).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
        }
        if *slot != *row(values, e, r)? {
            changed.push(r);
        }
    }
    let changed = keep_largest(values, merged, e, &changed, max_rows)?;
    let model =
        Model::new(base.ghost_file().name.clone(), weights).map_err(|e| anyhow::anyhow!("the merged model: {e}"))?;
    let record = TuneRecord {
        parent: base_id,
        layer,
        changed_rows: changed,
        training_data: ghost_primitives::hex0x(&merge_hash(&contributions)),
        examples: 0,
        epochs: 0,
        learning_rate: 0.0,
        seed: 0,
        loss_before: 0.0,
        loss_after: 0.0,
        contributions: contributions
            .iter()
            .map(|(m, t)| Contribution { model: ghost_primitives::hex0x(m), training_data: ghost_primitives::hex0x(t) })
            .collect(),
    };
    Ok(Tuned { model, record })
}
