/* Midpoint-radius values over MPFR; the bounds are derived in mr.h. */
#include "mr.h"

#include <math.h>

void ns_mr_init2(ns_mr *v, mpfr_prec_t prec)
{
    mpfr_init2(v->mid, prec);
    mpfr_init2(v->rad, NS_MR_RAD_PREC);
    mpfr_set_zero(v->mid, 1);
    mpfr_set_zero(v->rad, 1);
}

void ns_mr_clear(ns_mr *v)
{
    mpfr_clear(v->mid);
    mpfr_clear(v->rad);
}

/* v->rad += a bound on |v->mid - z|, where v->mid = RN(z) returned the
 * ternary value t: u |mid| in range, 2^emin where it may have underflowed
 * (mid 0 or of exponent emin, mr.h), +inf on an overflow. */
static void add_rounding(ns_mr *v, int t)
{
    if (t == 0)
        return;
    if (mpfr_inf_p(v->mid)) {
        mpfr_set_inf(v->rad, 1);
        return;
    }
    MPFR_DECL_INIT(e, NS_MR_RAD_PREC);
    if (mpfr_zero_p(v->mid) || mpfr_get_exp(v->mid) == mpfr_get_emin()) {
        mpfr_set_ui_2exp(e, 1, mpfr_get_emin(), MPFR_RNDU);
    } else {
        mpfr_abs(e, v->mid, MPFR_RNDU);
        mpfr_mul_2si(e, e, -(long)mpfr_get_prec(v->mid), MPFR_RNDU);
    }
    mpfr_add(v->rad, v->rad, e, MPFR_RNDU);
}

/* r += |x| s rounded up; nothing when x or s is 0, so that an exact zero
 * times an unbounded radius stays exact (the term is A beta with A = 0). */
static void add_abs_product(mpfr_ptr r, mpfr_srcptr x, mpfr_srcptr s)
{
    if (mpfr_zero_p(x) || mpfr_zero_p(s))
        return;
    MPFR_DECL_INIT(t, NS_MR_RAD_PREC);
    mpfr_mul(t, x, s, MPFR_RNDA);
    mpfr_abs(t, t, MPFR_RNDU);
    mpfr_add(r, r, t, MPFR_RNDU);
}

/* Room for a - b exactly: a = f 2^ea with 1/2 <= |f| < 1 is a multiple of
 * 2^(ea-53) (subnormals included), and |a - b| < 2^(max(ea, eb) + 1), so
 * |ea - eb| + 54 bits hold the difference; |ea - eb| <= 1024 + 1073. */
#define DIFF_MAX_PREC (1024 + 1073 + 54)
#define DIFF_LIMBS ((DIFF_MAX_PREC + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS)

/* d = a - b exactly, in the caller's storage (MPFR's custom interface: no
 * allocation on this path, which runs once per exponential). */
static void exact_diff(mpfr_ptr d, mp_limb_t *limbs, double a, double b)
{
    mpfr_prec_t need = 53;
    if (a != 0 && b != 0) {
        int ea, eb;
        frexp(a, &ea);
        frexp(b, &eb);
        need = (ea > eb ? ea - eb : eb - ea) + 54;
    }
    mpfr_custom_init(limbs, need);
    mpfr_custom_init_set(d, MPFR_ZERO_KIND, 0, need, limbs);
    mpfr_set_d(d, a, MPFR_RNDN);
    mpfr_sub_d(d, d, b, MPFR_RNDN);
}

int ns_exp_diff_d(mpfr_ptr rop, double a, double b)
{
    /* Most differences are exact in binary64: TwoSum (Knuth) gives the
     * exact error of the rounded difference, in round-to-nearest binary64
     * without overflow; NaN (an overflow) is not 0. */
    double s = a - b, bv = s - a, err = (a - (s - bv)) + (-b - bv);
    if (err == 0) {
        MPFR_DECL_INIT(d, 53);
        mpfr_set_d(d, s, MPFR_RNDN);
        return mpfr_exp(rop, d, MPFR_RNDN);
    }
    mp_limb_t limbs[DIFF_LIMBS];
    mpfr_t d;
    exact_diff(d, limbs, a, b);
    return mpfr_exp(rop, d, MPFR_RNDN);
}

void ns_mr_set_ui(ns_mr *v, unsigned long a)
{
    mpfr_set_zero(v->rad, 1);
    add_rounding(v, mpfr_set_ui(v->mid, a, MPFR_RNDN));
}

void ns_mr_diff_d(ns_mr *v, double a, double b)
{
    mp_limb_t limbs[DIFF_LIMBS];
    mpfr_t d;
    exact_diff(d, limbs, a, b);
    mpfr_set_zero(v->rad, 1);
    add_rounding(v, mpfr_set(v->mid, d, MPFR_RNDN));
}

void ns_mr_add(ns_mr *v, const ns_mr *a, const ns_mr *b)
{
    mpfr_add(v->rad, a->rad, b->rad, MPFR_RNDU);
    add_rounding(v, mpfr_add(v->mid, a->mid, b->mid, MPFR_RNDN));
}

void ns_mr_sub(ns_mr *v, const ns_mr *a, const ns_mr *b)
{
    mpfr_add(v->rad, a->rad, b->rad, MPFR_RNDU);
    add_rounding(v, mpfr_sub(v->mid, a->mid, b->mid, MPFR_RNDN));
}

void ns_mr_mul(ns_mr *v, const ns_mr *a, const ns_mr *b)
{
    MPFR_DECL_INIT(r, NS_MR_RAD_PREC);                 /* |A| rb + |B| ra + ra rb */
    mpfr_set_zero(r, 1);
    add_abs_product(r, a->mid, b->rad);
    add_abs_product(r, b->mid, a->rad);
    add_abs_product(r, a->rad, b->rad);
    int t = mpfr_mul(v->mid, a->mid, b->mid, MPFR_RNDN);
    mpfr_set(v->rad, r, MPFR_RNDU);
    add_rounding(v, t);
}

void ns_mr_div(ns_mr *v, const ns_mr *a, const ns_mr *b)
{
    MPFR_DECL_INIT(den, NS_MR_RAD_PREC);               /* |B| - rb, rounded down */
    mpfr_abs(den, b->mid, MPFR_RNDD);
    mpfr_sub(den, den, b->rad, MPFR_RNDD);
    if (!(mpfr_cmp_ui(den, 0) > 0)) {                  /* the divisor may be 0 */
        mpfr_set_zero(v->mid, 1);
        mpfr_set_inf(v->rad, 1);
        return;
    }
    MPFR_DECL_INIT(r, NS_MR_RAD_PREC);                 /* (ra + |A/B| rb) / den */
    mpfr_set(r, a->rad, MPFR_RNDU);
    if (!mpfr_zero_p(a->mid) && !mpfr_zero_p(b->rad)) {
        MPFR_DECL_INIT(q, NS_MR_RAD_PREC);
        mpfr_div(q, a->mid, b->mid, MPFR_RNDA);
        add_abs_product(r, q, b->rad);
    }
    mpfr_div(r, r, den, MPFR_RNDU);
    int t = mpfr_div(v->mid, a->mid, b->mid, MPFR_RNDN);
    mpfr_set(v->rad, r, MPFR_RNDU);
    add_rounding(v, t);
}

void ns_mr_exp(ns_mr *v, const ns_mr *a)
{
    MPFR_DECL_INIT(ra, NS_MR_RAD_PREC);
    mpfr_set(ra, a->rad, MPFR_RNDU);
    int t = mpfr_exp(v->mid, a->mid, MPFR_RNDN);
    mpfr_set_zero(v->rad, 1);
    add_rounding(v, t);
    if (mpfr_zero_p(ra) || mpfr_inf_p(v->rad))
        return;
    MPFR_DECL_INIT(ea, NS_MR_RAD_PREC);                /* e^A <= mid + its rounding bound */
    mpfr_add(ea, v->mid, v->rad, MPFR_RNDU);
    mpfr_expm1(ra, ra, MPFR_RNDU);
    add_abs_product(v->rad, ea, ra);
}

void ns_mr_exp_diff_d(ns_mr *v, double a, double b)
{
    mpfr_set_zero(v->rad, 1);
    add_rounding(v, ns_exp_diff_d(v->mid, a, b));
}

void ns_mr_get_mpfi(mpfi_ptr out, const ns_mr *v)
{
    if (mpfr_nan_p(v->mid) || mpfr_nan_p(v->rad)) {
        mpfr_set_nan(&out->left);
        mpfr_set_nan(&out->right);
        return;
    }
    if (mpfr_inf_p(v->rad)) {
        mpfr_set_inf(&out->left, -1);
        mpfr_set_inf(&out->right, 1);
        return;
    }
    mpfr_sub(&out->left, v->mid, v->rad, MPFR_RNDD);
    mpfr_add(&out->right, v->mid, v->rad, MPFR_RNDU);
    if (mpfr_zero_p(&out->left))
        mpfr_set_zero(&out->left, 1);
    if (mpfr_zero_p(&out->right))
        mpfr_set_zero(&out->right, -1);
}
