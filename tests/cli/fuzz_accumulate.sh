# Findings accumulate across `make fuzz` runs (fuzz/run.sh with the
# built-in search only, one pair, one second): a finding of an earlier run
# that still reproduces is kept and marked carried, one that no longer does
# moves to findings/fixed/ without failing the run, a damaged line of the
# earlier findings.jsonl is skipped with a warning and the file kept aside.
# Needs BUILD/fuzz/collect (make fuzz-tools, a prerequisite of make test).
. tests/cli/lib.sh

FB=$BDIR/fuzz
[ -x "$FB/collect" ] || fail "$FB/collect is not built (make fuzz-tools)"
out="$T/out"
found="$out/findings/findings.jsonl"

fuzz() {   # POLICY: one second of search on relu.norm
    NORMSTAB=${B##* } FUZZ_BUILD=$FB FUZZ_OUT=$out FUZZ_ATTENTION=0 FUZZ_ENGINES=search FUZZ_TARGETS=relu.norm \
    FUZZ_POLICIES=$1 FUZZ_SECONDS=1 sh fuzz/run.sh > "$T/stdout" 2> "$T/stderr"
}
# The keys of a findings.jsonl, one "normalizer policy kind cause" a line.
keys() {
    sed 's/^{"normalizer":"\([^"]*\)","policy":"\([^"]*\)",.*"kind":"\([a-z]*\)","cause":"\([^"]*\)".*/\1 \2 \3 \4/' "$1" |
        sort -u
}
carried_keys() {
    grep '"carried":true' "$1" > "$T/carried" || :
    keys "$T/carried"
}

# Run 1 finds the hazards of relu.norm in fp16 (zero sums, overflow...).
fuzz fp16 || fail "run 1 exited $?: $(cat "$T/stderr")"
keys "$found" > "$T/run1"
grep -q '^relu.norm fp16 ' "$T/run1" || fail "run 1 found nothing: $(cat "$T/stdout")"

# Run 2 searches fp32 only: it cannot find run 1's fp16 findings, which are
# kept, replayed, marked carried, with their row files.
fuzz fp32 || fail "run 2 exited $?: $(cat "$T/stderr")"
keys "$found" | grep ' fp16 ' > "$T/run2"
cmp -s "$T/run1" "$T/run2" || fail "run 1's findings were not kept: $(diff "$T/run1" "$T/run2")"
carried_keys "$found" > "$T/carried2"
cmp -s "$T/run1" "$T/carried2" || fail "the carried findings are not marked so: $(diff "$T/run1" "$T/carried2")"
grep '"policy":"fp32"' "$found" | grep -q '"carried":false' || fail "run 2's own findings are marked carried"
grep -q "([1-9][0-9]* carried)" "$T/stdout" || fail "run 2 did not say it carried findings: $(cat "$T/stdout")"
for x in $(grep '"policy":"fp16"' "$found" | sed 's/.*"file":"\([^"]*\)".*/\1/'); do
    [ -s "$x" ] || fail "the row file $x of a carried finding is missing"
done

# A finding whose row breaks nothing (softmax.shifted on [1, 0] is exact
# enough and finite), said to break its contract, and a damaged line.
printf '%s\n' '{"normalizer":"softmax.shifted","policy":"fp16","kind":"nan","cause":"overflow","x":["0x1p+0","0x0p+0"],"verdict":"broken","engine":"search"}' \
    '{"normalizer":"relu.norm","policy":"fp16",' >> "$found"
damaged_line=$(wc -l < "$found")
fuzz fp32 || fail "a finding that no longer reproduces failed the run ($?): $(cat "$T/stderr")"
grep -q "^collect: warning: $found:$damaged_line: " "$T/stderr" ||
    fail "no warning naming $found:$damaged_line: $(cat "$T/stderr")"
ls "$out/findings/" | grep -q '^findings.jsonl.damaged-' || fail "the damaged file was not kept aside"
grep -q '"normalizer":"relu.norm","policy":"fp16",$' "$out"/findings/findings.jsonl.damaged-* ||
    fail "the damaged copy lost the damaged line"
grep -q softmax.shifted "$found" && fail "a finding that no longer reproduces is still a finding"
grep -q '"normalizer":"softmax.shifted".*"no_longer":"fixed"' "$out/findings/fixed/findings.jsonl" ||
    fail "the fixed finding is not under findings/fixed/"
[ -s "$out/findings/fixed/softmax.shifted-fp16-nan-overflow.x" ] || fail "the fixed finding's row is missing"
grep -q '| softmax.shifted | fp16 | nan | overflow | broken | fixed | this run |' "$out/fuzz.md" ||
    fail "fuzz.md does not list the finding as no longer reproducing"
sed -n '/"no_longer_reproduces"/,$p' "$out/fuzz.json" | grep -q '"softmax.shifted"' ||
    fail "fuzz.json does not list the finding as no longer reproducing"
grep -q '"broken":[[:space:]]*0' "$out/fuzz.json" || fail "the fixed finding counts as broken"
keys "$found" | grep ' fp16 ' > "$T/run3"
cmp -s "$T/run1" "$T/run3" || fail "run 1's findings were lost by run 3: $(diff "$T/run1" "$T/run3")"

# The fixed list is kept by the next collection, interrupted or not; a
# finding of an earlier run that still breaks its contract fails it (entmax15
# outside its default alpha 1.5 divides by zero).
$B search -n entmax15 -p fp32 --param alpha=2 --objective nan --evals 200 --json |
    grep '"kind"' | head -n 1 >> "$found"
grep -q '"entmax15"' "$found" || fail "no entmax15 finding to carry"
: > "$T/runs.tsv"
"$FB/collect" "$out" "$T/runs.tsv" --interrupted SIGINT > "$T/stdout" 2> "$T/stderr"
[ $? -eq 1 ] || fail "a carried broken finding did not fail the collection: $(cat "$T/stderr")"
grep -q '^make fuzz: entmax15 fp32 breaks its contract: .*first found in an earlier run' "$T/stderr" ||
    fail "the broken carried finding is not named: $(cat "$T/stderr")"
grep -q '"interrupted":[[:space:]]*true' "$out/fuzz.json" || fail "the collection is not marked interrupted"
keys "$found" | grep ' fp16 ' > "$T/run4"
cmp -s "$T/run1" "$T/run4" || fail "an interrupted collection lost findings: $(diff "$T/run1" "$T/run4")"
grep -q '"normalizer":"softmax.shifted".*"newly":false' "$out/findings/fixed/findings.jsonl" ||
    fail "the fixed list was not kept"
exit 0
