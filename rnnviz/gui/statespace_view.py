"""The State space tab: the hidden state h_t as a trajectory.

For the selected layer and direction, h_1 … h_T drawn as a path: for H = 2 in the plane
(h1, h2) itself, otherwise on its first two principal components (the share of the
variance each explains is said in words).  Points are coloured by time (early pale,
late dark) or, for text, labelled with their token; the current step is a ring that
moves with playback; hovering a point says t, its token and h_t.  For H = 2 a flow
field shows where one step of the cell takes every state with the current step's
input held fixed (its attractors), computed in the jobs' "statespace" lane.

Compare mode (several runs): a panel per run, side by side, each titled with its run.
The view only mirrors the workspace: a click on a point asks for that step.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Signal

from rnnviz.session.statespace import flow_field, project

from .plots import style
from .plots.restyle import painted_when_settled, remember_look, restyle
from .views import CursorFollower

LANE = "statespace"
MAX_LABELS = 80  # token labels beyond this many steps would be a smear: colour by time instead
FLOW_GRID = 17


TIME_SHADES = 64  # distinct colours of the steps' dots at most
THIN_PATH_FROM = 400  # steps from which the path is drawn one pixel wide


def _time_brushes(T: int) -> list[QtGui.QBrush]:
    """Pale early, dark late (viridis-like, colour-blind safe), one brush per step.

    At most :data:`TIME_SHADES` shades, shared between steps: pyqtgraph renders each
    distinct brush object's dot once per zoom or theme (3038 steps of the character
    model: 3038 dots drawn anew, 0.6 s a zoom change; 64 are as smooth to the eye)."""
    n = min(T, TIME_SHADES)
    cmap = pg.colormap.get("viridis")
    shades = [pg.mkBrush(cmap.map(0.9 - 0.85 * (j / max(n - 1, 1)), mode="qcolor")) for j in range(n)]
    return [shades[j] for j in np.rint(np.arange(T) * (n - 1) / max(T - 1, 1)).astype(int)]


class RunPanel(QtWidgets.QFrame):
    """One run's trajectory (see the module doc)."""

    sig_step_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.title = QtWidgets.QLabel()
        self.title.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # a run's name is the user's text
        self.title.setFont(style.font(style.TITLE_PT, bold=True))
        self.caption = QtWidgets.QLabel()
        self.caption.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.caption.setFont(style.font(style.AXIS_PT))
        self.caption.setWordWrap(True)
        self.readout = QtWidgets.QLabel(" ")
        self.readout.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.readout.setFont(style.font(style.AXIS_PT))
        self.readout.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.plot = style.make_plot_widget()
        self.plot.setAspectLocked(False)
        pi = self.plot.getPlotItem()
        pi.getViewBox().setDefaultPadding(0.12)  # room for the token labels at the edges
        for axis in ("left", "bottom"):
            pi.getAxis(axis).enableAutoSIPrefix(False)  # "0.3", not "300 (×0.001)"
        # grey lines and outlined dots in the theme's colours: the late (dark) dots stay
        # visible on a dark background
        self.flow = pg.PlotCurveItem(pen=style.pen(style.MUTED, 1, alpha=150), connect="pairs")
        self.path = pg.PlotCurveItem(pen=style.pen(style.MUTED, 1.5, alpha=170))
        self.points = pg.ScatterPlotItem(size=style.scaled(9), pen=style.pen(style.FOREGROUND, 0.7, alpha=200),
                                         hoverable=True)  # fmt: skip
        self.current = pg.ScatterPlotItem(size=style.scaled(22), pen=style.pen(style.SELECTED_GATE, 3),
                                          brush=pg.mkBrush(0, 0, 0, 0))  # fmt: skip
        for item in (self.flow, self.path, self.points, self.current):
            pi.addItem(item)
        self.labels: list[pg.TextItem] = []
        self.points.sigClicked.connect(self._on_clicked)
        self.points.sigHovered.connect(self._on_hovered)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addWidget(self.title)
        box.addWidget(self.caption)
        box.addWidget(self.plot, 1)
        box.addWidget(self.readout)
        self.xy = np.zeros((0, 2))
        self.states = np.zeros((0, 0))
        self.tokens: tuple[str, ...] = ()

    def show_run(self, name: str, states: np.ndarray, tokens: tuple[str, ...], where: str) -> None:
        """``states`` [T, H]: the run's h_1 … h_T of the chosen layer and direction."""
        p = project(states)
        self.xy, self.states, self.tokens = p.xy, np.asarray(states), tokens
        T = p.xy.shape[0]
        self.title.setText(name)
        a, b = p.names
        if p.plane:
            self.caption.setText(f"{where}: h_t in the plane of its two units (h1 across, h2 up)")
        else:
            self.caption.setText(
                f"{where}: h_t on its first two principal components — PC1 explains "
                f"{100 * p.explained[0]:.0f} % of the variance, PC2 {100 * p.explained[1]:.0f} %"
            )
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", a, **style.label_style())
        pi.setLabel("left", b, **style.label_style())
        # a long path is a thicket of crossing lines: one pixel wide it reads the same, and
        # Qt draws it ~15× faster (a wider translucent line is stroked as one polygon:
        # 35 ms for the 3038 steps of the character model, at every repaint)
        self.path.setPen(style.pen(style.MUTED, 0.0 if T > THIN_PATH_FROM else 1.5, alpha=170))
        self.path.setData(p.xy[:, 0], p.xy[:, 1])
        self.points.setData(pos=p.xy, brush=_time_brushes(T), data=np.arange(1, T + 1))
        for item in self.labels:
            pi.removeItem(item)
        self.labels = []
        if tokens and T <= MAX_LABELS:
            for k, (x, y) in enumerate(p.xy):
                label = pg.TextItem(tokens[k], color=style.FOREGROUND, anchor=(-0.3, 1.2))  # plain text
                label.setFont(style.font(style.AXIS_PT))
                label.setPos(float(x), float(y))
                pi.addItem(label)
                self.labels.append(label)
        self.flow.setData([], [])
        pi.enableAutoRange()

    def set_step(self, t: int) -> None:
        if 1 <= t <= self.xy.shape[0]:
            self.current.setData(pos=self.xy[t - 1 : t])
        else:
            self.current.setData(pos=np.zeros((0, 2)))

    def show_flow(self, field) -> None:
        """Segments from each grid point along its move (scaled to the grid spacing)."""
        if field is None:
            self.flow.setData([], [])
            return
        moves = field.moves
        spacing = np.ptp(field.points, axis=0).max() / (FLOW_GRID - 1)
        longest = np.linalg.norm(moves, axis=1).max()
        scale = 0.9 * spacing / longest if longest > 0 else 0.0
        ends = field.points + scale * moves
        seg = np.empty((2 * len(ends), 2))
        seg[0::2], seg[1::2] = field.points, ends
        self.flow.setData(seg[:, 0], seg[:, 1])

    def _on_clicked(self, _item, spots, _ev=None) -> None:
        if len(spots):
            self.sig_step_requested.emit(int(spots[0].data()))

    def _on_hovered(self, _item, spots, _ev=None) -> None:
        if not len(spots):
            self.readout.setText(" ")
            return
        t = int(spots[0].data())
        h = self.states[t - 1]
        shown = ", ".join(f"{v:.3g}" for v in h[:8]) + (", …" if h.shape[0] > 8 else "")
        token = f" · {self.tokens[t - 1]!r}" if self.tokens else ""
        self.readout.setText(f"t = {t}{token} · h_t = ({shown})")


class StateSpaceView(CursorFollower, QtWidgets.QWidget):
    """See the module doc.  ``jobs``: the controller's :class:`~.jobs.Jobs` (flow fields)."""

    sig_cursor_requested = Signal(dict)

    def __init__(self, jobs=None, parent=None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.computed = None
        self._layer = self._direction = 0
        self._step = 0
        self.selector = QtWidgets.QComboBox()
        self.selector.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents
        )  # and the zoom
        self.selector.setToolTip("Which layer and direction to draw")
        self.selector.activated.connect(self._on_selector)
        self.flow_box = QtWidgets.QCheckBox("Flow field")
        self.flow_box.setToolTip("For 2 units: where one step takes every state, with this step's input")
        self.flow_box.toggled.connect(lambda _on: self._request_flow())
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QtWidgets.QLabel("Show:"))
        bar.addWidget(self.selector)
        bar.addSpacing(12)
        bar.addWidget(self.flow_box)
        bar.addStretch(1)
        hint = QtWidgets.QLabel(
            "pale: early steps · dark: late · ring: the current step · click a point to go there"
        )
        hint.setFont(style.font(style.AXIS_PT))
        hint.setWordWrap(True)  # zoomed in, it wraps instead of widening the window
        bar.addWidget(hint)
        self.grid = QtWidgets.QGridLayout()
        self.panels: list[RunPanel] = []
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(bar)
        box.addLayout(self.grid, 1)
        remember_look(self)

    def set_appearance(self, _appearance) -> None:
        """The theme or the zoom changed: restyle every run's plot in place."""
        with painted_when_settled(self):
            restyle(self)

    # -- the view contract ---------------------------------------------------------------
    def set_computed(self, computed) -> None:
        self._forget_cursor()
        self.computed = computed
        net = computed.trace.network
        self.selector.clear()
        for layer in range(net.num_layers):
            for d in range(net.num_directions):
                arrow = ("forward →", "backward ←")[d] if net.num_directions == 2 else ""
                self.selector.addItem(f"layer {layer + 1} {arrow}".strip(), (layer, d))
        runs = computed.runs
        while len(self.panels) < len(runs):
            panel = RunPanel()
            panel.sig_step_requested.connect(lambda t: self.sig_cursor_requested.emit({"step": int(t)}))
            k = len(self.panels)
            row, col = (k // 2, k % 2) if len(runs) > 2 else (0, k)  # 3–4 runs: two rows of two
            self.grid.addWidget(panel, row, col)
            self.panels.append(panel)
        for k, panel in enumerate(self.panels):
            panel.setVisible(k < len(runs))
        self._draw()

    def set_selection(self, layer: int, direction: int, unit: int = 0, gate: str = "") -> None:
        if (layer, direction) != (self._layer, self._direction):
            self._layer, self._direction = int(layer), int(direction)
            self._draw()

    def set_step(self, t: int) -> None:
        self._step = int(t)
        for panel in self.panels:
            panel.set_step(self._step)
        self._request_flow()

    # -- drawing ---------------------------------------------------------------------------
    def _draw(self) -> None:
        if self.computed is None:
            return
        index = self.selector.findData((self._layer, self._direction))
        self.selector.setCurrentIndex(max(index, 0))
        seq = self.computed.session.sequence
        tokens = tuple(seq.tokens) if seq.is_text and len(seq.tokens) == seq.steps else ()
        two = True
        for panel, c in zip(self.panels, self.computed.runs, strict=False):
            net = c.trace.network
            l, d = min(self._layer, net.num_layers - 1), min(self._direction, net.num_directions - 1)
            where = f"layer {l + 1}" + ((" forward", " backward")[d] if net.num_directions == 2 else "")
            name = c.session.run_name if self.computed.others else f"Hidden state h_t (H = {net.hidden_size})"
            panel.show_run(name, c.trace.hidden(l, d), tokens, where)
            panel.set_step(self._step)
            two = two and net.hidden_size == 2
        self.flow_box.setEnabled(two)
        self.flow_box.setToolTip(
            "For 2 units: where one step takes every state, with this step's input held"
            if two else "A flow field needs a layer of 2 hidden units"
        )  # fmt: skip
        self._request_flow()

    def _request_flow(self) -> None:
        if self.computed is None or not (self.flow_box.isChecked() and self.flow_box.isEnabled()):
            for panel in self.panels:
                panel.show_flow(None)
            return
        runs = [c.trace for c in self.computed.runs]
        step = min(max(self._step, 1), self.computed.trace.steps)
        layer, direction = self._layer, self._direction

        def work():
            return [flow_field(tr, min(layer, tr.network.num_layers - 1),
                               min(direction, tr.network.num_directions - 1), step, FLOW_GRID)
                    for tr in runs]  # fmt: skip

        if self.jobs is None:
            self._show_flows(work())
        else:
            self.jobs.start(LANE, work, on_done=self._show_flows, on_error=lambda _e: self._show_flows(None))

    def _show_flows(self, fields) -> None:
        for k, panel in enumerate(self.panels):
            panel.show_flow(None if fields is None or k >= len(fields) else fields[k])

    def _on_selector(self, index: int) -> None:
        layer, direction = self.selector.itemData(index)
        self.sig_cursor_requested.emit({"layer": int(layer), "direction": int(direction)})


__all__ = ["StateSpaceView"]
