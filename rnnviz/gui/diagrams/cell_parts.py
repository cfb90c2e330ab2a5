"""The pieces of the cell's inside: a gate's box, the names and words it shows, and
which units it shows (a window of numbers, or every unit as heat strips)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.engine import GATE_NAMES
from rnnviz.session.notation import gate_tip
from rnnviz.session.stepmath import window

from ..theme import C
from .heat_strip import HeatStripItem, strip_width, summary
from .style import GATE_COLOURS, GATE_TINTS, WIRE, VectorChipItem, label, pen, place

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
STATE_NAMES = {"h": "h_t", "h_prev": "h_{t−1}", "c": "c_t", "c_prev": "c_{t−1}"}  # hovers, plain
ACT = {"i": "σ", "f": "σ", "o": "σ", "r": "σ", "z": "σ", "g": "tanh", "n": "tanh", "a": ""}


class GateItem(QtWidgets.QGraphicsPathItem):
    """A gate's box: activation, name, and its vector as a chip.  Click to select."""

    def __init__(
        self, parent, gate: str, x: float, y: float, n: int, title: str, row_h: float = ROW_H, units: int = 0
    ):
        """``n`` rows high; ``units``: the layer's units as heat strips (0: ``n`` numbers)."""
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
        if units:
            self.chip = HeatStripItem(self, units, width=strip_width(units), cell_h=row_h)
        else:
            self.chip = VectorChipItem(self, n, cell_w=62, cell_h=row_h)
        self.chip.setPos((GATE_W - self.chip.rect().width()) / 2, 30)
        self.chip.caption.setVisible(False)
        self.height = h

    def set_title(self, html: str) -> None:
        self.title.setHtml(html)
        place(self.title, GATE_W / 2, 2, "n")

    def set_selected_gate(self, on: bool) -> None:
        p = QtGui.QPen(self._pen)
        p.setWidthF(5.0 if on else 2.0)
        self.setPen(p)


def cell_rows(H: int, unit: int) -> tuple[int, ...]:
    """The units the cell's inside shows: all of them as heat strips (a wide layer), or
    a window of CHIP_MAX numbers around the selected unit."""
    if summary(H):
        return tuple(range(H))
    return tuple(r for r in window(H, unit, CHIP_MAX) if r is not None)


def where(trace, layer: int, direction: int) -> str:
    net = trace.network
    parts = [f"layer {layer + 1}"] if net.num_layers > 1 else []
    if net.num_directions == 2:
        parts.append("backward" if direction else "forward")
    return f" — {', '.join(parts)}" if parts else ""
