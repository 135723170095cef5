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

impl Shape {
    /// `rows` patterns in `lists` lists, with the default [`LookupParams`].
    pub const fn new(rows: u32, lists: u32) -> Self {
        Self { rows, lists, layer: LookupParams::DEFAULT }
    }

    /// The same, with keys `d` wide and values `e` wide.
    pub const fn widths(self, d: u32, e: u32) -> Self {
        Self { layer: LookupParams { d, e, ..self.layer }, ..self }
    }

    /// The same, using `k` patterns out of `n_probe` lists probed.
    pub const fn select(self, k: u32, n_probe: u32) -> Self {
        Self { layer: LookupParams { k, n_probe, ..self.layer }, ..self }
    }
}
