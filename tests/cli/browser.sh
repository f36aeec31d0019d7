# The report page in a real browser: headless Chromium parses it (the DOM it
# dumps holds the matrix, the plots and the cards) and draws it (a
# screenshot that is not blank).  Skipped when Chromium is not installed,
# unless NS_REQUIRE_BROWSER=1 (make test-browser installs it and sets that).
. tests/cli/lib.sh

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    [ "${NS_REQUIRE_BROWSER:-0}" = 1 ] && fail "chromium is not installed (sh mk/deps.sh browser)"
    echo "skipped: chromium is not installed"
    exit 0
fi

$B report --tiny --out "$T/r" > /dev/null 2>&1 || fail "report --tiny"
page="file://$(cd "$T/r" && pwd)/index.html"
run_browser() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$T/profile.XXXXXX")" --window-size=1280,1600 "$@" 2> "$T/browser.err"
}

run_browser --dump-dom "$page" > "$T/dom.html" || fail "chromium --dump-dom failed: $(tail -n 3 "$T/browser.err")"
grep -q '<table class="matrix">' "$T/dom.html" || fail "the parsed page has no matrix"
grep -q 'id="alg-softmax.shifted"' "$T/dom.html" || fail "the parsed page has no algorithm card"
svgs=$(grep -o '<svg' "$T/dom.html" | wc -l)
[ "$svgs" -ge 5 ] || fail "the parsed page holds $svgs plots"
grep -q '</html>' "$T/dom.html" || fail "the DOM was cut short"

run_browser --screenshot="$T/shot.png" "$page" > /dev/null || fail "chromium --screenshot failed"
[ -s "$T/shot.png" ] || fail "no screenshot"
# A PNG starts with its signature; a drawn page with coloured cells and
# text compresses far worse than a blank one (a blank 1280x1600 page is a
# few kilobytes).
[ "$(head -c 8 "$T/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "not a PNG"
size=$(wc -c < "$T/shot.png")
[ "$size" -gt 50000 ] || fail "the screenshot is nearly blank ($size bytes)"
exit 0
