"""Run a guided protocol in a session: its phases on their set durations, unattended.

A :class:`ProtocolRunner` is a session sink. When the session reaches a phase's onset it
writes a ``phase`` event (label: the phase's name, `` (stressor)`` added for a stressor
phase, duration: the planned length), turns the breathing guide on (at the phase's rate,
or the person's resonance rate) or off, and moves a simulated person to the phase's
state, so the whole threat-and-soothing demonstration works without a strap. A
clinician can end a phase early (:meth:`next_phase`); that is noted as an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resonant.model.beats import Beat, Event
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.model.plans import accepted_rate
from resonant.model.protocols import STRESSOR_MARK, Phase, Protocol
from resonant.model.sink import SessionSink

__all__ = ["ProtocolRunner", "DEFAULT_RESONANCE_BPM"]

#: The guide's rate for "resonance" phases when the person has not been assessed.
DEFAULT_RESONANCE_BPM = 5.5


class ProtocolRunner(SessionSink):
    """Drive a session through a protocol's phases.

    Parameters
    ----------
    protocol : Protocol
        The phases.
    base : PacerSettings
        Ratio and holds of the guide (its rate comes from each phase).
    resonance_bpm : float or None
        The person's resonance rate, for ``pacer = "resonance"`` phases.
    auto : bool
        Start each phase when the previous one's time is up (else wait for
        :meth:`next_phase`).
    on_phase : callable or None
        Called with ``(index, phase)`` when a phase starts (the window shows it).
    """

    def __init__(
        self,
        protocol: Protocol,
        base: PacerSettings,
        resonance_bpm: float | None = None,
        auto: bool = True,
        on_phase: Callable[[int, Phase], None] | None = None,
    ) -> None:
        self.protocol = protocol
        self.base = base
        self.resonance_bpm = resonance_bpm
        self.auto = auto
        self.on_phase = on_phase
        self.session: Any = None
        self.index = -1
        self.phase_start_s = 0.0
        self.finished = False
        self.notes: list[str] = []

    @property
    def current(self) -> Phase | None:
        """The phase in progress (None before the start and after the end)."""
        if 0 <= self.index < len(self.protocol.phases):
            return self.protocol.phases[self.index]
        return None

    def attach(self, session: Any) -> None:
        """Use ``session`` (before it runs): the first phase starts at session time 0."""
        self.session = session
        self._start(0, 0.0)

    def rate_for(self, phase: Phase) -> float | None:
        """The guide's rate in a phase, breaths/min (None: no guide)."""
        if phase.pacer == "off":
            return None
        if phase.pacer == "resonance":
            if self.resonance_bpm is None:
                note = (
                    f"No resonance rate has been assessed yet, so '{phase.name}' uses "
                    f"{DEFAULT_RESONANCE_BPM:g} breaths/min."
                )
                if note not in self.notes:
                    self.notes.append(note)
                return DEFAULT_RESONANCE_BPM
            return accepted_rate(self.resonance_bpm)
        return float(phase.pacer)

    def _start(self, k: int, at_s: float) -> None:
        phases = self.protocol.phases
        if k >= len(phases):
            self.finished = True
            self.index = len(phases)
            self.session.set_pacer(None, at_s)
            return
        self.index, self.phase_start_s = k, at_s
        phase = phases[k]
        label = phase.name + (STRESSOR_MARK if phase.stressor else "")
        self.session.emit(Event(at_s, "phase", label, phase.duration_s))
        rate = self.rate_for(phase)
        pacer = None
        if rate is not None:
            pacer = PacerSchedule(
                PacerSettings(
                    rate_bpm=rate, inhale=self.base.inhale, exhale=self.base.exhale,
                    hold_in_s=self.base.hold_in_s, hold_out_s=self.base.hold_out_s,
                ),
                start_s=at_s,
            )  # fmt: skip
        self.session.set_pacer(pacer, at_s)
        if phase.state is not None:
            for src in self.session.sources:
                set_state = getattr(src, "set_state", None)
                if set_state is not None:
                    set_state(phase.state, at_s)
        if self.on_phase is not None:
            self.on_phase(k, phase)

    def next_phase(self, now_s: float) -> None:
        """End the current phase now (a clinician's click) and start the next."""
        if self.current is None:
            return
        if now_s < self.phase_start_s + self.current.duration_s - 0.5:
            self.session.emit(Event(
                now_s, "note", f"phase '{self.current.name}' ended early by the clinician",
            ))  # fmt: skip
        self._start(self.index + 1, now_s)

    def _check(self, time_s: float) -> None:
        phase = self.current
        while self.auto and phase is not None and time_s >= self.phase_start_s + phase.duration_s:
            self._start(self.index + 1, self.phase_start_s + phase.duration_s)
            phase = self.current

    def on_tick(self, time_s: float) -> None:
        """Sink: start the next phase when its time has come."""
        self._check(time_s)

    def on_beat(self, beat: Beat, metrics: Any) -> None:
        """Sink: as on_tick, at every beat (the session's time moves with them)."""
        self._check(beat.time_s)
