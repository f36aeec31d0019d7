#!/bin/sh
# Runs every test: the Criterion unit tests, then the command-line tests
# (tests/cli/*.sh), then the Python package's when it is built.  Prints one closing line "N passed, N failed".
#   tests/run.sh BUILD [unit|cli]
set -u
build=${1:-build}
which=${2:-all}
passed=0
failed=0

if [ "$which" != cli ]; then
    out=$("$build/unit-tests" --jobs 2 2>&1)
    status=$?
    printf '%s\n' "$out" | grep -v '^\[----\]' | tail -n 40
    line=$(printf '%s\n' "$out" | grep 'Synthesis:' | tail -n 1)
    up=$(printf '%s\n' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    uf=$(printf '%s\n' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
    uc=$(printf '%s\n' "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
    passed=$((passed + ${up:-0}))
    failed=$((failed + ${uf:-0} + ${uc:-0}))
    if [ "$status" -ne 0 ] && [ "${uf:-0}${uc:-0}" = 00 ]; then
        failed=$((failed + 1))
    fi
fi

if [ "$which" != unit ]; then
    for t in tests/cli/*.sh; do
        [ -e "$t" ] || continue
        if NORMSTAB="$build/normstab" sh "$t" > "$build/cli-test.log" 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
            echo "FAIL $t"
            sed 's/^/    /' "$build/cli-test.log" | tail -n 20
        fi
    done
fi

# The Python package's tests (python/tests/run.py), when `make python` has
# built the package and Debian's python3 has numpy; the modules that import
# torch run when python3-torch is installed (make test-python installs it).
py=${PYTHON:-/usr/bin/python3}
if [ "$which" = all ] && [ -e "$build/python/normstab/libnormstab.so" ] &&
    "$py" -c 'import numpy' 2>/dev/null; then
    out=$(NORMSTAB="$build/normstab" PYTHONPATH="$build/python" "$py" python/tests/run.py 2>&1)
    status=$?
    line=$(printf '%s\n' "$out" | grep '^python: [0-9]* passed' | tail -n 1)
    pp=$(printf '%s\n' "$line" | sed -n 's/^python: \([0-9]*\) passed.*/\1/p')
    pf=$(printf '%s\n' "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    passed=$((passed + ${pp:-0}))
    failed=$((failed + ${pf:-0}))
    if [ "$status" -ne 0 ]; then
        printf '%s\n' "$out" | tail -n 40
        [ "${pf:-0}" = 0 ] && failed=$((failed + 1))
    else
        printf '%s\n' "$out" | grep '^python: '
    fi
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
