"""R-peak detection on a single-lead ECG: a Pan-Tompkins-style detector in pure numpy.

Written from the published method (Pan & Tompkins 1985) for the Polar H10's 130 Hz
chest ECG: a 5-15 Hz band-pass, a five-point derivative, squaring, a moving-window
integration over about 150 ms, adaptive signal and noise thresholds with a 200 ms
refractory period, T-wave discrimination and a search back for missed beats; each
detection is then moved to the R-peak of the ECG itself. :func:`r_peak_times_s` adds
sub-sample times by parabolic interpolation (one sample is 7.7 ms at 130 Hz).

Differences from the paper, all for an offline whole-record detector:

* The band-pass is applied in the frequency domain with a real, zero-phase response
  (second-order Butterworth-shaped edges at 5 and 15 Hz) instead of the paper's
  integer-coefficient recursive filters, which were designed for 200 Hz. Zero phase
  means no filter delay to undo.
* The derivative and the integration window are centred, so the integrated signal
  peaks on the QRS complex rather than a fixed delay after it.
* Detection thresholds are applied to the integrated signal only (the paper also
  thresholds the band-passed signal and requires both), and they are not halved when
  the rhythm is irregular.
* The R-peak is the extreme of the band-passed signal near the detection, then of
  the ECG within ±25 ms, in the record's dominant QRS polarity (chosen once for the
  whole record), so an inverted lead gives its R-peaks too.

References
----------
Pan J, Tompkins WJ (1985). A real-time QRS detection algorithm. IEEE Trans Biomed Eng
32(3):230-236.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BAND_HZ",
    "INTEGRATION_S",
    "REFRACTORY_S",
    "T_WAVE_S",
    "LEARNING_S",
    "detect_r_peaks",
    "r_peak_times_s",
]

#: Pass band of the QRS filter, Hz (Pan & Tompkins 1985: about 5-15 Hz).
BAND_HZ = (5.0, 15.0)
#: Width of the moving-window integration, s (Pan & Tompkins: 150 ms).
INTEGRATION_S = 0.150
#: No two QRS complexes closer than this, s (Pan & Tompkins: 200 ms).
REFRACTORY_S = 0.200
#: A detection closer than this to the previous QRS may be a T wave, s (Pan & Tompkins: 360 ms).
T_WAVE_S = 0.360
#: The initial thresholds are learnt from this much signal, s (Pan & Tompkins: 2 s).
LEARNING_S = 2.0

# Search for the R-peak in the band-passed signal around a detection, s.
_LOCATE_S = 0.100
# Then refine it in the ECG itself within this distance, s.
_REFINE_S = 0.025
# Reflected padding at each end before the FFT filter, s.
_PAD_S = 1.0
# Pan & Tompkins' threshold and RR-average constants.
_LEARN_RATE = 0.125
_SEARCHBACK_RATE = 0.25
_RR_LOW, _RR_HIGH, _RR_MISSED = 0.92, 1.16, 1.66


def _check(ecg_uv: ArrayLike, fs_hz: float) -> NDArray[np.float64]:
    fs = float(fs_hz)
    if not (math.isfinite(fs) and fs > 0.0):
        raise ValueError(f"The sample rate must be a positive number of Hz, not {fs_hz!r}.")
    x = np.asarray(ecg_uv, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"The ECG must be one-dimensional, not of shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("The ECG contains values that are not finite (NaN or infinity).")
    return x


def _pad(x: NDArray[np.float64], fs: float) -> tuple[NDArray[np.float64], int]:
    """The ECG less its median, reflected at both ends (no edge effects), and the pad length."""
    pad = min(x.size - 1, round(_PAD_S * fs))
    xp = x - np.median(x)
    return (np.pad(xp, pad, mode="reflect") if pad > 0 else xp), pad


def _bandpass(xp: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """Zero-phase 5-15 Hz band-pass by FFT (zero-filled to a power of two)."""
    lo, hi = BAND_HZ
    nfft = 1 << max(1, (xp.size - 1).bit_length())
    f = np.fft.rfftfreq(nfft, d=1.0 / fs)
    f4 = f**4
    # |H| = high-pass * low-pass, 1 / sqrt(1 + (lo / f)^4) * 1 / sqrt(1 + (f / hi)^4).
    gain = (f**2 / np.sqrt(f4 + lo**4)) * (hi**2 / np.sqrt(f4 + hi**4))
    return np.fft.irfft(np.fft.rfft(xp, nfft) * gain, nfft)[: xp.size]


def _derivative(y: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """Centred five-point derivative (Pan & Tompkins 1985).

    ``d[n] = fs / 8 * (-y[n-2] - 2 y[n-1] + 2 y[n+1] + y[n+2])``.
    """
    p = np.pad(y, 2, mode="edge")
    return (2.0 * (p[3:-1] - p[1:-3]) + (p[4:] - p[:-4])) * (fs / 8.0)


def _moving_mean(s: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    """Centred moving mean over 2 * half + 1 samples (shorter at the ends)."""
    n = s.size
    c = np.concatenate(([0.0], np.cumsum(s)))
    idx = np.arange(n)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, n)
    return (c[hi] - c[lo]) / (hi - lo)


def _local_maxima(m: NDArray[np.float64]) -> NDArray[np.intp]:
    """Indices where m rises and next falls (the first sample of a flat top)."""
    d = np.diff(m)
    change = np.flatnonzero(d)  # positions of strict changes, with their signs below
    if change.size < 2:
        return np.zeros(0, dtype=np.intp)
    up = d[change] > 0
    tops = np.flatnonzero(up[:-1] & ~up[1:])
    return (change[tops] + 1).astype(np.intp)


class _Averages:
    """Pan & Tompkins' RR AVERAGE1 (last 8 RR) and RR AVERAGE2 (last 8 regular RR)."""

    def __init__(self) -> None:
        self.recent: list[int] = []
        self.regular: list[int] = []

    def add(self, rr: int) -> None:
        avg2 = self.average2()
        self.recent = [*self.recent[-7:], rr]
        if avg2 is None or _RR_LOW * avg2 <= rr <= _RR_HIGH * avg2:
            self.regular = [*self.regular[-7:], rr]

    def average2(self) -> float | None:
        if self.regular:
            return float(np.mean(self.regular))
        if self.recent:
            return float(np.mean(self.recent))
        return None


def _detect(x: NDArray[np.float64], fs: float) -> tuple[NDArray[np.intp], int]:
    """R-peak indices and the QRS polarity (+1 or -1) of a checked ECG."""
    none = np.zeros(0, dtype=np.intp)
    n = x.size
    if n < 5:
        return none, 1
    # Every step runs on the reflected signal, so that a beat on the first or last
    # samples looks the same as any other; indices below are into the padded arrays,
    # and only candidates inside the record (start..stop) are considered.
    xp, start = _pad(x, fs)
    stop = start + n
    y = _bandpass(xp, fs)
    d = _derivative(y, fs)
    half = max(1, round(INTEGRATION_S * fs / 2.0))
    m = _moving_mean(d * d, half)
    top = float(m[start:stop].max())
    if not top > 0.0:
        return none, 1
    cand = _local_maxima(m)
    cand = cand[(cand >= start) & (cand < stop)]
    cand = cand[m[cand] > top * 1e-9]  # ignore numerical dust from the FFT on flat stretches
    if cand.size == 0:
        return none, 1

    refractory = max(1, round(REFRACTORY_S * fs))
    t_wave = round(T_WAVE_S * fs)
    learn = m[start : start + max(1, min(n, round(LEARNING_S * fs)))]
    spki = float(learn.max()) / 3.0
    npki = float(learn.mean()) / 2.0
    slope = np.abs(d)

    def slope_at(i: int) -> float:
        return float(slope[max(0, i - half) : i + half + 1].max())

    peaks: list[int] = []
    values: list[float] = []
    slopes: list[float] = []
    noise: list[tuple[int, float]] = []  # rejected candidates since the last QRS
    rr = _Averages()

    def accept(i: int, v: float, rate: float) -> None:
        nonlocal spki
        spki = rate * v + (1.0 - rate) * spki
        if peaks:
            rr.add(i - peaks[-1])
        peaks.append(i)
        values.append(v)
        slopes.append(slope_at(i))

    def search_back(until: int) -> None:
        # Pan & Tompkins: no QRS for 166 % of the RR average -> take the largest earlier
        # peak above the second threshold, as a QRS.
        nonlocal noise
        while peaks:
            avg = rr.average2()
            if avg is None or until - peaks[-1] <= _RR_MISSED * avg:
                return
            thr2 = 0.5 * (npki + 0.25 * (spki - npki))
            pool = [(i, v) for i, v in noise if i - peaks[-1] >= refractory and v > thr2]
            if not pool:
                return
            i, v = max(pool, key=lambda iv: iv[1])
            accept(i, v, _SEARCHBACK_RATE)
            noise = [(j, w) for j, w in noise if j > i]

    for i_np in cand:
        i = int(i_np)
        v = float(m[i])
        search_back(i)
        if peaks and i - peaks[-1] < refractory:
            if v > values[-1]:  # a larger hump of the same complex
                peaks[-1], values[-1], slopes[-1] = i, v, slope_at(i)
            continue
        thr1 = npki + 0.25 * (spki - npki)
        is_qrs = v > thr1
        if is_qrs and peaks and i - peaks[-1] < t_wave and slope_at(i) < 0.5 * slopes[-1]:
            is_qrs = False  # a T wave: its steepest slope is under half the last QRS's
        if is_qrs:
            accept(i, v, _LEARN_RATE)
            noise = []
        else:
            npki = _LEARN_RATE * v + (1.0 - _LEARN_RATE) * npki
            noise.append((i, v))
    search_back(stop)
    if not peaks:
        return none, 1

    # Move each detection to the R-peak: the extreme of the band-passed signal nearby,
    # in the record's dominant polarity, then the extreme of the ECG itself close to it.
    locate = max(1, round(_LOCATE_S * fs))
    refine = max(1, round(_REFINE_S * fs))
    wins = [(max(start, p - locate), min(stop, p + locate + 1)) for p in peaks]
    ups = np.array([y[a:b].max() for a, b in wins])
    downs = np.array([-y[a:b].min() for a, b in wins])
    polarity = 1 if np.median(ups) >= np.median(downs) else -1
    py, px = polarity * y, polarity * xp
    out: list[int] = []
    for a, b in wins:
        r = a + int(np.argmax(py[a:b]))
        lo, hi = max(start, r - refine), min(stop, r + refine + 1)
        out.append(lo + int(np.argmax(px[lo:hi])) - start)
    # Two detections may end on the same R-peak or closer than the refractory period:
    # keep the one with the larger integrated value.
    order = np.argsort(out, kind="stable")
    kept: list[int] = []
    kept_v: list[float] = []
    for k in order:
        r, v = out[k], values[k]
        if kept and r - kept[-1] < refractory:
            if v > kept_v[-1]:
                kept[-1], kept_v[-1] = r, v
            continue
        kept.append(r)
        kept_v.append(v)
    return np.asarray(kept, dtype=np.intp), polarity


def detect_r_peaks(ecg_uv: ArrayLike, fs_hz: float) -> NDArray[np.intp]:
    """Find the R-peaks of a single-lead ECG (Pan-Tompkins-style QRS detection).

    Steps (Pan & Tompkins 1985): a zero-phase 5-15 Hz band-pass; a five-point
    derivative; squaring; a moving-window integration over :data:`INTEGRATION_S`;
    adaptive thresholds on the integrated signal (signal and noise levels learnt from
    the first :data:`LEARNING_S` and updated by 1/8 at each peak; threshold = noise +
    1/4 of signal - noise); a :data:`REFRACTORY_S` refractory period; a peak within
    :data:`T_WAVE_S` of the last QRS whose steepest slope is under half of that QRS's
    is a T wave; when no QRS came for 166 % of the RR average of the last 8 regular
    beats, the largest peak above half the threshold is taken (search back). Each
    detection is then moved to the extreme of the band-passed signal within 100 ms and
    to the extreme of the ECG within 25 ms of that, in the record's dominant QRS
    polarity. The module docstring lists the differences from the paper.

    Multiplying the ECG by any non-zero constant (including -1) or adding a constant
    gives the same indices (up to floating-point ties).

    Parameters
    ----------
    ecg_uv : array_like
        The ECG, one lead, in µV (any unit works: only the shape matters).
    fs_hz : float
        Sample rate, Hz (130 for the Polar H10).

    Returns
    -------
    ndarray of intp
        Sample indices of the R-peaks, strictly increasing, at least
        :data:`REFRACTORY_S` apart; empty for a flat or too short record (under 5
        samples).

    Raises
    ------
    ValueError
        If ``fs_hz`` is not a positive finite number, or the ECG is not one-dimensional
        or holds a NaN or an infinity.

    References
    ----------
    Pan J, Tompkins WJ (1985). A real-time QRS detection algorithm. IEEE Trans Biomed
    Eng 32(3):230-236.
    """
    x = _check(ecg_uv, fs_hz)
    return _detect(x, float(fs_hz))[0]


def r_peak_times_s(
    ecg_uv: ArrayLike, fs_hz: float, peaks: ArrayLike | None = None
) -> NDArray[np.float64]:
    """R-peak times with sub-sample resolution, by parabolic interpolation.

    A parabola through the ECG at the peak sample and its two neighbours gives the
    offset of its vertex, ``0.5 (y[-1] - y[+1]) / (y[-1] - 2 y[0] + y[+1])``, clipped
    to half a sample. At 130 Hz (7.7 ms per sample) this removes most of the
    quantisation of the RR intervals. A peak on the first or last sample, or one where
    the three samples do not bend the way of the peak, keeps its sample time.

    Parameters
    ----------
    ecg_uv : array_like
        The ECG, one lead.
    fs_hz : float
        Sample rate, Hz.
    peaks : array_like of int, optional
        R-peak indices; None runs :func:`detect_r_peaks`. Given peaks are taken to
        share one polarity, read from the ECG's curvature at them.

    Returns
    -------
    ndarray of float64
        Time of each R-peak in seconds after sample 0.

    Raises
    ------
    ValueError
        As :func:`detect_r_peaks`, or for a peak index outside the ECG.
    """
    x = _check(ecg_uv, fs_hz)
    fs = float(fs_hz)
    n = x.size
    if peaks is None:
        idx, polarity = _detect(x, fs)
    else:
        idx = np.asarray(peaks, dtype=np.intp).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValueError("A peak index lies outside the ECG.")
        inner = idx[(idx > 0) & (idx < n - 1)]
        bend = float(np.sum(x[inner - 1] + x[inner + 1] - 2.0 * x[inner]))
        polarity = 1 if bend <= 0.0 else -1
    offset = np.zeros(idx.size)
    inner_mask = (idx > 0) & (idx < n - 1)
    i = idx[inner_mask]
    if i.size:
        left, mid, right = polarity * x[i - 1], polarity * x[i], polarity * x[i + 1]
        denom = left - 2.0 * mid + right
        ok = denom < 0.0  # a proper maximum
        safe = np.where(ok, denom, -1.0)
        off = np.where(ok, 0.5 * (left - right) / safe, 0.0)
        offset[inner_mask] = np.clip(off, -0.5, 0.5)
    return (idx.astype(np.float64) + offset) / fs
