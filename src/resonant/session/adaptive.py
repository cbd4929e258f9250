"""The adaptive guide: follow a person toward their resonance rate (hrv-spec §8).

:class:`AdaptivePacer` is a session sink that moves the guide in small, bounded,
phase-smooth steps toward the rate with the largest heart-rate oscillation, only while
the person follows the guide. The arithmetic lives in :mod:`resonant.signal.resonance`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resonant.model.beats import Beat
from resonant.model.pacer import PacerPhase, PacerSettings
from resonant.signal.metrics import BeatMetrics
from resonant.signal.resonance import breath_amplitudes
from resonant.model.sink import SessionSink

__all__ = ["AdaptivePacer"]


@dataclass
class AdaptivePacer(SessionSink):
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
