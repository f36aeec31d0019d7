# The report page in a real browser: headless Chromium parses it (the DOM it
# dumps holds the matrix and the cards), draws it (a screenshot that is not
# blank), and at 760 px wide the page does not overflow sideways (the wide
# tables scroll inside their own boxes).  Every link and image of the page
# resolves, and the first table sits on the first screen.  Skipped when
# Chromium is not installed, unless NS_REQUIRE_BROWSER=1 (make test-browser
# installs it and sets that).
. tests/cli/lib.sh

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    [ "${NS_REQUIRE_BROWSER:-0}" = 1 ] && fail "chromium is not installed (sh mk/deps.sh browser)"
    echo "skipped: chromium is not installed"
    exit 0
fi

$B report --tiny --fuzz-evals 200 --out "$T/r" > /dev/null 2>&1 || fail "report --tiny --fuzz-evals 200"
h="$T/r/index.html"
page="file://$(cd "$T/r" && pwd)/index.html"
run_browser() {
    size=$1
    shift
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
        --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --window-size="$size" "$@" 2> "$T/browser.err"
}

# Every link and image resolves, on both pages: files beside the page,
# anchors in it or in the page it names.
for name in index.html algorithms.html; do
    p="$T/r/$name"
    grep -o '\(href\|src\)="[^"]*"' "$p" | sed 's/^[a-z]*="//; s/"$//; s/&amp;/\&/g' | sort -u > "$T/targets"
    grep -o ' id="[^"]*"' "$p" | sed 's/^ id="/#/; s/"$//; s/&amp;/\&/g' | sort -u > "$T/ids"
    grep '^#' "$T/targets" > "$T/anchors" || true
    [ "$name" = algorithms.html ] || [ -s "$T/anchors" ] || fail "the page links to no input"
    missing=$(comm -23 "$T/anchors" "$T/ids" | head -n 3)
    [ -z "$missing" ] || fail "$name links to anchors that are not in it: $missing"
    grep -v '^#' "$T/targets" | while IFS= read -r target; do
        case $target in
            *://*) fail "an external resource in $name: $target" ;;
        esac
        file=${target%%#*}
        [ -e "$T/r/$file" ] || fail "a link or image of $name that does not resolve: $target"
        case $target in
            *'#'*) grep -q " id=\"${target#*#}\"" "$T/r/$file" || fail "$name links to an anchor that is not in $file: $target" ;;
        esac
    done
done
grep -q '<img [^>]*src="plots/[^"]*\.svg"' "$h" || fail "no plot image in the page"
grep -q 'href="algorithms.html#in-[0-9]*-[0-9]*"' "$h" || fail "no number of the page links to its input"

run_browser 1280,1600 --dump-dom "$page" > "$T/dom.html" || fail "chromium --dump-dom failed: $(tail -n 3 "$T/browser.err")"
grep -q '<table class="matrix">' "$T/dom.html" || fail "the parsed page has no matrix"
grep -q '</html>' "$T/dom.html" || fail "the DOM was cut short"
run_browser 1280,1600 --dump-dom "file://$(cd "$T/r" && pwd)/algorithms.html" > "$T/cards.html" ||
    fail "chromium --dump-dom of algorithms.html failed: $(tail -n 3 "$T/browser.err")"
grep -q 'id="alg-softmax.shifted"' "$T/cards.html" || fail "the parsed cards page has no algorithm card"

# The width of the laid-out page at 760 px, and where its first table
# begins, read by a script in a copy of the page (the page itself has no
# scripts; the copy sits beside it so that its plots resolve).
probe="$T/r/probe.html"
sed 's#</body>#<script>window.addEventListener("load",function(){var f=document.getElementById("verdicts")||document.querySelector("table.matrix");var p=document.createElement("pre");p.id="probe";p.textContent="width "+document.documentElement.scrollWidth+" view "+window.innerWidth+" first "+Math.round(f.getBoundingClientRect().top);document.body.appendChild(p);});</script></body>#' \
    "$h" > "$probe"
run_browser 760,1000 --virtual-time-budget=5000 --dump-dom "file://$(cd "$T/r" && pwd)/probe.html" > "$T/probe.dom" ||
    fail "chromium --dump-dom of the probe failed: $(tail -n 3 "$T/browser.err")"
set -- $(sed -n 's/.*<pre id="probe">width \([0-9]*\) view \([0-9]*\) first \([0-9-]*\)<.*/\1 \2 \3/p' "$T/probe.dom")
[ $# -eq 3 ] || fail "the probe reported nothing"
[ "$2" -le 760 ] || fail "the window is $2 px wide, not 760"
[ "$1" -le "$2" ] || fail "the page overflows sideways at $2 px: $1 px wide"
[ "$3" -lt 1000 ] || fail "the first table begins at $3 px, below the first screen"

run_browser 1280,1600 --screenshot="$T/shot.png" "$page" > /dev/null || fail "chromium --screenshot failed"
[ -s "$T/shot.png" ] || fail "no screenshot"
# A PNG starts with its signature; a drawn page with coloured cells and
# text compresses far worse than a blank one (a blank 1280x1600 page is a
# few kilobytes).
[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
size=$(wc -c < "$T/shot.png")
[ "$size" -gt 50000 ] || fail "the screenshot is nearly blank ($size bytes)"
exit 0
