"""The result of a resonance assessment: heart-rate swing by breathing rate, and the answer.

It shows what :func:`resonant.analysis.assessment.analyze_folder` found, in plain words, with the
option to accept the rate (the guide will use it) or to repeat the assessment.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from resonant.config.palette import OKABE_ITO
from resonant.signal.resonance import AssessmentResult

__all__ = ["ResultsDialog"]


class ResultsDialog(QDialog):
    """Amplitude by rate, the chosen rate, and Accept / Repeat / Close."""

    accepted_rate = pyqtSignal(float)
    repeat = pyqtSignal()

    def __init__(
        self, result: AssessmentResult, completed: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.assessment = result
        self.setWindowTitle("Your resonance rate")
        lay = QVBoxLayout(self)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setLabel("bottom", "breathing rate (breaths/min)")
        self.plot.setLabel("left", "heart-rate swing per breath (bpm)")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self._draw()
        lay.addWidget(self.plot, 1)
        if result.resonance_bpm is not None:
            text = (
                f"Your heart rhythm resonated most at about <b>{result.resonance_bpm:.1f} "
                f"breaths per minute</b> (about a {100 * result.confidence:.0f}% chance of "
                "being within a quarter of a breath per minute)."
            )
            if not result.reliable:
                text += " That is not certain enough to let the guide use it as it is."
        else:
            text = "No resonance rate could be given this time."
        if not completed:
            text += " The assessment was stopped early, so the answer rests on fewer steps."
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.notes = QLabel("<br>".join(f"• {w}" for w in result.warnings))
        self.notes.setWordWrap(True)
        lay.addWidget(self.notes)
        lay.addWidget(QLabel("A training aid, not a medical measurement."))
        buttons = QHBoxLayout()
        self.accept_button = QPushButton("&Accept: let the guide use this rate")
        self.accept_button.setEnabled(result.reliable and result.resonance_bpm is not None)
        self.repeat_button = QPushButton("&Repeat the assessment")
        self.close_button = QPushButton("&Close")
        for b in (self.accept_button, self.repeat_button, self.close_button):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.accept_button.clicked.connect(self._accept)
        self.repeat_button.clicked.connect(self._repeat)
        self.close_button.clicked.connect(self.reject)
        self.resize(640, 520)

    def _draw(self) -> None:
        r = self.assessment
        if r.protocol == "stepped":
            used = [s for s in r.steps if s.followed and math.isfinite(s.amplitude_bpm)]
            left = [s for s in r.steps if s not in used and math.isfinite(s.amplitude_bpm)]
            for group, colour in ((used, OKABE_ITO["blue"]), (left, "#B0B0B0")):
                if group:
                    self.plot.addItem(pg.BarGraphItem(
                        x=[s.rate_bpm for s in group], height=[s.amplitude_bpm for s in group],
                        width=0.3, brush=colour,
                    ))  # fmt: skip
        else:
            rates = np.array([b.rate_bpm for b in r.breaths])
            amps = np.array([b.amplitude_bpm for b in r.breaths])
            smooth = np.array([b.smoothed_bpm for b in r.breaths])
            self.plot.plot(rates, amps, pen=None, symbol="o", symbolSize=4, symbolBrush="#B0B0B0")
            self.plot.plot(
                rates, smooth, pen=pg.mkPen(OKABE_ITO["blue"], width=3), connect="finite"
            )
        if r.resonance_bpm is not None:
            line = pg.InfiniteLine(
                r.resonance_bpm, angle=90,
                pen=pg.mkPen(OKABE_ITO["vermillion"], width=2),
                label=f"{r.resonance_bpm:.1f}/min", labelOpts={"position": 0.9},
            )  # fmt: skip
            self.plot.addItem(line)

    def _accept(self) -> None:
        if self.assessment.resonance_bpm is not None:
            self.accepted_rate.emit(float(self.assessment.resonance_bpm))
        self.accept()

    def _repeat(self) -> None:
        self.repeat.emit()
        self.accept()
