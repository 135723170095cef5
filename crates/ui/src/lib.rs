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
}

macro_rules! web {
    ($path:literal, $file:literal, $type:literal) => {
        Asset { path: $path, content_type: $type, bytes: include_bytes!(concat!("../web/", $file)) }
    };
}

macro_rules! pkg {
    ($file:literal, $type:literal) => {
        Asset {
            path: concat!("/pkg/", $file),
            content_type: $type,
            bytes: include_bytes!(concat!(env!("OUT_DIR"), "/pkg/", $file)),
        }
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
    pkg!("ghost_verify_bg.wasm", "application/wasm"),
    pkg!("ghost_verify.d.ts", "text/plain; charset=utf-8"),
    pkg!("ghost_verify_bg.wasm.d.ts", "text/plain; charset=utf-8"),
    pkg!("package.json", "application/json"),
];

/// The file served at `path` (`/index.html` is `/`): its media type and bytes.
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let path = if path == "/index.html" { "/" } else { path };
    PAGE.iter().chain(PACKAGE).find(|a| a.path == path).map(|a| (a.content_type, a.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_the_verifier_are_served_and_nothing_else() {
        let (html, index) = asset("/").expect("the page");
        assert!(html.starts_with("text/html"));
        assert!(std::str::from_utf8(index).unwrap().contains("app.js"));
        assert_eq!(asset("/index.html").unwrap().1, index);
        let (wasm, bytes) = asset("/pkg/ghost_verify_bg.wasm").expect("the verifier");
        assert_eq!(wasm, "application/wasm");
        assert_eq!(&bytes[..4], b"\0asm");
        let (_, glue) = asset("/pkg/ghost_verify.js").unwrap();
        assert!(std::str::from_utf8(glue).unwrap().contains("decodeGhostFile"));
        for missing in ["/../Cargo.toml", "/pkg/", "/web/app.js", "//", "/app.js/", ""] {
            assert!(asset(missing).is_none(), "{missing}");
        }
    }
}
