"""The comparison notes: direction and size in plain words, never praise for threat."""

from __future__ import annotations

import pytest

from resonant.analysis.compare import control_notes, phase_notes, protocol_plan
from resonant.model.practices import judging_words_in
from resonant.signal.rsa_breathing import UNCLEAR

BASE = {"label": "baseline", "hr_mean_bpm": 70.0, "rmssd_ms": 21.5, "coherence_mean": 0.3,
        "breathing_rate_bpm": 14.0}  # fmt: skip

#: Stressor phases whose coherence ratio is higher than the baseline's (the issue's case:
#: "smoother and more coherent (coherence 1.5 against 0.3)"), with and without a faster
#: heart, with the breathing clear or unclear.
THREAT_HIGHER = [
    {"label": "mild stressor", "stressor": True, "hr_mean_bpm": 87.0, "rmssd_ms": 9.4,
     "coherence_mean": 1.5, "breathing_rate_bpm": None, "breathing_reason": UNCLEAR},
    {"label": "mild stressor", "stressor": True, "hr_mean_bpm": 87.0, "rmssd_ms": 9.4,
     "coherence_mean": 3.0, "breathing_rate_bpm": 17.5, "breathing_reason": None},
    {"label": "task", "stressor": True, "hr_mean_bpm": 71.0, "rmssd_ms": 22.0,
     "coherence_mean": 2.0, "breathing_rate_bpm": None, "breathing_reason": UNCLEAR},
]  # fmt: skip

PRAISE = ("smoother", "more coherent", "better", "improved", "calmer", "good", "well")


@pytest.mark.parametrize("stress", THREAT_HIGHER)
def test_a_stressor_with_higher_coherence_is_described_not_praised(stress: dict) -> None:
    (note,) = phase_notes([BASE, stress])
    low = note.lower()
    assert not any(w in low for w in PRAISE), note
    assert judging_words_in(note) == []
    assert f"coherence ratio was higher ({stress['coherence_mean']:.1f} against 0.3" in note
    assert "Mayer wave" in note and "rather than from calm" in note
    if stress["hr_mean_bpm"] > 75:
        assert "17 bpm higher" in note and "threat system" in note
        assert "about 56% lower (9 against 22 ms)" in note
    if stress["breathing_rate_bpm"] is None:
        assert "unclear from the heart rhythm" in note


def test_soothing_and_lower_values_in_plain_words() -> None:
    soothe = {"label": "soothing", "hr_mean_bpm": 64.0, "rmssd_ms": 50.0, "coherence_mean": 5.9,
              "breathing_rate_bpm": 5.5}  # fmt: skip
    calmer = {"label": "recovery", "hr_mean_bpm": 69.0, "rmssd_ms": 15.0, "coherence_mean": 0.3,
              "breathing_rate_bpm": None, "breathing_reason": UNCLEAR}  # fmt: skip
    a, b = phase_notes([BASE, soothe, calmer])
    assert "about twice as high (50 against 22 ms)" in a
    assert "about 6 breaths a minute against 14" in a and "soothing system" in a
    assert "about 30% lower" in b and "unclear from the heart rhythm" in b
    assert "threat system" not in b and "soothing system" not in b
    for n in (a, b):
        assert judging_words_in(n) == [] and "smoother" not in n


def test_every_note_template_passes_the_language_check() -> None:
    """Every branch of phase_notes, rendered."""
    rows = [BASE, *THREAT_HIGHER,
            {"label": "same", **{k: BASE[k] for k in ("hr_mean_bpm", "rmssd_ms",
                                                       "coherence_mean")},
             "breathing_rate_bpm": None, "breathing_reason": UNCLEAR},
            {"label": "lower", "hr_mean_bpm": 60.0, "rmssd_ms": 40.0, "coherence_mean": 0.2,
             "breathing_rate_bpm": 16.5},
            {"label": "fast calm", "hr_mean_bpm": 66.0, "rmssd_ms": 30.0, "coherence_mean": 2.0,
             "breathing_rate_bpm": 12.0},
            {"label": "stress lower coherence", "stressor": True, "hr_mean_bpm": 90.0,
             "rmssd_ms": 8.0, "coherence_mean": 0.1, "breathing_rate_bpm": None,
             "breathing_reason": UNCLEAR}]  # fmt: skip
    notes = phase_notes(rows)
    assert len(notes) == len(rows) - 1
    assert "much as in 'baseline'. Its breathing rate was unclear" in notes[3]
    for n in notes:
        assert judging_words_in(n) == [], n
        assert not any(w in n.lower() for w in PRAISE), n


# -- a control phase (compare_with), slow breathing, whose notes ----------------------------

NEUTRAL = {"label": "neutral imagery", "hr_mean_bpm": 72.0, "rmssd_ms": 30.0,
           "coherence_mean": 0.5, "hf_ms2": 200.0, "breathing_rate_bpm": 12.0}  # fmt: skip
IMAGERY_PLAN = [{"name": "baseline", "pacer": "off", "compare_with": None},
                {"name": "neutral imagery", "pacer": "off", "compare_with": None},
                {"name": "compassionate imagery", "pacer": "off",
                 "compare_with": "neutral imagery"}]  # fmt: skip


@pytest.mark.parametrize("rises", [True, False])
def test_a_phase_is_set_against_its_control_without_a_right_direction(rises: bool) -> None:
    """Rockliff et al. (2008): against the neutral imagery, HRV rose for some, fell for others."""
    compassion = {"label": "compassionate imagery", "hr_mean_bpm": 67.0 if rises else 77.0,
                  "rmssd_ms": 45.0 if rises else 20.0, "coherence_mean": 0.6,
                  "hf_ms2": 400.0 if rises else 100.0, "breathing_rate_bpm": 12.0}  # fmt: skip
    _, note = phase_notes([BASE, NEUTRAL, compassion], IMAGERY_PLAN)
    assert "compared with 'baseline'" in note  # the baseline comparison stays
    control = note[note.index("Against its control phase 'neutral imagery'"):]
    if rises:
        assert "heart rate was 5 bpm lower" in control
        assert "(RMSSD) was about 50% higher (45 against 30 ms)" in control
        assert "(HF) power, the variation at breathing rates, was about twice as high " \
               "(400 against 200 ms²)" in control
    else:
        assert "heart rate was 5 bpm higher" in control
        assert "(RMSSD) was about 33% lower (20 against 30 ms)" in control
        assert "was about 50% lower (100 against 200 ms²)" in control
    # Neither direction is the right one.
    assert "rose for some people and fell for others" in control
    assert "either direction is a common response" in control
    assert judging_words_in(note) == [] and not any(w in note.lower() for w in PRAISE), note
    # No control named: no control comparison.
    _, plain = phase_notes([BASE, NEUTRAL, compassion])
    assert "control" not in plain


def test_a_phase_much_like_its_control_says_so() -> None:
    same = {**NEUTRAL, "label": "compassionate imagery"}
    _, note = phase_notes([BASE, NEUTRAL, same], IMAGERY_PLAN)
    assert ("Against its control phase 'neutral imagery', the heart rhythm in "
            "'compassionate imagery' was much the same.") in note  # fmt: skip
    assert judging_words_in(note) == []


def test_slow_breathing_is_spoken_of_only_when_the_guide_or_the_breathing_was_slow() -> None:
    calm_fast = {"label": "compassionate imagery", "hr_mean_bpm": 66.0, "rmssd_ms": 30.0,
                 "coherence_mean": 2.0, "breathing_rate_bpm": 12.0}  # fmt: skip
    (note,) = phase_notes([BASE, calm_fast], [{"name": "baseline"},
                                              {"name": "compassionate imagery", "pacer": "off"}])
    assert "Slow, even breathing" not in note and "soothing system" not in note
    unclear = {**calm_fast, "breathing_rate_bpm": None, "breathing_reason": UNCLEAR}
    (note,) = phase_notes([BASE, unclear])
    assert "Slow, even breathing" not in note
    # The guide at the resonance rate or at 6/min, or breathing measured at 6.5/min: slow.
    for plan_pacer, br in (("resonance", None), (6.0, None), ("off", 6.5), (None, 7.0)):
        row = {**calm_fast, "breathing_rate_bpm": br}
        (note,) = phase_notes([BASE, row], [{"name": "baseline"},
                                            {"name": "compassionate imagery", "pacer": plan_pacer}])
        assert "Slow, even breathing like this" in note, (plan_pacer, br)
    (note,) = phase_notes([BASE, calm_fast], [{}, {"name": "compassionate imagery", "pacer": 8.0}])
    assert "Slow, even breathing" not in note


def test_breathing_measured_at_the_chest_is_named_so() -> None:
    fast = {"label": "task", "hr_mean_bpm": 70.0, "rmssd_ms": 21.5, "coherence_mean": 0.3,
            "breathing_rate_bpm": 17.0, "breathing_source": "chest"}  # fmt: skip
    (note,) = phase_notes([BASE, fast])
    assert "the breathing measured at the chest was about 17 breaths a minute against 14" in note


def test_a_groups_notes_say_whose_they_are() -> None:
    stress = THREAT_HIGHER[0]
    plain = phase_notes([BASE, stress])
    named = phase_notes([BASE, stress], person="sim2")
    assert named == [f"sim2: {n}" for n in plain]


def test_the_protocol_plan_comes_from_session_json_or_the_shipped_protocol() -> None:
    assert protocol_plan(None) == [] and protocol_plan({"protocol": None}) == []
    meta = {"protocol": {"name": "mine", "phases": [
        {"name": "a", "pacer": "off", "compare_with": None},
        {"name": "b", "pacer": 6.0, "compare_with": "a"}]}}  # fmt: skip
    assert [p["compare_with"] for p in protocol_plan(meta)] == [None, "a"]
    # A session recorded before compare_with was written: the shipped protocol's.
    names = ("baseline", "neutral imagery", "compassionate imagery", "quiet recovery")
    old = {"protocol": {"name": "compassionate-imagery",
                        "phases": [{"name": n, "pacer": "off"} for n in names]}}  # fmt: skip
    assert [p["compare_with"] for p in protocol_plan(old)] == [
        None, None, "neutral imagery", None]


def test_control_notes_are_the_control_sentences_alone() -> None:
    compassion = {"label": "compassionate imagery", "hr_mean_bpm": 67.0, "rmssd_ms": 45.0,
                  "coherence_mean": 0.6, "hf_ms2": 400.0, "breathing_rate_bpm": 12.0}  # fmt: skip
    (note,) = control_notes([BASE, NEUTRAL, compassion], IMAGERY_PLAN)
    assert note.startswith("Against its control phase 'neutral imagery'")
    assert note in phase_notes([BASE, NEUTRAL, compassion], IMAGERY_PLAN)[1]
    assert control_notes([BASE, NEUTRAL, compassion], []) == []
    # A control that is not among the phases (e.g. not recorded yet): no note.
    assert control_notes([BASE, compassion], IMAGERY_PLAN) == []
