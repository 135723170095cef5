//! The `ghost` CLI's chain client is generated from a committed copy of this runtime's
//! metadata (`crates/client/metadata/ghost-runtime.scale`). This test fails when the copy no longer
//! matches the runtime; `GHOST_BLESS_METADATA=1` rewrites it (then rebuild the CLI).

use std::path::PathBuf;

/// The metadata version the client fetches from a node first (subxt's newest supported).
const VERSION: u32 = 16;

#[test]
fn the_committed_client_metadata_matches_the_runtime() {
    let metadata = ghost_runtime::Runtime::metadata_at_version(VERSION).expect("the runtime offers metadata v16");
    let built: &[u8] = &metadata;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/client/metadata/ghost-runtime.scale");
    if std::env::var_os("GHOST_BLESS_METADATA").is_some() {
        std::fs::write(&path, built).expect("writes the metadata");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == built,
        "{} ({} bytes) is not this runtime's metadata ({} bytes): run \
         `GHOST_BLESS_METADATA=1 cargo test --release -p ghost-runtime --test metadata` and commit it",
        path.display(),
        committed.len(),
        built.len()
    );
}
