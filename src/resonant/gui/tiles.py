"""Tiles: one number each, with its unit and a short, kind note.

The values are the core's (through the session snapshot); a tile only formats them.
Wording is invitational and never judging: a low coherence level reads "settling".
Each tile says its value in plain words; the numbers behind the words (the coherence
ratio, the challenge level's thresholds) and what a measure means are in its tooltip.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from resonant.config.palette import Theme
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance
from resonant.session.core import SessionSnapshot, SourceSnapshot
from resonant.signal.breathing_source import SOURCE_WORDS
from resonant.signal.coherence import CHALLENGE_LEVELS, coherence_level
from resonant.model.clock import fmt_clock

__all__ = ["Tile", "TilesPanel", "LEVEL_WORDS"]

#: How a coherence band reads in the tile (as in the report): never a verdict.
LEVEL_WORDS = dict(guidance()["coherence_words"])
#: What each measure is, for its tooltip.
TIPS = {
    "hr": "Heart rate: beats per minute, the mean of the last 60 seconds.",
    "rmssd": "Beat-to-beat variability: RMSSD, the root mean square of the differences "
    "between successive beat intervals over the last 60 seconds, in ms.",
    "coherence": "Coherence: how much of the heart rhythm's variation is one smooth wave "
    "(McCraty et al. 2009), on a 0-16 score, from the last 64 seconds.",
    "breathing": "Breathing rate, breaths per minute: counted at the chest when the strap "
    "reports it, else read from the heart rhythm when it shows clearly.",
    "quality": "Signal: the strap's state, its skin contact, and the share of beats the "
    "live check found irregular (they are left out of the measures).",
}


def _fmt(x: float | None, spec: str) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


class Tile(QFrame):
    """A titled value with a unit and a note."""

    def __init__(self, title: str, unit: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(0)
        self.title = QLabel(title)
        self.value = QLabel("–")
        self.value.setObjectName("value")
        self.unit = QLabel(unit)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        for w in (self.title, self.value, self.unit, self.note):
            w.setAlignment(Qt.AlignmentFlag.AlignLeft)
            lay.addWidget(w)
        self.setAccessibleName(title)

    def show_value(self, value: str, note: str = "", tip: str | None = None) -> None:
        """Set the value text, the note and (unless None) the tooltip.

        Untouched when unchanged, so nothing is laid out again.
        """
        if tip is not None and tip != self.toolTip():
            self.setToolTip(tip)
        if value == self.value.text() and note == self.note.text():
            return
        self.value.setText(value)
        self.note.setText(note)
        self.setAccessibleDescription(f"{value} {self.unit.text()} {note}".strip())

    def apply_theme(self, theme: Theme, scale: float) -> None:
        """Colours and font sizes."""
        base = self.font().pointSizeF()
        self.setStyleSheet(
            f"QFrame#tile {{ background: {theme.panel}; border: 1px solid {theme.grid};"
            f" border-radius: 8px; }}"
            f" QLabel {{ color: {theme.muted}; border: none; }}"
            f" QLabel#value {{ color: {theme.text}; font-size: {base * 2.0 * scale:.0f}pt;"
            f" font-weight: 600; }}"
        )


class TilesPanel(QWidget):
    """HR, RMSSD, coherence, breathing rate, signal quality and the session timer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.challenge_level = 1
        self.hr = Tile("Heart rate", "beats/min")
        self.rmssd = Tile("Variability", "RMSSD, ms, last 60 s")
        self.coherence = Tile("Coherence", "score 0-16")
        # Where the number comes from (chest or heart rhythm) is said in its note.
        self.breathing = Tile("Breathing rate", "breaths/min")
        self.quality = Tile("Signal", "")
        self.timer = Tile("Session", "")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, tile in enumerate(
            (self.hr, self.rmssd, self.coherence, self.breathing, self.quality, self.timer)
        ):
            grid.addWidget(tile, i // 3, i % 3)
        for name, tip in TIPS.items():
            getattr(self, name).setToolTip(tip)

    def apply_theme(self, theme: Theme, scale: float) -> None:
        """Colours and font sizes of every tile."""
        for t in (self.hr, self.rmssd, self.coherence, self.breathing, self.quality, self.timer):
            t.apply_theme(theme, scale)

    def fill(self, snap: SessionSnapshot, source: str | None) -> None:
        """Fill the tiles from a session snapshot (the chosen source's values)."""
        src = next((s for s in snap.sources if s.label == source), None)
        if src is None and snap.sources:
            src = snap.sources[0]
        self._show_source(src, snap.pacer)
        total = f" of {fmt_clock(snap.duration_s)}" if snap.duration_s else ""
        self.timer.show_value(fmt_clock(snap.elapsed_s), f"elapsed{total}" + (
            "" if snap.running else " · not running"))  # fmt: skip

    def _show_source(self, s: SourceSnapshot | None, pacer: PacerState | None) -> None:
        if s is None:
            for t in (self.hr, self.rmssd, self.coherence, self.breathing):
                t.show_value("–", "waiting for the first heartbeats")
            self.quality.show_value("–", "")
            return
        b, sp = s.beat, s.spectral
        hr = b.hr_mean_bpm if b and b.hr_mean_bpm is not None else (b.hr_bpm if b else None)
        self.hr.show_value(_fmt(hr, ".0f"), "mean of the last 60 s" if b and b.hr_mean_bpm else "")
        if b is not None and b.rmssd_ms is None and b.reason:
            self.rmssd.show_value("–", b.reason)
        else:
            self.rmssd.show_value(_fmt(b.rmssd_ms if b else None, ".0f"), "")
        if sp is not None and sp.coherence_ratio is not None:
            level = coherence_level(sp.coherence_ratio, self.challenge_level)
            lo, hi = CHALLENGE_LEVELS[self.challenge_level]
            self.coherence.show_value(
                _fmt(sp.coherence_score, ".1f"),
                LEVEL_WORDS[level],
                f"{TIPS['coherence']}\nNow: coherence ratio {sp.coherence_ratio:.2f}, "
                f"{LEVEL_WORDS[level]} at challenge level {self.challenge_level} (medium from "
                f"{lo:g}, high from {hi:g}; vendor-described thresholds).",
            )
        else:
            self.coherence.show_value(
                "–", sp.reason if sp and sp.reason else "settling in", TIPS["coherence"]
            )
        rate = sp.breathing_rate_bpm if sp else None
        note = ""
        if pacer is not None and rate is not None:
            if s.adherent:
                note = f"breathing with the guide ({pacer.rate_bpm:g}/min)"
            elif s.adherent is False:
                quicker = "quicker" if rate > pacer.rate_bpm else "slower"
                note = (
                    f"a little {quicker} than the guide ({pacer.rate_bpm:g}/min) right now; "
                    "that's fine. Follow it if it feels comfortable."
                )
        if rate is None and sp is not None and sp.breathing_reason:
            note = sp.breathing_reason  # "unclear from the heart rhythm" (hrv-spec §11.1)
        elif rate is not None and sp is not None and sp.breathing_source in SOURCE_WORDS:
            # Where the number comes from: counted at the chest, or read from the heart.
            where = f"from the {SOURCE_WORDS[sp.breathing_source]}"
            note = f"{where} · {note}" if note else where
        self.breathing.show_value(_fmt(rate, ".1f"), note)
        share = 100.0 * s.artifacts / s.beats if s.beats else 0.0
        contact = {True: "contact good", False: "no skin contact", None: "contact not reported"}
        battery = f" · battery {s.battery_pct}%" if s.battery_pct is not None else ""
        self.quality.show_value(
            s.state, f"{contact[s.contact]} · irregular beats {share:.1f}%{battery}"
        )
