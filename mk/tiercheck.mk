# make check-tiers: the fast tiers of the reference against MPFR alone, bit
# for bit, on random rows of every awkward kind (checks/tiercheck.c), and both
# against the definition in plain MPFR at 4000 bits and the enclosure at 2048
# (reference/highprec.h) on rows of at most 16 entries; fails on any mismatch
# and prints the first rows that differ in hex-float.
#
#   make check-tiers [TIERCHECK_SECONDS=40] [TIERCHECK_ROWS=0] [TIERCHECK_SEED=]
#                    [TIERCHECK_FAMILIES=softmax,sigmoid] [TIERCHECK_ARGS=...]
#
# SECONDS and ROWS bound each family (0: no bound); an empty SEED draws one
# from the clock (printed, and in every replay line).  TIERCHECK_ARGS passes
# more options (--threads, --long, --slow, --settled-only, --highprec-n; see
# the program).
TIERCHECK_SECONDS  ?= 40
TIERCHECK_ROWS     ?= 0
TIERCHECK_SEED     ?=
TIERCHECK_FAMILIES ?=
TIERCHECK_ARGS     ?=

.PHONY: check-tiers
check-tiers: $(BUILD)/tiercheck
	$(BUILD)/tiercheck --seconds $(TIERCHECK_SECONDS) --rows $(TIERCHECK_ROWS) \
	  $(if $(TIERCHECK_SEED),--seed $(TIERCHECK_SEED)) \
	  $(if $(TIERCHECK_FAMILIES),--family $(TIERCHECK_FAMILIES)) $(TIERCHECK_ARGS)

$(BUILD)/tiercheck: $(BUILD)/obj/checks/tiercheck.o $(LIB)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)
