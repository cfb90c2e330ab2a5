"""What the app computes from a session, and the policies around it.  Qt-free.

    computed = compute(session)      # trace, loss (when there are targets), gradients

:func:`compute` is a pure function of the session: the window runs it on the GUI
thread or in a worker (see :func:`run_in_worker`), the headless commands call it
directly, so a script checks the numbers a user sees.

The policies here (which loss fits which head, how a head adapts to new targets,
how the network follows a new sequence, cost and memory limits) used to live in
the GUI controller; they are plain functions with plain tests.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.engine import Network, NetworkSpec, Trace
from rnnviz.engine.losses import LOSS_TITLES, LossResult
from rnnviz.engine.trace import Gradients
from rnnviz.engine.train import sequence_loss

from .head_fit import head_fit_warning, head_message, head_suits_targets, predicts_tokens
from .loss_check import loss_warning
from .model import Sequence, Session
from .restructure import initialised, restructured  # noqa: F401 - initialised re-exported
from .training import LOSS_BY_HEAD, engine_shape, loss_for  # noqa: F401 - the one definition, re-exported

if TYPE_CHECKING:
    from .generation import GeneratedRun

#: Work (multiply-adds, plus a per-step overhead, backward included) below which the
#: trace is computed on the GUI thread.  The engine does 4–6.5 G of these a second on
#: one loaded core, so the limit is about 20–30 ms; a 2-layer bidirectional LSTM with
#: T = 200, H = 64 (127 M: 20 ms) is below it, an LSTM with T = 1000, H = 128 (259 M)
#: above.  Through the worker that 2-layer edit took 50–80 ms to reach the screen
#: instead of 35–45 ms: the hand-over and the GIL shared with the GUI thread cost more
#: than the computation (benchmarks/bench_gui.py).
SYNC_COST_LIMIT = 130_000_000
STEP_OVERHEAD = 20_000
#: Backpropagation through time costs about twice the forward pass (gradients are
#: computed with the trace whenever the sequence has targets the head can fit).
BACKWARD_FACTOR = 2
#: The trace (every state and gate at every step) may take this much memory at most.
MAX_TRACE_BYTES = 2 * 2**30
#: Drawing more weights than this (≈ 100 ms) happens in the worker too.
BUILD_PARAM_LIMIT = 500_000


@dataclass(frozen=True, eq=False)
class Computed:
    """One session's trace and, when it has targets that fit, its loss and gradients."""

    session: Session
    trace: Trace
    loss: LossResult | None = None
    grads: Gradients | None = None  # ∂L/∂ every weight and, per step, ∂L/∂h_t, ∂L/∂c_t, ∂L/∂gates
    warning: str | None = None  # e.g. the forward pass overflowed: said once it is committed
    # compare mode: the session's other runs computed alike, in their order (each with
    # that run active in its ``session``); empty for a session of one run
    others: tuple[Computed, ...] = ()
    # a generated run (the Generate tab): which outputs were fed back, the tokens drawn
    # and how (τ, top-k, the draws); None for any other sequence
    generated: GeneratedRun | None = None

    @property
    def runs(self) -> tuple[Computed, ...]:
        """Every run's computation, the active run's first."""
        return (self,) + self.others


def loss_title(name: str) -> str:
    return LOSS_TITLES.get(name, name)


def loss_shape(sequence: Sequence) -> str:
    """Where the loss applies, in the engine's terms (one-to-many counts every step)."""
    return engine_shape(sequence.shape)


def estimated_cost(session: Session) -> int:
    """Rough multiply-adds of a forward pass (and BPTT, when there are targets), plus a
    per-step Python overhead, over every run."""
    T = session.sequence.steps
    total = 0
    for run in session.runs:
        spec = run.network.spec
        G, H, D = len(spec.gate_names), spec.hidden_size, spec.num_directions
        per_step = 0
        for layer in range(spec.num_layers):
            n_in = spec.input_size if layer == 0 else D * H
            per_step += D * (G * H * (n_in + H) + STEP_OVERHEAD)
        total += T * per_step + T * spec.output_size * D * H
    return total * (1 + BACKWARD_FACTOR) if session.sequence.targets is not None else total


def trace_bytes(session: Session) -> int:
    """About how much memory the traces of ``session``'s runs take (float64), with their
    per-step gradients when there are targets (about as much again)."""
    total = 0
    for run in session.runs:
        spec = run.network.spec
        G, H = len(spec.gate_names), spec.hidden_size
        per_step = spec.num_layers * spec.num_directions * (2 * G * H + 3 * H) + spec.num_directions * H
        per_step += 2 * spec.output_size + session.sequence.num_features
        if session.sequence.targets is not None:
            per_step += spec.num_layers * spec.num_directions * (G * H + 2 * H) + spec.output_size
        total += 8 * session.sequence.steps * per_step
    return total


def check_memory(session: Session) -> None:
    need = trace_bytes(session)
    if need > MAX_TRACE_BYTES:
        raise ValueError(
            f"this sequence ({session.sequence.steps:,} steps) and network need about {need / 2**30:.1f} GB "
            f"for their trace; the limit is {MAX_TRACE_BYTES / 2**30:.0f} GB — shorten the sequence or "
            "make the network smaller"
        )


def _target_fit(session: Session, trace: Trace) -> None:
    """A ValueError in words when the targets' width does not match what the loss compares."""
    targets, net = session.sequence.targets, session.network
    if net.has_head:
        width = trace.y.shape[1]
    else:
        width = trace.output.shape[1]
    if width != targets.shape[1]:
        raise ValueError(
            f"{targets.shape[1]} target column(s) for {width} "
            + ("outputs" if net.has_head else "hidden units (no output head)")
        )


def loss_and_gradients(session: Session, trace: Trace) -> tuple[LossResult | None, Gradients | None]:
    """The per-step loss and BPTT's gradients when the sequence has targets that fit the
    prediction; (None, None) without targets.  Raises ValueError when they do not fit."""
    targets = session.sequence.targets
    if targets is None:
        return None, None
    net = session.network
    _target_fit(session, trace)
    name = loss_for(net)
    result = sequence_loss(net, trace, targets, name, loss_shape(session.sequence))
    if not net.has_head:
        grads = net.backward(trace, d_output=result.grad)
    elif name == "mse":
        grads = net.backward(trace, d_y=result.grad)
    else:
        grads = net.backward(trace, d_logits=result.grad)
    return result, grads


def compute(session: Session) -> Computed:
    """The pure work: forward pass, loss and gradients of every run.  Runs on any thread;
    raises ValueError."""
    check_memory(session)
    active = _compute_run(session)
    if not session.other_runs:
        return active
    from .compare import run_session

    others = tuple(_other_run(run_session(session, k)) for k in range(1, len(session.runs)))
    return replace(active, others=others)


_RUNS_KEPT = (
    3  # compare mode: the other runs' computations (at most 3), kept while their network and sequence stay
)
_runs_cache: list[tuple[object, object, Computed]] = []
_runs_lock = threading.Lock()


def _other_run(session: Session) -> Computed:
    """A comparison's other run, computed once for its network and sequence: an edit of
    the active run (a weight, a step) does not recompute the others."""
    net, seq = session.network, session.sequence
    with _runs_lock:
        for n, q, done in _runs_cache:
            if n is net and q is seq:
                return replace(done, session=session)
    done = _compute_run(session)
    with _runs_lock:
        _runs_cache.insert(0, (net, seq, done))
        del _runs_cache[_RUNS_KEPT:]
    return done


def _compute_run(session: Session) -> Computed:
    """The active run's forward pass, loss and gradients."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # huge weights: said below
        trace = session.network.forward(session.inputs)
        no_loss = None
        try:
            loss, grads = loss_and_gradients(session, trace)
        except ValueError as exc:
            loss = grads = None  # targets that do not suit this head: no loss panel, but the trace stands
            no_loss = f"No loss is shown: the targets do not suit the {loss_title(loss_for(session.network)).lower()} loss: {exc}"
    misfit = head_fit_warning(session.network.spec, session.sequence)
    warnings = [
        w for w in (overflow_warning(trace), misfit, no_loss, loss_warning(session, trace, loss)) if w
    ]
    return Computed(session, trace, loss, grads, "; ".join(warnings) or None)


def overflow_warning(trace: Trace) -> str | None:
    """What went non-finite first (a state, then the output), naming step, layer and
    direction; None when every number of the trace is finite."""
    for layer, run in enumerate(trace.runs):
        D = run.hs.shape[1]
        for d in range(D):
            where = f"layer {layer + 1}" + (f" {('forward', 'backward')[d]}" if D > 1 else "")
            for name, states in (("h", run.hidden(d)), ("c", None if run.cs is None else run.cell(d))):
                if states is None or np.isfinite(states).all():
                    continue
                t = int(np.argmax(~np.isfinite(states).all(axis=1))) + 1
                return _overflowed(f"{name} at step t = {t} ({where})")
    for name, a in (("the output logits", trace.y_logits), ("the output y", trace.y)):
        if a is not None and not np.isfinite(a).all():
            t = int(np.argmax(~np.isfinite(a).all(axis=1))) + 1
            return _overflowed(f"{name} at step t = {t}")
    return None


def _overflowed(what: str) -> str:
    return (
        f"The numbers overflowed: {what} is infinite or not a number. Some weights are too large; "
        "views leave such values blank"
    )


# -- how the network follows an edit -------------------------------------------------
def adapted_head(session: Session, sequence: Sequence) -> str | None:
    """The head's activation for a new sequence (see :mod:`rnnviz.session.head_fit`).
    Next-token text gets a softmax.  Otherwise the head changes only with the kind of
    targets: when their width or kind changes (or there were none) and a softmax or
    sigmoid head cannot fit them, it becomes linear (e.g. a sine after the next-word
    example).  One bad target typed into the table changes nothing (the loss says why
    it is missing)."""
    spec = session.network.spec
    act, targets, before = spec.head_activation, sequence.targets, session.sequence.targets
    if targets is not None and predicts_tokens(sequence):
        return "softmax"
    if not spec.has_head or targets is None or act is None:
        return act
    same_kind = (
        before is not None
        and before.shape[1] == targets.shape[1]
        and session.sequence.is_text == sequence.is_text
    )
    if same_kind or head_suits_targets(act, targets):
        return act
    return None


def adapted_spec(session: Session, sequence: Sequence) -> NetworkSpec:
    """The network's shape for a new sequence: the input size follows the features, the
    head follows the targets (:func:`adapted_head`; next-token text gets a head)."""
    spec = session.network.spec
    targets = sequence.targets
    act = adapted_head(session, sequence)
    new_out = spec.output_size
    grows_head = spec.has_head or (act == "softmax" and predicts_tokens(sequence))
    if grows_head and targets is not None and targets.shape[1] != spec.output_size:
        new_out = targets.shape[1]
    return replace(spec, input_size=sequence.num_features, output_size=new_out, head_activation=act)


def adapt_network(session: Session, sequence: Sequence) -> Network:
    """The network for a new sequence (see :func:`adapted_network`)."""
    return adapted_network(session, sequence)[0]


def adapted_network(session: Session, sequence: Sequence) -> tuple[Network, str | None]:
    """The network for a new sequence, and what to tell the user about its weights.

    The input size follows the feature count; the head follows the targets' width
    (next-token text gets a softmax head over its vocabulary; a softmax or sigmoid head
    that cannot fit the targets becomes linear).  The weights follow
    :func:`~rnnviz.session.restructure.restructured`: exactly a fresh build when they were
    still the init's draw, else the user's weights where the shapes match, and a message.
    """
    return restructured(session.network, adapted_spec(session, sequence), session.init)


def with_sequence(session: Session, sequence: Sequence) -> Session:
    """``session`` on a new sequence, its network adapted (see :func:`adapt_network`), and
    so every run's of a comparison."""
    if not session.other_runs:
        return replace(session, sequence=sequence, network=adapt_network(session, sequence))
    from .compare import run_session, with_runs

    runs = [replace(run, network=adapt_network(run_session(session, k), sequence))
            for k, run in enumerate(session.runs)]  # fmt: skip
    return with_runs(session, runs, sequence=sequence)


def head_change_message(before: Session, sequence: Sequence) -> str | None:
    """What to tell the user when a new sequence changes the output head."""
    return head_message(before.network.spec, adapted_spec(before, sequence), sequence)


def sequence_change_message(before: Session, sequence: Sequence) -> str | None:
    """The status line for a new sequence: the head's change and which weights were kept."""
    parts = [head_change_message(before, sequence), adapted_network(before, sequence)[1]]
    return "; ".join(p for p in parts if p) or None
