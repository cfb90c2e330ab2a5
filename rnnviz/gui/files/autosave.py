"""Autosave: unsaved work written to the recovery file every minute (a mixin of
:class:`~.actions.FileActions`).  A big session is written in the controller's
``Jobs``, lane ``"autosave"``, without a dialog; one at a time, never while a file is
read or written nor while crashed work is on offer."""

from __future__ import annotations

from rnnviz.session import Session

from .document import same_work, session_bytes

AUTOSAVE = "autosave"  # the Jobs lane
AUTOSAVE_MS = 60_000


class Autosave:
    """Needs ``recovery``, ``jobs``, ``_offering`` and the document and file-lane parts."""

    _autosaved: Session | None = None  # the work the recovery file holds

    @property
    def autosaving(self) -> bool:
        """An autosave is being written in the worker."""
        return self.jobs.busy(AUTOSAVE)

    def autosave_now(self) -> bool:
        """Write unsaved work to the recovery file (the timer calls this every minute)."""
        rec = self.recovery
        if rec is None or not rec.primary or self._file_busy or self._offering or self.autosaving:
            return False  # a file is being read or written, crashed work is on offer, or one is running
        if not self.dirty:
            rec.clear()
            self._autosaved = None
            return False
        session = self.controller.latest
        if same_work_as_autosaved(session, self._autosaved):
            return False
        path = self._path
        if self._in_background(session_bytes(session)):
            self.jobs.start(AUTOSAVE, lambda: rec.autosave(session, path),
                            on_done=lambda _v: self._on_autosaved(session), on_error=self._on_autosave_failed)  # fmt: skip
            return True
        try:
            rec.autosave(session, path)
        except (OSError, ValueError) as exc:
            self._on_autosave_failed(exc)
            return False
        self._autosaved = session
        return True

    def _on_autosaved(self, session: Session) -> None:
        self._autosaved = session

    def _on_autosave_failed(self, exc: BaseException) -> None:
        detail = str(exc) if isinstance(exc, OSError | ValueError) else f"{type(exc).__name__}: {exc}"
        self.controller.report(f"Autosave failed: {detail}")  # the work is still there

    def _finish_autosave(self) -> None:
        """Wait for an autosave still being written (before the recovery files are removed
        or moved, so it cannot bring them back afterwards).  Blocks the GUI thread (as the
        old code did, behind a dialog); an autosave writes one session file."""
        if self.autosaving:
            self.jobs.finish(AUTOSAVE)


def same_work_as_autosaved(session: Session | None, autosaved: Session | None) -> bool:
    return autosaved is not None and same_work(session, autosaved)


__all__ = ["AUTOSAVE", "AUTOSAVE_MS", "Autosave"]
