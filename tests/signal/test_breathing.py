"""Breathing from a chest accelerometer (resonant.signal.breathing)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.signal.breathing import (
    breath_extrema,
    breathing_from_acc,
    breathing_signal,
)

FS = 25.0
AXIS = np.array([0.3, -0.2, 0.93]) / np.linalg.norm([0.3, -0.2, 0.93])
GRAVITY = np.array([-900.0, -60.0, 420.0])


def _chest(wave: np.ndarray) -> np.ndarray:
    return GRAVITY + wave[:, None] * AXIS[None, :]


def test_a_sinusoid_gives_its_troughs_rate_and_depth_in_closed_form() -> None:
    f, amp = 0.2, 10.0  # 12 breaths/min, 20 mG from trough to peak
    t = np.arange(0, 120, 1 / FS)
    got = breathing_from_acc(t, _chest(amp * np.sin(2 * np.pi * f * t)), 20, 100, sign=1)
    expected = (np.arange(0, 30) + 0.75) / f
    expected = expected[(expected >= 20) & (expected <= 100)]
    assert got.problem is None
    assert np.allclose(got.onsets_s, expected, atol=0.02)
    assert got.rate_bpm == pytest.approx(12.0, abs=0.01)
    assert got.depth_mg == pytest.approx(2 * amp, rel=0.03)


def _half_cosine_breaths(t: np.ndarray, period_s: float, inhale_share: float) -> np.ndarray:
    ph = (t / period_s) % 1.0
    return np.where(
        ph < inhale_share,
        0.5 - 0.5 * np.cos(np.pi * ph / inhale_share),
        0.5 + 0.5 * np.cos(np.pi * (ph - inhale_share) / (1 - inhale_share)),
    )


@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_inhalation_is_found_the_right_way_up_from_the_shorter_rise(flip: float) -> None:
    t = np.arange(0, 120, 1 / FS)
    wave = flip * 20.0 * _half_cosine_breaths(t, 6.0, 0.4)
    got = breathing_from_acc(t, _chest(wave), 20, 100)
    true = np.arange(0, 20) * 6.0
    true = true[(true >= 20) & (true <= 100)]
    assert got.sign == (1 if flip > 0 else -1)
    assert len(got.onsets_s) == len(true)
    assert np.max(np.abs(np.array(got.onsets_s) - true)) < 0.25
    assert got.rate_bpm == pytest.approx(10.0, abs=0.05)


def _rotation(a: float, b: float, c: float) -> np.ndarray:
    def r(axis: int, ang: float) -> np.ndarray:
        m = np.eye(3)
        i, j = [k for k in range(3) if k != axis]
        m[i, i] = m[j, j] = np.cos(ang)
        m[i, j], m[j, i] = -np.sin(ang), np.sin(ang)
        return m

    return r(0, a) @ r(1, b) @ r(2, c)


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.1, 0.5),  # breathing frequency, Hz (6-30 breaths/min)
    st.floats(-3.0, 3.0),
    st.floats(-3.0, 3.0),
    st.floats(-3.0, 3.0),
    st.floats(3.0, 60.0),  # depth, mG
)
def test_rate_and_depth_do_not_depend_on_how_the_strap_sits(
    f: float, a: float, b: float, c: float, depth: float
) -> None:
    t = np.arange(0, 90, 1 / FS)
    wave = depth * _half_cosine_breaths(t, 1 / f, 0.4)
    xyz = _chest(wave) @ _rotation(a, b, c).T
    got = breathing_from_acc(t, xyz, 20, 80)
    assert got.rate_bpm == pytest.approx(60 * f, abs=0.1)
    assert got.depth_mg == pytest.approx(depth, rel=0.15)
    assert got.sign in (1, -1)


def test_the_breathing_axis_is_the_one_that_moves() -> None:
    t = np.arange(0, 60, 1 / FS)
    rng = np.random.default_rng(1)
    xyz = _chest(15 * np.sin(2 * np.pi * 0.25 * t)) + rng.normal(0, 2, (t.size, 3))
    sig = breathing_signal(t, xyz)
    assert abs(float(sig.axis @ AXIS)) > 0.98
    troughs, peaks = breath_extrema(sig.signal_mg)
    assert abs(len(troughs) - 15) <= 1 and abs(len(peaks) - 15) <= 1


def test_noise_and_heartbeat_bumps_do_not_count_as_breaths() -> None:
    t = np.arange(0, 120, 1 / FS)
    rng = np.random.default_rng(2)
    wave = 12 * np.sin(2 * np.pi * 0.1 * t) + 3 * np.sin(2 * np.pi * 1.2 * t)
    xyz = _chest(wave) + rng.normal(0, 3, (t.size, 3))
    got = breathing_from_acc(t, xyz, 20, 100)
    assert got.rate_bpm == pytest.approx(6.0, abs=0.1)


def test_too_little_data_is_a_sentence_not_an_error() -> None:
    t = np.arange(0, 5, 1 / FS)
    got = breathing_from_acc(t, _chest(np.zeros(t.size)))
    assert got.problem and got.rate_bpm is None and got.onsets_s == ()


def test_a_still_chest_has_no_breaths() -> None:
    t = np.arange(0, 60, 1 / FS)
    got = breathing_from_acc(t, _chest(np.zeros(t.size)))
    assert got.onsets_s == () and got.problem is not None


@pytest.mark.parametrize(
    ("times", "xyz", "word"),
    [
        (np.arange(10.0), np.zeros((10, 2)), "n times"),
        (np.arange(10.0), np.full((10, 3), np.nan), "finite"),
        (np.zeros(10), np.zeros((10, 3)), "increase"),
    ],
)
def test_malformed_data_raise_with_a_sentence(times, xyz, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        breathing_from_acc(times, xyz)


def test_samples_too_far_apart_are_refused() -> None:
    t = np.arange(0, 60, 1.0)
    with pytest.raises(ValueError, match="0.5 s"):
        breathing_signal(t, _chest(np.zeros(t.size)))


def test_a_live_window_gives_the_rate_of_its_last_minute() -> None:
    from resonant.signal.breathing import AccWindow

    win = AccWindow(keep_s=100)
    assert win.breathing(10.0).problem
    t = np.arange(0, 200, 1 / FS)
    f = np.where(t < 100, 0.25, 0.1)  # 15, then 6 breaths/min
    wave = 10 * np.sin(2 * np.pi * np.cumsum(f) / FS)
    xyz = _chest(wave)
    for k in range(0, t.size, 25):  # one chunk a second, as a strap sends them
        win.push(t[k : k + 25], xyz[k : k + 25])
        win.push(t[k : k + 1], xyz[k : k + 1])  # a repeat is dropped
    held, _ = win.samples
    assert held[-1] - held[0] <= 101 and np.all(np.diff(held) > 0)
    assert win.breathing(199.0).rate_bpm == pytest.approx(6.0, abs=0.2)
    early = AccWindow()
    for k in range(0, int(95 * FS), 25):
        early.push(t[k : k + 25], xyz[k : k + 25])
    assert early.breathing(94.0).rate_bpm == pytest.approx(15.0, abs=0.2)
