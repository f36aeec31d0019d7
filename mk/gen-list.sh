#!/bin/sh
# Writes the X-macro list of every "const TYPE PREFIXNAME = " definition found
# in the given files: gen-list.sh MACRO PREFIX FILE...  (one MACRO(NAME) a line)
macro=$1; prefix=$2; shift 2
sed -n "s/^const ns_[a-z]* ${prefix}\([a-z0-9_]*\) *=.*/${macro}(\1)/p" "$@" | sort
