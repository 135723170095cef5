#!/usr/bin/env python3
"""Fail when a library crate of the workspace writes to stdout or stderr.

Usage: library-prints.py ROOT (a workspace root or a crate's directory). Libraries report
through `tracing`, so that the program embedding them decides what is shown and where; only
binaries print. Looked for: `println!`, `print!`, `eprintln!`, `eprint!`, `dbg!` and
`stdout()` calls, in code (comments and strings do not count) of every crate that has a
src/lib.rs. Left out: the binaries' code (src/main.rs, src/bin/ and the modules only they
declare), `#[cfg(test)]` modules and files named tests.rs. Exits 1 naming each file:line."""
import importlib.util, pathlib, re, sys

# The crate discovery, the Rust cleaner and the module walk are module-cycles.py's.
spec = importlib.util.spec_from_file_location("module_cycles", pathlib.Path(__file__).with_name("module-cycles.py"))
rust = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rust)

PRINT = re.compile(r"\b(?:e?print(?:ln)?|dbg)\s*!|\b(?:std\s*::\s*)?(?:io\s*::\s*)?stdout\s*\(")
# A method (`Command::new(..).stdout(..)`) or a function of one's own is not the process's stdout.
NOT_STDOUT = re.compile(r"(?:\.|\bfn)\s*$")
TEST_FILES = {"tests.rs"}


def library_modules(crate_dir):
    """The non-test modules of the library: those its src/lib.rs declares, and any source
    file no target declares (such as one reached through `#[path]`), which is scanned as is
    so that nothing escapes."""
    src, declared, out = crate_dir / "src", set(), []
    for kind, root_file in rust.targets(crate_dir):
        modules = rust.walk(root_file, TEST_FILES)
        declared |= {m.file for m in modules}
        if kind == "lib":
            out += [m for m in modules if not m.test]
    for f in sorted(src.rglob("*.rs")):
        binary = f == src / "main.rs" or f.relative_to(src).parts[0] == "bin"
        if f not in declared and f.name not in TEST_FILES and not binary:
            out += [m for m in rust.walk(f, TEST_FILES) if not m.test]
    return out


def check(root):
    found, count = [], 0
    for name, crate_dir in rust.crates(root):
        if not (crate_dir / "src" / "lib.rs").is_file():
            continue  # a pure binary: printing is its job
        count += 1
        for m in library_modules(crate_dir):
            for hit in PRINT.finditer(m.text):
                if hit.group().startswith("stdout") and NOT_STDOUT.search(m.text, max(0, hit.start() - 100), hit.start()):
                    continue
                line, what = m.text.count("\n", 0, hit.start()) + 1, re.sub(r"\s+|\($", "", hit.group())
                where = m.file.relative_to(root) if m.file.is_relative_to(root) else m.file
                found.append((str(where), line, f"{where}:{line}: `{what}{'()' if what.endswith('stdout') else ''}` in library {name}"))
    for *_, message in sorted(found):
        print(message)
    if found:
        print(f"{len(found)} prints in library code: libraries log through `tracing` and leave printing to binaries.")
        return 1
    print(f"library-prints: none of the {count} library crates prints.")
    return 0


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    if not (root / "Cargo.toml").is_file():
        sys.exit(f"{root} has no Cargo.toml: give the workspace root or a crate's directory.")
    sys.exit(check(root))
