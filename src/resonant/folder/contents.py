"""A whole session folder in one call: metadata, beats, events and the guide's phases.

:func:`read_session` reads every table of a session folder through the one reader of
each (:mod:`resonant.folder.read`) and returns a :class:`SessionFolder`. One rule for
errors: a missing optional table (``session.json``, ``events.tsv``, ``pacer.tsv``) gives
an empty value or None; anything present but broken, and a folder without
``beats.tsv``, raises :class:`~resonant.folder.read.RecordingError` naming the file and,
where it can, the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from resonant.folder.read import (
    parse_utc,
    PacerRows,
    Recording,
    RecordingError,
    path_kind,
    read_events,
    read_pacer,
    read_recording,
    read_session_json,
)
from resonant.model.beats import Event

__all__ = ["SessionFolder", "read_session"]


@dataclass(frozen=True)
class SessionFolder:
    """Everything a session folder holds, read and checked.

    Attributes
    ----------
    path : Path
        The folder.
    meta : dict
        ``session.json`` as a dict; empty when the folder has none.
    recordings : list of Recording
        The beats of each source (``beats.tsv``), in order of first appearance.
    events : list of Event
        ``events.tsv`` in file order; empty when the folder has none.
    pacer : PacerRows or None
        The breathing guide's phases (``pacer.tsv``); None when the session had no guide.
    """

    path: Path
    meta: dict[str, Any]
    recordings: list[Recording]
    events: list[Event]
    pacer: PacerRows | None

    @property
    def sources(self) -> list[str]:
        """Source labels of the recordings, in order (``""`` for an unlabelled source)."""
        return [rec.source for rec in self.recordings]

    @property
    def start_utc(self) -> datetime | None:
        """When the session began, as an aware UTC datetime; None when unrecorded.

        Raises
        ------
        RecordingError
            When ``start_utc`` in ``session.json`` is not an ISO 8601 time.
        """
        return _parse_start(self.path, self.meta.get("start_utc"))

    def recording(self, source: str | None = None) -> Recording:
        """The beats of one source.

        Parameters
        ----------
        source : str, optional
            Source label; None picks the first source (the only one, in most sessions).

        Returns
        -------
        Recording
            That source's beats.

        Raises
        ------
        KeyError
            When no source has the label ``source``.
        """
        if source is None:
            return self.recordings[0]
        for rec in self.recordings:
            if rec.source == source:
                return rec
        known = ", ".join(repr(s) for s in self.sources)
        raise KeyError(f"{self.path} has no source {source!r} (its sources: {known})")


def read_session(folder: str | Path) -> SessionFolder:
    """Read a session folder: ``session.json``, ``beats.tsv``, ``events.tsv``, ``pacer.tsv``.

    Parameters
    ----------
    folder : str or Path
        A session folder, as ``resonant record`` or the window writes it.

    Returns
    -------
    SessionFolder
        Its contents. Missing optional tables give ``meta == {}``, ``events == []`` and
        ``pacer is None``.

    Raises
    ------
    RecordingError
        When the folder does not exist or has no ``beats.tsv``, or any table in it (or
        ``start_utc`` in ``session.json``) is broken.

    Examples
    --------
    >>> s = read_session("fixtures/sessions/2026-11-22T10-00-00Z_gap")  # doctest: +SKIP
    >>> s.sources, s.start_utc.isoformat()  # doctest: +SKIP
    (['strap'], '2026-11-22T10:00:00+00:00')
    """
    p = Path(folder)
    kind = path_kind(p)  # a folder inside one the user may not open: one sentence
    if kind is None:
        raise RecordingError(p, "no such folder")
    if kind != "folder":
        raise RecordingError(p, "not a session folder (it is a file)")
    meta = read_session_json(p)
    _parse_start(p, meta.get("start_utc"))  # broken metadata fails here, not later
    recordings = read_recording(p)
    events = read_events(p)
    pacer = read_pacer(p)  # None when the session had no guide
    return SessionFolder(p, meta, recordings, events, pacer)


def _parse_start(folder: Path, raw: object) -> datetime | None:
    """``start_utc`` of ``session.json`` as an aware UTC datetime (naive times are UTC)."""
    if raw is None:
        return None
    start = parse_utc(raw)
    if start is None:
        shown = raw[:40] if isinstance(raw, str) else raw
        raise RecordingError(folder / "session.json", f"start_utc {shown!r} is not an ISO 8601 time")
    return start