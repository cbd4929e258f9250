"""Whole-file writes that never leave half a file, and OS errors in a few plain words.

:func:`write_atomic` is the one way resonant writes a whole file (``session.json``, the
JSON sidecars, the settings, exports and reports): the content goes to a temporary file
beside the target, is synced to the disk, and only then takes the target's name, so a
crash or a full disk leaves either the old file or the new one, never a mix, and no
temporary file. Every file it writes is private by default: readable and writable by its
owner only (mode ``0o600``; a stricter umask makes it stricter still, nothing makes it
looser), because what resonant writes is health data. :func:`os_error_reason` turns the
:class:`OSError` of a failed write into the few words every message uses.

Outputs a person asks for (reports, plots, tables, screenshots) go through
:func:`write_new` (a whole file) or :func:`open_new` (a table written row by row): they
never replace anything (an existing name, a symlink, even a dangling one, or a file that
appears while they write), create missing folders owner-only
(:func:`make_private_folder`), and turn every failure into one sentence
(:class:`OutputError`, exit status 2) with nothing half-written left behind, also when
the command is stopped with Ctrl-C.

How a finished temporary file takes its name without replacing anything: ``os.link``
(a new name for the same file, which fails atomically when the name exists), then the
temporary name is removed. ``os.rename``/``os.replace`` would silently replace a file
that appeared after a check (a race an attacker can win). On file systems without hard
links the name is first claimed with an exclusively created empty file
(``O_CREAT | O_EXCL | O_NOFOLLOW``), which the finished file then replaces; only that
placeholder can ever be replaced.

It lives in :mod:`resonant.model` (below ``folder``, ``config``, ``exports`` and
``reports``) so that all of them can use it without importing each other.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from resonant.errors import BadInputError

__all__ = [
    "PRIVATE_FILE_MODE",
    "PRIVATE_FOLDER_MODE",
    "OutputError",
    "make_private_folder",
    "open_new",
    "write_atomic",
    "write_new",
    "os_error_reason",
]

#: Mode of every file resonant writes: read and write for the owner only.
PRIVATE_FILE_MODE = 0o600
#: Mode of every folder resonant creates: the owner only.
PRIVATE_FOLDER_MODE = 0o700

#: Tries at a free temporary name before giving up (a clash is already unlikely).
_TMP_TRIES = 100


def write_atomic(
    target: str | Path,
    content: bytes | str | Callable[[Path], object],
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
        open the file themselves, such as an EDF library or a Qt image); a function
        that returns ``False`` (as ``QImage.save`` does) has failed.
    exclusive : bool
        True: never replace an existing ``target`` (:class:`FileExistsError` instead,
        even when another process creates it meanwhile, and also when ``target`` is a
        symlink, dangling or not). False: replace it whole.
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
        as it was and no temporary file is left (also after KeyboardInterrupt).
    """
    target = Path(target)
    tmp, fd = _new_temporary(target, mode)
    try:
        if callable(content):
            os.close(fd)
            fd = -1
            if content(tmp) is False:
                raise OSError(errno.EIO, f"{target.name} could not be made", str(target))
            info = os.lstat(tmp)
            if not stat.S_ISREG(info.st_mode):  # a writer must not leave a link behind
                raise OSError(errno.EINVAL, "not a regular file", str(tmp))
            # A library may have replaced the file: take away any bit beyond ``mode``.
            current = stat.S_IMODE(info.st_mode)
            if current & ~mode:
                os.chmod(tmp, current & mode)
            fd = os.open(tmp, os.O_RDWR | _NOFOLLOW)  # read-write: fsync everywhere
        else:
            data = content.encode("utf-8") if isinstance(content, str) else content
            _write_all(fd, data)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if exclusive:
            _link_new(tmp, target)
        else:
            os.replace(tmp, target)
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
    _sync_folder(target.parent)
    return target


class OutputError(BadInputError):
    """An output that cannot be made: its name is taken, or it cannot be written.

    One sentence naming the file; exit status 2 (:data:`resonant.errors.EXIT_BAD_INPUT`).
    """


def make_private_folder(folder: str | Path) -> Path:
    """Create ``folder`` and its missing parents, each owner-only (``0o700``).

    Folders that exist are left as they are. (``os.makedirs`` gives its mode to the last
    folder only; the XDG Base Directory Specification asks for 0700 on each one made.)

    Returns
    -------
    Path
        ``folder``.

    Raises
    ------
    OSError
        When a folder cannot be created (``NotADirectoryError`` for a file in the way).
    """
    folder = Path(folder)
    missing: list[Path] = []
    p = folder
    while not p.is_dir() and p.parent != p:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=PRIVATE_FOLDER_MODE)
        except FileExistsError:
            if not d.is_dir():  # a file (or a link to one) where the folder should be
                reason = os.strerror(errno.ENOTDIR)
                raise NotADirectoryError(errno.ENOTDIR, reason, str(d)) from None
    return folder


def write_new(
    target: str | Path, content: bytes | str | Callable[[Path], object], *, noun: str = "resonant"
) -> Path:
    """Write an output file that must not exist yet, whole or not at all.

    The folder is created owner-only when missing (:func:`make_private_folder`), the file
    is written by :func:`write_atomic` with ``exclusive=True`` (mode ``0o600``), and any
    failure is one sentence.

    Parameters
    ----------
    target : str or Path
        The output.
    content : bytes, str or callable
        As for :func:`write_atomic`. For a Qt image:
        ``write_new(path, lambda tmp: image.save(str(tmp), "PNG"), noun="the screenshot")``.
    noun : str
        Who refuses, for the sentence: ``"<target> already exists; <noun> never
        overwrites a file"``.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OutputError
        When ``target`` exists (as anything, a dangling symlink included), appears
        meanwhile, or cannot be written (``"<target> cannot be written (the disk is
        full)"``); nothing is left behind.
    """
    target = Path(target)
    _refuse_existing(target, noun)
    _make_parent(target)
    try:
        return write_atomic(target, content, exclusive=True)
    except FileExistsError:
        raise _exists(target, noun) from None
    except OSError as exc:
        raise OutputError(f"{target} cannot be written ({os_error_reason(exc)})") from None


@contextlib.contextmanager
def open_new(target: str | Path, *, noun: str = "resonant") -> Iterator[TextIO]:
    """A text file to write row by row that takes its name only when complete.

    The rows go to a temporary file beside ``target`` (owner-only, an unpredictable
    name); when the block ends normally they are synced and the file takes the name
    ``target`` without replacing anything (as :func:`write_new`). When the block is
    left by an exception (a write error, Ctrl-C), the temporary file is removed, so a
    stopped run leaves nothing that blocks the next one.

    Parameters
    ----------
    target : str or Path
        The output; it must not exist.
    noun : str
        Who refuses, for the sentence (as :func:`write_new`).

    Yields
    ------
    TextIO
        UTF-8, ``"\n"`` line ends.

    Raises
    ------
    OutputError
        When ``target`` exists or appears meanwhile, or cannot be written; an
        :class:`OSError` raised inside the block is taken as this file's write error.
    """
    target = Path(target)
    _refuse_existing(target, noun)
    _make_parent(target)
    try:
        tmp, fd = _new_temporary(target, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise OutputError(f"{target} cannot be written ({os_error_reason(exc)})") from None
    f = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
    done = False
    try:
        try:
            yield f
            f.flush()
            os.fsync(f.fileno())
            f.close()
            _link_new(tmp, target)
            done = True
        except FileExistsError:
            raise _exists(target, noun) from None
        except OSError as exc:
            raise OutputError(f"{target} cannot be written ({os_error_reason(exc)})") from None
    finally:
        with contextlib.suppress(OSError):
            f.close()  # a full disk can fail the final flush again: the file goes anyway
        with contextlib.suppress(OSError):
            tmp.unlink()
    if done:
        _sync_folder(target.parent)


def _exists(target: Path, noun: str) -> OutputError:
    return OutputError(f"{target} already exists; {noun} never overwrites a file")


def _refuse_existing(target: Path, noun: str) -> None:
    """Refuse a name that is taken (``lexists``: a dangling symlink counts)."""
    if os.path.lexists(target):
        raise _exists(target, noun)


def _make_parent(target: Path) -> None:
    try:
        make_private_folder(target.parent)
    except OSError as exc:
        raise OutputError(f"{target} cannot be written ({os_error_reason(exc)})") from None


#: ``O_NOFOLLOW`` where the platform has it (never open through a symlink).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (``os.write`` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - a regular file writes at least one byte or raises
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[n:]


def _new_temporary(target: Path, mode: int) -> tuple[Path, int]:
    """Create an empty, hidden temporary file beside ``target`` with ``mode`` (less umask).

    The name has 64 random bits (``secrets``) and the file is created with ``O_EXCL``
    (and ``O_NOFOLLOW``), so nothing placed beforehand (a file, a symlink) is ever
    opened. Returns the path and its open descriptor.
    """
    import secrets  # here: readers import this module for os_error_reason only

    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    for _ in range(_TMP_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        return tmp, fd
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target))


def _link_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if nothing has that name yet (see the module)."""
    try:
        os.link(tmp, target)  # atomic, never through a symlink; fails when target exists
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: claim the name with an exclusively created
        # placeholder (never through a symlink), then put the finished file over it.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        os.close(os.open(target, flags, PRIVATE_FILE_MODE))
        try:
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                target.unlink()
            raise


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
