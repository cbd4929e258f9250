"""The one whole-file writer and the one OSError wording (resonant.model.atomic)."""

import errno
import os
from pathlib import Path

import pytest

from resonant.model.atomic import os_error_reason, write_atomic


def test_the_target_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "session.json"
    target.write_text("old content, longer than the new one\n")
    assert write_atomic(target, '{"a": 1}\n') == target
    assert target.read_bytes() == b'{"a": 1}\n'
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json"]  # no temporary file


def test_text_is_written_as_utf8_without_newline_translation(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    write_atomic(target, "µV\nline\r\n")
    assert target.read_bytes() == "µV\nline\r\n".encode()


def test_a_writer_function_gets_a_path_beside_the_target(tmp_path: Path) -> None:
    seen: list[Path] = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_bytes(b"made by a library")

    write_atomic(tmp_path / "x.edf", write, exclusive=True)
    assert (tmp_path / "x.edf").read_bytes() == b"made by a library"
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".x.edf.")
    assert not seen[0].exists()


def test_exclusive_refuses_an_existing_file_and_leaves_it_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("precious")
    with pytest.raises(FileExistsError):
        write_atomic(target, "new", exclusive=True)
    assert target.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    write_atomic(tmp_path / "new.csv", "new", exclusive=True)
    assert (tmp_path / "new.csv").read_text() == "new"


def test_exclusive_without_hard_links_still_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "a").write_text("precious")
    with pytest.raises(FileExistsError):
        write_atomic(tmp_path / "a", "new", exclusive=True)
    assert (tmp_path / "a").read_text() == "precious"
    write_atomic(tmp_path / "b", "new", exclusive=True)
    assert (tmp_path / "b").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("old")

    def full(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError) as info:
        write_atomic(target, "new")
    assert os_error_reason(info.value) == "the disk is full"
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]


def test_a_failing_writer_function_leaves_nothing(tmp_path: Path) -> None:
    def fail(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.EFBIG, "File too large")

    with pytest.raises(OSError):
        write_atomic(tmp_path / "x", fail, exclusive=True)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        write_atomic(tmp_path / "no" / "x", "x")
    assert os_error_reason(info.value) == "no such folder"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "the disk is full"),
        (errno.EFBIG, "the file is too large"),
        (errno.EACCES, "permission denied"),
        (errno.EPERM, "permission denied"),
        (errno.EROFS, "the disk is read-only"),
        (errno.ENOENT, "no such folder"),
        (errno.ENOTDIR, "not a folder"),
        (errno.EIO, "Input/output error"),
    ],
)
def test_os_error_reason_in_plain_words(code: int, words: str) -> None:
    assert os_error_reason(OSError(code, os.strerror(code))) == words.replace(
        "Input/output error", os.strerror(errno.EIO)
    )


def test_os_error_reason_without_an_errno() -> None:
    assert os_error_reason(OSError("the image could not be saved")) == "the image could not be saved"


def test_files_are_private_whoever_made_them(tmp_path: Path) -> None:
    """Owner-only by default, also when a library's writer recreates the file world-readable."""
    import stat

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", "{}")

        def loose(tmp: Path) -> None:
            tmp.unlink()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o666)
            os.close(fd)

        write_atomic(tmp_path / "b.edf", loose, exclusive=True)
        write_atomic(tmp_path / "c.txt", "shared", mode=0o644)
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"a.json": 0o600, "b.edf": 0o600, "c.txt": 0o644}
