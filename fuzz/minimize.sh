#!/bin/sh
# Shrinks the corpora of a fuzzing campaign (FUZZ_SYNC, fuzz/run.sh) to the
# inputs that keep their coverage, so that the next campaign starts from a
# small corpus.  Called by `make fuzz-minimize`; run it while no machine of
# the campaign is fuzzing.  The environment says what:
#   FUZZ_SYNC      the campaign's shared directory (required)
#   FUZZ_BUILD     where the engines were built      (build/fuzz)
#   FUZZ_POLICIES  policies                          (fp16 bf16 fp32)
#   FUZZ_TARGETS   algorithms                        (every one of the catalogue)
#   NORMSTAB       the normstab binary               (build/normstab)
#
# For each pair, the inputs of FUZZ_SYNC/corpus/PAIR (libFuzzer's shared
# corpus) and of every AFL++ instance's queue in FUZZ_SYNC/afl/PAIR are
# merged by libFuzzer (-merge=1) into a new FUZZ_SYNC/corpus/PAIR, or, when
# only AFL++ was built, by afl-cmin.  The AFL++ instances' queues are then
# removed (their crashes move to FUZZ_SYNC/crashes/PAIR/): the next AFL++
# run starts afresh from the small corpus.  The old corpus is replaced only
# once the new one is complete; one line per pair says the sizes.
set -u
B=${NORMSTAB:-build/normstab}
FB=${FUZZ_BUILD:-build/fuzz}
sync=${FUZZ_SYNC:-}
policies=${FUZZ_POLICIES:-fp16 bf16 fp32}
targets=${FUZZ_TARGETS:-}

die() { echo "fuzz/minimize.sh: $*" >&2; exit 2; }
. "$(dirname "$0")/afl_files.sh"
[ -n "$sync" ] || die "FUZZ_SYNC is not set (the campaign's shared directory)"
[ -d "$sync" ] || die "FUZZ_SYNC=$sync: no such directory"
if [ -x "$FB/libfuzzer/normstab-fuzz" ]; then
    tool=libfuzzer
elif [ -x "$FB/afl/normstab-afl" ] && command -v afl-cmin >/dev/null 2>&1; then
    tool=afl-cmin
else
    die "neither $FB/libfuzzer/normstab-fuzz nor $FB/afl/normstab-afl with afl-cmin is built (make fuzz-build)"
fi
if [ -z "$targets" ]; then
    [ -x "$B" ] || die "$B is missing (make)"
    targets=$("$B" list normalizers | cut -f1)
fi

count() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

status=0
for t in $targets; do
    for p in $policies; do
        pair=$t-$p
        corpus=$sync/corpus/$pair
        [ -d "$corpus" ] || [ -d "$sync/afl/$pair" ] || continue
        # every input of the pair, once
        all=$sync/.minimize-$pair
        new=$sync/.minimized-$pair
        rm -rf "$all" "$new"
        mkdir -p "$all" "$new"
        [ -d "$corpus" ] && find "$corpus" -maxdepth 1 -type f -exec cp {} "$all/" \;
        afl_copy "$sync/afl/$pair" queue "$all"
        before=$(count "$all")
        if [ "$tool" = libfuzzer ]; then
            NS_FUZZ_TARGET=$t NS_FUZZ_POLICY=$p \
                "$FB/libfuzzer/normstab-fuzz" -merge=1 -max_len=16384 -timeout=30 "$new" "$all" \
                > "$sync/.minimize-$pair.log" 2>&1
        else
            NS_FUZZ_TARGET=$t NS_FUZZ_POLICY=$p AFL_QUIET=1 \
                afl-cmin -i "$all" -o "$new" -m none -t 5000 -- "$FB/afl/normstab-afl" \
                > "$sync/.minimize-$pair.log" 2>&1
        fi
        rc=$?
        after=$(count "$new")
        if [ "$rc" -ne 0 ] || { [ "$after" -eq 0 ] && [ "$before" -gt 0 ]; }; then
            echo "fuzz-minimize: $pair: $tool failed (status $rc; see $sync/.minimize-$pair.log); corpus kept" >&2
            rm -rf "$all" "$new"
            status=1
            continue
        fi
        # the crashes stay; the queues, now in the corpus, go
        afl_copy "$sync/afl/$pair" crashes "$sync/crashes/$pair"
        rm -rf "$corpus.old"
        [ -d "$corpus" ] && mv "$corpus" "$corpus.old"
        mkdir -p "$sync/corpus" && mv "$new" "$corpus" || { status=1; continue; }
        rm -rf "$corpus.old" "$all" "$sync/afl/$pair" "$sync/.minimize-$pair.log"
        echo "fuzz-minimize: $pair: $before inputs -> $after ($tool)"
    done
done
exit $status
