#!/bin/sh
# Runs the readers' libFuzzer targets one after the other (mk/fuzz-readers.mk):
#   fuzz/readers/run.sh BUILD OUT RUNS SECONDS TARGET...
# Each runs RUNS executions (or SECONDS seconds when SECONDS > 0) from its
# corpus OUT/TARGET/corpus and the seeds fuzz/readers/seeds/TARGET; prints
# one line per target (executions, executions per second, corpus size) and
# OUT/summary.txt; exits 1 when any target found a crash, a leak, a hang or
# a sanitizer report (the input is left in OUT/TARGET/ and named).
set -u
build=$1 out=$2 runs=$3 seconds=$4
shift 4
status=0
mkdir -p "$out"
: > "$out/summary.txt.tmp"
for t in "$@"; do
    dir="$out/$t"
    mkdir -p "$dir/corpus"
    seeds="fuzz/readers/seeds/$t"
    [ -d "$seeds" ] || seeds=
    if [ "$seconds" -gt 0 ] 2>/dev/null; then
        bound="-max_total_time=$seconds"
    else
        bound="-runs=$runs"
    fi
    # -timeout: an input taking 10 s is a hang; -rss_limit_mb: memory blow-up;
    # a fixed -seed (FUZZ_READER_SEED) makes a run from the same corpus repeatable.
    start=$(date +%s.%N)
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/$t" $bound -seed="${FUZZ_READER_SEED:-1}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/" "$dir/corpus" $seeds > "$dir/log" 2>&1
    rc=$?
    secs=$(echo "$(date +%s.%N) $start" | awk '{ printf "%.1f", $1 - $2 }')
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    # libFuzzer's own average counts whole seconds; this one the wall time.
    rate=$(echo "${execs:-0} $secs" | awk '{ printf "%.0f", ($2 > 0 ? $1 / $2 : 0) }')
    files=$(ls "$dir/corpus" | wc -l)
    if [ "$rc" -eq 0 ]; then
        line=$(printf '%-9s %10s executions in %6s s: %8s exec/s  corpus %s  ok' "$t" "${execs:-?}" "$secs" \
            "$rate" "$files")
    else
        status=1
        crash=$(ls -t "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 1)
        line=$(printf '%-9s %10s executions in %6s s: FAILED (status %s): %s; log %s' "$t" "${execs:-?}" \
            "$secs" "$rc" "${crash:+$dir/$crash}" "$dir/log")
        grep -E 'ERROR|runtime error|SUMMARY' "$dir/log" | head -n 5 | sed 's/^/    /'
    fi
    echo "$line"
    echo "$line" >> "$out/summary.txt.tmp"
done
mv "$out/summary.txt.tmp" "$out/summary.txt"
exit $status
