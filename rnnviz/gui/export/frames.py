"""FrameRenderer: one central view painted off screen, one frame at a time.

The renderer owns its own instance of the view (never the window's: the user's window
does not move while a film is made), laid out in a host widget that is never shown on
screen (``WA_DontShowOnScreen``) under a caption with the session's title and the step.
A frame is a pure function of (step, phase, size): the step goes through the view's
``set_cursor`` like any cursor move, the data-flow pulse is *sought* to the phase (no
animation clock runs), and nothing else is painted: no note bar, no dialog, no mouse.

The view is laid out at a logical size whose height is 720 (for a wide frame) and
painted scaled to the frame's pixels, so a 1920×1080 film looks like a 1280×720 one,
only sharper, and text keeps its size on a projector.

Widgets are painted on the GUI thread only; :mod:`.runner` hands the pixels to a worker.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session.compute import Computed
from rnnviz.session.workspace import Cursor

from ..presentation_style import caption_text
from ..timeline import step_text

LOGICAL_HEIGHT, MIN_LOGICAL_WIDTH = 720, 640
#: the window's tab titles of the views a film shows (its presentation styling names the view)
VIEW_TITLES = {"diagrams": "Diagrams", "math": "Step math", "plots": "Plots", "training": "Training",
               "statespace": "State space"}  # fmt: skip
CAPTION_PT = 15


def make_view(name: str, page: str = "forward", backward: bool = False) -> QtWidgets.QWidget:
    """A fresh central view for frames, without the controls a film cannot use."""
    if name == "diagrams":
        from ..diagrams import DiagramsView

        view = DiagramsView()
        view.hold_still()  # a step change starts no clock: the pulse is sought per frame
        for w in (view.animate_box, view.export_button):
            w.hide()
        return view
    if name == "math":
        from ..math_panel import MathPanel

        view = MathPanel()
        view.set_page(page)
        view.export_button.hide()
        return view
    if name == "plots":
        from ..plots import PlotsArea

        return PlotsArea()
    if name == "training":
        from ..training_view import TrainingView

        return TrainingView()  # no trainer: its buttons do nothing, and a film has no mouse
    if name == "statespace":
        from ..statespace_view import StateSpaceView

        return StateSpaceView()  # no jobs: a flow field is computed in line
    raise ValueError(f"no view {name!r} to export")


def scale_for(size: tuple[int, int]) -> float:
    """Frame pixels per logical pixel (see the module doc)."""
    w, h = size
    return min(h / LOGICAL_HEIGHT, w / MIN_LOGICAL_WIDTH)


class FrameRenderer:
    """Frames of one view of ``computed`` at ``size`` (see the module doc)."""

    def __init__(self, computed: Computed, view: str, size: tuple[int, int], cursor: Cursor | None = None,
                 page: str = "forward", backward: bool = False, present: bool = False):  # fmt: skip
        self.computed, self.size = computed, (int(size[0]), int(size[1]))
        self.scale = scale_for(self.size)
        session = computed.session
        self.cursor = (cursor or Cursor.of(session)).clamped(session)
        self.view = make_view(view, page, backward)
        self.present = present
        if present:  # presentation styling: the window's caption and tabs (rnnviz.gui.presentation)
            from ..presentation_style import presented_host

            self.host, self.caption = presented_host(session.title, self.view, VIEW_TITLES.get(view, view))
            self.host.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        else:
            self.host = _host(session.title, self.view)
            self.caption = self.host.findChild(QtWidgets.QLabel, "caption")
        w, h = self.size
        self.host.resize(round(w / self.scale), round(h / self.scale))
        self.host.show()  # laid out and polished, but never on a screen
        self.view.set_computed(computed)
        if backward and hasattr(self.view, "set_backward"):
            self.view.set_backward(True)
        seq, net = session.sequence, session.network
        self._caption_args = (tuple(seq.tokens), net.mode == "lstm", None if seq.is_text else seq.inputs)
        self._image = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
        self._settle()

    def _settle(self) -> None:
        QtCore.QCoreApplication.sendPostedEvents()  # layout requests, polish
        self.host.layout().activate()

    def render(self, step: int, phase: float | None = None) -> QtGui.QImage:
        """The frame at ``step`` with the pulse at ``phase`` (None: a still).  The image is
        reused by the next call: copy it (or take :meth:`rgb`) to keep it."""
        if self.present:
            self.caption.set_step_text(caption_text(self.computed.session, step))
        else:
            self.caption.setText(step_text(step, self.computed.trace.steps, *self._caption_args))
        self.view.set_cursor(Cursor(step, self.cursor.layer, self.cursor.direction, self.cursor.unit,
                                    self.cursor.gate))  # fmt: skip
        seek = getattr(self.view, "seek", None)
        if seek is not None:
            seek(phase)
        self._settle()
        image = self._image
        image.fill(self.host.palette().color(QtGui.QPalette.ColorRole.Window))
        painter = QtGui.QPainter(image)
        painter.setRenderHints(QtGui.QPainter.RenderHint.Antialiasing | QtGui.QPainter.RenderHint.TextAntialiasing
                               | QtGui.QPainter.RenderHint.SmoothPixmapTransform)  # fmt: skip
        painter.scale(self.scale, self.scale)
        self.host.render(painter, QtCore.QPoint(0, 0))
        painter.end()
        return image

    def rgb(self, step: int, phase: float | None = None) -> np.ndarray:
        """The frame as RGB bytes [H, W, 3] (a copy the caller owns)."""
        return qimage_rgb(self.render(step, phase))

    def close(self) -> None:
        self.host.close()
        self.host.deleteLater()


def _host(title: str, view: QtWidgets.QWidget) -> QtWidgets.QWidget:
    host = QtWidgets.QWidget()
    host.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    caption = QtWidgets.QLabel()
    caption.setObjectName("caption")
    caption.setTextFormat(Qt.TextFormat.PlainText)
    font = caption.font()
    font.setPointSizeF(CAPTION_PT)
    font.setBold(True)
    caption.setFont(font)
    name = QtWidgets.QLabel(title or "")
    name.setTextFormat(Qt.TextFormat.PlainText)
    name.setFont(font)
    name.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)  # the theme's quiet grey
    top = QtWidgets.QHBoxLayout()
    top.setContentsMargins(10, 4, 10, 0)
    top.addWidget(caption)
    top.addStretch(1)
    top.addWidget(name)
    lay = QtWidgets.QVBoxLayout(host)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    lay.addLayout(top)
    lay.addWidget(view, 1)
    return host


def paint_scaled(widget: QtWidgets.QWidget, size: tuple[int, int]) -> QtGui.QImage:
    """``widget`` painted into exactly ``size`` pixels: laid out at that size, or, when it
    cannot be that small (a window's docks), at a larger size of the same shape and
    painted scaled down."""
    w, h = size
    least = widget.minimumSizeHint().expandedTo(widget.minimumSize())
    scale = min(1.0, w / max(least.width(), 1), h / max(least.height(), 1))
    widget.resize(round(w / scale), round(h / scale))
    QtCore.QCoreApplication.processEvents()
    image = QtGui.QImage(w, h, QtGui.QImage.Format.Format_RGB32)
    image.fill(widget.palette().color(QtGui.QPalette.ColorRole.Window))
    painter = QtGui.QPainter(image)
    painter.setRenderHints(
        QtGui.QPainter.RenderHint.Antialiasing | QtGui.QPainter.RenderHint.TextAntialiasing
    )
    painter.scale(scale, scale)
    widget.render(painter, QtCore.QPoint(0, 0))
    painter.end()
    return image


def qimage_rgb(image: QtGui.QImage) -> np.ndarray:
    """An image's pixels as a new RGB array [H, W, 3] uint8."""
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    data = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return data[:, : 3 * w].reshape(h, w, 3).copy()
