"""The ``resonant`` command: a table of sub-commands, one module each.

Every name in :data:`COMMANDS` is a module ``resonant.cli.<name>`` with
``add_parser(sub)``, which adds the command, its options and help, and sets
``func=run``, and ``run(args) -> int``, which runs it. :func:`build_parser` imports each
and adds its parser; :func:`main` parses and calls ``args.func(args)``.

Start-up is kept lean on purpose: this module and every command module import only the
standard library at the top, and each command imports what it needs when it runs, so
``resonant --help`` and ``resonant analyze`` never load Qt or bleak.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from resonant._version import __version__

from resonant.errors import EXIT_INTERRUPTED, EXIT_OK, ResonantError

__all__ = ["main", "build_parser", "COMMANDS"]

#: The sub-commands, in the order ``resonant --help`` lists them: each is a module
#: ``resonant.cli.<name>`` with ``add_parser(sub) -> None`` and ``run(args) -> int``.
COMMANDS = (
    "analyze", "record", "demo", "assess", "export", "report", "history", "scan", "desktop",
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The ``resonant`` parser: the top-level options and every command of :data:`COMMANDS`."""
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
    for name in COMMANDS:
        importlib.import_module(f"resonant.cli.{name}").add_parser(sub)
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
        return int(args.func(args))
    except KeyboardInterrupt:
        print("resonant: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except ResonantError as exc:  # anything not handled on the way: its sentence and status
        from resonant.model.text import for_terminal

        print(f"resonant: {for_terminal(exc)}", file=sys.stderr)
        return exc.exit_status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
