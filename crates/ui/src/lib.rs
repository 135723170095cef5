//! # ghost-ui
//!
//! The verification page, shipped in the binary: `ghost serve --ui` and
//! `ghost prover run --ui` serve it on their JSON-RPC address (`GET /`). A person draws
//! a digit; the page asks the prover (`ghost_infer`, same origin), verifies the answer in
//! the browser with the wasm verifier (`crates/verify-js`, built by `build.rs`), and shows
//! the verdict, the time it took, the class and the stored patterns the proof opened. With
//! a node's URL it also reads the model's record on chain (`state_call` to `GhostApi`).
//!
//! The page's own files are `web/`; the verifier's package (JavaScript glue, wasm and
//! TypeScript types) is generated into `OUT_DIR/pkg` and served under `/pkg/`. Nothing
//! here reads a file at run time.

/// One file served.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// Its path under the server's root.
    pub path: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
    /// The same gzipped, where that is worth it (the wasm).
    pub gzipped: Option<&'static [u8]>,
}

/// The version of every file here (a hash of them all, made by `build.rs`): a browser
/// holding this version reads nothing again (`ETag`).
pub const TAG: &str = include_str!(concat!(env!("OUT_DIR"), "/tag"));

macro_rules! web {
    ($path:literal, $file:literal, $type:literal) => {
        Asset { path: $path, content_type: $type, bytes: include_bytes!(concat!("../web/", $file)), gzipped: None }
    };
}

macro_rules! pkg {
    ($file:literal, $type:literal) => {
        Asset {
            path: concat!("/pkg/", $file),
            content_type: $type,
            bytes: include_bytes!(concat!(env!("OUT_DIR"), "/pkg/", $file)),
            gzipped: None,
        }
    };
    ($file:literal, $type:literal, gzipped) => {
        Asset { gzipped: Some(include_bytes!(concat!(env!("OUT_DIR"), "/pkg/", $file, ".gz"))), ..pkg!($file, $type) }
    };
}

/// The page's files.
pub static PAGE: &[Asset] = &[
    web!("/", "index.html", "text/html; charset=utf-8"),
    web!("/app.js", "app.js", "text/javascript; charset=utf-8"),
    web!("/draw.js", "draw.js", "text/javascript; charset=utf-8"),
    web!("/chain.js", "chain.js", "text/javascript; charset=utf-8"),
    web!("/style.css", "style.css", "text/css; charset=utf-8"),
];

/// The verifier's package: what `scripts/verify-js.sh` writes out, and the page loads.
pub static PACKAGE: &[Asset] = &[
    pkg!("ghost_verify.js", "text/javascript; charset=utf-8"),
    pkg!("ghost_verify_bg.wasm", "application/wasm", gzipped),
    pkg!("ghost_verify.d.ts", "text/plain; charset=utf-8"),
    pkg!("ghost_verify_bg.wasm.d.ts", "text/plain; charset=utf-8"),
    pkg!("package.json", "application/json"),
];

/// The file served at `path` (`/index.html` is `/`).
pub fn asset(path: &str) -> Option<&'static Asset> {
    let path = if path == "/index.html" { "/" } else { path };
    PAGE.iter().chain(PACKAGE).find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_the_verifier_are_served_and_nothing_else() {
        let index = asset("/").expect("the page");
        assert!(index.content_type.starts_with("text/html"));
        assert!(std::str::from_utf8(index.bytes).unwrap().contains("app.js"));
        assert_eq!(asset("/index.html").unwrap().bytes, index.bytes);
        let wasm = asset("/pkg/ghost_verify_bg.wasm").expect("the verifier");
        assert_eq!(wasm.content_type, "application/wasm");
        assert_eq!(&wasm.bytes[..4], b"\0asm");
        // Its gzip is the same bytes, a good deal smaller.
        let gzipped = wasm.gzipped.expect("the wasm is sent gzipped");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gzipped), &mut unzipped).unwrap();
        assert_eq!(unzipped, wasm.bytes);
        assert!(gzipped.len() < wasm.bytes.len() / 2);
        let glue = asset("/pkg/ghost_verify.js").unwrap();
        assert!(std::str::from_utf8(glue.bytes).unwrap().contains("decodeGhostFile"));
        assert_eq!(TAG.len(), 16);
        for missing in ["/../Cargo.toml", "/pkg/", "/web/app.js", "//", "/app.js/", ""] {
            assert!(asset(missing).is_none(), "{missing}");
        }
    }
}
