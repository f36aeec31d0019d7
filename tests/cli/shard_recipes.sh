# docs/scale.md's recipes for the report in parts run as written on one
# machine: the GNU parallel line (this machine as its only host) and the
# Slurm array script run as the array would run it, each then merged, give
# the results.json of the unsharded run (but for "generated").  OPTS, the
# recipes' own knob, asks for a tiny report instead of --quick.
. tests/cli/lib.sh

command -v parallel > /dev/null || fail "GNU parallel is missing (sh mk/deps.sh test installs it)"

# recipe HEADING K: the K-th sh block of docs/scale.md after the line HEADING.
recipe() {
    awk -v head="$1" -v k="$2" '
        $0 == head { on = 1; n = 0; next }
        on && /^```sh$/ { n++; if (n == k) { inside = 1; next } }
        inside && /^```$/ { exit }
        inside { print }
    ' docs/scale.md
}

# The project directory as the recipes see it: the build and a data file.
w="$T/work"
mkdir -p "$w/build" "$T/bin"
ln -s "$(cd "$BDIR" && pwd)/normstab" "$w/build/normstab"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 10 > "$w/rows.txt"
# gnuplot stands aside, as in shard.sh: the drawing is not what is tested.
printf '#!/bin/sh\nexit 1\n' > "$T/bin/gnuplot"
chmod +x "$T/bin/gnuplot"
PATH="$T/bin:$PATH"
OPTS="--tiny --fuzz-evals 40 --data rows.txt --baseline="
export OPTS

(cd "$w" && build/normstab report $OPTS --out reports/latest) > /dev/null 2>&1 || fail "the unsharded report failed"
grep -v '"generated"' "$w/reports/latest/results.json" > "$T/whole.json"
rm -rf "$w/reports/latest"

same_as_whole() {
    [ -f "$w/reports/latest/results.json" ] || fail "$1: no report"
    grep -v '"generated"' "$w/reports/latest/results.json" | cmp -s "$T/whole.json" - ||
        fail "$1: results.json differs from the unsharded run's"
    rm -rf "$w/reports/latest" "$w/parts"
}

recipe "### GNU parallel" 1 | grep -v '^N=4 OPTS=--quick HOSTS=:$' > "$T/parallel.sh"
grep -q "parallel -S" "$T/parallel.sh" || fail "no GNU parallel recipe in docs/scale.md"
(cd "$w" && N=3 HOSTS=: sh -e "$T/parallel.sh") > "$T/out" 2>&1 || fail "the GNU parallel recipe failed: $(tail -n 5 "$T/out")"
same_as_whole "GNU parallel"

recipe "### A Slurm array job" 1 > "$w/shard.sbatch"
grep -q "SLURM_ARRAY_TASK_ID" "$w/shard.sbatch" || fail "no Slurm script in docs/scale.md"
recipe "### A Slurm array job" 3 > "$T/local.sh"
grep -q "sh shard.sbatch" "$T/local.sh" || fail "no local run of the Slurm script in docs/scale.md"
(cd "$w" && sh -e "$T/local.sh") > "$T/out" 2>&1 || fail "the Slurm recipe failed: $(tail -n 5 "$T/out")"
same_as_whole "Slurm, run locally"
exit 0
