"""Run one piece of blocking work (reading or writing a big file) off the GUI thread,
while the caller waits for its result and the window stays live.

    outcome = run_with_progress(window, "Opening big.rnnviz (272 MB)…", lambda: load(path),
                                cancellable=True, pool=pool)

The work runs in ``pool``; meanwhile a local event loop keeps painting, timers and
the controller's results going.  For the first ``delay_ms`` user input waits (a
quick file never flashes a dialog, and no click can start other work midway);
after that a modal progress dialog says what is happening and, when the work can
be abandoned, offers Cancel.  A cancelled piece of work is left to finish on its
own and its result is dropped, so only work without side effects (reading) should
be cancellable.

The caller sees a plain function call: :class:`Outcome` holds the value, the
exception the work raised (to be re-raised on the GUI thread), or that the user
cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore, QtWidgets

DELAY_MS = 300  # work that ends sooner shows no dialog


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None
    cancelled: bool = False

    def result(self) -> Any:
        """The value, or the work's own exception raised here (not for a cancelled outcome)."""
        if self.error is not None:
            raise self.error
        return self.value


class _Waiter(QtCore.QObject):
    """Lives on the GUI thread and runs the local event loop.  Every wake-up it causes
    itself (the work finished, the first moment passed, Cancel) is marked, so a loop
    that returns unmarked was ended from outside: the application is quitting."""

    sig_finished = QtCore.Signal()  # emitted by the worker, delivered queued, here

    def __init__(self) -> None:
        super().__init__()
        self.loop = QtCore.QEventLoop()
        self.woken = False
        self.sig_finished.connect(self.wake, QtCore.Qt.ConnectionType.QueuedConnection)

    @QtCore.Slot()
    def wake(self) -> None:
        self.woken = True
        self.loop.quit()

    def wait(self, flags=QtCore.QEventLoop.ProcessEventsFlag.AllEvents) -> bool:
        """Run the loop until woken; False when it was ended from outside instead."""
        self.woken = False
        self.loop.exec(flags)
        return self.woken


def run_with_progress(
    parent: QtWidgets.QWidget | None,
    label: str,
    work: Callable[[], Any],
    *,
    cancellable: bool,
    pool: QtCore.QThreadPool,
    delay_ms: int = DELAY_MS,
) -> Outcome:
    """Run ``work()`` in ``pool`` and wait for it with the event loop running (see module doc).

    Should the application quit meanwhile (every event loop then returns at once),
    cancellable work counts as cancelled, and other work is waited for to its end.
    """
    outcome = Outcome()
    finished = threading.Event()
    waiter = _Waiter()

    def job() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, raised there
            outcome.error = exc
        finally:
            finished.set()
            waiter.sig_finished.emit()

    pool.start(job)
    live = True  # the event loop can run (the application is not quitting)
    if not finished.is_set():  # phase 1: a short wait with user input held back
        QtCore.QTimer.singleShot(delay_ms, waiter.wake)
        live = waiter.wait(QtCore.QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    cancelled = False
    if live and not finished.is_set():
        dialog = QtWidgets.QProgressDialog(label, "Cancel" if cancellable else None, 0, 0, parent)
        dialog.setWindowTitle("rnnviz")
        dialog.setMinimumWidth(dialog.fontMetrics().horizontalAdvance("M") * 28)
        dialog.setWindowModality(QtCore.Qt.WindowModality.ApplicationModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        asked = []
        if cancellable:  # the button, the close box or Esc (which rejects the dialog)

            def cancel() -> None:
                asked.append(True)
                waiter.wake()

            dialog.canceled.connect(cancel)
            dialog.rejected.connect(cancel)
        else:  # no button; Esc or the close box only hide it for a moment
            dialog.setWindowFlag(QtCore.Qt.WindowType.WindowCloseButtonHint, False)
            dialog.canceled.connect(dialog.show)
            dialog.rejected.connect(dialog.show)
        dialog.show()
        while live and not finished.is_set() and not asked:  # phase 2: the dialog is up
            live = waiter.wait()
        cancelled = bool(asked)
        dialog.hide()
        dialog.deleteLater()
    if cancelled or (cancellable and not finished.is_set()):
        return Outcome(cancelled=True)  # a late result goes to the old outcome, unread
    finished.wait()  # (quitting) work that must not be cut short ends first
    return outcome


__all__ = ["DELAY_MS", "Outcome", "run_with_progress"]
