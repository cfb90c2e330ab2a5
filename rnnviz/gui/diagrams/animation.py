"""PulseAnimator: dots that run along a scene's wires within one step's duration.

One QVariantAnimation drives every dot of a scene; a new step stops it and starts
again (so ``set_step`` during an animation jumps to the new step).  It only moves
existing items and never blocks input; when disabled the dots stay hidden.
"""

from __future__ import annotations

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from .style import HIGHLIGHT, pen

DOT_R = 7.0
RUN_SHARE = 0.9  # the dots run over this share of a step's duration, then rest


def _path(points) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath(QtCore.QPointF(*points[0]))
    for p in points[1:]:
        path.lineTo(QtCore.QPointF(*p))
    return path


class PulseAnimator(QtCore.QObject):
    """Runs a dot along each flow ``(points, start, end)``: over [start, end] of the step."""

    def __init__(self, scene: QtWidgets.QGraphicsScene, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.scene = scene
        self.enabled = True
        self.duration_ms = 500
        self.flows: list[tuple[QtGui.QPainterPath, float, float]] = []
        self.dots: list[QtWidgets.QGraphicsEllipseItem] = []
        self.anim = QtCore.QVariantAnimation(self)
        self.anim.setStartValue(0.0)
        self.anim.setEndValue(1.0)
        self.anim.setEasingCurve(QtCore.QEasingCurve.Type.Linear)
        self.anim.valueChanged.connect(self._on_anim_value_changed)
        self.anim.finished.connect(self._on_anim_finished)

    def set_flows(self, flows) -> None:
        """New wires to run along (after a scene rebuild or for a new step)."""
        self.anim.stop()
        self.flows = [(_path(pts), float(a), float(b)) for pts, a, b in flows if len(pts) > 1]
        self.dots = [d for d in self.dots if shiboken6.isValid(d)]  # a scene.clear() deleted the rest
        while len(self.dots) < len(self.flows):
            dot = QtWidgets.QGraphicsEllipseItem(-DOT_R, -DOT_R, 2 * DOT_R, 2 * DOT_R)
            dot.setBrush(HIGHLIGHT)
            dot.setPen(pen("#ffffff", 2.0))
            dot.setZValue(50)
            dot.setVisible(False)
            self.scene.addItem(dot)
            self.dots.append(dot)
        self.hide()

    def hide(self) -> None:
        for d in self.dots:
            if d.isVisible():
                d.setVisible(False)

    def set_enabled(self, on: bool) -> None:
        self.enabled = bool(on)
        if not self.enabled:
            self.anim.stop()
            self.hide()

    def set_duration(self, ms: int) -> None:
        self.duration_ms = max(0, int(ms))

    def play(self) -> None:
        self.anim.stop()
        self.hide()
        if not self.enabled or not self.flows or self.duration_ms < 60:
            return
        self.anim.setDuration(int(self.duration_ms * RUN_SHARE))
        self.anim.start()

    def seek(self, phase: float | None) -> None:
        """Put the dots where they are at ``phase`` (0..1) of a step, as :meth:`play` would
        have them then, with no clock running (an exported frame); None hides them."""
        self.anim.stop()
        if phase is None or phase / RUN_SHARE > 1.0:
            self.hide()
        else:
            self._on_anim_value_changed(max(float(phase), 0.0) / RUN_SHARE)

    @property
    def running(self) -> bool:
        return self.anim.state() == QtCore.QAbstractAnimation.State.Running

    def _on_anim_value_changed(self, v) -> None:
        v = float(v)
        for (path, a, b), dot in zip(self.flows, self.dots, strict=False):
            on = a <= v <= b and b > a
            if on:
                dot.setPos(path.pointAtPercent(min(max((v - a) / (b - a), 0.0), 1.0)))
            if dot.isVisible() != on:
                dot.setVisible(on)

    def _on_anim_finished(self) -> None:
        self.hide()
