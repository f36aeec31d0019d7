"""Attention kernels from Python: normstab.attention gives the object of
`normstab attention --json` on the same head (the same verdict, errors and
denominators) and the kernel's own results bit for bit; attention_search
finds what `normstab search --kernel --json` finds."""
import json
import os
import tempfile
import unittest

import numpy as np

import normstab
from clitool import SameMessages, exact_rows, json_lines, run, same_bits

RNG = np.random.default_rng(7)


class Head:
    """A head saved as .npy for the command."""

    def __init__(self, test, n_q, n_k, d, d_v, sigma):
        self.dir = tempfile.TemporaryDirectory()
        test.addCleanup(self.dir.cleanup)
        self.q = RNG.normal(0.0, sigma, (n_q, d))
        self.k = RNG.normal(0.0, sigma, (n_k, d))
        self.v = RNG.normal(0.0, 1.0, (n_k, d_v))
        self.do = RNG.normal(0.0, 1.0, (n_q, d_v))

    def path(self, name, a):
        p = os.path.join(self.dir.name, name + ".npy")
        np.save(p, np.asarray(a, dtype=np.float64))
        return p

    def cli_args(self):
        return ["--q", self.path("q", self.q), "--k", self.path("k", self.k),
                "--v", self.path("v", self.v), "--do", self.path("do", self.do)]


def assert_printed_parts(test, args, results):
    """Each part of results is what `normstab ARGS --print PART` prints, bit
    for bit."""
    for part, got in results.items():
        status, printed, err = run(*(args + ["--print", part]))
        test.assertEqual(status, 0, err)
        want = np.array(exact_rows(printed)).reshape(got.shape)
        test.assertTrue(same_bits(got, want), "%s: %s" % (" ".join(args[:5]), part))


class AttentionMatchesTheCommand(unittest.TestCase):
    def same_as_cli(self, kernel, policy, head, cli_opts=(), **opts):
        args = ["attention", "--kernel", kernel, "-p", policy] + head.cli_args() + list(cli_opts)
        status, out, err = run(*(args + ["--json"]))
        self.assertIn(status, (0, 1), err)
        (cli,) = json_lines(out)
        py = normstab.attention(kernel, head.q, head.k, head.v, policy, do=head.do, **opts)
        results = py.pop("out")
        self.assertTrue(same_bits([py.pop("min_denominator")],
                                  [float.fromhex(cli.pop("min_denominator")[0])]))
        for obj in (py, cli):
            obj.pop("input")
        self.assertEqual(py, cli)
        self.assertEqual(status == 1, py["verdict"] == "broken")
        self.assertIn("o", results)
        assert_printed_parts(self, args, results)
        return py

    def test_textbook_in_fp16_with_a_causal_mask(self):
        head = Head(self, 6, 6, 4, 3, 2.0)
        self.same_as_cli("textbook", "fp16", head, ["--mask", "causal"], mask="causal")

    def test_flash_in_fp16_io_with_cross_attention_and_a_causal_mask(self):
        head = Head(self, 3, 7, 8, 5, 3.0)
        self.same_as_cli("flash", "fp16-io", head, ["--mask", "causal", "--block-k", "2"],
                         mask="causal", block_k=2)

    def test_flash_overflowing_its_fp16_scores_gives_the_commands_verdict(self):
        head = Head(self, 4, 4, 8, 4, 200.0)    # |q . k| ~ 200^2 sqrt(8), beyond 65504
        py = self.same_as_cli("flash", "fp16", head)
        self.assertNotEqual(py["verdict"], "kept")

    def test_flash_fp8_with_a_bias_mask_from_a_matrix(self):
        head = Head(self, 5, 5, 4, 4, 1.0)
        keep = (RNG.random((5, 5)) < 0.7).astype(np.float64)
        keep[:, 0] = 1
        self.same_as_cli("flash-fp8", "fp16", head,
                         ["--mask", head.path("mask", keep), "--mask-value", "-10000"],
                         mask=keep.astype(bool), mask_value="-10000")

    def test_textbook_with_another_normalizer_scaled_on_q(self):
        head = Head(self, 4, 6, 4, 2, 2.0)
        self.same_as_cli("textbook", "bf16", head,
                         ["--normalizer", "softmax.online", "--scale-on", "q", "--fma"],
                         normalizer="softmax.online", scale_on="q", fma=True)

    def test_without_do_the_gradient_is_the_commands_default(self):
        head = Head(self, 3, 3, 2, 2, 1.0)
        args = ["attention", "--kernel", "textbook", "-p", "fp32", "--q", head.path("q", head.q),
                "--k", head.path("k", head.k), "--v", head.path("v", head.v), "--seed", "9"]
        status, out, err = run(*(args + ["--print", "dv"]))
        self.assertEqual(status, 0, err)
        py = normstab.attention("textbook", head.q, head.k, head.v, "fp32", seed=9)
        self.assertTrue(same_bits(py["out"]["dv"], np.array(exact_rows(out))))


class RecurrentKernelsMatchTheCommand(unittest.TestCase):
    """Linear attention and RWKV-4: the object of `normstab attention
    --json` and the results of --print, bit for bit."""

    def same_as_cli(self, kernel, policy, tensors, cli_opts=(), **opts):
        head = Head(self, 1, 1, 1, 1, 1.0)
        files = []
        for name, a in tensors.items():
            files += ["--" + name, head.path(name, a)]
        args = ["attention", "--kernel", kernel, "-p", policy] + files + list(cli_opts)
        status, out, err = run(*(args + ["--json"]))
        self.assertIn(status, (0, 1), err)
        (cli,) = json_lines(out)
        py = normstab.attention(kernel, tensors.get("q"), tensors["k"], tensors["v"], policy,
                                do=tensors.get("do"), w=tensors.get("w"), u=tensors.get("u"),
                                **opts)
        results = py.pop("out")
        self.assertEqual(py, cli)
        self.assertEqual(status == 1, py["verdict"] == "broken")
        self.assertEqual(sorted(results), sorted(p.lower() for p in cli["parts"]))
        assert_printed_parts(self, args, results)
        return py

    def test_linear_attention_in_fp16_with_relu_features(self):
        t = {"q": RNG.normal(0.0, 1.0, (5, 4)), "k": RNG.normal(0.0, 1.0, (7, 4)),
             "v": RNG.normal(1.0, 1.0, (7, 3)), "do": RNG.normal(0.0, 1.0, (5, 3))}
        self.same_as_cli("linear", "fp16", t, ["--feature", "relu"], feature="relu")

    def test_chunked_causal_linear_attention_in_bf16(self):
        t = {"q": RNG.normal(0.0, 1.0, (9, 4)), "k": RNG.normal(0.0, 4.0, (9, 4)),
             "v": RNG.normal(1.0, 1.0, (9, 2)), "do": RNG.normal(0.0, 1.0, (9, 2))}
        self.same_as_cli("linear.chunked", "bf16", t, ["--chunk", "4"], chunk=4)

    def test_causal_linear_attention_without_do_computes_o_alone(self):
        t = {"q": RNG.normal(0.0, 1.0, (4, 2)), "k": RNG.normal(0.0, 1.0, (4, 2)),
             "v": RNG.normal(0.0, 1.0, (4, 2))}
        py = self.same_as_cli("linear.causal", "fp32", t)
        self.assertEqual(list(py["parts"]), ["O"])

    def test_rwkv4_naive_with_large_keys_in_fp32_gives_the_commands_verdict(self):
        # e^k overflows fp32 past k = 88.72: the naive kernel's declared hazard
        t = {"w": RNG.random(4), "u": RNG.random(4), "k": RNG.normal(60.0, 30.0, (8, 4)),
             "v": RNG.normal(0.0, 1.0, (8, 4)), "do": RNG.normal(0.0, 1.0, (8, 4))}
        py = self.same_as_cli("rwkv4.naive", "fp32", t)
        self.assertNotEqual(py["verdict"], "kept")

    def test_rwkv4_stable_in_fp16(self):
        t = {"w": RNG.random(3), "u": RNG.random(3), "k": RNG.normal(0.0, 2.0, (6, 3)),
             "v": RNG.normal(0.0, 1.0, (6, 3)), "do": RNG.normal(0.0, 1.0, (6, 3))}
        self.same_as_cli("rwkv4.stable", "fp16", t)


class AttentionErrorsAreTheCommandsMessages(SameMessages, unittest.TestCase):
    def same_head_message(self, cli_args, call):
        """The command and the package on one head, with the same options."""
        head = Head(self, 2, 2, 2, 2, 1.0)
        self.same_message(["attention"] + cli_args + head.cli_args(), lambda: call(head))

    def test_an_unknown_kernel(self):
        self.same_head_message(["--kernel", "flashy"],
                          lambda h: normstab.attention("flashy", h.q, h.k, h.v))

    def test_an_unknown_policy(self):
        self.same_head_message(["--kernel", "flash", "-p", "fp17"],
                          lambda h: normstab.attention("flash", h.q, h.k, h.v, "fp17"))

    def test_a_normalizer_for_another_kernel(self):
        self.same_head_message(["--kernel", "flash", "--normalizer", "softmax.naive"],
                          lambda h: normstab.attention("flash", h.q, h.k, h.v,
                                                       normalizer="softmax.naive"))

    def test_a_causal_linear_kernel_with_more_queries_than_keys(self):
        head = Head(self, 3, 2, 2, 2, 1.0)
        self.same_message(["attention", "--kernel", "linear.causal"] + head.cli_args(),
                          lambda: normstab.attention("linear.causal", head.q, head.k, head.v,
                                                     do=head.do))

    def test_an_unknown_feature_map(self):
        head = Head(self, 2, 2, 2, 2, 1.0)
        self.same_message(["attention", "--kernel", "linear", "--feature", "gelu"] + head.cli_args(),
                          lambda: normstab.attention("linear", head.q, head.k, head.v,
                                                     feature="gelu"))

    def test_a_mask_that_is_not_zeros_and_ones(self):
        with self.assertRaisesRegex(ValueError, "row 1 column 2 is 0.5, not 0 or 1"):
            normstab.attention("textbook", np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)),
                               mask=np.array([[1.0, 0.5], [1.0, 1.0]]))

    def test_a_mask_of_another_shape(self):
        with self.assertRaisesRegex(ValueError, r"--mask: shape \(2, 3\), the head needs 2 x 2"):
            normstab.attention("textbook", np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)),
                               mask=np.ones((2, 3)))

    def test_keys_and_values_of_different_lengths(self):
        with self.assertRaisesRegex(ValueError, "one value per key"):
            normstab.attention("textbook", np.ones((2, 2)), np.ones((3, 2)), np.ones((2, 2)))


class AttentionSearchMatchesTheCommand(SameMessages, unittest.TestCase):
    def test_the_search_finds_what_the_command_finds_and_each_finding_replays(self):
        status, out, err = run("search", "--kernel", "flash", "-p", "fp16", "--objective", "nan",
                               "--evals", "400", "--seed", "2", "--masks", "--json")
        self.assertIn(status, (0, 1), err)
        cli = [d for d in json_lines(out) if not d.get("summary")]
        py = normstab.attention_search("flash", "nan", "fp16", evals=400, seed=2, masks=True)
        self.assertGreater(len(py), 0)
        self.assertEqual(len(py), len(cli))
        for a, b in zip(py, cli):
            for k in ("kernel", "policy", "kind", "cause", "verdict", "confirmed", "n_q", "n_k"):
                self.assertEqual(a[k], b[k], k)
            self.assertTrue(same_bits(a["q"].ravel(), [float.fromhex(s) for s in b["q"]]))
            # replayed here, the finding gives the command's verdict on it
            with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
                f.write(json.dumps(b))
                f.flush()
                s, rout, rerr = run("attention", "--finding", f.name, "--json")
            self.assertIn(s, (0, 1), rerr)
            again = normstab.attention(a["kernel"], a["q"], a["k"], a["v"], a["policy"], do=a["do"],
                                       mask=a["keep"], block_k=a["block_k"])
            self.assertEqual(again["verdict"], json_lines(rout)[0]["verdict"])
        # a score beyond fp16's largest finite value: inf, then NaN (PyTorch #119131)
        self.assertTrue(any(f["cause"] == "score overflow" for f in py))

    def test_an_objective_the_kernel_search_has_not(self):
        self.same_message(["search", "--kernel", "flash", "-p", "fp16", "--objective", "sum",
                           "--evals", "10"],
                          lambda: normstab.attention_search("flash", "sum", "fp16", evals=10))


if __name__ == "__main__":
    unittest.main()
