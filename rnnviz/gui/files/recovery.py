"""Offering back the work a crashed copy left, and removing or setting aside the
recovery files (a mixin of :class:`~.actions.FileActions`; the files themselves are
:class:`rnnviz.gui.recovery.Recovery`).

A recovery file that cannot be read or shown is set aside under a dated name, never
deleted; the recovery files are removed only after a running autosave has ended.
"""

from __future__ import annotations

from rnnviz.session import Session, SessionFileError

from ..recovery import Recovery


class Recovering:
    """Needs ``recovery`` and the document, file-lane and autosave parts."""

    _offered = False
    _offering = False  # the crashed work is being offered: autosave leaves it alone

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
        """Offer the work a crashed copy left; True when it was recovered (or, a big
        file, is being read: it then follows as an open does)."""
        rec = self.recovery
        if self._offered or rec is None or self._file_busy:
            return False
        self._offered = True
        info = rec.crashed_work()
        if info is None:
            return False
        self._finish_autosave()
        self._offering = True  # an autosave tick while the question is open must not clear it
        try:
            if not self.ask_recover(info):
                self._clear_recovery()
                return False
            return self._read(str(rec.recovery_path), lambda s: self._recovered(s, info),
                              self._unreadable_recovery, self._recovery_cancelled)  # fmt: skip
        finally:
            self._offering = False

    def _recovered(self, session: Session, info: dict) -> bool:
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

    def _recovery_cancelled(self) -> None:
        kept = self._set_aside_recovery()  # not offered again this time, never lost
        where = f" it is kept as {kept}" if kept else ""
        self._status(f"Recovering the autosaved work was cancelled:{where}")

    def _unreadable_recovery(self, exc: BaseException) -> bool:
        kept = self._set_aside_recovery()  # never deleted: a newer rnnviz may read it
        where = f"\n\nThe file is kept as {kept}." if kept else ""
        detail = str(exc) if isinstance(exc, SessionFileError) else f"{type(exc).__name__}: {exc}"
        self.show_error_dialog("Cannot recover the autosaved work", f"{detail}{where}")
        return False

    def _keep_refused_recovery(self, error: str | None) -> None:
        """Recovered work the controller refused: its file is set aside, never autosaved over."""
        kept = self._set_aside_recovery()
        where = f"\n\nThe autosaved work is kept as {kept}." if kept else ""
        self.show_error_dialog("Cannot recover the autosaved work", f"{error or 'it cannot be shown'}{where}")


__all__ = ["Recovering", "Recovery"]
