//! Builds the runtime as wasm (`wasm32v1-none` when installed) for the native crate to embed.
fn main() {
    #[cfg(feature = "std")]
    substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
