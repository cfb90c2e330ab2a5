"""The app's preferences store: one function, so tests and scripts can point it elsewhere.

``RNNVIZ_SETTINGS=/path/settings.ini`` keeps every preference (theme, zoom, window
geometry, the note bar's choice, recent files) in that INI file instead of the user's
own settings; the test suite sets it, so no test reads or writes a real user's choices.
"""

from __future__ import annotations

import os

from PySide6 import QtCore

ENV = "RNNVIZ_SETTINGS"


def app_settings() -> QtCore.QSettings:
    path = os.environ.get(ENV)
    if path:
        return QtCore.QSettings(path, QtCore.QSettings.Format.IniFormat)
    return QtCore.QSettings("rnnviz", "rnnviz")
