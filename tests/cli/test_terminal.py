"""The terminal dashboard: what it says, and how it says it."""

from __future__ import annotations

import asyncio
import io
import re

from resonant.model.clock import MonotonicClock
from resonant.devices.physiology import PersonSpec
from resonant.devices.simulated import SimulatedStrap, StrapSpec
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.session.core import Session
from resonant.cli.terminal import TerminalDashboard, fmt_clock, render, render_plain

# Words a guide must not use on a person (the full list and check come with the practices).
JUDGING = re.compile(r"\b(bad|poor|fail\w*|wrong|must|should|error)\b", re.IGNORECASE)


def _snapshots(adherence: float, speed: float = 100000.0, duration_s: float = 300.0):
    pacer = PacerSchedule(PacerSettings(rate_bpm=6.0))
    src = SimulatedStrap(PersonSpec(seed=3, adherence=adherence), StrapSpec(seed=3), pacer)
    session = Session([src], MonotonicClock(speed), pacer, [], duration_s=duration_s)
    asyncio.run(session.run())
    return session, session.snapshot()


def test_render_shows_pacer_values_time_and_destination() -> None:
    session, snap = _snapshots(0.95)
    lines = render(snap, 1.0, "/data/s1")
    text = "\n".join(lines)
    assert re.search(r"(breathing in|and gently out)\.\.\.", text)
    assert "6/min 4:6" in text and "/ 5:00" in text
    assert re.search(r"HR \d+ bpm", text) and re.search(r"RMSSD \d+ ms", text)
    assert re.search(r"coherence \d+\.\d", text)
    assert "recording to /data/s1" in text and "stop at any time" in text
    assert not JUDGING.search(text)


def test_a_person_not_following_is_told_gently() -> None:
    # At 280 s this person's own breathing (about 14/min) is clear in the heart rhythm.
    _, snap = _snapshots(0.0, duration_s=280.0)
    text = "\n".join(render(snap))
    assert "than the guide right now; that's fine" in text
    assert "(low)" not in text  # a low coherence level reads as "settling"
    assert not JUDGING.search(text)


def test_fast_runs_show_progress_instead_of_the_pacer() -> None:
    session, snap = _snapshots(0.9)
    first = render(snap, speed=60.0)[0]
    assert "100%" in first and "5:00 of 5:00" in first and "x60" in first


def test_plain_lines_for_a_pipe() -> None:
    session, snap = _snapshots(0.9)
    assert render_plain(snap).startswith("5:00  sim: HR ")
    out = io.StringIO()
    dash = TerminalDashboard(session, out, live=False, plain_every_s=60.0)
    dash.draw()
    assert out.getvalue().count("\n") == 1 and "\x1b" not in out.getvalue()


def test_live_redraw_moves_the_cursor_back_up() -> None:
    session, _ = _snapshots(0.9)
    out = io.StringIO()
    dash = TerminalDashboard(session, out, live=True)
    dash.draw()
    dash.draw()
    assert "\x1b[4F" in out.getvalue()


def test_clock_format() -> None:
    assert fmt_clock(0) == "0:00" and fmt_clock(61.9) == "1:01" and fmt_clock(3725) == "1:02:05"


def test_an_unclear_breathing_rate_is_said_in_words_not_a_number() -> None:
    """hrv-spec §11.1: no number unless the breathing peak is clear (seed 3 at 300 s)."""
    _, snap = _snapshots(0.0)
    sp = snap.sources[0].spectral
    assert sp is not None and sp.breathing_rate_bpm is None
    text = "\n".join(render(snap))
    assert "breathing unclear from the heart rhythm" in text
    assert "than the guide" not in text  # no adherence note on a rate not shown
    assert "breathing unclear from the heart rhythm" in render_plain(snap)
    assert not JUDGING.search(text)
