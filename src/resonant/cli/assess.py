"""``resonant assess``: find a person's resonance rate with a stepped or sliding protocol.

A live assessment (simulated strap or a strap) is recorded into a session folder like
any session, with the protocol in ``session.json`` and its steps as ``phase`` events;
the answer is then computed from that folder alone, so ``--replay`` of it gives the
same answer. ``--replay`` analyses a recorded assessment as fast as it can. Importing
this module loads the standard library only; the analysis is imported when it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from resonant.cli.options import add_source_arguments
from resonant.errors import EXIT_BAD_INPUT, EXIT_OK, ResonantError
from resonant.model.text import for_terminal

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers
    from resonant.signal.resonance import AssessmentResult

__all__ = ["add_parser", "run", "run_assess", "print_result"]


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant assess`` and its options to the sub-commands ``sub``."""
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
    assess.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant assess``: :func:`run_assess`."""
    return run_assess(args)


def print_result(result: AssessmentResult, as_json: bool, out: TextIO | None = None) -> None:
    """Print the answer: a JSON object, or a table and sentences."""
    out = out if out is not None else sys.stdout
    if as_json:
        print(json.dumps(result.to_json()), file=out, flush=True)
        return
    if result.protocol == "stepped":
        print("rate  breaths  swing  max-min  LF power  LF peak  phase  smooth  breathing  used",
              file=out)  # fmt: skip
        print("/min           bpm    bpm      ms²       ms²/Hz   deg    0-1     /min", file=out)
        for s in result.steps:
            breathing = "unclear" if s.breathing_rate_bpm is None else f"{s.breathing_rate_bpm:.1f}"
            print(
                f"{s.rate_bpm:4.1f}  {s.breaths:7d}  {s.swing_bpm:5.1f}  {s.amplitude_bpm:7.1f}  "
                f"{s.lf_ms2:8.0f}  {s.lf_peak_ms2_hz:7.0f}  {s.phase_deg:5.0f}  "
                f"{s.smoothness:6.2f}  {breathing:>9}  "
                f"{'yes' if s.followed else 'no'}",
                file=out,
            )
        print(_breathing_note(result), file=out)
    else:
        used = [b for b in result.breaths if b.followed]
        print(f"{len(result.breaths)} breaths swept, {len(used)} used", file=out)
    if result.resonance_bpm is not None:
        print(
            f"Resonance rate: about {result.resonance_bpm:.1f} breaths/min (about a "
            f"{100 * result.confidence:.0f}% chance of being within 0.25 breaths/min; "
            f"{'reliable' if result.reliable else 'not reliable enough to use as it is'}).",
            file=out,
        )
    else:
        print("No resonance rate could be given this time.", file=out)
    for w in result.warnings:
        print(f"  - {for_terminal(w)}", file=out)
    print("This is a training aid, not a medical measurement.", file=out)


def _breathing_note(result: AssessmentResult) -> str:
    """Where the table's breathing and phase come from, in one sentence."""
    chest = sum(s.breathing_source == "chest" for s in result.steps)
    if chest == len(result.steps):
        return "Breathing measured at the chest; phase against that breathing."
    heart = "breathing read from the heart rhythm where it is clear (unclear otherwise)"
    if chest:
        return f"Breathing measured at the chest in {chest} steps, elsewhere {heart}."
    return f"No chest data: {heart}; phase against the guide."


def run_assess(args: argparse.Namespace) -> int:
    """``resonant assess``: a live assessment through the one session assembly, or a replay."""
    from resonant.analysis.assessment import analyze_folder
    from resonant.cli.options import session_spec
    from resonant.cli.record import run_in_terminal
    from resonant.model.pacer import PacerSettings
    from resonant.session.assemble import AssessmentSpec, Outcome

    if args.replay:
        try:
            result = analyze_folder(Path(args.replay))
        except ResonantError as exc:
            print(f"resonant: {for_terminal(exc)}", file=sys.stderr)
            return exc.exit_status
        return _answer(result, args)
    try:
        assessment = AssessmentSpec(args.protocol, args.step_s, args.rest_s)
        spec = session_spec(args, assessment=assessment)
        minutes = assessment.plan(spec.pacer or PacerSettings()).end_s / 60.0
    except ResonantError as exc:
        print(f"resonant: {for_terminal(exc)}", file=sys.stderr)
        return exc.exit_status
    if not args.json:
        print(
            f"resonant: a {args.protocol} assessment of about {minutes:.0f} minutes. Breathe "
            "with the guide as best you can; you can stop at any time with Ctrl-C.",
            file=sys.stderr,
        )

    def finish(outcome: Outcome) -> int:
        if outcome.assessment is None:
            print("resonant: the assessment could not be scored "
                  f"({for_terminal(outcome.assessment_problem)})",
                  file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
        with _stdout(out):
            return _answer(outcome.assessment, args)

    out = sys.stdout
    # With --json, the session's own lines go to stderr: stdout is the JSON answer alone.
    with _stdout(sys.stderr if args.json else out):
        return run_in_terminal(spec, after=finish)


@contextlib.contextmanager
def _stdout(stream: TextIO) -> Iterator[None]:
    saved = sys.stdout
    sys.stdout = stream
    try:
        yield
    finally:
        sys.stdout = saved


def _answer(result: AssessmentResult, args: argparse.Namespace) -> int:
    print_result(result, args.json)
    if args.accept and result.reliable and result.resonance_bpm is not None:
        _accept(result.resonance_bpm)
    return EXIT_OK


def _accept(rate_bpm: float) -> None:
    from resonant.config.settings import load_settings, save_settings
    from resonant.model.plans import accepted_rate

    settings, problems = load_settings()  # its problems were said at the start
    rounded = accepted_rate(rate_bpm)
    try:
        path = save_settings(settings.with_changes(resonance_bpm=rounded, pace_bpm=rounded))
    except OSError as exc:
        from resonant.model.atomic import os_error_reason

        print(f"resonant: your resonance rate {rounded:g}/min could not be saved in the settings "
              f"file ({for_terminal(os_error_reason(exc))}).", file=sys.stderr)  # fmt: skip
        return
    if problems:
        backup = path.with_name(path.name + ".bak")
        print(f"resonant: the settings file {for_terminal(path)} could not be fully used, so it "
              f"was rewritten; what it held before is kept in {for_terminal(backup)}.",
              file=sys.stderr)  # fmt: skip
    print(f"resonant: your resonance rate {rounded:g}/min is saved in {for_terminal(path)}. "
          "From now on the guide starts there in the window, `resonant record` and "
          "`resonant demo` (with --adaptive too), and a protocol's resonance phases use it; "
          "--pace or the window's Pace control sets another rate.", file=sys.stderr)  # fmt: skip
