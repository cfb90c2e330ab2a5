"""The one way the GUI runs work off its thread: compute, train, files.

    job = jobs.start("compute", lambda: compute(session),
                     on_done=commit, on_error=show)              # a function
    job = jobs.start("train", steps(), on_progress=draw,          # a generator
                     on_done=finish, throttle_ms=50)
    job.pause(); job.resume(); job.stop()

- **One live job per lane.**  Starting a job in a lane ("compute", "train", "file")
  makes the job already there *stale*: it is asked to stop, and nothing it still
  produces reaches a callback.  Different lanes run side by side.
- **Generators stream.**  Each yielded value is progress; the worker batches what it
  yields and hands the batch to ``on_progress`` at most every ``throttle_ms`` (the
  last batch always arrives, before ``on_done``).  While a batch waits for the GUI
  thread the worker keeps adding to the next one, so a busy GUI gets fewer, bigger
  batches instead of a queue that grows (and a window that falls ever further behind).
  ``pause()`` holds the generator at its next yield (``on_paused`` is called once it
  holds there), ``resume()`` lets it go on, ``stop()`` closes it there; a stopped
  generator's ``on_done`` still gets its return value (``None`` unless it
  returned one when closed).
- **Callbacks run on the GUI thread**, by queued signals; work never touches a widget.
- **Synchronous switch for tests:** ``Jobs(sync=True)`` runs each job inside
  ``start`` (progress, then done or error), so tests need no waiting.  A generator
  paused there (the work paused its own job) hands control back; ``resume()`` and
  ``stop()`` then run it on, synchronously too.

Exceptions the work raises reach ``on_error`` as the exception object; without an
``on_error`` they are re-raised on the GUI thread (so a bug is never swallowed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6 import QtCore

Callback = Callable[[Any], None] | None
_HELD = object()  # a synchronous job's generator, paused: kept for resume()


class Job(QtCore.QObject):
    """One piece of background work and its callbacks (see the module doc)."""

    _sig_progress = QtCore.Signal(object)  # a list of yielded values
    _sig_finished = QtCore.Signal(object, object)  # value, exception
    _sig_paused = QtCore.Signal()  # the worker is holding at a yield (its progress delivered first)

    def __init__(self, lane: str, work, on_progress: Callback, on_done: Callback, on_error: Callback,
                 throttle_ms: int, parent: QtCore.QObject, on_paused: Callable[[], None] | None = None):  # fmt: skip
        super().__init__(parent)
        self.lane = lane
        self._work = work
        self._on_progress, self._on_done, self._on_error = on_progress, on_done, on_error
        self._on_paused = on_paused
        self._throttle = throttle_ms / 1000.0
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._ended = threading.Event()
        self._in_flight = threading.Event()  # a progress batch is queued for the GUI thread
        self._gen: Generator | None = None
        self.stale = False
        self._sig_progress.connect(self._deliver_progress)
        self._sig_finished.connect(self._deliver_finished)
        self._sig_paused.connect(self._deliver_paused)

    # -- control (GUI thread) ---------------------------------------------------------
    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def done(self) -> bool:
        return self._ended.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()
        if self._held():
            self._continue_sync()

    def stop(self) -> None:
        """Ask the work to end at its next yield (a plain function runs to its end)."""
        self._stop.set()
        self._running.set()
        if self._held():
            self._continue_sync()

    def _held(self) -> bool:
        """A synchronous generator handed back control at a pause."""
        parent = self.parent()
        return self._gen is not None and not self._ended.is_set() and isinstance(parent, Jobs) and parent.sync

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the worker is done (shutdown, tests); False on a time-out."""
        return self._ended.wait(timeout_s)

    def deliver_now(self) -> None:
        """Deliver a finished job's queued results now (before a save or a close)."""
        QtCore.QCoreApplication.sendPostedEvents(self, QtCore.QEvent.Type.MetaCall)

    # -- the worker side ------------------------------------------------------------------
    def run(self, emit: bool = True) -> None:
        """Run the work (in a worker thread; ``emit=False``: here, synchronously)."""
        value = error = None
        try:
            work = self._work() if callable(self._work) else self._work
            if isinstance(work, Generator):
                self._gen = work
                value = self._pull(work, emit)
            else:
                value = work
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread
            error = exc
        if value is _HELD:
            return  # synchronous and paused: resume() pulls on
        self._finish(value, error, emit)

    def _finish(self, value, error, emit: bool) -> None:
        if emit:
            self._sig_finished.emit(value, error)  # posted before ``done``: deliver_now finds it
            self._ended.set()
        else:
            self._ended.set()
            self._deliver_finished(value, error)

    def _continue_sync(self) -> None:
        value = error = None
        try:
            value = self._pull(self._gen, False)
        except BaseException as exc:  # noqa: BLE001
            error = exc
        if value is not _HELD:
            self._finish(value, error, False)

    def _pull(self, gen: Generator, emit: bool):
        batch: list = []
        last = time.perf_counter()
        value = None
        held = False
        try:
            while True:
                if not self._running.is_set():
                    self._flush(batch, emit)
                    batch = []
                    if not emit:  # synchronous: hold the generator, hand back control
                        held = True
                        self._deliver_paused()
                        return _HELD
                    self._sig_paused.emit()  # the generator is between yields: safe to read
                    self._running.wait()
                if self._stop.is_set():
                    break
                try:
                    batch.append(next(gen))
                except StopIteration as end:
                    value = end.value
                    break
                now = time.perf_counter()
                if now - last >= self._throttle and not self._in_flight.is_set():
                    self._flush(batch, emit)
                    batch, last = [], now
        finally:
            if not held:
                if self._stop.is_set():
                    gen.close()
                self._flush(batch, emit)
        return value

    def _flush(self, batch: list, emit: bool) -> None:
        if batch and self._on_progress is not None and not self.stale:
            if emit:
                self._in_flight.set()
                self._sig_progress.emit(batch)
            else:
                self._deliver_progress(batch)

    # -- the GUI side ------------------------------------------------------------------
    @QtCore.Slot(object)
    def _deliver_progress(self, batch: list) -> None:
        self._in_flight.clear()
        if not self.stale and self._on_progress is not None:
            self._on_progress(batch)

    @QtCore.Slot()
    def _deliver_paused(self) -> None:
        if not self.stale and self.paused and self._on_paused is not None:
            self._on_paused()

    @QtCore.Slot(object, object)
    def _deliver_finished(self, value, error) -> None:
        parent = self.parent()
        if isinstance(parent, Jobs):
            parent._ended(self)
        if self.stale:
            return
        if error is not None:
            if self._on_error is None:
                raise error
            self._on_error(error)
        elif self._on_done is not None:
            self._on_done(value)


class _Runnable(QtCore.QRunnable):
    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    def run(self) -> None:  # worker thread
        self.job.run()


class Jobs(QtCore.QObject):
    """The window's background work, by lane (see the module doc)."""

    sig_busy_changed = QtCore.Signal(str, bool)  # lane, busy

    def __init__(self, parent: QtCore.QObject | None = None, sync: bool = False, threads: int = 3):
        super().__init__(parent)
        self.sync = sync
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(threads)  # compute, train and a file at once
        self._live: dict[str, Job] = {}

    def start(
        self,
        lane: str,
        work,
        *,
        on_progress: Callback = None,
        on_done: Callback = None,
        on_error: Callback = None,
        on_paused: Callable[[], None] | None = None,
        throttle_ms: int = 50,
    ) -> Job:
        """Run ``work`` (a function, or a generator or generator function) in ``lane``.
        ``on_paused``: the worker holds after ``pause()`` (the work's state may be read)."""
        self.drop(lane)
        job = Job(lane, work, on_progress, on_done, on_error, throttle_ms, self, on_paused)
        self._live[lane] = job
        self.sig_busy_changed.emit(lane, True)
        if self.sync:
            job.run(emit=False)
        else:
            self._pool.start(_Runnable(job))
        return job

    def job(self, lane: str) -> Job | None:
        """The live job of ``lane``, or None."""
        return self._live.get(lane)

    def busy(self, lane: str) -> bool:
        return lane in self._live

    def drop(self, lane: str) -> None:
        """Make the lane's job stale: asked to stop, its results never delivered."""
        job = self._live.pop(lane, None)
        if job is not None:
            job.stale = True
            job.stop()
            self.sig_busy_changed.emit(lane, False)

    def _ended(self, job: Job) -> None:
        if self._live.get(job.lane) is job:
            del self._live[job.lane]
            self.sig_busy_changed.emit(job.lane, False)
        job.deleteLater()

    def finish(self, lane: str, timeout_s: float | None = None) -> bool:
        """Wait for the lane's job and deliver its result now; False if it is still running."""
        job = self._live.get(lane)
        if job is None:
            return True
        if not job.wait(timeout_s):
            return False
        job.deliver_now()
        return lane not in self._live

    def wait_all(self, msecs: int = -1) -> bool:
        """Block until every worker is idle (shutdown, tests)."""
        return self._pool.waitForDone(msecs)


__all__ = ["Job", "Jobs"]
