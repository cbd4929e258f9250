"""From Heart Rate Measurement notifications to beats: the path every strap's bytes take.

The Bluetooth client and the simulated strap both hand raw 0x2A37 notifications, with
their arrival time on the session clock, to a :class:`BeatDecoder`. It decodes them
(:func:`resonant.devices.hrm.decode_hrm`), times the RR values (:class:`BeatTimer`:
each beat the previous one plus its interval, slowly steered onto the arrivals, which
also show lost beats), and reports contact changes. A malformed
notification is counted and described, never raised, and never yields a wrong beat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from resonant.model.beats import Beat, BeatTimer, Event, Gap
from resonant.devices.hrm import decode_hrm

__all__ = ["BeatDecoder", "Decoded", "LOSS_TOLERANCE_S"]

#: Arrival times that run ahead of the RR values they carry by more than this mean that
#: beats were lost on the way, s (hrv-spec §1.4; applied by :class:`BeatTimer`).
LOSS_TOLERANCE_S = BeatTimer.LOSS_TOLERANCE_S


@dataclass(frozen=True, slots=True)
class Decoded:
    """What one notification gave.

    Attributes
    ----------
    items : list of Beat, Gap or Event
        In order: contact events, then the beats, each Gap (beats lost before this
        notification: ``"timing"``; the beat clock re-anchored, nothing lost:
        ``"clock"``) just before the beat that starts the new segment.
    hr_bpm : int or None
        Heart rate the strap reported.
    contact : bool or None
        Contact state (None when the strap does not report it).
    problem : str or None
        Why the notification was malformed, or None.
    """

    items: list[Beat | Gap | Event] = field(default_factory=list)
    hr_bpm: int | None = None
    contact: bool | None = None
    problem: str | None = None


class BeatDecoder:
    """Decode one source's Heart Rate Measurement notifications into beats.

    Parameters
    ----------
    source : str
        Label written into every beat, gap and event.

    Attributes
    ----------
    packets : int
        Notifications decoded.
    malformed : int
        Notifications that were malformed (their good RR values were still used).
    last_problem : str or None
        The most recent malformation, as a sentence.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.1 (layout) and §3.4 (no time
    information: beats are timed by their own intervals, kept on the session clock by
    the arrivals; :class:`BeatTimer`).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._timer = BeatTimer(source)
        self._contact: bool | None = None
        self.packets = 0
        self.malformed = 0
        self.last_problem: str | None = None

    def reset(self) -> None:
        """Forget the timing after a disconnect (the next beats start a new segment)."""
        self._timer.reset()

    def decode(self, data: bytes | bytearray | memoryview, arrival_s: float) -> Decoded:
        """Decode one notification that arrived at ``arrival_s`` (session clock, s)."""
        m = decode_hrm(data)
        self.packets += 1
        items: list[Beat | Gap | Event] = []
        if m.problem is not None:
            self.malformed += 1
            self.last_problem = m.problem
        if (
            m.hr_bpm is not None
            and m.contact != self._contact
            and (m.contact is not None or self._contact is not None)
        ):
            if m.contact is False:
                items.append(Event(arrival_s, "connection", "contact_lost", source=self.source))
            elif m.contact is True and self._contact is False:
                items.append(Event(arrival_s, "connection", "contact_restored", source=self.source))
            self._contact = m.contact
        rr_ms = m.rr_ms
        if m.hr_bpm is not None:
            # Every notification, with RR values or none, times the strap's notification
            # timer (BeatTimer bounds each beat between two notifications' send times).
            hr = float(m.hr_bpm) if m.hr_bpm else None
            items.extend(self._timer.beats(rr_ms, arrival_s, hr, m.contact))
        return Decoded(items, m.hr_bpm, m.contact, m.problem)
