"""The training process's side of :mod:`rnnviz.session.training_process`.

    python -m rnnviz.session.training_worker START.rnnviz FOLDER UPDATES

Trains START's network with its stored settings through
:class:`~rnnviz.session.training.TrainingJob`, reporting on stdout (framed messages):

- ``ticks``: every update's progress, batched, about 40 times a second;
- ``snapshot``: the current weights, about 5 times a second;
- ``paused`` / ``done``: the session as trained so far, saved in FOLDER (its file
  name, or null when nothing changed since the last one); ``done`` is the last message;
- ``error``: a one-line message (the start session unreadable, the settings refused).

Commands come on stdin as JSON lines: ``pause``, ``resume`` (with ``updates``: pause
again after that many, −1 for no limit), ``stop``.  The end of stdin means stop.
UPDATES > 0 pauses after that many updates (the window's Step).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from typing import IO

import numpy as np

from .compare import RunsJob
from .files import SessionFileError, load_session, save_session
from .training_process import flat_params, tick_row, write_message

FLUSH_S = 0.025  # ticks leave at most this late
SNAPSHOT_S = 0.2  # the current weights, about 5 times a second


def _read_commands(stream: IO[bytes], commands: queue.Queue) -> None:
    for line in stream:
        try:
            command = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(command, dict):
            commands.put(command)
    commands.put({"cmd": "stop"})  # the window is gone or done with us


class _Worker:
    def __init__(self, job: RunsJob, out: IO[bytes], folder: str, commands: queue.Queue, budget: int):
        self.job, self.out, self.folder, self.commands = job, out, folder, commands
        self.budget = budget
        self.rows: list = []
        self.saved_at = self._done()  # the updates of the last result sent (start: nothing new)
        self.results = 0

    def _done(self) -> tuple[int, ...]:
        return tuple(j.updates for j in self.job.jobs)

    def run(self) -> None:
        last_flush = last_snapshot = time.perf_counter()
        pause = stop = False
        for tick in self.job.steps():  # a run stopped on a NaN drops out; the job ends with the last
            self.rows.append(tick_row(tick))
            if not tick.round_end:
                continue  # pauses and snapshots come between rounds: every run updated alike
            now = time.perf_counter()
            if now - last_snapshot >= SNAPSHOT_S:
                self.flush()
                weights = np.concatenate([flat_params(n) for n in self.job.networks()])
                write_message(self.out, {"type": "snapshot", "update": tick.update}, weights)
                last_flush = last_snapshot = now
            elif now - last_flush >= FLUSH_S:
                self.flush()
                last_flush = now
            if self.budget > 0:
                self.budget -= 1
                pause = self.budget == 0
            pause, stop = self.drain(pause)
            if stop:
                break
            if pause:
                self.flush()
                write_message(self.out, {"type": "paused", "result": self.save()})
                stop = not self.wait()
                if stop:
                    break
                pause = False
                last_flush = last_snapshot = time.perf_counter()
        self.flush()
        write_message(self.out, {"type": "done", "result": self.save()})

    def drain(self, pause: bool) -> tuple[bool, bool]:
        """The commands that came meanwhile: (pause, stop)."""
        stop = False
        while True:
            if self.commands.empty():  # the usual case, every update: cheaper than catching Empty
                return pause, stop
            command = self.commands.get_nowait()  # this thread is the only one that takes
            name = command.get("cmd")
            if name == "pause":
                pause = True
            elif name == "resume":
                pause = False
                self.budget = int(command.get("updates", -1))
            elif name == "stop":
                stop = True

    def wait(self) -> bool:
        """Paused: block until resumed (True) or stopped (False)."""
        while True:
            command = self.commands.get()
            name = command.get("cmd")
            if name == "resume":
                self.budget = int(command.get("updates", -1))
                return True
            if name == "stop":
                return False

    def flush(self) -> None:
        if self.rows:
            write_message(self.out, {"type": "ticks", "rows": self.rows})
            self.rows = []

    def save(self) -> str | None:
        """The session as trained so far, saved in the folder; None when unchanged."""
        session = self.job.result()
        stopped = any(r.training.history.stopped_reason for r in session.runs)
        if self._done() == self.saved_at and not stopped:
            return None
        self.results += 1
        name = f"result-{self.results}.rnnviz"
        save_session(session, os.path.join(self.folder, name))
        self.saved_at = self._done()
        return name


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3:
        print("usage: python -m rnnviz.session.training_worker START.rnnviz FOLDER UPDATES", file=sys.stderr)
        return 2
    source, folder, updates = argv
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print never corrupts the messages
    commands: queue.Queue = queue.Queue()
    threading.Thread(target=_read_commands, args=(sys.stdin.buffer, commands), daemon=True).start()
    try:
        try:
            session = load_session(source)
            job = RunsJob(session, session.training.settings)  # every run with the active run's settings
        except (SessionFileError, ValueError, MemoryError) as e:
            write_message(out, {"type": "error", "message": str(e)})
            return 0
        try:
            _Worker(job, out, folder, commands, int(updates)).run()
        except (ValueError, MemoryError, OSError) as e:
            write_message(out, {"type": "error", "message": str(e)})
    except BrokenPipeError:
        return 0  # the window went away
    return 0


if __name__ == "__main__":
    sys.exit(main())
