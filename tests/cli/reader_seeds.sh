# The seeds of the reader fuzzers that are the program's own output
# (fuzz-readers/README.md) are still files it takes: finding files and
# attention heads replay, and search checkpoints resume (each run is
# stopped by SIGINT once resumed).
. tests/cli/lib.sh

for f in fuzz-readers/seeds/finding/*; do
    $B replay "$f" > "$T/out" 2> "$T/err" || fail "replay $f exited $? ($(cat "$T/err"))"
    grep -q '^[0-9]* findings replayed, 0 breaking a contract$' "$T/out" || fail "replay $f: $(tail -n 1 "$T/out")"
done

# The attention heads of fuzz-readers/seeds/head replay (their verdicts are
# declared hazards: exit 0).
for f in fuzz-readers/seeds/head/*; do
    $B attention --finding "$f" > "$T/out" 2> "$T/err" || fail "attention --finding $f exited $? ($(cat "$T/err"))"
    grep -q 'contract: expected' "$T/out" || fail "attention --finding $f: $(tail -n 1 "$T/out")"
done

# The run fuzz-readers/checkpoint.c builds the key of.
pids=
run="search -n ssmax -p fp16 --objective all --evals 1000000 --max-n 4 --json"
# Each resumed run writes its checkpoint after every evaluation: once the
# file has changed, the run has loaded it and catches SIGINT (a fixed delay
# is not enough on a loaded machine, where a signal sent before the handler
# is installed ends the run, or is ignored in a background job).
i=0
for f in fuzz-readers/seeds/checkpoint/*.json; do
    i=$((i + 1))
    cp "$f" "$T/ck$i"
    # $B unquoted: it may be a command line (valgrind ...).
    $B $run --checkpoint "$T/ck$i" --checkpoint-every 1 --resume > "$T/out$i" 2> "$T/err$i" &
    pids="$pids $!"
done
i=0
for f in fuzz-readers/seeds/checkpoint/*.json; do
    i=$((i + 1))
    pid=$(echo $pids | cut -d' ' -f$i)
    t=0
    while cmp -s "$f" "$T/ck$i"; do
        kill -0 "$pid" 2>/dev/null || break
        t=$((t + 1))
        [ "$t" -lt 30000 ] || fail "resume from $f: the checkpoint was not rewritten within 300 s"
        sleep 0.01
    done
    kill -INT "$pid" 2>/dev/null
done
wait
i=0
for f in fuzz-readers/seeds/checkpoint/*.json; do
    i=$((i + 1))
    grep -q 'interrupted after' "$T/err$i" || fail "resume from $f: $(cat "$T/err$i")"
    evals=$(sed -n 's/.*"evals":"\([0-9]*\)".*/\1/p' "$f")
    done_=$(sed -n 's/.*"evaluations":\([0-9]*\).*"interrupted":true.*/\1/p' "$T/out$i")
    [ -n "$done_" ] && [ "$done_" -ge "$evals" ] || fail "resume from $f: $(tail -n 1 "$T/out$i")"
done
exit 0
