"""The plots follow the theme and the zoom, in place: :func:`restyle` walks a view.

Items built after a change take the current look from :mod:`.style` (its colours are
the theme's shared ``QColor`` objects, its fonts and pens are scaled when made).  Items
built before are restyled here, without rebuilding anything:

- every pyqtgraph view: its background; every axis: pens, tick font, label, grid alpha
  and a fixed width or height; titles, legends and text items: colour and size;
- every curve, line, bar outline and marker: its width by the change of
  :func:`~rnnviz.gui.theme.line_width`, and a colour that was one of the old theme's
  roles (the plots' foreground or background, muted text, errors) by the new theme's;
- every widget with a font of its own (titles, captions, legend chips): its size by the
  change of zoom; a widget whose ``look`` property is ``"error"`` or ``"muted"``: its
  text colour;
- an item or widget with a ``restyle_look()`` method (the step cursor, the step axis,
  a gate panel's title) restyles itself after that.

What a view was last styled with (theme, zoom) is kept on its root widget
(:func:`remember_look`, at the end of its ``__init__``): the ratios are taken from it.
A widget inside that remembers its own look (a plot panel) is left out of its
parent's restyle: its owner restyles it when it is shown (hidden panels cost nothing).
"""

from __future__ import annotations

import re
import weakref
from contextlib import contextmanager

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..theme import C, Theme, appearance
from .style import fit_axis_text, fit_title

_LOOK = "_plot_look"  # attribute on a view's root: (theme, zoom) it was last styled with
# the widgets with a look of their own (a miss of hasattr on a Qt widget costs ~20 µs)
_ROOTS: weakref.WeakSet = weakref.WeakSet()
_ROLES = ("plot_foreground", "plot_background", "muted", "error")  # remapped, first match wins
_SIZE_RESOLVED = 0x2  # QFont::SizeResolved (PySide6 does not export the enum): a size of its own
_PT = re.compile(r"([0-9.]+)\s*pt")


def remember_look(root: QtWidgets.QWidget) -> None:
    """``root`` was built (or restyled) with the current theme and zoom."""
    a = appearance()
    setattr(root, _LOOK, (a.theme, a.zoom))
    _ROOTS.add(root)


def look_is_current(root: QtWidgets.QWidget, zoom_only: bool = False) -> bool:
    """``root`` was last styled with the current zoom (and theme, unless ``zoom_only``)."""
    a = appearance()
    theme, zoom = getattr(root, _LOOK, (a.theme, a.zoom))
    return zoom == a.zoom and (zoom_only or theme is a.theme)


@contextmanager
def painted_when_settled(view: QtWidgets.QWidget):
    """Around a view's restyle: on a new zoom the view is not painted until its layout
    has settled (posted events go first).  New fonts lay a view out in several passes,
    and each of them repainted every plot (the Plots view: 6 plots painted 31 times → 11)."""
    rezoom = not look_is_current(view, zoom_only=True)
    if rezoom:
        view.setUpdatesEnabled(False)
    try:
        yield
    finally:
        if rezoom:
            QtCore.QTimer.singleShot(0, view, lambda: view.setUpdatesEnabled(True))


class _Change:
    """The ratios and colour map from a view's last look to the current one."""

    def __init__(self, old: tuple[Theme, float]) -> None:
        a = appearance()
        self.old_theme, self.old_zoom = old
        old_zoom = self.old_zoom
        self.theme = a.theme
        self.zoom = a.zoom / old_zoom
        self.line = self.zoom * a.theme.line_scale / self.old_theme.line_scale
        self._map = {}
        for role in reversed(_ROLES):  # the first role wins where two share a colour
            self._map[QtGui.QColor(getattr(self.old_theme, role)).rgb()] = getattr(self.theme, role)

    @property
    def recolours(self) -> bool:
        return self.theme is not self.old_theme

    def colour(self, colour: QtGui.QColor) -> QtGui.QColor:
        if any(colour is getattr(C, name) for name in _ROLES):  # a shared colour: already the new one
            return QtGui.QColor(colour)
        new = self._map.get(colour.rgb()) if self.recolours else None
        if new is None:
            return QtGui.QColor(colour)
        out = QtGui.QColor(new)
        out.setAlpha(colour.alpha())
        return out

    def pen(self, pen, widen: bool = True) -> QtGui.QPen | None:
        if pen is None:
            return None
        pen = pg.mkPen(pen)
        if pen.style() == QtCore.Qt.PenStyle.NoPen:
            return pen
        pen.setColor(self.colour(pen.color()))
        if widen and pen.widthF() > 0:
            pen.setWidthF(pen.widthF() * self.line)
        return pen

    def brush(self, brush):
        if brush is None or isinstance(brush, (list, tuple)):
            return brush
        brush = pg.mkBrush(brush)
        if brush.style() == QtCore.Qt.BrushStyle.NoBrush:
            return brush
        brush.setColor(self.colour(brush.color()))
        return brush

    def font(self, font: QtGui.QFont) -> QtGui.QFont:
        font = QtGui.QFont(font)
        font.setPointSizeF(max(1.0, font.pointSizeF() * self.zoom))
        return font

    def size(self, size, default_pt: float) -> str:
        """A CSS size ("9pt") times the zoom ratio."""
        m = _PT.match(str(size)) if size else None
        pt = float(m.group(1)) if m else default_pt * self.old_zoom  # unknown: the default, as it was
        return f"{pt * self.zoom:.1f}pt"


def restyle(root: QtWidgets.QWidget) -> bool:
    """Restyle ``root`` and everything in it for the current theme and zoom, in place
    (not the widgets inside that remember their own look).  False if it was current."""
    a = appearance()
    old = getattr(root, _LOOK, (a.theme, a.zoom))
    change = _Change(old)
    remember_look(root)
    if change.zoom == 1.0 and not change.recolours:
        return False
    widgets = list(_own_widgets(root))
    for w in widgets:
        _restyle_widget(w, change)
        if isinstance(w, pg.GraphicsView):
            _restyle_scene(w, change)
    for w in widgets:
        hook = _hook(w)
        if hook is not None:
            hook(w)
    return True


def _own_widgets(root: QtWidgets.QWidget):
    """``root`` and its descendants, without the subtrees of widgets with a look of their own."""
    yield root
    for child in root.children():
        if isinstance(child, QtWidgets.QWidget) and child not in _ROOTS:
            yield from _own_widgets(child)


def _hook(obj):
    """The class's ``restyle_look`` (looked up on the type: fast where an instance misses)."""
    return getattr(type(obj), "restyle_look", None)


def _restyle_widget(w: QtWidgets.QWidget, change: _Change) -> None:
    if change.zoom != 1.0 and w.testAttribute(QtCore.Qt.WidgetAttribute.WA_SetFont):
        f = w.font()
        if f.resolveMask() & _SIZE_RESOLVED:  # else it follows the app font
            w.setFont(change.font(f))
    look = w.property("look")
    if look and change.recolours:
        colour = C.error if look == "error" else C.placeholder
        w.setStyleSheet(f"color: {colour.name()};")
    if isinstance(w, pg.GraphicsView):
        w.setBackground(QtGui.QColor(C.plot_background))


def _restyle_scene(view: pg.GraphicsView, change: _Change) -> None:
    hooks, plots = [], []
    for item in view.scene().items():
        if isinstance(item, pg.AxisItem):
            _restyle_axis(item, change)
        elif isinstance(item, pg.PlotDataItem):
            _restyle_data(item, change)
        elif isinstance(item, pg.PlotCurveItem) and not isinstance(item.parentItem(), pg.PlotDataItem):
            item.setPen(change.pen(item.opts["pen"]))
        elif isinstance(item, pg.ScatterPlotItem) and not isinstance(item.parentItem(), pg.PlotDataItem):
            _restyle_scatter(item, change)
        elif isinstance(item, pg.BarGraphItem):
            _restyle_bars(item, change)
        elif isinstance(item, pg.InfiniteLine):
            item.setPen(change.pen(item.pen))
            item.setHoverPen(change.pen(item.hoverPen))
        elif isinstance(item, pg.TextItem):
            _restyle_text(item, change)
        elif isinstance(item, pg.LegendItem):
            _restyle_legend(item, change)
        elif isinstance(item, pg.LabelItem):  # titles and legend entries: the foreground
            item.setText(
                item.text, color=QtGui.QColor(C.plot_foreground), size=change.size(item.opts.get("size"), 11)
            )
        elif isinstance(item, pg.PlotItem):
            plots.append(item)
        elif isinstance(item, QtWidgets.QGraphicsRectItem) and not isinstance(item, pg.GraphicsObject):
            item.setPen(change.pen(item.pen()))
        if _hook(item) is not None:
            hooks.append(item)
    for plot in plots:
        fit_title(plot)
    for item in hooks:
        item.restyle_look()


def _restyle_axis(axis: pg.AxisItem, change: _Change) -> None:
    # pyqtgraph's setPen and setTextPen each lay the label out again: set both, then once
    axis._pen = pg.mkPen(C.plot_foreground)
    axis._textPen = pg.mkPen(C.plot_foreground)
    axis.labelStyle["color"] = C.plot_foreground.name()
    if change.zoom != 1.0:
        tick = axis.style.get("tickFont")  # None: the application font, already zoomed
        axis.style["tickFont"] = change.font(tick) if tick is not None else None
        axis.labelStyle["font-size"] = change.size(axis.labelStyle.get("font-size"), 11)
        if axis.fixedWidth is not None:
            axis.fixedWidth = int(round(axis.fixedWidth * change.zoom))
        if axis.fixedHeight is not None:
            axis.fixedHeight = int(round(axis.fixedHeight * change.zoom))
        axis.prepareGeometryChange()
    if axis.grid is not False:
        axis.grid = int(min(max(change.theme.grid_alpha * 255, 0), 255))
    if change.zoom != 1.0:
        if axis.orientation in ("bottom", "top"):
            axis.textHeight = 0  # measured again
        else:  # the labels' width as it will be measured when drawn: no second layout and paint
            axis.textWidth = axis.textWidth * change.zoom + 1
        fit_axis_text(axis)
    axis._updateLabel()  # the label's HTML, the axis' size (_adjustSize) and a repaint


def _restyle_data(item: pg.PlotDataItem, change: _Change) -> None:
    o = item.opts
    o["pen"] = change.pen(o["pen"])
    o["shadowPen"] = change.pen(o.get("shadowPen"))
    o["symbolPen"] = change.pen(o.get("symbolPen"), widen=False)
    o["symbolBrush"] = change.brush(o.get("symbolBrush"))
    size = o.get("symbolSize")
    if isinstance(size, (int, float)):
        o["symbolSize"] = size * change.zoom
    item.updateItems(styleUpdate=True)


def _restyle_scatter(item: pg.ScatterPlotItem, change: _Change) -> None:
    item.setPen(change.pen(item.opts["pen"]))
    item.setBrush(change.brush(item.opts["brush"]))
    item.setSize(item.opts["size"] * change.zoom)


def _restyle_bars(item: pg.BarGraphItem, change: _Change) -> None:
    o = item.opts
    new = {"pen": change.pen(o.get("pen")) if o.get("pen") is not None else None}
    if o.get("pens") is not None:
        new["pens"] = [change.pen(p) for p in o["pens"]]
    if o.get("brush") is not None:
        new["brush"] = change.brush(o["brush"])
    item.setOpts(**new)


def _restyle_text(item: pg.TextItem, change: _Change) -> None:
    item.setColor(change.colour(item.color))
    item.fill = change.brush(item.fill)
    item.border = change.pen(item.border, widen=False)
    item.setFont(change.font(item.textItem.font()))


def _restyle_legend(legend: pg.LegendItem, change: _Change) -> None:
    legend.opts["labelTextColor"] = pg.mkColor(C.plot_foreground)
    legend.opts["labelTextSize"] = change.size(legend.opts.get("labelTextSize"), 9)
    legend.setPen(change.pen(legend.opts.get("pen"), widen=False))
    legend.setBrush(change.brush(legend.opts.get("brush")))
