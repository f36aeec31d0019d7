# The seeds of the reader fuzzers that are the program's own output
# (fuzz/readers/README.md) are still files it takes: finding files replay,
# and search checkpoints resume (each run is stopped by SIGINT once resumed).
. tests/cli/lib.sh

for f in fuzz/readers/seeds/finding/*; do
    $B replay "$f" > "$T/out" 2> "$T/err" || fail "replay $f exited $? ($(cat "$T/err"))"
    grep -q '^[0-9]* findings replayed, 0 breaking a contract$' "$T/out" || fail "replay $f: $(tail -n 1 "$T/out")"
done

# The run fuzz/readers/checkpoint.c builds the key of.
run="search -n ssmax -p fp16 --objective all --evals 1000000 --max-n 4 --json"
# Long enough to load the checkpoint and install the signal handlers first
# (under valgrind, fifty times slower, much longer).
case "$B" in *valgrind*) wait_s=90 ;; *) wait_s=2 ;; esac
i=0
for f in fuzz/readers/seeds/checkpoint/*.json; do
    i=$((i + 1))
    cp "$f" "$T/ck$i"
    # $B unquoted: it may be a command line (valgrind ...).
    timeout -s INT "$wait_s" $B $run --checkpoint "$T/ck$i" --resume > "$T/out$i" 2> "$T/err$i" &
done
wait
i=0
for f in fuzz/readers/seeds/checkpoint/*.json; do
    i=$((i + 1))
    grep -q 'interrupted after' "$T/err$i" || fail "resume from $f: $(cat "$T/err$i")"
    evals=$(sed -n 's/.*"evals":"\([0-9]*\)".*/\1/p' "$f")
    done_=$(sed -n 's/.*"evaluations":\([0-9]*\).*"interrupted":true.*/\1/p' "$T/out$i")
    [ -n "$done_" ] && [ "$done_" -ge "$evals" ] || fail "resume from $f: $(tail -n 1 "$T/out$i")"
done
exit 0
