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

# SPEC section 6 by hand: e4m3 ties 464 to 448 and gives NaN beyond, or
# 448 saturated; e5m2 ties 61440 up to inf; e4m3fnuz has no -0; e2m1 (max 6)
# saturates and ties 5 to 4 (even mantissa).
expect_out "0x1.cp+8
nan
nan
0x1.cp+8
0x1.cp+8
inf
0x0p+0
0x1p+2
0x1.8p+2" sh -c "printf '464 465\ninf\n' | $B round -f e4m3; printf '465 inf\n' | $B round -f e4m3+sat;
                 printf '61440\n' | $B round -f e5m2; printf -- '-0\n' | $B round -f e4m3fnuz;
                 printf '5 1e9\n' | $B round -f e2m1"
# +ftz flushes a subnormal result; +daz leaves a conversion alone.
expect_out "0x0p+0
-0x0p+0
0x1p-20" sh -c "printf '0x1p-20 -0x1p-20\n' | $B round -f fp16+ftz; printf '0x1p-20\n' | $B round -f fp16+daz"
# +sr: each result is a neighbour (1.3 lies between 1 and 1.5 in e2m1), the
# same for a seed, one stream per line (line 2 repeats line 1's values with
# its own draws).
a=$(printf '1.3 1.3 1.3 1.3 1.3 1.3 1.3 1.3
' | $B round -f e2m1+sr --seed 7 | sort -u | tr '
' ' ')
[ "$a" = "0x1.8p+0 0x1p+0 " ] || fail "e2m1+sr of 1.3 gave $a, expected both neighbours"
s1=$(printf '1.3 1.3 1.3 1.3
1.3 1.3 1.3 1.3
' | $B round -f e2m1+sr --seed 7)
s2=$(printf '1.3 1.3 1.3 1.3
1.3 1.3 1.3 1.3
' | $B round -f e2m1+sr --seed 7)
[ "$s1" = "$s2" ] || fail "e2m1+sr --seed 7 differs between two runs"
expect_error 2 "unknown modifier '+fast' in 'e4m3+fast'" $B round -f e4m3+fast
expect_error 2 "modifier '+sat' given twice" $B round -f e4m3+sat+sat
expect_error 2 "'fp64+sr': stochastic rounding" $B round -f fp64+sr
expect_error 2 "seed '-1': expected a non-negative integer" $B round -f fp16 --seed -1

# MX: a block of 4 e2m1 elements shares 2^(floor(log2 1000) - 2) = 2^7;
# 1000/128 saturates to 6, 1/128 is lost; the next block's scale is 2^0.
# Blocks restart on each line (1 alone: scale 2^-2); a NaN spoils its block,
# not the next line's.
expect_out "0x0p+0
0x0p+0
0x0p+0
0x1.8p+9
0x0p+0
0x1.8p+2
0x1p+0
nan
nan
0x1p+1" sh -c "printf '1 2 3 1000 0.001 7\n1\n' | $B round -f mxfp4-e2m1 --block 4;
                 printf '1 nan\n2\n' | $B round -f mxint8"
# The default block is 32: 0.001 next to 1000 is lost in mxfp8-e4m3 (1000 -> 896).
expect_out "0x1.cp+9
0x0p+0" sh -c "printf '1000 0.001\n' | $B round -f mxfp8-e4m3"
expect_error 2 "unknown format 'mxfp9'" $B round -f mxfp9
expect_error 2 "takes +sr only" $B round -f mxint8+sat
expect_error 2 "block '0': expected a block size from 1 to 65536" $B round -f mxint8 --block 0
expect_error 2 "block '99999999999': expected a block size" $B round -f mxint8 --block 99999999999
expect_error 2 "block applies to the MX formats, not to 'fp16'" $B round -f fp16 --block 4

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
