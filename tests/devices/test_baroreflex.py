"""The delayed-baroreflex person against known truth: resonance, states, adherence, beats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from resonant.devices.baroreflex import (
    DelayedBaroreflexPerson,
    LoopCalibration,
    calibrate_loop,
    swing_curve,
)
from resonant.devices.people import make_person
from resonant.devices.physiology import PROFILES, Person, PersonSpec
from resonant.devices.simulated import SimulatedStrap
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.signal.amplitude import hr_amplitude


def _spec(**kw: object) -> PersonSpec:
    return PersonSpec(**{"model": "delay", **kw})  # type: ignore[arg-type]


def _beats(spec: PersonSpec, rate_bpm: float | None, seconds: float):
    pacer = PacerSchedule(PacerSettings(rate_bpm=rate_bpm, on_grid=False)) if rate_bpm else None
    beats = DelayedBaroreflexPerson(spec, pacer).advance(seconds)
    t = np.array([b.time_s for b in beats])
    rr = np.array([b.rr_ms for b in beats])
    return t, rr, np.array([b.ectopic for b in beats])


# -- the resonance ----------------------------------------------------------------------------


@pytest.mark.parametrize("resonance", [4.0, 4.7, 5.6, 6.4, 7.0])
@pytest.mark.parametrize("state", ["rest", "threat", "soothing"])
def test_the_calibrated_loop_swings_most_at_the_resonance(resonance: float, state: str) -> None:
    loop = calibrate_loop(resonance, state, 6.5, 2.2)
    rates = np.arange(3.0, 9.0, 0.002)
    peak = rates[int(np.argmax(swing_curve(rates, loop)))]
    assert abs(peak - resonance) < 0.006  # the calibration's tolerance, 0.002, plus the grid's
    # The delay that does it lies in the physiological range of the sympathetic branch.
    assert 1.5 < loop.sympathetic_delay_s < 6.0


def test_a_slower_resonance_needs_a_longer_delay() -> None:
    delays = [calibrate_loop(r, "rest", 6.5, 2.2).sympathetic_delay_s for r in (4.0, 5.5, 7.0)]
    assert delays[0] > delays[1] > delays[2]


@pytest.mark.parametrize("resonance", [4.7, 5.6, 6.4])
def test_the_swing_peaks_at_the_resonance_rate(resonance: float) -> None:
    """Breathing with the guide at 4-7 breaths/min: the largest heart-rate swing is there."""
    rates = np.arange(4.0, 7.001, 0.25)
    seconds = 300.0
    swing = []
    for rate in rates:
        spec = _spec(resonance_bpm=resonance, state="soothing", adherence=1.0, seed=1)
        t, rr, _ = _beats(spec, float(rate), seconds)
        amp = hr_amplitude(t, rr, t[-1], rate / 60.0, window_s=seconds - 60.0)
        assert amp is not None
        swing.append(amp)
    peak = float(rates[int(np.argmax(swing))])
    assert abs(peak - resonance) <= 0.15 + 1e-9, dict(zip(rates.round(2), np.round(swing, 1)))


# -- states, noise, beats -------------------------------------------------------------------


@pytest.mark.parametrize("state", ["rest", "threat", "soothing"])
def test_states_give_their_mean_heart_rate(state: str) -> None:
    t, rr, _ = _beats(_spec(state=state, seed=6), None, 300.0)
    assert abs(60000.0 / rr.mean() - PROFILES[state].hr_bpm) < 5
    assert 300 < rr.min() and rr.max() < 2000
    np.testing.assert_allclose(np.diff(t) * 1000.0, rr[1:], rtol=0, atol=1e-6)


def test_soothing_swings_more_than_threat() -> None:
    out = {}
    for state in ("threat", "soothing"):
        t, rr, _ = _beats(_spec(state=state, seed=5, adherence=1.0), 5.5, 240.0)
        rmssd = float(np.sqrt(np.mean(np.diff(rr) ** 2)))
        out[state] = (rmssd, hr_amplitude(t, rr, t[-1], 5.5 / 60.0, window_s=180.0))
    assert out["soothing"][0] > 1.5 * out["threat"][0]
    assert out["soothing"][1] > 2 * out["threat"][1]


def test_a_change_of_state_is_smooth() -> None:
    person = DelayedBaroreflexPerson(_spec(state="rest", seed=7, drift_bpm=0.0))
    person.advance(120.0)
    person.set_state("threat")
    assert person.state == "threat"
    hr = []
    for k in range(1, 61):
        person.advance(120.0 + k)
        hr.append(person.hr_bpm)
    hr_arr = np.array(hr)
    assert np.mean(hr_arr[:3]) < PROFILES["rest"].hr_bpm + 6
    assert np.mean(hr_arr[-20:]) > PROFILES["threat"].hr_bpm - 6
    assert np.max(np.abs(np.diff(hr_arr))) < 6
    with pytest.raises(ValueError, match="not one of"):
        person.set_state("calm")


def test_ectopic_beats_are_premature_with_a_full_compensatory_pause() -> None:
    t, rr, flags = _beats(_spec(ectopic_rate=0.05, seed=10, drift_bpm=0.0), None, 600.0)
    n = rr.size
    assert 2 * 0.05 * n * 0.6 < flags.sum() < 2 * 0.05 * n * 1.4  # two flags per ectopic beat
    starts = np.flatnonzero(flags[1:-1] & ~flags[:-2]) + 1
    assert starts.size > 10
    for k in starts[:10]:
        assert rr[k] < 0.8 * rr[k - 1]  # premature
        assert flags[k + 1] and rr[k + 1] > 1.15 * rr[k - 1]  # then the pause
        # The sinus rhythm goes on underneath: the pair spans two ordinary cycles.
        assert abs(rr[k] + rr[k + 1] - 2 * rr[k - 1]) < 0.15 * rr[k - 1]
    _, _, none = _beats(_spec(seed=10), None, 300.0)
    assert not none.any()


# -- breathing --------------------------------------------------------------------------------


def _breaths(person: DelayedBaroreflexPerson, seconds: float) -> tuple[int, float]:
    """Breaths taken (upward crossings of half the volume) and the share of time following."""
    vol, following = [], []
    for k in range(1, int(seconds * 10) + 1):
        person.advance(k / 10.0)
        vol.append(person.volume)
        following.append(person.following)
    v = np.array(vol)
    return int(np.sum((v[1:] >= 0.5) & (v[:-1] < 0.5))), float(np.mean(following))


def test_following_the_guide_breathes_at_its_rate_and_slow_breathing_otherwise() -> None:
    guided = DelayedBaroreflexPerson(_spec(adherence=1.0, seed=8), PacerSchedule())
    count, share = _breaths(guided, 300.0)
    assert share == 1.0 and abs(count - 30) <= 1  # 6 breaths/min for 5 minutes
    own = DelayedBaroreflexPerson(_spec(adherence=0.0, seed=8), PacerSchedule())
    count, share = _breaths(own, 300.0)
    assert share == 0.0 and 55 <= count <= 85  # about 14 breaths/min at rest
    alone = DelayedBaroreflexPerson(_spec(adherence=1.0, seed=8))
    assert not alone.following


def test_adherence_is_the_share_of_time_following() -> None:
    shares = []
    for seed in (9, 19):
        person = DelayedBaroreflexPerson(_spec(adherence=0.7, seed=seed), PacerSchedule())
        shares.append(_breaths(person, 3600.0)[1])
    assert 0.6 < float(np.mean(shares)) < 0.8


def test_the_guide_can_change_or_go() -> None:
    pacer = PacerSchedule(PacerSettings(rate_bpm=6.0))
    person = DelayedBaroreflexPerson(_spec(adherence=1.0, seed=12), pacer)
    person.advance(60.0)
    pacer.change(PacerSettings(rate_bpm=4.5), 60.0)
    count, _ = _breaths_from(person, 60.0, 300.0)
    assert abs(count - 4.5 * 3) <= 1.5  # the last three minutes at 4.5 breaths/min
    person.pacer = None
    assert not person.following
    person.advance(400.0)


def _breaths_from(person: DelayedBaroreflexPerson, start_s: float, end_s: float):
    vol = []
    for k in range(int(start_s * 10) + 1, int(end_s * 10) + 1):
        person.advance(k / 10.0)
        if k / 10.0 >= start_s + 60.0:
            vol.append(person.volume)
    v = np.array(vol)
    return int(np.sum((v[1:] >= 0.5) & (v[:-1] < 0.5))), v


# -- determinism and the interface -------------------------------------------------------------


def test_same_seed_same_beats_different_seed_different_beats() -> None:
    a = _beats(_spec(seed=11), 6.0, 120.0)[1]
    b = _beats(_spec(seed=11), 6.0, 120.0)[1]
    c = _beats(_spec(seed=12), 6.0, 120.0)[1]
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)


def test_advancing_in_small_or_large_steps_gives_the_same_beats() -> None:
    one = DelayedBaroreflexPerson(_spec(seed=13, adherence=0.8), PacerSchedule()).advance(200.0)
    p = DelayedBaroreflexPerson(_spec(seed=13, adherence=0.8), PacerSchedule())
    many = [b for k in range(1, 201) for b in p.advance(float(k))]
    assert [b.rr_ms for b in one] == [b.rr_ms for b in many]
    assert all(b.time_s <= 200.0 for b in one)


def test_the_model_is_chosen_by_the_spec() -> None:
    assert isinstance(make_person(PersonSpec()), Person)
    assert isinstance(make_person(_spec()), DelayedBaroreflexPerson)
    with pytest.raises(ValueError, match="not one of"):
        PersonSpec(model="lungs")
    strap = SimulatedStrap(_spec(seed=3))
    assert isinstance(strap.person, DelayedBaroreflexPerson)
    assert strap.info.settings["model"] == "delay"
    assert any(strap.run_until(30.0))


def test_loop_calibration_is_frozen() -> None:
    loop = calibrate_loop(5.5, "rest", 6.5, 2.2)
    assert isinstance(loop, LoopCalibration)
    with pytest.raises(AttributeError):
        loop.sympathetic_delay_s = 1.0  # type: ignore[misc]


# -- end to end ---------------------------------------------------------------------------------


def test_an_assessment_of_the_delay_person_gives_a_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from resonant.cli import main

    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    out = tmp_path / "assessment"
    code = main(["assess", "--simulate", "--sim-model", "delay", "--speed", "100000",
                 "--sim-resonance", "5.5", "--sim-seed", "2", "--out", str(out),
                 "--json"])  # fmt: skip
    assert code == 0
    answer = json.loads(capsys.readouterr().out)
    rates = [v for k, v in _flatten(answer) if k.endswith("_bpm") and isinstance(v, float)]
    assert any(4.0 <= r <= 7.0 for r in rates), answer
    meta = json.loads((out / "session.json").read_text())
    assert meta["simulation"]["model"] == "delay"


def _flatten(obj: object, key: str = ""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _flatten(v, f"{key}.{k}")
    elif isinstance(obj, list):
        for v in obj:
            yield from _flatten(v, key)
    else:
        yield key, obj
