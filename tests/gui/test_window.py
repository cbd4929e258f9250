"""The trainer window offscreen: it shows the core's values, the pacer follows the schedule,
markers land in the session, and the controls work from the keyboard."""

from __future__ import annotations

import asyncio
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor
from PyQt6.QtTest import QTest

from resonant.gui.pacer_view import CUES, PacerView
from resonant.gui.tiles import LEVEL_WORDS
from resonant.gui.window import MainWindow
from resonant.session.assemble import SimSpec, SourceSpec
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.gui.qtloop import run_on_qt
from resonant.folder.read import read_events
from resonant.config.settings import Settings, load_settings
from tests.conftest import accept_simulated_rate, first_pacer_rate

SIM = SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="soothing", seed=7))

PHASE_NAMES = ["baseline", "mild stressor", "soothing rhythm breathing", "quiet recovery"]


def _window(qapp, **kw) -> MainWindow:
    w = MainWindow(
        Settings(session_min=None, checkin=False, consent_recording=True),
        speed=kw.pop("speed", 40.0),
        **kw,
    )
    w.resize(1400, 860)
    w.show()
    return w.with_choice(SIM)


async def _run_for(window: MainWindow, wall_s: float) -> None:
    """Run at least ``wall_s``, and until the core has a coherence value (busy machines)."""
    window.start()
    await asyncio.sleep(wall_s)
    for _ in range(300):
        snap = window.session.snapshot()
        if snap.sources and snap.sources[0].spectral and snap.sources[0].spectral.coherence_score:
            break
        await asyncio.sleep(0.05)
    window.redraw()


def test_tiles_and_plots_show_the_cores_values(qapp) -> None:
    window = _window(qapp)
    window.show_page("detail")  # the tiles and plots are the detail page's

    async def main():
        await _run_for(window, 3.0)  # about 2 minutes of session time
        snap = window.session.snapshot()
        shown = {
            "hr": window.tiles.hr.value.text(),
            "rmssd": window.tiles.rmssd.value.text(),
            "coh": window.tiles.coherence.value.text(),
            "coh_note": window.tiles.coherence.note.text(),
            "breath": window.tiles.breathing.value.text(),
        }
        window.tiles.fill(snap, window.source_label)
        shown_now = {
            "hr": window.tiles.hr.value.text(), "rmssd": window.tiles.rmssd.value.text(),
            "coh": window.tiles.coherence.value.text(),
            "breath": window.tiles.breathing.value.text(),
        }  # fmt: skip
        hr_x, hr_y = window.plots.hr_curve.getData()
        beats = window.history.beats(window.source_label)
        guide_x, guide_y = window.plots.guide_curve.getData()
        now_s = window.plots.last_now_s
        guide_y, expected_guide = guide_y.copy(), window.session.pacer.volume(guide_x + now_s)
        psd_x, psd_y = window.plots.psd_curve.getData()
        core_psd = window.session.spectrum(window.source_label)
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return (
            snap,
            shown,
            shown_now,
            (hr_x, hr_y, beats),
            (guide_y, expected_guide),
            (psd_x, psd_y, core_psd),
        )

    snap, shown, shown_now, hr, guide, psd = run_on_qt(main, qapp)
    [src] = snap.sources
    b, sp = src.beat, src.spectral
    assert shown_now["hr"] == f"{b.hr_mean_bpm:.0f}"
    assert shown_now["rmssd"] == f"{b.rmssd_ms:.0f}"
    assert shown_now["coh"] == f"{sp.coherence_score:.1f}"
    assert shown_now["breath"] == f"{sp.breathing_rate_bpm:.1f}"
    assert LEVEL_WORDS[sp.coherence_level] in shown["coh_note"]
    # Plots hold the core's own numbers: instantaneous HR of the beats, the schedule's
    # breathing curve, the core's spectrum.
    hr_x, hr_y, beats = hr
    assert hr_x.size > 50
    np.testing.assert_array_equal(hr_y, beats.hr_bpm[-hr_y.size :])
    guide_y, expected_guide = guide
    np.testing.assert_allclose(guide_y, expected_guide)
    psd_x, psd_y, core_psd = psd
    np.testing.assert_array_equal(psd_x, core_psd[0])
    np.testing.assert_array_equal(psd_y, core_psd[1])
    window.close()


@pytest.mark.parametrize("t_s", [0.0, 1.0, 2.0, 4.0, 5.5, 9.0])
def test_the_pacer_shape_matches_the_schedule(qapp, t_s: float) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    view = PacerView(lambda: schedule.at(t_s))
    view.resize(500, 500)
    view._tick()
    image = view.grab().toImage()
    state = schedule.at(t_s)
    expected = view.radius_for(state.volume)
    # Measure the drawn radius along the horizontal line through the centre: the shape's
    # edge is its darker outline colour.
    cy = int(view.height() * 0.42)
    cx = view.width() // 2
    edge = QColor(view.theme.pacer_edge)

    def is_edge(x: int) -> bool:
        c = image.pixelColor(x, cy)
        return (
            abs(c.red() - edge.red()) + abs(c.green() - edge.green()) + abs(c.blue() - edge.blue())
            < 60
        )

    right = max(x for x in range(cx, view.width()) if is_edge(x))
    assert abs((right - cx) - expected) <= 2.0
    assert view.last_state == state
    view.close()


def test_cues_follow_the_phase(qapp) -> None:
    schedule = PacerSchedule(PacerSettings(rate_bpm=5.0, hold_in_s=0.5))
    for t, phase in ((1.0, "inhale"), (4.8, "hold_in"), (7.0, "exhale")):
        assert schedule.at(t).phase == phase
        assert CUES[phase]


def test_markers_from_the_keyboard_land_in_the_session(qapp, tmp_path: Path) -> None:
    """M puts a marker at once; Shift+M takes the time at the key press, then the words."""
    window = _window(qapp, record_dir=tmp_path / "sessions")
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)

    async def main():
        window.start()
        await asyncio.sleep(0.5)
        QTest.keyClick(window, Qt.Key.Key_M)
        QTest.keyClick(window, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
        dialog = window.marker_dialog
        assert dialog is not None
        pressed_s = window.session.clock.now()
        await asyncio.sleep(0.3)  # the session goes on while the words are typed
        dialog.setTextValue("felt calmer")
        dialog.accept()
        await asyncio.sleep(0.1)
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return pressed_s

    try:
        pressed_s = run_on_qt(main, qapp)
    finally:
        window.close()
    [folder] = (tmp_path / "sessions").iterdir()
    markers = [e for e in read_events(folder) if e.kind == "marker"]
    assert [e.label for e in markers] == ["", "felt calmer"]
    assert markers[1].onset_s <= pressed_s + 1e-9  # the key press's time, not the typing's


def test_pause_stops_the_session_clock_and_resume_goes_on(qapp) -> None:
    window = _window(qapp)
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)

    async def main():
        window.start()
        await asyncio.sleep(0.4)
        QTest.keyClick(window, Qt.Key.Key_Space)
        t0 = window.session.clock.now()
        await asyncio.sleep(0.3)
        t1 = window.session.clock.now()
        paused_text = window.pacer_view.message
        QTest.keyClick(window, Qt.Key.Key_Space)
        await asyncio.sleep(0.2)
        t2 = window.session.clock.now()
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return t0, t1, t2, paused_text

    t0, t1, t2, paused_text = run_on_qt(main, qapp)
    assert t1 == t0 and t2 > t1
    assert "take all the time you need" in paused_text
    window.close()


def test_pacer_changes_take_effect_at_the_next_turn(qapp) -> None:
    window = _window(qapp, speed=10.0)

    async def main():
        window.start()
        await asyncio.sleep(0.3)
        before = window.session.pacer.at(window.session.view_time())
        window.pace_spin.setValue(5.0)
        await asyncio.sleep(1.5)
        after = window.session.pacer.at(window.session.view_time())
        events = [e for e in window.history.sources]  # the session is still running
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return before, after, events

    before, after, _ = run_on_qt(main, qapp)
    assert before.rate_bpm == 6.0 and after.rate_bpm == 5.0
    settings, _ = load_settings()
    assert settings.pace_bpm == 5.0  # remembered for next time
    window.close()


def test_focus_theme_and_font_size_from_the_keyboard(qapp) -> None:
    window = _window(qapp)
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    window.show_page("detail")
    QTest.keyClick(window, Qt.Key.Key_F)
    assert window.in_focus and not window.right.isVisible() and window.pacer_view.isVisible()
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.in_focus and window.right.isVisible()  # back to the page it left
    window.toggle_theme()
    assert window.settings.theme == "dark" and window.pacer_view.theme.name == "dark"
    QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.font_scale > 1.0
    assert load_settings()[0].theme == "dark"
    window.close()


def test_demo_screenshot_from_the_command_line(tmp_path: Path) -> None:
    png = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "resonant", "demo", "--screenshot", str(png), "--after", "2",
         "--speed", "20", "--sim-seed", "1"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert png.is_file() and png.stat().st_size > 20_000
    assert "Traceback" not in proc.stderr
    assert png.stat().st_mode & 0o077 == 0  # owner-only, as every file the program writes


def test_a_screenshot_never_overwrites_or_follows_a_symlink(tmp_path: Path) -> None:
    """Issue 18: an existing file or a symlink at --screenshot is refused before anything runs."""
    from resonant.cli import main

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link = tmp_path / "link.png"
    link.symlink_to(precious)
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "nowhere" / "x.png")
    for target in (precious, link, dangling):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["demo", "--screenshot", str(target), "--after", "1", "--speed", "20"])
        assert code == 2 and "already exists" in err.getvalue()
    assert precious.read_text() == "keep me" and not (tmp_path / "nowhere").exists()


def test_the_source_picker_and_a_replayed_recording(qapp, tmp_path: Path) -> None:
    from resonant.gui.source_dialog import SourceDialog
    from tests.conftest import REFERENCE

    dialog = SourceDialog(SIM, "Polar H10", None)
    assert dialog.choice().kind == "sim" and dialog.strap_edit.text() == "Polar H10"
    dialog.path_edit.setText(str(REFERENCE / "slow-breathing.txt"))
    dialog.replay.setChecked(True)
    choice = dialog.choice()
    assert choice.kind == "replay" and choice.describe() == "recording slow-breathing.txt"
    dialog.close()

    window = _window(qapp, speed=200.0).with_choice(choice)

    async def main():
        window.start()
        for _ in range(200):  # until enough beats have come, however busy the machine
            await asyncio.sleep(0.05)
            snap = window.session.snapshot()
            if snap.sources and snap.sources[0].beats > 100 and snap.sources[0].spectral:
                break
        window.redraw()
        window.tiles.fill(window.session.snapshot(), window.source_label)
        snap = window.session.snapshot()
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return snap

    snap = run_on_qt(main, qapp)
    assert snap.sources[0].label == "replay" and snap.sources[0].beats > 100
    assert window.tiles.coherence.value.text() != "–"
    window.close()


def test_an_assessment_in_the_window_shows_its_result_and_accept_saves_it(qapp) -> None:
    # Adherence 1: at 0.9 this person breathes part of the 4.5/min step at their own rate,
    # which the chest accelerometer shows, so that step is (rightly) left out.
    choice = SourceSpec(
        "sim", (), SimSpec(resonance_bpm=5.0, state="soothing", seed=2, adherence=1.0)
    )
    window = _window(qapp, speed=400.0).with_choice(choice)

    async def main():
        window.assess("stepped")
        await asyncio.wait([window.task], timeout=30)
        await asyncio.sleep(0.1)
        dialog = window.results_dialog
        dialog.grab().save(str(Path(window.recorder.folder) / "results.png"))
        dialog.accept_button.click()
        return dialog

    dialog = run_on_qt(main, qapp)
    result = window.last_assessment
    assert result is not None and result.protocol == "stepped"
    assert dialog.accept_button.isEnabled() == (
        result.reliable and result.resonance_bpm is not None
    )
    assert result.reliable  # (seed 2, adherence 1: 5.0 breaths/min, confidence 1.0)
    if result.resonance_bpm is not None:
        assert f"{result.resonance_bpm:.1f} breaths per minute" in dialog.summary.text()
        saved = load_settings()[0]
        assert saved.resonance_bpm == round(result.resonance_bpm, 1) == window.pace_spin.value()
    window.close()


def test_a_protocol_runs_through_every_phase_and_ends_in_the_comparison(qapp, tmp_path) -> None:
    window = _window(qapp, speed=300.0).with_choice(SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="rest", seed=3)))
    index = window.protocol_combo.findData("threat-soothing")
    window.protocol_combo.setCurrentIndex(index)

    # Every instruction the window shows, however briefly (polling could miss one on a busy
    # machine).
    instructions: list[str] = []
    show = window.instruction.setText

    def shown(text: str) -> None:
        if text and (not instructions or instructions[-1] != text):
            instructions.append(text)
        show(text)

    window.instruction.setText = shown  # type: ignore[method-assign]

    async def main():
        window.start()
        while window.running:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        dialog = window.compare_dialog
        dialog.grab().save(str(tmp_path / "compare.png"))
        return dialog

    try:
        dialog = run_on_qt(main, qapp)
    finally:
        window.close()
    assert [t.split("</b>")[0] for t in instructions[:4]] == [
        f"<b>Phase {k} of 4: {name}" for k, name in enumerate([
        "baseline", "mild stressor", "soothing rhythm breathing", "quiet recovery"], 1)
    ]
    phases = dialog.phases
    assert [p["label"] for p in phases] == PHASE_NAMES
    assert phases[1]["stressor"] and phases[1]["hr_mean_bpm"] > phases[0]["hr_mean_bpm"]
    assert phases[2]["rmssd_ms"] > phases[1]["rmssd_ms"]
    assert dialog.table.rowCount() == 4
    assert "threat system" in dialog.notes.text() and "soothing system" in dialog.notes.text()
    # The guide ran only in the breathing phase.
    from resonant.folder.read import read_pacer

    rows = read_pacer(window.recorder.folder)
    start, end = phases[2]["onset_s"], phases[2]["onset_s"] + phases[2]["duration_s"]
    assert rows.start_s.min() >= start - 1e-6 and rows.start_s.max() < end
    assert (tmp_path / "compare.png").stat().st_size > 10_000
    window.close()


# -- the accepted rate: where the window's guide starts -----------------------------------------




def test_after_accept_the_demo_window_starts_the_guide_at_the_accepted_rate(
    qapp, tmp_path: Path
) -> None:
    import json

    from resonant.cli import main

    rate = accept_simulated_rate(tmp_path)
    demo = ["demo", "--speed", "50", "--sim-seed", "3", "--after", "2"]
    out, shot = tmp_path / "window", tmp_path / "w.png"
    assert main([*demo, "--out", str(out), "--screenshot", str(shot)]) == 0
    assert first_pacer_rate(out) == rate
    assert json.loads((out / "session.json").read_text())["settings"]["pacer"]["rate_bpm"] == rate
    # --pace overrides it, in the window as in the terminal.
    paced = tmp_path / "paced"
    assert main([*demo, "--out", str(paced), "--screenshot", str(tmp_path / "p.png"),
                 "--pace", "6"]) == 0  # fmt: skip
    assert first_pacer_rate(paced) == 6.0
    assert load_settings()[0].pace_bpm == rate  # the demo changes no setting


def _start_message(window: MainWindow, qapp) -> str:
    """What the status bar says just after Start (the session is stopped again)."""

    async def run_once() -> str:
        window.start()
        await asyncio.sleep(0.2)
        message = window.statusBar().currentMessage()
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        return message

    return run_on_qt(run_once, qapp)


def test_the_window_says_where_the_guide_starts(qapp) -> None:
    window = MainWindow(
        Settings(session_min=None, checkin=False, resonance_bpm=5.2, pace_bpm=5.2), speed=40.0
    ).with_choice(SIM)
    assert "accepted resonance rate is 5.2/min" in window.pace_spin.toolTip()
    spec = window.spec_from_controls()
    assert spec is not None and spec.pacer is not None and spec.pacer.rate_bpm == 5.2

    said = _start_message(window, qapp)
    assert "The guide starts at 5.2 breaths/min, your accepted resonance rate." in said
    # The person changes the Pace: the guide starts there, and the window says both.
    window.pace_spin.setValue(6.0)
    spec = window.spec_from_controls()
    assert spec is not None and spec.pacer is not None and spec.pacer.rate_bpm == 6.0
    said = _start_message(window, qapp)
    assert "The guide starts at 6 breaths/min; your accepted resonance rate is 5.2." in said
    window.close()


def test_without_an_accepted_rate_the_window_starts_at_6(qapp) -> None:
    window = _window(qapp)
    assert "6 unless you change it" in window.pace_spin.toolTip()
    window.adaptive_check.setChecked(True)

    said = _start_message(window, qapp)
    assert "The guide starts at 6 breaths/min and then gently follows you." in said
    window.close()


def test_a_broken_protocol_file_of_the_users_is_said_and_the_shipped_ones_stay(qapp) -> None:
    """Issue 18: one bad file in the user's protocols folder is named; the others are offered."""
    from resonant.config.settings import Settings, user_protocols_dir

    folder = user_protocols_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.toml").write_bytes(b"\xff\xfe not utf-8")
    window = MainWindow(Settings(consent_recording=False), save=False)
    try:
        names = [window.protocol_combo.itemData(k) for k in range(window.protocol_combo.count())]
        assert "threat-soothing" in names
        assert any("broken.toml" in p for p in window.protocol_problems)
        assert "broken.toml" in window.statusBar().currentMessage()
    finally:
        window.close()
