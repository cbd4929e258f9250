import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resonant.model.beats import Beat, BeatTimer, Gap, rr_ms_from_raw


def test_rr_from_raw_is_exact_and_unrounded():
    assert rr_ms_from_raw(1024) == 1000.0
    assert rr_ms_from_raw(922) == 900.390625
    assert rr_ms_from_raw(1) == pytest.approx(0.9765625)


def _beats(items):
    return [x for x in items if isinstance(x, Beat)]


def test_a_segment_is_anchored_just_before_its_first_arrival():
    timer = BeatTimer("strap")
    beats = timer.beats([812.5, 900.390625], arrival_s=10.0, hr_bpm=72, contact=True)
    last = 10.0 - BeatTimer.ANCHOR_S
    assert [b.time_s for b in beats] == pytest.approx([last - 0.900390625, last])
    assert beats[0] == Beat(last - 0.900390625, 812.5, 72, True, "strap")


def test_within_a_segment_each_beat_is_the_previous_plus_its_rr():
    timer = BeatTimer()
    first = timer.beats([1000.0], arrival_s=5.0)
    # Arrivals jitter by up to a notification interval; the beats do not.
    later = [timer.beats([1000.0], arrival_s=5.0 + k + jitter) for k, jitter in
             ((1, 0.4), (2, 0.05), (3, 0.7), (4, 0.3))]  # fmt: skip
    items = first + [x for out in later for x in out]
    assert not [x for x in items if isinstance(x, Gap)]
    t = np.array([b.time_s for b in _beats(items)])
    np.testing.assert_allclose(np.diff(t), 1.0, atol=BeatTimer.MAX_CATCH_UP_S + 1e-12)


def test_a_late_anchor_steps_the_clock_back_without_a_break():
    timer = BeatTimer()
    first = timer.beats([1000.0], arrival_s=5.9)  # the beat was 0.9 s old when it arrived
    out = timer.beats([1000.0], arrival_s=6.05)  # this one was fresh
    assert not [x for x in out if isinstance(x, Gap)]  # a step, not a break: no beat lost
    b0, b1 = _beats(first)[0], _beats(out)[0]
    assert b0.time_s < b1.time_s <= 6.05


def test_lost_beats_make_a_timing_gap_and_a_fresh_anchor():
    timer = BeatTimer()
    for k in range(5):
        timer.beats([1000.0], arrival_s=1.0 + k)
    out = timer.beats([1000.0], arrival_s=10.0)  # 4 s of beats never came
    assert [x.reason for x in out if isinstance(x, Gap)] == ["timing"]
    assert _beats(out)[0].time_s == pytest.approx(10.0 - BeatTimer.ANCHOR_S)


def test_reset_re_anchors_and_keeps_times_increasing():
    timer = BeatTimer()
    timer.beats([1000.0], arrival_s=100.0)
    timer.reset()
    assert timer.beats([1000.0], arrival_s=130.0)[-1].time_s == 130.0 - BeatTimer.ANCHOR_S
    timer.reset()
    # A source whose clock went back still gives increasing times (one-beat segments).
    out = timer.beats([1000.0, 1000.0], arrival_s=50.0)
    t = [b.time_s for b in _beats(out)]
    assert t[0] > 130.0 - BeatTimer.ANCHOR_S and t[1] > t[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(1, 2000), max_size=9),  # RR, 1/1024 s units
            st.floats(0.0, 3.0),  # time since the previous arrival, s
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([None, 3, 7]),
)
def test_times_increase_follow_rr_in_a_segment_and_never_pass_the_arrival(packets, reset_at):
    """Property: whatever the arrivals, three promises hold."""
    timer = BeatTimer()
    arrival = 0.0
    seen: list[tuple[Beat | Gap, float]] = []
    for k, (raw, dt) in enumerate(packets):
        arrival += dt
        if reset_at is not None and k % reset_at == reset_at - 1:
            timer.reset()
            seen.append((Gap(arrival), arrival))
        for x in timer.beats([rr_ms_from_raw(r) for r in raw], arrival):
            seen.append((x, arrival))
    prev: Beat | None = None
    steps = 0
    for x, at in seen:
        if isinstance(x, Gap):
            prev = None if prev is None else Beat(prev.time_s, -1.0)  # a segment ends
            continue
        assert x.time_s <= at
        if prev is not None:
            assert x.time_s > prev.time_s
            if prev.rr_ms >= 0 and abs((x.time_s - prev.time_s) * 1000.0 - x.rr_ms) > 0.5 + 1e-6:
                steps += 1  # a re-anchoring step of the clock (at most one per notification)
        prev = x
    assert steps <= sum(len(raw) for raw, _ in packets)


def test_beat_is_immutable():
    b = Beat(1.0, 800.0)
    with pytest.raises(AttributeError):
        b.rr_ms = 700.0  # type: ignore[misc]
