#!/bin/bash -eu
# The build of ClusterFuzzLite / OSS-Fuzz (their `compile` runs it in the
# source directory): honours $CC, $CFLAGS ($CXX, $CXXFLAGS for the link when
# set), $LIB_FUZZING_ENGINE and $OUT, and writes into $OUT, for each target,
# the binary, NAME.options, NAME.dict and NAME_seed_corpus.zip:
#   normstab_ALG_POLICY   the libFuzzer harness of fuzz/targets/ with the pair
#                         built in (dots and dashes read as _), aborting on a
#                         finding that breaks the contract (a crash is what
#                         these services report); seeds of `replay --seeds`
#   normstab_read_READER  the reader fuzzers of fuzz-readers/, seeds from
#                         fuzz-readers/seeds/READER
# FUZZ_TARGETS and FUZZ_POLICIES choose the pairs (default: every algorithm
# of the catalogue in fp16, bf16 and fp32); MAKE_JOBS the parallel compiles
# (default: every CPU); WORK the scratch directory (default: a new one).
# The libraries the targets link are static where Debian ships them so
# (GMP, MPFR, MPFI); libcjson is copied into $OUT/lib.
: "${CC:?}" "${CFLAGS:?}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
here=$(cd "$(dirname "$0")" && pwd)
root=$PWD
[ -f "$root/Makefile" ] && [ -d "$root/fuzz/targets" ] || root=$(dirname "$here")
cd "$root"
WORK=${WORK:-$(mktemp -d)}
lib=$WORK/normstab
mkdir -p "$OUT/lib" "$lib"

# Division by zero in floating point is IEEE 754's (C Annex F), what the
# format emulation relies on (fuzz/ubsan.supp for make fuzz); unsigned
# wrap-around is defined (the generators and hashes rely on it).  Neither
# is a bug: OSS-Fuzz's UBSan flags check both.
extra=
case $CFLAGS in *float-divide-by-zero*) extra="$extra -fno-sanitize=float-divide-by-zero" ;; esac
case $CFLAGS in *unsigned-integer-overflow*) extra="$extra -fno-sanitize=unsigned-integer-overflow" ;; esac
flags="$CFLAGS$extra"
strict="-std=c11 -Wall -Wextra -Werror -ffp-contract=off -fno-fast-math -Wno-unknown-pragmas"
cpp="-D_POSIX_C_SOURCE=200809L -I$lib/gen"

# The library and the command (for the catalogue's names), OpenMP off,
# without -mfma (the machines that run the targets may lack it).
make -j"${MAKE_JOBS:-$(nproc)}" --no-print-directory BUILD="$lib" CC="$CC" OPENMP= TIER_FMA= \
    CFLAGS="-Wno-unknown-pragmas $flags" SANITIZE= "$lib/libnormstab.a" "$lib/normstab"
link_libs="-Wl,-Bstatic -lmpfi -lmpfr -lgmp -Wl,-Bdynamic -lcjson -lm -ldl -Wl,-rpath,\$ORIGIN/lib"
cjson=$(ldd "$lib/normstab" | awk '/libcjson/ { print $3 }')
[ -n "$cjson" ] && cp "$cjson" "$OUT/lib/"
link() {   # NAME OBJECT...
    name=$1
    shift
    # shellcheck disable=SC2086
    ${CXX:-$CC} ${CXXFLAGS:-$flags} $LIB_FUZZING_ENGINE -o "$OUT/$name" "$@" "$lib/libnormstab.a" $link_libs
}
# Build-time tools run instrumented: leaks of a tool are not this build's concern.
export ASAN_OPTIONS=detect_leaks=0

# shellcheck disable=SC2086
$CC $cpp $strict $flags -c fuzz/targets/harness.c -o "$WORK/harness.o"
# shellcheck disable=SC2086
$CC $cpp $strict $flags -o "$WORK/replay" fuzz/targets/replay_main.c "$WORK/harness.o" \
    "$lib/libnormstab.a" $link_libs

targets=${FUZZ_TARGETS:-$("$lib/normstab" list normalizers | cut -f1)}
policies=${FUZZ_POLICIES:-fp16 bf16 fp32}
for alg in $targets; do
    for pol in $policies; do
        name=normstab_$(printf '%s_%s' "$alg" "$pol" | tr '.=,-' '____')
        # shellcheck disable=SC2086
        $CC $cpp $strict $flags -DNS_FUZZ_BUILT_IN_TARGET="\"$alg\"" -DNS_FUZZ_BUILT_IN_POLICY="\"$pol\"" \
            -c fuzz/targets/libfuzzer.c -o "$WORK/$name.o"
        link "$name" "$WORK/$name.o" "$WORK/harness.o"
        printf '[libfuzzer]\nmax_len = 16384\ntimeout = 30\n' > "$OUT/$name.options"
        cp .clusterfuzzlite/normalizer.dict "$OUT/$name.dict"
        seeds=$WORK/seeds/$name
        mkdir -p "$seeds"
        NS_FUZZ_TARGET=$alg NS_FUZZ_POLICY=$pol "$WORK/replay" --seeds "$seeds"
        (cd "$seeds" && rm -f "$OUT/${name}_seed_corpus.zip" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
    done
done

# The JSON readers' dictionary: JSON's tokens and the names of fuzz/json_keys.h.
{
    printf '"{"\n"}"\n"["\n"]"\n":"\n","\n"true"\n"false"\n"null"\n"\\"nan\\""\n"\\"inf\\""\n"\\"-inf\\""\n'
    sed -n 's/^#define NS_FJ_[A-Z_0-9]* *"\([a-z_0-9]*\)".*/"\\"\1\\""/p' fuzz/json_keys.h
} > "$WORK/json.dict"
for src in fuzz-readers/*.c; do
    t=$(basename "$src" .c)
    name=normstab_read_$t
    # shellcheck disable=SC2086
    $CC $cpp $strict $flags -c "$src" -o "$WORK/$name.o"
    link "$name" "$WORK/$name.o"
    printf '[libfuzzer]\ntimeout = 10\nrss_limit_mb = 2048\n' > "$OUT/$name.options"
    case $t in
    rows|options) cp .clusterfuzzlite/rows.dict "$OUT/$name.dict" ;;
    npy) cp .clusterfuzzlite/npy.dict "$OUT/$name.dict" ;;
    *) cp "$WORK/json.dict" "$OUT/$name.dict" ;;
    esac
    if [ -d "fuzz-readers/seeds/$t" ]; then
        (cd "fuzz-readers/seeds/$t" && rm -f "$OUT/${name}_seed_corpus.zip" &&
            zip -q -r "$OUT/${name}_seed_corpus.zip" .)
    fi
done
