"""The phases of a session: where each one begins and ends, and its beats analysed alone.

This is the one place that slices a recording into phases, and the one place that
analyses a recording with what its folder holds besides the beats
(:func:`analyze_recording`: the guide's rate from ``pacer.tsv`` and the chest
accelerometer from ``acc.tsv``, so the breathing rate is measured at the chest where it
can be, hrv-spec §11.1); ``resonant analyze`` (its ``phases`` in JSON and the batch
table's phase rows), ``resonant report``, the window's comparison view and
:func:`resonant.analysis.compare.phase_notes` all use it.

A protocol writes a ``phase`` event at each phase's onset with its PLANNED duration
(``0``: until the next phase). A phase actually ends at the earliest of

* its planned end (``onset + planned``, when it has a planned length),
* the next phase's onset (a clinician's "Next phase" ends a phase early), and
* the end of the data (the last beat).

A phase holds the beats with ``onset_s <= time_s < end_s``; the phase that reaches the
end of the data also holds the beat at its very end (the last beat), so every beat inside
a phase is counted exactly once. Each phase is analysed on its own beats with
:func:`~resonant.signal.offline.analyze_rr`, gaps inside it kept as segment breaks. A
phase with fewer than :data:`MIN_PHASE_BEATS` beats is not analysed (its values are
None): too few intervals for even the time-domain figures to mean anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from resonant.analysis.numbers import rounded
from resonant.folder.read import PacerRows, Recording, RecordingError, read_acc, read_pacer
from resonant.model.atomic import os_error_reason
from resonant.model.beats import Event
from resonant.model.protocols import STRESSOR_MARK
from resonant.signal.offline import MAX_CORRECTED_PCT, RecordingAnalysis, analyze_rr

T = TypeVar("T")

__all__ = ["MIN_PHASE_BEATS", "WHOLE_SESSION", "PhaseSpan", "PhaseResult", "phase_spans",
           "analyze_phases", "poor_data", "poor_data_note", "recording_guide",
           "recording_acc", "analyze_recording"]  # fmt: skip

#: Fewest beats a phase needs to be analysed (fewer: its values are None).
MIN_PHASE_BEATS = 10
#: Label of the one span of a session without phase events.
WHOLE_SESSION = "whole session"
#: How much earlier than planned the next phase must begin to count as ending this one
#: early, s (onsets are written to 0.1 ms; this absorbs their rounding).
_EARLY_TOLERANCE_S = 1e-3
#: The note the protocol runner writes when a clinician ends a phase early.
_ENDED_EARLY = re.compile(r"^phase '(?P<name>.*)' ended early\b")


def poor_data(corrected_pct: float | None) -> bool:
    """Whether values rest on heavily corrected data: more than 5 % of NN corrected.

    The threshold is the live path's (:data:`~resonant.signal.offline.MAX_CORRECTED_PCT`,
    ``StreamConfig.max_corrected_pct``; hrv-spec §6.3 step 5), which leaves such windows
    out of the live display. An offline analysis still gives the values, with
    :func:`poor_data_note`.
    """
    return corrected_pct is not None and corrected_pct > MAX_CORRECTED_PCT


def poor_data_note(corrected_pct: float | None) -> str | None:
    """The sentence every output carries for values computed on heavily corrected data.

    Parameters
    ----------
    corrected_pct : float or None
        Share of the NN intervals made or changed by artifact correction, percent.

    Returns
    -------
    str or None
        The note when :func:`poor_data` holds, else None.
    """
    if not poor_data(corrected_pct):
        return None
    return (
        f"{corrected_pct:.1f}% of the NN intervals were corrected, more than the "
        f"{MAX_CORRECTED_PCT:.0f}% the live display accepts: these values rest on heavily "
        "corrected data (read them with care; the live path leaves such windows out)"
    )


@dataclass(frozen=True)
class PhaseSpan:
    """Where one phase lies on the session clock.

    Attributes
    ----------
    number : int
        1-based, in order of onset.
    label : str
        The phase's label without the stressor mark (``phase N`` when it has none,
        :data:`WHOLE_SESSION` for the one span of a session without phases).
    stressor : bool
        Whether the label carried :data:`~resonant.model.protocols.STRESSOR_MARK`.
    onset_s : float
        Start on the session clock, s.
    planned_s : float
        The event's (planned) duration, s; 0 means "until the next phase".
    end_s : float
        Actual end, s: the earliest of the planned end, the next phase's onset and the
        end of the data (never before ``onset_s``).
    ended_early : bool
        The next phase began before the planned end, or a note says the phase was ended
        early.
    recorded_s : float
        Part of the span that has data (from the start of the data, or the onset when
        later, to ``end_s``), s; 0 for a phase that began after the recording ended.
    """

    number: int
    label: str
    stressor: bool
    onset_s: float
    planned_s: float
    end_s: float
    ended_early: bool
    recorded_s: float

    @property
    def duration_s(self) -> float:
        """Actual length, s (``end_s - onset_s``)."""
        return self.end_s - self.onset_s


@dataclass(frozen=True)
class PhaseResult:
    """One phase's beats analysed alone.

    Attributes
    ----------
    span : PhaseSpan
        Where the phase lies.
    beats : int
        Raw beats in it.
    analysis : RecordingAnalysis or None
        :func:`~resonant.signal.offline.analyze_rr` on those beats; None with fewer
        than :data:`MIN_PHASE_BEATS`.
    """

    span: PhaseSpan
    beats: int
    analysis: RecordingAnalysis | None

    def to_json(self) -> dict[str, Any]:
        """The phase as ``resonant analyze --json`` prints it under ``phases``.

        Fields: ``label``, ``onset_s``, ``duration_s`` (actual), ``stressor``, ``beats``,
        ``hr_mean_bpm``, ``rmssd_ms``, ``coherence_mean``, ``lf_hf``, ``hf_ms2`` (HF
        power, ms²; None where the phase is too short for it), ``breathing_rate_bpm``
        (measured at the chest when the accelerometer covers the phase, else read from the
        heart rhythm; None where the phase is too short for it or the breathing peak is
        not clear), ``breathing_source`` ("chest" or "heart";
        None when the rate is), ``breathing_reason`` (why it is None: "unclear from the
        heart rhythm", or what the phase lacks; None when given),
        ``corrected_pct`` (None when not analysed), ``poor_data`` (more than 5 % of its
        NN corrected) and ``notes`` (the poor-data note, when it applies).
        """
        s, r = self.span, self.analysis
        note = poor_data_note(r.corrected_pct) if r else None
        return {
            "label": s.label, "onset_s": rounded(s.onset_s, 3),
            "duration_s": rounded(s.duration_s, 3), "stressor": s.stressor,
            "beats": self.beats,
            "hr_mean_bpm": rounded(r.time.hr_mean_bpm) if r else None,
            "rmssd_ms": rounded(r.time.rmssd_ms) if r else None,
            "coherence_mean": rounded(r.coherence_mean) if r else None,
            "lf_hf": rounded(r.lf_hf) if r else None,
            "hf_ms2": rounded(r.hf_ms2) if r else None,
            "breathing_rate_bpm": rounded(r.breathing_rate_bpm, 3) if r else None,
            "breathing_reason": r.breathing_reason if r else "too few beats",
            "breathing_source": r.breathing_source if r else None,
            "corrected_pct": rounded(r.corrected_pct, 3) if r else None,
            "poor_data": note is not None,
            "notes": [note] if note else [],
        }  # fmt: skip

    @property
    def poor_data(self) -> bool:
        """Whether the phase's values rest on heavily corrected data (:func:`poor_data`)."""
        return self.analysis is not None and poor_data(self.analysis.corrected_pct)


def _ended_early_notes(events: Sequence[Event]) -> list[tuple[float, str]]:
    out = []
    for e in events:
        m = _ENDED_EARLY.match(e.label) if e.kind == "note" else None
        if m:
            out.append((e.onset_s, m["name"]))
    return out


def phase_spans(
    events: Sequence[Event], end_s: float, first_s: float | None = None
) -> list[PhaseSpan]:
    """Where each ``phase`` event's phase lies, actual ends included.

    Parameters
    ----------
    events : sequence of Event
        The session's events (only ``phase`` events and the runner's "ended early"
        notes are used).
    end_s : float
        End of the data (or of the session), s: no phase runs past it.
    first_s : float or None
        Start of the data, s (the onset of the whole-session span, and where recorded
        parts begin); None: the data starts with each phase (and at 0 s).

    Returns
    -------
    list of PhaseSpan
        In order of onset, never overlapping; one span :data:`WHOLE_SESSION` from
        ``first_s`` to ``end_s`` when there are no phase events.
    """
    phases = sorted((e for e in events if e.kind == "phase"), key=lambda e: e.onset_s)
    if not phases:
        start = 0.0 if first_s is None else float(first_s)
        stop = max(start, float(end_s))
        return [PhaseSpan(1, WHOLE_SESSION, False, start, 0.0, stop, False, stop - start)]
    notes = _ended_early_notes(events)
    out: list[PhaseSpan] = []
    for i, ev in enumerate(phases):
        onset = float(ev.onset_s)
        planned = max(0.0, float(ev.duration_s))
        nxt = float(phases[i + 1].onset_s) if i + 1 < len(phases) else None
        ends = [float(end_s)]
        if planned > 0:
            ends.append(onset + planned)
        if nxt is not None:
            ends.append(nxt)
        end = max(onset, min(ends))
        stressor = ev.label.endswith(STRESSOR_MARK)
        label = ev.label[: -len(STRESSOR_MARK)] if stressor else ev.label
        label = label or f"phase {i + 1}"
        early = (
            planned > 0 and nxt is not None and nxt < onset + planned - _EARLY_TOLERANCE_S
        ) or any(
            name == label and onset < at <= end + _EARLY_TOLERANCE_S for at, name in notes
        )
        data_from = onset if first_s is None else max(onset, float(first_s))
        recorded = max(0.0, end - data_from)
        out.append(PhaseSpan(i + 1, label, stressor, onset, planned, end, early, recorded))
    return out


#: The guide's rate counts for an update when it held over this much before it, s (as
#: the live session's ``pacer_rate_bpm``).
_GUIDE_STEADY_S = 60.0


def _companion(
    recording: Recording,
    read: Callable[[str | Path], T],
    name: str,
    without: str,
    problems: list[str] | None,
) -> T | None:
    """A session folder's companion table (``pacer.tsv``, ``acc.tsv``), or None.

    None for an input that is not a session folder, and for a table that cannot be
    used: then, with ``problems`` given, one sentence naming the file is added there
    (the beats are still analysed, ``without`` what the table gives).
    """
    if recording.kind != "session":
        return None
    try:
        return read(recording.path)
    except (RecordingError, OSError) as err:
        if problems is not None:
            if isinstance(err, RecordingError):
                where = str(err)
            else:
                where = f"{Path(recording.path) / name}: cannot be read ({os_error_reason(err)})"
            problems.append(f"{where}; the beats were analysed without {without}")
        return None


def recording_guide(
    recording: Recording, problems: list[str] | None = None
) -> Callable[[np.ndarray], np.ndarray] | None:
    """The breathing guide's rate at given times, from a session folder's ``pacer.tsv``.

    For the breathing rule's guide criterion (hrv-spec §11.1), as the live session has
    it: the rate of the guide phase covering ``t`` when the same rate (or no guide) ran
    60 s before, NaN otherwise or where no guide ran. None for an input without a guide
    (an RR file, a session without ``pacer.tsv``, or one that cannot be read).

    Parameters
    ----------
    recording : Recording
        The beats; only a session folder's have a guide.
    problems : list of str, optional
        When given, a ``pacer.tsv`` that is there but cannot be read adds one sentence
        naming it here (the beats are still analysed, without the guide).
    """
    pacer = _companion(recording, read_pacer, "pacer.tsv", "the breathing guide's rate", problems)
    if pacer is None or pacer.start_s.size == 0:
        return None
    return _guide_function(pacer)


def _guide_function(pacer: PacerRows) -> Callable[[np.ndarray], np.ndarray]:
    start, end, rate = pacer.start_s, pacer.start_s + pacer.duration_s, pacer.rate_bpm

    def at(t: np.ndarray) -> np.ndarray:
        k = np.searchsorted(start, t, side="right") - 1
        kk = np.clip(k, 0, start.size - 1)
        inside = (k >= 0) & (t < end[kk] + 1e-9)
        return np.where(inside, rate[kk], np.nan)

    def guide(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        now, then = at(t), at(t - _GUIDE_STEADY_S)
        with np.errstate(invalid="ignore"):
            steady = np.isnan(then) | (np.abs(then - now) < 1e-9)
        return np.where(steady, now, np.nan)

    return guide


def recording_acc(
    recording: Recording, problems: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The chest accelerometer of a recording's source, from its folder's ``acc.tsv``.

    Returns
    -------
    (ndarray, ndarray) or None
        Sample times (s) and an ``(n, 3)`` array of x, y, z (mG), for
        :func:`~resonant.signal.offline.analyze_rr`'s ``acc``; None for an input without
        one (an RR file, a folder without ``acc.tsv`` or without this source's samples,
        or one that cannot be read). A folder of one unlabelled source uses its one trace.
        With ``problems`` given, an ``acc.tsv`` that is there but cannot be read adds
        one sentence naming it there (the beats are still analysed, without the chest).
    """
    traces = _companion(recording, read_acc, "acc.tsv", "the chest accelerometer", problems)
    if traces is None:
        return None
    trace = traces.get(recording.source)
    if trace is None and not recording.source and len(traces) == 1:
        [trace] = traces.values()
    if trace is None or trace.time_s.size < 2:
        return None
    return trace.time_s, trace.xyz_mg


def analyze_recording(
    recording: Recording, problems: list[str] | None = None
) -> RecordingAnalysis:
    """:func:`~resonant.signal.offline.analyze_rr` on a whole recording, as every output shows it.

    With the guide's rate from ``pacer.tsv`` (:func:`recording_guide`) and the chest
    accelerometer from ``acc.tsv`` (:func:`recording_acc`): ``analyze``, ``report`` and
    the phases (:func:`analyze_phases`) give the same breathing rate and source. A
    broken ``pacer.tsv`` or ``acc.tsv`` is left out, with one sentence naming it added to
    ``problems`` when given.
    """
    return analyze_rr(
        recording.time_s, recording.rr_ms, recording.segment_starts,
        guide_bpm=recording_guide(recording, problems),
        acc=recording_acc(recording, problems),
    )  # fmt: skip


def analyze_phases(
    recording: Recording, events: Sequence[Event], problems: list[str] | None = None
) -> list[PhaseResult]:
    """Analyse the beats of each phase of a recording on their own.

    The breathing rule's guide criterion uses the session's ``pacer.tsv``
    (:func:`recording_guide`), as the live session uses its guide; the breathing rate
    is the chest's where ``acc.tsv`` covers the phase (:func:`recording_acc`).

    Parameters
    ----------
    recording : Recording
        The beats of one source.
    events : sequence of Event
        The session's events; those of another source are ignored.
    problems : list of str, optional
        Where a broken ``pacer.tsv`` or ``acc.tsv`` is said (one sentence naming it);
        the phases are analysed without it.

    Returns
    -------
    list of PhaseResult
        One per :func:`phase_spans` span (one for the whole session when there are no
        phase events), in order.
    """
    t = recording.time_s
    n = int(t.size)
    data_end = float(t[-1]) if n else 0.0
    first = max(0.0, float(t[0] - recording.rr_ms[0] / 1000.0)) if n else 0.0
    mine = [e for e in events if not e.source or e.source == recording.source]
    spans = phase_spans(mine, data_end, first)
    starts = recording.segment_starts
    guide = recording_guide(recording, problems)
    acc = recording_acc(recording, problems)
    out: list[PhaseResult] = []
    for k, span in enumerate(spans):
        i0 = int(np.searchsorted(t, span.onset_s, side="left"))
        later = spans[k + 1].onset_s if k + 1 < len(spans) else np.inf
        if span.end_s >= data_end and later > data_end:
            i1 = n  # the span reaching the end of the data holds the last beat
        else:
            i1 = int(np.searchsorted(t, span.end_s, side="left"))
        i1 = max(i0, i1)
        res = None
        if i1 - i0 >= MIN_PHASE_BEATS:
            inner = starts[(starts > i0) & (starts < i1)] - i0
            seg = np.concatenate([[0], inner]).astype(np.intp)
            res = analyze_rr(t[i0:i1], recording.rr_ms[i0:i1], seg, guide_bpm=guide, acc=acc)
        out.append(PhaseResult(span, i1 - i0, res))
    return out
