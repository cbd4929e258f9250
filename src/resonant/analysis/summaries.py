"""What ``resonant analyze`` reports for one input: JSON-ready summaries of its recordings.

The command line prints them (``resonant analyze``, a table or JSON Lines) and the batch
analysis (:mod:`resonant.analysis.batch`) turns them into table rows; both read and
analyse through :func:`analyze_path`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from resonant.analysis.numbers import rounded
from resonant.analysis.phases import analyze_phases, analyze_recording, poor_data, poor_data_note
from resonant.folder.read import Recording, read_events, read_recording
from resonant.model.beats import Event
from resonant.signal.artifacts import ARTIFACT_NAMES
from resonant.signal.offline import RecordingAnalysis

__all__ = ["summary", "analysis_notes", "phase_summaries", "analyze_path"]

_num = rounded


def summary(rec: Recording, res: RecordingAnalysis) -> dict[str, Any]:
    """The JSON object of one analysed recording (every field documented in docs/research-guide.md)."""
    td = res.time
    flagged = rec.rows[res.artifact_codes != 0]
    out: dict[str, Any] = {"path": rec.path}
    if rec.source:
        out["source"] = rec.source
    out.update(
        {
            "format": rec.kind,
            "beats": res.beats,
            "segments": res.segments,
            "duration_s": _num(res.duration_s, 3),
            "nn_count": td.n,
            "hr_mean_bpm": _num(td.hr_mean_bpm),
            "mean_nn_ms": _num(td.mean_nn_ms),
            "rmssd_ms": _num(td.rmssd_ms),
            "sdnn_ms": _num(td.sdnn_ms),
            "pnn50_pct": _num(td.pnn50_pct),
            "lf_ms2": _num(res.lf_ms2),
            "hf_ms2": _num(res.hf_ms2),
            "lf_hf": _num(res.lf_hf),
            "coherence_mean": _num(res.coherence_mean),
            "coherence_max": _num(res.coherence_max),
            "breathing_rate_bpm": _num(res.breathing_rate_bpm, 3),
            "breathing_reason": res.breathing_reason,
            "breathing_source": res.breathing_source,
            "corrected_pct": _num(res.corrected_pct, 3),
            "artifacts": res.artifact_counts(),
            "artifact_beats": [int(i) for i in flagged],
            "artifact_types": [
                ARTIFACT_NAMES[c] for c in res.artifact_codes[res.artifact_codes != 0]
            ],
            "poor_data": poor_data(res.corrected_pct),
            "notes": rec.warnings + analysis_notes(res),
        }
    )
    return out


def analysis_notes(res: RecordingAnalysis) -> list[str]:
    """The analysis' own notes, the poor-data note (:func:`poor_data_note`) first."""
    note = poor_data_note(res.corrected_pct)
    return ([note] if note else []) + list(res.notes)


def phase_summaries(
    rec: Recording, events: Sequence[Event], problems: list[str] | None = None
) -> list[dict[str, Any]]:
    """The ``phases`` of ``analyze --json``: :func:`analyze_phases`, as JSON objects.

    Empty when the session has no ``phase`` events (the whole recording's values are
    the summary's own fields). ``problems``: as :func:`analyze_phases`'.
    """
    if not any(e.kind == "phase" for e in events):
        return []
    return [p.to_json() for p in analyze_phases(rec, events, problems)]


def analyze_path(
    path: str, problems: list[str] | None = None
) -> tuple[list[tuple[dict[str, Any], list[str]]], list[str]]:
    """Everything ``analyze`` reports for one input.

    A session folder's ``pacer.tsv`` or ``acc.tsv`` that is there but broken does not
    stop the analysis: the beats are analysed without it, and one sentence naming the
    file goes to ``problems`` when given (the command line exits 2 for it), else to the
    reader notes.

    Returns
    -------
    results : list of (dict, list of str)
        Per recording (per source): its summary, with ``phases``, and the analysis' own
        notes.
    reader_notes : list of str
        What the reader skipped or assumed.

    Raises
    ------
    RecordingError
        When the input cannot be read.
    """
    recordings = read_recording(path)
    events = read_events(path) if Path(path).is_dir() else []
    results, notes = [], []
    broken: list[str] = []
    for rec in recordings:
        notes += [f"{rec.path}: note: {w}" for w in rec.warnings]
        res = analyze_recording(rec, broken)
        s = summary(rec, res)
        s["phases"] = phase_summaries(rec, events, broken)
        results.append((s, analysis_notes(res)))
    said = list(dict.fromkeys(broken))  # each broken table once, whatever the sources
    if problems is not None:
        problems.extend(said)
    else:
        notes += said
    return results, notes
