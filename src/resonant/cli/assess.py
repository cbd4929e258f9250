"""``resonant assess``: find a person's resonance rate with a stepped or sliding protocol.

A live assessment (simulated strap or a strap) is recorded into a session folder like
any session, with the protocol in ``session.json`` and its steps as ``phase`` events;
the answer is then computed from that folder alone, so ``--replay`` of it gives the
same answer. ``--replay`` analyses a recorded assessment as fast as it can.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from resonant.signal.resonance import AssessmentResult

__all__ = ["run_assess", "print_result"]


def _protocol(args: argparse.Namespace):  # noqa: ANN202
    from resonant.model.plans import SlidingProtocol, SteppedProtocol

    if args.protocol == "sliding":
        return SlidingProtocol()
    return SteppedProtocol(step_s=args.step_s, rest_s=args.rest_s)


def print_result(result: AssessmentResult, as_json: bool, out: TextIO | None = None) -> None:
    """Print the answer: a JSON object, or a table and sentences."""
    out = out if out is not None else sys.stdout
    if as_json:
        print(json.dumps(result.to_json()), file=out, flush=True)
        return
    if result.protocol == "stepped":
        print("rate  breaths  swing  LF power  LF peak  phase  smooth  breathing  used", file=out)
        print("/min           bpm    ms²       ms²/Hz   deg    0-1     /min", file=out)
        for s in result.steps:
            print(
                f"{s.rate_bpm:4.1f}  {s.breaths:7d}  {s.amplitude_bpm:5.1f}  {s.lf_ms2:8.0f}  "
                f"{s.lf_peak_ms2_hz:7.0f}  {s.phase_deg:5.0f}  {s.smoothness:6.2f}  "
                f"{s.breathing_rate_bpm:9.1f}  {'yes' if s.followed else 'no'}",
                file=out,
            )
    else:
        used = [b for b in result.breaths if b.followed]
        print(f"{len(result.breaths)} breaths swept, {len(used)} used", file=out)
    if result.resonance_bpm is not None:
        print(
            f"Resonance rate: about {result.resonance_bpm:.1f} breaths/min "
            f"(confidence {result.confidence:.2f}).",
            file=out,
        )
    else:
        print("No resonance rate could be given this time.", file=out)
    for w in result.warnings:
        print(f"  - {w}", file=out)
    print("This is a training aid, not a medical measurement.", file=out)


def run_assess(args: argparse.Namespace) -> int:
    """``resonant assess``."""
    from resonant.model.pacer import PacerError, PacerSettings
    from resonant.cli.record import EXIT_BAD_INPUT, EXIT_OK, _session
    from resonant.analysis.assessment import analyze_folder
    from resonant.folder.read import RecordingError

    def finish(folder: Path) -> int:
        try:
            result = analyze_folder(folder)
        except RecordingError as exc:
            print(f"resonant: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not args.replay:
            _store(folder, result)
        print_result(result, args.json)
        if args.accept and result.reliable and result.resonance_bpm is not None:
            _accept(result.resonance_bpm)
        return EXIT_OK

    if args.replay:
        return finish(Path(args.replay))
    try:
        inhale, exhale = PacerSettings.parse_ratio(args.ratio)
        base = PacerSettings(inhale=inhale, exhale=exhale)
        plan = _protocol(args).plan(base)
    except (PacerError, ValueError) as exc:
        print(f"resonant: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    args.duration = plan.end_s + 1.0
    args.no_pacer = False
    args.simulate_used = bool(args.simulate)
    if not args.json:
        minutes = plan.end_s / 60.0
        print(
            f"resonant: a {args.protocol} assessment of about {minutes:.0f} minutes. Breathe "
            "with the guide as best you can; you can stop at any time with Ctrl-C.",
            file=sys.stderr,
        )
    out = sys.stdout
    if args.json:
        sys.stdout = sys.stderr  # the session's own lines go to stderr; stdout is the JSON
    try:
        return _session(args, simulate=bool(args.simulate), record=True, demo=False, plan=plan,
                        after=lambda folder: _with_stdout(out, finish, folder))  # fmt: skip
    finally:
        sys.stdout = out


def _with_stdout(out, fn, folder):  # noqa: ANN001, ANN202
    saved = sys.stdout
    sys.stdout = out
    try:
        return fn(folder)
    finally:
        sys.stdout = saved


def _store(folder: Path, result: AssessmentResult) -> None:
    """Keep the answer in the session's metadata (hrv-spec §7.5.4)."""
    import os

    path = folder / "session.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["assessment"] = result.to_json()
        tmp = folder / ".session.json.tmp"
        tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        print(f"resonant: the answer could not be added to {path} ({exc})", file=sys.stderr)


def _accept(rate_bpm: float) -> None:
    from resonant.config.settings import load_settings, save_settings

    settings, _ = load_settings()
    rounded = round(min(7.0, max(4.0, rate_bpm)), 1)
    path = save_settings(settings.with_changes(resonance_bpm=rounded, pace_bpm=rounded))
    print(f"resonant: your resonance rate {rounded:g}/min is saved in {path} and the guide "
          "will use it.", file=sys.stderr)  # fmt: skip
