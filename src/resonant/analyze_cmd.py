"""``resonant analyze``: read recordings, analyse each, print a table or JSON Lines."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from resonant.session.recording import Recording, RecordingError, read_recording
from resonant.signal.artifacts import ARTIFACT_NAMES
from resonant.signal.offline import RecordingAnalysis, analyze_rr

__all__ = ["run_analyze", "summary"]


def _num(x: float | None, digits: int = 6) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


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


def _cell(x: float | None, fmt: str) -> str:
    return "-" if x is None or not math.isfinite(x) else format(x, fmt)


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
    cells = [[c for c, _ in _COLUMNS]] + [_row(s) for s in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(_COLUMNS))]
    for r in cells:
        line = "  ".join(
            format(v, f"{al}{w}") for v, (_, al), w in zip(r, _COLUMNS, widths, strict=True)
        )
        print(line.rstrip(), file=out)
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
            recordings = read_recording(path)
        except RecordingError as err:
            print(f"resonant: {err}", file=sys.stderr)
            status = 2
            continue
        for rec in recordings:
            for w in rec.warnings:
                print(f"resonant: {rec.path}: note: {w}", file=sys.stderr)
            res = analyze_rr(rec.time_s, rec.rr_ms, rec.segment_starts)
            s = summary(rec, res)
            if as_json:
                print(json.dumps(s, allow_nan=False), file=out, flush=True)
            else:
                table.append((s, res.notes))
    if table:
        _print_table([t for t, _ in table], out)
        for t, notes in table:
            for note in notes:
                print(f"{t['path']}: {note}", file=out)
    return status
