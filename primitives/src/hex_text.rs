//! The `0x`-hex text form of hashes and model ids, as the off-chain tools print and read
//! them (feature `std`).
//!
//! [`hex0x`] writes `0x` and lower-case hex; [`parse_hash`] reads 32 bytes of hex, with or
//! without the `0x`, surrounding whitespace ignored, and says what is wrong otherwise. Its
//! error is a [`std::error::Error`], so `parse_hash` serves as a clap `value_parser`.

use crate::hash::Hash;
use core::fmt;

/// `0x` followed by the lower-case hex of `bytes`, written into one buffer.
pub fn hex0x(bytes: &[u8]) -> String {
    // Into one buffer: `hex::encode` goes a `char` at a time, which showed in serving.
    let mut out = vec![0u8; 2 + 2 * bytes.len()];
    out[..2].copy_from_slice(b"0x");
    hex::encode_to_slice(bytes, &mut out[2..]).expect("the buffer is twice the input");
    String::from_utf8(out).expect("hex is ASCII")
}

/// A hash (or model id) from its hex text: `0x`-prefixed or bare, upper- or lower-case
/// digits, surrounding whitespace ignored, exactly 32 bytes.
pub fn parse_hash(text: &str) -> Result<Hash, HexError> {
    let trimmed = text.trim();
    // At most one prefix: `0x0x…` is not a hash.
    let digits = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    if let Some((index, character)) = digits.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(HexError::NotHex { character, index });
    }
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::OddLength { digits: digits.len() });
    }
    let mut hash = Hash::default();
    // Every digit is hex and they are whole bytes: only the count can be wrong.
    hex::decode_to_slice(digits, &mut hash).map_err(|_| HexError::WrongLength { bytes: digits.len() / 2 })?;
    Ok(hash)
}

/// Why a text is not a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HexError {
    /// A character that is not a hex digit.
    NotHex {
        /// The character.
        character: char,
        /// Its byte offset in the digits (after whitespace and `0x`).
        index: usize,
    },
    /// An odd number of hex digits, which is not whole bytes.
    OddLength {
        /// The number of digits.
        digits: usize,
    },
    /// Whole bytes, but not the 32 of a hash.
    WrongLength {
        /// The number of bytes.
        bytes: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::NotHex { character, index } => {
                write!(f, "{character:?} (digit {index}) is not a hex digit: a hash is 64 of them, after 0x or not")
            }
            HexError::OddLength { digits } => {
                write!(
                    f,
                    "an odd number of hex digits ({digits}) is not whole bytes: a hash is 64 of them, after 0x or not"
                )
            }
            HexError::WrongLength { bytes } => write!(f, "a hash is 32 bytes (64 hex digits), this is {bytes}"),
        }
    }
}

impl std::error::Error for HexError {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn text_round_trips(hash in any::<Hash>(), upper in any::<bool>(), pad in "[ \t\n]{0,3}") {
            let text = hex0x(&hash);
            prop_assert_eq!(text.len(), 66);
            prop_assert!(text.starts_with("0x"));
            prop_assert!(text[2..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            prop_assert_eq!(parse_hash(&text), Ok(hash));
            // Bare, upper-case, padded with whitespace: the same hash.
            let bare = if upper { text[2..].to_uppercase() } else { text[2..].to_string() };
            prop_assert_eq!(parse_hash(&format!("{pad}{bare}{pad}")), Ok(hash));
        }
    }

    #[test]
    fn writes_lower_case_into_one_buffer() {
        assert_eq!(hex0x(&[]), "0x");
        assert_eq!(hex0x(&[0x00, 0xab, 0x7f]), "0x00ab7f");
        assert_eq!(hex0x(&[0xff; 32]), format!("0x{}", "ff".repeat(32)));
    }

    #[test]
    fn refuses_the_wrong_length() {
        for bytes in [0usize, 1, 31, 33, 64] {
            let text = format!("0x{}", "ab".repeat(bytes));
            assert_eq!(parse_hash(&text), Err(HexError::WrongLength { bytes }), "{text}");
        }
        assert_eq!(parse_hash(""), Err(HexError::WrongLength { bytes: 0 }));
        assert_eq!(parse_hash(&"a".repeat(63)), Err(HexError::OddLength { digits: 63 }));
        assert_eq!(
            parse_hash("0x1").unwrap_err().to_string(),
            "an odd number of hex digits (1) is not whole bytes: a hash is 64 of them, after 0x or not"
        );
        assert_eq!(parse_hash("0xabcd").unwrap_err().to_string(), "a hash is 32 bytes (64 hex digits), this is 2");
    }

    #[test]
    fn refuses_what_is_not_hex() {
        let good = "ab".repeat(32);
        for (i, bad) in ["g", "x", " ", "é", "-"].into_iter().enumerate() {
            let at = 2 * i + 1;
            let text = format!("0x{}{bad}{}", &good[..at], &good[at + bad.len()..]);
            let character = bad.chars().next().unwrap();
            assert_eq!(parse_hash(&text), Err(HexError::NotHex { character, index: at }), "{text}");
        }
        // `0X` is not the prefix, and a prefix inside the text is not skipped.
        assert!(matches!(parse_hash(&format!("0X{good}")), Err(HexError::NotHex { character: 'X', index: 1 })));
        assert!(matches!(parse_hash(&format!("ab0x{}", &good[4..])), Err(HexError::NotHex { .. })));
        assert_eq!(
            parse_hash("0xzz").unwrap_err().to_string(),
            "'z' (digit 0) is not a hex digit: a hash is 64 of them, after 0x or not"
        );
        // A standard error, for `?` into `Box<dyn Error>` (and so for clap).
        let boxed: Box<dyn std::error::Error + Send + Sync> = parse_hash("0x").unwrap_err().into();
        assert!(!boxed.to_string().is_empty());
    }

    /// What the command line does with it: `--model` parsed by `parse_hash`.
    #[cfg(feature = "cli")]
    #[test]
    fn is_a_clap_value_parser() {
        let command = clap::Command::new("ghost").arg(clap::Arg::new("model").long("model").value_parser(parse_hash));
        let hash = [0x5a; 32];
        let matches = command.clone().try_get_matches_from(["ghost", "--model", &hex0x(&hash)]).unwrap();
        assert_eq!(matches.get_one::<Hash>("model"), Some(&hash));
        let refused = command.try_get_matches_from(["ghost", "--model", "0x12"]).unwrap_err().to_string();
        assert!(refused.contains("a hash is 32 bytes (64 hex digits), this is 1"), "{refused}");
    }
}
