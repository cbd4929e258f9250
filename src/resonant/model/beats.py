"""The currency of the program: one heartbeat interval, and the gap that breaks a series.

Every source (Bluetooth strap, simulated strap, replay) produces :class:`Beat` and
:class:`Gap` objects; every consumer (HRV core, recorder, window, LSL) takes them.
Nothing else creates beats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Beat",
    "Gap",
    "Event",
    "EcgSamples",
    "AccSamples",
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
        times show that beats were lost, ``"clock"`` around beats of a new segment whose
        anchor fell before the previous beat (each stands alone; :class:`BeatTimer`), ``"paused"`` for a paused
        session.
    """

    time_s: float
    source: str = ""
    reason: str = "disconnected"


#: Kinds of session event (the ``kind`` column of ``events.tsv``).
EVENT_KINDS = ("marker", "phase", "connection", "pacer", "note", "gap")


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
        the pacer's settings), ``note`` or ``gap`` (a break in one source's beats, as
        written to a session folder; label: the :class:`Gap`'s reason).
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


@dataclass(frozen=True, slots=True)
class AccSamples:
    """Chest accelerometer samples from a strap that streams them (Polar H10).

    Attributes
    ----------
    times_s : tuple of float
        Time of each sample, s on the session clock, increasing.
    xyz_mg : tuple of (int, int, int)
        The samples, x, y and z in milli-g (gravity included).
    source : str
        Label of the strap.
    """

    times_s: tuple[float, ...]
    xyz_mg: tuple[tuple[int, int, int], ...]
    source: str = ""

    @property
    def time_s(self) -> float:
        """Time of the first sample, s (where the chunk sits in a source's time order)."""
        return self.times_s[0] if self.times_s else 0.0


class BeatTimer:
    """Give the RR values of Heart Rate Measurement notifications their session times.

    Notifications carry no timestamps (HRS 1.0 §3.4); the strap sends about once a
    second the intervals completed since the last one, so an arrival comes anywhere from
    a connection event (a few ms) to a notification interval (about 1 s) after the
    R-peak it reports. Arrival times are therefore a poor clock for single beats, and the
    RR values a good one. Within a segment a beat's time is the previous beat's time
    plus its own interval, ``t_k = t_(k-1) + rr_k``, and only the slow agreement with
    the arrivals is taken from the host clock:

    - **Anchor.** A segment's first notification puts its last beat :attr:`ANCHOR_S`
      before the arrival, earlier beats spaced back by their intervals (early, since
      the beat may be up to a notification interval old when it arrives).
    - **Lower envelope.** Each notification gives ``u = t_rx - tau``, its arrival minus
      the RR sum (``tau``) up to its last beat. The smallest ``u`` (the notifications
      that came soonest after their beat) places the RR clock on the session clock. A
      clock drift tilts it, by 0.1 ms per s at 100 ppm, so it is kept as a leaky
      minimum that rises, per s of RR, by the drift estimated as the slope of the lower
      convex hull of the per-:attr:`SKEW_BIN_S` minima over :attr:`SKEW_WINDOW_S`
      (Moon, Skelly & Towsley 1999), plus a margin (:attr:`SKEW_MARGIN` and
      :attr:`SKEW_SPREAD_S` over the hull's span), at most :attr:`LEAK` (also the rise
      before :attr:`SKEW_MIN_SPAN_S` of points), until an arrival shows it lower. This
      steers the clock in a segment's first minute.
    - **Notification timer.** A strap notifies on its own steady timer (about 1 s),
      with RR values or none. Every notification is counted, and the lower convex hull
      of (index, arrival) in bins of :attr:`NOTE_BIN` gives each one's send time on the
      host clock, free of the arrival jitter and of the heart's phase (steady when most
      bins' minima lie within :attr:`NOTE_STEADY` of the period of the line; dropped
      when a tick is missed or a segment ends). Each beat was completed after the
      previous notification was sent and before its own: ``send_(i-1) < t < send_i``,
      a bound on the offset ``c = t - tau`` from both sides. Per :attr:`SKEW_BIN_S` of
      RR time the tightest bounds are kept as (notification index, RR sum), so that
      they follow the send-time line as it is refitted. Over :attr:`SKEW_WINDOW_S` the
      lines ``c = c0 + drift * tau`` that lie inside every bin's bounds form a polygon
      in (drift, ``c0``); its centroid (every such line equally likely; drifts within
      :attr:`LEAK`, :attr:`BAND_SLOPES` of them tried) gives the target, never above
      the open bin's upper bound. It replaces the envelope once :attr:`BAND_MIN_BINS`
      bins are in.
    - **Slow correction.** Each beat adds at most :attr:`MAX_ADJUST_S` to its interval,
      steering ``t - tau`` toward the target (gain :attr:`GAIN` per beat): a strap
      clock off by 100 ppm needs 0.1 ms per 1-s beat, well inside the bound.
    - **Never after the arrival.** If a notification's last beat would fall after its
      arrival, its beats are pulled back, at most :attr:`MAX_CATCH_UP_S` per beat; a
      larger shortfall (the anchor was late, typically in a segment's first seconds)
      re-anchors the clock before the arrival (by :attr:`ANCHOR_S`, less the more
      notifications the segment has had, at least :attr:`LEAD_S`): a step back of
      those beats' times, not a break (no Gap: no beat is lost and the RR series goes
      on, so the live windows keep running). A segment's first beat may be up to a
      notification interval older than its arrival, and only later arrivals show it,
      so such steps come in a segment's first minute (a new segment at each would
      leave several short segments at the start of every recording).
    - **Lost beats.** Host time between two notifications that exceeds the RR they
      carry by more than :attr:`LOSS_TOLERANCE_S` means intervals were lost: a
      :class:`Gap` with reason ``"timing"`` and a fresh anchor (hrv-spec §1.4).

    So within a segment ``|(t_k - t_(k-1)) - rr_k| <= MAX_CATCH_UP_S`` (under 1 ms)
    but at those early steps, times strictly increase, and no beat is later than the
    notification that carried it. Measured on the simulated strap over 2 h with 0.1 s
    arrival jitter and +-100 ppm drift (8 seeds each): 0-2 steps, all in the first
    minute, and beats within 49 ms of the true R-peaks after it (27 ms after 5 min).

    Parameters
    ----------
    source : str
        Label written into every beat and gap.

    References
    ----------
    Bluetooth SIG, Heart Rate Service 1.0 (2011), §3.4 (no time information). Task
    Force of the ESC and NASPE (1996), Circulation 93:1043-1065 (the RR series is the
    measurement; times are its cumulative sum). The envelope is the lower-envelope
    (minimum-delay) clock estimate of network time synchronisation: D. L. Mills,
    "Internet time synchronization: the Network Time Protocol", IEEE Trans. Commun.
    39(10):1482-1493 (1991), §4 (minimum-delay filter). The drift is the clock-skew
    estimate of S. B. Moon, P. Skelly and D. Towsley, "Estimation and removal of clock
    skew from network delay measurements", IEEE INFOCOM 1999, pp. 227-234 (the line
    under all delay points that minimises their summed distance to it).
    """

    #: How far before the envelope of arrivals the beats are placed, s (about one BLE
    #: connection-event latency, so that later arrivals rarely come sooner); also the
    #: least lead of a re-anchored clock.
    LEAD_S = 0.02
    #: How far before its notification's arrival a segment's first beat is placed, s
    #: (early enough that later arrivals seldom come sooner: the arrival delays of a
    #: segment's first seconds are not known yet).
    ANCHOR_S = 0.15
    #: Largest steering change to one beat's interval, s.
    MAX_ADJUST_S = 9e-4
    #: Largest change to one beat's interval to keep it before its arrival, s.
    MAX_CATCH_UP_S = 9.5e-4
    #: Share of the remaining offset corrected per beat.
    GAIN = 0.05
    #: Rise of the envelope per s of RR before the drift is known (a 120 ppm drift).
    LEAK = 1.2e-4
    #: The drift is the slope of the lower convex hull of the per-bin minima of
    #: ``arrival - tau`` over this much RR time, s.
    SKEW_WINDOW_S = 3600.0
    #: Width of one bin of RR time (its minimum ``arrival - tau`` is a hull point), s.
    SKEW_BIN_S = 10.0
    #: The hull slope is used once its points span this much RR time, s.
    SKEW_MIN_SPAN_S = 60.0
    #: Rise of the envelope above the estimated drift, per s: a margin for the estimate
    #: (a constant part plus the spread of the minimum delays over the hull's span).
    SKEW_MARGIN = 1e-5
    #: Spread of the minimum delays, s (the margin adds this over the hull's span).
    SKEW_SPREAD_S = 0.005
    #: Arrivals ahead of the RR clock by more than this mean lost beats, s (hrv-spec §1.4).
    LOSS_TOLERANCE_S = 1.5
    #: Notifications closer than this share of the period belong to one tick.
    NOTE_SAME_TICK = 0.3
    #: The notification timer is steady when the per-bin minimum arrivals lie within
    #: this share of the period above their lower hull.
    NOTE_STEADY = 0.1
    #: Notifications per bin of the send-time fit, and the fit's window.
    NOTE_BIN = 5
    NOTE_WINDOW = 3600
    NOTE_MIN_BINS = 3
    #: Least delay from a notification's send to its arrival, s (a connection event).
    NOTE_LATENCY_S = 0.0075
    #: Band bins needed before the band steers the clock.
    BAND_MIN_BINS = 3
    #: Trial drifts of the band's lines (from -LEAK to LEAK).
    BAND_SLOPES = 241
    #: A beat is placed at least this long before its arrival, s (strict order room).
    _EPS_S = 1e-6

    def __init__(self, source: str = "") -> None:
        self.source = source
        self._prev_s: float | None = None  # last beat's time, kept across segments
        self._arrival_s: float | None = None
        self._tau_s: float | None = None  # RR sum since the anchor, s (None: no segment)
        self._offset_s = 0.0  # beat time minus tau
        self._floor_s = 0.0  # leaky minimum of arrival - tau, s
        self._seg_n, self._seg_umax = 0, 0.0  # the segment's notifications, largest u
        self._leak = self.LEAK  # rise of the floor per s of tau
        self._hull: list[tuple[float, float]] = []  # per-bin minima (tau, u), oldest first
        self._bin: tuple[float, float] | None = None  # the open bin's minimum (tau, u)
        self._bin_start_s = 0.0  # where the open bin began, s of tau
        # The strap's notification timer (every notification, with RR values or not).
        self._note_i = -1  # index of the last notification counted
        self._note_bin_start = 0.0
        self._note_first = 0.0
        self._note_at: float | None = None  # its arrival, s
        self._note_bins: list[tuple[float, float]] = []  # per-bin minima (index, arrival)
        self._note_bin: tuple[float, float] | None = None
        self._note_line: tuple[float, float] | None = None  # (send of index 0, period), s
        # The two-sided band of the beat clock offset from the notification send times.
        # Per bin of RR time: (tau, tightest upper bound, tightest lower bound), a bound
        # as (notification index, RR sum): offset < send(index) - RR sum (or >).
        self._band_pts: list[tuple[float, tuple[float, float], tuple[float, float]]] = []
        self._band_bin: tuple[float, tuple[float, float], tuple[float, float]] | None = None
        self._band_fit: tuple[float, float, float] | None = None  # (tau0, c0, slope)

    def reset(self) -> None:
        """End the segment (after a disconnect the next notification re-anchors)."""
        self._tau_s = None
        self._forget_notes()

    def _forget_notes(self) -> None:
        """Drop the notification-timer model (a new link or an unsteady timer)."""
        self._note_i, self._note_at = -1, None
        self._note_bins, self._note_bin, self._note_line = [], None, None
        self._band_pts, self._band_bin, self._band_fit = [], None, None

    def beats(
        self,
        rr_ms: Sequence[float],
        arrival_s: float,
        hr_bpm: float | None = None,
        contact: bool | None = None,
    ) -> list[Beat | Gap]:
        """Make the beats of one notification.

        Parameters
        ----------
        rr_ms : sequence of float
            RR values of the notification, oldest first, in ms, each positive.
        arrival_s : float
            Arrival time of the notification on the session clock, in s (an arrival
            before the previous one is taken as the previous one).
        hr_bpm : float or None
            Heart rate in the notification.
        contact : bool or None
            Contact state in the notification.

        Returns
        -------
        list of Beat or Gap
            One beat per RR value, strictly increasing in time, none after
            ``arrival_s``; a Gap before a beat that starts a new segment (lost beats:
            ``"timing"``; the clock re-anchored: ``"clock"``).
        """
        n = len(rr_ms)
        self._note(arrival_s)
        if n == 0:
            return []
        if self._arrival_s is not None and arrival_s < self._arrival_s:
            arrival_s = self._arrival_s
        steps = [float(x) / 1000.0 for x in rr_ms]
        total = sum(steps)
        out: list[Beat | Gap] = []
        gap: str | None = None  # reason of a Gap before the first beat
        adjust = 0.0
        fresh = self._tau_s is None  # a new RR series: a new envelope
        if not fresh:
            assert self._tau_s is not None
            u = arrival_s - (self._tau_s + total)
            floor = self._floor_s + self._leak * total
            assert self._arrival_s is not None
            if arrival_s - self._arrival_s > total + self.LOSS_TOLERANCE_S:
                out.append(Gap(self._between(arrival_s - total), self.source, "timing"))
                fresh = True
            else:
                self._floor_s = min(floor, u)
                self._seg_n += 1
                self._seg_umax = max(self._seg_umax, u)
                self._skew(self._tau_s + total, u)
                target = self._floor_s - self.LEAD_S
                band = self._band(self._tau_s, steps)
                if band is not None:
                    target = band
                adjust = min(max(self.GAIN * (target - self._offset_s), -self.MAX_ADJUST_S),
                             self.MAX_ADJUST_S)  # fmt: skip
                limit = u - self._EPS_S
                if self._offset_s + n * adjust > limit:
                    adjust = (limit - self._offset_s) / n
                    if adjust < -self.MAX_CATCH_UP_S:
                        gap, adjust = "clock", 0.0
                        # Later arrivals may come sooner still, by less the more
                        # of them have been seen.
                        lead = self.ANCHOR_S * 2.0 / (self._seg_n + 1)
                        self._offset_s = u - max(self.LEAD_S, lead)
        if fresh:
            self._tau_s = 0.0
            self._floor_s = arrival_s - total
            self._seg_n, self._seg_umax = 1, self._floor_s
            self._hull, self._bin = [], None  # a new RR series; the drift estimate stays
            self._band_pts, self._band_bin, self._band_fit = [], None, None
            self._skew(total, self._floor_s)
            self._offset_s = self._floor_s - self.ANCHOR_S
        tau0 = self._tau_s
        assert tau0 is not None
        times = []
        tau = tau0
        for k, step in enumerate(steps):
            tau += step
            times.append(tau + self._offset_s + (k + 1) * adjust)
        self._tau_s = tau
        self._offset_s += n * adjust
        prev = self._prev_s
        if gap == "clock":
            # A step of the beat clock, not a break: no beat is lost and the RR series
            # goes on (the live windows keep running); only these beats' times move, to
            # stay before their arrival and after the previous beat.
            gap = None
            if prev is not None and times[0] <= prev:
                hi = arrival_s - self._EPS_S
                shift = prev + self.MAX_CATCH_UP_S - times[0]
                times = [t + shift for t in times]
                if times[-1] > hi:  # no room for their spacing: spread them evenly
                    times = [prev + (arrival_s - prev) * (k + 1) / (n + 1) for k in range(n)]
                self._offset_s = times[-1] - tau
        new = fresh or gap is not None
        if new and prev is not None and times[0] <= prev:
            out.extend(self._squeeze(times, prev, arrival_s, gap or "clock", hr_bpm, contact,
                                     rr_ms))  # fmt: skip
        else:
            if gap is not None:
                out.append(Gap(self._between(times[0]), self.source, gap))
            out.extend(
                Beat(times[k], float(rr_ms[k]), hr_bpm, contact, self.source) for k in range(n)
            )
        last = out[-1]
        assert isinstance(last, Beat)
        self._prev_s = last.time_s
        self._arrival_s = arrival_s
        return out

    def _note(self, arrival_s: float) -> None:
        """Count one notification and refit the strap's send times (lower hull of arrivals)."""
        line = self._note_line
        if self._note_at is not None:
            gap = arrival_s - self._note_at
            period = line[1] if line is not None else 1.0
            if gap < self.NOTE_SAME_TICK * period:
                return  # a second notification of the same tick (more RR than fit in one)
            if line is not None:
                tick = round((arrival_s - line[0]) / period)
                resid = arrival_s - (line[0] + (self._note_i + 1) * period)
                if tick != self._note_i + 1 or not -self.NOTE_STEADY * period < resid < period:
                    self._forget_notes()  # a missed tick or an unsteady timer: start over
        self._note_i += 1
        self._note_at = arrival_s
        i = float(self._note_i)
        if self._note_i == 0:
            self._note_first = arrival_s
        # The minimum of the arrival less the index times a rough period (the line's, or
        # the mean interval so far) picks the least-delayed notification of a bin.
        rough = line[1] if line is not None else (
            (arrival_s - self._note_first) / i if i > 0 else 1.0)  # fmt: skip
        b = self._note_bin
        if b is not None and i < self._note_bin_start + self.NOTE_BIN:
            if arrival_s - rough * i < b[1] - rough * b[0]:
                self._note_bin = (i, arrival_s)
            return
        if self._note_bin is not None:
            self._note_bins.append(self._note_bin)
            while self._note_bins and self._note_bins[0][0] < i - self.NOTE_WINDOW:
                del self._note_bins[0]
            self._note_line = None
            pts = self._note_bins
            if len(pts) >= self.NOTE_MIN_BINS:
                lower = _lower_hull(pts)
                mean = sum(p[0] for p in pts) / len(pts)
                k = next((j for j in range(1, len(lower)) if lower[j][0] >= mean),
                         len(lower) - 1)  # fmt: skip
                (x1, y1), (x2, y2) = lower[k - 1], lower[k]
                period = (y2 - y1) / (x2 - x1)
                a0 = y1 - period * x1
                # Bins whose least delay was long lie above the hull and do not move it;
                # the timer is steady when most bins' minima lie close to the line.
                above = sorted(y - (a0 + period * x) for x, y in pts)
                if 0.2 < period < 5.0 and above[len(above) // 2] < self.NOTE_STEADY * period:
                    self._note_line = (a0, period)
            if self._note_line is None:
                # No steady timer (yet): the band's bounds would be stale.
                self._band_pts, self._band_bin, self._band_fit = [], None, None
        self._note_bin = (i, arrival_s)
        self._note_bin_start = i

    def _band(self, tau0_s: float, steps: list[float]) -> float | None:
        """The offset the notification send times imply for this notification's beats.

        Each beat was completed after the previous notification was sent and before its
        own was: ``send_(i-1) < t < send_i``. With ``t = tau + c`` the beats bound the
        offset ``c`` from both sides; per :attr:`SKEW_BIN_S` of RR time the tightest
        bounds give a midpoint, and a weighted straight line through the midpoints (the
        drift is its slope) gives the target offset.
        """
        line = self._note_line
        if line is None or not steps:
            return self._fit_at(tau0_s + sum(steps))
        a0, period = line
        i = float(self._note_i)
        tau_first = tau0_s + steps[0]
        tau_last = tau0_s + sum(steps)
        # A bound is kept as (notification index, RR time) so that every bin's bounds
        # follow the send-time line as it is refitted.
        hi = (i, tau_last)
        lo = (i - 1.0, tau_first)
        b = self._band_bin
        if b is not None and tau_last < b[0] + self.SKEW_BIN_S:
            if i * period - tau_last < b[1][0] * period - b[1][1]:
                b = (b[0], hi, b[2])
            if (i - 1.0) * period - tau_first > b[2][0] * period - b[2][1]:
                b = (b[0], b[1], lo)
            self._band_bin = b
        else:
            if b is not None:
                self._band_pts.append((b[0] + self.SKEW_BIN_S / 2, b[1], b[2]))
                while self._band_pts and self._band_pts[0][0] < tau_last - self.SKEW_WINDOW_S:
                    del self._band_pts[0]
                self._refit()
            self._band_bin = (tau_last, hi, lo)
        fit = self._fit_at(tau_last)
        # No beat after its own notification's send: the open bin's upper bound holds.
        b_hi = self._band_bin[1]
        send = a0 + b_hi[0] * period - self.NOTE_LATENCY_S
        return None if fit is None else min(fit, send - b_hi[1])

    def _refit(self) -> None:
        """The line of offsets inside every bin's bounds: the centroid of all such lines.

        For each trial drift the bins' tightest upper bounds (``hi``) and lower bounds
        (``lo``), moved along the line, leave a band of offsets of some width; the lines
        inside every bound form a polygon in (drift, offset) whose centroid is taken
        (the width-weighted mean drift and middle). When no line fits (a send-time
        estimate slightly off), the line that leaves the widest (least negative) band.
        """
        pts = self._band_pts
        if len(pts) < self.BAND_MIN_BINS:
            self._band_fit = None
            return
        line = self._note_line
        assert line is not None
        a0, period = line
        arr = np.array([(p[0], p[1][0], p[1][1], p[2][0], p[2][1]) for p in pts])
        x = arr[:, 0]
        base = a0 - self.NOTE_LATENCY_S
        hi = base + arr[:, 1] * period - arr[:, 2]
        lo = base + arr[:, 3] * period - arr[:, 4]
        x0 = float(x[-1])
        x = x - x0
        if float(-x[0]) < self.SKEW_MIN_SPAN_S:
            slopes = np.zeros(1)
        else:
            slopes = np.linspace(-self.LEAK, self.LEAK, self.BAND_SLOPES)
        up = (hi[None, :] - slopes[:, None] * x[None, :]).min(axis=1)
        down = (lo[None, :] - slopes[:, None] * x[None, :]).max(axis=1)
        width = up - down
        mid = (up + down) / 2.0
        if float(width.max()) <= 0.0:
            # No line fits every bin (a send-time estimate a little off): the least
            # violating one.
            k = int(np.argmax(width))
            self._band_fit = (x0, float(mid[k]), float(slopes[k]))
            return
        # Every line of offsets inside all bounds is as likely: the centroid of that
        # polygon in (slope, offset) (its width at each slope is ``width``).
        w = np.clip(width, 0.0, None)
        self._band_fit = (x0, float(np.sum(w * mid) / w.sum()), float(np.sum(w * slopes) / w.sum()))

    def _fit_at(self, tau_s: float) -> float | None:
        fit = self._band_fit
        if fit is None:
            return None
        return fit[1] + fit[2] * (tau_s - fit[0])

    def _skew(self, tau_s: float, u_s: float) -> None:
        """Add a point ``(tau, arrival - tau)`` and re-estimate the drift (the leak).

        Points are reduced to one minimum per :attr:`SKEW_BIN_S` of RR time; when a bin
        closes, the lower convex hull of the minima over :attr:`SKEW_WINDOW_S` is
        found, and its edge above the points' mean ``tau`` gives the slope (the linear
        programme of Moon, Skelly & Towsley 1999: the line under every point closest
        to them on the whole). The floor then rises by that slope plus a margin.
        """
        if self._bin is not None and tau_s < self._bin_start_s + self.SKEW_BIN_S:
            if u_s < self._bin[1]:
                self._bin = (tau_s, u_s)
            return
        if self._bin is not None:
            self._hull.append(self._bin)
            while self._hull and self._hull[0][0] < tau_s - self.SKEW_WINDOW_S:
                del self._hull[0]
            self._estimate()
        self._bin = (tau_s, u_s)
        self._bin_start_s = tau_s

    def _estimate(self) -> None:
        """Set :attr:`_leak` from the lower hull of :attr:`_hull` (Moon et al. 1999)."""
        pts = self._hull
        if len(pts) < 2 or pts[-1][0] - pts[0][0] < self.SKEW_MIN_SPAN_S:
            return
        lower: list[tuple[float, float]] = []
        for p in pts:  # monotone chain (the points are in increasing tau)
            while len(lower) >= 2:
                (x1, y1), (x2, y2) = lower[-2], lower[-1]
                if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) > 0:
                    break
                lower.pop()
            lower.append(p)
        mean = sum(p[0] for p in pts) / len(pts)
        k = next((i for i in range(1, len(lower)) if lower[i][0] >= mean), len(lower) - 1)
        (x1, y1), (x2, y2) = lower[k - 1], lower[k]
        slope = min(max((y2 - y1) / (x2 - x1), -self.LEAK), self.LEAK)
        span = pts[-1][0] - pts[0][0]
        self._leak = min(slope + self.SKEW_MARGIN + self.SKEW_SPREAD_S / span, self.LEAK)

    def _between(self, t_s: float) -> float:
        """A gap's time: ``t_s``, or halfway from the previous beat if that is not later."""
        prev = self._prev_s
        if prev is None or t_s > prev:
            return t_s if prev is None else max(t_s - 1e-3, (prev + t_s) / 2.0)
        return prev

    def _squeeze(
        self,
        times: list[float],
        prev: float,
        arrival_s: float,
        reason: str,
        hr_bpm: float | None,
        contact: bool | None,
        rr_ms: Sequence[float],
    ) -> list[Beat | Gap]:
        """Place a new segment's beats when its anchor falls before the previous beat.

        The beats that still fit after ``prev`` keep their spacing and start the
        segment; the earlier ones each stand alone (one-beat segments) between ``prev``
        and the segment's first beat, so that times stay strictly increasing.
        """
        n = len(times)
        room = prev + (arrival_s - prev) / 2.0
        if times[-1] < room:
            # The last beat barely fits, or not at all: move it halfway to the arrival.
            shift = room - times[-1]
            times = [t + shift for t in times]
            self._offset_s += shift
        j = next(k for k in range(n) if times[k] > prev)
        for k in range(j):
            times[k] = prev + (times[j] - prev) * (k + 1) / (j + 1)
        out: list[Beat | Gap] = []
        last = prev
        for k in range(n):
            if k <= j:
                out.append(Gap((last + times[k]) / 2.0, self.source, reason))
            out.append(Beat(times[k], float(rr_ms[k]), hr_bpm, contact, self.source))
            last = times[k]
        return out


def _lower_hull(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Lower convex hull of points in increasing x (monotone chain)."""
    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2:
            (x1, y1), (x2, y2) = lower[-2], lower[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) > 0:
                break
            lower.pop()
        lower.append(p)
    return lower
