"""Plain-language notes on how the phases of a session differ (the clinician's comparison view).

Input: the per-phase values of ``resonant analyze``
(:meth:`resonant.analysis.phases.PhaseResult.to_json` of each phase).
The notes describe, never judge: what changed from the first phase (the baseline) to
each other one, in heart rate, RMSSD, coherence and breathing rate, each as a direction
and a size in plain words, and, gently, how that is commonly understood in
compassion-focused work (the threat system speeding the heart and narrowing its
beat-to-beat variation; slow, even breathing inviting the soothing system; Gilbert 2009,
2010). A phase whose protocol names a control phase (``compare_with``) is also set against
that control, as a study compares a condition with its control (Rockliff et al. 2008:
compassionate imagery against a neutral imagery, in heart rate, RMSSD and HF power). A
group's notes begin with each person's label.

Two rules keep them honest (issue 16):

- A higher coherence ratio is not called "smoother" or "more coherent" as if it were
  good. Under a stressor a higher ratio can come from the slow blood-pressure (Mayer)
  wave rather than from calm (Julien 2006), and the note says so.
- Nothing is said about the person's effort or skill, and every template passes the
  practices' language check (``model/practices/avoid-words.txt``; the tests render them).
- No direction is the right one against a control phase: Rockliff et al. (2008) found
  heart-rate variability rose with compassionate imagery for some people and fell for
  others (more often those high in self-criticism), and the note says that both are
  common.
- Slow breathing is spoken of only where it happened: the soothing-system sentence needs
  the phase's guide, or its measured breathing, at or below 7 breaths/min.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resonant.analysis.phases import PhaseResult
from resonant.signal.rsa_breathing import UNCLEAR

__all__ = ["phase_notes", "control_notes", "protocol_plan"]

#: Smallest differences worth a sentence.
HR_DIFF_BPM = 3.0
RMSSD_RATIO = 1.2
COHERENCE_DIFF = 1.0
#: Smallest difference of breathing rate worth a sentence, breaths/min.
BREATHING_DIFF_BPM = 2.0
#: Smallest ratio of HF power worth a sentence (against a control phase).
HF_RATIO = 1.3
#: A guide or breathing rate at or below this is "slow", breaths/min: the top of the
#: range of resonance rates the guide uses (``ACCEPT_RANGE_BPM``, hrv-spec §7.5).
SLOW_BREATHING_BPM = 7.0

_KEYS = ("hr_mean_bpm", "rmssd_ms", "coherence_mean", "breathing_rate_bpm", "hf_ms2")


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


def protocol_plan(meta: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The protocol's phases as ``session.json`` lists them, for :func:`phase_notes`.

    Each is a dict with at least ``name``, and ``pacer`` (``"off"``, ``"resonance"`` or a
    rate) and ``compare_with`` (the name of its control phase, or None) when given. A
    session recorded before ``compare_with`` was written takes it from the shipped
    protocol of the same name.

    Parameters
    ----------
    meta : mapping or None
        ``session.json``'s content.

    Returns
    -------
    list of dict
        Empty for a session without a guided protocol.
    """
    proto = meta.get("protocol") if meta else None
    listed = proto.get("phases") if isinstance(proto, dict) else None
    phases = [dict(p) for p in listed if isinstance(p, dict)] if isinstance(listed, list) else []
    if phases and not any("compare_with" in p for p in phases):
        from resonant.model.protocols import protocols

        shipped = protocols(None).get(str(proto.get("name"))) if isinstance(proto, dict) else None
        controls = {ph.name: ph.compare_with for ph in shipped.phases} if shipped else {}
        for p in phases:
            p["compare_with"] = controls.get(str(p.get("name")))
    return phases


def _plan_for(plan: Sequence[Mapping[str, Any]], label: str, k: int) -> Mapping[str, Any]:
    """The protocol's phase of a phase row: by name, else by position (else empty)."""
    named = [p for p in plan if p.get("name") == label]
    if named:
        return named[0]
    return plan[k] if k < len(plan) else {}


def _guide_slow(planned: Mapping[str, Any]) -> bool:
    """Whether the phase's guide ran slow: the resonance rate (4-7), or a rate <= 7/min."""
    pacer = planned.get("pacer")
    if pacer == "resonance":
        return True
    return isinstance(pacer, int | float) and not isinstance(pacer, bool) and (
        pacer <= SLOW_BREATHING_BPM
    )


def _breathing_words(row: Mapping[str, Any]) -> str:
    """Where a phase's breathing rate was taken from, in words."""
    if row.get("breathing_source") == "chest":
        return "the breathing measured at the chest"
    return "the breathing read from the heart rhythm"


def _changes(
    ph: Mapping[str, Any], ref: Mapping[str, Any], with_hf: bool = False
) -> tuple[list[str], bool]:
    """A phase's differences from a reference phase in words, and whether coherence rose.

    Heart rate, RMSSD, (with ``with_hf``) HF power, the coherence ratio and the breathing
    rate, each when the difference reaches its threshold.
    """
    hr, rmssd, coh, br, hf = (_num(ph.get(k)) for k in _KEYS)
    r_hr, r_rmssd, r_coh, r_br, r_hf = (_num(ref.get(k)) for k in _KEYS)
    parts: list[str] = []
    if hr is not None and r_hr is not None and abs(hr - r_hr) >= HR_DIFF_BPM:
        parts.append(
            f"heart rate was {abs(hr - r_hr):.0f} bpm {'higher' if hr > r_hr else 'lower'}"
        )
    if rmssd is not None and r_rmssd is not None and r_rmssd > 0:
        ratio = rmssd / r_rmssd
        if ratio >= RMSSD_RATIO or ratio <= 1 / RMSSD_RATIO:
            parts.append(
                f"beat-to-beat variability (RMSSD) was {_percent_change(rmssd, r_rmssd)} "
                f"({rmssd:.0f} against {r_rmssd:.0f} ms)"
            )
    if with_hf and hf is not None and r_hf is not None and r_hf > 0:
        ratio = hf / r_hf
        if ratio >= HF_RATIO or ratio <= 1 / HF_RATIO:
            parts.append(
                f"the high-frequency (HF) power, the variation at breathing rates, was "
                f"{_percent_change(hf, r_hf)} ({hf:.0f} against {r_hf:.0f} ms²)"
            )
    coh_up = coh is not None and r_coh is not None and coh - r_coh >= COHERENCE_DIFF
    coh_down = coh is not None and r_coh is not None and r_coh - coh >= COHERENCE_DIFF
    if coh_up or coh_down:
        parts.append(
            f"the coherence ratio was {'higher' if coh_up else 'lower'} "
            f"({coh:.1f} against {r_coh:.1f}; {'more' if coh_up else 'less'} of the "
            "rhythm's variation in one slow wave)"
        )
    if br is not None and r_br is not None and abs(br - r_br) >= BREATHING_DIFF_BPM:
        parts.append(
            f"{_breathing_words(ph)} was about {br:.0f} breaths a minute against {r_br:.0f}"
        )
    return parts, coh_up


def _listed(parts: Sequence[str]) -> str:
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


#: What people commonly show against a control phase: no one right direction
#: (Rockliff et al. 2008: with compassionate imagery HRV rose for some, fell for others).
_PEOPLE_DIFFER = (
    " People respond to a phase like this in different ways: when compassionate imagery "
    "was compared with a control imagery, variability rose for some people and fell for "
    "others (Rockliff et al. 2008), so either direction is a common response."
)


def _control_note(ph: Mapping[str, Any], control: Mapping[str, Any]) -> str:
    """The sentences setting a phase against its control phase (``compare_with``)."""
    name, other = ph["label"], control["label"]
    parts, _ = _changes(ph, control, with_hf=True)
    if parts:
        text = f"Against its control phase '{other}', in '{name}' {_listed(parts)}."
    else:
        text = (
            f"Against its control phase '{other}', the heart rhythm in '{name}' was much the "
            "same."
        )
    return text + _PEOPLE_DIFFER


def control_notes(
    phases: Sequence[dict[str, Any] | PhaseResult],
    plan: Sequence[Mapping[str, Any]],
) -> list[str]:
    """Only the sentences setting phases against their control phases (``compare_with``).

    The part of :func:`phase_notes` that a report shows beside its phase table: one note
    per phase whose protocol names a control phase present in ``phases``.

    Parameters
    ----------
    phases : sequence of dict or PhaseResult
        As for :func:`phase_notes`.
    plan : sequence of mapping
        The protocol's phases (:func:`protocol_plan`).

    Returns
    -------
    list of str
        Empty when no phase has a control.
    """
    rows = [p.to_json() if isinstance(p, PhaseResult) else p for p in phases]
    out = []
    for k, ph in enumerate(rows):
        wanted = _plan_for(list(plan), ph["label"], k).get("compare_with")
        control = next((r for r in rows if r is not ph and wanted and r["label"] == wanted), None)
        if control is not None:
            out.append(_control_note(ph, control))
    return out


def phase_notes(
    phases: Sequence[dict[str, Any] | PhaseResult],
    plan: Sequence[Mapping[str, Any]] | None = None,
    person: str | None = None,
) -> list[str]:
    """Sentences comparing each phase with the first one, and with its control phase.

    Parameters
    ----------
    phases : sequence of dict or PhaseResult
        :func:`~resonant.analysis.phases.analyze_phases`' results, or their
        :meth:`~resonant.analysis.phases.PhaseResult.to_json` values (``label``,
        ``stressor``, ``hr_mean_bpm``, ``rmssd_ms``, ``coherence_mean``, ``hf_ms2``,
        ``breathing_rate_bpm``, ``breathing_reason``, optionally ``breathing_source``;
        None where unavailable).
    plan : sequence of mapping, optional
        The protocol's phases (:func:`protocol_plan`): a phase whose ``compare_with``
        names another phase is also set against that phase, its control (as Rockliff et
        al. 2008 compared compassionate imagery with a neutral imagery: heart rate, RMSSD
        and HF power); its ``pacer`` says whether the guide ran slow. None: each phase
        against the first only, and the guide unknown.
    person : str, optional
        Whose phases these are (a source label such as ``sim1``): each note then begins
        with it, so that a group's notes say whose they are.

    Returns
    -------
    list of str
        One note (a few sentences) per phase after the first; empty with fewer than 2
        phases.

    Notes
    -----
    The soothing-system sentence, which speaks of slow breathing, is added only when the
    phase's guide ran at or below :data:`SLOW_BREATHING_BPM` (or at the resonance rate)
    or its measured breathing rate was that slow.
    """
    rows = [p.to_json() if isinstance(p, PhaseResult) else p for p in phases]
    if len(rows) < 2:
        return []
    plan = list(plan or [])
    base = rows[0]
    b_hr = _num(base.get("hr_mean_bpm"))
    whose = f"{person}: " if person else ""
    notes: list[str] = []
    for k, ph in enumerate(rows[1:], start=1):
        name = ph["label"]
        hr, br = _num(ph.get("hr_mean_bpm")), _num(ph.get("breathing_rate_bpm"))
        stressor = bool(ph.get("stressor"))
        planned = _plan_for(plan, name, k)
        control_name = planned.get("compare_with")
        control = next(
            (r for r in rows if r is not ph and control_name and r["label"] == control_name),
            None,
        )
        versus = "" if control is None else " " + _control_note(ph, control)
        parts, coh_up = _changes(ph, base)
        unclear = br is None and ph.get("breathing_reason") == UNCLEAR
        if not parts:
            same = f"In '{name}' the heart rhythm was much as in '{base['label']}'."
            if unclear:
                same += " Its breathing rate was unclear from the heart rhythm."
            notes.append(whose + same + versus)
            continue
        sentence = f"In '{name}', compared with '{base['label']}', {_listed(parts)}."
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
        elif coh_up and (_guide_slow(planned) or (br is not None and br <= SLOW_BREATHING_BPM)):
            sentence += (
                " Slow, even breathing like this is one way the soothing system can be "
                "invited in."
            )
        notes.append(whose + sentence + versus)
    return notes
