"""Fusion, with check boxes, radio buttons and sliders drawn to be seen in high contrast
(and check boxes and radio buttons edged in the dark theme).

Fusion outlines an indicator, and a slider's groove and handle, in the window colour
made darker: black on black in the high-contrast theme, so a check box and the
timeline's slider could not be seen.  This proxy draws those itself while that theme
is on, in the theme's own colours (its text for outlines, its window inside, its
highlight where set); in every other theme it is Fusion.  It replaces an application
style sheet, which had to be set on entering high contrast and cleared on leaving it,
and each time re-polished every widget of the window (~100 ms with a large session's
tables).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

if TYPE_CHECKING:
    from .theme import Theme

_PE = QtWidgets.QStyle.PrimitiveElement
_CC = QtWidgets.QStyle.ComplexControl
_SC = QtWidgets.QStyle.SubControl
_STATE = QtWidgets.QStyle.StateFlag
_INDICATORS = (_PE.PE_IndicatorCheckBox, _PE.PE_IndicatorRadioButton, _PE.PE_IndicatorItemViewItemCheck)


class ThemedFusion(QtWidgets.QProxyStyle):
    """Fusion; its indicators and sliders drawn by itself while ``outlined`` (high contrast),
    its indicators edged while ``edge`` is a colour (the dark theme)."""

    def __init__(self) -> None:
        super().__init__("Fusion")
        self.outlined = False
        self.edge: QtGui.QColor | None = None  # the dark theme: Fusion's indicators, edged in this
        self._outline = self._disabled = self._inside = self._checked = QtGui.QColor()

    def set_theme(self, theme: Theme, outlined: bool) -> None:
        """Draw in ``theme``'s colours: outlined indicators and sliders if ``outlined``;
        else Fusion's, edged in the theme's quiet grey on a dark theme."""
        self.outlined = outlined
        self.edge = QtGui.QColor(theme.placeholder) if theme.is_dark and not outlined else None
        self._outline, self._disabled = QtGui.QColor(theme.text), QtGui.QColor(theme.disabled)
        self._inside, self._checked = QtGui.QColor(theme.window), QtGui.QColor(theme.highlight)

    def drawPrimitive(self, element, option, painter, widget=None) -> None:  # noqa: N802 (Qt override)
        if not (self.outlined and element in _INDICATORS):
            super().drawPrimitive(element, option, painter, widget)
            if self.edge is not None and element in _INDICATORS:
                self._edge(element, option, painter)
            return
        state = option.state
        enabled = bool(state & _STATE.State_Enabled)
        on = bool(state & _STATE.State_On)
        partly = bool(state & _STATE.State_NoChange)
        r = QtCore.QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5)
        side = min(r.width(), r.height())
        r = QtCore.QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side)
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QtGui.QPen(self._outline if enabled else self._disabled, 2))
        painter.setBrush(self._checked if on and enabled else self._inside)
        if element == _PE.PE_IndicatorRadioButton:
            painter.drawEllipse(r)
        else:
            painter.drawRect(r)
            if partly:  # a tri-state box half set: a bar across
                painter.fillRect(r.adjusted(side / 4, side * 0.42, -side / 4, -side * 0.42), self._checked)
        painter.restore()

    def _edge(self, element, option, painter) -> None:
        """A thin light edge around Fusion's box or circle: a dark box on a dark window
        had none to be seen by (Fusion darkens the window colour for it)."""
        r = QtCore.QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        side = min(r.width(), r.height())
        r = QtCore.QRectF(r.center().x() - side / 2, r.center().y() - side / 2, side, side)
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        edge = QtGui.QColor(self.edge)
        if not option.state & _STATE.State_Enabled:
            edge.setAlpha(110)
        painter.setPen(QtGui.QPen(edge, 1))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        if element == _PE.PE_IndicatorRadioButton:
            painter.drawEllipse(r)
        else:
            painter.drawRoundedRect(r, 1.5, 1.5)
        painter.restore()

    def drawComplexControl(self, control, option, painter, widget=None) -> None:  # noqa: N802 (Qt override)
        if not (self.outlined and control == _CC.CC_Slider):
            super().drawComplexControl(control, option, painter, widget)
            return
        groove = QtCore.QRectF(self.subControlRect(control, option, _SC.SC_SliderGroove, widget))
        handle = QtCore.QRectF(self.subControlRect(control, option, _SC.SC_SliderHandle, widget))
        enabled = bool(option.state & _STATE.State_Enabled)
        horizontal = option.orientation == QtCore.Qt.Orientation.Horizontal
        c = groove.center()
        if horizontal:
            bar = QtCore.QRectF(groove.left() + 1, c.y() - 3, groove.width() - 2, 6)
            done = QtCore.QRectF(bar.left(), bar.top(), handle.center().x() - bar.left(), bar.height())
        else:
            bar = QtCore.QRectF(c.x() - 3, groove.top() + 1, 6, groove.height() - 2)
            done = QtCore.QRectF(
                bar.left(), handle.center().y(), bar.width(), bar.bottom() - handle.center().y()
            )
        outline = self._outline if enabled else self._disabled
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QtGui.QPen(outline, 1.5))
        painter.setBrush(self._inside)
        painter.drawRoundedRect(bar, 3, 3)
        if enabled:  # the part already played, as the light theme fills it
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(self._checked)
            painter.drawRoundedRect(done, 3, 3)
        painter.setPen(QtGui.QPen(outline, 2))
        painter.setBrush(self._checked if enabled else self._inside)
        painter.drawRoundedRect(handle.adjusted(1, 1, -1, -1), 3, 3)
        painter.restore()
