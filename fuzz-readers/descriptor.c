/* libFuzzer target: the checks a plugin's descriptor passes before anything
 * of it is used (plugins/loader.h, ns_plugin_check), on descriptors
 * built from the input: names of any bytes, missing or NULL, lists of any
 * length (terminated, as C declares them), passes present or not, fallbacks
 * named or not.  No library is loaded.  Any crash, out-of-bounds read or
 * undefined behaviour is the finding; a refusal must say something (names
 * in it may hold control characters: the command prints them escaped). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../include/normstab/plugin.h"
#include "../plugins/loader.h"

typedef struct bytes {
    const uint8_t *p;
    size_t left;
} bytes;

static unsigned take(bytes *b)
{
    if (!b->left)
        return 0;
    b->left--;
    return *b->p++;
}

/* A string: a length byte (255: NULL), then that many bytes (fewer when the
 * input ends), NUL-terminated; kept in *pool for freeing. */
static const char *take_string(bytes *b, char **pool, size_t *npool)
{
    unsigned len = take(b);
    if (len == 255)
        return NULL;
    if (len > b->left)
        len = (unsigned)b->left;
    char *s = malloc(len + 1);
    if (!s)
        abort();
    memcpy(s, b->p, len);
    s[len] = '\0';
    b->p += len;
    b->left -= len;
    pool[(*npool)++] = s;
    return s;
}

static void forward(const nsp_ops *op, const nsp_num *x, nsp_num *y, size_t n)
{
    (void)op; (void)x; (void)y; (void)n;
}

static void backward(const nsp_ops *op, const nsp_num *x, const nsp_num *y, const nsp_num *g,
                     nsp_num *dx, size_t n)
{
    (void)op; (void)x; (void)y; (void)g; (void)dx; (void)n;
}

static int reference(const double *x, const double *g, const double *param, size_t n, mpfr_prec_t prec,
                     mpfr_ptr y, mpfr_ptr dx)
{
    (void)x; (void)g; (void)param; (void)n; (void)prec; (void)y; (void)dx;
    return 0;
}

#define MAX_FAMILIES 300      /* beyond the loader's limit of 256 */
#define MAX_ALGORITHMS 300
#define MAX_STRINGS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bytes b = { data, size };
    char *pool[MAX_STRINGS];
    size_t npool = 0;
    nsp_plugin d;
    memset(&d, 0, sizeof d);
    unsigned flags = take(&b);
    d.abi_version = flags & 1 ? NS_PLUGIN_ABI_VERSION : (int)take(&b) - 128;
    d.name = take_string(&b, pool, &npool);

    /* Families: a count byte; 0xff: NULL list; bit 0x80 repeats the last
     * family (a list longer than the loader accepts). */
    unsigned nf = take(&b);
    size_t nfam = nf == 0xff ? 0 : nf & 0x80 ? MAX_FAMILIES : nf % 8;
    nsp_family *fams = nf == 0xff ? NULL : calloc(nfam + 1, sizeof *fams);
    nsp_algorithm *algs[MAX_FAMILIES] = { 0 };
    for (size_t i = 0; fams && i < nfam; i++) {
        if (i >= 8) {                       /* the repeated tail */
            fams[i] = fams[i % 8];
            continue;
        }
        nsp_family *f = &fams[i];
        f->name = take_string(&b, pool, &npool);
        f->definition = take_string(&b, pool, &npool);
        unsigned fl = take(&b);
        size_t np = fl % (NSP_MAX_PARAMS + 1);
        for (size_t k = 0; k < np; k++) {
            f->params[k].key = take_string(&b, pool, &npool);
            f->params[k].value = (double)take(&b);
            if (!f->params[k].key)
                break;
        }
        f->reference = fl & 0x08 ? reference : NULL;
        f->fallback_algorithm = fl & 0x10 ? take_string(&b, pool, &npool) : NULL;
        unsigned na = take(&b);
        size_t nalg = na == 0xff ? 0 : na & 0x80 ? MAX_ALGORITHMS : na % 8;
        if (na != 0xff) {
            algs[i] = calloc(nalg + 1, sizeof *algs[i]);
            for (size_t j = 0; j < nalg; j++) {
                if (j >= 8) {
                    algs[i][j] = algs[i][j % 8];
                    continue;
                }
                unsigned al = take(&b);
                algs[i][j].name = take_string(&b, pool, &npool);
                algs[i][j].summary = al & 1 ? take_string(&b, pool, &npool) : NULL;
                algs[i][j].forward = al & 2 ? NULL : forward;
                algs[i][j].backward = al & 4 ? NULL : backward;
                if (!algs[i][j].name)
                    break;                  /* a NULL name ends the list */
            }
        }
        f->algorithms = algs[i];
        if (!f->name)
            break;                          /* a NULL name ends the list */
        if (npool > MAX_STRINGS - 64)
            break;
    }
    d.families = fams;

    char err[1024];
    err[0] = '\0';
    const nsp_plugin *dp = flags & 2 ? NULL : &d;
    if (ns_plugin_check((const struct nsp_plugin *)dp, err, sizeof err) != 0 && err[0] == '\0')
        abort();
    for (size_t i = 0; i < MAX_FAMILIES; i++)
        free(algs[i]);
    free(fams);
    for (size_t i = 0; i < npool; i++)
        free(pool[i]);
    return 0;
}
