"""The breathing guide: a calm shape that grows on the in-breath and shrinks on the out-breath.

It draws the pacer schedule's target volume at the time it is asked, from the session's
monotonic clock at the display's refresh rate (a 16 ms timer), never from data arrival,
so it stays smooth when beats come in bursts or stop. It computes nothing: the radius is
a linear map of the schedule's volume (0-1), which already carries the schedule's own
easing (hrv-spec §9), so the shape follows the breath exactly, with no added lag.

Two quiet states besides breathing:

- **warmth** (0-1): a soft apricot light behind the shape that grows as the rhythm
  settles (:func:`warmth_for_coherence`). It is felt rather than read: no number, never
  red, and it eases over seconds (:data:`WARMTH_TAU_S`) so a new 5-s coherence value
  never makes it flicker.
- **resting** (:meth:`PacerView.rest`): after a session the shape settles over
  :data:`REST_S` to a small still form with no cue, and the frame timer stops once
  nothing moves; :meth:`PacerView.wake` joins the next session's schedule from there
  over :data:`WAKE_S`, so the shape never jumps.

Drawing is kept light for software rendering: the still parts (background, the ring of
a full breath, the warm light at one of :data:`WARMTH_STEPS` levels) are one cached
pixmap per size, theme and level; the cue is a prepared static text; each frame
repaints only the square the shape can occupy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PyQt6.QtCore import QEvent, QPointF, QRect, QRectF, QSizeF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QPainter,
    QPen,
    QPixmap,
    QRadialGradient,
    QStaticText,
    QTextOption,
)
from PyQt6.QtWidgets import QSizePolicy, QWidget

from resonant.config.palette import THEMES, Theme
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance
from resonant.session.core import SessionSnapshot
from resonant.signal.coherence import CHALLENGE_LEVELS

__all__ = [
    "PacerView",
    "CUES",
    "MIN_RADIUS_SHARE",
    "REST_VOLUME",
    "REST_S",
    "WAKE_S",
    "WARMTH_TAU_S",
    "WARMTH_STEPS",
    "warmth_for_coherence",
    "warmth_from_snapshot",
]

#: Short invitational cues shown under the shape, by phase (from the guidance data).
CUES = {
    k: v for k, v in guidance()["cues"].items() if k in ("inhale", "hold_in", "exhale", "hold_out")
}
#: The smallest circle, as a share of the largest (volume 0).
MIN_RADIUS_SHARE = 0.35
#: The resting shape's size, as a volume (0-1): a little above an empty breath.
REST_VOLUME = 0.15
#: Seconds the shape takes to settle into its resting form (raised-cosine easing).
REST_S = 2.5
#: Seconds over which a waking shape joins the schedule from its resting size.
WAKE_S = 1.0
#: Time constant of the warmth's easing, s: it takes about 3 of them to settle.
WARMTH_TAU_S = 4.0
#: Levels of warmth drawn (the warm light is cached per level; 1/48 steps are unseen).
WARMTH_STEPS = 48
#: Warmth at the challenge level's low/medium threshold (0 at ratio 0, 1 at medium/high).
WARMTH_AT_MEDIUM = 0.4
#: Strongest opacity of the warm light at its centre (warmth 1): a glow, not a colour.
GLOW_ALPHA = 0.6
#: Opacity of the ring of a full breath.
RING_ALPHA = 0.2
FRAME_MS = 16


def warmth_for_coherence(score: float | None, level: int = 1) -> float:
    """How warm the guide glows for a coherence score, 0-1.

    The map is piecewise linear in the coherence ratio (score = min(ratio, 16),
    hrv-spec §5.1-5.3): 0 at a ratio of 0, :data:`WARMTH_AT_MEDIUM` at the challenge
    level's low/medium threshold, 1 at its medium/high threshold and above. At level 1
    (thresholds 0.5 and 1.8, vendor-described) a ratio of 0.25 gives 0.2, 0.5 gives 0.4,
    1.15 gives 0.7 and 1.8 or more gives 1. No score (not yet computed, suppressed for
    too many corrected beats) gives 0, so the warmth fades gently rather than guessing.

    Parameters
    ----------
    score : float or None
        The coherence score (0-16) of the last 64 s, or None.
    level : int
        Challenge level 1-4 (:data:`resonant.signal.coherence.CHALLENGE_LEVELS`).

    Returns
    -------
    float
        Warmth, 0 (none) to 1 (fullest).
    """
    if score is None or not math.isfinite(score) or score <= 0.0:
        return 0.0
    lo, hi = CHALLENGE_LEVELS[level]
    if score < lo:
        return WARMTH_AT_MEDIUM * score / lo
    if score < hi:
        return WARMTH_AT_MEDIUM + (1.0 - WARMTH_AT_MEDIUM) * (score - lo) / (hi - lo)
    return 1.0


def warmth_from_snapshot(snap: SessionSnapshot, source: str | None, level: int = 1) -> float:
    """:func:`warmth_for_coherence` of ``source``'s latest coherence score in ``snap``.

    The first source stands in when ``source`` is None or absent (as the tiles do); no
    source or no score yet gives 0.
    """
    src = next((s for s in snap.sources if s.label == source), None)
    if src is None and snap.sources:
        src = snap.sources[0]
    score = src.spectral.coherence_score if src is not None and src.spectral else None
    return warmth_for_coherence(score, level)


def _eased(x: float) -> float:
    """Raised-cosine easing of 0-1 (no jerk at either end)."""
    x = min(1.0, max(0.0, x))
    return 0.5 - 0.5 * math.cos(math.pi * x)


class PacerView(QWidget):
    """The breathing guide.

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
    stops animating then. Set :attr:`warmth` (0-1, from :func:`warmth_for_coherence`)
    whenever a new coherence value comes; call :meth:`rest` after a session and
    :meth:`wake` when the next one starts.
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
        self._theme: Theme = THEMES["light"]
        self._message = ""
        self.frames = 0
        self.last_state: PacerState | None = None
        self._warmth = 0.0  # the target
        self._shown_warmth = 0.0  # what is drawn, eased towards the target
        self._resting = False
        self._rest_from = 0.0  # volume when rest() was called
        self._rest_ticks = 0
        self._volume: float | None = None  # the volume drawn
        self._drawn_level = -1  # the warmth level last drawn
        self._wake_from: float | None = None  # volume when woken, joined over WAKE_S
        self._wake_ticks = 0
        self._bg: QPixmap | None = None
        self._bg_key: tuple[object, ...] | None = None
        self._glow_pix: QPixmap | None = None
        self._glow_key: tuple[object, ...] | None = None
        self._text: tuple[object, ...] | None = None
        self._static = QStaticText()
        self._static.setPerformanceHint(QStaticText.PerformanceHint.AggressiveCaching)
        self._label = QStaticText()
        self._label_text = ""
        self._cue_font = QFont(self.font())
        self._cue_font.setPointSizeF(self.font().pointSizeF() * 1.35)
        self._last_phase: str | None = None
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setAccessibleName("Breathing guide")
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)

    # -- public state -----------------------------------------------------------------

    @property
    def theme(self) -> Theme:
        """The colours drawn (a new theme is drawn at once, even while resting)."""
        return self._theme

    @theme.setter
    def theme(self, theme: Theme) -> None:
        self._theme = theme
        self.update()

    @property
    def message(self) -> str:
        """Words shown instead of the cue (e.g. "paused"); drawn at once when changed."""
        return self._message

    @message.setter
    def message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.update()

    @property
    def warmth(self) -> float:
        """The warmth the guide is easing towards, 0-1 (set it from the coherence)."""
        return self._warmth

    @warmth.setter
    def warmth(self, value: float) -> None:
        v = float(value)
        self._warmth = min(1.0, max(0.0, v)) if math.isfinite(v) else 0.0
        if self._resting and not self._timer.isActive() and self.isVisible():
            self._timer.start()  # a resting guide still warms or cools gently

    @property
    def shown_warmth(self) -> float:
        """The warmth drawn now, 0-1 (eased over seconds towards :attr:`warmth`)."""
        return self._shown_warmth

    @property
    def resting(self) -> bool:
        """True after :meth:`rest`: a small, still shape and no cue."""
        return self._resting

    @property
    def volume(self) -> float | None:
        """The volume drawn now (0-1), or None when no shape is drawn."""
        return self._volume

    def start(self) -> None:
        """Start animating at the display rate."""
        self._timer.start()

    def stop(self) -> None:
        """Stop animating."""
        self._timer.stop()

    def rest(self) -> None:
        """Settle into the resting form: small, still, no cue (after a session ends)."""
        if self._resting:
            return
        self._resting = True
        self._rest_from = self._volume if self._volume is not None else REST_VOLUME
        self._rest_ticks = 0
        self.last_state = None
        self._last_phase = None
        self.update()
        if not self._timer.isActive():
            self._timer.start()

    def wake(self) -> None:
        """Follow the schedule again (a new session starts), joining it over :data:`WAKE_S`
        from the resting size, so the shape never jumps."""
        if self._resting and self._volume is not None:
            self._wake_from, self._wake_ticks = self._volume, 0
        self._resting = False
        self.update()
        self._timer.start()

    # -- animation --------------------------------------------------------------------

    def _tick(self) -> None:
        before = self._volume
        dt_s = FRAME_MS / 1000.0
        gap = self._warmth - self._shown_warmth
        if abs(gap) > 1e-3:
            self._shown_warmth += gap * (1.0 - math.exp(-dt_s / WARMTH_TAU_S))
        else:
            self._shown_warmth = self._warmth
        if self._resting:
            self._rest_ticks += 1
            share = _eased(self._rest_ticks * dt_s / REST_S)
            self._volume = self._rest_from + (REST_VOLUME - self._rest_from) * share
            if share >= 1.0 and self._shown_warmth == self._warmth:
                self._timer.stop()  # nothing moves: no frames at all
            self._repaint(before)
            return
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
        self._volume = None if state is None else state.volume
        if self._wake_from is not None and self._volume is not None:
            self._wake_ticks += 1
            share = _eased(self._wake_ticks * dt_s / WAKE_S)
            self._volume += (self._wake_from - self._volume) * (1.0 - share)
            if share >= 1.0:
                self._wake_from = None
        self._repaint(before)

    # -- geometry ---------------------------------------------------------------------

    def _centre(self) -> QPointF:
        return QPointF(self.width() / 2.0, self.height() * 0.42)

    def radius_for(self, volume: float) -> float:
        """Radius of the shape, px, for a target volume 0-1 at the widget's current size."""
        r_max = 0.40 * min(self.width(), self.height() * 0.8)
        return r_max * (MIN_RADIUS_SHARE + (1.0 - MIN_RADIUS_SHARE) * volume)

    def _glow_radius(self) -> float:
        """Radius of the warm light: 1.32 times a full breath's, kept inside the view so
        its soft edge is never cut off (a narrow guide beside the detail)."""
        c = self._centre()
        room = min(c.x(), c.y(), self.height() - c.y()) - 2.0
        return max(self.radius_for(1.0) + 4.0, min(1.32 * self.radius_for(1.0), room))

    # -- drawing ----------------------------------------------------------------------

    def _glow(self) -> QPixmap:
        """The warm light at full strength, a square around the centre (per size and theme)."""
        ratio = self.devicePixelRatioF()
        glow_r = self._glow_radius()
        key = (round(glow_r, 1), self.theme.pacer_glow, ratio)
        if self._glow_pix is None or self._glow_key != key:
            side = max(1, math.ceil(2 * glow_r))
            pix = QPixmap(max(1, int(side * ratio)), max(1, int(side * ratio)))
            pix.setDevicePixelRatio(ratio)
            pix.fill(Qt.GlobalColor.transparent)
            p = QPainter(pix)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            c = QPointF(side / 2.0, side / 2.0)
            grad = QRadialGradient(c, glow_r)
            warm = QColor(self.theme.pacer_glow)
            # Strongest under the shape, softly gone at 1.32 times a full breath's radius.
            for at, share in ((0.0, 1.0), (0.5, 0.9), (0.78, 0.6), (1.0, 0.0)):
                col = QColor(warm)
                col.setAlphaF(GLOW_ALPHA * share)
                grad.setColorAt(at, col)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(grad)
            p.drawEllipse(c, glow_r, glow_r)
            p.end()
            self._glow_pix, self._glow_key = pix, key
        return self._glow_pix

    def _background(self, level: int) -> QPixmap:
        """The still part (background, the warm light at ``level``, the full-breath ring).

        Made once per size, theme and warmth level: the warmth moves over seconds, so a
        new level is needed a few times a second at most (the cached light is laid on
        at that level's opacity), and each frame is a copy.
        """
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), self.theme, ratio, level)
        if self._bg is None or self._bg_key != key:
            t = self.theme
            pix = QPixmap(max(1, int(self.width() * ratio)), max(1, int(self.height() * ratio)))
            pix.setDevicePixelRatio(ratio)
            pix.fill(QColor(t.background))
            p = QPainter(pix)
            c = self._centre()
            if level > 0:
                glow = self._glow()
                half = glow.width() / ratio / 2.0
                p.setOpacity(level / WARMTH_STEPS)
                p.drawPixmap(QPointF(c.x() - half, c.y() - half), glow)
                p.setOpacity(1.0)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setBrush(Qt.BrushStyle.NoBrush)
            ring = QColor(t.pacer_ring)
            ring.setAlphaF(RING_ALPHA)
            p.setPen(QPen(ring, 1.5))
            r_max = self.radius_for(1.0)
            p.drawEllipse(c, r_max, r_max)
            p.end()
            self._bg, self._bg_key = pix, key
        return self._bg

    def _shape_rect(self, volume: float | None = None) -> QRect:
        """The square a shape of ``volume`` covers with its edge (None: the warm light's)."""
        c = self._centre()
        r = (self._glow_radius() if volume is None else self.radius_for(volume)) + 3.0
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect()

    def _cue_text(self) -> str:
        if self.message:
            return self.message
        if self._resting:
            return ""
        state = self.last_state
        return CUES.get(state.phase, "") if state else guidance()["cues"]["free"]

    def _repaint(self, before: float | None) -> None:
        """Ask for a frame: the whole view when the words change; else the square of the
        larger of the shape before and now (the light, when its level changes)."""
        key = (self._cue_text(), self._rate_text(), self.width(), self.theme)
        level = round(self._shown_warmth * WARMTH_STEPS)
        if key != self._text:
            self.update()
        elif level != self._drawn_level or self._volume is None or before is None:
            self.update(self._shape_rect())
        else:
            self.update(self._shape_rect(max(before, self._volume)))

    def _rate_text(self) -> str:
        s = self.last_state
        if s is None or self._resting:
            return ""
        return f"{s.rate_bpm:g} breaths/min · in:out {s.ratio}"

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt naming)
        """Draw the shape and the cue over the cached background."""
        self.frames += 1
        t = self.theme
        p = QPainter(self)
        level = round(self._shown_warmth * WARMTH_STEPS)
        self._drawn_level = level
        p.drawPixmap(0, 0, self._background(level))
        c = self._centre()
        volume = self._volume
        if volume is not None:
            r = self.radius_for(volume)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            # Opaque fill: blending a translucent disc costs more than drawing it.
            p.setBrush(QColor(t.pacer_fill))
            p.setPen(QPen(QColor(t.pacer_edge), 2.0))
            p.drawEllipse(c, r, r)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text, rate = self._cue_text(), self._rate_text()
        key = (text, rate, self.width(), t)
        if key != self._text:
            self._text = key
            self._static.setText(text)
            self._static.setTextWidth(max(40.0, self.width() - 48.0))
            option = QTextOption(Qt.AlignmentFlag.AlignHCenter)
            option.setWrapMode(QTextOption.WrapMode.WordWrap)
            self._static.setTextOption(option)
            self._static.prepare(font=self._cue_font)
            self._label.setText(rate)
            self._label.setTextWidth(float(self.width()))
            self._label.setTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
            self._label.prepare(font=self.font())
        if text:
            top = c.y() + 1.12 * self.radius_for(1.0)
            top = min(top, self.height() - 1.2 * self._static.size().height() - 4.0)
            p.setFont(self._cue_font)
            p.setPen(QColor(t.muted))
            p.drawStaticText(QPointF(24.0, top), self._static)
        if rate:
            p.setFont(self.font())
            p.setPen(QColor(t.muted))
            p.drawStaticText(QPointF(0.0, 8.0), self._label)
        p.end()

    def changeEvent(self, event: QEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Follow font changes (the cue is 1.35 times the widget's font)."""
        self._cue_font = QFont(self.font())
        self._cue_font.setPointSizeF(self.font().pointSizeF() * 1.35)
        self._text = None
        super().changeEvent(event)

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt naming)
        """Draw the whole view when it appears."""
        self._text = None
        super().showEvent(event)  # type: ignore[arg-type]

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802 (Qt naming)
        """Stop animating when closed as a window (the presenter), and say so."""
        self.stop()
        super().closeEvent(event)
        self.closed.emit()
