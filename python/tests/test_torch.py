"""normstab.torch: a Python kernel under the reference, and the logits of a
model's attention captured bit for bit."""
import math
import os
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F

import normstab
import normstab.torch as nt
from clitool import exact_rows, run

RNG = np.random.default_rng(1913)


def naive_softmax_fp16(t):
    """e^x / sum e^x in NumPy float16, without subtracting the max: e^x
    overflows fp16 for x > ln(65504) = 11.09."""
    x = t.numpy().astype(np.float16)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return torch.from_numpy((e / e.sum(axis=-1, keepdims=True)).astype(np.float16))


class CheckCallable(unittest.TestCase):
    def test_torch_softmax_in_fp32_rounded_to_fp16_is_within_half_an_ulp_and_a_little(self):
        n = 64
        x = RNG.normal(0.0, 3.0, (50, n))
        rows = nt.check_callable(lambda t: torch.softmax(t.float(), -1).half(), x, torch.float16)
        # By hand: fp32 shifted softmax makes n exponentials (about an ulp
        # each from libm), n - 1 additions and a division, so each output is
        # within (n + 1) u of the truth plus slack for exp: (n + 4) u, u =
        # 2^-24.  Rounding that to fp16 adds half an ulp.  In fp16 ulps
        # (2^-11 relative, up to twice that just below a power of two):
        bound = 0.5 + 2 * (n + 4) * 2.0 ** -24 / 2.0 ** -11
        worst = max(r["metrics"]["max_ulps"] for r in rows)
        self.assertLessEqual(worst, bound)
        self.assertTrue(all(r["metrics"]["nan_count"] == 0 for r in rows))

    def test_torch_softmax_agrees_with_the_fp16_io_policy_on_most_outputs(self):
        x = RNG.normal(0.0, 3.0, (50, 64))
        rows = nt.check_callable(lambda t: torch.softmax(t.float(), -1).half(), x, torch.float16)
        y_torch = np.array([r["y"] for r in rows])
        y_lib, _ = normstab.eval("softmax.shifted", x, "fp16-io")
        agree = np.mean(y_torch == y_lib)
        self.assertGreater(agree, 0.95)

    def test_the_naive_numpy_softmax_in_fp16_gives_nan_past_its_overflow(self):
        x = np.array([[12.0, 0.0, -1.0, 2.0], [1.0, 2.0, 3.0, 4.0]])
        rows = nt.check_callable(naive_softmax_fp16, x, torch.float16, name="softmax.naive")
        self.assertGreater(rows[0]["metrics"]["nan_count"], 0)   # inf / inf
        self.assertEqual(rows[1]["metrics"]["nan_count"], 0)
        # below the overflow: a few fp16 roundings (4 exp, 3 additions, a
        # division), against the reference at the same rows
        self.assertTrue(np.array_equal(rows[1]["x"], x[1]))
        self.assertLessEqual(rows[1]["metrics"]["max_ulps"], 8.0)
        self.assertEqual(rows[1]["y_ref"].tolist(),
                         normstab.reference("softmax.naive", x[1])[0].tolist())

    def test_a_callable_that_changes_the_shape_is_refused(self):
        with self.assertRaisesRegex(ValueError, "expected a tensor of shape"):
            nt.check_callable(lambda t: t[:, :2], np.zeros((2, 3)), torch.float16)

    def test_an_unknown_normalizer_is_the_commands_message(self):
        with self.assertRaisesRegex(ValueError, "^check: unknown normalizer 'soft'"):
            nt.check_callable(lambda t: t, np.zeros((1, 3)), torch.float32, name="soft")


class SearchKernel(unittest.TestCase):
    def test_the_search_finds_the_fp16_overflow_of_a_naive_numpy_softmax(self):
        findings = nt.search_kernel(naive_softmax_fp16, torch.float16, objective="nan", evals=3000)
        self.assertTrue(all(f["normalizer"] == "python:naive_softmax_fp16" for f in findings))
        # NaN (inf / inf) on a row whose largest logit is past ln(65504) = 11.09,
        # which the shifted softmax's contract does not allow
        overflow = [f for f in findings if f["kind"] == "nan" and f["verdict"] == "broken"
                    and np.nanmax(f["x"]) > math.log(65504)]
        self.assertTrue(overflow, findings)
        y = naive_softmax_fp16(torch.from_numpy(overflow[0]["x"]).reshape(1, -1))
        self.assertTrue(torch.isnan(y).any())

    def test_the_search_finds_nothing_broken_in_torch_softmax_through_fp32(self):
        kernel = lambda t: torch.softmax(t.float(), -1).half()
        for objective in ("nan", "inf", "error", "sum"):
            findings = nt.search_kernel(kernel, torch.float16, objective=objective, evals=2000)
            broken = [f for f in findings if f["verdict"] == "broken"]
            self.assertEqual(broken, [], objective)

    def test_an_exception_in_the_kernel_stops_the_search_and_is_raised(self):
        calls = []

        def failing(t):
            calls.append(1)
            raise ZeroDivisionError("inside the kernel")

        with self.assertRaisesRegex(ZeroDivisionError, "inside the kernel"):
            nt.search_kernel(failing, torch.float16, evals=5000)
        self.assertEqual(len(calls), 1)

    def test_objectives_with_gradients_are_refused_without_grad(self):
        with self.assertRaisesRegex(ValueError, "^search: objective 'all' takes gradients"):
            nt.search_kernel(lambda t: t, torch.float16, objective="all", evals=10)


def encoder():
    torch.manual_seed(7)
    layer = torch.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
    return torch.nn.TransformerEncoder(layer, num_layers=2).eval()


def logits_by_hand(mha, x, mask):
    """scale·q·kᵀ + mask in float64 from the layer's weights: q = x W_q + b_q,
    k = x W_k + b_k per head, scale 1/sqrt(head dim).  x: (L, N, E)."""
    w = mha.in_proj_weight.detach().double().numpy()
    b = mha.in_proj_bias.detach().double().numpy()
    e, h = mha.embed_dim, mha.num_heads
    d = e // h
    xs = x.detach().double().numpy()
    q = xs @ w[:e].T + b[:e]
    k = xs @ w[e:2 * e].T + b[e:2 * e]
    L, N, _ = xs.shape
    q = q.reshape(L, N, h, d).transpose(1, 2, 0, 3)      # N, H, L, d
    k = k.reshape(L, N, h, d).transpose(1, 2, 0, 3)
    return q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + mask


class Capture(unittest.TestCase):
    def setUp(self):
        self.model = encoder()
        self.src = torch.randn(5, 3, 8, generator=torch.Generator().manual_seed(3))
        self.mask = torch.triu(torch.full((5, 5), float("-inf")), diagonal=1)

    def test_capture_does_not_change_the_models_output(self):
        out, _ = nt.capture(self.model, self.src, mask=self.mask)
        with torch.enable_grad():
            plain = self.model(self.src, mask=self.mask)
        self.assertTrue(torch.equal(out, plain))

    def test_the_first_layers_logits_are_those_computed_by_hand(self):
        _, caps = nt.capture(self.model, self.src, mask=self.mask)
        self.assertEqual([c["module"] for c in caps], ["layers.0.self_attn", "layers.1.self_attn"])
        got = caps[0]["logits"]
        self.assertEqual(got.shape, (3, 2, 5, 5))
        want = logits_by_hand(self.model.layers[0].self_attn, self.src, self.mask.double().numpy())
        self.assertTrue(np.array_equal(np.isneginf(got), np.isneginf(want)))
        finite = np.isfinite(want)
        # float32 products of length 8 against float64: a few fp32 ulps
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=1e-6)

    def test_saved_logits_are_rows_that_check_reads(self):
        _, caps = nt.capture(self.model, self.src, mask=self.mask)
        with tempfile.TemporaryDirectory() as d:
            paths = nt.save(caps, d)
            self.assertEqual([os.path.basename(p) for p in paths],
                             ["00-layers.0.self_attn.npy", "01-layers.1.self_attn.npy"])
            rows = np.load(paths[1])
            self.assertTrue(np.array_equal(rows, caps[1]["logits"].reshape(-1, 5)))
            status, out, err = run("eval", "-n", "softmax.shifted", "-p", "fp32", "-i", paths[0])
            self.assertEqual(status, 0, err)
            self.assertEqual(len(exact_rows(out)), 3 * 2 * 5)
            status, _, err = run("check", "-n", "softmax.shifted", "-p", "fp16-io", "-i", paths[0])
            self.assertEqual(status, 0, err)

    def test_a_fused_path_that_computes_no_logits_is_an_error_not_an_empty_capture(self):
        model = torch.nn.MultiheadAttention(8, 2, batch_first=True).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        x = torch.randn(2, 4, 8)
        with self.assertRaisesRegex(ValueError, "^capture: 1 attention calls ran but 0 were recorded"):
            nt.capture(model, x, x, x)
        for p in model.parameters():
            p.requires_grad_(True)
        _, caps = nt.capture(model, x, x, x)
        self.assertEqual(caps[0]["logits"].shape, (2, 2, 4, 4))



class WrongBackward(torch.autograd.Function):
    """softmax forward; a backward that returns g itself (the Jacobian
    taken as the identity): the mistake check_kernel(grad=True) must see."""

    @staticmethod
    def forward(ctx, t):
        return torch.softmax(t, dim=-1)

    @staticmethod
    def backward(ctx, g):
        return g


class CheckKernelGradients(unittest.TestCase):
    def test_check_callable_is_check_kernel_by_its_earlier_name(self):
        x = RNG.normal(0.0, 3.0, (4, 16))
        fn = lambda t: torch.softmax(t.float(), -1).half()
        a = nt.check_callable(fn, x, torch.float16)
        b = nt.check_kernel(fn, "softmax.shifted", torch.float16, x)
        self.assertEqual([r["metrics"] for r in a], [r["metrics"] for r in b])

    def test_the_reference_gradient_is_softmaxs_by_hand(self):
        x = RNG.normal(0.0, 2.0, (3, 8))
        rows = nt.check_kernel(lambda t: torch.softmax(t, -1), "softmax.shifted", torch.float64, x,
                               grad=True)
        for r in rows:
            # dx = y (g - <g, y>), SPEC section 3, in float64 from the exact softmax
            e = np.exp(r["x"] - r["x"].max())
            y = e / e.sum()
            np.testing.assert_allclose(r["dx_ref"], y * (r["g"] - np.dot(r["g"], y)),
                                       rtol=1e-12, atol=1e-15)

    def test_torch_autograd_of_an_fp64_softmax_is_within_a_few_ulps(self):
        x = RNG.normal(0.0, 3.0, (20, 32))
        rows = nt.check_kernel(lambda t: torch.softmax(t, -1), "softmax.shifted", torch.float64, x,
                               grad=True)
        # y ⊙ (g − ⟨g, y⟩) in fp64: y carries (n + 3) u (exp, the sum, the
        # division; u = 2^-53), the dot product as much again, and g − ⟨g, y⟩
        # may cancel, so only a loose normwise bound is claimed: 32 (n + 3) u
        # (1.2e-13; a wrong gradient is off by its own size, the test below)
        worst = max(r["metrics"]["grad_normwise_err"] for r in rows)
        self.assertLess(worst, 32 * (32 + 3) * 2.0 ** -53)
        self.assertTrue(all(r["metrics"]["grad_nan_count"] == 0 for r in rows))

    def test_a_wrong_backward_pass_is_seen(self):
        x = RNG.normal(0.0, 1.0, (4, 8))
        rows = nt.check_kernel(WrongBackward.apply, "softmax.shifted", torch.float64, x, grad=True)
        # forward right: within an ulp or so; the gradient g instead of
        # y (g - <g,y>): off by more than its own size
        self.assertLess(max(r["metrics"]["max_ulps"] for r in rows), 4)
        self.assertGreater(min(r["metrics"]["grad_normwise_err"] for r in rows), 0.5)

    def test_the_search_with_grad_finds_a_wrong_backward_pass(self):
        class Fp16WrongBackward(torch.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                return torch.softmax(t.float(), -1).half()

            @staticmethod
            def backward(ctx, g):
                return g

        found = nt.search_kernel(Fp16WrongBackward.apply, torch.float16, objective="gradient",
                                 evals=500, grad=True)
        broken = [f for f in found if f["kind"] == "gradient" and f["verdict"] == "broken"]
        self.assertGreater(len(broken), 0)
        # replayed: that row's x.grad is g itself, and the reference's
        # y (g - <g, y>) is not (for one entry it is 0: y = 1)
        f = broken[0]
        (r,) = nt.check_kernel(Fp16WrongBackward.apply, "softmax.shifted", torch.float16,
                               f["x"].reshape(1, -1), grad=True, g=f["g"].reshape(1, -1))
        self.assertTrue(np.array_equal(r["dx"], r["g"]))
        self.assertFalse(np.allclose(r["dx"], r["dx_ref"], rtol=0.01, atol=0))

    def test_the_search_with_grad_finds_nothing_broken_in_torch_autograd_of_softmax(self):
        fn = lambda t: torch.softmax(t.float(), -1).half()
        found = nt.search_kernel(fn, torch.float16, objective="all", evals=1500, grad=True)
        self.assertEqual([f for f in found if f["verdict"] == "broken"], [])

    def test_given_upstream_gradients_are_rounded_into_the_dtype(self):
        x = np.array([[0.5, 1.0, 2.0]])
        g = np.array([[0.1, -0.2, 0.3]])
        (r,) = nt.check_kernel(lambda t: torch.softmax(t.float(), -1).half(), "softmax.shifted",
                               torch.float16, x, grad=True, g=g)
        self.assertTrue(np.array_equal(r["g"], g[0].astype(np.float16).astype(np.float64)))
        self.assertTrue(np.array_equal(r["dx_ref"], normstab.reference(
            "softmax.shifted", r["x"], g=r["g"])[1]))


def standin_sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """F.scaled_dot_product_attention as PyTorch 2's documentation defines
    it (its "equivalent implementation"), for torch 1.13, which has none:
    installed for the test only."""
    L, S = query.size(-2), key.size(-2)
    scale_factor = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    attn_bias = torch.zeros(L, S, dtype=query.dtype)
    if is_causal:
        assert attn_mask is None
        temp_mask = torch.ones(L, S, dtype=torch.bool).tril(diagonal=0)
        attn_bias.masked_fill_(temp_mask.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            attn_bias.masked_fill_(attn_mask.logical_not(), float("-inf"))
        else:
            attn_bias += attn_mask
    attn_weight = query @ key.transpose(-2, -1) * scale_factor
    attn_weight += attn_bias
    attn_weight = torch.softmax(attn_weight, dim=-1)
    attn_weight = torch.dropout(attn_weight, dropout_p, train=True)
    return attn_weight @ value


class SdpaModel(torch.nn.Module):
    """Self-attention through F.scaled_dot_product_attention, as models of
    torch 2 write it: x (N, L, E) into 2 heads."""

    def __init__(self, mask=None, is_causal=False, scale=None):
        super().__init__()
        self.proj = torch.nn.Linear(8, 24)
        self.mask, self.is_causal, self.scale = mask, is_causal, scale

    def forward(self, x):
        n, l, _ = x.shape
        q, k, v = self.proj(x).reshape(n, l, 3, 2, 4).permute(2, 0, 3, 1, 4)
        kw = {} if self.scale is None else {"scale": self.scale}
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask,
                                           dropout_p=0.1 if self.training else 0.0,
                                           is_causal=self.is_causal, **kw)
        return o.transpose(1, 2).reshape(n, l, 8)

    def logits_by_hand(self, x, keep=None, bias=None, scale=None):
        """scale·q·kᵀ plus the masks in float64 from the weights."""
        w = self.proj.weight.detach().double().numpy()
        b = self.proj.bias.detach().double().numpy()
        n, l, _ = x.shape
        qkv = (x.double().numpy() @ w.T + b).reshape(n, l, 3, 2, 4).transpose(2, 0, 3, 1, 4)
        q, k = qkv[0], qkv[1]
        s = q @ k.transpose(0, 1, 3, 2) * (1 / math.sqrt(4) if scale is None else scale)
        if keep is not None:
            s = np.where(keep, s, -np.inf)
        return s if bias is None else s + bias


class CaptureScaledDotProductAttention(unittest.TestCase):
    def setUp(self):
        if not hasattr(F, "scaled_dot_product_attention"):     # torch < 2.0
            F.scaled_dot_product_attention = standin_sdpa
            self.addCleanup(delattr, F, "scaled_dot_product_attention")
        torch.manual_seed(5)
        self.x = torch.randn(2, 6, 8)

    def check(self, model, keep=None, bias=None, scale=None):
        model.eval()
        with torch.no_grad():
            plain = model(self.x)
        out, caps = nt.capture(model, self.x)
        self.assertTrue(torch.equal(out.detach(), plain))
        self.assertEqual([(c["module"], c["function"]) for c in caps],
                         [("model", "scaled_dot_product_attention")])
        got = caps[0]["logits"]
        self.assertEqual(got.shape, (2, 2, 6, 6))
        want = model.logits_by_hand(self.x, keep, bias, scale)
        self.assertTrue(np.array_equal(np.isneginf(got), np.isneginf(want)))
        finite = np.isfinite(want)
        # float32 products of length 4 against float64
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=1e-6)
        return caps

    def test_plain_logits_are_scaled_by_one_over_root_d(self):
        self.check(SdpaModel())

    def test_is_causal_masks_the_keys_after_each_query(self):
        caps = self.check(SdpaModel(is_causal=True), keep=np.tri(6, 6, dtype=bool))
        self.assertTrue(np.isneginf(caps[0]["logits"][0, 0, 0, 1:]).all())

    def test_a_bool_mask_keeps_where_true(self):
        keep = torch.rand(6, 6, generator=torch.Generator().manual_seed(1)) < 0.6
        keep[:, 0] = True
        self.check(SdpaModel(mask=keep), keep=keep.numpy())

    def test_a_float_mask_is_added_and_a_given_scale_used(self):
        bias = torch.randn(6, 6) * 3
        self.check(SdpaModel(mask=bias, scale=0.3), bias=bias.double().numpy(), scale=0.3)

    def test_dropout_is_not_in_the_logits_and_the_call_is_not_changed_in_training(self):
        model = SdpaModel().train()
        torch.manual_seed(9)
        plain = model(self.x)
        torch.manual_seed(9)
        out, caps = nt.capture(model, self.x)
        self.assertTrue(torch.equal(out, plain))
        want = model.logits_by_hand(self.x)
        np.testing.assert_allclose(caps[0]["logits"], want, rtol=1e-5, atol=1e-6)


if __name__ == "__main__":
    unittest.main()
