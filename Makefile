# normstab: `make help` lists the goals.
.DEFAULT_GOAL := all

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
OPT      ?= -O2
CFLAGS_STRICT = -std=c11 -Wall -Wextra -Werror -ffp-contract=off -fno-fast-math
CPPFLAGS_ALL  = -D_POSIX_C_SOURCE=200809L -I$(BUILD)/gen $(CPPFLAGS)
OPENMP        ?= -fopenmp
CFLAGS_ALL    = $(CFLAGS_STRICT) $(OPT) -g $(OPENMP) $(SANITIZE) $(CFLAGS)
LDLIBS_ALL    = -lmpfi -lmpfr -lgmp -lcjson -lm -ldl $(LDLIBS)

LIB_DIRS  = util formats normalizers reference formulas plugins input analysis attention fuzz report
LIB_SRC   = $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRC   = $(wildcard cli/*.c)
TEST_SRC  = $(wildcard tests/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ   = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ  = $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
GEN       = $(BUILD)/gen/families.gen.h $(BUILD)/gen/references.gen.h $(BUILD)/gen/kernels.gen.h

LIB    = $(BUILD)/libnormstab.a
BIN    = $(BUILD)/normstab
UNIT   = $(BUILD)/unit-tests

.PHONY: all deps test test-unit test-cli sanitize exhaustive bench clean install help FORCE

all: $(BIN)

# Missing Debian packages are installed (as root) or named (otherwise).
# Every goal names the stamp of each group it needs (mk/deps.sh lists the
# groups) before the first step that needs it; mk/deps.sh takes a lock, so
# that two stamps made at once under -j2 do not race for apt.
deps: $(BUILD)/.deps-build
$(BUILD)/.deps-%: mk/deps.sh
	@mkdir -p $(BUILD)
	@sh mk/deps.sh $*
	@touch $@

# The catalogue and the references find their members by scanning the sources.
$(BUILD)/gen/families.gen.h: FORCE
	@mkdir -p $(@D)
	@sh mk/gen-list.sh NS_FAMILY_ENTRY ns_family_ normalizers/*.c > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/gen/references.gen.h: FORCE
	@mkdir -p $(@D)
	@sh mk/gen-list.sh NS_REFERENCE_ENTRY ns_ref_ reference/*.c > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/gen/kernels.gen.h: FORCE
	@mkdir -p $(@D)
	@sh mk/gen-list.sh NS_KERNEL_ENTRY ns_kernel_ attention/*.c > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/%.o: %.c $(GEN) | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The reference's double-double products (reference/dd.h) take fma as one
# instruction where the building machine has it: the tiers run about a
# quarter faster, and no result changes (the product is exact either way);
# so do the linear attention and RWKV-4 kernels and references, whose
# emulated products take their exact remainder from fma (formats/arith.h).
# TIER_FMA= builds without, for a binary that must also run on CPUs without
# FMA.  The objects are rebuilt when the choice changes.
ifeq ($(origin TIER_FMA),undefined)
TIER_FMA := $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw fma /proc/cpuinfo 2>/dev/null && echo -mfma)
endif
REF_OBJ   = $(filter $(BUILD)/obj/reference/% $(BUILD)/obj/attention/reference% \
              $(BUILD)/obj/attention/rwkv% $(BUILD)/obj/attention/linear%,$(LIB_OBJ))
$(REF_OBJ): CFLAGS_ALL += $(TIER_FMA)
$(REF_OBJ): $(BUILD)/gen/tier-flags
$(BUILD)/gen/tier-flags: FORCE
	@mkdir -p $(@D)
	@echo '$(TIER_FMA)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS_ALL)

$(UNIT): $(TEST_OBJ) $(LIB) | $(BUILD)/.deps-test
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LIB) -lcriterion $(LDLIBS_ALL)

# Named targets, not a pattern: a pattern rule without a recipe adds no
# prerequisite to the generic rule above, and the tests would compile before
# Criterion is installed.
$(TEST_OBJ): | $(BUILD)/.deps-test

# Every test: unit tests (Criterion) and the command-line tests.
test: $(BIN) $(UNIT)
	@sh tests/run.sh $(BUILD)

test-unit: $(UNIT)
	$(UNIT)

test-cli: $(BIN)
	@sh tests/run.sh $(BUILD) cli

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) BUILD=build/sanitize OPT=-O1 \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" test

# Long exhaustive checks of the formats against MPFR (minutes; run before
# landing changes to formats/).
exhaustive: $(BUILD)/exhaustive
	$(BUILD)/exhaustive
$(BUILD)/exhaustive: $(BUILD)/obj/checks/exhaustive.o $(LIB)
	$(CC) $(CFLAGS_ALL) -fopenmp -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/obj/checks/exhaustive.o: CFLAGS_ALL += -fopenmp

# bench: mk/bench.mk

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/normstab

clean:
	rm -rf build

help:
	@echo "make             build build/normstab (installs missing Debian packages as root)"
	@echo "make test        run every test (unit, command line and, with python3-numpy, the Python package's;"
	@echo "                 its torch tests when python3-torch is installed); what .ci/run calls"
	@echo "make sanitize    run the tests under ASan+UBSan (build/sanitize)"
	@echo "make exhaustive  exhaustive checks of the formats against MPFR (minutes)"
	@echo "make check-tiers  the reference's fast tiers against MPFR alone, bit for bit, and both at 4000 bits (TIERCHECK_SECONDS=40 a family)"
	@echo "make bench       benchmarks, as ratios against baselines measured in the same run"
	@echo "make report      the stability report into reports/latest (report-quick: the CI suite)"
	@echo "make test-browser  the report page in headless Chromium (installs chromium)"
	@echo "make bench-page  how soon Chromium draws the report's first screen (REPORT_DIR=reports/latest), as ratios"
	@echo "make shard-costs  measure each piece of the report: the table report --shard balances parts by"
	@echo "make fuzz        fuzz every normalizer and attention kernel against its contract (FUZZ_SECONDS=180 JOBS=1 FUZZ_ATTENTION=2)"
	@echo "make bench-ttff  time to first finding of known hazards: random, evolve, libFuzzer, AFL++"
	@echo "make fuzz-selftest  check that make fuzz fails on a deliberately broken softmax"
	@echo "make fuzz FUZZ_SYNC=DIR FUZZ_ROLE=main|secondary [FUZZ_ID=NAME]  one machine of a campaign"
	@echo "make fuzz-minimize FUZZ_SYNC=DIR  shrink a campaign's corpora (libFuzzer -merge=1 or afl-cmin)"
	@echo "make fuzz-campaign  a main and a secondary on this host, collected and minimized (~3 min)"
	@echo "make fuzz-clusterfuzzlite  .clusterfuzzlite/build.sh as OSS-Fuzz runs it with ASan, then UBSan; targets run (~8 min)"
	@echo "make fuzz-readers   libFuzzer on every input reader, 10^6 runs each (part of make fuzz)"
	@echo "make regress     compare with the committed baseline (reports/baseline); fails on a regression"
	@echo "make regress BASELINE=FILE  compare with FILE instead (one activation's: docs/regress.md); exits 1"
	@echo "                 on a regression when it is make's only goal (2 beside others); sh mk/regress.sh"
	@echo "                 [FILE]: 0 passed, 1 a regression, 2 could not run, whatever the goals"
	@echo "make regress-update  rewrite the baseline deliberately (commit it with the change)"
	@echo "make plugins     build the example plugins (examples/plugin/) into BUILD/examples/"
	@echo "                 (a normalizer in one line needs no build: --formula 'EXPR', docs/formulas.md)"
	@echo "make python      the Python package into BUILD/python/normstab (PYTHONPATH=BUILD/python; docs/python.md)"
	@echo "make test-python  the package's tests against the command (installs python3-numpy, python3-torch)"
	@echo "make bench-python  normstab.eval from NumPy against normstab eval -i X.npy, as a ratio (aim: at most 1.5)"
	@echo "make test-valgrind  the command-line tests under valgrind (tens of minutes)"
	@echo "make check-fresh  make test, make report, make fuzz in a pristine Debian 12 root (mmdebstrap; root; ~10 min)"
	@echo "make install     install normstab into \$$(DESTDIR)\$$(PREFIX)/bin (PREFIX=$(PREFIX))"
	@echo "make clean       remove build/"
	@echo "variables: CC=gcc|clang  BUILD=dir  OPT=-O2  TIER_FMA=-mfma|'' (default: -mfma where the CPU has it)"

FORCE:

# Goals of later parts (report, fuzz, ...) live in mk/*.mk.
include $(wildcard mk/*.mk)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
