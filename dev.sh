#!/usr/bin/env bash
# resonant's one entry point for setting up and running from a clone.
#
#   ./dev.sh demo     set up, then run the program's main job on its embedded default
#   ./dev.sh test     set up with the test dependencies, then run the whole test suite
#   ./dev.sh bench    set up with the test dependencies, then run the benchmarks
#   ./dev.sh bundle   build the self-contained Linux bundle (PyInstaller) and its tarball in dist/
#   ./dev.sh bundle-check   run that bundle in a minimal Debian root with no Python (root, slow)
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
# the window is also tested as a real X11 window on a virtual X server (xvfb-run, xauth);
# desktop-file-validate checks the entry `resonant desktop install` writes.
TEST_DEBS=(dbus-daemon xvfb xauth desktop-file-utils)

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

# The self-contained Linux bundle (docs/install.md). PyInstaller runs in a build-only virtual
# environment holding resonant, its run-time dependencies and the pinned PyInstaller, nothing
# else: PyInstaller follows every import it can see (even inside functions), so a test-only
# library in .venv (dask, mne, pandas, ...) would otherwise end up in the bundle.
BUNDLE_PINS=(pyinstaller==6.22.3 pyinstaller-hooks-contrib==2026.9)
# objdump and objcopy for PyInstaller; DejaVu, the free font that goes into the bundle, since a
# minimal system has no fonts at all and Qt would then draw no text.
BUNDLE_DEBS=(binutils fonts-dejavu-core)
BUNDLE_WORK=build/bundle

bundle_install_note() {
    # bundle_install_note VERSION: the INSTALL.txt that travels in the tarball.
    cat <<EOF
resonant $1, self-contained for Linux (x86-64)

A biofeedback trainer for slow paced breathing. A training and teaching aid,
not a medical device.

Install
  tar -xzf resonant-$1-linux-x86_64.tar.gz
  ./resonant/resonant                  opens the window
  ./resonant/resonant --help           lists the commands
  ./resonant/resonant desktop install  adds resonant to your application menu
                                       (desktop uninstall removes it again)
The folder can live anywhere (for example ~/.local/opt/resonant); nothing else is
installed and no Python is needed. To remove resonant, delete the folder.

What the machine needs
  - Linux on x86-64 with glibc 2.36 or newer (Debian 12 or later, or a distribution
    of the same age).
  - The graphics libraries every desktop has: libGL and libEGL (libglvnd), libxcb,
    and for a Wayland session libwayland-client. On a minimal Debian:
        apt-get install libgl1 libegl1      (they bring libxcb1 and libwayland-client0)
  - Bluetooth chest straps are found through BlueZ: the bluetooth service must be
    running (systemctl status bluetooth) and the adapter switched on. Without it,
    the simulated strap (resonant demo) still works.

Your recordings and settings stay in your home folder (the settings page shows where).
Help: "About" in the window, and the resonant project's README and docs/.
EOF
}

build_bundle() {
    ensure_debs "${QT_DEBS[@]}" "${QT_DESKTOP_DEBS[@]}" "${BUNDLE_DEBS[@]}"
    python_ok || ensure_debs python3 python3-venv python3-pip
    python_ok || { say "Python 3.11 or newer with the venv module is needed"; exit 2; }
    local start=$SECONDS
    local bpy=$BUNDLE_WORK/venv/bin/python
    mkdir -p "$BUNDLE_WORK" dist
    if [ ! -x "$bpy" ]; then
        say "creating $BUNDLE_WORK/venv (for building the bundle only)"
        python3 -m venv "$BUNDLE_WORK/venv"
    fi
    local want
    want=$(cat pyproject.toml dev.sh | cksum)
    if [ ! -f "$BUNDLE_WORK/stamp" ] || [ "$(cat "$BUNDLE_WORK/stamp")" != "$want" ]; then
        say "installing resonant's run-time dependencies and PyInstaller into $BUNDLE_WORK/venv"
        "$bpy" -m pip install -q --upgrade pip >/dev/null
        "$bpy" -m pip install -q "${BUNDLE_PINS[@]}" .
        echo "$want" >"$BUNDLE_WORK/stamp"
    fi
    # resonant itself anew each time (as a wheel carries it), so the bundle is this tree;
    # setuptools' build/lib is emptied first, or a module removed from src/ would live on there.
    rm -rf build/lib
    "$bpy" -m pip install -q --no-deps --force-reinstall .
    local version
    version=$("$bpy" -c 'from resonant._version import __version__; print(__version__)')
    # The entry script lives outside the package: PyInstaller puts a script's own folder on
    # the import path, and src/resonant/signal would then shadow the standard library's signal.
    cat >"$BUNDLE_WORK/launch_resonant.py" <<'EOF'
"""The bundle's entry point: the resonant command."""
import sys

from resonant.cli import main

sys.exit(main())
EOF
    rm -rf "$BUNDLE_WORK/fonts" && mkdir -p "$BUNDLE_WORK/fonts"
    # fonts-dejavu-core's own files (Sans, Sans Mono, Serif), under its licence
    dpkg-query -L fonts-dejavu-core | grep '\.ttf$' | xargs cp -t "$BUNDLE_WORK/fonts/"
    cp /usr/share/doc/fonts-dejavu-core/copyright "$BUNDLE_WORK/fonts/DejaVu-LICENSE.txt"
    say "building the bundle with PyInstaller (a few minutes)"
    local here=$PWD
    # --collect-submodules resonant: the commands are imported by name (resonant.cli.COMMANDS).
    # --collect-data resonant: strap profiles, protocols, practices, icons.
    # bleak picks its backend at run time: BlueZ over D-Bus (dbus_fast) on Linux.
    # pylsl's liblsl, pyedflib, scipy, pyqtgraph and Qt (platforms xcb, wayland, offscreen;
    # imageformats; svg; multimedia for the tones) come with PyInstaller's hooks and these.
    # Fonts: resonant.gui.app registers fonts/*.ttf when it runs frozen.
    "$bpy" -m PyInstaller --noconfirm --clean --log-level WARN \
        --name resonant --onedir \
        --distpath "$here/dist" --workpath "$here/$BUNDLE_WORK/work" --specpath "$here/$BUNDLE_WORK" \
        --collect-submodules resonant --collect-data resonant \
        --collect-submodules bleak --collect-submodules dbus_fast \
        --collect-binaries pylsl --collect-submodules pyedflib \
        --hidden-import PyQt6.QtSvg --hidden-import PyQt6.QtMultimedia \
        --exclude-module tkinter \
        --add-data "$here/$BUNDLE_WORK/fonts:fonts" \
        "$here/$BUNDLE_WORK/launch_resonant.py"
    bundle_install_note "$version" >dist/resonant/INSTALL.txt
    cp LICENSE dist/resonant/LICENSE.txt
    local tarball=dist/resonant-$version-linux-x86_64.tar.gz
    tar -C dist -czf "$tarball" resonant
    say "bundle: dist/resonant/ ($(du -sh dist/resonant | cut -f1)); run dist/resonant/resonant"
    say "tarball: $tarball ($(du -h "$tarball" | cut -f1)); built in $((SECONDS - start)) s"
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
    bundle)
        build_bundle
        ;;
    bundle-check)
        # debootstrap a minimal Debian (no Python) and run the bundle inside it; needs root.
        # .venv for the fake BlueZ (dbus-fast, dbus-daemon) that `resonant scan` finds there.
        ensure_debs debootstrap dbus-daemon
        [ -x "$PY" ] || ensure_venv ""
        exec "$PY" benchmarks/bundle_check.py "$@"
        ;;
    *)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
