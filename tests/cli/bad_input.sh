# Hostile input for every reader: text rows, .npy files, gradient rows, the
# options.  Each case must exit 2 with one line on stderr naming what and where
# (file, line, column or byte offset).  Binary files are written with printf.
. tests/cli/lib.sh

cases=0
bad() {     # bad PATTERN CMD...: exit 2, one stderr line matching PATTERN
    expect_error 2 "$@"
    cases=$((cases + 1))
}
R="$B round -f fp16"
E="$B eval -n softmax.shifted -p fp32"

# ---- text rows ---------------------------------------------------------------
rows() { printf -- "$1" > "$T/rows"; }     # rows PRINTF-FORMAT: writes $T/rows
rows 'abc\n';               bad "$T/rows:1:1: not a number: 'abc'" $R -i "$T/rows"
rows '1 2\n3 4x 5\n';       bad "$T/rows:2:3: not a number: '4x'" $R -i "$T/rows"
rows '1,,2\n';              bad "$T/rows:1:3: empty field$" $R -i "$T/rows"
rows ',1\n';                bad "$T/rows:1:1: empty field$" $R -i "$T/rows"
rows '1, ,2\n';             bad "$T/rows:1:4: empty field$" $R -i "$T/rows"
rows '1 2,\n';              bad "$T/rows:1:5: empty field after ','" $R -i "$T/rows"
rows '1, # c\n';            bad "$T/rows:1:4: empty field after ','" $R -i "$T/rows"
rows '1 \0002\n';           bad "$T/rows:1:3: NUL byte in the row" $R -i "$T/rows"
rows '1 # a\000b\n';        bad "$T/rows:1:6: NUL byte in a comment" $R -i "$T/rows"
rows '0x1.8q3\n';           bad "$T/rows:1:1: not a number: '0x1.8q3'" $R -i "$T/rows"
rows '1 0x\n';              bad "$T/rows:1:3: not a number: '0x'" $R -i "$T/rows"
rows '0xg1\n';              bad "$T/rows:1:1: not a number: '0xg1'" $R -i "$T/rows"
rows '0x1p\n';              bad "$T/rows:1:1: not a number: '0x1p'" $R -i "$T/rows"
rows '1 - 2\n';             bad "$T/rows:1:3: a sign without a number: '-'" $R -i "$T/rows"
rows '+\n';                 bad "$T/rows:1:1: a sign without a number: '+'" $R -i "$T/rows"
rows '1e\n';                bad "$T/rows:1:1: not a number: '1e'" $R -i "$T/rows"
rows '1.2.3\n';             bad "$T/rows:1:1: not a number: '1.2.3'" $R -i "$T/rows"
rows '--1\n';               bad "$T/rows:1:1: not a number: '--1'" $R -i "$T/rows"
rows 'nan(1)\n';            bad "$T/rows:1:1: not a number: 'nan(1)'" $R -i "$T/rows"
rows 'infinit\n';           bad "$T/rows:1:1: not a number: 'infinit'" $R -i "$T/rows"
rows '1e999\n';             bad "$T/rows:1:1: magnitude beyond binary64: '1e999'" $R -i "$T/rows"
rows '2 -1e99999999999999999999\n'
bad "$T/rows:1:3: magnitude beyond binary64: '-1e99999999999999999999'" $R -i "$T/rows"
rows '0x1p99999\n';         bad "$T/rows:1:1: magnitude beyond binary64: '0x1p99999'" $R -i "$T/rows"
# Control bytes are shown escaped, so the message stays one clean line.
rows '1 \033[31m\n';        bad "$T/rows:1:3: not a number: '\\\\x1b.31m'" $R -i "$T/rows"
rows '\357\273x\n';         bad "$T/rows:1:1: not a number: '\\\\xef\\\\xbbx'" $R -i "$T/rows"
head -c 1025 /dev/zero | tr '\0' 7 > "$T/rows"
bad "$T/rows:1:1: number longer than 1024 characters: '7777" $R -i "$T/rows"
# Standard input names itself; endless input of NUL bytes stops at the first.
bad "<stdin>:1:3: not a number: 'x'" sh -c "printf '1 x\n' | $R"
bad "/dev/zero:1:1: NUL byte in the row" $R -i /dev/zero

# ---- files ---------------------------------------------------------------------
bad "$T/missing: cannot open: No such file or directory" $R -i "$T/missing"
bad "$T: cannot read: Is a directory" $R -i "$T"
bad "/proc/self/mem: cannot read: Input/output error" $R -i /proc/self/mem
bad "$T/missing: cannot open: No such file or directory" $E -i /dev/null -g "$T/missing"
# An unreadable file: as root, checked as the user nobody when that works.
mkdir "$T/locked" && printf '1\n' > "$T/locked/rows" && chmod 755 "$T" "$T/locked" && chmod 000 "$T/locked/rows"
if [ "$(id -u)" != 0 ]; then
    bad "$T/locked/rows: cannot open: Permission denied" $R -i "$T/locked/rows"
elif setpriv --reuid=65534 --regid=65534 --clear-groups $B --version > /dev/null 2>&1; then
    bad "$T/locked/rows: cannot open: Permission denied" \
        setpriv --reuid=65534 --regid=65534 --clear-groups $R -i "$T/locked/rows"
else
    echo "skipped: unreadable file (root, and the user nobody cannot run $B)"
fi

# ---- .npy ------------------------------------------------------------------------
# npy FILE HEADER [DATA] [MAJOR]: magic, version MAJOR.0, the header length
# (2 bytes, or 4 from version 2 on, little-endian), HEADER, then DATA (printf).
npy() {
    f=$1 h=$2 d=${3:-} major=${4:-1}
    n=$(printf '%s' "$h" | wc -c)
    {
        printf '\223NUMPY'
        printf "\\$(printf %o "$major")\\000"
        printf "\\$(printf %o $((n % 256)))\\$(printf %o $((n / 256)))"
        [ "$major" = 1 ] || printf '\000\000'
        printf '%s' "$h"
        printf "$d"
    } > "$f"
}
hdr() { printf "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" "$1" "$2" "$3"; }
# Offsets: the dict starts at byte 10 (version 1); in hdr's text 'descr''s
# value starts 10 characters in and 'shape''s 50 (for a 3-character descr).
F32_12='\000\000\200\077\000\000\000\100'           # 1.0f, 2.0f little-endian

printf '\223NUMPX\001\000' > "$T/a.npy"
bad "$T/a.npy: byte offset 5: not a .npy file: byte 0x58 where the magic string" $R -i "$T/a.npy"
printf '\223NUM' > "$T/a.npy"
bad "$T/a.npy: byte offset 4: the file ends inside the .npy magic string" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(2,)')" "$F32_12" 4
bad "$T/a.npy: byte offset 6: unsupported .npy version 4.0" $R -i "$T/a.npy"
printf '\223NUMPY\001\001\010\000' > "$T/a.npy"
bad "$T/a.npy: byte offset 6: unsupported .npy version 1.1" $R -i "$T/a.npy"
printf '\223NUMPY\002\000\010\000' > "$T/a.npy"
bad "$T/a.npy: byte offset 10: the file ends inside the header length" $R -i "$T/a.npy"
printf '\223NUMPY\002\000\377\377\377\377' > "$T/a.npy"
bad "$T/a.npy: byte offset 8: header length 4294967295 beyond the limit of 65536 bytes" $R -i "$T/a.npy"
printf '\223NUMPY\001\000\000\002{}' > "$T/a.npy"
bad "$T/a.npy: byte offset 12: the file ends inside the header (2 of 512 bytes)" $R -i "$T/a.npy"
npy "$T/a.npy" ""
bad "$T/a.npy: byte offset 10: expected '{' in the header, found the end of the header" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(2,)')" '\000\000\200\077'
bad "$T/a.npy: byte offset 71: the file ends inside the data: shape (2,) of 4-byte values needs 8 bytes" \
    $R -i "$T/a.npy"
bad "<stdin>: byte offset 71: the file ends inside the data" sh -c "cat '$T/a.npy' | $R"
npy "$T/a.npy" "$(hdr '<f4' False '(2,)')" "$F32_12\\000"
bad "$T/a.npy: byte offset 75: bytes after the end of the data" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<i4' False '(2,)')" "$F32_12"
bad "$T/a.npy: byte offset 20: unsupported dtype '<i4' (signed integers): only float16, float32" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '|u1' False '(2,)')" '\001\002'
bad "$T/a.npy: byte offset 20: unsupported dtype '|u1' (unsigned integers)" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<c8' False '(1,)')" "$F32_12"
bad "$T/a.npy: byte offset 20: unsupported dtype '<c8' (complex numbers)" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '|V2' False '(1,)')" '\000\000'
bad "$T/a.npy: byte offset 20: unsupported dtype '|V2' (raw bytes (bfloat16" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '|O' False '(1,)')" '\000\000\000\000\000\000\000\000'
bad "$T/a.npy: byte offset 20: unsupported dtype '|O' (Python objects)" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '|f4' False '(2,)')" "$F32_12"
bad "$T/a.npy: byte offset 20: dtype '|f4': a float of 4 bytes needs the byte order" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f16' False '(1,)')" "$F32_12$F32_12"
bad "$T/a.npy: byte offset 20: unsupported dtype '<f16' (a float of that size)" $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }" "$F32_12"
bad "$T/a.npy: byte offset 20: structured dtypes (a list as 'descr') are not supported" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(1, 1, 2)')" "$F32_12"
bad "$T/a.npy: byte offset 60: 3-D array of shape (1, 1, 2): only 0-D, 1-D and 2-D arrays are read" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(0, 3)')"
bad "$T/a.npy: byte offset 60: empty array of shape (0, 3): every dimension must be at least 1" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(0,)')"
bad "$T/a.npy: byte offset 60: empty array of shape (0,)" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(-2,)')" "$F32_12"
bad "$T/a.npy: byte offset 61: negative dimension in the shape" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(2)')" "$F32_12"
bad "$T/a.npy: byte offset 62: shape (2) is a number, not a tuple: a 1-D shape is written (2,)" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(1152921504606846976, 16)')" "$F32_12"
bad "$T/a.npy: byte offset 60: shape (1152921504606846976, 16) of 4-byte values: more data than the limit" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(99999999999999999999999,)')" "$F32_12"
bad "$T/a.npy: byte offset 61: dimension beyond the range of size_t" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f2' False '(16777217,)')"
bad "$T/a.npy: byte offset 60: rows of 16777217 values in shape (16777217,): longer than the limit of 16777216" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr': '<f4', 'dtype': '<f4', 'shape': (2,), }" "$F32_12"
bad "$T/a.npy: byte offset 27: unknown key 'dtype' in the header" $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}" "$F32_12"
bad "$T/a.npy: byte offset 27: key 'descr' given twice in the header" $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr': '<f4', 'fortran_order': False}" "$F32_12"
bad "$T/a.npy: byte offset 10: the header has no 'shape'" $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' 1 '(2,)')" "$F32_12"
bad "$T/a.npy: byte offset 44: expected True or False for 'fortran_order' in the header, found '1'" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "$(hdr '<f4' False '(2,)') }" "$F32_12"
bad "$T/a.npy: byte offset 68: expected nothing but spaces after the dict in the header, found '}'" \
    $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr' '<f4'}" "$F32_12"
bad "$T/a.npy: byte offset 19: expected ':' in the header, found '''" $R -i "$T/a.npy"
npy "$T/a.npy" "{'descr': '<f4" "$F32_12"
bad "$T/a.npy: byte offset 20: unterminated string in the header" $R -i "$T/a.npy"
npy "$T/a.npy" "{'de\\scr': '<f4'}" "$F32_12"
bad "$T/a.npy: byte offset 14: escape sequences in header strings are not supported" $R -i "$T/a.npy"
printf "\\223NUMPY\\001\\000\\011\\000{'descr\\000'" > "$T/a.npy"        # a NUL in the key
bad "$T/a.npy: byte offset 17: byte 0x00 in a header string" $R -i "$T/a.npy"
# A version 3.0 (UTF-8) header whose key is not ASCII.
npy "$T/a.npy" "{'descr': '<f4', 'fortran_ordér': False, 'shape': (2,)}" "$F32_12" 3
bad "$T/a.npy: byte offset 41: byte 0xc3 in a header string" $R -i "$T/a.npy"

# ---- gradient rows -----------------------------------------------------------
printf '1 2 3\n4 5 6\n' > "$T/x"
printf '1 2 3\n4 5\n' > "$T/g"
bad "$T/g:2: gradient row has 2 numbers, $T/x:2 has 3" $E -i "$T/x" -g "$T/g"
printf '1 2 3\n' > "$T/g"
bad "$T/g: no gradient row for $T/x:2" $E -i "$T/x" -g "$T/g"
printf '1 2 3\n4 5 6\n7 8 9\n' > "$T/g"
bad "$T/g:3: a gradient row after the last row of $T/x" $E -i "$T/x" -g "$T/g"
printf '1 2 3\n4 z 6\n' > "$T/g"
bad "$T/g:2:3: not a number: 'z'" $E -i "$T/x" -g "$T/g"
bad "eval: -i and -g cannot both read standard input" $E -g -
npy "$T/x.npy" "$(hdr '<f4' False '(1, 2)')" "$F32_12"
npy "$T/g.npy" "$(hdr '<f4' False '(2, 1)')" "$F32_12"
bad "$T/g.npy: shape (2, 1) differs from shape (1, 2) of $T/x.npy" $E -i "$T/x.npy" -g "$T/g.npy"
bad "$T/g.npy row 1: gradient row has 1 numbers, $T/x:1 has 3" $E -i "$T/x" -g "$T/g.npy"

# ---- options -------------------------------------------------------------------
if $B list normalizers | grep -q '^spherical	'; then
    S="$B eval -n spherical -p fp32 -i $T/x"
    bad "--param 'eps=abc': 'abc' is not a number" $S --param eps=abc
    bad "--param 'eps=': '' is not a number" $S --param eps=
    bad "--param 'eps= 1': not a number" $S --param 'eps= 1'
    bad "--param 'eps=1e999': magnitude beyond binary64" $S --param eps=1e999
    bad "--param 'tau': unknown for spherical (known: eps)" $S --param tau=1
    bad "--param 'eps' given twice" $S --param eps=1 --param eps=2
else
    echo "skipped: --param values (no family with a parameter)"
fi
bad "--param '=1': expected KEY=VALUE" $E --param =1
bad "--param 'eps': expected KEY=VALUE" $E --param eps
bad "--param 'eps': softmax takes no parameters" $E --param eps=1
bad "eval: option -n given twice" $E -n softmax.lse
bad "eval: option -p given twice" $E -p fp16
bad "eval: option -i given twice" $E -i "$T/x" -i "$T/x"
bad "eval: option --sum given twice" $E --sum seq --sum kahan
bad "eval: option '-n' needs a value" $B eval -p fp32 -n
bad "eval: option '--policy' needs a value" $B eval -n softmax.shifted --policy
bad "eval: unknown option '--frobnicate'" $E --frobnicate
bad "eval: unknown option '-Z'" $E -Zi "$T/x"
bad "eval: option '--json' takes no value" $E --json=1
bad "eval: unexpected argument 'extra'" $E extra
bad "eval: -n NAME is required" $B eval -p fp32
bad "eval: unknown normalizer ''" $B eval -n '' -p fp32
bad "check: unknown policy 'fp8'" $B check -n softmax.shifted -p fp8
bad "round: option '-f' needs a value" $B round -f
bad "round: unknown format 'FP16'" $B round -f FP16
bad "unknown command 'evaluate'" $B evaluate

# ---- finding files (normstab replay; more in replay.sh) ----------------------
finding() { printf '{"normalizer":"softmax.naive","policy":"fp16","kind":"nan","x":["0x1p+0"],%s}\n' "$1" > "$T/f"; }
finding '"seed":-3';        bad "replay: $T/f:1: field 'seed': -3 is not a count (0 to 2^64)" $B replay "$T/f"
finding '"evals":1e300';    bad "replay: $T/f:1: field 'evals': 1e+300 is not a count (0 to 2^64)" $B replay "$T/f"

# ---- search checkpoints (more in interrupt_search.sh) --------------------------
S="$B search -n softmax.naive -p fp16 --objective nan --evals 100"
printf '{"checkpoint":"normstab search 1","options":"x' > "$T/ck"
bad "$T/ck: not a whole checkpoint (truncated at byte 46)" $S --checkpoint "$T/ck" --resume
printf '[1,2]\n' > "$T/ck"
bad "$T/ck: not a checkpoint of this version of normstab search" $S --checkpoint "$T/ck" --resume
printf '{"checkpoint":"normstab search 1"}\000\n' > "$T/ck"
bad "$T/ck: not a checkpoint (a NUL byte at byte 34)" $S --checkpoint "$T/ck" --resume
printf '{"checkpoint":"normstab search 1","options":"seed=1"}\n' > "$T/ck"
bad "$T/ck: made by a run with other options or seed" $S --checkpoint "$T/ck" --resume
bad "search: --resume needs --checkpoint FILE" $S --resume
bad "search: --checkpoint-every needs --checkpoint FILE" $S --checkpoint-every 5
bad "search: --checkpoint-every 0: expected at least 1" $S --checkpoint "$T/ck" --checkpoint-every 0

echo "bad-input cases: $cases"
[ "$cases" -ge 50 ] || fail "only $cases bad-input cases"
exit 0
