"""Compare mode in the Training tab: the other runs' loss and gradient-norm curves.

Every run trains with the same settings and data order (round by round), so their
curves share the x axis update for update.  One colour a run (the plots' run colours:
the active run's own curves keep theirs), each named in the loss plot's legend.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg

from rnnviz.session.training import TrainingTick

from .plots import style


class RunCurves:
    """The loss and gradient-norm curves of runs 2, 3, … (see the module doc)."""

    def __init__(self, plot: pg.PlotItem, norm_plot: pg.PlotItem):
        self.plot, self.norm_plot = plot, norm_plot
        self.items: list[pg.PlotDataItem] = []
        self.norm_items: list[pg.PlotDataItem] = []
        self.x: list[list[float]] = []
        self.y: list[list[float]] = []
        self.g: list[list[float]] = []

    def set_runs(self, runs) -> None:
        """``runs``: the session's other runs (their histories so far)."""
        names = [html.escape(r.name) for r in runs]  # a legend label is rich text
        if names != [item.name() for item in self.items]:
            for item in self.items:
                self.plot.removeItem(item)
                if self.plot.legend is not None:
                    self.plot.legend.removeItem(item)
            for item in self.norm_items:
                self.norm_plot.removeItem(item)
            self.items, self.norm_items = [], []
            for k, name in enumerate(names, start=1):
                pen = style.pen(style.unit_colour(k), 1.5)
                self.items.append(self.plot.plot(name=name, pen=pen))
                self.norm_items.append(self.norm_plot.plot(pen=pen))
        self.x = [np.arange(1, r.training.history.updates + 1).tolist() for r in runs]
        self.y = [r.training.history.loss.tolist() for r in runs]
        self.g = [r.training.history.grad_norm.tolist() for r in runs]

    def add_ticks(self, ticks: list[TrainingTick]) -> None:
        for t in ticks:
            if t.run > 0 and not t.stopped and t.run - 1 < len(self.x):
                self.x[t.run - 1].append(t.update)
                self.y[t.run - 1].append(t.loss)
                self.g[t.run - 1].append(t.grad_norm)

    def draw(self, transform, log: bool) -> tuple[list, list]:
        """Hand each curve its data (``transform``: loss → perplexity / bits); returns the
        loss curves' and the norm curves' (x, y)."""
        losses, norms = [], []
        for k, xs in enumerate(self.x):
            x = np.asarray(xs, float)
            for items, values, out, f in ((self.items, self.y, losses, transform),
                                          (self.norm_items, self.g, norms, lambda v: v)):  # fmt: skip
                xk, y = x, f(np.asarray(values[k], float))
                if log:
                    keep = y > 0
                    xk, y = xk[keep], y[keep]
                items[k].setData(xk, y, skipFiniteCheck=True)
                out.append((xk, y))
        return losses, norms
