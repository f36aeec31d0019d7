#!/bin/sh
# Runs the readers' libFuzzer targets (mk/fuzz-readers.mk), as many at a time
# as there are CPUs (FUZZ_READER_JOBS), each on one core:
#   fuzz-readers/run.sh BUILD OUT RUNS SECONDS TARGET...
# Each runs RUNS executions (or SECONDS seconds when SECONDS > 0) from its
# corpus OUT/TARGET/corpus and the seeds fuzz-readers/seeds/TARGET; prints
# one line per target (executions, executions per second, corpus size) and
# OUT/summary.txt, in the order given; exits 1 when any target found a
# crash, a leak, a hang or a sanitizer report (the input is left in
# OUT/TARGET/ and named).
set -u
# One target; its line goes to OUT/TARGET/line, its status to OUT/TARGET/status.
run_one() {
    t=$1
    dir="$out/$t"
    mkdir -p "$dir/corpus"
    seeds="fuzz-readers/seeds/$t"
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
        crash=$(ls -t "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 1)
        line=$(printf '%-9s %10s executions in %6s s: FAILED (status %s): %s; log %s' "$t" "${execs:-?}" \
            "$secs" "$rc" "${crash:+$dir/$crash}" "$dir/log")
        grep -E 'ERROR|runtime error|SUMMARY' "$dir/log" | head -n 5 | sed 's/^/    /'
    fi
    echo "$line" > "$dir/line"
    echo "$rc" > "$dir/status"
}

if [ "${1:-}" = --one ]; then            # a worker started below
    shift
    build=$1 out=$2 runs=$3 seconds=$4
    run_one "$5"
    exit 0
fi
build=$1 out=$2 runs=$3 seconds=$4
shift 4
status=0
mkdir -p "$out"
jobs=${FUZZ_READER_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
for t in "$@"; do rm -f "$out/$t/line" "$out/$t/status"; done
printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh "$0" --one "$build" "$out" "$runs" "$seconds" {}
: > "$out/summary.txt.tmp"
for t in "$@"; do
    line=$(cat "$out/$t/line" 2>/dev/null) || line="$t: did not run"
    [ "$(cat "$out/$t/status" 2>/dev/null)" = 0 ] || status=1
    echo "$line"
    echo "$line" >> "$out/summary.txt.tmp"
done
mv "$out/summary.txt.tmp" "$out/summary.txt"
exit $status
