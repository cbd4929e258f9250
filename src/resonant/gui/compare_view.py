"""The clinician's comparison view: each phase side by side, with plain-language notes.

The values are the analysis' (:func:`resonant.analysis.phases.analyze_phases` on the
recorded folder) and the notes :func:`resonant.analysis.compare.phase_notes`, which set a
phase against its control phase when the protocol names one (``compare_with``); the
heart-rate trace is drawn in one colour per phase. In a group session every person has
their own rows, trace and notes, each marked with the person's label.
"""

from __future__ import annotations

import html
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

from resonant.analysis.compare import phase_notes, protocol_plan
from resonant.config.palette import OKABE_ITO

__all__ = ["CompareDialog", "load_phases", "load_people"]

_LABEL_COLOUR = OKABE_ITO["black"]
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


def load_people(folder: Path) -> list[tuple[str, list[dict[str, Any]], Any]]:
    """Every source's (person's) label, per-phase values and recording, in recorded order.

    As :func:`load_phases`, for each source of a session folder (one for a single strap,
    several for a group).
    """
    from resonant.analysis.phases import analyze_phases
    from resonant.folder.read import read_events, read_recording

    events = read_events(folder)
    return [
        (str(rec.source or ""), [p.to_json() for p in analyze_phases(rec, events)], rec)
        for rec in read_recording(folder)
    ]


def _session_meta(folder: Path) -> dict[str, Any] | None:
    """``session.json``'s content, or None when it is missing or unreadable."""
    import json

    try:
        meta = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


class CompareDialog(QDialog):
    """Phases side by side: a table, notes, and the heart-rate trace coloured by phase."""

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("How the phases compare")
        lay = QVBoxLayout(self)
        #: (label, per-phase values, recording) of each person; one for a single strap.
        self.people = load_people(Path(folder))
        group = len(self.people) > 1
        self.phases = self.people[0][1]
        plan = protocol_plan(_session_meta(Path(folder)))
        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setLabel("left", "heart rate (bpm)")
        self.plot.setLabel("bottom", "session time (min)")
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        top = max((float(np.nanmax(60000.0 / rec.rr_ms)) for _, _, rec in self.people
                   if rec.rr_ms.size), default=0.0)  # fmt: skip
        for who, phases, rec in self.people:
            t_min = rec.time_s / 60.0
            hr = 60000.0 / rec.rr_ms
            for k, ph in enumerate(phases):
                colour = _PHASE_COLOURS[k % len(_PHASE_COLOURS)]
                a = (ph["onset_s"] or 0.0) / 60.0
                b = a + (ph["duration_s"] or 0.0) / 60.0
                inside = (t_min >= a) & (t_min < b)
                if inside.any():
                    self.plot.plot(t_min[inside], hr[inside], pen=pg.mkPen(colour, width=2))
            if group and hr.size:  # whose trace this is, at its end
                name = pg.TextItem(who, color=_LABEL_COLOUR, anchor=(0, 0.5))
                name.setPos(float(t_min[-1]), float(hr[-1]))
                self.plot.addItem(name)
        for k, ph in enumerate(self.phases):
            colour = _PHASE_COLOURS[k % len(_PHASE_COLOURS)]
            a = (ph["onset_s"] or 0.0) / 60.0
            b = a + (ph["duration_s"] or 0.0) / 60.0
            region = pg.LinearRegionItem((a, b), movable=False, brush=pg.mkBrush(colour + "22"))
            region.setZValue(-10)
            self.plot.addItem(region)
            label = pg.TextItem(f"{k + 1}", color=colour, anchor=(0, 0))
            label.setPos(a, top)
            self.plot.addItem(label)
        lay.addWidget(self.plot, 2)
        columns = ((("person", "person", None),) if group else ()) + _COLUMNS
        rows = [(who, r, ph) for who, phases, _ in self.people for r, ph in enumerate(phases)]
        self.table = QTableWidget(len(rows), len(columns))
        self.table.setHorizontalHeaderLabels([c for c, _, _ in columns])
        for row, (who, r, ph) in enumerate(rows):
            for c, (_, key, scale) in enumerate(columns):
                v = ph.get(key)
                if key == "person":
                    text = who
                elif key == "label":
                    text = f"{r + 1}. {v}"
                elif key == "stressor":
                    text = "yes" if v else ""
                elif v is None and key == "breathing_rate_bpm" and ph.get("breathing_reason"):
                    text = "unclear" if "unclear" in ph["breathing_reason"] else "–"
                elif v is None:
                    text = "–"
                else:
                    text = f"{v * scale:.1f}" if key != "lf_hf" else f"{v:.2f}"
                self.table.setItem(row, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table, 1)
        #: The notes, each person's beginning with their label in a group.
        self.note_list = [
            note
            for who, phases, _ in self.people
            for note in phase_notes(phases, plan, person=who if group else None)
        ]
        self.notes = QLabel("<br>".join(html.escape(n, quote=False) for n in self.note_list)
                            or "Only one phase so far.")  # fmt: skip
        self.notes.setWordWrap(True)
        lay.addWidget(self.notes)
        lay.addWidget(QLabel("A training and teaching aid, not a medical device."))
        close = QPushButton("&Close")
        close.clicked.connect(self.accept)
        lay.addWidget(close)
        self.resize(900, 700)
