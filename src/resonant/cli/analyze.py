"""``resonant analyze``: read recordings, analyse each, print a table or JSON Lines.

Importing this module loads the standard library only (the parser is built on every
start); the analysis is imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from resonant.cli.texttable import cell, print_table
from resonant.errors import EXIT_BAD_INPUT, EXIT_OK

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = ["add_parser", "run", "run_analyze"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant analyze`` and its options to the sub-commands ``sub``."""
    analyze = sub.add_parser(
        "analyze",
        help="analyse recorded beats: HRV, coherence, breathing rate, artifacts",
        description=(
            "Analyse recordings: RR text files (one interval per line, in ms, or in s when "
            "every value is below 10), OpenHRV CSV recordings, and resonant session folders. "
            "Bad files are reported on stderr and skipped; the others are still analysed."
        ),
    )
    analyze.add_argument("paths", nargs="+", metavar="PATH", help="file or session folder")
    analyze.add_argument(
        "--json", action="store_true", help="print one JSON object per recording (JSON Lines)"
    )
    analyze.add_argument(
        "--recursive", action="store_true",
        help="find every session folder and RR file under the folders given (batch mode)",
    )  # fmt: skip
    analyze.add_argument(
        "--out", metavar="FILE",
        help="batch mode: write one row per recording and per phase to this TSV file",
    )  # fmt: skip
    analyze.add_argument(
        "--jobs", type=int, default=None, metavar="N",
        help="batch mode: worker processes (default: one per core)",
    )  # fmt: skip
    analyze.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant analyze``: the batch mode with ``--recursive`` or ``--out``, else a table."""
    if args.recursive or args.out:
        from resonant.analysis.batch import run_batch

        if args.jobs is not None and args.jobs < 1:
            print(f"resonant: --jobs {args.jobs} must be at least 1", file=sys.stderr)
            return EXIT_BAD_INPUT
        return run_batch(args.paths, args.recursive, args.out, args.jobs)
    return run_analyze(args.paths, as_json=args.json)


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
        _breath_cell(s),
        f"{s['artifacts']['total']} ({s['corrected_pct']:.1f}%)",
    ]


def _breath_cell(s: dict[str, Any]) -> str:
    """The breathing rate and where it comes from, or "unclear" (hrv-spec §11.1)."""
    from resonant.signal.rsa_breathing import UNCLEAR

    if s["breathing_rate_bpm"] is None and s.get("breathing_reason") == UNCLEAR:
        return "unclear"
    text = _cell(s["breathing_rate_bpm"], ".1f")
    source = s.get("breathing_source")
    return f"{text} ({source})" if source else text


def _print_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    print_table(_COLUMNS, [_row(s) for s in rows], out)
    print(
        "units: min = minutes, HR = bpm, RMSSD and SDNN = ms, pNN50 = %, coh = coherence ratio, "
        "breath = breaths/min, counted from chest movement (chest) or read from the heart "
        "rhythm (heart; unclear: no clear breathing peak); "
        "artifacts = beats flagged (share of NN corrected)",
        file=out,
    )


def run_analyze(paths: Sequence[str], as_json: bool, out: TextIO | None = None) -> int:
    """Analyse every path; report bad ones on stderr and go on with the rest.

    Returns
    -------
    int
        0 when every input was read, 2 when any was not (a session folder whose
        ``pacer.tsv`` or ``acc.tsv`` is broken included: its beats are still analysed).
    """
    from resonant.analysis.summaries import analyze_path
    from resonant.folder.read import RecordingError
    from resonant.model.text import for_terminal

    out = out or sys.stdout
    status = EXIT_OK
    table: list[tuple[dict[str, Any], list[str]]] = []
    for path in paths:
        broken: list[str] = []  # a pacer.tsv or acc.tsv that is there but cannot be used
        try:
            results, notes = analyze_path(path, broken)
        except RecordingError as err:
            print(f"resonant: {for_terminal(err)}", file=sys.stderr)
            status = err.exit_status
            continue
        for note in notes + broken:
            print(f"resonant: {for_terminal(note)}", file=sys.stderr)
        if broken:
            status = EXIT_BAD_INPUT  # a partly bad input: said, and its beats still analysed
        for s, analysis_notes in results:
            if as_json:
                print(json.dumps(s, allow_nan=False), file=out, flush=True)
            else:
                table.append((s, analysis_notes))
    if table:
        _print_table([t for t, _ in table], out)
        for t, notes in table:
            for note in notes:
                print(for_terminal(f"{t['path']}: {note}"), file=out)
            for ph in t.get("phases", []):  # per-phase notes: values on heavily corrected data
                for note in ph.get("notes", []):
                    print(for_terminal(f"{t['path']}: phase {ph['label']!r}: {note}"), file=out)
    return status
