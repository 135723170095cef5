//! A lookup layer's hyperparameters: the one struct that holds them, and the one type of
//! the inverse temperature.
//!
//! [`LookupParams`] is a field of the ghost file's [`LookupSpec`](crate::ghost_file::LookupSpec)
//! (its fields in the order the file format lays them out), of the weights a model is built
//! from, of the generators' [`Shape`](crate::shape::Shape), and, with the `cli` feature, the
//! arguments `ghost model build` and `ghost bench` flatten. Its defaults are written here only.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::{fmt, str::FromStr};
use scale_info::TypeInfo;

/// The softmax's inverse temperature `beta`, in Q16 (`docs/protocol.md` §1). The only
/// place that converts between its fixed-point bits and a decimal number; encodes as the
/// plain `u32` of its bits.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Encode,
    Decode,
    DecodeWithMemTracking,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct Beta(u32);

impl Beta {
    /// Fractional bits.
    pub const FRAC_BITS: u32 = 16;

    /// From its Q16 bits.
    pub const fn from_q16(bits: u32) -> Self {
        Self(bits)
    }

    /// A whole number.
    pub const fn from_int(beta: u16) -> Self {
        Self((beta as u32) << Self::FRAC_BITS)
    }

    /// Its Q16 bits.
    pub const fn q16(self) -> u32 {
        self.0
    }

    /// Its value as an `f32`, for the floating-point reference.
    #[cfg(feature = "quant")]
    pub fn to_f32(self) -> f32 {
        (f64::from(self.0) / f64::from(1u32 << Self::FRAC_BITS)) as f32
    }
}

/// Why a text is not a [`Beta`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BetaParseError;

impl fmt::Display for BetaParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("beta must be a decimal number from 0 to 65535.99998, such as 16 or 12.5")
    }
}

impl core::error::Error for BetaParseError {}

/// Digits after the point that [`Beta`]'s text keeps: 5 tell every Q16 value apart
/// (`0.5e-5 * 2^16 < 0.5`), so text and bits round-trip.
const DECIMALS: u32 = 5;

impl FromStr for Beta {
    type Err = BetaParseError;

    /// A decimal number, rounded to the nearest Q16 value (ties away from zero) in integer
    /// arithmetic: the same text gives the same bits on every machine.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
            return Err(BetaParseError);
        }
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| BetaParseError)? };
        // Digits past the 18th cannot move the rounding of a 16-bit fraction.
        let frac = &frac[..frac.len().min(18)];
        let scale = 10u64.pow(frac.len() as u32);
        let numerator: u64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| BetaParseError)? };
        let frac_bits =
            (u128::from(numerator) << Beta::FRAC_BITS).saturating_add(u128::from(scale) / 2) / u128::from(scale);
        let bits = u128::from(whole).checked_shl(Beta::FRAC_BITS).ok_or(BetaParseError)?.saturating_add(frac_bits);
        u32::try_from(bits).map(Beta).map_err(|_| BetaParseError)
    }
}

impl fmt::Display for Beta {
    /// The shortest decimal (at most 5 places) that parses back to the same bits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 >> Self::FRAC_BITS;
        let one = 1u64 << Self::FRAC_BITS;
        let frac = u64::from(self.0) & (one - 1);
        let scale = 10u64.pow(DECIMALS);
        let decimals = (frac * scale + one / 2) / one;
        if decimals == 0 {
            return write!(f, "{whole}");
        }
        let mut text = [0u8; DECIMALS as usize];
        let mut rest = decimals;
        for slot in text.iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let end = text.iter().rposition(|&b| b != b'0').map_or(0, |p| p + 1);
        let text = core::str::from_utf8(&text[..end]).map_err(|_| fmt::Error)?;
        write!(f, "{whole}.{text}")
    }
}

/// The hyperparameters of one lookup layer, in the ghost file's field order
/// (`docs/ghost-file.md`, `LookupSpec`): SCALE-encoding this struct inside the spec is
/// encoding its fields there, so every ghost file and model id is what it was before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo, MaxEncodedLen)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct LookupParams {
    /// Key (and input, and centroid) width `d`; the data gives it.
    #[cfg_attr(feature = "cli", arg(skip = LookupParams::DEFAULT.d))]
    pub d: u32,
    /// Value (and output) width `e`; the data gives it.
    #[cfg_attr(feature = "cli", arg(skip = LookupParams::DEFAULT.e))]
    pub e: u32,
    /// Patterns used per lookup.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = LookupParams::DEFAULT.k))]
    pub k: u32,
    /// Inverse temperature of the softmax over the patterns used.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = LookupParams::DEFAULT.beta))]
    pub beta: Beta,
    /// Lists probed per lookup (at most the number of lists).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = LookupParams::DEFAULT.n_probe))]
    pub n_probe: u32,
    /// Whether the output is renormalised to unit length.
    #[cfg_attr(
        feature = "cli",
        arg(long = "no-normalize", action = clap::ArgAction::SetFalse, help = "Do not renormalise the layer's output")
    )]
    pub normalize: bool,
}

impl LookupParams {
    /// The defaults: 64-wide keys and values, 32 patterns used out of 8 lists probed,
    /// inverse temperature 16, output renormalised.
    pub const DEFAULT: LookupParams =
        LookupParams { d: 64, e: 64, k: 32, beta: Beta::from_int(16), n_probe: 8, normalize: true };

    /// The same layer over `lists` lists: at most that many are probed.
    pub const fn over_lists(self, lists: u32) -> Self {
        let n_probe = if self.n_probe < lists { self.n_probe } else { lists };
        Self { n_probe, ..self }
    }
}

impl Default for LookupParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn beta_parses_decimals_exactly() {
        assert_eq!("16".parse(), Ok(Beta::from_int(16)));
        assert_eq!("12.5".parse(), Ok(Beta::from_q16(12 << 16 | 1 << 15)));
        assert_eq!(".5".parse(), Ok(Beta::from_q16(1 << 15)));
        assert_eq!("0.000007".parse(), Ok(Beta::from_q16(0)), "below half a step rounds down");
        assert_eq!("0.0000077".parse(), Ok(Beta::from_q16(1)), "half a step up rounds up");
        assert_eq!("65535.99999".parse(), Ok(Beta::from_q16(u32::MAX)));
        for bad in ["", ".", "-1", "1e3", "65536", "1.2.3", "nan", " 1 2"] {
            assert_eq!(bad.parse::<Beta>(), Err(BetaParseError), "{bad:?}");
        }
    }

    #[test]
    fn beta_prints_the_shortest_decimal() {
        assert_eq!(Beta::from_int(96).to_string(), "96");
        assert_eq!(Beta::from_q16(12 << 16 | 1 << 15).to_string(), "12.5");
        assert_eq!(Beta::from_q16(1).to_string(), "0.00002");
    }

    proptest! {
        #[test]
        fn beta_text_round_trips(bits in any::<u32>()) {
            let beta = Beta::from_q16(bits);
            prop_assert_eq!(beta.to_string().parse::<Beta>(), Ok(beta));
        }
    }

    #[test]
    fn params_encode_as_the_fields_they_hold() {
        let p = LookupParams { d: 1, e: 2, k: 3, beta: Beta::from_q16(4), n_probe: 5, normalize: true };
        let mut want = alloc::vec::Vec::new();
        for x in [1u32, 2, 3, 4, 5] {
            want.extend(x.to_le_bytes());
        }
        want.push(1);
        assert_eq!(p.encode(), want);
        assert_eq!(p.over_lists(3).n_probe, 3);
        assert_eq!(p.over_lists(9).n_probe, 5);
    }
}
