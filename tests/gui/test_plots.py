"""The plots do not exaggerate: fixed smallest spans, power from 0, nothing drawn while hidden."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from resonant.gui.plots import MIN_SPAN, PhysiologyPlots, axis_range
from resonant.model.pacer import PacerSchedule, PacerSettings
from resonant.session.buffers import BeatRows, TrendRows
from resonant.signal.coherence import CHALLENGE_LEVELS


@dataclass
class _History:
    """What the plots read from :class:`~resonant.session.buffers.History`."""

    rmssd_ms: np.ndarray
    score: np.ndarray
    hr_bpm: float = 62.0
    version: int = 1

    def beats(self, source: str, since_s: float = -np.inf) -> BeatRows:
        t = np.arange(40.0, 100.0, 1.0)
        hr = self.hr_bpm + 0.5 * np.sin(t / 3.0)
        return BeatRows(t, 60000.0 / hr, hr, np.zeros_like(t))

    def trends(self, source: str, since_s: float = -np.inf) -> TrendRows:
        n = self.rmssd_ms.size
        t = 5.0 * np.arange(1, n + 1)
        nan = np.full(n, np.nan)
        return TrendRows(t, self.rmssd_ms, self.score, self.score, nan, nan, nan, nan)


def _y_range(plot) -> tuple[float, float]:
    lo, hi = plot.vb.viewRange()[1]
    return float(lo), float(hi)


def test_a_small_rmssd_change_spans_at_least_40_ms_from_zero() -> None:
    lo, hi = axis_range(np.array([6.0, 6.4, 7.1, 7.8]), *MIN_SPAN["rmssd_ms"])
    assert lo >= 0.0 and hi - lo >= 40.0
    assert (lo, hi) == (0.0, 40.0)
    # Larger values are held whole, rounded out to the step.
    assert axis_range(np.array([38.0, 95.0]), 40.0, 10.0) == (30.0, 100.0)
    assert axis_range(np.array([np.nan, np.nan]), 40.0, 10.0) == (0.0, 40.0)
    lo, hi = axis_range(np.array([61.0, 63.0]), *MIN_SPAN["hr_bpm"])
    assert hi - lo >= 20.0 and lo <= 61.0 and hi >= 63.0


@pytest.mark.parametrize("values", [[6.0, 7.8], [0.5, 0.6], [150.0, 151.0], [np.nan, 3.0]])
def test_axis_ranges_hold_the_data_and_never_go_below_zero(values: list[float]) -> None:
    for min_span, step in MIN_SPAN.values():
        lo, hi = axis_range(np.array(values), min_span, step)
        finite = np.array(values)[np.isfinite(values)]
        assert lo >= 0.0 and hi - lo >= min_span
        assert lo <= finite.min() and finite.max() <= hi


def test_the_trend_plot_shows_6_to_7_8_ms_as_a_small_change(qapp) -> None:
    plots = PhysiologyPlots()
    plots.resize(900, 600)
    plots.show()
    history = _History(np.array([6.0, 6.5, 7.0, 7.8]), np.array([0.3, 0.4, 0.6, 0.5]))
    schedule = PacerSchedule(PacerSettings(rate_bpm=6.0))
    plots.refresh(history, "sim", 100.0, schedule, None)  # type: ignore[arg-type]
    lo, hi = _y_range(plots.trend_plot)
    assert lo >= 0.0 and hi - lo >= 40.0
    c_lo, c_hi = (float(x) for x in plots.coh_box.viewRange()[1])
    assert c_lo == 0.0 and c_hi >= CHALLENGE_LEVELS[1][1]
    h_lo, h_hi = _y_range(plots.hr_plot)
    assert h_hi - h_lo >= 20.0
    plots.close()


def test_the_power_axis_never_goes_negative(qapp) -> None:
    plots = PhysiologyPlots()
    plots.resize(900, 600)
    plots.show()
    lo, hi = _y_range(plots.psd_plot)
    assert lo == 0.0 and hi > 0.0  # empty: 0 to 1, not -0.4 to 0.4
    history = _History(np.array([20.0]), np.array([1.0]))
    f = np.linspace(0.0, 1.0, 513)
    power = 900.0 * np.exp(-(((f - 0.1) / 0.01) ** 2))
    plots.refresh(history, "sim", 100.0, None, (f, power))  # type: ignore[arg-type]
    lo, hi = _y_range(plots.psd_plot)
    assert lo == 0.0 and 900.0 < hi < 1300.0
    plots.refresh(history, "sim", 101.0, None, None)  # type: ignore[arg-type]
    assert _y_range(plots.psd_plot)[0] == 0.0
    plots.close()


def test_hidden_plots_are_not_redrawn_and_catch_up_when_shown(qapp) -> None:
    plots = PhysiologyPlots()
    plots.resize(900, 600)
    history = _History(np.array([20.0, 21.0]), np.array([1.0, 1.2]))
    for i in range(5):
        plots.refresh(history, "sim", 100.0 + i, None, None)  # type: ignore[arg-type]
    assert plots.refreshes == 5 and plots.redraws == 0
    plots.show()
    plots.refresh(history, "sim", 106.0, None, None)  # type: ignore[arg-type]
    assert plots.redraws == 1
    x, y = plots.rmssd_curve.getData()
    np.testing.assert_array_equal(y, history.rmssd_ms)
    plots.close()
