"""The iterator that :func:`rnnviz.engine.train.train` returns: one update per ``next()``.

It keeps the run's position (epoch, order, sequence, time step, carried h/c)
in plain fields, so that :meth:`TrainRun.state` can hand out a
:class:`TrainState` between updates.  The maths is in ``train``'s docstring.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .losses import compute_loss, step_mask
from .network import Network
from .optim import NOT_PARAMETERS, Optimizer, clip_grad_norm, global_norm
from .trace import Gradients, Trace
from .train_state import TrainState

ADVICE = (
    "training stopped and kept the weights from before this step; "
    "try a smaller learning rate or gradient clipping"
)


@dataclass(frozen=True, eq=False)
class TrainProgress:
    """The state of training after one optimiser step (or at the step that stopped it)."""

    epoch: int  # 1-based, counted over every call of a resumed run
    step: int  # optimiser steps so far, 1-based, counted across epochs (and resumed calls)
    loss: float  # the loss of this step's sequence (or chunk), before the update
    grad_norm: float  # ‖∂L/∂θ‖ before clipping
    network: Network  # after the update; the last good network when stopped
    stopped_reason: str | None = None
    total_steps: int = 0  # ``step`` at the last update this call will make
    sequence: int = 0  # which (x, target) pair this step used (0-based)
    chunk: int = 0  # truncated BPTT: which chunk of the sequence (start // window); 0 for full BPTT
    window: tuple[int, int] = (0, 0)  # [start, stop) time steps this update trained on; (0, T) for full

    @property
    def stopped(self) -> bool:
        return self.stopped_reason is not None


def prediction(trace: Trace, loss: str) -> np.ndarray:
    """What ``loss`` compares with the target (see ``train``'s docstring)."""
    if not trace.network.has_head:
        return trace.output  # [T, D·H]
    return trace.y if loss == "mse" else trace.y_logits  # [T, out]


def backward(network: Network, trace: Trace, loss: str, grad: np.ndarray) -> Gradients:
    """BPTT from ∂L/∂prediction (``grad`` [T, out], as the losses return it)."""
    if not network.has_head:
        return network.backward(trace, d_output=grad)
    if loss == "mse":
        return network.backward(trace, d_y=grad)
    return network.backward(trace, d_logits=grad)


def _bad(value: float) -> str:
    return "NaN" if math.isnan(value) else "infinite"


def _finite(*arrays: np.ndarray | None) -> bool:
    return all(a is None or bool(np.all(np.isfinite(a))) for a in arrays)


class TrainRun(Iterator[TrainProgress]):
    """Progress after every update (``for p in run``); :meth:`state` between updates."""

    def __init__(self, network, pairs, loss, shape, optimizer: Optimizer, epochs, clip, window, start):
        self._pairs, self._loss, self._shape = pairs, loss, shape
        self._opt, self._clip, self._window = optimizer, clip, window
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = start.rng_state
        self._net: Network = network
        self._updates, self._epochs_done = start.updates, start.epochs_done
        self._order, self._position, self._time_step = start.order, start.position, start.time_step
        self._h, self._c = start.h, start.c
        self._end_epoch = start.epochs_done + epochs
        self.total_steps: int = start.updates + self._remaining_updates()
        self._snap = self._snapshot()
        self._gen = self._steps()

    def __iter__(self) -> TrainRun:
        return self

    def __next__(self) -> TrainProgress:
        return next(self._gen)

    @property
    def network(self) -> Network:
        """The network after the last update yielded (the starting one before any)."""
        return self._snap[-1]

    def state(self) -> TrainState:
        """Where the run stands after the last progress yielded (or at its start).

        Safe between updates and from another thread while ``next()`` runs: it
        reads a snapshot taken at the last yield.  Arrays are copies.
        """
        updates, epochs_done, order, position, time_step, rng, opt, h, c, _ = self._snap
        return TrainState(
            updates=updates,
            epochs_done=epochs_done,
            rng_state=copy.deepcopy(rng),
            order=order.copy(),
            position=position,
            time_step=time_step,
            optimizer=type(self._opt)._state_dict_of(opt),
            h=None if h is None else h.copy(),
            c=None if c is None else c.copy(),
        )

    # -- bookkeeping ------------------------------------------------------------
    def _snapshot(self) -> tuple:
        # every array here is replaced, never written into, so references suffice
        return (
            self._updates,
            self._epochs_done,
            self._order,
            self._position,
            self._time_step,
            self._rng.bit_generator.state,
            self._opt._checkpoint(),
            self._h,
            self._c,
            self._net,
        )

    def _updates_in(self, steps: int, start: int) -> int:
        """Updates that the steps [start, steps) of one sequence make."""
        if self._shape == "many_to_one":
            return 1  # only the chunk holding the last step counts
        window = self._window or steps
        return -(-(steps - start) // window)

    def _remaining_updates(self) -> int:
        lengths = [x.shape[0] for x, _ in self._pairs]
        per_epoch = sum(self._updates_in(T, 0) for T in lengths)
        epochs = self._end_epoch - self._epochs_done
        if len(self._order) == 0:
            return epochs * per_epoch
        k = int(self._order[self._position])
        rest = self._updates_in(lengths[k], self._time_step)
        rest += sum(self._updates_in(lengths[int(j)], 0) for j in self._order[self._position + 1 :])
        return rest + (epochs - 1) * per_epoch

    def _advance(self, trace: Trace, stop: int, steps: int) -> None:
        """Move past a chunk: carry its final state, or end the sequence (and the epoch)."""
        if stop < steps:
            self._h, self._c, self._time_step = trace.h_n, trace.c_n, stop
            return
        self._h = self._c = None
        self._time_step = 0
        self._position += 1
        if self._position == len(self._order):
            self._order, self._position = np.zeros(0, dtype=np.int64), 0
            self._epochs_done += 1

    # -- the work ---------------------------------------------------------------
    def _steps(self) -> Iterator[TrainProgress]:
        while True:
            if len(self._order) == 0:
                if self._epochs_done >= self._end_epoch:
                    return
                self._order, self._position = self._rng.permutation(len(self._pairs)), 0
            progress = self._chunk(int(self._order[self._position]))
            if progress is None:
                continue  # a chunk with no counted step: state carried, nothing to report
            self._snap = self._snapshot()
            yield progress
            if progress.stopped:
                return

    def _where(self, k: int, start: int, stop: int, steps: int) -> str:
        where = f"at epoch {self._epochs_done + 1}, step {self._updates + 1}"
        details = [f"sequence {k + 1}"] if len(self._pairs) > 1 else []
        if (start, stop) != (0, steps):
            details.append(f"time steps {start + 1}–{stop}")
        return where + (f" ({', '.join(details)})" if details else "")

    def _chunk_loss(self, trace: Trace, target, start: int, stop: int, steps: int):
        """(L, ∂L/∂prediction [stop − start, out]) of one chunk; None if no step of it counts."""
        if self._shape == "many_to_one" and stop < steps:
            return None  # only the last step counts
        pred = prediction(trace, self._loss)  # [k, out]
        if (start, stop) == (0, steps):
            result = compute_loss(self._loss, pred, target, step_mask(steps, self._shape))
            return result.loss, result.grad
        if self._shape == "many_to_many":  # a target of T > 1 rows: slice it as the inputs
            result = compute_loss(self._loss, pred, target[start:stop], "many_to_many")
            return result.loss, result.grad
        mask = step_mask(steps, self._shape)  # [T]: the last step only, once per sequence
        full = np.zeros((steps, pred.shape[1]), dtype=pred.dtype)  # [T, out]
        full[start:stop] = pred
        result = compute_loss(self._loss, full, target, mask)
        return result.loss, result.grad[start:stop]

    def _chunk(self, k: int) -> TrainProgress | None:
        x, target = self._pairs[k]
        steps, start = x.shape[0], self._time_step
        stop = steps if self._window is None else min(steps, start + self._window)
        net = self._net
        epoch, step = self._epochs_done + 1, self._updates + 1
        chunk = start // self._window if self._window else 0

        def report(loss, norm, network, reason=None):
            return TrainProgress(
                epoch, step, loss, norm, network, reason, self.total_steps, k, chunk, (start, stop)
            )

        with np.errstate(all="ignore"):
            trace = net.forward(x[start:stop], self._h, self._c)
            lg = self._chunk_loss(trace, target, start, stop, steps)
        carry_bad = stop < steps and not _finite(trace.h_n, trace.c_n)  # (ReLU) it cannot be carried on
        if carry_bad and (lg is None or math.isfinite(lg[0])):  # a bad loss has its own message
            reason = f"the hidden state became infinite or NaN {self._where(k, start, stop, steps)}"
            return report(math.nan if lg is None else lg[0], math.nan, net, f"{reason}: {ADVICE}.")
        if lg is None:
            self._advance(trace, stop, steps)
            return None
        value, grad = lg
        reason, new, norm = self._update(net, trace, value, grad, self._where(k, start, stop, steps))
        if new is None:
            return report(value, norm, net, reason)
        self._net = net.adopt_params(new)  # the optimiser's fresh arrays, not copied again
        self._updates += 1
        self._advance(trace, stop, steps)
        return report(value, norm, self._net)

    def _update(self, net: Network, trace: Trace, value: float, grad: np.ndarray, where: str):
        """(None, new params, ‖g‖) after a good update; (reason, None, ‖g‖) with nothing changed."""
        with np.errstate(all="ignore"):
            grads = backward(net, trace, self._loss, grad)
            norm = global_norm(grads)
        if not math.isfinite(value):
            return f"loss became {_bad(value)} {where}: {ADVICE}.", None, norm
        if not math.isfinite(norm):
            return f"the gradient norm became {_bad(norm)} {where}: {ADVICE}.", None, norm
        params = {key: g for key, g in grads.items() if key not in NOT_PARAMETERS}
        if self._clip is not None:
            params, _ = clip_grad_norm(params, self._clip)
        checkpoint = self._opt._checkpoint()
        with np.errstate(all="ignore"):
            new = self._opt.step(net.params(), params)  # read-only: step never writes into them
        bad = next((key for key, a in new.items() if not np.all(np.isfinite(a))), None)
        if bad is not None:
            self._opt._rollback(checkpoint)
            return f"the update {where} made {bad} overflow to infinity or NaN: {ADVICE}.", None, norm
        return None, new, norm
