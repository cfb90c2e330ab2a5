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
# an LSTM's bands: the c_t chip above the cell, the output wire right of it
DY_C = 160.0  # row pitch with a c row
C_H, C_GAP = 38.0, 22.0  # the c chip's height, and its gap above the cell
C_LEFT, C_RIGHT = -CW / 2, CW / 2 - 26  # the c chip's sides
C_OUT_X = CW / 2 - 12  # the output wire, past the c chip's right side
SUB = str.maketrans("0123456789()-", "₀₁₂₃₄₅₆₇₈₉₍₎₋")


def sub(n: int) -> str:
    return str(n).translate(SUB)


class UnrolledLayout:
    """Where everything sits, from the network's structure (scene coordinates, column-local x).

    An LSTM (``cell_state``) gives each layer/direction band a second row: its cell
    state c_t as a chip above the cell, chained c_{t−1} → c_t as h is.  Its bands are
    taller (``dy``), and a cell's output leaves its top at ``out_x``, right of the c chip,
    as h_t leaves colah's LSTM cell on the right.  Every other cell keeps the plain layout.
    """

    def __init__(self, L: int, D: int, head: bool, cell_state: bool = False):
        self.L, self.D, self.head = L, D, head
        self.dy = DY_C if cell_state else DY
        self.out_x = C_OUT_X if cell_state else 0.0  # where h_t leaves the cell's top
        self.y_in = 0.0
        # the first cell sits DY above the inputs, as every cell does; the bands are dy apart
        self.rows = {(l, d): -DY - self.dy * (l * D + d) for l in range(L) for d in range(D)}
        # the c_t chips' centres (an LSTM only): above the cell, left of the output wire
        self.c_rows = {k: y - CH / 2 - C_GAP - C_H / 2 for k, y in self.rows.items()} if cell_state else {}
        if D == 2:  # the [h→; h←] node above the backward row (above its c chips)
            above = {l: self.c_rows[(l, 1)] - C_H / 2 - 18 for l in range(L)} if cell_state else {}
            self.concat = above or {l: self.rows[(l, 1)] - CH / 2 - 30 for l in range(L)}
        else:
            self.concat = {}
        self.y_head = self.rows[(L - 1, D - 1)] - self.dy - (20 if D == 2 else 0)
        self.head_x = self.out_x if D == 1 else 0.0  # where the head's wire runs
        # the top of the highest band's boxes (its c chips, or its cells)
        self.top = min(self.c_rows.values()) - C_H / 2 if cell_state else min(self.rows.values()) - CH / 2

    def source(self, l: int) -> tuple[float, float]:
        """The point the input of layer ``l`` comes from (column-local)."""
        if l == 0:
            return (0.0, self.y_in - IO_H / 2)
        if self.D == 2:
            return (0.0, self.concat[l - 1] - 7)
        return (self.out_x, self.rows[(l - 1, 0)] - CH / 2)

    def input_path(self, l: int, d: int) -> list:
        sx, sy = self.source(l)
        y = self.rows[(l, d)]
        if d == 0:
            return [(sx, sy), (sx, y + CH / 2)]
        yb, bx = y + CH / 2 + 16, CW / 2 + 14  # around the forward cell, on its right
        return [(4.0, sy), (4.0, sy - 8), (bx, sy - 8), (bx, yb), (8.0, yb), (8.0, y + CH / 2)]

    def output_paths(self, l: int) -> list[list]:
        if self.D == 1:
            return []
        yf, yb, yc = self.rows[(l, 0)], self.rows[(l, 1)], self.concat[l]
        bx = -CW / 2 - 14
        left = [(-8.0, yf - CH / 2), (-8.0, yf - CH / 2 - 14), (bx, yf - CH / 2 - 14), (bx, yc), (-8.0, yc)]
        if self.out_x:  # past the backward c chip on its right, into the node's right side
            return [left, [(self.out_x, yb - CH / 2), (self.out_x, yc), (8.0, yc)]]
        return [left, [(0.0, yb - CH / 2), (0.0, yc + 8)]]

    def recurrent_path(self, l: int, d: int) -> list:
        y = self.rows[(l, d)]
        if d == 0:
            return [(-DX + CW / 2, y), (-CW / 2 - 2, y)]
        return [(DX - CW / 2, y), (CW / 2 + 2, y)]

    def c_rect(self, l: int, d: int) -> QtCore.QRectF:
        """The c_t chip of band (l, d) (column-local)."""
        return QtCore.QRectF(C_LEFT, self.c_rows[(l, d)] - C_H / 2, C_RIGHT - C_LEFT, C_H)

    def c_path(self, l: int, d: int) -> list:
        """c_{t−1} → c_t (a backward direction: c_{t+1} → c_t), chip edge to chip edge."""
        y = self.c_rows[(l, d)]
        if d == 0:
            return [(-DX + C_RIGHT, y), (C_LEFT - 2, y)]
        return [(DX + C_LEFT, y), (C_RIGHT + 2, y)]

    def head_path(self) -> list:
        top = self.concat[self.L - 1] - 7 if self.D == 2 else self.rows[(self.L - 1, 0)] - CH / 2
        return [(self.head_x, top), (self.head_x, self.y_head + IO_H / 2 + 1)]


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


C_ROW_TIP = (
    "c_t: the LSTM's cell state (torch: c, as in (h_n, c_n)), its long-term memory. "
    "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t: the forget gate keeps part of the old cell state, "
    "the input gate writes part of the candidate; h_t = o_t ⊙ tanh(c_t) is what the cell shows."
)


class CellStateColumn:
    """The c row items of one pooled column: per band a chip (box, name, strip) and its arrow."""

    def __init__(self, group: QtWidgets.QGraphicsItem, lay: UnrolledLayout, n_units: int):
        # (the column caches these items' paint with the rest of its items)
        self.boxes, self.labels, self.strips, self.arrows = {}, {}, {}, {}
        self.links: dict = {}
        self.grad_arrows, self.grad_texts = {}, {}
        self.dashed: dict = {}
        self.back_on = False
        self.levels: dict = {}  # grad arrow -> the level (or -1: cut) it shows
        for key in lay.c_rows:
            r = lay.c_rect(*key)
            self.boxes[key] = b = box(group, r, C.empty, WIRE, 1.5, radius=6.0)
            self.labels[key] = t = QtWidgets.QGraphicsSimpleTextItem(group)
            t.setFont(font(11, bold=True))
            t.setBrush(INK)
            t.setPos(r.left() + 5, r.top() + 1)
            self.strips[key] = StripItem(group, n_units, r.left() + 5, r.top() + 21, r.width() - 10, C_H - 26)
            # the chip belongs to the cell below it: h_t = o_t ⊙ tanh(c_t) is read from it
            link = QtWidgets.QGraphicsLineItem(
                r.center().x(), r.bottom(), r.center().x(), r.bottom() + C_GAP, group
            )
            link.setPen(pen(MUTED, 1.4, Qt.PenStyle.DotLine))
            link.setToolTip("c_t and h_t come out of the same cell: h_t = o_t ⊙ tanh(c_t)")
            self.links[key] = link
            self.arrows[key] = ArrowItem(group, lay.c_path(*key), 5.0, casing=True)
            g = QtWidgets.QGraphicsPathItem(group)
            g.setPen(Qt.PenStyle.NoPen)
            g.setZValue(1)
            g.setVisible(False)
            self.grad_arrows[key] = g
            gt = QtWidgets.QGraphicsSimpleTextItem(group)
            gt.setFont(font(9.5))
            gt.setBrush(QtGui.QColor("#1a1a1a"))
            gt.setPos(r.left() + 5, r.top() + 21)
            gt.setVisible(False)
            self.grad_texts[key] = gt
            b.setToolTip(C_ROW_TIP)

    def set_dashed(self, key, dashed: bool) -> None:
        """An initial state's chip (c₀ start) is dashed, as its cell is."""
        if self.dashed.get(key, False) != dashed:
            self.dashed[key] = dashed
            p = self.boxes[key].pen()
            p.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            self.boxes[key].setPen(p)


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
        self.cstate = CellStateColumn(g, lay, n_units) if lay.c_rows else None  # an LSTM's c row
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
        self.lay = lay = UnrolledLayout(L, D, net.has_head, cell_state=net.mode == "lstm")
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
        for (l, d), y in lay.c_rows.items():
            self._row_label(
                f"layer {l + 1} {'→' if d == 0 else '←'} c" if (L > 1 or D > 1) else "cell state c",
                left,
                y,
                C_ROW_TIP,
            )
        self._row_label("input x", left, lay.y_in)
        if lay.head:
            self._row_label("output y", left, lay.y_head)
        top = lay.y_head - IO_H if lay.head else lay.top - CH / 2
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

    def _row_label(self, text: str, x: float, y: float, tip: str = "") -> None:
        # on white: when the view scrolls along the chain, the labels stay at its left edge
        # over whatever column is there
        t = label(None, f"<b style='background-color:{BACKGROUND.name()}'>&nbsp;{text}&nbsp;</b>", 12, INK)
        t.setZValue(30)
        t.setToolTip(tip)
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
