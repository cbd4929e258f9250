"""JSON sidecars: what every column of a session folder's tables means.

The layout borrows the column keys of BIDS tabular sidecars (`BIDS, common principles,
tabular files
<https://bids-specification.readthedocs.io/en/stable/common-principles.html#tabular-files>`_),
but a session folder is **not** BIDS and these files do not follow BIDS' rules (its
tables have ``_s`` columns, header rows, empty cells, units such as ``beats/min``). A BIDS
dataset is made by ``resonant export --format bids`` (:mod:`resonant.exports.bids`).
The recorder writes one sidecar next to each table it creates: ``beats.json``,
``pacer.json``, ``events.json``, ``metrics.json`` and, when ECG or the accelerometer is
recorded, ``ecg.json`` and ``acc.json``.

Each sidecar holds a top-level ``"Description"`` of the table and one object per column
with these keys:

- ``"LongName"``: a short name;
- ``"Description"``: what the column holds (the wording of docs/session-folder.md);
- ``"Units"``: the unit (``s``, ``ms``, ``beats/min``, ``breaths/min``, ``Hz``, ``ms^2``,
  ``%``, ``µV``); ``1`` for a dimensionless number (a ratio, a score, a count); ``n/a``
  for text and categorical columns;
- ``"Levels"``: for categorical columns, each value and what it means (an empty cell is
  the value ``""``).

:data:`SIDECARS` is the single source of truth for these descriptions; a test keeps it in
step with :data:`resonant.folder.schema.COLUMNS` and with docs/session-folder.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from resonant.model.atomic import write_atomic

__all__ = ["SIDECARS", "sidecar", "sidecar_name", "write_sidecar"]

_S = "s"
_NA = "n/a"
_SOURCE: dict[str, Any] = {
    "LongName": "Source",
    "Description": "Source label (the label of one of the sources in session.json).",
    "Units": _NA,
}


def _col(long_name: str, description: str, units: str, **extra: Any) -> dict[str, Any]:
    return {"LongName": long_name, "Description": description, "Units": units, **extra}


#: Per table (keyed like :data:`resonant.folder.schema.COLUMNS`, ``"beats.tsv"``, ...):
#: ``"Description"`` of the table and ``"Columns"``, one BIDS column object per column,
#: in the order of the file.
SIDECARS: dict[str, dict[str, Any]] = {
    "beats.tsv": {
        "Description": (
            "One row per beat, as received, artifacts included. Times are seconds on the "
            "session clock (0 = start_utc in session.json); beats of one source are "
            "strictly increasing in time."
        ),
        "Columns": {
            "time_s": _col(
                "Beat time",
                "R-peak time: the R-peak ending the interval, s on the session clock. "
                "Within a segment each beat is the previous one plus its own rr_ms (to "
                "within 0.5 ms, but for rare steps of the clock), kept on the session clock "
                "by a slow correction toward the earliest notification arrivals; never "
                "later than its notification.",
                _S,
            ),
            "rr_ms": _col(
                "RR interval",
                "RR interval ending at this beat, exact: every 1/1024-s value is written in "
                "full (up to 7 decimals).",
                "ms",
            ),
            "hr_bpm": _col(
                "Strap heart rate",
                "The strap's own heart-rate value (empty if none).",
                "beats/min",
            ),
            "contact": _col(
                "Skin contact",
                "Skin contact as the strap reported it with this beat.",
                _NA,
                Levels={
                    "1": "skin contact",
                    "0": "no skin contact",
                    "n/a": "the strap does not report it",
                },
            ),
            "artifact": _col(
                "Live artifact flag",
                "The live check's flag when the beat arrived. The full Lipponen & "
                "Tarvainen classification is re-run by resonant analyze.",
                _NA,
                Levels={
                    "": "not flagged",
                    "range": "outside 300-2000 ms",
                    "jump": "a change beyond Kamath's limits (+32.5 % / -24.5 % from the "
                    "last accepted beat)",
                },
            ),
            "source": _SOURCE,
        },
    },
    "pacer.tsv": {
        "Description": "One row per breathing-phase onset of the pacer (the breathing guide).",
        "Columns": {
            "time_s": _col("Phase onset", "Onset of the phase, s on the session clock.", _S),
            "phase": _col(
                "Breathing phase",
                "The phase that begins.",
                _NA,
                Levels={
                    "inhale": "breathing in",
                    "hold_in": "a pause after breathing in",
                    "exhale": "breathing out",
                    "hold_out": "a pause after breathing out",
                },
            ),
            "rate_bpm": _col("Pacer rate", "Breaths/min in force for the phase.", "breaths/min"),
            "ratio": _col("Inhale:exhale ratio", "Inhale:exhale, e.g. 4:6.", _NA),
            "duration_s": _col("Phase duration", "Planned length of the phase.", _S),
            "breath": _col(
                "Breath number",
                "Breath number from 0 (increments at each inhale).",
                "1",
            ),
        },
    },
    "events.tsv": {
        "Description": "One row per event (markers, protocol phases, connection events, "
        "pacer changes, notes).",
        "Columns": {
            "onset_s": _col(
                "Onset", "When the event happened (or began), s on the session clock.", _S
            ),  # fmt: skip
            "duration_s": _col("Duration", "How long the event lasted (0 for an instant).", _S),
            "kind": _col(
                "Event kind",
                "What kind of event it is.",
                _NA,
                Levels={
                    "marker": "a person pressed the marker key",
                    "phase": "a protocol phase began",
                    "connection": "a connection event of a source (see label)",
                    "pacer": "a change of the pacer, effective at onset_s",
                    "note": "a note",
                },
            ),
            "label": _col(
                "Label",
                "Free text; for connection: connected, disconnected, reconnected, "
                "contact_lost, contact_restored.",
                _NA,
            ),
            "source": _col(
                "Source",
                "Source label, or empty for the whole session.",
                _NA,
            ),
        },
    },
    "metrics.tsv": {
        "Description": (
            "One row per metric update: every 5 s per source. Values are empty while "
            "settling in, when they cannot be computed, or when more than 5 % of the "
            "window's beats were corrected (the note says why)."
        ),
        "Columns": {
            "time_s": _col("Update time", "Time of the update, s on the session clock.", _S),
            "source": _SOURCE,
            "hr_bpm": _col("Mean heart rate", "60000 / mean NN over the last 60 s.", "beats/min"),
            "rmssd_ms": _col(
                "RMSSD",
                "Root mean square of successive NN differences over the last 60 s.",
                "ms",
            ),
            "sdnn_ms": _col(
                "SDNN", "Standard deviation of NN (ddof = 1) over the last 60 s.", "ms"
            ),
            "pnn50_pct": _col(
                "pNN50",
                "Successive NN differences over 50 ms, as a percentage of the number of NN "
                "intervals, over the last 60 s.",
                "%",
            ),
            "coherence_ratio": _col(
                "Coherence ratio",
                "Last 64 s: the power within ±0.015 Hz of the highest peak in 0.04-0.26 Hz, "
                "divided by the rest of the power in 0.0033-0.40 Hz.",
                "1",
            ),
            "coherence_score": _col(
                "Coherence score", "Last 64 s: the ratio on the 0-16 display scale.", "1"
            ),
            "coherence_level": _col(
                "Coherence level",
                "Last 64 s: the level at challenge level 1.",
                _NA,
                Levels={
                    "low": "coherence ratio below 0.5",
                    "medium": "coherence ratio 0.5-1.8",
                    "high": "coherence ratio 1.8 or more",
                    "": "unknown",
                },
            ),
            "peak_hz": _col("Coherence peak frequency", "Coherence peak frequency.", "Hz"),
            "lf_ms2": _col("LF power", "Power of the NN tachogram in 0.04-0.15 Hz.", "ms^2"),
            "hf_ms2": _col("HF power", "Power of the NN tachogram in 0.15-0.40 Hz.", "ms^2"),
            "lf_hf": _col("LF/HF", "LF power / HF power.", "1"),
            "breathing_rate_bpm": _col(
                "Breathing rate",
                "Breathing rate: counted from chest movement over the last 60 s when the "
                "strap's accelerometer gives one, else read from the heart rhythm (the "
                "highest spectral peak in 0.04-0.40 Hz, times 60); empty when that peak is "
                "not clearly the breathing (hrv-spec §11.1), the note then says so.",
                "breaths/min",
            ),
            "breathing_source": _col(
                "Breathing rate source",
                "Where breathing_rate_bpm comes from.",
                _NA,
                Levels={
                    "chest": "counted from chest movement (the strap's accelerometer)",
                    "heart": "read from the heart rhythm",
                    "": "no breathing rate",
                },
            ),
            "amplitude_bpm": _col(
                "HR amplitude", "Mean peak-to-trough HR swing per breath.", "beats/min"
            ),
            "pacer_rate_bpm": _col(
                "Pacer rate",
                "The pacer's rate over the window (empty if it changed or there is none).",
                "breaths/min",
            ),
            "adherent": _col(
                "Follows the pacer",
                "Whether the breathing rate (breathing_rate_bpm, from the chest or the heart "
                "rhythm) follows the pacer (hrv-spec §11).",
                _NA,
                Levels={
                    "1": "the breathing rate is within 0.3 breaths/min of the pacer's and the "
                    "peak dominates (coherence ratio ≥ 0.5)",
                    "0": "it does not",
                    "": "unknown",
                },
            ),
            "corrected_pct": _col("Corrected beats", "Share of the window's beats corrected.", "%"),
            "note": _col("Note", "Why values are empty.", _NA),
        },
    },
    "ecg.tsv": {
        "Description": "One row per raw ECG sample (Polar H10 with --ecg; the table is made "
        "with the first sample).",
        "Columns": {
            "time_s": _col(
                "Sample time",
                "Time of the sample, s on the session clock (10 µs resolution).",
                _S,
            ),  # fmt: skip
            "ecg_uv": _col("ECG", "The ECG sample.", "µV"),
            "source": _SOURCE,
        },
    },
    "acc.tsv": {
        "Description": "One row per chest accelerometer sample (Polar H10 or the simulated "
        "strap with --acc, on by default where offered; the table is made with the first "
        "sample). Breathing tilts the chest, so gravity's share on the axes moves with "
        "each breath.",
        "Columns": {
            "time_s": _col(
                "Sample time",
                "Time of the sample, s on the session clock (10 µs resolution).",
                _S,
            ),  # fmt: skip
            "source": _SOURCE,
            "x_mg": _col("Acceleration x", "The sensor's x axis, gravity included.", "mg"),
            "y_mg": _col("Acceleration y", "The sensor's y axis, gravity included.", "mg"),
            "z_mg": _col("Acceleration z", "The sensor's z axis, gravity included.", "mg"),
        },
    },
}


def _table(table_name: str) -> str:
    name = table_name if table_name.endswith(".tsv") else f"{table_name}.tsv"
    if name not in SIDECARS:
        raise KeyError(f"no sidecar for the table {table_name!r}")
    return name


def sidecar_name(table_name: str) -> str:
    """The file name of a table's sidecar: ``"beats.tsv"`` or ``"beats"`` gives ``"beats.json"``."""
    return _table(table_name)[: -len(".tsv")] + ".json"


def sidecar(table_name: str) -> dict[str, Any]:
    """The JSON content of a table's sidecar.

    Parameters
    ----------
    table_name : str
        ``"beats.tsv"`` or ``"beats"`` (likewise pacer, events, metrics, ecg).

    Returns
    -------
    dict
        ``"Description"`` of the table, then one column object per column in file order.

    Raises
    ------
    KeyError
        For a table that has no sidecar.
    """
    spec = SIDECARS[_table(table_name)]
    return {"Description": spec["Description"], **spec["Columns"]}


def write_sidecar(folder: str | Path, table_name: str) -> Path:
    """Write a table's sidecar into a session folder, atomically.

    The JSON is written to a temporary file in the folder, synced to the disk, and renamed
    over ``<table>.json``, so the sidecar is never half-written.

    Parameters
    ----------
    folder : str or Path
        The session folder.
    table_name : str
        ``"beats.tsv"`` or ``"beats"`` (likewise pacer, events, metrics, ecg).

    Returns
    -------
    Path
        The sidecar written.

    Raises
    ------
    KeyError
        For a table that has no sidecar.
    OSError
        When it cannot be written.
    """
    folder = Path(folder)
    name = sidecar_name(table_name)
    content = sidecar(table_name)
    text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
    return write_atomic(folder / name, text)
