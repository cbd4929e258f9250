"""Write a session folder as the session runs, one flushed row at a time.

The folder format is documented in docs/session-folder.md. Every row is
written and flushed to the operating system as it happens, so a killed process loses
at most the row in flight; the files are also synced to the disk (``fsync``) after each
batch, at most a few times a second of wall time, so a power cut loses at most the last
notification's beats at real speed. ``session.json`` is replaced atomically (a temporary
file renamed over it), at the start and at the end, so it is never half-written.

When writing fails (the disk is full, the folder went away), the recorder stops writing,
keeps what is already on disk intact (the readers skip a cut-off last line), and reports
one sentence through :attr:`Recorder.problem`; the session itself goes on. A folder
removed, moved or made unwritable while the session runs is noticed at the next sync
(after each batch of beats, at most 0.2 s of wall time later), although writes into
open files of a removed folder still succeed: the folder's identity, its files' link
counts and its write permission are checked there. :attr:`Recorder.beats_saved` counts
only the beats on the disk (synced, in a folder that is still there), so a closing
summary never claims beats that were kept in memory only.

A session folder is private: the folder is created owner-only (``0o700``) and every file
in it owner-only (``0o600``), as everything resonant writes (:mod:`resonant.model.atomic`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from datetime import datetime
from pathlib import Path
from collections.abc import Callable
from typing import IO, Any

from resonant._version import __version__
from resonant.errors import BadInputError
from resonant.folder.schema import COLUMNS, FORMAT_VERSION, LAZY, fmt_number
from resonant.model.atomic import (
    PRIVATE_FILE_MODE,
    PRIVATE_FOLDER_MODE,
    make_private_folder,
    os_error_reason,
    write_atomic,
)
from resonant.model.beats import AccSamples, Beat, EcgSamples, Event, Gap
from resonant.model.source import SourceInfo
from resonant.model.pacer import PacerPhase
from resonant.folder.sidecars import write_sidecar
from resonant.signal.artifacts import ARTIFACT_NAMES
from resonant.signal.metrics import BeatMetrics, SpectralMetrics
from resonant.model.sink import SessionSink

__all__ = ["Recorder", "RecorderError", "session_folder_name", "FORMAT_VERSION", "COLUMNS", "fmt_number"]

#: Shortest wall-clock time between two syncs to the disk, s.
SYNC_INTERVAL_S = 0.2


class RecorderError(BadInputError):
    """The session folder exists already or cannot be created (one sentence naming it)."""


def session_folder_name(start_utc: datetime, label: str) -> str:
    """``YYYY-MM-DDTHH-MM-SSZ_<label>``: sortable, and valid on every file system."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.") or "session"
    return f"{start_utc:%Y-%m-%dT%H-%M-%SZ}_{safe}"


class _FolderExists(RecorderError):
    """The folder exists already (a session folder is never overwritten)."""


def _cell(text: str) -> str:
    """Text for a TSV cell: tabs and line breaks would break the row."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _private_opener(path: str, flags: int) -> int:
    """Open a table file owner-only (``0o600``, less the umask): session files are health data."""
    return os.open(path, flags, PRIVATE_FILE_MODE)


class Recorder(SessionSink):
    """The session folder of one running session.

    Parameters
    ----------
    folder : str or Path
        The folder to create. It must not exist (a session folder is never
        overwritten); its parent is created if needed.
    metadata : dict
        The content of ``session.json`` apart from ``format_version``,
        ``software_version`` and the end fields, which the recorder fills in.
    on_problem : callable or None
        Called once, with the sentence, when writing fails.

    Raises
    ------
    RecorderError
        When the folder exists already or cannot be created.
    """

    def __init__(
        self,
        folder: str | Path,
        metadata: dict[str, Any],
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.problem: str | None = None
        self.on_problem = on_problem
        self.rows: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        #: Beats written per source (flushed to the operating system).
        self.beats_written: dict[str, int] = {}
        #: Beats per source known to be on the disk: synced, and the folder still there.
        self.beats_saved: dict[str, int] = {}
        #: False once the folder was removed or moved away while recording.
        self.kept = True
        self._files: dict[str, IO[str]] = {}
        self._dirty = False
        self._last_sync = 0.0
        try:
            make_private_folder(self.folder.parent)  # missing parents owner-only too
        except OSError as exc:
            raise RecorderError(f"{self.folder} cannot be created ({os_error_reason(exc)})") from None
        try:
            self.folder.mkdir(mode=PRIVATE_FOLDER_MODE)
        except FileExistsError:
            raise _FolderExists(
                f"{self.folder} already exists: a session folder is never overwritten "
                "(choose another --out)"
            ) from None
        except OSError as exc:
            raise RecorderError(f"{self.folder} cannot be created ({os_error_reason(exc)})") from None
        st = os.stat(self.folder)
        self._identity = (st.st_dev, st.st_ino)
        self.metadata: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "software_version": __version__,
            **metadata,
        }
        try:
            self._write_json()
            for name in COLUMNS:
                if name not in LAZY:
                    self._open(name)
            self._sync(force=True)
        except OSError as exc:
            self.close()
            raise RecorderError(f"{self.folder} cannot be written ({os_error_reason(exc)})") from None

    @classmethod
    def new(
        cls,
        parent: str | Path,
        start_utc: datetime,
        label: str,
        metadata: dict[str, Any],
        on_problem: Callable[[str], None] | None = None,
    ) -> Recorder:
        """A recorder in a new folder under ``parent``, named for its start and label.

        The name is ``YYYY-MM-DDTHH-MM-SSZ_<label>`` (:func:`session_folder_name`), with
        ``-2``, ``-3``... added when a folder of that name exists: the folder is created
        exclusively, so two sessions started in the same second (two windows, two
        commands) never collide.

        Raises
        ------
        RecorderError
            When the parent cannot be created or written.
        """
        name = session_folder_name(start_utc, label)
        for n in range(1, 10_000):
            folder = Path(parent) / (name if n == 1 else f"{name}-{n}")
            try:
                return cls(folder, metadata, on_problem)
            except _FolderExists:
                continue
        raise RecorderError(f"{parent} has too many sessions named {name}")

    # -- rows ----------------------------------------------------------------------------

    def beat(self, beat: Beat, metrics: BeatMetrics | None = None) -> None:
        """One beat as received, with the live check's artifact flag."""
        contact = "n/a" if beat.contact is None else ("1" if beat.contact else "0")
        flag = ARTIFACT_NAMES[metrics.artifact] if metrics is not None else ""
        if self._row("beats.tsv", (
            fmt_number(beat.time_s), fmt_number(beat.rr_ms, 7),
            fmt_number(beat.hr_bpm, 1), contact, flag, _cell(beat.source),
        )):  # fmt: skip
            self.beats_written[beat.source] = self.beats_written.get(beat.source, 0) + 1

    def pacer(self, phase: PacerPhase) -> None:
        """One breathing-phase onset."""
        self._row("pacer.tsv", (
            fmt_number(phase.start_s), phase.phase, fmt_number(phase.rate_bpm, 2),
            phase.ratio, fmt_number(phase.duration_s), str(phase.breath),
        ))  # fmt: skip

    def event(self, event: Event) -> None:
        """One event (marker, phase, connection, pacer change, note)."""
        self._row("events.tsv", (
            fmt_number(event.onset_s), fmt_number(event.duration_s), event.kind,
            _cell(event.label), _cell(event.source),
        ))  # fmt: skip

    def metrics(
        self,
        spectral: SpectralMetrics,
        beat: BeatMetrics | None,
        pacer_rate_bpm: float | None,
        adherent: bool | None,
    ) -> None:
        """One metric update (every 5 s per source): the windowed and spectral values."""
        b = beat
        breathing = spectral.breathing_reason
        notes = "; ".join(r for r in (
            b.reason if b else None, spectral.reason,
            f"breathing rate {breathing}" if breathing else None,
        ) if r)  # fmt: skip
        self._row("metrics.tsv", (
            fmt_number(spectral.time_s), _cell(spectral.source),
            fmt_number(b.hr_mean_bpm if b else None, 2), fmt_number(b.rmssd_ms if b else None, 2),
            fmt_number(b.sdnn_ms if b else None, 2), fmt_number(b.pnn50_pct if b else None, 2),
            fmt_number(spectral.coherence_ratio, 4), fmt_number(spectral.coherence_score, 2),
            spectral.coherence_level or "", fmt_number(spectral.peak_hz, 4),
            fmt_number(spectral.lf_ms2, 2), fmt_number(spectral.hf_ms2, 2),
            fmt_number(spectral.lf_hf, 4), fmt_number(spectral.breathing_rate_bpm, 2),
            spectral.breathing_source or "", fmt_number(spectral.amplitude_bpm, 2),
            fmt_number(pacer_rate_bpm, 2),
            "" if adherent is None else ("1" if adherent else "0"),
            fmt_number(spectral.corrected_pct, 2), _cell(notes),
        ))  # fmt: skip

    def ecg(self, samples: EcgSamples) -> None:
        """Raw ECG samples (``ecg.tsv`` is created with the first)."""
        if self.problem is not None:
            return
        if "ecg.tsv" not in self._files:
            try:
                self._open("ecg.tsv")
            except OSError as exc:
                self._fail(exc)
                return
        src = _cell(samples.source)
        rows = "".join(
            f"{fmt_number(t, 5)}\t{v}\t{src}\n"
            for t, v in zip(samples.times_s, samples.ecg_uv, strict=True)
        )
        f = self._files["ecg.tsv"]
        try:
            f.write(rows)
            f.flush()
            self.rows["ecg.tsv"] += len(samples.ecg_uv)
            self._dirty = True
        except OSError as exc:
            self._fail(exc)

    def acc(self, samples: AccSamples) -> None:
        """Chest accelerometer samples (``acc.tsv`` is created with the first)."""
        if self.problem is not None:
            return
        if "acc.tsv" not in self._files:
            try:
                self._open("acc.tsv")
            except OSError as exc:
                self._fail(exc)
                return
        src = _cell(samples.source)
        rows = "".join(
            f"{fmt_number(t, 5)}\t{src}\t{x}\t{y}\t{z}\n"
            for t, (x, y, z) in zip(samples.times_s, samples.xyz_mg, strict=True)
        )
        f = self._files["acc.tsv"]
        try:
            f.write(rows)
            f.flush()
            self.rows["acc.tsv"] += len(samples.xyz_mg)
            self._dirty = True
        except OSError as exc:
            self._fail(exc)

    def _open(self, name: str) -> None:
        f = open(  # noqa: SIM115
            self.folder / name, "w", encoding="utf-8", newline="\n", opener=_private_opener
        )
        self._files[name] = f
        f.write("\t".join(COLUMNS[name]) + "\n")
        f.flush()
        write_sidecar(self.folder, name)  # its BIDS-style JSON description, beside it

    # -- as a session sink ----------------------------------------------------------------

    def on_beat(self, beat: Beat, metrics: BeatMetrics) -> None:
        """Sink: write the beat."""
        self.beat(beat, metrics)

    def on_spectral(
        self, metrics: SpectralMetrics, beat: BeatMetrics | None,
        pacer_rate_bpm: float | None, adherent: bool | None,
    ) -> None:  # fmt: skip
        """Sink: write the metric update."""
        self.metrics(metrics, beat, pacer_rate_bpm, adherent)

    def on_event(self, event: Event) -> None:
        """Sink: write the event."""
        self.event(event)

    def on_gap(self, gap: Gap) -> None:
        """Sink: write the break as a ``gap`` event (the reader splits the beats there)."""
        self.event(Event(gap.time_s, "gap", gap.reason, source=gap.source))

    def on_pacer(self, phase: PacerPhase) -> None:
        """Sink: write the phase onset."""
        self.pacer(phase)

    def on_ecg(self, samples: EcgSamples) -> None:
        """Sink: write the ECG samples."""
        self.ecg(samples)

    def on_acc(self, samples: AccSamples) -> None:
        """Sink: write the accelerometer samples."""
        self.acc(samples)

    def on_sources(self, sources: list[SourceInfo]) -> None:
        """Sink: rewrite the ``sources`` of ``session.json`` (a strap said who it is)."""
        self.update_metadata(sources=[src.to_json() for src in sources])

    def on_batch_end(self) -> None:
        """Sink: sync to the disk (rate-limited)."""
        self.sync()

    def _row(self, name: str, cells: tuple[str, ...]) -> bool:
        """Write and flush one row; True when it was written."""
        if self.problem is not None:
            return False
        f = self._files.get(name)
        if f is None:
            return False
        try:
            f.write("\t".join(cells) + "\n")
            f.flush()
        except OSError as exc:
            self._fail(exc)
            return False
        self.rows[name] += 1
        self._dirty = True
        return True

    # -- durability ---------------------------------------------------------------------

    def sync(self) -> None:
        """Push written rows to the disk (rate-limited; the session calls it after each batch)."""
        self._sync(force=False)

    def _sync(self, force: bool) -> None:
        if self.problem is not None or not (self._dirty or force):
            return
        # Wall time (not session time): this limits disk work, it measures nothing.
        now = time.monotonic()
        if not force and now - self._last_sync < SYNC_INTERVAL_S:
            return
        try:
            self._check_folder()
            for f in self._files.values():
                os.fsync(f.fileno())
        except OSError as exc:
            self._fail(exc)
            return
        self.beats_saved = dict(self.beats_written)
        self._dirty = False
        self._last_sync = now

    def _gone(self) -> bool:
        """True when the folder was removed or moved away (its open files still write)."""
        try:
            st = os.stat(self.folder)
        except (FileNotFoundError, NotADirectoryError):
            return True
        except OSError:
            return False  # unreachable now (permissions): not known to be gone
        if (st.st_dev, st.st_ino) != self._identity:
            return True
        try:
            return any(os.fstat(f.fileno()).st_nlink == 0 for f in self._files.values())
        except (OSError, ValueError):
            return False

    def _check_folder(self) -> None:
        """Raise the OSError of a folder that went away or can no longer be written."""
        if self._gone():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self.folder))
        # Root passes every access check; the owner of a folder made read-only does not.
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self.folder))

    def update_metadata(self, **fields: Any) -> None:
        """Change fields of ``session.json`` (rewritten atomically)."""
        self.metadata.update(fields)
        if self.problem is None:
            try:
                self._write_json()
            except OSError as exc:
                self._fail(exc)

    def close(self, **end_fields: Any) -> None:
        """Finish: sync the tables, write the end fields into ``session.json``, close files."""
        self._sync(force=True)
        if end_fields:
            self.update_metadata(**end_fields)
        for f in self._files.values():
            try:
                f.close()
            except OSError as exc:
                self._fail(exc)
        self._files.clear()

    def _write_json(self) -> None:
        text = json.dumps(self.metadata, indent=2, ensure_ascii=False) + "\n"
        write_atomic(self.folder / "session.json", text)

    def _fail(self, exc: OSError) -> None:
        if self.problem is not None:
            return
        if self._gone():
            self.kept = False
            self.beats_saved = {}
            self.problem = (
                f"recording stopped: {self.folder} was removed or moved while recording; "
                "nothing more is saved there. The session goes on."
            )
        else:
            # What was written before the failure is on the disk if it syncs now.
            try:
                for f in self._files.values():
                    os.fsync(f.fileno())
            except (OSError, ValueError):
                pass
            else:
                self.beats_saved = dict(self.beats_written)
            self.problem = (
                f"recording stopped: {self.folder} cannot be written any more "
                f"({os_error_reason(exc)}). The session goes on; everything recorded until now is "
                "kept in that folder."
            )
        if self.on_problem is not None:
            self.on_problem(self.problem)

