"""Window memory (issue 15 §2): the window's geometry and dock layout across runs.

Kept in the preferences (:func:`rnnviz.gui.settings.app_settings`) when the window
closes, put back when the interactive app starts (``rnnviz.gui.app``; headless exports
and windows built by tests never read them).

- **First run** (nothing kept): the window fits the screen it opens on, at most
  1400×900 and at most 90 % of the screen's available area, centred.  At Qt's scale 1.5
  a 1920×1080 screen is 1280×720 device-independent pixels: the window is 1152×648.
- A kept geometry larger than the screen it lands on (a smaller monitor, a projector)
  is fitted the same way; one that lands on no screen at all is centred on the screen.
- A kept value that cannot be read falls back to the first-run size, silently.
- A screen too low for the docks in a column (the window's least height is ~740
  pixels with them) gets them as one stack of tabs, so the window fits.
- **Dock layout and sessions:** a session file may carry its own dock layout
  (``session.view.dock_state``: its author arranged the docks for the lesson).  That
  layout wins; the remembered one is used for sessions without one (a new session,
  an example, the default).
- Closing while presenting keeps the layout from before presenting, not full screen.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from .settings import app_settings

GEOMETRY_KEY = "window/geometry"
DOCKS_KEY = "window/dock_state"
DEFAULT_SIZE = QtCore.QSize(1400, 900)
SCREEN_FRACTION = 0.9
MAX_STORED_BYTES = 1 << 16  # a geometry is ~66 bytes, a dock state a few hundred


def fitted_rect(available: QtCore.QRect, size: QtCore.QSize = DEFAULT_SIZE) -> QtCore.QRect:
    """``size`` shrunk to at most 90 % of ``available``, centred on it."""
    w = min(size.width(), int(available.width() * SCREEN_FRACTION))
    h = min(size.height(), int(available.height() * SCREEN_FRACTION))
    rect = QtCore.QRect(0, 0, max(w, 1), max(h, 1))
    rect.moveCenter(available.center())
    return rect


def _stored(settings: QtCore.QSettings, key: str) -> QtCore.QByteArray | None:
    """The bytes kept under ``key``; None when absent or not bytes of a sane size."""
    value = settings.value(key)
    if isinstance(value, bytes):
        value = QtCore.QByteArray(value)
    if not isinstance(value, QtCore.QByteArray) or value.isEmpty() or value.size() > MAX_STORED_BYTES:
        return None
    return value


def _available(window: QtWidgets.QWidget) -> QtCore.QRect:
    """The available area of the screen the window opens on (the mouse's, else the primary)."""
    screen = QtGui.QGuiApplication.screenAt(QtGui.QCursor.pos()) or window.screen()
    screen = screen or QtGui.QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(window: QtWidgets.QWidget, available: QtCore.QRect) -> None:
    """A window larger than ``available`` (or outside it) is fitted and centred on it."""
    frame = window.frameGeometry()
    too_big = frame.width() > available.width() or frame.height() > available.height()
    if window.isMaximized() or window.isFullScreen():
        return
    if too_big or not available.intersects(frame):
        window.setGeometry(fitted_rect(available, frame.size() if not too_big else DEFAULT_SIZE))


def compact_docks(window, available: QtCore.QRect) -> bool:
    """On a screen too low for the network dock above the sequence dock (1920×1080 at
    scale 1.5 is 720 pixels high), the side docks share one stack of tabs; True if so."""
    if window.minimumSizeHint().height() <= available.height() * SCREEN_FRACTION:
        return False
    window.tabifyDockWidget(window.sequence_dock, window.network_dock)
    window.sequence_dock.raise_()
    return True


def restore_window(window, settings: QtCore.QSettings | None = None,
                   available: QtCore.QRect | None = None) -> bool:  # fmt: skip
    """Put back the kept geometry and dock layout before ``window`` is first shown;
    True when a kept geometry was used.  ``available``: the screen's area (tests)."""
    settings = settings or app_settings()
    available = available if available is not None else _available(window)
    docks = _stored(settings, DOCKS_KEY)
    if docks is not None:  # first: the docks shown set the least size the geometry can have
        window.restore_layout_when_shown(docks)  # unless the session brings its own
    else:
        compact_docks(window, available)
    geometry = _stored(settings, GEOMETRY_KEY)
    restored = geometry is not None and window.restoreGeometry(geometry)
    if restored:
        fit_to_screen(window, available)
    else:
        window.setGeometry(fitted_rect(available))
    return restored


def save_window(window, settings: QtCore.QSettings | None = None) -> None:
    """Keep the window's geometry and dock layout (those from before presenting, if it is)."""
    settings = settings or app_settings()
    presentation = getattr(window, "presentation", None)
    geometry, docks = (
        presentation.saved_geometry() if presentation else (window.saveGeometry(), window.saveState())
    )
    settings.setValue(GEOMETRY_KEY, geometry)
    settings.setValue(DOCKS_KEY, docks)
    settings.sync()


class WindowMemory(QtCore.QObject):
    """Restores ``window`` now and keeps its geometry and layout when it closes."""

    def __init__(self, window, settings: QtCore.QSettings | None = None,
                 available: QtCore.QRect | None = None):  # fmt: skip
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.restored = restore_window(window, settings, available)
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window and event.type() == QtCore.QEvent.Type.Close:
            save_window(self.window, self.settings)  # (a close the user cancels keeps it too: harmless)
        return False
