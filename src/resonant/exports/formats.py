"""Export a session folder for other tools: a Kubios RR text file, EDF+, or one tidy CSV.

Every export reads the folder through the same readers as ``resonant analyze``
(:func:`~resonant.folder.read.read_recording`,
:func:`~resonant.folder.read.read_events`, :func:`~resonant.folder.read.read_pacer`,
:func:`~resonant.folder.read.read_ecg`, :func:`~resonant.folder.read.read_session_json`),
so a cut-off last line is skipped and a missing optional table (``events.tsv``,
``pacer.tsv``, ``ecg.tsv``) is simply absent. An export never overwrites a file: every
target is checked first, then written through
:func:`~resonant.model.atomic.write_atomic` (a temporary file beside it, put in place
only when complete and only if nothing has taken the name meanwhile), so a failed export
leaves nothing behind. The EDF writer's results are checked (edflib's answer on closing,
and the file's size against the one its header states), so an EDF write that fell short,
as on a full disk, is one sentence and no file. Every grid is bounded by the beats' extent
(the readers refuse times beyond :data:`~resonant.folder.read.TIME_LIMIT_S`).

Kubios (``--format kubios``)
    Every raw RR interval as recorded, artifacts included (Kubios applies its own
    correction), one per line in ms, no header: the plain RR text Kubios HRV imports.
    Values are written in full, as the shortest text that reads back as the same number
    (a 1/1024-s value has at most 7 decimals, as in ``beats.tsv``). One file per source:
    with several sources, ``out`` gets the label before the suffix (``x.txt`` gives
    ``x_client.txt``, ``x_therapist.txt``). **Gaps cannot be shown**: a plain RR list has
    no times, so the segments of a session with disconnects are written end to end and
    Kubios sees one continuous series (``resonant export`` says so on stderr). Use the CSV
    or EDF export to keep the gaps.

EDF+ (``--format edf``)
    **EDF+ continuous (EDF+C) files, one per gap-free part** of each source: 16-bit, 1-s
    data records, written with pyedflib. A session without breaks is the one file ``out``;
    the parts of a session with breaks (disconnects, lost beats: ``Recording.segment_starts``)
    are ``x_part1.edf``, ``x_part2.edf``...; several sources give ``x_<source>.edf`` (and
    ``x_<source>_part2.edf``), since each strap breaks at its own times. A break is thus
    between files, never a made-up value inside one. EDF+D (one discontinuous file whose
    data records carry their onsets) is the form EDF+ also sanctions (Kemp & Olivan 2003,
    section 2.1.2), but pyedflib (edflib) refuses to read it and MNE (1.13) reads its
    records as contiguous, misplacing every sample and annotation after a break; split
    EDF+C files are read correctly by both (``tests/exports/test_edf.py``).

    - Signals, labelled with the EDF+ standard-text structure ``<type> <specification>``
      (Kemp, Värri & Penzel, "Some standard texts for EDF header fields"), type ``ECG``,
      the recording they are derived from, so readers that type channels by the label's
      first word (MNE's ``infer_types``) make them ECG channels, not EEG (:data:`EDF_LABELS`):
      ``ECG RR`` (ms) and ``ECG HR from RR`` (60000 / RR of the same interval, bpm; the
      strap's own HR value is only in the CSV, as ``hr_bpm``) on a 4-Hz grid from the part's
      start, by **step interpolation**: each grid point carries the RR interval in progress
      at that time, i.e. the interval of the first beat at or after it; the tail of the
      last data record (less than 1 s after the last beat) holds the last interval. RR is
      **exact** when every value is a whole number of 1/1024 s (every Bluetooth strap): the
      digital value is that count and the physical range ``0..D*1000/1024`` ms with D a
      multiple of 128, so readers compute the recorded ms exactly; other values use
      ``0..ceil(max)`` on the full 16 bits. HR's range is its whole-number span. The
      transducer field reads ``chest strap ECG electrodes, <strap> (source <label>)``.
    - ``ECG chest`` (uV) at 130 Hz when ``ecg.tsv`` has samples in the part: each grid
      point takes the nearest recorded sample (so the samples pass unchanged when the
      strap's clock is 130 Hz). The physical range is -32768..32767 uV (digital = uV
      exactly) when the samples fit, else their whole-number span.
    - ``Accel X chest``, ``Accel Y chest``, ``Accel Z chest`` (mG, milli-g with gravity)
      when ``acc.tsv`` has samples of the source in the part, at the strap's own rate
      (EDF+ allows a rate per signal): ``acc_hz`` of the source's ``settings`` in
      ``session.json``, else inferred from the samples (:func:`acc_rate_hz`). Each grid
      point takes the nearest recorded sample, and the range is as the ECG's (digital =
      mG exactly when the samples fit). The EDF+ standard texts name no type for
      acceleration; the transducer reads ``chest strap accelerometer, <strap> (source
      <label>)``.
    - Header text is printable ASCII (spaces in the patient code and equipment become
      ``_``). Patient code: ``participant``. Equipment: ``resonant_<version>``.
    - Start: ``start_utc`` of ``session.json`` **in UTC** (EDF has no time zone) plus the
      part's start (its first beat's time less its RR); the header holds the whole second
      and the first record's time-keeping annotation the fraction, to 100 ns (EDF+ section
      2.2.4), so every sample and annotation is at its exact UTC time.
    - Annotations (EDF+ TALs, 100-us resolution): every event of ``events.tsv`` as
      ``"<kind>: <label>"`` (just ``<kind>`` when the label is empty; `` (<source>)``
      appended in sessions with several sources), with its duration when it has one; every
      pacer phase onset as ``"<phase> <rate>/min"`` (``"inhale 6/min"``) with the phase's
      planned duration. Each file holds the annotations whose onset lies within its data;
      a duration running past the end is cut there; annotations in a break (before the
      first beat, between parts) are in no file, with a note. Texts longer than 40 bytes
      (the writer's limit) are cut, with a note.

CSV (``--format csv``)
    One tidy table: comma-separated, a header row, ``.`` as the decimal point, UTF-8, one
    observation per row on one time line (rows sorted by ``time_s``; at equal times beats
    come before events, events before pacer phases), an empty cell where a column does
    not apply. Numbers are written in full (the shortest text that reads back as the same
    value). Columns:

    ============== ====================================================================
    ``kind``       ``beat``, ``event`` or ``pacer`` (a breathing-phase onset)
    ``source``     source label (beats; events of one source; empty otherwise)
    ``time_s``     s on the session clock: beat time, event onset, phase onset
    ``rr_ms``      beat: RR interval ending at the beat, ms, exact, artifacts included
    ``hr_bpm``     beat: the strap's own reported heart rate, beats/min, as it sent it
                   (empty if none); only ever the strap's value
    ``rr_hr_bpm``  beat: the rate of this one interval, 60000 / ``rr_ms``, beats/min
                   (the beat-derived rate: the same name in every file and stream)
    ``contact``    beat: ``1`` skin contact, ``0`` none, empty when not reported
    ``artifact``   beat: the live check's flag (``range``, ``jump``), empty if none
    ``segment``    beat: gap-free segment of its source, from 0; +1 at each gap
                   (disconnect or lost beats), as ``resonant analyze`` splits them
    ``event_kind`` event: ``marker``, ``phase``, ``connection``, ``pacer``, ``note``
    ``label``      event: its label
    ``duration_s`` event: duration, s; pacer: planned length of the phase, s
    ``phase``      pacer: ``inhale``, ``hold_in``, ``exhale``, ``hold_out``
    ``rate_bpm``   pacer: breaths/min in force for the phase
    ============== ====================================================================

    When the session has chest accelerometer samples (``acc.tsv``), they go to a second
    table beside the first, ``x_acc.csv`` for ``x.csv`` (:data:`ACC_CSV_COLUMNS`:
    ``source``, ``time_s``, ``x_mg``, ``y_mg``, ``z_mg``; every sample as recorded, sorted
    by time): 25-200 samples a second are another kind of observation than beats and
    events, so they have their own table (Wickham 2014, "Tidy data", J Stat Softw 59(10):
    each type of observational unit forms a table). Both targets are checked before
    either is written.
"""

from __future__ import annotations

import csv
import errno
import io
import itertools
import math
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant._version import __version__
from resonant.errors import BadInputError
from resonant.folder.read import (
    parse_utc,
    PacerRows,
    Recording,
    RecordingError,
    path_kind,
    AccTrace,
    read_acc,
    read_ecg,
    read_events,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.folder.schema import fmt_number
from resonant.model.atomic import os_error_reason, write_atomic
from resonant.model.pacer import PHASES

__all__ = [
    "ACC_CSV_COLUMNS",
    "CSV_COLUMNS",
    "ECG_RATE_HZ",
    "acc_rate_hz",
    "EDF_ANNOTATION_MAX_BYTES",
    "EDF_GRID_HZ",
    "EDF_LABELS",
    "EXPORTERS",
    "ExportError",
    "ExportResult",
    "export_csv",
    "export_edf",
    "export_kubios",
]

#: Sample rate of the RR and HR signals of the EDF export, Hz.
EDF_GRID_HZ = 4
#: Sample rate of the ECG signals of the EDF export, Hz (the Polar H10's).
ECG_RATE_HZ = 130
#: Longest annotation text the EDF writer (edflib) keeps, bytes of UTF-8.
EDF_ANNOTATION_MAX_BYTES = 40
#: Columns of the CSV export, in order.
CSV_COLUMNS = (
    "kind", "source", "time_s", "rr_ms", "hr_bpm", "rr_hr_bpm", "contact", "artifact",
    "segment", "event_kind", "label", "duration_s", "phase", "rate_bpm",
)  # fmt: skip

#: Columns of the accelerometer CSV written beside the tidy table, in order.
ACC_CSV_COLUMNS = ("source", "time_s", "x_mg", "y_mg", "z_mg")

#: EDF+ labels ("<type> <specification>", the EDF+ standard-text structure; type ECG, so
#: that readers which type channels by the label's first word, such as MNE's
#: ``infer_types``, do not take them for EEG). The accelerometer's have no standard type
#: (the standard texts name none for acceleration): ``Accel <axis> chest``.
EDF_LABELS = {
    "rr": "ECG RR", "rr_hr": "ECG HR from RR", "ecg": "ECG chest",
    "acc_x": "Accel X chest", "acc_y": "Accel Y chest", "acc_z": "Accel Z chest",
}  # fmt: skip
#: Accelerometer rates a strap may stream, Hz (the Polar H10's: 25, 50, 100, 200).
_ACC_RATES_HZ = (25, 50, 100, 200)

_DIGITAL_MIN = -32768
_DIGITAL_MAX = 32767
_EDF_MAX_ANNOTATION_SIGNALS = 64


class ExportError(BadInputError):
    """An export that cannot be made (one sentence, naming the path)."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes
    ----------
    files : list of Path
        The files written.
    summary : str
        One line saying what was written where.
    notes : list of str
        Sentences on what the format could not keep (gaps, cut texts) or what the readers
        skipped (a cut-off last line).
    """

    files: list[Path]
    summary: str
    notes: list[str] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------------


def _folder(folder: str | Path) -> Path:
    p = Path(folder)
    kind = path_kind(p)  # a folder inside one the user may not open: one sentence
    if kind is None:
        raise RecordingError(p, "no such session folder")
    if kind != "folder":
        raise RecordingError(p, "not a session folder (it is a file)")
    return p


def _reader_notes(recs: list[Recording]) -> list[str]:
    seen: list[str] = []
    for rec in recs:
        for w in rec.warnings:
            note = f"{rec.path}: {w}"
            if note not in seen:
                seen.append(note)
    return seen


def _phases(pacer: PacerRows) -> list[tuple[float, float, int, float]]:
    """Onset (s), duration (s), phase code and rate (breaths/min) of each pacer phase."""
    return list(zip(pacer.start_s.tolist(), pacer.duration_s.tolist(), pacer.code.tolist(),
                    pacer.rate_bpm.tolist(), strict=True))  # fmt: skip


# -- writing ----------------------------------------------------------------------------------


def _num(x: float) -> str:
    """A number in full: the shortest positional text that reads back as the same float."""
    if x != x:
        return ""
    s = np.format_float_positional(float(x), trim="-")
    return "0" if s == "-0" else s


def _exists(target: Path) -> ExportError:
    return ExportError(
        f"{target} already exists: an export never overwrites a file (choose another --out)"
    )


def _check_targets(targets: list[Path]) -> None:
    """Refuse existing files and folders that cannot take them, before anything is written."""
    for t in targets:
        if t.exists() or t.is_symlink():
            raise _exists(t)
        parent = t.parent
        if not parent.is_dir():
            what = "is not a folder" if parent.exists() else "does not exist"
            raise ExportError(f"{t} cannot be written: the folder {parent} {what}")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ExportError(f"{t} cannot be written: permission denied")


def _write_new(target: Path, content: str | Callable[[Path], None]) -> None:
    """Write ``target`` whole and never over an existing file; nothing is left on failure."""
    try:
        write_atomic(target, content, exclusive=True)
    except FileExistsError:
        raise _exists(target) from None
    except OSError as exc:
        raise ExportError(f"{target} cannot be written ({os_error_reason(exc)})") from None


# -- Kubios -----------------------------------------------------------------------------------


def _file_label(label: str, index: int) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._")
    return safe or f"source{index + 1}"


def export_kubios(folder: str | Path, out: str | Path) -> ExportResult:
    """Write every raw RR interval, one per line in ms: the RR text Kubios HRV imports.

    Parameters
    ----------
    folder : str or Path
        The session folder.
    out : str or Path
        The file to create; with several sources, one file per source, named with the
        source label before the suffix (``x.txt`` gives ``x_client.txt``).

    Returns
    -------
    ExportResult
        The files, a summary, and a note when the session has gaps (which a plain RR list
        cannot show: the segments are written end to end).

    Raises
    ------
    RecordingError
        When the folder cannot be read.
    ExportError
        When a target exists or cannot be written.
    """
    src_folder = _folder(folder)
    out = Path(out)
    recs = read_recording(src_folder)
    if len(recs) == 1:
        targets = [out]
    else:
        names: list[str] = []
        for i, rec in enumerate(recs):
            name = _file_label(rec.source, i)
            while name in names:
                name += "_"
            names.append(name)
        targets = [out.with_name(f"{out.stem}_{n}{out.suffix}") for n in names]
    _check_targets(targets)
    notes = _reader_notes(recs)
    gapped = [r for r in recs if r.segment_starts.size > 1]
    if gapped:
        parts = ", ".join(
            f"{r.segment_starts.size} segments of {r.source or 'the recording'}" for r in gapped
        )
        notes.append(
            f"note: a plain RR list cannot show gaps, so the {parts} are written end to end "
            "(Kubios sees one continuous series; the CSV and EDF exports keep the gaps)"
        )
    for rec, target in zip(recs, targets, strict=True):
        _write_new(target, "".join(f"{_num(v)}\n" for v in rec.rr_ms.tolist()))
    done = ", ".join(
        f"{t} ({r.rr_ms.size} RR intervals{' of ' + r.source if r.source else ''})"
        for r, t in zip(recs, targets, strict=True)
    )
    return ExportResult(targets, f"wrote Kubios RR text: {done}", notes)


# -- CSV --------------------------------------------------------------------------------------


def export_csv(folder: str | Path, out: str | Path) -> ExportResult:
    """Write the beats, events and pacer phases of a session as one tidy CSV table.

    The chest accelerometer's samples, when recorded, go to a second table beside it.

    The columns are described in the module docstring (:data:`CSV_COLUMNS`).

    Parameters
    ----------
    folder : str or Path
        The session folder.
    out : str or Path
        The file to create.

    Returns
    -------
    ExportResult
        The file (and the accelerometer's ``<stem>_acc.csv`` beside it when the session
        has ``acc.tsv`` samples) and a summary.

    Raises
    ------
    RecordingError
        When the folder cannot be read.
    ExportError
        When ``out`` exists or cannot be written.
    """
    src_folder = _folder(folder)
    out = Path(out)
    recs = read_recording(src_folder)
    events = read_events(src_folder)
    pacer = read_pacer(src_folder)
    acc = {src: trace for src, trace in read_acc(src_folder).items() if trace.time_s.size}
    acc_out = out.with_name(f"{out.stem}_acc{out.suffix or '.csv'}") if acc else None
    _check_targets([out] + ([acc_out] if acc_out is not None else []))
    rows: list[tuple[float, int, list[str]]] = []
    n_beats = 0
    for rec in recs:
        n = rec.rr_ms.size
        n_beats += n
        seg = np.searchsorted(rec.segment_starts, np.arange(n), side="right") - 1
        hr = rec.hr_bpm if rec.hr_bpm is not None else np.full(n, np.nan)
        contact = rec.contact if rec.contact is not None else np.full(n, -1, dtype=np.int8)
        flags = rec.artifact.tolist() if rec.artifact is not None else [""] * n
        for t, rr, h, c, flag, s in zip(
            rec.time_s.tolist(), rec.rr_ms.tolist(), hr.tolist(), contact.tolist(), flags,
            seg.tolist(), strict=True,
        ):  # fmt: skip
            cells = ["beat", rec.source, _num(t), _num(rr), _num(h),
                     _num(60000.0 / rr) if rr > 0 else "",
                     "" if c < 0 else str(c), flag, str(s),
                     "", "", "", "", ""]  # fmt: skip
            rows.append((t, 0, cells))
    for ev in events:
        cells = ["event", ev.source, _num(ev.onset_s), "", "", "", "", "", "",
                 ev.kind, ev.label, _num(ev.duration_s), "", ""]  # fmt: skip
        rows.append((ev.onset_s, 1, cells))
    n_phases = 0
    if pacer is not None:
        n_phases = pacer.start_s.size
        for t, d, code, rate in _phases(pacer):
            cells = ["pacer", "", _num(t), "", "", "", "", "", "", "", "", _num(d),
                     PHASES[code], _num(rate)]  # fmt: skip
            rows.append((t, 2, cells))
    rows.sort(key=lambda r: (r[0], r[1]))  # stable: file order within equal keys
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(cells for _, _, cells in rows)
    files = [out]
    acc_words = ""
    if acc_out is not None:
        acc_rows = [
            (t, k, [src, _num(t), _num(x), _num(y), _num(z)])
            for k, (src, trace) in enumerate(acc.items())
            for t, (x, y, z) in zip(trace.time_s.tolist(), trace.xyz_mg.tolist(), strict=True)
        ]
        acc_rows.sort(key=lambda r: (r[0], r[1]))  # one time line; sources in file order
        abuf = io.StringIO()
        awriter = csv.writer(abuf, lineterminator="\n")
        awriter.writerow(ACC_CSV_COLUMNS)
        awriter.writerows(cells for _, _, cells in acc_rows)
        files.append(acc_out)
        acc_words = f"; {acc_out}: {len(acc_rows)} chest accelerometer samples"
    _write_new(out, buf.getvalue())
    if acc_out is not None:
        try:
            _write_new(acc_out, abuf.getvalue())
        except ExportError:
            out.unlink(missing_ok=True)  # a failed export leaves nothing behind
            raise
    return ExportResult(
        files,
        f"wrote {out}: {n_beats} beats, {len(events)} events, {n_phases} pacer phases"
        f"{acc_words}",
        _reader_notes(recs),
    )


# -- EDF+ -------------------------------------------------------------------------------------


def _ascii(text: str, spaces: str = " ") -> str:
    """Printable ASCII for an EDF header field (accents dropped, spaces replaced)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in plain).strip()
    return plain.replace(" ", spaces)


def _cut_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes].decode("utf-8", "ignore")


def _start_utc(folder: Path, meta: dict[str, Any]) -> datetime:
    raw = meta.get("start_utc")
    if not isinstance(raw, str):
        raise ExportError(
            f"{folder} cannot be exported to EDF: the start time (start_utc in session.json) "
            "is missing"
        )
    start = parse_utc(raw)
    if start is None:
        raise ExportError(
            f"{folder / 'session.json'}: start_utc {raw[:40]!r} is not an ISO 8601 time"
        )
    if not 1985 <= start.year <= 2084:
        raise ExportError(
            f"{folder / 'session.json'}: start_utc {raw!r} is outside the years EDF can "
            "hold (1985-2084)"
        )
    return start


def _rr_scale(rr_ms: NDArray[np.float64]) -> tuple[int, int, int, int]:
    """Physical and digital range of an RR signal: exact for whole 1/1024-s intervals.

    Bluetooth straps send RR in units of 1/1024 s (Bluetooth SIG, Heart Rate Service 1.0,
    section 3.1.1.5). With digital 0..D and physical 0..D*1000/1024 ms (D a multiple of
    128, so the physical maximum is a whole number of ms that EDF's 8-character field
    holds exactly), the digital value *is* the strap's count and every reader's
    ``physical = digital * (pmax - pmin) / (dmax - dmin)`` gives back the recorded ms
    exactly. Other values (replayed or imported RR) get 0..ceil(max) on the full 16 bits.
    """
    counts = rr_ms * 1.024
    if np.all(np.abs(counts - np.rint(counts)) < 1e-6) and counts.max() < 32767:
        top = max(128, 128 * math.ceil((float(counts.max()) + 1) / 128))
        top = min(top, 32640)  # the largest multiple of 128 that is a 16-bit value
        return 0, top * 1000 // 1024, 0, top
    return 0, max(1, math.ceil(float(rr_ms.max()))), _DIGITAL_MIN, _DIGITAL_MAX


def _span_range(values: NDArray[np.float64]) -> tuple[int, int]:
    """Whole-number physical range holding every value (nothing is clipped)."""
    lo, hi = math.floor(float(values.min())), math.ceil(float(values.max()))
    return lo, max(hi, lo + 1)


def _nearest_samples(
    times_s: NDArray[np.float64], values: NDArray[np.float64], at_s: NDArray[np.float64],
) -> NDArray[np.float64]:  # fmt: skip
    """The recorded sample nearest each time (the samples pass unchanged on their own grid)."""
    k = np.searchsorted(times_s, at_s)
    lo = np.clip(k - 1, 0, times_s.size - 1)
    hi = np.clip(k, 0, times_s.size - 1)
    pick = np.where(np.abs(times_s[hi] - at_s) < np.abs(times_s[lo] - at_s), hi, lo)
    return values[pick]


@dataclass(frozen=True)
class _Signal:
    label: str
    dimension: str
    rate_hz: int
    physical_min: int
    physical_max: int
    values: NDArray[np.float64]  # physical
    transducer: str = ""
    digital_min: int = _DIGITAL_MIN
    digital_max: int = _DIGITAL_MAX

    def digital(self) -> NDArray[np.int32]:
        """Quantise: the physical range onto the digital range (EDF's linear scaling)."""
        step = (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)
        d = np.rint((self.values - self.physical_min) / step) + self.digital_min
        return np.clip(d, self.digital_min, self.digital_max).astype(np.int32)

    def header(self) -> dict[str, Any]:
        """The pyedflib signal header."""
        return {
            "label": self.label, "dimension": self.dimension,
            "sample_frequency": self.rate_hz,
            "physical_min": self.physical_min, "physical_max": self.physical_max,
            "digital_min": self.digital_min, "digital_max": self.digital_max,
            "transducer": self.transducer, "prefilter": "",
        }  # fmt: skip


def _ecg_range(values: NDArray[np.float64]) -> tuple[int, int]:
    """Physical range of the ECG (µV) or the accelerometer (mG): the unit exactly
    (digital = physical) when the values fit in 16 bits, else their whole-number span."""
    lo, hi = math.floor(float(values.min())), math.ceil(float(values.max()))
    if lo >= _DIGITAL_MIN and hi <= _DIGITAL_MAX:
        return _DIGITAL_MIN, _DIGITAL_MAX
    return lo, max(hi, lo + 1)


def _source_names(meta: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for src in meta.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("label"), str):
            out[src["label"]] = str(src.get("name") or src.get("model") or "")
    return out


@dataclass(frozen=True)
class _Part:
    """One gap-free stretch of one source: beats ``lo..hi-1`` of ``rec``."""

    rec: Recording
    lo: int
    hi: int

    @property
    def start_s(self) -> float:
        """Start of the first interval (session clock, s)."""
        return float(self.rec.time_s[self.lo] - self.rec.rr_ms[self.lo] / 1000.0)

    @property
    def end_s(self) -> float:
        """The last beat (session clock, s)."""
        return float(self.rec.time_s[self.hi - 1])


def _parts(recs: list[Recording]) -> list[_Part]:
    parts: list[_Part] = []
    for rec in recs:
        bounds = [*rec.segment_starts.tolist(), rec.rr_ms.size]
        parts += [_Part(rec, a, b) for a, b in itertools.pairwise(bounds) if b > a]
    return parts


def _edf_targets(out: Path, parts: list[_Part], several: bool) -> list[Path]:
    """``out`` for one part; else the source label and/or ``_partN`` before the suffix."""
    names: dict[str, str] = {}
    for p in parts:
        if p.rec.source not in names:
            name = _file_label(p.rec.source, len(names))
            while name in names.values():
                name += "_"
            names[p.rec.source] = name
    if len(parts) == 1:
        return [out]
    counts = {src: sum(p.rec.source == src for p in parts) for src in names}
    seen: dict[str, int] = {}
    targets = []
    for p in parts:
        src = p.rec.source
        seen[src] = seen.get(src, 0) + 1
        stem = out.stem + (f"_{names[src]}" if several else "")
        if counts[src] > 1:
            stem += f"_part{seen[src]}"
        targets.append(out.with_name(stem + out.suffix))
    return targets


def acc_rate_hz(trace: AccTrace, settings: dict[str, Any] | None = None) -> int:
    """The accelerometer's sample rate, Hz, for the EDF grid.

    The source's ``acc_hz`` in ``session.json`` (its ``settings``) when given, else
    inferred from the samples: the median interval's rate, taken to the nearest of the
    rates a strap streams (25, 50, 100, 200 Hz) when within 10 % of one, else rounded.
    """
    given = (settings or {}).get("acc_hz")
    if isinstance(given, int | float) and not isinstance(given, bool) and given >= 1:
        return int(round(given))
    steps = np.diff(trace.time_s)
    steps = steps[steps > 0]
    if steps.size == 0:
        return _ACC_RATES_HZ[0]
    rate = 1.0 / float(np.median(steps))
    near = min(_ACC_RATES_HZ, key=lambda r: abs(r - rate))
    return near if abs(near - rate) <= 0.1 * near else max(1, int(round(rate)))


def _source_settings(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each source's ``settings`` object of ``session.json``, by label."""
    out: dict[str, dict[str, Any]] = {}
    for src in meta.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("label"), str):
            settings = src.get("settings")
            out[src["label"]] = settings if isinstance(settings, dict) else {}
    return out


def _edf_acc_signals(
    part: _Part, n_records: int, trace: AccTrace, rate_hz: int, names: dict[str, str],
) -> list[_Signal]:  # fmt: skip
    """The chest accelerometer's x, y, z (mG) of one part at ``rate_hz``, nearest samples."""
    half = 0.5 / rate_hz
    inside = (trace.time_s >= part.start_s - half) & (trace.time_s <= part.end_s + half)
    if not inside.any():
        return []
    rec = part.rec
    who = _ascii(names.get(rec.source, ""))
    sensor = "chest strap accelerometer" + (f", {who}" if who else "")
    if rec.source:
        sensor += f" (source {_ascii(rec.source)})"
    grid_s = part.start_s + np.arange(n_records * rate_hz) / rate_hz
    times = trace.time_s[inside]
    out = []
    for k, axis in enumerate(("acc_x", "acc_y", "acc_z")):
        values = trace.xyz_mg[inside, k]
        out.append(_Signal(EDF_LABELS[axis], "mG", rate_hz, *_ecg_range(values),
                           _nearest_samples(times, values, grid_s), sensor))  # fmt: skip
    return out


def _edf_signals(
    part: _Part, n_records: int, ecg: dict[str, Any], names: dict[str, str],
    acc: dict[str, tuple[AccTrace, int]] | None = None,
) -> list[_Signal]:  # fmt: skip
    """RR, HR from RR and (when recorded) ECG and chest accelerometer of one part.

    Each on its own grid from the part's start: RR and HR at :data:`EDF_GRID_HZ`, ECG at
    :data:`ECG_RATE_HZ`, the accelerometer at its own rate (``acc``: trace and rate per
    source).
    """
    rec = part.rec
    t = rec.time_s[part.lo : part.hi]
    rr = rec.rr_ms[part.lo : part.hi]
    grid_s = part.start_s + np.arange(n_records * EDF_GRID_HZ) / EDF_GRID_HZ
    # The interval in progress: the first beat at or after each time; the last beat's
    # interval is held over the tail of the last data record (after the last beat).
    step = rr[np.minimum(np.searchsorted(t, grid_s, side="left"), t.size - 1)]
    rr_hr = 60000.0 / step
    who = _ascii(names.get(rec.source, ""))
    strap = "chest strap ECG electrodes" + (f", {who}" if who else "")
    if rec.source:
        strap += f" (source {_ascii(rec.source)})"
    pmin, pmax, dmin, dmax = _rr_scale(rr)
    signals = [
        _Signal(EDF_LABELS["rr"], "ms", EDF_GRID_HZ, pmin, pmax, step, strap, dmin, dmax),
        _Signal(EDF_LABELS["rr_hr"], "bpm", EDF_GRID_HZ, *_span_range(rr_hr), rr_hr, strap),
    ]
    trace = ecg.get(rec.source)
    if trace is not None and trace.time_s.size:
        inside = (trace.time_s >= part.start_s - 0.5 / ECG_RATE_HZ) & (
            trace.time_s <= part.end_s + 0.5 / ECG_RATE_HZ
        )
        if inside.any():
            ecg_grid_s = part.start_s + np.arange(n_records * ECG_RATE_HZ) / ECG_RATE_HZ
            values = _nearest_samples(trace.time_s[inside], trace.ecg_uv[inside], ecg_grid_s)
            signals.append(_Signal(EDF_LABELS["ecg"], "uV", ECG_RATE_HZ,
                                   *_ecg_range(trace.ecg_uv[inside]), values, strap))  # fmt: skip
    chest = (acc or {}).get(rec.source)
    if chest is not None and chest[0].time_s.size:
        signals += _edf_acc_signals(part, n_records, chest[0], chest[1], names)
    return signals


def export_edf(folder: str | Path, out: str | Path) -> ExportResult:
    """Write the session as EDF+C files, one per gap-free part: RR, HR, ECG, ACC, events.

    The choices (one continuous file per part instead of EDF+D, the typed labels, the
    4-Hz step grid, the exact RR scaling, the start time, the annotation texts) are
    described in the module docstring.

    Parameters
    ----------
    folder : str or Path
        The session folder.
    out : str or Path
        The file to create; when there are several parts (disconnects, lost beats, several
        sources), one file per part, named with the source label and ``_partN`` before the
        suffix (``x.edf`` gives ``x_part1.edf``, ``x_part2.edf``, or ``x_client.edf``).

    Returns
    -------
    ExportResult
        The files, a summary, and notes (annotations in breaks, cut texts).

    Raises
    ------
    RecordingError
        When the folder cannot be read.
    ExportError
        When a target exists or cannot be written, ``session.json`` has no start time, or
        pyedflib is not installed.
    """
    try:
        import pyedflib
        from pyedflib._extensions._pyedflib import close_file, set_starttime_subsecond
    except ImportError:
        raise ExportError(
            "the EDF export needs the pyedflib package (pip install pyedflib)"
        ) from None
    src_folder = _folder(folder)
    out = Path(out)
    recs = read_recording(src_folder)
    events = read_events(src_folder)
    pacer = read_pacer(src_folder)
    ecg = read_ecg(src_folder)
    meta = read_session_json(src_folder)
    settings = _source_settings(meta)
    acc = {src: (trace, acc_rate_hz(trace, settings.get(src)))
           for src, trace in read_acc(src_folder).items()}  # fmt: skip
    start = _start_utc(src_folder, meta)
    notes = _reader_notes(recs)
    several = len(recs) > 1
    parts = _parts(recs)
    if not parts:
        raise ExportError(f"{src_folder} has no beats: there is nothing to write as EDF")
    targets = _edf_targets(out, parts, several)
    _check_targets(targets)

    # Annotations, in time order (session clock).
    annotations: list[tuple[float, float, str]] = []
    for ev in events:
        text = f"{ev.kind}: {ev.label}" if ev.label else ev.kind
        if several and ev.source:
            text += f" ({ev.source})"
        annotations.append((ev.onset_s, ev.duration_s if ev.duration_s > 0 else -1.0, text))
    if pacer is not None:
        for t, d, code, rate in _phases(pacer):
            annotations.append((t, d, f"{PHASES[code]} {fmt_number(rate, 2)}/min"))
    annotations.sort(key=lambda a: a[0])
    cut = 0
    for i, (t, d, text) in enumerate(annotations):
        short = _cut_utf8(text, EDF_ANNOTATION_MAX_BYTES)
        if short != text:
            cut += 1
            annotations[i] = (t, d, short)
    if cut:
        notes.append(
            f"note: {cut} annotation text(s) were cut to {EDF_ANNOTATION_MAX_BYTES} bytes, "
            "the EDF writer's limit (the CSV export keeps them whole)"
        )

    names = _source_names(meta)
    placed = [False] * len(annotations)
    shortened = 0
    lost: list[str] = []
    has_ecg = False
    acc_rates: set[int] = set()
    for part, target in zip(parts, targets, strict=True):
        # Whole 1-s data records from the first interval's start past the last beat.
        n_records = math.floor(part.end_s - part.start_s + 1e-9) + 1
        end_s = part.start_s + n_records
        signals = _edf_signals(part, n_records, ecg, names, acc)
        has_ecg = has_ecg or any(sig.label == EDF_LABELS["ecg"] for sig in signals)
        acc_rates |= {sig.rate_hz for sig in signals if sig.label == EDF_LABELS["acc_x"]}
        mine: list[tuple[float, float, str]] = []
        for i, (t, d, text) in enumerate(annotations):
            if part.start_s <= t < end_s:
                placed[i] = True
                if d > 0 and t + d > end_s:
                    d = end_s - t
                    shortened += 1
                mine.append((t - part.start_s, d, text))
        file_start = start + timedelta(seconds=part.start_s)
        if not 1985 <= file_start.year <= 2084:
            raise ExportError(f"{target}: the start time is outside the years EDF can hold")
        labels = [s.label for s in signals]
        headers = [s.header() for s in signals]
        digital = [s.digital() for s in signals]
        n_annot_signals = min(max(1, math.ceil(len(mine) / n_records)), _EDF_MAX_ANNOTATION_SIGNALS)

        def write(tmp: Path, headers: list[dict[str, Any]] = headers,
                  digital: list[NDArray[np.int32]] = digital, file_start: datetime = file_start,
                  mine: list[tuple[float, float, str]] = mine, n: int = n_annot_signals) -> None:  # fmt: skip
            writer = pyedflib.EdfWriter(str(tmp), len(headers), file_type=pyedflib.FILETYPE_EDFPLUS)
            try:
                writer.setSignalHeaders(headers)
                writer.setStartdatetime(file_start.replace(microsecond=0, tzinfo=None))
                participant = meta.get("participant")
                if participant:
                    code = _ascii(str(participant), spaces="_")
                    if code:
                        writer.setPatientCode(code)
                writer.setEquipment(_ascii(f"resonant {__version__}", spaces="_"))
                writer.set_number_of_annotation_signals(n)
                if file_start.microsecond:
                    # The first record starts this fraction after the header's whole second
                    # (edflib counts it in 100 ns; pyedflib 0.1.42 scales microseconds wrong,
                    # so it is set here directly).
                    set_starttime_subsecond(writer.handle, file_start.microsecond * 10)
                writer.writeSamples(digital, digital=True)
                for onset, duration, text in mine:
                    if writer.writeAnnotation(onset, duration, text) != 0:
                        lost.append(text)
            finally:
                # pyedflib's close() drops edflib's answer; a full disk shows here or in
                # a file shorter than its header says.
                closed = close_file(writer.handle)
                writer.handle = -1
            if closed != 0:
                raise _edf_unfinished(tmp)
            _check_edf_size(tmp)

        assert len(labels) == len(set(labels))
        _write_new(target, write)
    in_breaks = [annotations[i][2] for i in range(len(annotations)) if not placed[i]]
    if in_breaks:
        notes.append(
            f"note: {len(in_breaks)} annotation(s) fall where no file has data (before the "
            f"first beat or in a break; the first: {in_breaks[0]!r}); the CSV export keeps them"
        )
    if shortened:
        notes.append(
            f"note: {shortened} annotation duration(s) were cut at the end of their file's data"
        )
    if lost:
        notes.append(
            f"note: {len(lost)} annotation(s) could not be written (the first: {lost[0]!r})"
        )
    if len(parts) > len(recs):
        notes.append(
            f"note: the session has breaks, so it is written as {len(parts)} continuous EDF+ "
            "files, one per gap-free part (EDF+D, the discontinuous form, is not read "
            "correctly by pyedflib or MNE)"
        )
    sources = ", ".join(r.source or "the recording" for r in recs)
    ecg_part = f", ECG at {ECG_RATE_HZ} Hz" if has_ecg else ""
    if acc_rates:
        ecg_part += f", chest accelerometer at {'/'.join(map(str, sorted(acc_rates)))} Hz"
    files = ", ".join(str(t) for t in targets)
    return ExportResult(
        targets,
        f"wrote {files}: EDF+ with RR and HR from RR of {sources} at {EDF_GRID_HZ} Hz"
        f"{ecg_part}, {len(annotations) - len(in_breaks)} annotations",
        notes,
    )


#: Why an EDF file could not be written, when the writer does not say.
_EDF_UNFINISHED = "the EDF writer could not finish it; is the disk full?"
#: Free space below which an unfinished EDF file is put down to a full disk, bytes.
_FULL_BELOW_BYTES = 65536


def _edf_unfinished(path: Path) -> OSError:
    """The error for an EDF file the writer could not finish (it gives no reason).

    ``ENOSPC`` ("the disk is full") when the file's disk has (almost) no space left,
    else ``EIO`` with :data:`_EDF_UNFINISHED`.
    """
    try:
        st = os.statvfs(path.parent)
        full = st.f_bavail * st.f_frsize < _FULL_BELOW_BYTES
    except (OSError, AttributeError):  # no statvfs (Windows)
        full = False
    if full:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return OSError(errno.EIO, _EDF_UNFINISHED)


def _check_edf_size(path: Path) -> None:
    """Refuse an EDF file whose size is not what its header says (a write that fell short).

    The header holds its own length (bytes 184-191), the number of data records (236-243),
    the number of signals (252-255) and each signal's samples per record (at
    ``256 + 216 * ns``, 8 bytes each); a record is 2 bytes per sample (Kemp et al. 1992,
    EDF section 2; EDF+ keeps the layout).

    Raises
    ------
    OSError
        ``EIO`` when the file is shorter or longer than its header says, or has no header.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(256)
            ns = int(head[252:256].decode("ascii"))
            f.seek(256 + 216 * ns)
            samples = f.read(8 * ns)
            size = os.fstat(f.fileno()).st_size
        header_bytes = int(head[184:192].decode("ascii"))
        records = int(head[236:244].decode("ascii"))
        per_record = sum(int(samples[8 * i : 8 * i + 8].decode("ascii")) for i in range(ns))
    except (ValueError, UnicodeDecodeError):
        raise _edf_unfinished(path) from None
    if records < 0 or size != header_bytes + records * 2 * per_record:
        raise _edf_unfinished(path)


# -- the table ---------------------------------------------------------------------------------

#: The export of each ``--format`` (the command is :mod:`resonant.cli.export`).
EXPORTERS: dict[str, Callable[[str | Path, str | Path], ExportResult]] = {
    "kubios": export_kubios,
    "edf": export_edf,
    "csv": export_csv,
}

