# normstab regress: a tiny baseline written by --update (with plugins: the
# good build of edit.softmax and the example poly4), then checks against it.
# Unchanged code passes; the edited (worse) build of edit.softmax fails,
# naming it and the metric; a baseline doctored to claim better numbers
# fails; one doctored to claim worse numbers reports an improvement and
# passes; malformed baselines are refused with the file and the position.
. tests/cli/lib.sh
D=$BDIR
GOOD=$D/tests/plugins/edit-good.so
WORSE=$D/tests/plugins/edit-worse.so
POLY=$D/examples/poly4.so
[ -f "$GOOD" ] && [ -f "$WORSE" ] && [ -f "$POLY" ] || fail "plugins not built (make plugins)"
BASE=$T/base/results.json

# --update replaces whatever was there, atomically, and leaves no scratch.
mkdir -p "$T/base"
echo "an old baseline" > "$BASE"
NORMSTAB_PLUGINS="$GOOD:$POLY" $B regress --update --suite tiny --baseline "$BASE" > "$T/out" 2>&1 ||
    fail "regress --update: $(cat "$T/out")"
grep -q '"normalizer":	"edit.softmax"' "$BASE" || fail "the plugin's results are not in the baseline"
grep -q '"normalizer":	"poly4.scaled"' "$BASE" || fail "poly4 is not in the baseline"
[ -s "$T/base/report.md" ] || fail "no report.md beside the baseline"
[ -z "$(ls -A "$T/base" | grep -v '^results.json$' | grep -v '^report.md$')" ] || fail "leftovers: $(ls -A "$T/base")"

# set_metric NORMALIZER POLICY SUM METRIC VALUE < results.json: the first
# METRIC of that result (its "metrics", before its "behind" list) set to VALUE.
set_metric() {
    awk -v n="\"$1\"" -v p="\"$2\"" -v s="\"$3\"" -v m="\"$4\":" -v v="$5" '
        /"normalizer":/ { in_n = index($0, n) > 0; in_p = 0; in_s = 0; done = 0 }
        /"policy":/ { in_p = index($0, p) > 0 }
        /"sum":/ { in_s = index($0, s) > 0 }
        in_n && in_p && in_s && !done && index($0, m) { sub(/:[^,]*/, ":\t" v); done = 1 }
        { print }'
}

# Unchanged: passes.
NORMSTAB_PLUGINS="$GOOD" $B regress --baseline "$BASE" -n edit.softmax -n softmax.shifted > "$T/out" ||
    fail "unchanged code regressed: $(cat "$T/out")"
grep -q '^regress: .* 0 regressions, 0 improvements, 0 missing, 0 new (48 targets compared)' "$T/out" ||
    fail "unexpected summary: $(head -1 "$T/out")"

# The same algorithm, edited to skip the shift by the maximum: NaN where
# there was none (e^x overflows), so nan_rate rises in fp16 at least.
NORMSTAB_PLUGINS="$WORSE" $B regress --baseline "$BASE" -n edit.softmax --markdown "$T/pr.md" > "$T/out"
[ $? = 1 ] || fail "the worse edit passed: $(cat "$T/out")"
grep -q '^  edit.softmax \[plugin edit\]  *fp16  *seq  *nan_rate  ' "$T/out" ||
    fail "no nan_rate regression named for edit.softmax: $(cat "$T/out")"
grep -q '^| `edit.softmax` (plugin `edit`) | fp16 | seq | nan_rate | 0 | ' "$T/pr.md" ||
    fail "the Markdown table lacks the regression: $(cat "$T/pr.md")"
grep -q '^regress: FAILED$' "$T/out" || fail "no FAILED line"

# A baseline doctored to claim softmax.shifted had no error in fp16: the
# real error is a regression against it.
set_metric softmax.shifted fp16 seq max_bits 0 < "$BASE" > "$T/better.json"
$B regress --baseline "$T/better.json" -n softmax.shifted > "$T/out"
[ $? = 1 ] || fail "the doctored baseline passed: $(cat "$T/out")"
grep -q '^  softmax.shifted  *fp16  *seq  *max_bits  *0 -> ' "$T/out" ||
    fail "no max_bits regression named for softmax.shifted: $(cat "$T/out")"
grep -c '^  softmax.shifted ' "$T/out" | grep -qx 1 || fail "more than the doctored metric moved: $(cat "$T/out")"

# A baseline doctored to claim half the cases gave NaN: an improvement, and a pass.
set_metric softmax.shifted bf16 kahan nan_rate 0.5 < "$BASE" > "$T/worse.json"
$B regress --baseline "$T/worse.json" -n softmax.shifted > "$T/out" || fail "an improvement failed: $(cat "$T/out")"
grep -q '^improvements' "$T/out" && grep -q '^  softmax.shifted  *bf16  *kahan  *nan_rate  *0.5 -> ' "$T/out" ||
    fail "the improvement is not reported: $(cat "$T/out")"

# The example plugin's algorithms go through regress like the others.
NORMSTAB_PLUGINS="$POLY" $B regress --baseline "$BASE" -n poly4.naive -n poly4.scaled > "$T/out" ||
    fail "poly4 regressed against itself: $(cat "$T/out")"
# Measured now, absent from the baseline: new, not a failure.
NORMSTAB_PLUGINS="$POLY:$D/examples/clipped_softmax.so" $B regress --baseline "$BASE" -n clipsoftmax > "$T/out" ||
    fail "a new algorithm failed: $(cat "$T/out")"
grep -q '^  clipsoftmax \[plugin clipsoftmax\]: 24 targets' "$T/out" || fail "clipsoftmax not listed as new: $(cat "$T/out")"

# Bad baselines: exit 2, one line naming the file (and the JSON position).
head -c 200 "$BASE" > "$T/cut.json"
expect_error 2 "regress: $T/cut.json:[0-9]*:[0-9]*: malformed JSON: the text ends too early" \
    $B regress --baseline "$T/cut.json"
printf '{"schema": 1,\n  "suite": tiny}\n' > "$T/bad.json"
expect_error 2 "regress: $T/bad.json:2:12: malformed JSON near 'tiny}'" $B regress --baseline "$T/bad.json"
sed 's/"schema":	1,/"schema":	7,/' "$BASE" > "$T/schema.json"
expect_error 2 "regress: $T/schema.json: results.json schema 7; this normstab reads schema 1" \
    $B regress --baseline "$T/schema.json"
sed '0,/"policy":	"[^"]*"/s//"policy":	3/' "$BASE" > "$T/policy.json"
expect_error 2 "regress: $T/policy.json: results\[0\]: \"policy\" is missing or not a string" \
    $B regress --baseline "$T/policy.json"
expect_error 2 "regress: $T/none.json: cannot read it" $B regress --baseline "$T/none.json"
expect_error 2 "unknown normalizer 'nope'" $B regress --baseline "$BASE" -n nope
expect_error 2 "--suite and --seed go with --update" $B regress --baseline "$BASE" --suite tiny
exit 0
