"""``resonant export``: a session folder for other tools (Kubios RR text, EDF+, one tidy CSV).

The exports themselves are :mod:`resonant.exports.formats`; this module is the command:
its options, and the one line (or one sentence) it prints. Importing it loads the
standard library only; numpy and the exports are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from resonant.errors import EXIT_BAD_INPUT, EXIT_OK

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = ["add_parser", "run", "run_export"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant export`` and its options to the sub-commands ``sub``."""
    export = sub.add_parser(
        "export",
        help="export a session for other tools: Kubios RR text, EDF+, or one tidy CSV",
        description=(
            "Export a session folder: --format kubios (every raw RR in ms, one per line; "
            "one file per strap), edf (EDF+ with RR, HR and ECG as signals, events and "
            "breathing-guide phases as annotations), or csv (one tidy table of beats, "
            "events and guide phases). An existing --out is never overwritten."
        ),
    )
    export.add_argument("session", metavar="SESSION", help="a session folder")
    export.add_argument("--format", required=True, choices=("kubios", "edf", "csv"))
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant export``: :func:`run_export` with the parsed options."""
    return run_export(args.session, args.format, args.out)


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "!", "?")) else text + "."


def run_export(session: str, fmt: str, out: str) -> int:
    """``resonant export SESSION --format kubios|edf|csv --out FILE``.

    Prints one line on stdout saying what was written where, and notes on stderr (gaps a
    plain RR list cannot show, lines the readers skipped).

    Parameters
    ----------
    session : str
        The session folder.
    fmt : str
        ``"kubios"``, ``"edf"`` or ``"csv"``.
    out : str
        The file to create (never overwritten).

    Returns
    -------
    int
        0 when written; 2 for bad input (a missing or unreadable session, an unknown
        format, an existing ``--out``, a destination that cannot be written), with one
        sentence on stderr.
    """
    from resonant.exports.formats import EXPORTERS, ExportError
    from resonant.folder.read import RecordingError
    from resonant.model.atomic import os_error_reason

    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        known = ", ".join(EXPORTERS)
        print(f"resonant: unknown export format {fmt!r} (choose one of {known}).", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = exporter(session, out)
    except (RecordingError, ExportError) as exc:
        print(f"resonant: {_sentence(str(exc))}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        message = _sentence(f"{out} cannot be written ({os_error_reason(exc)})")
        print(f"resonant: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in result.notes:
        print(f"resonant: {note}", file=sys.stderr)
    print(f"resonant: {result.summary}")
    return EXIT_OK
