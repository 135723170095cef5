//! A model input as JSON carries it.

use ghost_primitives::Input;
use serde::{Deserialize, Serialize};

/// A model input: `{"vector": [i16, ...]}` (Q14) or `{"token": n}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum WireInput {
    /// A Q14 vector.
    Vector(Vec<i16>),
    /// A token id.
    Token(u32),
}

impl From<WireInput> for Input {
    fn from(w: WireInput) -> Self {
        match w {
            WireInput::Vector(v) => Input::Vector(v),
            WireInput::Token(t) => Input::Token(t),
        }
    }
}

impl From<&Input> for WireInput {
    fn from(i: &Input) -> Self {
        match i {
            Input::Vector(v) => WireInput::Vector(v.clone()),
            Input::Token(t) => WireInput::Token(*t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_a_vector_or_a_token_never_both() {
        let json = serde_json::to_string(&WireInput::Vector(vec![1, -2])).unwrap();
        assert_eq!(json, r#"{"vector":[1,-2]}"#);
        assert_eq!(serde_json::from_str::<WireInput>(r#"{"token":7}"#).unwrap(), WireInput::Token(7));
        assert!(serde_json::from_str::<WireInput>(r#"{"vector":[1],"token":2}"#).is_err());
        assert!(serde_json::from_str::<WireInput>(r#"{"vector":[70000]}"#).is_err());
    }
}
