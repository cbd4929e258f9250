"""Adherence to the pacer (hrv-spec §11)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resonant.signal.adherence import ADHERENCE_MIN_RATIO, ADHERENCE_TOLERANCE_BPM, is_adherent


def test_closed_cases() -> None:
    assert is_adherent(6.1, 6.0, 2.0) is True
    assert is_adherent(6.4, 6.0, 2.0) is False  # 0.4 breaths/min off
    assert is_adherent(12.0, 6.0, 2.0) is False  # people often breathe at their own rate
    assert is_adherent(6.0, 6.0, 0.2) is False  # no dominant peak: not following
    assert is_adherent(6.0, None, 2.0) is None  # no pacer
    assert is_adherent(None, 6.0, None) is None  # no spectrum yet


@given(st.floats(2.0, 30.0), st.floats(3.0, 10.0), st.floats(0.0, 20.0))
def test_adherent_only_within_tolerance_and_with_a_dominant_peak(
    b: float, p: float, cr: float
) -> None:
    result = is_adherent(b, p, cr)
    if result:
        assert abs(b - p) <= ADHERENCE_TOLERANCE_BPM and cr >= ADHERENCE_MIN_RATIO
    else:
        assert abs(b - p) > ADHERENCE_TOLERANCE_BPM or cr < ADHERENCE_MIN_RATIO
