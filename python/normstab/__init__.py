"""normstab from Python: the normalizers run in emulated formats, compared
with the certified reference, through the same C library as the `normstab`
command (SPEC section 9, docs/python.md).

Arrays in: one row (1-D) or rows (2-D) of float16, float32, float64, or
bfloat16 given as its bits in uint16.  Numbers out: float64.  Errors are
ValueError with the command line's one-line message."""
import math

import numpy as np

from . import _lib

__all__ = ["eval", "reference", "check", "search", "as_float64"]

_EXACT_FIELDS = ("x", "y", "y_ref", "g", "dx", "dx_ref")


def as_float64(a, what="x"):
    """a as float64 (exactly: every format named above is a subset), C order.
    uint16 is read as the bits of bfloat16."""
    a = np.asarray(a)
    if a.dtype == np.uint16:
        a = (a.astype(np.uint32) << 16).view(np.float32)
    if a.dtype not in (np.float16, np.float32, np.float64):
        raise ValueError("%s: dtype %s: expected float16, float32, float64 or uint16 (bfloat16 bits)"
                         % (what, a.dtype))
    return np.ascontiguousarray(a, dtype=np.float64)


def _rows(x, g):
    """x (and g) as 2-D float64 rows, and whether x was one row."""
    x = as_float64(x, "x")
    if x.ndim not in (1, 2):
        raise ValueError("x: %d dimensions: expected one row (1-D) or rows (2-D)" % x.ndim)
    one = x.ndim == 1
    x2 = x.reshape(1, -1) if one else x
    if x2.shape[1] == 0:
        raise ValueError("x: rows of 0 numbers")
    g2 = None
    if g is not None:
        g2 = as_float64(g, "g")
        if g2.shape != x.shape:
            raise ValueError("g: shape %s, x has %s" % (g2.shape, x.shape))
        g2 = g2.reshape(x2.shape)
    return x2, g2, one


def _options(name, policy, sum="seq", params=None):
    args = ["-n", str(name), "-p", str(policy), "--sum", str(sum)]
    for key, value in (params or {}).items():
        args += ["--param", "%s=%s" % (key, repr(float(value)))]
    return args


def eval(name, x, policy, g=None, sum="seq", params=None):
    """(y, dx) of normalizer `name` in `policy` (a name or in=…,work=…,acc=…,
    out=…) with summation order `sum`, as `normstab eval` computes them; dx
    (J^T g) is None without g.  Inputs are first rounded into the policy's
    input format; policy 'ref' gives the reference rounded to binary64."""
    x2, g2, one = _rows(x, g)
    y, dx = _lib.eval_rows(_options(name, policy, sum, params), x2, g2)
    if one:
        y = y[0]
        dx = None if dx is None else dx[0]
    return y, dx


def reference(name, x, g=None, params=None):
    """(y, dx) of the reference: the exact values correctly rounded to binary64."""
    return eval(name, x, "ref", g=g, params=params)


def _exact_arrays(d):
    for key in _EXACT_FIELDS:
        if key in d:
            d[key] = np.array([float.fromhex(s) for s in d[key]], dtype=np.float64)
    return d


def check(name, x, policy, g=None, sum="seq", params=None, seed=1):
    """What `normstab check --json` says about each row: a dict (a list of
    dicts for 2-D x) with the row, the outputs and the reference (as float64
    arrays), ulps, the verdict ('kept', 'expected', 'broken'), the promises
    that failed and the metrics.  Without g, row r's upstream gradient is
    N(0,1) from seed + r, as in the command."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError("check: --seed '%s' is not a non-negative integer" % (seed,))
    x2, g2, one = _rows(x, g)
    out = [_exact_arrays(d) for d in _lib.check_rows(_options(name, policy, sum, params), x2, g2, seed)]
    return out[0] if one else out


def _count(what, v):
    if not isinstance(v, int) or v < 0:
        raise ValueError("search: %s '%s': expected a non-negative integer" % (what, v))
    return v


def search(name, policy, objective="all", sum="seq", params=None, evals=None, seconds=None,
           seed=1, strategy="evolve", finite=False, max_n=None, _kernel=None):
    """The findings of `normstab search` as dicts (the fields of its JSON,
    x and g as float64 arrays): rows on which `name` in `policy` breaks a
    promise, each confirmed against the MPFR reference and minimized.  With
    evals (and no seconds) the result depends only on the seed."""
    evals = _count("--evals", evals) if evals is not None else 0
    if evals == 0 and seconds is None:
        seconds = 10.0
    seconds = float(seconds or 0.0)
    if not (seconds >= 0) or math.isinf(seconds):
        raise ValueError("search: --seconds '%s': expected a non-negative number" % seconds)
    if max_n is not None and (_count("--max-n", max_n) < 1):
        raise ValueError("search: --max-n %s: expected 1 to 4096" % max_n)
    findings, _ = _lib.search(_options(name, policy, sum, params), objective, strategy,
                              _count("--seed", seed), evals, seconds, finite, max_n or 0,
                              kernel=_kernel)
    for f in findings:
        for key in ("x", "g"):
            if key in f:
                f[key] = np.array([float.fromhex(s) for s in f[key]], dtype=np.float64)
    return findings
