"""Command-line options shared by ``resonant record`` and ``resonant demo``.

Standard library only: the parser is built on every start, so it must stay light.
"""

from __future__ import annotations

import argparse

__all__ = ["add_source_arguments"]


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
        default=6.0,
        metavar="BPM",
        help="pacer rate, 3-10 breaths/min in steps of 0.1 (default 6)",
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
    if not demo:
        p.add_argument(
            "--lsl",
            action="store_true",
            help=(
                "publish beats, metrics, pacer phases and events as Lab Streaming Layer "
                "streams (for LabRecorder; timestamps are meaningful at --speed 1)"
            ),
        )
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
            "let the guide follow you: steps of at most 0.1 breaths/min every 2 minutes "
            "toward the rate with the largest heart-rate swing, only while you follow it"
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
