"""GradientOverview: ‖∂L/∂h_t‖ over every step at once, above the chain in Backward.

The chain shows a dozen steps at a readable zoom; this strip shows all of them,
one bar per step and a row per layer and direction, bar height and colour on
the log scale of :mod:`.gradients`: a vanishing gradient is a ramp that falls to
nothing going left.  The current step is outlined; a click asks for that step.
It follows the theme (its colours are the theme's shared ones) and the zoom (its rows,
names and text grow): :meth:`GradientOverview.set_appearance`, called on every change.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ..theme import C, appearance, line_width, scaled
from .gradients import GRAD_LUT, grad_fmt, grad_level, grad_unit
from .style import font

ROW_H, ROW_H_MANY = 30, 18  # one or two rows; more (a deep or bidirectional net), at zoom 1
LABEL_W = 200  # at zoom 1


class GradientOverview(QtWidgets.QWidget):
    sig_step_requested = Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.rows: list[tuple[str, np.ndarray]] = []  # (name, ‖∂L/∂h_t‖ [T])
        self.row_h = ROW_H
        self._cache: QtGui.QPixmap | None = None  # the bars and names, made once per data and size
        self.window = 0
        self.step = 0
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # a step repaints the strip, not the window
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)
        self.label_w = round(scaled(LABEL_W))
        appearance().sig_changed.connect(self.set_appearance)  # a small strip: restyled at once, shown or not

    def set_appearance(self, _appearance=None) -> None:
        """The theme or the zoom changed: new sizes, and the bars painted again."""
        self.label_w = round(scaled(LABEL_W))
        self._fit_height()
        self._cache = None
        self.update()

    def _fit_height(self) -> None:
        self.row_h = round(scaled(ROW_H if len(self.rows) <= 2 else ROW_H_MANY))
        self.setFixedHeight(max(len(self.rows), 1) * self.row_h + round(scaled(16)))

    def set_data(self, trace, grads, window: int = 0) -> None:
        """One row per layer and direction, top to bottom as in the chain (None: no rows)."""
        self.rows, self.window = [], max(int(window), 0)
        if trace is not None and grads is not None:
            net = trace.network
            for l in range(net.num_layers):
                for d in range(net.num_directions):
                    name = (
                        f"layer {l + 1} {'→' if d == 0 else '←'}"
                        if net.num_layers * net.num_directions > 1
                        else ""
                    )
                    self.rows.append(
                        (f"‖∂L/∂h_t‖ {name or 'at every step'}", np.asarray(grads.dh_norm(l, d)))
                    )
        self.rows.reverse()  # stacked as the chain's rows: the last layer on top
        self._fit_height()
        self._cache = None
        self.update()

    def set_step(self, t: int) -> None:
        if t != self.step:
            old, self.step = self._marker(), int(t)
            self.update(old.united(self._marker()))

    def _marker(self) -> QtCore.QRect:
        """The current step's outline (widget pixels, with its pen's width around it)."""
        if not self.rows or not 1 <= self.step <= len(self.rows[0][1]):
            return QtCore.QRect()
        r = self._bars()
        w = r.width() / len(self.rows[0][1])
        return (
            QtCore.QRectF(r.left() + (self.step - 1) * w, r.top(), w, r.height())
            .toAlignedRect()
            .adjusted(-3, -3, 3, 3)
        )

    def _bars(self) -> QtCore.QRectF:
        left = self.label_w
        return QtCore.QRectF(left, 2, max(self.width() - left - 8, 10), len(self.rows) * self.row_h)

    def _step_at(self, x: float) -> int:
        if not self.rows:
            return 0
        r, T = self._bars(), len(self.rows[0][1])
        return int(min(max((x - r.left()) / r.width() * T, 0), T - 1)) + 1

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        """The bars from a pixmap made once per data and size; a step only moves the outline."""
        if not self.rows:
            return
        ratio = self.devicePixelRatioF()
        if self._cache is None or self._cache.size() != self.size() * ratio:
            self._cache = QtGui.QPixmap(self.size() * ratio)
            self._cache.setDevicePixelRatio(ratio)
            self._cache.fill(self.palette().color(QtGui.QPalette.ColorRole.Window))
            cache = QtGui.QPainter(self._cache)
            self._paint_bars(cache)
            cache.end()
        p = QtGui.QPainter(self)
        p.drawPixmap(0, 0, self._cache)
        r, T = self._bars(), len(self.rows[0][1])
        if 1 <= self.step <= T:
            w = r.width() / T
            p.setPen(QtGui.QPen(C.step, line_width(2)))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QtCore.QRectF(r.left() + (self.step - 1) * w, r.top(), w, r.height()))
        p.end()

    def _paint_bars(self, p: QtGui.QPainter) -> None:
        p.setFont(font(scaled(9)))
        r = self._bars()
        T = len(self.rows[0][1])
        w = r.width() / T
        for k, (name, norms) in enumerate(self.rows):
            top = r.top() + k * self.row_h
            p.setPen(C.muted)
            p.drawText(
                QtCore.QRectF(4, top, self.label_w - 8, self.row_h), int(Qt.AlignmentFlag.AlignVCenter), name
            )
            base = top + self.row_h - 3
            p.fillRect(QtCore.QRectF(r.left(), top + 1, r.width(), self.row_h - 3), C.cell_fill)
            for t, (u, lv) in enumerate(
                zip(grad_unit(norms).tolist(), grad_level(norms).tolist(), strict=True)
            ):
                h = max(u * (self.row_h - 4), 1.0)
                p.fillRect(QtCore.QRectF(r.left() + t * w, base - h, max(w - 0.6, 0.6), h), GRAD_LUT[lv])
        p.setPen(QtGui.QPen(C.muted, 1, Qt.PenStyle.DashLine))
        if self.window:
            for t in range(self.window, T, self.window):
                x = r.left() + t * w
                p.drawLine(QtCore.QPointF(x, r.top()), QtCore.QPointF(x, r.bottom()))
        p.setPen(C.muted)
        below = r.bottom() + p.fontMetrics().ascent() + 1
        p.drawText(QtCore.QPointF(r.left(), below), "t = 1")
        end = f"t = {T}   (bar height and colour: log scale)"
        p.drawText(QtCore.QPointF(r.right() - p.fontMetrics().horizontalAdvance(end), below), end)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.rows and event.position().x() >= self.label_w:
            t = self._step_at(event.position().x())
            k = min(int((event.position().y() - 2) // self.row_h), len(self.rows) - 1)
            name, norms = self.rows[max(k, 0)]
            self.setToolTip(f"step {t}: {name} = {grad_fmt(norms[t - 1])}  (click to go there)")

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.rows and event.position().x() >= self.label_w:
            self.sig_step_requested.emit(self._step_at(event.position().x()))
