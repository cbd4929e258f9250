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
        The rates, in order (default 6.5, 6.0, 5.5, 5.0, 4.5).
    step_s : float
        Length of each step, s (default 120).
    settle_s : float
        First part of each step not scored, s (default 30).
    rest_s : float
        Optional rest between steps, s (default 0). During a rest the guide keeps its
        last rate and nothing is scored.
    """

    rates_bpm: tuple[float, ...] = (6.5, 6.0, 5.5, 5.0, 4.5)
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
    """One continuous, phase-smooth sweep (Fisher & Lehrer 2022; hrv-spec §7.4).

    Breath k lasts ``60 / start_bpm + k * increment_s`` seconds, k = 0..breaths-1: from
    6.75 down to about 4.26 breaths/min in 78 breaths (about 15 minutes). The increment
    per breath, 0.0676 s (0.0338 s per phase), is the reading of the published numbers
    recorded in hrv-spec §7.4.
    """

    start_bpm: float = 6.75
    breaths: int = 78
    increment_s: float = 0.0676

    name = "sliding"

    def plan(self, base: PacerSettings, start_s: float = 0.0) -> Plan:
        """Lay the sweep out from ``start_s``: a rate change at every inhale onset."""
        pacer = PacerSchedule(_with_rate(base, self.start_bpm, exact=True), start_s=start_s)
        t = start_s
        for k in range(1, self.breaths + 1):
            t += 60.0 / self.start_bpm + (k - 1) * self.increment_s
            if k < self.breaths:
                rate = 60.0 / (60.0 / self.start_bpm + k * self.increment_s)
                pacer.change(_with_rate(base, rate, exact=True), t)
        end_rate = 60.0 / (60.0 / self.start_bpm + (self.breaths - 1) * self.increment_s)
        events = [Event(
            start_s, "phase",
            f"assessment sweep: {self.start_bpm:g} to {end_rate:.2f} breaths/min", t - start_s,
        )]  # fmt: skip
        return Plan(pacer, events, t, self.metadata())

    def metadata(self) -> dict[str, Any]:
        """The parameters, for ``session.json``."""
        return {
            "name": "resonance-assessment", "protocol": self.name,
            "start_bpm": self.start_bpm, "breaths": self.breaths,
            "increment_s": self.increment_s,
        }  # fmt: skip


def _with_rate(base: PacerSettings, rate_bpm: float, exact: bool = False) -> PacerSettings:
    return PacerSettings(
        rate_bpm=rate_bpm, inhale=base.inhale, exhale=base.exhale,
        hold_in_s=base.hold_in_s, hold_out_s=base.hold_out_s, on_grid=not exact,
    )  # fmt: skip
