"""Session folder names: sortable, portable, and never reused, even within one second."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from resonant.folder.write import Recorder, session_folder_name

T = datetime(2026, 11, 22, 10, 5, 9, tzinfo=UTC)


def test_folder_name_follows_the_format() -> None:
    assert session_folder_name(T, "sim") == "2026-11-22T10-05-09Z_sim"
    assert session_folder_name(T, "Polar H10 / A1:B2") == "2026-11-22T10-05-09Z_Polar-H10-A1-B2"
    assert session_folder_name(T, "///") == "2026-11-22T10-05-09Z_session"


def test_a_new_folder_never_reuses_an_existing_one(tmp_path: Path) -> None:
    first = Recorder.new(tmp_path, T, "sim", {})
    second = Recorder.new(tmp_path, T, "sim", {})
    first.close(), second.close()
    assert first.folder.name == "2026-11-22T10-05-09Z_sim"
    assert second.folder.name == "2026-11-22T10-05-09Z_sim-2"


def test_sessions_started_in_the_same_second_never_collide(tmp_path: Path) -> None:
    """Eight sessions racing for one name each get their own folder."""
    folders: list[Path] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        try:
            rec = Recorder.new(tmp_path, T, "sim", {"participant": "p"})
            rec.close()
            folders.append(rec.folder)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(folders)) == 8
    assert all((f / "session.json").is_file() for f in folders)
