"""Gradient panels: how far back in time the loss reaches.

``GradNormPanel``: ‖∂L/∂h_t‖ over t on a log axis, one curve per layer and direction
(‖∂L/∂c_t‖ dashed in the same colour for an LSTM): a vanishing gradient is a line
falling by orders of magnitude towards t = 1.  ``GradHeatmapPanel``: ∂L/∂h_t per unit
(units × time) for the selected layer and direction, on a diverging scale symmetric
around 0.  Both are built once per structure and updated with ``setData`` /
``setImage``; step t ≥ 1 of the time axis is the gradient's row t − 1.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal

from . import style
from .fast_curve import FastPlotDataItem
from .outputs import _title
from .run_norms import RunGradients, RunNorms
from .timeplot import HeatmapImage, TimePlot
from .units import unit_ticks

#: the log axis spans at least this many powers of ten, so that the steepness of the fall
#: can be compared between networks (an LSTM's 4 decades against a tanh RNN's 23)
MIN_DECADES = 10


def arrow(direction: int) -> str:
    return "→" if direction == 0 else "←"


def curve_name(kind: str, layer: int, direction: int) -> str:
    """'‖∂L/∂h_t‖ layer 1 →' (kind "h") or '‖∂L/∂c_t‖ layer 2 ←' (kind "c")."""
    return f"‖∂L/∂{kind}_t‖ layer {layer + 1} {arrow(direction)}"


SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value: float) -> str:
    """'2.6·10⁻²³', '0.031', '1.4': a number as a learner reads it off a log axis."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(SUPERSCRIPT)}"


class DecadeAxis(pg.AxisItem):
    """A log axis labelled 10⁻⁸, 10⁻⁴, 1 at every decade (pyqtgraph mixes 0.01 and 10⁻⁶)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802 (pyqtgraph override)
        """Decades only over a wide range: 2×…9× marks under every one of 20 decades are a smear."""
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        return ticks if maxVal - minVal <= 4 else [(s, v) for s, v in ticks if s is not None]

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        out = []
        for v in values:
            k = int(round(v))
            if abs(v - k) > 1e-6:
                out.append("")  # 2×, 3×, … between decades: a grid line, no label
            else:
                out.append({0: "1", 1: "10"}.get(k, "10" + str(k).translate(SUPERSCRIPT)))
        return out


def unbreakable(text: str) -> str:
    """Rich text that never wraps inside: Qt breaks after "/" and "–" even in a nowrap span."""
    return "\u2060".join(text).replace(" ", "&nbsp;")


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """A copy with every value ≤ 0 (or not finite) as NaN: a log axis cannot show them,
    and the curve (``connect="finite"``) leaves a gap there instead."""
    out = np.array(values, dtype=float)  # [T]
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def has_lone_values(values: np.ndarray) -> bool:
    """Whether some finite value has no finite neighbour (a line through it draws nothing)."""
    ok = np.isfinite(values)  # [T]
    left = np.concatenate([[False], ok[:-1]])
    right = np.concatenate([ok[1:], [False]])
    return bool((ok & ~left & ~right).any())


def row_norms(a: np.ndarray) -> np.ndarray:
    """‖a_t‖ for each row t of a [T, H] array."""
    return np.sqrt(np.einsum("th,th->t", a, a))  # [T]


def gradients_fit(grads, net, steps: int) -> bool:
    """Whether ``grads`` (per-step gradients) belong to a network of this shape over ``steps``."""
    layers = getattr(grads, "layers", None)
    if not layers or len(layers) != net.num_layers:
        return False
    dh = layers[0].dh  # [T, D, H]
    return dh.shape == (steps, net.num_directions, net.hidden_size)


class GradNormPanel(QtWidgets.QFrame):
    """‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) of every layer and direction over t, log y axis."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_grad_norm")
        self.title_text = "‖∂L/∂h_t‖ — how strongly the loss depends on h_t (log scale)"
        self.title = _title(
            "‖∂L/∂h<sub>t</sub>‖ — how strongly the loss depends on h<sub>t</sub> (log scale)"
        )
        self.title.setToolTip(
            "The size of the gradient of the loss with respect to the hidden state at each step,\n"
            "through every later step (BPTT).  Each grid line is 10× the one below: a line that\n"
            "falls by orders of magnitude towards t = 1 is a vanishing gradient; the early\n"
            "steps then barely learn.  A gap is an exact 0: h_t does not reach the loss."
        )
        self.legend = QtWidgets.QLabel()
        self.legend.setFont(style.font(style.AXIS_PT))
        self.legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.caption = QtWidgets.QLabel()  # in words: how much smaller the gradient gets
        self.caption.setFont(style.font(style.AXIS_PT))
        self.caption.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.caption.setWordWrap(True)  # compare mode: a ratio for each run
        self.caption.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        self.plot.plot_item.setAxisItems({"left": DecadeAxis("left")})
        style.style_plot(self.plot.plot_item)
        self.plot.plot_item.setLogMode(x=False, y=True)
        self.plot.plot_item.getAxis("left").setWidth(round(style.scaled(58)))
        self.sig_step_requested = self.plot.sig_step_requested
        self.curves: dict[tuple[str, int, int], pg.PlotDataItem] = {}  # (kind, layer, direction)
        self._norms: dict[tuple[str, int, int], np.ndarray] = {}  # as plotted: ≤ 0 is NaN
        self._raw: dict[tuple[str, int, int], np.ndarray] = {}  # as computed: 0, inf and all
        self.runs: list[RunGradients] = []  # compare mode: every run's gradients (else empty)
        self.overlay = RunNorms(self.plot.plot_item)
        self._legend_html = ""
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addWidget(self.title)
        box.addWidget(self.legend)
        box.addWidget(self.caption)
        box.addWidget(self.plot, 1)

    def build(self, layers: int, directions: int, lstm: bool, steps: int, x_max: int) -> None:
        pi = self.plot.plot_item
        for c in self.curves.values():
            pi.removeItem(c)
        self.curves, self._norms, self._raw = {}, {}, {}
        for layer in range(layers):
            for d in range(directions):
                k = layer * directions + d
                colour = style.unit_colour(k)
                for kind in ("h", "c") if lstm else ("h",):
                    pen = style.pen(colour, 2.0 if kind == "h" else 1.6)
                    if kind == "c":
                        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
                    curve = FastPlotDataItem(
                        pen=pen, connect="finite", antialias=steps <= style.ANTIALIAS_UP_TO,
                        symbolSize=style.scaled(4),
                    )  # fmt: skip
                    style.time_curve(curve)
                    style.cache_curve(curve, steps)
                    pi.addItem(curve)
                    self.curves[(kind, layer, d)] = curve
        parts = []  # one entry per layer and direction, in its colour; never broken inside
        for (kind, layer, d), curve in self.curves.items():
            if kind == "h":
                name = "—— ‖∂L/∂hₜ‖" + (" – – ‖∂L/∂cₜ‖" if lstm else "")
                name += f" layer {layer + 1} {arrow(d)}"
                colour = curve.opts["pen"].color().name()
                parts.append(f'<span style="color:{colour}">{unbreakable(name)}</span>')
        self._legend_html = " &nbsp; &nbsp; ".join(parts)
        self.legend.setText(self._legend_html)
        self.overlay.clear()
        self.plot.set_steps(steps, x_max)

    def set_values(self, grads) -> None:
        """Norms of ``grads.dh(l, d)`` (and ``grads.dc``) per step, masked for the log axis."""
        for (kind, layer, d), curve in self.curves.items():
            g = grads.dh(layer, d) if kind == "h" else grads.dc(layer, d)  # [T, H]
            raw = row_norms(g)  # [T]
            norms = positive_or_nan(raw)  # every positive value, however small: that is the lesson
            self._raw[(kind, layer, d)], self._norms[(kind, layer, d)] = raw, norms
            # a dot on each step when they are few, and always where a value stands alone
            # (a line needs two finite neighbours: a many-to-one backward direction has one)
            few = kind == "h" and norms.shape[0] <= style.SYMBOLS_UP_TO
            marks = few or has_lone_values(norms)
            colour = curve.opts["pen"].color()
            dots = {"symbol": "o", "symbolPen": colour, "symbolBrush": colour} if marks else {"symbol": None}
            curve.setData(np.arange(1, norms.shape[0] + 1), norms, **dots)
        self._set_y_range()

    def _set_y_range(self) -> None:
        """Whole decades, and at least MIN_DECADES of them: an auto-ranged log axis makes any
        exponential fall look alike (a line corner to corner), whether it spans 4 decades or 23."""
        shown = self.overlay.norms if self.overlay.curves else self._norms
        finite = [n[np.isfinite(n)] for n in shown.values()]
        values = np.concatenate(finite) if finite else np.zeros(0)
        if not values.size:
            self.plot.plot_item.getViewBox().setYRange(-MIN_DECADES, 0, padding=0.05)
            return
        hi = float(np.ceil(np.log10(values.max())))
        lo = min(float(np.floor(np.log10(values.min()))), hi - MIN_DECADES)
        self.plot.plot_item.getViewBox().setYRange(lo, hi, padding=0.04)

    def set_selection(self, layer: int, direction: int) -> None:
        """Say in words how much smaller ‖∂L/∂h_t‖ of this layer and direction gets, from
        its largest value to the far end of the sequence (t = 1, or t = T going backward).
        Compare mode: every run's curve at this layer and direction instead, one colour a run."""
        for curve in self.curves.values():
            curve.setVisible(not self.runs)
        if self.runs:
            legend, caption = self.overlay.show(self.runs, layer, direction)
            self.legend.setText(legend)
            self.caption.setText(caption)
            self._set_y_range()
            return
        if self.overlay.curves:
            self.overlay.clear()
            self.legend.setText(self._legend_html)
            self._set_y_range()
        norms, raw = self._norms.get(("h", layer, direction)), self._raw.get(("h", layer, direction))
        if norms is None or not np.isfinite(norms).any():
            self.caption.setText("")
            return
        peak = int(np.nanargmax(norms))
        far = 0 if direction == 0 else norms.shape[0] - 1
        top, end = float(norms[peak]), float(raw[far])
        name = f"layer {layer + 1} {arrow(direction)}: ‖∂L/∂h<sub>t</sub>‖ = {power_of_ten(top)} at t = {peak + 1}"
        if not np.isfinite(raw).all():
            text = "⚠ ∂L/∂h<sub>t</sub> has overflowed (±inf or NaN) at some steps: they are left out"
        elif peak == far:
            text = name
        elif end == 0:
            text = f"{name}, 0 at t = {far + 1}: h<sub>{far + 1}</sub> does not reach the loss"
        else:
            decades = np.log10(top / end)
            smaller = f" — {decades:.0f} orders of magnitude smaller" if decades >= 1 else ""
            text = f"{name}, {power_of_ten(end)} at t = {far + 1}{smaller}"
        self.caption.setText(text)

    def set_step(self, t: int) -> None:
        self.plot.set_cursor(t)

    def _readout(self, x: float, y: float) -> str | None:
        """The curve nearest the mouse at step t (y is log10 of the value: a log axis)."""
        t = int(round(x))
        if self.overlay.curves:
            return self.overlay.readout(t, y)
        best = None
        for key, norms in self._norms.items():
            if 1 <= t <= norms.shape[0] and np.isfinite(norms[t - 1]):
                dist = abs(np.log10(norms[t - 1]) - y)
                if best is None or dist < best[0]:
                    best = (dist, key, norms[t - 1])
        if best is None:
            return None
        _, (kind, layer, d), value = best
        return f"t={t} · {curve_name(kind, layer, d)} = {value:.3g}"


class GradHeatmapPanel(QtWidgets.QFrame):
    """∂L/∂h_t per unit (rows) and step (columns) for one layer and direction."""

    sig_unit_selected = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName("panel_grad_units")
        self.title = _title("∂L/∂h<sub>t</sub> per unit")
        self.title_text = "∂L/∂h_t per unit"
        self.title.setToolTip(
            "Each unit's gradient ∂L/∂h_t at each step, for the layer and direction chosen above.\n"
            "Blue: negative (a larger h_t would lower the loss) · yellow: positive · light grey: 0\n"
            "(h_t does not matter to the loss).  Linear colour scale, symmetric around 0.\n"
            "Click a row to select that unit in every panel."
        )
        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        self.plot.plot_item.getAxis("left").setWidth(round(style.scaled(42)))
        self.plot.plot_item.getAxis("left").setLabel("unit", **style.label_style())
        self.plot.plot_item.getViewBox().invertY(True)
        self.sig_step_requested = self.plot.sig_step_requested
        self.image = HeatmapImage()
        self.image.sig_row_clicked.connect(self._on_image_row_clicked)
        style.cache_item(self.image)
        self.plot.plot_item.addItem(self.image)
        self.colorbar = style.make_colorbar((-1.0, 1.0), "tanh")
        self.colorbar.setImageItem(self.image)
        self.plot.plot_item.layout.addItem(self.colorbar, 2, 5)
        self.selection_box = QtWidgets.QGraphicsRectItem()
        self.selection_box.setPen(style.pen(style.SELECTED_GATE, 1.5))
        self.selection_box.setZValue(20)
        self.plot.plot_item.addItem(self.selection_box, ignoreBounds=True)
        self._values = np.zeros((0, 0))  # [T, H]
        self._unit = 0
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addWidget(self.title)
        box.addWidget(self.plot, 1)

    def build(self, hidden: int, steps: int, x_max: int) -> None:
        self.plot.set_steps(steps, x_max)
        h = max(hidden, 1)
        pad = 0.0 if h <= 16 else 0.07 * h
        self.plot.plot_item.getViewBox().setYRange(0.5 - pad, h + 0.5 + pad, padding=0)
        self.plot.plot_item.getAxis("left").setTicks([unit_ticks(h)])
        self._values = np.zeros((0, hidden))

    def set_values(self, dh: np.ndarray, label: str) -> None:
        """``dh`` [T, H] = ∂L/∂h_t of the layer and direction that ``label`` names."""
        self._values = dh
        finite = np.abs(dh[np.isfinite(dh)])
        m = float(finite.max()) if finite.size else 0.0
        m = m if m > 0 else 1.0  # all zero: a white image on a ±1 scale
        self.colorbar.setLevels(values=(-m, m))
        T, H = dh.shape
        self.image.setImage(dh.T, levels=(-m, m), autoLevels=False)  # [H, T]: a row per unit
        self.image.setRect(QtCore.QRectF(0.5, 0.5, T, H))
        self.title.setText(f"∂L/∂h<sub>t</sub> per unit — {label} · colour ±{m:.2g}")
        self.title_text = f"∂L/∂h_t per unit — {label} · colour ±{m:.2g}"
        self._update_selection_box()

    def set_unit(self, unit: int) -> None:
        self._unit = int(unit)
        self._update_selection_box()

    def set_step(self, t: int) -> None:
        self.plot.set_cursor(t)

    def _update_selection_box(self) -> None:
        T = self._values.shape[0]
        self.selection_box.setRect(QtCore.QRectF(0.5, self._unit + 0.5, T, 1.0))

    def _readout(self, x: float, y: float) -> str | None:
        t, unit = int(round(x)), int(round(y)) - 1
        T, H = self._values.shape
        if not (1 <= t <= T and 0 <= unit < H):
            return None
        return f"t={t} · unit {unit + 1} · ∂L/∂h = {self._values[t - 1, unit]:.3g}"

    def _on_image_row_clicked(self, row: int) -> None:
        self.set_unit(row)
        self.sig_unit_selected.emit(row)


class GradientPanels:
    """Both gradient panels and the gradients they show, for ``PlotsArea``."""

    def __init__(self) -> None:
        self.norms = GradNormPanel()
        self.units = GradHeatmapPanel()
        self.grads = None
        self.runs: list[RunGradients] = []  # compare mode: (name, grads, network) of every run

    def panels(self) -> list[QtWidgets.QWidget]:
        return [self.norms, self.units]

    def fit(self, trace) -> bool:
        return (
            trace is not None
            and self.grads is not None
            and gradients_fit(self.grads, trace.network, trace.steps)
        )

    def build(self, trace, x_max: int) -> None:
        net = trace.network
        lstm = net.mode == "lstm"
        self.norms.build(net.num_layers, net.num_directions, lstm, trace.steps, x_max)
        self.units.build(net.hidden_size, trace.steps, x_max)

    def refresh(self, trace, layer: int, direction: int, label: str) -> None:
        """Every curve and the heatmap: the gradients are new."""
        self.refresh_norms(trace)
        self.refresh_units(trace, layer, direction, label)

    def refresh_norms(self, trace) -> None:
        """The norms' curves (the trace is new; the heatmap follows with the unit panels)."""
        if self.fit(trace):
            self.norms.set_values(self.grads)

    def refresh_units(self, trace, layer: int, direction: int, label: str) -> None:
        """The heatmap only: another layer or direction was chosen."""
        if self.fit(trace):
            self.units.set_values(self.grads.dh(layer, direction), label)
            self.norms.runs = self.runs
            self.norms.set_selection(layer, direction)
