"""Time-domain HRV of a whole NN series: MeanNN, HR, SDNN, RMSSD, NN50 and pNN50."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["TimeDomain", "time_domain"]


@dataclass(frozen=True, slots=True)
class TimeDomain:
    """Time-domain HRV indices (Task Force 1996), all from corrected NN intervals.

    Attributes
    ----------
    n : int
        Number of NN intervals.
    mean_nn_ms : float
        Mean NN interval, ms.
    hr_mean_bpm : float
        60000 / MeanNN, beats per minute.
    sdnn_ms : float
        Sample standard deviation of NN (ddof = 1), ms; NaN for fewer than 2 intervals.
    rmssd_ms : float
        Root mean square of successive differences, ms; NaN without a difference.
    nn50 : int
        Successive differences larger than 50 ms.
    pnn50_pct : float
        100 * NN50 / n (the Task Force divides by the number of NN intervals, as
        NeuroKit2 does).
    """

    n: int
    mean_nn_ms: float
    hr_mean_bpm: float
    sdnn_ms: float
    rmssd_ms: float
    nn50: int
    pnn50_pct: float


def time_domain(
    nn_ms: NDArray[np.float64], new_segment: NDArray[np.bool_] | None = None
) -> TimeDomain:
    """Time-domain HRV of an NN series that may consist of several gap-free segments.

    Parameters
    ----------
    nn_ms : ndarray of float
        Corrected NN intervals, ms.
    new_segment : ndarray of bool, optional
        True at the first interval of each segment after a gap: no successive difference
        is taken across it. None means one segment.

    Returns
    -------
    TimeDomain
        The indices.

    Notes
    -----
    ``SDNN = sqrt(sum((NN - MeanNN)^2) / (N - 1))``,
    ``RMSSD = sqrt(mean(diff(NN)^2))``, ``pNN50 = 100 * #{|diff(NN)| > 50 ms} / N``.

    References
    ----------
    Task Force of the European Society of Cardiology and the North American Society of
    Pacing and Electrophysiology (1996). Heart rate variability: standards of
    measurement, physiological interpretation and clinical use. Circulation
    93(5):1043-1065. Shaffer F, Ginsberg JP (2017). An overview of heart rate
    variability metrics and norms. Front Public Health 5:258.
    """
    nn = np.asarray(nn_ms, dtype=np.float64)
    n = nn.size
    if n == 0:
        nan = float("nan")
        return TimeDomain(0, nan, nan, nan, nan, 0, nan)
    mean = float(nn.mean())
    sdnn = float(nn.std(ddof=1)) if n > 1 else float("nan")
    # One difference array at a time, squared in place (issue 18: bounded memory).
    d = np.diff(nn)
    if new_segment is not None and d.size:
        within = ~np.asarray(new_segment, dtype=bool)[1:]
        if not within.all():
            d = d[within]
    nn50 = int(np.count_nonzero((d > 50.0) | (d < -50.0)))  # |d| > 50
    d *= d
    rmssd = float(np.sqrt(np.mean(d))) if d.size else float("nan")
    return TimeDomain(n, mean, 60000.0 / mean, sdnn, rmssd, nn50, 100.0 * nn50 / n)
