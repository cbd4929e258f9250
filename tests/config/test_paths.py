"""Where session folders go."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonant.config.paths import sessions_dir


def test_sessions_go_in_the_xdg_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert sessions_dir() == tmp_path / "resonant" / "sessions"
