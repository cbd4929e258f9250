"""The resonance arithmetic: amplitudes, locking, choosing a rate (closed forms, properties)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resonant.signal.resonance import (
    CRITERIA,
    StepScore,
    analyze_sliding,
    breath_amplitudes,
    breath_locking,
    choose_stepped,
)


def _beats(rate_bpm: float, swing_bpm: float, seconds: float = 120.0, hr0: float = 65.0):
    """Beats whose heart rate is a sine at the breathing rate (peak-to-trough ``swing``)."""
    t, times, hrs = 0.0, [], []
    while t < seconds:
        hr = hr0 + 0.5 * swing_bpm * math.sin(2 * math.pi * rate_bpm / 60.0 * t)
        t += 60.0 / hr
        times.append(t)
        hrs.append(hr)
    return np.array(times), np.array(hrs)


def test_amplitude_of_a_sine_is_its_peak_to_trough() -> None:
    t, hr = _beats(5.0, 12.0)
    onsets = np.arange(0.0, 120.0, 12.0)
    amps = breath_amplitudes(t, hr, onsets, lag_s=0.0, detrend=False, smooth_beats=1)
    assert np.nanmedian(amps) == pytest.approx(12.0, rel=0.05)
    # The 3-beat running mean used by default loses a little of a slow wave, never gains.
    smoothed = breath_amplitudes(t, hr, onsets, lag_s=0.0, detrend=False)
    assert 0.9 * 12.0 < np.nanmedian(smoothed) <= np.nanmedian(amps) + 1e-9


def test_detrending_removes_drift_but_keeps_the_swing() -> None:
    t, hr = _beats(5.0, 10.0)
    drifting = hr + 0.1 * t  # +6 bpm per minute of drift
    onsets = np.arange(0.0, 120.0, 12.0)
    plain = breath_amplitudes(t, drifting, onsets, detrend=False, smooth_beats=1)
    fixed = breath_amplitudes(t, drifting, onsets, smooth_beats=1)
    assert abs(np.nanmedian(fixed) - 10.0) < abs(np.nanmedian(plain) - 10.0)
    assert np.nanmedian(fixed) == pytest.approx(10.0, rel=0.05)


def test_a_gap_gives_nan_not_a_bridged_amplitude() -> None:
    t, hr = _beats(6.0, 8.0)
    hr[30] = np.nan
    amps = breath_amplitudes(t, hr, np.arange(0.0, 120.0, 10.0))
    assert np.isnan(amps).sum() >= 1 and np.isfinite(amps).sum() >= 9


def test_locking_tells_following_from_own_breathing() -> None:
    t, hr = _beats(5.0, 10.0)
    onsets = np.arange(0.0, 120.0, 12.0)  # the guide at 5/min
    assert np.nanmin(breath_locking(t, hr, onsets, lag_s=0.0)) > 0.9
    t2, hr2 = _beats(14.0, 6.0)  # the person breathing at 14/min instead
    assert np.nanmedian(breath_locking(t2, hr2, onsets, lag_s=0.0)) < 0.5


def _step(rate: float, amp: float, followed: bool = True, **kw) -> StepScore:
    base = dict(
        rate_bpm=rate, start_s=0.0, end_s=90.0, breaths=8, amplitude_bpm=amp, lf_ms2=amp * 100,
        lf_peak_ms2_hz=amp * 5000, phase_deg=-10.0, phase_abs_deg=10.0, smoothness=0.8,
        lf_peaks=1, breathing_rate_bpm=rate, followed=followed, corrected_pct=0.0,
    )  # fmt: skip
    base.update(kw)
    return StepScore(**base)


RATES = [6.5, 6.0, 5.5, 5.0, 4.5]


def test_the_rate_that_wins_most_criteria_is_chosen_and_refined_between_steps() -> None:
    amps = {6.5: 6.0, 6.0: 9.0, 5.5: 12.0, 5.0: 11.0, 4.5: 7.0}
    steps = [_step(r, a, phase_deg=-5 * i, phase_abs_deg=5 * i, smoothness=0.5 + a / 30)
             for i, (r, a) in enumerate(amps.items())]  # fmt: skip
    result = choose_stepped(steps, RATES)
    assert result.reliable and result.chosen_step_bpm == 5.5
    # Parabola through (5.0, 11), (5.5, 12), (6.0, 9): maximum at 5.375.
    assert result.resonance_bpm == pytest.approx(5.375, abs=1e-6)
    assert set(result.wins) == set(CRITERIA) and 5.5 in result.wins["amplitude_bpm"]
    assert 0.0 < result.confidence <= 1.0


def test_an_edge_answer_is_flagged_and_capped() -> None:
    steps = [_step(r, a) for r, a in zip(RATES, [5, 6, 7, 8, 9], strict=True)]
    result = choose_stepped(steps, RATES)
    assert result.chosen_step_bpm == 4.5 and result.confidence <= 0.5
    assert any("beyond the range" in w for w in result.warnings)


def test_steps_not_followed_are_left_out_and_too_many_give_no_answer() -> None:
    steps = [_step(r, 8.0 + i, followed=i > 1, breathing_rate_bpm=12.0 if i <= 1 else r)
             for i, r in enumerate(RATES)]  # fmt: skip
    result = choose_stepped(steps, RATES)
    assert result.resonance_bpm is None and not result.reliable
    assert sum("left out" in w for w in result.warnings) == 2
    assert any("rather than a guess" in w for w in result.warnings)
    j = result.to_json()
    assert j["resonance_bpm"] is None and j["reliable"] is False and len(j["table"]) == 5


def test_sliding_finds_the_rate_at_the_largest_smoothed_swing() -> None:
    # Breaths lengthening from 8.9 s; a swing that peaks at the breath whose rate is 5.2/min.
    durations = 60 / 6.75 + 0.0676 * np.arange(78)
    onsets = np.concatenate([[0.0], np.cumsum(durations)])
    rates = 60.0 / durations
    t_list, hr_list = [], []
    for k in range(78):
        swing = 6.0 + 8.0 * math.exp(-((rates[k] - 5.2) ** 2) / 0.3)
        for j in range(14):
            tj = onsets[k] + (j + 0.5) * durations[k] / 14
            t_list.append(tj)
            hr_list.append(
                65 + 0.5 * swing * math.sin(2 * math.pi * (tj - onsets[k]) / durations[k])
            )
    t, hr = np.array(t_list), np.array(hr_list)
    result = analyze_sliding(t, 60000.0 / hr, onsets, rates, np.ones(78, dtype=bool))
    assert result.reliable and abs(result.resonance_bpm - 5.2) < 0.15
    poor = analyze_sliding(t, 60000.0 / hr, onsets, rates, np.arange(78) % 2 == 0)
    assert not poor.reliable and poor.resonance_bpm is None and poor.warnings
