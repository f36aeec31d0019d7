# The page is safe: every string that reaches index.html or report.md from
# outside -- a plugin's names, summaries, definition and parameter, the
# --data file name, the --out path -- appears there only escaped.  The
# hostile plugin is tests/plugins/hostile.c; names the loader refuses (a
# quote, a newline) stop the command with one line.
. tests/cli/lib.sh

P=$BDIR/tests/plugins
[ -f "$P/hostile.so" ] || fail "$P/hostile.so is not built (make plugins)"

# Names the loader refuses: exit 2, one line, the control character shown escaped.
expect_error 2 "algorithm 1 ('a\"b'): its name has a blank, a control character, a quote" \
    $B --plugin "$P/hostile-quote.so" list normalizers
expect_error 2 "algorithm 1 ('a\\\\x0ab'): its name has" $B --plugin "$P/hostile-newline.so" list normalizers

# A data file and an output directory with hostile names.
mkdir -p "$T/d<i>&'x"
data="$T/d<i>&'x/<script>alert(5)&\"rows
x.txt"
grep -v '^#' data/lenet-mnist-presoftmax.txt | head -n 5 > "$data"
out="$T/d<i>&'x/r\"<b>&amp;"
$B --plugin "$P/hostile.so" report --tiny --data "$data" --out "$out" > "$T/out" 2> "$T/err" || fail "report with the hostile plugin: $(cat "$T/err")"
h="$out/index.html"
a="$out/algorithms.html"
m="$out/report.md"
[ -s "$h" ] && [ -s "$a" ] && [ -s "$m" ] || fail "no index.html, algorithms.html or report.md"

# Nothing raw: no markup from outside, in either file.
for raw in '<script' '</script' '<img src=x' '<svg onload' '<i>fam' 'k<i>' '<b>"softmax' '<!--' 'd<i>&'; do
    for f in "$h" "$a" "$m"; do
        grep -qF -- "$raw" "$f" && fail "$(basename "$f") holds '$raw' unescaped: $(grep -F -- "$raw" "$f" | head -n 1)"
    done
done
# The page's only <img> elements are the plots (files of plots/) and no
# attribute is opened by a name: no onerror=, onload= outside text.
cat "$h" "$a" | grep -Eq '<[^>]*on(error|load)=' && fail "an event handler attribute in the page"
# The quote of the summary cannot end an attribute: titles hold &quot;.
cat "$h" "$a" | grep -q 'title="[^"]*"quoted' && fail "a quote from a summary ended an attribute"

# And they are there, escaped (so the checks above can fail).
for esc in '&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;' '&lt;script&gt;alert(1)&lt;/script&gt;' \
           '&lt;img src=x onerror=alert(2)&gt;' 'k&lt;i&gt;' '&lt;i&gt;fam&amp;amp;&#39;' \
           'summary &quot;quoted&quot; &lt;script&gt;alert(1)&lt;/script&gt; &amp; more' \
           '&lt;script&gt;alert(5)&amp;&quot;rows'; do
    cat "$h" "$a" | grep -qF -- "$esc" || fail "index.html and algorithms.html lack the escaped '$esc'"
done
for esc in '&lt;/td&gt;&lt;script&gt;x&lt;/script&gt;' '&lt;script&gt;alert(5)&amp;"rows' \
           '\`touch${IFS}PWNED\`/../a&amp;b'; do
    grep -qF -- "$esc" "$m" || fail "report.md lacks the escaped '$esc'"
done

# The plot files of the hostile algorithms: plain names in plots/, and the
# gnuplot scripts ran no command from a name.
ls "$out/plots" | grep -q '^scale-.*touch.*-[0-9a-f]\{8\}\.svg$' || fail "no plot for the algorithm with a '/' in its name"
find "$T" -name PWNED | grep -q . && fail "a gnuplot script ran a command from an algorithm's name"
grep -h 'PWNED' "$out"/plots/*.gp > "$T/gp" || fail "the name is in no gnuplot script"
grep -q '"[^"]*`' "$T/gp" && fail "a name in a double-quoted gnuplot string: $(grep '"[^"]*`' "$T/gp" | head -n 1)"
# regress --markdown: names from a baseline (an entry no longer measured)
# and its path, escaped in the tables.
bl="$T/b.json"
hb="$T/h<i>\`|.json"
$B regress --update --suite tiny --baseline "$bl" > /dev/null 2>&1 || fail "regress --update --suite tiny"
sed 's/"results":[[:space:]]*\[/"results": [{"normalizer": "<script>x<\/script>|`y`", "policy": "fp16", "sum": "seq", "metrics": {}}, /' \
    "$bl" > "$hb"
grep -q '"<script>x' "$hb" || fail "the hostile entry was not added"
$B regress --baseline "$hb" --markdown "$T/pr.md" > /dev/null 2> "$T/err"
[ $? -le 1 ] || fail "regress --markdown: $(cat "$T/err")"
grep -qF '<script' "$T/pr.md" && fail "pr.md holds a name unescaped: $(grep -F '<script' "$T/pr.md")"
grep -qF '&lt;script&gt;x&lt;/script&gt;\|\`y\`' "$T/pr.md" || fail "pr.md lacks the escaped name: $(grep -i script "$T/pr.md")"
grep -qF '&lt;i&gt;\`\|.json' "$T/pr.md" || fail "pr.md lacks the escaped path: $(grep against "$T/pr.md")"
exit 0
