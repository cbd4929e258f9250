"""The care around a practice, walked through in the window: first run, consent, a
practice in eyes-closed mode, the grounding pause, and the check-in before and after."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QLabel

from resonant.gui.window import MainWindow
from resonant.session.assemble import SimSpec, SourceSpec
from resonant.model.practices import guidance, practices
from resonant.gui.qtloop import run_on_qt
from resonant.config.settings import Settings, load_settings


def test_first_run_consent_practice_eyes_closed_and_check_in(qapp, tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    window = MainWindow(Settings(session_min=None), speed=60.0, record_dir=tmp_path / "sessions")
    window.resize(1400, 860)
    window.show()
    window.with_choice(SourceSpec("sim", (), SimSpec(resonance_bpm=5.5, state="soothing", seed=1)))
    assert not window.record_check.isEnabled()  # nothing is recorded before consent

    async def main():
        # First run: what resonant is and is not, recording, safety, consent.
        window.first_run()
        await asyncio.sleep(0.1)
        first = window.first_run_dialog
        first.grab().save(str(shots / "first-run.png"))
        texts = " ".join(w.text() for w in first.findChildren(QLabel))
        first.consent.setChecked(True)
        first.participant.setText("P07")
        first.accept()
        await asyncio.sleep(0.1)
        # A practice, eyes closed.
        window.practice_combo.setCurrentIndex(
            window.practice_combo.findData("soothing-rhythm-breathing")
        )
        window.eyes_closed_check.setChecked(True)
        # The check-in before.
        window.start()
        await asyncio.sleep(0.1)
        before = window.checkin_dialog
        before.calm.setValue(3)
        before.self_critical.setValue(7)
        before.grab().save(str(shots / "check-in.png"))
        before.accept()
        for _ in range(200):
            await asyncio.sleep(0.05)
            if window.session and window.session.snapshot().elapsed_s > 70:
                break
        window.redraw()
        window.grab().save(str(shots / "eyes-closed.png"))
        prompt = window.instruction.text()
        # A grounding pause, then on.
        window.grounding_pause()
        paused_at = window.clock.now()
        await asyncio.sleep(0.2)
        grounding_text = window.instruction.text()
        assert window.clock.now() == paused_at
        window.grounding_pause()
        window.stop()
        await asyncio.wait([window.task], timeout=5)
        await asyncio.sleep(0.1)
        after = window.checkin_dialog
        after.calm.setValue(8)
        after.self_critical.setValue(3)
        after.journal.setPlainText("Softer than I expected.")
        after.accept()
        await asyncio.sleep(0.1)
        return texts, prompt, grounding_text

    texts, prompt, grounding_text = run_on_qt(main, qapp)
    g = guidance()
    assert g["first_run"]["about"] in texts and g["safety"]["text"] in texts
    settings, _ = load_settings()
    assert settings.consent_recording is True and settings.participant == "P07"
    assert settings.eyes_closed is True and settings.first_session_done is True
    assert window.record_check.isChecked() and not window.right.isVisible()
    assert prompt in [t for _, t in practices()["soothing-rhythm-breathing"].prompts]
    assert grounding_text == g["grounding"]["text"]
    [folder] = (tmp_path / "sessions").iterdir()
    meta = json.loads((folder / "session.json").read_text())
    assert meta["participant"] == "P07" and meta["consent"]["recording"] is True
    assert meta["checkin"] == {
        "before": {"calm": 3, "self_critical": 7},
        "after": {"calm": 8, "self_critical": 3, "journal": "Softer than I expected."},
    }
    for name in ("first-run.png", "check-in.png", "eyes-closed.png"):
        assert (tmp_path / "shots" / name).stat().st_size > 5_000
    window.close()


@pytest.mark.parametrize("after", [False, True])
def test_check_in_scales_start_unanswered_and_save_as_none(qapp, after: bool) -> None:
    from resonant.gui.care import NOT_ANSWERED, CheckInDialog

    dialog = CheckInDialog(after=after)
    dialog.show()
    texts = [w.text() for w in dialog.findChildren(QLabel)]
    assert texts.count(NOT_ANSWERED) == 2
    assert dialog.answers() == {"calm": None, "self_critical": None}
    untouched = dialog.calm.grab().toImage()
    dialog.self_critical.setValue(5)  # the middle, chosen, is an answer
    assert dialog.answers() == {"calm": None, "self_critical": 5}
    assert texts.count(NOT_ANSWERED) == 2 and dialog.calm.answer is None
    dialog.close()
    # No handle is drawn until the scale is answered.
    dialog.calm.setValue(dialog.calm.value())
    assert dialog.calm.grab().toImage() != untouched


def test_a_click_answers_with_the_value_under_the_pointer(qapp) -> None:
    from resonant.gui.care import CheckInDialog

    dialog = CheckInDialog(after=False)
    dialog.resize(520, 240)
    dialog.show()
    slider = dialog.calm
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(slider.width() - 3, slider.height() // 2))  # fmt: skip
    assert slider.answer == 10
    QTest.keyClick(dialog.self_critical, Qt.Key.Key_Left)  # keys answer from the middle
    assert dialog.answers() == {"calm": 10, "self_critical": 4}
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    assert "10" in labels and "4" in labels
    dialog.close()


def test_eyes_closed_is_as_it_was_left_when_the_window_opens(qapp) -> None:
    """The setting is restored at open: the box ticked and the words said, without
    storing anything or moving away from the page the window opens on."""
    from resonant.config.settings import save_settings
    from resonant.gui.app import run_window
    from resonant.gui.tone import eyes_closed_text
    from tests.gui.waiting import watchdog, when_shown

    save_settings(Settings(eyes_closed=True, consent_recording=True, checkin=False))
    seen: dict[str, object] = {}

    def look(w: MainWindow) -> None:
        seen["checked"] = w.eyes_closed_check.isChecked()
        seen["text"] = w.instruction.text()
        seen["tones"] = w.tone_check.isEnabled()
        w.close()

    when_shown(look)
    watchdog(seen)
    assert run_window(None, save_settings=False) == 0
    seen["returned"] = True
    assert "hung" not in seen
    assert seen["checked"] is True
    assert eyes_closed_text(bool(seen["tones"])) in str(seen["text"])
    assert load_settings()[0].eyes_closed is True
