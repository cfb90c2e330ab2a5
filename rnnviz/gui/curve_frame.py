"""A growing curve's plot range that moves in steps, not at every redraw.

A live loss curve grows by a few points each redraw; with plain auto-range the axes
get a new range each time and pyqtgraph regenerates and repaints both axes of every
plot (measured: a third of the window's painting during training).  A
:class:`StableFrame` adds an invisible two-point item spanning "nice" bounds around
the data (x up to the next 1 / 1.5 / 2 / 3 / 5 / 7.5 × 10^k, y out to whole decades on
a log axis, to 1-2-5 steps on a linear one).  pyqtgraph's auto-range fits it, so the
range changes only when the data outgrow those bounds, and a user's zoom or the "A"
button behave as before.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

_STEPS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0)


def nice_above(v: float, steps: tuple[float, ...] = _STEPS) -> float:
    """The smallest step × 10^k ≥ v (v > 0)."""
    k = math.floor(math.log10(v))
    for s in steps:
        if s * 10.0**k >= v * (1 - 1e-12):
            return s * 10.0**k
    return 10.0 ** (k + 1)


def stable_bounds(x_first: float, x_last: float, y_min: float, y_max: float, log: bool) -> tuple:
    """(x0, x1, y0, y1) enclosing the data, in data units, that change only in steps."""
    x1 = nice_above(max(x_last, 1.0))
    x0 = min(x_first, 0.0) if x_first <= 1 else x_first
    if log:
        lo = 10.0 ** math.floor(math.log10(y_min))
        hi = 10.0 ** math.ceil(math.log10(y_max))
        return x0, x1, lo, hi if hi > lo else lo * 10
    hi = nice_above(y_max, (1.0, 2.0, 5.0, 10.0)) if y_max > 0 else 0.0
    lo = -nice_above(-y_min, (1.0, 2.0, 5.0, 10.0)) if y_min < 0 else 0.0
    return x0, x1, lo, hi if hi > lo else lo + 1.0


class StableFrame:
    """The invisible bounds item of one plot (see the module doc)."""

    def __init__(self, plot: pg.PlotItem):
        # a transparent pen, not none: pyqtgraph's auto-range skips items that draw nothing
        self.item = pg.PlotDataItem([], [], pen=pg.mkPen(0, 0, 0, 0), symbol=None)
        self.item.setZValue(-100)
        plot.addItem(self.item, ignoreBounds=False)
        self._bounds: tuple | None = None

    def fit(self, curves: list[tuple[np.ndarray, np.ndarray]], log: bool) -> None:
        """Span the finite points of ``curves`` [(x, y)] (y > 0 only, on a log axis)."""
        xs, ys = [], []
        for x, y in curves:
            keep = np.isfinite(y) & ((y > 0) if log else True)
            if keep.any():
                xs.append(x[keep])
                ys.append(y[keep])
        if not xs:
            bounds = None
        else:
            x, y = np.concatenate(xs), np.concatenate(ys)
            bounds = stable_bounds(float(x.min()), float(x.max()), float(y.min()), float(y.max()), log)
        if bounds == self._bounds:
            return
        self._bounds = bounds
        if bounds is None:
            self.item.setData([], [])
        else:
            x0, x1, y0, y1 = bounds
            self.item.setData([x0, x1], [y0, y1])


__all__ = ["StableFrame", "nice_above", "stable_bounds"]
