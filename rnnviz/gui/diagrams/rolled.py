"""RolledDiagram: one cell with its recurrent loop, the current step's values on the wires.

x_t comes in from below, h_t leaves at the top (to the head's y_t), and the loop
on the right carries h_t back as the next step's h_{t−1} through W_hh (and, for
an LSTM, c_t as c_{t−1}).  Built once per structure; a step only updates chips.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session.stepmath import window

from ..theme import C
from .gradients import GRAD_TITLES, STATE_WORDS
from .one_step import OneStepDiagram
from .one_step_back import rolled_backward
from .style import (
    CELL_FILL,
    INK,
    MUTED,
    WIRE,
    ArrowItem,
    TimedTexts,
    VectorChipItem,
    backward_time,
    box,
    cache_items,
    chip_values,
    label,
    place,
    unit_is_marked,
    value_colour,
    window_caption,
)

CHIP_MAX = 8
CELL = QtCore.QRectF(-150, -60, 300, 120)
EQ = {
    "rnn_tanh": "h<sub>t</sub> = tanh(W<sub>hx</sub>x<sub>t</sub> + W<sub>hh</sub>h<sub>t−1</sub> + b<sub>h</sub>)",
    "rnn_relu": "h<sub>t</sub> = ReLU(W<sub>hx</sub>x<sub>t</sub> + W<sub>hh</sub>h<sub>t−1</sub> + b<sub>h</sub>)",
    "lstm": "gates i, f, g, o from x<sub>t</sub>, h<sub>t−1</sub><br>c<sub>t</sub> = f⊙c<sub>t−1</sub> + i⊙g"
    "<br>h<sub>t</sub> = o⊙tanh(c<sub>t</sub>)",
    "gru": "gates r, z and candidate n<br>h<sub>t</sub> = (1−z)⊙n + z⊙h<sub>t−1</sub>",
}
NAME = {"rnn_tanh": "RNN cell (tanh)", "rnn_relu": "RNN cell (ReLU)", "lstm": "LSTM cell", "gru": "GRU cell"}


class RolledScene(QtWidgets.QGraphicsScene):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.structure: tuple = ()
        self.chips: dict[str, VectorChipItem] = {}
        self.arrows: dict[str, ArrowItem] = {}
        self.flows: list[tuple[list, float, float]] = []
        self.keep: list = []
        self.timed = TimedTexts()
        self.decimals = 2  # the session's Decimals setting (at most DIAGRAM_DECIMALS)
        self.vocabulary: tuple[str, ...] = ()  # names of the head's outputs, when text
        self.input_names: tuple[str, ...] = ()

    def build(self, mode: str, H: int, I: int, head_out: int, head_act, layer: int, L: int, D: int, unit=0):
        self.clear()
        self.chips, self.arrows, self.flows, self.keep = {}, {}, [], []
        self.timed = TimedTexts()
        self.structure = (mode, H, I, head_out, head_act, layer, L, D, unit)
        self.rows = tuple(r for r in window(H, unit, CHIP_MAX) if r is not None)
        n, n_x = len(self.rows), min(I, CHIP_MAX)
        cell = box(None, CELL, CELL_FILL, WIRE, 2.5, 14)
        self.addItem(cell)
        self.keep.append(cell)
        self._text(f"<b>{NAME[mode]}</b>", 0, CELL.top() + 8, "n", 13, cell)
        self._text(EQ[mode], 0, CELL.top() + 36, "n", 11, cell)
        # x_t from the left (the layer below's h for a stacked layer)
        xname = "x<sub>t</sub>" if layer == 0 else f"h<sup>({layer})</sup><sub>t</sub>"
        self._chip("x", -420, 0, xname, n_x, "w")
        self._arrow("x", [(-356, 0), (CELL.left() - 2, 0)], (0.0, 0.4))
        self._text("<b>W<sub>hx</sub></b>", -254, -6, "s", 11)
        # the loop over the top: h_t leaves on the right and comes back in as h_{t−1}
        top_y = CELL.top() - 40
        self._arrow("loop_out", [(90, CELL.top()), (90, top_y), (0, top_y)], (0.75, 1.0), head=False)
        self._arrow("loop_in", [(0, top_y), (-90, top_y), (-90, CELL.top() - 2)], (0.0, 0.4))
        self._text("<b>W<sub>hh</sub></b>", -84, (top_y + CELL.top()) / 2, "w", 11)
        self._chip("h_prev", -n * 28, top_y - 27, "h<sub>t−1</sub>", n, "n", horizontal=True)
        self._text(
            "h<sub>t</sub> comes back as<br>h<sub>t−1</sub> one step later",
            max(n * 28, 90) + 14,
            top_y - 16,
            "w",
            9,
            grad="∂L/∂h<sub>t</sub> goes back to<br>h<sub>t−1</sub>, one step earlier",
        )
        if mode == "lstm":  # the cell state's loop under the cell
            bot_y = CELL.bottom() + 40
            self._arrow("cloop_out", [(90, CELL.bottom()), (90, bot_y), (0, bot_y)], (0.75, 1.0), head=False)
            self._arrow("cloop_in", [(0, bot_y), (-90, bot_y), (-90, CELL.bottom() + 2)], (0.0, 0.4))
            self._chip("c_prev", -n * 28, bot_y + 6, "c<sub>t−1</sub>", n, "n", horizontal=True)
            self._chip("c", -n * 28, bot_y + 40, "c<sub>t</sub>", n, "n", horizontal=True)
            self._text("cell state", max(n * 28, 90) + 14, bot_y + 16, "w", 9)
        # h_t out to the right, through the head to y_t
        self.head = head_out > 0 and layer == L - 1
        if self.head:
            act = {"softmax": "softmax", "sigmoid": "σ"}.get(head_act or "", "linear")
            hb = box(None, QtCore.QRectF(300, -28, 210, 56), C.node, WIRE, 1.8)
            self.addItem(hb)
            self.keep.append(hb)
            extra = "<br>(both directions' h)" if D == 2 else ""
            self._text(
                f"<b>{act}</b>(W<sub>hy</sub>h<sub>t</sub> + b<sub>y</sub>){extra}", 405, 0, "c", 10, hb
            )
            self._arrow("h_up", [(CELL.right(), 0), (298, 0)], (0.4, 0.7))
            self._chip("h", 190, 14, "", n, "n")
            self._text("<b>h<sub>t</sub></b>", 186, 14 + n * 10.5, "e", 12, grad="<b>∂L/∂h<sub>t</sub></b>")
            self._arrow("y_up", [(510, 0), (580, 0)], (0.7, 1.0))
            self._chip("y", 584, 0, "y<sub>t</sub>", min(head_out, CHIP_MAX), "w")
        else:
            self._arrow("h_up", [(CELL.right(), 0), (296, 0)], (0.4, 1.0))
            self._chip("h", 300, 0, "h<sub>t</sub>", n, "w")
        content = self.itemsBoundingRect()
        self.title = label(None, "", 13, bold=True)
        self.title.setPos(content.left(), content.top() - 30)
        self._title_html = ""
        self.addItem(self.title)
        cache_items(self)
        self.setSceneRect(self.itemsBoundingRect().adjusted(-80, -40, 80, 10))  # room for names

    def _text(self, html, x, y, anchor, pt, parent=None, grad: str | None = None):
        t = label(parent, html, pt, MUTED if parent is None else INK)
        if parent is None:
            self.addItem(t)
        place(t, x, y, anchor)
        self.keep.append(t)

        def _set_html(text: str, item=t) -> None:  # keep the anchor where it was
            item.setHtml(text)
            place(item, x, y, anchor)

        self.timed.add(_set_html, html, grad)
        return t

    def _chip(self, key, x, y, title, n, anchor, horizontal=False) -> None:
        chip = VectorChipItem(None, n, title, cell_w=56.0 if horizontal else 62.0, horizontal=horizontal)
        self.addItem(chip)
        dy = 0.0 if anchor == "n" else -chip.rect().height() / 2
        chip.setPos(x, y + dy)
        self.chips[key] = chip
        self.timed.add(chip.set_title, title, GRAD_TITLES.get(key) if title else None)
        self.timed.add(chip.setToolTip, "", STATE_WORDS.get(key))

    def _arrow(self, key, pts, phase, text="", anchor="w", at=0, head=True) -> ArrowItem:
        a = ArrowItem(None, pts, 4.0, casing=True, head=head)
        for item in (a.casing, a):
            self.addItem(item)
        self.arrows[key] = a
        self.flows.append((pts, *phase))
        if text:
            (x0, y0), (x1, y1) = pts[at], pts[at + 1]
            self._text(f"<b>{text}</b>", (x0 + x1) / 2 + 10, (y0 + y1) / 2, anchor, 11)
        return a

    def update_step(self, trace, layer: int, direction: int, step: int, decimals: int | None = None) -> None:
        decimals = self.decimals if decimals is None else decimals
        net = trace.network
        H = net.hidden_size
        cap = window_caption(self.rows, H)
        k = layer * net.num_directions + direction
        T = trace.steps
        self.timed.set_state(direction == 1, False)
        if step == 0:
            h = h_prev = trace.h0[k]
            c = c_prev = trace.c0[k] if trace.c0 is not None else None
            x = np.full(trace.layer_inputs[layer].shape[1], np.nan)
        else:
            d = trace.step(layer, direction, step - 1)
            h, h_prev, c, c_prev, x = d.h, d.h_prev, d.c, d.c_prev, d.x
        vals = {"h": h, "h_prev": h_prev, "c": c, "c_prev": c_prev}
        for key, chip in self.chips.items():
            if key == "x":
                xr = tuple(
                    r
                    for r in window(x.shape[0], int(np.nanargmax(np.abs(x))) if step else 0, CHIP_MAX)
                    if r is not None
                )
                chip.set_values(chip_values(x, xr), decimals, window_caption(xr, x.shape[0]))
                if len(self.input_names) == x.shape[0] and layer == 0:
                    chip.set_labels([self.input_names[r] for r in xr])
            elif key == "y":
                y = trace.y[step - 1] if step else np.full(trace.y.shape[1], np.nan)
                yr = tuple(
                    r
                    for r in window(y.shape[0], int(np.nanargmax(y)) if step else 0, CHIP_MAX)
                    if r is not None
                )
                chip.set_values(chip_values(y, yr), decimals, window_caption(yr, y.shape[0]))
                if len(self.vocabulary) == y.shape[0]:
                    chip.set_labels([self.vocabulary[r] for r in yr], right=True)
            else:
                chip.set_values(chip_values(vals[key], self.rows), decimals, cap)
        colours = {"x": x, "loop_in": h_prev, "loop_out": h, "h_up": h, "cloop_in": c_prev, "cloop_out": c}
        for key, a in self.arrows.items():
            v = colours.get(key, h)
            a.set_colour(value_colour(float(np.nanmean(v)) if v is not None and step else 0.0))
        prev = step + 1 if direction == 1 else step - 1
        where = []
        if net.num_layers > 1:
            where.append(f"layer {layer + 1}")
        if net.num_directions == 2:
            where.append("backward" if direction else "forward")
        tail = f" — {', '.join(where)}" if where else ""
        text = (
            backward_time(f"Step {step} of {T}: h<sub>t−1</sub> = h<sub>{prev}</sub>{tail}", direction == 1)
            if step
            else f"Step 0: the initial state{tail}"
        )
        if self._title_html != text:
            self._title_html = text
            self.title.setHtml(text)

    def update_backward(
        self, trace, grads, layer: int, direction: int, step: int, decimals: int | None = None
    ) -> None:
        decimals = self.decimals if decimals is None else decimals
        """The Backward mode: the chips show gradients, the loops their size."""
        rolled_backward(self, trace, grads, layer, direction, step, decimals)


class RolledDiagram(OneStepDiagram):
    """The rolled picture for the selected layer and direction (view contract)."""

    def __init__(self, parent=None):
        super().__init__(RolledScene(), parent)
        self.rolled_scene = self.diagram_scene

    def _structure(self) -> tuple:
        net = self.trace.network
        I = self.trace.layer_inputs[self.layer].shape[1]
        return (
            net.mode,
            net.hidden_size,
            I,
            net.spec.output_size,
            net.head_activation,
            self.layer,
            net.num_layers,
            net.num_directions,
            self.unit,
        )

    def _sync(self) -> None:
        if self.trace is None:
            return
        s = self._structure()
        if s != self.rolled_scene.structure:
            self.rolled_scene.build(*s)
            rows = self.rolled_scene.rows
            marked = self.unit in rows and unit_is_marked(self.unit, self.trace.network.hidden_size)
            k = rows.index(self.unit) if marked else -1
            for key in ("h", "h_prev", "c", "c_prev"):
                if key in self.rolled_scene.chips:
                    self.rolled_scene.chips[key].mark(k)
            self.fit()
        self._update_step()

    def _take_session(self, session) -> None:
        seq = session.sequence if session is not None else None
        self.rolled_scene.vocabulary = seq.vocabulary if seq is not None else ()
        self.rolled_scene.input_names = seq.input_names if seq is not None else ()

    def fit(self) -> None:
        self.fitInView(self.rolled_scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.fit()
