"""Training in a child process, so the window never shares its interpreter with it.

A tanh RNN of 50 weights makes an update in about 0.3 ms of small NumPy calls.  Run
in a thread of the window, that loop holds Python's GIL nearly all the time, and each
of the many Qt calls a repaint makes waits up to the interpreter's switch interval
(5 ms) to get it back: the window painted at under 1 frame a second.  In a process of
its own, training has an interpreter to itself, and the window keeps its own.

    job = TrainingProcess(session, settings, updates=-1)  # checks at once (ValueError)
    for event in job.events():   # in a worker: TrainingTick, Snapshot, Paused (a generator)
        ...
    job.pause(); job.resume(updates); job.stop()           # from any thread
    job.result()                 # the session as trained so far (as last received)

The child (:mod:`rnnviz.session.training_worker`) runs the same
:class:`~rnnviz.session.training.TrainingJob` as ``rnnviz train`` and the window's
synchronous path.  Sessions travel through the app's own file format in a private
temporary folder — exact, as resuming from a saved file is bit for bit.  Progress
comes back as framed messages on the child's stdout (a JSON header, then raw bytes:
ticks as JSON numbers, weight snapshots as the flat parameter vector); commands go
to its stdin as JSON lines.  Nothing is pickled, and no size in a message is trusted.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import IO, Any

import numpy as np

from rnnviz.engine import Network

from .compare import RunsJob, with_runs
from .files import SessionFileError, load_session, save_session
from .model import Session
from .training import TrainingSettings, TrainingTick

_FRAME = struct.Struct("<IQ")  # header bytes, payload bytes
MAX_HEADER = 16 * 2**20  # a batch of ticks as JSON: far below this
CLOSE_WAIT_S = 10.0  # for a child asked to end before it is killed


class TrainingProcessError(ValueError):
    """The training process failed or ended unexpectedly (the message says how)."""


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The weights after update ``update``, sent about 5 times a second: the active
    run's ``network``, and every run's in ``networks`` (compare mode)."""

    update: int
    network: Network
    networks: tuple[Network, ...] = ()


@dataclass(frozen=True, eq=False)
class Paused:
    """The child holds between updates (a pause or the end of a Step): :meth:`TrainingProcess.result`
    is what it trained so far."""

    network: Network


# -- framing (both sides) -------------------------------------------------------------------------


def write_message(
    f: IO[bytes], header: dict[str, Any], payload: bytes | memoryview | np.ndarray = b""
) -> None:
    head = json.dumps(header).encode()
    payload = memoryview(payload).cast("B")  # its size in bytes, whatever its item type
    f.write(_FRAME.pack(len(head), payload.nbytes))
    f.write(head)
    if payload:
        f.write(payload)
    f.flush()


def read_message(f: IO[bytes], max_payload: int) -> tuple[dict[str, Any], bytes] | None:
    """The next message, or None at a clean end of the stream.  A frame whose sizes are
    beyond the limits, or a cut one, raises :class:`TrainingProcessError`."""
    raw = _read_exact(f, _FRAME.size, allow_eof=True)
    if raw is None:
        return None
    n_head, n_payload = _FRAME.unpack(raw)
    if n_head > MAX_HEADER or n_payload > max_payload:
        raise TrainingProcessError(
            f"the training process sent a message of {n_head:,} + {n_payload:,} bytes "
            f"(at most {MAX_HEADER:,} + {max_payload:,})"
        )
    try:
        header = json.loads(_read_exact(f, n_head))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TrainingProcessError(f"the training process sent an unreadable message ({e})") from None
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise TrainingProcessError("the training process sent a message without a type")
    return header, _read_exact(f, n_payload)


def _read_exact(f: IO[bytes], n: int, allow_eof: bool = False) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = f.read(n - got)
        if not chunk:
            if allow_eof and got == 0:
                return None
            raise TrainingProcessError("the training process ended in the middle of a message")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def tick_row(tick: TrainingTick) -> list:
    return [tick.update, tick.epoch, tick.total_updates, tick.total_epochs, tick.loss, tick.grad_norm,
            tick.stopped_reason, tick.run, tick.round_end]  # fmt: skip


def flat_params(network: Network) -> np.ndarray:
    """Every parameter in ``NetworkSpec.param_shapes()`` order, in the network's dtype ([P])."""
    return np.concatenate([np.ravel(network.param(k)) for k in network.spec.param_shapes()])


def network_from_flat(like: Network, payload: bytes) -> Network:
    spec, dtype = like.spec, np.dtype(like.dtype)
    P = spec.num_parameters()
    if len(payload) != P * dtype.itemsize:
        raise TrainingProcessError(
            f"the training process sent {len(payload):,} bytes of weights; {P:,} {dtype} numbers expected"
        )
    row = np.frombuffer(payload, dtype=dtype)
    params, start = {}, 0
    for key, shape in spec.param_shapes().items():
        n = math.prod(shape)
        params[key] = row[start : start + n].reshape(shape)
        start += n
    return Network(spec, params, dtype=dtype)


# -- the window's side ---------------------------------------------------------------------------


class TrainingProcess:
    """A :class:`~rnnviz.session.compare.RunsJob` (every run, or the one) run in a child process (see the module doc).

    Constructing one checks the session and settings exactly as ``RunsJob`` does
    (a ValueError, one line, at once).  The child starts when :meth:`events` is first
    pulled.  ``updates`` > 0: the child pauses itself after that many (Step).
    """

    def __init__(self, session: Session, settings: TrainingSettings | None = None, updates: int = -1):
        check = RunsJob(session, settings)  # the same checks, here and now (every run)
        self.session = session
        self.settings = check.settings
        self.loss = check.loss
        self._updates = check.updates
        self._base = replace(session, training=replace(session.training, settings=check.settings))
        self._budget = int(updates)
        self._result = session
        self._network = session.network
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._queued: list[dict] = []
        self._stopping = False
        self._ended = False

    @property
    def updates(self) -> int:
        """Updates done so far over the session's whole training (as last reported)."""
        return self._updates

    @property
    def stop_requested(self) -> bool:
        return self._stopping

    def result(self) -> Session:
        """The session as trained up to the last pause or the end (the base session before)."""
        return self._result

    # -- commands (any thread) ----------------------------------------------------------------
    def pause(self) -> None:
        self._send({"cmd": "pause"})

    def resume(self, updates: int = -1) -> None:
        self._send({"cmd": "resume", "updates": int(updates)})

    def stop(self) -> None:
        """End after the update in progress; the child sends what it trained, then ends."""
        self._stopping = True
        self._send({"cmd": "stop"})

    def _send(self, command: dict) -> None:
        with self._lock:
            if self._ended:
                return
            if self._proc is None:
                self._queued.append(command)
                return
            _write_command(self._proc, command)

    # -- the events (a worker thread) ---------------------------------------------------------
    def events(self) -> Iterator[TrainingTick | Snapshot | Paused]:
        """Start the child and stream what it reports until it ends.  Closing this
        generator early (the job stopped or dropped) asks the child to end, and kills
        it if it does not within a few seconds."""
        folder = tempfile.mkdtemp(prefix="rnnviz-train-")
        try:
            source = os.path.join(folder, "start.rnnviz")
            save_session(self._base, source)
            with open(os.path.join(folder, "stderr.txt"), "wb") as err:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "rnnviz.session.training_worker", source, folder, str(self._budget)],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=folder, env=_child_env(),
                )  # fmt: skip
            with self._lock:
                self._proc = proc
                for command in self._queued:
                    _write_command(proc, command)
                self._queued.clear()
            yield from self._read(proc, folder)
        finally:
            with self._lock:
                self._ended = True
                proc, self._proc = self._proc, None
            if proc is not None:
                _close(proc)
            shutil.rmtree(folder, ignore_errors=True)

    def _read(self, proc: subprocess.Popen, folder: str) -> Iterator[TrainingTick | Snapshot | Paused]:
        likes = [run.network for run in self.session.runs]
        sizes = [n.spec.num_parameters() * np.dtype(n.dtype).itemsize for n in likes]
        max_payload = sum(sizes)
        while True:
            message = read_message(proc.stdout, max_payload)
            if message is None:
                raise TrainingProcessError(_ended_message(proc, folder))
            header, payload = message
            kind = header["type"]
            if kind == "ticks":
                for row in header.get("rows", ()):
                    tick = _tick(row, self._network)
                    if tick.run == 0 and not tick.stopped:
                        self._updates = tick.update
                    yield tick
            elif kind == "snapshot":
                if len(payload) != max_payload:
                    raise TrainingProcessError("the training process sent weights of the wrong size")
                bounds = np.cumsum([0, *sizes])
                networks = tuple(network_from_flat(like, payload[a:b])
                                 for like, a, b in zip(likes, bounds[:-1], bounds[1:], strict=True))  # fmt: skip
                self._network = networks[0]
                yield Snapshot(int(header.get("update", 0)), self._network, networks)
            elif kind == "paused":
                self._take_result(header.get("result"), folder)
                if not self._stopping:  # a stop asked meanwhile: the child ends next
                    yield Paused(self._network)
            elif kind == "done":
                self._take_result(header.get("result"), folder)
                return
            elif kind == "error":
                raise TrainingProcessError(str(header.get("message", "training failed")))

    def _take_result(self, name: Any, folder: str) -> None:
        if name is None:
            return  # nothing trained since the last result
        if not isinstance(name, str) or os.path.basename(name) != name:
            raise TrainingProcessError("the training process named a result outside its folder")
        path = os.path.join(folder, name)
        try:
            trained = load_session(path)
        except SessionFileError as e:
            raise TrainingProcessError(f"the trained weights could not be read back: {e}") from None
        finally:
            _remove(path)
        if len(trained.runs) != len(self.session.runs):
            raise TrainingProcessError("the training process sent back another number of runs")
        if self.session.other_runs:
            self._result = with_runs(self.session, trained.runs)
        else:
            self._result = replace(self.session, network=trained.network, training=trained.training)
        self._network = trained.network
        self._updates = trained.training.updates


def _tick(row: Any, network: Network) -> TrainingTick:
    try:
        update, epoch, total_updates, total_epochs, loss, grad_norm, reason, run, round_end = row
        return TrainingTick(int(update), int(epoch), int(total_updates), int(total_epochs), float(loss),
                            float(grad_norm), network, None if reason is None else str(reason), int(run),
                            bool(round_end))  # fmt: skip
    except (TypeError, ValueError) as e:
        raise TrainingProcessError(f"the training process sent a bad progress row ({e})") from None


def _write_command(proc: subprocess.Popen, command: dict) -> None:
    try:
        proc.stdin.write(json.dumps(command).encode() + b"\n")
        proc.stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child is gone: reading its output says how


def _close(proc: subprocess.Popen) -> None:
    """Ask the child to end (stdin closed), then kill it if it lingers."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(CLOSE_WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def _ended_message(proc: subprocess.Popen, folder: str) -> str:
    try:
        code = proc.wait(CLOSE_WAIT_S)
    except subprocess.TimeoutExpired:
        code = None
    last = ""
    try:
        with open(os.path.join(folder, "stderr.txt"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 2000))
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
            last = lines[-1] if lines else ""
    except OSError:
        pass
    how = f"exit code {code}" if code is not None else "no exit code"
    return f"the training process ended unexpectedly ({how}{': ' + last if last else ''})"


def _child_env() -> dict[str, str]:
    """This environment, with this rnnviz first on the path: the child runs the same code
    (a checkout, not whichever copy is installed), and one BLAS thread unless told otherwise."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")  # small matrices: several BLAS threads made it 7× slower
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
    return env


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


__all__ = ["Paused", "Snapshot", "TrainingProcess", "TrainingProcessError"]
