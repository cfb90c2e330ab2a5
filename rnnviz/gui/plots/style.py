"""Colours, pens, fonts and colour maps shared by the plot panels.

White background and dark foreground so the plots read on a projector.  Every
setting is applied per widget; nothing here changes pyqtgraph's global options.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

BACKGROUND = "#ffffff"
FOREGROUND = "#222222"
GRID_ALPHA = 0.25
CURSOR = (40, 40, 40, 190)  # the current step: dark grey, no unit uses it
CURSOR_HOVER = (0, 0, 0, 255)
SELECTED_GATE = "#d55e00"
TARGET = "#d55e00"
BAR = "#0072b2"
READOUT_FILL = (255, 255, 240, 235)

#: Okabe–Ito without yellow (too pale on white), then darker companions.
#: Colour-blind safe for the first seven; units beyond that repeat with dashes.
UNIT_COLOURS = (
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#882255",  # wine
    "#999933",  # olive
)

FADED_ALPHA = 105  # of 255, for the units that are not selected
LINE_WIDTH = 1.6
SELECTED_WIDTH = 3.4
MAX_LINES = 16  # lines drawn per panel; beyond that the heatmap shows every unit
HEATMAP_ABOVE = 16  # heatmap is the default view when H is larger than this
SYMBOLS_UP_TO = 40  # draw a dot at every step for sequences this short
CACHE_CURVES_FROM = 300  # steps from which curves are cached as pixmaps
ANTIALIAS_UP_TO = 60  # smooth lines for short sequences; long ones redraw faster without

TITLE_PT = 11
AXIS_PT = 9


def unit_colour(k: int) -> QtGui.QColor:
    return QtGui.QColor(UNIT_COLOURS[k % len(UNIT_COLOURS)])


def unit_pen(k: int, selected: bool, faded: bool, thin: bool = False) -> QtGui.QPen:
    """Solid for the first round of colours, dashed for the next, dotted after.

    ``thin``: 1 px for long, aliased curves; Qt strokes wider pens as polygons,
    which costs ~30× more per curve.
    """
    colour = unit_colour(k)
    if faded and not selected:
        colour.setAlpha(FADED_ALPHA)
    pen = pg.mkPen(colour, width=SELECTED_WIDTH if selected else 1.0 if thin else LINE_WIDTH)
    style = (QtCore.Qt.PenStyle.SolidLine, QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine)
    pen.setStyle(style[(k // len(UNIT_COLOURS)) % 3])
    pen.setCosmetic(True)
    return pen


def colormap(kind: str) -> pg.ColorMap:
    """``"sigmoid"``: sequential, for [0, 1]; anything else: diverging, for [−1, 1].

    Both are colour-blind safe: viridis, and CET-CBD1 (blue–white–yellow).
    """
    return pg.colormap.get("viridis" if kind == "sigmoid" else "CET-CBD1")


def font(pt: int, bold: bool = False) -> QtGui.QFont:
    f = QtGui.QFont()
    f.setPointSize(pt)
    f.setBold(bold)
    return f


# Axes are cached.  An axis with its grid spans the whole plot, so every new curve
# or heatmap repaints it; replaying its picture (grid and tick labels) was the largest
# part of an edit's repaint (~0.5 ms per axis, 20-30 axes).  From the pixmap: an edit's
# repaint of the Plots view 1.4-3× faster, cursor steps 1.7-2× (bench_gui, 1920×1080;
# an earlier measurement had found the cache slower on cursor steps: no longer so).
AXIS_CACHE = True


def style_plot(plot: pg.PlotItem) -> None:
    """Dark axes and readable tick labels on a white plot."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(font(AXIS_PT))
        axis.setStyle(tickTextOffset=3, maxTickLevel=1)  # grid at major and minor ticks only
        cache_item(axis, AXIS_CACHE)
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    # room on the right for the last step's tick label ("120"), which is centred on
    # the view's edge and was cut in half
    left, top, _, bottom = plot.getContentsMargins()
    plot.setContentsMargins(left, top, 14, bottom)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def make_plot_widget(parent=None) -> pg.PlotWidget:
    w = pg.PlotWidget(parent=parent, background=BACKGROUND)
    style_plot(w.getPlotItem())
    return w


def cache_item(item, on: bool = True) -> None:
    """Paint ``item`` into a pixmap and reuse it while only other items (the cursor) move.

    Worth it for long curves (a cursor step would redraw them); for short ones the
    pixmap costs more after an edit than it saves per step (see CACHE_CURVES_FROM).
    """
    mode = QtWidgets.QGraphicsItem.CacheMode
    item.setCacheMode(mode.DeviceCoordinateCache if on else mode.NoCache)


def cache_curve(curve: pg.PlotDataItem, steps: int) -> None:
    on = steps >= CACHE_CURVES_FROM
    cache_item(curve.curve, on)
    cache_item(curve.scatter, on)


def time_curve(curve: pg.PlotDataItem) -> None:
    """A curve over the steps: downsampled and clipped to the visible steps when long.

    pyqtgraph's dynamic range limit (clipping y to a million view heights around the
    view) is off: every plot's y range holds all its data (auto-ranged, or a gate's fixed
    [0, 1] / [−1, 1]), and values too large to draw are left out before (``outputs.drawable``),
    so it never clipped anything — but with it every change of the y range (each edit of an
    auto-ranged plot) re-processed the curve and re-built its dots a second time.
    """
    curve.setDownsampling(auto=True, method="peak")
    curve.setClipToView(True)
    curve.setDynamicRangeLimit(None)
