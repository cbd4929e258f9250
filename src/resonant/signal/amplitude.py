"""Peak-to-trough heart-rate amplitude per breath."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["hr_amplitude"]


def hr_amplitude(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    end_s: float,
    breath_hz: float,
    window_s: float = 64.0,
) -> float | None:
    """Mean of (max HR - min HR) over the breaths of the last ``window_s`` seconds.

    The window is cut, backwards from ``end_s``, into whole breath periods of
    ``1 / breath_hz``; each period holds one crest and one trough of a heart-rate
    oscillation at the breathing frequency wherever it starts, so the swing within it is
    the peak-to-trough amplitude of that breath.

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        Beat times (s) and corrected NN intervals (ms) of one gap-free segment.
    end_s : float
        End of the window, s.
    breath_hz : float
        Breathing frequency (from the spectrum, or the pacer's).
    window_s : float
        Length of the window, s.

    Returns
    -------
    float or None
        Amplitude in beats per minute; None when no whole breath with two beats fits.

    Notes
    -----
    Instantaneous HR is 60000 / NN at each beat. Without the pacer's breath onsets this
    is the time-domain RSA amplitude that resonance-frequency assessment scores first
    (criterion 2 of Lehrer et al. 2013; hrv-spec §7.3); with them the breaths are the
    pacer's (§7.5).

    References
    ----------
    Lehrer P, Vaschillo B, Zucker T, et al. (2013). Protocol for heart rate variability
    biofeedback training. Biofeedback 41(3):98-109. Vaschillo E, Lehrer P, Rishe N,
    Konstantinov M (2002). Heart rate variability biofeedback as a method for assessing
    baroreflex function. Appl Psychophysiol Biofeedback 27(1):1-27.
    """
    if not breath_hz > 0:
        return None
    period = 1.0 / breath_hz
    k = int(window_s // period)
    if k < 1:
        return None
    edges = end_s - period * np.arange(k, -1, -1)
    idx = np.searchsorted(time_s, edges, side="right")
    lo, hi = idx[:-1], idx[1:]
    ok = hi - lo >= 2
    if not ok.any():
        return None
    hr = 60000.0 / np.asarray(nn_ms, dtype=np.float64)
    starts = lo[ok]
    # reduceat over [start_j, start_(j+1)) slices: append each slice's end explicitly.
    bounds = np.empty(2 * starts.size, dtype=np.intp)
    bounds[0::2] = starts
    bounds[1::2] = hi[ok]
    hr_pad = np.append(hr, 0.0)
    swing = np.maximum.reduceat(hr_pad, bounds)[0::2] - np.minimum.reduceat(hr_pad, bounds)[0::2]
    return float(swing.mean())
