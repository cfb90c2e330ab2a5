"""Show one dock on its own with the default session (``python -m rnnviz.gui.docks.x``)."""

from __future__ import annotations

import sys

from PySide6 import QtWidgets


def show_dock(dock_class) -> int:
    from rnnviz.session.defaults import default_session

    from ..controller import SessionController
    from ..theme import apply_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    apply_theme(app)
    window = QtWidgets.QMainWindow()
    controller = SessionController(parent=window)
    dock = dock_class(controller, window)
    window.setCentralWidget(dock.widget())
    controller.sig_error.connect(lambda m: window.statusBar().showMessage("⚠ " + m, 10000))
    controller.sig_message.connect(lambda m: window.statusBar().showMessage(m, 8000))
    controller.set_session(default_session())
    window.setWindowTitle(f"rnnviz — {dock.windowTitle()}")
    window.resize(480, 640)
    window.show()
    return app.exec()
