"""Live physiology plots: heart rate with the breathing guide, tachogram, trends, spectrum.

Every curve is created once; :meth:`PhysiologyPlots.refresh` (on a 10 Hz timer) only
hands views of the :class:`~resonant.session.buffers.History` rings and the core's
latest spectrum to ``setData``. Nothing is computed here: the breathing curve is the
pacer schedule's own target volume at the plotted times.

The axes do not exaggerate: each y axis keeps a fixed smallest span
(:data:`MIN_SPAN`, :func:`axis_range`), so RMSSD moving from 6 to 7.8 ms looks like the
small change it is, the coherence axis always reaches the challenge level's "high"
threshold, and the spectrum's power axis starts at 0 (never a negative range when empty).

Drawing stays light for software rendering: nothing is redrawn while the plots are
hidden (the practice page), and each axis with its grid is cached as a pixmap
(``DeviceCoordinateCache``), so moving curves do not replay every tick label.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from numpy.typing import NDArray
from PyQt6.QtWidgets import QGraphicsItem

from resonant.config.palette import THEMES, Theme
from resonant.model.pacer import PacerSchedule
from resonant.session.buffers import History
from resonant.signal.coherence import CHALLENGE_LEVELS
from resonant.signal.spectrum import LF

__all__ = ["PhysiologyPlots", "WINDOW_S", "MIN_SPAN", "axis_range"]

#: Seconds of heart rate and tachogram shown.
WINDOW_S = 60.0
#: Points of the breathing curve across the window (5 per second).
_GUIDE_POINTS = int(WINDOW_S * 5) + 1
#: The scrolling plots are redrawn once the data have moved this far, px (software
#: rendering is the cost; a step of 1.5 px reads as smooth motion).
SCROLL_STEP_PX = 1.5
#: Smallest span of each y axis, in its unit, and the step its ends are rounded to: a
#: change smaller than a fraction of this never fills the plot.
MIN_SPAN = {
    "hr_bpm": (20.0, 5.0),
    "rr_ms": (200.0, 50.0),
    "rmssd_ms": (40.0, 10.0),
}


def axis_range(
    values: NDArray[np.float64], min_span: float, step: float, floor: float | None = 0.0
) -> tuple[float, float]:
    """A y range holding ``values`` that is never narrower than ``min_span``.

    The data's range is widened evenly on both sides to at least ``min_span``, moved up
    if it would start below ``floor`` (0 for quantities that cannot be negative), and its
    ends are rounded out to whole ``step``s.

    Parameters
    ----------
    values : ndarray
        The plotted values (non-finite ones are ignored).
    min_span : float
        Smallest span of the range, in the values' unit.
    step : float
        The ends are multiples of ``step``.
    floor : float or None
        Lowest allowed start, or None for none.

    Returns
    -------
    (float, float)
        The range's low and high ends. With no finite value: ``floor`` (or 0) to
        ``floor + min_span``.

    Examples
    --------
    An RMSSD rising from 6 to 7.8 ms is shown on 0-40 ms, a small change:

    >>> axis_range(np.array([6.0, 7.8]), 40.0, 10.0)
    (0.0, 40.0)
    """
    finite = values[np.isfinite(values)]
    base = 0.0 if floor is None else floor
    if finite.size == 0:
        return base, base + min_span
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo < min_span:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 0.5 * min_span, mid + 0.5 * min_span
    if floor is not None and lo < floor:
        lo, hi = floor, hi + (floor - lo)
    lo = math.floor(lo / step + 1e-9) * step
    hi = math.ceil(hi / step - 1e-9) * step
    return float(lo), float(hi)


class PhysiologyPlots(pg.GraphicsLayoutWidget):
    """Four plots of one source's physiology."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.theme: Theme = THEMES["light"]
        self._guide_offsets = np.linspace(0.0, WINDOW_S, _GUIDE_POINTS)
        self._trend_rows = -1
        self._psd: object = None
        self._pacer_rate: float | None = None
        self._rescaled_at: dict[int, float] = {}
        self.last_now_s = -np.inf
        self._version = -1
        self.redraws = 0
        self._guide_t = np.empty(_GUIDE_POINTS)
        self._guide_v = np.empty(_GUIDE_POINTS)
        self.refreshes = 0
        #: Challenge level whose "high" threshold the coherence axis always reaches.
        self.challenge_level = 1
        self._psd_top = 0.0

        # A margin on the right: the last right-hand axis's turned title is drawn beside
        # its tick values and would otherwise meet the window's edge.
        self.ci.layout.setContentsMargins(2, 2, 18, 2)
        self.hr_plot = self._plot(0, 0, "Heart rate and the breathing guide")
        self.hr_plot.setLabel("left", "heart rate (beats/min)")
        self.hr_plot.setLabel("bottom", "seconds ago")
        self.hr_curve = self.hr_plot.plot(
            pen=pg.mkPen(width=2), connect="finite", name="heart rate"
        )
        self.guide_box = self._twin(self.hr_plot, "guide: in ↑ out ↓", -0.05, 1.05)
        self.hr_plot.setXRange(-WINDOW_S, 0.0, padding=0)
        self.hr_plot.enableAutoRange(x=False, y=False)
        self.hr_plot.setYRange(50, 90, padding=0)
        self.guide_curve = pg.PlotCurveItem(skipFiniteCheck=True)
        self.guide_box.addItem(self.guide_curve)

        self.rr_plot = self._plot(1, 0, "Time between heartbeats")
        self.rr_plot.setLabel("left", "interval (ms)")
        self.rr_plot.setLabel("bottom", "seconds ago")
        self.rr_plot.showAxis("right")  # same width as the plot above, so times line up
        self.rr_plot.getAxis("right").setStyle(showValues=False)
        self.rr_plot.setXLink(self.hr_plot)
        self.rr_plot.enableAutoRange(x=False, y=False)
        self.rr_plot.setYRange(600, 1200, padding=0)
        self.rr_curve = self.rr_plot.plot(connect="finite", symbol="o", symbolSize=4)
        self.artifact_dots = pg.ScatterPlotItem(size=10, symbol="x")
        self.rr_plot.addItem(self.artifact_dots)

        self.trend_plot = self._plot(0, 1, "Variability (RMSSD) and coherence over the session")
        self.trend_plot.setLabel("left", "RMSSD (ms)")
        self.trend_plot.setLabel("bottom", "seconds into the session")
        self.rmssd_curve = self.trend_plot.plot(connect="finite", name="RMSSD")
        self.trend_plot.enableAutoRange(y=False)
        self.trend_plot.setYRange(*axis_range(np.empty(0), *MIN_SPAN["rmssd_ms"]), padding=0)
        self.coh_box = self._twin(
            self.trend_plot, "coherence score", 0.0, CHALLENGE_LEVELS[self.challenge_level][1]
        )
        self.coh_curve = pg.PlotDataItem(connect="finite")
        self.coh_box.addItem(self.coh_curve)

        self.psd_plot = self._plot(1, 1, "Rhythms in the heart rate, last 64 s")
        self.psd_plot.setLabel("left", "power (ms²/Hz)")
        self.psd_plot.setLabel("bottom", "frequency (Hz; 0.1 Hz is 6 breaths/min)")
        self.psd_plot.setXRange(0.0, 0.5, padding=0)
        self.psd_plot.enableAutoRange(y=False)
        self.psd_plot.setYRange(0.0, 1.0, padding=0)
        self.lf_region = pg.LinearRegionItem((LF.lo_hz, LF.hi_hz), movable=False)
        self.psd_plot.addItem(self.lf_region)
        self.lf_label = pg.TextItem("LF band", anchor=(0, 0))
        self.psd_plot.addItem(self.lf_label)
        self.psd_curve = self.psd_plot.plot(fillLevel=0)
        right_of_line = [(0, 0), (0, 0)]  # label anchored to the right of its line
        self.pacer_line = pg.InfiniteLine(
            angle=90, movable=False, label="guide",
            labelOpts={"position": 0.6, "anchors": right_of_line},
        )  # fmt: skip
        self.breath_line = pg.InfiniteLine(
            angle=90, movable=False, label="your breathing",
            labelOpts={"position": 0.45, "anchors": right_of_line},
        )  # fmt: skip
        self.psd_plot.addItem(self.pacer_line)
        self.psd_plot.addItem(self.breath_line)
        for plot in (self.hr_plot, self.rr_plot, self.trend_plot, self.psd_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            for side in ("left", "bottom", "right"):
                # An axis (with its grid, which spans the plot) is drawn into a pixmap
                # when its scale changes, not replayed label by label at every redraw.
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.apply_theme(self.theme)

    def _plot(self, row: int, col: int, title: str) -> pg.PlotItem:
        plot = self.addPlot(row=row, col=col, title=title)
        for side in ("left", "bottom", "right"):
            plot.getAxis(side).enableAutoSIPrefix(False)  # "ms", never "kms"; "Hz", never "mHz"
        return plot

    @staticmethod
    def _twin(plot: pg.PlotItem, label: str, y_lo: float, y_hi: float) -> pg.ViewBox:
        """A second y axis on the right of ``plot``, sharing its x axis, with a fixed range."""
        box = pg.ViewBox()
        plot.scene().addItem(box)
        plot.getAxis("right").linkToView(box)
        plot.showAxis("right")
        plot.getAxis("right").setLabel(label)
        box.setXLink(plot)
        box.setYRange(y_lo, y_hi, padding=0)
        plot.vb.sigResized.connect(lambda: box.setGeometry(plot.vb.sceneBoundingRect()))
        return box

    def apply_theme(self, theme: Theme) -> None:
        """Colours of a theme."""
        self.theme = theme
        self.setBackground(theme.background)
        for plot in (self.hr_plot, self.rr_plot, self.trend_plot, self.psd_plot):
            plot.setTitle(plot.titleLabel.text, color=theme.text)
            for side in ("left", "bottom", "right"):
                ax = plot.getAxis(side)
                ax.setPen(pg.mkPen(theme.muted))
                ax.setTextPen(pg.mkPen(theme.text))
        self.hr_curve.setPen(pg.mkPen(theme.hr, width=2))
        self.guide_curve.setPen(
            pg.mkPen(theme.breath, width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.rr_curve.setPen(pg.mkPen(theme.rr, width=1))
        self.rr_curve.setSymbolBrush(theme.rr)
        self.rr_curve.setSymbolPen(None)
        self.artifact_dots.setPen(pg.mkPen(theme.artifact, width=2))
        self.rmssd_curve.setPen(pg.mkPen(theme.rmssd, width=2))
        self.coh_curve.setPen(pg.mkPen(theme.coherence, width=2))
        self.psd_curve.setPen(pg.mkPen(theme.rr, width=1))
        self.psd_curve.setBrush(pg.mkBrush(theme.rr + "40"))
        self.lf_region.setBrush(pg.mkBrush(theme.lf_band))
        self.lf_label.setColor(theme.muted)
        self.pacer_line.setPen(
            pg.mkPen(theme.pacer_line, width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.breath_line.setPen(pg.mkPen(theme.breath_line, width=2))
        self.pacer_line.label.setColor(theme.pacer_line)
        self.breath_line.label.setColor(theme.breath_line)

    def refresh(
        self,
        history: History,
        source: str | None,
        now_s: float,
        pacer: PacerSchedule | None,
        psd: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
    ) -> None:
        """Show the latest data of ``source`` at session time ``now_s``.

        The heart-rate and RR plots scroll by moving the data, not the axes (x is
        "seconds before now", -60 to 0): the axes are only redrawn when their scale
        really changes, which keeps software rendering cheap. Trends and the spectrum
        are only redrawn when a new 5-s update has come.
        """
        self.refreshes += 1
        if not self.isVisible():  # the practice page: nothing to draw
            self._version = -1  # so the next visible refresh redraws everything
            self._trend_rows = -1
            self._psd = None
            return
        # Scrolling by less than a pixel changes nothing on screen: skip the redraw.
        px_per_s = max(1.0, self.hr_plot.vb.width()) / WINDOW_S
        if (
            (now_s - self.last_now_s) * px_per_s < SCROLL_STEP_PX
            and history.version == self._version
            and psd is self._psd
            and now_s >= self.last_now_s
        ):
            return
        self.redraws += 1
        self._version = history.version
        self.last_now_s = now_s
        t0 = now_s - WINDOW_S
        if source is not None:
            beats = history.beats(source, t0 - 2.0)
            x = beats.time_s - now_s
            self.hr_curve.setData(x, beats.hr_bpm)
            self.rr_curve.setData(x, beats.rr_ms)
            flagged = beats.artifact > 0
            self.artifact_dots.setData(x[flagged], beats.rr_ms[flagged])
            self._rescale(self.hr_plot, beats.hr_bpm, "hr_bpm", now_s)
            self._rescale(self.rr_plot, beats.rr_ms, "rr_ms", now_s)
            trends = history.trends(source)
            if trends.time_s.size != self._trend_rows:
                self._trend_rows = trends.time_s.size
                self.rmssd_curve.setData(trends.time_s, trends.rmssd_ms)
                self.coh_curve.setData(trends.time_s, trends.coherence_score)
                self._fit_trends(trends.rmssd_ms, trends.coherence_score)
                if trends.time_s.size and np.isfinite(trends.breathing_rate_bpm[-1]):
                    self.breath_line.setPos(trends.breathing_rate_bpm[-1] / 60.0)
                    self.breath_line.show()
                else:
                    self.breath_line.hide()
        if psd is not self._psd:
            self._psd = psd
            if psd is not None:
                self.psd_curve.setData(psd[0], psd[1])
                shown = psd[1][psd[0] <= 0.5]
                top = float(np.max(shown)) if shown.size else 0.0
                self._fit_psd(top)
            else:
                self.psd_curve.setData([], [])
                self._psd_top = 0.0  # the next spectrum sets the power axis afresh
        if pacer is not None:
            np.add(self._guide_offsets, t0, out=self._guide_t)
            try:
                self._guide_v[:] = pacer.volume(self._guide_t)
                self.guide_curve.setData(self._guide_offsets - WINDOW_S, self._guide_v)
            except ValueError:  # the schedule has forgotten that far back
                self.guide_curve.setData([], [])
            rate = pacer.at(now_s).rate_bpm
            if rate != self._pacer_rate:
                self._pacer_rate = rate
                self.pacer_line.setPos(rate / 60.0)
            self.pacer_line.show()
        else:
            self.guide_curve.setData([], [])
            self.pacer_line.hide()

    def _rescale(self, plot: pg.PlotItem, y: NDArray[np.float64], kind: str, now_s: float) -> None:
        """Fit the y range to the data, never narrower than :data:`MIN_SPAN`, at most once a second.

        Display scaling only: it changes only when the data leave the range or use
        less than half of it, so the axis (costly to redraw) stays still.
        """
        if now_s - self._rescaled_at.get(id(plot), -np.inf) < 1.0:
            return
        finite = y[np.isfinite(y)]
        if finite.size < 2:
            return
        self._rescaled_at[id(plot)] = now_s
        min_span, step = MIN_SPAN[kind]
        lo, hi = axis_range(finite, min_span, step)
        lo, hi = min(lo, float(finite.min()) - step), max(hi, float(finite.max()) + step)
        lo = max(0.0, lo)
        cur_lo, cur_hi = plot.vb.viewRange()[1]
        inside = cur_lo <= finite.min() and finite.max() <= cur_hi
        if inside and (hi - lo) > 0.5 * (cur_hi - cur_lo):
            return
        plot.setYRange(lo, hi, padding=0)

    def _fit_trends(self, rmssd_ms: NDArray[np.float64], score: NDArray[np.float64]) -> None:
        """RMSSD from 0 over at least 40 ms; coherence from 0 to at least "high"."""
        lo, hi = axis_range(rmssd_ms, *MIN_SPAN["rmssd_ms"])
        if (lo, hi) != tuple(self.trend_plot.vb.viewRange()[1]):
            self.trend_plot.setYRange(lo, hi, padding=0)
        high = CHALLENGE_LEVELS[self.challenge_level][1]
        finite = score[np.isfinite(score)]
        top = max(high, math.ceil(float(finite.max()) + 0.5) if finite.size else 0.0)
        if (0.0, top) != tuple(self.coh_box.viewRange()[1]):
            self.coh_box.setYRange(0.0, top, padding=0)

    def _fit_psd(self, top: float) -> None:
        """Power from 0 to a little above the highest peak (rescaled only when it is
        above the range or under half of it, so the axis stays still)."""
        if top <= 0.0 or not math.isfinite(top):
            return
        if top > self._psd_top or top < 0.4 * self._psd_top:
            self._psd_top = 1.25 * top
            self.psd_plot.setYRange(0.0, self._psd_top, padding=0)
            self.lf_label.setPos(LF.lo_hz + 0.003, self._psd_top * 0.97)
