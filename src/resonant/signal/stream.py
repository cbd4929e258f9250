"""The streaming HRV core: one :class:`HrvStream` per source, one beat at a time.

Per beat (constant time): the causal artifact check, the beat into fixed-capacity rings,
running sums for the windowed time-domain metrics. Every ``update_s`` seconds: the
Lipponen & Tarvainen classification re-run on the recent beats (its flags replace the
provisional ones and the corrected NN series is rebuilt from them), the running sums
recomputed from the window (no drift), and the 64-s spectrum for coherence, LF/HF, the
breathing rate and the heart-rate amplitude.

The spectral arithmetic is the same function the offline analysis calls on a whole
recording (:func:`resonant.signal.coherence.short_spectra`), on the same beat time axis,
so a clean recording gives the same numbers live and offline. The breathing rate shown
is the chest accelerometer's when the source streams one (:meth:`HrvStream.push_acc`),
else the heart rhythm's when clear: one rule, live and offline
(:mod:`resonant.signal.breathing_source`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from resonant.model.beats import AccSamples, Beat, Gap
from resonant.signal.amplitude import hr_amplitude
from resonant.signal.breathing import AccWindow
from resonant.signal.breathing_source import (
    CHEST_WINDOW_S,
    SETTLE_S,
    chest_rate,
    choose_breathing,
)
from resonant.signal.rsa_breathing import UNCLEAR, agreement, judge_breathing
from resonant.signal.artifacts import Artifact, CausalCheck, classify_artifacts, correct_rr
from resonant.signal.coherence import (
    COHERENCE_WINDOW_S,
    SCORE_MAX,
    coherence_level,
    spectra_and_psd,
)
from resonant.signal.metrics import BeatMetrics, SpectralMetrics, StreamConfig
from resonant.signal.ring import Ring

__all__ = ["HrvStream", "update_ticks"]

# Columns of the raw ring.
_T, _RR, _CODE = 0, 1, 2
# Columns of the NN ring.
_NT, _NN, _CORR, _D2, _HASD, _BIG = 0, 1, 2, 3, 4, 5

# Beats on either side of a classified beat that its thresholds look at (91-beat window).
_CLASSIFY_CONTEXT = 45
# Newest beats whose class can still change as beats come (context, the two beats a
# decision reads, and a margin for a chain of merged extra beats).
_UNSETTLED_BEATS = _CLASSIFY_CONTEXT + 15
# Margin before a window's first grid point so interpolation has a beat to its left, s.
_GRID_MARGIN_S = 3.0


def update_ticks(time_s: NDArray[np.float64], update_s: float = 5.0) -> NDArray[np.intp]:
    """Indices of the beats on which the spectral update runs.

    A beat triggers an update when it is the first at or after a multiple of
    ``update_s`` seconds of session time (the first at 5 s, 10 s, ...). The live
    :class:`HrvStream` and the offline analysis both use this rule.

    Parameters
    ----------
    time_s : ndarray of float
        Session times of all beats of one source, increasing.
    update_s : float
        Update interval, s.

    Returns
    -------
    ndarray of int
        Beat indices, increasing.
    """
    k = np.asarray(time_s) / update_s
    np.floor(k, out=k)
    later = np.empty(k.size, dtype=bool)  # k > the previous k (0 before the first)
    later[:1] = k[:1] > 0.0
    np.greater(k[1:], k[:-1], out=later[1:])
    return np.flatnonzero(later)


class HrvStream:
    """Streaming HRV for one source.

    Parameters
    ----------
    config : StreamConfig
        Windows and limits.
    source : str
        Label of the source whose beats this stream takes.

    Examples
    --------
    >>> from resonant.model.beats import Beat
    >>> stream = HrvStream()
    >>> t = 0.0
    >>> for rr in [800.0, 810.0, 790.0, 800.0]:
    ...     t += rr / 1000
    ...     beat_metrics, spectral = stream.push(Beat(t, rr))
    >>> beat_metrics.hr_bpm
    75.0
    """

    def __init__(self, config: StreamConfig | None = None, source: str = "") -> None:
        self.config = config or StreamConfig()
        self.source = source
        cap = self.config.capacity
        self._raw = Ring(cap, 3)
        self._nn = Ring(cap, 6)
        self._check = CausalCheck()
        self._next_tick_s = self.config.update_s
        self._latest_spectral: SpectralMetrics | None = None
        #: The 64-s spectrum of the latest update, (freq_hz, psd_ms2_hz), for display.
        self.latest_psd: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        #: The breathing guide's rate at a session time (None where none runs), for the
        #: breathing rule's guide criterion (:mod:`resonant.signal.rsa_breathing`); None: no
        #: guide is known. The session sets it.
        self.guide_bpm: Callable[[float], float | None] | None = None
        # The chest accelerometer's recent samples (a strap that streams them): the
        # breathing rate shown comes from them when they give one (breathing_source.py).
        self._acc = AccWindow(keep_s=CHEST_WINDOW_S + SETTLE_S + 10.0)
        self._has_acc = False
        self._new_segment()

    # -- segments -----------------------------------------------------------------------

    def _new_segment(self) -> None:
        self._seg_raw0 = self._raw.end  # first raw index of the segment
        self._seg_nn0 = self._nn.end
        self._seg_t0: float | None = None  # beat-axis time of the segment's first beat
        self._t_axis = 0.0
        self._last_nn: float | None = None
        self._win0 = self._nn.end  # first NN index inside the time-domain window
        self._s1 = self._s2 = self._d2 = 0.0
        self._nd = self._n50 = self._ncorr = 0
        self._check.reset()
        # (beat-axis time, peak Hz) of this segment's recent updates, for consistency.
        self._breaths: list[tuple[float, float]] = []

    def gap(self, gap: Gap) -> None:
        """Break the series: the next beat starts a new segment (nothing is bridged)."""
        self._new_segment()
        self.latest_psd = None

    def push_acc(self, samples: AccSamples) -> None:
        """Take a chunk of this source's chest accelerometer samples.

        From then on, each spectral update's breathing rate is the chest's over the last
        :data:`~resonant.signal.breathing_source.CHEST_WINDOW_S` seconds when those
        samples give one (:func:`~resonant.signal.breathing_source.choose_breathing`).

        Parameters
        ----------
        samples : AccSamples
            Times on the session clock (increasing; samples not after those already
            held are dropped) and x, y, z in mG.
        """
        if not samples.times_s:
            return
        self._acc.push(samples.times_s, samples.xyz_mg)
        self._has_acc = True

    @property
    def latest_spectral(self) -> SpectralMetrics | None:
        """The most recent spectral update, or None before the first."""
        return self._latest_spectral

    # -- per beat -------------------------------------------------------------------------

    def push(self, beat: Beat) -> tuple[BeatMetrics, SpectralMetrics | None]:
        """Take one beat.

        Parameters
        ----------
        beat : Beat
            The next beat of this stream's source.

        Returns
        -------
        beat_metrics : BeatMetrics
            The per-beat update.
        spectral : SpectralMetrics or None
            The spectral update when this beat crossed an update tick, else None.
        """
        rr = beat.rr_ms
        # Beat time axis: anchored at the segment's first beat, then the cumulative sum of
        # RR, which is free of BLE arrival jitter (hrv-spec §1.4).
        if self._seg_t0 is None:
            self._seg_t0 = beat.time_s
            self._t_axis = beat.time_s
        else:
            self._t_axis += rr / 1000.0
        t = self._t_axis
        code = self._check.check(rr)
        self._raw.append((t, rr, code))

        if code == Artifact.NONE:
            nn, corr = rr, 0.0
        elif self._last_nn is not None:
            nn, corr = self._last_nn, 1.0  # hold the last good value until re-classified
        else:
            nn, corr = math.nan, 1.0
        if not math.isnan(nn):
            self._append_nn(t, nn, corr)
        if code == Artifact.NONE:
            self._last_nn = rr

        self._evict(t)
        spectral = None
        if beat.time_s >= self._next_tick_s:
            self._next_tick_s = (math.floor(beat.time_s / self.config.update_s) + 1) * (
                self.config.update_s
            )
            spectral = self._update(beat.time_s, t)
        return self._beat_metrics(beat, nn, code), spectral

    def _append_nn(self, t: float, nn: float, corr: float) -> None:
        ring = self._nn
        if ring.end > self._seg_nn0:
            prev = ring.row(ring.end - 1)[_NN]
            d = nn - prev
            d2, hasd, big = d * d, 1.0, float(abs(d) > 50.0)
        else:
            d2 = hasd = big = 0.0
        ring.append((t, nn, corr, d2, hasd, big))
        self._s1 += nn
        self._s2 += nn * nn
        self._d2 += d2
        self._nd += int(hasd)
        self._n50 += int(big)
        self._ncorr += int(corr)

    def _evict(self, t_now: float) -> None:
        ring = self._nn
        limit = t_now - self.config.window_s
        while self._win0 < ring.end and ring.row(self._win0)[_NT] <= limit:
            _, nn, corr, d2, hasd, big = ring.row(self._win0)
            self._s1 -= nn
            self._s2 -= nn * nn
            self._d2 -= d2
            self._nd -= int(hasd)
            self._n50 -= int(big)
            self._ncorr -= int(corr)
            self._win0 += 1

    def _beat_metrics(self, beat: Beat, nn: float, code: int) -> BeatMetrics:
        ring = self._nn
        n = ring.end - self._win0
        hr_now = 60000.0 / nn if nn == nn else 60000.0 / beat.rr_ms
        if n == 0:
            return BeatMetrics(
                beat.time_s, self.source, beat.rr_ms, nn, code, hr_now,
                None, None, None, None, 0, 0.0, "waiting for a plausible beat",
            )  # fmt: skip
        first = ring.row(self._win0)
        # The difference attributed to the window's first beat reaches outside the window.
        d2 = self._d2 - first[_D2]
        nd = self._nd - int(first[_HASD])
        n50 = self._n50 - int(first[_BIG])
        mean = self._s1 / n
        corrected_pct = 100.0 * self._ncorr / n
        span_s = ring.row(ring.end - 1)[_NT] - first[_NT] + first[_NN] / 1000.0
        reason = None
        if span_s < self.config.min_window_s:
            reason = (
                f"settling in: {span_s:.0f} of {self.config.min_window_s:.0f} s of beats so far"
            )
        elif corrected_pct > self.config.max_corrected_pct:
            reason = (
                f"{corrected_pct:.1f}% of the beats in the last {self.config.window_s:.0f} s "
                f"were corrected (more than {self.config.max_corrected_pct:.0f}%)"
            )
        if reason is not None:
            rmssd = sdnn = pnn50 = None
        else:
            var = (self._s2 - self._s1 * mean) / (n - 1) if n > 1 else math.nan
            sdnn = math.sqrt(var) if var > 0 else 0.0
            rmssd = math.sqrt(d2 / nd) if nd > 0 and d2 > 0 else 0.0
            pnn50 = 100.0 * n50 / n
        return BeatMetrics(
            beat.time_s, self.source, beat.rr_ms, nn, code, hr_now,
            60000.0 / mean, rmssd, sdnn, pnn50, n, corrected_pct, reason,
        )  # fmt: skip

    # -- every update_s seconds --------------------------------------------------------------

    def _reclassify(self) -> None:
        """Re-run the classification on recent beats and rebuild their NN values from it."""
        raw = self._raw
        seg0 = max(self._seg_raw0, raw.start)
        rows = raw.view(seg0)
        t_all = rows[:, _T]
        t_end = t_all[-1]
        first = int(np.searchsorted(t_all, t_end - self.config.reclassify_s))
        # A beat's class is settled once its whole 91-beat window and the two beats its
        # decision reads are in: only the newer ones can still change.
        first = max(first, rows.shape[0] - _UNSETTLED_BEATS)
        # Classify with context before the first beat whose flag is replaced.
        ctx0 = max(0, first - _CLASSIFY_CONTEXT)
        if rows.shape[0] - ctx0 < 4:
            return
        codes = classify_artifacts(rows[ctx0:, _RR])
        # The newest two beats lack the two following beats the classification needs:
        # keep their provisional flag where the classification has none.
        for j in (-2, -1):
            if codes[j] == 0:
                codes[j] = rows[j, _CODE]
        new_codes = codes[first - ctx0 :]
        # The settled beats before keep their classes; they are the correction's context
        # (an interpolation reaches back to the last good beat), as offline.
        codes[: first - ctx0] = rows[ctx0:first, _CODE]
        raw.write_column(seg0 + first, _CODE, new_codes)
        # Rebuild the NN ring from the first re-classified beat on.
        t_nn, nn, corr = correct_rr(rows[ctx0:, _T], rows[ctx0:, _RR], codes)
        boundary = rows[first - 1, _T] if first > 0 else -math.inf
        cut = int(np.searchsorted(t_nn, boundary, side="right"))
        t_nn, nn, corr = t_nn[cut:], nn[cut:], corr[cut:]
        nn_ring = self._nn
        nn0 = max(self._seg_nn0, nn_ring.start)
        keep = int(np.searchsorted(nn_ring.view(nn0)[:, _NT], boundary, side="right"))
        prev_nn = nn_ring.row(nn0 + keep - 1)[_NN] if keep > 0 else math.nan
        nn_ring.truncate(nn0 + keep)
        # The rebuilt rows, one column at a time into one block (as np.diff would).
        m = nn.size
        block = np.empty((m, 6))
        block[:, _NT] = t_nn
        block[:, _NN] = nn
        block[:, _CORR] = corr
        d = block[:, _D2]
        if m:
            d[0] = nn[0] - prev_nn
            np.subtract(nn[1:], nn[:-1], out=d[1:])
        hasd = block[:, _HASD]
        np.equal(d, d, out=hasd)  # False where d is NaN
        if not hasd.all():
            d[hasd == 0.0] = 0.0
        np.greater(np.abs(d), 50.0, out=block[:, _BIG])
        np.multiply(d, d, out=d)
        nn_ring.extend(block)
        if m:
            self._last_nn = float(nn[-1])
        # Recompute the window and its sums from scratch (this also removes rounding drift).
        nn0 = max(self._seg_nn0, nn_ring.start)
        seg = nn_ring.view(nn0)
        drop = int(np.searchsorted(seg[:, _NT], t_end - self.config.window_s, side="right"))
        self._win0 = nn0 + drop
        w = seg[drop:]
        nn_w = w[:, _NN]
        self._s1 = float(nn_w.sum())
        self._s2 = float((nn_w * nn_w).sum())
        self._d2 = float(w[:, _D2].sum())
        # Counts of 0/1 cells: exact in any order, so one reduction gives all three.
        counts = w[:, _CORR:].sum(axis=0)
        self._nd = int(counts[_HASD - _CORR])
        self._n50 = int(counts[_BIG - _CORR])
        self._ncorr = int(counts[0])

    def _update(self, time_s: float, t_end: float) -> SpectralMetrics:
        self._reclassify()
        assert self._seg_t0 is not None
        have_s = t_end - self._seg_t0
        if have_s < COHERENCE_WINDOW_S:
            result = SpectralMetrics(
                time_s, self.source, None, None, None, None, None, None, None, None, None, 0.0,
                f"settling in: the spectrum needs {COHERENCE_WINDOW_S:.0f} s of beats "
                f"({have_s:.0f} s so far)",
            )  # fmt: skip
            self._latest_spectral = result
            return result
        ring = self._nn
        rows = ring.view(max(self._seg_nn0, ring.start))
        lo = int(np.searchsorted(rows[:, _NT], t_end - COHERENCE_WINDOW_S - _GRID_MARGIN_S))
        w = rows[lo:]
        t, nn = w[:, _NT], w[:, _NN]
        spec, self.latest_psd = spectra_and_psd(t, nn, t_end)
        # The beats in the window, t > t_end - 64 s, are a suffix (times increase); the
        # share of 0/1 flags is exact whichever way it is summed.
        j = int(np.searchsorted(t, t_end - COHERENCE_WINDOW_S, side="right"))
        n_win = t.size - j
        corrected_pct = 100.0 * (float(w[j:, _CORR].sum()) / n_win) if n_win else 0.0
        ratio = float(spec.coherence_ratio[0])
        breath_hz = float(spec.breath_hz[0])
        heart, heart_reason = self._breathing(t_end, breath_hz, spec.breath_share)
        chest = None
        if self._has_acc:
            acc_t, acc_xyz = self._acc.samples
            chest = chest_rate(acc_t, acc_xyz, time_s - CHEST_WINDOW_S, time_s)
        choice = choose_breathing(chest, heart, heart_reason)
        lf, hf = float(spec.lf_ms2[0]), float(spec.hf_ms2[0])
        reason = None
        score: float | None = min(ratio, SCORE_MAX)
        level: str | None = coherence_level(ratio, self.config.challenge_level)
        if corrected_pct > self.config.max_corrected_pct:
            score = level = None
            reason = (
                f"coherence is not shown: {corrected_pct:.1f}% of the beats in the last "
                f"{COHERENCE_WINDOW_S:.0f} s were corrected"
            )
        result = SpectralMetrics(
            time_s, self.source, ratio if score is not None else None, score, level,
            float(spec.peak_hz[0]), lf, hf, lf / hf if hf > 0 else None, choice.rate_bpm,
            hr_amplitude(t, nn, t_end, breath_hz), corrected_pct, reason, choice.reason,
            choice.source,
        )  # fmt: skip
        self._latest_spectral = result
        return result

    def _breathing(
        self, t_end: float, breath_hz: float, share: NDArray[np.float64]
    ) -> tuple[float | None, str | None]:
        """This update's breathing rate, or why it is not shown (the offline rule)."""
        hist = self._breaths
        hist.append((t_end, breath_hz))
        while len(hist) > 1 and hist[0][0] <= t_end - 40.0:
            hist.pop(0)
        arr = np.array(hist)
        agree = agreement(arr[:, 0], arr[:, 1])[-1:]
        guide = self.guide_bpm(t_end) if self.guide_bpm is not None else None
        clear = judge_breathing(
            np.array([breath_hz]), share, agree, None if guide is None else np.array([guide])
        )
        return (60.0 * breath_hz, None) if clear[0] else (None, UNCLEAR)
