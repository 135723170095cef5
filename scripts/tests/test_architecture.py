"""architecture.py fails on a path the document names that is gone, and on a crate that
depends on what the document says it knows nothing of."""
import pathlib, shutil, subprocess, sys, tempfile, unittest

HERE = pathlib.Path(__file__).parent
SCRIPT = HERE.parent / "architecture.py"
ROOT = HERE.parent.parent


def run(root):
    return subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)


class Architecture(unittest.TestCase):
    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        # The real manifests and document, copied: the check passes on them.
        for folder in ["crates/model", "crates/client", "crates/prover", "crates/cli", "crates/testkit", "crates/chaos", "crates/wire", "crates/verify-js", "crates/ui", "primitives"]:
            (self.tmp / folder).mkdir(parents=True)
            shutil.copy(ROOT / folder / "Cargo.toml", self.tmp / folder / "Cargo.toml")
        (self.tmp / "docs").mkdir()
        (self.tmp / "docs" / "ARCHITECTURE.md").write_text("### `crates/model/` — x\n\n* `store.rs` — the store.\n")
        (self.tmp / "crates" / "model" / "src").mkdir()
        (self.tmp / "crates" / "model" / "src" / "store.rs").write_text("")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_the_copy_passes(self):
        result = run(self.tmp)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_a_named_file_that_is_gone_fails(self):
        (self.tmp / "crates" / "model" / "src" / "store.rs").unlink()
        result = run(self.tmp)
        self.assertEqual(result.returncode, 1)
        self.assertIn("`store.rs` does not exist", result.stderr)

    def test_a_forbidden_dependency_fails(self):
        manifest = self.tmp / "crates" / "model" / "Cargo.toml"
        manifest.write_text(manifest.read_text().replace("[dependencies]\n", "[dependencies]\ntokio = \"1\"\n"))
        result = run(self.tmp)
        self.assertEqual(result.returncode, 1)
        self.assertIn("crates/model depends on tokio", result.stderr)

    def test_an_off_chain_crate_on_a_pallet_fails(self):
        manifest = self.tmp / "crates" / "client" / "Cargo.toml"
        manifest.write_text(manifest.read_text().replace("[dependencies]\n", "[dependencies]\npallet-inference = \"1\"\n"))
        result = run(self.tmp)
        self.assertEqual(result.returncode, 1)
        self.assertIn("on-chain crate pallet-inference", result.stderr)


if __name__ == "__main__":
    unittest.main()
