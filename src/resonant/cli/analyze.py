"""``resonant analyze``: read recordings, analyse each, print a table or JSON Lines."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from collections.abc import Sequence
from typing import Any, TextIO

import numpy as np

from resonant.model.beats import Event
from resonant.model.protocols import STRESSOR_MARK
from resonant.folder.read import Recording, RecordingError, read_events, read_recording
from resonant.signal.artifacts import ARTIFACT_NAMES
from resonant.signal.offline import RecordingAnalysis, analyze_rr
from resonant.cli.texttable import cell, print_table, rounded

__all__ = ["run_analyze", "summary", "phase_summaries", "analyze_path", "STRESSOR_MARK"]



_num = rounded


def summary(rec: Recording, res: RecordingAnalysis) -> dict[str, Any]:
    """The JSON object of one analysed recording (every field documented in the README)."""
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
            "corrected_pct": _num(res.corrected_pct, 3),
            "artifacts": res.artifact_counts(),
            "artifact_beats": [int(i) for i in flagged],
            "artifact_types": [
                ARTIFACT_NAMES[c] for c in res.artifact_codes[res.artifact_codes != 0]
            ],
            "notes": rec.warnings + res.notes,
        }
    )
    return out


def phase_summaries(rec: Recording, events: Sequence[Event]) -> list[dict[str, Any]]:
    """One object per ``phase`` event: the recording's beats inside it, analysed alone.

    Fields: ``label``, ``onset_s``, ``duration_s``, ``stressor`` (the label ends with
    " (stressor)"), ``beats``, ``hr_mean_bpm``, ``rmssd_ms``, ``coherence_mean``,
    ``lf_hf``, ``breathing_rate_bpm`` (null where the phase is too short for it).
    A phase of duration 0 lasts until the next phase (or the end).
    """
    phases = sorted((e for e in events if e.kind == "phase"), key=lambda e: e.onset_s)
    out: list[dict[str, Any]] = []
    end_of_data = float(rec.time_s[-1]) if rec.time_s.size else 0.0
    for i, ev in enumerate(phases):
        next_onset = phases[i + 1].onset_s if i + 1 < len(phases) else math.inf
        end = (
            ev.onset_s + ev.duration_s if ev.duration_s > 0 else min(next_onset, end_of_data + 1e-9)
        )
        end = min(end, next_onset)  # a phase ended early ends where the next one begins
        inside = (rec.time_s >= ev.onset_s) & (rec.time_s < end)
        idx = np.flatnonzero(inside)
        label = ev.label[: -len(STRESSOR_MARK)] if ev.label.endswith(STRESSOR_MARK) else ev.label
        row: dict[str, Any] = {
            "label": label, "onset_s": _num(ev.onset_s, 3),
            "duration_s": _num(end - ev.onset_s, 3),
            "stressor": ev.label.endswith(STRESSOR_MARK), "beats": int(idx.size),
            "hr_mean_bpm": None, "rmssd_ms": None, "coherence_mean": None, "lf_hf": None,
            "breathing_rate_bpm": None,
        }  # fmt: skip
        if idx.size >= 10:
            a = int(idx[0])
            starts = rec.segment_starts[(rec.segment_starts > a) & inside[rec.segment_starts]] - a
            res = analyze_rr(rec.time_s[idx], rec.rr_ms[idx], np.concatenate([[0], starts]))
            row.update({
                "hr_mean_bpm": _num(res.time.hr_mean_bpm), "rmssd_ms": _num(res.time.rmssd_ms),
                "coherence_mean": _num(res.coherence_mean), "lf_hf": _num(res.lf_hf),
                "breathing_rate_bpm": _num(res.breathing_rate_bpm, 3),
            })  # fmt: skip
        out.append(row)
    return out


def analyze_path(path: str) -> tuple[list[tuple[dict[str, Any], list[str]]], list[str]]:
    """Everything ``analyze`` reports for one input.

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
    for rec in recordings:
        notes += [f"{rec.path}: note: {w}" for w in rec.warnings]
        res = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
        s = summary(rec, res)
        s["phases"] = phase_summaries(rec, events)
        results.append((s, res.notes))
    return results, notes


_cell = cell


_COLUMNS = (
    ("recording", "<"), ("beats", ">"), ("min", ">"), ("HR", ">"), ("RMSSD", ">"),
    ("SDNN", ">"), ("pNN50", ">"), ("LF/HF", ">"), ("coh", ">"), ("coh max", ">"),
    ("breath", ">"), ("artifacts", ">"),
)  # fmt: skip


def _row(s: dict[str, Any]) -> list[str]:
    name = s["path"] + (f" [{s['source']}]" if "source" in s else "")
    return [
        name,
        str(s["beats"]),
        _cell(s["duration_s"] / 60.0 if s["duration_s"] is not None else None, ".1f"),
        _cell(s["hr_mean_bpm"], ".1f"),
        _cell(s["rmssd_ms"], ".1f"),
        _cell(s["sdnn_ms"], ".1f"),
        _cell(s["pnn50_pct"], ".1f"),
        _cell(s["lf_hf"], ".2f"),
        _cell(s["coherence_mean"], ".2f"),
        _cell(s["coherence_max"], ".2f"),
        _cell(s["breathing_rate_bpm"], ".1f"),
        f"{s['artifacts']['total']} ({s['corrected_pct']:.1f}%)",
    ]


def _print_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    print_table(_COLUMNS, [_row(s) for s in rows], out)
    print(
        "units: min = minutes, HR = bpm, RMSSD and SDNN = ms, pNN50 = %, coh = coherence ratio, "
        "breath = breaths/min; artifacts = beats flagged (share of NN corrected)",
        file=out,
    )


def run_analyze(paths: Sequence[str], as_json: bool, out: TextIO | None = None) -> int:
    """Analyse every path; report bad ones on stderr and go on with the rest.

    Returns
    -------
    int
        0 when every input was read, 2 when any was not.
    """
    out = out or sys.stdout
    status = 0
    table: list[tuple[dict[str, Any], list[str]]] = []
    for path in paths:
        try:
            results, notes = analyze_path(path)
        except RecordingError as err:
            print(f"resonant: {err}", file=sys.stderr)
            status = 2
            continue
        for note in notes:
            print(f"resonant: {note}", file=sys.stderr)
        for s, analysis_notes in results:
            if as_json:
                print(json.dumps(s, allow_nan=False), file=out, flush=True)
            else:
                table.append((s, analysis_notes))
    if table:
        _print_table([t for t, _ in table], out)
        for t, notes in table:
            for note in notes:
                print(f"{t['path']}: {note}", file=out)
    return status
