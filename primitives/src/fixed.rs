//! The fixed-point number format and the arithmetic of one lookup.
//!
//! * Vectors (inputs, keys, values, centroids, outputs) are `i16` in **Q14**: the real
//!   value is `q / 2^14`, so the range is `[-2, 2)` and unit-normalised rows fit.
//! * Scores are exact `i64` dot products in **Q28** (no rounding at all), so ranking is
//!   exact and ties are real ties.
//! * `beta` is a [`Beta`]: a `u32` in **Q16**.
//! * Softmax weights are `u64` in **Q30**, from [`exp_neg_q30`].
//!
//! Every operation is integer arithmetic with a stated rounding rule, so native code and
//! wasm compute the same bits. Bounds (with `|q| <= 2^15`, `d <= MAX_DIM = 2^10`,
//! `k <= MAX_K = 2^8`): a score is at most `2^40`; a weighted value sum at most `2^53` (both
//! reached at the widest shape, `docs/protocol.md` §1); every wider intermediate is `i128`.

use crate::{params::Beta, Error, Result};
use alloc::vec::Vec;
use core::ops::Range;

/// Fractional bits of vector entries.
pub const FRAC_BITS: u32 = 14;
/// `1.0` in Q14: what quantisation from `f32` scales by (the verifier never needs it).
#[cfg(any(test, feature = "quant"))]
pub const ONE_Q14: i64 = 1 << FRAC_BITS;
/// `1.0` in Q30 (softmax weights).
pub const ONE_Q30: i64 = 1 << 30;
/// `log2(e)` in Q30, rounded to nearest.
pub const LOG2_E_Q30: i64 = 1_549_082_005;
/// `ln(2)` in Q30, rounded to nearest.
pub const LN_2_Q30: i64 = 744_261_118;
/// Exponents below `-EXP_CUTOFF` give weight 0: `e^-22 < 2^-31`, below Q30 resolution.
pub const EXP_CUTOFF: i64 = 22;
/// Terms of the Taylor series of `e^-u` on `[0, ln 2)`; the next term is below `2^-33`.
const EXP_TERMS: i64 = 11;

/// Exact dot product of two Q14 vectors, in Q28. The slices must be equally long
/// (callers check dimensions first; a shorter slice is read only up to its length).
#[inline]
pub fn dot(a: &[i16], b: &[i16]) -> i64 {
    a.iter().zip(b).map(|(&x, &y)| x as i64 * y as i64).sum()
}

/// Append `(dot(x, row r), r)` for every row `r` in `rows` of the row-major `matrix`
/// whose rows are `x.len()` wide: every centroid scan and list scan of a forward pass.
///
/// This loop is most of a forward pass, so it is compiled for AVX-512 and AVX2 besides
/// the target's baseline and the best one this CPU supports is chosen at run time
/// (without `std`, as in the wasm runtime, only the baseline is compiled). The products and
/// sums are exact integers, so every path gives the same scores as [`dot`].
#[cfg_attr(feature = "std", multiversion::multiversion(targets("x86_64+avx512f+avx512bw+avx512vl", "x86_64+avx2")))]
pub fn score_rows(x: &[i16], matrix: &[i16], rows: Range<u32>, out: &mut Vec<(i64, u32)>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let d = x.len();
    let start = (rows.start as usize).checked_mul(d).ok_or(Error::Overflow)?;
    let end = (rows.end as usize).checked_mul(d).ok_or(Error::Overflow)?;
    let block = matrix.get(start..end).ok_or(Error::Overflow)?;
    if d == 0 {
        out.extend(rows.map(|r| (0, r)));
        return Ok(());
    }
    out.reserve(rows.len());
    for (r, key) in rows.zip(block.chunks_exact(d)) {
        out.push((dot(x, key), r));
    }
    Ok(())
}

/// `floor(n / d + 1/2)` for `d > 0`: division rounding halves towards +inf.
#[inline]
pub fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    (2 * n + d).div_euclid(2 * d)
}

/// `e^z` for `z <= 0`, both in Q30, as a `u64` in `[0, 2^30]`; `e^0 = 2^30` exactly.
///
/// `e^z = 2^-n * e^-u` with `t = -z * log2(e)`, `n = floor(t)`, `u = frac(t) * ln 2`;
/// `e^-u` by Horner on the Taylor series, truncating each product towards zero.
pub fn exp_neg_q30(z: i64) -> u64 {
    if z > 0 {
        // Only reachable through a caller bug; the largest score is subtracted first.
        return ONE_Q30 as u64;
    }
    if z < -EXP_CUTOFF * ONE_Q30 {
        return 0;
    }
    // 0 <= -z <= 22 * 2^30 < 2^35, times LOG2_E_Q30 < 2^31: below 2^66, so i128.
    let t = ((-z) as i128 * LOG2_E_Q30 as i128) >> 30;
    let n = (t >> 30) as u32; // <= 31
    let frac = (t & (ONE_Q30 as i128 - 1)) as i64;
    let u = (frac * LN_2_Q30) >> 30; // [0, ln 2) in Q30, product below 2^60
    let mut p = ONE_Q30;
    let mut i = EXP_TERMS;
    while i >= 1 {
        // u < 2^30 and 0 <= p <= 2^30: the product is below 2^60.
        p = ONE_Q30 - ((u * p) >> 30) / i;
        i -= 1;
    }
    (p as u64) >> n
}

/// The unnormalised softmax weights of `scores` (Q28) at `beta`, in Q30, and their sum:
/// `w_i = exp_neg_q30(floor((s_i - s_max) * beta / 2^14))`, so `p_i = w_i / total`. The
/// best row weighs exactly 2^30, so `total >= 2^30` when `scores` is not empty; empty
/// scores weigh nothing (`total = 0`). [`mix`] weighs the values by these.
pub fn softmax_q30(scores: &[i64], beta: Beta) -> Result<(Vec<u64>, u64)> {
    let Some(&s_max) = scores.iter().max() else {
        return Ok((Vec::new(), 0));
    };
    let mut weights = Vec::with_capacity(scores.len());
    let mut total: u64 = 0;
    for &s in scores {
        // s - s_max is in (-2^41, 0]; times beta < 2^32 stays below 2^73: i128.
        let z = ((s as i128 - s_max as i128) * beta.q16() as i128) >> (2 * FRAC_BITS + Beta::FRAC_BITS - 30);
        let z = i64::try_from(z.max((-(EXP_CUTOFF + 1) * ONE_Q30) as i128)).map_err(|_| Error::Overflow)?;
        let w = exp_neg_q30(z);
        total = total.checked_add(w).ok_or(Error::Overflow)?;
        weights.push(w);
    }
    Ok((weights, total))
}

/// The softmax-weighted sum `y = sum_i p_i V_i` with `p = softmax(beta * s)`, rounded
/// to Q14. `scores` are Q28, `values` are the rows of `S` (each `e`
/// long) in the same order as `scores`.
///
/// * `z_i = floor((s_i - s_max) * beta / 2^14)` in Q30, `w_i = exp_neg_q30(z_i)`;
/// * `y_j = div_round(sum_i w_i * V_ij, sum_i w_i)`.
///
/// The sums are exact integers, so the result does not depend on the order of `S`.
/// An empty `S` gives the zero vector.
pub fn mix(scores: &[i64], values: &[&[i16]], beta: Beta, e: usize) -> Result<Vec<i16>> {
    if scores.len() != values.len() {
        return Err(Error::Overflow);
    }
    if scores.is_empty() {
        return Ok(alloc::vec![0; e]);
    }
    let (weights, total) = softmax_q30(scores, beta)?;
    // The best row has z = 0 and weight 2^30, so total > 0.
    let mut acc = alloc::vec![0i64; e];
    for (w, row) in weights.iter().zip(values) {
        if row.len() != e {
            return Err(Error::WrongDimension { expected: e as u32, got: row.len() as u32 });
        }
        for (a, &v) in acc.iter_mut().zip(row.iter()) {
            // |w * v| <= 2^45, at most MAX_K = 2^8 terms: at most 2^53, reached at the widest shape.
            *a = a.checked_add(*w as i64 * v as i64).ok_or(Error::Overflow)?;
        }
    }
    acc.into_iter().map(|a| i16::try_from(div_round(a as i128, total as i128)).map_err(|_| Error::Overflow)).collect()
}

/// `y / |y|` in Q14: `|y|` is taken in Q22 as `isqrt(sum y_j^2 * 2^16)` and each entry
/// is `div_round(y_j * 2^22, |y|)`. The zero vector stays zero.
pub fn renormalize(y: &[i16]) -> Result<Vec<i16>> {
    let sum_sq: u64 = y.iter().map(|&v| (v as i64 * v as i64) as u64).sum(); // <= 2^40
    if sum_sq == 0 {
        return Ok(y.to_vec());
    }
    let norm = (sum_sq << 16).isqrt() as i128; // Q22, > 0
    y.iter().map(|&v| i16::try_from(div_round((v as i128) << 22, norm)).map_err(|_| Error::Overflow)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, kept out of any vectorised caller.
    #[inline(never)]
    fn reference_dot(a: &[i16], b: &[i16]) -> i64 {
        let mut sum = 0i64;
        for i in 0..a.len() {
            sum += a[i] as i64 * b[i] as i64;
        }
        sum
    }

    #[test]
    fn score_rows_rejects_rows_past_the_matrix() {
        let mut out = Vec::new();
        assert_eq!(score_rows(&[1, 2], &[1, 2, 3, 4], 1..3, &mut out), Err(Error::Overflow));
        assert!(out.is_empty());
    }

    #[test]
    fn constants_are_what_they_claim() {
        assert_eq!(LOG2_E_Q30, (core::f64::consts::LOG2_E * (1u64 << 30) as f64).round() as i64);
        assert_eq!(LN_2_Q30, (core::f64::consts::LN_2 * (1u64 << 30) as f64).round() as i64);
        assert!((-(EXP_CUTOFF as f64)).exp() < 2f64.powi(-31));
    }

    #[test]
    fn exp_is_exact_at_zero_and_zero_past_cutoff() {
        assert_eq!(exp_neg_q30(0), 1 << 30);
        assert_eq!(exp_neg_q30(-EXP_CUTOFF * ONE_Q30 - 1), 0);
    }

    proptest! {
        #[test]
        fn exp_is_accurate_and_monotone(z in -EXP_CUTOFF * ONE_Q30..=0i64) {
            let got = exp_neg_q30(z) as f64 / ONE_Q30 as f64;
            let want = (z as f64 / ONE_Q30 as f64).exp();
            prop_assert!((got - want).abs() <= 4.0 / ONE_Q30 as f64, "z={z} got={got} want={want}");
            prop_assert!(exp_neg_q30(z.saturating_sub(1 << 16)) <= exp_neg_q30(z));
        }

        #[test]
        fn dispatched_scores_equal_the_scalar_reference(
            d in 0usize..80,
            rows in 0u32..40,
            seed in prop::collection::vec(any::<i16>(), 1..64),
            extreme in any::<bool>(),
        ) {
            // Entries cycle through the seed; `extreme` fills with -2^15, the one value
            // whose square does not fit a 16-bit multiply-add pair.
            let entry = |i: usize| if extreme { i16::MIN } else { seed[i % seed.len()] };
            let x: Vec<i16> = (0..d).map(|i| entry(i * 7 + 3)).collect();
            let matrix: Vec<i16> = (0..d * rows as usize).map(entry).collect();
            let mut got = Vec::new();
            score_rows(&x, &matrix, 0..rows, &mut got).unwrap();
            let want: Vec<(i64, u32)> =
                (0..rows).map(|r| (reference_dot(&x, crate::row(&matrix, d, r).unwrap()), r)).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn mix_is_a_convex_combination(
            rows in prop::collection::vec((any::<i16>(), prop::collection::vec(any::<i16>(), 4)), 1..20),
            beta in any::<u32>().prop_map(Beta::from_q16),
        ) {
            let scores: Vec<i64> = rows.iter().map(|(s, _)| *s as i64 * 1000).collect();
            let values: Vec<&[i16]> = rows.iter().map(|(_, v)| v.as_slice()).collect();
            let y = mix(&scores, &values, beta, 4).unwrap();
            for j in 0..4 {
                let lo = values.iter().map(|v| v[j]).min().unwrap();
                let hi = values.iter().map(|v| v[j]).max().unwrap();
                prop_assert!(lo <= y[j] && y[j] <= hi);
            }
            // Order independence: the sums are exact.
            let mut rev_scores = scores.clone();
            rev_scores.reverse();
            let mut rev_values = values.clone();
            rev_values.reverse();
            prop_assert_eq!(mix(&rev_scores, &rev_values, beta, 4).unwrap(), y);
        }

        #[test]
        fn renormalized_vectors_have_unit_norm(v in prop::collection::vec(-16384i16..16384, 1..64)) {
            let y = renormalize(&v).unwrap();
            let norm: f64 = y.iter().map(|&q| (q as f64 / ONE_Q14 as f64).powi(2)).sum::<f64>().sqrt();
            if v.iter().any(|&q| q != 0) {
                prop_assert!((norm - 1.0).abs() < 1e-3 * (v.len() as f64).sqrt(), "norm {norm}");
            } else {
                prop_assert_eq!(norm, 0.0);
            }
        }
    }

    #[test]
    fn mix_matches_float_softmax() {
        let scores = [ONE_Q14 * ONE_Q14 / 2, ONE_Q14 * ONE_Q14 / 4, 0];
        let values: [&[i16]; 3] = [&[16384, 0], &[0, 16384], &[-16384, -16384]];
        let beta = 4.0f64;
        let y = mix(&scores, &values, Beta::from_int(4), 2).unwrap();
        let s = [0.5f64, 0.25, 0.0];
        let w: Vec<f64> = s.iter().map(|s| (beta * (s - 0.5)).exp()).collect();
        let total: f64 = w.iter().sum();
        let want0 = (w[0] - w[2]) / total;
        let want1 = (w[1] - w[2]) / total;
        let real = |q: i16| q as f64 / ONE_Q14 as f64;
        assert!((real(y[0]) - want0).abs() < 2e-4);
        assert!((real(y[1]) - want1).abs() < 2e-4);
    }
}
