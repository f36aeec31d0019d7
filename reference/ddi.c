/* Double-double intervals (ddi.h): the algorithms and their error budgets
 * (the double-double building blocks are in dd.h; ddi_add, ddi_sub and
 * ddi_mul are inline in ddi.h). */
#include "ddi.h"

#include <stdint.h>
#include <string.h>

#define DD_OP_ERR 0x1p-103           /* DDI_REL_ERR as proven: 3u^2 + 13u^3, 7u^2 < 2^-103 */

static const ddi invalid = { NAN, NAN, INFINITY };

ddi ddi_diff(double a, double b)
{
    if (!isfinite(a) || !isfinite(b))
        return invalid;
    dd d = dd_two_sum(a, -b);
    if (d.hi == 0)
        return (ddi){ 0, 0, 0 };
    ddi v = ddi_enclose(d, 0);
    if (ddi_valid(v))
        v.r = 0;                       /* TwoSum is exact */
    return v;
}

/* q = a/b from q1 ~ a.hi/b.hi and one correction; its error is bounded by
 * the residual a - q b, computed in double-double: |a/b - q| = |a - q b| / |b|.
 * For members a' of a and b' of b, |a'/b' - a/b| <= (r_a + |a/b| r_b) /
 * (|b| - r_b). */
ddi ddi_div(ddi a, ddi b)
{
    if (!ddi_valid(a) || !ddi_valid(b) || b.hi == 0 || !(b.r <= fabs(b.hi) * 0.5))
        return invalid;
    if (ddi_is_exact_zero(a))
        return (ddi){ 0, 0, 0 };
    dd ma = { a.hi, a.lo }, mb = { b.hi, b.lo };
    double inv = 1 / b.hi;                         /* the only division */
    double q1 = a.hi * inv;
    dd res = dd_add(ma, dd_neg(dd_mul((dd){ q1, 0 }, mb)));
    dd q = dd_two_sum(q1, res.hi * inv);
    dd p = dd_mul(q, mb);                          /* the certified residual */
    dd d = dd_add(ma, dd_neg(p));
    double resid = fabs(d.hi) * DDI_MAG + DDI_REL_ERR * DDI_MAG * (fabs(p.hi) + fabs(d.hi));
    /* bmin = |b.hi| / DDI_MAG <= |mb|, and 1 / bmin <= |inv| DDI_MAG (1 + 2^-52). */
    double ib = fabs(inv) * DDI_MAG * (1 + 0x1p-52);
    double eq = resid * ib;
    double qmax = fabs(q.hi) * DDI_MAG + eq;
    /* 1 / (bmin - r_b) = (1 / bmin) / (1 - t), t = r_b / bmin <= r_b ib
     * <= 0.51, and 1 / (1 - t) <= 1 + 2.25 t for t <= 0.55 (convex: below
     * its chord from 0 to 0.55). */
    double t = b.r * ib;
    return ddi_enclose(q, eq + (a.r + qmax * b.r) * ib * (1 + 2.25 * t));
}

/* ---- exp and expm1 ----
 *
 * x = k ln2/128 + r with k = 128 m + j, -64 <= j < 64, |r| <= 2^-8.5; then
 *     e^x = 2^m T_j (1 + u),   e^x - 1 = T_j u + D_j (m = 0),
 * with T_j = 2^(j/128), D_j = T_j - 1 and u = e^r - 1 = r q(r).
 *
 * The budget (unit roundoff 2^-53; each AccurateDWPlusDW, DWTimesDW1 or
 * dd_add_small adds at most 2^-103 of its exact result, DD_OP_ERR; the
 * additions that use dd_add_small add a term at most 2^-8.49 of the other: |r| q6
 * <= 2^-18 vs 1/5!, |r| / 4! vs 1/3!, r^2 p2 vs p1, r^2 x2 vs r / 2
 * (2 |r| x2 <= 2^-10), r z vs r (|z| <= 2^-9.4), T u vs T (|u| <= 2^-8.49)):
 *   reduction: k L1 is exact (|k| < 2^17, L1 has 32 bits), x.hi - k L1 and
 *     x.lo - (k L2).hi by TwoSum and k L2 by TwoProd are exact; the rest of
 *     w = x.lo - k L2 - k L3, |w| < 2^-22.3, is a low part below 2^-74 with
 *     three roundings (2^-127 each, k L3 one of them), then TwoSum (exact);
 *     r = a + w adds 2^-103 |r|; ln2/128 - L1 - L2 - L3 < 2^-147 (tests
 *     check it), times |k|: 2^-130.  So r is off by d <= 2^-103 |r| +
 *     2^-125 (and exact when k = 0: r = x).
 *   u = r + r z, z = r/2 + r^2 (p1 + r^2 p2), p1 = 1/3! + r/4!,
 *     p2 = 1/5! + r q6, q6 = 1/6! + r t, t = sum_{i>=7} r^{i-7}/i!: the
 *     Taylor polynomial of degree 10 (truncation |r|^11/11! e^|r| <= 2^-110.2
 *     |r|) in a shallow order.  t in double from r.hi (relative 2^-50,
 *     times r^6: 2^-113 |r|), q6 with one rounding of its low part
 *     (2^-62.7 relative, times r^5: 2^-114.7 |r|); the coefficients as
 *     rounded double-doubles (2^-106 relative); x2 = p1 + r^2 p2 within
 *     2.2 2^-103 relative, r^2 x2 within 4.3 2^-103 of its value <=
 *     2^-11.1 |r|; so z is within (0.5014 + 0.002) 2^-103 |r|, r z within
 *     0.003 2^-103 |r|, and u = r + r z, after its own 2^-103 |u|, within
 *     1.012 2^-103 relative of e^r - 1 at the computed r (|u| >= (1 -
 *     2^-9.5) |r|).
 *   e^x: T_j (tests: correctly rounded double-doubles, 2^-106 relative),
 *     T_j u (2^-103 of T_j |u| <= 2^-8.5 T_j), T_j + T_j u (2^-103);
 *     with r's error d (e^d - 1 <= 1.003 d): relative to e^x >= 0.997 T_j,
 *     (1 + 2^-3 + 2^-8.5 (1.012 + 1 + 1.003 + 2^-3)) 2^-103 + 2^-124.9
 *     < 1.14 2^-103 < 2^-102.8; times 2^m: exact.  EXP_REL states 2^-101.
 *   e^x - 1, k = 0: u alone, 1.012 2^-103.
 *   e^x - 1, m = 0, j != 0: |x| >= 0.0027, so |e^x - 1| >= 0.002703 and
 *     T_j |r| <= 1.01 |e^x - 1| (j = +-1 the worst); errors T_j |u| (1.012
 *     + 1 + 2^-3) 2^-103 + T_j 1.003 d, D_j 2^-106 (D_j <= 2.01 |e^x - 1|),
 *     the sum 2^-103: in all below (1.01 (2.14 + 1.003) + 0.25 + 1) 2^-103
 *     < 4.5 2^-103.
 *   e^x - 1, m != 0: |x| >= 0.3439, so e^x <= 3.44 |e^x - 1|: 3.44 1.14
 *     2^-103 + 2^-103 (the subtraction) < 5 2^-103.
 *   EXPM1_REL states 2^-100 (5 2^-103 < 2^-100.6). */
#define EXP_REL 0x1p-101
#define EXPM1_REL 0x1p-100

/* ln2/128 = L1 + L2 + L3 + O(2^-147); L1 = fdlibm's ln2_hi / 128 has 32
 * significant bits. */
static const double L1 = 0x1.62e42feep-8, L2 = 0x1.a39ef35793c76p-40, L3 = 0x1.cc01f97b57a08p-94;
static const double INV_L = 0x1.71547652b82fep+7;   /* 128/ln2 */

/* 1/i! for i = 3..6 as double-doubles, 7..10 as doubles (rounded from MPFR;
 * tests/test_tier_ops.c checks them). */
static const dd C3 = { 0x1.5555555555555p-3, 0x1.5555555555555p-57 },
                C4 = { 0x1.5555555555555p-5, 0x1.5555555555555p-59 },
                C5 = { 0x1.1111111111111p-7, 0x1.1111111111111p-63 },
                C6 = { 0x1.6c16c16c16c17p-10, -0x1.f49f49f49f49fp-65 };
static const double C7 = 0x1.a01a01a01a01ap-13, C8 = 0x1.a01a01a01a01ap-16, C9 = 0x1.71de3a556c734p-19,
                    C10 = 0x1.27e4fb7789f5cp-22;

/* T_j = 2^(j/128) and D_j = T_j - 1, j = -64..63 (row j + 64), each the
 * correctly rounded double-double (hi = RN(v), lo = RN(v - hi)), computed
 * with MPFR at 400 bits; tests/test_tier_ops.c checks every entry. */
static const struct exp_entry {
    dd t, d;
} exp_table[128] = {
    { { 0x1.6a09e667f3bcdp-1, -0x1.bdd3413b26456p-55 }, { -0x1.2bec333018867p-2, 0x1.08b2fb1366ea9p-57 } },
    { { 0x1.6c012750bdabfp-1, -0x1.2895667ff0b0dp-57 }, { -0x1.27fdb15e84a82p-2, -0x1.2895667ff0b0dp-57 } },
    { { 0x1.6dfb23c651a2fp-1, -0x1.bbe3a683c88abp-58 }, { -0x1.2409b8735cba2p-2, -0x1.bbe3a683c88abp-58 } },
    { { 0x1.6ff7df9519484p-1, -0x1.83c0f25860ef6p-56 }, { -0x1.201040d5cd6f8p-2, -0x1.83c0f25860ef6p-56 } },
    { { 0x1.71f75e8ec5f74p-1, -0x1.16e4786887a99p-56 }, { -0x1.1c1142e274118p-2, -0x1.16e4786887a99p-56 } },
    { { 0x1.73f9a48a58174p-1, -0x1.0a8d96c65d53cp-55 }, { -0x1.180cb6eb4fd19p-2, 0x1.eae4d27345589p-56 } },
    { { 0x1.75feb564267c9p-1, -0x1.0245957316dd3p-55 }, { -0x1.14029537b306fp-2, 0x1.fb74d519d2459p-56 } },
    { { 0x1.780694fde5d3fp-1, 0x1.866b80a02162dp-55 }, { -0x1.0ff2d60434581p-2, -0x1.e651fd7f7a74dp-57 } },
    { { 0x1.7a11473eb0187p-1, -0x1.41577ee04992fp-56 }, { -0x1.0bdd71829fcf2p-2, -0x1.41577ee04992fp-56 } },
    { { 0x1.7c1ed0130c132p-1, 0x1.f124cd1164dd6p-55 }, { -0x1.07c25fd9e7d9bp-2, -0x1.db665dd36454fp-60 } },
    { { 0x1.7e2f336cf4e62p-1, 0x1.05d02ba15797ep-57 }, { -0x1.03a199261633cp-2, 0x1.05d02ba15797ep-57 } },
    { { 0x1.80427543e1a12p-1, -0x1.27c86626d972bp-55 }, { -0x1.fef62af0797b9p-3, -0x1.3e433136cb956p-58 } },
    { { 0x1.82589994cce13p-1, -0x1.d4c1dd41532d8p-55 }, { -0x1.f69d99accc7b6p-3, 0x1.59f115f56694p-58 } },
    { { 0x1.8471a4623c7adp-1, -0x1.8d684a341cdfbp-56 }, { -0x1.ee396e770e14dp-3, 0x1.ca5ed72f8c813p-58 } },
    { { 0x1.868d99b4492edp-1, -0x1.fc6f89bd4f6bap-55 }, { -0x1.e5c9992edb44ep-3, 0x1.c83b21584a2e1p-62 } },
    { { 0x1.88ac7d98a6699p-1, 0x1.994c2f37cb53ap-55 }, { -0x1.dd4e099d6659ap-3, -0x1.9acf4320d2b16p-57 } },
    { { 0x1.8ace5422aa0dbp-1, 0x1.6e9f156864b27p-55 }, { -0x1.d4c6af7557c93p-3, 0x1.ba7c55a192c9cp-57 } },
    { { 0x1.8cf3216b5448cp-1, -0x1.0d55e32e9e3aap-57 }, { -0x1.cc337a52aeddp-3, -0x1.0d55e32e9e3aap-57 } },
    { { 0x1.8f1ae99157736p-1, 0x1.5cc13a2e3976cp-56 }, { -0x1.c39459baa2327p-3, -0x1.467d8ba38d128p-57 } },
    { { 0x1.9145b0b91ffc6p-1, -0x1.dd6792e582524p-55 }, { -0x1.bae93d1b800eap-3, 0x1.14c368d3ed6e2p-58 } },
    { { 0x1.93737b0cdc5e5p-1, -0x1.75fc781b57ebcp-58 }, { -0x1.b23213cc8e86cp-3, -0x1.75fc781b57ebcp-58 } },
    { { 0x1.95a44cbc8520fp-1, -0x1.64b7c96a5f039p-57 }, { -0x1.a96ecd0deb7c4p-3, -0x1.64b7c96a5f039p-57 } },
    { { 0x1.97d829fde4e5p-1, -0x1.d185b7c1b85d1p-55 }, { -0x1.a09f58086c6c2p-3, 0x1.73d241f23d17bp-58 } },
    { { 0x1.9a0f170ca07bap-1, -0x1.173bd91cee632p-55 }, { -0x1.97c3a3cd7e119p-3, -0x1.73bd91cee6321p-59 } },
    { { 0x1.9c49182a3f09p-1, 0x1.c7c46b071f2bep-57 }, { -0x1.8edb9f5703dcp-3, 0x1.c7c46b071f2bep-57 } },
    { { 0x1.9e86319e32323p-1, 0x1.824ca78e64c6ep-57 }, { -0x1.85e7398737374p-3, 0x1.824ca78e64c6ep-57 } },
    { { 0x1.a0c667b5de565p-1, -0x1.359495d1cd533p-55 }, { -0x1.7ce6612886a6dp-3, -0x1.aca4ae8e6a997p-58 } },
    { { 0x1.a309bec4a2d33p-1, 0x1.6305c7ddc36abp-55 }, { -0x1.73d904ed74b33p-3, 0x1.8c171f770daadp-57 } },
    { { 0x1.a5503b23e255dp-1, -0x1.d2f6edb8d41e1p-55 }, { -0x1.6abf137076a8ep-3, 0x1.684892395f0f8p-58 } },
    { { 0x1.a799e1330b358p-1, 0x1.bcb7ecac563c7p-55 }, { -0x1.61987b33d329ep-3, -0x1.0d204d4ea70e5p-57 } },
    { { 0x1.a9e6b5579fdbfp-1, 0x1.0fac90ef7fd31p-55 }, { -0x1.58652aa180903p-3, 0x1.f5921deffa626p-60 } },
    { { 0x1.ac36bbfd3f37ap-1, -0x1.f9234cae76cdp-56 }, { -0x1.4f25100b03219p-3, 0x1.b72cd4624cbf9p-62 } },
    { { 0x1.ae89f995ad3adp-1, 0x1.7a1cd345dcc81p-55 }, { -0x1.45d819a94b14bp-3, 0x1.e8734d1773206p-57 } },
    { { 0x1.b0e07298db666p-1, -0x1.bdef54c80e425p-55 }, { -0x1.3c7e359c9266ap-3, 0x1.0842acdfc6f6dp-57 } },
    { { 0x1.b33a2b84f15fbp-1, -0x1.2805e3084d708p-58 }, { -0x1.331751ec3a814p-3, -0x1.2805e3084d708p-58 } },
    { { 0x1.b59728de5593ap-1, -0x1.c71dfbbba6de3p-55 }, { -0x1.29a35c86a9b1ap-3, 0x1.c7102222c90e8p-58 } },
    { { 0x1.b7f76f2fb5e47p-1, -0x1.5584f7e54ac3bp-57 }, { -0x1.20224341286e4p-3, -0x1.5584f7e54ac3bp-57 } },
    { { 0x1.ba5b030a1064ap-1, -0x1.efcd30e54292ep-55 }, { -0x1.1693f3d7be6dap-3, 0x1.032cf1abd6d2p-59 } },
    { { 0x1.bcc1e904bc1d2p-1, 0x1.23dd07a2d9e84p-56 }, { -0x1.0cf85bed0f8b7p-3, -0x1.b845f0ba4c2f7p-57 } },
    { { 0x1.bf2c25bd71e09p-1, -0x1.efdca3f6b9c73p-55 }, { -0x1.034f690a387dep-3, 0x1.0235c094638d1p-59 } },
    { { 0x1.c199bdd85529cp-1, 0x1.11065895048ddp-56 }, { -0x1.f332113d56b1fp-4, 0x1.1065895048dd3p-60 } },
    { { 0x1.c40ab5fffd07ap-1, 0x1.b4537e083c60ap-55 }, { -0x1.dfaa500017c2dp-4, 0x1.a29bf041e3051p-58 } },
    { { 0x1.c67f12e57d14bp-1, 0x1.2884dff483cadp-55 }, { -0x1.cc0768d4175a6p-4, 0x1.4426ffa41e566p-58 } },
    { { 0x1.c8f6d9406e7b5p-1, 0x1.1acbc48805c44p-57 }, { -0x1.b84935fc8c257p-4, -0x1.ca6876eff4778p-58 } },
    { { 0x1.cb720dcef9069p-1, 0x1.503cbd1e949dbp-57 }, { -0x1.a46f918837cb7p-4, -0x1.5f8685c2d6c49p-58 } },
    { { 0x1.cdf0b555dc3fap-1, -0x1.dd83b53829d72p-56 }, { -0x1.907a55511e032p-4, 0x1.13e2563eb147p-59 } },
    { { 0x1.d072d4a07897cp-1, -0x1.cbc3743797a9cp-55 }, { -0x1.7c695afc3b424p-4, 0x1.a1e45e4342b1cp-58 } },
    { { 0x1.d2f87080d89f2p-1, -0x1.d487b719d8578p-55 }, { -0x1.683c7bf93b074p-4, 0x1.5bc247313d44p-58 } },
    { { 0x1.d5818dcfba487p-1, 0x1.2ed02d75b3707p-56 }, { -0x1.53f391822dbc7p-4, 0x1.76816bad9b837p-59 } },
    { { 0x1.d80e316c98398p-1, -0x1.11ec18beddfe8p-55 }, { -0x1.3f8e749b3e342p-4, -0x1.1ec18beddfe82p-59 } },
    { { 0x1.da9e603db3285p-1, 0x1.c2300696db532p-55 }, { -0x1.2b0cfe1266bd4p-4, -0x1.ee7fcb492566dp-58 } },
    { { 0x1.dd321f301b46p-1, 0x1.2da5778f018c3p-55 }, { -0x1.166f067f25cfep-4, 0x1.6d2bbc780c614p-58 } },
    { { 0x1.dfc97337b9b5fp-1, -0x1.1a5cd4f184b5cp-55 }, { -0x1.01b466423250ap-4, -0x1.a5cd4f184b5b9p-59 } },
    { { 0x1.e264614f5a129p-1, -0x1.7b627817a1496p-55 }, { -0x1.d9b9eb0a5ed76p-5, 0x1.2761fa17ada64p-61 } },
    { { 0x1.e502ee78b3ff6p-1, 0x1.39e8980a9cc8fp-56 }, { -0x1.afd11874c009ep-5, 0x1.cf44c054e647ap-59 } },
    { { 0x1.e7a51fbc74c83p-1, 0x1.2d522ca0c8de2p-55 }, { -0x1.85ae0438b37cbp-5, -0x1.2add35f3721e6p-59 } },
    { { 0x1.ea4afa2a490dap-1, -0x1.e9c23179c2893p-55 }, { -0x1.5b505d5b6f268p-5, 0x1.63dce863d76ccp-59 } },
    { { 0x1.ecf482d8e67f1p-1, -0x1.c93f3b411ad8cp-55 }, { -0x1.30b7d271980f7p-5, -0x1.27e768235b188p-60 } },
    { { 0x1.efa1bee615a27p-1, 0x1.dc7f486a4b6bp-55 }, { -0x1.05e4119ea5d89p-5, 0x1.c7f486a4b6b08p-59 } },
    { { 0x1.f252b376bba97p-1, 0x1.3a1a5bf0d8e43p-55 }, { -0x1.b5a991288ad16p-6, -0x1.796903c9c6f2bp-61 } },
    { { 0x1.f50765b6e454p-1, 0x1.9d3e12dd8a18bp-55 }, { -0x1.5f134923757f3p-6, -0x1.60f6913af3a8ap-62 } },
    { { 0x1.f7bfdad9cbe14p-1, -0x1.dbb12d006350ap-55 }, { -0x1.0804a4c683d8fp-6, 0x1.13b4bfe72bd96p-61 } },
    { { 0x1.fa7c1819e90d8p-1, 0x1.74853f3a5931ep-56 }, { -0x1.60f9f985bc9f4p-7, -0x1.6f5818b4d9c3ep-61 } },
    { { 0x1.fd3c22b8f71f1p-1, 0x1.2eb74966579e7p-58 }, { -0x1.61eea3847077bp-8, -0x1.148b699a8618bp-62 } },
    { { 0x1p+0, 0x0p+0 }, { 0x0p+0, 0x0p+0 } },
    { { 0x1.0163da9fb3335p+0, 0x1.b61299ab8cdb7p-54 }, { 0x1.63da9fb33356ep-8, -0x1.ed665473248c8p-62 } },
    { { 0x1.02c9a3e778061p+0, -0x1.19083535b085dp-56 }, { 0x1.64d1f3bc03077p-7, 0x1.bdf2b293de8a7p-62 } },
    { { 0x1.04315e86e7f85p+0, -0x1.0a31c1977c96ep-54 }, { 0x1.0c57a1b9fe12fp-6, 0x1.738f9a20da47ep-60 } },
    { { 0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55 }, { 0x1.66c34c5615d0fp-6, -0x1.183ab7149735cp-60 } },
    { { 0x1.0706b29ddf6dep+0, -0x1.c91dfe2b13c27p-55 }, { 0x1.c1aca777db772p-6, -0x1.23bfc562784d8p-60 } },
    { { 0x1.0874518759bc8p+0, 0x1.186be4bb284ffp-57 }, { 0x1.0e8a30eb37901p-5, 0x1.86be4bb284ff4p-61 } },
    { { 0x1.09e3ecac6f383p+0, 0x1.1487818316136p-54 }, { 0x1.3c7d958de7069p-5, -0x1.6f0fcf9d3d94ap-59 } },
    { { 0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54 }, { 0x1.6ab0d9f3121ecp-5, 0x1.4c5c95b8c2155p-59 } },
    { { 0x1.0cc922b7247f7p+0, 0x1.01edc16e24f71p-54 }, { 0x1.992456e48fee8p-5, 0x1.edc16e24f717ap-62 } },
    { { 0x1.0e3ec32d3d1a2p+0, 0x1.03a1727c57b53p-59 }, { 0x1.c7d865a7a344p-5, 0x1.03a1727c57b53p-59 } },
    { { 0x1.0fb66affed31bp+0, -0x1.b9bedc44ebd7bp-57 }, { 0x1.f6cd5ffda635ep-5, 0x1.19048eec50a13p-59 } },
    { { 0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54 }, { 0x1.1301d0125b50ap-4, 0x1.3aefc6bb64c63p-58 } },
    { { 0x1.12abdc06c31ccp+0, -0x1.1b514b36ca5c7p-58 }, { 0x1.2abdc06c31ccp-4, -0x1.1b514b36ca5c7p-58 } },
    { { 0x1.1429aaea92dep+0, -0x1.32fbf9af1369ep-54 }, { 0x1.429aaea92ddfbp-4, 0x1.a080ca1d92c37p-59 } },
    { { 0x1.15a98c8a58e51p+0, 0x1.2406ab9eeab0ap-55 }, { 0x1.5a98c8a58e512p-4, 0x1.20355cf75584fp-58 } },
    { { 0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55 }, { 0x1.72b83c7d517aep-4, -0x1.9041b9d78a75bp-59 } },
    { { 0x1.18af9388c8deap+0, -0x1.11023d1970f6cp-54 }, { 0x1.8af9388c8de9cp-4, -0x1.1023d1970f6bfp-58 } },
    { { 0x1.1a35beb6fcb75p+0, 0x1.e5b4c7b4968e4p-55 }, { 0x1.a35beb6fcb754p-4, -0x1.a4b384b6971bep-59 } },
    { { 0x1.1bbe084045cd4p+0, -0x1.95386352ef607p-54 }, { 0x1.bbe084045cd3ap-4, -0x1.5386352ef6073p-58 } },
    { { 0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54 }, { 0x1.d4873168b9aa8p-4, -0x1.fe91ff5d9bc3ep-58 } },
    { { 0x1.1ed5022fcd91dp+0, -0x1.1df98027bb78cp-54 }, { 0x1.ed5022fcd91ccp-4, -0x1.df98027bb78b8p-58 } },
    { { 0x1.2063b88628cd6p+0, 0x1.dc775814a8495p-55 }, { 0x1.031dc431466b2p-3, -0x1.1c453f5abdb59p-58 } },
    { { 0x1.21f49917ddc96p+0, 0x1.2a97e9494a5eep-55 }, { 0x1.0fa4c8beee4b1p-3, 0x1.54bf4a4a52f6dp-58 } },
    { { 0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54 }, { 0x1.1c3d373ab11c3p-3, 0x1.b07eb6c70572dp-58 } },
    { { 0x1.251ce4fb2a63fp+0, 0x1.ac155bef4f4a4p-55 }, { 0x1.28e727d9531fap-3, -0x1.4faa9042c2d7p-57 } },
    { { 0x1.26b4565e27cddp+0, 0x1.2bd339940e9d9p-55 }, { 0x1.35a2b2f13e6e9p-3, 0x1.5e99cca074ec9p-58 } },
    { { 0x1.284dfe1f56381p+0, -0x1.a4c3a8c3f0d7ep-54 }, { 0x1.426ff0fab1c05p-3, -0x1.261d461f86bedp-57 } },
    { { 0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55 }, { 0x1.4f4efa8fef709p-3, 0x1.84ba2beb44954p-57 } },
    { { 0x1.2b87fd0dad99p+0, -0x1.10adcd6381aa4p-59 }, { 0x1.5c3fe86d6cc8p-3, -0x1.10adcd6381aa4p-59 } },
    { { 0x1.2d285a6e4030bp+0, 0x1.0024754db41d5p-54 }, { 0x1.6942d3720185ap-3, 0x1.23aa6da0ea709p-65 } },
    { { 0x1.2ecafa93e2f56p+0, 0x1.1ca0f45d52383p-56 }, { 0x1.7657d49f17ab1p-3, -0x1.c6be17455b8fap-57 } },
    { { 0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55 }, { 0x1.837f0518db8a9p-3, 0x1.bd1ab48c60b91p-57 } },
    { { 0x1.32170fc4cd831p+0, 0x1.a9ce78e18047cp-55 }, { 0x1.90b87e266c18ap-3, -0x1.58c61c79fee0fp-57 } },
    { { 0x1.33c08b26416ffp+0, 0x1.32721843659a6p-54 }, { 0x1.9e0459320b7fap-3, 0x1.9390c21b2cd2dp-57 } },
    { { 0x1.356c55f929ff1p+0, -0x1.b5cee5c4e4628p-55 }, { 0x1.ab62afc94ff86p-3, 0x1.28c468ec6e75ep-57 } },
    { { 0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54 }, { 0x1.b8d39b9d54e55p-3, 0x1.c51540bd151e6p-58 } },
    { { 0x1.38cae6d05d866p+0, -0x1.e958d3c9904bdp-54 }, { 0x1.c6573682ec32cp-3, 0x1.6a72c366fb432p-58 } },
    { { 0x1.3a7db34e59ff7p+0, -0x1.5e436d661f5e3p-56 }, { 0x1.d3ed9a72cffb7p-3, 0x1.43792533c143ap-57 } },
    { { 0x1.3c32dc313a8e5p+0, -0x1.efff8375d29c3p-54 }, { 0x1.e196e189d4724p-3, 0x1.0007c8a2d63cep-58 } },
    { { 0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55 }, { 0x1.ef5326091a112p-3, -0x1.497dbb83d8512p-57 } },
    { { 0x1.3fa4504ac801cp+0, -0x1.7d023f956f9f3p-54 }, { 0x1.fd228256400ddp-3, 0x1.7ee035483065fp-61 } },
    { { 0x1.4160a21f72e2ap+0, -0x1.ef3691c309278p-58 }, { 0x1.0582887dcb8a8p-2, -0x1.ef3691c309278p-58 } },
    { { 0x1.431f5d950a897p+0, -0x1.1c7dde35f7999p-55 }, { 0x1.0c7d76542a25bp-2, 0x1.c704439410ccfp-56 } },
    { { 0x1.44e086061892dp+0, 0x1.89b7a04ef80dp-59 }, { 0x1.13821818624b4p-2, 0x1.89b7a04ef80dp-59 } },
    { { 0x1.46a41ed1d0057p+0, 0x1.c944bd1648a76p-54 }, { 0x1.1a907b474015ep-2, -0x1.b5da174dbac4dp-57 } },
    { { 0x1.486a2b5c13cdp+0, 0x1.3c1a3b69062fp-56 }, { 0x1.21a8ad704f34p-2, 0x1.3c1a3b69062fp-56 } },
    { { 0x1.4a32af0d7d3dep+0, 0x1.9cb62f3d1be56p-54 }, { 0x1.28cabc35f4f7ap-2, -0x1.8d27430b906a8p-56 } },
    { { 0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56 }, { 0x1.2ff6b54d8a89cp-2, 0x1.d4397afec42e2p-56 } },
    { { 0x1.4dcb299fddd0dp+0, 0x1.8ecdbbc6a7833p-54 }, { 0x1.372ca67f77436p-2, -0x1.c4c910e561f34p-56 } },
    { { 0x1.4f9b2769d2ca7p+0, -0x1.4b309d25957e3p-54 }, { 0x1.3e6c9da74b29bp-2, -0x1.2cc2749655f8cp-56 } },
    { { 0x1.516daa2cf6642p+0, -0x1.f768569bd93efp-55 }, { 0x1.45b6a8b3d9907p-2, 0x1.12f52c84d8222p-60 } },
    { { 0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55 }, { 0x1.4d0ad5a753e07p-2, 0x1.f0a83c49d86a6p-56 } },
    { { 0x1.551a4ca5d920fp+0, -0x1.d689cefede59bp-55 }, { 0x1.546932976483bp-2, 0x1.4bb188090d32ap-58 } },
    { { 0x1.56f4736b527dap+0, 0x1.9bb2c011d93adp-54 }, { 0x1.5bd1cdad49f6ap-2, -0x1.9134ffb89b14cp-56 } },
    { { 0x1.58d12d497c7fdp+0, 0x1.295e15b9a1de8p-55 }, { 0x1.6344b525f1ff5p-2, -0x1.ad43d48cbc431p-56 } },
    { { 0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54 }, { 0x1.6ac1f752150a5p-2, 0x1.8c93015191eb3p-56 } },
    { { 0x1.5c9268a5946b7p+0, 0x1.c4b1b816986a2p-60 }, { 0x1.7249a29651adcp-2, 0x1.c4b1b816986a2p-60 } },
    { { 0x1.5e76f15ad2148p+0, 0x1.ba6f93080e65ep-54 }, { 0x1.79dbc56b48522p-2, -0x1.1641b3dfc668ap-56 } },
    { { 0x1.605e1b976dc09p+0, -0x1.3e2429b56de47p-54 }, { 0x1.81786e5db7023p-2, -0x1.f1214dab6f239p-57 } },
    { { 0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54 }, { 0x1.891fac0e95613p-2, -0x1.c1e0bf205a4b8p-57 } },
    { { 0x1.6434634ccc32p+0, -0x1.c483c759d8933p-55 }, { 0x1.90d18d3330c7fp-2, 0x1.dbe1c5313b669p-58 } },
    { { 0x1.6623882552225p+0, -0x1.bb60987591c34p-54 }, { 0x1.988e209548892p-2, 0x1.127d9e29b8f31p-56 } },
    { { 0x1.68155d44ca973p+0, 0x1.038ae44f73e65p-57 }, { 0x1.a05575132a5ccp-2, 0x1.038ae44f73e65p-57 } },
};

void ddi_exp_table(int j, double t[2], double d[2])
{
    const struct exp_entry *e = &exp_table[j + 64];
    t[0] = e->t.hi;
    t[1] = e->t.lo;
    d[0] = e->d.hi;
    d[1] = e->d.lo;
}

void ddi_exp_constants(double ln2_128[3], double inv_fact[8][2])
{
    const dd c[8] = { C3, C4, C5, C6, { C7, 0 }, { C8, 0 }, { C9, 0 }, { C10, 0 } };
    ln2_128[0] = L1;
    ln2_128[1] = L2;
    ln2_128[2] = L3;
    for (int i = 0; i < 8; i++) {
        inv_fact[i][0] = c[i].hi;
        inv_fact[i][1] = c[i].lo;
    }
}

const char *ddi_two_prod_kind(void)
{
#ifdef FP_FAST_FMA
    return "fma";
#else
    return "Dekker";
#endif
}

typedef struct reduced {
    dd u;         /* e^r - 1 */
    int m, j;     /* x = (128 m + j) ln2/128 + r */
} reduced;

/* Requires |x.hi| <= 640 (then |k| < 2^17); m = 0, j = 0 and u = NaN when
 * r escapes the bound the polynomial was budgeted for. */
static reduced reduce(dd x)
{
    if (!(fabs(x.hi) <= 640))
        return (reduced){ { NAN, NAN }, 0, 0 };
    double kd = (x.hi * INV_L + 0x1.8p52) - 0x1.8p52;   /* round to an integer */
    int k = (int)kd;
    int m = ((k + 64 + 128 * 1024) >> 7) - 1024;        /* floor((k + 64) / 128) */
    dd r = x;
    if (k != 0) {
        dd a = dd_two_sum(x.hi, -kd * L1);
        dd b = dd_two_prod(kd, L2);
        dd w = dd_two_sum(x.lo, -b.hi);
        w = dd_two_sum(w.hi, (w.lo - b.lo) - kd * L3);
        r = dd_add(a, w);
    }
    if (!(fabs(r.hi) <= 0x1.6a09e6p-9))                  /* 2^-8.5 */
        return (reduced){ { NAN, NAN }, 0, 0 };
    double rh = r.hi;
    double tail = C7 + rh * (C8 + rh * (C9 + rh * C10));
    dd q6 = dd_fast_two_sum(C6.hi, C6.lo + rh * tail);
    dd r2 = dd_mul(r, r);
    dd p2 = dd_add_small(C5, dd_mul(r, q6));
    dd p1 = dd_add_small(C3, dd_mul(r, C4));
    dd x2 = dd_add_small(p1, dd_mul(r2, p2));            /* 1/3! + r/4! + ... */
    dd z = dd_add_small((dd){ 0.5 * r.hi, 0.5 * r.lo }, dd_mul(r2, x2));
    return (reduced){ dd_add_small(r, dd_mul(r, z)), m, k - 128 * m };
}

static inline double pow2(int m)            /* 2^m, -1022 <= m <= 1023 */
{
    uint64_t bits = (uint64_t)(m + 1023) << 52;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* e^x within EXP_REL, |x.hi| <= 640. */
static dd exp_mid(dd x)
{
    reduced e = reduce(x);
    const struct exp_entry *t = &exp_table[e.j + 64];
    dd v = dd_add_small(t->t, dd_mul(t->t, e.u));
    double s = pow2(e.m);
    return (dd){ v.hi * s, v.lo * s };
}

/* e^x - 1 within EXPM1_REL, |x.hi| <= 640. */
static dd expm1_mid(dd x)
{
    reduced e = reduce(x);
    const struct exp_entry *t = &exp_table[e.j + 64];
    if (e.m == 0)
        return e.j == 0 ? e.u : dd_add(dd_mul(t->t, e.u), t->d);
    dd v = dd_add_small(t->t, dd_mul(t->t, e.u));
    double s = pow2(e.m);
    return dd_add((dd){ v.hi * s, v.lo * s }, (dd){ -1, 0 });
}

/* For members x of a: |e^x - e^m| <= e^m (e^r - 1) <= e^m r (1 + r) when
 * r <= 1. */
ddi ddi_exp(ddi a)
{
    if (!ddi_valid(a))
        return invalid;
    if (ddi_is_exact_zero(a))
        return (ddi){ 1, 0, 0 };
    if (!(fabs(a.hi) <= 600) || !(a.r <= 0x1p-20))
        return invalid;
    dd e = exp_mid((dd){ a.hi, a.lo });
    double mag = fabs(e.hi) * DDI_MAG * (1 + 0x1p-60);      /* >= e^m */
    return ddi_enclose(e, mag * (EXP_REL + a.r * (1 + a.r)));
}

/* As ddi_exp, |expm1(x) - expm1(m)| = |e^x - e^m| <= e^m r (1 + r), with
 * e^m <= 1 + |expm1(m)|.  Below -600 every member's value is -1 + e^x,
 * e^x < 2^-865. */
ddi ddi_expm1(ddi a)
{
    if (!ddi_valid(a))
        return invalid;
    if (ddi_is_exact_zero(a))
        return a;
    if (!(a.r <= 0x1p-20) || !(a.hi <= 600))
        return invalid;
    if (a.hi < -600)
        return ddi_enclose((dd){ -1, 0 }, 0x1p-865);
    dd e = expm1_mid((dd){ a.hi, a.lo });
    double mag = fabs(e.hi) * DDI_MAG * (1 + 0x1p-60);      /* >= |expm1(m)| */
    return ddi_enclose(e, mag * EXPM1_REL + (1 + mag) * a.r * (1 + a.r));
}

/* ---- log and log1p ----
 *
 * Both from one correction of libm's value y0, certified by exp or expm1
 * (libm's accuracy only decides whether the result is valid):
 *     ln m = y0 + log1p(d),      d = (m - e^y0) / e^y0,
 *     log1p(m) = y0 + log1p(d),  d = (m - expm1(y0)) / (1 + expm1(y0)),
 * with log1p(d) = d - d^2/2 + O(d^3/3) for the tiny d.  The error of d is
 * that of the exp (relative EXP_REL or EXPM1_REL of the subtracted value
 * v, divided by the denominator: EXP_REL, or EXPM1_REL |v| / (1 + v) <=
 * 1.05 EXPM1_REL |y0|-ish since y0 >= -0.7) plus |d| 2^-50.5 (d is formed
 * in doubles from double-double parts: three roundings of 2^-53 and the
 * denominator's own error); the rest is d's third-order term and the
 * rounding of d - d^2/2 (2^-52 |d|).  |d| is about an ulp of y0, so all the
 * terms in |d| are near 2^-103 |y0|.  The result y0 + t is exact (TwoSum). */
static dd log1p_of_small(double y0, dd w, double den, double base_err, double *err)
{
    double d = w.hi / den;
    if (!(fabs(d) <= 0x1p-30)) {
        *err = INFINITY;
        return (dd){ NAN, NAN };
    }
    double ad = fabs(d);
    double errd = base_err * (1 + 0x1p-40) + ad * 0x1p-50;
    double c = ad + errd;
    double t = d - d * d * 0.5;
    *err = (errd * (1 + 0x1p-29) + c * c * c * 0.5 + ad * 0x1p-51) * (1 + 0x1p-40);
    return dd_two_sum(y0, t);
}

/* ln m for m outside [1/2, 2] (m in [2^-900, 2^900], so |y0| < 624). */
static dd log_newton(dd m, double *err)
{
    double y0 = log(m.hi);
    dd v = exp_mid((dd){ y0, 0 });
    dd w = dd_add(m, dd_neg(v));
    return log1p_of_small(y0, w, v.hi, EXP_REL * (1 + 0x1p-50), err);
}

/* log1p(m) for m >= -1/2 (m <= 2^900, so y0 < 624). */
static dd log1p_newton(dd m, double *err)
{
    double y0 = log1p(m.hi);
    if (y0 == 0) {                           /* m.hi = 0: m = 0 exactly */
        *err = 0;
        return (dd){ 0, 0 };
    }
    if (!(y0 >= -0.7)) {
        *err = INFINITY;
        return (dd){ NAN, NAN };
    }
    dd v = expm1_mid((dd){ y0, 0 });
    dd w = dd_add(m, dd_neg(v));
    double den = 1 + v.hi;
    return log1p_of_small(y0, w, den, EXPM1_REL * fabs(v.hi) * DDI_MAG / den, err);
}

/* ln m, and log1p(m) as ln(1 + m) for m below -1/2: near 1, ln m =
 * log1p(m - 1) with m - 1 exact (Sterbenz, then TwoSum with m.lo), and
 * 1 + m is exact in the same way for m in [-1, -1/2]. */
static dd log_mid(dd m, double *err)
{
    if (m.hi >= 0.5 && m.hi <= 2)
        return log1p_newton(dd_two_sum(m.hi - 1, m.lo), err);
    return log_newton(m, err);
}

static dd log1p_mid(dd m, double *err)
{
    if (m.hi < -0.5)
        return log_newton(dd_two_sum(1 + m.hi, m.lo), err);
    return log1p_newton(m, err);
}

/* For members x of a: |ln x - ln m| <= r / (m - r). */
ddi ddi_log(ddi a)
{
    if (!ddi_valid(a) || !(a.hi >= 0x1p-900 && a.hi <= 0x1p900) || !(a.r <= a.hi * 0.5))
        return invalid;
    double err;
    dd y = log_mid((dd){ a.hi, a.lo }, &err);
    if (y.hi == 0 && err == 0 && a.r == 0)
        return (ddi){ 0, 0, 0 };             /* ln 1 */
    double mlow = a.hi / DDI_MAG;
    return ddi_enclose(y, err + a.r / (mlow - a.r) * DDI_MAG);
}

/* For members x of a: |log1p(x) - log1p(m)| <= r / (1 + m - r). */
ddi ddi_log1p(ddi a)
{
    if (!ddi_valid(a) || !(a.hi <= 0x1p900))
        return invalid;
    if (ddi_is_exact_zero(a))
        return a;
    dd s = dd_add((dd){ 1, 0 }, (dd){ a.hi, a.lo });
    double slow = (s.hi - fabs(s.lo)) * (1 - 0x1p-50);   /* <= 1 + m */
    if (!(slow > 0) || !(a.r <= slow * 0.5))
        return invalid;
    double err;
    dd y = log1p_mid((dd){ a.hi, a.lo }, &err);
    return ddi_enclose(y, err + a.r / (slow - a.r) * DDI_MAG);
}

/* ln v, v >= 1 a double (ln 1 = exact 0). */
ddi ddi_log_of_double(double v)
{
    if (!(v >= 1))
        return invalid;
    return ddi_log(ddi_from_double(v));
}
/* ---- rounding ---- */

int ddi_round(ddi a, double *out)
{
    if (ddi_is_exact_zero(a)) {
        *out = 0.0;
        return 1;
    }
    if (!ddi_valid(a) || a.hi == 0)
        return 0;
    /* The smaller of the gaps to hi's neighbours (the one toward zero);
     * every member within less than half of it from hi rounds to hi. */
    uint64_t bits;                       /* hi's neighbour toward zero: one */
    memcpy(&bits, &a.hi, sizeof bits);   /* less in the magnitude bits */
    bits -= 1;
    double toward;
    memcpy(&toward, &bits, sizeof toward);
    double half = fabs(a.hi - toward) * 0.5;
    double spread = (fabs(a.lo) + a.r) * (1 + 0x1p-50);
    if (!(spread < half))
        return 0;
    *out = a.hi;
    return 1;
}

ddi ddi_exp_or_tiny(ddi a)
{
    if (ddi_valid(a) && a.hi < -600 && a.r <= 0x1p-20)
        return DDI_EXP_TINY;
    return ddi_exp(a);
}
