"""Where session folders go."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from resonant.config.paths import new_session_folder, session_folder_name, sessions_dir


def test_folder_name_follows_the_design() -> None:
    t = datetime(2026, 11, 22, 10, 5, 9, tzinfo=UTC)
    assert session_folder_name(t, "sim") == "2026-11-22T10-05-09Z_sim"
    assert session_folder_name(t, "Polar H10 / A1:B2") == "2026-11-22T10-05-09Z_Polar-H10-A1-B2"
    assert session_folder_name(t, "///") == "2026-11-22T10-05-09Z_session"


def test_new_folder_never_reuses_an_existing_one(tmp_path: Path) -> None:
    t = datetime(2026, 11, 22, 10, 5, 9, tzinfo=UTC)
    first = new_session_folder(tmp_path, t, "sim")
    first.mkdir()
    second = new_session_folder(tmp_path, t, "sim")
    assert second != first and second.name.endswith("_sim-2")


def test_sessions_go_in_the_xdg_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert sessions_dir() == tmp_path / "resonant" / "sessions"
