"""The simulated chest: an H10's accelerometer on a breathing simulated person."""

from __future__ import annotations

import numpy as np
import pytest

from resonant.devices.chest import Chest, ChestSpec
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap
from resonant.model.beats import AccSamples
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.signal.breathing import breathing_from_acc


def _acc(items: list) -> tuple[np.ndarray, np.ndarray]:
    acc = [i for i in items if isinstance(i, AccSamples)]
    t = np.concatenate([a.times_s for a in acc])
    return t, np.concatenate([np.asarray(a.xyz_mg) for a in acc])


def _compare(strap: SimulatedStrap, until_s: float, lo: float, hi: float):
    t, xyz = _acc(strap.run_until(until_s))
    got = breathing_from_acc(t, xyz, lo, hi)
    true = np.array([o for o in strap.breath_onsets if lo + 1 <= o <= hi - 1])
    est = np.array(got.onsets_s)
    err = np.array([np.min(np.abs(est - o)) for o in true])
    inside = np.array([o for o in strap.breath_onsets if lo <= o <= hi])
    true_rate = 60 * (inside.size - 1) / (inside[-1] - inside[0])
    return got, err, true_rate


def test_samples_are_whole_mg_evenly_spaced_and_mostly_gravity() -> None:
    strap = SimulatedStrap(PersonSpec(seed=4), chest=ChestSpec(rate_hz=50))
    t, xyz = _acc(strap.run_until(30))
    assert xyz.dtype.kind == "i" and xyz.shape[1] == 3
    assert np.allclose(np.diff(t), 0.02, atol=1e-6)
    assert np.linalg.norm(xyz.mean(axis=0)) == pytest.approx(1000, abs=15)
    assert strap.info.settings["acc_hz"] == 50


@pytest.mark.parametrize("model", ["resonator", "delay"])
@pytest.mark.parametrize("state", ["rest", "threat"])
def test_breaths_from_the_accelerometer_match_the_true_ones(model: str, state: str) -> None:
    strap = SimulatedStrap(
        PersonSpec(model=model, state=state, seed=7), chest=ChestSpec(), keep_breaths=True
    )
    got, err, true_rate = _compare(strap, 240, 60, 220)
    assert got.problem is None
    assert err.max() < 0.5
    assert got.rate_bpm == pytest.approx(true_rate, abs=0.3)


@pytest.mark.parametrize("model", ["resonator", "delay"])
def test_slow_paced_breathing_is_followed(model: str) -> None:
    pacer = PacerSchedule(PacerSettings(rate_bpm=6.0))
    strap = SimulatedStrap(
        PersonSpec(model=model, seed=5, adherence=1.0),
        chest=ChestSpec(),
        pacer=pacer,
        keep_breaths=True,
    )
    got, err, true_rate = _compare(strap, 260, 60, 240)
    # Slow breaths have broad, flat bottoms: single onsets wander more than fast ones.
    assert np.median(err) < 0.5 and err.max() < 1.2
    assert got.rate_bpm == pytest.approx(true_rate, abs=0.3)


def test_shallow_threat_breathing_moves_the_chest_less_than_soothing() -> None:
    depth = {}
    for state in ("threat", "soothing"):
        strap = SimulatedStrap(PersonSpec(state=state, seed=2), chest=ChestSpec())
        t, xyz = _acc(strap.run_until(150))
        depth[state] = breathing_from_acc(t, xyz, 40, 150).depth_mg
    assert depth["threat"] < 0.8 * depth["soothing"]


def test_a_dropped_link_loses_the_samples_and_timing_starts_anew() -> None:
    from resonant.devices.simulated import StrapSpec

    strap = SimulatedStrap(
        PersonSpec(seed=1), StrapSpec(disconnects_per_h=120, seed=3), chest=ChestSpec()
    )
    items = strap.run_until(600)
    assert strap.injected["disconnected"] > 0
    t, _ = _acc(items)
    assert np.all(np.diff(t) > 0)
    assert np.diff(t).max() > 4.0  # the samples of a break are gone


def test_without_a_chest_nothing_changes() -> None:
    a = SimulatedStrap(PersonSpec(seed=9)).run_until(60)
    b = SimulatedStrap(PersonSpec(seed=9), chest=ChestSpec()).run_until(60)
    assert not any(isinstance(i, AccSamples) for i in a)
    assert [i for i in b if not isinstance(i, AccSamples)] == a


def test_chest_spec_refuses_what_an_h10_cannot_do() -> None:
    with pytest.raises(ValueError, match="25, 50"):
        ChestSpec(rate_hz=30)
    with pytest.raises(ValueError):
        ChestSpec(noise_mg=-1)
    assert Chest(seed=1).period_s == pytest.approx(0.04)
