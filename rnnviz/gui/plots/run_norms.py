"""Compare mode in the gradient panel: ‖∂L/∂h_t‖ of every run on one log axis.

The vanishing-gradient picture of the course: a tanh RNN's line falls by tens of
orders of magnitude towards t = 1 where an LSTM's or a GRU's stays nearly flat.  One
colour a run, the run's name in the legend, and in words each run's
‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ (for the layer and direction chosen; a run with fewer layers
shows its last one).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg

from . import style
from .fast_curve import FastPlotDataItem

#: one run: its name, its gradients (``engine.trace.Gradients``) and its network
RunGradients = tuple[str, object, object]


class RunNorms:
    """The run curves of one plot (see the module doc)."""

    def __init__(self, plot_item: pg.PlotItem):
        self.plot_item = plot_item
        self.curves: list[pg.PlotDataItem] = []
        self.norms: dict[str, np.ndarray] = {}  # run name → as plotted (≤ 0 is NaN)

    def clear(self) -> None:
        for c in self.curves:
            self.plot_item.removeItem(c)
        self.curves, self.norms = [], {}

    def show(self, runs: list[RunGradients], layer: int, direction: int) -> tuple[str, str]:
        """Draw ``runs``; returns (legend, caption) as escaped rich text."""
        self.clear()
        legend, caption = [], []
        for k, (name, grads, net) in enumerate(runs):
            if grads is None:
                continue
            l = min(layer, net.num_layers - 1)
            d = min(direction, net.num_directions - 1)
            raw = np.sqrt(np.sum(np.square(grads.dh(l, d)), axis=1))  # [T]
            norms = np.where(raw > 0, raw, np.nan)
            colour = style.unit_colour(k)
            pen = style.pen(colour, 2.5)
            curve = FastPlotDataItem(np.arange(1, norms.shape[0] + 1), norms, pen=pen, connect="finite")
            self.plot_item.addItem(curve)
            self.curves.append(curve)
            self.norms[name] = norms
            label = html.escape(name)
            legend.append(f'<span style="color:{colour.name()}">——&nbsp;{label}</span>')
            far = 0 if d == 0 else raw.shape[0] - 1
            near = raw.shape[0] - 1 - far
            if raw[near] > 0 and np.isfinite(raw).all():
                ratio = raw[far] / raw[near]
                caption.append(
                    f'<span style="color:{colour.name()}">{label}</span>: ‖∂L/∂h<sub>{far + 1}</sub>‖ / '
                    f"‖∂L/∂h<sub>{near + 1}</sub>‖ = {_power(ratio)}"
                )
        return " &nbsp; &nbsp; ".join(legend), "<br>".join(caption)

    def readout(self, t: int, y: float) -> str | None:
        """The run nearest the mouse at step t (y: log10 of the value)."""
        best = None
        for name, norms in self.norms.items():
            if 1 <= t <= norms.shape[0] and np.isfinite(norms[t - 1]):
                dist = abs(np.log10(norms[t - 1]) - y)
                if best is None or dist < best[0]:
                    best = (dist, name, norms[t - 1])
        return None if best is None else f"t={t} · {best[1]}: ‖∂L/∂h_t‖ = {best[2]:.3g}"


def _power(value: float) -> str:
    from .gradients import power_of_ten

    return power_of_ten(float(value))
