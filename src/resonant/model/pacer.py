"""The breathing pacer as a pure schedule: phase, fraction and target lung volume at a time.

A :class:`PacerSchedule` turns :class:`PacerSettings` (rate, inhale:exhale ratio, holds)
into a sequence of :class:`PacerPhase` objects on the session clock, generated lazily
forward as queries need them. The recorder logs each phase onset (hrv-spec §9,
``pacer.tsv``), the simulated person breathes along with :meth:`PacerSchedule.volume`,
and the window draws :meth:`PacerSchedule.at` at the display rate. Nothing here reads a
clock, sleeps or does I/O: the caller passes the time.

Settings changes are phase-continuous (hrv-spec §8 point 5): the phase in progress always
finishes as scheduled and the new settings start at the next turning point, so neither
the phase nor the target volume ever jumps.
"""

from __future__ import annotations

import math
import numbers
import re
from bisect import bisect_left, bisect_right
from collections import deque
from dataclasses import dataclass, replace
from itertools import islice
from typing import TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray

from resonant.errors import BadInputError

__all__ = [
    "PHASES",
    "RATE_MIN_BPM",
    "RATE_MAX_BPM",
    "RATE_STEP_BPM",
    "HOLD_MAX_S",
    "RATIO_PRESETS",
    "PacerError",
    "PacerSettings",
    "PacerPhase",
    "PacerState",
    "PacerSchedule",
]

#: Phase names, in the order they follow each other within one breath.
PHASES = ("inhale", "hold_in", "exhale", "hold_out")
#: Slowest settable rate, breaths per minute.
RATE_MIN_BPM = 3.0
#: Fastest settable rate, breaths per minute.
RATE_MAX_BPM = 10.0
#: Grid of settable rates, breaths per minute.
RATE_STEP_BPM = 0.1
#: Longest hold at the top or at the bottom of a breath, s.
HOLD_MAX_S = 2.0
#: Named inhale:exhale ratios (hrv-spec §9); the default is 4:6.
RATIO_PRESETS = {"4:6": (4.0, 6.0), "1:1": (1.0, 1.0), "1:2": (1.0, 2.0)}

#: Shortest inhale or exhale that the settings may produce, s.
_MIN_BREATH_PHASE_S = 1.0
#: Tolerance of the rate grid and of the range limits.
_TOL = 1e-9
_INHALE, _HOLD_IN, _EXHALE, _HOLD_OUT = range(4)
_CODE = {name: code for code, name in enumerate(PHASES)}
_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_RATIO_RE = re.compile(rf"^\s*{_NUMBER}\s*:\s*{_NUMBER}\s*$")


class PacerError(BadInputError, ValueError):
    """Invalid pacer settings, or a query the schedule cannot answer."""


def _number(name: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise :class:`PacerError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PacerError(f"{name} must be a number, got {value!r}.")
    x = float(value)
    if not math.isfinite(x):
        raise PacerError(f"{name} must be a finite number, got {x!r}.")
    return x


class _PacerChanges(TypedDict, total=False):
    """The fields :meth:`PacerSettings.with_changes` may replace, with their types."""

    rate_bpm: float
    inhale: float
    exhale: float
    hold_in_s: float
    hold_out_s: float
    on_grid: bool


@dataclass(frozen=True, slots=True)
class PacerSettings:
    """Rate, inhale:exhale ratio and holds of the pacer (hrv-spec §9).

    The holds are taken from inside the cycle, so the breathing rate is always exactly
    ``rate_bpm``: ``inhale_s + hold_in_s + exhale_s + hold_out_s == 60 / rate_bpm``.

    Attributes
    ----------
    rate_bpm : float
        Breaths per minute, 3.0-10.0 on the 0.1 grid (within 1e-9); stored rounded to one
        decimal.
    inhale, exhale : float
        Parts of the inhale:exhale ratio, both > 0 (4 and 6 for "4:6").
    hold_in_s : float
        Hold at the top, after inhaling, 0-2 s.
    hold_out_s : float
        Hold at the bottom, after exhaling, 0-2 s.
    on_grid : bool
        True (the default) keeps the rate on the 0.1 grid a person chooses from; False
        allows any rate in range, as an exact cycle length does (the sliding resonance
        protocol lengthens every breath by a fixed time, hrv-spec §7.4 and §9).

    Raises
    ------
    PacerError
        When a value is out of range, or the inhale or the exhale would last less than
        1.0 s.

    References
    ----------
    Van Diest I, Verstappen K, Aubert AE, et al. (2014). Inhalation/exhalation ratio
    modulates the effect of slow breathing on heart rate variability and relaxation.
    Appl Psychophysiol Biofeedback 39:171-180 (longer exhalations, hrv-spec §9).
    """

    rate_bpm: float = 6.0
    inhale: float = 4.0
    exhale: float = 6.0
    hold_in_s: float = 0.0
    hold_out_s: float = 0.0
    on_grid: bool = True

    def __post_init__(self) -> None:
        rate = _number("Breathing rate", self.rate_bpm)
        if not RATE_MIN_BPM - _TOL <= rate <= RATE_MAX_BPM + _TOL:
            raise PacerError(
                f"Breathing rate {rate:g} breaths/min is outside the allowed range "
                f"{RATE_MIN_BPM:.1f}-{RATE_MAX_BPM:.1f} breaths/min."
            )
        if self.on_grid:
            steps = round(rate / RATE_STEP_BPM)
            if abs(rate - steps * RATE_STEP_BPM) > _TOL:
                raise PacerError(
                    f"Breathing rate {rate:g} breaths/min is not on the {RATE_STEP_BPM:g} grid "
                    f"of allowed rates {RATE_MIN_BPM:.1f}-{RATE_MAX_BPM:.1f} breaths/min."
                )
            rate = round(steps * RATE_STEP_BPM, 1)
        object.__setattr__(self, "rate_bpm", rate)
        for field, label in (("inhale", "Inhale"), ("exhale", "Exhale")):
            part = _number(f"{label} ratio part", getattr(self, field))
            if not part > 0:
                raise PacerError(
                    f"{label} ratio part {part:g} is not allowed: it must be greater than 0."
                )
            object.__setattr__(self, field, part)
        for field, label in (
            ("hold_in_s", "Hold after inhaling"),
            ("hold_out_s", "Hold after exhaling"),
        ):
            hold = _number(label, getattr(self, field))
            if not 0.0 <= hold <= HOLD_MAX_S + _TOL:
                raise PacerError(
                    f"{label} {hold:g} s is outside the allowed range 0-{HOLD_MAX_S:g} s."
                )
            object.__setattr__(self, field, min(hold, HOLD_MAX_S))
        for label, length in (("Inhale", self.inhale_s), ("Exhale", self.exhale_s)):
            if length < _MIN_BREATH_PHASE_S - _TOL:
                raise PacerError(
                    f"{label} of {length:.3g} s (at {self.rate_bpm:.1f} breaths/min, ratio "
                    f"{self.ratio}, holds {self.hold_in_s:g} s and {self.hold_out_s:g} s) is "
                    f"shorter than the allowed minimum of {_MIN_BREATH_PHASE_S:g} s."
                )

    @property
    def cycle_s(self) -> float:
        """Length of one breath, s (``60 / rate_bpm``)."""
        return 60.0 / self.rate_bpm

    @property
    def inhale_s(self) -> float:
        """Length of the inhale, s: the cycle minus both holds, split by the ratio."""
        active = self.cycle_s - self.hold_in_s - self.hold_out_s
        return active * self.inhale / (self.inhale + self.exhale)

    @property
    def exhale_s(self) -> float:
        """Length of the exhale, s: what the inhale and the holds leave of the cycle."""
        return self.cycle_s - self.hold_in_s - self.hold_out_s - self.inhale_s

    @property
    def ratio(self) -> str:
        """The inhale:exhale ratio as text, such as ``"4:6"`` or ``"4.5:5.5"``."""
        return f"{self.inhale:g}:{self.exhale:g}"

    @staticmethod
    def parse_ratio(text: str) -> tuple[float, float]:
        """Read an inhale:exhale ratio.

        Parameters
        ----------
        text : str
            A preset name from :data:`RATIO_PRESETS` or two positive numbers separated by
            a colon: ``"4:6"``, ``"1:2"``, ``"4.5:5.5"``.

        Returns
        -------
        tuple of float
            The inhale and exhale parts.

        Raises
        ------
        PacerError
            When the text is not a ratio of two positive numbers.
        """
        if not isinstance(text, str):
            raise PacerError(f"Ratio {text!r} is not text such as '4:6'.")
        key = text.strip()
        if key in RATIO_PRESETS:
            return RATIO_PRESETS[key]
        match = _RATIO_RE.match(key)
        if match is None:
            raise PacerError(
                f"Ratio {text!r} is not two positive numbers separated by a colon, "
                "such as '4:6' or '4.5:5.5'."
            )
        inhale, exhale = float(match.group(1)), float(match.group(2))
        if not (inhale > 0 and exhale > 0):
            raise PacerError(f"Ratio {text!r} has a part that is not greater than 0.")
        return inhale, exhale

    def with_changes(self, **kw: Unpack[_PacerChanges]) -> PacerSettings:
        """Return a copy with some fields replaced, validated like a new instance.

        Parameters
        ----------
        **kw : float or bool
            Field names and their new values.

        Returns
        -------
        PacerSettings
            The changed settings.

        Raises
        ------
        PacerError
            When the result is not valid.
        """
        return replace(self, **kw)


@dataclass(frozen=True, slots=True)
class PacerPhase:
    """One scheduled phase of the pacer.

    Attributes
    ----------
    start_s : float
        Onset on the session clock, s.
    duration_s : float
        Length, s (> 0).
    phase : str
        One of :data:`PHASES`.
    rate_bpm : float
        Rate of the settings the phase belongs to, breaths/min.
    ratio : str
        Inhale:exhale ratio of those settings, such as ``"4:6"``.
    breath : int
        0-based breath index; it increments at every inhale and continues across changes.
    """

    start_s: float
    duration_s: float
    phase: str
    rate_bpm: float
    ratio: str
    breath: int

    @property
    def end_s(self) -> float:
        """End of the phase, s: the onset of the next one."""
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True)
class PacerState:
    """What the pacer shows at one time.

    Attributes
    ----------
    time_s : float
        The queried time on the session clock, s.
    phase : str
        One of :data:`PHASES`.
    fraction : float
        How far through the current phase, 0-1.
    volume : float
        Target lung volume, 0 (empty, bottom of the breath) to 1 (full, top).
    rate_bpm : float
        Rate of the current phase's settings, breaths/min.
    ratio : str
        Inhale:exhale ratio of the current phase's settings.
    breath : int
        0-based breath index.
    """

    time_s: float
    phase: str
    fraction: float
    volume: float
    rate_bpm: float
    ratio: str
    breath: int


def _volume(codes: NDArray[np.intp], fraction: NDArray[np.float64]) -> NDArray[np.float64]:
    """Target volume from phase codes and fractions: a half-cosine ease per phase."""
    c = np.cos(np.pi * fraction)
    vol = np.where(codes == _INHALE, 0.5 * (1.0 - c), 0.5 * (1.0 + c))
    vol = np.where(codes == _HOLD_IN, 1.0, vol)
    return np.where(codes == _HOLD_OUT, 0.0, vol)


def _fraction(
    time_s: NDArray[np.float64], start_s: NDArray[np.float64], duration_s: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Fraction of the way through a phase, clipped to 0-1."""
    return np.clip((time_s - start_s) / duration_s, 0.0, 1.0)


def _start(phase: PacerPhase) -> float:
    return phase.start_s


class _Segment:
    """Generator of the phases that follow one settings change (mutable, private).

    Phase ``n`` of the segment is position ``j0 + n`` of the periodic cycle table. Its
    ideal end is computed from the segment's anchor as ``anchor + m * cycle + offset``,
    never by summing durations, so nothing drifts over a long session; each onset is the
    previous phase's ``end_s`` exactly, so the phases are exactly contiguous.
    """

    __slots__ = ("anchor", "settings", "codes", "offsets", "j0", "n", "ratio")

    def __init__(self, settings: PacerSettings, anchor: float, after: int | None) -> None:
        s = settings
        codes = [_INHALE]
        offsets = [0.0]
        if s.hold_in_s > 0:
            codes.append(_HOLD_IN)
            offsets.append(s.inhale_s)
        codes.append(_EXHALE)
        offsets.append(s.inhale_s + s.hold_in_s)
        if s.hold_out_s > 0:
            codes.append(_HOLD_OUT)
            offsets.append(s.cycle_s - s.hold_out_s)
        offsets.append(s.cycle_s)  # end of the cycle
        self.settings = s
        self.ratio = s.ratio
        self.anchor = anchor
        self.codes = codes
        self.offsets = offsets
        self.j0 = codes.index(self._next_code(after, s))
        self.n = 0

    @staticmethod
    def _next_code(after: int | None, s: PacerSettings) -> int:
        """Return the phase that follows ``after`` under settings ``s``."""
        if after == _INHALE:
            return _HOLD_IN if s.hold_in_s > 0 else _EXHALE
        if after == _HOLD_IN:
            return _EXHALE
        if after == _EXHALE:
            return _HOLD_OUT if s.hold_out_s > 0 else _INHALE
        return _INHALE  # after a bottom hold, or at the start of the schedule

    def step(self) -> tuple[int, float]:
        """Advance one phase; return its code and its ideal end time."""
        m, j = divmod(self.j0 + self.n, len(self.codes))
        self.n += 1
        end = self.anchor + (
            (m * self.settings.cycle_s + self.offsets[j + 1]) - self.offsets[self.j0]
        )
        return self.codes[j], end


_DEFAULT_SETTINGS = PacerSettings()


class PacerSchedule:
    """Breathing schedule on the session clock, generated lazily forward.

    Every breath is inhale, hold_in (when ``hold_in_s > 0``), exhale, hold_out (when
    ``hold_out_s > 0``). The target volume eases along a half cosine: it rises from 0 to
    1 during the inhale as ``(1 - cos(pi f)) / 2``, stays at 1 during hold_in, falls as
    ``(1 + cos(pi f)) / 2`` during the exhale and stays at 0 during hold_out, ``f`` being
    the fraction through the phase. It is therefore continuous everywhere, also across
    settings changes, which only ever take effect at a phase boundary.

    Only the last ``history`` generated phases are kept, so memory stays flat over long
    sessions; times before the oldest kept phase can no longer be answered.

    Parameters
    ----------
    settings : PacerSettings
        Settings from the start.
    start_s : float
        Session time of the first inhale onset, s.
    history : int
        Number of generated phases kept (>= 1).

    Raises
    ------
    PacerError
        When an argument is invalid.

    References
    ----------
    hrv-spec §9 (pacer conventions, half-cosine ease, phase names) and §8 point 5
    (phase-continuous changes at a turning point; OpenHRV instead derives the phase from
    absolute time, so its pacer jumps when the rate changes).
    """

    def __init__(
        self,
        settings: PacerSettings = _DEFAULT_SETTINGS,
        start_s: float = 0.0,
        history: int = 512,
    ) -> None:
        if not isinstance(settings, PacerSettings):
            raise PacerError(f"Pacer settings must be PacerSettings, got {settings!r}.")
        if isinstance(history, bool) or not isinstance(history, numbers.Integral) or history < 1:
            raise PacerError(
                f"Pacer history {history!r} is not allowed: it must be an integer >= 1."
            )
        self._start_s: float = _number("Pacer start time", start_s)
        self._history: int = int(history)
        self._phases: deque[PacerPhase] = deque(maxlen=self._history)
        self._before: PacerPhase | None = None  # the newest phase dropped from the deque
        self._first: PacerPhase | None = None  # the phase that starts at start_s
        self._settings: PacerSettings = settings
        self._segment: _Segment = _Segment(settings, self._start_s, None)
        self._next_start: float = self._start_s  # onset of the next phase to generate
        self._breath: int = -1  # breath index of the newest generated phase
        self._version: int = 0  # bumped whenever the deque changes (cache key)
        self._cache: tuple[int, NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]
        self._cache = (-1, np.empty(0), np.empty(0), np.empty(0, dtype=np.intp))
        self._append_next()

    # ------------------------------------------------------------------ public API

    @property
    def settings(self) -> PacerSettings:
        """The settings the next generated phases will use (after any pending change)."""
        return self._settings

    def at(self, time_s: float) -> PacerState:
        """Return the pacer's phase, fraction and target volume at one time.

        Parameters
        ----------
        time_s : float
            Session time, s. Before the schedule's start the state at the start is given
            (inhale, fraction 0, volume 0).

        Returns
        -------
        PacerState
            The state at ``time_s``.

        Raises
        ------
        PacerError
            When ``time_s`` is not finite, or lies before the oldest phase kept.
        """
        t = _number("Time", time_s)
        if t < self._start_s:
            first = self._first
            assert first is not None
            return PacerState(t, "inhale", 0.0, 0.0, first.rate_bpm, first.ratio, 0)
        self._extend_past(t)
        i = bisect_right(self._phases, t, key=_start) - 1
        if i < 0:
            raise self._too_old(t)
        p = self._phases[i]
        f = _fraction(np.array([t]), np.array([p.start_s]), np.array([p.duration_s]))
        v = _volume(np.array([_CODE[p.phase]]), f)
        return PacerState(t, p.phase, float(f[0]), float(v[0]), p.rate_bpm, p.ratio, p.breath)

    def volume(self, times_s: ArrayLike) -> NDArray[np.float64]:
        """Target lung volume at many times, the same values as ``at(t).volume``.

        The times need not be sorted and may span more phases than ``history``: they are
        answered in time order while the schedule is generated forward.

        Parameters
        ----------
        times_s : array_like of float
            Session times, s.

        Returns
        -------
        ndarray of float
            Volumes 0-1, with the shape of ``times_s``; 0 before the start.

        Raises
        ------
        PacerError
            When a time is not finite, or lies before the oldest phase kept.
        """
        t = np.asarray(times_s, dtype=np.float64)
        if not np.all(np.isfinite(t)):
            raise PacerError("Times must be finite numbers; got NaN or infinity.")
        flat = t.ravel()
        order = np.argsort(flat, kind="stable")
        ts = flat[order]
        res = np.zeros(ts.size)
        k = int(np.searchsorted(ts, self._start_s, side="left"))  # earlier: volume 0
        if k < ts.size and ts[k] < self._phases[0].start_s:
            raise self._too_old(float(ts[k]))
        while k < ts.size:
            starts, durations, codes = self._arrays()
            hi = int(np.searchsorted(ts, self._next_start, side="left"))
            if hi > k:
                chunk = ts[k:hi]
                idx = np.searchsorted(starts, chunk, side="right") - 1
                frac = _fraction(chunk, starts[idx], durations[idx])
                res[k:hi] = _volume(codes[idx], frac)
                k = hi
            if k < ts.size:
                # Every time left is at or after the next onset, so at most ``history`` new
                # phases can be made without dropping the one that holds ts[k].
                self._extend_past(float(ts[k]), limit=self._history)
        out = np.empty(flat.size)
        out[order] = res
        return out.reshape(t.shape)

    def phases(self, start_s: float, end_s: float) -> list[PacerPhase]:
        """Return the phases whose onset lies in ``[start_s, end_s)``, in order.

        Consecutive calls over adjacent intervals return every phase exactly once (as
        long as no change rewrites phases in between), which is how the recorder logs
        the onsets.

        Parameters
        ----------
        start_s, end_s : float
            Interval of onsets, s; nothing lies before the schedule's start.

        Returns
        -------
        list of PacerPhase
            The phases, oldest first.

        Raises
        ------
        PacerError
            When a bound is not finite, or the interval reaches back before the oldest
            phase kept.
        """
        lo = max(_number("Start time", start_s), self._start_s)
        hi = _number("End time", end_s)
        if hi <= lo:
            return []
        if self._before is not None and self._before.start_s >= lo:
            raise self._too_old(lo)
        i = bisect_left(self._phases, lo, key=_start)
        out = [p for p in islice(self._phases, i, None) if p.start_s < hi]
        while self._next_start < hi:
            p = self._append_next()
            if p.start_s >= lo:
                out.append(p)
        return out

    def change(self, settings: PacerSettings, at_s: float) -> float:
        """Change the settings at the first phase boundary at or after ``at_s``.

        The phase in progress at ``at_s`` finishes as scheduled; phases generated earlier
        that start at or after the boundary are dropped and generated again with the new
        settings. When several changes are asked for before the same boundary, the last
        one wins. Phases that started before ``at_s`` are never altered; a phase that
        starts exactly at ``at_s`` is replaced, so ask for a change before that onset has
        been reported if it must stay as reported.

        Parameters
        ----------
        settings : PacerSettings
            The new settings.
        at_s : float
            Session time of the request, s. Before the schedule's start the change applies
            from the start.

        Returns
        -------
        float
            The session time at which the new settings take effect, s.

        Raises
        ------
        PacerError
            When ``settings`` is not :class:`PacerSettings`, ``at_s`` is not finite, or
            it lies before the oldest phase kept.
        """
        if not isinstance(settings, PacerSettings):
            raise PacerError(f"Pacer settings must be PacerSettings, got {settings!r}.")
        t = max(_number("Change time", at_s), self._start_s)
        self._extend_past(t)
        i = bisect_right(self._phases, t, key=_start) - 1
        if i < 0:
            raise self._too_old(t)
        current = self._phases[i]
        if current.start_s == t:
            boundary = t
            previous = self._phases[i - 1] if i > 0 else self._before
        else:
            boundary = current.end_s
            previous = current
        while self._phases and self._phases[-1].start_s >= boundary:
            self._phases.pop()
            self._version += 1
        self._settings = settings
        self._segment = _Segment(
            settings, boundary, None if previous is None else _CODE[previous.phase]
        )
        self._next_start = boundary
        self._breath = -1 if previous is None else previous.breath
        if not self._phases:
            self._append_next()
        return boundary

    # ------------------------------------------------------------------ internals

    def _append_next(self) -> PacerPhase:
        """Generate the next phase with a positive duration and keep it."""
        seg = self._segment
        start = self._next_start
        while True:
            code, end = seg.step()
            duration = end - start
            if duration > 0:  # a hold shorter than the clock's resolution is skipped
                break
        if code == _INHALE:
            self._breath += 1
        phase = PacerPhase(
            start, duration, PHASES[code], seg.settings.rate_bpm, seg.ratio, self._breath
        )
        if len(self._phases) == self._history:
            self._before = self._phases[0]
        if start == self._start_s:
            self._first = phase
        self._phases.append(phase)
        self._next_start = phase.end_s
        self._version += 1
        return phase

    def _extend_past(self, time_s: float, limit: int | None = None) -> None:
        """Generate phases until one ends after ``time_s`` (or ``limit`` were made)."""
        made = 0
        while self._next_start <= time_s and (limit is None or made < limit):
            self._append_next()
            made += 1

    def _arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        """Onsets, durations and phase codes of the kept phases, as arrays (cached)."""
        version, starts, durations, codes = self._cache
        if version != self._version:
            n = len(self._phases)
            starts = np.fromiter((p.start_s for p in self._phases), np.float64, n)
            durations = np.fromiter((p.duration_s for p in self._phases), np.float64, n)
            codes = np.fromiter((_CODE[p.phase] for p in self._phases), np.intp, n)
            self._cache = (self._version, starts, durations, codes)
        return starts, durations, codes

    def _too_old(self, time_s: float) -> PacerError:
        oldest = self._phases[0].start_s if self._phases else self._next_start
        return PacerError(
            f"Time {time_s:g} s is too far in the past: the pacer keeps only its last "
            f"{self._history} phases, which go back to {oldest:g} s."
        )
