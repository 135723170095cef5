//! Reading f32 matrices: `.safetensors` (what ML users export), `.npy` and CSV.

use anyhow::{anyhow, bail, Context, Result};
use ndarray::Array2;
use std::path::Path;

/// Read a 2-D f32 matrix. For `.safetensors`, `tensor` names the tensor (the only one is
/// used when the file holds a single tensor).
pub fn read_matrix(path: &Path, tensor: Option<&str>) -> Result<Array2<f32>> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "safetensors" => read_safetensors(path, tensor),
        "npy" => ndarray_npy::read_npy(path).with_context(|| format!("reading {} as a 2-D f32 .npy", path.display())),
        "csv" | "txt" => read_csv(path),
        other => bail!("{}: unknown matrix format '.{other}' (use .safetensors, .npy or .csv)", path.display()),
    }
}

fn read_safetensors(path: &Path, tensor: Option<&str>) -> Result<Array2<f32>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file = safetensors::SafeTensors::deserialize(&bytes)
        .map_err(|e| anyhow!("{}: not a safetensors file: {e}", path.display()))?;
    let name = match tensor {
        Some(name) => name.to_string(),
        None => {
            let names = file.names();
            match names.as_slice() {
                [only] => only.to_string(),
                _ => {
                    let options = "--keys-tensor, --values-tensor, --embedding-tensor or, for examples, --tensor";
                    bail!("{}: holds tensors {names:?}; name the one to read ({options})", path.display())
                }
            }
        }
    };
    let view = file.tensor(&name).map_err(|e| anyhow!("{}: tensor '{name}': {e}", path.display()))?;
    if view.dtype() != safetensors::Dtype::F32 {
        bail!("{}: tensor '{name}' is {:?}; f32 is required", path.display(), view.dtype());
    }
    let &[rows, cols] = view.shape() else {
        bail!("{}: tensor '{name}' has shape {:?}; a 2-D matrix is required", path.display(), view.shape());
    };
    let data: Vec<f32> = view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(Array2::from_shape_vec((rows, cols), data)?)
}

fn read_csv(path: &Path) -> Result<Array2<f32>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_csv(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Rows of comma-separated numbers; blank lines and lines starting with `#` are skipped.
pub fn parse_csv(text: &str) -> Result<Array2<f32>> {
    let mut data = Vec::new();
    let mut cols = None;
    let mut rows = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let row: Vec<f32> = line
            .split(',')
            .map(|v| v.trim().parse::<f32>().map_err(|e| anyhow!("line {}: '{}': {e}", n + 1, v.trim())))
            .collect::<Result<_>>()?;
        if *cols.get_or_insert(row.len()) != row.len() {
            bail!("line {}: {} values, earlier rows have {}", n + 1, row.len(), cols.unwrap_or(0));
        }
        data.extend(row);
        rows += 1;
    }
    let cols = cols.ok_or_else(|| anyhow!("no rows"))?;
    if data.iter().any(|v| !v.is_finite()) {
        bail!("matrix holds NaN or infinite values");
    }
    Ok(Array2::from_shape_vec((rows, cols), data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_three_formats_read_the_same_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let m = Array2::from_shape_vec((3, 2), vec![1.0f32, -2.5, 0.0, 4.0, 1e-3, 7.0]).unwrap();
        let npy = dir.path().join("m.npy");
        ndarray_npy::write_npy(&npy, &m).unwrap();
        assert_eq!(read_matrix(&npy, None).unwrap(), m);

        let csv = dir.path().join("m.csv");
        std::fs::write(&csv, "# header comment\n1,-2.5\n0,4\n0.001,7\n").unwrap();
        assert_eq!(read_matrix(&csv, None).unwrap(), m);

        let st = dir.path().join("m.safetensors");
        let bytes: Vec<u8> = m.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![3, 2], &bytes).unwrap();
        safetensors::serialize_to_file([("keys", view)], &None, &st).unwrap();
        assert_eq!(read_matrix(&st, Some("keys")).unwrap(), m);
        assert_eq!(read_matrix(&st, None).unwrap(), m);
        assert!(read_matrix(&st, Some("values")).is_err());
    }

    #[test]
    fn malformed_csv_says_where() {
        let err = parse_csv("1,2\n3\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(parse_csv("1,x\n").unwrap_err().to_string().contains("'x'"));
        assert!(parse_csv("").is_err());
        assert!(parse_csv("1,NaN\n").is_err());
    }
}
