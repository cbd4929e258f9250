"""Offline analysis of a whole recording, vectorised, with the streaming core's arithmetic.

A recording is the beats of one source: session times, raw RR intervals, and where gaps
break it into segments. The analysis classifies artifacts on each whole segment (the
final flags), corrects, and computes:

- time-domain HRV of the whole corrected recording (:func:`time_domain`);
- the 64-s spectral update at every beat where the live stream would run one
  (:func:`~resonant.signal.stream.update_ticks`), all windows at once
  (:func:`~resonant.signal.coherence.short_spectra`);
- LF and HF power of the whole recording by Welch's method on 5-minute segments;
- the breathing rate: measured from chest movement when the strap's accelerometer covers
  the recording, else read from the heart rhythm when clear
  (:mod:`resonant.signal.breathing_source`, the live stream's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resonant.signal.breathing_source import chest_rate, choose_breathing
from resonant.signal.rsa_breathing import agreement, judge_breathing, summarize_breathing
from resonant.signal.artifacts import ARTIFACT_NAMES, Artifact, classify_artifacts, correct_rr
from resonant.signal.coherence import COHERENCE_WINDOW_S, short_spectra
from resonant.signal.spectrum import HF, LF, band_power, hann, periodogram, welch_batches
from resonant.signal.stream import update_ticks
from resonant.signal.timedomain import TimeDomain, time_domain

__all__ = ["SpectralSeries", "RecordingAnalysis", "analyze_rr", "segment_axis"]

#: Welch segment length for whole-recording LF/HF, s (hrv-spec §4.3).
WELCH_SEGMENT_S = 300.0
#: Shortest gap-free stretch for LF and LF/HF (Task Force 1996: 10x the slowest period), s.
MIN_LF_STRETCH_S = 120.0
#: Corrected share above which a window's coherence is not counted, percent.
MAX_CORRECTED_PCT = 5.0


@dataclass(frozen=True, slots=True)
class SpectralSeries:
    """The 5-s spectral updates of a recording (one row per update with 64 s available).

    ``breath_hz`` is every update's candidate breathing peak, ``breath_share`` its
    prominence and ``breath_clear`` whether it is shown
    (:func:`~resonant.signal.rsa_breathing.judge_breathing`).
    """

    time_s: NDArray[np.float64]
    coherence_ratio: NDArray[np.float64]
    peak_hz: NDArray[np.float64]
    lf_ms2: NDArray[np.float64]
    hf_ms2: NDArray[np.float64]
    breath_hz: NDArray[np.float64]
    corrected_pct: NDArray[np.float64]
    breath_share: NDArray[np.float64]
    breath_clear: NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RecordingAnalysis:
    """Everything ``resonant analyze`` reports about one recording.

    Attributes
    ----------
    beats : int
        Raw beats read.
    segments : int
        Gap-free segments.
    duration_s : float
        From the start of the first interval to the last beat, gaps included, s.
    time : TimeDomain
        Whole-recording time-domain HRV of the corrected NN series.
    lf_ms2, hf_ms2, lf_hf : float or None
        Welch LF and HF power (ms²) and their ratio; None when no stretch is long enough.
    coherence_mean, coherence_max : float or None
        Mean and maximum of the 5-s coherence ratios whose window had at most 5 %
        corrected beats.
    breathing_rate_bpm : float or None
        Breaths per minute: measured from chest movement over the recording when
        accelerometer samples cover it (``acc``), else the median of the clear 5-s
        estimates read from the heart rhythm, None when fewer than half of them were
        clear (:mod:`resonant.signal.breathing_source`,
        :mod:`resonant.signal.rsa_breathing`).
    artifact_codes : ndarray of int8
        Final class of every raw beat.
    corrected_pct : float
        Share of NN intervals made or changed by correction, percent.
    series : SpectralSeries
        The 5-s updates.
    notes : list of str
        Plain sentences on what could not be computed and why.
    breathing_reason : str or None
        Why ``breathing_rate_bpm`` is None ("unclear from the heart rhythm", or that the
        recording is too short or too corrected); None when it is given.
    breathing_source : str or None
        Where ``breathing_rate_bpm`` comes from: "chest" or "heart"; None when empty.
    """

    beats: int
    segments: int
    duration_s: float
    time: TimeDomain
    lf_ms2: float | None
    hf_ms2: float | None
    lf_hf: float | None
    coherence_mean: float | None
    coherence_max: float | None
    breathing_rate_bpm: float | None
    artifact_codes: NDArray[np.int8]
    corrected_pct: float
    series: SpectralSeries
    notes: list[str] = field(default_factory=list)
    breathing_reason: str | None = None
    breathing_source: str | None = None

    def artifact_counts(self) -> dict[str, int]:
        """Count of beats per artifact class, with ``total``."""
        counts = np.bincount(self.artifact_codes, minlength=len(ARTIFACT_NAMES))
        out = {"total": int(np.count_nonzero(self.artifact_codes))}
        for code in Artifact:
            if code not in (Artifact.NONE, Artifact.JUMP):  # JUMP is never a final flag
                out[ARTIFACT_NAMES[code]] = int(counts[code])
        return out


def segment_axis(time_s: NDArray[np.float64], rr_ms: NDArray[np.float64]) -> NDArray[np.float64]:
    """Beat times of one segment on the cumulative-RR axis, anchored at its first beat.

    ``t_0 = time_s[0]`` and ``t_i = t_0 + sum(rr_1..rr_i) / 1000``: the arrival times
    only place the segment; within it, the intervals themselves give the spacing, free of
    Bluetooth timing jitter (hrv-spec §1.4). :class:`~resonant.signal.stream.HrvStream`
    builds the same axis beat by beat.
    """
    t = np.empty(rr_ms.size)
    if rr_ms.size:
        t[0] = 0.0
        np.cumsum(rr_ms[1:] / 1000.0, out=t[1:])
        t += time_s[0]
    return t


def analyze_rr(
    time_s: NDArray[np.float64],
    rr_ms: NDArray[np.float64],
    segment_starts: NDArray[np.intp] | None = None,
    update_s: float = 5.0,
    guide_bpm: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
    acc: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> RecordingAnalysis:
    """Analyse one recording.

    Parameters
    ----------
    time_s : ndarray of float
        Session time of each raw beat, s, increasing. For a plain list of intervals, the
        cumulative sum of RR.
    rr_ms : ndarray of float
        Raw RR intervals, ms.
    segment_starts : ndarray of int, optional
        Index of the first beat of each segment (0 first); None means no gaps.
    update_s : float
        Interval of the spectral updates, s.
    guide_bpm : callable, optional
        The breathing guide's rate at given session times (NaN where none ran), for the
        breathing rule's guide criterion; None: no guide is known.
    acc : (ndarray, ndarray) or None
        The source's chest accelerometer: sample times (s, session clock) and an
        ``(n, 3)`` array of x, y, z (mG). When its samples cover the recording, the
        breathing rate is the chest's (:func:`~resonant.signal.breathing_source.chest_rate`
        over the first interval's start to the last beat); None: no accelerometer.

    Returns
    -------
    RecordingAnalysis
        The results.
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    rr = np.asarray(rr_ms, dtype=np.float64)
    n = rr.size
    starts = np.array([0] if segment_starts is None else segment_starts, dtype=np.intp)
    bounds = np.append(starts, n)
    notes: list[str] = []

    codes = np.zeros(n, dtype=np.int8)
    nn_parts, t_parts, corr_parts, newseg_parts = [], [], [], []
    ticks = update_ticks(time_s, update_s)
    windows_t: list[NDArray[np.float64]] = []
    spectra = []
    welch_rows = []
    longest_s = 0.0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b <= a:
            continue
        seg_rr = rr[a:b]
        t_seg = segment_axis(time_s[a:b], seg_rr)  # kept only while its segment runs
        codes[a:b] = classify_artifacts(seg_rr)
        t_nn, nn, corr = correct_rr(t_seg, seg_rr, codes[a:b])
        # 5-s updates of this segment once 64 s of it have passed.
        seg_ticks = ticks[(ticks >= a) & (ticks < b)]
        ends = t_seg[seg_ticks - a]
        ends = ends[ends - t_seg[0] >= COHERENCE_WINDOW_S]
        del t_seg  # not needed past here (issue 18: bounded memory)
        t_parts.append(t_nn)
        nn_parts.append(nn)
        corr_parts.append(corr)
        newseg = np.zeros(nn.size, dtype=bool)
        newseg[:1] = True
        newseg_parts.append(newseg)
        if nn.size < 2:
            continue
        if ends.size:
            spectra.append((short_spectra(t_nn, nn, ends), _corrected_pct(t_nn, corr, ends)))
            windows_t.append(ends)
        stretch_s = t_nn[-1] - t_nn[0]
        longest_s = max(longest_s, stretch_s)
        welch_rows.append((t_nn, nn, stretch_s))

    # One segment's arrays are used as they are (no copy: issue 18, bounded memory).
    nn_all = _joined(nn_parts, np.float64)
    corr_all = _joined(corr_parts, np.bool_)
    newseg_all = _joined(newseg_parts, np.bool_)
    td = time_domain(nn_all, newseg_all)
    corrected_pct = 100.0 * float(corr_all.mean()) if corr_all.size else 0.0

    series = _join_series(windows_t, spectra, guide_bpm)
    del windows_t, spectra  # joined into series
    usable = series.corrected_pct <= MAX_CORRECTED_PCT
    coh_mean = coh_max = breath = None
    breath_reason: str | None = None
    if usable.any():
        coh_mean = float(series.coherence_ratio[usable].mean())
        coh_max = float(series.coherence_ratio[usable].max())
        read = summarize_breathing(series.breath_hz[usable], series.breath_clear[usable])
        breath, breath_reason = read.rate_bpm, read.reason
    elif series.time_s.size:
        breath_reason = "too many corrected beats"
        notes.append(
            "coherence and the breathing rate read from the heart rhythm are not given: every "
            "64-s window had more than "
            f"{MAX_CORRECTED_PCT:.0f}% corrected beats"
        )
    else:
        breath_reason = f"needs {COHERENCE_WINDOW_S:.0f} s of beats without a gap"
        notes.append(
            f"coherence and the breathing rate read from the heart rhythm need "
            f"{COHERENCE_WINDOW_S:.0f} s of beats without a gap"
        )

    lf = hf = lf_hf = None
    powers = _welch_powers(welch_rows, longest_s)
    if powers is None:
        notes.append(
            f"LF and HF power need {MIN_LF_STRETCH_S:.0f} s of beats without a gap "
            f"(the longest stretch is {longest_s:.0f} s)"
        )
    else:
        lf, hf = powers
        lf_hf = lf / hf if hf > 0 else None
        if longest_s < WELCH_SEGMENT_S:
            notes.append(
                f"LF and HF power come from one {longest_s:.0f}-s stretch, shorter than the "
                f"{WELCH_SEGMENT_S:.0f} s recommended"
            )

    duration = float(time_s[-1] - time_s[0] + rr[0] / 1000.0) if n else 0.0
    chest = None
    if acc is not None and n:
        chest = chest_rate(acc[0], acc[1], float(time_s[0] - rr[0] / 1000.0), float(time_s[-1]))
    choice = choose_breathing(chest, breath, breath_reason)
    return RecordingAnalysis(
        beats=n,
        segments=int(np.count_nonzero(np.diff(bounds) > 0)),
        duration_s=duration,
        time=td,
        lf_ms2=lf,
        hf_ms2=hf,
        lf_hf=lf_hf,
        coherence_mean=coh_mean,
        coherence_max=coh_max,
        breathing_rate_bpm=choice.rate_bpm,
        artifact_codes=codes,
        corrected_pct=corrected_pct,
        series=series,
        notes=notes,
        breathing_reason=choice.reason,
        breathing_source=choice.source,
    )


def _joined(parts: list, dtype: type) -> NDArray:
    """The parts end to end: the part itself when there is one."""
    if len(parts) == 1:
        return np.asarray(parts[0])
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _corrected_pct(
    t_nn: NDArray[np.float64], corr: NDArray[np.bool_], ends: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Percent of corrected NN in each window ``(end - 64 s, end]``."""
    hi = np.searchsorted(t_nn, ends, side="right")
    lo = np.searchsorted(t_nn, ends - COHERENCE_WINDOW_S, side="right")
    count = np.maximum(hi - lo, 1)
    # Corrected NN before index i: how many of their indices are below i (no running
    # count the length of the series: issue 18, bounded memory).
    where = np.flatnonzero(corr)
    made = np.searchsorted(where, hi) - np.searchsorted(where, lo)
    return 100.0 * made / count


def _join_series(
    windows_t: list,
    spectra: list,
    guide_bpm: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
) -> SpectralSeries:
    if not spectra:
        e = np.empty(0)
        return SpectralSeries(e, e, e, e, e, e, e, e, np.empty(0, dtype=bool))
    # One segment's arrays are used as they are (no copy: issue 18, bounded memory).
    t = _joined(windows_t, np.float64)
    breath_hz = _joined([s.breath_hz for s, _ in spectra], np.float64)
    share = _joined([s.breath_share for s, _ in spectra], np.float64)
    seg = np.concatenate([np.full(w.size, k) for k, w in enumerate(windows_t)])
    agree = agreement(t, breath_hz, seg)
    guide = None if guide_bpm is None else guide_bpm(t)
    return SpectralSeries(
        t,
        _joined([s.coherence_ratio for s, _ in spectra], np.float64),
        _joined([s.peak_hz for s, _ in spectra], np.float64),
        _joined([s.lf_ms2 for s, _ in spectra], np.float64),
        _joined([s.hf_ms2 for s, _ in spectra], np.float64),
        breath_hz,
        _joined([c for _, c in spectra], np.float64),
        share,
        judge_breathing(breath_hz, share, agree, guide),
    )


def _welch_powers(rows: list, longest_s: float) -> tuple[float, float] | None:
    """LF and HF power by Welch's method over all gap-free stretches.

    Segments are 300 s with half overlap, detrended, periodic-Hann windowed, and the
    periodograms averaged. When no stretch reaches 300 s, the longest one (at least
    120 s) is used as a single segment.
    """
    fs = 4.0
    if longest_s >= WELCH_SEGMENT_S:
        seg_s = WELCH_SEGMENT_S
        stretches = [(t, nn) for t, nn, s in rows if s >= seg_s]
    elif longest_s >= MIN_LF_STRETCH_S:
        t, nn, seg_s = max(rows, key=lambda r: r[2])
        seg_s = np.floor(seg_s * fs) / fs
        stretches = [(t, nn)]
    else:
        return None
    width = int(round(seg_s * fs))
    # Only the bins up to just above the HF band are used: the others are not computed
    # (each kept bin's value, and so every band sum, is the same either way).
    keep = int(np.ceil(HF.hi_hz * width / fs)) + 2
    window = hann(width)
    # The segments are made and their periodograms summed a batch at a time, so a long
    # recording's memory stays bounded (issue 18), then averaged.
    total = np.zeros(keep)
    f = np.empty(0)
    count = 0
    for t, nn in stretches:
        for x in welch_batches(t, nn, seg_s, fs, _WELCH_BATCH):
            f, psd = periodogram(x, fs, width, window, keep)
            total += psd.sum(axis=0)
            count += x.shape[0]
    if count == 0:
        return None
    mean_psd = total / count
    return float(band_power(f, mean_psd, LF)), float(band_power(f, mean_psd, HF))


#: Welch segments whose periodograms are computed at once (about 10 MB of work).
_WELCH_BATCH = 512
