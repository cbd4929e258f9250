"""First run, consent, safety and the check-in: the care around a practice.

Every sentence comes from the guidance data (:func:`resonant.model.practices.guidance`).
The check-in's scales start unanswered (no handle, "not answered"), so Save records
only what the person chose; an unanswered item is saved as ``None`` (JSON null).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeyEvent, QMouseEvent, QPaintEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QStylePainter,
    QVBoxLayout,
    QWidget,
)

from resonant.model.practices import guidance

__all__ = ["FirstRunDialog", "CheckInDialog", "SafetyDialog", "AnswerSlider", "NOT_ANSWERED"]

#: What an untouched scale says.
NOT_ANSWERED = "not answered"


def paragraph(text: str, selectable: bool = True) -> QLabel:
    """A wrapped paragraph of text, selectable unless told (the pages' and dialogs' words)."""
    label = QLabel(text)
    label.setWordWrap(True)
    if selectable:
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
            lay.addWidget(paragraph(text))
        lay.addWidget(QLabel(f"<b>{g['safety']['title']}</b>"))
        lay.addWidget(paragraph(g["safety"]["text"]))
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
        lay.addWidget(paragraph(g["text"]))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 260)


class AnswerSlider(QSlider):
    """A 0-10 scale that starts unanswered: no handle until the person moves it.

    A click anywhere on the groove answers with the value there (and can be dragged on);
    the arrow keys answer from the middle. :attr:`answer` is None until then.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 10)
        super().setValue(5)
        self._answered = False
        self.valueChanged.connect(self._mark)

    @property
    def answer(self) -> int | None:
        """The chosen value, or None while unanswered."""
        return self.value() if self._answered else None

    def setValue(self, value: int) -> None:  # noqa: N802 (Qt naming)
        """Answer with ``value``."""
        super().setValue(value)
        self._mark()

    def _mark(self, *_: object) -> None:
        if not self._answered:
            self._answered = True
            self.update()
            self.valueChanged.emit(self.value())  # the label shows the first answer too

    def mousePressEvent(self, event: QMouseEvent | None) -> None:  # noqa: N802 (Qt naming)
        """The first click answers with the value under the pointer."""
        if event is not None and not self._answered:
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            style = self.style()
            assert style is not None  # every widget has a style
            groove = style.subControlRect(
                QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self
            )
            handle = style.subControlRect(
                QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self
            )
            span = max(1, groove.width() - handle.width())
            x = int(event.position().x()) - groove.x() - handle.width() // 2
            self.setValue(
                QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x, span)
            )
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Arrow keys answer (from the middle) and then move."""
        if event is not None and not self._answered and event.key() in (
            Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
            Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
        ):  # fmt: skip
            self._mark()
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802 (Qt naming)
        """The groove and ticks; the handle only once answered."""
        if self._answered:
            super().paintEvent(event)
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        opt.subControls = QStyle.SubControl.SC_SliderGroove | QStyle.SubControl.SC_SliderTickmarks
        opt.sliderPosition = opt.sliderValue = self.minimum()  # an empty groove, no fill
        painter = QStylePainter(self)
        painter.drawComplexControl(QStyle.ComplexControl.CC_Slider, opt)


class CheckInDialog(QDialog):
    """How calm, how self-critical (0-10), and, after a session, a private note."""

    def __init__(self, after: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = guidance()["checkin"]
        self.setWindowTitle(g["title"])
        lay = QVBoxLayout(self)
        lay.addWidget(paragraph(g["intro"]))
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

    def _slider(self, lay: QVBoxLayout, text: str) -> AnswerSlider:
        lay.addWidget(QLabel(text))
        slider = AnswerSlider()
        slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        slider.setTickInterval(1)
        slider.setAccessibleName(text)
        slider.setAccessibleDescription(NOT_ANSWERED)
        value = QLabel(NOT_ANSWERED)

        def show(v: int) -> None:
            value.setText(str(v))
            slider.setAccessibleDescription(str(v))

        slider.valueChanged.connect(show)
        lay.addWidget(slider)
        lay.addWidget(value)
        return slider

    def answers(self) -> dict[str, object]:
        """The answers, for ``session.json`` (None for a scale left unanswered)."""
        out: dict[str, object] = {
            "calm": self.calm.answer,
            "self_critical": self.self_critical.answer,
        }
        if self.journal is not None and self.journal.toPlainText().strip():
            out["journal"] = self.journal.toPlainText().strip()
        return out
