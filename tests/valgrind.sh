#!/bin/sh
# The command-line tests with normstab under valgrind (mk/valgrind.mk):
#   tests/valgrind.sh BUILD "VALGRIND FLAGS" TEST.sh...
# Each valgrind process writes its report to BUILD/valgrind/TEST.PID.log
# (empty when clean: -q); a test fails when it fails or when any of its
# reports is not empty.  Prints one closing line "valgrind: N passed, N failed".
set -u
build=$1 flags=$2
shift 2
out="$build/valgrind"
rm -rf "$out"
mkdir -p "$out"
passed=0
failed=0
# OpenMP threads that spin while waiting are slow under valgrind.
export OMP_WAIT_POLICY=passive
for t in "$@"; do
    name=$(basename "$t" .sh)
    log="$out/$name.test.log"
    if NORMSTAB="valgrind $flags --log-file=$out/$name.%p.log $build/normstab" sh "$t" > "$log" 2>&1; then
        status=ok
    else
        status="the test failed"
    fi
    reports=$(find "$out" -name "$name.[0-9]*.log" -size +0 | sort)
    [ -z "$reports" ] || status="valgrind reported errors"
    if [ "$status" = ok ]; then
        passed=$((passed + 1))
        echo "ok   $t"
    else
        failed=$((failed + 1))
        echo "FAIL $t: $status"
        tail -n 5 "$log" | sed 's/^/    /'
        for r in $reports; do
            echo "    $r:"
            head -n 20 "$r" | sed 's/^/      /'
        done
    fi
done
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
