#!/usr/bin/env bash
# Installs what building and testing Ghostchain needs, when missing, and says what it found.
# Required: cargo, the `wasm32-unknown-unknown` target and `rust-src` (the runtime's wasm
# build), `protoc` and `clang` (the node's networking and database crates), `curl` (the main
# job), Node.js (the browser verifier's agreement test). Optional: Chromium and chromedriver
# (the browser test). Optional, used when present and never installed here: the `wasm32v1-none` target. Anything optional that
# cannot be installed is skipped with a line saying so; anything required that is missing
# after setup stops it with a message naming the package. Safe to run repeatedly.
set -uo pipefail
cd "$(dirname "$0")/.."

fail() { echo "setup: $*" >&2; exit 1; }
note() { echo "setup: $*"; }

command -v cargo >/dev/null 2>&1 || fail "cargo was not found; install Rust with rustup first (https://rustup.rs)."
command -v rustup >/dev/null 2>&1 || fail "rustup was not found; the wasm target and rust-src are installed through it."

# Rust: the toolchain file's channel; targets and components, each tried once if missing.
have_target() { rustup target list --installed 2>/dev/null | grep -qx "$1"; }
have_component() { rustup component list --installed 2>/dev/null | grep -q "^$1"; }
have_target wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
for component in rust-src clippy rustfmt; do
    have_component "$component" || rustup component add "$component" >/dev/null 2>&1 || true
done
have_target wasm32-unknown-unknown ||
    fail "the Rust target wasm32-unknown-unknown is missing and could not be installed (rustup target add wasm32-unknown-unknown); the runtime is built for it."
have_component rust-src ||
    fail "the Rust component rust-src is missing and could not be installed (rustup component add rust-src); the runtime's wasm build needs it."
for component in clippy rustfmt; do
    have_component "$component" || note "skipped: the Rust component $component could not be installed; the lint and format checks need it."
done
# Never installed here (it cannot be on every machine); used by the wasm builder when present.
have_target wasm32v1-none ||
    note "skipped: the Rust target wasm32v1-none is not installed; the runtime builds for wasm32-unknown-unknown instead."

# Debian packages: installed together when any is missing, then checked one by one.
install_packages() { # packages...
    if ! command -v apt-get >/dev/null 2>&1; then
        note "apt-get was not found; install these packages by hand: $*"
        return
    fi
    local SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    note "installing $*"
    $SUDO apt-get update -qq >/dev/null 2>&1 || note "apt-get update failed; trying the install with the package lists at hand."
    for pkg in "$@"; do
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
            note "could not install the Debian package $pkg."
    done
}
declare -A package_of=([protoc]=protobuf-compiler [clang]=clang [pkg-config]=pkg-config [curl]=curl)
missing=()
for tool in protoc clang pkg-config curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
((${#missing[@]} == 0)) || install_packages "${missing[@]}"
for tool in protoc clang curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        fail "$tool is missing (Debian package ${package_of[$tool]}); the build needs it."
done

# The browser verifier's tests: Node.js runs the wasm package against the runtime's
# verifier (required); headless Chromium and its WebDriver run the page (optional: the
# browser test says it skipped when they could not be installed).
browser_missing=()
command -v node >/dev/null 2>&1 || browser_missing+=(nodejs)
[ -x /usr/bin/chromium ] || browser_missing+=(chromium)
[ -x /usr/bin/chromedriver ] || browser_missing+=(chromium-driver)
((${#browser_missing[@]} == 0)) || install_packages "${browser_missing[@]}"
command -v node >/dev/null 2>&1 ||
    fail "node is missing (Debian package nodejs); the browser verifier's agreement test runs its wasm with it."
# ES modules with top-level await and wasm SIMD: Node.js 16.4 and later.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 16 ] ||
    fail "node $(node --version 2>/dev/null) is too old; the browser verifier's wasm needs Node.js 16 or later (wasm SIMD)."
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$tool" ] || note "skipped: $tool could not be installed (Debian packages chromium, chromium-driver); the browser test will say it skipped."
done
command -v pkg-config >/dev/null 2>&1 || note "skipped: pkg-config (not needed by the default build)."
exit 0
