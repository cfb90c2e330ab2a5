"""Making a film: frames painted on the GUI thread, encoded in a worker.

Qt paints widgets on the GUI thread only, so the work is split in two:

- **GUI thread** (:class:`VideoExport`): a zero-interval QTimer paints frames with a
  :class:`~.frames.FrameRenderer` — a few per tick, at most ``SLICE_MS`` of painting,
  then the event loop runs again (the window stays responsive, Cancel is heard) — and
  puts each frame's RGB bytes in a small queue (``QUEUE_FRAMES``: the memory of a few
  frames whatever the film's length; when it is full the timer waits for the encoder).
- **Worker** (the ``"export"`` lane of the window's one :class:`~rnnviz.gui.jobs.Jobs`):
  :func:`rnnviz.session.video.encode_video` takes frames from the queue as they come
  and writes them to a temp file, yielding progress; Cancel stops it at its next yield
  and the temp file goes (the film's path is only replaced when the last frame is in).

With a synchronous ``Jobs`` (tests) and headlessly (:func:`export_video`) the same
generator runs with frames painted in line.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import numpy as np
from PySide6 import QtCore

from rnnviz.session.compute import Computed
from rnnviz.session.export_plan import VideoRequest
from rnnviz.session.video import encode_video
from rnnviz.session.workspace import Cursor

from .frames import FrameRenderer

LANE = "export"
QUEUE_FRAMES = 4
SLICE_MS = 30
WAIT_MS = 5  # the queue is full: look again after this


def painted_frames(renderer: FrameRenderer, request: VideoRequest) -> Iterator[np.ndarray]:
    """Every frame of ``request``, painted in turn (on the GUI thread)."""
    for frame in request.frames():
        yield renderer.rgb(frame.step, frame.phase)


def export_video(computed: Computed, request: VideoRequest, cursor: Cursor | None = None,
                 page: str = "forward", backward: bool = False,
                 progress: Callable[[int], None] | None = None) -> str:  # fmt: skip
    """Write the film synchronously (headless); returns its path.  Raises OSError or
    ValueError when it cannot be written (nothing is left behind then)."""
    renderer = FrameRenderer(computed, request.view, request.size, cursor, page, backward, request.present)
    try:
        gen = encode_video(request, painted_frames(renderer, request))
        while True:
            try:
                n = next(gen)
            except StopIteration as end:
                return end.value
            if progress is not None:
                progress(n)
    finally:
        renderer.close()


class VideoExport(QtCore.QObject):
    """One film being made from the window (see the module doc).

    ``sig_progress(done, total)`` as frames are encoded; ``sig_finished(path, error)``
    once: the path written, or ``("", "")`` when cancelled, or ``("", message)``."""

    sig_progress = QtCore.Signal(int, int)
    sig_finished = QtCore.Signal(str, str)

    def __init__(self, jobs, computed: Computed, request: VideoRequest, cursor: Cursor | None = None,
                 page: str = "forward", backward: bool = False, parent: QtCore.QObject | None = None):  # fmt: skip
        super().__init__(parent)
        self.jobs, self.request = jobs, request
        self.renderer = FrameRenderer(
            computed, request.view, request.size, cursor, page, backward, request.present
        )
        self._frames = iter(request.frames())
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
        self._painted = 0
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.job = None
        self.finished = False
        self._error = ""

    def start(self) -> None:
        if self.jobs.sync:
            frames = painted_frames(self.renderer, self.request)
        else:
            frames = self._from_queue()
            self._timer.start(0)
        self.job = self.jobs.start(LANE, encode_video(self.request, frames), on_progress=self._on_job_progress,
                                   on_done=self._on_job_done, on_error=self._on_job_error)  # fmt: skip

    def cancel(self) -> None:
        """Stop: the worker closes the film's temp file and nothing is written."""
        self._timer.stop()
        if self.job is not None and not self.finished:
            self.job.stop()

    # -- GUI thread: painting ----------------------------------------------------------
    def _on_timer_timeout(self) -> None:
        start = time.perf_counter()
        try:
            while not self._queue.full() and (time.perf_counter() - start) * 1000 < SLICE_MS:
                frame = next(self._frames, None)
                if frame is None:
                    self._timer.stop()
                    return
                self._queue.put_nowait(self.renderer.rgb(frame.step, frame.phase))
                self._painted += 1
        except Exception as exc:  # noqa: BLE001 - a frame that cannot be painted ends the export
            self._error = f"frame {self._painted + 1} could not be drawn: {exc}"
            self.cancel()  # the job ends, its temp file gone, then sig_finished says why
            return
        self._timer.setInterval(WAIT_MS if self._queue.full() else 0)

    # -- worker: frames as they come -------------------------------------------------------
    def _from_queue(self) -> Iterator[np.ndarray | None]:
        while True:
            try:
                yield self._queue.get(timeout=WAIT_MS / 1000)
            except queue.Empty:
                yield None  # nothing yet: the job may be stopped here

    # -- GUI thread: the job's news ------------------------------------------------------------
    def _on_job_progress(self, batch: list) -> None:
        self.sig_progress.emit(max(batch), self.request.frame_count)

    def _on_job_done(self, path) -> None:
        self._finish("" if self._error else path or "", self._error)

    def _on_job_error(self, error: BaseException) -> None:
        self._finish("", f"{type(error).__name__}: {error}" if not isinstance(error, OSError | ValueError)
                     else str(getattr(error, "strerror", None) or error))  # fmt: skip

    def _finish(self, path: str, error: str) -> None:
        if self.finished:
            return
        self.finished = True
        self._timer.stop()
        self.renderer.close()
        while not self._queue.empty():
            self._queue.get_nowait()
        self.sig_finished.emit(path, error)
