"""The unrolled diagram's layout and its recyclable items: a column per step, the scene.

A column's items are built once and re-assigned to another step when the view
scrolls (see :class:`~rnnviz.gui.diagrams.unrolled.UnrolledDiagram`).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..theme import C, current_theme
from .style import (
    BACKGROUND,
    HIGHLIGHT,
    INK,
    MUTED,
    WIRE,
    ArrowItem,
    box,
    font,
    label,
    pen,
    place,
    value_rgb32,
)

DX, DY = 150.0, 120.0  # column and row pitch
CW, CH = 100.0, 54.0  # cell box
IO_H = 44.0  # input / output boxes
POOL_MAX = 48  # most columns ever shown at once (zoom-out is limited to this)
POOL_ALL = 128  # up to this many columns, each step keeps its own: a jump scrolls, nothing is refilled
STRIP_MAX = 8
SUB = str.maketrans("0123456789()-", "₀₁₂₃₄₅₆₇₈₉₍₎₋")


def sub(n: int) -> str:
    return str(n).translate(SUB)


class UnrolledLayout:
    """Where everything sits, from the network's structure (scene coordinates, column-local x)."""

    def __init__(self, L: int, D: int, head: bool):
        self.L, self.D, self.head = L, D, head
        self.y_in = 0.0
        self.rows = {(l, d): -DY * (1 + l * D + d) for l in range(L) for d in range(D)}
        self.concat = {l: self.rows[(l, 1)] - CH / 2 - 30 for l in range(L)} if D == 2 else {}
        self.y_head = -DY * (1 + L * D) - (20 if D == 2 else 0)

    def source(self, l: int) -> tuple[float, float]:
        """The point the input of layer ``l`` comes from (column-local)."""
        if l == 0:
            return (0.0, self.y_in - IO_H / 2)
        if self.D == 2:
            return (0.0, self.concat[l - 1] - 7)
        return (0.0, self.rows[(l - 1, 0)] - CH / 2)

    def input_path(self, l: int, d: int) -> list:
        sx, sy = self.source(l)
        y = self.rows[(l, d)]
        if d == 0:
            return [(sx, sy), (0.0, y + CH / 2)]
        yb, bx = y + CH / 2 + 16, CW / 2 + 14  # around the forward cell, on its right
        return [(4.0, sy), (4.0, sy - 8), (bx, sy - 8), (bx, yb), (8.0, yb), (8.0, y + CH / 2)]

    def output_paths(self, l: int) -> list[list]:
        if self.D == 1:
            return []
        yf, yb, yc = self.rows[(l, 0)], self.rows[(l, 1)], self.concat[l]
        bx = -CW / 2 - 14
        left = [(-8.0, yf - CH / 2), (-8.0, yf - CH / 2 - 14), (bx, yf - CH / 2 - 14), (bx, yc), (-8.0, yc)]
        return [left, [(0.0, yb - CH / 2), (0.0, yc + 8)]]

    def recurrent_path(self, l: int, d: int) -> list:
        y = self.rows[(l, d)]
        if d == 0:
            return [(-DX + CW / 2, y), (-CW / 2 - 2, y)]
        return [(DX - CW / 2, y), (CW / 2 + 2, y)]

    def head_path(self) -> list:
        top = self.concat[self.L - 1] - 7 if self.D == 2 else self.rows[(self.L - 1, 0)] - CH / 2
        return [(0.0, top), (0.0, self.y_head + IO_H / 2 + 1)]


def strip_pixmap(colours: np.ndarray, n: int) -> QtGui.QPixmap:
    """A strip's pixmap: four pixels per unit (colours as 0xAARRGGBB), then one white
    separator pixel; ``n`` units wide (missing units stay white)."""
    pixels = np.full(5 * max(n, 1), 0xFFFFFFFF, dtype=np.uint32)
    cells = pixels[: 5 * len(colours)].reshape(-1, 5)  # a view: writes go to pixels
    cells[:, :4] = colours[:, None]
    row = pixels[:-1].tobytes()  # the last separator is not drawn
    image = QtGui.QImage(row, pixels.size - 1, 1, QtGui.QImage.Format.Format_RGB32)
    return QtGui.QPixmap.fromImage(image)  # copies the pixels


class StripItem(QtWidgets.QGraphicsPixmapItem):
    """A row of coloured cells, one per shown unit, as one scaled pixmap (one item, not n)."""

    def __init__(self, parent, n: int, x: float, y: float, w: float, h: float):
        super().__init__(parent)
        self.n = max(n, 1)
        self.setTransformationMode(Qt.TransformationMode.FastTransformation)
        self.setShapeMode(QtWidgets.QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.setPos(x, y)
        self.setTransform(QtGui.QTransform.fromScale(w / (5 * self.n - 1), h))
        self._shown = None  # the pixmap last set (pixmaps are cached per step by the diagram)

    def set_values(self, vals) -> None:
        self.set_rgb(value_rgb32(np.asarray(vals, dtype=float)[: self.n]))

    def set_rgb(self, colours: np.ndarray) -> None:
        self.show_pixmap(strip_pixmap(colours[: self.n], self.n))

    def show_pixmap(self, pm: QtGui.QPixmap) -> None:
        """Show ``pm`` (from :func:`strip_pixmap`); nothing to do when it is already shown."""
        if pm is not self._shown:
            self._shown = pm
            self.setPixmap(pm)


class ColumnItems:
    """Every item of one column; re-assigned to another step as the view scrolls."""

    def __init__(self, scene: UnrolledScene, lay: UnrolledLayout, n_units: int, n_in: int, n_out: int):
        self.t = -1
        self.styled: tuple = ()  # ((layer, direction), is_current) its borders were last drawn for
        self.dashed: dict = {}  # (layer, direction) -> its cell's border is dashed (an initial state)
        self.group = QtWidgets.QGraphicsRectItem(0, 0, 0, 0)
        self.group.setPen(Qt.PenStyle.NoPen)
        self.group.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)  # never painted
        self.group.setVisible(False)  # until a step is assigned: unassigned columns all sit at x = 0
        scene.addItem(self.group)
        g = self.group
        self.cells, self.strips, self.labels, self.rec, self.inp = {}, {}, {}, {}, {}
        for (l, d), y in lay.rows.items():
            self.cells[(l, d)] = box(g, QtCore.QRectF(-CW / 2, y - CH / 2, CW, CH), C.empty, WIRE, 1.5)
            self.labels[(l, d)] = QtWidgets.QGraphicsSimpleTextItem(g)
            self.labels[(l, d)].setFont(font(11, bold=True))
            self.labels[(l, d)].setBrush(INK)
            self.labels[(l, d)].setPos(-CW / 2 + 6, y - CH / 2 + 3)
            self.strips[(l, d)] = StripItem(g, n_units, -CW / 2 + 6, y + 2, CW - 12, CH / 2 - 8)
            self.rec[(l, d)] = ArrowItem(g, lay.recurrent_path(l, d), 5.0, casing=True)
            self.inp[(l, d)] = ArrowItem(g, lay.input_path(l, d), 3.0, casing=True)
        self.outs = [ArrowItem(g, p, 3.0, casing=True) for l in range(lay.L) for p in lay.output_paths(l)]
        self.nodes = []
        for yc in lay.concat.values():
            node = QtWidgets.QGraphicsEllipseItem(-7, yc - 7, 14, 14, g)
            node.setBrush(QtGui.QColor(C.node))
            node.setPen(pen(WIRE, 1.5))
            node.setToolTip("[h→; h←]: both directions' states side by side (concatenated)")
            self.nodes.append(node)
        self.x_box = box(g, QtCore.QRectF(-CW / 2, lay.y_in - IO_H / 2, CW, IO_H), C.io_fill, MUTED, 1.2)
        self.x_text = QtWidgets.QGraphicsSimpleTextItem(g)
        self.x_text.setFont(font(11))
        self.x_text.setBrush(INK)
        self.x_text.setPos(-CW / 2 + 6, lay.y_in - IO_H / 2 + 2)
        self.x_strip = StripItem(g, min(n_in, STRIP_MAX), -CW / 2 + 6, lay.y_in + 4, CW - 12, 12)
        self.items_x = [self.x_box, self.x_text, self.x_strip]
        self.head = None
        if lay.head:
            self.y_box = box(
                g, QtCore.QRectF(-CW / 2, lay.y_head - IO_H / 2, CW, IO_H), C.io_fill, MUTED, 1.2
            )
            self.y_text = QtWidgets.QGraphicsSimpleTextItem(g)
            self.y_text.setFont(font(11))
            self.y_text.setBrush(INK)
            self.y_text.setPos(-CW / 2 + 6, lay.y_head - IO_H / 2 + 2)
            self.y_strip = StripItem(g, min(n_out, STRIP_MAX), -CW / 2 + 6, lay.y_head + 4, CW - 12, 12)
            self.head = ArrowItem(g, lay.head_path(), 3.0, casing=True)
            self.items_y = [self.y_box, self.y_text, self.y_strip]
        for item in g.childItems():  # most columns do not change on a step: paint them from a cache
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


class UnrolledScene(QtWidgets.QGraphicsScene):
    """The unrolled network; only the pool's columns have items."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.structure: tuple = ()
        self.columns: list[ColumnItems] = []
        self.keep: list = []
        self.row_labels: list[QtWidgets.QGraphicsTextItem] = []  # pinned to the view's left edge
        self.label_left = 0.0

    def build(self, trace, shape: str, pool: int) -> None:
        net = trace.network
        self.keep, self.columns, self.row_labels = [], [], []  # first: clear() may scroll the view
        self.clear()
        L, D, T, H = net.num_layers, net.num_directions, trace.steps, net.hidden_size
        self.lay = lay = UnrolledLayout(L, D, net.has_head)
        self.T, self.D, self.L, self.shape = T, D, L, shape
        self.structure = (net.mode, H, L, D, T, net.has_head, shape, net.input_size, net.spec.output_size)
        self.band = QtWidgets.QGraphicsRectItem(-DX / 2, lay.y_head - IO_H, DX, -lay.y_head + IO_H * 2)
        band = QtGui.QColor(HIGHLIGHT)
        band.setAlpha(34 if not current_theme().is_dark else 60)
        self.band.setBrush(band)
        self.band.setPen(Qt.PenStyle.NoPen)
        self.band.setZValue(-10)
        self.addItem(self.band)
        n_units = min(H, STRIP_MAX)
        out = net.spec.output_size
        self.columns = [ColumnItems(self, lay, n_units, net.input_size, out) for _ in range(min(pool, T + D))]
        left = self.label_left = -DX * 0.5 - 150
        for (l, d), y in lay.rows.items():
            self._row_label(
                f"layer {l + 1} {'→' if d == 0 else '←'}" if (L > 1 or D > 1) else "hidden h", left, y
            )
        self._row_label("input x", left, lay.y_in)
        if lay.head:
            self._row_label("output y", left, lay.y_head)
        top = lay.y_head - IO_H if lay.head else min(lay.rows.values()) - CH
        r = QtCore.QRectF(left - 10, top - 20, (T + D) * DX + 190, lay.y_in + IO_H + 30 - top)
        # a white gutter under the pinned names, so no sliver of a half-shown column
        # peeks out beside them; its edge line shows only while the chain is scrolled
        width = max(t.boundingRect().width() for t in self.row_labels) + 12
        self.gutter = QtWidgets.QGraphicsRectItem(0, r.top(), width, r.height())
        self.gutter.setBrush(QtGui.QColor(BACKGROUND))
        self.gutter.setPen(Qt.PenStyle.NoPen)
        self.gutter.setZValue(29)
        self.gutter_edge = QtWidgets.QGraphicsLineItem(width, r.top(), width, r.bottom(), self.gutter)
        self.gutter_edge.setPen(pen(MUTED, 1.0))
        self.gutter_edge.setVisible(False)
        self.addItem(self.gutter)
        self.keep += [self.gutter, self.gutter_edge]
        self.gutter.setX(left - 6)
        self.setSceneRect(r)  # last: it may scroll the view, which pins the names

    def _row_label(self, text: str, x: float, y: float) -> None:
        # on white: when the view scrolls along the chain, the labels stay at its left edge
        # over whatever column is there
        t = label(None, f"<b style='background-color:{BACKGROUND.name()}'>&nbsp;{text}&nbsp;</b>", 12, INK)
        t.setZValue(30)
        t.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)  # painted every step
        self.addItem(t)
        place(t, x, y, "w")
        self.keep.append(t)
        self.row_labels.append(t)

    def pin_row_labels(self, visible_left: float) -> None:
        """Keep the row names in view: at their place, or at the left edge of what is shown."""
        x = max(self.label_left, visible_left + 4)
        for t in self.row_labels:
            if t.x() != x:
                t.setX(x)
        if self.gutter.x() != x - 6:
            self.gutter.setX(x - 6)
            self.gutter_edge.setVisible(x > self.label_left)
