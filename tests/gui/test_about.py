"""The settings' data folder (shown, opened, made owner-only) and the About dialog."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from PyQt6.QtCore import QUrl
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QLabel

from tests.conftest import ROOT
from tests.gui.test_views import _clipped
from resonant._version import __version__
from resonant.config.paths import sessions_dir
from resonant.config.settings import Settings
from resonant.gui.about import AboutDialog
from resonant.gui.layout import WelcomePage
from resonant.gui.settings_dialog import SettingsDialog
from resonant.gui.window import MainWindow
from resonant.model.practices import guidance


def _texts(root) -> str:
    return "\n".join(w.text() for w in root.findChildren(QLabel))


def test_about_says_the_version_the_licence_what_it_is_not_and_where_help_is(qapp) -> None:
    about = AboutDialog()
    try:
        text = _texts(about)
        assert f"Version {__version__}" in text and "MIT licence" in text
        assert "clinician" in text and "docs" in text and "README" in text
        # The welcome page's own words: one place for what resonant is and is not.
        words = guidance()["first_run"]["about"]
        assert "not a medical device" in words
        assert about.about_text.text() == words and words in _texts(WelcomePage())
        assert not about.isModal()
    finally:
        about.close()


def test_the_settings_show_where_sessions_are_kept(qapp, tmp_path: Path) -> None:
    dialog = SettingsDialog()
    assert dialog.data_folder == sessions_dir()  # the private XDG_DATA_HOME of the tests
    assert dialog.data_folder_edit.text() == str(sessions_dir())
    assert dialog.data_folder_edit.isReadOnly()
    window = MainWindow(Settings(checkin=False, consent_recording=True), save=False,
                        record_dir=tmp_path / "elsewhere")  # fmt: skip
    try:
        assert window.settings_dialog.data_folder == tmp_path / "elsewhere"
    finally:
        window.close()


def test_open_folder_makes_the_folder_owner_only_and_opens_it(qapp, tmp_path: Path) -> None:
    dialog = SettingsDialog()
    opened: list[QUrl] = []
    dialog.url_opener = lambda url: opened.append(url) or True
    folder = tmp_path / "new" / "sessions"
    dialog.set_data_folder(folder)
    dialog.open_folder_button.click()
    assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert [u.toLocalFile() for u in opened] == [str(folder)]
    assert dialog.folder_note.isHidden()
    # No file manager: a calm note, the path stays to copy.
    dialog.url_opener = lambda url: False
    assert dialog.open_data_folder() is False
    assert "file manager" in dialog.folder_note.text() and not dialog.folder_note.isHidden()
    # A file where the folder should be: said, nothing opened.
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    dialog.set_data_folder(blocked / "sessions")
    dialog.url_opener = lambda url: opened.append(url) or True
    assert dialog.open_data_folder() is False and len(opened) == 1
    assert "cannot be made" in dialog.folder_note.text()


def test_nothing_is_clipped_in_the_settings_or_about_at_1280_by_720(qapp, tmp_path: Path) -> None:
    long_path = tmp_path / ("a-rather-long-folder-name-" * 6) / "sessions"
    window = MainWindow(Settings(checkin=False, consent_recording=True), save=False,
                        record_dir=long_path)  # fmt: skip
    window.resize(1280, 720)
    window.show()
    try:
        window.show_settings()
        settings = window.settings_dialog
        assert QTest.qWaitForWindowExposed(settings)
        settings.about_button.click()
        about = settings.about_dialog
        assert about is not None and QTest.qWaitForWindowExposed(about)
        QTest.qWait(50)
        assert _clipped(settings) == [] and _clipped(about) == []
        for w in (settings, about):  # each fits on a 1280 x 720 screen
            assert w.width() <= 1280 and w.height() <= 720, (w, w.size())
        assert about.windowTitle() == "About resonant"
    finally:
        window.close()


# The same check in a real X11 window (Xvfb, Qt's xcb platform, the system's fonts), where
# a wrapped note needs more height than offscreen: the settings and About, at 1280 x 720.
_CHILD = """
import json, sys
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication
from resonant.config.settings import Settings
from resonant.gui.app import use_app_icon
from resonant.gui.window import MainWindow
from tests.gui.test_views import _clipped

app = QApplication(["resonant"])
app.setApplicationName("resonant")
use_app_icon(app)
window = MainWindow(Settings(checkin=False, consent_recording=True), save=False)
window.resize(1280, 720)
window.show()
window.show_settings()
settings = window.settings_dialog
QTest.qWaitForWindowExposed(settings)
settings.about_button.click()
about = settings.about_dialog
QTest.qWaitForWindowExposed(about)
QTest.qWait(200)
found = {"settings": _clipped(settings), "about": _clipped(about),
         "sizes": [[w.width(), w.height()] for w in (settings, about)],
         "icon": not window.windowIcon().isNull()}
settings.grab().save(sys.argv[1] + "/settings.png")
about.grab().save(sys.argv[1] + "/about.png")
window.close()
print(json.dumps(found))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="xvfb-run is not installed (./dev.sh test installs it)")
def test_nothing_is_clipped_in_a_real_x11_window(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_QPA", "DISPLAY"))}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
            "QT_QPA_PLATFORM": "xcb", "QT_LOGGING_RULES": "qt.qpa.*=false"}  # fmt: skip
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x720x24", sys.executable, "-c", _CHILD,
           str(tmp_path)]  # fmt: skip
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["settings"] == [] and found["about"] == [] and found["icon"]
    assert all(w <= 1280 and h <= 720 for w, h in found["sizes"]), found["sizes"]
