# make test-valgrind: the command-line tests (tests/cli/*.sh) with every
# normstab run under valgrind's memcheck: invalid reads and writes, use of
# uninitialised values, bad frees.  Not part of `make test` (tens of
# minutes).  Fails when a test fails or valgrind reported anything; the
# reports are in $(BUILD)/valgrind/.
#   make test-valgrind [VALGRIND_TESTS="tests/cli/basics.sh ..."]
# Left out by default: browser.sh (Chromium, and the same report as
# report.sh), the interrupt_*.sh tests (they time signals against runs
# that valgrind makes fifty times slower) and fuzz_accumulate.sh (it runs
# fuzz/run.sh, whose engines work to a time budget, and collect, not
# normstab).
VALGRIND_SKIP  ?= tests/cli/lib.sh tests/cli/browser.sh tests/cli/interrupt_report.sh \
                  tests/cli/interrupt_report_moves.sh tests/cli/interrupt_search.sh \
                  tests/cli/interrupt_fuzz.sh tests/cli/fuzz_accumulate.sh
VALGRIND_TESTS ?= $(filter-out $(VALGRIND_SKIP),$(wildcard tests/cli/*.sh))
VALGRIND_FLAGS ?= -q --error-exitcode=99 --track-origins=yes

.PHONY: test-valgrind
test-valgrind: $(BIN) plugins $(BUILD)/.deps-report $(BUILD)/.deps-valgrind
	@sh tests/valgrind.sh $(BUILD) "$(VALGRIND_FLAGS)" $(filter-out tests/cli/lib.sh,$(VALGRIND_TESTS))
