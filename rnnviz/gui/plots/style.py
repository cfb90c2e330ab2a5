"""Colours, pens, fonts and colour maps shared by the plot panels.

The theme's plot background and foreground (white and near-black in the light theme) so
the plots read on a projector.  Every setting is applied per widget; nothing here
changes pyqtgraph's global options.  The colours are the theme's shared ``QColor``
objects (:data:`rnnviz.gui.theme.C`), and fonts and pens are scaled by the zoom when
they are made, so an item built after a change has the current look; items built
before are restyled in place by :func:`rnnviz.gui.plots.restyle.restyle`.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from ..theme import C, appearance, line_width, scaled

BACKGROUND = C.plot_background  # shared colours: a theme change updates them in place
FOREGROUND = C.plot_foreground
MUTED = C.muted  # outlines and neutral lines that are no unit's colour
CURSOR = C.cursor  # the current step, drawn CURSOR_ALPHA opaque; no unit uses its colour
CURSOR_ALPHA = 190
SELECTED_GATE = "#d55e00"
TARGET = "#d55e00"
BAR = "#0072b2"
READOUT_ALPHA = 235  # the hover readout's box: the plot's background, nearly opaque

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

FADED_ALPHA = 105  # of 255, for the units that are not selected (light theme)
FADED_ALPHA_DARK = 165  # on a dark background a faded line darkens: fade less
LINE_WIDTH = 1.6
SELECTED_WIDTH = 3.4
MAX_LINES = 16  # lines drawn per panel; beyond that the heatmap shows every unit
HEATMAP_ABOVE = 16  # heatmap is the default view when H is larger than this
SYMBOLS_UP_TO = 40  # draw a dot at every step for sequences this short
CACHE_CURVES_FROM = 300  # steps from which curves are cached as pixmaps
ANTIALIAS_UP_TO = 60  # smooth lines for short sequences; long ones redraw faster without

TITLE_PT = 11
AXIS_PT = 9  # tick labels, legends, captions
LABEL_PT = 11  # axis titles ("step t"), as the application's font at zoom 1


def grid_alpha() -> float:
    return appearance().theme.grid_alpha


def pen(colour, width: float = 1.0, alpha: int | None = None, **kw) -> QtGui.QPen:
    """A cosmetic pen ``width`` wide at zoom 1 in the light theme, scaled by
    :func:`~rnnviz.gui.theme.line_width` (the zoom; thicker in high contrast)."""
    p = pg.mkPen(QtGui.QColor(colour), width=line_width(width), **kw)
    if alpha is not None:
        c = p.color()
        c.setAlpha(alpha)
        p.setColor(c)
    p.setCosmetic(True)
    return p


def brush_of(colour, alpha: int = 255) -> QtGui.QBrush:
    c = QtGui.QColor(colour)
    c.setAlpha(alpha)
    return QtGui.QBrush(c)


def unit_colour(k: int) -> QtGui.QColor:
    return QtGui.QColor(UNIT_COLOURS[k % len(UNIT_COLOURS)])


def unit_pen(k: int, selected: bool, faded: bool, thin: bool = False) -> QtGui.QPen:
    """Solid for the first round of colours, dashed for the next, dotted after.

    ``thin``: 1 px for long, aliased curves, at every zoom (width 0: Qt's one-pixel
    cosmetic pen, which the restyle leaves as it is); Qt strokes wider pens as
    polygons, which costs ~30× more per curve.
    """
    colour = unit_colour(k)
    if faded and not selected:
        colour = faded_colour(colour, FADED_ALPHA_DARK if appearance().theme.is_dark else FADED_ALPHA)
    p = pen(colour, SELECTED_WIDTH if selected else 0.0 if thin else LINE_WIDTH)
    style = (QtCore.Qt.PenStyle.SolidLine, QtCore.Qt.PenStyle.DashLine, QtCore.Qt.PenStyle.DotLine)
    p.setStyle(style[(k // len(UNIT_COLOURS)) % 3])
    return p


def faded_colour(colour, alpha: int) -> QtGui.QColor:
    """``colour`` at ``alpha`` / 255 over the plot background, as an opaque colour: it looks
    the same as the translucent one where lines do not cross, and an opaque line can be
    drawn as separate segments (:mod:`.fast_curve`), ~40× faster when antialiased."""
    c, bg, a = QtGui.QColor(colour), BACKGROUND, alpha / 255
    return QtGui.QColor.fromRgbF(
        *(a * x + (1 - a) * y for x, y in zip(c.getRgbF()[:3], bg.getRgbF()[:3], strict=True))
    )


def colormap(kind: str) -> pg.ColorMap:
    """``"sigmoid"``: sequential, for [0, 1]; anything else: diverging, for [−1, 1].

    Both are colour-blind safe: viridis, and CET-CBD1 (blue–white–yellow).
    """
    return pg.colormap.get("viridis" if kind == "sigmoid" else "CET-CBD1")


def make_colorbar(values: tuple[float, float], kind: str) -> pg.ColorBarItem:
    """A heatmap's colour scale (``kind`` as :func:`colormap`), in the theme's foreground."""
    bar = pg.ColorBarItem(
        values=values, colorMap=colormap(kind), interactive=False, width=12, pen=FOREGROUND, colorMapMenu=False
    )
    axis = bar.getAxis("right")
    axis.setTickFont(font(AXIS_PT - 1))
    axis.setPen(FOREGROUND)
    axis.setTextPen(FOREGROUND)
    axis.enableAutoSIPrefix(False)  # as style_plot's axes
    return bar


def font(pt: float, bold: bool = False) -> QtGui.QFont:
    """``pt`` points at zoom 1, scaled by the zoom."""
    f = QtGui.QFont()
    f.setPointSizeF(scaled(pt))
    f.setBold(bold)
    return f


def css_size(pt: float) -> str:
    """A pyqtgraph title or label size ("11pt" at zoom 1), scaled by the zoom."""
    return f"{scaled(pt):.1f}pt"


# Axes are cached.  An axis with its grid spans the whole plot, so every new curve
# or heatmap repaints it; replaying its picture (grid and tick labels) was the largest
# part of an edit's repaint (~0.5 ms per axis, 20-30 axes).  From the pixmap: an edit's
# repaint of the Plots view 1.4-3× faster, cursor steps 1.7-2× (bench_gui, 1920×1080;
# an earlier measurement had found the cache slower on cursor steps: no longer so).
AXIS_CACHE = True


def style_plot(plot: pg.PlotItem) -> None:
    """Axes and readable tick labels in the theme's foreground on its plot background."""
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(font(AXIS_PT))
        axis.labelStyle["font-size"] = css_size(LABEL_PT)
        fit_axis_text(axis)
        axis.setStyle(tickTextOffset=3, maxTickLevel=1)  # grid at major and minor ticks only
        cache_item(axis, AXIS_CACHE)
    for name in ("left", "bottom", "top", "right"):  # the hidden top and right ones too
        # "0.04", never "40 (×0.001)"; and while this is on pyqtgraph lays out an axis's
        # title again at every change of its range, hidden or not (a zoom resizes them all)
        plot.getAxis(name).enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=grid_alpha())
    # room on the right for the last step's tick label ("120"), which is centred on
    # the view's edge and was cut in half
    left, top, _, bottom = plot.getContentsMargins()
    plot.setContentsMargins(left, top, 14, bottom)
    plot.hideButtons()
    plot.setMenuEnabled(False)


def label_style() -> dict:
    """An axis title's CSS (``axis.setLabel(text, **label_style())``): the foreground, scaled."""
    return {"color": FOREGROUND.name(), "font-size": css_size(LABEL_PT)}


def set_title(plot: pg.PlotItem, text: str, pt: float = TITLE_PT) -> None:
    """A plot's title in the foreground, ``pt`` scaled by the zoom, in a row as tall as
    it (pyqtgraph's row is 30 px, which cuts a zoomed title)."""
    plot.setTitle(text, color=FOREGROUND, size=css_size(pt))
    fit_title(plot)


def fit_title(plot: pg.PlotItem) -> None:
    label = plot.titleLabel
    if label.isVisible():
        h = max(30, round(label.item.boundingRect().height()))
        label.setMaximumHeight(h)
        plot.layout.setRowFixedHeight(0, h)


def fit_axis_text(axis: pg.AxisItem) -> None:
    """Room for one line of tick labels under a horizontal axis.  pyqtgraph measures its
    labels while it draws them into a QPicture, whose metrics can be smaller than the
    screen's: zoomed in, the labels under the bars were cut at their bottom."""
    if axis.orientation in ("bottom", "top"):
        font = axis.style["tickFont"] or QtWidgets.QApplication.font()
        axis.textHeight = max(axis.textHeight, QtGui.QFontMetrics(font).height())
        axis._updateHeight()  # pyqtgraph's: its height from textHeight


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
