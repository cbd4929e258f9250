"""The terminal face of a session: a live dashboard redrawn in place, or plain lines.

It shows what the session's snapshot holds (pacer, heart rate, RMSSD, coherence,
breathing rate, signal quality, time, where the files go) and computes nothing.
Wording follows the program's way of speaking: invitational, never judging.

Every line of the live dashboard is fitted to the terminal's width (one column is left
free, so no terminal wraps it), by rearranging first and shortening last: the guide's
bar narrows, a long line is split where it has parts, a path loses its middle, and only
then is a line cut with an ellipsis. The dashboard is drawn on the terminal's alternate
screen from its top-left corner, so a redraw never scrolls and a resized terminal is
simply drawn anew at its new width; the last picture is printed on the normal screen
when the session ends, so it stays in the terminal's history.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import textwrap
from collections.abc import Callable
from typing import TextIO

from resonant.model.clock import fmt_clock
from resonant.model.pacer import PacerState
from resonant.model.practices import guidance
from resonant.model.text import for_terminal
from resonant.folder.write import Recorder
from resonant.session.core import Session, SessionSnapshot, SourceSnapshot
from resonant.signal.metrics import SpectralMetrics

__all__ = ["render", "render_plain", "fit", "TerminalDashboard", "fmt_clock"]

_CUES = guidance()["cues"]
#: How coherence levels are spoken of: a low level is a settling rhythm, never a failure.
_LEVEL_WORDS = dict(guidance()["coherence_words"])
BAR_WIDTH = 24
#: The narrowest bar the guide's line keeps before it drops the bar altogether.
MIN_BAR_WIDTH = 6
#: Width assumed when the terminal does not say (a pipe, a test).
DEFAULT_WIDTH = 80
_ELLIPSIS = "…"


def fit(line: str, width: int) -> str:
    """Cut ``line`` to fewer than ``width`` characters, ending in an ellipsis if cut.

    One column is left free: a terminal that receives a character in its last column
    may wrap before the next one, and the dashboard must never wrap.
    """
    room = max(1, width - 1)
    if len(line) <= room:
        return line
    return line[: room - 1] + _ELLIPSIS


def _shorten_middle(text: str, room: int) -> str:
    """Keep the start and end of ``text`` (a path), dropping its middle for an ellipsis."""
    if len(text) <= room:
        return text
    if room < 5:
        return text[:room]
    tail = (room - 1) * 2 // 3
    head = room - 1 - tail
    return text[:head] + _ELLIPSIS + text[len(text) - tail :]


def _join_fitting(parts: list[str], width: int, sep: str = "   ") -> list[str]:
    """Join parts on one line if it fits, else as few lines as fit (parts kept whole)."""
    room = max(1, width - 1)
    for gap in (sep, "  "):
        line = gap.join(parts)
        if len(line) <= room:
            return [line]
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = f"{current}  {part}" if current else part
        if current and len(candidate) > room:
            lines.append(current)
            current = part
        else:
            current = candidate
    lines.append(current)
    return lines


def _bar(fraction: float, width: int = BAR_WIDTH) -> str:
    n = int(round(min(max(fraction, 0.0), 1.0) * width))
    return "█" * n + "░" * (width - n)


def _pacer_line(p: PacerState | None, clock: str = "", width: int = 10_000) -> str:
    """The guide's cue, its bar (as wide as the line allows) and the time."""
    tail = f"   {clock}" if clock else ""
    if p is None:
        return f"{_CUES['free']} (no guide){tail}"
    cue = f"{_CUES[p.phase]:<20}"
    rate = f" {p.rate_bpm:g}/min {p.ratio}"
    room = width - 1 - len(cue) - len(rate) - len(tail) - 3  # "▕", "▏" and a space
    if room >= MIN_BAR_WIDTH:
        bar = f" ▕{_bar(p.volume, min(BAR_WIDTH, room))}▏"
        return f"{cue}{bar}{rate}{tail}"
    return f"{cue.rstrip()}{rate}{tail}"


def _num(x: float | None, fmt: str, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:{fmt}}{unit}"


def _breathing(sp: SpectralMetrics | None, unit: str) -> str:
    """The breathing rate and where it comes from, or why it is not shown (hrv-spec §11.1).

    "16.2/min (chest)": counted from chest movement; "(heart rhythm)": read from it.
    """
    from resonant.signal.breathing_source import SOURCE_WORDS

    if sp is not None and sp.breathing_rate_bpm is None and sp.breathing_reason:
        return sp.breathing_reason
    text = _num(sp.breathing_rate_bpm if sp else None, ".1f", unit)
    if sp is not None and sp.breathing_rate_bpm is not None and sp.breathing_source:
        text += f" ({SOURCE_WORDS.get(sp.breathing_source, sp.breathing_source)})"
    return text


def _source_lines(
    s: SourceSnapshot, pacer: PacerState | None, width: int = 10_000
) -> list[str]:
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
    lines = _join_fitting(
        [f"HR {hr}", f"RMSSD {rmssd}", f"coherence {coh}", f"breathing {breath}"], width
    )
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
    line2 = f"{s.label}: {quality}"
    if note and len(f"{line2} · {note}") < width:
        return [*lines, f"{line2} · {note}"]
    # A note is never cut (its kind ending matters): it wraps onto lines of its own.
    return [*lines, line2] + [f"  {part}" for part in textwrap.wrap(note, max(12, width - 3))]


def render(
    snap: SessionSnapshot,
    speed: float = 1.0,
    destination: str | None = None,
    destination_is_problem: bool = False,
    width: int = DEFAULT_WIDTH,
) -> list[str]:
    """The dashboard's lines for one snapshot (no colours, no cursor codes).

    Every line is shorter than ``width`` (:func:`fit`): the guide's bar narrows, long
    lines are split where they have parts, a path loses its middle.
    """
    room = max(1, width - 1)
    lines: list[str] = []
    if speed > 1.0:
        if snap.duration_s:
            frac = snap.elapsed_s / snap.duration_s
            tail = (
                f" {100 * frac:3.0f}%  {fmt_clock(snap.elapsed_s)} of "
                f"{fmt_clock(snap.duration_s)}  (x{speed:g})"
            )
            bar_w = min(30, room - len(tail) - 2)
            lines.append((f"[{_bar(frac, bar_w)}]" if bar_w >= MIN_BAR_WIDTH else "") + tail)
        else:
            lines.append(f"{fmt_clock(snap.elapsed_s)} elapsed  (x{speed:g})")
    else:
        total = f" / {fmt_clock(snap.duration_s)}" if snap.duration_s else ""
        lines.append(_pacer_line(snap.pacer, f"{fmt_clock(snap.elapsed_s)}{total}", width))
    if not snap.sources:
        lines.append("waiting for the first heartbeats...")
    for s in snap.sources:
        lines.extend(_source_lines(s, snap.pacer, width))
    hint = "(Ctrl-C ends the session; you can stop at any time)"
    if destination and destination_is_problem:
        lines.append(destination)
    elif destination:
        one = f"recording to {destination}   {hint}"
        if len(one) <= room:
            lines.append(one)
        else:
            lines.append("recording to " + _shorten_middle(destination, room - 13))
            lines.append(hint[1:-1])
    elif len(f"not recording   {hint}") <= room:
        lines.append(f"not recording   {hint}")
    else:
        lines.extend(["not recording", hint[1:-1]])
    return [fit(for_terminal(line), width) for line in lines]  # labels: no escapes


def render_plain(snap: SessionSnapshot) -> str:
    """One line per update for a log or a pipe; a group: the time, then one line per person."""
    parts = [fmt_clock(snap.elapsed_s)]
    for s in snap.sources:
        b, sp = s.beat, s.spectral
        parts.append(
            f"{for_terminal(s.label)}: HR {_num(b.hr_mean_bpm if b else None, '.0f')} "
            f"RMSSD {_num(b.rmssd_ms if b else None, '.0f')} ms "
            f"coherence {_num(sp.coherence_score if sp else None, '.1f')} "
            f"breathing {_breathing(sp, '/min')}"
        )
    if len(parts) > 2:
        return "\n  ".join(parts)
    return "  ".join(parts)


def _terminal_size() -> tuple[int, int]:
    """The terminal's (columns, lines), or 80 x 24 when it does not say."""
    size = shutil.get_terminal_size((DEFAULT_WIDTH, 24))
    return size.columns, size.lines


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
    refresh_s : float
        Wall time between redraws of a live dashboard, s.
    plain_every_s : float
        Session time between plain lines, s.
    size : callable or None
        Returns the terminal's (columns, lines); None asks the terminal
        (:func:`shutil.get_terminal_size`) at every redraw, so a resized terminal is
        drawn at its new size.
    """

    def __init__(
        self,
        session: Session,
        out: TextIO,
        live: bool,
        recorder: Recorder | None = None,
        refresh_s: float = 0.1,
        plain_every_s: float = 10.0,
        size: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self.session = session
        self.out = out
        self.live = live
        self.recorder = recorder
        self.refresh_s = refresh_s
        self.plain_every_s = plain_every_s
        self._size = size or _terminal_size
        self._on_screen = False
        self._next_plain_s = plain_every_s

    def _lines(self, snap: SessionSnapshot) -> list[str]:
        """The dashboard's lines at the terminal's present size."""
        width, height = self._size()
        rec = self.recorder
        where = None if rec is None else (rec.problem or str(rec.folder))
        lines = render(
            snap, self.session.clock.speed, where,
            rec is not None and rec.problem is not None, width=width,
        )  # fmt: skip
        if len(lines) >= height > 1:  # never more lines than the screen holds
            hidden = len(lines) - (height - 2)
            lines = [*lines[: height - 2], fit(f"... and {hidden} more lines", width)]
        return lines

    def draw(self, final: bool = False) -> None:
        """Draw the current snapshot once (``final``: a plain line is printed regardless)."""
        snap = self.session.snapshot()
        if self.live:
            lines = self._lines(snap)
            if final and self._on_screen:  # the last picture goes to the normal screen
                self.out.write("\x1b[?1049l")
                self._on_screen = False
            if final:
                self.out.write("".join(f"{ln}\n" for ln in lines))
            else:
                if not self._on_screen:
                    self.out.write("\x1b[?1049h")  # the alternate screen: nothing scrolls
                    self._on_screen = True
                # From the top-left corner, each line then the rest of it cleared, and
                # below the last line: a resized terminal is drawn anew at its new width.
                body = "\r\n".join(f"{ln}\x1b[K" for ln in lines)
                self.out.write(f"\x1b[H{body}\x1b[J")
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
