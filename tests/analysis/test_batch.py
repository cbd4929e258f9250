"""Batch analysis: finding inputs, the table, bad inputs, parallel = serial, and Dask."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from resonant.analysis.batch import RESULT_COLUMNS, analyze_one, find_inputs, run_batch
from resonant.cli import main
from tests.conftest import FIXTURES, REFERENCE


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    for i, state in enumerate(("rest", "threat", "soothing")):
        folder = str(root / "2026" / f"s{i}")
        assert main(["record", "--simulate", "--out", folder, "--duration", "180", "--speed",
                     "100000", "--sim-seed", str(i), "--sim-state", state]) == 0  # fmt: skip
    assert main(["assess", "--simulate", "--out", str(root / "assess"), "--speed", "100000",
                 "--sim-seed", "1", "--json"]) == 0  # fmt: skip
    (root / "rr").mkdir()
    for name in ("slow-breathing.txt", "spontaneous.txt"):
        (root / "rr" / name).write_text((REFERENCE / name).read_text())
    (root / "rr" / "broken.txt").write_text(
        (FIXTURES / "recordings" / "text-in-numbers.txt").read_text()
    )
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.txt").write_text("800\n")
    return root


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_inputs_are_sessions_and_rr_files_once_each(archive: Path) -> None:
    found = find_inputs([archive], recursive=True)
    names = [p.relative_to(archive).as_posix() for p in found]
    assert names == ["2026/s0", "2026/s1", "2026/s2", "assess", "rr/broken.txt",
                     "rr/slow-breathing.txt", "rr/spontaneous.txt"]  # fmt: skip


def test_the_table_has_a_row_per_recording_and_per_phase_and_matches_analyze(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.tsv"
    assert main(["analyze", str(archive), "--recursive", "--out", str(out), "--jobs", "2"]) == 2
    err = capsys.readouterr().err
    assert "broken.txt:" in err and "is not a number" in err  # one sentence, the rest went on
    rows = _read(out)
    assert list(rows[0]) == list(RESULT_COLUMNS)
    whole = [r for r in rows if not r["phase"]]
    assert len(whole) == 6  # 3 sessions, 1 assessment, 2 RR files
    phases = [r for r in rows if r["phase"]]
    assert len(phases) == 6 and all(r["path"].endswith("assess") for r in phases)
    # The same numbers as `resonant analyze --json` on each input.
    for r in whole:
        capsys.readouterr()
        assert main(["analyze", "--json", r["path"]]) == 0
        ref = json.loads(capsys.readouterr().out.splitlines()[0])
        assert float(r["rmssd_ms"]) == pytest.approx(ref["rmssd_ms"], rel=1e-5)
        assert int(r["beats"]) == ref["beats"]
    json_phases = json.loads(main_json(archive / "assess", capsys))["phases"]
    assert [p["label"] for p in json_phases] == [r["phase"] for r in phases]


def main_json(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["analyze", "--json", str(path)]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_parallel_gives_the_same_table_as_serial(archive: Path, tmp_path: Path) -> None:
    run_batch([str(archive)], True, str(tmp_path / "one.tsv"), jobs=1)
    run_batch([str(archive)], True, str(tmp_path / "two.tsv"), jobs=2)
    assert (tmp_path / "one.tsv").read_text() == (tmp_path / "two.tsv").read_text()


def test_existing_output_is_never_overwritten(archive: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "results.tsv"
    out.write_text("precious")
    assert main(["analyze", str(archive), "--recursive", "--out", str(out)]) == 2
    assert out.read_text() == "precious"
    assert "the table never overwrites a file" in capsys.readouterr().err


def test_nothing_found_is_a_sentence(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path), "--recursive"]) == 2
    assert "no sessions or RR files" in capsys.readouterr().err


def test_the_unit_of_work_never_raises(tmp_path: Path) -> None:
    path, rows, notes, error = analyze_one(str(tmp_path / "missing.txt"))
    assert rows == [] and error and "missing.txt" in error


def test_the_same_analysis_runs_on_a_local_dask_cluster(archive: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from resonant.analysis.batch import dask_rows

    paths = [str(p) for p in find_inputs([archive], recursive=True)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster:  # fmt: skip
        with distributed.Client(cluster) as client:
            results = sorted(dask_rows(paths, client))
    local = sorted(analyze_one(p) for p in paths)
    assert results == local
    status = run_batch([str(archive)], True, str(tmp_path / "dask.tsv"), results=iter(local))
    assert status == 2 and len(_read(tmp_path / "dask.tsv")) == 12


# -- the --out table: new, owner-only, whole or nothing -------------------------------------


def _one_result(archive: Path) -> list[tuple[str, list[list[str]], list[str], str | None]]:
    return [analyze_one(str(archive / "rr" / "slow-breathing.txt"))]


def test_the_table_is_owner_only(archive: Path, tmp_path: Path, capsys) -> None:
    import os
    import stat

    out = tmp_path / "new" / "res.tsv"
    old = os.umask(0o022)
    try:
        assert main(["analyze", str(archive / "rr" / "slow-breathing.txt"), "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    assert [p.name for p in out.parent.iterdir()] == ["res.tsv"]  # no temporary file left


@pytest.mark.parametrize("link", ["dangling", "to a file"])
def test_a_symlink_at_the_table_name_is_refused_not_followed(
    archive: Path, tmp_path: Path, capsys, link: str
) -> None:
    victim = tmp_path / "victim.txt"
    if link == "to a file":
        victim.write_text("precious")
    out = tmp_path / "res.tsv"
    out.symlink_to(victim)
    assert main(["analyze", str(archive), "--recursive", "--out", str(out)]) == 2
    assert "already exists; the table never overwrites a file" in capsys.readouterr().err
    assert out.is_symlink()
    assert victim.read_text() == "precious" if link == "to a file" else not victim.exists()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, MemoryError])
def test_a_stopped_table_leaves_nothing_that_blocks_a_rerun(
    archive: Path, tmp_path: Path, capsys, stop: type[BaseException]
) -> None:
    out = tmp_path / "res.tsv"

    def stopped_halfway():  # type: ignore[no-untyped-def]
        yield from _one_result(archive)
        raise stop()

    with pytest.raises(stop):
        run_batch([str(archive)], True, str(out), results=stopped_halfway())
    assert list(tmp_path.iterdir()) == []
    assert run_batch([str(archive)], True, str(out), results=iter(_one_result(archive))) == 0
    assert [r["path"] for r in _read(out)] == [str(archive / "rr" / "slow-breathing.txt")]
    capsys.readouterr()


def test_a_write_error_is_one_sentence_and_leaves_nothing(
    archive: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from resonant.model import atomic

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(atomic.os, "fsync", broken)
    out = tmp_path / "res.tsv"
    status = run_batch([str(archive)], True, str(out), results=iter(_one_result(archive)))
    err = capsys.readouterr().err
    assert status == 2 and f"resonant: {out} cannot be written ({os.strerror(errno.EIO)})" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_a_full_disk_is_one_sentence_and_leaves_nothing(
    archive: Path, tmp_path: Path, capsys
) -> None:
    from tests.model.test_atomic import small_tmpfs

    with small_tmpfs(tmp_path / "disk") as disk:
        out = disk / "res.tsv"
        path, rows, notes, error = _one_result(archive)[0]
        many = [(path, rows * 2000, notes, error)]  # far more than 64 KiB of rows
        assert run_batch([str(archive)], True, str(out), results=iter(many)) == 2
        err = capsys.readouterr().err
        assert f"resonant: {out} cannot be written (the disk is full)" in err
        assert list(disk.iterdir()) == []
