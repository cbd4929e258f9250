"""The terminal face of a session: a live dashboard redrawn in place, or plain lines.

It shows what the session's snapshot holds (pacer, heart rate, RMSSD, coherence,
breathing rate, signal quality, time, where the files go) and computes nothing.
Wording follows the program's way of speaking: invitational, never judging.
"""

from __future__ import annotations

import asyncio
import math
from typing import TextIO

from resonant.model.clock import fmt_clock
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance
from resonant.folder.write import Recorder
from resonant.session.core import Session, SessionSnapshot, SourceSnapshot
from resonant.signal.metrics import SpectralMetrics

__all__ = ["render", "render_plain", "TerminalDashboard", "fmt_clock"]

_CUES = guidance()["cues"]
#: How coherence levels are spoken of: a low level is a settling rhythm, never a failure.
_LEVEL_WORDS = {"low": "settling", "medium": "medium", "high": "high"}
BAR_WIDTH = 24


def _bar(fraction: float, width: int = BAR_WIDTH) -> str:
    n = int(round(min(max(fraction, 0.0), 1.0) * width))
    return "█" * n + "░" * (width - n)


def _pacer_line(p: PacerState | None) -> str:
    if p is None:
        return f"{_CUES['free']} (no guide)"
    return f"{_CUES[p.phase]:<20} ▕{_bar(p.volume)}▏ {p.rate_bpm:g}/min {p.ratio}"


def _num(x: float | None, fmt: str, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:{fmt}}{unit}"


def _breathing(sp: SpectralMetrics | None, unit: str) -> str:
    """The breathing rate read from the heart rhythm, or why it is not shown (hrv-spec §11.1)."""
    if sp is not None and sp.breathing_rate_bpm is None and sp.breathing_reason:
        return sp.breathing_reason
    return _num(sp.breathing_rate_bpm if sp else None, ".1f", unit)


def _source_lines(s: SourceSnapshot, pacer: PacerState | None) -> list[str]:
    b, sp = s.beat, s.spectral
    hr = _num(
        b.hr_mean_bpm if b and b.hr_mean_bpm is not None else (b.hr_bpm if b else None),
        ".0f",
        " bpm",
    )
    rmssd = _num(b.rmssd_ms if b else None, ".0f", " ms")
    if b is not None and b.rmssd_ms is None and b.reason and b.reason.startswith("settling"):
        rmssd = "settling in"
    if sp is not None and sp.coherence_score is not None:
        level = _LEVEL_WORDS.get(sp.coherence_level or "", "")
        coh = f"{sp.coherence_score:.1f}" + (f" ({level})" if level else "")
    else:
        coh = "settling in"
    breath = _breathing(sp, "/min")
    line1 = f"HR {hr}   RMSSD {rmssd}   coherence {coh}   breathing {breath}"
    note = ""
    if (
        pacer is not None
        and sp is not None
        and sp.breathing_rate_bpm is not None
        and s.adherent is False
    ):
        if sp.breathing_rate_bpm > pacer.rate_bpm:
            note = "your breathing is a little quicker than the guide right now; that's fine"
        else:
            note = "your breathing is a little slower than the guide right now; that's fine"
    elif s.adherent:
        note = "breathing with the guide"
    share = 100.0 * s.artifacts / s.beats if s.beats else 0.0
    contact = {True: "contact good", False: "no skin contact", None: ""}[s.contact]
    quality = ", ".join(x for x in (s.state, contact, f"irregular beats {share:.1f}%") if x)
    line2 = f"{s.label}: {quality}" + (f" · {note}" if note else "")
    return [line1, line2]


def render(
    snap: SessionSnapshot,
    speed: float = 1.0,
    destination: str | None = None,
    destination_is_problem: bool = False,
) -> list[str]:
    """The dashboard's lines for one snapshot (no colours, no cursor codes)."""
    lines: list[str] = []
    if speed > 1.0:
        if snap.duration_s:
            frac = snap.elapsed_s / snap.duration_s
            lines.append(
                f"[{_bar(frac, 30)}] {100 * frac:3.0f}%  {fmt_clock(snap.elapsed_s)} of "
                f"{fmt_clock(snap.duration_s)}  (x{speed:g})"
            )
        else:
            lines.append(f"{fmt_clock(snap.elapsed_s)} elapsed  (x{speed:g})")
    else:
        total = f" / {fmt_clock(snap.duration_s)}" if snap.duration_s else ""
        lines.append(f"{_pacer_line(snap.pacer)}   {fmt_clock(snap.elapsed_s)}{total}")
    if not snap.sources:
        lines.append("waiting for the first heartbeats...")
    for s in snap.sources:
        lines.extend(_source_lines(s, snap.pacer))
    if destination and destination_is_problem:
        lines.append(destination)
    elif destination:
        lines.append(
            f"recording to {destination}   (Ctrl-C ends the session; you can stop at any time)"
        )
    else:
        lines.append("not recording   (Ctrl-C ends the session; you can stop at any time)")
    return lines


def render_plain(snap: SessionSnapshot) -> str:
    """One line per update for a log or a pipe; a group: the time, then one line per person."""
    parts = [fmt_clock(snap.elapsed_s)]
    for s in snap.sources:
        b, sp = s.beat, s.spectral
        parts.append(
            f"{s.label}: HR {_num(b.hr_mean_bpm if b else None, '.0f')} "
            f"RMSSD {_num(b.rmssd_ms if b else None, '.0f')} ms "
            f"coherence {_num(sp.coherence_score if sp else None, '.1f')} "
            f"breathing {_breathing(sp, '/min')}"
        )
    if len(parts) > 2:
        return "\n  ".join(parts)
    return "  ".join(parts)


class TerminalDashboard:
    """Redraw the session's state in a terminal, or print plain lines to a pipe.

    Parameters
    ----------
    session : Session
        The session shown.
    out : text stream
        Where to draw.
    live : bool
        True to redraw in place (a terminal), False for a plain line every ``plain_every_s``
        seconds of session time.
    recorder : Recorder or None
        The recorder whose folder (or problem) is shown on the last line.
    """

    def __init__(
        self,
        session: Session,
        out: TextIO,
        live: bool,
        recorder: Recorder | None = None,
        refresh_s: float = 0.1,
        plain_every_s: float = 10.0,
    ) -> None:
        self.session = session
        self.out = out
        self.live = live
        self.recorder = recorder
        self.refresh_s = refresh_s
        self.plain_every_s = plain_every_s
        self._drawn = 0
        self._next_plain_s = plain_every_s

    def draw(self, final: bool = False) -> None:
        """Draw the current snapshot once (``final``: a plain line is printed regardless)."""
        snap = self.session.snapshot()
        if self.live:
            rec = self.recorder
            where = None if rec is None else (rec.problem or str(rec.folder))
            lines = render(
                snap, self.session.clock.speed, where, rec is not None and rec.problem is not None
            )
            up = f"\x1b[{self._drawn}F" if self._drawn else ""
            self.out.write(up + "".join(f"\x1b[2K{ln}\n" for ln in lines))
            self._drawn = len(lines)
            self.out.flush()
        elif snap.sources and (final or snap.elapsed_s >= self._next_plain_s):
            self._next_plain_s = (snap.elapsed_s // self.plain_every_s + 1) * self.plain_every_s
            self.out.write(render_plain(snap) + "\n")
            self.out.flush()

    async def run(self) -> None:
        """Redraw until cancelled (wall-time refresh, whatever the clock's speed)."""
        if self.live:
            self.out.write("\x1b[?25l")  # hide the cursor while redrawing
        try:
            while True:
                self.draw()
                await asyncio.sleep(self.refresh_s)
        finally:
            self.draw(final=True)
            if self.live:
                self.out.write("\x1b[?25h")
                self.out.flush()
