"""The settings, in a non-modal dialog: the guide, the practice, recording and the look.

The window opens with just what is needed to begin; everything that shapes a session
lives here: the source, the guide's pace, in:out ratio, holds and length, the guide on or
off, following the person, the tone, eyes-closed mode, a guided practice, the coherence
challenge level, recording (and the consent behind it), LSL, the theme and the text size,
where the sessions are kept (with a button that opens that folder), and About. The
accepted resonance rate is said in words. The dialog holds the widgets and
:mod:`resonant.gui.window` connects them (it keeps each one as an attribute of its own);
only opening the data folder and the About dialog, which touch nothing of the session,
are done here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PyQt6.QtCore import Qt, QUrl
from PyQt6.QtGui import QDesktopServices
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from resonant.config.paths import sessions_dir
from resonant.model.atomic import make_private_folder, os_error_reason
from resonant.model.pacer import RATIO_PRESETS
from resonant.model.practices import guidance

__all__ = ["SettingsDialog"]


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("muted")
    return label


class SettingsDialog(QDialog):
    """Every setting of a session, grouped: source, guide, practice, recording, look.

    Parameters
    ----------
    source_text : str
        The source chosen, in words.
    practice_items : sequence of (title, name)
        The guided practices offered after "no guided practice" (whose data is None).
    parent : QWidget or None
        The trainer window (the dialog stays a window of its own, non-modal).

    Attributes
    ----------
    data_folder : Path
        The folder shown under Your files and opened by **Open folder** (default
        :func:`resonant.config.paths.sessions_dir`; :meth:`set_data_folder`).
    url_opener : callable
        Opens a folder's URL in the desktop's file manager, True when it could
        (``QDesktopServices.openUrl``; tests replace it).
    about_dialog : AboutDialog or None
        The About dialog, once opened.
    """

    def __init__(
        self,
        source_text: str = "",
        practice_items: Sequence[tuple[str, str]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("resonant — settings")
        self.setModal(False)
        grid = QGridLayout()
        grid.addWidget(self._source_box(source_text), 0, 0)
        grid.addWidget(self._guide_box(), 1, 0, 2, 1)
        grid.addWidget(self._practice_box(practice_items), 0, 1, 2, 1)
        grid.addWidget(self._recording_box(), 2, 1)
        grid.addWidget(self._look_box(), 3, 0, 1, 2)
        grid.addWidget(self._files_box(), 4, 0, 1, 2)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.safety_button = QPushButton(guidance()["safety"]["title"])
        buttons.addButton(self.safety_button, QDialogButtonBox.ButtonRole.HelpRole)
        self.about_button = QPushButton("About")
        self.about_button.setToolTip("The version, the licence and where to find help")
        self.about_button.clicked.connect(self.show_about)
        buttons.addButton(self.about_button, QDialogButtonBox.ButtonRole.HelpRole)
        lay.addWidget(buttons)
        self.about_dialog: QDialog | None = None
        self.url_opener: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.data_folder = sessions_dir()
        self.set_data_folder(self.data_folder)

    def _source_box(self, source_text: str) -> QGroupBox:
        box = QGroupBox("Source")
        row = QHBoxLayout(box)
        self.source_text = QLabel(source_text)
        self.source_button = QPushButton("Choose...")
        self.source_button.setToolTip(
            "The simulated strap, a strap, or a recording (Ctrl+O)"
        )
        row.addWidget(self.source_text, 1)
        row.addWidget(self.source_button)
        return box

    def _guide_box(self) -> QGroupBox:
        box = QGroupBox("The guide")
        form = QFormLayout(box)
        self.pace_spin = QDoubleSpinBox()
        self.pace_spin.setRange(3.0, 10.0)
        self.pace_spin.setSingleStep(0.1)
        self.pace_spin.setDecimals(1)
        self.pace_spin.setSuffix(" /min")
        self.ratio_combo = QComboBox()
        self.ratio_combo.setEditable(True)
        self.ratio_combo.addItems(list(RATIO_PRESETS))
        self.hold_in_spin = QDoubleSpinBox()
        self.hold_out_spin = QDoubleSpinBox()
        for sp in (self.hold_in_spin, self.hold_out_spin):
            sp.setRange(0.0, 2.0)
            sp.setSingleStep(0.5)
            sp.setDecimals(1)
            sp.setSuffix(" s")
        self.length_spin = QDoubleSpinBox()
        self.length_spin.setRange(0.0, 240.0)
        self.length_spin.setDecimals(0)
        self.length_spin.setSpecialValueText("no set length")
        self.length_spin.setSuffix(" min")
        self.resonance_text = _note()
        form.addRow("Pace", self.pace_spin)
        form.addRow(self.resonance_text)
        form.addRow("In:out", self.ratio_combo)
        form.addRow("Hold in", self.hold_in_spin)
        form.addRow("Hold out", self.hold_out_spin)
        form.addRow("Length", self.length_spin)
        self.guide_check = QCheckBox("Show the guide")
        self.guide_check.setChecked(True)
        self.guide_check.setToolTip(
            "The breathing guide, from the next session (off: free breathing)"
        )
        self.adaptive_check = QCheckBox("Follow me")
        self.adaptive_check.setToolTip(
            "Let the guide follow you: at most 0.5 breaths/min every 2 minutes (smaller once "
            "it turns back), toward the rate with the largest heart-rate swing, only while "
            "you follow it"
        )
        self.tone_check = QCheckBox("A soft tone at each turn")
        self.tone_note = _note()
        self.tone_note.hide()
        for w in (self.guide_check, self.adaptive_check, self.tone_check, self.tone_note):
            form.addRow(w)
        return box

    def _practice_box(self, practice_items: Sequence[tuple[str, str]]) -> QGroupBox:
        box = QGroupBox("Your practice")
        form = QFormLayout(box)
        self.practice_combo = QComboBox()
        self.practice_combo.addItem("no guided practice", None)
        for title, name in practice_items:
            self.practice_combo.addItem(title, name)
        form.addRow("Practice", self.practice_combo)
        self.eyes_closed_check = QCheckBox("Eyes closed")
        self.eyes_closed_check.setToolTip(guidance()["eyes_closed"]["text"])
        form.addRow(self.eyes_closed_check)
        self.level_combo = QComboBox()
        self.level_combo.addItems([f"level {k}" for k in (1, 2, 3, 4)])
        self.level_combo.setToolTip("How much rhythm the coherence tile calls medium and high")
        form.addRow("Challenge", self.level_combo)
        return box

    def _recording_box(self) -> QGroupBox:
        box = QGroupBox("Recording")
        form = QFormLayout(box)
        self.record_check = QCheckBox("Record sessions")
        self.consent_text = _note()
        self.lsl_check = QCheckBox("LSL streams")
        self.lsl_check.setToolTip(
            "Publish beats, metrics, guide phases and markers as Lab Streaming Layer streams "
            "(for LabRecorder), from the next session. LSL has no authentication and no "
            "encryption: anyone on the network can list the streams and read them (the "
            "stream names, the session label, the start time and each strap's name, "
            "address, model and firmware, then every beat, metric, guide phase and marker "
            "as it happens). The participant id, the check-in and journal notes are not "
            "published."
        )
        # As --lsl-local: LSL on (the same SessionSpec.lsl), its discovery kept to this machine.
        self.lsl_local_check = QCheckBox("This computer only")
        self.lsl_local_check.setToolTip(
            "LSL streams kept to this machine (as --lsl-local): only programs on this "
            "computer (LabRecorder beside it) find the streams. liblsl still opens each "
            "stream's data ports on every IPv4 interface; a program elsewhere does not "
            "learn them without discovery, and a firewall is what closes them. It holds "
            "until resonant is started again."
        )
        self.lsl_local_check.toggled.connect(self._lsl_local_toggled)
        self.lsl_check.toggled.connect(self._lsl_toggled)
        lsl_row = QHBoxLayout()
        lsl_row.addWidget(self.lsl_check)
        lsl_row.addWidget(self.lsl_local_check)
        lsl_row.addStretch(1)
        for w in (self.record_check, self.consent_text):
            form.addRow(w)
        form.addRow(lsl_row)
        return box

    def _files_box(self) -> QGroupBox:
        box = QGroupBox("Your files")
        form = QFormLayout(box)
        self.data_folder_edit = QLineEdit()
        self.data_folder_edit.setReadOnly(True)  # a long path scrolls; it can be copied
        self.open_folder_button = QPushButton("Open folder")
        self.open_folder_button.setToolTip("Show your sessions in the file manager")
        self.open_folder_button.clicked.connect(self.open_data_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder_edit, 1)
        folder_row.addWidget(self.open_folder_button)
        form.addRow("Sessions are kept in", folder_row)
        self.folder_note = _note()
        self.folder_note.hide()
        form.addRow(self.folder_note)
        return box

    def set_data_folder(self, folder: Path) -> None:
        """Show ``folder`` as where the sessions are kept (and open it on **Open folder**)."""
        self.data_folder = Path(folder)
        self.data_folder_edit.setText(str(self.data_folder))
        self.data_folder_edit.setCursorPosition(0)
        self.data_folder_edit.setToolTip(str(self.data_folder))

    def open_data_folder(self) -> bool:
        """Open the data folder in the file manager, making it first (owner-only) if missing.

        Returns True when the desktop opened it; otherwise a short note under the path
        says why (the path itself stays there to copy).
        """
        try:
            make_private_folder(self.data_folder)
        except OSError as exc:
            return self._folder_problem(
                f"The folder cannot be made here ({os_error_reason(exc)})."
            )
        if not self.url_opener(QUrl.fromLocalFile(str(self.data_folder))):
            return self._folder_problem(
                "No file manager answered on this computer; the path above can be copied."
            )
        self.folder_note.hide()
        return True

    def _folder_problem(self, sentence: str) -> bool:
        self.folder_note.setText(sentence)
        self.folder_note.show()
        return False

    def show_about(self) -> None:
        """Show the About dialog (non-modal), made on first use."""
        from resonant.gui.about import AboutDialog

        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self)
        self.about_dialog.show()
        self.about_dialog.raise_()
        self.about_dialog.activateWindow()

    def _lsl_local_toggled(self, on: bool) -> None:
        if on:  # this machine only implies LSL, as --lsl-local implies --lsl
            self.lsl_check.setChecked(True)

    def _lsl_toggled(self, on: bool) -> None:
        if not on:
            self.lsl_local_check.setChecked(False)

    def _look_box(self) -> QGroupBox:
        box = QGroupBox("Look")
        row = QHBoxLayout(box)
        self.theme_button = QPushButton("Dark")
        self.theme_button.setToolTip("Light or dark colours")
        self.smaller_text_button = QPushButton("Smaller text")
        self.smaller_text_button.setToolTip("Ctrl+-")
        self.larger_text_button = QPushButton("Larger text")
        self.larger_text_button.setToolTip("Ctrl++")
        row.addWidget(QLabel("Theme"))
        row.addWidget(self.theme_button)
        row.addSpacing(16)
        row.addWidget(QLabel("Text"))
        row.addWidget(self.smaller_text_button)
        row.addWidget(self.larger_text_button)
        row.addStretch(1)
        return box

    def show_near(self, anchor: QWidget) -> None:
        """Show the dialog (non-modal) beside ``anchor``'s window and bring it forward."""
        if not self.isVisible():
            self.adjustSize()
            lay = self.layout()
            if lay is not None and lay.hasHeightForWidth():  # wrapped notes: all their lines
                self.resize(self.width(), max(self.height(), lay.totalHeightForWidth(self.width())))
            window = anchor.window()
            if window is not None:
                geo = window.geometry()
                self.move(
                    geo.x() + max(0, geo.width() - self.width() - 24),
                    geo.y() + 48,
                )
        self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
