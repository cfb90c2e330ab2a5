"""The session controller: holds the current Session, applies edits, computes the Trace.

Small networks are computed at once on the GUI thread; big ones in a worker thread
with a generation counter, so a cancelled or superseded computation's result is
dropped.  A failed edit (the engine's ValueError) becomes ``sig_error`` and the
previous session stays.  No widget code lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThreadPool, Signal

from rnnviz.engine import Network, NetworkSpec, Trace
from rnnviz.session import InitSettings, Sequence, Session

#: Work (multiply-adds, plus a per-step overhead) below which the trace is computed
#: on the GUI thread.  The engine does 2.5–5 G of these a second on one core, so the
#: limit is about 10–25 ms; a 2-layer bidirectional LSTM with T = 200, H = 64 is below
#: it, an LSTM with T = 1000, H = 128 above (benchmarks/bench_gui.py).
SYNC_COST_LIMIT = 60_000_000
STEP_OVERHEAD = 20_000
#: The trace (every state and gate at every step) may take this much memory at most.
MAX_TRACE_BYTES = 2 * 2**30
#: Drawing more weights than this (≈ 100 ms) happens in the worker too.
BUILD_PARAM_LIMIT = 500_000

#: Loss by output head, as in the course: softmax → cross-entropy, sigmoid → BCE, linear → MSE.
LOSS_BY_HEAD = {"softmax": "cross_entropy", "sigmoid": "bce", None: "mse"}
LOSS_TITLES = {"cross_entropy": "cross-entropy", "bce": "binary cross-entropy", "mse": "mean squared error"}


@dataclass(frozen=True, eq=False)
class Computed:
    """One session's trace and, when it has targets, its per-step loss."""

    session: Session
    trace: Trace
    loss: object | None  # rnnviz.engine.losses.LossResult
    warning: str | None = None  # e.g. the forward pass overflowed: said once it is committed


def estimated_cost(session: Session) -> int:
    """Rough multiply-adds of a forward pass, plus a per-step Python overhead."""
    spec = session.network.spec
    G = len(spec.gate_names)
    T, H, D, L = session.sequence.steps, spec.hidden_size, spec.num_directions, spec.num_layers
    per_step = 0
    for layer in range(L):
        n_in = spec.input_size if layer == 0 else D * H
        per_step += D * (G * H * (n_in + H) + STEP_OVERHEAD)
    return T * per_step + T * spec.output_size * D * H


def trace_bytes(session: Session) -> int:
    """About how much memory the trace of ``session`` takes (float64)."""
    spec = session.network.spec
    G, H = len(spec.gate_names), spec.hidden_size
    per_step = spec.num_layers * spec.num_directions * (2 * G * H + 3 * H) + spec.num_directions * H
    per_step += 2 * spec.output_size + session.sequence.num_features
    return 8 * session.sequence.steps * per_step


def loss_name(network: Network) -> str:
    return LOSS_BY_HEAD.get(network.head_activation, "mse")


def compute_loss(session: Session, trace: Trace):
    """The per-step loss when the sequence has targets that fit the prediction, else None."""
    targets = session.sequence.targets
    if targets is None:
        return None
    try:
        from rnnviz.engine import losses
    except ImportError:  # pragma: no cover - losses.py is being written
        return None
    net = session.network
    name = loss_name(net)
    if net.has_head:
        prediction = trace.y if name == "mse" else trace.y_logits
    else:
        prediction = trace.output  # no head: compare h_t (top layer) itself
    if prediction.shape[1] != targets.shape[1]:
        raise ValueError(
            f"{targets.shape[1]} target column(s) for {prediction.shape[1]} "
            + ("outputs" if net.has_head else "hidden units (no output head)")
        )
    shape = "many_to_one" if session.sequence.shape == "many_to_one" else "many_to_many"
    return losses.compute_loss(name, prediction, targets, shape)


def compute(session: Session) -> Computed:
    """The pure work: forward pass and loss.  Runs on any thread; raises ValueError."""
    need = trace_bytes(session)
    if need > MAX_TRACE_BYTES:
        raise ValueError(
            f"this sequence ({session.sequence.steps:,} steps) and network need about {need / 2**30:.1f} GB "
            f"for their trace; the limit is {MAX_TRACE_BYTES / 2**30:.0f} GB — shorten the sequence or "
            "make the network smaller"
        )
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights overflow: said below
        trace = session.network.forward(session.inputs)
        no_loss = None
        try:
            loss = compute_loss(session, trace)
        except ValueError as exc:
            loss = None  # targets that do not suit this head: no loss panel, but the trace stands
            what = LOSS_TITLES.get(loss_name(session.network), loss_name(session.network))
            no_loss = f"No loss is shown: the targets do not suit the {what} loss: {exc}"
    warnings = [w for w in (overflow_warning(trace), no_loss) if w]
    return Computed(session, trace, loss, "; ".join(warnings) or None)


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


class _Relay(QObject):
    """Carries a worker's result back to the GUI thread (queued signal)."""

    sig_done = Signal(int, object, object)  # generation, Computed | None, error message | None


class SessionController(QObject):
    """The current session and its trace; every edit goes through here."""

    sig_session_changed = Signal(object)  # Session: committed, with its trace
    sig_trace_changed = Signal(object)  # Trace
    sig_busy_changed = Signal(bool)
    sig_error = Signal(str)  # an edit was refused; the previous session stays
    sig_warning = Signal(str)  # the committed session computed, but something is off (overflow)
    sig_message = Signal(str)  # a short status message

    def __init__(self, session: Session | None = None, threading: str = "auto", parent=None):
        super().__init__(parent)
        if threading not in ("auto", "sync", "async"):
            raise ValueError("threading must be 'auto', 'sync' or 'async'")
        self.threading = threading  # "sync" in tests makes all work synchronous
        self._computed: Computed | None = None
        self._pending: Session | None = None  # the session being computed, when known
        self._pending_build: Callable[[], Session] | None = None  # or how to build it
        self._pending_is_edit = False
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._relay = _Relay()
        self._relay.sig_done.connect(self._on_worker_done)
        if session is not None:
            self.set_session(session)

    # -- what views read ------------------------------------------------------
    @property
    def session(self) -> Session | None:
        """The committed session: the one whose trace every view shows."""
        return self._computed.session if self._computed else None

    @property
    def trace(self) -> Trace | None:
        return self._computed.trace if self._computed else None

    @property
    def loss(self):
        """The committed session's LossResult (``.per_step`` [T]), or None."""
        return self._computed.loss if self._computed else None

    @property
    def busy(self) -> bool:
        return self._pending_build is not None

    @property
    def building(self) -> bool:
        """An edit is being built in the worker: its session is not known yet (see ``finish``)."""
        return self._pending_build is not None and self._pending is None

    @property
    def latest(self) -> Session | None:
        """The newest known session: the one being computed if known, else the committed one."""
        return self._pending if self._pending is not None else self.session

    # -- computing ------------------------------------------------------------
    def set_session(self, session: Session) -> bool:
        """Compute ``session``'s trace and commit it; False if refused at once."""
        if self._should_run_sync(estimated_cost(session)):
            return self._run_sync(session)
        return self._run_async(lambda: session, session)

    def _should_run_sync(self, cost: int) -> bool:
        if self.threading != "auto":
            return self.threading == "sync"
        return cost <= SYNC_COST_LIMIT

    def _run_sync(self, session: Session) -> bool:
        self._generation += 1
        was_busy = self.busy
        self._pending = self._pending_build = None
        try:
            result = compute(session)
        except ValueError as exc:
            result, error = None, str(exc)
        else:
            error = None
            self._commit(result)
        if was_busy:
            self.sig_busy_changed.emit(False)
        if error is not None:
            self.sig_error.emit(error)
        return error is None

    def _run_async(
        self, build: Callable[[], Session], session: Session | None = None, edit: bool = False
    ) -> bool:
        """Build (when ``session`` is not known yet) and compute in a worker thread.

        ``edit``: the result keeps the view settings, title and note the committed
        session has when it arrives (the user may have moved on meanwhile).
        """
        self._generation += 1
        was_busy = self.busy
        self._pending, self._pending_build = session, build
        self._pending_is_edit = edit
        gen = self._generation
        self._pool.start(lambda: self._work(gen, build))
        if not was_busy:
            self.sig_busy_changed.emit(True)
        return True

    def _work(self, generation: int, build: Callable[[], Session]) -> None:  # worker thread
        if generation != self._generation:
            return  # superseded before it started
        try:
            result, error = compute(build()), None
        except ValueError as exc:
            result, error = None, str(exc)
        except MemoryError:
            result, error = None, "not enough memory for this sequence and network"
        if generation == self._generation:
            self._relay.sig_done.emit(generation, result, error)

    def _on_worker_done(self, generation: int, result, error) -> None:
        if generation != self._generation:
            return  # stale: a newer edit or a cancel came in since
        self._pending = self._pending_build = None
        if error is not None:
            self.sig_error.emit(error)
            if self._computed is not None:
                self.sig_session_changed.emit(self._computed.session)  # editors show it again
        else:
            if self._pending_is_edit and self._computed is not None:
                now = self._computed.session
                result = replace(
                    result, session=replace(result.session, view=now.view, title=now.title, note=now.note)
                )
            self._commit(result)
        self.sig_busy_changed.emit(False)

    def cancel(self) -> None:
        """Drop the running computation; the committed session stays."""
        if not self.busy:
            return
        self._generation += 1
        self._pending = self._pending_build = None
        self.sig_message.emit("Computation cancelled; the previous network and sequence stay.")
        if self._computed is not None:
            self.sig_session_changed.emit(self._computed.session)
        self.sig_busy_changed.emit(False)

    def finish(self, msecs: int = -1) -> bool:
        """Wait for the running computation and commit its result now (before a save or a
        close, so an edit still being built is not lost); False if it is still running."""
        if not self.busy:
            return True
        if not self._pool.waitForDone(msecs):
            return False
        for receiver in (self, self._relay):  # the worker's queued result, delivered now
            QCoreApplication.sendPostedEvents(receiver, QEvent.Type.MetaCall)
        return not self.busy

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker threads are idle (shutdown, tests)."""
        return self._pool.waitForDone(msecs)

    def _commit(self, result: Computed) -> None:
        self._computed = result
        self.sig_session_changed.emit(result.session)
        self.sig_trace_changed.emit(result.trace)
        if result.warning is not None:
            self.sig_warning.emit(result.warning)

    # -- edits ------------------------------------------------------------------
    def _apply(self, make: Callable[[Session], Session], build_params: int = 0) -> bool:
        """A new session from the newest one with ``make``.

        ``make`` runs here when cheap; when it builds a big network (``build_params``
        weights to draw) it runs in the worker with the forward pass.  A ValueError
        refuses the edit and the previous session stays.
        """
        if self._pending_build is not None and self._pending is None:
            base_build = self._pending_build  # chain onto an edit still being built
        else:
            base = self.latest
            if base is None:
                return False
            base_build = lambda: base  # noqa: E731
        heavy = build_params > BUILD_PARAM_LIMIT and self.threading != "sync"
        if heavy or (self._pending_build is not None and self._pending is None):
            return self._run_async(lambda: make(base_build()), edit=True)
        try:
            session = make(base_build())
        except ValueError as exc:
            self.sig_error.emit(str(exc))
            return False
        return self.set_session(session)

    def set_structure(
        self,
        mode: str,
        hidden_size: int,
        num_layers: int,
        bidirectional: bool,
        output_size: int,
        head_activation: str | None,
    ) -> bool:
        """A new shape of network: keeps the sequence, re-initialises every weight."""
        base = self.latest
        if base is None:
            return False
        try:
            spec = NetworkSpec(
                mode,
                base.network.input_size,
                hidden_size,
                num_layers,
                bidirectional,
                output_size,
                head_activation,
            )
        except ValueError as exc:
            self.sig_error.emit(str(exc))
            return False

        def make(s: Session) -> Session:
            return s.with_network(_initialised(replace(spec, input_size=s.network.input_size), s.init))

        return self._apply(make, spec.num_parameters())

    def set_init(self, init: InitSettings) -> None:
        """Remember the initialisation settings; ``reinitialise`` applies them."""
        base = self.latest
        if base is None:
            return
        if self._pending is not None:
            self._pending = replace(self._pending, init=init)
        if self._computed is not None:
            self._computed = replace(self._computed, session=replace(self._computed.session, init=init))

    def reinitialise(self, init: InitSettings | None = None) -> bool:
        def make(s: Session) -> Session:
            settings = init or s.init
            return replace(s, network=_initialised(s.network.spec, settings), init=settings)

        base = self.latest
        return self._apply(make, base.network.num_parameters() if base is not None else 0)

    def set_param(self, key: str, value: np.ndarray) -> bool:
        """Replace one weight matrix or bias vector (PyTorch name)."""
        base = self.latest
        size = base.network.num_parameters() if base is not None else 0  # the new network copies them all
        return self._apply(
            lambda s: s.with_network(s.network.with_params({key: np.asarray(value, float)})), size
        )

    def set_network(self, network: Network) -> bool:
        return self._apply(lambda s: s.with_network(network))

    def set_sequence(self, sequence: Sequence) -> bool:
        """New inputs/targets.  The network's input size follows the feature count."""
        base = self.latest
        size = base.network.num_parameters() if base is not None else 0  # when the network is rebuilt
        new = adapted_head(base, sequence) if base is not None else None
        ok = self._apply(lambda s: replace(s, sequence=sequence, network=adapt_network(s, sequence)), size)
        if ok and base is not None and base.network.has_head:
            old = base.network.head_activation
            if old != new:
                self.sig_message.emit(
                    f"The output head is now {new or 'linear'} (was {old or 'linear'}): "
                    f"a {old} head cannot fit these targets"
                )
        return ok

    def set_view(self, **changes) -> None:
        """Where the user looks (step, selection, speed…): no recomputation, no signal."""
        if self._computed is not None:
            self._computed = replace(self._computed, session=self._computed.session.with_view(**changes))
        if self._pending is not None:
            self._pending = self._pending.with_view(**changes)

    def report(self, message: str, error: bool = True) -> None:
        """A message from an editor (refused text, a bad file) for the status bar."""
        (self.sig_error if error else self.sig_message).emit(message)

    def set_text(self, title: str | None = None, note: str | None = None) -> None:
        changes = {k: v for k, v in (("title", title), ("note", note)) if v is not None}
        if self._computed is not None:
            self._computed = replace(self._computed, session=replace(self._computed.session, **changes))
            self.sig_session_changed.emit(self._computed.session)


def _initialised(spec: NetworkSpec, init: InitSettings) -> Network:
    forget = init.forget_bias_one and spec.mode == "lstm"
    return Network.from_spec(
        spec, init=init.scheme, seed=init.seed, constant=init.constant, forget_bias_one=forget
    )


def head_suits_targets(activation: str | None, targets: np.ndarray) -> bool:
    """Whether an output head can be trained on these targets: softmax needs two or more
    columns of probabilities (or one-hot), sigmoid values in [0, 1]; linear takes anything."""
    known = targets[np.isfinite(targets)]
    if activation == "softmax":
        return targets.shape[1] >= 2 and bool((known >= 0).all())
    if activation == "sigmoid":
        return bool(((known >= 0) & (known <= 1)).all())
    return True


def adapted_head(session: Session, sequence: Sequence) -> str | None:
    """The head's activation for a new sequence.  It changes only with the kind of
    targets: when their width changes (or there were none) and a softmax or sigmoid
    head cannot fit them, it becomes linear (e.g. a sine after the next-word example).
    One bad target typed into the table changes nothing (the loss says why it is missing)."""
    spec = session.network.spec
    act, targets, before = spec.head_activation, sequence.targets, session.sequence.targets
    if not spec.has_head or targets is None or act is None:
        return act
    same_kind = before is not None and before.shape[1] == targets.shape[1]
    if same_kind or head_suits_targets(act, targets):
        return act
    return None


def adapt_network(session: Session, sequence: Sequence) -> Network:
    """The network for a new sequence.

    When the feature count changes, layer 0's input weights (both directions) are
    re-initialised with the session's init settings and every other weight is kept.
    When the network has an output head and the targets have a different width,
    the head follows the targets (re-initialised); a softmax or sigmoid head that
    cannot fit the targets (real numbers, one column) becomes linear, keeping its
    weights.  Otherwise nothing changes.
    """
    net = session.network
    spec = net.spec
    new_in = sequence.num_features
    new_out = spec.output_size
    targets = sequence.targets
    act = adapted_head(session, sequence)
    if spec.has_head and targets is not None and targets.shape[1] != spec.output_size:
        new_out = targets.shape[1]
    if new_in == spec.input_size and new_out == spec.output_size and act == spec.head_activation:
        return net
    new_spec = replace(spec, input_size=new_in, output_size=new_out, head_activation=act)
    # layer 0 and the head of a 1-layer twin: the same draws as layer 0 of a full init
    fresh = _initialised(replace(new_spec, num_layers=1), session.init).state_dict()
    params = {k: net.param(k) for k in spec.param_shapes()}
    merged = {}
    for key, shape in new_spec.param_shapes().items():
        merged[key] = params[key] if key in params and params[key].shape == shape else fresh[key]
    return Network(new_spec, merged)
