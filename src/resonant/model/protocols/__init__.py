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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resonant.errors import BadInputError

__all__ = ["STRESSOR_MARK", "Phase", "Protocol", "ProtocolError", "protocols", "load_protocol"]

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


def _phase(d: dict[str, Any], where: str, k: int) -> Phase:
    def need(key: str) -> Any:
        if key not in d:
            raise ProtocolError(f"{where}: phase {k + 1} has no {key!r}")
        return d[key]

    name = str(need("name")).strip()
    minutes = need("minutes")
    if not isinstance(minutes, int | float) or isinstance(minutes, bool) or not 0 < minutes <= 240:
        raise ProtocolError(f"{where}: phase {name!r}: minutes = {minutes!r} is not 0-240")
    pacer = d.get("pacer", "off")
    if isinstance(pacer, int | float) and not isinstance(pacer, bool):
        if not 3.0 <= float(pacer) <= 10.0:
            raise ProtocolError(
                f"{where}: phase {name!r}: pacer = {pacer!r} is not 3-10 breaths/min"
            )
        pacer = float(pacer)
    elif pacer not in ("off", "resonance"):
        raise ProtocolError(
            f'{where}: phase {name!r}: pacer = {pacer!r} must be "off", "resonance" or a rate'
        )
    state = d.get("state")
    if state is not None and state not in _STATES:
        raise ProtocolError(
            f"{where}: phase {name!r}: state = {state!r} is not one of {', '.join(_STATES)}"
        )
    stressor = d.get("stressor", False)
    if not isinstance(stressor, bool):
        raise ProtocolError(f"{where}: phase {name!r}: stressor must be true or false")
    control = d.get("compare_with")
    if control is not None and (not isinstance(control, str) or not control.strip()):
        raise ProtocolError(f"{where}: phase {name!r}: compare_with must name another phase")
    return Phase(
        name, float(minutes) * 60.0, pacer, stressor, str(d.get("instruction", "")).strip(),
        state, control.strip() if control is not None else None,
    )  # fmt: skip


def _read(path: Path, text: str) -> Protocol:
    import tomllib  # here: `resonant analyze` imports this module but reads no protocol

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"{path}: not valid TOML ({exc})") from None
    name = str(data.get("name") or path.stem)
    assessment = data.get("assessment")
    if assessment not in (None, "stepped", "sliding"):
        raise ProtocolError(f'{path}: assessment = {assessment!r} must be "stepped" or "sliding"')
    phases = tuple(_phase(p, str(path), k) for k, p in enumerate(data.get("phase", [])))
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
    return Protocol(
        name, str(data.get("title", name)), str(data.get("description", "")).strip(),
        phases, assessment, str(path),
    )  # fmt: skip


def protocols(user_dir: Path | None) -> dict[str, Protocol]:
    """Every protocol: the shipped ones, then the user's (which replace same-named ones).

    Parameters
    ----------
    user_dir : Path or None
        The folder of the user's own ``*.toml`` protocols
        (:func:`resonant.config.settings.user_protocols_dir`; it need not exist), or
        None for the shipped protocols only.

    Raises
    ------
    ProtocolError
        When a user's protocol file is broken (the shipped ones are tested).
    """
    from importlib import resources

    out: dict[str, Protocol] = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            p = _read(Path(entry.name), entry.read_text(encoding="utf-8"))
            out[p.name] = p
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            p = _read(path, path.read_text(encoding="utf-8"))
            out[p.name] = p
    return out


def load_protocol(name_or_path: str, user_dir: Path | None) -> Protocol:
    """A protocol by name (among :func:`protocols` of ``user_dir``), or from a TOML file path.

    Raises
    ------
    ProtocolError
        When there is no such protocol or the file is broken.
    """
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return _read(path, path.read_text(encoding="utf-8"))
    known = protocols(user_dir)
    if name_or_path not in known:
        raise ProtocolError(
            f"there is no protocol {name_or_path!r} (known: {', '.join(sorted(known))})"
        )
    return known[name_or_path]
