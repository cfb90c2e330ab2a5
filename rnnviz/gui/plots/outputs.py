"""The output head over time with a bar chart of the current step, and the loss per step."""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import style
from .fast_curve import FastPlotDataItem
from .sampled import sampled_caption, sampled_distributions
from .timeplot import ReadoutPlot, TimePlot, brush

HEAD_TITLES = {
    "softmax": "y<sub>t</sub> = softmax(W<sub>hy</sub> h<sub>t</sub> + b<sub>y</sub>)",
    "sigmoid": "y<sub>t</sub> = σ(W<sub>hy</sub> h<sub>t</sub> + b<sub>y</sub>)",
    None: "y<sub>t</sub> = W<sub>hy</sub> h<sub>t</sub> + b<sub>y</sub>",
}
#: Beyond this magnitude pyqtgraph's ranges and paths break down (lines jump to 0, bars and
#: ticks vanish, NumPy warns): such values are left out of the plots, and said.
DRAW_LIMIT = 1e100
WARNING = "#b35900"  # the colour of what the plots cannot show


def drawable(a: np.ndarray) -> np.ndarray:
    """``a`` with every value that cannot be drawn (±inf, NaN, beyond ±DRAW_LIMIT) as NaN."""
    a = np.asarray(a, dtype=float)
    return np.where(np.abs(np.nan_to_num(a, nan=np.inf)) <= DRAW_LIMIT, a, np.nan)


def _undrawn(a: np.ndarray | None) -> np.ndarray:
    """[T] bool: the steps of ``a`` [T, out] holding a value too large to draw (NaN is a gap)."""
    if a is None:
        return np.zeros(0, dtype=bool)
    return (np.isinf(a) | (np.abs(np.nan_to_num(a)) > DRAW_LIMIT)).any(axis=1)


def set_curve(curve: pg.PlotDataItem, xs: np.ndarray, ys: np.ndarray) -> None:
    """``curve.setData``, NaN making gaps; with nothing finite, no data (pyqtgraph's bounds
    of an all-NaN curve warn)."""
    if np.isfinite(ys).any():
        curve.setData(xs, ys)
    else:
        curve.setData([], [])


HEAD_TEXT = {
    "softmax": "y_t = softmax(W_hy h_t + b_y)",
    "sigmoid": "y_t = σ(W_hy h_t + b_y)",
    None: "y_t = W_hy h_t + b_y",
}


def _title(html: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(html)
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    label.setFont(style.font(style.TITLE_PT, bold=True))
    label.setWordWrap(True)  # zoomed in, a long title wraps instead of widening the panel
    return label


class OutputPanel(QtWidgets.QFrame):
    """y_t for every output over time (targets dashed), and y at the current step as bars."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_y")
        self.title = _title(HEAD_TITLES["softmax"])
        self.title_text = HEAD_TEXT["softmax"]
        self.legend = QtWidgets.QLabel()
        self.legend.setFont(style.font(style.AXIS_PT))
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)  # a long vocabulary wraps instead of widening the panel
        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        self.plot.plot_item.getAxis("left").setWidth(round(style.scaled(42)))
        self.sig_step_requested = self.plot.sig_step_requested
        self.bars_plot = ReadoutPlot()
        self.bars_plot.readout_fn = self._bar_readout
        self.bars_plot.plot_item.getViewBox().setMouseEnabled(x=False, y=False)
        self.bars_plot.plot_item.getAxis("left").setWidth(round(style.scaled(42)))
        self.bars_plot.plot_item.showGrid(x=False, y=True, alpha=style.grid_alpha())
        # the names follow the bars' own width (the panel's resize comes before the plot's)
        self.bars_plot.plot_item.getViewBox().sigResized.connect(self._update_bar_ticks)
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=0.7, brush=brush(style.BAR), pen=None)
        self.bars_plot.addItem(self.bars)
        self.own_bars = pg.BarGraphItem(
            x=[], height=[], width=0.85, pen=style.pen(style.MUTED, 1.5), brush=None
        )
        self.bars_plot.addItem(self.own_bars)  # a generated run: y_t (τ = 1) behind p_t = softmax(z_t/τ)
        self._sampled: tuple[np.ndarray, np.ndarray] | None = None
        self._tau = 1.0
        self.target_marks = pg.ScatterPlotItem(
            symbol="_", size=style.scaled(28), pen=style.pen(style.TARGET, 3), brush=brush(style.TARGET)
        )
        self.bars_plot.addItem(self.target_marks)
        self.target_label = pg.TextItem(
            "target", color=style.FOREGROUND, anchor=(0.5, 1.0), fill=brush(style.BACKGROUND, 230),
            border=pg.mkPen(style.FOREGROUND),
        )  # fmt: skip
        self.target_label.setZValue(20)
        self.target_label.setFont(style.font(style.AXIS_PT, bold=True))
        self.target_label.hide()
        self.bars_plot.plot_item.addItem(self.target_label, ignoreBounds=True)
        self._no_pen = pg.mkPen(None)
        self._target_pen = style.pen(style.FOREGROUND, 3)
        self._bar_brushes: list = []
        self.bars_caption = QtWidgets.QLabel()
        # its text changes every step: a fixed size keeps that from re-laying-out the grid
        self.bars_caption.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self.bars_caption.setFont(style.font(style.AXIS_PT))
        self.bars_caption.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.curves: list[pg.PlotDataItem] = []
        self.target_curves: list[pg.PlotDataItem] = []
        self._y = np.zeros((0, 0))
        self._targets: np.ndarray | None = None
        self._y_drawn = np.zeros((0, 0))
        self._targets_drawn: np.ndarray | None = None
        self._legend_text = ""
        self._target_index: np.ndarray | None = None
        self._names: tuple[str, ...] = ()
        self._step = 0
        self._text = False
        self._classes = False  # one class per step (softmax over a vocabulary): mark the target bar
        self._activation: str | None = None

        right = QtWidgets.QVBoxLayout()
        right.setSpacing(0)
        right.addWidget(self.bars_caption)
        right.addWidget(self.bars_plot, 1)
        plots = QtWidgets.QHBoxLayout()
        plots.setSpacing(4)
        plots.addWidget(self.plot, 3)
        plots.addLayout(right, 2)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addWidget(self.title)
        box.addWidget(self.legend)
        box.addLayout(plots, 1)

    # -- structure -------------------------------------------------------------------
    def build(
        self, outputs: int, steps: int, activation: str | None, names: tuple[str, ...], text: bool,
        x_max: int | None = None,
    ) -> None:  # fmt: skip
        pi = self.plot.plot_item
        for c in self.curves + self.target_curves:
            pi.removeItem(c)
        self.title.setText(HEAD_TITLES[activation])
        self.title_text = HEAD_TEXT[activation]
        self._names = names
        self._text = text
        self._activation = activation
        # a softmax over tokens is one class per step; a sigmoid says yes/no per output
        self._classes = text and activation == "softmax"
        n = min(outputs, style.MAX_LINES)
        marks = steps <= style.SYMBOLS_UP_TO
        self.curves, self.target_curves = [], []
        for k in range(n):
            pen = style.unit_pen(k, False, False, thin=steps > style.ANTIALIAS_UP_TO)
            curve = FastPlotDataItem(
                pen=pen,
                symbol="o" if marks else None,
                symbolSize=style.scaled(5),
                symbolPen=pen.color(),
                symbolBrush=pen.color(),
                antialias=steps <= style.ANTIALIAS_UP_TO,
            )
            style.time_curve(curve)
            style.cache_curve(curve, steps)
            pi.addItem(curve)
            self.curves.append(curve)
            if not self._classes:  # one-hot targets say little as lines; the bar chart marks them
                tpen = style.pen(pen.color(), 1.0, style=QtCore.Qt.PenStyle.DashLine)
                target = FastPlotDataItem(pen=tpen, antialias=steps <= style.ANTIALIAS_UP_TO, connect="finite")
                style.time_curve(target)
                style.cache_curve(target, steps)
                pi.addItem(target)
                self.target_curves.append(target)
        self.plot.set_steps(steps, x_max)
        # each output keeps its line's colour in the bar chart
        self._bar_brushes = [
            brush(style.unit_colour(k).name()) if k < n else brush(style.BAR) for k in range(outputs)
        ]
        self.bars_plot.plot_item.setXRange(-0.6, outputs - 0.4, padding=0)
        self._update_bar_ticks()
        shown = ", ".join(
            f'<span style="color:{style.unit_colour(k).name()}">■ {escape(names[k])}</span>' for k in range(n)
        )
        more = f" … (first {n} of {outputs})" if outputs > n else ""
        dashed = " · dashed: target" if not self._classes else ""
        self._legend_text = shown + more + dashed
        self.legend.setText(self._legend_text)

    def _say_undrawn(self) -> None:
        """The legend names the first steps whose outputs or targets are too large to draw."""
        over_y, over_t = _undrawn(self._y), _undrawn(self._targets)
        parts = [
            f"{what} at t = {', '.join(str(int(t) + 1) for t in np.flatnonzero(over)[:3])}"
            + (", …" if over.sum() > 3 else "")
            for what, over in (("y", over_y), ("targets", over_t))
            if over.any()
        ]
        warning = f' · <span style="color:{WARNING}">⚠ too large to draw: {"; ".join(parts)}</span>'
        self.legend.setText(self._legend_text + (warning if parts else ""))

    def _update_bar_ticks(self, *_args) -> None:
        """Every name that fits under its bar: every 2nd, 3rd … when they would overlap."""
        names = self._names
        if not names:
            return
        width = max(1.0, self.bars_plot.plot_item.getViewBox().width())
        metrics = QtGui.QFontMetrics(style.font(style.AXIS_PT))
        widest = max(metrics.horizontalAdvance(n) for n in names) + 8
        stride = max(1, int(np.ceil(widest / (width / len(names)))))
        ticks = [(k, names[k]) for k in range(0, len(names), stride)]
        self.bars_plot.plot_item.getAxis("bottom").setTicks([ticks])

    # -- numbers ---------------------------------------------------------------------
    def set_values(self, y: np.ndarray, targets: np.ndarray | None) -> None:
        """``y`` [T, out] from the trace; ``targets`` [T, out] or None."""
        self._y = y
        self._targets = targets if targets is not None and targets.shape == y.shape else None
        self._y_drawn = drawable(y)  # [T, out]
        self._targets_drawn = None if self._targets is None else drawable(self._targets)
        self._target_index = None
        if self._classes and self._targets is not None:
            # the class at each step; −1 where the step has no target (a NaN row, many-to-one)
            rows = np.nan_to_num(self._targets, nan=0.0)
            self._target_index = np.where(rows.sum(axis=1) > 0, np.argmax(rows, axis=1), -1)
        xs = np.arange(1, y.shape[0] + 1)
        for k, curve in enumerate(self.curves):
            set_curve(curve, xs, self._y_drawn[:, k])
        for k, curve in enumerate(self.target_curves):
            if self._targets_drawn is None:
                curve.setData([], [])
            else:
                set_curve(curve, xs, self._targets_drawn[:, k])
        self._say_undrawn()
        vb = self.bars_plot.plot_item.getViewBox()
        if self._activation in ("softmax", "sigmoid"):
            # probabilities: from 0 up to the largest one in the sequence (tenths), so that
            # small bars stay readable and the scale does not jump from step to step
            both = y if self._sampled is None else np.concatenate([y, self._sampled[0]])
            finite = both[np.isfinite(both)]
            top = float(finite.max()) if finite.size else 1.0
            vb.setYRange(0.0, min(1.0, max(0.1, np.ceil(top * 10.5) / 10)), padding=0.04)
        else:
            both = (
                self._y_drawn
                if self._targets_drawn is None
                else np.concatenate([self._y_drawn, self._targets_drawn])
            )
            finite = both[np.isfinite(both)]
            lo = min(0.0, float(finite.min())) if finite.size else 0.0
            hi = max(0.0, float(finite.max())) if finite.size else 1.0
            vb.setYRange(lo, hi if hi > lo else lo + 1, padding=0.06)
        self.plot.plot_item.enableAutoRange(axis="y")
        self.set_step(self._step)

    def restyle_look(self) -> None:
        """The target bar's outline in the new foreground and width (the restyle did the rest)."""
        self._target_pen = style.pen(style.FOREGROUND, 3)
        if self._y.size:
            self.set_step(self._step)
        self._update_bar_ticks()

    def set_generated(self, run, trace) -> None:
        """A generated run (or None): its steps' bars become the distribution drawn from."""
        self._sampled = sampled_distributions(run, trace)
        self._tau = run.continuation.temperature if self._sampled is not None else 1.0

    def set_step(self, t: int) -> None:
        self._step = t
        self.plot.set_cursor(t)
        T, out = self._y.shape
        xs = np.arange(out)
        drawn = -1 if self._sampled is None or not 1 <= t <= T else int(self._sampled[1][t - 1])
        self.own_bars.setOpts(x=xs if drawn >= 0 else [], height=self._y[t - 1] if drawn >= 0 else [])
        if drawn >= 0:
            self._show_drawn(t, drawn, xs)
            return
        self.target_label.setText("target")
        if not 1 <= t <= T:
            # every per-bar option anew: a pen list of the old output count crashed Qt's paint
            self.bars.setOpts(
                x=xs, height=np.zeros(out), brushes=self._bar_brushes, pens=[self._no_pen] * out
            )
            self.target_marks.setData([], [])
            self.target_label.hide()
            self.bars_caption.setText("t = 0: no output yet (h<sub>0</sub> is the initial state)")
            return
        y = self._y[t - 1]
        shown_y = np.nan_to_num(self._y_drawn[t - 1], nan=0.0)  # [out] a bar too large to draw: none
        pens = [self._no_pen] * out
        caption = f"y<sub>{t}</sub>"
        if self._activation == "sigmoid" and out == 1:  # the argmax of one output says nothing
            caption += f" = {y[0]:.2f} = P({escape(self._names[0])})"
        self.target_label.hide()
        k = -1 if self._target_index is None else int(self._target_index[t - 1])
        if k >= 0:
            pens[k] = self._target_pen
            caption += f" · target: <b>{escape(self._names[k])}</b>"
            self.target_marks.setData([], [])
            self._place_target_label(k, float(shown_y[k]), out)
        elif self._targets is not None and not self._classes:
            target = self._targets_drawn[t - 1]
            shown = np.isfinite(target)
            self.target_marks.setData(xs[shown], target[shown])
            if shown.any():
                caption += f' · <span style="color:{style.TARGET}">— target</span>'
        else:
            self.target_marks.setData([], [])
        if self._classes:
            best = int(np.argmax(y))
            caption += f" · predicted: {escape(self._names[best])} ({y[best]:.2f})"
        caption += self._undrawn_caption(t)
        self.bars_caption.setToolTip(caption)
        self.bars.setOpts(x=xs, height=shown_y, brushes=self._bar_brushes, pens=pens)
        self.bars_caption.setText(caption)

    def _show_drawn(self, t: int, k: int, xs: np.ndarray) -> None:
        """A generated run's step: the bars are p_t, the drawn token is marked."""
        p = self._sampled[0][t - 1]  # [V]
        pens = [self._no_pen] * len(xs)
        pens[k] = self._target_pen
        self.target_marks.setData([], [])
        self.bars.setOpts(x=xs, height=p, brushes=self._bar_brushes, pens=pens)
        self.target_label.setText(f"drawn: {self._names[k]}")
        self._place_target_label(k, float(p[k]), len(xs))
        caption = sampled_caption(t, p, self._y[t - 1], k, self._names, self._tau)
        self.bars_caption.setText(caption)
        self.bars_caption.setToolTip(caption)

    def _undrawn_caption(self, t: int) -> str:
        """' · ⚠ not drawn: y a = 2e+200' for the values of step t too large to draw."""
        parts = []
        for what, values, drawn in (
            ("y", self._y, self._y_drawn),
            ("target", self._targets, self._targets_drawn),
        ):
            if values is None:
                continue
            for k in np.flatnonzero(np.isnan(drawn[t - 1]) & ~np.isnan(values[t - 1]))[:2]:
                parts.append(f"{what} {escape(self._names[k])} = {values[t - 1, k]:.3g}")
        return f' · <span style="color:{WARNING}">⚠ not drawn: {", ".join(parts)}</span>' if parts else ""

    def _place_target_label(self, k: int, height: float, out: int) -> None:
        """'target' over bar ``k``; inside its top when the bar reaches the top of the plot."""
        top = self.bars_plot.plot_item.getViewBox().viewRange()[1][1]
        inside = height > 0.82 * top
        edge = 0.0 if k == 0 and out > 1 else 1.0 if k == out - 1 and out > 1 else 0.5  # stay inside
        self.target_label.setAnchor((edge, -0.15 if inside else 1.0))
        self.target_label.setPos(k, height)
        self.target_label.show()

    @property
    def bar_heights(self) -> np.ndarray:
        return np.asarray(self.bars.opts["height"], dtype=float)

    # -- readouts ------------------------------------------------------------------------
    def _readout(self, x: float, y: float) -> str | None:
        t = int(round(x))
        if not 1 <= t <= self._y.shape[0] or not self.curves:
            return None
        row = self._y[t - 1, : len(self.curves)]
        k = int(np.argmin(np.abs(row - y)))
        return f"t={t} · {self._names[k]} · y = {row[k]:.4f}"

    def _bar_readout(self, x: float, _y: float) -> str | None:
        k = int(round(x))
        t = self._step
        if not 1 <= t <= self._y.shape[0] or not 0 <= k < self._y.shape[1]:
            return None
        return f"t={t} · {self._names[k]} · y = {self._y[t - 1, k]:.4f}"


class LossPanel(QtWidgets.QFrame):
    """ℓ_t, the loss at every step (NaN where the loss does not apply)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_loss")
        self.title = _title("ℓ<sub>t</sub> — loss per step")
        self.title_text = "ℓ_t — loss per step"
        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        self.plot.plot_item.getAxis("left").setWidth(
            round(style.scaled(58))
        )  # small losses have long labels: 0.0015
        self.sig_step_requested = self.plot.sig_step_requested
        self.curve = FastPlotDataItem(
            pen=style.pen(style.FOREGROUND, 2),
            symbol="o",
            symbolSize=style.scaled(5),
            symbolBrush=brush(style.FOREGROUND),
            connect="finite",
        )
        style.time_curve(self.curve)
        self.plot.addItem(self.curve)
        # steps whose ℓ_t is infinite (or too large to draw): a mark at the top of the plot
        self.overflow_marks = pg.ScatterPlotItem(
            symbol="t1", size=style.scaled(11), pen=None, brush=brush(WARNING)
        )
        self.plot.addItem(self.overflow_marks)
        self._loss = np.zeros(0)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addWidget(self.title)
        box.addWidget(self.plot, 1)

    def build(self, steps: int, x_max: int | None = None) -> None:
        self.plot.set_steps(steps, x_max)
        style.cache_curve(self.curve, steps)

    def set_values(self, loss: np.ndarray) -> None:
        """``loss`` [T]: ℓ_t, NaN where a step does not count, ±inf where it overflowed."""
        self._loss = np.asarray(loss, dtype=float)
        drawn = drawable(self._loss)  # [T] the finite steps pyqtgraph can draw
        over = np.isnan(drawn) & ~np.isnan(self._loss)  # [T] infinite, or too large to draw
        finite = drawn[np.isfinite(drawn)]
        xs = np.arange(1, self._loss.shape[0] + 1)
        # dots while they are few: a many-to-one loss is a single point
        self.curve.setSymbol("o" if finite.size <= style.SYMBOLS_UP_TO else None)
        set_curve(self.curve, xs, drawn)
        # a loss is ≥ 0: from 0 up, so one point (many-to-one) or a flat loss reads right
        top = float(finite.max()) if finite.size else 1.0
        top = top if top > 0 else 1.0
        self.plot.plot_item.getViewBox().setYRange(0.0, top, padding=0.08)
        self.overflow_marks.setData(xs[over], np.full(int(over.sum()), top))
        counted = self._loss[~np.isnan(self._loss)]
        with np.errstate(over="ignore"):  # a mean of values near 1e308 overflows: it is ∞
            mean_l = float(counted.mean()) if counted.size else np.nan
        mean = f" · mean L = {mean_l:.4g}" if counted.size and not over.any() else ""
        if over.any():
            steps = ", ".join(str(t) for t in xs[over][:4]) + (", …" if over.sum() > 4 else "")
            shown = "∞" if np.isinf(mean_l) else f"{mean_l:.3g}"
            mean = f" · L = {shown}: ▲ ℓ_t too large to draw at t = {steps}"
        self.title.setText(f"ℓ<sub>t</sub> — loss per step{mean}")
        self.title_text = f"ℓ_t — loss per step{mean}"

    def set_step(self, t: int) -> None:
        self.plot.set_cursor(t)

    def _readout(self, x: float, _y: float) -> str | None:
        t = int(round(x))
        if not 1 <= t <= self._loss.shape[0] or np.isnan(self._loss[t - 1]):
            return None
        value = self._loss[t - 1]
        return f"t={t} · ℓ = {value:.4g}" if np.isfinite(value) else f"t={t} · ℓ = ∞ (it overflowed)"
