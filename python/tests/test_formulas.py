"""Formulas from Python (SPEC section 8): formula='EXPR' and define give the
command line's answers, bit for bit, and its messages."""
import os
import tempfile
import unittest

import numpy as np

import normstab
from clitool import SameMessages, exact_rows, json_lines, run, same_bits

RNG = np.random.default_rng(8)
NAIVE = "exp(x)/sum(exp(x))"
SHIFTED = "exp(x - rowmax(x))/sum(exp(x - rowmax(x)))"


def npy(directory, name, a):
    path = os.path.join(directory, name)
    np.save(path, np.asarray(a, dtype=np.float64))
    return path


class FormulasGiveTheCommandsAnswers(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.x = RNG.normal(0.0, 4.0, (5, 12))
        self.x[1, :2] = [12.0, 11.5]         # past fp16's overflow of e^x
        self.g = RNG.normal(0.0, 1.0, self.x.shape)

    def test_a_formula_spelling_the_shifted_softmax_gives_its_bits(self):
        # SPEC section 8: the formula of a built-in algorithm's operations
        # gives that algorithm's outputs bit for bit (an independent code path)
        y, dx = normstab.eval(x=self.x, policy="fp16-io", g=self.g, formula=SHIFTED)
        y_alg, _ = normstab.eval("softmax.shifted", self.x, "fp16-io")
        self.assertTrue(same_bits(y, y_alg))
        status, out, err = run("eval", "--formula", SHIFTED, "-p", "fp16-io",
                               "-i", npy(self.dir.name, "x.npy", self.x),
                               "-g", npy(self.dir.name, "g.npy", self.g))
        self.assertEqual(status, 0, err)
        rows = exact_rows(out)
        self.assertTrue(same_bits(y, np.array(rows[0::2])))
        self.assertTrue(same_bits(dx, np.array(rows[1::2])))

    def test_the_formulas_reference_is_the_commands(self):
        y, dx = normstab.reference(x=self.x, g=self.g, formula=NAIVE)
        status, out, err = run("eval", "--formula", NAIVE, "-p", "ref",
                               "-i", npy(self.dir.name, "x.npy", self.x),
                               "-g", npy(self.dir.name, "g.npy", self.g))
        self.assertEqual(status, 0, err)
        rows = exact_rows(out)
        self.assertTrue(same_bits(y, np.array(rows[0::2])) and same_bits(dx, np.array(rows[1::2])))

    def test_check_of_a_formula_gives_the_objects_of_check_json(self):
        status, out, err = run("check", "--formula", NAIVE, "-p", "fp16", "--json",
                               "-i", npy(self.dir.name, "x.npy", self.x))
        self.assertIn(status, (0, 1), err)
        cli = json_lines(out)
        py = normstab.check(x=self.x, policy="fp16", formula=NAIVE)
        self.assertEqual(len(py), len(cli))
        fields = ("x", "y", "y_ref", "g", "dx", "dx_ref")
        for a, b in zip(py, cli):
            self.assertEqual(a["normalizer"], "formula")
            for k in fields:
                self.assertTrue(same_bits(a[k], [float.fromhex(s) for s in b[k]]), k)
            self.assertEqual({k: v for k, v in a.items() if k not in fields + ("input",)},
                             {k: v for k, v in b.items() if k not in fields + ("input",)})
        self.assertTrue(any(d["verdict"] == "broken" for d in py))   # NaN past the overflow

    def test_search_of_a_formula_finds_what_the_command_finds(self):
        status, out, err = run("search", "--formula", NAIVE, "-p", "fp16", "--objective", "nan",
                               "--evals", "1500", "--seed", "5", "--json")
        self.assertIn(status, (0, 1), err)
        cli = [d for d in json_lines(out) if not d.get("summary")]
        py = normstab.search(policy="fp16", objective="nan", evals=1500, seed=5, formula=NAIVE)
        self.assertGreater(len(py), 0)
        self.assertEqual(len(py), len(cli))
        for a, b in zip(py, cli):
            for k in ("normalizer", "kind", "cause", "verdict", "n", "evals"):
                self.assertEqual(a[k], b[k], k)
            self.assertTrue(same_bits(a["x"], [float.fromhex(s) for s in b["x"]]))

    def test_one_expression_used_twice_is_defined_once(self):
        # the library holds at most 64 formulas in a process: a loop over
        # one expression must not spend them
        a, _ = normstab.eval(x=[1.0, 2.0], policy="fp32", formula="x/sum(x)")
        defined = len(normstab._formulas)
        for _ in range(70):
            b, _ = normstab.eval(x=[1.0, 2.0], policy="fp32", formula="x/sum(x)")
        self.assertTrue(same_bits(a, b))
        self.assertEqual(len(normstab._formulas), defined)


class DefinedFormulas(unittest.TestCase):
    def test_a_defined_formula_takes_its_parameter(self):
        normstab.define("test.relupow", "relu(x)^p/sum(relu(x)^p); p = 2")
        # by hand, p = 3 in fp32: 1, 8, 27 and their sum 36 are exact, so
        # each output is one rounding of k^3/36; -1 gives relu = 0
        y, _ = normstab.eval("test.relupow", [1.0, 2.0, 3.0, -1.0], "fp32", params={"p": 3})
        want = (np.array([1, 8, 27, 0], dtype=np.float32) / np.float32(36)).astype(np.float64)
        self.assertTrue(same_bits(y, want))
        status, out, err = run("eval", "--define", "test.relupow=relu(x)^p/sum(relu(x)^p); p = 2",
                               "-n", "test.relupow", "-p", "fp32", "--param", "p=3",
                               stdin="1 2 3 -1\n")
        self.assertEqual(status, 0, err)
        self.assertTrue(same_bits(y, exact_rows(out)[0]))
        # the default p = 2: 1, 4, 9 over 14
        y2, _ = normstab.eval("test.relupow", [1.0, 2.0, 3.0], "fp32")
        want2 = (np.array([1, 4, 9], dtype=np.float32) / np.float32(14)).astype(np.float64)
        self.assertTrue(same_bits(y2, want2))


class FormulaErrorsAreTheCommandsMessages(SameMessages, unittest.TestCase):
    def test_a_malformed_formula_names_its_column(self):
        msg = self.same_message(["eval", "--formula", "exp(x)/sum(exp(x)", "-p", "fp16"],
                                lambda: normstab.eval(x=[1.0, 2.0], policy="fp16",
                                                      formula="exp(x)/sum(exp(x)"))
        self.assertIn("column", msg)

    def test_an_unknown_function_names_its_column(self):
        self.same_message(["eval", "--formula", "x + frob(x)", "-p", "fp16"],
                          lambda: normstab.eval(x=[1.0, 2.0], policy="fp16", formula="x + frob(x)"))

    def test_a_malformed_definition(self):
        self.same_message(["eval", "--define", "test.bad=exp(x", "-n", "test.bad", "-p", "fp16"],
                          lambda: normstab.define("test.bad", "exp(x"))

    def test_a_name_the_catalogue_has(self):
        self.same_message(["eval", "--define", "softmax.naive=x", "-n", "softmax.naive", "-p", "fp16"],
                          lambda: normstab.define("softmax.naive", "x"))

    def test_a_name_and_a_formula_together_are_refused(self):
        with self.assertRaisesRegex(ValueError, "not both"):
            normstab.eval("softmax.naive", [1.0], "fp16", formula=NAIVE)


if __name__ == "__main__":
    unittest.main()
