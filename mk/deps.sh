#!/bin/sh
# Makes sure the Debian packages a goal needs are installed: installs the
# missing ones through apt-get when run as root, otherwise prints the exact
# command and fails.  Usage: mk/deps.sh GROUP...
# (build test report browser clang fuzz valgrind fresh python torch)
set -u

need() {  # need PACKAGE...: adds those not installed to $missing
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing="$missing $pkg"
    done
}

missing=""
for group in "$@"; do
    case "$group" in
    build)   need gcc make libgmp-dev libmpfr-dev libmpfi-dev libcjson-dev ;;
    test)    need libcriterion-dev python3 parallel ;;
    report)  need gnuplot-nox ;;
    browser) need chromium ;;
    clang)   need clang libclang-rt-14-dev libomp-dev ;;
    fuzz)    need clang libclang-rt-14-dev libomp-dev afl++ ;;
    valgrind) need valgrind ;;
    fresh)   need mmdebstrap ;;
    python)  need python3 python3-numpy ;;
    torch)   need python3 python3-numpy python3-torch ;;
    *)
        echo "mk/deps.sh: unknown group '$group'" >&2
        exit 2
        ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # One install at a time: make -j2 may ask for two groups at once, and
    # apt takes its locks without waiting.  The second waits, then finds
    # what the first installed.
    if [ -z "${NS_DEPS_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
        NS_DEPS_LOCKED=1 exec flock /var/lock/normstab-deps.lock sh "$0" "$@"
    fi
    echo "installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq $missing >&2 && exit 0
    echo "mk/deps.sh: apt-get could not install:$missing" >&2
    exit 1
fi
echo "missing packages:$missing" >&2
echo "install them with:  sudo apt-get install -y$missing" >&2
exit 1
