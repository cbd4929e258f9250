import math
import re
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from resonant.model.pacer import (
    HOLD_MAX_S,
    PHASES,
    RATIO_PRESETS,
    PacerError,
    PacerPhase,
    PacerSchedule,
    PacerSettings,
)

# ---------------------------------------------------------------- settings validation


@pytest.mark.parametrize("rate", [3.0, 10.0, 6.0, 4.5, 6.1, 6.1000000001])
def test_rates_on_the_grid_are_accepted_and_stored_rounded(rate):
    s = PacerSettings(rate_bpm=rate)
    assert s.rate_bpm == round(rate, 1)
    assert s.cycle_s == pytest.approx(60.0 / rate)


@pytest.mark.parametrize(
    "rate, text", [(2.9, "2.9"), (10.1, "10.1"), (6.05, "6.05"), (0.0, "0"), (-6.0, "-6")]
)
def test_rates_off_range_or_off_grid_are_rejected_naming_the_value(rate, text):
    with pytest.raises(PacerError, match=rf"{re.escape(text)} breaths/min.*3\.0-10\.0"):
        PacerSettings(rate_bpm=rate)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "6", None, True])
def test_non_numbers_are_rejected(bad):
    with pytest.raises(PacerError):
        PacerSettings(rate_bpm=bad)


def test_pacer_error_is_a_value_error():
    assert issubclass(PacerError, ValueError)


@pytest.mark.parametrize("field", ["hold_in_s", "hold_out_s"])
def test_holds_beyond_two_seconds_or_negative_are_rejected(field):
    assert getattr(PacerSettings(**{field: HOLD_MAX_S}), field) == 2.0
    with pytest.raises(PacerError, match=r"2\.5 s.*0-2 s"):
        PacerSettings(**{field: 2.5})
    with pytest.raises(PacerError, match=r"-0\.5 s"):
        PacerSettings(**{field: -0.5})


@pytest.mark.parametrize("field", ["inhale", "exhale"])
def test_ratio_parts_must_be_positive(field):
    with pytest.raises(PacerError, match="greater than 0"):
        PacerSettings(**{field: 0.0})


def test_inhale_shorter_than_one_second_is_rejected():
    # 10/min is a 6 s cycle; 2 s holds leave 2 s, and 1:2 gives a 0.67 s inhale.
    with pytest.raises(PacerError, match=r"Inhale of 0\.667 s.*minimum of 1 s"):
        PacerSettings(rate_bpm=10.0, inhale=1.0, exhale=2.0, hold_in_s=2.0, hold_out_s=2.0)
    with pytest.raises(PacerError, match="Exhale"):
        PacerSettings(rate_bpm=10.0, inhale=10.0, exhale=1.0)


@pytest.mark.parametrize("name", sorted(RATIO_PRESETS))
def test_ratio_presets_parse_to_their_parts(name):
    assert PacerSettings.parse_ratio(name) == RATIO_PRESETS[name]


@pytest.mark.parametrize(
    "text, parts",
    [
        ("4:6", (4.0, 6.0)),
        ("1:2", (1.0, 2.0)),
        ("4.5:5.5", (4.5, 5.5)),
        (" 5 : 6.5 ", (5.0, 6.5)),
        (".5:1", (0.5, 1.0)),
    ],
)
def test_custom_ratios_parse(text, parts):
    assert PacerSettings.parse_ratio(text) == parts


@pytest.mark.parametrize(
    "text", ["", "4", "4:", ":6", "4:6:1", "a:b", "-4:6", "0:6", "4/6", "1e3:2", "nan:1"]
)
def test_bad_ratio_text_is_rejected(text):
    with pytest.raises(PacerError, match="Ratio"):
        PacerSettings.parse_ratio(text)


def test_ratio_text_uses_g_formatting():
    assert PacerSettings().ratio == "4:6"
    assert PacerSettings(inhale=4.5, exhale=5.5).ratio == "4.5:5.5"


def test_with_changes_validates():
    s = PacerSettings()
    assert s.with_changes(rate_bpm=5.5).rate_bpm == 5.5
    assert s.with_changes(hold_in_s=1.0).inhale == 4.0
    with pytest.raises(PacerError):
        s.with_changes(rate_bpm=12.0)


def test_settings_are_frozen():
    with pytest.raises(AttributeError):
        PacerSettings().rate_bpm = 5.0  # type: ignore[misc]


# ---------------------------------------------------------------- closed forms


def test_default_6_per_min_4_6_closed_form():
    s = PacerSettings()
    assert (s.inhale_s, s.exhale_s, s.cycle_s) == pytest.approx((4.0, 6.0, 10.0))
    pacer = PacerSchedule()
    mid = pacer.at(2.0)
    assert (mid.phase, mid.fraction, mid.breath) == ("inhale", 0.5, 0)
    assert mid.volume == pytest.approx(0.5, abs=1e-12)
    top = pacer.at(4.0)
    assert (top.phase, top.fraction, top.volume) == ("exhale", 0.0, 1.0)
    nxt = pacer.at(10.0)
    assert (nxt.phase, nxt.fraction, nxt.volume, nxt.breath) == ("inhale", 0.0, 0.0, 1)
    assert pacer.at(7.0).volume == pytest.approx(0.5, abs=1e-12)
    assert [(p.start_s, p.duration_s, p.phase) for p in pacer.phases(0.0, 20.0)] == [
        (0.0, 4.0, "inhale"),
        (4.0, 6.0, "exhale"),
        (10.0, 4.0, "inhale"),
        (14.0, 6.0, "exhale"),
    ]


def test_srb_preset_with_a_hold():
    # hrv-spec §10: 5.0 breaths/min as 5 s in, 0.5 s hold, 6.5 s out.
    s = PacerSettings(rate_bpm=5.0, inhale=5.0, exhale=6.5, hold_in_s=0.5)
    assert s.cycle_s == 12.0
    assert (s.inhale_s, s.exhale_s) == pytest.approx((5.0, 6.5))
    assert s.inhale_s + s.hold_in_s + s.exhale_s + s.hold_out_s == pytest.approx(12.0)
    pacer = PacerSchedule(s, start_s=100.0)
    got = pacer.phases(0.0, 124.0)
    assert [(p.phase, p.breath) for p in got] == [
        ("inhale", 0),
        ("hold_in", 0),
        ("exhale", 0),
        ("inhale", 1),
        ("hold_in", 1),
        ("exhale", 1),
    ]
    assert [p.start_s for p in got] == pytest.approx([100.0, 105.0, 105.5, 112.0, 117.0, 117.5])
    assert [p.duration_s for p in got] == pytest.approx([5.0, 0.5, 6.5] * 2)
    hold = pacer.at(105.25)
    assert (hold.phase, hold.fraction, hold.volume) == ("hold_in", 0.5, 1.0)


def test_hold_out_stays_empty():
    s = PacerSettings(rate_bpm=6.0, inhale=1.0, exhale=1.0, hold_in_s=1.0, hold_out_s=1.0)
    pacer = PacerSchedule(s)
    assert [p.phase for p in pacer.phases(0.0, 10.0)] == list(PHASES)
    assert pacer.at(9.5).volume == 0.0
    assert pacer.at(9.5).phase == "hold_out"


def test_before_the_start_is_the_start_state():
    pacer = PacerSchedule(start_s=50.0)
    state = pacer.at(10.0)
    assert (state.phase, state.fraction, state.volume, state.breath) == ("inhale", 0, 0, 0)
    assert pacer.phases(0.0, 50.0) == []
    assert pacer.volume([0.0, 49.9, 50.0]).tolist() == [0.0, 0.0, 0.0]


def test_volume_keeps_the_shape_of_its_input():
    pacer = PacerSchedule()
    assert pacer.volume(2.0).shape == ()
    grid = np.arange(12.0).reshape(3, 4)
    v = pacer.volume(grid)
    assert v.shape == (3, 4)
    assert v[0, 2] == pytest.approx(0.5)
    assert pacer.volume([]).shape == (0,)
    with pytest.raises(PacerError):
        pacer.volume([1.0, float("nan")])


def test_change_waits_for_the_turning_point():
    pacer = PacerSchedule()
    before = pacer.at(2.0)
    faster = PacerSettings(rate_bpm=7.5, inhale=1.0, exhale=1.0)
    assert pacer.change(faster, at_s=2.0) == 4.0
    assert pacer.settings is faster
    # The inhale in progress is unchanged; the exhale after it has the new length.
    assert pacer.at(2.0) == before
    got = pacer.phases(0.0, 12.0)
    assert [(p.start_s, p.duration_s, p.phase, p.rate_bpm, p.breath) for p in got] == [
        (0.0, 4.0, "inhale", 6.0, 0),
        (4.0, 4.0, "exhale", 7.5, 0),
        (8.0, 4.0, "inhale", 7.5, 1),
    ]
    # A change asked for exactly at an onset starts there.
    assert pacer.change(PacerSettings(), at_s=8.0) == 8.0
    assert pacer.phases(8.0, 8.5)[0] == PacerPhase(8.0, 4.0, "inhale", 6.0, "4:6", 1)


def test_last_change_before_the_boundary_wins_and_holds_are_inserted():
    pacer = PacerSchedule()
    pacer.at(30.0)  # generate ahead; these phases are regenerated
    pacer.change(PacerSettings(rate_bpm=4.0), at_s=1.0)
    srb = PacerSettings(rate_bpm=5.0, inhale=5.0, exhale=6.5, hold_in_s=0.5)
    assert pacer.change(srb, at_s=3.0) == 4.0
    got = pacer.phases(0.0, 16.5)
    assert [(p.start_s, p.phase, p.rate_bpm, p.ratio) for p in got] == [
        (0.0, "inhale", 6.0, "4:6"),
        (4.0, "hold_in", 5.0, "5:6.5"),
        (4.5, "exhale", 5.0, "5:6.5"),
        (11.0, "inhale", 5.0, "5:6.5"),
        (16.0, "hold_in", 5.0, "5:6.5"),
    ]


def test_change_before_the_start_applies_from_the_start():
    pacer = PacerSchedule(start_s=10.0)
    assert pacer.change(PacerSettings(rate_bpm=5.0), at_s=0.0) == 10.0
    assert pacer.at(0.0).rate_bpm == 5.0
    assert pacer.phases(0.0, 30.0)[1].start_s == pytest.approx(10.0 + 4.8)


def test_change_at_the_oldest_kept_onset_knows_the_phase_before_it():
    pacer = PacerSchedule(history=4)
    pacer.at(100.0)
    assert [p.start_s for p in pacer._phases] == [84.0, 90.0, 94.0, 100.0]
    held = PacerSettings(inhale=4.0, exhale=5.0, hold_in_s=1.0)
    assert pacer.change(held, at_s=84.0) == 84.0
    got = pacer.phases(84.0, 96.0)
    assert [(p.start_s, p.phase, p.breath) for p in got] == [
        (84.0, "hold_in", 8),
        (85.0, "exhale", 8),
        (90.0, "inhale", 9),
        (94.0, "hold_in", 9),
        (95.0, "exhale", 9),
    ]


def test_bad_schedule_arguments():
    with pytest.raises(PacerError):
        PacerSchedule(history=0)
    with pytest.raises(PacerError):
        PacerSchedule(start_s=float("nan"))
    with pytest.raises(PacerError):
        PacerSchedule().change("6", at_s=1.0)  # type: ignore[arg-type]
    with pytest.raises(PacerError):
        PacerSchedule().at(float("inf"))


# ---------------------------------------------------------------- long sessions


@pytest.mark.parametrize("rate", [6.0, 7.0, 4.3])
def test_no_drift_over_two_hours(rate):
    s = PacerSettings(rate_bpm=rate, inhale=4.0, exhale=6.0, hold_in_s=0.3, hold_out_s=0.7)
    pacer = PacerSchedule(s, start_s=3.0)
    got = pacer.phases(0.0, 7202.0)
    onsets = np.array([p.start_s for p in got if p.phase == "inhale"])
    k = np.arange(onsets.size)
    assert onsets.size == round(7200 * rate / 60)
    assert np.max(np.abs(onsets - (3.0 + k * 60.0 / rate))) < 1e-6
    assert all(b.start_s == a.end_s for a, b in pairwise(got))


def test_memory_stays_bounded_and_old_times_are_refused():
    pacer = PacerSchedule(
        PacerSettings(rate_bpm=10.0, inhale=1.0, exhale=1.0, hold_in_s=0.5, hold_out_s=0.5),
        history=16,
    )
    for t in np.arange(0.0, 7200.0, 7.0):
        pacer.at(float(t))
        assert len(pacer._phases) <= 16
    pacer.at(7200.0)  # far ahead in one step
    assert len(pacer._phases) == 16
    assert pacer.at(7199.0).breath == 1199
    for query in (
        lambda: pacer.at(100.0),
        lambda: pacer.volume([7199.0, 100.0]),
        lambda: pacer.phases(7000.0, 7300.0),
        lambda: pacer.change(PacerSettings(), at_s=100.0),
    ):
        with pytest.raises(PacerError, match="too far in the past"):
            query()
    assert pacer.at(-1.0).volume == 0.0  # before the start is always answered


def test_volume_over_more_phases_than_history_in_one_call():
    s = PacerSettings(rate_bpm=9.0, inhale=1.0, exhale=2.0, hold_in_s=0.2)
    times = np.random.default_rng(1).uniform(-5.0, 1800.0, 4000)
    small = PacerSchedule(s, history=8).volume(times)
    big = PacerSchedule(s, history=100_000).volume(times)
    np.testing.assert_array_equal(small, big)


def test_adjacent_intervals_give_every_onset_exactly_once():
    s = PacerSettings(rate_bpm=8.3, inhale=4.5, exhale=5.5, hold_out_s=0.4)
    whole = PacerSchedule(s, start_s=1.0).phases(0.0, 600.0)
    pacer = PacerSchedule(s, start_s=1.0, history=4)
    cuts = np.concatenate([[0.0], np.sort(np.random.default_rng(2).uniform(0, 600, 200)), [600.0]])
    pieces = []
    for a, b in pairwise(cuts):
        got = pacer.phases(float(a), float(b))
        assert all(a <= p.start_s < b for p in got)
        pieces += got
    assert pieces == whole
    assert pacer.phases(600.0, 600.0) == []


# ---------------------------------------------------------------- properties


@st.composite
def pacer_settings(draw):
    rate = draw(st.integers(30, 100)) / 10
    inhale = draw(st.sampled_from([1.0, 2.0, 4.0, 4.5, 5.0]))
    exhale = draw(st.sampled_from([1.0, 2.0, 5.5, 6.0, 6.5]))
    hold_in = draw(st.one_of(st.just(0.0), st.floats(0.0, HOLD_MAX_S)))
    hold_out = draw(st.one_of(st.just(0.0), st.floats(0.0, HOLD_MAX_S)))
    try:
        return PacerSettings(rate, inhale, exhale, hold_in, hold_out)
    except PacerError:
        assume(False)


HORIZON_S = 240.0


@settings(max_examples=40, deadline=None)
@given(
    first=pacer_settings(),
    start=st.floats(0.0, 20.0),
    changes=st.lists(
        st.tuples(
            pacer_settings(), st.one_of(st.floats(-5.0, HORIZON_S - 30.0), st.integers(0, 40))
        ),
        max_size=6,
    ),
)
def test_schedule_properties_under_random_changes(first, start, changes):
    pacer = PacerSchedule(first, start_s=start)
    effects = []  # effect times of the changes still in force
    for new, at in changes:
        before = pacer.phases(0.0, HORIZON_S)
        if isinstance(at, int):  # exactly at an onset (a boundary)
            at = before[at % len(before)].start_s
        effect = pacer.change(new, at)
        after = pacer.phases(0.0, HORIZON_S)
        # (e) nothing that started before the request changes ...
        kept = [p for p in before if p.start_s < at]
        assert after[: len(kept)] == kept
        # ... and the effect is the first boundary of the old schedule at or after it.
        assert effect >= at
        old_bounds = [start] + [p.end_s for p in before]
        assert effect == min(b for b in old_bounds if b >= at)
        onset = next(p for p in after if p.start_s == effect)
        assert (onset.rate_bpm, onset.ratio) == (new.rate_bpm, new.ratio)
        effects = [e for e in effects if e < effect] + [effect]
    phases = pacer.phases(0.0, HORIZON_S)
    # (b) contiguous and ordered, starting with an inhale at the start.
    assert phases[0].start_s == start and phases[0].phase == "inhale"
    assert all(b.start_s == a.end_s for a, b in pairwise(phases))
    assert all(p.duration_s > 0 and p.phase in PHASES for p in phases)
    for a, b in pairwise(phases):
        order = (PHASES.index(b.phase) - PHASES.index(a.phase)) % 4
        assert order in (1, 2)  # only skipped holds
        assert b.breath == a.breath + (b.phase == "inhale")
    # (c) every breath that no change cuts through lasts 60 / rate of its settings.
    inhales = [p for p in phases if p.phase == "inhale"]
    for a, b in pairwise(inhales):
        if any(a.start_s < e <= b.start_s for e in effects):  # a mixed breath
            continue
        breath = [p for p in phases if p.breath == a.breath]
        assert {(p.rate_bpm, p.ratio) for p in breath} == {(a.rate_bpm, a.ratio)}
        assert b.start_s - a.start_s == pytest.approx(60.0 / a.rate_bpm, abs=1e-9)
    # (a) the volume is continuous: no step steeper than the steepest phase allows.
    dt = 0.005
    times = np.arange(start - 1.0, HORIZON_S, dt)
    v = pacer.volume(times)
    assert v.min() >= 0.0 and v.max() <= 1.0
    shortest = min(p.duration_s for p in phases if p.phase in ("inhale", "exhale"))
    assert np.max(np.abs(np.diff(v))) <= math.pi / 2 * dt / shortest + 1e-12
    # (d) at() and volume() agree.
    for t in times[::97]:
        state = pacer.at(float(t))
        assert state.volume == pytest.approx(pacer.volume(t), abs=1e-15)
        assert 0.0 <= state.fraction <= 1.0
    for p in phases[:-1]:
        assert pacer.at(p.start_s).phase == p.phase
        assert pacer.at(p.start_s).fraction == 0.0
        assert pacer.at(p.start_s).volume == (0.0 if p.phase in ("inhale", "hold_out") else 1.0)
