"""The resonance arithmetic: amplitudes, locking, choosing a rate (closed forms, properties)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from resonant.model.plans import SlidingProtocol
from resonant.signal.resonance import (
    CRITERIA,
    StepScore,
    analyze_sliding,
    breath_amplitudes,
    breath_locking,
    breath_swings,
    breaths_followed_at_chest,
    chest_breath,
    choose_stepped,
    fit_resonance,
    nn_series,
    score_step,
    step_breathing_from_heart,
)
from resonant.signal.rsa_breathing import UNCLEAR


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


def test_swing_of_a_sine_is_its_peak_to_trough_however_many_beats_sample_it() -> None:
    # A fast breath has few beats per wave and a slow one many: max - min is shrunk by
    # coarse sampling, the fitted wave is not (closed form: the sine's own swing).
    for rate in (4.5, 7.0):
        t, hr = _beats(rate, 12.0)
        period = 60.0 / rate
        onsets = np.arange(0.0, 120.0 - period, period)
        swings = breath_swings(t, hr, onsets, lag_s=0.0)
        assert np.nanmedian(swings) == pytest.approx(12.0, rel=0.02)


def _curve(rates, f0: float, q: float = 4.0, a: float = 300.0, c: float = 25.0):
    """Swings on the model's own resonance curve: sqrt(a |H|^2 + c)."""
    r = np.asarray(rates, dtype=float)
    return np.sqrt(a / (1.0 + q**2 * (r / f0 - f0 / r) ** 2) + c)


RATES = [7.0, 6.5, 6.0, 5.5, 5.0, 4.5]


@pytest.mark.parametrize("f0", [4.62, 5.37, 5.5, 6.11, 6.93])
def test_the_fitted_curve_peaks_at_the_resonance_between_the_steps(f0: float) -> None:
    # Closed form: swings exactly on a resonance curve give back its peak (to the grid).
    assert float(fit_resonance(np.array(RATES), _curve(RATES, f0))) == pytest.approx(f0, abs=0.011)


def test_the_fit_does_not_depend_on_the_swings_scale_or_the_order_of_the_steps() -> None:
    y = _curve(RATES, 5.8, q=3.0)
    one = float(fit_resonance(np.array(RATES), y))
    assert float(fit_resonance(np.array(RATES), 2.5 * y)) == pytest.approx(one, abs=1e-9)
    assert float(fit_resonance(np.array(RATES[::-1]), y[::-1])) == pytest.approx(one, abs=1e-9)


def _step(rate: float, swing: float, followed: bool = True, spread: float = 0.03, **kw) -> StepScore:
    """A scored step whose 8 breaths swing about ``swing`` (relative spread ``spread``)."""
    breaths = tuple(swing * (1.0 + spread * x) for x in (-1.5, -1, -0.5, 0, 0, 0.5, 1, 1.5))
    base = dict(
        rate_bpm=rate, start_s=0.0, end_s=90.0, breaths=8, amplitude_bpm=swing,
        lf_ms2=swing * 100, lf_peak_ms2_hz=swing * 5000, phase_deg=-10.0, phase_abs_deg=10.0,
        smoothness=0.8, lf_peaks=1, breathing_rate_bpm=rate, followed=followed,
        corrected_pct=0.0, swing_bpm=swing, breath_swings_bpm=breaths,
    )  # fmt: skip
    base.update(kw)
    return StepScore(**base)


def test_every_step_counts_and_a_clear_answer_is_confident() -> None:
    steps = [_step(r, y) for r, y in zip(RATES, _curve(RATES, 5.37), strict=True)]
    result = choose_stepped(steps, RATES)
    assert result.resonance_bpm == pytest.approx(5.37, abs=0.02)
    assert result.chosen_step_bpm == 5.5 and result.extend_bpm is None
    assert result.confidence >= 0.95 and result.reliable
    assert set(result.wins) == set(CRITERIA)
    j = result.to_json()
    assert "breath_swings_bpm" not in j["table"][0] and j["extend_bpm"] is None


def test_confidence_falls_as_the_breaths_disagree() -> None:
    ys = _curve(RATES, 5.6, q=2.0)
    tight = choose_stepped([_step(r, y, spread=0.02) for r, y in zip(RATES, ys, strict=True)], RATES)
    loose = choose_stepped([_step(r, y, spread=0.6) for r, y in zip(RATES, ys, strict=True)], RATES)
    assert loose.confidence < tight.confidence
    assert not loose.reliable and any("uncertain" in w for w in loose.warnings)


def test_a_peak_at_the_fastest_rate_asks_for_one_more_step() -> None:
    steps = [_step(r, y) for r, y in zip(RATES, _curve(RATES, 7.4), strict=True)]
    result = choose_stepped(steps, RATES)
    assert result.extend_bpm == 7.5
    assert result.resonance_bpm is not None and result.resonance_bpm > 7.0
    assert not result.reliable  # beyond the rates tried: the curve's shape alone
    assert any("one more step at 7.5" in w for w in result.warnings)
    slow = choose_stepped([_step(r, y) for r, y in zip(RATES, _curve(RATES, 4.55), strict=True)],
                          RATES)  # fmt: skip
    assert slow.extend_bpm == 4.0


def test_steps_not_followed_are_left_out_and_too_many_give_no_answer() -> None:
    ys = _curve(RATES, 5.5)
    steps = [_step(r, y, followed=i > 3, breathing_rate_bpm=12.0 if i <= 3 else r)
             for i, (r, y) in enumerate(zip(RATES, ys, strict=True))]  # fmt: skip
    result = choose_stepped(steps, RATES)
    assert result.resonance_bpm is None and not result.reliable
    assert sum("left out" in w for w in result.warnings) == 4
    assert any("rather than a guess" in w for w in result.warnings)
    j = result.to_json()
    assert j["resonance_bpm"] is None and j["reliable"] is False and len(j["table"]) == 6


def _sweep(f0: float, lag_s: float, both_ways: bool = True):
    """Beats of a sweep whose swing follows the resonance curve at the rate ``lag_s`` ago."""
    proto = SlidingProtocol()
    periods = np.array(proto.periods_s() if both_ways else proto.periods_s()[: proto.breaths])
    onsets = np.concatenate([[0.0], np.cumsum(periods)])
    rates = 60.0 / periods
    t_list, hr_list = [], []
    for k in range(periods.size):
        for j in range(14):
            tj = onsets[k] + (j + 0.5) * periods[k] / 14
            kk = max(0, int(np.searchsorted(onsets, tj - lag_s, side="right")) - 1)
            swing = float(_curve([rates[min(kk, rates.size - 1)]], f0)[0])
            t_list.append(tj)
            hr_list.append(65 + 0.5 * swing * math.sin(2 * math.pi * (tj - onsets[k]) / periods[k]))
    return np.array(t_list), 60000.0 / np.array(hr_list), onsets, rates


def test_the_two_way_sweep_cancels_the_lag_of_the_response() -> None:
    t, nn, onsets, rates = _sweep(5.6, lag_s=20.0)
    result = analyze_sliding(t, nn, onsets, rates, np.ones(rates.size, dtype=bool))
    assert result.resonance_bpm == pytest.approx(5.6, abs=0.05) and result.reliable
    # One way only: the late response puts the peak at a slower rate (the bias removed).
    t1, nn1, on1, r1 = _sweep(5.6, lag_s=20.0, both_ways=False)
    one = analyze_sliding(t1, nn1, on1, r1, np.ones(r1.size, dtype=bool))
    assert one.resonance_bpm is not None and one.resonance_bpm < 5.6 - 0.1
    assert not one.reliable and any("one direction" in w for w in one.warnings)


def test_a_sweep_not_followed_is_not_answered_confidently() -> None:
    t, nn, onsets, rates = _sweep(5.6, lag_s=0.0)
    poor = analyze_sliding(t, nn, onsets, rates, np.arange(rates.size) % 2 == 0)
    assert not poor.reliable and poor.warnings


# -- The breathing a step is judged against: the chest where it exists -------------------


def _volume(t, rate_bpm: float = 6.0):
    """A guide's lung volume (0-1): raised-cosine inhale over 40 % of the breath, exhale 60 %."""
    period = 60.0 / rate_bpm
    p = np.mod(np.asarray(t, dtype=float), period) / period
    inhale = 0.5 - 0.5 * np.cos(np.pi * p / 0.4)
    exhale = 0.5 + 0.5 * np.cos(np.pi * (p - 0.4) / 0.6)
    return np.where(p < 0.4, inhale, exhale)


def _person_late(late_s: float, seconds: float = 150.0, rate_bpm: float = 6.0):
    """A person who breathes with a 6/min guide ``late_s`` late; heart rate follows their breath.

    Returns the beats (times, RR), the chest accelerometer (times, xyz) and the guide's
    volume function. Heart rate rises with the person's own lung volume, in phase.
    """
    rng = np.random.default_rng(3)

    def breath(x):
        return _volume(np.asarray(x) - late_s, rate_bpm)

    def hr_at(x):
        return 62.0 + 10.0 * (float(breath(x)) - 0.5)

    t, times, rr = 0.0, [], []
    while t < seconds:
        end = t + 60.0 / hr_at(t)
        for _ in range(3):  # each interval carries the heart rate at its end (its beat's time)
            end = t + 60.0 / hr_at(end)
        t = end
        times.append(t)
        rr.append(60000.0 / hr_at(t))
    acc_t = np.arange(0.0, seconds, 1.0 / 25.0)
    v = breath(acc_t)
    xyz = np.column_stack([
        250.0 + 30.0 * v, -40.0 + 10.0 * v, 965.0 - 8.0 * v,
    ]) + rng.normal(0.0, 0.5, (acc_t.size, 3))  # fmt: skip
    return np.array(times), np.array(rr), acc_t, xyz, lambda x: _volume(x, rate_bpm)


def _score(times, rr, guide, rate_bpm=6.0, chest=None, start=30.0, end=140.0):
    t, nn, corrected = nn_series(times, rr, np.array([0], dtype=np.intp))
    period = 60.0 / rate_bpm
    onsets = np.arange(start, end + 1e-9, period)
    vt = np.arange(onsets[0], onsets[-1], 0.25)
    return score_step(t, nn, corrected, onsets, guide(vt), vt, rate_bpm, chest)


def test_with_the_chest_the_phase_is_against_the_real_breath_not_the_guide() -> None:
    times, rr, acc_t, xyz, guide = _person_late(1.0)
    chest = chest_breath(acc_t, xyz, 30.0, 140.0)
    assert chest is not None and abs(chest.rate_bpm - 6.0) < 0.1
    against_chest = _score(times, rr, guide, chest=chest)
    against_guide = _score(times, rr, guide)
    assert against_chest is not None and against_guide is not None
    # Heart rate in phase with the person's own breath; 1 s late at 0.1 Hz is 36 degrees.
    assert abs(against_chest.phase_deg) < 10.0
    assert abs(against_guide.phase_deg + 36.0) < 10.0
    assert (against_chest.phase_reference, against_chest.breathing_source) == ("chest", "chest")
    assert (against_guide.phase_reference, against_guide.breathing_source) == ("guide", "heart")
    assert against_chest.breathing_rate_bpm == pytest.approx(chest.rate_bpm)
    assert against_chest.followed and against_guide.followed


def test_the_chest_rate_decides_whether_the_step_was_followed() -> None:
    times, rr, acc_t, xyz, _ = _person_late(0.5, rate_bpm=6.0)
    chest = chest_breath(acc_t, xyz, 30.0, 140.0)
    assert chest is not None
    # Scored as if the guide had paced 5/min: the chest says the person breathed at 6.
    s = _score(times, rr, lambda x: _volume(x, 5.0), rate_bpm=5.0, chest=chest)
    assert s is not None and not s.followed and abs(s.breathing_rate_bpm - 6.0) < 0.1
    result = choose_stepped([s], [5.0])
    assert any("measured at the chest was 6.0/min" in w for w in result.warnings)


def test_no_chest_breaths_give_no_chest_reference() -> None:
    t = np.arange(0.0, 150.0, 0.04)
    still = np.tile([250.0, -40.0, 965.0], (t.size, 1))
    assert chest_breath(t, still, 30.0, 140.0) is None
    assert chest_breath(t[:100], still[:100], 30.0, 140.0) is None  # does not cover the step


def test_a_clear_breathing_rhythm_in_the_heart_is_read() -> None:
    times, rr, _, _, guide = _person_late(0.0)
    t, nn, _ = nn_series(times, rr, np.array([0], dtype=np.intp))
    read = step_breathing_from_heart(t, nn, 30.0, 140.0, 6.0)
    assert read.reason is None and read.rate_bpm is not None and abs(read.rate_bpm - 6.0) < 0.3
    s = _score(times, rr, guide)
    assert s is not None and s.breathing_rate_bpm == pytest.approx(read.rate_bpm)


def test_breathing_unclear_from_the_heart_rhythm_is_empty_not_a_number() -> None:
    # Heart rate with no breathing rhythm in it: noise, a little of everything.
    rng = np.random.default_rng(7)
    hr = 65.0 + np.convolve(rng.normal(0.0, 3.0, 400), np.ones(3) / 3, mode="same")
    times = np.cumsum(60.0 / hr)
    rr = 60000.0 / hr
    t, nn, _ = nn_series(times, rr, np.array([0], dtype=np.intp))
    read = step_breathing_from_heart(t, nn, 30.0, 140.0, 6.0)
    assert read.rate_bpm is None and read.reason == UNCLEAR
    s = _score(times, rr, _volume)
    assert s is not None
    assert s.breathing_rate_bpm is None and s.breathing_reason == UNCLEAR
    assert s.breathing_source == "heart"
    # Followed falls back on the heart rhythm's locking to the guide, which noise lacks.
    assert s.followed == (s.locked_share >= 0.5) and not s.followed
    result = choose_stepped([s], [6.0])
    assert result.to_json()["table"][0]["breathing_rate_bpm"] is None
    assert result.to_json()["table"][0]["breathing_reason"] == UNCLEAR


def test_a_step_too_short_for_one_window_is_unclear() -> None:
    times, rr, _, _, _ = _person_late(0.0)
    t, nn, _ = nn_series(times, rr, np.array([0], dtype=np.intp))
    read = step_breathing_from_heart(t, nn, 30.0, 80.0, 6.0)
    assert (read.rate_bpm, read.reason) == (None, UNCLEAR)


def test_a_guided_breath_is_followed_when_the_chest_breath_under_it_has_its_length() -> None:
    guide = np.arange(0.0, 100.0 + 1e-9, 10.0)  # ten breaths at 6/min
    late = guide + 1.0  # the same breaths, 1 s late: followed
    assert breaths_followed_at_chest(guide, np.full(10, 6.0), late).tolist()[:-1] == [True] * 9
    # A spell at one's own rate (5-s breaths) from 41 s to 71 s: those breaths are not.
    own = np.concatenate([np.arange(1.0, 41.0, 10.0), np.arange(41.0, 71.0, 5.0),
                          np.arange(71.0, 112.0, 10.0)])  # fmt: skip
    got = breaths_followed_at_chest(guide, np.full(10, 6.0), own)
    assert got.tolist() == [True, True, True, True, False, False, False, True, True, True]
    assert not breaths_followed_at_chest(guide, np.full(10, 6.0), [1.0]).any()
