"""``resonant analyze``: read recordings, analyse each, print a table or JSON Lines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from resonant.folder.read import RecordingError
from resonant.analysis.summaries import analyze_path
from resonant.cli.texttable import cell, print_table
from resonant.errors import EXIT_OK

__all__ = ["run_analyze"]


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
    status = EXIT_OK
    table: list[tuple[dict[str, Any], list[str]]] = []
    for path in paths:
        try:
            results, notes = analyze_path(path)
        except RecordingError as err:
            print(f"resonant: {err}", file=sys.stderr)
            status = err.exit_status
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
