# normstab attention with the linear and RWKV-4 kernels: text and .npy
# inputs, the reference (-p ref --print), verdicts, --json, --envelope and
# bad input (exit 2, one line naming what and where).
. tests/cli/lib.sh

# RWKV with k = u = w = 0: wkv_t is the mean of v_0..v_t, and with gy = 1
# dv = (1 + 1/2 + 1/3, 1/2 + 1/3, 1/3) (tests/test_rwkv.c derives them).
printf '0\n' > "$T/w"; printf '0\n' > "$T/u"
printf '0\n0\n0\n' > "$T/k"; printf '1\n3\n5\n' > "$T/v"; printf '1\n1\n1\n' > "$T/g"
rwkv="--kernel rwkv4.stable --w $T/w --u $T/u --k $T/k --v $T/v"
expect_out "0x1p+0
0x1p+1
0x1.8p+1" $B attention $rwkv -p ref --print o
expect_out "0x1p+0
0x1p+1
0x1.8p+1" $B attention $rwkv -p fp16 --print o
# (Python's float division is correctly rounded, its hex() is C's %a here)
dv=$(python3 -c 'print((11/6).hex()); print((5/6).hex()); print((1/3).hex())')
got=$($B attention $rwkv --do "$T/g" -p ref --print dv)
[ "$got" = "$dv" ] || fail "reference dv: $got, expected $dv"

# The same head from .npy files: k as float32 (3, 1), v as float64 (3,).
python3 - "$T" <<'PY'
import struct, sys
def npy(path, descr, shape, fmt, vals):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += ' ' * (63 - len(h) % 64) + '\n'
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + struct.pack(fmt, *vals))
npy(sys.argv[1] + '/k.npy', '<f4', '(3, 1)', '<3f', [0, 0, 0])
npy(sys.argv[1] + '/v.npy', '<f8', '(3, 1)', '<3d', [1, 3, 5])
npy(sys.argv[1] + '/short.npy', '<f8', '(3, 1)', '<2d', [1, 3])
PY
expect_out "$($B attention $rwkv -p fp32 --print o)" \
    $B attention --kernel rwkv4.stable --w "$T/w" --u "$T/u" --k "$T/k.npy" --v "$T/v.npy" -p fp32 --print o

# rwkv4.naive in fp16 past k = 11.09 (issue 17): NaN, the declared hazard
# "exp overflow": expected, exit 0; the stable kernel keeps its contract.
printf '12\n12\n12\n' > "$T/k12"
out=$($B attention --kernel rwkv4.naive --w "$T/w" --u "$T/u" --k "$T/k12" --v "$T/v" -p fp16) ||
    fail "a declared hazard exits 0: $out"
echo "$out" | grep -q "verdict: expected (exp overflow" || fail "naive fp16 verdict: $out"
out=$($B attention --kernel rwkv4.stable --w "$T/w" --u "$T/u" --k "$T/k12" --v "$T/v" -p fp16 --json) ||
    fail "stable fp16: exit $?"
echo "$out" | grep -q '"verdict":"kept"' || fail "stable fp16 verdict: $out"

# Linear attention with relu features that never meet (issue 17): 0/0, the
# reference row is 0 (SPEC section 3), the hazard "zero denominator".
printf '1 -1\n' > "$T/q"; printf -- '-1 2\n-3 0.5\n' > "$T/lk"; printf '1 2\n3 4\n' > "$T/lv"
lin="--kernel linear --feature relu --q $T/q --k $T/lk --v $T/lv"
expect_out "0x0p+0 0x0p+0" $B attention $lin -p ref --print o
out=$($B attention $lin -p fp32 --json) || fail "zero denominator exits 0: $out"
echo "$out" | grep -q '"zero_denominators":1' || fail "zero denominator counted: $out"
echo "$out" | grep -q '"verdict":"expected","cause":"zero denominator"' || fail "relu verdict: $out"

# Gradients of linear attention (tests/test_linear.c derives them): identity,
# q = 1, k = (1, 2), v = (3, 5), G = 1: dk = (-4/9, 2/9), dv = (1/3, 2/3).
printf '1\n' > "$T/q1"; printf '1\n2\n' > "$T/k2"; printf '3\n5\n' > "$T/v2"; printf '1\n' > "$T/g1"
lin1="--kernel linear --feature identity --q $T/q1 --k $T/k2 --v $T/v2 --do $T/g1"
expect_out "$(python3 -c 'print((-4/9).hex()); print((2/9).hex())')" $B attention $lin1 -p ref --print dk
expect_out "$(python3 -c 'print((1/3).hex()); print((2/3).hex())')" $B attention $lin1 -p ref --print dv
expect_error 2 "kernel linear has no such gradient" $B attention $lin1 --print dw
expect_error 2 "\-\-do is 2 x 1, O is 1 x 1" $B attention $lin1 --do "$T/k2"

# The envelope of rwkv4.stable in fp16 without decay: b counts to 2048 and
# no further (issue 17), so T = 2048 is kept and 4096 is not.
out=$($B attention --kernel rwkv4.stable -p fp16 --gen rwkv.no-decay --n 4096 --d 1 --envelope) ||
    fail "envelope: exit $?"
echo "$out" | grep -q "^4096 .*expected  state saturation" || fail "envelope at 4096: $out"
echo "$out" | grep -q "envelope: T kept up to 2048 at scale 1" || fail "envelope summary: $out"

# The head search: rwkv4.naive in fp16 goes NaN at once (keys past 11.09),
# the declared "exp overflow"; the findings depend only on the seed.
$B attention --kernel rwkv4.naive -p fp16 --search nan --evaluations 200 --seed 3 --json > "$T/s1" ||
    fail "search: exit $? (a declared hazard is no broken contract)"
head -1 "$T/s1" | grep -q '"kind":"nan",.*"verdict":"expected","cause":"exp overflow"' || fail "search finding: $(head -1 "$T/s1")"
tail -1 "$T/s1" | grep -q '^{"summary":true,"evaluations":200,' || fail "search summary: $(tail -1 "$T/s1")"
$B attention --kernel rwkv4.naive -p fp16 --search nan --evaluations 200 --seed 3 --json > "$T/s2"
[ "$(grep -v summary "$T/s1")" = "$(grep -v summary "$T/s2")" ] || fail "search is not reproducible from its seed"
expect_error 2 "\-\-search 'x' is not one of" $B attention --kernel rwkv4.naive --search x

# The envelope in key scale: rwkv.trained keys N(0, 2 s) over 64 x 8 reach
# past 11.09 from s = 2 on, where rwkv4.naive overflows fp16 and
# rwkv4.stable does not.
out=$($B attention --kernel rwkv4.naive -p fp16 --gen rwkv.trained --n 64 --d 8 --key-scale 4 --envelope)
echo "$out" | grep -q "key scale kept up to 1 at T = 64" || fail "naive key-scale envelope: $out"
out=$($B attention --kernel rwkv4.stable -p fp16 --gen rwkv.trained --n 64 --d 8 --key-scale 4 --envelope)
echo "$out" | grep -q "key scale kept up to 4 at T = 64" || fail "stable key-scale envelope: $out"

# The three roads on one causal head: four roads in each of fp16, bf16 and
# fp32, O finite in each, fp32 within 1e-5 of every reference.
out=$($B attention --roads --n 32 --d 4) || fail "roads: exit $?"
[ "$(echo "$out" | grep -c '^| fp[0-9]*\|^| bf16')" = 12 ] || fail "roads: 12 rows expected: $out"
echo "$out" | grep '^| ' | grep -v '^| policy\|^|---' | grep -qv '| yes |' && fail "roads: an O not finite: $out"
echo "$out" | awk -F'|' '$2 ~ /fp32/ && $6 + 0 > 1e-5 { bad = 1 } END { exit bad }' || fail "roads fp32 errors: $out"
for road in softmax normalizer linear rwkv; do
    echo "$out" | grep -q "^| fp16 | $road |" || fail "roads: no $road row: $out"
done

# Bad input: exit 2, one line naming what and where.
expect_error 2 "unknown kernel 'nope'" $B attention --kernel nope --gen rwkv.trained
expect_error 2 "needs --w" $B attention --kernel rwkv4.naive --k "$T/k" --v "$T/v" --u "$T/u"
printf '1 2\n3\n' > "$T/ragged"
expect_error 2 "ragged:2 has 1 numbers, the first row 2" $B attention --kernel linear --q "$T/ragged" --k "$T/lk" --v "$T/lv"
expect_error 2 "\-\-v has 1 rows, --k 2" $B attention --kernel linear --q "$T/q" --k "$T/lk" --v "$T/q"
expect_error 2 "generator 'linear.gaussian' makes linear attention heads" $B attention --kernel rwkv4.naive --gen linear.gaussian
expect_error 2 "unknown generator 'x'" $B attention --kernel rwkv4.naive --gen x
expect_error 2 "\-\-n '0' is not a whole number" $B attention --kernel rwkv4.naive --gen rwkv.trained --n 0
expect_error 2 "\-\-n '9999999999' is not a whole number" $B attention --kernel rwkv4.naive --gen rwkv.trained --n 9999999999
printf '1e6\n0\n0\n' > "$T/kbig"
expect_error 2 "\-\-k entry 0 (1e+06) is not finite in fp16's input format" \
    $B attention --kernel rwkv4.stable --w "$T/w" --u "$T/u" --k "$T/kbig" --v "$T/v" -p fp16
expect_error 2 "\-\-print 'x' is not one of" $B attention $rwkv --print x
expect_error 2 "\-p ref prints the reference: it needs --print" $B attention $rwkv -p ref
expect_error 2 "\-\-feature 'tanh'" $B attention --kernel linear --feature tanh --gen linear.gaussian
expect_error 2 "short.npy" $B attention --kernel rwkv4.stable --w "$T/w" --u "$T/u" --k "$T/short.npy" --v "$T/v"
expect_error 2 "unknown option '--bogus'" $B attention --kernel linear --bogus 1
$B attention --help | grep -q "usage: normstab attention" || fail "--help"
exit 0
