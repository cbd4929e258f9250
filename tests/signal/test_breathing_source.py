"""Which breathing rate is shown: the chest's first, else the heart rhythm's when clear."""

from __future__ import annotations

import numpy as np
import pytest

from resonant.signal.breathing_source import (
    CHEST,
    HEART,
    MIN_COVER,
    chest_rate,
    choose_breathing,
)
from resonant.signal.rsa_breathing import UNCLEAR

FS = 25.0


def _chest(t: np.ndarray, rate_bpm: float) -> np.ndarray:
    wave = 15.0 * np.sin(2 * np.pi * rate_bpm / 60.0 * t)
    return np.stack([950.0 + wave, 100.0 + 0.3 * wave, 300.0 - 0.5 * wave], axis=1)


def test_a_covered_part_gives_the_chest_rate() -> None:
    t = np.arange(0.0, 200.0, 1 / FS)
    xyz = _chest(t, 16.0)
    assert chest_rate(t, xyz, 100.0, 160.0) == pytest.approx(16.0, abs=0.1)
    # A part at the very start has no settling data before it, and still counts.
    assert chest_rate(t, xyz, 0.0, 60.0) == pytest.approx(16.0, abs=0.2)


def test_a_part_the_samples_do_not_cover_gives_none() -> None:
    t = np.arange(0.0, 200.0, 1 / FS)
    xyz = _chest(t, 16.0)
    assert chest_rate(t, xyz, 170.0, 230.0) is None  # the samples end at 200 s
    hole = (t < 110.0) | (t > 110.0 + 60.0 * (1 - MIN_COVER) + 1.0)  # a hole of 7 s
    assert chest_rate(t[hole], xyz[hole], 100.0, 160.0) is None
    assert chest_rate(t, xyz, 100.0, 105.0) is None  # too short to hold a breath
    assert chest_rate(t[:1], xyz[:1], 0.0, 60.0) is None


def test_a_still_chest_gives_none() -> None:
    t = np.arange(0.0, 120.0, 1 / FS)
    xyz = np.tile([950.0, 100.0, 300.0], (t.size, 1))
    assert chest_rate(t, xyz, 30.0, 90.0) is None


def test_the_chest_comes_first_then_a_clear_heart_rhythm() -> None:
    assert choose_breathing(16.0, 5.6, None).source == CHEST
    assert choose_breathing(16.0, None, UNCLEAR).rate_bpm == 16.0
    heart = choose_breathing(None, 14.0, None)
    assert (heart.rate_bpm, heart.reason, heart.source) == (14.0, None, HEART)
    empty = choose_breathing(None, None, UNCLEAR)
    assert (empty.rate_bpm, empty.reason, empty.source) == (None, UNCLEAR, None)


@pytest.mark.parametrize("seed", [2, 3, 5])
def test_a_guided_person_who_sometimes_breathes_their_own_way_is_counted_truly(seed: int) -> None:
    """The chest counts the breaths the person took, guided or not (issue 16).

    A simulated person following a 5.5/min guide with adherence 0.9 spends stretches at
    their own rate (seeds 2, 3, 5: 6.3-7.3 breaths/min over 5 minutes). The chest's
    rate over the part equals the rate of the person's own breaths (their lung volume
    rising through 20 %) within 0.25, where the heart rhythm's peak would say 5.5.
    """
    import asyncio

    from resonant.devices.chest import ChestSpec
    from resonant.devices.physiology import PersonSpec
    from resonant.devices.simulated import SimulatedStrap, StrapSpec
    from resonant.model.clock import MonotonicClock
    from resonant.model.pacer import PacerSchedule, PacerSettings
    from resonant.session.core import Session
    from resonant.signal.breathing import breathing_from_acc

    pacer = PacerSchedule(PacerSettings(rate_bpm=5.5))
    src = SimulatedStrap(PersonSpec(seed=seed, state="soothing", resonance_bpm=5.5),
                         StrapSpec(seed=seed), pacer, chest=ChestSpec())  # fmt: skip
    acc_t: list[float] = []
    acc_xyz: list[tuple[float, float, float]] = []
    volume: list[tuple[float, float]] = []

    class Collect:
        def on_acc(self, samples) -> None:
            acc_t.extend(samples.times_s)
            acc_xyz.extend(samples.xyz_mg)

        def on_beat(self, beat, _metrics) -> None:
            volume.append((beat.time_s, src.person.volume))

    asyncio.run(Session([src], MonotonicClock(100000.0), pacer, [Collect()], duration_s=330.0).run())
    chest = breathing_from_acc(np.array(acc_t), np.array(acc_xyz, dtype=float), 30.0, 330.0)
    tv = np.array([v for v in volume if v[0] >= 30.0])
    rising = np.flatnonzero((tv[:-1, 1] < 0.2) & (tv[1:, 1] >= 0.2))
    truth = 60.0 * (rising.size - 1) / (tv[rising[-1], 0] - tv[rising[0], 0])
    assert chest.rate_bpm is not None and truth > 6.0
    assert abs(chest.rate_bpm - truth) < 0.25
