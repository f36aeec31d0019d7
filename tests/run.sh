#!/bin/sh
# Runs every test: the Criterion unit tests, then the command-line tests
# (tests/cli/*.sh).  Prints one closing line "N passed, N failed".
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

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
