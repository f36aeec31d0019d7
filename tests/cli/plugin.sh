# Plugins (include/normstab/plugin.h): the example plugins through list,
# eval, check and search; every way a plugin is refused.  Expected numbers
# are derived by hand in the comments.
. tests/cli/lib.sh
D=$BDIR
POLY=$D/examples/poly4.so
CLIP=$D/examples/clipped_softmax.so
BAD=$D/tests/plugins
[ -f "$POLY" ] && [ -f "$CLIP" ] && [ -f "$BAD/abi.so" ] || fail "plugins not built (make plugins)"

# list: the plugins' algorithms, marked, only when loaded.
$B list normalizers | grep -q '^poly4' && fail "poly4 listed without its plugin"
$B list --plugin "$POLY" normalizers | grep -q '^poly4\.naive	.*\[plugin poly4\]$' || fail "list --plugin"
NORMSTAB_PLUGINS="$POLY:$CLIP" $B list | grep -q '^clipsoftmax	.*\[plugin clipsoftmax, fallback reference\]$' ||
    fail "NORMSTAB_PLUGINS"
$B --plugin "$POLY" list | grep -q '^poly4\.scaled	' || fail "--plugin before the command"
# Loading the same library twice (environment and option) is harmless.
NORMSTAB_PLUGINS="$POLY" $B list --plugin "$POLY" > /dev/null || fail "the same plugin twice"

# The plugin's MPFR reference: [1, 2] -> (1/17, 16/17) correctly rounded;
# 1/17 = 0x0.0f0f0f...: 0x1.e1e1...p-5, the 14th hex digit 1 rounds down.
expect_out "0x1.e1e1e1e1e1e1ep-5 0x1.e1e1e1e1e1e1ep-1" sh -c "echo '1 2' | $B eval --plugin $POLY -n poly4.naive -p ref"
# fp16: 16^4 = 65536 > 65504 overflows: inf/inf = NaN, 1/inf = 0.  Scaled:
# t = (1, 1/16), S = 1 + 2^-16 -> 1 in fp16, y = (1, 2^-16).
expect_out "nan 0x0p+0" sh -c "echo '16 1' | $B eval --plugin $POLY -n poly4.naive -p fp16"
expect_out "0x1p+0 0x1p-16" sh -c "echo '16 1' | $B eval --plugin=$POLY -n poly4.scaled -p fp16"
# The gradient goes through the plugin too: [1, 3, -2], g = (1, 2, 3):
# S = 98, <g, y> = 211/98, dx_j = 4 x_j^3 / 98 (g_j - 211/98) = (-113, -405,
# -664) / 2401, each a quotient of integers rounded once (the hex floats of
# those three divisions).
echo "1 3 -2" > "$T/x"
echo "1 2 3" > "$T/g"
got=$($B eval --plugin "$POLY" -n poly4.naive -p ref -i "$T/x" -g "$T/g") || fail "eval -g"
[ "$(echo "$got" | sed -n 2p)" = "-0x1.818bc8214421bp-5 -0x1.5974c058b5af3p-3 -0x1.1b304cc49c858p-2" ] ||
    fail "poly4 gradient: $got"

# Parameters reach the plugin: zeta = 1, gamma = 0 make clipsoftmax
# softmax.shifted exactly (z = 1 s + 0); the default gamma clips x = -1.25.
row="0.5 -1.25 2 0.125"
a=$(echo "$row" | $B eval --plugin "$CLIP" -n clipsoftmax -p fp16 --param gamma=0)
b=$(echo "$row" | $B eval -n softmax.shifted -p fp16)
[ "$a" = "$b" ] || fail "clipsoftmax with gamma=0 is not softmax: $a vs $b"
echo "$row" | $B eval --plugin "$CLIP" -n clipsoftmax -p fp16 | grep -q '^[^ ]* 0x0p+0 ' || fail "clipping"
expect_error 2 "unknown for clipsoftmax (known: zeta, gamma)" $B eval --plugin "$CLIP" -n clipsoftmax -p fp16 --param eta=1

# check: the naive algorithm breaks where the scaled one holds.
echo "16 1" | $B check --plugin "$POLY" -n poly4.naive -p fp16 > "$T/out"
[ $? = 1 ] || fail "check poly4.naive on 16 1 should fail"
echo "16 1" | $B check --plugin "$POLY" -n poly4.scaled -p fp16 > "$T/out" || fail "check poly4.scaled"
echo "0 1" | $B check --plugin "$CLIP" -n clipsoftmax -p fp32 > "$T/out" || fail "check clipsoftmax"

# search finds the overflow of the naive algorithm (x = +-16 in fp16).
$B search --plugin "$POLY" -n poly4.naive -p fp16 --objective nan --seconds 1 --seed 1 --json > "$T/found" ||
    [ $? = 1 ] || fail "search"
grep -q '"normalizer":"poly4.naive".*"kind":"nan"' "$T/found" || fail "search found no NaN: $(head -c 300 "$T/found")"

# Refusals: one line naming the file and what is wrong, exit 2.
expect_error 2 "plugin '/nonexistent/p.so': cannot read it" $B list --plugin /nonexistent/p.so
echo "not a library" > "$T/text.so"
expect_error 2 "plugin '$T/text.so': not a loadable shared library" $B list --plugin "$T/text.so"
expect_error 2 "plugin '$BAD/no-entry.so': no entry point ns_plugin_v2 or ns_plugin_v1" $B list --plugin "$BAD/no-entry.so"
expect_error 2 "plugin '$BAD/abi.so': built for plugin ABI version 999; this normstab speaks versions 1 and 2" \
    $B eval --plugin "$BAD/abi.so" -n softmax.shifted -p fp16
expect_error 2 "plugin '$BAD/dup-family.so': family 'softmax' is already defined by normstab" \
    $B list --plugin "$BAD/dup-family.so"
expect_error 2 "plugin '$BAD/dup-algorithm.so': algorithm 'softmax.shifted' is already defined by normstab" \
    $B list --plugin "$BAD/dup-algorithm.so"
expect_error 2 "plugin '$BAD/null-name.so': malformed descriptor: the plugin's name is NULL" \
    $B list --plugin "$BAD/null-name.so"
expect_error 2 "plugin '$BAD/null-descriptor.so': malformed descriptor: ns_plugin_v1() returned NULL" \
    $B list --plugin "$BAD/null-descriptor.so"
expect_error 2 "plugin '$BAD/blank-name.so': malformed descriptor: .*'uniform mean'.* has a blank" \
    $B list --plugin "$BAD/blank-name.so"
expect_error 2 "plugin '$BAD/no-forward.so': malformed descriptor: algorithm 'uniform.test' has no forward pass" \
    $B list --plugin "$BAD/no-forward.so"
expect_error 2 "plugin '$BAD/abi.so' (from NORMSTAB_PLUGINS): built for plugin ABI version 999" \
    env NORMSTAB_PLUGINS="$POLY:$BAD/abi.so" $B list
# Another file with the same names: refused, naming the first one.
cp "$POLY" "$T/copy.so"
expect_error 2 "family 'poly4' is already defined by plugin poly4 ($POLY)" $B list --plugin "$POLY" --plugin "$T/copy.so"
expect_error 2 "option '--plugin' needs a value" $B list --plugin

# The report marks what comes from a plugin: results.json, report.md, the page.
$B --plugin "$POLY" report --tiny --out "$T/rep" > /dev/null 2>&1 || fail "report with a plugin"
grep -q '"normalizer":[[:space:]]*"poly4.naive"' "$T/rep/results.json" || fail "poly4 not in results.json"
grep -q '"plugin":[[:space:]]*"poly4"' "$T/rep/results.json" || fail "results.json does not mark the plugin"
grep -q '^From a plugin: family poly4 (plugin poly4; ' "$T/rep/report.md" || fail "report.md does not mark the plugin"
grep -q '\[plugin poly4: ' "$T/rep/index.html" || fail "index.html does not mark the plugin"
exit 0
