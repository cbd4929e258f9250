"""``resonant export``: session folders for other tools (Kubios RR text, EDF+, tidy CSV, BIDS).

The exports themselves are :mod:`resonant.exports.formats` and :mod:`resonant.exports.bids`;
this module is the command:
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

__all__ = ["add_parser", "run", "run_bids_export", "run_export"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant export`` and its options to the sub-commands ``sub``."""
    export = sub.add_parser(
        "export",
        help="export sessions for other tools: Kubios RR text, EDF+, one tidy CSV, or BIDS",
        description=(
            "Export a session folder: --format kubios (every raw RR in ms, one per line; "
            "one file per strap), edf (EDF+ with RR, HR from RR, ECG and the chest "
            "accelerometer as signals, events "
            "and breathing-guide phases as annotations; one file per unbroken part), csv "
            "(one tidy table of beats, events and guide phases, and the accelerometer's "
            "samples in FILE_acc.csv), or bids (one or more sessions as a new BIDS dataset "
            "folder: participants, sessions, events and physio files). An existing --out "
            "is never overwritten."
        ),
    )
    export.add_argument(
        "session", metavar="SESSION", nargs="+",
        help="a session folder (several only with --format bids)",
    )  # fmt: skip
    export.add_argument("--format", required=True, choices=("kubios", "edf", "csv", "bids"))
    export.add_argument(
        "--out", required=True, metavar="PATH",
        help="the file to write (for bids: the dataset folder to create)",
    )  # fmt: skip
    export.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant export``: :func:`run_export` or :func:`run_bids_export` with the options."""
    sessions = [args.session] if isinstance(args.session, str) else list(args.session)
    if args.format == "bids":
        return run_bids_export(sessions, args.out)
    if len(sessions) != 1:
        print(
            f"resonant: --format {args.format} exports one session at a time "
            f"({len(sessions)} were given; --format bids takes several).",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return run_export(sessions[0], args.format, args.out)


def run_bids_export(sessions: list[str], out: str) -> int:
    """``resonant export --format bids --out DIR SESSION [SESSION ...]``.

    Prints one line on stdout saying what was written where, and on stderr one sentence
    per session that could not be exported (the others still are) and notes.

    Parameters
    ----------
    sessions : list of str
        The session folders.
    out : str
        The dataset folder to create (never overwritten).

    Returns
    -------
    int
        0 when every session was exported; 2 when one or more could not be (the others
        were), or when ``--out`` exists or cannot be written (then nothing is).
    """
    from resonant.exports.bids import export_bids
    from resonant.exports.formats import ExportError
    from resonant.model.text import for_terminal

    try:
        result = export_bids(sessions, out)
    except ExportError as exc:
        print(f"resonant: {for_terminal(_sentence(str(exc)))}", file=sys.stderr)
        return exc.exit_status
    for sentence in result.refused:
        print(f"resonant: {for_terminal(_sentence(sentence))}", file=sys.stderr)
    for note in result.notes:
        print(f"resonant: {for_terminal(note)}", file=sys.stderr)
    if result.summary:
        print(f"resonant: {for_terminal(result.summary)}")
    else:
        print("resonant: nothing was exported (no readable session).", file=sys.stderr)
    return EXIT_BAD_INPUT if result.refused or not result.files else EXIT_OK


def _sentence(text: str) -> str:
    text = " ".join(str(text).split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _failed_file(exc: OSError, session: str, out: str) -> str:
    """Which file an OS error is about, and whether reading or writing it failed.

    The error's own file name decides: the output, its parts (``OUT_2.edf``) or its
    temporary file next to it (``.OUT.*.tmp``) failed to be written, named as ``out``;
    a file inside the session folder (or the folder itself) failed to be read; any other
    file failed to be written. An error without a file name comes from writing the output.
    """
    import os
    from pathlib import Path

    name = exc.filename if exc.filename not in (None, "") else exc.filename2
    if name in (None, "") or isinstance(name, int):
        return f"{out} cannot be written"
    failed = Path(os.fsdecode(name))
    where, target = Path(os.path.abspath(failed)), Path(os.path.abspath(out))
    if where.parent == target.parent and where.name.lstrip(".").startswith(target.stem):
        return f"{out} cannot be written"
    folder = Path(os.path.abspath(session))
    if where == folder or folder in where.parents:
        return f"{failed} cannot be read"
    return f"{failed} cannot be written"


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
        sentence on stderr naming the file that failed and whether reading or writing
        it failed.
    """
    from resonant.exports.formats import EXPORTERS, ExportError
    from resonant.folder.read import RecordingError
    from resonant.model.atomic import os_error_reason
    from resonant.model.text import for_terminal

    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        known = ", ".join(EXPORTERS)
        print(f"resonant: unknown export format {fmt!r} (choose one of {known}).", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = exporter(session, out)
    except (RecordingError, ExportError) as exc:
        print(f"resonant: {for_terminal(_sentence(str(exc)))}", file=sys.stderr)
        return exc.exit_status
    except OSError as exc:
        message = _sentence(f"{_failed_file(exc, session, out)} ({os_error_reason(exc)})")
        print(f"resonant: {for_terminal(message)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for note in result.notes:
        print(f"resonant: {for_terminal(note)}", file=sys.stderr)
    print(f"resonant: {for_terminal(result.summary)}")
    return EXIT_OK
