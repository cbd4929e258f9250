"""The icon: the kept PNGs are what the SVG renders now, and every window carries it."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtGui import QImage

from resonant.gui.icon import SIZES_PX, app_icon, png_file, render_png, svg_file


def _rgba(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = image.height(), image.width()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), dtype=np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, : w * 4].reshape(h, w, 4).astype(int)


@pytest.mark.parametrize("size_px", SIZES_PX)
def test_the_kept_png_is_what_the_svg_renders_now(qapp, size_px: int) -> None:
    kept = QImage()
    assert kept.loadFromData(png_file(size_px).read_bytes(), "PNG")
    assert (kept.width(), kept.height()) == (size_px, size_px)
    made = render_png(size_px)
    diff = np.abs(_rgba(kept) - _rgba(made))
    # Pixel-close, not byte-equal: another Qt may antialias an edge a little differently.
    # After changing the SVG: python -m resonant.gui.icon
    assert (diff.max(axis=2) > 24).mean() < 0.01, "run: python -m resonant.gui.icon"
    assert diff.mean() < 2.0


def test_the_icon_is_drawn_in_the_middle_on_a_transparent_ground(qapp) -> None:
    rgba = _rgba(render_png(64))
    assert rgba[0, 0, 3] == 0 and rgba[32, 32, 3] == 255
    assert b"<svg" in svg_file().read_bytes()


def test_every_window_carries_the_icon(qapp) -> None:
    from resonant.config.settings import Settings
    from resonant.gui.app import use_app_icon
    from resonant.gui.window import MainWindow

    icon = app_icon()
    assert {s.width() for s in icon.availableSizes()} == set(SIZES_PX)
    use_app_icon(qapp)
    assert qapp.desktopFileName() == "resonant"
    window = MainWindow(Settings(checkin=False, consent_recording=True), save=False)
    try:
        assert not window.windowIcon().isNull()
        assert window.settings_dialog.windowIcon().cacheKey() == qapp.windowIcon().cacheKey()
    finally:
        window.close()
