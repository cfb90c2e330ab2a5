"""The session controller: the Qt side of the :class:`~rnnviz.session.workspace.Workspace`.

It applies edits, computes (``rnnviz.session.compute``, a pure function) on the GUI
thread when it is cheap and in the ``"compute"`` lane of :class:`~.jobs.Jobs`
otherwise, and commits the result to the workspace, which owns the session and
the cursor.  A newer edit or a cancel makes a running computation stale: its
result is dropped.  A failed edit (the engine's ValueError) becomes ``sig_error``
and the previous session stays.  The policies (costs, limits, heads) are Qt-free
and live in :mod:`rnnviz.session.compute`.  No widget code lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal

from rnnviz.engine import Network, NetworkSpec, Trace
from rnnviz.session import InitSettings, Sequence, Session
from rnnviz.session import compute as policy
from rnnviz.session.compute import Computed, compute
from rnnviz.session.training import forget_training
from rnnviz.session.workspace import CURSOR_FIELDS, Cursor, Workspace

from .jobs import Jobs

COMPUTE = "compute"  # the jobs lane of forward passes


class SessionController(QObject):
    """The current session, its computation and the cursor; every edit goes through here."""

    sig_computed = Signal(object)  # Computed: committed
    sig_cursor_changed = Signal(object)  # Cursor
    sig_session_changed = Signal(object)  # Session: committed (or shown again after a refusal)
    sig_trace_changed = Signal(object)  # Trace
    sig_busy_changed = Signal(bool)
    sig_view_settings_changed = Signal(object)  # ViewSettings: decimals, speed… changed (no recompute)
    sig_error = Signal(str)  # an edit was refused; the previous session stays
    sig_warning = Signal(str)  # the committed session computed, but something is off (overflow)
    sig_message = Signal(str)  # a short status message

    def __init__(self, session: Session | None = None, threading: str = "auto", parent=None):
        super().__init__(parent)
        if threading not in ("auto", "sync", "async"):
            raise ValueError("threading must be 'auto', 'sync' or 'async'")
        self.jobs = Jobs(self)
        self.threading = threading  # "sync" in tests makes all work synchronous
        self.workspace = Workspace()  # owns the committed computation and the cursor
        self.workspace.subscribe("computed", self._on_workspace_computed)
        self.workspace.subscribe("cursor", self.sig_cursor_changed.emit)
        self._pending: Session | None = None  # the session being computed, when known
        self._pending_build: Callable[[], Session] | None = None  # or how to build it
        self._pending_is_edit = False
        self._pending_cursor: Cursor | None = None  # a file's saved cursor, applied on commit
        self._streaming = False  # a commit of weights being trained: views only, docks stay
        if session is not None:
            self.set_session(session)

    @property
    def threading(self) -> str:
        return self._threading

    @threading.setter
    def threading(self, value: str) -> None:
        self._threading = value
        self.jobs.sync = value == "sync"

    # -- what views read ------------------------------------------------------
    @property
    def computed(self) -> Computed | None:
        return self.workspace.computed

    @property
    def session(self) -> Session | None:
        """The committed session (the one whose trace every view shows), cursor included."""
        return self.workspace.document()

    @property
    def trace(self) -> Trace | None:
        c = self.workspace.computed
        return c.trace if c else None

    @property
    def loss(self):
        """The committed session's LossResult (``.per_step`` [T]), or None."""
        c = self.workspace.computed
        return c.loss if c else None

    @property
    def cursor(self) -> Cursor:
        return self.workspace.cursor

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

    def request_cursor(self, **changes) -> bool:
        """A view asks to move the cursor (clamped by the workspace)."""
        return self.workspace.request_cursor(**changes)

    # -- computing ------------------------------------------------------------
    def set_session(self, session: Session) -> bool:
        """Compute ``session``'s trace and commit it, with its saved cursor; False if refused at once."""
        cursor = Cursor(session.view.step, session.view.layer, session.view.direction,
                        session.view.unit, session.view.gate)  # fmt: skip
        if self._should_run_sync(policy.estimated_cost(session)):
            return self._run_sync(session, cursor)
        self._pending_cursor = cursor
        return self._run_async(lambda: session, session)

    def _should_run_sync(self, cost: int) -> bool:
        if self.threading != "auto":
            return self.threading == "sync"
        return cost <= policy.SYNC_COST_LIMIT

    def _run_sync(self, session: Session, cursor: Cursor | None = None) -> bool:
        was_busy = self.busy
        self.jobs.drop(COMPUTE)
        self._pending = self._pending_build = None
        try:
            result = compute(session)
        except ValueError as exc:
            result, error = None, str(exc)
        else:
            error = None
            self._commit(result, cursor)
        if was_busy:
            self.sig_busy_changed.emit(False)
        if error is not None:
            self.sig_error.emit(error)
        return error is None

    def _run_async(
        self, build: Callable[[], Session], session: Session | None = None, edit: bool = False
    ) -> bool:
        """Build (when ``session`` is not known yet) and compute in the ``"compute"`` lane.

        ``edit``: the result keeps the view settings, title and note the committed
        session has when it arrives (the user may have moved on meanwhile).
        """
        was_busy = self.busy
        self._pending, self._pending_build = session, build
        self._pending_is_edit = edit
        if not edit and session is None:
            self._pending_cursor = None
        self.jobs.start(COMPUTE, lambda: _compute_guarded(build), on_done=self._on_worker_done)
        if not was_busy and self.busy:
            self.sig_busy_changed.emit(True)
        return True

    def _on_worker_done(self, outcome: tuple[Computed | None, str | None]) -> None:
        result, error = outcome
        self._pending = self._pending_build = None
        cursor, self._pending_cursor = self._pending_cursor, None
        if error is not None:
            self.sig_error.emit(error)
            if self.session is not None:
                self.sig_session_changed.emit(self.session)  # editors show it again
        else:
            now = self.workspace.session
            if self._pending_is_edit and now is not None:
                result = replace(
                    result, session=replace(result.session, view=now.view, title=now.title, note=now.note)
                )
            self._commit(result, cursor)
        self.sig_busy_changed.emit(False)

    def cancel(self) -> None:
        """Drop the running computation; the committed session stays."""
        if not self.busy:
            return
        self.jobs.drop(COMPUTE)
        self._pending = self._pending_build = self._pending_cursor = None
        self.sig_message.emit("Computation cancelled; the previous network and sequence stay.")
        if self.session is not None:
            self.sig_session_changed.emit(self.session)
        self.sig_busy_changed.emit(False)

    def finish(self, msecs: int = -1) -> bool:
        """Wait for the running computation and commit its result now (before a save or a
        close, so an edit still being built is not lost); False if it is still running."""
        if not self.busy:
            return True
        if not self.jobs.finish(COMPUTE, None if msecs < 0 else msecs / 1000):
            return False
        return not self.busy

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker threads are idle (shutdown, tests)."""
        return self.jobs.wait_all(msecs)

    def _commit(self, result: Computed, cursor: Cursor | None = None) -> None:
        self.workspace.commit(result, cursor)  # → _on_workspace_computed, then the cursor

    def _on_workspace_computed(self, result: Computed) -> None:
        if not self._streaming:
            self.sig_session_changed.emit(self.session)
        self.sig_computed.emit(result)
        self.sig_trace_changed.emit(result.trace)
        if result.warning is not None:
            self.sig_warning.emit(result.warning)

    def show_streamed(self, computed: Computed) -> None:
        """Weights being trained (computed in the worker) or a kept snapshot: every view
        shows them; the work (the document, the docks, the title) stays what it is."""
        now = self.workspace.session
        if now is not None:
            session = replace(computed.session, view=now.view, title=now.title, note=now.note)
            computed = replace(computed, session=session)
        self._streaming = True
        try:
            self.workspace.show(computed)
        finally:
            self._streaming = False

    def show_work(self) -> None:
        """Every view shows the work again (after a snapshot was shown)."""
        self._streaming = True
        try:
            self.workspace.show_work()
        finally:
            self._streaming = False

    # -- edits ------------------------------------------------------------------
    def replace_work(self, session: Session) -> bool:
        """``session``'s network, sequence and training (e.g. trained, or reset) become the
        work, keeping where the user looks and the title and note."""
        return self._apply(lambda s: replace(session, view=s.view, title=s.title, note=s.note))

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
        heavy = build_params > policy.BUILD_PARAM_LIMIT and self.threading != "sync"
        if heavy or (self._pending_build is not None and self._pending is None):
            return self._run_async(lambda: make(base_build()), edit=True)
        try:
            session = make(base_build())
        except ValueError as exc:
            self.sig_error.emit(str(exc))
            return False
        return self._compute_edit(session)

    def _compute_edit(self, session: Session) -> bool:
        if self._should_run_sync(policy.estimated_cost(session)):
            return self._run_sync(session)
        return self._run_async(lambda: session, session, edit=False)

    def set_structure(
        self,
        mode: str,
        hidden_size: int,
        num_layers: int,
        bidirectional: bool,
        output_size: int,
        head_activation: str | None,
    ) -> bool:
        """A new shape of network: keeps the sequence; the weights are a fresh build, or the
        user's where the shapes match (said in the status bar, see ``restructured``)."""
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
            return s.with_network(
                policy.restructured(s.network, replace(spec, input_size=s.network.input_size), s.init)[0]
            )

        ok = self._apply(make, spec.num_parameters())
        message = policy.restructured(base.network, spec, base.init)[1] if ok else None
        if message:
            self.sig_message.emit(message)
        return ok

    def set_init(self, init: InitSettings) -> None:
        """Remember the initialisation settings; ``reinitialise`` applies them."""
        if self.latest is None:
            return
        if self._pending is not None:
            self._pending = replace(self._pending, init=init)
        now = self.workspace.session
        if now is not None:
            self.workspace.replace_session(replace(now, init=init))

    def reinitialise(self, init: InitSettings | None = None) -> bool:
        def make(s: Session) -> Session:
            settings = init or s.init
            fresh = replace(s, network=policy.initialised(s.network.spec, settings), init=settings)
            return forget_training(fresh)  # new weights: the old history no longer describes them

        base = self.latest
        return self._apply(make, base.network.num_parameters() if base is not None else 0)

    def set_param(self, key: str, value: np.ndarray) -> bool:
        """Replace one weight matrix or bias vector (PyTorch name)."""
        base = self.latest
        size = base.network.num_parameters() if base is not None else 0  # the new network copies them all
        return self._apply(
            lambda s: s.with_network(s.network.with_params({key: np.asarray(value, float)})), size
        )

    def set_runs(self, runs) -> bool:
        """Compare mode: the session's runs (the first is active), as one edit."""
        from rnnviz.session.compare import with_runs

        return self._apply(lambda s: with_runs(s, runs))

    def set_network(self, network: Network) -> bool:
        return self._apply(lambda s: s.with_network(network))

    def set_sequence(self, sequence: Sequence) -> bool:
        """New inputs/targets.  The network's input size follows the feature count."""
        base = self.latest
        size = base.network.num_parameters() if base is not None else 0  # when the network is rebuilt
        ok = self._apply(lambda s: policy.with_sequence(s, sequence), size)
        message = policy.sequence_change_message(base, sequence) if ok and base is not None else None
        if message:
            self.sig_message.emit(message)
        return ok

    def set_view(self, **changes) -> None:
        """Where the user looks (cursor fields go to the workspace's cursor) and the view
        settings (speed, loop, decimals, layout): no recomputation."""
        cursor = {k: changes.pop(k) for k in CURSOR_FIELDS if k in changes}
        if cursor:
            self.workspace.request_cursor(**cursor)
        if not changes:
            return
        now = self.workspace.session
        if now is not None:
            self.workspace.replace_session(now.with_view(**changes))
            self.sig_view_settings_changed.emit(self.workspace.session.view)
        if self._pending is not None:
            self._pending = self._pending.with_view(**changes)

    def set_settings(self, training=None, **view) -> None:
        """Settings a view keeps in the session: view settings (decimals…) and the
        training settings; nothing is recomputed."""
        if view:
            self.set_view(**view)
        now = self.workspace.session
        if training is not None and now is not None:
            self.workspace.replace_session(replace(now, training=replace(now.training, settings=training)))
            if self._pending is not None:
                self._pending = replace(
                    self._pending, training=replace(self._pending.training, settings=training)
                )

    def report(self, message: str, error: bool = True) -> None:
        """A message from an editor (refused text, a bad file) for the status bar."""
        (self.sig_error if error else self.sig_message).emit(message)

    def set_text(self, title: str | None = None, note: str | None = None) -> None:
        changes = {k: v for k, v in (("title", title), ("note", note)) if v is not None}
        now = self.workspace.session
        if now is not None:
            self.workspace.replace_session(replace(now, **changes))
            self.sig_session_changed.emit(self.session)


def _compute_guarded(build: Callable[[], Session]) -> tuple[Computed | None, str | None]:
    """``compute(build())`` for the worker: a refusal is a message, not an exception."""
    try:
        return compute(build()), None
    except ValueError as exc:
        return None, str(exc)
    except MemoryError:
        return None, "not enough memory for this sequence and network"
