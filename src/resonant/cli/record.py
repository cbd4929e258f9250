"""``resonant record``: one session in the terminal, through the face ``demo`` and ``assess`` share.

``record``, ``demo`` (:mod:`resonant.cli.demo`) and ``assess`` turn their options into a
:class:`~resonant.session.assemble.SessionSpec` (:func:`resonant.cli.options.session_spec`)
and run it through the one assembly the window uses too; the terminal face
(:func:`run_in_terminal`) adds its dashboard and its closing lines. Importing this module
loads the standard library only; the session is imported when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from resonant.cli.options import add_source_arguments, session_spec
from resonant.errors import EXIT_OK, ResonantError

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers
    from resonant.session.assemble import Assembly, Outcome, SessionSpec
    from resonant.session.core import Session, SessionSummary

__all__ = ["add_parser", "run", "run_record", "run_in_terminal"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant record`` and its options to the sub-commands ``sub``."""
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
    record.set_defaults(func=run)


def _say(text: str) -> None:
    from resonant.model.text import for_terminal

    print(f"resonant: {for_terminal(text)}", file=sys.stderr, flush=True)


async def _run(session: Session, dashboard: Any, early: list[int] | None = None) -> SessionSummary:
    import asyncio

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, session.stop, "stopped")
    if early:  # Ctrl-C came while the session was being set up
        session.stop("stopped")
    dash = asyncio.create_task(dashboard.run()) if dashboard is not None else None
    try:
        return await session.run()
    finally:
        if dash is not None:
            dash.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dash


def run_in_terminal(
    spec: SessionSpec, dashboard: bool = False, after: Callable[[Outcome], int] | None = None
) -> int:
    """Run one session in the terminal; return the exit status.

    Parameters
    ----------
    spec : SessionSpec
        The session.
    dashboard : bool
        Show the dashboard even when standard output is not a terminal (plain lines).
    after : callable or None
        Called with the outcome of a session that ended well; gives the exit status.
    """
    from resonant.model.text import for_terminal

    said: list[str] = []  # problems told as they happened

    def tell(problem: str) -> None:
        said.append(problem)
        print(f"\nresonant: {for_terminal(problem)}", file=sys.stderr, flush=True)

    # Ctrl-C from here until the session's own handler is in place stops the session the
    # same way (so its folder is closed, or removed when no beat arrived), not with a
    # KeyboardInterrupt that would leave the folder behind.
    early: list[int] = []
    previous = None
    with contextlib.suppress(ValueError):  # not the main thread: no handler to install
        previous = signal.signal(signal.SIGINT, lambda signum, frame: early.append(signum))
    try:
        return _run_assembled(spec, dashboard, after, tell, said, early)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _run_assembled(
    spec: SessionSpec,
    dashboard: bool,
    after: Callable[[Outcome], int] | None,
    tell: Callable[[str], None],
    said: list[str],
    early: list[int],
) -> int:
    """Assemble and run the session (:func:`run_in_terminal`, after its Ctrl-C guard)."""
    from resonant.model.text import for_terminal
    from resonant.session.assemble import assemble

    try:
        assembly = assemble(spec, on_problem=tell)
    except ResonantError as exc:
        _say(str(exc))
        return exc.exit_status
    for note in assembly.notes:
        _say(f"note: {note}")
    if assembly.guide_start is not None:
        _say(f"{assembly.guide_start}.")
    if assembly.folder is not None:
        print(f"resonant: recording to {for_terminal(assembly.folder)}", flush=True)
    if assembly.lsl is not None:
        _say(f"publishing LSL streams {', '.join(assembly.lsl.stream_names)}")
    live = sys.stdout.isatty()
    board = None
    if live or dashboard:
        from resonant.cli.terminal import TerminalDashboard

        board = TerminalDashboard(assembly.session, sys.stdout, live, assembly.recorder)
    import asyncio  # here, not at the top: `resonant analyze` builds this parser too

    summary = asyncio.run(_run(assembly.session, board, early))
    outcome = assembly.close(summary)
    for problem in outcome.problems:
        if live or problem not in said:  # the dashboard's screen is gone: say it again
            _say(problem)
    if outcome.removed_empty:
        _say("nothing was recorded (no beat arrived), so no session folder was kept")
        return outcome.status
    _print_summary(outcome, assembly)
    if after is not None and outcome.status == EXIT_OK:
        return int(after(outcome))
    return outcome.status


def _print_summary(outcome: Outcome, assembly: Assembly) -> None:
    from resonant.model.clock import fmt_clock
    from resonant.model.text import for_terminal

    summary = outcome.summary
    rec = assembly.recorder
    how = {
        "stopped": "ended",
        "completed": "completed",
        "source ended": "ended (the recording ran out)",
        "source failed": "ended because its source failed",
    }
    print(
        f"resonant: session {how.get(summary.reason, 'ended')} after {fmt_clock(summary.elapsed_s)}"
    )
    for label, n in summary.beats.items():
        coh = summary.coherence_mean.get(label)
        hr = summary.hr_mean_bpm.get(label)
        parts = [f"{n} beats"]
        if rec is not None:
            saved = rec.beats_saved.get(label, 0)  # synced to the disk, in its folder
            if saved != n:
                parts = [f"{n} beats ({saved} saved)" if saved else f"{n} beats (none saved)"]
        if hr is not None:
            parts.append(f"mean HR {hr:.0f} bpm")
        if coh is not None:
            parts.append(f"mean coherence {coh:.2f}")
        print(f"  {for_terminal(label)}: " + ", ".join(parts))
    if summary.gaps:
        print(f"  {summary.gaps} break(s) in the beats were recorded as gaps")
    source = assembly.spec.source
    if source.kind == "sim":
        line = f"  simulated with --sim-seed {source.sim.seed}"
        if len(source.people) > 1:
            seeds = ", ".join(f"{for_terminal(p.label)} {p.seed}" for p in source.people)
            line += f" (seeds: {seeds})"
        print(line)
    if outcome.folder is not None and (rec is None or rec.kept):
        print(f"resonant: saved in {for_terminal(outcome.folder)}")
    elif rec is not None:
        print("resonant: nothing was saved")


def run_record(args: argparse.Namespace) -> int:
    """``resonant record``: one recorded session from the simulated strap, a replay or straps."""
    try:
        spec = session_spec(args)
    except ResonantError as exc:
        _say(str(exc))
        return exc.exit_status
    return run_in_terminal(spec)


def run(args: argparse.Namespace) -> int:
    """``resonant record``: :func:`run_record`."""
    return run_record(args)
