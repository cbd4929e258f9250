"""The trainer window: the pacer, live physiology, tiles and controls over one session.

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

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QCloseEvent, QColor, QFont, QKeySequence, QPalette, QShortcut
from PyQt6.QtWidgets import QApplication, QMainWindow, QStatusBar

from resonant.errors import ResonantError
from resonant.gui import WINDOW_SPEED_MAX
from resonant.model.clock import MonotonicClock, utc_now
from resonant.gui.layout import SHORTCUTS, WindowLayout
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
    {"toggle_pause", "stop", "grounding_pause", "toggle_focus", "leave_focus", "close"}
)


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
        self.choice = SourceSpec()
        self.assembly: Assembly | None = None
        self.last_outcome: Outcome | None = None
        self.start_error: ResonantError | None = None  # why the last Start did not start
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
        self.setWindowTitle("resonant — soothing rhythm breathing")
        self._build()
        self._apply_settings_to_controls()
        self.apply_theme()
        self._render_timer = QTimer(self)
        self._render_timer.setInterval(RENDER_MS)
        self._render_timer.timeout.connect(self.redraw)
        self._render_timer.start()
        self.pacer_view.start()

    # -- widgets and wiring -------------------------------------------------------------------

    def _build(self) -> None:
        """Make the widgets (:class:`WindowLayout`), keep them as attributes, wire them."""
        protocol_items: list[tuple[str, str]] = []
        try:
            from resonant.config.settings import user_protocols_dir
            from resonant.model.protocols import protocols

            for name, proto in protocols(user_protocols_dir()).items():
                if proto.assessment is None:
                    protocol_items.append((proto.title, name))
        except ValueError as exc:  # a broken protocol file of the user's: say it, go on
            self._status(str(exc))
        from resonant.model.practices import practices

        practice_items = [(practice.title, name) for name, practice in practices().items()]
        ui = WindowLayout(
            self._pacer_now, self._on_turn, self.choice.describe(), protocol_items, practice_items
        )
        self.ui = ui
        # Every widget stays an attribute of the window (tests, the benchmark, app.py use them).
        self.controls = ui.controls
        self.source_button = ui.source_button
        self.source_label_widget = ui.source_label_widget
        self.start_button = ui.start_button
        self.pause_button = ui.pause_button
        self.stop_button = ui.stop_button
        self.marker_label = ui.marker_label
        self.marker_button = ui.marker_button
        self.pace_spin = ui.pace_spin
        self.ratio_combo = ui.ratio_combo
        self.hold_in_spin = ui.hold_in_spin
        self.hold_out_spin = ui.hold_out_spin
        self.length_spin = ui.length_spin
        self.level_combo = ui.level_combo
        self.guide_check = ui.guide_check
        self.adaptive_check = ui.adaptive_check
        self.tone_check = ui.tone_check
        self.record_check = ui.record_check
        self.lsl_check = ui.lsl_check
        self.assess_button = ui.assess_button
        self.presenter_button = ui.presenter_button
        self.focus_button = ui.focus_button
        self.theme_button = ui.theme_button
        self.protocol_combo = ui.protocol_combo
        self.auto_check = ui.auto_check
        self.next_button = ui.next_button
        self.compare_button = ui.compare_button
        self.practice_combo = ui.practice_combo
        self.eyes_closed_check = ui.eyes_closed_check
        self.grounding_button = ui.grounding_button
        self.safety_button = ui.safety_button
        self.splitter = ui.splitter
        self.left = ui.left
        self.pacer_view = ui.pacer_view
        self.instruction = ui.instruction
        self.right = ui.right
        self.tiles = ui.tiles
        self.group = ui.group
        self.plots = ui.plots
        self.footer = ui.footer
        recording_allowed = self.record_dir is not None and self.settings.consent_recording is True
        self.record_check.setChecked(recording_allowed)
        self.record_check.setEnabled(recording_allowed)
        self.setCentralWidget(ui.central)
        self._status("Choose a source and press Start when you are ready.")
        self._wire()

    def _wire(self) -> None:
        """Connect the widgets' signals and the keyboard shortcuts to the window's slots."""
        self.start_button.clicked.connect(lambda: self.start())
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.marker_button.clicked.connect(self.mark)
        self.source_button.clicked.connect(self.choose_source)
        self.focus_button.clicked.connect(self.toggle_focus)
        self.assess_button.clicked.connect(self.assess)
        self.next_button.clicked.connect(self.next_phase)
        self.grounding_button.clicked.connect(self.grounding_pause)
        self.safety_button.clicked.connect(self.show_safety)
        self.eyes_closed_check.toggled.connect(self.set_eyes_closed)
        self.compare_button.clicked.connect(self.compare)
        self.group.cellClicked.connect(self.show_person)
        self.presenter_button.clicked.connect(self.toggle_presenter)
        self.theme_button.clicked.connect(self.toggle_theme)
        self.pace_spin.valueChanged.connect(self._pacer_controls_changed)
        self.ratio_combo.currentTextChanged.connect(self._pacer_controls_changed)
        self.hold_in_spin.valueChanged.connect(self._pacer_controls_changed)
        self.hold_out_spin.valueChanged.connect(self._pacer_controls_changed)
        self.length_spin.valueChanged.connect(self._length_changed)
        self.level_combo.currentIndexChanged.connect(self._level_changed)
        self.tone_check.toggled.connect(self._tone_changed)
        actions: dict[str, Callable[[], object]] = {
            "mark": self.mark, "toggle_focus": self.toggle_focus,
            "leave_focus": self.leave_focus, "toggle_pause": self.toggle_pause,
            "choose_source": self.choose_source, "start": lambda: self.start(),
            "stop": self.stop, "larger_text": lambda: self.scale_fonts(1.1),
            "smaller_text": lambda: self.scale_fonts(1 / 1.1),
            "normal_text": lambda: self.scale_fonts(None), "close": self.close,
            "next_phase": self.next_phase, "grounding_pause": self.grounding_pause,
        }  # fmt: skip
        self.shortcut_actions = actions  # the presenter binds some (PRESENTER_ACTIONS)
        for keys, action in SHORTCUTS:
            sc = QShortcut(QKeySequence(keys), self)
            sc.activated.connect(actions[action])
        self.marker_label.returnPressed.connect(self.mark)
        # Single-key shortcuts (M, F, Space) reach the window while the pacer has the focus;
        # a text field keeps its letters, and Enter in the marker field puts the marker.
        self.pacer_view.setFocus()
        self._update_buttons()

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
                  self.length_spin, self.level_combo, self.tone_check):  # fmt: skip
            w.blockSignals(True)
        self.pace_spin.setValue(s.pace_bpm)
        self.ratio_combo.setCurrentText(s.ratio)
        self.hold_in_spin.setValue(s.hold_in_s)
        self.hold_out_spin.setValue(s.hold_out_s)
        self.length_spin.setValue(s.session_min or 0.0)
        self.level_combo.setCurrentIndex(s.challenge_level - 1)
        self.tone_check.setChecked(s.tone)
        for w in (self.pace_spin, self.ratio_combo, self.hold_in_spin, self.hold_out_spin,
                  self.length_spin, self.level_combo, self.tone_check):  # fmt: skip
            w.blockSignals(False)
        self.tiles.challenge_level = s.challenge_level
        self._pace_tooltip()

    def _pace_tooltip(self) -> None:
        """Say on the Pace control where the guide starts and how to change it."""
        accepted = self.settings.resonance_bpm
        if accepted is None:
            tip = (
                "Breaths per minute for the guide: 6 unless you change it. "
                "Assess... can find the rate that suits you."
            )
        else:
            tip = (
                f"Breaths per minute for the guide. Your accepted resonance rate is "
                f"{accepted_rate(accepted):g}/min: the guide starts there unless you change this."
            )
        self.pace_spin.setToolTip(tip)

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
            font = QFont(app.font())
            font.setPointSizeF(10.0 * self.settings.font_scale)
            self.setFont(font)
        self.pacer_view.theme = t
        self.plots.apply_theme(t)
        self.tiles.apply_theme(t, 1.0)
        self.footer.setStyleSheet(f"color: {t.muted};")
        self.theme_button.setText("&Light" if t.name == "dark" else "&Dark")

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

    def toggle_focus(self) -> None:
        """Show the pacer alone, full screen (or come back)."""
        if self.right.isVisible():
            self.controls.hide()
            self.right.hide()
            self.footer.hide()
            self._status_bar().hide()
            self.showFullScreen()
        else:
            self.leave_focus()

    def leave_focus(self) -> None:
        """Back from focus mode."""
        self.controls.show()
        self.right.show()
        self.footer.show()
        self._status_bar().show()
        if self.isFullScreen():
            self.showNormal()

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
            self.choice = dialog.choice()
            self.source_label_widget.setText(self.choice.describe())
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
            lsl=self.lsl_check.isChecked(),
            resonance_bpm=self.settings.resonance_bpm,
            auto_phases=self.auto_check.isChecked(),
            consent={"recording": self.settings.consent_recording,
                     "given_utc": self.settings.consent_utc},
            checkin_before=self.checkin_before,
        )  # fmt: skip

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
        self._update_buttons()

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

    def first_run(self) -> None:
        """The welcome: what resonant is and is not, recording and consent, going gently."""
        from resonant.gui.care import FirstRunDialog

        dialog = FirstRunDialog(self.settings.participant, self)

        def done(_result: int) -> None:
            consent = dialog.consent.isChecked()
            self._store(
                consent_recording=consent, consent_utc=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                participant=dialog.participant.text().strip() or None,
            )  # fmt: skip
            allowed = consent and self.record_dir is not None
            self.record_check.setEnabled(allowed)
            self.record_check.setChecked(allowed)

        dialog.finished.connect(done)
        dialog.open()
        self.first_run_dialog = dialog

    def show_safety(self) -> None:
        """The safety guidance, any time."""
        from resonant.gui.care import SafetyDialog

        self.safety_dialog = SafetyDialog(self)
        self.safety_dialog.open()

    def set_eyes_closed(self, on: bool) -> None:
        """Eyes-closed mode: tones lead, the screen stays quiet (the guide alone)."""
        self._store(eyes_closed=on)
        if on:
            if self.tone_check.isEnabled():
                self.tone_check.setChecked(True)
            self.instruction.setText(guidance()["eyes_closed"]["text"])
            self.controls.hide()
            self.right.hide()
        else:
            self.controls.show()
            self.right.show()
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
        # The client's keys there do what they do here (S, Space, G, Ctrl+Q; F and
        # Escape make the presenter itself full screen or not).
        presenter_actions: dict[str, Callable[[], object]] = {
            **self.shortcut_actions, "toggle_focus": lambda: self._presenter_full_screen(None),
            "leave_focus": lambda: self._presenter_full_screen(False),
        }  # fmt: skip
        for keys, action in SHORTCUTS:
            if action in PRESENTER_ACTIONS:
                QShortcut(QKeySequence(keys), view).activated.connect(presenter_actions[action])
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
        if self.session is not None and self.running:
            if self.clock is not None and self.clock.paused:
                self.clock.resume()
            self.session.stop("stopped")

    def mark(self) -> None:
        """Put a marker (with the optional label) into the session's events."""
        if self.session is None or not self.running:
            return
        label = self.marker_label.text().strip()
        ev = self.session.mark(label)
        self.marker_label.clear()
        self.pacer_view.setFocus()
        self._status(
            f"Marker at {ev.onset_s:.0f} s" + (f": {label}" if label else "")
        )

    def _update_buttons(self) -> None:
        running = self.running
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.marker_button.setEnabled(running)
        self.pause_button.setEnabled(running and self.choice.kind != "ble")
        paused = self.clock is not None and self.clock.paused
        self.pause_button.setText("&Resume" if paused else "&Pause")
        self.source_button.setEnabled(not running)
        self.protocol_combo.setEnabled(not running)
        self.next_button.setEnabled(running and self.runner is not None)
        self.assess_button.setEnabled(not running)

    # -- drawing ------------------------------------------------------------------------------

    def redraw(self) -> None:
        """Redraw tiles and plots from the session (10 Hz)."""
        s = self.session
        if s is None:
            return
        snap = s.snapshot()
        if self.source_label is None and snap.sources:
            self.source_label = snap.sources[0].label
        self._renders += 1
        if self._renders % TILE_EVERY == 0 or not s.sources:
            self.tiles.fill(snap, self.source_label)
        psd = s.spectrum(self.source_label) if self.source_label else None
        self.plots.refresh(self.history, self.source_label, snap.time_s, s.pacer, psd)
        self._show_group(snap)
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
        """Stop a running session and close the presenter before closing."""
        self.stop()
        if self.presenter is not None:
            self.presenter.close()
        super().closeEvent(event)

    def with_choice(self, choice: SourceSpec) -> MainWindow:
        """Use ``choice`` for the next session."""
        self.choice = choice
        self.source_label_widget.setText(choice.describe())
        self._update_buttons()
        return self
