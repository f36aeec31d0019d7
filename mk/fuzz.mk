# make fuzz: libFuzzer, AFL++ and the built-in search against every
# contract, within a time budget (docs/fuzzing.md).
#
#   make fuzz [FUZZ_SECONDS=180] [JOBS=N] [FUZZ_POLICIES="fp16 bf16 fp32"]
#             [FUZZ_TARGETS="softmax.naive ..."] [FUZZ_ENGINES="search libfuzzer afl++"]
#             [FUZZ_SANITIZE=1]
#             [FUZZ_SYNC=DIR FUZZ_ROLE=main|secondary [FUZZ_ID=NAME]]
#   make fuzz-minimize FUZZ_SYNC=DIR   shrink a campaign's corpora
#   make fuzz-campaign                 two machines of one campaign on this host
#   make fuzz-clusterfuzzlite          .clusterfuzzlite/build.sh as OSS-Fuzz runs it
#
# FUZZ_SYNC makes the run one machine of a campaign that shares DIR
# (fuzz/run.sh, docs/fuzzing.md); normstab collect joins the machines' FUZZ_OUTs.
#
# Builds the engines that are installed (mk/deps.sh fuzz installs clang,
# libclang-rt-14-dev and afl++ as root), runs fuzz/run.sh, writes
# FUZZ_OUT/fuzz.md, fuzz.json and findings/, and fails when a contract is
# broken or an engine crashed.

FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_SECONDS ?= 180
FUZZ_POLICIES ?= fp16 bf16 fp32
FUZZ_TARGETS ?=
FUZZ_ENGINES ?=
FUZZ_OUT     ?= reports/latest
JOBS         ?= 1
FUZZ_SYNC    ?=
FUZZ_ROLE    ?=
FUZZ_ID      ?=
FUZZ_CLANG   ?= clang
# The libFuzzer harness is built for throughput: no sanitizer (memory safety
# is the business of the sanitized reader fuzzers, mk/fuzz-readers.mk, and of
# `make sanitize`).  FUZZ_SANITIZE=1 builds it with ASan and UBSan.
FUZZ_SANITIZE ?=
FUZZ_SAN_ON   = -fsanitize=address,undefined,float-divide-by-zero -fno-omit-frame-pointer
FUZZ_SAN      = $(if $(FUZZ_SANITIZE),$(FUZZ_SAN_ON))
# Edge coverage without comparison tracing: integer compares of numeric
# loops are noise (and clang 14 traces no float compares), and tracing them
# costs most of the time of an execution.  Nor indirect calls: libFuzzer
# uses their caller-callee pairs only with -use_value_profile=1, and every
# operation of the policy is one.
FUZZ_COV      = -fno-sanitize-coverage=trace-cmp,indirect-calls
# Objects of the library with edge coverage (see FUZZ_COVERAGE_ONLY below).
FUZZ_COVERED ?=
# The engines' builds of the library: OpenMP off (the pragmas of analysis/
# and report/ then read as unknown ones).
FUZZ_SUBMAKE  = $(MAKE) --no-print-directory OPENMP= CFLAGS=-Wno-unknown-pragmas
FUZZ_CFLAGS   = $(CPPFLAGS_ALL) $(CFLAGS_STRICT) -Wno-unknown-pragmas -O2 -g
FUZZ_HARNESS  = fuzz/targets/harness.c fuzz/targets/harness.h

.PHONY: fuzz fuzz-build fuzz-engines fuzz-libfuzzer fuzz-afl fuzz-tools bench-ttff fuzz-selftest \
	fuzz-minimize fuzz-campaign fuzz-clusterfuzzlite

# The engines FUZZ_ENGINES names (all of them when empty) that need clang or AFL++.
fuzz_wants = $(if $(FUZZ_ENGINES),$(filter $(1),$(FUZZ_ENGINES)),$(1))

fuzz: $(BIN) fuzz-tools fuzz-readers
	@$(if $(call fuzz_wants,libfuzzer afl++),sh mk/deps.sh fuzz || \
	  echo "make fuzz: continuing with the engines that are installed" >&2,:)
	@$(MAKE) --no-print-directory fuzz-engines
	@NORMSTAB=$(BIN) FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  FUZZ_POLICIES="$(FUZZ_POLICIES)" FUZZ_TARGETS="$(FUZZ_TARGETS)" \
	  FUZZ_ENGINES="$(FUZZ_ENGINES)" FUZZ_OUT=$(FUZZ_OUT) JOBS=$(JOBS) \
	  FUZZ_SYNC="$(FUZZ_SYNC)" FUZZ_ROLE="$(FUZZ_ROLE)" FUZZ_ID="$(FUZZ_ID)" sh fuzz/run.sh

fuzz-build: $(BIN) fuzz-tools fuzz-engines

# The corpora of the campaign in FUZZ_SYNC, minimized (fuzz/minimize.sh).
fuzz-minimize: $(BIN)
	@NORMSTAB=$(BIN) FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SYNC="$(FUZZ_SYNC)" FUZZ_POLICIES="$(FUZZ_POLICIES)" \
	  FUZZ_TARGETS="$(FUZZ_TARGETS)" sh fuzz/minimize.sh

# A main and a secondary on this host share one sync directory, are
# collected into one, and the campaign's corpus is minimized (2-3 minutes).
fuzz-campaign: fuzz-build
	@NORMSTAB=$(BIN) FUZZ_BUILD=$(FUZZ_BUILD) sh tests/fuzz/campaign.sh

# The ClusterFuzzLite / OSS-Fuzz build, with clang, libFuzzer and ASan, then
# UBSan, as OSS-Fuzz sets them, into a scratch OUT; a target of each kind
# then runs a few seconds (a library build per sanitizer: about 4 minutes
# each; CFL_SANITIZERS=address for one).
fuzz-clusterfuzzlite: $(BUILD)/.deps-clang
	@sh tests/fuzz/clusterfuzzlite.sh

# Each engine is built when its compiler works here; otherwise skipped with
# a note (fuzz/run.sh then runs the others).
fuzz-engines:
ifneq ($(call fuzz_wants,libfuzzer),)
	@if command -v $(FUZZ_CLANG) >/dev/null 2>&1 && \
	    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' | \
	    $(FUZZ_CLANG) -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory fuzz-libfuzzer; \
	else echo "make fuzz: libFuzzer not available (clang, libclang-rt-14-dev): skipped" >&2; fi
endif
ifneq ($(call fuzz_wants,afl++),)
	@if command -v afl-clang-fast >/dev/null 2>&1 && command -v afl-fuzz >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory fuzz-afl; \
	else echo "make fuzz: AFL++ not available (afl++): skipped" >&2; fi
endif

fuzz-tools: $(FUZZ_BUILD)/replay $(FUZZ_BUILD)/collect

# tests/cli/interrupt_fuzz.sh runs fuzz/run.sh, which collects with it.
test test-cli: $(FUZZ_BUILD)/collect

$(FUZZ_BUILD)/replay: fuzz/targets/replay_main.c $(FUZZ_HARNESS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ fuzz/targets/replay_main.c fuzz/targets/harness.c $(LIB) $(LDLIBS_ALL)

$(FUZZ_BUILD)/collect: fuzz/tools/collect.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ fuzz/tools/collect.c $(LIB) $(LDLIBS_ALL)

# libFuzzer: the library without edge coverage, unsanitized unless
# FUZZ_SANITIZE=1 (then float division by zero included: the format
# emulation's own divisions are suppressed by fuzz/ubsan.supp, a raw
# division elsewhere is reported).
fuzz-libfuzzer: $(FUZZ_BUILD)/libfuzzer/normstab-fuzz

# make does not see flags: when they change, the library is built afresh.
FUZZ_LF_FLAGS = sanitizers: $(or $(FUZZ_SAN),none); edge coverage: $(or $(FUZZ_COVERED),none) \
  ($(FUZZ_COV))
$(FUZZ_BUILD)/libfuzzer/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FUZZ_LF_FLAGS)' | cmp -s - $@ || { rm -rf $(@D)/lib; echo '$(FUZZ_LF_FLAGS)' > $@; }

$(FUZZ_BUILD)/libfuzzer/lib/libnormstab.a: $(FUZZ_BUILD)/libfuzzer/flags FORCE
	+@$(FUZZ_SUBMAKE) BUILD=$(@D) CC=$(FUZZ_CLANG) FUZZ_COVERAGE_ONLY=1 SANITIZE="$(FUZZ_SAN)" $@

# The objective reaches libFuzzer as extra counters (fuzz/targets/libfuzzer.c)
# and guides it; edges of the library did not.  Every execution walks the
# loops of the algorithms, of the policy's summation and of the contract's
# bounds the same way, so their edges (about 250) said little beyond the
# row's length, and collecting them took most of libFuzzer's time per
# execution.  The special paths of the rounding and of exp (an intermediate
# overflowing or flushed to zero) are the edges with a meaning:
# FUZZ_COVERED="formats/format formats/arith" instruments them (about 40
# edges, some 15 % fewer executions per second; the time to first finding of
# bench-ttff's hazards was the same without them).  The reference, the
# analysis and fuzz/ are the oracle and never instrumented.
ifdef FUZZ_COVERAGE_ONLY
ifneq ($(strip $(FUZZ_COVERED)),)
$(FUZZ_COVERED:%=$(BUILD)/obj/%.o): override SANITIZE = -fsanitize=fuzzer-no-link $(FUZZ_COV) $(FUZZ_SAN)
endif
endif

$(FUZZ_BUILD)/libfuzzer/normstab-fuzz: $(FUZZ_BUILD)/libfuzzer/lib/libnormstab.a \
		$(FUZZ_BUILD)/libfuzzer/flags fuzz/targets/libfuzzer.c $(FUZZ_HARNESS)
	$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_COV) $(FUZZ_SAN) -o $@ \
	  fuzz/targets/libfuzzer.c fuzz/targets/harness.c $< $(LDLIBS_ALL)

# AFL++: the library and the persistent-mode harness through afl-clang-fast,
# and the custom-mutator library from position-independent objects.
fuzz-afl: $(FUZZ_BUILD)/afl/normstab-afl $(FUZZ_BUILD)/afl/mutator.so

$(FUZZ_BUILD)/afl/lib/libnormstab.a: FORCE
	+@AFL_QUIET=1 $(FUZZ_SUBMAKE) BUILD=$(@D) CC=afl-clang-fast SANITIZE= $@

$(FUZZ_BUILD)/afl/normstab-afl: $(FUZZ_BUILD)/afl/lib/libnormstab.a fuzz/afl/harness.c $(FUZZ_HARNESS)
	AFL_QUIET=1 afl-clang-fast $(FUZZ_CFLAGS) -o $@ fuzz/afl/harness.c fuzz/targets/harness.c \
	  $< $(LDLIBS_ALL)

$(FUZZ_BUILD)/pic/libnormstab.a: FORCE
	+@$(FUZZ_SUBMAKE) BUILD=$(@D) SANITIZE=-fPIC $@

$(FUZZ_BUILD)/afl/mutator.so: $(FUZZ_BUILD)/pic/libnormstab.a fuzz/afl/mutator.c $(FUZZ_HARNESS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -fPIC -shared -o $@ fuzz/afl/mutator.c fuzz/targets/harness.c $< $(LDLIBS_ALL)

# Time to first finding of the documented hazards, engine by engine.
bench-ttff: $(BUILD)/bench-ttff fuzz-build
	$(BUILD)/bench-ttff --fuzz-build $(FUZZ_BUILD) --out $(FUZZ_OUT)

$(BUILD)/bench-ttff: bench/ttff.c $(LIB)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ bench/ttff.c $(LIB) $(LDLIBS_ALL)

# make fuzz must fail when a promise is broken: a copy of the tree whose
# softmax.shifted forgets the shift.  Builds a second tree: about a minute.
fuzz-selftest: $(BIN)
	@sh tests/fuzz/selftest.sh
