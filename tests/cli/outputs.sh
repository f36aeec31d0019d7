# Output paths that cannot be written: `report --out`, `regress --update`
# (the baseline and the report.md beside it) and `regress --markdown FILE`
# refuse a read-only directory, a directory where a file goes (or a file
# where the report directory goes) and a path through a regular file, with
# exit status 2 and one line naming the path, before measuring anything;
# and leave no temporary file behind.  A missing parent is created for the
# report and the baseline (reports/latest on a fresh clone), not for
# --markdown.
. tests/cli/lib.sh

base=reports/baseline/results.json
[ -f "$base" ] || fail "$base is missing"
printf 'not a directory\n' > "$T/file"
chmod 755 "$T"
mkdir "$T/ro" && chmod 555 "$T/ro"

# as_other CMD...: CMD as a user who cannot write $T/ro (root can).
as_other=
if [ "$(id -u)" = 0 ]; then
    if setpriv --reuid=65534 --regid=65534 --clear-groups $B --version > /dev/null 2>&1; then
        as_other="setpriv --reuid=65534 --regid=65534 --clear-groups"
    else
        as_other=skip
    fi
fi

# fast CMD...: the refusal comes at once, not after measuring (a tiny
# report takes seconds; the refusals, well under one).
fast() {
    case $B in *' '*) "$@"; return ;; esac     # under valgrind: no timing
    start=$(date +%s)
    "$@"
    [ $(( $(date +%s) - start )) -le 2 ] || fail "'$*' measured before refusing"
}

# ---- report --out ------------------------------------------------------------
fast expect_error 2 "$T/file exists and is not a directory" $B report --tiny --no-data --out "$T/file"
fast expect_error 2 "$T/file/r: Not a directory" $B report --tiny --no-data --out "$T/file/r"
if [ "$as_other" != skip ]; then
    fast expect_error 2 "cannot create $T/ro/r.partial: Permission denied" \
        $as_other $B report --tiny --no-data --out "$T/ro/r"
    fast expect_error 2 "cannot create the parents of $T/ro/new/r: Permission denied" \
        $as_other $B report --tiny --no-data --out "$T/ro/new/r"
else
    echo "skipped: read-only directory (root, and the user nobody cannot run $B)"
fi
$B report --tiny --no-data --out "$T/missing/parent/r" > /dev/null 2>&1 || fail "report into a missing parent"
[ -s "$T/missing/parent/r/results.json" ] || fail "report into a missing parent wrote no results.json"

# ---- regress --update --------------------------------------------------------
mkdir "$T/isdir.json"
fast expect_error 2 "regress: --update: $T/isdir.json is a directory" \
    $B regress --update --suite tiny --baseline "$T/isdir.json"
mkdir -p "$T/b2/report.md"
fast expect_error 2 "regress: --update: $T/b2/report.md is a directory" \
    $B regress --update --suite tiny --baseline "$T/b2/results.json"
fast expect_error 2 "cannot create the directory $T/file (Not a directory)\|$T/file.*Not a directory" \
    $B regress --update --suite tiny --baseline "$T/file/results.json"
if [ "$as_other" != skip ]; then
    fast expect_error 2 "cannot create a scratch directory in $T/ro (Permission denied)" \
        $as_other $B regress --update --suite tiny --baseline "$T/ro/results.json"
fi

# ---- regress --markdown FILE -------------------------------------------------
fast expect_error 2 "regress: cannot write $T/isdir.json (it is a directory)" \
    $B regress --baseline "$base" --markdown "$T/isdir.json"
fast expect_error 2 "regress: cannot write $T/file/x.md (Not a directory)" \
    $B regress --baseline "$base" --markdown "$T/file/x.md"
fast expect_error 2 "regress: cannot write $T/nowhere/x.md (No such file or directory)" \
    $B regress --baseline "$base" --markdown "$T/nowhere/x.md"
if [ "$as_other" != skip ]; then
    fast expect_error 2 "regress: cannot write $T/ro/x.md (Permission denied)" \
        $as_other $B regress --baseline "$base" --markdown "$T/ro/x.md"
fi

# Nothing half-written left anywhere.
left=$(find "$T" -name '*.tmp*' -o -name '*.partial' -o -name '.regress-update-*' -o -name '*.old-*' | head -n 3)
[ -z "$left" ] || fail "temporary files left behind: $left"
chmod 755 "$T/ro"
exit 0
