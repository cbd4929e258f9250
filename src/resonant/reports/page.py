"""A one-page report of one session, made from its session folder alone.

``resonant report SESSION --out FILE.html|FILE.pdf`` writes what happened in a session:
heart rate across it, a typical minute close up with the guide's breathing curve, the
RMSSD and coherence trends, the spectrum of that minute, a table per protocol phase,
artifacts, the device and settings, and the resonance assessment when there was one.

Every number comes from the core: :func:`~resonant.signal.offline.analyze_rr` (the whole
session through :func:`~resonant.analysis.phases.analyze_recording`, and each phase through :func:`~resonant.analysis.phases.analyze_phases`, the
same slicing as ``resonant analyze``), :func:`~resonant.signal.resonance.nn_series`
(the corrected NN series), :func:`~resonant.signal.timedomain.time_domain` (RMSSD over
the live 60-s window every 5 s) and :func:`~resonant.signal.coherence.window_psd` (the 64-s spectrum). This
module only chooses, arranges and draws them.

The HTML file is self-contained (inline CSS, plots as PNG data URIs); the PDF has the
same content, laid out by Qt's :class:`~PyQt6.QtGui.QTextDocument` on A4 pages (one page
for ordinary sessions). The plots are drawn with :class:`~PyQt6.QtGui.QPainter`
(:func:`render_chart`), on Qt's offscreen platform when there is no display.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resonant._version import __version__
from resonant.analysis.phases import (
    PhaseResult,
    PhaseSpan,
    analyze_phases,
    analyze_recording,
    poor_data_note,
)
from resonant.analysis.compare import control_notes, protocol_plan
from resonant.model.beats import Event
from resonant.model.practices import guidance
from resonant.model.protocols import STRESSOR_MARK
from resonant.config.palette import THEMES
from resonant.folder.read import (
    PacerRows,
    parse_utc,
    read_pacer,
    Recording,
    RecordingError,
    path_kind,
    read_events,
    read_recording,
    read_session_json,
)
from resonant.errors import BadInputError
from resonant.model.atomic import OutputError, write_new
from resonant.signal.coherence import (
    CHALLENGE_LEVELS,
    COHERENCE_WINDOW_S,
    coherence_level,
    window_psd,
)
from resonant.signal.metrics import StreamConfig
from resonant.signal.offline import (
    MAX_CORRECTED_PCT,
    MIN_LF_STRETCH_S,
    RecordingAnalysis,
)
from resonant.signal.breathing_source import CHEST, SOURCE_WORDS
from resonant.signal.resonance import nn_series
from resonant.signal.rsa_breathing import UNCLEAR
from resonant.signal.spectrum import HF, LF
from resonant.signal.stream import update_ticks
from resonant.signal.timedomain import time_domain

__all__ = [
    "AUDIENCES",
    "ReportError",
    "SessionFacts",
    "GuideRun",
    "guide_runs",
    "ChartSeries",
    "load_session",
    "report_html",
    "make_report",
    "render_chart",
    "png_data_uri",
    "ensure_qt_app",
    "DISCLAIMER",
]

#: The sentence every report carries.
DISCLAIMER = "A training and teaching aid, not a medical device."
#: Report suffixes and their formats.
FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
#: Width of the laid-out page, CSS px (the PDF scales it to the A4 text width).
PAGE_WIDTH_PX = 760
#: Size of each plot on the page, CSS px; the PNGs hold 3x as many pixels.
PLOT_SIZE_PX = (368, 170)
#: Pixels per CSS px in the plot images (sharp in print and on high-density screens).
PLOT_SCALE = 3
#: The live windows: RMSSD over the last 60 s once 30 s are in, updates every 5 s.
_LIVE = StreamConfig()

_LIGHT = THEMES["light"]
#: How the coherence band of a ratio is named (challenge level 1; never a verdict).
_COHERENCE_WORDS = dict(guidance()["coherence_words"])
#: How a session ended, in plain words.
_END_WORDS = {
    "completed": "completed as planned",
    "stopped": "ended when you stopped it",
    "source ended": "ended when the replayed recording ran out",
    "source failed": "ended when the strap's connection closed",
}


class ReportError(BadInputError):
    """A report that cannot be made or saved, with one plain sentence."""


# -- reading the session ------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    """What a report shows about one session, read from its folder.

    Attributes
    ----------
    folder : Path
        The session folder.
    meta : dict
        ``session.json`` (empty when it is missing).
    recording : Recording
        The beats of the source reported (the first one).
    other_sources : list of str
        Labels of further sources, not in this report.
    events : list of Event
        ``events.tsv``.
    pacer : PacerRows or None
        ``pacer.tsv``; None when the session had no breathing guide.
    analysis : RecordingAnalysis
        :func:`~resonant.analysis.phases.analyze_recording` on the whole recording
        (with the guide and the chest accelerometer).
    nn_time_s, nn_ms : ndarray of float
        Corrected NN series (:func:`nn_series`), NaN between segments.
    nn_corrected : ndarray of bool
        Whether each NN value was made or changed by correction.
    phases : list of PhaseResult
        :func:`~resonant.analysis.phases.analyze_phases`: one per ``phase`` event, or
        one for the whole session.
    notes : list of str
        Sentences on what was read, assumed or skipped.
    """

    folder: Path
    meta: dict[str, Any]
    recording: Recording
    other_sources: list[str]
    events: list[Event]
    pacer: PacerRows | None
    analysis: RecordingAnalysis
    nn_time_s: NDArray[np.float64]
    nn_ms: NDArray[np.float64]
    nn_corrected: NDArray[np.bool_]
    phases: list[PhaseResult]
    notes: list[str] = field(default_factory=list)

    @property
    def start_utc(self) -> datetime | None:
        """Start of the session clock, or None when ``session.json`` does not say."""
        return parse_utc(self.meta.get("start_utc"))

    @property
    def complete(self) -> bool:
        """Whether ``session.json`` has its end fields (False for a cut-off session)."""
        return bool(self.meta.get("end_utc"))


def load_session(
    folder: str | Path, source: str | None = None, problems: list[str] | None = None
) -> SessionFacts:
    """Read and analyse a session folder (``beats.tsv`` and ``session.json`` suffice).

    ``source`` chooses one person of a group (their label); None: the first. A table
    that is there but cannot be used (``events.tsv``, ``pacer.tsv``, ``acc.tsv``) does
    not stop the report: the page says what is missing, and one sentence naming the
    file goes to ``problems`` when given (the command line exits 2 for it).

    Raises
    ------
    RecordingError
        When the folder or its beats cannot be read, or no person has that label.
    """
    p = Path(folder)
    kind = path_kind(p)  # a folder inside one the user may not open: one sentence
    if kind is None:
        raise RecordingError(p, "no such session folder")
    if kind != "folder":
        raise RecordingError(p, "is not a session folder (expected a folder with beats.tsv)")
    meta = read_session_json(p)
    recs = read_recording(p)
    rec = next((r for r in recs if source is None or r.source == source), None)
    if rec is None:
        labels = ", ".join(str(r.source) for r in recs)
        raise RecordingError(p, f"has no beats labelled {source!r} (it has {labels})")
    sim = meta.get("simulation")
    people = sim.get("people") if isinstance(sim, dict) else None
    if isinstance(people, list):  # a simulated group: the simulated person is this one
        mine = [q for q in people if isinstance(q, dict) and q.get("label") == rec.source]
        if mine:
            meta = {**meta, "simulation": mine[0]}
    notes = list(rec.warnings)
    said: list[str] = []  # tables that cannot be used, for the command line
    if not (p / "session.json").is_file():
        notes.append("This folder has no session.json, so its date and settings are unknown.")
    try:
        events = read_events(p)
    except RecordingError as err:
        notes.append(f"The events could not be read ({err.message}), so none are shown.")
        said.append(f"{err}; the report was made without the events")
        events = []
    events = [e for e in events if not e.source or e.source == rec.source]
    unreadable = False
    try:
        pacer = read_pacer(p)
    except RecordingError as err:  # a folder, a FIFO, not UTF-8, unreadable: said on the page
        notes.append(
            f"The guide's breathing curve is not shown: pacer.tsv could not be read "
            f"({err.message})."
        )
        said.append(f"{err}; the report was made without the breathing guide's curve")
        pacer, unreadable = None, True
    if pacer is None and not unreadable:
        settings = meta.get("settings")
        if isinstance(settings, dict) and isinstance(settings.get("pacer"), dict):
            # There was a guide, but no readable record of it.
            notes.append(
                "The guide's breathing curve is not shown: this folder has no readable pacer.tsv."
            )
    analysed: list[str] = []  # a broken pacer.tsv or acc.tsv: said, not raised
    res = analyze_recording(rec, analysed)
    t_nn, nn, corr = nn_series(rec.time_s, rec.rr_ms, rec.segment_starts)
    phases = analyze_phases(rec, events, analysed)
    named = [x.split(": ", 1)[0] for x in said]
    said += [x for x in analysed if x.split(": ", 1)[0] not in named]  # each file once
    if problems is not None:
        problems.extend(dict.fromkeys(said))
    return SessionFacts(
        p, meta, rec, [r.source for r in recs if r is not rec], events, pacer, res, t_nn, nn, corr,
        phases, notes + res.notes,
    )  # fmt: skip


# -- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSeries:
    """One line (or set of points) of a chart.

    Attributes
    ----------
    x, y : ndarray of float
        Data; NaN breaks the line.
    colour : str
        ``#RRGGBB``.
    label : str
        Legend text (none when empty).
    right : bool
        Plot against the right-hand axis.
    width_px : float
        Line width, CSS px.
    fill : bool
        Fill down to the axis' lower end, translucent.
    points : bool
        Draw a marker at each value.
    hollow : ndarray of bool or None
        With ``points``: which markers are drawn hollow.
    line : bool
        Join the values with a line.
    """

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    colour: str
    label: str = ""
    right: bool = False
    width_px: float = 1.6
    fill: bool = False
    points: bool = False
    hollow: NDArray[np.bool_] | None = None
    line: bool = True


def ensure_qt_app() -> Any:
    """The running Qt application, or a new one (on the offscreen platform unless one is set).

    Drawing text into images and laying out the PDF need a Qt application; a report needs
    no screen, so a new one draws offscreen.
    """
    from PyQt6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PyQt6.QtWidgets import QApplication

        app = QApplication(["resonant"])
        _KEEP.append(app)
    return app


_KEEP: list[Any] = []


def _qcolor(colour: str) -> Any:
    """A QColor from ``#RRGGBB`` or ``#RRGGBBAA`` (Qt itself reads 8 digits as ``#AARRGGBB``)."""
    from PyQt6.QtGui import QColor

    if len(colour) == 9 and colour.startswith("#"):
        r, g, b, a = (int(colour[i : i + 2], 16) for i in (1, 3, 5, 7))
        return QColor(r, g, b, a)
    return QColor(colour)


def _nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[NDArray[np.float64], float]:
    """Round tick values covering ``[lo, hi]`` (steps of 1, 2, 2.5 or 5 x 10^k), and the step."""
    span = hi - lo
    if not math.isfinite(span) or span <= 0:
        return np.array([lo]), 1.0
    raw = span / target
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + step * 1e-6, step)
    return ticks, step


def _tick_text(v: float, step: float) -> str:
    if abs(v) >= 10000 and step >= 1000:
        return f"{v / 1000:g}k"
    decimals = 0
    while decimals < 6 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return f"{v:.{decimals}f}"


def _range(values: list[NDArray[np.float64]], pad: float = 0.06) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values]
    finite = [v for v in finite if v.size]
    if not finite:
        return 0.0, 1.0
    lo = float(min(v.min() for v in finite))
    hi = float(max(v.max() for v in finite))
    if hi - lo < 1e-9:
        return lo - 1.0, hi + 1.0
    return lo - pad * (hi - lo), hi + pad * (hi - lo)


def render_chart(
    series: Sequence[ChartSeries],
    *,
    size_px: tuple[int, int] = PLOT_SIZE_PX,
    x_label: str = "",
    y_label: str = "",
    y2_label: str = "",
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    y2_range: tuple[float, float] | None = None,
    x_ticks: tuple[NDArray[np.float64], Callable[[float], str]] | None = None,
    y2_ticks: bool = True,
    bands: Sequence[tuple[float, float, str, str]] = (),
    vlines: Sequence[tuple[float, str, str]] = (),
    y_label_colour: str | None = None,
    y2_label_colour: str | None = None,
    message: str = "",
    scale: int = PLOT_SCALE,
) -> Any:
    """Draw a line chart into a :class:`~PyQt6.QtGui.QImage`.

    Parameters
    ----------
    series : sequence of ChartSeries
        The data; those with a label get a legend entry above the plot.
    size_px : (int, int)
        Size in CSS px; the image has ``scale`` times as many pixels each way.
    x_label, y_label, y2_label : str
        Axis titles, with units.
    x_range, y_range, y2_range : (float, float), optional
        Axis ranges; from the data (padded) when not given.
    x_ticks : (ndarray, callable), optional
        Tick positions and their text; round numbers otherwise.
    y2_ticks : bool
        Label the right-hand axis' ticks.
    bands : sequence of (x0, x1, colour, text)
        Shaded stretches of x (``#RRGGBBAA`` colours), with a label at the top.
    vlines : sequence of (x, colour, text)
        Dashed vertical lines with a label.
    y_label_colour, y2_label_colour : str, optional
        Colours of the axis titles (to tie an axis to its line).
    message : str
        Text in the middle, for a chart with nothing to show.
    scale : int
        Pixels per CSS px.

    Returns
    -------
    QImage
        The chart on a white background.
    """
    ensure_qt_app()
    from PyQt6.QtCore import QPointF, QRectF, Qt
    from PyQt6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen

    w, h = size_px
    img = QImage(w * scale, h * scale, QImage.Format.Format_ARGB32)
    img.fill(QColor("#FFFFFF"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.scale(scale, scale)
    font = QFont("DejaVu Sans")
    font.setPixelSize(10)
    label_font = QFont("DejaVu Sans")
    label_font.setPixelSize(11)
    has_right = any(s.right for s in series)
    labelled = [s for s in series if s.label]
    left_m = 50.0
    right_m = (50.0 if y2_ticks else 22.0) if has_right and y2_label else 16.0
    top_m = 17.0 if labelled else 7.0
    bottom_m = 32.0
    plot = QRectF(left_m, top_m, w - left_m - right_m, h - top_m - bottom_m)

    x0, x1 = x_range or _range([s.x for s in series], pad=0.0)
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 0.5, x1 + 0.5
    ly0, ly1 = y_range or _range([s.y for s in series if not s.right])
    ry0, ry1 = y2_range or _range([s.y for s in series if s.right])

    def px(x: NDArray[np.float64] | float) -> Any:
        return plot.left() + (np.asarray(x) - x0) / (x1 - x0) * plot.width()

    def py(y: NDArray[np.float64] | float, right: bool = False) -> Any:
        lo, hi = (ry0, ry1) if right else (ly0, ly1)
        return plot.bottom() - (np.asarray(y) - lo) / (hi - lo) * plot.height()

    muted = QColor(_LIGHT.muted)
    grid = QColor(_LIGHT.grid)
    text = QColor(_LIGHT.text)
    right_align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    left_align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop

    # Shaded stretches and their labels.
    p.setFont(font)
    for b0, b1, colour, label in bands:
        a, b = float(px(max(b0, x0))), float(px(min(b1, x1)))
        if b <= a:
            continue
        p.fillRect(QRectF(a, plot.top(), b - a, plot.height()), _qcolor(colour))
        if label and b - a >= 8:
            p.setPen(muted)
            p.drawText(QRectF(a + 3, plot.top() + 1, b - a - 3, 12), Qt.AlignmentFlag.AlignLeft
                       | Qt.AlignmentFlag.AlignTop, label)  # fmt: skip

    # Grid and tick labels.
    def has_data(right: bool) -> bool:
        return any(np.isfinite(s.y).any() for s in series if s.right == right)

    yt, ystep = _nice_ticks(ly0, ly1, 4)
    for v in yt:
        y = float(py(v))
        p.setPen(QPen(grid, 0.6))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        if has_data(False):
            p.setPen(muted)
            p.drawText(QRectF(0, y - 6, left_m - 4, 12), right_align, _tick_text(float(v), ystep))
    if has_right and y2_ticks and has_data(True):
        rt, rstep = _nice_ticks(ry0, ry1, 4)
        for v in rt:
            y = float(py(v, True))
            p.setPen(muted)
            p.drawText(QRectF(plot.right() + 4, y - 6, 30, 12), left_align,
                       _tick_text(float(v), rstep))  # fmt: skip
    if x_ticks is not None:
        xt, xfmt = x_ticks
    else:
        xt, xstep = _nice_ticks(x0, x1, 5)

        def xfmt(v: float, step: float = xstep) -> str:
            return _tick_text(v, step)

    for v in xt:
        if not x0 - 1e-9 <= v <= x1 + 1e-9:
            continue
        x = float(px(v))
        p.setPen(QPen(grid, 0.6))
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        p.setPen(muted)
        p.drawText(QRectF(x - 40, plot.bottom() + 2, 80, 12), centre, xfmt(float(v)))
    p.setPen(QPen(muted, 0.8))
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    p.drawLine(plot.bottomLeft(), plot.topLeft())
    if has_right:
        p.drawLine(plot.bottomRight(), plot.topRight())

    # Axis titles: below, and rotated along each side.
    p.setFont(label_font)
    p.setPen(text)
    p.drawText(QRectF(plot.left() - 20, h - 15, plot.width() + 40, 14), centre, x_label)
    span = plot.height() + top_m
    if y_label:
        p.save()
        p.setPen(QColor(y_label_colour) if y_label_colour else text)
        p.translate(1.0, plot.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-span / 2, 0, span, 14), centre, y_label)
        p.restore()
    if y2_label and has_right:
        p.save()
        p.setPen(QColor(y2_label_colour) if y2_label_colour else text)
        p.translate(w - 1.0, plot.center().y())
        p.rotate(90)
        p.drawText(QRectF(-span / 2, 0, span, 14), centre, y2_label)
        p.restore()

    # Data, clipped to the plot area.
    p.save()
    p.setClipRect(plot.adjusted(-4, -4, 4, 4))
    for s in series:
        ink = QColor(s.colour)
        xx, yy = np.asarray(s.x, dtype=float), np.asarray(s.y, dtype=float)
        ok = np.isfinite(xx) & np.isfinite(yy)
        qx, qy = px(xx), py(yy, s.right)
        if s.line:
            for run in np.split(np.arange(xx.size), np.flatnonzero(~ok)):
                run = run[ok[run]]
                if run.size < 2:
                    continue
                path = QPainterPath(QPointF(float(qx[run[0]]), float(qy[run[0]])))
                for k in run[1:]:
                    path.lineTo(float(qx[k]), float(qy[k]))
                if s.fill:
                    area = QPainterPath(path)
                    area.lineTo(float(qx[run[-1]]), plot.bottom())
                    area.lineTo(float(qx[run[0]]), plot.bottom())
                    area.closeSubpath()
                    fill = QColor(ink)
                    fill.setAlpha(55)
                    p.fillPath(area, QBrush(fill))
                p.setPen(QPen(ink, s.width_px, Qt.PenStyle.SolidLine,
                              Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))  # fmt: skip
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(path)
        if s.points:
            for k in np.flatnonzero(ok):
                hollow = s.hollow is not None and bool(s.hollow[k])
                p.setPen(QPen(ink, 1.3))
                p.setBrush(QColor("#FFFFFF") if hollow else ink)
                p.drawEllipse(QPointF(float(qx[k]), float(qy[k])), 2.6, 2.6)
    p.setFont(font)
    for i, (xv, colour, label) in enumerate(vlines):
        if not x0 <= xv <= x1:
            continue
        x = float(px(xv))
        p.setPen(QPen(QColor(colour), 1.1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        if label:
            y = plot.top() + 14 + 12 * i
            tw = p.fontMetrics().horizontalAdvance(label) + 4
            on_right = x + 4 + tw < plot.right()
            rect = QRectF(x + 3, y, tw, 12) if on_right else QRectF(x - 3 - tw, y, tw, 12)
            p.fillRect(rect, QColor(255, 255, 255, 200))
            p.setPen(QColor(colour))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
    if message:
        p.setFont(label_font)
        p.setPen(muted)
        p.drawText(plot.adjusted(10, 10, -10, -10),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, message)  # fmt: skip
    p.restore()

    # Legend, in a row above the plot.
    p.setFont(font)
    lx = plot.left()
    for s in labelled:
        p.setPen(QPen(QColor(s.colour), 2.2))
        p.drawLine(QPointF(lx, 7.5), QPointF(lx + 14, 7.5))
        p.setPen(text)
        tw = p.fontMetrics().horizontalAdvance(s.label)
        p.drawText(QRectF(lx + 18, 1, tw + 4, 14), left_align, s.label)
        lx += 18 + tw + 14
    p.end()
    return img


def png_data_uri(image: Any) -> str:
    """A QImage as a ``data:image/png;base64,...`` URI."""
    from PyQt6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.data().data()).decode("ascii")


# -- arranging values ----------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a time in seconds."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _length(seconds: float) -> str:
    """A length of time in words: ``5 min 0 s``, ``1 h 2 min``."""
    s = max(0, int(round(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h} h {m} min"
    return f"{m} min {sec} s" if m else f"{sec} s"


def _fmt(x: float | None, digits: int, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:.{digits}f}" + (f" {unit}" if unit else "")


def _breath_text(r: RecordingAnalysis | None, digits: int, source: bool = True) -> str:
    """The breathing rate with where it comes from ("16.2 (chest)"), or "unclear".

    The analysis decides (:mod:`resonant.signal.breathing_source`: measured at the chest
    where the accelerometer covers the stretch, else read from the heart rhythm when
    clear, hrv-spec §11.1); this only words it.
    """
    if r is not None and r.breathing_rate_bpm is None and r.breathing_reason == UNCLEAR:
        return "unclear"
    text = _fmt(r.breathing_rate_bpm if r is not None else None, digits)
    if source and r is not None and r.breathing_source in SOURCE_WORDS:
        text += f" ({SOURCE_WORDS[r.breathing_source]})"
    return text


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _segments(t: NDArray[np.float64], *arrays: NDArray[Any]) -> list[tuple[NDArray[Any], ...]]:
    """Split the NN series at its NaN joins into gap-free runs."""
    breaks = np.flatnonzero(~np.isfinite(t))
    runs = []
    for idx in np.split(np.arange(t.size), breaks):
        idx = idx[np.isfinite(t[idx])]
        if idx.size >= 2:
            runs.append((t[idx], *(a[idx] for a in arrays)))
    return runs


def _rmssd_trend(facts: SessionFacts) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """RMSSD over the live window (the last 60 s) every 5 s, from the corrected NN series.

    Windows with more than 5 % corrected beats, or less than 30 s into a segment, are
    left empty, as live.
    """
    times, values = [], []
    for t, nn, corr in _segments(facts.nn_time_s, facts.nn_ms, facts.nn_corrected):
        for k in update_ticks(t, _LIVE.update_s):
            end = t[k]
            if end - t[0] < _LIVE.min_window_s:
                continue
            sel = slice(int(np.searchsorted(t, end - _LIVE.window_s, side="right")), k + 1)
            times.append(end)
            if 100.0 * float(np.mean(corr[sel])) > _LIVE.max_corrected_pct:
                values.append(math.nan)
            else:
                values.append(time_domain(nn[sel]).rmssd_ms)
        times.append(math.nan)
        values.append(math.nan)
    return np.asarray(times, dtype=float), np.asarray(values, dtype=float)


#: How far a window may reach past a phase's edges and still lie inside it, s (rounding).
_EDGE_S = 1e-3


def _typical_window(facts: SessionFacts) -> int | None:
    """The 5-s update that shows a typical minute, or None when no update qualifies.

    Candidates are the updates whose 64-s window lies wholly inside one phase (never
    across a phase boundary; a session without phases is one phase) and within one
    gap-free stretch (as every update does), with at most 5 % corrected beats. Of those,
    the one whose coherence is nearest their median.
    """
    s = facts.analysis.series
    usable = s.corrected_pct <= MAX_CORRECTED_PCT
    if _has_phases(facts):
        inside = np.zeros(s.time_s.size, dtype=bool)
        for ph in facts.phases:
            inside |= (s.time_s - COHERENCE_WINDOW_S >= ph.span.onset_s - _EDGE_S) & (
                s.time_s <= ph.span.end_s + _EDGE_S
            )
        usable &= inside
    idx = np.flatnonzero(usable)
    if idx.size == 0:
        return None
    coh = s.coherence_ratio[idx]
    return int(idx[np.argmin(np.abs(coh - np.median(coh)))])


def _has_phases(facts: SessionFacts) -> bool:
    return any(e.kind == "phase" for e in facts.events)


def _phase_at(facts: SessionFacts, a: float, b: float) -> PhaseResult | None:
    """The phase holding the stretch ``[a, b]`` (None without phases, or when none does)."""
    if not _has_phases(facts):
        return None
    for ph in facts.phases:
        if a >= ph.span.onset_s - _EDGE_S and b <= ph.span.end_s + _EDGE_S:
            return ph
    return None


def _minute_range(facts: SessionFacts, k: int | None) -> tuple[float, float]:
    """The close-up's stretch: the typical window, else the last 64 s of the last phase."""
    if k is not None:
        end = float(facts.analysis.series.time_s[k])
        return end - COHERENCE_WINDOW_S, end
    finite = facts.nn_time_s[np.isfinite(facts.nn_time_s)]
    if finite.size == 0:
        return 0.0, COHERENCE_WINDOW_S
    end = float(finite[-1])
    start = float(finite[0])
    if _has_phases(facts):  # stay inside the phase the data ends in
        start = max([start] + [ph.span.onset_s for ph in facts.phases if ph.span.onset_s < end])
    return max(start, end - COHERENCE_WINDOW_S), end


def _phase_bands(facts: SessionFacts, scale: float) -> list[tuple[float, float, str, str]]:
    if not any(e.kind == "phase" for e in facts.events):
        return []
    shades = ("#5F6B761A", "#5F6B7608")
    return [
        (ph.span.onset_s / scale, ph.span.end_s / scale, shades[i % 2], str(ph.span.number))
        for i, ph in enumerate(facts.phases)
    ]


def _minute_ticks(x0: float, x1: float) -> tuple[NDArray[np.float64], Callable[[float], str]]:
    """Ticks on a time axis in minutes, labelled ``m:ss`` or in whole minutes."""
    span_s = (x1 - x0) * 60.0
    step_s = next((s for s in (5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)
                   if span_s / s <= 6), 7200)  # fmt: skip
    first = math.ceil(x0 * 60.0 / step_s) * step_s
    ticks = np.arange(first, x1 * 60.0 + 1e-6, step_s) / 60.0
    if step_s % 60 == 0:
        return ticks, lambda v: f"{v:.0f}"
    return ticks, lambda v: _clock(v * 60.0)


def _charts(facts: SessionFacts, client: bool = False) -> dict[str, str]:
    """The plots as PNG data URIs (the spectrum only in the clinician's report)."""
    th = _LIGHT
    res = facts.analysis
    t_nn, nn = facts.nn_time_s, facts.nn_ms
    with np.errstate(divide="ignore", invalid="ignore"):
        hr = 60000.0 / nn
    span = _range([t_nn / 60.0], pad=0.0)
    rec_t = facts.recording.time_s
    start_min = max(0.0, float(rec_t[0] - facts.recording.rr_ms[0] / 1000.0) / 60.0)
    session_x = (min(start_min, span[0]), max(span[1], start_min + 1e-3))
    bands = _phase_bands(facts, 60.0)
    # Thinner lines where a long session packs many beats and updates into the width.
    thin = session_x[1] - session_x[0] > 20.0
    charts: dict[str, str] = {}

    charts["hr"] = png_data_uri(render_chart(
        [ChartSeries(t_nn / 60.0, hr, th.hr, width_px=0.5 if thin else 1.2)],
        x_label="time (min)", y_label="heart rate (bpm)", y_label_colour=th.hr,
        x_range=session_x, bands=bands, x_ticks=_minute_ticks(*session_x),
    ))  # fmt: skip

    k = _typical_window(facts)
    a, b = _minute_range(facts, k)
    sel = (t_nn >= a) & (t_nn <= b)
    close: list[ChartSeries] = []
    vt = np.arange(a, b, 0.1)
    guide_on = np.zeros(vt.size, dtype=bool)
    for g in _runs(facts):
        guide_on |= (vt >= g.start_s) & (vt <= g.end_s)
    if facts.pacer is not None and guide_on.any():  # the curve only where the guide ran
        close.append(ChartSeries(vt / 60.0, np.where(guide_on, facts.pacer.volume(vt), np.nan),
                                 th.breath, label="guide: breathe in ↑, out ↓", right=True,
                                 width_px=1.2, fill=True))  # fmt: skip
    close.append(ChartSeries(t_nn[sel] / 60.0, hr[sel], th.hr, label="heart rate", width_px=1.8,
                             points=True))  # fmt: skip
    charts["minute"] = png_data_uri(render_chart(
        close, x_label="time in the session (min:s)", y_label="heart rate (bpm)",
        y_label_colour=th.hr, y2_label="guide's breath" if guide_on.any() else "",
        y2_label_colour=th.pacer_edge, x_range=(a / 60.0, b / 60.0), y2_range=(-0.05, 1.6),
        x_ticks=_minute_ticks(a / 60.0, b / 60.0), y2_ticks=False,
    ))  # fmt: skip

    tr_t, tr_rmssd = _rmssd_trend(facts)
    variation = "beat-to-beat variation (ms)" if client else "RMSSD (ms)"
    s = res.series
    coh = np.where(s.corrected_pct <= MAX_CORRECTED_PCT, s.coherence_ratio, np.nan)
    trend_msg = "" if np.isfinite(tr_rmssd).any() or np.isfinite(coh).any() else (
        f"The trends start once 30 s ({variation[:-5]}) and 64 s (coherence) of beats are in.")  # fmt: skip
    coh_t, coh = _with_breaks(s.time_s, coh, 2 * _LIVE.update_s)
    charts["trends"] = png_data_uri(render_chart(
        [ChartSeries(tr_t / 60.0, tr_rmssd, th.rmssd, label=variation,
                     width_px=0.9 if thin else 1.6),
         ChartSeries(coh_t / 60.0, coh, th.coherence, label="coherence (ratio)", right=True,
                     width_px=0.9 if thin else 1.6)],
        x_label="time (min)", y_label=variation, y_label_colour=th.rmssd,
        y2_label="coherence (ratio)", y2_label_colour=th.coherence, x_range=session_x,
        y_range=_from_zero([tr_rmssd]), y2_range=_from_zero([coh]), bands=bands,
        x_ticks=_minute_ticks(*session_x), message=trend_msg,
    ))  # fmt: skip

    if client:
        return charts
    runs = _segments(t_nn, nn)
    spec_series: list[ChartSeries] = []
    vlines: list[tuple[float, str, str]] = []
    msg = ""
    if k is not None:
        end = float(s.time_s[k])
        run = next((r for r in runs if r[0][0] <= end <= r[0][-1]), None)
        if run is not None:
            f_hz, psd = window_psd(run[0], run[1], end)
            spec_series.append(ChartSeries(f_hz, psd, th.rr, width_px=1.6, fill=True))
            vlines.append(
                (
                    float(s.peak_hz[k]),
                    th.text,
                    f"peak {s.peak_hz[k]:.3f} Hz = {60 * s.peak_hz[k]:.1f}/min",
                )
            )
    else:
        msg = f"The spectrum needs {COHERENCE_WINDOW_S:.0f} s of beats without a gap."
    guide = _guide_rate_at(facts, b)
    if guide is not None:
        vlines.append((guide / 60.0, th.breath_line, f"guide {guide:g} breaths/min"))
    charts["spectrum"] = png_data_uri(render_chart(
        spec_series, x_label="frequency (Hz); × 60 = breaths/min",
        y_label="power (ms²/Hz)", x_range=(0.0, 0.5),
        y_range=_from_zero([sp.y for sp in spec_series]),
        bands=[(LF.lo_hz, LF.hi_hz, "#56B4E940", "LF"), (HF.lo_hz, HF.hi_hz, "#F0E44233", "HF")],
        vlines=vlines, message=msg,
    ))  # fmt: skip
    return charts


def _with_breaks(
    t: NDArray[np.float64], y: NDArray[np.float64], max_step_s: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A NaN row wherever consecutive updates are further apart than ``max_step_s`` (a gap)."""
    cut = np.flatnonzero(np.diff(t) > max_step_s) + 1
    return np.insert(t.astype(float), cut, np.nan), np.insert(y.astype(float), cut, np.nan)


def _from_zero(values: list[NDArray[np.float64]]) -> tuple[float, float]:
    """An axis from 0 to a little above the largest value."""
    if not any(np.isfinite(v).any() for v in values):
        return 0.0, 1.0
    return 0.0, max(_range(values)[1], 1e-9)


def _guide_rate_at(facts: SessionFacts, t_s: float) -> float | None:
    """The guide's rate in force at ``t_s`` (breaths/min), None while the guide was off."""
    for run in _runs(facts):
        if run.start_s <= t_s <= run.end_s:
            return run.rate_bpm
    return None


# -- the guide, the protocol and the simulated person as they were ------------------------------


@dataclass(frozen=True)
class GuideRun:
    """A stretch of the session during which the breathing guide ran at one rate.

    Attributes
    ----------
    start_s, end_s : float
        First phase onset and end of the last phase of the stretch, s on the session clock.
    rate_bpm : float
        The guide's rate, breaths/min (rounded to 0.01).
    """

    start_s: float
    end_s: float
    rate_bpm: float


#: Longest pause between a guide phase's end and the next onset within one stretch, s.
_GUIDE_JOIN_S = 0.5
#: Overlap a guide stretch needs with a phase to count as running in it, s.
_GUIDE_IN_PHASE_S = 1.0
#: More rate changes than this are summarised (a sliding assessment changes every breath).
_GUIDE_MAX_LISTED = 6


def guide_runs(pacer: PacerRows | None) -> list[GuideRun]:
    """Where the guide ran and at what rate, from ``pacer.tsv``: one run per rate and stretch.

    ``pacer.tsv`` has a row for each breathing phase the guide played; consecutive rows
    (each onset within :data:`_GUIDE_JOIN_S` of the previous phase's end) at one rate form
    a run. Between runs the guide was off (a protocol phase without the guide) or changed
    rate (the adaptive guide, an assessment step).
    """
    if pacer is None or pacer.start_s.size == 0:
        return []
    start, rate = pacer.start_s, pacer.rate_bpm
    end = start + np.where(np.isfinite(pacer.duration_s), pacer.duration_s, 0.0)
    runs: list[GuideRun] = []
    a = 0
    for i in range(1, start.size + 1):
        if i == start.size or start[i] > end[i - 1] + _GUIDE_JOIN_S or rate[i] != rate[a]:
            runs.append(GuideRun(float(start[a]), float(end[i - 1]), round(float(rate[a]), 2)))
            a = i
    return runs


def _runs(facts: SessionFacts) -> list[GuideRun]:
    """:func:`guide_runs`, each ending at a phase onset it overhangs by less than a breath.

    ``pacer.tsv`` records each breathing phase with its planned length, so the breath
    under way when a phase without the guide begins seems to run past that onset; the
    protocol stopped the guide at the onset.
    """
    onsets = [ph.span.onset_s for ph in facts.phases] if _has_phases(facts) else []
    out = []
    for run in guide_runs(facts.pacer):
        breath_s = 60.0 / run.rate_bpm
        cut = [o for o in onsets if run.start_s < o < run.end_s and run.end_s - o < breath_s]
        out.append(GuideRun(run.start_s, min(cut), run.rate_bpm) if cut else run)
    return out


def _rates_text(rates: Sequence[float]) -> str:
    """``5.5``, ``6 → 5.5`` or ``4.5-6.5`` for the distinct rates in order."""
    seen: list[float] = []
    for r in rates:
        if not seen or seen[-1] != r:
            seen.append(r)
    if len(seen) > 3:
        return f"{min(seen):g}-{max(seen):g}"
    return " → ".join(f"{r:g}" for r in seen)


def _phase_guide(runs: Sequence[GuideRun], span: PhaseSpan) -> str:
    """The guide during one phase: its rate(s) in breaths/min, or ``off``."""
    rates = [r.rate_bpm for r in runs
             if min(r.end_s, span.end_s) - max(r.start_s, span.onset_s) > _GUIDE_IN_PHASE_S]  # fmt: skip
    return _rates_text(rates) if rates else "off"


def _guide_text(facts: SessionFacts, end_s: float, client: bool) -> str:
    """The breathing guide as it ran: rates and when, off stretches, the in:out ratio."""
    runs = _runs(facts)
    if not runs:
        return "none: breathing at your own pace" if client else "off throughout"
    settings = given if isinstance(given := facts.meta.get("settings"), dict) else {}
    pacer = p if isinstance(p := settings.get("pacer"), dict) else {}
    first, last = runs[0], runs[-1]
    slack = 60.0 / last.rate_bpm  # one breath
    if len(runs) == 1 and first.start_s <= slack and last.end_s >= end_s - slack:
        text = f"{first.rate_bpm:g} breaths/min throughout"
    elif len(runs) > _GUIDE_MAX_LISTED:
        text = (
            f"{len(runs)} rates from {min(r.rate_bpm for r in runs):g} to "
            f"{max(r.rate_bpm for r in runs):g} breaths/min, {_clock(first.start_s)}–"
            f"{_clock(min(last.end_s, end_s))}"
        )
    else:
        pieces, at = [], 0.0
        for run in runs:
            if run.start_s > at + 1.0:
                pieces.append(f"off {_clock(at)}–{_clock(run.start_s)}")
            pieces.append(
                f"{run.rate_bpm:g} breaths/min {_clock(run.start_s)}–{_clock(min(run.end_s, end_s))}"
            )
            at = run.end_s
        if end_s > at + 1.0:
            pieces.append(f"off {_clock(at)}–{_clock(end_s)}")
        text = ", then ".join(pieces)
    if pacer.get("ratio"):
        text += f"; in:out {_e(pacer['ratio'])}"
    for key, words in (("hold_in_s", "hold after in-breath"), ("hold_out_s", "hold after out-breath")):
        if isinstance(pacer.get(key), (int, float)) and pacer[key] > 0:
            text += f", {words} {pacer[key]:g} s"
    changes = sum(1 for e in facts.events if e.kind == "pacer")
    if changes:
        text += f"; it moved {changes} time{'s' if changes != 1 else ''} to follow you"
    return text


def _simulation(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The simulated person: ``session.json``'s ``simulation``, else the source's settings."""
    sim = meta.get("simulation")
    if isinstance(sim, dict):
        return sim
    sources = listed if isinstance(listed := meta.get("sources"), list) else []
    for src in sources:
        if isinstance(src, dict) and src.get("kind") == "simulated":
            settings = src.get("settings")
            if isinstance(settings, dict):
                return settings
    return None


def _protocol_phases(protocol: object) -> list[dict[str, Any]]:
    """The phases of ``session.json``'s ``protocol`` object (empty when it lists none)."""
    phases = protocol.get("phases") if isinstance(protocol, dict) else None
    return [p for p in phases if isinstance(p, dict)] if isinstance(phases, list) else []


def _phase_state(meta: dict[str, Any], span: PhaseSpan) -> str:
    """The simulated person's state in a phase, from the protocol (empty when not given)."""
    phases = _protocol_phases(meta.get("protocol"))
    named = [p for p in phases if p.get("name") == span.label]
    if not named and 0 < span.number <= len(phases):
        named = [phases[span.number - 1]]
    state = named[0].get("state") if named else None
    return str(state) if state else ""


def _simulation_text(meta: dict[str, Any], client: bool) -> str:
    """The simulated person in words ('' for a real person)."""
    sim = _simulation(meta)
    if sim is None:
        return ""
    seed = f" (seed {sim['seed']})" if sim.get("seed") is not None else ""
    if client:
        return (
            "This session was a demonstration: the heartbeats come from a simulated person, "
            f"not from a real heart{seed}."
        )
    bits = []
    if isinstance(sim.get("resonance_bpm"), (int, float)):
        bits.append(f"resonance {sim['resonance_bpm']:g} breaths/min")
    states = [s for p in _protocol_phases(meta.get("protocol")) if (s := p.get("state"))]
    if states:
        bits.append("state by phase " + " → ".join(_e(s) for s in states))
    elif sim.get("state"):
        bits.append(f"state {_e(sim['state'])}")
    if isinstance(sim.get("adherence"), (int, float)):
        bits.append(f"follows the guide {sim['adherence']:.0%} of the time")
    faults = [
        f"{words} {fmt.format(sim[key])}"
        for key, words, fmt in (
            ("artifact_rate", "artifacts", "{:.1%} of beats"),
            ("contact_losses_per_h", "contact losses", "{:g}/h"),
            ("disconnects_per_h", "disconnects", "{:g}/h"),
        )
        if isinstance(sim.get(key), (int, float)) and sim[key] > 0
    ]
    bits.extend(faults or ["no artifacts, contact losses or disconnects"])
    if sim.get("seed") is not None:
        bits.append(f"seed {_e(sim['seed'])}")
    return ", ".join(bits)


# -- the page ------------------------------------------------------------------------------------

#: For browsers only: the page centred at its print width. Qt's rich text would read the
#: "auto" margins as a fixed width; it skips this sheet, as it skips media queries with features.
_CSS_BROWSER = f"""
@media all and (min-width: 1px) {{
  body {{ max-width: {PAGE_WIDTH_PX}px; margin: 24px auto; padding: 0 12px; }}
}}
"""

_CSS = f"""
body {{ font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 12px;
        color: {_LIGHT.text}; background: #FFFFFF; }}
h1 {{ font-size: 23px; font-weight: normal; margin: 0 0 2px 0; }}
p {{ margin: 2px 0 4px 0; }}
p.h2 {{ font-size: 13px; font-weight: bold; margin: 11px 0 1px 0; }}
p.cap {{ font-size: 11px; color: {_LIGHT.muted}; margin: 0 0 1px 0; }}
.sub {{ color: {_LIGHT.muted}; font-size: 12px; }}
.intro {{ line-height: 1.3; margin: 6px 0 4px 0; }}
table {{ border-collapse: collapse; }}
td, th {{ vertical-align: top; text-align: left; }}
table.tiles td {{ padding: 4px 14px 4px 0; }}
.tile-value {{ font-size: 19px; }}
.tile-name {{ color: {_LIGHT.muted}; font-size: 11px; }}
.unit {{ color: {_LIGHT.muted}; font-size: 11px; }}
table.data {{ font-size: 11px; margin-top: 2px; }}
table.data th {{ color: {_LIGHT.muted}; font-weight: normal; border-bottom: 1px solid {_LIGHT.grid};
                 padding: 2px 8px 2px 0; }}
table.data td {{ padding: 2px 8px 2px 0; border-bottom: 1px solid #ECEEF0; }}
table.data td.num, table.data th.num {{ text-align: right; }}
table.wide {{ font-size: 10px; }}
table.data td.key {{ color: {_LIGHT.muted}; padding-right: 10px; white-space: nowrap; }}
table.layout td {{ padding: 0; }}
.note {{ color: {_LIGHT.muted}; font-size: 11px; }}
.foot {{ color: {_LIGHT.muted}; font-size: 11px; margin-top: 10px; }}
.answer {{ font-size: 13px; margin-bottom: 10px; }}
"""


def _tile(name: str, value: str, unit: str, word: str = "") -> str:
    extra = f'<br><span class="tile-name">{_e(word)}</span>' if word else ""
    return (
        f'<td><span class="tile-name">{_e(name)}</span><br>'
        f'<span class="tile-value">{_e(value)}</span> <span class="unit">{_e(unit)}</span>'
        f"{extra}</td>"
    )


def _coherence_word(ratio: float | None) -> str:
    if ratio is None or not math.isfinite(ratio):
        return ""
    return _COHERENCE_WORDS[coherence_level(ratio)]


#: The clinician's phase table: header, value getter and decimals of each numeric column.
_CLINICIAN_COLUMNS: tuple[tuple[str, Callable[[RecordingAnalysis], float | None], int], ...] = (
    ("mean HR<br>(bpm)", lambda r: r.time.hr_mean_bpm, 1),
    ("RMSSD<br>(ms)", lambda r: r.time.rmssd_ms, 1),
    ("SDNN<br>(ms)", lambda r: r.time.sdnn_ms, 1),
    ("coherence<br>(mean ratio)", lambda r: r.coherence_mean, 2),
    ("LF/HF<br>(ratio)", lambda r: r.lf_hf, 2),
    ("breathing<br>(breaths/min)", lambda r: r.breathing_rate_bpm, 1),
    ("corrected<br>(% NN)", lambda r: r.corrected_pct, 1),
)
#: The client's phase table: plain names, no LF/HF.
_CLIENT_COLUMNS: tuple[tuple[str, Callable[[RecordingAnalysis], float | None], int], ...] = (
    ("heart rate<br>(beats/min)", lambda r: r.time.hr_mean_bpm, 0),
    ("beat-to-beat<br>variation (ms)", lambda r: r.time.rmssd_ms, 0),
    ("breathing<br>(breaths/min)", lambda r: r.breathing_rate_bpm, 1),
)


def _phase_table(facts: SessionFacts, client: bool = False) -> str:
    """One row per phase (and, for the clinician, the whole session); ``*``: poor data."""
    columns = _CLIENT_COLUMNS if client else _CLINICIAN_COLUMNS
    runs = _runs(facts)
    simulated = not client and _simulation(facts.meta) is not None and any(
        _phase_state(facts.meta, ph.span) for ph in facts.phases
    )
    head = (
        "<tr><th>#</th><th>phase</th><th class='num'>onset<br>(min:s)</th>"
        "<th class='num'>duration<br>(min:s)</th>"
        + ("<th>breathing<br>guide (/min)</th>" if client else "<th>guide<br>(/min)</th>")
        + ("<th>simulated<br>state</th>" if simulated else "")
        + "".join(f"<th class='num'>{name}</th>" for name, _, _ in columns[:2])
        + ("<th>coherence</th>" if client else "")
        + "".join(f"<th class='num'>{name}</th>" for name, _, _ in columns[2:])
        + "</tr>"
    )
    rows = []
    for ph in facts.phases:
        r, span = ph.analysis, ph.span
        planned_s = span.planned_s if span.planned_s > 0 else span.duration_s
        dur = _clock(planned_s)
        if span.recorded_s <= 0:
            dur += " (after the recording ended)"
        elif span.ended_early:
            dur += f" (ended early at {_clock(span.duration_s)})"
        elif span.recorded_s + 0.5 < planned_s:
            dur += f" (recorded {_clock(span.recorded_s)})"
        label = span.label + (STRESSOR_MARK if span.stressor else "") + ("*" if ph.poor_data else "")
        extra = f"<td>{_e(_phase_guide(runs, span))}</td>"
        if simulated:
            extra += f"<td>{_e(_phase_state(facts.meta, span))}</td>"
        rows.append(
            f"<tr class='phase'><td>{span.number}</td><td{'' if client else ' nowrap'}>"
            f"{_e(label)}</td>"
            f"<td class='num'>{_clock(span.onset_s)}</td><td class='num'>{_e(dur)}</td>{extra}"
            f"{_value_cells(r, columns, client)}</tr>"
        )
    if not client and _has_phases(facts):
        res = facts.analysis
        mark = "*" if poor_data_note(res.corrected_pct) else ""
        rows.append(
            f"<tr class='whole'><td></td><td><b>whole session{mark}</b></td><td class='num'>"
            f"{_clock(facts.phases[0].span.onset_s)}</td><td class='num'>"
            f"{_clock(res.duration_s)}</td><td></td>{'<td></td>' if simulated else ''}"
            f"{_value_cells(res, columns, client)}</tr>"
        )
    wide = "" if client else " wide"  # the clinician's many columns, in a smaller type
    return f"<table class='data{wide}' width='100%'>{head}{''.join(rows)}</table>"


def _control_notes_html(facts: SessionFacts, client: bool) -> str:
    """For the clinician: each phase set against its control phase (``compare_with``), or ''."""
    if client or not _has_phases(facts):
        return ""
    notes = control_notes(facts.phases, protocol_plan(facts.meta))
    return "".join(f"<p class='note'>{_e(n)}</p>" for n in notes)


def _value_cells(
    r: RecordingAnalysis | None,
    columns: Sequence[tuple[str, Callable[[RecordingAnalysis], float | None], int]],
    client: bool,
) -> str:
    vals = [(name, get(r) if r is not None else None, d) for name, get, d in columns]
    cells = [
        f"<td class='num'>{_breath_text(r, d) if name.startswith('breathing') else _fmt(v, d)}</td>"
        for name, v, d in vals
    ]
    if client:  # coherence in words, after the heart-rate and variation columns
        word = _coherence_word(r.coherence_mean) if r is not None else ""
        cells.insert(2, f"<td>{_e(word or '–')}</td>")
    return "".join(cells)


def _poor_data_html(facts: SessionFacts, client: bool) -> str:
    """The poor-data note for the whole session and each phase ('' when none applies)."""
    res = facts.analysis
    poor = [ph for ph in facts.phases if ph.poor_data and _has_phases(facts)]
    whole = poor_data_note(res.corrected_pct)
    if not whole and not poor:
        return ""
    if client:
        where = "in this session" if whole else "in the stretches marked *"
        return (
            f"<p class='note'><b>*</b> Many beats {where} were irregular or unclear (this "
            "can come from the heart itself, from movement or from the strap's contact), so "
            "the figures there lean heavily on corrections. They are shown as they came "
            "out; take them as a rough picture rather than a close measure.</p>"
        )
    lines = []
    if whole:
        lines.append(f"Whole session: {whole}.")
    for ph in poor:
        assert ph.analysis is not None
        lines.append(f"Phase {ph.span.number} ({_e(ph.span.label)}): "
                     f"{poor_data_note(ph.analysis.corrected_pct)}.")  # fmt: skip
    return "<p class='note'><b>*</b> " + "<br>".join(lines) + "</p>"


def _artifact_html(facts: SessionFacts, client: bool = False) -> str:
    res = facts.analysis
    counts = res.artifact_counts()
    if client:
        n = counts["total"]
        return (
            f"<p>The strap recorded {res.beats} beats. {n} of them "
            f"{'was' if n == 1 else 'were'} irregular or unclear (extra, missed or early "
            "beats, often from movement or the strap's contact) and "
            f"{'was' if n == 1 else 'were'} smoothed over before any figure was worked "
            "out; the recording itself keeps every beat as it came.</p>"
        )
    kinds = ", ".join(f"{name} {n}" for name, n in counts.items() if name != "total")
    conn = [e.label for e in facts.events if e.kind == "connection"]
    parts = [
        f"<p>{res.beats} beats in {res.segments} stretch{'es' if res.segments != 1 else ''} "
        "without a gap.</p>",
        f"<p>Artifacts found and corrected: <b>{counts['total']}</b> "
        f"beat{'s' if counts['total'] != 1 else ''} "
        f"({_fmt(res.corrected_pct, 1)} % of the NN intervals).<br>"
        f"<span class='note'>By type: {_e(kinds)}.</span></p>",
    ]
    if conn:
        lost = conn.count("contact_lost")
        drops = conn.count("disconnected")
        parts.append(
            f"<p>The strap lost skin contact {lost} time{'s' if lost != 1 else ''} and its "
            f"connection paused {drops} time{'s' if drops != 1 else ''}; nothing is computed "
            "across a pause.</p>"
        )
    parts.append(
        "<p class='note'>Artifacts (extra, missed or ectopic beats, movement, contact) are "
        "corrected before any number is computed; the raw beats stay as recorded.</p>"
    )
    return "".join(parts)


def _describe_source(src: dict[str, Any]) -> str:
    name = src.get("name") or src.get("model") or src.get("label") or "a source"
    bits = [f"<b>{_e(name)}</b>"]
    for key, word in (("model", "model"), ("firmware", "firmware"),
                      ("body_location", "worn on the")):  # fmt: skip
        v = src.get(key)
        if v and v != name:
            bits.append(f"{word} {_e(v)}")
    if src.get("address"):
        bits.append(f"address {_e(src['address'])}")
    settings = src.get("settings")
    # The simulated person has a row of its own (_simulation_text).
    if src.get("kind") == "replay" and isinstance(settings, dict) and settings.get("path"):
        bits.append(f"replaying {_e(settings['path'])}")
    label = f" ({_e(src['label'])})" if src.get("label") else ""
    return "; ".join(bits) + label


def _protocol_text(protocol: object) -> str:
    if not protocol:
        return "none (free practice)"
    if isinstance(protocol, str):
        return protocol
    if not isinstance(protocol, dict):
        return str(protocol)
    kind = protocol.get("protocol")
    if protocol.get("name") == "resonance-assessment" and kind == "stepped":
        rates = ", ".join(f"{r:g}" for r in protocol.get("rates_bpm", []))
        rest = protocol.get("rest_s") or 0
        return (
            f"resonance assessment, stepped: {rates} breaths/min, "
            f"{protocol.get('step_s', 0):g} s each (the first {protocol.get('settle_s', 0):g} s "
            "of each for settling in)" + (f", {rest:g}-s rests" if rest else "")
        )
    if protocol.get("name") == "resonance-assessment" and kind == "sliding":
        if protocol.get("both_ways"):
            return (
                f"resonance assessment, sliding: from {protocol.get('start_bpm', 0):g} down to "
                f"{protocol.get('end_bpm', 0):g} breaths/min and back up, "
                f"{protocol.get('breaths', 0)} breaths each way, each "
                f"{protocol.get('increment_s', 0):.3g} s longer (then shorter) than the last"
            )
        return (
            f"resonance assessment, sliding: from {protocol.get('start_bpm', 0):g} breaths/min, "
            f"{protocol.get('breaths', 0)} breaths, each {protocol.get('increment_s', 0):g} s "
            "longer than the last"
        )
    title = str(protocol.get("title") or protocol.get("name") or "a protocol")
    phases = _protocol_phases(protocol)
    if not phases:
        return title
    parts = []
    for ph in phases:
        bits = []
        if isinstance(ph.get("duration_s"), (int, float)):
            bits.append(_clock(float(ph["duration_s"])))
        guide = ph.get("pacer")
        if guide == "resonance":
            bits.append("guide at the resonance rate")
        elif isinstance(guide, (int, float)):
            bits.append(f"guide at {guide:g} breaths/min")
        elif guide == "off":
            bits.append("no guide")
        if ph.get("stressor"):
            bits.append("stressor")
        parts.append(f"{ph.get('name', '')}" + (f" ({', '.join(bits)})" if bits else ""))
    return f"{title}: " + "; ".join(parts)


def _settings_html(facts: SessionFacts, client: bool = False) -> str:
    meta = facts.meta
    rows: list[tuple[str, str]] = []
    sources = listed if isinstance(listed := meta.get("sources"), list) else []
    for src in sources:
        if isinstance(src, dict):
            rows.append(("strap", _describe_source(src)))
    if not sources:
        rows.append(("strap", "not recorded in session.json"))
    sim = _simulation_text(meta, client)
    if sim:
        rows.append(("simulated person", _e(sim) if client else sim))
    settings = given if isinstance(given := meta.get("settings"), dict) else {}
    pacer = settings.get("pacer")
    end_s = facts.phases[-1].span.end_s if facts.phases else facts.analysis.duration_s
    if facts.complete and isinstance(meta.get("duration_s"), (int, float)):
        end_s = max(end_s, float(meta["duration_s"]))  # the session's own length
    if facts.pacer is not None:
        rows.append(("breathing guide", _guide_text(facts, end_s, client)))
    elif isinstance(pacer, dict) and pacer.get("rate_bpm") is not None:
        rows.append(("breathing guide", f"{pacer['rate_bpm']:g} breaths/min as set at the start "
                     "(pacer.tsv, the record of what it did, is missing)"))  # fmt: skip
    elif meta:
        rows.append(("breathing guide", "none: breathing at your own pace"))
    rows.append(("protocol", _e(_protocol_text(meta.get("protocol")))))
    if meta.get("participant"):
        rows.append(("participant", _e(meta["participant"])))
    speed = settings.get("speed")
    if not client and isinstance(speed, (int, float)) and speed != 1:
        rows.append(("clock", f"simulated at {speed:g}× real time"))
    if facts.other_sources:
        rows.append(
            (
                "also recorded",
                _e(", ".join(facts.other_sources))
                + " (this page shows "
                + _e(facts.recording.source or "the first")
                + ")",
            )
        )
    if not client and meta.get("software_version"):
        rows.append(("recorded with", f"resonant {_e(meta['software_version'])}"))
    body = "".join(f"<tr><td class='key' nowrap>{k}</td><td>{v}</td></tr>" for k, v in rows)
    return f"<table class='data'>{body}</table>"


def _assessment_html(meta: dict[str, Any]) -> str:
    a = meta.get("assessment")
    if not isinstance(a, dict):
        return ""
    rate = a.get("resonance_bpm")
    if isinstance(rate, (int, float)):
        conf = a.get("confidence")
        conf_text = (
            f" (about a {100 * conf:.0f}% chance of being within 0.25 breaths/min)"
            if isinstance(conf, float) else ""
        )  # fmt: skip
        text = (
            f"Your heart rhythm resonated most at about <b>{rate:.1f} breaths/min</b>{conf_text}."
        )
        if a.get("chosen_step_bpm") is not None:
            text += f" The largest swing was at the {a['chosen_step_bpm']:g} breaths/min step."
    else:
        text = (
            "This assessment did not settle on one rate this time; the steps below still show "
            "how your heart rhythm moved at each pace, and another assessment can be done "
            "whenever you like."
        )
    warnings = a.get("warnings") or []
    notes = "".join(f"<br><span class='note'>• {_e(w)}</span>" for w in warnings)
    title = f"Resonance assessment ({_e(a.get('protocol', ''))})"
    return f"<p class='h2'>{title}</p><p class='answer'>{text}{notes}</p>"


def _when(facts: SessionFacts, client: bool = True) -> tuple[str, str]:
    """Title date and the line under it."""
    start = facts.start_utc
    res = facts.analysis
    meta = facts.meta
    duration = meta.get("duration_s") if facts.complete else None
    if not isinstance(duration, (int, float)):
        duration = res.duration_s
    protocol = meta.get("protocol")
    what = (
        "Resonance assessment"
        if isinstance(protocol, dict) and protocol.get("name") == "resonance-assessment"
        else "Session"
    )
    if client:  # the client's report speaks to the person who breathed
        what = "Your " + what[0].lower() + what[1:]
    if start is not None:
        local = start.astimezone()
        title = f"{what} on {local:%A} {local.day} {local:%B %Y}"
        when = f"started {local:%H:%M} {local.tzname() or ''}".rstrip()
    else:
        title, when = what, "date not recorded"
    if facts.complete:
        end = _END_WORDS.get(str(meta.get("end_reason")), "ended")
    else:
        end = "the recording stops without its closing details (perhaps interrupted); " \
              "everything up to the last beat is shown"  # fmt: skip
    sub = f"{when} · {_length(float(duration))} · {end} · folder {facts.folder.name}"
    return title, sub


#: The audiences a report is written for.
AUDIENCES = ("client", "clinician")


def report_html(facts: SessionFacts, audience: str = "clinician") -> str:
    """The report as one self-contained HTML page, for a client or a clinician.

    Parameters
    ----------
    facts : SessionFacts
        From :func:`load_session`.
    audience : {"clinician", "client"}
        ``client``: plain words for the person who breathed (no LF/HF, no spectrum, no
        jargon; numbers described, never judged). ``clinician``: the full table (mean HR,
        RMSSD, SDNN, coherence, LF/HF, breathing rate, corrected share per phase and for
        the whole session), the spectrum and the simulated person's settings.

    Returns
    -------
    str
        HTML with inline CSS and the plots as PNG data URIs.

    Raises
    ------
    ReportError
        For an unknown audience.
    """
    if audience not in AUDIENCES:
        raise ReportError(f"a report is for a client or a clinician, not {audience!r}")
    client = audience == "client"
    res = facts.analysis
    td = res.time
    title, sub = _when(facts, client)
    charts = _charts(facts, client)
    k = _typical_window(facts)
    a, b = _minute_range(facts, k)
    inside = _phase_at(facts, a, b)
    where = f", in phase {inside.span.number}" if inside is not None else ""
    minute_words = (
        f"{_clock(a)}–{_clock(b)}{where}: the minute of median coherence"
        if k is not None
        else f"the last {b - a:.0f} s ({_clock(a)}–{_clock(b)}){where}"
    )
    coh = res.coherence_mean
    mark = "*" if poor_data_note(res.corrected_pct) else ""
    if client:
        tiles = "".join([
            _tile("heart rate", _fmt(td.hr_mean_bpm, 0), "beats/min", "on average"),
            _tile("beat-to-beat variation", _fmt(td.rmssd_ms, 0) + mark, "ms",
                  "how much the time between beats changes"),
            _tile("coherence", _coherence_word(coh) or "–", "",
                  "how even and regular the heart rhythm's wave was"),
            _tile("breathing rate", _breath_text(res, 1, source=False), "breaths/min",
                  "measured from the movement of your chest"
                  if res.breathing_source == CHEST
                  else "read from the heart rhythm" if res.breathing_rate_bpm is not None
                  else "not clear from the heart rhythm this time"),
        ])  # fmt: skip
    else:
        tiles = "".join([
            _tile("mean heart rate", _fmt(td.hr_mean_bpm, 1), "bpm"),
            _tile("RMSSD", _fmt(td.rmssd_ms, 1) + mark, "ms", "beat-to-beat variability"),
            _tile("SDNN", _fmt(td.sdnn_ms, 1) + mark, "ms"),
            _tile("coherence", _fmt(coh, 2), "mean ratio", _coherence_word(coh)),
            _tile("breathing rate", _breath_text(res, 1, source=False), "breaths/min",
                  "chest movement (accelerometer)" if res.breathing_source == CHEST
                  else "heart rhythm's spectral peak" if res.breathing_rate_bpm is not None
                  else res.breathing_reason or ""),
            _tile("corrected", _fmt(res.corrected_pct, 1) + mark, "% of NN"),
        ])  # fmt: skip
    phased = _has_phases(facts)
    beat_words = "each beat" if client else "each beat (60000 / NN)"
    hr_caption = (
        f"{beat_words}; shaded: the phases numbered below"
        if phased
        else f"{beat_words}, after artifact correction"
    )
    spectrum_caption = (
        "LF 0.04-0.15 Hz (slow breathing shows here), HF 0.15-0.40 Hz"
        if k is not None
        else "needs 64 s of beats without a gap"
    )
    variation = "beat-to-beat variation" if client else "RMSSD"
    trend_caption = (
        "every 5 s; gaps: a pause, or over 5 % of beats corrected"
        if res.segments > 1 or res.corrected_pct > MAX_CORRECTED_PCT / 2
        else f"every 5 s: {variation} of the last 60 s, coherence of the last 64 s"
    )
    phase_title = "Phases" if phased else "The session"
    notes = "".join(f"<br>• {_e(n)}" for n in facts.notes)
    w, h = PLOT_SIZE_PX
    gap = f'<td class="gap" width="{PAGE_WIDTH_PX - 2 * w}"></td>'
    low, high = CHALLENGE_LEVELS[1]

    def plot(key: str, title: str, caption: str) -> str:
        return (
            f"<td width='{w}'><p class='h2'>{_e(title)}</p><p class='cap'>{_e(caption)}</p>"
            f'<img src="{charts[key]}" width="{w}" height="{h}" alt="{_e(title)}"></td>'
        )

    if client:
        intro = (
            "<p class='intro'>Here is what your heart rhythm did in this session, from the "
            "beats the strap recorded. These numbers move from day to day with sleep, mood "
            "and what the day held; they describe this one practice, and every session is "
            "practice.</p>"
        )
        corner = (
            f"<td width='{w}'><p class='h2'>What the words mean</p><p class='note'>"
            "<b>Heart rate</b>: beats per minute. <b>Beat-to-beat variation</b>: how much the "
            "time from one beat to the next changes, in milliseconds; slow, easy breathing "
            "often lets it grow, and it also moves with rest, mood and the time of day. "
            "<b>Coherence</b>: how even and regular the wave of your heart rhythm was, in "
            f"three words: {', '.join(_COHERENCE_WORDS.values())}. <b>Breathing rate</b>: "
            "breaths per minute, measured from the movement of your chest where the strap "
            "could, otherwise read from the rhythm of your heart.</p></td>"
        )
        table_note = (
            "<p class='note'>Each row comes from that stretch's own beats. A dash means the "
            f"stretch was too short for that figure (coherence and the breathing rate need "
            f"{COHERENCE_WINDOW_S:.0f} s of beats without a pause). 'Unclear' means the heart "
            "rhythm did not show the breathing clearly enough to give a number; that is "
            "common when breathing is quick and light, and says nothing about how you "
            "breathed.</p>"
        )
        artifacts_title = "The beats"
        foot = (
            f"<p class='foot'><b>{DISCLAIMER}</b> Made by resonant {__version__} from the "
            "session folder alone.</p>"
        )
    else:
        intro = ""
        corner = plot("spectrum", "Spectrum of that minute", spectrum_caption)
        table_note = (
            "<p class='note'>Each row is computed from that stretch's own beats. A dash means "
            "that stretch is too short for the value: coherence and the breathing rate need "
            f"{COHERENCE_WINDOW_S:.0f} s of beats without a gap, LF/HF {MIN_LF_STRETCH_S:.0f} s. "
            "Coherence is the ratio of the spectrum's main peak to the rest of it (at or above "
            f"{high:g}: {_COHERENCE_WORDS['high']}; {low:g}-{high:g}: "
            f"{_COHERENCE_WORDS['medium']}; below {low:g}: {_COHERENCE_WORDS['low']}). Guide: its rate in the phase (pacer.tsv). Slow breathing moves power "
            "into LF, so LF/HF then reflects the breathing rate. Breathing 'unclear': no "
            "clear respiratory peak in the heart rhythm (its share of the spectrum, its "
            "steadiness over 30 s, and its agreement with a guide; a slow peak without a "
            "guide is taken for the Mayer wave; hrv-spec §11.1). Breathing '(chest)': "
            "counted from chest movement by the strap's accelerometer, which is used "
            "wherever it covers the stretch.</p>"
        )
        artifacts_title = "Beats and artifacts"
        foot = (
            f"<p class='foot'><b>{DISCLAIMER}</b> Made by resonant {__version__} from the "
            "session folder alone. Metrics: Task Force 1996 (HR, RMSSD, SDNN, LF/HF); McCraty "
            "et al. 2009 (coherence ratio); the breathing rate is counted from chest movement "
            "where the accelerometer covers the stretch (Bates et al. 2010), else the "
            "spectrum's highest peak × 60, shown only when it is clearly the breathing "
            "(Schäfer &amp; Kratky 2008); "
            "artifacts: Lipponen &amp; Tarvainen 2019.</p>"
        )
    trends_title = f"{variation[0].upper()}{variation[1:]} and coherence across the session"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_e(title)}</title>
<style>{_CSS}</style>
<style>{_CSS_BROWSER}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="sub">{_e(sub)}</p>
{intro}
<table class="tiles"><tr>{tiles}</tr></table>
<table class="layout" width="100%" cellspacing="0" cellpadding="0">
<tr>{plot("hr", "Heart rate across the session", hr_caption)}{gap}
{plot("minute", "A typical minute, close up", minute_words)}</tr>
<tr>{plot("trends", trends_title, trend_caption)}{gap}
{corner}</tr>
</table>
<p class="h2">{phase_title}</p>
{_phase_table(facts, client)}
{table_note}
{_control_notes_html(facts, client)}
{_poor_data_html(facts, client)}
{_assessment_html(facts.meta)}
<table class="layout" width="100%" cellspacing="0" cellpadding="0"><tr>
<td width="44%"><p class="h2">{artifacts_title}</p>{_artifact_html(facts, client)}</td>{gap}
<td width="53%"><p class="h2">Device and settings</p>{_settings_html(facts, client)}</td>
</tr></table>
{f'<p class="note">Notes:{notes}</p>' if notes else ""}
{foot}
</body></html>
"""


def _pdf_bytes(page_html: str, title: str) -> tuple[bytes, int]:
    """The page laid out on A4 by QTextDocument: PDF bytes and the number of pages."""
    ensure_qt_app()
    from PyQt6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF
    from PyQt6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(page_html)
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setTitle(title)
    writer.setCreator(f"resonant {__version__}")
    writer.setResolution(300)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter)
    area = writer.pageLayout().paintRectPixels(writer.resolution())
    scale = area.width() / PAGE_WIDTH_PX
    page_h = area.height() / scale
    doc.setTextWidth(PAGE_WIDTH_PX)
    # A page that runs a little over one sheet (a longer table, a few more notes) is
    # drawn a little smaller to stay on one, down to 85 %; longer ones get more pages.
    doc.setPageSize(QSizeF(PAGE_WIDTH_PX, 1e6))
    whole_h = doc.size().height()
    if page_h < whole_h <= page_h / 0.85:
        scale *= page_h / whole_h
        page_h = whole_h
    doc.setPageSize(QSizeF(PAGE_WIDTH_PX, page_h))
    pages = doc.pageCount()
    painter = QPainter(writer)
    for k in range(pages):
        if k:
            writer.newPage()
        painter.save()
        painter.scale(scale, scale)
        painter.translate(0, -k * page_h)
        doc.drawContents(painter, QRectF(0, k * page_h, PAGE_WIDTH_PX, page_h))
        painter.restore()
    painter.end()
    buf.close()
    return buf.data().data(), pages


def make_report(
    folder: str | Path,
    out: str | Path,
    audience: str = "clinician",
    source: str | None = None,
    problems: list[str] | None = None,
) -> Path:
    """Write the report of a session folder to ``out`` (``.html`` or ``.pdf``).

    Parameters
    ----------
    folder : str or Path
        A session folder; ``session.json`` and ``beats.tsv`` suffice.
    out : str or Path
        The file to create; it must not exist (a report is never overwritten). Missing
        parent folders are created.
    audience : {"clinician", "client"}
        Whom the report is for (:func:`report_html`).
    source : str or None
        The person of a group the page is about (their label); None: the first.
    problems : list of str, optional
        Where a table that is there but cannot be used is said (one sentence naming
        it, :func:`load_session`); the report is made without it.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ReportError
        For an unknown suffix or audience, an existing ``out``, or a file that cannot be
        written.
    RecordingError
        When the session cannot be read.
    """
    out = Path(out)
    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise ReportError(
            f"{out}: a report is .html or .pdf, not {out.suffix or 'a file without a suffix'}"
        )
    if os.path.lexists(out):  # a dangling symlink too
        raise ReportError(f"{out} already exists; a report never overwrites a file")
    if audience not in AUDIENCES:
        raise ReportError(f"a report is for a client or a clinician, not {audience!r}")
    facts = load_session(folder, source, problems)
    page = report_html(facts, audience)
    title = _when(facts, audience == "client")[0]
    data = page.encode("utf-8") if kind == "html" else _pdf_bytes(page, title)[0]
    try:
        # Whole or not at all, owner-only, never over a file or a symlink (also one that
        # appears meanwhile); a missing folder is made owner-only.
        return write_new(out, data, noun="a report")
    except OutputError as exc:
        raise ReportError(str(exc)) from None

