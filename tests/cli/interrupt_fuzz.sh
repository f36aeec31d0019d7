# An interrupted `make fuzz` (fuzz/run.sh with the built-in search only, on
# one pair): SIGINT or SIGTERM stops the engines, collects what they found
# so far into fuzz.json, fuzz.md and findings/, which say the run was
# interrupted, and exits 130 or 143.  Needs BUILD/fuzz/collect (make
# fuzz-tools, a prerequisite of make test).
. tests/cli/lib.sh

FB=$BDIR/fuzz
[ -x "$FB/collect" ] || fail "$FB/collect is not built (make fuzz-tools)"
out="$T/out"
pair="$out/fuzz/search/relu.norm-fp16"

# start SIGNAL: run.sh in the background, as the process itself.  A
# background process of sh starts with SIGINT ignored, and sh cannot trap
# a signal ignored at entry: env gives it back its default first (as a
# terminal's Ctrl-C finds it).
start() {
    NORMSTAB=${B##* } FUZZ_BUILD=$FB FUZZ_OUT=$out FUZZ_ATTENTION=0 FUZZ_ENGINES=search FUZZ_TARGETS=relu.norm \
    FUZZ_POLICIES=fp16 FUZZ_SECONDS=600 env --default-signal="$1" sh fuzz/run.sh \
        > "$T/stdout" 2> "$T/stderr" &
    pid=$!
}

found() { grep -q '"kind"' "$pair/search-1.jsonl" 2>/dev/null; }

# interrupt SIGNAL STATUS: once the search has reported a finding, SIGNAL
# stops the whole run within seconds, with exit STATUS.
interrupt() {
    rm -rf "$out"
    start "$1"
    wait_until $pid "the search found anything" found
    kill -"$1" $pid
    t0=$(date +%s)
    wait $pid
    status=$?
    [ "$status" -eq "$2" ] || fail "$1: exit status $status, expected $2 ($(cat "$T/stderr"))"
    [ $(($(date +%s) - t0)) -lt 60 ] || fail "$1 did not stop the run (its budget is 600 s)"
    grep -q "interrupted" "$T/stdout" || fail "$1: run.sh did not say interrupted: $(cat "$T/stdout")"
    grep -q '"interrupted":[[:space:]]*true' "$out/fuzz.json" || fail "$1: fuzz.json does not say interrupted"
    grep -q "\"stopped_by\":[[:space:]]*\"SIG$1\"" "$out/fuzz.json" || fail "$1: fuzz.json does not name SIG$1"
    grep -q '"status":[[:space:]]*"interrupted"' "$out/fuzz.json" || fail "$1: the run's status is not interrupted"
    grep -q "^\*\*Interrupted\*\* by SIG$1" "$out/fuzz.md" || fail "$1: fuzz.md does not say interrupted"
    # The search stopped cleanly: its summary says so, its stop is no crash.
    tail -n 1 "$pair/search-1.jsonl" | grep -q '"interrupted":true}$' ||
        fail "$1: the search did not stop cleanly: $(tail -n 1 "$pair/search-1.jsonl")"
    grep -q '"crashes":[[:space:]]*0' "$out/fuzz.json" || fail "$1: the interrupted search counted as a crash"
    # Every (kind, cause) the search reported before the stop is collected.
    grep '"kind"' "$pair/search-1.jsonl" | sed 's/.*"kind":"\([a-z]*\)","cause":"\([^"]*\)".*/\1 \2/' |
        sort -u > "$T/found"
    sed 's/.*"kind":"\([a-z]*\)","cause":"\([^"]*\)".*/\1 \2/' "$out/findings/findings.jsonl" |
        sort -u > "$T/kept"
    [ -s "$T/found" ] || fail "$1: no finding to compare"
    cmp -s "$T/found" "$T/kept" || fail "$1: the findings kept differ from those found: $(diff "$T/found" "$T/kept")"
    for x in $(sed 's/.*"file":"\([^"]*\)".*/\1/' "$out/findings/findings.jsonl"); do
        [ -s "$x" ] || fail "$1: $x is missing"
    done
}

if env --default-signal=INT true 2>/dev/null; then
    interrupt INT 130
else
    echo "skipped: SIGINT (env --default-signal needs coreutils 8.31)"
fi
interrupt TERM 143
exit 0
