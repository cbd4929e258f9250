"""The breathing guide: size from the schedule's volume with no lag, a warmth that is felt
rather than read (eased, never red), and a still resting form after a session."""

from __future__ import annotations

import math

import pytest
from PyQt6.QtGui import QColor

from resonant.config.palette import THEMES
from resonant.gui.pacer_view import (
    FRAME_MS,
    REST_S,
    REST_VOLUME,
    WARMTH_TAU_S,
    PacerView,
    warmth_for_coherence,
    warmth_from_snapshot,
)
from resonant.session.core import SessionSnapshot, SourceSnapshot
from resonant.signal.metrics import SpectralMetrics
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.signal.coherence import CHALLENGE_LEVELS

TICKS_PER_S = 1000.0 / FRAME_MS


def test_warmth_follows_the_coherence_thresholds() -> None:
    assert warmth_for_coherence(None) == 0.0
    assert warmth_for_coherence(float("nan")) == 0.0
    assert warmth_for_coherence(0.0) == 0.0
    assert warmth_for_coherence(0.25) == pytest.approx(0.2)
    assert warmth_for_coherence(0.5) == pytest.approx(0.4)
    assert warmth_for_coherence(1.15) == pytest.approx(0.7)
    assert warmth_for_coherence(1.8) == 1.0 and warmth_for_coherence(16.0) == 1.0
    for level, (lo, hi) in CHALLENGE_LEVELS.items():
        scores = [i * 0.05 for i in range(200)]
        w = [warmth_for_coherence(s, level) for s in scores]
        assert all(0.0 <= x <= 1.0 for x in w)
        assert all(b >= a for a, b in zip(w, w[1:]))  # never cools as coherence grows
        assert warmth_for_coherence(hi, level) == 1.0 and warmth_for_coherence(lo, level) < 1.0


def _source(label: str, score: float | None) -> SourceSnapshot:
    sp = SpectralMetrics(100.0, label, score, score, "high", 0.1, 200.0, 100.0, 2.0, 6.0, 3.0,
                         0.0, None, None)  # fmt: skip
    return SourceSnapshot(label, "streaming", None, sp, True, 100, 0, True)


def test_warmth_from_a_snapshot_follows_the_chosen_person() -> None:
    snap = SessionSnapshot(100.0, 100.0, None, None,
                           (_source("a", 0.5), _source("b", 1.8)), 0, True)  # fmt: skip
    assert warmth_from_snapshot(snap, "b") == 1.0
    assert warmth_from_snapshot(snap, "a") == pytest.approx(0.4)
    assert warmth_from_snapshot(snap, None) == pytest.approx(0.4)  # the first, as the tiles
    assert warmth_from_snapshot(snap, "b", level=4) < 0.4
    empty = SessionSnapshot(100.0, 100.0, None, None, (), 0, True)
    assert warmth_from_snapshot(empty, None) == 0.0


def test_the_size_is_the_schedules_volume_with_no_lag(qapp) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    t = [0.0]
    view = PacerView(lambda: schedule.at(t[0]))
    view.resize(600, 500)
    for i in range(700):  # a little over one breath, frame by frame
        t[0] = i * FRAME_MS / 1000.0
        view._tick()
        assert view.volume == schedule.at(t[0]).volume
    view.close()


def test_warmth_eases_over_seconds_and_never_flickers(qapp) -> None:
    view = PacerView(lambda: None)
    view.warmth = 1.0
    shown = []
    for _ in range(int(4 * WARMTH_TAU_S * TICKS_PER_S)):
        view._tick()
        shown.append(view.shown_warmth)
    one_s = shown[int(TICKS_PER_S)]
    assert 0.1 < one_s < 0.35  # felt over seconds, not at once
    assert shown[-1] > 0.95
    assert max(b - a for a, b in zip(shown, shown[1:])) < 0.01
    view.warmth = 7.0
    assert view.warmth == 1.0
    view.warmth = -1.0
    assert view.warmth == 0.0
    view.close()


@pytest.mark.parametrize("name", ["light", "dark"])
def test_the_warm_light_is_warm_and_never_red(name: str) -> None:
    glow = QColor(THEMES[name].pacer_glow)
    hue = glow.hsvHueF() * 360.0
    assert 20.0 <= hue <= 50.0  # apricot / soft amber: not red (0), not yellow-green
    assert glow.hsvSaturationF() < 0.6  # soft, not a warning colour


def _pixel(view: PacerView, x: int, y: int) -> QColor:
    return view.grab().toImage().pixelColor(x, y)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_warmth_shows_as_a_soft_glow_around_the_shape(qapp, name: str) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    view = PacerView(lambda: schedule.at(1.0))
    view.theme = THEMES[name]
    view.resize(600, 500)
    view._tick()
    cx, cy = 300, int(500 * 0.42)
    x = int(cx + 1.15 * view.radius_for(1.0))  # outside the full breath, inside the glow
    cool = _pixel(view, x, cy)
    assert cool == QColor(THEMES[name].background)
    view.warmth = 1.0
    view._shown_warmth = 1.0
    warm = _pixel(view, x, cy)
    assert warm.red() - warm.blue() > cool.red() - cool.blue() + 15  # warmer, not redder
    far = _pixel(view, 5, 5)
    assert far == QColor(THEMES[name].background)  # the room stays as it is
    view.close()


def test_rest_settles_to_a_small_still_shape_without_a_cue(qapp) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    turns: list[str] = []
    t = [0.0]
    view = PacerView(lambda: schedule.at(t[0]), on_turn=turns.append)
    view.resize(500, 500)
    view.show()
    t[0] = 3.9  # near the top of the in-breath
    view._tick()
    assert view._cue_text() == "breathing in..."
    top = view.volume
    assert top is not None and top > 0.9
    view.rest()
    assert view.resting and view._cue_text() == "" and view._rate_text() == ""
    sizes = []
    for i in range(int((REST_S + 0.5) * TICKS_PER_S)):
        t[0] = 3.9 + i * FRAME_MS / 1000.0
        view._tick()
        sizes.append(view.volume)
    assert all(b <= a + 1e-12 for a, b in zip(sizes, sizes[1:]))  # settles, no bounce
    assert max(a - b for a, b in zip(sizes, sizes[1:])) < 0.02  # gently
    assert sizes[-1] == pytest.approx(REST_VOLUME)
    assert not view._timer.isActive()  # still: no frames at all
    assert turns == []  # the tone stays quiet
    view.warmth = 0.5  # a resting guide may still warm gently
    assert view._timer.isActive()
    view.wake()
    t[0] = 0.0  # a new session: the schedule starts empty, below the resting size
    sizes = []
    for i in range(int(1.5 * TICKS_PER_S)):
        t[0] = i * FRAME_MS / 1000.0
        view._tick()
        sizes.append(view.volume)
    assert sizes[0] == pytest.approx(REST_VOLUME, abs=0.01)  # no jump on waking
    assert max(abs(b - a) for a, b in zip(sizes, sizes[1:])) < 0.02
    assert not view.resting and view.volume == schedule.at(t[0]).volume  # then exact
    assert view._cue_text() != ""
    view.close()


def test_words_and_colours_show_at_once_while_resting(qapp) -> None:
    view = PacerView(lambda: None)
    view.resize(400, 400)
    view.show()
    view.rest()
    for _ in range(int((REST_S + 0.5) * TICKS_PER_S)):
        view._tick()
    assert not view._timer.isActive()
    qapp.processEvents()
    frames = view.frames
    view.message = "paused: take all the time you need"
    assert view._cue_text() == view.message
    qapp.processEvents()
    assert view.frames > frames  # drawn though nothing animates
    frames = view.frames
    view.theme = THEMES["dark"]
    qapp.processEvents()
    assert view.frames > frames
    assert _pixel(view, 3, 3) == QColor(THEMES["dark"].background)
    view.close()


def test_a_frame_repaints_only_the_shape_once_the_words_are_drawn(qapp) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    view = PacerView(lambda: schedule.at(1.0))
    view.resize(1280, 720)
    view.show()
    view._tick()
    view.repaint()
    rect = view._shape_rect()
    assert rect.width() < view.width() and math.isclose(rect.width(), rect.height(), abs_tol=1)
    view.close()
