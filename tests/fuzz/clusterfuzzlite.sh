# The ClusterFuzzLite / OSS-Fuzz build (.clusterfuzzlite/build.sh), run as
# their `compile` runs it (make fuzz-clusterfuzzlite): clang, the libFuzzer
# engine, AddressSanitizer and then UndefinedBehaviorSanitizer (CFLAGS as
# OSS-Fuzz sets them for each; CFL_SANITIZERS chooses), OUT a new directory.  Claims: every target of the pairs asked for and every reader
# fuzzer is there with its .options, .dict and seed corpus zip, and nothing
# else; a pair target runs its built-in pair from its seed corpus for a few
# seconds, finding relu.norm fp16's listed hazards without aborting on them
# (only a broken promise aborts); a reader target runs from its seeds.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v clang >/dev/null 2>&1 || fail "clang is not installed (mk/deps.sh fuzz)"

export CC=clang
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
# OSS-Fuzz's flags (infra/base-images/base-clang/Dockerfile, SANITIZER_FLAGS_*)
flags_address="-fsanitize=address -fsanitize-address-use-after-scope"
ub_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr
ub_fatal=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
flags_undefined="-fsanitize=$ub_checks -fno-sanitize-recover=$ub_fatal"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for san in ${CFL_SANITIZERS:-address undefined}; do
    eval "sflags=\$flags_$san"
    export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $sflags -fsanitize=fuzzer-no-link"
    export OUT=$T/$san/out WORK=$T/$san/work
    mkdir -p "$OUT" "$WORK"
    FUZZ_TARGETS="relu.norm softmax.shifted" FUZZ_POLICIES="fp16 bf16" MAKE_JOBS=${MAKE_JOBS:-2} \
        bash .clusterfuzzlite/build.sh > "$T/$san/build.log" 2>&1 || fail "build.sh exited $?: $(tail -n 20 "$T/$san/build.log")"

    pairs="normstab_relu_norm_fp16 normstab_relu_norm_bf16 normstab_softmax_shifted_fp16 normstab_softmax_shifted_bf16"
    readers=$(for f in fuzz-readers/*.c; do printf 'normstab_read_%s ' "$(basename "$f" .c)"; done)
    for t in $pairs $readers; do
        [ -x "$OUT/$t" ] || fail "no target $t"
        grep -q '^\[libfuzzer\]' "$OUT/$t.options" || fail "$t.options is not an options file"
        [ -s "$OUT/$t.dict" ] || fail "no $t.dict"
    done
    for t in $pairs; do
        unzip -l "$OUT/${t}_seed_corpus.zip" | grep -q 'seed-0$' || fail "the seed corpus of $t has no seed-0"
    done
    unzip -l "$OUT/normstab_read_rows_seed_corpus.zip" > /dev/null || fail "no seed corpus for the rows reader"
    [ "$(ls "$OUT"/normstab_* | grep -c -v '\.\(options\|dict\|zip\)$')" -eq $(( 4 + $(echo $readers | wc -w) )) ] ||
        fail "unexpected targets: $(ls "$OUT")"

    # A pair target runs its built-in pair from its seeds, as the runner does.
    run() {   # TARGET SECONDS
        mkdir -p "$T/$san/corpus-$1"
        (cd "$T/$san/corpus-$1" && unzip -q -o "$OUT/${1}_seed_corpus.zip")
        "$OUT/$1" -max_total_time="$2" -dict="$OUT/$1.dict" -timeout=30 -max_len=16384 \
            "$T/$san/corpus-$1" > "$T/$san/$1.log" 2>&1
    }
    run normstab_relu_norm_fp16 4 || fail "normstab_relu_norm_fp16 exited $?: $(tail -n 20 "$T/$san/normstab_relu_norm_fp16.log")"
    grep -q 'Done [0-9]* runs' "$T/$san/normstab_relu_norm_fp16.log" || fail "the pair target did not run: $(tail -n 5 "$T/$san/normstab_relu_norm_fp16.log")"
    # its findings (stderr, JSON lines) are relu.norm fp16's: the pair is built in
    grep -q '"normalizer":"relu.norm","policy":"fp16"' "$T/$san/normstab_relu_norm_fp16.log" ||
        fail "the target found nothing of relu.norm fp16 (its listed hazards)"
    ! grep -q '"normalizer":"softmax' "$T/$san/normstab_relu_norm_fp16.log" || fail "the target ran another pair"
    run normstab_read_rows 3 || fail "normstab_read_rows exited $?: $(tail -n 20 "$T/$san/normstab_read_rows.log")"
    echo "fuzz-clusterfuzzlite: $san passed ($(ls "$OUT" | grep -c '\.options$') targets)"
done
