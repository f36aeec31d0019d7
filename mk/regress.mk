# Regression checks against the committed baseline (docs/regress.md).
#   make regress           measure the baseline's suite again and compare:
#                          fails on any regression (what CI runs after the tests)
#   make regress-update    rewrite the baseline, deliberately (commit the result)
#   make regress-pr        the same check, with the tables as Markdown in
#                          $(BUILD)/regress.md for a pull-request comment
# NORMSTAB_PLUGINS=PATH.so[:...] brings plugins' algorithms in too.
BASELINE ?= reports/baseline/results.json

.PHONY: regress regress-update regress-pr
regress: $(BIN)
	$(BIN) regress --baseline $(BASELINE)

regress-pr: $(BIN)
	$(BIN) regress --baseline $(BASELINE) --markdown $(BUILD)/regress.md

regress-update: $(BIN)
	$(BIN) regress --update --baseline $(BASELINE)
