"""Scene export to PNG (QImage) and SVG (QSvgGenerator).

pyqtgraph 0.14's SVG exporter crashes on Qt ≥ 6.11, so SVG goes through QtSvg's
generator and a QPainter on the scene itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtSvg import QSvgGenerator

from .style import BACKGROUND

MARGIN = 12.0


def _source(scene: QtWidgets.QGraphicsScene, rect: QtCore.QRectF | None) -> QtCore.QRectF:
    r = QtCore.QRectF(rect) if rect is not None else scene.itemsBoundingRect()
    return r.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def render_scene_image(
    scene: QtWidgets.QGraphicsScene, rect: QtCore.QRectF | None = None, scale: float = 2.0
) -> QtGui.QImage:
    """The scene (or ``rect`` of it) as an image, ``scale`` pixels per scene unit."""
    src = _source(scene, rect)
    size = QtCore.QSize(max(1, round(src.width() * scale)), max(1, round(src.height() * scale)))
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QtGui.QPainter(image)
    painter.setRenderHints(
        QtGui.QPainter.RenderHint.Antialiasing | QtGui.QPainter.RenderHint.TextAntialiasing
    )
    scene.render(painter, QtCore.QRectF(0, 0, size.width(), size.height()), src)
    painter.end()
    return image


def export_scene_png(scene: QtWidgets.QGraphicsScene, path, rect=None, scale: float = 2.0) -> QtCore.QSize:
    """Write a PNG; returns its size in pixels.  Raises OSError when it cannot be written."""
    image = render_scene_image(scene, rect, scale)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write the PNG image {path}")
    return image.size()


def export_scene_svg(scene: QtWidgets.QGraphicsScene, path, rect=None, title: str = "rnnviz diagram") -> None:
    """Write an SVG of the scene through QSvgGenerator."""
    src = _source(scene, rect)
    gen = QSvgGenerator()
    gen.setFileName(str(Path(path)))
    gen.setSize(QtCore.QSize(round(src.width()), round(src.height())))
    gen.setViewBox(QtCore.QRectF(0, 0, src.width(), src.height()))
    gen.setTitle(title)
    gen.setDescription("Exported by rnnviz")
    painter = QtGui.QPainter()
    if not painter.begin(gen):
        raise OSError(f"could not write the SVG file {path}")
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.fillRect(QtCore.QRectF(0, 0, src.width(), src.height()), BACKGROUND)
    scene.render(painter, QtCore.QRectF(0, 0, src.width(), src.height()), src)
    painter.end()
