#!/bin/sh
# bench first_paint: how soon headless Chromium draws the report's first
# screen.  For each page, the first contentful paint (FCP: the first text
# drawn) and the largest contentful paint (LCP: the largest block of the
# first screen drawn), in ms after navigation start, from the Performance
# API of a copy of the page with a probe script appended (which also asks
# for frames, so that a page that loads at once is drawn before the dump),
# each the median of RUNS loads; the baseline, loaded in the same
# run, is a page of the same stylesheet holding one paragraph, so the ratio
# removes what the machine's load adds to every page.  The aim (issue: the
# first screen in under 1 s) is for index.html on an idle machine.
#   sh bench/first_paint.sh [REPORT_DIR] [RUNS]
# REPORT_DIR defaults to reports/latest (made by `make report`).
set -u
dir=${1:-reports/latest}
runs=${2:-5}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "bench first_paint: chromium is not installed (sh mk/deps.sh browser)" >&2; exit 2; }
[ -f "$dir/index.html" ] || { echo "bench first_paint: $dir/index.html: no report there (make report)" >&2; exit 2; }
case $runs in ''|*[!0-9]*|0) echo "bench first_paint: RUNS '$runs': expected a positive whole number" >&2; exit 2 ;; esac

work=$(mktemp -d "$dir/.first-paint.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
probe='<script>var ns_t={fcp:-1,lcp:-1};function ns_show(){var p=document.getElementById("probe")||document.body.appendChild(document.createElement("pre"));p.id="probe";p.textContent="fcp "+ns_t.fcp+" lcp "+ns_t.lcp;}new PerformanceObserver(function(l){l.getEntries().forEach(function(e){if(e.name=="first-contentful-paint")ns_t.fcp=Math.round(e.startTime);});ns_show();}).observe({type:"paint",buffered:true});new PerformanceObserver(function(l){l.getEntries().forEach(function(e){ns_t.lcp=Math.round(e.startTime);});ns_show();}).observe({type:"largest-contentful-paint",buffered:true});var ns_f=0;(function ns_tick(){if(++ns_f<60)requestAnimationFrame(ns_tick);})();</script></body>'
# The probed copies sit in the report's directory, so that the plots resolve.
for page in index.html algorithms.html; do
    [ -f "$dir/$page" ] && sed "s#</body>#$probe#" "$dir/$page" > "$work/$page"
done
sed -n '1,/<\/style>/p' "$dir/index.html" | sed 's#</style>.*#</style></head><body>#' > "$work/baseline.html"
printf '<p>normstab</p>%s</html>\n' "$probe" >> "$work/baseline.html"

# One load of PAGE: "FCP LCP" in ms (-1 for a paint not reported; the
# load is tried again, up to five times: the first loads of a fresh
# browser profile may dump the page before its first frame).
paints() {
    for try in 1 2 3 4 5; do
        r=$(load "$1")
        case $r in ''|-1*|*' -1') continue ;; esac
        echo "$r"
        return
    done
    echo "-1 -1"
}
load() {
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" \
        --window-size=1400,900 --virtual-time-budget=5000 --dump-dom "file://$(cd "$work" && pwd)/$1" 2> /dev/null |
        sed -n 's/.*<pre id="probe">fcp \(-*[0-9]*\) lcp \(-*[0-9]*\)<.*/\1 \2/p' | tail -n 1
}
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print -1}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a < 0 || b <= 0) print "-"; else printf "%.2f", a / b }'; }

load baseline.html > /dev/null   # a warm-up load, not measured
printf '%-16s %8s %8s %10s %10s %8s\n' page "fcp ms" "lcp ms" "fcp ratio" "lcp ratio" "size KB"
for page in baseline.html index.html algorithms.html; do
    [ -f "$work/$page" ] || continue
    for i in $(seq "$runs"); do paints "$page"; done > "$work/times"
    f=$(cut -d' ' -f1 "$work/times" | median)
    l=$(cut -d' ' -f2 "$work/times" | median)
    [ "$page" = baseline.html ] && { bf=$f; bl=$l; }
    size=$(($(wc -c < "$work/$page") / 1024))
    printf '%-16s %8s %8s %10s %10s %8s\n' "${page%.html}" "$f" "$l" "$(ratio "$f" "$bf")" "$(ratio "$l" "$bl")" "$size"
done
