"""HeartMath-style coherence from the last 64 s of NN intervals, and the short-window spectrum.

The spectral choices are pinned in hrv-spec §5.6 because they change the ratio by up
to 10x (§5.5): 64 s of NN linearly interpolated at 2 Hz (128 points ending at the last
beat), mean and linear trend removed, periodic Hann window, zero-padded to 1024 points,
one-sided density periodogram; the peak is searched in 0.04-0.26 Hz, its power summed
over +/-0.015 Hz, total power over 0.0033-0.40 Hz, CR = peak / (total - peak).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.signal.spectrum import HF, LF, TOTAL, detrend_linear, hann, periodogram, resample_grid

__all__ = [
    "COHERENCE_WINDOW_S",
    "COHERENCE_FS_HZ",
    "COHERENCE_NFFT",
    "ShortSpectra",
    "short_spectra",
    "coherence_level",
    "CHALLENGE_LEVELS",
    "window_psd",
    "spectra_and_psd",
    "DISPLAY_HI_HZ",
    "SCORE_MAX",
    "BREATH_HALF_WIDTH_HZ",
]

COHERENCE_WINDOW_S = 64.0
COHERENCE_FS_HZ = 2.0
COHERENCE_POINTS = 128
COHERENCE_NFFT = 1024
#: Peak search band for coherence (McCraty et al. 2009).
PEAK_LO_HZ, PEAK_HI_HZ = 0.04, 0.26
#: Half-width of the peak's integration window (McCraty et al. 2009: 0.030 Hz wide).
PEAK_HALF_WIDTH_HZ = 0.015
#: Search band for the breathing rate: 2.4-24 breaths/min (decision, see docs/research-guide.md).
BREATH_LO_HZ, BREATH_HI_HZ = 0.04, 0.40
#: Half-width of the band around the breathing peak whose share of the breathing band's
#: power tells how clearly the peak stands out, Hz (two bins of the 64-s window's
#: resolution, the main lobe of its Hann window; decision, hrv-spec §11.1).
BREATH_HALF_WIDTH_HZ = 0.03
#: Upper end of the 0-16 coherence score scale (HeartMath glossary; vendor-described).
SCORE_MAX = 16.0

#: Challenge levels: (low/medium, medium/high) thresholds on the coherence ratio, as
#: described by the vendor for Inner Balance (heartmath.com KB, 2020; vendor-described).
CHALLENGE_LEVELS: dict[int, tuple[float, float]] = {
    1: (0.5, 1.8),
    2: (0.6, 4.0),
    3: (0.6, 4.0),
    4: (2.1, 6.0),
}

_WINDOW = hann(COHERENCE_POINTS)
#: Bins computed by the short spectrum: up to 0.40 Hz plus the peak window's margin.
_KEEP = int(np.floor((BREATH_HI_HZ + PEAK_HALF_WIDTH_HZ) * COHERENCE_NFFT / COHERENCE_FS_HZ)) + 1


@dataclass(frozen=True, slots=True)
class ShortSpectra:
    """Results of the 64-s spectrum for one or many windows (arrays, one value per window).

    Attributes
    ----------
    coherence_ratio : ndarray of float
        CR = P_peak / (P_total - P_peak), capped at 16 when the denominator is not positive.
    peak_hz : ndarray of float
        Frequency of the highest PSD value in 0.04-0.26 Hz.
    lf_ms2, hf_ms2 : ndarray of float
        Power in 0.04-0.15 Hz and 0.15-0.40 Hz, ms².
    total_ms2 : ndarray of float
        Power in 0.0033-0.40 Hz, ms².
    breath_hz : ndarray of float
        Frequency of the highest PSD value in 0.04-0.40 Hz: the candidate breathing rate
        read from the respiratory sinus arrhythmia (whether it is shown is decided by
        :func:`resonant.signal.rsa_breathing.judge_breathing`).
    breath_share : ndarray of float
        Share of the 0.04-0.40 Hz power within +/-0.03 Hz of ``breath_hz``, 0-1: how
        clearly the peak stands out (hrv-spec §11.1).
    """

    coherence_ratio: NDArray[np.float64]
    peak_hz: NDArray[np.float64]
    lf_ms2: NDArray[np.float64]
    hf_ms2: NDArray[np.float64]
    total_ms2: NDArray[np.float64]
    breath_hz: NDArray[np.float64]
    breath_share: NDArray[np.float64]


def short_spectra(
    time_s: NDArray[np.float64], nn_ms: NDArray[np.float64], end_s: NDArray[np.float64]
) -> ShortSpectra:
    """Coherence ratio, LF/HF power and breathing frequency of 64-s windows.

    Parameters
    ----------
    time_s : ndarray of float
        Beat times (end of each NN interval), s, of one gap-free segment.
    nn_ms : ndarray of float
        Artifact-corrected NN intervals, ms.
    end_s : ndarray of float
        End time of each window (the time of its last beat). The caller makes sure each
        window lies inside the segment: ``end_s - 63.5 >= time_s[0]``.

    Returns
    -------
    ShortSpectra
        One value per window in every field.

    Notes
    -----
    CR as defined by McCraty et al. (2009) and restated by McCraty & Zayas (2014); the
    windowing, resolution and band edges are the project's pinned choices (hrv-spec
    §5.6). The result is the published ratio, not HeartMath's unpublished product score.

    References
    ----------
    McCraty R, Atkinson M, Tomasino D, Bradley RT (2009). The coherent heart. Integral
    Review 5(2):10-115. McCraty R, Zayas MA (2014). Cardiac coherence, self-regulation,
    autonomic stability, and psychosocial well-being. Front Psychol 5:1090.
    """
    ends = np.atleast_1d(np.asarray(end_s, dtype=np.float64))
    # Blocks of windows keep the arrays small: touching fresh memory for all the windows of
    # a 24-hour recording at once costs more than the FFTs themselves.
    if ends.size <= _BLOCK:
        return _short_block(time_s, nn_ms, ends)
    # Each block's values go straight into the whole arrays: the blocks are not held
    # beside them (issue 18: bounded memory).
    whole = tuple(np.empty(ends.size) for _ in range(7))
    for i in range(0, ends.size, _BLOCK):
        part = _fields(_short_block(time_s, nn_ms, ends[i : i + _BLOCK]))
        for out, values in zip(whole, part, strict=True):
            out[i : i + _BLOCK] = values
    return ShortSpectra(*whole)


_BLOCK = 512

#: Highest frequency of the spectrum shown to people (the HF band ends at 0.40 Hz), Hz.
DISPLAY_HI_HZ = 0.5
#: Bins up to the displayed frequency (:func:`spectra_and_psd`).
_KEEP_PSD = int(np.floor(DISPLAY_HI_HZ * COHERENCE_NFFT / COHERENCE_FS_HZ)) + 1


def window_psd(
    time_s: NDArray[np.float64], nn_ms: NDArray[np.float64], end_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The 64-s power spectral density behind one coherence value, for display.

    The same pinned choices as :func:`short_spectra` (hrv-spec §5.6): the last 64 s
    before ``end_s`` at 2 Hz, detrended, periodic Hann, zero-padded to 1024 points.

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        Beat times (s) and NN intervals (ms) of one gap-free segment.
    end_s : float
        End of the window (the time of its last beat), s.

    Returns
    -------
    freq_hz : ndarray of float
        Frequencies from 0 to :data:`DISPLAY_HI_HZ`, Hz.
    psd_ms2_hz : ndarray of float
        One-sided power spectral density, ms²/Hz.

    References
    ----------
    McCraty R et al. (2009), Integral Review 5(2):10-115 (the spectrum the coherence
    ratio is read from); hrv-spec §5.6.
    """
    x = resample_grid(time_s, nn_ms, np.array([end_s]), COHERENCE_FS_HZ, COHERENCE_POINTS)
    f, psd = periodogram(detrend_linear(x), COHERENCE_FS_HZ, COHERENCE_NFFT, _WINDOW)
    keep = int(np.searchsorted(f, DISPLAY_HI_HZ, side="right"))
    return f[:keep], psd[0, :keep]


def _fields(s: ShortSpectra) -> tuple[NDArray[np.float64], ...]:
    return (
        s.coherence_ratio, s.peak_hz, s.lf_ms2, s.hf_ms2, s.total_ms2, s.breath_hz,
        s.breath_share,
    )  # fmt: skip


def spectra_and_psd(
    time_s: NDArray[np.float64], nn_ms: NDArray[np.float64], end_s: float
) -> tuple[ShortSpectra, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """:func:`short_spectra` and :func:`window_psd` of one window from one periodogram.

    The live stream needs both every 5 s; they are the same spectrum (hrv-spec §5.6).

    Parameters
    ----------
    time_s, nn_ms : ndarray of float
        Beat times (s) and NN intervals (ms) of one gap-free segment.
    end_s : float
        End of the window (the time of its last beat), s.

    Returns
    -------
    spectra : ShortSpectra
        One value per field.
    psd : tuple of ndarray
        ``(freq_hz, psd_ms2_hz)`` from 0 to :data:`DISPLAY_HI_HZ`, as :func:`window_psd`.
    """
    # The arithmetic of resample_grid, detrend_linear, periodogram and _short_block for a
    # single window, operation for operation (so bit for bit), with the constants that
    # depend only on the pinned grid computed once: the live update runs this every 5 s.
    x = np.interp(end_s + _OFFSETS, time_s, nn_ms).reshape(1, COHERENCE_POINTS)
    mean = x.mean(axis=-1, keepdims=True)
    slope = (x @ _K)[..., None] / _KK
    spec = np.fft.rfft((x - mean - slope * _K) * _WINDOW, n=COHERENCE_NFFT, axis=-1)
    parts = spec[..., :_KEEP_PSD].view(np.float64).reshape(1, _KEEP_PSD, 2)
    psd = np.einsum("...ij,...ij->...i", parts, parts)
    psd *= _PSD_SCALE
    psd[..., 0] *= 0.5
    row = psd[0]
    f = _F_PSD
    i_peak = _PEAK_A + int(row[_PEAK_A:_PEAK_B].argmax())
    i_breath = _BREATH_A + int(row[_BREATH_A:_BREATH_B].argmax())
    peak_hz = f[i_peak]
    csum = np.zeros(_KEEP + 1)
    np.cumsum(row[:_KEEP], out=csum[1:])
    lo = int(np.searchsorted(f[:_KEEP], peak_hz - PEAK_HALF_WIDTH_HZ - 1e-12, side="left"))
    hi = int(np.searchsorted(f[:_KEEP], peak_hz + PEAK_HALF_WIDTH_HZ + 1e-12, side="right"))
    p_peak = (csum[hi] - csum[lo]) * _DF
    p_total = (csum[_TOTAL_B] - csum[_TOTAL_A]) * _DF
    rest = p_total - p_peak
    cr = p_peak / rest if rest > 0 else SCORE_MAX
    lf = (csum[_LF_B] - csum[_LF_A]) * _DF
    hf = (csum[_HF_B] - csum[_HF_A]) * _DF
    blo, bhi = _breath_span(f[:_KEEP], f[i_breath])
    p_breath = (csum[bhi] - csum[blo]) * _DF
    p_band = (csum[_BREATH_B] - csum[_BREATH_A]) * _DF
    share = p_breath / p_band if p_band > 0 else 0.0
    spectra = ShortSpectra(
        np.array([cr], dtype=np.float64),
        np.array([peak_hz]),
        np.array([lf]),
        np.array([hf]),
        np.array([p_total]),
        np.array([f[i_breath]]),
        np.array([share], dtype=np.float64),
    )
    return spectra, (f[:_DISPLAY_KEEP], row[:_DISPLAY_KEEP])


# Constants of spectra_and_psd, as resample_grid, detrend_linear, periodogram and
# _short_block compute them.
_OFFSETS = (np.arange(COHERENCE_POINTS) - (COHERENCE_POINTS - 1)) / COHERENCE_FS_HZ
_K = np.arange(COHERENCE_POINTS) - (COHERENCE_POINTS - 1) / 2.0
_KK = _K @ _K
_PSD_SCALE = 2.0 / (COHERENCE_FS_HZ * float(_WINDOW @ _WINDOW))
_F_PSD = np.arange(_KEEP_PSD, dtype=np.float64) * (COHERENCE_FS_HZ / COHERENCE_NFFT)
_DF = _F_PSD[1] - _F_PSD[0]
_DISPLAY_KEEP = int(np.searchsorted(_F_PSD, DISPLAY_HI_HZ, side="right"))


def _span(f: NDArray[np.float64], lo_hz: float, hi_hz: float, closed: bool) -> tuple[int, int]:
    """First and one-past-last index of ``lo <= f < hi`` (``<= hi`` when closed)."""
    a = int(np.searchsorted(f, lo_hz, side="left"))
    b = int(np.searchsorted(f, hi_hz, side="right" if closed else "left"))
    return a, b


def _mask_span(mask: NDArray[np.bool_]) -> tuple[int, int]:
    """The contiguous run of a mask over increasing frequencies, as a slice."""
    idx = np.flatnonzero(mask)
    assert idx.size and idx[-1] - idx[0] + 1 == idx.size
    return int(idx[0]), int(idx[-1]) + 1


_F_KEEP = _F_PSD[:_KEEP]
_PEAK_A, _PEAK_B = _mask_span((_F_KEEP >= PEAK_LO_HZ) & (_F_KEEP <= PEAK_HI_HZ))
_BREATH_A, _BREATH_B = _mask_span((_F_KEEP >= BREATH_LO_HZ) & (_F_KEEP <= BREATH_HI_HZ))
_TOTAL_A, _TOTAL_B = _span(_F_KEEP, TOTAL.lo_hz, TOTAL.hi_hz, closed=True)
_LF_A, _LF_B = _span(_F_KEEP, LF.lo_hz, LF.hi_hz, closed=False)
_HF_A, _HF_B = _span(_F_KEEP, HF.lo_hz, HF.hi_hz, closed=False)


def _short_block(
    time_s: NDArray[np.float64],
    nn_ms: NDArray[np.float64],
    ends: NDArray[np.float64],
    psd_out: list[NDArray[np.float64]] | None = None,
) -> ShortSpectra:
    x = resample_grid(time_s, nn_ms, ends, COHERENCE_FS_HZ, COHERENCE_POINTS)
    # Only bins up to 0.40 Hz (plus the peak window's margin) are ever used.
    if psd_out is None:
        f, psd = periodogram(detrend_linear(x), COHERENCE_FS_HZ, COHERENCE_NFFT, _WINDOW, _KEEP)
    else:
        f, psd = periodogram(detrend_linear(x), COHERENCE_FS_HZ, COHERENCE_NFFT, _WINDOW, _KEEP_PSD)
        psd_out[:] = [f, psd]
        f, psd = f[:_KEEP], psd[:, :_KEEP]
    keep = _KEEP
    df = f[1] - f[0]
    rows = np.arange(psd.shape[0])

    # The bands are contiguous runs of bins: argmax over slices, not over copies.
    peak_hz = f[_PEAK_A + np.argmax(psd[:, _PEAK_A:_PEAK_B], axis=1)]
    breath_hz = f[_BREATH_A + np.argmax(psd[:, _BREATH_A:_BREATH_B], axis=1)]

    # Peak power: bins within +/-0.015 Hz of each window's own peak, via a cumulative sum.
    csum = np.zeros((psd.shape[0], keep + 1))
    np.cumsum(psd, axis=1, out=csum[:, 1:])
    lo = np.searchsorted(f, peak_hz - PEAK_HALF_WIDTH_HZ - 1e-12, side="left")
    hi = np.searchsorted(f, peak_hz + PEAK_HALF_WIDTH_HZ + 1e-12, side="right")
    p_peak = (csum[rows, hi] - csum[rows, lo]) * df

    def band(lo_hz: float, hi_hz: float, closed: bool = False) -> NDArray[np.float64]:
        a = int(np.searchsorted(f, lo_hz, side="left"))
        b = int(np.searchsorted(f, hi_hz, side="right" if closed else "left"))
        return (csum[:, b] - csum[:, a]) * df

    p_total = band(TOTAL.lo_hz, TOTAL.hi_hz, closed=True)
    rest = p_total - p_peak
    with np.errstate(divide="ignore", invalid="ignore"):
        cr = np.where(rest > 0, p_peak / rest, SCORE_MAX)
    lf = band(LF.lo_hz, LF.hi_hz)
    hf = band(HF.lo_hz, HF.hi_hz)
    blo, bhi = _breath_span(f, breath_hz)
    p_breath = (csum[rows, bhi] - csum[rows, blo]) * df
    p_band = (csum[:, _BREATH_B] - csum[:, _BREATH_A]) * df
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(p_band > 0, p_breath / p_band, 0.0)
    return ShortSpectra(cr, peak_hz, lf, hf, p_total, breath_hz, share)


def _breath_span(f: NDArray[np.float64], breath_hz: Any) -> tuple[Any, Any]:
    """Bins within +/-``BREATH_HALF_WIDTH_HZ`` of the breathing peak, inside its band."""
    lo = np.searchsorted(f, breath_hz - BREATH_HALF_WIDTH_HZ - 1e-12, side="left")
    hi = np.searchsorted(f, breath_hz + BREATH_HALF_WIDTH_HZ + 1e-12, side="right")
    return np.clip(lo, _BREATH_A, _BREATH_B), np.clip(hi, _BREATH_A, _BREATH_B)


def coherence_level(ratio: float, level: int = 1) -> str:
    """Name the coherence band of a ratio at a challenge level: "low", "medium" or "high".

    Parameters
    ----------
    ratio : float
        Coherence ratio.
    level : int
        Challenge level 1-4 (thresholds in :data:`CHALLENGE_LEVELS`, vendor-described).

    Returns
    -------
    str
        ``"low"`` below the first threshold, ``"high"`` at or above the second.
    """
    low_med, med_high = CHALLENGE_LEVELS[level]
    if ratio >= med_high:
        return "high"
    if ratio >= low_med:
        return "medium"
    return "low"
