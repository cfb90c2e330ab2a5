"""File > New / Open / Open Recent / Examples / Save / Save As / Revert, weights in and
out, drag and drop, the title with its unsaved mark, asking before work is lost,
and autosave with crash recovery.

Plugs into a :class:`~rnnviz.gui.main_window.MainWindow` from outside::

    window.file_actions = FileActions(window, window.controller, path=args.file)

(``rnnviz.gui.app.run`` does this; a file named on the command line that cannot
be opened is passed as ``startup_error`` and shown in a dialog over the default
session.)  It adds its actions to ``window.file_menu`` watches ``controller.sig_session_changed`` for the title, and
filters the window's close and drag-and-drop events.  Every dialog is an
attribute tests can replace (``ask_unsaved``, ``ask_revert``, ``ask_recover``,
``choose_open_path``, ``choose_save_path``, ``show_error_dialog``, ``ask_title_note``).

A file that cannot be opened shows its error and leaves the session exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.session import Session, SessionFileError, load_session, save_session
from rnnviz.session.defaults import default_session

from . import file_dialogs as dialogs
from .background import run_with_progress
from .recovery import Recovery

APP_NAME = "rnnviz"
SUFFIX = ".rnnviz"
MAX_RECENT = 8
AUTOSAVE_MS = 60_000
FILTER = "rnnviz sessions (*.rnnviz);;All files (*)"
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".dat")  # dropped, they load as the sequence
#: Files (on disk, or arrays to write) from this size on are read and written off the
#: GUI thread: on the GUI thread a 136 MB session stalled the window for 0.6–1.1 s to
#: open and 0.1–0.2 s to save (benchmarks/bench_gui.py); an 8 MB one takes ~10 ms.
BACKGROUND_IO_BYTES = 8 << 20
DROP_EVENTS = (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove, QtCore.QEvent.Type.Drop)


class _Cancelled(Exception):
    """The user cancelled reading a file: nothing changes."""


def session_bytes(session: Session) -> int:
    """About how many bytes of arrays saving ``session`` writes."""
    shapes = session.network.spec.param_shapes().values()
    n = sum(int(np.prod(shape)) for shape in shapes) * 8 + session.sequence.inputs.nbytes
    if session.sequence.targets is not None:
        n += session.sequence.targets.nbytes
    return n


def same_work(a: Session | None, b: Session | None) -> bool:
    """True when ``a`` holds the same work as ``b``: where the user looks does not count."""
    if a is None or b is None:
        return a is b
    return (
        a.network is b.network
        and a.sequence is b.sequence
        and (a.note, a.title, a.init) == (b.note, b.title, b.init)
    )


@dataclass
class _Opening:
    """A session being opened whose trace is computed in the worker."""

    path: str | None
    shown: Session | None  # what the window showed before: still shown if the open fails
    before: tuple  # (path, clean session) to go back to
    error: str | None = None
    recovered: bool = False  # autosaved work being recovered


class _AutosaveRelay(QtCore.QObject):
    sig_done = QtCore.Signal(object, object, object)  # job, session, error message or None


class FileActions(QtCore.QObject):
    """The window's file handling; the session itself lives in the controller.

    Big files are read and written in a worker thread (see :mod:`.background`):
    open and save still return their answer, but the window keeps painting, a
    progress dialog appears after a moment, and opening can be cancelled.  A big
    autosave runs in the worker without a dialog.
    """

    sig_path_changed = QtCore.Signal(object)  # str | None

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
        self.settings = settings or QtCore.QSettings(APP_NAME, APP_NAME)
        self._path = str(path) if path else None
        self._clean = controller.session  # the work as last opened or saved
        self._autosaved: Session | None = None
        self._opening: _Opening | None = None  # a session opened, still being computed
        self._last_error: str | None = None
        self._offered = False
        self._io_pool = QtCore.QThreadPool(self)
        self._io_pool.setMaxThreadCount(2)  # a file being read or written, and an autosave
        self._io_depth = 0  # files being read or written (nested waits): no other file work starts
        self._close_when_idle = False  # the window was asked to close meanwhile
        self._offering = False  # the crashed work is being offered: autosave leaves it alone
        self.background_io: bool | None = None  # None: off the GUI thread unless work is "sync"
        self._autosave_job: threading.Event | None = None  # set when the running autosave ends
        self._autosave_relay = _AutosaveRelay(self)
        self._autosave_relay.sig_done.connect(self._on_autosaved)
        # the dialogs: attributes, so tests (and other front ends) can replace them
        self.ask_unsaved = lambda name: dialogs.ask_unsaved(window, name)
        self.ask_revert = lambda name: dialogs.ask_revert(window, name)
        self.ask_recover = lambda info: dialogs.ask_recover(window, info)
        self.choose_open_path = lambda: dialogs.choose_open_path(window, self._folder(), FILTER)
        self.choose_save_path = lambda suggested: dialogs.choose_save_path(window, suggested, FILTER)
        self.show_error_dialog = lambda title, message: dialogs.show_error(window, title, message)
        self.ask_title_note = lambda title, note: dialogs.edit_note(window, title, note)
        self.recovery = Recovery(state_dir) if recovery else None
        self._build_actions()
        self._install_menu()
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        controller.sig_session_changed.connect(self._on_controller_session_changed)
        controller.sig_busy_changed.connect(self._on_controller_busy_changed)
        controller.sig_error.connect(self._on_controller_error)
        self.autosave_timer = QtCore.QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self.autosave_now)
        if self.recovery is not None and self.recovery.problem:
            problem = f"Autosave is off: {self.recovery.problem}"
            QtCore.QTimer.singleShot(0, lambda: self.controller.report(problem))
        elif self.recovery is not None and not self.recovery.primary:
            second = "Another rnnviz is running: this window does not autosave, so save your work yourself"
            QtCore.QTimer.singleShot(0, lambda: self.controller.report(second, error=False))
        if self.recovery is not None and self.recovery.primary:
            self.autosave_timer.start()
            if self.recovery.crashed_work() is not None:
                QtCore.QTimer.singleShot(0, self.offer_recovery)
        if self._path:
            self._add_recent(self._path)
        if startup_error:  # the file named on the command line could not be opened
            QtCore.QTimer.singleShot(
                0, lambda: self.show_error_dialog("Cannot open this file", startup_error)
            )
        self.update_title()

    # -- state ---------------------------------------------------------------------
    @property
    def _io_busy(self) -> bool:
        return self._io_depth > 0

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def dirty(self) -> bool:
        """Unsaved work: the newest session differs from the one opened or saved
        (or an edit is still being built)."""
        return self.controller.building or not same_work(self.controller.latest, self._clean)

    def display_name(self) -> str:
        if self._path:
            return Path(self._path).name
        session = self.controller.latest
        return (session.title if session is not None else "") or "Untitled"

    def update_title(self) -> None:
        self.window.setWindowTitle(f"{self.display_name()}[*] — {APP_NAME}")
        self.window.setWindowModified(self.dirty)
        self.action_revert.setEnabled(bool(self._path))

    def _on_controller_session_changed(self, session: Session) -> None:
        self.update_title()

    def _on_controller_busy_changed(self, busy: bool) -> None:
        if not busy and self._opening is not None:
            self._settle_opening()
        self.update_title()  # an edit being built is unsaved work

    def _set_current(self, path: str | None, clean: Session | None) -> None:
        changed = path != self._path
        self._path = path
        self._clean = clean
        if changed:
            self.sig_path_changed.emit(path)
        self.update_title()

    # -- actions ---------------------------------------------------------------------
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
        from .transfer_actions import TransferActions

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

    # -- opening ---------------------------------------------------------------------
    def new_session(self) -> bool:
        if self._io_busy or not self.confirm_discard():
            return False
        session = default_session()
        return self._show(session, None)

    def open_dialog(self) -> bool:
        path = self.choose_open_path()
        return bool(path) and self.open_path(path)

    def open_path(self, path: str | os.PathLike, ask: bool = True, remember: bool = True) -> bool:
        """Open a session file; on any problem show it and keep the current session."""
        if self._io_busy or (ask and not self.confirm_discard()):
            return False
        try:
            session = self._read(path)
        except _Cancelled:
            self._status(f"Opening {Path(path).name} was cancelled: nothing changed")
            return False
        except SessionFileError as exc:
            self.show_error_dialog("Cannot open this file", str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a loader bug must not cost the user their work
            self.show_error_dialog(
                "Cannot open this file",
                f"{path}: rnnviz could not read it ({type(exc).__name__}: {exc}).\n"
                "Your current session is unchanged.",
            )
            return False
        if not self._show(session, str(path) if remember else None):
            return False
        if remember:
            self._add_recent(str(path))
        self._status(f"Opened {Path(path).name}")
        return True

    def open_example(self, path: str | os.PathLike) -> bool:
        """An example opens as new, unsaved-to-disk work: Save asks where (never over the example)."""
        return self.open_path(path, remember=False)

    def _show(self, session: Session, path: str | None) -> bool:
        before = (self._path, self._clean)
        shown = self.controller.session
        self._set_current(path, session)
        if not self.window.set_session(session):
            self._set_current(*before)
            return False
        if self.controller.busy:  # computed in the worker: it may yet be refused or cancelled
            self._opening = _Opening(path, shown, before)
        return True

    def _on_controller_error(self, message: str) -> None:
        self._last_error = message
        if self._opening is not None:
            self._opening.error = message

    def _settle_opening(self) -> None:
        """A session being opened has been computed, refused or cancelled.  Refused or
        cancelled, the window still shows the previous work: so do the title and Save."""
        opening, self._opening = self._opening, None
        if not same_work(self.controller.session, opening.shown):
            return  # it (or an edit made on it meanwhile) is what the window shows now
        self._set_current(*opening.before)
        if opening.recovered:
            self._keep_refused_recovery(opening.error)
        elif opening.error is not None:
            name = Path(opening.path).name if opening.path else "this session"
            self.show_error_dialog("Cannot open this file", f"{name}: {opening.error}")

    def _in_background(self, nbytes: int) -> bool:
        if self.background_io is None:
            return self.controller.threading != "sync" and nbytes >= BACKGROUND_IO_BYTES
        return self.background_io

    def _run(self, label: str, work, cancellable: bool):
        """``work()`` off the GUI thread with a progress dialog; its value, or its error
        raised here, or :class:`_Cancelled`."""
        with self._busy():
            outcome = run_with_progress(self.window, label, work, cancellable=cancellable, pool=self._io_pool)
        if outcome.cancelled:
            raise _Cancelled
        return outcome.result()

    @contextlib.contextmanager
    def _busy(self):
        """While a file is read or written: other file work is refused, and a close of
        the window waits until the last one ends."""
        self._io_depth += 1
        try:
            yield
        finally:
            self._io_depth -= 1
            if not self._io_depth and self._close_when_idle:
                self._close_when_idle = False
                QtCore.QTimer.singleShot(0, self.window.close)

    def _read(self, path: str | os.PathLike) -> Session:
        """``load_session(path)``; a big file in the worker, cancellable."""
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0  # the loader says what is wrong
        if not self._in_background(size):
            return load_session(path)
        label = f"Opening {Path(path).name} ({size / 1e6:,.0f} MB)…\nCancel keeps the session you have now."
        return self._run(label, lambda: load_session(path), cancellable=True)

    def _save_to(self, session: Session, path: str) -> None:
        """``save_session``; a big session in the worker (not cancellable: the file is
        replaced only when it is whole, so the work always ends in a known state)."""
        if not self._in_background(session_bytes(session)):
            save_session(session, path)
            return
        label = f"Saving {Path(path).name}…\nThe file is replaced only once the new one is complete."
        self._run(label, lambda: save_session(session, path), cancellable=False)

    def revert(self) -> bool:
        if not self._path:
            return False
        if self.dirty and not self.ask_revert(self.display_name()):
            return False
        return self.open_path(self._path, ask=False)

    # -- saving ----------------------------------------------------------------------
    def save(self) -> bool:
        if self._io_busy:
            return False
        if not self._path:
            return self.save_as()
        return self._write(self._path)

    def save_as(self) -> bool:
        if self._io_busy:
            return False
        suggested = self._path or str(Path.home() / (_file_stem(self.display_name()) + SUFFIX))
        path = self.choose_save_path(suggested)
        if not path:
            return False
        if not Path(path).suffix:
            path += SUFFIX
        return self._write(path)

    def _write(self, path: str) -> bool:
        if self.controller.building:  # the edit being built is part of the work to save
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
            try:
                self.controller.finish()
            finally:
                QtWidgets.QApplication.restoreOverrideCursor()
        session = self.controller.latest
        try:
            self._save_to(session, path)
        except OSError as exc:  # a read-only or missing folder, a full disk, a folder in the way
            self.show_error_dialog("Cannot save", dialogs.describe_write_error(path, exc))
            return False
        except ValueError as exc:
            self.show_error_dialog("Cannot save", f"{Path(path).name}: {exc}")
            return False
        self._set_current(path, session)
        self._add_recent(path)
        self._clear_recovery()
        self._status(f"Saved {Path(path).name}")
        return True

    def confirm_discard(self) -> bool:
        """True when it is all right to replace the current work (saving it if asked)."""
        if not self.dirty:
            return True
        answer = self.ask_unsaved(self.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def edit_title_note(self) -> bool:
        """Edit the session's title and note (saved in the file, shown with the math)."""
        session = self.controller.latest
        answer = self.ask_title_note(session.title, session.note)
        if answer is None or answer == (session.title, session.note):
            return False
        self.controller.set_text(title=answer[0], note=answer[1])
        return True

    # -- recent files and examples ---------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if isinstance(v, str)]

    def _add_recent(self, path: str) -> None:
        full = str(Path(path).resolve())
        files = [full] + [p for p in self.recent_files() if p != full]
        self.settings.setValue("recent_files", files[:MAX_RECENT])

    def clear_recent(self) -> None:
        self.settings.setValue("recent_files", [])

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = [p for p in self.recent_files() if Path(p).exists()]
        for k, p in enumerate(files):
            action = self.recent_menu.addAction(f"&{k + 1} {Path(p).name}")
            action.setToolTip(p)
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

    # -- autosave and recovery -------------------------------------------------------
    def autosave_now(self) -> bool:
        """Write unsaved work to the recovery file (the timer calls this every minute)."""
        rec = self.recovery
        if (
            rec is None
            or not rec.primary
            or self._io_busy
            or self._offering
            or self._autosave_job is not None
        ):
            return False  # a file is being read or written, crashed work is on offer, or one is running
        if not self.dirty:
            rec.clear()
            self._autosaved = None
            return False
        session = self.controller.latest
        if same_work(session, self._autosaved):
            return False
        if self._in_background(session_bytes(session)):
            self._autosave_in_background(session)
            return True
        try:
            rec.autosave(session, self._path)
        except (OSError, ValueError) as exc:
            self.controller.report(f"Autosave failed: {exc}")
            return False
        self._autosaved = session
        return True

    def _autosave_in_background(self, session: Session) -> None:
        job = self._autosave_job = threading.Event()
        rec, path, relay = self.recovery, self._path, self._autosave_relay

        def work() -> None:
            error = None
            try:
                rec.autosave(session, path)
            except (OSError, ValueError) as exc:
                error = str(exc)
            except Exception as exc:  # noqa: BLE001 - said in the status line; the work is still there
                error = f"{type(exc).__name__}: {exc}"
            finally:
                job.set()
                relay.sig_done.emit(job, session, error)

        self._io_pool.start(work)

    def _on_autosaved(self, job: threading.Event, session: Session, error: str | None) -> None:
        if error is not None:
            self.controller.report(f"Autosave failed: {error}")
        if job is self._autosave_job:  # (not one waited for and forgotten: its files may be gone)
            self._autosave_job = None
            if error is None:
                self._autosaved = session

    def _finish_autosave(self) -> None:
        """Wait for an autosave still being written (before the recovery files are
        removed or moved, so it cannot bring them back afterwards)."""
        job = self._autosave_job
        if job is None:
            return
        if not job.is_set():
            with self._busy():
                run_with_progress(self.window, "Finishing the autosave…", job.wait, cancellable=False,
                                  pool=self._io_pool)  # fmt: skip
        self._autosave_job = None

    def _clear_recovery(self) -> None:
        """The work is saved: remove the recovery files (after any autosave still running)."""
        if self.recovery is not None:
            self._finish_autosave()
            self.recovery.clear()
            self._autosaved = None

    def _set_aside_recovery(self):
        """Keep the recovery file under a dated name (see Recovery.set_aside); its path."""
        if self.recovery is None:
            return None
        self._finish_autosave()
        self._autosaved = None
        return self.recovery.set_aside()

    def offer_recovery(self) -> bool:
        """Offer the work a crashed copy left; True when it was recovered."""
        rec = self.recovery
        if self._offered or rec is None:
            return False
        self._offered = True
        info = rec.crashed_work()
        if info is None:
            return False
        self._finish_autosave()
        self._offering = True  # an autosave tick while the question is open must not clear it
        try:
            return self._recover(rec, info)
        finally:
            self._offering = False

    def _recover(self, rec: Recovery, info: dict) -> bool:
        if not self.ask_recover(info):
            self._clear_recovery()
            return False
        try:
            session = self._read(rec.recovery_path)
        except _Cancelled:
            kept = self._set_aside_recovery()  # not offered again this time, never lost
            where = f" it is kept as {kept}" if kept else ""
            self._status(f"Recovering the autosaved work was cancelled:{where}")
            return False
        except SessionFileError as exc:
            kept = self._set_aside_recovery()  # never deleted: a newer rnnviz may read it
            where = f"\n\nThe file is kept as {kept}." if kept else ""
            self.show_error_dialog("Cannot recover the autosaved work", f"{exc}{where}")
            return False
        self._last_error = None
        if not self._show(session, info["path"]):
            self._keep_refused_recovery(self._last_error)  # e.g. too big for memory
            return False
        if self._opening is not None:
            self._opening.recovered = True  # if the worker refuses it, keep the file
        self._clean = None  # recovered work is unsaved work
        self.update_title()
        self._status("Recovered the work that was not saved when rnnviz last stopped")
        return True

    def _keep_refused_recovery(self, error: str | None) -> None:
        """Recovered work the controller refused: its file is set aside, never autosaved over."""
        kept = self._set_aside_recovery()
        where = f"\n\nThe autosaved work is kept as {kept}." if kept else ""
        self.show_error_dialog("Cannot recover the autosaved work", f"{error or 'it cannot be shown'}{where}")

    def shutdown(self) -> None:
        """A clean exit: stop autosaving, remove the recovery files, release the lock."""
        self.autosave_timer.stop()
        if self.recovery is not None:
            self._finish_autosave()
            self.recovery.release()

    # -- window events ---------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window:
            kind = event.type()
            if kind == QtCore.QEvent.Type.Close:
                if self._io_busy:  # a file is being read or written: close when it is done
                    self._close_when_idle = True
                    event.ignore()
                    return True
                if not self.confirm_discard():
                    event.ignore()
                    return True
                self.shutdown()
            elif self._io_busy and kind in DROP_EVENTS:
                event.ignore()  # no drop while a file is being read or written
                return True
            elif kind in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
                if _dropped_file(event.mimeData()):
                    event.acceptProposedAction()
                    return True
            elif kind == QtCore.QEvent.Type.Drop:
                path = _dropped_file(event.mimeData())
                if path:
                    event.acceptProposedAction()
                    QtCore.QTimer.singleShot(0, lambda: self.open_dropped(path))
                    return True
        return super().eventFilter(obj, event)

    def open_dropped(self, path: str) -> bool:
        """A dropped file: a session opens, a table loads as the sequence, anything else is named."""
        suffix = Path(path).suffix.lower()
        if suffix == SUFFIX:
            return self.open_path(path)
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

    def _folder(self) -> str:
        return str(Path(self._path).parent) if self._path else str(Path.home())

    def _status(self, message: str) -> None:
        self.controller.report(message, error=False)


def _file_stem(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in " -_" else " " for c in name)
    return "_".join(keep.split())[:60] or "session"


def _dropped_file(mime: QtCore.QMimeData) -> str | None:
    """The first local file in a drop (a session first, if there is one), or None."""
    if not mime.hasUrls():
        return None
    files = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    sessions = [f for f in files if f.lower().endswith(SUFFIX)]
    return (sessions or files or [None])[0]
