/* libFuzzer target: the formula parser (formulas/formula.h), fed the
 * input's bytes up to the first NUL as the text of --formula.  A refusal
 * must be one line starting "column C: " with C inside the text (or one
 * past its end), or "out of memory"; a formula read must be a graph whose
 * operands come before their nodes, and is then evaluated forward and
 * backward in fp16 and exactly on a short row, which must not crash.  Any
 * crash, leak or undefined behaviour is the finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../formulas/eval.h"
#include "../formulas/exact.h"
#include "../reference/ref.h"
#include "input_text.h"

static void check_graph(const ns_formula *f)
{
    if (f->count == 0 || f->count > NS_FORMULA_MAX_NODES || f->out < 0 || (size_t)f->out >= f->count ||
        f->nparams > NS_MAX_PARAMS)
        abort();
    for (size_t k = 0; k < f->count; k++) {
        const ns_fnode *nd = &f->node[k];
        if (nd->a >= (int)k || nd->b >= (int)k || (nd->op >= NS_F_NEG && nd->a < 0) ||
            (nd->op == NS_F_PARAM && (nd->param < 0 || (size_t)nd->param >= f->nparams)))
            abort();
    }
}

static void evaluate(const ns_formula *f)
{
    enum { N = 3 };
    const double x[N] = { -1.5, 0, 2 }, g[N] = { 1, -2, 0.5 };
    double y[N], dx[N], work[NS_WORK_DOUBLES(N)];
    const ns_policy *p = ns_policy_find("fp16");
    ns_ops op = { .io = p->io, .elem = p->elem, .acc = p->acc, .sum = NS_SUM_SEQ,
                  .param = f->param_value, .work = work, .tot = p->tot };
    ns_formula_forward(f, &op, x, y, N);
    ns_formula_backward(f, &op, x, y, g, dx, N);

    mpfi_ptr vy = ns_ref_intervals(N, 64), vdx = ns_ref_intervals(N, 64);
    if (vy && vdx) {
        mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
        mpfr_set_emin(mpfr_get_emin_min());
        mpfr_set_emax(mpfr_get_emax_max());
        ns_formula_enclose(f, x, g, f->param_value, N, 64, vy, vdx);
        mpfr_set_emin(emin);
        mpfr_set_emax(emax);
    }
    ns_ref_intervals_free(vy, vy ? N : 0);
    ns_ref_intervals_free(vdx, vdx ? N : 0);
    char why[256];
    ns_formula_undefined(f, x, f->param_value, N, why, sizeof why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = ns_fuzz_input_text(data, size);
    if (!text)
        return 0;
    char err[512] = "";
    ns_formula *f = ns_formula_parse(text, err, sizeof err);
    if (!f) {
        size_t column = 0;
        if (strcmp(err, "out of memory") != 0 &&
            (sscanf(err, "column %zu: ", &column) != 1 || column < 1 || column > strlen(text) + 1))
            abort();
        if (strchr(err, '\n'))
            abort();
    } else {
        check_graph(f);
        evaluate(f);
        ns_formula_free(f);
    }
    free(text);
    return 0;
}
