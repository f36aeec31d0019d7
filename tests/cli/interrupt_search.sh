# An interrupted search: SIGINT stops it cleanly (exit 130, the findings so
# far printed, a summary saying so, the state kept in the checkpoint);
# --resume then finishes the run with the same findings and summary as an
# uninterrupted one (timings aside), also after a SIGKILL (from the last
# periodic checkpoint, no finding twice).  The checkpoint is never seen
# half-written, a damaged or foreign one is refused, and SIGTERM exits 143.
. tests/cli/lib.sh

# relu.norm in fp16 on short rows: many findings, fast evaluations.
args="-n relu.norm -p fp16 --objective all --max-n 16 --json"
whole="--evals 60000 --seed 4"
ck="$T/state.json"
run() { $B search $args "$@"; }
# in the background, as the process itself (not a subshell) so that $! is it
start() { $B search $args "$@" & pid=$!; }
# findings and summary without the timing fields
strip() { sed 's/"seconds":[^,]*,//; s/"unix_time":[^,}]*//; s/"evaluations_per_second":[^,]*,//' "$1"; }

# whole_file FILE: one JSON object and a newline, as the writer ends it
whole_file() {
    [ "$(head -c 14 "$1")" = '{"checkpoint":' ] && [ "$(tail -c 2 "$1" | tr '\n' N)" = '}N' ]
}

run $whole > "$T/whole" 2> "$T/err" || fail "uninterrupted search: $(cat "$T/err")"
strip "$T/whole" > "$T/whole.s"
tail -n 1 "$T/whole" | grep -q '"interrupted":false}$' || fail "summary: $(tail -n 1 "$T/whole")"
[ "$(grep -c '"kind"' "$T/whole")" -ge 4 ] || fail "too few findings to compare: $(cat "$T/whole")"

# SIGINT once the first periodic checkpoint is written.
start $whole --checkpoint "$ck" --checkpoint-every 1000 > "$T/int" 2> "$T/err"
wait_for "$ck" $pid
kill -INT $pid
wait $pid
status=$?
[ "$status" -eq 130 ] || fail "SIGINT: exit status $status, expected 130 ($(cat "$T/err"))"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "SIGINT: not one line: $(cat "$T/err")"
grep -q "interrupted after [0-9]* evaluations.*$ck.*--resume" "$T/err" || fail "SIGINT said: $(cat "$T/err")"
tail -n 1 "$T/int" | grep -q '"summary":true,.*"interrupted":true}$' ||
    fail "the summary does not say interrupted: $(tail -n 1 "$T/int")"
whole_file "$ck" || fail "the checkpoint is not whole after SIGINT"
# The findings printed before the stop are the whole run's first ones.
grep -v '"summary"' "$T/int" > "$T/int.f"
n=$(wc -l < "$T/int.f")
strip "$T/int.f" | cmp -s - "$(head -n "$n" "$T/whole.s" > "$T/head"; echo "$T/head")" ||
    fail "the interrupted run's findings are not the uninterrupted run's first $n"
grep -q '"evals":"[1-9]' "$ck" || fail "the checkpoint kept no progress"
cp "$ck" "$T/kept"

# Damaged or foreign checkpoints are refused, naming the file and what.
expect_error 2 "$ck: made by a run with other options or seed" run --evals 60000 --seed 5 --checkpoint "$ck" --resume
expect_error 2 "$ck: made by a run with other options or seed" run --evals 70000 --seed 4 --checkpoint "$ck" --resume
size=$(wc -c < "$T/kept")
head -c $((size / 2)) "$T/kept" > "$ck"
expect_error 2 "$ck: not a whole checkpoint (truncated at byte $((size / 2)))" run $whole --checkpoint "$ck" --resume
sed 's/"filled":[0-9]*/"filled":25/' "$T/kept" > "$ck"
expect_error 2 "$ck: damaged checkpoint: 'filled'" run $whole --checkpoint "$ck" --resume
sed 's/"rng":\["0x[0-9a-f]*"/"rng":["0xzz"/' "$T/kept" > "$ck"
expect_error 2 "$ck: damaged checkpoint: 'rng'" run $whole --checkpoint "$ck" --resume
sed 's/"rng":\["0x[0-9a-f]*","0x[0-9a-f]*","0x[0-9a-f]*","0x[0-9a-f]*"\]/"rng":["0x0","0x0","0x0","0x0"]/' "$T/kept" > "$ck"
expect_error 2 "$ck: damaged checkpoint: 'rng' is all zeros" run $whole --checkpoint "$ck" --resume
sed 's/"kind":"[a-z]*"/"kind":"bits"/' "$T/kept" > "$ck"
expect_error 2 "$ck: damaged checkpoint: a finding: unknown kind 'bits'" run $whole --checkpoint "$ck" --resume
sed 's/"x":\["[^"]*"/"x":[[]/' "$T/kept" > "$ck"
expect_error 2 "$ck: damaged checkpoint: " run $whole --checkpoint "$ck" --resume
if grep -q '"population":\[{' "$T/kept"; then    # not when stopped right after a restart
    # 1 + 2^-40 is no fp16 number: not a row the search makes
    sed 's/"population":\[{"fitness":"\([^"]*\)","x":\["[^"]*"/"population":[{"fitness":"\1","x":["0x1.0000000001p+0"/' \
        "$T/kept" > "$ck"
    expect_error 2 "$ck: damaged checkpoint: a row of the population is outside the input format" \
        run $whole --checkpoint "$ck" --resume
fi
printf '{"checkpoint":"normstab search 1"} x\n' > "$ck"
expect_error 2 "$ck: not a checkpoint (malformed JSON at byte 35)" run $whole --checkpoint "$ck" --resume
expect_error 2 "--resume needs --checkpoint FILE" run $whole --resume
cp "$T/kept" "$ck"

# --resume finishes the run: the whole run's findings and summary, each once.
run $whole --checkpoint "$ck" --checkpoint-every 1000 --resume > "$T/res" 2> "$T/err" ||
    fail "--resume after SIGINT: $(cat "$T/err")"
strip "$T/res" | cmp -s - "$T/whole.s" || fail "SIGINT then --resume differs from the uninterrupted run"
[ ! -e "$ck" ] || fail "the checkpoint was left after the run completed"

# SIGKILL after a few periodic checkpoints, watched all along: the
# checkpoint is whole whenever it is there.
start $whole --checkpoint "$ck" --checkpoint-every 1000 > "$T/killed" 2> /dev/null
wait_for "$ck" $pid
seen=0
while [ "$seen" -lt 5 ] && kill -0 $pid 2>/dev/null; do
    cp "$ck" "$T/snap" 2>/dev/null || continue
    whole_file "$T/snap" || fail "a half-written checkpoint: $(tail -c 80 "$T/snap")"
    seen=$((seen + 1))
    sleep 0.01
done
# On a fast machine the run may end before the signal: then there is
# nothing to kill, and nothing of SIGKILL to check.
if kill -KILL $pid 2>/dev/null; then
    wait $pid
    whole_file "$ck" || fail "the checkpoint is not whole after SIGKILL"
    run $whole --checkpoint "$ck" --resume > "$T/res2" 2> "$T/err" || fail "--resume after SIGKILL: $(cat "$T/err")"
    strip "$T/res2" | cmp -s - "$T/whole.s" || fail "SIGKILL then --resume differs from the uninterrupted run"
else
    wait $pid
fi

# SIGTERM without a checkpoint: the same clean stop, status 143.
start $whole > "$T/term" 2> "$T/err"
while [ ! -s "$T/term" ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done
kill -TERM $pid
wait $pid
status=$?
[ "$status" -eq 143 ] || fail "SIGTERM: exit status $status, expected 143 ($(cat "$T/err"))"
grep -q "^normstab: search: interrupted after [0-9]* evaluations$" "$T/err" || fail "SIGTERM said: $(cat "$T/err")"
tail -n 1 "$T/term" | grep -q '"interrupted":true}$' || fail "SIGTERM: $(tail -n 1 "$T/term")"
exit 0
