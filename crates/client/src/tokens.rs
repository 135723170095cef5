//! Native token amounts: GHOST with 12 decimals, as typed and as shown.

use anyhow::{anyhow, bail, Context, Result};

/// Decimals of the native token (GHOST).
pub const DECIMALS: u32 = 12;
/// One GHOST in its smallest unit.
pub const UNIT: u128 = 10u128.pow(DECIMALS);

/// Native tokens in GHOST with up to 12 decimals ("1.5" → 1.5 GHOST).
pub fn parse_tokens(text: &str) -> Result<u128> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > DECIMALS as usize || (whole.is_empty() && frac.is_empty()) {
        bail!("{text} is not an amount of GHOST (at most {DECIMALS} decimals)");
    }
    let whole: u128 =
        if whole.is_empty() { 0 } else { whole.parse().with_context(|| format!("{text} is not a number"))? };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let digits: u128 = frac.parse().with_context(|| format!("{text} is not a number"))?;
        digits * 10u128.pow(DECIMALS - frac.len() as u32)
    };
    whole.checked_mul(UNIT).and_then(|w| w.checked_add(frac_units)).ok_or_else(|| anyhow!("{text} GHOST is too much"))
}

/// Native tokens as GHOST, trailing zeros dropped.
pub fn fmt_tokens(units: u128) -> String {
    let whole = units / UNIT;
    let frac = units % UNIT;
    if frac == 0 {
        return format!("{whole} GHOST");
    }
    let digits = format!("{frac:012}");
    format!("{whole}.{} GHOST", digits.trim_end_matches('0'))
}

/// An amount of native tokens given on the command line (`1.5` GHOST), parsed by clap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tokens(pub u128);

impl std::str::FromStr for Tokens {
    type Err = anyhow::Error;
    fn from_str(text: &str) -> Result<Self> {
        parse_tokens(text).map(Tokens)
    }
}

impl std::fmt::Display for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&fmt_tokens(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_amounts_round_trip() {
        assert_eq!(parse_tokens("1").unwrap(), UNIT);
        assert_eq!(parse_tokens("1.5").unwrap(), UNIT + UNIT / 2);
        assert_eq!(parse_tokens(".001").unwrap(), UNIT / 1000);
        assert_eq!(parse_tokens("0.000000000001").unwrap(), 1);
        assert!(parse_tokens("0.0000000000001").is_err(), "13 decimals");
        assert!(parse_tokens("x").is_err());
        assert!(parse_tokens("-1").is_err());
        assert!(parse_tokens(".").is_err());
        assert!(parse_tokens("1000000000000000000000000000000").is_err(), "overflow");
        assert_eq!(fmt_tokens(UNIT + UNIT / 2), "1.5 GHOST");
        assert_eq!(fmt_tokens(100 * UNIT), "100 GHOST");
        assert_eq!(fmt_tokens(1), "0.000000000001 GHOST");
    }

    proptest::proptest! {
        /// Every amount prints as GHOST and parses back to itself.
        #[test]
        fn printed_amounts_parse_back(units in 0u128..u128::MAX / 2) {
            let shown = fmt_tokens(units);
            proptest::prop_assert_eq!(parse_tokens(shown.trim_end_matches(" GHOST")).unwrap(), units);
        }
    }
}
