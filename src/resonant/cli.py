"""The ``resonant`` command.

Start-up is kept lean on purpose: this module imports only the standard library, and
each sub-command imports what it needs when it runs, so ``resonant --help`` and
``resonant analyze`` never load Qt or bleak.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from resonant._version import __version__

__all__ = ["main", "EXIT_OK", "EXIT_BAD_INPUT"]

EXIT_OK = 0
#: Bad input or bad usage (the argparse convention).
EXIT_BAD_INPUT = 2


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resonant",
        description=(
            "A biofeedback trainer for soothing rhythm breathing: heart-rate variability "
            "and coherence from a chest strap, with a breathing pacer. A training and "
            "teaching aid, not a medical device."
        ),
    )
    parser.add_argument("--version", action="version", version=f"resonant {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        if args.command == "analyze":
            from resonant.analyze_cmd import run_analyze

            return run_analyze(args.paths, as_json=args.json)
    except KeyboardInterrupt:
        print("resonant: stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    parser.error(f"unknown command {args.command!r}")
    return EXIT_BAD_INPUT  # not reached: parser.error exits


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
