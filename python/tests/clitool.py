"""The `normstab` command the tests compare the package with ($NORMSTAB)."""
import json
import os
import subprocess

import numpy as np

NORMSTAB = os.environ.get("NORMSTAB", "build/normstab")


def run(*args, stdin=None):
    """(exit status, stdout, stderr) of normstab ARGS."""
    p = subprocess.run([NORMSTAB] + list(args), input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def exact_rows(text):
    """Lines of %a numbers (eval's output) as float64 rows."""
    return [np.array([float.fromhex(t) for t in line.split()]) for line in text.splitlines()]


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line]


def same_bits(a, b):
    """a and b hold the same doubles, bit for bit (signed zeros included),
    NaN where the other has NaN: the command prints every NaN as "nan", so
    its sign and payload are not compared."""
    a, b = np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64)
    if a.shape != b.shape or not np.array_equal(np.isnan(a), np.isnan(b)):
        return False
    keep = ~np.isnan(a)
    return np.array_equal(a[keep].view(np.uint64), b[keep].view(np.uint64))


class SameMessages:
    """A test mixin: a call raises ValueError with the one-line message the
    command exits 2 with (without its "normstab: ")."""

    def same_message(self, cli_args, call, stdin="1 2\n"):
        status, _, err = run(*cli_args, stdin=stdin)
        self.assertEqual(status, 2)
        line = err.strip().splitlines()[-1]
        self.assertTrue(line.startswith("normstab: "), line)
        with self.assertRaises(ValueError) as cm:
            call()
        self.assertEqual(str(cm.exception), line[len("normstab: "):])
        return str(cm.exception)
