# Plugin ABI 2: contracts and declared hazards; version-1 plugins keep
# loading.  tests/plugins/power.c (ABI_V2) is power attention scaled by its
# largest entry, so the one NaN it can compute is the 0 / 0 of a row without
# a positive entry: S = sum relu(x / M)^3 = 0 while the reference gives
# zeros (SPEC section 3), unavoidable for this definition.
. tests/cli/lib.sh
P=$BDIR/tests/plugins
[ -f "$P/power-v2.so" ] && [ -f "$P/power-v2-nocontract.so" ] && [ -f "$P/edit-good.so" ] ||
    fail "plugins not built (make plugins)"

# A version-1 plugin in the version-1 layout (edit.c: nsp_plugin_v1 from
# ns_plugin_v1, abi_version 1) loads and runs: e^0 / (e^0 + e^0) = 1/2.
expect_out "0x1p-1 0x1p-1" sh -c "echo '0 0' | $B eval --plugin $P/edit-good.so -n edit.softmax -p fp16"
$B list --plugin "$P/edit-good.so" normalizers | grep -q '^edit\.softmax	' || fail "the version-1 plugin is not listed"
# A version-1 source built against the version-2 header (ns_plugin_v1,
# abi_version NS_PLUGIN_ABI_VERSION) loads too: the hostile-name plugin.
$B list --plugin "$P/hostile.so" normalizers > /dev/null || fail "a version-1 source built as version 2"

# The 0 / 0 declared as a hazard: the row (-1, -2) is expected, with the
# plugin's explanation; without the contract the same row breaks it.
echo "-1 -2" > "$T/x"
$B check --plugin "$P/power-v2.so" -n power3.scaled -p fp16 -i "$T/x" > "$T/out" ||
    fail "check of the declared 0/0 exited $?: $(grep contract "$T/out")"
grep -q "contract: expected: .*(zero denominator): a row without a positive entry has relu(x)^3 = 0" "$T/out" ||
    fail "the hazard is not named: $(grep -A2 contract "$T/out")"
$B check --plugin "$P/power-v2-nocontract.so" -n power3.scaled -p fp16 -i "$T/x" > "$T/out"
[ $? = 1 ] || fail "without its contract the 0/0 did not break it"

# search: the only NaN the scaled algorithm has is the declared one, so
# search exits 0 with a contract, 1 without (the same findings).
for seed in 1 2; do
    $B search --plugin "$P/power-v2.so" -n power3.scaled -p fp16 --objective nan --seconds 1 --seed $seed \
        > "$T/found" || fail "search with the hazard declared exited $? (seed $seed): $(tail -1 "$T/found")"
    grep -q "0 breaking the contract" "$T/found" || fail "search: $(tail -1 "$T/found")"
done
$B search --plugin "$P/power-v2-nocontract.so" -n power3.scaled -p fp16 --objective nan --seconds 1 --seed 1 \
    > "$T/found"
[ $? = 1 ] || fail "search without the contract did not exit 1: $(tail -1 "$T/found")"

# Refusals of version 2.
# A version-2 algorithm without a backward pass loads: normstab derives it
# (tests/cli/plugin_derive.sh).  Its forward makes constants 1/n, so the
# derivative is 0.
echo "3 1" > "$T/g"
expect_out "$(printf '0x1p-1 0x1p-1\n0x0p+0 0x0p+0')" \
    sh -c "echo '1 2' | $B eval --plugin $P/no-backward.so -n uniform.test -p fp16 -g $T/g"
expect_error 2 "plugin '$P/hazard-kind.so': malformed descriptor: algorithm 'uniform.test': contract: hazard 0: its kind is not an NSP_KIND_ value" \
    $B list --plugin "$P/hazard-kind.so"
exit 0
