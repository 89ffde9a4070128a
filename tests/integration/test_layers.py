"""scripts/check-layers.sh: passes on Lotsen's tree, and fails naming file:line and the
arrow when a copy of the tree gets an include against the layers, a private header from
another folder, a cycle between folders or a folder the table does not know."""
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "check-layers.sh")


def run(*args):
    p = subprocess.run(["sh", SCRIPT, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class LayersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        shutil.copytree(os.path.join(ROOT, "src"), os.path.join(self.root, "src"))

    def tearDown(self):
        self.tmp.cleanup()

    def add_include(self, rel, header):
        """Puts `#include "header"` after the first line of src/rel; returns its line number."""
        path = os.path.join(self.root, "src", rel)
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        lines.insert(1, f'#include "{header}"\n')
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
        return 2

    def test_real_tree_passes(self):
        rc, out = run()
        self.assertEqual(rc, 0, out)
        self.assertNotIn("not allowed", out)
        self.assertNotIn("cycle", out)

    def test_copy_of_tree_passes(self):
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 0, out)

    def test_engine_including_http_fails_naming_it(self):
        n = self.add_include("acd/acd.c", "http/http.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn(f"src/acd/acd.c:{n}: acd -> http is not allowed (http/http.h)", out)

    def test_base_including_store_fails(self):
        n = self.add_include("base/calendar.c", "store/db.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn(f"src/base/calendar.c:{n}: base -> store is not allowed", out)

    def test_upward_include_makes_a_cycle(self):
        # acdhost includes acd; the engine including the host closes a loop.
        self.add_include("acd/acd_util.c", "acdhost/acd_host.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("acd -> acdhost is not allowed", out)
        self.assertTrue(
            "cycle between folders: acd -> acdhost -> acd" in out
            or "cycle between folders: acdhost -> acd -> acdhost" in out,
            out,
        )

    def test_private_header_from_another_folder_fails(self):
        n = self.add_include("http/api_kb.c", "kb/kb_int.h")
        m = self.add_include("http/api_tel.c", "kb/kb_art.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn(f"src/http/api_kb.c:{n}: http includes the private header kb/kb_int.h", out)
        self.assertIn(f"src/http/api_tel.c:{m}: http includes the private header kb/kb_art.h", out)

    def test_private_header_in_its_own_folder_passes(self):
        self.add_include("kb/kb_diff.c", "kb/kb_art.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 0, out)

    def test_folder_missing_from_the_table_fails(self):
        os.mkdir(os.path.join(self.root, "src", "sms"))
        with open(os.path.join(self.root, "src", "sms", "sms.c"), "w", encoding="utf-8") as f:
            f.write('/* Text messages. */\n#include "base/log.h"\n')
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 1, out)
        self.assertIn("src/sms/sms.c: folder sms/ is not in the table", out)

    def test_main_may_include_every_module(self):
        self.add_include("main.c", "wfm/erlang.h")
        rc, out = run("--root", self.root)
        self.assertEqual(rc, 0, out)

    def test_table_is_printed(self):
        rc, out = run("--table")
        self.assertEqual(rc, 0, out)
        self.assertIn("acd: base\n", out)
        self.assertIn("base:\n", out)

    def test_bad_root_is_a_usage_error(self):
        rc, out = run("--root", os.path.join(self.root, "nowhere"))
        self.assertEqual(rc, 2, out)
        self.assertIn("no src/", out)


if __name__ == "__main__":
    unittest.main()
