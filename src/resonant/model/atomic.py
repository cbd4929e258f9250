"""Whole-file writes that never leave half a file, and OS errors in a few plain words.

:func:`write_atomic` is the one way resonant writes a whole file (``session.json``, the
JSON sidecars, the settings, exports and reports): the content goes to a temporary file
beside the target, is synced to the disk, and only then takes the target's name, so a
crash or a full disk leaves either the old file or the new one, never a mix, and no
temporary file. Every file it writes is private by default: readable and writable by its
owner only (mode ``0o600``; a stricter umask makes it stricter still, nothing makes it
looser), because what resonant writes is health data. :func:`os_error_reason` turns the :class:`OSError` of a failed write into
the few words every message uses.

It lives in :mod:`resonant.model` (below ``folder``, ``config``, ``exports`` and
``reports``) so that all of them can use it without importing each other.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

__all__ = ["PRIVATE_FILE_MODE", "PRIVATE_FOLDER_MODE", "write_atomic", "os_error_reason"]

#: Mode of every file resonant writes: read and write for the owner only.
PRIVATE_FILE_MODE = 0o600
#: Mode of every folder resonant creates: the owner only.
PRIVATE_FOLDER_MODE = 0o700

#: Tries at a free temporary name before giving up (a clash is already unlikely).
_TMP_TRIES = 100


def write_atomic(
    target: str | Path,
    content: bytes | str | Callable[[Path], None],
    *,
    exclusive: bool = False,
    mode: int = PRIVATE_FILE_MODE,
) -> Path:
    """Write a whole file through a temporary file beside it, then give it its name.

    Parameters
    ----------
    target : str or Path
        The file to write. Its folder must exist.
    content : bytes, str or callable
        The bytes; or text, written as UTF-8 exactly as given (no newline translation);
        or a function that writes the file at the path it is given (for writers that
        open the file themselves, such as an EDF library).
    exclusive : bool
        True: never replace an existing ``target`` (:class:`FileExistsError` instead,
        even when another process creates it meanwhile). False: replace it whole.
    mode : int
        Permission bits of the new file (default owner-only, :data:`PRIVATE_FILE_MODE`).
        The umask can only remove bits; a writer function's own file is narrowed to
        ``mode`` too, so no library can leave the file readable by others.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    FileExistsError
        With ``exclusive``, when ``target`` exists.
    OSError
        When the folder is missing or the file cannot be written; the target is then
        as it was and no temporary file is left.
    """
    target = Path(target)
    tmp = _new_temporary(target, mode)
    try:
        if callable(content):
            content(tmp)
            # A library may have replaced the file: take away any bit beyond ``mode``.
            current = stat.S_IMODE(os.stat(tmp).st_mode)
            if current & ~mode:
                os.chmod(tmp, current & mode)
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with open(tmp, "wb") as f:
                f.write(data)
        with open(tmp, "r+b") as f:  # r+ so that fsync is allowed on every platform
            os.fsync(f.fileno())
        if exclusive:
            _link_new(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    _sync_folder(target.parent)
    return target


def _new_temporary(target: Path, mode: int) -> Path:
    """Create an empty, hidden temporary file beside ``target`` with ``mode`` (less umask)."""
    import secrets  # here: readers import this module for os_error_reason only

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TMP_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target))


def _link_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if nothing has that name yet."""
    try:
        os.link(tmp, target)  # atomic, and fails when target exists: no race
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a small race remains).
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target)) from None
        os.replace(tmp, target)


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: sync the folder's entry list (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def os_error_reason(exc: OSError) -> str:
    """The reason of a failed file operation, in a few plain words.

    Parameters
    ----------
    exc : OSError
        The error.

    Returns
    -------
    str
        ``"the disk is full"``, ``"the file is too large"``, ``"permission denied"``,
        ``"the disk is read-only"``, ``"no such folder"``, ``"not a folder"``, or else
        the system's own words (``strerror``).
    """
    code = exc.errno
    if code in _codes("ENOSPC", "EDQUOT"):
        return "the disk is full"
    if code in _codes("EFBIG"):
        return "the file is too large"
    if code in _codes("EROFS"):
        return "the disk is read-only"
    if code in _codes("EACCES", "EPERM"):
        return "permission denied"
    if code in _codes("ENOENT"):
        return "no such folder"
    if code in _codes("ENOTDIR"):
        return "not a folder"
    return exc.strerror or str(exc)


def _codes(*names: str) -> set[int]:
    """The errno values of ``names`` that this platform has."""
    return {getattr(errno, n) for n in names if hasattr(errno, n)}
