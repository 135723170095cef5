//! What a transaction did, for people: its block and its events, each field shown by its
//! type: accounts in SS58 (with the dev name where there is one), hashes and ids as
//! `0x`-hex, long byte strings shortened.

use crate::keys::show_account;
use ghost_primitives::hex0x;
use std::fmt;
use subxt::{
    blocks::ExtrinsicEvents,
    ext::scale_value::{Composite, Primitive, Value, ValueDef},
    utils::AccountId32,
    Metadata, PolkadotConfig,
};

/// What a transaction did.
pub struct Outcome {
    /// Block number it landed in (`None` when not waited for).
    pub block: Option<u32>,
    /// Its events (`None` when not waited for).
    pub events: Option<ExtrinsicEvents<PolkadotConfig>>,
    /// The extrinsic's hash.
    pub hash: String,
    /// The chain's metadata, to show event fields by their types.
    pub(crate) metadata: Metadata,
}

impl Outcome {
    /// The outcome as lines for people, headed by `what` happened ("registered").
    pub fn report<'a>(&'a self, what: &'a str) -> Report<'a> {
        Report { what, outcome: self }
    }
}

/// [`Outcome::report`]: the block line, then one line per event (fees and system events
/// left out).
pub struct Report<'a> {
    what: &'a str,
    outcome: &'a Outcome,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Outcome { block, events, hash, metadata } = self.outcome;
        let what = self.what;
        match (block, events) {
            (Some(block), Some(events)) => {
                write!(f, "{what}: in block #{block} (extrinsic {hash})")?;
                for event in events.iter().flatten() {
                    let (pallet, variant) = (event.pallet_name(), event.variant_name());
                    if matches!(pallet, "System" | "TransactionPayment") {
                        continue;
                    }
                    let fields = event.field_values().map(|v| composite(metadata, &v)).unwrap_or_default();
                    write!(f, "\n  event {pallet}.{variant} {fields}")?;
                }
                Ok(())
            }
            _ => write!(f, "{what}: submitted (extrinsic {hash}); not waiting for a block"),
        }
    }
}

/// Whether type `id` is an account id (by its path in the metadata's type registry).
fn is_account(metadata: &Metadata, id: u32) -> bool {
    metadata.types().resolve(id).is_some_and(|ty| ty.path.segments.last().is_some_and(|s| s == "AccountId32"))
}

fn composite(metadata: &Metadata, c: &Composite<u32>) -> String {
    match c {
        Composite::Named(fields) => {
            let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {}", value(metadata, v))).collect();
            format!("{{ {} }}", shown.join(", "))
        }
        Composite::Unnamed(values) if values.len() == 1 => value(metadata, &values[0]),
        Composite::Unnamed(values) => {
            let shown: Vec<String> = values.iter().map(|v| value(metadata, v)).collect();
            format!("[{}]", shown.join(", "))
        }
    }
}

fn value(metadata: &Metadata, v: &Value<u32>) -> String {
    match &v.value {
        ValueDef::Composite(c) => match bytes_of(c) {
            Some(bytes) if bytes.len() == 32 && is_account(metadata, v.context) => {
                show_account(&AccountId32(bytes.try_into().unwrap_or([0; 32])))
            }
            Some(bytes) => show_bytes(&bytes),
            None => composite(metadata, c),
        },
        ValueDef::Variant(var) => match &var.values {
            Composite::Named(f) if f.is_empty() => var.name.clone(),
            Composite::Unnamed(f) if f.is_empty() => var.name.clone(),
            inner => format!("{}({})", var.name, composite(metadata, inner)),
        },
        ValueDef::Primitive(Primitive::U128(n)) => n.to_string(),
        ValueDef::Primitive(Primitive::I128(n)) => n.to_string(),
        ValueDef::Primitive(Primitive::Bool(b)) => b.to_string(),
        ValueDef::Primitive(Primitive::String(s)) => s.clone(),
        ValueDef::Primitive(p) => format!("{p:?}"),
        ValueDef::BitSequence(_) => "bits".into(),
    }
}

/// Bytes as `0x`-hex: whole up to 48 (ids, hashes), else the first 16 and the length.
fn show_bytes(bytes: &[u8]) -> String {
    match bytes.len() {
        n if n > 48 => format!("{}... ({n} bytes)", hex0x(&bytes[..16])),
        _ => hex0x(bytes),
    }
}

/// The bytes of a composite of at least 8 byte-sized numbers (through single-field nesting).
fn bytes_of<T>(c: &Composite<T>) -> Option<Vec<u8>> {
    let values: Vec<&Value<T>> = c.values().collect();
    if let [only] = values.as_slice() {
        if let ValueDef::Composite(inner) = &only.value {
            return bytes_of(inner);
        }
    }
    if values.len() < 8 {
        return None;
    }
    values
        .iter()
        .map(|v| match v.value {
            ValueDef::Primitive(Primitive::U128(n)) => u8::try_from(n).ok(),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_byte_strings_are_whole_and_long_ones_shortened() {
        assert_eq!(show_bytes(&[0xab; 32]), format!("0x{}", "ab".repeat(32)));
        assert_eq!(show_bytes(&[1; 64]), format!("0x{}... (64 bytes)", "01".repeat(16)));
        let nested = Composite::<()>::unnamed([Value::unnamed_composite((0..10u8).map(|b| Value::u128(b.into())))]);
        assert_eq!(bytes_of(&nested), Some((0..10).collect()));
        assert_eq!(bytes_of(&Composite::<()>::unnamed([Value::u128(300)])), None);
    }
}
