"""GUI test fixtures: a main window with the default example, work made synchronous."""

from __future__ import annotations

import pytest

from rnnviz.session.defaults import default_session


@pytest.fixture(autouse=True)
def _collect_qt_garbage_on_the_gui_thread():
    """Windows of earlier tests, kept in reference cycles, are collected here, on the GUI
    thread: collected by a worker thread's garbage collection instead, a QObject's C++
    destructor there waits for the GIL the GUI thread holds (a deadlock seen in full runs)."""
    import gc

    gc.collect()
    yield
    gc.collect()


@pytest.fixture
def session():
    return default_session()


@pytest.fixture
def controller(qtbot, session):
    from rnnviz.gui.controller import SessionController

    return SessionController(session, threading="sync")


@pytest.fixture
def main_window(qtbot, session):
    from rnnviz.gui.main_window import MainWindow

    window = MainWindow(session, threading="sync")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


@pytest.fixture
def probe_view(qtbot):
    """A minimal central view that satisfies rnnviz.gui.views.View and records its calls."""
    from PySide6 import QtCore, QtWidgets

    from rnnviz.gui.views import CursorFollower

    class ProbeView(CursorFollower, QtWidgets.QWidget):
        sig_cursor_requested = QtCore.Signal(object)

        def __init__(self):
            super().__init__()
            self.seen = []

        def set_computed(self, computed):
            self._forget_cursor()
            self.seen.append(("trace", computed.trace.steps))

        def set_selection(self, layer, direction, unit, gate):
            self.seen.append(("selection", (layer, direction, unit, gate)))

        def set_step(self, t):
            self.seen.append(("step", t))

    view = ProbeView()
    qtbot.addWidget(view)
    return view


@pytest.fixture(autouse=True)
def _light_theme_at_normal_size():
    """The theme and zoom are the application's (rnnviz.gui.theme.appearance): every test
    starts and ends light at 100 %, whatever a test before it chose."""
    from rnnviz.gui.theme import appearance

    yield
    look = appearance()
    look.set_theme("light")
    look.set_zoom(1.0)
