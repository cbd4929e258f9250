"""``resonant export``'s sentences: the file that failed, and whether reading or writing it."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from resonant.cli.export import run_export
from tests.conftest import FIXTURES

SESSION = FIXTURES / "sessions" / "2026-11-22T10-00-00Z_gap"


@pytest.fixture
def session(tmp_path: Path) -> Path:
    folder = shutil.copytree(SESSION, tmp_path / "session")
    (folder / "pacer.tsv").write_text("time_s\tphase\trate_bpm\n0\tinhale\t6\n4\texhale\t6\n")
    return folder


def _denied(path: object) -> PermissionError:
    return PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "edf"])
def test_an_unreadable_pacer_table_is_named_as_read_not_the_output_as_written(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, fmt: str,
) -> None:
    """Issue 18: root reads everything, so the refusal is injected where the file is opened."""
    real_open = os.open

    def deny_pacer(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(os.fspath(path)).name == "pacer.tsv":
            raise _denied(path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny_pacer)
    out = tmp_path / f"out.{fmt}"
    assert run_export(str(session), fmt, str(out)) == 2
    _, err = capsys.readouterr()
    [sentence] = err.strip().splitlines()
    assert str(session / "pacer.tsv") in sentence and "cannot be read" in sentence
    assert "permission denied" in sentence and "written" not in sentence
    assert str(out) not in sentence and not out.exists()


def test_an_os_error_escaping_a_reader_names_the_file_read(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An OSError that no reader turned into a sentence still names its file, as read."""
    import resonant.exports.formats as formats

    def unreadable(folder: object) -> None:
        raise _denied(Path(os.fspath(folder)) / "pacer.tsv")  # type: ignore[arg-type]

    monkeypatch.setattr(formats, "read_pacer", unreadable)
    out = tmp_path / "out.csv"
    assert run_export(str(session), "csv", str(out)) == 2
    _, err = capsys.readouterr()
    assert err == (
        f"resonant: {session / 'pacer.tsv'} cannot be read (permission denied).\n"
    )


@pytest.mark.parametrize(
    "filename", [None, "out.csv", ".out.csv.0123456789abcdef.tmp"], ids=["none", "out", "temp"]
)
def test_a_write_error_names_the_output_as_written(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, filename: str | None,
) -> None:
    import resonant.exports.formats as formats

    out = tmp_path / "out.csv"

    def full(folder: object, target: object) -> None:
        name = None if filename is None else str(tmp_path / filename)
        raise OSError(errno.ENOSPC, "No space left on device", name)

    monkeypatch.setitem(formats.EXPORTERS, "csv", full)
    assert run_export(str(session), "csv", str(out)) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"resonant: {out} cannot be written (")
    assert "read" not in err
