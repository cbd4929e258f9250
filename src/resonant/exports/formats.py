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
leaves nothing behind.

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
    One EDF+ **continuous** (EDF+C) file, 16-bit, 1-s data records, written with pyedflib.
    EDF+C was chosen over EDF+D because EDF+D's gaps are shared by all signals (they cannot
    follow each source's own disconnects) and many readers do not support EDF+D; gaps are
    marked instead, inside a continuous grid.

    - Signals, per source: ``RR <source>`` (ms) and ``HR <source>`` (bpm, 60000 / RR of the
      same interval; the strap's own HR value is in the CSV) on a 4-Hz grid, by **step
      interpolation**: each grid point carries the RR interval in progress at that time,
      i.e. the interval of the first beat at or after it. Time not covered by a recorded
      interval (before the first beat's interval, and between segments: disconnects, lost
      beats) holds the **gap marker**: the signal's physical minimum, 0 ms / 0 bpm
      (digital -32768), a value no heartbeat can have. Physical ranges are 0 to the data's
      maximum rounded up to a whole number (so nothing is clipped), digital -32768..32767.
    - ``ECG <source>`` (uV) at 130 Hz when ``ecg.tsv`` exists: each grid point takes the
      nearest sample within half a sample period (so the samples pass unchanged when the
      strap's clock is 130 Hz; a drifting clock repeats or drops a sample now and then), the
      gap marker elsewhere. The physical range is -32768..32767 uV (digital = uV exactly)
      when the samples fit in -32767..32767, else a whole-number range with room for the
      marker below the data.
    - Labels are cut to EDF's 16 characters, header text to printable ASCII (spaces in the
      patient code and equipment become ``_``).
    - Start: ``start_utc`` of ``session.json``, **in UTC** (EDF has no time zone), cut to the
      whole second (EDF's header resolution); every time in the file is shifted by the
      fraction cut off, so that file time ``t_file = t_session + fraction`` and every
      sample and annotation stays at its exact UTC time. Patient code: ``participant``.
      Equipment: ``resonant_<version>``.
    - Annotations (EDF+ TALs, 100-us resolution): every event of ``events.tsv`` as
      ``"<kind>: <label>"`` (just ``<kind>`` when the label is empty; `` (<source>)``
      appended in sessions with several sources), with its duration when it has one; every
      pacer phase onset as ``"<phase> <rate>/min"`` (``"inhale 6/min"``) with the phase's
      planned duration. Texts longer than 40 bytes (the writer's limit) are cut, with a
      note.

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
    ``hr_bpm``     beat: the strap's own heart rate, beats/min (empty if none)
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
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant._version import __version__
from resonant.errors import BadInputError
from resonant.folder.read import (
    PacerRows,
    Recording,
    RecordingError,
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
    "CSV_COLUMNS",
    "ECG_RATE_HZ",
    "EDF_ANNOTATION_MAX_BYTES",
    "EDF_GRID_HZ",
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
    "kind", "source", "time_s", "rr_ms", "hr_bpm", "contact", "artifact", "segment",
    "event_kind", "label", "duration_s", "phase", "rate_bpm",
)  # fmt: skip

_DIGITAL_MIN = -32768
_DIGITAL_MAX = 32767
_EDF_LABEL_CHARS = 16
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
    if not p.exists():
        raise RecordingError(p, "no such session folder")
    if not p.is_dir():
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
        The file and a summary.

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
    _check_targets([out])
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
                     "" if c < 0 else str(c), flag, str(s),
                     "", "", "", "", ""]  # fmt: skip
            rows.append((t, 0, cells))
    for ev in events:
        cells = ["event", ev.source, _num(ev.onset_s), "", "", "", "", "",
                 ev.kind, ev.label, _num(ev.duration_s), "", ""]  # fmt: skip
        rows.append((ev.onset_s, 1, cells))
    n_phases = 0
    if pacer is not None:
        n_phases = pacer.start_s.size
        for t, d, code, rate in _phases(pacer):
            cells = ["pacer", "", _num(t), "", "", "", "", "", "", "", _num(d),
                     PHASES[code], _num(rate)]  # fmt: skip
            rows.append((t, 2, cells))
    rows.sort(key=lambda r: (r[0], r[1]))  # stable: file order within equal keys
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(cells for _, _, cells in rows)
    _write_new(out, buf.getvalue())
    return ExportResult(
        [out],
        f"wrote {out}: {n_beats} beats, {len(events)} events, {n_phases} pacer phases",
        _reader_notes(recs),
    )


# -- EDF+ -------------------------------------------------------------------------------------


def _ascii(text: str, spaces: str = " ") -> str:
    """Printable ASCII for an EDF header field (accents dropped, spaces replaced)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in plain).strip()
    return plain.replace(" ", spaces)


def _unique_labels(labels: list[str]) -> list[str]:
    out: list[str] = []
    for label in labels:
        cand = label[:_EDF_LABEL_CHARS].rstrip()
        k = 2
        while cand in out:
            tail = f"~{k}"
            cand = label[: _EDF_LABEL_CHARS - len(tail)].rstrip() + tail
            k += 1
        out.append(cand)
    return out


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
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise ExportError(
            f"{folder / 'session.json'}: start_utc {raw[:40]!r} is not an ISO 8601 time"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    start = start.astimezone(UTC)
    if not 1985 <= start.year <= 2084:
        raise ExportError(
            f"{folder / 'session.json'}: start_utc {raw!r} is outside the years EDF can "
            "hold (1985-2084)"
        )
    return start


def _step_rr(rec: Recording, at_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """The RR interval in progress at each time (NaN where no recorded interval covers it).

    The interval of beat k spans ``(time_s[k] - rr_ms[k] / 1000, time_s[k]]``; within a
    segment the intervals are taken as contiguous (the next beat's interval starts at the
    previous beat), so each time gets the interval of the first beat at or after it.
    """
    t, rr = rec.time_s, rec.rr_ms
    k = np.searchsorted(t, at_s, side="left")
    inside = k < t.size
    kk = np.minimum(k, t.size - 1)
    seg = np.searchsorted(rec.segment_starts, kk, side="right") - 1
    first = rec.segment_starts[seg]
    inside &= at_s > t[first] - rr[first] / 1000.0
    return np.where(inside, rr[kk], np.nan)


def _nearest_samples(
    times_s: NDArray[np.float64], values: NDArray[np.float64], at_s: NDArray[np.float64],
    rate_hz: float,
) -> NDArray[np.float64]:  # fmt: skip
    """The sample nearest each time, within half a sample period (NaN elsewhere)."""
    k = np.searchsorted(times_s, at_s)
    lo = np.clip(k - 1, 0, times_s.size - 1)
    hi = np.clip(k, 0, times_s.size - 1)
    pick = np.where(np.abs(times_s[hi] - at_s) < np.abs(times_s[lo] - at_s), hi, lo)
    near = np.abs(times_s[pick] - at_s) <= 0.5 / rate_hz + 1e-9
    return np.where(near, values[pick], np.nan)


@dataclass(frozen=True)
class _Signal:
    label: str
    dimension: str
    rate_hz: int
    physical_min: int
    physical_max: int
    values: NDArray[np.float64]  # physical, NaN = gap
    transducer: str = ""

    def digital(self) -> NDArray[np.int32]:
        """Quantise: the physical range onto -32768..32767; gaps at the digital minimum."""
        step = (self.physical_max - self.physical_min) / (_DIGITAL_MAX - _DIGITAL_MIN)
        gap = np.isnan(self.values)
        d = np.rint((np.where(gap, self.physical_min, self.values) - self.physical_min) / step)
        d = np.clip(d + _DIGITAL_MIN, _DIGITAL_MIN, _DIGITAL_MAX)
        d[gap] = _DIGITAL_MIN
        return d.astype(np.int32)

    def header(self) -> dict[str, Any]:
        """The pyedflib signal header."""
        return {
            "label": self.label, "dimension": self.dimension,
            "sample_frequency": self.rate_hz,
            "physical_min": self.physical_min, "physical_max": self.physical_max,
            "digital_min": _DIGITAL_MIN, "digital_max": _DIGITAL_MAX,
            "transducer": self.transducer, "prefilter": "",
        }  # fmt: skip


def _range_above_zero(values: NDArray[np.float64]) -> tuple[int, int]:
    """0 (the gap marker) to the maximum rounded up: positive data never reaches the marker."""
    finite = values[np.isfinite(values)]
    top = math.ceil(float(finite.max())) if finite.size else 1
    return 0, max(top, 1)


def _ecg_range(values: NDArray[np.float64]) -> tuple[int, int]:
    """Digital range of the ECG: µV exactly (digital = physical) when it fits, else scaled."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return _DIGITAL_MIN, _DIGITAL_MAX
    lo, hi = math.floor(float(finite.min())), math.ceil(float(finite.max()))
    if lo > _DIGITAL_MIN and hi <= _DIGITAL_MAX:
        return _DIGITAL_MIN, _DIGITAL_MAX
    hi = max(hi, lo + 1)
    # The lowest sample must land at least one and a half steps above the marker.
    margin = max(1, math.ceil(2 * (hi - lo) / (_DIGITAL_MAX - _DIGITAL_MIN - 2)))
    return lo - margin, hi


def _source_names(meta: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for src in meta.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("label"), str):
            out[src["label"]] = str(src.get("name") or src.get("model") or "")
    return out


def export_edf(folder: str | Path, out: str | Path) -> ExportResult:
    """Write the session as EDF+ (continuous): RR, HR and ECG signals, events, pacer phases.

    The choices (EDF+C with a gap marker, the 4-Hz step-interpolated grid, the start time,
    the annotation texts) are described in the module docstring.

    Parameters
    ----------
    folder : str or Path
        The session folder.
    out : str or Path
        The file to create.

    Returns
    -------
    ExportResult
        The file, a summary, and notes (annotation texts cut to the writer's limit).

    Raises
    ------
    RecordingError
        When the folder cannot be read.
    ExportError
        When ``out`` exists or cannot be written, ``session.json`` has no start time, or
        pyedflib is not installed.
    """
    try:
        import pyedflib
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
    start = _start_utc(src_folder, meta)
    _check_targets([out])
    notes = _reader_notes(recs)
    shift_s = start.microsecond / 1e6  # file time = session time + shift_s

    # Annotations, in time order.
    several = len(recs) > 1
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

    # The grid: whole 1-s data records from the (whole-second) start to the last time.
    last_s = max(
        [float(r.time_s[-1]) for r in recs]
        + [float(trace.time_s[-1]) for trace in ecg.values() if trace.time_s.size]
        + [a[0] for a in annotations]
    )
    n_records = max(
        int(math.floor(last_s + shift_s)) + 1,
        math.ceil(len(annotations) / _EDF_MAX_ANNOTATION_SIGNALS),
        1,
    )
    grid_s = np.arange(n_records * EDF_GRID_HZ) / EDF_GRID_HZ - shift_s
    names = _source_names(meta)
    signals: list[_Signal] = []
    for rec in recs:
        rr = _step_rr(rec, grid_s)
        hr = 60000.0 / rr
        transducer = _ascii(names.get(rec.source, ""))
        suffix = f" {rec.source}" if rec.source else ""
        signals.append(_Signal(f"RR{suffix}", "ms", EDF_GRID_HZ, *_range_above_zero(rr), rr,
                               transducer))  # fmt: skip
        signals.append(_Signal(f"HR{suffix}", "bpm", EDF_GRID_HZ, *_range_above_zero(hr), hr,
                               transducer))  # fmt: skip
    ecg_grid_s = np.arange(n_records * ECG_RATE_HZ) / ECG_RATE_HZ - shift_s
    for src, trace in ecg.items():
        t_s, v = trace.time_s, trace.ecg_uv
        if not t_s.size:
            continue
        values = _nearest_samples(t_s, v, ecg_grid_s, ECG_RATE_HZ)
        suffix = f" {src}" if src else ""
        signals.append(_Signal(f"ECG{suffix}", "uV", ECG_RATE_HZ, *_ecg_range(v), values,
                               _ascii(names.get(src, ""))))  # fmt: skip
    labels = _unique_labels([_ascii(s.label) or "signal" for s in signals])
    headers = [{**s.header(), "label": lab} for s, lab in zip(signals, labels, strict=True)]
    digital = [s.digital() for s in signals]
    n_annot_signals = max(1, math.ceil(len(annotations) / n_records))
    lost: list[str] = []

    def write(tmp: Path) -> None:
        writer = pyedflib.EdfWriter(str(tmp), len(signals), file_type=pyedflib.FILETYPE_EDFPLUS)
        try:
            writer.setSignalHeaders(headers)
            writer.setStartdatetime(start.replace(microsecond=0, tzinfo=None))
            participant = meta.get("participant")
            if participant:
                code = _ascii(str(participant), spaces="_")
                if code:
                    writer.setPatientCode(code)
            writer.setEquipment(_ascii(f"resonant {__version__}", spaces="_"))
            writer.set_number_of_annotation_signals(n_annot_signals)
            writer.writeSamples(digital, digital=True)
            for onset, duration, text in annotations:
                if writer.writeAnnotation(onset + shift_s, duration, text) != 0:
                    lost.append(text)  # before the start of the file: EDF+ cannot hold it
        finally:
            writer.close()

    _write_new(out, write)
    if lost:
        notes.append(
            f"note: {len(lost)} annotation(s) before the start of the session could not be "
            f"written (the first: {lost[0]!r})"
        )
    sources = ", ".join(r.source or "the recording" for r in recs)
    has_ecg = any(trace.time_s.size for trace in ecg.values())
    ecg_part = f", ECG at {ECG_RATE_HZ} Hz" if has_ecg else ""
    return ExportResult(
        [out],
        f"wrote {out}: EDF+ with RR and HR of {sources} at {EDF_GRID_HZ} Hz{ecg_part}, "
        f"{n_records} s, {len(annotations)} annotations",
        notes,
    )


# -- the table ---------------------------------------------------------------------------------

#: The export of each ``--format`` (the command is :mod:`resonant.cli.export`).
EXPORTERS: dict[str, Callable[[str | Path, str | Path], ExportResult]] = {
    "kubios": export_kubios,
    "edf": export_edf,
    "csv": export_csv,
}

