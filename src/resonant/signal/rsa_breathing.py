"""Is the breathing rate read from the heart rhythm clear enough to show? (hrv-spec §11.1).

The heart speeds up as we breathe in and slows as we breathe out (respiratory sinus
arrhythmia, RSA), so the highest peak of the heart rhythm's spectrum in 0.04-0.40 Hz is
often the breathing rate. Often, not always: when the vagal part of the rhythm is small
(under threat, with fast shallow breathing) the highest peak can be the 0.1 Hz Mayer
wave of blood pressure instead, or noise. A number shown as the person's breathing must
be their breathing, so this module decides, with one rule used by the live stream and
the offline analysis alike, whether a 5-s update's peak is shown:

1. **Prominence.** The peak holds at least :data:`SHARE_MIN` of the 0.04-0.40 Hz power
   within +/-0.03 Hz of it (``ShortSpectra.breath_share``). RSA-derived respiration is
   reliable when the respiratory component stands out of the spectrum and fails when it
   does not (Schäfer & Kratky 2008).
2. **Consistency.** Of the updates in the last :data:`CONSISTENCY_S` seconds of the same
   gap-free stretch (the current one included), at least :data:`AGREE_MIN` have their
   peak within :data:`CONSISTENCY_BPM` of the current one: breathing is a steady
   rhythm, a peak that jumps from update to update is not.
3. **The guide.** When a breathing guide runs and the peak lies within
   :data:`GUIDE_AGREE_BPM` of it, the person is likely breathing with it, and a slow
   peak needs less prominence (:data:`SHARE_MIN_GUIDED`) than without a guide (4).
4. **The Mayer wave.** Without a guide near it, a peak below :data:`MAYER_HI_HZ`
   (7.8 breaths/min) is more likely the Mayer wave, the spontaneous ~0.1 Hz rhythm of
   blood pressure and heart rate (Julien 2006), than breathing, which at rest runs at
   12-20 breaths/min; it is shown only when it dominates the band
   (:data:`SHARE_MIN_SLOW`), as slow deliberate breathing does.

Otherwise the value is empty and the reason is :data:`UNCLEAR`. A whole phase or
recording shows the median of its clear updates when at least :data:`PHASE_CLEAR_MIN`
of its usable updates were clear (:func:`summarize_breathing`).

References
----------
Schäfer A, Kratky KW (2008). Estimation of breathing rate from respiratory sinus
arrhythmia: comparison of various methods. Ann Biomed Eng 36(3):476-485.
Julien C (2006). The enigma of Mayer waves: facts and models. Cardiovasc Res
70(1):12-21.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "UNCLEAR",
    "SHARE_MIN",
    "SHARE_MIN_GUIDED",
    "SHARE_MIN_SLOW",
    "MAYER_HI_HZ",
    "CONSISTENCY_S",
    "CONSISTENCY_BPM",
    "AGREE_MIN",
    "GUIDE_AGREE_BPM",
    "PHASE_CLEAR_MIN",
    "BreathingRead",
    "judge_breathing",
    "agreement",
    "summarize_breathing",
]

#: The reason shown in place of a breathing rate that is not clear.
UNCLEAR = "unclear from the heart rhythm"
#: Least share of the 0.04-0.40 Hz power within +/-0.03 Hz of the peak (decision,
#: measured on the simulated people: breathing at 14/min at rest gives 0.35-0.66, 10th
#: to 90th percentile; with the consistency rule, 0.3 shows 72 % of the resonator's
#: rest updates, all right, and 1-2 % of threat updates wrongly; hrv-spec §11.1).
SHARE_MIN = 0.3
#: ... at most, when a guide runs and the peak lies at its rate (a slow peak then needs
#: this rather than :data:`SHARE_MIN_SLOW`: paced breathing gives 0.85-0.99, while the
#: Mayer wave of a person not following a 6/min guide reaches 0.5-0.7 at times).
SHARE_MIN_GUIDED = 0.6
#: ... for a peak below :data:`MAYER_HI_HZ` with no guide at its rate (paced breathing
#: at 5-6/min gives 0.85-0.99).
SHARE_MIN_SLOW = 0.8
#: Upper end of the Mayer-wave band, Hz (Julien 2006: about 0.1 Hz in humans).
MAYER_HI_HZ = 0.13
#: Span of the updates whose peaks must agree, s.
CONSISTENCY_S = 30.0
#: Largest difference between those peaks and the current one, breaths/min.
CONSISTENCY_BPM = 1.0
#: Least share of those updates that agree.
AGREE_MIN = 0.8
#: Largest difference between the peak and a running guide for it to count as the
#: guided breathing, breaths/min.
GUIDE_AGREE_BPM = 1.0
#: A phase's or recording's breathing rate is shown when at least this share of its
#: usable updates were clear.
PHASE_CLEAR_MIN = 0.5


@dataclass(frozen=True, slots=True)
class BreathingRead:
    """The breathing rate read from the heart rhythm, or why it is not shown.

    Attributes
    ----------
    rate_bpm : float or None
        Breaths per minute; None when unclear or unavailable.
    reason : str or None
        Why it is not shown (:data:`UNCLEAR`); None when it is.
    """

    rate_bpm: float | None
    reason: str | None


def judge_breathing(
    breath_hz: ArrayLike,
    breath_share: ArrayLike,
    agree: ArrayLike,
    guide_bpm: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Whether each update's breathing peak is clearly the breathing (the module's rule).

    Parameters
    ----------
    breath_hz : array_like of float
        Frequency of each update's highest peak in 0.04-0.40 Hz, Hz.
    breath_share : array_like of float
        Share of the 0.04-0.40 Hz power within +/-0.03 Hz of it (0-1).
    agree : array_like of float
        Share of the updates of the last :data:`CONSISTENCY_S` s whose peak agrees with
        it (:func:`agreement`).
    guide_bpm : array_like of float or None
        The guide's rate at each update, breaths/min; NaN or None where none runs.

    Returns
    -------
    ndarray of bool
        True where the rate is shown.

    Examples
    --------
    >>> judge_breathing([0.25, 0.1, 0.1], [0.6, 0.6, 0.6], [1.0, 1.0, 1.0], [np.nan, np.nan, 6.0])
    array([ True, False,  True])
    """
    f = np.asarray(breath_hz, dtype=np.float64)
    share = np.asarray(breath_share, dtype=np.float64)
    ok_agree = np.asarray(agree, dtype=np.float64) >= AGREE_MIN
    if guide_bpm is None:
        guided = np.zeros(f.shape, dtype=bool)
    else:
        g = np.asarray(guide_bpm, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            guided = np.abs(60.0 * f - g) <= GUIDE_AGREE_BPM  # False where g is NaN
    slow = f < MAYER_HI_HZ
    base = np.where(slow, SHARE_MIN_SLOW, SHARE_MIN)
    need = np.where(guided, np.minimum(base, SHARE_MIN_GUIDED), base)
    return np.asarray(ok_agree & (share >= need) & np.isfinite(f), dtype=bool)


def agreement(
    time_s: ArrayLike, breath_hz: ArrayLike, segment: ArrayLike | None = None
) -> NDArray[np.float64]:
    """For each update, the share of the last :data:`CONSISTENCY_S` s of updates that agree.

    Parameters
    ----------
    time_s : array_like of float
        Update times, s, increasing.
    breath_hz : array_like of float
        Each update's peak frequency, Hz.
    segment : array_like of int, optional
        Gap-free stretch of each update; updates of another stretch are not counted.

    Returns
    -------
    ndarray of float
        Share (0-1) of the updates in ``(t - CONSISTENCY_S, t]`` of the same stretch
        (this one included) whose peak lies within :data:`CONSISTENCY_BPM` of this one's.
    """
    t = np.asarray(time_s, dtype=np.float64)
    f = np.asarray(breath_hz, dtype=np.float64)
    seg = np.zeros(t.size, dtype=np.int64) if segment is None else np.asarray(segment)
    lo = np.searchsorted(t, t - CONSISTENCY_S, side="right")
    idx0 = np.arange(t.size)
    count = np.zeros(t.size)
    agree = np.zeros(t.size)
    lag = 0
    while True:
        idx = idx0 - lag
        valid = (idx >= lo) & (idx >= 0)
        if not valid.any():
            break
        j = np.where(valid, idx, 0)
        same = valid & (seg[j] == seg)
        count += same
        agree += same & (np.abs(60.0 * (f[j] - f)) <= CONSISTENCY_BPM)
        lag += 1
    return np.where(count > 0, agree / np.maximum(count, 1.0), 0.0)


def summarize_breathing(breath_hz: ArrayLike, clear: ArrayLike) -> BreathingRead:
    """The breathing rate of a whole phase or recording from its usable updates.

    Shown (the median of the clear updates' rates) when at least
    :data:`PHASE_CLEAR_MIN` of the updates were clear; otherwise empty with
    :data:`UNCLEAR`.

    Parameters
    ----------
    breath_hz : array_like of float
        The usable updates' peak frequencies, Hz.
    clear : array_like of bool
        :func:`judge_breathing` of each.

    Returns
    -------
    BreathingRead
        The rate or the reason.
    """
    f = np.asarray(breath_hz, dtype=np.float64)
    ok = np.asarray(clear, dtype=bool)
    if f.size == 0 or ok.mean() < PHASE_CLEAR_MIN:
        return BreathingRead(None, UNCLEAR)
    return BreathingRead(_median(f[ok]) * 60.0, None)


def _median(x: NDArray[np.float64]) -> float:
    """``np.median`` of a non-empty 1-D array, the same value, without importing numpy.ma.

    As numpy computes it: partition at the middle (the two middle elements when the
    length is even, whose mean is taken), NaN if any value is NaN. ``np.median`` imports
    ``numpy.ma`` (about 7 ms of every ``resonant analyze``).
    """
    n = x.size
    h = n // 2
    part = np.partition(x, [h - 1, h, n - 1] if n % 2 == 0 else [h, n - 1])
    if part[-1] != part[-1]:
        return float("nan")
    if n % 2:
        return float(part[h])
    return (float(part[h - 1]) + float(part[h])) / 2.0
