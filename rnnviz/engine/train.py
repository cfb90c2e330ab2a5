"""Training by backpropagation through time, as a generator of progress reports.

One optimiser step per (x, target) pair::

    trace = network.forward(x)                       # every state, gate and output
    L, ∂L/∂prediction = loss(prediction, target, mask)
    grads = network.backward(trace, …)               # BPTT
    g ← clip(g, max_norm)                            # optional, by global norm
    θ ← optimizer.step(θ, g)                         # a new, immutable Network

What the loss compares (``prediction``):

    loss            with an output head                       without one
    "mse"           trace.y (after the head's activation)     trace.output
    "cross_entropy" trace.y_logits (softmax or linear head)   trace.output as logits
    "bce"           trace.y_logits (sigmoid or linear head)   trace.output as logits

:func:`train` never sleeps and never touches threads; the GUI runs it in a
worker and may stop pulling at any time.  A non-finite loss, gradient or
weight ends training with a final :class:`TrainProgress` whose
``stopped_reason`` says what happened, carrying the last good network.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .losses import LOSSES, SHAPES, LossResult, compute_loss, step_mask
from .network import Network
from .optim import NOT_PARAMETERS, Adam, Optimizer, clip_grad_norm, global_norm
from .trace import Gradients, Trace

MAX_EPOCHS = 1_000_000


@dataclass(frozen=True, eq=False)
class TrainProgress:
    """The state of training after one optimiser step (or at the step that stopped it)."""

    epoch: int  # 1-based
    step: int  # optimiser steps so far, 1-based, counted across epochs
    loss: float  # the loss of this step's sequence, before the update
    grad_norm: float  # ‖∂L/∂θ‖ before clipping
    network: Network  # after the update; the last good network when stopped
    stopped_reason: str | None = None
    total_steps: int = 0  # epochs × sequences: the step count of a full run
    sequence: int = 0  # which (x, target) pair this step used (0-based)

    @property
    def stopped(self) -> bool:
        return self.stopped_reason is not None


def _head_check(network: Network, loss: str) -> None:
    act = network.head_activation if network.has_head else None
    if loss == "cross_entropy" and act == "sigmoid":
        raise ValueError("cross-entropy needs a softmax (or linear) head; this head is sigmoid: use BCE")
    if loss == "bce" and act == "softmax":
        raise ValueError("BCE needs a sigmoid (or linear) head; this head is softmax: use cross-entropy")


def _prediction(trace: Trace, loss: str) -> np.ndarray:
    if not trace.network.has_head:
        return trace.output  # [T, D·H]
    return trace.y if loss == "mse" else trace.y_logits  # [T, out]


def sequence_loss(
    network: Network, trace: Trace, target, loss: str = "mse", shape: str = "many_to_many"
) -> LossResult:
    """The loss of a computed trace against ``target`` (for the loss-per-step plot)."""
    _check_names(loss, shape)
    _head_check(network, loss)
    pred = _prediction(trace, loss)
    return compute_loss(loss, pred, target, step_mask(pred.shape[0], shape))


def loss_and_grads(
    network: Network, x, target, loss: str = "mse", shape: str = "many_to_many"
) -> tuple[Trace, LossResult, Gradients]:
    """Forward, loss and BPTT for one sequence."""
    trace = network.forward(x)
    result = sequence_loss(network, trace, target, loss, shape)
    if not network.has_head:
        grads = network.backward(trace, d_output=result.grad)
    elif loss == "mse":
        grads = network.backward(trace, d_y=result.grad)
    else:
        grads = network.backward(trace, d_logits=result.grad)
    return trace, result, grads


def _check_names(loss: str, shape: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")


def _pairs(data) -> list[tuple[np.ndarray, object]]:
    """A tuple ``(x, target)`` (x not itself a tuple) is one pair; a list holds pairs."""
    if isinstance(data, tuple) and len(data) == 2 and not isinstance(data[0], tuple):
        data = [data]
    if not isinstance(data, Sequence) or len(data) == 0:
        raise ValueError("data must be an (x, target) pair or a non-empty list of them")
    pairs = []
    for k, pair in enumerate(data):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise ValueError(f"data item {k} must be an (x, target) pair")
        pairs.append((pair[0], pair[1]))
    return pairs


def _validate(network: Network, pairs, loss: str, shape: str) -> list[tuple[np.ndarray, object]]:
    """Check every pair before the first step, so bad data fails at once."""
    out_size = network.spec.output_size if network.has_head else network.num_directions * network.hidden_size
    checked = []
    for k, (x, target) in enumerate(pairs):
        try:
            x = network.check_input(x)
            if target is None:
                raise ValueError("there is no target to train on")
            dummy = np.zeros((x.shape[0], out_size), dtype=network.dtype)
            compute_loss(loss, dummy, target, step_mask(x.shape[0], shape))
        except ValueError as e:
            where = f"sequence {k + 1}: " if len(pairs) > 1 else ""
            raise ValueError(f"{where}{e}") from None
        checked.append((x, target))
    return checked


def train(
    network: Network,
    data,
    loss: str = "mse",
    shape: str = "many_to_many",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    clip: float | None = None,
    seed: int = 0,
) -> Iterator[TrainProgress]:
    """Train ``network`` on ``data``; yield a :class:`TrainProgress` after every step.

    ``data`` is one ``(x, target)`` tuple or a list of them; each epoch visits
    them in an order shuffled by ``np.random.default_rng(seed)``.  The optimiser
    (default ``Adam(lr=0.01)``) keeps its state between calls: pass a fresh one
    (``opt.fresh()``) for a run that repeats bit for bit.  After a stop on a
    non-finite value its state may hold that value too: reset it before training
    on.  Arguments are checked here, before the first step; the returned
    iterator does the work.
    """
    _check_names(loss, shape)
    _head_check(network, loss)
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or not 1 <= epochs <= MAX_EPOCHS:
        raise ValueError(f"epochs must be an integer in [1, {MAX_EPOCHS:,}]; got {epochs!r}")
    if clip is not None and (
        isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not (math.isfinite(clip) and clip > 0)
    ):
        raise ValueError(f"clip must be a positive number or None; got {clip!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if optimizer is None:
        optimizer = Adam(lr=0.01)
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an SGD or Adam optimizer; got {type(optimizer).__name__}")
    pairs = _validate(network, _pairs(data), loss, shape)
    return _run(network, pairs, loss, shape, optimizer, int(epochs), clip, int(seed))


def _bad(value: float) -> str:
    return "NaN" if math.isnan(value) else "infinite"


def _run(network, pairs, loss, shape, optimizer, epochs, clip, seed) -> Iterator[TrainProgress]:
    rng = np.random.default_rng(seed)
    total = epochs * len(pairs)
    net, step = network, 0
    advice = (
        "training stopped and kept the weights from before this step; "
        "try a smaller learning rate or gradient clipping"
    )
    for epoch in range(1, epochs + 1):
        for k in rng.permutation(len(pairs)):
            step += 1
            x, target = pairs[k]
            where = f"at epoch {epoch}, step {step}" + (f" (sequence {k + 1})" if len(pairs) > 1 else "")
            with np.errstate(all="ignore"):
                _, result, grads = loss_and_grads(net, x, target, loss, shape)
                norm = global_norm(grads)
            reason = None
            if not math.isfinite(result.loss):
                reason = f"loss became {_bad(result.loss)} {where}: {advice}."
            elif not math.isfinite(norm):
                reason = f"the gradient norm became {_bad(norm)} {where}: {advice}."
            else:
                params = {key: g for key, g in grads.items() if key not in NOT_PARAMETERS}
                if clip is not None:
                    params, _ = clip_grad_norm(params, clip)
                with np.errstate(all="ignore"):
                    new = optimizer.step(net.state_dict(), params)
                bad = next((key for key, a in new.items() if not np.all(np.isfinite(a))), None)
                if bad is not None:
                    reason = f"the update {where} made {bad} overflow to infinity or NaN: {advice}."
            if reason is not None:
                yield TrainProgress(epoch, step, result.loss, norm, net, reason, total, int(k))
                return
            net = Network(net.spec, new, dtype=net.dtype)
            yield TrainProgress(epoch, step, result.loss, norm, net, None, total, int(k))
