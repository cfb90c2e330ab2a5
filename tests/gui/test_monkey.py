"""Reliability: a bounded, seeded random walk over the window's actions, keys and buttons
fails on any exception that reaches ``sys.excepthook``; and the input count changing
under the unrolled diagram (the "+ Input" crash the first monkey found)."""

from __future__ import annotations

import random
import sys

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session import Sequence
from rnnviz.session.defaults import default_session


def test_adding_an_input_to_a_one_input_session_redraws_the_unrolled_diagram(main_window):
    """One input, then two: the input strip was kept at its old width ("could not broadcast")."""
    import numpy as np

    w = main_window
    w.show_view("diagrams")
    one = Sequence(np.sin(np.arange(6.0))[:, None], np.cos(np.arange(6.0))[:, None])
    assert w.controller.set_sequence(one)
    errors = []
    hook, sys.excepthook = sys.excepthook, lambda *a: errors.append(a[1])
    try:
        two = Sequence(np.column_stack([one.inputs, one.inputs]), one.targets)
        assert w.controller.set_sequence(two)
        for t in range(1, 7):
            w.controller.request_cursor(step=t)
            QtWidgets.QApplication.processEvents()
    finally:
        sys.excepthook = hook
    assert errors == [] and w.controller.session.network.input_size == 2


KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Space,
        Qt.Key.Key_PageDown, Qt.Key.Key_PageUp, Qt.Key.Key_Tab)  # fmt: skip
SKIP = ("Quit", "Close", "Open", "Save", "Recent", "Export", "Copy", "Import", "Paste", "New")


def _quiet_dialogs(monkeypatch) -> None:
    """Every modal dialog answers at once: a walk never waits on one."""
    box = QtWidgets.QMessageBox
    for name in ("question", "warning", "information", "critical", "about"):
        monkeypatch.setattr(box, name, staticmethod(lambda *a, **k: box.StandardButton.No))
    monkeypatch.setattr(box, "exec", lambda self: 0)
    monkeypatch.setattr(QtWidgets.QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    monkeypatch.setattr(QtWidgets.QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QtWidgets.QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: 0)


def _actions(window) -> list[QtGui.QAction]:
    out = []
    for menu in window.menuBar().findChildren(QtWidgets.QMenu):
        for action in menu.actions():
            text = action.text().replace("&", "")
            if action.isSeparator() or action.menu() is not None or any(s in text for s in SKIP):
                continue
            out.append(action)
    return out


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [0, 1])
def test_a_seeded_random_walk_over_the_window_raises_nothing(qtbot, monkeypatch, seed):
    from rnnviz.gui.main_window import MainWindow

    _quiet_dialogs(monkeypatch)
    w = MainWindow(default_session(), threading="sync")
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    errors = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: errors.append(a[1]))
    rng = random.Random(seed)
    tabs = w.central_tabs
    buttons = [b for b in w.findChildren(QtWidgets.QPushButton)
               if not any(s in b.text() for s in (*SKIP, "Train", "Step", "Export", "Generate", "Sample"))]  # fmt: skip
    actions = _actions(w)
    for _ in range(300):
        kind = rng.random()
        if kind < 0.3:
            QtWidgets.QApplication.sendEvent(
                w,
                QtGui.QKeyEvent(
                    QtCore.QEvent.Type.KeyPress, rng.choice(KEYS), Qt.KeyboardModifier.NoModifier
                ),
            )
        elif kind < 0.45:
            tabs.setCurrentIndex(rng.randrange(tabs.count()))
        elif kind < 0.7 and actions:
            action = rng.choice(actions)
            if action.isEnabled():
                action.trigger()
        elif kind < 0.9 and buttons:
            button = rng.choice(buttons)
            if button.isVisible() and button.isEnabled():
                button.click()
        else:
            w.controller.request_cursor(step=rng.randrange(0, 6), unit=rng.randrange(0, 4))
        QtWidgets.QApplication.processEvents()
        assert not errors, f"{errors[0]!r}"
    assert w.controller.session is not None
