"""The terminal dashboard: what it says, and how it says it."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re

import pyte
import pytest

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


def test_live_redraw_stays_in_place_on_the_alternate_screen() -> None:
    session, _ = _snapshots(0.9)
    out = io.StringIO()
    dash = TerminalDashboard(session, out, live=True, size=lambda: (80, 24))
    dash.draw()
    dash.draw()
    dash.draw(final=True)
    text = out.getvalue()
    assert text.count("\x1b[?1049h") == 1 and text.count("\x1b[H") == 2
    # The last picture is printed on the normal screen, where it stays.
    assert text.index("\x1b[?1049l") < text.rindex("HR ")


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


class _Terminal:
    """A VT100 terminal (pyte) that the dashboard writes to, with a scroll-back record."""

    def __init__(self, columns: int, lines: int = 24) -> None:
        self.screen = pyte.HistoryScreen(columns, lines, history=10_000)
        self.stream = pyte.Stream(self.screen)
        self.frames = 0
        self.live: list[str] = []  # the screen as the live dashboard left it
        self.scrolled = 0  # lines scrolled off the top while the dashboard was live

    def size(self) -> tuple[int, int]:
        return self.screen.columns, self.screen.lines

    def write(self, text: str) -> int:
        if "\x1b[?1049l" in text:  # leaving the alternate screen (pyte has just one)
            self.live = [row.rstrip() for row in self.screen.display]
            self.scrolled = len(self.screen.history.top)
        self.stream.feed(text)
        self.frames += text.count("\x1b[H")
        return len(text)

    def flush(self) -> None:
        pass


def _live_run(term: _Terminal, adherence: float, people: int = 1, resize=None) -> TerminalDashboard:
    """Run a short session with a live dashboard redrawing into ``term`` as it goes."""
    pacer = PacerSchedule(PacerSettings(rate_bpm=6.0))
    sources = [
        SimulatedStrap(PersonSpec(seed=3 + k, adherence=adherence),
                       StrapSpec(seed=3 + k, label=f"sim{k + 1}" if people > 1 else "sim"), pacer)
        for k in range(people)
    ]  # fmt: skip
    session = Session(sources, MonotonicClock(3000.0), pacer, [], duration_s=280.0)

    class _Rec:
        problem = None
        folder = "/data/" + "a-rather-long-folder-name/" * 3 + "2026-12-03T06-00-00Z-practice"

    dash = TerminalDashboard(session, term, live=True, recorder=_Rec(), refresh_s=0.005,  # type: ignore[arg-type]
                             size=term.size)  # fmt: skip

    async def drive() -> None:
        task = asyncio.create_task(dash.run())
        if resize is not None:
            asyncio.get_running_loop().call_later(0.03, resize)
        await session.run()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(drive())
    return dash


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_dashboard_never_wraps_or_scrolls(columns: int) -> None:
    """Issue 17: every line fits the terminal; redraws stay in place (a VT100 emulator)."""
    term = _Terminal(columns)
    # Adherence 0: the "a little slower than the guide" note is shown, the widest line.
    dash = _live_run(term, adherence=0.0)
    assert term.frames > 5
    snap = dash.session.snapshot()
    lines = render(snap, 1.0, dash.recorder.folder, width=columns)  # type: ignore[union-attr]
    assert all(len(line) < columns for line in lines), lines
    assert any("than the guide" in line for line in lines)  # the note is kept, not cut
    assert any(line.startswith("recording to /data/") and "…" in line for line in lines)
    # Nothing scrolled off the top: every redraw went to the top-left corner.
    assert term.scrolled == 0
    assert all(len(row) < columns for row in term.live)
    assert term.live[0].startswith("[") and "(x3000)" in term.live[0]  # progress, fitted
    assert any(row.startswith("HR ") for row in term.live)
    assert any(row.startswith("recording to /data/") for row in term.live)


def test_a_group_fits_too_and_a_resized_terminal_is_drawn_anew() -> None:
    term = _Terminal(120)
    _live_run(term, adherence=0.5, people=4, resize=lambda: term.screen.resize(24, 60))
    assert term.screen.columns == 60
    assert term.scrolled == 0
    assert all(len(row) < 60 for row in term.live)
    assert any(row.startswith("sim4: ") for row in term.live)


def test_a_short_terminal_shows_what_fits() -> None:
    term = _Terminal(80, lines=8)
    _live_run(term, adherence=0.9, people=4)
    assert term.scrolled == 0
    assert any("more lines" in row for row in term.live)


def test_the_breathing_rate_says_where_it_comes_from() -> None:
    """Issue 16: with the strap's accelerometer the rate is the chest's, and says so."""
    from resonant.devices.chest import ChestSpec

    pacer = PacerSchedule(PacerSettings(rate_bpm=6.0))
    src = SimulatedStrap(PersonSpec(seed=3, adherence=0.0), StrapSpec(seed=3), pacer,
                         chest=ChestSpec())  # fmt: skip
    session = Session([src], MonotonicClock(100000.0), pacer, [], duration_s=300.0)
    asyncio.run(session.run())
    snap = session.snapshot()
    text = "\n".join(render(snap))
    assert re.search(r"breathing \d+\.\d/min \(chest\)", text), text
    assert "(chest)" in render_plain(snap)
    assert not JUDGING.search(text)
