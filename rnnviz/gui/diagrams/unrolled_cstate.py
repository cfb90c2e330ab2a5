"""The LSTM's cell-state chain on the unrolled diagram: c_{t−1} → c_t above the h row.

The cell state is the LSTM's long-term memory, so every layer/direction band of an
LSTM gets its own row (see :class:`~rnnviz.gui.diagrams.unrolled_items.UnrolledLayout`):
a c_t chip above each cell, with a strip of the same units and colour scale as the
cell's h_t strip, and a horizontal arrow from the chip of the step before (of the step
after, for a backward direction), coloured by the mean of the c it carries.  Hovering a
chip gives c_t's numbers (plain text).

In Backward the row shows ∂L/∂c_t as the h row shows ∂L/∂h_t: the chip tinted by
‖∂L/∂c_t‖ on the log scale of :mod:`.gradients`, its norm as a number, and the arrow
reversed, its colour and width the norm's level.

The items of a column are built with it (:class:`.unrolled_items.CellStateColumn`);
:class:`CellStateChain` holds the colours and texts of a trace and fills a column.
"""

from __future__ import annotations

import numpy as np

from rnnviz.session.stepmath import fmt

from ..theme import C
from .gradients import GRAD_LUT, grad_fmt, grad_level
from .style import value_colours, value_rgb32
from .unrolled_back import CUT_COLOUR, TINTS, is_cut, level_paths
from .unrolled_items import C_LEFT, C_RIGHT, DX, CellStateColumn, UnrolledLayout, sub

TIP_VALUES = 16  # numbers a chip's hover lists
_WHITE = C.empty  # a c chip's box in the forward mode (the theme's: updated in place)


def c_name(t: int, D: int, d: int) -> str:
    """c₄, or c→₄ / c←₄ in a bidirectional network (as the cells' h→₄ / h←₄)."""
    arrow = "" if D == 1 else ("→" if d == 0 else "←")
    return f"c{arrow}{sub(t)}"


def back_c_path(lay: UnrolledLayout, l: int, d: int) -> list:
    """The cell-state wire reversed: from this step's chip back to the one it read."""
    y = lay.c_rows[(l, d)]
    if d == 0:
        return [(C_LEFT, y), (-DX + C_RIGHT + 2, y)]
    return [(C_RIGHT, y), (DX + C_LEFT - 2, y)]


class CellStateChain:
    """The cell state of one trace on the unrolled chain (see the module docstring)."""

    def __init__(self) -> None:
        self.on = False  # the trace is an LSTM's
        self.values: dict = {}  # (l, d) -> [T+2, H]: c_0, c_1 … c_T, c_0 (a column index is t)
        self.norms: dict = {}  # (l, d) -> [T+2] ‖∂L/∂c_t‖ (empty: no gradients to show)

    # -- data ------------------------------------------------------------------------
    def set_trace(self, trace, rows: list[int]) -> None:
        """The values and colours of every column, once per trace; ``rows``: the units shown."""
        net = trace.network
        self.on = net.mode == "lstm" and trace.c0 is not None
        self.values, self.rgb, self.arrow_colours, self.tips = {}, {}, {}, {}
        if not self.on:
            return
        T, L, D = trace.steps, net.num_layers, net.num_directions
        self.T, self.D, self.rows = T, D, rows
        for l in range(L):
            for d in range(D):
                s = np.empty((T + 2, net.hidden_size))  # [T+2, H]
                s[1 : T + 1] = trace.cell(l, d)
                s[0] = s[T + 1] = trace.c0[l * D + d]
                self.values[(l, d)] = s
                self.rgb[(l, d)] = value_rgb32(s[:, rows])  # [T+2, units shown]
                m = s.mean(axis=1)
                self.arrow_colours[(l, d)] = value_colours(np.roll(m, 1) if d == 0 else np.roll(m, -1))

    def set_gradients(self, trace, grads) -> None:
        """‖∂L/∂c_t‖ of every column, when the gradients give it (else the row shows values)."""
        self.norms, self.levels = {}, {}
        if not self.on or grads is None or grads.get("c0") is None:
            return
        net = trace.network
        T, D = trace.steps, net.num_directions
        c0 = np.asarray(grads["c0"]).reshape(-1, net.hidden_size)  # [L·D, H]
        for l, d in self.values:
            n = np.empty(T + 2)
            n[1 : T + 1] = np.linalg.norm(grads.dc(l, d), axis=1)  # [T]
            n[0] = n[T + 1] = np.linalg.norm(c0[l * D + d])  # the initial state's share
            self.norms[(l, d)] = n
            self.levels[(l, d)] = grad_level(n)

    def tip(self, key, t: int) -> str:
        """The chip's hover at column t: c_t's numbers, plain text."""
        text = self.tips.get((key, t))
        if text is None:
            v = self.values[key][t]
            H = v.shape[0]
            shown = list(range(H)) if H <= TIP_VALUES else list(self.rows)
            nums = ", ".join(fmt(v[k], 4) for k in shown)
            where = "" if len(shown) == H else f" (units {shown[0] + 1}–{shown[-1] + 1} of {H})"
            real = 1 <= t <= self.T
            name = c_name(t, self.D, key[1])
            text = f"{name} = ({nums}){where}\n" + (
                "the cell state after this step: the long-term memory" if real else "the initial cell state"
            )
            self.tips[(key, t)] = text
        return text

    # -- a column --------------------------------------------------------------------
    def fill(self, cs: CellStateColumn, t: int, show_strip, back_on: bool, window: int) -> None:
        """Show column step t (0 and T+1: the initial states) in Forward or Backward."""
        T, D = self.T, self.D
        real = 1 <= t <= T
        grads = back_on and bool(self.norms)
        for key, b in cs.boxes.items():
            d = key[1]
            init = (t == 0 and d == 0) or (t == T + 1 and d == 1)
            shown = real or init
            for item in (b, cs.labels[key], cs.links[key]):
                item.setVisible(shown)
            cs.strips[key].setVisible(shown and not grads)
            cs.arrows[key].set_visible(real and not grads)
            if not shown:
                cs.grad_arrows[key].setVisible(False)
                cs.grad_texts[key].setVisible(False)
                continue
            cs.labels[key].setText(c_name(t, D, d))  # (no "start": the chip is narrow, its border dashed)
            cs.set_dashed(key, init)
            b.setToolTip(self.tip(key, t))
            if grads:
                self._fill_grad(cs, key, t, real, is_cut(t, d, T, window))
                continue
            cs.grad_arrows[key].setVisible(False)
            cs.grad_texts[key].setVisible(False)
            if b.brush().color() != _WHITE:
                b.setBrush(_WHITE)
            show_strip(cs.strips[key], ("c", key), t, lambda s=self.rgb[key]: s[t])
            if real:
                cs.arrows[key].set_colour(self.arrow_colours[key][t])

    def _fill_grad(self, cs: CellStateColumn, key, t: int, real: bool, cut: bool) -> None:
        level = int(self.levels[key][t])
        norm = grad_fmt(self.norms[key][t])
        b = cs.boxes[key]
        b.setBrush(TINTS[level])
        b.setToolTip(
            f"‖∂L/∂c{sub(t)}‖ = {norm}: how much the loss changes if the cell state grew"
            if 1 <= t <= self.T
            else f"‖∂L/∂c₀‖ = {norm}: the error reaching the initial cell state"
        )
        text = cs.grad_texts[key]
        text.setVisible(True)
        if text.text() != norm:  # the number only: "‖∂L/∂c‖" would not fit a chip
            text.setText(norm)
            r = b.boundingRect()
            text.setX(r.center().x() - text.boundingRect().width() / 2)
        arrow = cs.grad_arrows[key]
        arrow.setVisible(real)
        if not real:
            return
        lv = -1 if cut else level
        if cs.levels.get(key) != lv:
            cs.levels[key] = lv
            arrow.setPath(self.grad_paths[key][max(lv, 0)])
            arrow.setBrush(CUT_COLOUR if cut else GRAD_LUT[lv])
        prev = t - 1 if key[1] == 0 else t + 1
        arrow.setToolTip(
            f"‖∂L/∂c{sub(t)}‖ = {norm}: the error flowing back along the cell state from "
            f"c{sub(t)} to c{sub(prev)} (multiplied by the forget gate only)"
            + ("\n(cut: truncated BPTT stops it here)" if cut else "")
        )

    def ensure_paths(self, lay: UnrolledLayout) -> None:
        """The reversed arrows' outlines at every level, per band (shared by the columns)."""
        if getattr(self, "_paths_for", None) is not lay:
            self._paths_for = lay
            self.grad_paths = {key: level_paths(back_c_path(lay, *key)) for key in lay.c_rows}


def c_flows(lay: UnrolledLayout, ox: float) -> list:
    """The cell-state wires into the current column (scene coordinates), for the pulse."""
    n = lay.L + (1 if lay.head else 0)
    return [([(x + ox, y) for x, y in lay.c_path(l, d)], l / n, (l + 0.8) / n) for (l, d) in lay.c_rows]
