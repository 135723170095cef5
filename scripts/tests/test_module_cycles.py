"""module-cycles.py fails on each circle fixture, naming the circle, and passes the acyclic one."""
import pathlib, subprocess, sys, unittest

HERE = pathlib.Path(__file__).parent
SCRIPT = HERE.parent / "module-cycles.py"


def run(fixture):
    return subprocess.run([sys.executable, SCRIPT, HERE / "fixtures" / fixture], capture_output=True, text=True)


class ModuleCycles(unittest.TestCase):
    def assert_circle(self, fixture, circle):
        result = run(fixture)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(circle, result.stdout)

    def test_bare_name_in_nested_braces_and_an_inline_path(self):
        self.assert_circle("cycle-braces", "cycle-braces (lib): a -> b -> a")

    def test_siblings_through_super_in_a_workspace(self):
        self.assert_circle("cycle-super", "inner (lib): outer::left -> outer::right -> outer::left")

    def test_inline_module_and_file_module(self):
        self.assert_circle("cycle-inline-module", "cycle-inline-module (lib): net -> store -> net")

    def test_acyclic_workspace_passes(self):
        # Names in tests, mocks, benchmarks, comments and strings, and between a module and
        # its own submodules or ancestors, would be circles if they counted.
        result = run("acyclic")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no import circle in the 4 targets", result.stdout)


if __name__ == "__main__":
    unittest.main()
