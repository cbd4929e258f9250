"""``resonant desktop install`` and ``resonant desktop uninstall``: the application-menu entry.

``install`` writes, for the person running it (no administrator needed), a desktop entry
and the icon, following the freedesktop specifications:

- ``$XDG_DATA_HOME/applications/resonant.desktop`` (Desktop Entry Specification 1.5,
  https://specifications.freedesktop.org/desktop-entry-spec/1.5/; it uses no key newer
  than 1.4 and says ``Version=1.4``, :data:`ENTRY_VERSION`): the name, a calm
  comment, the command that opens the window (:func:`launch_command`), ``Icon=resonant``
  and ``StartupWMClass=resonant`` (the window's class and, on Wayland, its application
  id, :func:`resonant.gui.app.use_app_icon`), so the menu, the dock and the window agree;
- ``$XDG_DATA_HOME/icons/hicolor/<N>x<N>/apps/resonant.png`` for each packaged size
  (:data:`resonant.gui.icon.SIZES_PX`) and
  ``.../scalable/apps/resonant.svg`` (Icon Theme Specification: the ``hicolor`` theme
  is the one every desktop falls back to).

``$XDG_DATA_HOME`` is ``~/.local/share`` when unset or not an absolute path (XDG Base
Directory Specification). Every file is written whole or not at all
(:func:`resonant.model.atomic.write_new`) and never replaces a file that is not
resonant's own: the entry is ours when it carries the ``X-Resonant-Version`` key this
command writes; an icon is ours when it is byte-for-byte a packaged icon or when our entry
is installed beside it (a name taken by anything else is refused in one sentence, exit 2,
before anything is written). So ``install`` can be run again (after an upgrade, or after
moving the program) and replaces its own files; ``uninstall`` removes exactly those files.
Both are idempotent. Afterwards ``update-desktop-database`` and
``gtk-update-icon-cache`` keep the caches of those folders current, where the tools are
installed and the folder has a cache already (a stale cache can hide a new icon; a cache
resonant made would be left behind), silently: desktops find the files without them.

This writes a Linux (and other freedesktop Unix) entry only. On macOS and Windows the
equivalent is not built by resonant: see docs/install.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from resonant._version import __version__
from resonant.errors import EXIT_BAD_INPUT, EXIT_OK, BadInputError
from resonant.model.text import for_terminal

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = [
    "DesktopFile", "add_parser", "data_home", "desktop_entry", "desktop_files", "exec_value",
    "install", "launch_command", "run", "uninstall",
]  # fmt: skip

#: The entry's file name (its desktop file id), the icon name and the window class.
APP_ID = "resonant"
#: The Desktop Entry Specification version the entry follows: it uses no key added in
#: 1.5, and 1.4 is the newest that Debian 12's ``desktop-file-validate`` (0.26) knows.
ENTRY_VERSION = "1.4"
#: The key that marks an entry as written by ``resonant desktop install``.
MARK_KEY = "X-Resonant-Version"
#: How long a cache-updating tool may take, s.
TOOL_TIMEOUT_S = 30.0

#: Characters that make an Exec argument need quoting (Desktop Entry Spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant desktop`` and its action to the sub-commands ``sub``."""
    desktop = sub.add_parser(
        "desktop",
        help="add resonant to the application menu (or take it away again)",
        description=(
            "install: write a desktop entry and the icon for you (in ~/.local/share: "
            "applications/resonant.desktop and icons/hicolor), so resonant appears in the "
            "application menu and opens its window from there. uninstall: remove exactly "
            "those files. Both can be run again safely. Linux and other freedesktop "
            "desktops; for macOS and Windows see docs/install.md."
        ),
    )
    desktop.add_argument("action", choices=("install", "uninstall"),
                         help="install or uninstall the entry and the icon")  # fmt: skip
    desktop.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant desktop``: :func:`install` or :func:`uninstall`; 0, or 2 with one sentence."""
    try:
        if sys.platform in ("darwin", "win32"):
            raise BadInputError(
                f"resonant desktop {args.action} writes a Linux desktop entry; on macOS and "
                "Windows, docs/install.md says what to do instead"
            )
        if args.action == "install":
            done = install(data_home(), launch_command())
        else:
            done = uninstall(data_home())
    except BadInputError as exc:
        print(f"resonant: {for_terminal(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for line in done:
        print(for_terminal(line))
    return EXIT_OK


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset, empty or relative."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that opens this resonant's window, as absolute words.

    A PyInstaller bundle (``sys.frozen``): its executable. An installed ``resonant``
    script (pip, pipx): its absolute path, symlinks kept (pipx's ``~/.local/bin/resonant``
    link still works after pipx reinstalls the environment behind it). Otherwise
    (``python -m resonant``, a test runner): this Python with ``-m resonant``; the
    interpreter's path is not resolved either, since a virtual environment's ``python``
    is a symlink that must stay one to find its packages.
    """
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).stem == APP_ID:
        found = argv0 if os.sep in argv0 else shutil.which(argv0)
        if found and os.path.isfile(found):
            return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", APP_ID]


def exec_value(command: Sequence[str]) -> str:
    """``command`` as the value of a desktop entry's ``Exec`` key.

    Each argument with a reserved character is put in double quotes, with ``"``, `````,
    ``$`` and ``\\`` escaped by a backslash; ``%`` is doubled (no field codes); then the
    string escapes of a value apply (``\\`` written ``\\\\``) (Desktop Entry Spec 1.5,
    "The Exec key").

    Raises
    ------
    BadInputError
        For an argument with a line break or another control character, which an entry
        cannot hold.
    """
    words = []
    for arg in command:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in arg):
            raise BadInputError(
                f"the path {arg!r} cannot be written in a desktop entry (it holds a line "
                "break or a control character)"
            )
        if not arg or _RESERVED & set(arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        words.append(arg.replace("%", "%%"))
    return " ".join(words).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str]) -> str:
    """The text of ``resonant.desktop`` for ``command`` (:func:`launch_command`)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        f"Version={ENTRY_VERSION}",
        "Name=resonant",
        "GenericName=Breathing trainer",
        "Comment=Slow, gentle breathing with your heart rhythm: a training and teaching aid",
        f"Exec={exec_value(command)}",
        f"Icon={APP_ID}",
        "Terminal=false",
        "Categories=Education;",
        "Keywords=breathing;biofeedback;heart rate variability;HRV;coherence;",
        "StartupNotify=true",
        f"StartupWMClass={APP_ID}",
        f"{MARK_KEY}={__version__}",
        "",
    ])  # fmt: skip


@dataclass(frozen=True, slots=True)
class DesktopFile:
    """One file ``install`` writes.

    Attributes
    ----------
    path : Path
        Where it goes.
    content : bytes
        What it holds.
    icon : bool
        An icon (True) or the entry (False).
    """

    path: Path
    content: bytes
    icon: bool


def desktop_files(home: Path, command: Sequence[str]) -> list[DesktopFile]:
    """The files ``install`` writes under the data folder ``home``, the entry last.

    The icons come from the package (``resonant/gui/icons``); the entry is written last,
    so an install stopped halfway leaves no entry pointing at missing icons.
    """
    from resonant.gui.icon import SIZES_PX, png_file, svg_file  # no Qt: package files

    hicolor = home / "icons" / "hicolor"
    out = [
        DesktopFile(hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png", png_file(n).read_bytes(),
                    True)
        for n in SIZES_PX
    ]  # fmt: skip
    out.append(DesktopFile(hicolor / "scalable" / "apps" / f"{APP_ID}.svg",
                           svg_file().read_bytes(), True))  # fmt: skip
    entry = desktop_entry(command).encode("utf-8")
    out.append(DesktopFile(home / "applications" / f"{APP_ID}.desktop", entry, False))
    return out


def _entry_path(home: Path) -> Path:
    return home / "applications" / f"{APP_ID}.desktop"


def _read(path: Path) -> bytes | None:
    """The bytes of a regular file at ``path`` (never through a symlink), or None."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _our_entry(home: Path) -> bool:
    """Whether ``resonant.desktop`` there was written by ``resonant desktop install``."""
    data = _read(_entry_path(home))
    if data is None:
        return False
    lines = data.decode("utf-8", errors="replace").splitlines()
    return any(line.startswith(f"{MARK_KEY}=") for line in lines)


def _ours(f: DesktopFile, packaged: set[bytes], entry_ours: bool) -> bool:
    """Whether the file now at ``f.path`` is resonant's own (see the module)."""
    data = _read(f.path)
    if data is None:
        return False
    if not f.icon:
        return entry_ours
    return data in packaged or entry_ours


def _reason(exc: OSError) -> str:
    from resonant.model.atomic import os_error_reason

    return os_error_reason(exc)


def install(home: Path, command: Sequence[str]) -> list[str]:
    """Write the entry and the icons under ``home``; return what was done, one line each.

    Raises
    ------
    BadInputError
        When a name is taken by a file that is not resonant's (nothing is written then),
        or a file cannot be written.
    """
    from resonant.model.atomic import write_new

    files = desktop_files(home, command)
    packaged = {f.content for f in files if f.icon}
    entry_ours = _our_entry(home)
    for f in files:
        if os.path.lexists(f.path) and not _ours(f, packaged, entry_ours):
            raise BadInputError(
                f"{f.path} exists and was not written by resonant; move it away and run "
                "`resonant desktop install` again"
            )
    done = []
    for f in files:
        if _read(f.path) == f.content:
            done.append(f"unchanged {f.path}")
            continue
        try:
            if os.path.lexists(f.path):
                f.path.unlink()  # our own earlier file: replaced by a new one
        except OSError as exc:
            raise BadInputError(f"{f.path} cannot be replaced ({_reason(exc)})") from None
        write_new(f.path, f.content, noun="resonant desktop install")
        done.append(f"wrote {f.path}")
    _update_caches(home)
    done.append("resonant is in your application menu (it may take a moment to appear).")
    return done


def uninstall(home: Path) -> list[str]:
    """Remove the entry and the icons ``install`` wrote under ``home``; return what was done.

    The icons go first and the entry last, so an uninstall stopped halfway can be run
    again. A file of the same name that is not resonant's is left, and said.

    Raises
    ------
    BadInputError
        When one of resonant's files cannot be removed.
    """
    files = desktop_files(home, ["resonant"])
    packaged = {f.content for f in files if f.icon}
    entry_ours = _our_entry(home)
    done = []
    for f in files:
        if not os.path.lexists(f.path):
            continue
        if not _ours(f, packaged, entry_ours):
            done.append(f"left {f.path} (not written by resonant)")
            continue
        try:
            f.path.unlink()
        except OSError as exc:
            raise BadInputError(f"{f.path} cannot be removed ({_reason(exc)})") from None
        done.append(f"removed {f.path}")
        if f.icon:  # the size's folders, when nothing else is left in them
            with contextlib.suppress(OSError):
                f.path.parent.rmdir()
                f.path.parent.parent.rmdir()
    if not any(line.startswith("removed") for line in done):
        done.append("Nothing to remove: resonant's desktop entry is not installed.")
    else:
        _update_caches(home)
        done.append("resonant's desktop entry and icon are removed.")
    return done


def _update_caches(home: Path) -> None:
    """Refresh the menu's and the icon theme's caches where they exist and their tools too."""
    applications = home / "applications"
    hicolor = home / "icons" / "hicolor"
    runs = []
    if (applications / "mimeinfo.cache").is_file():
        runs.append(["update-desktop-database", "-q", str(applications)])
    if (hicolor / "icon-theme.cache").is_file():
        runs.append(["gtk-update-icon-cache", "-q", "-t", "-f", str(hicolor)])
    for argv in runs:
        tool = shutil.which(argv[0])
        if tool is None:
            continue
        try:
            subprocess.run(
                [tool, *argv[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, timeout=TOOL_TIMEOUT_S, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            pass  # a cache is a convenience: the desktop finds the files without it
