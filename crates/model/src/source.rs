//! What `ghost model build` builds from: matrices in files, synthetic data, or the digits
//! classifier; each source gives f32 layers that `build` commits and saves.

use crate::{
    build::{commit, embedding_layer, lookup_layer, synthetic_matrices, LayerParams},
    digits, import,
    store::{self, Manifest},
};
use anyhow::{ensure, Result};
use ghost_primitives::{FloatLayer, LookupParams};
use std::path::PathBuf;

/// Where a model's directory is written.
#[derive(Clone, Debug, clap::Args)]
pub struct Output {
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Model name (default: `ghost-model`, or `digits`).
    #[arg(long)]
    pub name: Option<String>,
}

/// Synthetic data: clustered unit keys, values near per-cluster centres (seeded).
#[derive(Clone, Debug, clap::Args)]
pub struct SyntheticData {
    /// Patterns per layer.
    #[arg(long, default_value_t = 65536)]
    pub rows: u32,
    /// Input (key) width of the first layer.
    #[arg(long, default_value_t = LookupParams::DEFAULT.d)]
    pub dim: u32,
    /// Value width (and key width of later layers).
    #[arg(long, default_value_t = LookupParams::DEFAULT.e)]
    pub value_dim: u32,
    /// Number of layers.
    #[arg(long, default_value_t = 1)]
    pub layers: u32,
    /// Clusters in the data (default: the number of lists).
    #[arg(long)]
    pub clusters: Option<u32>,
}

/// Key and value matrices in files.
#[derive(Clone, Debug, clap::Args)]
pub struct MatrixFiles {
    /// Key matrix (`N x d`): .safetensors, .npy or .csv.
    #[arg(long)]
    pub keys: PathBuf,
    /// Value matrix (`N x e`): .safetensors, .npy or .csv.
    #[arg(long)]
    pub values: PathBuf,
    /// Tensor name of the keys in a .safetensors file.
    #[arg(long)]
    pub keys_tensor: Option<String>,
    /// Tensor name of the values in a .safetensors file.
    #[arg(long)]
    pub values_tensor: Option<String>,
    /// An embedding table (`vocabulary x d`, row `t` is token `t`) in front of the lookup
    /// layer: the model then takes token inputs. Its rows are normalised like keys.
    #[arg(long)]
    pub embedding: Option<PathBuf>,
    /// Tensor name of the embedding table in a .safetensors file.
    #[arg(long, requires = "embedding")]
    pub embedding_tensor: Option<String>,
}

/// What `ghost model build` builds from.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum Source {
    /// Key and value matrices from files.
    #[command(
        after_help = "Example:\n  ghost model build matrices --keys k.npy --values v.npy --lists 256 --k 16 --out ./mine"
    )]
    Matrices {
        /// The files.
        #[command(flatten)]
        files: MatrixFiles,
        /// The layer.
        #[command(flatten)]
        params: LayerParams,
        /// Where it goes.
        #[command(flatten)]
        output: Output,
    },
    /// Clustered synthetic data, one or more layers.
    #[command(after_help = "Example:\n  ghost model build synthetic --rows 65536 --dim 64 --out ./synthetic")]
    Synthetic {
        /// The data.
        #[command(flatten)]
        data: SyntheticData,
        /// Each layer.
        #[command(flatten)]
        params: LayerParams,
        /// Where it goes.
        #[command(flatten)]
        output: Output,
    },
    /// The digits classifier (keys = training images, values = one-hot labels), with its
    /// own fixed architecture (`digits::params`).
    #[command(after_help = "Example:\n  ghost model build digits --out ./digits")]
    Digits {
        /// Where it goes.
        #[command(flatten)]
        output: Output,
    },
}

impl Source {
    /// Where the model goes.
    pub fn output(&self) -> &Output {
        match self {
            Source::Matrices { output, .. } | Source::Synthetic { output, .. } | Source::Digits { output } => output,
        }
    }

    /// The source's f32 layers and default name.
    pub fn layers(&self, progress: bool) -> Result<(Vec<FloatLayer>, &'static str)> {
        Ok(match self {
            Source::Digits { .. } => {
                let samples = digits::load(digits::DIGITS_CSV_GZ)?;
                let (train, _) = digits::split(&samples);
                (vec![digits::classifier(&train, &digits::params())?], "digits")
            }
            Source::Synthetic { data, params, .. } => {
                ensure!(data.layers >= 1, "--layers must be at least 1");
                let mut layers = Vec::new();
                for l in 0..data.layers {
                    let d = if l == 0 { data.dim } else { data.value_dim };
                    tracing::info!(layer = l, rows = data.rows, d, e = data.value_dim, "generating synthetic layer");
                    let clusters = data.clusters.unwrap_or(params.index.lists);
                    let seed = params.index.seed.wrapping_add(u64::from(l));
                    let (k, v) = synthetic_matrices(data.rows, d, data.value_dim, clusters, seed);
                    layers.push(lookup_layer(k, v, params, progress)?.0.into());
                }
                (layers, "ghost-model")
            }
            Source::Matrices { files, params, .. } => {
                let k = import::read_matrix(&files.keys, files.keys_tensor.as_deref())?;
                let v = import::read_matrix(&files.values, files.values_tensor.as_deref())?;
                tracing::info!(rows = k.nrows(), d = k.ncols(), e = v.ncols(), "read matrices");
                let mut layers = Vec::new();
                if let Some(path) = &files.embedding {
                    layers.push(embedding_layer(
                        import::read_matrix(path, files.embedding_tensor.as_deref())?,
                        k.ncols(),
                    )?);
                }
                layers.push(lookup_layer(k, v, params, progress)?.0.into());
                (layers, "ghost-model")
            }
        })
    }
}

/// `ghost model build`: the layers from `source`, quantised, committed and saved to its
/// output directory; `how` is recorded in the manifest.
pub fn build(source: &Source, how: &str, progress: bool) -> Result<Manifest> {
    let (layers, default_name) = source.layers(progress)?;
    let output = source.output();
    let (model, stats) = commit(output.name.as_deref().unwrap_or(default_name), &layers)?;
    // The f32 copy is twice the committed weights: gone before saving.
    drop(layers);
    store::save(&output.out, &model, &stats, how)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::IndexParams;

    /// `ghost model build synthetic --rows 4096 --dim 16 --value-dim 8 --layers 2 --lists 16
    /// --n-probe 3 --k 5 --beta 12.5 --seed 3` builds the model it always built.
    #[test]
    fn synthetic_models_are_the_same_bytes_as_ever() {
        let dir = tempfile::tempdir().unwrap();
        let source = Source::Synthetic {
            data: SyntheticData { rows: 4096, dim: 16, value_dim: 8, layers: 2, clusters: None },
            params: LayerParams {
                layer: LookupParams { k: 5, n_probe: 3, beta: "12.5".parse().unwrap(), ..LookupParams::DEFAULT },
                index: IndexParams { lists: 16, seed: 3, ..IndexParams::DEFAULT },
            },
            output: Output { out: dir.path().to_path_buf(), name: None },
        };
        let manifest = build(&source, "test", false).unwrap();
        assert_eq!(manifest.model_id, "0x46cd9519e3bab61d15a986fcb0eeda9c80819fa751b666dde2d26789af6678d0");
    }
}
