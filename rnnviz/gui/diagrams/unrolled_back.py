"""The unrolled chain in Backward: ∂L/∂h_t flowing right to left.

:class:`BackwardOverlay` adds a few items to every pooled column, once per
structure (the first time Backward is switched on): a reversed recurrent arrow
per row, whose colour and width show ‖∂L/∂h_t‖ on the log scale of
:mod:`.gradients`; the norm as a number in each cell; the error entering at the
head; and a dashed "gradient cut" line at each truncated-BPTT window edge.
Filling a column only swaps shared paths and colours, as the forward fill does.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from .gradients import CUT_TIP, GRAD_LUT, LEVELS, grad_fmt, grad_level, grad_width, tint
from .style import MUTED, arrow_outline, font, pen
from .unrolled_items import CH, CW, DX, IO_H, ColumnItems, UnrolledLayout, sub

CUT_COLOUR = QtGui.QColor("#b0b0b0")  # an arrow across a cut: the gradient does not pass
DIM = 0.22  # the forward (vertical) wires' opacity while the backward flow is shown
_WHITE = QtGui.QColor("#ffffff")


def back_path(lay: UnrolledLayout, l: int, d: int) -> list:
    """The recurrent wire reversed: from this step's cell back to the one it read."""
    y = lay.rows[(l, d)]
    if d == 0:
        return [(-CW / 2, y), (-DX + CW / 2 + 2, y)]
    return [(CW / 2, y), (DX - CW / 2 - 2, y)]


def is_cut(t: int, d: int, T: int, k: int) -> bool:
    """Truncated BPTT (``k`` steps a window, 0: none) cuts the recurrent wire into step t."""
    return k > 0 and ((d == 0 and 1 < t <= T and (t - 1) % k == 0) or (d == 1 and 1 <= t < T and t % k == 0))


def level_paths(points) -> list[QtGui.QPainterPath]:
    """The arrow's outline at every level's width (shared by every column of a row)."""
    return [arrow_outline(points, grad_width(k), 5.0 + 1.3 * grad_width(k)) for k in range(LEVELS)]


TINTS = [tint(c, 0.3) for c in GRAD_LUT]  # a cell's fill shows the level, its text stays readable


class BackColumn:
    """The backward items of one pooled column."""

    def __init__(self, col: ColumnItems, lay: UnrolledLayout, top: float, bottom: float):
        g = col.group
        self.on = False
        self.levels: dict = {}  # item -> the level (or -1: cut) it shows
        self.arrows, self.texts = {}, {}
        for (l, d), y in lay.rows.items():
            a = QtWidgets.QGraphicsPathItem(g)
            a.setPen(Qt.PenStyle.NoPen)
            a.setZValue(1)
            self.arrows[(l, d)] = a
            t = QtWidgets.QGraphicsSimpleTextItem(g)
            t.setFont(font(8.5))
            t.setBrush(QtGui.QColor("#1a1a1a"))
            t.setPos(-CW / 2 + 6, y + 4)
            self.texts[(l, d)] = t
        self.head = None
        if lay.head:
            self.head = QtWidgets.QGraphicsPathItem(g)
            self.head.setPen(Qt.PenStyle.NoPen)
            self.head.setZValue(1)
        self.cut = QtWidgets.QGraphicsLineItem(-DX / 2, top, -DX / 2, bottom, g)
        self.cut.setPen(pen(MUTED, 1.6, Qt.PenStyle.DashLine))
        self.cut.setZValue(5)
        self.cut.setToolTip(CUT_TIP)
        self.cut_label = QtWidgets.QGraphicsSimpleTextItem("gradient cut", g)
        self.cut_label.setFont(font(9, bold=True))
        self.cut_label.setBrush(MUTED)
        r = self.cut_label.boundingRect()
        self.cut_label.setPos(-DX / 2 - r.width() / 2, top - r.height() - 2)
        self.items = [*self.arrows.values(), *self.texts.values(), self.cut, self.cut_label]
        self.items += [self.head] if self.head is not None else []
        for item in self.items:
            item.setVisible(False)
            item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def hide(self) -> None:
        for item in self.items:
            if item.isVisible():
                item.setVisible(False)


class BackwardOverlay:
    """∂L/∂h_t on the unrolled chain (see the module docstring)."""

    def __init__(self) -> None:
        self.on = False
        self.window = 0  # truncated BPTT: k steps per window, 0 for none
        self.built: tuple = ()  # (id of the columns list, structure) the items were built for
        self.levels: dict = {}

    # -- structure -------------------------------------------------------------------
    def ensure_built(self, scene) -> None:
        key = (id(scene.columns), scene.structure)
        if self.built == key:
            return
        lay = scene.lay
        self.paths = {key_: level_paths(back_path(lay, *key_)) for key_ in lay.rows}
        top = lay.y_head - IO_H / 2 if lay.head else lay.top
        bottom = lay.y_in + IO_H / 2
        self.head_paths = (
            level_paths([(lay.head_x, lay.y_head + IO_H / 2), (lay.head_x, self._head_end(lay))])
            if lay.head
            else []
        )
        for col in scene.columns:
            col.back = BackColumn(col, lay, top, bottom)
        self.built = key

    @staticmethod
    def _head_end(lay: UnrolledLayout) -> float:
        top = lay.concat[lay.L - 1] - 7 if lay.D == 2 else lay.rows[(lay.L - 1, 0)] - CH / 2
        return top - 2

    # -- data ------------------------------------------------------------------------
    def set_data(self, trace, grads) -> None:
        """Levels and numbers of every column (index t = 0 … T+1, as the columns), once."""
        net = trace.network
        T, L, D = trace.steps, net.num_layers, net.num_directions
        h0 = np.asarray(grads["h0"]).reshape(L * D, -1)  # [L·D, H]
        self.norms, self.levels = {}, {}
        for l in range(L):
            for d in range(D):
                n = np.empty(T + 2)
                n[1 : T + 1] = grads.dh_norm(l, d)  # [T]
                n[0] = n[T + 1] = np.linalg.norm(h0[l * D + d])  # the initial state's share
                self.norms[(l, d)] = n
                self.levels[(l, d)] = grad_level(n)
        self.head_norms = None
        if grads.d_logits is not None:
            hn = np.zeros(T + 2)
            hn[1 : T + 1] = np.linalg.norm(np.asarray(grads.d_logits), axis=1)  # [T]
            self.head_norms = hn
        self.T, self.D = T, D

    # -- a column --------------------------------------------------------------------
    def fill(self, col: ColumnItems, t: int, shape: str) -> None:
        """Show column ``col`` (step t) in Backward, or restore its forward look."""
        back = getattr(col, "back", None)
        if back is None:
            return
        if not self.on:
            if back.on:
                back.on = False
                back.hide()
                self._forward_look(col, True)
            return
        back.on = True
        T = self.T
        real = 1 <= t <= T
        k = self.window
        self._forward_look(col, False)
        for (l, d), arrow in back.arrows.items():
            init = (t == 0 and d == 0) or (t == T + 1 and d == 1)
            cut = is_cut(t, d, T, k)
            self._arrow(back, arrow, self.paths[(l, d)], self.levels[(l, d)][t], real, cut)
            if real:
                prev = t - 1 if d == 0 else t + 1
                norm = grad_fmt(self.norms[(l, d)][t])
                arrow.setToolTip(
                    f"‖∂L/∂h{sub(t)}‖ = {norm}: the error flowing back from h{sub(t)} to h{sub(prev)}"
                    + ("\n(cut: truncated BPTT stops it here)" if cut else "")
                )
            text = back.texts[(l, d)]
            shown = real or init
            if text.isVisible() != shown:
                text.setVisible(shown)
            if shown:
                words = f"‖∂L/∂h‖ {grad_fmt(self.norms[(l, d)][t])}"
                if text.text() != words:
                    text.setText(words)
                    text.setX(-text.boundingRect().width() / 2)  # centred: never over the border
                col.cells[(l, d)].setBrush(TINTS[self.levels[(l, d)][t]])
                col.strips[(l, d)].setVisible(False)
        for strip in (col.x_strip, getattr(col, "y_strip", None)):  # forward values: not shown here
            if strip is not None and strip.isVisible():
                strip.setVisible(False)
        edge = k > 0 and 1 < t <= T and (t - 1) % k == 0
        for item in (back.cut, back.cut_label):
            if item.isVisible() != edge:
                item.setVisible(edge)
        if back.head is not None:
            show = real and self.head_norms is not None and (shape != "many_to_one" or t == T)
            lv = grad_level(self.head_norms[t]) if show else 0
            self._arrow(back, back.head, self.head_paths, int(lv), show, False)
            if show:
                back.head.setToolTip(
                    f"‖∂L/∂logits{sub(t)}‖ = {grad_fmt(self.head_norms[t])}: the error entering here"
                )

    @staticmethod
    def _arrow(back: BackColumn, item, paths, level: int, shown: bool, cut: bool) -> None:
        if item.isVisible() != shown:
            item.setVisible(shown)
        key = -1 if cut else int(level)
        if not shown or back.levels.get(item) == key:
            return
        back.levels[item] = key
        item.setPath(paths[max(key, 0)])
        item.setBrush(CUT_COLOUR if cut else GRAD_LUT[key])

    @staticmethod
    def _forward_look(col: ColumnItems, forward: bool) -> None:
        """Forward: the recurrent arrows, full-strength wires, white cells; Backward: the
        forward wires faded (the backward arrows replace the recurrent ones)."""
        for a in col.rec.values():
            if not forward:
                a.set_visible(False)
        opacity = 1.0 if forward else DIM
        wires = [*col.inp.values(), *col.outs] + ([col.head] if col.head is not None else [])
        for a in wires:
            for item in (a, a.casing):
                if item.opacity() != opacity:
                    item.setOpacity(opacity)
        if forward:
            for cell in col.cells.values():
                cell.setBrush(_WHITE)
