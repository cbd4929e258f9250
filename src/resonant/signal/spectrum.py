"""Power spectrum of the NN tachogram: resampling, detrending, periodogram, band powers.

All functions work on one window (1-D) or on many windows at once (rows of a 2-D
array), so the live stream and the offline analysis share the same arithmetic. numpy
only: importing ``scipy.signal`` alone costs about 0.9 s here, which the command line
cannot afford.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass

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
    """Knot slopes of :func:`cubic_spline_interp` for four knots or more (float64 arrays)."""
    n = xp.size
    h = np.diff(xp)
    sl = np.diff(fp) / h
    # Interior equations i = 1..n-2 (unknowns m_1..m_{n-2}); m_0 and m_{n-1} eliminated
    # with the not-a-knot equations (scipy's first and last rows).
    # First not-a-knot row: h_1 m_0 + (x_2 - x_0) m_1 = r_0; subtracted from row 1.
    d0 = xp[2] - xp[0]
    r0 = ((h[0] + 2.0 * d0) * h[1] * sl[0] + h[0] ** 2 * sl[1]) / d0
    # Last: (x_{n-1} - x_{n-3}) m_{n-2} + h_{n-3} m_{n-1} = r_{n-1}; subtracted from row n-2.
    dn = xp[-1] - xp[-3]
    rn = (h[-1] ** 2 * sl[-2] + (2.0 * dn + h[-1]) * h[-2] * sl[-1]) / dn
    h_first, h_last = float(h[1]), float(h[-2])
    # The rows are built in place, a few arrays the length of the series at a time
    # (issue 18: bounded memory); each value is the same expression as written out.
    h0, h1 = h[:-1], h[1:]  # h_{i-1}, h_i for i = 1..n-2
    diag = np.add(h0, h1)
    diag *= 2.0  # 2 (h_{i-1} + h_i)
    rhs = h1 * sl[:-1]
    np.multiply(h0, sl[1:], out=sl[1:])
    rhs += sl[1:]
    rhs *= 3.0  # 3 (h_i s_{i-1} + h_{i-1} s_i)
    del sl
    lower = h1.copy()  # coefficient of m_{i-1}
    upper = h0  # coefficient of m_{i+1} (h is not read again)
    diag[0] -= d0
    rhs[0] -= r0
    diag[-1] -= dn
    rhs[-1] -= rn
    del h, h0, h1
    inner = _reduce_cyclic(lower, diag, upper, rhs)
    del lower, diag, upper, rhs
    m = np.empty(n)
    m[1:-1] = inner
    del inner
    m[0] = (r0 - d0 * m[1]) / h_first
    m[-1] = (rn - dn * m[-2]) / h_last
    return m


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
    """:func:`solve_tridiagonal` on float64 arrays it may overwrite.

    Every step does the same arithmetic in the same order as when written with shifted
    copies (``alpha = -a / b[i-s]``, ``b + alpha c[i-s] + gamma a[i+s]``, ...), but in
    place with four work arrays, so a long system holds eight arrays its length (issue
    18). Outside the system, the neighbours are the identity row (0, 1, 0 | 0).
    """
    n = b.size
    a[0] = 0.0
    c[-1] = 0.0
    alpha, gamma, t1, t2 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    s = 1
    while s < n:
        # Stop when every coupling is below the rounding level of its diagonal.
        np.abs(a, out=t1)
        t1 += np.abs(c, out=t2)
        np.abs(b, out=t2)
        t2 *= 1e-17
        if np.all(t1 <= t2):
            break
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
    d /= b
    return d


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

    Only the resampled series and one batch are held at once, so a long recording's
    memory stays bounded (issue 18). Yields nothing when the stretch is shorter than
    one segment.
    """
    n = int(round(segment_s * fs_hz))
    xp = np.asarray(time_s, dtype=np.float64)
    fp = np.asarray(nn_ms, dtype=np.float64)
    # The knot slopes before the grid, so the two are never held at once.
    m = _not_a_knot_slopes(xp, fp) if xp.size >= 4 else None
    grid = np.arange(time_s[0], time_s[-1], 1.0 / fs_hz)
    if grid.size < n:
        return
    if m is None:
        x = cubic_spline_interp(grid, xp, fp)
    else:
        x = _hermite_eval(grid, xp, fp, m, out=grid)  # the values replace the grid
    del grid, m
    step = n // 2
    starts = np.arange(0, x.size - n + 1, step)
    windows = np.lib.stride_tricks.sliding_window_view(x, n)
    rows = max(1, _EVAL_CHUNK // n)  # detrended a few MB at a time, at fixed row offsets
    for lo in range(0, starts.size, batch):
        hi = min(lo + batch, starts.size)
        out = np.empty((hi - lo, n))
        for a in range(lo - lo % rows, hi, rows):
            part = detrend_linear(windows[starts[a : a + rows]])
            s0, s1 = max(a, lo), min(a + rows, hi)
            out[s0 - lo : s1 - lo] = part[s0 - a : s1 - a]
        yield out


def hann(n: int) -> NDArray[np.float64]:
    """Periodic Hann window of length n (scipy ``get_window("hann", n)``)."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)
