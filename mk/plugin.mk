# Plugins (include/normstab/plugin.h): the examples under examples/plugin/,
# one shared library each in BUILD/examples/, and the malformed ones the
# tests feed normstab (tests/plugins/bad.c, one library per BAD_* macro).
PLUGIN_CFLAGS   = $(CFLAGS_STRICT) $(OPT) -g $(SANITIZE) -fPIC -shared -Iinclude $(CFLAGS)
EXAMPLE_PLUGINS = $(patsubst examples/plugin/%.c,$(BUILD)/examples/%.so,$(wildcard examples/plugin/*.c))
BAD_PLUGIN_NAMES = no-entry null-descriptor abi dup-family dup-algorithm null-name blank-name no-forward \
                   no-backward v1-no-backward hazard-kind
BAD_PLUGINS     = $(BAD_PLUGIN_NAMES:%=$(BUILD)/tests/plugins/%.so)
EDIT_PLUGINS    = $(BUILD)/tests/plugins/edit-good.so $(BUILD)/tests/plugins/edit-worse.so
# Power attention (tests/plugins/power.c): a right and a wrong backward pass.
POWER_PLUGINS   = $(BUILD)/tests/plugins/power-good.so $(BUILD)/tests/plugins/power-wrong.so \
                  $(BUILD)/tests/plugins/power-wrong-own.so $(BUILD)/tests/plugins/power-v2.so \
                  $(BUILD)/tests/plugins/power-v2-nocontract.so
# Algorithms without a backward pass, derived (tests/test_plugin_derive.c).
DERIVED_PLUGIN  = $(BUILD)/tests/plugins/derived.so
HOSTILE_PLUGINS = $(BUILD)/tests/plugins/hostile.so $(BUILD)/tests/plugins/hostile-quote.so \
                  $(BUILD)/tests/plugins/hostile-newline.so

.PHONY: plugins
plugins: $(EXAMPLE_PLUGINS) $(BAD_PLUGINS) $(EDIT_PLUGINS) $(HOSTILE_PLUGINS) $(POWER_PLUGINS) $(DERIVED_PLUGIN)

$(BUILD)/examples/%.so: examples/plugin/%.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lmpfr -lgmp -lm

# The same algorithm before and after an edit that makes it worse.
$(BUILD)/tests/plugins/edit-good.so: tests/plugins/edit.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/tests/plugins/edit-worse.so: tests/plugins/edit.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DEDIT_WORSE -o $@ $< -lm

$(BUILD)/tests/plugins/power-good.so: tests/plugins/power.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/tests/plugins/power-wrong.so: tests/plugins/power.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DWRONG_BACKWARD -o $@ $< -lm
$(BUILD)/tests/plugins/power-wrong-own.so: tests/plugins/power.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DWRONG_BACKWARD -DOWN_REFERENCE -o $@ $< -lmpfr -lgmp -lm
$(BUILD)/tests/plugins/power-v2.so: tests/plugins/power.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DABI_V2 -o $@ $< -lm
$(BUILD)/tests/plugins/power-v2-nocontract.so: tests/plugins/power.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DABI_V2 -DNO_CONTRACT -o $@ $< -lm

$(DERIVED_PLUGIN): tests/plugins/derived.c tests/plugins/softmax_shifted.h include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm

# Hostile names and texts (tests/cli/page_safety.sh).
$(BUILD)/tests/plugins/hostile.so: tests/plugins/hostile.c tests/plugins/softmax_shifted.h include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lm
$(BUILD)/tests/plugins/hostile-quote.so: tests/plugins/hostile.c tests/plugins/softmax_shifted.h include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DHOSTILE_QUOTE -o $@ $< -lm
$(BUILD)/tests/plugins/hostile-newline.so: tests/plugins/hostile.c tests/plugins/softmax_shifted.h include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DHOSTILE_NEWLINE -o $@ $< -lm

# BAD_NO_ENTRY for no-entry.so, and so on.
$(BUILD)/tests/plugins/%.so: tests/plugins/bad.c include/normstab/plugin.h | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(PLUGIN_CFLAGS) -DBAD_$(shell echo $* | tr a-z- A-Z_) -o $@ $< -lmpfr -lgmp -lm

# The tests load them: the unit tests the examples (at the path compiled in),
# tests/cli/plugin.sh all of them.
test test-cli: plugins
$(UNIT): | $(EXAMPLE_PLUGINS) $(DERIVED_PLUGIN)
$(BUILD)/obj/tests/test_plugin_derive.o: CPPFLAGS_ALL += -DNS_TEST_PLUGIN_DIR='"$(BUILD)/tests/plugins"'
$(BUILD)/obj/tests/test_plugin.o: CPPFLAGS_ALL += -DNS_TEST_PLUGIN_DIR='"$(BUILD)/examples"'
