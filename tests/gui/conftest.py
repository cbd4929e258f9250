"""GUI test fixtures: offscreen Qt (set in tests/conftest.py) and a private settings folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep every GUI test away from the real settings and data folders."""
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("QT_LOGGING_RULES", "qt.qpa.*=false")
    return tmp_path
