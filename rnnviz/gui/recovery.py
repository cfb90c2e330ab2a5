"""Autosave and crash recovery, with a lock file that tells a crash from a second copy.

In the state folder (``QStandardPaths.AppDataLocation`` by default)::

    rnnviz.lock          QLockFile held while the app runs (pid, program, host)
    recovery.rnnviz      the last autosave of unsaved work (an ordinary session file)
    recovery.json        {"path": the file it belongs to or null, "saved": ISO time}
    recovery-kept-*.rnnviz  recovered work this copy could not open, set aside, never deleted

* The first copy takes the lock.  A recovery file it finds then was left by a
  copy that ended without cleaning up: a crash.  It offers the file back.
* A second copy cannot take the lock (the first is still running), so it neither
  offers nor writes recovery files: it never steals the first copy's autosave.
* A clean exit removes the recovery files and releases the lock.  A stale lock
  (its process is gone) is taken over by ``QLockFile``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtCore

from rnnviz.session import Session, SessionFileError, save_session
from rnnviz.session.atomic import atomic_write

LOCK_NAME = "rnnviz.lock"
RECOVERY_NAME = "recovery.rnnviz"
RECOVERY_INFO = "recovery.json"


def default_state_dir() -> Path:
    loc = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc or Path.home() / ".rnnviz")


class Recovery:
    """The lock and the recovery files in one state folder."""

    def __init__(self, state_dir: str | os.PathLike | None = None):
        self.state_dir = Path(state_dir) if state_dir is not None else default_state_dir()
        self.problem: str | None = None  # why there is no autosave, when there is none
        self._lock = QtCore.QLockFile(str(self.state_dir / LOCK_NAME))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a read-only home, a file in the way: the app runs, without autosave
            self.problem = f"cannot create {self.state_dir}: {e.strerror or e}"
            self.primary = False
            return
        self.primary = bool(self._lock.tryLock(0))

    @property
    def recovery_path(self) -> Path:
        return self.state_dir / RECOVERY_NAME

    @property
    def info_path(self) -> Path:
        return self.state_dir / RECOVERY_INFO

    def crashed_work(self) -> dict | None:
        """``{"path", "saved"}`` of work a crashed copy left, or None (also for a second copy)."""
        if not self.primary or not self.recovery_path.exists():
            return None
        info = {"path": None, "saved": ""}
        try:
            data = json.loads(self.info_path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                info["path"] = data.get("path") if isinstance(data.get("path"), str) else None
                info["saved"] = data.get("saved") if isinstance(data.get("saved"), str) else ""
        except (OSError, ValueError):
            pass
        return info

    def autosave(self, session: Session, path: str | None) -> bool:
        """Write the recovery files (atomically); False for a second copy."""
        if not self.primary:
            return False
        # the info first: a crash between the two writes then leaves the new path beside
        # the previous autosave (same work, one minute older), never work without its path
        info = {"path": path, "saved": datetime.now(UTC).isoformat(timespec="seconds")}
        text = json.dumps(info)
        atomic_write(self.info_path, lambda f: f.write(text.encode("utf-8")))
        save_session(session, self.recovery_path)
        return True

    def set_aside(self) -> Path | None:
        """Keep a recovery file this copy cannot read or show (damaged, from a newer rnnviz,
        too big) under a dated name, so it is not offered again and not lost; its new path."""
        if not self.primary or not self.recovery_path.exists():
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        kept = self.state_dir / f"recovery-kept-{stamp}.rnnviz"
        n = 1
        while kept.exists():  # never over one kept before
            n += 1
            kept = self.state_dir / f"recovery-kept-{stamp}-{n}.rnnviz"
        try:
            os.replace(self.recovery_path, kept)
        except OSError:
            return None
        self.clear()
        return kept

    def clear(self) -> None:
        """Forget the recovery files (the work was saved, discarded, or recovered and saved)."""
        if not self.primary:
            return
        for p in (self.recovery_path, self.info_path):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    def release(self) -> None:
        """A clean exit: no recovery files, no lock."""
        self.clear()
        if self.primary:
            self._lock.unlock()
            self.primary = False


__all__ = ["Recovery", "SessionFileError", "default_state_dir"]
