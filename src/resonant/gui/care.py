"""First run, consent, safety and the check-in: the care around a practice.

Every sentence comes from the guidance data (:func:`resonant.model.practices.guidance`).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from resonant.model.practices import guidance

__all__ = ["FirstRunDialog", "CheckInDialog", "SafetyDialog"]


def _para(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class FirstRunDialog(QDialog):
    """What resonant is and is not, what it records and where, safety, and consent."""

    def __init__(self, participant: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = guidance()
        self.setWindowTitle(g["first_run"]["title"])
        lay = QVBoxLayout(self)
        title = QLabel(f"<h2>{g['first_run']['title']}</h2>")
        lay.addWidget(title)
        for text in (g["first_run"]["about"], g["first_run"]["privacy"]):
            lay.addWidget(_para(text))
        lay.addWidget(QLabel(f"<b>{g['safety']['title']}</b>"))
        lay.addWidget(_para(g["safety"]["text"]))
        self.consent = QCheckBox(g["first_run"]["consent"])
        lay.addWidget(self.consent)
        lay.addWidget(QLabel(g["first_run"]["participant"]))
        self.participant = QLineEdit(participant or "")
        lay.addWidget(self.participant)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None  # the box was made with an Ok button
        ok.setText(g["first_run"]["continue"])
        buttons.accepted.connect(self.accept)
        lay.addWidget(buttons)
        self.resize(620, 560)


class SafetyDialog(QDialog):
    """The safety guidance, any time (its button is titled from the guidance data)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = guidance()["safety"]
        self.setWindowTitle(g["title"])
        lay = QVBoxLayout(self)
        lay.addWidget(_para(g["text"]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 260)


class CheckInDialog(QDialog):
    """How calm, how self-critical (0-10), and, after a session, a private note."""

    def __init__(self, after: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = guidance()["checkin"]
        self.setWindowTitle(g["title"])
        lay = QVBoxLayout(self)
        lay.addWidget(_para(g["intro"]))
        self.calm = self._slider(lay, g["calm"])
        self.self_critical = self._slider(lay, g["self_critical"])
        self.journal: QPlainTextEdit | None = None
        if after:
            lay.addWidget(QLabel(g["journal"]))
            self.journal = QPlainTextEdit()
            self.journal.setMaximumHeight(110)
            lay.addWidget(self.journal)
        buttons = QDialogButtonBox()
        buttons.addButton(g["save"], QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(g["skip"], QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 340 if after else 240)

    def _slider(self, lay: QVBoxLayout, text: str) -> QSlider:
        lay.addWidget(QLabel(text))
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(0, 10)
        slider.setValue(5)
        slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        slider.setTickInterval(1)
        slider.setAccessibleName(text)
        value = QLabel("5")
        slider.valueChanged.connect(lambda v: value.setText(str(v)))
        lay.addWidget(slider)
        lay.addWidget(value)
        return slider

    def answers(self) -> dict[str, object]:
        """The answers, for ``session.json``."""
        out: dict[str, object] = {
            "calm": self.calm.value(),
            "self_critical": self.self_critical.value(),
        }
        if self.journal is not None and self.journal.toPlainText().strip():
            out["journal"] = self.journal.toPlainText().strip()
        return out
