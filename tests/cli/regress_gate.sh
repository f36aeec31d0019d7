# The regression gate for one activation (docs/regress.md): a baseline of
# just the power-attention plugin (tests/plugins/power.c) written by
# regress --update -n, checked with the right backward pass (passes) and
# with the wrong one (fails, naming the input and the command that replays
# it, and that command fails too); make regress BASELINE=FILE exits 1 on
# it, as mk/regress.sh does; --param reaches report and regress.
. tests/cli/lib.sh
P=$BDIR/tests/plugins
CLIP=$BDIR/examples/clipped_softmax.so
[ -f "$P/power-good.so" ] && [ -f "$P/power-wrong.so" ] && [ -f "$CLIP" ] || fail "plugins not built (make plugins)"
BASE=$T/power.json

NORMSTAB_PLUGINS="$P/power-good.so" $B regress --update -n power3 --suite tiny --baseline "$BASE" > "$T/out" 2>&1 ||
    fail "regress --update -n: $(cat "$T/out")"
grep -q '"normalizers":[[:space:]]*\["power3"\]' "$BASE" || fail "the baseline does not name its normalizer"
grep -q '"normalizer":[[:space:]]*"softmax' "$BASE" && fail "the baseline holds built-ins"
grep -q '"normalizer":[[:space:]]*"power3"' "$BASE" || fail "power3 is not in the baseline"

# Unchanged: passes, measuring the baseline's normalizer alone (24 targets:
# 8 policies x 3 orders).
NORMSTAB_PLUGINS="$P/power-good.so" $B regress --baseline "$BASE" > "$T/out" || fail "unchanged: $(cat "$T/out")"
grep -q '0 regressions, 0 improvements, 0 missing, 0 new (24 targets compared)' "$T/out" ||
    fail "unexpected summary: $(head -1 "$T/out")"

# The wrong backward: a regression of the gradient, with its input and the
# command that replays it; that command says BROKEN and exits 1.
NORMSTAB_PLUGINS="$P/power-wrong.so" $B regress --baseline "$BASE" > "$T/out"
[ $? = 1 ] || fail "the wrong backward passed the gate: $(head -3 "$T/out")"
grep -q '^  power3 \[plugin power\]  *fp64  *seq  *grad_max_bits ' "$T/out" || fail "no gradient regression: $(cat "$T/out")"
grep -q '^      input: ' "$T/out" || fail "the regression does not name its input"
replay=$(grep -A 2 '^  power3 \[plugin power\]  *fp64  *seq  *grad_max_bits ' "$T/out" | sed -n 's/^      replay: //p')
case $replay in
*" check --plugin '$P/power-wrong.so' -n power3 "*) ;;
*) fail "the replay command does not load the plugin: $replay" ;;
esac
sh -c "$replay" > "$T/replayed"
[ $? = 1 ] || fail "the replay command did not exit 1: $replay"
grep -q "contract: BROKEN: gradient" "$T/replayed" || fail "the replay is not a broken gradient: $(grep contract "$T/replayed")"

# Without the plugin its targets are missing: a failure too.
$B regress --baseline "$BASE" > "$T/out"
[ $? = 1 ] || fail "the plugin's absence passed the gate"
grep -q "MISSING" "$T/out" || fail "no MISSING section: $(cat "$T/out")"

# make regress BASELINE=FILE exits 1 on a regression (not make's 2), 0
# without; mk/regress.sh, what it runs, says the same.
NORMSTAB_PLUGINS="$P/power-wrong.so" make -s regress REGRESS_PROGRAM="$B" BASELINE="$BASE" > "$T/out" 2>&1
[ $? = 1 ] || fail "make regress on a regression did not exit 1: $(tail -3 "$T/out")"
grep -q '^      replay: ' "$T/out" || fail "make regress does not print the replay"
NORMSTAB_PLUGINS="$P/power-good.so" make -s regress REGRESS_PROGRAM="$B" BASELINE="$BASE" > "$T/out" 2>&1 ||
    fail "make regress without a regression: $(tail -3 "$T/out")"
NORMSTAB="$B" NORMSTAB_PLUGINS="$P/power-wrong.so" sh mk/regress.sh "$BASE" > "$T/out" 2>&1
[ $? = 1 ] || fail "mk/regress.sh on a regression did not exit 1"
make -s regress REGRESS_PROGRAM="$B" BASELINE="$T/none.json" > "$T/out" 2>&1
[ $? = 2 ] || fail "make regress on a missing baseline did not exit 2"

# --param: recorded in the baseline, used by the check, repeated in replays.
# clipsoftmax with gamma = 0 and zeta = 1 is softmax.shifted exactly.
NORMSTAB_PLUGINS="$CLIP" $B regress --update -n clipsoftmax --param gamma=0 --param zeta=1 --suite tiny \
    --baseline "$T/clip.json" > "$T/out" 2>&1 || fail "regress --update --param: $(cat "$T/out")"
grep -q '"gamma":[[:space:]]*0' "$T/clip.json" || fail "the baseline does not record gamma"
NORMSTAB_PLUGINS="$CLIP" $B regress --baseline "$T/clip.json" > "$T/out" || fail "the same parameters regressed"
# With the default gamma (-0.03) the weights are clipped: no longer the
# baseline's function, and the gate says so.
NORMSTAB_PLUGINS="$CLIP" $B regress --baseline "$T/clip.json" --param gamma=-0.03 > "$T/out"
[ $? = 1 ] || fail "another gamma passed the gate"
grep -q "replay: .* --param gamma=-0.029999999999999999 " "$T/out" || fail "the replay lacks --param: $(grep -m1 replay "$T/out")"
expect_error 2 "regress: --param 'eta': no normalizer has this parameter" $B regress --baseline "$BASE" --param eta=1
$B report --tiny --fuzz-evals 0 --no-data --param gamma=0 --plugin "$CLIP" --out "$T/rep" > /dev/null 2>&1 ||
    fail "report --param"
grep -A 1 '"params":' "$T/rep/results.json" | grep -q '"gamma":[[:space:]]*0' || fail "results.json lacks params"
expect_error 2 "report: --param 'gamma': expected KEY=VALUE" $B report --tiny --param gamma
exit 0
