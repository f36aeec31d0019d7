#!/bin/sh
# make fuzz-selftest: `make fuzz` is green on the catalogue as shipped and red,
# naming the broken promise, when softmax.shifted forgets to subtract the
# maximum.  Works on a copy of the tree (the copy is built once: about a
# minute); the search engine alone, on softmax.shifted in fp16 and bf16.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "fuzz-selftest: FAIL: $*"; [ -f "$tmp/log" ] && tail -n 20 "$tmp/log"; exit 1; }

mkdir "$tmp/tree" || fail "cannot create $tmp/tree"
tar --exclude=./build --exclude=./reports --exclude=./.git -cf - . | (cd "$tmp/tree" && tar xf -) ||
    fail "cannot copy the tree"
cd "$tmp/tree" || fail "no copy"
# The copy is built in its own directory, whatever BUILD the caller's make had.
run() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory BUILD="$tmp/build" fuzz \
        FUZZ_ENGINES=search FUZZ_TARGETS=softmax.shifted FUZZ_POLICIES="fp16 bf16" \
        FUZZ_SECONDS=6 FUZZ_OUT="$tmp/reports" > "$tmp/log" 2>&1
}

run || fail "make fuzz is red on the catalogue as shipped"

# Forget the shift: e^{x_i - 0 m}, that is e^{x_i} on finite rows, instead
# of e^{x_i - m}, in softmax.shifted only (m stays used: -Werror).
sed -i '/^static void softmax_shifted_forward/,/^}/ s/ns_sub(op, x\[i\], m)/ns_sub(op, x[i], 0 * m)/' \
    normalizers/softmax.c
sed -n '/^static void softmax_shifted_forward/,/^}/p' normalizers/softmax.c | grep -q '0 \* m' ||
    fail "could not remove the shift: has normalizers/softmax.c changed?"
run
status=$?
# fuzz/run.sh exits 1; make reports a failed recipe with its own status, 2.
[ "$status" -ne 0 ] || fail "make fuzz passed on a softmax.shifted without its shift"
grep -q "softmax.shifted fp16 breaks its contract: nan (overflow)" "$tmp/log" ||
    fail "the message does not name the broken promise"
echo "fuzz-selftest: passed (green as shipped, red when softmax.shifted forgets its shift)"
grep "breaks its contract" "$tmp/log" | head -n 3
