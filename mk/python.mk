# The Python package (docs/python.md, SPEC section 9).
#   make python       build/python/normstab: the package's sources
#                     (python/normstab/) beside libnormstab.so, a shared build
#                     of the library (position-independent objects of their
#                     own in $(BUILD)/pic) and the binding's entry points
#                     (python/binding.c), loaded with ctypes
#   make test-python  the package's tests (python/tests/) against the command
#                     line, with Debian's /usr/bin/python3; installs
#                     python3-numpy and python3-torch when missing
#   make bench-python the benchmark python_vs_cli (python/bench/python_vs_cli.py)
PYTHON      ?= /usr/bin/python3
PY_DIR       = $(BUILD)/python/normstab
PY_SO        = $(PY_DIR)/libnormstab.so
PIC_OBJ      = $(LIB_SRC:%.c=$(BUILD)/pic/%.o) $(patsubst %.c,$(BUILD)/pic/%.o,$(wildcard python/*.c))
PY_SOURCES   = $(wildcard python/normstab/*.py)
PY_COPIES    = $(PY_SOURCES:python/normstab/%=$(PY_DIR)/%)

.PHONY: python test-python

python: $(PY_SO) $(PY_COPIES) | $(BUILD)/.deps-python

$(BUILD)/pic/%.o: %.c $(GEN) | $(BUILD)/.deps-build
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -fPIC -MMD -MP -c $< -o $@
$(filter $(BUILD)/pic/reference/%,$(PIC_OBJ)): CFLAGS_ALL += $(TIER_FMA)
$(filter $(BUILD)/pic/reference/%,$(PIC_OBJ)): $(BUILD)/gen/tier-flags

$(PY_SO): $(PIC_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -shared -o $@ $(PIC_OBJ) $(LDLIBS_ALL)

$(PY_DIR)/%.py: python/normstab/%.py
	@mkdir -p $(@D)
	cp $< $@

test-python: python $(BIN) | $(BUILD)/.deps-torch
	NORMSTAB=$(BIN) PYTHONPATH=$(BUILD)/python $(PYTHON) -m unittest discover -s python/tests -t python/tests -v

-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)

# bench python_vs_cli: normstab.eval from NumPy against `normstab eval -i
# X.npy`, a ratio of times of the same run (the aim: at most 1.5).
.PHONY: bench-python
bench-python: python $(BIN)
	PYTHONPATH=$(BUILD)/python $(PYTHON) python/bench/python_vs_cli.py $(BIN)

# make test builds the package too (installing python3-numpy, not torch),
# so that tests/run.sh runs its tests; those that need torch run when
# python3-torch is installed.  Not under the sanitizers (make sanitize):
# python3 cannot load a library built with them.
ifeq ($(SANITIZE),)
test: python
endif
