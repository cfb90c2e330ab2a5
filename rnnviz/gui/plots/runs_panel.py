"""Compare mode's first panel: every run's output y_t, or h_t of the selected unit.

The lesson of the memory examples side by side: one run's prediction reaches the
target where another's does not, and a vanilla RNN's unit lets a value fade within a
few steps while a GRU's holds it.  "y_t" shows each run's first output (the target
dashed); "h_t" the unit, layer and direction chosen for every panel (a run with fewer
units, layers or directions shows its last one), h_0 at t = 0 as in the h_t panel.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import style
from .fast_curve import FastPlotDataItem
from .outputs import _title
from .timeplot import TimePlot


class RunsPanel(QtWidgets.QFrame):
    """See the module doc."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_runs")
        self.title = _title("y<sub>t</sub> of every run")
        self.what = QtWidgets.QComboBox()
        self.what.addItem("output y_t", "y")
        self.what.addItem("hidden state h_t", "h")
        self.what.setToolTip("What every run's curve shows")
        self.what.activated.connect(lambda _i: self._redraw())
        self._args: tuple | None = None
        self.legend = QtWidgets.QLabel()
        self.legend.setFont(style.font(style.AXIS_PT))
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        style.style_plot(self.plot.plot_item)
        self.sig_step_requested = self.plot.sig_step_requested
        self.curves: list[pg.PlotDataItem] = []
        self._values: list[tuple[str, np.ndarray, int]] = []  # (name, h [T + 1], x0)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.what)
        box.addLayout(head)
        box.addWidget(self.legend)
        box.addWidget(self.plot, 1)

    def set_runs(self, computed_runs, layer: int, direction: int, unit: int) -> None:
        """``computed_runs``: each run's :class:`~rnnviz.session.compute.Computed`."""
        self._args = (computed_runs, layer, direction, unit)
        outputs = all(c.trace.y is not None for c in computed_runs)
        self.what.setEnabled(outputs)
        if not outputs:
            self.what.setCurrentIndex(1)
        self._redraw()

    def _redraw(self) -> None:
        if self._args is None:
            return
        computed_runs, layer, direction, unit = self._args
        if self.what.currentData() == "y":
            self._show_outputs(computed_runs)
        else:
            self._show_states(computed_runs, layer, direction, unit)

    def _clear(self) -> None:
        for c in self.curves:
            self.plot.plot_item.removeItem(c)
        self.curves, self._values = [], []

    def _add(self, k: int, name: str, x0: int, values: np.ndarray) -> str:
        colour = style.unit_colour(k)
        pen = style.pen(colour, 2.5)
        curve = FastPlotDataItem(np.arange(x0, x0 + values.shape[0]), values, pen=pen, connect="finite")
        self.plot.plot_item.addItem(curve)
        self.curves.append(curve)
        self._values.append((name, values, x0))
        return colour

    def _show_outputs(self, computed_runs) -> None:
        self._clear()
        parts = []
        T = computed_runs[0].trace.steps
        for k, c in enumerate(computed_runs):
            y = c.trace.y[:, 0]  # [T]
            colour = self._add(k, c.session.run_name, 1, y)
            parts.append(f'<span style="color:{colour.name()}">——&nbsp;{html.escape(c.session.run_name)}: '
                         f"y<sub>{T}</sub> = {y[-1]:.3g}</span>")  # fmt: skip
        targets = computed_runs[0].session.sequence.targets
        if targets is not None:
            target = np.asarray(targets[:, 0], float)  # [T], NaN where no target
            pen = style.pen(style.FOREGROUND, 2, style=QtCore.Qt.PenStyle.DashLine)
            symbols = {
                "symbol": "o",
                "symbolBrush": QtGui.QColor(style.FOREGROUND),
                "symbolSize": style.scaled(7),
            }
            curve = FastPlotDataItem(np.arange(1, T + 1), target, pen=pen, connect="finite", **symbols)
            self.plot.plot_item.addItem(curve)
            self.curves.append(curve)
            self._values.append(("target", target, 1))
            parts.append("- - target")
        self.title.setText("y<sub>t</sub> of every run (its first output)")
        self.legend.setText(" &nbsp; &nbsp; ".join(parts))
        if self.plot.x_max != T:
            self.plot.set_steps(T, T)

    def _show_states(self, computed_runs, layer: int, direction: int, unit: int) -> None:
        self._clear()
        parts = []
        T = 0
        for k, c in enumerate(computed_runs):
            net, trace = c.trace.network, c.trace
            l, d = min(layer, net.num_layers - 1), min(direction, net.num_directions - 1)
            u = min(unit, net.hidden_size - 1)
            row = l * net.num_directions + d
            h = trace.hidden(l, d)[:, u]  # [T]
            h0 = trace.h0[row][u]
            values, x0 = (np.concatenate([[h0], h]), 0) if d == 0 else (np.concatenate([h, [h0]]), 1)
            T = max(T, trace.steps)
            name = c.session.run_name
            colour = self._add(k, name, x0, values)
            where = f"unit {u + 1}" + (f", layer {l + 1}" if net.num_layers > 1 else "")
            parts.append(f'<span style="color:{colour.name()}">——&nbsp;{html.escape(name)} ({where})</span>')
        self.title.setText(f"h<sub>t</sub> of unit {unit + 1} in every run")
        self.legend.setText(" &nbsp; &nbsp; ".join(parts))
        if T and self.plot.x_max != T:
            self.plot.set_steps(T, T)

    def set_step(self, t: int) -> None:
        self.plot.set_cursor(t)

    def _readout(self, x: float, y: float) -> str | None:
        t = int(round(x))
        best = None
        for name, values, x0 in self._values:
            i = t - x0
            if 0 <= i < values.shape[0] and np.isfinite(values[i]):
                dist = abs(values[i] - y)
                if best is None or dist < best[0]:
                    best = (dist, name, values[i])
        what = "y" if self.what.currentData() == "y" else "h"
        return None if best is None else f"t={t} · {best[1]}: {what} = {best[2]:.4g}"
