//! Builds the runtime as wasm (`wasm32v1-none` when installed) for the native crate to embed.
//!
//! The wasm builder keeps one project per crate (`$CARGO_TARGET_DIR/release/wbuild/ghost-runtime/`),
//! whatever the features. The production runtime, the one the dev node and the tests embed,
//! is `ghost_runtime.compact.compressed.wasm` there; a build with `runtime-benchmarks`
//! (scripts/weights.sh) or `try-runtime` names its blob after its features, so that it never
//! overwrites the production blob and no build of one variant makes the others rebuild.
fn main() {
    #[cfg(feature = "std")]
    {
        let builder = substrate_wasm_builder::WasmBuilder::init_with_defaults();
        // `lib.rs` includes the file of the same name from OUT_DIR.
        let variant = match (cfg!(feature = "runtime-benchmarks"), cfg!(feature = "try-runtime")) {
            (false, false) => None,
            (true, false) => Some("ghost_runtime_benchmarks"),
            (false, true) => Some("ghost_runtime_try_runtime"),
            (true, true) => Some("ghost_runtime_benchmarks_try_runtime"),
        };
        match variant {
            Some(name) => builder.set_file_name(name).build(),
            None => builder.build(),
        }
    }
}
