"""normstab from Python: the normalizers run in emulated formats, compared
with the certified reference, through the same C library as the `normstab`
command (SPEC section 9, docs/python.md).

Arrays in: one row (1-D) or rows (2-D) of float16, float32, float64, or
bfloat16 given as its bits in uint16.  Numbers out: float64.  Errors are
ValueError with the command line's one-line message."""
import math
import threading

import numpy as np

from . import _lib

__all__ = ["eval", "reference", "check", "search", "define", "load_plugin", "attention",
           "attention_search", "as_float64"]

_lib.load_plugins_env()     # NORMSTAB_PLUGINS, then NORMSTAB_FORMULAS, as the command reads them
_lib.define_env()

# formula='EXPR': each expression is defined once, under a name of its own
# ("formula.1", ...), and its results are named "formula" as the command's
# --formula names them.
_formulas = {}
_formulas_lock = threading.Lock()


def define(name, expr):
    """Defines the formula expr (SPEC section 8, docs/formulas.md: an
    expression in x, n, numbers and parameters, "EXPR; p = 3" declaring p)
    under name, as `--define NAME='EXPR'` does: every function then takes
    name as it takes a catalogue algorithm.  A formula that cannot be read
    raises ValueError with the command's message, naming the column."""
    _lib.define(str(name), str(expr), anonymous=False)


def load_plugin(path):
    """Loads the plugin (a shared library, docs/plugins.md) at path, as the
    command's --plugin PATH: its normalizers are then taken by name like
    the built-in ones.  Loading one library again does nothing.  A plugin
    that cannot be loaded raises ValueError with the command's message."""
    _lib.load_plugin(path)


def _named(name, formula, what):
    """The catalogue name for name or formula='EXPR' (defined on first use)."""
    if formula is None:
        if name is None:
            raise ValueError("%s: -n NAME is needed (or formula='EXPR')" % what)
        return name
    if name is not None:
        raise ValueError("%s: give a name or formula='EXPR', not both" % what)
    formula = str(formula)
    with _formulas_lock:
        if formula not in _formulas:
            internal = "formula.%d" % (len(_formulas) + 1)
            _lib.define(internal, formula, anonymous=True)
            _formulas[formula] = internal
        return _formulas[formula]


def _as_command_names(objs, internal):
    """The results of formula='EXPR' named "formula", as the command names them."""
    for d in objs:
        if d.get("normalizer") == internal:
            d["normalizer"] = "formula"
    return objs

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


def eval(name=None, x=None, policy=None, g=None, sum="seq", params=None, formula=None):
    """(y, dx) of normalizer `name` (or of formula='EXPR') in `policy` (a
    name or in=…,work=…,acc=…,out=…) with summation order `sum`, as `normstab
    eval` computes them; dx (J^T g) is None without g.  Inputs are first
    rounded into the policy's input format; policy 'ref' gives the reference
    rounded to binary64."""
    name = _named(name, formula, "eval")
    if x is None or policy is None:
        raise ValueError("eval: x and policy are needed")
    x2, g2, one = _rows(x, g)
    y, dx = _lib.eval_rows(_options(name, policy, sum, params), x2, g2)
    if one:
        y = y[0]
        dx = None if dx is None else dx[0]
    return y, dx


def reference(name=None, x=None, g=None, params=None, formula=None):
    """(y, dx) of the reference: the exact values correctly rounded to binary64."""
    return eval(_named(name, formula, "eval"), x, "ref", g=g, params=params)


def _exact_arrays(d):
    for key in _EXACT_FIELDS:
        if key in d:
            d[key] = np.array([float.fromhex(s) for s in d[key]], dtype=np.float64)
    return d


def check(name=None, x=None, policy=None, g=None, sum="seq", params=None, seed=1, formula=None):
    """What `normstab check --json` says about each row: a dict (a list of
    dicts for 2-D x) with the row, the outputs and the reference (as float64
    arrays), ulps, the verdict ('kept', 'expected', 'broken'), the promises
    that failed and the metrics.  Without g, row r's upstream gradient is
    N(0,1) from seed + r, as in the command."""
    name = _named(name, formula, "check")
    if x is None or policy is None:
        raise ValueError("check: x and policy are needed")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError("check: --seed '%s' is not a non-negative integer" % (seed,))
    x2, g2, one = _rows(x, g)
    out = [_exact_arrays(d) for d in _lib.check_rows(_options(name, policy, sum, params), x2, g2, seed)]
    out = _as_command_names(out, name if formula is not None else None)
    return out[0] if one else out


def _count(what, v):
    if not isinstance(v, int) or v < 0:
        raise ValueError("search: %s '%s': expected a non-negative integer" % (what, v))
    return v


def search(name=None, policy=None, objective="all", sum="seq", params=None, evals=None,
           seconds=None, seed=1, strategy="evolve", finite=False, max_n=None, formula=None,
           _kernel=None):
    """The findings of `normstab search` as dicts (the fields of its JSON,
    x and g as float64 arrays): rows on which `name` in `policy` breaks a
    promise, each confirmed against the MPFR reference and minimized.  With
    evals (and no seconds) the result depends only on the seed."""
    name = _named(name, formula, "search")
    if policy is None:
        raise ValueError("search: -p POLICY is needed")
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
    _as_command_names(findings, name if formula is not None else None)
    for f in findings:
        for key in ("x", "g"):
            if key in f:
                f[key] = np.array([float.fromhex(s) for s in f[key]], dtype=np.float64)
    return findings


def _matrix(a, what):
    m = as_float64(a, what)
    if m.ndim != 2 or m.shape[0] == 0 or m.shape[1] == 0:
        raise ValueError("attention: %s: shape %s: expected a matrix (one token a row)"
                         % (what, m.shape))
    return m


def _keep(mask, n_q, n_k):
    """The keep matrix (n_q x n_k of 0/1, uint8) of mask: None or 'none'
    (every key), 'causal' (key j for query i when j <= i + n_k - n_q, the
    queries being the last n_q tokens, as the command's --mask causal), or a
    matrix of 0/1 or bool, 1 keeping the key."""
    if mask is None or (isinstance(mask, str) and mask == "none"):
        return None
    if isinstance(mask, str):
        if mask != "causal":
            raise ValueError("attention: --mask '%s' is none of none, causal or a matrix" % mask)
        return np.ascontiguousarray(np.tri(n_q, n_k, max(n_k - n_q, 0), dtype=np.uint8))
    m = np.asarray(mask)
    if m.shape != (n_q, n_k):
        raise ValueError("attention: --mask: shape %s, the head needs %d x %d"
                         % (tuple(m.shape), n_q, n_k))
    bad = np.argwhere((m != 0) & (m != 1))
    if len(bad):
        i, j = bad[0]
        raise ValueError("attention: --mask: row %d column %d is %s, not 0 or 1"
                         % (i + 1, j + 1, m[i, j]))
    return np.ascontiguousarray(m, dtype=np.uint8)


def _vector(a, what, n):
    x = as_float64(a, what).reshape(-1)
    if x.shape != (n,):
        raise ValueError("attention: %s holds %d numbers, --k has %d channels" % (what, x.size, n))
    return x


def attention(kernel, q, k, v, policy=None, do=None, mask=None, seed=1, normalizer=None,
              mask_value=None, scale=None, scale_on=None, fma=False, block_q=None, block_k=None,
              p_offset=None, w=None, u=None, feature=None, chunk=None):
    """One attention head run by `kernel` in `policy` (default: the
    kernel's) and compared with the reference at the rounded inputs, as
    `normstab attention --json`.

    Softmax attention (textbook, flash, flash-fp8): Q (n_q x d), K (n_k x
    d), V (n_k x d_v), dO (`do`, n_q x d_v; default N(0,1) from seed, as
    the command), and the command's options (--normalizer, --mask
    none|causal or a 0/1 matrix, --mask-value inf|min|VALUE, --scale,
    --scale-on, --fma, --block-q, --block-k, --p-offset).

    Linear attention (linear, linear.causal, linear.chunked): q, k, v as
    above, `feature` (elu1, relu, identity) and `chunk`; RWKV-4
    (rwkv4.naive, rwkv4.stable): q None, `w` and `u` (C numbers), k and v
    (T x C).  Without `do` these compute O alone, as the command without
    --do.

    Returns the command's JSON object as a dict (the errors per part, the
    denominators, the verdict and cause; 'input' is 'python' for softmax
    kernels) with 'out': the kernel's results as float64 arrays, by part
    (o, lse, dq, dk, dv, dw, du: those it computes)."""
    k, v = _matrix(k, "--k"), _matrix(v, "--v")
    if w is not None or u is not None:          # RWKV-4: w, u, k, v
        if v.shape != k.shape:
            raise ValueError("attention: --v is %d x %d, --k %d x %d" % (v.shape + k.shape))
        w = _vector(w if w is not None else [], "--w", k.shape[1])
        u = _vector(u if u is not None else [], "--u", k.shape[1])
        q = None if q is None else _matrix(q, "--q")
        shape = (k.shape[0], k.shape[0], k.shape[1], k.shape[1])
    else:
        q = _matrix(q, "--q")
        if k.shape[1] != q.shape[1]:
            raise ValueError("attention: --k: rows of %d numbers, --q of %d: q and k need one d"
                             % (k.shape[1], q.shape[1]))
        if v.shape[0] != k.shape[0]:
            raise ValueError("attention: --v: %d rows, --k has %d: one value per key"
                             % (v.shape[0], k.shape[0]))
        shape = (q.shape[0], k.shape[0], q.shape[1], v.shape[1])
    n_q, n_k, d, d_v = shape
    if do is not None:
        do = _matrix(do, "--do")
        if do.shape != (n_q, d_v):
            raise ValueError("attention: --do: %d x %d, O is %d x %d" % (do.shape + (n_q, d_v)))
    keep = _keep(mask, n_q, n_k)
    opts = _lib.head_opts(kernel, policy, normalizer, mask_value, scale, scale_on, fma, block_q,
                          block_k, p_offset, feature, chunk)
    obj, out = _lib.attention(opts, q, k, v, w, u, do, keep, shape, _count("--seed", seed),
                              "python")
    if isinstance(obj.get("min_denominator"), list):
        obj["min_denominator"] = float.fromhex(obj["min_denominator"][0])
    obj["out"] = out
    return obj


_HEAD_TENSORS = {"q": ("n_q", "d"), "k": ("n_k", "d"), "v": ("n_k", "d_v"), "do": ("n_q", "d_v")}


def attention_search(kernel, objective, policy=None, evals=None, seconds=None, seed=1, n=None,
                     d=None, masks=False, mask_value=None, scale_on=None, fma=False, block_k=None,
                     p_offset=None):
    """The findings of `normstab search --kernel KERNEL --json` as dicts:
    small heads (up to n tokens, default 8, and d channels, default 4) on
    which the kernel in `policy` reaches the objective (nan, inf, error,
    denominator, gradient), confirmed by the exact reference, minimized and
    given the kernel's verdict.  q, k, v, do are float64 matrices, keep a
    0/1 matrix or None; the dict saved as one JSON line (with the tensors
    as the command writes them) replays with `normstab attention --finding`;
    attention(f["kernel"], f["q"], f["k"], f["v"], f["policy"], do=f["do"],
    mask=f["keep"], ...) replays it here.  With evals alone the result
    depends only on the seed."""
    evals = _count("--evals", evals) if evals is not None else 0
    seconds = float(seconds or 0.0)
    if not (seconds >= 0) or math.isinf(seconds):
        raise ValueError("search: --seconds '%s' is not a finite number" % seconds)
    opts = _lib.head_opts(kernel, policy, mask_value=mask_value, scale_on=scale_on, fma=fma,
                          block_k=block_k, p_offset=p_offset)
    findings, _ = _lib.attention_search(opts, objective, _count("--n", n or 0),
                                        _count("--d", d or 0), masks, _count("--seed", seed),
                                        evals, seconds)
    for f in findings:
        for key, (rows, cols) in _HEAD_TENSORS.items():
            if f.get(key) is not None:
                f[key] = np.array([float.fromhex(s) for s in f[key]]).reshape(f[rows], f[cols])
        if f.get("keep") is not None:
            f["keep"] = np.array(f["keep"], dtype=np.uint8).reshape(f["n_q"], f["n_k"])
        for key in ("scale", "p_offset"):
            if isinstance(f.get(key), str):
                f[key] = float.fromhex(f[key])
    return findings
