# Every verdict of the report agrees with `check` on its row: an unsafe
# cell's worst row breaks the contract (exit 1), or fails as declared where
# the envelope is empty; a safe-within cell's row beyond the envelope fails
# (as declared) and its envelope's edges keep the contract (exit 0); a safe
# cell keeps it on an ordinary row.  Replay commands run as printed.
. tests/cli/lib.sh

$B report --tiny --seed 2 --no-data --fuzz-evals 300 --out "$T/r" > /dev/null 2> "$T/err" ||
    fail "report: $(cat "$T/err")"
python3 - "$T/r/results.json" "$B" <<'PY' || fail "a verdict disagrees with check"
import json, shlex, subprocess, sys
r = json.load(open(sys.argv[1]))
program = sys.argv[2]
bad = []

def check(cmd):
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    verdict = [l for l in p.stdout.splitlines() if l.strip().startswith("contract:")]
    return p.returncode, " ".join(verdict)

def edge(c, gen, n):
    return ("%s check -n %s -p %s --sum seq --gen %s --length %d --seed %s"
            % (program, shlex.quote(c["normalizer"]), c["policy"], gen, n, r["seed"]))

for c in r["verdicts"]:
    name = c["normalizer"] + " " + c["policy"]
    if c["verdict"] != "safe":
        assert c["worst"]["replay"].split()[0] == program, c["worst"]["replay"]
        rc, said = check(c["worst"]["replay"])
    if c["verdict"] == "unsafe":
        empty = c["sigma_max"] == 0 or (c["n_max"] is not None and c["n_max"] < 2)
        if not (rc == 1 or (empty and "expected" in said)):
            bad.append((name, "unsafe but check says", rc, said))
    elif c["verdict"] == "safe-within":
        if rc != 0 or "kept" in said:
            bad.append((name, "safe-within, its row beyond the envelope", rc, said))
        if c["sigma_max"] is not None and c["sigma_max"] > 0:
            rc, said = check(edge(c, "normal=%.17g" % c["sigma_max"], 16))
            if rc != 0:
                bad.append((name, "safe-within but its sigma edge", rc, said))
    elif c["verdict"] == "safe":
        rc, said = check(edge(c, "normal=1", 16))
        if rc != 0:
            bad.append((name, "safe but an ordinary row", rc, said))
for b in bad:
    print(*b)
sys.exit(1 if bad else 0)
PY
