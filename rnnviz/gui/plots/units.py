"""A panel of one per-unit quantity over time: h_t, c_t or one gate.

Two views of the same [steps, H] array: one line per unit (with a clickable
legend), or a units × time heatmap with a fixed colour scale and a colour bar.
Items are built once per structure (:meth:`UnitPanel.build`) and updated with
``setData`` / ``setImage`` (:meth:`UnitPanel.set_values`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Signal

from . import style
from .fast_curve import FastPlotDataItem
from .timeplot import HeatmapImage, TimePlot, step_label

#: colour scale for each kind of quantity; "free" takes its levels from the data
FIXED_LEVELS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


class UnitPanel(QtWidgets.QFrame):
    """Lines or heatmap of one quantity for every hidden unit."""

    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)

    def __init__(self, key: str, title_html: str, title_text: str, kind: str, parent=None) -> None:
        super().__init__(parent)
        self.key = key  # "h", "c" or a gate name
        self.name = key  # what the readout and legend call it: "h", or "f (forget)" for a gate
        self.title_text = title_text
        self.kind = kind  # "sigmoid" | "tanh" | "free"
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setObjectName(f"panel_{key}")
        self._values = np.zeros((0, 0))
        self._x0 = 0
        self._steps = 0
        self._unit = 0
        self._hidden = 1
        self._pen_key: tuple | None = None
        self._default_heatmap: bool | None = None
        self._antialias = True
        self._heatmap = False
        self._levels = FIXED_LEVELS.get(kind, (-1.0, 1.0))
        self.curves: list[pg.PlotDataItem] = []
        self.chips: list[QtWidgets.QToolButton] = []
        self._shown_units: list[int] = []

        self.title = QtWidgets.QLabel(title_html)
        self.title.setFont(style.font(style.TITLE_PT, bold=True))
        self.title.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.title.setWordWrap(True)  # zoomed in, a long title wraps instead of widening the panel
        self.toggle = QtWidgets.QToolButton(text="heatmap")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Switch between one line per unit and a units × time heatmap")
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self.legend_row = QtWidgets.QHBoxLayout()
        self.legend_row.setSpacing(2)
        self.legend_prefix = QtWidgets.QLabel(f"{key}:")
        self.legend_prefix.setFont(style.font(style.AXIS_PT, bold=True))
        self.legend_hint = QtWidgets.QLabel()
        self.legend_hint.setFont(style.font(style.AXIS_PT))
        # takes what room is left (it may be cut), never widens the panel
        self.legend_hint.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )

        self.plot = TimePlot()
        self.plot.readout_fn = self._readout
        self.plot.sig_step_requested.connect(self.sig_step_requested)
        self.plot.plot_item.getAxis("left").setWidth(round(style.scaled(42)))
        self.image = HeatmapImage()
        self.image.sig_row_clicked.connect(self._on_image_row_clicked)
        style.cache_item(self.image)
        self.colorbar = style.make_colorbar(self._levels, kind)
        self.colorbar.setImageItem(self.image)
        self.selection_box = QtWidgets.QGraphicsRectItem()
        self.selection_box.setPen(style.pen(style.SELECTED_GATE, 1.5))
        self.selection_box.setZValue(20)

        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        # the title takes the row's room (a word-wrapped label beside a stretch got a narrow
        # guess of a width, and "r_t — reset gate [0, 1]" wrapped on a 700 px panel)
        head.addWidget(self.title, 1)
        head.addWidget(self.toggle)
        legend_bar = QtWidgets.QWidget()  # may be cut at the right, never widens the panel
        legend_bar.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        legend = QtWidgets.QHBoxLayout(legend_bar)
        legend.setContentsMargins(0, 0, 0, 0)
        legend.addWidget(self.legend_prefix)
        legend.addLayout(self.legend_row)
        legend.addWidget(self.legend_hint, 1)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 3, 4, 2)
        box.setSpacing(1)
        box.addLayout(head)
        box.addWidget(legend_bar)
        box.addWidget(self.plot, 1)

    # -- structure ---------------------------------------------------------------
    def build(self, hidden: int, steps: int, x_max: int) -> None:
        """Items for H units over steps 0..``steps`` (x up to ``x_max``).

        Lines are pooled: a change of H adds or removes only the difference.
        """
        n = min(hidden, style.MAX_LINES)
        while len(self.curves) > n:
            self.plot.plot_item.removeItem(self.curves.pop())
            chip = self.chips.pop()
            self.legend_row.removeWidget(chip)
            chip.deleteLater()
        while len(self.curves) < n:
            self._add_line()
        self._antialias = steps <= style.ANTIALIAS_UP_TO
        marks = steps <= style.SYMBOLS_UP_TO
        for curve in self.curves:
            style.cache_curve(curve, steps)
            if (curve.opts["symbol"] is not None) != marks:
                curve.setSymbol("o" if marks else None)
        if self.image.scene() is None:
            self.plot.plot_item.addItem(self.image)
            self.plot.plot_item.addItem(self.selection_box, ignoreBounds=True)
        self._steps = steps
        self._values = np.zeros((0, hidden))
        self._shown_units = []
        self._pen_key = None
        self.plot.set_steps(steps, x_max)
        self._hidden = hidden
        self._unit = min(self._unit, hidden - 1)
        default = hidden > style.HEATMAP_ABOVE
        if default != self._default_heatmap:  # keep the user's choice while H stays on one side
            self._default_heatmap = default
            self._heatmap = default
        self.set_heatmap(self._heatmap)

    def _add_line(self) -> None:
        curve = FastPlotDataItem(symbolSize=style.scaled(5), connect="finite")
        style.time_curve(curve)
        curve.setCurveClickable(True, width=8)
        curve.sigClicked.connect(self._on_curve_clicked)
        self.plot.plot_item.addItem(curve)
        self.curves.append(curve)
        chip = QtWidgets.QToolButton()
        chip.setAutoRaise(True)
        chip.setFont(style.font(style.AXIS_PT, bold=True))
        chip.clicked.connect(self._on_chip_clicked)
        self.legend_row.addWidget(chip)
        self.chips.append(chip)

    # -- numbers -----------------------------------------------------------------
    def set_values(self, values: np.ndarray, x0: int, levels: tuple[float, float] | None = None) -> None:
        """``values`` [N, H]: row r is the value at step x0 + r."""
        self._values = values
        self._x0 = x0
        if levels is not None:
            self._levels = levels
            self.colorbar.setLevels(values=levels)
        self._update_curves()
        n, h = values.shape
        self.image.setImage(values.T, levels=self._levels, autoLevels=False)
        self.image.setRect(QtCore.QRectF(x0 - 0.5, 0.5, n, h))
        self._update_selection_box()

    def _update_curves(self) -> None:
        units = self._units_to_draw()
        if units != self._shown_units:
            self._shown_units = units
            self._update_legend()
        if self._heatmap:
            return
        xs = np.arange(self._x0, self._x0 + self._values.shape[0])
        restyle = self._pen_key != (tuple(units), self._unit)
        self._pen_key = (tuple(units), self._unit)
        for curve, u in zip(self.curves, units, strict=False):
            # style and data in one setData: each separate setter re-processes the curve
            look = self._look(u, len(units) > 1) if restyle else {}
            curve.setData(xs, self._values[:, u], antialias=self._antialias, **look)
            if restyle:
                curve.setZValue(10 if u == self._unit else 0)

    def _units_to_draw(self) -> list[int]:
        units = list(range(len(self.curves)))
        if self._unit not in units and units:
            units[-1] = self._unit
        return units

    # -- selection / step ----------------------------------------------------------
    def set_step(self, t: int) -> None:
        self.plot.set_cursor(t)

    def set_unit(self, unit: int) -> None:
        if unit == self._unit:
            return
        self._unit = unit
        if self._values.size:
            self._update_curves()
            self._update_selection_box()
        self._update_hint()

    def set_heatmap(self, on: bool) -> None:
        self._heatmap = bool(on)
        self.toggle.blockSignals(True)
        self.toggle.setChecked(self._heatmap)
        self.toggle.blockSignals(False)
        pi = self.plot.plot_item
        for c in self.curves:
            c.setVisible(not on)
        for chip in self.chips:
            chip.setVisible(not on)
        self.image.setVisible(on)
        self.selection_box.setVisible(on)
        if on and self.colorbar.scene() is None:
            pi.layout.addItem(self.colorbar, 2, 5)
        elif not on and self.colorbar.scene() is not None:
            pi.layout.removeItem(self.colorbar)
            pi.scene().removeItem(self.colorbar)
        self._update_hint()
        vb = pi.getViewBox()
        vb.invertY(on)
        pi.getAxis("left").setLabel("unit" if on else "", **style.label_style())
        if on:
            h = max(self._hidden, 1)
            # a margin above unit 1 and below unit H: their labels are drawn only when they
            # fit inside the plot, and at H = 64 a row is 2 px
            pad = 0.0 if h <= 16 else 0.07 * h
            vb.setYRange(0.5 - pad, h + 0.5 + pad, padding=0)
            pi.getAxis("left").setTicks([unit_ticks(h)])
        else:
            pi.getAxis("left").setTicks(None)
            self._set_line_yrange()
        if self._values.size:
            self._update_curves()

    @property
    def is_gate(self) -> bool:
        return self.key not in ("h", "c")

    @property
    def heatmap(self) -> bool:
        return self._heatmap

    def _set_line_yrange(self) -> None:
        vb = self.plot.plot_item.getViewBox()
        if self.is_gate and self.kind in FIXED_LEVELS:  # a gate's range is part of its meaning
            lo, hi = FIXED_LEVELS[self.kind]
            vb.setYRange(lo, hi, padding=0.06)
        else:
            vb.enableAutoRange(axis="y")

    def _look(self, unit: int, faded: bool) -> dict:
        """Pen and dots of one unit's line: the selected unit thick, the others faded."""
        sel = unit == self._unit
        pen = style.unit_pen(unit, sel, faded, thin=not self._antialias)
        colour = pen.color()
        symbol = "o" if self._steps <= style.SYMBOLS_UP_TO else None  # said explicitly: pyqtgraph
        # turns dots on when it is given a symbol pen without a symbol
        size = style.scaled(7 if sel else 5)
        return {"pen": pen, "symbol": symbol, "symbolPen": colour, "symbolBrush": colour, "symbolSize": size}

    def _update_legend(self) -> None:
        compact = len(self.chips) > 8
        for chip, u in zip(self.chips, self._shown_units, strict=False):
            text = f"{u + 1}" if compact else f"{self.key}{u + 1}"
            if chip.text() == text and chip.property("unit") == u:
                continue  # restyling a button re-polishes it: only touch the ones that changed
            chip.setText(text)
            self._fit_chip(chip)
            chip.setProperty("unit", u)
            chip.setToolTip(f"{self.name} unit {u + 1} — click to select it in every panel")
            palette = chip.palette()
            palette.setColor(QtGui.QPalette.ColorRole.ButtonText, style.unit_colour(u))
            chip.setPalette(palette)
        self._update_hint()

    @staticmethod
    def _fit_chip(chip: QtWidgets.QToolButton) -> None:
        chip.setFixedWidth(chip.fontMetrics().horizontalAdvance(chip.text()) + round(style.scaled(8)))

    def restyle_look(self) -> None:
        """The legend chips fit their text again; the lines take their pens again (a
        faded line fades less on a dark background)."""
        for chip in self.chips:
            self._fit_chip(chip)
        self._pen_key = None
        if self._values.size:
            self._update_curves()

    def _update_hint(self) -> None:
        if self._heatmap:
            text = f"unit {self._unit + 1} selected · click a row to select another"
        elif self._hidden > len(self.chips):
            text = f"{len(self.chips)} of {self._hidden} units (heatmap: all)"
        else:
            text = ""
        self.legend_hint.setText(text)
        self.legend_hint.setToolTip(text)
        self.legend_prefix.setVisible(not self._heatmap and len(self.chips) > 8)

    def _update_selection_box(self) -> None:
        n = self._values.shape[0]
        self.selection_box.setRect(QtCore.QRectF(self._x0 - 0.5, self._unit + 0.5, n, 1.0))

    # -- readout -------------------------------------------------------------------
    def value_at(self, t: int, unit: int) -> float | None:
        r = t - self._x0
        if 0 <= r < self._values.shape[0] and 0 <= unit < self._values.shape[1]:
            return float(self._values[r, unit])
        return None

    def _readout(self, x: float, y: float) -> str | None:
        t = int(round(x))
        if self._heatmap:
            unit = int(round(y)) - 1
        else:
            cands = [(abs(v - y), u) for u in self._shown_units if (v := self.value_at(t, u)) is not None]
            unit = min(cands)[1] if cands else -1
        v = self.value_at(t, unit)
        if v is None:
            return None
        return f"{step_label(t, self._steps)} · unit {unit + 1} · {self.name} = {v:.4f}"

    # -- handlers ------------------------------------------------------------------
    def _on_toggle_toggled(self, on: bool) -> None:
        self.set_heatmap(on)

    def _select(self, unit: int) -> None:
        self.set_unit(unit)
        self.sig_unit_selected.emit(unit)
        if self.is_gate:
            self.sig_gate_selected.emit(self.key)

    def _on_chip_clicked(self) -> None:
        self._select(int(self.sender().property("unit")))

    def _on_curve_clicked(self, item, _ev=None) -> None:
        """``item``: the data item (a click on a dot) or its line (pyqtgraph passes the
        line's own item on when the line itself is clicked)."""
        for k, curve in enumerate(self.curves):
            if item is curve or item is curve.curve:
                self._select(self._shown_units[k])
                return

    def _on_image_row_clicked(self, row: int) -> None:
        self._select(row)

    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt override): a click on the title picks the gate
        if self.is_gate and self.title.geometry().contains(ev.position().toPoint()):
            self.sig_gate_selected.emit(self.key)
        super().mousePressEvent(ev)


def unit_ticks(hidden: int) -> list[tuple[int, str]]:
    """Unit 1, then round numbers: 1, 16, 32, 48, 64 for H = 64."""
    step = next(s for s in (1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 256, 512, 1024, 4096)
                if hidden / s <= 6)  # fmt: skip
    values = [1] + [v for v in range(step, hidden + 1, step) if v > 1]
    return [(v, str(v)) for v in values]
