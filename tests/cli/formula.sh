# Formulas (docs/formulas.md): --formula, --define and NORMSTAB_FORMULAS
# through list, eval, check, search, replay and regress; every way a formula
# is refused.  Expected numbers are derived by hand in the comments or come
# from the built-in algorithm the formula spells.
. tests/cli/lib.sh

# 1^2 / (1 + 9) = 1/10 and 9/10, each correctly rounded: 0x1.999...ap-4
# (the repeating 9 rounds up to a) and 0x1.ccc...dp-1.
expect_out "0x1.999999999999ap-4 0x1.ccccccccccccdp-1" sh -c "echo '1 3' | $B eval --formula 'x*x/sum(x*x)' -p ref"
# relu(x)/n on (2, -1): 1 and 0, exact in fp16.
expect_out "0x1p+0 0x0p+0" sh -c "echo '2 -1' | $B eval --formula 'relu(x)/n' -p fp16"
# --formula=EXPR, and a parameter set with --param: (x/2)^p at x = 3, p = 2: 9/4.
expect_out "0x1.2p+1" sh -c "echo 3 | $B eval --formula='(x/2)^p; p = 3' -p fp32 --param p=2"

# The spelling of softmax.shifted gives its outputs and gradients' inputs
# bit for bit (tests/test_formula_eval.c holds every policy and order).
printf '1 2 3 4\n0.5 -3 10 12\n-inf 0 7\n' > "$T/x"
printf '1 0 0 0\n1 -1 2 0.5\n3 2 1\n' > "$T/g"
SHIFTED='exp(x - rowmax(x))/sum(exp(x - rowmax(x)))'
for p in fp16 bf16 fp32 fp16-acc32 fp16-io; do
    a=$($B eval -n softmax.shifted -p $p -i "$T/x") || fail "eval softmax.shifted $p"
    b=$($B eval --formula "$SHIFTED" -p $p -i "$T/x") || fail "eval --formula $p"
    [ "$a" = "$b" ] || fail "softmax.shifted in $p: $a, the formula: $b"
done
a=$($B eval -n softmax.shifted -p ref -i "$T/x" -g "$T/g") || fail "eval -p ref -g"
b=$($B eval --formula "$SHIFTED" -p ref -i "$T/x" -g "$T/g") || fail "eval --formula -p ref -g"
[ "$a" = "$b" ] || fail "references differ: $a / $b"

# --define and NORMSTAB_FORMULAS name formulas for every command, list too.
$B list normalizers | grep -q '^formula' && fail "a formula listed without one defined"
$B list --define 'sq=x*x/sum(x*x)' normalizers | grep -q '^sq	formula: x\*x/sum(x\*x)$' || fail "list --define"
cat > "$T/defs" <<'DEFS'
# power attention, p = 3
power = relu(x)^p / sum(relu(x)^p); p = 3

temp = exp(x/t - rowmax(x/t)) / sum(exp(x/t - rowmax(x/t))); t = 0.5   # softmax with temperature
DEFS
NORMSTAB_FORMULAS="$T/defs" $B list | grep -q '^power	formula: ' || fail "NORMSTAB_FORMULAS: power"
NORMSTAB_FORMULAS="$T/defs" $B list | grep -q '^temp	formula: ' || fail "NORMSTAB_FORMULAS: temp"
# power on (1, 2): 1/9 and 8/9; with p = 1: 1/3 and 2/3.
expect_out "0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-1" sh -c "echo '1 2' | NORMSTAB_FORMULAS=$T/defs $B eval -n power -p ref"
expect_out "0x1.5555555555555p-2 0x1.5555555555555p-1" sh -c "echo '1 2' | NORMSTAB_FORMULAS=$T/defs $B eval -n power -p ref --param p=1"

# check: the unshifted spelling overflows in fp16 (e^12 > 65504): NaN where
# the reference is a number breaks the default contract, exit 1; the shifted
# one keeps it, exit 0.
echo "1 2 12" > "$T/big"
$B check --formula 'exp(x)/sum(exp(x))' -p fp16 -i "$T/big" > "$T/out"
[ $? = 1 ] || fail "check of the overflowing formula did not exit 1"
grep -q 'no error bound declared' "$T/out" || grep -q 'BROKEN' "$T/out" || fail "check: $(cat "$T/out")"
$B check --formula "$SHIFTED" -p fp16 -i "$T/big" > "$T/out" || fail "check of the shifted formula: $(cat "$T/out")"

# search finds the overflow and replay re-runs it given the same formula.
$B search --formula 'exp(x)/sum(exp(x))' -p fp16 --objective nan --seconds 1 --seed 3 --json > "$T/found" ||
    [ $? = 1 ] || fail "search --formula"
grep -q '"normalizer":"formula"' "$T/found" || fail "search found nothing: $(cat "$T/found")"
$B replay --formula 'exp(x)/sum(exp(x))' "$T/found" > /dev/null || [ $? = 1 ] || fail "replay --formula"
expect_error 2 "unknown normalizer 'formula'" $B replay "$T/found"

# A value the formula does not have: NaN, and the operation named.
echo "-1 2" | $B eval --formula 'log(x)/sum(log(x))' -p ref > "$T/out" 2> "$T/err" || fail "eval of log(-1)"
[ "$(cat "$T/out")" = "nan nan" ] || fail "log(-1): $(cat "$T/out")"
grep -q 'column 1: log of a number below 0 has no real value' "$T/err" || fail "log(-1) said: $(cat "$T/err")"

# Refusals: one line naming the column, or the line and column, exit 2.
expect_error 2 "formula 'exp x': column 5: expected '(' after the function exp" $B eval --formula 'exp x' -p fp16
expect_error 2 "column 3: expected ')' to close the '(' of column 1" $B check --formula '(x' -p fp16
expect_error 2 "column 7: unknown name 'y'" $B search --formula 'x/sum(y)' -p fp16 --objective nan
expect_error 2 "needs a value" $B eval -p fp16 --formula
expect_error 2 "given twice" $B eval -p fp16 --formula x --formula x
expect_error 2 "expected NAME='EXPR'" $B list --define 'x*x'
expect_error 2 "the name 'softmax' is taken" $B list --define 'softmax=x'
expect_error 2 "the name 'a b' may hold only" $B list --define 'a b=x'
printf 'good = x/sum(x)\nbad = exp(x) +\n' > "$T/bad"
expect_error 2 "line 2, column 15: expected an operand after '+'" env NORMSTAB_FORMULAS="$T/bad" $B list
printf 'nothing here\n' > "$T/bad"
expect_error 2 "line 1, column 9: expected '=' after the name 'nothing'" env NORMSTAB_FORMULAS="$T/bad" $B list
expect_error 2 "$T/none (from NORMSTAB_FORMULAS): cannot read it" env NORMSTAB_FORMULAS="$T/none" $B list
printf 'f = x/sum(x)\nf.contract: error = 8 + 2n; colour = red\n' > "$T/bad"
expect_error 2 "line 2: unknown key 'colour'" env NORMSTAB_FORMULAS="$T/bad" $B list
printf 'f.contract: error = 8\n' > "$T/bad"
expect_error 2 "line 1: a contract for 'f', which no line above defines" env NORMSTAB_FORMULAS="$T/bad" $B list

# A declared contract replaces the default: hazard overflow makes the fp16
# overflow expected (exit 0) rather than broken.
printf 'naive = exp(x)/sum(exp(x))\nnaive.contract: error = 8 + 2n; hazard = overflow\n' > "$T/defs2"
NORMSTAB_FORMULAS="$T/defs2" $B check -n naive -p fp16 -i "$T/big" > "$T/out" ||
    fail "check with a declared hazard: $(cat "$T/out")"
grep -q 'expected' "$T/out" || fail "the hazard is not named: $(cat "$T/out")"

# Under regress: a baseline with the shifted softmax's formula; a worse edit
# of it (the shift forgotten: NaN from e^x overflowing in fp16 and bf16)
# regresses, exit 1, and -n measures it alone.
echo "mine = $SHIFTED" > "$T/mine"
NORMSTAB_FORMULAS="$T/mine" $B regress --update --baseline "$T/base.json" --suite tiny > "$T/out" 2>&1 ||
    fail "regress --update with a formula: $(cat "$T/out")"
grep -q '"normalizer":[[:space:]]*"mine"' "$T/base.json" || fail "the baseline holds no formula"
NORMSTAB_FORMULAS="$T/mine" $B regress --baseline "$T/base.json" -n mine > "$T/out" 2>&1 ||
    fail "regress of the unchanged formula: $(cat "$T/out")"
echo "mine = exp(x)/sum(exp(x))" > "$T/mine"
NORMSTAB_FORMULAS="$T/mine" $B regress --baseline "$T/base.json" -n mine > "$T/out" 2>&1
[ $? = 1 ] || fail "regress of the worse formula did not exit 1: $(cat "$T/out")"
grep -q '^ *mine .*nan_rate' "$T/out" || fail "no NaN regression named: $(cat "$T/out")"
