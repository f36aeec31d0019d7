# normstab eval --json: one JSON object per row, with the numbers eval prints
# in words, as %a strings; dx only with -g; a bad row still ends the run with
# status 2 after the objects of the rows before it.
. tests/cli/lib.sh

printf '0 0\n' > "$T/x"
printf '1 0\n' > "$T/g"
expect_out '{"normalizer":"softmax.shifted","policy":"fp32","sum":"seq","input":"'"$T/x"':1","y":["0x1p-1","0x1p-1"]}' \
    $B eval -n softmax.shifted -p fp32 -i "$T/x" --json
expect_out '{"normalizer":"softmax.shifted","policy":"ref","sum":"seq","input":"'"$T/x"':1","y":["0x1p-1","0x1p-1"],"dx":["0x1p-2","-0x1p-2"]}' \
    $B eval -n softmax.shifted -p ref -i "$T/x" -g "$T/g" --json
expect_out '{"normalizer":"softmax.naive","policy":"fp16","sum":"seq","input":"<stdin>:1","y":["nan","0x0p+0"]}' \
    sh -c "echo '11.09375 0' | $B eval -n softmax.naive -p fp16 --json"

# The same numbers as the words, row by row, for every policy.
printf '1 2 3 -inf\n0.1 -7 1e4 0x1p-20\n-300 0\n' > "$T/rows"
for p in $($B list policies | cut -f1); do
    $B eval -n softmax.shifted -p $p -i "$T/rows" > "$T/words" || fail "eval -p $p exited $?"
    $B eval -n softmax.shifted -p $p -i "$T/rows" --json |
        sed 's/.*"y":\[\([^]]*\)\].*/\1/; s/"//g; s/,/ /g' > "$T/json" || fail "eval -p $p --json"
    cmp -s "$T/words" "$T/json" || fail "-p $p: --json gave $(cat "$T/json"), the words $(cat "$T/words")"
done

printf '1 2\n1 x\n' > "$T/bad"
$B eval -n softmax.shifted -p fp32 -i "$T/bad" --json > "$T/out" 2> "$T/err"
[ $? = 2 ] || fail "a bad row: status $?"
[ "$(wc -l < "$T/out")" = 1 ] || fail "a bad row: $(cat "$T/out")"
grep -q "$T/bad:2:3: not a number" "$T/err" || fail "a bad row said $(cat "$T/err")"
exit 0
