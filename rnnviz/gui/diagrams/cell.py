"""The cell's inside at one step: vanilla, LSTM (colah's picture) or GRU.

:class:`CellDiagramScene` builds its items once per (mode, H, I) and, per step,
only recolours chips and relabels.  Every gate is a :class:`GateItem` whose
tooltip is its equation; clicking one selects that gate everywhere.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.engine import GATE_NAMES
from rnnviz.session.notation import gate_tip
from rnnviz.session.stepmath import window

from ..theme import C
from .gradients import GATE_WORDS, GRAD_TITLES, STATE_WORDS
from .one_step import OneStepDiagram
from .one_step_back import cell_backward, grad_gate_title
from .style import (
    GATE_COLOURS,
    GATE_TINTS,
    MUTED,
    WIRE,
    ArrowItem,
    TimedTexts,
    VectorChipItem,
    box,
    cache_items,
    chip_values,
    label,
    pen,
    place,
    unit_is_marked,
    window_caption,
)

CHIP_MAX = 8
GATE_W = 140.0
ROW_H, ROW_H_MANY = 21.0, 17.0  # a chip's row; tighter from 5 units, so the picture stays large
#: Each gate's hover: what it does in plain words, its equation, PyTorch's rows (rnnviz.session.notation)
EQUATIONS = {g: gate_tip(g, mode) for mode in ("rnn_tanh", "lstm", "gru") for g in GATE_NAMES[mode]}
SHORT = {
    "a": "weighted sum",
    "i": "input",
    "f": "forget",
    "g": "candidate",
    "o": "output",
    "r": "reset",
    "z": "update",
    "n": "candidate",
}
ACT = {"i": "σ", "f": "σ", "o": "σ", "r": "σ", "z": "σ", "g": "tanh", "n": "tanh", "a": ""}


class GateItem(QtWidgets.QGraphicsPathItem):
    """A gate's box: activation, name, and its vector as a chip.  Click to select."""

    def __init__(self, parent, gate: str, x: float, y: float, n: int, title: str, row_h: float = ROW_H):
        self.gate = gate
        h = n * row_h + 44
        path = QtGui.QPainterPath()
        path.addRoundedRect(QtCore.QRectF(0, 0, GATE_W, h), 8, 8)
        super().__init__(path, parent)
        self.setPos(x - GATE_W / 2, y)
        self.setBrush(QtGui.QColor(GATE_TINTS.get(gate, C.empty)))
        self._pen = pen(GATE_COLOURS.get(gate, WIRE), 2.0)
        self.setPen(self._pen)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(EQUATIONS[gate])
        self.title = label(self, title, 10.5, GATE_COLOURS.get(gate, WIRE), bold=True)
        place(self.title, GATE_W / 2, 2, "n")
        self.chip = VectorChipItem(self, n, cell_w=62, cell_h=row_h)
        self.chip.setPos((GATE_W - 62) / 2, 30)
        self.chip.caption.setVisible(False)
        self.height = h

    def set_title(self, html: str) -> None:
        self.title.setHtml(html)
        place(self.title, GATE_W / 2, 2, "n")

    def set_selected_gate(self, on: bool) -> None:
        p = QtGui.QPen(self._pen)
        p.setWidthF(5.0 if on else 2.0)
        self.setPen(p)


def _where(trace, layer: int, direction: int) -> str:
    net = trace.network
    parts = [f"layer {layer + 1}"] if net.num_layers > 1 else []
    if net.num_directions == 2:
        parts.append("backward" if direction else "forward")
    return f" — {', '.join(parts)}" if parts else ""


class CellDiagramScene(QtWidgets.QGraphicsScene):
    """The inside of one cell, for one layer and direction, at one step."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.structure: tuple = ()
        self.gates: dict[str, GateItem] = {}
        self.chips: dict[str, VectorChipItem] = {}
        self.flows: list[tuple[list, float, float]] = []  # (points, start, end) for the pulse
        self.rows: tuple[int, ...] = ()
        self.keep: list = []
        self.timed = TimedTexts()
        self.decimals = 2

    # -- structure -------------------------------------------------------------
    def build(self, mode: str, H: int, I: int, unit: int = 0) -> None:
        self.clear()
        self.gates, self.chips, self.flows, self.keep = {}, {}, [], []
        self.timed = TimedTexts()
        self.structure = (mode, H, I)
        self.rows = tuple(r for r in window(H, unit, CHIP_MAX) if r is not None)
        self.n = len(self.rows)
        self.n_x = min(I, CHIP_MAX)
        self.row_h = ROW_H if self.n <= 4 else ROW_H_MANY
        self.root = QtWidgets.QGraphicsRectItem()
        self.root.setPen(Qt.PenStyle.NoPen)
        self.addItem(self.root)
        {"lstm": self._build_lstm, "gru": self._build_gru}.get(mode, self._build_vanilla)(mode)
        content = self.itemsBoundingRect()
        self.title = label(self.root, "", 13, bold=True)
        self.title.setPos(content.left(), content.top() - 34)
        self._title_html = ""
        cache_items(self)
        self.setSceneRect(self.itemsBoundingRect().adjusted(-10, -10, 10, 10))

    def _chip(self, key, x, y, title, n=None, anchor="c", hang=False) -> VectorChipItem:
        """A vector at (x, y); ``hang``: its first row on y and the rest below (a state line)."""
        chip = VectorChipItem(self.root, n or self.n, title, cell_h=self.row_h)
        r = chip.rect()
        dx = {"c": -r.width() / 2, "w": 0.0, "e": -r.width()}[anchor]
        chip.setPos(x + dx, y - (self.row_h / 2 if hang else r.height() / 2))
        self.chips[key] = chip
        self.timed.add(chip.set_title, title, GRAD_TITLES.get(key))
        self.timed.add(chip.setToolTip, "", STATE_WORDS.get(key))
        return chip

    def _gate(self, g, x, y, tip: str = "") -> GateItem:
        title = f"{SHORT[g]} <i>{g}</i>  <span style='font-weight:normal'>{ACT[g]}</span>"
        item = GateItem(self.root, g, x, y, self.n, title, self.row_h)
        self.gates[g] = item
        item.setToolTip(tip or item.toolTip())
        self.timed.add(item.setToolTip, item.toolTip(), GATE_WORDS[g])
        act = ACT[g] or ("tanh" if self.structure[0] == "rnn_tanh" else "ReLU")
        self.timed.add(item.set_title, title, grad_gate_title(g, act))
        return item

    def _arrow(self, pts, phase=(0.0, 1.0), width=2.5, head=True) -> ArrowItem:
        a = ArrowItem(self.root, pts, width, head=head)
        self.flows.append((pts, *phase))
        self.keep.append(a)
        return a

    def _node(self, x, y, text, tip="") -> None:
        r = 17.0
        item = QtWidgets.QGraphicsEllipseItem(x - r, y - r, 2 * r, 2 * r, self.root)
        item.setBrush(QtGui.QColor(C.node))
        item.setPen(pen(WIRE, 1.8))
        item.setZValue(3)
        item.setToolTip(tip)
        t = label(item, f"<b>{text}</b>", 13)
        place(t, x, y)
        self.keep += [item, t]  # a plain item's child text needs a live Python reference

    def _text(self, html, x, y, anchor, pt=10, grad: str | None = None) -> None:
        t = label(self.root, html, pt, MUTED)
        place(t, x, y, anchor)
        self.keep.append(t)

        def _set_html(text: str, item=t) -> None:  # keep the anchor where it was
            item.setHtml(text)
            place(item, x, y, anchor)

        self.timed.add(_set_html, html, grad)

    def _bus(
        self, right: float, y_bus: float, x_in: float, h_chip: bool = True, text: str = "", grad=""
    ) -> None:
        """h_{t−1} from the left and x_t from below join the bus the gates read."""
        if h_chip:
            self._chip("h_prev", 0, y_bus, "h<sub>t−1</sub>", anchor="w")
        self._chip("x", x_in, y_bus + 70 + self.n_x * self.row_h / 2, "x<sub>t</sub>", n=self.n_x)
        self._arrow([(64 if h_chip else 100, y_bus), (right, y_bus)], (0.0, 0.35), 3.0, head=False)
        self._arrow([(x_in, y_bus + 70 - 22), (x_in, y_bus + 4)], (0.0, 0.2), 3.0)
        self._text(
            text or "h<sub>t−1</sub> and x<sub>t</sub> feed every gate",
            right,
            y_bus + 6,
            "ne",
            grad=grad or "the error reaches h<sub>t−1</sub> and x<sub>t</sub> through every gate",
        )

    def _gate_column(self, g, x, top, y_bus, tip: str = "") -> GateItem:
        item = self._gate(g, x, top, tip)
        self._arrow([(x, y_bus), (x, top + item.height + 2)], (0.3, 0.5))
        return item

    def _build_vanilla(self, mode: str) -> None:
        top, y_bus = 40.0, 40.0 + self.n * self.row_h + 44 + 60
        X = 330.0
        self._bus(
            X,
            y_bus,
            150,
            text="h<sub>t−1</sub> and x<sub>t</sub>",
            grad="back to h<sub>t−1</sub>, x<sub>t</sub>",
        )
        act = "tanh" if mode == "rnn_tanh" else "ReLU"
        g = self._gate_column("a", X, top, y_bus, gate_tip("a", mode))
        self._text(
            "W<sub>hx</sub>·x<sub>t</sub> + W<sub>hh</sub>·h<sub>t−1</sub> + b<sub>h</sub>",
            X - 8,
            y_bus - 30,
            "e",
            11,
        )
        mid = top + g.height / 2
        b = box(self.root, QtCore.QRectF(X + 120, mid - 22, 80, 44), C.node)
        b.setToolTip(f"h_t = {act}(a_t)")
        t = label(b, f"<b>{act}</b>", 13)
        place(t, X + 160, mid)
        self.keep += [b, t]
        self._arrow([(X + GATE_W / 2, mid), (X + 118, mid)], (0.5, 0.7))
        self._arrow([(X + 202, mid), (X + 290, mid)], (0.7, 1.0))
        self._chip("h", X + 296, mid, "h<sub>t</sub>", anchor="w")

    def _build_lstm(self, mode: str) -> None:
        top_line, top = 0.0, 110.0
        gh = self.n * self.row_h + 44
        y_bus = top + gh + 50
        X = {"f": 210, "i": 380, "g": 550, "o": 740}
        self._bus(X["o"], y_bus, 120)
        for g in "figo":
            self._gate_column(g, X[g], top, y_bus)
        x_plus, y_ig = (X["i"] + X["g"]) / 2, 60.0
        self._chip("c_prev", 0, top_line, "c<sub>t−1</sub>", anchor="w", hang=True)
        self._arrow([(64, top_line), (X["f"] - 18, top_line)], (0.0, 0.5), 4.0)
        self._node(X["f"], top_line, "×", "f_t ⊙ c_{t−1}: forget part of the old cell state")
        self._arrow([(X["f"], top), (X["f"], top_line + 19)], (0.5, 0.7))
        self._node(x_plus, y_ig, "×", "i_t ⊙ g_t: how much of the candidate to write")
        self._arrow([(X["i"], top), (X["i"], y_ig), (x_plus - 19, y_ig)], (0.5, 0.7))
        self._arrow([(X["g"], top), (X["g"], y_ig), (x_plus + 19, y_ig)], (0.5, 0.7))
        self._arrow([(x_plus, y_ig - 18), (x_plus, top_line + 19)], (0.7, 0.8))
        self._node(x_plus, top_line, "+", "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t")
        self._arrow([(X["f"] + 18, top_line), (x_plus - 19, top_line)], (0.7, 0.8), 4.0)
        x_h, y_h = 900.0, top + gh / 2
        self._arrow([(x_plus + 18, top_line), (x_h + 110, top_line)], (0.8, 1.0), 4.0)
        self._chip("c", x_h + 116, top_line, "c<sub>t</sub>", anchor="w", hang=True)
        self._text(
            "cell state c",
            x_plus + 30,
            top_line - 4,
            "sw",
            grad="∂L/∂c flows back along the cell state, × f only",
        )
        tb = box(self.root, QtCore.QRectF(x_h - 34, (top_line + y_h) / 2 - 16, 68, 32), C.node)
        tb.setToolTip("tanh(c_t)")
        t = label(tb, "<b>tanh</b>", 12)
        place(t, x_h, (top_line + y_h) / 2)
        self.keep += [tb, t]
        self._arrow([(x_h, top_line), (x_h, (top_line + y_h) / 2 - 18)], (0.8, 0.9))
        self._arrow([(x_h, (top_line + y_h) / 2 + 16), (x_h, y_h - 19)], (0.85, 0.95))
        self._node(x_h, y_h, "×", "h_t = o_t ⊙ tanh(c_t)")
        self._arrow([(X["o"] + GATE_W / 2, y_h), (x_h - 19, y_h)], (0.6, 0.9))
        self._arrow([(x_h + 18, y_h), (x_h + 110, y_h)], (0.9, 1.0))
        self._chip("h", x_h + 116, y_h, "h<sub>t</sub>", anchor="w", hang=True)

    def _build_gru(self, mode: str) -> None:
        top_line, top = 0.0, 130.0
        gh = self.n * self.row_h + 44
        y_bus = top + gh + 50
        X = {"z": 230, "r": 420, "n": 680}
        self._bus(X["n"], y_bus, 150, h_chip=False)
        self._arrow([(100, top_line), (100, y_bus)], (0.0, 0.2), 3.0, head=False)
        for g in "zrn":
            self._gate_column(g, X[g], top, y_bus)
        self._chip("h_prev", 0, top_line, "h<sub>t−1</sub>", anchor="w", hang=True)
        self._arrow([(64, top_line), (X["z"] - 19, top_line)], (0.0, 0.6), 4.0)
        self._node(X["z"], top_line, "×", "z_t ⊙ h_{t−1}: how much of the old state to keep")
        y_mix = 70.0
        self._arrow([(X["z"], top), (X["z"], top_line + 19)], (0.5, 0.75))
        x_one = (X["r"] + X["n"]) / 2
        self._node(x_one, y_mix, "1−", "1 − z_t: how much of the candidate to take")
        self._arrow([(X["z"], y_mix), (x_one - 19, y_mix)], (0.6, 0.75))
        self._arrow([(x_one + 19, y_mix), (X["n"] - 19, y_mix)], (0.75, 0.85))
        self._node(X["n"], y_mix, "×", "(1 − z_t) ⊙ n_t")
        self._arrow([(X["n"], top), (X["n"], y_mix + 19)], (0.7, 0.85))
        self._arrow([(X["n"], y_mix - 18), (X["n"], top_line + 19)], (0.85, 0.92))
        self._node(X["n"], top_line, "+", "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}")
        self._arrow([(X["z"] + 18, top_line), (X["n"] - 19, top_line)], (0.75, 0.9), 4.0)
        self._arrow([(X["n"] + 18, top_line), (X["n"] + 150, top_line)], (0.9, 1.0), 4.0)
        self._chip("h", X["n"] + 156, top_line, "h<sub>t</sub>", anchor="w", hang=True)
        self._text(
            "hidden state h", X["z"] + 24, top_line - 4, "sw", grad="∂L/∂h flows back along the state, × z"
        )
        y_r = top + gh / 2
        self._arrow([(X["r"] + GATE_W / 2, y_r), (X["n"] - GATE_W / 2 - 2, y_r)], (0.5, 0.7))
        self._text(
            "r<sub>t</sub> ⊙ (W<sub>nh</sub>h<sub>t−1</sub><br>+ b<sub>nh</sub>)",
            (X["r"] + X["n"]) / 2,
            y_r - 4,
            "s",
            9,
        )

    # -- per step -------------------------------------------------------------
    def update_step(self, trace, layer: int, direction: int, step: int) -> None:
        """Recolour every chip for ``step`` (0 = initial state: only h_0 / c_0)."""
        dec, rows = self.decimals, self.rows
        H = trace.network.hidden_size
        cap = window_caption(rows, H)
        back = direction == 1
        self.timed.set_state(back, False)
        nan = np.full(self.n, np.nan)
        if step == 0:
            k = layer * trace.network.num_directions + direction
            vals = {"h_prev": trace.h0[k], "h": trace.h0[k]}
            if trace.c0 is not None:
                vals.update(c_prev=trace.c0[k], c=trace.c0[k])
            for key, chip in self.chips.items():
                chip.set_values(chip_values(vals[key], rows) if key in vals else nan, dec, cap)
            for g in self.gates.values():
                g.chip.set_values(nan, dec)
            self.set_title(f"Initial state (step 0){_where(trace, layer, direction)}", step, back)
            return
        d = trace.step(layer, direction, step - 1)
        vals = {"h_prev": d.h_prev, "h": d.h, "c_prev": d.c_prev, "c": d.c}
        for key, chip in self.chips.items():
            if key == "x":
                xr = window(d.x.shape[0], int(np.argmax(np.abs(d.x))), CHIP_MAX)
                xr = tuple(r for r in xr if r is not None)
                chip.set_values(chip_values(d.x, xr), dec, window_caption(xr, d.x.shape[0]))
            else:
                chip.set_values(chip_values(vals[key], rows), dec, cap)
        for g, item in self.gates.items():
            vec = d.pre if g == "a" else d.block(d.gates, g)
            item.chip.set_values(chip_values(vec, rows), dec)
        self.set_title(f"Inside the cell at step {step}{_where(trace, layer, direction)}", step, back)

    def update_backward(self, trace, grads, layer: int, direction: int, step: int) -> None:
        """The Backward mode at ``step``: ∂L/∂ each state on its chip, ∂L/∂ each gate's input."""
        cell_backward(self, trace, grads, layer, direction, step)

    def set_title(self, text: str, step: int, back: bool) -> None:
        prev = step + 1 if back else step - 1
        sub = f"(h<sub>t−1</sub> is h<sub>{prev}</sub>)" if step else ""
        if back and step:  # the backward direction reads the state of the step after
            sub = f"(backward: h<sub>t+1</sub> is h<sub>{prev}</sub>)"
        html = f"{text} <span style='font-weight:normal; font-size:10pt; color:#555'>{sub}</span>"
        if self._title_html != html:
            self._title_html = html
            self.title.setHtml(html)

    def mark_unit(self, unit: int) -> None:
        """Outline the selected unit in every chip of H units."""
        marked = unit in self.rows and unit_is_marked(unit, self.structure[1])
        k = self.rows.index(unit) if marked else -1
        for key, chip in self.chips.items():
            chip.mark(-1 if key == "x" else k)
        for g in self.gates.values():
            g.chip.mark(k)

    def set_selected_gate(self, gate: str) -> None:
        for g, item in self.gates.items():
            item.set_selected_gate(g == gate)


class CellDiagram(OneStepDiagram):
    """The cell's inside for the selected layer/direction/step; click a gate to select it."""

    def __init__(self, parent=None):
        super().__init__(CellDiagramScene(), parent)
        self.cell_scene = self.diagram_scene

    def _sync(self) -> None:
        if self.trace is None:
            return
        net = self.trace.network
        I = self.trace.layer_inputs[self.layer].shape[1]
        rows = tuple(r for r in window(net.hidden_size, self.unit, CHIP_MAX) if r is not None)
        sc = self.cell_scene
        if sc.structure != (net.mode, net.hidden_size, I) or sc.rows != rows:
            sc.build(net.mode, net.hidden_size, I, self.unit)
            rebuilt = True
        else:
            rebuilt = False
        sc.set_selected_gate(self.gate)
        sc.mark_unit(self.unit)
        self._update_step()
        if rebuilt:
            self.fit()  # after the first update: the title is part of the picture

    def gate_at(self, pos: QtCore.QPoint) -> str:
        item = self.itemAt(pos)
        while item is not None and not isinstance(item, GateItem):
            item = item.parentItem()
        return item.gate if item is not None else ""

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        gate = self.gate_at(event.position().toPoint())
        if gate:
            self.gate = gate
            self.cell_scene.set_selected_gate(gate)
            self.sig_gate_selected.emit(gate)
            event.accept()
            return
        super().mousePressEvent(event)

    def fit(self) -> None:
        self.setSceneRect(self.cell_scene.itemsBoundingRect().adjusted(-8, -8, 8, 8))
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit()
