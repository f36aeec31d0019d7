# A report killed while it moved its files into an existing directory: the
# finished report waits whole in DIR.partial/report, and the next `report`
# (with or without --resume) finishes the moves before anything else, so
# DIR is never left with a mix of old and new files.  The half-moved state
# is made by hand, as the moves leave it (plots/ swapped, then report.md,
# findings.html, algorithms.html, index.html, results.json, each by one rename).
. tests/cli/lib.sh

data="$T/rows.txt"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 10 > "$data"
run() { $B report --tiny --data "$data" "$@"; }

run --seed 5 --out "$T/new" > /dev/null 2>&1 || fail "report --seed 5"
# The previous report: the same files, each changed, and a plot of its own.
cp -R "$T/new" "$T/old"
for f in report.md findings.html algorithms.html index.html results.json; do echo "old" >> "$T/old/$f"; done
echo "old" > "$T/old/plots/old.svg"

# half_moved DIR: DIR holds the old report and a file of another tool; the
# new one is complete in DIR.partial/report, its plots and report.md
# already moved.
half_moved() {
    rm -rf "$1" "$1.partial"
    cp -R "$T/old" "$1"
    echo '{"other": "tool"}' > "$1/fuzz.json"
    mkdir "$1.partial"
    cp -R "$T/new" "$1.partial/report"
    mv "$1/plots" "$1.partial/report/plots.old"
    mv "$1.partial/report/plots" "$1/plots"
    mv "$1.partial/report/report.md" "$1/report.md"
}

# whole_new DIR: DIR holds exactly the new report and the other tool's file.
whole_new() {
    [ -e "$1.partial/report" ] && fail "$1.partial/report is still there"
    for f in report.md findings.html algorithms.html index.html results.json; do
        cmp -s "$T/new/$f" "$1/$f" || fail "$1/$f is not the new report's"
    done
    diff -r "$T/new/plots" "$1/plots" > /dev/null || fail "$1/plots is not the new report's"
    [ "$(cat "$1/fuzz.json")" = '{"other": "tool"}' ] || fail "another tool's file in $1 was lost"
    diff -r "$T/new/rows" "$1/rows" > /dev/null || fail "$1/rows is not the new report's"
    [ "$(ls "$1" | wc -l)" -eq 8 ] || fail "$1 holds more than the report: $(ls "$1")"
}

# --resume finishes the moves before it reads the checkpoint (here a
# damaged one, which it then refuses: exit 2).
r="$T/r"
half_moved "$r"
cmp -s "$T/old/results.json" "$r/results.json" || fail "the simulated state is not half-moved"
printf 'damaged' > "$r.partial/suite-0000"
run --seed 5 --out "$r" --resume > "$T/out" 2> "$T/err"
status=$?
[ "$status" -eq 2 ] || fail "--resume on a damaged checkpoint exited $status ($(cat "$T/err"))"
grep -q "finished putting the report of an interrupted run into $r" "$T/err" ||
    fail "--resume did not say it finished the moves: $(cat "$T/err")"
grep -q "$r.partial/suite-0000" "$T/err" || fail "the damaged checkpoint was not named: $(cat "$T/err")"
whole_new "$r"

# Killed before plots/ was swapped back in: DIR without plots/.
half_moved "$r"
mv "$r/plots" "$r.partial/report/plots"
rm -rf "$r.partial/report/plots.old"
mv "$r/report.md" "$r.partial/report/report.md"
rm -rf "$r/plots"
printf 'damaged' > "$r.partial/suite-0000"
run --seed 5 --out "$r" --resume > /dev/null 2>&1
whole_new "$r"

# DIR did not exist: the waiting report becomes DIR whole.
rm -rf "$r" "$r.partial"
mkdir "$r.partial"
cp -R "$T/new" "$r.partial/report"
printf 'damaged' > "$r.partial/suite-0000"
run --seed 5 --out "$r" --resume > /dev/null 2>&1
for f in report.md findings.html algorithms.html index.html results.json; do
    cmp -s "$T/new/$f" "$r/$f" || fail "$r/$f is not the waiting report's"
done

# A run without --resume finishes them too, then makes its own report.
# DIR held only the other tool's file before: half-moved, it holds plots/
# and report.md without results.json, which a report refuses to replace
# unless the moves are finished first.
half_moved "$r"
rm "$r/index.html" "$r/results.json"
run --seed 5 --out "$r" > /dev/null 2> "$T/err" || fail "report after a kill during the moves: $(cat "$T/err")"
grep -v '^[[:space:]]*"generated":' "$r/results.json" > "$T/a"
grep -v '^[[:space:]]*"generated":' "$T/new/results.json" > "$T/b"
cmp -s "$T/a" "$T/b" || fail "the report after the finished moves is not the seed's"
[ -e "$r.partial" ] && fail "the checkpoint was left after the run completed"
[ "$(cat "$r/fuzz.json")" = '{"other": "tool"}' ] || fail "another tool's file was lost"
exit 0
