//! The inverted-file index: spherical k-means on unit rows (similarity = dot product, the
//! lookup's own score), trained on a sample, then every row assigned to its best centroid.

use crate::progress;
use ndarray::{Array2, ArrayView2, Axis, Slice};
use rand::{seq::index::sample, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rows scored against the centroids at once (bounds memory at `CHUNK x C` floats).
const CHUNK: usize = 8192;

/// Trained centroids (unit rows) and each row's list.
pub struct Index {
    /// `C x d`, unit rows.
    pub centroids: Array2<f32>,
    /// The list of every input row.
    pub assignment: Vec<u32>,
}

/// Options of the training.
#[derive(Clone, Debug)]
pub struct Options {
    /// Lists `C`.
    pub lists: usize,
    /// Lloyd iterations on the sample.
    pub iterations: usize,
    /// Rows sampled for training (all rows if fewer).
    pub sample: usize,
    /// Seed of the sampling and initialisation.
    pub seed: u64,
    /// Show progress bars.
    pub progress: bool,
}

/// Best centroid of every row of `rows` (ties to the lower index).
fn assign(rows: ArrayView2<f32>, centroids: &Array2<f32>, out: &mut Vec<u32>) {
    for chunk in rows.axis_chunks_iter(Axis(0), CHUNK) {
        let scores = chunk.dot(&centroids.t());
        for row in scores.rows() {
            let mut best = 0;
            for (j, &s) in row.iter().enumerate() {
                if s > row[best] {
                    best = j;
                }
            }
            out.push(best as u32);
        }
    }
}

fn normalize_rows(m: &mut Array2<f32>) {
    for mut row in m.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
}

/// Train on a sample of `rows` (unit rows), then assign all of them.
pub fn train(rows: ArrayView2<f32>, opts: &Options) -> Index {
    let (n, d) = rows.dim();
    let lists = opts.lists.clamp(1, n.max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let sample_rows: Vec<usize> = if n > opts.sample.max(lists) {
        let mut picked = sample(&mut rng, n, opts.sample.max(lists)).into_vec();
        picked.sort_unstable();
        picked
    } else {
        (0..n).collect()
    };
    let train = rows.select(Axis(0), &sample_rows);
    let init = sample(&mut rng, train.nrows(), lists).into_vec();
    let mut centroids = train.select(Axis(0), &init);

    let bar = progress::bar(opts.iterations as u64, "k-means");
    if !opts.progress {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut assignment = Vec::with_capacity(train.nrows());
    for _ in 0..opts.iterations {
        assignment.clear();
        assign(train.view(), &centroids, &mut assignment);
        let mut sums = Array2::<f32>::zeros((lists, d));
        let mut counts = vec![0usize; lists];
        for (row, &j) in train.rows().into_iter().zip(&assignment) {
            sums.row_mut(j as usize).scaled_add(1.0, &row);
            counts[j as usize] += 1;
        }
        // An empty list takes a random sample row, so no centroid is wasted.
        for (j, &count) in counts.iter().enumerate() {
            if count == 0 {
                let pick = sample(&mut rng, train.nrows(), 1).index(0);
                sums.row_mut(j).assign(&train.row(pick));
            }
        }
        normalize_rows(&mut sums);
        centroids = sums;
        bar.inc(1);
    }
    bar.finish_and_clear();

    let bar = progress::bar(n.div_ceil(CHUNK) as u64, "assigning rows");
    if !opts.progress {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut assignment = Vec::with_capacity(n);
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        assign(rows.slice_axis(Axis(0), Slice::from(start..end)), &centroids, &mut assignment);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Index { centroids, assignment }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_well_separated_clusters() {
        // Two tight clusters around +x and +y.
        let mut data = Vec::new();
        for i in 0..50 {
            let t = i as f32 * 1e-3;
            data.extend([1.0, t]);
            data.extend([t, 1.0]);
        }
        let mut m = Array2::from_shape_vec((100, 2), data).unwrap();
        normalize_rows(&mut m);
        let index = train(m.view(), &Options { lists: 2, iterations: 5, sample: 1000, seed: 3, progress: false });
        assert_eq!(index.assignment.len(), 100);
        for pair in index.assignment.chunks(2) {
            assert_ne!(pair[0], pair[1], "the two clusters share a list");
        }
        for row in index.centroids.rows() {
            assert!((row.dot(&row) - 1.0).abs() < 1e-4);
        }
    }
}
