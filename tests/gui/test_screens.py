"""Issue 17: the four screens a person meets, as real windows under a virtual X server
(Xvfb, an X11 window through Qt's xcb platform) and offscreen, at 1280 x 720 and
1920 x 1080.

Each screen is taken by ``resonant demo --view V --screenshot PNG``, the command that
made the pictures in docs/screenshots, in a child process with its own empty settings
and data folders. The picture must have the window's size and show the screen, not an
empty or black window: the guide's colour at the centre of the practice view, text on
the welcome page, the summary's card, the detail view's tiles and plots (many colours).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PyQt6.QtGui import QColor, QImage

from resonant.config.palette import THEMES

XVFB = shutil.which("xvfb-run")


def _shoot(tmp_path: Path, view: str, size: tuple[int, int], platform: str) -> QImage:
    w, h = size
    home = tmp_path / f"{view}-{w}-{platform}"
    png = home / "screen.png"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_QPA", "DISPLAY"))}
    env |= {"XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data")}
    cmd = [sys.executable, "-m", "resonant", "demo", "--size", f"{w}x{h}", "--view", view,
           "--speed", "10", "--sim-seed", "3", "--after", "4", "--screenshot", str(png)]  # fmt: skip
    if platform == "xcb":
        env["QT_QPA_PLATFORM"] = "xcb"
        cmd = [XVFB or "xvfb-run", "-a", "-s", f"-screen 0 {w}x{h}x24", *cmd]
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    image = QImage(str(png))
    assert not image.isNull()
    return image


def _colours(image: QImage, step: int = 16) -> set[int]:
    return {
        image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)
    }


def _check(image: QImage, view: str, size: tuple[int, int]) -> None:
    assert (image.width(), image.height()) == size
    colours = _colours(image)
    background = QColor(THEMES["light"].background).rgb()
    assert len(colours) > 3  # never an empty or black window
    if view == "practice":  # the guide fills the middle, in the guide's own colour
        centre = QColor(image.pixel(size[0] // 2, size[1] * 3 // 8))
        assert centre.rgb() != background and centre.blue() > centre.red()
    elif view == "detail":
        assert len(colours) > 40  # tiles, plots, controls
    else:  # the welcome's words, the summary's card: mostly the calm background
        share = sum(
            image.pixel(x, y) == background
            for x in range(0, size[0], 16) for y in range(0, size[1], 16)
        ) / len([0 for _ in range(0, size[0], 16) for _ in range(0, size[1], 16)])  # fmt: skip
        assert share > 0.5


SCREENS = [("practice", (1280, 720)), ("detail", (1280, 720)), ("welcome", (1280, 720)),
           ("summary", (1280, 720)), ("practice", (1920, 1080)), ("detail", (1920, 1080)),
           ("welcome", (1920, 1080)), ("summary", (1920, 1080))]  # fmt: skip


@pytest.mark.skipif(XVFB is None, reason="xvfb-run is not installed (./dev.sh test installs it)")
@pytest.mark.parametrize(("view", "size"), SCREENS[:4] + SCREENS[4:6])
def test_each_screen_as_a_real_x11_window(tmp_path: Path, view: str, size: tuple[int, int]) -> None:
    _check(_shoot(tmp_path, view, size, "xcb"), view, size)


@pytest.mark.parametrize(("view", "size"), SCREENS[6:])  # practice, detail: test_views
def test_each_screen_offscreen(tmp_path: Path, view: str, size: tuple[int, int]) -> None:
    _check(_shoot(tmp_path, view, size, "offscreen"), view, size)
