"""Guided protocols as data: one small TOML file each, shipped here or in the user's folder.

A protocol is a list of phases. Each phase has a name, a length, whether the breathing
guide runs (``pacer = "off"``, a rate such as ``5.5``, or ``"resonance"`` for the
person's assessed rate), the instruction shown (invitational language), whether it is a
stressor, for the simulated strap the state the simulated person moves to, and
optionally the phase it is compared with (``compare_with``: its control, as a study
compares a condition with its control; Rockliff et al. 2008 compared compassionate
imagery with a neutral imagery). A
clinician can add protocols as ``*.toml`` in ``<config folder>/protocols/`` (the same
names replace the shipped ones). ``resonance-assessment`` refers to the assessment
protocol instead of listing phases.

A file that cannot be used (not UTF-8, not TOML, nested too deeply, a field of the wrong
kind, a rate the pacer does not offer) is a :class:`ProtocolError` of one sentence naming
the file and the field; in the user's folder it is skipped (and said), so it never hides
the other protocols, and refused only when asked for.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resonant.errors import BadInputError

if TYPE_CHECKING:
    from resonant.model.pacer import PacerSettings

__all__ = [
    "STRESSOR_MARK",
    "Phase",
    "Protocol",
    "ProtocolError",
    "protocols",
    "load_protocol",
    "check_phase_pacers",
]

#: A phase event whose label ends with this is a stressor phase (protocols write it).
STRESSOR_MARK = " (stressor)"

_STATES = ("rest", "threat", "soothing")


class ProtocolError(BadInputError, ValueError):
    """A protocol file that cannot be used (one sentence naming the file and the field)."""


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a protocol.

    Attributes
    ----------
    name : str
        Shown to people and written as the ``phase`` event's label.
    duration_s : float
        Planned length, s.
    pacer : str or float
        ``"off"``, ``"resonance"``, or a rate in breaths/min.
    stressor : bool
        Whether this phase is a stressor (marked in events and analyses).
    instruction : str
        What the person is invited to do.
    state : str or None
        The simulated person's state during the phase (``rest``, ``threat``, ``soothing``).
    compare_with : str or None
        The name of another phase of the protocol that is this phase's control: the
        comparison notes set this phase against it as well as against the first phase
        (:func:`resonant.analysis.compare.phase_notes`). None: against the first only.
    """

    name: str
    duration_s: float
    pacer: str | float
    stressor: bool
    instruction: str
    state: str | None
    compare_with: str | None = None


@dataclass(frozen=True, slots=True)
class Protocol:
    """A guided protocol.

    Attributes
    ----------
    name, title, description : str
        Identifier (the file name), a title and a few sentences for people.
    phases : tuple of Phase
        In order.
    assessment : str or None
        ``stepped`` or ``sliding`` for a resonance assessment (then ``phases`` is empty).
    path : str
        Where it was read from.
    """

    name: str
    title: str
    description: str
    phases: tuple[Phase, ...]
    assessment: str | None
    path: str

    @property
    def duration_s(self) -> float:
        """Planned length of all phases, s."""
        return sum(p.duration_s for p in self.phases)


#: Largest protocol file read, bytes: a protocol is a few kB; more is not a protocol.
MAX_PROTOCOL_BYTES = 1_000_000


def _short(value: object) -> str:
    """A value as shown in a sentence: its repr, cut short when long."""
    try:
        text = repr(value)
    except RecursionError:  # pragma: no cover - values are at most as deep as TOML allows
        text = "a deeply nested value"
    return text if len(text) <= 60 else text[:57] + "..."


def _string(d: dict[str, Any], key: str, where: str, default: str) -> str:
    """``d[key]`` as text (``default`` when absent), or a :class:`ProtocolError`."""
    value = d.get(key, default)
    if not isinstance(value, str):
        raise ProtocolError(f"{where}: {key} = {_short(value)} must be text")
    return value


def _rate(value: float, where: str) -> float:
    """A phase's guide rate, checked with the pacer's own rule (3-10 on the 0.1 grid)."""
    from resonant.model.pacer import PacerError, PacerSettings

    try:
        return PacerSettings(rate_bpm=value).rate_bpm
    except PacerError:
        raise ProtocolError(
            f"{where}: pacer = {_short(value)} is not a rate the guide offers "
            "(3-10 breaths/min in steps of 0.1)"
        ) from None


def _phase(d: object, where: str, k: int) -> Phase:
    if not isinstance(d, dict):
        raise ProtocolError(f"{where}: phase {k + 1} is {_short(d)}, not a [[phase]] table")

    def need(key: str) -> Any:
        if key not in d:
            raise ProtocolError(f"{where}: phase {k + 1} has no {key!r}")
        return d[key]

    name = need("name")
    if not isinstance(name, str | int | float) or isinstance(name, bool) or not str(name).strip():
        raise ProtocolError(f"{where}: phase {k + 1}: name = {_short(name)} must be text")
    name = str(name).strip()
    minutes = need("minutes")
    if not isinstance(minutes, int | float) or isinstance(minutes, bool) or not 0 < minutes <= 240:
        raise ProtocolError(f"{where}: phase {name!r}: minutes = {_short(minutes)} is not 0-240")
    pacer = d.get("pacer", "off")
    if isinstance(pacer, int | float) and not isinstance(pacer, bool):
        pacer = _rate(float(pacer), f"{where}: phase {name!r}")
    elif pacer not in ("off", "resonance"):
        raise ProtocolError(
            f'{where}: phase {name!r}: pacer = {_short(pacer)} must be "off", "resonance" '
            "or a rate"
        )
    state = d.get("state")
    if state is not None and state not in _STATES:
        raise ProtocolError(
            f"{where}: phase {name!r}: state = {_short(state)} is not one of {', '.join(_STATES)}"
        )
    stressor = d.get("stressor", False)
    if not isinstance(stressor, bool):
        raise ProtocolError(f"{where}: phase {name!r}: stressor must be true or false")
    control = d.get("compare_with")
    if control is not None and (not isinstance(control, str) or not control.strip()):
        raise ProtocolError(f"{where}: phase {name!r}: compare_with must name another phase")
    instruction = _string(d, "instruction", f"{where}: phase {name!r}", "")
    return Phase(
        name, float(minutes) * 60.0, pacer, stressor, instruction.strip(),
        state, control.strip() if control is not None else None,
    )  # fmt: skip


def _file_text(path: Path) -> str:
    """The text of a protocol file, or a :class:`ProtocolError` saying why not.

    Only a regular file is opened (a FIFO would wait for ever), at most
    :data:`MAX_PROTOCOL_BYTES` of it, and it must be UTF-8.
    """
    from resonant.model.atomic import os_error_reason

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ProtocolError(f"{path}: not a file")
        with path.open("rb") as f:
            raw = f.read(MAX_PROTOCOL_BYTES + 1)
    except FileNotFoundError:
        raise ProtocolError(f"there is no protocol file {path}") from None
    except OSError as exc:
        raise ProtocolError(f"{path} cannot be read ({os_error_reason(exc)})") from None
    if len(raw) > MAX_PROTOCOL_BYTES:
        raise ProtocolError(f"{path}: larger than {MAX_PROTOCOL_BYTES // 1000} kB, not a protocol")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProtocolError(f"{path}: not UTF-8 text (line {line})") from None


def _read(path: Path, text: str) -> Protocol:
    try:
        return _parse(path, text)
    except RecursionError:  # tables or lists nested thousands deep: tomllib recurses
        raise ProtocolError(f"{path}: nested too deeply to be a protocol") from None


def _parse(path: Path, text: str) -> Protocol:
    import tomllib  # here: `resonant analyze` imports this module but reads no protocol

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML ({exc})") from None
    name = _string(data, "name", str(path), "").strip() or path.stem
    assessment = data.get("assessment")
    if assessment not in (None, "stepped", "sliding"):
        raise ProtocolError(
            f'{path}: assessment = {_short(assessment)} must be "stepped" or "sliding"'
        )
    entries = data.get("phase", [])
    if not isinstance(entries, list):
        raise ProtocolError(f"{path}: phase = {_short(entries)} is not a list of [[phase]] tables")
    phases = tuple(_phase(p, str(path), k) for k, p in enumerate(entries))
    if not phases and assessment is None:
        raise ProtocolError(f"{path}: the protocol has no [[phase]] entries")
    names = [ph.name for ph in phases]
    for ph in phases:
        if ph.compare_with is not None and (
            ph.compare_with == ph.name or ph.compare_with not in names
        ):
            raise ProtocolError(
                f"{path}: phase {ph.name!r}: compare_with = {ph.compare_with!r} is not "
                f"another phase of the protocol (its phases: {', '.join(names)})"
            )
    title = _string(data, "title", str(path), name)
    description = _string(data, "description", str(path), "")
    return Protocol(name, title, description.strip(), phases, assessment, str(path))


def _user_files(user_dir: Path | None) -> list[Path]:
    """The ``*.toml`` files in the user's folder (none when it cannot be listed)."""
    if user_dir is None:
        return []
    try:
        return sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    except OSError:
        return []


def protocols(user_dir: Path | None, problems: list[str] | None = None) -> dict[str, Protocol]:
    """Every protocol: the shipped ones, then the user's (which replace same-named ones).

    A user's file that cannot be used is skipped, so one broken file never hides the
    others or the shipped protocols; ``problems`` is told why, one sentence per file.

    Parameters
    ----------
    user_dir : Path or None
        The folder of the user's own ``*.toml`` protocols
        (:func:`resonant.config.settings.user_protocols_dir`; it need not exist), or
        None for the shipped protocols only.
    problems : list of str or None
        Appended to: one sentence naming each user's file that was skipped.

    Returns
    -------
    dict of str to Protocol
        By name.
    """
    from importlib import resources

    out: dict[str, Protocol] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            p = _read(Path(entry.name), entry.read_text(encoding="utf-8"))
            out[p.name] = p
    for path in _user_files(user_dir):
        try:
            p = _read(path, _file_text(path))
        except ProtocolError as exc:
            if problems is not None:
                problems.append(f"{exc}, so it is skipped")
            continue
        out[p.name] = p
    return out


def load_protocol(
    name_or_path: str, user_dir: Path | None, problems: list[str] | None = None
) -> Protocol:
    """A protocol by name (among :func:`protocols` of ``user_dir``), or from a TOML file path.

    Parameters
    ----------
    name_or_path : str
        A protocol's name, or the path of a ``.toml`` file.
    user_dir : Path or None
        The user's protocols folder (see :func:`protocols`).
    problems : list of str or None
        Appended to: one sentence for each other user's file that was skipped.

    Raises
    ------
    ProtocolError
        When there is no such protocol, or the file asked for is broken (one sentence
        naming the file and the field).
    """
    path = Path(name_or_path)
    if path.suffix == ".toml":  # protocol names are file stems: never "*.toml"
        return _read(path, _file_text(path))
    skipped: list[str] = []
    known = protocols(user_dir, skipped)
    if name_or_path not in known:
        asked = user_dir / f"{name_or_path}.toml" if user_dir is not None else None
        for problem in skipped:
            if asked is not None and problem.startswith(str(asked)):
                raise ProtocolError(problem.removesuffix(", so it is skipped"))
        raise ProtocolError(
            f"there is no protocol {name_or_path!r} (known: {', '.join(sorted(known))})"
        )
    if problems is not None:
        problems.extend(skipped)
    return known[name_or_path]


def check_phase_pacers(
    protocol: Protocol, base: PacerSettings, rate_of: Callable[[Phase], float | None]
) -> None:
    """Check every phase's guide with the session's ratio and holds, before it starts.

    A phase's rate is checked when the protocol is read; whether the inhale and the
    exhale still last at least 1 s depends on the ratio and holds the session uses too,
    so a session checks that here, before any folder is made.

    Parameters
    ----------
    protocol : Protocol
        The protocol.
    base : PacerSettings
        The session's guide: its ratio and holds apply in every phase.
    rate_of : callable
        The guide's rate in a phase (None: no guide), as the protocol runner sets it.

    Raises
    ------
    ProtocolError
        Naming the file, the phase and why (one sentence).
    """
    from resonant.model.pacer import PacerError, PacerSettings

    for phase in protocol.phases:
        rate = rate_of(phase)
        if rate is None:
            continue
        try:
            PacerSettings(
                rate_bpm=rate, inhale=base.inhale, exhale=base.exhale,
                hold_in_s=base.hold_in_s, hold_out_s=base.hold_out_s,
            )  # fmt: skip
        except PacerError as exc:
            raise ProtocolError(
                f"{protocol.path}: phase {phase.name!r} at {rate:g} breaths/min does not fit "
                f"the ratio and holds chosen ({str(exc).rstrip('.')})"
            ) from None
