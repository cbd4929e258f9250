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

from resonant.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, ResonantError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
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
    from resonant.cli.options import add_source_arguments  # standard library only

    record = sub.add_parser(
        "record",
        help="record a session from the simulated strap or a replayed recording",
        description=(
            "Record a session into a session folder: every beat, the pacer's breathing "
            "phases, events and metric updates, each row written as it happens. Ctrl-C "
            "ends the session cleanly and says where it was saved."
        ),
    )
    add_source_arguments(record)
    demo = sub.add_parser(
        "demo",
        help="the trainer on the simulated strap (the window, or this terminal without a display)",
        description=(
            "Run the trainer on the simulated strap: a simulated person breathing with the "
            "pacer. The window opens where a display is available; otherwise (or with "
            "--headless) the session is shown in this terminal. With --out it is recorded."
        ),
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="use the terminal dashboard even where a display is available",
    )
    demo.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save the window as PNG after --after seconds, then exit (works without a screen)",
    )
    demo.add_argument(
        "--after",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds of wall time before the screenshot (default 10)",
    )
    add_source_arguments(demo, demo=True)
    assess = sub.add_parser(
        "assess",
        help="find your resonance breathing rate (stepped or sliding protocol)",
        description=(
            "Find the breathing rate at which your heart rhythm resonates: paced breathing "
            "at 6.5, 6.0, 5.5, 5.0 and 4.5 breaths/min for 2 minutes each (stepped), or one "
            "slow sweep from 6.75 to 4.25 (sliding). The session is recorded; --replay "
            "analyses a recorded assessment. A training aid, not a medical measurement."
        ),
    )
    src = assess.add_mutually_exclusive_group(required=True)
    src.add_argument("--simulate", action="store_true", help="use the simulated strap")
    src.add_argument("--replay", metavar="PATH", help="analyse a recorded assessment folder")
    src.add_argument("--device", action="append", metavar="NAME|ADDR", help="a Bluetooth strap")
    assess.add_argument("--protocol", choices=("stepped", "sliding"), default="stepped")
    assess.add_argument("--step-s", type=float, default=120.0, metavar="S",
                        help="stepped: seconds per rate (default 120)")  # fmt: skip
    assess.add_argument("--rest-s", type=float, default=0.0, metavar="S",
                        help="stepped: a rest between steps, s (default none)")  # fmt: skip
    assess.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    assess.add_argument("--accept", action="store_true",
                        help="save a reliable answer as your rate and pace")  # fmt: skip
    add_source_arguments(assess, demo=True, protocol=False)
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
    report = sub.add_parser(
        "report",
        help="a one-page report of a session (HTML or PDF)",
        description="Make a one-page session report from the session folder alone.",
    )
    report.add_argument("session", metavar="SESSION", help="a session folder")
    report.add_argument("--out", required=True, metavar="FILE.html|FILE.pdf")
    history = sub.add_parser(
        "history",
        help="your sessions in a folder: a table and a trend plot",
        description="List the sessions in a folder (default: your data folder) with their values.",
    )
    history.add_argument("folder", nargs="?", metavar="DIR", help="default: your data folder")
    history.add_argument("--json", action="store_true", help="one JSON object per session")
    history.add_argument("--plot", metavar="PNG", help="save a trend plot")
    scan = sub.add_parser(
        "scan",
        help="list the Bluetooth heart-rate straps in range",
        description=(
            "Scan for Bluetooth LE devices advertising the Heart Rate Service (0x180D): "
            "name, address and signal strength, strongest first. A strap shows up when it "
            "is worn (moistened electrodes) and not connected to another phone or app."
        ),
    )
    scan.add_argument("--timeout", type=float, default=5.0, metavar="S",
                      help="how long to listen, s (default 5)")  # fmt: skip
    scan.add_argument("--json", action="store_true", help="print one JSON object per strap")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from resonant.gui.app import display_available

        if not display_available():
            parser.print_help()
            print(
                "\nresonant: no display here, so the window cannot open; "
                "`resonant demo --headless` runs the trainer in this terminal.",
                file=sys.stderr,
            )
            return EXIT_OK
        from resonant.gui.app import run_window
        from resonant.config.paths import sessions_dir

        return run_window(record_dir=sessions_dir())
    try:
        if args.command == "analyze":
            from resonant.cli.analyze import run_analyze

            if args.recursive or args.out:
                from resonant.analysis.batch import run_batch

                if args.jobs is not None and args.jobs < 1:
                    print(f"resonant: --jobs {args.jobs} must be at least 1", file=sys.stderr)
                    return EXIT_BAD_INPUT
                return run_batch(args.paths, args.recursive, args.out, args.jobs)
            return run_analyze(args.paths, as_json=args.json)
        if args.command == "record":
            from resonant.cli.record import run_record

            return run_record(args)
        if args.command == "export":
            from resonant.exports.formats import run_export

            return run_export(args.session, args.format, args.out)
        if args.command == "report":
            from resonant.reports.page import run_report

            return run_report(args.session, args.out)
        if args.command == "history":
            from resonant.cli.history import run_history

            return run_history(args.folder, args.json, args.plot)
        if args.command == "assess":
            from resonant.cli.assess import run_assess

            return run_assess(args)
        if args.command == "scan":
            from resonant.cli.scan import run_scan

            return run_scan(args.timeout, as_json=args.json)
        if args.command == "demo":
            from resonant.cli.record import run_demo

            return run_demo(args)
    except KeyboardInterrupt:
        print("resonant: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except ResonantError as exc:  # anything not handled on the way: its sentence and status
        print(f"resonant: {exc}", file=sys.stderr)
        return exc.exit_status
    parser.error(f"unknown command {args.command!r}")
    return EXIT_BAD_INPUT  # not reached: parser.error exits


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
