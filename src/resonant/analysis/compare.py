"""Plain-language notes on how the phases of a session differ (the clinician's comparison view).

Input: the per-phase values of ``resonant analyze``
(:meth:`resonant.analysis.phases.PhaseResult.to_json` of each phase).
The notes describe, never judge: what changed from the first phase (the baseline) to
each other one, in heart rate, RMSSD, coherence and breathing rate, each as a direction
and a size in plain words, and, gently, how that is commonly understood in
compassion-focused work (the threat system speeding the heart and narrowing its
beat-to-beat variation; slow, even breathing inviting the soothing system; Gilbert 2009,
2010).

Two rules keep them honest (issue 16):

- A higher coherence ratio is not called "smoother" or "more coherent" as if it were
  good. Under a stressor a higher ratio can come from the slow blood-pressure (Mayer)
  wave rather than from calm (Julien 2006), and the note says so.
- Nothing is said about the person's effort or skill, and every template passes the
  practices' language check (``model/practices/avoid-words.txt``; the tests render them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resonant.analysis.phases import PhaseResult
from resonant.signal.rsa_breathing import UNCLEAR

__all__ = ["phase_notes"]

#: Smallest differences worth a sentence.
HR_DIFF_BPM = 3.0
RMSSD_RATIO = 1.2
COHERENCE_DIFF = 1.0
#: Smallest difference of breathing rate worth a sentence, breaths/min.
BREATHING_DIFF_BPM = 2.0
#: A breathing rate at or below this is "slow", breaths/min.
SLOW_BREATHING_BPM = 8.0


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) else None


def _percent_change(new: float, old: float) -> str:
    """"about 40% lower" / "about twice as high": the size of a change in plain words."""
    ratio = new / old
    if ratio >= 1.95:
        return f"about {ratio:.0f} times as high" if ratio >= 2.5 else "about twice as high"
    if ratio > 1:
        return f"about {100 * (ratio - 1):.0f}% higher"
    return f"about {100 * (1 - ratio):.0f}% lower"


def phase_notes(phases: Sequence[dict[str, Any] | PhaseResult]) -> list[str]:
    """Sentences comparing each phase with the first one.

    Parameters
    ----------
    phases : sequence of dict or PhaseResult
        :func:`~resonant.analysis.phases.analyze_phases`' results, or their
        :meth:`~resonant.analysis.phases.PhaseResult.to_json` values (``label``,
        ``stressor``, ``hr_mean_bpm``, ``rmssd_ms``, ``coherence_mean``,
        ``breathing_rate_bpm``, ``breathing_reason``; None where unavailable).

    Returns
    -------
    list of str
        One to three sentences per phase after the first; empty with fewer than 2 phases.
    """
    rows = [p.to_json() if isinstance(p, PhaseResult) else p for p in phases]
    if len(rows) < 2:
        return []
    base = rows[0]
    b_hr, b_rmssd, b_coh, b_br = (
        _num(base.get(k))
        for k in ("hr_mean_bpm", "rmssd_ms", "coherence_mean", "breathing_rate_bpm")
    )
    notes: list[str] = []
    for ph in rows[1:]:
        name = ph["label"]
        hr, rmssd, coh, br = (
            _num(ph.get(k))
            for k in ("hr_mean_bpm", "rmssd_ms", "coherence_mean", "breathing_rate_bpm")
        )
        stressor = bool(ph.get("stressor"))
        parts: list[str] = []
        if hr is not None and b_hr is not None and abs(hr - b_hr) >= HR_DIFF_BPM:
            parts.append(
                f"heart rate was {abs(hr - b_hr):.0f} bpm {'higher' if hr > b_hr else 'lower'}"
            )
        if rmssd is not None and b_rmssd is not None and b_rmssd > 0:
            ratio = rmssd / b_rmssd
            if ratio >= RMSSD_RATIO or ratio <= 1 / RMSSD_RATIO:
                parts.append(
                    f"beat-to-beat variability (RMSSD) was {_percent_change(rmssd, b_rmssd)} "
                    f"({rmssd:.0f} against {b_rmssd:.0f} ms)"
                )
        coh_up = coh is not None and b_coh is not None and coh - b_coh >= COHERENCE_DIFF
        coh_down = coh is not None and b_coh is not None and b_coh - coh >= COHERENCE_DIFF
        if coh_up or coh_down:
            parts.append(
                f"the coherence ratio was {'higher' if coh_up else 'lower'} "
                f"({coh:.1f} against {b_coh:.1f}; {'more' if coh_up else 'less'} of the "
                "rhythm's variation in one slow wave)"
            )
        if br is not None and b_br is not None and abs(br - b_br) >= BREATHING_DIFF_BPM:
            parts.append(
                f"the breathing read from the heart rhythm was about {br:.0f} breaths a "
                f"minute against {b_br:.0f}"
            )
        unclear = br is None and ph.get("breathing_reason") == UNCLEAR
        if not parts:
            same = f"In '{name}' the heart rhythm was much as in '{base['label']}'."
            if unclear:
                same += " Its breathing rate was unclear from the heart rhythm."
            notes.append(same)
            continue
        listed = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        sentence = f"In '{name}', compared with '{base['label']}', {listed}."
        if unclear:
            sentence += " The breathing rate was unclear from the heart rhythm in this phase."
        if stressor and hr is not None and b_hr is not None and hr > b_hr:
            sentence += (
                " A faster heart with less variation from beat to beat is how the body's "
                "threat system commonly shows itself: a natural response, and a passing one."
            )
            if coh_up:
                sentence += (
                    " Under a stressor a higher coherence ratio often comes from the slow "
                    "blood-pressure rhythm (the Mayer wave) rather than from calm, so it is "
                    "no sign of settling."
                )
        elif stressor and coh_up:
            sentence += (
                " Under a stressor a higher coherence ratio often comes from the slow "
                "blood-pressure rhythm (the Mayer wave) rather than from calm."
            )
        elif coh_up:
            slow = br is not None and br <= SLOW_BREATHING_BPM
            sentence += (
                " Slow, even breathing like this is one way the soothing system can be "
                "invited in."
                if slow
                else " Slow, even breathing is one way the soothing system can be invited in."
            )
        notes.append(sentence)
    return notes
