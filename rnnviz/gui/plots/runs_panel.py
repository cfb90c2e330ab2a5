"""Compare mode's first panel: h_t of the selected unit in every run, one colour a run.

The lesson of the impulse examples side by side: a vanilla RNN's unit lets the value
fade within a few steps while an LSTM's or a GRU's holds it.  The unit, layer and
direction are the ones chosen for every panel (a run with fewer units, layers or
directions shows its last one); h_0 is drawn at t = 0 as in the h_t panel.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from . import style
from .outputs import _title
from .timeplot import TimePlot


class RunsPanel(QtWidgets.QFrame):
    """See the module doc."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_runs")
        self.title = _title("h<sub>t</sub> of every run")
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
        box.addWidget(self.title)
        box.addWidget(self.legend)
        box.addWidget(self.plot, 1)

    def set_runs(self, computed_runs, layer: int, direction: int, unit: int) -> None:
        """``computed_runs``: each run's :class:`~rnnviz.session.compute.Computed`."""
        pi = self.plot.plot_item
        for c in self.curves:
            pi.removeItem(c)
        self.curves, self._values, parts = [], [], []
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
            colour = style.unit_colour(k)
            pen = pg.mkPen(colour, width=2.5)
            pen.setCosmetic(True)
            curve = pg.PlotDataItem(np.arange(x0, x0 + values.shape[0]), values, pen=pen, connect="finite")
            pi.addItem(curve)
            self.curves.append(curve)
            name = c.session.run_name
            self._values.append((name, values, x0))
            where = f"unit {u + 1}" + (f", layer {l + 1}" if net.num_layers > 1 else "")
            parts.append(f'<span style="color:{colour}">——&nbsp;{html.escape(name)} ({where})</span>')
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
        return None if best is None else f"t={t} · {best[1]}: h = {best[2]:.4g}"
