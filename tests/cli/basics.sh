# normstab --help, --version, list, unknown commands.
. tests/cli/lib.sh

$B --help | grep -q '^usage: normstab COMMAND' || fail "--help"
$B --version | grep -q '^normstab [0-9]' || fail "--version"
for c in list round eval check; do
    $B $c --help | grep -q "^usage: normstab $c" || fail "$c --help"
done
expect_out "fp16
bf16
fp32
fp64
e4m3
e5m2
e4m3fnuz
e5m2fnuz
e3m2
e2m3
e2m1
tf32
mxfp8-e4m3
mxfp8-e5m2
mxfp6-e3m2
mxfp6-e2m3
mxfp4-e2m1
mxint8" sh -c "$B list formats | cut -f1"
expect_out "fp16
bf16
fp32
fp64
fp16-acc32
bf16-acc32
fp16-io
bf16-io
ref
e4m3-io
e5m2-io
bf16-torch
fp16-upcast" sh -c "$B list policies | cut -f1"
# Every line is NAME<TAB>SUMMARY.
$B list normalizers | grep -qv "	" && fail "list normalizers without a tab"
expect_error 2 "unknown command 'frobnicate'" $B frobnicate
expect_error 2 "unknown list 'colours'" $B list colours
expect_error 2 "unknown normalizer 'softmax.nope'" $B eval -n softmax.nope -p fp16
expect_error 2 "unknown policy 'fp17'" $B eval -n softmax.shifted -p fp17
expect_error 2 "unknown summation order 'random'" $B eval -n softmax.shifted -p fp16 --sum random
expect_error 2 "takes no parameters" $B eval -n softmax.shifted -p fp16 --param eps=1
exit 0
