# The gradient of a plugin is held to a truth its backward pass does not
# make: power attention y = relu(x)^3 / sum relu(x)^3 (tests/plugins/
# power.c) with a backward whose slope is 2 relu(x)^2 instead of 3 relu(x)^2.
. tests/cli/lib.sh
P=$BDIR/tests/plugins
[ -f "$P/power-wrong.so" ] && [ -f "$P/power-good.so" ] || fail "plugins not built (make plugins)"
echo "0.5 1.25 -1 2 0.75" > "$T/x"
echo "1 -2 0.5 3 -1" > "$T/g"

# The fallback reference's gradient is the derivative of the forward pass,
# not the plugin's backward: x = (1, 2), g = (1, 0): S = 9, y = (1, 8)/9,
# <g, y> = 1/9, dx_j = 3 x_j^2 / 9 (g_j - 1/9) = (1/3 8/9, 4/3 (-1/9)) =
# (8/27, -4/27), the same whichever backward the plugin has.
echo "1 2" > "$T/x2"
echo "1 0" > "$T/g2"
want=$(printf '%s\n%s' "0x1.c71c71c71c71cp-4 0x1.c71c71c71c71cp-1" "0x1.2f684bda12f68p-2 -0x1.2f684bda12f68p-3")
expect_out "$want" $B eval --plugin "$P/power-wrong.so" -n power3 -p ref -i "$T/x2" -g "$T/g2"
expect_out "$want" $B eval --plugin "$P/power-good.so" -n power3 -p ref -i "$T/x2" -g "$T/g2"

# check catches the wrong backward with the fallback reference (exit 1),
# and with the plugin's own reference; the right one keeps its contract.
$B check --plugin "$P/power-wrong.so" -n power3 -p fp32 -i "$T/x" -g "$T/g" > "$T/out"
[ $? = 1 ] || fail "check of the wrong backward (fallback reference) did not exit 1"
grep -q "contract: BROKEN: gradient" "$T/out" || fail "not a broken gradient: $(cat "$T/out")"
$B check --plugin "$P/power-wrong-own.so" -n power3 -p fp32 -i "$T/x" -g "$T/g" > "$T/out"
[ $? = 1 ] || fail "check of the wrong backward (own reference) did not exit 1"
$B check --plugin "$P/power-good.so" -n power3 -p fp32 -i "$T/x" -g "$T/g" > "$T/out" ||
    fail "check of the right backward: $(cat "$T/out")"

# --grad-check: the backward without rounding against the truth; the slope
# 2 where 3 is right leaves dx at 2/3 of it: a difference of 1/3.
$B check --plugin "$P/power-wrong.so" -n power3 -p fp32 -i "$T/x" -g "$T/g" --grad-check > "$T/out"
[ $? = 1 ] || fail "--grad-check of the wrong backward did not exit 1"
grep -q "grad-check: .* largest difference 0.333 .*DISAGREES" "$T/out" || fail "grad-check: $(cat "$T/out")"
$B check --plugin "$P/power-good.so" -n power3 -p fp32 -i "$T/x" -g "$T/g" --grad-check > "$T/out" ||
    fail "--grad-check of the right backward: $(cat "$T/out")"
grep -q "grad-check: .*derivative of the fallback's forward pass: largest difference 0 .*agrees" "$T/out" ||
    fail "grad-check: $(cat "$T/out")"
$B check --plugin "$P/power-wrong.so" -n power3 -p fp32 -i "$T/x" --grad-check --json > "$T/out"
[ $? = 1 ] || fail "--grad-check --json did not exit 1"
grep -q '"grad_check":{"dx_backward":\[.*"agrees":false}' "$T/out" || fail "grad-check JSON: $(cat "$T/out")"
expect_error 2 "check: --grad-check compares a plugin's own backward pass; 'softmax.naive' is built in" \
    $B check -n softmax.naive -p fp32 -i "$T/x" --grad-check

# Gradient errors count where the row's first-order bound promises nothing:
# in fp16 a row of 1024 has (16 + 4 n) u > 1, and the wrong backward said
# "kept" (issue 18).  In fp64 its error stays (1/3 of the gradient, far
# above fp64's bound): not rounding, so BROKEN; the right one stays kept.
for ref in power-wrong power-wrong-own; do
    $B check --plugin "$P/$ref.so" -n power3 -p fp16 --gen normal --length 1024 > "$T/out"
    [ $? = 1 ] || fail "$ref in fp16 on a row of 1024 did not exit 1: $(grep contract "$T/out")"
    grep -q "with the algorithm in fp64 .*: not rounding, the backward pass is wrong: BROKEN" "$T/out" ||
        fail "$ref: $(grep -A2 contract "$T/out")"
done
$B check --plugin "$P/power-good.so" -n power3 -p fp16 --gen normal --length 1024 > "$T/out" ||
    fail "the right backward in fp16 on a row of 1024: $(grep -A2 contract "$T/out")"
exit 0
