# Helpers for the command-line tests: each test script sources this file and
# calls its assertions; the first failure ends the script with status 1.
set -u
B=${NORMSTAB:-build/normstab}
# The build directory: that of the program, B's last word (B may be a
# command line such as "valgrind -q build/normstab").
BDIR=$(dirname "${B##* }")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# expect_out EXPECTED CMD...: stdout of CMD equals EXPECTED and status is 0
expect_out() {
    want=$1; shift
    got=$("$@" 2>"$T/err") || fail "'$*' exited $? ($(cat "$T/err"))"
    [ "$got" = "$want" ] || fail "'$*' printed
$got
expected
$want"
}

# expect_error STATUS PATTERN CMD...: CMD exits STATUS with one stderr line matching PATTERN
expect_error() {
    want=$1; pat=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want (stderr: $(cat "$T/err"))"
    [ "$(wc -l < "$T/err")" -eq 1 ] || fail "'$*' printed $(wc -l < "$T/err") lines on stderr: $(cat "$T/err")"
    grep -q -- "$pat" "$T/err" || fail "'$*' said '$(cat "$T/err")', expected /$pat/"
}

# wait_until PID WHAT CMD...: until CMD succeeds; fails when PID ends first,
# or after 300 s (a bound for a stuck run, far above what a loaded machine
# takes)
wait_until() {
    wpid=$1; what=$2; shift 2
    i=0
    until "$@"; do
        kill -0 "$wpid" 2>/dev/null || fail "the run ended before $what"
        i=$((i + 1))
        [ "$i" -lt 30000 ] || fail "not within 300 s: $what"
        sleep 0.01
    done
}

# wait_for FILE PID: until FILE exists
wait_for() { wait_until "$2" "$1 appeared" test -e "$1"; }
