# make check-fresh: the README's commands on a pristine Debian 12, as a new
# user meets them.  Builds a root with mmdebstrap (installed through the
# deps stamp), clones the committed HEAD into it and runs, as root inside
# it, `make test`, `make report` and `make fuzz FUZZ_SECONDS=30`; fails when
# any of them fails.  The root is unmounted and removed on every exit, Ctrl-C
# included.  About ten minutes on 2 cores; needs root (chroot, mounts).
#   make check-fresh [FRESH_SUITE=bookworm] [FRESH_MIRROR=] [FRESH_KEEP_LOGS=DIR]
FRESH_SUITE  ?= bookworm
FRESH_MIRROR ?=

.PHONY: check-fresh
check-fresh: $(BUILD)/.deps-fresh
	@FRESH_SUITE=$(FRESH_SUITE) FRESH_MIRROR="$(FRESH_MIRROR)" sh mk/check-fresh.sh
