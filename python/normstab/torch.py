"""normstab for PyTorch models and kernels (docs/python.md).

check_kernel (check_callable, its earlier name): a kernel written in
Python (torch.softmax in float16, a fused function of one's own) run on
rows, forward and through autograd backward, and compared with the
reference at the rounded inputs.  capture: the pre-softmax attention logits of a model's
nn.MultiheadAttention and F.scaled_dot_product_attention calls, as arrays
and as .npy files that `normstab check -i` reads."""
import contextlib
import math
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
                  max_n=None, label=None, grad=False):
    """The search of `normstab search` with the Python callable fn in the
    place of an algorithm: fn gets one row (a (1, n) tensor of dtype, the
    row rounded into it) and returns its outputs; it is held to the contract
    of `name` in `policy` (default: the one for dtype, as check_callable)
    and compared with its family's reference.  Findings as dicts (the
    fields of `normstab search --json`, x as a float64 array; 'normalizer'
    is label, default 'python:' + fn's name).  Objectives nan, inf, error,
    sum (denominator finds nothing: the kernel's denominators are not
    seen); with grad=True also gradient and all: fn's backward pass through
    torch autograd (fn(x).backward(g), x.grad; g rounded into dtype), as
    check_kernel(grad=True) takes it.  An exception in fn stops the search
    and is raised again."""
    policy = _policy_for(dtype, policy, "search_kernel")
    if label is None:
        label = "python:" + getattr(fn, "__name__", "kernel")

    def row_fn(x, y):
        with torch.no_grad():
            out = fn(torch.from_numpy(x.copy()).to(dtype).reshape(1, -1))
        y[:] = out.detach().to(torch.float64).reshape(-1).cpu().numpy()

    def back_fn(x, g, dx):
        xt = torch.from_numpy(x.copy()).to(dtype).reshape(1, -1).requires_grad_(True)
        with torch.enable_grad():
            out = fn(xt)
            out.backward(torch.from_numpy(g.copy()).to(out.dtype).reshape(out.shape))
        dx[:] = xt.grad.detach().to(torch.float64).reshape(-1).cpu().numpy()

    return search(name, policy, objective, params=params, evals=evals, seconds=seconds,
                  seed=seed, strategy=strategy, finite=finite, max_n=max_n,
                  _kernel=(label, row_fn, back_fn if grad else None))


def sdpa_logits(query, key, attn_mask=None, is_causal=False, scale=None, enable_gqa=False):
    """The logits of F.scaled_dot_product_attention, scale·q·kᵀ plus the
    masks, as PyTorch's documentation defines them (the "equivalent"
    implementation of torch 2): causal keeps key j for query i when j <= i
    (tril from the top left); a bool attn_mask keeps where True, -inf
    elsewhere; a float attn_mask is added; scale defaults to 1/sqrt(E);
    enable_gqa repeats each key head for its group of query heads.  In the
    query's dtype, in the documented order: (q @ kᵀ) · scale, then + bias."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S, dtype=query.dtype, device=query.device)
    if is_causal:
        keep = torch.ones(L, S, dtype=torch.bool, device=query.device).tril(diagonal=0)
        bias = bias.masked_fill(keep.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            bias = attn_mask + bias
    if enable_gqa:
        key = key.repeat_interleave(query.size(-3) // key.size(-3), -3)
    weight = query @ key.transpose(-2, -1) * scale_factor
    return weight + bias


def _heads(logits, heads):
    """logits (..., L, S) as (batch, heads, L, S)."""
    return logits.reshape(-1, heads, logits.shape[-2], logits.shape[-1])


@contextlib.contextmanager
def _recording(calls, module):
    """Records, in calls, (module(), function, logits (batch, heads, L, S))
    per attention call:
      - inside F.multi_head_attention_forward (what nn.MultiheadAttention
        calls in torch 1.13), the input of its softmax, the bits torch
        computed: scale·q·kᵀ plus the masks, (N·H, L, S);
      - every call of F.scaled_dot_product_attention (torch >= 2.0; also the
        one inside multi_head_attention_forward of torch 2), its logits by
        its documented definition (sdpa_logits), beside the call itself,
        whose output is returned unchanged."""
    mha, softmax = F.multi_head_attention_forward, F.softmax
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    heads = []              # num_heads of the multi_head_attention_forward calls running
    in_sdpa = [0]

    def recording_softmax(input, *args, **kwargs):
        if heads and not in_sdpa[0]:
            calls.append((module(), "multi_head_attention_forward",
                          _heads(input.detach().clone(), heads[-1])))
        return softmax(input, *args, **kwargs)

    def recording_mha(*args, **kwargs):
        heads.append(kwargs["num_heads"] if "num_heads" in kwargs else args[4])
        try:
            return mha(*args, **kwargs)
        finally:
            heads.pop()

    def recording_sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                       **kwargs):
        in_sdpa[0] += 1
        try:
            out = sdpa(query, key, value, attn_mask, dropout_p, is_causal, **kwargs)
        finally:
            in_sdpa[0] -= 1
        with torch.no_grad():
            logits = sdpa_logits(query.detach(), key.detach(),
                                 None if attn_mask is None else attn_mask.detach(), is_causal,
                                 kwargs.get("scale"), kwargs.get("enable_gqa", False))
        h = query.shape[-3] if query.dim() >= 3 else 1
        calls.append((module(), "scaled_dot_product_attention",
                      _heads(logits, h if query.dim() >= 4 else 1)))
        return out

    F.multi_head_attention_forward, F.softmax = recording_mha, recording_softmax
    if sdpa is not None:
        F.scaled_dot_product_attention = recording_sdpa
    try:
        yield
    finally:
        F.multi_head_attention_forward, F.softmax = mha, softmax
        if sdpa is not None:
            F.scaled_dot_product_attention = sdpa


def capture(model, *inputs, **kwargs):
    """Runs model(*inputs, **kwargs) once and returns (output, captures): per
    attention call, in order, a dict with 'module' (the name in the model of
    the innermost module running), 'call' (0, 1, ...), 'function'
    ('multi_head_attention_forward' or 'scaled_dot_product_attention') and
    'logits', the pre-softmax logits, a NumPy array of shape (batch, heads,
    queries, keys) in the model's dtype, masked entries -inf.  The model's
    output is that of a plain call.

    nn.MultiheadAttention (torch 1.13): the logits are the input of the
    softmax inside F.multi_head_attention_forward, the bits the model
    computed.  F.scaled_dot_product_attention (torch >= 2.0, where it is
    also what nn.MultiheadAttention calls): a fused kernel computes no
    logits to record, so they are computed beside the call by its
    documented definition (sdpa_logits), in the query's dtype; dropout_p is
    not applied to logits (it acts after the softmax).

    The model runs with gradients enabled: PyTorch's fused inference path
    of nn.MultiheadAttention (which bypasses both functions) is taken only
    without them."""
    names = {m: n for n, m in model.named_modules()}
    running = []            # the modules running, innermost last
    mha_calls = []          # per nn.MultiheadAttention call: captures before, after
    hooks = []
    for m in model.modules():
        is_mha = isinstance(m, torch.nn.MultiheadAttention)

        def pre(mod, args, is_mha=is_mha):
            running.append(names[mod])
            if is_mha:
                mha_calls.append([len(calls), None])

        def post(mod, args, out, is_mha=is_mha):
            running.pop()
            if is_mha:
                next(c for c in reversed(mha_calls) if c[1] is None)[1] = len(calls)

        hooks += [m.register_forward_pre_hook(pre), m.register_forward_hook(post)]
    calls = []
    try:
        with torch.enable_grad(), _recording(calls, lambda: running[-1] if running else ""):
            output = model(*inputs, **kwargs)
    finally:
        for h in hooks:
            h.remove()
    recorded = sum(1 for start, end in mha_calls if end is not None and end > start)
    if recorded != len(mha_calls):
        raise ValueError("capture: %d attention calls ran but %d were recorded: PyTorch took its "
                         "fused inference path, which computes no logits (it does not when a "
                         "parameter requires gradients)" % (len(mha_calls), recorded))
    captures = []
    for i, (module, function, logits) in enumerate(calls):
        captures.append({
            "module": module or "model",
            "call": i,
            "function": function,
            "logits": logits.cpu().numpy(),
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
