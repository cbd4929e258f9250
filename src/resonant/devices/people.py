"""Choosing the simulated person: the band-pass resonator or the delayed baroreflex.

Two unlike models of one person, so that what the program finds (the resonance rate, the
adaptive guide's rate) is checked against more than one idea of the physiology:

* ``resonator``: :class:`~resonant.devices.physiology.Person`, a band-pass resonance;
* ``delay``: :class:`~resonant.devices.baroreflex.DelayedBaroreflexPerson`, a closed
  baroreflex loop with a delay (deBoer et al. 1987; Vaschillo et al. 2002).

Both are chosen by ``PersonSpec.model`` and have the same interface,
:class:`SimulatedPerson`.
"""

from __future__ import annotations

from typing import Protocol

from resonant.devices.baroreflex import DelayedBaroreflexPerson
from resonant.devices.physiology import Person, PersonSpec, TrueBeat
from resonant.model.pacer import PacerSchedule

__all__ = ["SimulatedPerson", "make_person"]


class SimulatedPerson(Protocol):
    """What a simulated strap, a session and the tests use of a simulated person."""

    spec: PersonSpec
    pacer: PacerSchedule | None
    volume: float
    hr_bpm: float
    breath_rate_bpm: float

    @property
    def state(self) -> str:
        """The state the person is in or moving to."""
        ...

    @property
    def following(self) -> bool:
        """True while the person is following the guide."""
        ...

    def set_state(self, state: str, at_s: float | None = None) -> None:
        """Start moving to ``state``."""
        ...

    def advance(self, until_s: float) -> list[TrueBeat]:
        """Run the person up to ``until_s``; return the beats completed on the way."""
        ...


def make_person(spec: PersonSpec, pacer: PacerSchedule | None = None) -> SimulatedPerson:
    """The simulated person ``spec.model`` names.

    Parameters
    ----------
    spec : PersonSpec
        Who the person is; ``spec.model`` is ``resonator`` or ``delay``.
    pacer : PacerSchedule or None
        The guide they may follow.

    Returns
    -------
    SimulatedPerson
        A :class:`~resonant.devices.physiology.Person` or a
        :class:`~resonant.devices.baroreflex.DelayedBaroreflexPerson`.

    Examples
    --------
    >>> type(make_person(PersonSpec(model="delay"))).__name__
    'DelayedBaroreflexPerson'
    """
    if spec.model == "delay":
        return DelayedBaroreflexPerson(spec, pacer)
    return Person(spec, pacer)
