"""Training in the window: the Qt side of :class:`rnnviz.session.training.TrainingJob`.

    trainer = Trainer(controller)
    trainer.train(settings)      # Train
    trainer.pause(); trainer.resume(); trainer.step(); trainer.stop(); trainer.reset()

The job runs in the ``"train"`` lane of the controller's :class:`~.jobs.Jobs`,
through the same :class:`~rnnviz.session.training.TrainingJob` as ``rnnviz train``,
so the window trains exactly as the command does.  Two streams leave the worker:

- **telemetry**: every update's :class:`TrainingTick`, batched by the worker and
  delivered at most 20 times a second, to ``sig_telemetry`` only (the training view);
- **commits**: about 5 times a second the worker also computes the forward pass, loss
  and gradients of the current weights (:func:`rnnviz.session.compute.compute`) and
  the controller shows them in every view, without refilling the docks.  For a big
  network, whose computation takes more than a tenth of that interval, the commits
  come as often as keeps them to a tenth of the worker's time (a 2-layer bidirectional
  GRU over 500 steps: every ≈ 0.4 s), so they never slow training much.

In the window (work in threads) the job runs in a child process
(:class:`~rnnviz.session.training_process.TrainingProcess`): a training loop in a
thread would hold Python's GIL so much that the window could hardly paint.  The
worker thread only waits on the child's messages, and computes the commits.  Tests
with synchronous work train here, through the same ``TrainingJob``.

Paused or stopped, the trained session (weights, history, the optimiser's state) is
committed as an ordinary edit, so the docks, the title and Save see it.  A NaN or
infinity stops training with the engine's message and keeps the last good weights.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from dataclasses import dataclass

from PySide6 import QtCore

from rnnviz.session import Session
from rnnviz.session.compare import RunsJob, reset_runs, with_networks
from rnnviz.session.compute import Computed, compute
from rnnviz.session.training import TrainingSettings, TrainingTick
from rnnviz.session.training_process import Paused, TrainingProcess

TRAIN = "train"  # the jobs lane
TELEMETRY_MS = 50  # ≤ 20 deliveries a second
COMMIT_S = 0.2  # ≈ 5 commits of the current weights a second
COMMIT_SHARE = 0.1  # at most this share of the worker's time goes to them


@dataclass(frozen=True, eq=False)
class _Snapshot:
    """The current weights, computed in the worker, for every view."""

    computed: Computed


def _stream(job: RunsJob, base: Session, budget: list[int], pause) -> Iterator[TrainingTick | _Snapshot]:
    """The worker's generator: ticks, and now and then the computed current weights.
    ``budget`` [n]: after n more rounds (an update of every run) the job pauses itself
    (Step); −1: no limit."""
    last = time.perf_counter()
    interval = COMMIT_S
    for tick in job.steps():  # it ends after a NaN stop (of the last run going)
        yield tick
        if not tick.round_end:
            continue
        if budget[0] > 0:
            budget[0] -= 1
            if budget[0] == 0:
                pause()  # before the yield: the job holds right after it
                yield _Snapshot(compute(with_networks(base, job.networks())))
                continue
        now = time.perf_counter()
        if now - last >= interval:
            snapshot = _Snapshot(compute(with_networks(base, job.networks())))
            last = time.perf_counter()
            interval = max(COMMIT_S, (last - now) / COMMIT_SHARE)
            yield snapshot


def _remote_stream(
    job: TrainingProcess, base: Session, pause, wanted=lambda: True
) -> Iterator[TrainingTick | _Snapshot]:
    """The worker's generator for training in a child process: its ticks, its weights
    computed here now and then (as :func:`_stream`) while ``wanted()`` (a view shows
    them), and a pause when the child holds."""
    last = 0.0
    interval = COMMIT_S
    for event in job.events():
        if isinstance(event, TrainingTick):
            yield event
        elif isinstance(event, Paused):
            pause()  # before the yield: the job holds right after it
            yield _Snapshot(compute(with_networks(base, [run.network for run in job.result().runs])))
        else:  # a Snapshot: computed when due (a big network's compute is spread out)
            now = time.perf_counter()
            if now - last >= interval and wanted():
                snapshot = _Snapshot(compute(with_networks(base, event.networks)))
                last = time.perf_counter()
                interval = max(COMMIT_S, (last - now) / COMMIT_SHARE)
                yield snapshot


class Trainer(QtCore.QObject):
    """Train / pause / step / stop / reset, for the window (see the module doc)."""

    sig_state_changed = QtCore.Signal(str)  # "idle" | "running" | "paused"
    sig_telemetry = QtCore.Signal(object)  # list[TrainingTick], in order
    sig_started = QtCore.Signal(object)  # the TrainingJob (its settings, totals, history so far)

    def __init__(self, controller, parent: QtCore.QObject | None = None):
        super().__init__(parent or controller)
        self.controller = controller
        self.state = "idle"
        self.job: RunsJob | TrainingProcess | None = None
        # None: in a child process when work runs in threads (the window), here when it is
        # synchronous (tests); True / False force one
        self.in_process: bool | None = None
        # whether a view in front shows the weights as they train (the window sets it: with
        # only the Training tab in front, the 5 Hz commits would be computed for nobody)
        self.commits_wanted = True
        self._budget = [-1]
        self._before_reset: Session | None = None
        self._started_at = 0.0
        self._updates_at_start = 0

    # -- commands ---------------------------------------------------------------------
    def train(self, settings: TrainingSettings | None = None, updates: int = -1) -> bool:
        """Start training the committed session (``updates`` > 0: that many, then pause)."""
        if self.state == "paused":
            self._budget[0] = updates
            if isinstance(self.job, TrainingProcess):
                self.job.resume(updates)
            self._set_state("running")
            self.controller.jobs.job(TRAIN).resume()
            return True
        if self.state != "idle":
            return False
        if self.controller.busy:
            self.controller.finish()
        base = self.controller.session
        if base is None:
            return False
        if settings is not None and settings != base.training.settings:
            self.controller.set_settings(training=settings)  # the panel and the file keep them
            base = self.controller.session
        remote = self.in_process is False or (self.in_process is None and not self.controller.jobs.sync)
        try:
            job = TrainingProcess(base, settings, updates) if remote else RunsJob(base, settings)
        except ValueError as exc:
            self.controller.report(f"Cannot train: {exc}")
            return False
        gc.collect()  # garbage with Qt objects in it goes here, never in the worker (see jobs.py)
        self.job, self._budget = job, [updates]
        self._before_reset = None
        self._started_at, self._updates_at_start = time.perf_counter(), job.updates
        self._set_state("running")
        self.sig_started.emit(job)
        jobs = self.controller.jobs
        pause = lambda: jobs.job(TRAIN) and jobs.job(TRAIN).pause()  # noqa: E731
        wanted = lambda: self.commits_wanted  # noqa: E731 - a plain bool, read by the worker
        work = _remote_stream(job, base, pause, wanted) if remote else _stream(job, base, self._budget, pause)
        jobs.start(TRAIN, work, on_progress=self._on_job_progress, on_done=self._on_job_done,
                   on_error=self._on_job_error, on_paused=self._on_job_paused,
                   throttle_ms=TELEMETRY_MS)  # fmt: skip
        return True

    def step(self) -> bool:
        """One update, then pause."""
        return self.train(updates=1)

    def pause(self) -> None:
        job = self.controller.jobs.job(TRAIN)
        if self.state == "running" and job is not None:
            if isinstance(self.job, TrainingProcess):
                self.job.pause()  # the child pauses between updates and sends what it trained
            else:
                job.pause()

    def resume(self) -> None:
        if self.state == "paused":
            self.train()

    def stop(self) -> None:
        """End training; the weights and history so far are kept."""
        job = self.controller.jobs.job(TRAIN)
        if job is None or self.state == "idle":
            return
        if isinstance(self.job, TrainingProcess) and not job.paused:
            self.job.stop()  # the child ends after its update and sends what it trained
        else:
            job.stop()

    def settle(self, timeout_s: float = 30.0) -> None:
        """End a live run now and commit what it trained (before a close or a save): blocks
        until the worker has stopped, at most ``timeout_s``."""
        if self.controller.jobs.job(TRAIN) is None or self.state == "idle":
            return
        self.stop()
        self.controller.jobs.finish(TRAIN, timeout_s)
        self.controller.finish()

    def reset(self) -> bool:
        """The weights from before training, the history cleared; :meth:`undo_reset` brings them back."""
        if self.state != "idle":
            return False
        session = self.controller.session
        if session is None or not any(run.training.trained for run in session.runs):
            return False
        self._before_reset = session
        ok = self.controller.replace_work(reset_runs(session))
        if ok:
            self.controller.report(
                "Reset to the weights from before training (Undo reset brings them back)", error=False
            )
        return ok

    def undo_reset(self) -> bool:
        before, self._before_reset = self._before_reset, None
        return before is not None and self.controller.replace_work(before)

    @property
    def can_undo_reset(self) -> bool:
        return self._before_reset is not None

    def updates_per_second(self) -> float:
        if self.job is None:
            return 0.0
        elapsed = time.perf_counter() - self._started_at
        return (self.job.updates - self._updates_at_start) / elapsed if elapsed > 0 else 0.0

    # -- the job's results (GUI thread) --------------------------------------------------
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.sig_state_changed.emit(state)

    def _on_job_progress(self, batch: list) -> None:
        ticks = [x for x in batch if isinstance(x, TrainingTick)]
        if ticks:
            self.sig_telemetry.emit(ticks)
        snapshots = [x for x in batch if isinstance(x, _Snapshot)]
        if snapshots:
            self.controller.show_streamed(snapshots[-1].computed)

    def _on_job_paused(self) -> None:
        self._set_state("paused")
        self._commit_result()  # the worker holds between updates: its state may be read

    def _on_job_done(self, _value) -> None:
        self._set_state("idle")
        session = self._commit_result()
        self.job = None
        stopped = session.training.history.stopped_reason if session is not None else None
        if stopped:
            self.controller.report(f"Training stopped: {stopped}")

    def _on_job_error(self, error: BaseException) -> None:
        self._set_state("idle")
        self._commit_result()
        self.job = None
        if isinstance(error, ValueError | MemoryError):
            self.controller.report(f"Training failed: {error}")
        else:
            raise error

    def _commit_result(self) -> Session | None:
        if self.job is None:
            return None
        session = self.job.result()
        self.controller.replace_work(session)
        return session


__all__ = ["TRAIN", "Trainer"]
