"""Central views built when first needed.

The Plots, Training and Generate views are pyqtgraph widgets: importing pyqtgraph and
building their ~30 plots took about half of ``rnnviz --export-png``'s second, for views
that a diagram or step-math picture never shows.  Their tabs start as empty
place-holders; a view is built when its tab is first shown or when the window's
attribute (``window.plots_view``) is first read, and is then bound like any other
view (:class:`rnnviz.gui.views.ViewBinder`).  The interactive app builds the rest
just after its first frame, so the first switch to a tab does not wait.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from .views import ViewBinder


class LazyTabs:
    """Tabs of ``tabs`` whose widgets are made by a factory on first use."""

    def __init__(self, tabs: QtWidgets.QTabWidget, binder: ViewBinder):
        self.tabs, self.binder = tabs, binder
        self._pending: dict[str, tuple[QtWidgets.QWidget, str, Callable[[], QtWidgets.QWidget]]] = {}
        self.built: dict[str, QtWidgets.QWidget] = {}
        self.on_bound: Callable[[QtWidgets.QWidget], None] | None = None  # the window's own wiring
        tabs.currentChanged.connect(self._on_tabs_current_changed)  # after the binder's handler

    def add(self, name: str, title: str, factory: Callable[[], QtWidgets.QWidget]) -> None:
        placeholder = QtWidgets.QWidget()
        placeholder.setObjectName(f"placeholder_{name}")
        self.tabs.addTab(placeholder, title)
        self._pending[name] = (placeholder, title, factory)

    def get(self, name: str) -> QtWidgets.QWidget:
        view = self.built.get(name)
        return view if view is not None else self._build(name)

    def build_all(self) -> None:
        for name in list(self._pending):
            self._build(name)

    def build_later(self, delay_ms: int = 400) -> None:
        """Build the views one by one from the event loop, from ``delay_ms`` on (after the first frame)."""

        def next_one() -> None:
            if self._pending:
                self._build(next(iter(self._pending)))
                QtCore.QTimer.singleShot(50, next_one)

        QtCore.QTimer.singleShot(delay_ms, next_one)

    def _build(self, name: str) -> QtWidgets.QWidget:
        placeholder, title, factory = self._pending.pop(name)
        view = factory()
        tabs = self.tabs
        index, current = tabs.indexOf(placeholder), tabs.currentIndex()
        with QtCore.QSignalBlocker(tabs):  # the same tab stays current: nothing to tell anyone
            tabs.removeTab(index)
            tabs.insertTab(index, view, title)
            tabs.setCurrentIndex(current)
        placeholder.deleteLater()
        self.built[name] = view
        self.binder.bind(view)  # catches up at once when its tab is in front, else when shown
        if self.on_bound is not None:
            self.on_bound(view)
        return view

    def _on_tabs_current_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for name, (placeholder, _title, _factory) in list(self._pending.items()):
            if placeholder is widget:
                self._build(name)
                return
