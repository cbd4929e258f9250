"""The adaptive guide: follow a person toward their resonance rate (hrv-spec §8).

:class:`AdaptivePacer` is a session sink that moves the guide in bounded, phase-smooth
steps toward the rate with the largest heart-rate swing, only while the person follows
the guide. The per-breath arithmetic (swing, locking) lives in
:mod:`resonant.signal.resonance`; the choice of the next rate is made here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.model.beats import Beat
from resonant.model.pacer import PacerPhase, PacerSettings
from resonant.model.sink import SessionSink
from resonant.signal.metrics import BeatMetrics
from resonant.signal.resonance import HR_LAG_S, LOCKING_MIN, breath_locking, breath_swings

__all__ = ["AdaptivePacer"]

#: Spread of the log swing from rate to rate the curve allows (a standard deviation).
_CURVE_SD = 0.3
#: Spread of one locked breath's log swing about the curve (a standard deviation).
_BREATH_SD = 0.35


@dataclass
class AdaptivePacer(SessionSink):
    """Move the guide toward the rate with the largest heart-rate swing (hrv-spec §8).

    A session sink. Every ``block_s`` (2 min) it scores the block just ended, leaving
    out its first ``settle_s`` (30 s) when the rate changed at its start:

    * **Followed?** A block counts as followed when at least ``min_followed`` (40 %) of
      its 5-s updates were adherent (hrv-spec §11), at least ``min_locked`` (half) of
      its breaths were locked to the guide
      (:func:`~resonant.signal.resonance.breath_locking` at least
      :data:`~resonant.signal.resonance.LOCKING_MIN`), and the HF band held at most
      ``max_hf_share`` (20 %) of the LF + HF power: breathing at one's own, faster rate
      puts the heart's swing in HF (decision). The guide moves only after two followed
      blocks in a row; otherwise it holds its rate (someone who mostly breathes at
      their own rate can follow for one lucky block, rarely for two).
    * **Swing.** The mean over its locked breaths of
      :func:`~resonant.signal.resonance.breath_swings` (the fitted wave's
      peak-to-trough, which, unlike max - min of the beats, is not biased toward slow
      rates).
    * **Where next.** With one rate tried, a first step toward ``prior_bpm`` (the
      person's accepted resonance rate, or 5.5, a common adult value), or, when the
      guide starts there (as every face starts it once a rate is accepted), a step of
      ``first_step_bpm`` (0.3) toward the middle of the range. Then a smooth curve of
      log swing against rate is fitted to the last ``history_blocks`` (30, an hour)
      followed blocks (Gaussian-process regression, length ``length_bpm`` 0.5
      breaths/min, each block weighted by its locked breaths; Rasmussen & Williams
      2006), and the guide heads for the rate within one step where the curve is
      highest, or stays. For the first ``explore_blocks`` (4) followed blocks it leans
      toward rates the curve knows little about (an upper confidence bound, one
      standard deviation up), so it looks past the rates it has tried; then it heads
      for the top (decision: with about 15 % noise in a block's swing and a flat top,
      this settled closest on both simulated people of the rules tried).
    * **How far.** At most ``max_step_bpm`` (0.5) in one block; the bound shrinks by
      ``step_bpm`` (0.1) each time the guide turns back, down to ``step_bpm``: large
      steps while it travels, small ones around the top (decision; hrv-spec §8 tries
      RF ± 0.25 per block). Rates stay on the 0.1 grid and within
      ``lo_bpm``-``hi_bpm`` (4-7); a guide started outside comes back within the same
      bound.

    A change takes effect at the guide's next turning point, so the phase never jumps,
    and it is an event of the session (``change``). Each block's decision is in
    ``log``. Against the two simulated people, 20 minutes from 1 breath/min away end
    within 0.2 breaths/min of the person's rate in about 9 runs in 10, and within 0.3 in
    97 % (``benchmarks/adaptive_accuracy.py``; docs/research-guide.md).

    Parameters
    ----------
    change : callable
        Applies new pacer settings (``Session.change_pacer``); returns the effect time.
    settings : PacerSettings
        The guide's settings at the start (its rate is where the guide starts: the
        faces put it at the accepted resonance rate unless the person chose another,
        :func:`resonant.session.assemble.starting_pacer`), then now.
    prior_bpm : float
        The person's accepted resonance rate (or 5.5): the first move's direction.

    References
    ----------
    Lehrer PM, Vaschillo E, Vaschillo B (2000), Appl Psychophysiol Biofeedback
    25(3):177-191 (the largest heart-rate swing marks the resonance). Shaffer F, Meehan
    ZM (2020), Front Neurosci 14:570400 (fine-tuning after an assessment). Rasmussen CE,
    Williams CKI (2006), Gaussian Processes for Machine Learning, MIT Press, ch. 2.
    Srinivas N et al. (2010), Gaussian process optimization in the bandit setting, ICML
    (the upper confidence bound).
    """

    change: Callable[[PacerSettings, str], float | None]
    settings: PacerSettings
    prior_bpm: float = 5.5
    step_bpm: float = 0.1
    max_step_bpm: float = 0.5
    first_step_bpm: float = 0.3
    block_s: float = 120.0
    settle_s: float = 30.0
    lo_bpm: float = 4.0
    hi_bpm: float = 7.0
    min_followed: float = 0.4
    min_locked: float = 0.5
    max_hf_share: float = 0.2
    history_blocks: int = 30
    length_bpm: float = 0.5
    explore_blocks: int = 4
    enabled: bool = True
    log: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._beat_t: list[float] = []
        self._beat_hr: list[float] = []
        self._inhales: list[float] = []
        self._adherence: list[bool] = []
        self._hf_share: list[float] = []
        self._block_start: float | None = None
        self._settling = True  # the first block, and each after a change, skips settle_s
        self._points: list[tuple[float, float, int]] = []  # (rate, swing, locked breaths)
        self._followed_blocks = 0
        self._was_followed = False
        self._last_dir = 0.0
        self._turns = 0

    @property
    def rate_bpm(self) -> float:
        """The guide's rate now."""
        return self.settings.rate_bpm

    @property
    def bound_bpm(self) -> float:
        """The largest step the guide may take now (it shrinks each time it turns back)."""
        return max(self.step_bpm, self.max_step_bpm - self.step_bpm * self._turns)

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
        """Keep the block's adherence and HF share of LF + HF power (5-s updates)."""
        if adherent is not None:
            self._adherence.append(bool(adherent))
        lf = getattr(metrics, "lf_ms2", None)
        hf = getattr(metrics, "hf_ms2", None)
        if lf is not None and hf is not None and lf + hf > 0.0:
            self._hf_share.append(float(hf / (lf + hf)))

    def _score(self, start_s: float, now_s: float) -> tuple[float, int, int]:
        """The block's swing (mean over locked breaths), locked breaths and breaths."""
        t = np.asarray(self._beat_t)
        hr = np.asarray(self._beat_hr)
        # Whole breaths whose heart-rate window has been seen; after a change (and at the
        # start) the first settle_s are left out.
        first = start_s + (self.settle_s if self._settling else 0.0)
        onsets = np.asarray([x for x in self._inhales if first <= x <= now_s - HR_LAG_S])
        if onsets.size < 2:
            return math.nan, 0, 0
        locking = breath_locking(t, hr, onsets)
        swings = breath_swings(t, hr, onsets)
        seen = np.isfinite(locking) & np.isfinite(swings)
        locked = seen & (locking >= LOCKING_MIN)
        swing = float(np.mean(swings[locked])) if locked.any() else math.nan
        return swing, int(locked.sum()), int(seen.sum())

    def _decide(self, now_s: float) -> None:
        start = self._block_start if self._block_start is not None else now_s
        swing, n_locked, n_breaths = self._score(start, now_s)
        followed = float(np.mean(self._adherence)) if self._adherence else 0.0
        hf_share = float(np.mean(self._hf_share)) if self._hf_share else 1.0
        # A new block starts now.
        self._block_start = now_s
        self._beat_t, self._beat_hr, self._adherence, self._hf_share = [], [], [], []
        self._inhales = [x for x in self._inhales if x >= now_s - 60.0]
        self._judge(now_s, swing, n_locked, n_breaths, followed, hf_share)

    def _judge(
        self,
        now_s: float,
        swing: float,
        n_locked: int,
        n_breaths: int,
        followed: float,
        hf_share: float,
    ) -> None:
        """Hold, stay or move after a block, from its swing, locking, adherence and HF."""
        locked = n_locked / n_breaths if n_breaths else 0.0
        entry: dict[str, Any] = {
            "time_s": now_s, "rate_bpm": self.rate_bpm, "swing_bpm": swing,
            "followed_share": followed, "locked_share": locked, "hf_share": hf_share,
            "new_rate_bpm": self.rate_bpm, "reason": "",
        }  # fmt: skip
        was_followed = self._was_followed
        now_followed = (
            followed >= self.min_followed
            and locked >= self.min_locked
            and hf_share <= self.max_hf_share
            and math.isfinite(swing)
        )
        self._was_followed = now_followed
        self._settling = False  # unless the rate changes below
        if not self.enabled:
            entry["reason"] = "adaptation is switched off"
        elif not now_followed:
            entry["reason"] = "holding: the breathing did not follow the guide in this block"
        else:
            self._points = (self._points + [(self.rate_bpm, swing, n_locked)])[
                -self.history_blocks :
            ]
            self._followed_blocks += 1
            if not was_followed:
                entry["reason"] = "holding: waiting for a second block of following the guide"
            else:
                self._move(entry)
        self.log.append(entry)

    def _move(self, entry: dict[str, Any]) -> None:
        """Take one bounded step toward the target (or stay), and say why."""
        target, why = self._target()
        bound = self.bound_bpm
        new = float(np.clip(target, self.lo_bpm, self.hi_bpm))
        # Within one step even when the guide started outside 4-7.
        new = round(float(np.clip(new, self.rate_bpm - bound, self.rate_bpm + bound)), 1)
        if abs(new - self.rate_bpm) < 0.05:
            entry["reason"] = "staying: at the largest heart-rate swing found"
            return
        direction = math.copysign(1.0, new - self.rate_bpm)
        if self._last_dir and direction != self._last_dir:
            self._turns += 1  # turning back: smaller steps from now on
            bound = self.bound_bpm
            new = round(self.rate_bpm + float(np.clip(new - self.rate_bpm, -bound, bound)), 1)
        self._last_dir = direction
        self._settling = True
        self.settings = PacerSettings(
            rate_bpm=new, inhale=self.settings.inhale, exhale=self.settings.exhale,
            hold_in_s=self.settings.hold_in_s, hold_out_s=self.settings.hold_out_s,
        )  # fmt: skip
        entry["reason"] = why
        entry["new_rate_bpm"] = new
        self.change(self.settings, "adaptive guide: " + why)

    def _target(self) -> tuple[float, str]:
        """Where to head, and why, from the recent followed blocks (see the class).

        Returns the rate to head for (the caller bounds the step) and the reason in
        words, for the session's events.
        """
        rates = np.array([p[0] for p in self._points], dtype=np.float64)
        if np.unique(np.round(rates, 2)).size < 2:
            return self._first_target(), "trying a nearby rate"
        log_swing = np.log(np.maximum([p[1] for p in self._points], 1e-3))
        breaths = np.array([max(1, p[2]) for p in self._points], dtype=np.float64)
        bound = self.bound_bpm
        lo = max(self.lo_bpm, self.rate_bpm - bound)
        hi = min(self.hi_bpm, self.rate_bpm + bound)
        grid = np.round(np.arange(round(lo, 1), hi + 1e-9, self.step_bpm), 1)
        if grid.size == 0:  # started outside the range by more than a step
            return float(np.clip(self.rate_bpm, self.lo_bpm, self.hi_bpm)), "back into 4-7"
        mean, sd = _curve(rates, log_swing, breaths, grid, self.length_bpm)
        top = int(np.argmax(mean))
        if self._followed_blocks <= self.explore_blocks:
            bold = int(np.argmax(mean + sd))  # an upper confidence bound
            if bold != top:
                return float(grid[bold]), "looking past the rates tried so far"
        return float(grid[top]), "toward the largest heart-rate swing"

    def _first_target(self) -> float:
        """The first move: toward ``prior_bpm``, or from it toward the middle of the range.

        Turns back rather than stay at the range's edge (as when all recent blocks were
        at one rate: it then keeps its last direction).
        """
        direction, step = self._last_dir, self.bound_bpm
        if direction == 0.0:
            toward = self.prior_bpm
            if abs(toward - self.rate_bpm) < 0.05:  # starting at the accepted rate
                toward, step = (self.lo_bpm + self.hi_bpm) / 2.0, self.first_step_bpm
            else:
                step = min(step, abs(toward - self.rate_bpm))
            direction = -1.0 if toward < self.rate_bpm else 1.0
        onward = self.rate_bpm + direction * step
        if not self.lo_bpm - 1e-9 <= onward <= self.hi_bpm + 1e-9:
            direction = -direction  # exploring: turn back at the edge
        return self.rate_bpm + direction * step


def _curve(
    rates: NDArray[np.float64],
    log_swing: NDArray[np.float64],
    breaths: NDArray[np.float64],
    at: NDArray[np.float64],
    length_bpm: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gaussian-process regression of log swing on rate: mean and SD at ``at``.

    A squared-exponential covariance of length ``length_bpm`` and SD ``_CURVE_SD`` about
    the blocks' weighted mean; each block's noise is ``_BREATH_SD`` squared over its
    locked breaths (Rasmussen & Williams 2006, algorithm 2.1).
    """
    prior = float(np.average(log_swing, weights=breaths))

    def cov(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
        d = a[:, None] - b[None, :]
        return _CURVE_SD**2 * np.exp(-0.5 * (d / length_bpm) ** 2)

    k = cov(rates, rates) + np.diag(_BREATH_SD**2 / breaths)
    chol = np.linalg.cholesky(k)
    alpha = np.linalg.solve(chol.T, np.linalg.solve(chol, log_swing - prior))
    ks = cov(at, rates)
    v = np.linalg.solve(chol, ks.T)
    var = np.maximum(_CURVE_SD**2 - np.sum(v * v, axis=0), 0.0)
    return prior + ks @ alpha, np.sqrt(var)
