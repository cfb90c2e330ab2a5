"""View > Zoom and View > Theme, the window's own widgets restyled, and the choice remembered.

The :class:`~rnnviz.gui.theme.Appearance` owns the theme and the zoom; this module only
adds the menu entries that ask it to change, restyles the window's widgets that are
not central views (docks, timeline, note bar: the central views restyle themselves
through :class:`rnnviz.gui.views.ViewBinder`), and keeps the choice in the app's
preferences (``appearance/theme``, ``appearance/zoom``) for the next start.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from .theme import THEMES, ZOOM_LEVELS, Appearance, appearance


def install_appearance_menu(window) -> None:
    """Zoom in / out / actual size and the theme, in ``window.view_menu``."""
    a = appearance()
    menu = window.view_menu
    menu.addSeparator()
    window.action_zoom_in = menu.addAction("Zoom &in", a.zoom_in)
    window.action_zoom_in.setShortcuts([QtGui.QKeySequence("Ctrl+="), QtGui.QKeySequence("Ctrl++"),
                                        QtGui.QKeySequence.StandardKey.ZoomIn])  # fmt: skip
    window.action_zoom_out = menu.addAction("Zoom &out", a.zoom_out)
    window.action_zoom_out.setShortcuts([QtGui.QKeySequence("Ctrl+-"), QtGui.QKeySequence.StandardKey.ZoomOut])
    window.action_zoom_reset = menu.addAction("&Actual size", a.reset_zoom)
    window.action_zoom_reset.setShortcut(QtGui.QKeySequence("Ctrl+0"))
    for action in (window.action_zoom_in, window.action_zoom_out, window.action_zoom_reset):
        action.setStatusTip("Text, diagrams, tables and plots larger or smaller (for a projector)")
    theme_menu = window.theme_menu = menu.addMenu("&Theme")
    group = QtGui.QActionGroup(theme_menu)
    window.theme_actions = {}
    for name, theme in THEMES.items():
        action = theme_menu.addAction(theme.title, lambda n=name: a.set_theme(n))
        action.setCheckable(True)
        group.addAction(action)
        window.theme_actions[name] = action

    def mirror(app_look: Appearance) -> None:
        window.theme_actions[app_look.theme.name].setChecked(True)
        window.action_zoom_in.setEnabled(app_look.zoom < ZOOM_LEVELS[-1])
        window.action_zoom_out.setEnabled(app_look.zoom > ZOOM_LEVELS[0])
        restyle_window(window, app_look)

    mirror(a)
    a.sig_changed.connect(mirror)
    window.destroyed.connect(lambda *_: _disconnect(a, mirror))


def _disconnect(a: Appearance, slot) -> None:
    try:
        a.sig_changed.disconnect(slot)
    except (RuntimeError, TypeError):  # already gone
        pass


def restyle_window(window, app_look: Appearance) -> None:
    """The window's widgets that are not central views: the docks' tables (their numbers'
    font and row heights; the gate tints are set again from the session), and any
    widget's own ``set_appearance``."""
    for widget in (*window._docks(), window.timeline, window.note_bar):
        restyle = getattr(widget, "set_appearance", None)
        if restyle is not None:
            restyle(app_look)
    for dock in window._docks():
        for table in dock.findChildren(QtWidgets.QTableView):
            model = table.model()
            if hasattr(model, "set_appearance"):
                model.set_appearance()
            table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    session = window.controller.session
    if session is not None:
        window.weights_dock.set_session(session)  # the gate tints of the theme
    window.statusBar().setStyleSheet("")


def load_preferences(settings) -> None:
    """The theme and zoom chosen last time (unknown or broken values are ignored)."""
    a = appearance()
    name = settings.value("appearance/theme", "", type=str)  # both read before either is set
    try:
        level = float(settings.value("appearance/zoom", 1.0))
    except (TypeError, ValueError):
        level = None
    if name in THEMES:
        a.set_theme(name)
    if level is not None and level == level:  # (not NaN)
        a.set_zoom(level)


def remember_preferences(settings) -> None:
    """Keep every later change of theme or zoom in ``settings``."""

    def store(app_look: Appearance) -> None:
        settings.setValue("appearance/theme", app_look.theme.name)
        settings.setValue("appearance/zoom", app_look.zoom)

    appearance().sig_changed.connect(store)


__all__ = ["install_appearance_menu", "load_preferences", "remember_preferences", "restyle_window"]

