"""library-prints.py names every print of a library and lets binaries, tests and docs print."""
import pathlib, subprocess, sys, unittest

HERE = pathlib.Path(__file__).parent
SCRIPT = HERE.parent / "library-prints.py"


def run(fixture):
    return subprocess.run([sys.executable, SCRIPT, HERE / "fixtures" / fixture], capture_output=True, text=True)


class LibraryPrints(unittest.TestCase):
    def test_a_library_that_prints_fails(self):
        result = run("prints-lib")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        named = [line.split(": ")[0] for line in result.stdout.splitlines()[:-1]]
        expected = ["src/lib.rs:6"] + [f"src/talk.rs:{n}" for n in range(5, 10)]
        self.assertEqual(named, expected)

    def test_prints_in_binaries_tests_and_docs_pass(self):
        result = run("quiet-lib")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("none of the 1 library crates prints", result.stdout)


if __name__ == "__main__":
    unittest.main()
