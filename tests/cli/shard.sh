# report --shard I/N and merge: N parts merged give the results.json of the
# unsharded run with the same options (byte for byte but for "generated"),
# for N = 1, 2, 3 and 7 (7 leaves some parts with few pieces); merge
# refuses parts that are not exactly 1..N of one run, and report refuses a
# bad --shard, each with one line and exit 2.
. tests/cli/lib.sh

# A tiny report with a fuzzing budget (so that every kind of piece is
# there) and ten real rows.  gnuplot stands aside (a stand-in that fails,
# as a broken gnuplot would): drawing is the same code for both runs and
# most of a tiny report's time.
data="$T/rows.txt"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 10 > "$data"
mkdir "$T/bin"
printf '#!/bin/sh\nexit 1\n' > "$T/bin/gnuplot"
chmod +x "$T/bin/gnuplot"
PATH="$T/bin:$PATH"
opts="--tiny --fuzz-evals 30 --data $data --baseline="

$B report $opts --out "$T/r" > /dev/null 2>&1 || fail "the unsharded report failed"
mv "$T/r" "$T/whole"
grep -v '"generated"' "$T/whole/results.json" > "$T/whole.json"
# The fuzzing found something, so that its pieces are compared too.
grep -q '"evaluations_per_target":	30' "$T/whole/results.json" || fail "the budget is not in results.json"
grep -q '"group":	"' "$T/whole/results.json" || fail "the fuzzing budget found nothing to compare"

for n in 1 2 3 7; do
    i=1
    while [ "$i" -le "$n" ]; do
        $B report $opts --shard "$i/$n" --out "$T/n$n/p$i" > "$T/out" 2> "$T/err" ||
            fail "report --shard $i/$n exited $? ($(cat "$T/err"))"
        grep -q "part $i of $n written to $T/n$n/p$i" "$T/out" || fail "report --shard $i/$n said: $(cat "$T/out")"
        [ -f "$T/n$n/p$i/part.json" ] || fail "part $i/$n has no part.json"
        i=$((i + 1))
    done
    # Every piece in exactly one part.
    ls "$T"/n$n/p*/ | grep -v -e '^part.json$' -e '^$' -e ':$' | sort > "$T/pieces.$n"
    [ -z "$(uniq -d "$T/pieces.$n")" ] || fail "N=$n: pieces in two parts: $(uniq -d "$T/pieces.$n")"
    $B merge "$T"/n$n/p* --out "$T/r" > "$T/out" 2> "$T/err" || fail "merge of $n parts exited $? ($(cat "$T/err"))"
    grep -v '"generated"' "$T/r/results.json" > "$T/merged.json"
    cmp -s "$T/whole.json" "$T/merged.json" ||
        fail "N=$n: results.json differs from the unsharded run's: $(diff "$T/whole.json" "$T/merged.json" | head -n 5)"
    for f in index.html report.md findings.html plots rows; do
        [ -e "$T/r/$f" ] || fail "N=$n: the merged report has no $f"
    done
    [ ! -e "$T/r.partial" ] || fail "N=$n: merge left $T/r.partial"
    rm -rf "$T/r"
done
cmp -s "$T/pieces.1" "$T/pieces.7" || fail "1 and 7 parts hold other pieces"
[ "$(wc -l < "$T/pieces.1")" -ge 20 ] || fail "too few pieces to balance: $(cat "$T/pieces.1")"

p="$T/n3"
# Refusals: one line naming the part, exit 2, nothing written.
expect_error 2 "part 2 of 3 is missing" $B merge "$p/p1" "$p/p3" --out "$T/r"
cp -R "$p/p1" "$T/again"
expect_error 2 "$T/again: part 1 of 3 again" $B merge "$p/p1" "$p/p2" "$p/p3" "$T/again" --out "$T/r"
$B report $opts --seed 2 --shard 2/3 --out "$T/seed2" > /dev/null 2>&1 || fail "report --seed 2 --shard 2/3"
expect_error 2 "$T/seed2: seed 2, but $p/p1 has seed 1" $B merge "$p/p1" "$T/seed2" "$p/p3" --out "$T/r"
$B report --tiny --fuzz-evals 20 --data "$data" --shard 3/3 --out "$T/evals" > /dev/null 2>&1 ||
    fail "report --fuzz-evals 20 --shard 3/3"
expect_error 2 "$T/evals: measured with other options than $p/p1" $B merge "$p/p1" "$p/p2" "$T/evals" --out "$T/r"
expect_error 2 "$p/p2: part 2 of 3, but $T/n2/p1 is part 1 of 2" $B merge "$T/n2/p1" "$p/p2" --out "$T/r"
# Another suite, another build: part.json as they would write it.
cp -R "$p/p2" "$T/quick"
sed 's/"suite":	"tiny"/"suite":	"quick"/' "$p/p2/part.json" > "$T/quick/part.json"
expect_error 2 "$T/quick: suite quick, but $p/p1 has suite tiny" $B merge "$p/p1" "$T/quick" "$p/p3" --out "$T/r"
cp -R "$p/p3" "$T/build"
sed 's/"build":	"[^"]*"/"build":	"0.0.9+0123456789abcdef"/' "$p/p3/part.json" > "$T/build/part.json"
expect_error 2 "$T/build: made by build 0.0.9+0123456789abcdef, but this normstab is build" \
    $B merge "$p/p1" "$p/p2" "$T/build" --out "$T/r"
expect_error 2 "$T/whole: not a part directory" $B merge "$p/p1" "$T/whole" --out "$T/r"
printf '{"normstab_part": 1' > "$T/build/part.json"
expect_error 2 "$T/build/part.json: not JSON" $B merge "$p/p1" "$p/p2" "$T/build" --out "$T/r"
# A part that lost a piece file.
cp -R "$p/p2" "$T/lost"
rm "$T/lost/$(ls "$T/lost" | grep -v part.json | head -n 1)"
expect_error 2 "no part directory holds the piece '[a-z0-9-]*' that part 2 measures" $B merge "$p/p1" "$T/lost" "$p/p3" --out "$T/r"
[ ! -e "$T/r" ] || fail "a refused merge wrote $T/r"
expect_error 2 "no part directory given" $B merge --out "$T/r"
expect_error 2 "out OUT is required" $B merge "$p/p1"

# Merged where the data file is not what the parts read: refused at the
# first piece, naming its file.
cp "$data" "$T/rows.saved"
echo "1 2 3" >> "$data"
expect_error 2 "$p/p[123]/[a-z0-9-]*: measured other inputs than this merge would" $B merge "$p"/p* --out "$T/r"
cp "$T/rows.saved" "$data"
[ ! -e "$T/r" ] || fail "a refused merge wrote $T/r"

for bad in 0/3 4/3 1/0 x/y 1/ /3 3 -1/3 1/99999; do
    expect_error 2 "report: --shard '$bad'" $B report --tiny --shard "$bad" --out "$T/bad"
done
[ ! -e "$T/bad" ] || fail "a bad --shard wrote $T/bad"
# A part never replaces a directory that is not a part.
mkdir "$T/other"
echo keep > "$T/other/notes.txt"
expect_error 2 "not a part directory; choose another --out" $B report $opts --shard 1/2 --out "$T/other"
[ "$(cat "$T/other/notes.txt")" = keep ] || fail "the other directory was changed"

$B merge --help | grep -q "usage: normstab merge DIR... --out OUT" || fail "merge --help"
$B report --help | grep -q -- "--shard I/N" || fail "report --help says nothing of --shard"
$B --help | grep -q "merge" || fail "normstab --help does not list merge"
exit 0
