"""Score a recorded resonance assessment from its session folder alone.

:func:`analyze_folder` reads ``beats.tsv``, ``pacer.tsv`` and, where the strap recorded
its chest accelerometer, ``acc.tsv`` (through the folder layer) and scores the steps or
the sweep: the live command records the session and then calls it, so ``resonant
assess --replay`` of that folder gives the same answer. Where the source has chest
accelerometer data, each step's breathing (rate, adherence, the phase's reference) is
the chest's; otherwise it is read from the heart rhythm where that is clear (hrv-spec
§7.3). The arithmetic lives in :mod:`resonant.signal.resonance`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant.folder.read import (
    AccTrace,
    PacerRows,
    RecordingError,
    path_kind,
    read_acc,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.signal.breathing import SETTLE_S, breathing_from_acc
from resonant.signal.coherence import short_spectra
from resonant.signal.resonance import (
    ADHERENCE_TOLERANCE_BPM,
    AssessmentResult,
    analyze_sliding,
    breaths_followed_at_chest,
    chest_breath,
    choose_stepped,
    nn_series,
    score_step,
)
from resonant.signal.rsa_breathing import agreement, judge_breathing
from resonant.signal.stream import update_ticks

__all__ = ["analyze_folder", "analyze_assessment"]


def analyze_folder(folder: str | Path, source: str | None = None) -> AssessmentResult:
    """Score a recorded assessment from its session folder (``beats.tsv``, ``pacer.tsv``).

    The source's chest accelerometer (``acc.tsv``), where it was recorded, is the
    steps' breathing (:func:`analyze_assessment`). The protocol and its parameters come
    from ``session.json``; without them (folders made by hand or by other versions) a
    sweep is recognised by its rate changing at every breath, and steps by runs of one
    rate (at least 3).

    Raises
    ------
    RecordingError
        When the folder cannot be read, or holds no assessment (one sentence).
    """
    folder = Path(folder)
    kind = path_kind(folder)  # a folder inside one the user may not open: one sentence
    if kind != "folder":
        if kind is None:
            raise RecordingError(folder, "no such session folder")
        raise RecordingError(
            folder,
            "is a file, not a session folder: an assessment is scored from the folder it "
            "was recorded in (its beats and its breathing guide)",
        )
    meta = _protocol_metadata(folder)  # a broken session.json is said first
    recs = read_recording(folder)
    rec = next((r for r in recs if source is None or r.source == source), None)
    if rec is None:
        raise RecordingError(folder, f"no beats from the source {source!r}")
    pacer = read_pacer(folder)
    if pacer is None:
        raise RecordingError(
            folder, "holds no resonance assessment: the session had no breathing guide"
        )
    if pacer.inhales()[0].size == 0:
        raise RecordingError(
            folder, "holds no resonance assessment: its breathing guide has no inhale"
        )
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
    traces = read_acc(folder)
    acc = traces.get(rec.source)
    if acc is None and list(traces) == [""]:  # a folder that did not label its samples
        acc = traces[""]
    return analyze_assessment(rec.time_s, rec.rr_ms, rec.segment_starts, pacer, meta, acc)


def analyze_assessment(
    time_s: NDArray[np.float64],
    rr_ms: NDArray[np.float64],
    segment_starts: NDArray[np.intp],
    pacer: PacerRows,
    meta: dict[str, Any],
    acc: AccTrace | None = None,
) -> AssessmentResult:
    """Score an assessment from one source's beats and the guide's phases.

    The live assessment (through its folder, and :class:`~resonant.session.extension.
    StepExtension` before its end), ``assess --replay`` and the benchmark all score here.

    Parameters
    ----------
    time_s, rr_ms, segment_starts : ndarray
        The beats (session times, raw RR) and where each gap-free segment starts.
    pacer : PacerRows
        The guide's phases (``pacer.tsv``, or :meth:`PacerRows.from_phases` of a plan).
    meta : dict
        The protocol's parameters as in ``session.json`` (``protocol``, ``rates_bpm``,
        ``settle_s``...); may be empty.
    acc : AccTrace or None
        The source's chest accelerometer, if recorded: each step's breathing is then
        measured from it (:func:`~resonant.signal.resonance.chest_breath`) where it
        shows breaths, and read from the heart rhythm otherwise.
    """
    t, nn, corrected = nn_series(time_s, rr_ms, segment_starts)
    onsets, rates = pacer.inhales()
    kind = meta.get("protocol") or (
        "sliding" if np.unique(np.round(rates, 3)).size > 20 else "stepped"
    )
    if kind == "sliding":
        return _sliding(t, nn, onsets, rates, acc)
    # Types and ranges are checked where session.json is read (folder.read); null = absent.
    settle = float(meta["settle_s"]) if meta.get("settle_s") is not None else 30.0
    planned = [float(r) for r in (meta.get("rates_bpm") or _runs(rates)[1])]
    steps = []
    starts, run_rates = _runs(rates)
    for i, (k0, rate) in enumerate(zip(starts, run_rates, strict=True)):
        k1 = starts[i + 1] if i + 1 < len(starts) else onsets.size - 1
        seg = onsets[k0 : k1 + 1]
        scored = seg[seg >= seg[0] + settle - 1e-6]
        if scored.size < 3:
            continue
        vt = np.arange(scored[0], scored[-1], 0.25)
        chest = None
        if acc is not None:
            chest = chest_breath(acc.time_s, acc.xyz_mg, float(scored[0]), float(scored[-1]))
        s = score_step(t, nn, corrected, scored, pacer.volume(vt), vt, float(rate), chest)
        if s is not None:
            steps.append(s)
    return choose_stepped(steps, planned)


def _runs(rates: NDArray[np.float64]) -> tuple[list[int], list[float]]:
    """Indices where a run of one rate starts, and the runs' rates."""
    starts = [0] + [k for k in range(1, rates.size) if abs(rates[k] - rates[k - 1]) > 1e-6]
    return starts, [round(float(rates[k]), 3) for k in starts]


def _sliding(
    t: NDArray[np.float64], nn: NDArray[np.float64],
    onsets: NDArray[np.float64], rates: NDArray[np.float64], acc: AccTrace | None = None,
) -> AssessmentResult:  # fmt: skip
    """Per-breath adherence, then the sweep's analysis.

    With the chest accelerometer, each guided breath is followed when the chest's breath
    under its middle had the guide's length (:func:`~resonant.signal.resonance.
    breaths_followed_at_chest`). Without it, from the 5-s spectral updates: a breath is
    not followed where the update's breathing peak is clear (hrv-spec §11.1, the guide's
    rate counting as in the live display) and away from the guide; where it is unclear,
    the breath's locking alone decides (:func:`~resonant.signal.resonance.analyze_sliding`).
    """
    if acc is not None and onsets.size >= 2:
        chest = _chest_onsets(acc, float(onsets[0]), float(onsets[-1]))
        if chest is not None:
            followed = breaths_followed_at_chest(onsets, rates[:-1], chest)
            return analyze_sliding(t, nn, onsets, rates[:-1], followed)
    ok = np.isfinite(nn)
    followed = np.ones(max(0, onsets.size - 1), dtype=bool)
    tt, nn_ok = t[ok], nn[ok]
    ends = tt[update_ticks(tt)] if tt.size > 10 else np.empty(0)
    ends = ends[ends - 63.5 >= tt[0]] if ends.size else ends
    if ends.size:
        spec = short_spectra(tt, nn_ok, ends)
        breath_bpm = 60.0 * spec.breath_hz
        # The guide's rate at each update (the breath under way at its end).
        at = np.clip(np.searchsorted(onsets, ends, side="right") - 1, 0, rates.size - 1)
        clear = judge_breathing(
            spec.breath_hz, spec.breath_share, agreement(ends, spec.breath_hz), rates[at]
        )
        mids = onsets[:-1] + 0.5 * np.diff(onsets)
        near = np.clip(np.searchsorted(ends, mids), 0, ends.size - 1)
        pace = rates[:-1]
        has = (mids >= ends[0]) & clear[near]
        followed = ~has | (np.abs(breath_bpm[near] - pace) <= ADHERENCE_TOLERANCE_BPM)
    return analyze_sliding(t, nn, onsets, rates[:-1], followed)


def _chest_onsets(acc: AccTrace, start_s: float, end_s: float) -> NDArray[np.float64] | None:
    """Inhalation onsets at the chest over the sweep, or None where the data show none."""
    near = (acc.time_s >= start_s - SETTLE_S) & (acc.time_s <= end_s + 5.0)
    try:
        breathing = breathing_from_acc(acc.time_s[near], acc.xyz_mg[near], start_s, end_s)
    except ValueError:  # too sparse to show breathing
        return None
    return np.asarray(breathing.onsets_s) if len(breathing.onsets_s) >= 3 else None


def _protocol_metadata(folder: Path) -> dict[str, Any]:
    proto = read_session_json(folder).get("protocol")
    return proto if isinstance(proto, dict) else {}
