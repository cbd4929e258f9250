"""Where resonant keeps a person's files: session folders and settings.

These functions only name the folders. They are created on first use, owner-only
(``0o700``) with every missing parent (:func:`resonant.model.atomic.make_private_folder`;
the XDG Base Directory Specification asks for 0700): the sessions folder by the recorder
(:class:`resonant.folder.write.Recorder`), the settings folder when settings are saved.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["user_data_dir", "sessions_dir"]

APP = "resonant"


def user_data_dir() -> Path:
    r"""The platform's per-user data folder for resonant.

    Linux and other Unix: ``$XDG_DATA_HOME/resonant`` (default ``~/.local/share/resonant``,
    XDG Base Directory Specification); macOS: ``~/Library/Application Support/resonant``;
    Windows: ``%LOCALAPPDATA%\\resonant``.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP


def sessions_dir() -> Path:
    """Where new session folders go when no ``--out`` is given (created owner-only on first use)."""
    return user_data_dir() / "sessions"
