"""Where resonant keeps a person's files: session folders and settings."""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path

__all__ = ["user_data_dir", "sessions_dir", "session_folder_name", "new_session_folder"]

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
    """Where new session folders go when no ``--out`` is given."""
    return user_data_dir() / "sessions"


def session_folder_name(start_utc: datetime, label: str) -> str:
    """``YYYY-MM-DDTHH-MM-SSZ_<label>``: sortable, and valid on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.") or "session"
    return f"{start_utc:%Y-%m-%dT%H-%M-%SZ}_{safe}"


def new_session_folder(parent: Path, start_utc: datetime, label: str) -> Path:
    """A session folder path under ``parent`` that does not exist yet (``-2``, ``-3``... added)."""
    name = session_folder_name(start_utc, label)
    path = parent / name
    n = 2
    while path.exists():
        path = parent / f"{name}-{n}"
        n += 1
    return path
