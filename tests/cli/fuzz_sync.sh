# fuzz/run.sh as one machine of a campaign (FUZZ_SYNC, FUZZ_ROLE, FUZZ_ID):
# with the built-in search only, two machines of one campaign search
# different rows (seeds drawn from FUZZ_ID, not both 1), the same machine
# the same ones; a bad role, a bad id, or a role without a sync directory is
# one line and exit 2.  The AFL++ and libFuzzer parts: make fuzz-campaign.
. tests/cli/lib.sh

FB=$BDIR/fuzz
N=${B##* }
run() {   # OUT ROLE ID
    NORMSTAB=$N FUZZ_BUILD=$FB FUZZ_OUT=$T/$1 FUZZ_SYNC=$T/sync FUZZ_ROLE=$2 FUZZ_ID=$3 \
    FUZZ_ATTENTION=0 FUZZ_ENGINES=search FUZZ_TARGETS=relu.norm FUZZ_POLICIES=fp16 FUZZ_SECONDS=1 sh fuzz/run.sh
}
seed() { sed -n 's/.*"summary":true.*"seed":\([0-9]*\).*/\1/p' "$T/$1/fuzz/search/relu.norm-fp16/search-1.jsonl"; }
run a main main > "$T/a.log" 2>&1 || fail "the main exited $?: $(cat "$T/a.log")"
run b secondary b2 > "$T/b.log" 2>&1 || fail "the secondary exited $?: $(cat "$T/b.log")"
run c secondary b2 > "$T/c.log" 2>&1 || fail "the secondary again exited $?: $(cat "$T/c.log")"
sa=$(seed a) sb=$(seed b) sc=$(seed c)
[ -n "$sa" ] && [ -n "$sb" ] || fail "no search summary (seeds '$sa' '$sb')"
[ "$sa" != "$sb" ] || fail "main and secondary searched with the same seed $sa"
[ "$sb" = "$sc" ] || fail "the same FUZZ_ID searched with seeds $sb and $sc"
[ -d "$T/sync" ] || fail "FUZZ_SYNC was not created"

expect_error 2 "FUZZ_ROLE='boss': expected main or secondary" run d boss x
expect_error 2 "FUZZ_ID='a b': expected letters, digits" run d secondary 'a b'
NORMSTAB=$N FUZZ_BUILD=$FB FUZZ_OUT=$T/e FUZZ_ROLE=main FUZZ_ATTENTION=0 FUZZ_ENGINES=search sh fuzz/run.sh > "$T/out" 2> "$T/err"
[ $? -eq 2 ] || fail "FUZZ_ROLE without FUZZ_SYNC was accepted"
grep -q "FUZZ_ROLE and FUZZ_ID need FUZZ_SYNC" "$T/err" || fail "FUZZ_ROLE without FUZZ_SYNC: $(cat "$T/err")"
exit 0
