# normstab search: usage errors, JSON Lines with a summary, determinism for a
# seed, findings that eval reproduces, exit 1 on a broken contract.
. tests/cli/lib.sh

$B search --help | grep -q '^usage: normstab search' || fail "search --help"
expect_error 2 "--objective is required" $B search -n softmax.naive -p fp16
expect_error 2 "unknown objective 'bits'" $B search -n softmax.naive -p fp16 --objective bits
expect_error 2 "unknown strategy 'annealing'" $B search -n softmax.naive -p fp16 --objective nan --strategy annealing
expect_error 2 "--evals 'ten'" $B search -n softmax.naive -p fp16 --objective nan --evals ten
expect_error 2 "--seconds '-1'" $B search -n softmax.naive -p fp16 --objective nan --seconds -1
expect_error 2 "policy 'ref'" $B search -n softmax.naive -p ref --objective nan
expect_error 2 "unknown normalizer 'softmax.nope'" $B search -n softmax.nope -p fp16 --objective nan
expect_error 2 "option -n given twice" $B search -n softmax.naive -n softmax.lse -p fp16 --objective nan

# Naive softmax in fp16: every finding is a documented hazard (exit 0); the
# overflow is among them, and the last line is the summary.
$B search -n softmax.naive -p fp16 --objective nan --evals 3000 --seed 7 --json > "$T/a" ||
    fail "search exited $? on the catalogue as shipped"
grep -q '"kind":"nan","cause":"overflow"' "$T/a" || fail "no NaN from overflow in $(cat "$T/a")"
tail -n 1 "$T/a" | grep -q '^{"summary":true,.*"evaluations":[0-9]*,.*"evaluations_per_second":' ||
    fail "last line is not the summary: $(tail -n 1 "$T/a")"
grep -v '"summary":true' "$T/a" | grep -qv '"confirmed":true' && fail "an unconfirmed finding"
grep -v '"summary":true' "$T/a" | grep -qv '"verdict":"expected"' && fail "a finding breaks the contract"

# The same seed and budget give the same findings (timings aside).
strip() { grep -v '"summary":true' "$1" | sed 's/"seconds":[^,]*,"unix_time":[^,}]*//'; }
$B search -n softmax.naive -p fp16 --objective nan --evals 3000 --seed 7 --json > "$T/b" || fail "second run"
[ "$(strip "$T/a")" = "$(strip "$T/b")" ] || fail "not deterministic for a seed"

# The overflow finding's row, read back by eval, still gives NaN.
grep '"cause":"overflow"' "$T/a" | grep '"kind":"nan"' | head -n 1 |
    sed 's/.*"x":\[\([^]]*\)\].*/\1/; s/"//g; s/,/ /g' > "$T/x"
[ -s "$T/x" ] || fail "no row in the finding"
$B eval -n softmax.naive -p fp16 -i "$T/x" | grep -q nan || fail "eval does not reproduce $(cat "$T/x")"

# Text output names the hazard and says expected.
$B search -n relu.norm -p fp16 --objective nan --evals 2000 > "$T/t" || fail "relu.norm search"
grep -q '^relu.norm fp16 nan (zero denominator): expected' "$T/t" || fail "relu.norm 0/0 not reported: $(cat "$T/t")"

# entmax15 computes entmax only for alpha = 1.5 and returns NaN otherwise
# (normalizers/entmax.c): under --param alpha=2 its promise of no NaN breaks.
$B search -n entmax15 -p fp32 --param alpha=2 --objective nan --evals 300 --json > "$T/e"
[ $? -eq 1 ] || fail "a broken contract did not exit 1"
grep -q '"verdict":"broken"' "$T/e" || fail "no broken finding"
exit 0
