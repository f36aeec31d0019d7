# A version-2 plugin algorithm without a backward pass gets one derived from
# its forward pass (plugins/derive.h; tests/plugins/derived.c), and takes
# part in eval, check, search and regress like any other.
. tests/cli/lib.sh
P=$BDIR/tests/plugins
[ -f "$P/derived.so" ] && [ -f "$P/v1-no-backward.so" ] || fail "plugins not built (make plugins)"

# Hand-derived: softmax at (0, 0) is (1/2, 1/2); g = (1, 0): <g, y> = 1/2,
# dx = y (g - 1/2) = (1/4, -1/4).  Spherical at (1, 1), S = 2:
# dx = 2 x / S (g - 1/2) = (1/2, -1/2).
echo "1 0" > "$T/g"
expect_out "$(printf '0x1p-1 0x1p-1\n0x1p-2 -0x1p-2')" \
    sh -c "echo '0 0' | $B eval --plugin $P/derived.so -n dsoftmax.shifted -p fp16 -g $T/g"
expect_out "$(printf '0x1p-1 0x1p-1\n0x1p-1 -0x1p-1')" \
    sh -c "echo '1 1' | $B eval --plugin $P/derived.so -n dspherical -p fp16 -g $T/g"

# check keeps the default contract, gradients included (the derived
# backward measured against the fallback reference's exact derivative).
for alg in dsoftmax.shifted dspherical dpower dsigmoid.chain; do
    $B check --plugin "$P/derived.so" -n $alg -p fp16 --gen normal --length 64 > "$T/out" ||
        fail "check $alg: $(grep -A1 contract "$T/out")"
    grep -q "contract: kept" "$T/out" || fail "check $alg: $(grep contract "$T/out")"
done
expect_error 2 "check: --grad-check compares a plugin's own backward pass; 'dspherical' has none (normstab derives it" \
    $B check --plugin "$P/derived.so" -n dspherical -p fp32 --gen normal --grad-check

# search hunts the derived gradient like any other.
$B search --plugin "$P/derived.so" -n dsoftmax.shifted -p fp16 --objective gradient --seconds 1 --seed 1 \
    > "$T/found" || fail "search exited $?: $(tail -1 "$T/found")"
grep -q "^dsoftmax.shifted fp16: .* 0 breaking the contract" "$T/found" || fail "search: $(tail -1 "$T/found")"

# A baseline of its own, and a check against it.
$B regress --plugin "$P/derived.so" --update -n dsoftmax.shifted -n dspherical --baseline "$T/b.json" \
    --suite tiny > "$T/out" 2>&1 || fail "regress --update: $(cat "$T/out")"
$B regress --plugin "$P/derived.so" --baseline "$T/b.json" -n dsoftmax.shifted -n dspherical > "$T/out" 2>&1 ||
    fail "regress: $(tail -3 "$T/out")"
grep -q "0 regressions, .* 0 missing" "$T/out" || fail "regress: $(tail -3 "$T/out")"

# The version-1 layout has no way to ask for a derived backward: refused.
expect_error 2 "plugin '$P/v1-no-backward.so': malformed descriptor: algorithm 'uniform.v1' has no backward pass (a version-1 plugin must give one" \
    $B list --plugin "$P/v1-no-backward.so"
exit 0
