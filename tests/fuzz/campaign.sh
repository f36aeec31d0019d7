# Two machines of one fuzzing campaign on this host (make fuzz-campaign):
# a main and a secondary (fuzz/run.sh with FUZZ_SYNC, libFuzzer and AFL++,
# relu.norm in fp16, whose hazards the contract lists) share one sync
# directory.  Claims: the secondary's AFL++ instance synced from the main's
# (AFL++ records it in .synced/main), both libFuzzer runs worked on the
# shared corpus, each machine found the hazards, normstab collect joins the
# two FUZZ_OUTs into their union, and fuzz/minimize.sh shrinks the shared
# corpus (no more inputs than before, the queues gone, the crashes kept).
. tests/cli/lib.sh

FB=${FUZZ_BUILD:-$BDIR/fuzz}
for f in libfuzzer/normstab-fuzz afl/normstab-afl afl/mutator.so collect replay; do
    [ -x "$FB/$f" ] || [ -f "$FB/$f" ] || fail "$FB/$f is not built (make fuzz-build)"
done
command -v afl-fuzz >/dev/null 2>&1 || fail "afl-fuzz is not installed (mk/deps.sh fuzz)"
sync=$T/sync
pair=relu.norm-fp16

machine() {   # ID ROLE
    NORMSTAB=$B FUZZ_BUILD=$FB FUZZ_OUT=$T/$1 FUZZ_SYNC=$sync FUZZ_ROLE=$2 FUZZ_ID=$1 \
    FUZZ_ENGINES="libfuzzer afl++" FUZZ_TARGETS=relu.norm FUZZ_POLICIES=fp16 FUZZ_SECONDS=24 \
        sh fuzz/run.sh > "$T/$1.log" 2>&1
}
machine main main &
m=$!
sleep 3
machine second secondary &
s=$!
wait $m || fail "the main exited $?: $(cat "$T/main.log")"
wait $s || fail "the secondary exited $?: $(cat "$T/second.log")"

afl=$sync/afl/$pair
[ -f "$afl/main/fuzzer_stats" ] || fail "no AFL++ main in $afl: $(cat "$T/main.log")"
[ -f "$afl/second/fuzzer_stats" ] || fail "no AFL++ secondary in $afl: $(cat "$T/second.log")"
grep -q '^command_line.* -M main ' "$afl/main/fuzzer_stats" || fail "the main did not run as -M main"
grep -q '^command_line.* -S second ' "$afl/second/fuzzer_stats" || fail "the secondary did not run as -S second"
[ -e "$afl/second/.synced/main" ] || fail "the secondary never synced from the main"
n=$(find "$sync/corpus/$pair" -type f | wc -l)
[ "$n" -gt 0 ] || fail "the shared libFuzzer corpus is empty"
for id in main second; do
    grep -q "$sync/corpus/$pair" "$T/$id/fuzz/libfuzzer/$pair/libfuzzer.log" ||
        fail "$id's libFuzzer did not use the shared corpus"
    [ -s "$T/$id/findings/findings.jsonl" ] || fail "$id found no hazard of relu.norm fp16"
done

# the two machines' findings, collected
$B collect "$T/main" "$T/second" --out "$T/all" > "$T/collect.log" 2>&1 ||
    fail "collect exited $?: $(cat "$T/collect.log")"
keys() { sed 's/^{"normalizer":"\([^"]*\)","policy":"\([^"]*\)",.*"kind":"\([a-z]*\)","cause":"\([^"]*\)".*/\1 \2 \3 \4/' "$@" | sort -u; }
keys "$T/main/findings/findings.jsonl" "$T/second/findings/findings.jsonl" > "$T/union"
keys "$T/all/findings/findings.jsonl" | cmp -s - "$T/union" || fail "the collection is not the union of the machines"
[ "$(grep -c '^| afl++ | relu.norm | fp16 |' "$T/all/fuzz.md")" -eq 2 ] || fail "fuzz.md lists not both AFL++ runs"

# the campaign's corpus, minimized
before=$(( n + $(find "$afl"/*/queue -maxdepth 1 -type f -name 'id:*' | wc -l) ))
FUZZ_SYNC=$sync FUZZ_BUILD=$FB FUZZ_TARGETS=relu.norm FUZZ_POLICIES=fp16 NORMSTAB=$B \
    sh fuzz/minimize.sh > "$T/min.log" 2>&1 || fail "minimize exited $?: $(cat "$T/min.log")"
after=$(find "$sync/corpus/$pair" -type f | wc -l)
[ "$after" -gt 0 ] && [ "$after" -le "$before" ] || fail "minimized corpus: $after inputs of $before"
grep -q "^fuzz-minimize: $pair: $before inputs -> $after " "$T/min.log" || fail "minimize said: $(cat "$T/min.log")"
[ ! -e "$afl" ] || fail "the AFL++ queues were not removed after minimizing"
echo "fuzz-campaign: passed (shared corpus $before inputs, minimized to $after)"
