"""Centred rolling quantiles over a fixed number of beats, vectorised with numpy."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = ["rolling_quantiles"]

# Rows sorted at once: small enough for the windows to stay in cache. Sorting chunks of
# short rows is about 20x faster here than np.partition on the whole strided view (numpy's
# sort of short float rows is vectorised; partition with several kth is not).
_CHUNK_ROWS = 2048
# Series up to this length (a live re-classification is ~170 beats) read their quantiles
# through index plans cached per (length, width, q): a plan depends on nothing else.
_PLAN_MAX = 2048


def _positions(
    q: float, m: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Linear-interpolation positions of quantile ``q`` in sorted windows of sizes ``m``."""
    pos = q * (m - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, m - 1)
    return lo, hi, pos - lo


def _sizes(n: int, h: int, start: int, stop: int) -> NDArray[np.intp]:
    """Valid values in the centred windows of rows ``start:stop`` of an ``n``-long series."""
    i = np.arange(start, stop)
    return np.minimum(i + h, n - 1) - np.maximum(i - h, 0) + 1


@lru_cache(maxsize=64)
def _plan(
    n: int, width: int, q: float
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Flat indices into the ``(n, width)`` row-sorted windows, and the fractions, for ``q``."""
    lo, hi, frac = _positions(q, _sizes(n, width // 2, 0, n))
    base = np.arange(n) * width
    plan = (base + lo, base + hi, frac)
    for a in plan:
        a.setflags(write=False)
    return plan


def rolling_quantiles(
    x: NDArray[np.float64], width: int, qs: tuple[float, ...]
) -> list[NDArray[np.float64]]:
    """Quantiles of a centred window around every element, shrinking at the ends.

    Equivalent to pandas ``Series(x).rolling(width, center=True, min_periods=1).quantile(q)``
    with linear interpolation (the form NeuroKit2 uses for the Lipponen & Tarvainen
    thresholds), for several ``q`` from one sort of each window.

    Parameters
    ----------
    x : ndarray of float
        The series (finite values).
    width : int
        Odd window length in samples.
    qs : tuple of float
        Quantiles in [0, 1].

    Returns
    -------
    list of ndarray of float
        For each ``q``: ``out[i]`` is the ``q`` quantile of ``x[max(0, i - h) : i + h + 1]``
        with ``h = width // 2``.

    Notes
    -----
    Each window is sorted (padded with +inf beyond the ends of the series, so that the
    valid values of a shrunk window sort first) and the quantile read as
    ``a + (pos - lo) * (b - a)``, with ``pos = q (m - 1)``, ``lo = floor(pos)``, ``a`` and
    ``b`` the values at ``lo`` and the next position, ``m`` the window's valid size
    (numpy's default "linear" method). Rows with a full window share one ``pos``, so their
    values are read as two columns of the sorted block; short series reuse cached index
    plans. Every path does the same arithmetic on the same values: results are identical.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if width % 2 != 1:
        raise ValueError(f"rolling_quantiles: width must be odd, got {width}")
    outs = [np.empty(n) for _ in qs]
    if n == 0:
        return outs
    h = width // 2
    # Pad with +inf so that in a shrunk window at either end the valid values sort first.
    padded = np.empty(n + 2 * h)
    padded[:h] = np.inf
    padded[h : h + n] = x
    padded[h + n :] = np.inf
    # Row i is padded[i : i + width] (a strided view, as sliding_window_view makes, built
    # directly: the helper costs more than sorting a live window).
    step = padded.strides[0]
    windows = np.ndarray((n, width), np.float64, padded, 0, (step, step))
    if n <= _PLAN_MAX and n <= _CHUNK_ROWS:
        flat = np.sort(windows, axis=1).ravel()
        for q, out in zip(qs, outs, strict=True):
            flat_lo, flat_hi, frac = _plan(n, width, q)
            a = flat[flat_lo]
            np.add(a, frac * (flat[flat_hi] - a), out=out)
        return outs
    full = [_positions(q, np.array([width])) for q in qs]
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n)
        rows = np.sort(windows[start:stop], axis=1)
        # Rows i0:i1 of the chunk have a full window; the others are shrunk by an end.
        i0 = min(max(h - start, 0), stop - start)
        i1 = max(min(n - h, stop) - start, i0)
        edge = np.r_[0:i0, i1 : stop - start]
        m = _sizes(n, h, start, stop)[edge]
        for (flo, fhi, ffrac), q, out in zip(full, qs, outs, strict=True):
            a = rows[i0:i1, int(flo[0])]
            out[start + i0 : start + i1] = a + ffrac[0] * (rows[i0:i1, int(fhi[0])] - a)
            if edge.size:
                lo, hi, frac = _positions(q, m)
                a = rows[edge, lo]
                out[start + edge] = a + frac * (rows[edge, hi] - a)
    return outs
