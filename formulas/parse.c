/* The formula parser: recursive descent over the grammar of SPEC section 8,
 *
 *     formula := expr { ';' NAME '=' ['+'|'-'] NUMBER }
 *     expr    := term { ('+' | '-') term }
 *     term    := unary { ('*' | '/') unary }
 *     unary   := ('-' | '+') unary | power
 *     power   := primary [ '^' unary ]          (right to left: 2^3^2 = 2^9)
 *     primary := NUMBER | 'x' | 'n' | PARAM | FUNC '(' expr [',' expr] ')' | '(' expr ')'
 *
 * so -x^2 is -(x^2), as in mathematics.  Written by hand rather than with
 * bison or lemon: the grammar is five rules, and a hand-written parser
 * says in each rule what it expected at which column, in one line, which
 * a generated parser's "syntax error" does not without as much code again;
 * it also keeps the build free of a generator.
 *
 * Each node is made once: an expression written twice (the two
 * exp(x - rowmax(x)) of the shifted softmax) is one node, computed once,
 * as a kernel computes it once. */
#include "formula.h"
#include "message.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct function {
    const char *name;
    ns_fop op;
    int arity;
} functions[] = {
    { "exp", NS_F_EXP, 1 }, { "expm1", NS_F_EXPM1, 1 }, { "log", NS_F_LOG, 1 },
    { "log1p", NS_F_LOG1P, 1 }, { "sqrt", NS_F_SQRT, 1 }, { "abs", NS_F_ABS, 1 },
    { "tanh", NS_F_TANH, 1 }, { "sigmoid", NS_F_SIGMOID, 1 }, { "softplus", NS_F_SOFTPLUS, 1 },
    { "relu", NS_F_RELU, 1 }, { "min", NS_F_MIN, 2 }, { "max", NS_F_MAX, 2 },
    { "sum", NS_F_SUM, 1 }, { "rowmax", NS_F_ROWMAX, 1 }, { "rowmin", NS_F_ROWMIN, 1 },
    { "mean", NS_F_MEAN, 1 },
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

const char *ns_fop_name(ns_fop op)
{
    switch (op) {
    case NS_F_X: return "x";
    case NS_F_N: return "n";
    case NS_F_NUM: return "number";
    case NS_F_PARAM: return "parameter";
    case NS_F_NEG: return "unary -";
    case NS_F_ADD: return "+";
    case NS_F_SUB: return "-";
    case NS_F_MUL: return "*";
    case NS_F_DIV: return "/";
    case NS_F_POW: return "^";
    default:
        for (size_t i = 0; i < NFUNCTIONS; i++)
            if (functions[i].op == op)
                return functions[i].name;
        return "?";
    }
}

static const struct function *function_named(const char *s, size_t len)
{
    for (size_t i = 0; i < NFUNCTIONS; i++)
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, s, len) == 0)
            return &functions[i];
    return NULL;
}

/* ---- tokens ------------------------------------------------------------ */

typedef enum { T_END, T_NUM, T_NAME, T_PUNCT } tkind;

typedef struct token {
    tkind kind;
    size_t at;             /* offset in the text */
    size_t len;
    double num;
    char ch;               /* T_PUNCT */
} token;

typedef struct parser {
    const char *text;
    size_t end;            /* the expression ends here (the first ';', or the end) */
    size_t pos;
    token tok;
    ns_formula *f;
    char *err;
    size_t errlen;
    int failed;
    int depth;
} parser;

static void fail(parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    ns_formula_vmessage(p->err, p->errlen, (long)(at + 1), fmt, ap);
    va_end(ap);
}

/* What the current token is, for "found ...". */
static const char *found(const parser *p, char *buf, size_t len)
{
    const token *t = &p->tok;
    switch (t->kind) {
    case T_END:
        return p->end < strlen(p->text) ? "';'" : "the end of the formula";
    case T_NUM:
        snprintf(buf, len, "the number %.*s", (int)(t->len > 32 ? 32 : t->len), p->text + t->at);
        return buf;
    case T_NAME:
        snprintf(buf, len, "the name '%.*s'", (int)(t->len > 32 ? 32 : t->len), p->text + t->at);
        return buf;
    default:
        snprintf(buf, len, "'%c'", t->ch);
        return buf;
    }
}

static int is_name_start(int c) { return isalpha(c) || c == '_'; }
static int is_name_char(int c) { return isalnum(c) || c == '_'; }

/* A number: digits with an optional fraction and exponent, rounded to the
 * nearest binary64. */
static void read_number(parser *p, token *t)
{
    const char *s = p->text;
    size_t i = t->at, digits = 0;
    while (i < p->end && isdigit((unsigned char)s[i]))
        i++, digits++;
    if (i < p->end && s[i] == '.') {
        i++;
        while (i < p->end && isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (digits == 0) {
        fail(p, t->at, "'.' is not a number (write 0.5, not .)");
        return;
    }
    if (i < p->end && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = i + 1;
        if (e < p->end && (s[e] == '+' || s[e] == '-'))
            e++;
        if (e >= p->end || !isdigit((unsigned char)s[e])) {
            fail(p, t->at, "malformed number '%.*s': the exponent has no digits",
                 (int)(e - t->at > 32 ? 32 : e - t->at), s + t->at);
            return;
        }
        while (e < p->end && isdigit((unsigned char)s[e]))
            e++;
        i = e;
    }
    if (i < p->end && (s[i] == '.' || is_name_char((unsigned char)s[i]))) {
        fail(p, i, "malformed number: '%c' after '%.*s'", s[i],
             (int)(i - t->at > 32 ? 32 : i - t->at), s + t->at);
        return;
    }
    t->len = i - t->at;
    char buf[128];
    if (t->len >= sizeof buf) {
        fail(p, t->at, "number longer than %zu characters", sizeof buf - 1);
        return;
    }
    memcpy(buf, s + t->at, t->len);
    buf[t->len] = '\0';
    errno = 0;
    t->num = strtod(buf, NULL);
    if (t->num > 1.7976931348623157e308) {
        fail(p, t->at, "the number %s is beyond the largest binary64", buf);
        return;
    }
}

static void next(parser *p)
{
    const char *s = p->text;
    while (p->pos < p->end && (s[p->pos] == ' ' || s[p->pos] == '\t'))
        p->pos++;
    token t = { .kind = T_END, .at = p->pos, .len = 0 };
    if (p->pos >= p->end) {
        p->tok = t;
        return;
    }
    unsigned char c = (unsigned char)s[p->pos];
    if (isdigit(c) || c == '.') {
        t.kind = T_NUM;
        read_number(p, &t);
    } else if (is_name_start(c)) {
        t.kind = T_NAME;
        size_t i = p->pos;
        while (i < p->end && is_name_char((unsigned char)s[i]))
            i++;
        t.len = i - p->pos;
    } else if (strchr("+-*/^(),", c)) {
        t.kind = T_PUNCT;
        t.ch = (char)c;
        t.len = 1;
    } else if (c == '=') {
        fail(p, p->pos, "unexpected '=' (a formula is an expression; name it with "
                        "--define NAME='EXPR', and declare parameters after ';')");
    } else if (isgraph(c)) {
        fail(p, p->pos, "unexpected character '%c'", c);
    } else {
        fail(p, p->pos, "unexpected byte 0x%02x", c);
    }
    if (!p->failed && t.len == 0 && t.kind != T_END)
        t.len = 1;
    p->pos = t.at + t.len;
    p->tok = t;
}

static int at_punct(const parser *p, char c)
{
    return p->tok.kind == T_PUNCT && p->tok.ch == c;
}

static int name_is(const parser *p, const token *t, const char *s)
{
    return t->kind == T_NAME && strlen(s) == t->len && memcmp(p->text + t->at, s, t->len) == 0;
}

/* ---- nodes ------------------------------------------------------------- */

static int same_node(const ns_fnode *a, const ns_fnode *b)
{
    return a->op == b->op && a->a == b->a && a->b == b->b && a->param == b->param &&
           memcmp(&a->num, &b->num, sizeof a->num) == 0;
}

/* The node (op, a, b) (with num or param for leaves), made unless an equal
 * one exists; its index, or -1 on failure. */
static int make(parser *p, ns_fop op, int a, int b, double num, int param, size_t at)
{
    if (p->failed || (op >= NS_F_NEG && a < 0) || (op >= NS_F_ADD && op <= NS_F_MAX && b < 0))
        return -1;
    ns_formula *f = p->f;
    ns_fnode nd = { .op = op, .a = a, .b = b, .num = num, .param = param, .column = (int)at + 1 };
    switch (op) {
    case NS_F_X:
        nd.varies = true;
        break;
    case NS_F_N:
    case NS_F_NUM:
    case NS_F_PARAM:
        nd.row = true;
        break;
    case NS_F_SUM:
    case NS_F_ROWMAX:
    case NS_F_ROWMIN:
    case NS_F_MEAN:
        nd.row = true;
        nd.varies = f->node[a].varies;
        break;
    default:
        nd.row = f->node[a].row && (b < 0 || f->node[b].row);
        nd.varies = f->node[a].varies || (b >= 0 && f->node[b].varies);
        break;
    }
    for (size_t i = 0; i < f->count; i++)
        if (same_node(&f->node[i], &nd))
            return (int)i;
    if (f->count >= NS_FORMULA_MAX_NODES) {
        fail(p, at, "more than %d operations", NS_FORMULA_MAX_NODES);
        return -1;
    }
    f->node[f->count] = nd;
    return (int)f->count++;
}

/* ---- the grammar ------------------------------------------------------- */

static int expr(parser *p);
static int unary(parser *p);

static int enter(parser *p)
{
    if (++p->depth > NS_FORMULA_MAX_DEPTH) {
        fail(p, p->tok.at, "nested more than %d deep", NS_FORMULA_MAX_DEPTH);
        return 0;
    }
    return 1;
}

/* The operand after an operator (or at the start): says what was expected. */
static void expect_operand(parser *p, const char *after)
{
    char buf[64];
    if (p->failed)
        return;
    if (at_punct(p, '*') && after && strcmp(after, "'*'") == 0)
        fail(p, p->tok.at, "expected an operand after '*', found '*' (powers are written ^)");
    else if (after)
        fail(p, p->tok.at, "expected an operand after %s, found %s", after, found(p, buf, sizeof buf));
    else
        fail(p, p->tok.at, "expected an expression, found %s", found(p, buf, sizeof buf));
}

static int param_index(const parser *p, const token *t)
{
    for (size_t k = 0; k < p->f->nparams; k++)
        if (strlen(p->f->param_name[k]) == t->len &&
            memcmp(p->f->param_name[k], p->text + t->at, t->len) == 0)
            return (int)k;
    return -1;
}

/* FUNC '(' expr [',' expr] ')' with the name already read. */
static int call(parser *p, const struct function *fn, const token *name)
{
    char buf[64];
    if (!at_punct(p, '(')) {
        fail(p, p->tok.at, "expected '(' after the function %s, found %s", fn->name,
             found(p, buf, sizeof buf));
        return -1;
    }
    size_t open = p->tok.at;
    next(p);
    if (p->failed)
        return -1;
    if (at_punct(p, ')') || p->tok.kind == T_END || at_punct(p, ',')) {
        fail(p, p->tok.at, "expected the %sargument of %s, found %s", fn->arity == 2 ? "first " : "",
             fn->name, found(p, buf, sizeof buf));
        return -1;
    }
    int a = expr(p), b = -1;
    if (p->failed)
        return -1;
    if (fn->arity == 2) {
        if (!at_punct(p, ',')) {
            fail(p, p->tok.at, "%s takes two arguments: expected ',', found %s", fn->name,
                 found(p, buf, sizeof buf));
            return -1;
        }
        next(p);
        if (p->failed)
            return -1;
        if (at_punct(p, ')') || p->tok.kind == T_END || at_punct(p, ',')) {
            fail(p, p->tok.at, "expected the second argument of %s, found %s", fn->name,
                 found(p, buf, sizeof buf));
            return -1;
        }
        b = expr(p);
        if (p->failed)
            return -1;
    }
    if (!at_punct(p, ')')) {
        if (at_punct(p, ','))
            fail(p, p->tok.at, "%s takes %s argument%s: expected ')', found ','", fn->name,
                 fn->arity == 2 ? "two" : "one", fn->arity == 2 ? "s" : "");
        else
            fail(p, p->tok.at, "expected ')' to close the '(' of column %zu, found %s", open + 1,
                 found(p, buf, sizeof buf));
        return -1;
    }
    next(p);
    return make(p, fn->op, a, b, 0, -1, name->at);
}

static int primary(parser *p)
{
    char buf[64];
    token t = p->tok;
    if (p->failed)
        return -1;
    if (t.kind == T_NUM) {
        next(p);
        return make(p, NS_F_NUM, -1, -1, t.num, -1, t.at);
    }
    if (at_punct(p, '(')) {
        next(p);
        if (p->failed)
            return -1;
        if (at_punct(p, ')')) {
            fail(p, p->tok.at, "expected an expression inside '()', found ')'");
            return -1;
        }
        int e = expr(p);
        if (p->failed)
            return -1;
        if (!at_punct(p, ')')) {
            fail(p, p->tok.at, "expected ')' to close the '(' of column %zu, found %s", t.at + 1,
                 found(p, buf, sizeof buf));
            return -1;
        }
        next(p);
        return e;
    }
    if (t.kind == T_NAME) {
        next(p);
        if (p->failed)
            return -1;
        const struct function *fn = function_named(p->text + t.at, t.len);
        if (fn)
            return call(p, fn, &t);
        int k = param_index(p, &t);
        int node = name_is(p, &t, "x") ? make(p, NS_F_X, -1, -1, 0, -1, t.at)
                 : name_is(p, &t, "n") ? make(p, NS_F_N, -1, -1, 0, -1, t.at)
                 : k >= 0 ? make(p, NS_F_PARAM, -1, -1, 0, k, t.at) : -2;
        if (node == -2) {
            fail(p, t.at, "unknown name '%.*s' (not x, n, a function or a parameter declared "
                          "after ';')", (int)(t.len > 32 ? 32 : t.len), p->text + t.at);
            return -1;
        }
        if (at_punct(p, '('))
            fail(p, p->tok.at, "'%.*s' is not a function", (int)(t.len > 32 ? 32 : t.len), p->text + t.at);
        return node;
    }
    expect_operand(p, NULL);
    return -1;
}

static int power(parser *p)
{
    int base = primary(p);
    if (p->failed || !at_punct(p, '^'))
        return base;
    size_t at = p->tok.at;
    next(p);
    if (p->failed)
        return -1;
    if (p->tok.kind == T_END || (p->tok.kind == T_PUNCT && strchr("*/^),", p->tok.ch))) {
        expect_operand(p, "'^'");
        return -1;
    }
    int e = unary(p);
    return make(p, NS_F_POW, base, e, 0, -1, at);
}

static int unary(parser *p)
{
    if (!enter(p))
        return -1;
    int r;
    if (at_punct(p, '-') || at_punct(p, '+')) {
        token t = p->tok;
        next(p);
        if (p->failed)
            return -1;
        if (p->tok.kind == T_END || (p->tok.kind == T_PUNCT && strchr("*/^),", p->tok.ch))) {
            expect_operand(p, t.ch == '-' ? "'-'" : "'+'");
            return -1;
        }
        int a = unary(p);
        r = t.ch == '-' ? make(p, NS_F_NEG, a, -1, 0, -1, t.at) : a;
    } else {
        r = power(p);
    }
    p->depth--;
    return r;
}

/* A binary level: operands of 'next_level' joined by the operators c1, c2. */
static int binary(parser *p, int (*operand)(parser *), char c1, ns_fop op1, char c2, ns_fop op2)
{
    int left = operand(p);
    while (!p->failed && (at_punct(p, c1) || at_punct(p, c2))) {
        token t = p->tok;
        next(p);
        if (p->failed)
            return -1;
        if (p->tok.kind == T_END || (p->tok.kind == T_PUNCT && strchr("*/^),", p->tok.ch))) {
            char what[4] = { '\'', t.ch, '\'', '\0' };
            expect_operand(p, what);
            return -1;
        }
        int right = operand(p);
        left = make(p, t.ch == c1 ? op1 : op2, left, right, 0, -1, t.at);
    }
    return left;
}

static int term(parser *p) { return binary(p, unary, '*', NS_F_MUL, '/', NS_F_DIV); }

static int expr(parser *p)
{
    if (!enter(p))
        return -1;
    int r = binary(p, term, '+', NS_F_ADD, '-', NS_F_SUB);
    p->depth--;
    return r;
}

/* ---- declarations: '; NAME = NUMBER' ------------------------------------ */

static int reserved(const char *s, size_t len, const char **what)
{
    if (len == 1 && (s[0] == 'x' || s[0] == 'n')) {
        *what = s[0] == 'x' ? "the entry of the row" : "the row length";
        return 1;
    }
    if (function_named(s, len)) {
        *what = "a function";
        return 1;
    }
    return 0;
}

/* Reads the declarations from p->pos (just after a ';') to the end. */
static void declarations(parser *p)
{
    char buf[64];
    size_t len = strlen(p->text);
    for (;;) {
        p->end = len;
        next(p);
        if (p->failed)
            return;
        token name = p->tok;
        if (name.kind != T_NAME) {
            fail(p, name.at, "expected a parameter declaration NAME = NUMBER after ';', found %s",
                 found(p, buf, sizeof buf));
            return;
        }
        const char *what;
        if (reserved(p->text + name.at, name.len, &what)) {
            fail(p, name.at, "'%.*s' is %s, not a parameter name", (int)(name.len > 32 ? 32 : name.len),
                 p->text + name.at, what);
            return;
        }
        if (param_index(p, &name) >= 0) {
            fail(p, name.at, "the parameter '%.*s' is declared twice", (int)(name.len > 32 ? 32 : name.len),
                 p->text + name.at);
            return;
        }
        if (p->f->nparams >= NS_MAX_PARAMS) {
            fail(p, name.at, "more than %d parameters", NS_MAX_PARAMS);
            return;
        }
        /* '=' is no token of an expression: read it here. */
        while (p->pos < len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t'))
            p->pos++;
        if (p->pos >= len || p->text[p->pos] != '=') {
            next(p);
            fail(p, p->tok.at, "expected '=' after the parameter '%.*s', found %s",
                 (int)(name.len > 32 ? 32 : name.len), p->text + name.at,
                 p->failed ? "'='" : found(p, buf, sizeof buf));
            return;
        }
        p->pos++;
        next(p);
        int sign = 1;
        if (!p->failed && (at_punct(p, '-') || at_punct(p, '+'))) {
            sign = p->tok.ch == '-' ? -1 : 1;
            next(p);
        }
        if (p->failed)
            return;
        if (p->tok.kind != T_NUM) {
            fail(p, p->tok.at, "expected a number for the parameter '%.*s', found %s",
                 (int)(name.len > 32 ? 32 : name.len), p->text + name.at, found(p, buf, sizeof buf));
            return;
        }
        size_t k = p->f->nparams;
        p->f->param_name[k] = strndup(p->text + name.at, name.len);
        if (!p->f->param_name[k]) {
            snprintf(p->err, p->errlen, "out of memory");
            p->failed = 1;
            return;
        }
        p->f->param_value[k] = sign * p->tok.num;
        p->f->nparams++;
        /* The next token: ';' or the end. */
        while (p->pos < len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\t'))
            p->pos++;
        if (p->pos >= len)
            return;
        if (p->text[p->pos] != ';') {
            size_t at = p->pos;
            next(p);
            fail(p, at, "expected ';' or the end after the value of '%.*s', found %s",
                 (int)(name.len > 32 ? 32 : name.len), p->text + name.at,
                 p->failed ? "something else" : found(p, buf, sizeof buf));
            return;
        }
        p->pos++;
    }
}

void ns_formula_free(ns_formula *f)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->nparams; k++)
        free(f->param_name[k]);
    free(f->node);
    free(f->text);
    free(f);
}

ns_formula *ns_formula_parse(const char *text, char *err, size_t errlen)
{
    size_t len = strlen(text);
    if (len > NS_FORMULA_MAX_TEXT) {
        snprintf(err, errlen, "column %d: the formula is longer than %d characters",
                 NS_FORMULA_MAX_TEXT + 1, NS_FORMULA_MAX_TEXT);
        return NULL;
    }
    ns_formula *f = calloc(1, sizeof *f);
    if (f) {
        f->node = calloc(NS_FORMULA_MAX_NODES, sizeof *f->node);
        f->text = strdup(text);
    }
    if (!f || !f->node || !f->text) {
        ns_formula_free(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    parser p = { .text = text, .f = f, .err = err, .errlen = errlen };
    const char *semi = strchr(text, ';');
    size_t expr_end = semi ? (size_t)(semi - text) : len;
    if (semi) {
        p.pos = expr_end + 1;
        declarations(&p);
    }
    if (!p.failed) {
        p.pos = 0;
        p.end = expr_end;
        next(&p);
        f->out = expr(&p);
        if (!p.failed && p.tok.kind != T_END) {
            char buf[64];
            fail(&p, p.tok.at, "expected an operator or the end of the formula, found %s",
                 found(&p, buf, sizeof buf));
        }
    }
    if (p.failed) {
        ns_formula_free(f);
        return NULL;
    }
    return f;
}
