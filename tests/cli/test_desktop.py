"""``resonant desktop install|uninstall``: the menu entry and the icon, for this user only."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from resonant.cli import main
from resonant.cli.desktop import (
    data_home,
    desktop_entry,
    desktop_files,
    exec_value,
    launch_command,
)
from resonant.errors import BadInputError
from resonant.gui.icon import SIZES_PX


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    data = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setattr("sys.platform", "linux")
    return data


def _entry(home: Path) -> Path:
    return home / "applications" / "resonant.desktop"


def _icons(home: Path) -> list[Path]:
    hicolor = home / "icons" / "hicolor"
    return [hicolor / f"{n}x{n}" / "apps" / "resonant.png" for n in SIZES_PX] + [
        hicolor / "scalable" / "apps" / "resonant.svg"
    ]


def _keys(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def test_install_writes_the_entry_and_every_icon_and_says_so(home: Path, capsys) -> None:
    assert main(["desktop", "install"]) == 0
    out = capsys.readouterr().out
    entry = _entry(home)
    for path in [*_icons(home), entry]:
        assert path.is_file() and f"wrote {path}" in out
        assert path.stat().st_mode & 0o077 == 0  # the project's private files
    keys = _keys(entry)
    assert keys["Type"] == "Application" and keys["Name"] == "resonant"
    assert keys["GenericName"] == "Breathing trainer"
    assert keys["Icon"] == "resonant" and keys["Terminal"] == "false"
    assert keys["StartupWMClass"] == "resonant"  # the window's class (use_app_icon)
    assert keys["Categories"].endswith(";") and "X-Resonant-Version" in keys
    # Under pytest there is no `resonant` script in argv[0]: this Python, -m resonant.
    assert keys["Exec"].endswith(" -m resonant")
    assert (home / "icons/hicolor/48x48/apps/resonant.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "application menu" in out


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (Debian desktop-file-utils) is not installed")
def test_the_entry_is_valid_for_desktop_file_validate(home: Path, tmp_path: Path) -> None:
    assert main(["desktop", "install"]) == 0
    checked = subprocess.run(["desktop-file-validate", str(_entry(home))],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout
    # Also with a path that must be quoted and escaped.
    odd = tmp_path / "odd" / "resonant.desktop"
    odd.parent.mkdir()
    odd.write_text(desktop_entry(["/opt/my apps/100% $HOME/res\"o`nant\\x"]), encoding="utf-8")
    checked = subprocess.run(["desktop-file-validate", str(odd)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert checked.returncode == 0 and checked.stdout == "", checked.stdout


def test_install_and_uninstall_can_be_run_again(home: Path, capsys) -> None:
    assert main(["desktop", "install"]) == 0
    capsys.readouterr()
    assert main(["desktop", "install"]) == 0  # the same files: left as they are
    assert "unchanged" in capsys.readouterr().out
    # Our earlier entry (another Exec, an older version) is replaced, not refused.
    entry = _entry(home)
    entry.write_text(entry.read_text().replace("Exec=", "Exec=/old/place/"), encoding="utf-8")
    assert main(["desktop", "install"]) == 0
    assert f"wrote {entry}" in capsys.readouterr().out and "/old/place" not in entry.read_text()
    assert main(["desktop", "uninstall"]) == 0
    out = capsys.readouterr().out
    for path in [*_icons(home), entry]:
        assert not os.path.lexists(path) and f"removed {path}" in out
    assert not (home / "icons/hicolor/16x16").exists()  # the empty size folders go too
    assert main(["desktop", "uninstall"]) == 0
    assert "Nothing to remove" in capsys.readouterr().out


def test_a_file_that_is_not_ours_is_never_replaced_or_removed(home: Path, capsys) -> None:
    entry = _entry(home)
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nType=Application\nName=another resonant\nExec=x\n")
    assert main(["desktop", "install"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(entry) in err and "not written by resonant" in err
    assert "another resonant" in entry.read_text()
    assert not any(os.path.lexists(p) for p in _icons(home))  # nothing written
    # A symlink where an icon goes is not ours either, dangling or not.
    entry.unlink()
    icon = _icons(home)[0]
    icon.parent.mkdir(parents=True)
    icon.symlink_to(home / "elsewhere.png")
    assert main(["desktop", "install"]) == 2
    assert str(icon) in capsys.readouterr().err and icon.is_symlink()
    # Uninstall leaves it and the foreign entry, and says so.
    entry.write_text("[Desktop Entry]\nType=Application\nName=another\nExec=x\n")
    assert main(["desktop", "uninstall"]) == 0
    out = capsys.readouterr().out
    assert f"left {entry}" in out and f"left {icon}" in out
    assert entry.is_file() and icon.is_symlink()


def test_a_file_that_cannot_be_written_is_one_sentence_and_exit_2(home: Path, capsys) -> None:
    (home / "applications").parent.mkdir(parents=True)
    (home / "applications").write_text("a file where a folder should be")
    assert main(["desktop", "install"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("resonant: ") and err.count("\n") == 1 and "applications" in err


def test_macos_and_windows_are_pointed_to_the_install_guide(home: Path, monkeypatch,
                                                            capsys) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    assert main(["desktop", "install"]) == 2
    err = capsys.readouterr().err
    assert "docs/install.md" in err and err.count("\n") == 1


def test_exec_quotes_and_escapes_as_the_spec_asks() -> None:
    assert exec_value(["/usr/bin/resonant"]) == "/usr/bin/resonant"
    assert exec_value(["/a b/python", "-m", "resonant"]) == '"/a b/python" -m resonant'
    # Inside quotes " ` $ \ take a backslash; then a value's backslashes are doubled.
    assert exec_value(['/x$y"z']) == '"/x\\\\$y\\\\"z"'
    assert exec_value(["/100%/r"]) == "/100%%/r"
    with pytest.raises(BadInputError, match="line break"):
        exec_value(["/a\nb"])


def test_the_launch_command(monkeypatch, tmp_path: Path) -> None:
    script = tmp_path / "bin" / "resonant"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr("sys.argv", [str(script)])
    assert launch_command() == [str(script)]
    monkeypatch.setattr("sys.argv", ["/somewhere/__main__.py"])
    assert launch_command() == [os.path.abspath(sys.executable), "-m", "resonant"]
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert launch_command() == [os.path.abspath(sys.executable)]


def test_data_home_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_home() == tmp_path
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # ignored, as the spec asks
    assert data_home() == Path.home() / ".local" / "share"
    assert [f.path.name for f in desktop_files(tmp_path, ["r"])][-1] == "resonant.desktop"
