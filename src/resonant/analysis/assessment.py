"""Score a recorded resonance assessment from its session folder alone.

:func:`analyze_folder` reads ``beats.tsv`` and ``pacer.tsv`` (through the folder layer)
and scores the steps or the sweep: the live command records the session and then calls
it, so ``resonant assess --replay`` of that folder gives the same answer. The arithmetic
lives in :mod:`resonant.signal.resonance`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.folder.read import (
    PacerRows,
    RecordingError,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.signal.coherence import short_spectra
from resonant.signal.resonance import (
    ADHERENCE_TOLERANCE_BPM,
    AssessmentResult,
    analyze_sliding,
    choose_stepped,
    nn_series,
    score_step,
)
from resonant.signal.stream import update_ticks

__all__ = ["analyze_folder", "analyze_assessment"]


def analyze_folder(folder: str | Path, source: str | None = None) -> AssessmentResult:
    """Score a recorded assessment from its session folder (``beats.tsv``, ``pacer.tsv``).

    The protocol and its parameters come from ``session.json``; without them (folders
    made by hand or by other versions) a sweep is recognised by its rate changing at
    every breath, and steps by runs of one rate (at least 3).

    Raises
    ------
    RecordingError
        When the folder cannot be read, or holds no assessment (one sentence).
    """
    folder = Path(folder)
    recs = read_recording(folder)
    rec = next((r for r in recs if source is None or r.source == source), None)
    if rec is None:
        raise RecordingError(folder, f"no beats from the source {source!r}")
    pacer = read_pacer(folder)
    if pacer is None:
        raise RecordingError(
            folder, "holds no resonance assessment: the session had no breathing guide"
        )
    meta = _protocol_metadata(folder)
    if meta.get("name") != "resonance-assessment":
        _, rates = pacer.inhales()
        runs = len(_runs(rates)[1])
        if runs < 3 and np.unique(np.round(rates, 3)).size <= 20:
            only = ", ".join(f"{r:g}" for r in sorted(set(_runs(rates)[1])))
            raise RecordingError(
                folder,
                f"holds no resonance assessment: its breathing guide paced {only} "
                "breaths/min, and an assessment paces 3 or more rates (record one with "
                "'resonant assess')",
            )
    return analyze_assessment(rec.time_s, rec.rr_ms, rec.segment_starts, pacer, meta)


def analyze_assessment(
    time_s: NDArray[np.float64],
    rr_ms: NDArray[np.float64],
    segment_starts: NDArray[np.intp],
    pacer: PacerRows,
    meta: dict[str, Any],
) -> AssessmentResult:
    """Score an assessment from one source's beats and the guide's phases.

    Parameters
    ----------
    time_s, rr_ms, segment_starts : ndarray
        The beats (session times, raw RR) and where each gap-free segment starts.
    pacer : PacerRows
        The guide's phases (``pacer.tsv``, or :meth:`PacerRows.from_phases` of a plan).
    meta : dict
        The protocol's parameters as in ``session.json`` (``protocol``, ``rates_bpm``,
        ``settle_s``...); may be empty.
    """
    t, nn, corrected = nn_series(time_s, rr_ms, segment_starts)
    onsets, rates = pacer.inhales()
    kind = meta.get("protocol") or (
        "sliding" if np.unique(np.round(rates, 3)).size > 20 else "stepped"
    )
    if kind == "sliding":
        return _sliding(t, nn, onsets, rates)
    settle = float(meta.get("settle_s", 30.0))
    planned = [float(r) for r in meta.get("rates_bpm", _runs(rates)[1])]
    steps = []
    starts, run_rates = _runs(rates)
    for i, (k0, rate) in enumerate(zip(starts, run_rates, strict=True)):
        k1 = starts[i + 1] if i + 1 < len(starts) else onsets.size - 1
        seg = onsets[k0 : k1 + 1]
        scored = seg[seg >= seg[0] + settle - 1e-6]
        if scored.size < 3:
            continue
        vt = np.arange(scored[0], scored[-1], 0.25)
        s = score_step(t, nn, corrected, scored, pacer.volume(vt), vt, float(rate))
        if s is not None:
            steps.append(s)
    return choose_stepped(steps, planned)


def _runs(rates: NDArray[np.float64]) -> tuple[list[int], list[float]]:
    """Indices where a run of one rate starts, and the runs' rates."""
    starts = [0] + [k for k in range(1, rates.size) if abs(rates[k] - rates[k - 1]) > 1e-6]
    return starts, [round(float(rates[k]), 3) for k in starts]


def _sliding(
    t: NDArray[np.float64], nn: NDArray[np.float64],
    onsets: NDArray[np.float64], rates: NDArray[np.float64],
) -> AssessmentResult:  # fmt: skip
    """Per-breath adherence from the 5-s spectral updates, then the sweep's analysis."""
    ok = np.isfinite(nn)
    followed = np.ones(max(0, onsets.size - 1), dtype=bool)
    tt, nn_ok = t[ok], nn[ok]
    ends = tt[update_ticks(tt)] if tt.size > 10 else np.empty(0)
    ends = ends[ends - 63.5 >= tt[0]] if ends.size else ends
    if ends.size:
        spec = short_spectra(tt, nn_ok, ends)
        breath_bpm = 60.0 * spec.breath_hz
        mids = onsets[:-1] + 0.5 * np.diff(onsets)
        near = np.clip(np.searchsorted(ends, mids), 0, ends.size - 1)
        pace = rates[:-1]
        has = mids >= ends[0]
        followed = ~has | (np.abs(breath_bpm[near] - pace) <= ADHERENCE_TOLERANCE_BPM)
    return analyze_sliding(t, nn, onsets, rates[:-1], followed)


def _protocol_metadata(folder: Path) -> dict[str, Any]:
    proto = read_session_json(folder).get("protocol")
    return proto if isinstance(proto, dict) else {}
