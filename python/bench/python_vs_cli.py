"""bench python_vs_cli (make bench-python): normstab.eval on a batch of
rows from NumPy against the same work in the command reading .npy, as a
ratio of times measured in the same run (each the minimum of REPEAT runs,
the two interleaved; the machine is shared).  The aim (issue 19): the
package within 1.5x of the command.

    python/bench/python_vs_cli.py NORMSTAB [ROWS N REPEAT]"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import normstab

NAME, POLICY = "softmax.shifted", "fp16-io"


def main():
    exe = sys.argv[1]
    rows, n, repeat = (int(a) for a in (sys.argv[2:5] if len(sys.argv) >= 5 else (10000, 512, 3)))
    x = np.random.default_rng(1).normal(0.0, 4.0, (rows, n)).astype(np.float16)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.npy")
        np.save(path, x)
        cli, py = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            with open(os.devnull, "w") as null:
                subprocess.run([exe, "eval", "-n", NAME, "-p", POLICY, "-i", path], stdout=null,
                               check=True)
            cli.append(time.perf_counter() - t)
            t = time.perf_counter()
            normstab.eval(NAME, x, POLICY)
            py.append(time.perf_counter() - t)
    ratio = min(py) / min(cli)
    print("python_vs_cli: %s %s, %d rows x %d: package %.3f s, command (.npy in, text out) "
          "%.3f s: ratio %.3f (aim: at most 1.5)" % (NAME, POLICY, rows, n, min(py), min(cli), ratio))


if __name__ == "__main__":
    main()
