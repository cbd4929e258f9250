"""The self-contained Linux bundle (issue 19): ``./dev.sh bundle`` and what it must carry.

Building the bundle takes minutes and running it in a minimal Debian needs root
(``./dev.sh bundle-check``, ``benchmarks/bundle_check.py``; figures in
``docs/install.md``), so these fast tests check only that the commands exist and that
the PyInstaller options name everything the program loads by name at run time.
"""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT

DEV_SH = ROOT / "dev.sh"


def _bundle_function() -> str:
    text = DEV_SH.read_text(encoding="utf-8")
    match = re.search(r"^build_bundle\(\) \{\n(.*?)^\}\n", text, re.MULTILINE | re.DOTALL)
    assert match, "dev.sh has no build_bundle function"
    return match.group(1)


def test_dev_sh_offers_the_bundle_commands() -> None:
    usage = subprocess.run(["bash", str(DEV_SH)], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 2
    assert "./dev.sh bundle " in usage.stdout and "./dev.sh bundle-check" in usage.stdout
    text = DEV_SH.read_text(encoding="utf-8")
    assert re.search(r"^\s+bundle\)\n\s+build_bundle\n", text, re.MULTILINE)
    assert "benchmarks/bundle_check.py" in text
    assert (ROOT / "benchmarks" / "bundle_check.py").is_file()


def test_pyinstaller_is_pinned() -> None:
    pins = re.search(r"^BUNDLE_PINS=\((.*)\)$", DEV_SH.read_text(encoding="utf-8"), re.MULTILINE)
    assert pins, "dev.sh has no BUNDLE_PINS"
    assert re.search(r"\bpyinstaller==\d+\.\d+", pins.group(1))
    assert re.search(r"\bpyinstaller-hooks-contrib==\d+", pins.group(1))


def test_the_options_name_what_is_loaded_by_name() -> None:
    body = _bundle_function()
    for option in (
        "--onedir",
        "--collect-submodules resonant",  # the commands, imported by name (cli.COMMANDS)
        "--collect-data resonant",  # strap profiles, protocols, practices, icons
        "--collect-submodules bleak",  # its BlueZ backend is chosen at run time
        "--collect-submodules dbus_fast",
        "--collect-binaries pylsl",  # liblsl, loaded with ctypes
        "--collect-submodules pyedflib",
        "--hidden-import PyQt6.QtSvg",
        "--hidden-import PyQt6.QtMultimedia",
        ":fonts",  # the fonts resonant.gui.app.use_bundled_fonts registers
    ):
        assert option in body, option
    assert "INSTALL.txt" in body and "linux-x86_64.tar.gz" in body


def test_build_products_stay_out_of_git() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored and "dist/" in ignored
