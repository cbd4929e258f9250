"""The window client first: the welcome, the practice and detail pages, the settings, keys
that always work, nothing clipped at 1280 x 720, consent changed later, and a kind end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from tests.gui.waiting import until as _until
from tests.gui.waiting import watchdog, when_shown
from resonant.config.settings import Settings, load_settings
from resonant.gui.app import default_size
from resonant.gui.qtloop import run_on_qt
from resonant.gui.window import MainWindow, practised
from resonant.model.practices import judging_words_in
from resonant.session.assemble import SimSpec, SourceSpec

SIM = SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="soothing", seed=7))


def _window(qapp, settings: Settings | None = None, **kw) -> MainWindow:
    window = MainWindow(
        settings or Settings(session_min=None, checkin=False, consent_recording=True),
        speed=kw.pop("speed", 40.0),
        **kw,
    )
    window.resize(1280, 720)
    window.show()
    window.activateWindow()
    assert QTest.qWaitForWindowActive(window)
    return window.with_choice(SIM)


def _press(key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the keyboard focus is, as a person's would land."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    QTest.keyClick(target, key, modifier)


# -- keys that always work ------------------------------------------------------------------------


def test_keys_work_after_a_mouse_click_on_start(qapp, tmp_path: Path) -> None:
    window = _window(qapp, record_dir=tmp_path / "sessions")

    async def main() -> dict[str, object]:
        seen: dict[str, object] = {}
        QTest.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        assert await _until(lambda: window.session is not None and window.running)
        seen["focus"] = QApplication.focusWidget()
        await asyncio.sleep(0.2)
        _press(Qt.Key.Key_Space)  # pauses (the focused Stop button is not pressed)
        seen["paused"] = window.running and window.clock.paused
        _press(Qt.Key.Key_Space)
        seen["resumed"] = window.running and not window.clock.paused
        _press(Qt.Key.Key_G)
        seen["grounding"] = window.grounding
        _press(Qt.Key.Key_G)
        _press(Qt.Key.Key_M)
        _press(Qt.Key.Key_D)
        seen["page"] = window.ui.page()
        _press(Qt.Key.Key_D)
        _press(Qt.Key.Key_S)
        await asyncio.wait([window.task], timeout=10)
        seen["stopped"] = not window.running
        return seen

    try:
        seen = run_on_qt(main, qapp)
    finally:
        window.close()
    assert seen["focus"] is window.start_button  # where a mouse click leaves the focus
    assert seen["paused"] and seen["resumed"] and seen["grounding"]
    assert seen["page"] == "detail" and seen["stopped"]
    from resonant.folder.read import read_events

    [folder] = (tmp_path / "sessions").iterdir()
    assert [e.kind for e in read_events(folder)].count("marker") == 1


def test_keys_work_while_a_spin_box_in_the_settings_has_the_focus(qapp) -> None:
    window = _window(qapp)

    async def main() -> dict[str, object]:
        seen: dict[str, object] = {}
        window.start()
        assert await _until(lambda: window.session is not None and window.running)
        window.show_settings()
        dialog = window.settings_dialog
        dialog.activateWindow()
        assert QTest.qWaitForWindowActive(dialog)
        window.length_spin.setFocus()
        assert await _until(lambda: QApplication.focusWidget() is window.length_spin)
        before = window.length_spin.value()
        _press(Qt.Key.Key_Space)
        seen["paused"] = window.clock.paused
        _press(Qt.Key.Key_Space)
        _press(Qt.Key.Key_Up)  # the spin box's own keys stay its own
        seen["length_changed"] = window.length_spin.value() == before + 1
        window.pace_spin.setFocus()
        _press(Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
        seen["marker_dialog"] = window.marker_dialog is not None
        assert QTest.qWaitForWindowActive(window.marker_dialog)
        edit = window.marker_dialog.findChild(QLineEdit)
        QTest.keyClick(edit, Qt.Key.Key_S)  # in the label's text field: a letter, not Stop
        seen["typed"] = window.running and window.marker_dialog.textValue() == "s"
        window.marker_dialog.reject()  # the marker stays, without words
        window.pace_spin.setFocus()
        dialog.activateWindow()
        assert QTest.qWaitForWindowActive(dialog)
        _press(Qt.Key.Key_S)
        await asyncio.wait([window.task], timeout=10)
        seen["stopped"] = not window.running
        seen["pace"] = window.pace_spin.value()
        return seen

    try:
        seen = run_on_qt(main, qapp)
    finally:
        window.close()
    assert seen == {
        "paused": True, "length_changed": True, "marker_dialog": True, "typed": True,
        "stopped": True, "pace": 6.0,
    }  # fmt: skip


def test_keys_on_the_welcome_page_start_nothing(qapp) -> None:
    window = _window(qapp, Settings(session_min=None, checkin=False))
    try:
        window.first_run()
        assert window.ui.page() == "welcome"
        for key in (Qt.Key.Key_D, Qt.Key.Key_M, Qt.Key.Key_N, Qt.Key.Key_G):
            QTest.keyClick(window, key)
        assert not window.running and window.ui.page() == "welcome"
        QTest.keyClicks(window.welcome.participant, "DMS G")  # a text field keeps its letters
        assert window.welcome.participant.text() == "DMS G" and not window.running
        window.welcome.begin_button.setFocus()
        assert QApplication.focusWidget() is window.welcome.begin_button
        _press(Qt.Key.Key_Space)  # Space presses the focused Begin: nothing starts
        assert not window.running and window.ui.page() == "practice"
    finally:
        window.close()


# -- nothing clipped -----------------------------------------------------------------------------


def _clipped(root: QWidget) -> list[str]:
    """Every visible label, button or check box whose text does not fit its geometry."""
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, (QLabel, QAbstractButton)):
            continue
        if w.window() is not root:  # another window (the settings, checked on their own)
            continue
        text = w.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not text or (isinstance(w, QLabel) and w.textFormat() == Qt.TextFormat.RichText):
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or "<" in text):
            if w.wordWrap() and w.heightForWidth(w.contentsRect().width()) > w.height() + 1:
                out.append(f"{w.objectName() or type(w).__name__} {text!r} (height)")
            continue
        width = w.fontMetrics().horizontalAdvance(text)
        room = w.contentsRect().width()
        if isinstance(w, QAbstractButton):
            need = w.sizeHint().width()  # the text, its icon or box and the style's margins
            if w.width() < need or width > room:
                out.append(f"{type(w).__name__} {text!r} {w.width()} < {need}")
        elif width > room:
            out.append(f"QLabel {text!r} {room} < {width}")
    return out


def test_nothing_is_clipped_at_1280_by_720(qapp) -> None:
    window = _window(qapp, speed=200.0)
    window.show_settings()

    async def main() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        window.start()
        await _until(lambda: window.session and window.session.snapshot().elapsed_s > 70)
        window.redraw()
        window.tiles.fill(window.session.snapshot(), window.source_label)
        for page in ("practice", "detail"):
            window.show_page(page)
            await asyncio.sleep(0.1)
            found[page] = _clipped(window)
        found["settings"] = _clipped(window.settings_dialog)
        window.stop()
        await asyncio.wait([window.task], timeout=10)
        window.show_page("practice")
        await asyncio.sleep(0.1)
        found["summary"] = _clipped(window)
        window.first_run()
        await asyncio.sleep(0.1)
        found["welcome"] = _clipped(window)
        return found

    try:
        found = run_on_qt(main, qapp)
        size = (window.width(), window.height())
    finally:
        window.close()
    assert size == (1280, 720)  # the window fits: it needs no more
    assert found == {p: [] for p in ("practice", "detail", "settings", "summary", "welcome")}


# -- consent changed later, the welcome first ----------------------------------------------------


def test_a_declined_consent_can_be_changed_in_the_settings(qapp, tmp_path: Path) -> None:
    window = _window(
        qapp, Settings(session_min=None, checkin=False, consent_recording=False),
        record_dir=tmp_path / "sessions",
    )  # fmt: skip
    try:
        assert window.record_check.isEnabled() and not window.record_check.isChecked()
        assert "chose not to record" in window.settings_dialog.consent_text.text()
        window.show_settings()
        window.record_check.click()
        box = window.consent_box
        assert box is not None and not window.record_check.isChecked()  # asked first
        box.done(QMessageBox.StandardButton.Yes)
        assert window.record_check.isChecked() and window.settings.consent_recording is True
        saved = load_settings()[0]
        assert saved.consent_recording is True and saved.consent_utc is not None
        assert "agreed to recording" in window.settings_dialog.consent_text.text()
        spec = window.spec_from_controls()
        assert spec is not None and spec.record and spec.consent["recording"] is True
        # A no to the question leaves things as they were.
        window.set_consent(False)
        window.record_check.click()
        window.consent_box.done(QMessageBox.StandardButton.No)
        assert not window.record_check.isChecked() and load_settings()[0].consent_recording is False
    finally:
        window.close()


def test_the_welcome_comes_first_and_the_demo_starts_after_begin(qapp) -> None:
    from resonant.gui.app import run_window
    from resonant.session.assemble import SessionSpec

    seen: dict[str, object] = {}

    def look(w: MainWindow) -> None:
        seen["page"], seen["running"] = w.ui.page(), w.running
        seen["texts"] = " ".join(label.text() for label in w.welcome.findChildren(QLabel))
        w.welcome.consent.setChecked(False)
        QTest.mouseClick(w.welcome.begin_button, Qt.MouseButton.LeftButton)
        QTimer.singleShot(600, lambda: after(w))

    def after(w: MainWindow) -> None:
        seen["after"], seen["running_after"] = w.ui.page(), w.running
        w.close()

    spec = SessionSpec(source=SIM, speed=20.0)
    when_shown(look)
    watchdog(seen)
    assert run_window(spec, demo=True, save_settings=False) == 0
    seen["returned"] = True
    assert "hung" not in seen
    assert seen["page"] == "welcome" and seen["running"] is False
    assert "not a medical device" in str(seen["texts"])
    assert seen["after"] == "practice" and seen["running_after"] is True
    saved = load_settings()[0]  # the answer is kept, even by the demo
    assert saved.consent_recording is False and saved.consent_utc is not None


# -- the end of a session --------------------------------------------------------------------------


def test_after_stop_the_guide_rests_the_signal_has_ended_and_a_kind_summary_shows(
    qapp, tmp_path: Path
) -> None:
    window = _window(qapp, speed=100.0, record_dir=tmp_path / "sessions")

    async def main() -> None:
        window.start()
        await _until(lambda: window.session and window.session.snapshot().elapsed_s > 90)
        window.redraw()
        window.tiles.fill(window.session.snapshot(), window.source_label)
        assert window.tiles.quality.value.text() == "streaming"
        QTest.keyClick(window, Qt.Key.Key_S)
        await asyncio.wait([window.task], timeout=10)
        await asyncio.sleep(0.1)
        window.redraw()

    try:
        run_on_qt(main, qapp)
        assert window.pacer_view.resting
        assert window.tiles.quality.value.text() == "ended"
        assert window.summary.isVisible() and window.start_button.text() == "Start"
        text = window.summary_text.text()
        elapsed = window.last_summary.elapsed_s
        assert f"You practised for {practised(elapsed)}." in text
        assert not judging_words_in(text)
        assert window.report_button.isVisible()
        path = window.open_report(show=False)
        assert path is not None and path.is_file() and "<html" in path.read_text().lower()
        window.see_details_button.click()
        assert window.ui.page() == "detail"
    finally:
        window.close()


def test_a_protocol_opens_in_the_detail_and_d_goes_back(qapp) -> None:
    window = _window(qapp, speed=200.0)
    window.protocol_combo.setCurrentIndex(window.protocol_combo.findData("threat-soothing"))

    async def main() -> str:
        window.start()
        await _until(lambda: window.running)
        page = window.ui.page()
        window.stop()
        await asyncio.wait([window.task], timeout=10)
        return page

    try:
        assert run_on_qt(main, qapp) == "detail"
        if window.compare_dialog is not None:  # a window-modal dialog keeps the keys
            window.compare_dialog.close()
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
        QTest.keyClick(window, Qt.Key.Key_D)
        assert window.ui.page() == "practice" and window.pacer_view.isVisible()
    finally:
        window.close()


# -- sizes -------------------------------------------------------------------------------------


def test_the_default_size_comes_from_the_screen_and_is_remembered(qapp) -> None:
    assert default_size((1920, 1040), (None, None)) == (1536, 832)
    assert default_size((1366, 728), (None, None)) == (1280, 720)  # at least 1280 x 720
    assert default_size((1024, 600), (None, None)) == (1024, 600)  # where the screen allows
    assert default_size((1920, 1040), (1500, 900)) == (1500, 900)  # as it was left
    assert default_size((1280, 700), (1500, 900)) == (1280, 700)  # fitted to a smaller screen
    window = MainWindow(Settings(), save=True)
    window.resize(1300, 760)
    window.show()
    window.close()
    saved = load_settings()[0]
    assert (saved.window_width, saved.window_height) == (1300, 760)


def test_practised_says_a_length_in_words() -> None:
    assert practised(0) == "0 seconds"
    assert practised(61) == "1 minute 1 second"
    assert practised(600) == "10 minutes"


def test_lsl_this_computer_only_sits_beside_the_lsl_box_and_maps_as_lsl_local(
    qapp, monkeypatch
) -> None:
    """Issue 18: the window's machine-only LSL choice, as ``--lsl-local``: SessionSpec.lsl
    on, and liblsl's machine-only configuration named by LSLAPICFG before pylsl loads."""
    import os
    import sys

    from resonant.session.lsl import MACHINE_ONLY_CONFIG

    monkeypatch.setenv("LSLAPICFG", "")  # recorded, so the test's own value is undone
    monkeypatch.delenv("LSLAPICFG")
    window = _window(qapp)
    try:
        sd = window.settings_dialog
        local, lsl = sd.lsl_local_check, sd.lsl_check
        assert window.lsl_local_check is local and not local.isChecked()
        assert local.parentWidget() is lsl.parentWidget()  # beside the LSL box
        for words in ("anyone on the network can list the streams and read them",
                      "The participant id, the check-in and journal notes are not published"):
            assert words in lsl.toolTip()  # fmt: skip
        for words in ("only programs on this computer", "every IPv4 interface", "a firewall"):
            assert words in local.toolTip()
        spec = window.spec_from_controls()
        assert spec is not None and not spec.lsl and "LSLAPICFG" not in os.environ
        local.setChecked(True)
        assert lsl.isChecked()  # this computer only implies LSL, as --lsl-local implies --lsl
        spec = window.spec_from_controls()
        assert spec is not None and spec.lsl
        config = os.environ["LSLAPICFG"]
        with open(config, encoding="utf-8") as f:
            assert f.read() == MACHINE_ONLY_CONFIG
        assert window.spec_from_controls() is not None  # once: the same file again
        assert os.environ["LSLAPICFG"] == config
        lsl.setChecked(False)
        assert not local.isChecked()
        # Once pylsl has loaded on the network it cannot be kept here: said, nothing started.
        window.lsl_local_config = None
        monkeypatch.setitem(sys.modules, "pylsl", object())
        local.setChecked(True)
        assert window.spec_from_controls() is None
        assert "start resonant again" in window.statusBar().currentMessage()
    finally:
        window.close()
