"""About resonant: the icon, the version, the licence, what it is and is not, where to find help.

A small non-modal dialog opened from the settings (**About**). What resonant is and is
not is said in the welcome page's own words (``first_run.about`` in the guidance file,
:func:`resonant.model.practices.guidance`), so the two can never say it differently.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from resonant._version import __version__
from resonant.gui.care import paragraph
from resonant.model.practices import guidance

__all__ = ["AboutDialog", "LICENCE_TEXT", "HELP_TEXT"]

#: The licence, in words (the full text is the LICENSE file, MIT).
LICENCE_TEXT = (
    "resonant is free software under the MIT licence: you are welcome to use, copy, "
    "change and share it. It comes with no warranty; the LICENSE file has the full text."
)
#: Where to find help.
HELP_TEXT = (
    "For help with practising, your clinician is the best person to ask. The README and "
    "the guides in the docs folder that come with resonant (the user guide, the "
    "clinician guide, the install notes) explain each part of the program."
)
#: The dialog's width, px (its height follows the words).
WIDTH_PX = 520
#: The icon's size in the dialog, px.
ICON_PX = 96


class AboutDialog(QDialog):
    """resonant's icon, version and licence, the not-a-medical-device note, and help.

    Parameters
    ----------
    parent : QWidget or None
        The window it belongs to (the settings).

    Attributes
    ----------
    version_label : QLabel
        ``Version <resonant.__version__>``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from resonant.gui.icon import app_icon

        self.setWindowTitle("About resonant")
        self.setModal(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 16)
        lay.setSpacing(12)
        head = QHBoxLayout()
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(ICON_PX, ICON_PX))
        icon.setFixedSize(ICON_PX, ICON_PX)
        head.addWidget(icon)
        names = QVBoxLayout()
        title = QLabel("<h2>resonant</h2>")
        title.setTextFormat(Qt.TextFormat.RichText)
        names.addWidget(title)
        self.version_label = QLabel(f"Version {__version__}")
        self.version_label.setObjectName("muted")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        names.addWidget(self.version_label)
        head.addLayout(names, 1)
        lay.addLayout(head)
        g = guidance()
        self.about_text = paragraph(g["first_run"]["about"])
        self.licence_text = paragraph(LICENCE_TEXT)
        self.help_text = paragraph(HELP_TEXT)
        for w in (self.about_text, self.licence_text, self.help_text):
            lay.addWidget(w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self.setFixedWidth(WIDTH_PX)
        self.fit()

    def fit(self) -> None:
        """Make the dialog as tall as its words need at :data:`WIDTH_PX`.

        Called again on each show, so a text size changed meanwhile still fits.
        """
        layout = self.layout()
        if layout is not None:
            self.setFixedHeight(layout.totalHeightForWidth(WIDTH_PX))

    def showEvent(self, event: QShowEvent | None) -> None:  # noqa: N802 - Qt's name
        """Fit the height to the words, then show."""
        self.fit()
        super().showEvent(event)
