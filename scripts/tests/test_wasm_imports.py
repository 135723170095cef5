"""wasm-imports.py lists a hand-built module's imports and fails on a forbidden one."""
import pathlib, subprocess, sys, tempfile, unittest

SCRIPT = pathlib.Path(__file__).parent.parent / "wasm-imports.py"
IMPORTS = [("env", "ext_benchmarking_proof_size_version_1"), ("env", "ext_storage_get_version_1")]


def leb(n):
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def name(s):
    return leb(len(s)) + s.encode()


def section(section_id, payload):
    return bytes([section_id]) + leb(len(payload)) + payload


def module():
    types = leb(1) + b"\x60" + leb(1) + b"\x7f" + leb(1) + b"\x7e"  # (i32) -> i64
    imports = leb(len(IMPORTS)) + b"".join(name(m) + name(n) + b"\x00" + leb(0) for m, n in IMPORTS)
    return b"\0asm" + b"\1\0\0\0" + section(1, types) + section(2, imports)


class WasmImports(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.wasm = pathlib.Path(self.dir.name) / "ghost_runtime.wasm"
        self.wasm.write_bytes(module())

    def tearDown(self):
        self.dir.cleanup()

    def run_script(self, *args, path=None):
        return subprocess.run([sys.executable, SCRIPT, path or self.wasm, *args], capture_output=True, text=True)

    def test_lists_imports_and_forbids_benchmarking_by_default(self):
        result = self.run_script()
        self.assertEqual(result.stdout.splitlines(), [f"{m}:{n}" for m, n in IMPORTS])
        self.assertEqual(result.returncode, 1)
        self.assertIn("env:ext_benchmarking_proof_size_version_1", result.stderr)
        self.assertNotIn("ext_storage_get", result.stderr)

    def test_forbid_is_repeatable_and_replaces_the_default(self):
        self.assertEqual(self.run_script("--forbid", "ext_offchain_").returncode, 0)
        result = self.run_script("--forbid", "ext_offchain_", "--forbid", "ext_storage_")
        self.assertEqual(result.returncode, 1)
        self.assertIn("env:ext_storage_get_version_1", result.stderr)

    def test_compressed_blob_falls_back_to_the_plain_wasm_beside_it(self):
        try:
            from compression import zstd  # noqa: F401  (Python 3.14+ would really decompress)
            self.skipTest("this Python decompresses zstd itself")
        except ImportError:
            pass
        compressed = self.wasm.with_name("ghost_runtime.compact.compressed.wasm")
        compressed.write_bytes(b"\x52\xbc\x53\x76\x46\xdb\x8e\x05" + b"not really zstd")
        result = self.run_script(path=compressed)
        self.assertEqual(result.stdout.splitlines(), [f"{m}:{n}" for m, n in IMPORTS])

    def test_not_wasm_is_an_error(self):
        self.wasm.write_bytes(b"hello")
        result = self.run_script()
        self.assertEqual(result.returncode, 1)
        self.assertIn("not a wasm module", result.stderr)


if __name__ == "__main__":
    unittest.main()
