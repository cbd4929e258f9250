"""The presenter window (the client's screen): its keys, and closing with the main window."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtTest import QTest

from tests.gui.waiting import until as _until
from tests.gui.waiting import watchdog, when_shown
from resonant.config.settings import Settings
from resonant.gui.pacer_view import PacerView
from resonant.gui.qtloop import run_on_qt
from resonant.gui.window import MainWindow
from resonant.model.practices import guidance
from resonant.session.assemble import SimSpec, SourceSpec

SIM = SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="soothing", seed=7))


def _window_with_presenter(qapp) -> tuple[MainWindow, PacerView]:
    window = MainWindow(
        Settings(session_min=None, checkin=False, consent_recording=True), speed=20.0, save=False
    )
    window.resize(1000, 700)
    window.show()
    window.with_choice(SIM)
    window.toggle_presenter()
    presenter = window.presenter
    assert presenter is not None and presenter.isVisible()
    presenter.activateWindow()
    assert QTest.qWaitForWindowActive(presenter)
    return window, presenter


def test_space_g_and_s_on_the_presenter_do_what_they_do_in_the_main_window(qapp) -> None:
    window, presenter = _window_with_presenter(qapp)

    async def main() -> dict[str, object]:
        seen: dict[str, object] = {}
        window.start()
        assert await _until(lambda: window.session is not None and window.running)
        await asyncio.sleep(0.2)
        # Space: pause, as in the main window (the same slot), and again to go on.
        QTest.keyClick(presenter, Qt.Key.Key_Space)
        seen["paused"] = window.clock is not None and window.clock.paused
        window.redraw()
        seen["paused_message"] = presenter.message
        QTest.keyClick(presenter, Qt.Key.Key_Space)
        seen["resumed"] = window.clock is not None and not window.clock.paused
        # G: the grounding pause; its words on the client's screen.
        QTest.keyClick(presenter, Qt.Key.Key_G)
        seen["grounding"] = window.grounding and window.clock is not None and window.clock.paused
        window.redraw()
        seen["grounding_message"] = presenter.message
        QTest.keyClick(presenter, Qt.Key.Key_G)
        seen["grounding_after"] = window.grounding
        # S: the session stops.
        QTest.keyClick(presenter, Qt.Key.Key_S)
        assert window.task is not None
        await asyncio.wait([window.task], timeout=10)
        seen["stopped"] = window.task.done() and not window.running
        return seen

    seen = run_on_qt(main, qapp)
    assert seen["paused"] and seen["resumed"]
    assert seen["paused_message"] == guidance()["cues"]["paused"]
    assert seen["grounding"] and not seen["grounding_after"]
    assert seen["grounding_message"] == guidance()["grounding"]["text"]
    assert seen["stopped"]
    window.close()
    assert window.presenter is None


def test_f_and_escape_make_the_presenter_full_screen_and_back(qapp) -> None:
    window, presenter = _window_with_presenter(qapp)
    QTest.keyClick(presenter, Qt.Key.Key_F)
    assert presenter.isFullScreen()
    assert not window.isFullScreen() and not window.in_focus  # the clinician's screen stays
    QTest.keyClick(presenter, Qt.Key.Key_F)
    assert not presenter.isFullScreen()
    QTest.keyClick(presenter, Qt.Key.Key_F)
    QTest.keyClick(presenter, Qt.Key.Key_Escape)
    assert not presenter.isFullScreen()
    window.close()


def test_the_presenter_button_and_its_own_close_both_forget_it(qapp) -> None:
    window, presenter = _window_with_presenter(qapp)
    presenter.close()  # the client closes their window
    assert window.presenter is None and not presenter._timer.isActive()
    window.toggle_presenter()  # one press opens it again
    second = window.presenter
    assert second is not None and second.isVisible()
    window.toggle_presenter()  # and one press closes it
    assert window.presenter is None
    window.close()


def test_ctrl_q_on_the_presenter_closes_both_windows(qapp) -> None:
    window, presenter = _window_with_presenter(qapp)
    QTest.keyClick(presenter, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible() and not presenter.isVisible()
    assert window.presenter is None


def test_closing_the_main_window_closes_the_presenter_and_run_window_returns(qapp) -> None:
    from resonant.gui.app import run_window

    seen: dict[str, object] = {}

    def open_presenter(window: MainWindow) -> None:
        window.with_choice(SIM)
        window.start()
        window.toggle_presenter()
        assert window.presenter is not None
        window.presenter.closed.connect(lambda: seen.__setitem__("presenter_closed", True))
        QTimer.singleShot(500, lambda: close_main(window))

    def close_main(window: MainWindow) -> None:
        seen["running"] = window.running
        window.close()

    when_shown(open_presenter, first_ms=300)
    watchdog(seen)  # only if the program would not end by itself
    t0 = time.monotonic()
    status = run_window(None, demo=True, save_settings=False)
    seen["returned"] = True
    assert "hung" not in seen, "run_window did not return after the main window closed"
    assert status == 0 and time.monotonic() - t0 < 30
    assert seen["running"] is True
    assert seen.get("presenter_closed") is True


SCRIPT = textwrap.dedent(
    """
    import sys
    from PyQt6.QtCore import Qt, QTimer
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from resonant.gui.app import run_window
    from resonant.gui.window import MainWindow
    from resonant.session.assemble import SimSpec, SourceSpec

    def window():
        return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

    def open_presenter():
        w = window()
        w.with_choice(SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="soothing", seed=7)))
        w.start()
        w.toggle_presenter()
        w.activateWindow()
        QTimer.singleShot(700, quit_with_keys)

    def quit_with_keys():
        w = window()
        print("presenter open:", w.presenter is not None and w.presenter.isVisible(), flush=True)
        QTest.keyClick(w, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
        if w.isVisible():  # the window was not active on this platform: close it as Ctrl+Q does
            w.close()

    QTimer.singleShot(500, open_presenter)
    status = run_window(None, demo=True, save_settings=False)
    print("returned", status, flush=True)
    sys.exit(status)
    """
)


def test_the_process_exits_when_the_main_window_closes_with_the_presenter_open(
    tmp_path: Path,
) -> None:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.qpa.*=false",
        XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=90, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert "presenter open: True" in proc.stdout
    assert "returned 0" in proc.stdout
    assert "Traceback" not in proc.stderr
