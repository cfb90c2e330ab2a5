"""Window memory (issue 15 §2): geometry and dock layout kept across runs in the
preferences (RNNVIZ_SETTINGS points them at a temp INI file here)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from rnnviz.gui.settings import app_settings
from rnnviz.gui.window_memory import DOCKS_KEY, GEOMETRY_KEY, WindowMemory, fitted_rect
from rnnviz.session.defaults import default_session

BIG_SCREEN = QtCore.QRect(0, 0, 2560, 1440)


@pytest.fixture(autouse=True)
def settings_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNVIZ_SETTINGS", str(tmp_path / "settings.ini"))
    return tmp_path / "settings.ini"


def new_window(qtbot, session=None, available=BIG_SCREEN):
    """What rnnviz.gui.app does: a window, its memory, shown."""
    from rnnviz.gui.main_window import MainWindow

    window = MainWindow(session or default_session(), threading="sync")
    qtbot.addWidget(window)
    window.window_memory = WindowMemory(window, available=available)
    window.show()
    qtbot.waitExposed(window)
    return window


def side_docks(w):
    return [d.isVisible() for d in (w.network_dock, w.weights_dock, w.sequence_dock)]


def test_the_next_window_opens_where_the_last_one_closed(qtbot, settings_file):
    first = new_window(qtbot)
    for dock in (first.network_dock, first.weights_dock, first.sequence_dock):
        dock.close()  # the user's layout: no side docks (the window may then be small
    qtbot.wait(10)  # enough for the 800×800 offscreen screen, where Qt keeps it as it is)
    first.setGeometry(QtCore.QRect(0, 40, 760, 600))
    qtbot.wait(10)
    geometry = first.geometry()
    first.close()
    assert settings_file.exists()

    second = new_window(qtbot)
    assert second.window_memory.restored
    got = second.geometry()
    assert got.size() == geometry.size() and got.y() == geometry.y() == 40
    assert abs(got.x() - geometry.x()) <= 4  # (Qt nudges a window wider than the 800-px offscreen screen)
    assert geometry.height() == 600
    assert side_docks(second) == [False, False, False]


def test_a_sessions_own_dock_layout_wins_over_the_remembered_one(qtbot):
    first = new_window(qtbot)
    qtbot.wait(400)  # the session keeps its layout 300 ms after a change
    with_docks = first.controller.session  # its view.dock_state: every side dock shown
    assert with_docks.view.dock_state
    first.sequence_dock.close()
    first.close()
    assert new_window(qtbot).sequence_dock.isVisible() is False  # remembered
    assert new_window(qtbot, with_docks).sequence_dock.isVisible()  # the session's layout


def test_first_run_fits_the_screen_it_opens_on(qtbot):
    small = QtCore.QRect(0, 0, 1440, 900)  # a laptop: 1400×900 would fill it edge to edge
    w = new_window(qtbot, available=small)
    assert not w.window_memory.restored
    assert w.width() <= 0.9 * 1440 and w.height() <= 0.9 * 900
    assert w.geometry().center() == small.center()
    big = new_window(qtbot, available=BIG_SCREEN)
    assert big.size() == QtCore.QSize(1400, 900) and big.geometry().center() == BIG_SCREEN.center()


def test_fitted_rect_keeps_within_ninety_percent():
    # 1920×1080 at Qt's scale 1.5: 1280×720 device-independent pixels
    assert fitted_rect(QtCore.QRect(0, 0, 1280, 720)) == QtCore.QRect(64, 36, 1152, 648)
    assert fitted_rect(QtCore.QRect(1920, 0, 1920, 1080)).size() == QtCore.QSize(1400, 900)


def test_a_kept_geometry_larger_than_the_screen_is_fitted(qtbot):
    from rnnviz.gui.window_memory import fit_to_screen

    w = new_window(qtbot)
    w.setGeometry(QtCore.QRect(0, 0, 1500, 1000))  # kept from a larger monitor
    screen = QtCore.QRect(0, 0, 1600, 900)
    fit_to_screen(w, screen)
    assert screen.contains(w.frameGeometry()) and w.height() <= 0.9 * 900
    w.setGeometry(QtCore.QRect(5000, 5000, 1300, 800))  # on a monitor no longer there
    fit_to_screen(w, screen)
    assert screen.contains(w.frameGeometry())
    w.setGeometry(QtCore.QRect(100, 50, 1300, 800))  # fits: left where the user put it
    fit_to_screen(w, screen)
    assert w.geometry() == QtCore.QRect(100, 50, 1300, 800)


@pytest.mark.parametrize("value", [b"not a geometry", "text", 12, QtCore.QByteArray(b"\x01" * 70000)])
def test_a_corrupt_kept_value_falls_back_to_the_first_run_size(qtbot, value):
    settings = app_settings()
    settings.setValue(GEOMETRY_KEY, value)
    settings.setValue(DOCKS_KEY, value)
    settings.sync()
    w = new_window(qtbot)
    assert not w.window_memory.restored
    assert w.size() == QtCore.QSize(1400, 900) and w.geometry().center() == BIG_SCREEN.center()
    assert w.network_dock.isVisible() and w.sequence_dock.isVisible()  # the default layout


def test_closing_while_presenting_keeps_the_window_from_before(qtbot):
    w = new_window(qtbot)
    qtbot.wait(10)
    geometry, docks = w.saveGeometry(), w.saveState()
    w.presentation.enter()
    assert w.isFullScreen()
    w.close()
    settings = app_settings()
    assert settings.value(GEOMETRY_KEY) == geometry and settings.value(DOCKS_KEY) == docks


def test_a_low_screen_stacks_the_docks_so_the_window_fits(qtbot):
    """1920×1080 at Qt's scale 1.5, less a task bar: the docks in a column are too tall."""
    low = QtCore.QRect(0, 0, 1280, 680)
    w = new_window(qtbot, available=low)
    assert low.contains(w.frameGeometry())
    assert w.tabifiedDockWidgets(w.sequence_dock)  # one stack of tabs
    assert w.network_dock in w.tabifiedDockWidgets(w.sequence_dock)
