# normstab collect gathers the fuzz output directories of several machines
# into one: two "machines" (fuzz/run.sh, built-in search, one second per pair)
# fuzz relu.norm, one in fp16 and both in bf16; their directories are moved
# after the runs (as when copied from other hosts: runs.tsv names paths that
# no longer exist).  The collection holds every run of both, each finding key
# of either once, and nothing under the directories changes.  Bad and
# foreign directories are one line naming them and exit 2.
# Needs BUILD/fuzz/collect (make fuzz-tools, a prerequisite of make test).
. tests/cli/lib.sh

FB=$BDIR/fuzz
[ -x "$FB/collect" ] || fail "$FB/collect is not built (make fuzz-tools)"
N=${B##* }

machine() {   # DIR POLICIES: a second per pair
    NORMSTAB=$N FUZZ_BUILD=$FB FUZZ_OUT=$T/run/$1 FUZZ_ATTENTION=0 FUZZ_ENGINES=search FUZZ_TARGETS=relu.norm \
    FUZZ_POLICIES=$2 FUZZ_SECONDS=$(echo $2 | wc -w) FUZZ_ROTATE=0 sh fuzz/run.sh > "$T/$1.stdout" 2> "$T/$1.stderr"
    # relu.norm's fp16 and bf16 hazards are expected: the runs pass
    [ $? -eq 0 ] || fail "machine $1 exited $?: $(cat "$T/$1.stderr")"
    mkdir -p "$T/hosts" && mv "$T/run/$1" "$T/hosts/$1"
}
keys() {   # the keys of a findings.jsonl, one "normalizer policy kind cause" a line
    sed 's/^{"normalizer":"\([^"]*\)","policy":"\([^"]*\)",.*"kind":"\([a-z]*\)","cause":"\([^"]*\)".*/\1 \2 \3 \4/' "$@" |
        sort -u
}
machine a "fp16 bf16"
machine b "bf16"
[ -s "$T/hosts/a/findings/findings.jsonl" ] || fail "machine a found nothing in relu.norm fp16"
grep -q '"policy":"bf16"' "$T/hosts/b/findings/findings.jsonl" || fail "machine b found nothing in bf16"
snapshot() { (cd "$T/hosts" && find . -type f -exec cksum {} + | sort); }
snapshot > "$T/before"

$B collect "$T/hosts/a" "$T/hosts/b" --out "$T/all" > "$T/stdout" 2> "$T/stderr" ||
    fail "collect exited $?: $(cat "$T/stderr")"
snapshot | cmp -s - "$T/before" || fail "collect changed files under the directories it read"
for f in fuzz.json fuzz.md findings/findings.jsonl; do
    [ -s "$T/all/$f" ] || fail "collect wrote no $f"
done
# every run of both machines, under its engine
runs=$(grep -c '"engine":' "$T/all/fuzz.json")
[ "$runs" -ge 3 ] || fail "fuzz.json lists $runs runs and findings, expected the 3 runs at least"
[ "$(grep -c '^| search | relu.norm |' "$T/all/fuzz.md")" -eq 3 ] ||
    fail "fuzz.md lists $(grep -c '^| search | relu.norm |' "$T/all/fuzz.md") runs, expected 3"
# each key of either machine once, and no other
keys "$T/hosts/a/findings/findings.jsonl" "$T/hosts/b/findings/findings.jsonl" > "$T/union"
keys "$T/all/findings/findings.jsonl" > "$T/got"
cmp -s "$T/union" "$T/got" || fail "the collected keys differ from the union: $(diff "$T/union" "$T/got")"
lines=$(wc -l < "$T/all/findings/findings.jsonl")
[ "$lines" -eq "$(wc -l < "$T/union")" ] || fail "$lines findings for $(wc -l < "$T/union") keys: not de-duplicated"
# every row file of a finding is there, and replays as stored
for x in "$T"/all/findings/*.x; do [ -s "$x" ] || fail "empty row file $x"; done
$N replay "$T/all/findings/findings.jsonl" > "$T/replay" 2>&1 || fail "the findings do not replay: $(cat "$T/replay")"

# a second collection into the same OUT carries what it holds: same keys
$B collect "$T/hosts/b" --out "$T/all" > "$T/stdout" 2> "$T/stderr" || fail "recollect exited $?: $(cat "$T/stderr")"
keys "$T/all/findings/findings.jsonl" | cmp -s - "$T/union" || fail "a second collection lost findings"

# bad and foreign directories
mkdir "$T/empty"
echo x > "$T/file"
expect_error 2 "collect: $T/missing: No such file or directory" $B collect "$T/missing" --out "$T/o1"
expect_error 2 "collect: $T/file: not a directory" $B collect "$T/hosts/a" "$T/file" --out "$T/o1"
expect_error 2 "collect: $T/empty: not a fuzz output directory" $B collect "$T/hosts/a" "$T/empty" --out "$T/o1"
[ ! -e "$T/o1" ] || fail "a refused collection created its OUT"
mkdir -p "$T/bad/fuzz"
printf 'search\trelu.norm\n' > "$T/bad/fuzz/runs.tsv"
expect_error 2 "collect: $T/bad/fuzz/runs.tsv: malformed line" $B collect "$T/bad" --out "$T/o2"
[ ! -e "$T/o2/fuzz.json" ] || fail "a refused collection wrote fuzz.json"
expect_error 2 "collect: no --out" $B collect "$T/hosts/a"
expect_error 2 "collect: no DIR given" $B collect --out "$T/o3"
expect_error 2 "collect: unknown option '--bogus'" $B collect --bogus "$T/hosts/a" --out "$T/o3"
$B collect --help | grep -q '^usage: normstab collect DIR' || fail "collect --help"
exit 0
