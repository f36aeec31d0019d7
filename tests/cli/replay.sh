# normstab replay: findings re-run against the current contracts.
. tests/cli/lib.sh

$B replay --help | grep -q '^usage: normstab replay' || fail "replay --help"
expect_error 2 "no FILE given" $B replay
expect_error 2 "replay: $T/missing" $B replay "$T/missing"
printf '{"normalizer":"softmax.naive"\n' > "$T/bad"
expect_error 2 "$T/bad:1: not a JSON object" $B replay "$T/bad"
printf '{"normalizer":"softmax.naive","policy":"fp16","kind":"nan","x":["zero"]}\n' > "$T/badx"
expect_error 2 "field 'x'" $B replay "$T/badx"

# Findings of a search replay as expected; the summary line is skipped.
$B search -n softmax.naive -p fp16 --objective nan --evals 2000 --json > "$T/f" || fail "search"
$B replay "$T/f" > "$T/out" || fail "replay exited $?"
grep -q '^softmax.naive fp16 nan (overflow): expected' "$T/out" || fail "$(cat "$T/out")"
n=$(grep -vc '"summary"' "$T/f")
grep -q "^$n findings replayed, 0 breaking a contract" "$T/out" || fail "$(tail -n 1 "$T/out")"

# A row that no longer fails is fixed; --json gives the new verdict and the old.
printf '{"normalizer":"softmax.naive","policy":"fp16","kind":"nan","cause":"overflow","x":["0x1p+0","0x0p+0"],"verdict":"expected"}\n' > "$T/fixed"
expect_out "softmax.naive fp16 nan (overflow): fixed
1 findings replayed, 0 breaking a contract" $B replay "$T/fixed"
$B replay --json "$T/fixed" | grep -q '"verdict":"fixed".*"was":"expected"' || fail "replay --json"

# A finding that still breaks a contract: exit 1 (entmax15 outside alpha 1.5).
$B search -n entmax15 -p fp32 --param alpha=2 --objective nan --evals 200 --json > "$T/e"
$B replay "$T/e" > "$T/out"
[ $? -eq 1 ] || fail "replay of a broken finding did not exit 1"
grep -q ': broken' "$T/out" || fail "$(cat "$T/out")"
exit 0
