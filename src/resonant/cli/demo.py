"""``resonant demo``: the trainer on the simulated strap, in the window or the terminal.

Importing this module loads the standard library only; Qt and the session are imported
when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from resonant.cli.options import add_source_arguments, session_spec
from resonant.errors import EXIT_BAD_INPUT, ResonantError

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = ["add_parser", "run", "run_demo"]


def _say(text: str) -> None:
    from resonant.model.text import for_terminal

    print(f"resonant: {for_terminal(text)}", file=sys.stderr, flush=True)


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant demo`` and its options to the sub-commands ``sub``."""
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
    demo.add_argument(
        "--size",
        metavar="WxH",
        help=(
            "the window's size in pixels, e.g. 1280x720 (default: the size it had when "
            "last closed, or 80%% of the screen; never smaller than its controls need)"
        ),
    )
    demo.add_argument(
        "--view",
        choices=("practice", "detail", "welcome", "summary"),
        help=(
            "the window's page (for screenshots): practice (the default; detail for a "
            "protocol), detail, welcome (no session starts) or summary (the session is "
            "stopped 3 s before the screenshot)"
        ),
    )
    add_source_arguments(demo, demo=True)
    demo.set_defaults(func=run)


def _size(text: str) -> tuple[int, int] | None:
    """``WxH`` as (width, height) in pixels, or None when it is not that."""
    w, sep, h = text.lower().partition("x")
    if not (sep and w.strip().isdigit() and h.strip().isdigit()):
        return None
    width, height = int(w), int(h)
    return (width, height) if 100 <= width <= 10000 and 100 <= height <= 10000 else None


def run(args: argparse.Namespace) -> int:
    """``resonant demo``: :func:`run_demo`."""
    return run_demo(args)


def run_demo(args: argparse.Namespace) -> int:
    """``resonant demo``: the trainer on the simulated strap, in the window or the terminal.

    The window opens where a display is available (or with ``--screenshot``, which also
    works without one); ``--headless`` or no display runs the same session in the
    terminal. Every option means the same in both: the same :class:`SessionSpec` runs.
    """
    from resonant.cli.record import run_in_terminal
    from resonant.gui import WINDOW_SPEED_MAX
    from resonant.gui.app import display_available

    try:
        spec = session_spec(args, kind="sim", record=bool(args.out))
    except ResonantError as exc:
        _say(str(exc))
        return exc.exit_status
    if not args.headless and (args.screenshot or display_available()):
        if args.after <= 0:
            _say(f"--after {args.after:g} is not a positive number of seconds")
            return EXIT_BAD_INPUT
        if args.screenshot and os.path.lexists(args.screenshot):  # before anything runs
            _say(f"{args.screenshot} already exists; the screenshot never overwrites a file")
            return EXIT_BAD_INPUT
        try:
            spec.check(WINDOW_SPEED_MAX)
        except ResonantError as exc:
            _say(f"{exc} for the window")
            return exc.exit_status
        size = _size(args.size) if args.size else None
        if args.size and size is None:
            _say(f"--size {args.size} is not WIDTHxHEIGHT in pixels, e.g. 1280x720")
            return EXIT_BAD_INPUT
        from resonant.gui.app import run_window

        return run_window(
            spec=spec, demo=True, screenshot=Path(args.screenshot) if args.screenshot else None,
            after_s=args.after, save_settings=False, size=size, view=args.view,
        )  # fmt: skip
    if not args.headless:
        _say("no display here: running the trainer in this terminal.")
    return run_in_terminal(spec, dashboard=True)
