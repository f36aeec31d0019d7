# Regression checks against a baseline (docs/regress.md).
#   make regress           measure the baseline's suite again and compare:
#                          fails on any regression (what CI runs after the tests)
#   make regress BASELINE=FILE   against another baseline, such as one of a
#                          single activation written by
#                          normstab regress --update -n NAME --baseline FILE
#   make regress-update    rewrite the baseline, deliberately (commit the result)
#   make regress-pr        the same check, with the tables as Markdown in
#                          $(BUILD)/regress.md for a pull-request comment
# NORMSTAB_PLUGINS=PATH.so[:...] brings plugins' algorithms in too.
BASELINE ?= reports/baseline/results.json
# The program the gate runs: $(BIN), built first; or REGRESS_PROGRAM when
# given (a command, as the tests pass theirs), not built.
REGRESS_PROGRAM ?=
REGRESS_RUN = NORMSTAB='$(or $(REGRESS_PROGRAM),$(BIN))' sh mk/regress.sh $(BASELINE)

# The exit status.  GNU make exits 2 whenever a recipe fails, whatever the
# recipe's own status.  So with regress as the only goal, the check runs
# while make reads this file (after building the program), its output is
# printed, and make exits with the check's status: 0; 1 on a regression
# (through question mode, -q, whose status is 1 for a goal not done); 2
# when it could not run ($(error)).  With other goals beside it the recipe
# runs the check and make exits 2 on a regression (under -n it runs
# nothing, as make -n never does); scripts that need 0/1/2 whatever the
# goals run sh mk/regress.sh.
ifeq ($(MAKECMDGOALS),regress)
ifeq ($(findstring n,$(filter-out -%,$(firstword $(MAKEFLAGS)))),)
REGRESS_STATUS := $(shell mkdir -p $(BUILD) && { $(if $(REGRESS_PROGRAM),,$(MAKE) --no-print-directory $(BIN) &&) \
                    $(REGRESS_RUN); } > $(BUILD)/regress.out 2>&1; echo $$?)
$(info $(file < $(BUILD)/regress.out))
ifeq ($(REGRESS_STATUS),1)
MAKEFLAGS += -q
else ifneq ($(REGRESS_STATUS),0)
$(error regress: exit $(REGRESS_STATUS))
endif
REGRESS_DONE := 1
endif
endif

.PHONY: regress regress-update regress-pr
regress: $(if $(REGRESS_PROGRAM),,$(BIN))
	@$(if $(REGRESS_DONE),:,$(REGRESS_RUN))

regress-pr: $(BIN)
	@$(REGRESS_RUN) --markdown $(BUILD)/regress.md

regress-update: $(BIN)
	$(BIN) regress --update --baseline $(BASELINE)
