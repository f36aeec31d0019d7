"""The C library (libnormstab.so beside this file) through ctypes.

ctypes calls release Python's lock for the whole call, so batches of rows
run in parallel from several Python threads.  Every entry point takes the
options as the command line spells them, so names, defaults and messages
are those of `normstab eval`, `check` and `search` (python/binding.c)."""
import ctypes
import json
import os

import numpy as np

_SO_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libnormstab.so")
if not os.path.exists(_SO_PATH):
    raise ImportError("normstab: %s is missing: the package is built by `make python` into "
                      "build/python (PYTHONPATH=build/python)" % _SO_PATH)
_so = ctypes.CDLL(_SO_PATH)

_dp = ctypes.POINTER(ctypes.c_double)
_args_t = ctypes.POINTER(ctypes.c_char_p)
_ERR_LEN = 4096


class _SearchOpts(ctypes.Structure):
    _fields_ = [
        ("objective", ctypes.c_char_p),
        ("strategy", ctypes.c_char_p),
        ("seed", ctypes.c_ulonglong),
        ("evals", ctypes.c_ulonglong),
        ("seconds", ctypes.c_double),
        ("finite", ctypes.c_int),
        ("max_n", ctypes.c_ulonglong),
    ]


_so.ns_py_eval.argtypes = [_args_t, ctypes.c_int, _dp, _dp, ctypes.c_size_t, ctypes.c_size_t,
                           _dp, _dp, ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_eval.restype = ctypes.c_int
_so.ns_py_check.argtypes = [_args_t, ctypes.c_int, _dp, _dp, ctypes.c_size_t, ctypes.c_size_t,
                            ctypes.c_ulonglong, ctypes.POINTER(ctypes.c_void_p),
                            ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_check.restype = ctypes.c_int
_so.ns_py_compare.argtypes = [_args_t, ctypes.c_int, _dp, _dp, _dp, _dp, ctypes.c_size_t,
                              ctypes.c_size_t, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
                              ctypes.c_size_t]
_so.ns_py_gradient.argtypes = [ctypes.c_ulonglong, ctypes.c_size_t, _dp]
_so.ns_py_gradient.restype = None
_so.ns_py_compare.restype = ctypes.c_int
_so.ns_py_search.argtypes = [_args_t, ctypes.c_int, ctypes.POINTER(_SearchOpts),
                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulonglong),
                             ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_search.restype = ctypes.c_int
KERNEL = ctypes.CFUNCTYPE(ctypes.c_int, _dp, _dp, ctypes.c_size_t)
BACKWARD = ctypes.CFUNCTYPE(ctypes.c_int, _dp, _dp, _dp, ctypes.c_size_t)
_so.ns_py_search_kernel.argtypes = [_args_t, ctypes.c_int, ctypes.POINTER(_SearchOpts), KERNEL,
                                    BACKWARD, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                    ctypes.POINTER(ctypes.c_void_p),
                                    ctypes.POINTER(ctypes.c_ulonglong), ctypes.c_char_p,
                                    ctypes.c_size_t]
_so.ns_py_search_kernel.restype = ctypes.c_int
_so.ns_py_define.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                             ctypes.c_size_t]
_so.ns_py_define.restype = ctypes.c_int
_so.ns_py_define_env.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_define_env.restype = ctypes.c_int
_so.ns_py_load_plugin.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_load_plugin.restype = ctypes.c_int
_so.ns_py_load_plugins_env.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_load_plugins_env.restype = ctypes.c_int


class _HeadOpts(ctypes.Structure):
    _fields_ = [
        ("kernel", ctypes.c_char_p),
        ("policy", ctypes.c_char_p),
        ("normalizer", ctypes.c_char_p),
        ("mask_value", ctypes.c_char_p),
        ("scale_on", ctypes.c_char_p),
        ("scale", ctypes.c_double),
        ("fma", ctypes.c_int),
        ("block_q", ctypes.c_ulonglong),
        ("block_k", ctypes.c_ulonglong),
        ("p_offset", ctypes.c_double),
        ("feature", ctypes.c_char_p),
        ("chunk", ctypes.c_ulonglong),
    ]


class _AttnSearchOpts(ctypes.Structure):
    _fields_ = [
        ("objective", ctypes.c_char_p),
        ("n", ctypes.c_ulonglong),
        ("d", ctypes.c_ulonglong),
        ("masks", ctypes.c_int),
        ("seed", ctypes.c_ulonglong),
        ("evals", ctypes.c_ulonglong),
        ("seconds", ctypes.c_double),
    ]


_ubp = ctypes.POINTER(ctypes.c_ubyte)
_so.ns_py_attention.argtypes = [ctypes.POINTER(_HeadOpts), _dp, _dp, _dp, _dp, _dp, _dp, _ubp,
                                ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
                                ctypes.c_ulonglong, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p),
                                ctypes.POINTER(_dp), ctypes.POINTER(ctypes.c_uint),
                                ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_attention.restype = ctypes.c_int
_so.ns_py_attention_search.argtypes = [ctypes.POINTER(_HeadOpts), ctypes.POINTER(_AttnSearchOpts),
                                       ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_void_p),
                                       ctypes.POINTER(ctypes.c_ulonglong), ctypes.c_char_p,
                                       ctypes.c_size_t]
_so.ns_py_attention_search.restype = ctypes.c_int
_so.ns_py_free.argtypes = [ctypes.c_void_p]
_so.ns_py_free.restype = None


def _argv(args):
    enc = [a.encode() for a in args]
    return (ctypes.c_char_p * max(len(enc), 1))(*enc), len(enc)


def _ptr(a):
    return None if a is None else a.ctypes.data_as(_dp)


def _raise(err):
    raise ValueError(err.value.decode(errors="replace"))


def _take_text(p):
    """The JSON Lines a call returned, as a list of dicts; frees them."""
    try:
        text = ctypes.string_at(p.value).decode() if p.value else ""
    finally:
        _so.ns_py_free(p)
    return [json.loads(line) for line in text.splitlines() if line]


def eval_rows(args, x, g):
    """y, dx (None without g) of the rows of x (2-D float64, C order)."""
    rows, n = x.shape
    y = np.empty_like(x)
    dx = np.empty_like(x)
    argv, nargs = _argv(args)
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_eval(argv, nargs, _ptr(x), _ptr(g), rows, n, _ptr(y), _ptr(dx), err, _ERR_LEN):
        _raise(err)
    return y, (dx if g is not None else None)


def check_rows(args, x, g, seed):
    rows, n = x.shape
    argv, nargs = _argv(args)
    out = ctypes.c_void_p()
    broken = ctypes.c_size_t()
    err = ctypes.create_string_buffer(_ERR_LEN)
    rc = _so.ns_py_check(argv, nargs, _ptr(x), _ptr(g), rows, n, seed, ctypes.byref(out),
                         ctypes.byref(broken), err, _ERR_LEN)
    if rc:
        _raise(err)
    return _take_text(out)


def gradient_rows(seed, rows, n):
    """Row r's upstream gradient N(0,1) from seed + r, as `normstab check`."""
    g = np.empty((rows, n))
    for r in range(rows):
        _so.ns_py_gradient(seed + r, n, _ptr(g[r]))
    return g


def compare_rows(args, x, y, g=None, dx=None):
    """The metrics of outputs y (and gradients dx from g) computed elsewhere
    from the rows x."""
    rows, n = x.shape
    argv, nargs = _argv(args)
    out = ctypes.c_void_p()
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_compare(argv, nargs, _ptr(x), _ptr(y), _ptr(g), _ptr(dx), rows, n,
                         ctypes.byref(out), err, _ERR_LEN):
        _raise(err)
    return _take_text(out)


def search(args, objective, strategy, seed, evals, seconds, finite, max_n, kernel=None):
    """The findings and the evaluations made.  kernel: None (the algorithm
    -n NAME), or (label, row_fn, back_fn) with row_fn(x, y) filling the
    float64 row y from the row x, which then takes NAME's place
    (ns_py_search_kernel), and back_fn(x, g, dx) (or None) filling dx."""
    so = _SearchOpts(objective.encode(), strategy.encode() if strategy else None, seed, evals,
                     seconds, int(bool(finite)), max_n)
    argv, nargs = _argv(args)
    out = ctypes.c_void_p()
    nevals = ctypes.c_ulonglong()
    err = ctypes.create_string_buffer(_ERR_LEN)
    if kernel is None:
        rc = _so.ns_py_search(argv, nargs, ctypes.byref(so), ctypes.byref(out),
                              ctypes.byref(nevals), err, _ERR_LEN)
        if rc:
            _raise(err)
        return _take_text(out), nevals.value
    label, row_fn, back_fn = kernel
    stop = ctypes.c_int(0)
    raised = []

    def guarded(fn, *arrays):
        if raised:                      # the search is stopping: NaN rows until it has
            return 1
        try:
            fn(*arrays)
            return 0
        except BaseException as e:      # stops the search; raised again below
            raised.append(e)
            stop.value = 1
            return 1

    def call(xp, yp, n):
        return guarded(row_fn, np.ctypeslib.as_array(xp, (n,)), np.ctypeslib.as_array(yp, (n,)))

    def back(xp, gp, dxp, n):
        return guarded(back_fn, np.ctypeslib.as_array(xp, (n,)), np.ctypeslib.as_array(gp, (n,)),
                       np.ctypeslib.as_array(dxp, (n,)))

    c_call = KERNEL(call)
    c_back = BACKWARD(back) if back_fn is not None else BACKWARD()
    rc = _so.ns_py_search_kernel(argv, nargs, ctypes.byref(so), c_call, c_back, label.encode(),
                                 ctypes.byref(stop), ctypes.byref(out), ctypes.byref(nevals),
                                 err, _ERR_LEN)
    if raised:
        if not rc:
            _so.ns_py_free(out)
        raise raised[0]
    if rc:
        _raise(err)
    return _take_text(out), nevals.value


def define(name, expr, anonymous):
    """Defines the formula expr under name (formulas/define.h)."""
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_define(name.encode(), expr.encode(), int(anonymous), err, _ERR_LEN):
        _raise(err)


def define_env():
    """The definitions file NORMSTAB_FORMULAS names, once, as the command reads it."""
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_define_env(err, _ERR_LEN):
        _raise(err)


def _text(s):
    return None if s is None else str(s).encode()


def head_opts(kernel, policy, normalizer=None, mask_value=None, scale=None, scale_on=None,
              fma=False, block_q=None, block_k=None, p_offset=None, feature=None, chunk=None):
    nan = float("nan")
    return _HeadOpts(_text(kernel), _text(policy), _text(normalizer), _text(mask_value),
                     _text(scale_on), nan if scale is None else float(scale), int(bool(fma)),
                     block_q or 0, block_k or 0, nan if p_offset is None else float(p_offset),
                     _text(feature), chunk or 0)


_PARTS = ("o", "lse", "dq", "dk", "dv", "dw", "du")


def attention(opts, q, k, v, w, u, dout, keep, shape, seed, where):
    """The command's JSON object of one head and the kernel's results:
    (object, {"o": O, "lse": LSE, "dq": ..., ...}) for the parts it
    computes.  shape: n_q, n_k, d, d_v."""
    n_q, n_k, d, d_v = shape
    shapes = {"o": (n_q, d_v), "lse": (n_q,), "dq": (n_q, d), "dk": (n_k, d), "dv": (n_k, d_v),
              "dw": (d,), "du": (d,)}
    res = {p: np.empty(shapes[p]) for p in _PARTS}
    out = ctypes.c_void_p()
    parts = ctypes.c_uint()
    err = ctypes.create_string_buffer(_ERR_LEN)
    outs = (_dp * len(_PARTS))(*[_ptr(res[p]) for p in _PARTS])
    rc = _so.ns_py_attention(ctypes.byref(opts), _ptr(q), _ptr(k), _ptr(v), _ptr(w), _ptr(u),
                             _ptr(dout), None if keep is None else keep.ctypes.data_as(_ubp),
                             n_q, n_k, d, d_v, seed, where.encode(), ctypes.byref(out),
                             outs, ctypes.byref(parts), err, _ERR_LEN)
    if rc:
        _raise(err)
    (obj,) = _take_text(out)
    return obj, {p: res[p] for i, p in enumerate(_PARTS) if parts.value & (1 << i)}


def attention_search(opts, objective, n, d, masks, seed, evals, seconds):
    """The findings of the attention search (JSON objects) and the heads evaluated."""
    so = _AttnSearchOpts(_text(objective), n or 0, d or 0, int(bool(masks)), seed, evals, seconds)
    stop = ctypes.c_int(0)
    out = ctypes.c_void_p()
    nevals = ctypes.c_ulonglong()
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_attention_search(ctypes.byref(opts), ctypes.byref(so), ctypes.byref(stop),
                                  ctypes.byref(out), ctypes.byref(nevals), err, _ERR_LEN):
        _raise(err)
    return _take_text(out), nevals.value


def load_plugin(path):
    """Loads the plugin at path (plugins/loader.h)."""
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_load_plugin(os.fsencode(path), err, _ERR_LEN):
        _raise(err)


def load_plugins_env():
    """The plugins NORMSTAB_PLUGINS names, as the command loads them."""
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_load_plugins_env(err, _ERR_LEN):
        _raise(err)
