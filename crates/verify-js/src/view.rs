//! What the page shows, as plain data: a ghost file, a proof's openings, a verdict. Built
//! here from the primitives' types, so that no JavaScript reads a byte format.

use ghost_primitives::{
    hex0x, ranking, GhostFile, GhostProof, Input, InputShape, LayerProof, LayerSpec, LookupParams, Trace,
};
use serde::Serialize;

/// A ghost file, decoded: its id, format version, lineage and layers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileView {
    /// The model id, `0x`-hex: the hash of the bytes.
    pub id: String,
    /// The ghost file format version.
    pub version: u8,
    /// The model's name (lossy UTF-8).
    pub name: String,
    /// The model this one was derived from by a sparse update, `0x`-hex.
    pub parent: Option<String>,
    /// The declared training data's hash, `0x`-hex.
    pub training_data: Option<String>,
    /// What the first layer takes: `{"vector": d}` or `{"token": rows}`.
    pub input: InputView,
    /// Width of the output.
    pub output_dim: u32,
    /// Encoded size of the ghost file.
    pub bytes: usize,
    /// The largest proof an answer may carry, in bytes.
    pub max_proof_bytes: u64,
    /// The layers, input first.
    pub layers: Vec<LayerSpecView>,
}

/// What a model takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum InputView {
    /// A vector of this width.
    Vector(u32),
    /// A token below this count.
    Token(u32),
}

/// One layer's architecture and roots.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerSpecView {
    /// `lookup` or `embedding`.
    pub kind: &'static str,
    /// Pattern (or token) rows.
    pub rows: u32,
    /// Key width `d` (0 for an embedding).
    pub d: u32,
    /// Value width `e`.
    pub e: u32,
    /// Patterns used per lookup (1 for an embedding).
    pub k: u32,
    /// The softmax's inverse temperature (0 for an embedding).
    pub beta: f64,
    /// Lists (0 for an embedding).
    pub lists: u32,
    /// Lists probed per lookup (0 for an embedding).
    pub n_probe: u32,
    /// Whether the output is renormalised.
    pub normalize: bool,
    /// The patterns' root, `0x`-hex.
    pub patterns_root: String,
    /// The centroids' root, `0x`-hex (none for an embedding).
    pub centroids_root: Option<String>,
}

impl FileView {
    /// The view of `file`, whose encoding is `bytes` long and hashes to `id`.
    pub fn of(file: &GhostFile, id: &[u8; 32], bytes: usize) -> Self {
        let input = match InputShape::of(file) {
            Some(InputShape::Token { rows }) => InputView::Token(rows),
            Some(InputShape::Vector { dim }) => InputView::Vector(dim),
            None => InputView::Vector(0),
        };
        Self {
            id: hex0x(id),
            version: file.version,
            name: String::from_utf8_lossy(&file.name).into_owned(),
            parent: file.parent.as_ref().map(|p| hex0x(p)),
            training_data: file.training_data.as_ref().map(|t| hex0x(t)),
            input,
            output_dim: file.output_dim(),
            bytes,
            max_proof_bytes: file.proof_bound().bytes,
            layers: file.layers.iter().map(LayerSpecView::of).collect(),
        }
    }
}

impl LayerSpecView {
    fn of(spec: &LayerSpec) -> Self {
        match spec {
            LayerSpec::Embedding(s) => Self {
                kind: "embedding",
                rows: s.rows,
                d: 0,
                e: s.dim,
                k: 1,
                beta: 0.0,
                lists: 0,
                n_probe: 0,
                normalize: s.normalize,
                patterns_root: hex0x(&s.patterns_root),
                centroids_root: None,
            },
            LayerSpec::Lookup(s) => {
                let LookupParams { d, e, k, beta, n_probe, normalize } = s.params;
                Self {
                    kind: "lookup",
                    rows: s.rows(),
                    d,
                    e,
                    k,
                    beta: beta_value(beta),
                    lists: s.lists(),
                    n_probe,
                    normalize,
                    patterns_root: hex0x(&s.patterns_root),
                    centroids_root: Some(hex0x(&s.centroids_root)),
                }
            }
        }
    }
}

fn beta_value(beta: ghost_primitives::Beta) -> f64 {
    f64::from(beta.q16()) / f64::from(1u32 << ghost_primitives::Beta::FRAC_BITS)
}

/// One layer of a proof: what it opened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedLayer {
    /// The layer's 0-based position.
    pub layer: u32,
    /// `lookup` or `embedding`.
    pub kind: &'static str,
    /// The lists probed, ascending (none for an embedding).
    pub probed: Vec<u32>,
    /// The rows opened, ascending by row id.
    pub rows: Vec<OpenedRow>,
}

/// A row a proof opened: its key and value, and, once verified, what it weighed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedRow {
    /// The row's id in its layer (the token, for an embedding).
    pub row: u32,
    /// Its key, Q14 (empty for an embedding).
    pub key: Vec<i16>,
    /// Its value, Q14.
    pub value: Vec<i16>,
    /// Its score against the layer's input, `key · x` as a real number (with a trace).
    pub score: Option<f64>,
    /// Its softmax weight in the layer's output, in `[0, 1]` (with a trace).
    pub weight: Option<f64>,
}

/// The openings of `proof`; with the verified `trace` and `input`, each row's score and
/// weight too, computed by the same fixed-point code as the forward pass.
pub fn opened(file: &GhostFile, proof: &GhostProof, verified: Option<(&Trace, &Input)>) -> Vec<OpenedLayer> {
    let mut layers = Vec::with_capacity(proof.layers.len());
    for (l, (layer, spec)) in proof.layers.iter().zip(&file.layers).enumerate() {
        let layer_id = l as u32;
        match (layer, spec) {
            (LayerProof::Embedding(p), _) => layers.push(OpenedLayer {
                layer: layer_id,
                kind: "embedding",
                probed: Vec::new(),
                rows: vec![OpenedRow {
                    row: p.token,
                    key: Vec::new(),
                    value: p.row.clone(),
                    score: None,
                    weight: Some(1.0),
                }],
            }),
            (LayerProof::Lookup(p), LayerSpec::Lookup(s)) => {
                let (d, e) = (s.params.d as usize, s.params.e as usize);
                let keys: Vec<&[i16]> = p.keys.chunks(d.max(1)).collect();
                let values: Vec<&[i16]> = p.values.chunks(e.max(1)).collect();
                // The layer's input: the model's input for layer 0, else the layer before's output.
                let x = verified.and_then(|(trace, input)| match l {
                    0 => match input {
                        Input::Vector(v) => Some(v.as_slice()),
                        Input::Token(_) => None,
                    },
                    _ => trace.openings.get(l - 1).map(|o| o.output.as_slice()),
                });
                let scores: Option<Vec<i64>> = x.map(|x| keys.iter().map(|k| ranking::dot(x, k)).collect());
                let weights = scores.as_ref().and_then(|sc| ranking::softmax_q30(sc, s.params.beta).ok());
                let rows = p
                    .selected
                    .iter()
                    .enumerate()
                    .map(|(i, &row)| OpenedRow {
                        row,
                        key: keys.get(i).map(|k| k.to_vec()).unwrap_or_default(),
                        value: values.get(i).map(|v| v.to_vec()).unwrap_or_default(),
                        score: scores.as_ref().map(|s| s[i] as f64 / f64::from(1u32 << 28)),
                        weight: weights.as_ref().map(|(w, total)| w[i] as f64 / (*total).max(1) as f64),
                    })
                    .collect();
                layers.push(OpenedLayer { layer: layer_id, kind: "lookup", probed: p.probed.clone(), rows });
            }
            // The proof was decoded against this file, so kinds match; a mismatch shows nothing.
            (LayerProof::Lookup(_), LayerSpec::Embedding(_)) => {}
        }
    }
    layers
}
