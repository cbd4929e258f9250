"""Outputs a person asks for: new, owner-only, whole or not at all (resonant.model.atomic).

The replace-whole writer and the OSError wording are tested in tests/folder/test_atomic.py.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from resonant.errors import EXIT_BAD_INPUT
from resonant.model import atomic
from resonant.model.atomic import OutputError, make_private_folder, open_new, write_new


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: str = "64k") -> Iterator[Path]:
    """A tiny RAM file system at ``folder`` (root only); skips the test where not allowed."""
    folder.mkdir(exist_ok=True)
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip("mounting a small tmpfs is not permitted here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def test_a_new_file_is_owner_only_in_owner_only_new_folders(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = write_new(tmp_path / "a" / "b" / "report.html", "<p>hi</p>")
    finally:
        os.umask(old)
    assert out.read_text() == "<p>hi</p>"
    assert _mode(out) == 0o600
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file


@pytest.mark.parametrize("kind", ["file", "symlink to a file", "dangling symlink", "folder"])
def test_an_existing_name_is_refused_in_one_sentence_and_left_alone(
    tmp_path: Path, kind: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.png"
    if kind == "file":
        out.write_text("mine")
    elif kind == "symlink to a file":
        out.symlink_to(victim)
    elif kind == "dangling symlink":
        out.symlink_to(tmp_path / "nowhere.png")
    else:
        out.mkdir()
    with pytest.raises(OutputError) as info:
        write_new(out, b"PNG", noun="the plot")
    assert str(info.value) == f"{out} already exists; the plot never overwrites a file"
    assert info.value.exit_status == EXIT_BAD_INPUT
    assert victim.read_text() == "precious"
    assert not (tmp_path / "nowhere.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png", "victim.txt"]


def test_a_file_that_appears_while_writing_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "table.tsv"

    def slow_writer(tmp: Path) -> None:
        tmp.write_text("ours")
        out.write_text("theirs")  # another process, between the check and the rename

    with pytest.raises(OutputError, match="already exists"):
        write_new(out, slow_writer)
    assert out.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["table.tsv"]


def test_a_symlink_planted_at_the_temporary_name_is_never_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Temporary names are random; even a guessed one is created exclusively (O_EXCL)."""
    import secrets

    names = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr(secrets, "token_hex", lambda n: next(names))
    victim = tmp_path / "victim"
    victim.write_text("precious")
    planted = tmp_path / f".trend.png.{'0' * 16}.tmp"
    planted.symlink_to(victim)
    write_new(tmp_path / "trend.png", b"PNG")
    assert victim.read_text() == "precious"
    assert planted.is_symlink()
    assert (tmp_path / "trend.png").read_bytes() == b"PNG"


def test_temporary_names_are_unpredictable(tmp_path: Path) -> None:
    seen: set[str] = set()

    def note(tmp: Path) -> None:
        seen.add(tmp.name)
        tmp.write_bytes(b"x")

    for i in range(20):
        write_new(tmp_path / f"f{i}", note)
    assert len({name.split(".")[-2] for name in seen}) == 20
    assert all(len(name.split(".")[-2]) == 16 for name in seen)  # 64 random bits


@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "the disk is full"), (errno.EIO, os.strerror(errno.EIO)),
     (errno.EACCES, "permission denied")],
)  # fmt: skip
def test_write_errors_are_one_sentence_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    def fail(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "fsync", fail)
    out = tmp_path / "r.pdf"
    with pytest.raises(OutputError) as info:
        write_new(out, b"%PDF")
    assert str(info.value) == f"{out} cannot be written ({words})"
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    write_new(out, b"%PDF")  # the rerun is not blocked
    assert out.read_bytes() == b"%PDF"


def test_a_writer_that_says_false_has_failed(tmp_path: Path) -> None:
    """As QImage.save does: ``write_new(path, lambda tmp: image.save(str(tmp), "PNG"))``."""
    with pytest.raises(OutputError, match="cannot be written"):
        write_new(tmp_path / "shot.png", lambda tmp: False)
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_of_the_folder_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a file")
    with pytest.raises(OutputError, match=r"cannot be written \(not a folder\)"):
        write_new(tmp_path / "a" / "x.html", "x")
    with pytest.raises(NotADirectoryError):
        make_private_folder(tmp_path / "a" / "b")


def test_existing_folders_keep_their_mode(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    os.chmod(tmp_path / "shared", 0o755)
    make_private_folder(tmp_path / "shared" / "mine")
    assert _mode(tmp_path / "shared") == 0o755
    assert _mode(tmp_path / "shared" / "mine") == 0o700


def test_a_table_takes_its_name_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "res.tsv"
    with open_new(out, noun="the table") as f:
        f.write("a\tb\n")
        assert not out.exists()  # not yet
        f.write("1\t2\n")
    assert out.read_text() == "a\tb\n1\t2\n"
    assert _mode(out) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["res.tsv"]
    refused = pytest.raises(OutputError, match="the table never overwrites a file")
    with refused, open_new(out, noun="the table"):
        pytest.fail("never reached")  # pragma: no cover
    assert out.read_text() == "a\tb\n1\t2\n"


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_a_stopped_table_leaves_nothing_that_blocks_a_rerun(
    tmp_path: Path, stop: type[BaseException]
) -> None:
    out = tmp_path / "res.tsv"
    with pytest.raises(stop), open_new(out) as f:
        f.write("half a row")
        raise stop()
    assert list(tmp_path.iterdir()) == []
    with open_new(out) as f:
        f.write("whole\n")
    assert out.read_text() == "whole\n"


def test_a_table_write_error_is_one_sentence(tmp_path: Path) -> None:
    out = tmp_path / "res.tsv"
    with pytest.raises(OutputError) as info, open_new(out):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert str(info.value) == f"{out} cannot be written (the disk is full)"
    assert list(tmp_path.iterdir()) == []


def test_a_full_small_disk_is_one_sentence_and_leaves_nothing(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk") as disk:
        with pytest.raises(OutputError, match=r"cannot be written \(the disk is full\)"):
            write_new(disk / "big.pdf", b"x" * 200_000)
        with pytest.raises(OutputError, match=r"cannot be written \(the disk is full\)"), open_new(
            disk / "big.tsv"
        ) as f:
            for _ in range(20_000):
                f.write("0123456789\n")
        assert list(disk.iterdir()) == []
        write_new(disk / "small.html", "fits")
        assert (disk / "small.html").read_text() == "fits"
