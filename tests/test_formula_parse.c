/* The formula parser: what it reads, and one line naming the column for
 * each kind of malformed formula (columns counted by hand from 1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../formulas/formula.h"

static const struct bad {
    const char *text;
    int column;
    const char *says;          /* a part of the message */
} bad[] = {
    { "", 1, "expected an expression, found the end of the formula" },
    { "   ", 4, "expected an expression" },
    { "x +", 4, "expected an operand after '+', found the end" },
    { "x * / 2", 5, "expected an operand after '*', found '/'" },
    { "x ** 2", 4, "powers are written ^" },
    { "(x", 3, "expected ')' to close the '(' of column 1" },
    { "x)", 2, "expected an operator or the end of the formula, found ')'" },
    { "()", 2, "expected an expression inside '()'" },
    { "exp x", 5, "expected '(' after the function exp, found the name 'x'" },
    { "exp", 4, "expected '(' after the function exp, found the end" },
    { "exp()", 5, "expected the argument of exp, found ')'" },
    { "exp(x, 1)", 6, "exp takes one argument: expected ')', found ','" },
    { "max(x)", 6, "max takes two arguments: expected ',', found ')'" },
    { "max(x,)", 7, "expected the second argument of max, found ')'" },
    { "min(,x)", 5, "expected the first argument of min, found ','" },
    { "sum(x", 6, "expected ')' to close the '(' of column 4" },
    { "foo(x)", 1, "unknown name 'foo'" },
    { "y / sum(y)", 1, "unknown name 'y'" },
    { "x(2)", 2, "'x' is not a function" },
    { "1 2", 3, "found the number 2" },
    { "2x", 2, "malformed number: 'x' after '2'" },
    { "1.2.3", 4, "malformed number: '.' after '1.2'" },
    { "1e+", 1, "the exponent has no digits" },
    { ".", 1, "'.' is not a number" },
    { "1e999", 1, "beyond the largest binary64" },
    { "x $ 2", 3, "unexpected character '$'" },
    { "x \x01 2", 3, "unexpected byte 0x01" },
    { "x \xc3\x97 2", 3, "unexpected byte 0xc3" },
    { "y = x", 3, "unexpected '='" },
    { "x^", 3, "expected an operand after '^', found the end" },
    { "-", 2, "expected an operand after '-'" },
    { "x, x", 2, "found ','" },
    { "x +; p = 1", 4, "found ';'" },
    { "x;", 3, "expected a parameter declaration NAME = NUMBER after ';', found the end" },
    { "x; p", 5, "expected '=' after the parameter 'p', found the end" },
    { "x^p; p =", 9, "expected a number for the parameter 'p', found the end" },
    { "x^p; p = q", 10, "expected a number for the parameter 'p', found the name 'q'" },
    { "x^p; p = 3 4", 12, "expected ';' or the end after the value of 'p'" },
    { "x^p; p = 1; p = 2", 13, "the parameter 'p' is declared twice" },
    { "x; x = 3", 4, "'x' is the entry of the row, not a parameter name" },
    { "x; exp = 3", 4, "'exp' is a function, not a parameter name" },
    { "x; 3 = 4", 4, "expected a parameter declaration" },
    { "x; a = 1; b = 2; c = 3; d = 4; e = 5", 32, "more than 4 parameters" },
};

Test(formula_parse, each_malformed_formula_gives_one_line_naming_its_column)
{
    cr_assert_geq(sizeof bad / sizeof bad[0], 30);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        ns_formula *f = ns_formula_parse(bad[i].text, err, sizeof err);
        cr_expect_null(f, "'%s' was read", bad[i].text);
        ns_formula_free(f);
        char column[32];
        snprintf(column, sizeof column, "column %d: ", bad[i].column);
        cr_expect(strncmp(err, column, strlen(column)) == 0, "'%s': %s (wanted %s)", bad[i].text, err, column);
        cr_expect(strstr(err, bad[i].says) != NULL, "'%s': %s (wanted ...%s...)", bad[i].text, err, bad[i].says);
        cr_expect(strchr(err, '\n') == NULL, "'%s': more than one line", bad[i].text);
    }
}

Test(formula_parse, depth_and_length_are_limited)
{
    char text[NS_FORMULA_MAX_TEXT + 2], err[256];
    memset(text, '(', 100);
    strcpy(text + 100, "x");
    cr_expect_null(ns_formula_parse(text, err, sizeof err));
    cr_expect(strstr(err, "nested more than 64 deep") != NULL, "%s", err);
    memset(text, ' ', NS_FORMULA_MAX_TEXT);
    text[NS_FORMULA_MAX_TEXT] = 'x';
    text[NS_FORMULA_MAX_TEXT + 1] = '\0';
    cr_expect_null(ns_formula_parse(text, err, sizeof err));
    cr_expect(strstr(err, "column 4097: the formula is longer than 4096 characters") != NULL, "%s", err);
}

/* The shape of the graph: which node is which, from the grammar's
 * precedence (hand-derived). */
Test(formula_parse, precedence_and_associativity)
{
    char err[256];
    /* -x^2 is -(x^2); 2^3^2 is 2^(3^2). */
    ns_formula *f = ns_formula_parse("-x^2", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_expect_eq(f->node[f->out].op, NS_F_NEG);
    cr_expect_eq(f->node[f->node[f->out].a].op, NS_F_POW);
    ns_formula_free(f);
    f = ns_formula_parse("2^3^2", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    const ns_fnode *top = &f->node[f->out];
    cr_expect_eq(top->op, NS_F_POW);
    cr_expect_eq(f->node[top->a].num, 2);
    cr_expect_eq(f->node[top->b].op, NS_F_POW);
    ns_formula_free(f);
    /* 1 - 2 - 3 is (1 - 2) - 3; 8 / 4 * 2 is (8 / 4) * 2. */
    f = ns_formula_parse("1 - 2 - 3", err, sizeof err);
    cr_assert_not_null(f);
    cr_expect_eq(f->node[f->node[f->out].b].num, 3);
    ns_formula_free(f);
    f = ns_formula_parse("8 / 4 * 2", err, sizeof err);
    cr_assert_not_null(f);
    cr_expect_eq(f->node[f->out].op, NS_F_MUL);
    ns_formula_free(f);
}

Test(formula_parse, an_expression_written_twice_is_one_node)
{
    char err[256];
    ns_formula *f = ns_formula_parse("exp(x - rowmax(x))/sum(exp(x - rowmax(x)))", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    /* x, rowmax, -, exp, sum, / */
    cr_expect_eq(f->count, 6);
    cr_expect(f->node[f->out].row == false);
    cr_expect(f->node[f->node[f->out].b].row == true);
    ns_formula_free(f);
}

Test(formula_parse, parameters_are_declared_after_the_expression)
{
    char err[256];
    ns_formula *f = ns_formula_parse("relu(x)^p / sum(relu(x)^p); p = 3 ; eps=-1.5e-3", err, sizeof err);
    cr_assert_not_null(f, "%s", err);
    cr_expect_eq(f->nparams, 2);
    cr_expect_str_eq(f->param_name[0], "p");
    cr_expect_eq(f->param_value[0], 3);
    cr_expect_str_eq(f->param_name[1], "eps");
    cr_expect_eq(f->param_value[1], -1.5e-3);
    ns_formula_free(f);
}
