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

__all__ = ["SimulatedPerson", "make_person", "own_breath_rate_bpm"]


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


def own_breath_rate_bpm(
    spec: PersonSpec, state: str, start_s: float, end_s: float, step_s: float = 0.5
) -> float:
    """The simulated person's own breaths per minute over an unguided stretch: the truth.

    The person ``spec`` (no guide) runs to ``start_s``, moves to ``state`` there, and
    its breathing rate is averaged over [start, end) every ``step_s`` seconds. This is
    what a breathing rate measured over such a stretch of a recording made with the same
    person should read: it includes the move from the earlier state's rate, and the
    breath-to-breath wander of the person's own rate.

    Parameters
    ----------
    spec : PersonSpec
        The person (seed, model, ...); its own starting state is kept until ``start_s``.
    state : str
        The state from ``start_s`` on (``rest``, ``threat``, ``soothing``).
    start_s, end_s : float
        The stretch, s.
    step_s : float
        Sampling step of the rate, s.

    Returns
    -------
    float
        Mean breathing rate over the stretch, breaths/min.
    """
    person = make_person(spec)
    person.advance(start_s)
    person.set_state(state, start_s)
    rates: list[float] = []
    t = start_s
    while t < end_s - 1e-9:
        t += step_s
        person.advance(t)
        rates.append(person.breath_rate_bpm)
    return sum(rates) / len(rates) if rates else float("nan")
