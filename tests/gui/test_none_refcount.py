"""Guard against PySide6 6.12.0 on CPython 3.11, which drops a reference to None each
time Qt calls a Python override (paint, boundingRect, paintEvent); pyqtgraph then dies
with "Fatal Python error: none_dealloc".  pyproject pins PySide6 < 6.12 on 3.11."""

from __future__ import annotations

import sys

import numpy as np
import PySide6
from PySide6 import QtCore, QtGui, QtWidgets

REPAINTS = 2000
NOISE = 100


def test_installed_pair_is_not_the_broken_one():
    qt = tuple(int(p) for p in PySide6.__version__.split(".")[:3])
    assert not (qt == (6, 12, 0) and sys.version_info[:2] == (3, 11)), (
        f"PySide6 {PySide6.__version__} on Python {sys.version.split()[0]} leaks references to None; "
        "pyproject pins PySide6 < 6.12 on Python 3.11"
    )


class _Item(QtWidgets.QGraphicsItem):
    def __init__(self):
        super().__init__()
        self.painted = 0

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 (Qt override)
        return QtCore.QRectF(0, 0, 40, 40)

    def paint(self, painter, option, widget=None) -> None:
        self.painted += 1
        painter.drawRect(self.boundingRect())


class _Widget(QtWidgets.QWidget):
    def __init__(self):
        super().__init__()
        self.painted = 0
        self.resize(40, 40)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.painted += 1
        QtGui.QPainter(self).fillRect(self.rect(), QtGui.QColor("#0072B2"))


def _none_refs() -> int:
    return sys.getrefcount(None)


def test_python_overrides_do_not_leak_none(qtbot):
    import pyqtgraph as pg

    scene = QtWidgets.QGraphicsScene()
    item = _Item()
    scene.addItem(item)
    view = QtWidgets.QGraphicsView(scene)
    view.resize(80, 80)
    widget = _Widget()
    plot = pg.PlotWidget()
    plot.resize(120, 80)
    plot.plot(np.sin(np.linspace(0, 6, 50)))
    for w in (view, widget, plot):
        qtbot.addWidget(w)
        w.show()
    for w in (view, widget, plot):
        w.grab()  # warm up caches before counting
    before = _none_refs()
    for _ in range(REPAINTS):
        view.grab()  # paints the item: boundingRect + paint overrides
        widget.grab()  # paintEvent override
    for _ in range(REPAINTS // 20):
        plot.grab()  # pyqtgraph's own overrides
    after = _none_refs()
    assert item.painted >= REPAINTS and widget.painted >= REPAINTS
    assert before - after <= NOISE, f"references to None fell by {before - after} over {REPAINTS} repaints"
