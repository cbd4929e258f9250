"""Assessment protocols laid out on the session clock (stepped and sliding).

:class:`SteppedProtocol` and :class:`SlidingProtocol` turn a protocol into a pacer
schedule with every rate change planned in advance (each new rate starts at an inhale
onset, so the guide never jumps), and into ``phase`` events for the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resonant.model.beats import Event
from resonant.model.pacer import PacerSchedule, PacerSettings

__all__ = ["SteppedProtocol", "SlidingProtocol", "Plan", "accepted_rate", "ACCEPT_RANGE_BPM"]

#: An assessed resonance rate is used within this range, breaths/min (hrv-spec §7.5).
ACCEPT_RANGE_BPM = (4.0, 7.0)


def accepted_rate(rate_bpm: float) -> float:
    """An assessed resonance rate as the guide will use it: within 4-7, on the 0.1 grid.

    The one place the clamp is written: the window's and the command line's "accept",
    and a protocol's ``resonance`` phases, all use it.
    """
    lo, hi = ACCEPT_RANGE_BPM
    return round(min(hi, max(lo, rate_bpm)), 1)


@dataclass(frozen=True, slots=True)
class Plan:
    """A protocol laid out on the session clock.

    Attributes
    ----------
    pacer : PacerSchedule
        The guide, with every rate change already registered.
    events : list of Event
        ``phase`` events: each step (or the sweep) and each rest.
    end_s : float
        When the protocol ends, s.
    metadata : dict
        The protocol's parameters, for ``session.json``'s ``protocol``.
    """

    pacer: PacerSchedule
    events: list[Event]
    end_s: float
    metadata: dict[str, Any]


def _next_inhale(pacer: PacerSchedule, at_s: float) -> float:
    """The first inhale onset at or after ``at_s``."""
    horizon = at_s
    while True:
        for ph in pacer.phases(horizon, horizon + 30.0):
            if ph.phase == "inhale" and ph.start_s >= at_s:
                return ph.start_s
        horizon += 30.0


@dataclass(frozen=True, slots=True)
class SteppedProtocol:
    """Paced breathing at a series of rates (Lehrer et al. 2000, 2013; hrv-spec §7.2).

    Attributes
    ----------
    rates_bpm : tuple of float
        The rates, in order (default 7.0, 6.5, 6.0, 5.5, 5.0, 4.5: Lehrer's 6.5-4.5 and
        one step more, so that the default covers the guide's whole range 4.5-7).
    step_s : float
        Length of each step, s (default 120).
    settle_s : float
        First part of each step not scored, s (default 30).
    rest_s : float
        Optional rest between steps, s (default 0). During a rest the guide keeps its
        last rate and nothing is scored.
    """

    rates_bpm: tuple[float, ...] = (7.0, 6.5, 6.0, 5.5, 5.0, 4.5)
    step_s: float = 120.0
    settle_s: float = 30.0
    rest_s: float = 0.0

    name = "stepped"

    def __post_init__(self) -> None:
        if len(self.rates_bpm) < 3:
            raise ValueError("a stepped assessment needs at least 3 rates")
        if self.step_s < self.settle_s + 30.0:
            raise ValueError(
                f"steps of {self.step_s:g} s leave less than 30 s to score after the "
                f"{self.settle_s:g} s settling time"
            )
        if self.rest_s < 0:
            raise ValueError("a rest cannot be negative")

    def plan(self, base: PacerSettings, start_s: float = 0.0) -> Plan:
        """Lay the protocol out from ``start_s`` (the first step starts there)."""
        pacer = PacerSchedule(_with_rate(base, self.rates_bpm[0]), start_s=start_s)
        events: list[Event] = []
        t = start_s
        for i, rate in enumerate(self.rates_bpm):
            if i > 0:
                if self.rest_s > 0:
                    events.append(Event(t, "phase", "rest: breathe as you like", self.rest_s))
                    t += self.rest_s
                t = _next_inhale(pacer, t)
                pacer.change(_with_rate(base, rate), t)
            events.append(Event(
                t, "phase", f"assessment step {i + 1}: {rate:g} breaths/min", self.step_s,
            ))  # fmt: skip
            t += self.step_s
        end = _next_inhale(pacer, t)
        return Plan(pacer, events, end, self.metadata())

    def metadata(self) -> dict[str, Any]:
        """The parameters, for ``session.json``."""
        return {
            "name": "resonance-assessment", "protocol": self.name,
            "rates_bpm": list(self.rates_bpm), "step_s": self.step_s,
            "settle_s": self.settle_s, "rest_s": self.rest_s,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class SlidingProtocol:
    """A continuous, phase-smooth sweep down and back up (after Fisher & Lehrer 2022).

    Fisher & Lehrer sweep once, from 6.75 down to 4.25 breaths/min, lengthening every
    breath by a fixed increment (hrv-spec §7.4). The heart's response builds up and dies
    away over several breaths (a resonance with a time constant of about 15-20 s), so a
    one-way sweep sees its largest swing late, at a slower rate than the resonance: the
    answer is biased low, more so the faster the sweep. Here the sweep goes down and then
    back up over the same rates, each way with the same fixed increment, and the
    analysis averages the two answers: the lag moves them in opposite directions and
    cancels (decision; a sweep in both directions is the usual way to cancel the lag of
    a swept-frequency measurement, e.g. Pintelon & Schoukens, System Identification,
    2012, §2.7).

    Breath k of the way down lasts ``60 / start_bpm + k * increment_s`` s, k = 0..breaths-1
    (from ``start_bpm`` to ``end_bpm``); the way up repeats those breaths in reverse.

    Attributes
    ----------
    start_bpm, end_bpm : float
        The fast and the slow end of the sweep, breaths/min (default 7.25 and 4.25:
        0.25 beyond the guide's range 4.5-7 on both sides).
    breaths : int
        Breaths each way (default 42: about 16 minutes in all).
    """

    start_bpm: float = 7.25
    end_bpm: float = 4.25
    breaths: int = 42

    name = "sliding"

    def __post_init__(self) -> None:
        if not self.start_bpm > self.end_bpm > 0:
            raise ValueError("a sweep runs from a faster rate down to a slower one")
        if self.breaths < 10:
            raise ValueError("a sweep needs at least 10 breaths each way")

    @property
    def increment_s(self) -> float:
        """Lengthening of each breath on the way down, s."""
        return (60.0 / self.end_bpm - 60.0 / self.start_bpm) / (self.breaths - 1)

    def periods_s(self) -> list[float]:
        """Every breath's length in order, down and back up, s."""
        down = [60.0 / self.start_bpm + k * self.increment_s for k in range(self.breaths)]
        return down + down[::-1]

    def plan(self, base: PacerSettings, start_s: float = 0.0) -> Plan:
        """Lay the sweep out from ``start_s``: a rate change at every inhale onset."""
        periods = self.periods_s()
        pacer = PacerSchedule(_with_rate(base, 60.0 / periods[0], exact=True), start_s=start_s)
        t = start_s
        for k, period in enumerate(periods):
            t += period
            if k + 1 < len(periods):
                pacer.change(_with_rate(base, 60.0 / periods[k + 1], exact=True), t)
        turn = start_s + sum(periods[: self.breaths])
        events = [
            Event(start_s, "phase", f"assessment sweep down: {self.start_bpm:g} to "
                  f"{self.end_bpm:g} breaths/min", turn - start_s),
            Event(turn, "phase", f"assessment sweep up: {self.end_bpm:g} to "
                  f"{self.start_bpm:g} breaths/min", t - turn),
        ]  # fmt: skip
        return Plan(pacer, events, t, self.metadata())

    def metadata(self) -> dict[str, Any]:
        """The parameters, for ``session.json``."""
        return {
            "name": "resonance-assessment", "protocol": self.name,
            "start_bpm": self.start_bpm, "end_bpm": self.end_bpm, "breaths": self.breaths,
            "increment_s": self.increment_s, "both_ways": True,
        }  # fmt: skip


def _with_rate(base: PacerSettings, rate_bpm: float, exact: bool = False) -> PacerSettings:
    return PacerSettings(
        rate_bpm=rate_bpm, inhale=base.inhale, exhale=base.exhale,
        hold_in_s=base.hold_in_s, hold_out_s=base.hold_out_s, on_grid=not exact,
    )  # fmt: skip
