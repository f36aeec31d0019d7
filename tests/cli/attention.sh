# normstab attention: help, text and .npy heads, --print against -p ref,
# the verdict and exit statuses, and bad input (one line, exit 2).
. tests/cli/lib.sh

$B attention --help > "$T/help" || fail "attention --help: exit $?"
for k in textbook flash flash-fp8; do
    grep -q "^  $k " "$T/help" || fail "--help lists kernel $k"
done
$B list generators | grep -q '^head.outliers	' || fail "list generators shows the head generators"

# ohdearquant/lattice #373, by hand: mask value -10000, q = -20000, keys 1
# and 0, v = (1, 100), key 0 alone kept: the masked key wins, O = 100; the
# reference (masked keys left out) is 1, and so is a -inf mask.
printf -- '-20000\n' > "$T/q"
printf '1\n0\n' > "$T/k"
printf '1\n100\n' > "$T/v"
printf '1 0\n' > "$T/mask"
L="--q $T/q --k $T/k --v $T/v --mask $T/mask --scale 1"
expect_out "0x1.9p+6" $B attention --kernel textbook -p fp32 $L --mask-value -10000 --print o
expect_out "0x1p+0" $B attention --kernel textbook -p ref $L --mask-value -10000 --print o
expect_out "0x1p+0" $B attention --kernel textbook -p fp32 $L --print o
$B attention --kernel textbook -p fp32 $L --mask-value -10000 > "$T/leak" ||
    fail "a declared hazard exits 0: $(cat "$T/leak")"
grep -q "contract: expected: error at query 0 (finite mask leak)" "$T/leak" || fail "leak verdict: $(cat "$T/leak")"
grep -q "lattice #373" "$T/leak" || fail "the hazard names its source: $(cat "$T/leak")"

# An empty key set under flash: O = 0, LSE = -inf (FlashAttention PR #978).
printf '0 0\n' > "$T/none"
expect_out "-inf" $B attention --kernel flash -p fp16-io --q "$T/q" --k "$T/k" --v "$T/v" --mask "$T/none" --print lse
expect_out "0x0p+0" $B attention --kernel flash -p fp16-io --q "$T/q" --k "$T/k" --v "$T/v" --mask "$T/none" --print o

# softmax.naive overflows fp16 at e^12 (inf / inf): no hazard of the textbook
# kernel explains it, so the contract is broken, exit 1.
printf '12\n' > "$T/q12"
$B attention --kernel textbook --normalizer softmax.naive -p fp16 --q "$T/q12" --k "$T/k" --v "$T/v" \
    --scale 1 > "$T/naive"
[ $? = 1 ] || fail "a broken contract exits 1: $(cat "$T/naive")"
grep -q "contract: BROKEN: nan" "$T/naive" || fail "broken verdict: $(cat "$T/naive")"
$B attention --kernel textbook --normalizer softmax.shifted -p fp16 --q "$T/q12" --k "$T/k" --v "$T/v" \
    --scale 1 --json > "$T/json" || fail "softmax.shifted keeps it: $(cat "$T/json")"
grep -q '"verdict":"kept"' "$T/json" || fail "JSON verdict: $(cat "$T/json")"

# .npy heads: Q = (1, 0) and K = ((1, 0), (1, 0)) as float32, V = (2, 4):
# equal scores, O = 3 exactly, in any policy.
npy() {
    n=$(printf '%s' "$2" | wc -c)
    { printf "\\223NUMPY\\001\\000\\$(printf %o "$n")\\000"; printf '%s' "$2"; printf "$3"; } > "$1"
}
Z='\000\000'
npy "$T/q.npy" "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }" "$Z\\200\\077$Z$Z"
npy "$T/k.npy" "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }" "$Z\\200\\077$Z$Z$Z\\200\\077$Z$Z"
npy "$T/v.npy" "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }" "$Z\\000\\100$Z\\200\\100"
for k in textbook flash; do
    expect_out "0x1.8p+1" $B attention --kernel $k -p bf16 --q "$T/q.npy" --k "$T/k.npy" --v "$T/v.npy" --print o
done

# A generated head: every kernel keeps its contract in its default policy.
for k in textbook flash flash-fp8; do
    $B attention --kernel $k --gen head.normal --n 16 --d 8 > "$T/gen" || fail "$k on head.normal: $(cat "$T/gen")"
    grep -q "contract: kept" "$T/gen" || fail "$k verdict: $(cat "$T/gen")"
done

# Bad input: one line naming what and where, exit 2.
printf '1 x\n' > "$T/bad"
printf '1 2\n3\n' > "$T/ragged"
printf '1 2\n' > "$T/mask2"
expect_error 2 "unknown kernel 'slow'" $B attention --kernel slow --gen head.normal
expect_error 2 "kernel is needed" $B attention --gen head.normal
expect_error 2 "bad:1:3" $B attention --kernel flash --q "$T/bad" --k "$T/k" --v "$T/v"
expect_error 2 "ragged:2 has 1 numbers, the first row 2" $B attention --kernel flash --q "$T/ragged" --k "$T/k" --v "$T/v"
expect_error 2 "mask2 row 1 column 2 is 2, not 0 or 1" $B attention --kernel flash --q "$T/q" --k "$T/k" --v "$T/v" --mask "$T/mask2"
expect_error 2 "give --q, --k and --v" $B attention --kernel flash --q "$T/q" --k "$T/k"
expect_error 2 "--n 0 is outside" $B attention --kernel flash --gen head.normal --n 0
expect_error 2 "unknown generator 'head.none'" $B attention --kernel flash --gen head.none
expect_error 2 "--scale-on 'k'" $B attention --kernel flash --gen head.normal --scale-on k
expect_error 2 "--print 'x'" $B attention --kernel flash --gen head.normal --print x
expect_error 2 "policy 'ref' is the reference itself" $B attention --kernel flash --gen head.normal -p ref
expect_error 2 "unknown normalizer 'sparsemin'" $B attention --kernel textbook --gen head.normal --normalizer sparsemin
expect_error 2 "for the textbook kernel" $B attention --kernel flash --gen head.normal --normalizer softmax.naive
expect_error 2 "unknown option '--bogus'" $B attention --kernel flash --gen head.normal --bogus
expect_error 2 "--mask-value 'lots'" $B attention --kernel flash --gen head.normal --mask-value lots
expect_error 2 "forward only" $B attention --kernel flash-fp8 --gen head.normal --print dq
head -c 20 "$T/q.npy" > "$T/trunc.npy"
expect_error 2 "trunc.npy" $B attention --kernel flash --q "$T/trunc.npy" --k "$T/k" --v "$T/v"

# search --kernel: fp16 textbook heads with masks give NaN for a declared
# reason; the finding replays to the same verdict; the summary closes.
$B search --kernel textbook -p fp16 --objective nan --evals 20000 --masks --json > "$T/found" ||
    fail "search --kernel: exit $? (declared hazards only)"
grep -q '"kind":"nan","value":[0-9.e+]*,"confirmed":true,"verdict":"expected"' "$T/found" ||
    fail "search finding: $(head -c 400 "$T/found")"
tail -n 1 "$T/found" | grep -q '"summary":true,.*"evaluations":20000' || fail "summary: $(tail -n 1 "$T/found")"
head -n 1 "$T/found" > "$T/finding.json"
$B attention --finding "$T/finding.json" > "$T/replayed" || fail "replay: exit $?"
cause=$(sed -n 's/.*"cause":"\([^"]*\)".*/\1/p' "$T/finding.json")
grep -q "contract: expected: .*($cause)" "$T/replayed" || fail "replayed verdict ($cause): $(cat "$T/replayed")"
expect_error 2 "unknown objective 'sum' with --kernel" $B search --kernel flash --objective sum
expect_error 2 "--n '99'" $B search --kernel flash --objective nan --n 99
printf '{"kernel": "flash"}' > "$T/nofinding.json"
expect_error 2 'no known "kernel"\|"policy"' $B attention --finding "$T/nofinding.json"
printf '{"kernel": "flash", "policy": "fp16", "n_q": 1, "n_k": 1, "d": 1, "d_v": 1}' > "$T/short.json"
expect_error 2 "short.json: \"block_q\"" $B attention --finding "$T/short.json"
printf '[1]' > "$T/array.json"
expect_error 2 'array.json is not a JSON object' $B attention --finding "$T/array.json"
printf '{"kernel": "flash", "policy": "ref"}' > "$T/refpolicy.json"
expect_error 2 'refpolicy.json: "policy" is not a floating-point policy' $B attention --finding "$T/refpolicy.json"
expect_error 2 "takes the kernel, policy" $B attention --finding "$T/finding.json" --fma
exit 0
