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
    for watched in [
        "crates/verify-js",
        "crates/wire",
        "primitives/src",
        "primitives/Cargo.toml",
        "Cargo.lock",
        "Cargo.toml",
        "rust-toolchain.toml",
    ] {
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
    // The wasm, gzipped once here (a third of its size), for clients that take gzip.
    let wasm_bytes = std::fs::read(pkg.join("ghost_verify_bg.wasm"))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &wasm_bytes)?;
    std::fs::write(pkg.join("ghost_verify_bg.wasm.gz"), gz.finish()?)?;
    // One version for every file served (the ETag): a hash of them all.
    let mut hasher = std::hash::DefaultHasher::new();
    for dir in [manifest.join("web"), pkg.clone()] {
        let mut files: Vec<_> = std::fs::read_dir(&dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
        files.sort();
        for file in files {
            std::hash::Hash::hash(&std::fs::read(&file)?, &mut hasher);
        }
    }
    std::fs::write(out.join("tag"), format!("{:016x}", std::hash::Hasher::finish(&hasher)))?;
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
    // The outer build's environment is for the host and this build script (its flags,
    // features, target, wrappers such as clippy's): only what finds the toolchain, the
    // registry and the jobserver is passed on. Every browser the page is for runs wasm's
    // 128-bit SIMD (Chrome 91, Firefox 89, Safari 16.4): the scoring loop and the hashing
    // vectorise with it.
    command.env_clear();
    for (name, value) in env::vars_os() {
        let name_str = name.to_string_lossy();
        let kept = ["PATH", "HOME", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "CARGO_MAKEFLAGS", "TMPDIR"]
            .contains(&name_str.as_ref())
            || name_str.starts_with("CARGO_NET_")
            || name_str.starts_with("CARGO_HTTP_")
            || name_str.starts_with("CARGO_REGISTRIES_");
        if kept {
            command.env(name, value);
        }
    }
    command.env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+simd128");
    let status = command.status().context("running cargo to build the wasm verifier")?;
    if !status.success() {
        bail!("building the wasm verifier (ghost-verify for wasm32-unknown-unknown) failed");
    }
    Ok(target.join("wasm32-unknown-unknown/release/ghost_verify.wasm"))
}
