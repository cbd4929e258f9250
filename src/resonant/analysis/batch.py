"""Batch analysis: every session or RR file under a folder, in parallel, into one table.

``resonant analyze DIR --recursive --out results.tsv`` finds every session folder (a
folder with ``beats.tsv``) and RR file (``.txt``, ``.csv``, ``.rr``) under DIR, analyses
each with the same code as ``resonant analyze`` in a pool of worker processes (one per
core by default), and writes one row per recording and one per phase. Bad inputs are
reported, one sentence each, and skipped. On standard output each row is flushed as it
is written; a ``--out`` table is written to a hidden temporary file beside it that takes
the name only when the table is complete (owner-only, never over an existing file or
symlink, :func:`resonant.model.atomic.open_new`), so a stopped or failed run leaves
nothing that blocks the next one.

The unit of work, :func:`analyze_one`, is a plain picklable function of a path, so the
same analysis runs unchanged on a Dask cluster (:func:`dask_rows`) for an archive that
outgrows one machine.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TextIO

from resonant.errors import EXIT_BAD_INPUT, EXIT_OK
from resonant.model.atomic import OutputError, open_new, os_error_reason
from resonant.model.text import for_terminal

__all__ = [
    "RESULT_COLUMNS",
    "find_inputs",
    "analyze_one",
    "run_batch",
    "dask_rows",
    "RR_SUFFIXES",
]

#: File name endings read as RR files when searching a folder.
RR_SUFFIXES = (".txt", ".csv", ".rr")

#: Columns of the results table.
RESULT_COLUMNS = (
    "path", "source", "phase", "stressor", "onset_s", "duration_s", "beats", "segments",
    "hr_mean_bpm", "rmssd_ms", "sdnn_ms", "pnn50_pct", "lf_ms2", "hf_ms2", "lf_hf",
    "coherence_mean", "coherence_max", "breathing_rate_bpm",
    "breathing_reason",  # why breathing_rate_bpm is empty ("unclear from the heart rhythm")
    "breathing_source",  # where it comes from: "chest" (accelerometer) or "heart" (heart rhythm)
    "corrected_pct", "artifacts", "poor_data",  # 1: more than 5 % of NN corrected, the values rest on heavily corrected data
)  # fmt: skip


def find_inputs(
    paths: Sequence[str | Path], recursive: bool, problems: list[str] | None = None
) -> list[Path]:
    """Session folders and RR files among ``paths`` (and below them with ``recursive``).

    A folder holding ``beats.tsv`` is a session (its files are not counted again);
    other folders are searched (with ``recursive``) for sessions and RR files. Hidden
    files and folders are skipped. Paths come back sorted, each once. A folder that
    cannot be searched (permission denied) is one sentence naming it in ``problems``
    when given (else it is left to the reader, which says the same).
    """
    from resonant.folder.read import RecordingError, path_kind

    def unsearchable(exc: OSError) -> None:
        if problems is not None:
            where = exc.filename if exc.filename is not None else "a folder"
            problems.append(f"{where}: cannot be searched ({os_error_reason(exc)}); "
                            "what it holds is not in the table")  # fmt: skip

    found: dict[Path, None] = {}
    for p in map(Path, paths):
        try:
            folder = path_kind(p) == "folder" and path_kind(p / "beats.tsv") is None
        except RecordingError:
            folder = False  # the reader says why it cannot be read
        if folder:
            if not recursive:
                found[p] = None  # the reader will say it is not a session folder
                continue
            for root, dirs, files in os.walk(p, onerror=unsearchable):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                r = Path(root)
                if "beats.tsv" in files:
                    found[r] = None
                    dirs[:] = []
                    continue
                for f in sorted(files):
                    if f.lower().endswith(RR_SUFFIXES) and not f.startswith("."):
                        found[r / f] = None
        else:
            found[p] = None
    return sorted(found)


def _cells(d: dict[str, Any]) -> list[str]:
    def fmt(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return ""
        if isinstance(x, bool):
            return "1" if x else "0"
        if isinstance(x, float):
            return f"{x:.6g}"
        return str(x).replace("\t", " ")

    return [fmt(d.get(c)) for c in RESULT_COLUMNS]


def analyze_one(path: str) -> tuple[str, list[list[str]], list[str], str | None]:
    """Analyse one input; never raises.

    Returns
    -------
    path : str
        The input.
    rows : list of list of str
        Table rows (:data:`RESULT_COLUMNS`): the whole recording per source, then its
        phases.
    notes : list of str
        What the reader skipped or assumed.
    error : str or None
        Why the input could not be read (one sentence naming it), or None. A session
        whose ``pacer.tsv`` or ``acc.tsv`` cannot be used still has its rows; the
        sentence naming each such table is here, one per line.
    """
    from resonant.analysis.summaries import analyze_path
    from resonant.folder.read import RecordingError

    broken: list[str] = []
    try:
        results, notes = analyze_path(path, broken)
    except RecordingError as exc:
        return path, [], [], str(exc)
    except Exception as exc:  # never let one bad input stop a batch of thousands
        return path, [], [], f"{path}: could not be analysed ({type(exc).__name__}: {exc})"
    rows: list[list[str]] = []
    for s, _ in results:
        whole = dict(s)
        whole["artifacts"] = s["artifacts"]["total"]
        whole["phase"] = ""
        whole["onset_s"] = 0.0
        rows.append(_cells(whole))
        for ph in s["phases"]:
            rows.append(_cells({
                "path": s["path"], "source": s.get("source", ""), "phase": ph["label"],
                "stressor": ph["stressor"], "onset_s": ph["onset_s"],
                "duration_s": ph["duration_s"], "beats": ph["beats"],
                "hr_mean_bpm": ph["hr_mean_bpm"], "rmssd_ms": ph["rmssd_ms"],
                "coherence_mean": ph["coherence_mean"], "lf_hf": ph["lf_hf"],
                "breathing_rate_bpm": ph["breathing_rate_bpm"],
                "breathing_reason": ph["breathing_reason"],
                "breathing_source": ph["breathing_source"],
                "corrected_pct": ph["corrected_pct"], "poor_data": ph["poor_data"],
            }))  # fmt: skip
    return path, rows, notes, "\n".join(broken) or None


class _Progress:
    """A progress bar on a terminal, a line every 10 % elsewhere."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.live = out.isatty()
        self.done = 0
        self.t0 = time.perf_counter()
        self._next_pct = 10

    def step(self) -> None:
        self.done += 1
        pct = 100 * self.done // max(1, self.total)
        rate = self.done / max(1e-9, time.perf_counter() - self.t0)
        if self.live:
            bar = "█" * (pct // 4) + "░" * (25 - pct // 4)
            self.out.write(f"\r[{bar}] {self.done}/{self.total}  {rate:.1f}/s ")
            if self.done == self.total:
                self.out.write("\n")
            self.out.flush()
        elif pct >= self._next_pct or self.done == self.total:
            self._next_pct = (pct // 10 + 1) * 10
            self.out.write(f"resonant: {self.done}/{self.total} analysed ({rate:.1f}/s)\n")
            self.out.flush()


def _local(
    paths: list[str], jobs: int
) -> Iterator[tuple[str, list[list[str]], list[str], str | None]]:
    if jobs <= 1:
        yield from map(analyze_one, paths)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # map keeps the input order (a stable table) and still streams results.
        yield from pool.map(analyze_one, paths, chunksize=max(1, min(16, len(paths) // (4 * jobs))))


def dask_rows(
    paths: Iterable[str], client: Any
) -> Iterator[tuple[str, list[list[str]], list[str], str | None]]:
    """The same per-input analysis on a Dask cluster (``distributed.Client``).

    Each input is one task: ``client.map(analyze_one, paths)``, collected as they
    finish. The workers need resonant installed and the inputs on a shared file system.
    """
    from distributed import as_completed as dask_completed

    futures = client.map(analyze_one, list(paths), pure=False)
    for f in dask_completed(futures):
        yield f.result()


def run_batch(
    paths: Sequence[str],
    recursive: bool,
    out: str | None,
    jobs: int | None = None,
    results: Iterable[tuple[str, list[list[str]], list[str], str | None]] | None = None,
) -> int:
    """Analyse every input found; write the table to ``out`` (or stdout).

    Returns
    -------
    int
        0 when every input was read, 2 when any was not (the others are still in the
        table), 2 also when ``out`` exists (never overwritten) or nothing was found.
    """
    unsearchable: list[str] = []
    found = [str(p) for p in find_inputs(paths, recursive, unsearchable)]
    for sentence in unsearchable:
        print(f"resonant: {for_terminal(sentence)}", file=sys.stderr)
    if not found:
        print("resonant: no sessions or RR files were found there", file=sys.stderr)
        return EXIT_BAD_INPUT
    if out is not None and os.path.lexists(out):  # a dangling symlink too
        print(f"resonant: {out} already exists; the table never overwrites a file",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    jobs = jobs or os.cpu_count() or 1
    rows = results if results is not None else _local(found, jobs)
    progress = _Progress(len(found), sys.stderr)
    bad = EXIT_BAD_INPUT if unsearchable else EXIT_OK
    if not out:
        return max(bad, _write_table(sys.stdout, rows, progress))
    try:
        with open_new(out, noun="the table") as sink:
            return max(bad, _write_table(sink, rows, progress))
    except OutputError as exc:
        print(f"resonant: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _write_table(
    sink: TextIO,
    results: Iterable[tuple[str, list[list[str]], list[str], str | None]],
    progress: _Progress,
) -> int:
    """Write the header and each input's rows as they come; 2 when any input was bad."""
    status = EXIT_OK
    sink.write("\t".join(RESULT_COLUMNS) + "\n")
    for _path, rows, notes, error in results:
        if error is not None:
            for sentence in error.splitlines():
                print(f"resonant: {for_terminal(sentence)}", file=sys.stderr)
            status = EXIT_BAD_INPUT
        for note in notes:
            print(f"resonant: {for_terminal(note)}", file=sys.stderr)
        for row in rows:
            sink.write("\t".join(row) + "\n")
        sink.flush()
        progress.step()
    return status
