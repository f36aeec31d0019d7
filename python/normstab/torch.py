"""normstab for PyTorch models and kernels (docs/python.md).

check_kernel (check_callable, its earlier name): a kernel written in Python (torch.softmax in float16, a
fused function of one's own) run on rows and compared with the reference at
the rounded inputs.  capture: the pre-softmax attention logits of a model's
nn.MultiheadAttention calls, exactly as the model computes them, as arrays
and as .npy files that `normstab check -i` reads."""
import contextlib
import os

import numpy as np
import torch
import torch.nn.functional as F

from . import _exact_arrays, _lib, _options, _rows, search

# The policy that holds a kernel's outputs of each dtype: inputs rounded
# into it, errors counted in ulps of it (policy names of `normstab list
# policies`).
_POLICY = {
    torch.float16: "fp16-io",
    torch.bfloat16: "bf16-io",
    torch.float32: "fp32",
    torch.float64: "fp64",
}


def _policy_for(dtype, policy, what):
    if policy is not None:
        return policy
    if dtype not in _POLICY:
        raise ValueError("%s: dtype %s: expected float16, bfloat16, float32 or float64"
                         % (what, dtype))
    return _POLICY[dtype]


def _as_rows(y, shape, what):
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != shape:
        raise ValueError("check_kernel: %s %s, expected a tensor of shape %s"
                         % (what, tuple(y.shape) if isinstance(y, torch.Tensor)
                            else type(y).__name__, shape))
    return np.ascontiguousarray(y.detach().to(torch.float64).cpu().numpy())


def check_kernel(fn, family="softmax.shifted", dtype=torch.float16, x=None, policy=None,
                 params=None, grad=False, g=None, seed=1):
    """Runs the kernel fn on the rows of x (a 2-D tensor of `dtype`, x
    rounded into it; fn works along the last dimension and returns the same
    shape) and compares its outputs with the reference of `family` (a
    catalogue algorithm, whose family gives the reference and whose
    contract the error floor) at the rounded inputs.  A dict per row (a
    list of them for 2-D x): x, y, y_ref (float64 arrays), ulps and the
    metrics of `normstab check` that outputs alone decide (errors, sums,
    flags, argmax; not the denominators or conditioning, which need the
    kernel's insides).  Errors are counted in `policy` (default: the one
    for dtype: fp16-io, bf16-io, fp32, fp64).

    grad=True: fn's backward pass too, through torch autograd: fn(x) is
    run on x requiring gradients and .backward(g) is called with the
    upstream gradients g (rounded into dtype; without g, row r's is N(0,1)
    from seed + r, as in `normstab check`); x.grad is compared with the
    reference's gradient at the rounded x and g: the dict gets g, dx,
    dx_ref and the gradient metrics (grad_max_ulps, grad_max_bits, ...)."""
    if x is None:
        raise ValueError("check_kernel: x (the rows) is needed")
    policy = _policy_for(dtype, policy, "check_kernel")
    x2, g2, one = _rows(x, g)
    args = _options(family, policy, params=params)
    xt = torch.from_numpy(x2).to(dtype)
    if not grad:
        if g is not None:
            raise ValueError("check_kernel: g is for grad=True")
        with torch.no_grad():
            y2 = _as_rows(fn(xt), x2.shape, "the callable returned")
        out = _lib.compare_rows(args, x2, y2)
    else:
        if g2 is None:
            g2 = _lib.gradient_rows(seed, *x2.shape)
        xt.requires_grad_(True)
        with torch.enable_grad():
            yt = fn(xt)
            y2 = _as_rows(yt, x2.shape, "the callable returned")
            yt.backward(torch.from_numpy(g2).to(yt.dtype))
        if xt.grad is None:
            raise ValueError("check_kernel: the callable's output does not depend on x through "
                             "autograd (no x.grad after backward)")
        dx2 = _as_rows(xt.grad, x2.shape, "x.grad is")
        out = _lib.compare_rows(args, x2, y2, g2, dx2)
    out = [_exact_arrays(d) for d in out]
    return out[0] if one else out


def check_callable(fn, x, dtype=torch.float16, name="softmax.shifted", policy=None, params=None):
    """check_kernel's earlier name, kept: check_kernel(fn, name, dtype, x,
    policy, params), with x second."""
    return check_kernel(fn, name, dtype, x, policy=policy, params=params)


def search_kernel(fn, dtype=torch.float16, name="softmax.shifted", objective="nan", policy=None,
                  params=None, evals=None, seconds=None, seed=1, strategy="evolve", finite=False,
                  max_n=None, label=None):
    """The search of `normstab search` with the Python callable fn in the
    place of an algorithm: fn gets one row (a (1, n) tensor of dtype, the
    row rounded into it) and returns its outputs; it is held to the contract
    of `name` in `policy` (default: the one for dtype, as check_callable)
    and compared with its family's reference.  Findings as dicts (the
    fields of `normstab search --json`, x as a float64 array; 'normalizer'
    is label, default 'python:' + fn's name).  Objectives nan, inf, error,
    sum (denominator finds nothing: the kernel's denominators are not
    seen); not gradient or all: the callable has no backward pass.  An
    exception in fn stops the search and is raised again."""
    policy = _policy_for(dtype, policy, "search_kernel")
    if label is None:
        label = "python:" + getattr(fn, "__name__", "kernel")

    def row_fn(x, y):
        with torch.no_grad():
            out = fn(torch.from_numpy(x.copy()).to(dtype).reshape(1, -1))
        y[:] = out.detach().to(torch.float64).reshape(-1).cpu().numpy()

    return search(name, policy, objective, params=params, evals=evals, seconds=seconds,
                  seed=seed, strategy=strategy, finite=finite, max_n=max_n,
                  _kernel=(label, row_fn))


@contextlib.contextmanager
def _recording_softmax(calls):
    """While inside F.multi_head_attention_forward, records the input of its
    softmax (scale·q·kᵀ plus the masks, as torch computes it: (N·H, L, S))
    and the number of heads."""
    mha, softmax = F.multi_head_attention_forward, F.softmax
    depth = [0]
    heads = []

    def recording_softmax(input, *args, **kwargs):
        if depth[0]:
            calls.append((heads[-1], input.detach().clone()))
        return softmax(input, *args, **kwargs)

    def recording_mha(*args, **kwargs):
        num_heads = kwargs["num_heads"] if "num_heads" in kwargs else args[4]
        heads.append(num_heads)
        depth[0] += 1
        try:
            return mha(*args, **kwargs)
        finally:
            depth[0] -= 1
            heads.pop()

    F.multi_head_attention_forward, F.softmax = recording_mha, recording_softmax
    try:
        yield
    finally:
        F.multi_head_attention_forward, F.softmax = mha, softmax


def capture(model, *inputs, **kwargs):
    """Runs model(*inputs, **kwargs) once and returns (output, captures): per
    call of an nn.MultiheadAttention, in order, a dict with 'module' (its
    name in the model), 'call' (0, 1, ...) and 'logits', the pre-softmax
    logits as the model computed them (the same bits), a NumPy array of
    shape (batch, heads, queries, keys) in the model's dtype, masked
    entries -inf.  The model's output is that of a plain call.

    The model runs with gradients enabled: PyTorch's fused inference path
    (which would bypass the computation recorded here) is taken only
    without them."""
    names = {m: n for n, m in model.named_modules()}
    order = []
    hooks = [m.register_forward_pre_hook(lambda mod, args: order.append(names[mod]))
             for m in model.modules() if isinstance(m, torch.nn.MultiheadAttention)]
    calls = []
    try:
        with torch.enable_grad(), _recording_softmax(calls):
            output = model(*inputs, **kwargs)
    finally:
        for h in hooks:
            h.remove()
    if len(calls) != len(order):
        raise ValueError("capture: %d attention calls ran but %d were recorded: PyTorch took its "
                         "fused inference path, which computes no logits (it does not when a "
                         "parameter requires gradients)" % (len(order), len(calls)))
    captures = []
    for i, (module, (heads, logits)) in enumerate(zip(order, calls)):
        bh, nq, nk = logits.shape
        captures.append({
            "module": module or "model",
            "call": i,
            "logits": logits.reshape(bh // heads, heads, nq, nk).cpu().numpy(),
        })
    return output, captures


def save(captures, directory):
    """Writes each capture's logits as DIRECTORY/CALL-MODULE.npy, rows of
    keys (batch·heads·queries rows), which `normstab check -i` reads; each
    file whole or not at all.  Returns the paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for c in captures:
        logits = c["logits"]
        rows = logits.reshape(-1, logits.shape[-1])
        path = os.path.join(directory, "%02d-%s.npy" % (c["call"], c["module"].replace("/", "_")))
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(rows))
        os.replace(tmp, path)
        paths.append(path)
    return paths
