#!/usr/bin/env bash
# Installs what building and testing Ghostchain needs, when missing: the Rust toolchain
# pieces named in rust-toolchain.toml, and the Debian packages the node's dependencies
# build with. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust with rustup first (https://rustup.rs)" >&2
    exit 1
fi
# The toolchain file names the wasm targets and rust-src; make sure they are present.
rustup toolchain install >/dev/null 2>&1 || true
installed_targets=$(rustup target list --installed)
for target in wasm32-unknown-unknown wasm32v1-none; do
    grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
installed_components=$(rustup component list --installed)
for component in rust-src clippy rustfmt; do
    grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done

missing=()
for pkg in protobuf-compiler clang libclang-dev pkg-config curl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
    else
        echo "please install: ${missing[*]}" >&2
        exit 1
    fi
fi
