"""normstab (the package) gives the command line's answers: the same bits
from eval and reference, the same objects from check and search, the same
messages as ValueError."""
import os
import tempfile
import threading
import unittest

import numpy as np

import normstab
from clitool import SameMessages, exact_rows, json_lines, run, same_bits

RNG = np.random.default_rng(19)


def logits(rows, n, scale=4.0):
    x = RNG.normal(0.0, scale, (rows, n))
    x[0, 0] = -np.inf          # a masked entry
    x[1, :3] = [11.5, 11.0, -3.0]   # near fp16's overflow of e^x
    return x


class Files:
    """Rows saved as .npy for the command."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()

    def save(self, name, a):
        path = os.path.join(self.dir.name, name)
        np.save(path, np.asarray(a, dtype=np.float64))
        return path


class EvalMatchesTheCommand(unittest.TestCase):
    def setUp(self):
        self.files = Files()

    def tearDown(self):
        self.files.dir.cleanup()

    def cli_eval(self, x, g, *opts):
        args = ["eval", "-i", self.files.save("x.npy", x)] + list(opts)
        if g is not None:
            args += ["-g", self.files.save("g.npy", g)]
        status, out, err = run(*args)
        self.assertEqual(status, 0, err)
        rows = exact_rows(out)
        if g is None:
            return np.array(rows), None
        return np.array(rows[0::2]), np.array(rows[1::2])

    def check_same(self, name, policy, sum="seq", params=None, n=24):
        x = logits(6, n)
        g = RNG.normal(0.0, 1.0, x.shape)
        opts = ["-n", name, "-p", policy, "--sum", sum]
        for k, v in (params or {}).items():
            opts += ["--param", "%s=%r" % (k, float(v))]
        y_cli, dx_cli = self.cli_eval(x, g, *opts)
        y, dx = normstab.eval(name, x, policy, g=g, sum=sum, params=params)
        self.assertTrue(same_bits(y, y_cli), "%s %s %s: y differs" % (name, policy, sum))
        self.assertTrue(same_bits(dx, dx_cli), "%s %s %s: dx differs" % (name, policy, sum))
        y_only, none = normstab.eval(name, x, policy, sum=sum, params=params)
        self.assertIsNone(none)
        self.assertTrue(same_bits(y_only, y_cli))

    def test_softmax_in_fp16_io_gives_the_same_bits(self):
        self.check_same("softmax.shifted", "fp16-io")

    def test_naive_softmax_in_fp16_gives_the_same_nan_and_inf(self):
        self.check_same("softmax.naive", "fp16")

    def test_online_softmax_in_bf16_with_pairwise_sums_gives_the_same_bits(self):
        self.check_same("softmax.online", "bf16", sum="pairwise")

    def test_logsoftmax_in_fp32_with_kahan_sums_gives_the_same_bits(self):
        self.check_same("logsoftmax.shifted", "fp32", sum="kahan")

    def test_a_composed_policy_gives_the_same_bits(self):
        self.check_same("softmax.recip", "in=bf16,work=fp32,acc=fp32,out=bf16", sum="lanes:4")

    def test_the_reference_gives_the_same_bits(self):
        x = logits(3, 10)
        g = RNG.normal(0.0, 1.0, x.shape)
        y_cli, dx_cli = self.cli_eval(x, g, "-n", "softmax.shifted", "-p", "ref")
        y, dx = normstab.reference("softmax.shifted", x, g=g)
        self.assertTrue(same_bits(y, y_cli) and same_bits(dx, dx_cli))

    def test_one_row_in_gives_one_row_out(self):
        x = np.array([1.0, 2.0, 3.0])
        y, _ = normstab.eval("softmax.shifted", x, "fp64")
        self.assertEqual(y.shape, (3,))
        # e^k / (1 + e + e^2), correctly rounded within a few ulps of fp64
        e = np.exp(1.0)
        np.testing.assert_allclose(y, [1 / (1 + e + e * e), e / (1 + e + e * e),
                                       e * e / (1 + e + e * e)], rtol=1e-15)


class InputFormats(unittest.TestCase):
    def test_bfloat16_bits_in_uint16_are_read_as_their_values(self):
        # 0x3F80 = 1.0, 0xC000 = -2.0, 0x4049 = 3.140625, 0xFF80 = -inf (bf16 layout)
        bits = np.array([0x3F80, 0xC000, 0x4049, 0xFF80], dtype=np.uint16)
        self.assertTrue(same_bits(normstab.as_float64(bits), [1.0, -2.0, 3.140625, -np.inf]))
        y, _ = normstab.eval("softmax.shifted", bits, "bf16-io")
        y64, _ = normstab.eval("softmax.shifted", [1.0, -2.0, 3.140625, -np.inf], "bf16-io")
        self.assertTrue(same_bits(y, y64))

    def test_float16_and_float32_rows_are_taken_exactly(self):
        x16 = np.array([0.1, 65504.0, -7.5], dtype=np.float16)
        self.assertTrue(same_bits(normstab.as_float64(x16), x16.astype(np.float64)))
        x32 = np.array([[0.1, 1e-40]], dtype=np.float32)
        self.assertTrue(same_bits(normstab.as_float64(x32), x32.astype(np.float64)))

    def test_integer_arrays_are_refused(self):
        with self.assertRaisesRegex(ValueError, "dtype int64"):
            normstab.eval("softmax.shifted", np.arange(3), "fp16")

    def test_empty_rows_and_three_dimensions_are_refused(self):
        with self.assertRaisesRegex(ValueError, "rows of 0 numbers"):
            normstab.eval("softmax.shifted", np.zeros((2, 0)), "fp16")
        with self.assertRaisesRegex(ValueError, "3 dimensions"):
            normstab.eval("softmax.shifted", np.zeros((2, 2, 2)), "fp16")

    def test_a_gradient_of_another_shape_is_refused(self):
        with self.assertRaisesRegex(ValueError, "g: shape"):
            normstab.eval("softmax.shifted", np.zeros((2, 3)), "fp16", g=np.zeros((2, 4)))


class ErrorsAreTheCommandsMessages(SameMessages, unittest.TestCase):
    def test_an_unknown_normalizer(self):
        self.same_message(["eval", "-n", "softmax.nope", "-p", "fp16"],
                          lambda: normstab.eval("softmax.nope", [1.0, 2.0], "fp16"))

    def test_an_unknown_policy(self):
        self.same_message(["eval", "-n", "softmax.shifted", "-p", "fp17"],
                          lambda: normstab.eval("softmax.shifted", [1.0, 2.0], "fp17"))

    def test_an_unknown_summation_order(self):
        self.same_message(["check", "-n", "softmax.shifted", "-p", "fp16", "--sum", "sideways"],
                          lambda: normstab.check("softmax.shifted", [1.0, 2.0], "fp16", sum="sideways"))

    def test_an_unknown_parameter(self):
        self.same_message(["eval", "-n", "softmax.shifted", "-p", "fp16", "--param", "beta=2.0"],
                          lambda: normstab.eval("softmax.shifted", [1.0, 2.0], "fp16",
                                                params={"beta": 2}))

    def test_check_refuses_the_reference_as_policy(self):
        self.same_message(["check", "-n", "softmax.shifted", "-p", "ref"],
                          lambda: normstab.check("softmax.shifted", [1.0, 2.0], "ref"))

    def test_search_refuses_an_unknown_objective(self):
        status, _, err = run("search", "-n", "softmax.shifted", "-p", "fp16", "--objective", "speed",
                             "--evals", "10")
        self.assertEqual(status, 2)
        with self.assertRaises(ValueError) as cm:
            normstab.search("softmax.shifted", "fp16", "speed", evals=10)
        self.assertEqual(str(cm.exception), err.strip()[len("normstab: "):])


def exact(d, keys):
    return {k: [float.fromhex(s) for s in d[k]] for k in keys if k in d}


class CheckMatchesTheCommand(unittest.TestCase):
    def test_check_gives_the_objects_of_check_json_but_where_the_row_came_from(self):
        files = Files()
        x = logits(5, 16)
        x[2, :] = [12.0] * 16        # fp16 overflow for the naive kernel
        path = files.save("x.npy", x)
        self.addCleanup(files.dir.cleanup)
        for name, policy in (("softmax.shifted", "fp16-io"), ("softmax.naive", "fp16")):
            status, out, err = run("check", "-n", name, "-p", policy, "-i", path, "--json")
            self.assertIn(status, (0, 1), err)
            cli = json_lines(out)
            py = normstab.check(name, x, policy)
            self.assertEqual(len(py), len(cli))
            fields = ("x", "y", "y_ref", "g", "dx", "dx_ref")
            for a, b in zip(py, cli):
                for k in fields:
                    self.assertTrue(same_bits(a[k], exact(b, [k])[k]), "%s: %s" % (name, k))
                rest_a = {k: v for k, v in a.items() if k not in fields + ("input",)}
                rest_b = {k: v for k, v in b.items() if k not in fields + ("input",)}
                self.assertEqual(rest_a, rest_b)
            self.assertEqual(status == 1, any(d["verdict"] == "broken" for d in py))

    def test_one_row_gives_one_dict(self):
        d = normstab.check("softmax.shifted", [1.0, 2.0, 3.0], "fp16-io", g=[1.0, 0.0, 0.0])
        self.assertEqual(d["verdict"], "kept")
        self.assertNotIn("gradient_seed", d)


class SearchMatchesTheCommand(unittest.TestCase):
    def test_search_with_an_evaluation_budget_finds_what_the_command_finds(self):
        status, out, err = run("search", "-n", "softmax.naive", "-p", "fp16", "--objective", "all",
                               "--evals", "4000", "--seed", "3", "--json")
        self.assertIn(status, (0, 1), err)
        cli = [d for d in json_lines(out) if not d.get("summary")]
        py = normstab.search("softmax.naive", "fp16", "all", evals=4000, seed=3)
        self.assertGreater(len(py), 0)
        self.assertEqual(len(py), len(cli))
        for a, b in zip(py, cli):
            for k in ("kind", "cause", "verdict", "n", "evals", "why", "detail"):
                self.assertEqual(a[k], b[k], k)
            self.assertTrue(same_bits(a["x"], exact(b, ["x"])["x"]))
        # the naive kernel's fp16 overflow, e^x for x > ln(65504) = 11.09
        self.assertTrue(any(f["cause"] == "overflow" for f in py))


class BatchesRunInThreads(unittest.TestCase):
    def test_two_threads_get_what_one_gets(self):
        x = logits(400, 64)
        want, _ = normstab.eval("softmax.shifted", x, "bf16-io", sum="pairwise")
        got = [None, None]

        def work(i):
            got[i], _ = normstab.eval("softmax.shifted", x, "bf16-io", sum="pairwise")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertTrue(same_bits(got[0], want) and same_bits(got[1], want))


if __name__ == "__main__":
    unittest.main()
