"""The bundle's own fonts (issue 19): registered with Qt only when resonant runs frozen."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from resonant.gui.app import use_bundled_fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core


def test_nothing_is_done_outside_the_bundle(qapp, monkeypatch) -> None:
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert use_bundled_fonts() == []


def test_an_empty_fonts_folder_adds_nothing(qapp, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert use_bundled_fonts() == []


@pytest.mark.skipif(not DEJAVU.is_file(), reason="Debian's fonts-dejavu-core is not installed")
def test_the_bundled_fonts_become_known_to_qt(qapp, monkeypatch, tmp_path: Path) -> None:
    from PyQt6.QtGui import QFontDatabase

    (tmp_path / "fonts").mkdir()
    shutil.copy(DEJAVU, tmp_path / "fonts" / DEJAVU.name)
    (tmp_path / "fonts" / "DejaVu-LICENSE.txt").write_text("the licence, not a font\n")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert use_bundled_fonts() == ["DejaVu Sans"]
    assert "DejaVu Sans" in QFontDatabase.families()
