"""Plain-language notes on how the phases of a session differ (the clinician's comparison view).

Input: the per-phase values of ``resonant analyze``
(:meth:`resonant.analysis.phases.PhaseResult.to_json` of each phase).
The notes describe, never judge: what changed from the first phase (the baseline) to
each other one, in heart rate, RMSSD, coherence and breathing rate, and, gently, how
that is commonly understood in compassion-focused work (the threat system speeding the
heart and steadying its rhythm; slow, even breathing inviting the soothing system;
Gilbert 2009, 2010).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resonant.analysis.phases import PhaseResult

__all__ = ["phase_notes"]

#: Smallest differences worth a sentence.
HR_DIFF_BPM = 3.0
RMSSD_RATIO = 1.2
COHERENCE_DIFF = 1.0


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) else None


def phase_notes(phases: Sequence[dict[str, Any] | PhaseResult]) -> list[str]:
    """Sentences comparing each phase with the first one.

    Parameters
    ----------
    phases : sequence of dict or PhaseResult
        :func:`~resonant.analysis.phases.analyze_phases`' results, or their
        :meth:`~resonant.analysis.phases.PhaseResult.to_json` values (``label``,
        ``stressor``, ``hr_mean_bpm``, ``rmssd_ms``, ``coherence_mean``,
        ``breathing_rate_bpm``; None where unavailable).

    Returns
    -------
    list of str
        One or two sentences per phase after the first; empty with fewer than 2 phases.
    """
    rows = [p.to_json() if isinstance(p, PhaseResult) else p for p in phases]
    if len(rows) < 2:
        return []
    base = rows[0]
    b_hr, b_rmssd, b_coh = (
        _num(base.get(k)) for k in ("hr_mean_bpm", "rmssd_ms", "coherence_mean")
    )
    notes: list[str] = []
    for ph in rows[1:]:
        name = ph["label"]
        hr, rmssd, coh = (_num(ph.get(k)) for k in ("hr_mean_bpm", "rmssd_ms", "coherence_mean"))
        parts: list[str] = []
        if hr is not None and b_hr is not None and abs(hr - b_hr) >= HR_DIFF_BPM:
            parts.append(
                f"heart rate was {abs(hr - b_hr):.0f} bpm {'higher' if hr > b_hr else 'lower'}"
            )
        if rmssd is not None and b_rmssd is not None and b_rmssd > 0:
            ratio = rmssd / b_rmssd
            if ratio >= RMSSD_RATIO or ratio <= 1 / RMSSD_RATIO:
                parts.append(
                    f"beat-to-beat variability (RMSSD) was {'higher' if ratio > 1 else 'lower'} "
                    f"({rmssd:.0f} against {b_rmssd:.0f} ms)"
                )
        if coh is not None and b_coh is not None and abs(coh - b_coh) >= COHERENCE_DIFF:
            parts.append(
                "the rhythm was "
                + ("smoother and more coherent" if coh > b_coh else "less wave-like")
                + f" (coherence {coh:.1f} against {b_coh:.1f})"
            )
        if not parts:
            notes.append(f"In '{name}' the heart rhythm was much as in '{base['label']}'.")
            continue
        sentence = f"In '{name}', compared with '{base['label']}', " + ", ".join(parts) + "."
        if ph.get("stressor") and hr is not None and b_hr is not None and hr > b_hr:
            sentence += (
                " A faster, steadier heart is how the body's threat system commonly shows "
                "itself: a natural response, and a passing one."
            )
        elif coh is not None and b_coh is not None and coh - b_coh >= COHERENCE_DIFF:
            sentence += (
                " Slow, even breathing like this is one way the soothing system can be invited in."
            )
        notes.append(sentence)
    return notes
