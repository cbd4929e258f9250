"""The breathing pacer: a calm shape that grows on the in-breath and shrinks on the out-breath.

It draws the pacer schedule's target volume at the time it is asked, from the session's
monotonic clock at the display's refresh rate (a 16 ms timer), never from data arrival,
so it stays smooth when beats come in bursts or stop. It computes nothing: the size is
a linear map of the schedule's volume (0-1).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QCloseEvent, QColor, QFont, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import QSizePolicy, QWidget

from resonant.config.palette import THEMES, Theme
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance

__all__ = ["PacerView", "CUES", "MIN_RADIUS_SHARE"]

#: Short invitational cues shown under the shape, by phase (from the guidance data).
CUES = {
    k: v for k, v in guidance()["cues"].items() if k in ("inhale", "hold_in", "exhale", "hold_out")
}
#: The smallest circle, as a share of the largest (volume 0).
MIN_RADIUS_SHARE = 0.35
FRAME_MS = 16


class PacerView(QWidget):
    """The pacer drawing.

    Parameters
    ----------
    state_at_now : callable
        Returns the pacer's state now (or None for no pacer / free breathing).
    on_turn : callable or None
        Called with the new phase at each inhale or exhale onset (for the optional tone).
    parent : QWidget or None
        The owner (the presenter window is the main window's, shown as its own window).

    Notes
    -----
    :attr:`closed` is emitted when the view is closed as a window (the presenter); it
    stops animating then.
    """

    #: Emitted when the view is closed as a window of its own (the presenter).
    closed = pyqtSignal()

    def __init__(
        self,
        state_at_now: Callable[[], PacerState | None],
        on_turn: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state_at_now = state_at_now
        self.on_turn = on_turn
        self.theme: Theme = THEMES["light"]
        self.message = ""  # shown instead of the cue (e.g. "paused")
        self.frames = 0
        self.last_state: PacerState | None = None
        self._bg: QPixmap | None = None
        self._bg_key: tuple[object, ...] | None = None
        self._cue_font = QFont(self.font())
        self._cue_font.setPointSizeF(self.font().pointSizeF() * 1.6)
        self._last_phase: str | None = None
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Breathing pacer")
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Start animating at the display rate."""
        self._timer.start()

    def stop(self) -> None:
        """Stop animating."""
        self._timer.stop()

    def _tick(self) -> None:
        state = self.state_at_now()
        if state is not None and state.phase != self._last_phase:
            if (
                self._last_phase is not None
                and state.phase in ("inhale", "exhale")
                and self.on_turn
            ):
                self.on_turn(state.phase)
            self._last_phase = state.phase
        self.last_state = state
        self.update()

    def radius_for(self, volume: float) -> float:
        """Radius of the shape, px, for a target volume 0-1 at the widget's current size."""
        r_max = 0.45 * min(self.width(), self.height() * 0.8)
        return r_max * (MIN_RADIUS_SHARE + (1.0 - MIN_RADIUS_SHARE) * volume)

    def _background(self) -> QPixmap:
        """The still part (background, the full-breath outline), drawn once per size/theme."""
        key = (self.width(), self.height(), self.theme.name, self.devicePixelRatioF())
        if self._bg is None or self._bg_key != key:
            ratio = self.devicePixelRatioF()
            pix = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
            pix.setDevicePixelRatio(ratio)
            pix.fill(QColor(self.theme.background))
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(self.theme.grid), 1.5, Qt.PenStyle.DashLine))
            r_max = self.radius_for(1.0)
            p.drawEllipse(QPointF(self.width() / 2.0, self.height() * 0.42), r_max, r_max)
            p.end()
            self._bg, self._bg_key = pix, key
        return self._bg

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt naming)
        """Draw the shape and the cue over the cached background."""
        self.frames += 1
        t = self.theme
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        state = self.last_state
        cx, cy = self.width() / 2.0, self.height() * 0.42
        r_max = self.radius_for(1.0)
        if state is not None:
            r = self.radius_for(state.volume)
            # Opaque fill: blending a translucent disc costs more than drawing it.
            p.setBrush(QColor(t.pacer_fill))
            p.setPen(QPen(QColor(t.pacer_edge), 2.0))
            p.drawEllipse(QPointF(cx, cy), r, r)
        text = self.message or (CUES.get(state.phase, "") if state else guidance()["cues"]["free"])
        p.setFont(self._cue_font)
        p.setPen(QColor(t.text))
        box = QRectF(0, cy + r_max + 10, self.width(), self.height() - (cy + r_max + 10))
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
        # Longer words (the grounding pause on the presenter) wrap within the margins.
        p.drawText(box.adjusted(24, 0, -24, 0), int(flags) | int(Qt.TextFlag.TextWordWrap), text)
        if state is not None:
            p.setFont(self.font())
            p.setPen(QColor(t.muted))
            p.drawText(
                QRectF(0, 8, self.width(), 24),
                Qt.AlignmentFlag.AlignHCenter,
                f"{state.rate_bpm:g} breaths/min · in:out {state.ratio}",
            )
        p.end()

    def changeEvent(self, event: QEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Follow font changes (the cue is 1.6 times the widget's font)."""
        self._cue_font = QFont(self.font())
        self._cue_font.setPointSizeF(self.font().pointSizeF() * 1.6)
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Stop animating when closed as a window (the presenter), and say so."""
        self.stop()
        super().closeEvent(event)
        self.closed.emit()
