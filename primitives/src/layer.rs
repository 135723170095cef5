//! The sparse lookup, as the protocol defines it (`docs/protocol.md`, "Forward pass").
//!
//! Ranking is by score, higher first; equal scores rank the lower index first. With this
//! total order "the `n` best" is a unique set, whatever algorithm finds it.

use crate::{fixed, params::Beta, Error, Result};
use alloc::{collections::BinaryHeap, vec::Vec};
use core::cmp::Reverse;

/// Whether `(score a, index a)` ranks strictly before `(score b, index b)`.
#[inline]
pub fn outranks(a: (i64, u32), b: (i64, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// The `n` best of `(score, index)` candidates, as indices in ascending order.
///
/// One pass with a heap of the `n` best so far, its worst on top: most candidates lose
/// to that worst in one comparison (a forward pass ranks thousands for a few dozen).
pub fn top(candidates: Vec<(i64, u32)>, n: usize) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    // Greater is worse: the lower score, then the higher index.
    let mut best: BinaryHeap<(Reverse<i64>, u32)> = BinaryHeap::with_capacity(n.min(candidates.len()));
    for (score, index) in candidates {
        if best.len() < n {
            best.push((Reverse(score), index));
        } else if let Some(mut worst) = best.peek_mut() {
            if outranks((score, index), (worst.0 .0, worst.1)) {
                *worst = (Reverse(score), index);
            }
        }
    }
    let mut picked: Vec<u32> = best.into_iter().map(|(_, i)| i).collect();
    picked.sort_unstable();
    picked
}

/// Row `i` of a row-major matrix of width `w`, if it exists: the one way rows are cut
/// out of the flat matrices of weights, queries and targets.
#[inline]
pub fn row<T>(matrix: &[T], w: usize, i: u32) -> Result<&[T]> {
    matrix.get(row_range(w, i)?).ok_or(Error::Overflow)
}

/// Row `i` of a row-major matrix of width `w`, mutable, if it exists.
#[inline]
pub fn row_mut<T>(matrix: &mut [T], w: usize, i: u32) -> Result<&mut [T]> {
    matrix.get_mut(row_range(w, i)?).ok_or(Error::Overflow)
}

fn row_range(w: usize, i: u32) -> Result<core::ops::Range<usize>> {
    let start = (i as usize).checked_mul(w).ok_or(Error::Overflow)?;
    Ok(start..start.checked_add(w).ok_or(Error::Overflow)?)
}

/// The output of a lookup given the selected rows' keys and values: scores against `x`,
/// softmax-weighted sum of the values, renormalised if asked.
pub fn combine(
    x: &[i16],
    keys: &[&[i16]],
    values: &[&[i16]],
    beta: Beta,
    e: usize,
    normalize: bool,
) -> Result<Vec<i16>> {
    let scores: Vec<i64> = keys.iter().map(|k| fixed::dot(x, k)).collect();
    let y = fixed::mix(&scores, values, beta, e)?;
    finish(y, normalize)
}

/// Apply a layer's output rule.
pub fn finish(y: Vec<i16>, normalize: bool) -> Result<Vec<i16>> {
    if normalize {
        fixed::renormalize(&y)
    } else {
        Ok(y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn top_agrees_with_a_full_sort(
            candidates in prop::collection::vec(-5i64..5, 0..60)
                .prop_map(|s| s.into_iter().enumerate().map(|(i, s)| (s, i as u32 * 3)).collect::<Vec<_>>())
                .prop_shuffle(),
            n in 0usize..70,
        ) {
            let mut sorted = candidates.clone();
            sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let mut want: Vec<u32> = sorted.iter().take(n).map(|c| c.1).collect();
            want.sort_unstable();
            let got = top(candidates.clone(), n);
            prop_assert_eq!(&got, &want);
            // Everything picked outranks everything left out.
            for c in &candidates {
                if !got.contains(&c.1) {
                    for p in candidates.iter().filter(|p| got.contains(&p.1)) {
                        prop_assert!(outranks(*p, *c));
                    }
                }
            }
        }
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        assert_eq!(top(alloc::vec![(1, 5), (1, 2), (1, 9), (0, 0)], 2), alloc::vec![2, 5]);
        assert!(outranks((1, 2), (1, 5)));
        assert!(!outranks((1, 5), (1, 2)));
    }
}
