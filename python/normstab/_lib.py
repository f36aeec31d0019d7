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
_so.ns_py_compare.argtypes = [_args_t, ctypes.c_int, _dp, _dp, ctypes.c_size_t, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_compare.restype = ctypes.c_int
_so.ns_py_search.argtypes = [_args_t, ctypes.c_int, ctypes.POINTER(_SearchOpts),
                             ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulonglong),
                             ctypes.c_char_p, ctypes.c_size_t]
_so.ns_py_search.restype = ctypes.c_int
KERNEL = ctypes.CFUNCTYPE(ctypes.c_int, _dp, _dp, ctypes.c_size_t)
_so.ns_py_search_kernel.argtypes = [_args_t, ctypes.c_int, ctypes.POINTER(_SearchOpts), KERNEL,
                                    ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                    ctypes.POINTER(ctypes.c_void_p),
                                    ctypes.POINTER(ctypes.c_ulonglong), ctypes.c_char_p,
                                    ctypes.c_size_t]
_so.ns_py_search_kernel.restype = ctypes.c_int
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


def compare_rows(args, x, y):
    """The metrics of outputs y computed elsewhere from the rows x."""
    rows, n = x.shape
    argv, nargs = _argv(args)
    out = ctypes.c_void_p()
    err = ctypes.create_string_buffer(_ERR_LEN)
    if _so.ns_py_compare(argv, nargs, _ptr(x), _ptr(y), rows, n, ctypes.byref(out), err, _ERR_LEN):
        _raise(err)
    return _take_text(out)


def search(args, objective, strategy, seed, evals, seconds, finite, max_n, kernel=None):
    """The findings and the evaluations made.  kernel: None (the algorithm
    -n NAME), or (label, row_fn) with row_fn(x, y) filling the float64 row y
    from the row x, which then takes NAME's place (ns_py_search_kernel)."""
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
    label, row_fn = kernel
    stop = ctypes.c_int(0)
    raised = []

    def call(xp, yp, n):
        if raised:                      # the search is stopping: NaN rows until it has
            return 1
        try:
            row_fn(np.ctypeslib.as_array(xp, (n,)), np.ctypeslib.as_array(yp, (n,)))
            return 0
        except BaseException as e:      # stops the search; raised again below
            raised.append(e)
            stop.value = 1
            return 1

    c_call = KERNEL(call)
    rc = _so.ns_py_search_kernel(argv, nargs, ctypes.byref(so), c_call, label.encode(),
                                 ctypes.byref(stop), ctypes.byref(out), ctypes.byref(nevals),
                                 err, _ERR_LEN)
    if raised:
        if not rc:
            _so.ns_py_free(out)
        raise raised[0]
    if rc:
        _raise(err)
    return _take_text(out), nevals.value
