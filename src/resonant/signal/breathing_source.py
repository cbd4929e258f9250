"""Which breathing rate is shown: measured at the chest first, else read from the heart rhythm.

One rule for the live stream (every 5-s update, over the last :data:`CHEST_WINDOW_S`
seconds), the offline analysis (a whole recording or one phase) and everything that
shows their values (hrv-spec §11.1):

1. **The chest, when it covers the part.** When the strap's accelerometer
   (:mod:`resonant.signal.breathing`) has samples over at least :data:`MIN_COVER` of
   the part and breaths are found in it, the rate is the chest's: breaths counted
   from chest movement, a measurement rather than an inference (Bates et al. 2010).
   The breathing signal is made from :data:`SETTLE_S` seconds more before the part,
   so its filter has settled where the part begins.
2. **Otherwise the heart rhythm, when clear.** The rate read from the heart rhythm's
   spectrum when :mod:`resonant.signal.rsa_breathing` judges its peak clearly the
   breathing; otherwise no rate, with that rule's reason ("unclear from the heart
   rhythm").

The source of a shown rate is named (:data:`CHEST`, :data:`HEART`); an empty rate has
no source.

References
----------
Bates A, Ling MJ, Mann J, Arvind DK (2010). Respiratory rate and flow waveform
estimation from tri-axial accelerometer data. Proc. International Conference on Body
Sensor Networks (BSN), 144-150.
Schäfer A, Kratky KW (2008). Estimation of breathing rate from respiratory sinus
arrhythmia: comparison of various methods. Ann Biomed Eng 36(3):476-485.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from resonant.signal.breathing import MIN_SPAN_S, SETTLE_S, breathing_from_acc

__all__ = [
    "CHEST",
    "HEART",
    "CHEST_WINDOW_S",
    "SETTLE_S",
    "MIN_COVER",
    "SOURCE_WORDS",
    "BreathingChoice",
    "chest_rate",
    "choose_breathing",
]

#: ``breathing_source`` of a rate measured from chest movement (the accelerometer).
CHEST = "chest"
#: ``breathing_source`` of a rate read from the heart rhythm's spectrum.
HEART = "heart"
#: The few plain words that say where a shown rate comes from, for displays.
SOURCE_WORDS = {CHEST: "chest", HEART: "heart rhythm"}
#: Window of the live chest rate, s (the last minute, as the heart rhythm's 64 s).
CHEST_WINDOW_S = 60.0
#: Least share of a part the accelerometer samples must cover for the chest's rate.
MIN_COVER = 0.9
#: A step between samples longer than this counts as a hole, not as covered time, s.
_MAX_STEP_S = 0.5


@dataclass(frozen=True, slots=True)
class BreathingChoice:
    """The breathing rate shown for a part, where it comes from, or why there is none.

    Attributes
    ----------
    rate_bpm : float or None
        Breaths per minute; None when neither source gives one.
    reason : str or None
        Why ``rate_bpm`` is None; None when it is given.
    source : str or None
        :data:`CHEST` or :data:`HEART` for a given rate; None for an empty one.
    """

    rate_bpm: float | None
    reason: str | None
    source: str | None


def chest_rate(
    times_s: ArrayLike, xyz_mg: ArrayLike, start_s: float, end_s: float
) -> float | None:
    """The breathing rate measured at the chest over ``[start_s, end_s]``, or None.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Accelerometer sample times, s on the session clock, increasing.
    xyz_mg : array_like, shape (n, 3)
        x, y, z acceleration, mG.
    start_s, end_s : float
        The part, s.

    Returns
    -------
    float or None
        Breaths per minute (:func:`~resonant.signal.breathing.breathing_from_acc` on
        the part, with :data:`SETTLE_S` s before it), or None when the samples cover
        less than :data:`MIN_COVER` of the part, the part is shorter than
        :data:`~resonant.signal.breathing.MIN_SPAN_S`, or no two breaths are found.

    Examples
    --------
    >>> t = np.arange(0.0, 90.0, 0.04)
    >>> wave = 20.0 * np.sin(2 * np.pi * 0.25 * t)
    >>> xyz = np.stack([1000.0 + wave, 0.3 * wave, 200.0 + 0.1 * wave], axis=1)
    >>> round(chest_rate(t, xyz, 30.0, 90.0), 1)
    15.0
    >>> chest_rate(t, xyz, 60.0, 200.0) is None  # the samples end at 90 s
    True
    """
    t = np.asarray(times_s, dtype=np.float64)
    x = np.asarray(xyz_mg, dtype=np.float64)
    span = float(end_s) - float(start_s)
    if span < MIN_SPAN_S or t.size < 2:
        return None
    lo, hi = np.searchsorted(t, [start_s, end_s], side="left")
    inside = t[lo:hi]
    if inside.size < 2:
        return None
    covered = float(np.minimum(np.diff(inside), _MAX_STEP_S).sum())
    if covered < MIN_COVER * span:
        return None
    first = int(np.searchsorted(t, float(start_s) - SETTLE_S, side="left"))
    last = int(np.searchsorted(t, float(end_s), side="right"))
    try:
        got = breathing_from_acc(t[first:last], x[first:last], start_s, end_s)
    except ValueError:
        return None
    return got.rate_bpm if got.problem is None else None


def choose_breathing(
    chest_bpm: float | None, heart_bpm: float | None, heart_reason: str | None
) -> BreathingChoice:
    """The rate shown: the chest's when there is one, else the heart rhythm's when clear.

    Parameters
    ----------
    chest_bpm : float or None
        :func:`chest_rate` of the part (None: no accelerometer, or it gave no rate).
    heart_bpm : float or None
        The rate read from the heart rhythm (None when unclear or unavailable).
    heart_reason : str or None
        Why ``heart_bpm`` is None.

    Returns
    -------
    BreathingChoice
        Rate, reason and source.

    Examples
    --------
    >>> choose_breathing(16.1, None, "unclear from the heart rhythm")
    BreathingChoice(rate_bpm=16.1, reason=None, source='chest')
    >>> choose_breathing(None, None, "unclear from the heart rhythm").reason
    'unclear from the heart rhythm'
    """
    if chest_bpm is not None:
        return BreathingChoice(float(chest_bpm), None, CHEST)
    if heart_bpm is not None:
        return BreathingChoice(float(heart_bpm), None, HEART)
    return BreathingChoice(None, heart_reason, None)
