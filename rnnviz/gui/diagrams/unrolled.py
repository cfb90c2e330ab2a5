"""UnrolledDiagram: one cell per step t = 1..T, layers stacked, both directions.

Columns are recycled: a pool of column item groups, one per visible step, is
built when the structure changes; scrolling re-assigns a slot (``t % pool``) to
a new step and only updates its items, so the cost never grows with T.  Arrows
are coloured by the mean of the vector they carry and every cell shows a strip
with one colour per unit, on the one diverging scale of the legend.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from rnnviz.session.stepmath import fmt, window

from ..theme import zoom
from .gradients import grads_fit
from .style import HIGHLIGHT, INK, WIRE, tune_view, value_colours, value_rgb32
from .unrolled_back import BackwardOverlay
from .unrolled_feedback import FeedbackOverlay
from .unrolled_items import (
    CH,
    DX,
    DY,
    POOL_ALL,
    POOL_MAX,
    STRIP_MAX,
    ColumnItems,
    UnrolledScene,
    strip_pixmap,
    sub,
)

MIN_READABLE = 0.62  # below this the cell labels get too small to read


class UnrolledDiagram(QtWidgets.QGraphicsView):
    """Zoom with the wheel, drag to pan, click a column to go to that step."""

    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)
    sig_layer_direction_selected = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.unrolled_scene = UnrolledScene(self)  # owned by the view: destroyed with it, never before it
        self.setScene(self.unrolled_scene)
        tune_view(self)
        self.setDragMode(QtWidgets.QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.trace = None
        self.step, self.layer, self.direction, self.unit = 1, 0, 0, 0
        self.back, self.grads, self._backward = BackwardOverlay(), None, False  # Backward: ∂L/∂h_t
        self.feedback = FeedbackOverlay()  # a generated run: each chosen token fed back
        self._press = None
        self._following = False
        self._auto_fit = True
        self._scale = 0.8
        self.horizontalScrollBar().valueChanged.connect(self._on_scroll_changed)
        self.resetTransform()
        self.scale(self._scale, self._scale)

    # -- view contract ----------------------------------------------------------
    def set_trace(self, trace, session=None) -> None:
        seq = session.sequence if session is not None else None
        shape = seq.shape if seq is not None else "many_to_many"
        net = trace.network
        structure = (
            net.mode,
            net.hidden_size,
            net.num_layers,
            net.num_directions,
            trace.steps,
            net.has_head,
            shape,
            net.input_size,  # the x and y strips are as wide as the inputs and outputs
            net.spec.output_size,
        )
        self.trace, self.seq = trace, seq
        self._precompute()
        if structure != self.unrolled_scene.structure:
            columns = trace.steps + net.num_directions  # the steps and the initial state(s)
            self.unrolled_scene.build(trace, shape, columns if columns <= POOL_ALL else POOL_MAX)
            self._auto_fit = True
            self.fit()
        self._refresh_all()

    def set_generated(self, run) -> None:
        """The generated run the next trace is (a GeneratedRun), or None."""
        self.feedback.run = run

    def set_gradients(self, grads, bptt_window: int = 0) -> None:
        """The gradients Backward shows (None: none) and the truncated-BPTT window (0: none)."""
        self.grads, self.back.window = grads, max(int(bptt_window), 0)
        if self.trace is not None:
            self._refresh_all()

    def set_backward(self, on: bool) -> None:
        """Show ∂L/∂h_t flowing back (when the gradients fit the trace) or the forward values."""
        self._backward = bool(on)
        if self.trace is not None:
            self._refresh_all()

    def restyle(self) -> None:
        """A new theme or zoom: the paper repainted; the scene is rebuilt and fitted at the
        next ``set_trace``."""
        tune_view(self)
        self.unrolled_scene.structure = ()

    def fit(self) -> None:
        """Show the whole chain when it fits, else its full height around the current step.
        The app's zoom (View > Zoom) enlarges it further as long as its height fits (it then
        scrolls along the steps, never up and down), and shrinks it below 1."""
        r = self.unrolled_scene.sceneRect()
        vw, vh = max(self.viewport().width(), 50), max(self.viewport().height(), 50)
        scale = min(vw / r.width(), vh / r.height(), 1.4)
        if r.height() * scale < 0.6 * vh:  # a long chain: fit its height and scroll along it
            scale = min(vh / r.height(), 1.4)
        scale = max(scale, MIN_READABLE, vw / (DX * (POOL_MAX - 3)))  # deep nets scroll vertically
        z = zoom()
        scale = max(scale, min(scale * z, vh / r.height())) if z >= 1 else scale * z
        self.resetTransform()
        self.scale(scale, scale)
        self._scale = scale
        row_y = self.unrolled_scene.lay.rows.get((self.layer, self.direction), 0.0)
        self.centerOn(self.step * DX, row_y - DY / 2)  # a deep net: start at the selected layer
        self.follow()

    def readable_height(self) -> int:
        """The viewport height that shows the whole chain's height at the smallest
        readable zoom (0 before a trace is set)."""
        if self.trace is None:
            return 0
        return int(np.ceil(self.unrolled_scene.sceneRect().height() * MIN_READABLE * max(zoom(), 1.0))) + 2

    def set_step(self, t: int) -> None:
        self.step = int(t)
        if self.trace is None:
            return
        self._place_band()
        self.follow()
        self._restyle_current()

    def set_selection(self, layer: int = 0, direction: int = 0, unit: int = 0, gate: str = "") -> None:
        changed_unit = unit != self.unit
        self.layer, self.direction, self.unit = layer, direction, unit
        if self.trace is not None:
            if changed_unit:
                self._precompute()
                self._refresh_all()
            else:
                self._restyle_current()

    # -- reading the trace (colour mapping only) ------------------------------------
    def _precompute(self) -> None:
        """Every column's colours, once per trace, with NumPy: a fill only looks them up."""
        tr, net = self.trace, self.trace.network
        T, H, L, D = tr.steps, net.hidden_size, net.num_layers, net.num_directions
        rows = [r for r in window(H, min(self.unit, H - 1), STRIP_MAX) if r is not None]
        self.states, self.means = {}, {}
        for l in range(L):
            for d in range(D):
                s = np.empty((T + 2, H))
                s[1 : T + 1] = tr.hidden(l, d)
                s[0] = s[T + 1] = tr.h0[l * D + d]
                self.states[(l, d)] = value_rgb32(s[:, rows])  # [T+2, units shown] colours, once
                self.means[(l, d)] = s.mean(axis=1)
        self.out_means = np.asarray(tr.output).mean(axis=1)
        self.x_means = np.asarray(tr.x).mean(axis=1)
        self.layer_means = [  # [T+2] per layer: both directions' mean, for the arrows above it
            np.mean([self.means[(l, d)] for d in range(D)], axis=0) for l in range(L)
        ]
        # arrow colours indexed by the column's step t (entries of steps without arrows unused)
        x_means = np.concatenate([[0.0], self.x_means, [0.0]])
        self.rec_colours, self.inp_colours = {}, {}
        for (l, d), m in self.means.items():
            prev = np.roll(m, 1) if d == 0 else np.roll(m, -1)  # h_{t−1}, or h_{t+1} backward
            self.rec_colours[(l, d)] = value_colours(prev)
            self.inp_colours[(l, d)] = value_colours(x_means if l == 0 else self.layer_means[l - 1])
        # a bidirectional layer's two output arrows (to the [h→; h←] node) carry h→ and h←
        self.out_colours = [value_colours(self.means[(l, d)]) for l in range(L) for d in range(D) if D == 2]
        self.head_colours = value_colours(self.layer_means[L - 1])
        self._pixmaps: dict = {}  # strip pixmaps by (row, t), built when a column first shows t
        self._io: dict = {}  # texts of the input and output boxes by t

    def _show_strip(self, strip, key, t: int, colours) -> None:
        """Show row ``key``'s strip at step t; ``colours()`` makes its pixmap the first time."""
        pm = self._pixmaps.get((key, t))
        if pm is None:
            pm = self._pixmaps[(key, t)] = strip_pixmap(colours(), strip.n)
        strip.show_pixmap(pm)

    def _refresh_all(self) -> None:
        back = self.back
        back.on = self._backward and not grads_fit(self.trace, self.grads)
        if back.on:  # items once per structure, levels once per trace and gradients
            back.ensure_built(self.unrolled_scene)
            back.set_data(self.trace, self.grads)
        self.feedback.set_run(self.feedback.run, self.trace.steps)
        self.feedback.ensure_built(self.unrolled_scene)
        for col in self.unrolled_scene.columns:
            col.t = -1
        self._assign()
        self._place_band()
        self._restyle_current()

    def visible_range(self) -> tuple[int, int]:
        r = self.mapToScene(self.viewport().rect()).boundingRect()
        sc = self.unrolled_scene
        first = max(0, int(np.floor(r.left() / DX + 0.5)) - 1)
        last = min(sc.T + sc.D - 1, int(np.ceil(r.right() / DX - 0.5)) + 1)
        return first, last

    def _assign(self) -> None:
        sc = self.unrolled_scene
        if not sc.columns:
            return
        sc.pin_row_labels(self.mapToScene(self.viewport().rect().topLeft()).x())
        first, last = self.visible_range()
        P = len(sc.columns)
        last = min(last, first + P - 1)
        for t in range(first, last + 1):
            col = sc.columns[t % P]
            if col.t != t:
                self._fill(col, t)

    def _fill(self, col: ColumnItems, t: int) -> None:
        sc = self.unrolled_scene
        T, D = sc.T, sc.D
        col.t = t
        col.group.setPos(t * DX, 0)
        if not col.group.isVisible():
            col.group.setVisible(True)
        real = 1 <= t <= T
        for (l, d), cell in col.cells.items():
            init = (t == 0 and d == 0) or (t == T + 1 and d == 1)
            shown = real or init
            for item in (cell, col.labels[(l, d)], col.strips[(l, d)]):
                item.setVisible(shown)
            col.rec[(l, d)].set_visible(real)
            col.inp[(l, d)].set_visible(real)
            if not shown:
                continue
            arrow = "" if D == 1 else ("→" if d == 0 else "←")
            col.labels[(l, d)].setText(f"h{arrow}{sub(t)}" + ("  start" if init else ""))
            if col.dashed.get((l, d), False) != init:
                col.dashed[(l, d)] = init
                p = cell.pen()
                p.setStyle(Qt.PenStyle.DashLine if init else Qt.PenStyle.SolidLine)
                cell.setPen(p)
            self._show_strip(col.strips[(l, d)], (l, d), t, lambda s=self.states[(l, d)]: s[t])
            if real:
                col.rec[(l, d)].set_colour(self.rec_colours[(l, d)][t])
                col.inp[(l, d)].set_colour(self.inp_colours[(l, d)][t])
        for a, colours in zip(col.outs, self.out_colours, strict=True):
            a.set_visible(real)
            if real:
                a.set_colour(colours[t])
        for node in col.nodes:
            node.setVisible(real)
        self._fill_io(col, t, real, T)
        self.back.fill(col, t, sc.shape)
        self.feedback.fill(col, t)

    def out_means_layer(self, l: int, t: int) -> float:
        """Mean of layer ``l``'s output (both directions) at step t."""
        return float(self.layer_means[l][t])

    def _io_texts(self, t: int) -> tuple:
        """The input and output boxes' texts at step t (1..T), made once per trace."""
        texts = self._io.get(t)
        if texts is None:
            seq, tr = self.seq, self.trace
            tok = seq.tokens[t - 1] if seq is not None and seq.tokens and t <= len(seq.tokens) else ""
            tok = tok.replace(" ", "␣")  # a space token is seen
            x_text = f"x{sub(t)}  {tok}" if tok else f"x{sub(t)}"
            y_text = y_tip = ""
            if tr.network.has_head:
                y = np.asarray(tr.y[t - 1])
                k = int(np.argmax(y))
                vocab = seq.vocabulary if seq is not None else ()
                softmax = tr.network.head_activation == "softmax"
                word = vocab[k].replace(" ", "␣") if len(vocab) == y.shape[0] and softmax else ""
                y_text = f"y{sub(t)}" + (f"  {word}" if word else "")
                y_tip = (
                    f"y{sub(t)} = (" + ", ".join(fmt(v, 3) for v in y[:16]) + (", …)" if y.size > 16 else ")")
                )
            texts = self._io[t] = (x_text, y_text, y_tip)
        return texts

    def _fill_io(self, col: ColumnItems, t: int, real: bool, T: int) -> None:
        shape, tr = self.unrolled_scene.shape, self.trace
        for item in col.items_x:
            item.setVisible(real)
        if real:
            x_text, y_text, y_tip = self._io_texts(t)
            opacity = 0.3 if shape == "one_to_many" and t > 1 else 1.0
            if col.x_box.opacity() != opacity:
                for item in col.items_x:
                    item.setOpacity(opacity)
            col.x_text.setText(x_text)

            def x_colours():
                x = np.asarray(tr.x[t - 1])
                cols = [c for c in window(x.shape[0], int(np.argmax(np.abs(x))), STRIP_MAX) if c is not None]
                return value_rgb32(x[cols])

            self._show_strip(col.x_strip, "x", t, x_colours)
        if col.head is None:
            return
        show_y = real and (shape != "many_to_one" or t == T)
        for item in col.items_y:
            item.setVisible(show_y)
        col.head.set_visible(show_y)
        if show_y:
            col.y_text.setText(y_text)

            def y_colours():
                y = np.asarray(tr.y[t - 1])
                cols = [c for c in window(y.shape[0], int(np.argmax(y)), STRIP_MAX) if c is not None]
                return value_rgb32(y[cols])

            self._show_strip(col.y_strip, "y", t, y_colours)
            col.head.set_colour(self.head_colours[t])
            col.y_box.setToolTip(y_tip)

    # -- the current step ----------------------------------------------------------
    def _place_band(self) -> None:
        self.unrolled_scene.band.setX(self.step * DX)

    def _restyle_current(self, columns=None) -> None:
        """Borders: the current step orange, the selected layer/direction row dark."""
        sel = (self.layer, self.direction)
        for col in self.unrolled_scene.columns if columns is None else columns:
            cur = col.t == self.step
            if not cur and col.styled == (sel, False):
                continue  # an ordinary column that is already right: the common case
            col.styled = (sel, cur)
            for key, cell in col.cells.items():
                width = 4.0 if cur else (2.6 if key == sel else 1.5)
                colour = HIGHLIGHT if cur else (INK if key == sel else WIRE)
                p = cell.pen()
                if p.widthF() != width or p.color() != colour:
                    p.setWidthF(width)
                    p.setColor(colour)
                    cell.setPen(p)

    def current_cells(self) -> list:
        return [c for col in self.unrolled_scene.columns if col.t == self.step for c in col.cells.values()]

    def column_whole_in_view(self) -> bool:
        """The current step's column (its band, DX wide) is all in view, right of the pinned row names."""
        r = self.mapToScene(self.viewport().rect()).boundingRect()
        sc = self.unrolled_scene
        left = r.left()
        if sc.gutter.x() > sc.label_left - 6:  # the row names are pinned over the chain's left edge
            left = max(left, sc.gutter.sceneBoundingRect().right())
        x = self.step * DX
        return left <= x - DX / 2 and x + DX / 2 <= r.right()

    def follow(self) -> None:
        """Scroll so the current step's column is in view (no-op when it already is)."""
        if not self.column_whole_in_view():
            self._following = True  # the scroll handler leaves the columns to this call
            try:
                self.centerOn(self.step * DX, self.mapToScene(self.viewport().rect().center()).y())
            finally:
                self._following = False
            # one paint of the whole viewport: after a scroll the pinned names, the gutter and
            # the band leave many small dirty rects beside the exposed strip, and painting
            # through that clip cost more than a full repaint (p95 of a 2-layer
            # bidirectional step: 14 → 9 ms in bench_diagrams)
            self.viewport().update()
        self._assign()

    def flows_for_step(self) -> list:
        """The wires into and out of the current column, for the pulse (scene coordinates)."""
        sc = self.unrolled_scene
        if self.trace is None or not sc.structure or not 1 <= self.step <= sc.T:
            return []
        lay, t = sc.lay, self.step
        n = sc.L + (1 if lay.head else 0)
        ox = t * DX

        def shift(pts):
            return [(x + ox, y) for x, y in pts]

        out = []
        for l, d in lay.rows:
            out += [(shift(lay.input_path(l, d)), l / n, (l + 0.8) / n)]
            out += [(shift(lay.recurrent_path(l, d)), l / n, (l + 0.8) / n)]
            out += [(shift(p), (l + 0.6) / n, (l + 1) / n) for p in lay.output_paths(l) if d == 0]
        if lay.head and (sc.shape != "many_to_one" or t == sc.T):
            out.append((shift(lay.head_path()), (n - 1) / n, 1.0))
        return out

    # -- interaction ------------------------------------------------------------------
    def _on_scroll_changed(self, _v: int) -> None:
        if self.trace is not None and not self._following:
            self._assign()
            self._restyle_current()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:  # noqa: N802 (Qt override)
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        min_scale = self.viewport().width() / (DX * (POOL_MAX - 3))
        new = min(max(self._scale * factor, min_scale), 3.0)
        self.scale(new / self._scale, new / self._scale)
        self._scale = new
        self._auto_fit = False
        self._assign()
        self._restyle_current()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        super().mouseReleaseEvent(event)
        if self._press is not None and (event.position() - self._press).manhattanLength() < 5 and self.trace:
            pos = self.mapToScene(event.position().toPoint())
            t = round(pos.x() / DX)
            if 0 <= t <= self.trace.steps:
                self.sig_step_requested.emit(int(t))
            for (l, d), y in self.unrolled_scene.lay.rows.items():  # a click on a row selects it
                if abs(pos.y() - y) <= CH / 2 and (l, d) != (self.layer, self.direction):
                    self.sig_layer_direction_selected.emit(l, d)
        self._press = None

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.trace is not None:
            if self._auto_fit:
                self.fit()
            self._assign()
            self._restyle_current()
