#!/usr/bin/env bash
# resonant's one entry point for setting up and running from a clone.
#
#   ./dev.sh demo     set up, then run the program's main job on its embedded default
#   ./dev.sh test     set up with the test dependencies, then run the whole test suite
#   ./dev.sh bench    set up with the test dependencies, then run the benchmarks
#
# Works on a fresh Debian (12 or newer) as root, and on a desktop as a user with sudo.
# Everything lives in .venv inside the clone; Debian packages are installed only when missing.
set -euo pipefail

cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python

say() { printf 'dev.sh: %s\n' "$*" >&2; }

# Debian packages the Qt window needs, even offscreen (tests run Qt with QT_QPA_PLATFORM=offscreen).
QT_DEBS=(libegl1 libgl1 libfontconfig1 libglib2.0-0 libxkbcommon0 libdbus-1-3)
# On a desktop, Qt's X11/Wayland window needs these too (Qt >= 6.5 needs libxcb-cursor0);
# libpulse0 gives the optional breathing tones a sound output.
QT_DESKTOP_DEBS=(libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libwayland-client0 libwayland-cursor0 libpulse0)
# The Bluetooth tests run unmodified bleak against a fake BlueZ on a private D-Bus daemon;
# the window is also tested as a real X11 window on a virtual X server (xvfb-run, xauth).
TEST_DEBS=(dbus-daemon xvfb xauth)

apt_updated=0
ensure_debs() {
    # ensure_debs PKG...: install the Debian packages that are not installed yet.
    command -v dpkg-query >/dev/null 2>&1 || { say "not a Debian-like system: make sure these are installed: $*"; return 0; }
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            say "these Debian packages are needed and I am not root and have no sudo: ${missing[*]}"
            say "ask an administrator to run: apt-get install ${missing[*]}"
            exit 2
        fi
    fi
    say "installing Debian packages: ${missing[*]}"
    if [ $apt_updated -eq 0 ]; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python_ok() {
    command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

ensure_venv() {
    # ensure_venv EXTRAS: a virtual environment with resonant installed (editable) and EXTRAS.
    local extras=$1
    if [ ! -x "$PY" ]; then
        python_ok || ensure_debs python3 python3-venv python3-pip
        python_ok || { say "Python 3.11 or newer with the venv module is needed; python3 is $(python3 --version 2>&1)"; exit 2; }
        say "creating $VENV"
        python3 -m venv "$VENV"
    fi
    # Re-install only when pyproject.toml or the extras changed.
    local stamp=".setup-stamp-${extras:-base}"
    local want
    want=$(cat pyproject.toml dev.sh | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "installing resonant${extras:+ [$extras]} into $VENV (the first time takes a few minutes)"
        "$PY" -m pip install -q --upgrade pip >/dev/null
        "$PY" -m pip install -q -e ".${extras:+[$extras]}"
        if [ "$extras" = "test" ]; then
            # pyhrv carries two real NN-interval recordings (BSD-3) that the oracle tests read as
            # data; its code is never imported, so none of its dependencies are needed.
            "$PY" -m pip install -q --no-deps "pyhrv==0.5.0"
        fi
        echo "$want" >"$stamp"
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    demo)
        # The trainer window on the simulated strap where there is a display; in this
        # terminal otherwise (resonant decides).
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            ensure_debs "${QT_DEBS[@]}" "${QT_DESKTOP_DEBS[@]}"
        fi
        ensure_venv ""
        exec "$VENV/bin/resonant" demo "$@"
        ;;
    test)
        ensure_debs "${QT_DEBS[@]}" "${QT_DESKTOP_DEBS[@]}" "${TEST_DEBS[@]}"
        ensure_venv test
        exec "$PY" -m pytest "$@"
        ;;
    bench)
        ensure_venv test
        exec "$PY" benchmarks/run.py "$@"
        ;;
    *)
        sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
