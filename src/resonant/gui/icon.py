"""resonant's icon: one SVG, and the PNG sizes rendered from it by Qt.

``icons/resonant.svg`` is the drawing (the guide's own shape and colours, see
:mod:`resonant.config.palette`); ``icons/resonant-<N>.png`` are rendered from it at the
sizes of :data:`SIZES_PX` by :func:`render_png` and kept in the package, for desktops
that want bitmaps (the freedesktop Icon Theme Specification's ``hicolor`` theme, the
window's own icon). ``python -m resonant.gui.icon`` renders them again after the SVG
changes; ``tests/gui/test_icon.py`` checks that the kept PNGs still match the SVG.
"""

from __future__ import annotations

import sys
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtGui import QIcon, QImage

__all__ = ["SIZES_PX", "svg_file", "png_file", "render_png", "app_icon", "write_pngs"]

#: The PNG sizes kept beside the SVG, px (square): the usual ``hicolor`` sizes.
SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512)


def _icons() -> Traversable:
    return resources.files(__package__) / "icons"


def svg_file() -> Traversable:
    """The icon's SVG, as packaged (``resonant/gui/icons/resonant.svg``)."""
    return _icons() / "resonant.svg"


def png_file(size_px: int) -> Traversable:
    """The kept PNG of ``size_px`` (one of :data:`SIZES_PX`): ``icons/resonant-<N>.png``."""
    return _icons() / f"resonant-{size_px}.png"


def render_png(size_px: int) -> QImage:
    """The icon rendered from its SVG by Qt, ``size_px`` square, on a transparent ground.

    Parameters
    ----------
    size_px : int
        Width and height, px.

    Returns
    -------
    QImage
        ARGB32 (premultiplied), antialiased (Qt SVG renders SVG Tiny 1.2).
    """
    from PyQt6.QtCore import QByteArray, QRectF, Qt
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg_file().read_bytes()))
    if not renderer.isValid():  # pragma: no cover - the packaged SVG is tested
        raise ValueError("resonant.svg is not a valid SVG")
    image = QImage(size_px, size_px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size_px, size_px))
    finally:
        painter.end()
    return image


def app_icon() -> QIcon:
    """The icon for the windows: every kept PNG size (and the SVG where Qt can use it).

    A QApplication must exist. Set once with ``QApplication.setWindowIcon``, it is the
    icon of every window: the trainer, the settings, the presenter, the dialogs.
    """
    from PyQt6.QtCore import QByteArray
    from PyQt6.QtGui import QIcon, QPixmap

    icon = QIcon()
    for size in SIZES_PX:
        pixmap = QPixmap()
        if pixmap.loadFromData(QByteArray(png_file(size).read_bytes()), "PNG"):
            icon.addPixmap(pixmap)
        else:  # pragma: no cover - a package without its PNGs: render them
            icon.addPixmap(QPixmap.fromImage(render_png(size)))
    return icon


def write_pngs(folder: Path) -> list[Path]:
    """Render every size of :data:`SIZES_PX` into ``folder`` as ``resonant-<N>.png``.

    Replaces the PNGs there (they are made from the SVG, nothing else); each is written
    whole or not at all (:func:`resonant.model.atomic.write_atomic`), readable by all
    (they are package data, not a person's data). Returns the files written.
    """
    from resonant.model.atomic import write_atomic

    written = []
    for size in SIZES_PX:
        image = render_png(size)

        def save(tmp: Path, image: QImage = image) -> bool:
            return image.save(str(tmp), "PNG")

        target = folder / f"resonant-{size}.png"
        write_atomic(target, save, mode=0o644)
        written.append(target)
    return written


def main() -> int:  # pragma: no cover - a maintainer's tool, checked by the PNG test
    """Render the PNGs again into the package's ``icons`` folder."""
    from PyQt6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    for path in write_pngs(Path(__file__).resolve().parent / "icons"):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
