#!/bin/sh
# make check-fresh: the README's commands, run as a new user runs them, in a
# pristine Debian root made with mmdebstrap (mk/fresh.mk says what and why).
#
#   sh mk/check-fresh.sh            from the top of a checkout, as root
#
# The commands run inside a mount namespace of their own (unshare): /proc,
# /dev, /dev/pts and a tmpfs /tmp are mounted there and vanish with it, so
# no mount outlives the check on the machine, whatever stops it.  The root
# itself is removed on every exit (the trap), Ctrl-C included.  The logs of
# the commands stay in $FRESH_LOGS (default build/fresh).
set -u

# ---- inside the namespace: mount, run one command in the root, report ----
if [ "${1:-}" = --inside ]; then
    root=$2 log=$3
    shift 3
    mount -t proc proc "$root/proc" &&
        mount --bind /dev "$root/dev" &&
        mount --bind /dev/pts "$root/dev/pts" &&
        mount -t tmpfs -o mode=1777 tmpfs "$root/tmp" &&
        mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm" || {
        echo "check-fresh: cannot mount /proc, /dev, /dev/pts, /tmp in $root" >&2
        exit 2
    }
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb ${CI:+CI=$CI} \
        /bin/sh -c 'cd /root/normstab && exec "$@"' sh "$@" > "$log" 2>&1
fi

# ---- outside: make the root, clone HEAD, run the commands, clean up -------
top=$(pwd)
suite=${FRESH_SUITE:-bookworm}
logs=${FRESH_LOGS:-$top/build/fresh}

fail() { echo "check-fresh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || fail "needs root (mmdebstrap, chroot and mounts): run it as root"
for tool in mmdebstrap unshare chroot git; do
    command -v "$tool" > /dev/null || fail "$tool is not installed (sh mk/deps.sh fresh)"
done
head=$(git rev-parse --verify HEAD 2>/dev/null) || fail "not in a git checkout"
# The commands the README gives, and the one this check adds.
for cmd in "make report" "make test"; do
    grep -q "^$cmd\b" README.md || fail "README.md no longer gives '$cmd': update mk/check-fresh.sh"
done

root=$(mktemp -d /var/tmp/normstab-fresh.XXXXXX) || fail "cannot make a directory in /var/tmp"
cleanup() {
    trap - EXIT INT TERM HUP
    # What still runs inside the root (a command interrupted by Ctrl-C)
    # would keep its files busy.
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
    done
    sleep 0.2
    if grep -q " $root" /proc/mounts; then
        echo "check-fresh: mounts remain under $root; not removing it" >&2
    else
        rm -rf --one-file-system "$root"
    fi
}
trap cleanup EXIT
trap 'echo "check-fresh: interrupted" >&2; exit 130' INT TERM HUP

mkdir -p "$logs" || fail "cannot make $logs"
now() { date +%s; }

echo "check-fresh: a pristine Debian $suite root in $root (mmdebstrap)"
t0=$(now)
# shellcheck disable=SC2086
unshare --mount --propagation private \
    mmdebstrap --variant=apt --include=make,ca-certificates,git "$suite" "$root" ${FRESH_MIRROR:-} \
    > "$logs/mmdebstrap.log" 2>&1 || {
    tail -n 20 "$logs/mmdebstrap.log" >&2
    fail "mmdebstrap failed (log: $logs/mmdebstrap.log)"
}
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
git clone -q --no-hardlinks "$top" "$root/root/normstab" &&
    git -C "$root/root/normstab" checkout -q --detach "$head" ||
    fail "cannot clone $top into the root"
echo "check-fresh: root ready in $(($(now) - t0)) s; HEAD $(git rev-parse --short "$head")"

status=0
run() {  # run NAME COMMAND...: one command inside the root, timed
    name=$1
    shift
    log="$logs/$name.log"
    t=$(now)
    # In the background, so that a signal to this script is handled at
    # once (the trap kills what runs in the root), not when it ends.
    unshare --mount --propagation private sh "$top/mk/check-fresh.sh" --inside "$root" "$log" "$@" &
    wait $!
    rc=$?
    secs=$(($(now) - t))
    summary=$(grep -E '^[a-z-]*:? ?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        echo "check-fresh: $* ok in $secs s${summary:+ ($summary)}"
    else
        echo "check-fresh: $* FAILED (exit $rc) after $secs s${summary:+ ($summary)}; log: $log"
        tail -n 30 "$log" | sed 's/^/    /'
        status=1
    fi
}

run test make test
run report make report
run fuzz make fuzz FUZZ_SECONDS=30

if [ "$status" -eq 0 ]; then
    echo "check-fresh: passed: make test, make report, make fuzz on a pristine $suite in $(($(now) - t0)) s"
else
    echo "check-fresh: failed (logs in $logs)"
fi
exit "$status"
