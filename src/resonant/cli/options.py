"""Command-line options shared by ``record``, ``demo`` and ``assess``, and the session they describe.

The parser is built on every start, so building it needs the standard library only;
:func:`session_spec` turns the parsed options into the
:class:`~resonant.session.assemble.SessionSpec` that the terminal and the window both
run, so an option means the same in both.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import TypeAlias

    from collections.abc import Sequence

    from resonant.session.assemble import AssessmentSpec, SessionSpec, SimSpec

    #: What ``add_subparsers`` returns: each command module's ``add_parser`` adds to it.
    Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["add_source_arguments", "say_settings_problems", "session_spec", "sim_people"]

#: Longest ``--label``, characters: it names the session folder, and a file name has at
#: most 255 bytes (NAME_MAX) on common file systems, the start time and a ``-N`` included.
LABEL_MAX_CHARS = 100
#: Longest ``--sim-person ...:label=``, characters: a group's default folder name joins
#: up to 8 of them.
PERSON_LABEL_MAX_CHARS = 24

#: ``--sim-person`` keys and the ``SimSpec`` field each sets.
_PERSON_KEYS = {
    "state": "state", "resonance": "resonance_bpm", "adherence": "adherence",
    "seed": "seed", "model": "model", "label": "label",
}  # fmt: skip


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
            "streams (for LabRecorder; timestamps are meaningful at --speed 1); off unless "
            "asked. Anyone on the network can find and read them: stream names, the session "
            "label and the strap are in their metadata"
        ),
    )
    p.add_argument(
        "--lsl-local",
        action="store_true",
        help=(
            "as --lsl, but kept to this machine: streams are found and answered on this "
            "machine only (a machine-only liblsl configuration, through LSLAPICFG)"
        ),
    )
    if not demo:
        p.add_argument(
            "--ecg",
            action="store_true",
            help="with --device: also record raw ECG (130 Hz) where offered (Polar H10)",
        )
    p.add_argument(
        "--acc",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=(
            "record the chest accelerometer where the strap offers it (Polar H10 at 50 Hz, "
            "the simulated strap at 25 Hz), for breathing measured at the chest "
            "(default: on; --no-acc to switch off)"
        ),
    )
    if protocol:
        p.add_argument(
            "--protocol",
            metavar="NAME|FILE.toml",
            help=(
                "run a guided protocol's phases on their set durations (threat-soothing, "
                "compassionate-imagery, soothing-practice, or your own TOML file); the "
                "simulated person follows them"
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
    p.add_argument("--label", help=(
        f"label in the session folder's name, at most {LABEL_MAX_CHARS} characters "
        "(default: the source)"
    ))  # fmt: skip
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
    sim.add_argument(
        "--sim-people",
        type=int,
        default=1,
        metavar="N",
        help=(
            "simulate a group of N people at once, 1-8 (default 1), labelled sim1..simN: "
            "person k has seed --sim-seed + k - 1 and resonance rates spread over 1.5 "
            "breaths/min around --sim-resonance"
        ),
    )
    sim.add_argument(
        "--sim-person",
        action="append",
        default=[],
        metavar="LABEL:KEY=VALUE,...",
        help=(
            "set one simulated person, e.g. sim2:state=threat,resonance=5.0,seed=3; keys: "
            "state, resonance, adherence, seed, model, label (a new name); repeat for "
            "several people (one person alone is labelled sim)"
        ),
    )


def sim_people(base: SimSpec, n: int, persons: Sequence[str]) -> tuple[SimSpec, ...]:
    """The simulated people ``--sim-people`` and ``--sim-person`` describe.

    Parameters
    ----------
    base : SimSpec
        The person the ``--sim-*`` options describe.
    n : int
        ``--sim-people``: how many (1-8); see :func:`resonant.session.assemble.sim_group`.
    persons : sequence of str
        ``--sim-person`` values, ``LABEL:KEY=VALUE,...``: LABEL names one of the group's
        people (``sim`` alone, ``sim1``...``simN`` in a group); the keys are ``state``,
        ``resonance``, ``adherence``, ``seed``, ``model`` and ``label`` (a new name).

    Returns
    -------
    tuple of SimSpec
        The people, in order.

    Raises
    ------
    BadInputError
        For a person outside the group, an unknown key or a value that is not valid (one
        sentence).
    """
    from dataclasses import replace

    from resonant.errors import BadInputError
    from resonant.session.assemble import sim_group

    people = list(sim_group(base, n))
    labels = [p.label for p in people]
    for text in persons:
        who, sep, rest = text.partition(":")
        who = who.strip()
        if who not in labels:
            raise BadInputError(
                f"--sim-person {text!r}: no person is labelled {who!r} "
                f"(the simulated people are {', '.join(labels)}; --sim-people sets how many)"
            )
        changes: dict[str, Any] = {}
        for pair in (rest.split(",") if sep and rest.strip() else []):
            key, eq, value = (x.strip() for x in pair.partition("="))
            if key not in _PERSON_KEYS or not eq or not value:
                raise BadInputError(
                    f"--sim-person {text!r}: {pair.strip()!r} is not KEY=VALUE with a key "
                    f"among {', '.join(_PERSON_KEYS)}"
                )
            changes[_PERSON_KEYS[key]] = _person_value(text, key, value)
        k = labels.index(who)
        people[k] = replace(people[k], **changes)
        labels[k] = people[k].label
    return tuple(people)


def _person_value(text: str, key: str, value: str) -> object:
    """One ``--sim-person`` value, checked (one sentence when not valid)."""
    from resonant.errors import BadInputError

    bad = BadInputError(f"--sim-person {text!r}: {key}={value} is not valid")
    if key == "state":
        if value not in ("rest", "threat", "soothing"):
            raise BadInputError(
                f"--sim-person {text!r}: state {value!r} is not rest, threat or soothing"
            )
        return value
    if key == "model":
        if value not in ("resonator", "delay"):
            raise BadInputError(
                f"--sim-person {text!r}: model {value!r} is not resonator or delay"
            )
        return value
    if key == "label":
        if len(value) > PERSON_LABEL_MAX_CHARS:
            raise BadInputError(
                f"--sim-person: a label can be at most {PERSON_LABEL_MAX_CHARS} characters "
                f"(this one has {len(value)})"
            )
        return value
    try:
        number = int(value) if key == "seed" else float(value)
    except ValueError:
        raise bad from None
    if key == "resonance" and not 4.0 <= number <= 7.0:
        raise BadInputError(f"--sim-person {text!r}: resonance {value} is outside 4-7 breaths/min")
    if key == "adherence" and not 0.0 <= number <= 1.0:
        raise BadInputError(f"--sim-person {text!r}: adherence {value} is outside 0-1")
    return number


def say_settings_problems(problems: Sequence[str]) -> None:
    """Say each settings-file warning on stderr, one line each (the window shows them too)."""
    import sys

    from resonant.model.text import for_terminal

    for problem in problems:
        print(f"resonant: {for_terminal(problem)}", file=sys.stderr)


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
    from resonant.errors import BadInputError
    from resonant.session.assemble import SessionSpec, SimSpec, SourceSpec, starting_pacer

    label = getattr(args, "label", None)
    if label is not None and len(label) > LABEL_MAX_CHARS:
        raise BadInputError(
            f"--label has {len(label)} characters: it names the session folder, so it can "
            f"be at most {LABEL_MAX_CHARS}; the participant id (--participant) has no such limit"
        )
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
    people = sim_people(
        sim, getattr(args, "sim_people", 1), getattr(args, "sim_person", None) or ()
    )
    if len(people) == 1:
        sim, people = people[0], ()
    elif kind == "sim" and assessment is not None:
        raise BadInputError(
            "an assessment finds one person's rate: run it with one simulated person "
            "(leave out --sim-people)"
        )
    source = SourceSpec(
        kind, targets, sim, bool(getattr(args, "ecg", False)), people=people,
        acc=bool(getattr(args, "acc", True)),
    )  # fmt: skip
    lsl = bool(getattr(args, "lsl", False) or getattr(args, "lsl_local", False))
    if getattr(args, "lsl_local", False):
        from resonant.session.lsl import keep_to_this_machine

        keep_to_this_machine()  # before pylsl is imported: liblsl reads it once
    settings, problems = load_settings()
    say_settings_problems(problems)
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
        lsl=lsl,
        resonance_bpm=settings.resonance_bpm,
    )
