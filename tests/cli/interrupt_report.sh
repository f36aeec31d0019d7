# An interrupted report: SIGINT stops it cleanly (exit 130, one line, the
# previous report untouched, the completed work kept in DIR.partial/);
# SIGKILL loses nothing written before; --resume then finishes the run with
# the same results.json as an uninterrupted one (but for "generated").  And
# the same seed gives the same results.json whatever the thread count.
. tests/cli/lib.sh

data="$T/rows.txt"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 10 > "$data"
run() { $B report --tiny --data "$data" "$@"; }
# in the background, as the process itself (not a subshell) so that $! is it
start() { $B report --tiny --data "$data" --threads 1 "$@" & pid=$!; }
# results.json without its one timestamp line
strip() { grep -v '^[[:space:]]*"generated":' "$1"; }

# The uninterrupted runs: all threads, and one thread.
run --seed 5 --out "$T/whole" > /dev/null 2>&1 || fail "uninterrupted report"
run --seed 5 --threads 1 --out "$T/whole1" > /dev/null 2>&1 || fail "report --threads 1"
strip "$T/whole/results.json" > "$T/whole.json"
strip "$T/whole1/results.json" | cmp -s - "$T/whole.json" ||
    fail "the same seed gave different results.json with 1 thread and with all"
# The page too, but for its line saying when and on how many threads: the
# plots, drawn several at a time, each land in their own place.
grep -v 'class="meta"' "$T/whole/index.html" > "$T/page"
grep -v 'class="meta"' "$T/whole1/index.html" | cmp -s - "$T/page" ||
    fail "the same seed gave a different page with 1 thread and with all"
[ ! -e "$T/whole.partial" ] || fail "the checkpoint of a finished run was left behind"
run --seed 6 --out "$T/other" > /dev/null 2>&1 || fail "report --seed 6"
strip "$T/other/results.json" | cmp -s - "$T/whole.json" && fail "seeds 5 and 6 gave the same results.json"

# The previous report, to be kept intact.
r="$T/r"
run --seed 9 --out "$r" > /dev/null 2>&1 || fail "first report"
cp -R "$r" "$T/before"

# SIGINT once a block of the suite is kept (one thread: slow enough to catch).
start --seed 5 --out "$r" > "$T/out" 2> "$T/err"
wait_for "$r.partial/suite-0001" $pid
kill -INT $pid
wait $pid
status=$?
[ "$status" -eq 130 ] || fail "SIGINT: exit status $status, expected 130 ($(cat "$T/err"))"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "SIGINT: not one line: $(cat "$T/err")"
grep -q "interrupted.*$r.partial.*--resume" "$T/err" || fail "SIGINT said: $(cat "$T/err")"
diff -r "$T/before" "$r" > /dev/null || fail "SIGINT changed the previous report"
ls -d "$r".tmp-* 2>/dev/null && fail "SIGINT left a half-written report directory"
[ -e "$r.partial/envelopes" ] && fail "SIGINT did not stop the run (it reached the envelopes)"
kept=$(ls "$r.partial" | grep -v '\.tmp$' | wc -l)
[ "$kept" -ge 2 ] || fail "SIGINT kept $kept pieces of work"
cp -R "$r.partial" "$T/kept"

# Resuming with other options is refused, naming the checkpoint file.
expect_error 2 "$r.partial/suite-0000: made by a run with other options" \
    run --seed 8 --threads 1 --out "$r" --resume
diff -r "$T/kept" "$r.partial" > /dev/null || fail "a refused --resume changed the checkpoint"

# SIGKILL during a resumed run: nothing written before is lost.
start --seed 5 --out "$r" --resume > /dev/null 2>&1
wait_for "$r.partial/scale" $pid
kill -KILL $pid
wait $pid
diff -r "$T/before" "$r" > /dev/null || fail "SIGKILL changed the previous report"
for f in $(ls "$T/kept"); do
    cmp -s "$T/kept/$f" "$r.partial/$f" || fail "SIGKILL lost or changed the checkpoint's $f"
done

# A damaged checkpoint file is refused, not mixed in.
size=$(wc -c < "$r.partial/suite-0000")
head -c $((size - 7)) "$r.partial/suite-0000" > "$T/short"
cp "$T/short" "$r.partial/suite-0000.bad"
cp "$r.partial/suite-0000" "$T/good0"
cp "$T/short" "$r.partial/suite-0000"
expect_error 2 "$r.partial/suite-0000: truncated at byte" run --seed 5 --out "$r" --resume
cp "$T/good0" "$r.partial/suite-0000"
rm "$r.partial/suite-0000.bad"

# --resume finishes the run: the same results as the uninterrupted one.
run --seed 5 --out "$r" --resume > "$T/out" 2> "$T/err" || fail "--resume: $(cat "$T/err")"
strip "$r/results.json" | cmp -s - "$T/whole.json" ||
    fail "the resumed run's results.json differs from the uninterrupted one's"
[ ! -e "$r.partial" ] || fail "the checkpoint was left after the resumed run finished"
ls -d "$r".tmp-* "$r".old-* 2>/dev/null && fail "temporary directories left behind"

# SIGTERM: the same clean stop, with status 143.
start --seed 5 --out "$r" > /dev/null 2> "$T/err"
wait_for "$r.partial/suite-0000" $pid
kill -TERM $pid
wait $pid
status=$?
[ "$status" -eq 143 ] || fail "SIGTERM: exit status $status, expected 143 ($(cat "$T/err"))"
strip "$r/results.json" | cmp -s - "$T/whole.json" || fail "SIGTERM changed the previous report"
exit 0
