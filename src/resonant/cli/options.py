"""Command-line options shared by ``record``, ``demo`` and ``assess``, and the session they describe.

The parser is built on every start, so building it needs the standard library only;
:func:`session_spec` turns the parsed options into the
:class:`~resonant.session.assemble.SessionSpec` that the terminal and the window both
run, so an option means the same in both.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    from resonant.session.assemble import AssessmentSpec, SessionSpec

    #: What ``add_subparsers`` returns: each command module's ``add_parser`` adds to it.
    Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["add_source_arguments", "session_spec"]


def add_source_arguments(
    p: argparse.ArgumentParser, demo: bool = False, protocol: bool = True
) -> None:
    """Options shared by ``record`` and ``demo``."""
    if not demo:
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--simulate", action="store_true", help="use the simulated strap")
        src.add_argument("--replay", metavar="PATH", help="replay a session folder or RR file")
        src.add_argument(
            "--device",
            action="append",
            metavar="NAME|ADDR[=LABEL]",
            help=(
                "a Bluetooth strap, by address or (part of) its name; repeat for several "
                "straps; =LABEL names it in the files (default: what you typed)"
            ),
        )
    p.add_argument("--out", metavar="DIR", help=(
        "session folder to create (refused if it exists; its parent is created)"
        + ("" if demo else "; default: a new folder in your data folder")
    ))  # fmt: skip
    p.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="session length in seconds, counted from the first beat",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="run the session clock X times faster than real time (default 1)",
    )
    p.add_argument(
        "--pace",
        type=float,
        default=None,
        metavar="BPM",
        help=(
            "pacer rate, 3-10 breaths/min in steps of 0.1 (default: your accepted "
            "resonance rate from `resonant assess --accept`, else 6)"
        ),
    )
    p.add_argument(
        "--ratio",
        default="4:6",
        metavar="IN:OUT",
        help="inhale:exhale ratio, e.g. 4:6 (default), 1:1, 1:2",
    )
    p.add_argument(
        "--hold-in",
        type=float,
        default=0.0,
        metavar="S",
        help="pause at the top of the in-breath, 0-2 s (default 0)",
    )
    p.add_argument(
        "--hold-out",
        type=float,
        default=0.0,
        metavar="S",
        help="pause at the bottom of the out-breath, 0-2 s (default 0)",
    )
    p.add_argument(
        "--lsl",
        action="store_true",
        help=(
            "publish beats, metrics, pacer phases and events as Lab Streaming Layer "
            "streams (for LabRecorder; timestamps are meaningful at --speed 1)"
        ),
    )
    if not demo:
        p.add_argument(
            "--ecg",
            action="store_true",
            help="with --device: also record raw ECG (130 Hz) where offered (Polar H10)",
        )
    if protocol:
        p.add_argument(
            "--protocol",
            metavar="NAME|FILE.toml",
            help=(
                "run a guided protocol's phases on their set durations (threat-soothing, "
                "soothing-practice, or your own TOML file); the simulated person follows them"
            ),
        )
    p.add_argument(
        "--adaptive",
        action="store_true",
        help=(
            "let the guide follow you: steps of at most 0.5 breaths/min every 2 minutes "
            "(smaller once it turns back) toward the rate with the largest heart-rate "
            "swing, only while you follow it"
        ),
    )
    p.add_argument("--no-pacer", action="store_true", help="no breathing guide (free breathing)")
    p.add_argument("--label", help="label in the session folder's name (default: the source)")
    p.add_argument("--participant", help="participant id written into session.json")
    sim = p.add_argument_group("simulated strap")
    sim.add_argument(
        "--sim-resonance",
        type=float,
        default=5.5,
        metavar="BPM",
        help="the simulated person's resonance rate, 4-7 breaths/min (default 5.5)",
    )
    sim.add_argument(
        "--sim-state",
        choices=("rest", "threat", "soothing"),
        default="soothing" if demo else "rest",
        help=f"the simulated person's state (default {'soothing' if demo else 'rest'})",
    )
    sim.add_argument(
        "--sim-adherence",
        type=float,
        default=0.9,
        metavar="0-1",
        help="share of the time the simulated person follows the pacer (default 0.9)",
    )
    sim.add_argument(
        "--sim-artifacts",
        type=float,
        default=0.0,
        metavar="RATE",
        help="share of beats with an artifact, 0-0.2 (e.g. 0.01: 1 in 100)",
    )
    sim.add_argument(
        "--sim-contact-loss",
        type=float,
        default=0.0,
        metavar="PER_H",
        help="contact losses per hour (each 3-15 s)",
    )
    sim.add_argument(
        "--sim-disconnects",
        type=float,
        default=0.0,
        metavar="PER_H",
        help="dropped links per hour (each 5-30 s)",
    )
    sim.add_argument(
        "--sim-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed: the same seed gives the same session (default: random)",
    )
    sim.add_argument(
        "--sim-model",
        choices=("resonator", "delay"),
        default="resonator",
        help=(
            "the simulated person's physiology: a band-pass resonance (resonator) or a "
            "baroreflex loop with a delay (delay) (default resonator)"
        ),
    )


def session_spec(
    args: argparse.Namespace,
    *,
    kind: str | None = None,
    record: bool = True,
    assessment: AssessmentSpec | None = None,
) -> SessionSpec:
    """The session the options describe (the same for the terminal and the window).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of ``record``, ``demo`` or ``assess``.
    kind : str or None
        The source kind when the command fixes it (``demo``: ``sim``); else from
        ``--simulate``/``--replay``/``--device``.
    record : bool
        Whether the session is recorded.
    assessment : AssessmentSpec or None
        An assessment instead of free practice (``assess``).

    Raises
    ------
    BadInputError
        When a pacer option is invalid (one sentence).
    """
    from resonant.config.settings import load_settings
    from resonant.session.assemble import SessionSpec, SimSpec, SourceSpec, starting_pacer

    if kind is None:
        kind = "ble" if getattr(args, "device", None) else (
            "replay" if getattr(args, "replay", None) else "sim"
        )
    targets: tuple[str, ...] = ()
    if kind == "ble":
        targets = tuple(args.device)
    elif kind == "replay":
        targets = (args.replay,)
    sim = SimSpec(
        resonance_bpm=args.sim_resonance, state=args.sim_state, adherence=args.sim_adherence,
        artifact_rate=args.sim_artifacts, contact_losses_per_h=args.sim_contact_loss,
        disconnects_per_h=args.sim_disconnects, seed=args.sim_seed, model=args.sim_model,
    )  # fmt: skip
    source = SourceSpec(kind, targets, sim, bool(getattr(args, "ecg", False)))
    settings, _ = load_settings()
    # No --pace: the guide starts at the accepted resonance rate, else 6 (as in the window).
    pacer = starting_pacer(
        args.pace, args.ratio, args.hold_in, args.hold_out, accepted_bpm=settings.resonance_bpm
    )
    no_pacer = bool(getattr(args, "no_pacer", False)) and assessment is None
    return SessionSpec(
        source=source,
        pacer=None if no_pacer else pacer,
        protocol=getattr(args, "protocol", None) if assessment is None else None,
        assessment=assessment,
        adaptive=bool(getattr(args, "adaptive", False)),
        record=record,
        out=Path(args.out).expanduser() if getattr(args, "out", None) else None,
        label=args.label,
        participant=args.participant,
        duration_s=args.duration,
        speed=args.speed,
        lsl=bool(getattr(args, "lsl", False)),
        resonance_bpm=settings.resonance_bpm,
    )
