//! Builds the browser verifier (`crates/verify-js`, package `ghost-verify`) for
//! `wasm32-unknown-unknown` and generates its JavaScript glue, into `OUT_DIR/pkg`, which
//! `src/lib.rs` embeds.
//!
//! The wasm is built by a nested cargo into a target directory of its own beside the
//! outer one (`ghost-verify-wasm`), so the outer build's lock is not contended, with the
//! workspace's lock file (`--locked`).

use anyhow::{bail, Context, Result};
use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

fn main() -> Result<()> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let workspace = manifest.join("../..").canonicalize()?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    for watched in ["crates/verify-js", "crates/wire", "primitives/src", "primitives/Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-changed=web");
    // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out.
    let target = out.ancestors().nth(4).context("OUT_DIR is not inside a target directory")?.join("ghost-verify-wasm");
    let wasm = build_wasm(&workspace, &target)?;
    let pkg = out.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(true)
        // `init()` with no argument fetches the wasm beside the module.
        .omit_default_module_path(false)
        .out_name("ghost_verify")
        .generate(&pkg)
        .context("generating the verifier's JavaScript glue")?;
    std::fs::write(pkg.join("package.json"), package_json(&env::var("CARGO_PKG_VERSION")?))?;
    Ok(())
}

/// The npm-style manifest of the package: an ES module with its types.
fn package_json(version: &str) -> String {
    format!(
        r#"{{
  "name": "ghost-verify",
  "version": "{version}",
  "description": "Ghostchain's verifier of ghost proofs, in wasm: the same code as the chain's.",
  "license": "Apache-2.0",
  "type": "module",
  "main": "ghost_verify.js",
  "module": "ghost_verify.js",
  "types": "ghost_verify.d.ts",
  "files": ["ghost_verify.js", "ghost_verify_bg.wasm", "ghost_verify.d.ts", "ghost_verify_bg.wasm.d.ts"],
  "sideEffects": ["./snippets/*"]
}}
"#
    )
}

fn build_wasm(workspace: &Path, target: &Path) -> Result<PathBuf> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--release", "--locked", "-p", "ghost-verify", "--target", "wasm32-unknown-unknown"])
        .arg("--target-dir")
        .arg(target);
    // The outer build's flags are for the host, not for wasm. Every browser the page is
    // for runs wasm's 128-bit SIMD (Chrome 91, Firefox 89, Safari 16.4): the scoring loop
    // and the hashing vectorise with it.
    for var in ["RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET"] {
        command.env_remove(var);
    }
    command.env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+simd128");
    let status = command.status().context("running cargo to build the wasm verifier")?;
    if !status.success() {
        bail!("building the wasm verifier (ghost-verify for wasm32-unknown-unknown) failed");
    }
    Ok(target.join("wasm32-unknown-unknown/release/ghost_verify.wasm"))
}
