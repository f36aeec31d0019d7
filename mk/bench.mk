# Benchmarks (bench/bench.h): every figure of the performance aims, as ratios
# and rates against baselines measured in the same run.
#   make bench    bench-round, then bench-suite: a table on stdout and
#                 $(BENCH_OUT) (reports/latest/bench.json); about two minutes
# The search and report figures call $(BIN); the libFuzzer one calls the
# harness of mk/fuzz.mk, built here when clang's libFuzzer is installed (the
# figure says "not measured" otherwise).
BENCH_OUT    ?= reports/latest/bench.json
BENCH_FUZZER ?= $(BUILD)/fuzz/libfuzzer/normstab-fuzz
BENCH_OBJ     = $(BUILD)/obj/bench/bench.o $(BUILD)/obj/bench/measure.o $(BUILD)/obj/bench/commands.o \
                $(BUILD)/obj/bench/figures.o $(BUILD)/obj/bench/attention.o \
                $(BUILD)/obj/bench/rwkv.o $(BUILD)/obj/bench/formula.o

.PHONY: bench
bench: $(BUILD)/bench-round $(BUILD)/bench-suite $(BIN)
	@$(MAKE) --no-print-directory fuzz-libfuzzer > $(BUILD)/bench-fuzzer.log 2>&1 || \
	  echo "bench: no libFuzzer harness (see $(BUILD)/bench-fuzzer.log)"
	$(BUILD)/bench-round $(BUILD)/bench-round.json
	$(BUILD)/bench-suite --out $(BENCH_OUT) --round $(BUILD)/bench-round.json \
	  --normstab $(BIN) --fuzzer $(BENCH_FUZZER)

$(BUILD)/bench-round: $(BUILD)/obj/bench/round.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/obj/bench/round.o: CFLAGS_ALL += -mf16c

$(BUILD)/bench-suite: $(BENCH_OBJ) $(LIB)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $(BENCH_OBJ) $(LIB) $(LDLIBS_ALL)

# bench first_paint: how soon Chromium draws the report's first screen
# (bench/first_paint.sh), as ratios against a one-paragraph page loaded in the
# same run.  Measures REPORT_DIR (reports/latest), made by `make report`.
.PHONY: bench-page
bench-page: $(BUILD)/.deps-browser
	sh bench/first_paint.sh $(REPORT_DIR)
