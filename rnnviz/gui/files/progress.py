"""A progress dialog that appears only when file work lasts: no nested event loop.

    progress = DelayedProgress(window, "Opening big.rnnviz (272 MB)…", cancel=drop_it)
    progress.start()        # shown after DELAY_MS if not closed before
    ...
    progress.close()        # the work ended (on_done / on_error)

The dialog is window-modal (no click on the window starts other work while it is up)
and never blocks: the application's own event loop keeps running.  Without ``cancel``
it has no button, and Esc or the close box only hide it for a moment.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

DELAY_MS = 300  # work that ends sooner shows no dialog


class DelayedProgress(QtCore.QObject):
    def __init__(self, parent: QtWidgets.QWidget, label: str, cancel: Callable[[], None] | None = None,
                 delay_ms: int = DELAY_MS):  # fmt: skip
        super().__init__(parent)
        self._label = label
        self._cancel = cancel
        self.dialog: QtWidgets.QProgressDialog | None = None
        self._closed = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._show)

    def start(self) -> None:
        self._timer.start()

    def _show(self) -> None:
        parent = self.parent()
        dialog = QtWidgets.QProgressDialog(self._label, "Cancel" if self._cancel else None, 0, 0, parent)
        dialog.setWindowTitle("rnnviz")
        dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance("M") * 28)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if self._cancel is not None:  # the button, the close box or Esc (which rejects the dialog)
            dialog.canceled.connect(self._on_dialog_cancel)
            dialog.rejected.connect(self._on_dialog_cancel)
        else:
            dialog.setWindowFlag(QtCore.Qt.WindowType.WindowCloseButtonHint, False)
            dialog.canceled.connect(dialog.show)
            dialog.rejected.connect(dialog.show)
        self.dialog = dialog
        dialog.show()

    def _on_dialog_cancel(self) -> None:
        cancel, self._cancel = self._cancel, None
        self.close()
        if cancel is not None:
            cancel()

    def close(self) -> None:
        """The work ended (or was cancelled): no dialog now nor later."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            for signal in (dialog.canceled, dialog.rejected):
                signal.disconnect()
            dialog.hide()
            dialog.deleteLater()
        self.deleteLater()


__all__ = ["DELAY_MS", "DelayedProgress"]
