#!/usr/bin/env python3
"""Report import circles between the top-level modules of each crate.

A module `a` depends on `b` when `a.rs` names `crate::b` (in a `use` or a path) or, in
`use crate::{...}` groups, `b::`. Tests (`#[cfg(test)] mod tests` and everything after
it) are ignored: a test may use anything. Exits 1 when a crate has a circle."""
import pathlib, re, sys

def deps(text, modules):
    text = text.split("#[cfg(test)]\nmod tests")[0]
    # Comments (and intra-doc links) name modules without importing them.
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
    found = set()
    for m in re.finditer(r"crate::(\w+)", text):
        found.add(m.group(1))
    for m in re.finditer(r"use crate::\{(.*?)\};", text, re.S):
        for n in re.finditer(r"(?:^|[\s,{])(\w+)::", m.group(1)):
            found.add(n.group(1))
    return {d for d in found if d in modules}

def cycles(graph):
    seen, stack, out = set(), [], []
    def visit(n):
        if n in stack:
            out.append(stack[stack.index(n):] + [n]); return
        if n in seen: return
        seen.add(n); stack.append(n)
        for d in sorted(graph[n]): visit(d)
        stack.pop()
    for n in sorted(graph): visit(n)
    return out

bad = False
root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
for src in sorted(root.glob("**/src")):
    if "target" in src.parts or not src.is_dir(): continue
    files = {p.stem: p for p in src.glob("*.rs") if p.stem not in ("lib", "main")}
    graph = {m: deps(p.read_text(), files) - {m} for m, p in files.items()}
    for c in cycles(graph):
        bad = True
        print(f"{src.parent.name}: " + " -> ".join(c))
sys.exit(1 if bad else 0)
