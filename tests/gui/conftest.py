"""GUI test fixtures: a main window with the default example, work made synchronous."""

from __future__ import annotations

import pytest

from rnnviz.session.defaults import default_session


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
