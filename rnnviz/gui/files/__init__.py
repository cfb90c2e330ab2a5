"""File handling for the main window, one module per job:

- :mod:`.document` — which file the work belongs to, the clean copy, the unsaved mark
  and the title, recent files;
- :mod:`.opensave` — New, Open, Save, Save As, Revert; big files read and written in
  the controller's :class:`~rnnviz.gui.jobs.Jobs` (lane ``"file"``) with a progress
  dialog (:mod:`.progress`);
- :mod:`.autosave` — the recovery copy of unsaved work (lane ``"autosave"``);
- :mod:`.recovery` — offering back the work a crashed copy left;
- :mod:`.drops` — the window's close and drag-and-drop events;
- :mod:`.actions` — :class:`FileActions`, the one object the window gets.
"""

from .actions import FileActions
from .document import BACKGROUND_IO_BYTES, SUFFIX, same_work, session_bytes

__all__ = ["BACKGROUND_IO_BYTES", "SUFFIX", "FileActions", "same_work", "session_bytes"]
