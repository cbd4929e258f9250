"""What the displays draw: recent beats and metric trends per source, in preallocated rings.

A :class:`History` is a session sink that only stores: every row it keeps is a value the
core computed. Plots take contiguous views of its rings (no copies, no allocation per
frame). A gap is stored as a row of NaN, so lines break at it instead of bridging it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from resonant.model.beats import Beat, Gap
from resonant.signal.metrics import BeatMetrics, SpectralMetrics
from resonant.signal.ring import Ring
from resonant.model.sink import SessionSink

__all__ = ["History", "BeatRows", "TrendRows"]

# Beat ring columns.
_BT, _BRR, _BHR, _BART = range(4)
# Trend ring columns.
_TT, _TRMSSD, _TSCORE, _TRATIO, _THR, _TBREATH, _TPACER, _TAMP = range(8)


@dataclass(frozen=True, slots=True)
class BeatRows:
    """Recent beats of one source (views into the ring; NaN rows at gaps).

    Attributes
    ----------
    time_s, rr_ms, hr_bpm : ndarray of float
        Beat time, raw RR, instantaneous heart rate of the NN interval (core's value).
    artifact : ndarray of float
        The live check's artifact code (0 = none).
    """

    time_s: NDArray[np.float64]
    rr_ms: NDArray[np.float64]
    hr_bpm: NDArray[np.float64]
    artifact: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TrendRows:
    """Metric updates of one source, every 5 s (views; NaN where unavailable or at gaps)."""

    time_s: NDArray[np.float64]
    rmssd_ms: NDArray[np.float64]
    coherence_score: NDArray[np.float64]
    coherence_ratio: NDArray[np.float64]
    hr_mean_bpm: NDArray[np.float64]
    breathing_rate_bpm: NDArray[np.float64]
    pacer_rate_bpm: NDArray[np.float64]
    amplitude_bpm: NDArray[np.float64]


def _f(x: float | None) -> float:
    return math.nan if x is None else float(x)


class History(SessionSink):
    """Session sink keeping recent beats and all trend points for displays.

    Parameters
    ----------
    beat_capacity : int
        Beats kept per source (4096 is about an hour at rest).
    trend_capacity : int
        Metric updates kept per source (2048 every 5 s is about 2.8 hours).
    """

    def __init__(self, beat_capacity: int = 4096, trend_capacity: int = 2048) -> None:
        self._beat_capacity = beat_capacity
        self._trend_capacity = trend_capacity
        self._beats: dict[str, Ring] = {}
        self._trends: dict[str, Ring] = {}
        self.version = 0  # grows with every stored row: a display redraws when it changed

    @property
    def sources(self) -> list[str]:
        """Labels of the sources seen so far, in order of their first beat."""
        return list(self._beats)

    def _beat_ring(self, source: str) -> Ring:
        ring = self._beats.get(source)
        if ring is None:
            ring = self._beats[source] = Ring(self._beat_capacity, 4)
            self._trends[source] = Ring(self._trend_capacity, 8)
        return ring

    # -- sink -----------------------------------------------------------------------------

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """Store one beat with the core's instantaneous HR and artifact code."""
        self._beat_ring(beat.source).append(
            (beat.time_s, beat.rr_ms, metrics.hr_bpm, float(metrics.artifact))
        )
        self.version += 1

    def on_spectral(
        self,
        metrics: SpectralMetrics,
        beat: BeatMetrics | None,
        pacer_rate_bpm: float | None,
        adherent: bool | None,
    ) -> None:
        """Store one metric update."""
        self._beat_ring(metrics.source)
        self._trends[metrics.source].append((
            metrics.time_s,
            _f(beat.rmssd_ms if beat else None),
            _f(metrics.coherence_score),
            _f(metrics.coherence_ratio),
            _f(beat.hr_mean_bpm if beat else None),
            _f(metrics.breathing_rate_bpm),
            _f(pacer_rate_bpm),
            _f(metrics.amplitude_bpm),
        ))  # fmt: skip
        self.version += 1

    def on_gap(self, gap: Gap) -> None:
        """Break the lines: a NaN row in the source's rings."""
        if gap.source in self._beats:
            self._beats[gap.source].append((gap.time_s, math.nan, math.nan, 0.0))
            self._trends[gap.source].append((gap.time_s, *([math.nan] * 7)))
            self.version += 1

    # -- views ----------------------------------------------------------------------------

    def beats(self, source: str, since_s: float = -math.inf) -> BeatRows:
        """Beats of ``source`` from ``since_s`` on (views into the ring)."""
        ring = self._beats.get(source)
        if ring is None or ring.end == ring.start:
            empty = np.empty(0)
            return BeatRows(empty, empty, empty, empty)
        rows = ring.view(ring.start)
        k = int(np.searchsorted(rows[:, _BT], since_s))
        rows = rows[k:]
        return BeatRows(rows[:, _BT], rows[:, _BRR], rows[:, _BHR], rows[:, _BART])

    def trends(self, source: str, since_s: float = -math.inf) -> TrendRows:
        """Metric updates of ``source`` from ``since_s`` on (views into the ring)."""
        ring = self._trends.get(source)
        if ring is None or ring.end == ring.start:
            empty = np.empty(0)
            return TrendRows(*([empty] * 8))
        rows = ring.view(ring.start)
        k = int(np.searchsorted(rows[:, _TT], since_s))
        rows = rows[k:]
        return TrendRows(*(rows[:, c] for c in range(8)))
