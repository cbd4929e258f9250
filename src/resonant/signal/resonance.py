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

A step (or breath) where the breathing rate read from the heart rhythm differs from the
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
from resonant.signal.offline import segment_axis
from resonant.signal.spectrum import LF, band_power, detrend_linear, hann, periodogram

__all__ = [
    "StepScore",
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

#: A step counts as followed when the breathing rate read from the heart rhythm is
#: within this much of the guide's rate, breaths/min (issue requirement; hrv-spec §11
#: uses 0.3 for live feedback).
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
        Phase of heart rate relative to the guide's breathing curve at the guide's
        frequency, degrees (0: in phase; positive: heart rate leads).
    phase_abs_deg : float
        abs(phase_deg).
    smoothness : float
        Share of the heart rate's variance explained by one sinusoid at the guide's
        frequency (1: a pure sine wave).
    lf_peaks : int
        Local maxima in the LF band above half the highest one.
    breathing_rate_bpm : float
        Breathing rate read from the heart rhythm (spectral peak 0.04-0.40 Hz), breaths/min.
    followed : bool
        True when ``breathing_rate_bpm`` is within 0.5 of ``rate_bpm`` and at least
        half the breaths were locked to the guide.
    locked_share : float
        Share of the step's breaths whose heart rate was one wave at the guide's rate
        (:func:`breath_locking`).
    corrected_pct : float
        Share of the step's beats corrected as artifacts, percent.
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
    breathing_rate_bpm: float
    followed: bool
    corrected_pct: float
    locked_share: float = 1.0


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
        Stepped: the step chosen by the criteria.
    margin_pct : float or None
        How much larger the chosen rate's amplitude was than the next best, percent.
    confidence : float
        0-1.
    reliable : bool
        Whether the answer can be used.
    warnings : list of str
        Plain sentences on what limits the answer.
    steps : list of StepScore
        Stepped: every step, scored or not.
    breaths : list of BreathRow
        Sliding: every breath.
    wins : dict
        Stepped: for each criterion, the rate(s) that won it.
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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` output and ``session.json``'s ``assessment``)."""
        out: dict[str, Any] = {
            "protocol": self.protocol,
            "resonance_bpm": None if self.resonance_bpm is None else round(self.resonance_bpm, 2),
            "chosen_step_bpm": self.chosen_step_bpm,
            "margin_pct": None if self.margin_pct is None else round(self.margin_pct, 1),
            "confidence": round(self.confidence, 3),
            "reliable": self.reliable,
            "warnings": list(self.warnings),
        }
        if self.protocol == "stepped":
            out["table"] = [_rounded(asdict(s)) for s in self.steps]
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
    for k, t_beats, seg in _breaths(time_s, hr_bpm, onsets, lag_s, min_beats=4):
        _, design, coef = _wave_fit(t_beats, seg, onsets[k] + lag_s, onsets[k + 1] - onsets[k])
        trend = design[:, 2:] @ coef[2:]
        resid = seg - trend
        var = float(np.sum(resid**2))
        out[k] = float(np.sum((design[:, :2] @ coef[:2]) ** 2) / var) if var > 0 else 0.0
    return np.clip(out, 0.0, 1.0)


#: A breath counts as following the guide when its locking is at least this.
LOCKING_MIN = 0.8


def _grid(
    time_s: NDArray[np.float64], values: NDArray[np.float64], start_s: float, end_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Values linearly interpolated at 4 Hz over [start, end) (a NaN-free stretch)."""
    t = np.arange(start_s, end_s, 1.0 / _FS_HZ)
    ok = np.isfinite(values)
    return t, np.interp(t, time_s[ok], values[ok])


def score_step(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    corrected: NDArray[np.bool_],
    onsets_s: NDArray[np.float64],
    volume: NDArray[np.float64],
    volume_t_s: NDArray[np.float64],
    rate_bpm: float,
) -> StepScore | None:
    """Score one step's scored part (hrv-spec §7.3).

    Parameters
    ----------
    time_s, nn_ms, corrected : ndarray
        The recording's NN series (:func:`nn_series`).
    onsets_s : ndarray of float
        Inhale onsets inside the scored part, plus the onset that ends its last breath.
    volume, volume_t_s : ndarray of float
        The guide's target lung volume (0-1) sampled at ``volume_t_s`` (4 Hz over the
        scored part): the breathing curve the phase is measured against.
    rate_bpm : float
        The guide's rate.

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
    f_pace = rate_bpm / 60.0
    # HR curve on a 4 Hz grid, and the guide's volume on the same grid.
    t, hr_g = _grid(time_s, hr, start, end)
    v = np.interp(t, volume_t_s, volume)
    x = hr_g - hr_g.mean()
    basis = np.exp(-2j * np.pi * f_pace * t)
    c_hr = np.sum(x * basis)
    c_v = np.sum((v - v.mean()) * basis)
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
    breath_band = (f >= 0.04) & (f <= 0.40)
    breathing = float(60.0 * f[breath_band][np.argmax(psd[breath_band])])
    in_nn = (time_s >= start) & (time_s < end)
    return StepScore(
        rate_bpm=float(rate_bpm), start_s=start, end_s=end, breaths=int(np.sum(np.isfinite(amps))),
        amplitude_bpm=float(np.nanmedian(amps)) if np.isfinite(amps).any() else math.nan,
        lf_ms2=lf_ms2, lf_peak_ms2_hz=lf_peak, phase_deg=phase, phase_abs_deg=abs(phase),
        smoothness=smooth, lf_peaks=max(1, lf_peaks), breathing_rate_bpm=breathing,
        followed=abs(breathing - rate_bpm) <= ADHERENCE_TOLERANCE_BPM
        and float(np.mean(locked)) >= 0.5,
        corrected_pct=100.0 * float(np.mean(corrected[in_nn])) if in_nn.any() else 0.0,
        locked_share=float(np.mean(locked)),
    )  # fmt: skip


def choose_stepped(steps: list[StepScore], planned_bpm: list[float]) -> AssessmentResult:
    """Choose the resonance rate from scored steps (hrv-spec §7.3, §7.5).

    Only followed steps are scored. The rate that wins most criteria is chosen (ties:
    larger amplitude, then higher LF peak); the rate is then refined between steps with
    a parabola through the amplitudes at the chosen step and its neighbours (within half
    a step). Fewer than three followed steps give no answer.

    Parameters
    ----------
    steps : list of StepScore
        Every step that could be scored.
    planned_bpm : list of float
        The protocol's rates, in order (to name the steps that could not be scored).
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
        if abs(s.breathing_rate_bpm - s.rate_bpm) > ADHERENCE_TOLERANCE_BPM:
            what = (
                f"the breathing read from the heart rhythm was {s.breathing_rate_bpm:.1f}/min "
                "rather than the guide's"
            )
        else:
            what = (
                f"the heart rhythm followed the guide in {100 * s.locked_share:.0f}% of the breaths"
            )
        warnings.append(
            f"At {s.rate_bpm:g} breaths/min {what}, so that step was left out. Following the "
            "guide is not always easy; that is all right."
        )
    ok = [s for s in steps if s.followed and np.isfinite(s.amplitude_bpm)]
    unused = len(planned_bpm) - len(ok)
    if len(ok) < 3 or unused > 0.2 * len(planned_bpm):
        warnings.append(
            f"{unused} of the {len(planned_bpm)} steps could not be used, so no rate is given "
            "rather than a guess. A repeat, following the guide as best you can, may give a "
            "clearer answer."
        )
        return AssessmentResult("stepped", None, None, None, 0.0, False, warnings, steps)
    wins: dict[str, list[float]] = {}
    count = dict.fromkeys((s.rate_bpm for s in ok), 0)
    for crit, larger in CRITERIA.items():
        values = np.array([getattr(s, crit) for s in ok], dtype=float)
        best = np.nanmax(values) if larger else np.nanmin(values)
        winners = [s.rate_bpm for s, v in zip(ok, values, strict=True) if np.isclose(v, best)]
        wins[crit] = winners
        if len(winners) == len(ok):
            continue  # a criterion every step wins tells nothing
        for r in winners:
            count[r] += CRITERION_WEIGHT.get(crit, 1)
    chosen = max(ok, key=lambda s: (count[s.rate_bpm], s.amplitude_bpm, s.lf_peak_ms2_hz))
    by_amp = sorted(ok, key=lambda s: -s.amplitude_bpm)
    top, runner_up = by_amp[0], by_amp[1]
    margin = (
        100.0 * (top.amplitude_bpm - runner_up.amplitude_bpm) / runner_up.amplitude_bpm
        if runner_up.amplitude_bpm > 0 else None
    )  # fmt: skip
    if top is not chosen:
        warnings.append(
            f"The criteria chose {chosen.rate_bpm:g}/min, but the largest heart-rate swing "
            f"was at {top.rate_bpm:g}/min, so the answer is less certain."
        )
        margin = 0.0
    resonance = _refine(ok, chosen)
    rates = sorted(planned_bpm)
    at_edge = chosen.rate_bpm in (rates[0], rates[-1])
    agreement = count[chosen.rate_bpm] / sum(CRITERION_WEIGHT.get(c, 1) for c in CRITERIA)
    clear = min(1.0, max(0.0, (margin or 0.0) / 15.0))
    confidence = 0.4 * agreement + 0.4 * clear + 0.2 * len(ok) / max(1, len(planned_bpm))
    if at_edge:
        side = "slowest" if chosen.rate_bpm == rates[0] else "fastest"
        warnings.append(
            f"The strongest response was at the {side} rate tried ({chosen.rate_bpm:g}/min); "
            "the resonance may lie beyond the range tested."
        )
        confidence = min(confidence, 0.5)
    if margin is not None and 0.0 < margin < 5.0:
        warnings.append(
            f"The swings at the two best rates were close (within {margin:.0f}%), so the "
            "answer is less certain."
        )
    if len(ok) < len(planned_bpm):
        confidence *= len(ok) / len(planned_bpm)
    return AssessmentResult(
        "stepped", resonance, chosen.rate_bpm, margin, float(confidence), True, warnings,
        steps, [], wins,
    )  # fmt: skip


def _refine(ok: list[StepScore], chosen: StepScore) -> float:
    """Rate of the amplitude maximum near the chosen step (parabola through 3 steps)."""
    ordered = sorted(ok, key=lambda s: s.rate_bpm)
    i = ordered.index(chosen)
    if i == 0 or i == len(ordered) - 1:
        return chosen.rate_bpm
    r = np.array([ordered[i - 1].rate_bpm, chosen.rate_bpm, ordered[i + 1].rate_bpm])
    a = np.array([ordered[i - 1].amplitude_bpm, chosen.amplitude_bpm, ordered[i + 1].amplitude_bpm])
    c2, c1, _ = np.polyfit(r, a, 2)
    if c2 >= 0:  # not a maximum
        return chosen.rate_bpm
    vertex = -c1 / (2 * c2)
    half = 0.5 * min(r[2] - r[1], r[1] - r[0])
    return float(np.clip(vertex, chosen.rate_bpm - half, chosen.rate_bpm + half))


def analyze_sliding(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    onsets_s: NDArray[np.float64],
    rates_bpm: NDArray[np.float64],
    followed: NDArray[np.bool_],
    window_s: float = 60.0,
) -> AssessmentResult:
    """Resonance from the sliding protocol (hrv-spec §7.4-7.5).

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        The recording's NN series.
    onsets_s, rates_bpm : ndarray of float
        Inhale onsets and the guide's rate of each breath (one more onset than rates:
        the last onset ends the last breath).
    followed : ndarray of bool
        Per breath: whether the breathing read from the heart rhythm followed the guide.
    window_s : float
        Centred smoothing window, s.
    """
    amps = breath_amplitudes(time_s, 60000.0 / nn_ms, onsets_s)
    mid = onsets_s[:-1]
    use = np.isfinite(amps) & followed
    smoothed = np.full(amps.size, np.nan)
    for k in range(amps.size):
        near = use & (np.abs(mid - mid[k]) <= window_s / 2)
        if near.sum() >= 3:
            smoothed[k] = float(np.mean(amps[near]))
    rows = [
        BreathRow(
            float(mid[k]), float(rates_bpm[k]), float(amps[k]), float(smoothed[k]),
            bool(followed[k]),
        )
        for k in range(amps.size)
    ]  # fmt: skip
    warnings: list[str] = []
    share_off = 1.0 - float(np.mean(followed)) if followed.size else 1.0
    if share_off > 0.2:
        warnings.append(
            f"The breathing read from the heart rhythm differed from the guide for "
            f"{100 * share_off:.0f}% of the breaths, so the answer is less certain. "
            "Following the guide is not always easy; that is all right."
        )
    if not np.isfinite(smoothed).any():
        warnings.append("Too few breaths could be used, so no rate is given.")
        return AssessmentResult("sliding", None, None, None, 0.0, False, warnings, [], rows)
    k = int(np.nanargmax(smoothed))
    best = float(smoothed[k])
    resonance = float(rates_bpm[k])
    near_top = np.isfinite(smoothed) & (smoothed >= 0.95 * best)
    spread = float(rates_bpm[near_top].max() - rates_bpm[near_top].min())
    span = float(rates_bpm.max() - rates_bpm.min()) or 1.0
    confidence = (1.0 - min(1.0, spread / span)) * (1.0 - share_off)
    reliable = share_off <= 0.2
    if spread >= 1.0:
        warnings.append(
            f"The response was nearly as strong over {spread:.1f} breaths/min, so the "
            "maximum is flat and the answer is less certain."
        )
        confidence = min(confidence, 0.5)
    if mid[k] - mid[0] < window_s or mid[-1] - mid[k] < window_s:
        warnings.append(
            f"The strongest response ({resonance:.2f}/min) was near an end of the sweep; "
            "the resonance may lie beyond the range tested."
        )
        confidence = min(confidence, 0.5)
    margin = None
    return AssessmentResult(
        "sliding", resonance if reliable else None, None, margin, float(confidence), reliable,
        warnings, [], rows,
    )  # fmt: skip
