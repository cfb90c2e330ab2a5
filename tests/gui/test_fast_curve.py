"""Wide opaque curves are drawn as segments in device pixels (``plots/fast_curve.py``):
the picture must be pyqtgraph's own, and the fast path must really be the one taken."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtGui

from rnnviz.gui.plots import style
from rnnviz.gui.plots.fast_curve import FastCurveItem, FastPlotDataItem
from rnnviz.gui.theme import appearance

T = 61
ZIGZAG = np.where(np.arange(T) % 2, 1.0, -1.0) * np.linspace(0.3, 1.0, T)  # a tanh unit flipping sign


def _plot(qtbot, y, pen, antialias, fast, connect="finite", x_range=None) -> pg.PlotWidget:
    w = pg.PlotWidget(background="w")
    qtbot.addWidget(w)
    w.resize(420, 220)
    kind = FastPlotDataItem if fast else pg.PlotDataItem
    w.addItem(kind(np.arange(T, dtype=float), y, pen=pen, antialias=antialias, connect=connect))
    w.setXRange(*(x_range or (0, T - 1)), padding=0.02)
    w.setYRange(-1.1, 1.1, padding=0)
    w.show()
    qtbot.waitExposed(w)
    return w


def _pixels(*args, **kw) -> np.ndarray:
    image = _plot(*args, **kw).grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return a[:, : 4 * image.width()].reshape(image.height(), image.width(), 4)[..., :3].astype(int).copy()


class _Recorder(QtGui.QPainter):
    """A painter that notes how it is asked to draw (pyqtgraph calls it from Python)."""

    def __init__(self, image):
        super().__init__(image)
        self.calls: list[str] = []

    def drawLines(self, *args):  # noqa: N802 (Qt's name)
        self.calls.append("segments in pixels" if self.transform().isIdentity() else "segments")
        super().drawLines(*args)

    def drawPath(self, *args):  # noqa: N802
        self.calls.append("path")
        super().drawPath(*args)


def _how_drawn(item: pg.PlotCurveItem) -> list[str]:
    """Paint ``item`` as its view would (through a scaling transform) and say how."""
    image = QtGui.QImage(400, 200, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    painter = _Recorder(image)
    try:
        painter.translate(10, 100)
        painter.scale(6.0, -80.0)  # data to pixels, as a ViewBox does
        item.paint(painter, None, None)
    finally:
        painter.end()
    return painter.calls


@pytest.mark.parametrize("width", [1.6, 3.4, 6.0])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("case", ["zigzag", "with a gap (NaN)", "zoomed into steps 20-35"])
def test_the_fast_path_draws_pyqtgraph_s_picture(qtbot, width, antialias, case):
    y = ZIGZAG.copy()
    if case == "with a gap (NaN)":
        y[30:33] = np.nan
    x_range = (20, 35) if case.startswith("zoomed") else None
    pen = pg.mkPen("#0072b2", width=width, cosmetic=True)
    reference = _pixels(qtbot, y, pen, antialias, fast=False, x_range=x_range)
    fast = _pixels(qtbot, y, pen, antialias, fast=True, x_range=x_range)
    drawn = (reference != 255).any(axis=2) | (fast != 255).any(axis=2)
    differ = np.abs(reference - fast).max(axis=2) > 96  # more than an antialiased edge's shade
    # joins and caps are drawn a little differently (segments' square caps, the path's
    # bevel joins); the line itself is where it was
    assert differ.sum() <= 0.04 * drawn.sum(), f"{differ.sum()} of {drawn.sum()} drawn pixels differ"
    if case == "with a gap (NaN)":  # the gap stays a gap
        column = lambda img: (np.abs(img - [255, 255, 255]).max(axis=2) > 96).any(axis=0)  # noqa: E731
        assert (column(fast) == column(reference)).mean() > 0.97


@pytest.mark.parametrize(
    "pen",
    [
        pg.mkPen(QtGui.QColor(0, 114, 178, 105), width=2.4, cosmetic=True),  # translucent: joins would show
        pg.mkPen("#0072b2", width=2.4, cosmetic=True, style=pg.QtCore.Qt.PenStyle.DashLine),  # dashes restart
        pg.mkPen("#0072b2", width=1, cosmetic=True),  # one pixel: Qt's own fast line already
    ],
    ids=["translucent", "dashed", "one pixel"],
)
def test_other_pens_are_drawn_by_pyqtgraph(qtbot, pen):
    item = _plot(qtbot, ZIGZAG, pen, True, fast=True).getPlotItem().listDataItems()[0].curve
    assert type(item) is FastCurveItem
    assert _how_drawn(item) == ["path"]


@pytest.mark.parametrize("antialias", [True, False])
def test_wide_opaque_pens_are_drawn_as_segments_in_pixels(qtbot, antialias):
    pen = pg.mkPen("#0072b2", width=2.4, cosmetic=True)
    item = _plot(qtbot, ZIGZAG, pen, antialias, fast=True).getPlotItem().listDataItems()[0].curve
    assert _how_drawn(item) == ["segments in pixels"]
    plain = _plot(qtbot, ZIGZAG, pen, antialias, fast=False).getPlotItem().listDataItems()[0].curve
    assert _how_drawn(plain) == (["segments"] if not antialias else ["path"])  # pyqtgraph's own choice


def test_the_plots_view_draws_its_lines_the_fast_way(main_window, qtbot):
    """The hidden-state panel's lines, the selected one and the faded others, are all
    fast: a faded line is an opaque colour between the unit's and the background."""
    main_window.show_view("plots")
    panel = main_window.plots_view.hidden_panel
    qtbot.waitUntil(lambda: len(panel.curves) >= 2 and panel.curves[0].xData is not None)
    assert all(type(c.curve) is FastCurveItem for c in panel.curves)
    for c in panel.curves:
        assert c.curve.opts["pen"].color().alpha() == 255
        assert _how_drawn(c.curve) == ["segments in pixels"]


@pytest.mark.parametrize("theme", ["light", "dark", "high-contrast"])
def test_a_faded_line_is_its_colour_seen_through_the_background(theme):
    appearance().set_theme(theme)
    try:
        faded = style.unit_pen(2, selected=False, faded=True).color()
        assert faded.alpha() == 255
        alpha = (style.FADED_ALPHA_DARK if appearance().theme.is_dark else style.FADED_ALPHA) / 255
        unit, background = style.unit_colour(2), QtGui.QColor(appearance().theme.plot_background)
        for part in ("red", "green", "blue"):
            want = alpha * getattr(unit, part)() + (1 - alpha) * getattr(background, part)()
            assert abs(getattr(faded, part)() - want) <= 1, part
    finally:
        appearance().set_theme("light")
