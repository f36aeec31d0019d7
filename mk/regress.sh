#!/bin/sh
# The regression gate: what `make regress` runs, and the command a script
# runs when it needs the gate's own exit status whatever else make is asked
# to do.  GNU make exits 2 whenever a recipe fails, whatever the recipe's
# status: `make regress` as make's only goal passes this script's status on
# (mk/regress.mk says how), beside other goals it cannot.  This script exits
#   0  no regression
#   1  a regression, or a baseline target no longer measured (a plugin not loaded)
#   2  a usage error, or a baseline that cannot be read
# usage: sh mk/regress.sh [BASELINE [normstab regress options...]]
#   NORMSTAB   the program (default build/normstab; a command is split into words)
#   BASELINE   default reports/baseline/results.json
# Plugins come from NORMSTAB_PLUGINS, as for every command.
B=${NORMSTAB:-build/normstab}
baseline=${1:-reports/baseline/results.json}
[ $# -gt 0 ] && shift
$B regress --baseline "$baseline" "$@"      # B may be a command ("valgrind -q build/normstab")
status=$?
case $status in
0) ;;
1) echo "regress: exit 1 (a regression or a missing target: see above)" >&2 ;;
*) echo "regress: exit $status (the check could not run)" >&2 ;;
esac
exit $status
