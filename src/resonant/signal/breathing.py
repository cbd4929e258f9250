"""Breathing measured from a chest accelerometer: the signal, the breaths, rate and depth.

A chest strap's accelerometer mostly measures gravity; breathing tilts the chest wall
under it by a degree or two, so gravity's share on the three axes moves with the lung
volume (Bates et al. 2010). The steps, in pure numpy:

1. **Grid.** The three axes are put on an even grid (:data:`GRID_HZ`, linear
   interpolation; a strap's samples are already nearly even).
2. **Band-pass.** Each axis loses its mean and linear trend and is band-passed to
   :data:`BAND_HZ` (0.05-0.7 Hz: 3 to 42 breaths/min) by a zero-phase filter in the
   frequency domain with raised-cosine edges, after mirror padding (no edge jumps).
   Posture drift lies below the band and the heartbeat's bump above it.
3. **One axis.** The breathing signal is the first principal component of the three
   band-passed axes: the direction in which the sensor moves most inside the band,
   which is the direction breathing tilts it (Bates et al. 2010).
4. **Breaths.** Peaks and troughs alternate; pairs whose rise or fall is smaller than
   0.3 times the upper quartile of all rises and falls are dropped, the smallest first
   (the "advanced counting" rule of Schäfer & Kratky 2008). A trough is the start of an
   inhalation (an onset), placed between grid points by a least-squares parabola over
   an eighth of the median breath each side (slow breaths have flat bottoms, where a
   single sample's minimum would follow the noise).
5. **Which way is in.** A principal component has no sign. Resting and paced
   inhalations are shorter than exhalations (inhale:exhale about 1:1.5, Tobin et al.
   1983; resonant's pacer defaults to 4:6), so the sign is chosen that makes the
   median rise (trough to peak) shorter than the median fall; a caller who knows
   better (e.g. from the pacer) passes ``sign``.
6. **Rate and depth.** Rate is the number of breath-to-breath intervals in the window
   over their span, per minute. Depth of a breath is its rise from trough to the next
   peak along the breathing axis, mG (a tilt, not a volume: comparable within one
   wearing of the strap, not between people or sessions).

References
----------
Bates A, Ling MJ, Mann J, Arvind DK (2010). Respiratory rate and flow waveform
estimation from tri-axial accelerometer data. Proc. International Conference on Body
Sensor Networks (BSN), 144-150.
Schäfer A, Kratky KW (2008). Estimation of breathing rate from respiratory sinus
arrhythmia: comparison of various methods. Annals of Biomedical Engineering 36(3),
476-485.
Tobin MJ, Chadha TS, Jenouri G, et al. (1983). Breathing patterns. 1. Normal subjects.
Chest 84(2), 202-205.
Polar Electro (2024). Polar BLE SDK, documentation/products/PolarH10.md: the H10's
accelerometer, 25-200 Hz, x, y, z in mG (hrv-spec §2.6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GRID_HZ",
    "MIN_DEPTH_MG",
    "BAND_HZ",
    "SETTLE_S",
    "BreathingSignal",
    "Breathing",
    "breathing_signal",
    "breath_extrema",
    "breathing_from_acc",
    "AccWindow",
]

#: Rate of the even grid the breathing signal is computed on, Hz.
GRID_HZ = 10.0
#: Pass band of the breathing signal, Hz (3 to 42 breaths/min).
BAND_HZ = (0.05, 0.7)
#: Width of the raised-cosine edges of the pass band, Hz (low edge, high edge).
_EDGES_HZ = (0.03, 0.2)
#: Seconds of samples to take before a part so that the band-pass filter has settled
#: when the part starts (the phase, window or assessment step it is read for).
SETTLE_S = 20.0
#: Pairs smaller than this share of the upper quartile of rises and falls are dropped.
_COUNT_SHARE = 0.3
#: Half-width of the parabola fitted at each trough, as a share of the median breath.
_FIT_SHARE = 0.12
#: Smallest rise or fall that can be a breath, mG (the H10's resolution is 1 mG).
MIN_DEPTH_MG = 1.0
#: Fewest seconds of accelerometer data that can show a breath.
MIN_SPAN_S = 8.0


@dataclass(frozen=True, slots=True)
class BreathingSignal:
    """The breathing signal of a stretch of chest accelerometer data.

    Attributes
    ----------
    time_s : ndarray of float
        Times of the even grid, s.
    signal_mg : ndarray of float
        The band-passed first principal component, mG (inhalation upward when the sign
        has been chosen, see :func:`breath_extrema`).
    axis : ndarray of float, shape (3,)
        Unit vector of the breathing direction in the sensor's x, y, z.
    """

    time_s: NDArray[np.float64]
    signal_mg: NDArray[np.float64]
    axis: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Breathing:
    """Breaths found in a window of chest accelerometer data.

    Attributes
    ----------
    onsets_s : tuple of float
        Start of each inhalation in the window, s, increasing.
    rate_bpm : float or None
        Breaths per minute over the window (None with fewer than two onsets).
    depth_mg : float or None
        Median depth of the window's breaths, mG along the breathing axis (None when no
        whole breath).
    depths_mg : tuple of float
        Depth of each breath that starts at an onset and peaks in the window, mG.
    sign : int
        +1 or -1: the orientation of the principal component that was used.
    problem : str or None
        None when breaths were found; otherwise why not, as one plain sentence.
    """

    onsets_s: tuple[float, ...]
    rate_bpm: float | None
    depth_mg: float | None
    depths_mg: tuple[float, ...]
    sign: int = 1
    problem: str | None = None


def _check(
    times_s: ArrayLike, xyz_mg: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    t = np.asarray(times_s, dtype=np.float64)
    x = np.asarray(xyz_mg, dtype=np.float64)
    if t.ndim != 1 or x.ndim != 2 or x.shape != (t.size, 3):
        raise ValueError(
            f"Accelerometer data must be n times and an (n, 3) array, not {t.shape} and {x.shape}."
        )
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x))):
        raise ValueError("The accelerometer data contain values that are not finite.")
    if t.size > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("Accelerometer sample times must increase.")
    return t, x


def _band_pass(x: NDArray[np.float64], fs_hz: float) -> NDArray[np.float64]:
    """Zero-phase band-pass of each column to :data:`BAND_HZ` (mirror-padded, detrended)."""
    n = x.shape[0]
    k = np.arange(n, dtype=np.float64)
    # Remove the mean and the linear trend of each axis (least squares).
    a = np.vstack([np.ones(n), k - k.mean()]).T
    coef, *_ = np.linalg.lstsq(a, x, rcond=None)
    x = x - a @ coef
    pad = min(n - 1, int(round(30.0 * fs_hz)))
    xp = np.concatenate([x[pad:0:-1], x, x[-2 : -pad - 2 : -1]]) if pad > 0 else x
    m = xp.shape[0]
    nfft = 1 << max(1, (m - 1).bit_length())
    f = np.fft.rfftfreq(nfft, 1.0 / fs_hz)
    lo, hi = BAND_HZ
    wlo, whi = _EDGES_HZ
    gain = np.ones_like(f)
    gain[f <= lo - wlo / 2] = 0.0
    edge = (f > lo - wlo / 2) & (f < lo + wlo / 2)
    gain[edge] = 0.5 - 0.5 * np.cos(math.pi * (f[edge] - (lo - wlo / 2)) / wlo)
    gain[f >= hi + whi / 2] = 0.0
    edge = (f > hi - whi / 2) & (f < hi + whi / 2)
    gain[edge] = 0.5 + 0.5 * np.cos(math.pi * (f[edge] - (hi - whi / 2)) / whi)
    spec = np.fft.rfft(xp, nfft, axis=0) * gain[:, None]
    y = np.fft.irfft(spec, nfft, axis=0)[:m]
    return y[pad : pad + n]


def breathing_signal(
    times_s: ArrayLike, xyz_mg: ArrayLike, fs_hz: float = GRID_HZ
) -> BreathingSignal:
    """The breathing signal of chest accelerometer data (steps 1-3 of the module).

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times, s, increasing.
    xyz_mg : array_like, shape (n, 3)
        x, y, z acceleration, mG (gravity included).
    fs_hz : float
        Rate of the even grid, Hz.

    Returns
    -------
    BreathingSignal
        The grid, the signal (its sign not yet chosen) and the breathing axis.

    Raises
    ------
    ValueError
        For mismatched shapes, values that are not finite, times that do not increase,
        less than :data:`MIN_SPAN_S` of data, or samples further apart than 0.5 s.

    References
    ----------
    Bates et al. (2010).
    """
    t, x = _check(times_s, xyz_mg)
    if not (math.isfinite(fs_hz) and fs_hz >= 2.0 * BAND_HZ[1] + _EDGES_HZ[1]):
        raise ValueError(f"The grid rate must be at least 1.6 Hz, not {fs_hz!r}.")
    if t.size < 2 or t[-1] - t[0] < MIN_SPAN_S:
        raise ValueError(f"At least {MIN_SPAN_S:g} s of accelerometer data are needed.")
    if float(np.median(np.diff(t))) > 0.5:
        raise ValueError("Accelerometer samples must be at most 0.5 s apart to show breathing.")
    grid = t[0] + np.arange(int(math.floor((t[-1] - t[0]) * fs_hz)) + 1) / fs_hz
    xg = np.stack([np.interp(grid, t, x[:, j]) for j in range(3)], axis=1)
    y = _band_pass(xg, fs_hz)
    _, _, vt = np.linalg.svd(y - y.mean(axis=0), full_matrices=False)
    axis = vt[0]
    # A fixed convention for the raw sign: the largest component of the axis positive.
    axis = axis * (1.0 if axis[int(np.argmax(np.abs(axis)))] > 0 else -1.0)
    return BreathingSignal(grid, y @ axis, axis)


def _turns(s: NDArray[np.float64]) -> list[int]:
    """Indices of alternating local extrema (plateaus give their last point)."""
    d = np.diff(s)
    nz = np.flatnonzero(d != 0)
    if nz.size < 2:
        return []
    sign = np.sign(d[nz])
    change = np.flatnonzero(sign[1:] != sign[:-1])
    return [int(nz[c + 1]) for c in change]  # the turning sample (first of the new slope)


def breath_extrema(
    signal: ArrayLike, share: float = _COUNT_SHARE, floor: float = 0.0
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Troughs and peaks of a breathing signal after the advanced-counting rule.

    Local extrema alternate; while the smallest rise or fall between neighbours is below
    ``share`` times the upper quartile of all rises and falls, that neighbouring pair
    is dropped (which keeps the alternation).

    Parameters
    ----------
    signal : array_like of float
        The breathing signal, inhalation upward.
    share : float
        Share of the upper quartile below which a rise or fall is not a breath (0.3).
    floor : float
        Rises and falls below this are never breaths, whatever the others (signal units).

    Returns
    -------
    troughs, peaks : ndarray of intp
        Indices into ``signal``, increasing.

    References
    ----------
    Schäfer & Kratky (2008), "advanced counting".
    """
    s = np.asarray(signal, dtype=np.float64)
    ext = _turns(s)
    while len(ext) >= 2:
        steps = np.abs(np.diff(s[ext]))
        thr = max(floor, share * float(np.percentile(steps, 75)))
        i = int(np.argmin(steps))
        if steps[i] >= thr:
            break
        del ext[i : i + 2]
    idx = np.asarray(ext, dtype=np.intp)
    if idx.size == 0:
        return idx, idx
    is_peak = np.zeros(idx.size, dtype=bool)
    for j, k in enumerate(idx):
        left = s[idx[j - 1]] if j > 0 else None
        right = s[idx[j + 1]] if j + 1 < idx.size else None
        ref = left if left is not None else right
        is_peak[j] = ref is not None and s[k] > ref
    return idx[~is_peak], idx[is_peak]


def _refine(s: NDArray[np.float64], k: int, half: int = 4) -> float:
    """Fractional index of the extreme at ``k``: a least-squares parabola over ±``half``."""
    lo, hi = max(0, k - half), min(s.size, k + half + 1)
    if hi - lo < 3:
        return float(k)
    x = np.arange(lo, hi, dtype=np.float64) - k
    c2, c1, _ = np.polyfit(x, s[lo:hi], 2)
    if c2 == 0:
        return float(k)
    at = -c1 / (2.0 * c2)
    return float(k) + float(np.clip(at, -half, half))


def breathing_from_acc(
    times_s: ArrayLike,
    xyz_mg: ArrayLike,
    start_s: float | None = None,
    end_s: float | None = None,
    *,
    sign: int | None = None,
) -> Breathing:
    """Breath onsets, rate and depth in a window of chest accelerometer data.

    The signal is made from all the data given (so pass some seconds before the window:
    the filter settles over about 20 s), and breaths are reported in ``[start_s,
    end_s]``. Unusable data (too short, no breathing) give a result with ``problem``.

    Parameters
    ----------
    times_s : array_like of float, shape (n,)
        Sample times, s on the session clock, increasing.
    xyz_mg : array_like, shape (n, 3)
        x, y, z acceleration, mG.
    start_s, end_s : float or None
        The window (None: the first or last sample).
    sign : int or None
        +1 or -1 to orient the breathing signal (inhalation upward) instead of the
        inhale-shorter-than-exhale rule.

    Returns
    -------
    Breathing
        Onsets, rate (breaths/min) and depth (mG) in the window.

    Raises
    ------
    ValueError
        For malformed input (see :func:`breathing_signal`) or a sign other than +1, -1.

    References
    ----------
    Bates et al. (2010); Schäfer & Kratky (2008); Tobin et al. (1983).
    """
    t, x = _check(times_s, xyz_mg)
    if sign not in (None, 1, -1):
        raise ValueError(f"The sign must be +1 or -1, not {sign!r}.")
    if t.size < 2 or t[-1] - t[0] < MIN_SPAN_S:
        return Breathing((), None, None, (), 1, "not enough accelerometer data yet")
    bs = breathing_signal(t, x)
    s = bs.signal_mg
    troughs, peaks = breath_extrema(s, floor=MIN_DEPTH_MG)
    if sign is None:
        sign = _orientation(troughs, peaks)
    if sign < 0:
        s = -s
        troughs, peaks = peaks, troughs
    lo = t[0] if start_s is None else float(start_s)
    hi = t[-1] if end_s is None else float(end_s)
    dt = 1.0 / GRID_HZ
    # The low point is fitted over about an eighth of a breath each side: slow breaths
    # have broad, flat bottoms where noise alone would move a single sample's minimum.
    cycle = float(np.median(np.diff(troughs))) if troughs.size >= 2 else 4.0 * GRID_HZ
    half = max(3, int(round(cycle * _FIT_SHARE)))
    onsets = [bs.time_s[0] + _refine(s, int(k), half) * dt for k in troughs]
    keep = [i for i, o in enumerate(onsets) if lo <= o <= hi]
    on = tuple(float(onsets[i]) for i in keep)
    depths: list[float] = []
    for i in keep:
        later = peaks[peaks > troughs[i]]
        if later.size and bs.time_s[later[0]] <= hi:
            depths.append(float(s[later[0]] - s[troughs[i]]))
    rate = 60.0 * (len(on) - 1) / (on[-1] - on[0]) if len(on) >= 2 else None
    depth = float(np.median(depths)) if depths else None
    problem = None if on else "no breaths were found in the accelerometer data"
    return Breathing(on, rate, depth, tuple(depths), int(sign), problem)


def _orientation(troughs: NDArray[np.intp], peaks: NDArray[np.intp]) -> int:
    """+1 when rises (trough to peak) are shorter than falls, else -1 (Tobin et al. 1983)."""
    rises = [int(p - tr) for tr in troughs for p in peaks[peaks > tr][:1]]
    falls = [int(tr - p) for p in peaks for tr in troughs[troughs > p][:1]]
    if not rises or not falls:
        return 1
    return 1 if float(np.median(rises)) <= float(np.median(falls)) else -1


class AccWindow:
    """The last stretch of one source's accelerometer samples, for a live estimate.

    Push each chunk as it arrives (a session sink's ``on_acc``); ask :meth:`breathing`
    for the breaths of the last ``window_s`` seconds (the signal is made from
    ``window_s + settle_s`` seconds, so the filter has settled at the window's start).

    Parameters
    ----------
    keep_s : float
        Seconds of samples kept (older ones are dropped).
    """

    def __init__(self, keep_s: float = 120.0) -> None:
        if not keep_s > 0:
            raise ValueError(f"keep_s must be positive, not {keep_s!r}")
        self.keep_s = float(keep_s)
        self._t: list[NDArray[np.float64]] = []
        self._x: list[NDArray[np.float64]] = []

    def push(self, times_s: ArrayLike, xyz_mg: ArrayLike) -> None:
        """Add samples (times increasing, after those already held; others are dropped)."""
        t, x = _check(times_s, xyz_mg)
        if self._t and t.size:
            keep = t > self._t[-1][-1]
            t, x = t[keep], x[keep]
        if t.size == 0:
            return
        self._t.append(t)
        self._x.append(x)
        cut = t[-1] - self.keep_s
        while self._t and self._t[0][-1] < cut:
            self._t.pop(0)
            self._x.pop(0)

    @property
    def samples(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The samples held: times (s) and an ``(n, 3)`` array (mG)."""
        if not self._t:
            return np.zeros(0), np.zeros((0, 3))
        return np.concatenate(self._t), np.concatenate(self._x)

    def breathing(
        self, now_s: float, window_s: float = 60.0, settle_s: float = 20.0,
        sign: int | None = None,
    ) -> Breathing:  # fmt: skip
        """Breaths, rate and depth in ``[now_s - window_s, now_s]``.

        Returns
        -------
        Breathing
            As :func:`breathing_from_acc`; with ``problem`` set while too little has
            been pushed or the samples are too sparse.
        """
        t, x = self.samples
        use = t >= now_s - window_s - settle_s
        t, x = t[use], x[use]
        try:
            return breathing_from_acc(t, x, now_s - window_s, now_s, sign=sign)
        except ValueError as exc:
            return Breathing((), None, None, (), 1, str(exc))
