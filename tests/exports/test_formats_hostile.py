"""Issue 18: exports bounded by the recording and honest about failed writes.

An EDF export is bounded by the beats' extent (a far marker builds no grid to it; no ECG
grid without ECG), a failed EDF write (a full disk, injected here with RLIMIT_FSIZE so
that edflib's own writes fail) leaves no file and says one sentence, and a hostile
session.json or far time is one sentence with exit 2.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pyedflib
import pytest

from resonant.cli import main
from resonant.cli.export import run_export
from resonant.exports.formats import EDF_LABELS, export_edf


@pytest.fixture(scope="module")
def five_minutes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated 5-minute session (beats, pacer, chest accelerometer; no ECG)."""
    folder = tmp_path_factory.mktemp("five") / "s"
    status = main(["record", "--simulate", "--out", str(folder), "--duration", "300",
                   "--speed", "100000", "--sim-seed", "3"])  # fmt: skip
    assert status == 0
    return folder


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_a_marker_far_after_the_beats_builds_no_grid_to_it(
    five_minutes: Path, tmp_path: Path
) -> None:
    folder = _copy(five_minutes, tmp_path / "s")
    with open(folder / "events.tsv", "a", encoding="utf-8") as f:
        f.write("1000000\t0\tmarker\tfar away\t\n")
    tracemalloc.start()
    t0 = time.perf_counter()
    result = export_edf(folder, tmp_path / "x.edf")
    took = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    [path] = result.files
    assert took < 5.0 and peak < 50e6  # the issue saw 18 s and 2.3 GB
    assert path.stat().st_size < 500_000  # 5 minutes of RR, HR and ACC (the issue: 130 MB)
    with pyedflib.EdfReader(str(path)) as r:
        assert EDF_LABELS["ecg"] not in r.getSignalLabels()  # no ECG recorded, no ECG grid
        assert r.file_duration <= 302
        assert "marker: far away" not in list(r.readAnnotations()[2])
    assert any("fall where no file has data" in n for n in result.notes)


def test_a_five_minute_session_exports_in_well_under_a_second(
    five_minutes: Path, tmp_path: Path
) -> None:
    export_edf(five_minutes, tmp_path / "warm.edf")  # imports and caches warmed
    best = min(_timed(five_minutes, tmp_path / f"x{k}.edf") for k in range(3))
    assert best < 0.5


def _timed(folder: Path, out: Path) -> float:
    t0 = time.perf_counter()
    export_edf(folder, out)
    return time.perf_counter() - t0


@pytest.mark.parametrize(
    "meta, words",
    [
        ({"sources": 5}, "sources 5 is not a list of objects"),
        ({"start_utc": "9999-12-31T23:59:59-05:00"}, "start_utc"),
        ({"sources": [{"label": "sim", "settings": {"acc_hz": 1e300}}]}, "acc_hz"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["edf", "csv", "kubios"])
def test_a_hostile_session_json_is_one_sentence(
    five_minutes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    meta: dict[str, object], words: str, fmt: str,
) -> None:  # fmt: skip
    folder = _copy(five_minutes, tmp_path / "s")
    base = json.loads((folder / "session.json").read_text())
    (folder / "session.json").write_text(json.dumps({**base, **meta}))
    out = tmp_path / f"x.{fmt}"
    status = run_export(str(folder), fmt, str(out))
    err = capsys.readouterr().err.strip()
    if fmt == "edf":  # the only one of the three that reads session.json
        assert status == 2 and "\n" not in err and words in err and "session.json" in err
        assert not out.exists()
    else:
        assert status == 0


@pytest.mark.parametrize("where", ["beats.tsv", "pacer.tsv", "events.tsv"])
def test_far_times_are_refused_by_every_export(
    five_minutes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    folder = _copy(five_minutes, tmp_path / "s")
    lines = (folder / where).read_text().splitlines()
    if where == "events.tsv":
        lines.append("1e12\t0\tmarker\tfar\t")
    else:
        cells = lines[-1].split("\t")
        cells[0] = "1e300"
        lines[-1] = "\t".join(cells)
    (folder / where).write_text("\n".join(lines) + "\n")
    for fmt in ("edf", "csv"):
        out = tmp_path / f"x.{fmt}"
        assert run_export(str(folder), fmt, str(out)) == 2
        err = capsys.readouterr().err.strip()
        assert f"{where}:{len(lines)}:" in err and "too far" in err and "\n" not in err
        assert not out.exists()


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="POSIX file-size limit")
@pytest.mark.parametrize("limit", [1, 40_000])
def test_a_full_disk_during_the_edf_write_leaves_nothing_and_says_so(
    five_minutes: Path, tmp_path: Path, limit: int
) -> None:
    out = tmp_path / "x.edf"

    def small_disk() -> None:  # writes past `limit` bytes fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    p = subprocess.run(
        [sys.executable, "-m", "resonant", "export", str(five_minutes), "--format", "edf",
         "--out", str(out)],
        capture_output=True, text=True, preexec_fn=small_disk, timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert p.stdout == "" and "Traceback" not in p.stderr
    [line] = [ln for ln in p.stderr.splitlines() if "note:" not in ln]
    assert line.startswith(f"resonant: {out} cannot be written (") and line.endswith(").")
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file


def test_an_edf_shorter_than_its_header_says_is_refused(
    five_minutes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """pyedflib's results are checked: a writer that silently falls short is caught."""
    real = pyedflib.EdfWriter.writeSamples

    def short(self: pyedflib.EdfWriter, data: list[object], digital: bool = False) -> None:
        real(self, data, digital=digital)
        os.truncate(self.path, 300)  # what a full disk does to edflib's buffered writes

    monkeypatch.setattr(pyedflib.EdfWriter, "writeSamples", short)
    out = tmp_path / "x.edf"
    assert run_export(str(five_minutes), "edf", str(out)) == 2
    err = capsys.readouterr().err
    assert "cannot be written (the EDF writer could not finish it; is the disk full?)." in err
    assert list(tmp_path.iterdir()) == []
