"""The trainer window: the pacer, live physiology, tiles and controls over one session.

Client first: the window opens on the practice page (the guide, large, the time and one
Start/Stop button), or on the welcome page the first time; the detail page (tiles, plots,
protocols, markers) is one key away (D), and the settings are in a non-modal dialog
(Ctrl+,). The keys work application-wide, whatever has the focus (:meth:`MainWindow.key`).

The window builds a :class:`~resonant.session.core.Session` from the chosen source
and the pacer settings, and runs it as an asyncio task on Qt's event loop (qasync,
:mod:`resonant.gui.qtloop`). It draws what the session, its :class:`History` sink and the
pacer schedule hold; it computes nothing itself. The widgets and their arrangement are
:mod:`resonant.gui.layout`'s; this module wires them to the session and the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, QUrl
from PyQt6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QStatusBar,
)

from resonant.errors import ResonantError
from resonant.gui import WINDOW_SPEED_MAX
from resonant.model.clock import MonotonicClock, fmt_clock, utc_now
from resonant.gui.layout import BARE_KEYS, SHORTCUTS, WindowLayout
from resonant.gui.pacer_view import PacerView
from resonant.config.palette import THEMES, Theme
from resonant.model.practices import guidance
from resonant.model.pacer import PacerError, PacerSettings, PacerState
from resonant.model.plans import accepted_rate
from resonant.model.protocols import Phase
from resonant.session.buffers import History
from resonant.folder.write import Recorder
from resonant.session.assemble import (
    AssessmentSpec,
    Assembly,
    Outcome,
    SessionSpec,
    SourceSpec,
    assemble,
    starting_pacer,
)
from resonant.session.core import Session, SessionSnapshot, SessionSummary
from resonant.session.protocol_runner import ProtocolRunner
from resonant.config.settings import Settings, save_settings

__all__ = ["MainWindow"]

#: How often plots and tiles are redrawn from the session, ms (10 Hz).
RENDER_MS = 100
#: Tiles are refreshed every this many renders (about 3 times a second: numbers that
#: change faster cannot be read anyway).
TILE_EVERY = 3
#: The shortcuts (:data:`SHORTCUTS` action names) that also work on the presenter, the
#: client's screen: pause, stop, the grounding pause, full screen, and quitting.
PRESENTER_ACTIONS = frozenset(
    {"space", "stop", "grounding_pause", "toggle_focus", "leave_focus", "close"}
)
#: Said under the resting guide before the first session.
READY = "Press Start, or the space bar, when you are ready."
#: The shortcuts that work on the welcome page (nothing starts before Begin).
WELCOME_ACTIONS = frozenset({"close", "larger_text", "smaller_text", "normal_text"})
#: What the practice page says after a session, under its length (never a score).
SUMMARY_WORDS = (
    "However it went, this was time given to yourself.",
    "Thank you for taking this time.",
)


def practised(seconds: float) -> str:
    """A length of practice in words: "4 minutes 30 seconds", "50 seconds", "1 minute"."""
    total = int(round(seconds))
    minutes, secs = divmod(total, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if secs or not minutes:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)


class MainWindow(QMainWindow):
    """The trainer window.

    Parameters
    ----------
    settings : Settings
        The person's settings (pacer, theme, font scale, ...); changes are saved.
    speed : float
        Session clock speed (1 = real time; the demo may run faster).
    save : bool
        Whether setting changes are written to the settings file.
    record_dir : Path or None
        Where sessions are recorded (a new folder each); None: not recorded.
    """

    def __init__(
        self,
        settings: Settings,
        speed: float = 1.0,
        save: bool = True,
        record_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.speed = speed
        self.save = save
        self.record_dir = record_dir
        self.remember_size = save  # the window's size is kept for next time
        self.choice = SourceSpec()
        self.assembly: Assembly | None = None
        self.last_outcome: Outcome | None = None
        self.start_error: ResonantError | None = None  # why the last Start did not start
        self.lsl_local_config: Path | None = None  # liblsl's machine-only file, once written
        self.session: Session | None = None
        self.history = History()
        self.recorder: Recorder | None = None
        self.clock: MonotonicClock | None = None
        self.task: asyncio.Task[SessionSummary] | None = None
        self.last_summary: SessionSummary | None = None
        self.runner: ProtocolRunner | None = None
        self.checkin_before: dict[str, object] | None = None
        self.checkin_dialog: object = None
        self.first_run_dialog: object = None
        self.grounding = False
        self.compare_dialog: object = None
        self.presenter: PacerView | None = None
        self.last_assessment: object = None
        self.results_dialog: object = None
        self._renders = 0
        self.source_label: str | None = None
        self.tone_player: Callable[[str], None] | None = None
        self.marker_dialog: QInputDialog | None = None
        self.consent_box: QMessageBox | None = None
        self.report_path: Path | None = None
        self.after_welcome: Callable[[], None] | None = None
        self._page_before_focus = "practice"
        self._focus = False
        self._said_no_sound = False
        self._page_before_welcome = "practice"
        self.setWindowTitle("resonant — soothing rhythm breathing")
        self._build()
        self._apply_settings_to_controls()
        self.apply_theme()
        self._render_timer = QTimer(self)
        self._render_timer.setInterval(RENDER_MS)
        self._render_timer.timeout.connect(self.redraw)
        self._render_timer.start()
        self.pacer_view.start()
        self.instruction.setText(READY)
        if hasattr(self.pacer_view, "rest"):
            self.pacer_view.rest()  # still and quiet until a session starts

    # -- widgets and wiring -------------------------------------------------------------------

    def _build(self) -> None:
        """Make the widgets (:class:`WindowLayout`), keep them as attributes, wire them."""
        protocol_items: list[tuple[str, str]] = []
        #: Why a user's protocol file is not offered (one sentence each), said at opening.
        self.protocol_problems: list[str] = []
        try:
            from resonant.config.settings import user_protocols_dir
            from resonant.model.protocols import protocols

            skipped: list[str] = []  # a user's file that cannot be used: said, not hidden
            for name, proto in protocols(user_protocols_dir(), skipped).items():
                if proto.assessment is None:
                    protocol_items.append((proto.title, name))
            self.protocol_problems = skipped
        except ValueError as exc:  # a broken protocol file of the user's: say it, go on
            self.protocol_problems = [str(exc)]
        from resonant.model.practices import practices

        practice_items = [(practice.title, name) for name, practice in practices().items()]
        ui = WindowLayout(
            self._pacer_now, self._on_turn, self.choice.describe(), protocol_items, practice_items
        )
        self.ui = ui
        # Every widget stays an attribute of the window (tests, the benchmark, app.py use
        # them), wherever it lives now: the practice page, the detail page or the settings.
        sd = ui.settings
        sd.setParent(self, sd.windowFlags())
        self.settings_dialog = sd
        if self.record_dir is not None:  # where this window records (else the data folder)
            sd.set_data_folder(self.record_dir)
        self.stack = ui.stack
        self.welcome = ui.welcome
        self.controls = ui.controls
        self.source_button = sd.source_button
        self.source_label_widget = ui.source_label_widget
        self.start_button = ui.start_button
        self.detail_start_button = ui.detail_start_button
        self.pause_button = ui.pause_button
        self.stop_button = ui.stop_button
        self.marker_button = ui.marker_button
        self.marker_label_button = ui.marker_label_button
        self.settings_button = ui.settings_button
        self.detail_settings_button = ui.detail_settings_button
        self.details_button = ui.details_button
        self.practice_button = ui.practice_button
        self.time_label = ui.time_label
        self.summary = ui.summary
        self.summary_text = ui.summary_text
        self.see_details_button = ui.see_details_button
        self.report_button = ui.report_button
        self.pace_spin = sd.pace_spin
        self.ratio_combo = sd.ratio_combo
        self.hold_in_spin = sd.hold_in_spin
        self.hold_out_spin = sd.hold_out_spin
        self.length_spin = sd.length_spin
        self.level_combo = sd.level_combo
        self.guide_check = sd.guide_check
        self.adaptive_check = sd.adaptive_check
        self.tone_check = sd.tone_check
        self.tone_note = sd.tone_note
        self.record_check = sd.record_check
        self.lsl_check = sd.lsl_check
        self.lsl_local_check = sd.lsl_local_check
        self.assess_button = ui.assess_button
        self.presenter_button = ui.presenter_button
        self.theme_button = sd.theme_button
        self.protocol_combo = ui.protocol_combo
        self.auto_check = ui.auto_check
        self.next_button = ui.next_button
        self.compare_button = ui.compare_button
        self.practice_combo = sd.practice_combo
        self.eyes_closed_check = sd.eyes_closed_check
        self.grounding_button = ui.grounding_button
        self.safety_button = sd.safety_button
        self.splitter = ui.splitter
        self.left = ui.left
        self.pacer_view = ui.pacer_view
        self.instruction = ui.instruction
        self.right = ui.right
        self.tiles = ui.tiles
        self.group = ui.group
        self.plots = ui.plots
        self.footer = ui.footer
        self._show_record_choice()
        self.setCentralWidget(ui.central)
        self.show_page(ui.page())
        self._status(
            " ".join(self.protocol_problems)
            or "Press Start when you are ready; Settings has the pace and the source."
        )
        self._wire()

    def _wire(self) -> None:
        """Connect the widgets' signals and the keyboard shortcuts to the window's slots."""
        self.start_button.clicked.connect(self.start_or_stop)
        self.detail_start_button.clicked.connect(self.start_or_stop)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.marker_button.clicked.connect(self.mark)
        self.marker_label_button.clicked.connect(self.mark_with_label)
        self.source_button.clicked.connect(self.choose_source)
        self.settings_button.clicked.connect(self.show_settings)
        self.detail_settings_button.clicked.connect(self.show_settings)
        self.details_button.clicked.connect(lambda: self.show_page("detail"))
        self.practice_button.clicked.connect(lambda: self.show_page("practice"))
        self.see_details_button.clicked.connect(lambda: self.show_page("detail"))
        self.report_button.clicked.connect(lambda: self.open_report())
        self.assess_button.clicked.connect(lambda: self.assess())
        self.next_button.clicked.connect(self.next_phase)
        self.grounding_button.clicked.connect(self.grounding_pause)
        self.safety_button.clicked.connect(self.show_safety)
        self.eyes_closed_check.toggled.connect(self.set_eyes_closed)
        self.compare_button.clicked.connect(self.compare)
        self.group.cellClicked.connect(self.show_person)
        self.presenter_button.clicked.connect(self.toggle_presenter)
        self.theme_button.clicked.connect(self.toggle_theme)
        self.settings_dialog.smaller_text_button.clicked.connect(
            lambda: self.scale_fonts(1 / 1.1)
        )
        self.settings_dialog.larger_text_button.clicked.connect(lambda: self.scale_fonts(1.1))
        self.record_check.clicked.connect(self._record_clicked)
        self.welcome.accepted.connect(self._welcome_done)
        self.pace_spin.valueChanged.connect(self._pacer_controls_changed)
        self.ratio_combo.currentTextChanged.connect(self._pacer_controls_changed)
        self.hold_in_spin.valueChanged.connect(self._pacer_controls_changed)
        self.hold_out_spin.valueChanged.connect(self._pacer_controls_changed)
        self.length_spin.valueChanged.connect(self._length_changed)
        self.level_combo.currentIndexChanged.connect(self._level_changed)
        self.tone_check.toggled.connect(self._tone_changed)
        actions: dict[str, Callable[[], object]] = {
            "mark": self.mark, "mark_with_label": self.mark_with_label,
            "toggle_focus": self.toggle_focus, "leave_focus": self.leave_focus,
            "space": self.space, "toggle_pause": self.toggle_pause,
            "choose_source": self.choose_source, "start": lambda: self.start(),
            "stop": self.stop, "larger_text": lambda: self.scale_fonts(1.1),
            "smaller_text": lambda: self.scale_fonts(1 / 1.1),
            "normal_text": lambda: self.scale_fonts(None), "close": self.close,
            "next_phase": self.next_phase, "grounding_pause": self.grounding_pause,
            "toggle_details": self.toggle_details, "settings": self.show_settings,
        }  # fmt: skip
        self.shortcut_actions = actions
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, action in SHORTCUTS:
            sc = QShortcut(QKeySequence(keys), self)
            # Escape stays the dialogs' own (it closes them); every other key works
            # application-wide: in the settings, on the presenter, after a click on Start.
            if keys != "Escape":
                sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
            sc.activated.connect(lambda action=action: self.key(action))
            self.shortcuts[keys] = sc
        # A spin box or an editable list would take the single keys as typing: they are
        # handed to the shortcuts there (their digits and arrows stay theirs).
        for box in self.settings_dialog.findChildren(QAbstractSpinBox):
            box.installEventFilter(self)
        for combo in self.settings_dialog.findChildren(QComboBox) + [self.protocol_combo]:
            combo.installEventFilter(self)
        self.pacer_view.setFocus()
        self._update_buttons()

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        """Let the single-key shortcuts through a focused spin box or list."""
        if (
            event is not None
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and Qt.Key(event.key()) in BARE_KEYS
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
        ):
            event.ignore()  # not overridden: the shortcut map acts on it
            return True
        return super().eventFilter(watched, event)

    def key(self, action: str) -> None:
        """Do the shortcut ``action`` (:data:`SHORTCUTS`), fitting the window it came from.

        On the welcome page only quitting and the text size work (nothing starts before
        Begin). On the presenter, the client's keys do what they do here (Space, S, G,
        Ctrl+Q), and F and Escape make the presenter itself full screen or not.
        """
        active = QApplication.activeWindow()
        presenter = self.presenter
        if presenter is not None and active is presenter:
            if action not in PRESENTER_ACTIONS:
                return
            if action == "toggle_focus":
                self._presenter_full_screen(None)
                return
            if action == "leave_focus":
                self._presenter_full_screen(False)
                return
        if self.ui.page() == "welcome" and action not in WELCOME_ACTIONS:
            focused = QApplication.focusWidget()
            if action == "space" and isinstance(focused, QAbstractButton):
                focused.click()  # Space still presses Begin or ticks the consent box
            return
        self.shortcut_actions[action]()

    def _status_bar(self) -> QStatusBar:
        bar = self.statusBar()
        if bar is None:  # a QMainWindow always makes one; this satisfies the type checker
            bar = QStatusBar(self)
            self.setStatusBar(bar)
        return bar

    def _status(self, text: str) -> None:
        """Say ``text`` in the status line."""
        self._status_bar().showMessage(text)

    # -- settings -----------------------------------------------------------------------------

    def _apply_settings_to_controls(self) -> None:
        s = self.settings
        for w in (self.pace_spin, self.ratio_combo, self.hold_in_spin, self.hold_out_spin,
                  self.length_spin, self.level_combo, self.tone_check,
                  self.eyes_closed_check):  # fmt: skip
            w.blockSignals(True)
        self.pace_spin.setValue(s.pace_bpm)
        self.ratio_combo.setCurrentText(s.ratio)
        self.hold_in_spin.setValue(s.hold_in_s)
        self.hold_out_spin.setValue(s.hold_out_s)
        self.length_spin.setValue(s.session_min or 0.0)
        self.level_combo.setCurrentIndex(s.challenge_level - 1)
        self.tone_check.setChecked(s.tone)
        self.eyes_closed_check.setChecked(s.eyes_closed)
        for w in (self.pace_spin, self.ratio_combo, self.hold_in_spin, self.hold_out_spin,
                  self.length_spin, self.level_combo, self.tone_check,
                  self.eyes_closed_check):  # fmt: skip
            w.blockSignals(False)
        self.tiles.challenge_level = s.challenge_level
        self.plots.challenge_level = s.challenge_level  # the coherence axis reaches its high
        self._pace_tooltip()

    def _pace_tooltip(self) -> None:
        """Say on the Pace control, and under it, where the guide starts."""
        accepted = self.settings.resonance_bpm
        if accepted is None:
            tip = (
                "Breaths per minute for the guide: 6 unless you change it. "
                "Assess... can find the rate that suits you."
            )
            words = "No resonance rate found yet; Assess... in the details can find one."
        else:
            rate = accepted_rate(accepted)
            tip = (
                f"Breaths per minute for the guide. Your accepted resonance rate is "
                f"{rate:g}/min: the guide starts there unless you change this."
            )
            words = f"Your resonance rate: {rate:g} breaths a minute."
        self.pace_spin.setToolTip(tip)
        self.settings_dialog.resonance_text.setText(words)

    # -- recording and consent ----------------------------------------------------------------

    def _show_record_choice(self) -> None:
        """The Record box and the words under it, from the consent and the data folder.

        Before the welcome has asked, nothing can be recorded. After a yes, Record is
        ticked; after a no it is not, and ticking it asks once (:meth:`_record_clicked`).
        """
        consent = self.settings.consent_recording
        words = self.settings_dialog.consent_text
        if self.record_dir is None:
            self.record_check.setEnabled(False)
            self.record_check.setChecked(False)
            words.setText("Sessions are not recorded here.")
            return
        self.record_check.setEnabled(consent is not None)
        self.record_check.setChecked(consent is True)
        when = (self.settings.consent_utc or "")[:10]
        if consent is None:
            words.setText("The welcome asks about recording first.")
        elif consent:
            words.setText(f"You agreed to recording{' on ' + when if when else ''}.")
        else:
            words.setText("You chose not to record; ticking Record asks again.")

    def _record_clicked(self, checked: bool) -> None:
        """Ticking Record after a no asks once; a yes is stored with its time."""
        if not checked or self.settings.consent_recording is True:
            return
        self.record_check.setChecked(False)
        box = QMessageBox(self.settings_dialog)
        box.setWindowTitle("Recording")
        box.setIcon(QMessageBox.Icon.Question)
        box.setText(guidance()["first_run"]["consent"])
        box.setInformativeText(guidance()["first_run"]["privacy"])
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.set_consent(True)
            self.consent_box = None

        box.finished.connect(answered)
        box.open()
        self.consent_box = box

    def set_consent(self, consent: bool) -> None:
        """Store the person's answer about recording, with its time, and show it."""
        self._store_kept(
            consent_recording=consent, consent_utc=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        self._show_record_choice()
        self._status(
            "Sessions are recorded on this computer from now on." if consent
            else "Sessions are not recorded."
        )  # fmt: skip

    def _store_kept(self, **changes: object) -> None:
        """Store ``changes`` and keep them in the settings file even where the window does
        not save its settings (the demo): a person's own answer is always remembered."""
        self._store(**changes)
        if not self.save:
            from resonant.config.settings import load_settings

            with contextlib.suppress(OSError, ValueError):
                save_settings(load_settings()[0].with_changes(**changes))

    def _store(self, **changes: object) -> None:
        try:
            self.settings = self.settings.with_changes(**changes)
        except ValueError as exc:
            self._status(str(exc))
            return
        if self.save:
            with contextlib.suppress(OSError):
                save_settings(self.settings)

    def pacer_settings(self) -> PacerSettings | None:
        """The pacer settings the controls show, or None (with a message) when invalid.

        The same rule as the command line's (:func:`starting_pacer`): the Pace control
        shows the accepted resonance rate once one is accepted (Accept and ``assess
        --accept`` set it), and the rate the person chose there when they changed it.
        """
        try:
            return starting_pacer(
                round(self.pace_spin.value(), 1), self.ratio_combo.currentText(),
                self.hold_in_spin.value(), self.hold_out_spin.value(),
                accepted_bpm=self.settings.resonance_bpm,
            )  # fmt: skip
        except (PacerError, ResonantError) as exc:
            self._status(str(exc))
            return None

    def _pacer_controls_changed(self, *_: object) -> None:
        ps = self.pacer_settings()
        if ps is None:
            return
        self._store(pace_bpm=ps.rate_bpm, ratio=ps.ratio, hold_in_s=ps.hold_in_s,
                    hold_out_s=ps.hold_out_s)  # fmt: skip
        if self.session is not None and self.session.pacer is not None and self.running:
            at = self.session.change_pacer(ps)
            if at is not None:
                self._status(
                    f"The guide changes to {ps.rate_bpm:g}/min, {ps.ratio}, at its next turn."
                )

    def _length_changed(self, value: float) -> None:
        self._store(session_min=value if value > 0 else None)

    def _level_changed(self, index: int) -> None:
        self._store(challenge_level=index + 1)
        self.tiles.challenge_level = index + 1
        self.plots.challenge_level = index + 1

    def _tone_changed(self, on: bool) -> None:
        self._store(tone=on)

    # -- theme and fonts ----------------------------------------------------------------------

    @property
    def theme(self) -> Theme:
        """The current theme."""
        return THEMES[self.settings.theme]

    def apply_theme(self) -> None:
        """Colours and font sizes everywhere."""
        t = self.theme
        app = QApplication.instance()
        pal = QPalette()
        for role, colour in (
            (QPalette.ColorRole.Window, t.background), (QPalette.ColorRole.Base, t.panel),
            (QPalette.ColorRole.Button, t.panel), (QPalette.ColorRole.WindowText, t.text),
            (QPalette.ColorRole.Text, t.text), (QPalette.ColorRole.ButtonText, t.text),
            (QPalette.ColorRole.PlaceholderText, t.muted),
        ):  # fmt: skip
            pal.setColor(role, QColor(colour))
        self.setPalette(pal)
        if isinstance(app, QApplication):
            # Widgets under a style sheet take their colours from the application's
            # palette, not their parent's: the theme is the application's.
            app.setPalette(pal)
            font = QFont(app.font())
            font.setPointSizeF(10.0 * self.settings.font_scale)
            self.setFont(font)
        self.settings_dialog.setPalette(pal)
        self.settings_dialog.setFont(self.font())
        self.pacer_view.theme = t
        if self.presenter is not None:
            self.presenter.theme = t
        self.plots.apply_theme(t)
        self.tiles.apply_theme(t, 1.0)
        size = self.font().pointSizeF()
        # Calm and legible: muted secondary text, one soft primary button, a quiet summary.
        sheet = (
            f"QLabel#muted {{ color: {t.muted}; font-size: {size * 0.9:.1f}pt; }}"
            f" QLabel#time {{ color: {t.muted}; font-size: {size * 1.3:.1f}pt; }}"
            f" QLabel#welcome_text, QCheckBox#welcome_text {{ font-size: {size * 1.1:.1f}pt; }}"
            f" QScrollArea#welcome, QWidget#welcome_page {{ background: {t.background}; }}"
            f" QPushButton#small {{ padding: 4px 12px; }}"
            f" QPushButton#primary {{ background: {t.pacer_fill}; color: {t.text};"
            f" border: 1px solid {t.pacer_edge}; border-radius: 16px; padding: 7px 28px;"
            f" font-size: {size * 1.2:.1f}pt; }}"
            f" QPushButton#primary:disabled {{ color: {t.muted}; }}"
            f" QFrame#summary {{ background: {t.panel}; border: 1px solid {t.grid};"
            f" border-radius: 12px; }}"
            f" QFrame#summary QLabel {{ font-size: {size * 1.15:.1f}pt; border: none;"
            f" color: {t.text}; }}"
        )
        self.ui.central.setStyleSheet(sheet)
        self.settings_dialog.setStyleSheet(sheet)
        self.footer.setStyleSheet(f"color: {t.muted};")
        self.theme_button.setText("Light" if t.name == "dark" else "Dark")

    def toggle_theme(self) -> None:
        """Switch between light and dark."""
        self._store(theme="light" if self.settings.theme == "dark" else "dark")
        self.apply_theme()

    def scale_fonts(self, factor: float | None) -> None:
        """Make text larger or smaller (None: back to normal)."""
        scale = 1.0 if factor is None else min(2.0, max(0.75, self.settings.font_scale * factor))
        self._store(font_scale=round(scale, 2))
        self.apply_theme()

    # -- focus mode ---------------------------------------------------------------------------

    @property
    def in_focus(self) -> bool:
        """True in focus mode (the guide alone, full screen)."""
        return self._focus

    def toggle_focus(self) -> None:
        """Show the pacer alone, full screen (or come back)."""
        if not self.in_focus:
            self._page_before_focus = self.ui.page()
            self.show_page("practice")
            self._focus = True
            self.ui.quiet_row.hide()
            self.summary.hide()
            self.showFullScreen()
        else:
            self.leave_focus()

    def leave_focus(self) -> None:
        """Back from focus mode, to the page it was entered from."""
        if not self.in_focus:
            return
        self.show_page(self._page_before_focus)

    # -- pages and the settings -----------------------------------------------------------------

    def show_page(self, name: str) -> None:
        """Show the ``practice``, ``detail`` or ``welcome`` page."""
        if self.in_focus:
            self._focus = False
            self.ui.quiet_row.show()
            if self.isFullScreen():
                self.showNormal()
        self.ui.show_page(name)
        # The status line is the clinician's: the practice and welcome pages stay quiet
        # (what a client needs to know is said under the guide).
        self._status_bar().setVisible(name == "detail")
        if name != "welcome":
            self.pacer_view.setFocus()

    def toggle_details(self) -> None:
        """Practice page or detail page (D)."""
        self.show_page("practice" if self.ui.page() == "detail" else "detail")

    def show_settings(self) -> None:
        """The settings, in their own non-modal window (Ctrl+,)."""
        self.settings_dialog.show_near(self)

    def space(self) -> None:
        """Space: start when idle, else pause or resume."""
        if self.running:
            self.toggle_pause()
        else:
            self.start()

    def start_or_stop(self) -> None:
        """The one Start/Stop button."""
        if self.running:
            self.stop()
        else:
            self.start()

    # -- the session --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while a session runs."""
        return self.task is not None and not self.task.done()

    def _pacer_now(self) -> PacerState | None:
        if self.session is None or self.session.pacer is None:
            return None
        return self.session.pacer.at(self.session.view_time())

    def _on_turn(self, phase: str) -> None:
        if self.settings.tone and self.tone_player is not None:
            self.tone_player(phase)

    def choose_source(self) -> None:
        """Open the source picker."""
        from resonant.gui.source_dialog import SourceDialog

        if self.running:
            self._status("Stop the session before choosing another source.")
            return
        dialog = SourceDialog(self.choice, self.settings.last_strap, self)
        if dialog.exec():
            self.with_choice(dialog.choice())
            if self.choice.kind == "ble" and self.choice.targets:
                self._store(last_strap=",".join(self.choice.targets))

    def spec_from_controls(self, assessment: AssessmentSpec | None = None) -> SessionSpec | None:
        """The session the controls describe, or None (with a message) when a value is invalid.

        The same :class:`SessionSpec` the command line makes from its options: the
        source picked, the guide (or a protocol, or an assessment), recording, LSL, the
        length (a gentler first session), participant, consent and check-in.
        """
        ps = self.pacer_settings()
        if ps is None:
            return None
        protocol = self.protocol_combo.currentData() if assessment is None else None
        minutes = self.settings.session_min
        first = guidance()["first_session"]
        if not self.settings.first_session_done and minutes and minutes > float(first["minutes"]):
            minutes = float(first["minutes"])  # a gentler start
            self.instruction.setText(first["note"])
        record = self.record_dir is not None and self.record_check.isChecked()
        if self.lsl_local_check.isChecked() and not self._keep_lsl_to_this_machine():
            return None
        return SessionSpec(
            source=self.choice,
            pacer=ps if (self.guide_check.isChecked() or assessment or protocol) else None,
            protocol=protocol,
            assessment=assessment,
            adaptive=self.adaptive_check.isChecked(),
            record=record,
            record_dir=self.record_dir,
            participant=self.settings.participant,
            duration_s=minutes * 60.0 if minutes else None,
            speed=self.speed,
            lsl=self.lsl_check.isChecked() or self.lsl_local_check.isChecked(),
            resonance_bpm=self.settings.resonance_bpm,
            auto_phases=self.auto_check.isChecked(),
            consent={"recording": self.settings.consent_recording,
                     "given_utc": self.settings.consent_utc},
            checkin_before=self.checkin_before,
        )  # fmt: skip

    def _keep_lsl_to_this_machine(self) -> bool:
        """As ``--lsl-local``: liblsl's machine-only configuration, before pylsl loads.

        Done once (liblsl reads its configuration once); False, with a message, when LSL
        already started in this program on the network and can no longer be kept here.
        """
        import os

        from resonant.session.lsl import LslError, keep_to_this_machine

        if self.lsl_local_config is not None and os.environ.get("LSLAPICFG") == str(
            self.lsl_local_config
        ):
            return True
        try:
            self.lsl_local_config = keep_to_this_machine()
        except LslError as exc:
            import sys

            self._status(
                "LSL already started on the network in this window, so it cannot be kept "
                "to this computer now: start resonant again to use This computer only."
                if "pylsl" in sys.modules else f"Cannot start: {exc}"
            )  # fmt: skip
            return False
        return True

    def apply_spec(self, spec: SessionSpec) -> None:
        """Show ``spec`` in the controls (the demo's options), for this and later sessions."""
        self.with_choice(spec.source)
        if spec.pacer is not None:
            self._store(pace_bpm=spec.pacer.rate_bpm, ratio=spec.pacer.ratio,
                        hold_in_s=spec.pacer.hold_in_s, hold_out_s=spec.pacer.hold_out_s)  # fmt: skip
            self._apply_settings_to_controls()
        self.guide_check.setChecked(spec.pacer is not None)
        self.adaptive_check.setChecked(spec.adaptive)
        self.lsl_check.setChecked(spec.lsl)
        self.auto_check.setChecked(spec.auto_phases)
        if spec.protocol is not None:
            k = self.protocol_combo.findData(spec.protocol)
            if k < 0:
                self.protocol_combo.addItem(Path(spec.protocol).stem, spec.protocol)
                k = self.protocol_combo.count() - 1
            self.protocol_combo.setCurrentIndex(k)
        self.speed = spec.speed

    def start(self, spec: SessionSpec | None = None, checked_in: bool = False) -> None:
        """Start a session: ``spec``, or the one the controls describe.

        With the check-in on, the short check-in comes first (it can be skipped).
        """
        if self.running:
            return
        if self.settings.checkin and not checked_in:
            from resonant.gui.care import CheckInDialog

            dialog = CheckInDialog(after=False, parent=self)

            def begin(result: int) -> None:
                self.checkin_before = dialog.answers() if result else None
                self.start(spec, checked_in=True)

            dialog.finished.connect(begin)
            dialog.open()
            self.checkin_dialog = dialog
            return
        if self.instruction.text() == READY:
            self.instruction.setText("")
        if spec is None:
            spec = self.spec_from_controls()
            if spec is None:
                return
        self.history = History()
        try:
            assembly = assemble(
                spec, sinks=[self.history], on_problem=self._status,
                on_phase=self._on_phase, max_speed=WINDOW_SPEED_MAX,
            )  # fmt: skip
        except ResonantError as exc:  # a bad recording, option or folder: say it, start nothing
            self.start_error = exc
            self._status(f"Cannot start: {exc}")
            self.instruction.setText(f"The session could not start: {exc}")
            return
        self.start_error = None
        self.assembly = assembly
        self.session = assembly.session
        self.clock = assembly.clock
        self.recorder = assembly.recorder
        self.runner = assembly.runner
        self.source_label = None
        if self.runner is not None:
            self._on_phase(0, self.runner.protocol.phases[0])
        self.task = asyncio.ensure_future(self.session.run())
        self.task.add_done_callback(self._finished)
        self.summary.hide()
        self.report_path = None
        self._wake_guide()
        if self.runner is not None and self.ui.page() == "practice" and not self.in_focus:
            self.show_page("detail")  # a clinician's protocol: its phases are in the detail
        where = f" Recording to {self.recorder.folder}." if self.recorder and spec.record else ""
        invitation = (
            "Breathe gently with the guide, if it feels right for you."
            if self.session.pacer is not None or self.runner is not None
            else "Breathe at your own pace; there is nothing to get right."
        )
        notes = " ".join(assembly.notes)
        guide = assembly.guide_start
        starts = f" {guide[:1].upper()}{guide[1:]}." if guide else ""
        self._status(
            f"Session started with the {spec.source.describe()}.{starts}{where} {invitation} "
            f"{notes}".strip()
        )
        self._update_buttons()

    def _finished(self, task: asyncio.Task[SessionSummary]) -> None:
        summary = None
        with contextlib.suppress(asyncio.CancelledError, Exception):
            summary = task.result()
        self.last_summary = summary
        outcome = None
        if self.assembly is not None and summary is not None:
            outcome = self.assembly.close(summary)
        self.last_outcome = outcome
        if outcome is not None and self.assembly is not None and self.assembly.plan is not None:
            self._show_assessment(outcome)
        if self.runner is not None and outcome is not None and outcome.folder is not None:
            self.instruction.setText(guidance()["closing"]["thanks"])
            self.compare()
        if summary is not None and not self.settings.first_session_done:
            self._store(first_session_done=True)
        if self.settings.checkin and self.recorder is not None and outcome is not None:
            self._checkin_after(self.recorder)
        if outcome is not None and outcome.problems:
            self._status(" ".join(outcome.problems))
        elif outcome is not None:
            saved = f" Saved in {outcome.folder}." if outcome.folder and self.recorder else ""
            self._status(guidance()["closing"]["thanks"] + saved)
        self.pacer_view.message = ""
        self._rest_guide()
        self._show_ended(summary)
        self._show_summary(summary, outcome)
        self._update_buttons()

    # -- the end of a session -------------------------------------------------------------------

    def _rest_guide(self) -> None:
        """The guide rests once a session has ended (it no longer follows the schedule)."""
        view = self.pacer_view
        if hasattr(view, "rest"):
            view.rest()
        else:  # an older guide: show the free cue over a still background
            view.last_state = None
            view.update()
        if self.presenter is not None and hasattr(self.presenter, "rest"):
            self.presenter.rest()

    def _wake_guide(self) -> None:
        """The guide follows the schedule again (a new session)."""
        for view in (self.pacer_view, self.presenter):
            if view is not None and hasattr(view, "wake"):
                view.wake()
            if view is not None and hasattr(view, "warmth"):
                view.warmth = 0.0

    def _show_ended(self, summary: SessionSummary | None) -> None:
        """The tiles' last values, with the signal saying the session has ended."""
        if self.session is None:
            return
        with contextlib.suppress(Exception):
            self.tiles.fill(self.session.snapshot(), self.source_label)
        self.tiles.quality.show_value("ended", self.tiles.quality.note.text())
        self._show_time()
        if summary is not None:  # the time practised, as the summary says it
            total = self.session.snapshot().duration_s
            self.time_label.setText(
                fmt_clock(summary.elapsed_s) + (f" / {fmt_clock(total)}" if total else "")
            )

    def _show_summary(self, summary: SessionSummary | None, outcome: Outcome | None) -> None:
        """A short, kind summary on the practice page: how long, a gentle sentence, links."""
        if summary is None or (self.assembly is not None and self.assembly.plan is not None):
            return
        length = practised(summary.elapsed_s)
        muted = self.theme.muted
        self.summary_text.setText(
            f"<p style='font-size: large'>You practised for {length}.</p>"
            f"<p style='color: {muted}'>{SUMMARY_WORDS[0]}</p>"
        )
        recorded = outcome is not None and outcome.folder is not None and self.recorder is not None
        self.report_button.setVisible(recorded)
        self.summary.show()

    def open_report(self, show: bool = True) -> Path | None:
        """Make the recorded session's one-page report (HTML, for the client) and open it.

        The report is made once per session, next to the session folder's files
        (``report.html`` in the folder); ``show`` False makes it without opening it.
        """
        outcome = self.last_outcome
        if outcome is None or outcome.folder is None:
            self._status("Only a recorded session has a report.")
            return None
        from resonant.folder.read import RecordingError
        from resonant.reports.page import ReportError, make_report

        path = Path(outcome.folder) / "report.html"
        if not path.exists():
            try:
                make_report(outcome.folder, path, "client")
            except (ReportError, RecordingError) as exc:
                self._status(f"The report could not be made: {exc}")
                return None
        self.report_path = path
        if show:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
            self._status(f"The report is in {path}.")
        return path

    def assess(self, protocol_name: str | None = None) -> None:
        """Run a resonance assessment with the chosen source (stepped or sliding)."""
        if self.running:
            self._status("Stop the session before starting an assessment.")
            return
        if protocol_name is None:
            from PyQt6.QtWidgets import QInputDialog

            choices = ["stepped: 5 rates, 2 minutes each (about 10 min)",
                       "sliding: one slow sweep (about 15 min)"]  # fmt: skip
            item, ok = QInputDialog.getItem(
                self, "Find your resonance rate", "Protocol", choices, 0, False
            )
            if not ok:
                return
            protocol_name = item.split(":")[0]
        spec = self.spec_from_controls(AssessmentSpec(protocol_name))
        if spec is not None:
            self.start(spec)

    def _show_assessment(self, outcome: Outcome) -> None:
        from resonant.gui.results import ResultsDialog

        result = outcome.assessment
        if result is None:  # a cut-short assessment: say so, keep the window
            why = outcome.assessment_problem or "too little was recorded"
            self._status(f"The assessment could not be scored: {why}")
            return
        self.last_assessment = result
        dialog = ResultsDialog(result, outcome.summary.reason == "completed", self)
        dialog.accepted_rate.connect(self._accept_rate)
        dialog.repeat.connect(lambda: self.assess(result.protocol))
        dialog.open()
        self.results_dialog = dialog

    def _accept_rate(self, rate: float) -> None:
        rounded = accepted_rate(rate)
        self._store(resonance_bpm=rounded, pace_bpm=rounded)
        self._apply_settings_to_controls()
        self._status(
            f"Your resonance rate {rounded:g}/min is saved: from now on the guide starts "
            "there, here and in resonant record and demo, unless you change the Pace."
        )

    def _on_phase(self, k: int, phase: Phase) -> None:
        if self.runner is None:  # the first phase, while the session is assembled: start()
            return  # shows it once the runner is known
        n = len(self.runner.protocol.phases)
        self.instruction.setText(f"<b>Phase {k + 1} of {n}: {phase.name}</b><br>{phase.instruction}")
        self._status(f"Phase {k + 1} of {n}: {phase.name}.")

    def first_run(self, then: Callable[[], None] | None = None) -> None:
        """The welcome page: what resonant is and is not, going gently, and consent.

        ``then`` runs once the person presses Begin (the demo starts its session then).
        :attr:`first_run_dialog` is the page (its ``consent``, ``participant`` and
        ``accept()``), as the welcome dialog's were.
        """
        page = self.welcome
        page.consent.setChecked(self.settings.consent_recording is True)
        page.participant.setText(self.settings.participant or "")
        self.after_welcome = then
        if self.ui.page() != "welcome":
            self._page_before_welcome = self.ui.page()
        self.show_page("welcome")
        page.begin_button.setFocus()
        self.first_run_dialog = page

    def _welcome_done(self) -> None:
        page = self.welcome
        self._store_kept(
            consent_recording=page.consent.isChecked(),
            consent_utc=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            participant=page.participant.text().strip() or None,
        )  # fmt: skip
        self._show_record_choice()
        self.show_page(self._page_before_welcome)
        then, self.after_welcome = self.after_welcome, None
        if then is not None:
            then()

    def show_safety(self) -> None:
        """The safety guidance, any time."""
        from resonant.gui.care import SafetyDialog

        self.safety_dialog = SafetyDialog(self)
        self.safety_dialog.open()

    def set_eyes_closed(self, on: bool, chosen: bool = True) -> None:
        """Eyes-closed mode: tones lead, the screen stays quiet (the guide alone).

        ``chosen`` is False when the window opens with the mode as it was left (once it
        knows whether tones can play): then nothing is stored and the page is not changed.
        """
        if chosen:
            self._store(eyes_closed=on)
        if on:
            from resonant.gui.tone import eyes_closed_text

            tones = self.tone_check.isEnabled()
            text = eyes_closed_text(tones)
            if tones and chosen:
                self.tone_check.setChecked(True)
            elif not self._said_no_sound:  # why there are no tones: plainly, once
                self._said_no_sound = True
                why = self.tone_check.toolTip()
                text = f"{why} {text}" if why else text
            self.instruction.setText(text)
            if chosen:
                self.show_page("practice")
        else:
            self.instruction.setText("")

    def grounding_pause(self) -> None:
        """A pause with grounding words; press again (or G) to carry on."""
        if not self.running or self.clock is None:
            return
        self.grounding = not self.grounding
        if self.grounding:
            if self.choice.kind != "ble" and not self.clock.paused:
                self.clock.pause()
            self.pacer_view.message = " "
            self.instruction.setText(guidance()["grounding"]["text"])
        else:
            if self.clock.paused:
                self.clock.resume()
            self.pacer_view.message = ""
            self.instruction.setText("")
        self._update_buttons()

    def _checkin_after(self, recorder: Recorder) -> None:
        from resonant.gui.care import CheckInDialog

        dialog = CheckInDialog(after=True, parent=self)

        def done(result: int) -> None:
            after = dialog.answers() if result else None
            recorder.update_metadata(checkin={"before": self.checkin_before, "after": after})

        dialog.finished.connect(done)
        dialog.open()
        self.checkin_dialog = dialog

    def next_phase(self) -> None:
        """End the current protocol phase now (a clinician's choice) and start the next."""
        if self.runner is not None and self.running and self.session is not None:
            self.runner.next_phase(self.session.view_time())

    def compare(self) -> None:
        """Show the phases side by side (from what has been recorded so far)."""
        from resonant.gui.compare_view import CompareDialog

        if self.recorder is None:
            self._status("Phases can be compared for a recorded session.")
            return
        try:
            dialog = CompareDialog(self.recorder.folder, self)
        except Exception as exc:  # too little recorded yet: say so
            self._status(f"Nothing to compare yet ({exc}).")
            return
        dialog.open()
        self.compare_dialog = dialog

    def toggle_presenter(self) -> None:
        """The guide alone in its own window, full screen on a second display if there is one."""
        if self.presenter is not None:
            self.presenter.close()  # its ``closed`` signal forgets it
            return
        from PyQt6.QtCore import Qt
        from PyQt6.QtGui import QGuiApplication

        # Owned by the main window but a window of its own: Qt does not count it as a
        # primary window, so closing the main window still ends the program.
        view = PacerView(self._pacer_now, parent=self)
        view.setWindowFlag(Qt.WindowType.Window, True)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        view.theme = self.theme
        view.setWindowTitle("resonant — breathing guide")
        view.closed.connect(lambda: self._presenter_closed(view))
        # The client's keys there do what they do here (Space, S, G, Ctrl+Q: the window's
        # application-wide shortcuts, :meth:`key`); F makes the presenter itself full
        # screen or not, and Escape (a key of each window) leaves full screen.
        QShortcut(QKeySequence("Escape"), view).activated.connect(
            lambda: self._presenter_full_screen(False)
        )
        if hasattr(view, "warmth"):
            view.warmth = getattr(self.pacer_view, "warmth", 0.0)
        if not self.running and hasattr(view, "rest"):
            view.rest()
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            view.setScreen(screens[1])
            view.setGeometry(screens[1].geometry())
            view.showFullScreen()
        else:
            view.resize(700, 700)
            view.show()
        view.start()
        self.presenter = view

    def _presenter_full_screen(self, on: bool | None) -> None:
        """The presenter full screen (True), in a window (False) or the other way (None)."""
        view = self.presenter
        if view is None:
            return
        if on is None:
            on = not view.isFullScreen()
        if on:
            view.showFullScreen()
        elif view.isFullScreen():
            view.showNormal()

    def _presenter_closed(self, view: PacerView) -> None:
        """Forget the presenter once it is closed (by the button, its window or the program)."""
        if self.presenter is view:
            self.presenter = None

    def toggle_pause(self) -> None:
        """Pause or resume (simulated strap and recordings; a live strap cannot be paused)."""
        if not self.running or self.clock is None or self.choice.kind == "ble":
            return
        if self.clock.paused:
            self.clock.resume()
            self.pacer_view.message = ""
            self._status("Resumed.")
        else:
            self.clock.pause()
            self.pacer_view.message = guidance()["cues"]["paused"]
            self._status("Paused. Press Space or Pause to go on.")
        self._update_buttons()

    def stop(self) -> None:
        """End the session (it is saved when recording)."""
        if self.marker_dialog is not None:  # a label being typed: the marker goes in first
            self.marker_dialog.done(1)
        if self.session is not None and self.running:
            if self.clock is not None and self.clock.paused:
                self.clock.resume()
            self.session.stop("stopped")

    def mark(self) -> None:
        """Put a marker into the session's events now (M)."""
        if self.session is None or not self.running:
            return
        ev = self.session.mark("")
        self._status(f"Marker at {ev.onset_s:.0f} s.")

    def mark_with_label(self) -> None:
        """A marker with a label (Shift+M): its time is taken now, its words asked after.

        :meth:`Session.mark` takes the label with the time, so the time is read at the
        key press and the marker is put, with that time, once the label is given (or
        without a label when the small dialog is closed).
        """
        if self.session is None or not self.running or self.marker_dialog is not None:
            return
        from resonant.model.beats import Event

        session = self.session
        at_s = session.clock.now()
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Marker")
        dialog.setLabelText(f"A few words for the marker at {at_s:.0f} s (optional)")
        dialog.setModal(False)

        def done(result: int) -> None:
            label = dialog.textValue().strip() if result else ""
            if self.session is session and self.running:
                session.emit(Event(at_s, "marker", label))
            self.marker_dialog = None
            self._status(f"Marker at {at_s:.0f} s" + (f": {label}." if label else "."))

        dialog.finished.connect(done)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.marker_dialog = dialog

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setText("Stop" if running else "Start")
        self.start_button.setToolTip(
            "Stop (S) ends the session" if running else "Start (Space)"
        )
        self.detail_start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.marker_button.setEnabled(running)
        self.marker_label_button.setEnabled(running)
        self.pause_button.setEnabled(running and self.choice.kind != "ble")
        paused = self.clock is not None and self.clock.paused
        self.pause_button.setText("Resume" if paused else "Pause")
        self.source_button.setEnabled(not running)
        self.protocol_combo.setEnabled(not running)
        self.next_button.setEnabled(running and self.runner is not None)
        self.assess_button.setEnabled(not running)

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw tiles and plots from the session (10 Hz; still after it has ended)."""
        s = self.session
        if s is None or not self.running:
            return
        snap = s.snapshot()
        self._show_time(snap)
        if self.source_label is None and snap.sources:
            self.source_label = snap.sources[0].label
        self._renders += 1
        if self._renders % TILE_EVERY == 0 or not s.sources:
            self.tiles.fill(snap, self.source_label)
        psd = s.spectrum(self.source_label) if self.source_label else None
        self.plots.refresh(self.history, self.source_label, snap.time_s, s.pacer, psd)
        self._show_group(snap)
        self._show_warmth(snap)
        practice_name = self.practice_combo.currentData()
        if (
            practice_name is not None
            and self.runner is None
            and snap.running
            and not self.grounding
        ):
            from resonant.model.practices import practices

            prompt = practices()[practice_name].prompt_at(snap.elapsed_s)
            if prompt and self.instruction.text() != prompt:
                self.instruction.setText(prompt)
        if self.presenter is not None:
            # The client sees the grounding words on their screen; here they are below the guide.
            self.presenter.message = (
                self.instruction.text() if self.grounding else self.pacer_view.message
            )
        if snap.sources:
            state = snap.sources[0].state
            if state in ("reconnecting", "lost"):
                cues = guidance()["cues"]
                self.pacer_view.message = cues[state]
            elif self.pacer_view.message in (guidance()["cues"]["reconnecting"],
                                             guidance()["cues"]["lost"]):  # fmt: skip
                self.pacer_view.message = ""

    def _show_warmth(self, snap: SessionSnapshot) -> None:
        """The guide's warmth (0-1) from how the rhythm is settling: felt, never a score.

        The shown person's coherence score at the challenge level
        (:func:`resonant.gui.pacer_view.warmth_for_coherence`).
        """
        from resonant.gui.pacer_view import warmth_for_coherence

        src = next((x for x in snap.sources if x.label == self.source_label), None)
        score = src.spectral.coherence_score if src and src.spectral else None
        warmth = warmth_for_coherence(score, self.settings.challenge_level)
        for view in (self.pacer_view, self.presenter):
            if view is not None:
                view.warmth = warmth

    def _show_time(self, snap: SessionSnapshot | None = None) -> None:
        """The quiet time under the guide: elapsed, and of how long when set."""
        if snap is None:
            if self.session is None:
                return
            snap = self.session.snapshot()
        total = f" / {fmt_clock(snap.duration_s)}" if snap.duration_s else ""
        text = f"{fmt_clock(snap.elapsed_s)}{total}"
        if self.time_label.text() != text:
            self.time_label.setText(text)

    def _show_group(self, snap: SessionSnapshot) -> None:
        """Every person's values, when several people (straps, simulated people) take part.

        The row of the person the tiles and plots show is selected; choosing another
        row shows that person (:meth:`show_person`).
        """
        sources = snap.sources
        if len(sources) < 2:
            self.group.hide()
            return
        from PyQt6.QtWidgets import QTableWidgetItem

        # A simulated person's state (rest, threat, soothing) beside the link's.
        feeling = {}
        for source in self.session.sources if self.session is not None else ():
            info = source.info
            if info.kind == "simulated" and info.settings.get("state"):
                feeling[info.label] = str(info.settings["state"])
        self.group.show()
        if self.group.rowCount() != len(sources):
            self.group.setRowCount(len(sources))
            rows_px = sum(self.group.rowHeight(r) for r in range(len(sources)))
            header = self.group.horizontalHeader()
            height = rows_px + (header.height() if header else 0) + 2 * self.group.frameWidth()
            self.group.setMaximumHeight(height + 2)
            self.group.setMinimumHeight(height + 2)
        for r, src in enumerate(sources):
            b, sp = src.beat, src.spectral
            state = src.state + (f" · {feeling[src.label]}" if src.label in feeling else "")
            cells = [
                src.label, state,
                f"{b.hr_mean_bpm:.0f}" if b and b.hr_mean_bpm else "–",
                f"{b.rmssd_ms:.0f}" if b and b.rmssd_ms is not None else "–",
                f"{sp.coherence_score:.1f}" if sp and sp.coherence_score is not None else "–",
                f"{sp.breathing_rate_bpm:.1f}" if sp and sp.breathing_rate_bpm else "–",
            ]  # fmt: skip
            for c, text in enumerate(cells):
                item = self.group.item(r, c)
                if item is None:
                    self.group.setItem(r, c, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
            if src.label == self.source_label and self.group.currentRow() != r:
                self.group.selectRow(r)

    def show_person(self, row: int, _column: int = 0) -> None:
        """Show the group table's person in ``row`` in the tiles and plots."""
        item = self.group.item(row, 0)
        if item is not None and item.text() and self.session is not None:
            self.source_label = item.text()
            self.tiles.fill(self.session.snapshot(), self.source_label)

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Stop a running session, close the presenter and the settings, remember the size."""
        self.stop()
        if self.presenter is not None:
            self.presenter.close()
        self.settings_dialog.close()
        if not self.isFullScreen() and not self.isMaximized() and self.remember_size:
            self._store(window_width=self.width(), window_height=self.height())
        super().closeEvent(event)

    def with_choice(self, choice: SourceSpec) -> MainWindow:
        """Use ``choice`` for the next session."""
        self.choice = choice
        self.source_label_widget.setText(choice.describe())
        self.settings_dialog.source_text.setText(choice.describe())
        self._update_buttons()
        return self
