# normstab check: words, --json, generated rows, exit statuses.
. tests/cli/lib.sh

# A uniform row is exact in every format: 0 bits, tolerance met, exit 0.
out=$(echo "0 0 0 0" | $B check -n softmax.shifted -p fp16) || fail "uniform row: exit $?"
echo "$out" | grep -q "worst 0.00 bits of 16" || fail "uniform row: $out"
echo "$out" | grep -q "contract: kept" || fail "uniform row contract: $out"
echo "$out" | grep -q "conditioning: kappa 0 (every row of the Jacobian)" || fail "kappa of a uniform row at 0: $out"

# An all-masked row: NaN where the reference is 0 (SPEC section 3): exit 1.
echo "-inf -inf" | $B check -n softmax.shifted -p bf16 > "$T/masked" 2>&1
[ $? -eq 1 ] || fail "all-masked row should exit 1: $(cat "$T/masked")"
grep -q "2 NaN" "$T/masked" || fail "all-masked NaN count: $(cat "$T/masked")"
grep -q "contract: BROKEN" "$T/masked" || fail "all-masked contract"

# The unshifted softmax overflows in fp16 above ln(65504) = 11.09: the sum is
# infinite (inf / inf = NaN).
echo "12 0" | $B check -n softmax.naive -p fp16 > "$T/ovf"
[ $? -eq 1 ] || fail "overflow should exit 1"
grep -q "nonfinite" "$T/ovf" || fail "overflow denominator: $(cat "$T/ovf")"

# JSON: one object per row with the fields scripts read.
echo "1 2 3
0.5 0.25" | $B check -n softmax.lse -p fp16 --json > "$T/json" || fail "json exit $?"
[ "$(wc -l < "$T/json")" -eq 2 ] || fail "one JSON object per row: $(cat "$T/json")"
for key in '"normalizer":"softmax.lse"' '"policy":"fp16"' '"sum":"seq"' '"x":\["0x1p+0","0x1p+1","0x1.8p+1"\]' \
           '"max_bits":' '"kappa":' '"stability":' '"grad_gain":' '"contract_ulps":' '"within_contract":true}$' '"denominator_class":"normal"'; do
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

# Usage errors: one line, exit 2.
expect_error 2 "unknown generator 'gauss'" $B check -n softmax.shifted -p fp16 --gen gauss
expect_error 2 "either -i FILE or --gen" $B check -n softmax.shifted -p fp16 --gen normal -i "$T/row"
expect_error 2 "--length needs --gen" $B check -n softmax.shifted -p fp16 --length 4
expect_error 2 "--length must be at least 1" $B check -n softmax.shifted -p fp16 --gen normal --length 0
expect_error 2 "not a non-negative integer" $B check -n softmax.shifted -p fp16 --gen normal --seed -3
expect_error 2 "above the limit" $B check -n softmax.shifted -p fp16 --gen normal --length 99999999
expect_error 2 "needs a value" $B check -n softmax.shifted -p fp16 --gen
expect_error 2 "policy 'ref' is the reference" $B check -n softmax.shifted -p ref
printf '1 2\n' > "$T/x"
printf '1 2 3\n' > "$T/g"
expect_error 2 "gradient row has 3 numbers" $B check -n softmax.shifted -p fp16 -i "$T/x" -g "$T/g"
printf '1 2\n1 zz\n' > "$T/bad"
expect_error 2 "bad:2:3" sh -c "$B check -n softmax.shifted -p fp16 -i $T/bad > /dev/null"
exit 0
