"""The trainer window's widgets and their arrangement, without any wiring.

:class:`WindowLayout` makes every widget of the trainer window and places it: three
rows of controls over a splitter with the breathing guide (and the instruction under
it) on the left and the tiles, the group table and the plots on the right, and the
safety footer at the bottom. It knows nothing of sessions, settings files or how a
session is assembled: :mod:`resonant.gui.window` connects the widgets to what they do.
The keyboard shortcuts are data here (:data:`SHORTCUTS`); the window binds them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from resonant.gui.pacer_view import PacerView
from resonant.gui.plots import PhysiologyPlots
from resonant.gui.tiles import TilesPanel
from resonant.model.pacer import RATIO_PRESETS, PacerState
from resonant.model.practices import guidance

__all__ = ["GROUP_COLUMNS", "SHORTCUTS", "WindowLayout"]

#: The keyboard shortcuts, in the order they are bound: (key sequence, action name).
#: The window maps each action name to a slot.
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("M", "mark"),
    ("F", "toggle_focus"),
    ("Escape", "leave_focus"),
    ("Space", "toggle_pause"),
    ("Ctrl+O", "choose_source"),
    ("Ctrl+Return", "start"),
    ("Ctrl+.", "stop"),
    ("Ctrl+=", "larger_text"),
    ("Ctrl++", "larger_text"),
    ("Ctrl+-", "smaller_text"),
    ("Ctrl+0", "normal_text"),
    ("Ctrl+Q", "close"),
    ("N", "next_phase"),
    ("S", "stop"),
    ("G", "grounding_pause"),
)

#: The columns of the group table (one row per person when several straps run).
GROUP_COLUMNS: tuple[str, ...] = (
    "person", "state", "HR (bpm)", "RMSSD (ms)", "coherence", "breathing (/min)",
)  # fmt: skip

#: The splitter's starting width split, px: the guide gets two fifths (the stretch
#: factors alone leave it only what the wide control rows spare).
SPLIT_WIDTH_PX = 1400


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
    controls : QWidget
        The three rows of controls (hidden in focus and eyes-closed modes).
    splitter : QSplitter
        ``left`` (the guide and the instruction) beside ``right`` (tiles, group, plots).
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
        outer.setContentsMargins(8, 8, 8, 4)
        self.controls = QWidget()
        bar1 = self._session_row(source_text)
        bar2 = self._pacer_row()
        bar3 = self._protocol_row(protocol_items, practice_items)
        cl = QVBoxLayout(self.controls)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addLayout(bar1)
        cl.addLayout(bar2)
        cl.addLayout(bar3)
        outer.addWidget(self.controls)
        self._build_splitter(pacer_now, on_turn)
        outer.addWidget(self.splitter, 1)
        self.footer = QLabel(guidance()["safety"]["footer"])
        outer.addWidget(self.footer)

    # -- the control rows ---------------------------------------------------------------------

    def _session_row(self, source_text: str) -> QHBoxLayout:
        """Row 1: the source, start / pause / stop, and markers."""
        bar1 = QHBoxLayout()
        self.source_button = QPushButton("&Source...")
        self.source_button.setToolTip(
            "Choose the simulated strap, a strap, or a recording (Ctrl+O)"
        )
        self.source_label_widget = QLabel(source_text)
        self.start_button = QPushButton("S&tart")
        self.pause_button = QPushButton("&Pause")
        self.stop_button = QPushButton("St&op")
        self.marker_label = QLineEdit()
        self.marker_label.setPlaceholderText("marker label (optional)")
        self.marker_label.setMaximumWidth(220)
        self.marker_button = QPushButton("&Marker (M)")
        w: QWidget
        for w in (self.source_button, self.source_label_widget):
            bar1.addWidget(w)
        bar1.addStretch(1)
        for w in (self.start_button, self.pause_button, self.stop_button,
                  self.marker_label, self.marker_button):  # fmt: skip
            bar1.addWidget(w)
        return bar1

    def _pacer_row(self) -> QHBoxLayout:
        """Row 2: the guide's settings and the session switches."""
        bar2 = QHBoxLayout()
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
        self.level_combo = QComboBox()
        self.level_combo.addItems([f"level {k}" for k in (1, 2, 3, 4)])
        self.guide_check = QCheckBox("&Guide")
        self.guide_check.setChecked(True)
        self.guide_check.setToolTip(
            "The breathing guide, from the next session (off: free breathing)"
        )
        self.adaptive_check = QCheckBox("Follo&w me")
        self.adaptive_check.setToolTip(
            "Let the guide follow you: at most 0.5 breaths/min every 2 minutes (smaller once "
            "it turns back), toward the rate with the largest heart-rate swing, only while "
            "you follow it"
        )
        self.tone_check = QCheckBox("&Tone at each turn")
        self.record_check = QCheckBox("&Record")
        self.lsl_check = QCheckBox("&LSL")
        self.lsl_check.setToolTip(
            "Publish beats, metrics, guide phases and markers as Lab Streaming Layer streams "
            "(for LabRecorder), from the next session"
        )
        self.assess_button = QPushButton("&Assess...")
        self.assess_button.setToolTip("Find your resonance rate (about 10 or 15 minutes)")
        self.presenter_button = QPushButton("Pr&esenter")
        self.presenter_button.setToolTip(
            "The guide alone in a second window, full screen on a second display"
        )
        self.focus_button = QPushButton("&Focus (F)")
        self.theme_button = QPushButton("&Dark")
        w: QWidget
        for label, w in (("Pace", self.pace_spin), ("In:out", self.ratio_combo),
                         ("Hold in", self.hold_in_spin), ("Hold out", self.hold_out_spin),
                         ("Length", self.length_spin),
                         ("Coherence challenge", self.level_combo)):  # fmt: skip
            lab = QLabel(label)
            lab.setBuddy(w)
            bar2.addWidget(lab)
            bar2.addWidget(w)
        bar2.addStretch(1)
        for w in (self.guide_check, self.adaptive_check, self.tone_check, self.record_check,
                  self.lsl_check, self.assess_button, self.presenter_button,
                  self.focus_button, self.theme_button):  # fmt: skip
            bar2.addWidget(w)
        return bar2

    def _protocol_row(
        self,
        protocol_items: Sequence[tuple[str, str]],
        practice_items: Sequence[tuple[str, str]],
    ) -> QHBoxLayout:
        """Row 3: protocol and phases, guided practice, and care (eyes closed, grounding)."""
        bar3 = QHBoxLayout()
        self.protocol_combo = QComboBox()
        self.protocol_combo.addItem("free practice", None)
        for title, name in protocol_items:
            self.protocol_combo.addItem(title, name)
        self.protocol_combo.setToolTip("A guided protocol: its phases run on their set durations")
        self.auto_check = QCheckBox("A&uto phases")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip("Start each phase when the previous one's time is up")
        self.next_button = QPushButton("&Next phase (N)")
        self.compare_button = QPushButton("Compare p&hases")
        self.practice_combo = QComboBox()
        self.practice_combo.addItem("no guided practice", None)
        for title, name in practice_items:
            self.practice_combo.addItem(title, name)
        texts = guidance()
        self.eyes_closed_check = QCheckBox("Eyes c&losed")
        self.eyes_closed_check.setToolTip(texts["eyes_closed"]["text"])
        self.grounding_button = QPushButton(texts["grounding"]["label"] + " (G)")
        self.safety_button = QPushButton(texts["safety"]["title"])
        lab = QLabel("Protocol")
        lab.setBuddy(self.protocol_combo)
        plab = QLabel("Practice")
        plab.setBuddy(self.practice_combo)
        w: QWidget
        for w in (lab, self.protocol_combo, self.auto_check, self.next_button, self.compare_button,
                  plab, self.practice_combo, self.eyes_closed_check, self.grounding_button,
                  self.safety_button):  # fmt: skip
            bar3.addWidget(w)
        bar3.addStretch(1)
        return bar3

    # -- the splitter -------------------------------------------------------------------------

    def _build_splitter(
        self, pacer_now: Callable[[], PacerState | None], on_turn: Callable[[str], None]
    ) -> None:
        """The guide and the instruction (left) beside tiles, group table and plots (right)."""
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.pacer_view = PacerView(pacer_now, on_turn)
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
        if (hh := self.group.horizontalHeader()) is not None:
            hh.setStretchLastSection(True)
            hh.setSectionResizeMode(hh.ResizeMode.Stretch)
        self.group.hide()
        rl.addWidget(self.group)
        rl.addWidget(self.plots, 1)
        self.left = QWidget()
        ll = QVBoxLayout(self.left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.pacer_view, 1)
        self.instruction = QLabel("")
        self.instruction.setWordWrap(True)
        self.instruction.setStyleSheet("font-size: 12pt; padding: 6px;")
        ll.addWidget(self.instruction)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([2 * SPLIT_WIDTH_PX // 5, 3 * SPLIT_WIDTH_PX // 5])
        # Single-key shortcuts (M, F, Space) reach the window while the guide has the focus.
        self.pacer_view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
