"""``resonant report``: a one-page report of a session, HTML or PDF.

The report itself is :mod:`resonant.reports.page`; this module is the command. Importing
it loads the standard library only; the report (numpy, Qt for charts and PDF) is
imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from resonant.errors import EXIT_BAD_INPUT, EXIT_OK

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = ["add_parser", "run", "run_report"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant report`` and its options to the sub-commands ``sub``."""
    report = sub.add_parser(
        "report",
        help="a one-page report of a session (HTML or PDF)",
        description="Make a one-page session report from the session folder alone.",
    )
    report.add_argument("session", metavar="SESSION", help="a session folder")
    report.add_argument("--out", required=True, metavar="FILE.html|FILE.pdf")
    # Default clinician: the command line is the clinician's and researcher's face (analyze,
    # export and batch live here); the window, where a client practises, asks for "client".
    report.add_argument(
        "--audience", choices=("clinician", "client"), default="clinician",
        help="clinician: the full table with every metric (default); client: plain words "
        "for the person who breathed, without LF/HF or jargon",
    )  # fmt: skip
    report.add_argument(
        "--source", metavar="LABEL",
        help="in a group session, the person the page is about (default: the first)",
    )  # fmt: skip
    report.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant report``: :func:`run_report` with the parsed options."""
    return run_report(args.session, args.out, args.audience, args.source)


def run_report(
    session: str, out: str, audience: str = "clinician", source: str | None = None
) -> int:
    """``resonant report SESSION --out FILE [--audience A] [--source LABEL]``: 0 or 2.

    A report that cannot be made is reported in one sentence on stderr. A table of the
    session that is there but cannot be used (``pacer.tsv``, ``events.tsv``,
    ``acc.tsv``) is one sentence naming it, and the report is made without it: exit 2.
    """
    from resonant.folder.read import RecordingError
    from resonant.model.text import for_terminal
    from resonant.reports.page import ReportError, make_report

    problems: list[str] = []
    try:
        path = make_report(session, out, audience, source, problems)
    except (ReportError, RecordingError) as err:
        print(f"resonant: {for_terminal(err)}", file=sys.stderr)
        return err.exit_status
    for sentence in problems:
        print(f"resonant: {for_terminal(sentence)}", file=sys.stderr)
    print(f"resonant: report saved in {for_terminal(path)}")
    return EXIT_BAD_INPUT if problems else EXIT_OK
