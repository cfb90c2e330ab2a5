"""New, Open, Save, Save As, Revert (a mixin of :class:`~.actions.FileActions`).

A big file is read or written in the controller's ``Jobs``, lane ``"file"``: the call
starts the job and returns True; the result arrives in ``on_done`` (then
``sig_file_finished(ok)``).  A progress dialog appears after a moment; opening can be
cancelled (the job becomes stale, nothing changes), saving cannot (the file is
replaced only once the new one is whole).  While a file is in progress other file
work is refused.  A small file is read and written here, at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from rnnviz.session import Session, SessionFileError, load_session, save_session
from rnnviz.session.defaults import default_session

from .. import file_dialogs as dialogs
from .document import BACKGROUND_IO_BYTES, SUFFIX, file_stem, same_work, session_bytes
from .progress import DelayedProgress

FILE = "file"  # the Jobs lane of opening and saving


@dataclass
class Opening:
    """A session being opened whose trace is computed in the worker."""

    path: str | None
    shown: Session | None  # what the window showed before: still shown if the open fails
    before: tuple  # (path, clean session) to go back to
    error: str | None = None
    recovered: bool = False  # autosaved work being recovered


class OpenSave:
    """Needs the :class:`~.document.DocumentState` part, ``jobs``, ``background_io`` and the dialogs."""

    # -- the file lane ------------------------------------------------------------------
    @property
    def _file_busy(self) -> bool:
        return self.jobs.busy(FILE)

    def _in_background(self, nbytes: int) -> bool:
        if self.background_io is None:
            return self.controller.threading != "sync" and nbytes >= BACKGROUND_IO_BYTES
        return self.background_io

    def _start_file(self, kind: str, label: str, work, on_done: Callable, on_error: Callable,
                    on_cancel: Callable[[], None] | None = None) -> bool:  # fmt: skip
        """``work`` in the file lane; True when started (or, run at once by a synchronous
        ``Jobs``, what ``on_done``/``on_error`` returned)."""
        ended: list[bool] = []

        def finish(handler, arg) -> None:
            progress.close()
            ok = bool(handler(arg))
            ended.append(ok)
            self._file_ended(ok)

        def cancel() -> None:
            self.jobs.drop(FILE)
            on_cancel()
            self._file_ended(False)

        progress = self._progress = DelayedProgress(self.window, label, cancel if on_cancel else None)
        self._file_kind = kind
        self.jobs.start(
            FILE, work, on_done=lambda v: finish(on_done, v), on_error=lambda e: finish(on_error, e)
        )
        if ended:
            return ended[0]
        progress.start()
        return True

    def _file_ended(self, ok: bool) -> None:
        self.sig_file_finished.emit(ok)
        if self._close_when_idle and not self._file_busy:  # the window was asked to close meanwhile
            self._close_when_idle = False
            QtCore.QTimer.singleShot(0, self.window.close)

    def wait_for_file(self) -> None:
        """Block until the file in progress is read or written and handled (a close, Save
        before discarding: the old code waited there too)."""
        if self._file_busy:
            self.jobs.finish(FILE)

    # -- opening --------------------------------------------------------------------------
    def new_session(self) -> bool:
        if self._file_busy or not self.confirm_discard():
            return False
        return self._show(default_session(), None)

    def open_dialog(self) -> bool:
        path = self.choose_open_path()
        return bool(path) and self.open_path(path)

    def open_path(self, path: str | os.PathLike, ask: bool = True, remember: bool = True) -> bool:
        """Open a session file; on any problem show it and keep the current session.
        A big file: True says the reading started (see the module doc)."""
        if self._file_busy or (ask and not self.confirm_discard()):
            return False
        path = str(path)
        work_before = self.controller.latest

        def done(session: Session) -> bool:
            if not same_work(self.controller.latest, work_before) and not self.confirm_discard():
                self._status(f"Kept your edits: {Path(path).name} was not opened")  # edited meanwhile
                return False
            return self._opened(session, path, remember)

        return self._read(path, done, lambda exc: self._open_failed(path, exc))

    def _read(self, path: str, on_done: Callable, on_error: Callable,
              on_cancel: Callable[[], None] | None = None) -> bool:  # fmt: skip
        """``load_session(path)`` to ``on_done`` (or its error to ``on_error``); a big file in the worker."""
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0  # the loader says what is wrong
        if not self._in_background(size):
            try:
                session = load_session(path)
            except Exception as exc:  # noqa: BLE001 - a loader bug must not cost the user their work
                return on_error(exc)
            return on_done(session)
        name = Path(path).name
        label = f"Opening {name} ({size / 1e6:,.0f} MB)…\nCancel keeps the session you have now."
        on_cancel = on_cancel or (lambda: self._status(f"Opening {name} was cancelled: nothing changed"))
        return self._start_file("read", label, lambda: load_session(path), on_done, on_error, on_cancel)

    def _opened(self, session: Session, path: str, remember: bool) -> bool:
        if not self._show(session, path if remember else None):
            return False
        if remember:
            self._add_recent(path)
        self._status(f"Opened {Path(path).name}")
        return True

    def _open_failed(self, path: str, exc: BaseException) -> bool:
        if isinstance(exc, SessionFileError):
            self.show_error_dialog("Cannot open this file", str(exc))
        else:
            self.show_error_dialog(
                "Cannot open this file",
                f"{path}: rnnviz could not read it ({type(exc).__name__}: {exc}).\n"
                "Your current session is unchanged.",
            )
        return False

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
            self._opening = Opening(path, shown, before)
        return True

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

    def revert(self) -> bool:
        if not self._path:
            return False
        if self.dirty and not self.ask_revert(self.display_name()):
            return False
        return self.open_path(self._path, ask=False)

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        if self._file_busy:
            return False
        self._settle_training()  # the weights trained so far are saved, with where to go on from
        if not self._path:
            return self.save_as()
        return self._write(self._path)

    def save_as(self) -> bool:
        if self._file_busy:
            return False
        suggested = self._path or str(Path.home() / (file_stem(self.suggested_name()) + SUFFIX))
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
        done = lambda _value: self._saved(session, path)  # noqa: E731
        failed = lambda exc: self._save_failed(path, exc)  # noqa: E731
        if not self._in_background(session_bytes(session)):
            try:
                save_session(session, path)
            except (OSError, ValueError) as exc:
                return failed(exc)
            return done(None)
        label = f"Saving {Path(path).name}…\nThe file is replaced only once the new one is complete."
        return self._start_file("write", label, lambda: save_session(session, path), done, failed)

    def _saved(self, session: Session, path: str) -> bool:
        self._set_current(path, session)
        self._add_recent(path)
        self._clear_recovery()
        self._status(f"Saved {Path(path).name}")
        return True

    def _save_failed(self, path: str, exc: BaseException) -> bool:
        if isinstance(exc, OSError):  # a read-only or missing folder, a full disk, a folder in the way
            message = dialogs.describe_write_error(path, exc)
        elif isinstance(exc, ValueError):
            message = f"{Path(path).name}: {exc}"
        else:
            message = f"{Path(path).name}: rnnviz could not write it ({type(exc).__name__}: {exc})"
        self.show_error_dialog("Cannot save", message)
        return False

    def _settle_training(self) -> None:
        """A live training run ends first, its weights part of the work (it resumes exactly)."""
        trainer = getattr(self.window, "trainer", None)
        if trainer is not None and trainer.state != "idle":
            trainer.settle()
            self._status("Training stopped here: Train goes on exactly where it stopped")

    def confirm_discard(self) -> bool:
        """True when it is all right to replace the current work (saving it if asked)."""
        self._settle_training()
        if not self.dirty:
            return True
        answer = self.ask_unsaved(self.display_name())
        if answer == "save":
            if not self.save():
                return False
            self.wait_for_file()  # a big save: the work is discarded only once it is on disk
            return not self.dirty
        return answer == "discard"

    def edit_title_note(self) -> bool:
        """Edit the session's title and note (saved in the file, shown with the math)."""
        session = self.controller.latest
        answer = self.ask_title_note(session.title, session.note)
        if answer is None or answer == (session.title, session.note):
            return False
        self.controller.set_text(title=answer[0], note=answer[1])
        return True


__all__ = ["FILE", "Opening", "OpenSave"]
