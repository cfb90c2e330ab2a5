"""The cell's inside for a wide layer: every unit as one coloured cell, its number on hover.

From ``SUMMARY_FROM`` units on, eight numbers per chip would be a wall of small text
(and a window of eight hides the rest), so the cell's inside shows each vector whole as
a :class:`HeatStripItem`: strips of ``ROWS`` units side by side (units 1–8 down the
first strip, 9–16 down the next …), each unit a cell on the diagrams' one value scale,
the selected unit outlined.  Hovering a cell tells its unit and number, as plain text.
The item keeps :class:`~rnnviz.gui.diagrams.style.VectorChipItem`'s interface
(``set_values``, ``mark``, ``texts``), so the scene and the Backward mode fill it alike.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from .style import BACKGROUND, INK, VectorChipItem, pen

SUMMARY_FROM = 8  # units from which the cell's inside shows strips instead of numbers
ROWS = 8  # units down one strip
_MARK_PEN = pen(INK, 2.4)
_MARK_HALO = pen("#ffffff", 1.2)


def summary(H: int) -> bool:
    """The cell's inside shows heat strips (not numbers) for a layer of ``H`` units."""
    return H >= SUMMARY_FROM


def strip_width(H: int) -> float:
    """A vector's width: a number chip's, and wider from 5 strips on (a strip ≥ 7.75 wide up to
    128 units), as wide as a gate's box holds."""
    return max(62.0, min(124.0, 15.5 * math.ceil(H / ROWS)))


def summary_hint(H: int, unit: int) -> str:
    """The line under the strips that says how to read them."""
    order = (
        "units 1–8 down the first strip, 9–16 down the next, …" if H > ROWS else "units 1–8 down the strip"
    )
    return f"{H} units, one coloured cell each ({order}) · outlined: unit {unit + 1} · hover a cell for its number"


class HeatStripItem(VectorChipItem):
    """A vector of ``n`` units as ⌈n / ROWS⌉ strips side by side, ``width`` wide in all."""

    def __init__(self, parent, n: int, title: str = "", width: float = 62.0, cell_h: float = 17.0, name=""):
        super().__init__(parent, n, title, cell_w=width, cell_h=cell_h)
        self.columns = math.ceil(n / ROWS)
        w = width / self.columns
        self.setRect(0, 0, width, cell_h * min(n, ROWS))
        self.rects = [QtCore.QRectF((k // ROWS) * w, (k % ROWS) * cell_h, w, cell_h) for k in range(n)]
        inset = min(0.4, w / 8)  # thin strips keep most of their colour
        self._insets = [r.adjusted(inset, 0.4, -inset, -0.4) for r in self.rects]
        self.name = name  # what the hover calls the vector ("h_t", "forget f_t" …)
        self.setAcceptHoverEvents(True)

    def set_name(self, name: str) -> None:
        """The vector's name in the hover (flipped to ∂L/∂… in Backward by the scene)."""
        self.name = name

    def unit_at(self, pos: QtCore.QPointF) -> int:
        """The unit whose cell is at ``pos`` (item coordinates), -1 outside them."""
        for k, r in enumerate(self.rects):
            if r.contains(pos):
                return k
        return -1

    def unit_tip(self, k: int) -> str:
        """The hover of unit ``k``: its name, unit and number (plain text)."""
        if not 0 <= k < self.n:
            return ""
        value = self.texts[k] or "no value at this step"
        return f"{self.name}, unit {k + 1} of {self.n}: {value}"

    def hoverMoveEvent(self, event: QtWidgets.QGraphicsSceneHoverEvent) -> None:  # noqa: N802 (Qt override)
        tip = self.unit_tip(self.unit_at(event.pos()))
        if tip != self.toolTip():
            self.setToolTip(tip)
        super().hoverMoveEvent(event)

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt override)
        return self.rect().adjusted(-3, -3, 3, 3)  # the selected unit's outline may stand out

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:  # noqa: ARG002 (Qt override)
        painter.fillRect(self.rect(), BACKGROUND)  # the paper's lines between the cells
        for r, colour in zip(self._insets, self.colours, strict=True):
            painter.fillRect(r, colour)
        if 0 <= self.marked < self.n:  # dark outline in a white halo: seen on any colour
            r = self.rects[self.marked]
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_MARK_HALO)
            painter.drawRect(r.adjusted(-1.6, -1.6, 1.6, 1.6))
            painter.setPen(_MARK_PEN)
            painter.drawRect(r)
