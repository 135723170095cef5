#!/usr/bin/env python3
"""Check what docs/ARCHITECTURE.md says that a script can check.

Usage: architecture.py ROOT. Fails (exit 1, one line a breach) when
* a path the document names does not exist: every backticked path under a top-level
  folder of the repository, and every backticked file name (`store.rs`, `tune/`) in the
  bullets of a section headed by a crate's folder, resolved in that crate's src/;
* a crate depends on what the document says it knows nothing of (DEPENDENCY_RULES):
  the rules are the document's invariants, restated here as data.
"""
import pathlib, re, sys, tomllib

# crate folder -> dependencies it must not have (any table: normal, dev, build), and
# dependencies it may have only as optional ones.
DEPENDENCY_RULES = {
    "crates/model": {"forbidden": {"subxt", "subxt-signer", "tokio", "jsonrpsee", "ghost-client", "ghost-prover", "ghost-cli"}},
    "crates/client": {"forbidden": {"ghost-prover", "ghost-model", "ghost-cli"}},
    "crates/prover": {"forbidden": {"ghost-cli", "ghost-ui"}},
    "crates/chaos": {"forbidden": {"ghost-prover", "ghost-model", "ghost-cli", "ghost-testkit"}},
    # What the browser links builds for wasm: no runtime, no network, no chain client.
    "crates/wire": {"forbidden": {"tokio", "jsonrpsee", "subxt", "subxt-signer", "anyhow", "ghost-client", "ghost-prover", "ghost-model", "ghost-cli"}},
    "crates/verify-js": {"forbidden": {"tokio", "jsonrpsee", "subxt", "subxt-signer", "ghost-client", "ghost-prover", "ghost-model", "ghost-cli"}},
    "crates/ui": {"forbidden": {"ghost-prover", "ghost-client", "ghost-cli", "tokio", "jsonrpsee"}},
    "primitives": {"forbidden": {"tokio", "serde", "jsonrpsee", "subxt", "polkadot-sdk"}, "optional": {"clap"}},
}
# Off-chain crates know the chain only through its metadata.
ON_CHAIN = {"ghost-runtime", "ghost-runtime-api", "pallet-mutual-credit", "pallet-ghost-registry", "pallet-inference", "pallet-channels", "ghost-node"}
OFF_CHAIN = ["crates/model", "crates/client", "crates/prover", "crates/cli", "crates/testkit", "crates/chaos", "crates/wire", "crates/verify-js", "crates/ui"]

PATH = re.compile(r"`([A-Za-z0-9_.\-/]+)`")
HEADING = re.compile(r"^###\s+`([A-Za-z0-9_.\-/]+)/`")


def dependencies(manifest):
    """Every dependency of a Cargo.toml, by name, with whether it is optional."""
    data = tomllib.loads(manifest.read_text())
    found = {}
    for table in ("dependencies", "dev-dependencies", "build-dependencies"):
        for name, spec in data.get(table, {}).items():
            optional = isinstance(spec, dict) and spec.get("optional", False)
            found[name] = found.get(name, True) and optional
    return found


def check_paths(root, doc):
    tops = {p.name for p in root.iterdir() if not p.name.startswith(".") or p.name == ".maintain"}
    breaches, section = [], None
    for number, line in enumerate(doc.read_text().splitlines(), 1):
        heading = HEADING.match(line)
        if heading:
            section = root / heading.group(1)
            continue
        if line.startswith("#"):
            section = None
        for name in PATH.findall(line):
            target = None
            if "/" in name and name.split("/")[0] in tops:
                target = root / name
            elif section and line.lstrip().startswith("*") and re.fullmatch(r"[a-z_]+(\.rs|/)", name):
                target = section / "src" / name
            if target is not None and not target.exists():
                breaches.append(f"{doc.name}:{number}: `{name}` does not exist ({target.relative_to(root)})")
    return breaches


def check_dependencies(root):
    breaches = []
    for folder, rule in DEPENDENCY_RULES.items():
        deps = dependencies(root / folder / "Cargo.toml")
        for name in sorted(rule.get("forbidden", set()) & deps.keys()):
            breaches.append(f"{folder} depends on {name}, which ARCHITECTURE.md says it knows nothing of")
        for name in sorted(rule.get("optional", set()) & deps.keys()):
            if not deps[name]:
                breaches.append(f"{folder} depends on {name} without making it optional")
    for folder in OFF_CHAIN:
        manifest = root / folder / "Cargo.toml"
        if manifest.exists():
            for name in sorted(ON_CHAIN & dependencies(manifest).keys()):
                breaches.append(f"{folder} depends on the on-chain crate {name}: off chain, the chain is its metadata")
    return breaches


def main(argv):
    if len(argv) != 2:
        print("usage: architecture.py ROOT", file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1]).resolve()
    breaches = check_paths(root, root / "docs" / "ARCHITECTURE.md") + check_dependencies(root)
    for breach in breaches:
        print(breach, file=sys.stderr)
    if breaches:
        return 1
    print("architecture: every path ARCHITECTURE.md names exists, and every crate keeps its dependency rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
