# docs/formulas.md runs as written: every command of its console blocks
# ("$ " lines), run in a scratch directory with this build's normstab first
# on PATH, prints the output shown under it, and exits with the status shown
# ("[exit N]", else 0).
. tests/cli/lib.sh
DOC=docs/formulas.md
BIN_DIR=$(cd "$BDIR" && pwd)
[ -x "$BIN_DIR/normstab" ] || fail "no $BIN_DIR/normstab"
awk -v dir="$T" '
    /^```console$/ { inblock = 1; next }
    /^```/ { inblock = 0; next }
    !inblock { next }
    /^\$ / { k++; print substr($0, 3) > (dir "/cmd." k); printf "" > (dir "/want." k); print 0 > (dir "/exit." k); next }
    /^\[exit [0-9]+\]$/ { gsub(/[^0-9]/, ""); close(dir "/exit." k); print > (dir "/exit." k); next }
    { print > (dir "/want." k) }
    END { print k + 0 > (dir "/count") }
' "$DOC"
count=$(cat "$T/count")
[ "$count" -ge 12 ] || fail "$DOC: only $count commands found"
mkdir "$T/run"
i=1
while [ "$i" -le "$count" ]; do
    cmd=$(cat "$T/cmd.$i")
    got=$(cd "$T/run" && PATH="$BIN_DIR:$PATH" sh -c "$cmd")
    status=$?
    [ "$status" = "$(cat "$T/exit.$i")" ] || fail "$DOC: '$cmd' exited $status, the page says $(cat "$T/exit.$i")"
    [ "$got" = "$(cat "$T/want.$i")" ] || fail "$DOC: '$cmd' printed
$got
the page shows
$(cat "$T/want.$i")"
    i=$((i + 1))
done
