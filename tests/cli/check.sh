# normstab check: words, --json, generated rows, exit statuses.
. tests/cli/lib.sh

# A uniform row is exact in every format: 0 bits, tolerance met, exit 0.
out=$(echo "0 0 0 0" | $B check -n softmax.shifted -p fp16) || fail "uniform row: exit $?"
echo "$out" | grep -q "worst 0.00 bits of 11" || fail "uniform row: $out"
echo "$out" | grep -q "contract: kept" || fail "uniform row contract: $out"
echo "$out" | grep -q "conditioning: kappa 0 (every row of the Jacobian)" || fail "kappa of a uniform row at 0: $out"

# An all-masked row: NaN where the reference is 0 (SPEC section 3), a hazard
# the contract of softmax.shifted declares: expected, named, exit 0.
echo "-inf -inf" | $B check -n softmax.shifted -p bf16 > "$T/masked" 2>&1 ||
    fail "an all-masked row is an expected failure, exit 0: $(cat "$T/masked")"
grep -q "2 NaN" "$T/masked" || fail "all-masked NaN count: $(cat "$T/masked")"
grep -q "contract: expected: nan (all-masked row): an all-masked row has no finite maximum" "$T/masked" ||
    fail "all-masked contract: $(cat "$T/masked")"
echo "-inf -inf" | $B check -n softmax.shifted -p bf16 --json > "$T/masked.json" ||
    fail "all-masked row --json: exit $?"
grep -q '"verdict":"expected","failed":\[{"kind":"nan","cause":"all-masked row","verdict":"expected"' "$T/masked.json" ||
    fail "all-masked verdict in JSON: $(cat "$T/masked.json")"
grep -q '"within_contract":true}$' "$T/masked.json" || fail "all-masked within_contract: $(cat "$T/masked.json")"

# The unshifted softmax overflows in fp16 above ln(65504) = 11.09: the sum is
# infinite (inf / inf = NaN), as its contract declares: expected, exit 0.
echo "12 0" | $B check -n softmax.naive -p fp16 > "$T/ovf" || fail "a declared overflow should exit 0: $(cat "$T/ovf")"
grep -q "nonfinite" "$T/ovf" || fail "overflow denominator: $(cat "$T/ovf")"
grep -q "contract: expected: nan (overflow): e^x overflows" "$T/ovf" || fail "overflow hazard: $(cat "$T/ovf")"

# Errors are counted in the output's format: bf16 in, fp16 out gives bits
# of fp16's 11, not of bf16's 8.
echo "1 2 3 4" | $B check -n softmax.shifted -p 'in=bf16,work=fp32,acc=fp32,out=fp16' > "$T/inout" ||
    fail "in=bf16,out=fp16: $(cat "$T/inout")"
grep -q "bits of 11 " "$T/inout" || fail "bits not of the output format: $(cat "$T/inout")"

# fp64 has no wider format to recheck a failure in, so the row names the
# cause: e^-736 lies below 2^-1022 = e^-708.40, a subnormal with 43 bits
# fewer than a normal double, and logsoftmax.naive's log of it is 30 bits
# off: the underflow its contract declares, not a broken promise.
echo "-736 0 0" | $B check -n logsoftmax.naive -p fp64 > "$T/sub" ||
    fail "a declared underflow in fp64 should exit 0: $(cat "$T/sub")"
grep -q "contract: expected: error (underflow)" "$T/sub" || fail "fp64 underflow hazard: $(cat "$T/sub")"
# The same row size may overflow instead: softmax1.shifted of [-712] forms
# e^{-m} = e^712 > 2^1024 (ln 2^1024 = 709.78), the overflow its contract
# declares for very negative logits.
echo "-712" | $B check -n softmax1.shifted -p fp64 > "$T/ovf64" ||
    fail "a declared overflow in fp64 should exit 0: $(cat "$T/ovf64")"
grep -q "contract: expected: error (overflow): when every logit is very negative" "$T/ovf64" ||
    fail "fp64 overflow hazard: $(cat "$T/ovf64")"

# A bound that grows with n stops at the whole precision: sparsemax in bf16
# on 2048 normal(1) logits misjudges its support (8 bits of 8 wrong), which
# no contract keeps; its contract declares the long row.
$B check -n sparsemax -p bf16 --gen normal=1 --length 2048 --seed 1 > "$T/long" ||
    fail "a declared long-row failure should exit 0: $(cat "$T/long")"
grep -q "contract: expected: error (long row)" "$T/long" || fail "long row not declared: $(cat "$T/long")"

# The same softmax from a plugin without a contract of its own (the default
# one declares only the all-masked row): the overflow breaks it, exit 1, in
# words and in JSON.
WORSE="$BDIR/tests/plugins/edit-worse.so"
echo "12 0" | $B --plugin "$WORSE" check -n edit.softmax -p fp16 > "$T/broken"
[ $? -eq 1 ] || fail "an undeclared overflow should exit 1: $(cat "$T/broken")"
grep -q "contract: BROKEN: nan (overflow): the contract promises no NaN on its domain" "$T/broken" ||
    fail "broken contract: $(cat "$T/broken")"
grep -q "    nan (overflow): .* NaN entries where the reference is a number: BROKEN" "$T/broken" ||
    fail "broken promise listed: $(cat "$T/broken")"
echo "12 0" | $B --plugin "$WORSE" check -n edit.softmax -p fp16 --json > "$T/broken.json"
[ $? -eq 1 ] || fail "--json: an undeclared overflow should exit 1"
grep -q '"verdict":"broken","failed":\[{"kind":"nan","cause":"overflow","verdict":"broken"' "$T/broken.json" ||
    fail "broken verdict in JSON: $(cat "$T/broken.json")"
grep -q '"within_contract":false}$' "$T/broken.json" || fail "broken within_contract: $(cat "$T/broken.json")"

# JSON: one object per row with the fields scripts read.
echo "1 2 3
0.5 0.25" | $B check -n softmax.lse -p fp16 --json > "$T/json" || fail "json exit $?"
[ "$(wc -l < "$T/json")" -eq 2 ] || fail "one JSON object per row: $(cat "$T/json")"
for key in '"normalizer":"softmax.lse"' '"policy":"fp16"' '"sum":"seq"' '"x":\["0x1p+0","0x1p+1","0x1.8p+1"\]' \
           '"max_bits":' '"kappa":' '"stability":' '"grad_gain":' '"contract_ulps":' '"within_contract":true}$' '"denominator_class":"normal"' \
           '"verdict":"kept","failed":\[\],"metrics":'; do
    head -n 1 "$T/json" | grep -q "$key" || fail "JSON lacks $key: $(head -n 1 "$T/json")"
done

# A generated row is the same for the same seed, and check replays it: the
# rounded row printed in JSON, checked from a file, gives the same metrics
# (but for the rounding of the inputs, which the printed row no longer has).
a=$($B check -n softmax.online -p bf16 --sum pairwise --gen normal=6 --length 12 --seed 77 --json)
b=$($B check -n softmax.online -p bf16 --sum pairwise --gen normal=6 --length 12 --seed 77 --json)
[ "$a" = "$b" ] || fail "same seed, different output"
c=$($B check -n softmax.online -p bf16 --sum pairwise --gen normal=6 --length 12 --seed 78 --json)
[ "$a" != "$c" ] || fail "another seed, the same output"
echo "$a" | sed 's/.*"x":\[\([^]]*\)\].*/\1/; s/"//g; s/,/ /g' > "$T/row"
d=$($B check -n softmax.online -p bf16 --sum pairwise -i "$T/row" --seed 77 --json)
m1=$(echo "$a" | sed 's/.*"metrics":\(.*\),"within_contract":[a-z]*}$/\1/; s/"input_rounding":[^,]*,//')
m2=$(echo "$d" | sed 's/.*"metrics":\(.*\),"within_contract":[a-z]*}$/\1/; s/"input_rounding":[^,]*,//')
[ "$m1" = "$m2" ] || fail "replay from the printed row differs:
$m1
$m2"

# fp16-io stores y in fp16 and the backward pass reads it there: a gradient
# error of 1.012 ulps of fp16 on this row (the working format's bound alone
# allows 1.010) is the stored outputs' rounding, which the contract counts
# (analysis/promises.c), not a broken promise.
out=$($B check -n softmax.shifted -p fp16-io --gen normal=0.25 --length 16 --seed 10451216379200822465) ||
    fail "softmax.shifted fp16-io: the stored outputs' rounding read as a broken gradient promise"
echo "$out" | grep -q "gradient: worst 0.97 bits" || fail "the row changed: $out"

# Usage errors: one line, exit 2.
expect_error 2 "unknown generator 'gauss'" $B check -n softmax.shifted -p fp16 --gen gauss
expect_error 2 "either -i FILE or --gen" $B check -n softmax.shifted -p fp16 --gen normal -i "$T/row"
expect_error 2 "--length needs --gen" $B check -n softmax.shifted -p fp16 --length 4
expect_error 2 "--length must be at least 1" $B check -n softmax.shifted -p fp16 --gen normal --length 0
expect_error 2 "not a non-negative integer" $B check -n softmax.shifted -p fp16 --gen normal --seed -3
expect_error 2 "above the limit" $B check -n softmax.shifted -p fp16 --gen normal --length 99999999
expect_error 2 "needs a value" $B check -n softmax.shifted -p fp16 --gen
# check's own options go through the shared parser, as eval's and search's do.
expect_error 2 "option --seed given twice" $B check -n softmax.shifted -p fp16 --gen normal --seed 1 --seed 2
expect_error 2 "'--grad-check' takes no value" $B check -n softmax.shifted -p fp16 --grad-check=1
expect_error 2 "policy 'ref' is the reference" $B check -n softmax.shifted -p ref
printf '1 2\n' > "$T/x"
printf '1 2 3\n' > "$T/g"
expect_error 2 "gradient row has 3 numbers" $B check -n softmax.shifted -p fp16 -i "$T/x" -g "$T/g"
printf '1 2\n1 zz\n' > "$T/bad"
expect_error 2 "bad:2:3" sh -c "$B check -n softmax.shifted -p fp16 -i $T/bad > /dev/null"
exit 0
