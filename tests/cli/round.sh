# normstab round: formats of SPEC section 1, input syntax of SPEC section 4.
. tests/cli/lib.sh

# Hand-derived: 65519 is below the fp16 midpoint 65520 between 65504 and
# 2^16 (which overflows), 65520 is the midpoint and ties to "even" 2^16: inf.
expect_out "0x1.ffcp+15
inf
-inf" sh -c "printf '65519 65520 -65520\n' | $B round -f fp16"
# Subnormal boundaries of fp16: 2^-25 ties to 0, 3*2^-25 to 2^-23, 2^-24 stays.
expect_out "0x0p+0
0x1p-23
0x1p-24
-0x0p+0" sh -c "printf '0x1p-25, 0x1.8p-24\n0x1p-24 -0x1p-26\n' | $B round -f fp16"
# bf16 keeps 8 bits: 1 + 2^-8 ties to 1, 1 + 3*2^-8 to 1 + 2^-6; largest bf16.
expect_out "0x1p+0
0x1.04p+0
0x1.fep+127
inf" sh -c "printf '0x1.01p0 0x1.03p0 0x1.fep127 0x1.ffp127\n' | $B round -f bf16"
# Decimal, any-case specials, comments and blank lines.
expect_out "0x1.99999ap-4
inf
nan
-inf" sh -c "printf '# comment\n\n0.1 INF\nNaN,-Inf # tail\n' | $B round -f fp32"

# Bad input: exit 2, one line naming file, line and column.
printf '1 2\n3 4x 5\n' > "$T/bad"
expect_error 2 "$T/bad:2:3: not a number: '4x'" $B round -f fp16 -i "$T/bad"
expect_error 2 "<stdin>:1:3: empty field" sh -c "printf '1,,2\n' | $B round -f fp16"
expect_error 2 "<stdin>:1:1: a sign without a number" sh -c "printf -- '- 1\n' | $B round -f fp16"
expect_error 2 "magnitude beyond binary64" sh -c "printf '1e999\n' | $B round -f fp16"
expect_error 2 "unknown format 'fp8'" $B round -f fp8
expect_error 2 "FORMAT is required" $B round
expect_error 2 "cannot open" $B round -f fp16 -i "$T/missing"
expect_error 2 "cannot read" $B round -f fp16 -i "$T"
exit 0
