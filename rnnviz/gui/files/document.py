"""Which file the work belongs to, the copy last opened or saved, the unsaved mark and
the window title, and the recent files (a mixin of :class:`~.actions.FileActions`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rnnviz.session import Session

APP_NAME = "rnnviz"
SUFFIX = ".rnnviz"
MAX_RECENT = 8
#: Files (on disk, or arrays to write) from this size on are read and written off the
#: GUI thread: on the GUI thread a 136 MB session stalled the window for 0.6–1.1 s to
#: open and 0.1–0.2 s to save (benchmarks/bench_gui.py); an 8 MB one takes ~10 ms.
BACKGROUND_IO_BYTES = 8 << 20


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


def file_stem(name: str) -> str:
    keep = "".join(c if c.isalnum() or c in " -_" else " " for c in name)
    return "_".join(keep.split())[:60] or "session"


class DocumentState:
    """Needs ``window``, ``controller``, ``settings``, ``action_revert``, ``sig_path_changed``;
    sets ``_path`` and ``_clean``."""

    _path: str | None
    _clean: Session | None

    def _init_document(self, path: str | None) -> None:
        self._path = str(path) if path else None
        # the newest known session: a big one given at start is still being computed
        # (committed later, it is the same work, so the window is not marked unsaved)
        self._clean = self.controller.latest

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

    def suggested_name(self) -> str:
        """Save As's default name: the title while the work is what the title was written
        for, else a name from what it holds now (not a stale example title)."""
        from rnnviz.session.origin import suggested_name

        session = self.controller.latest
        if session is None:
            return "Untitled"
        origin = getattr(self.window, "note_origin", None)
        return suggested_name(origin.session if origin is not None else None, session)

    def update_title(self) -> None:
        self.window.setWindowTitle(f"{self.display_name()}[*] — {APP_NAME}")
        self.window.setWindowModified(self.dirty)
        self.action_revert.setEnabled(bool(self._path))

    def _set_current(self, path: str | None, clean: Session | None) -> None:
        changed = path != self._path
        self._path = path
        self._clean = clean
        if changed:
            self.sig_path_changed.emit(path)
        self.update_title()

    def _folder(self) -> str:
        return str(Path(self._path).parent) if self._path else str(Path.home())

    def _status(self, message: str) -> None:
        self.controller.report(message, error=False)

    # -- recent files ------------------------------------------------------------------
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


__all__ = ["APP_NAME", "BACKGROUND_IO_BYTES", "SUFFIX", "DocumentState", "file_stem", "same_work",
           "session_bytes"]  # fmt: skip
