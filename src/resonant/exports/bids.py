"""Export session folders as one BIDS dataset (``resonant export --format bids``).

The result is a raw BIDS dataset (`BIDS 1.11 <https://bids-specification.readthedocs.io/>`_)
that the official validator accepts without errors (the tests check it with
``bidsschematools`` and ``bids-validator``). One or many session folders go into one new
folder ``out``; folders of the same participant become sessions (``ses-``) of one subject
(``sub-``)::

    out/
      dataset_description.json   BIDSVersion, Name, DatasetType "raw", GeneratedBy resonant
      README.md                  what is here and how it was made
      participants.tsv, .json    participant_id, and the id as recorded
      sub-<p>/sub-<p>_sessions.tsv, .json     session_id, acq_time (start_utc), ...
      sub-<p>/ses-<s>/beh/
        sub-<p>_ses-<s>_task-<t>_events.tsv, .json
        sub-<p>_ses-<s>_task-<t>_recording-rr_physio.tsv.gz, .json
        sub-<p>_ses-<s>_task-<t>_recording-ecg_physio.tsv.gz, .json   (ECG sessions only)
      sourcedata/sub-<p>/ses-<s>/   the session folder's own files, unchanged

Why ``beh``
    BIDS physiological recordings (``*_physio.tsv.gz``) belong to a data type. The schema
    allows them under ``beh`` beside ``*_events.tsv`` with a required ``task-`` entity and
    no primary neural recording: a breathing session with a chest strap is a behavioural
    experiment with physiological recordings and nothing else.

Labels
    ``sub-``: ``participant`` of ``session.json`` with everything but letters and digits
    removed (``"P 07"`` gives ``sub-P07``); a session without a usable participant id gets
    a subject of its own (``sub-unknown01``, ...), since two unlabelled sessions need not be
    the same person. Two different ids that give the same label are told apart by a suffix
    (``dup2``), with a note. ``ses-``: ``start_utc`` as ``YYYYMMDDThhmmssZ`` (else the
    folder's name in letters and digits), with ``s2``, ``s3`` added when two sessions of a
    subject start in the same second. ``task-``: the protocol's name in letters and digits
    (``threatsoothing``), else ``biofeedback``. ``recording-``: ``rr`` and ``ecg``, with the
    source label appended when a session has several sources (``rrclient``).

Time
    Every time in a session is on its session clock: 0 is ``start_utc``, which is the
    session's ``acq_time`` in ``sub-<p>_sessions.tsv`` and onset 0 of its events. A physio
    file's ``StartTime`` is the time of its first sample on that clock.

RR physio (``recording-rr``)
    BIDS physiological files are sampled at one fixed rate, so the beats are put on a
    4-Hz grid ``t_k = k / 4`` s (:data:`PHYSIO_RATE_HZ`, the usual rate for resampled RR
    series; Task Force 1996) by **step interpolation**: each sample carries the RR interval
    in progress at ``t_k``, i.e. the interval of the first beat at or after ``t_k``
    (within a segment an interval runs from the previous beat to its own beat; the first
    beat's interval of a segment from its beat time minus its RR). Samples outside every
    interval (between segments: disconnects, lost beats) are ``n/a``. Two columns, no
    header (the names are the sidecar's ``Columns``): ``rr_ms``, the interval in ms,
    written in full as in ``beats.tsv``, raw (artifacts included: the analysis corrects
    them, a raw file does not); and ``rr_hr_bpm``, the rate of that one interval,
    60000 / ``rr_ms``, in ``min^-1`` (beats per minute in the CMIXF-12 unit format that
    BIDS recommends; "bpm" is not a unit). A beat's RR is on the grid at every sample
    inside its interval, so an interval that spans a grid step (250 ms) in time is never
    lost, but beat times are only known to the grid step: the exact beat times and RR
    intervals are in ``sourcedata`` (``beats.tsv``).

ECG physio (``recording-ecg``)
    When ``ecg.tsv`` exists: the raw ECG in µV (``uV``) on a 130-Hz grid (the Polar H10's
    rate), each grid point taking the nearest sample within half a sample period, ``n/a``
    elsewhere.

Accelerometer physio (``recording-acc``)
    When ``acc.tsv`` exists: the chest accelerometer's three axes ``acc_x``, ``acc_y``,
    ``acc_z`` in m/s² (``m/s^2``: the recorded milli-g times 9.80665e-3, gravity
    included) on a grid at the strap's own rate (the median spacing of the samples,
    rounded to 25, 50, 100 or 200 Hz), each grid point taking the nearest sample within
    half a period, ``n/a`` elsewhere.

Events (``*_events.tsv``)
    One row per event of ``events.tsv`` and per breathing-guide phase of ``pacer.tsv``,
    sorted by onset; columns ``onset`` and ``duration`` (s), ``trial_type``
    (``marker``, ``protocol_phase``, ``connection``, ``pacer_change``, ``note``,
    ``breathing_phase``), ``label`` (the event's text; for a breathing phase ``inhale``,
    ``hold_in``, ``exhale``, ``hold_out``), ``source`` and ``pacer_rate``
    (breaths/min of a breathing phase). A cell that does not apply is ``n/a``; ``n/a`` is
    never a value.

Why the raw beats are in ``sourcedata``
    A beat series is not sampled at a fixed rate, and the schema offers it no file of its
    own (``physioevents`` is for events of a physio file with an ``OnsetSource`` column,
    made for eye tracking); ``sourcedata/`` is where BIDS keeps the data as recorded, and
    the validator leaves it alone. The session folder's files are copied there unchanged
    (their format is docs/session-folder.md).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant._version import __version__
from resonant.exports.formats import ExportError
from resonant.folder.read import (
    AccTrace,
    EcgTrace,
    PacerRows,
    Recording,
    RecordingError,
    read_acc,
    read_ecg,
    read_events,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.model.atomic import os_error_reason, write_atomic
from resonant.model.beats import Event
from resonant.model.pacer import PHASES

__all__ = [
    "BIDS_VERSION",
    "ECG_RATE_HZ",
    "EVENT_COLUMNS",
    "PHYSIO_RATE_HZ",
    "BidsResult",
    "export_bids",
    "rr_grid",
]

#: The BIDS version the dataset follows (``BIDSVersion``).
BIDS_VERSION = "1.11.0"
#: Sample rate of the RR physio file, Hz.
PHYSIO_RATE_HZ = 4
#: Sample rate of the ECG physio file, Hz (the Polar H10's).
ECG_RATE_HZ = 130
#: Columns of ``*_events.tsv``, in order.
EVENT_COLUMNS = ("onset", "duration", "trial_type", "label", "source", "pacer_rate")

_NA = "n/a"
_TRIAL_TYPES = {
    "marker": "marker",
    "phase": "protocol_phase",
    "connection": "connection",
    "pacer": "pacer_change",
    "note": "note",
    "gap": "gap",
}
_TRIAL_LEVELS = {
    "marker": "a person pressed the marker key",
    "protocol_phase": "a protocol phase began (label: its name; a stressor's ends in "
    "' (stressor)'); duration: its planned length",
    "connection": "a connection event of a source (label: connected, disconnected, "
    "reconnected, contact_lost or contact_restored)",
    "pacer_change": "a change of the breathing guide's settings, effective at onset",
    "note": "a note",
    "gap": "a break in a source's beats (label: disconnected, timing when beats were lost, "
    "or clock); nothing is computed across it",
    "breathing_phase": "a phase of the breathing guide began (label: inhale, hold_in, exhale "
    "or hold_out); duration: its planned length",
}


_EXISTS = "{out} already exists: an export never overwrites (choose another --out)"


class _Skip(Exception):
    """A session that cannot be exported (the sentence says why)."""


@dataclass(frozen=True)
class BidsResult:
    """What a BIDS export wrote, and what it refused.

    Attributes
    ----------
    files : list of Path
        The files written (in ``out``).
    summary : str
        One line saying what was written where (empty when nothing was).
    notes : list of str
        Sentences on what the readers skipped or how labels were made unique.
    refused : list of str
        One sentence per session folder that could not be exported; the others were.
    """

    files: list[Path]
    summary: str
    notes: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Session:
    folder: Path
    meta: dict[str, Any]
    recordings: list[Recording]
    events: list[Event]
    pacer: PacerRows | None
    ecg: dict[str, EcgTrace]
    start_utc: str
    acc: dict[str, AccTrace]


# -- labels -----------------------------------------------------------------------------------


def _alnum(text: object) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "", str(text)) if text is not None else ""


def _ses_label(s: _Session) -> str:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", s.start_utc)
    if m:
        return "{}{}{}T{}{}{}Z".format(*m.groups())
    return _alnum(s.folder.name) or "1"


def _task_label(meta: dict[str, Any]) -> str:
    protocol = meta.get("protocol")
    name = protocol.get("name") if isinstance(protocol, dict) else None
    return _alnum(name) or "biofeedback"


def _subjects(sessions: list[_Session], notes: list[str]) -> list[str]:
    """The ``sub-`` label of each session (one per participant id; one per unlabelled session)."""
    by_id: dict[str, str] = {}
    used: set[str] = set()
    labels: list[str] = []
    unknown = 0
    for s in sessions:
        raw = s.meta.get("participant")
        raw_id = str(raw).strip() if raw is not None else ""
        base = _alnum(raw_id)
        if not base:
            while True:
                unknown += 1
                label = f"unknown{unknown:02d}"
                if label not in used:
                    break
        elif raw_id in by_id:
            label = by_id[raw_id]
        else:
            label, n = base, 1
            while label in used:
                n += 1
                label = f"{base}dup{n}"
            if n > 1:
                notes.append(
                    f"note: participant {raw_id!r} is sub-{label}, since another id also "
                    f"reads as {base!r} in letters and digits"
                )
            by_id[raw_id] = label
        used.add(label)
        labels.append(label)
    return labels


# -- numbers and tables -----------------------------------------------------------------------


def _num(x: float) -> str:
    """A number in full (the shortest text that reads back as the same float), or n/a."""
    if x != x:
        return _NA
    s = np.format_float_positional(float(x), trim="-")
    return "0" if s == "-0" else s


def _cell(text: str) -> str:
    """A text cell: tabs and line breaks become spaces; an empty cell is n/a."""
    text = " ".join(str(text).split())
    return text if text else _NA


def _json_text(content: dict[str, Any]) -> str:
    return json.dumps(content, indent=2, ensure_ascii=False) + "\n"


def _tsv(header: Sequence[str] | None, rows: list[list[str]]) -> str:
    lines = (["\t".join(header)] if header else []) + ["\t".join(r) for r in rows]
    return "".join(line + "\n" for line in lines)


# -- reading ----------------------------------------------------------------------------------


def _read(folder: str | Path) -> _Session:
    p = Path(folder)
    if not p.exists():
        raise _Skip(f"{p}: no such session folder")
    if not p.is_dir():
        raise _Skip(f"{p}: not a session folder (it is a file)")
    try:
        recordings = read_recording(p)
        meta = read_session_json(p)
        events = read_events(p)
        pacer = read_pacer(p)
        ecg = read_ecg(p)
        acc = read_acc(p)
    except RecordingError as exc:
        raise _Skip(str(exc)) from None
    start = meta.get("start_utc")
    start_utc = start if isinstance(start, str) else ""
    return _Session(p, meta, recordings, events, pacer, ecg, start_utc, acc)


# -- physio -----------------------------------------------------------------------------------


def rr_grid(rec: Recording, rate_hz: float = PHYSIO_RATE_HZ) -> tuple[int, NDArray[np.float64]]:
    """Step-interpolate a source's RR intervals onto the grid ``t_k = k / rate_hz``.

    Parameters
    ----------
    rec : Recording
        The beats of one source.
    rate_hz : float
        The grid's rate, Hz.

    Returns
    -------
    k0 : int
        Index of the first sample (its time is ``k0 / rate_hz`` s on the session clock).
    rr_ms : ndarray of float
        The RR interval in progress at each grid point (the interval of the first beat at
        or after it), NaN where no recorded interval covers it; empty without beats.
    """
    t, rr = rec.time_s, rec.rr_ms
    if t.size == 0:
        return 0, np.empty(0)
    starts = np.zeros(t.size, dtype=bool)
    starts[rec.segment_starts] = True
    begin = t - rr / 1000.0  # where each interval begins when it starts a segment
    k0 = int(np.floor(begin[0] * rate_hz)) + 1
    k1 = int(np.floor(t[-1] * rate_hz))
    if k1 < k0:
        return k0, np.empty(0)
    at = np.arange(k0, k1 + 1) / rate_hz
    i = np.searchsorted(t, at, side="left")  # first beat at or after each grid point
    values = rr[i].astype(np.float64)
    inside = ~starts[i] | (at > begin[i])
    values[~inside] = np.nan
    return k0, values


def _ecg_grid(trace: EcgTrace) -> tuple[int, NDArray[np.float64]]:
    """The nearest ECG sample within half a period of each 130-Hz grid point (NaN elsewhere)."""
    t, v = trace.time_s, trace.ecg_uv
    if t.size == 0:
        return 0, np.empty(0)
    k0 = int(np.ceil(t[0] * ECG_RATE_HZ - 0.5))
    k1 = int(np.floor(t[-1] * ECG_RATE_HZ + 0.5))
    at = np.arange(k0, k1 + 1) / ECG_RATE_HZ
    j = np.clip(np.searchsorted(t, at), 1, t.size - 1)
    nearer = np.where(np.abs(t[j - 1] - at) <= np.abs(t[j] - at), j - 1, j)
    out = v[nearer].astype(np.float64)
    out[np.abs(t[nearer] - at) > 0.5 / ECG_RATE_HZ] = np.nan
    return k0, out


#: Accelerometer rates a grid may take, Hz (the Polar H10's).
_ACC_RATES_HZ = (25, 50, 100, 200)
#: Standard gravity, m/s² per milli-g.
_MG_TO_MS2 = 9.80665e-3


def _acc_grid(trace: AccTrace) -> tuple[int, int, NDArray[np.float64]]:
    """Rate (Hz), first grid index and the nearest sample's x, y, z (m/s²) at each point."""
    t = trace.time_s
    if t.size < 2:
        return _ACC_RATES_HZ[0], 0, np.empty((0, 3))
    step = float(np.median(np.diff(t)))
    rate = min(_ACC_RATES_HZ, key=lambda r: abs(1.0 / r - step))
    k0 = int(np.ceil(t[0] * rate - 0.5))
    k1 = int(np.floor(t[-1] * rate + 0.5))
    at = np.arange(k0, k1 + 1) / rate
    j = np.clip(np.searchsorted(t, at), 1, t.size - 1)
    nearer = np.where(np.abs(t[j - 1] - at) <= np.abs(t[j] - at), j - 1, j)
    out = np.round(trace.xyz_mg[nearer].astype(np.float64) * _MG_TO_MS2, 6)
    out[np.abs(t[nearer] - at) > 0.5 / rate] = np.nan
    return rate, k0, out


def _physio_bytes(columns: list[NDArray[np.float64]], fmt: list[Any]) -> bytes:
    """Headerless TSV, gzip-compressed deterministically (no name, no time in the header)."""
    cols = [
        [f(x) if x == x else _NA for x in c.tolist()] for c, f in zip(columns, fmt, strict=True)
    ]
    text = "".join("\t".join(row) + "\n" for row in zip(*cols, strict=True))
    return gzip.compress(text.encode("ascii"), mtime=0)


def _hr(rr_ms: float) -> str:
    return _num(round(60000.0 / rr_ms, 4))


def _source_info(meta: dict[str, Any], label: str) -> dict[str, Any]:
    for src in meta.get("sources") or []:
        if isinstance(src, dict) and src.get("label") == label:
            return src
    return {}


def _hardware(meta: dict[str, Any], label: str) -> dict[str, Any]:
    src = _source_info(meta, label)
    out: dict[str, Any] = {}
    settings = src.get("settings") if isinstance(src.get("settings"), dict) else {}
    manufacturer = (settings or {}).get("manufacturer")
    if src.get("kind") == "simulated":
        out["Manufacturer"] = "resonant (simulated strap)"
    elif isinstance(manufacturer, str) and manufacturer:
        out["Manufacturer"] = manufacturer
    model = src.get("model") or src.get("name")
    if isinstance(model, str) and model:
        out["ManufacturersModelName"] = model
    firmware = src.get("firmware")
    if isinstance(firmware, str) and firmware:
        out["SoftwareVersions"] = firmware
    return out


def _task_name(meta: dict[str, Any]) -> str:
    protocol = meta.get("protocol")
    title = (protocol.get("title") or protocol.get("name")) if isinstance(protocol, dict) else None
    return str(title) if title else "biofeedback"


def _rr_sidecar(meta: dict[str, Any], rec: Recording, k0: int) -> dict[str, Any]:
    who = f" of source {rec.source!r}" if rec.source else ""
    return {
        "TaskName": _task_name(meta),
        "SamplingFrequency": PHYSIO_RATE_HZ,
        "StartTime": k0 / PHYSIO_RATE_HZ,
        "Columns": ["rr_ms", "rr_hr_bpm"],
        "PhysioType": "generic",
        **_hardware(meta, rec.source),
        "Description": (
            f"RR intervals{who} from a chest strap, step-interpolated onto a "
            f"{PHYSIO_RATE_HZ}-Hz grid: each sample holds the RR interval in progress at its "
            "time (the interval of the first beat at or after it); n/a where no recorded "
            "interval covers it (disconnects, lost beats). StartTime is s from the session "
            "start (acq_time in the sessions file; onset 0 of the events). Raw intervals, "
            "artifacts included; the exact beat times and intervals are in sourcedata "
            "(beats.tsv)."
        ),
        "rr_ms": {
            "LongName": "RR interval",
            "Description": "The RR interval in progress, exact as the strap sent it.",
            "Units": "ms",
            "Format": "number",
        },
        "rr_hr_bpm": {
            "LongName": "Heart rate from RR",
            "Description": "The rate of the RR interval in progress, 60000 / rr_ms, in beats "
            "per minute (not the strap's own heart-rate value, which is in sourcedata).",
            "Units": "min^-1",
            "Format": "number",
        },
    }


def _ecg_sidecar(meta: dict[str, Any], source: str, k0: int) -> dict[str, Any]:
    who = f" of source {source!r}" if source else ""
    return {
        "TaskName": _task_name(meta),
        "SamplingFrequency": ECG_RATE_HZ,
        "StartTime": k0 / ECG_RATE_HZ,
        "Columns": ["ecg"],
        "PhysioType": "generic",
        **_hardware(meta, source),
        "Description": (
            f"Raw ECG{who} from the chest strap on a {ECG_RATE_HZ}-Hz grid: each sample is the "
            "nearest recorded sample within half a sample period, n/a elsewhere. StartTime is "
            "s from the session start."
        ),
        "ecg": {
            "LongName": "ECG",
            "Description": "Single-lead ECG from the chest strap's electrodes.",
            "Units": "uV",
            "Format": "number",
        },
    }


def _acc_sidecar(meta: dict[str, Any], source: str, rate: int, k0: int) -> dict[str, Any]:
    who = f" of source {source!r}" if source else ""
    axis = {
        f"acc_{a}": {
            "LongName": f"Acceleration {a}",
            "Description": f"The chest accelerometer's {a} axis, gravity included (recorded "
            "in milli-g, times 9.80665e-3).",
            "Units": "m/s^2",
            "Format": "number",
        }
        for a in "xyz"
    }
    return {
        "TaskName": _task_name(meta),
        "SamplingFrequency": rate,
        "StartTime": k0 / rate,
        "Columns": ["acc_x", "acc_y", "acc_z"],
        "PhysioType": "generic",
        **_hardware(meta, source),
        "Description": (
            f"Chest accelerometer{who} on a {rate}-Hz grid: each sample is the nearest "
            "recorded sample within half a sample period, n/a elsewhere. Breathing tilts the "
            "chest, so the axes rise and fall with each breath. StartTime is s from the "
            "session start."
        ),
        **axis,
    }


# -- events -----------------------------------------------------------------------------------


def _event_rows(s: _Session) -> list[list[str]]:
    rows: list[tuple[float, int, list[str]]] = []
    for ev in s.events:
        rows.append((ev.onset_s, 0, [
            _num(ev.onset_s), _num(ev.duration_s), _TRIAL_TYPES.get(ev.kind, "note"),
            _cell(ev.label), _cell(ev.source), _NA,
        ]))  # fmt: skip
    if s.pacer is not None:
        p = s.pacer
        phases = zip(p.start_s.tolist(), p.duration_s.tolist(), p.code.tolist(),
                     p.rate_bpm.tolist(), strict=True)  # fmt: skip
        for onset, dur, code, rate in phases:
            rows.append((onset, 1, [
                _num(onset), _num(dur), "breathing_phase", PHASES[int(code)], _NA, _num(rate),
            ]))  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1]))
    return [r[2] for r in rows]


def _events_sidecar(meta: dict[str, Any]) -> dict[str, Any]:
    title = _task_name(meta)
    return {
        "TaskName": title,
        "TaskDescription": (
            "A heart-rate-variability biofeedback session with resonant: a chest strap "
            "records the heartbeats"
            + (f"; protocol: {title}" if title != "biofeedback" else "")
            + ". Onsets are s from the session start (acq_time in the sessions file)."
        ),
        "onset": {"Description": "When the event happened or began, s from the session start.",
                  "Units": "s"},  # fmt: skip
        "duration": {"Description": "How long it lasted (0 for an instant), s.", "Units": "s"},
        "trial_type": {
            "LongName": "Event kind",
            "Description": "What kind of event it is.",
            "Levels": _TRIAL_LEVELS,
        },
        "label": {
            "LongName": "Label",
            "Description": "The event's text; for breathing_phase the phase: inhale, hold_in, "
            "exhale or hold_out. n/a when the event has none.",
        },
        "source": {
            "LongName": "Source",
            "Description": "The source (strap) the event concerns; n/a for the whole session.",
        },
        "pacer_rate": {
            "LongName": "Breathing guide rate",
            "Description": "breathing_phase: the guide's rate in breaths per minute; n/a for "
            "other events.",
            "Units": "min^-1",
        },
    }


# -- the dataset ------------------------------------------------------------------------------


def _description(n: int) -> dict[str, Any]:
    return {
        "Name": f"resonant sessions ({n} session{'s' if n != 1 else ''})",
        "BIDSVersion": BIDS_VERSION,
        "DatasetType": "raw",
        "GeneratedBy": [{
            "Name": "resonant",
            "Version": __version__,
            "Description": "resonant export --format bids: session folders of a chest-strap "
            "HRV biofeedback trainer as a BIDS dataset",
        }],  # fmt: skip
    }


_README = """\
# resonant sessions

Heart-rate-variability biofeedback sessions recorded with resonant (a chest strap's heartbeats,
a breathing guide), exported by `resonant export --format bids` (resonant {version}).

- `sub-<participant>/ses-<start>/beh/*_events.tsv`: events and the breathing guide's phases.
- `*_recording-rr_physio.tsv.gz`: RR intervals step-interpolated onto a 4-Hz grid
  (`rr_ms`, and `rr_hr_bpm` = 60000 / `rr_ms`); `n/a` where the strap was disconnected.
- `*_recording-ecg_physio.tsv.gz`: the raw ECG (130 Hz), for sessions that recorded it.
- `*_recording-acc_physio.tsv.gz`: the chest accelerometer (m/s², the strap's rate), for
  sessions that recorded it.
- `sourcedata/sub-*/ses-*/`: each session folder as recorded, with the exact beat times
  and RR intervals (`beats.tsv`); its format is resonant's docs/session-folder.md.

Times are seconds from each session's start (`acq_time` in `sub-*_sessions.tsv`).
"""


def _stage_session(
    root: Path, s: _Session, sub: str, ses: str, files: list[Path]
) -> None:
    def put(rel: str, content: str | bytes) -> None:
        target = root / rel
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(target, content, exclusive=True)
        files.append(target)

    task = _task_label(s.meta)
    stem = f"sub-{sub}/ses-{ses}/beh/sub-{sub}_ses-{ses}_task-{task}"
    put(f"{stem}_events.tsv", _tsv(EVENT_COLUMNS, _event_rows(s)))
    put(f"{stem}_events.json", _json_text(_events_sidecar(s.meta)))
    several = len(s.recordings) > 1 or len(s.ecg) > 1 or len(s.acc) > 1
    for rec in s.recordings:
        k0, rr = rr_grid(rec)
        if rr.size == 0:
            continue
        name = "rr" + (_alnum(rec.source).lower() if several else "")
        put(f"{stem}_recording-{name}_physio.tsv.gz", _physio_bytes([rr, rr], [_num, _hr]))
        put(f"{stem}_recording-{name}_physio.json", _json_text(_rr_sidecar(s.meta, rec, k0)))
    for source, trace in s.ecg.items():
        k0, ecg = _ecg_grid(trace)
        if ecg.size == 0:
            continue
        name = "ecg" + (_alnum(source).lower() if several else "")
        put(f"{stem}_recording-{name}_physio.tsv.gz", _physio_bytes([ecg], [_num]))
        put(f"{stem}_recording-{name}_physio.json", _json_text(_ecg_sidecar(s.meta, source, k0)))
    for source, acc in s.acc.items():
        rate, k0, xyz = _acc_grid(acc)
        if xyz.shape[0] == 0:
            continue
        name = "acc" + (_alnum(source).lower() if several else "")
        cols = [xyz[:, 0], xyz[:, 1], xyz[:, 2]]
        put(f"{stem}_recording-{name}_physio.tsv.gz", _physio_bytes(cols, [_num] * 3))
        side = _acc_sidecar(s.meta, source, rate, k0)
        put(f"{stem}_recording-{name}_physio.json", _json_text(side))
    # The session folder as recorded (exact beats); BIDS keeps such data in sourcedata/.
    for src in sorted(s.folder.iterdir()):
        if src.is_file() and not src.name.startswith("."):
            target = root / "sourcedata" / f"sub-{sub}" / f"ses-{ses}" / src.name
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(target, _copier(src), exclusive=True)
            files.append(target)


def _copier(src: Path) -> Callable[[Path], None]:
    """A writer for :func:`write_atomic` that copies ``src`` (the file keeps the export's mode)."""

    def copy(tmp: Path) -> None:
        shutil.copyfile(src, tmp)

    return copy


def _sessions_table(rows: list[tuple[str, _Session]]) -> str:
    out = []
    for ses, s in rows:
        protocol = s.meta.get("protocol")
        name = protocol.get("name") if isinstance(protocol, dict) else None
        duration = s.meta.get("duration_s")
        out.append([
            f"ses-{ses}",
            s.start_utc if s.start_utc else _NA,
            _cell(str(name)) if name else _NA,
            _num(float(duration)) if isinstance(duration, int | float) else _NA,
            _cell(s.folder.name),
        ])  # fmt: skip
    return _tsv(("session_id", "acq_time", "protocol", "duration", "source_folder"), out)


_SESSIONS_SIDECAR = {
    "acq_time": {"Description": "Start of the session clock (start_utc of session.json), UTC."},
    "protocol": {
        "LongName": "Protocol",
        "Description": "The guided protocol or assessment that ran; n/a for none.",
    },
    "duration": {"Description": "Session length from the first beat (n/a if the session was "
                 "cut off).", "Units": "s"},  # fmt: skip
    "source_folder": {"Description": "Name of the session folder this session was exported "
                      "from (copied to sourcedata/)."},  # fmt: skip
}

_PARTICIPANTS_SIDECAR = {
    "participant_id": {
        "Description": "The participant's label: the participant id as recorded, letters and "
        "digits only; unknownNN for a session recorded without one."
    },
    "recorded_id": {"Description": "The participant id as recorded in session.json; n/a when "
                    "none was given."},  # fmt: skip
}


def export_bids(folders: Sequence[str | Path], out: str | Path) -> BidsResult:
    """Write session folders as one new BIDS dataset (see the module docstring).

    Parameters
    ----------
    folders : sequence of str or Path
        Session folders. One that cannot be read is refused with one sentence in
        :attr:`BidsResult.refused`, and the others are still exported.
    out : str or Path
        The dataset folder to create; it must not exist. It is built in a hidden folder
        beside it and renamed into place when complete, so a failed export leaves nothing.

    Returns
    -------
    BidsResult
        The files, a summary, notes, and the refused sessions.

    Raises
    ------
    ExportError
        When ``out`` exists or cannot be written (then nothing is written).
    """
    out = Path(out)
    if out.exists() or out.is_symlink():
        raise ExportError(_EXISTS.format(out=out))
    parent = out.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise ExportError(f"{out} cannot be written: the folder {parent} {what}")
    refused: list[str] = []
    notes: list[str] = []
    sessions: list[_Session] = []
    seen: set[Path] = set()
    for folder in folders:
        try:
            s = _read(folder)
        except _Skip as exc:
            refused.append(str(exc))
            continue
        key = s.folder.resolve()
        if key in seen:
            notes.append(f"note: {s.folder} was given twice and is exported once")
            continue
        seen.add(key)
        sessions.append(s)
        for rec in s.recordings:
            notes.extend(f"{rec.path}: {w}" for w in rec.warnings)
    if not sessions:
        return BidsResult([], "", notes, refused)
    sessions.sort(key=lambda s: (s.start_utc, str(s.folder)))
    subs = _subjects(sessions, notes)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise ExportError(f"{out} cannot be written ({os_error_reason(exc)})") from None
    files: list[Path] = []
    try:
        per_sub: dict[str, list[tuple[str, _Session]]] = {}
        for s, sub in zip(sessions, subs, strict=True):
            taken = {ses for ses, _ in per_sub.get(sub, [])}
            base = _ses_label(s)
            ses, n = base, 1
            while ses in taken:
                n += 1
                ses = f"{base}s{n}"
            per_sub.setdefault(sub, []).append((ses, s))
            _stage_session(staging, s, sub, ses, files)
        for sub, rows in per_sub.items():
            path = staging / f"sub-{sub}" / f"sub-{sub}_sessions.tsv"
            write_atomic(path, _sessions_table(rows), exclusive=True)
            write_atomic(path.with_suffix(".json"), _json_text(_SESSIONS_SIDECAR), exclusive=True)
            files += [path, path.with_suffix(".json")]
        recorded = {sub: s.meta.get("participant") for s, sub in zip(sessions, subs, strict=True)}
        participants = [
            [f"sub-{sub}", _cell(str(recorded[sub])) if recorded[sub] not in (None, "") else _NA]
            for sub in per_sub
        ]
        top = {
            "dataset_description.json": _json_text(_description(len(sessions))),
            "README.md": _README.format(version=__version__),
            "participants.tsv": _tsv(("participant_id", "recorded_id"), participants),
            "participants.json": _json_text(_PARTICIPANTS_SIDECAR),
        }
        for name, text in top.items():
            write_atomic(staging / name, text, exclusive=True)
            files.append(staging / name)
        if out.exists():
            raise ExportError(_EXISTS.format(out=out))
        os.rename(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExportError(f"{out} cannot be written ({os_error_reason(exc)})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    final = [out / f.relative_to(staging) for f in files]
    n_sub = len(per_sub)
    summary = (
        f"wrote a BIDS dataset: {out} ({len(sessions)} session{'s' if len(sessions) != 1 else ''} "
        f"of {n_sub} participant{'s' if n_sub != 1 else ''}, {len(final)} files)"
    )
    return BidsResult(final, summary, notes, refused)
