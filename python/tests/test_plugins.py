"""Plugins in the package: normstab.load_plugin and NORMSTAB_PLUGINS give
the command's normalizers, bits and messages (the example plugins that
`make plugins` builds beside the command, BUILD/examples)."""
import os
import subprocess
import sys
import unittest

import numpy as np

import normstab
from clitool import NORMSTAB, SameMessages, exact_rows, run, same_bits

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(NORMSTAB)), "examples")
POLY4 = os.path.join(EXAMPLES, "poly4.so")


@unittest.skipUnless(os.path.exists(POLY4), "make plugins builds %s" % POLY4)
class Plugins(SameMessages, unittest.TestCase):
    def test_a_loaded_plugins_normalizer_gives_the_commands_bits(self):
        normstab.load_plugin(POLY4)
        normstab.load_plugin(POLY4)             # again: nothing
        x = np.random.default_rng(4).normal(0.0, 6.0, (5, 9))
        x[0, 0] = 17.0                          # 17^4 overflows fp16
        for name in ("poly4.naive", "poly4.scaled"):
            y, _ = normstab.eval(name, x, "fp16")
            rows = "\n".join(" ".join(v.hex() for v in r) for r in x) + "\n"
            status, out, err = run("eval", "--plugin", POLY4, "-n", name, "-p", "fp16", stdin=rows)
            self.assertEqual(status, 0, err)
            self.assertTrue(same_bits(y, np.array(exact_rows(out))), name)
        # x^4 / sum x^4 with 17^4 = 83521 > 65504: inf / inf in fp16
        self.assertTrue(np.isnan(normstab.eval("poly4.naive", x[0], "fp16")[0][0]))

    def test_a_missing_plugin(self):
        self.same_message(["eval", "--plugin", "no/such.so", "-n", "x", "-p", "fp16"],
                          lambda: normstab.load_plugin("no/such.so"))

    def test_normstab_plugins_is_read_at_import(self):
        env = dict(os.environ, NORMSTAB_PLUGINS=POLY4)
        code = ("import normstab; "
                "print(*[v.hex() for v in normstab.eval('poly4.scaled', [1.0, 2.0], 'fp32')[0]])")
        p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        # by hand: (1/2)^4 = 1/16 and 1, over 17/16: 1/17 and 16/17 in fp32
        want = (np.array([1, 16], dtype=np.float32) / np.float32(17)).astype(np.float64)
        self.assertEqual(p.stdout.split(), [v.hex() for v in want])


if __name__ == "__main__":
    unittest.main()
