"""Wide antialiased curves drawn fast: as line segments in device pixels.

Qt's raster engine strokes a wide antialiased polyline as one polygon: about 9 ms for a
61-step zigzag (a tanh unit that flips sign every step), at any width from 1.6 px, and
a tenth of a second for the Plots view of a run that oscillates.  The same line drawn
as separate segments with square caps takes 0.2 ms — but only untransformed: through
the view's scaling transform Qt strokes each segment as a polygon again (3 ms).  So a
:class:`FastCurveItem` maps its segments to device pixels itself and draws them with
the painter's transform reset (its pens are cosmetic: their width is in pixels anyway).

Segments overlap at their joins, which shows only where the pen is translucent: the
fast path is taken for solid, opaque pens wider than a pixel (faded lines are made
opaque by :func:`~rnnviz.gui.plots.style.faded_colour`).  Any other curve, a fill, a
shadow, a rotated view or an export is drawn by pyqtgraph as before.  Measured by
``benchmarks/bench_appearance.py``; checked against pyqtgraph's own drawing by
``tests/gui/test_fast_curve.py`` (the joins' corners may differ: at most 4 % of the pixels drawn).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.PlotCurveItem import arrayToLineSegments
from PySide6 import QtCore, QtGui

_T = QtGui.QTransform.TransformationType
_SCALE_AT_MOST = (_T.TxNone, _T.TxTranslate, _T.TxScale)  # no rotation, shear or projection


def fast_segments(pen: QtGui.QPen | None) -> bool:
    """Whether a curve drawn with ``pen`` can be drawn as separate segments unseen."""
    return (
        pen is not None
        and pen.widthF() > 1.0
        and pen.isCosmetic()
        and pen.style() == QtCore.Qt.PenStyle.SolidLine
        and pen.isSolid()
        and pen.color().alpha() == 255
    )


class FastCurveItem(pg.PlotCurveItem):
    """A :class:`pyqtgraph.PlotCurveItem` whose wide opaque lines are drawn as segments
    in device pixels (see the module doc); everything else is pyqtgraph's own paint."""

    _device_segments = None

    def paint(self, p: QtGui.QPainter, opt, widget) -> None:
        o = self.opts
        pen = o["pen"]
        t = p.transform()
        if (
            self.xData is None
            or len(self.xData) < 2
            or not fast_segments(pen)
            or o["shadowPen"] is not None
            or o["fillLevel"] is not None
            or o["stepMode"]
            or o["compositionMode"] is not None
            or self._exportOpts is not False
            or t.type() not in _SCALE_AT_MOST
        ):
            super().paint(p, opt, widget)
            return
        x, y = self.getData()  # as shown: downsampled and clipped to the view
        if self._device_segments is None:
            self._device_segments = pg.Qt.internals.PrimitiveArray(QtCore.QLineF, 4)
        with np.errstate(invalid="ignore", over="ignore"):
            X = x * t.m11() + t.dx()
            Y = y * t.m22() + t.dy()
        segments = arrayToLineSegments(
            X, Y, connect=o["connect"], finiteCheck=not o["skipFiniteCheck"], out=self._device_segments
        )
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, bool(o["antialias"]))
        p.setPen(pen)
        p.drawLines(*segments.drawargs())
        p.restore()


class FastPlotDataItem(pg.PlotDataItem):
    """A :class:`pyqtgraph.PlotDataItem` whose line is a :class:`FastCurveItem`.

    pyqtgraph's item builds its own ``PlotCurveItem`` and has no way to ask for another
    class: this one replaces it, wired as pyqtgraph wires its own, before any data."""

    def __init__(self, *args, **kwargs):
        super().__init__()  # no data yet: the curve is replaced first
        plain = self.curve
        plain.sigClicked.disconnect(self.sigClicked)
        plain.setParentItem(None)  # Python owns it again: deleted when this returns
        self.curve = FastCurveItem()
        self.curve.setParentItem(self)
        self.curve.stackBefore(self.scatter)  # as pyqtgraph's: the dots on top, the first to take a click
        self.curve.sigClicked.connect(self.sigClicked)
        self.setCurveClickable(kwargs.get("clickable", False))
        self.setData(*args, **kwargs)
