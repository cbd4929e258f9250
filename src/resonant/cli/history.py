"""The sessions in a folder, one line each: ``resonant history [DIR] [--json] [--plot PNG]``.

Every session folder directly or anywhere under ``DIR`` (by default the data folder of
sessions, :func:`~resonant.config.paths.sessions_dir`) is read from its own files and summarised
with the same analysis as ``resonant analyze``
(:func:`~resonant.analysis.phases.analyze_recording`, the guide from ``pacer.tsv`` and the
chest accelerometer from ``acc.tsv``): date, duration, mean HR, RMSSD, mean coherence
ratio, breathing rate (measured at the chest, or read from the heart rhythm only when
its breathing peak is clear, else "unclear" with the reason; hrv-spec §11.1), resonance
rate, protocol and participant. A folder that cannot be read is named on stderr in one
sentence and skipped.

A session folder is a folder holding ``session.json`` or ``beats.tsv``; folders inside a
session folder are not searched. Sessions with several straps are summarised from the
first source.

Exit status: 0 when at least one session is listed, or when the folder simply holds no
sessions yet; 2 when the folder is missing, when every session folder found was
unreadable, or when the plot cannot be made (an existing file, not ``.png``, nothing to
plot).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from resonant.analysis.numbers import rounded
from resonant.cli.texttable import cell
from resonant.errors import EXIT_BAD_INPUT, EXIT_OK
from resonant.model.text import for_terminal, json_line

if TYPE_CHECKING:
    from resonant.cli.options import Subparsers

__all__ = [
    "SessionSummary", "add_parser", "collect", "summarise", "run", "run_history", "plot_history",
]  # fmt: skip

#: Files that make a folder a session folder.
SESSION_FILES = ("session.json", "beats.tsv")
#: Size of the trend plot, CSS px (the PNG holds 2x as many pixels each way).
PLOT_WIDTH_PX = 720
PANEL_HEIGHT_PX = 170


@dataclass(frozen=True)
class SessionSummary:
    """One session, summarised.

    Attributes
    ----------
    path : str
        The session folder.
    start_utc : datetime or None
        Start of the session clock (``session.json``), UTC; None when not recorded.
    duration_s : float
        Session length, s: ``session.json``'s ``duration_s``, or from the beats for a
        cut-off session.
    complete : bool
        Whether the session has its end fields (False: cut off).
    source : str
        The strap summarised (first source).
    beats : int
        Raw beats of that source.
    hr_mean_bpm, rmssd_ms : float
        Mean heart rate (bpm) and RMSSD (ms) of the whole session (:func:`analyze_rr`).
    coherence_mean : float or None
        Mean of the 5-s coherence ratios (ratio).
    breathing_rate_bpm : float or None
        Breathing rate, breaths/min: measured from chest movement where the accelerometer
        covers the session, else read from the heart rhythm when its breathing peak is
        clear (hrv-spec §11.1); None otherwise.
    resonance_bpm : float or None
        The resonance rate, breaths/min: the session's own assessment, else a
        ``resonance_bpm`` in its settings, else the guide's rate at the start.
    resonance_from : str or None
        ``assessment``, ``settings`` or ``guide``: where ``resonance_bpm`` came from.
    pace_bpm : float or None
        The guide's rate at the start, breaths/min (None: no guide).
    protocol : str or None
        ``name (protocol)``, e.g. ``resonance-assessment (stepped)``; None for free practice.
    participant : str or None
        Participant id.
    end_reason : str or None
        ``completed``, ``stopped``, ``source ended``, ``source failed``.
    checkin : dict or None
        ``session.json``'s check-in answers.
    breathing_reason : str or None
        Why ``breathing_rate_bpm`` is None ("unclear from the heart rhythm", or what the
        recording lacks); None when it is given.
    breathing_source : str or None
        Where ``breathing_rate_bpm`` comes from: ``chest`` or ``heart``; None when empty.
    """

    path: str
    start_utc: datetime | None
    duration_s: float
    complete: bool
    source: str
    beats: int
    hr_mean_bpm: float
    rmssd_ms: float
    coherence_mean: float | None
    breathing_rate_bpm: float | None
    resonance_bpm: float | None
    resonance_from: str | None
    pace_bpm: float | None
    protocol: str | None
    participant: str | None
    end_reason: str | None
    checkin: dict[str, Any] | None = None
    breathing_reason: str | None = None
    breathing_source: str | None = None

    def local_time(self) -> datetime | None:
        """The start in this computer's time zone."""
        return self.start_utc.astimezone() if self.start_utc is not None else None

    def to_json(self) -> dict[str, Any]:
        """One JSON Lines object (every field documented in :class:`SessionSummary`)."""
        local = self.local_time()
        return {
            "path": self.path,
            "start_utc": _iso(self.start_utc),
            "date": local.strftime("%Y-%m-%d") if local else None,
            "start_local": local.isoformat(timespec="seconds") if local else None,
            "duration_s": _num(self.duration_s, 3),
            "complete": self.complete,
            "source": self.source,
            "beats": self.beats,
            "hr_mean_bpm": _num(self.hr_mean_bpm),
            "rmssd_ms": _num(self.rmssd_ms),
            "coherence_mean": _num(self.coherence_mean),
            "breathing_rate_bpm": _num(self.breathing_rate_bpm, 3),
            "breathing_reason": self.breathing_reason,
            "breathing_source": self.breathing_source,
            "resonance_bpm": _num(self.resonance_bpm, 3),
            "resonance_from": self.resonance_from,
            "pace_bpm": _num(self.pace_bpm, 3),
            "protocol": self.protocol,
            "participant": self.participant,
            "end_reason": self.end_reason,
            "calm_before": _answer(self.checkin, "before", "calm"),
            "calm_after": _answer(self.checkin, "after", "calm"),
            "self_critical_before": _answer(self.checkin, "before", "self_critical"),
            "self_critical_after": _answer(self.checkin, "after", "self_critical"),
            "has_journal": bool(_answer(self.checkin, "after", "journal")),
        }


def _answer(checkin: dict[str, Any] | None, when: str, key: str) -> Any:
    """A check-in answer from ``session.json`` (None when not given)."""
    if not isinstance(checkin, dict) or not isinstance(checkin.get(when), dict):
        return None
    return checkin[when].get(key)


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_num = rounded


def _number(x: object) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _object(x: object) -> dict[str, Any]:
    """A JSON object of ``session.json``; empty when missing or not an object."""
    return x if isinstance(x, dict) else {}


def _protocol(value: object) -> str | None:
    if not value:
        return None
    if isinstance(value, dict):
        name, kind = value.get("name"), value.get("protocol")
        if name and kind:
            return f"{name} ({kind})"
        return str(name or kind or "protocol")
    return str(value)


def summarise(folder: str | Path) -> SessionSummary:
    """Summarise one session folder.

    Raises
    ------
    RecordingError
        When ``session.json`` or the beats cannot be read.
    """
    from resonant.folder.read import parse_utc
    from resonant.analysis.phases import analyze_recording
    from resonant.folder.read import RecordingError, read_recording, read_session_json

    p = Path(folder)
    meta = read_session_json(p)
    if not (p / "session.json").is_file():
        raise RecordingError(p, "has beats but no session.json, so its date is unknown")
    rec = read_recording(p)[0]
    res = analyze_recording(rec)  # the guide and the chest as `analyze` uses them
    complete = bool(meta.get("end_utc"))
    duration = _number(meta.get("duration_s")) if complete else None
    settings = _object(meta.get("settings"))
    pacer = _object(settings.get("pacer"))
    pace = _number(pacer.get("rate_bpm"))
    assessment = _object(meta.get("assessment"))
    protocol = meta.get("protocol")
    assessing = isinstance(protocol, dict) and protocol.get("name") == "resonance-assessment"
    resonance, origin = None, None
    for value, where in (
        (assessment.get("resonance_bpm"), "assessment"),
        (settings.get("resonance_bpm"), "settings"),
        # An assessment steps the guide through rates: its rate is no resonance rate.
        (None if assessing else pace, "guide"),
    ):
        if _number(value) is not None:
            resonance, origin = _number(value), where
            break
    participant = meta.get("participant")
    return SessionSummary(
        path=str(p),
        start_utc=parse_utc(meta.get("start_utc")),
        duration_s=duration if duration is not None else res.duration_s,
        complete=complete,
        source=rec.source,
        beats=res.beats,
        hr_mean_bpm=res.time.hr_mean_bpm,
        rmssd_ms=res.time.rmssd_ms,
        coherence_mean=res.coherence_mean,
        breathing_rate_bpm=res.breathing_rate_bpm,
        resonance_bpm=resonance,
        resonance_from=origin,
        pace_bpm=pace,
        protocol=_protocol(protocol),
        participant=str(participant) if participant else None,
        end_reason=meta.get("end_reason") if complete else None,
        checkin=meta.get("checkin") if isinstance(meta.get("checkin"), dict) else None,
        breathing_reason=res.breathing_reason,
        breathing_source=getattr(res, "breathing_source", None),
    )


def _session_folders(root: Path, report: Callable[[str], None] | None = None) -> list[Path]:
    """Every session folder at or under ``root``, in path order.

    A folder that cannot be listed (permission denied) is said to ``report`` in one
    sentence and skipped; the others are still found.
    """
    from resonant.model.atomic import os_error_reason

    def unreadable(err: OSError) -> None:
        if report is not None:
            where = err.filename if err.filename is not None else root
            report(f"{where}: cannot be read ({os_error_reason(err)}); this folder is skipped")

    found = []
    for here, dirs, files in os.walk(root, onerror=unreadable):
        if any(name in files for name in SESSION_FILES):
            found.append(Path(here))
            dirs[:] = []  # nothing inside a session folder is another session
        else:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return sorted(found)


def _sort_key(s: SessionSummary) -> tuple[int, float, str]:
    if s.start_utc is None:
        return (1, 0.0, s.path)
    return (0, s.start_utc.timestamp(), s.path)


def collect(
    folder: str | Path | None = None, on_problem: Callable[[str], None] | None = None
) -> list[SessionSummary]:
    """Summarise every session folder at or under ``folder``, sorted by date.

    Parameters
    ----------
    folder : str or Path, optional
        Where to look; by default the data folder of sessions
        (:func:`~resonant.config.paths.sessions_dir`).
    on_problem : callable, optional
        Called with one sentence for each folder that cannot be read (it is skipped);
        by default the sentence goes to stderr as ``resonant: ...``.

    Returns
    -------
    list of SessionSummary
        By start time; sessions without one last.

    Raises
    ------
    FileNotFoundError
        When ``folder`` is not a folder.
    """
    from resonant.config.paths import sessions_dir
    from resonant.folder.read import RecordingError, path_kind

    def tell(sentence: str) -> None:
        print(f"resonant: {for_terminal(sentence)}", file=sys.stderr)

    report = on_problem or tell
    root = Path(folder) if folder is not None else sessions_dir()
    try:
        is_dir = path_kind(root) == "folder"
    except RecordingError as err:  # inside a folder that cannot be opened: said as such
        raise FileNotFoundError(str(err)) from None
    if not is_dir:
        if os.path.lexists(root) and not os.access(root.parent, os.X_OK):
            raise FileNotFoundError(f"{root} cannot be read (permission denied)")
        raise FileNotFoundError(f"{root} is not a folder")
    out = []
    for path in _session_folders(root, report):
        try:
            out.append(summarise(path))
        except RecordingError as err:
            report(f"{err}; this folder is skipped")
    return sorted(out, key=_sort_key)


_cell = cell


_COLUMNS = (
    ("date", "<"), ("start", "<"), ("min", ">"), ("HR", ">"), ("RMSSD", ">"), ("coh", ">"),
    ("breath", ">"), ("resonance", ">"), ("calm", ">"), ("self-crit.", ">"),
    ("protocol", "<"), ("participant", "<"), ("session", "<"),
)  # fmt: skip


def _change(checkin: dict[str, Any] | None, key: str) -> str:
    """``before→after`` of a check-in answer, or ``-``."""
    before, after = _answer(checkin, "before", key), _answer(checkin, "after", key)
    if before is None and after is None:
        return "-"
    return f"{'-' if before is None else before}→{'-' if after is None else after}"


def _row(s: SessionSummary) -> list[str]:
    local = s.local_time()
    res = _cell(s.resonance_bpm, ".2f")
    if s.resonance_bpm is not None and s.resonance_from == "guide":
        res += " (guide)"
    return [
        local.strftime("%Y-%m-%d") if local else "-",
        local.strftime("%H:%M") if local else "-",
        _cell(s.duration_s / 60.0, ".1f") + ("" if s.complete else "*"),
        _cell(s.hr_mean_bpm, ".1f"),
        _cell(s.rmssd_ms, ".1f"),
        _cell(s.coherence_mean, ".2f"),
        _breath_cell(s),
        res,
        _change(s.checkin, "calm"),
        _change(s.checkin, "self_critical"),
        s.protocol or "-",
        s.participant or "-",
        Path(s.path).name,
    ]


def _breath_cell(s: SessionSummary) -> str:
    """The breathing rate and where it comes from, or "unclear" (as ``analyze``'s)."""
    from resonant.signal.rsa_breathing import UNCLEAR

    if s.breathing_rate_bpm is None and s.breathing_reason == UNCLEAR:
        return "unclear"
    text = _cell(s.breathing_rate_bpm, ".1f")
    return f"{text} ({s.breathing_source})" if s.breathing_rate_bpm is not None and (
        s.breathing_source
    ) else text


def _print_table(rows: list[SessionSummary], out: TextIO) -> None:
    from resonant.cli.texttable import print_table

    print_table(_COLUMNS, [_row(s) for s in rows], out)
    print(
        "units: start = local time, min = minutes (* = the recording stopped early), "
        "HR = bpm, RMSSD = ms, coh = mean coherence ratio, breath = breaths/min, counted from "
        "chest movement (chest) or read from the heart rhythm (heart; unclear: no clear "
        "breathing peak in the heart rhythm), resonance = breaths/min (from the session's "
        "assessment, or the "
        "guide's rate), calm and self-crit. = check-in before→after (0-10)",
        file=out,
    )


def _date_ticks(t0: float, t1: float) -> tuple[Any, Callable[[float], str]]:
    """Tick positions (days since 1970, local time) and their date labels."""
    import numpy as np

    span = t1 - t0
    steps = (1 / 24, 2 / 24, 3 / 24, 6 / 24, 12 / 24, 1, 2, 7, 14, 28, 56, 91, 182, 365)
    step = next((s for s in steps if span / s <= 6), 730)
    first = math.ceil(t0 / step) * step
    ticks = np.arange(first, t1 + 1e-9, step)
    epoch = datetime(1970, 1, 1)

    def label(v: float) -> str:
        d = epoch + timedelta(days=v)
        if step < 1:
            return f"{d.day} {d:%b %H:%M}"
        return f"{d:%b %Y}" if span > 300 else f"{d.day} {d:%b}"

    return ticks, label


def plot_history(sessions: list[SessionSummary], out: str | Path) -> Path:
    """Save a PNG of RMSSD, coherence and resonance rate across sessions, by date.

    Parameters
    ----------
    sessions : list of SessionSummary
        Sessions with a start time are plotted.
    out : str or Path
        The PNG to create; it must not exist.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        When no session has a date, or ``out`` is not a new ``.png`` file.
    """
    import numpy as np

    from resonant.config.palette import THEMES
    from resonant.reports.page import ChartSeries, ensure_qt_app, render_chart

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"{out}: the plot is saved as PNG, so its name ends in .png")
    if os.path.lexists(out):  # a dangling symlink too
        raise ValueError(f"{out} already exists; the plot never overwrites a file")
    dated = [s for s in sessions if s.start_utc is not None]
    if not dated:
        raise ValueError("there are no dated sessions to plot")
    ensure_qt_app()
    from PyQt6.QtCore import QPointF
    from PyQt6.QtGui import QColor, QImage, QPainter

    th = THEMES["light"]
    # Local wall-clock days since 1970, so that ticks fall on local midnights.
    x = np.array([
        (t.replace(tzinfo=None) - datetime(1970, 1, 1)) / timedelta(days=1)
        for s in dated if (t := s.local_time()) is not None  # every dated session has one
    ])  # fmt: skip
    pad = max(0.5, 0.04 * (x.max() - x.min())) if x.size > 1 else 0.5
    x_range = (float(x.min() - pad), float(x.max() + pad))
    ticks = _date_ticks(*x_range)

    def values(name: str) -> Any:
        return np.array([np.nan if getattr(s, name) is None else getattr(s, name) for s in dated])

    def from_zero(v: Any) -> tuple[float, float]:
        top = float(np.nanmax(v)) if np.isfinite(v).any() else 1.0
        return 0.0, top * 1.1 if top > 0 else 1.0

    rates = values("resonance_bpm")
    lo = min(4.0, float(np.nanmin(rates)) - 0.25) if np.isfinite(rates).any() else 4.0
    hi = max(7.0, float(np.nanmax(rates)) + 0.25) if np.isfinite(rates).any() else 7.0

    guide = np.array([s.resonance_from == "guide" for s in dated])
    scale = 2
    panels = [
        render_chart([ChartSeries(x, values("rmssd_ms"), th.rmssd, points=True,
                                  label="RMSSD of each session (ms)")],
                     size_px=(PLOT_WIDTH_PX, PANEL_HEIGHT_PX), y_label="RMSSD (ms)",
                     y_range=from_zero(values("rmssd_ms")),
                     y_label_colour=th.rmssd, x_range=x_range, x_ticks=ticks, scale=scale),
        render_chart([ChartSeries(x, values("coherence_mean"), th.coherence, points=True,
                                  label="mean coherence of each session (ratio)")],
                     size_px=(PLOT_WIDTH_PX, PANEL_HEIGHT_PX), y_label="coherence (ratio)",
                     y_range=from_zero(values("coherence_mean")),
                     y_label_colour=th.coherence, x_range=x_range, x_ticks=ticks, scale=scale),
        render_chart([ChartSeries(x, rates, th.rr, points=True, hollow=guide,
                                  label="resonance rate: ● assessed, ○ the guide's rate")],
                     size_px=(PLOT_WIDTH_PX, PANEL_HEIGHT_PX),
                     y_label="rate (breaths/min)", y_label_colour=th.rr, x_range=x_range,
                     y_range=(lo, hi),
                     x_ticks=ticks, x_label="date (local time)", scale=scale),
    ]  # fmt: skip
    total_h = sum(p.height() for p in panels)
    img = QImage(panels[0].width(), total_h, QImage.Format.Format_ARGB32)
    img.fill(QColor("#FFFFFF"))
    painter = QPainter(img)
    y = 0
    for panel in panels:
        painter.drawImage(QPointF(0, y), panel)
        y += panel.height()
    painter.end()
    from resonant.model.atomic import OutputError, write_new

    try:
        # A new, owner-only file through a random temporary name: never over a file or a
        # symlink, also one that appears meanwhile; nothing left behind when it fails.
        return write_new(out, lambda tmp: img.save(str(tmp), "PNG"), noun="the plot")
    except OutputError as exc:
        raise ValueError(str(exc)) from None


def run_history(folder: str | None, as_json: bool, plot: str | None) -> int:
    """``resonant history [DIR] [--json] [--plot PNG]``: list the sessions, optionally plot them.

    Returns
    -------
    int
        0 when sessions were listed (or there are none yet); 2 for a missing folder, when
        a folder or session could not be read (one sentence each; the others are still
        listed), or when the plot cannot be made.
    """
    if plot is not None:
        p = Path(plot)
        if p.suffix.lower() != ".png":
            print(f"resonant: {for_terminal(p)}: the plot is saved as PNG, so its name ends in "
                  ".png",
                  file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
        if os.path.lexists(p):  # a dangling symlink too
            print(f"resonant: {for_terminal(p)} already exists; the plot never overwrites a file",
                  file=sys.stderr)  # fmt: skip
            return EXIT_BAD_INPUT
    problems: list[str] = []

    def tell(sentence: str) -> None:
        problems.append(sentence)
        print(f"resonant: {for_terminal(sentence)}", file=sys.stderr)

    try:
        sessions = collect(folder, on_problem=tell)
    except FileNotFoundError as err:
        print(f"resonant: {for_terminal(err)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if as_json:
        for s in sessions:  # strict JSON (no NaN), text intact but escaped for the terminal
            print(json_line(s.to_json()), flush=True)
    elif sessions:
        _print_table(sessions, sys.stdout)
    if not sessions:
        where = folder if folder is not None else "your data folder"
        if problems:
            print(f"resonant: no session in {for_terminal(where)} could be read", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"resonant: there are no sessions in {for_terminal(where)} yet", file=sys.stderr)
        if plot is None:
            return EXIT_OK
    if plot is not None:
        try:
            path = plot_history(sessions, plot)
        except ValueError as err:
            print(f"resonant: {for_terminal(err)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"resonant: plot saved in {for_terminal(path)}",
              file=sys.stderr if as_json else sys.stdout)
    return EXIT_BAD_INPUT if problems else EXIT_OK


def add_parser(sub: Subparsers) -> None:
    """Add ``resonant history`` and its options to the sub-commands ``sub``."""
    history = sub.add_parser(
        "history",
        help="your sessions in a folder: a table and a trend plot",
        description="List the sessions in a folder (default: your data folder) with their values.",
    )
    history.add_argument("folder", nargs="?", metavar="DIR", help="default: your data folder")
    history.add_argument("--json", action="store_true", help="one JSON object per session")
    history.add_argument("--plot", metavar="PNG", help="save a trend plot")
    history.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``resonant history``: :func:`run_history` with the parsed options."""
    return run_history(args.folder, args.json, args.plot)
