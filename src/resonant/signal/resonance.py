"""Resonance-frequency assessment: score paced breathing rates from beats and pacer onsets.

Pure numpy, like the rest of the core. Given one source's beats (raw RR, corrected here
with the same artifact handling as everywhere else) and the breathing guide's inhale
onsets with their rates, it measures what the literature scores at each rate and picks
the rate at which the heart rhythm resonates:

* **stepped protocol** (Lehrer, Vaschillo & Vaschillo 2000; Lehrer et al. 2013): each
  step's first 30 s are not scored; per step: peak-to-trough HR amplitude per breath,
  LF power, LF peak height, HR-breathing phase, smoothness, number of LF peaks
  (hrv-spec §7.3); the rate that wins most criteria is chosen (ties: amplitude, then LF
  peak) and refined between steps by a parabola through the amplitudes;
* **sliding protocol** (Fisher & Lehrer 2022): per-breath amplitude, smoothed over a
  centred 60-s window; the rate at the maximum (hrv-spec §7.4, §7.5).

The breathing each step is judged against is measured where it can be (hrv-spec §7.3):

* **with the chest accelerometer** (:func:`chest_breath`), the HR-breathing phase is
  measured against the chest's breathing signal, the real breath, so a person who
  follows the guide a second late is measured against their own breath rather than the
  guide's curve; the step's breathing rate is the chest's, and the step counts as
  followed when it lies within :data:`ADHERENCE_TOLERANCE_BPM` of the guide;
* **without it**, the phase is measured against the guide's curve, and the breathing
  rate read from the heart rhythm is given only when the rule of
  :mod:`resonant.signal.rsa_breathing` finds it clear over the step's 64-s updates
  (prominence, consistency, agreement with the guide; hrv-spec §11.1); otherwise it is
  empty with the reason "unclear from the heart rhythm" and the step counts as followed
  on the heart rhythm's locking to the guide alone (:func:`breath_locking`).

A sweep's breath is followed when the chest's breath under it had the guide's length
(:func:`breaths_followed_at_chest`). A step (or breath) whose breathing differs from the
guide by more than 0.5 breaths/min is not scored, and the result says so instead of
guessing (hrv-spec §7.5.3, §11).

References
----------
Lehrer PM, Vaschillo E, Vaschillo B (2000). Resonant frequency biofeedback training to
increase cardiac variability. Appl Psychophysiol Biofeedback 25(3):177-191.
Lehrer P et al. (2013). Protocol for heart rate variability biofeedback training.
Biofeedback 41(3):98-109. Shaffer F, Meehan ZM (2020). A practical guide to resonance
frequency assessment for heart rate variability biofeedback. Front Neurosci 14:570400.
Fisher LR, Lehrer PM (2022). A method for more accurate determination of resonance
frequency of the cardiovascular system. Appl Psychophysiol Biofeedback 47:17-26.
Vaschillo E et al. (2002), Appl Psychophysiol Biofeedback 27:1-27 (0° HR-respiration
phase at resonance).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from resonant.signal.artifacts import classify_artifacts, correct_rr
from resonant.signal.breathing import SETTLE_S, breathing_from_acc, breathing_signal
from resonant.signal.coherence import short_spectra
from resonant.signal.offline import segment_axis
from resonant.signal.rsa_breathing import (
    UNCLEAR,
    BreathingRead,
    agreement,
    judge_breathing,
    summarize_breathing,
)
from resonant.signal.spectrum import LF, band_power, detrend_linear, hann, periodogram

__all__ = [
    "StepScore",
    "ChestBreath",
    "chest_breath",
    "breaths_followed_at_chest",
    "step_breathing_from_heart",
    "BreathRow",
    "AssessmentResult",
    "CRITERIA",
    "nn_series",
    "breath_amplitudes",
    "breath_locking",
    "score_step",
    "choose_stepped",
    "analyze_sliding",
    "ADHERENCE_TOLERANCE_BPM",
]

#: A step counts as followed when its breathing rate (measured at the chest, or read from
#: the heart rhythm where clear) is within this much of the guide's rate, breaths/min
#: (issue requirement; hrv-spec §11 uses 0.3 for live feedback).
ADHERENCE_TOLERANCE_BPM = 0.5
#: Heart rate follows breathing with a short delay; a breath's HR window is shifted by it, s.
HR_LAG_S = 1.0
#: Interpolation rate of the HR curve for phase and smoothness, Hz.
_FS_HZ = 4.0
#: Zero-padded FFT length of a step's spectrum (at 4 Hz: 0.002 Hz bins).
_NFFT = 2048

#: The peak-to-trough swing counts twice: it is the criterion the others stand in for,
#: and the one the sliding protocol uses alone (decision; hrv-spec §7.3 leaves the
#: weighting open).
CRITERION_WEIGHT = {"amplitude_bpm": 2}

#: Criteria of hrv-spec §7.3, and whether larger is better.
CRITERIA: dict[str, bool] = {
    "amplitude_bpm": True,
    "lf_ms2": True,
    "lf_peak_ms2_hz": True,
    "phase_abs_deg": False,
    "smoothness": True,
    "lf_peaks": False,
}


@dataclass(frozen=True, slots=True)
class StepScore:
    """The criteria of one step (one paced rate).

    Attributes
    ----------
    rate_bpm : float
        The guide's rate, breaths/min.
    start_s, end_s : float
        The scored part of the step (after the first 30 s), s.
    breaths : int
        Breaths scored.
    amplitude_bpm : float
        Mean peak-to-trough heart-rate swing per breath, bpm.
    lf_ms2 : float
        LF power (0.04-0.15 Hz) of the step's NN, ms².
    lf_peak_ms2_hz : float
        Height of the highest spectral value in LF, ms²/Hz.
    phase_deg : float
        Phase of heart rate relative to the breathing at the guide's frequency, degrees
        (0: in phase; positive: heart rate leads), the breathing being the chest's
        breathing signal where the step has one (``phase_reference`` ``"chest"``), else
        the guide's target lung volume (``"guide"``).
    phase_abs_deg : float
        abs(phase_deg).
    smoothness : float
        Share of the heart rate's variance explained by one sinusoid at the guide's
        frequency (1: a pure sine wave).
    lf_peaks : int
        Local maxima in the LF band above half the highest one.
    breathing_rate_bpm : float or None
        The step's breathing rate, breaths/min: measured at the chest
        (``breathing_source`` ``"chest"``: :func:`chest_breath`), or read from the
        heart rhythm where that is clear (``"heart"``, :func:`step_breathing_from_heart`);
        None when it is not clear.
    followed : bool
        True when ``breathing_rate_bpm`` is within 0.5 of ``rate_bpm`` and at least
        half the breaths were locked to the guide; when the breathing is unclear from
        the heart rhythm, on the locking alone.
    locked_share : float
        Share of the step's breaths whose heart rate was one wave at the guide's rate
        (:func:`breath_locking`).
    corrected_pct : float
        Share of the step's beats corrected as artifacts, percent.
    swing_bpm : float
        Median over the breaths that followed the guide of the peak-to-trough of the one
        sinusoid at the breath's length (with a straight line) fitted to its heart rate
        (:func:`breath_swings`), bpm: the swing the resonance is estimated from.
    breath_swings_bpm : tuple of float
        Those breaths' swings (the confidence resamples them).
    breathing_source : str
        Where ``breathing_rate_bpm`` comes from: ``"chest"`` (the accelerometer) or
        ``"heart"`` (the heart rhythm).
    breathing_reason : str or None
        Why ``breathing_rate_bpm`` is empty (:data:`~resonant.signal.rsa_breathing.UNCLEAR`).
    phase_reference : str
        What ``phase_deg`` is measured against: ``"chest"`` or ``"guide"``.
    """

    rate_bpm: float
    start_s: float
    end_s: float
    breaths: int
    amplitude_bpm: float
    lf_ms2: float
    lf_peak_ms2_hz: float
    phase_deg: float
    phase_abs_deg: float
    smoothness: float
    lf_peaks: int
    breathing_rate_bpm: float | None
    followed: bool
    corrected_pct: float
    locked_share: float = 1.0
    swing_bpm: float = math.nan
    breath_swings_bpm: tuple[float, ...] = ()
    breathing_source: str = "heart"
    breathing_reason: str | None = None
    phase_reference: str = "guide"


@dataclass(frozen=True, slots=True)
class BreathRow:
    """One breath of the sliding protocol."""

    onset_s: float
    rate_bpm: float
    amplitude_bpm: float
    smoothed_bpm: float
    followed: bool


@dataclass(frozen=True)
class AssessmentResult:
    """What an assessment found.

    Attributes
    ----------
    protocol : str
        ``stepped`` or ``sliding``.
    resonance_bpm : float or None
        The resonance rate (may lie between steps), breaths/min; None when there is no
        reliable answer.
    chosen_step_bpm : float or None
        Stepped: the step with the largest swing.
    margin_pct : float or None
        Stepped: how much larger that step's swing was than the next largest, percent.
    confidence : float
        0-1: the estimated probability that the answer lies within
        :data:`CONFIDENCE_WITHIN_BPM` (0.25 breaths/min) of the person's resonance rate
        (resampling; the calibration table in docs/benchmarks.md shows how well it holds).
    reliable : bool
        ``confidence >= RELIABLE_CONFIDENCE`` (0.8) and a rate is given.
    warnings : list of str
        Plain sentences on what limits the answer.
    steps : list of StepScore
        Stepped: every step, scored or not.
    breaths : list of BreathRow
        Sliding: every breath.
    wins : dict
        Stepped: for each criterion, the rate(s) that won it.
    extend_bpm : float or None
        When the answer lies at or beyond the first or last rate tried: the rate of one
        more step (or the end of a longer sweep) that would tell.
    """

    protocol: str
    resonance_bpm: float | None
    chosen_step_bpm: float | None
    margin_pct: float | None
    confidence: float
    reliable: bool
    warnings: list[str] = field(default_factory=list)
    steps: list[StepScore] = field(default_factory=list)
    breaths: list[BreathRow] = field(default_factory=list)
    wins: dict[str, list[float]] = field(default_factory=dict)
    extend_bpm: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` output and ``session.json``'s ``assessment``)."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "resonance_bpm": None if self.resonance_bpm is None else round(self.resonance_bpm, 2),
            "chosen_step_bpm": self.chosen_step_bpm,
            "margin_pct": None if self.margin_pct is None else round(self.margin_pct, 1),
            "confidence": round(self.confidence, 3),
            "reliable": self.reliable,
            "extend_bpm": self.extend_bpm,
            "warnings": list(self.warnings),
        }
        if self.protocol == "stepped":
            out["table"] = [
                _rounded({k: v for k, v in asdict(s).items() if k != "breath_swings_bpm"})
                for s in self.steps
            ]
            out["wins"] = self.wins
        else:
            out["table"] = [_rounded(asdict(b)) for b in self.breaths]
        return out


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if math.isnan(v) else round(v, 4)) if isinstance(v, float) else v
        for k, v in d.items()
    }  # fmt: skip


def nn_series(
    time_s: NDArray[np.float64], rr_ms: NDArray[np.float64], segment_starts: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Artifact-corrected NN intervals of a recording, on the cumulative-RR axis.

    Each gap-free segment is classified (Lipponen & Tarvainen 2019) and corrected
    exactly as in the offline analysis; segments are joined with a NaN row between them
    so that nothing is bridged.

    Returns
    -------
    time_s, nn_ms : ndarray of float
        Beat times and NN intervals (NaN at segment joins).
    corrected : ndarray of bool
        Whether each NN value was made or changed by correction.
    """
    bounds = np.append(segment_starts, rr_ms.size)
    ts: list[ArrayLike] = []
    nns: list[ArrayLike] = []
    corr: list[ArrayLike] = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a < 2:
            continue
        t_axis = segment_axis(time_s[a:b], rr_ms[a:b])
        codes = classify_artifacts(rr_ms[a:b])
        t_nn, nn, c = correct_rr(t_axis, rr_ms[a:b], codes)
        ts += [t_nn, [np.nan]]
        nns += [nn, [np.nan]]
        corr += [c.astype(bool), [False]]
    if not ts:
        empty = np.empty(0)
        return empty, empty, np.empty(0, dtype=bool)
    return np.concatenate(ts)[:-1], np.concatenate(nns)[:-1], np.concatenate(corr)[:-1]


def breath_amplitudes(
    time_s: NDArray[np.float64],
    hr_bpm: NDArray[np.float64],
    onsets_s: NDArray[np.float64],
    lag_s: float = HR_LAG_S,
    detrend: bool = True,
    smooth_beats: int = 3,
) -> NDArray[np.float64]:
    """Peak-to-trough heart rate within each breath (hrv-spec §7.5.1).

    Breath k runs from inhale onset k to onset k+1, shifted by ``lag_s`` because heart
    rate follows breathing with a short delay. A breath with fewer than 3 beats, or
    crossing a gap (a NaN), gets NaN.

    Parameters
    ----------
    time_s, hr_bpm : ndarray of float
        Beat times (s) and instantaneous heart rate 60000/NN (bpm).
    onsets_s : ndarray of float
        Inhale onsets, s; one breath between each consecutive pair.
    lag_s : float
        Shift of each breath's window, s.
    detrend : bool
        Remove slow drift first: the slope of a straight line fitted together with one
        wave at the breath's length (decision: slow breaths would otherwise gain
        amplitude from drift alone).
    smooth_beats : int
        Running mean over this many beats first (3; 1 for none), so beat-to-beat noise
        does not count as swing either (decision, same reason).

    Returns
    -------
    ndarray of float
        One amplitude per breath (``len(onsets_s) - 1``), bpm.
    """
    onsets = np.asarray(onsets_s, dtype=np.float64)
    if smooth_beats > 1:
        # Beat-to-beat noise inflates max - min, and more so in long breaths (more beats):
        # a short running mean removes that bias toward slow rates.
        kernel = np.ones(smooth_beats) / smooth_beats
        hr_bpm = np.convolve(hr_bpm, kernel, mode="same")
    out = np.full(max(0, onsets.size - 1), np.nan)
    for k, t_beats, seg in _breaths(time_s, hr_bpm, onsets, lag_s, min_beats=3):
        if detrend and seg.size >= 4:
            # Slow drift over the breath is not its swing: fit one wave at the breath's
            # length plus a straight line, and remove only the line's slope.
            t, _, coef = _wave_fit(t_beats, seg, onsets[k] + lag_s, onsets[k + 1] - onsets[k])
            seg = seg - coef[3] * t
        out[k] = float(seg.max() - seg.min())
    return out


def _breaths(
    time_s: NDArray[np.float64],
    values: NDArray[np.float64],
    onsets: NDArray[np.float64],
    lag_s: float,
    min_beats: int,
) -> Iterator[tuple[int, NDArray[np.float64], NDArray[np.float64]]]:
    """Each breath's beats as ``(k, times, values)``, from onset k to onset k+1.

    The windows are shifted by ``lag_s``; breaths with fewer than ``min_beats`` beats or
    a gap (NaN) are skipped.
    """
    edges = np.searchsorted(time_s, onsets + lag_s)
    for k in range(max(0, onsets.size - 1)):
        a, b = edges[k], edges[k + 1]
        seg = values[a:b]
        if seg.size >= min_beats and not np.isnan(seg).any():
            yield k, time_s[a:b], seg


def _wave_fit(
    time_s: NDArray[np.float64], values: NDArray[np.float64], start_s: float, period_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Least squares of one wave of ``period_s`` plus a straight line, from ``start_s``.

    Returns the times from ``start_s``, the design matrix (cos, sin, 1, t) and the
    coefficients.
    """
    t = time_s - start_s
    w = 2.0 * np.pi / period_s
    design = np.column_stack([np.cos(w * t), np.sin(w * t), np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(design, values, rcond=None)
    return t, design, coef


def _breath_waves(
    time_s: NDArray[np.float64],
    hr_bpm: NDArray[np.float64],
    onsets: NDArray[np.float64],
    lag_s: float,
) -> Iterator[tuple[int, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]]:
    """Each breath of 4 beats or more with its one-wave fit (:func:`_wave_fit`).

    Yields the breath's index, its heart rate, the design matrix and the coefficients.
    """
    for k, t_beats, seg in _breaths(time_s, hr_bpm, onsets, lag_s, min_beats=4):
        _, design, coef = _wave_fit(t_beats, seg, onsets[k] + lag_s, onsets[k + 1] - onsets[k])
        yield k, seg, design, coef


def breath_locking(
    time_s: NDArray[np.float64],
    hr_bpm: NDArray[np.float64],
    onsets_s: NDArray[np.float64],
    lag_s: float = HR_LAG_S,
) -> NDArray[np.float64]:
    """How well each breath's heart rate is one slow wave at the breath's own length.

    For breath k, the share of the heart rate's variance (after removing a straight
    line) explained by one sinusoid whose period is the breath (any phase). Near 1 when
    the heart follows the guided breath; low when the person breathed at their own,
    faster rate during it, so that breath can be left out (decision: hrv-spec §7.5.3
    asks to exclude breaths where the guide was not followed, without saying how to see
    it without a respiration belt).

    Returns
    -------
    ndarray of float
        One value 0-1 per breath (NaN when it has fewer than 4 beats or crosses a gap).
    """
    onsets = np.asarray(onsets_s, dtype=np.float64)
    out = np.full(max(0, onsets.size - 1), np.nan)
    for k, seg, design, coef in _breath_waves(time_s, hr_bpm, onsets, lag_s):
        trend = design[:, 2:] @ coef[2:]
        resid = seg - trend
        var = float(np.sum(resid**2))
        out[k] = float(np.sum((design[:, :2] @ coef[:2]) ** 2) / var) if var > 0 else 0.0
    return np.clip(out, 0.0, 1.0)


def breath_swings(
    time_s: NDArray[np.float64],
    hr_bpm: NDArray[np.float64],
    onsets_s: NDArray[np.float64],
    lag_s: float = HR_LAG_S,
) -> NDArray[np.float64]:
    """Peak-to-trough of the one wave at each breath's length in its heart rate.

    For breath k, heart rate at its beats is fitted by least squares with one sinusoid
    whose period is the breath plus a straight line (as :func:`breath_locking`); the
    swing is twice the sinusoid's amplitude. Unlike max - min of the beats
    (:func:`breath_amplitudes`), it is not shrunk by sampling a faster breath with fewer
    beats, nor grown by beat-to-beat noise in a slower one with more (decision: both bias
    max - min toward slow rates by a few percent across 4.5-7 breaths/min, enough to
    move a fitted peak by 0.1 breaths/min).

    Returns
    -------
    ndarray of float
        One swing per breath (NaN when it has fewer than 4 beats or crosses a gap), bpm.
    """
    onsets = np.asarray(onsets_s, dtype=np.float64)
    out = np.full(max(0, onsets.size - 1), np.nan)
    for k, _, _, coef in _breath_waves(time_s, hr_bpm, onsets, lag_s):
        out[k] = 2.0 * float(np.hypot(coef[0], coef[1]))
    return out


#: A breath counts as following the guide when its locking is at least this.
LOCKING_MIN = 0.8


def _grid(
    time_s: NDArray[np.float64], values: NDArray[np.float64], start_s: float, end_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values linearly interpolated at 4 Hz over [start, end) (a NaN-free stretch)."""
    t = np.arange(start_s, end_s, 1.0 / _FS_HZ)
    ok = np.isfinite(values)
    return t, np.interp(t, time_s[ok], values[ok])


#: Step of the 64-s updates the breathing is read from the heart rhythm with, s (as live).
_UPDATE_S = 5.0
#: A 64-s window fits when its end lies this far after the first beat, s (as live).
_WINDOW_S = 63.5


@dataclass(frozen=True, slots=True)
class ChestBreath:
    """The breathing of one step, measured from the chest accelerometer.

    Attributes
    ----------
    time_s : ndarray of float
        Times of the breathing signal's even grid, s.
    volume_mg : ndarray of float
        The breathing signal (inhalation upward), mG: the chest's tilt, which follows
        the lung volume.
    onsets_s : tuple of float
        Inhalation onsets within the step, s.
    rate_bpm : float
        The step's breathing rate, from its breath-to-breath intervals' median weighted
        by time, breaths/min.
    """

    time_s: NDArray[np.float64]
    volume_mg: NDArray[np.float64]
    onsets_s: tuple[float, ...]
    rate_bpm: float


def chest_breath(
    times_s: ArrayLike, xyz_mg: ArrayLike, start_s: float, end_s: float
) -> ChestBreath | None:
    """The breathing of a step from chest accelerometer data, or None where it shows none.

    The data from :data:`SETTLE_S` before the step to 5 s after it are made into the
    breathing signal and its breaths (:func:`resonant.signal.breathing.breathing_from_acc`,
    Bates et al. 2010; Schäfer & Kratky 2008). The step's rate is that of the breaths
    that fill most of its time: 60 over the median interval between onsets, each
    interval weighted by its length, so that a spell at one's own faster rate does not
    hide a step that was mostly breathed with the guide (decision: a count of breaths
    over the step's span, or a plain median of the intervals, which a fast spell fills
    with short breaths, gave 7.6-7.9/min for a simulated person who breathed two thirds
    of a 6.5/min step with the guide).

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times, s on the session clock, increasing.
    xyz_mg : array_like, shape (n, 3)
        x, y, z acceleration, mG.
    start_s, end_s : float
        The step's scored part, s.

    Returns
    -------
    ChestBreath or None
        None when the data do not cover the step, are too sparse, or show fewer than
        three breaths in it.
    """
    t = np.asarray(times_s, dtype=np.float64)
    x = np.asarray(xyz_mg, dtype=np.float64)
    if t.size < 2 or t[0] > start_s + 5.0 or t[-1] < end_s - 5.0:
        return None
    near = (t >= start_s - SETTLE_S) & (t <= end_s + 5.0)
    t, x = t[near], x[near]
    try:
        breathing = breathing_from_acc(t, x, start_s, end_s)
        if len(breathing.onsets_s) < 3:
            return None
        signal = breathing_signal(t, x)
    except ValueError:  # too little data, or too sparse to show breathing
        return None
    # The breath length that fills half the step: the median of the intervals, each
    # weighted by its own length (time, not breaths: a fast spell has more of them).
    d = np.sort(np.diff(breathing.onsets_s))
    rate = 60.0 / float(d[np.searchsorted(np.cumsum(d), 0.5 * d.sum())])
    return ChestBreath(
        signal.time_s, breathing.sign * signal.signal_mg, breathing.onsets_s, rate
    )


def breaths_followed_at_chest(
    onsets_s: ArrayLike, rates_bpm: ArrayLike, chest_onsets_s: ArrayLike
) -> NDArray[np.bool_]:
    """Whether each guided breath was breathed at the guide's rate, by the chest.

    For guided breath k (onset k to onset k+1, at ``rates_bpm[k]``), the chest's breath
    under its middle (the onsets measured at the chest before and after it) must last
    60 / a rate within :data:`ADHERENCE_TOLERANCE_BPM` of the guide's. A person
    following late still has one chest breath of the guide's length under each guided
    breath's middle; a spell at their own faster rate has shorter ones (decision).

    Parameters
    ----------
    onsets_s : array_like of float
        The guide's inhale onsets (one more than the breaths), s.
    rates_bpm : array_like of float
        The guide's rate of each breath, breaths/min.
    chest_onsets_s : array_like of float
        Inhalation onsets measured at the chest, s, increasing.

    Returns
    -------
    ndarray of bool
        One per guided breath; False where no chest breath lies under its middle.
    """
    on = np.asarray(onsets_s, dtype=np.float64)
    rates = np.asarray(rates_bpm, dtype=np.float64)
    chest = np.asarray(chest_onsets_s, dtype=np.float64)
    if on.size < 2 or chest.size < 2:
        return np.zeros(max(0, on.size - 1), dtype=bool)
    mids = 0.5 * (on[:-1] + on[1:])
    j = np.searchsorted(chest, mids) - 1
    inside = (j >= 0) & (j < chest.size - 1)
    j = np.clip(j, 0, chest.size - 2)
    chest_bpm = 60.0 / (chest[j + 1] - chest[j])
    return np.asarray(inside & (np.abs(chest_bpm - rates) <= ADHERENCE_TOLERANCE_BPM))


def step_breathing_from_heart(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    start_s: float,
    end_s: float,
    rate_bpm: float,
) -> BreathingRead:
    """The breathing rate of a step read from its heart rhythm, where it is clear.

    The step is read as the live display reads a stretch (hrv-spec §11.1): its 64-s
    spectra every 5 s (:func:`resonant.signal.coherence.short_spectra`, windows inside
    the step), each update's highest peak in 0.04-0.40 Hz judged by
    :func:`resonant.signal.rsa_breathing.judge_breathing` (prominence, consistency over
    30 s, the guide's rate), and the step's rate the median of the clear updates when at
    least half were clear (:func:`~resonant.signal.rsa_breathing.summarize_breathing`).
    A step too short for one 64-s window is unclear: one spectrum cannot show that the
    peak is steady (decision).

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        The recording's NN series (:func:`nn_series`).
    start_s, end_s : float
        The step's scored part (no gap inside), s.
    rate_bpm : float
        The guide's rate, breaths/min.

    Returns
    -------
    BreathingRead
        The rate, or None with :data:`~resonant.signal.rsa_breathing.UNCLEAR`.

    References
    ----------
    Schäfer A, Kratky KW (2008). Estimation of breathing rate from respiratory sinus
    arrhythmia: comparison of various methods. Ann Biomed Eng 36(3):476-485.
    """
    inside = (time_s >= start_s) & (time_s <= end_s) & np.isfinite(nn_ms)
    tt, nn = time_s[inside], nn_ms[inside]
    if tt.size < 10 or tt[-1] - tt[0] < _WINDOW_S:
        return BreathingRead(None, UNCLEAR)
    ticks = np.arange(tt[0] + _WINDOW_S, tt[-1] + 1e-9, _UPDATE_S)
    ends = np.unique(tt[np.clip(np.searchsorted(tt, ticks), 0, tt.size - 1)])
    spec = short_spectra(tt, nn, ends)
    agree = agreement(ends, spec.breath_hz)
    clear = judge_breathing(spec.breath_hz, spec.breath_share, agree, np.full(ends.size, rate_bpm))
    return summarize_breathing(spec.breath_hz, clear)


def score_step(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    corrected: NDArray[np.bool_],
    onsets_s: NDArray[np.float64],
    volume: NDArray[np.float64],
    volume_t_s: NDArray[np.float64],
    rate_bpm: float,
    chest: ChestBreath | None = None,
) -> StepScore | None:
    """Score one step's scored part (hrv-spec §7.3).

    The breathing the step is judged against is the chest's where ``chest`` is given:
    the phase is measured against its breathing signal (the real breath: a person who
    follows the guide late is measured against their own breath), its rate is the
    step's breathing rate, and the step is followed when that rate lies within
    :data:`ADHERENCE_TOLERANCE_BPM` of the guide's and at least half the breaths' heart
    rate locked to the guide (:func:`breath_locking`). The chest signal's sign (which
    way is in) is taken from the guide when the person breathed at its rate: a person
    following it lags by far less than a quarter breath. Without ``chest`` the phase is
    measured against the guide's curve, and the breathing rate is read from the heart
    rhythm only where that is clear (:func:`step_breathing_from_heart`); where it is
    not, it is None with the reason, and the step counts as followed when at least half
    its breaths' heart rate was one wave at the guide's breath (decision: the locking
    is what the heart rhythm can defend; a raw spectral peak can be the Mayer wave).

    Parameters
    ----------
    time_s, nn_ms, corrected : ndarray
        The recording's NN series (:func:`nn_series`).
    onsets_s : ndarray of float
        Inhale onsets inside the scored part, plus the onset that ends its last breath.
    volume, volume_t_s : ndarray of float
        The guide's target lung volume (0-1) sampled at ``volume_t_s`` (4 Hz over the
        scored part): the breathing curve the phase is measured against without a chest.
    rate_bpm : float
        The guide's rate.
    chest : ChestBreath or None
        The step's breathing measured at the chest (:func:`chest_breath`), if any.

    Returns
    -------
    StepScore or None
        None when the part holds fewer than 2 breaths or crosses a gap.
    """
    if len(onsets_s) < 3:
        return None
    start, end = float(onsets_s[0]), float(onsets_s[-1])
    inside = (time_s >= start) & (time_s < end + HR_LAG_S)
    if inside.sum() < 10 or np.isnan(nn_ms[inside]).any():
        return None
    hr = 60000.0 / nn_ms
    amps = breath_amplitudes(time_s, hr, onsets_s)
    locked = breath_locking(time_s, hr, onsets_s) >= LOCKING_MIN
    amps = np.where(locked, amps, np.nan)  # breaths taken at the person's own rate
    swings = breath_swings(time_s, hr, onsets_s)
    swings = swings[locked & np.isfinite(swings)]
    f_pace = rate_bpm / 60.0
    # HR curve on a 4 Hz grid, and the guide's volume on the same grid.
    t, hr_g = _grid(time_s, hr, start, end)
    v = np.interp(t, volume_t_s, volume)
    x = hr_g - hr_g.mean()
    basis = np.exp(-2j * np.pi * f_pace * t)
    c_hr = np.sum(x * basis)
    c_v = np.sum((v - v.mean()) * basis)
    breathing_reason: str | None = None
    if chest is not None:
        breathing: float | None = chest.rate_bpm
        c_chest = np.sum(np.interp(t, chest.time_s, chest.volume_mg) * basis)
        if abs(chest.rate_bpm - rate_bpm) <= ADHERENCE_TOLERANCE_BPM and (c_chest / c_v).real < 0:
            c_chest = -c_chest  # breathing with the guide, so in is the guide's way
        c_v = c_chest
    else:
        read = step_breathing_from_heart(time_s, nn_ms, start, end, rate_bpm)
        breathing, breathing_reason = read.rate_bpm, read.reason
    phase = float(np.degrees(np.angle(c_hr / c_v))) if abs(c_v) > 0 else math.nan
    # Smoothness: variance explained by the best sinusoid at the guide's frequency.
    design = np.column_stack([np.cos(2 * np.pi * f_pace * t), np.sin(2 * np.pi * f_pace * t)])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    var = float(np.var(x))
    smooth = float(np.var(design @ coef) / var) if var > 0 else 0.0
    # Spectrum of the NN intervals of the part (ms), 4 Hz, detrended, Hann window.
    _, nn_g = _grid(time_s, nn_ms, start, end)
    f, psd = periodogram(
        detrend_linear(nn_g[None, :]), _FS_HZ, max(_NFFT, nn_g.size), hann(nn_g.size)
    )
    psd = psd[0]
    lf_ms2 = float(band_power(f, psd[None, :], LF)[0])
    in_lf = (f >= LF.lo_hz) & (f < LF.hi_hz)
    lf_psd = psd[in_lf]
    lf_peak = float(lf_psd.max()) if lf_psd.size else 0.0
    interior = (lf_psd[1:-1] > lf_psd[:-2]) & (lf_psd[1:-1] >= lf_psd[2:])
    lf_peaks = int(np.sum(interior & (lf_psd[1:-1] >= 0.5 * lf_peak)))
    locked_share = float(np.mean(locked))
    followed = locked_share >= 0.5 and (
        breathing is None or abs(breathing - rate_bpm) <= ADHERENCE_TOLERANCE_BPM
    )
    in_nn = (time_s >= start) & (time_s < end)
    return StepScore(
        rate_bpm=float(rate_bpm), start_s=start, end_s=end, breaths=int(np.sum(np.isfinite(amps))),
        amplitude_bpm=float(np.nanmedian(amps)) if np.isfinite(amps).any() else math.nan,
        lf_ms2=lf_ms2, lf_peak_ms2_hz=lf_peak, phase_deg=phase, phase_abs_deg=abs(phase),
        smoothness=smooth, lf_peaks=max(1, lf_peaks), breathing_rate_bpm=breathing,
        followed=followed,
        corrected_pct=100.0 * float(np.mean(corrected[in_nn])) if in_nn.any() else 0.0,
        locked_share=locked_share,
        swing_bpm=float(np.median(swings)) if swings.size else math.nan,
        breath_swings_bpm=tuple(float(x) for x in swings),
        breathing_source="heart" if chest is None else "chest",
        breathing_reason=breathing_reason,
        phase_reference="guide" if chest is None else "chest",
    )  # fmt: skip


#: Sharpness values (quality factor) the resonance-curve fit tries.
_FIT_Q = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 5.5, 7.5, 10.0, 14.0])
#: A lopsided curve's sharpness on one side is at most this many times the other's
#: (decision: 3 keeps the answers marked reliable within 0.3 on both simulated people;
#: any pair let the shape explain any peak between two steps, so nothing was reliable).
LOPSIDED_Q_RATIO = 3.0
#: Resolution of the fitted resonance rate, breaths/min.
_FIT_RES_BPM = 0.01
#: The fitted rate may lie this far beyond the outermost rate tried, breaths/min.
_FIT_BEYOND_BPM = 0.25
#: Resamples of the confidence (bootstrap over breaths).
BOOTSTRAP_N = 200
#: The confidence is the estimated probability that the answer is within this of the
#: person's resonance rate, breaths/min.
CONFIDENCE_WITHIN_BPM = 0.25
#: An answer is marked reliable when its confidence is at least this.
RELIABLE_CONFIDENCE = 0.8
#: ... and when at least this share of the scored breaths followed the guide (measured
#: on two simulated people: 0.51 median, 0.74 at most, at adherence 0.5; 0.91 median at
#: adherence 0.9, 5 % of runs below 0.68).
RELIABLE_FOLLOWED = 0.75


def fit_resonance(
    rate_bpm: NDArray[np.float64],
    swing_bpm: NDArray[np.float64],
    weight: NDArray[np.float64] | None = None,
    lo_bpm: float | None = None,
    hi_bpm: float | None = None,
    lopsided: bool = False,
) -> NDArray[np.float64]:
    """Rate of the peak of the resonance curve fitted to swings measured at several rates.

    The squared swing is modelled as ``a |H(f)|^2 + c``, with ``|H(f)|^2 = 1 / (1 +
    Q^2 (f/f0 - f0/f)^2)`` the power gain of a resonance at ``f0`` (the cardiovascular
    system as a resonator: Vaschillo et al. 2002, 2006), and ``a, c >= 0`` (``c``:
    oscillation at the breathing rate that does not resonate, such as the direct vagal
    effect and noise). ``a`` and ``c`` are solved in closed form for every ``(f0, Q)`` on
    a grid, and the ``f0`` whose curve is nearest the swings (weighted
    least squares on the swings themselves) is returned. Every rate counts, so an answer
    between two rates, or a maximum at the first or last rate, is read from the curve's
    shape rather than from the winning rate alone.

    Parameters
    ----------
    rate_bpm : ndarray of float
        The rates (at least 3 distinct), breaths/min.
    swing_bpm : ndarray of float
        The swing at each rate; a 2-D array fits each row separately (resamples).
    weight : ndarray of float or None
        Weight of each rate (breaths scored); None: equal.
    lo_bpm, hi_bpm : float or None
        The range searched for ``f0`` (default: 0.25 beyond the outermost rates).
    lopsided : bool
        Let the curve fall at its own sharpness on each side of ``f0`` (a ``Q`` below and
        another, at most :data:`LOPSIDED_Q_RATIO` times apart, above): a resonance whose
        response falls steeply on one side and gently on the other (as a delayed
        baroreflex loop's does) is then not read toward the gentle side, at the price of
        more scatter on a symmetric one. Used for the confidence
        (:func:`choose_stepped`), not for the answer.

    Returns
    -------
    ndarray of float
        The fitted resonance rate, one per row of ``swing_bpm`` (a 0-d value for 1-D).

    References
    ----------
    deBoer RW, Karemaker JM, Strackee J (1987). Hemodynamic fluctuations and baroreflex
    sensitivity in humans: a beat-to-beat model. Am J Physiol 253:H680-H689.
    Vaschillo E et al. (2002), Appl Psychophysiol Biofeedback 27:1-27; (2006) 31:129-142.
    """
    f = np.asarray(rate_bpm, dtype=np.float64)
    y = np.asarray(swing_bpm, dtype=np.float64)
    one = y.ndim == 1
    y2 = np.atleast_2d(y)
    w = np.ones(f.size) if weight is None else np.asarray(weight, dtype=np.float64)
    w = w / w.sum()
    lo = float(f.min()) - _FIT_BEYOND_BPM if lo_bpm is None else lo_bpm
    hi = float(f.max()) + _FIT_BEYOND_BPM if hi_bpm is None else hi_bpm
    f0 = np.arange(lo, hi + _FIT_RES_BPM / 2, _FIT_RES_BPM)
    x2 = (f[None, :] / f0[:, None] - f0[:, None] / f[None, :]) ** 2  # (f0, rate)
    q2 = (_FIT_Q**2)[:, None, None]
    if lopsided:  # the (Q below, Q above) pairs at most LOPSIDED_Q_RATIO apart
        below = (f[None, :] < f0[:, None])[None, None]
        pairs = np.where(below, q2[:, None], q2[None, :])
        ratio = np.maximum.outer(_FIT_Q, _FIT_Q) / np.minimum.outer(_FIT_Q, _FIT_Q)
        q2 = pairs[ratio <= LOPSIDED_Q_RATIO + 1e-9]
    h2 = 1.0 / (1.0 + q2 * x2[None])  # (Q, f0, rate)
    hm = (h2 * w).sum(-1)  # weighted means over the rates
    hc = h2 - hm[..., None]
    hvar = np.maximum((hc**2 * w).sum(-1), 1e-12)
    out = np.empty(y2.shape[0])
    for i, yy in enumerate(y2):
        sq = yy**2
        sm = float((sq * w).sum())
        a = np.maximum((hc * (sq - sm) * w).sum(-1) / hvar, 0.0)
        c = np.maximum(sm - a * hm, 0.0)
        model = np.sqrt(a[..., None] * h2 + c[..., None])
        resid = (((model - yy) ** 2) * w).sum(-1)  # (Q, f0)
        k = int(np.argmin(resid))
        out[i] = f0[k % f0.size]
    return out[0] if one else out


def choose_stepped(
    steps: list[StepScore], planned_bpm: list[float], seed: int = 0
) -> AssessmentResult:
    """The resonance rate from scored steps: one resonance curve through all of them.

    Only steps the person followed are used (hrv-spec §7.5.3); fewer than three give no
    answer. The rate is the peak of the
    resonance curve fitted to every step's swing (:func:`fit_resonance`, weighted by
    breaths). The literature's six criteria (hrv-spec §7.3) are still scored and shown
    per step; the swing, which the others stand in for, decides (decision: on two
    simulated people, the phase against the guide is shifted by how late a person
    follows it, which the chest's breathing, where recorded, removes, and LF power and
    its peak add nothing the swing does not have; see docs/research-guide.md).

    The confidence is the share of :data:`BOOTSTRAP_N` resamples (each step's breaths
    drawn with replacement) whose answer lies within :data:`CONFIDENCE_WITHIN_BPM` of
    the answer, the curve fitted again to each resample twice: as the answer's
    symmetric curve and as a lopsided one (``lopsided=True``). It estimates the
    probability that the answer is that close, counting both the scatter of the breaths
    and the doubt about the curve's shape: where the two shapes put the peak apart, as
    they do when the response falls much faster on one side, the confidence is low
    (decision: on the delayed-baroreflex person the symmetric answer was 0.2 low with a
    confidence of 0.9; counting the shape brought the answers marked reliable from 90 %
    to 97 % within 0.3, see docs/benchmarks.md). ``reliable`` is ``confidence >= RELIABLE_CONFIDENCE`` with at
    least :data:`RELIABLE_FOLLOWED` of the scored breaths following the guide; an answer
    beyond the rates tried (the curve's peak may lie up to 0.25 breaths/min outside
    them) is not. When the largest swing is at the first or last rate and the
    peak near or beyond it, ``extend_bpm`` names one more step, half a breath/min
    further, that would tell (a live assessment adds it by itself).

    Parameters
    ----------
    steps : list of StepScore
        Every step that could be scored.
    planned_bpm : list of float
        The protocol's rates, in order (to name the steps that could not be scored).
    seed : int
        Seed of the resampling (the same data give the same confidence).
    """
    warnings: list[str] = []
    scored = {s.rate_bpm: s for s in steps}
    for rate in planned_bpm:
        if rate not in scored:
            warnings.append(
                f"The step at {rate:g} breaths/min could not be scored (too few beats, or a "
                "break in the signal)."
            )
    for s in steps:
        if s.followed:
            continue
        read = s.breathing_rate_bpm
        if read is not None and abs(read - s.rate_bpm) > ADHERENCE_TOLERANCE_BPM:
            where = "measured at the chest" if s.breathing_source == "chest" else (
                "read from the heart rhythm"
            )
            what = f"the breathing {where} was {read:.1f}/min rather than the guide's"
        else:
            what = (
                f"the heart rhythm followed the guide in {100 * s.locked_share:.0f}% of the breaths"
            )
        warnings.append(
            f"At {s.rate_bpm:g} breaths/min {what}, so that step was left out. Following the "
            "guide is not always easy; that is all right."
        )
    ok = sorted(
        (s for s in steps if s.followed and s.breath_swings_bpm and np.isfinite(s.swing_bpm)),
        key=lambda s: s.rate_bpm,
    )
    unused = len(planned_bpm) - len(ok)
    if len(ok) < 3:
        warnings.append(
            f"{unused} of the {len(planned_bpm)} steps could not be used, so no rate is given "
            "rather than a guess. A repeat, following the guide as best you can, may give a "
            "clearer answer."
        )
        return AssessmentResult("stepped", None, None, None, 0.0, False, warnings, steps)
    wins = _criteria_wins(ok)
    rates = np.array([s.rate_bpm for s in ok])
    swings = np.array([s.swing_bpm for s in ok])
    breaths = np.array([len(s.breath_swings_bpm) for s in ok], dtype=np.float64)
    resonance = float(fit_resonance(rates, swings, breaths))
    rng = np.random.default_rng(seed)
    again = _refits(rates, [np.asarray(s.breath_swings_bpm) for s in ok], rng)
    confidence = float(np.mean(np.abs(again - resonance) <= CONFIDENCE_WITHIN_BPM))
    top = int(np.argmax(swings))
    order = np.argsort(-swings)
    margin = 100.0 * (swings[order[0]] - swings[order[1]]) / swings[order[1]]
    lo, hi = float(rates[0]), float(rates[-1])
    extend: float | None = None
    if resonance >= hi - CONFIDENCE_WITHIN_BPM and top == rates.size - 1:
        extend = hi + 0.5
    elif resonance <= lo + CONFIDENCE_WITHIN_BPM and top == 0:
        extend = lo - 0.5
    answer: float | None = resonance
    beyond = resonance > hi or resonance < lo
    if extend is not None:
        side = "fastest" if extend > hi else "slowest"
        where = "beyond" if beyond else "near"
        retry = " (tried, but left out)" if extend in planned_bpm else ""
        warnings.append(
            f"The strongest response was {where} the {side} rate used; one more step at "
            f"{extend:g} breaths/min{retry} would make the answer firmer."
        )
    # How much of the time the heart rhythm followed the guide, over the steps scored.
    followed_share = float(np.mean([s.locked_share for s in steps]))
    if followed_share < RELIABLE_FOLLOWED:
        warnings.append(
            f"The heart rhythm followed the guide in {100 * followed_share:.0f}% of the "
            "breaths, so the answer is less certain. Following the guide is not always "
            "easy; that is all right."
        )
    # An answer outside the rates tried rests on the curve's shape alone.
    reliable = confidence >= RELIABLE_CONFIDENCE and not beyond
    reliable = reliable and followed_share >= RELIABLE_FOLLOWED
    if not reliable and followed_share >= RELIABLE_FOLLOWED:
        warnings.append(
            f"The answer is uncertain (about a {100 * confidence:.0f}% chance of being within "
            f"{CONFIDENCE_WITHIN_BPM:g} breaths/min), so it is not marked reliable; a repeat "
            "may give a clearer answer."
        )
    return AssessmentResult(
        "stepped", answer, float(rates[top]), float(margin), confidence, reliable, warnings,
        steps, [], wins, extend,
    )  # fmt: skip


def _refits(
    rates_bpm: NDArray[np.float64],
    swings_bpm: list[NDArray[np.float64]],
    rng: np.random.Generator,
    lo_bpm: float | None = None,
    hi_bpm: float | None = None,
) -> NDArray[np.float64]:
    """The resonance fitted again to :data:`BOOTSTRAP_N` resamples, with both curve shapes.

    Each rate's breaths are drawn with replacement and their median taken; each resample
    is fitted with the symmetric and with the lopsided curve (:func:`fit_resonance`), so
    the result holds ``2 * BOOTSTRAP_N`` answers.
    """
    boot = np.empty((BOOTSTRAP_N, rates_bpm.size))
    for j, b in enumerate(swings_bpm):
        boot[:, j] = np.median(b[rng.integers(0, b.size, (BOOTSTRAP_N, b.size))], axis=1)
    count = np.array([b.size for b in swings_bpm], dtype=np.float64)
    return np.concatenate([
        fit_resonance(rates_bpm, boot, count, lo_bpm, hi_bpm, lopsided=shape)
        for shape in (False, True)
    ])  # fmt: skip


def _criteria_wins(ok: list[StepScore]) -> dict[str, list[float]]:
    """For each criterion of hrv-spec §7.3, the rate(s) that won it (shown, not deciding)."""
    wins: dict[str, list[float]] = {}
    for crit, larger in CRITERIA.items():
        values = np.array([getattr(s, crit) for s in ok], dtype=float)
        best = np.nanmax(values) if larger else np.nanmin(values)
        wins[crit] = [s.rate_bpm for s, v in zip(ok, values, strict=True) if np.isclose(v, best)]
    return wins


def analyze_sliding(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    onsets_s: NDArray[np.float64],
    rates_bpm: NDArray[np.float64],
    followed: NDArray[np.bool_],
    window_s: float = 60.0,
    seed: int = 0,
) -> AssessmentResult:
    """Resonance from a sweep (hrv-spec §7.4-7.5), down and back up.

    Each breath's swing (:func:`breath_swings`) is taken where the person followed the
    guide (the breathing read from the heart rhythm, and the breath's heart rate being
    one wave at its length). The resonance curve (:func:`fit_resonance`) is fitted to
    the breaths of the way down and to those of the way up separately; the heart's
    response lags the sweep, moving the two peaks apart in opposite directions, so the
    answer is their mean (one way only: that way's peak, with a warning). The
    confidence resamples the breaths of each way (:data:`BOOTSTRAP_N` times) with the
    symmetric curve only (decision: counting the lopsided curve as
    :func:`choose_stepped` does, on breaths binned by rate, made the sweep's answers
    worse on both simulated people and its confidence no truer on the delayed one).

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        The recording's NN series.
    onsets_s, rates_bpm : ndarray of float
        Inhale onsets and the guide's rate of each breath (one more onset than rates:
        the last onset ends the last breath).
    followed : ndarray of bool
        Per breath: whether the breathing followed the guide (measured at the chest,
        :func:`breaths_followed_at_chest`, or read from the heart rhythm where clear).
    window_s : float
        Centred window of the smoothed swing shown per breath (display only), s.
    seed : int
        Seed of the resampling.
    """
    hr = 60000.0 / nn_ms
    amps = breath_amplitudes(time_s, hr, onsets_s)
    swings = breath_swings(time_s, hr, onsets_s)
    locked = breath_locking(time_s, hr, onsets_s) >= LOCKING_MIN
    mid = onsets_s[:-1]
    use = np.isfinite(swings) & followed & locked
    smoothed = np.full(amps.size, np.nan)
    for k in range(amps.size):
        near = use & np.isfinite(amps) & (np.abs(mid - mid[k]) <= window_s / 2)
        if near.sum() >= 3:
            smoothed[k] = float(np.mean(amps[near]))
    rows = [
        BreathRow(
            float(mid[k]), float(rates_bpm[k]), float(amps[k]), float(smoothed[k]),
            bool(use[k]),
        )
        for k in range(amps.size)
    ]  # fmt: skip
    warnings: list[str] = []
    share_off = 1.0 - float(np.mean(use)) if use.size else 1.0
    if share_off > 0.2:
        warnings.append(
            f"The heart rhythm did not follow the guide for {100 * share_off:.0f}% of the "
            "breaths, so the answer is less certain. Following the guide is not always "
            "easy; that is all right."
        )
    # The way down ends at the slowest rate; the way up (if any) starts after it.
    turn = int(np.argmin(rates_bpm)) if rates_bpm.size else 0
    while turn + 1 < rates_bpm.size and rates_bpm[turn + 1] <= rates_bpm[turn] + 1e-9:
        turn += 1
    index = np.arange(rates_bpm.size)
    ways = [w for w in (use & (index <= turn), use & (index > turn)) if w.sum() >= 8]
    if not ways:
        warnings.append("Too few breaths could be used, so no rate is given.")
        return AssessmentResult("sliding", None, None, None, 0.0, False, warnings, [], rows)
    if len(ways) == 1:
        warnings.append(
            "Only one direction of the sweep could be used; the heart's response lags "
            "the sweep, so the answer may be a little off."
        )
    lo, hi = float(rates_bpm.min()), float(rates_bpm.max())
    rng = np.random.default_rng(seed)
    peaks, boots = [], []
    for w in ways:
        r, y = rates_bpm[w], swings[w]
        peaks.append(float(fit_resonance(r, y, lo_bpm=lo, hi_bpm=hi)))
        pick = rng.integers(0, r.size, (BOOTSTRAP_N, r.size))
        boots.append(np.array([
            float(fit_resonance(r[p], y[p], lo_bpm=lo, hi_bpm=hi)) for p in pick
        ]))  # fmt: skip
    resonance = float(np.mean(peaks))
    again = np.mean(boots, axis=0)
    confidence = float(np.mean(np.abs(again - resonance) <= CONFIDENCE_WITHIN_BPM))
    if share_off > 0.2 or len(ways) == 1:
        confidence = min(confidence, 0.5)
    extend: float | None = None
    if resonance >= hi - CONFIDENCE_WITHIN_BPM:
        extend = hi + 0.5
    elif resonance <= lo + CONFIDENCE_WITHIN_BPM:
        extend = lo - 0.5
    if extend is not None:
        side = "fastest" if extend > hi else "slowest"
        warnings.append(
            f"The strongest response was near the {side} end of the sweep; a sweep reaching "
            f"{extend:g} breaths/min would make the answer firmer."
        )
    reliable = confidence >= RELIABLE_CONFIDENCE and extend is None
    if not reliable and share_off <= 0.2:
        warnings.append(
            f"The answer is uncertain (about a {100 * confidence:.0f}% chance of being within "
            f"{CONFIDENCE_WITHIN_BPM:g} breaths/min), so it is not marked reliable; a repeat "
            "may give a clearer answer."
        )
    return AssessmentResult(
        "sliding", resonance, None, None, confidence, reliable, warnings, [], rows, {}, extend,
    )  # fmt: skip
