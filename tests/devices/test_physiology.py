"""The simulated person against known truth: resonance, states, adherence, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from resonant.devices.physiology import PROFILES, Person, PersonSpec
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.signal.amplitude import hr_amplitude
from resonant.signal.offline import analyze_rr


def _run(spec: PersonSpec, rate_bpm: float | None, seconds: float = 600.0):
    pacer = PacerSchedule(PacerSettings(rate_bpm=rate_bpm)) if rate_bpm else None
    beats = Person(spec, pacer).advance(seconds)
    t = np.array([b.time_s for b in beats])
    rr = np.array([b.rr_ms for b in beats])
    return t, rr


def _amplitude(t: np.ndarray, rr: np.ndarray, rate_bpm: float) -> float:
    """Median per-breath peak-to-trough HR swing over 64-s windows after the first 2 min."""
    ends = np.arange(180.0, t[-1], 16.0)
    return float(np.median([hr_amplitude(t, rr, e, rate_bpm / 60.0) for e in ends]))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_amplitude_peaks_at_the_resonance_rate(seed: int) -> None:
    spec = PersonSpec(resonance_bpm=5.0, state="soothing", adherence=1.0, seed=seed)
    amp = {r: _amplitude(*_run(spec, r), r) for r in (4.0, 5.0, 6.5)}
    assert amp[5.0] > amp[6.5]
    assert amp[5.0] > amp[4.0]


def test_resonance_follows_the_person() -> None:
    """A person resonating at 6.5 swings most at 6.5, not at 5.0."""
    spec = PersonSpec(resonance_bpm=6.5, state="soothing", adherence=1.0, seed=4)
    amp = {r: _amplitude(*_run(spec, r), r) for r in (5.0, 6.5)}
    assert amp[6.5] > amp[5.0]


def test_soothing_exceeds_threat_in_rmssd_and_coherence() -> None:
    results = {}
    for state in ("threat", "soothing"):
        t, rr = _run(PersonSpec(state=state, seed=5, adherence=0.9), 5.5)
        results[state] = analyze_rr(t, rr)
    threat, soothing = results["threat"], results["soothing"]
    assert soothing.time.rmssd_ms > 2 * threat.time.rmssd_ms
    assert soothing.coherence_mean > 2 * threat.coherence_mean
    assert threat.time.hr_mean_bpm > soothing.time.hr_mean_bpm + 10


@pytest.mark.parametrize("state", ["rest", "threat", "soothing"])
def test_states_give_plausible_physiology(state: str) -> None:
    t, rr = _run(PersonSpec(state=state, seed=6), None, 300.0)
    hr = 60000.0 / rr.mean()
    assert abs(hr - PROFILES[state].hr_bpm) < 8
    assert 300 < rr.min() and rr.max() < 2000
    # Beat times and intervals agree (the intervals are the differences of the times).
    np.testing.assert_allclose(np.diff(t) * 1000.0, rr[1:], rtol=0, atol=1e-6)


def test_state_change_is_smooth_over_about_30_s() -> None:
    person = Person(PersonSpec(state="rest", seed=7, drift_bpm=0.0))
    person.advance(120.0)
    person.set_state("threat")
    hr = []
    for k in range(1, 61):
        person.advance(120.0 + k)
        hr.append(person.hr_bpm)
    hr_arr = np.array(hr)
    # Halfway there after ~15 s, all the way after 30 s; no jump along the way.
    mean_before = PROFILES["rest"].hr_bpm
    mean_after = PROFILES["threat"].hr_bpm
    assert np.mean(hr_arr[:3]) < mean_before + 6
    assert np.mean(hr_arr[-20:]) > mean_after - 6
    assert np.max(np.abs(np.diff(hr_arr))) < 6


def test_breathing_follows_the_pacer_with_good_adherence() -> None:
    for adherence, expect_near in ((1.0, True), (0.0, False)):
        t, rr = _run(PersonSpec(adherence=adherence, seed=8), 6.0)
        a = analyze_rr(t, rr)
        assert (abs(a.breathing_rate_bpm - 6.0) <= 0.3) is expect_near, (
            adherence,
            a.breathing_rate_bpm,
        )


def test_adherence_is_the_share_of_time_following() -> None:
    person = Person(PersonSpec(adherence=0.7, seed=9), PacerSchedule())
    following = []
    for k in range(1, 3601):
        person.advance(float(k))
        following.append(person.following)
    share = float(np.mean(following))
    assert 0.55 < share < 0.85


def test_ectopic_beats_are_premature_then_compensated() -> None:
    beats = Person(PersonSpec(ectopic_rate=0.05, seed=10, drift_bpm=0.0)).advance(600.0)
    rr = np.array([b.rr_ms for b in beats])
    flags = np.array([b.ectopic for b in beats])
    n = len(beats)
    assert 2 * 0.05 * n * 0.5 < flags.sum() < 2 * 0.05 * n * 1.6  # two flags per ectopic beat
    k = np.flatnonzero(flags[1:-1] & ~flags[:-2])[0] + 1  # a premature beat
    assert rr[k] < 0.8 * rr[k - 1]
    assert rr[k + 1] > 1.15 * rr[k - 1]
    assert flags[k + 1]


def test_same_seed_same_beats_different_seed_different_beats() -> None:
    a = _run(PersonSpec(seed=11), 6.0, 120.0)[1]
    b = _run(PersonSpec(seed=11), 6.0, 120.0)[1]
    c = _run(PersonSpec(seed=12), 6.0, 120.0)[1]
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)


def test_advancing_in_small_or_large_steps_gives_the_same_beats() -> None:
    pacer = PacerSchedule()
    one = Person(PersonSpec(seed=13), pacer).advance(200.0)
    p = Person(PersonSpec(seed=13), PacerSchedule())
    many = [b for k in range(1, 201) for b in p.advance(float(k))]
    assert [b.rr_ms for b in one] == [b.rr_ms for b in many]


@pytest.mark.parametrize(
    "kwargs", [{"resonance_bpm": 3.9}, {"resonance_bpm": 7.1}, {"state": "calm"},
               {"adherence": 1.2}, {"ectopic_rate": 0.5}],
)  # fmt: skip
def test_bad_specs_are_refused_with_a_sentence(kwargs: dict) -> None:
    with pytest.raises(ValueError, match=r"outside|not one of"):
        PersonSpec(**kwargs)


def test_under_threat_the_remaining_rsa_sits_at_the_fast_breathing_rate() -> None:
    """Issue 16: vagal withdrawal is partial, and what RSA is left lies at 18/min (0.3 Hz),
    above the coherence ratio's 0.04-0.26 Hz peak search, so it counts only against the
    peak; the low-frequency rhythm is smaller than at rest."""
    from resonant.signal.coherence import window_psd

    def band_power(state: str) -> dict[str, float]:
        t, rr = _run(PersonSpec(state=state, seed=2), None, 600.0)
        f, psd = np.mean([window_psd(t, rr, e) for e in np.arange(80.0, t[-1], 16.0)], axis=0)

        def p(lo: float, hi: float) -> float:
            return float(psd[(f >= lo) & (f < hi)].sum())

        return {"breath": p(0.27, 0.33), "below": p(0.20, 0.26), "above": p(0.34, 0.40),
                "lf": p(0.04, 0.15)}  # fmt: skip

    threat, rest = band_power("threat"), band_power("rest")
    assert threat["breath"] > 1.5 * threat["below"] and threat["breath"] > 1.5 * threat["above"]
    assert threat["lf"] < 0.5 * rest["lf"]
