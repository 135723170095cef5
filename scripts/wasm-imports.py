#!/usr/bin/env python3
"""List a wasm module's imports (`module:name`, one a line) and fail on forbidden ones.

Usage: wasm-imports.py PATH.wasm [--forbid PREFIX]... A runtime may only import host
functions that every node offers: one built with benchmarking on imports
`ext_benchmarking_*`, which a production node lacks, so it could not be run there. Without
--forbid, `ext_benchmarking_` is forbidden. Exits 1 naming each import whose name starts
with a forbidden prefix."""
import argparse, pathlib, sys

# sp-maybe-compressed-blob's mark of a zstd-compressed code blob.
ZSTD_PREFIX = b"\x52\xbc\x53\x76\x46\xdb\x8e\x05"
IMPORT_SECTION = 2


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        if self.pos >= len(self.data):
            raise ValueError("the module ends in the middle of a section")
        self.pos += 1
        return self.data[self.pos - 1]

    def leb(self):
        value, shift = 0, 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value

    def name(self):
        n = self.leb()
        self.pos += n
        return self.data[self.pos - n:self.pos].decode("utf-8", "replace")

    def limits(self):
        flags = self.byte()
        self.leb()
        if flags & 1:
            self.leb()


def imports(data):
    """(module, name) of every import of a wasm binary."""
    if data[:4] != b"\0asm" or data[4:8] != b"\1\0\0\0":
        raise ValueError("this is not a wasm module (version 1)")
    r, out = Reader(data), []
    r.pos = 8
    while r.pos < len(data):
        section, size = r.byte(), r.leb()
        end = r.pos + size
        if section == IMPORT_SECTION:
            for _ in range(r.leb()):
                module, name, kind = r.name(), r.name(), r.byte()
                if kind == 0: r.leb()  # function: its type index
                elif kind == 1: r.byte(); r.limits()  # table: element type, limits
                elif kind == 2: r.limits()  # memory
                elif kind == 3: r.byte(); r.byte()  # global: value type, mutability
                elif kind == 4: r.byte(); r.leb()  # tag: attribute, type index
                else: raise ValueError(f"import {module}:{name} has an unknown kind {kind}")
                out.append((module, name))
        r.pos = end
    return out


def load(path):
    """The wasm bytes of PATH, or of the plain .wasm beside a compressed blob when this
    Python cannot decompress zstd (the standard library can from 3.14 only)."""
    data = path.read_bytes()
    if not data.startswith(ZSTD_PREFIX):
        return data
    try:
        from compression import zstd
        return zstd.decompress(data[len(ZSTD_PREFIX):])
    except ImportError:
        pass
    stem = path.name.removesuffix(".wasm").removesuffix(".compressed").removesuffix(".compact")
    for plain in (path.with_name(stem + ".compact.wasm"), path.with_name(stem + ".wasm")):
        if plain.is_file():
            print(f"note: {path.name} is zstd-compressed; reading {plain.name} beside it.", file=sys.stderr)
            return plain.read_bytes()
    sys.exit(f"{path} is zstd-compressed, this Python cannot decompress it, and no plain {stem}.wasm is beside it.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wasm", type=pathlib.Path)
    parser.add_argument("--forbid", action="append", metavar="PREFIX",
                        help="fail on imports whose name starts with PREFIX (repeatable; default ext_benchmarking_)")
    args = parser.parse_args()
    if not args.wasm.is_file():
        sys.exit(f"{args.wasm} does not exist: build the runtime first.")
    try:
        found = imports(load(args.wasm))
    except ValueError as e:
        sys.exit(f"{args.wasm} cannot be read: {e}.")
    forbidden = args.forbid or ["ext_benchmarking_"]
    bad = [(m, n) for m, n in found if any(n.startswith(p) for p in forbidden)]
    for m, n in found:
        print(f"{m}:{n}")
    for m, n in bad:
        print(f"forbidden import {m}:{n}: a node without that host function cannot run {args.wasm.name}.", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
