"""Scene export to PNG (QImage) and SVG (QSvgGenerator).

pyqtgraph 0.14's SVG exporter crashes on Qt ≥ 6.11, so SVG goes through QtSvg's
generator and a QPainter on the scene itself.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt
from PySide6.QtSvg import QSvgGenerator

from .gradients import LEGEND_TEXT as GRAD_LEGEND_TEXT
from .gradients import paint_grad_legend
from .style import BACKGROUND, INK, font, paint_legend

MARGIN = 12.0
LEGEND_H = 40.0  # the colour scale under an exported diagram (scene units)
LEGEND_TEXT = "value colour · arrows: the mean of the vector they carry · strips: one cell per unit"


def _legend_words(legend) -> str:
    """``legend``: True (the values' colour scale) or "gradient" (the Backward mode's)."""
    return GRAD_LEGEND_TEXT if legend == "gradient" else LEGEND_TEXT


def _legend_text_rect(width: float, legend=True) -> QtCore.QRectF:
    """Where the legend's words go: beside the colour scale, or under it (wrapped)
    when the picture is too narrow for one line."""
    metrics = QtGui.QFontMetricsF(font(9))
    words = _legend_words(legend)
    beside = QtCore.QRectF(MARGIN + 196, 4, max(width - MARGIN - 196 - MARGIN, 0), 20)
    if metrics.horizontalAdvance(words) <= beside.width():
        return beside
    inner = max(width - 2 * MARGIN, 60.0)
    flags = int(Qt.TextFlag.TextWordWrap)
    h = metrics.boundingRect(QtCore.QRectF(0, 0, inner, 1e4), flags, words).height()
    return QtCore.QRectF(MARGIN, 38, inner, h + 2)


def legend_height(width: float, legend=True) -> float:
    """The strip the legend needs under a picture ``width`` scene units wide."""
    return max(LEGEND_H, _legend_text_rect(width, legend).bottom() + 6)


def _paint_legend_strip(painter: QtGui.QPainter, top: float, width: float, legend=True) -> None:
    """The diagrams' colour scale and what it means, under the drawing: an exported
    picture explains its colours without the app's toolbar."""
    (paint_grad_legend if legend == "gradient" else paint_legend)(painter, MARGIN, top + 4, 180, 14)
    painter.setPen(QtGui.QColor(INK))
    painter.setFont(font(9))
    rect = _legend_text_rect(width, legend).translated(0, top)
    align = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    painter.drawText(rect, align, _legend_words(legend))


@contextmanager
def _uncached(scene: QtWidgets.QGraphicsScene):
    """Items paint themselves, not their cached pixmaps, while the scene is exported:
    an SVG gets real text and lines, and a PNG is drawn afresh at its own scale."""
    none = QtWidgets.QGraphicsItem.CacheMode.NoCache
    cached = [(item, item.cacheMode()) for item in scene.items() if item.cacheMode() != none]
    for item, _ in cached:
        item.setCacheMode(none)
    try:
        yield
    finally:
        for item, mode in cached:
            item.setCacheMode(mode)


def _source(scene: QtWidgets.QGraphicsScene, rect: QtCore.QRectF | None) -> QtCore.QRectF:
    r = QtCore.QRectF(rect) if rect is not None else scene.itemsBoundingRect()
    return r.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def render_scene_image(
    scene: QtWidgets.QGraphicsScene,
    rect: QtCore.QRectF | None = None,
    scale: float = 2.0,
    legend: bool | str = False,
) -> QtGui.QImage:
    """The scene (or ``rect`` of it) as an image, ``scale`` pixels per scene unit;
    ``legend`` adds the colour scale in a strip under it ("gradient": the Backward one)."""
    src = _source(scene, rect)
    extra = legend_height(src.width(), legend) if legend else 0.0
    size = QtCore.QSize(max(1, round(src.width() * scale)), max(1, round((src.height() + extra) * scale)))
    image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QtGui.QPainter(image)
    painter.setRenderHints(
        QtGui.QPainter.RenderHint.Antialiasing | QtGui.QPainter.RenderHint.TextAntialiasing
    )
    with _uncached(scene):
        scene.render(painter, QtCore.QRectF(0, 0, src.width() * scale, src.height() * scale), src)
    if legend:
        painter.scale(scale, scale)
        _paint_legend_strip(painter, src.height(), src.width(), legend)
    painter.end()
    return image


def export_scene_png(
    scene: QtWidgets.QGraphicsScene, path, rect=None, scale: float = 2.0, legend: bool | str = False
) -> QtCore.QSize:
    """Write a PNG; returns its size in pixels.  Raises OSError when it cannot be written."""
    image = render_scene_image(scene, rect, scale, legend)
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write the PNG image {path}")
    return image.size()


def export_scene_svg(
    scene: QtWidgets.QGraphicsScene,
    path,
    rect=None,
    title: str = "rnnviz diagram",
    legend: bool | str = False,
) -> None:
    """Write an SVG of the scene through QSvgGenerator (``legend``: as in PNG)."""
    src = _source(scene, rect)
    height = src.height() + (legend_height(src.width(), legend) if legend else 0.0)
    gen = QSvgGenerator()
    gen.setFileName(str(Path(path)))
    gen.setSize(QtCore.QSize(round(src.width()), round(height)))
    gen.setViewBox(QtCore.QRectF(0, 0, src.width(), height))
    gen.setTitle(title)
    gen.setDescription("Exported by rnnviz")
    painter = QtGui.QPainter()
    if not painter.begin(gen):
        raise OSError(f"could not write the SVG file {path}")
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.fillRect(QtCore.QRectF(0, 0, src.width(), height), BACKGROUND)
    with _uncached(scene):
        scene.render(painter, QtCore.QRectF(0, 0, src.width(), src.height()), src)
    if legend:
        _paint_legend_strip(painter, src.height(), src.width(), legend)
    painter.end()
