"""Artifact handling: a causal per-beat check and the Lipponen & Tarvainen classification.

Two stages (hrv-spec §6.3):

1. :class:`CausalCheck` runs on every beat as it arrives. It is provisional and loose: it
   only protects the live numbers for the seconds before the classification runs.
2. :func:`classify_artifacts` (Lipponen & Tarvainen 2019) runs on the recent window every
   few seconds live, and on the whole recording offline. Its flags are the final ones.

Raw beats are never changed; :func:`correct_rr` builds the corrected NN series that the
metrics use, and says which NN values were corrected.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from resonant.signal.rolling import rolling_quantiles

__all__ = [
    "Artifact",
    "ARTIFACT_NAMES",
    "CausalCheck",
    "classify_artifacts",
    "correct_rr",
    "range_codes",
    "RR_MIN_MS",
    "RR_MAX_MS",
]

#: Physiological range of an RR interval, ms (200-30 bpm; hrv-analysis ``remove_outliers``).
RR_MIN_MS = 300.0
RR_MAX_MS = 2000.0

# Lipponen & Tarvainen (2019) parameters, as in NeuroKit2 and systole (hrv-spec §6.1).
_ALPHA = 5.2
_C1 = 0.13
_C2 = 0.17
_QD_WINDOW = 91
_MED_WINDOW = 11


class Artifact(IntEnum):
    """Artifact class of a beat, stored as int8 in arrays."""

    NONE = 0
    #: Premature or ectopic beat (Lipponen & Tarvainen).
    ECTOPIC = 1
    #: Interval too long for its neighbours.
    LONG = 2
    #: Interval too short for its neighbours.
    SHORT = 3
    #: A beat the strap did not detect: the interval spans two beats.
    MISSED = 4
    #: A spurious beat split one interval in two.
    EXTRA = 5
    #: Outside 300-2000 ms.
    RANGE = 6
    #: Provisional live flag from the causal relative-change rule; never final.
    JUMP = 7


#: Text label of each :class:`Artifact` value, as written in files (empty = none).
ARTIFACT_NAMES: tuple[str, ...] = (
    "",
    "ectopic",
    "long",
    "short",
    "missed",
    "extra",
    "range",
    "jump",
)

_INTERPOLATED = (Artifact.ECTOPIC, Artifact.LONG, Artifact.SHORT, Artifact.RANGE, Artifact.JUMP)
# The same set as a table over every int8 value (read through a uint8 view): a lookup
# costs a fraction of np.isin on the ~150 beats of a live re-classification.
_INTERPOLATED_TABLE = np.zeros(256, dtype=bool)
_INTERPOLATED_TABLE[list(_INTERPOLATED)] = True


class CausalCheck:
    """Causal, per-beat plausibility check for live use (hrv-spec §6.2-6.3).

    A beat is flagged :attr:`Artifact.RANGE` outside 300-2000 ms, and
    :attr:`Artifact.JUMP` when it changes from the last accepted beat by more than
    +32.5 % or -24.5 % (Kamath's asymmetric limits). After ``relock`` consecutive jumps
    that agree with each other the new level is accepted, so a real change of heart rate
    is not rejected for ever (the re-lock of tomtactom's HRV-Biofeedback client).

    The limits are deliberately loose: a 20 %-of-recent-mean rule flags 2-5 % of clean
    beats in healthy recordings. The flags are provisional; the classification replaces
    them.

    Parameters
    ----------
    up, down : float
        Largest accepted relative rise and fall against the last accepted beat.
    relock : int
        Consecutive consistent jumps after which the new level is accepted.

    References
    ----------
    Kamath MV, Fallen EL (1995). Correction of the heart rate variability signal for
    ectopics and missing beats. In: Malik M, Camm AJ (eds), Heart Rate Variability.
    Futura, 75-85. hrv-analysis ``preprocessing.is_outlier`` (rule definitions).
    """

    def __init__(self, up: float = 0.325, down: float = 0.245, relock: int = 3) -> None:
        self.up = up
        self.down = down
        self.relock = relock
        self._ref: float | None = None
        self._pending: list[float] = []

    def reset(self) -> None:
        """Forget the reference beat (after a gap)."""
        self._ref = None
        self._pending = []

    def _consistent(self, a: float, b: float) -> bool:
        rel = (b - a) / a
        return -self.down <= rel <= self.up

    def check(self, rr_ms: float) -> int:
        """Classify one incoming beat.

        Parameters
        ----------
        rr_ms : float
            The new RR interval, ms.

        Returns
        -------
        int
            :attr:`Artifact.NONE`, :attr:`Artifact.RANGE` or :attr:`Artifact.JUMP`.
        """
        if not RR_MIN_MS <= rr_ms <= RR_MAX_MS:
            return Artifact.RANGE
        ref = self._ref
        if ref is None or self._consistent(ref, rr_ms):
            self._ref = rr_ms
            self._pending.clear()
            return Artifact.NONE
        pending = self._pending
        if pending and not self._consistent(pending[-1], rr_ms):
            pending.clear()
        pending.append(rr_ms)
        if len(pending) >= self.relock:
            self._ref = rr_ms
            pending.clear()
            return Artifact.NONE
        return Artifact.JUMP


def range_codes(rr_ms: NDArray[np.float64]) -> NDArray[np.int8]:
    """Flag intervals outside 300-2000 ms as :attr:`Artifact.RANGE`, the rest as none."""
    rr = np.asarray(rr_ms, dtype=np.float64)
    out = np.zeros(rr.size, dtype=np.int8)
    out[(rr < RR_MIN_MS) | (rr > RR_MAX_MS)] = Artifact.RANGE
    return out


def _quartile_deviation(x: NDArray[np.float64]) -> NDArray[np.float64]:
    q1, q3 = rolling_quantiles(x, _QD_WINDOW, (0.25, 0.75))
    return (q3 - q1) / 2.0


def classify_artifacts(rr_ms: NDArray[np.float64]) -> NDArray[np.int8]:
    """Classify every beat of one gap-free segment (Lipponen & Tarvainen 2019).

    Intervals outside 300-2000 ms are flagged :attr:`Artifact.RANGE` first and replaced
    by interpolation before the classification runs, so they do not inflate its
    thresholds. The remaining beats are classified as ectopic, long, short, missed or
    extra from the successive-difference series and its deviation from an 11-beat median,
    each normalised by a threshold of 5.2 quartile deviations over a centred 91-beat
    window (hrv-spec §6.1).

    Parameters
    ----------
    rr_ms : ndarray of float
        Raw RR intervals of one segment, ms, in order.

    Returns
    -------
    ndarray of int8
        One :class:`Artifact` value per beat.

    Notes
    -----
    Decisions where implementations differ (hrv-spec §6.1): a beat is tested when
    ``|dRRn| > 1`` or ``|mRRn| > 3``; "long" versus "short" for the ``|mRRn| > 3`` test is
    decided by the sign of ``RR - medRR``; after an extra beat the following interval
    (which absorbs it) is not tested again. One pass, not iterated.

    References
    ----------
    Lipponen JA, Tarvainen MP (2019). A robust algorithm for heart rate variability time
    series artefact correction using novel beat classification. J Med Eng Technol
    43(3):173-181. doi:10.1080/03091902.2019.1640306
    """
    rr = np.asarray(rr_ms, dtype=np.float64)
    n = rr.size
    codes = range_codes(rr)
    if n < 4:
        return codes
    bad = codes != Artifact.NONE
    if bad.any():
        if bad.all():
            return codes
        idx = np.arange(n)
        rr = rr.copy()
        rr[bad] = np.interp(idx[bad], idx[~bad], rr[~bad])

    drr = np.empty(n)
    drr[1:] = np.diff(rr)
    drr[0] = drr[1:].mean()
    th1 = np.maximum(_ALPHA * _quartile_deviation(np.abs(drr)), 1e-6)
    drrs = drr / th1
    # drrs padded by two on each side, mirrored about the ends (numpy's "reflect" pad,
    # built by hand: np.pad costs more than the rest of a live classification step).
    pad = np.empty(n + 4)
    pad[2 : n + 2] = drrs
    pad[0], pad[1], pad[n + 2], pad[n + 3] = drrs[2], drrs[1], drrs[n - 2], drrs[n - 3]
    prev, nxt, nxt2 = pad[1 : n + 1], pad[3 : n + 3], pad[4 : n + 4]
    s12 = np.where(drrs > 0, np.maximum(prev, nxt), np.minimum(prev, nxt))
    s22 = np.where(drrs >= 0, np.minimum(nxt, nxt2), np.maximum(nxt, nxt2))

    (medrr,) = rolling_quantiles(rr, _MED_WINDOW, (0.5,))
    mrr = rr - medrr
    mrr = np.where(mrr < 0, 2.0 * mrr, mrr)
    th2 = np.maximum(_ALPHA * _quartile_deviation(np.abs(mrr)), 1e-6)
    mrrs = mrr / th2

    raw = np.asarray(rr_ms, dtype=np.float64)
    for i in np.flatnonzero(bad).tolist():
        # An out-of-range interval may still be a missed or an extra beat: give it that
        # class, so that the correction splits or merges instead of interpolating.
        if raw[i] > RR_MAX_MS and abs(raw[i] / 2 - medrr[i]) < th2[i]:
            codes[i] = Artifact.MISSED
        elif raw[i] < RR_MIN_MS and i + 1 < n and abs(raw[i] + raw[i + 1] - medrr[i]) < th2[i]:
            codes[i] = Artifact.EXTRA

    candidates = np.flatnonzero((np.abs(drrs) > 1) | (np.abs(mrrs) > 3))
    if candidates.size == 0:
        return codes
    # The decision flow is sequential but touches only the (few) candidate beats and the
    # two after each: plain Python floats of just those beats keep it fast.
    # Sorted and unique, as np.unique would give (which imports numpy.ma, ~7 ms).
    mark = np.zeros(n + 2, dtype=bool)
    mark[candidates] = mark[candidates + 1] = mark[candidates + 2] = True
    need = np.flatnonzero(mark[:n])
    keys = need.tolist()

    def values(a: NDArray[np.float64]) -> dict[int, float]:
        return dict(zip(keys, a[need].tolist(), strict=True))

    d, s12l, s22l = values(drrs), values(s12), values(s22)
    mr, rrl, med, t2 = values(mrrs), values(rr), values(medrr), values(th2)
    out: dict[int, int] = {}  # new classes, by beat
    done = set(np.flatnonzero(codes != Artifact.NONE).tolist())
    for i in np.flatnonzero(codes == Artifact.EXTRA).tolist():
        if i + 1 < n:
            done.add(i + 1)  # absorbs the extra beat
    for i in candidates.tolist():
        if i in done:
            continue
        di = d[i]
        if (di > 1 and s12l[i] < -_C1 * di - _C2) or (di < -1 and s12l[i] > -_C1 * di + _C2):
            out[i] = Artifact.ECTOPIC
            done.add(i)
            continue
        tests = [i]
        if i + 2 < n and abs(d[i + 1]) < abs(d[i + 2]):
            tests.append(i + 1)
        for j in tests:
            if j in done:
                continue
            dj = d[j]
            big_m = abs(mr[j]) > 3
            long_ = (dj > 1 and s22l[j] < -1) or (big_m and mr[j] > 0)
            short = (dj < -1 and s22l[j] > 1) or (big_m and mr[j] <= 0)
            if not (long_ or short):
                continue
            done.add(j)
            if long_ and abs(rrl[j] / 2 - med[j]) < t2[j]:
                out[j] = Artifact.MISSED
            elif short and j + 1 < n and abs(rrl[j] + rrl[j + 1] - med[j]) < t2[j]:
                out[j] = Artifact.EXTRA
                done.add(j + 1)
            else:
                out[j] = Artifact.LONG if long_ else Artifact.SHORT
    if out:
        codes[list(out)] = list(out.values())
    return codes


def correct_rr(
    time_s: NDArray[np.float64], rr_ms: NDArray[np.float64], codes: NDArray[np.int8]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Build the corrected NN series of one segment from raw beats and their classes.

    Corrections (Lipponen & Tarvainen 2019; systole ``correct_rr``):

    - extra: the interval is merged into the next one (the spurious beat is removed);
    - missed: the interval is split into two equal halves (a beat is inserted);
    - ectopic, long, short, range and jump: the value is replaced by linear interpolation
      in time between the nearest uncorrected neighbours.

    Parameters
    ----------
    time_s : ndarray of float
        Time of each raw beat (end of its interval), s.
    rr_ms : ndarray of float
        Raw intervals, ms.
    codes : ndarray of int8
        :class:`Artifact` value of each raw beat.

    Returns
    -------
    time_s : ndarray of float
        Time of each NN interval's end, s.
    nn_ms : ndarray of float
        Corrected intervals, ms.
    corrected : ndarray of bool
        True where an NN value was made or changed by a correction.
    """
    t = np.asarray(time_s, dtype=np.float64)
    nn = np.array(rr_ms, dtype=np.float64)
    codes = np.asarray(codes)
    n = nn.size
    corrected = codes != Artifact.NONE
    if not corrected.any():
        return t.copy(), nn, corrected.copy()
    corrected = corrected.copy()
    keep = np.ones(n, dtype=bool)

    for i in np.flatnonzero(codes == Artifact.EXTRA).tolist():
        keep[i] = False
        if i + 1 < n:
            nn[i + 1] += nn[i]
            corrected[i + 1] = True

    if codes.dtype == np.int8:
        bad = keep & _INTERPOLATED_TABLE[codes.view(np.uint8)]
    else:
        bad = keep & np.isin(codes, _INTERPOLATED)
    good = keep & ~corrected
    if bad.any() and good.any():
        nn[bad] = np.interp(t[bad], t[good], nn[good])

    missed = keep & (codes == Artifact.MISSED)
    counts = keep.astype(np.intp) + missed
    out_t = np.repeat(t, counts)
    out_nn = np.repeat(nn, counts)
    out_c = np.repeat(corrected, counts)
    if missed.any():
        # The first copy of a split interval is the inserted beat, half an interval earlier.
        first = (np.cumsum(counts) - counts)[missed]
        half = nn[missed] / 2.0
        out_nn[first] = half
        out_nn[first + 1] = half
        out_t[first] = t[missed] - half / 1000.0
    return out_t, out_nn, out_c
