# normstab report (the tiny suite: the machinery, in seconds) and
# `list generators`.
. tests/cli/lib.sh

$B report --help | grep -q '^usage: normstab report' || fail "report --help"
gens=$($B list generators | cut -f1 | tr '\n' ' ')
# the normalizers' rows, then the heads of `normstab attention` (softmax, then linear and RWKV-4)
[ "$gens" = "normal uniform offset spike ties masked allmasked zeros tiny long attention head.normal head.large-norm head.outliers head.dominant rwkv.trained rwkv.large-keys rwkv.no-decay linear.gaussian linear.growing-keys " ] ||
    fail "list generators: $gens"
$B list generators | grep -qv "	" && fail "list generators without a tab"

# Real rows from a file whose name needs escaping in HTML.
weird="$T/<b>&\"x'.txt"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 20 > "$weird"

$B report --tiny --seed 3 --out "$T/r1" --data "$weird" > "$T/out1" 2> "$T/err1" || fail "report: $(cat "$T/err1")"
grep -q "report written to $T/r1" "$T/out1" || fail "no confirmation: $(cat "$T/out1")"
[ ! -s "$T/err1" ] || fail "progress written although stderr is not a terminal: $(cat "$T/err1")"
for f in index.html report.md results.json plots/softmax-scale-bits.svg plots/softmax-scale-bits.dat \
         plots/softmax-scale-bits.gp plots/softmax-length-bits.svg plots/gain-softmax.svg plots/real-sum.svg; do
    [ -s "$T/r1/$f" ] || fail "missing $f"
done

# results.json: the schema of SPEC section 4.
j="$T/r1/results.json"
for key in '"schema":\s*1,' '"seed":\s*"3"' '"generated":\s*"' '"suite":\s*"tiny"' '"results":\s*\[' \
           '"normalizer":\s*"softmax.shifted"' '"policy":\s*"bf16-acc32"' '"sum":\s*"kahan"' \
           '"max_bits":' '"mean_bits":' '"nan_rate":' '"inf_rate":' '"max_sum_err":' \
           '"min_denominator":' '"grad_max_bits":' '"max_grad_gain":' '"envelopes":\s*\[' '"real_logits":\s*\{'; do
    grep -Eq "$(printf '%s' "$key" | sed 's/\\s/[[:space:]]/g')" "$j" || fail "results.json lacks $key"
done
algs=$($B list normalizers | wc -l)
entries=$(grep -c '"normalizer":' "$j")
# one per target, one per envelope, one per verdict, one per real-rows target (5 policies).
[ "$entries" -eq $((algs * 24 + algs * 8 + algs * 8 + algs * 5)) ] || fail "results.json has $entries entries for $algs algorithms"
# The verdicts (SPEC section 4): one per normalizer x policy, with their fields.
python3 - "$j" "$algs" <<'PY' || fail "results.json verdicts"
import json, sys
r = json.load(open(sys.argv[1]))
v = r["verdicts"]
assert len(v) == int(sys.argv[2]) * 8, len(v)
for c in v:
    assert c["verdict"] in ("safe", "safe-within", "unsafe"), c
    assert (c["cause"] == "") == (c["verdict"] == "safe"), c
    for k in ("normalizer", "policy", "sigma_max", "n_max", "x_fail", "n_fail", "worst"):
        assert k in c, (k, c)
    # a safe-within cell names a limit: the envelope's, or where a declared
    # failure came (the smallest max |x|, the shortest row), or says "except"
    if c["verdict"] == "safe-within" and c["sigma_max"] is None and c["n_max"] is None:
        assert c["x_fail"] is not None or c["n_fail"] is not None or c["cause"], c
    if c["verdict"] != "safe":
        w = c["worst"]
        assert "x" in w and "g" in w and w["replay"].split()[0].endswith("normstab"), w
        assert w["replay"].split()[0] != "normstab", "a bare normstab: " + w["replay"]
PY
grep -q 'id="verdicts"' "$T/r1/index.html" || fail "index.html has no verdicts table"

# The page: self-contained, escaped, with the verdicts first (SPEC section 4).
h="$T/r1/index.html"
grep -qi '<script' "$h" && fail "a script in the page"
grep -Eqi '(src|href)="(https?:)?//' "$h" && fail "an external resource in the page"
grep -q '<b>&"x' "$h" && fail "a file name went into the page unescaped"
grep -q '&lt;b&gt;&amp;&quot;x&#39;.txt' "$h" || fail "the escaped file name is not in the page"
[ "$(grep -o '<img [^>]*src="plots/' "$h" | wc -l)" -ge 5 ] || fail "fewer than 5 plots"
grep -q '<svg' "$h" && fail "a plot inlined: the page shows plots/ as images"
# Every number of the matrix links to the input behind it, and that input
# replays from the project's directory: it names the program under test
# relative to it (build/normstab, or build/sanitize/normstab under make sanitize).
prog=${B##* }
prog=${prog#"$PWD"/}
grep -q '<td class="b[0-9x][^"]*"><a href="algorithms.html#in-[0-9]*-[0-9]*">' "$h" || fail "a matrix number without its input"
grep -q "<li id=\"in-[0-9]*-[0-9]*\">.*<code>$prog check -n " "$T/r1/algorithms.html" || fail "no replayable input behind the numbers"
grep -q '"behind":' "$T/r1/results.json" || fail "results.json lacks the inputs behind the numbers"
grep -Eq "\"replay\":[[:space:]]*\"$prog check" "$T/r1/results.json" || fail "a replay command that runs from nowhere"
grep -q 'id="glossary"' "$h" || fail "no glossary"
# Against a baseline of the same suite and seed, the cards hold the change
# of each cell; against one of another seed, nothing is compared.
$B report --tiny --seed 3 --no-data --baseline "$T/r1/results.json" --out "$T/r3" > /dev/null 2>&1 || fail "report --baseline"
grep -q 'change since the baseline' "$T/r3/algorithms.html" || fail "no change since the baseline"
$B report --tiny --seed 4 --no-data --baseline "$T/r1/results.json" --out "$T/r4" > /dev/null 2>&1 || fail "report --baseline of another seed"
grep -q 'change since the baseline' "$T/r4/algorithms.html" && fail "a baseline of another seed compared"
first=$(grep -o 'id="[a-z]*"' "$h" | head -n 1)
[ "$first" = 'id="verdicts"' ] || fail "the page does not open with the verdicts ($first)"
grep -q '## Worst bits of error' "$T/r1/report.md" || fail "report.md"
grep -q '<b>&' "$T/r1/report.md" && fail "a file name went into report.md unescaped"

# The same seed gives the same results.json but for "generated" (and here
# the name of the data file); another seed does not.
cp "$weird" "$T/same.txt"
$B report --tiny --seed 3 --out "$T/r2" --data "$T/same.txt" > /dev/null 2>&1 || fail "second report"
grep -v -e '"generated"' -e '"source"' "$T/r1/results.json" > "$T/a"
grep -v -e '"generated"' -e '"source"' "$T/r2/results.json" > "$T/b"
cmp -s "$T/a" "$T/b" || fail "same seed, different results.json: $(diff "$T/a" "$T/b" | head -n 5)"

# A report replaces a report, but nothing else; a failed run leaves the
# previous report as it was.
before=$(cksum < "$T/r2/index.html")
expect_error 2 "cannot read\|No such file\|cannot open" $B report --tiny --out "$T/r2" --data "$T/missing.txt"
[ "$(cksum < "$T/r2/index.html")" = "$before" ] || fail "a failed run changed the previous report"
# A directory with someone else's index.html is refused and left alone.
mkdir "$T/site" && echo keep > "$T/site/index.html"
expect_error 2 "holds a index.html but no results.json" $B report --tiny --out "$T/site"
[ "$(cat "$T/site/index.html")" = keep ] || fail "a directory that is no report was touched"
# Files of other tools beside a report (make fuzz's, make bench's) survive
# a first report and a second one.
mkdir -p "$T/latest/findings" && echo '{"schema": 1}' > "$T/latest/fuzz.json"
echo 0x1p0 > "$T/latest/findings/a.x"
$B report --tiny --out "$T/latest" 2>/dev/null || fail "report beside fuzz.json failed"
$B report --tiny --out "$T/latest" 2>/dev/null || fail "second report beside fuzz.json failed"
[ -f "$T/latest/results.json" ] && [ "$(cat "$T/latest/findings/a.x")" = 0x1p0 ] &&
    [ -f "$T/latest/fuzz.json" ] || fail "the report lost what other tools keep beside it"
grep -q "fuzz.json is malformed" "$T/latest/report.md" || fail "a malformed fuzz.json not named"
# The fuzz section sums make fuzz's runs per engine and names broken findings.
cat > "$T/latest/fuzz.json" <<'JSON'
{"schema": 1, "broken": 1, "crashes": 0,
 "runs": [{"engine": "search", "executions": 300, "seconds": 2, "findings": 2, "broken": 1, "crashes": 0},
          {"engine": "search", "executions": 100, "seconds": 2, "findings": 0, "broken": 0, "crashes": 0},
          {"engine": "afl++", "seconds": 3, "findings": 0, "broken": 0, "crashes": 0}],
 "findings": [{"normalizer": "softmax.shifted", "policy": "fp16", "kind": "nan", "cause": "<x>",
               "verdict": "broken", "why": "a & b"},
              {"normalizer": "softmax.naive", "policy": "fp16", "kind": "nan", "cause": "overflow",
               "verdict": "expected", "why": "e^x overflows", "carried": true}]}
JSON
$B report --tiny --out "$T/latest" 2>/dev/null || fail "report with fuzz.json failed"
grep -q '2 distinct findings (1 first found by an earlier run), \*\*1 breaking a contract\*\*' \
    "$T/latest/report.md" || fail "fuzz totals"
grep -q '| search | 2 | 4 | 400 | 100 | 2 | 1 | 0 |' "$T/latest/report.md" || fail "fuzz engine row"
grep -q '| afl++ | 1 | 3 | - | - | 0 | 0 | 0 |' "$T/latest/report.md" ||
    fail "an engine that did not count its executions shows a count"
grep -q '<td>&lt;x&gt;</td><td>broken</td><td>a &amp; b</td>' "$T/latest/index.html" || fail "fuzz finding row"
echo x > "$T/file"
expect_error 2 "is not a directory" $B report --tiny --out "$T/file"
ls "$T" | grep -q 'tmp-\|old-' && fail "temporary directories left behind: $(ls "$T")"

expect_error 2 "at most one of --quick and --tiny" $B report --quick --tiny
expect_error 2 "unknown option '--fast'" $B report --fast
expect_error 2 "not an integer" $B report --seed x
exit 0
