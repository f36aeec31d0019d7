# make fuzz-readers: one libFuzzer target per reader of outside input
# (fuzz-readers/: text rows, .npy, the shared command-line options and
# --param, regression baselines, plugin descriptors, finding files, search
# checkpoints), built with clang under
# ASan+UBSan and run for a bounded number of executions each.  Fails on the
# first crash, leak, hang or sanitizer report; the input that caused it is
# left in FUZZ_READERS_OUT/<target>/.
#
#   make fuzz-readers [FUZZ_READER_RUNS=1000000] [FUZZ_READER_SECONDS=0]
#                     [FUZZ_READERS="checkpoint finding baseline descriptor rows options npy formula head"]
#                     [FUZZ_READER_JOBS=CPUs]
#
# FUZZ_READER_SECONDS > 0 bounds each target by time instead (-max_total_time).
# The corpora (FUZZ_READERS_OUT/<target>/corpus) start from the seeds in
# fuzz-readers/seeds/<target>/ and grow from run to run.

FUZZ_READERS        ?= checkpoint finding baseline descriptor rows options npy formula head
FUZZ_READER_RUNS    ?= 1000000
FUZZ_READER_SECONDS ?= 0
FUZZ_READERS_BUILD   = $(BUILD)/fuzz-readers
FUZZ_READERS_OUT    ?= $(FUZZ_READERS_BUILD)/out
FUZZ_READER_CLANG   ?= clang
FUZZ_READER_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_READER_CFLAGS   = $(CPPFLAGS_ALL) $(CFLAGS_STRICT) -Wno-unknown-pragmas -O1 -g

# The library, readers included, compiled for the fuzzers (OpenMP off).
FUZZ_READERS_LIB = $(FUZZ_READERS_BUILD)/lib/libnormstab.a
FUZZ_READERS_SUB = $(MAKE) --no-print-directory BUILD=$(FUZZ_READERS_BUILD)/lib CC=$(FUZZ_READER_CLANG) \
  OPENMP= CFLAGS=-Wno-unknown-pragmas OPT=-O1 SANITIZE="-fsanitize=fuzzer-no-link $(FUZZ_READER_SAN)"

.PHONY: fuzz-readers fuzz-readers-build
fuzz-readers: fuzz-readers-build
	@sh fuzz-readers/run.sh "$(FUZZ_READERS_BUILD)" "$(FUZZ_READERS_OUT)" "$(FUZZ_READER_RUNS)" \
	  "$(FUZZ_READER_SECONDS)" $(FUZZ_READERS)

fuzz-readers-build: $(FUZZ_READERS:%=$(FUZZ_READERS_BUILD)/%)

# One sub-make builds it for every target, with the fuzzers' compiler and flags.
$(FUZZ_READERS_LIB): fuzz-readers-lib ;
.PHONY: fuzz-readers-lib
fuzz-readers-lib: $(BUILD)/.deps-clang
	+@$(FUZZ_READERS_SUB) $(FUZZ_READERS_LIB)

$(FUZZ_READERS:%=$(FUZZ_READERS_BUILD)/%): $(FUZZ_READERS_BUILD)/%: fuzz-readers/%.c $(wildcard fuzz-readers/*.h) $(FUZZ_READERS_LIB)
	$(FUZZ_READER_CLANG) $(FUZZ_READER_CFLAGS) -fsanitize=fuzzer $(FUZZ_READER_SAN) \
	  -o $@ $< $(FUZZ_READERS_LIB) $(LDLIBS_ALL)
