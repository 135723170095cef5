//! # ghost-verify
//!
//! Ghostchain's verifier for JavaScript. The same code as every other verifier of the
//! project: the primitives' [`ghost_primitives::Verifier`] (which the runtime runs) behind
//! `ghost-wire`'s answer check (which `ghost verify` runs), compiled to wasm with
//! wasm-bindgen. The page `ghost serve --ui` serves loads it (`crates/ui`), and
//! `scripts/verify-js.sh` packs it as an npm-style package.
//!
//! From JavaScript:
//! * `verify(ghostFile, modelId, input, answer)`: a [`Verdict`]: verified, with the
//!   output, the class and the rows opened with their scores and weights; or rejected,
//!   with a stable `kind` and the reason `ghost verify` gives.
//! * `decodeGhostFile(ghostFile)`: a [`FileView`]: id, format version, lineage, layers.
//! * `decodeProof(ghostFile, proof)`: the rows a proof opens, layer by layer.
//! * `modelId(ghostFile)`: the model id, the hash of the file.
//! * `quantise(values, raw)`: an input vector as `ghost infer` sends it (Q14, unit length
//!   unless `raw`).
//! * `decodeModel(modelId, result)`, `decodeVersions(result)`: the answers of
//!   `state_call` to `GhostApi_model` and `GhostApi_versions`; `bondsPrefix(modelId)` and
//!   `decodeBond(key, value)`: the model's bonded provers from the registry's storage
//!   ([`chain`]).
//!
//! Inputs and answers are JSON, as text or as objects; results are plain objects. The
//! functions are also plain Rust ([`verify`], [`decode_ghost_file`], …), which the tests
//! run natively against the same corpus as the wasm build.

pub mod chain;
mod verdict;
mod view;

pub use verdict::{model_id, verify, Verdict};
pub use view::{opened, FileView, InputView, LayerSpecView, OpenedLayer, OpenedRow};

use ghost_primitives::{parse_hash, GhostProof, Input, Verifier};
use wasm_bindgen::prelude::*;

/// Why bytes could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The ghost file does not decode or is not valid.
    #[error("the ghost file is not valid: {0}")]
    GhostFile(ghost_primitives::Error),
    /// The proof does not decode against the ghost file.
    #[error("the proof does not decode against this ghost file: {0}")]
    Proof(ghost_primitives::Error),
}

/// The ghost file `bytes`, decoded and validated, for display.
pub fn decode_ghost_file(bytes: &[u8]) -> Result<FileView, DecodeError> {
    let file = Verifier::decode(bytes).map_err(DecodeError::GhostFile)?;
    Ok(FileView::of(file.file(), &file.id(), bytes.len()))
}

/// The rows `proof` opens, decoded against the ghost file `ghost_file` (not verified:
/// their scores and weights come with [`verify`]).
pub fn decode_proof(ghost_file: &[u8], proof: &[u8]) -> Result<Vec<OpenedLayer>, DecodeError> {
    let file = Verifier::decode(ghost_file).map_err(DecodeError::GhostFile)?;
    let proof = GhostProof::decode(proof, file.file()).map_err(DecodeError::Proof)?;
    Ok(opened(file.file(), &proof, None))
}

/// `values` as `ghost infer` sends them: Q14, scaled to unit length unless `raw`.
pub fn quantise(values: &[f32], raw: bool) -> Vec<i16> {
    match ghost_primitives::quantise_vector(values, raw) {
        Input::Vector(v) => v,
        Input::Token(_) => Vec::new(),
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export interface OpenedRow { row: number; key: number[]; value: number[]; score: number | null; weight: number | null }
export interface OpenedLayer { layer: number; kind: "lookup" | "embedding"; probed: number[]; rows: OpenedRow[] }
export interface Verdict {
  verified: boolean;
  kind: "bad-model-id" | "bad-ghost-file" | "bad-input" | "malformed" | "wrong-model" | "wrong-input" | "invalid" | null;
  reason: string | null;
  output: number[];
  class: number | null;
  proofBytes: number;
  layers: OpenedLayer[];
}
export interface LayerSpecView {
  kind: "lookup" | "embedding"; rows: number; d: number; e: number; k: number; beta: number;
  lists: number; nProbe: number; normalize: boolean; patternsRoot: string; centroidsRoot: string | null;
}
export interface RecordView {
  owner: string; price: string; royaltyPercent: number; deposit: string; status: "active" | "retired" | "reaped";
  parent: string | null; trainingData: string | null; registeredAt: number; layers: number;
  fileMatches: boolean; ghostFile: string;
}
export interface BondView { prover: string; amount: string; locked: string; withdrawableAt: number | null; endpoint: string }
export interface FileView {
  id: string; version: number; name: string; parent: string | null; trainingData: string | null;
  input: { vector: number } | { token: number }; outputDim: number; bytes: number; maxProofBytes: number;
  layers: LayerSpecView[];
}
"#;

/// A value as plain JavaScript data, through JSON (every value here is JSON's).
fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("the result is not JSON"))
}

/// JSON text, given as text or as an object.
fn json_text(value: &JsValue) -> Result<String, JsError> {
    match value.as_string() {
        Some(text) => Ok(text),
        None => js_sys::JSON::stringify(value)
            .map(String::from)
            .map_err(|_| JsError::new("the value cannot be written as JSON")),
    }
}

/// Verify a prover's answer for the input sent against the ghost file of `model_id`.
#[wasm_bindgen(js_name = verify, unchecked_return_type = "Verdict")]
pub fn verify_js(
    ghost_file: &[u8],
    model_id: &str,
    #[wasm_bindgen(unchecked_param_type = "string | { vector: number[] } | { token: number }")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | object")] answer: JsValue,
) -> Result<JsValue, JsError> {
    to_js(&verify(ghost_file, model_id, &json_text(&input)?, &json_text(&answer)?))
}

/// Decode a ghost file for display; throws with the reason when it is not valid.
#[wasm_bindgen(js_name = decodeGhostFile, unchecked_return_type = "FileView")]
pub fn decode_ghost_file_js(ghost_file: &[u8]) -> Result<JsValue, JsError> {
    to_js(&decode_ghost_file(ghost_file)?)
}

/// Decode a proof's openings against its ghost file; throws with the reason.
#[wasm_bindgen(js_name = decodeProof, unchecked_return_type = "OpenedLayer[]")]
pub fn decode_proof_js(ghost_file: &[u8], proof: &[u8]) -> Result<JsValue, JsError> {
    to_js(&decode_proof(ghost_file, proof)?)
}

/// The model id of a ghost file (`0x`-hex of its hash).
#[wasm_bindgen(js_name = modelId)]
pub fn model_id_js(ghost_file: &[u8]) -> String {
    model_id(ghost_file)
}

/// An input vector as `ghost infer` sends it: Q14, at unit length unless `raw`.
#[wasm_bindgen(js_name = quantise)]
pub fn quantise_js(values: &[f32], raw: bool) -> Vec<i16> {
    quantise(values, raw)
}

fn model_id_arg(model_id: &str) -> Result<ghost_primitives::ModelId, JsError> {
    parse_hash(model_id).map_err(|e| JsError::new(&format!("the model id is not 0x-hex of 32 bytes: {e}")))
}

/// `state_call("GhostApi_model", modelId)`'s result, decoded: the record, or null for a
/// model the chain does not know; throws when the bytes are not a record.
#[wasm_bindgen(js_name = decodeModel, unchecked_return_type = "RecordView | null")]
pub fn decode_model_js(model_id: &str, result: &str) -> Result<JsValue, JsError> {
    to_js(&chain::decode_model(&model_id_arg(model_id)?, result)?)
}

/// `state_call("GhostApi_versions", modelId)`'s result: the model and its ancestors.
#[wasm_bindgen(js_name = decodeVersions, unchecked_return_type = "string[]")]
pub fn decode_versions_js(result: &str) -> Result<JsValue, JsError> {
    to_js(&chain::decode_versions(result)?)
}

/// The storage key prefix of a model's bonds, for `state_getKeysPaged`.
#[wasm_bindgen(js_name = bondsPrefix)]
pub fn bonds_prefix_js(model_id: &str) -> Result<String, JsError> {
    Ok(chain::bonds_prefix(&model_id_arg(model_id)?))
}

/// One bond, from its storage key and value.
#[wasm_bindgen(js_name = decodeBond, unchecked_return_type = "BondView")]
pub fn decode_bond_js(key: &str, value: &str) -> Result<JsValue, JsError> {
    to_js(&chain::decode_bond(key, value)?)
}
