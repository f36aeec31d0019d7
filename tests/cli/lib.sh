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
