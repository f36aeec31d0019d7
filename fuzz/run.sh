#!/bin/sh
# Runs every engine on algorithm x policy pairs within a total budget, then
# collects the findings (fuzz/tools/collect.c).  Called by `make fuzz`; the
# environment says what to run:
#   NORMSTAB       the normstab binary               (build/normstab)
#   FUZZ_BUILD     where the engines were built      (build/fuzz)
#   FUZZ_SECONDS   total budget of the runs          (180)
#   FUZZ_POLICIES  policies                          (fp16 bf16 fp32)
#   FUZZ_TARGETS   algorithms                        (every one of the catalogue)
#   FUZZ_ENGINES   search libfuzzer afl++            (those that were built)
#   FUZZ_OUT       report directory                  (reports/latest)
#   JOBS           workers per engine run            (1)
#   FUZZ_KEEP      1: keep the engines' corpora under FUZZ_OUT/fuzz (the
#                  next run starts from them)
#   FUZZ_ATTENTION seconds of the attention search per kernel and objective
#                  (2; 0: none): `normstab search --kernel` on every kernel in
#                  its default policy, objectives nan, error and gradient,
#                  with masks; findings in FUZZ_OUT/attention-findings.jsonl
#   FUZZ_KERNELS   attention kernels searched        (every one of
#                  `normstab attention --help`)
#   FUZZ_ROTATE    which pairs run first when the budget cannot cover all
#                  of them (default: the day of the year, so that consecutive
#                  CI days cover different pairs)
#   FUZZ_SYNC      a directory shared by the machines of one campaign (below)
#   FUZZ_ROLE      main or secondary: this machine's part of the campaign
#   FUZZ_ID        this machine's name in FUZZ_SYNC (letters, digits, _ and -;
#                  default: main for the main, the host name otherwise)
#
# With FUZZ_SYNC, this run is one machine of a campaign (docs/fuzzing.md):
# AFL++ runs as -M (main) or -S (secondary) FUZZ_ID into the sync directory
# FUZZ_SYNC/afl/PAIR that every machine shares, libFuzzer's workers share
# the corpus FUZZ_SYNC/corpus/PAIR (new inputs land there and the others
# reload it), and AFL++ starts from that corpus too (fuzz/minimize.sh keeps
# it small).  The built-in search takes its seeds from FUZZ_ID, so that the
# machines search different rows.  The findings stay this machine's, in
# FUZZ_OUT: `normstab collect` gathers those of every machine.  The sync
# directory is the campaign's state: it is never cleaned by this script.
#
# The budget is shared between engines (search 40 %, libFuzzer 30 %, AFL++
# 30 %, renormalized over the engines present) and, within an engine,
# evenly between pairs, down to a minimum per run (search 1 s, libFuzzer
# 2 s, AFL++ 6 s: AFL++ spends its first seconds calibrating) and counting
# about a second of start-up per external engine run.  When the pairs do
# not all fit, the engine runs as many as fit, starting at the rotation
# offset; fuzz.md lists the runs.
#
# SIGINT or SIGTERM stops the engines (each gets SIGTERM, which every one
# of them takes as "stop cleanly", and is waited for), collects what they
# found so far into fuzz.json and fuzz.md, which say the run was
# interrupted, keeps the corpora for the next run, and exits 130 or 143.
set -u
B=${NORMSTAB:-build/normstab}
FB=${FUZZ_BUILD:-build/fuzz}
total=${FUZZ_SECONDS:-180}
policies=${FUZZ_POLICIES:-fp16 bf16 fp32}
out=${FUZZ_OUT:-reports/latest}
jobs=${JOBS:-1}
targets=${FUZZ_TARGETS:-}
engines=${FUZZ_ENGINES:-}
rotate=${FUZZ_ROTATE:-$(date +%j | sed 's/^0*//')}
sync=${FUZZ_SYNC:-}
role=${FUZZ_ROLE:-}

die() { echo "fuzz/run.sh: $*" >&2; exit 2; }
. "$(dirname "$0")/afl_files.sh"
case $total in ''|*[!0-9.]*) die "FUZZ_SECONDS='$total' is not a number of seconds" ;; esac
case $jobs in ''|*[!0-9]*|0) die "JOBS='$jobs' is not a positive integer" ;; esac
if [ -n "$sync" ]; then
    case $role in
    main) id=${FUZZ_ID:-main} ;;
    secondary) id=${FUZZ_ID:-$(hostname | tr -c 'A-Za-z0-9_\n-' _)} ;;
    *) die "FUZZ_ROLE='$role': expected main or secondary (with FUZZ_SYNC=$sync)" ;;
    esac
    case $id in ''|*[!A-Za-z0-9_-]*) die "FUZZ_ID='$id': expected letters, digits, _ and - only" ;; esac
    mkdir -p "$sync" || die "cannot create FUZZ_SYNC=$sync"
    # the search's seeds: 1..JOBS, or from FUZZ_ID in a campaign
    seed_base=$(( $(printf '%s' "$id" | cksum | cut -d' ' -f1) % 1000000 * 1000 ))
else
    [ -z "$role" ] && [ -z "${FUZZ_ID:-}" ] || die "FUZZ_ROLE and FUZZ_ID need FUZZ_SYNC (the shared directory)"
    seed_base=0
fi
[ -x "$B" ] || die "$B is missing (make)"
[ -n "$targets" ] || targets=$("$B" list normalizers | cut -f1)
all_kernels=$("$B" attention --help | sed -n '/^kernels:/,/^$/s/^  \([^ ]*\) .*/\1/p')
kernels=${FUZZ_KERNELS:-$all_kernels}
for k in $kernels; do
    printf '%s\n' $all_kernels | grep -qx -- "$k" || die "FUZZ_KERNELS: unknown kernel '$k' (known: $(echo $all_kernels))"
done
if [ -z "$engines" ]; then
    engines=search
    [ -x "$FB/libfuzzer/normstab-fuzz" ] && engines="$engines libfuzzer"
    [ -x "$FB/afl/normstab-afl" ] && [ -f "$FB/afl/mutator.so" ] && command -v afl-fuzz >/dev/null 2>&1 &&
        engines="$engines afl++"
fi

# The engines run in the background, so that a signal reaches the traps at
# once (sh runs a trap only after the foreground command ends); the traps
# pass it on as SIGTERM (background processes of sh ignore SIGINT).
interrupted=
children=
on_signal() {
    [ -n "$interrupted" ] || interrupted=$1
    [ -z "$children" ] || kill -TERM $children 2>/dev/null
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

# Waits for every child, through the signals that cut `wait` short;
# child_status is the exit status of the last one.
wait_children() {
    child_status=0
    for p in $children; do
        while :; do
            wait "$p"
            child_status=$?
            kill -0 "$p" 2>/dev/null || break
        done
    done
    children=
}

# Clears what an earlier run left in DIR but its corpus: libFuzzer's corpus/
# and AFL++'s queues (copied into seeds/) are where this run starts from.
prepare_dir() {   # DIR
    rm -rf "$1/artifacts" "$1"/*.jsonl "$1"/*.log
    if [ -d "$1/out" ]; then
        mkdir -p "$1/seeds"
        afl_copy "$1/out" queue "$1/seeds"
        rm -rf "$1/out"
    fi
}

work=$out/fuzz
mkdir -p "$work" || die "cannot create $work"
runs=$work/runs.tsv
: > "$runs"

pairs=$work/pairs
: > "$pairs"
for t in $targets; do
    for p in $policies; do
        echo "$t $p" >> "$pairs"
    done
done
npairs=$(wc -l < "$pairs")
[ "$npairs" -gt 0 ] || die "nothing to fuzz"

share() { case $1 in search) echo 4 ;; *) echo 3 ;; esac; }
minimum() { case $1 in search) echo 1 ;; libfuzzer) echo 2 ;; *) echo 6 ;; esac; }
# Seconds each run costs beyond its budget (start-up, the engines' own
# final passes), counted against the budget when pairs are chosen.
overhead() { case $1 in search) echo 0 ;; *) echo 1 ;; esac; }
shares=0
for e in $engines; do shares=$((shares + $(share "$e"))); done

# Executions of a libFuzzer log: the final stats, or the last status line.
libfuzzer_execs() {
    n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$1" | tail -n 1)
    [ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$1" | tail -n 1)
    echo "${n:--}"
}

run_search() {   # ALG POLICY SECONDS DIR
    i=1
    while [ "$i" -le "$jobs" ]; do
        "$B" search -n "$1" -p "$2" --objective all --seconds "$3" --seed $((seed_base + i)) --json \
            > "$4/search-$i.jsonl" 2> "$4/search-$i.log" &
        children="$children $!"
        i=$((i + 1))
    done
    wait_children
    cat "$4"/search-*.jsonl > "$4/findings.jsonl"
    execs=$(grep -h '"summary":true' "$4"/search-*.jsonl |
            sed -n 's/.*"evaluations":\([0-9.e+]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    crashes=0
    for log in "$4"/search-*.log; do
        # exit status 1 means a broken contract (collected below); anything
        # on stderr beyond that (and the line of a search stopped by a
        # signal) is a failure of the search itself
        grep -v '^normstab: search: interrupted after' "$log" | grep -q . && crashes=$((crashes + 1))
    done
    status=ok
}

run_libfuzzer() {   # ALG POLICY SECONDS DIR
    corpus=$4/corpus
    [ -n "$sync" ] && corpus=$sync/corpus/$1-$2
    mkdir -p "$corpus" "$4/artifacts"
    NS_FUZZ_TARGET=$1 NS_FUZZ_POLICY=$2 "$FB/replay" --seeds "$corpus" || return
    fork=""
    [ "$jobs" -gt 1 ] && fork="-fork=$jobs -ignore_crashes=1"
    # shellcheck disable=SC2086
    NS_FUZZ_TARGET=$1 NS_FUZZ_POLICY=$2 NS_FUZZ_FINDINGS=$4/findings.jsonl \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=fuzz/ubsan.supp \
        "$FB/libfuzzer/normstab-fuzz" -max_total_time="$3" -max_len=16384 -timeout=30 \
        -print_final_stats=1 -artifact_prefix="$4/artifacts/" $fork "$corpus" \
        > "$4/libfuzzer.log" 2>&1 &
    children=$!
    wait_children
    rc=$child_status
    execs=$(libfuzzer_execs "$4/libfuzzer.log")
    # A slow-unit-* artifact is an input that took long (the reference
    # raising its precision), kept for a look: not a crash.
    crashes=$(find "$4/artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    status="exit $rc"
    [ "$rc" -eq 0 ] && status=ok
    # clang 14: 77 is a crash, 70 a timeout; the artifacts say which
    [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && [ -z "$interrupted" ] && crashes=1
}

run_afl() {   # ALG POLICY SECONDS DIR
    mkdir -p "$4/seeds"
    NS_FUZZ_TARGET=$1 NS_FUZZ_POLICY=$2 "$FB/replay" --seeds "$4/seeds" || return
    afl_out=$4/out name=main
    if [ -n "$sync" ]; then
        # the campaign's corpus seeds every machine; each instance resumes
        # its own queue in the shared directory
        afl_out=$sync/afl/$1-$2 name=$id
        mkdir -p "$afl_out"
        # (libFuzzer on another machine may replace a file meanwhile)
        [ -d "$sync/corpus/$1-$2" ] && find "$sync/corpus/$1-$2" -maxdepth 1 -type f \
            -exec cp {} "$4/seeds/" \; 2>/dev/null
    fi
    i=1
    while [ "$i" -le "$jobs" ]; do
        flag=-M
        [ -n "$sync" ] && [ "$role" = secondary ] && flag=-S
        [ "$i" -gt 1 ] && flag=-S
        instance=$name
        [ "$i" -gt 1 ] && instance=$name-w$i
        # shellcheck disable=SC2086
        NS_FUZZ_TARGET=$1 NS_FUZZ_POLICY=$2 NS_FUZZ_FINDINGS=$4/findings.jsonl \
        AFL_CUSTOM_MUTATOR_LIBRARY=$FB/afl/mutator.so AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1 AFL_QUIET=1 \
        AFL_NO_STARTUP_CALIBRATION=1 env ${sync:+AFL_AUTORESUME=1 AFL_IMPORT_FIRST=1} \
            afl-fuzz -i "$4/seeds" -o "$afl_out" -V "$3" -m none -t 5000 $flag "$instance" \
            -- "$FB/afl/normstab-afl" > "$4/afl-$i.log" 2>&1 &
        children="$children $!"
        i=$((i + 1))
    done
    wait_children
    # afl-fuzz exits 0 even when it found crashes: count them (this
    # machine's instances only)
    crashes=$(find "$afl_out" -path "$afl_out/$name/crashes/id:*" -o -path "$afl_out/$name-w*/crashes/id:*" \
              2>/dev/null | wc -l)
    execs=$(cat "$afl_out/$name/fuzzer_stats" "$afl_out/$name"-w*/fuzzer_stats 2>/dev/null |
            sed -n 's/^execs_done *: *\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    status=ok
    [ -f "$afl_out/$name/fuzzer_stats" ] || { status="did not start (see $4/afl-1.log)"; crashes=1; }
}

for e in $engines; do
    [ -z "$interrupted" ] || break
    budget=$(awk -v t="$total" -v s="$(share "$e")" -v all="$shares" 'BEGIN { print t * s / all }')
    min=$(minimum "$e")
    over=$(overhead "$e")
    set -- $(awk -v b="$budget" -v n="$npairs" -v m="$min" -v o="$over" 'BEGIN {
        p = b / n - o; if (p < m) p = m
        c = int(b / (p + o) + 1e-9); if (c < 1) c = 1; if (c > n) c = n
        printf "%.3f %d\n", p, c }')
    per=$1 count=$2
    start=$(( (rotate * count) % npairs ))
    echo "fuzz: $e, $count of $npairs pairs, $per s each"
    k=0
    while [ "$k" -lt "$count" ] && [ -z "$interrupted" ]; do
        line=$(sed -n "$(( (start + k) % npairs + 1 ))p" "$pairs")
        set -- $line
        alg=$1 pol=$2
        dir=$work/$e/$alg-$pol
        mkdir -p "$dir"
        prepare_dir "$dir"
        execs=- crashes=0 status=ok
        t0=$(date +%s.%N)
        case $e in
        search) run_search "$alg" "$pol" "$per" "$dir" ;;
        libfuzzer) run_libfuzzer "$alg" "$pol" "$per" "$dir" ;;
        afl++) run_afl "$alg" "$pol" "$per" "$dir" ;;
        *) die "unknown engine '$e' (known: search libfuzzer afl++)" ;;
        esac
        t1=$(date +%s.%N)
        secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
        [ -n "$interrupted" ] && status=interrupted
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$e" "$alg" "$pol" "$secs" "$execs" "$crashes" \
            "$status" "$dir/findings.jsonl" >> "$runs"
        k=$((k + 1))
    done
done

# The attention kernels: the built-in search on small heads
# (fuzz/attn_search.h).  A finding that breaks a kernel's contract (the
# search exits 1) fails the run, as a broken finding of the engines does.
attn_seconds=${FUZZ_ATTENTION:-2}
attn_broken=0
if [ -z "$interrupted" ] && [ "$attn_seconds" != 0 ]; then
    : > "$out/attention-findings.jsonl"
    for k in $kernels; do
        for obj in nan error gradient; do
            [ -z "$interrupted" ] || break
            "$B" search --kernel "$k" --objective "$obj" --masks --seconds "$attn_seconds" --json \
                > "$work/attention-$k-$obj.jsonl" 2> "$work/attention-$k-$obj.log" &
            children=$!
            wait_children
            case $child_status in
            0) ;;
            1) attn_broken=1; echo "fuzz: attention $k $obj: a finding breaks the contract" ;;
            *) [ -n "$interrupted" ] || { attn_broken=1; echo "fuzz: attention $k $obj: exit $child_status"; } ;;
            esac
            grep -v '"summary":true' "$work/attention-$k-$obj.jsonl" >> "$out/attention-findings.jsonl"
        done
    done
    echo "fuzz: attention, $(wc -l < "$out/attention-findings.jsonl") findings in $out/attention-findings.jsonl"
fi

# What was found, also when interrupted (a second signal no longer stops
# the engines, which are done: it waits for the collection).  The findings
# of earlier runs stay: collect replays them and keeps them, or moves those
# that no longer reproduce to findings/fixed/.
"$FB/collect" "$out" "$runs" ${interrupted:+--interrupted SIG$interrupted}
status=$?
[ "$attn_broken" = 0 ] || [ "$status" != 0 ] || status=1
# The corpora are large and rebuilt by every run: removed once a run has
# completed, unless FUZZ_KEEP=1; an interrupted run keeps them for the next
# one.  Logs, crash files and the findings stay.
[ "${FUZZ_KEEP:-0}" = 1 ] || [ -n "$interrupted" ] ||
    find "$work" -type d \( -name corpus -o -name queue -o -name seeds \) -prune -exec rm -rf {} +
case $interrupted in
INT) exit 130 ;;
TERM) exit 143 ;;
esac
exit $status
