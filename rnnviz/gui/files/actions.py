"""File > New / Open / Open Recent / Examples / Save / Save As / Revert, weights in and
out, drag and drop, the title with its unsaved mark, asking before work is lost,
and autosave with crash recovery.

Plugs into a :class:`~rnnviz.gui.main_window.MainWindow` from outside::

    window.file_actions = FileActions(window, window.controller, path=args.file)

(``rnnviz.gui.app.run`` does this; a file named on the command line that cannot
be opened is passed as ``startup_error`` and shown in a dialog over the default
session.)  It adds its actions to ``window.file_menu``, watches the controller for
the title, and filters the window's close and drag-and-drop events.  Every dialog is
an attribute tests can replace (``ask_unsaved``, ``ask_revert``, ``ask_recover``,
``choose_open_path``, ``choose_save_path``, ``show_error_dialog``, ``ask_title_note``).

Big files are read and written through the controller's ``Jobs`` (see
:mod:`.opensave`); there is no other background machinery and no nested event loop.
"""

from __future__ import annotations

import os

from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.session import atomic

from .. import file_dialogs as dialogs
from ..plain_text import tooltip
from ..recovery import Recovery
from ..settings import app_settings
from .autosave import AUTOSAVE, AUTOSAVE_MS, Autosave
from .document import DocumentState
from .drops import WindowEvents
from .opensave import FILE, OpenSave
from .recovery import Recovering

FILTER = "rnnviz sessions (*.rnnviz);;All files (*)"


class FileActions(DocumentState, OpenSave, Autosave, Recovering, WindowEvents, QtCore.QObject):
    """The window's file handling; the session itself lives in the controller."""

    sig_path_changed = QtCore.Signal(object)  # str | None
    sig_file_finished = QtCore.Signal(bool)  # a file read or written (or not: False) in the file lane

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        controller,
        path: str | None = None,
        settings: QtCore.QSettings | None = None,
        state_dir: str | os.PathLike | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        recovery: bool = True,
        startup_error: str | None = None,
    ):
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.jobs = controller.jobs  # lanes "file" and "autosave"
        self.settings = settings or app_settings()
        self._init_document(path)
        self._opening = None  # a session opened, still being computed (opensave.Opening)
        self._last_error: str | None = None
        self._file_kind = ""  # "read" or "write": what the file lane does
        self._progress = None  # its progress dialog (progress.DelayedProgress)
        self.background_io: bool | None = None  # None: big files off the GUI thread unless work is "sync"
        self._install_dialogs()
        self.recovery = Recovery(state_dir) if recovery else None
        self._build_actions()
        self._install_menu()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        controller.sig_session_changed.connect(self._on_controller_session_changed)
        controller.sig_busy_changed.connect(self._on_controller_busy_changed)
        controller.sig_error.connect(self._on_controller_error)
        self.jobs.sig_busy_changed.connect(self._on_jobs_busy_changed)
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_app_quit)
        self.autosave_timer = QtCore.QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self.autosave_now)
        self._start_recovery()
        if self._path:
            self._add_recent(self._path)
        if startup_error:  # the file named on the command line could not be opened
            QtCore.QTimer.singleShot(
                0, lambda: self.show_error_dialog("Cannot open this file", startup_error)
            )
        self.update_title()

    def _install_dialogs(self) -> None:
        """The dialogs: attributes, so tests (and other front ends) can replace them."""
        window = self.window
        self.ask_unsaved = lambda name: dialogs.ask_unsaved(window, name)
        self.ask_revert = lambda name: dialogs.ask_revert(window, name)
        self.ask_recover = lambda info: dialogs.ask_recover(window, info)
        self.choose_open_path = lambda: dialogs.choose_open_path(window, self._folder(), FILTER)
        self.choose_save_path = lambda suggested: dialogs.choose_save_path(window, suggested, FILTER)
        self.show_error_dialog = lambda title, message: dialogs.show_error(window, title, message)
        self.ask_title_note = lambda title, note: dialogs.edit_note(window, title, note)

    def _start_recovery(self) -> None:
        rec = self.recovery
        if rec is not None and rec.problem:
            problem = f"Autosave is off: {rec.problem}"
            QtCore.QTimer.singleShot(0, lambda: self.controller.report(problem))
        elif rec is not None and not rec.primary:
            second = "Another rnnviz is running: this window does not autosave, so save your work yourself"
            QtCore.QTimer.singleShot(0, lambda: self.controller.report(second, error=False))
        if rec is not None and rec.primary:
            atomic.start_temp_journal(rec.state_dir)  # saves killed mid-write: their temp files go
            self.autosave_timer.start()
            if rec.crashed_work() is not None:
                QtCore.QTimer.singleShot(0, self.offer_recovery)

    # -- the controller ----------------------------------------------------------------
    def _on_controller_session_changed(self, session) -> None:
        self.update_title()

    def _on_controller_busy_changed(self, busy: bool) -> None:
        if not busy and self._opening is not None:
            self._settle_opening()
        self.update_title()  # an edit being built is unsaved work

    def _on_controller_error(self, message: str) -> None:
        self._last_error = message
        if self._opening is not None:
            self._opening.error = message

    def _on_jobs_busy_changed(self, lane: str, busy: bool) -> None:
        """While a file is read or written, File's actions that would start another are off."""
        if lane != FILE:
            return
        for item in (self.action_new, self.action_open, self.recent_menu, self.examples_menu,
                     self.action_save, self.action_save_as, self.action_revert):  # fmt: skip
            item.setEnabled(not busy)
        if not busy:
            self.update_title()  # (Revert only with a file)

    # -- the end ------------------------------------------------------------------------
    def shutdown(self) -> None:
        """A clean exit: stop autosaving, remove the recovery files, release the lock."""
        self.autosave_timer.stop()
        if self.recovery is not None:
            self._finish_autosave()
            self.recovery.release()

    def _on_app_quit(self) -> None:
        """The application quits (a logout) with no close: a file being read is dropped,
        one being written and an autosave are waited for (the GUI thread blocks: the
        event loop has ended)."""
        if self._file_busy and self._file_kind == "read":
            self.jobs.drop(FILE)
            self._progress.close()
        self.jobs.finish(FILE)
        self.jobs.finish(AUTOSAVE)

    # -- actions ------------------------------------------------------------------------
    def _build_actions(self) -> None:
        keys = QtGui.QKeySequence.StandardKey
        self.action_new = self._action("&New", self.new_session, keys.New)
        self.action_open = self._action("&Open…", self.open_dialog, keys.Open)
        self.action_save = self._action("&Save", self.save, keys.Save)
        self.action_save_as = self._action("Save &As…", self.save_as, keys.SaveAs)
        self.action_revert = self._action("&Revert to Saved", self.revert)
        self.action_note = self._action("Title and &Note…", self.edit_title_note)
        self.recent_menu = QtWidgets.QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(self._rebuild_recent_menu)
        self.examples_menu = QtWidgets.QMenu("&Examples", self.window)
        self.examples_menu.aboutToShow.connect(self._rebuild_examples_menu)
        from ..transfer_actions import TransferActions

        self.transfer = TransferActions(self.window, self.controller, self)

    def _action(self, text: str, slot, shortcut=None) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _install_menu(self) -> None:
        """Put the file actions at the top of File."""
        menu: QtWidgets.QMenu = self.window.file_menu
        first = menu.actions()[0] if menu.actions() else None
        for item in (
            self.action_new, self.action_open, self.recent_menu, self.examples_menu, None,
            self.action_save, self.action_save_as, self.action_revert, None, self.action_note, None,
            *self.transfer.actions(),
        ):  # fmt: skip
            if item is None:
                menu.insertSeparator(first)
            elif isinstance(item, QtWidgets.QMenu):
                menu.insertMenu(first, item)
            else:
                menu.insertAction(first, item)

    def _rebuild_recent_menu(self) -> None:
        from pathlib import Path

        self.recent_menu.clear()
        files = [p for p in self.recent_files() if Path(p).exists()]
        for k, p in enumerate(files):
            action = self.recent_menu.addAction(f"&{k + 1} {Path(p).name}")
            action.setToolTip(tooltip(p))
            action.triggered.connect(lambda checked=False, p=p: self.open_path(p))
        if not files:
            self.recent_menu.addAction("(no recent files)").setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list", self.clear_recent)

    def _rebuild_examples_menu(self) -> None:
        from rnnviz.session.examples import list_examples

        self.examples_menu.clear()
        for title, p in list_examples():
            action = self.examples_menu.addAction(title)
            action.triggered.connect(lambda checked=False, p=p: self.open_example(p))


__all__ = ["FileActions"]
