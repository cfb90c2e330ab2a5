"""The window's close and drag-and-drop events (a mixin of :class:`~.actions.FileActions`).

A close while a file is read or written waits for it (then the window closes); a
close with unsaved work asks first.  A dropped session opens, a dropped table loads
as the sequence, anything else is named; no drop is taken while a file is in progress.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

from .document import SUFFIX

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")  # dropped, they load as the sequence
DROP_EVENTS = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)


class WindowEvents:
    """Needs the document and file-lane parts, ``confirm_discard`` and ``shutdown``."""

    _close_when_idle = False  # the window was asked to close while a file was in progress

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window:
            kind = event.type()
            if kind == QtCore.QEvent.Type.Close:
                return self._on_window_close(event)
            if self._file_busy and kind in DROP_EVENTS:
                event.ignore()  # no drop while a file is being read or written
                return True
            if kind in DROP_EVENTS and self._on_window_drop(event):
                return True
        return super().eventFilter(obj, event)

    def _on_window_close(self, event) -> bool:
        if self._file_busy:  # a file is being read or written: close when it is done
            self._close_when_idle = True
            event.ignore()
            return True
        if not self.confirm_discard():
            event.ignore()
            return True
        self.shutdown()
        return False

    def _on_window_drop(self, event) -> bool:
        path = dropped_file(event.mimeData())
        if not path:
            return False
        event.acceptProposedAction()
        if event.type() == QtCore.QEvent.Type.Drop:
            QtCore.QTimer.singleShot(0, lambda: self.open_dropped(path))
        return True

    def open_dropped(self, path: str) -> bool:
        """A dropped file: a session opens, weights (.npz) are imported, a table loads as the
        sequence, anything else is named."""
        suffix = Path(path).suffix.lower()
        if suffix == SUFFIX:
            return self.open_path(path)
        if suffix == ".npz":  # weights: this network's, or the one the file describes
            return self.transfer.import_weights(path)
        dock = getattr(self.window, "sequence_dock", None)
        if suffix in TABLE_SUFFIXES and dock is not None:
            dock.show()
            dock.raise_()
            dock.tabs.setCurrentWidget(dock.file_widget)
            return dock.file_widget.load_file(path)
        self.controller.report(
            f"{Path(path).name} is neither an rnnviz session ({SUFFIX}) nor a table of numbers "
            f"({', '.join(TABLE_SUFFIXES)}); nothing was opened"
        )
        return False


def dropped_file(mime: QtCore.QMimeData) -> str | None:
    """The first local file in a drop (a session first, if there is one), or None."""
    if not mime.hasUrls():
        return None
    files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    sessions = [f for f in files if f.lower().endswith(SUFFIX)]
    return (sessions or files or [None])[0]


__all__ = ["DROP_EVENTS", "TABLE_SUFFIXES", "WindowEvents", "dropped_file"]
