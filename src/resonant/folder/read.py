"""Read recorded beats: RR text files, OpenHRV CSV recordings, and resonant session folders.

:func:`read_recording` returns :class:`Recording` objects (one per source); the other
tables of a session folder have one reader each (:func:`read_events`,
:func:`read_pacer`, :func:`read_ecg`, :func:`read_acc`, :func:`read_session_json`). One
rule for errors, in every reader:

- a missing optional table (``events.tsv``, ``pacer.tsv``, ``ecg.tsv``, ``acc.tsv``,
  ``session.json``) gives an empty value or None;
- a table that is there but broken raises :class:`RecordingError`, one sentence naming
  the file and, where it can, the line; the columns a table needs are those of
  :data:`resonant.folder.schema.REQUIRED`;
- a cut-off last line (no final newline, as an interrupted recording leaves it) is
  skipped, with a warning where the reader returns warnings;
- a table that is a folder, a pipe (FIFO) or a device is an error, never opened (a FIFO
  would block the reader); one that cannot be read (permission denied) is an error;
- numbers are plain ASCII decimals (``812.5``, ``-1``, ``1e3``): ``inf``, ``nan``,
  ``8_00`` and other scripts' digits (``٨٠٠``) are not numbers here;
- values are checked for range where they are read, once, here: a time beyond
  :data:`TIME_LIMIT_S` from the session's start, a negative or absurd duration, a
  breathing rate outside 0-60 breaths/min, and, in ``session.json``, every field the
  commands use (:func:`read_session_json`) are errors naming the file and the line or
  key, so that no command builds a grid to a far time or fails on a value later.
"""

from __future__ import annotations

import json
import math
import os
import re
import reprlib
import stat
from datetime import UTC, datetime
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.errors import BadInputError
from resonant.folder.schema import REQUIRED, required_sentence
from resonant.model.atomic import os_error_reason
from resonant.model.beats import EVENT_KINDS, Event
from resonant.model.pacer import PHASES, PacerPhase
from resonant.signal.artifacts import RR_MAX_MS, RR_MIN_MS

__all__ = [
    "parse_utc",
    "EcgTrace",
    "PacerRows",
    "read_ecg",
    "AccTrace",
    "read_acc",
    "read_pacer",
    "read_session_json",
    "Recording",
    "RecordingError",
    "read_recording",
    "read_events",
    "path_kind",
    "RR_ABSURD_MIN_MS",
    "RR_ABSURD_MAX_MS",
    "TIME_LIMIT_S",
    "SAMPLE_LIMIT",
    "RATE_LIMIT_BPM",
]

#: Intervals outside this range cannot be heartbeats at all: the file is rejected, ms.
#: (Implausible-but-possible values, 20-300 and 2000-20000 ms, are artifacts instead.)
RR_ABSURD_MIN_MS = 20.0
RR_ABSURD_MAX_MS = 20000.0
#: Session times (beats, events, pacer phases, samples) and durations beyond this many
#: seconds from the session's start (about 116 days) cannot be a recording: the file is
#: rejected, s. It bounds every grid, replay and export built from a folder.
TIME_LIMIT_S = 10_000_000.0
#: Breathing rates outside (0, this] breaths/min cannot be a guide's or a person's.
RATE_LIMIT_BPM = 60.0
#: ECG (µV) and accelerometer (mG) samples beyond this size either way cannot be a
#: strap's (a Polar H10 gives a few thousand µV and at most 16 000 mG).
SAMPLE_LIMIT = 10_000_000.0
#: Heart rates beyond this (beats/min) cannot be a strap's reading.
_HR_LIMIT_BPM = 1000.0
#: Years a ``start_utc`` / ``end_utc`` of ``session.json`` may lie in.
_YEARS = (1900, 2999)
#: A number as resonant reads it: ASCII decimal digits, an optional sign, point and
#: exponent. Python's float() also takes "inf", "nan", "8_00" and other scripts' digits.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Arrival times that run ahead of the RR sum by more than this mean lost beats, s
#: (hrv-spec §1.4).
LOSS_TOLERANCE_S = 1.5


class RecordingError(BadInputError):
    """A recording that cannot be read, with the place and a plain reason."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Recording:
    """The beats of one source in one input.

    Attributes
    ----------
    path : str
        The file or folder read.
    kind : str
        ``"rr-text"``, ``"openhrv-csv"`` or ``"session"``.
    source : str
        Source label (empty for single-source inputs).
    time_s : ndarray of float
        Session time of each beat, s (the cumulative RR sum where the input has no times).
    rr_ms : ndarray of float
        Raw RR intervals, ms.
    rows : ndarray of int
        0-based index of each beat among the input's data rows.
    segment_starts : ndarray of int
        Index of the first beat of each gap-free segment.
    warnings : list of str
        Things skipped or assumed, as sentences.
    hr_bpm : ndarray of float or None
        The strap's heart rate with each beat (NaN where missing); None when the input
        has no such column.
    contact : ndarray of int8 or None
        Skin contact with each beat: 1, 0, or -1 for unknown; None when the input has no
        such column.
    artifact : ndarray of str or None
        The live check's flag with each beat as recorded (``""``, ``"range"``,
        ``"jump"``; other text as written); None when the input has no such column.
    """

    path: str
    kind: str
    source: str
    time_s: NDArray[np.float64]
    rr_ms: NDArray[np.float64]
    rows: NDArray[np.intp]
    segment_starts: NDArray[np.intp]
    warnings: list[str] = field(default_factory=list)
    hr_bpm: NDArray[np.float64] | None = None
    contact: NDArray[np.int8] | None = None
    artifact: NDArray[np.str_] | None = None


def read_recording(path: str | Path) -> list[Recording]:
    """Read any supported recording.

    Parameters
    ----------
    path : str or Path
        An RR text file (one interval per line, ms, or s when every value is below 10;
        blank lines and ``#`` comments ignored), an OpenHRV CSV recording
        (``event,value,timestamp``), a resonant session folder, or its ``beats.tsv``.

    Returns
    -------
    list of Recording
        One per source (most inputs have one).

    Raises
    ------
    RecordingError
        When the input is missing, empty, not text, or holds something that is not an
        RR interval.
    """
    p = Path(path)
    if path_kind(p) == "folder":
        beats = p / "beats.tsv"
        if not _present(beats):
            raise RecordingError(p, "not a session folder: it has no beats.tsv")
        return _read_beats_tsv(beats, _disconnects(p), shown=p)
    data = _read_bytes(p)
    plain = _read_rr_bytes(p, data)  # the common case, without a string per line
    if plain is not None:
        return [plain]
    lines, complete = _read_lines(p, data)
    del data
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None:
        raise RecordingError(p, "empty: there are no RR intervals in it")
    head = first.strip().lower()
    if head.startswith("event,") or head.startswith("event;"):
        return [_read_openhrv(p, lines, complete)]
    if "\t" in first and "rr_ms" in head.split("\t"):
        return _read_beats_tsv(p, None, shown=p, lines=(lines, complete))
    return [_read_rr_text(p, lines, complete)]


def _read_lines(p: Path, data: bytes | None = None) -> tuple[list[str], bool]:
    """Lines of an RR file, and whether its last line was complete; an empty file is an error.

    ``data``: the file's bytes when they were read already.
    """
    lines, complete = _read_text(p, data)
    if not any(ln.strip() for ln in lines):
        raise RecordingError(p, "empty: there are no RR intervals in it")
    return lines, complete


def _read_text(p: Path, data: bytes | None = None) -> tuple[list[str], bool]:
    """Lines of a text file (UTF-8, a BOM allowed), and whether its last line was complete.

    ``data``: the file's bytes when they were read already.
    """
    data = _read_bytes(p) if data is None else data
    if b"\x00" in data[:65536]:
        raise RecordingError(p, "not a text file (it holds binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RecordingError(p, "not a text file (it is not UTF-8)", line) from None
    complete = text.endswith("\n")
    return text.splitlines(), complete


def _kind_error(p: Path, mode: int) -> RecordingError:
    """The sentence for a path that is there but is no regular file."""
    if stat.S_ISDIR(mode):
        return RecordingError(p, "is a folder, not a file")
    what = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or socket"
    return RecordingError(p, f"is {what}, not a file, so it is not read")


def path_kind(path: str | Path) -> str | None:
    """What a path a person named is: ``"folder"``, ``"file"`` (anything else), or None.

    None when nothing is there. A path that cannot even be looked at (inside a folder
    the user may not open: permission denied) is a :class:`RecordingError` naming it,
    where ``Path.is_dir()`` and ``Path.exists()`` would raise ``PermissionError``.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise RecordingError(p, f"cannot be read ({os_error_reason(exc)})") from None
    return "folder" if stat.S_ISDIR(st.st_mode) else "file"


def _present(p: Path) -> bool:
    """Whether an optional file is there: False when absent; an error when it is there but
    is no regular file (a folder, a FIFO, a device) or cannot be looked at."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        if os.path.islink(p):
            raise RecordingError(p, "is a link to nothing") from None
        return False
    except OSError as exc:
        raise RecordingError(p, f"cannot be read ({os_error_reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _kind_error(p, st.st_mode)
    return True


def _read_bytes(p: Path) -> bytes:
    """The bytes of a regular file; never opens a FIFO or a device (they could block)."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise RecordingError(p, "no such file or folder") from None
    except OSError as exc:
        raise RecordingError(p, f"cannot be read ({os_error_reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _kind_error(p, st.st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise RecordingError(p, f"cannot be read ({os_error_reason(exc)})") from None
    with open(fd, "rb", closefd=True) as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced between the look and the open
            raise _kind_error(p, mode)
        try:
            return f.read()
        except OSError as exc:
            raise RecordingError(p, f"cannot be read ({os_error_reason(exc)})") from None


@dataclass(frozen=True)
class _Table:
    """A table of a session folder: header checked, rows split, a cut-off last line left out.

    Attributes
    ----------
    path : Path
        The file.
    header : list of str
        Its column names (empty for an empty file).
    rows : list of (int, list of str)
        Each non-blank data row: its 1-based line number and its cells. A row may have
        fewer cells than the header (the missing ones read as empty), never more.
    cut_line : int or None
        Line number of a cut-off last line that was left out.
    """

    path: Path
    header: list[str]
    rows: list[tuple[int, list[str]]]
    cut_line: int | None = None

    def index(self, name: str) -> int | None:
        """The position of column ``name``, or None when the table has no such column."""
        return self.header.index(name) if name in self.header else None

    def warnings(self) -> list[str]:
        """The sentence for a cut-off last line, if there was one."""
        if self.cut_line is None:
            return []
        return [f"line {self.cut_line} is cut off (an interrupted recording?) and was skipped"]


def _cell(parts: list[str], index: int | None) -> str:
    """The cell at ``index`` of a row; empty when the column or the cell is missing."""
    return parts[index] if index is not None and index < len(parts) else ""


def _read_table(p: Path, table: str, lines: tuple[list[str], bool] | None = None) -> _Table:
    """Read a table of :data:`~resonant.folder.schema.REQUIRED` by the one rule for errors.

    An empty file is a table without rows. The header must have the table's required
    columns; a row must have every cell up to the last required column and no more cells
    than the header. An unterminated last line is left out (``cut_line``): a row cut short
    by an interrupted write can look valid, so none of its cells is trusted.
    """
    text_lines, complete = lines if lines is not None else _read_text(p)
    if not text_lines or not text_lines[0].strip():
        return _Table(p, [], [])
    header = text_lines[0].rstrip("\r").split("\t")
    if not all(name in header for name in REQUIRED[table]):
        raise RecordingError(p, required_sentence(table), 1)
    need = max(header.index(name) for name in REQUIRED[table]) + 1
    body = text_lines[1:]
    cut = None
    if not complete and body and body[-1].strip():
        cut, body = len(text_lines), body[:-1]
    rows = []
    for n, raw in enumerate(body, start=2):
        if not raw.strip():
            continue
        parts = raw.rstrip("\r").split("\t")
        if not need <= len(parts) <= len(header):
            raise RecordingError(p, f"expected {len(header)} columns, found {len(parts)}", n)
        rows.append((n, parts))
    return _Table(p, header, rows, cut)


def _parse_rr(token: str) -> float | None:
    """A plain ASCII decimal number (:data:`_NUMBER`), finite; None for anything else."""
    token = token.strip()
    if not _NUMBER.fullmatch(token):
        return None
    v = float(token)
    return v if math.isfinite(v) else None


def _time_problem(column: str, value: float, shown: str) -> str | None:
    """The sentence for a session time beyond :data:`TIME_LIMIT_S`, or None."""
    if abs(value) <= TIME_LIMIT_S:
        return None
    return (
        f"{column} {shown[:40]} is too far from the session's start to be a session time "
        f"(at most {TIME_LIMIT_S:.0f} s, about 116 days)"
    )


def _duration_problem(column: str, value: float, shown: str) -> str | None:
    """The sentence for a duration that is negative or beyond :data:`TIME_LIMIT_S`."""
    if 0.0 <= value <= TIME_LIMIT_S:
        return None
    return f"{column} {shown[:40]} is not a duration (0 to {TIME_LIMIT_S:.0f} s)"


def _check_absurd(rr_ms: float, shown: str) -> str | None:
    if rr_ms <= 0:
        return f"RR interval {shown} is not positive"
    if rr_ms < RR_ABSURD_MIN_MS or rr_ms > RR_ABSURD_MAX_MS:
        return (
            f"RR interval {shown} ms cannot be a heartbeat (expected "
            f"{RR_ABSURD_MIN_MS:.0f}-{RR_ABSURD_MAX_MS:.0f} ms)"
        )
    return None


def _last_line_cut(lines: list[str], complete: bool, index: int) -> bool:
    """True when ``index`` is the last line and the file does not end with a newline."""
    return not complete and index == len(lines) - 1


def _read_rr_text(p: Path, lines: list[str], complete: bool) -> Recording:
    fast = _read_rr_text_fast(p, lines, complete)
    if fast is not None:
        return fast
    values: list[float] = []
    lines_of: list[int] = []
    warnings: list[str] = []
    header_seen = False
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        v = _parse_rr(s)
        if v is None:
            # A cut-off last line is one after others; a file of one line says what it is.
            if _last_line_cut(lines, complete, i) and values:
                warnings.append(
                    f"line {i + 1} is cut off (an interrupted recording?) and was skipped"
                )
                continue
            if not values and not header_seen and any(c.isalpha() for c in s):
                header_seen = True
                warnings.append(f"line {i + 1} ({s[:30]!r}) was read as a header")
                continue
            shown = f"{s[:40]!r}" + (f" ({len(s):,} characters)" if len(s) > 40 else "")
            if _NUMBER.fullmatch(s):  # digits beyond any float
                raise RecordingError(p, f"{shown} is far too large to be an RR interval", i + 1)
            raise RecordingError(
                p, f"{shown} is not a number (expected one RR interval per line)", i + 1
            )
        values.append(v)
        lines_of.append(i)
    if not values:
        raise RecordingError(p, "empty: there are no RR intervals in it")
    rr = np.asarray(values)
    scale = 1000.0 if rr.max() < 10.0 else 1.0
    if scale != 1.0:
        warnings.append("all values are below 10, so they were read as seconds")
    rr = rr * scale
    keep = np.ones(rr.size, dtype=bool)
    for k, (v, i) in enumerate(zip(rr.tolist(), lines_of, strict=True)):
        problem = _check_absurd(v, f"{values[k]:g}")
        cut = _last_line_cut(lines, complete, i)
        if cut and not RR_MIN_MS <= v <= RR_MAX_MS:
            # A number cut short by an interrupted write ("81" of "812.5") is implausible.
            problem = problem or "cut off"
        if problem:
            if cut and rr.size > 1:  # a cut-off last line is one after others
                warnings.append(
                    f"line {i + 1} is cut off (an interrupted recording?) and was skipped"
                )
                keep[k] = False
                continue
            if problem == "cut off":  # the only line: read as it would be with its newline
                continue
            raise RecordingError(p, problem, i + 1)
    rr = rr[keep]
    return Recording(
        str(p), "rr-text", "", np.cumsum(rr) / 1000.0, rr,
        np.arange(rr.size), np.array([0], dtype=np.intp), warnings,
    )  # fmt: skip


#: The bytes :func:`_read_rr_bytes` takes: ASCII digits, sign, point, exponent and line
#: ends. No spaces, so every line holds one token or none; no "_", "#", letters or other
#: scripts' digits, which the line reader looks at.
_PLAIN_RR_BYTES = b"0123456789.+-eE\r\n"
#: Bytes parsed at a time by :func:`_read_rr_bytes` (up to the next line end).
_PARSE_CHUNK = 1 << 18


def _read_rr_bytes(p: Path, data: bytes) -> Recording | None:
    """:func:`_read_rr_text_fast` on a plain RR file's bytes, a chunk at a time; else None.

    A file of plain numbers, one per line (:data:`_PLAIN_RR_BYTES`), is parsed straight
    into one array: a Python string per line would cost about 60 bytes per beat more
    than the beats themselves (issue 18: bounded memory). The numbers are converted as
    :func:`_read_rr_text_fast` converts them and checked the same way, so the recording
    is the same. Anything else (spaces, comments, a header, a value that is not a number,
    absurd, or all below 10, a cut-off last line) is None: the line reader then reads
    the file and says what and where.
    """
    if not data or data.translate(None, _PLAIN_RR_BYTES):
        return None
    rr = np.empty(data.count(b"\n") + data.count(b"\r") + 1)
    k = pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos + _PARSE_CHUNK)
        end = len(data) if end < 0 else end + 1
        tokens = data[pos:end].decode("ascii").split()
        pos = end
        try:
            values = np.array(tokens, dtype=np.float64)
        except ValueError:
            return None
        rr[k : k + values.size] = values
        k += values.size
    if k == 0:
        return None
    if k < rr.size:
        rr.resize(k, refcheck=False)
    if not np.isfinite(rr).all() or rr.max() < 10.0:
        return None
    if ((rr < RR_ABSURD_MIN_MS) | (rr > RR_ABSURD_MAX_MS)).any():
        return None
    if not data.endswith(b"\n") and not RR_MIN_MS <= rr[-1] <= RR_MAX_MS:
        return None
    time_s = np.cumsum(rr)
    time_s /= 1000.0
    return Recording(
        str(p), "rr-text", "", time_s, rr, np.arange(rr.size), np.array([0], dtype=np.intp), [],
    )  # fmt: skip


def _read_rr_text_fast(p: Path, lines: list[str], complete: bool) -> Recording | None:
    """Vectorised reading of a clean file (one plain number per line); None for anything else.

    Anything unusual (comments, headers, bad or absurd values, a cut-off last line) goes to
    the line-by-line reader, which says exactly what and where.
    """
    try:
        # Every line one number (numpy parses each as float() does, surrounding whitespace
        # allowed): the common case, without splitting the text into tokens first.
        rr = np.array(lines, dtype=np.float64)
    except ValueError:
        rr = None  # blank lines, or lines that are not one number: look closer
    if rr is None or rr.size == 0:
        tokens = "\n".join(lines).split()
        if not tokens or len(tokens) != sum(1 for ln in lines if ln.strip()) or "#" in tokens[0]:
            return None
        try:
            rr = np.array(tokens, dtype=np.float64)
        except ValueError:
            return None
    if not np.isfinite(rr).all() or rr.max() < 10.0:
        return None
    # numpy reads as float() does: "8_00" and other scripts' digits ("٨٠٠") would pass.
    joined = "".join(lines)
    if not joined.isascii() or "_" in joined:
        return None
    if ((rr < RR_ABSURD_MIN_MS) | (rr > RR_ABSURD_MAX_MS)).any():
        return None
    if not complete and not RR_MIN_MS <= rr[-1] <= RR_MAX_MS:
        return None
    return Recording(
        str(p), "rr-text", "", np.cumsum(rr) / 1000.0, rr,
        np.arange(rr.size), np.array([0], dtype=np.intp), [],
    )  # fmt: skip


def _read_openhrv(p: Path, lines: list[str], complete: bool) -> Recording:
    """OpenHRV's CSV: ``event,value,timestamp`` rows; the IBI rows hold RR in ms."""
    values: list[float] = []
    rows: list[int] = []
    warnings: list[str] = []
    data_row = -1
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s or s.startswith("#") or s.lower().startswith("event,"):
            continue
        data_row += 1
        parts = s.split(",")
        cut = _last_line_cut(lines, complete, i)
        if len(parts) < 3:
            if cut:
                warnings.append(
                    f"line {i + 1} is cut off (an interrupted recording?) and was skipped"
                )
                continue
            raise RecordingError(
                p, f"expected 3 fields (event,value,timestamp), found {len(parts)}", i + 1
            )
        if parts[0].strip() not in ("InterBeatInterval", "IBI"):
            continue
        v = _parse_rr(parts[1])
        problem = f"{parts[1][:40]!r} is not a number" if v is None else _check_absurd(v, parts[1])
        if problem:
            if cut:
                warnings.append(
                    f"line {i + 1} is cut off (an interrupted recording?) and was skipped"
                )
                continue
            raise RecordingError(p, problem, i + 1)
        assert v is not None  # a value that is not a number is a problem above
        values.append(v)
        rows.append(data_row)
    if not values:
        raise RecordingError(p, "empty: there are no InterBeatInterval rows in it")
    rr = np.asarray(values)
    return Recording(
        str(p), "openhrv-csv", "", np.cumsum(rr) / 1000.0, rr,
        np.asarray(rows, dtype=np.intp), np.array([0], dtype=np.intp), warnings,
    )  # fmt: skip


def read_events(folder: str | Path) -> list[Event]:
    """The events of a session folder (``events.tsv``), in file order.

    A folder without ``events.tsv`` has no events; a cut-off last line is skipped.
    Unknown kinds are read as ``note``; ``duration_s``, ``label`` and ``source`` are
    optional columns (0, empty, empty).

    Raises
    ------
    RecordingError
        When the file has no ``onset_s``/``kind`` columns or a row is broken.
    """
    p = Path(folder) / "events.tsv"
    if not _present(p):
        return []
    table = _read_table(p, "events.tsv")
    ci_onset, ci_kind = table.index("onset_s"), table.index("kind")
    ci_dur, ci_label, ci_src = (table.index(c) for c in ("duration_s", "label", "source"))
    out: list[Event] = []
    for n, parts in table.rows:
        onset = _parse_rr(_cell(parts, ci_onset))
        if onset is None:
            raise RecordingError(p, f"onset_s {_cell(parts, ci_onset)[:40]!r} is not a number", n)
        problem = _time_problem("onset_s", onset, _cell(parts, ci_onset))
        if problem:
            raise RecordingError(p, problem, n)
        kind = _cell(parts, ci_kind)
        dur_text = _cell(parts, ci_dur).strip()
        duration = _parse_rr(dur_text) if dur_text else 0.0
        if duration is None:
            raise RecordingError(p, f"duration_s {dur_text[:40]!r} is not a number", n)
        problem = _duration_problem("duration_s", duration, dur_text)
        if problem:
            raise RecordingError(p, problem, n)
        out.append(Event(onset, kind if kind in EVENT_KINDS else "note",
                         _cell(parts, ci_label), duration, _cell(parts, ci_src)))  # fmt: skip
    return out


def _disconnects(folder: Path) -> dict[str, list[float]]:
    """Onsets of the breaks, per source ('' = all).

    A ``gap`` event (any reason) or a ``connection`` event labelled ``disconnected``
    (folders written before ``gap`` events were).
    """
    out: dict[str, list[float]] = {}
    for ev in read_events(folder):
        if ev.kind == "gap" or (ev.kind == "connection" and ev.label == "disconnected"):
            out.setdefault(ev.source, []).append(ev.onset_s)
    return out


def _read_beats_tsv(
    p: Path,
    disconnects: dict[str, list[float]] | None,
    shown: Path,
    lines: tuple[list[str], bool] | None = None,
) -> list[Recording]:
    """A session's ``beats.tsv``: one row per beat with at least ``time_s`` and ``rr_ms``."""
    table = _read_table(p, "beats.tsv", lines)
    ci_t, ci_rr = table.index("time_s"), table.index("rr_ms")
    ci_src, ci_hr, ci_contact, ci_art = (
        table.index(c) for c in ("source", "hr_bpm", "contact", "artifact")
    )
    per_source: dict[str, tuple[list[float], list[float], list[int]]] = {}
    extra: dict[str, tuple[list[float], list[int], list[str]]] = {}
    warnings = table.warnings()
    for data_row, (n, parts) in enumerate(table.rows):
        t, rr = _parse_rr(_cell(parts, ci_t)), _parse_rr(_cell(parts, ci_rr))
        src = _cell(parts, ci_src)
        problem: str | None
        if t is None:
            problem = f"time_s {_cell(parts, ci_t)[:40]!r} is not a number"
        elif rr is None:
            problem = f"rr_ms {_cell(parts, ci_rr)[:40]!r} is not a number"
        else:
            problem = _time_problem("time_s", t, _cell(parts, ci_t)) or _check_absurd(
                rr, _cell(parts, ci_rr)
            )
            if problem is None and src in per_source and t <= per_source[src][0][-1]:
                problem = f"time_s {_cell(parts, ci_t)} does not come after the previous beat's"
        if problem is not None or t is None or rr is None:
            raise RecordingError(p, problem or "not a beat", n)
        ts, rrs, rows = per_source.setdefault(src, ([], [], []))
        ts.append(t)
        rrs.append(rr)
        rows.append(data_row)
        hrs, contacts, flags = extra.setdefault(src, ([], [], []))
        hr = _parse_rr(_cell(parts, ci_hr))
        if hr is not None and not 0.0 <= hr <= _HR_LIMIT_BPM:
            raise RecordingError(p, f"hr_bpm {_cell(parts, ci_hr)[:40]} is not a heart rate", n)
        hrs.append(math.nan if hr is None else hr)
        c = _cell(parts, ci_contact).strip()
        contacts.append(1 if c == "1" else 0 if c == "0" else -1)
        flags.append(_cell(parts, ci_art).strip())
    if not per_source:
        raise RecordingError(p, "empty: there are no beats in it")
    out = []
    for src, (ts, rrs, rows) in per_source.items():
        t_arr, rr_arr = np.asarray(ts), np.asarray(rrs)
        breaks = np.zeros(t_arr.size, dtype=bool)
        # Lost beats: the arrival time ran ahead of the intervals (hrv-spec §1.4).
        breaks[1:] = np.diff(t_arr) > rr_arr[1:] / 1000.0 + LOSS_TOLERANCE_S
        for onset in (disconnects or {}).get(src, []) + (
            (disconnects or {}).get("", []) if src else []
        ):
            k = int(np.searchsorted(t_arr, onset, side="right"))
            if 0 < k < t_arr.size:
                breaks[k] = True
        breaks[0] = True
        hrs, contacts, flags = extra[src]
        out.append(
            Recording(
                str(shown),
                "session",
                src,
                t_arr,
                rr_arr,
                np.asarray(rows, dtype=np.intp),
                np.flatnonzero(breaks),
                list(warnings),
                np.asarray(hrs) if ci_hr is not None else None,
                np.asarray(contacts, dtype=np.int8) if ci_contact is not None else None,
                np.asarray(flags, dtype=np.str_) if ci_art is not None else None,
            )  # fmt: skip
        )
    return out


@dataclass(frozen=True, slots=True)
class PacerRows:
    """The guide's phases as recorded in ``pacer.tsv`` (arrays, one per phase)."""

    start_s: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    code: NDArray[np.intp]
    rate_bpm: NDArray[np.float64]

    @classmethod
    def from_phases(cls, phases: Sequence[PacerPhase]) -> PacerRows:
        """The same arrays from scheduled phases (a plan, before it is recorded)."""
        return cls(
            np.array([p.start_s for p in phases], dtype=np.float64),
            np.array([p.duration_s for p in phases], dtype=np.float64),
            np.array([PHASES.index(p.phase) for p in phases], dtype=np.intp),
            np.array([p.rate_bpm for p in phases], dtype=np.float64),
        )

    def inhales(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Inhale onsets and their rates."""
        sel = self.code == 0
        return self.start_s[sel], self.rate_bpm[sel]

    def volume(self, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """The guide's target volume at times ``t_s`` (half-cosine per phase, hrv-spec §9)."""
        k = np.clip(np.searchsorted(self.start_s, t_s, side="right") - 1, 0, self.start_s.size - 1)
        frac = np.clip((t_s - self.start_s[k]) / self.duration_s[k], 0.0, 1.0)
        c = np.cos(np.pi * frac)
        code = self.code[k]
        vol = np.where(code == 0, 0.5 * (1.0 - c), 0.5 * (1.0 + c))
        vol = np.where(code == 1, 1.0, vol)
        return np.where(code == 3, 0.0, vol)


def read_pacer(folder: str | Path) -> PacerRows | None:
    """Read ``pacer.tsv`` of a session folder: the breathing guide's phases.

    Required columns are ``time_s``, ``phase`` and ``rate_bpm``
    (:data:`~resonant.folder.schema.REQUIRED`); ``duration_s`` is derived when the
    column (or a cell) is absent: a phase lasts until the next onset, and the last one as
    long as the same phase did last time. ``breath`` is not needed.

    Returns
    -------
    PacerRows or None
        The phases; None when the session had no breathing guide (no ``pacer.tsv``, or
        one without phases).

    Raises
    ------
    RecordingError
        When a row is broken (a cut-off last row is skipped).
    """
    p = Path(folder) / "pacer.tsv"
    if not _present(p):
        return None
    table = _read_table(p, "pacer.tsv")
    ci_t, ci_phase, ci_rate = (table.index(c) for c in ("time_s", "phase", "rate_bpm"))
    ci_dur = table.index("duration_s")
    rows: list[tuple[float, float, int, float]] = []
    for n, parts in table.rows:
        t, rate = _parse_rr(_cell(parts, ci_t)), _parse_rr(_cell(parts, ci_rate))
        phase, dur_text = _cell(parts, ci_phase), _cell(parts, ci_dur).strip()
        length_s = _parse_rr(dur_text) if dur_text else math.nan  # NaN: derived below
        if t is None or rate is None or rate <= 0 or phase not in PHASES or length_s is None:
            text = "\t".join(parts)[:40]
            raise RecordingError(p, f"row {text!r} is not a breathing phase", n)
        problem = _time_problem("time_s", t, _cell(parts, ci_t))
        if problem is None and rate > RATE_LIMIT_BPM:
            problem = f"rate_bpm {_cell(parts, ci_rate)[:40]} is not a breathing rate (0-60/min)"
        if problem is None and length_s == length_s:
            problem = _duration_problem("duration_s", length_s, dur_text)
        if problem:
            raise RecordingError(p, problem, n)
        if rows and t < rows[-1][0]:
            shown = _cell(parts, ci_t)
            raise RecordingError(p, f"time_s {shown} comes before the previous phase's", n)
        rows.append((t, length_s, PHASES.index(phase), rate))
    if not rows:
        return None
    a = np.array(rows)
    start, dur = a[:, 0], a[:, 1]
    missing = ~np.isfinite(dur)
    if missing.any():
        # Derived: a phase lasts until the next onset; the last one, a breath's share.
        nxt = np.append(start[1:] - start[:-1], np.nan)
        dur = np.where(missing, nxt, dur)
        if not np.isfinite(dur[-1]):
            dur[-1] = _last_phase_s(int(a[-1, 2]), float(a[-1, 3]), start, a[:, 2])
    return PacerRows(start, dur, a[:, 2].astype(np.intp), a[:, 3])


def _last_phase_s(code: int, rate_bpm: float, start: NDArray[np.float64], codes: NDArray[Any]) -> float:
    """Length of the last phase when ``duration_s`` is absent: as the same phase lasted last time."""
    same = np.flatnonzero(codes[:-1] == code)
    if same.size and same[-1] + 1 < start.size:
        k = int(same[-1])
        return float(start[k + 1] - start[k])
    return 60.0 / rate_bpm / 2.0


@dataclass(frozen=True, slots=True)
class EcgTrace:
    """The raw ECG of one source (``ecg.tsv``), in time order.

    Attributes
    ----------
    time_s : ndarray of float
        Sample times, s on the session clock.
    ecg_uv : ndarray of float
        Sample values, µV.
    """

    time_s: NDArray[np.float64]
    ecg_uv: NDArray[np.float64]


def read_ecg(folder: str | Path) -> dict[str, EcgTrace]:
    """Read ``ecg.tsv`` of a session folder: the raw ECG of each source.

    Required columns are ``time_s`` and ``ecg_uv``; ``source`` is optional (empty).

    Returns
    -------
    dict of str to EcgTrace
        Per source label, in order of first appearance, samples sorted by time; empty
        when the folder has no ``ecg.tsv`` (most sessions record no ECG).

    Raises
    ------
    RecordingError
        When a row is broken (a cut-off last row is skipped).
    """
    p = Path(folder) / "ecg.tsv"
    if not _present(p):
        return {}
    table = _read_table(p, "ecg.tsv")
    ci_t, ci_v, ci_s = (table.index(c) for c in ("time_s", "ecg_uv", "source"))
    per: dict[str, tuple[list[float], list[float]]] = {}
    for n, parts in table.rows:
        t, v = _parse_rr(_cell(parts, ci_t)), _parse_rr(_cell(parts, ci_v))
        if t is None or v is None:
            text = "\t".join(parts)[:40]
            raise RecordingError(p, f"row {text!r} is not an ECG sample", n)
        problem = _time_problem("time_s", t, _cell(parts, ci_t))
        if problem is None and abs(v) > SAMPLE_LIMIT:
            problem = f"ecg_uv {_cell(parts, ci_v)[:40]} cannot be an ECG sample (µV)"
        if problem:
            raise RecordingError(p, problem, n)
        ts, vs = per.setdefault(_cell(parts, ci_s), ([], []))
        ts.append(t)
        vs.append(v)
    out = {}
    for src, (ts, vs) in per.items():
        t_arr, v_arr = np.asarray(ts), np.asarray(vs)
        order = np.argsort(t_arr, kind="stable")
        out[src] = EcgTrace(t_arr[order], v_arr[order])
    return out


@dataclass(frozen=True, slots=True)
class AccTrace:
    """The chest accelerometer of one source (``acc.tsv``), in time order.

    Attributes
    ----------
    time_s : ndarray of float
        Sample times, s on the session clock.
    xyz_mg : ndarray of float, shape (n, 3)
        x, y and z, milli-g (gravity included).
    """

    time_s: NDArray[np.float64]
    xyz_mg: NDArray[np.float64]


def read_acc(folder: str | Path) -> dict[str, AccTrace]:
    """Read ``acc.tsv`` of a session folder: the chest accelerometer of each source.

    Required columns are ``time_s``, ``x_mg``, ``y_mg`` and ``z_mg``; ``source`` is
    optional (empty).

    Returns
    -------
    dict of str to AccTrace
        Per source label, in order of first appearance, samples sorted by time; empty
        when the folder has no ``acc.tsv``.

    Raises
    ------
    RecordingError
        When a row is broken (a cut-off last row is skipped).
    """
    p = Path(folder) / "acc.tsv"
    if not _present(p):
        return {}
    table = _read_table(p, "acc.tsv")
    ci = [table.index(c) for c in ("time_s", "x_mg", "y_mg", "z_mg")]
    ci_s = table.index("source")
    per: dict[str, tuple[list[float], list[tuple[float, float, float]]]] = {}
    for n, parts in table.rows:
        vals = [_parse_rr(_cell(parts, c)) for c in ci]
        if any(v is None for v in vals):
            text = "\t".join(parts)[:40]
            raise RecordingError(p, f"row {text!r} is not an accelerometer sample", n)
        t, x, y, z = (float(v) for v in vals if v is not None)
        problem = _time_problem("time_s", t, _cell(parts, ci[0]))
        if problem is None and max(abs(x), abs(y), abs(z)) > SAMPLE_LIMIT:
            problem = f"a value of {max(abs(x), abs(y), abs(z)):g} mG cannot be an accelerometer's"
        if problem:
            raise RecordingError(p, problem, n)
        ts, xs = per.setdefault(_cell(parts, ci_s), ([], []))
        ts.append(t)
        xs.append((x, y, z))
    out = {}
    for src, (ts, xs) in per.items():
        t_arr, x_arr = np.asarray(ts), np.asarray(xs, dtype=np.float64).reshape(-1, 3)
        order = np.argsort(t_arr, kind="stable")
        t_arr, x_arr = t_arr[order], x_arr[order]
        # Samples are given back in time order, each once: a repeated time keeps its first.
        once = np.ones(t_arr.size, dtype=bool)
        once[1:] = np.diff(t_arr) > 0
        out[src] = AccTrace(t_arr[once], x_arr[once])
    return out


def parse_utc(value: object) -> datetime | None:
    """A time of ``session.json`` (``start_utc``, ``end_utc``) as an aware UTC datetime.

    ISO 8601 (``Z`` or an offset; a time without one is UTC). The one parser of these
    times: the report and history show them, ``read_session`` and the EDF export refuse
    a broken one. None when the value is absent, not text, not a time, or a time that
    cannot be held in UTC (``9999-12-31T23:59:59-05:00``).
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def read_session_json(folder: str | Path) -> dict[str, Any]:
    """``session.json`` of a session folder, as a dict; empty when the folder has none.

    The one reader of ``session.json``: every command reads it through here, with one
    rule for errors. Every field a command uses is checked here, once, for its type and
    range (``_META_RULES``: times, durations, rates, lists), so the commands can take
    them as they are; ``null`` is the same as an absent field. Fields resonant does not
    use are kept as they are.

    Raises
    ------
    RecordingError
        When the file exists but cannot be read, is not a JSON object, is nested too
        deeply, or a field has the wrong type or an impossible value (naming the key).
    """
    p = Path(folder) / "session.json"
    if not _present(p):
        return {}
    try:
        text = _read_bytes(p).decode("utf-8")
    except UnicodeDecodeError:
        raise RecordingError(p, "is not UTF-8 text") from None
    try:
        meta = json.loads(text)
    except ValueError as exc:
        raise RecordingError(p, f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise RecordingError(p, "is nested too deeply to be a session's metadata") from None
    if not isinstance(meta, dict):
        raise RecordingError(p, "is not a JSON object")
    for key, value, rule in _meta_fields(meta):
        problem = rule(value)
        if problem:
            if isinstance(value, dict):
                raise RecordingError(p, f"{key} is an object, which {problem}")
            shown = value[:40] if isinstance(value, str) else value
            raise RecordingError(p, f"{key} {reprlib.repr(shown)} {problem}")
    return meta


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _in(x: object, lo: float, hi: float, *, open_low: bool = False) -> bool:
    """Whether ``x`` is a number (not a bool; finite) in ``lo..hi`` (above ``lo`` if open)."""
    if not _is_number(x):
        return False
    v = float(x)  # type: ignore[arg-type]
    return (lo < v if open_low else lo <= v) and v <= hi


def _time_rule(x: object) -> str | None:
    if x == "":
        return None
    dt = parse_utc(x)
    if dt is None or not _YEARS[0] <= dt.year <= _YEARS[1]:
        return f"is not an ISO 8601 time in the years {_YEARS[0]}-{_YEARS[1]}"
    return None


def _seconds_rule(x: object) -> str | None:
    if _in(x, 0.0, TIME_LIMIT_S):
        return None
    return f"is not a length of time (a number of seconds, 0-{TIME_LIMIT_S:.0f})"


def _rate_rule(x: object) -> str | None:
    if _in(x, 0.0, RATE_LIMIT_BPM, open_low=True):
        return None
    return (
        f"is not a breathing rate (a number of breaths/min above 0, at most {RATE_LIMIT_BPM:.0f})"
    )


def _rates_rule(x: object) -> str | None:
    if isinstance(x, list) and x and all(_rate_rule(r) is None for r in x):
        return None
    return "is not a list of breathing rates (numbers of breaths/min, at least one)"


def _hz_rule(x: object) -> str | None:
    if _in(x, 0.0, 10_000.0, open_low=True):
        return None
    return "is not a sample rate (a number of Hz above 0, at most 10000)"


def _positive_rule(x: object) -> str | None:
    return None if _in(x, 0.0, 1e9, open_low=True) else "is not a positive number"


def _score_rule(x: object) -> str | None:
    return None if _in(x, 0.0, 10.0) else "is not an answer on the 0-10 scale"


def _share_rule(x: object) -> str | None:
    return None if _in(x, 0.0, 1.0) else "is not a share between 0 and 1"


def _text_rule(x: object) -> str | None:
    return None if isinstance(x, str) else "is not text"


def _id_rule(x: object) -> str | None:
    return None if isinstance(x, str) or _is_number(x) else "is not text"


def _object_rule(x: object) -> str | None:
    return None if isinstance(x, dict) else "is not an object"


def _objects_rule(x: object) -> str | None:
    if isinstance(x, list) and all(isinstance(v, dict) for v in x):
        return None
    return "is not a list of objects"


def _texts_rule(x: object) -> str | None:
    if isinstance(x, list) and all(isinstance(v, str) for v in x):
        return None
    return "is not a list of sentences"


def _flag_rule(x: object) -> str | None:
    return None if isinstance(x, bool) else "is not true or false"


#: The fields of ``session.json`` that commands use, each with its rule (a parent before
#: its children; ``a[].b`` is ``b`` of each item of the list ``a``). ``null`` passes
#: every rule: it means "not recorded".
_META_RULES: tuple[tuple[str, Callable[[object], str | None]], ...] = (
    ("start_utc", _time_rule), ("end_utc", _time_rule), ("duration_s", _seconds_rule),
    ("participant", _id_rule), ("notes", _text_rule), ("end_reason", _text_rule),
    ("software_version", _text_rule),
    ("sources", _objects_rule), ("sources[].label", _text_rule),
    ("sources[].name", _id_rule), ("sources[].model", _id_rule),
    ("sources[].settings", _object_rule), ("sources[].settings.acc_hz", _hz_rule),
    ("settings", _object_rule), ("settings.duration_s", _seconds_rule),
    ("settings.speed", _positive_rule), ("settings.resonance_bpm", _rate_rule),
    ("settings.pacer", _object_rule), ("settings.pacer.rate_bpm", _rate_rule),
    ("settings.windows", _object_rule),
    ("protocol", _object_rule), ("protocol.name", _text_rule), ("protocol.title", _text_rule),
    ("protocol.protocol", _text_rule), ("protocol.rates_bpm", _rates_rule),
    ("protocol.settle_s", _seconds_rule), ("protocol.step_s", _seconds_rule),
    ("protocol.rest_s", _seconds_rule), ("protocol.extended_bpm", _rate_rule),
    ("protocol.phases", _objects_rule), ("protocol.phases[].name", _text_rule),
    ("protocol.phases[].duration_s", _seconds_rule), ("protocol.phases[].state", _text_rule),
    ("protocol.phases[].compare_with", _text_rule),
    ("simulation", _object_rule), ("consent", _object_rule), ("beats", _object_rule),
    ("checkin", _object_rule), ("checkin.before", _object_rule),
    ("checkin.before.calm", _score_rule), ("checkin.before.self_critical", _score_rule),
    ("checkin.after", _object_rule), ("checkin.after.calm", _score_rule),
    ("checkin.after.self_critical", _score_rule), ("checkin.after.journal", _text_rule),
    ("assessment", _object_rule), ("assessment.protocol", _text_rule),
    ("assessment.resonance_bpm", _rate_rule), ("assessment.chosen_step_bpm", _rate_rule),
    ("assessment.extend_bpm", _rate_rule), ("assessment.confidence", _share_rule),
    ("assessment.reliable", _flag_rule), ("assessment.warnings", _texts_rule),
    ("assessment.table", _objects_rule),
)  # fmt: skip


def _meta_fields(
    meta: dict[str, Any],
) -> Iterator[tuple[str, object, Callable[[object], str | None]]]:
    """Each present, non-null field of ``_META_RULES``: its shown key, value and rule."""
    for path, rule in _META_RULES:
        for key, value in _lookup(meta, path.split(".")):
            if value is not None:
                yield key, value, rule


def _lookup(node: object, steps: list[str], shown: str = "") -> Iterator[tuple[str, object]]:
    """The values at a dotted path (``a[].b``: ``b`` of each item of the list ``a``)."""
    if not steps:
        yield shown, node
        return
    step, rest = steps[0], steps[1:]
    name = step.removesuffix("[]")
    if not isinstance(node, dict) or node.get(name) is None:
        return
    value = node[name]
    key = f"{shown}.{name}" if shown else name
    if not step.endswith("[]"):
        yield from _lookup(value, rest, key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _lookup(item, rest, f"{key}[{i}]")
