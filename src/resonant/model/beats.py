"""The currency of the program: one heartbeat interval, and the gap that breaks a series.

Every source (Bluetooth strap, simulated strap, replay) produces :class:`Beat` and
:class:`Gap` objects; every consumer (HRV core, recorder, window, LSL) takes them.
Nothing else creates beats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Beat",
    "Gap",
    "Event",
    "EcgSamples",
    "EVENT_KINDS",
    "BeatTimer",
    "RR_UNITS_PER_S",
    "rr_ms_from_raw",
]

#: Heart Rate Measurement RR resolution: 1/1024 s per unit (Bluetooth HRS 1.0, §3.1.1.4).
RR_UNITS_PER_S = 1024


def rr_ms_from_raw(raw: int) -> float:
    """Convert a raw RR value in 1/1024 s units to milliseconds, without rounding.

    Parameters
    ----------
    raw : int
        RR interval as sent by the strap, in units of 1/1024 s (0-65535).

    Returns
    -------
    float
        The interval in ms (``raw * 1000 / 1024``), exact in binary floating point.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), Heart Rate Measurement characteristic.
    """
    return raw * 1000.0 / RR_UNITS_PER_S


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat interval as it enters the program.

    Attributes
    ----------
    time_s : float
        Time of the R-peak that ends the interval, in seconds on the session clock
        (0 = session start). Strictly increasing within one source.
    rr_ms : float
        The RR interval in milliseconds, a float kept at full resolution (from the strap's
        1/1024 s units without rounding).
    hr_bpm : float or None
        Heart rate the strap reported in the notification that carried this beat, in
        beats per minute, or None when the source has none.
    contact : bool or None
        Skin contact: True (detected), False (not detected) or None (the strap does not
        report contact; Heart Rate Service flags bit 2 clear).
    source : str
        Label of the source that produced the beat (a strap's name, ``"sim"``, a file).
    """

    time_s: float
    rr_ms: float
    hr_bpm: float | None = None
    contact: bool | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Gap:
    """A break in one source's beat series: the link dropped, beats may be missing.

    The next beat of ``source`` after a gap starts a new segment: no difference, no
    interpolation and no spectrum is ever computed across a gap.

    Attributes
    ----------
    time_s : float
        When the break was noticed, in seconds on the session clock.
    source : str
        Label of the source whose series is broken.
    reason : str
        Short label: ``"disconnected"`` for a dropped link, ``"timing"`` when the arrival
        times show that beats were lost, ``"paused"`` for a paused session.
    """

    time_s: float
    source: str = ""
    reason: str = "disconnected"


#: Kinds of session event (the ``kind`` column of ``events.tsv``).
EVENT_KINDS = ("marker", "phase", "connection", "pacer", "note")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened during a session, with its time on the session clock.

    Attributes
    ----------
    onset_s : float
        When it happened (or began), s on the session clock.
    kind : str
        One of :data:`EVENT_KINDS`: ``marker`` (a person pressed the marker key),
        ``phase`` (a protocol phase began), ``connection`` (labels ``disconnected``,
        ``reconnected``, ``contact_lost``, ``contact_restored``), ``pacer`` (a change of
        the pacer's settings) or ``note``.
    label : str
        What happened, in a few words.
    duration_s : float
        How long it lasted, s (0 for an instant).
    source : str
        The source it concerns, or empty for the whole session.
    """

    onset_s: float
    kind: str
    label: str = ""
    duration_s: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind {self.kind!r} is not one of {', '.join(EVENT_KINDS)}")


@dataclass(frozen=True, slots=True)
class EcgSamples:
    """Raw ECG samples from a strap that streams them (Polar H10), on the session clock.

    Attributes
    ----------
    times_s : tuple of float
        Time of each sample, s on the session clock, increasing.
    ecg_uv : tuple of int
        The samples, microvolts.
    source : str
        Label of the strap.
    """

    times_s: tuple[float, ...]
    ecg_uv: tuple[int, ...]
    source: str = ""

    @property
    def time_s(self) -> float:
        """Time of the first sample, s (where the chunk sits in a source's time order)."""
        return self.times_s[0] if self.times_s else 0.0


class BeatTimer:
    """Give the RR values of one notification their times on the session clock.

    Heart Rate Measurement notifications carry no timestamps. The last RR value of a
    notification ends at (about) the arrival time; earlier ones are spaced back from it
    by their own intervals: ``t_last = t_rx`` and ``t_(k-1) = t_k - rr_k``. If arrival
    jitter would put a beat at or before the previous one, the notification's beats are
    moved forward just enough to keep the series strictly increasing.

    Parameters
    ----------
    source : str
        Label written into every beat.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.4 (no time information); the
    back-dating rule follows bleakheart ``HeartRate._handler`` (F. Smeraldi).
    """

    #: Smallest step kept between two beats when arrival jitter forces a shift, in s.
    MIN_STEP_S = 1e-3

    def __init__(self, source: str = "") -> None:
        self.source = source
        self._last_s: float | None = None

    def reset(self) -> None:
        """Forget the previous beat (after a gap, times are re-anchored)."""
        self._last_s = None

    def beats(
        self,
        rr_ms: Sequence[float],
        arrival_s: float,
        hr_bpm: float | None = None,
        contact: bool | None = None,
    ) -> list[Beat]:
        """Make the beats of one notification.

        Parameters
        ----------
        rr_ms : sequence of float
            RR values of the notification, oldest first, in ms.
        arrival_s : float
            Arrival time of the notification on the session clock, in s.
        hr_bpm : float or None
            Heart rate in the notification.
        contact : bool or None
            Contact state in the notification.

        Returns
        -------
        list of Beat
            One beat per RR value, strictly increasing in time.
        """
        n = len(rr_ms)
        if n == 0:
            return []
        times = [0.0] * n
        t = arrival_s
        for k in range(n - 1, -1, -1):
            times[k] = t
            t -= rr_ms[k] / 1000.0
        if self._last_s is not None and times[0] <= self._last_s:
            shift = self._last_s + self.MIN_STEP_S - times[0]
            times = [x + shift for x in times]
        self._last_s = times[-1]
        return [Beat(times[k], float(rr_ms[k]), hr_bpm, contact, self.source) for k in range(n)]
