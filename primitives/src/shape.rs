//! The shape of one lookup layer as the model generators take it: the deterministic
//! `testing` models (no_std, fixed point) and the seeded `synthetic` ones (f32).

use crate::params::LookupParams;

/// `rows` patterns in `lists` lists, with the layer's hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Patterns `N`.
    pub rows: u32,
    /// Inverted-file lists `C`.
    pub lists: u32,
    /// Widths, `k`, `beta`, `n_probe`, renormalisation.
    pub layer: LookupParams,
}
