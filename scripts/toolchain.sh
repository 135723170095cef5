#!/usr/bin/env bash
# Prints the toolchain the build will use, so that a failed build says at once what it had.
set -uo pipefail
cd "$(dirname "$0")/.."
version() { command -v "$1" >/dev/null 2>&1 && "$@" 2>&1 | head -n 1 || echo "$1: not found"; }
echo "toolchain: $(version rustc --version); $(version cargo --version)"
echo "targets:   $(rustup target list --installed 2>/dev/null | tr '\n' ' ')"
echo "rust-src:  $(rustup component list --installed 2>/dev/null | grep -q '^rust-src' && echo installed || echo missing)"
echo "protoc:    $(version protoc --version)"
echo "clang:     $(version clang --version)"
echo "target dir: ${CARGO_TARGET_DIR:-<cargo default>}"
