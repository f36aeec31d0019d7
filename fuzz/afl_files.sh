# Sourced by fuzz/run.sh and fuzz/minimize.sh: AFL++'s files of an output
# directory (-o) copied elsewhere, each instance's named after it.

# Copies SUBDIR/id:* of every instance of AFL_OUT into DEST, as
# INSTANCE-id:NNNNNN (the rest of AFL++'s names, which hold ':' and ',',
# dropped).  SUBDIR: queue or crashes.
afl_copy() {   # AFL_OUT SUBDIR DEST
    for d in "$1"/*/"$2"; do
        [ -d "$d" ] || continue
        w=$(basename "$(dirname "$d")")
        mkdir -p "$3"
        for f in "$d"/id:*; do
            [ -f "$f" ] && cp "$f" "$3/$w-$(basename "$f" | cut -c1-9)"
        done
    done
    return 0
}
