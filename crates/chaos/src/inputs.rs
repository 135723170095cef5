//! What the clients ask: images of the digits data, drawn from the seed, so that a replayed
//! run asks the same questions in the same order.

use anyhow::{bail, Context, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::{io::Read, path::Path};

/// The images, each as the comma-separated pixels `--input` takes.
pub struct Inputs {
    images: Vec<String>,
}

impl Inputs {
    /// Read the gzipped digits CSV (64 pixels and a label a line).
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .with_context(|| format!("reading {}", path.display()))?;
        let images: Vec<String> = text
            .lines()
            .filter_map(|l| l.rsplit_once(',').map(|(pixels, _label)| pixels.to_string()))
            .filter(|pixels| pixels.split(',').count() == 64)
            .collect();
        if images.is_empty() {
            bail!("{} holds no 64-pixel images", path.display());
        }
        Ok(Self { images })
    }

    /// Client `client`'s input for run `run`, and how many answers to ask for with it.
    pub fn pick(&self, seed: u64, client: u64, run: u64) -> (String, u32) {
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ client.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ run.rotate_left(32));
        let image = self.images[rng.gen_range(0..self.images.len())].clone();
        (image, rng.gen_range(10..=60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_asks_the_same_and_runs_differ() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/digits.csv.gz");
        let inputs = Inputs::load(&path).unwrap();
        assert!(inputs.images.len() > 1000);
        assert_eq!(inputs.pick(3, 0, 5), inputs.pick(3, 0, 5));
        let runs: std::collections::BTreeSet<String> = (0..20).map(|r| inputs.pick(3, 0, r).0).collect();
        assert!(runs.len() > 10, "runs ask different images");
        assert_ne!(inputs.pick(3, 0, 5), inputs.pick(3, 1, 5));
    }
}
