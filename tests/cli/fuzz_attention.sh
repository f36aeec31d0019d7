# make fuzz searches the attention kernels too (fuzz/run.sh, FUZZ_ATTENTION
# seconds per kernel and objective, FUZZ_KERNELS): one second on the
# textbook kernel in fp16 finds the score overflow of PyTorch #119131 (q . k
# beyond 65504 becomes inf, then NaN), a declared hazard: the run passes,
# the finding is "expected" and replays from its own line.
. tests/cli/lib.sh

FB=$BDIR/fuzz
N=${B##* }
NORMSTAB=$N FUZZ_BUILD=$FB FUZZ_OUT=$T/out FUZZ_ENGINES=search FUZZ_TARGETS=relu.norm \
FUZZ_POLICIES=fp32 FUZZ_SECONDS=1 FUZZ_ATTENTION=1 FUZZ_KERNELS=textbook \
    sh fuzz/run.sh > "$T/stdout" 2> "$T/stderr" || fail "the run exited $?: $(cat "$T/stderr")"
found=$T/out/attention-findings.jsonl
grep -q "^fuzz: attention, [1-9][0-9]* findings in $found" "$T/stdout" ||
    fail "no attention findings said: $(cat "$T/stdout")"
grep -v '"kernel":"textbook"' "$found" && fail "FUZZ_KERNELS=textbook searched another kernel"
grep '"kind":"nan"' "$found" | grep '"cause":"score overflow"' | head -n 1 > "$T/overflow"
[ -s "$T/overflow" ] || fail "the fp16 score overflow was not found: $(cut -c1-160 "$found")"
grep -q '"verdict":"expected"' "$T/overflow" || fail "a declared hazard is not expected: $(cat "$T/overflow")"
$N attention --finding "$T/overflow" > "$T/replay" 2>&1 || fail "the finding does not replay: $(cat "$T/replay")"
grep -qi 'nan' "$T/replay" || fail "the replay shows no NaN: $(cat "$T/replay")"
# An unknown kernel is one line and exit 2, before anything runs.
FUZZ_KERNELS='textbook bogus' FUZZ_OUT=$T/bad NORMSTAB=$N FUZZ_BUILD=$FB FUZZ_ENGINES=search sh fuzz/run.sh \
    > "$T/bad.out" 2> "$T/err"
[ $? -eq 2 ] || fail "an unknown kernel was accepted"
grep -q "^fuzz/run.sh: FUZZ_KERNELS: unknown kernel 'bogus' (known: .*textbook" "$T/err" || fail "unknown kernel: $(cat "$T/err")"
[ "$(wc -l < "$T/err")" -eq 1 ] || fail "more than one line: $(cat "$T/err")"
exit 0
