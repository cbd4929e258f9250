"""Power spectrum of the NN tachogram: resampling, detrending, periodogram, band powers.

All functions work on one window (1-D) or on many windows at once (rows of a 2-D
array), so the live stream and the offline analysis share the same arithmetic. numpy
only: importing ``scipy.signal`` alone costs about 0.9 s here, which the command line
cannot afford.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Band",
    "VLF",
    "LF",
    "HF",
    "TOTAL",
    "resample_grid",
    "detrend_linear",
    "periodogram",
    "band_power",
    "welch_segments",
    "welch_batches",
    "hermite_interp",
    "cubic_spline_interp",
    "solve_tridiagonal",
]


@dataclass(frozen=True, slots=True)
class Band:
    """A frequency band, half-open: ``lo_hz <= f < hi_hz``."""

    name: str
    lo_hz: float
    hi_hz: float


#: Task Force (1996) bands.
VLF = Band("VLF", 0.0033, 0.04)
LF = Band("LF", 0.04, 0.15)
HF = Band("HF", 0.15, 0.40)
#: Total power for the coherence ratio (hrv-spec §5.6 step 7; closed at 0.40 Hz).
TOTAL = Band("total", 0.0033, 0.40)


def resample_grid(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    end_s: NDArray[np.float64] | float,
    fs_hz: float,
    n: int,
) -> NDArray[np.float64]:
    """Linearly interpolate the tachogram on uniform grids that end at given times.

    Parameters
    ----------
    time_s : ndarray of float
        Beat times (end of each NN interval), s, increasing, of one gap-free segment.
    nn_ms : ndarray of float
        NN intervals, ms.
    end_s : float or ndarray of float
        Last grid time of each window (usually the time of the last beat in it).
    fs_hz : float
        Grid rate.
    n : int
        Grid points per window.

    Returns
    -------
    ndarray of float
        Shape ``(n,)`` for a scalar ``end_s``, else ``(len(end_s), n)``; the tachogram
        value at ``end - (n - 1 - k) / fs`` for k = 0..n-1.

    Notes
    -----
    Linear, as pinned for the live 64-s spectrum and the coherence ratio (hrv-spec §5.6
    step 2); the whole-recording Welch estimate uses :func:`cubic_spline_interp` instead
    (hrv-spec §4.2). Linear interpolation smooths the tachogram, so the live HF runs
    below the offline one.
    """
    offsets = (np.arange(n) - (n - 1)) / fs_hz
    grid = np.asarray(end_s, dtype=np.float64)[..., None] + offsets
    return np.interp(grid.ravel(), time_s, nn_ms).reshape(grid.shape)


def detrend_linear(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Remove the mean and the least-squares straight line from each row.

    Parameters
    ----------
    x : ndarray of float
        Uniformly sampled values, 1-D or 2-D (one window per row).

    Returns
    -------
    ndarray of float
        The residuals, same shape.
    """
    n = x.shape[-1]
    k = np.arange(n) - (n - 1) / 2.0
    mean = x.mean(axis=-1, keepdims=True)
    slope = (x @ k)[..., None] / (k @ k)
    return x - mean - slope * k


def periodogram(
    x: NDArray[np.float64],
    fs_hz: float,
    nfft: int,
    window: NDArray[np.float64],
    keep: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One-sided windowed periodogram with density scaling.

    Parameters
    ----------
    x : ndarray of float
        Detrended samples in ms, 1-D or 2-D (one window per row).
    fs_hz : float
        Sampling rate.
    nfft : int
        FFT length (zero-padding when larger than the window).
    window : ndarray of float
        Taper of the same length as a row of ``x``.
    keep : int, optional
        Return only the first ``keep`` frequencies (the others are not computed).

    Returns
    -------
    f_hz : ndarray of float
        Frequencies, ``k * fs / nfft`` for k = 0..nfft/2 (or 0..keep-1).
    psd : ndarray of float
        Power spectral density in ms²/Hz, so that ``sum(psd) * fs / nfft`` is the
        variance of the windowed signal (scipy ``periodogram(..., scaling="density")``).
    """
    spec = np.fft.rfft(x * window, n=nfft, axis=-1)
    n_out = spec.shape[-1] if keep is None else min(keep, spec.shape[-1])
    # |X|^2 from the interleaved real and imaginary parts, on the kept bins only.
    parts = spec[..., :n_out].view(np.float64).reshape(*spec.shape[:-1], n_out, 2)
    psd = np.einsum("...ij,...ij->...i", parts, parts)
    psd *= 2.0 / (fs_hz * float(window @ window))
    psd[..., 0] *= 0.5
    if nfft % 2 == 0 and n_out == nfft // 2 + 1:
        psd[..., -1] *= 0.5  # the Nyquist bin, like the zero bin, has no mirror image
    f = np.arange(n_out, dtype=np.float64) * (fs_hz / nfft)
    return f, psd


def band_power(
    f_hz: NDArray[np.float64], psd: NDArray[np.float64], band: Band, closed: bool = False
) -> NDArray[np.float64]:
    """Power in a band: the sum of PSD times the bin width over ``lo <= f < hi``.

    Parameters
    ----------
    f_hz, psd : ndarray of float
        A spectrum from :func:`periodogram` (``psd`` may have one row per window).
    band : Band
        The band.
    closed : bool
        Include ``f == hi`` too.

    Returns
    -------
    ndarray of float
        Power in ms², one value per row.
    """
    df = f_hz[1] - f_hz[0]
    upper = f_hz <= band.hi_hz if closed else f_hz < band.hi_hz
    mask = (f_hz >= band.lo_hz) & upper
    return psd[..., mask].sum(axis=-1) * df


def hermite_interp(
    x: NDArray[np.float64], xp: NDArray[np.float64], fp: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Piecewise-cubic Hermite interpolation with three-point (Catmull-Rom) slopes.

    Local and vectorised, with no system to solve: the slope at each knot is the
    non-uniform centred difference ``(f[i+1] - f[i-1]) / (x[i+1] - x[i-1])`` (one-sided at
    the ends). Kept for comparison; the spectra use :func:`cubic_spline_interp`, whose
    slopes make the second derivative continuous too.

    Parameters
    ----------
    x : ndarray of float
        Where to evaluate, inside ``[xp[0], xp[-1]]``.
    xp, fp : ndarray of float
        Knots (increasing) and values; at least two.

    Returns
    -------
    ndarray of float
        Interpolated values.
    """
    h = np.diff(xp)
    m = np.empty_like(fp)
    m[0] = (fp[1] - fp[0]) / h[0]
    m[-1] = (fp[-1] - fp[-2]) / h[-1]
    if fp.size > 2:
        m[1:-1] = (fp[2:] - fp[:-2]) / (xp[2:] - xp[:-2])
    return _hermite_eval(x, xp, fp, m)


#: Points evaluated at a time by :func:`_hermite_eval`: its dozen temporaries stay small
#: (a few MB) however long the recording, without changing a value (issue 18: memory).
_EVAL_CHUNK = 1 << 16


def _hermite_eval(
    x: NDArray[np.float64],
    xp: NDArray[np.float64],
    fp: NDArray[np.float64],
    m: NDArray[np.float64],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """The piecewise cubic with values ``fp`` and slopes ``m`` at the knots ``xp``, at ``x``.

    Evaluated :data:`_EVAL_CHUNK` points at a time (pointwise, so the values are the same).
    ``out``, a contiguous 1-D float64 array the size of ``x``, receives the values (it may
    be ``x`` itself: each chunk is read before it is written).
    """
    if out is None and x.size <= _EVAL_CHUNK:
        return _hermite_piece(x, xp, fp, m)
    flat = x.ravel()
    if out is None:
        out = np.empty(flat.size)
    for a in range(0, flat.size, _EVAL_CHUNK):
        out[a : a + _EVAL_CHUNK] = _hermite_piece(flat[a : a + _EVAL_CHUNK], xp, fp, m)
    return out.reshape(x.shape)


def _hermite_piece(
    x: NDArray[np.float64],
    xp: NDArray[np.float64],
    fp: NDArray[np.float64],
    m: NDArray[np.float64],
) -> NDArray[np.float64]:
    """:func:`_hermite_eval` on one chunk of points."""
    i = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, xp.size - 2)
    x0 = xp[i]
    hi = xp[i + 1] - x0
    s = (x - x0) / hi
    f0, f1 = fp[i], fp[i + 1]
    m0h, m1h = m[i] * hi, m[i + 1] * hi
    # Horner form of the cubic Hermite basis (de Boor 2001, ch. IV):
    # f0 + s (m0h + s (3 d - 2 m0h - m1h + s (m0h + m1h - 2 d))) with d = f1 - f0.
    d = f1 - f0
    c2 = 3.0 * d - 2.0 * m0h - m1h
    c3 = m0h + m1h - 2.0 * d
    return f0 + s * (m0h + s * (c2 + s * c3))


def cubic_spline_interp(
    x: NDArray[np.float64], xp: NDArray[np.float64], fp: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Not-a-knot cubic spline interpolation, in numpy.

    The interpolant of MATLAB's ``spline`` and scipy's ``CubicSpline`` (default
    ``bc_type="not-a-knot"``): a piecewise cubic through every knot with continuous first
    and second derivatives, whose third derivative is also continuous at the second and
    the last-but-one knot. It reproduces any cubic polynomial exactly. Kubios HRV
    resamples the RR tachogram with a cubic spline at 4 Hz (Tarvainen et al. 2014), and
    so do the spectra here (hrv-spec §4.2).

    Parameters
    ----------
    x : ndarray of float
        Where to evaluate, inside ``[xp[0], xp[-1]]`` (outside, the end pieces extend).
    xp, fp : ndarray of float
        Knots (strictly increasing) and values; at least two. Two knots give the line,
        three the parabola through them (as scipy does).

    Returns
    -------
    ndarray of float
        Interpolated values, the shape of ``x``.

    Notes
    -----
    The knot slopes ``m`` solve the tridiagonal system of slope continuity
    ``h_i m_{i-1} + 2 (h_{i-1} + h_i) m_i + h_{i-1} m_{i+1} = 3 (h_i s_{i-1} + h_{i-1} s_i)``
    with ``h`` the knot spacings and ``s`` the secant slopes, closed by the not-a-knot
    conditions (de Boor 2001, ch. IV-V; the same equations as scipy's ``CubicSpline``).
    The first and last equations are folded into their neighbours so that the system
    left is diagonally dominant, which is then solved by parallel cyclic reduction
    (:func:`solve_tridiagonal`), vectorised; the spline is evaluated in Hermite form.

    References
    ----------
    de Boor C (2001). A Practical Guide to Splines, revised ed. Springer, New York.
    Tarvainen MP, Niskanen J-P, Lipponen JA, Ranta-aho PO, Karjalainen PA (2014). Kubios
    HRV - heart rate variability analysis software. Comput Methods Programs Biomed
    113(1):210-220.
    """
    xp = np.asarray(xp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    n = xp.size
    h = np.diff(xp)
    sl = np.diff(fp) / h
    if n == 2:
        return fp[0] + sl[0] * (x - xp[0])
    if n == 3:
        # Not-a-knot on three points: the parabola through them.
        c = (sl[1] - sl[0]) / (xp[2] - xp[0])
        return fp[0] + (x - xp[0]) * (sl[0] + c * (x - xp[1]))
    del h, sl
    return _hermite_eval(x, xp, fp, _not_a_knot_slopes(xp, fp))


def _not_a_knot_slopes(xp: NDArray[np.float64], fp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Knot slopes of :func:`cubic_spline_interp` for four knots or more (float64 arrays).

    Interior equations i = 1..n-2 (unknowns m_1..m_{n-2}); m_0 and m_{n-1} are eliminated
    with the not-a-knot equations (scipy's first and last rows). A long system is solved
    :data:`_SOLVE_CHUNK` rows at a time (:func:`_solve_chunked`), so only the slopes and
    one chunk's work are held (issue 18: bounded memory); the values are the same.
    """
    n = xp.size
    ends = _end_rows(xp, fp)
    d0, r0, dn, rn, h_first, h_last = ends
    m = np.empty(n)
    size = n - 2
    if size <= 4 * _SOLVE_CHUNK or not _solve_chunked(xp, fp, ends, m[1:-1]):
        lower, diag, upper, rhs = _slope_rows(xp, fp, 0, size, ends)
        m[1:-1] = _reduce_cyclic(lower, diag, upper, rhs)
        del lower, diag, upper, rhs
    m[0] = (r0 - d0 * m[1]) / h_first
    m[-1] = (rn - dn * m[-2]) / h_last
    return m


def _end_rows(xp: NDArray[np.float64], fp: NDArray[np.float64]) -> tuple[Any, ...]:
    """The not-a-knot rows' terms: ``(d0, r0, dn, rn, h_1, h_{n-2})``.

    First not-a-knot row: ``h_1 m_0 + (x_2 - x_0) m_1 = r_0``, subtracted from row 1;
    last: ``(x_{n-1} - x_{n-3}) m_{n-2} + h_{n-3} m_{n-1} = r_{n-1}``, from row n-2.
    """
    h = np.diff(xp[:3])  # h_0, h_1
    sl = np.diff(fp[:3]) / h
    d0 = xp[2] - xp[0]
    r0 = ((h[0] + 2.0 * d0) * h[1] * sl[0] + h[0] ** 2 * sl[1]) / d0
    ht = np.diff(xp[-3:])  # h_{n-3}, h_{n-2}
    st = np.diff(fp[-3:]) / ht
    dn = xp[-1] - xp[-3]
    rn = (ht[-1] ** 2 * st[-2] + (2.0 * dn + ht[-1]) * ht[-2] * st[-1]) / dn
    return d0, r0, dn, rn, float(h[1]), float(ht[-2])


def _slope_rows(
    xp: NDArray[np.float64], fp: NDArray[np.float64], lo: int, hi: int, ends: tuple[Any, ...]
) -> tuple[NDArray[np.float64], ...]:
    """Rows ``lo..hi-1`` of the interior system (row j is equation i = j + 1), fresh arrays.

    ``lower, diag, upper, rhs``: ``h_i m_{i-1} + 2 (h_{i-1} + h_i) m_i + h_{i-1} m_{i+1} =
    3 (h_i s_{i-1} + h_{i-1} s_i)``, with the not-a-knot rows (``ends``, :func:`_end_rows`)
    folded into the first and last rows of the whole system. Each value is computed
    from the knots by the same expression whatever the rows asked for.
    """
    size = xp.size - 2
    h = np.diff(xp[lo : hi + 3])
    sl = np.diff(fp[lo : hi + 3]) / h
    h0, h1 = h[:-1], h[1:]  # h_{i-1}, h_i
    diag = np.add(h0, h1)
    diag *= 2.0  # 2 (h_{i-1} + h_i)
    rhs = h1 * sl[:-1]
    np.multiply(h0, sl[1:], out=sl[1:])
    rhs += sl[1:]
    rhs *= 3.0  # 3 (h_i s_{i-1} + h_{i-1} s_i)
    lower = h1.copy()  # coefficient of m_{i-1}
    upper = h0  # coefficient of m_{i+1} (h is not read again)
    d0, r0, dn, rn = ends[:4]
    if lo == 0:
        diag[0] -= d0
        rhs[0] -= r0
        lower[0] = 0.0  # outside the system
    if hi == size:
        diag[-1] -= dn
        rhs[-1] -= rn
        upper[-1] = 0.0
    return lower, diag, upper, rhs


#: Rows of the knot-slope system solved at a time by :func:`_solve_chunked`.
_SOLVE_CHUNK = 1 << 16
#: Reduction steps a chunk is ready for: it carries ``2**_SOLVE_STEPS - 1`` rows of its
#: neighbours on each side. The spline's rows are diagonally dominant by a factor of two
#: at least, so the reduction stops after about six steps (more falls back to one solve).
_SOLVE_STEPS = 10


def _solve_chunked(
    xp: NDArray[np.float64],
    fp: NDArray[np.float64],
    ends: tuple[Any, ...],
    out: NDArray[np.float64],
) -> bool:
    """Solve the interior system into ``out`` a chunk at a time; False when it cannot.

    After k steps of cyclic reduction, a row depends only on the rows less than ``2**k``
    away, so a chunk reduced with ``2**k - 1`` rows of margin on each side has exactly
    the values the whole system would have; and the whole reduction stops at the first
    step at which every row's couplings are negligible, the largest of the chunks' own
    first such steps when all of them are negligible there too. Each chunk is solved up
    to its own step first, then the chunks that stopped earlier are solved again to the
    common step. False (nothing decided) when a chunk needs more than
    :data:`_SOLVE_STEPS` steps.
    """
    size = out.size
    los = list(range(0, size, _SOLVE_CHUNK))
    taken: list[int | None] = []
    for lo in los:
        k = _solve_chunk(xp, fp, ends, lo, min(lo + _SOLVE_CHUNK, size), out, 0)
        if k is None:
            return False
        taken.append(k)
    common = max(k for k in taken if k is not None)
    while common <= _SOLVE_STEPS:
        redo = [lo for lo, k in zip(los, taken, strict=True) if k != common]
        if all(
            _solve_chunk(xp, fp, ends, lo, min(lo + _SOLVE_CHUNK, size), out, common) == common
            for lo in redo
        ):
            return True
        common += 1  # some chunk's couplings grew back: the next step, for every chunk
        taken = [None] * len(los)
    return False


def _solve_chunk(
    xp: NDArray[np.float64],
    fp: NDArray[np.float64],
    ends: tuple[Any, ...],
    lo: int,
    hi: int,
    out: NDArray[np.float64],
    first: int,
) -> int | None:
    """Rows ``lo..hi-1`` of the interior system's solution into ``out[lo:hi]``.

    Reduced with :data:`_SOLVE_STEPS` steps' margin, stopping at the first step from
    ``first`` on at which the chunk's own rows' couplings are negligible (exactly at
    ``first`` when ``first`` > 0). Returns that step, or None (``out`` untouched).
    """
    size = out.size
    margin = 2**_SOLVE_STEPS - 1
    a0, b0 = max(0, lo - margin), min(size, hi + margin)
    lower, diag, upper, rhs = _slope_rows(xp, fp, a0, b0, ends)
    rows = slice(lo - a0, hi - a0)
    limit = first if first else _SOLVE_STEPS
    k = _reduce_steps(lower, diag, upper, rhs, size, rows, first, limit)
    if k is not None:
        np.divide(rhs[rows], diag[rows], out=out[lo:hi])
    return k


def solve_tridiagonal(
    lower: NDArray[np.float64],
    diag: NDArray[np.float64],
    upper: NDArray[np.float64],
    rhs: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Solve a diagonally dominant tridiagonal system by parallel cyclic reduction.

    Row i reads ``lower[i] x[i-1] + diag[i] x[i] + upper[i] x[i+1] = rhs[i]``
    (``lower[0]`` and ``upper[-1]`` are ignored). Each step eliminates, in every row at
    once, the unknowns at distance ``s`` using the rows ``i - s`` and ``i + s``, so the
    couplings reach ``2 s`` further; for a diagonally dominant matrix they also shrink
    geometrically, and the reduction stops as soon as every remaining coupling is below
    the rounding level of its diagonal, at the latest after ``ceil(log2 n)`` steps (Hockney
    1965; Hockney & Jesshope 1988, §5.4).

    Parameters
    ----------
    lower, diag, upper, rhs : ndarray of float
        The three diagonals and the right-hand side, each of length n.

    Returns
    -------
    ndarray of float
        The solution.

    References
    ----------
    Hockney RW (1965). A fast direct solution of Poisson's equation using Fourier
    analysis. J ACM 12(1):95-113. Hockney RW, Jesshope CR (1988). Parallel Computers 2.
    Adam Hilger, Bristol.
    """
    return _reduce_cyclic(
        np.array(lower, dtype=np.float64),
        np.array(diag, dtype=np.float64),
        np.array(upper, dtype=np.float64),
        np.array(rhs, dtype=np.float64),
    )


def _reduce_cyclic(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    c: NDArray[np.float64],
    d: NDArray[np.float64],
) -> NDArray[np.float64]:
    """:func:`solve_tridiagonal` on float64 arrays it may overwrite."""
    a[0] = 0.0
    c[-1] = 0.0
    _reduce_steps(a, b, c, d, b.size, slice(None), 0, sys.maxsize)
    d /= b
    return d


def _reduce_steps(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    c: NDArray[np.float64],
    d: NDArray[np.float64],
    n: int,
    rows: slice,
    first: int,
    limit: int,
) -> int | None:
    """Cyclic reduction of rows ``a, b, c | d`` in place, until ``b`` and ``d`` are solved.

    Every step does the same arithmetic in the same order as when written with shifted
    copies (``alpha = -a / b[i-s]``, ``b + alpha c[i-s] + gamma a[i+s]``, ...), but in
    place with four work arrays, so a system holds eight arrays its length (issue 18).
    Outside the arrays, the neighbours are the identity row (0, 1, 0 | 0). The reduction
    stops at the first step from ``first`` on at which every coupling of ``rows`` is below
    the rounding level of its diagonal, or when the shift reaches ``n`` (the whole
    system's size); it gives up (None) after ``limit`` steps. Returns the steps taken.
    """
    size = b.size
    alpha, gamma, t1, t2 = np.empty(size), np.empty(size), np.empty(size), np.empty(size)
    s, k = 1, 0
    while s < n:
        if k >= first:
            # Stop when every coupling is below the rounding level of its diagonal.
            np.abs(a, out=t1)
            t1 += np.abs(c, out=t2)
            np.abs(b, out=t2)
            t2 *= 1e-17
            if np.all(t1[rows] <= t2[rows]):
                return k
        if k >= limit:
            return None
        np.negative(a, out=alpha)
        alpha[s:] /= b[:-s]  # -a / b[i-s]
        np.negative(c, out=gamma)
        gamma[:-s] /= b[s:]  # -c / b[i+s]
        _times_shifted(alpha, c, s, t1)
        b += t1
        _times_shifted(gamma, a, -s, t1)
        b += t1
        _times_shifted(alpha, d, s, t1)
        _times_shifted(gamma, d, -s, t2)
        d += t1
        d += t2
        _times_shifted(alpha, a, s, t1)  # the new a
        _times_shifted(gamma, c, -s, t2)  # the new c
        a, t1 = t1, a
        c, t2 = t2, c
        s *= 2
        k += 1
    return k


def _times_shifted(
    w: NDArray[np.float64], v: NDArray[np.float64], s: int, out: NDArray[np.float64]
) -> None:
    """``out[i] = w[i] * v[i - s]``, with 0.0 for ``v`` where ``i - s`` is outside."""
    if s > 0:
        np.multiply(w[s:], v[:-s], out=out[s:])
        np.multiply(w[:s], 0.0, out=out[:s])
    else:
        np.multiply(w[:s], v[-s:], out=out[:s])
        np.multiply(w[s:], 0.0, out=out[s:])


def welch_segments(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    segment_s: float,
    fs_hz: float = 4.0,
) -> NDArray[np.float64]:
    """Detrended segments of one gap-free stretch, for Welch's method.

    The tachogram is resampled at ``fs_hz`` over the stretch with a not-a-knot cubic
    spline (:func:`cubic_spline_interp`; the 4 Hz cubic-spline convention of Kubios HRV,
    Tarvainen et al. 2014), then cut into segments of ``segment_s`` seconds that overlap
    by half (Welch 1967; hrv-spec §4.3: Welch on 5-minute segments for whole-recording LF
    and HF). The layout is scipy's, MATLAB's and Kubios': the first segment starts at the
    first sample, each next one half a segment later, and samples after the last whole
    segment are left out.

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        Beat times (s) and NN intervals (ms) of one gap-free stretch.
    segment_s : float
        Segment length, s.
    fs_hz : float
        Resampling rate.

    Returns
    -------
    ndarray of float
        Shape ``(k, round(segment_s * fs_hz))``: the detrended segments (k may be 0).

    References
    ----------
    Welch PD (1967). The use of fast Fourier transform for the estimation of power
    spectra. IEEE Trans Audio Electroacoust 15(2):70-73.
    """
    n = int(round(segment_s * fs_hz))
    return next(welch_batches(time_s, nn_ms, segment_s, fs_hz, sys.maxsize), np.empty((0, n)))


def welch_batches(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    segment_s: float,
    fs_hz: float,
    batch: int,
) -> Iterator[NDArray[np.float64]]:
    """The rows of :func:`welch_segments`, ``batch`` at a time (the same values).

    The resampled series is computed a few windows at a time, as they are cut, so only
    the knot slopes and one batch are held at once and a long recording's memory stays
    bounded (issue 18). Yields nothing when the stretch is shorter than one segment.
    """
    n = int(round(segment_s * fs_hz))
    xp = np.asarray(time_s, dtype=np.float64)
    fp = np.asarray(nn_ms, dtype=np.float64)
    m = _not_a_knot_slopes(xp, fp) if xp.size >= 4 else None
    t0, dt = xp[0], 1.0 / fs_hz
    size = _arange_size(t0, xp[-1], dt)
    if size < n:
        return
    step = n // 2
    starts = np.arange(0, size - n + 1, step)
    rows = max(1, _EVAL_CHUNK // n)  # detrended a few MB at a time, at fixed row offsets
    for lo in range(0, starts.size, batch):
        hi = min(lo + batch, starts.size)
        out = np.empty((hi - lo, n))
        for a in range(lo - lo % rows, hi, rows):
            picked = starts[a : a + rows]
            g0, g1 = int(picked[0]), int(picked[-1]) + n
            grid = _arange_part(t0, dt, g0, g1)
            if m is None:
                x = cubic_spline_interp(grid, xp, fp)
            else:
                x = _hermite_eval(grid, xp, fp, m, out=grid)  # the values replace the grid
            part = detrend_linear(np.lib.stride_tricks.sliding_window_view(x, n)[picked - g0])
            s0, s1 = max(a, lo), min(a + rows, hi)
            out[s0 - lo : s1 - lo] = part[s0 - a : s1 - a]
        yield out


def _arange_size(start: float, stop: float, step: float) -> int:
    """The length of ``np.arange(start, stop, step)``: ``ceil((stop - start) / step)``, >= 0."""
    return max(0, int(math.ceil((stop - start) / step)))


def _arange_part(start: float, step: float, lo: int, hi: int) -> NDArray[np.float64]:
    """``np.arange(start, stop, step)[lo:hi]`` for a float ``start``, without the rest.

    numpy fills a float range as ``start + i * delta`` with ``delta = (start + step) -
    start``, its second value being ``start + step`` (``_fill`` of numpy's array types);
    the same arithmetic gives the same values (checked in tests/signal/test_spectrum.py).
    """
    delta = (start + step) - start
    grid = np.arange(lo, hi, dtype=np.float64)
    grid *= delta
    grid += start
    if lo <= 1 < hi:
        grid[1 - lo] = start + step
    return grid


def hann(n: int) -> NDArray[np.float64]:
    """Periodic Hann window of length n (scipy ``get_window("hann", n)``)."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)
