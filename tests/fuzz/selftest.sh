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
run() {
    make --no-print-directory fuzz FUZZ_ENGINES=search FUZZ_TARGETS=softmax.shifted \
        FUZZ_POLICIES="fp16 bf16" FUZZ_SECONDS=6 > "$tmp/log" 2>&1
}

run || fail "make fuzz is red on the catalogue as shipped"

# Forget the shift: e^{x_i} instead of e^{x_i - m}, in softmax.shifted only.
sed -i '/^static void softmax_shifted_forward/,/^}/ s/ns_sub(op, x\[i\], m)/x[i]/' normalizers/softmax.c
sed -n '/^static void softmax_shifted_forward/,/^}/p' normalizers/softmax.c | grep -q 'ns_exp(op, x\[i\])' ||
    fail "could not remove the shift: has normalizers/softmax.c changed?"
run
status=$?
[ "$status" -eq 1 ] || fail "make fuzz exited $status on a softmax.shifted without its shift"
grep -q "softmax.shifted fp16 breaks its contract: nan (overflow)" "$tmp/log" ||
    fail "the message does not name the broken promise"
echo "fuzz-selftest: passed (green as shipped, red when softmax.shifted forgets its shift)"
grep "breaks its contract" "$tmp/log" | head -n 3
