"""The clinician's comparison view: each phase side by side, with plain-language notes.

The values are the analysis' (:func:`resonant.analysis.phases.analyze_phases` on the
recorded folder) and the notes :func:`resonant.analysis.compare.phase_notes`; the heart-rate trace
is drawn in one colour per phase.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from resonant.analysis.compare import phase_notes
from resonant.config.palette import OKABE_ITO

__all__ = ["CompareDialog", "load_phases"]

_PHASE_COLOURS = [OKABE_ITO[k] for k in ("blue", "vermillion", "green", "purple", "orange", "sky")]
_COLUMNS = (
    ("phase", "label", None), ("stressor", "stressor", None), ("min", "duration_s", 1 / 60),
    ("mean HR (bpm)", "hr_mean_bpm", 1), ("RMSSD (ms)", "rmssd_ms", 1),
    ("coherence (ratio)", "coherence_mean", 1), ("LF/HF", "lf_hf", 1),
    ("breathing (/min)", "breathing_rate_bpm", 1),
)  # fmt: skip


def load_phases(folder: Path) -> tuple[list[dict[str, Any]], Any]:
    """Per-phase values and the first source's recording, read from a session folder.

    The values are :meth:`PhaseResult.to_json <resonant.analysis.phases.PhaseResult.to_json>`
    of :func:`~resonant.analysis.phases.analyze_phases`: what ``analyze --json`` prints.
    """
    from resonant.analysis.phases import analyze_phases
    from resonant.folder.read import read_events, read_recording

    rec = read_recording(folder)[0]
    return [p.to_json() for p in analyze_phases(rec, read_events(folder))], rec


class CompareDialog(QDialog):
    """Phases side by side: a table, notes, and the heart-rate trace coloured by phase."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("How the phases compare")
        lay = QVBoxLayout(self)
        self.phases, rec = load_phases(folder)
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setLabel("left", "heart rate (bpm)")
        self.plot.setLabel("bottom", "session time (min)")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        t_min = rec.time_s / 60.0
        hr = 60000.0 / rec.rr_ms
        for k, ph in enumerate(self.phases):
            colour = _PHASE_COLOURS[k % len(_PHASE_COLOURS)]
            a = (ph["onset_s"] or 0.0) / 60.0
            b = a + (ph["duration_s"] or 0.0) / 60.0
            inside = (t_min >= a) & (t_min < b)
            if inside.any():
                self.plot.plot(t_min[inside], hr[inside], pen=pg.mkPen(colour, width=2))
            region = pg.LinearRegionItem((a, b), movable=False, brush=pg.mkBrush(colour + "22"))
            region.setZValue(-10)
            self.plot.addItem(region)
            label = pg.TextItem(f"{k + 1}", color=colour, anchor=(0, 0))
            label.setPos(a, float(np.nanmax(hr)) if hr.size else 0.0)
            self.plot.addItem(label)
        lay.addWidget(self.plot, 2)
        self.table = QTableWidget(len(self.phases), len(_COLUMNS))
        self.table.setHorizontalHeaderLabels([c for c, _, _ in _COLUMNS])
        for r, ph in enumerate(self.phases):
            for c, (_, key, scale) in enumerate(_COLUMNS):
                v = ph.get(key)
                if key == "label":
                    text = f"{r + 1}. {v}"
                elif key == "stressor":
                    text = "yes" if v else ""
                elif v is None and key == "breathing_rate_bpm" and ph.get("breathing_reason"):
                    text = "unclear" if "unclear" in ph["breathing_reason"] else "–"
                elif v is None:
                    text = "–"
                else:
                    text = f"{v * scale:.1f}" if key != "lf_hf" else f"{v:.2f}"
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table, 1)
        self.notes = QLabel("<br>".join(phase_notes(self.phases)) or "Only one phase so far.")
        self.notes.setWordWrap(True)
        lay.addWidget(self.notes)
        lay.addWidget(QLabel("A training and teaching aid, not a medical device."))
        close = QPushButton("&Close")
        close.clicked.connect(self.accept)
        lay.addWidget(close)
        self.resize(900, 700)
