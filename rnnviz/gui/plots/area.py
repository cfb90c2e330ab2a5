"""``PlotsArea``: every plot panel in a scrollable grid, with one layer/direction selector.

The view contract: ``set_trace(trace, session)`` for new numbers (items are rebuilt
only when the structure changes), ``set_step(t)`` (cheap: cursors and the bar
chart), ``set_selection(layer, direction, unit, gate)``, ``set_loss(loss)`` and
``set_gradients(grads)`` (the gradient panels, shown while the gradients fit the trace).
User actions come out as ``sig_step_requested``, ``sig_unit_selected``,
``sig_gate_selected`` and ``sig_layer_direction_selected``.  Steps run 0..T:
0 is the initial state, t ≥ 1 is the trace's index t − 1.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal

from rnnviz.engine import GATE_NAMES

from ..docks.array_model import visible_token
from ..views import CursorFollower, forward_requests
from . import panels as roles
from . import style
from .gradients import GradientPanels
from .outputs import LossPanel, OutputPanel
from .panels import CellPanel, GatePanel, HiddenPanel, LazyGatePanels
from .restyle import painted_when_settled, remember_look, restyle
from .runs_panel import RunsPanel
from .units import UnitPanel

TWO_COLUMNS_FROM = 700  # px of width
MODE_NAMES = {
    "rnn_tanh": "vanilla RNN (tanh)",
    "rnn_relu": "vanilla RNN (ReLU)",
    "lstm": "LSTM",
    "gru": "GRU",
}


def finite_max(a: np.ndarray) -> float:
    """The largest finite value (0 if none): colour scales survive an exploding network."""
    finite = a[np.isfinite(a)]
    return float(finite.max()) if finite.size else 0.0


def direction_label(layer: int, direction: int) -> str:
    return f"layer {layer + 1} → forward" if direction == 0 else f"layer {layer + 1} ← backward"


class PlotsArea(CursorFollower, QtWidgets.QWidget):
    """Plots of h_t, c_t, every gate, y_t and the loss, for one layer and direction."""

    sig_cursor_requested = Signal(object)  # dict of cursor fields (rnnviz.gui.views)
    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)
    sig_layer_direction_selected = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.trace = None
        self.session = None
        self._structure: tuple | None = None
        self._loss: np.ndarray | None = None
        self._layer = 0
        self._direction = 0
        self._unit = 0
        self._gate = ""
        self._step = 0
        self._columns = 0
        self._tokens: tuple[str, ...] | None = None
        self._arranged: tuple | None = None

        # the grid's host first: every panel is its child from the start (never a stray window)
        self.grid_host = QtWidgets.QWidget()
        self.hidden_panel = HiddenPanel()
        self._cell_panel: CellPanel | None = None  # made when a network first needs it
        self.gate_panels = LazyGatePanels(self._make_gate_panel)  # a vanilla RNN needs none
        self.output_panel = OutputPanel()
        self.loss_panel = LossPanel()
        self.gradient_panels = GradientPanels()
        self.runs_panel = RunsPanel()  # compare mode: the selected unit's h_t in every run
        self._runs: tuple = ()  # compare mode: every run's Computed (else empty)
        self.gradient_panels.units.sig_unit_selected.connect(self._on_panel_unit_selected)
        # one time range for every panel (pyqtgraph's setXLink aligns screen positions
        # instead, which differs between panels with and without a colour bar)
        self._syncing_x = False
        for p in self.panels_all():
            self._adopt(p)

        forward_requests(self)
        self.selector = QtWidgets.QComboBox()
        self.selector.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents
        )  # and the zoom
        self.selector.setToolTip("Which layer and direction every panel shows")
        self.selector.activated.connect(self._on_selector_activated)
        self.info = QtWidgets.QLabel()
        self.info.setFont(style.font(style.AXIS_PT))
        self.info.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(QtWidgets.QLabel("Show:"))
        bar.addWidget(self.selector)
        bar.addSpacing(12)
        bar.addWidget(self.info, 1)

        self.grid = QtWidgets.QGridLayout(self.grid_host)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(4)
        self.scroll = QtWidgets.QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.grid_host)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addLayout(bar)
        box.addWidget(self.scroll, 1)
        remember_look(self)
        for p in self.panels_all():  # each panel restyled on its own, when it is shown
            remember_look(p)
        self._fit_heights()

    # -- panel bookkeeping ------------------------------------------------------------
    def _adopt(self, p: QtWidgets.QWidget) -> None:
        """Wire a panel into the area (hidden, a child of the grid's host)."""
        p.setParent(self.grid_host)
        p.hide()
        p.sig_step_requested.connect(self.sig_step_requested)
        p.plot.plot_item.getViewBox().sigXRangeChanged.connect(self._on_plot_x_range_changed)
        if isinstance(p, UnitPanel):
            p.sig_unit_selected.connect(self._on_panel_unit_selected)
            p.sig_gate_selected.connect(self._on_panel_gate_selected)
            p.set_unit(self._unit)
        if self._tokens:
            p.plot.set_tokens(self._tokens)

    @property
    def cell_panel(self) -> CellPanel:
        """c_t's panel, made when first needed (an LSTM): a view that never shows it never builds it."""
        if self._cell_panel is None:
            self._cell_panel = CellPanel()
            self._adopt(self._cell_panel)
        return self._cell_panel

    def _make_gate_panel(self, gate: str) -> GatePanel:
        panel = GatePanel(gate)
        self._adopt(panel)
        if gate == self._gate:
            panel.setStyleSheet(roles.selected_gate_sheet(gate))
        return panel

    def unit_panels_all(self) -> list[UnitPanel]:
        """Every unit panel made so far."""
        cell = [] if self._cell_panel is None else [self._cell_panel]
        return [self.hidden_panel, *cell, *self.gate_panels.values()]

    def panels_all(self) -> list[QtWidgets.QWidget]:
        return [self.runs_panel, *self.unit_panels_all(), self.output_panel, self.loss_panel,
                *self.gradient_panels.panels()]  # fmt: skip

    def active_unit_panels(self) -> list[UnitPanel]:
        if self.trace is None:
            return []
        mode = self.trace.network.mode
        panels = [self.hidden_panel]
        if mode == "lstm":
            panels.append(self.cell_panel)
        panels += [self.gate_panels[g] for g in GATE_NAMES[mode] if g in roles.ALL_GATES]
        return panels

    def has_loss(self) -> bool:
        return (
            self.trace is not None
            and self.session is not None
            and self.session.targets is not None
            and self._loss is not None
            and self._loss.shape == (self.trace.steps,)
        )

    def visible_panels(self) -> list[QtWidgets.QWidget]:
        panels: list[QtWidgets.QWidget] = [self.runs_panel] if self._runs else []
        panels += self.active_unit_panels()
        if self.trace is not None and self.trace.y is not None:
            panels.append(self.output_panel)
        if self.has_loss():
            panels.append(self.loss_panel)
        if self.gradient_panels.fit(self.trace):
            panels += self.gradient_panels.panels()
        return panels

    # -- the view contract ------------------------------------------------------------
    def set_appearance(self, _appearance) -> None:
        """The theme or the zoom changed: restyle the panels shown in place (a hidden one
        when it is shown: :meth:`_layout`)."""
        with painted_when_settled(self):
            restyle(self)
            for p in self.visible_panels():
                restyle(p)
            self._fit_heights()

    def _fit_heights(self) -> None:
        """The panels' minimum heights, as the zoom asks."""
        for p in self.panels_all():
            p.setMinimumHeight(round(style.scaled(210 if p is self.output_panel else 190)))

    def set_computed(self, computed) -> None:
        self._forget_cursor()
        self._runs = computed.runs if computed.others else ()
        self.gradient_panels.runs = [(c.session.run_name, c.grads, c.trace.network) for c in self._runs]
        self.output_panel.set_generated(computed.generated, computed.trace)
        # the loss and gradients first: set_trace then draws every panel once, with the new
        # numbers (set_trace, set_loss, set_gradients in turn drew the loss, the gradient
        # panels and the cursors twice, the first time from the previous edit's numbers)
        loss = computed.loss
        self._loss = None if loss is None else np.asarray(loss.per_step, dtype=float)
        self.gradient_panels.grads = computed.grads
        self.set_trace(computed.trace, computed.session)

    def set_trace(self, trace, session) -> None:
        self.trace, self.session = trace, session
        net = trace.network
        seq = session.sequence
        names = self._output_names(trace, seq)
        structure = (
            net.mode, net.hidden_size, net.num_layers, net.num_directions, trace.steps,
            net.has_head, None if trace.y is None else trace.y.shape[1], net.head_activation,
            names, seq.is_text,
        )  # fmt: skip
        if structure != self._structure:
            self._structure = structure
            self._build(trace, names, seq.is_text)
        self._refresh()

    def set_step(self, t: int) -> None:
        self._step = int(t)
        for p in self.visible_panels():
            p.set_step(self._step)

    def set_selection(self, layer: int, direction: int, unit: int, gate: str = "") -> None:
        if self.trace is not None:  # stay inside this network, whatever the caller remembers
            net = self.trace.network
            layer = min(max(int(layer), 0), net.num_layers - 1)
            direction = min(max(int(direction), 0), net.num_directions - 1)
            unit = min(max(int(unit), 0), net.hidden_size - 1)
        changed = (layer, direction) != (self._layer, self._direction)
        self._layer, self._direction = layer, direction
        self._set_unit(unit)
        self._set_gate(gate)
        if self.trace is not None:
            self._sync_selector()
            if changed:
                self._refresh_units()
                self._apply_x_max()

    def set_loss(self, loss) -> None:
        self._loss = None if loss is None else np.asarray(loss, dtype=float)
        if self.trace is not None:
            self._refresh_loss()
            self._layout()

    def set_gradients(self, grads) -> None:
        """Per-step gradients (``engine.trace.Gradients``), or None: no targets, no panels."""
        self.gradient_panels.grads = grads
        if self.trace is not None:
            label = direction_label(self._layer, self._direction)
            self.gradient_panels.refresh(self.trace, self._layer, self._direction, label)
            self._layout()
            self.set_step(self._step)

    # -- building and refreshing ------------------------------------------------------
    def _build(self, trace, names, text: bool) -> None:
        net = trace.network
        T, H, D = trace.steps, net.hidden_size, net.num_directions
        self._layer = min(self._layer, net.num_layers - 1)
        self._direction = min(self._direction, D - 1)
        self._unit = min(self._unit, H - 1)
        x_max = self._x_max()
        relu = net.mode == "rnn_relu"
        self.hidden_panel.title.setToolTip(roles.EQUATIONS[net.mode] + roles.INITIAL_NOTE)
        self.hidden_panel.kind = "free" if relu else "tanh"
        self.hidden_panel.colorbar.setColorMap(style.colormap("sigmoid" if relu else "tanh"))
        for p in self.active_unit_panels():
            p.set_unit(self._unit)
            p.build(H, T, x_max)
        if trace.y is not None:
            self.output_panel.build(trace.y.shape[1], T, net.head_activation, names, text, x_max)
            top = f"layer {net.num_layers}'s " if net.num_layers > 1 else "the "
            both = " = [h→_t ; h←_t], both directions side by side" if D == 2 else ""
            self.output_panel.title.setToolTip(
                f"The output head reads {top}hidden state h_t{both}.\n"
                "Left: every output over time. Right: the outputs at the current step."
            )
        self.loss_panel.build(T, x_max)
        self.gradient_panels.build(trace, x_max)
        self.selector.blockSignals(True)
        self.selector.clear()
        for layer in range(net.num_layers):
            for d in range(D):
                self.selector.addItem(direction_label(layer, d), (layer, d))
        self.selector.blockSignals(False)
        self.selector.setEnabled(self.selector.count() > 1)
        self._sync_selector()
        self._layout()

    def _refresh(self) -> None:
        seq = self.session.sequence
        ok = seq.is_text and len(seq.tokens) == self.trace.steps
        tokens = tuple(visible_token(w) for w in seq.tokens) if ok else ()  # a space shows as ␣
        if tokens != self._tokens:  # the same structure can carry a new sentence
            self._tokens = tokens
            for p in self.panels_all():
                p.plot.set_tokens(tokens)
        self.gradient_panels.refresh_norms(self.trace)  # before the units: its caption reads them
        self._refresh_units()
        if self.trace.y is not None:
            targets = self.session.targets
            self.output_panel.set_values(self.trace.y, targets)
        self._refresh_loss()
        self._layout()
        self.set_step(self._step)
        self._settle_ranges()

    def _settle_ranges(self) -> None:
        """Auto-range the visible plots now, not when they are painted: a range found while
        painting changes the axes after they were drawn, and each plot was painted twice."""
        for p in self.visible_panels():
            for plot in (p.plot, getattr(p, "bars_plot", None)):
                if plot is not None:
                    plot.plot_item.getViewBox().prepareForPaint()

    def _refresh_units(self) -> None:
        tr, l, d = self.trace, self._layer, self._direction
        row = l * tr.network.num_directions + d
        h = self._with_initial(tr.hidden(l, d), tr.h0[row], d)
        relu = tr.network.mode == "rnn_relu"
        self.hidden_panel.set_values(h, 0 if d == 0 else 1, (0.0, max(1e-9, finite_max(h))) if relu else None)
        if tr.network.mode == "lstm":
            c = self._with_initial(tr.cell(l, d), tr.c0[row], d)
            m = max(1.0, finite_max(np.abs(c)))
            self.cell_panel.set_values(c, 0 if d == 0 else 1, (-m, m))
        finite = bool(np.isfinite(h).all())
        for g, values in tr.gates(l, d).items():
            self.gate_panels[g].set_values(values, 1)
        self.gradient_panels.refresh_units(tr, l, d, direction_label(l, d))
        self._refresh_runs()
        self._update_info(finite)

    def _refresh_runs(self) -> None:
        if self._runs:
            self.runs_panel.set_runs(self._runs, self._layer, self._direction, self._unit)

    def _update_info(self, finite: bool) -> None:
        net = self.trace.network
        text = f"{MODE_NAMES.get(net.mode, net.mode)} · H = {net.hidden_size} · T = {self.trace.steps}"
        if finite:
            text += " · click a line, a legend entry or a heatmap row to select a unit"
        else:
            text += " · ⚠ h has overflowed (±inf or NaN): the weights or inputs are too large"
        self.info.setText(text)

    def _x_max(self) -> int:
        """The last step on the time axis: T, or T + 1 where the backward direction
        starts (its h_0), shown only while the backward direction is selected."""
        T = self.trace.steps
        return T + 1 if self._direction == 1 and self.trace.network.num_directions == 2 else T

    def _apply_x_max(self) -> None:
        T, x_max = self.trace.steps, self._x_max()
        vb = self.hidden_panel.plot.plot_item.getViewBox()
        lo, hi = vb.viewRange()[0]
        zoomed = hi - lo < T - 0.01  # the user zoomed in time: keep that window
        others = (self.output_panel, self.loss_panel, *self.gradient_panels.panels())
        for p in (*self.active_unit_panels(), *others):
            if p.plot.x_max != x_max:
                p.plot.set_steps(T, x_max)
        if zoomed:
            vb.setXRange(max(lo, -0.5), min(hi, x_max + 0.5), padding=0)  # linked panels follow

    @staticmethod
    def _with_initial(states: np.ndarray, initial: np.ndarray, direction: int) -> np.ndarray:
        """[T+1, H]: the initial state first (forward) or last (backward, at step T + 1)."""
        if direction == 0:
            return np.vstack([initial[None, :], states])
        return np.vstack([states, initial[None, :]])

    def _refresh_loss(self) -> None:
        if self.has_loss():
            self.loss_panel.set_values(self._loss)
            self.loss_panel.set_step(self._step)

    @staticmethod
    def _output_names(trace, seq) -> tuple[str, ...]:
        if trace.y is None:
            return ()
        out = trace.y.shape[1]
        if seq.is_text and len(seq.vocabulary) == out:
            return tuple(visible_token(w) for w in seq.vocabulary)
        if len(seq.target_names) == out:
            return tuple(seq.target_names)
        return tuple(f"y{k + 1}" for k in range(out))

    def _layout(self) -> None:
        visible = self.visible_panels()
        cols = 2 if self.width() >= TWO_COLUMNS_FROM else 1
        if (tuple(map(id, visible)), cols) == self._arranged:
            return  # re-adding widgets would re-lay-out and repaint every panel
        self._arranged = (tuple(map(id, visible)), cols)
        for p in self.panels_all():
            self.grid.removeWidget(p)
        self._columns = cols
        tiles = [p for p in visible if p is not self.output_panel]
        output = self.output_panel in visible
        row = col = 0
        for i, p in enumerate(tiles):
            span = cols if i == len(tiles) - 1 and col == 0 else 1
            self.grid.addWidget(p, row, col, 1, span)
            col += span
            if col >= cols:
                row, col = row + 1, 0
                if row == 1 and output:  # y_t right under h_t (and c_t)
                    self.grid.addWidget(self.output_panel, row, 0, 1, cols)
                    row, output = row + 1, False
        if col > 0:
            row += 1
        if output:
            self.grid.addWidget(self.output_panel, row, 0, 1, cols)
            row += 1
        for p in self.panels_all():  # after adding: a first addWidget re-parents, which hides
            p.setVisible(p in visible)
        for p in visible:  # a panel hidden during a change of theme or zoom catches up
            restyle(p)
        for r in range(self.grid.rowCount()):  # a grid never forgets rows: empty ones must not stretch
            self.grid.setRowStretch(r, 1 if r < row else 0)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 1 if c < cols else 0)

    def resizeEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(ev)
        cols = 2 if self.width() >= TWO_COLUMNS_FROM else 1
        if self.trace is not None and cols != self._columns:
            self._layout()

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(900, 650)

    # -- selection ------------------------------------------------------------------------
    def _sync_selector(self) -> None:
        i = self._layer * self.trace.network.num_directions + self._direction
        self.selector.blockSignals(True)
        self.selector.setCurrentIndex(min(max(i, 0), self.selector.count() - 1))
        self.selector.blockSignals(False)

    def _set_unit(self, unit: int) -> None:
        self._unit = int(unit)
        for p in self.unit_panels_all():
            p.set_unit(self._unit)
        self.gradient_panels.units.set_unit(self._unit)
        if self.trace is not None:
            self._refresh_runs()

    def _set_gate(self, gate: str) -> None:
        old, self._gate = self._gate, gate or ""
        for g in {old, self._gate} & set(self.gate_panels):  # a style sheet re-polishes: touch two at most
            self.gate_panels[g].setStyleSheet(roles.selected_gate_sheet(g) if g == self._gate else "")

    def _on_plot_x_range_changed(self, vb, x_range) -> None:
        if self._syncing_x:
            return
        self._syncing_x = True
        try:
            for p in self.panels_all():
                other = p.plot.plot_item.getViewBox()
                if other is not vb:
                    other.setXRange(*x_range, padding=0)
        finally:
            self._syncing_x = False

    def _on_panel_unit_selected(self, unit: int) -> None:
        self._set_unit(unit)
        self.sig_unit_selected.emit(unit)

    def _on_panel_gate_selected(self, gate: str) -> None:
        self._set_gate(gate)
        self.sig_gate_selected.emit(gate)

    def _on_selector_activated(self, index: int) -> None:
        layer, direction = self.selector.itemData(index)
        if (layer, direction) != (self._layer, self._direction):
            self._layer, self._direction = layer, direction
            self._refresh_units()
        self.sig_layer_direction_selected.emit(layer, direction)

    @property
    def selection(self) -> tuple[int, int, int, str]:
        return self._layer, self._direction, self._unit, self._gate
