"""``resonant record`` and the headless ``resonant demo``: one session in the terminal.

Both build the same :class:`~resonant.session.core.Session` the window uses: a
source (the simulated strap, a replayed recording, or Bluetooth straps), the pacer
schedule, the recorder
and the terminal dashboard as sinks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

from resonant.model.clock import SPEED_MAX, MonotonicClock, utc_now
from resonant.model.source import Source
from resonant.model.pacer import PacerError, PacerSchedule, PacerSettings
from resonant.session.core import Session, SessionSummary
from resonant.signal.metrics import StreamConfig

__all__ = ["run_record", "run_demo"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """A bad option value, as one sentence."""


def _pacer(args: argparse.Namespace) -> PacerSchedule | None:
    if args.no_pacer:
        return None
    try:
        inhale, exhale = PacerSettings.parse_ratio(args.ratio)
        settings = PacerSettings(
            rate_bpm=args.pace, inhale=inhale, exhale=exhale,
            hold_in_s=args.hold_in, hold_out_s=args.hold_out,
        )  # fmt: skip
    except PacerError as exc:
        raise UsageError(str(exc)) from None
    return PacerSchedule(settings)


def _devices(args: argparse.Namespace) -> list[Source]:
    """One Bluetooth source per ``--device NAME|ADDR[=LABEL]``, with distinct labels."""
    from resonant.devices.ble import BleStrap

    claimed: set[str] = set()
    out: list[Source] = []
    labels: set[str] = set()
    for spec in args.device:
        target, _, label = spec.partition("=")
        target, label = target.strip(), label.strip() or target.strip()
        if not target:
            raise UsageError(f"--device {spec!r} names no strap (give an address or a name)")
        if label in labels:
            raise UsageError(f"two straps are labelled {label!r}: give each its own =LABEL")
        labels.add(label)
        out.append(BleStrap(target, label, claimed=claimed, ecg=bool(getattr(args, "ecg", False))))
    return out


def _sources(args: argparse.Namespace, pacer: PacerSchedule | None, simulate: bool) -> list[Source]:
    if getattr(args, "device", None):
        return _devices(args)
    return [_source(args, pacer, simulate)]


def _source(args: argparse.Namespace, pacer: PacerSchedule | None, simulate: bool) -> Source:
    if simulate:
        import random

        from resonant.devices.physiology import PersonSpec
        from resonant.devices.simulated import SimulatedStrap, StrapSpec

        seed = (
            args.sim_seed if args.sim_seed is not None else random.SystemRandom().randrange(2**31)
        )
        args.sim_seed = seed
        try:
            person = PersonSpec(
                resonance_bpm=args.sim_resonance, state=args.sim_state,
                adherence=args.sim_adherence, seed=seed,
            )  # fmt: skip
            strap = StrapSpec(
                label="sim", artifact_rate=args.sim_artifacts,
                contact_losses_per_h=args.sim_contact_loss,
                disconnects_per_h=args.sim_disconnects, seed=seed,
            )  # fmt: skip
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        return SimulatedStrap(person, strap, pacer)
    from resonant.devices.replay import ReplaySource
    from resonant.folder.read import RecordingError

    try:
        return ReplaySource(args.replay)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None


def _check(args: argparse.Namespace) -> None:
    if not 0.0 < args.speed <= SPEED_MAX:
        raise UsageError(f"--speed {args.speed:g} is outside 0-{SPEED_MAX:g}")
    if args.duration is not None and not args.duration > 0:
        raise UsageError(f"--duration {args.duration:g} is not a positive number of seconds")


def _metadata(
    args: argparse.Namespace, sources: list[Source], pacer: PacerSchedule | None, start: str
) -> dict[str, Any]:
    ps = pacer.settings if pacer is not None else None
    cfg = StreamConfig()
    return {
        "start_utc": start,
        "sources": [src.info.to_json() for src in sources],
        "settings": {
            "pacer": None if ps is None else {
                "rate_bpm": ps.rate_bpm, "ratio": ps.ratio,
                "hold_in_s": ps.hold_in_s, "hold_out_s": ps.hold_out_s,
            },
            "windows": {
                "time_domain_s": cfg.window_s, "spectral_update_s": cfg.update_s,
                "reclassify_s": cfg.reclassify_s, "max_corrected_pct": cfg.max_corrected_pct,
            },
            "duration_s": args.duration,
            "speed": args.speed,
        },
        "protocol": None,
        "participant": args.participant,
        "consent": None,
        "notes": "",
    }  # fmt: skip


async def _run(session: Session, dashboard: Any) -> SessionSummary:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, session.stop, "stopped")
    dash = asyncio.create_task(dashboard.run()) if dashboard is not None else None
    try:
        return await session.run()
    finally:
        if dash is not None:
            dash.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dash


def _session(
    args: argparse.Namespace,
    simulate: bool,
    record: bool,
    demo: bool,
    plan: Any = None,
    after: Any = None,
) -> int:
    """Run one session in the terminal.

    ``plan`` (a protocol's :class:`~resonant.model.plans.Plan`) drives the pacer;
    ``after(folder)`` runs on the recorded folder at the end and gives the exit status.
    """
    from resonant.folder.write import Recorder, RecorderError

    protocol = None
    if getattr(args, "protocol", None) and plan is None:
        from resonant.model.protocols import ProtocolError, load_protocol

        try:
            protocol = load_protocol(args.protocol)
        except ProtocolError as exc:
            print(f"resonant: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if protocol.assessment is not None:
            print(f"resonant: {protocol.name} is an assessment: run `resonant assess "
                  f"--protocol {protocol.assessment}`", file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
        if args.duration is None:
            args.duration = protocol.duration_s + 1.0
    try:
        _check(args)
        pacer = plan.pacer if plan is not None else _pacer(args)
        if protocol is not None:
            base = pacer.settings if pacer is not None else PacerSettings()
            pacer = None  # the protocol turns the guide on and off
        sources = _sources(args, pacer, simulate)
    except UsageError as exc:
        print(f"resonant: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for w in (w for src in sources for w in getattr(src, "warnings", [])):
        print(f"resonant: note: {w}", file=sys.stderr)
    start = utc_now()
    recorder = None
    if record:
        if args.out:
            folder = Path(args.out).expanduser()
        else:
            from resonant.config.paths import new_session_folder, sessions_dir

            label = args.label or "+".join(src.info.label for src in sources)
            folder = new_session_folder(sessions_dir(), start, label)

        def tell(problem: str) -> None:
            print(f"\nresonant: {problem}", file=sys.stderr, flush=True)

        try:
            meta = _metadata(args, sources, pacer, start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            if plan is not None:
                meta["protocol"] = plan.metadata
            if protocol is not None:
                meta["protocol"] = {
                    "name": protocol.name, "title": protocol.title,
                    "phases": [{"name": ph.name, "duration_s": ph.duration_s,
                                "pacer": ph.pacer, "stressor": ph.stressor}
                               for ph in protocol.phases],
                }  # fmt: skip
            recorder = Recorder(folder, meta, on_problem=tell)
        except RecorderError as exc:
            print(f"resonant: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"resonant: recording to {folder}", flush=True)
    clock = MonotonicClock(args.speed)
    sinks: list[Any] = [recorder] if recorder is not None else []
    lsl = None
    if getattr(args, "lsl", False):
        from resonant.session.lsl import LslError, LslOutlet, lsl_available

        ok, why = lsl_available()
        if not ok:
            print(f"resonant: {why}", file=sys.stderr)
            return EXIT_BAD_INPUT
        try:
            lsl = LslOutlet(
                recorder.folder.name if recorder is not None else "resonant",
                start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), [src.info for src in sources], clock,
                on_problem=lambda m: print(f"resonant: {m}", file=sys.stderr),
            )  # fmt: skip
        except LslError as exc:
            print(f"resonant: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"resonant: publishing LSL streams {', '.join(lsl.stream_names)}", file=sys.stderr)
        sinks.append(lsl)
    adaptive = None
    if getattr(args, "adaptive", False) and pacer is not None and plan is None:
        from resonant.session.adaptive import AdaptivePacer

        prior = getattr(args, "resonance_prior", None) or 5.5
        adaptive = AdaptivePacer(lambda s, r: None, pacer.settings, prior_bpm=prior)
        sinks = [*sinks, adaptive]
    runner = None
    if protocol is not None:
        from resonant.session.protocol_runner import ProtocolRunner
        from resonant.config.settings import load_settings

        runner = ProtocolRunner(protocol, base, load_settings()[0].resonance_bpm)
        sinks = [*sinks, runner]
    session = Session(sources, clock, pacer, sinks, duration_s=args.duration)
    if runner is not None:
        runner.attach(session)
        for note in runner.notes:
            print(f"resonant: note: {note}", file=sys.stderr)
    if adaptive is not None:
        adaptive.change = session.change_pacer
    if plan is not None:
        session.schedule_events(plan.events)
    live = sys.stdout.isatty()
    dashboard = None
    if live or demo:
        from resonant.cli.terminal import TerminalDashboard

        dashboard = TerminalDashboard(session, sys.stdout, live, recorder)
    try:
        summary = asyncio.run(_run(session, dashboard))
    finally:
        if lsl is not None:
            lsl.close()
    status = EXIT_OK
    if recorder is not None and not summary.beats and summary.reason == "source failed":
        # The strap never streamed: leave no empty session behind.
        recorder.close()
        _remove_empty(recorder.folder)
        for problem in summary.problems:
            print(f"resonant: {problem}", file=sys.stderr)
        print("resonant: nothing was recorded", file=sys.stderr)
        return EXIT_FAILED
    if recorder is not None:
        recorder.close(
            end_utc=utc_now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            duration_s=round(summary.elapsed_s, 3),
            end_reason=summary.reason,
            beats=summary.beats,
            sources=[src.info.to_json() for src in sources],
        )
        if recorder.problem:
            status = EXIT_FAILED  # already said when it happened
    for problem in summary.problems:
        print(f"resonant: {problem}", file=sys.stderr)
        status = EXIT_FAILED
    _print_summary(summary, recorder.folder if recorder is not None else None, args)
    if after is not None and recorder is not None and status == EXIT_OK:
        return int(after(recorder.folder))
    return status


def _remove_empty(folder: Path) -> None:
    """Remove a session folder this run created when it holds no beats (headers only)."""
    beats = folder / "beats.tsv"
    if beats.is_file() and beats.read_text(encoding="utf-8").count("\n") > 1:
        return
    from resonant.folder.write import COLUMNS
    from resonant.folder.sidecars import sidecar_name

    names = ["session.json", *COLUMNS, *(sidecar_name(t) for t in COLUMNS)]
    for name in names:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _print_summary(summary: SessionSummary, folder: Path | None, args: argparse.Namespace) -> None:
    from resonant.model.clock import fmt_clock

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
        if hr is not None:
            parts.append(f"mean HR {hr:.0f} bpm")
        if coh is not None:
            parts.append(f"mean coherence {coh:.2f}")
        print(f"  {label}: " + ", ".join(parts))
    if summary.gaps:
        print(f"  {summary.gaps} break(s) in the beats were recorded as gaps")
    if getattr(args, "sim_seed", None) is not None and args.simulate_used:
        print(f"  simulated with --sim-seed {args.sim_seed}")
    if folder is not None:
        print(f"resonant: saved in {folder}")


def run_record(args: argparse.Namespace) -> int:
    """``resonant record``: one recorded session from the simulated strap or a replay."""
    args.simulate_used = bool(args.simulate)
    return _session(args, simulate=bool(args.simulate), record=True, demo=False)


def run_demo(args: argparse.Namespace) -> int:
    """``resonant demo``: the trainer window on the simulated strap, or the terminal dashboard.

    The window opens where a display is available (or with ``--screenshot``, which also
    works without one); ``--headless`` or no display runs the same session in the terminal.
    """
    from resonant.gui.app import display_available

    if not args.headless and (args.screenshot or display_available()):
        if not 0.0 < args.speed <= 1000.0:
            print(
                f"resonant: --speed {args.speed:g} is outside 0-1000 for the window",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if args.after <= 0:
            print(
                f"resonant: --after {args.after:g} is not a positive number of seconds",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        if args.out and Path(args.out).exists():
            print(
                f"resonant: {args.out} already exists: a session folder is never overwritten "
                "(choose another --out)",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        from resonant.gui.app import run_window

        return run_window(
            speed=args.speed, demo=True, screenshot=args.screenshot, after_s=args.after,
            sim_state=args.sim_state, sim_resonance_bpm=args.sim_resonance,
            sim_seed=args.sim_seed, record_dir=Path(args.out).parent if args.out else None,
            save_settings=False, guide=not args.no_pacer,
            record_folder=Path(args.out) if args.out else None,
            pacer={"pace_bpm": args.pace, "ratio": args.ratio, "hold_in_s": args.hold_in,
                   "hold_out_s": args.hold_out},
        )  # fmt: skip
    if not args.headless:
        print("resonant: no display here: running the trainer in this terminal.", file=sys.stderr)
    args.simulate_used = True
    args.replay = None
    return _session(args, simulate=True, record=bool(args.out), demo=True)
