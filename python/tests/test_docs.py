"""The worked example of docs/python.md runs as written."""
import contextlib
import io
import os
import re
import tempfile
import unittest

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "python.md")


class WorkedExample(unittest.TestCase):
    def test_the_worked_example_runs_and_prints_a_verdict_per_layer_and_head(self):
        with open(DOC) as f:
            blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
        self.assertEqual(len(blocks), 1)
        out = io.StringIO()
        here = os.getcwd()
        with tempfile.TemporaryDirectory() as d:
            os.chdir(d)
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(blocks[0], "docs/python.md", "exec"), {})
                self.assertTrue(os.path.exists("captured/00-layers.0.self_attn.npy"))
            finally:
                os.chdir(here)
        text = out.getvalue()
        self.assertEqual(len(re.findall(r"^layers\.[01]\.self_attn head [0-3]: ", text, re.M)), 8)
        self.assertIn("nan overflow expected", text)
        self.assertIn("torch kernel: 0 rows breaking the contract", text)


if __name__ == "__main__":
    unittest.main()
