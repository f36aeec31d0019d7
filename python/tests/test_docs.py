"""The worked examples of docs/python.md run as written."""
import contextlib
import io
import os
import re
import tempfile
import unittest

import torch  # noqa: F401  the model example needs it; run.py runs this module only with torch

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "python.md")


def run_blocks():
    """Every ```python block of the page, in order, each in a namespace of
    its own, in a fresh directory: what they print."""
    with open(DOC) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    out = io.StringIO()
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            with contextlib.redirect_stdout(out):
                for i, block in enumerate(blocks):
                    exec(compile(block, "docs/python.md block %d" % (i + 1), "exec"), {})
            saved = os.path.exists("captured/00-layers.0.self_attn.npy")
        finally:
            os.chdir(here)
    return len(blocks), out.getvalue(), saved


class WorkedExamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.blocks, cls.text, cls.saved = run_blocks()

    def test_the_page_has_its_two_examples(self):
        self.assertEqual(self.blocks, 2)

    def test_the_model_example_prints_a_verdict_per_layer_and_head_and_saves_the_logits(self):
        self.assertEqual(len(re.findall(r"^layers\.[01]\.self_attn head [0-3]: ", self.text, re.M)), 8)
        self.assertTrue(self.saved)

    def test_the_model_example_measures_the_kernel_forward_and_backward(self):
        self.assertRegex(self.text, r"torch kernel: worst [0-9.e-]+ ulps, gradient [0-9.e-]+ ulps")

    def test_the_searches_find_the_naive_overflow_and_nothing_broken_in_torch(self):
        self.assertIn("nan overflow expected", self.text)
        self.assertIn("torch kernel: 0 rows breaking the contract", self.text)

    def test_the_formula_and_attention_example_runs(self):
        # e^x of a naive fp16 softmax overflows past ln(65504): a formula
        # declares no hazard, so its NaN is broken
        self.assertIn("formula: nan overflow broken", self.text)
        self.assertRegex(self.text, r"relu2: \[")
        self.assertRegex(self.text, r"flash: (kept|expected|broken) O worst")
        self.assertIn("flash finding: nan score overflow expected", self.text)


if __name__ == "__main__":
    unittest.main()
