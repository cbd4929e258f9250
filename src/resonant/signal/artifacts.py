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

from dataclasses import dataclass
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
# Beats each side that a beat's numbers depend on: half the 91-beat window of the 11-beat
# median's deviation (45 + 5), and the two neighbours of the ectopic tests, with a margin.
_CONTEXT = 64
#: Beats classified per chunk of a long segment (a few MB of work).
_CHUNK_BEATS = 1 << 16


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


def _features(
    rr: NDArray[np.float64], drr0: float
) -> tuple[NDArray[np.float64], ...]:
    """The classification's numbers of every beat of ``rr`` (range beats interpolated).

    ``drr0`` stands for the first successive difference. Returns ``drrs``, ``s12``,
    ``s22``, ``mrrs``, ``medrr`` and ``th2`` (Lipponen & Tarvainen 2019). Near an end of
    ``rr`` that is not an end of the segment, the values lack context and are not used.
    """
    n = rr.size
    drr = np.empty(n)
    np.subtract(rr[1:], rr[:-1], out=drr[1:])
    drr[0] = drr0
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
    return drrs, s12, s22, mrrs, medrr, th2


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

    A long segment is worked through 65,536 beats at a time, each chunk with 64 beats of
    context on either side (a beat's numbers depend on at most the 50 beats either side
    of it): every value, and so every class, is the one of the whole segment at once,
    while the memory stays bounded (issue 18).

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
    raw = rr
    bad = codes != Artifact.NONE
    bad_idx = np.flatnonzero(bad)
    if bad_idx.size:
        if bad_idx.size == n:
            return codes
        # Each run of range beats is interpolated between the good beats on either side
        # (np.interp over just those good beats gives each value its whole-series
        # bracket, so the same value, without index arrays the length of the series).
        edge = np.concatenate([bad_idx - 1, bad_idx + 1])
        edge = edge[(edge >= 0) & (edge < n)]
        edge = np.sort(edge[~bad[edge]])
        edge = edge[np.concatenate([[True], edge[1:] != edge[:-1]])]  # unique, no numpy.ma
        rr = rr.copy()
        rr[bad_idx] = np.interp(bad_idx, edge, rr[edge])
    # drr[0] is the mean of every successive difference: the one whole-series value.
    drr0 = float(np.diff(rr).mean())

    # The numbers of each beat depend only on the beats within _CONTEXT of it (the 91-beat
    # and 11-beat windows, and the two neighbours each side), so they are computed a chunk
    # at a time with that much context around it: the values, and so the classes, are
    # those of the whole series at once, with memory bounded on long recordings
    # (issue 18). Only the candidate beats and the two after each are kept.
    out: dict[int, int] = {}  # new classes, by beat
    done: set[int] = set()  # beats already classified or absorbed, from the chunk's start
    for a in range(0, n, _CHUNK_BEATS):
        b = min(a + _CHUNK_BEATS, n)
        # The decisions of this chunk look at beats a .. b only.
        done.update(bad_idx[(bad_idx >= a) & (bad_idx <= b)].tolist())
        lo, hi = max(0, a - _CONTEXT), min(n, b + _CONTEXT)
        f = _features(rr[lo:hi], drr0)
        # Rows a .. b+1 of the whole series (the two after b for the candidates near b).
        keep = slice(a - lo, min(b + 2, n) - lo)
        drrs, s12, s22, mrrs, medrr, th2 = (v[keep] for v in f)
        for i in bad_idx[(bad_idx >= a) & (bad_idx < b)].tolist():
            # An out-of-range interval may still be a missed or an extra beat: give it
            # that class, so that the correction splits or merges instead of interpolating.
            k = i - a
            if raw[i] > RR_MAX_MS and abs(raw[i] / 2 - medrr[k]) < th2[k]:
                codes[i] = Artifact.MISSED
            elif raw[i] < RR_MIN_MS and i + 1 < n and abs(raw[i] + raw[i + 1] - medrr[k]) < th2[k]:
                codes[i] = Artifact.EXTRA
                done.add(i + 1)  # absorbs the extra beat
        local = np.flatnonzero((np.abs(drrs[: b - a]) > 1) | (np.abs(mrrs[: b - a]) > 3))
        if local.size:
            # The decision flow is sequential but touches only the (few) candidate beats
            # and the two after each (all before b + 2): plain Python floats of just
            # those beats keep it fast. Sorted and unique, as np.unique would give (which
            # imports numpy.ma, ~7 ms).
            mark = np.zeros(drrs.size + 2, dtype=bool)
            mark[local] = mark[local + 1] = mark[local + 2] = True
            need = np.flatnonzero(mark[: drrs.size])
            keys = (need + a).tolist()
            rows = [
                dict(zip(keys, v[need].tolist(), strict=True))
                for v in (drrs, s12, s22, mrrs, rr[a : a + drrs.size], medrr, th2)
            ]
            _decide((local + a).tolist(), n, _Values(*rows), done, out)
        done = {j for j in done if j >= b}  # the next chunk looks at beats from b on
    if out:
        codes[list(out)] = list(out.values())
    return codes


@dataclass(frozen=True, slots=True)
class _Values:
    """The classification's numbers of the candidate beats and the two after each, by beat."""

    d: dict[int, float]
    s12: dict[int, float]
    s22: dict[int, float]
    mr: dict[int, float]
    rr: dict[int, float]
    med: dict[int, float]
    t2: dict[int, float]


def _decide(
    candidates: list[int], n: int, v: _Values, done: set[int], out: dict[int, int]
) -> None:
    """Lipponen & Tarvainen's decision flow over candidate beats, in order.

    Adds each new class to ``out``, and each beat classified (or absorbed) to ``done``.
    """
    for i in candidates:
        if i in done:
            continue
        di = v.d[i]
        if (di > 1 and v.s12[i] < -_C1 * di - _C2) or (di < -1 and v.s12[i] > -_C1 * di + _C2):
            out[i] = Artifact.ECTOPIC
            done.add(i)
            continue
        tests = [i]
        if i + 2 < n and abs(v.d[i + 1]) < abs(v.d[i + 2]):
            tests.append(i + 1)
        for j in tests:
            if j in done:
                continue
            dj = v.d[j]
            big_m = abs(v.mr[j]) > 3
            long_ = (dj > 1 and v.s22[j] < -1) or (big_m and v.mr[j] > 0)
            short = (dj < -1 and v.s22[j] > 1) or (big_m and v.mr[j] <= 0)
            if not (long_ or short):
                continue
            done.add(j)
            if long_ and abs(v.rr[j] / 2 - v.med[j]) < v.t2[j]:
                out[j] = Artifact.MISSED
            elif short and j + 1 < n and abs(v.rr[j] + v.rr[j + 1] - v.med[j]) < v.t2[j]:
                out[j] = Artifact.EXTRA
                done.add(j + 1)
            else:
                out[j] = Artifact.LONG if long_ else Artifact.SHORT


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
    # Each kept beat once, a missed one twice; a chunk of beats at a time, so no count per
    # beat is held beside the copies (issue 18: bounded memory).
    size = int(np.count_nonzero(keep)) + int(np.count_nonzero(missed))
    out_t, out_nn = np.empty(size), np.empty(size)
    out_c = np.empty(size, dtype=bool)
    at = 0
    for a in range(0, n, _COPY_CHUNK):
        b = min(a + _COPY_CHUNK, n)
        counts = keep[a:b].astype(np.intp) + missed[a:b]
        end = at + int(counts.sum())
        out_t[at:end] = np.repeat(t[a:b], counts)
        out_nn[at:end] = np.repeat(nn[a:b], counts)
        out_c[at:end] = np.repeat(corrected[a:b], counts)
        split = missed[a:b]
        if split.any():
            # The first copy of a split interval is the inserted beat, half an interval earlier.
            first = at + (np.cumsum(counts) - counts)[split]
            half = nn[a:b][split] / 2.0
            out_nn[first] = half
            out_nn[first + 1] = half
            out_t[first] = t[a:b][split] - half / 1000.0
        at = end
    return out_t, out_nn, out_c


#: Beats copied at a time by :func:`correct_rr`.
_COPY_CHUNK = 1 << 16
