"""A plot over time steps with a draggable step cursor and a hover readout.

Every panel's time axis is one of these.  The cursor snaps to whole steps and
asks for the step with ``sig_step_requested``; it only moves for real when the
owner calls :meth:`TimePlot.set_cursor` (the one clock is the timeline's).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui
from PySide6.QtCore import Signal

from . import style

#: (x, y) in data coordinates → the readout text, or None for "nothing here".
ReadoutFn = Callable[[float, float], str | None]


class StepCursorLine(pg.InfiniteLine):
    """The vertical line at the current step."""

    def __init__(self) -> None:
        super().__init__(pos=0, angle=90, movable=True)
        self.restyle_look()
        self.setZValue(50)
        self.setCursor(QtCore.Qt.CursorShape.SizeHorCursor)
        self.setToolTip("Drag to scrub through the steps")

    def restyle_look(self) -> None:
        """The theme's cursor colour (no unit uses it), as wide as the zoom asks."""
        self.setPen(style.pen(style.CURSOR, 2.5, alpha=style.CURSOR_ALPHA))
        self.setHoverPen(style.pen(style.CURSOR, 5))


class HeatmapImage(pg.ImageItem):
    """An image whose rows are units; a click reports the row."""

    sig_row_clicked = Signal(int)

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major", autoDownsample=True)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self.image is None:
            return
        ev.accept()
        row = int(ev.pos().y())
        if 0 <= row < self.image.shape[0]:
            self.sig_row_clicked.emit(row)


class StepAxis(pg.AxisItem):
    """A bottom axis with whole steps only, and the input's tokens under their steps.

    With tokens each label has two lines, the step over its token, so that every step
    keeps its token on a narrow panel ("7" over "cheese" is as wide as "cheese").
    """

    MAX_TOKEN_CHARS = 10  # longer tokens are cut with "…" on the axis (the readout has them whole)
    LABEL_OVERHANG = 16.0  # pixels a label may reach past either end of the axis

    def __init__(self) -> None:
        super().__init__("bottom")
        self.tokens: tuple[str, ...] = ()
        self._widest: tuple = (None, 0)  # (font and token count, the widest label's width)
        self.backward_start = -1  # step T + 1, where a backward direction's h_0 sits

    def boundingRect(self):  # noqa: N802 (Qt override)
        """A little wider than the axis: pyqtgraph draws only the labels inside this rect,
        and the last step's label (T, or T + 1 "←start") reaches past the end by half its width."""
        return super().boundingRect().adjusted(-self.LABEL_OVERHANG, 0, self.LABEL_OVERHANG, 0)

    def set_tokens(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tuple(tokens)
        self._widest = (None, 0)  # measured when first asked for
        metrics = QtGui.QFontMetrics(self.style["tickFont"] or QtGui.QFont())
        # room for two lines of labels and the axis title ("step t"): pyqtgraph adds the
        # title only to a height it computes itself
        title = self.label.boundingRect().height() * 0.8 if self.label.isVisible() else 0.0
        self.setHeight(int(2 * metrics.height() + 6 + title) if self.tokens else None)
        self.picture = None
        self.update()

    def restyle_look(self) -> None:
        """A new tick font: the two lines of labels take a new height."""
        self.set_tokens(self.tokens)

    def _short(self, token: str) -> str:
        n = self.MAX_TOKEN_CHARS
        return token if len(token) <= n else token[: n - 1] + "…"

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph override)
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            if spacing < 1:
                continue
            ints = [v for v in values if float(v).is_integer()]
            if ints:
                levels.append((spacing, ints))
        if not levels:
            lo, hi = int(np.ceil(minVal)), int(np.floor(maxVal))
            levels = [(1.0, list(range(lo, hi + 1)))]
        if self.tokens and maxVal > minVal:
            # every step with its token when the widest label fits between two steps
            if size / (maxVal - minVal) >= self._widest_label() + 4:
                lo, hi = int(np.ceil(minVal)), int(np.floor(maxVal))
                return [(1.0, list(range(lo, hi + 1)))]
            return levels[:1]  # fewer labels, each with its token
        return levels

    def _widest_label(self) -> int:
        """The widest label's width in the tick font, measured once per font and tokens
        (each distinct token once: a text of 3038 characters has about 30)."""
        font = self.style["tickFont"] or QtGui.QFont()
        key = (font.key(), len(self.tokens))
        if self._widest[0] != key:
            metrics = QtGui.QFontMetrics(font)
            labels = {str(len(self.tokens)), *(self._short(t) for t in set(self.tokens))}
            self._widest = (key, max(metrics.horizontalAdvance(s) for s in labels))
        return self._widest[1]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph override)
        out = []
        for v in values:
            t = int(round(v))
            label = str(t)
            if self.tokens and 1 <= t <= len(self.tokens):
                label += "\n" + self._short(self.tokens[t - 1])
            elif t == self.backward_start:
                label += "\n←start" if self.tokens else " ←start"
            out.append(label)
        return out


class ReadoutPlot(pg.PlotWidget):
    """A plot with a label that follows the mouse and says what is under it."""

    def __init__(self, parent=None, **kw) -> None:
        # no context menu (style_plot turns it off): without one pyqtgraph skips building it
        super().__init__(parent=parent, background=style.BACKGROUND, enableMenu=False, **kw)
        self.plot_item: pg.PlotItem = self.getPlotItem()
        style.style_plot(self.plot_item)
        self.readout_fn: ReadoutFn | None = None
        self.readout = pg.TextItem(
            "",
            color=style.FOREGROUND,
            fill=style.brush_of(style.BACKGROUND, style.READOUT_ALPHA),
            border=pg.mkPen(style.MUTED),
            anchor=(0, 1),
        )
        self.readout.setFont(style.font(style.AXIS_PT))
        self.readout.setZValue(100)
        self.readout.hide()
        self.plot_item.addItem(self.readout, ignoreBounds=True)
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

    def _on_scene_mouse_moved(self, pos: QtCore.QPointF) -> None:
        vb = self.plot_item.getViewBox()
        if self.readout_fn is None or not vb.sceneBoundingRect().contains(pos):
            self.readout.hide()
            return
        p = vb.mapSceneToView(pos)
        text = self.readout_fn(p.x(), p.y())
        if not text:
            self.readout.hide()
            return
        self.readout.setText(text)
        (x0, x1), (y0, y1) = vb.viewRange()
        right = p.x() > (x0 + x1) / 2
        top = (p.y() > (y0 + y1) / 2) != vb.yInverted()
        self.readout.setAnchor((1.0 if right else 0.0, 0.0 if top else 1.0))
        self.readout.setPos(p)
        self.readout.show()

    def leaveEvent(self, ev: QtCore.QEvent) -> None:  # noqa: N802 (Qt override)
        self.readout.hide()
        super().leaveEvent(ev)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(420, 170)


class TimePlot(ReadoutPlot):
    """A plot whose x axis is the app's step 0..T, with the step cursor."""

    sig_step_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        self.step_axis = StepAxis()
        super().__init__(parent=parent, axisItems={"bottom": self.step_axis})
        style.style_plot(self.plot_item)
        self.plot_item.getViewBox().setMouseEnabled(x=True, y=False)
        self.plot_item.getAxis("bottom").setLabel("step t", **style.label_style())
        self._steps = 1
        self._x_hi = 1.5
        self.x_max: float = 1
        self._requested = 0
        self.setToolTip("Wheel: zoom in time · drag: pan · double-click: every step")
        self.cursor = StepCursorLine()
        self.cursor.sigPositionChanged.connect(self._on_cursor_moved)
        self.plot_item.addItem(self.cursor, ignoreBounds=True)

    # -- owner API -------------------------------------------------------------
    def set_steps(self, steps: int, x_max: float | None = None) -> None:
        """The cursor's range is 0..steps; the x view spans −0.5..x_max + 0.5."""
        self._steps = max(0, int(steps))
        self.x_max = self._steps if x_max is None else x_max
        self._x_hi = self.x_max + 0.5
        self.step_axis.backward_start = self._steps + 1 if x_max is not None and x_max > self._steps else -1
        self.step_axis.picture = None
        vb = self.plot_item.getViewBox()
        vb.setLimits(xMin=-0.5, xMax=self._x_hi)
        self.show_all_steps()
        self.cursor.blockSignals(True)  # a clamped cursor is an update, not a request
        self.cursor.setBounds((0, self._steps))
        self.cursor.blockSignals(False)

    def show_all_steps(self) -> None:
        """Undo any zoom: every step in view (linked panels follow)."""
        self.plot_item.getViewBox().setXRange(-0.5, self._x_hi, padding=0)

    def mouseDoubleClickEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        self.show_all_steps()
        ev.accept()

    def set_tokens(self, tokens: tuple[str, ...]) -> None:
        """Write the input's tokens under their steps (text input)."""
        self.step_axis.set_tokens(tokens)

    def set_cursor(self, t: int) -> None:
        self._requested = int(t)
        self.cursor.blockSignals(True)
        self.cursor.setPos(int(t))
        self.cursor.blockSignals(False)

    @property
    def cursor_step(self) -> int:
        return int(round(self.cursor.value()))

    # -- handlers ----------------------------------------------------------------
    def _on_cursor_moved(self, line: pg.InfiniteLine) -> None:
        t = min(max(int(round(line.value())), 0), self._steps)
        if line.value() != t:
            line.blockSignals(True)
            line.setPos(t)
            line.blockSignals(False)
        if t != self._requested:
            self._requested = t
            self.sig_step_requested.emit(t)


def step_label(t: int, steps: int) -> str:
    """The step as the readout names it: "t=3", or "t=0 (initial)"."""
    if t == 0 or t == steps + 1:
        return f"t={t} (initial)"
    return f"t={t}"


brush = style.brush_of  # a colour's brush, with an alpha
