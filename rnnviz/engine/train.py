"""Training by backpropagation through time, as an iterator of progress reports.

One optimiser step per (x, target) pair, or per chunk of it (truncated BPTT)::

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

Each epoch visits the sequences in the order ``rng.permutation(n)`` drawn from
``rng = np.random.default_rng(seed)`` at the epoch's start.

**Truncated BPTT** (``bptt_window=k``; None is full BPTT).  A sequence of T
steps is cut into chunks [0, k), [k, 2k), …; each chunk is one update, as
torch's ``out, h = rnn(x[s:s+k], h); loss.backward(); opt.step(); h = h.detach()``::

    h_s  = the state at the end of the previous chunk, computed with the weights
           of that moment (zeros at the start of every sequence, every epoch)
    L    = mean of ℓ_t over the chunk's counted steps      (torch's mean reduction)
    ∂L/∂θ flows back to step s and stops: no gradient through h_s

A chunk with no counted step (many-to-one: every chunk but the last) makes no
update and yields nothing, but its forward pass still carries the state into
the next chunk.  An epoch is one pass over every chunk of every sequence; the
shuffle is over sequences (the chunks of a sequence stay in order).  For a
bidirectional network the reverse direction also starts each chunk from the
carried ``h_n`` (its state after reading the previous chunk backwards), exactly
as torch does when ``h_n`` is fed back.

**Resume.**  :func:`train` returns a :class:`TrainRun`; ``run.state()`` is a
:class:`~rnnviz.engine.train_state.TrainState` (counts, position in the epoch's
order, the order generator's state, the optimiser's state, the carried h/c),
valid after any yielded progress.  ``train(network_then, data, …, resume=state,
epochs=E)`` continues bit for bit: ``epochs`` counts the epochs this call
finishes (an epoch in progress counts as the first of them), so 20 epochs then
15 more equals 35 at once.

:func:`train` never sleeps and never touches threads; the GUI runs it in a
worker and may stop pulling at any time.  A non-finite loss, gradient or
weight ends training with a final :class:`TrainProgress` whose
``stopped_reason`` says what happened, carrying the last good network; the
optimiser and ``run.state()`` are left as they were before the failed step.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .losses import LOSSES, SHAPES, LossResult, compute_loss, step_mask
from .network import MAX_STEPS, Network
from .optim import Adam, Optimizer, optimizer_from_state_dict
from .trace import Gradients, Trace
from .train_run import TrainProgress, TrainRun, backward, prediction
from .train_state import TrainState

MAX_EPOCHS = 1_000_000

__all__ = [
    "MAX_EPOCHS",
    "TrainProgress",
    "TrainRun",
    "TrainState",
    "loss_and_grads",
    "sequence_loss",
    "train",
]


def _head_check(network: Network, loss: str) -> None:
    act = network.head_activation if network.has_head else None
    if loss == "cross_entropy" and act == "sigmoid":
        raise ValueError("cross-entropy needs a softmax (or linear) head; this head is sigmoid: use BCE")
    if loss == "bce" and act == "softmax":
        raise ValueError("BCE needs a sigmoid (or linear) head; this head is softmax: use cross-entropy")


def sequence_loss(
    network: Network, trace: Trace, target, loss: str = "mse", shape: str = "many_to_many"
) -> LossResult:
    """The loss of a computed trace against ``target`` (for the loss-per-step plot)."""
    _check_names(loss, shape)
    _head_check(network, loss)
    pred = prediction(trace, loss)
    return compute_loss(loss, pred, target, step_mask(pred.shape[0], shape))


def loss_and_grads(
    network: Network, x, target, loss: str = "mse", shape: str = "many_to_many"
) -> tuple[Trace, LossResult, Gradients]:
    """Forward, loss and BPTT for one sequence."""
    trace = network.forward(x)
    result = sequence_loss(network, trace, target, loss, shape)
    return trace, result, backward(network, trace, loss, result.grad)


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
        checked.append((x, np.asarray(target)))  # (sliced chunk by chunk under truncated BPTT)
    return checked


def _whole(value, lo: int, hi: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and lo <= value <= hi


def _check_settings(epochs, clip, seed, bptt_window) -> None:
    if not _whole(epochs, 1, MAX_EPOCHS):
        raise ValueError(f"epochs must be an integer in [1, {MAX_EPOCHS:,}]; got {epochs!r}")
    if clip is not None and (
        isinstance(clip, bool) or not isinstance(clip, numbers.Real) or not (math.isfinite(clip) and clip > 0)
    ):
        raise ValueError(f"clip must be a positive number or None; got {clip!r}")
    if not _whole(seed, 0, 2**63):
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if bptt_window is not None and not _whole(bptt_window, 1, MAX_STEPS):
        raise ValueError(f"bptt_window must be a whole number of steps ≥ 1, or None; got {bptt_window!r}")


def _check_resume(resume, network: Network, pairs) -> TrainState:
    """``resume`` checked field by field, and against the data it continues on."""
    if not isinstance(resume, TrainState):
        raise ValueError(f"resume must be a TrainState or None; got {type(resume).__name__}")
    state = resume.validated(network)
    if state.in_epoch:
        if len(state.order) != len(pairs):
            raise ValueError(
                f"resume: the epoch in progress visits {len(state.order)} sequences; the data has {len(pairs)}"
            )
        k = int(state.order[state.position])
        steps = pairs[k][0].shape[0]
        if state.time_step >= steps:
            raise ValueError(f"resume: time_step {state.time_step} is past sequence {k + 1}'s {steps} steps")
    return state


def _resume_optimizer(optimizer: Optimizer | None, state: TrainState, network: Network) -> Optimizer:
    """The optimiser carrying ``state``'s buffers; a given optimiser keeps its hyperparameters."""
    if state.optimizer is None:
        if optimizer is None:
            return Adam(lr=0.01)
        optimizer.reset()
        return optimizer
    params = network.state_dict()
    if optimizer is None:
        return optimizer_from_state_dict(state.optimizer, params)
    if optimizer.name != state.optimizer["name"]:
        raise ValueError(
            f"resume: the saved optimizer state is for {state.optimizer['name']}; this optimizer is "
            f"{optimizer.name} (resume with optimizer=None, or drop the saved state)"
        )
    optimizer.load_state_dict({**state.optimizer, "hyperparameters": optimizer.hyperparameters()}, params)
    return optimizer


def train(
    network: Network,
    data,
    loss: str = "mse",
    shape: str = "many_to_many",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    clip: float | None = None,
    seed: int = 0,
    bptt_window: int | None = None,
    resume: TrainState | None = None,
) -> TrainRun:
    """Train ``network`` on ``data``; the returned :class:`TrainRun` yields a
    :class:`TrainProgress` after every update.

    ``data`` is one ``(x, target)`` tuple or a list of them; each epoch visits
    them in an order shuffled by ``np.random.default_rng(seed)``.  The optimiser
    (default ``Adam(lr=0.01)``) keeps its state between calls: pass a fresh one
    (``opt.fresh()``) for a run that repeats bit for bit.  ``bptt_window=k``
    trains by truncated BPTT on chunks of k steps (see the module docstring).

    ``resume`` (a ``run.state()`` of an earlier run, with ``network`` its last
    progress's network) continues that run: its order generator replaces
    ``seed``, its optimiser state is loaded into ``optimizer`` (whose
    hyperparameters win; the names must agree) or, with ``optimizer=None``,
    rebuilds it.  Arguments are checked here, before the first step.
    """
    _check_names(loss, shape)
    _head_check(network, loss)
    _check_settings(epochs, clip, seed, bptt_window)
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise ValueError(f"optimizer must be an SGD or Adam optimizer; got {type(optimizer).__name__}")
    pairs = _validate(network, _pairs(data), loss, shape)
    if resume is None:
        rng_state = np.random.default_rng(int(seed)).bit_generator.state
        resume = TrainState(updates=0, epochs_done=0, rng_state=rng_state)
        optimizer = Adam(lr=0.01) if optimizer is None else optimizer
    else:
        resume = _check_resume(resume, network, pairs)
        optimizer = _resume_optimizer(optimizer, resume, network)
    return TrainRun(network, pairs, loss, shape, optimizer, int(epochs), clip, bptt_window, resume)
