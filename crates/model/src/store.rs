//! The model directory:
//!
//! * `ghost-file.scale` — the ghost file bytes (public; its hash is the model id);
//! * `weights.scale` — SCALE `Vec<LayerWeights>`, the quantised weights (private);
//! * `manifest.json` — what a person wants to know at a glance.
//!
//! Loading re-commits to the weights and requires the roots to be the ghost file's, so a
//! prover never serves weights that do not belong to the model it claims.

use anyhow::{bail, ensure, Context, Result};
use codec::{Decode, Encode};
use ghost_primitives::hex0x;
use ghost_primitives::{LayerSpec, LayerWeights, Model, QuantStats, Verifier};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File names inside a model directory.
pub const GHOST_FILE: &str = "ghost-file.scale";
/// The weights.
pub const WEIGHTS: &str = "weights.scale";
/// The manifest.
pub const MANIFEST: &str = "manifest.json";

/// A summary of a model, for people and scripts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `0x`-hex model id.
    pub model_id: String,
    /// Model name.
    pub name: String,
    /// One line per layer.
    pub layers: Vec<String>,
    /// Entries clamped by quantisation.
    pub saturated: usize,
    /// Largest change of an entry by quantisation.
    pub max_quantisation_error: f32,
    /// How the model was made (the command line, or a description).
    pub source: String,
}

/// One line describing a layer.
pub fn describe(spec: &LayerSpec) -> String {
    match spec {
        LayerSpec::Embedding(e) => format!("embedding: {} tokens -> {} (normalize: {})", e.rows, e.dim, e.normalize),
        LayerSpec::Lookup(l) => format!(
            "lookup: N = {}, d = {}, e = {}, C = {}, k = {}, n_probe = {}, beta = {}, normalize: {}",
            l.rows(),
            l.params.d,
            l.params.e,
            l.lists(),
            l.params.k,
            l.params.n_probe,
            l.params.beta,
            l.params.normalize
        ),
    }
}

/// Write `model` to `dir` (created if missing).
pub fn save(dir: &Path, model: &Model, stats: &QuantStats, source: &str) -> Result<Manifest> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = model.ghost_file();
    let manifest = Manifest {
        model_id: hex0x(&model.id()),
        name: String::from_utf8_lossy(&file.name).into_owned(),
        layers: file.layers.iter().map(describe).collect(),
        saturated: stats.saturated,
        max_quantisation_error: stats.max_abs_error,
        source: source.to_string(),
    };
    // Encoded straight into the file: no copy of the weights, nor of their encoding.
    write_atomically_with(&dir.join(WEIGHTS), |out| model.weights().encode_to(out))?;
    write_atomically(&dir.join(GHOST_FILE), &file.encode())?;
    write_atomically(&dir.join(MANIFEST), serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    Ok(manifest)
}

/// Put `model`'s ghost file in `dir` (whose weights it commits to), and its id in the
/// manifest: how a directory takes the version the chain published (which names a parent).
pub fn save_ghost_file(dir: &Path, model: &Model) -> Result<()> {
    write_atomically(&dir.join(GHOST_FILE), &model.ghost_file().encode())?;
    let path = dir.join(MANIFEST);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(mut manifest) = serde_json::from_str::<Manifest>(&text) {
            manifest.model_id = hex0x(&model.id());
            write_atomically(&path, serde_json::to_string_pretty(&manifest)?.as_bytes())?;
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |out| codec::Output::write(out, bytes))
}

/// Write `path` through `fill`, under a temporary name renamed into place once complete.
fn write_atomically_with(path: &Path, fill: impl FnOnce(&mut Writer)) -> Result<()> {
    let tmp: PathBuf = path.with_extension("partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut out = Writer { inner: std::io::BufWriter::with_capacity(1 << 20, file), failed: None };
    fill(&mut out);
    let done = match out.failed {
        Some(e) => Err(e),
        None => out.inner.into_inner().map_err(|e| e.into_error()).and_then(|f| f.sync_all()),
    };
    done.with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

/// A buffered file as a SCALE output. `codec::Output` cannot fail, so the first I/O error
/// is kept and reported when the write is done.
struct Writer {
    inner: std::io::BufWriter<std::fs::File>,
    failed: Option<std::io::Error>,
}

impl codec::Output for Writer {
    fn write(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            if let Err(e) = std::io::Write::write_all(&mut self.inner, bytes) {
                self.failed = Some(e);
            }
        }
    }
}

/// Read a ghost file, a model directory (its `ghost-file.scale`) or the file itself, with
/// its bytes.
pub fn read_ghost_file(path: &Path) -> Result<(Verifier, Vec<u8>)> {
    let file_path = if path.is_dir() { path.join(GHOST_FILE) } else { path.to_path_buf() };
    let bytes = std::fs::read(&file_path).with_context(|| format!("reading {}", file_path.display()))?;
    let file =
        Verifier::decode(&bytes).with_context(|| format!("{} is not a valid ghost file", file_path.display()))?;
    Ok((file, bytes))
}

/// Load the model in `dir`, checking that its weights commit to its ghost file.
pub fn load(dir: &Path) -> Result<Model> {
    let (file, _) = read_ghost_file(dir)?;
    let weights_path = dir.join(WEIGHTS);
    let spinner = crate::progress::spinner("loading weights and building trees");
    // Decoded straight from the file into the weights' own vectors, never held twice.
    let opened = std::fs::File::open(&weights_path).with_context(|| format!("reading {}", weights_path.display()))?;
    let mut reader = codec::IoReader(std::io::BufReader::with_capacity(1 << 20, opened));
    let weights = Vec::<LayerWeights>::decode(&mut reader)
        .with_context(|| format!("{} is not a weights file", weights_path.display()))?;
    // Trailing bytes mean the file is not what it says.
    let mut rest = [0u8; 1];
    ensure!(
        std::io::Read::read(&mut reader.0, &mut rest)? == 0,
        "{} has bytes after its weights",
        weights_path.display()
    );
    let model = match Model::for_ghost_file(file, weights) {
        Ok(model) => model,
        Err(e) => bail!("{}: the weights do not match the ghost file: {e}", dir.display()),
    };
    spinner.finish_and_clear();
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{commit, lookup_layer, synthetic_matrices, tests::params};

    #[test]
    fn saves_loads_and_refuses_foreign_weights() {
        let dir = tempfile::tempdir().unwrap();
        let (k, v) = synthetic_matrices(300, 8, 4, 5, 2);
        let p = params(5, 2, 4);
        let (layer, _) = lookup_layer(k, v, &p, false).unwrap();
        let (model, stats) = commit("m", &[layer.into()]).unwrap();
        let manifest = save(dir.path(), &model, &stats, "test").unwrap();
        assert_eq!(ghost_primitives::parse_hash(&manifest.model_id).unwrap(), model.id());
        let loaded = load(dir.path()).unwrap();
        assert_eq!(loaded.id(), model.id());

        // Weights of another model under this ghost file are refused.
        let other = tempfile::tempdir().unwrap();
        let (k, v) = synthetic_matrices(300, 8, 4, 5, 3);
        let (layer, _) = lookup_layer(k, v, &p, false).unwrap();
        let (model2, _) = commit("m", &[layer.into()]).unwrap();
        save(other.path(), &model2, &stats, "test").unwrap();
        std::fs::copy(other.path().join(WEIGHTS), dir.path().join(WEIGHTS)).unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("do not match"), "{err}");

        std::fs::write(dir.path().join(GHOST_FILE), b"junk").unwrap();
        assert!(load(dir.path()).unwrap_err().to_string().contains("not a valid ghost file"));
        assert!(ghost_primitives::parse_hash("0x1234").is_err());
    }
}
