"""Training a session's network on its sequence: settings, the loss policy, the
stored training (history, optimiser state) and the one job the window and
``rnnviz train`` both run.  Qt-free, no threads.

    job = TrainingJob(session, TrainingSettings(epochs=50))   # ValueError at once if it cannot
    for tick in job.steps():                                    # one TrainingTick per update
        print(tick.update, tick.loss)
    session = job.result()                                      # the trained network + its Training

A session trained 20 epochs, saved, opened and trained 15 more holds exactly
(bit for bit) what training 35 epochs at once gives: the optimiser's moments,
the data order's random state and the position are part of :class:`Training`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.engine import Network
from rnnviz.engine.optim import Optimizer, make_optimizer
from rnnviz.engine.train import MAX_EPOCHS, TrainState, train

from .history import HistoryBuilder, TrainingHistory, snapshot_capacity

if TYPE_CHECKING:
    from .model import Session

__all__ = [
    "MAX_EPOCHS",
    "Training",
    "TrainingHistory",
    "TrainingJob",
    "TrainingSettings",
    "TrainingTick",
    "engine_shape",
    "forget_training",
    "loss_for",
    "reset_training",
]

MAX_TRAIN_SEED = 2**31 - 1
MAX_BPTT_WINDOW = 10_000_000

#: The loss that fits each output head, as in the course: softmax → cross-entropy,
#: sigmoid → binary cross-entropy, a linear head or none → mean squared error.
LOSS_BY_HEAD = {"softmax": "cross_entropy", "sigmoid": "bce", None: "mse"}


def loss_for(network: Network) -> str:
    """The loss that fits ``network``'s output head (the one policy, for the window and the CLI)."""
    return LOSS_BY_HEAD.get(network.head_activation if network.has_head else None, "mse")


def engine_shape(sequence_shape: str) -> str:
    """Where the loss counts (an engine ``SHAPES`` name): the last step for many-to-one,
    every step otherwise (one-to-many has its input at step 1 only, a target at every step)."""
    return "many_to_one" if sequence_shape == "many_to_one" else "many_to_many"


@dataclass(frozen=True)
class TrainingSettings:
    """What the training panel and ``rnnviz train`` set.  The defaults (Adam, learning
    rate 0.01, 100 epochs, no clipping, full BPTT, seed 0) are the engine's: Adam at
    0.01 trains the course's small networks in a few hundred updates without tuning."""

    loss: str = ""  # "" = the loss that fits the head (loss_for)
    optimizer: str = "adam"  # "sgd" | "adam"
    lr: float = 0.01
    momentum: float = 0.0  # SGD
    nesterov: bool = False  # SGD, needs momentum > 0
    beta1: float = 0.9  # Adam
    beta2: float = 0.999  # Adam
    weight_decay: float = 0.0
    clip: float = 0.0  # max gradient norm; 0 = off
    epochs: int = 100
    seed: int = 0  # the order of the sequences in each epoch
    bptt_window: int = 0  # truncated BPTT over this many steps; 0 = full BPTT

    def __post_init__(self) -> None:
        from .model import _plain_fields

        _plain_fields(self)
        self._check()

    def _check(self) -> None:
        from rnnviz.engine.losses import LOSSES
        from rnnviz.engine.optim import OPTIMIZERS

        def bad(name: str, want: str) -> ValueError:
            return ValueError(f"training setting {name} must be {want}; got {getattr(self, name)!r}")

        if self.loss not in ("",) + LOSSES:
            raise bad("loss", f"'' (from the head) or one of {', '.join(LOSSES)}")
        if self.optimizer not in OPTIMIZERS:
            raise bad("optimizer", " or ".join(OPTIMIZERS))
        checks = (
            ("lr", 0.0 < self.lr < math.inf, "a positive number"),
            ("momentum", 0.0 <= self.momentum < 1.0, "in [0, 1)"),
            ("beta1", 0.0 <= self.beta1 < 1.0, "in [0, 1)"),
            ("beta2", 0.0 <= self.beta2 < 1.0, "in [0, 1)"),
            ("weight_decay", self.weight_decay >= 0.0, "0 or more"),
            ("clip", self.clip >= 0.0, "0 (off) or a positive number"),
            ("epochs", 1 <= self.epochs <= MAX_EPOCHS, f"a whole number in [1, {MAX_EPOCHS:,}]"),
            ("seed", 0 <= self.seed <= MAX_TRAIN_SEED, f"a whole number in [0, {MAX_TRAIN_SEED:,}]"),
            ("bptt_window", 0 <= self.bptt_window <= MAX_BPTT_WINDOW, "0 (full BPTT) or a number of steps"),
        )
        for name, ok, want in checks:
            if not ok:
                raise bad(name, want)
        if self.optimizer == "sgd" and self.nesterov and self.momentum <= 0:
            raise ValueError("training setting nesterov needs momentum > 0")

    @property
    def betas(self) -> tuple[float, float]:
        return (self.beta1, self.beta2)

    def make_optimizer(self) -> Optimizer:
        """A fresh engine optimiser with these settings."""
        if self.optimizer == "sgd":
            return make_optimizer(
                "sgd", self.lr, momentum=self.momentum, nesterov=self.nesterov, weight_decay=self.weight_decay
            )
        return make_optimizer("adam", self.lr, betas=self.betas, weight_decay=self.weight_decay)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class Training:
    """A session's training so far: its settings, history, the engine's state to resume
    from (None before the first update) and the weights before the first update."""

    settings: TrainingSettings = field(default_factory=TrainingSettings)
    history: TrainingHistory = field(default_factory=TrainingHistory)
    state: TrainState | None = None
    initial: Network | None = None  # the network before the first update

    def __post_init__(self) -> None:
        if not isinstance(self.settings, TrainingSettings):
            raise ValueError(
                f"Training.settings must be TrainingSettings; got {type(self.settings).__name__}"
            )
        if self.history.updates and self.initial is None:
            raise ValueError("a training with updates needs the weights from before the first update")

    @property
    def updates(self) -> int:
        return self.history.updates

    @property
    def trained(self) -> bool:
        return self.history.updates > 0

    def fits(self, network: Network) -> bool:
        """Whether this training belongs to a network of ``network``'s shape and dtype."""
        init = self.initial
        return init is None or (init.spec == network.spec and init.dtype == network.dtype)


@dataclass(frozen=True, eq=False)
class TrainingTick:
    """One update's progress, for the window's curves and the CLI's progress lines."""

    update: int  # 1-based, counted over the session's whole training
    epoch: int  # 1-based, counted over the session's whole training
    total_updates: int  # the update count when this job ends (if it is not stopped)
    total_epochs: int  # the epoch count when this job ends
    loss: float  # before this update
    grad_norm: float  # before clipping
    network: Network  # after this update (the last good one when stopped)
    stopped_reason: str | None = None  # a NaN / inf stop: this update was not applied
    run: int = 0  # compare mode: which run (0: the active one)
    round_end: bool = True  # compare mode: the last run's update of a round (all runs updated)

    @property
    def stopped(self) -> bool:
        return self.stopped_reason is not None


class TrainingJob:
    """Train ``session``'s network on its sequence: the one code path of the window and
    ``rnnviz train``.  Checks everything at once (ValueError, one line).

    ``settings`` default to the session's stored ones; ``epochs`` (more epochs to run)
    overrides theirs.  Training continues from the session's stored :class:`Training`.
    """

    def __init__(self, session: Session, settings: TrainingSettings | None = None, epochs: int | None = None):
        stored = session.training
        settings = stored.settings if settings is None else settings
        if not isinstance(settings, TrainingSettings):
            raise ValueError(f"settings must be TrainingSettings; got {type(settings).__name__}")
        if epochs is not None:
            settings = replace(settings, epochs=epochs)
        targets = session.sequence.targets
        if targets is None:
            raise ValueError("the session has no targets to train on")
        network = session.network
        self.session = session
        self.settings = settings
        self.loss = settings.loss or loss_for(network)
        self._initial = stored.initial if stored.trained else network
        self._history = HistoryBuilder(stored.history, snapshot_capacity(network))
        self._history.stopped_reason = None
        self._network = network
        start = _resume_state(stored, settings)
        self._total_epochs = (0 if start is None else start.epochs_done) + settings.epochs
        data = (session.sequence.inputs, targets)
        kwargs = dict(
            loss=self.loss,
            shape=engine_shape(session.sequence.shape),
            optimizer=settings.make_optimizer(),
            epochs=settings.epochs,
            clip=settings.clip or None,
            seed=settings.seed,
            bptt_window=settings.bptt_window or None,
        )
        try:
            self._run = train(network, data, resume=start, **kwargs)
        except ValueError:
            if start is None or not start.in_epoch:
                raise
            # the sequence changed under an epoch in progress: go on from that epoch's end
            start = _at_epoch_end(start)
            kwargs["optimizer"] = settings.make_optimizer()
            self._run = train(network, data, resume=start, **kwargs)
        self._state = start  # the engine's state matching the history (taken with it)
        self._lock = threading.Lock()  # result() may be called from another thread between steps
        self._started = False

    @property
    def updates(self) -> int:
        """Updates done so far over the session's whole training."""
        return self._history.updates

    @property
    def current_network(self) -> Network:
        """The network as trained so far (the last good one after a stop)."""
        return self._network

    def steps(self) -> Iterator[TrainingTick]:
        """Run the job: one :class:`TrainingTick` after each update (and one for a stop).
        Never sleeps; the caller may stop pulling at any time and call :meth:`result`."""
        if self._started:
            raise RuntimeError("TrainingJob.steps() runs once; make a new job to train on")
        self._started = True
        for p in self._run:
            tick = self._record(p)
            yield tick
            if tick.stopped:
                break

    def _record(self, p) -> TrainingTick:
        # the engine counts updates and epochs over every resumed run, as the history does
        with self._lock:
            if p.stopped_reason is None:
                self._network = p.network
                self._history.add(p.loss, p.grad_norm, p.epoch, p.network)
            else:
                self._history.stopped_reason = p.stopped_reason
            self._state = None  # taken from the engine when asked for (a copy of ≈ 40 µs)
        return TrainingTick(
            update=p.step,
            epoch=p.epoch,
            total_updates=p.total_steps,
            total_epochs=self._total_epochs,
            loss=float(p.loss),
            grad_norm=float(p.grad_norm),
            network=self._network,
            stopped_reason=p.stopped_reason,
        )

    def result(self) -> Session:
        """The session with the network as trained so far and its updated :class:`Training`.
        Call it between steps (:meth:`steps` suspended at a yield, or ended), never while
        another thread is inside an update."""
        with self._lock:
            if (
                self._history.updates == self.session.training.updates
                and self._history.stopped_reason is None
            ):
                return self.session  # not one update yet
            if self._state is None:
                self._state = self._run.state()  # the engine holds right after the last update
            history, state, network = self._history.build(), self._state, self._network
        return replace(
            self.session, network=network, training=Training(self.settings, history, state, self._initial)
        )


def _resume_state(stored: Training, settings: TrainingSettings) -> TrainState | None:
    """Where the engine goes on from: the stored state; its optimiser's moments only when
    the optimiser is the same kind (switching SGD ↔ Adam starts the new one fresh)."""
    state = stored.state
    if state is None:
        if not stored.trained:
            return None
        rng = np.random.default_rng(settings.seed).bit_generator.state
        return TrainState(updates=stored.updates, epochs_done=stored.history.epochs, rng_state=rng)
    if state.optimizer is not None and state.optimizer["name"] != settings.optimizer:
        state = replace(state, optimizer=None)
    return state


def _at_epoch_end(state: TrainState) -> TrainState:
    """``state`` moved past its epoch in progress (its rng already drew that epoch's order)."""
    return replace(
        state,
        epochs_done=state.epochs_done + 1,
        order=np.zeros(0, dtype=np.int64),
        position=0,
        time_step=0,
        h=None,
        c=None,
    )


def forget_training(session: Session) -> Session:
    """The same network, untrained: its history and optimiser state dropped, the settings
    kept (for new weights of the same shape, e.g. a re-initialisation)."""
    return replace(session, training=Training(settings=session.training.settings))


def reset_training(session: Session) -> Session:
    """The weights from before training, the history cleared (the settings kept)."""
    training = session.training
    network = training.initial if training.initial is not None else session.network
    return replace(session, network=network, training=Training(settings=training.settings))


def next_optimizer(session: Session) -> Optimizer:
    """The optimiser the next update would use: the session's settings, with the moments
    of its training so far when the optimiser is the same kind (for the weights dock's
    preview of the next update; training itself resumes through the engine's state)."""
    settings = session.training.settings
    opt = settings.make_optimizer()
    state = session.training.state
    if state is not None and state.optimizer is not None and state.optimizer["name"] == settings.optimizer:
        saved = dict(state.optimizer, hyperparameters=opt.hyperparameters())
        opt.load_state_dict(saved)
    return opt
