"""Finding and following a person's resonance rate: protocols, analysis and the adaptive pacer.

* :class:`SteppedProtocol` and :class:`SlidingProtocol` turn a protocol into a pacer
  schedule with every rate change planned in advance (each new rate starts at an
  inhale onset, so the guide never jumps), and into ``phase`` events for the session.
* :func:`analyze_folder` scores a recorded assessment from its session folder alone
  (``beats.tsv`` and ``pacer.tsv``): the live command records the session and then
  calls it, so ``resonant assess --replay`` of that folder gives the same answer.
* :class:`AdaptivePacer` is a session sink that moves the guide in small, bounded,
  phase-smooth steps toward the rate with the largest heart-rate oscillation, only
  while the person follows the guide (hrv-spec §8).

The arithmetic lives in :mod:`resonant.signal.resonance`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.beats import Beat, Event
from resonant.pacer import PHASES, PacerPhase, PacerSchedule, PacerSettings
from resonant.session.recording import RecordingError, read_recording
from resonant.signal.coherence import short_spectra
from resonant.signal.metrics import BeatMetrics
from resonant.signal.stream import update_ticks
from resonant.signal.resonance import (
    ADHERENCE_TOLERANCE_BPM,
    AssessmentResult,
    analyze_sliding,
    breath_amplitudes,
    choose_stepped,
    nn_series,
    score_step,
)

__all__ = [
    "SteppedProtocol",
    "SlidingProtocol",
    "Plan",
    "read_pacer",
    "analyze_folder",
    "AdaptivePacer",
]


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


# -- analysis of a recorded assessment ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PacerRows:
    """The guide's phases as recorded in ``pacer.tsv`` (arrays, one per phase)."""

    start_s: NDArray[np.float64]
    duration_s: NDArray[np.float64]
    code: NDArray[np.intp]
    rate_bpm: NDArray[np.float64]

    def inhales(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Inhale onsets and their rates."""
        sel = self.code == 0
        return self.start_s[sel], self.rate_bpm[sel]

    def volume(self, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """The guide's target volume at times ``t_s`` (half-cosine per phase, hrv-spec §9)."""
        k = np.clip(np.searchsorted(self.start_s, t_s, side="right") - 1, 0, self.start_s.size - 1)
        frac = np.clip((t_s - self.start_s[k]) / self.duration_s[k], 0.0, 1.0)
        c = np.cos(np.pi * frac)
        code = self.code[k]
        vol = np.where(code == 0, 0.5 * (1.0 - c), 0.5 * (1.0 + c))
        vol = np.where(code == 1, 1.0, vol)
        return np.where(code == 3, 0.0, vol)


def read_pacer(folder: str | Path) -> PacerRows:
    """Read ``pacer.tsv`` of a session folder.

    Raises
    ------
    RecordingError
        When the file is missing or a row is broken (a cut-off last row is skipped).
    """
    p = Path(folder) / "pacer.tsv"
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RecordingError(p, "no pacer.tsv: this session had no breathing guide") from None
    if not lines:
        raise RecordingError(p, "empty: no breathing phases")
    header = lines[0].split("\t")
    try:
        ci = [header.index(c) for c in ("time_s", "phase", "rate_bpm", "duration_s")]
    except ValueError:
        raise RecordingError(
            p, "the header needs time_s, phase, rate_bpm and duration_s", 1
        ) from None
    rows: list[tuple[float, float, int, float]] = []
    for n, raw in enumerate(lines[1:], start=2):
        parts = raw.split("\t")
        try:
            t, ph, rate, dur = (parts[i] for i in ci)
            rows.append((float(t), float(dur), PHASES.index(ph), float(rate)))
        except (IndexError, ValueError):
            if n == len(lines):
                continue  # a cut-off last row
            raise RecordingError(p, f"row {raw[:40]!r} is not a breathing phase", n) from None
    if not rows:
        raise RecordingError(p, "empty: no breathing phases")
    a = np.array(rows)
    return PacerRows(a[:, 0], a[:, 1], a[:, 2].astype(np.intp), a[:, 3])


def analyze_folder(folder: str | Path, source: str | None = None) -> AssessmentResult:
    """Score a recorded assessment from its session folder (``beats.tsv``, ``pacer.tsv``).

    The protocol and its parameters come from ``session.json``; without them a sweep is
    recognised by its rate changing at every breath, and steps by runs of one rate.

    Raises
    ------
    RecordingError
        When the folder cannot be read.
    """
    folder = Path(folder)
    recs = read_recording(folder)
    rec = next((r for r in recs if source is None or r.source == source), None)
    if rec is None:
        raise RecordingError(folder, f"no beats from the source {source!r}")
    pacer = read_pacer(folder)
    meta = _protocol_metadata(folder)
    t, nn, corrected = nn_series(rec.time_s, rec.rr_ms, rec.segment_starts)
    onsets, rates = pacer.inhales()
    kind = meta.get("protocol") or (
        "sliding" if np.unique(np.round(rates, 3)).size > 20 else "stepped"
    )
    if kind == "sliding":
        return _sliding(t, nn, onsets, rates)
    settle = float(meta.get("settle_s", 30.0))
    planned = [float(r) for r in meta.get("rates_bpm", _runs(rates)[1])]
    steps = []
    starts, run_rates = _runs(rates)
    for i, (k0, rate) in enumerate(zip(starts, run_rates, strict=True)):
        k1 = starts[i + 1] if i + 1 < len(starts) else onsets.size - 1
        seg = onsets[k0 : k1 + 1]
        scored = seg[seg >= seg[0] + settle - 1e-6]
        if scored.size < 3:
            continue
        vt = np.arange(scored[0], scored[-1], 0.25)
        s = score_step(t, nn, corrected, scored, pacer.volume(vt), vt, float(rate))
        if s is not None:
            steps.append(s)
    return choose_stepped(steps, planned)


def _runs(rates: NDArray[np.float64]) -> tuple[list[int], list[float]]:
    """Indices where a run of one rate starts, and the runs' rates."""
    starts = [0] + [k for k in range(1, rates.size) if abs(rates[k] - rates[k - 1]) > 1e-6]
    return starts, [round(float(rates[k]), 3) for k in starts]


def _sliding(
    t: NDArray[np.float64], nn: NDArray[np.float64],
    onsets: NDArray[np.float64], rates: NDArray[np.float64],
) -> AssessmentResult:  # fmt: skip
    """Per-breath adherence from the 5-s spectral updates, then the sweep's analysis."""
    ok = np.isfinite(nn)
    followed = np.ones(max(0, onsets.size - 1), dtype=bool)
    tt, nn_ok = t[ok], nn[ok]
    ends = tt[update_ticks(tt)] if tt.size > 10 else np.empty(0)
    ends = ends[ends - 63.5 >= tt[0]] if ends.size else ends
    if ends.size:
        spec = short_spectra(tt, nn_ok, ends)
        breath_bpm = 60.0 * spec.breath_hz
        mids = onsets[:-1] + 0.5 * np.diff(onsets)
        near = np.clip(np.searchsorted(ends, mids), 0, ends.size - 1)
        pace = rates[:-1]
        has = mids >= ends[0]
        followed = ~has | (np.abs(breath_bpm[near] - pace) <= ADHERENCE_TOLERANCE_BPM)
    return analyze_sliding(t, nn, onsets, rates[:-1], followed)


def _protocol_metadata(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    proto = meta.get("protocol")
    return proto if isinstance(proto, dict) else {}


# -- the adaptive pacer -------------------------------------------------------------------------


@dataclass
class AdaptivePacer:
    """Move the guide toward the rate with the largest heart-rate oscillation (hrv-spec §8).

    A session sink. Every ``block_s`` (2 min) it scores the block just ended: the mean
    peak-to-trough HR swing of its breaths after the first 30 s (the settling time
    after a change), provided the person followed the guide for at least 80 % of the
    block's 5-s updates. It then moves the rate by ``step_bpm`` (0.1), uphill on a
    straight line fitted to the recent blocks' (rate, swing) when its slope is clear,
    onward in the last direction otherwise, within ``lo_bpm``-``hi_bpm`` (4-7); the
    first move heads toward ``prior_bpm`` (the person's assessed rate, or 5.5, a common
    adult value). The change takes effect at the guide's next turning point, so the
    phase never jumps, and it is an event of the session. While the person is not
    following the guide, the rate is held.

    Parameters
    ----------
    change : callable
        Applies new pacer settings (``Session.change_pacer``); returns the effect time.
    settings : PacerSettings
        The guide's settings now.
    """

    change: Callable[[PacerSettings, str], float | None]
    settings: PacerSettings
    prior_bpm: float = 5.5
    step_bpm: float = 0.1
    block_s: float = 120.0
    settle_s: float = 30.0
    lo_bpm: float = 4.0
    hi_bpm: float = 7.0
    min_followed: float = 0.8
    history_blocks: int = 6
    enabled: bool = True
    log: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._beat_t: list[float] = []
        self._beat_hr: list[float] = []
        self._inhales: list[float] = []
        self._adherence: list[bool] = []
        self._block_start: float | None = None
        self._points: list[tuple[float, float]] = []
        self._last_dir = 0.0

    @property
    def rate_bpm(self) -> float:
        """The guide's rate now."""
        return self.settings.rate_bpm

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """Keep the block's beats (time and the core's instantaneous heart rate)."""
        if self._block_start is None:
            self._block_start = beat.time_s
        self._beat_t.append(metrics.time_s)
        self._beat_hr.append(metrics.hr_bpm)
        if metrics.time_s - self._block_start >= self.block_s:
            self._decide(metrics.time_s)

    def on_pacer(self, phase: PacerPhase) -> None:
        """Keep the block's inhale onsets."""
        if phase.phase == "inhale":
            self._inhales.append(phase.start_s)

    def on_spectral(
        self, metrics: Any, beat: Any, pacer_rate_bpm: Any, adherent: bool | None
    ) -> None:
        """Keep the block's adherence (5-s updates)."""
        if adherent is not None:
            self._adherence.append(bool(adherent))

    def _decide(self, now_s: float) -> None:
        start = self._block_start or now_s
        t = np.asarray(self._beat_t)
        hr = np.asarray(self._beat_hr)
        onsets = np.asarray([x for x in self._inhales if x >= start + self.settle_s])
        followed = float(np.mean(self._adherence)) if self._adherence else 0.0
        amps = breath_amplitudes(t, hr, onsets) if onsets.size >= 3 else np.empty(0)
        swing = float(np.nanmean(amps)) if np.isfinite(amps).any() else math.nan
        entry: dict[str, Any] = {
            "time_s": now_s, "rate_bpm": self.rate_bpm, "swing_bpm": swing,
            "followed_share": followed, "new_rate_bpm": self.rate_bpm, "reason": "",
        }  # fmt: skip
        # A new block starts now (its first 30 s are not scored).
        self._block_start = now_s
        self._beat_t, self._beat_hr, self._adherence = [], [], []
        self._inhales = [x for x in self._inhales if x >= now_s - 60.0]
        if not self.enabled:
            entry["reason"] = "adaptation is switched off"
        elif followed < self.min_followed or not math.isfinite(swing):
            entry["reason"] = "holding: the breathing did not follow the guide in this block"
        else:
            self._points = (self._points + [(self.rate_bpm, swing)])[-self.history_blocks :]
            target = self._target()
            new = float(np.clip(
                self.rate_bpm + np.clip(target - self.rate_bpm, -self.step_bpm, self.step_bpm),
                self.lo_bpm, self.hi_bpm,
            ))  # fmt: skip
            new = round(new, 1)
            if abs(new - self.rate_bpm) >= 0.05:
                self.settings = PacerSettings(
                    rate_bpm=new, inhale=self.settings.inhale, exhale=self.settings.exhale,
                    hold_in_s=self.settings.hold_in_s, hold_out_s=self.settings.hold_out_s,
                )  # fmt: skip
                self._last_dir = math.copysign(1.0, new - entry["rate_bpm"])
                entry["reason"] = "toward a larger heart-rate swing"
                self.change(self.settings, "adaptive guide: " + entry["reason"])
            else:
                entry["reason"] = "staying: at the edge of the allowed range"
            entry["new_rate_bpm"] = self.rate_bpm
        self.log.append(entry)

    def _target(self) -> float:
        """Where to head: uphill on the recent blocks' (rate, swing), else onward.

        The slope of a straight line through the recent blocks decides when it is clear
        (larger than its standard error); otherwise the guide keeps its last direction,
        or heads toward ``prior_bpm`` at first. Always one small step, so it keeps
        exploring and settles by going back and forth around the best rate.
        """
        rates = np.array([p[0] for p in self._points])
        swings = np.array([p[1] for p in self._points])
        direction = self._last_dir
        if direction == 0.0:
            direction = -1.0 if self.prior_bpm < self.rate_bpm else 1.0
        if np.unique(np.round(rates, 2)).size >= 3:
            x = rates - rates.mean()
            slope = float(np.sum(x * (swings - swings.mean())) / np.sum(x * x))
            resid = swings - swings.mean() - slope * x
            se = float(np.sqrt(np.sum(resid**2) / max(1, rates.size - 2) / np.sum(x * x)))
            if abs(slope) > se:
                direction = math.copysign(1.0, slope)
        return self.rate_bpm + direction * self.step_bpm
