# Composable policies, named policies as aliases, summation orders (SPEC
# section 6), and the issue's reproducers against torch 1.13.
. tests/cli/lib.sh

# list policies shows each alias's expansion.
$B list policies | grep -q "^fp16-io	.*(in=fp16,work=fp32,acc=fp32,out=fp16)$" ||
    fail "list policies does not show fp16-io's expansion"
for name in e4m3-io e5m2-io bf16-torch fp16-upcast; do
    $B list policies | grep -q "^$name	.*(in=" || fail "list policies does not show $name's expansion"
done
# An expansion that spells a named policy is that policy.
expect_out "0x1.134p-2 0x1.764p-1" sh -c "echo '1 2' | $B eval -n softmax.shifted -p in=fp16"

# torch's upcast wrapper softmax(x.float()).half() keeps the fp32 y for its
# backward (saved=work): dx = 0x1.8p-16 -0x1.7fp-16; a kernel that stores
# its fp16 output (saved=out, fp16-io) gives 0x1p-17 -0x1.7ep-16.
echo "11.09375 0" > "$T/x"
echo "1 -0.5" > "$T/g"
expect_out "0x1p+0 0x1.fep-17
0x1.8p-16 -0x1.7fp-16" $B eval -n softmax.shifted -p in=fp16,work=fp32,acc=fp32,out=fp16,saved=work -i "$T/x" -g "$T/g"
expect_out "0x1p+0 0x1.fep-17
0x1.8p-16 -0x1.7fp-16" $B eval -n softmax.shifted -p fp16-upcast -i "$T/x" -g "$T/g"
expect_out "0x1p+0 0x1.fep-17
0x1p-17 -0x1.7ep-16" $B eval -n softmax.shifted -p fp16-io -i "$T/x" -g "$T/g"
# torch's native bf16 log_softmax stores its sum in bf16 (tot=bf16): y_0 = -0x1.7cp-6.
expect_out "-0x1.7cp-6 -0x1.42p+2 -0x1.42p+2 -0x1.42p+2" \
    sh -c "echo '0 -5 -5 -5' | $B eval -n logsoftmax.shifted -p in=bf16,work=fp32,acc=fp32,tot=bf16,out=bf16"
expect_out "-0x1.7cp-6 -0x1.42p+2 -0x1.42p+2 -0x1.42p+2" \
    sh -c "echo '0 -5 -5 -5' | $B eval -n logsoftmax.shifted -p bf16-torch"
# MX inputs: 1 2 3 1000 share 2^1 in mxfp8-e4m3; 1000 reaches the kernel as 896.
$B check -n softmax.shifted -p in=mxfp8-e4m3,work=fp32 -i /dev/stdin <<EOT | grep -q "0x1.cp+9" || fail "in=mxfp8-e4m3 did not round 1000 to 896"
1 2 3 1000
EOT

# Summation orders: 4096 ones in fp16 sum to 2048 left to right, to 4096 in
# 8 lanes or in blocks of 1024 (softmax.shifted of equal logits: 1/S).
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "0 "; print "" }' > "$T/flat"
expect_out "0x1p-11" sh -c "$B eval -n softmax.shifted -p fp16 -i $T/flat | cut -d' ' -f1"
expect_out "0x1p-12" sh -c "$B eval -n softmax.shifted -p fp16 --sum lanes:8 -i $T/flat | cut -d' ' -f1"
expect_out "0x1p-12" sh -c "$B eval -n softmax.shifted -p fp16 --sum blocked:1024 -i $T/flat | cut -d' ' -f1"

# Bad policies and orders: exit 2, one line naming what and where.
expect_error 2 "unknown part 'wrk'" $B eval -n softmax.shifted -p in=fp16,wrk=fp32
expect_error 2 "part 'in' given twice" $B eval -n softmax.shifted -p in=fp16,in=bf16
expect_error 2 "in=FORMAT is required" $B check -n softmax.shifted -p work=fp32
expect_error 2 "work=fp17: unknown format 'fp17'" $B eval -n softmax.shifted -p in=fp16,work=fp17
expect_error 2 "acc=mxint8: an MX format rounds data" $B eval -n softmax.shifted -p in=fp16,acc=mxint8
expect_error 2 "expected saved=out or saved=work" $B eval -n softmax.shifted -p in=fp16,saved=both
expect_error 2 "unknown policy 'fp17'" $B search -n softmax.shifted -p fp17 --objective nan
expect_error 2 "'lanes:3': K must be a power of two" $B eval -n softmax.shifted -p fp16 --sum lanes:3
expect_error 2 "'blocked:0': B must be an integer" $B search -n softmax.shifted -p fp16 --objective nan --sum blocked:0

# e4m3 has no infinity: logsoftmax outputs below -464 are NaN, which the
# search finds and the format's hazard expects.
$B search -n logsoftmax.shifted -p e4m3-io --objective nan --seconds 3 --json > "$T/e4m3.jsonl" 2>/dev/null
grep -q '"kind":"nan","cause":"overflow".*"verdict":"expected"' "$T/e4m3.jsonl" ||
    fail "no expected NaN from e4m3 overflow: $(head -c 300 "$T/e4m3.jsonl")"
grep -q '"verdict":"broken"' "$T/e4m3.jsonl" && fail "a broken promise in e4m3-io: $(grep broken "$T/e4m3.jsonl" | head -c 300)"

# The report measures more policies and orders when asked.
$B report --tiny --no-data --policies 'e4m3-io,bf16-torch; in=fp16,work=fp32,tot=bf16' --sums lanes:8 \
    --out "$T/report" > /dev/null 2>&1 || fail "report --policies --sums"
for want in '"policy":	"e4m3-io"' '"policy":	"bf16-torch"' '"policy":	"in=fp16,work=fp32,acc=fp32,out=fp16,tot=bf16"' \
            '"sum":	"lanes:8"' '"policy":	"fp16-acc32"'; do
    grep -q "$want" "$T/report/results.json" || fail "results.json lacks $want"
done
expect_error 2 "report: --policies: unknown policy 'fp17'" $B report --tiny --policies fp16,fp17
expect_error 2 "report: --policies: 'ref' is the reference itself" $B report --tiny --policies ref
expect_error 2 "report: --sums: summation order 'lanes:5'" $B report --tiny --sums lanes:5

# A finding of a composed policy replays.
$B search -n softmax.naive -p in=fp16,work=fp32,tot=fp16,saved=work --objective nan --seconds 2 --json > "$T/f.jsonl" 2>/dev/null
grep -q '"policy":"in=fp16,work=fp32,acc=fp32,out=fp16,tot=fp16,saved=work"' "$T/f.jsonl" || fail "no finding named by its composed policy"
$B replay "$T/f.jsonl" > "$T/replay" || fail "replay of a composed policy's finding failed"
exit 0
