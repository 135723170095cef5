#!/usr/bin/env python3
"""Report import circles between the modules of every crate of a workspace.

Usage: module-cycles.py ROOT, where ROOT holds a Cargo.toml with `[workspace] members` or a
single `[package]`. Each target's module tree is followed from its root file (src/lib.rs,
src/main.rs, src/bin/*) through `mod x;` (x.rs or x/mod.rs) and inline `mod x { }`.

A module depends on another when it names it: in a `use` tree (nested braces, `self`,
`super`, `pub(crate) use`) or in a path written inline (`crate::a::f()`, `super::b::T`).
An edge is counted between the two sibling modules that contain its ends (`a::x` naming
`b::y` is `a -> b`); a module naming its own submodules, or a submodule naming its
ancestors, is how Rust code is organised, not a circle. Test and bench code
(`#[cfg(test)]` modules, and tests.rs, mock.rs, benchmarking.rs) is left out: it is
compiled only for tests or benchmarks, and no module depends on it, so it may use
anything. Exits 1 when a circle is found, naming each with the imports that make it."""
import itertools, pathlib, re, sys, tomllib

# Test and bench code by name (pallets declare benchmarking.rs under a feature, not cfg(test)).
TEST_FILES = {"tests.rs", "mock.rs", "benchmarking.rs"}
TOKEN = re.compile(r"""//[^\n]*|/\*|(?<!\w)b?r(?P<raw>\#*)"|(?<!\w)b?"(?:\\.|[^"\\])*"
    |(?<!\w)b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]+\}|.)|[^\\'\n])'""", re.X | re.S)
ATTRS = r"(?P<attrs>(?:\#\s*\[(?:[^\[\]]|\[[^\[\]]*\])*\]\s*)*)"
MOD = re.compile(ATTRS + r"(?:pub\s*(?:\([^()]*\))?\s*)?\bmod\s+(?:r\#)?(?P<name>\w+)\s*(?P<end>[;{])")
TEST_CFG = re.compile(r"#\s*\[\s*cfg\s*\(\s*(?:all\s*\(\s*)?test\b")
USE = re.compile(r"(?<![\w$])use\s+([^;]*);")
INLINE = re.compile(r"(?<!\w)\$?(?:crate|self|super)(?:\s*::\s*\w+)+")
VISIBILITY_IN = re.compile(r"\bpub\s*\(\s*in\s[^)]*\)")  # names a module without using it
TEST_USE = re.compile(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]\s*(?:pub\s*(?:\([^()]*\))?\s*)?use\s[^;]*;")


def blank(s):
    return re.sub(r"[^\n]", " ", s)


def clean(text):
    """Blanks comments, strings and char literals (keeping every offset and line), so that
    what is left is code: a doc comment naming `crate::a` does not import it."""
    out, i = [], 0
    while m := TOKEN.search(text, i):
        end = m.end()
        if m.group() == "/*":  # block comments nest
            depth = 1
            while depth and end < len(text):
                if text.startswith("/*", end): depth, end = depth + 1, end + 2
                elif text.startswith("*/", end): depth, end = depth - 1, end + 2
                else: end += 1
        elif m.group("raw") is not None:
            close = text.find('"' + m.group("raw"), end)
            end = len(text) if close < 0 else close + 1 + len(m.group("raw"))
        out += [text[i:m.start()], blank(text[m.start():end])]
        i = end
    return "".join(out + [text[i:]])


class Module:
    def __init__(self, path, file, text, test):
        self.path, self.file, self.text, self.test = path, file, text, test


def walk(root_file, test_files=TEST_FILES):
    """Every module of the tree rooted at `root_file`, test ones flagged: its path (a tuple,
    () for the root), its file, and its own code (that of its inline submodules blanked)."""
    out = []

    def visit(path, file, text, start, end, child_dir, test):
        depth = list(itertools.accumulate(((c == "{") - (c == "}") for c in text), initial=0))
        own = [blank(text[:start]), text[start:end], blank(text[end:])]
        body, cut = [], start  # the region, with inline submodules cut out
        for m in MOD.finditer(text, start, end):
            if m.start() < cut or depth[m.start("name")] != depth[start]:
                continue  # inside a submodule already cut, or in a function or macro body
            name, is_test = m.group("name"), test or bool(TEST_CFG.search(m.group("attrs")))
            if m.group("end") == "{":
                close = m.end()
                while close < end and not (text[close] == "}" and depth[close] == depth[start] + 1):
                    close += 1
                visit((*path, name), file, text, m.end(), close, child_dir / name, is_test)
                body += [text[cut:m.end()], blank(text[m.end():close])]
                cut = close
            else:
                found = [f for f in (child_dir / f"{name}.rs", child_dir / name / "mod.rs") if f.is_file()]
                if not found:
                    print(f"warning: {file}: `mod {name};` has no {name}.rs or {name}/mod.rs beside it; skipped.", file=sys.stderr)
                    continue
                child = found[0]
                child_text = clean(child.read_text(encoding="utf-8", errors="replace"))
                visit((*path, name), child, child_text, 0, len(child_text), child_dir / name,
                      is_test or f"{name}.rs" in test_files)
        own[1] = "".join(body + [text[cut:end]])
        out.append(Module(path, file, "".join(own), test))

    text = clean(root_file.read_text(encoding="utf-8", errors="replace"))
    visit((), root_file, text, 0, len(text), root_file.parent, False)
    return out


def crates(root):
    """(name, dir) of each crate: the workspace members (globs allowed) or the package."""
    manifest = tomllib.loads((root / "Cargo.toml").read_text())
    dirs = [] if "package" not in manifest else [root]
    workspace = manifest.get("workspace", {})
    excluded = {(root / e).resolve() for e in workspace.get("exclude", [])}
    for pattern in workspace.get("members", []):
        found = [d for d in sorted(root.glob(pattern)) if (d / "Cargo.toml").is_file()]
        if not found:
            print(f"warning: workspace member `{pattern}` has no Cargo.toml; skipped.", file=sys.stderr)
        dirs += [d for d in found if d.resolve() not in excluded and d not in dirs]
    for d in dirs:
        package = tomllib.loads((d / "Cargo.toml").read_text()).get("package", {})
        yield package.get("name", d.name), d


def targets(crate_dir):
    """(kind, root file) of each target whose module tree lives under src/."""
    src = crate_dir / "src"
    roots = [("lib", src / "lib.rs"), ("bin", src / "main.rs")]
    roots += [(f"bin {f.stem}", f) for f in sorted((src / "bin").glob("*.rs"))]
    roots += [(f"bin {f.parent.name}", f) for f in sorted((src / "bin").glob("*/main.rs"))]
    return [(kind, f) for kind, f in roots if f.is_file()]


def use_paths(tree):
    """`crate::{a, b::{c, d as e}}` -> [crate a], [crate b c], [crate b d]."""
    tokens, pos = re.findall(r"::|[{},*]|\$?\w+", tree), 0
    if tokens[:1] == ["::"]:
        return []  # `use ::name` is another crate

    def parse(prefix):
        nonlocal pos
        path = list(prefix)
        while pos < len(tokens) and tokens[pos] not in (",", "}"):
            token = tokens[pos]
            pos += 1
            if token == "{":
                out = []
                while pos < len(tokens) and tokens[pos] != "}":
                    out += parse(path)
                    pos += tokens[pos:pos + 1] == [","]
                pos += 1
                return out
            if token == "as":
                pos += 1  # the alias
            elif token not in ("::", "*"):
                path.append(token)
        return [path]

    return parse([])


def references(module):
    """(line, path segments) of every path in the module's code that may name a module."""
    text = module.text
    for ignored in (VISIBILITY_IN, TEST_USE):  # `#[cfg(test)] use` is test code too
        text = ignored.sub(lambda m: blank(m.group()), text)
    line = lambda pos: text.count("\n", 0, pos) + 1
    for m in USE.finditer(text):
        for path in use_paths(m.group(1)):
            yield line(m.start()), path
    for m in INLINE.finditer(text):
        yield line(m.start()), re.split(r"\s*::\s*", m.group())


def resolve(segments, here, tree):
    """The deepest module that a path names, or None when it leaves the crate."""
    base, rest = list(here), list(segments)
    if not rest:
        return None
    if rest[0] in ("crate", "$crate"):
        base, rest = [], rest[1:]
    elif rest[0] == "self":
        rest = rest[1:]
    elif rest[0] == "super":
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif (*here, rest[0]) not in tree:
        return None  # another crate (or a name some other `use` brought in)
    for s in rest:
        if (*base, s) not in tree:
            break
        base.append(s)
    return tuple(base)


def sibling_edge(source, target):
    """The edge between the children of the modules' closest common ancestor, or None
    when one module contains the other."""
    k = 0
    while k < min(len(source), len(target)) and source[k] == target[k]:
        k += 1
    return None if k == min(len(source), len(target)) else (source[:k + 1], target[:k + 1])


def circles(edges, limit=50):
    """Every elementary circle (up to `limit`), each starting at its smallest module."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    out = []

    def visit(start, path):
        for n in sorted(graph.get(path[-1], ())):
            if n == start:
                out.append(path + [start])
            elif n > start and n not in path and len(out) < limit:
                visit(start, path + [n])

    for start in sorted(graph):
        visit(start, [start])
    return out[:limit]


def check(root):
    bad, count = False, 0
    for name, crate_dir in crates(root):
        for kind, root_file in targets(crate_dir):
            count += 1
            modules = [m for m in walk(root_file) if not m.test]
            tree = {m.path for m in modules}
            edges = {}
            for m in modules:
                for line, segments in references(m):
                    target = resolve(segments, m.path, tree)
                    edge = target is not None and sibling_edge(m.path, target)
                    if edge and edge not in edges:
                        where = m.file.relative_to(root) if m.file.is_relative_to(root) else m.file
                        edges[edge] = f"{where}:{line} names {'::'.join(segments)}"
            for circle in circles(edges):
                bad = True
                print(f"{name} ({kind}): " + " -> ".join("::".join(p) for p in circle))
                for a, b in zip(circle, circle[1:]):
                    print(f"    {edges[a, b]}")
    if bad:
        print("Import circles found: break each by moving what both sides need into a module of its own.")
    else:
        print(f"module-cycles: no import circle in the {count} targets checked.")
    return 1 if bad else 0


if __name__ == "__main__":
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    if not (root / "Cargo.toml").is_file():
        sys.exit(f"{root} has no Cargo.toml: give the workspace root or a crate's directory.")
    sys.exit(check(root))
