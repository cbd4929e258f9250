"""The comparison notes: direction and size in plain words, never praise for threat."""

from __future__ import annotations

import pytest

from resonant.analysis.compare import phase_notes
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
