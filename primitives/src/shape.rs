//! The shape of one lookup layer, as the model generators take it: the deterministic
//! `testing` models (no_std, fixed point) and the seeded `synthetic` ones (f32).

/// The shape of one lookup layer: `n` patterns (key width `d`, value width `e`) in `c`
/// lists, `k` patterns used out of `n_probe` lists probed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Patterns.
    pub n: u32,
    /// Key width.
    pub d: u32,
    /// Value width.
    pub e: u32,
    /// Lists.
    pub c: u32,
    /// Patterns used.
    pub k: u32,
    /// Lists probed.
    pub n_probe: u32,
    /// Inverse temperature, Q16 (as in the ghost file).
    pub beta_q16: u32,
    /// Renormalise the output.
    pub normalize: bool,
}

impl Shape {
    /// One pattern in one list, inverse temperature 8, renormalised output: callers set the
    /// dimensions (`Shape { n, d, .., ..Shape::BASE }`) and keep the rest.
    pub const BASE: Shape = Shape { n: 1, d: 1, e: 1, c: 1, k: 1, n_probe: 1, beta_q16: 8 << 16, normalize: true };

    /// The inverse temperature as a float, for the f32 reference.
    pub fn beta(&self) -> f32 {
        self.beta_q16 as f32 / 65536.0
    }
}
