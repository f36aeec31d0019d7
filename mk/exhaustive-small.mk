# `make exhaustive` also runs checks/exhaustive_small.c: the formats of SPEC
# section 6 (FP8, FP6, FP4, tf32) and the modifiers +sat, +ftz, +daz on every
# value and every pair against MPFR (about two minutes on two cores).
#   make exhaustive-small [EXHAUSTIVE_SMALL_N=1000000]
EXHAUSTIVE_SMALL_N ?= 1000000

.PHONY: exhaustive-small
exhaustive: exhaustive-small
exhaustive-small: $(BUILD)/exhaustive-small
	$(BUILD)/exhaustive-small $(EXHAUSTIVE_SMALL_N)

$(BUILD)/exhaustive-small: $(BUILD)/obj/checks/exhaustive_small.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
