# The stability report (docs/report.md).
#   make report         the full report into reports/latest (a few minutes on 2 cores)
#   make report-quick   the smaller CI suite into reports/latest
#   make test-browser   the report page in headless Chromium (installs it)
# gnuplot draws the plots: the deps stamp installs gnuplot-nox when missing,
# for the report and for the tests that write one.
.PHONY: report report-quick test-browser

REPORT_DIR ?= reports/latest

report: $(BIN) $(BUILD)/.deps-report
	$(BIN) report --out $(REPORT_DIR)

report-quick: $(BIN) $(BUILD)/.deps-report
	$(BIN) report --quick --out $(REPORT_DIR)

test test-cli: $(BUILD)/.deps-report

test-browser: $(BIN) $(BUILD)/.deps-report $(BUILD)/.deps-browser
	@if NS_REQUIRE_BROWSER=1 NORMSTAB=$(BIN) sh tests/cli/browser.sh; then \
	    echo "browser: 1 passed, 0 failed"; \
	else \
	    echo "browser: 0 passed, 1 failed"; exit 1; \
	fi

# The cost of each piece of the report, which `report --shard` balances the
# parts by (docs/scale.md): measured here, written to report/shard_costs.c.
.PHONY: shard-costs
shard-costs: $(BIN) $(BUILD)/.deps-report
	sh mk/shard-costs.sh $(BIN)
