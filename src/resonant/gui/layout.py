"""The trainer window's widgets and their arrangement, without any wiring.

:class:`WindowLayout` makes every widget of the trainer window and places it on three
pages of a stack, client first:

- **welcome** (:class:`WelcomePage`): what resonant is and is not, going gently, the
  consent choice for recording, and a Begin button; the first screen on a first run.
- **practice**: the breathing guide, large, and one quiet row under it (the time, one
  Start/Stop button, small Settings and Details buttons, the source in muted text). After
  a session a short, kind summary appears above that row.
- **detail**: for clinicians and researchers: session, marker, protocol and phase
  controls over the guide (smaller) beside the tiles, the group table and the plots.

The guide (and the instruction under it) is one widget, moved between the practice and
the detail page (:meth:`WindowLayout.show_page`), so it animates and sounds once. The
settings live in a non-modal dialog (:class:`resonant.gui.settings_dialog.SettingsDialog`),
made here too so every control exists from the start. The layout knows nothing of
sessions or settings files: :mod:`resonant.gui.window` connects the widgets to what they
do. The keyboard shortcuts are data here (:data:`SHORTCUTS`); the window binds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from resonant.gui.care import paragraph
from resonant.gui.pacer_view import PacerView
from resonant.gui.plots import PhysiologyPlots
from resonant.gui.settings_dialog import SettingsDialog
from resonant.gui.tiles import TilesPanel
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance

__all__ = ["GROUP_COLUMNS", "PAGES", "SHORTCUTS", "BARE_KEYS", "WelcomePage", "WindowLayout"]

#: The keyboard shortcuts, in the order they are bound: (key sequence, action name).
#: The window maps each action name to a slot and binds them application-wide, so they
#: work whatever has the focus (a text field keeps its letters).
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "space"),
    ("S", "stop"),
    ("F", "toggle_focus"),
    ("G", "grounding_pause"),
    ("M", "mark"),
    ("Shift+M", "mark_with_label"),
    ("N", "next_phase"),
    ("D", "toggle_details"),
    ("Ctrl+,", "settings"),
    ("Ctrl+O", "choose_source"),
    ("Ctrl+Return", "start"),
    ("Ctrl+.", "stop"),
    ("Ctrl+=", "larger_text"),
    ("Ctrl++", "larger_text"),
    ("Ctrl+-", "smaller_text"),
    ("Ctrl+0", "normal_text"),
    ("Ctrl+Q", "close"),
    ("Escape", "leave_focus"),
)

#: Keys without Ctrl: a spin box or an editable list would take them as typing, so the
#: window hands them to the shortcuts there (a free text field keeps them).
BARE_KEYS: frozenset[Qt.Key] = frozenset(
    {Qt.Key.Key_Space, Qt.Key.Key_S, Qt.Key.Key_F, Qt.Key.Key_G, Qt.Key.Key_M,
     Qt.Key.Key_N, Qt.Key.Key_D}
)  # fmt: skip

#: The pages of the window's stack, in order.
PAGES: tuple[str, ...] = ("welcome", "practice", "detail")

#: The columns of the group table (one row per person when several straps run).
GROUP_COLUMNS: tuple[str, ...] = (
    "person", "state", "HR (bpm)", "RMSSD (ms)", "coherence", "breathing (/min)",
)  # fmt: skip

#: The detail page's starting width split, px: the guide gets a third.
SPLIT_WIDTH_PX = 1200


class WelcomePage(QWidget):
    """The first screen: what resonant is and is not, going gently, and consent.

    Attributes
    ----------
    consent : QCheckBox
        The person's choice about recording (unticked: nothing is recorded).
    participant : QLineEdit
        A participant id, if a clinician gave one.
    begin_button : QPushButton
        Begin (:meth:`accept`).

    Notes
    -----
    :attr:`accepted` is emitted when the person begins.
    """

    #: Emitted when the person presses Begin.
    accepted = pyqtSignal()

    def __init__(self, participant: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        g = guidance()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setObjectName("welcome")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        page = QWidget()
        page.setObjectName("welcome_page")
        scroll.setWidget(page)
        row = QHBoxLayout(page)
        column = QWidget()
        column.setMaximumWidth(760)
        row.addStretch(1)
        row.addWidget(column, 8)
        row.addStretch(1)
        lay = QVBoxLayout(column)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.setSpacing(14)
        lay.addStretch(1)  # the words sit a little above the middle, however tall the window
        self.title = QLabel(f"<h1>{g['first_run']['title']}</h1>")
        lay.addWidget(self.title)
        for text in (g["first_run"]["about"], g["first_run"]["privacy"]):
            lay.addWidget(paragraph(text))
        safety_title = QLabel(f"<b>{g['safety']['title']}</b>")
        lay.addWidget(safety_title)
        lay.addWidget(paragraph(g["safety"]["text"]))
        self.consent = QCheckBox(g["first_run"]["consent"])
        lay.addWidget(self.consent)
        lay.addWidget(paragraph(g["first_run"]["participant"], selectable=False))
        self.participant = QLineEdit(participant or "")
        self.participant.setMaximumWidth(320)
        lay.addWidget(self.participant)
        self.begin_button = QPushButton("Begin")
        self.begin_button.setObjectName("primary")
        self.begin_button.setToolTip(g["first_run"]["continue"])
        self.begin_button.clicked.connect(self.accept)
        end = QHBoxLayout()
        end.addStretch(1)
        end.addWidget(self.begin_button)
        lay.addLayout(end)
        lay.addStretch(2)
        for w in [*self.findChildren(QLabel), self.consent]:
            if w is not self.title:
                w.setObjectName("welcome_text")

    def accept(self) -> None:
        """Begin: emit :attr:`accepted`."""
        self.accepted.emit()


class WindowLayout:
    """Every widget of the trainer window, made and arranged (nothing connected).

    Parameters
    ----------
    pacer_now : callable
        What the guide draws: the pacer state now, or None (see :class:`PacerView`).
    on_turn : callable
        Called by the guide with the phase name at each turn of the breath.
    source_text : str
        The first text of the source label (the source chosen).
    protocol_items : sequence of (title, name)
        The guided protocols offered after "free practice" (whose data is None).
    practice_items : sequence of (title, name)
        The guided practices offered after "no guided practice" (whose data is None).

    Attributes
    ----------
    central : QWidget
        The whole arrangement, for ``QMainWindow.setCentralWidget``.
    stack : QStackedWidget
        The pages :data:`PAGES`: ``welcome``, ``practice`` and ``detail``.
    settings : SettingsDialog
        The settings (made hidden; non-modal when shown).
    left : QWidget
        The guide and the instruction under it, on the practice or the detail page.
    right : QWidget
        Tiles, group table and plots (the detail page).
    controls : QWidget
        The detail page's rows of controls.
    splitter : QSplitter
        On the detail page: ``left`` (when there) beside ``right``.
    """

    def __init__(
        self,
        pacer_now: Callable[[], PacerState | None],
        on_turn: Callable[[str], None],
        source_text: str,
        protocol_items: Sequence[tuple[str, str]] = (),
        practice_items: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.central = QWidget()
        outer = QVBoxLayout(self.central)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.settings = SettingsDialog(source_text, practice_items)
        self._build_guide(pacer_now, on_turn)
        self.welcome = WelcomePage()
        self.practice = self._practice_page(source_text)
        self.detail = self._detail_page(protocol_items)
        for page in (self.welcome, self.practice, self.detail):
            self.stack.addWidget(page)
        self.show_page("practice")

    # -- the guide ----------------------------------------------------------------------------

    def _build_guide(
        self, pacer_now: Callable[[], PacerState | None], on_turn: Callable[[str], None]
    ) -> None:
        self.left = QWidget()
        ll = QVBoxLayout(self.left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.pacer_view = PacerView(pacer_now, on_turn)
        ll.addWidget(self.pacer_view, 1)
        self.instruction = QLabel("")
        self.instruction.setWordWrap(True)
        self.instruction.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.instruction.setObjectName("instruction")
        ll.addWidget(self.instruction)
        # Keys reach the window's shortcuts while the guide has the focus.
        self.pacer_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- the practice page --------------------------------------------------------------------

    def _practice_page(self, source_text: str) -> QWidget:
        """The guide large; the summary after a session; one quiet row."""
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(24, 16, 24, 12)
        self.practice_guide_slot = QVBoxLayout()
        lay.addLayout(self.practice_guide_slot, 1)
        self.summary = QFrame()
        self.summary.setObjectName("summary")
        sl = QVBoxLayout(self.summary)
        sl.setContentsMargins(20, 14, 20, 14)
        self.summary_text = paragraph("", selectable=False)
        self.summary_text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        sl.addWidget(self.summary_text)
        links = QHBoxLayout()
        links.addStretch(1)
        self.see_details_button = QPushButton("See details")
        self.report_button = QPushButton("Open the report")
        self.report_button.setToolTip("A one-page report of this session, in your browser")
        for button in (self.see_details_button, self.report_button):
            button.setObjectName("small")
            links.addWidget(button)
        links.addStretch(1)
        sl.addLayout(links)
        self.summary.hide()
        summary_row = QHBoxLayout()
        summary_row.addStretch(1)
        summary_row.addWidget(self.summary)
        summary_row.addStretch(1)
        self.summary.setMaximumWidth(620)
        self.summary.setMinimumWidth(420)
        lay.addLayout(summary_row)
        self.quiet_row = QWidget()
        row = QHBoxLayout(self.quiet_row)
        row.setContentsMargins(0, 8, 0, 0)
        self.time_label = QLabel("")
        self.time_label.setObjectName("time")
        self.time_label.setAccessibleName("Time practised")
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        self.start_button.setToolTip("Start (Space); Stop (S) ends the session")
        self.start_button.setMinimumWidth(120)
        self.settings_button = QPushButton("Settings")
        self.settings_button.setToolTip("Pace, length, tone, recording, look (Ctrl+,)")
        self.details_button = QPushButton("Details")
        self.details_button.setToolTip("The numbers, plots, protocols and markers (D)")
        self.source_label_widget = QLabel(source_text)
        self.source_label_widget.setObjectName("muted")
        for w in (self.settings_button, self.details_button):
            w.setObjectName("small")
        left = QHBoxLayout()
        left.addWidget(self.time_label)
        left.addStretch(1)
        right = QHBoxLayout()
        right.addStretch(1)
        right.addWidget(self.source_label_widget)
        right.addSpacing(12)
        right.addWidget(self.settings_button)
        right.addWidget(self.details_button)
        row.addLayout(left, 1)
        row.addWidget(self.start_button)
        row.addLayout(right, 1)
        lay.addWidget(self.quiet_row)
        return page

    # -- the detail page ----------------------------------------------------------------------

    def _detail_page(self, protocol_items: Sequence[tuple[str, str]]) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(8, 8, 8, 4)
        self.controls = QWidget()
        cl = QVBoxLayout(self.controls)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(self._session_row())
        cl.addLayout(self._protocol_row(protocol_items))
        outer.addWidget(self.controls)
        self._build_splitter()
        outer.addWidget(self.splitter, 1)
        self.footer = QLabel(guidance()["safety"]["footer"])
        self.footer.setWordWrap(True)
        outer.addWidget(self.footer)
        return page

    def _session_row(self) -> QHBoxLayout:
        """Start, pause, stop and markers; the other windows; settings; back to practice."""
        bar = QHBoxLayout()
        self.detail_start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.marker_button = QPushButton("Marker (M)")
        self.marker_button.setToolTip("A marker now (M); Shift+M asks for a label after")
        self.marker_label_button = QPushButton("Marker with a label...")
        self.marker_label_button.setToolTip(
            "A marker now, then a few words to go with it (Shift+M)"
        )
        self.compare_button = QPushButton("Compare phases")
        self.presenter_button = QPushButton("Presenter")
        self.presenter_button.setToolTip(
            "The guide alone in a second window, full screen on a second display"
        )
        self.assess_button = QPushButton("Assess...")
        self.assess_button.setToolTip("Find your resonance rate (about 10 or 15 minutes)")
        self.detail_settings_button = QPushButton("Settings")
        self.detail_settings_button.setToolTip("Pace, length, tone, recording, look (Ctrl+,)")
        self.practice_button = QPushButton("Practice view")
        self.practice_button.setToolTip("The guide alone, large (D)")
        for w in (self.detail_start_button, self.pause_button, self.stop_button,
                  self.marker_button, self.marker_label_button):  # fmt: skip
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.compare_button, self.presenter_button, self.assess_button,
                  self.detail_settings_button, self.practice_button):  # fmt: skip
            bar.addWidget(w)
        return bar

    def _protocol_row(self, protocol_items: Sequence[tuple[str, str]]) -> QHBoxLayout:
        """The protocol and its phases, and the grounding pause."""
        bar = QHBoxLayout()
        self.protocol_combo = QComboBox()
        self.protocol_combo.addItem("free practice", None)
        for title, name in protocol_items:
            self.protocol_combo.addItem(title, name)
        self.protocol_combo.setToolTip("A guided protocol: its phases run on their set durations")
        self.protocol_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToContents
        )
        self.auto_check = QCheckBox("Auto phases")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip("Start each phase when the previous one's time is up")
        self.next_button = QPushButton("Next phase (N)")
        texts = guidance()
        self.grounding_button = QPushButton(texts["grounding"]["label"] + " (G)")
        lab = QLabel("Protocol")
        lab.setBuddy(self.protocol_combo)
        w: QWidget
        for w in (lab, self.protocol_combo, self.auto_check, self.next_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.grounding_button)
        return bar

    def _build_splitter(self) -> None:
        """The guide and the instruction (left, when shown here) beside the numbers (right)."""
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.right = QWidget()
        rl = QVBoxLayout(self.right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.tiles = TilesPanel()
        self.plots = PhysiologyPlots()
        rl.addWidget(self.tiles)
        self.group = QTableWidget(0, len(GROUP_COLUMNS))
        self.group.setHorizontalHeaderLabels(list(GROUP_COLUMNS))
        self.group.setMaximumHeight(130)
        # Read-only; a row chosen shows that person in the tiles and plots.
        self.group.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.group.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.group.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.group.setToolTip("Choose a person to show them in the tiles and plots")
        # The chosen row is marked gently, in the theme's own colours.
        self.group.setStyleSheet(
            "QTableWidget::item:selected { background: palette(midlight); color: palette(text); }"
        )
        if (vh := self.group.verticalHeader()) is not None:
            vh.hide()
            # Rows as tall as their text needs: with eight people the plots keep their room.
            vh.setSectionResizeMode(vh.ResizeMode.Fixed)
            vh.setDefaultSectionSize(self.group.fontMetrics().height() + 8)
        if (hh := self.group.horizontalHeader()) is not None:
            hh.setStretchLastSection(True)
            hh.setSectionResizeMode(hh.ResizeMode.Stretch)
        self.group.hide()
        rl.addWidget(self.group)
        rl.addWidget(self.plots, 1)
        self.splitter.addWidget(self.right)
        self.splitter.setChildrenCollapsible(False)

    # -- pages --------------------------------------------------------------------------------

    def page(self) -> str:
        """The page shown (:data:`PAGES`)."""
        return PAGES[self.stack.currentIndex()]

    def show_page(self, name: str) -> None:
        """Show page ``name`` (:data:`PAGES`), moving the guide there."""
        if name == "practice":
            if self.left.parent() is not self.practice:
                self.practice_guide_slot.addWidget(self.left, 1)
            self.instruction.setStyleSheet("font-size: 13pt; padding: 6px;")
        elif name == "detail":
            if self.splitter.indexOf(self.left) < 0:
                self.splitter.insertWidget(0, self.left)
                self.splitter.setStretchFactor(0, 1)
                self.splitter.setStretchFactor(1, 2)
                self.splitter.setSizes([SPLIT_WIDTH_PX // 3, 2 * SPLIT_WIDTH_PX // 3])
            self.instruction.setStyleSheet("font-size: 11pt; padding: 4px;")
        self.left.show()
        self.stack.setCurrentIndex(PAGES.index(name))
