import pytest

from resonant.model.beats import Beat, BeatTimer, rr_ms_from_raw


def test_rr_from_raw_is_exact_and_unrounded():
    assert rr_ms_from_raw(1024) == 1000.0
    assert rr_ms_from_raw(922) == 900.390625
    assert rr_ms_from_raw(1) == pytest.approx(0.9765625)


def test_beats_are_spaced_back_from_arrival_by_their_own_rr():
    timer = BeatTimer("strap")
    beats = timer.beats([812.5, 900.390625], arrival_s=10.0, hr_bpm=72, contact=True)
    assert [b.time_s for b in beats] == pytest.approx([10.0 - 0.900390625, 10.0])
    assert beats[0] == Beat(10.0 - 0.900390625, 812.5, 72, True, "strap")


def test_arrival_jitter_never_breaks_strict_order():
    timer = BeatTimer()
    first = timer.beats([1000.0], arrival_s=5.0)
    # This notification arrives early: back-dating would put its first beat before 5.0.
    second = timer.beats([1000.0, 1000.0], arrival_s=5.5)
    times = [b.time_s for b in first + second]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert second[1].time_s - second[0].time_s == pytest.approx(1.0)


def test_reset_re_anchors_after_a_gap():
    timer = BeatTimer()
    timer.beats([1000.0], arrival_s=100.0)
    timer.reset()
    assert timer.beats([1000.0], arrival_s=50.0)[0].time_s == 50.0


def test_beat_is_immutable():
    b = Beat(1.0, 800.0)
    with pytest.raises(AttributeError):
        b.rr_ms = 700.0  # type: ignore[misc]
