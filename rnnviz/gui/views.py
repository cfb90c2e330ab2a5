"""The one contract between the workspace and the views, and the one place views are bound.

A central view (Diagrams, Step math, Plots, Training, …) satisfies :class:`View`:

- ``set_computed(computed)``: a new session and its trace, loss and gradients;
- ``set_cursor(cursor)``: where to look (step, layer, direction, unit, gate);
- ``sig_cursor_requested``: a dict of cursor fields the user asked for (a click on a
  step, a unit, a gate).  The view does not move by itself: the workspace clamps the
  request and tells every view, this one included.

Optional: ``set_appearance(appearance)`` (the theme or the zoom changed: restyle and
repaint; :mod:`rnnviz.gui.theme`), and ``sig_settings_changed`` (a dict of settings to keep in the session,
e.g. ``{"decimals": 5}`` or ``{"training": TrainingSettings(...)}``).  :class:`ViewBinder` binds views to a
:class:`~.controller.SessionController` and keeps views behind a tab stale until they
are shown (they then catch up once, with the newest computation and cursor).
:func:`cursor_differences` is the one way a view turns a new cursor into the calls it
needs (only what changed).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from PySide6 import QtCore, QtWidgets

from rnnviz.session.compute import Computed
from rnnviz.session.workspace import Cursor

from .theme import appearance


@runtime_checkable
class View(Protocol):
    sig_cursor_requested: QtCore.SignalInstance

    def set_computed(self, computed: Computed) -> None: ...

    def set_cursor(self, cursor: Cursor) -> None: ...


def cursor_differences(old: Cursor | None, new: Cursor) -> tuple[bool, bool]:
    """(the selection changed, the step changed) from ``old`` to ``new``."""
    if old is None:
        return True, True
    selection = (old.layer, old.direction, old.unit, old.gate) != (
        new.layer,
        new.direction,
        new.unit,
        new.gate,
    )
    return selection, old.step != new.step


class CursorFollower:
    """Mixin for a view with ``set_selection(layer, direction, unit, gate)`` and
    ``set_step(t)``: its ``set_cursor`` calls only what changed.  ``set_computed``
    implementations call :meth:`_forget_cursor` (a new trace needs both again)."""

    _followed: Cursor | None = None

    def set_cursor(self, cursor: Cursor) -> None:
        selection, step = cursor_differences(self._followed, cursor)
        self._followed = cursor
        if selection:
            self.set_selection(cursor.layer, cursor.direction, cursor.unit, cursor.gate)
        if step:
            self.set_step(cursor.step)

    def _forget_cursor(self) -> None:
        self._followed = None


def forward_requests(view: QtCore.QObject) -> None:
    """Turn a view's older request signals (step, unit, gate, layer and direction) into
    ``sig_cursor_requested`` dicts."""
    emit = view.sig_cursor_requested.emit
    for name, make in (
        ("sig_step_requested", lambda t: {"step": int(t)}),
        ("sig_unit_selected", lambda u: {"unit": int(u)}),
        ("sig_gate_selected", lambda g: {"gate": str(g)}),
        ("sig_layer_direction_selected", lambda ld, d=None: {"layer": int(ld), "direction": int(d)}),
    ):
        signal = getattr(view, name, None)
        if signal is not None:
            signal.connect(lambda *args, make=make: emit(make(*args)))


class ViewBinder(QtCore.QObject):
    """Feeds bound views from the controller; views behind a tab catch up when shown."""

    def __init__(self, controller, tabs: QtWidgets.QTabWidget | None = None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.tabs = tabs
        self.views: list[View] = []
        self._stale: dict[int, View] = {}  # id → view behind a tab, out of date
        self._unstyled: dict[int, View] = {}  # id → view behind a tab that missed a new theme or zoom
        controller.sig_computed.connect(self._on_controller_computed)
        appearance().sig_changed.connect(self._on_appearance_changed)
        controller.sig_cursor_changed.connect(self._on_controller_cursor_changed)
        if tabs is not None:
            tabs.currentChanged.connect(self._on_tabs_current_changed)

    def bind(self, view: View) -> None:
        if not isinstance(view, View):
            raise TypeError(f"{type(view).__name__} does not satisfy the View protocol")
        self.views.append(view)
        view.sig_cursor_requested.connect(lambda changes: self.controller.request_cursor(**changes))
        settings = getattr(view, "sig_settings_changed", None)
        if settings is not None:
            settings.connect(lambda changes: self.controller.set_settings(**changes))
        self._catch_up(view)

    def _hidden(self, view: View) -> bool:
        if self._behind_tab(view):
            self._stale[id(view)] = view
            return True
        return False

    def _catch_up(self, view: View) -> None:
        computed = self.controller.computed
        if computed is None or self._hidden(view):
            return
        self._stale.pop(id(view), None)
        view.set_computed(computed)
        view.set_cursor(self.controller.cursor)

    def _on_controller_computed(self, computed: Computed) -> None:
        for view in self.views:
            if not self._hidden(view):
                self._stale.pop(id(view), None)
                view.set_computed(computed)

    def _on_controller_cursor_changed(self, cursor: Cursor) -> None:
        for view in self.views:
            if not self._hidden(view) and id(view) not in self._stale:
                view.set_cursor(cursor)

    def _on_appearance_changed(self, appearance) -> None:
        for view in self.views:
            if getattr(view, "set_appearance", None) is None:
                continue
            if self._behind_tab(view):
                self._unstyled[id(view)] = view
            else:
                view.set_appearance(appearance)

    def _behind_tab(self, view: View) -> bool:
        tabs = self.tabs
        return tabs is not None and tabs.indexOf(view) >= 0 and tabs.currentWidget() is not view

    def _on_tabs_current_changed(self, _index: int) -> None:
        view = self.tabs.currentWidget()
        if view is not None and id(view) in self._unstyled:
            self._unstyled.pop(id(view)).set_appearance(appearance())
        if view is not None and id(view) in self._stale:
            self._catch_up(view)


__all__ = ["CursorFollower", "View", "ViewBinder", "cursor_differences", "forward_requests"]
